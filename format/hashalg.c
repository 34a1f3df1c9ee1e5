/* hashalg.c - see hashalg.h. */
#include "format/hashalg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

/* TPM_ALG_ID values: TCG TPM 2.0 Part 2, table "TPM_ALG_ID".
 * Kernel enum hash_algo: include/uapi/linux/hash_info.h. */
static const struct hashalg table[] = {
	{ "md5",      "md5",      0x0000,  1, 16, "MD5" },
	{ "sha1",     "sha1",     0x0004,  2, 20, "SHA1" },
	{ "sha256",   "sha256",   0x000B,  4, 32, "SHA256" },
	{ "sha384",   "sha384",   0x000C,  5, 48, "SHA384" },
	{ "sha512",   "sha512",   0x000D,  6, 64, "SHA512" },
	{ "sha224",   "sha224",   0x0000,  7, 28, "SHA224" },
	{ "sm3_256",  "sm3",      0x0012, 17, 32, "SM3" },
	{ "sha3_256", "sha3-256", 0x0027, 20, 32, "SHA3-256" },
	{ "sha3_384", "sha3-384", 0x0028, 21, 48, "SHA3-384" },
	{ "sha3_512", "sha3-512", 0x0029, 22, 64, "SHA3-512" },
};
#define NALGS (sizeof(table) / sizeof(table[0]))


const struct hashalg *
hashalg_by_name_n(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (strlen(table[i].name) == len &&
		    strncasecmp(table[i].name, name, len) == 0)
			return &table[i];
	for (i = 0; i < NALGS; i++)
		if (strlen(table[i].ima_name) == len &&
		    strncasecmp(table[i].ima_name, name, len) == 0)
			return &table[i];
	return NULL;
}

const struct hashalg *
hashalg_by_name(const char *name)
{
	return hashalg_by_name_n(name, strlen(name));
}

const struct hashalg *
hashalg_by_tpm(uint16_t tpm_id)
{
	size_t i;

	if (tpm_id == 0)
		return NULL;
	for (i = 0; i < NALGS; i++)
		if (table[i].tpm_id == tpm_id)
			return &table[i];
	return NULL;
}

const struct hashalg *
hashalg_by_ima_id(int ima_id)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (table[i].ima_id == ima_id)
			return &table[i];
	return NULL;
}

static _Atomic(const EVP_MD *) fetched[NALGS];
static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;

const EVP_MD *
hashalg_md(const struct hashalg *alg)
{
	size_t i = (size_t)(alg - table);
	const EVP_MD *md;

	if (i >= NALGS || alg->evp_name == NULL)
		return NULL;
	if ((md = atomic_load(&fetched[i])) != NULL)
		return md;
	pthread_mutex_lock(&fetch_lock);
	if ((md = atomic_load(&fetched[i])) == NULL) {
		md = EVP_MD_fetch(NULL, alg->evp_name, NULL);
		atomic_store(&fetched[i], md);
	}
	pthread_mutex_unlock(&fetch_lock);
	return md;
}

int
hashalg_digest(const struct hashalg *alg, const void *data, size_t len,
    uint8_t *out)
{
	const EVP_MD *md = hashalg_md(alg);
	unsigned int n = 0;

	if (md == NULL || EVP_Digest(data, len, out, &n, md, NULL) != 1 ||
	    n != alg->size)
		return -1;
	return 0;
}
