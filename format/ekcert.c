/* ekcert.c - see ekcert.h. */
#include "format/ekcert.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "format/hashalg.h"
#include "format/bytes.h"

/* --- locating the DER in NV contents ------------------------------------ */

#define DER_TAG_SEQUENCE	0x30
#define DER_TAG_OCTET_STRING	0x04
#define NV_TAG_STORED_CERT_HI	0x10	/* TCG_TAG_PCCLIENT_STORED_CERT 0x1001 */
#define NV_TAG_STORED_CERT_LO	0x01
#define NV_TAG_FULL_CERT_HI	0x10	/* TCG_TAG_PCCLIENT_FULL_CERT 0x1002 */
#define NV_TAG_FULL_CERT_LO	0x02
#define NV_CERT_TYPE_FULL	0x00	/* TCG_FULL_CERT */

/*
 * Header and total length of the DER element with tag `tag` starting at
 * in[0], from its header alone. We read the header ourselves rather than
 * with ASN1_get_object so that a truncated input gets a message with both
 * lengths. `at` is the offset of in[0] in the caller's input.
 */
static int
der_element_len(const uint8_t *in, size_t len, size_t at, uint8_t tag,
    size_t *hdr_len, size_t *total, struct errbuf *e)
{
	size_t hdr, content = 0, i, n;

	if (len < 2)
		return err_set(e, "truncated DER header at offset %zu", at);
	if (in[0] != tag)
		return err_set(e, "expected DER tag 0x%02x at offset %zu, "
		    "found 0x%02x", tag, at, in[0]);
	if (in[1] < 0x80) {
		content = in[1];
		hdr = 2;
	} else {
		n = in[1] & 0x7f;
		if (n == 0)
			return err_set(e, "indefinite-length encoding at offset "
			    "%zu is not DER", at);
		if (n > 3)
			return err_set(e, "DER length at offset %zu uses %zu "
			    "bytes: larger than %u", at, n, EKCERT_DER_MAX);
		if (len < 2 + n)
			return err_set(e, "truncated DER header at offset %zu",
			    at);
		for (i = 0; i < n; i++)
			content = content << 8 | in[2 + i];
		hdr = 2 + n;
	}
	*hdr_len = hdr;
	*total = hdr + content;
	if (*total > EKCERT_DER_MAX + 8)
		return err_set(e, "certificate at offset %zu is %zu bytes: "
		    "larger than the limit of %u", at, *total, EKCERT_DER_MAX);
	if (*total > len)
		return err_set(e, "truncated certificate: the DER header at "
		    "offset %zu announces %zu bytes, the input has %zu", at,
		    *total, len);
	return 0;
}

/* Total length of the certificate SEQUENCE starting at in[0]. */
static int
der_sequence_len(const uint8_t *in, size_t len, size_t at, size_t *total,
    struct errbuf *e)
{
	size_t hdr;

	if (der_element_len(in, len, at, DER_TAG_SEQUENCE, &hdr, total, e) != 0)
		return -1;
	if (*total > EKCERT_DER_MAX)
		return err_set(e, "certificate at offset %zu is %zu bytes: "
		    "larger than the limit of %u", at, *total, EKCERT_DER_MAX);
	return 0;
}

static bool
is_padding_byte(uint8_t b)
{
	return b == 0xff || b == 0x00;
}

/* Everything from `from` to the end must be padding; count it. */
static int
scan_padding(const uint8_t *in, size_t len, size_t from, size_t der_len,
    struct ekcert_container *c, struct errbuf *e)
{
	size_t i;

	for (i = from; i < len; i++) {
		if (!is_padding_byte(in[i]))
			return err_set(e, "byte 0x%02x at offset %zu after the "
			    "%zu-byte certificate is not padding (0xff or 0x00)",
			    in[i], i, der_len);
		if (in[i] == 0xff)
			c->pad_ff++;
		else
			c->pad_00++;
	}
	c->pad_len = len - from;
	return 0;
}

static int
all_padding(const uint8_t *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_padding_byte(in[i]))
			return 0;
	return 1;
}

static int
locate_nv_header(const uint8_t *in, size_t len, struct ekcert_container *c,
    struct errbuf *e)
{
	size_t cert_size, end;

