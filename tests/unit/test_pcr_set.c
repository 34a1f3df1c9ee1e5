/*
 * test_pcr_set.c - PCR value files (format/pcr_set.h) in every accepted
 * form, against real files: keylime's tpm2-tools PCR file with the quote
 * it belongs to, and tpm2_pcrread / tpm2_quote -o output captured from
 * swtpm (testdata/pcrs/PROVENANCE.md). A set parsed from a file must
 * reproduce the pcrDigest the TPM signed; every malformed input must be
 * refused with a message that says where.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/pcr_set.h"
#include "tests/unit/check.h"

#define KEYLIME_PCRS	"testdata/pcrs/keylime-pcrs.tpm2tools"
#define KEYLIME_QUOTE	"testdata/pcrs/keylime-quote.tpms_attest"
#define SWTPM_SER	"testdata/pcrs/swtpm/quote.pcrs.serialized"
#define SWTPM_QUOTE	"testdata/pcrs/swtpm/quote.tpms_attest"
#define SWTPM_YAML	"testdata/pcrs/swtpm/pcrread-sha1-sha256all.yaml"
#define SWTPM_YAML_ALL	"testdata/pcrs/swtpm/pcrread-all.yaml"
#define SWTPM_QUOTE_OUT	"testdata/pcrs/swtpm/quote.stdout.yaml"

#define KEYLIME_PCR16 \
	"d471c0674951f0ef075aecdd42fbefa6eca6019820add0bd222d1c4e6242ce6f"
#define SWTPM_SHA1_10	"3d96efe6e4a9ecb1270df4d80dedd5062b831b5a"
#define SWTPM_SHA256_10 \
	"44f12027ab81dfb6e096018f5a9f19645f988d45529cded3427159dc0032d921"

static const struct hashalg *sha1, *sha256;

static uint8_t *
load(const char *path, size_t *len)
{
	struct errbuf e;
	uint8_t *buf = NULL;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, len, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	return buf;
}

/* The PCR selection and pcrDigest of a TPMS_ATTEST file. */
static void
load_quote(const char *path, TPML_PCR_SELECTION *sel, TPM2B_DIGEST *digest)
{
	TPMS_ATTEST a;
	size_t len, off = 0;
	uint8_t *buf = load(path, &len);

	if (Tss2_MU_TPMS_ATTEST_Unmarshal(buf, len, &off, &a) != 0 ||
	    off != len || a.type != TPM2_ST_ATTEST_QUOTE) {
		printf("# %s: not a quote\n", path);
		exit(1);
	}
	*sel = a.attested.quote.pcrSelect;
	*digest = a.attested.quote.pcrDigest;
	free(buf);
}

static int
value_is(const struct pcr_set *s, const struct hashalg *alg, unsigned pcr,
    const char *hex)
{
	const uint8_t *v = pcr_set_get(s, alg, pcr);
	char got[2 * HASHALG_MAX_SIZE + 1];

	if (v == NULL)
		return 0;
	hex_encode(v, alg->size, got);
	return strcmp(got, hex) == 0;
}

static size_t
nvalues(const struct pcr_set *s)
{
	size_t i, n = 0;
	unsigned p;

	for (i = 0; i < s->nbanks; i++)
		for (p = 0; p < PCR_COUNT; p++)
			n += (s->banks[i].present >> p) & 1;
	return n;
}

static int
parse_str(const char *text, struct pcr_set *s, enum pcr_file_format *f,
    struct errbuf *e)
{
	return pcr_set_parse((const uint8_t *)text, strlen(text), s, f, e);
}

/* The parse fails and the message contains want. */
static int
fails_with(const uint8_t *buf, size_t len, const char *want)
{
	struct pcr_set s;
	struct errbuf e;

	err_clear(&e);
	if (pcr_set_parse(buf, len, &s, NULL, &e) == 0) {
		printf("# accepted, expected error '%s'\n", want);
		return 0;
	}
	if (strstr(e.msg, want) == NULL) {
		printf("# error '%s' lacks '%s'\n", e.msg, want);
		return 0;
	}
	return s.nbanks == 0;
}

static int
text_fails_with(const char *text, const char *want)
{
	return fails_with((const uint8_t *)text, strlen(text), want);
}

static int
digest_matches(const struct pcr_set *s, const TPML_PCR_SELECTION *sel,
    const TPM2B_DIGEST *want)
{
	uint8_t d[HASHALG_MAX_SIZE];
	size_t dlen = 0;
	struct errbuf e;

	if (pcr_set_digest(s, sel, sha256, d, &dlen, &e) == -1) {
		printf("# %s\n", e.msg);
		return 0;
	}
	return dlen == want->size && memcmp(d, want->buffer, dlen) == 0;
}

