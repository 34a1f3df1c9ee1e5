/*
 * test_ima_sig.c - the IMA signature keyring and ima_sig_check() on
 * records signed by evmctl (testdata/ima/sig, see PROVENANCE.md) and on
 * malformed signatures made from them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "format/ima_sig.h"
#include "tests/unit/check.h"

#define SIGDIR "testdata/ima/sig/"

static int
add_file(struct ima_keyring *kr, const char *name, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(name, IMA_KEY_FILE_MAX, &buf, &len, e) < 0)
		return -1;
	rc = ima_keyring_add(kr, buf, len, name, e);
	free(buf);
	return rc;
}

static int
add_text(struct ima_keyring *kr, const char *text, struct errbuf *e)
{
	return ima_keyring_add(kr, (const uint8_t *)text, strlen(text),
	    "text", e);
}

/* One record from an ascii_runtime_measurements line (no PCR/column). */
struct one_record {
	uint8_t bin[16384];
	struct ima_parser p;
	struct ima_record rec;
};

static int
record_from_text(struct one_record *o, const char *text)
{
	static char line[20000];
	struct errbuf e;
	size_t n, need;
	const struct hashalg *sha1 = hashalg_by_name("sha1");

	n = (size_t)snprintf(line, sizeof(line), "10 %040d %s", 0, text);
	if (ima_ascii_to_binary(line, n, sha1, o->bin, sizeof(o->bin), &n,
	    &e) < 0) {
		printf("# %s\n", e.msg);
		return -1;
	}
	ima_parser_init(&o->p, sha1, IMA_ORDER_LE);
	return ima_parse_record(&o->p, o->bin, n, &o->rec, &need, &e) ==
	    IMA_PARSE_RECORD ? 0 : -1;
}

static enum ima_sig_status
status_of(const struct ima_keyring *kr, const char *text,
    struct ima_sig_result *r)
{
	static struct one_record o;
	struct errbuf e;

	if (record_from_text(&o, text) < 0)
		return (enum ima_sig_status)-1;
	if (ima_sig_check(kr, &o.rec, r, &e) < 0)
		return (enum ima_sig_status)-2;
	return r->status;
}

/* The lines of v2.lines, kept for building variants. */
static char lines[4][4096];

static int
load_lines(void)
{
	FILE *f = fopen(SIGDIR "v2.lines", "r");
	size_t i;

	if (f == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		if (fgets(lines[i], sizeof(lines[i]), f) == NULL)
			break;
		lines[i][strcspn(lines[i], "\n")] = '\0';
	}
	fclose(f);
	return i == 4 ? 0 : -1;
}

/* rsa.crt followed by a block whose base64 is broken. */
static int
add_pem_then_broken(struct ima_keyring *kr, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;
	char *text;
	int rc;

	if (file_read(SIGDIR "rsa.crt", IMA_KEY_FILE_MAX, &buf, &len, e) < 0)
		return 0;
	text = malloc(len + 128);
	if (text == NULL) {
		free(buf);
		return 0;
	}
	memcpy(text, buf, len);
	snprintf(text + len, 128, "-----BEGIN CERTIFICATE-----\n!!!!\n"
	    "-----END CERTIFICATE-----\n");
	rc = add_text(kr, text, e);
	free(text);
	free(buf);
	return rc;
}

