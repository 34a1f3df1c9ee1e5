/*
 * test_credential.c - MakeCredential (format/credential.h) checked by an
 * ActivateCredential written here in software from Part 1 with the EK's
 * private key: decrypt or re-derive the seed, check the outer HMAC over
 * encIdentity || Name, decrypt encIdentity and compare the secret. Also the
 * credential file encoder and its strict parser on damaged inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "format/credential.h"
#include "format/tpm_kdf.h"
#include "format/tpm_public.h"
#include "tests/unit/check.h"

/* --- ActivateCredential in software ------------------------------------- */

static int
seed_rsa(EVP_PKEY *priv, const struct hashalg *nh,
    const TPM2B_ENCRYPTED_SECRET *s, uint8_t *seed, size_t *seed_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	unsigned char *label = OPENSSL_memdup("IDENTITY", 9);
	uint8_t buf[512];
	size_t len = sizeof(buf);
	int ok;

	ok = ctx != NULL && EVP_PKEY_decrypt_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, hashalg_md(nh)) == 1 &&
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9) == 1;
	if (!ok)
		OPENSSL_free(label);
	ok = ok && EVP_PKEY_decrypt(ctx, buf, &len, s->secret, s->size) == 1 &&
	    len <= HASHALG_MAX_SIZE;
	if (ok) {
		memcpy(seed, buf, len);
		*seed_len = len;
	}
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

static EVP_PKEY *
point_to_pkey(const char *group, const TPMS_ECC_POINT *q)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	uint8_t oct[1 + 2 * 66];

	oct[0] = 4;
	memcpy(oct + 1, q->x.buffer, q->x.size);
	memcpy(oct + 1 + q->x.size, q->y.buffer, q->y.size);
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, oct,
	    1 + (size_t)q->x.size + q->y.size) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

