/*
 * test_manifest.c - the bundle manifest codec and the signed MANIFEST file
 * (format/manifest.h): a hand-derived encoding, round trips, one test per
 * malformed case, and signing/verifying with software AKs described by
 * real TPMT_PUBLIC areas (marshaled with libtss2-mu, parsed by
 * tpm_public_parse) in both the one-step and the TPMT_SIGNATURE path.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <tss2/tss2_mu.h>

#include "format/hex.h"
#include "format/manifest.h"
#include "tests/unit/check.h"

/* ---- fixtures ---------------------------------------------------------- */

static void
sample(struct manifest *m, const struct tpm_name *ak_name)
{
	memset(m, 0, sizeof(*m));
	m->kind = MANIFEST_EVIDENCE;
	memset(m->device_id, 0x11, sizeof(m->device_id));
	if (ak_name != NULL)
		m->ak_name = *ak_name;
	else {
		m->ak_name.len = 34;
		m->ak_name.b[0] = 0x00;
		m->ak_name.b[1] = 0x0b;
		memset(m->ak_name.b + 2, 0x22, 32);
	}
	m->ak_location = MANIFEST_AK_PRIMARY;
	m->created = 1700000000;
	strcpy(m->collector, "c");
	m->n_members = 1;
	strcpy(m->members[0].name, "ek.crt");
	strcpy(m->members[0].media_type, "application/pkix-cert");
	m->members[0].size = 5;
	memset(m->members[0].sha256, 0x33, 32);
}

static void
sample_full(struct manifest *m, const struct tpm_name *ak_name)
{
	static const char *names[] = { "ek.crt", "ek.pub", "ak.pub",
	    "pcrs.bin", "quote.attest", "quote.sig", "ima.log" };
	size_t i;

	sample(m, ak_name);
	m->ak_location = MANIFEST_AK_EK_CHILD;
	m->ek_name.len = 50;
	m->ek_name.b[0] = 0x00;
	m->ek_name.b[1] = 0x0c;		/* SHA-384 nameAlg */
	memset(m->ek_name.b + 2, 0x44, 48);
	m->has_challenge_id = true;
	memset(m->challenge_id, 0x55, 16);
	m->created = -5;
	strcpy(m->collector, "dossier-collect 0.1.0 \xc3\xa9t\xc3\xa9");
	m->n_members = 7;
	for (i = 0; i < 7; i++) {
		strcpy(m->members[i].name, names[i]);
		strcpy(m->members[i].media_type, "application/"
		    "vnd.dossier.ima-binary; digest=sha1; byteorder=little");
		m->members[i].size = (uint64_t)1 << (4 * i);
		memset(m->members[i].sha256, (int)i, 32);
	}
	/* Out of deterministic order on purpose: the encoder sorts. */
	m->n_facts = 3;
	strcpy(m->facts[0].key, "kernel");
	strcpy(m->facts[0].value, "6.1.0-18-amd64");
	strcpy(m->facts[1].key, "ima_hash");
	strcpy(m->facts[1].value, "sha256");
	strcpy(m->facts[2].key, "arch");
	strcpy(m->facts[2].value, "");
}

static int
eq_hex(const uint8_t *p, size_t n, const char *hex)
{
	static uint8_t want[1024];
	long w = hex_decode(hex, strlen(hex), want, sizeof(want));

	return w >= 0 && (size_t)w == n && memcmp(p, want, n) == 0;
}

static void
rep(char *out, const char *byte, int n)
{
	while (n-- > 0)
		strcat(out, byte);
}

/* ---- encoding ---------------------------------------------------------- */

static void
test_known_encoding(void)
{
	char want[1024] = "";
	struct manifest m;
	struct errbuf e;
	uint8_t *out = NULL;
	size_t len;

	sample(&m, NULL);
	/* By hand from the CDDL (RFC 8949 heads): */
	strcat(want, "a9");				/* map of 9 pairs */
	strcat(want, "016e646f73736965722d62756e646c65"); /* 1: "dossier-bundle" */
	strcat(want, "0201");				/* 2: 1 */
	strcat(want, "0302");				/* 3: evidence */
	strcat(want, "045820");				/* 4: bstr 32 */
	rep(want, "11", 32);
	strcat(want, "055822000b");			/* 5: bstr 34 */
	rep(want, "22", 32);
	strcat(want, "068100");				/* 6: [0] */
	strcat(want, "08c11a6553f100");			/* 8: 1(1700000000) */
	strcat(want, "096163");				/* 9: "c" */
	strcat(want, "0a8184");				/* 10: [[4 items]] */
	strcat(want, "66656b2e637274");			/* "ek.crt" */
	strcat(want, "756170706c69636174696f6e2f706b69782d63657274");
	strcat(want, "05822f5820");			/* 5, [-16, bstr 32] */
	rep(want, "33", 32);
	CHECK(manifest_encode(&m, &out, &len, &e) == 0 && eq_hex(out, len,
	    want), "minimal manifest equals its hand-derived encoding");
	free(out);
}

