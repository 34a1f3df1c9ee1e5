/* ima_sig.c - checking the signatures an IMA record carries (sig, modsig,
 * evmsig); the keyring they are checked with is ima_keyring.c. See
 * ima_sig.h. */
#include "format/ima_sig.h"
#include "format/ima_sig_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "format/bytes.h"
#include "format/hashalg.h"

/* xattr type bytes (enum evm_ima_xattr_type, ima-evm-utils src/imaevm.h;
 * the kernel's security/integrity/integrity.h has the same values). */
#define XATTR_IMA_DIGEST	0x01
#define XATTR_EVM_IMA_DIGSIG	0x03
#define XATTR_IMA_DIGEST_NG	0x04
#define XATTR_EVM_PORTABLE	0x05
#define XATTR_IMA_VERITY_DIGSIG	0x06

/* type(1) version(1) hash_algo(1) keyid(4) sig_size(2) */
#define SIG_HDR_LEN		9

/* Most xattrs one evm-sig record may list (the kernel knows 8). */
#define EVM_XATTRS_MAX		32

/* One parsed signature_v2_hdr (with the xattr type byte before it). */
struct sig_hdr {
	uint8_t type;
	uint8_t version;
	int hash_algo;
	uint32_t keyid;
	const uint8_t *sig;
	size_t sig_len;
};

/* ---- results --------------------------------------------------------- */

const char *
ima_sig_status_name(enum ima_sig_status s)
{
	switch (s) {
	case IMA_SIG_NONE:
		return "none";
	case IMA_SIG_UNSIGNED:
		return "unsigned";
	case IMA_SIG_VALID:
		return "valid";
	case IMA_SIG_UNKNOWN_KEY:
		return "unknown_key";
	case IMA_SIG_INVALID:
		return "invalid";
	}
	return "?";
}