/* Keylime's real tpm_util_test data: serialized file + its quote. */
static void
test_keylime(void)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST want;
	struct pcr_set s;
	enum pcr_file_format f;
	struct errbuf e;
	size_t len;
	uint8_t *buf = load(KEYLIME_PCRS, &len);

	CHECK(pcr_set_parse(buf, len, &s, &f, &e) == 0, "keylime: parses");
	CHECK(f == PCR_FILE_TPM2_SERIALIZED, "keylime: serialized detected");
	CHECK(value_is(&s, sha256, 16, KEYLIME_PCR16),
	    "keylime: sha256 PCR 16 value");
	CHECK(nvalues(&s) == 1, "keylime: exactly one value");
	load_quote(KEYLIME_QUOTE, &sel, &want);
	CHECK(digest_matches(&s, &sel, &want),
	    "keylime: pcrDigest equals the quote's");

	/* One flipped bit in the value must change the digest. */
	buf[0x8e] ^= 1;
	CHECK(pcr_set_parse(buf, len, &s, NULL, &e) == 0 &&
	    !digest_matches(&s, &sel, &want),
	    "keylime: flipped value bit changes the pcrDigest");
	buf[0x8e] ^= 1;

	/* Truncation, trailing garbage, broken fields. */
	CHECK(fails_with(buf, len - 1, "offset 132"),
	    "keylime: truncated by one byte");
	CHECK(fails_with(buf, 100, "truncated at offset 100"),
	    "keylime: truncated inside the selection");
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	CHECK(fails_with(buf, len + 1, "offset 132"),
	    "keylime: one trailing byte");
	buf[6] = 5;		/* sizeofSelect */
	CHECK(fails_with(buf, len, "sizeofSelect 5"),
	    "keylime: sizeofSelect > 4");
	buf[6] = 3;
	buf[4] = 0x99;		/* hash alg */
	CHECK(fails_with(buf, len, "unknown bank algorithm 0x0099"),
	    "keylime: unknown bank");
	buf[4] = 0x0b;
	buf[0x8c] = 31;		/* digest size */
	CHECK(fails_with(buf, len, "value of 31 bytes, expected 32"),
	    "keylime: wrong digest size");
	buf[0x8c] = 32;
	buf[0x88] = 2;		/* digest count 2 for one selected PCR */
	CHECK(fails_with(buf, len, "more PCR values than selected PCRs"),
	    "keylime: more values than selected");
	buf[0x88] = 0;
	CHECK(fails_with(buf, len, "offset 136: digest list 0: digest count 0"),
	    "keylime: empty digest list");
	buf[0x88] = 9;
	CHECK(fails_with(buf, len, "digest count 9"),
	    "keylime: digest count > 8");
	buf[0x88] = 1;
	buf[9] = 0x81;		/* also select PCR 23: no value for it */
	CHECK(fails_with(buf, len, "no value for selected sha256 PCR 23"),
	    "keylime: selected PCR without value");
	buf[9] = 0x01;
	buf[0] = 17;
	CHECK(fails_with(buf, len, "selection count 17"),
	    "keylime: selection count > 16");
	buf[0] = 1;
	CHECK(pcr_set_parse(buf, len, &s, NULL, &e) == 0,
	    "keylime: restored bytes parse again");
	free(buf);
}

/* A serialized file from a big-endian host: every integer swapped. */
static void
test_big_endian_dump(void)
{
	struct pcr_set s;
	enum pcr_file_format f;
	struct errbuf e;
	size_t len, i;
	uint8_t *buf = load(KEYLIME_PCRS, &len), t;

#define SWAP2(o) (t = buf[o], buf[o] = buf[(o) + 1], buf[(o) + 1] = t)
#define SWAP4(o) (t = buf[o], buf[o] = buf[(o) + 3], buf[(o) + 3] = t, \
	t = buf[(o) + 1], buf[(o) + 1] = buf[(o) + 2], buf[(o) + 2] = t)
	SWAP4(0);
	SWAP2(4);
	SWAP4(132);
	SWAP4(136);
	for (i = 0; i < 8; i++)
		SWAP2(140 + i * 66);
	CHECK(pcr_set_parse(buf, len, &s, &f, &e) == 0 &&
	    f == PCR_FILE_TPM2_SERIALIZED && value_is(&s, sha256, 16,
	    KEYLIME_PCR16), "big-endian serialized dump parses");
	free(buf);
}

