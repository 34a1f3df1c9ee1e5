/*
 * test_tpm_attest.c - TPMS_ATTEST and TPML_PCR_SELECTION parsing, the
 * selection syntax, and selection comparison (format/tpm_attest.h), on a
 * real quote (keylime's tpm_util_test) and bytes derived from it.
 */
#include <stdlib.h>
#include <string.h>

#include "format/fileio.h"
#include "format/tpm_attest.h"
#include "tests/unit/check.h"

#define KEYLIME_QUOTE "testdata/quotes/keylime-tpm_util_test/quote.tpms_attest"
#define AZURE_Q1 "testdata/quotes/azure-cvm-vtpm/q1_64da750/quote.decoded.tpms_attest"

/* Offsets inside the keylime quote (133 bytes). */
#define KL_EXTRA_OFF    42	/* u16 size of extraData (20) */
#define KL_SELECT_OFF   89	/* u32 count of the PCR selection */
#define KL_SIZEOF_OFF   95	/* sizeofSelect of the first selection */

static struct tpm_attest a;	/* large: keep off the stack */

static uint8_t *
load(const char *path, size_t *len)
{
	struct errbuf e;
	uint8_t *buf;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, len, &e) != 0) {
		printf("not ok - load %s: %s\n", path, e.msg);
		exit(1);
	}
	return buf;
}

static void
test_real_quote(const uint8_t *q, size_t n)
{
	struct errbuf e = { "" };
	char spec[TPM_SELECTION_SPEC_MAX];
	int rc;

	rc = tpm_attest_parse(q, n, &a, &e);
	CHECK(rc == 0, "keylime quote parses (%s)", e.msg);
	CHECK(a.format == TPM_ATTEST_RAW, "keylime quote is a bare TPMS_ATTEST");
	CHECK(a.raw_len == n && memcmp(a.raw, q, n) == 0,
	    "raw bytes kept for hashing");
	CHECK(a.att.magic == TPM2_GENERATED_VALUE, "magic read");
	CHECK(a.att.type == TPM2_ST_ATTEST_QUOTE, "type is quote");
	CHECK(a.att.extraData.size == 20 &&
	    memcmp(a.att.extraData.buffer, "Ai5M5SjYjnkyv4P7itH1", 20) == 0,
	    "extraData is the nonce");
	CHECK(a.att.qualifiedSigner.size == 34, "qualifiedSigner is 34 bytes");
	CHECK(a.att.clockInfo.resetCount == 3, "resetCount 3");
	CHECK(a.att.attested.quote.pcrDigest.size == 32, "pcrDigest 32 bytes");
	tpm_selection_format(&a.att.attested.quote.pcrSelect, spec,
	    sizeof(spec));
	CHECK(strcmp(spec, "sha256:16") == 0, "selection sha256:16 (%s)", spec);
}

static void
test_azure_quote(void)
{
	struct errbuf e = { "" };
	char spec[TPM_SELECTION_SPEC_MAX];
	uint8_t *q;
	size_t n;

	q = load(AZURE_Q1, &n);
	CHECK(tpm_attest_parse(q, n, &a, &e) == 0, "azure q1 parses (%s)",
	    e.msg);
	tpm_selection_format(&a.att.attested.quote.pcrSelect, spec,
	    sizeof(spec));
	CHECK(strcmp(spec, "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
	    "17,18,19,20,21,22,23") == 0, "azure q1 selects sha256 0-23");
	CHECK(a.att.extraData.size == 9 &&
	    memcmp(a.att.extraData.buffer, "challenge", 9) == 0,
	    "azure q1 nonce 'challenge'");
	free(q);
}

static void
test_truncated(const uint8_t *q, size_t n)
{
	struct errbuf e;
	size_t len, fails = 0;

	for (len = 0; len < n; len++) {
		/* A prefix of exactly 2 + k bytes whose first u16 is k would be
		 * a TPM2B: impossible here since the quote starts FF 54. */
		if (tpm_attest_parse(q, len, &a, &e) != 0)
			fails++;
	}
	CHECK(fails == n, "every truncation of the quote is rejected "
	    "(%zu of %zu)", fails, n);
	CHECK(tpm_attest_parse(q, 50, &a, &e) != 0 &&
	    strstr(e.msg, "offset") != NULL, "truncation message names the "
	    "offset (%s)", e.msg);
}

static void
test_trailing(const uint8_t *q, size_t n)
{
	struct errbuf e = { "" };
	uint8_t buf[256];

	memcpy(buf, q, n);
	buf[n] = 0;
	CHECK(tpm_attest_parse(buf, n + 1, &a, &e) != 0 &&
	    strstr(e.msg, "1 trailing bytes") != NULL,
	    "a trailing byte is rejected (%s)", e.msg);
}