static void
result_set(struct ima_sig_result *r, enum ima_sig_status st,
    const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
result_set(struct ima_sig_result *r, enum ima_sig_status st,
    const char *kind, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	r->kind = kind;
	r->why[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
}

static void
result_keyid(struct ima_sig_result *r, uint32_t keyid)
{
	r->has_keyid = true;
	r->keyid = keyid;
}

/* Rank for "worst of": invalid > unknown key > valid > unsigned > none. */
static int
status_rank(enum ima_sig_status s)
{
	switch (s) {
	case IMA_SIG_INVALID:
		return 4;
	case IMA_SIG_UNKNOWN_KEY:
		return 3;
	case IMA_SIG_VALID:
		return 2;
	case IMA_SIG_UNSIGNED:
		return 1;
	case IMA_SIG_NONE:
		return 0;
	}
	return 4;
}

static void
result_merge(struct ima_sig_result *acc, const struct ima_sig_result *one)
{
	if (status_rank(one->status) > status_rank(acc->status))
		*acc = *one;
}

/* ---- the signature primitive ----------------------------------------- */

/*
 * Verify sig over digest (dlen bytes of alg) with key: RSA PKCS#1 v1.5
 * with alg's DigestInfo, or ECDSA (DER). 1 verifies, 0 does not, -1 an
 * OpenSSL failure unrelated to the input.
 */
static int
verify_digest(EVP_PKEY *pkey, const struct hashalg *alg,
    const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen,
    struct errbuf *e)
{
	EVP_PKEY_CTX *ctx;
	int rc;

	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return err_openssl(e, "signature verification setup");
	}
	if (EVP_PKEY_is_a(pkey, "RSA") &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return err_openssl(e, "RSA padding");
	}
	if (EVP_PKEY_CTX_set_signature_md(ctx, hashalg_md(alg)) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		ERR_clear_error();
		return 0;	/* this key type cannot use alg */
	}
	rc = EVP_PKEY_verify(ctx, sig, slen, digest, dlen);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc == 1 ? 1 : 0;
}

/* ---- signature_v2_hdr ------------------------------------------------ */

/* MD5 is refused (collisions are practical); others need OpenSSL. */
static bool
hash_acceptable(const struct hashalg *alg, const char *kind,
    struct ima_sig_result *r)
{
	if (strcmp(alg->name, "md5") == 0) {
		result_set(r, IMA_SIG_INVALID, kind, "md5 signatures are not "
		    "accepted");
		return false;
	}
	if (hashalg_md(alg) == NULL) {
		result_set(r, IMA_SIG_INVALID, kind, "hash algorithm %s is "
		    "not available to verify", alg->name);
		return false;
	}
	return true;
}

/* Parse type byte + signature_v2_hdr + signature; "why" on failure. */
static int
parse_sig_hdr(const uint8_t *p, size_t len, struct sig_hdr *h, char *why,
    size_t cap)
{
	if (len < SIG_HDR_LEN + 1) {
		snprintf(why, cap, "%zu bytes: shorter than a signature "
		    "header and one byte of signature", len);
		return -1;
	}
	h->type = p[0];
	h->version = p[1];
	h->hash_algo = p[2];
	h->keyid = load_be32(p + 3);
	h->sig_len = load_be16(p + 7);
	h->sig = p + SIG_HDR_LEN;
	if (h->sig_len != len - SIG_HDR_LEN) {
		snprintf(why, cap, "header says %zu signature bytes, %zu "
		    "follow", h->sig_len, len - SIG_HDR_LEN);
		return -1;
	}
	if (len > IMA_SIG_MAX) {
		snprintf(why, cap, "%zu bytes (limit %d)", len, IMA_SIG_MAX);
		return -1;
	}
	return 0;
}

/*
 * Check a parsed header's signature over the digest it signs (dlen bytes
 * of alg, which must be the header's algorithm). Fills r.
 */
static int
check_hdr_over(const struct ima_keyring *kr, const struct sig_hdr *h,
    const struct hashalg *alg, const uint8_t *digest, size_t dlen,
    const char *kind, struct ima_sig_result *r, struct errbuf *e)
{
	struct ima_key *k;
	int v;

	result_keyid(r, h->keyid);
	if (!hash_acceptable(alg, kind, r))
		return 0;
	k = ima_keyring_find(kr, h->keyid);
	if (k == NULL) {
		result_set(r, IMA_SIG_UNKNOWN_KEY, kind, "keyid %08x is not "
		    "in the keyring", h->keyid);
		return 0;
	}
	v = verify_digest(k->pkey, alg, digest, dlen, h->sig, h->sig_len, e);
	if (v < 0)
		return -1;
	if (v == 1)
		result_set(r, IMA_SIG_VALID, kind, NULL);
	else
		result_set(r, IMA_SIG_INVALID, kind, "%s signature does not "
		    "verify with key %08x (%s)", alg->name, h->keyid, k->name);
	return 0;
}

/* The header's hash algorithm, which must be the measured digest's. */
static const struct hashalg *
hdr_alg_matching(const struct sig_hdr *h, const struct hashalg *file_alg,
    const char *kind, struct ima_sig_result *r)
{
	const struct hashalg *alg = hashalg_by_ima_id(h->hash_algo);

	result_keyid(r, h->keyid);
	if (alg == NULL) {
		result_set(r, IMA_SIG_INVALID, kind, "unknown hash algorithm "
		    "id %d in the signature header", h->hash_algo);
		return NULL;
	}
	if (file_alg == NULL) {
		result_set(r, IMA_SIG_INVALID, kind, "the record has no file "
		    "digest of a known algorithm to verify against");
		return NULL;
	}
	if (alg != file_alg) {
		result_set(r, IMA_SIG_INVALID, kind, "signature hash %s differs "
		    "from the measured digest's %s", alg->name, file_alg->name);
		return NULL;
	}
	return alg;
}

/* ima_file_id hash for v3: H(type 0x06 || algo id || digest). */
static int
file_id_hash(const struct hashalg *alg, const uint8_t *digest, size_t dlen,
    uint8_t *out, struct errbuf *e)
{
	uint8_t id[2 + HASHALG_MAX_SIZE];

	if (dlen != alg->size || dlen > HASHALG_MAX_SIZE)
		return err_set(e, "digest size %zu for %s", dlen, alg->name);
	id[0] = XATTR_IMA_VERITY_DIGSIG;
	id[1] = (uint8_t)alg->ima_id;
	memcpy(id + 2, digest, dlen);
	return hashalg_digest(alg, id, 2 + dlen, out);
}

/* security.ima signature (type 0x03 v2 or 0x06 v3) over a file digest. */
static int
check_ima_xattr_sig(const struct ima_keyring *kr, const uint8_t *p,
    size_t len, const struct hashalg *file_alg, const uint8_t *digest,
    size_t dlen, struct ima_sig_result *r, struct errbuf *e)
{
	struct sig_hdr h;
	const struct hashalg *alg;
	const char *kind = p[0] == XATTR_IMA_VERITY_DIGSIG ?
	    "ima v3 (fs-verity)" : "ima v2";
	uint8_t idh[HASHALG_MAX_SIZE];

	if (parse_sig_hdr(p, len, &h, r->why, sizeof(r->why)) < 0) {
		r->status = IMA_SIG_INVALID;
		r->kind = kind;
		return 0;
	}
	if (h.type == XATTR_EVM_IMA_DIGSIG && h.version != 2) {
		result_set(r, IMA_SIG_INVALID, kind, "signature version %u is "
		    "not verified (only version 2 for type 0x03)", h.version);
		return 0;
	}
	if (h.type == XATTR_IMA_VERITY_DIGSIG && h.version != 3) {
		result_set(r, IMA_SIG_INVALID, kind, "signature version %u "
		    "with type 0x06 (must be 3)", h.version);
		return 0;
	}
	if ((alg = hdr_alg_matching(&h, file_alg, kind, r)) == NULL)
		return 0;
	if (dlen != alg->size) {
		result_set(r, IMA_SIG_INVALID, kind, "measured digest of %zu "
		    "bytes for %s", dlen, alg->name);
		return 0;
	}
	if (h.type == XATTR_EVM_IMA_DIGSIG)
		return check_hdr_over(kr, &h, alg, digest, dlen, kind, r, e);
	if (file_id_hash(alg, digest, dlen, idh, e) < 0)
		return -1;
	return check_hdr_over(kr, &h, alg, idh, alg->size, kind, r, e);
}

/* ---- record fields --------------------------------------------------- */

static const struct ima_field *
field_of(const struct ima_record *rec, enum ima_field_id id)
{
	size_t i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].id == id)
			return &rec->fields[i];
	return NULL;
}