/* swtpm: tpm2_quote -o with 16 values in two TPML_DIGESTs. */
static void
test_swtpm_serialized(void)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST want;
	struct pcr_set s;
	enum pcr_file_format f;
	struct errbuf e;
	size_t len;
	uint8_t *buf = load(SWTPM_SER, &len);

	CHECK(len == 136 + 2 * 532, "swtpm serialized: two digest lists");
	CHECK(pcr_set_parse(buf, len, &s, &f, &e) == 0 &&
	    f == PCR_FILE_TPM2_SERIALIZED, "swtpm serialized: parses");
	CHECK(nvalues(&s) == 16, "swtpm serialized: 16 values");
	CHECK(value_is(&s, sha1, 10, SWTPM_SHA1_10),
	    "swtpm serialized: sha1 PCR 10");
	CHECK(value_is(&s, sha256, 10, SWTPM_SHA256_10),
	    "swtpm serialized: sha256 PCR 10 (first list)");
	CHECK(pcr_set_get(&s, sha256, 23) != NULL &&
	    pcr_set_get(&s, sha256, 11) == NULL,
	    "swtpm serialized: sha256 PCR 23 (second list), not 11");
	load_quote(SWTPM_QUOTE, &sel, &want);
	CHECK(digest_matches(&s, &sel, &want),
	    "swtpm serialized: pcrDigest equals the quote's");
	buf[132] = 1;		/* one digest list of the two */
	CHECK(fails_with(buf, len - 532, "offset 668: no value for selected "
	    "sha256 PCR 5"), "swtpm serialized: second list missing");
	free(buf);
}

/* tpm2_pcrread output captured from swtpm. */
static void
test_swtpm_yaml(void)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST want;
	struct pcr_set s, all;
	enum pcr_file_format f;
	struct errbuf e;
	size_t len;
	uint8_t *buf = load(SWTPM_YAML, &len), *p;

	CHECK(pcr_set_parse(buf, len, &s, &f, &e) == 0 && f == PCR_FILE_YAML,
	    "yaml: parses as tpm2_pcrread YAML");
	CHECK(nvalues(&s) == 3 + 24, "yaml: 27 values");
	CHECK(value_is(&s, sha1, 10, SWTPM_SHA1_10), "yaml: sha1 PCR 10");
	CHECK(value_is(&s, sha256, 10, SWTPM_SHA256_10),
	    "yaml: sha256 PCR 10");
	CHECK(value_is(&s, sha256, 17, "ffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffffffffffff"), "yaml: sha256 PCR 17");
	load_quote(SWTPM_QUOTE, &sel, &want);
	CHECK(digest_matches(&s, &sel, &want),
	    "yaml: pcrDigest of the same TPM state equals the quote's");
	/* Flip one hex digit of the sha1 PCR 10 value. */
	p = (uint8_t *)strstr((char *)buf, "3D96EF");
	CHECK(p != NULL, "yaml: value found in text");
	if (p != NULL) {
		p[0] = '2';
		CHECK(pcr_set_parse(buf, len, &s, NULL, &e) == 0 &&
		    !digest_matches(&s, &sel, &want),
		    "yaml: changed sha1 PCR 10 breaks the pcrDigest");
		p[0] = '3';
	}
	free(buf);

	buf = load(SWTPM_YAML_ALL, &len);
	CHECK(pcr_set_parse(buf, len, &all, &f, &e) == 0 &&
	    f == PCR_FILE_YAML && nvalues(&all) == 48 && all.nbanks == 2,
	    "yaml: tpm2_pcrread with no arguments, 2 x 24 values");
	free(buf);

	/* tpm2_quote's whole stdout is not a PCR file. */
	buf = load(SWTPM_QUOTE_OUT, &len);
	CHECK(fails_with(buf, len, "line 1: 'quoted' before any 'ALG:' line"),
	    "yaml: tpm2_quote stdout refused at line 1");
	free(buf);

	CHECK(text_fails_with("sha256:\n  1: 0x" KEYLIME_PCR16 "\n  2 : 0x"
	    KEYLIME_PCR16 "\nquoted: ff54\n", "line 4: bad PCR index "
	    "'quoted'"), "yaml: other keys refused");
	CHECK(parse_str("pcrs:\n  sha256:\n    16: 0x" KEYLIME_PCR16 "\n",
	    &s, &f, &e) == 0 && f == PCR_FILE_YAML &&
	    value_is(&s, sha256, 16, KEYLIME_PCR16),
	    "yaml: leading 'pcrs:' accepted");
	CHECK(text_fails_with("sha256:\n16: " KEYLIME_PCR16 "\n",
	    "line 2: sha256 PCR 16: value must start with 0x"),
	    "yaml: value without 0x");
	CHECK(text_fails_with("sha256:\n  16: 0x" KEYLIME_PCR16 "\n"
	    "sha1:\n  16: 0x00\n", "line 4: sha1 PCR 16: 2 hex digits, "
	    "expected 40"), "yaml: short value");
	CHECK(text_fails_with("sha256:\n  16 0x00\n",
	    "line 2: expected 'ALG:'"), "yaml: line without colon");
	CHECK(text_fails_with("sha9:\n", "line 1: unknown PCR bank 'sha9'"),
	    "yaml: unknown bank");
	CHECK(text_fails_with("sha256:\n  32: 0x" KEYLIME_PCR16 "\n",
	    "line 2: bad PCR index '32'"), "yaml: PCR 32");
	CHECK(text_fails_with("sha256:\n  1: 0x" KEYLIME_PCR16 "\n"
	    "sha256:\n  1: 0x" SWTPM_SHA256_10 "\n",
	    "line 4: sha256 PCR 1 given twice"), "yaml: conflicting duplicate");
	CHECK(text_fails_with("sha256:\n  pcrs:\n", "line 2: unknown PCR "
	    "bank 'pcrs'"), "yaml: 'pcrs:' only as the first key");
	CHECK(text_fails_with("sha1:\nsha256:\n", "no PCR values"),
	    "yaml: banks without values");
}

