/*
 * hashalg.h - one table of the hash algorithms dossier meets, and the names
 * each neighbouring world gives them.
 *
 * TPM banks and signing schemes name algorithms by TPM_ALG_ID; IMA's d-ng
 * field by the kernel's hash_algo_name[] ("sha256", "sha3-256", "sm3");
 * IMA signature headers by the kernel's enum hash_algo (SHA256 = 4);
 * tpm2-tools and our own text formats by the lowercase name ("sha256").
 * Entries are static and never freed.
 */
#ifndef DOSSIER_HASHALG_H
#define DOSSIER_HASHALG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define HASHALG_MAX_SIZE 64	/* largest digest of any entry (SHA-512) */

struct hashalg {
	const char *name;	/* "sha256", "sha3_256": tpm2-tools, our formats */
	const char *ima_name;	/* kernel hash_algo_name[]: "sha3-256", "sm3" */
	uint16_t tpm_id;	/* TPM_ALG_ID, 0 if the TPM has none */
	int ima_id;		/* kernel enum hash_algo, -1 if none */
	size_t size;		/* digest size in bytes */
	const char *evp_name;	/* OpenSSL fetch name, NULL if unavailable */
};

/* Lookups; NULL if unknown. Names match case-insensitively; the IMA
 * spellings ("sha3-256", "sm3") and the TPM ones ("sha3_256", "sm3_256")
 * are both accepted. */
const struct hashalg *hashalg_by_name(const char *name);
const struct hashalg *hashalg_by_name_n(const char *name, size_t len);
const struct hashalg *hashalg_by_tpm(uint16_t tpm_id);
const struct hashalg *hashalg_by_ima_id(int ima_id);

/*
 * The OpenSSL digest for an entry, fetched once and cached for the life of
 * the process (thread-safe after the first call per algorithm). NULL if
 * this OpenSSL build lacks it.
 */
const EVP_MD *hashalg_md(const struct hashalg *alg);

/* One-shot digest of data into out (alg->size bytes). 0 or -1. */
int hashalg_digest(const struct hashalg *alg, const void *data, size_t len,
    uint8_t *out);

#endif