/* "<alg>:" NUL digest (d-modsig); 0 or -1 with why. */
static int
parse_ng_digest(const struct ima_field *f, const struct hashalg **alg,
    const uint8_t **digest, size_t *dlen, char *why, size_t cap)
{
	const uint8_t *colon;

	colon = memchr(f->data, ':', f->len);
	if (colon == NULL || (size_t)(colon - f->data) + 2 > f->len ||
	    colon[1] != '\0') {
		snprintf(why, cap, "d-modsig is not \"<alg>:\" NUL digest");
		return -1;
	}
	*alg = hashalg_by_name_n((const char *)f->data,
	    (size_t)(colon - f->data));
	*digest = colon + 2;
	*dlen = f->len - (size_t)(colon - f->data) - 2;
	if (*alg == NULL || (*alg)->size != *dlen) {
		snprintf(why, cap, "d-modsig algorithm unknown or digest of "
		    "the wrong size");
		return -1;
	}
	return 0;
}

/* ---- sig field ------------------------------------------------------- */

static int check_evm(const struct ima_keyring *, const struct ima_record *,
    const uint8_t *, size_t, struct ima_sig_result *, struct errbuf *);

static int
check_sig_field(const struct ima_keyring *kr, const struct ima_record *rec,
    const struct ima_field *f, struct ima_sig_result *r, struct errbuf *e)
{
	switch (f->data[0]) {
	case XATTR_EVM_IMA_DIGSIG:
	case XATTR_IMA_VERITY_DIGSIG:
		return check_ima_xattr_sig(kr, f->data, f->len, rec->file_alg,
		    rec->file_digest, rec->file_digest_len, r, e);
	case XATTR_EVM_PORTABLE:
		if (field_of(rec, IMA_FIELD_XATTRNAMES) != NULL)
			return check_evm(kr, rec, f->data, f->len, r, e);
		result_set(r, IMA_SIG_INVALID, "evm portable", "an EVM "
		    "portable signature in the sig field cannot be verified: "
		    "the template does not record the signed xattrs and inode "
		    "fields");
		return 0;
	default:
		result_set(r, IMA_SIG_INVALID, NULL, "sig field of xattr type "
		    "0x%02x is not a signature", f->data[0]);
		return 0;
	}
}

/* ---- modsig ---------------------------------------------------------- */

