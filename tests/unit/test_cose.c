/*
 * test_cose.c - COSE_Sign1 (format/cose.h).
 *
 * Known answers come from outside this code: the COSE working group's
 * examples (testdata/cose/PROVENANCE.md: RFC 8152 C.2.1 ES256, ES384 and
 * RSA-PSS messages with their Sig_structure bytes) and Sig_structure
 * bytes written out by hand from RFC 9052 §4.4. ES256 and PS256 are
 * cross-checked both ways with the openssl command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "format/cose.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/tpm_public.h"
#include "tests/unit/check.h"

#define TD "testdata/cose/"

static char tmpdir[] = "/tmp/test_cose.XXXXXX";

static uint8_t *
slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	struct errbuf e;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, len, &e) != 0) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return buf;
}

static EVP_PKEY *
load_pub(const char *path)
{
	struct pubkey k;
	EVP_PKEY *key = NULL;
	uint8_t *buf;
	size_t len = 0;

	if ((buf = slurp(path, &len)) == NULL)
		return NULL;
	if (pubkey_parse(buf, len, &k, NULL) == 0) {
		key = k.pkey;
		k.pkey = NULL;
		pubkey_free(&k);
	}
	free(buf);
	return key;
}

static int
eq_hex(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[512];
	long w = hex_decode(hex, strlen(hex), want, sizeof(want));

	return w >= 0 && (size_t)w == n && memcmp(p, want, n) == 0;
}

static int
file_write(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---- known answers --------------------------------------------------- */

static void
test_rfc8152_c21(void)
{
	/* Sig_structure by hand, RFC 9052 §4.4: 84, 6A "Signature1",
	 * 43 A1 01 26 (protected {1: -7}), 40 (external_aad h''),
	 * 54 "This is the content." */
	static const char *tbs_hex = "846a5369676e6174757265314"
	    "3a10126405454686973206973207468652063"
	    "6f6e74656e742e";
	static const uint8_t prot[] = { 0xa1, 0x01, 0x26 };
	const char *content = "This is the content.";
	uint8_t *tbs, *ref, *msg;
	size_t tbs_len, ref_len, msg_len;
	struct cose_sign1 m;
	struct errbuf e;
	EVP_PKEY *key = load_pub(TD "rfc8152-c21.pub.pem");

	CHECK(cose_sig_structure(prot, sizeof(prot), (const uint8_t *)content,
	    strlen(content), &tbs, &tbs_len, &e) == 0, "Sig_structure built");
	CHECK(eq_hex(tbs, tbs_len, tbs_hex), "Sig_structure equals the bytes "
	    "derived by hand from RFC 9052 4.4");
	ref = slurp(TD "rfc8152-c21.tbs", &ref_len);
	CHECK(ref != NULL && ref_len == tbs_len &&
	    memcmp(ref, tbs, tbs_len) == 0,
	    "Sig_structure equals ToBeSign of the COSE WG example C.2.1");
	msg = slurp(TD "rfc8152-c21.cbor", &msg_len);
	CHECK(key != NULL && msg != NULL && cose_verify_signature(
	    COSE_ALG_ES256, key, tbs, tbs_len, msg + msg_len - 64, 64,
	    &e) == 0, "RFC 8152 C.2.1 ES256 signature verifies");
	msg[msg_len - 1] ^= 1;
	CHECK(cose_verify_signature(COSE_ALG_ES256, key, tbs, tbs_len,
	    msg + msg_len - 64, 64, &e) == -1,
	    "C.2.1 with a flipped signature bit fails");
	msg[msg_len - 1] ^= 1;
	CHECK(cose_sign1_decode(msg, msg_len, &m, &e) == -1 &&
	    strstr(e.msg, "unprotected header is not empty") != NULL,
	    "C.2.1 refused by our decoder: kid is unprotected");
	free(tbs);
	free(ref);
	free(msg);
	EVP_PKEY_free(key);
}

