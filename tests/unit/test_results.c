/*
 * test_results.c - results as JSON Lines (byte for byte against lines
 * written by hand, hostile input names, parsed by python3's json module)
 * and as signed CBOR (round trip, malformed payloads, tampered and
 * foreign files) (format/results.h).
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>

#include "format/challenge.h"
#include "format/hex.h"
#include "format/results.h"
#include "tests/unit/check.h"

static EVP_PKEY *vkey, *other_key;

/* Input name with everything a JSON writer can get wrong. */
static const char hostile[] =
    "b\n\"q\\\x01\x7f\xff\xc3\xa9\xe2\x80\xa8\xc0\xaf\xed\xa0\x80"
    "\xf0\x9f\x94\x91.dossier\xe2\x82";
static const char hostile_json[] =
    "b\\n\\\"q\\\\\\u0001\\u007f\\ufffd\xc3\xa9\\u2028\\ufffd\\ufffd"
    "\\ufffd\\ufffd\\ufffd\xf0\x9f\x94\x91.dossier\\ufffd\\ufffd";

static void
sample(struct result *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->input, hostile);
	r->has_offset = true;
	r->offset = 1536;
	r->has_device = true;
	memset(r->device_id, 0x01, 32);
	r->has_challenge = true;
	memset(r->challenge_id, 0x02, 16);
	r->verdict = RESULT_FAIL;
	r->n_checks = 3;
	strcpy(r->checks[0].name, "quote.signature");
	r->checks[0].outcome = RESULT_OK;
	strcpy(r->checks[1].name, "ima.replay");
	r->checks[1].outcome = RESULT_CHECK_FAIL;
	strcpy(r->checks[1].reason, "entry 12 \"/usr/bin/x\" changed");
	strcpy(r->checks[2].name, "uefi.log");
	r->checks[2].outcome = RESULT_SKIP;
	strcpy(r->checks[2].reason, "not requested");
	r->has_bundle_digest = true;
	memset(r->bundle_sha256, 0xab, 32);
	r->time = 1700000000;
	if (challenge_verifier_id(vkey, r->verifier_id, NULL) != 0)
		exit(2);
	strcpy(r->build, "dossier 0.1.0");
}

static int
has(const struct errbuf *e, const char *s)
{
	if (strstr(e->msg, s) != NULL)
		return 1;
	printf("# message: %s\n", e->msg);
	return 0;
}

static void
rep(char *out, const char *s, int n)
{
	while (n-- > 0)
		strcat(out, s);
}

/* ---- JSON ------------------------------------------------------------------ */

static void
expected_line1(char *want)
{
	strcpy(want, "{\"input\":{\"name\":\"");
	strcat(want, hostile_json);
	strcat(want, "\",\"offset\":1536},\"device\":\"");
	rep(want, "01", 32);
	strcat(want, "\",\"challenge\":\"");
	rep(want, "02", 16);
	strcat(want, "\",\"verdict\":\"fail\",\"checks\":["
	    "{\"name\":\"quote.signature\",\"outcome\":\"ok\",\"reason\":\"\"},"
	    "{\"name\":\"ima.replay\",\"outcome\":\"fail\",\"reason\":"
	    "\"entry 12 \\\"/usr/bin/x\\\" changed\"},"
	    "{\"name\":\"uefi.log\",\"outcome\":\"skip\",\"reason\":"
	    "\"not requested\"}],\"bundle_sha256\":\"");
	rep(want, "ab", 32);
	strcat(want, "\",\"time\":\"2023-11-14T22:13:20Z\"}\n");
}

static const char line2[] =
    "{\"input\":{\"name\":\"-\",\"offset\":null},\"device\":null,"
    "\"challenge\":null,\"verdict\":\"error\",\"checks\":[],"
    "\"bundle_sha256\":null,\"time\":\"1970-01-01T00:00:00Z\"}\n";

static void
error_result(struct result *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->input, "-");
	r->verdict = RESULT_ERROR;
}