static struct ima_key *
keyring_find_cms_signer(const struct ima_keyring *kr, CMS_SignerInfo *si,
    uint32_t *keyid, bool *has_keyid)
{
	ASN1_OCTET_STRING *skid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	size_t i;
	size_t n;

	*has_keyid = false;
	if (CMS_SignerInfo_get0_signer_id(si, &skid, &issuer, &serial) != 1)
		return NULL;
	if (skid != NULL && ASN1_STRING_length(skid) >= 4) {
		n = (size_t)ASN1_STRING_length(skid);
		*keyid = load_be32(ASN1_STRING_get0_data(skid) + n - 4);
		*has_keyid = true;
	}
	if (kr == NULL)
		return NULL;
	for (i = 0; i < kr->n; i++) {
		const struct ima_key *k = &kr->keys[i];

		if (k->cert == NULL)
			continue;
		if (CMS_SignerInfo_cert_cmp(si, k->cert) == 0)
			return (struct ima_key *)k;
	}
	return NULL;
}

static const struct hashalg *
hashalg_of_obj(const ASN1_OBJECT *obj)
{
	char name[64];
	int nid = OBJ_obj2nid(obj);

	if (nid == NID_undef)
		return NULL;
	snprintf(name, sizeof(name), "%s", OBJ_nid2sn(nid));
	/* OpenSSL short names: "SHA256", "SHA3-256", "SM3". */
	return hashalg_by_name(name);
}

/* The signer's signature is a plain RSA PKCS#1 v1.5 or ECDSA one. */
static bool
cms_sigalg_plain(X509_ALGOR *sigalg)
{
	const ASN1_OBJECT *obj;
	int nid, pknid = NID_undef;

	X509_ALGOR_get0(&obj, NULL, NULL, sigalg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_rsaEncryption || nid == NID_X9_62_id_ecPublicKey)
		return true;
	if (!OBJ_find_sigid_algs(nid, NULL, &pknid))
		return false;
	return pknid == NID_rsaEncryption || pknid == NID_X9_62_id_ecPublicKey;
}

/* Signed attributes: messageDigest must be the content digest, then the
 * signature covers the attributes (OpenSSL checks that part). */
static int
check_cms_signed_attrs(CMS_SignerInfo *si, struct ima_key *k,
    const uint8_t *digest, size_t dlen, struct ima_sig_result *r)
{
	ASN1_OCTET_STRING *md;

	md = CMS_signed_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (md == NULL) {
		result_set(r, IMA_SIG_INVALID, "modsig", "signed attributes "
		    "without one messageDigest");
		return 0;
	}
	if ((size_t)ASN1_STRING_length(md) != dlen ||
	    memcmp(ASN1_STRING_get0_data(md), digest, dlen) != 0) {
		result_set(r, IMA_SIG_INVALID, "modsig", "messageDigest "
		    "differs from d-modsig");
		return 0;
	}
	CMS_SignerInfo_set1_signer_cert(si, k->cert);
	if (CMS_SignerInfo_verify(si) != 1) {
		ERR_clear_error();
		result_set(r, IMA_SIG_INVALID, "modsig", "signature over the "
		    "signed attributes does not verify with %s", k->name);
		return 0;
	}
	result_set(r, IMA_SIG_VALID, "modsig", NULL);
	return 0;
}

static int
check_cms_signer(const struct ima_keyring *kr, CMS_SignerInfo *si,
    const struct hashalg *dalg, const uint8_t *digest, size_t dlen,
    struct ima_sig_result *r, struct errbuf *e)
{
	X509_ALGOR *digalg, *sigalg;
	const ASN1_OBJECT *obj;
	const struct hashalg *alg;
	ASN1_OCTET_STRING *sig;
	struct ima_key *k;
	uint32_t keyid = 0;
	bool has_keyid;
	int v;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &digalg, &sigalg);
	X509_ALGOR_get0(&obj, NULL, NULL, digalg);
	alg = hashalg_of_obj(obj);
	if (alg != dalg) {
		result_set(r, IMA_SIG_INVALID, "modsig", "signer digest "
		    "algorithm %s differs from d-modsig's %s",
		    alg ? alg->name : "(unknown)", dalg->name);
		return 0;
	}
	if (!hash_acceptable(alg, "modsig", r))
		return 0;
	k = keyring_find_cms_signer(kr, si, &keyid, &has_keyid);
	if (has_keyid)
		result_keyid(r, keyid);
	if (k == NULL) {
		result_set(r, IMA_SIG_UNKNOWN_KEY, "modsig", "the signer is "
		    "not a certificate in the keyring (modsig signers are "
		    "named by certificate)");
		return 0;
	}
	if (!cms_sigalg_plain(sigalg)) {
		result_set(r, IMA_SIG_INVALID, "modsig", "signature algorithm "
		    "is not RSA PKCS#1 v1.5 or ECDSA: not verified");
		return 0;
	}
	if (CMS_signed_get_attr_count(si) >= 0)
		return check_cms_signed_attrs(si, k, digest, dlen, r);
	sig = CMS_SignerInfo_get0_signature(si);
	v = verify_digest(k->pkey, alg, digest, dlen,
	    ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), e);
	if (v < 0)
		return -1;
	if (v == 1)
		result_set(r, IMA_SIG_VALID, "modsig", NULL);
	else
		result_set(r, IMA_SIG_INVALID, "modsig", "signature over "
		    "d-modsig does not verify with %s", k->name);
	return 0;
}