	if (len < EKCERT_NV_HEADER_LEN)
		return err_set(e, "truncated TCG NV header: %zu bytes, need %u",
		    len, EKCERT_NV_HEADER_LEN);
	if (in[2] != NV_CERT_TYPE_FULL)
		return err_set(e, "TCG NV header: certificate type %u is not a "
		    "full certificate (0)", in[2]);
	if (in[5] != NV_TAG_FULL_CERT_HI || in[6] != NV_TAG_FULL_CERT_LO)
		return err_set(e, "TCG NV header: expected tag 10 02 at offset "
		    "5, found %02x %02x", in[5], in[6]);
	cert_size = load_be16(in + 3);
	if (cert_size < 2)
		return err_set(e, "TCG NV header: certificate size %zu is too "
		    "small", cert_size);
	end = 5 + cert_size;
	if (end > len)
		return err_set(e, "TCG NV header announces %zu bytes after "
		    "offset 5, the input has %zu", cert_size, len - 5);
	c->form = EKCERT_FORM_NV_HEADER;
	c->header_len = EKCERT_NV_HEADER_LEN;
	c->der_off = EKCERT_NV_HEADER_LEN;
	if (der_sequence_len(in + c->der_off, end - c->der_off, c->der_off,
	    &c->der_len, e) != 0)
		return err_prefix(e, "after the TCG NV header");
	if (c->der_len != cert_size - 2)
		return err_set(e, "TCG NV header size %zu does not match the "
		    "certificate: 2 + %zu bytes", cert_size, c->der_len);
	return scan_padding(in, len, end, c->der_len, c, e);
}

/* A certificate wrapped in a DER OCTET STRING that it fills exactly. */
static int
locate_octet_string(const uint8_t *in, size_t len, struct ekcert_container *c,
    struct errbuf *e)
{
	size_t hdr, total;

	if (der_element_len(in, len, 0, DER_TAG_OCTET_STRING, &hdr, &total,
	    e) != 0)
		return err_prefix(e, "OCTET STRING wrapper");
	c->form = EKCERT_FORM_OCTET_STRING;
	c->header_len = hdr;
	c->der_off = hdr;
	if (der_sequence_len(in + hdr, total - hdr, hdr, &c->der_len, e) != 0)
		return err_prefix(e, "inside the OCTET STRING wrapper");
	if (c->der_len != total - hdr)
		return err_set(e, "OCTET STRING wrapper holds %zu bytes, the "
		    "certificate inside is %zu", total - hdr, c->der_len);
	return scan_padding(in, len, total, c->der_len, c, e);
}

int
ekcert_locate(const uint8_t *in, size_t len, struct ekcert_container *c,
    struct errbuf *e)
{
	memset(c, 0, sizeof(*c));
	if (len == 0)
		return err_set(e, "empty input: no certificate");
	if (len > EKCERT_INPUT_MAX)
		return err_set(e, "input is %zu bytes: larger than the limit "
		    "of %u", len, EKCERT_INPUT_MAX);
	if (all_padding(in, len))
		return err_set(e, "no certificate: all %zu bytes are 0x%02x "
		    "padding (an empty NV index?)", len, in[0]);
	if (len >= 2 && in[0] == NV_TAG_STORED_CERT_HI &&
	    in[1] == NV_TAG_STORED_CERT_LO)
		return locate_nv_header(in, len, c, e);
	if (in[0] == DER_TAG_OCTET_STRING)
		return locate_octet_string(in, len, c, e);
	if (in[0] != DER_TAG_SEQUENCE)
		return err_set(e, "not a certificate: first byte 0x%02x is "
		    "neither a DER SEQUENCE (0x30), an OCTET STRING wrapper "
		    "(0x04), a TCG NV header (10 01) nor PEM", in[0]);
	c->form = EKCERT_FORM_DER;
	if (der_sequence_len(in, len, 0, &c->der_len, e) != 0)
		return -1;
	return scan_padding(in, len, c->der_len, c->der_len, c, e);
}

/* --- PEM ------------------------------------------------------------------ */

struct single_der {
	uint8_t *der;		/* malloc'd copy of the first block */
	size_t len;
};

static int
keep_single_der(const uint8_t *der, size_t len, int block, void *arg,
    struct errbuf *e)
{
	struct single_der *s = arg;