static void
test_roundtrip(void)
{
	struct manifest m, d;
	struct errbuf e;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;

	sample_full(&m, NULL);
	CHECK(manifest_encode(&m, &a, &alen, &e) == 0, "full manifest encodes");
	CHECK(manifest_decode(a, alen, &d, &e) == 0, "and decodes");
	CHECK(d.kind == MANIFEST_EVIDENCE && d.ak_location ==
	    MANIFEST_AK_EK_CHILD && d.ek_name.len == 50 &&
	    d.has_challenge_id && d.challenge_id[15] == 0x55 &&
	    d.created == -5 && strcmp(d.collector, m.collector) == 0 &&
	    d.n_members == 7 && strcmp(d.members[4].name, "quote.attest") == 0 &&
	    d.members[6].size == (uint64_t)1 << 24 &&
	    d.members[6].sha256[31] == 6 && d.n_facts == 3,
	    "decoded fields equal the encoded ones");
	CHECK(strcmp(d.facts[0].key, "arch") == 0 &&
	    strcmp(d.facts[1].key, "kernel") == 0 &&
	    strcmp(d.facts[2].key, "ima_hash") == 0 &&
	    strcmp(d.facts[2].value, "sha256") == 0,
	    "facts come back in deterministic order (length, then bytes)");
	CHECK(manifest_encode(&d, &b, &blen, &e) == 0 && alen == blen &&
	    memcmp(a, b, alen) == 0, "re-encoding gives the same bytes");
	free(a);
	free(b);

	sample(&m, NULL);
	m.kind = MANIFEST_ENROLLMENT;
	CHECK(manifest_encode(&m, &a, &alen, &e) == 0 &&
	    manifest_decode(a, alen, &d, &e) == 0 &&
	    d.kind == MANIFEST_ENROLLMENT && !d.has_challenge_id &&
	    d.n_facts == 0, "enrollment without challenge id or facts");
	free(a);
}

static void
test_encoder_refuses(void)
{
	struct manifest m;
	struct errbuf e;
	uint8_t *out = NULL;
	size_t len;

#define REFUSE(mutate, what, label) do {				\
	sample(&m, NULL);						\
	mutate;								\
	CHECK(manifest_encode(&m, &out, &len, &e) == -1 &&		\
	    strstr(e.msg, what) != NULL, "encoder refuses " label);	\
} while (0)
	REFUSE(m.kind = 3, "kind", "kind 3");
	REFUSE(m.ak_name.len = 33, "TPM Name", "a 33-byte SHA-256 Name");
	REFUSE(m.ak_location = MANIFEST_AK_EK_CHILD, "EK Name",
	    "an EK child without EK Name");
	REFUSE(m.collector[0] = '\0', "collector", "an empty collector");
	REFUSE(m.n_members = 0, "members", "no members");
	REFUSE(m.n_members = BUNDLE_MEMBERS_MAX + 1, "members",
	    "too many members");
	REFUSE(strcpy(m.members[0].name, "MANIFEST"), "member 1",
	    "an uppercase member name");
	REFUSE((m.n_members = 2, m.members[1] = m.members[0]), "twice",
	    "a duplicate member");
	REFUSE((m.n_facts = 2, strcpy(m.facts[0].key, "k"),
	    strcpy(m.facts[1].key, "k")), "duplicate", "a duplicate fact key");
	REFUSE((m.n_facts = 1, m.facts[0].key[0] = '\0'), "fact key",
	    "an empty fact key");
#undef REFUSE
}

/* ---- malformed payloads ------------------------------------------------ */

enum mut {
	M_NONE, M_FORMAT, M_VERSION, M_KIND, M_DEVID, M_AKNAME_LEN,
	M_AKNAME_ALG, M_LOC_2, M_LOC_0X, M_LOC_1, M_CHAL_15, M_CREATED_UNTAGGED,
	M_CREATED_TEXT, M_COLLECTOR_EMPTY, M_COLLECTOR_CTRL, M_MEMBERS_EMPTY,
	M_MEMBERS_17, M_MEMBER_DUP, M_MEMBER_SLASH, M_MEMBER_UPPER,
	M_MEDIA_UTF8, M_DIGEST_ALG, M_DIGEST_LEN, M_MEMBER_3, M_MEMBER_SIZE,
	M_FACTS_EMPTY, M_FACTS_17, M_FACT_VALUE_INT, M_KEY_0, M_KEY_12,
	M_KEY_63, M_KEY_64, M_KEY_EXT_NESTED, M_TEXT_KEY, M_NOT_MAP,
	M_DROP_1, M_DROP_2, M_DROP_3, M_DROP_4, M_DROP_5, M_DROP_6, M_DROP_8,
	M_DROP_9, M_DROP_10,
};

