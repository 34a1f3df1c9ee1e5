/* tpm_public.c - see tpm_public.h. */
#include "format/tpm_public.h"

#include "format/bytes.h"
#include "format/x509_store.h"

#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

/* TPMA_OBJECT bits (TCG TPM 2.0 Part 2, TPMA_OBJECT). */
#define ATTR_FIXED_TPM		0x00000002u
#define ATTR_FIXED_PARENT	0x00000010u
#define ATTR_SENSITIVE_ORIGIN	0x00000020u
#define ATTR_USER_WITH_AUTH	0x00000040u
#define ATTR_ADMIN_WITH_POLICY	0x00000080u
#define ATTR_RESTRICTED		0x00010000u
#define ATTR_DECRYPT		0x00020000u
#define ATTR_SIGN		0x00040000u

#define TPM_CC_POLICY_SECRET	0x00000151u
#define TPM_RH_ENDORSEMENT_H	0x4000000Bu

int
tpm_public_parse(const uint8_t *buf, size_t len, struct tpm_public *out,
    struct errbuf *e)
{
	uint8_t again[TPM_PUBLIC_MAX_BYTES];
	size_t off = 0, relen = 0;

	memset(out, 0, sizeof(*out));
	if (len > TPM_PUBLIC_MAX_BYTES)
		return err_set(e, "TPMT_PUBLIC of %zu bytes exceeds the limit of %u",
		    len, TPM_PUBLIC_MAX_BYTES);
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(buf, len, &off, &out->pub) != 0)
		return err_set(e, "malformed TPMT_PUBLIC (%zu bytes)", len);
	if (off != len)
		return err_set(e, "TPMT_PUBLIC ends at byte %zu, %zu trailing bytes",
		    off, len - off);
	/* The Name is computed over the TPM's own marshaling; accept only
	 * bytes that are exactly that, so our Name is the TPM's. */
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&out->pub, again, sizeof(again), &relen) != 0 ||
	    relen != len || memcmp(again, buf, len) != 0)
		return err_set(e, "TPMT_PUBLIC is not in canonical form");
	memcpy(out->raw, buf, len);
	out->raw_len = len;
	return 0;
}

int
tpm_public_parse_2b(const uint8_t *buf, size_t len, struct tpm_public *out,
    struct errbuf *e)
{
	size_t inner;

	if (len < 2)
		return err_set(e, "TPM2B_PUBLIC truncated: %zu bytes", len);
	inner = load_be16(buf);
	if (inner == 0)
		return err_set(e, "TPM2B_PUBLIC is empty");
	if (inner != len - 2)
		return err_set(e, "TPM2B_PUBLIC size field says %zu bytes, %zu follow",
		    inner, len - 2);
	if (tpm_public_parse(buf + 2, inner, out, e) != 0)
		return err_prefix(e, "TPM2B_PUBLIC");
	return 0;
}



int
tpm_public_name(const struct tpm_public *p, struct tpm_name *out,
    struct errbuf *e)
{
	const struct hashalg *h = hashalg_by_tpm(p->pub.nameAlg);

	if (h == NULL)
		return err_set(e, "unsupported nameAlg 0x%04x", p->pub.nameAlg);
	store_be16(out->b, p->pub.nameAlg);
	if (hashalg_digest(h, p->raw, p->raw_len, out->b + 2) != 0)
		return err_set(e, "%s digest failed", h->name);
	out->len = 2 + h->size;
	return 0;
}

void
tpm_hierarchy_qn(uint32_t hierarchy_handle, struct tpm_name *out)
{
	store_be32(out->b, hierarchy_handle);
	out->len = 4;
}