/* Our own "ALG PCR HEX" lines. */
static void
test_lines(void)
{
	struct pcr_set s;
	enum pcr_file_format f;
	struct errbuf e;
	const char *good =
	    "# PCR values\n"
	    "\n"
	    "sha256 16 " KEYLIME_PCR16 "\n"
	    "  SHA1\t10   3D96EFE6E4A9ECB1270DF4D80DEDD5062B831B5A  # upper\r\n"
	    "sha256 16 D471C0674951F0EF075AECDD42FBEFA6ECA6019820ADD0BD222D1C4E"
	    "6242CE6F\n"
	    "sha512 0 " KEYLIME_PCR16 KEYLIME_PCR16 "\n"
	    "sha256 10 " SWTPM_SHA256_10;	/* no final newline */

	CHECK(parse_str(good, &s, &f, &e) == 0 && f == PCR_FILE_LINES,
	    "lines: parse (comments, blanks, CRLF, either case)");
	CHECK(nvalues(&s) == 4 && s.nbanks == 3, "lines: 4 values, 3 banks");
	CHECK(value_is(&s, sha1, 10, SWTPM_SHA1_10), "lines: uppercase value");
	CHECK(value_is(&s, sha256, 10, SWTPM_SHA256_10),
	    "lines: last line without newline");
	CHECK(strcmp(pcr_file_format_name(f), "lines") == 0,
	    "lines: format name");

	CHECK(text_fails_with("sha256 16 " KEYLIME_PCR16 "\n\n"
	    "sha256 16 " SWTPM_SHA256_10 "\n",
	    "line 3: sha256 PCR 16 given twice with different values"),
	    "lines: conflicting duplicate names the line");
	CHECK(text_fails_with("sha256 16\n", "line 1: expected 'ALG PCR HEX', "
	    "found 2 fields"), "lines: two fields");
	CHECK(text_fails_with("sha256 16 " KEYLIME_PCR16 " x\n",
	    "found 4 fields"), "lines: four fields");
	CHECK(text_fails_with("\nsha999 1 00\n",
	    "line 2: unknown PCR bank 'sha999'"), "lines: unknown bank");
	CHECK(text_fails_with("md5 1 00112233445566778899aabbccddeeff\n",
	    "md5 is not a TPM PCR bank algorithm"), "lines: md5 refused");
	CHECK(text_fails_with("sha1 32 " SWTPM_SHA1_10 "\n",
	    "bad PCR index '32'"), "lines: PCR 32");
	CHECK(text_fails_with("sha1 -1 " SWTPM_SHA1_10 "\n",
	    "bad PCR index '-1'"), "lines: negative PCR");
	CHECK(text_fails_with("sha1 1a " SWTPM_SHA1_10 "\n",
	    "bad PCR index '1a'"), "lines: PCR not decimal");
	CHECK(text_fails_with("sha1 10 " SWTPM_SHA256_10 "\n",
	    "sha1 PCR 10: 64 hex digits, expected 40"), "lines: wrong size");
	CHECK(text_fails_with("sha1 10 0x3d96efe6e4a9ecb1270df4d80dedd5062b831b\n",
	    "value is not hexadecimal"), "lines: 0x prefix refused");
	CHECK(text_fails_with("sha1 10 3g96efe6e4a9ecb1270df4d80dedd5062b831b5a\n",
	    "line 1: sha1 PCR 10: value is not hexadecimal"),
	    "lines: non-hex digit");
	CHECK(text_fails_with("# nothing\n\n", "no PCR values"),
	    "lines: only comments");
	CHECK(fails_with((const uint8_t *)"", 0, "empty PCR file"),
	    "lines: empty file");
}

