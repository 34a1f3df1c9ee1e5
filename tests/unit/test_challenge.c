/*
 * test_challenge.c - the challenge payload codec, the signed challenge file
 * (format/challenge.h) and challenge sets (format/challenge_set.h): round
 * trips with real tpm2-tools credential files, one test per malformed
 * payload, tampered and foreign files, expiry, and sets read from a file,
 * a directory and archives written by us and by GNU tar.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "format/challenge.h"
#include "format/challenge_set.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/tpm_attest.h"
#include "tests/unit/check.h"

static EVP_PKEY *vkey, *other_key;
static char tmpdir[] = "/tmp/test_challenge.XXXXXX";

/* ---- fixtures ---------------------------------------------------------- */

static void
load(const char *path, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t *buf;

	if (file_read(path, cap, &buf, len, NULL) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	memcpy(out, buf, *len);
	free(buf);
}

static void
sample(struct challenge *c, uint8_t device)
{
	TPML_PCR_SELECTION sel;
	size_t off = 0;

	memset(c, 0, sizeof(*c));
	memset(c->id, 0xc1, sizeof(c->id));
	c->id[0] = device;
	memset(c->device_id, device, sizeof(c->device_id));
	load("testdata/credential/ak-rsa.name", c->ak_name.b,
	    sizeof(c->ak_name.b), &c->ak_name.len);
	load("testdata/credential/tpm2tools-rsa2048.cred", c->credential,
	    sizeof(c->credential), &c->credential_len);
	if (tpm_selection_from_spec("sha256:0,1,2,3,4,5,6,7,10+sha1:10", &sel,
	    NULL) != 0 || Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, c->selection,
	    sizeof(c->selection), &off) != 0)
		exit(2);
	c->selection_len = off;
	c->logs = CHALLENGE_LOG_IMA | CHALLENGE_LOG_IMA_SHA256;
	c->issued = 1700000000;
	c->not_after = 1700086400;
	if (challenge_verifier_id(vkey, c->verifier_id, NULL) != 0)
		exit(2);
}

static EVP_PKEY *
keygen(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	if (k == NULL)
		exit(2);
	return k;
}

static int
has(const struct errbuf *e, const char *s)
{
	if (strstr(e->msg, s) != NULL)
		return 1;
	printf("# message: %s\n", e->msg);
	return 0;
}

/* ---- payload ------------------------------------------------------------ */

static void
test_roundtrip(void)
{
	struct challenge c, d;
	struct errbuf e;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;

	sample(&c, 0x0d);
	CHECK(challenge_encode(&c, &a, &alen, &e) == 0, "encode");
	/* Map of 11, then 1: "dossier-challenge" (17 bytes: 0x71). */
	CHECK(alen > 20 && a[0] == 0xab && a[1] == 0x01 && a[2] == 0x71 &&
	    memcmp(a + 3, "dossier-challenge", 17) == 0 && a[20] == 0x02 &&
	    a[21] == 0x01, "encoding starts ab 01 71 'dossier-challenge' 02 01");
	CHECK(challenge_decode(a, alen, &d, &e) == 0, "decode");
	CHECK(memcmp(&c, &d, sizeof(c)) == 0, "decoded equals encoded");
	CHECK(challenge_encode(&d, &b, &blen, &e) == 0 && alen == blen &&
	    memcmp(a, b, alen) == 0, "re-encoding is byte-identical");
	free(a);
	free(b);

	/* The ECC credential and a 50-byte AK Name; every log. */
	load("testdata/credential/ak-ecc.name", c.ak_name.b,
	    sizeof(c.ak_name.b), &c.ak_name.len);
	memset(c.credential, 0, sizeof(c.credential));
	load("testdata/credential/tpm2tools-ecc384.cred", c.credential,
	    sizeof(c.credential), &c.credential_len);
	c.logs = CHALLENGE_LOG_ALL;
	c.issued = -10;
	c.not_after = -9;
	CHECK(challenge_encode(&c, &a, &alen, &e) == 0 &&
	    challenge_decode(a, alen, &d, &e) == 0 &&
	    memcmp(&c, &d, sizeof(c)) == 0, "round trip: ECC credential, "
	    "SHA-384 Name, every log, negative times");
	free(a);
	CHECK(challenge_log_by_name("uefi", 4) == CHALLENGE_LOG_UEFI &&
	    strcmp(challenge_log_name(CHALLENGE_LOG_IMA_SHA384),
	    "ima-sha384") == 0 && challenge_log_by_name("IMA", 3) == 0,
	    "log vocabulary");
}

