/* tpm_tlskey.c - see tpm_tlskey.h. */
#include "collect/tpm_tlskey.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"
#include "format/tpm_sig.h"

int
tpm_tlskey_kind_parse(const char *s, enum tpm_tlskey_kind *out)
{
	if (strcmp(s, "ecc") == 0 || strcmp(s, "ecc256") == 0 ||
	    strcmp(s, "p256") == 0)
		*out = TPM_TLSKEY_P256;
	else if (strcmp(s, "rsa") == 0 || strcmp(s, "rsa2048") == 0)
		*out = TPM_TLSKEY_RSA2048;
	else
		return -1;
	return 0;
}

void
tpm_tlskey_init(struct tpm_tlskey *k)
{
	memset(k, 0, sizeof(*k));
	tpm_key_init(&k->key);
}

void
tpm_tlskey_close(ESYS_CONTEXT *esys, struct tpm_tlskey *k)
{
	tpm_key_close(esys, &k->key);
}

/* The primary tpm2-openssl builds for a blob with parent TPM_RH_OWNER
 * (see the header): keep byte for byte. */
static void
provider_primary_template(TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *p = &out->publicArea;

	memset(out, 0, sizeof(*out));
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_USERWITHAUTH |
	    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_NODA |
	    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	    TPMA_OBJECT_SENSITIVEDATAORIGIN;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.eccDetail.symmetric.keyBits.aes = 128;
	p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

static void
key_template(enum tpm_tlskey_kind kind, TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *p = &out->publicArea;

	memset(out, 0, sizeof(*out));
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPM_TLSKEY_ATTRIBUTES;
	if (kind == TPM_TLSKEY_P256) {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	} else {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
	}
}

/* ESYS handle of the parent into *tr; *flush says whether it is a
 * transient primary to flush (else a persistent handle to close). */
static int
parent_open(ESYS_CONTEXT *esys, uint32_t parent, ESYS_TR *tr, bool *flush,
    struct errbuf *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC tmpl;
	struct tpm_key pk;
	TPMA_OBJECT a;
	TSS2_RC rc;

	*tr = ESYS_TR_NONE;
	*flush = false;
	if (parent == TPM_TLSKEY_PARENT_OWNER) {
		provider_primary_template(&tmpl);
		rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER,
		    ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
		    &outside, &none, tr, NULL, NULL, NULL, NULL);
		if (rc != TSS2_RC_SUCCESS) {
			*tr = ESYS_TR_NONE;
			tpm_err(e, "TPM2_CreatePrimary(owner, ECC P-256 storage "
			    "key of tpm2-openssl)", rc);
			return err_prefix(e, "parent");
		}
		*flush = true;
		return 0;
	}
	if (tpm_key_open_persistent(esys, parent, &pk, e) != 0)
		return err_prefix(e, "parent");
	a = pk.pub.pub.objectAttributes;
	if (!(a & TPMA_OBJECT_RESTRICTED) || !(a & TPMA_OBJECT_DECRYPT) ||
	    (a & TPMA_OBJECT_SIGN_ENCRYPT)) {
		tpm_key_close(esys, &pk);
		return err_set(e, "parent 0x%08x is not a storage key (a "
		    "restricted decryption key)", parent);
	}
	*tr = pk.tr;
	return 0;
}

static void
parent_close(ESYS_CONTEXT *esys, ESYS_TR *tr, bool flush)
{
	if (*tr == ESYS_TR_NONE)
		return;
	if (flush)
		Esys_FlushContext(esys, *tr);
	else
		Esys_TR_Close(esys, tr);
	*tr = ESYS_TR_NONE;
}

int
tpm_tlskey_create(ESYS_CONTEXT *esys, enum tpm_tlskey_kind kind,
    uint32_t parent, struct tpm_tlskey *k, struct errbuf *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC tmpl, *pub = NULL, *rpub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_NAME *name = NULL;
	ESYS_TR ptr = ESYS_TR_NONE;
	bool flush = false;
	TSS2_RC rc;
	int ret = -1;

	tpm_tlskey_init(k);
	k->parent = parent;
	key_template(kind, &tmpl);
	if (parent_open(esys, parent, &ptr, &flush, e) != 0)
		goto done;
	rc = Esys_Create(esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &sens, &tmpl, &outside, &none, &priv, &pub, NULL,
	    NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_Create", rc);
		goto done;
	}
	rc = Esys_Load(esys, ptr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, priv, pub, &k->key.tr);
	if (rc != TSS2_RC_SUCCESS) {
		k->key.tr = ESYS_TR_NONE;
		tpm_err(e, "TPM2_Load", rc);
		goto done;
	}
	parent_close(esys, &ptr, flush);
	rc = Esys_ReadPublic(esys, k->key.tr, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &rpub, &name, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_ReadPublic", rc);
		goto done;
	}
	if (tpm_key_set_public(&k->key, rpub, name, e) != 0)
		goto done;
	if (k->key.pub.pub.objectAttributes != TPM_TLSKEY_ATTRIBUTES) {
		err_set(e, "the TPM made a key with attributes 0x%08x, not "
		    "0x%08x", (unsigned)k->key.pub.pub.objectAttributes,
		    (unsigned)TPM_TLSKEY_ATTRIBUTES);
		goto done;
	}
	k->priv = *priv;
	k->pub = *pub;
	ret = 0;
done:
	parent_close(esys, &ptr, flush);
	Esys_Free(priv);
	Esys_Free(pub);
	Esys_Free(rpub);
	Esys_Free(name);
	if (ret != 0) {
		tpm_tlskey_close(esys, k);
		err_prefix(e, "creating the TLS key");
	}
	return ret;
}