static void
test_json_lines(void)
{
	static char want[4096];
	struct result r;
	struct errbuf e;
	char *line = NULL, *esc = NULL;
	size_t len;

	sample(&r);
	expected_line1(want);
	CHECK(result_json_line(&r, &line, &len, &e) == 0, "JSON line written");
	CHECK(line != NULL && len == strlen(want) && strcmp(line, want) == 0,
	    "JSON line byte for byte, hostile name escaped");
	if (line != NULL && strcmp(line, want) != 0)
		printf("# got:  %s# want: %s", line, want);
	free(line);

	error_result(&r);
	CHECK(result_json_line(&r, &line, &len, &e) == 0 &&
	    strcmp(line, line2) == 0, "error line with nulls byte for byte");
	free(line);

	CHECK(result_json_escape("a\0b\x1f", 4, &esc, &e) == 0 &&
	    strcmp(esc, "a\\u0000b\\u001f") == 0, "NUL and 0x1f escaped");
	free(esc);
	CHECK(result_json_escape("\b\f\r\t", 4, &esc, &e) == 0 &&
	    strcmp(esc, "\\b\\f\\r\\t") == 0, "short escapes");
	free(esc);
	/* U+10FFFF is kept; F4 90 (beyond it) and F5 are not UTF-8. */
	CHECK(result_json_escape("\xf4\x8f\xbf\xbf\xf4\x90\x80\x80\xf5", 9,
	    &esc, &e) == 0 && strcmp(esc, "\xf4\x8f\xbf\xbf\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\\ufffd") == 0, "UTF-8 range limits");
	free(esc);
}

static void
test_json_refuses(void)
{
	struct result r;
	struct errbuf e;
	char *line = NULL;
	size_t len;

	sample(&r);
	r.verdict = RESULT_PASS;
	CHECK(result_json_line(&r, &line, &len, &e) != 0 &&
	    has(&e, "verdict pass with 1 failed"), "pass with a failed check "
	    "refused");
	sample(&r);
	r.checks[1].outcome = RESULT_OK;
	CHECK(result_json_line(&r, &line, &len, &e) != 0 &&
	    has(&e, "without a failed check"), "fail without a failed check "
	    "refused");
	sample(&r);
	strcpy(r.checks[0].name, "Quote Sig");
	CHECK(result_json_line(&r, &line, &len, &e) != 0 &&
	    has(&e, "[a-z0-9._-]"), "check name with capitals and a space "
	    "refused");
	sample(&r);
	r.time = -1;
	CHECK(result_json_line(&r, &line, &len, &e) != 0 &&
	    has(&e, "time -1"), "negative time refused");
	sample(&r);
	r.time = RESULT_TIME_MAX;
	CHECK(result_json_line(&r, &line, &len, &e) == 0 &&
	    strstr(line, "\"9999-12-31T23:59:59Z\"") != NULL,
	    "last second of 9999");
	free(line);
}

/* python3's json module reads every line and sees the original name. */
static void
test_json_python(void)
{
	static const char prog[] =
	    "import json,sys\n"
	    "for l in open(sys.argv[1], encoding='utf-8'):\n"
	    "    assert l.endswith('\\n') and '\\n' not in l[:-1]\n"
	    "    o = json.loads(l)\n"
	    "    print(o['input']['name'].encode('utf-8').hex(), o['verdict'],\n"
	    "        len(o['checks']), o['device'] is None,\n"
	    "        sorted(o.keys()) == sorted(['input','device','challenge',\n"
	    "        'verdict','checks','bundle_sha256','time']))\n";
	/* The name as python decodes it: U+FFFD (ef bf bd) per bad byte. */
	static const char want[] =
	    "620a22715c017fefbfbdc3a9e280a8efbfbdefbfbdefbfbdefbfbdefbfbd"
	    "f09f94912e646f7373696572efbfbdefbfbd fail 3 False True\n"
	    "2d error 0 True True\n";
	char path[] = "/tmp/test_results.XXXXXX", cmd[512], out[1024];
	struct result r;
	char *line;
	size_t len, got;
	FILE *f, *p;
	int fd;

	if (system("command -v python3 >/dev/null") != 0) {
		printf("skip - python3 json: python3 missing "
		    "(tests/setup-debian.sh installs it)\n");
		return;
	}
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		exit(2);
	sample(&r);
	result_json_line(&r, &line, &len, NULL);
	fwrite(line, 1, len, f);
	free(line);
	error_result(&r);
	result_json_line(&r, &line, &len, NULL);
	fwrite(line, 1, len, f);
	free(line);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$(cat <<'EOF'\n%sEOF\n)\" %s",
	    prog, path);
	p = popen(cmd, "r");
	got = p == NULL ? 0 : fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	CHECK(p != NULL && pclose(p) == 0 && strcmp(out, want) == 0,
	    "python3 json.loads reads every line, name as U+FFFD-repaired "
	    "UTF-8, all seven keys");
	if (strcmp(out, want) != 0)
		printf("# python3 said: %s", out);
	unlink(path);
}

