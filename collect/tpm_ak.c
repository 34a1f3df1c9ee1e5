/* tpm_ak.c - see tpm_ak.h. */
#include "collect/tpm_ak.h"

#include <stdbool.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"

int
tpm_ak_kind_parse(const char *s, enum tpm_ak_kind *out)
{
	if (strcmp(s, "rsa") == 0 || strcmp(s, "rsa2048") == 0)
		*out = TPM_AK_RSA2048_RSASSA_SHA256;
	else if (strcmp(s, "ecc") == 0 || strcmp(s, "ecc256") == 0)
		*out = TPM_AK_P256_ECDSA_SHA256;
	else
		return -1;
	return 0;
}

void
tpm_ak_init(struct tpm_ak *ak)
{
	memset(ak, 0, sizeof(*ak));
	tpm_key_init(&ak->key);
}

void
tpm_ak_close(ESYS_CONTEXT *esys, struct tpm_ak *ak)
{
	tpm_key_close(esys, &ak->key);
}

void
tpm_ak_template(enum tpm_ak_kind kind, TPM2B_PUBLIC *out)
{
	TPMT_PUBLIC *p = &out->publicArea;

	memset(out, 0, sizeof(*out));
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPM_AK_ATTRIBUTES;
	if (kind == TPM_AK_P256_ECDSA_SHA256) {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->parameters.eccDetail.scheme.details.ecdsa.hashAlg =
		    TPM2_ALG_SHA256;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	} else {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		p->parameters.rsaDetail.scheme.details.rsassa.hashAlg =
		    TPM2_ALG_SHA256;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
	}
}

/* Whether a public area marshals to the bytes of p. */
static bool
same_public(const TPM2B_PUBLIC *a, const struct tpm_public *p)
{
	uint8_t raw[TPM_PUBLIC_MAX_BYTES];
	size_t len = 0;

	return Tss2_MU_TPMT_PUBLIC_Marshal(&a->publicArea, raw, sizeof(raw),
	    &len) == TSS2_RC_SUCCESS && len == p->raw_len &&
	    memcmp(raw, p->raw, len) == 0;
}

/*
 * Check a loaded AK: TPM2_ReadPublic gives the public area (must be the
 * one we expect, if given), Name and Qualified Name; ours must agree.
 */
static int
ak_check_loaded(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    const TPM2B_PUBLIC *expect, struct tpm_ak *ak, struct errbuf *e)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qn = NULL;
	TSS2_RC rc;
	int ret = -1;

	rc = Esys_ReadPublic(esys, ak->key.tr, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &pub, &name, &qn);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_ReadPublic", rc);
		goto done;
	}
	if (tpm_key_set_public(&ak->key, pub, name, e) != 0)
		goto done;
	if (expect != NULL && !same_public(expect, &ak->key.pub)) {
		err_set(e, "the loaded key's public area is not the one given");
		goto done;
	}
	if (tpm_public_check_ak(&ak->key.pub, e) != 0)
		goto done;
	if (tpm_qualified_name(&ek->qn, &ak->key.name, &ak->qn, e) != 0)
		goto done;
	if (qn->size != ak->qn.len ||
	    memcmp(qn->name, ak->qn.b, ak->qn.len) != 0) {
		err_set(e, "the TPM's Qualified Name of the AK differs from "
		    "ours: the AK is not a child of this EK");
		goto done;
	}
	ret = 0;
done:
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qn);
	return ret;
}

/* TPM2_Load of priv/pub under ek into ak->key (transient). */
static int
ak_load_blobs(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    const TPM2B_PRIVATE *priv, const TPM2B_PUBLIC *pub, struct tpm_ak *ak,
    struct errbuf *e)
{
	ESYS_TR s;
	TSS2_RC rc;

	if (tpm_ek_session_start(esys, &ek->key, &s, e) != 0)
		return -1;
	rc = Esys_Load(esys, ek->key.tr, s, ESYS_TR_NONE, ESYS_TR_NONE, priv,
	    pub, &ak->key.tr);
	tpm_session_end(esys, &s);
	if (rc != TSS2_RC_SUCCESS) {
		ak->key.tr = ESYS_TR_NONE;
		return tpm_err(e, "TPM2_Load", rc);
	}
	ak->key.persistent = 0;
	ak->priv = *priv;
	return ak_check_loaded(esys, ek, pub, ak, e);
}

int
tpm_ak_create(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    enum tpm_ak_kind kind, struct tpm_ak *ak, struct errbuf *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	ESYS_TR s;
	TSS2_RC rc;
	int ret = -1;

	tpm_ak_init(ak);
	tpm_ak_template(kind, &tmpl);
	if (tpm_ek_session_start(esys, &ek->key, &s, e) != 0)
		return err_prefix(e, "creating the AK");
	rc = Esys_Create(esys, ek->key.tr, s, ESYS_TR_NONE, ESYS_TR_NONE,
	    &sens, &tmpl, &outside, &none, &priv, &pub, NULL, NULL, NULL);
	tpm_session_end(esys, &s);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_Create", rc);
		goto done;
	}
	if (ak_load_blobs(esys, ek, priv, pub, ak, e) != 0)
		goto done;
	ret = 0;
done:
	Esys_Free(priv);
	Esys_Free(pub);
	if (ret != 0) {
		tpm_ak_close(esys, ak);
		err_prefix(e, "creating the AK");
	}
	return ret;
}

int
tpm_ak_load(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    const TPM2B_PRIVATE *priv, const uint8_t *pub2b, size_t pub2b_len,
    struct tpm_ak *ak, struct errbuf *e)
{
	struct tpm_public parsed;
	TPM2B_PUBLIC pub = { 0 };

	tpm_ak_init(ak);
	if (tpm_public_parse_2b(pub2b, pub2b_len, &parsed, e) != 0 ||
	    tpm_public_check_ak(&parsed, e) != 0)
		return err_prefix(e, "loading the AK");
	pub.size = (UINT16)parsed.raw_len;
	pub.publicArea = parsed.pub;
	if (ak_load_blobs(esys, ek, priv, &pub, ak, e) != 0) {
		tpm_ak_close(esys, ak);
		return err_prefix(e, "loading the AK");
	}
	return 0;
}

int
tpm_ak_open_persistent(ESYS_CONTEXT *esys, const struct tpm_ek *ek,
    uint32_t handle, struct tpm_ak *ak, struct errbuf *e)
{
	tpm_ak_init(ak);
	if (tpm_key_open_persistent(esys, handle, &ak->key, e) != 0)
		return err_prefix(e, "AK");
	if (ak_check_loaded(esys, ek, NULL, ak, e) != 0) {
		tpm_ak_close(esys, ak);
		return err_prefix(e, "AK at 0x%08x", handle);
	}
	return 0;
}

int
tpm_ak_private_marshal(const TPM2B_PRIVATE *priv, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	size_t off = 0;

	if (priv->size == 0 ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, out, cap, &off) !=
	    TSS2_RC_SUCCESS)
		return err_set(e, "cannot marshal the AK private blob");
	*len = off;
	return 0;
}

int
tpm_ak_private_parse(const uint8_t *buf, size_t len, TPM2B_PRIVATE *out,
    struct errbuf *e)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, len, &off, out) !=
	    TSS2_RC_SUCCESS || out->size == 0)
		return err_set(e, "malformed TPM2B_PRIVATE (%zu bytes)", len);
	if (off != len)
		return err_set(e, "TPM2B_PRIVATE followed by %zu trailing bytes",
		    len - off);
	return 0;
}