static void
member(struct cbor_wr *w, const char *name, const char *mt, uint64_t size,
    int64_t alg, size_t dlen)
{
	uint8_t d[33];

	memset(d, 0x33, sizeof(d));
	cbor_wr_array(w, 4);
	cbor_wr_tstr_z(w, name);
	cbor_wr_tstr_z(w, mt);
	cbor_wr_uint(w, size);
	cbor_wr_array(w, 2);
	cbor_wr_int(w, alg);
	cbor_wr_bstr(w, d, dlen);
}

/* Write a manifest like sample() with one mutation. */
static int
build(enum mut mu, uint8_t **out, size_t *len)
{
	uint8_t b[64];
	struct cbor_wr w;
	size_t pairs = 9, i;
	char nm[8];

	memset(b, 0x22, sizeof(b));
	b[0] = 0x00;
	b[1] = 0x0b;
	if (mu >= M_DROP_1)
		pairs--;
	if (mu == M_KEY_0 || mu == M_KEY_12 || mu == M_KEY_63 ||
	    mu == M_KEY_64 || mu == M_KEY_EXT_NESTED || mu == M_TEXT_KEY ||
	    mu == M_FACTS_EMPTY || mu == M_FACTS_17 || mu == M_FACT_VALUE_INT ||
	    mu == M_CHAL_15)
		pairs++;
	cbor_wr_init(&w, 8192);
	if (mu == M_NOT_MAP) {
		cbor_wr_array(&w, 0);
		return cbor_wr_finish(&w, out, len, NULL);
	}
	cbor_wr_map(&w, pairs);
	if (mu == M_KEY_0) {
		cbor_wr_uint(&w, 0);
		cbor_wr_null(&w);
	}
	if (mu != M_DROP_1) {
		cbor_wr_uint(&w, 1);
		cbor_wr_tstr_z(&w, mu == M_FORMAT ? "dossier-bundlf" :
		    "dossier-bundle");
	}
	if (mu != M_DROP_2) {
		cbor_wr_uint(&w, 2);
		cbor_wr_uint(&w, mu == M_VERSION ? 2 : 1);
	}
	if (mu != M_DROP_3) {
		cbor_wr_uint(&w, 3);
		cbor_wr_uint(&w, mu == M_KIND ? 3 : 2);
	}
	if (mu != M_DROP_4) {
		cbor_wr_uint(&w, 4);
		cbor_wr_bstr(&w, b + 2, mu == M_DEVID ? 31 : 32);
	}
	if (mu != M_DROP_5) {
		cbor_wr_uint(&w, 5);
		if (mu == M_AKNAME_ALG)
			b[1] = 0x99;
		cbor_wr_bstr(&w, b, mu == M_AKNAME_LEN ? 33 : 34);
		b[1] = 0x0b;
	}
	if (mu != M_DROP_6) {
		cbor_wr_uint(&w, 6);
		if (mu == M_LOC_2) {
			cbor_wr_array(&w, 1);
			cbor_wr_uint(&w, 2);
		} else if (mu == M_LOC_0X) {
			cbor_wr_array(&w, 2);
			cbor_wr_uint(&w, 0);
			cbor_wr_bstr(&w, b, 34);
		} else if (mu == M_LOC_1) {
			cbor_wr_array(&w, 1);
			cbor_wr_uint(&w, 1);
		} else {
			cbor_wr_array(&w, 1);
			cbor_wr_uint(&w, 0);
		}
	}
	if (mu == M_CHAL_15) {
		cbor_wr_uint(&w, 7);
		cbor_wr_bstr(&w, b, 15);
	}
	if (mu != M_DROP_8) {
		cbor_wr_uint(&w, 8);
		if (mu == M_CREATED_TEXT) {
			cbor_wr_tag(&w, 0);
			cbor_wr_tstr_z(&w, "2023-11-14T22:13:20Z");
		} else {
			if (mu != M_CREATED_UNTAGGED)
				cbor_wr_tag(&w, 1);
			cbor_wr_int(&w, 1700000000);
		}
	}
	if (mu != M_DROP_9) {
		cbor_wr_uint(&w, 9);
		cbor_wr_tstr_z(&w, mu == M_COLLECTOR_EMPTY ? "" :
		    mu == M_COLLECTOR_CTRL ? "a\tb" : "c");
	}
	if (mu != M_DROP_10) {
		cbor_wr_uint(&w, 10);
		if (mu == M_MEMBERS_EMPTY)
			cbor_wr_array(&w, 0);
		else if (mu == M_MEMBERS_17) {
			cbor_wr_array(&w, 17);
			for (i = 0; i < 17; i++) {
				snprintf(nm, sizeof(nm), "m%zu", i);
				member(&w, nm, "a/b", 1, -16, 32);
			}
		} else if (mu == M_MEMBER_DUP) {
			cbor_wr_array(&w, 2);
			member(&w, "ek.crt", "a/b", 1, -16, 32);
			member(&w, "ek.crt", "a/b", 1, -16, 32);
		} else if (mu == M_MEMBER_3) {
			cbor_wr_array(&w, 1);
			cbor_wr_array(&w, 3);
			cbor_wr_tstr_z(&w, "ek.crt");
			cbor_wr_tstr_z(&w, "a/b");
			cbor_wr_uint(&w, 1);
		} else {
			cbor_wr_array(&w, 1);
			member(&w, mu == M_MEMBER_SLASH ? "a/b" :
			    mu == M_MEMBER_UPPER ? "Ek.crt" : "ek.crt",
			    mu == M_MEDIA_UTF8 ? "text/caf\xc3\xa9" :
			    "application/pkix-cert",
			    mu == M_MEMBER_SIZE ? (uint64_t)1 << 40 : 5,
			    mu == M_DIGEST_ALG ? -43 : -16,
			    mu == M_DIGEST_LEN ? 31 : 32);
		}
	}
	if (mu == M_FACTS_EMPTY || mu == M_FACTS_17 || mu == M_FACT_VALUE_INT) {
		cbor_wr_uint(&w, 11);
		if (mu == M_FACTS_EMPTY)
			cbor_wr_map(&w, 0);
		else if (mu == M_FACT_VALUE_INT) {
			cbor_wr_map(&w, 1);
			cbor_wr_tstr_z(&w, "k");
			cbor_wr_uint(&w, 1);
		} else {
			cbor_wr_map(&w, 17);
			for (i = 0; i < 17; i++) {
				snprintf(nm, sizeof(nm), "%c", (char)('a' + i));
				cbor_wr_tstr_z(&w, nm);
				cbor_wr_tstr_z(&w, "v");
			}
		}
	}
	if (mu == M_KEY_12 || mu == M_KEY_63 || mu == M_KEY_64) {
		cbor_wr_uint(&w, mu == M_KEY_12 ? 12 : mu == M_KEY_63 ? 63 : 64);
		cbor_wr_tstr_z(&w, "x");
	}
	if (mu == M_KEY_EXT_NESTED) {
		cbor_wr_uint(&w, 1000);
		cbor_wr_map(&w, 1);
		cbor_wr_uint(&w, 1);
		cbor_wr_array(&w, 2);
		cbor_wr_bstr(&w, b, 3);
		cbor_wr_tag(&w, 55);
		cbor_wr_null(&w);
	}
	if (mu == M_TEXT_KEY) {
		cbor_wr_tstr_z(&w, "x");
		cbor_wr_uint(&w, 1);
	}
	return cbor_wr_finish(&w, out, len, NULL);
}

