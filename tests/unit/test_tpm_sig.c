/*
 * test_tpm_sig.c - TPMT_SIGNATURE parsing, raw signatures with a named
 * scheme, ECDSA r/s conversion and verification (format/tpm_sig.h), on
 * real quotes (keylime, Azure vTPM) and on keys made here with OpenSSL.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "format/fileio.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "tests/unit/check.h"

#define KL "testdata/quotes/keylime-tpm_util_test/"
#define AZ1 "testdata/quotes/azure-cvm-vtpm/q1_64da750/"
#define AZ2 "testdata/quotes/azure-cvm-vtpm/q2_0bbf708/"

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

static EVP_PKEY *
load_key(const char *path)
{
	struct pubkey k;
	struct errbuf e;
	uint8_t *buf;
	size_t n;

	buf = load(path, &n);
	if (pubkey_parse(buf, n, &k, &e) != 0) {
		printf("not ok - key %s: %s\n", path, e.msg);
		exit(1);
	}
	free(buf);
	return k.pkey;
}

static void
test_keylime(void)
{
	struct errbuf e = { "" };
	TPMT_SIGNATURE sig;
	uint8_t *s, *q, *buf;
	size_t sn, qn, len, fails = 0;
	EVP_PKEY *key;
	char desc[32];

	s = load(KL "quote.tpmt_signature", &sn);
	q = load(KL "quote.tpms_attest", &qn);
	key = load_key(KL "aik.pem");
	CHECK(tpm_signature_parse(s, sn, &sig, &e) == 0, "keylime signature "
	    "parses (%s)", e.msg);
	tpm_signature_describe(&sig, desc, sizeof(desc));
	CHECK(strcmp(desc, "rsassa-sha256") == 0, "keylime signature is "
	    "rsassa-sha256 (%s)", desc);
	CHECK(sig.signature.rsassa.sig.size == 256, "RSA-2048 signature");
	CHECK(tpm_signature_verify(key, NULL, &sig, q, qn, &e) == 0,
	    "keylime quote verifies with aik.pem (%s)", e.msg);
	q[5] ^= 1;
	CHECK(tpm_signature_verify(key, NULL, &sig, q, qn, &e) != 0 &&
	    strstr(e.msg, "does not verify") != NULL,
	    "bit 0 of byte 5 flipped: signature fails (%s)", e.msg);
	q[5] ^= 1;

	for (len = 0; len < sn; len++)
		if (tpm_signature_parse(s, len, &sig, &e) != 0)
			fails++;
	CHECK(fails == sn, "every truncation of the signature is rejected "
	    "(%zu of %zu)", fails, sn);
	buf = malloc(sn + 1);
	memcpy(buf, s, sn);
	buf[sn] = 0;
	CHECK(tpm_signature_parse(buf, sn + 1, &sig, &e) != 0 &&
	    strstr(e.msg, "1 trailing") != NULL,
	    "signature with a trailing byte rejected (%s)", e.msg);
	buf[4] = 0x0c;	/* the size says 0x0c00: more than is there */
	CHECK(tpm_signature_parse(buf, sn, &sig, &e) != 0,
	    "signature with an inner size too large rejected");
	free(buf);
	EVP_PKEY_free(key);
	free(s);
	free(q);
}