static size_t
marshal_set(const TPML_PCR_SELECTION *sel, const TPML_DIGEST *lists,
    uint32_t n, uint8_t *out, size_t cap)
{
	size_t off = 0;
	uint32_t i;

	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(sel, out, cap, &off) != 0 ||
	    Tss2_MU_UINT32_Marshal(n, out, cap, &off) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (Tss2_MU_TPML_DIGEST_Marshal(&lists[i], out, cap, &off) != 0)
			return 0;
	return off;
}

/*
 * tpm2-tools 5.4's tpm2_quote has no -F marshaled: build the form with
 * libtss2-mu from the swtpm quote's selection and the values tpm2_pcrread
 * printed, and check it yields the quote's pcrDigest.
 */
static void
test_marshaled(void)
{
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST want;
	TPML_DIGEST lists[2];
	struct pcr_set yaml, s;
	struct sel_pos { uint32_t i; unsigned pcr; } pos;
	enum pcr_file_format f;
	struct errbuf e;
	uint8_t out[2048];
	size_t len, n = 0, ylen;
	uint8_t *ybuf = load(SWTPM_YAML, &ylen);

	load_quote(SWTPM_QUOTE, &sel, &want);
	CHECK(pcr_set_parse(ybuf, ylen, &yaml, NULL, &e) == 0,
	    "marshaled: source values");
	free(ybuf);
	memset(lists, 0, sizeof(lists));
	for (pos.i = 0; pos.i < sel.count; pos.i++) {
		const TPMS_PCR_SELECTION *p = &sel.pcrSelections[pos.i];
		const struct hashalg *alg = hashalg_by_tpm(p->hash);

		for (pos.pcr = 0; pos.pcr < 8u * p->sizeofSelect; pos.pcr++) {
			TPM2B_DIGEST *d;
			const uint8_t *v;

			if (!(p->pcrSelect[pos.pcr / 8] & (1u << (pos.pcr % 8))))
				continue;
			v = pcr_set_get(&yaml, alg, pos.pcr);
			d = &lists[n / 8].digests[n % 8];
			d->size = (uint16_t)alg->size;
			if (v != NULL)
				memcpy(d->buffer, v, alg->size);
			lists[n / 8].count++;
			n++;
		}
	}
	CHECK(n == 16, "marshaled: 16 selected PCRs");
	len = marshal_set(&sel, lists, 2, out, sizeof(out));
	CHECK(len > 0 && pcr_set_parse(out, len, &s, &f, &e) == 0 &&
	    f == PCR_FILE_TPM2_MARSHALED, "marshaled: parses");
	CHECK(nvalues(&s) == 16 && value_is(&s, sha1, 10, SWTPM_SHA1_10),
	    "marshaled: values");
	CHECK(digest_matches(&s, &sel, &want),
	    "marshaled: pcrDigest equals the quote's");
	out[len] = 0x0a;
	CHECK(fails_with(out, len + 1, "1 trailing bytes"),
	    "marshaled: trailing byte");
	CHECK(fails_with(out, len - 1, "malformed TPML_DIGEST"),
	    "marshaled: truncated");
	CHECK(fails_with(out, 18, "offset 16: truncated digest list count"),
	    "marshaled: cut after the selection");
	out[23] = 9;
	CHECK(fails_with(out, len, "offset 20: digest list 0: malformed"),
	    "marshaled: digest count 9");
	out[23] = 8;
	len = marshal_set(&sel, lists, 1, out, sizeof(out));
	CHECK(fails_with(out, len, "no value for selected sha256 PCR 5"),
	    "marshaled: second list missing");
	lists[1].digests[7].size = 20;
	len = marshal_set(&sel, lists, 2, out, sizeof(out));
	CHECK(fails_with(out, len, "sha256 PCR 23: value of 20 bytes"),
	    "marshaled: short digest");
	lists[1].digests[7].size = 32;
	sel.pcrSelections[0].hash = 0x0001;	/* TPM_ALG_RSA is no hash */
	len = marshal_set(&sel, lists, 2, out, sizeof(out));
	CHECK(fails_with(out, len, "unknown bank algorithm 0x0001"),
	    "marshaled: non-hash bank");
}

