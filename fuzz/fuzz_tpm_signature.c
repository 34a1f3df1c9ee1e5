/*
 * fuzz_tpm_signature.c - libFuzzer target for tpm_signature_parse
 * (TPMT_SIGNATURE), tpm_signature_from_raw (raw RSA and ECDSA, DER or
 * r||s) and tpm_signature_verify over garbage with fixed keys. A
 * TPMT_SIGNATURE that parses must marshal back to the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/tpm_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once, kept for the life of the process. */
static EVP_PKEY *rsa_key, *ec_key;

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
	}
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
	}
	try_raw("rsassa-sha256", data, size);
	try_raw("rsapss-sha1", data, size);
	try_raw("ecdsa-sha256", data, size);
	return 0;
}