static void
test_keyring(void)
{
	struct ima_keyring *kr;
	struct errbuf e;
	uint8_t big[IMA_KEY_FILE_MAX + 1];

	CHECK(ima_keyring_new(&kr, &e) == 0, "keyring created");
	CHECK(ima_keyring_count(kr) == 0, "new keyring is empty");
	CHECK(add_file(kr, SIGDIR "rsa.crt", &e) == 0, "PEM certificate added");
	CHECK(add_file(kr, SIGDIR "rsa.crt", &e) == 0 &&
	    ima_keyring_count(kr) == 1, "the same certificate again is "
	    "accepted once");
	CHECK(add_file(kr, SIGDIR "rsa.pub", &e) == 0 &&
	    ima_keyring_count(kr) == 1, "its bare public key has the same "
	    "keyid and is the same key");
	CHECK(add_file(kr, SIGDIR "ec.der", &e) == 0 &&
	    ima_keyring_count(kr) == 2, "DER certificate added");
	CHECK(add_file(kr, SIGDIR "clash.crt", &e) == -1 &&
	    strstr(e.msg, "7322d4d6") != NULL && strstr(e.msg,
	    "already taken") != NULL, "another key with a taken keyid is "
	    "refused, naming the keyid (%s)", e.msg);
	CHECK(ima_keyring_count(kr) == 2, "a refused key is not added");
	CHECK(add_text(kr, "", &e) == -1, "an empty key file is refused");
	memset(big, 'A', sizeof(big));
	CHECK(ima_keyring_add(kr, big, sizeof(big), "big", &e) == -1 &&
	    strstr(e.msg, "limit") != NULL, "a key file over the limit is "
	    "refused");
	CHECK(add_text(kr, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", &e) == -1 &&
	    strstr(e.msg, "PRIVATE KEY") != NULL, "a private key block is "
	    "refused (%s)", e.msg);
	CHECK(add_text(kr, "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n", &e) == -1 &&
	    strstr(e.msg, "malformed") != NULL, "a malformed PEM certificate "
	    "is refused");
	CHECK(add_text(kr, "-----BEGIN nothing", &e) == -1, "a PEM file "
	    "without a block is refused");
	CHECK(add_pem_then_broken(kr, &e) == -1 &&
	    strstr(e.msg, "after 1 good") != NULL, "a broken PEM block after "
	    "a good one is refused, not skipped (%s)", e.msg);
	CHECK(add_text(kr, "\x30\x03\x02\x01\x01", &e) == -1 &&
	    strstr(e.msg, "DER") != NULL, "DER that is no certificate or key "
	    "is refused");
	CHECK(ima_keyring_count(kr) == 2, "refusals left the keyring as it "
	    "was");
	ima_keyring_free(kr);
	ima_keyring_free(NULL);
	CHECK(ima_keyring_count(NULL) == 0, "a NULL keyring counts 0");
}

static void
test_evmctl_records(const struct ima_keyring *kr)
{
	struct ima_sig_result r;

	CHECK(status_of(kr, lines[0], &r) == IMA_SIG_VALID &&
	    r.has_keyid && r.keyid == 0x7322d4d6 &&
	    strcmp(r.kind, "ima v2") == 0, "evmctl RSA v2 signature valid");
	CHECK(status_of(kr, lines[1], &r) == IMA_SIG_VALID &&
	    r.keyid == 0x283bf1bb, "evmctl ECDSA v2 signature valid");
	CHECK(status_of(kr, lines[2], &r) == IMA_SIG_UNSIGNED &&
	    !r.has_keyid, "empty sig field unsigned");
	CHECK(status_of(kr, lines[3], &r) == IMA_SIG_UNKNOWN_KEY &&
	    r.keyid == 0x641af532 && strstr(r.why, "641af532") != NULL,
	    "signature by a key outside the keyring: unknown_key");
	CHECK(status_of(NULL, lines[0], &r) == IMA_SIG_UNKNOWN_KEY,
	    "a NULL keyring knows no key");
	CHECK(status_of(kr, "ima-ng sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    " /x", &r) == IMA_SIG_NONE && r.kind == NULL,
	    "a template without signature field: none");
}

/* lines[0] with its sig field replaced by hex. */
static enum ima_sig_status
with_sig(const struct ima_keyring *kr, const char *hex,
    struct ima_sig_result *r)
{
	static char line[8192];
	const char *sp = strrchr(lines[0], ' ');

	snprintf(line, sizeof(line), "%.*s %s", (int)(sp - lines[0]),
	    lines[0], hex);
	return status_of(kr, line, r);
}

static void
test_malformed(const struct ima_keyring *kr)
{
	struct ima_sig_result r;
	static char sig[4096], v[4096];
	size_t n;

	snprintf(sig, sizeof(sig), "%s", strrchr(lines[0], ' ') + 1);
	n = strlen(sig);
	CHECK(with_sig(kr, sig, &r) == IMA_SIG_VALID, "the base signature "
	    "is valid");
	CHECK(with_sig(kr, "03020473", &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "shorter") != NULL, "a truncated header invalid");
	snprintf(v, sizeof(v), "%.*s", (int)n - 2, sig);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "header says") != NULL, "a signature shorter than "
	    "its sig_size invalid");
	snprintf(v, sizeof(v), "%s00", sig);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID, "trailing bytes after "
	    "the signature invalid");
	snprintf(v, sizeof(v), "030263%s", sig + 6);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "unknown hash algorithm") != NULL, "unknown "
	    "hash_algo id invalid");
	snprintf(v, sizeof(v), "0301%s", sig + 4);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "version 1") != NULL, "signature version 1 "
	    "invalid (not verified)");
	snprintf(v, sizeof(v), "0302%s", sig + 4);
	v[5] = '2';	/* hash_algo 2 = sha1, measurement is sha256 */
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "differs") != NULL, "a hash_algo other than the "
	    "measurement's invalid");
	CHECK(status_of(kr, "ima-sig md5:00000000000000000000000000000000 /m "
	    "0302017322d4d60001ff", &r) == IMA_SIG_INVALID, "md5 "
	    "measurement with an md5 signature header invalid");
	CHECK(strstr(r.why, "md5") != NULL, "the md5 refusal says so (%s)",
	    r.why);
	snprintf(v, sizeof(v), "02%s", sig + 2);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "0x02") != NULL, "an HMAC type byte is no signature");
	snprintf(v, sizeof(v), "0502%s", sig + 4);
	CHECK(with_sig(kr, v, &r) == IMA_SIG_INVALID &&
	    strstr(r.why, "cannot be verified") != NULL, "an EVM portable "
	    "signature in ima-sig is unverifiable");
	/* ECDSA signature bytes that are not DER, with the EC key's id. */
	CHECK(with_sig(kr, "030204283bf1bb0004deadbeef", &r) ==
	    IMA_SIG_INVALID && r.keyid == 0x283bf1bb, "non-DER ECDSA "
	    "signature invalid");
	CHECK(with_sig(kr, "030204283bf1bb0001ff", &r) == IMA_SIG_INVALID,
	    "one-byte signature invalid");
}