int
tpm_tlskey_sign_sha256(ESYS_CONTEXT *esys, const struct tpm_tlskey *k,
    const uint8_t digest[32], uint8_t *sig, size_t cap, size_t *sig_len,
    struct errbuf *e)
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { 0 };
	TPMT_TK_HASHCHECK ticket = {
		.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL,
	};
	TPMT_SIGNATURE *s = NULL;
	const TPM2B_PUBLIC_KEY_RSA *rsa;
	TSS2_RC rc;
	int ret = -1;

	memcpy(d.buffer, digest, 32);
	scheme.scheme = k->key.pub.pub.type == TPM2_ALG_ECC ? TPM2_ALG_ECDSA :
	    TPM2_ALG_RSASSA;
	scheme.details.any.hashAlg = TPM2_ALG_SHA256;
	rc = Esys_Sign(esys, k->key.tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &d, &scheme, &ticket, &s);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_Sign", rc);
	if (s->sigAlg != scheme.scheme) {
		err_set(e, "TPM2_Sign answered with scheme 0x%04x",
		    (unsigned)s->sigAlg);
		goto done;
	}
	if (s->sigAlg == TPM2_ALG_ECDSA) {
		if (cap < TPM_SIG_ECDSA_DER_MAX) {
			err_set(e, "no room for the ECDSA signature");
			goto done;
		}
		if (tpm_signature_ecdsa_der(&s->signature.ecdsa, sig, sig_len,
		    e) != 0)
			goto done;
	} else {
		rsa = &s->signature.rsassa.sig;
		if (rsa->size > cap) {
			err_set(e, "no room for the RSA signature");
			goto done;
		}
		memcpy(sig, rsa->buffer, rsa->size);
		*sig_len = rsa->size;
	}
	ret = 0;
done:
	Esys_Free(s);
	return ret;
}

/* DER tag and length (definite form) at out + *off. */
static int
der_head(uint8_t *out, size_t cap, size_t *off, uint8_t tag, size_t len)
{
	uint8_t lb[4];
	size_t n = 0, i;

	if (len < 0x80) {
		lb[n++] = (uint8_t)len;
	} else {
		size_t v = len, k = 0;

		while (v > 0) {
			k++;
			v >>= 8;
		}
		if (k > 3)
			return -1;
		lb[n++] = (uint8_t)(0x80 | k);
		for (i = k; i > 0; i--)
			lb[n++] = (uint8_t)(len >> (8 * (i - 1)));
	}
	if (cap - *off < 1 + n)
		return -1;
	out[(*off)++] = tag;
	memcpy(out + *off, lb, n);
	*off += n;
	return 0;
}

/* Length of a DER tag+length+contents for contents of len bytes. */
static size_t
der_size(size_t len)
{
	return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4) +
	    len;
}

static int
der_put(uint8_t *out, size_t cap, size_t *off, uint8_t tag,
    const uint8_t *p, size_t len)
{
	if (der_head(out, cap, off, tag, len) != 0 || cap - *off < len)
		return -1;
	memcpy(out + *off, p, len);
	*off += len;
	return 0;
}

int
tpm_tlskey_der(const struct tpm_tlskey *k, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	/* 2.23.133.10.1.3 (TCG loadableKey) and [0] EXPLICIT BOOLEAN TRUE */
	static const uint8_t oid[] = { 0x67, 0x81, 0x05, 0x0a, 0x01, 0x03 };
	static const uint8_t empty_auth[] = { 0x01, 0x01, 0xff };
	uint8_t pub[sizeof(TPM2B_PUBLIC)], priv[sizeof(TPM2B_PRIVATE)];
	uint8_t parent[5];
	size_t publen = 0, privlen = 0, plen, body, off = 0;

	if (k->priv.size == 0 || k->pub.size == 0)
		return err_set(e, "no key blobs to write (a persistent key "
		    "has no TSS2 PRIVATE KEY file)");
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(&k->pub, pub, sizeof(pub), &publen) !=
	    TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(&k->priv, priv, sizeof(priv),
	    &privlen) != TSS2_RC_SUCCESS)
		return err_set(e, "cannot marshal the key blobs");
	/* parent as a positive INTEGER: a leading 0 when the top bit is set
	 * (0x81000001 is 02 05 00 81 00 00 01). */
	plen = 0;
	if (k->parent & 0x80000000u)
		parent[plen++] = 0;
	parent[plen++] = (uint8_t)(k->parent >> 24);
	parent[plen++] = (uint8_t)(k->parent >> 16);
	parent[plen++] = (uint8_t)(k->parent >> 8);
	parent[plen++] = (uint8_t)k->parent;
	body = der_size(sizeof(oid)) + der_size(sizeof(empty_auth)) +
	    der_size(plen) + der_size(publen) + der_size(privlen);
	if (der_head(out, cap, &off, 0x30, body) != 0 ||
	    der_put(out, cap, &off, 0x06, oid, sizeof(oid)) != 0 ||
	    der_put(out, cap, &off, 0xa0, empty_auth, sizeof(empty_auth)) != 0 ||
	    der_put(out, cap, &off, 0x02, parent, plen) != 0 ||
	    der_put(out, cap, &off, 0x04, pub, publen) != 0 ||
	    der_put(out, cap, &off, 0x04, priv, privlen) != 0)
		return err_set(e, "no room for the TSS2 PRIVATE KEY (%zu bytes)",
		    cap);
	*len = off;
	return 0;
}
