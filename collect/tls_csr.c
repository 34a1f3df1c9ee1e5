/* tls_csr.c - see tls_csr.h. */
#include "collect/tls_csr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "format/tpm_public.h"
#include "format/tpm_sig.h"

/* One component's TYPE=VALUE with escapes resolved, into type / value. */
static int
subject_component(const char *p, size_t n, char *type, char *value,
    struct errbuf *e)
{
	const char *eq = memchr(p, '=', n);
	size_t tlen, i, v = 0;

	if (eq == NULL || eq == p)
		return err_set(e, "component '%.*s' is not TYPE=VALUE", (int)n,
		    p);
	tlen = (size_t)(eq - p);
	memcpy(type, p, tlen);
	type[tlen] = '\0';
	for (i = tlen + 1; i < n; i++) {
		if (p[i] == '\\') {
			if (i + 1 == n)
				return err_set(e, "component '%.*s' ends with "
				    "a lone backslash", (int)n, p);
			i++;
		}
		value[v++] = p[i];
	}
	value[v] = '\0';
	if (v == 0)
		return err_set(e, "component '%s' has an empty value", type);
	return 0;
}

int
tls_csr_subject_parse(const char *s, X509_NAME **out, struct errbuf *e)
{
	char type[TLS_CSR_SUBJECT_MAX + 1], value[TLS_CSR_SUBJECT_MAX + 1];
	size_t len = strlen(s), start, i;
	X509_NAME *name;

	*out = NULL;
	if (len > TLS_CSR_SUBJECT_MAX)
		return err_set(e, "subject longer than %d bytes",
		    TLS_CSR_SUBJECT_MAX);
	if (len < 2 || s[0] != '/')
		return err_set(e, "subject '%s' does not look like "
		    "/CN=NAME[/TYPE=VALUE...]", s);
	if ((name = X509_NAME_new()) == NULL)
		return err_openssl(e, "X509_NAME_new");
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && s[i] != '/'; i++)
			if (s[i] == '\\' && i + 1 < len)
				i++;
		if (subject_component(s + start, i - start, type, value,
		    e) != 0)
			goto fail;
		if (OBJ_txt2nid(type) == NID_undef) {
			err_set(e, "unknown attribute type '%s'", type);
			goto fail;
		}
		if (X509_NAME_add_entry_by_txt(name, type, MBSTRING_UTF8,
		    (const unsigned char *)value, -1, -1, 0) != 1) {
			err_openssl(e, "X509_NAME_add_entry_by_txt");
			err_prefix(e, "component %s='%s'", type, value);
			goto fail;
		}
	}
	*out = name;
	return 0;
fail:
	X509_NAME_free(name);
	return err_prefix(e, "subject");
}

/* The signature algorithm and signature value into the request. */
static int
req_set_signature(X509_REQ *req, int type, const uint8_t *sig,
    size_t sig_len, struct errbuf *e)
{
	X509_ALGOR *alg;
	ASN1_BIT_STRING *bits;
	int ok;

	if ((alg = X509_ALGOR_new()) == NULL)
		return err_openssl(e, "X509_ALGOR_new");
	/* RFC 5758: ecdsa-with-SHA256 has no parameters; RFC 4055:
	 * sha256WithRSAEncryption has NULL parameters. */
	ok = type == TPM2_ALG_ECC ?
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ecdsa_with_SHA256),
	    V_ASN1_UNDEF, NULL) :
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256WithRSAEncryption),
	    V_ASN1_NULL, NULL);
	if (ok != 1 || X509_REQ_set1_signature_algo(req, alg) != 1) {
		X509_ALGOR_free(alg);
		return err_openssl(e, "signature algorithm");
	}
	X509_ALGOR_free(alg);
	if ((bits = ASN1_BIT_STRING_new()) == NULL ||
	    ASN1_BIT_STRING_set(bits, (unsigned char *)sig, (int)sig_len) != 1) {
		ASN1_BIT_STRING_free(bits);
		return err_openssl(e, "signature value");
	}
	/* A whole number of bytes: no unused bits. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);
	return 0;
}

int
tls_csr_make(ESYS_CONTEXT *esys, const struct tpm_tlskey *k,
    const char *subject, uint8_t **pem, size_t *len, struct errbuf *e)
{
	uint8_t digest[32], sig[512];
	unsigned char *tbs = NULL;
	X509_NAME *name = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	BUF_MEM *mem;
	unsigned dlen = 0;
	size_t sig_len = 0;
	int tbs_len, ret = -1;

	*pem = NULL;
	*len = 0;
	if (tls_csr_subject_parse(subject, &name, e) != 0)
		return -1;
	if (tpm_public_to_pkey(&k->key.pub, &pkey, e) != 0) {
		err_prefix(e, "the TLS key's public area");
		goto done;
	}
	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, pkey) != 1) {
		err_openssl(e, "building the request");
		goto done;
	}
	if ((tbs_len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
		err_openssl(e, "encoding the CertificationRequestInfo");
		goto done;
	}
	if (EVP_Digest(tbs, (size_t)tbs_len, digest, &dlen, EVP_sha256(),
	    NULL) != 1 || dlen != sizeof(digest)) {
		err_openssl(e, "SHA-256");
		goto done;
	}
	if (tpm_tlskey_sign_sha256(esys, k, digest, sig, sizeof(sig),
	    &sig_len, e) != 0 ||
	    req_set_signature(req, k->key.pub.pub.type, sig, sig_len, e) != 0)
		goto done;
	if (X509_REQ_verify(req, pkey) != 1) {
		err_openssl(e, "the TPM's signature does not verify with the "
		    "key's public area");
		goto done;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1) {
		err_openssl(e, "writing the request as PEM");
		goto done;
	}
	BIO_get_mem_ptr(bio, &mem);
	if ((*pem = malloc(mem->length)) == NULL) {
		err_set(e, "out of memory");
		goto done;
	}
	memcpy(*pem, mem->data, mem->length);
	*len = mem->length;
	ret = 0;
done:
	BIO_free(bio);
	OPENSSL_free(tbs);
	X509_REQ_free(req);
	EVP_PKEY_free(pkey);
	X509_NAME_free(name);
	if (ret != 0)
		err_prefix(e, "certificate request");
	return ret;
}
