/*
 * tpm_public.h - TPM public areas (TPMT_PUBLIC / TPM2B_PUBLIC): strict
 * parsing with libtss2-mu, Names and Qualified Names, conversion to OpenSSL
 * keys, the attribute checks that make a key an EK or an AK, and detection
 * of the public-key file formats users hand us.
 *
 * Ownership: struct tpm_public is a plain value (no pointers); copy freely.
 * EVP_PKEY results are owned by the caller (EVP_PKEY_free). Errors follow
 * format/err.h: 0 on success, -1 with a message in the errbuf.
 */
#ifndef DOSSIER_TPM_PUBLIC_H
#define DOSSIER_TPM_PUBLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"
#include "format/hashalg.h"

/* Largest marshaled TPMT_PUBLIC we accept (RSA-4096 with a SHA-512 policy
 * is about 600 bytes). */
#define TPM_PUBLIC_MAX_BYTES 1024

/* Largest Name: u16 nameAlg || 64-byte digest. */
#define TPM_NAME_MAX_BYTES (2 + HASHALG_MAX_SIZE)

struct tpm_public {
	TPMT_PUBLIC pub;			/* unmarshalled */
	uint8_t raw[TPM_PUBLIC_MAX_BYTES];	/* canonical TPMT_PUBLIC bytes */
	size_t raw_len;
};

struct tpm_name {
	uint8_t b[TPM_NAME_MAX_BYTES];		/* u16 nameAlg BE || digest */
	size_t len;
};

/*
 * Parse a marshaled TPMT_PUBLIC occupying exactly buf[0..len). Rejects
 * trailing bytes and non-canonical encodings (unmarshal + marshal must give
 * the same bytes, so the Name we compute is the TPM's).
 */
int tpm_public_parse(const uint8_t *buf, size_t len, struct tpm_public *out,
    struct errbuf *e);

/* Parse a TPM2B_PUBLIC: u16 size, then exactly size bytes of TPMT_PUBLIC,
 * then nothing. */
int tpm_public_parse_2b(const uint8_t *buf, size_t len, struct tpm_public *out,
    struct errbuf *e);

/* Name = nameAlg || H_nameAlg(raw). Fails for an unknown nameAlg. */
int tpm_public_name(const struct tpm_public *p, struct tpm_name *out,
    struct errbuf *e);

/*
 * Qualified Name of a child: nameAlg(child) || H_nameAlg(child)(parent_qn ||
 * name(child)). For a primary object parent_qn is the 4-byte hierarchy
 * handle (e.g. 40 00 00 0B for the endorsement hierarchy); use
 * tpm_hierarchy_qn() to build it.
 */
int tpm_qualified_name(const struct tpm_name *parent_qn,
    const struct tpm_name *child_name, struct tpm_name *out, struct errbuf *e);
void tpm_hierarchy_qn(uint32_t hierarchy_handle, struct tpm_name *out);

/* The public key as an OpenSSL key (RSA: modulus + exponent, 0 = 65537;
 * ECC: NIST P-256/384/521 point, checked on the curve). */
int tpm_public_to_pkey(const struct tpm_public *p, EVP_PKEY **out,
    struct errbuf *e);

/*
 * Build the TPMT_PUBLIC that the TCG EK Credential Profile's default
 * template gives for this key: RSA-2048 and P-256 use the low-range
 * templates (L-1, L-2: SHA-256, AES-128-CFB, PolicyA); RSA-3072, P-384
 * use the high-range templates (SHA-384, AES-256-CFB, PolicyB), P-521 the
 * high-range one (SHA-512, AES-256-CFB). *template_name (if not NULL) gets
 * a static description such as "TCG EK template L-1 (RSA-2048)".
 */
int tpm_public_from_ek_pkey(EVP_PKEY *key, struct tpm_public *out,
    const char **template_name, struct errbuf *e);

/*
 * Attribute checks. An AK must be a restricted signing key that cannot
 * decrypt, bound to its TPM (fixedTPM, fixedParent, sensitiveDataOrigin),
 * with a nameAlg of at least SHA-256. An EK (for MakeCredential) must be a
 * restricted decryption key (RSA or ECC) with a symmetric definition.
 * On failure the message names every offending attribute.
 */
int tpm_public_check_ak(const struct tpm_public *p, struct errbuf *e);
int tpm_public_check_ek(const struct tpm_public *p, struct errbuf *e);

/* How a public-key file was encoded. */
enum pubkey_format {
	PUBKEY_TPM2B_PUBLIC,	/* tpm2_createak -u / tpm2_createek -u ("tss") */
	PUBKEY_TPMT_PUBLIC,	/* bare marshaled TPMT_PUBLIC */
	PUBKEY_PEM_SPKI,	/* -----BEGIN PUBLIC KEY----- */
	PUBKEY_DER_SPKI,	/* DER SubjectPublicKeyInfo */
};

const char *pubkey_format_name(enum pubkey_format f);

/*
 * A public key read from a file whose format is detected from its bytes.
 * has_tpm is true for the TPM formats (then tpm holds the public area);
 * pkey is always set on success.
 */
struct pubkey {
	enum pubkey_format format;
	bool has_tpm;
	struct tpm_public tpm;
	EVP_PKEY *pkey;
};

/* Detect and parse; free with pubkey_free(). */
int pubkey_parse(const uint8_t *buf, size_t len, struct pubkey *out,
    struct errbuf *e);
void pubkey_free(struct pubkey *k);

#endif