static void
test_es384_ps256_vectors(void)
{
	static const uint8_t prot[] = { 0xa1, 0x01, 0x38, 0x22 };
	const char *content = "This is the content.";
	uint8_t *tbs, *ref, *msg, *sig;
	size_t tbs_len, ref_len, msg_len, sig_len;
	struct errbuf e;
	EVP_PKEY *p384 = load_pub(TD "ecdsa-sig-02.pub.pem");
	EVP_PKEY *rsa = load_pub(TD "rsa-pss-01.pub.pem");

	CHECK(cose_sig_structure(prot, sizeof(prot), (const uint8_t *)content,
	    strlen(content), &tbs, &tbs_len, &e) == 0, "ES384 Sig_structure");
	ref = slurp(TD "ecdsa-sig-02.tbs", &ref_len);
	CHECK(ref != NULL && ref_len == tbs_len &&
	    memcmp(ref, tbs, tbs_len) == 0,
	    "Sig_structure equals ToBeSign of COSE WG ecdsa-sig-02");
	msg = slurp(TD "ecdsa-sig-02.cbor", &msg_len);
	CHECK(msg != NULL && p384 != NULL && cose_verify_signature(
	    COSE_ALG_ES384, p384, tbs, tbs_len, msg + msg_len - 96, 96,
	    &e) == 0, "ecdsa-sig-02 ES384 signature verifies");
	CHECK(cose_verify_signature(COSE_ALG_ES256, p384, tbs, tbs_len,
	    msg + msg_len - 96, 96, &e) == -1 && strstr(e.msg, "curve"),
	    "ES256 refused for a P-384 key (alg confusion)");
	free(tbs);
	free(ref);
	free(msg);

	tbs = slurp(TD "rsa-pss-01.tbs", &tbs_len);
	sig = slurp(TD "rsa-pss-01.sig", &sig_len);
	CHECK(rsa != NULL && tbs != NULL && sig != NULL &&
	    cose_verify_signature(COSE_ALG_PS256, rsa, tbs, tbs_len, sig,
	    sig_len, &e) == 0, "COSE WG rsa-pss-01 PS256 signature verifies");
	CHECK(cose_verify_signature(COSE_ALG_RS256, rsa, tbs, tbs_len, sig,
	    sig_len, &e) == -1, "the PSS signature fails as RS256");
	CHECK(cose_verify_signature(COSE_ALG_ES256, rsa, tbs, tbs_len, sig,
	    sig_len, &e) == -1 && strstr(e.msg, "needs an EC key"),
	    "ES256 refused for an RSA key (alg confusion)");
	free(tbs);
	free(sig);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
}

static void
test_protected_encoding(void)
{
	struct cose_header h;
	uint8_t out[COSE_PROTECTED_MAX];
	/* By hand: A3, 01 39 01 00 (-257), 03 78 25 + 37 bytes of text,
	 * 04 58 22 + 34 bytes. */
	char want[256] = "a30139010003782561"
	    "70706c69636174696f6e2f766e642e646f73736965722e6d616e6966"
	    "6573742b63626f72045822";
	size_t n, i;
	struct errbuf e;

	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_RS256;
	h.kid_len = 34;
	for (i = 0; i < 34; i++)
		h.kid[i] = (uint8_t)i;
	strcpy(h.content_type, "application/vnd.dossier.manifest+cbor");
	for (i = 0; i < 34; i++)
		snprintf(want + strlen(want), 3, "%02x", (unsigned)i);
	CHECK(cose_protected_encode(&h, out, &n, &e) == 0 &&
	    eq_hex(out, n, want), "protected header {1: -257, 3: tstr, 4: "
	    "bstr} byte for byte");
	h.content_type[0] = '\0';
	h.alg = COSE_ALG_ES256;
	h.kid_len = 1;
	CHECK(cose_protected_encode(&h, out, &n, &e) == 0 &&
	    eq_hex(out, n, "a20126044100"),
	    "protected header without content type");
	h.alg = -8;
	CHECK(cose_protected_encode(&h, out, &n, &e) == -1,
	    "EdDSA (-8) is refused");
	h.alg = COSE_ALG_ES256;
	h.kid_len = 0;
	CHECK(cose_protected_encode(&h, out, &n, &e) == -1, "empty kid refused");
}

/* ---- signing with software keys --------------------------------------- */

