/* tpm_ek.c - see tpm_ek.h. */
#include "collect/tpm_ek.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"
#include "collect/tpm_nv.h"

/* Attributes of the TCG EK templates. */
#define EK_ATTRS_LOW (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |	\
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |	\
	TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define EK_ATTRS_HIGH (EK_ATTRS_LOW | TPMA_OBJECT_USERWITHAUTH)

/* Policy digests of the TCG EK Credential Profile (annex B). PolicyA:
 * TPM2_PolicySecret(TPM_RH_ENDORSEMENT) in SHA-256. PolicyB:
 * PolicyOR(PolicyA, PolicyC) in SHA-256, SHA-384 and SHA-512. */
static const uint8_t policy_a_sha256[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d,
	0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
	0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};
static const uint8_t policy_b_sha256[32] = {
	0xca, 0x3d, 0x0a, 0x99, 0xa2, 0xb9, 0x39, 0x06, 0xf7, 0xa3, 0x34, 0x24,
	0x14, 0xef, 0xcf, 0xb3, 0xa3, 0x85, 0xd4, 0x4c, 0xd1, 0xfd, 0x45, 0x90,
	0x89, 0xd1, 0x9b, 0x50, 0x71, 0xc0, 0xb7, 0xa0,
};
static const uint8_t policy_b_sha384[48] = {
	0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc,
	0xf5, 0xfd, 0x3a, 0x1a, 0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4,
	0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca, 0xcb, 0x47, 0xba, 0x09,
	0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12,
};
static const uint8_t policy_b_sha512[64] = {
	0xb8, 0x22, 0x1c, 0xa6, 0x9e, 0x85, 0x50, 0xa4, 0x91, 0x4d, 0xe3, 0xfa,
	0xa6, 0xa1, 0x8c, 0x07, 0x2c, 0xc0, 0x12, 0x08, 0x07, 0x3a, 0x92, 0x8d,
	0x5d, 0x66, 0xd5, 0x9e, 0xf7, 0x9e, 0x49, 0xa4, 0x29, 0xc4, 0x1a, 0x6b,
	0x26, 0x95, 0x71, 0xd5, 0x7e, 0xdb, 0x25, 0xfb, 0xdb, 0x18, 0x38, 0x42,
	0x56, 0x08, 0xb4, 0x13, 0xcd, 0x61, 0x6a, 0x5f, 0x6d, 0xb5, 0xb6, 0x07,
	0x1a, 0xf9, 0x9b, 0xea,
};

static const struct tpm_ek_template templates[] = {
	{ "rsa2048", "TCG EK template L-1 (RSA-2048)", 0x01c00002,
	    TPM2_ALG_RSA, 2048, 0, TPM2_ALG_SHA256, 128, false },
	{ "ecc256", "TCG EK template L-2 (ECC NIST P-256)", 0x01c0000a,
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P256, TPM2_ALG_SHA256, 128, false },
	{ "rsa2048h", "TCG EK template H-1 (RSA-2048)", 0x01c00012,
	    TPM2_ALG_RSA, 2048, 0, TPM2_ALG_SHA256, 128, true },
	{ "ecc256h", "TCG EK template H-2 (ECC NIST P-256)", 0x01c00014,
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P256, TPM2_ALG_SHA256, 128, true },
	{ "ecc384h", "TCG EK template H-3 (ECC NIST P-384)", 0x01c00016,
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P384, TPM2_ALG_SHA384, 256, true },
	{ "ecc521h", "TCG EK template H-4 (ECC NIST P-521)", 0x01c00018,
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P521, TPM2_ALG_SHA512, 256, true },
	{ "rsa3072h", "TCG EK template H-6 (RSA-3072)", 0x01c0001c,
	    TPM2_ALG_RSA, 3072, 0, TPM2_ALG_SHA384, 256, true },
	{ "rsa4096h", "TCG EK template H-7 (RSA-4096)", 0x01c0001e,
	    TPM2_ALG_RSA, 4096, 0, TPM2_ALG_SHA384, 256, true },
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

const struct tpm_ek_template *
tpm_ek_templates(size_t *n)
{
	*n = NTEMPLATES;
	return templates;
}

const struct tpm_ek_template *
tpm_ek_template_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NTEMPLATES; i++)
		if (strcmp(templates[i].name, name) == 0)
			return &templates[i];
	return NULL;
}

const struct tpm_ek_template *
tpm_ek_template_by_nv(uint32_t cert_nv)
{
	size_t i;

	for (i = 0; i < NTEMPLATES; i++)
		if (templates[i].cert_nv == cert_nv)
			return &templates[i];
	return NULL;
}