static int
decode_fails(enum mut mu, const char *what)
{
	struct manifest m;
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int ok;

	if (build(mu, &buf, &len) != 0)
		return 0;
	err_clear(&e);
	ok = manifest_decode(buf, len, &m, &e) == -1 &&
	    strstr(e.msg, what) != NULL;
	if (!ok)
		printf("# case %d: \"%s\"\n", (int)mu, e.msg);
	free(buf);
	return ok;
}

static void
test_malformed(void)
{
	struct manifest m;
	struct errbuf e;
	uint8_t *buf = NULL, *big;
	size_t len;

	CHECK(build(M_NONE, &buf, &len) == 0 &&
	    manifest_decode(buf, len, &m, &e) == 0, "unmutated build decodes");
	big = malloc(len + 1);
	memcpy(big, buf, len);
	big[len] = 0;
	CHECK(manifest_decode(big, len + 1, &m, &e) == -1 &&
	    strstr(e.msg, "trailing"), "trailing byte refused");
	big[1]++;	/* key 1 -> 2: keys out of order / duplicate */
	CHECK(manifest_decode(big, len, &m, &e) == -1 &&
	    strstr(e.msg, "duplicate"), "duplicate key 2 refused");
	free(big);
	free(buf);
	CHECK(build(M_KEY_64, &buf, &len) == 0 &&
	    manifest_decode(buf, len, &m, &e) == 0 && m.n_members == 1,
	    "extension key 64 is skipped");
	free(buf);
	CHECK(build(M_KEY_EXT_NESTED, &buf, &len) == 0 &&
	    manifest_decode(buf, len, &m, &e) == 0,
	    "nested extension under key 1000 is skipped");
	free(buf);

	CHECK(decode_fails(M_FORMAT, "format"), "wrong format name");
	CHECK(decode_fails(M_VERSION, "format version 2 not supported"),
	    "version 2 refused");
	CHECK(decode_fails(M_KIND, "kind 3"), "kind 3 refused");
	CHECK(decode_fails(M_DEVID, "device id"), "31-byte device id refused");
	CHECK(decode_fails(M_AKNAME_LEN, "sha256 needs 34"),
	    "33-byte AK Name refused");
	CHECK(decode_fails(M_AKNAME_ALG, "unknown nameAlg"),
	    "AK Name with unknown nameAlg refused");
	CHECK(decode_fails(M_LOC_2, "AK location"), "location [2] refused");
	CHECK(decode_fails(M_LOC_0X, "[0] or [1, EK Name]"),
	    "location [0, x] refused");
	CHECK(decode_fails(M_LOC_1, "[0] or [1, EK Name]"),
	    "location [1] without EK Name refused");
	CHECK(decode_fails(M_CHAL_15, "challenge id"),
	    "15-byte challenge id refused");
	CHECK(decode_fails(M_CREATED_UNTAGGED, "created"),
	    "created without tag 1 refused");
	CHECK(decode_fails(M_CREATED_TEXT, "tag 0, expected tag 1"),
	    "created as a tag-0 date string refused");
	CHECK(decode_fails(M_COLLECTOR_EMPTY, "collector"),
	    "empty collector refused");
	CHECK(decode_fails(M_COLLECTOR_CTRL, "control"),
	    "collector with a tab refused");
	CHECK(decode_fails(M_MEMBERS_EMPTY, "0 members"), "no members refused");
	CHECK(decode_fails(M_MEMBERS_17, "17 members"),
	    "17 members refused");
	CHECK(decode_fails(M_MEMBER_DUP, "listed twice"),
	    "duplicate member refused");
	CHECK(decode_fails(M_MEMBER_SLASH, "'/'"), "member name with / refused");
	CHECK(decode_fails(M_MEMBER_UPPER, "outside [a-z0-9._-]"),
	    "uppercase member name refused");
	CHECK(decode_fails(M_MEDIA_UTF8, "printable ASCII"),
	    "non-ASCII media type refused");
	CHECK(decode_fails(M_DIGEST_ALG, "digest algorithm -43"),
	    "SHA-384 member digest refused");
	CHECK(decode_fails(M_DIGEST_LEN, "31 bytes, expected 32"),
	    "31-byte member digest refused");
	CHECK(decode_fails(M_MEMBER_3, "expected 4"),
	    "member of 3 elements refused");
	CHECK(decode_fails(M_MEMBER_SIZE, "member limit"),
	    "member size over the limit refused");
	CHECK(decode_fails(M_FACTS_EMPTY, "empty map"),
	    "empty facts map refused");
	CHECK(decode_fails(M_FACTS_17, "17 facts"), "17 facts refused");
	CHECK(decode_fails(M_FACT_VALUE_INT, "text string expected"),
	    "integer fact value refused");
	CHECK(decode_fails(M_KEY_0, "key 0"), "key 0 refused");
	CHECK(decode_fails(M_KEY_12, "key 12: unknown key"), "key 12 refused");
	CHECK(decode_fails(M_KEY_63, "key 63: unknown key"), "key 63 refused");
	CHECK(decode_fails(M_TEXT_KEY, "manifest key"), "text key refused");
	CHECK(decode_fails(M_NOT_MAP, "map expected"), "array payload refused");
	CHECK(decode_fails(M_DROP_1, "key 1 (format) missing"),
	    "missing format refused");
	CHECK(decode_fails(M_DROP_2, "key 2 (version) missing"),
	    "missing version refused");
	CHECK(decode_fails(M_DROP_3, "key 3 (kind) missing"),
	    "missing kind refused");
	CHECK(decode_fails(M_DROP_4, "key 4 (device id) missing"),
	    "missing device id refused");
	CHECK(decode_fails(M_DROP_5, "key 5 (AK Name) missing"),
	    "missing AK Name refused");
	CHECK(decode_fails(M_DROP_6, "key 6 (AK location) missing"),
	    "missing AK location refused");
	CHECK(decode_fails(M_DROP_8, "key 8 (created) missing"),
	    "missing created refused");
	CHECK(decode_fails(M_DROP_9, "key 9 (collector) missing"),
	    "missing collector refused");
	CHECK(decode_fails(M_DROP_10, "key 10 (members) missing"),
	    "missing members refused");
}

