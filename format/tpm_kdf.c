/* tpm_kdf.c - see tpm_kdf.h. */
#include "format/tpm_kdf.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

/* Something to point at for an empty octet string. */
static const uint8_t empty[1];

static int
check_sizes(const struct hashalg *alg, size_t labellen, size_t ulen,
    size_t vlen, size_t outlen, struct errbuf *e)
{
	if (alg == NULL || alg->evp_name == NULL || hashalg_md(alg) == NULL)
		return err_set(e, "unsupported hash algorithm");
	if (outlen == 0 || outlen > TPM_KDF_MAX_OUT)
		return err_set(e, "output size %zu outside 1..%u bytes", outlen,
		    TPM_KDF_MAX_OUT);
	if (labellen > TPM_KDF_MAX_INPUT || ulen > TPM_KDF_MAX_INPUT ||
	    vlen > TPM_KDF_MAX_INPUT)
		return err_set(e, "input larger than %u bytes",
		    TPM_KDF_MAX_INPUT);
	return 0;
}

/* The label without its (optional) terminating NUL: the separator NUL is
 * added once by the KDF. */
static size_t
label_body_len(const uint8_t *label, size_t labellen)
{
	if (labellen > 0 && label[labellen - 1] == 0)
		return labellen - 1;
	return labellen;
}

static const uint8_t *
nonnull(const uint8_t *p)
{
	return p != NULL ? p : empty;
}

/* Run the EVP_KDF `name` with params into out. */
static int
run_kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen,
    struct errbuf *e)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	int rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, name, NULL)) == NULL)
		return err_openssl(e, name);
	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL) {
		err_openssl(e, name);
		goto out;
	}
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1) {
		err_openssl(e, name);
		goto out;
	}
	rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
tpm_kdfa(const struct hashalg *alg, const uint8_t *key, size_t keylen,
    const uint8_t *label, size_t labellen,
    const uint8_t *context_u, size_t ulen,
    const uint8_t *context_v, size_t vlen,
    uint8_t *out, size_t outlen, struct errbuf *e)
{
	uint8_t context[2 * TPM_KDF_MAX_INPUT];
	OSSL_PARAM params[8], *p = params;

	if (check_sizes(alg, labellen, ulen, vlen, outlen, e) == -1)
		return err_prefix(e, "KDFa");
	if (keylen == 0 || keylen > TPM_KDF_MAX_INPUT)
		return err_set(e, "KDFa: key size %zu outside 1..%u bytes",
		    keylen, TPM_KDF_MAX_INPUT);
	if (ulen > 0)
		memcpy(context, context_u, ulen);
	if (vlen > 0)
		memcpy(context + ulen, context_v, vlen);

	/*
	 * OpenSSL's KBKDF in counter mode hashes u32 BE i || salt || 00 ||
	 * info || u32 BE (8 * outlen): SP 800-108's Label is its "salt" and
	 * Context its "info". The 32-bit counter, the separator and L are
	 * its defaults.
	 */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
	    "counter", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)alg->evp_name, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)nonnull(label), label_body_len(nonnull(label), labellen));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    context, ulen + vlen);
	*p = OSSL_PARAM_construct_end();
	if (run_kdf("KBKDF", params, out, outlen, e) == -1)
		return err_prefix(e, "KDFa");
	return 0;
}

int
tpm_kdfe(const struct hashalg *alg, const uint8_t *z, size_t zlen,
    const uint8_t *label, size_t labellen,
    const uint8_t *party_u, size_t ulen,
    const uint8_t *party_v, size_t vlen,
    uint8_t *out, size_t outlen, struct errbuf *e)
{
	uint8_t info[3 * TPM_KDF_MAX_INPUT + 1];
	OSSL_PARAM params[4], *p = params;
	size_t n, off = 0;

	if (check_sizes(alg, labellen, ulen, vlen, outlen, e) == -1)
		return err_prefix(e, "KDFe");
	if (zlen == 0 || zlen > TPM_KDF_MAX_INPUT)
		return err_set(e, "KDFe: Z size %zu outside 1..%u bytes", zlen,
		    TPM_KDF_MAX_INPUT);

	/* SP 800-56A OtherInfo = label || 00 || partyUInfo || partyVInfo. */
	n = label_body_len(nonnull(label), labellen);
	if (n > 0)
		memcpy(info, label, n);
	off = n;
	info[off++] = 0;
	if (ulen > 0)
		memcpy(info + off, party_u, ulen);
	off += ulen;
	if (vlen > 0)
		memcpy(info + off, party_v, vlen);
	off += vlen;

	/* OpenSSL's SSKDF with a digest: H(u32 BE i || key || info). */
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)alg->evp_name, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)z, zlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, off);
	*p = OSSL_PARAM_construct_end();
	if (run_kdf("SSKDF", params, out, outlen, e) == -1)
		return err_prefix(e, "KDFe");
	return 0;
}