static void
test_azure_raw(void)
{
	struct tpm_sig_scheme scheme;
	struct errbuf e = { "" };
	TPMT_SIGNATURE sig;
	EVP_PKEY *k1, *k2;
	uint8_t *s, *q;
	size_t sn, qn;

	CHECK(tpm_sig_scheme_parse("rsassa-sha256", &scheme, &e) == 0 &&
	    scheme.sig_alg == TPM2_ALG_RSASSA &&
	    scheme.hash->tpm_id == TPM2_ALG_SHA256, "scheme rsassa-sha256");
	s = load(AZ1 "quote.decoded.sig_raw_rsassa_sha256", &sn);
	q = load(AZ1 "quote.decoded.tpms_attest", &qn);
	k1 = load_key(AZ1 "akpub.pem");
	k2 = load_key(AZ2 "akpub.pem");
	CHECK(tpm_signature_from_raw(&scheme, s, sn, &sig, &e) == 0,
	    "raw RSASSA signature taken (%s)", e.msg);
	CHECK(tpm_signature_verify(k1, NULL, &sig, q, qn, &e) == 0,
	    "azure q1 verifies with its own AK (%s)", e.msg);
	CHECK(tpm_signature_verify(k2, NULL, &sig, q, qn, &e) != 0,
	    "azure q1 does not verify with q2's AK (%s)", e.msg);
	scheme.sig_alg = TPM2_ALG_RSAPSS;
	CHECK(tpm_signature_from_raw(&scheme, s, sn, &sig, &e) == 0 &&
	    tpm_signature_verify(k1, NULL, &sig, q, qn, &e) != 0,
	    "azure q1 read as RSAPSS does not verify (%s)", e.msg);
	scheme.sig_alg = TPM2_ALG_ECDSA;
	CHECK(tpm_signature_from_raw(&scheme, s, sn, &sig, &e) == 0 &&
	    tpm_signature_verify(k1, NULL, &sig, q, qn, &e) != 0 &&
	    strstr(e.msg, "not an EC key") != NULL,
	    "ECDSA signature for an RSA key rejected (%s)", e.msg);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	free(s);
	free(q);
}

static void
test_scheme_names(void)
{
	struct tpm_sig_scheme s;
	struct errbuf e;

	CHECK(tpm_sig_scheme_parse("ECDSA-SHA384", &s, &e) == 0 &&
	    s.sig_alg == TPM2_ALG_ECDSA && s.hash->size == 48,
	    "scheme ECDSA-SHA384");
	CHECK(tpm_sig_scheme_parse("rsapss-sha1", &s, &e) == 0 &&
	    s.sig_alg == TPM2_ALG_RSAPSS, "scheme rsapss-sha1");
	CHECK(tpm_sig_scheme_parse("hmac-sha256", &s, &e) != 0,
	    "scheme hmac-sha256 rejected");
	CHECK(tpm_sig_scheme_parse("rsassa-md5", &s, &e) != 0,
	    "scheme rsassa-md5 rejected");
	CHECK(tpm_sig_scheme_parse("rsassa-sha224", &s, &e) != 0,
	    "scheme rsassa-sha224 rejected (no TPM id)");
	CHECK(tpm_sig_scheme_parse("rsassa", &s, &e) != 0,
	    "scheme without hash rejected");
}

static void
test_der_conversion(void)
{
	static const uint8_t want1[] = { 0x30, 6, 2, 1, 1, 2, 1, 2 };
	static const uint8_t want2[] = { 0x30, 7, 2, 2, 0, 0x80, 2, 1, 2 };
	uint8_t der[TPM_SIG_ECDSA_DER_MAX];
	struct errbuf e = { "" };
	TPMS_SIGNATURE_ECC ecc;
	size_t n = 0;

	memset(&ecc, 0, sizeof(ecc));
	ecc.signatureR.size = 1;
	ecc.signatureR.buffer[0] = 1;
	ecc.signatureS.size = 3;	/* leading zeros are just zeros */
	ecc.signatureS.buffer[2] = 2;
	CHECK(tpm_signature_ecdsa_der(&ecc, der, &n, &e) == 0 &&
	    n == sizeof(want1) && memcmp(der, want1, n) == 0,
	    "short r and zero-padded s give minimal DER");
	ecc.signatureR.buffer[0] = 0x80;
	CHECK(tpm_signature_ecdsa_der(&ecc, der, &n, &e) == 0 &&
	    n == sizeof(want2) && memcmp(der, want2, n) == 0,
	    "r with the top bit set gets a 00 in DER");
}

/* Sign msg with key: DER for EC, plain for RSA (padding/salt given). */
static size_t
sign(EVP_PKEY *key, int padding, int saltlen, const uint8_t *msg,
    size_t len, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *p = NULL;
	size_t n = cap;

	if (EVP_DigestSignInit(m, &p, EVP_sha256(), NULL, key) != 1)
		n = 0;
	if (n && padding != 0) {
		EVP_PKEY_CTX_set_rsa_padding(p, padding);
		if (padding == RSA_PKCS1_PSS_PADDING)
			EVP_PKEY_CTX_set_rsa_pss_saltlen(p, saltlen);
	}
	if (n && EVP_DigestSign(m, sig, &n, msg, len) != 1)
		n = 0;
	EVP_MD_CTX_free(m);
	return n;
}