/* ---- AKs in software ----------------------------------------------------- */

static const TPMA_OBJECT ak_attrs = TPMA_OBJECT_FIXEDTPM |
    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;

static int
bn_param(EVP_PKEY *k, const char *name, uint8_t *out, size_t size,
    UINT16 *len)
{
	BIGNUM *bn = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(k, name, &bn) == 1 &&
	    BN_bn2binpad(bn, out, (int)size) == (int)size) {
		*len = (UINT16)size;
		rc = 0;
	}
	BN_free(bn);
	return rc;
}

/* A TPM public area for a software key: ECC P-256/ECDSA-SHA256 or
 * RSA-2048 with the given scheme. */
static int
make_ak(EVP_PKEY *k, uint16_t rsa_scheme, struct tpm_public *out)
{
	uint8_t buf[TPM_PUBLIC_MAX_BYTES];
	TPMT_PUBLIC p;
	size_t off = 0;

	memset(&p, 0, sizeof(p));
	p.nameAlg = TPM2_ALG_SHA256;
	p.objectAttributes = ak_attrs;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		p.type = TPM2_ALG_ECC;
		p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p.parameters.eccDetail.scheme.details.ecdsa.hashAlg =
		    TPM2_ALG_SHA256;
		p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		if (bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, p.unique.ecc.x.buffer,
		    32, &p.unique.ecc.x.size) != 0 ||
		    bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, p.unique.ecc.y.buffer,
		    32, &p.unique.ecc.y.size) != 0)
			return -1;
	} else {
		p.type = TPM2_ALG_RSA;
		p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p.parameters.rsaDetail.scheme.scheme = rsa_scheme;
		p.parameters.rsaDetail.scheme.details.rsassa.hashAlg =
		    TPM2_ALG_SHA256;
		p.parameters.rsaDetail.keyBits = 2048;
		if (bn_param(k, OSSL_PKEY_PARAM_RSA_N, p.unique.rsa.buffer, 256,
		    &p.unique.rsa.size) != 0)
			return -1;
	}
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, buf, sizeof(buf), &off) != 0)
		return -1;
	return tpm_public_parse(buf, off, out, NULL);
}