static void
test_encode_refuses(void)
{
	struct challenge c;
	struct errbuf e;
	uint8_t *out = NULL;
	size_t len;

	sample(&c, 1);
	c.not_after = c.issued;
	CHECK(challenge_encode(&c, &out, &len, &e) != 0 &&
	    has(&e, "not after"), "encode refuses not-after == issued");
	sample(&c, 1);
	c.logs = 0;
	CHECK(challenge_encode(&c, &out, &len, &e) != 0, "encode refuses no log");
	sample(&c, 1);
	c.credential_len -= 1;
	CHECK(challenge_encode(&c, &out, &len, &e) != 0 &&
	    has(&e, "credential"), "encode refuses a truncated credential");
	sample(&c, 1);
	c.ak_name.len = 33;
	CHECK(challenge_encode(&c, &out, &len, &e) != 0 &&
	    has(&e, "AK Name"), "encode refuses a 33-byte Name");
	free(out);
}

/* Hand-made payloads: keys 1..11 from c, with one key omitted or replaced,
 * and an extra pair. */
enum { NONE = 0 };
typedef void (*writer_fn)(struct cbor_wr *);

struct variant {
	unsigned omit;			/* key not written */
	unsigned replace;		/* key whose value is written by fn */
	writer_fn fn;
	int64_t extra_key;		/* extra pair key (-1: none) */
	bool extra_first;		/* extra pair before key 1 */
	bool trailing;			/* a byte after the map */
};

static void
write_value(struct cbor_wr *w, const struct challenge *c, unsigned k)
{
	switch (k) {
	case 1: cbor_wr_tstr_z(w, CHALLENGE_FORMAT_NAME); break;
	case 2: cbor_wr_uint(w, 1); break;
	case 3: cbor_wr_bstr(w, c->id, 16); break;
	case 4: cbor_wr_bstr(w, c->device_id, 32); break;
	case 5: cbor_wr_bstr(w, c->ak_name.b, c->ak_name.len); break;
	case 6: cbor_wr_bstr(w, c->credential, c->credential_len); break;
	case 7: cbor_wr_bstr(w, c->selection, c->selection_len); break;
	case 8:
		cbor_wr_array(w, 1);
		cbor_wr_tstr_z(w, "ima");
		break;
	case 9: cbor_wr_tag(w, 1); cbor_wr_int(w, c->not_after); break;
	case 10: cbor_wr_tag(w, 1); cbor_wr_int(w, c->issued); break;
	case 11: cbor_wr_bstr(w, c->verifier_id, 32); break;
	}
}

static int
decode_variant(const struct variant *v, struct challenge *out,
    struct errbuf *e)
{
	struct challenge c;
	struct cbor_wr w;
	uint8_t *buf, *big;
	size_t len;
	unsigned k;
	int rc;

	sample(&c, 7);
	cbor_wr_init(&w, CHALLENGE_MAX);
	cbor_wr_map(&w, 11 - (v->omit ? 1 : 0) + (v->extra_key >= 0 ? 1 : 0));
	if (v->extra_key >= 0 && v->extra_first) {
		cbor_wr_uint(&w, (uint64_t)v->extra_key);
		cbor_wr_uint(&w, 0);
	}
	for (k = 1; k <= 11; k++) {
		if (k == v->omit)
			continue;
		cbor_wr_uint(&w, k);
		if (k == v->replace)
			v->fn(&w);
		else
			write_value(&w, &c, k);
	}
	if (v->extra_key >= 0 && !v->extra_first) {
		cbor_wr_uint(&w, (uint64_t)v->extra_key);
		cbor_wr_array(&w, 1);
		cbor_wr_tstr_z(&w, "anything");
	}
	if (cbor_wr_finish(&w, &buf, &len, e) != 0) {
		printf("# writer: %s\n", e->msg);
		return -2;
	}
	if (v->trailing) {
		big = realloc(buf, len + 1);
		if (big == NULL)
			exit(2);
		buf = big;
		buf[len++] = 0x00;
	}
	rc = challenge_decode(buf, len, out, e);
	free(buf);
	return rc;
}

