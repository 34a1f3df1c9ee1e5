/*
 * tpm_ek.h - the endorsement key: the TCG EK Credential Profile templates,
 * creating the EK from one of them (TPM2_CreatePrimary in the endorsement
 * hierarchy) or opening a persistent one, and reading its certificate (and
 * an optional chain) from NV.
 *
 * Templates (TCG EK Credential Profile 2.5, annex B; unique field as the
 * profile says: zeros of the key size for the low range, empty for the
 * high range; exponent 0 = 65537; scheme NULL):
 *   name      NV cert     type    nameAlg  symmetric     policy attributes
 *   rsa2048   0x01c00002  L-1     SHA-256  AES-128-CFB   A      0x000300b2
 *   ecc256    0x01c0000a  L-2     SHA-256  AES-128-CFB   A      0x000300b2
 *   rsa2048h  0x01c00012  H-1     SHA-256  AES-128-CFB   B      0x000300f2
 *   ecc256h   0x01c00014  H-2     SHA-256  AES-128-CFB   B      0x000300f2
 *   ecc384h   0x01c00016  H-3     SHA-384  AES-256-CFB   B      0x000300f2
 *   ecc521h   0x01c00018  H-4     SHA-512  AES-256-CFB   B      0x000300f2
 *   rsa3072h  0x01c0001c  H-6     SHA-384  AES-256-CFB   B      0x000300f2
 *   rsa4096h  0x01c0001e  H-7     SHA-384  AES-256-CFB   B      0x000300f2
 * PolicyA is TPM2_PolicySecret(TPM_RH_ENDORSEMENT); PolicyB is
 * PolicyOR(PolicyA, PolicyC) in the template's nameAlg (constants of the
 * profile). swtpm 0.7 certifies rsa2048 and ecc384h (and persists them at
 * 0x81010001 and 0x81010016).
 *
 * Ownership: struct tpm_ek owns its key (a transient EK is flushed by
 * tpm_ek_close), the certificate bytes and the parsed certificate.
 * struct tpm_ek_chain owns its buffers. Errors follow format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_EK_H
#define DOSSIER_COLLECT_TPM_EK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_obj.h"
#include "format/ekcert.h"
#include "format/err.h"

#define TPM_EK_CHAIN_FIRST 0x01c00100u
#define TPM_EK_CHAIN_LAST  0x01c001ffu
#define TPM_EK_CHAIN_MAX   16	/* certificates read from the chain range */

/* TPM_RH_ENDORSEMENT, the parent of a primary EK in Qualified Names. */
#define TPM_RH_ENDORSEMENT_HANDLE 0x4000000Bu

struct tpm_ek_template {
	const char *name;	/* "rsa2048", "ecc384h", ... */
	const char *desc;	/* "TCG EK template H-3 (ECC NIST P-384)" */
	uint32_t cert_nv;	/* NV index of its certificate */
	uint16_t type;		/* TPM2_ALG_RSA / TPM2_ALG_ECC */
	uint16_t bits;		/* RSA modulus bits, 0 for ECC */
	uint16_t curve;		/* TPM curve id, 0 for RSA */
	uint16_t name_alg;
	uint16_t aes_bits;
	bool high_range;	/* PolicyB, userWithAuth, empty unique */
};

/* The templates in the order of the table above (the order in which
 * tpm_ek_find looks for a certificate); n gets their number. */
const struct tpm_ek_template *tpm_ek_templates(size_t *n);
const struct tpm_ek_template *tpm_ek_template_by_name(const char *name);
const struct tpm_ek_template *tpm_ek_template_by_nv(uint32_t cert_nv);

/* The TPMT_PUBLIC template to pass to TPM2_CreatePrimary. */
int tpm_ek_template_public(const struct tpm_ek_template *t, TPM2B_PUBLIC *out,
    struct errbuf *e);

struct tpm_ek {
	struct tpm_key key;
	const struct tpm_ek_template *tmpl;	/* NULL: persistent EK of no
						 * known template */
	struct tpm_name qn;		/* Qualified Name: endorsement || Name */
	bool has_cert;
	uint32_t cert_nv;		/* where the certificate was read */
	uint8_t *cert_raw;		/* the NV contents as read (padding kept) */
	size_t cert_raw_len;
	struct ekcert cert;		/* parsed with ekcert_parse */
};

void tpm_ek_init(struct tpm_ek *ek);

/* Release the key (flush if transient) and free the certificate. */
void tpm_ek_close(ESYS_CONTEXT *esys, struct tpm_ek *ek);

/*
 * TPM2_CreatePrimary(endorsement, template t, empty password); the EK is a
 * transient object in ek->key until tpm_ek_close or tpm_key_persist. No
 * certificate is read here.
 */
int tpm_ek_create(ESYS_CONTEXT *esys, const struct tpm_ek_template *t,
    struct tpm_ek *ek, struct errbuf *e);

/* Open the persistent EK at handle; ek->tmpl is set when its public area
 * equals what a template gives (the key aside). Must be a restricted
 * decryption key (tpm_public_check_ek). */
int tpm_ek_open_persistent(ESYS_CONTEXT *esys, uint32_t handle,
    struct tpm_ek *ek, struct errbuf *e);

/*
 * Read and parse the certificate at NV index nv into ek (cert_raw, cert)
 * and check that it certifies ek's key (the public keys are equal).
 */
int tpm_ek_read_cert(ESYS_CONTEXT *esys, uint32_t nv, struct tpm_ek *ek,
    struct errbuf *e);

/*
 * The default EK: the first template (table order) whose certificate index
 * is defined. If persistent is not 0 and an EK of that template is already
 * at that handle, it is used; otherwise the EK is created (transient).
 * Either way its certificate is read and must certify it.
 */
int tpm_ek_find(ESYS_CONTEXT *esys, uint32_t persistent, struct tpm_ek *ek,
    struct errbuf *e);

/* EK chain certificates from NV 0x01c00100-0x01c001ff, as stored. */
struct tpm_ek_chain {
	size_t n;
	uint32_t index[TPM_EK_CHAIN_MAX];
	uint8_t *data[TPM_EK_CHAIN_MAX];
	size_t len[TPM_EK_CHAIN_MAX];
};

/* Read every defined index of the chain range (none is fine: n = 0). */
int tpm_ek_read_chain(ESYS_CONTEXT *esys, struct tpm_ek_chain *out,
    struct errbuf *e);
void tpm_ek_chain_free(struct tpm_ek_chain *c);

#endif