static void
test_sign_verify(EVP_PKEY *k, uint16_t rsa_scheme, int64_t alg)
{
	const char *an = cose_alg_name(alg);
	struct tpm_public ak;
	struct tpm_name name;
	struct cose_sign1 msg;
	struct manifest m, d;
	struct errbuf e;
	uint8_t *file = NULL, *enc = NULL;
	size_t len = 0, enc_len = 0;
	int64_t want;

	CHECK(make_ak(k, rsa_scheme, &ak) == 0 && tpm_public_check_ak(&ak,
	    &e) == 0 && tpm_public_name(&ak, &name, &e) == 0,
	    "%s: software AK with a TPM public area", an);
	CHECK(cose_alg_for_tpm_public(&ak.pub, &want, &e) == 0 && want == alg,
	    "%s: the AK's scheme gives %s", an, an);
	sample_full(&m, &name);
	CHECK(manifest_sign_pkey(&m, alg, k, &file, &len, &e) == 0,
	    "%s: MANIFEST signed", an);
	if (check_failures > 0)
		return;
	CHECK(len > 10 && memcmp(file, "\xd9\xd9\xf7\xda" "DSMF\xd2\x84",
	    10) == 0, "%s: starts D9 D9 F7 DA 'DSMF' D2 84", an);
	CHECK(manifest_file_open(file, len, &msg, &e) == 0 &&
	    msg.hdr.kid_len == name.len && memcmp(msg.hdr.kid, name.b,
	    name.len) == 0 && msg.hdr.alg == alg,
	    "%s: open gives kid = AK Name before verifying", an);
	CHECK(manifest_file_verify(file, len, &ak, &d, &e) == 0,
	    "%s: MANIFEST verifies with the AK", an);
	CHECK(manifest_encode(&d, &enc, &enc_len, &e) == 0 &&
	    enc_len == msg.payload_len && memcmp(enc, msg.payload,
	    enc_len) == 0, "%s: verified manifest re-encodes to the payload",
	    an);
	free(enc);
	file[len - 300] ^= 0x01;	/* inside the payload or signature */
	CHECK(manifest_file_verify(file, len, &ak, &d, &e) == -1 &&
	    d.n_members == 0, "%s: a flipped bit fails, nothing returned", an);
	file[len - 300] ^= 0x01;
	file[6] = 'C';			/* DSMF -> DSCH: a challenge */
	file[7] = 'H';
	CHECK(manifest_file_verify(file, len, &ak, &d, &e) == -1 &&
	    strstr(e.msg, "challenge file, not a manifest"),
	    "%s: a challenge magic is refused", an);
	free(file);
}