static int
set_policy(const struct tpm_ek_template *t, TPM2B_DIGEST *d, struct errbuf *e)
{
	const uint8_t *p;
	size_t len;

	if (!t->high_range && t->name_alg == TPM2_ALG_SHA256) {
		p = policy_a_sha256;
		len = sizeof(policy_a_sha256);
	} else if (t->high_range && t->name_alg == TPM2_ALG_SHA256) {
		p = policy_b_sha256;
		len = sizeof(policy_b_sha256);
	} else if (t->high_range && t->name_alg == TPM2_ALG_SHA384) {
		p = policy_b_sha384;
		len = sizeof(policy_b_sha384);
	} else if (t->high_range && t->name_alg == TPM2_ALG_SHA512) {
		p = policy_b_sha512;
		len = sizeof(policy_b_sha512);
	} else
		return err_set(e, "%s: no policy for nameAlg 0x%04x", t->name,
		    t->name_alg);
	memcpy(d->buffer, p, len);
	d->size = (UINT16)len;
	return 0;
}

static size_t
curve_bytes(uint16_t curve)
{
	switch (curve) {
	case TPM2_ECC_NIST_P256:
		return 32;
	case TPM2_ECC_NIST_P384:
		return 48;
	case TPM2_ECC_NIST_P521:
		return 66;
	}
	return 0;
}

int
tpm_ek_template_public(const struct tpm_ek_template *t, TPM2B_PUBLIC *out,
    struct errbuf *e)
{
	TPMT_PUBLIC *p = &out->publicArea;
	TPMT_SYM_DEF_OBJECT *sym;

	memset(out, 0, sizeof(*out));
	p->type = t->type;
	p->nameAlg = t->name_alg;
	p->objectAttributes = t->high_range ? EK_ATTRS_HIGH : EK_ATTRS_LOW;
	if (set_policy(t, &p->authPolicy, e) != 0)
		return -1;
	if (t->type == TPM2_ALG_RSA) {
		sym = &p->parameters.rsaDetail.symmetric;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = t->bits;
		p->parameters.rsaDetail.exponent = 0;
		/* Low range: unique is zeros of the modulus size. */
		p->unique.rsa.size = t->high_range ? 0 : (UINT16)(t->bits / 8);
	} else {
		sym = &p->parameters.eccDetail.symmetric;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = t->curve;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		p->unique.ecc.x.size = t->high_range ? 0 :
		    (UINT16)curve_bytes(t->curve);
		p->unique.ecc.y.size = p->unique.ecc.x.size;
	}
	sym->algorithm = TPM2_ALG_AES;
	sym->keyBits.aes = t->aes_bits;
	sym->mode.aes = TPM2_ALG_CFB;
	return 0;
}

void
tpm_ek_init(struct tpm_ek *ek)
{
	memset(ek, 0, sizeof(*ek));
	tpm_key_init(&ek->key);
}

static void
ek_drop_cert(struct tpm_ek *ek)
{
	ekcert_free(&ek->cert);
	free(ek->cert_raw);
	ek->cert_raw = NULL;
	ek->cert_raw_len = 0;
	ek->has_cert = false;
	ek->cert_nv = 0;
}

void
tpm_ek_close(ESYS_CONTEXT *esys, struct tpm_ek *ek)
{
	tpm_key_close(esys, &ek->key);
	ek_drop_cert(ek);
}

static int
ek_set_qn(struct tpm_ek *ek, struct errbuf *e)
{
	struct tpm_name hier;

	tpm_hierarchy_qn(TPM_RH_ENDORSEMENT_HANDLE, &hier);
	return tpm_qualified_name(&hier, &ek->key.name, &ek->qn, e);
}

int
tpm_ek_create(ESYS_CONTEXT *esys, const struct tpm_ek_template *t,
    struct tpm_ek *ek, struct errbuf *e)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TSS2_RC rc;
	int ret = -1;

	tpm_ek_init(ek);
	if (tpm_ek_template_public(t, &tmpl, e) != 0)
		return -1;
	rc = Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside, &none,
	    &ek->key.tr, &pub, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ek->key.tr = ESYS_TR_NONE;
		tpm_err(e, "TPM2_CreatePrimary", rc);
		goto done;
	}
	if (tpm_key_set_public(&ek->key, pub, NULL, e) != 0 ||
	    tpm_public_check_ek(&ek->key.pub, e) != 0 ||
	    ek_set_qn(ek, e) != 0)
		goto done;
	ek->tmpl = t;
	ret = 0;
done:
	Esys_Free(pub);
	if (ret != 0) {
		tpm_ek_close(esys, ek);
		err_prefix(e, "creating the EK from %s", t->desc);
	}
	return ret;
}

/* Whether pub is what template t gives, the key itself aside. */
static bool
ek_matches_template(const TPMT_PUBLIC *pub, const struct tpm_ek_template *t)
{
	TPM2B_PUBLIC tmpl;
	TPMT_PUBLIC a, b;

	if (tpm_ek_template_public(t, &tmpl, NULL) != 0)
		return false;
	a = tmpl.publicArea;
	b = *pub;
	memset(&a.unique, 0, sizeof(a.unique));
	memset(&b.unique, 0, sizeof(b.unique));
	return a.type == b.type && a.nameAlg == b.nameAlg &&
	    a.objectAttributes == b.objectAttributes &&
	    a.authPolicy.size == b.authPolicy.size &&
	    memcmp(a.authPolicy.buffer, b.authPolicy.buffer,
	    a.authPolicy.size) == 0 &&
	    memcmp(&a.parameters, &b.parameters, sizeof(a.parameters)) == 0;
}