static int
check_modsig(const struct ima_keyring *kr, const struct ima_record *rec,
    const struct ima_field *f, struct ima_sig_result *r, struct errbuf *e)
{
	const struct ima_field *df = field_of(rec, IMA_FIELD_D_MODSIG);
	const struct hashalg *alg;
	const uint8_t *digest, *p = f->data;
	size_t dlen;
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) *sis;
	int rc;

	r->kind = "modsig";
	if (df == NULL || df->len == 0) {
		result_set(r, IMA_SIG_INVALID, "modsig", "modsig without "
		    "d-modsig");
		return 0;
	}
	if (parse_ng_digest(df, &alg, &digest, &dlen, r->why,
	    sizeof(r->why)) < 0) {
		r->status = IMA_SIG_INVALID;
		return 0;
	}
	if (f->len > IMA_SIG_MAX) {
		result_set(r, IMA_SIG_INVALID, "modsig", "%u bytes (limit %d)",
		    f->len, IMA_SIG_MAX);
		return 0;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)f->len);
	if (cms == NULL || p != f->data + f->len ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
		result_set(r, IMA_SIG_INVALID, "modsig", "not one DER "
		    "PKCS#7 signedData");
		return 0;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1) {
		result_set(r, IMA_SIG_INVALID, "modsig", "%d signers (one is "
		    "verified)", sis ? sk_CMS_SignerInfo_num(sis) : 0);
		CMS_ContentInfo_free(cms);
		return 0;
	}
	rc = check_cms_signer(kr, sk_CMS_SignerInfo_value(sis, 0), alg,
	    digest, dlen, r, e);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

/* ---- evm portable ---------------------------------------------------- */

struct evm_fields {
	const struct ima_field *names, *lengths, *values;
	const struct ima_field *uid, *gid, *mode;
};

static bool
evm_fields_get(const struct ima_record *rec, struct evm_fields *ef)
{
	ef->names = field_of(rec, IMA_FIELD_XATTRNAMES);
	ef->lengths = field_of(rec, IMA_FIELD_XATTRLENGTHS);
	ef->values = field_of(rec, IMA_FIELD_XATTRVALUES);
	ef->uid = field_of(rec, IMA_FIELD_IUID);
	ef->gid = field_of(rec, IMA_FIELD_IGID);
	ef->mode = field_of(rec, IMA_FIELD_IMODE);
	return ef->names && ef->lengths && ef->values && ef->uid && ef->gid &&
	    ef->mode;
}

/* Find security.ima's value among the xattrs; -1 with why if the fields
 * disagree. *ima_val NULL if absent. */
static int
evm_find_ima_value(const struct evm_fields *ef, bool big,
    const uint8_t **ima_val, size_t *ima_len, char *why, size_t cap)
{
	const char *names = (const char *)ef->names->data;
	size_t nlen = ef->names->len, start = 0, i, n = 0, off = 0;
	uint32_t vlen;

	*ima_val = NULL;
	if (nlen > 0 && names[nlen - 1] == '\0')
		nlen--;
	if (ef->lengths->len % 4 != 0 || ef->lengths->len / 4 > EVM_XATTRS_MAX) {
		snprintf(why, cap, "xattrlengths of %u bytes", ef->lengths->len);
		return -1;
	}
	for (i = 0; i <= nlen; i++) {
		if (i < nlen && names[i] != '|')
			continue;
		if (n >= ef->lengths->len / 4) {
			snprintf(why, cap, "more xattrnames than xattrlengths");
			return -1;
		}
		vlen = load_u32(ef->lengths->data + 4 * n, big);
		if (vlen > ef->values->len - off) {
			snprintf(why, cap, "xattrlengths exceed xattrvalues");
			return -1;
		}
		if (i - start == 12 && memcmp(names + start, "security.ima",
		    12) == 0) {
			*ima_val = ef->values->data + off;
			*ima_len = vlen;
		}
		off += vlen;
		n++;
		start = i + 1;
	}
	if (n != ef->lengths->len / 4 || off != ef->values->len) {
		snprintf(why, cap, "xattrnames, xattrlengths and xattrvalues "
		    "disagree");
		return -1;
	}
	return 0;
}