	(void)block;
	if (s->der != NULL)
		return err_set(e, "PEM input holds more than one certificate: "
		    "give the EK certificate alone");
	if ((s->der = malloc(len > 0 ? len : 1)) == NULL)
		return err_set(e, "out of memory");
	memcpy(s->der, der, len);
	s->len = len;
	return 0;
}

/* The DER of the only CERTIFICATE block in a PEM input (malloc'd). */
static int
pem_single_der(const uint8_t *in, size_t len, uint8_t **der, size_t *der_len,
    struct errbuf *e)
{
	struct single_der s = { NULL, 0 };
	size_t blocks;

	if (x509_pem_each_certificate(in, len, keep_single_der, &s, &blocks,
	    e) != 0) {
		free(s.der);
		return -1;
	}
	if (blocks == 0)
		return err_set(e, "PEM input holds no CERTIFICATE block");
	*der = s.der;
	*der_len = s.len;
	return 0;
}

/* --- facts ---------------------------------------------------------------- */

static void
copy_bounded(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, n = srclen < dstlen - 1 ? srclen : dstlen - 1;

	/* Our output is line-oriented: no control characters. */
	for (i = 0; i < n; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ?
		    '?' : src[i];
	dst[n] = '\0';
}

static int
name_str(const X509_NAME *name, char *out, size_t outlen, struct errbuf *e)
{
	BIO *bio;
	char *p;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return err_set(e, "out of memory");
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) < 0) {
		BIO_free(bio);
		return err_openssl(e, "printing a name");
	}
	n = BIO_get_mem_data(bio, &p);
	copy_bounded(out, outlen, p, n > 0 ? (size_t)n : 0);
	BIO_free(bio);
	return 0;
}

static int
serial_str(const ASN1_INTEGER *serial, char *out, size_t outlen,
    struct errbuf *e)
{
	BIGNUM *bn;
	char *hex, *p;

	if (ASN1_STRING_length(serial) > EKCERT_SERIAL_MAX)
		return err_set(e, "serial number longer than %d bytes",
		    EKCERT_SERIAL_MAX);
	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) == NULL)
		return err_openssl(e, "serial number");
	hex = BN_bn2hex(bn);
	BN_free(bn);
	if (hex == NULL)
		return err_set(e, "out of memory");
	for (p = hex; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(out, outlen, "%s", hex);
	OPENSSL_free(hex);
	return 0;
}

static int
asn1_time_str(const ASN1_TIME *t, char *out, size_t outlen, struct tm *tm,
    struct errbuf *e)
{
	if (ASN1_TIME_to_tm(t, tm) != 1)
		return err_set(e, "unreadable validity time");
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", tm);
	return 0;
}

void
ekcert_time_str(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(out, outlen, "@%lld", (long long)t);
	else
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool
is_9999_end(const struct tm *tm)
{
	return tm->tm_year == 9999 - 1900 && tm->tm_mon == 11 &&
	    tm->tm_mday == 31 && tm->tm_hour == 23 && tm->tm_min == 59 &&
	    tm->tm_sec == 59;
}

static int
validity_facts(X509 *x, struct ekcert_facts *f, struct errbuf *e)
{
	struct tm tm;

	if (asn1_time_str(X509_get0_notBefore(x), f->not_before,
	    sizeof(f->not_before), &tm, e) != 0)
		return err_prefix(e, "notBefore");
	if (asn1_time_str(X509_get0_notAfter(x), f->not_after,
	    sizeof(f->not_after), &tm, e) != 0)
		return err_prefix(e, "notAfter");
	f->never_expires = is_9999_end(&tm);
	return 0;
}

static const struct {
	const char *openssl;
	const char *tcg;
} curve_names[] = {
	{ "prime256v1", "nist-p256" },
	{ "secp384r1", "nist-p384" },
	{ "secp521r1", "nist-p521" },
	{ "SM2", "sm2-p256" },
	{ "brainpoolP256r1", "bn-p256" },
};

static void
key_facts(EVP_PKEY *pkey, struct ekcert_facts *f)
{
	char group[64] = "";
	const char *curve;
	size_t i, glen;

	f->key_type = EVP_PKEY_get_base_id(pkey);
	f->key_bits = EVP_PKEY_get_bits(pkey);
	if (f->key_type == EVP_PKEY_RSA) {
		snprintf(f->key_desc, sizeof(f->key_desc), "rsa %d",
		    f->key_bits);
		return;
	}
	if (f->key_type == EVP_PKEY_EC) {
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group),
		    &glen) != 1)
			snprintf(group, sizeof(group), "unknown-curve");
		curve = group;
		for (i = 0; i < sizeof(curve_names) / sizeof(curve_names[0]); i++)
			if (strcmp(group, curve_names[i].openssl) == 0)
				curve = curve_names[i].tcg;
		snprintf(f->key_desc, sizeof(f->key_desc), "ecc %s", curve);
		return;
	}
	snprintf(f->key_desc, sizeof(f->key_desc), "%s %d",
	    EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) :
	    "unknown", f->key_bits);
}