int
tpm_qualified_name(const struct tpm_name *parent_qn,
    const struct tpm_name *child_name, struct tpm_name *out, struct errbuf *e)
{
	uint8_t cat[2 * TPM_NAME_MAX_BYTES];
	const struct hashalg *h;
	uint16_t alg;

	if (child_name->len < 2 || parent_qn->len > TPM_NAME_MAX_BYTES)
		return err_set(e, "malformed Name");
	alg = load_be16(child_name->b);
	if ((h = hashalg_by_tpm(alg)) == NULL || child_name->len != 2 + h->size)
		return err_set(e, "Name has unsupported algorithm 0x%04x or wrong size",
		    alg);
	memcpy(cat, parent_qn->b, parent_qn->len);
	memcpy(cat + parent_qn->len, child_name->b, child_name->len);
	store_be16(out->b, alg);
	if (hashalg_digest(h, cat, parent_qn->len + child_name->len, out->b + 2) != 0)
		return err_set(e, "%s digest failed", h->name);
	out->len = 2 + h->size;
	return 0;
}

/* --- TPM public area -> OpenSSL key --------------------------------------- */

static const struct {
	uint16_t tpm_curve;
	const char *group;	/* OpenSSL group name */
	const char *label;	/* our name for it */
	size_t field;		/* coordinate size in bytes */
} curves[] = {
	{ TPM2_ECC_NIST_P256, "P-256", "nist-p256", 32 },
	{ TPM2_ECC_NIST_P384, "P-384", "nist-p384", 48 },
	{ TPM2_ECC_NIST_P521, "P-521", "nist-p521", 66 },
};

static int
curve_index(uint16_t tpm_curve)
{
	size_t i;

	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].tpm_curve == tpm_curve)
			return (int)i;
	return -1;
}

static int
pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out,
    struct errbuf *e)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = -1;

	*out = NULL;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		err_openssl(e, "building the public key");
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return rc;
}

static int
rsa_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, struct errbuf *e)
{
	const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
	uint32_t exp = pub->parameters.rsaDetail.exponent;
	OSSL_PARAM_BLD *bld;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	int rc = -1;

	if (n->size == 0 || n->size * 8u != pub->parameters.rsaDetail.keyBits)
		return err_set(e, "RSA modulus of %u bytes does not match keyBits %u",
		    n->size, pub->parameters.rsaDetail.keyBits);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    (bn_n = BN_bin2bn(n->buffer, n->size, NULL)) == NULL ||
	    (bn_e = BN_new()) == NULL ||
	    BN_set_word(bn_e, exp == 0 ? 65537 : exp) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		err_openssl(e, "RSA key");
		goto done;
	}
	rc = pkey_from_params("RSA", bld, out, e);
done:
	BN_free(bn_n);
	BN_free(bn_e);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

