/* ima_keyring.c - the keyring of ima_sig.h: trusted keys and
 * certificates loaded from PEM or DER, sorted by their evmctl keyid. */
#include "format/ima_sig.h"
#include "format/ima_sig_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "format/bytes.h"
#include "format/hashalg.h"

int
ima_keyring_new(struct ima_keyring **out, struct errbuf *e)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return err_set(e, "out of memory for a keyring");
	return 0;
}

void
ima_keyring_free(struct ima_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++) {
		EVP_PKEY_free(kr->keys[i].pkey);
		X509_free(kr->keys[i].cert);
	}
	free(kr);
}

size_t
ima_keyring_count(const struct ima_keyring *kr)
{
	return kr == NULL ? 0 : kr->n;
}

/* evmctl's keyid of a bare key: SHA-1 over the subjectPublicKey bits,
 * last 4 bytes, big-endian. */
static int
keyid_of_pkey(EVP_PKEY *pkey, uint32_t *keyid, struct errbuf *e)
{
	X509_PUBKEY *pk = NULL;
	const unsigned char *bits;
	int len;
	uint8_t h[20];

	if (!X509_PUBKEY_set(&pk, pkey) ||
	    !X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, pk) || len <= 0) {
		X509_PUBKEY_free(pk);
		return err_openssl(e, "public key encoding");
	}
	if (hashalg_digest(hashalg_by_name("sha1"), bits, (size_t)len, h) < 0) {
		X509_PUBKEY_free(pk);
		return err_set(e, "SHA-1 unavailable for the keyid");
	}
	X509_PUBKEY_free(pk);
	*keyid = load_be32(h + 16);
	return 0;
}

static int
key_type_supported(EVP_PKEY *pkey)
{
	return EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "EC");
}