static void w_format(struct cbor_wr *w) { cbor_wr_tstr_z(w, "dossier-bundle"); }
static void w_version2(struct cbor_wr *w) { cbor_wr_uint(w, 2); }
static void w_id15(struct cbor_wr *w) { cbor_wr_bstr(w, (const uint8_t *)"0123456789abcde", 15); }
static void w_dev_text(struct cbor_wr *w) { cbor_wr_tstr_z(w, "device"); }
static void
w_name_alg(struct cbor_wr *w)
{
	uint8_t n[34] = { 0x00, 0x99 };

	cbor_wr_bstr(w, n, sizeof(n));
}
static void
w_cred_magic(struct cbor_wr *w)
{
	struct challenge c;

	sample(&c, 7);
	c.credential[0] ^= 1;
	cbor_wr_bstr(w, c.credential, c.credential_len);
}
static void
w_cred_trailing(struct cbor_wr *w)
{
	struct challenge c;

	sample(&c, 7);
	c.credential[c.credential_len] = 0;
	cbor_wr_bstr(w, c.credential, c.credential_len + 1);
}
static void
w_sel_trailing(struct cbor_wr *w)
{
	struct challenge c;

	sample(&c, 7);
	c.selection[c.selection_len] = 0;
	cbor_wr_bstr(w, c.selection, c.selection_len + 1);
}
static void
w_sel_empty(struct cbor_wr *w)
{
	static const uint8_t none[4] = { 0, 0, 0, 0 };

	cbor_wr_bstr(w, none, 4);
}
static void w_logs_empty(struct cbor_wr *w) { cbor_wr_array(w, 0); }
static void
w_logs_unknown(struct cbor_wr *w)
{
	cbor_wr_array(w, 1);
	cbor_wr_tstr_z(w, "syslog");
}
static void
w_logs_twice(struct cbor_wr *w)
{
	cbor_wr_array(w, 2);
	cbor_wr_tstr_z(w, "ima");
	cbor_wr_tstr_z(w, "ima");
}
static void
w_logs_order(struct cbor_wr *w)
{
	cbor_wr_array(w, 2);
	cbor_wr_tstr_z(w, "uefi");
	cbor_wr_tstr_z(w, "ima");
}
static void w_time_untagged(struct cbor_wr *w) { cbor_wr_int(w, 1700086400); }
static void
w_time_early(struct cbor_wr *w)
{
	cbor_wr_tag(w, 1);
	cbor_wr_int(w, 1700000000);	/* == issued */
}
static void w_vid31(struct cbor_wr *w) { cbor_wr_bstr(w, (const uint8_t *)"0123456789abcdef0123456789abcde", 31); }