static int
ecc_to_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out, struct errbuf *e)
{
	const TPMS_ECC_POINT *q = &pub->unique.ecc;
	uint8_t point[1 + 2 * 66];
	OSSL_PARAM_BLD *bld;
	EVP_PKEY_CTX *chk = NULL;
	size_t f;
	int ci, rc = -1;

	if ((ci = curve_index(pub->parameters.eccDetail.curveID)) < 0)
		return err_set(e, "unsupported ECC curve 0x%04x",
		    pub->parameters.eccDetail.curveID);
	f = curves[ci].field;
	if (q->x.size == 0 || q->x.size > f || q->y.size == 0 || q->y.size > f)
		return err_set(e, "ECC point coordinates of %u/%u bytes do not fit %s",
		    q->x.size, q->y.size, curves[ci].label);
	/* Uncompressed SEC1 point; short coordinates are left-padded. */
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + f - q->x.size, q->x.buffer, q->x.size);
	memcpy(point + 1 + 2 * f - q->y.size, q->y.buffer, q->y.size);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curves[ci].group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
	    1 + 2 * f) != 1) {
		err_openssl(e, "ECC key");
		goto done;
	}
	if (pkey_from_params("EC", bld, out, e) != 0)
		goto done;
	/*
	 * Coordinates below p and the point on the curve. The full check
	 * would also multiply the point by the group order, as costly as
	 * half a signature verification, and adds nothing on these curves:
	 * their cofactor is 1, so every point on them but infinity (which
	 * an uncompressed point cannot be) has the group's order.
	 */
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL ||
	    EVP_PKEY_public_check_quick(chk) != 1) {
		err_set(e, "ECC point is not on %s", curves[ci].label);
		EVP_PKEY_free(*out);
		*out = NULL;
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_CTX_free(chk);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int
tpm_public_to_pkey(const struct tpm_public *p, EVP_PKEY **out, struct errbuf *e)
{
	*out = NULL;
	switch (p->pub.type) {
	case TPM2_ALG_RSA:
		return rsa_to_pkey(&p->pub, out, e);
	case TPM2_ALG_ECC:
		return ecc_to_pkey(&p->pub, out, e);
	default:
		return err_set(e, "object type 0x%04x has no asymmetric public key",
		    p->pub.type);
	}
}

/* --- EK template reconstruction -------------------------------------------- */

/*
 * PolicyA of the TCG EK Credential Profile: TPM2_PolicySecret(endorsement)
 * with an empty policyRef, computed in the template's nameAlg:
 *   d = H(0^n || TPM_CC_PolicySecret || TPM_RH_ENDORSEMENT); d = H(d).
 */
static int
ek_policy_a(const struct hashalg *h, TPM2B_DIGEST *out)
{
	uint8_t buf[HASHALG_MAX_SIZE + 8], d[HASHALG_MAX_SIZE];

	memset(buf, 0, h->size);
	store_be32(buf + h->size, TPM_CC_POLICY_SECRET);
	store_be32(buf + h->size + 4, TPM_RH_ENDORSEMENT_H);
	if (hashalg_digest(h, buf, h->size + 8, d) != 0 ||
	    hashalg_digest(h, d, h->size, out->buffer) != 0)
		return -1;
	out->size = (UINT16)h->size;
	return 0;
}

struct ek_template {
	const char *desc;
	uint16_t type;
	unsigned bits;		/* RSA modulus bits, or 0 */
	uint16_t curve;		/* TPM curve, or 0 */
	uint16_t name_alg;
	uint16_t aes_bits;
	int low_range;		/* PolicyA and attributes 0x000300B2 */
};

static const struct ek_template ek_templates[] = {
	{ "TCG EK template L-1 (RSA-2048, SHA-256, AES-128-CFB)",
	    TPM2_ALG_RSA, 2048, 0, TPM2_ALG_SHA256, 128, 1 },
	{ "TCG EK template L-2 (ECC NIST P-256, SHA-256, AES-128-CFB)",
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P256, TPM2_ALG_SHA256, 128, 1 },
	{ "TCG EK high-range template (RSA-3072, SHA-384, AES-256-CFB)",
	    TPM2_ALG_RSA, 3072, 0, TPM2_ALG_SHA384, 256, 0 },
	{ "TCG EK high-range template (RSA-4096, SHA-384, AES-256-CFB)",
	    TPM2_ALG_RSA, 4096, 0, TPM2_ALG_SHA384, 256, 0 },
	{ "TCG EK high-range template (ECC NIST P-384, SHA-384, AES-256-CFB)",
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P384, TPM2_ALG_SHA384, 256, 0 },
	{ "TCG EK high-range template (ECC NIST P-521, SHA-512, AES-256-CFB)",
	    TPM2_ALG_ECC, 0, TPM2_ECC_NIST_P521, TPM2_ALG_SHA512, 256, 0 },
};

static int
bn_param_to_buf(EVP_PKEY *key, const char *param, uint8_t *out, size_t len)
{
	BIGNUM *bn = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(key, param, &bn) == 1 &&
	    BN_bn2binpad(bn, out, (int)len) == (int)len)
		rc = 0;
	BN_free(bn);
	return rc;
}

