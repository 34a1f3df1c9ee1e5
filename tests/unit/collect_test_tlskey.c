/*
 * collect_test_tlskey.c - what `dossier-collect tls-key` writes, without a
 * TPM: the TSS2 PRIVATE KEY DER (checked against OpenSSL's generic ASN.1
 * reader: the sequence, its OID, emptyAuth, parent and the two blobs, also
 * for a parent with the top bit set and for blobs long enough for a
 * two-byte length) and the subject parser of the certificate request.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "collect/tls_csr.h"
#include "collect/tpm_tlskey.h"
#include "tests/unit/check.h"

/* A key with a public area of publen bytes and a private blob of privlen. */
static void
fake_key(struct tpm_tlskey *k, uint32_t parent, uint16_t privlen)
{
	memset(k, 0, sizeof(*k));
	k->parent = parent;
	k->pub.publicArea.type = TPM2_ALG_ECC;
	k->pub.publicArea.nameAlg = TPM2_ALG_SHA256;
	k->pub.publicArea.objectAttributes = TPM_TLSKEY_ATTRIBUTES;
	k->pub.publicArea.parameters.eccDetail.symmetric.algorithm =
	    TPM2_ALG_NULL;
	k->pub.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	k->pub.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	k->pub.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	k->pub.publicArea.unique.ecc.x.size = 32;
	k->pub.publicArea.unique.ecc.y.size = 32;
	memset(k->pub.publicArea.unique.ecc.x.buffer, 0x11, 32);
	memset(k->pub.publicArea.unique.ecc.y.buffer, 0x22, 32);
	k->pub.size = 1;	/* non-zero: present (Marshal recomputes it) */
	k->priv.size = privlen;
	memset(k->priv.buffer, 0x5a, privlen);
}

/* Decode der as SEQUENCE OF ANY and check every field. */
static void
check_der(const uint8_t *der, size_t len, uint32_t parent, uint16_t privlen,
    const char *what)
{
	const unsigned char *p = der;
	ASN1_SEQUENCE_ANY *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	ASN1_TYPE *t;
	char oid[64] = "";
	uint64_t v = 0;

	CHECK(seq != NULL && p == der + len, "%s: one DER SEQUENCE, nothing "
	    "after it", what);
	if (seq == NULL)
		return;
	CHECK(sk_ASN1_TYPE_num(seq) == 5, "%s: five fields", what);
	if (sk_ASN1_TYPE_num(seq) != 5)
		goto out;
	t = sk_ASN1_TYPE_value(seq, 0);
	if (t->type == V_ASN1_OBJECT)
		OBJ_obj2txt(oid, sizeof(oid), t->value.object, 1);
	CHECK(strcmp(oid, "2.23.133.10.1.3") == 0, "%s: type loadableKey "
	    "(got '%s')", what, oid);
	t = sk_ASN1_TYPE_value(seq, 1);
	CHECK(t->type == V_ASN1_OTHER && t->value.sequence->length == 5 &&
	    memcmp(t->value.sequence->data, "\xa0\x03\x01\x01\xff", 5) == 0,
	    "%s: [0] EXPLICIT BOOLEAN TRUE (emptyAuth)", what);
	t = sk_ASN1_TYPE_value(seq, 2);
	CHECK(t->type == V_ASN1_INTEGER &&
	    ASN1_INTEGER_get_uint64(&v, t->value.integer) == 1 &&
	    v == parent, "%s: parent 0x%08x as a positive INTEGER", what,
	    parent);
	t = sk_ASN1_TYPE_value(seq, 3);
	CHECK(t->type == V_ASN1_OCTET_STRING &&
	    t->value.octet_string->length > 2 &&
	    ((t->value.octet_string->data[0] << 8) |
	    t->value.octet_string->data[1]) ==
	    t->value.octet_string->length - 2, "%s: pubkey is a TPM2B", what);
	t = sk_ASN1_TYPE_value(seq, 4);
	CHECK(t->type == V_ASN1_OCTET_STRING &&
	    t->value.octet_string->length == privlen + 2 &&
	    t->value.octet_string->data[2] == 0x5a, "%s: privkey is the "
	    "TPM2B_PRIVATE", what);
out:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
}

static void
test_der(void)
{
	static struct tpm_tlskey k;
	uint8_t der[TPM_TLSKEY_DER_MAX];
	size_t len = 0;
	struct errbuf e;

	fake_key(&k, TPM_TLSKEY_PARENT_OWNER, 126);
	CHECK(tpm_tlskey_der(&k, der, sizeof(der), &len, &e) == 0,
	    "DER of a key under the owner's primary");
	check_der(der, len, TPM_TLSKEY_PARENT_OWNER, 126, "owner parent");

	fake_key(&k, 0x81000001u, 700);
	CHECK(tpm_tlskey_der(&k, der, sizeof(der), &len, &e) == 0,
	    "DER of a key under a persistent parent, long private blob");
	check_der(der, len, 0x81000001u, 700, "persistent parent");

	CHECK(tpm_tlskey_der(&k, der, 40, &len, &e) == -1 &&
	    strstr(e.msg, "no room") != NULL, "a short buffer is refused");
	k.priv.size = 0;
	CHECK(tpm_tlskey_der(&k, der, sizeof(der), &len, &e) == -1,
	    "a key without blobs (persistent) has no DER");
}

static void
test_subject(void)
{
	X509_NAME *n = NULL;
	struct errbuf e;
	char buf[256];
	char longs[TLS_CSR_SUBJECT_MAX + 8];

	CHECK(tls_csr_subject_parse("/CN=device-17/O=Example Ltd", &n,
	    &e) == 0 && n != NULL, "subject with two components");
	if (n != NULL) {
		X509_NAME_oneline(n, buf, sizeof(buf));
		CHECK(strcmp(buf, "/CN=device-17/O=Example Ltd") == 0,
		    "... read back (%s)", buf);
		X509_NAME_free(n);
		n = NULL;
	}
	CHECK(tls_csr_subject_parse("/CN=a\\/b\\\\c", &n, &e) == 0,
	    "escaped slash and backslash");
	if (n != NULL) {
		X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf));
		CHECK(strcmp(buf, "a/b\\c") == 0, "... give 'a/b\\c' (%s)", buf);
		X509_NAME_free(n);
		n = NULL;
	}
	CHECK(tls_csr_subject_parse("CN=x", &n, &e) == -1 && n == NULL,
	    "no leading slash: refused");
	CHECK(tls_csr_subject_parse("/CN=x/", &n, &e) == -1,
	    "an empty last component: refused");
	CHECK(tls_csr_subject_parse("/CN=", &n, &e) == -1 &&
	    strstr(e.msg, "empty value") != NULL, "an empty value: refused");
	CHECK(tls_csr_subject_parse("/XYZZY=1", &n, &e) == -1 &&
	    strstr(e.msg, "XYZZY") != NULL, "an unknown type: refused by name");
	CHECK(tls_csr_subject_parse("/CN=x\\", &n, &e) == -1 &&
	    strstr(e.msg, "backslash") != NULL, "a lone backslash: refused");
	memset(longs, 'a', sizeof(longs) - 1);
	longs[0] = '/';
	longs[1] = 'C';
	longs[2] = 'N';
	longs[3] = '=';
	longs[sizeof(longs) - 1] = '\0';
	CHECK(tls_csr_subject_parse(longs, &n, &e) == -1 &&
	    strstr(e.msg, "longer than") != NULL, "an overlong subject: refused");
}

int
main(void)
{
	test_der();
	test_subject();
	return check_finish();
}