/* Find an ECDSA signature whose r has a leading zero byte, then give it
 * to the verifier as a TPM would: r without that byte. */
static void
test_ecdsa_short_r(void)
{
	static const uint8_t msg[] = "attest";
	uint8_t der[TPM_SIG_ECDSA_DER_MAX], rs[64];
	struct tpm_sig_scheme scheme;
	struct errbuf e = { "" };
	TPMT_SIGNATURE sig;
	EVP_PKEY *key;
	size_t n = 0, tries;
	bool found = false;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	tpm_sig_scheme_parse("ecdsa-sha256", &scheme, &e);
	for (tries = 0; tries < 20000 && !found; tries++) {
		n = sign(key, 0, 0, msg, sizeof(msg), der, sizeof(der));
		if (n == 0 || tpm_signature_from_raw(&scheme, der, n, &sig,
		    &e) != 0)
			break;
		found = sig.signature.ecdsa.signatureR.size < 32;
	}
	CHECK(found, "found an ECDSA signature with a short r (%zu tries)",
	    tries);
	if (!found)
		goto out;
	CHECK(tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) == 0,
	    "ECDSA with r of %u bytes verifies (%s)",
	    sig.signature.ecdsa.signatureR.size, e.msg);
	/* The same as r||s, r left-padded to 32. */
	memset(rs, 0, sizeof(rs));
	memcpy(rs + 32 - sig.signature.ecdsa.signatureR.size,
	    sig.signature.ecdsa.signatureR.buffer,
	    sig.signature.ecdsa.signatureR.size);
	memcpy(rs + 64 - sig.signature.ecdsa.signatureS.size,
	    sig.signature.ecdsa.signatureS.buffer,
	    sig.signature.ecdsa.signatureS.size);
	CHECK(tpm_signature_from_raw(&scheme, rs, 64, &sig, &e) == 0 &&
	    sig.signature.ecdsa.signatureR.size == 32 &&
	    tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) == 0,
	    "the same signature as r||s verifies (%s)", e.msg);
	sig.signature.ecdsa.signatureS.buffer[31] ^= 1;
	CHECK(tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) != 0,
	    "ECDSA with a changed s fails");
	CHECK(tpm_signature_from_raw(&scheme, rs, 63, &sig, &e) != 0,
	    "raw ECDSA of odd length rejected (%s)", e.msg);
	/* A DER signature with a wrong length no longer parses as DER; when
	 * its size is even it is a well-formed r||s (an r||s signature may
	 * start with 0x30 too), so what must hold is that it never verifies. */
	der[1]++;
	CHECK(tpm_signature_from_raw(&scheme, der, n, &sig, &e) != 0 ||
	    tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) != 0,
	    "DER with a wrong length is refused or fails to verify (%s)", e.msg);
	/* An r||s whose r starts 30 3e, the header of a 64-byte DER
	 * SEQUENCE, is still read as r||s (the fuzzer found one in about
	 * 65536 signatures): the halves come back as given. */
	memset(rs, 0x11, sizeof(rs));
	rs[0] = 0x30;
	rs[1] = 62;
	CHECK(tpm_signature_from_raw(&scheme, rs, 64, &sig, &e) == 0 &&
	    sig.signature.ecdsa.signatureR.size == 32 &&
	    sig.signature.ecdsa.signatureS.size == 32 &&
	    memcmp(sig.signature.ecdsa.signatureR.buffer, rs, 32) == 0 &&
	    memcmp(sig.signature.ecdsa.signatureS.buffer, rs + 32, 32) == 0,
	    "r||s that looks like a DER header is read as r||s");
	rs[1] = 61;
	CHECK(tpm_signature_from_raw(&scheme, rs, 63, &sig, &e) != 0,
	    "an odd-length DER look-alike that does not decode is refused");
out:
	EVP_PKEY_free(key);
}