static void
test_tpm2b(const uint8_t *q, size_t n)
{
	struct errbuf e = { "" };
	uint8_t buf[256];

	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, q, n);
	CHECK(tpm_attest_parse(buf, n + 2, &a, &e) == 0 &&
	    a.format == TPM_ATTEST_TPM2B, "TPM2B_ATTEST accepted and named");
	CHECK(a.raw_len == n && memcmp(a.raw, q, n) == 0,
	    "TPM2B_ATTEST: raw bytes are the inner TPMS_ATTEST");
	buf[1] = (uint8_t)(n + 1);
	CHECK(tpm_attest_parse(buf, n + 2, &a, &e) != 0 &&
	    strstr(e.msg, "TPM2B_ATTEST whose size field") != NULL,
	    "TPM2B_ATTEST with a wrong outer size rejected (%s)", e.msg);
	/* Inner extraData size one too large: fields shift, parse fails. */
	memcpy(buf, q, n);
	buf[KL_EXTRA_OFF + 1]++;
	CHECK(tpm_attest_parse(buf, n, &a, &e) != 0,
	    "inconsistent inner size rejected (%s)", e.msg);
}

static void
test_magic_type(const uint8_t *q, size_t n)
{
	struct errbuf e = { "" };
	uint8_t buf[256];

	memcpy(buf, q, n);
	buf[0] = 0xfe;
	CHECK(tpm_attest_parse(buf, n, &a, &e) == 0 &&
	    a.att.magic == 0xfe544347, "a wrong magic is parsed and reported "
	    "as found (%s)", e.msg);
	memcpy(buf, q, n);
	buf[5] = 0x99;
	CHECK(tpm_attest_parse(buf, n, &a, &e) != 0 &&
	    strstr(e.msg, "0x8099") != NULL, "unknown type rejected (%s)",
	    e.msg);
	memcpy(buf, q, n);
	buf[5] = 0x17;	/* certify: the rest does not fit that layout */
	CHECK(tpm_attest_parse(buf, n, &a, &e) != 0,
	    "quote bytes under the certify type rejected (%s)", e.msg);
}

static void
test_selection_limits(const uint8_t *q, size_t n)
{
	struct errbuf e = { "" };
	TPML_PCR_SELECTION sel;
	uint8_t buf[256];
	/* count 1, sha256, sizeofSelect 5 */
	static const uint8_t big_select[] = { 0, 0, 0, 1, 0, 0x0b, 5,
	    0, 0, 0, 0, 0 };
	static const uint8_t ok_select[] = { 0, 0, 0, 1, 0, 0x0b, 4,
	    1, 0, 0, 0x80 };
	uint8_t many[4 + 17 * 6];
	size_t i;

	memcpy(buf, q, n);
	buf[KL_SIZEOF_OFF] = 5;
	CHECK(tpm_attest_parse(buf, n, &a, &e) != 0,
	    "quote with sizeofSelect 5 rejected (%s)", e.msg);
	memcpy(buf, q, n);
	buf[KL_SELECT_OFF + 3] = 17;
	CHECK(tpm_attest_parse(buf, n, &a, &e) != 0,
	    "quote with 17 selections rejected (%s)", e.msg);

	CHECK(tpm_selection_parse(big_select, sizeof(big_select), &sel,
	    &e) != 0, "TPML_PCR_SELECTION: sizeofSelect 5 rejected");
	CHECK(tpm_selection_parse(ok_select, sizeof(ok_select), &sel, &e) == 0
	    && tpm_selection_has(&sel.pcrSelections[0], 0) &&
	    tpm_selection_has(&sel.pcrSelections[0], 31) &&
	    !tpm_selection_has(&sel.pcrSelections[0], 1),
	    "TPML_PCR_SELECTION: sizeofSelect 4 with PCR 0 and 31");
	CHECK(tpm_selection_parse(ok_select, sizeof(ok_select) - 1, &sel,
	    &e) != 0, "TPML_PCR_SELECTION: truncated rejected");
	memset(many, 0, sizeof(many));
	many[3] = 17;
	for (i = 0; i < 17; i++) {
		many[4 + 6 * i + 1] = 0x0b;
		many[4 + 6 * i + 2] = 3;
	}
	CHECK(tpm_selection_parse(many, sizeof(many), &sel, &e) != 0,
	    "TPML_PCR_SELECTION: count 17 rejected");
	many[3] = 16;
	CHECK(tpm_selection_parse(many, sizeof(many) - 6, &sel, &e) == 0,
	    "TPML_PCR_SELECTION: count 16 accepted (%s)", e.msg);
	CHECK(tpm_selection_parse(many, sizeof(many), &sel, &e) != 0 &&
	    strstr(e.msg, "6 trailing") != NULL,
	    "TPML_PCR_SELECTION: trailing bytes rejected (%s)", e.msg);
}