static bool
obj_is(const ASN1_OBJECT *obj, const char *oid)
{
	char buf[80];

	if (OBJ_obj2txt(buf, sizeof(buf), obj, 1) <= 0)
		return false;
	return strcmp(buf, oid) == 0;
}

static int
string_value(const ASN1_STRING *s, char *out, size_t outlen)
{
	unsigned char *utf8;
	int n;

	if ((n = ASN1_STRING_to_UTF8(&utf8, s)) < 0)
		return -1;
	copy_bounded(out, outlen, (const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return 0;
}

static int
hex_nibble(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* "id:49465800" -> 49 46 58 00 and "IFX" (TCG vendor ID registry form). */
static void
decode_manufacturer(struct ekcert_facts *f)
{
	const char *v = f->manufacturer;
	int i, hi, lo, end;

	if (strncasecmp(v, "id:", 3) != 0 || strlen(v) != 11)
		return;
	for (i = 0; i < 4; i++) {
		hi = hex_nibble((unsigned char)v[3 + 2 * i]);
		lo = hex_nibble((unsigned char)v[4 + 2 * i]);
		if (hi < 0 || lo < 0)
			return;
		f->manufacturer_id[i] = (uint8_t)(hi << 4 | lo);
	}
	f->manufacturer_is_id = true;
	end = 4;
	while (end > 0 && (f->manufacturer_id[end - 1] == 0 ||
	    f->manufacturer_id[end - 1] == ' '))
		end--;
	for (i = 0; i < end; i++) {
		if (f->manufacturer_id[i] < 0x21 || f->manufacturer_id[i] > 0x7e) {
			f->manufacturer_ascii[0] = '\0';
			return;
		}
		f->manufacturer_ascii[i] = (char)f->manufacturer_id[i];
	}
	f->manufacturer_ascii[end] = '\0';
}

static int
tpm_attribute(const X509_NAME_ENTRY *ne, struct ekcert_facts *f)
{
	const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ne);
	const ASN1_STRING *val = X509_NAME_ENTRY_get_data(ne);
	char *dst = NULL;
	bool *seen = NULL;

	if (obj_is(obj, EKCERT_OID_TPM_MANUFACTURER)) {
		dst = f->manufacturer;
		seen = &f->has_manufacturer;
	} else if (obj_is(obj, EKCERT_OID_TPM_MODEL)) {
		dst = f->model;
		seen = &f->has_model;
	} else if (obj_is(obj, EKCERT_OID_TPM_VERSION)) {
		dst = f->version;
		seen = &f->has_version;
	}
	if (dst == NULL)
		return 0;
	if (string_value(val, dst, EKCERT_ATTR_MAX) != 0)
		return -1;
	*seen = true;
	return 0;
}

/*
 * The extension with this NID, decoded, or NULL if absent (*present false).
 * A duplicate or undecodable extension is an error.
 */
static void *
get_ext(X509 *x, int nid, bool *present, bool *critical, struct errbuf *e)
{
	int crit = -1;
	void *ext = X509_get_ext_d2i(x, nid, &crit, NULL);

	*present = crit >= 0;
	if (critical != NULL)
		*critical = crit == 1;
	if (crit == -2)
		err_set(e, "extension %s appears more than once",
		    OBJ_nid2ln(nid));
	else if (crit >= 0 && ext == NULL)
		err_set(e, "malformed %s extension", OBJ_nid2ln(nid));
	return ext;
}

static int
san_facts(X509 *x, struct ekcert_facts *f, struct errbuf *e)
{
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	X509_NAME *dn;
	int i, j, rc = 0;

	err_clear(e);
	names = get_ext(x, NID_subject_alt_name, &f->has_san, &f->san_critical,
	    e);
	if (names == NULL)
		return f->has_san ? -1 : 0;
	for (i = 0; rc == 0 && i < sk_GENERAL_NAME_num(names); i++) {
		gn = sk_GENERAL_NAME_value(names, i);
		if (gn->type != GEN_DIRNAME)
			continue;
		dn = gn->d.directoryName;
		for (j = 0; rc == 0 && j < X509_NAME_entry_count(dn); j++)
			if (tpm_attribute(X509_NAME_get_entry(dn, j), f) != 0)
				rc = err_set(e, "subjectAltName: unreadable TPM "
				    "attribute");
	}
	GENERAL_NAMES_free(names);
	if (f->has_manufacturer)
		decode_manufacturer(f);
	return rc;
}

enum ekcert_tpm_attrs
ekcert_tpm_attributes(const struct ekcert_facts *f, char *why, size_t whylen)
{
	if (!f->has_san) {
		snprintf(why, whylen, "no subjectAltName: TPM manufacturer, "
		    "model and version not stated");
		return EKCERT_TPM_ATTRS_ABSENT;
	}
	if (!f->has_manufacturer || !f->has_model || !f->has_version) {
		snprintf(why, whylen, "subjectAltName directoryName lacks%s%s%s",
		    f->has_manufacturer ? "" : " tpmManufacturer",
		    f->has_model ? "" : " tpmModel",
		    f->has_version ? "" : " tpmVersion");
		return EKCERT_TPM_ATTRS_INCOMPLETE;
	}
	snprintf(why, whylen, "manufacturer %s, model %s, version %s",
	    f->manufacturer, f->model, f->version);
	return EKCERT_TPM_ATTRS_PRESENT;
}

static int
eku_facts(X509 *x, struct ekcert_facts *f, struct errbuf *e)
{
	EXTENDED_KEY_USAGE *eku;
	char oid[80];
	size_t used = 0;
	int i, n;

	err_clear(e);
	eku = get_ext(x, NID_ext_key_usage, &f->has_eku, NULL, e);
	if (eku == NULL)
		return f->has_eku ? -1 : 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);

		if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
			continue;
		if (strcmp(oid, EKCERT_OID_EKU_EK_CERT) == 0)
			f->eku_ek_certificate = true;
		n = snprintf(f->eku_list + used, sizeof(f->eku_list) - used,
		    "%s%s", used ? "," : "", oid);
		if (n < 0 || (size_t)n >= sizeof(f->eku_list) - used)
			break;
		used += (size_t)n;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return 0;
}

static int
constraint_facts(X509 *x, struct ekcert_facts *f, struct errbuf *e)
{
	BASIC_CONSTRAINTS *bc;
	uint32_t flags;

	err_clear(e);
	bc = get_ext(x, NID_basic_constraints, &f->has_basic_constraints, NULL,
	    e);
	if (bc == NULL && f->has_basic_constraints)
		return -1;
	if (bc != NULL) {
		f->is_ca = bc->ca != 0;
		BASIC_CONSTRAINTS_free(bc);
	}
	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID)
		return err_set(e, "malformed or duplicate extensions");
	f->has_key_usage = (flags & EXFLAG_KUSAGE) != 0;
	if (f->has_key_usage)
		f->key_usage = X509_get_key_usage(x);
	return 0;
}