int
tpm_ek_open_persistent(ESYS_CONTEXT *esys, uint32_t handle, struct tpm_ek *ek,
    struct errbuf *e)
{
	size_t i;

	tpm_ek_init(ek);
	if (tpm_key_open_persistent(esys, handle, &ek->key, e) != 0)
		return -1;
	if (tpm_public_check_ek(&ek->key.pub, e) != 0 || ek_set_qn(ek, e) != 0) {
		tpm_ek_close(esys, ek);
		return err_prefix(e, "EK at 0x%08x", handle);
	}
	for (i = 0; i < NTEMPLATES; i++)
		if (ek_matches_template(&ek->key.pub.pub, &templates[i]))
			ek->tmpl = &templates[i];
	return 0;
}

/* The certificate certifies the EK: same public key. */
static int
ek_check_cert_key(const struct tpm_ek *ek, struct errbuf *e)
{
	EVP_PKEY *tpm_key = NULL;
	int eq;

	if (tpm_public_to_pkey(&ek->key.pub, &tpm_key, e) != 0)
		return err_prefix(e, "EK public key");
	eq = EVP_PKEY_eq(tpm_key, ek->cert.pkey);
	EVP_PKEY_free(tpm_key);
	if (eq != 1)
		return err_set(e, "the certificate's public key (%s) is not "
		    "the EK's", ek->cert.facts.key_desc);
	return 0;
}

int
tpm_ek_read_cert(ESYS_CONTEXT *esys, uint32_t nv, struct tpm_ek *ek,
    struct errbuf *e)
{
	ek_drop_cert(ek);
	if (tpm_nv_read(esys, nv, &ek->cert_raw, &ek->cert_raw_len, e) != 0)
		return err_prefix(e, "EK certificate");
	if (ekcert_parse(ek->cert_raw, ek->cert_raw_len, &ek->cert, e) != 0) {
		ek_drop_cert(ek);
		return err_prefix(e, "EK certificate at NV 0x%08x", nv);
	}
	ek->has_cert = true;
	ek->cert_nv = nv;
	if (ek_check_cert_key(ek, e) != 0) {
		ek_drop_cert(ek);
		return err_prefix(e, "EK certificate at NV 0x%08x", nv);
	}
	return 0;
}

int
tpm_ek_find(ESYS_CONTEXT *esys, uint32_t persistent, struct tpm_ek *ek,
    struct errbuf *e)
{
	const struct tpm_ek_template *t = NULL;
	bool exists = false;
	size_t i;
	int defined = 0;

	tpm_ek_init(ek);
	for (i = 0; i < NTEMPLATES && !defined; i++) {
		if (tpm_nv_defined(esys, templates[i].cert_nv, &defined, e) != 0)
			return err_prefix(e, "looking for EK certificates");
		if (defined)
			t = &templates[i];
	}
	if (t == NULL)
		return err_set(e, "no EK certificate in NV at any index of the "
		    "TCG EK templates (0x01c00002, 0x01c0000a, 0x01c00012-"
		    "0x01c0001e)");
	if (persistent != 0 &&
	    tpm_persistent_exists(esys, persistent, &exists, e) != 0)
		return -1;
	if (exists) {
		if (tpm_ek_open_persistent(esys, persistent, ek, e) != 0)
			return -1;
		if (ek->tmpl != t) {
			tpm_ek_close(esys, ek);
			exists = false;	/* another key: create ours */
		}
	}
	if (!exists && tpm_ek_create(esys, t, ek, e) != 0)
		return -1;
	if (tpm_ek_read_cert(esys, t->cert_nv, ek, e) != 0) {
		tpm_ek_close(esys, ek);
		return -1;
	}
	return 0;
}

int
tpm_ek_read_chain(ESYS_CONTEXT *esys, struct tpm_ek_chain *out,
    struct errbuf *e)
{
	uint32_t idx[TPM_NV_LIST_MAX];
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (tpm_nv_list(esys, TPM_EK_CHAIN_FIRST, TPM_EK_CHAIN_LAST, idx,
	    TPM_NV_LIST_MAX, &n, e) != 0)
		return err_prefix(e, "EK chain");
	if (n > TPM_EK_CHAIN_MAX)
		return err_set(e, "EK chain: %zu NV indices (limit %d)", n,
		    TPM_EK_CHAIN_MAX);
	for (i = 0; i < n; i++) {
		if (tpm_nv_read(esys, idx[i], &out->data[i], &out->len[i],
		    e) != 0) {
			tpm_ek_chain_free(out);
			return err_prefix(e, "EK chain");
		}
		out->index[i] = idx[i];
		out->n = i + 1;
	}
	return 0;
}

void
tpm_ek_chain_free(struct tpm_ek_chain *c)
{
	size_t i;

	for (i = 0; i < c->n && i < TPM_EK_CHAIN_MAX; i++)
		free(c->data[i]);
	memset(c, 0, sizeof(*c));
}
