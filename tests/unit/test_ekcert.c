/*
 * test_ekcert.c - EK certificate input forms (constructed bytes for the
 * padding / NV header rules), facts extracted from real certificates, the
 * original-bytes guarantee, and the certificate store loader.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "format/ekcert.h"
#include "format/fileio.h"
#include "format/x509_store.h"
#include "tests/unit/check.h"

#define EK "testdata/ek/"

/* A tiny DER SEQUENCE { INTEGER 5 }: enough for the locating rules. */
static const uint8_t tiny[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

static int
locate(const uint8_t *in, size_t len, struct ekcert_container *c,
    struct errbuf *e)
{
	err_clear(e);
	return ekcert_locate(in, len, c, e);
}

static bool
has(const struct errbuf *e, const char *s)
{
	return strstr(e->msg, s) != NULL;
}

static void
test_locate_der(void)
{
	struct ekcert_container c;
	struct errbuf e;
	uint8_t buf[64];

	CHECK(locate(tiny, sizeof(tiny), &c, &e) == 0 &&
	    c.form == EKCERT_FORM_DER && c.der_off == 0 && c.der_len == 5 &&
	    c.pad_len == 0, "locate: plain DER, nothing trimmed");

	memcpy(buf, tiny, 5);
	memset(buf + 5, 0xff, 4);
	CHECK(locate(buf, 9, &c, &e) == 0 && c.der_len == 5 &&
	    c.pad_len == 4 && c.pad_ff == 4 && c.pad_00 == 0,
	    "locate: 0xFF padding trimmed and counted");

	buf[5] = 0x00; buf[6] = 0x00; buf[7] = 0xff;
	CHECK(locate(buf, 8, &c, &e) == 0 && c.pad_len == 3 &&
	    c.pad_00 == 2 && c.pad_ff == 1,
	    "locate: mixed 0x00/0xFF runs trimmed and counted");

	buf[5] = 0xff; buf[6] = 0x41;
	CHECK(locate(buf, 7, &c, &e) == -1 && has(&e, "0x41") &&
	    has(&e, "offset 6"), "locate: non-padding byte names its offset: %s",
	    e.msg);

	CHECK(locate(tiny, 0, &c, &e) == -1 && has(&e, "empty"),
	    "locate: empty input is refused: %s", e.msg);

	memset(buf, 0xff, 16);
	CHECK(locate(buf, 16, &c, &e) == -1 && has(&e, "all 16 bytes"),
	    "locate: all-padding input says so: %s", e.msg);

	buf[0] = 'A';
	CHECK(locate(buf, 16, &c, &e) == -1 && has(&e, "not a certificate"),
	    "locate: unknown first byte: %s", e.msg);
}

static void
test_locate_der_lengths(void)
{
	struct ekcert_container c;
	struct errbuf e;
	uint8_t buf[300];

	memset(buf, 0, sizeof(buf));
	buf[0] = 0x30; buf[1] = 0x82; buf[2] = 0x01; buf[3] = 0x00;
	CHECK(locate(buf, 10, &c, &e) == -1 && has(&e, "260") &&
	    has(&e, "has 10"), "locate: truncated DER gives both lengths: %s",
	    e.msg);
	CHECK(locate(buf, 260, &c, &e) == 0 && c.der_len == 260,
	    "locate: long-form length (0x82) read");

	buf[1] = 0x81; buf[2] = 0x03;
	CHECK(locate(buf, 6, &c, &e) == 0 && c.der_len == 6,
	    "locate: long-form length (0x81) read");

	buf[1] = 0x80;
	CHECK(locate(buf, 10, &c, &e) == -1 && has(&e, "indefinite"),
	    "locate: indefinite length refused: %s", e.msg);

	buf[1] = 0x83; buf[2] = 0x01; buf[3] = 0x00; buf[4] = 0x00;
	CHECK(locate(buf, 10, &c, &e) == -1 && has(&e, "limit"),
	    "locate: a certificate over EKCERT_DER_MAX refused: %s", e.msg);
}

static size_t
nv_wrap(uint8_t *out, const uint8_t *der, size_t len, size_t pad)
{
	size_t size = len + 2;

	out[0] = 0x10; out[1] = 0x01; out[2] = 0x00;
	out[3] = (uint8_t)(size >> 8); out[4] = (uint8_t)size;
	out[5] = 0x10; out[6] = 0x02;
	memcpy(out + 7, der, len);
	memset(out + 7 + len, 0xff, pad);
	return 7 + len + pad;
}

static void
test_locate_nv_header(void)
{
	struct ekcert_container c;
	struct errbuf e;
	uint8_t buf[64];
	size_t n;

	n = nv_wrap(buf, tiny, sizeof(tiny), 0);
	CHECK(locate(buf, n, &c, &e) == 0 && c.form == EKCERT_FORM_NV_HEADER &&
	    c.header_len == 7 && c.der_off == 7 && c.der_len == 5 &&
	    c.pad_len == 0, "locate: TCG NV header");

	n = nv_wrap(buf, tiny, sizeof(tiny), 9);
	CHECK(locate(buf, n, &c, &e) == 0 && c.der_len == 5 && c.pad_len == 9,
	    "locate: TCG NV header then padding");

	n = nv_wrap(buf, tiny, sizeof(tiny), 1);
	buf[4] = 8;	/* certSize covers the padding byte too */
	CHECK(locate(buf, n, &c, &e) == -1 && has(&e, "does not match"),
	    "locate: NV header size must equal 2 + DER length: %s", e.msg);

	n = nv_wrap(buf, tiny, sizeof(tiny), 0);
	buf[4] = 40;
	CHECK(locate(buf, n, &c, &e) == -1 && has(&e, "announces 40"),
	    "locate: NV header size beyond the input: %s", e.msg);

	n = nv_wrap(buf, tiny, sizeof(tiny), 0);
	buf[2] = 1;
	CHECK(locate(buf, n, &c, &e) == -1 && has(&e, "type 1"),
	    "locate: partial-certificate NV type refused: %s", e.msg);

	n = nv_wrap(buf, tiny, sizeof(tiny), 0);
	buf[6] = 0x03;
	CHECK(locate(buf, n, &c, &e) == -1 && has(&e, "10 03"),
	    "locate: wrong full-cert tag refused: %s", e.msg);

	CHECK(locate(buf, 4, &c, &e) == -1 && has(&e, "truncated"),
	    "locate: truncated NV header: %s", e.msg);

	n = nv_wrap(buf, tiny, sizeof(tiny), 2);
	buf[n - 1] = 0x20;
	CHECK(locate(buf, n, &c, &e) == -1 && has(&e, "offset 13"),
	    "locate: garbage after NV certificate names its offset: %s", e.msg);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct errbuf e;
	uint8_t *buf = NULL;

	if (file_read(path, EKCERT_INPUT_MAX, &buf, len, &e) != 0) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return buf;
}

static int
parse_file(const char *path, struct ekcert *c, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	err_clear(e);
	if ((buf = slurp(path, &len)) == NULL)
		return -1;
	rc = ekcert_parse(buf, len, c, e);
	free(buf);
	return rc;
}

static bool
sha256_is(const uint8_t *data, size_t len, const uint8_t want[32])
{
	uint8_t md[32];
	unsigned int n = 0;

	return EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32 && memcmp(md, want, 32) == 0;
}

static void
test_ff_padded_st(void)
{
	struct ekcert c;
	struct errbuf e;
	uint8_t *raw, *re = NULL;
	size_t len;
	int relen;

	raw = slurp(EK "malformed/keylime/st_sha256_with_rsa_ek_ffpadded.der",
	    &len);
	CHECK(raw != NULL && len == 1600, "st padded: file read");
	if (raw == NULL)
		return;
	err_clear(&e);
	CHECK(ekcert_parse(raw, len, &c, &e) == 0, "st padded: parses: %s",
	    e.msg);
	CHECK(c.container.form == EKCERT_FORM_DER && c.der_len == 1169 &&
	    c.container.pad_len == 431 && c.container.pad_ff == 431,
	    "st padded: 1169 bytes kept, 431 bytes of 0xFF trimmed");
	CHECK(c.der != NULL && memcmp(c.der, raw, 1169) == 0,
	    "st padded: DER is the original bytes");
	CHECK(sha256_is(raw, 1169, c.facts.sha256),
	    "st padded: fingerprint is over the first 1169 bytes");
	relen = i2d_X509(c.x509, &re);
	CHECK(relen == 1169 && memcmp(re, raw, 1169) == 0,
	    "st padded: OpenSSL kept the original encoding");
	OPENSSL_free(re);
	CHECK(strcmp(c.facts.key_desc, "rsa 2048") == 0, "st padded: key %s",
	    c.facts.key_desc);
	CHECK(c.facts.manufacturer_is_id &&
	    memcmp(c.facts.manufacturer_id, "\x53\x54\x4d\x20", 4) == 0 &&
	    strcmp(c.facts.manufacturer_ascii, "STM") == 0,
	    "st padded: manufacturer id:53544D20 is STM");
	CHECK(strcmp(c.facts.model, "ST33HTPHAHB4") == 0 &&
	    strcmp(c.facts.version, "id:00490004") == 0,
	    "st padded: model and version from the SAN");
	CHECK(c.facts.subject[0] == '\0' && c.facts.san_critical,
	    "st padded: empty subject, critical SAN");
	CHECK(strstr(c.facts.issuer, "STM TPM EK Intermediate CA 05") != NULL,
	    "st padded: issuer %s", c.facts.issuer);
	ekcert_free(&c);

	/* The same certificate with one more byte that is not padding. */
	raw[1300] = 0x5a;
	err_clear(&e);
	CHECK(ekcert_parse(raw, len, &c, &e) == -1 && has(&e, "offset 1300"),
	    "st padded: a stray byte in the padding is refused: %s", e.msg);
	ekcert_free(&c);
	free(raw);
}

static void
test_infineon(void)
{
	struct ekcert c;
	struct errbuf e;

	CHECK(parse_file(EK "leaf/keylime/infineon_optiga_rsa_ek_ca035.der", &c,
	    &e) == 0, "infineon rsa: parses: %s", e.msg);
	CHECK(c.container.pad_len == 0 && c.der_len == 1184,
	    "infineon rsa: plain DER");
	CHECK(c.facts.manufacturer_is_id &&
	    strcmp(c.facts.manufacturer_ascii, "IFX") == 0 &&
	    c.facts.manufacturer_id[3] == 0x00,
	    "infineon rsa: manufacturer id:49465800 is IFX");
	CHECK(strcmp(c.facts.model, "SLB 9670 TPM2.0") == 0 &&
	    strcmp(c.facts.version, "id:073f") == 0,
	    "infineon rsa: model '%s' version '%s'", c.facts.model,
	    c.facts.version);
	CHECK(c.facts.has_eku && c.facts.eku_ek_certificate,
	    "infineon rsa: tcg-kp-EKCertificate");
	CHECK(c.facts.has_key_usage &&
	    (c.facts.key_usage & KU_KEY_ENCIPHERMENT) &&
	    !(c.facts.key_usage & KU_KEY_AGREEMENT),
	    "infineon rsa: keyEncipherment");
	CHECK(c.facts.has_basic_constraints && !c.facts.is_ca,
	    "infineon rsa: CA:FALSE");
	CHECK(EVP_PKEY_get_base_id(c.pkey) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(c.pkey) == 2048, "infineon rsa: public key");
	CHECK(strcmp(c.facts.not_before, "2018-03-01T14:19:33Z") == 0 &&
	    strcmp(c.facts.not_after, "2033-03-01T14:19:33Z") == 0 &&
	    !c.facts.never_expires, "infineon rsa: validity %s %s",
	    c.facts.not_before, c.facts.not_after);
	CHECK(ekcert_validity_at(&c, 1519913972) == -1 &&
	    ekcert_validity_at(&c, 1519913973) == 0 &&
	    ekcert_validity_at(&c, 1600000000) == 0 &&
	    ekcert_validity_at(&c, 1993299574) == 1,
	    "infineon rsa: validity boundaries");
	ekcert_free(&c);

	CHECK(parse_file(EK "leaf/keylime/infineon_optiga_ecc_ek_ca035.der", &c,
	    &e) == 0, "infineon ecc: parses: %s", e.msg);
	CHECK(strcmp(c.facts.key_desc, "ecc nist-p256") == 0,
	    "infineon ecc: key %s", c.facts.key_desc);
	CHECK(c.facts.has_key_usage && (c.facts.key_usage & KU_KEY_AGREEMENT),
	    "infineon ecc: keyAgreement");
	ekcert_free(&c);
}

static void
test_nuvoton(void)
{
	struct ekcert c;
	struct errbuf e;
	uint8_t *re = NULL;
	int relen;

	CHECK(parse_file(EK "malformed/keylime/nuvoton_npct75x_rsa_ek_set_ordering.der",
	    &c, &e) == 0, "nuvoton leaf: parses: %s", e.msg);
	CHECK(strcmp(c.facts.manufacturer_ascii, "NTC") == 0 &&
	    strcmp(c.facts.model, "NPCT75x") == 0,
	    "nuvoton leaf: TPM attributes from a multi-valued RDN");
	ekcert_free(&c);

	CHECK(parse_file(EK "malformed/keylime/nuvoton_root_ca_2110_set_ordering.der",
	    &c, &e) == 0, "nuvoton root: parses: %s", e.msg);
	CHECK(X509_verify(c.x509, c.pkey) == 1,
	    "nuvoton root: self-signature verifies over the original bytes");
	/* What OpenSSL would write out is the original, unsorted bytes. */
	relen = i2d_X509(c.x509, &re);
	CHECK(relen > 0 && (size_t)relen == c.der_len &&
	    memcmp(re, c.der, c.der_len) == 0,
	    "nuvoton root: encoding kept byte for byte");
	OPENSSL_free(re);
	ekcert_free(&c);
}

static void
test_pem_and_nv(void)
{
	struct ekcert c, d;
	struct errbuf e;
	uint8_t *raw, *wrapped;
	BIO *bio;
	char *pem;
	long pemlen;
	size_t len, n;

	raw = slurp(EK "leaf/keylime/st_ecdsa_sha256_ek.der", &len);
	if (raw == NULL || ekcert_parse(raw, len, &d, &e) != 0) {
		CHECK(0, "st ecc: parses");
		free(raw);
		return;
	}
	bio = BIO_new(BIO_s_mem());
	BIO_puts(bio, "Certificate: some human-readable text first\n");
	PEM_write_bio_X509(bio, d.x509);
	pemlen = BIO_get_mem_data(bio, &pem);
	err_clear(&e);
	CHECK(ekcert_parse((uint8_t *)pem, (size_t)pemlen, &c, &e) == 0 &&
	    c.container.form == EKCERT_FORM_PEM &&
	    memcmp(c.facts.sha256, d.facts.sha256, 32) == 0,
	    "pem: text then PEM, same fingerprint as the DER: %s", e.msg);
	ekcert_free(&c);
	PEM_write_bio_X509(bio, d.x509);
	pemlen = BIO_get_mem_data(bio, &pem);
	err_clear(&e);
	CHECK(ekcert_parse((uint8_t *)pem, (size_t)pemlen, &c, &e) == -1 &&
	    has(&e, "more than one"), "pem: two certificates refused: %s",
	    e.msg);
	BIO_free(bio);

	wrapped = malloc(len + 7 + 20);
	n = nv_wrap(wrapped, raw, len, 20);
	err_clear(&e);
	CHECK(ekcert_parse(wrapped, n, &c, &e) == 0 &&
	    c.container.form == EKCERT_FORM_NV_HEADER &&
	    c.container.pad_len == 20 &&
	    memcmp(c.facts.sha256, d.facts.sha256, 32) == 0,
	    "nv header: real certificate unwrapped, same fingerprint: %s",
	    e.msg);
	ekcert_free(&c);
	free(wrapped);

	raw[len - 1] ^= 0xff;	/* inside the signature: still parses */
	err_clear(&e);
	CHECK(ekcert_parse(raw, len, &c, &e) == 0,
	    "st ecc: a flipped signature byte still parses");
	ekcert_free(&c);
	ekcert_free(&d);

	err_clear(&e);
	CHECK(ekcert_parse((const uint8_t *)"hello", 5, &c, &e) == -1 &&
	    has(&e, "not a certificate"), "text without PEM refused: %s", e.msg);
	CHECK(ekcert_parse((const uint8_t *)"-----BEGIN X-----\n", 18, &c,
	    &e) == -1, "broken PEM refused: %s", e.msg);
	free(raw);
}

static void
test_store(void)
{
	struct x509_store s;
	struct errbuf e;
	char path[] = "/tmp/test_ekcert.XXXXXX";
	int fd;

	err_clear(&e);
	CHECK(x509_store_init(&s, &e) == 0, "store: init");
	CHECK(x509_store_add_roots(&s, EK "ca/keylime-tpm_cert_store", &e) == 0,
	    "store: keylime directory loads: %s", e.msg);
	CHECK(s.nroots == 51, "store: 51 certificates (got %u)", s.nroots);
	CHECK(s.root_not_self_signed,
	    "store: intermediates among the roots are noticed");
	x509_store_free(&s);

	x509_store_init(&s, &e);
	CHECK(x509_store_add_roots(&s,
	    EK "ca/keylime-tpm_cert_store/Nationz_TPM_EK.pem", &e) == 0 &&
	    s.nroots == 1, "store: PEM after human-readable text: %s", e.msg);
	CHECK(x509_store_add_intermediates(&s,
	    EK "ca/infineon-optiga/rsa-mfr-ca-035.crt", &e) == 0 &&
	    s.nintermediates == 1, "store: DER file: %s", e.msg);
	if ((fd = mkstemp(path)) >= 0) {
		close(fd);
		err_clear(&e);
		CHECK(x509_store_add_roots(&s, path, &e) == -1 &&
		    has(&e, "empty") && has(&e, path),
		    "store: empty file names the file: %s", e.msg);
		unlink(path);
	}
	err_clear(&e);
	CHECK(x509_store_add_roots(&s, EK "PROVENANCE.md", &e) == -1 &&
	    has(&e, "PROVENANCE.md"), "store: non-certificate file: %s", e.msg);
	x509_store_free(&s);
}

static void
test_chain(void)
{
	struct x509_store s;
	struct ekcert c;
	struct ekcert_chain ch;
	struct errbuf e;
	time_t at = 1700000000;

	if (parse_file(EK "leaf/keylime/infineon_optiga_rsa_ek_ca035.der", &c,
	    &e) != 0) {
		CHECK(0, "chain: leaf parses");
		return;
	}
	x509_store_init(&s, &e);
	x509_store_add_roots(&s, EK "ca/infineon-optiga/rsa-root-ca.crt", &e);
	x509_store_add_intermediates(&s, EK "ca/infineon-optiga/rsa-mfr-ca-035.crt",
	    &e);
	CHECK(ekcert_verify_chain(&c, &s, &at, &ch, &e) == 0 && ch.verified &&
	    ch.length == 3 && ch.anchor_self_signed &&
	    strstr(ch.anchor, "RSA Root CA") != NULL,
	    "chain: infineon rsa via mfr CA 035 to the root: %s", ch.reason);
	x509_store_free(&s);

	x509_store_init(&s, &e);
	x509_store_add_roots(&s, EK "ca/infineon-optiga/ecc-root-ca.crt", &e);
	CHECK(ekcert_verify_chain(&c, &s, &at, &ch, &e) == 0 && !ch.verified &&
	    strstr(ch.reason, "RSA Manufacturing CA 035") != NULL &&
	    strstr(ch.reason, "not found") != NULL,
	    "chain: wrong root names the missing issuer: %s", ch.reason);
	x509_store_free(&s);
	ekcert_free(&c);
}

/*
 * Google's EK/AK CA (Compute Engine vTPMs): no subjectAltName at all, a
 * real certificate that must parse and classify as ABSENT, and chain to
 * the EK/AK CA root through the v3 intermediate.
 */
static void
test_google_no_san(void)
{
	static const char *leaves[] = {
		EK "leaf/go-tpm-tools/pca_tpm_rsa_enc_cert.pem",
		EK "leaf/go-tpm-tools/pca_tpm_ecc_enc_cert.pem",
	};
	char why[EKCERT_TPM_ATTRS_WHY_MAX];
	struct ekcert_chain ch;
	struct x509_store s;
	struct ekcert c;
	struct errbuf e;
	time_t at = 1700000000;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (parse_file(leaves[i], &c, &e) != 0) {
			CHECK(0, "google %zu: parses: %s", i, e.msg);
			continue;
		}
		CHECK(!c.facts.has_san && !c.facts.has_manufacturer &&
		    ekcert_tpm_attributes(&c.facts, why, sizeof(why)) ==
		    EKCERT_TPM_ATTRS_ABSENT &&
		    strstr(why, "no subjectAltName") != NULL,
		    "google %s: no SAN, TPM attributes absent: %s",
		    c.facts.key_desc, why);
		x509_store_init(&s, &e);
		x509_store_add_roots(&s, EK "ca/google-ek-ak-ca/"
		    "gcp_ek_ak_ca_root.crt", &e);
		x509_store_add_intermediates(&s, EK "ca/google-ek-ak-ca/"
		    "gcp_ek_ak_ca_intermediate_v3.crt", &e);
		CHECK(ekcert_verify_chain(&c, &s, &at, &ch, &e) == 0 &&
		    ch.verified && ch.length == 3 &&
		    strstr(ch.anchor, "EK/AK CA Root") != NULL,
		    "google %s: chains to the EK/AK CA root: %s",
		    c.facts.key_desc, ch.reason);
		x509_store_free(&s);
		ekcert_free(&c);
	}
	if (parse_file(EK "leaf/keylime/infineon_optiga_rsa_ek_ca035.der", &c,
	    &e) == 0) {
		CHECK(ekcert_tpm_attributes(&c.facts, why, sizeof(why)) ==
		    EKCERT_TPM_ATTRS_PRESENT &&
		    strcmp(why, "manufacturer id:49465800, model SLB 9670 "
		    "TPM2.0, version id:073f") == 0,
		    "infineon: TPM attributes present: %s", why);
		ekcert_free(&c);
	} else
		CHECK(0, "infineon: parses: %s", e.msg);
}

