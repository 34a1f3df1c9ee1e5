/*
 * tpm_kdf.h - the two key derivation functions of TPM 2.0 (TCG TPM 2.0
 * Library Part 1, "KDFa" and "KDFe"), computed with OpenSSL's EVP_KDF
 * implementations.
 *
 * KDFa is NIST SP 800-108 counter mode with HMAC:
 *   for i = 1, 2, ...: HMAC_H(key, u32 BE i || label || 00 || contextU ||
 *   contextV || u32 BE bits), concatenated and cut to bits / 8 bytes.
 * KDFe is the NIST SP 800-56A concatenation KDF:
 *   for i = 1, 2, ...: H(u32 BE i || Z || label || 00 || partyU || partyV).
 *
 * Labels are byte strings. The TPM hashes a label followed by one NUL, and
 * callers in the TPM world pass labels both with and without that NUL
 * ("STORAGE" and "STORAGE\0", 7 or 8 bytes): both spellings give the same
 * bytes here, because a single trailing NUL is dropped before the separator
 * is added. Output sizes are whole bytes (bits = 8 * outlen); the TPM's
 * masking of a partial last byte is never needed for the keys we derive.
 *
 * Both return 0, or -1 with a message in the errbuf (unknown digest,
 * outlen 0 or larger than TPM_KDF_MAX_OUT, an input larger than
 * TPM_KDF_MAX_INPUT, or an OpenSSL failure).
 */
#ifndef DOSSIER_TPM_KDF_H
#define DOSSIER_TPM_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/hashalg.h"

/* Largest output we derive: an AES-256 key or a SHA-512 HMAC key is 64 at
 * most; a little headroom for callers that derive two keys at once. */
#define TPM_KDF_MAX_OUT   1024

/* Largest label, context or Z we accept (a Name is 66 bytes, an ECC
 * x-coordinate 66). */
#define TPM_KDF_MAX_INPUT 1024

int tpm_kdfa(const struct hashalg *alg, const uint8_t *key, size_t keylen,
    const uint8_t *label, size_t labellen,
    const uint8_t *context_u, size_t ulen,
    const uint8_t *context_v, size_t vlen,
    uint8_t *out, size_t outlen, struct errbuf *e);

int tpm_kdfe(const struct hashalg *alg, const uint8_t *z, size_t zlen,
    const uint8_t *label, size_t labellen,
    const uint8_t *party_u, size_t ulen,
    const uint8_t *party_v, size_t vlen,
    uint8_t *out, size_t outlen, struct errbuf *e);

#endif
