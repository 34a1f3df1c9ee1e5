/*
 * tpm_tlskey.h - a TLS client key held in the TPM: an unrestricted signing
 * key in the storage (owner) hierarchy, kept as a TSS2 PRIVATE KEY blob or
 * at a persistent handle, and signing a digest inside the TPM (what a
 * certificate request needs).
 *
 * The key's parent is either a persistent storage key the caller names
 * (0x81xxxxxx) or, by default, the primary key that tpm2-openssl (OpenSSL
 * 3's "tpm2" provider) and tpm2-tss-engine build for a blob whose parent is
 * TPM_RH_OWNER (0x40000001): TPM2_CreatePrimary(owner, empty auth) with
 * this template (tpm2-openssl 1.1.1 src/tpm2-provider-pkey.c,
 * primaryEccTemplate; it prefers ECC whenever the TPM has it):
 *
 *   ECC NIST P-256, nameAlg SHA-256, fixedTPM | fixedParent |
 *   sensitiveDataOrigin | userWithAuth | noDA | restricted | decrypt,
 *   symmetric AES-128-CFB, scheme NULL, kdf NULL, empty unique.
 *
 * The same template gives the same primary key on every call (the storage
 * seed is fixed until TPM2_Clear), so a blob made here loads in the
 * provider. A TPM without ECC would make the provider use an RSA-2048
 * primary instead; this module refuses such a TPM rather than writing a
 * blob the provider could not load.
 *
 * The key: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth |
 * sign (0x00040072), nameAlg SHA-256, empty password, scheme NULL (the
 * TLS stack picks ECDSA, RSASSA or RSA-PSS per handshake); ECC P-256 or
 * RSA-2048 (exponent 65537). Its private part leaves the TPM only wrapped
 * by the parent (TPM2B_PRIVATE): it cannot be exported.
 *
 * TSS2 PRIVATE KEY (the ASN.1 of tpm2-tss-engine and tpm2-openssl, PEM
 * label "TSS2 PRIVATE KEY"):
 *
 *   TPMKey ::= SEQUENCE {
 *     type       OBJECT IDENTIFIER,   -- 2.23.133.10.1.3 loadableKey
 *     emptyAuth  [0] EXPLICIT BOOLEAN OPTIONAL,   -- TRUE here
 *     parent     INTEGER,             -- 0x40000001 or the persistent parent
 *     pubkey     OCTET STRING,        -- marshaled TPM2B_PUBLIC
 *     privkey    OCTET STRING }       -- marshaled TPM2B_PRIVATE
 *
 * Slots: the primary (or the parent's handle) is flushed (closed) before
 * any function returns; the key in struct tpm_tlskey is the caller's, to
 * release with tpm_tlskey_close(). Errors follow format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_TLSKEY_H
#define DOSSIER_COLLECT_TPM_TLSKEY_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_obj.h"
#include "format/err.h"

/* TPM_RH_OWNER: the parent of a blob under the provider's primary key. */
#define TPM_TLSKEY_PARENT_OWNER 0x40000001u

/* Key attributes (TPMA_OBJECT). */
#define TPM_TLSKEY_ATTRIBUTES (TPMA_OBJECT_FIXEDTPM |			\
	TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |	\
	TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_SIGN_ENCRYPT)

/* Largest TSS2 PRIVATE KEY DER we write: the two blobs plus framing. */
#define TPM_TLSKEY_DER_MAX (sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE) + 64)

enum tpm_tlskey_kind {
	TPM_TLSKEY_P256,
	TPM_TLSKEY_RSA2048,
};

/* "ecc" / "ecc256" / "p256" or "rsa" / "rsa2048"; -1 for anything else. */
int tpm_tlskey_kind_parse(const char *s, enum tpm_tlskey_kind *out);

struct tpm_tlskey {
	struct tpm_key key;	/* loaded (transient) or persistent */
	uint32_t parent;	/* TPM_TLSKEY_PARENT_OWNER or 0x81xxxxxx */
	TPM2B_PRIVATE priv;	/* as TPM2_Create returned it */
	TPM2B_PUBLIC pub;	/* as TPM2_Create returned it */
};

void tpm_tlskey_init(struct tpm_tlskey *k);
void tpm_tlskey_close(ESYS_CONTEXT *esys, struct tpm_tlskey *k);

/*
 * Create a key of kind under parent (TPM_TLSKEY_PARENT_OWNER: the
 * provider's primary, made and flushed here; else a persistent storage
 * key, which must be a restricted decryption key) and load it: k->key is
 * a transient object whose public area the TPM reported and we checked.
 */
int tpm_tlskey_create(ESYS_CONTEXT *esys, enum tpm_tlskey_kind kind,
    uint32_t parent, struct tpm_tlskey *k, struct errbuf *e);

/*
 * TPM2_Sign of a digest (SHA-256, 32 bytes) with the key: ECDSA-SHA256
 * for ECC, RSASSA-PKCS1-v1.5-SHA256 for RSA, with a NULL hash ticket (the
 * key is unrestricted). The signature in the form X.509 carries it: a DER
 * ECDSA-Sig-Value or the RSA signature bytes, into sig[0..cap).
 */
int tpm_tlskey_sign_sha256(ESYS_CONTEXT *esys, const struct tpm_tlskey *k,
    const uint8_t digest[32], uint8_t *sig, size_t cap, size_t *sig_len,
    struct errbuf *e);

/* The TSS2 PRIVATE KEY DER of a created key (emptyAuth TRUE, parent
 * k->parent) into out[0..cap); cap >= TPM_TLSKEY_DER_MAX is enough. */
int tpm_tlskey_der(const struct tpm_tlskey *k, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e);

#endif