static const struct ek_template *
ek_template_for(EVP_PKEY *key, struct errbuf *e)
{
	char group[32];
	size_t i, glen = 0;
	int bits = EVP_PKEY_get_bits(key);
	uint16_t curve = 0;

	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof(group), &glen) != 1) {
			err_set(e, "EC key without a named curve");
			return NULL;
		}
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (strcasecmp(group, curves[i].group) == 0 ||
			    (strcmp(curves[i].group, "P-256") == 0 &&
			    strcmp(group, "prime256v1") == 0) ||
			    (strcmp(curves[i].group, "P-384") == 0 &&
			    strcmp(group, "secp384r1") == 0) ||
			    (strcmp(curves[i].group, "P-521") == 0 &&
			    strcmp(group, "secp521r1") == 0))
				curve = curves[i].tpm_curve;
		for (i = 0; i < sizeof(ek_templates) / sizeof(ek_templates[0]); i++)
			if (ek_templates[i].curve != 0 && ek_templates[i].curve == curve)
				return &ek_templates[i];
		err_set(e, "no TCG EK template for curve %s", group);
		return NULL;
	}
	if (EVP_PKEY_is_a(key, "RSA")) {
		for (i = 0; i < sizeof(ek_templates) / sizeof(ek_templates[0]); i++)
			if (ek_templates[i].bits == (unsigned)bits)
				return &ek_templates[i];
		err_set(e, "no TCG EK template for RSA-%d", bits);
		return NULL;
	}
	err_set(e, "EK key must be RSA or ECC");
	return NULL;
}

static int
fill_ek_unique(EVP_PKEY *key, const struct ek_template *t, TPMT_PUBLIC *pub,
    struct errbuf *e)
{
	BIGNUM *exp = NULL;
	int ci;

	if (t->type == TPM2_ALG_RSA) {
		TPMS_RSA_PARMS *r = &pub->parameters.rsaDetail;
		r->keyBits = (UINT16)t->bits;
		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &exp) != 1 ||
		    !BN_is_word(exp, 65537)) {
			BN_free(exp);
			return err_set(e, "EK exponent is not 65537, as every TCG "
			    "EK template requires");
		}
		BN_free(exp);
		r->exponent = 0;
		r->scheme.scheme = TPM2_ALG_NULL;
		pub->unique.rsa.size = (UINT16)(t->bits / 8);
		if (bn_param_to_buf(key, OSSL_PKEY_PARAM_RSA_N,
		    pub->unique.rsa.buffer, t->bits / 8) != 0)
			return err_openssl(e, "RSA modulus");
		return 0;
	}
	ci = curve_index(t->curve);
	pub->parameters.eccDetail.curveID = t->curve;
	pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	pub->unique.ecc.x.size = (UINT16)curves[ci].field;
	pub->unique.ecc.y.size = (UINT16)curves[ci].field;
	if (bn_param_to_buf(key, OSSL_PKEY_PARAM_EC_PUB_X,
	    pub->unique.ecc.x.buffer, curves[ci].field) != 0 ||
	    bn_param_to_buf(key, OSSL_PKEY_PARAM_EC_PUB_Y,
	    pub->unique.ecc.y.buffer, curves[ci].field) != 0)
		return err_openssl(e, "ECC point");
	return 0;
}

