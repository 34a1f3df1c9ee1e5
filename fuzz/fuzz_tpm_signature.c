/*
 * fuzz_tpm_signature.c - libFuzzer target for tpm_signature_parse
 * (TPMT_SIGNATURE), tpm_signature_from_raw (raw RSA and ECDSA, DER or
 * r||s) and tpm_signature_verify over garbage with fixed keys. A
 * TPMT_SIGNATURE that parses must marshal back to the same bytes.
 *
 * Also: every signature is checked against fixed TPM public areas (RSA
 * with RSASSA-SHA256, RSA with no scheme, ECC with ECDSA-SHA256), the
 * input up to a NUL is tried as a scheme name ("rsapss-sha384"), and the
 * input is signed with a fixed key in one scheme (picked by the input's
 * length: RSASSA, RSAPSS, ECDSA-SHA256, ECDSA-SHA384); that signature,
 * taken through tpm_signature_from_raw as a raw file would be, must
 * verify (ECDSA both as DER and as r || s, and once more through
 * tpm_signature_ecdsa_der).
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <tss2/tss2_mu.h>

#include "format/hashalg.h"
#include "format/tpm_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once, kept for the life of the process. */
static EVP_PKEY *rsa_key, *ec_key;
static TPMT_PUBLIC pub_rsassa, pub_rsa_any, pub_ecdsa;

static void
make_pubs(void)
{
	pub_rsassa.type = TPM2_ALG_RSA;
	pub_rsassa.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	pub_rsassa.parameters.rsaDetail.scheme.details.anySig.hashAlg =
	    TPM2_ALG_SHA256;
	pub_rsa_any.type = TPM2_ALG_RSA;
	pub_rsa_any.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	pub_ecdsa.type = TPM2_ALG_ECC;
	pub_ecdsa.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	pub_ecdsa.parameters.eccDetail.scheme.details.anySig.hashAlg =
	    TPM2_ALG_SHA256;
}

static void
check_pubs(const TPMT_SIGNATURE *sig, const uint8_t *data, size_t size)
{
	struct errbuf e;

	(void)tpm_signature_check_key_scheme(&pub_rsassa, sig, &e);
	(void)tpm_signature_check_key_scheme(&pub_rsa_any, sig, &e);
	(void)tpm_signature_check_key_scheme(&pub_ecdsa, sig, &e);
	(void)tpm_signature_verify(rsa_key, &pub_rsa_any, sig, data, size, &e);
	(void)tpm_signature_verify(ec_key, &pub_ecdsa, sig, data, size, &e);
}

/* Sign data with key as scheme (a name); the signature must verify. */
static void
sign_trip(const char *name, EVP_PKEY *key, const uint8_t *data, size_t size)
{
	uint8_t raw[512], der[TPM_SIG_ECDSA_DER_MAX], rs[132];
	struct tpm_sig_scheme scheme;
	EVP_PKEY_CTX *pctx = NULL;
	TPMT_SIGNATURE sig;
	EVP_MD_CTX *md;
	size_t n = sizeof(raw), dn, half;
	struct errbuf e;

	if (tpm_sig_scheme_parse(name, &scheme, &e) != 0 ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, &pctx, hashalg_md(scheme.hash), NULL,
	    key) != 1)
		__builtin_trap();
	if (scheme.sig_alg == TPM2_ALG_RSAPSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		__builtin_trap();
	if (EVP_DigestSign(md, raw, &n, data, size) != 1)
		__builtin_trap();
	EVP_MD_CTX_free(md);
	if (tpm_signature_from_raw(&scheme, raw, n, &sig, &e) != 0 ||
	    tpm_signature_verify(key, NULL, &sig, data, size, &e) != 0)
		__builtin_trap();
	if (scheme.sig_alg != TPM2_ALG_ECDSA)
		return;
	/* r || s, each padded to the curve's 32 bytes, reads the same */
	half = 32;
	memset(rs, 0, sizeof(rs));
	memcpy(rs + half - sig.signature.ecdsa.signatureR.size,
	    sig.signature.ecdsa.signatureR.buffer,
	    sig.signature.ecdsa.signatureR.size);
	memcpy(rs + 2 * half - sig.signature.ecdsa.signatureS.size,
	    sig.signature.ecdsa.signatureS.buffer,
	    sig.signature.ecdsa.signatureS.size);
	if (tpm_signature_from_raw(&scheme, rs, 2 * half, &sig, &e) != 0 ||
	    tpm_signature_verify(key, strcmp(name, "ecdsa-sha256") == 0 ?
	    &pub_ecdsa : NULL, &sig, data, size, &e) != 0 ||
	    tpm_signature_ecdsa_der(&sig.signature.ecdsa, der, &dn, &e) != 0 ||
	    tpm_signature_from_raw(&scheme, der, dn, &sig, &e) != 0 ||
	    tpm_signature_verify(key, NULL, &sig, data, size, &e) != 0)
		__builtin_trap();
}

/* The input up to a NUL (at most 31 bytes) as a scheme name. */
static void
scheme_name(const uint8_t *data, size_t size)
{
	struct tpm_sig_scheme scheme;
	char name[32];
	size_t n = strnlen((const char *)data, size < 31 ? size : 31);
	struct errbuf e;

	memcpy(name, data, n);
	name[n] = '\0';
	(void)tpm_sig_scheme_parse(name, &scheme, &e);
}

static void
verify_both(const TPMT_SIGNATURE *sig, const uint8_t *data, size_t size)
{
	struct errbuf e;

	(void)tpm_signature_verify(rsa_key, NULL, sig, data, size, &e);
	(void)tpm_signature_verify(ec_key, NULL, sig, data, size, &e);
}

static void
try_raw(const char *name, const uint8_t *data, size_t size)
{
	struct tpm_sig_scheme scheme;
	TPMT_SIGNATURE sig;
	struct errbuf e;

	if (tpm_sig_scheme_parse(name, &scheme, &e) != 0)
		__builtin_trap();
	if (tpm_signature_from_raw(&scheme, data, size, &sig, &e) == 0)
		verify_both(&sig, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[TPM_SIG_MAX_BYTES], der[TPM_SIG_ECDSA_DER_MAX];
	TPMT_SIGNATURE sig;
	struct errbuf e;
	size_t off = 0, n;
	char desc[32];

	if (rsa_key == NULL) {
		rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
		ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		if (rsa_key == NULL || ec_key == NULL)
			__builtin_trap();
		make_pubs();
	}
	scheme_name(data, size);
	if (tpm_signature_parse(data, size, &sig, &e) == 0) {
		if (Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, again, sizeof(again),
		    &off) != 0 || off != size || memcmp(again, data, size) != 0)
			__builtin_trap();
		tpm_signature_describe(&sig, desc, sizeof(desc));
		(void)tpm_signature_hash(&sig);
		if (sig.sigAlg == TPM2_ALG_ECDSA)
			(void)tpm_signature_ecdsa_der(&sig.signature.ecdsa, der,
			    &n, &e);
		verify_both(&sig, data, size);
		check_pubs(&sig, data, size);
	}
	try_raw("rsassa-sha256", data, size);
	try_raw("rsapss-sha1", data, size);
	try_raw("ecdsa-sha256", data, size);
	/* one scheme per input (signing is the slow part), by its length */
	switch (size % 4) {
	case 0: sign_trip("rsassa-sha256", rsa_key, data, size); break;
	case 1: sign_trip("rsapss-sha256", rsa_key, data, size); break;
	case 2: sign_trip("ecdsa-sha256", ec_key, data, size); break;
	default: sign_trip("ecdsa-sha384", ec_key, data, size); break;
	}
	return 0;
}