struct ima_key *
ima_keyring_find(const struct ima_keyring *kr, uint32_t keyid)
{
	size_t lo = 0, hi, mid;

	if (kr == NULL)
		return NULL;
	hi = kr->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kr->keys[mid].keyid == keyid)
			return (struct ima_key *)&kr->keys[mid];
		if (kr->keys[mid].keyid < keyid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Insert (taking ownership of pkey and cert on success). An identical key
 * added again is dropped; another key with the same keyid is refused. */
static int
keyring_insert(struct ima_keyring *kr, EVP_PKEY *pkey, X509 *cert,
    const char *name, struct errbuf *e)
{
	struct ima_key k, *dup;
	const ASN1_OCTET_STRING *skid = NULL;
	size_t i;

	memset(&k, 0, sizeof(k));
	if (!key_type_supported(pkey))
		return err_set(e, "%s: key type %s is not RSA or ECDSA", name,
		    EVP_PKEY_get0_type_name(pkey));
	if (cert != NULL)
		skid = X509_get0_subject_key_id(cert);
	if (skid != NULL && ASN1_STRING_length(skid) >= 4) {
		k.skid_len = (size_t)ASN1_STRING_length(skid);
		if (k.skid_len > SKID_MAX)
			return err_set(e, "%s: SubjectKeyIdentifier of %zu "
			    "bytes (limit %d)", name, k.skid_len, SKID_MAX);
		memcpy(k.skid, ASN1_STRING_get0_data(skid), k.skid_len);
		k.keyid = load_be32(k.skid + k.skid_len - 4);
	} else if (keyid_of_pkey(pkey, &k.keyid, e) < 0)
		return err_prefix(e, "%s", name);
	dup = ima_keyring_find(kr, k.keyid);
	if (dup != NULL) {
		if (EVP_PKEY_eq(dup->pkey, pkey) == 1) {
			EVP_PKEY_free(pkey);
			X509_free(cert);
			return 0;
		}
		return err_set(e, "%s: keyid %08x is already taken by another "
		    "key (%s)", name, k.keyid, dup->name);
	}
	if (kr->n >= IMA_KEYRING_MAX)
		return err_set(e, "%s: more than %d keys", name,
		    IMA_KEYRING_MAX);
	k.pkey = pkey;
	k.cert = cert;
	snprintf(k.name, sizeof(k.name), "%s", name);
	for (i = kr->n; i > 0 && kr->keys[i - 1].keyid > k.keyid; i--)
		kr->keys[i] = kr->keys[i - 1];
	kr->keys[i] = k;
	kr->n++;
	return 0;
}

static int
add_cert(struct ima_keyring *kr, X509 *cert, const char *name,
    struct errbuf *e)
{
	EVP_PKEY *pkey = X509_get_pubkey(cert);

	if (pkey == NULL) {
		X509_free(cert);
		return err_openssl(e, name);
	}
	if (keyring_insert(kr, pkey, cert, name, e) < 0) {
		EVP_PKEY_free(pkey);
		X509_free(cert);
		return -1;
	}
	return 0;
}

static int
add_pkey(struct ima_keyring *kr, EVP_PKEY *pkey, const char *name,
    struct errbuf *e)
{
	if (keyring_insert(kr, pkey, NULL, name, e) < 0) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	return 0;
}

/* One PEM block: a certificate, a SubjectPublicKeyInfo or a PKCS#1 RSA
 * public key. Anything else (a private key) is refused. */
static int
add_pem_block(struct ima_keyring *kr, const char *type,
    const unsigned char *der, long len, const char *name, struct errbuf *e)
{
	const unsigned char *p = der;
	X509 *cert;
	EVP_PKEY *pkey;

	if (strcmp(type, PEM_STRING_X509) == 0 ||
	    strcmp(type, PEM_STRING_X509_OLD) == 0) {
		cert = d2i_X509(NULL, &p, len);
		if (cert == NULL || p != der + len) {
			X509_free(cert);
			return err_set(e, "%s: malformed certificate", name);
		}
		return add_cert(kr, cert, name, e);
	}
	if (strcmp(type, PEM_STRING_PUBLIC) == 0)
		pkey = d2i_PUBKEY(NULL, &p, len);
	else if (strcmp(type, PEM_STRING_RSA_PUBLIC) == 0)
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	else
		return err_set(e, "%s: a \"%s\" block is not a certificate or "
		    "public key", name, type);
	if (pkey == NULL || p != der + len) {
		EVP_PKEY_free(pkey);
		return err_set(e, "%s: malformed %s", name, type);
	}
	return add_pkey(kr, pkey, name, e);
}

static int
add_pem(struct ima_keyring *kr, const uint8_t *buf, size_t len,
    const char *name, struct errbuf *e)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	char *type = NULL, *header = NULL;
	unsigned char *der = NULL;
	long derlen;
	int n = 0, rc = 0;

	if (bio == NULL)
		return err_openssl(e, name);
	while (rc == 0 && PEM_read_bio(bio, &type, &header, &der, &derlen)) {
		rc = add_pem_block(kr, type, der, derlen, name, e);
		OPENSSL_free(type);
		OPENSSL_free(header);
		OPENSSL_free(der);
		n++;
	}
	/* The end of input reads as "no start line"; anything else is a
	 * block that could not be decoded. */
	if (rc == 0 && ERR_GET_REASON(ERR_peek_last_error()) !=
	    PEM_R_NO_START_LINE)
		rc = err_set(e, "%s: malformed PEM block after %d good "
		    "one(s)", name, n);
	ERR_clear_error();
	BIO_free(bio);
	if (rc == 0 && n == 0)
		return err_set(e, "%s: no PEM certificate or public key", name);
	return rc;
}

/* DER: one certificate, or one SubjectPublicKeyInfo. */
static int
add_der(struct ima_keyring *kr, const uint8_t *buf, size_t len,
    const char *name, struct errbuf *e)
{
	const unsigned char *p = buf;
	X509 *cert;
	EVP_PKEY *pkey;

	cert = d2i_X509(NULL, &p, (long)len);
	if (cert != NULL && p == buf + len)
		return add_cert(kr, cert, name, e);
	X509_free(cert);
	p = buf;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (pkey != NULL && p == buf + len)
		return add_pkey(kr, pkey, name, e);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return err_set(e, "%s: neither PEM nor one DER certificate or public "
	    "key", name);
}

int
ima_keyring_add(struct ima_keyring *kr, const uint8_t *buf, size_t len,
    const char *name, struct errbuf *e)
{
	size_t i;

	if (len == 0)
		return err_set(e, "%s: empty key file", name);
	if (len > IMA_KEY_FILE_MAX)
		return err_set(e, "%s: %zu bytes (limit %u)", name, len,
		    IMA_KEY_FILE_MAX);
	for (i = 0; i + 11 <= len; i++)
		if (memcmp(buf + i, "-----BEGIN ", 11) == 0)
			return add_pem(kr, buf, len, name, e);
	return add_der(kr, buf, len, name, e);
}