static EVP_PKEY *
keygen(int64_t alg)
{
	if (alg == COSE_ALG_ES256)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (alg == COSE_ALG_ES384)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static int
sign_msg(int64_t alg, EVP_PKEY *key, const char *payload, bool detached,
    uint8_t **out, size_t *len)
{
	struct cose_header h;
	struct cbor_wr w;
	struct cose_tbs t;
	uint8_t sig[COSE_SIGNATURE_MAX];
	size_t n;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	h.alg = alg;
	memcpy(h.kid, "kid!", 4);
	h.kid_len = 4;
	strcpy(h.content_type, "text/plain");
	cbor_wr_init(&w, 4096);
	if (!detached) {
		if (cose_sign1_write_pkey(&w, &h, (const uint8_t *)payload,
		    strlen(payload), key, NULL) != 0)
			goto out;
	} else {
		if (cose_tbs_init(&t, &h, (const uint8_t *)payload,
		    strlen(payload), NULL) != 0)
			goto out;
		if (cose_sign_pkey(alg, key, t.sig_structure,
		    t.sig_structure_len, sig, &n, NULL) == 0)
			rc = cose_sign1_write(&w, &t, NULL, 0, sig, n, NULL);
		cose_tbs_free(&t);
		if (rc != 0)
			goto out;
	}
	rc = cbor_wr_finish(&w, out, len, NULL);
out:
	cbor_wr_free(&w);
	return rc;
}

static void
test_roundtrip(int64_t alg)
{
	const char *name = cose_alg_name(alg);
	EVP_PKEY *key = keygen(alg), *other = keygen(alg);
	struct cose_sign1 m;
	struct errbuf e;
	uint8_t *msg = NULL;
	size_t len = 0;

	CHECK(sign_msg(alg, key, "hello", false, &msg, &len) == 0,
	    "%s: signed", name);
	CHECK(msg[0] == 0xd2 && msg[1] == 0x84, "%s: starts D2 84", name);
	CHECK(cose_sign1_decode(msg, len, &m, &e) == 0 && m.hdr.alg == alg &&
	    m.hdr.kid_len == 4 && memcmp(m.hdr.kid, "kid!", 4) == 0 &&
	    strcmp(m.hdr.content_type, "text/plain") == 0 &&
	    m.payload_len == 5 && memcmp(m.payload, "hello", 5) == 0,
	    "%s: decoded header and payload", name);
	CHECK(cose_sign1_verify(&m, NULL, 0, key, &e) == 0,
	    "%s: verifies", name);
	CHECK(cose_sign1_verify(&m, NULL, 0, other, &e) == -1,
	    "%s: another key fails", name);
	((uint8_t *)m.payload)[0] ^= 1;
	CHECK(cose_sign1_verify(&m, NULL, 0, key, &e) == -1 &&
	    strstr(e.msg, "signature") != NULL,
	    "%s: a changed payload fails", name);
	((uint8_t *)m.payload)[0] ^= 1;
	/* content type "text/plain" -> "text/plaio" inside protected. */
	((uint8_t *)m.protected_hdr)[m.protected_len - 7] ^= 1;
	CHECK(cose_sign1_verify(&m, NULL, 0, key, &e) == -1,
	    "%s: a changed protected header fails", name);
	free(msg);

	CHECK(sign_msg(alg, key, "detached", true, &msg, &len) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 && m.payload == NULL,
	    "%s: detached message decodes with nil payload", name);
	CHECK(cose_sign1_verify(&m, (const uint8_t *)"detached", 8, key,
	    &e) == 0, "%s: detached payload verifies", name);
	CHECK(cose_sign1_verify(&m, (const uint8_t *)"detacheD", 8, key,
	    &e) == -1, "%s: another detached payload fails", name);
	CHECK(cose_sign1_verify(&m, NULL, 0, key, &e) == -1 &&
	    strstr(e.msg, "not supplied"), "%s: detached payload required",
	    name);
	free(msg);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void
test_alg_confusion(void)
{
	EVP_PKEY *ec = keygen(COSE_ALG_ES256), *rsa = keygen(COSE_ALG_RS256);
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	struct cose_sign1 m;
	struct errbuf e;
	uint8_t *msg = NULL;
	size_t len = 0;

	CHECK(sign_msg(COSE_ALG_ES256, ec, "x", false, &msg, &len) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 &&
	    cose_sign1_verify(&m, NULL, 0, rsa, &e) == -1 &&
	    strstr(e.msg, "needs an EC key") != NULL,
	    "an ES256 message is not checked with an RSA key");
	free(msg);
	CHECK(sign_msg(COSE_ALG_RS256, rsa, "x", false, &msg, &len) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 &&
	    cose_sign1_verify(&m, NULL, 0, ec, &e) == -1 &&
	    strstr(e.msg, "needs an RSA key") != NULL,
	    "an RS256 message is not checked with an EC key");
	free(msg);
	CHECK(sign_msg(COSE_ALG_ES384, ec, "x", false, &msg, &len) == -1,
	    "ES384 refuses to sign with a P-256 key");
	CHECK(sign_msg(COSE_ALG_PS256, small, "x", false, &msg, &len) == -1,
	    "PS256 refuses an RSA-1024 key");
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(small);
}

/* ---- malformed messages ------------------------------------------------ */

/* A COSE_Sign1 with the given encoded protected header, unprotected
 * pair count (pairs of 5: null), payload "p" and a 64-byte signature. */
static int
build(const char *prot_hex, int unprot_pairs, bool tagged, uint8_t **out,
    size_t *len)
{
	uint8_t prot[128], sig[64];
	long n = hex_decode(prot_hex, strlen(prot_hex), prot, sizeof(prot));
	struct cbor_wr w;
	int i;

	memset(sig, 0x11, sizeof(sig));
	cbor_wr_init(&w, 1024);
	if (tagged)
		cbor_wr_tag(&w, 18);
	cbor_wr_array(&w, 4);
	cbor_wr_bstr(&w, prot, (size_t)n);
	cbor_wr_map(&w, (size_t)unprot_pairs);
	for (i = 0; i < unprot_pairs; i++) {
		cbor_wr_uint(&w, 5);
		cbor_wr_null(&w);
	}
	cbor_wr_bstr(&w, (const uint8_t *)"p", 1);
	cbor_wr_bstr(&w, sig, sizeof(sig));
	return cbor_wr_finish(&w, out, len, NULL);
}

static int
decode_fails(const char *prot_hex, int unprot, bool tagged, const char *what)
{
	struct cose_sign1 m;
	struct errbuf e;
	uint8_t *msg = NULL;
	size_t len = 0;
	int ok;

	if (build(prot_hex, unprot, tagged, &msg, &len) != 0)
		return 0;
	err_clear(&e);
	ok = cose_sign1_decode(msg, len, &m, &e) == -1 &&
	    strstr(e.msg, what) != NULL;
	if (!ok)
		printf("# %s\n", e.msg);
	free(msg);
	return ok;
}

static void
test_malformed(void)
{
	struct cose_sign1 m;
	struct errbuf e;
	uint8_t *msg = NULL;
	size_t len = 0;

	CHECK(build("a20126044100", 0, true, &msg, &len) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 && m.hdr.alg == -7,
	    "minimal valid message decodes");
	free(msg);
	CHECK(decode_fails("a20126044100", 0, false, "tag"),
	    "untagged message refused");
	CHECK(decode_fails("a20126044100", 1, true, "unprotected"),
	    "unprotected header must be empty");
	CHECK(decode_fails("", 0, true, "empty"), "empty protected refused");
	CHECK(decode_fails("a1044100", 0, true, "alg missing"),
	    "alg missing refused");
	CHECK(decode_fails("a10126", 0, true, "kid missing"),
	    "kid missing refused");
	CHECK(decode_fails("a20127044100", 0, true, "not supported"),
	    "EdDSA (-8) refused");
	CHECK(decode_fails("a3012602811863044100", 0, true,
	    "critical header 99"), "unknown critical header refused");
	CHECK(decode_fails("a301260280044100", 0, true, "empty array"),
	    "empty crit refused");
	CHECK(decode_fails("a30126028103036174", 0, true, "kid missing"),
	    "crit with content type but no kid refused");
	CHECK(decode_fails("a30126028103044100", 0, true, "absent"),
	    "crit naming an absent header refused");
	CHECK(decode_fails("a301260300044100", 0, true, "content type"),
	    "integer content type refused");
	CHECK(decode_fails("a201260440", 0, true, "kid of 0"),
	    "empty kid refused");
	CHECK(decode_fails("a20441000126", 0, true, "protected"),
	    "unsorted protected header refused");
	CHECK(decode_fails("a2013800044100", 0, true, "non-minimal"),
	    "non-minimal alg refused");
	CHECK(build("a4012602810404410018186163", 0, true, &msg, &len) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0,
	    "crit naming kid and an unknown non-critical label accepted");
	free(msg);
	CHECK(build("a30126044100" "1bfffffffffffffffff6", 0, true, &msg,
	    &len) == 0 && cose_sign1_decode(msg, len, &m, &e) == 0,
	    "a label beyond int64_t is ignored like any unknown label");
	free(msg);

	CHECK(build("a20126044100", 0, true, &msg, &len) == 0, "rebuilt");
	msg[len - 66] = 0x40;	/* signature becomes h'' + 65 stray bytes */
	CHECK(cose_sign1_decode(msg, len, &m, &e) == -1,
	    "empty signature with trailing bytes refused");
	msg[len - 66] = 0x58;
	CHECK(cose_sign1_decode(msg, len - 1, &m, &e) == -1 &&
	    strstr(e.msg, "truncated"), "truncated message refused");
	free(msg);
}

/* ---- TPMT_SIGNATURE assembly -------------------------------------------- */

static void
test_from_tpm(void)
{
	EVP_PKEY *ec = keygen(COSE_ALG_ES256), *rsa = keygen(COSE_ALG_RS256);
	uint8_t der[128], raw[COSE_SIGNATURE_MAX], *msg = NULL;
	const unsigned char *p;
	const BIGNUM *r, *s;
	struct cose_header h;
	struct cose_sign1 m;
	struct cose_tbs t;
	struct cbor_wr w;
	TPMT_SIGNATURE ts;
	ECDSA_SIG *es;
	struct errbuf e;
	size_t n, len = 0, tries;
	EVP_MD_CTX *md;
	int short_r = 0;

	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	h.kid_len = 2;
	CHECK(cose_tbs_init(&t, &h, (const uint8_t *)"payload", 7, &e) == 0,
	    "tbs for ES256");
	/* Sign until r has fewer than 32 bytes, as a TPM returns it. */
	for (tries = 0; tries < 5000 && !short_r; tries++) {
		md = EVP_MD_CTX_new();
		n = sizeof(der);
		EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ec);
		EVP_DigestSign(md, der, &n, t.sig_structure,
		    t.sig_structure_len);
		EVP_MD_CTX_free(md);
		p = der;
		es = d2i_ECDSA_SIG(NULL, &p, (long)n);
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_num_bytes(r) < 32) {
			short_r = 1;
			memset(&ts, 0, sizeof(ts));
			ts.sigAlg = TPM2_ALG_ECDSA;
			ts.signature.ecdsa.hash = TPM2_ALG_SHA256;
			ts.signature.ecdsa.signatureR.size =
			    (UINT16)BN_bn2bin(r, ts.signature.ecdsa.signatureR.buffer);
			ts.signature.ecdsa.signatureS.size =
			    (UINT16)BN_bn2bin(s, ts.signature.ecdsa.signatureS.buffer);
		}
		ECDSA_SIG_free(es);
	}
	CHECK(short_r, "found an ECDSA signature with a short r");
	cbor_wr_init(&w, 1024);
	CHECK(cose_sign1_write_tpm(&w, &t, (const uint8_t *)"payload", 7, &ts,
	    &e) == 0 && cbor_wr_finish(&w, &msg, &len, &e) == 0,
	    "COSE_Sign1 from an ECDSA TPMT_SIGNATURE with a short r");
	CHECK(cose_sign1_decode(msg, len, &m, &e) == 0 &&
	    m.signature_len == 64 && m.signature[0] == 0 &&
	    cose_sign1_verify(&m, NULL, 0, ec, &e) == 0,
	    "short r left-padded to 32 bytes and verifies");
	free(msg);
	CHECK(cose_signature_from_tpm(COSE_ALG_ES384, &ts, raw, &n, &e) == -1,
	    "ECDSA-SHA256 signature refused for ES384");
	ts.signature.ecdsa.signatureR.size = 33;
	ts.signature.ecdsa.signatureR.buffer[0] = 1;
	CHECK(cose_signature_from_tpm(COSE_ALG_ES256, &ts, raw, &n, &e) == -1,
	    "r of 33 significant bytes refused");
	cose_tbs_free(&t);

	h.alg = COSE_ALG_RS256;
	CHECK(cose_tbs_init(&t, &h, (const uint8_t *)"payload", 7, &e) == 0,
	    "tbs for RS256");
	memset(&ts, 0, sizeof(ts));
	ts.sigAlg = TPM2_ALG_RSASSA;
	ts.signature.rsassa.hash = TPM2_ALG_SHA256;
	md = EVP_MD_CTX_new();
	n = sizeof(ts.signature.rsassa.sig.buffer);
	EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, rsa);
	EVP_DigestSign(md, ts.signature.rsassa.sig.buffer, &n,
	    t.sig_structure, t.sig_structure_len);
	EVP_MD_CTX_free(md);
	ts.signature.rsassa.sig.size = (UINT16)n;
	cbor_wr_init(&w, 1024);
	CHECK(cose_sign1_write_tpm(&w, &t, (const uint8_t *)"payload", 7, &ts,
	    &e) == 0 && cbor_wr_finish(&w, &msg, &len, &e) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 &&
	    m.signature_len == 256 && cose_sign1_verify(&m, NULL, 0, rsa,
	    &e) == 0, "COSE_Sign1 from an RSASSA TPMT_SIGNATURE verifies");
	free(msg);
	CHECK(cose_signature_from_tpm(COSE_ALG_PS256, &ts, raw, &n, &e) == -1 &&
	    strstr(e.msg, "rsassa-sha256"),
	    "RSASSA signature refused for PS256");
	ts.signature.rsassa.hash = TPM2_ALG_SHA1;
	CHECK(cose_signature_from_tpm(COSE_ALG_RS256, &ts, raw, &n, &e) == -1,
	    "RSASSA-SHA1 signature refused for RS256");
	cose_tbs_free(&t);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