/* TPM path: Sig_structure out, TPMT_SIGNATURE in (made by OpenSSL). */
static void
test_tpm_path(EVP_PKEY *ec)
{
	struct manifest_tbs t;
	struct tpm_public ak;
	struct tpm_name name;
	struct manifest m, d;
	struct errbuf e;
	TPMT_SIGNATURE ts;
	uint8_t der[128], *file = NULL;
	const unsigned char *p;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	EVP_MD_CTX *md;
	size_t n, len = 0;

	make_ak(ec, 0, &ak);
	tpm_public_name(&ak, &name, NULL);
	sample_full(&m, &name);
	CHECK(manifest_sign_begin(&m, COSE_ALG_ES256, &t, &e) == 0,
	    "TPM path: sign_begin");
	CHECK(t.cose.sig_structure_len >= 4 && memcmp(t.cose.sig_structure,
	    "\x84\x6aSignature1", 12) == 0,
	    "Sig_structure starts 84 6A 'Signature1' (never FF 54 43 47)");
	md = EVP_MD_CTX_new();
	n = sizeof(der);
	EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ec);
	EVP_DigestSign(md, der, &n, t.cose.sig_structure,
	    t.cose.sig_structure_len);
	EVP_MD_CTX_free(md);
	p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)n);
	ECDSA_SIG_get0(es, &r, &s);
	memset(&ts, 0, sizeof(ts));
	ts.sigAlg = TPM2_ALG_ECDSA;
	ts.signature.ecdsa.hash = TPM2_ALG_SHA256;
	ts.signature.ecdsa.signatureR.size =
	    (UINT16)BN_bn2bin(r, ts.signature.ecdsa.signatureR.buffer);
	ts.signature.ecdsa.signatureS.size =
	    (UINT16)BN_bn2bin(s, ts.signature.ecdsa.signatureS.buffer);
	ECDSA_SIG_free(es);
	CHECK(manifest_sign_finish(&t, &ts, &file, &len, &e) == 0 &&
	    manifest_file_verify(file, len, &ak, &d, &e) == 0 &&
	    d.n_members == 7, "TPM path: assembled MANIFEST verifies");
	free(file);
	ts.signature.ecdsa.hash = TPM2_ALG_SHA384;
	CHECK(manifest_sign_finish(&t, &ts, &file, &len, &e) == -1,
	    "TPM path: an ECDSA-SHA384 signature is refused for ES256");
	manifest_tbs_free(&t);
}