/* Several threads share one keyring (the header's promise). */
#define THREADS 4
#define ROUNDS 50

struct worker {
	const struct ima_keyring *kr;
	struct one_record rec[4];
	unsigned wrong;
};

static void *
work(void *arg)
{
	static const enum ima_sig_status want[4] = { IMA_SIG_VALID,
	    IMA_SIG_VALID, IMA_SIG_UNSIGNED, IMA_SIG_UNKNOWN_KEY };
	struct worker *w = arg;
	struct ima_sig_result r;
	struct errbuf e;
	int i, j;

	for (i = 0; i < ROUNDS; i++)
		for (j = 0; j < 4; j++)
			if (ima_sig_check(w->kr, &w->rec[j].rec, &r, &e) < 0 ||
			    r.status != want[j])
				w->wrong++;
	return NULL;
}

static void
test_threads(const struct ima_keyring *kr)
{
	static struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned i, j, started = 0, wrong = 0;

	for (i = 0; i < THREADS; i++) {
		w[i].kr = kr;
		w[i].wrong = 0;
		for (j = 0; j < 4; j++)
			if (record_from_text(&w[i].rec[j], lines[j]) < 0)
				w[i].wrong++;
	}
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, work, &w[i]) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++)
		wrong += w[i].wrong;
	CHECK(started == THREADS && wrong == 0, "%u threads x %u rounds on "
	    "one keyring: every verdict right (%u wrong)", THREADS, ROUNDS,
	    wrong);
}

static void
test_names(void)
{
	CHECK(strcmp(ima_sig_status_name(IMA_SIG_NONE), "none") == 0 &&
	    strcmp(ima_sig_status_name(IMA_SIG_UNSIGNED), "unsigned") == 0 &&
	    strcmp(ima_sig_status_name(IMA_SIG_VALID), "valid") == 0 &&
	    strcmp(ima_sig_status_name(IMA_SIG_UNKNOWN_KEY),
	    "unknown_key") == 0 &&
	    strcmp(ima_sig_status_name(IMA_SIG_INVALID), "invalid") == 0,
	    "status names are the documented ones");
}

int
main(void)
{
	struct ima_keyring *kr;
	struct errbuf e;

	test_names();
	test_keyring();
	CHECK(load_lines() == 0, "v2.lines read");
	if (ima_keyring_new(&kr, &e) < 0 ||
	    add_file(kr, SIGDIR "rsa.crt", &e) < 0 ||
	    add_file(kr, SIGDIR "ec.der", &e) < 0) {
		CHECK(0, "test keyring: %s", e.msg);
		return check_finish();
	}
	test_evmctl_records(kr);
	test_malformed(kr);
	test_threads(kr);
	ima_keyring_free(kr);
	return check_finish();
}
