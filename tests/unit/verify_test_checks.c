/*
 * verify_test_checks.c - the check sink (verify/checks.h) and its report
 * sink (verify/report.h), and the shared quote checks
 * (verify/quote_checks.h) on a sink that keeps what it is told:
 *   - the report prints "ok NAME detail", "FAIL NAME: reason",
 *     "SKIP NAME: why", counts each, and escapes bytes from input;
 *   - quote.magic/quote.type from the header bytes, whatever follows;
 *   - quote.nonce: the words, and the expected value shown only when the
 *     caller allows it (a store's secret is never repeated);
 *   - quote.selection and quote.qualified-signer: ok and FAIL words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "verify/checks.h"
#include "verify/quote_checks.h"
#include "verify/report.h"

/* A sink that keeps the last line it was given. */
struct kept {
	unsigned n;
	enum result_outcome o;
	char name[80];
	char text[600];
};

static void keep_emit(void *, enum result_outcome, const char *,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
keep_emit(void *ctx, enum result_outcome o, const char *name,
    const char *fmt, va_list ap)
{
	struct kept *k = ctx;

	k->n++;
	k->o = o;
	snprintf(k->name, sizeof(k->name), "%s", name);
	vsnprintf(k->text, sizeof(k->text), fmt, ap);
}

static void
test_report(void)
{
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		CHECK(0, "report: open_memstream");
		return;
	}
	report_init(&r, f);
	check_ok(&r.sink, "a.one", "%d entries", 3);
	check_ok(&r.sink, "a.two", "%s", "sha256");
	check_fail(&r.sink, "a.three", "path '%s'", "x\033[2Jy\n");
	report_skip(&r, "a.four", "no %s", "store");
	fclose(f);
	CHECK(strcmp(buf, "ok a.one 3 entries\nok a.two sha256\n"
	    "FAIL a.three: path 'x\\x1b[2Jy\\x0a'\nSKIP a.four: no store\n") ==
	    0, "report: the four line forms, input bytes escaped");
	CHECK(r.passed == 2 && r.failed == 1 && r.skipped == 1,
	    "report: each outcome counted");
	free(buf);
}

static void
test_header(void)
{
	static const uint8_t quote[] = { 0xff, 0x54, 0x43, 0x47, 0x80, 0x18 };
	static const uint8_t certify[] = { 0xff, 0x54, 0x43, 0x47, 0x80, 0x17 };
	static const uint8_t forged[] = { 0xfe, 0x54, 0x43, 0x47, 0x80, 0x18 };
	struct kept k = { 0 };
	struct check_sink s = { keep_emit, &k };

	CHECK(quote_check_header(&s, quote, sizeof(quote)) && k.n == 2 &&
	    k.o == RESULT_OK && strcmp(k.name, "quote.type") == 0,
	    "header: a quote's magic and type pass");
	CHECK(!quote_check_header(&s, certify, sizeof(certify)) &&
	    k.o == RESULT_CHECK_FAIL && strstr(k.text,
	    "TPM_ST_ATTEST_CERTIFY") != NULL, "header: another type named");
	k.n = 0;
	(void)quote_check_header(&s, forged, sizeof(forged));
	CHECK(k.n == 2, "header: both checks said for a forged magic");
	CHECK(!quote_check_header(&s, quote, 5) && k.o == RESULT_CHECK_FAIL &&
	    strstr(k.text, "too short (5 bytes)") != NULL,
	    "header: short data fails, its length named");
}

static void
test_nonce(void)
{
	static const uint8_t secret[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct kept k = { 0 };
	struct check_sink s = { keep_emit, &k };
	TPM2B_DATA x;

	memset(&x, 0, sizeof(x));
	x.size = 4;
	memcpy(x.buffer, secret, 4);
	quote_check_nonce(&s, &x, secret, 4, "the challenge's nonce", false);
	CHECK(k.o == RESULT_OK && strcmp(k.text, "extraData is the "
	    "challenge's nonce (4 bytes)") == 0, "nonce: ok words");
	x.buffer[0] = 0x01;
	quote_check_nonce(&s, &x, secret, 4, "the challenge's nonce", false);
	CHECK(k.o == RESULT_CHECK_FAIL && strcmp(k.text, "extraData "
	    "'01adbeef' (4 bytes) is not the challenge's nonce (4 bytes)") == 0,
	    "nonce: fail words");
	CHECK(strstr(k.text, "deadbeef") == NULL,
	    "nonce: a secret expected value is not repeated");
	quote_check_nonce(&s, &x, secret, 4, "the nonce", true);
	CHECK(strstr(k.text, "is not the nonce 'deadbeef' (4 bytes)") != NULL,
	    "nonce: a given nonce is shown");
}

static void
test_selection_signer(void)
{
	struct kept k = { 0 };
	struct check_sink s = { keep_emit, &k };
	TPML_PCR_SELECTION a, b;
	TPM2B_NAME qs;
	static const uint8_t other[2] = { 0x00, 0x0c };

	memset(&a, 0, sizeof(a));
	a.count = 1;
	a.pcrSelections[0].hash = TPM2_ALG_SHA256;
	a.pcrSelections[0].sizeofSelect = 3;
	a.pcrSelections[0].pcrSelect[1] = 0x04;	/* PCR 10 */
	b = a;
	quote_check_selection(&s, &a, &b);
	CHECK(k.o == RESULT_OK && strcmp(k.text, "sha256:10") == 0,
	    "selection: ok names the signed selection");
	b.pcrSelections[0].pcrSelect[2] = 0x01;	/* PCR 16 */
	quote_check_selection(&s, &a, &b);
	CHECK(k.o == RESULT_CHECK_FAIL && strncmp(k.text, "signed sha256:10: ",
	    18) == 0 && strstr(k.text, "16") != NULL,
	    "selection: fail names the signed one and the PCR");

	memset(&qs, 0, sizeof(qs));
	qs.size = 2;
	qs.name[0] = 0x00;
	qs.name[1] = 0x0b;
	quote_check_signer(&s, &qs, qs.name, 2, "the expected name");
	CHECK(k.o == RESULT_OK && strcmp(k.text, "000b: the expected name") ==
	    0, "signer: ok words");
	quote_check_signer(&s, &qs, other, 2, "the expected name");
	CHECK(k.o == RESULT_CHECK_FAIL && strcmp(k.text, "qualifiedSigner "
	    "'000b' is not the expected name '000c'") == 0,
	    "signer: fail words");
}

int
main(void)
{
	test_report();
	test_header();
	test_nonce();
	test_selection_signer();
	return check_finish();
}