/*
 * A self-signed P-256 certificate whose subjectAltName is gens, or the
 * raw extension value raw when gens is NULL; its DER into *der. Built
 * here because no published EK certificate has a broken SAN.
 */
static int
build_cert(GENERAL_NAMES *gens, const uint8_t *raw, size_t rawlen,
    uint8_t **der, size_t *len)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext = NULL;
	ASN1_OCTET_STRING *os = NULL;
	unsigned char *p = NULL;
	int n, rc = -1;

	if (k == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	if (gens != NULL) {
		if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0) != 1)
			goto out;
	} else {
		os = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(os, raw, (int)rawlen);
		ext = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name,
		    0, os);
		if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
			goto out;
	}
	if (X509_sign(x, k, EVP_sha256()) == 0 || (n = i2d_X509(x, &p)) <= 0)
		goto out;
	*der = malloc((size_t)n);
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	rc = 0;
out:
	OPENSSL_free(p);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

/* GeneralNames holding one directoryName with tpmManufacturer only, or
 * (dns != NULL) one dNSName. */
static GENERAL_NAMES *
san_names(const char *dns)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	X509_NAME *dn;
	ASN1_IA5STRING *ia5;

	if (dns != NULL) {
		ia5 = ASN1_IA5STRING_new();
		ASN1_STRING_set(ia5, dns, -1);
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	} else {
		dn = X509_NAME_new();
		X509_NAME_add_entry_by_txt(dn, EKCERT_OID_TPM_MANUFACTURER,
		    MBSTRING_ASC, (const unsigned char *)"id:49465800", -1,
		    -1, 0);
		GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dn);
	}
	sk_GENERAL_NAME_push(gens, gn);
	return gens;
}