int
tpm_public_from_ek_pkey(EVP_PKEY *key, struct tpm_public *out,
    const char **template_name, struct errbuf *e)
{
	const struct ek_template *t;
	TPMT_PUBLIC *pub;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if ((t = ek_template_for(key, e)) == NULL)
		return -1;
	pub = &out->pub;
	pub->type = t->type;
	pub->nameAlg = t->name_alg;
	pub->objectAttributes = ATTR_FIXED_TPM | ATTR_FIXED_PARENT |
	    ATTR_SENSITIVE_ORIGIN | ATTR_ADMIN_WITH_POLICY | ATTR_RESTRICTED |
	    ATTR_DECRYPT | (t->low_range ? 0 : ATTR_USER_WITH_AUTH);
	/* High-range templates use PolicyB, which a public key alone does not
	 * let us rebuild; MakeCredential does not need it (only the key, the
	 * nameAlg and the symmetric definition enter it). */
	if (t->low_range &&
	    ek_policy_a(hashalg_by_tpm(t->name_alg), &pub->authPolicy) != 0)
		return err_set(e, "computing PolicyA");
	if (t->type == TPM2_ALG_RSA) {
		pub->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
		pub->parameters.rsaDetail.symmetric.keyBits.aes = t->aes_bits;
		pub->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	} else {
		pub->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		pub->parameters.eccDetail.symmetric.keyBits.aes = t->aes_bits;
		pub->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	}
	if (fill_ek_unique(key, t, pub, e) != 0)
		return -1;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, out->raw, sizeof(out->raw), &off) != 0)
		return err_set(e, "marshaling the EK template");
	out->raw_len = off;
	if (template_name != NULL)
		*template_name = t->desc;
	return 0;
}

/* --- attribute checks ------------------------------------------------------ */

struct attr_rule {
	uint32_t bit;
	int want;		/* 1: must be set, 0: must be clear */
	const char *name;
};

static int
check_attrs(const TPMT_PUBLIC *pub, const struct attr_rule *rules, size_t n,
    const char *what, struct errbuf *e)
{
	char bad[ERRBUF_MAX] = "";
	size_t i, used = 0;

	for (i = 0; i < n; i++) {
		int set = (pub->objectAttributes & rules[i].bit) != 0;
		if (set != rules[i].want)
			used += (size_t)snprintf(bad + used, sizeof(bad) - used,
			    "%s%s %s", used ? ", " : "", rules[i].name,
			    rules[i].want ? "not set" : "set");
		if (used >= sizeof(bad))
			break;
	}
	if (bad[0] != '\0')
		return err_set(e, "not %s (objectAttributes 0x%08x): %s", what,
		    pub->objectAttributes, bad);
	return 0;
}

static int
check_name_alg(const TPMT_PUBLIC *pub, struct errbuf *e)
{
	const struct hashalg *h = hashalg_by_tpm(pub->nameAlg);

	if (h == NULL)
		return err_set(e, "unsupported nameAlg 0x%04x", pub->nameAlg);
	if (h->size < 32)
		return err_set(e, "nameAlg %s is too weak (need SHA-256 or "
		    "stronger)", h->name);
	return 0;
}

int
tpm_public_check_ak(const struct tpm_public *p, struct errbuf *e)
{
	static const struct attr_rule rules[] = {
		{ ATTR_RESTRICTED, 1, "restricted" },
		{ ATTR_SIGN, 1, "sign" },
		{ ATTR_DECRYPT, 0, "decrypt" },
		{ ATTR_FIXED_TPM, 1, "fixedTPM" },
		{ ATTR_FIXED_PARENT, 1, "fixedParent" },
		{ ATTR_SENSITIVE_ORIGIN, 1, "sensitiveDataOrigin" },
	};

	if (p->pub.type != TPM2_ALG_RSA && p->pub.type != TPM2_ALG_ECC)
		return err_set(e, "not an attestation key: type 0x%04x is "
		    "neither RSA nor ECC", p->pub.type);
	if (check_attrs(&p->pub, rules, sizeof(rules) / sizeof(rules[0]),
	    "an attestation key", e) != 0)
		return -1;
	return check_name_alg(&p->pub, e);
}