static void
test_alg_for_tpm(void)
{
	TPMT_PUBLIC pub;
	int64_t alg = 0;

	memset(&pub, 0, sizeof(pub));
	pub.type = TPM2_ALG_ECC;
	pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	pub.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == 0 &&
	    alg == COSE_ALG_ES256, "P-256 ECDSA-SHA256 AK -> ES256");
	pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == -1,
	    "P-384 with SHA-256 has no COSE algorithm");
	pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA384;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == 0 &&
	    alg == COSE_ALG_ES384, "P-384 ECDSA-SHA384 AK -> ES384");
	memset(&pub, 0, sizeof(pub));
	pub.type = TPM2_ALG_RSA;
	pub.parameters.rsaDetail.keyBits = 2048;
	pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSAPSS;
	pub.parameters.rsaDetail.scheme.details.rsapss.hashAlg = TPM2_ALG_SHA256;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == 0 &&
	    alg == COSE_ALG_PS256, "RSAPSS-SHA256 AK -> PS256");
	pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == 0 &&
	    alg == COSE_ALG_RS256, "RSASSA-SHA256 AK -> RS256");
	pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	CHECK(cose_alg_for_tpm_public(&pub, &alg, NULL) == -1,
	    "a key without a fixed scheme has no COSE algorithm");
}

