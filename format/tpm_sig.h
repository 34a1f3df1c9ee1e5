/*
 * tpm_sig.h - TPM signatures (TPMT_SIGNATURE): strict parsing with
 * libtss2-mu, raw signatures given with a named scheme, and verification
 * with OpenSSL 3 (EVP) for the schemes a quote can be checked with:
 * RSASSA-PKCS1-v1_5, RSAPSS (any salt length) and ECDSA.
 *
 * TPMT_SIGNATURE values are plain structs (no pointers). EVP_PKEY
 * arguments are borrowed, never freed here. Errors follow format/err.h.
 */
#ifndef DOSSIER_TPM_SIG_H
#define DOSSIER_TPM_SIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"
#include "format/hashalg.h"

/* Largest signature file we read: a TPMT_SIGNATURE of an RSA-4096 key is
 * 518 bytes, a DER ECDSA P-521 signature about 140. */
#define TPM_SIG_MAX_BYTES 1024

/* Largest DER ECDSA-Sig-Value for r, s of TPM2_MAX_ECC_KEY_BYTES each. */
#define TPM_SIG_ECDSA_DER_MAX (2 * (TPM2_MAX_ECC_KEY_BYTES + 4) + 4)

/* A signature scheme and its hash, as in "rsassa-sha256". */
struct tpm_sig_scheme {
	uint16_t sig_alg;		/* TPM2_ALG_RSASSA, _RSAPSS, _ECDSA */
	const struct hashalg *hash;	/* with a TPM id */
};

/* "rsassa", "rsapss", "ecdsa", "hmac", "ecdaa", "sm2", "ecschnorr",
 * "null"; NULL for an id that is none of these. */
const char *tpm_sig_alg_name(uint16_t sig_alg);

/*
 * Parse "rsassa-sha256", "rsapss-sha384", "ecdsa-sha256" (SCHEME-HASH,
 * case-insensitive, TPM scheme names) into *out. Only the three
 * verifiable schemes and hashes with a TPM id are accepted; the message
 * lists the schemes otherwise.
 */
int tpm_sig_scheme_parse(const char *name, struct tpm_sig_scheme *out,
    struct errbuf *e);

/* Parse a marshaled TPMT_SIGNATURE occupying exactly buf[0..len). Any
 * scheme libtss2-mu knows is accepted here; tpm_signature_verify() says
 * which it can check. */
int tpm_signature_parse(const uint8_t *buf, size_t len, TPMT_SIGNATURE *out,
    struct errbuf *e);

/*
 * Build a TPMT_SIGNATURE from a raw signature of the given scheme (what
 * `tpm2_quote -f plain` or the Azure vTPM tooling write):
 *   RSASSA/RSAPSS: the signature bytes (1..TPM2_MAX_RSA_KEY_BYTES);
 *   ECDSA: a DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs, exactly len
 *          bytes), or r || s as two halves of equal length.
 */
int tpm_signature_from_raw(const struct tpm_sig_scheme *scheme,
    const uint8_t *buf, size_t len, TPMT_SIGNATURE *out, struct errbuf *e);

/* "rsassa-sha256" etc. for sig into out (cap >= 32 is enough). */
void tpm_signature_describe(const TPMT_SIGNATURE *sig, char *out, size_t cap);

/*
 * The hash of sig (for the three verifiable schemes and HMAC), or NULL
 * if the scheme has none or hashalg.h does not know it.
 */
const struct hashalg *tpm_signature_hash(const TPMT_SIGNATURE *sig);

/*
 * DER ECDSA-Sig-Value of an ECDSA TPM signature. r and s are unsigned
 * big-endian integers that may be shorter than the curve's field (leading
 * zero bytes dropped by the TPM) or carry leading zeros; both are taken as
 * integers. der must hold TPM_SIG_ECDSA_DER_MAX bytes.
 */
int tpm_signature_ecdsa_der(const TPMS_SIGNATURE_ECC *ecc, uint8_t *der,
    size_t *der_len, struct errbuf *e);

/*
 * Whether a key whose TPM public area is pub may have made sig: the key
 * type fits the scheme (RSA for RSASSA/RSAPSS, ECC for ECDSA), and if the
 * key has a fixed scheme (not TPM2_ALG_NULL), sig uses that scheme and
 * its hash. The message says what differs.
 */
int tpm_signature_check_key_scheme(const TPMT_PUBLIC *pub,
    const TPMT_SIGNATURE *sig, struct errbuf *e);

/*
 * Verify sig over msg[0..len) with key: the message is hashed with the
 * signature's own hash. RSASSA: PKCS#1 v1.5; RSAPSS: MGF1 with the same
 * hash and any salt length (TPMs differ); ECDSA: r, s as above. If pub is
 * not NULL, tpm_signature_check_key_scheme() is applied first. Returns 0
 * only for a valid signature; -1 with the reason otherwise (unsupported
 * scheme, key type mismatch, bad signature).
 */
int tpm_signature_verify(EVP_PKEY *key, const TPMT_PUBLIC *pub,
    const TPMT_SIGNATURE *sig, const uint8_t *msg, size_t len,
    struct errbuf *e);

#endif