static void
test_wrong_keys(EVP_PKEY *ec, EVP_PKEY *rsa)
{
	EVP_PKEY *ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct tpm_public ak, ak2, rsa_pss, rsa_ssa;
	struct tpm_name name, name2;
	struct cose_header h;
	struct manifest m, d;
	struct cbor_wr w;
	struct errbuf e;
	uint8_t *file = NULL, *payload = NULL;
	size_t len = 0, plen = 0;

	make_ak(ec, 0, &ak);
	make_ak(ec2, 0, &ak2);
	tpm_public_name(&ak, &name, NULL);
	tpm_public_name(&ak2, &name2, NULL);
	sample(&m, &name);
	manifest_sign_pkey(&m, COSE_ALG_ES256, ec, &file, &len, &e);
	CHECK(manifest_file_verify(file, len, &ak2, &d, &e) == -1 &&
	    strstr(e.msg, "kid is not the Name"), "another AK: kid mismatch");
	CHECK(manifest_file_verify(file, MANIFEST_FILE_MAX + 1, &ak, &d,
	    &e) == -1 && strstr(e.msg, "limit"), "oversized MANIFEST refused");
	free(file);

	/* Signed by the AK, but the payload names another AK. */
	sample(&m, &name2);
	manifest_encode(&m, &payload, &plen, NULL);
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	strcpy(h.content_type, MANIFEST_CONTENT_TYPE);
	memcpy(h.kid, name.b, name.len);
	h.kid_len = name.len;
	cbor_wr_init(&w, MANIFEST_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_MANIFEST);
	cose_sign1_write_pkey(&w, &h, payload, plen, ec, NULL);
	cbor_wr_finish(&w, &file, &len, NULL);
	CHECK(manifest_file_verify(file, len, &ak, &d, &e) == -1 &&
	    strstr(e.msg, "AK Name in the manifest is not the kid"),
	    "payload AK Name must equal kid");
	free(file);

	/* Same AK, another content type. */
	strcpy(h.content_type, "application/cbor");
	cbor_wr_init(&w, MANIFEST_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_MANIFEST);
	cose_sign1_write_pkey(&w, &h, payload, plen, ec, NULL);
	cbor_wr_finish(&w, &file, &len, NULL);
	CHECK(manifest_file_verify(file, len, &ak, &d, &e) == -1 &&
	    strstr(e.msg, "content type"), "other content type refused");
	free(file);
	free(payload);

	/* RS256 message, but the AK's scheme is RSAPSS: alg mismatch. */
	make_ak(rsa, TPM2_ALG_RSAPSS, &rsa_pss);
	make_ak(rsa, TPM2_ALG_RSASSA, &rsa_ssa);
	tpm_public_name(&rsa_ssa, &name, NULL);
	sample(&m, &name);
	manifest_sign_pkey(&m, COSE_ALG_RS256, rsa, &file, &len, &e);
	CHECK(manifest_file_verify(file, len, &rsa_ssa, &d, &e) == 0,
	    "RS256 MANIFEST verifies with the RSASSA AK");
	CHECK(manifest_file_verify(file, len, &rsa_pss, &d, &e) == -1 &&
	    strstr(e.msg, "kid is not"),
	    "RSAPSS AK of the same key has another Name");
	free(file);
	tpm_public_name(&rsa_pss, &name, NULL);
	sample(&m, &name);
	manifest_sign_pkey(&m, COSE_ALG_RS256, rsa, &file, &len, &e);
	CHECK(manifest_file_verify(file, len, &rsa_pss, &d, &e) == -1 &&
	    strstr(e.msg, "algorithm RS256, but this AK signs PS256"),
	    "RS256 refused for an RSAPSS AK (alg confusion)");
	free(file);
	EVP_PKEY_free(ec2);
}

/* manifest_file_verify_key: a ready key of the AK, another key, none. */
static void
test_verify_key(EVP_PKEY *ec)
{
	EVP_PKEY *ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *key = NULL;
	struct tpm_public ak;
	struct tpm_name name;
	struct manifest m, d;
	struct errbuf e;
	uint8_t *file = NULL;
	size_t len = 0;

	make_ak(ec, 0, &ak);
	tpm_public_name(&ak, &name, NULL);
	sample_full(&m, &name);
	CHECK(manifest_sign_pkey(&m, COSE_ALG_ES256, ec, &file, &len,
	    &e) == 0 && tpm_public_to_pkey(&ak, &key, &e) == 0,
	    "verify_key: MANIFEST signed, AK key built");
	if (check_failures > 0)
		goto out;
	CHECK(manifest_file_verify_key(file, len, &ak, key, &d, &e) == 0 &&
	    d.n_members == 7, "verify_key: verifies with the AK's ready key");
	CHECK(manifest_file_verify_key(file, len, &ak, key, &d, &e) == 0,
	    "verify_key: the key is only borrowed (usable again)");
	CHECK(manifest_file_verify_key(file, len, &ak, ec2, &d, &e) == -1 &&
	    d.n_members == 0 && strstr(e.msg, "MANIFEST"),
	    "verify_key: a key of another AK fails the signature");
	CHECK(manifest_file_verify_key(file, len, &ak, NULL, &d, &e) == -1 &&
	    strstr(e.msg, "no AK key"), "verify_key: no key is refused");
	file[len - 300] ^= 0x01;
	CHECK(manifest_file_verify_key(file, len, &ak, key, &d, &e) == -1 &&
	    d.n_members == 0, "verify_key: a flipped bit fails");
out:
	free(file);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ec2);
}

int
main(void)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_known_encoding();
	test_roundtrip();
	test_encoder_refuses();
	test_malformed();
	test_sign_verify(ec, 0, COSE_ALG_ES256);
	test_sign_verify(rsa, TPM2_ALG_RSASSA, COSE_ALG_RS256);
	test_sign_verify(rsa, TPM2_ALG_RSAPSS, COSE_ALG_PS256);
	test_tpm_path(ec);
	test_wrong_keys(ec, rsa);
	test_verify_key(ec);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	return check_finish();
}