static int
extract_facts(struct ekcert *c, struct errbuf *e)
{
	struct ekcert_facts *f = &c->facts;
	const struct hashalg *sha256 = hashalg_by_name("sha256");

	if (name_str(X509_get_subject_name(c->x509), f->subject,
	    sizeof(f->subject), e) != 0 ||
	    name_str(X509_get_issuer_name(c->x509), f->issuer,
	    sizeof(f->issuer), e) != 0)
		return -1;
	if (serial_str(X509_get0_serialNumber(c->x509), f->serial,
	    sizeof(f->serial), e) != 0)
		return -1;
	if (validity_facts(c->x509, f, e) != 0)
		return -1;
	if ((c->pkey = X509_get_pubkey(c->x509)) == NULL)
		return err_openssl(e, "public key");
	key_facts(c->pkey, f);
	if (san_facts(c->x509, f, e) != 0 || eku_facts(c->x509, f, e) != 0 ||
	    constraint_facts(c->x509, f, e) != 0)
		return -1;
	if (sha256 == NULL || hashalg_digest(sha256, c->der, c->der_len,
	    f->sha256) != 0)
		return err_set(e, "sha256 unavailable");
	return 0;
}

/* --- parse ---------------------------------------------------------------- */

static int
decode_der(struct ekcert *c, struct errbuf *e)
{
	const unsigned char *p = c->der;

	if ((c->x509 = d2i_X509(NULL, &p, (long)c->der_len)) == NULL)
		return err_openssl(e, "X.509 decoding");
	if ((size_t)(p - c->der) != c->der_len)
		return err_set(e, "X.509 decoding stopped at offset %zu of %zu",
		    (size_t)(p - c->der), c->der_len);
	return 0;
}

