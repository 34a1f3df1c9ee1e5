/*
 * test_tpm_public.c - TPM public areas against tpm2-tools' own results
 * (testdata/tpm/, made on swtpm; see its PROVENANCE.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "format/fileio.h"
#include "format/tpm_public.h"
#include "tests/unit/check.h"

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob
load(const char *path)
{
	struct blob b = { NULL, 0 };
	struct errbuf e;

	if (file_read(path, FILEIO_MAX_SMALL, &b.p, &b.len, &e) != 0) {
		printf("not ok - load %s: %s\n", path, e.msg);
		exit(1);
	}
	return b;
}

static int
parse_file(const char *path, struct tpm_public *p)
{
	struct blob b = load(path);
	struct errbuf e;
	int rc = tpm_public_parse_2b(b.p, b.len, p, &e);

	free(b.p);
	return rc;
}

static int
name_matches(const char *pub, const char *namefile)
{
	struct tpm_public p;
	struct tpm_name n;
	struct blob want = load(namefile);
	int ok = parse_file(pub, &p) == 0 && tpm_public_name(&p, &n, NULL) == 0 &&
	    n.len == want.len && memcmp(n.b, want.p, n.len) == 0;

	free(want.p);
	return ok;
}

static void
test_names(void)
{
	CHECK(name_matches("testdata/tpm/ek-rsa.pub", "testdata/tpm/ek-rsa.name"),
	    "Name of the RSA EK equals tpm2_readpublic's");
	CHECK(name_matches("testdata/tpm/ek-ecc.pub", "testdata/tpm/ek-ecc.name"),
	    "Name of the ECC EK equals tpm2_readpublic's");
	CHECK(name_matches("testdata/tpm/ak-rsa.pub", "testdata/tpm/ak-rsa.name"),
	    "Name of the RSA AK equals tpm2_createak's");
	CHECK(name_matches("testdata/tpm/ak-ecc.pub", "testdata/tpm/ak-ecc.name"),
	    "Name of the ECC AK equals tpm2_createak's");
}

static void
test_qualified_names(void)
{
	struct tpm_public ek, ak;
	struct tpm_name hier, ek_name, ek_qn, ak_name, ak_qn;
	struct blob want_ek = load("testdata/tpm/ek-rsa.qname");
	struct blob want_ak = load("testdata/tpm/ak-rsa.qname");

	parse_file("testdata/tpm/ek-rsa.pub", &ek);
	parse_file("testdata/tpm/ak-rsa.pub", &ak);
	tpm_hierarchy_qn(0x4000000B, &hier);
	CHECK(tpm_public_name(&ek, &ek_name, NULL) == 0 &&
	    tpm_qualified_name(&hier, &ek_name, &ek_qn, NULL) == 0 &&
	    ek_qn.len == want_ek.len && memcmp(ek_qn.b, want_ek.p, ek_qn.len) == 0,
	    "QN(EK) = H(endorsement handle || Name(EK)) equals tpm2_readpublic -q");
	CHECK(tpm_public_name(&ak, &ak_name, NULL) == 0 &&
	    tpm_qualified_name(&ek_qn, &ak_name, &ak_qn, NULL) == 0 &&
	    ak_qn.len == want_ak.len && memcmp(ak_qn.b, want_ak.p, ak_qn.len) == 0,
	    "QN(AK) = H(QN(EK) || Name(AK)) equals tpm2_readpublic -q");
	CHECK(!(ak_qn.len == ak_name.len && memcmp(ak_qn.b, ak_name.b, ak_qn.len) == 0),
	    "an AK's Qualified Name differs from its Name");
	free(want_ek.p);
	free(want_ak.p);
}

static int
pkey_equals_pem(const char *pub, const char *pem)
{
	struct tpm_public p;
	struct pubkey k;
	struct blob b = load(pem);
	EVP_PKEY *pk = NULL;
	int ok;

	ok = parse_file(pub, &p) == 0 && tpm_public_to_pkey(&p, &pk, NULL) == 0 &&
	    pubkey_parse(b.p, b.len, &k, NULL) == 0 &&
	    k.format == PUBKEY_PEM_SPKI && EVP_PKEY_eq(pk, k.pkey) == 1;
	if (ok)
		pubkey_free(&k);
	EVP_PKEY_free(pk);
	free(b.p);
	return ok;
}

static void
test_to_pkey(void)
{
	CHECK(pkey_equals_pem("testdata/tpm/ek-rsa.pub", "testdata/tpm/ek-rsa.pem"),
	    "RSA EK public area converts to the key tpm2_readpublic -f pem gives");
	CHECK(pkey_equals_pem("testdata/tpm/ek-ecc.pub", "testdata/tpm/ek-ecc.pem"),
	    "ECC EK public area converts to the key tpm2_readpublic -f pem gives");
	CHECK(pkey_equals_pem("testdata/tpm/ak-ecc.pub", "testdata/tpm/ak-ecc.pem"),
	    "ECC AK public area converts to the key tpm2_readpublic -f pem gives");
}

/* The ECC AK with its point's y replaced by the byte string y: what
 * tpm_public_to_pkey() says, or 1 (e set) if the AK cannot be read. */