static int
seed_ecc(EVP_PKEY *priv, const struct tpm_public *ek, const struct hashalg *nh,
    const TPM2B_ENCRYPTED_SECRET *s, uint8_t *seed, size_t *seed_len)
{
	TPMS_ECC_POINT qe;
	EVP_PKEY *peer;
	EVP_PKEY_CTX *ctx = NULL;
	char group[64];
	uint8_t z[66];
	size_t off = 0, zlen = sizeof(z);
	int ok;

	if (Tss2_MU_TPMS_ECC_POINT_Unmarshal(s->secret, s->size, &off,
	    &qe) != 0 || off != s->size)
		return -1;
	if (EVP_PKEY_get_utf8_string_param(priv, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1 ||
	    (peer = point_to_pkey(group, &qe)) == NULL)
		return -1;
	ok = (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, z, &zlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	if (!ok)
		return -1;
	*seed_len = nh->size;
	return tpm_kdfe(nh, z, zlen, (const uint8_t *)"IDENTITY", 9,
	    qe.x.buffer, qe.x.size, ek->pub.unique.ecc.x.buffer,
	    ek->pub.unique.ecc.x.size, seed, nh->size, NULL);
}

enum activation { ACTIVATED, BAD_SEED, BAD_INTEGRITY, BAD_IDENTITY };

static enum activation
activate(EVP_PKEY *priv, const struct tpm_public *ek,
    const struct tpm_name *name, const struct credential *c, uint8_t *secret,
    size_t *secret_len)
{
	static const uint8_t zero_iv[16];
	const struct hashalg *nh = hashalg_by_tpm(ek->pub.nameAlg);
	const TPMT_SYM_DEF_OBJECT *sym = ek->pub.type == TPM2_ALG_RSA ?
	    &ek->pub.parameters.rsaDetail.symmetric :
	    &ek->pub.parameters.eccDetail.symmetric;
	const uint8_t *hmac, *enc;
	uint8_t seed[HASHALG_MAX_SIZE], key[64], mac[64], in[200], plain[80];
	size_t seed_len, hmac_len, enc_len, mac_len;
	EVP_CIPHER_CTX *cctx;
	EVP_CIPHER *cipher;
	char cname[32];
	int n = 0;

	if ((ek->pub.type == TPM2_ALG_RSA ?
	    seed_rsa(priv, nh, &c->secret, seed, &seed_len) :
	    seed_ecc(priv, ek, nh, &c->secret, seed, &seed_len)) != 0 ||
	    seed_len != nh->size)
		return BAD_SEED;
	if (credential_blob_split(&c->blob, &hmac, &hmac_len, &enc, &enc_len,
	    NULL) != 0 || hmac_len != nh->size)
		return BAD_INTEGRITY;
	tpm_kdfa(nh, seed, seed_len, (const uint8_t *)"INTEGRITY", 9, NULL, 0,
	    NULL, 0, key, nh->size, NULL);
	memcpy(in, enc, enc_len);
	memcpy(in + enc_len, name->b, name->len);
	if (EVP_Q_mac(NULL, "HMAC", NULL, nh->evp_name, NULL, key, nh->size,
	    in, enc_len + name->len, mac, sizeof(mac), &mac_len) == NULL ||
	    mac_len != hmac_len || memcmp(mac, hmac, mac_len) != 0)
		return BAD_INTEGRITY;
	tpm_kdfa(nh, seed, seed_len, (const uint8_t *)"STORAGE", 7, name->b,
	    name->len, NULL, 0, key, sym->keyBits.aes / 8, NULL);
	snprintf(cname, sizeof(cname), "AES-%u-CFB", sym->keyBits.aes);
	cipher = EVP_CIPHER_fetch(NULL, cname, NULL);
	cctx = EVP_CIPHER_CTX_new();
	if (cipher == NULL || cctx == NULL ||
	    EVP_DecryptInit_ex2(cctx, cipher, key, zero_iv, NULL) != 1 ||
	    EVP_DecryptUpdate(cctx, plain, &n, enc, (int)enc_len) != 1)
		n = -1;
	EVP_CIPHER_CTX_free(cctx);
	EVP_CIPHER_free(cipher);
	if (n != (int)enc_len || enc_len < 2 ||
	    (size_t)(plain[0] << 8 | plain[1]) != enc_len - 2)
		return BAD_IDENTITY;
	*secret_len = enc_len - 2;
	memcpy(secret, plain + 2, enc_len - 2);
	return ACTIVATED;
}

/* --- fixtures -------------------------------------------------------------- */

static EVP_PKEY *
gen_key(const char *type, const char *param)
{
	if (strcmp(type, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)strtoul(param, NULL, 10));
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
}

/* The Name of an AK-like object: nameAlg SHA-256 and some digest. */
static void
fake_name(struct tpm_name *n, uint8_t salt)
{
	size_t i;

	n->b[0] = 0x00;
	n->b[1] = 0x0B;
	for (i = 0; i < 32; i++)
		n->b[2 + i] = (uint8_t)(salt + 13 * i);
	n->len = 34;
}

static void
test_ek(const char *type, const char *param, const char *label,
    uint16_t want_name_alg, uint16_t want_aes_bits)
{
	EVP_PKEY *priv = gen_key(type, param);
	struct tpm_public ek;
	struct tpm_name name, other;
	struct credential c, c2, parsed;
	struct errbuf e;
	uint8_t secret[64], got[64], file[CREDENTIAL_FILE_MAX];
	size_t i, got_len = 0, max, flen = 0;
	const char *tmpl = NULL;
	int rc;

	if (priv == NULL || tpm_public_from_ek_pkey(priv, &ek, &tmpl, &e) != 0) {
		CHECK(0, "%s: EK template from a fresh key", label);
		EVP_PKEY_free(priv);
		return;
	}
	CHECK(ek.pub.nameAlg == want_name_alg &&
	    (ek.pub.type == TPM2_ALG_RSA ?
	    ek.pub.parameters.rsaDetail.symmetric.keyBits.aes :
	    ek.pub.parameters.eccDetail.symmetric.keyBits.aes) == want_aes_bits,
	    "%s: template %s has the expected nameAlg and AES size", label,
	    tmpl);
	max = credential_secret_max(&ek);
	for (i = 0; i < max; i++)
		secret[i] = (uint8_t)(0xA0 + i);
	fake_name(&name, 1);
	fake_name(&other, 2);

	rc = credential_make(&ek, &name, secret, max, &c, &e);
	CHECK(rc == 0, "%s: credential_make with a %zu-byte secret", label, max);
	if (rc != 0) {
		printf("# %s\n", e.msg);
		EVP_PKEY_free(priv);
		return;
	}
	CHECK(activate(priv, &ek, &name, &c, got, &got_len) == ACTIVATED &&
	    got_len == max && memcmp(got, secret, max) == 0,
	    "%s: software ActivateCredential recovers the secret", label);
	CHECK(activate(priv, &ek, &other, &c, got, &got_len) == BAD_INTEGRITY,
	    "%s: activation with another Name fails the integrity check",
	    label);

	rc = credential_make(&ek, &name, secret, 5, &c2, &e);
	CHECK(rc == 0 && activate(priv, &ek, &name, &c2, got, &got_len) ==
	    ACTIVATED && got_len == 5 && memcmp(got, secret, 5) == 0,
	    "%s: a short secret round-trips", label);
	CHECK(rc == 0 && memcmp(c.secret.secret, c2.secret.secret,
	    c.secret.size) != 0, "%s: every credential has a fresh seed", label);

	rc = credential_make(&ek, &name, secret, max + 1, &c2, &e);
	CHECK(rc == -1 && strstr(e.msg, "longer than") != NULL,
	    "%s: a %zu-byte secret is refused (%s)", label, max + 1, e.msg);

	rc = credential_file_encode(&c, file, sizeof(file), &flen, &e);
	CHECK(rc == 0 && flen == (size_t)8 + 2 + c.blob.size + 2 + c.secret.size &&
	    file[0] == 0xBA && file[3] == 0xDE && file[7] == 1,
	    "%s: credential file has the 0xBADCC0DE v1 header and both TPM2Bs",
	    label);
	rc = credential_file_parse(file, flen, &parsed, &e);
	CHECK(rc == 0 && parsed.blob.size == c.blob.size &&
	    memcmp(parsed.blob.credential, c.blob.credential,
	    c.blob.size) == 0 && parsed.secret.size == c.secret.size &&
	    memcmp(parsed.secret.secret, c.secret.secret, c.secret.size) == 0,
	    "%s: the file parses back to the same credential", label);
	EVP_PKEY_free(priv);
}

static void
test_protect_deterministic(void)
{
	EVP_PKEY *priv = gen_key("EC", "P-256");
	struct tpm_public ek;
	struct tpm_name name, other;
	TPM2B_ID_OBJECT a, b, c;
	uint8_t seed[32], secret[4] = { 1, 2, 3, 4 };
	struct errbuf e;

	memset(seed, 0x5A, sizeof(seed));
	fake_name(&name, 1);
	fake_name(&other, 2);
	if (priv == NULL || tpm_public_from_ek_pkey(priv, &ek, NULL, &e) != 0) {
		CHECK(0, "protect: EK template");
		EVP_PKEY_free(priv);
		return;
	}
	CHECK(credential_protect(&ek, seed, 32, &name, secret, 4, &a, &e) == 0 &&
	    credential_protect(&ek, seed, 32, &name, secret, 4, &b, &e) == 0 &&
	    a.size == b.size && memcmp(a.credential, b.credential, a.size) == 0,
	    "protect: same seed, Name and secret give the same blob");
	CHECK(a.size == 2 + 32 + 2 + 4 && a.credential[0] == 0 &&
	    a.credential[1] == 32,
	    "protect: blob = u16 32 || HMAC || 6-byte encIdentity");
	CHECK(credential_protect(&ek, seed, 32, &other, secret, 4, &c, &e) == 0 &&
	    memcmp(a.credential + 2, c.credential + 2, 32) != 0 &&
	    memcmp(a.credential + 34, c.credential + 34, 6) != 0,
	    "protect: the Name changes both the HMAC and the encryption key");
	CHECK(credential_protect(&ek, seed, 31, &name, secret, 4, &c, &e) == -1,
	    "protect: a seed of the wrong size is refused");
	EVP_PKEY_free(priv);
}

static void
test_bad_inputs(void)
{
	EVP_PKEY *priv = gen_key("EC", "P-256");
	struct tpm_public ek, bad;
	struct tpm_name name;
	struct credential c;
	uint8_t secret[4] = { 0 };
	struct errbuf e;

	fake_name(&name, 1);
	if (priv == NULL || tpm_public_from_ek_pkey(priv, &ek, NULL, &e) != 0) {
		CHECK(0, "bad inputs: EK template");
		EVP_PKEY_free(priv);
		return;
	}
	bad = ek;
	bad.pub.objectAttributes &= ~(uint32_t)0x00020000;	/* decrypt */
	bad.pub.objectAttributes |= 0x00040000;		/* sign */
	CHECK(credential_make(&bad, &name, secret, 4, &c, &e) == -1 &&
	    strstr(e.msg, "EK") != NULL,
	    "a signing key is refused as EK (%s)", e.msg);
	bad = ek;
	bad.pub.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	CHECK(credential_make(&bad, &name, secret, 4, &c, &e) == -1,
	    "an EK without a symmetric definition is refused (%s)", e.msg);
	name.len = 20;
	CHECK(credential_make(&ek, &name, secret, 4, &c, &e) == -1 &&
	    strstr(e.msg, "Name") != NULL,
	    "a Name of the wrong length is refused (%s)", e.msg);
	fake_name(&name, 1);
	name.b[1] = 0x77;
	CHECK(credential_make(&ek, &name, secret, 4, &c, &e) == -1,
	    "a Name with an unknown algorithm is refused (%s)", e.msg);
	EVP_PKEY_free(priv);
}

/* --- the file parser ---------------------------------------------------- */

static size_t
sample_file(uint8_t *buf, size_t cap)
{
	struct credential c;
	size_t len = 0;

	memset(&c, 0, sizeof(c));
	c.blob.size = 2 + 32 + 2 + 16;
	c.blob.credential[1] = 32;
	memset(c.blob.credential + 2, 0x11, 32 + 2 + 16);
	c.secret.size = 256;
	memset(c.secret.secret, 0x22, 256);
	credential_file_encode(&c, buf, cap, &len, NULL);
	return len;
}

static void
test_parser(void)
{
	uint8_t file[CREDENTIAL_FILE_MAX + 8], bad[CREDENTIAL_FILE_MAX + 8];
	struct credential c;
	struct errbuf e;
	size_t len = sample_file(file, sizeof(file)), i, refused = 0;

	CHECK(len == 8 + 2 + 52 + 2 + 256 &&
	    credential_file_parse(file, len, &c, &e) == 0,
	    "parser accepts a well-formed file");
	for (i = 0; i < len; i++)
		if (credential_file_parse(file, i, &c, &e) == -1)
			refused++;
	CHECK(refused == len, "parser refuses every truncation (%zu of %zu)",
	    refused, len);

	memcpy(bad, file, len);
	bad[len] = 0;
	CHECK(credential_file_parse(bad, len + 1, &c, &e) == -1 &&
	    strstr(e.msg, "trailing") != NULL, "parser refuses a trailing byte");

	memcpy(bad, file, len);
	bad[0] = 0xBB;
	CHECK(credential_file_parse(bad, len, &c, &e) == -1 &&
	    strstr(e.msg, "magic") != NULL, "parser refuses a wrong magic");

	memcpy(bad, file, len);
	bad[7] = 2;
	CHECK(credential_file_parse(bad, len, &c, &e) == -1 &&
	    strstr(e.msg, "version") != NULL, "parser refuses version 2");

	memcpy(bad, file, len);
	bad[8] = 0xFF;		/* TPM2B_ID_OBJECT size 0xFF34 */
	CHECK(credential_file_parse(bad, len, &c, &e) == -1,
	    "parser refuses an oversized TPM2B_ID_OBJECT");

	memcpy(bad, file, len);
	bad[11] = 33;		/* outer HMAC size */
	CHECK(credential_file_parse(bad, len, &c, &e) == -1 &&
	    strstr(e.msg, "HMAC") != NULL,
	    "parser refuses an HMAC that is no digest size");

	memcpy(bad, file, len);
	bad[9] = 2 + 32 + 2 + 33;	/* encIdentity longer than 2 + 32 */
	CHECK(credential_file_parse(bad, len, &c, &e) == -1,
	    "parser refuses an encIdentity longer than a digest");

	memcpy(bad, file, len);
	bad[8 + 2 + 52] = 0xFF;	/* secret size 0xFF00 */
	CHECK(credential_file_parse(bad, len, &c, &e) == -1,
	    "parser refuses an oversized TPM2B_ENCRYPTED_SECRET");

	memcpy(bad, file, 8 + 2 + 52);
	bad[8 + 2 + 52] = 0;
	bad[8 + 2 + 52 + 1] = 0;
	CHECK(credential_file_parse(bad, 8 + 2 + 52 + 2, &c, &e) == -1 &&
	    strstr(e.msg, "empty") != NULL, "parser refuses an empty secret");

	memset(bad, 0, sizeof(bad));
	CHECK(credential_file_parse(bad, CREDENTIAL_FILE_MAX + 1, &c, &e) == -1 &&
	    strstr(e.msg, "limit") != NULL,
	    "parser refuses input over CREDENTIAL_FILE_MAX");
}

int
main(void)
{
	test_ek("RSA", "2048", "RSA-2048 L-1", TPM2_ALG_SHA256, 128);
	test_ek("RSA", "3072", "RSA-3072 H-6", TPM2_ALG_SHA384, 256);
	test_ek("EC", "P-256", "P-256 L-2", TPM2_ALG_SHA256, 128);
	test_ek("EC", "P-384", "P-384 H-4", TPM2_ALG_SHA384, 256);
	test_ek("EC", "P-521", "P-521 H-5", TPM2_ALG_SHA512, 256);
	test_protect_deterministic();
	test_bad_inputs();
	test_parser();
	return check_finish();
}