static void
test_decode_malformed(void)
{
	static const struct {
		const char *what;
		struct variant v;
		const char *msg;
	} cases[] = {
		{ "format name", { 0, 1, w_format, -1, 0, 0 }, "not \"dossier-challenge\"" },
		{ "version 2", { 0, 2, w_version2, -1, 0, 0 }, "version 2" },
		{ "challenge id of 15 bytes", { 0, 3, w_id15, -1, 0, 0 }, "challenge id" },
		{ "device id as text", { 0, 4, w_dev_text, -1, 0, 0 }, "device id" },
		{ "AK Name with unknown nameAlg", { 0, 5, w_name_alg, -1, 0, 0 }, "nameAlg" },
		{ "credential with a wrong magic", { 0, 6, w_cred_magic, -1, 0, 0 }, "credential" },
		{ "credential with a trailing byte", { 0, 6, w_cred_trailing, -1, 0, 0 }, "credential" },
		{ "selection with a trailing byte", { 0, 7, w_sel_trailing, -1, 0, 0 }, "PCR selection" },
		{ "selection without a bank", { 0, 7, w_sel_empty, -1, 0, 0 }, "without a bank" },
		{ "no log", { 0, 8, w_logs_empty, -1, 0, 0 }, "0 logs" },
		{ "unknown log", { 0, 8, w_logs_unknown, -1, 0, 0 }, "unknown log \"syslog\"" },
		{ "log twice", { 0, 8, w_logs_twice, -1, 0, 0 }, "repeated or out of order" },
		{ "logs out of order", { 0, 8, w_logs_order, -1, 0, 0 }, "repeated or out of order" },
		{ "not-after without tag 1", { 0, 9, w_time_untagged, -1, 0, 0 }, "not-after" },
		{ "not-after == issued", { 0, 9, w_time_early, -1, 0, 0 }, "not after issued" },
		{ "verifier id of 31 bytes", { 0, 11, w_vid31, -1, 0, 0 }, "verifier id" },
		{ "key 0", { 0, 0, NULL, 0, 1, 0 }, "reserved" },
		{ "key 12", { 0, 0, NULL, 12, 0, 0 }, "reserved" },
		{ "key 63", { 0, 0, NULL, 63, 0, 0 }, "reserved" },
		{ "missing challenge id", { 3, 0, NULL, -1, 0, 0 }, "key 3 (challenge id) missing" },
		{ "missing verifier id", { 11, 0, NULL, -1, 0, 0 }, "key 11 (verifier id) missing" },
		{ "missing logs", { 8, 0, NULL, -1, 0, 0 }, "key 8 (logs) missing" },
		{ "trailing byte", { 0, 0, NULL, -1, 0, 1 }, "challenge" },
	};
	struct challenge out;
	struct errbuf e;
	struct variant ok = { 0, 0, NULL, 64, 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode_variant(&cases[i].v, &out, &e);

		CHECK(rc == -1 && has(&e, cases[i].msg), "decode refuses: %s",
		    cases[i].what);
	}
	CHECK(decode_variant(&ok, &out, &e) == 0 && out.logs == CHALLENGE_LOG_IMA,
	    "decode skips extension key 64");
	ok.extra_key = 1000;
	CHECK(decode_variant(&ok, &out, &e) == 0, "decode skips extension key 1000");

	/* Not deterministic: key 2 before key 1 (hand-written bytes). */
	{
		static const uint8_t swapped[] = { 0xa2, 0x02, 0x01, 0x01, 0x60 };
		CHECK(challenge_decode(swapped, sizeof(swapped), &out, &e) != 0,
		    "decode refuses keys out of order");
	}
}

/* ---- the signed file ------------------------------------------------------ */

