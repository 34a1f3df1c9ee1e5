/* cose.c - see cose.h. */
#include "format/cose.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "format/tpm_sig.h"

#define COSE_RSA_MIN_BITS	2048
#define SIG_CONTEXT		"Signature1"

static const struct cose_alg {
	int64_t alg;
	const char *name;
	uint16_t scheme;	/* TPM2_ALG_ECDSA, _RSAPSS, _RSASSA */
	uint16_t hash;		/* TPM hash id */
	int curve_nid;		/* OpenSSL curve, 0 for RSA */
	uint16_t tpm_curve;	/* TPM2_ECC_NIST_P256 ..., 0 for RSA */
	size_t coord;		/* r and s bytes, 0 for RSA */
} cose_algs[] = {
	{ COSE_ALG_ES256, "ES256", TPM2_ALG_ECDSA, TPM2_ALG_SHA256,
	    NID_X9_62_prime256v1, TPM2_ECC_NIST_P256, 32 },
	{ COSE_ALG_ES384, "ES384", TPM2_ALG_ECDSA, TPM2_ALG_SHA384,
	    NID_secp384r1, TPM2_ECC_NIST_P384, 48 },
	{ COSE_ALG_PS256, "PS256", TPM2_ALG_RSAPSS, TPM2_ALG_SHA256, 0, 0, 0 },
	{ COSE_ALG_RS256, "RS256", TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, 0, 0 },
};

static const struct cose_alg *
alg_find(int64_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(cose_algs) / sizeof(cose_algs[0]); i++)
		if (cose_algs[i].alg == alg)
			return &cose_algs[i];
	return NULL;
}

static const struct cose_alg *
alg_get(int64_t alg, struct errbuf *e)
{
	const struct cose_alg *a = alg_find(alg);

	if (a == NULL)
		err_set(e, "COSE algorithm %lld is not supported (ES256, "
		    "ES384, PS256, RS256 are)", (long long)alg);
	return a;
}

const char *
cose_alg_name(int64_t alg)
{
	const struct cose_alg *a = alg_find(alg);

	return a != NULL ? a->name : NULL;
}

const struct hashalg *
cose_alg_hash(int64_t alg)
{
	const struct cose_alg *a = alg_find(alg);

	return a != NULL ? hashalg_by_tpm(a->hash) : NULL;
}

int
cose_alg_for_tpm_public(const TPMT_PUBLIC *pub, int64_t *alg,
    struct errbuf *e)
{
	uint16_t scheme, hash, curve = 0;
	size_t i;

	if (pub->type == TPM2_ALG_RSA) {
		scheme = pub->parameters.rsaDetail.scheme.scheme;
		hash = pub->parameters.rsaDetail.scheme.details.anySig.hashAlg;
		if (pub->parameters.rsaDetail.keyBits < COSE_RSA_MIN_BITS)
			return err_set(e, "RSA key of %u bits (COSE needs at "
			    "least %d)", pub->parameters.rsaDetail.keyBits,
			    COSE_RSA_MIN_BITS);
	} else if (pub->type == TPM2_ALG_ECC) {
		scheme = pub->parameters.eccDetail.scheme.scheme;
		hash = pub->parameters.eccDetail.scheme.details.anySig.hashAlg;
		curve = pub->parameters.eccDetail.curveID;
	} else
		return err_set(e, "key type 0x%04x cannot sign COSE messages",
		    pub->type);
	if (scheme == TPM2_ALG_NULL)
		return err_set(e, "the key has no fixed signing scheme");
	for (i = 0; i < sizeof(cose_algs) / sizeof(cose_algs[0]); i++)
		if (cose_algs[i].scheme == scheme && cose_algs[i].hash == hash &&
		    cose_algs[i].tpm_curve == curve) {
			*alg = cose_algs[i].alg;
			return 0;
		}
	return err_set(e, "no COSE algorithm for the key's scheme 0x%04x, "
	    "hash 0x%04x, curve 0x%04x (RSASSA/RSAPSS-SHA256, ECDSA-SHA256 on "
	    "P-256 and ECDSA-SHA384 on P-384 have one)", scheme, hash, curve);
}