/* ---- CBOR ------------------------------------------------------------------- */

static void
test_cbor_roundtrip(void)
{
	struct result r, d;
	struct errbuf e;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;

	sample(&r);
	memset(r.checks[1].reason, 0, sizeof(r.checks[1].reason));
	strcpy(r.checks[1].reason, "changed");
	CHECK(result_encode(&r, &a, &alen, &e) == 0, "CBOR payload encoded");
	/* Map of 6; 6: 1700000000; 10: bstr 16. */
	CHECK(alen > 24 && memcmp(a, "\xa6\x06\x1a\x65\x53\xf1\x00\x0a\x50",
	    9) == 0, "payload starts a6 06 1a 6553f100 0a 50");
	CHECK(memmem(a, alen, "\x19\x01\x09\x78\x19" RESULT_PROFILE, 30) != NULL,
	    "265: profile");
	CHECK(memmem(a, alen, "\x19\x03\xe8\x18\x60", 5) != NULL,
	    "1000: 96 (contraindicated) for fail");
	CHECK(result_decode(a, alen, &d, &e) == 0, "decoded");
	memset(r.input, 0, sizeof(r.input));
	r.has_offset = false;
	r.offset = 0;
	CHECK(memcmp(&r, &d, sizeof(r)) == 0, "decoded equals the result "
	    "(without input and offset)");
	CHECK(result_encode(&d, &b, &blen, &e) == 0 && alen == blen &&
	    memcmp(a, b, alen) == 0, "re-encoding is byte-identical");
	free(a);
	free(b);

	error_result(&r);
	strcpy(r.build, "x");
	CHECK(result_encode(&r, &a, &alen, &e) == 0 &&
	    result_decode(a, alen, &d, &e) == 0 && !d.has_device &&
	    !d.has_challenge && !d.has_bundle_digest &&
	    d.verdict == RESULT_ERROR && d.n_checks == 0 &&
	    memmem(a, alen, "unidentified", 12) != NULL,
	    "error result: unidentified device, no nonce, no digest");
	free(a);

	sample(&r);
	strcpy(r.checks[1].reason, "a\x01\xff\xc3\xa9z");
	CHECK(result_encode(&r, &a, &alen, &e) == 0 &&
	    result_decode(a, alen, &d, &e) == 0 &&
	    strcmp(d.checks[1].reason, "a??\xc3\xa9z") == 0,
	    "control and invalid bytes of a reason become '?' in CBOR");
	free(a);
	r.build[0] = '\0';
	CHECK(result_encode(&r, &a, &alen, &e) != 0 && has(&e, "build"),
	    "empty build refused");
}

/* Replace the first occurrence of from (n bytes) by to and decode. */
static int
decode_patched(const char *from, const char *to, size_t n, struct errbuf *e)
{
	struct result r, d;
	uint8_t *a, *p;
	size_t alen;
	int rc;

	sample(&r);
	if (result_encode(&r, &a, &alen, e) != 0)
		return -2;
	p = memmem(a, alen, from, n);
	if (p == NULL) {
		free(a);
		printf("# pattern not found\n");
		return -2;
	}
	memcpy(p, to, n);
	rc = result_decode(a, alen, &d, e);
	free(a);
	return rc;
}