static int
ak_ecc_with_y(const uint8_t y[32], EVP_PKEY **pk, struct errbuf *e)
{
	struct tpm_public p;

	*pk = NULL;
	if (parse_file("testdata/tpm/ak-ecc.pub", &p) != 0 ||
	    p.pub.unique.ecc.y.size != 32) {
		err_set(e, "testdata/tpm/ak-ecc.pub: no P-256 point to change");
		return 1;	/* neither success nor a refusal */
	}
	memcpy(p.pub.unique.ecc.y.buffer, y, 32);
	return tpm_public_to_pkey(&p, pk, e);
}

/* Points that are not on the curve are refused, whatever the import
 * would make of them. */
static void
test_bad_points(void)
{
	static const uint8_t p256_p[32] = {	/* the field prime */
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct tpm_public p;
	uint8_t y[32];
	EVP_PKEY *pk;
	struct errbuf e;

	CHECK(parse_file("testdata/tpm/ak-ecc.pub", &p) == 0 &&
	    p.pub.unique.ecc.y.size == 32, "ECC AK point read");
	memcpy(y, p.pub.unique.ecc.y.buffer, 32);
	CHECK(ak_ecc_with_y(y, &pk, &e) == 0 && pk != NULL,
	    "the unchanged point converts");
	EVP_PKEY_free(pk);
	y[31] ^= 0x01;
	CHECK(ak_ecc_with_y(y, &pk, &e) == -1 && pk == NULL,
	    "a point off the curve (y with one bit flipped) is refused: %s",
	    e.msg);
	CHECK(ak_ecc_with_y(p256_p, &pk, &e) == -1 && pk == NULL,
	    "a coordinate equal to the field prime is refused: %s", e.msg);
}

/* An EK rebuilt from its PEM with the TCG template is the TPM's own
 * public area, byte for byte (checks attributes, PolicyA, parameters). */
static int
template_rebuilds(const char *pub, const char *pem, const char *want_desc)
{
	struct tpm_public real, rebuilt;
	struct pubkey k;
	struct blob b = load(pem);
	const char *desc = NULL;
	int ok;

	ok = parse_file(pub, &real) == 0 && pubkey_parse(b.p, b.len, &k, NULL) == 0;
	if (ok) {
		ok = tpm_public_from_ek_pkey(k.pkey, &rebuilt, &desc, NULL) == 0 &&
		    rebuilt.raw_len == real.raw_len &&
		    memcmp(rebuilt.raw, real.raw, real.raw_len) == 0 &&
		    desc != NULL && strstr(desc, want_desc) != NULL;
		pubkey_free(&k);
	}
	free(b.p);
	return ok;
}

static void
test_ek_templates(void)
{
	CHECK(template_rebuilds("testdata/tpm/ek-rsa.pub", "testdata/tpm/ek-rsa.pem", "L-1"),
	    "RSA EK rebuilt from PEM with template L-1 equals the TPM's public area");
	CHECK(template_rebuilds("testdata/tpm/ek-ecc.pub", "testdata/tpm/ek-ecc.pem", "L-2"),
	    "ECC EK rebuilt from PEM with template L-2 equals the TPM's public area");
}

static void
test_attribute_checks(void)
{
	struct tpm_public ek, ak, ak_ecc;
	struct errbuf e;

	parse_file("testdata/tpm/ek-rsa.pub", &ek);
	parse_file("testdata/tpm/ak-rsa.pub", &ak);
	parse_file("testdata/tpm/ak-ecc.pub", &ak_ecc);
	CHECK(tpm_public_check_ak(&ak, &e) == 0, "RSA AK passes the AK check");
	CHECK(tpm_public_check_ak(&ak_ecc, &e) == 0, "ECC AK passes the AK check");
	CHECK(tpm_public_check_ek(&ek, &e) == 0, "EK passes the EK check");
	CHECK(tpm_public_check_ak(&ek, &e) != 0 && strstr(e.msg, "sign not set") &&
	    strstr(e.msg, "decrypt set"), "EK is refused as an AK, naming the attributes");
	CHECK(tpm_public_check_ek(&ak, &e) != 0 && strstr(e.msg, "decrypt not set"),
	    "AK is refused as an EK, naming the attribute");
	ak.pub.objectAttributes &= ~0x00010000u;
	CHECK(tpm_public_check_ak(&ak, &e) != 0 && strstr(e.msg, "restricted not set"),
	    "an unrestricted signing key is not an AK");
	ak.pub.objectAttributes |= 0x00010000u;
	ak.pub.nameAlg = 0x0004;
	CHECK(tpm_public_check_ak(&ak, &e) != 0 && strstr(e.msg, "too weak"),
	    "a SHA-1 nameAlg is refused");
}

static void
test_malformed(void)
{
	struct blob b = load("testdata/tpm/ak-rsa.pub");
	uint8_t buf[TPM_PUBLIC_MAX_BYTES + 8];
	struct tpm_public p;
	struct pubkey k;
	struct errbuf e;
	size_t cut;
	int all_refused = 1;

	for (cut = 0; cut < b.len; cut++)
		if (tpm_public_parse_2b(b.p, cut, &p, &e) == 0)
			all_refused = 0;
	CHECK(all_refused, "every truncation of a TPM2B_PUBLIC is refused");

	memcpy(buf, b.p, b.len);
	buf[b.len] = 0;
	CHECK(tpm_public_parse_2b(buf, b.len + 1, &p, &e) != 0 &&
	    strstr(e.msg, "size field") != NULL,
	    "a trailing byte after TPM2B_PUBLIC is refused (size mismatch)");
	CHECK(tpm_public_parse(b.p + 2, b.len - 1, &p, &e) != 0,
	    "a trailing byte after TPMT_PUBLIC is refused");
	CHECK(pubkey_parse(b.p + 2, b.len - 2, &k, &e) == 0 &&
	    k.format == PUBKEY_TPMT_PUBLIC, "a bare TPMT_PUBLIC is detected");
	pubkey_free(&k);
	CHECK(pubkey_parse(b.p, b.len, &k, &e) == 0 &&
	    k.format == PUBKEY_TPM2B_PUBLIC, "a TPM2B_PUBLIC is detected");
	pubkey_free(&k);
	/* Inner size smaller than the structure: the outer size still matches
	 * the file, the TPMT_PUBLIC inside does not end where it says. */
	memcpy(buf, b.p, b.len);
	buf[1] = (uint8_t)(buf[1] - 1);
	CHECK(tpm_public_parse_2b(buf, b.len - 1, &p, &e) != 0,
	    "a TPM2B_PUBLIC whose inner structure overruns its size is refused");
	CHECK(pubkey_parse((const uint8_t *)"", 0, &k, &e) != 0, "an empty key file is refused");
	free(b.p);
}

static void
test_spki_formats(void)
{
	struct blob pem = load("testdata/tpm/ak-rsa.pem");
	struct pubkey k, k2;
	unsigned char *der = NULL;
	int derlen;

	CHECK(pubkey_parse(pem.p, pem.len, &k, NULL) == 0 && k.format == PUBKEY_PEM_SPKI &&
	    !k.has_tpm, "PEM SubjectPublicKeyInfo is detected");
	derlen = i2d_PUBKEY(k.pkey, &der);
	CHECK(derlen > 0 && pubkey_parse(der, (size_t)derlen, &k2, NULL) == 0 &&
	    k2.format == PUBKEY_DER_SPKI && EVP_PKEY_eq(k.pkey, k2.pkey) == 1,
	    "DER SubjectPublicKeyInfo is detected and equals the PEM key");
	pubkey_free(&k2);
	CHECK(derlen > 0 && pubkey_parse(der, (size_t)derlen - 1, &k2, NULL) != 0,
	    "truncated DER is refused");
	OPENSSL_free(der);
	pubkey_free(&k);
	free(pem.p);
}

int
main(void)
{
	test_names();
	test_qualified_names();
	test_to_pkey();
	test_bad_points();
	test_ek_templates();
	test_attribute_checks();
	test_malformed();
	test_spki_formats();
	return check_finish();
}