static int
key_curve_nid(EVP_PKEY *key)
{
	char name[64];
	size_t n = 0;
	int nid;

	if (EVP_PKEY_get_group_name(key, name, sizeof(name), &n) != 1)
		return NID_undef;
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

int
cose_alg_check_key(int64_t alg, EVP_PKEY *key, struct errbuf *e)
{
	const struct cose_alg *a = alg_get(alg, e);
	int id;

	if (a == NULL)
		return -1;
	id = EVP_PKEY_get_base_id(key);
	if (a->curve_nid != 0) {
		if (id != EVP_PKEY_EC)
			return err_set(e, "%s needs an EC key, this key is "
			    "not one", a->name);
		if (key_curve_nid(key) != a->curve_nid)
			return err_set(e, "%s needs a %s key, this key is on "
			    "another curve", a->name, OBJ_nid2sn(a->curve_nid));
		return 0;
	}
	if (id != EVP_PKEY_RSA)
		return err_set(e, "%s needs an RSA key, this key is not one",
		    a->name);
	if (EVP_PKEY_get_bits(key) < COSE_RSA_MIN_BITS)
		return err_set(e, "%s: RSA key of %d bits (at least %d needed)",
		    a->name, EVP_PKEY_get_bits(key), COSE_RSA_MIN_BITS);
	return 0;
}

static int
wr_error(struct cbor_wr *w, struct errbuf *e)
{
	return err_set(e, "%s", w->err.msg);
}

int
cose_protected_encode(const struct cose_header *h, uint8_t *out, size_t *len,
    struct errbuf *e)
{
	bool has_ct = h->content_type[0] != '\0';
	struct cbor_wr w;
	uint8_t *buf;
	size_t n;

	if (alg_get(h->alg, e) == NULL)
		return -1;
	if (h->kid_len == 0 || h->kid_len > COSE_KID_MAX)
		return err_set(e, "COSE kid of %zu bytes (1 to %d allowed)",
		    h->kid_len, COSE_KID_MAX);
	cbor_wr_init(&w, COSE_PROTECTED_MAX);
	cbor_wr_map(&w, has_ct ? 3 : 2);
	cbor_wr_uint(&w, COSE_HDR_ALG);
	cbor_wr_int(&w, h->alg);
	if (has_ct) {
		cbor_wr_uint(&w, COSE_HDR_CONTENT_TYPE);
		cbor_wr_tstr(&w, h->content_type, strnlen(h->content_type,
		    COSE_CONTENT_TYPE_MAX));
	}
	cbor_wr_uint(&w, COSE_HDR_KID);
	cbor_wr_bstr(&w, h->kid, h->kid_len);
	if (cbor_wr_finish(&w, &buf, &n, e) != 0)
		return err_prefix(e, "COSE protected header");
	memcpy(out, buf, n);
	*len = n;
	free(buf);
	return 0;
}

int
cose_sig_structure(const uint8_t *protected_hdr, size_t protected_len,
    const uint8_t *payload, size_t payload_len, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	struct cbor_wr w;

	if (payload_len > COSE_PAYLOAD_MAX || protected_len >
	    COSE_PROTECTED_MAX)
		return err_set(e, "COSE payload of %zu bytes exceeds the limit "
		    "of %u", payload_len, COSE_PAYLOAD_MAX);
	cbor_wr_init(&w, payload_len + protected_len + 64);
	cbor_wr_array(&w, 4);
	cbor_wr_tstr_z(&w, SIG_CONTEXT);
	cbor_wr_bstr(&w, protected_hdr, protected_len);
	cbor_wr_bstr(&w, NULL, 0);
	cbor_wr_bstr(&w, payload, payload_len);
	if (cbor_wr_finish(&w, out, len, e) != 0)
		return err_prefix(e, "COSE Sig_structure");
	return 0;
}

int
cose_tbs_init(struct cose_tbs *t, const struct cose_header *h,
    const uint8_t *payload, size_t payload_len, struct errbuf *e)
{
	memset(t, 0, sizeof(*t));
	t->hdr = *h;
	if (cose_protected_encode(h, t->protected_hdr, &t->protected_len,
	    e) != 0)
		return -1;
	return cose_sig_structure(t->protected_hdr, t->protected_len, payload,
	    payload_len, &t->sig_structure, &t->sig_structure_len, e);
}

void
cose_tbs_free(struct cose_tbs *t)
{
	free(t->sig_structure);
	t->sig_structure = NULL;
	t->sig_structure_len = 0;
}

/* Unsigned big-endian integer p[0..n) left-padded into out[0..size). */
static int
pad_coord(const uint8_t *p, size_t n, uint8_t *out, size_t size,
    struct errbuf *e)
{
	while (n > size && *p == 0) {
		p++;
		n--;
	}
	if (n > size)
		return err_set(e, "ECDSA value of %zu bytes does not fit the "
		    "curve's %zu", n, size);
	memset(out, 0, size - n);
	if (n > 0)
		memcpy(out + size - n, p, n);
	return 0;
}

int
cose_signature_from_tpm(int64_t alg, const TPMT_SIGNATURE *sig, uint8_t *out,
    size_t *len, struct errbuf *e)
{
	const struct cose_alg *a = alg_get(alg, e);
	const TPMS_SIGNATURE_ECC *ecc = &sig->signature.ecdsa;
	const TPM2B_PUBLIC_KEY_RSA *rsa = &sig->signature.rsassa.sig;
	char desc[32];

	if (a == NULL)
		return -1;
	if (sig->sigAlg != a->scheme || sig->signature.any.hashAlg != a->hash) {
		tpm_signature_describe(sig, desc, sizeof(desc));
		return err_set(e, "a %s TPM signature cannot make a %s COSE "
		    "signature", desc, a->name);
	}
	if (a->coord == 0) {
		if (rsa->size == 0 || rsa->size > COSE_SIGNATURE_MAX ||
		    rsa->size > sizeof(rsa->buffer))
			return err_set(e, "RSA signature of %u bytes", rsa->size);
		memcpy(out, rsa->buffer, rsa->size);
		*len = rsa->size;
		return 0;
	}
	if (ecc->signatureR.size > sizeof(ecc->signatureR.buffer) ||
	    ecc->signatureS.size > sizeof(ecc->signatureS.buffer))
		return err_set(e, "ECDSA r or s too large");
	if (pad_coord(ecc->signatureR.buffer, ecc->signatureR.size, out,
	    a->coord, e) != 0 || pad_coord(ecc->signatureS.buffer,
	    ecc->signatureS.size, out + a->coord, a->coord, e) != 0)
		return err_prefix(e, "%s", a->name);
	*len = 2 * a->coord;
	return 0;
}

static int
set_rsa_padding(EVP_PKEY_CTX *pctx, const struct cose_alg *a,
    struct errbuf *e)
{
	if (a->scheme == TPM2_ALG_RSASSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		return err_openssl(e, "RSASSA padding");
	if (a->scheme == TPM2_ALG_RSAPSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
		return err_openssl(e, "RSAPSS padding");
	return 0;
}

/* DER ECDSA-Sig-Value to r || s of a->coord bytes each. */
static int
ecdsa_der_to_raw(const struct cose_alg *a, const uint8_t *der, size_t n,
    uint8_t *out, struct errbuf *e)
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	int rc = -1;

	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)n)) == NULL)
		return err_openssl(e, "ECDSA signature");
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, (int)a->coord) < 0 ||
	    BN_bn2binpad(s, out + a->coord, (int)a->coord) < 0)
		err_set(e, "ECDSA value does not fit %zu bytes", a->coord);
	else
		rc = 0;
	ECDSA_SIG_free(sig);
	return rc;
}