static void
test_tpm_attributes_broken(void)
{
	/* SAN holding a SEQUENCE with a truncated GeneralName inside. */
	static const uint8_t garbled[] = { 0x30, 0x04, 0xa4, 0x05, 0x30, 0x00 };
	char why[EKCERT_TPM_ATTRS_WHY_MAX];
	struct ekcert c;
	struct errbuf e;
	uint8_t *der = NULL;
	size_t len;
	GENERAL_NAMES *mfr_only = san_names(NULL), *dns = san_names("tpm.x");

	if (build_cert(mfr_only, NULL, 0, &der, &len) == 0) {
		CHECK(ekcert_parse(der, len, &c, &e) == 0 && c.facts.has_san &&
		    c.facts.has_manufacturer && ekcert_tpm_attributes(&c.facts,
		    why, sizeof(why)) == EKCERT_TPM_ATTRS_INCOMPLETE &&
		    strcmp(why, "subjectAltName directoryName lacks tpmModel "
		    "tpmVersion") == 0,
		    "SAN with the manufacturer only is incomplete: %s", why);
		ekcert_free(&c);
	} else
		CHECK(0, "build a certificate with a manufacturer-only SAN");
	free(der);
	der = NULL;
	if (build_cert(dns, NULL, 0, &der, &len) == 0) {
		CHECK(ekcert_parse(der, len, &c, &e) == 0 && c.facts.has_san &&
		    ekcert_tpm_attributes(&c.facts, why, sizeof(why)) ==
		    EKCERT_TPM_ATTRS_INCOMPLETE && strstr(why, "lacks "
		    "tpmManufacturer tpmModel tpmVersion") != NULL,
		    "SAN without a directoryName is incomplete: %s", why);
		ekcert_free(&c);
	} else
		CHECK(0, "build a certificate with a DNS-only SAN");
	free(der);
	der = NULL;
	if (build_cert(NULL, garbled, sizeof(garbled), &der, &len) == 0) {
		err_clear(&e);
		CHECK(ekcert_parse(der, len, &c, &e) == -1 &&
		    strstr(e.msg, "Subject Alternative Name") != NULL,
		    "malformed SAN fails the parse: %s", e.msg);
		ekcert_free(&c);
	} else
		CHECK(0, "build a certificate with a malformed SAN");
	free(der);
	GENERAL_NAMES_free(mfr_only);
	GENERAL_NAMES_free(dns);
}

int
main(void)
{
	test_locate_der();
	test_locate_der_lengths();
	test_locate_nv_header();
	test_ff_padded_st();
	test_infineon();
	test_nuvoton();
	test_pem_and_nv();
	test_store();
	test_chain();
	test_google_no_san();
	test_tpm_attributes_broken();
	return check_finish();
}