/* PEM input: decode the block, then require exactly one DER inside. */
static int
take_pem(const uint8_t *in, size_t len, struct ekcert *c, struct errbuf *e)
{
	struct ekcert_container inner;

	if (pem_single_der(in, len, &c->der, &c->der_len, e) != 0)
		return -1;
	if (ekcert_locate(c->der, c->der_len, &inner, e) != 0)
		return err_prefix(e, "PEM certificate");
	if (inner.form != EKCERT_FORM_DER || inner.pad_len != 0)
		return err_set(e, "PEM certificate: %zu bytes after the "
		    "%zu-byte certificate", c->der_len - inner.der_len,
		    inner.der_len);
	memset(&c->container, 0, sizeof(c->container));
	c->container.form = EKCERT_FORM_PEM;
	c->container.der_len = c->der_len;
	return 0;
}

static int
take_binary(const uint8_t *in, size_t len, struct ekcert *c, struct errbuf *e)
{
	if (ekcert_locate(in, len, &c->container, e) != 0)
		return -1;
	c->der_len = c->container.der_len;
	if ((c->der = malloc(c->der_len)) == NULL)
		return err_set(e, "out of memory");
	memcpy(c->der, in + c->container.der_off, c->der_len);
	return 0;
}

int
ekcert_parse(const uint8_t *in, size_t len, struct ekcert *c, struct errbuf *e)
{
	bool binary;
	int rc;

	memset(c, 0, sizeof(*c));
	if (len > EKCERT_INPUT_MAX)
		return err_set(e, "input is %zu bytes: larger than the limit "
		    "of %u", len, EKCERT_INPUT_MAX);
	binary = len == 0 || in[0] == DER_TAG_SEQUENCE ||
	    in[0] == NV_TAG_STORED_CERT_HI || !x509_looks_like_pem(in, len);
	rc = binary ? take_binary(in, len, c, e) : take_pem(in, len, c, e);
	if (rc == 0)
		rc = decode_der(c, e);
	if (rc == 0)
		rc = extract_facts(c, e);
	if (rc != 0)
		ekcert_free(c);
	return rc;
}

void
ekcert_free(struct ekcert *c)
{
	X509_free(c->x509);
	EVP_PKEY_free(c->pkey);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

int
ekcert_validity_at(const struct ekcert *c, time_t at)
{
	int before, after;

	before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(c->x509), at);
	after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(c->x509), at);
	if (before == -2 || after == -2)
		return -2;
	if (before > 0)
		return -1;
	if (after < 0)
		return 1;
	return 0;
}

/* --- chain ---------------------------------------------------------------- */

/*
 * Critical extensions that the TCG EK Credential Profile defines for EK
 * certificates and OpenSSL does not process: subjectDirectoryAttributes
 * (TPM specification and security assertions). Everything else OpenSSL
 * does not handle stays fatal when critical.
 */
static bool
tcg_defined_extension(X509_EXTENSION *ext)
{
	return OBJ_obj2nid(X509_EXTENSION_get_object(ext)) ==
	    NID_subject_directory_attributes;
}

/* The first critical extension neither OpenSSL nor the TCG list handles. */
static X509_EXTENSION *
unhandled_critical(X509 *x)
{
	X509_EXTENSION *ext;
	int i;

	for (i = 0; i < X509_get_ext_count(x); i++) {
		ext = X509_get_ext(x, i);
		if (!X509_EXTENSION_get_critical(ext) ||
		    X509_supported_extension(ext) || tcg_defined_extension(ext))
			continue;
		return ext;
	}
	return NULL;
}

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);

	if (ok)
		return 1;
	if (err == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION && x != NULL &&
	    unhandled_critical(x) == NULL)
		return 1;
	/* The leaf's own period is reported by ekcert_validity_at(). */
	if (depth == 0 && (err == X509_V_ERR_CERT_NOT_YET_VALID ||
	    err == X509_V_ERR_CERT_HAS_EXPIRED))
		return 1;
	return 0;
}