static void
test_file(void)
{
	struct challenge c, d;
	struct manifest m;
	struct errbuf e;
	uint8_t *file = NULL, *mf = NULL, *bad;
	size_t len, mlen;

	sample(&c, 0x21);
	CHECK(challenge_sign(&c, vkey, &file, &len, &e) == 0, "sign");
	CHECK(len > 10 && memcmp(file, "\xd9\xd9\xf7\xda" "DSCH\xd2\x84", 10) == 0,
	    "file starts D9 D9 F7 DA 'DSCH' D2 84");
	CHECK(challenge_file_verify(file, len, vkey, &d, &e) == 0 &&
	    memcmp(&c, &d, sizeof(c)) == 0, "verify with the verifier key");
	CHECK(challenge_file_open(file, len, NULL, &d, &e) == 0 &&
	    memcmp(&c, &d, sizeof(c)) == 0, "open without verifying");
	CHECK(challenge_file_verify(file, len, other_key, &d, &e) != 0 &&
	    has(&e, "signed by another verifier"), "another verifier key refused");

	bad = malloc(len);
	memcpy(bad, file, len);
	bad[len - 1] ^= 0x01;
	CHECK(challenge_file_verify(bad, len, vkey, &d, &e) != 0 &&
	    has(&e, "signature"), "tampered signature refused");
	CHECK(challenge_file_open(bad, len, NULL, &d, &e) == 0,
	    "tampered signature still opens (unverified)");
	memcpy(bad, file, len);
	bad[len - 80] ^= 0x01;	/* inside the payload's verifier id */
	CHECK(challenge_file_verify(bad, len, vkey, &d, &e) != 0,
	    "tampered payload refused");
	memcpy(bad, file, len);
	bad[7] = 'F';		/* DSCF: an unknown dossier tag */
	CHECK(challenge_file_verify(bad, len, vkey, &d, &e) != 0,
	    "wrong magic refused");
	CHECK(challenge_file_verify(file, len - 1, vkey, &d, &e) != 0,
	    "truncated file refused");
	free(bad);

	/* A key whose id is not the payload's verifier id cannot sign. */
	CHECK(challenge_sign(&c, other_key, &bad, &len, &e) != 0 &&
	    has(&e, "verifier id"), "sign refuses a key that is not the "
	    "verifier id's");

	/* A MANIFEST given as a challenge. */
	memset(&m, 0, sizeof(m));
	m.kind = MANIFEST_EVIDENCE;
	m.ak_name = c.ak_name;
	m.created = 1;
	strcpy(m.collector, "c");
	m.n_members = 1;
	strcpy(m.members[0].name, "ek.crt");
	strcpy(m.members[0].media_type, "application/pkix-cert");
	CHECK(manifest_sign_pkey(&m, COSE_ALG_ES256, vkey, &mf, &mlen, &e) == 0,
	    "manifest signed for the next check");
	CHECK(challenge_file_verify(mf, mlen, vkey, &d, &e) != 0 &&
	    has(&e, "manifest"), "a MANIFEST is refused as a challenge, "
	    "naming the kind found");
	free(mf);

	/* Expiry. */
	CHECK(challenge_check_time(&c, c.not_after, &e) == 0,
	    "valid at not-after");
	CHECK(challenge_check_time(&c, c.issued - 100000, &e) == 0,
	    "valid before issued (device clocks are informational)");
	CHECK(challenge_check_time(&c, c.not_after + 1, &e) != 0 &&
	    has(&e, "expired at 1700086400"), "expired one second after");
	free(file);
}

static void
test_verifier_key(void)
{
	EVP_PKEY *k = NULL, *p384 = keygen("P-384");
	uint8_t a[32], b[32];
	struct errbuf e;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;

	PEM_write_bio_PUBKEY(bio, vkey);
	n = BIO_get_mem_data(bio, &pem);
	CHECK(challenge_verifier_key_parse((uint8_t *)pem, (size_t)n, &k,
	    &e) == 0, "verifier public key PEM parses");
	CHECK(k != NULL && challenge_verifier_id(k, a, &e) == 0 &&
	    challenge_verifier_id(vkey, b, &e) == 0 && memcmp(a, b, 32) == 0,
	    "public and private key have the same verifier id");
	EVP_PKEY_free(k);
	BIO_free(bio);

	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(bio, p384);
	n = BIO_get_mem_data(bio, &pem);
	CHECK(challenge_verifier_key_parse((uint8_t *)pem, (size_t)n, &k,
	    &e) != 0 && k == NULL && has(&e, "P-256"), "P-384 key refused");
	BIO_free(bio);
	CHECK(challenge_verifier_key_parse((const uint8_t *)"junk", 4, &k,
	    &e) != 0, "junk refused");
	EVP_PKEY_free(p384);
}

/* ---- sets ------------------------------------------------------------------ */

static uint8_t *files[3];
static size_t lens[3];

static void
write_file(const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n)
		exit(2);
	fclose(f);
}

static int shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command; the first %s of fmt is the temporary directory. */
static int
shf(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}
#define sh(fmt, arg) shf(fmt, tmpdir, arg)