/*
 * The kernel's struct h_misc for a portable signature: ino and generation
 * zero, then uid, gid, mode in the device's byte order, padded to the
 * alignment of unsigned long (8 bytes on 64-bit, 4 on 32-bit).
 */
static size_t
evm_h_misc(uint8_t *out, bool lp64, bool big, uint32_t uid, uint32_t gid,
    uint16_t mode)
{
	size_t o = lp64 ? 12 : 8, i;

	memset(out, 0, 24);
	for (i = 0; i < 4; i++) {
		out[o + i] = (uint8_t)(big ? uid >> (24 - 8 * i) : uid >> 8 * i);
		out[o + 4 + i] =
		    (uint8_t)(big ? gid >> (24 - 8 * i) : gid >> 8 * i);
	}
	out[o + 8] = (uint8_t)(big ? mode >> 8 : mode);
	out[o + 9] = (uint8_t)(big ? mode : mode >> 8);
	return lp64 ? 24 : 20;
}

static int
evm_hash(const struct hashalg *alg, const struct evm_fields *ef,
    const uint8_t *misc, size_t misclen, uint8_t *out, struct errbuf *e)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, hashalg_md(alg), NULL) &&
	    EVP_DigestUpdate(ctx, ef->values->data, ef->values->len) &&
	    EVP_DigestUpdate(ctx, misc, misclen) &&
	    EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : err_openssl(e, "EVM hash");
}

/* security.ima as the EVM signature covers it must match the measurement:
 * a digest equal to the file digest, or a signature over it. */
static int
evm_check_ima_binding(const struct ima_keyring *kr,
    const struct ima_record *rec, const uint8_t *v, size_t len,
    struct ima_sig_result *r, struct errbuf *e)
{
	const struct hashalg *fa = rec->file_alg;
	const uint8_t *d = rec->file_digest;
	size_t dl = rec->file_digest_len;

	if (len >= 1 && (v[0] == XATTR_EVM_IMA_DIGSIG ||
	    v[0] == XATTR_IMA_VERITY_DIGSIG)) {
		if (check_ima_xattr_sig(kr, v, len, fa, d, dl, r, e) < 0)
			return -1;
		if (r->status != IMA_SIG_VALID) {
			char tmp[sizeof(r->why)];

			snprintf(tmp, sizeof(tmp), "security.ima: %s", r->why);
			memcpy(r->why, tmp, sizeof(r->why));
		}
		r->kind = "evm portable";
		return 0;
	}
	if (fa != NULL && len == 2 + dl && v[0] == XATTR_IMA_DIGEST_NG &&
	    v[1] == fa->ima_id && memcmp(v + 2, d, dl) == 0)
		return 0;
	if (fa != NULL && len >= 1 + dl && v[0] == XATTR_IMA_DIGEST &&
	    dl == 20 && strcmp(fa->name, "sha1") == 0 &&
	    memcmp(v + 1, d, dl) == 0)
		return 0;
	result_set(r, IMA_SIG_INVALID, "evm portable", "security.ima under "
	    "the EVM signature does not match the measured file digest");
	return 0;
}

static int
check_evm(const struct ima_keyring *kr, const struct ima_record *rec,
    const uint8_t *p, size_t len, struct ima_sig_result *r,
    struct errbuf *e)
{
	static const char kind[] = "evm portable";
	struct evm_fields ef;
	struct sig_hdr h;
	const struct hashalg *alg;
	const uint8_t *imav;
	size_t imalen = 0, misclen;
	bool big = rec->order == IMA_ORDER_BE;
	uint8_t misc[24], digest[HASHALG_MAX_SIZE];
	uint32_t uid, gid;
	uint16_t mode;
	struct ima_key *k;
	int attempt, v;