static void
test_binary_misc(void)
{
	uint8_t zeros[200], *big;

	memset(zeros, 0, sizeof(zeros));
	CHECK(fails_with(zeros, sizeof(zeros), "offset 0: not a PCR file"),
	    "binary: zeros");
	CHECK(fails_with((const uint8_t *)"sha1\0 10", 8, "offset 0"),
	    "binary: text with a NUL");
	big = calloc(1, PCR_FILE_MAX + 1);
	memset(big, '#', PCR_FILE_MAX + 1);
	CHECK(fails_with(big, PCR_FILE_MAX + 1, "at most 262144"),
	    "binary: larger than PCR_FILE_MAX");
	free(big);
}

static void
test_put_get_digest(void)
{
	TPML_PCR_SELECTION sel;
	struct pcr_set s;
	struct errbuf e;
	uint8_t v[64], d[HASHALG_MAX_SIZE], want[HASHALG_MAX_SIZE];
	size_t dlen;
	const struct hashalg *md5 = hashalg_by_name("md5");

	pcr_set_init(&s);
	memset(v, 0xab, sizeof(v));
	CHECK(pcr_set_put(&s, sha256, 32, v, &e) == -1, "put: PCR 32 refused");
	CHECK(pcr_set_put(&s, md5, 1, v, &e) == -1, "put: md5 refused");
	CHECK(pcr_set_put(&s, sha256, 0, v, &e) == 0 &&
	    pcr_set_put(&s, sha256, 31, v, &e) == 0, "put: PCRs 0 and 31");
	CHECK(pcr_set_get(&s, sha256, 31) != NULL &&
	    pcr_set_get(&s, sha256, 1) == NULL &&
	    pcr_set_get(&s, sha1, 0) == NULL, "get: present and absent");

	memset(&sel, 0, sizeof(sel));
	sel.count = 1;
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 4;
	sel.pcrSelections[0].pcrSelect[0] = 0x01;
	sel.pcrSelections[0].pcrSelect[3] = 0x80;
	CHECK(pcr_set_digest(&s, &sel, sha256, d, &dlen, &e) == 0 &&
	    dlen == 32, "digest: PCRs 0 and 31");
	hashalg_digest(sha256, v, 32, want);	/* H(v || v) != H(v) */
	CHECK(memcmp(d, want, 32) != 0, "digest: covers both values");
	{
		uint8_t two[64];

		memset(two, 0xab, sizeof(two));
		hashalg_digest(sha256, two, 64, want);
		CHECK(memcmp(d, want, 32) == 0, "digest: H(v0 || v31)");
	}
	CHECK(pcr_set_digest(&s, &sel, sha1, d, &dlen, &e) == 0 && dlen == 20,
	    "digest: sha1 pcrDigest is 20 bytes");
	sel.pcrSelections[0].pcrSelect[1] = 0x04;	/* PCR 10 */
	err_clear(&e);
	CHECK(pcr_set_digest(&s, &sel, sha256, d, &dlen, &e) == -1 &&
	    strstr(e.msg, "no value for selected sha256 PCR 10") != NULL,
	    "digest: missing PCR named");
	sel.count = 0;
	hashalg_digest(sha256, "", 0, want);
	CHECK(pcr_set_digest(&s, &sel, sha256, d, &dlen, &e) == 0 &&
	    memcmp(d, want, 32) == 0, "digest: empty selection is H()");
	sel.count = 17;
	CHECK(pcr_set_digest(&s, &sel, sha256, d, &dlen, &e) == -1,
	    "digest: 17 selections refused");
}

int
main(void)
{
	setenv("TSS2_LOG", "all+none", 1);
	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	test_keylime();
	test_big_endian_dump();
	test_swtpm_serialized();
	test_swtpm_yaml();
	test_lines();
	test_marshaled();
	test_binary_misc();
	test_put_get_digest();
	return check_finish();
}