int
tpm_public_check_ek(const struct tpm_public *p, struct errbuf *e)
{
	static const struct attr_rule rules[] = {
		{ ATTR_RESTRICTED, 1, "restricted" },
		{ ATTR_DECRYPT, 1, "decrypt" },
		{ ATTR_SIGN, 0, "sign" },
	};
	const TPMT_SYM_DEF_OBJECT *sym;

	if (p->pub.type == TPM2_ALG_RSA)
		sym = &p->pub.parameters.rsaDetail.symmetric;
	else if (p->pub.type == TPM2_ALG_ECC)
		sym = &p->pub.parameters.eccDetail.symmetric;
	else
		return err_set(e, "not an endorsement key: type 0x%04x is "
		    "neither RSA nor ECC", p->pub.type);
	if (check_attrs(&p->pub, rules, sizeof(rules) / sizeof(rules[0]),
	    "a storage/endorsement key", e) != 0)
		return -1;
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB)
		return err_set(e, "endorsement key symmetric definition is not "
		    "AES-CFB (algorithm 0x%04x)", sym->algorithm);
	return check_name_alg(&p->pub, e);
}

/* --- public key files -------------------------------------------------------- */

const char *
pubkey_format_name(enum pubkey_format f)
{
	switch (f) {
	case PUBKEY_TPM2B_PUBLIC:
		return "TPM2B_PUBLIC";
	case PUBKEY_TPMT_PUBLIC:
		return "TPMT_PUBLIC";
	case PUBKEY_PEM_SPKI:
		return "PEM SubjectPublicKeyInfo";
	case PUBKEY_DER_SPKI:
		return "DER SubjectPublicKeyInfo";
	}
	return "unknown";
}

static int
parse_spki(const uint8_t *buf, size_t len, struct pubkey *out, struct errbuf *e)
{
	const unsigned char *p = buf;
	BIO *bio;

	if (x509_looks_like_pem(buf, len)) {
		if (len > INT32_MAX || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return err_set(e, "PEM input too large");
		out->pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (out->pkey == NULL)
			return err_openssl(e, "PEM file without a PUBLIC KEY block");
		out->format = PUBKEY_PEM_SPKI;
		return 0;
	}
	if (len > INT32_MAX)
		return err_set(e, "input too large");
	out->pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (out->pkey == NULL)
		return err_openssl(e, "neither TPM2B_PUBLIC, TPMT_PUBLIC, PEM nor "
		    "DER SubjectPublicKeyInfo");
	if ((size_t)(p - buf) != len) {
		EVP_PKEY_free(out->pkey);
		out->pkey = NULL;
		return err_set(e, "DER SubjectPublicKeyInfo followed by %zu "
		    "trailing bytes", len - (size_t)(p - buf));
	}
	out->format = PUBKEY_DER_SPKI;
	return 0;
}

int
pubkey_parse(const uint8_t *buf, size_t len, struct pubkey *out,
    struct errbuf *e)
{
	struct errbuf ignored;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return err_set(e, "empty key file");
	/* A TPM2B_PUBLIC starts with its own size; a TPMT_PUBLIC with the
	 * type RSA (00 01) or ECC (00 23). Neither can look like the other or
	 * like DER (30 ..) within TPM_PUBLIC_MAX_BYTES. */
	if (!x509_looks_like_pem(buf, len)) {
		if (len >= 2 && (size_t)load_be16(buf) == len - 2 &&
		    tpm_public_parse_2b(buf, len, &out->tpm, e) == 0) {
			out->format = PUBKEY_TPM2B_PUBLIC;
			out->has_tpm = true;
		} else if (len >= 2 && buf[0] == 0x00 &&
		    (buf[1] == 0x01 || buf[1] == 0x23) &&
		    tpm_public_parse(buf, len, &out->tpm, &ignored) == 0) {
			out->format = PUBKEY_TPMT_PUBLIC;
			out->has_tpm = true;
		}
		if (out->has_tpm) {
			if (tpm_public_to_pkey(&out->tpm, &out->pkey, e) != 0)
				return err_prefix(e, "%s",
				    pubkey_format_name(out->format));
			return 0;
		}
		if (len >= 2 && (size_t)load_be16(buf) == len - 2)
			return -1;	/* a TPM2B_PUBLIC that failed: keep its error */
	}
	return parse_spki(buf, len, out, e);
}

void
pubkey_free(struct pubkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}