int
cose_sign_pkey(int64_t alg, EVP_PKEY *key, const uint8_t *msg, size_t len,
    uint8_t *out, size_t *out_len, struct errbuf *e)
{
	const struct cose_alg *a = alg_get(alg, e);
	uint8_t sig[COSE_SIGNATURE_MAX + 16];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx;
	size_t n = sizeof(sig);
	int rc = -1;

	if (a == NULL || cose_alg_check_key(alg, key, e) != 0)
		return -1;
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "EVP_MD_CTX_new");
	if (EVP_DigestSignInit(mctx, &pctx, hashalg_md(cose_alg_hash(alg)),
	    NULL, key) != 1) {
		err_openssl(e, "signing setup");
		goto out;
	}
	if (a->coord == 0 && set_rsa_padding(pctx, a, e) != 0)
		goto out;
	if (EVP_DigestSign(mctx, NULL, &n, msg, len) != 1 || n > sizeof(sig) ||
	    EVP_DigestSign(mctx, sig, &n, msg, len) != 1) {
		err_openssl(e, "signing");
		goto out;
	}
	if (a->coord == 0) {
		if (n > COSE_SIGNATURE_MAX) {
			err_set(e, "RSA signature of %zu bytes", n);
			goto out;
		}
		memcpy(out, sig, n);
		*out_len = n;
	} else {
		if (ecdsa_der_to_raw(a, sig, n, out, e) != 0)
			goto out;
		*out_len = 2 * a->coord;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

int
cose_verify_signature(int64_t alg, EVP_PKEY *key, const uint8_t *msg,
    size_t len, const uint8_t *sig, size_t sig_len, struct errbuf *e)
{
	const struct cose_alg *a = alg_get(alg, e);
	TPMT_SIGNATURE ts;

	if (a == NULL || cose_alg_check_key(alg, key, e) != 0)
		return -1;
	memset(&ts, 0, sizeof(ts));
	ts.sigAlg = a->scheme;
	if (a->coord == 0) {
		if (sig_len == 0 || sig_len > sizeof(ts.signature.rsassa.sig.buffer))
			return err_set(e, "%s signature of %zu bytes", a->name,
			    sig_len);
		ts.signature.rsassa.hash = a->hash;
		ts.signature.rsassa.sig.size = (UINT16)sig_len;
		memcpy(ts.signature.rsassa.sig.buffer, sig, sig_len);
	} else {
		if (sig_len != 2 * a->coord)
			return err_set(e, "%s signature of %zu bytes (r || s "
			    "of %zu bytes expected)", a->name, sig_len,
			    2 * a->coord);
		ts.signature.ecdsa.hash = a->hash;
		ts.signature.ecdsa.signatureR.size = (UINT16)a->coord;
		memcpy(ts.signature.ecdsa.signatureR.buffer, sig, a->coord);
		ts.signature.ecdsa.signatureS.size = (UINT16)a->coord;
		memcpy(ts.signature.ecdsa.signatureS.buffer, sig + a->coord,
		    a->coord);
	}
	return tpm_signature_verify(key, NULL, &ts, msg, len, e);
}

int
cose_sign1_write(struct cbor_wr *w, const struct cose_tbs *t,
    const uint8_t *payload, size_t payload_len, const uint8_t *sig,
    size_t sig_len, struct errbuf *e)
{
	cbor_wr_tag(w, COSE_TAG_SIGN1);
	cbor_wr_array(w, 4);
	cbor_wr_bstr(w, t->protected_hdr, t->protected_len);
	cbor_wr_map(w, 0);
	if (payload == NULL)
		cbor_wr_null(w);
	else
		cbor_wr_bstr(w, payload, payload_len);
	if (cbor_wr_bstr(w, sig, sig_len) != 0)
		return wr_error(w, e);
	return 0;
}

int
cose_sign1_write_tpm(struct cbor_wr *w, const struct cose_tbs *t,
    const uint8_t *payload, size_t payload_len, const TPMT_SIGNATURE *sig,
    struct errbuf *e)
{
	uint8_t raw[COSE_SIGNATURE_MAX];
	size_t n;

	if (cose_signature_from_tpm(t->hdr.alg, sig, raw, &n, e) != 0)
		return -1;
	return cose_sign1_write(w, t, payload, payload_len, raw, n, e);
}

int
cose_sign1_write_pkey(struct cbor_wr *w, const struct cose_header *h,
    const uint8_t *payload, size_t payload_len, EVP_PKEY *key,
    struct errbuf *e)
{
	uint8_t raw[COSE_SIGNATURE_MAX];
	struct cose_tbs t;
	size_t n;
	int rc = -1;

	if (cose_tbs_init(&t, h, payload, payload_len, e) != 0)
		goto out;
	if (cose_sign_pkey(h->alg, key, t.sig_structure, t.sig_structure_len,
	    raw, &n, e) != 0)
		goto out;
	rc = cose_sign1_write(w, &t, payload, payload_len, raw, n, e);
out:
	cose_tbs_free(&t);
	return rc;
}

/* ---- decoding ---------------------------------------------------------- */

enum {
	SEEN_ALG = 1 << COSE_HDR_ALG,
	SEEN_CRIT = 1 << COSE_HDR_CRIT,
	SEEN_CT = 1 << COSE_HDR_CONTENT_TYPE,
	SEEN_KID = 1 << COSE_HDR_KID,
};

/* crit: a non-empty array of labels we process; their bits in *crit. */
static int
parse_crit(struct cbor_rd *r, unsigned *crit, struct errbuf *e)
{
	size_t n, i;
	int64_t label;

	if (cbor_rd_array(r, &n, e) != 0)
		return err_prefix(e, "crit");
	if (n == 0)
		return err_set(e, "crit is an empty array");
	for (i = 0; i < n; i++) {
		if (cbor_rd_peek(r) != CBOR_DET_UINT &&
		    cbor_rd_peek(r) != CBOR_DET_NEGINT)
			return err_set(e, "critical header with a text label "
			    "not understood");
		if (cbor_rd_int(r, &label, e) != 0)
			return -1;
		if (label != COSE_HDR_ALG && label != COSE_HDR_CONTENT_TYPE &&
		    label != COSE_HDR_KID)
			return err_set(e, "critical header %lld not understood",
			    (long long)label);
		*crit |= 1u << label;
	}
	return 0;
}

static int
parse_label(struct cbor_rd *r, int64_t label, struct cose_header *h,
    unsigned *crit, struct errbuf *e)
{
	const uint8_t *p;
	size_t n;

	switch (label) {
	case COSE_HDR_ALG:
		if (cbor_rd_int(r, &h->alg, e) != 0)
			return err_prefix(e, "alg");
		return alg_get(h->alg, e) == NULL ? -1 : 0;
	case COSE_HDR_CRIT:
		return parse_crit(r, crit, e);
	case COSE_HDR_CONTENT_TYPE:
		if (cbor_rd_tstr_copy(r, h->content_type,
		    sizeof(h->content_type), e) != 0)
			return err_prefix(e, "content type");
		if (h->content_type[0] == '\0')
			return err_set(e, "empty content type");
		return 0;
	case COSE_HDR_KID:
		if (cbor_rd_bstr(r, &p, &n, e) != 0)
			return err_prefix(e, "kid");
		if (n == 0 || n > COSE_KID_MAX)
			return err_set(e, "kid of %zu bytes (1 to %d allowed)",
			    n, COSE_KID_MAX);
		memcpy(h->kid, p, n);
		h->kid_len = n;
		return 0;
	}
	return cbor_rd_skip(r, NULL, NULL, e);
}

static int
parse_protected(const uint8_t *buf, size_t len, struct cose_header *h,
    struct errbuf *e)
{
	unsigned seen = 0, crit = 0;
	struct cbor_rd r;
	size_t pairs, i;
	int64_t label;

	memset(h, 0, sizeof(*h));
	if (len == 0)
		return err_set(e, "empty (alg and kid missing)");
	if (len > COSE_PROTECTED_MAX)
		return err_set(e, "%zu bytes exceed the limit of %d", len,
		    COSE_PROTECTED_MAX);
	if (cbor_rd_open(&r, buf, len, e) != 0 ||
	    cbor_rd_map(&r, &pairs, e) != 0)
		return -1;
	for (i = 0; i < pairs; i++) {
		enum cbor_det_type t = cbor_rd_peek(&r);
		struct cbor_rd probe = r;

		/* Text labels and integers beyond int64_t: not ours, and
		 * not critical (crit accepts only 1, 3, 4): ignore. */
		if ((t != CBOR_DET_UINT && t != CBOR_DET_NEGINT) ||
		    cbor_rd_int(&probe, &label, NULL) != 0) {
			if (cbor_rd_skip(&r, NULL, NULL, e) != 0 ||
			    cbor_rd_skip(&r, NULL, NULL, e) != 0)
				return -1;
			continue;
		}
		if (cbor_rd_int(&r, &label, e) != 0 ||
		    parse_label(&r, label, h, &crit, e) != 0)
			return -1;
		if (label >= 0 && label < 8)
			seen |= 1u << label;
	}
	if (!(seen & SEEN_ALG))
		return err_set(e, "alg missing");
	if (!(seen & SEEN_KID))
		return err_set(e, "kid missing");
	if ((crit & seen) != crit)
		return err_set(e, "crit names a header that is absent");
	return 0;
}

int
cose_sign1_decode(const uint8_t *buf, size_t len, struct cose_sign1 *out,
    struct errbuf *e)
{
	struct cbor_rd r;
	size_t pairs;

	memset(out, 0, sizeof(*out));
	if (cbor_rd_open(&r, buf, len, e) != 0)
		return err_prefix(e, "COSE_Sign1");
	if (cbor_rd_tag(&r, COSE_TAG_SIGN1, e) != 0 ||
	    cbor_rd_array_n(&r, 4, e) != 0 ||
	    cbor_rd_bstr(&r, &out->protected_hdr, &out->protected_len, e) != 0)
		return err_prefix(e, "COSE_Sign1");
	if (cbor_rd_map(&r, &pairs, e) != 0)
		return err_prefix(e, "COSE_Sign1 unprotected header");
	if (pairs != 0)
		return err_set(e, "COSE_Sign1: the unprotected header is not "
		    "empty (every header must be protected)");
	if (!cbor_rd_null(&r) &&
	    cbor_rd_bstr(&r, &out->payload, &out->payload_len, e) != 0)
		return err_prefix(e, "COSE_Sign1 payload");
	if (cbor_rd_bstr(&r, &out->signature, &out->signature_len, e) != 0 ||
	    cbor_rd_end(&r, e) != 0)
		return err_prefix(e, "COSE_Sign1 signature");
	if (out->signature_len == 0 || out->signature_len > COSE_SIGNATURE_MAX)
		return err_set(e, "COSE_Sign1: signature of %zu bytes (1 to %d "
		    "allowed)", out->signature_len, COSE_SIGNATURE_MAX);
	if (out->payload != NULL && out->payload_len == 0)
		out->payload = (const uint8_t *)"";
	if (parse_protected(out->protected_hdr, out->protected_len, &out->hdr,
	    e) != 0)
		return err_prefix(e, "COSE_Sign1 protected header");
	return 0;
}

int
cose_sign1_verify(const struct cose_sign1 *msg, const uint8_t *detached,
    size_t detached_len, EVP_PKEY *key, struct errbuf *e)
{
	const uint8_t *payload = msg->payload;
	size_t payload_len = msg->payload_len;
	uint8_t *tbs;
	size_t tbs_len;
	int rc;

	if (payload == NULL && detached == NULL)
		return err_set(e, "COSE_Sign1: detached payload not supplied");
	if (payload != NULL && detached != NULL)
		return err_set(e, "COSE_Sign1: payload is embedded, not "
		    "detached");
	if (payload == NULL) {
		payload = detached;
		payload_len = detached_len;
	}
	if (cose_sig_structure(msg->protected_hdr, msg->protected_len, payload,
	    payload_len, &tbs, &tbs_len, e) != 0)
		return -1;
	rc = cose_verify_signature(msg->hdr.alg, key, tbs, tbs_len,
	    msg->signature, msg->signature_len, e);
	free(tbs);
	if (rc != 0)
		return err_prefix(e, "COSE_Sign1 %s signature",
		    cose_alg_name(msg->hdr.alg) != NULL ?
		    cose_alg_name(msg->hdr.alg) : "?");
	return 0;
}