static void
test_set_archive(void)
{
	const struct challenge_set_entry *ent;
	uint8_t dev[32], *ar = NULL, *ar2 = NULL;
	struct challenge_set s;
	struct challenge ch;
	struct errbuf e;
	size_t len, len2, k;
	const uint8_t *dup[2];
	size_t duplen[2];

	CHECK(challenge_set_write_mem((const uint8_t *const *)files, lens, 3,
	    1700000000, &ar, &len, &e) == 0, "archive of 3 written");
	CHECK(challenge_set_write_mem((const uint8_t *const *)files, lens, 3,
	    1700000000, &ar2, &len2, &e) == 0 && len == len2 &&
	    memcmp(ar, ar2, len) == 0, "archive is deterministic");
	CHECK(len % 10240 == 0 && memcmp(ar + 257, "ustar\0" "00", 8) == 0,
	    "plain ustar in 10240-byte records");
	free(ar2);
	CHECK(challenge_set_read_mem("a.tar", ar, len, &s, &e) == 0 && s.n == 3,
	    "archive read back: 3 challenges");
	memset(dev, 0x02, 32);
	CHECK(challenge_set_find(&s, dev, &ent, &k, &e) == 0 && k == 1 &&
	    ent->ch.device_id[0] == 2 && ent->file_len == lens[1] &&
	    memcmp(ent->file, files[1], lens[1]) == 0,
	    "found device 02..02, bytes verbatim");
	CHECK(challenge_file_verify(ent->file, ent->file_len, vkey, &ch,
	    &e) == 0 && ch.device_id[31] == 2,
	    "found challenge verifies");
	memset(dev, 0x09, 32);
	CHECK(challenge_set_find(&s, dev, &ent, &k, &e) != 0 && k == 0 &&
	    ent == NULL && has(&e, "no challenge for device 0909"),
	    "unknown device: none");
	challenge_set_free(&s);
	write_file("set.tar", ar, len);

	/* Listed by GNU tar with the names and the mode we promise. */
	CHECK(sh("tar -tvf %s/set.tar | grep -c '^-r--r--r-- 0/0 .*0101010101010101010101010101010101010101010101010101010101010101.dchal$' | grep -qx 1%s", "") == 0,
	    "tar -tvf shows <device-hex>.dchal, mode 0444, owner 0/0");

	dup[0] = files[0];
	dup[1] = files[0];
	duplen[0] = duplen[1] = lens[0];
	CHECK(challenge_set_write_mem(dup, duplen, 2, 0, &ar2, &len2, &e) != 0 &&
	    has(&e, "two challenges for device"), "writer refuses two for one "
	    "device");
	CHECK(challenge_set_write_mem(dup, duplen, 0, 0, &ar2, &len2, &e) != 0,
	    "writer refuses an empty set");
	free(ar);
}

static void
test_set_dir_and_foreign(void)
{
	const struct challenge_set_entry *ent;
	struct challenge_set s;
	struct errbuf e;
	uint8_t dev[32];
	char path[512];
	size_t k;

	snprintf(path, sizeof(path), "%s/d", tmpdir);
	mkdir(path, 0755);
	write_file("d/a.dchal", files[0], lens[0]);
	write_file("d/b.dchal", files[1], lens[1]);
	write_file("d/c.dchal", files[2], lens[2]);
	write_file("d/README", (const uint8_t *)"hi\n", 3);
	CHECK(challenge_set_read_path(path, &s, &e) == 0 && s.n == 3 &&
	    s.n_skipped == 1 && strcmp(s.skipped[0], "README") == 0,
	    "directory: 3 challenges, README skipped and named");
	challenge_set_free(&s);

	write_file("d/copy.dchal", files[1], lens[1]);
	memset(dev, 0x02, 32);
	CHECK(challenge_set_read_path(path, &s, &e) == 0 &&
	    challenge_set_find(&s, dev, &ent, &k, &e) != 0 && k == 2 &&
	    has(&e, "2 challenges for device 0202") && has(&e, "copy.dchal"),
	    "two for one device: several, both named");
	challenge_set_free(&s);

	write_file("d/copy.dchal", (const uint8_t *)"not cbor", 8);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "copy.dchal") && s.n == 0, "a damaged .dchal is refused");
	CHECK(sh("rm %s/d/copy.dchal && ln -s a.dchal %s/d/link.dchal", tmpdir) == 0,
	    "symlink made");
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "link.dchal") && has(&e, "symbolic link"),
	    "a symbolic link .dchal is refused");
	sh("rm %s/d/link.dchal%s", "");

	/* A single file by path, named after it. */
	snprintf(path, sizeof(path), "%s/d/c.dchal", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) == 0 && s.n == 1 &&
	    strstr(s.entries[0].name, "c.dchal") != NULL &&
	    s.entries[0].ch.device_id[0] == 3, "single file by path");
	challenge_set_free(&s);
}