/* "the EK certificate" or "'C = ..., CN = ...'". */
static void
cert_label(X509 *x, int depth, char *out, size_t outlen)
{
	char name[EKCERT_NAME_MAX];

	if (depth == 0 || x == NULL ||
	    name_str(X509_get_subject_name(x), name, sizeof(name), NULL) != 0) {
		snprintf(out, outlen, "the EK certificate");
		return;
	}
	snprintf(out, outlen, "'%s'", name);
}

static void
chain_reason(X509_STORE_CTX *ctx, const time_t *at, char *out, size_t outlen)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char who[EKCERT_NAME_MAX + 8], issuer[EKCERT_NAME_MAX] = "?";
	char when[32], t[32], oid[80];
	X509_EXTENSION *ext;
	struct tm tm;

	cert_label(x, depth, who, sizeof(who));
	if (x != NULL)
		name_str(X509_get_issuer_name(x), issuer, sizeof(issuer), NULL);
	ekcert_time_str(at != NULL ? *at : time(NULL), when, sizeof(when));
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		snprintf(out, outlen, "issuer '%s' of %s not found among the "
		    "roots and intermediates", issuer, who);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(out, outlen, "chain ends at self-signed %s, which is "
		    "not among the roots", who);
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
		snprintf(out, outlen, "signature of %s does not verify with "
		    "the key of its issuer '%s'", who, issuer);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (x == NULL || ASN1_TIME_to_tm(err == X509_V_ERR_CERT_HAS_EXPIRED ?
		    X509_get0_notAfter(x) : X509_get0_notBefore(x), &tm) != 1)
			snprintf(t, sizeof(t), "?");
		else
			strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(out, outlen, "CA certificate %s %s %s (checked at %s)",
		    who, err == X509_V_ERR_CERT_HAS_EXPIRED ? "expired at" :
		    "is not valid before", t, when);
		break;
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
		ext = x != NULL ? unhandled_critical(x) : NULL;
		if (ext == NULL || OBJ_obj2txt(oid, sizeof(oid),
		    X509_EXTENSION_get_object(ext), 1) <= 0)
			snprintf(oid, sizeof(oid), "?");
		snprintf(out, outlen, "%s has critical extension %s, which is "
		    "neither handled by OpenSSL nor defined by the TCG", who,
		    oid);
		break;
	default:
		snprintf(out, outlen, "%s (%s, depth %d)",
		    X509_verify_cert_error_string(err), who, depth);
		break;
	}
}

static void
chain_success(X509_STORE_CTX *ctx, struct ekcert_chain *out)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	X509 *anchor;

	out->verified = true;
	out->length = chain != NULL ? sk_X509_num(chain) : 0;
	if (out->length == 0)
		return;
	anchor = sk_X509_value(chain, out->length - 1);
	out->anchor_self_signed = X509_self_signed(anchor, 0) == 1;
	name_str(X509_get_subject_name(anchor), out->anchor,
	    sizeof(out->anchor), NULL);
}

int
ekcert_verify_chain(const struct ekcert *c, const struct x509_store *store,
    const time_t *at, struct ekcert_chain *out, struct errbuf *e)
{
	X509_STORE_CTX *ctx;
	X509_VERIFY_PARAM *param;
	unsigned long flags = X509_V_FLAG_CHECK_SS_SIGNATURE;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return err_set(e, "out of memory");
	if (X509_STORE_CTX_init(ctx, store->roots, c->x509,
	    store->intermediates) != 1) {
		X509_STORE_CTX_free(ctx);
		return err_openssl(e, "chain verification");
	}
	if (store->root_not_self_signed)
		flags |= X509_V_FLAG_PARTIAL_CHAIN;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, flags);
	if (at != NULL)
		X509_VERIFY_PARAM_set_time(param, *at);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	rc = X509_verify_cert(ctx);
	if (rc == 1)
		chain_success(ctx, out);
	else
		chain_reason(ctx, at, out->reason, sizeof(out->reason));
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return 0;
}