static void
test_cbor_malformed(void)
{
	static const struct {
		const char *what, *from, *to;
		size_t n;
		const char *msg;
	} cases[] = {
		{ "another profile", "result#1", "result#2", 8, "eat_profile" },
		{ "tier 97", "\x19\x03\xe8\x18\x60", "\x19\x03\xe8\x18\x61", 5, "not 0, 2 or 96" },
		{ "verdict fail without a failed check", "\x64" "fail", "\x64" "skip", 5, "without a failed check" },
		{ "outcome \"fall\"", "\x64" "fail", "\x64" "fall", 5, "outcome" },
		{ "check name with a capital", "ima.replay", "Ima.replay", 10, "check name" },
		{ "device in upper case", "\x78\x40" "0101", "\x78\x40" "A101", 6, "hex" },
		{ "bundle digest algorithm -15", "\x82\x2f\x58\x20", "\x82\x2e\x58\x20", 4, "only SHA-256" },
		{ "developer not dossier", "\x67" "dossier\x01", "\x67" "dossieR\x01", 9, "ear.verifier-id" },
		{ "iat key 7", "\xa6\x06", "\xa6\x07", 2, "iat" },
	};
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(decode_patched(cases[i].from, cases[i].to, cases[i].n,
		    &e) == -1 && has(&e, cases[i].msg), "CBOR decode refuses: %s",
		    cases[i].what);
}

static size_t
slurp(const char *path, uint8_t *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		exit(2);
	n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

static void
test_signed(void)
{
	struct challenge c;
	struct result r, d;
	struct errbuf e;
	uint8_t *file = NULL, *bad = NULL;
	size_t len;

	sample(&r);
	CHECK(result_sign(&r, vkey, &file, &len, &e) == 0, "result signed");
	CHECK(len > 10 && memcmp(file, "\xd9\xd9\xf7\xda" "DSRS\xd2\x84", 10) == 0,
	    "file starts D9 D9 F7 DA 'DSRS' D2 84");
	CHECK(result_file_verify(file, len, vkey, &d, &e) == 0 &&
	    d.verdict == RESULT_FAIL && d.n_checks == 3 &&
	    memcmp(d.device_id, r.device_id, 32) == 0, "verified");
	CHECK(result_file_open(file, len, NULL, &d, &e) == 0, "opened unverified");
	CHECK(result_file_verify(file, len, other_key, &d, &e) != 0 &&
	    has(&e, "another verifier"), "another verifier key refused");
	bad = malloc(len);
	memcpy(bad, file, len);
	bad[len - 5] ^= 0x40;
	CHECK(result_file_verify(bad, len, vkey, &d, &e) != 0 &&
	    has(&e, "signature") && d.n_checks == 0,
	    "tampered signature refused, nothing returned");
	free(bad);
	CHECK(result_sign(&r, other_key, &bad, &len, &e) != 0 &&
	    has(&e, "verifier id"), "sign refuses a key that is not the "
	    "verifier id's");
	free(file);

	/* A challenge file given as a result. */
	memset(&c, 0, sizeof(c));
	CHECK(challenge_verifier_id(vkey, c.verifier_id, &e) == 0, "id");
	c.credential_len = slurp("testdata/credential/tpm2tools-rsa2048.cred",
	    c.credential, sizeof(c.credential));
	c.ak_name.len = slurp("testdata/credential/ak-rsa.name", c.ak_name.b,
	    sizeof(c.ak_name.b));
	/* One bank, SHA-256, PCR 10. */
	memcpy(c.selection, "\x00\x00\x00\x01\x00\x0b\x03\x00\x04\x00", 10);
	c.selection_len = 10;
	c.logs = CHALLENGE_LOG_IMA;
	c.not_after = 2;
	CHECK(challenge_sign(&c, vkey, &file, &len, &e) == 0, "challenge signed "
	    "for the next check");
	CHECK(result_file_verify(file, len, vkey, &d, &e) != 0 &&
	    has(&e, "challenge"), "a challenge is refused as a result, naming "
	    "the kind found");
	free(file);
}

int
main(void)
{
	vkey = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	if (vkey == NULL || other_key == NULL)
		return 2;
	test_json_lines();
	test_json_refuses();
	test_json_python();
	test_cbor_roundtrip();
	test_cbor_malformed();
	test_signed();
	EVP_PKEY_free(vkey);
	EVP_PKEY_free(other_key);
	return check_finish();
}