static void
test_set_foreign_archives(void)
{
	struct challenge_set s;
	struct errbuf e;
	char path[512], hex[65], name[80];
	uint8_t *buf;
	size_t len;

	/* GNU tar (gnu format) of our three, named by device. */
	sh("mkdir -p %s/g%s", "");
	for (int i = 0; i < 3; i++) {
		uint8_t id[32];

		memset(id, i + 1, 32);
		hex_encode(id, 32, hex);
		snprintf(name, sizeof(name), "g/%s.dchal", hex);
		write_file(name, files[i], lens[i]);
	}
	CHECK(sh("cd %s/g && tar --format=gnu -cf ../gnu.tar *.dchal%s", "") == 0,
	    "GNU tar archive made");
	snprintf(path, sizeof(path), "%s/gnu.tar", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) == 0 && s.n == 3,
	    "archive made by GNU tar is read");
	challenge_set_free(&s);

	CHECK(sh("cd %s/g && zstd -q -f ../gnu.tar -o ../gnu.tar.zst%s", "") == 0,
	    "zstd archive made");
	snprintf(path, sizeof(path), "%s/gnu.tar.zst", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "decompress it first"), "compressed archive refused");

	/* A renamed member: name is not the device id inside. */
	sh("cd %s/g && mv 0101010101010101010101010101010101010101010101010101010101010101.dchal 0a01010101010101010101010101010101010101010101010101010101010101.dchal && tar -cf ../renamed.tar *.dchal%s", "");
	snprintf(path, sizeof(path), "%s/renamed.tar", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "not the device id"), "member named after another device "
	    "refused");

	sh("cd %s/g && mv 0a01*.dchal 0101010101010101010101010101010101010101010101010101010101010101.dchal && ln -s 0202020202020202020202020202020202020202020202020202020202020202.dchal 0b01010101010101010101010101010101010101010101010101010101010101.dchal && tar -cf ../symlink.tar *.dchal%s", "");
	snprintf(path, sizeof(path), "%s/symlink.tar", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "not a regular file"), "symbolic link member refused");

	sh("cd %s && rm g/0b*.dchal && mkdir -p g/sub && cp g/0202*.dchal g/sub/ && cd g && tar -cf ../sub.tar sub%s", "");
	snprintf(path, sizeof(path), "%s/sub.tar", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "not a regular file"), "directory member refused");

	sh("cd %s/g && tar -cf ../path.tar sub/0202020202020202020202020202020202020202020202020202020202020202.dchal%s", "");
	snprintf(path, sizeof(path), "%s/path.tar", tmpdir);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "sub/0202"), "member with a '/' refused");

	/* A manifest where a challenge set is expected. */
	snprintf(path, sizeof(path), "%s/junk", tmpdir);
	write_file("junk", (const uint8_t *)"hello", 5);
	CHECK(challenge_set_read_path(path, &s, &e) != 0 &&
	    has(&e, "neither a challenge file nor a tar"), "junk refused");

	/* Truncated archive. */
	snprintf(path, sizeof(path), "%s/set.tar", tmpdir);
	if (file_read(path, 1 << 20, &buf, &len, NULL) == 0) {
		CHECK(challenge_set_read_mem("t.tar", buf, 1024, &s, &e) != 0,
		    "truncated archive refused");
		free(buf);
	}
}

int
main(void)
{
	struct challenge c;
	struct errbuf e;
	int i;

	vkey = keygen("P-256");
	other_key = keygen("P-256");
	if (mkdtemp(tmpdir) == NULL)
		return 2;
	for (i = 0; i < 3; i++) {
		sample(&c, (uint8_t)(i + 1));
		if (challenge_sign(&c, vkey, &files[i], &lens[i], &e) != 0) {
			printf("not ok - fixture: %s\n", e.msg);
			return 1;
		}
	}
	test_roundtrip();
	test_encode_refuses();
	test_decode_malformed();
	test_file();
	test_verifier_key();
	test_set_archive();
	test_set_dir_and_foreign();
	test_set_foreign_archives();
	for (i = 0; i < 3; i++)
		free(files[i]);
	EVP_PKEY_free(vkey);
	EVP_PKEY_free(other_key);
	sh("rm -rf %s%s", "");
	return check_finish();
}