static void
roundtrip(const char *in, const char *want)
{
	struct errbuf e = { "" };
	char out[TPM_SELECTION_SPEC_MAX] = "";
	TPML_PCR_SELECTION sel;
	int rc;

	rc = tpm_selection_from_spec(in, &sel, &e);
	if (rc == 0)
		tpm_selection_format(&sel, out, sizeof(out));
	CHECK(rc == 0 && strcmp(out, want) == 0, "spec \"%s\" -> \"%s\" "
	    "(got \"%s\" %s)", in, want, out, e.msg);
}

static void
bad_spec(const char *in)
{
	struct errbuf e = { "" };
	TPML_PCR_SELECTION sel;

	CHECK(tpm_selection_from_spec(in, &sel, &e) != 0 && e.msg[0] != '\0',
	    "spec \"%s\" rejected (%s)", in, e.msg);
}

static void
test_spec(void)
{
	struct errbuf e;
	TPML_PCR_SELECTION sel;
	char small[8];

	roundtrip("sha256:0,1,2,10+sha1:10", "sha256:0,1,2,10+sha1:10");
	roundtrip("sha1:0-3,7", "sha1:0,1,2,3,7");
	roundtrip("SHA256:10,0", "sha256:0,10");
	roundtrip("sha384:none", "sha384:none");
	roundtrip("sha256:all", "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
	    "16,17,18,19,20,21,22,23");
	roundtrip("sha256:31", "sha256:31");
	bad_spec("");
	bad_spec("sha256");
	bad_spec("sha256:");
	bad_spec("sha256:32");
	bad_spec("sha256:1,,2");
	bad_spec("sha256:1,");
	bad_spec("sha256:3-1");
	bad_spec("sha256:x");
	bad_spec("md5:1");
	bad_spec("sha256:1+sha256:2");
	bad_spec("sha256:1+");
	CHECK(tpm_selection_from_spec("sha256:0+sha1:0", &sel, &e) == 0 &&
	    sel.count == 2 && sel.pcrSelections[0].sizeofSelect == 3,
	    "spec: two banks, sizeofSelect 3");
	CHECK(tpm_selection_from_spec("sha256:30", &sel, &e) == 0 &&
	    sel.pcrSelections[0].sizeofSelect == 4,
	    "spec: PCR 30 needs sizeofSelect 4");
	CHECK(tpm_selection_format(&sel, small, sizeof(small)) != 0 &&
	    strlen(small) == sizeof(small) - 1,
	    "format into a short buffer reports truncation");
}

static void
compare(const char *got, const char *want, const char *expect_msg)
{
	TPML_PCR_SELECTION g, w;
	struct errbuf e = { "" };
	int rc;

	if (tpm_selection_from_spec(got, &g, &e) != 0 ||
	    tpm_selection_from_spec(want, &w, &e) != 0) {
		CHECK(0, "compare setup %s / %s: %s", got, want, e.msg);
		return;
	}
	rc = tpm_selection_compare(&g, &w, &e);
	if (expect_msg == NULL)
		CHECK(rc == 0, "signed %s equals requested %s (%s)", got, want,
		    e.msg);
	else
		CHECK(rc != 0 && strstr(e.msg, expect_msg) != NULL,
		    "signed %s vs requested %s: \"%s\" (%s)", got, want,
		    expect_msg, e.msg);
}

static void
test_compare(void)
{
	compare("sha256:0,1+sha1:10", "sha1:10+sha256:0,1", NULL);
	compare("sha256:0", "sha256:0,1", "PCR 1 requested but not signed");
	compare("sha256:0,1", "sha256:0", "PCR 1 signed but not requested");
	compare("sha256:0", "sha256:0+sha1:0", "bank sha1 requested but not "
	    "in the signed selection");
	compare("sha256:0+sha1:0", "sha256:0", "bank sha1 signed but not "
	    "requested");
	compare("sha256:0+sha384:none", "sha256:0+sha384:0,1",
	    "bank sha384: signed bitmap is empty (bank not allocated");
}

int
main(void)
{
	uint8_t *q;
	size_t n;

	setenv("TSS2_LOG", "all+none", 1);
	q = load(KEYLIME_QUOTE, &n);
	CHECK(n == 133, "keylime quote is 133 bytes");
	test_real_quote(q, n);
	test_azure_quote();
	test_truncated(q, n);
	test_trailing(q, n);
	test_tpm2b(q, n);
	test_magic_type(q, n);
	test_selection_limits(q, n);
	test_spec();
	test_compare();
	free(q);
	return check_finish();
}