/* ---- cross-check with the openssl command ------------------------------ */

static void
test_openssl_cli(void)
{
	char path[256];
	uint8_t *der = NULL, raw[COSE_SIGNATURE_MAX], out[128];
	const unsigned char *p;
	const BIGNUM *r, *s;
	struct cose_header h;
	struct cose_sign1 m;
	struct cose_tbs t;
	struct cbor_wr w;
	struct errbuf e;
	EVP_PKEY *pub = NULL, *priv = NULL;
	ECDSA_SIG *es;
	uint8_t *msg = NULL;
	size_t n, len = 0;
	FILE *f;

	if (mkdtemp(tmpdir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	CHECK(run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s/key.pem 2>/dev/null && "
	    "openssl pkey -in %s/key.pem -pubout -out %s/pub.pem", tmpdir,
	    tmpdir, tmpdir) == 0,
	    "openssl made a P-256 key");
	snprintf(path, sizeof(path), "%s/pub.pem", tmpdir);
	pub = load_pub(path);
	snprintf(path, sizeof(path), "%s/key.pem", tmpdir);
	if ((f = fopen(path, "r")) != NULL) {
		priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	CHECK(pub != NULL && priv != NULL, "keys loaded");
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	h.kid_len = 3;
	memcpy(h.kid, "cli", 3);
	CHECK(cose_tbs_init(&t, &h, (const uint8_t *)"cross", 5, &e) == 0,
	    "tbs for the openssl cross-check");
	snprintf(path, sizeof(path), "%s/tbs", tmpdir);
	file_write(path, t.sig_structure, t.sig_structure_len);

	/* openssl signs, we verify. */
	CHECK(run("openssl dgst -sha256 -sign %s/key.pem -out %s/sig.der "
	    "%s/tbs", tmpdir, tmpdir, tmpdir) == 0, "openssl dgst -sign");
	snprintf(path, sizeof(path), "%s/sig.der", tmpdir);
	der = slurp(path, &n);
	p = der;
	es = der != NULL ? d2i_ECDSA_SIG(NULL, &p, (long)n) : NULL;
	CHECK(es != NULL, "openssl signature is DER ECDSA-Sig-Value");
	if (es != NULL) {
		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, raw, 32);
		BN_bn2binpad(s, raw + 32, 32);
		ECDSA_SIG_free(es);
	}
	free(der);
	cbor_wr_init(&w, 1024);
	CHECK(cose_sign1_write(&w, &t, (const uint8_t *)"cross", 5, raw, 64,
	    &e) == 0 && cbor_wr_finish(&w, &msg, &len, &e) == 0 &&
	    cose_sign1_decode(msg, len, &m, &e) == 0 &&
	    cose_sign1_verify(&m, NULL, 0, pub, &e) == 0,
	    "a COSE_Sign1 carrying openssl's signature verifies");
	free(msg);

	/* We sign, openssl verifies. */
	CHECK(cose_sign_pkey(COSE_ALG_ES256, priv, t.sig_structure,
	    t.sig_structure_len, raw, &n, &e) == 0 && n == 64, "we sign ES256");
	es = ECDSA_SIG_new();
	ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32,
	    NULL));
	{
		unsigned char *q = out;

		n = (size_t)i2d_ECDSA_SIG(es, &q);
	}
	ECDSA_SIG_free(es);
	snprintf(path, sizeof(path), "%s/our.der", tmpdir);
	file_write(path, out, n);
	CHECK(run("openssl dgst -sha256 -verify %s/pub.pem -signature "
	    "%s/our.der %s/tbs >/dev/null", tmpdir, tmpdir, tmpdir) == 0,
	    "openssl verifies our ES256 signature (r||s -> DER)");
	raw[40] ^= 1;
	es = ECDSA_SIG_new();
	ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32,
	    NULL));
	{
		unsigned char *q = out;

		n = (size_t)i2d_ECDSA_SIG(es, &q);
	}
	ECDSA_SIG_free(es);
	file_write(path, out, n);
	CHECK(run("openssl dgst -sha256 -verify %s/pub.pem -signature "
	    "%s/our.der %s/tbs >/dev/null 2>&1", tmpdir, tmpdir, tmpdir) != 0,
	    "openssl rejects our signature with a flipped bit");
	cose_tbs_free(&t);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);

	/* PS256: we sign with salt 32, openssl checks with salt 32. */
	priv = keygen(COSE_ALG_PS256);
	snprintf(path, sizeof(path), "%s/rsa.pem", tmpdir);
	if ((f = fopen(path, "w")) != NULL) {
		PEM_write_PUBKEY(f, priv);
		fclose(f);
	}
	h.alg = COSE_ALG_PS256;
	CHECK(cose_tbs_init(&t, &h, (const uint8_t *)"cross", 5, &e) == 0 &&
	    cose_sign_pkey(COSE_ALG_PS256, priv, t.sig_structure,
	    t.sig_structure_len, raw, &n, &e) == 0 && n == 256, "we sign PS256");
	snprintf(path, sizeof(path), "%s/tbs", tmpdir);
	file_write(path, t.sig_structure, t.sig_structure_len);
	snprintf(path, sizeof(path), "%s/ps.sig", tmpdir);
	file_write(path, raw, n);
	CHECK(run("openssl dgst -sha256 -sigopt rsa_padding_mode:pss "
	    "-sigopt rsa_pss_saltlen:32 -verify %s/rsa.pem -signature "
	    "%s/ps.sig %s/tbs >/dev/null", tmpdir, tmpdir, tmpdir) == 0,
	    "openssl verifies our PS256 signature with salt length 32");
	cose_tbs_free(&t);
	EVP_PKEY_free(priv);
	run("rm -rf %s", tmpdir);
}

int
main(void)
{
	test_rfc8152_c21();
	test_es384_ps256_vectors();
	test_protected_encoding();
	test_roundtrip(COSE_ALG_ES256);
	test_roundtrip(COSE_ALG_ES384);
	test_roundtrip(COSE_ALG_PS256);
	test_roundtrip(COSE_ALG_RS256);
	test_alg_confusion();
	test_malformed();
	test_from_tpm();
	test_alg_for_tpm();
	test_openssl_cli();
	return check_finish();
}