static void
test_rsapss_salts(void)
{
	static const uint8_t msg[] = "attest";
	struct tpm_sig_scheme scheme;
	struct errbuf e = { "" };
	uint8_t raw[512];
	TPMT_SIGNATURE sig;
	EVP_PKEY *key;
	size_t n;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	tpm_sig_scheme_parse("rsapss-sha256", &scheme, &e);
	n = sign(key, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, msg,
	    sizeof(msg), raw, sizeof(raw));
	CHECK(n == 256 && tpm_signature_from_raw(&scheme, raw, n, &sig, &e) == 0
	    && tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) == 0,
	    "RSAPSS with salt = digest length verifies (%s)", e.msg);
	n = sign(key, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX, msg,
	    sizeof(msg), raw, sizeof(raw));
	CHECK(n == 256 && tpm_signature_from_raw(&scheme, raw, n, &sig, &e) == 0
	    && tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) == 0,
	    "RSAPSS with maximal salt verifies (%s)", e.msg);
	scheme.sig_alg = TPM2_ALG_RSASSA;
	CHECK(tpm_signature_from_raw(&scheme, raw, n, &sig, &e) == 0 &&
	    tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) != 0,
	    "an RSAPSS signature read as RSASSA fails");
	n = sign(key, RSA_PKCS1_PADDING, 0, msg, sizeof(msg), raw, sizeof(raw));
	CHECK(tpm_signature_from_raw(&scheme, raw, n, &sig, &e) == 0 &&
	    tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg), &e) == 0,
	    "RSASSA made by OpenSSL verifies (%s)", e.msg);
	CHECK(tpm_signature_verify(key, NULL, &sig, msg, sizeof(msg) - 1,
	    &e) != 0, "RSASSA over another message fails");
	EVP_PKEY_free(key);
}

static void
test_key_scheme(void)
{
	struct errbuf e = { "" };
	TPMT_SIGNATURE sig;
	TPMT_PUBLIC pub;

	memset(&pub, 0, sizeof(pub));
	memset(&sig, 0, sizeof(sig));
	pub.type = TPM2_ALG_RSA;
	pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	pub.parameters.rsaDetail.scheme.details.rsassa.hashAlg =
	    TPM2_ALG_SHA256;
	sig.sigAlg = TPM2_ALG_RSASSA;
	sig.signature.rsassa.hash = TPM2_ALG_SHA256;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) == 0,
	    "rsassa-sha256 key, rsassa-sha256 signature");
	sig.signature.rsassa.hash = TPM2_ALG_SHA1;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) != 0 &&
	    strstr(e.msg, "rsassa-sha256 but the signature is rsassa-sha1")
	    != NULL, "hash other than the key's rejected (%s)", e.msg);
	sig.sigAlg = TPM2_ALG_RSAPSS;
	sig.signature.rsassa.hash = TPM2_ALG_SHA256;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) != 0,
	    "scheme other than the key's rejected (%s)", e.msg);
	pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) == 0,
	    "key without a fixed scheme accepts rsapss");
	sig.sigAlg = TPM2_ALG_ECDSA;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) != 0,
	    "ECDSA signature for an RSA key rejected (%s)", e.msg);
	pub.type = TPM2_ALG_ECC;
	pub.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg =
	    TPM2_ALG_SHA256;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) == 0,
	    "ecdsa-sha256 key, ecdsa-sha256 signature");
	sig.sigAlg = TPM2_ALG_RSASSA;
	CHECK(tpm_signature_check_key_scheme(&pub, &sig, &e) != 0,
	    "RSA signature for an ECC key rejected (%s)", e.msg);
	sig.sigAlg = TPM2_ALG_HMAC;
	sig.signature.hmac.hashAlg = TPM2_ALG_SHA256;
	CHECK(tpm_signature_verify(NULL, NULL, &sig, (const uint8_t *)"", 0,
	    &e) != 0 && strstr(e.msg, "hmac-sha256 cannot be verified") != NULL,
	    "HMAC signature refused for a quote (%s)", e.msg);
}

int
main(void)
{
	setenv("TSS2_LOG", "all+none", 1);
	test_keylime();
	test_azure_raw();
	test_scheme_names();
	test_der_conversion();
	test_ecdsa_short_r();
	test_rsapss_salts();
	test_key_scheme();
	return check_finish();
}
