/*
 * tpm_ak.h - the attestation key: a restricted signing key created as a
 * child of the EK in the endorsement hierarchy (so quotes carry the real
 * resetCount, restartCount and firmwareVersion), loaded under it, and kept
 * either persistent (TPM2_EvictControl) or as the private/public blobs
 * TPM2_Create returns, which load again under the same EK after a reboot
 * (saved contexts would not survive a TPM reset).
 *
 * Attributes: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth |
 * restricted | sign (0x00050072), nameAlg SHA-256, empty password.
 * Schemes: RSA-2048 RSASSA-SHA256 (default) or ECC P-256 ECDSA-SHA256.
 * The EK is authorised with tpm_ek_session_start (policy session for
 * low-range EKs, flushed after each command).
 *
 * Ownership: struct tpm_ak owns its key (flushed by tpm_ak_close when
 * transient); the blobs are plain values. Errors follow format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_AK_H
#define DOSSIER_COLLECT_TPM_AK_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_ek.h"
#include "collect/tpm_obj.h"
#include "format/err.h"

/* Defaults of the seed flow. */
#define TPM_AK_DEFAULT_HANDLE 0x81000002u
#define TPM_EK_DEFAULT_HANDLE 0x81010001u

/* AK attributes (TPMA_OBJECT). */
#define TPM_AK_ATTRIBUTES (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |	\
	TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

enum tpm_ak_kind {
	TPM_AK_RSA2048_RSASSA_SHA256,
	TPM_AK_P256_ECDSA_SHA256,
};

/* "rsa" / "ecc" (also "rsa2048", "ecc256"); -1 for anything else. */
int tpm_ak_kind_parse(const char *s, enum tpm_ak_kind *out);

struct tpm_ak {
	struct tpm_key key;
	struct tpm_name qn;	/* Qualified Name: QN(EK) || Name, per Part 1 */
	TPM2B_PRIVATE priv;	/* as TPM2_Create returned it (size 0 when
				 * the AK was opened persistent) */
};

void tpm_ak_init(struct tpm_ak *ak);
void tpm_ak_close(ESYS_CONTEXT *esys, struct tpm_ak *ak);

/* The TPMT_PUBLIC template of an AK of this kind. */
void tpm_ak_template(enum tpm_ak_kind kind, TPM2B_PUBLIC *out);

/*
 * TPM2_Create under ek (authorised per tpm_ek_session_start), then
 * TPM2_Load: ak->key is a transient object, ak->priv its private blob.
 * The public area passes tpm_public_check_ak, the Name the TPM reports
 * equals ours, and ak->qn (computed by us from ek->qn) equals the Qualified
 * Name the TPM reports in TPM2_ReadPublic.
 */
int tpm_ak_create(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    enum tpm_ak_kind kind, struct tpm_ak *ak, struct errbuf *e);

/* Load an AK from its private blob and TPM2B_PUBLIC bytes under ek, with
 * the same checks as tpm_ak_create. */
int tpm_ak_load(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    const TPM2B_PRIVATE *priv, const uint8_t *pub2b, size_t pub2b_len,
    struct tpm_ak *ak, struct errbuf *e);

/* Open the persistent AK at handle, child of ek: checked as above. */
int tpm_ak_open_persistent(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    uint32_t handle, struct tpm_ak *ak, struct errbuf *e);

/* Marshal / parse the private blob (TPM2B_PRIVATE, what tpm2_createak -r
 * writes). Parsing requires exactly one TPM2B_PRIVATE and nothing after. */
int tpm_ak_private_marshal(const TPM2B_PRIVATE *priv, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e);
int tpm_ak_private_parse(const uint8_t *buf, size_t len, TPM2B_PRIVATE *out,
    struct errbuf *e);

#endif
