/*
 * credential.h - TPM2_MakeCredential in software, and the credential file
 * that tpm2-tools reads.
 *
 * MakeCredential wraps a short secret so that only the TPM holding a given
 * EK, and only while an object with a given Name is loaded in it, can
 * recover it with TPM2_ActivateCredential (TCG TPM 2.0 Library Part 1,
 * "Credential Protection"; ms-tpm-20-ref MakeCredential.c and
 * Object_spt.c). With nH the EK's nameAlg and N the object's Name:
 *
 *   seed       RSA EK: random(|nH|), encSecret = RSAES-OAEP(EK, seed),
 *              hash and MGF1 hash nH, label "IDENTITY\0" (9 bytes).
 *              ECC EK: ephemeral Qe on the EK curve, Z = x(de * Qek),
 *              seed = KDFe(nH, Z, "IDENTITY", Qe.x, Qek.x, 8 |nH|),
 *              encSecret = marshaled TPMS_ECC_POINT Qe.
 *   symKey     KDFa(nH, seed, "STORAGE", N, -, EK symmetric keyBits)
 *   encIdentity AES-CFB(symKey, IV 0) over u16 |secret| || secret
 *   hmacKey    KDFa(nH, seed, "INTEGRITY", -, -, 8 |nH|)
 *   outerHMAC  HMAC_nH(hmacKey, encIdentity || N)
 *   credentialBlob (TPM2B_ID_OBJECT) = u16 size || u16 |outerHMAC| ||
 *              outerHMAC || encIdentity
 *   secret     (TPM2B_ENCRYPTED_SECRET) = u16 |encSecret| || encSecret
 *
 * Credential file (tpm2-tools' tpm2_makecredential -o, read by
 * tpm2_activatecredential -i): u32 BE 0xBADCC0DE || u32 BE 1 ||
 * TPM2B_ID_OBJECT || TPM2B_ENCRYPTED_SECRET, nothing after.
 *
 * struct credential is a plain value (no pointers). Errors follow
 * format/err.h: 0 on success, -1 with a message in the errbuf.
 */
#ifndef DOSSIER_CREDENTIAL_H
#define DOSSIER_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"
#include "format/tpm_public.h"

#define CREDENTIAL_FILE_MAGIC	0xBADCC0DEu
#define CREDENTIAL_FILE_VERSION	1u

/* Largest credential file: 8-byte header and both TPM2Bs at their largest
 * (132 + 2 and 512 + 2 bytes with libtss2's type sizes). */
#define CREDENTIAL_FILE_MAX						\
	(8 + sizeof(TPM2B_ID_OBJECT) + sizeof(TPM2B_ENCRYPTED_SECRET))

struct credential {
	TPM2B_ID_OBJECT blob;		/* credentialBlob */
	TPM2B_ENCRYPTED_SECRET secret;	/* the seed, RSA-encrypted or as Qe */
};

/* The longest secret the EK can carry: the digest size of its nameAlg
 * (0 for an unknown nameAlg). */
size_t credential_secret_max(const struct tpm_public *ek);

/*
 * TPM2_MakeCredential. ek must pass tpm_public_check_ek (restricted
 * decryption RSA or ECC key with an AES-CFB symmetric definition; checked
 * again here). ak_name is the object's Name (nameAlg || digest of a known
 * algorithm). secret_len must be at most credential_secret_max(ek).
 * Randomness comes from OpenSSL's default DRBG.
 */
int credential_make(const struct tpm_public *ek, const struct tpm_name *ak_name,
    const uint8_t *secret, size_t secret_len, struct credential *out,
    struct errbuf *e);

/*
 * The deterministic half of MakeCredential: credentialBlob from a given
 * seed (|seed| must be the digest size of the EK's nameAlg). Used by
 * credential_make; exposed so tests can check the blob against an
 * independent computation.
 */
int credential_protect(const struct tpm_public *ek, const uint8_t *seed,
    size_t seed_len, const struct tpm_name *ak_name, const uint8_t *secret,
    size_t secret_len, TPM2B_ID_OBJECT *out, struct errbuf *e);

/*
 * Split a credentialBlob into its outer HMAC and encIdentity (pointers into
 * blob). Strict: the HMAC size must be a digest size of SHA-1, SHA-256,
 * SHA-384 or SHA-512 and encIdentity 2 to 2 + |HMAC| bytes long (a TPM2B
 * of a secret no longer than a digest).
 */
int credential_blob_split(const TPM2B_ID_OBJECT *blob, const uint8_t **hmac,
    size_t *hmac_len, const uint8_t **enc_identity, size_t *enc_len,
    struct errbuf *e);

/* Write the tpm2-tools credential file into out (capacity cap, at least
 * CREDENTIAL_FILE_MAX is always enough); *len gets its size. */
int credential_file_encode(const struct credential *c, uint8_t *out,
    size_t cap, size_t *len, struct errbuf *e);

/*
 * Parse a credential file occupying exactly buf[0..len): magic, version 1,
 * TPM2B_ID_OBJECT (checked with credential_blob_split), a non-empty
 * TPM2B_ENCRYPTED_SECRET, no trailing bytes. Inputs longer than
 * CREDENTIAL_FILE_MAX are refused before parsing.
 */
int credential_file_parse(const uint8_t *buf, size_t len,
    struct credential *out, struct errbuf *e);

#endif