	r->kind = kind;
	if (parse_sig_hdr(p, len, &h, r->why, sizeof(r->why)) < 0) {
		r->status = IMA_SIG_INVALID;
		return 0;
	}
	result_keyid(r, h.keyid);
	if (h.type != XATTR_EVM_PORTABLE || h.version != 2) {
		result_set(r, IMA_SIG_INVALID, kind, "evmsig of type 0x%02x "
		    "version %u (expected a portable signature, 0x05 v2)",
		    h.type, h.version);
		return 0;
	}
	if ((alg = hashalg_by_ima_id(h.hash_algo)) == NULL) {
		result_set(r, IMA_SIG_INVALID, kind, "unknown hash algorithm "
		    "id %d in the signature header", h.hash_algo);
		return 0;
	}
	if (!hash_acceptable(alg, kind, r))
		return 0;
	if (!evm_fields_get(rec, &ef) || ef.uid->len != 4 ||
	    ef.gid->len != 4 || ef.mode->len != 2) {
		result_set(r, IMA_SIG_INVALID, kind, "the record lacks "
		    "well-formed xattr, iuid, igid and imode fields");
		return 0;
	}
	if (evm_find_ima_value(&ef, big, &imav, &imalen, r->why,
	    sizeof(r->why)) < 0) {
		r->status = IMA_SIG_INVALID;
		return 0;
	}
	if (imav == NULL) {
		result_set(r, IMA_SIG_INVALID, kind, "portable signature over "
		    "xattrs without security.ima");
		return 0;
	}
	k = ima_keyring_find(kr, h.keyid);
	if (k == NULL) {
		result_set(r, IMA_SIG_UNKNOWN_KEY, kind, "keyid %08x is not "
		    "in the keyring", h.keyid);
		return 0;
	}
	uid = load_u32(ef.uid->data, big);
	gid = load_u32(ef.gid->data, big);
	mode = load_u16(ef.mode->data, big);
	/* 64-bit then 32-bit h_misc, the log's byte order then the other. */
	for (attempt = 0; attempt < 4; attempt++) {
		misclen = evm_h_misc(misc, attempt % 2 == 0,
		    attempt < 2 ? big : !big, uid, gid, mode);
		if (evm_hash(alg, &ef, misc, misclen, digest, e) < 0)
			return -1;
		v = verify_digest(k->pkey, alg, digest, alg->size, h.sig,
		    h.sig_len, e);
		if (v < 0)
			return -1;
		if (v == 1) {
			result_set(r, IMA_SIG_VALID, kind, NULL);
			return evm_check_ima_binding(kr, rec, imav, imalen, r,
			    e);
		}
	}
	result_set(r, IMA_SIG_INVALID, kind, "signature over the EVM hash "
	    "does not verify with key %08x (%s)", h.keyid, k->name);
	return 0;
}

/* ---- a record -------------------------------------------------------- */

static bool
template_has_signature(const struct ima_record *rec)
{
	return field_of(rec, IMA_FIELD_SIG) != NULL ||
	    field_of(rec, IMA_FIELD_MODSIG) != NULL ||
	    field_of(rec, IMA_FIELD_EVMSIG) != NULL;
}

int
ima_sig_check(const struct ima_keyring *kr, const struct ima_record *rec,
    struct ima_sig_result *out, struct errbuf *e)
{
	struct ima_sig_result one;
	const struct ima_field *f;

	memset(out, 0, sizeof(*out));
	out->status = IMA_SIG_NONE;
	if (!template_has_signature(rec))
		return 0;
	out->status = IMA_SIG_UNSIGNED;
	if ((f = field_of(rec, IMA_FIELD_SIG)) != NULL && f->len > 0) {
		memset(&one, 0, sizeof(one));
		if (check_sig_field(kr, rec, f, &one, e) < 0)
			return -1;
		result_merge(out, &one);
	}
	if ((f = field_of(rec, IMA_FIELD_MODSIG)) != NULL && f->len > 0) {
		memset(&one, 0, sizeof(one));
		if (check_modsig(kr, rec, f, &one, e) < 0)
			return -1;
		result_merge(out, &one);
	}
	if ((f = field_of(rec, IMA_FIELD_EVMSIG)) != NULL && f->len > 0) {
		memset(&one, 0, sizeof(one));
		if (check_evm(kr, rec, f->data, f->len, &one, e) < 0)
			return -1;
		result_merge(out, &one);
	}
	return 0;
}
