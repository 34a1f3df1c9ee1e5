/* credential.c - see credential.h. */
#include "format/credential.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "format/hashalg.h"
#include "format/tpm_kdf.h"
#include "format/bytes.h"

/* Labels of Part 1, with the NUL the TPM counts (sizeof). */
static const uint8_t label_identity[] = "IDENTITY";
static const uint8_t label_storage[] = "STORAGE";
static const uint8_t label_integrity[] = "INTEGRITY";

/* Largest field of the curves we support (P-521). */
#define ECC_FIELD_MAX 66

static const TPMT_SYM_DEF_OBJECT *
ek_symmetric(const struct tpm_public *ek)
{
	if (ek->pub.type == TPM2_ALG_RSA)
		return &ek->pub.parameters.rsaDetail.symmetric;
	return &ek->pub.parameters.eccDetail.symmetric;
}

size_t
credential_secret_max(const struct tpm_public *ek)
{
	const struct hashalg *nh = hashalg_by_tpm(ek->pub.nameAlg);

	return nh != NULL ? nh->size : 0;
}

/* A Name must be nameAlg || digest of that algorithm. */
static int
check_name(const struct tpm_name *n, struct errbuf *e)
{
	const struct hashalg *h;

	if (n->len < 2 || n->len > sizeof(n->b))
		return err_set(e, "AK Name of %zu bytes is malformed", n->len);
	h = hashalg_by_tpm(load_be16(n->b));
	if (h == NULL)
		return err_set(e, "AK Name has an unknown name algorithm "
		    "0x%02x%02x", n->b[0], n->b[1]);
	if (n->len != 2 + h->size)
		return err_set(e, "AK Name is %zu bytes, a %s Name has %zu",
		    n->len, h->name, 2 + h->size);
	return 0;
}

/* The EK's nameAlg, usable for the KDFs. */
static const struct hashalg *
ek_name_alg(const struct tpm_public *ek, struct errbuf *e)
{
	const struct hashalg *nh = hashalg_by_tpm(ek->pub.nameAlg);

	if (nh == NULL || hashalg_md(nh) == NULL) {
		err_set(e, "EK nameAlg 0x%04x is not supported",
		    ek->pub.nameAlg);
		return NULL;
	}
	return nh;
}

static int
aes_cfb_encrypt(const uint8_t *key, unsigned bits, const uint8_t *in,
    size_t len, uint8_t *out, struct errbuf *e)
{
	static const uint8_t zero_iv[16];
	const char *name;
	EVP_CIPHER *cipher = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	int n1 = 0, n2 = 0, rc = -1;

	switch (bits) {
	case 128:
		name = "AES-128-CFB";
		break;
	case 192:
		name = "AES-192-CFB";
		break;
	case 256:
		name = "AES-256-CFB";
		break;
	default:
		return err_set(e, "EK symmetric key size %u is not AES", bits);
	}
	if ((cipher = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, cipher, key, zero_iv, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + n1, &n2) != 1) {
		err_openssl(e, name);
		goto out;
	}
	if ((size_t)(n1 + n2) != len) {
		err_set(e, "%s produced %d bytes for %zu", name, n1 + n2, len);
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return rc;
}

int
credential_protect(const struct tpm_public *ek, const uint8_t *seed,
    size_t seed_len, const struct tpm_name *ak_name, const uint8_t *secret,
    size_t secret_len, TPM2B_ID_OBJECT *out, struct errbuf *e)
{
	const struct hashalg *nh;
	const TPMT_SYM_DEF_OBJECT *sym = ek_symmetric(ek);
	TPM2B_DIGEST plain = { 0 }, hmac = { 0 };
	uint8_t plain_bytes[sizeof(TPM2B_DIGEST)], enc[sizeof(TPM2B_DIGEST)];
	uint8_t sym_key[32], hmac_key[HASHALG_MAX_SIZE];
	uint8_t mac_in[sizeof(TPM2B_DIGEST) + TPM_NAME_MAX_BYTES];
	size_t plain_len = 0, mac_len = 0, off = 0;
	unsigned key_bits = sym->keyBits.aes;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((nh = ek_name_alg(ek, e)) == NULL || check_name(ak_name, e) != 0)
		return -1;
	if (seed_len != nh->size)
		return err_set(e, "seed of %zu bytes, the EK's %s needs %zu",
		    seed_len, nh->name, nh->size);
	if (secret_len > nh->size)
		return err_set(e, "secret of %zu bytes is longer than %zu bytes, "
		    "the digest size of the EK's name algorithm %s", secret_len,
		    nh->size, nh->name);
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB ||
	    key_bits % 8 != 0 || key_bits / 8 > sizeof(sym_key))
		return err_set(e, "EK symmetric definition is not AES-CFB");

	/* encIdentity = AES-CFB(symKey, 0) over the marshaled TPM2B_DIGEST. */
	plain.size = (UINT16)secret_len;
	if (secret_len > 0)
		memcpy(plain.buffer, secret, secret_len);
	if (Tss2_MU_TPM2B_DIGEST_Marshal(&plain, plain_bytes,
	    sizeof(plain_bytes), &plain_len) != 0) {
		err_set(e, "marshaling the secret");
		goto out;
	}
	if (tpm_kdfa(nh, seed, seed_len, label_storage, sizeof(label_storage),
	    ak_name->b, ak_name->len, NULL, 0, sym_key, key_bits / 8, e) != 0 ||
	    aes_cfb_encrypt(sym_key, key_bits, plain_bytes, plain_len, enc,
	    e) != 0)
		goto out;

	/* outerHMAC = HMAC(KDFa("INTEGRITY"), encIdentity || Name). */
	if (tpm_kdfa(nh, seed, seed_len, label_integrity,
	    sizeof(label_integrity), NULL, 0, NULL, 0, hmac_key, nh->size,
	    e) != 0)
		goto out;
	memcpy(mac_in, enc, plain_len);
	memcpy(mac_in + plain_len, ak_name->b, ak_name->len);
	if (EVP_Q_mac(NULL, "HMAC", NULL, nh->evp_name, NULL, hmac_key,
	    nh->size, mac_in, plain_len + ak_name->len, hmac.buffer,
	    sizeof(hmac.buffer), &mac_len) == NULL || mac_len != nh->size) {
		err_openssl(e, "outer HMAC");
		goto out;
	}
	hmac.size = (UINT16)mac_len;

	/* credentialBlob: TPM2B_DIGEST outerHMAC || encIdentity (the latter
	 * already carries its encrypted size). */
	if (Tss2_MU_TPM2B_DIGEST_Marshal(&hmac, out->credential,
	    sizeof(out->credential), &off) != 0 ||
	    off + plain_len > sizeof(out->credential)) {
		err_set(e, "credentialBlob does not fit");
		goto out;
	}
	memcpy(out->credential + off, enc, plain_len);
	out->size = (UINT16)(off + plain_len);
	rc = 0;
out:
	OPENSSL_cleanse(sym_key, sizeof(sym_key));
	OPENSSL_cleanse(hmac_key, sizeof(hmac_key));
	OPENSSL_cleanse(plain_bytes, sizeof(plain_bytes));
	OPENSSL_cleanse(&plain, sizeof(plain));
	return rc;
}

/* RSA EK: seed = random, encSecret = OAEP(EK, seed, label "IDENTITY\0"). */
static int
share_seed_rsa(const struct hashalg *nh, EVP_PKEY *ek_key, uint8_t *seed,
    TPM2B_ENCRYPTED_SECRET *out, struct errbuf *e)
{
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *label = NULL;
	size_t outlen = sizeof(out->secret);
	int rc = -1;

	if (RAND_bytes(seed, (int)nh->size) != 1)
		return err_openssl(e, "random seed");
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek_key, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, hashalg_md(nh)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, hashalg_md(nh)) != 1) {
		err_openssl(e, "RSA-OAEP setup");
		goto out;
	}
	/* The context takes ownership of the label. */
	if ((label = OPENSSL_memdup(label_identity,
	    sizeof(label_identity))) == NULL ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label,
	    sizeof(label_identity)) != 1) {
		OPENSSL_free(label);
		err_openssl(e, "RSA-OAEP label");
		goto out;
	}
	if (EVP_PKEY_encrypt(ctx, out->secret, &outlen, seed, nh->size) != 1) {
		err_openssl(e, "RSA-OAEP encryption of the seed");
		goto out;
	}
	out->size = (UINT16)outlen;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* An EC public coordinate, left-padded to the field size. */
static int
ec_coordinate(EVP_PKEY *key, const char *param, uint8_t *out, size_t field)
{
	BIGNUM *bn = NULL;
	int rc;

	if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
		return -1;
	rc = BN_bn2binpad(bn, out, (int)field) == (int)field ? 0 : -1;
	BN_free(bn);
	return rc;
}

/* Z = x(de * Qek), field-size bytes. */
static int
ecdh_z(EVP_PKEY *eph, EVP_PKEY *ek_key, uint8_t *z, size_t field,
    struct errbuf *e)
{
	EVP_PKEY_CTX *ctx;
	size_t zlen = field;
	int rc = -1;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, ek_key) != 1 ||
	    EVP_PKEY_derive(ctx, z, &zlen) != 1)
		err_openssl(e, "ECDH with the EK");
	else if (zlen != field)
		err_set(e, "ECDH gave %zu bytes, expected %zu", zlen, field);
	else
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/*
 * ECC EK: seed = KDFe(nH, Z, "IDENTITY", Qe.x, Qek.x), encSecret = Qe.
 * Qek.x is the EK's own x as its public area holds it, which is what the
 * TPM feeds its KDFe.
 */
static int
share_seed_ecc(const struct hashalg *nh, const struct tpm_public *ek,
    EVP_PKEY *ek_key, uint8_t *seed, TPM2B_ENCRYPTED_SECRET *out,
    struct errbuf *e)
{
	char group[64];
	EVP_PKEY *eph = NULL;
	TPMS_ECC_POINT qe = { 0 };
	uint8_t z[ECC_FIELD_MAX];
	const TPM2B_ECC_PARAMETER *ek_x = &ek->pub.unique.ecc.x;
	size_t field, off = 0;
	int rc = -1;

	if (EVP_PKEY_get_utf8_string_param(ek_key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1)
		return err_openssl(e, "EK curve");
	field = ((size_t)EVP_PKEY_get_bits(ek_key) + 7) / 8;
	if (field == 0 || field > ECC_FIELD_MAX)
		return err_set(e, "EK curve %s is not supported", group);
	if ((eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group)) == NULL) {
		err_openssl(e, "ephemeral ECC key");
		goto out;
	}
	if (ec_coordinate(eph, OSSL_PKEY_PARAM_EC_PUB_X, qe.x.buffer,
	    field) != 0 || ec_coordinate(eph, OSSL_PKEY_PARAM_EC_PUB_Y,
	    qe.y.buffer, field) != 0) {
		err_openssl(e, "ephemeral ECC point");
		goto out;
	}
	qe.x.size = qe.y.size = (UINT16)field;
	if (ecdh_z(eph, ek_key, z, field, e) != 0 ||
	    tpm_kdfe(nh, z, field, label_identity, sizeof(label_identity),
	    qe.x.buffer, qe.x.size, ek_x->buffer, ek_x->size, seed, nh->size,
	    e) != 0)
		goto out;
	if (Tss2_MU_TPMS_ECC_POINT_Marshal(&qe, out->secret,
	    sizeof(out->secret), &off) != 0) {
		err_set(e, "marshaling the ephemeral point");
		goto out;
	}
	out->size = (UINT16)off;
	rc = 0;
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_free(eph);
	return rc;
}

int
credential_make(const struct tpm_public *ek, const struct tpm_name *ak_name,
    const uint8_t *secret, size_t secret_len, struct credential *out,
    struct errbuf *e)
{
	const struct hashalg *nh;
	EVP_PKEY *ek_key = NULL;
	uint8_t seed[HASHALG_MAX_SIZE];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (tpm_public_check_ek(ek, e) != 0)
		return err_prefix(e, "EK");
	if ((nh = ek_name_alg(ek, e)) == NULL || check_name(ak_name, e) != 0)
		return -1;
	if (secret_len > nh->size)
		return err_set(e, "secret of %zu bytes is longer than %zu bytes, "
		    "the digest size of the EK's name algorithm %s", secret_len,
		    nh->size, nh->name);
	if (tpm_public_to_pkey(ek, &ek_key, e) != 0)
		return err_prefix(e, "EK");
	if (ek->pub.type == TPM2_ALG_RSA)
		rc = share_seed_rsa(nh, ek_key, seed, &out->secret, e);
	else
		rc = share_seed_ecc(nh, ek, ek_key, seed, &out->secret, e);
	if (rc == 0)
		rc = credential_protect(ek, seed, nh->size, ak_name, secret,
		    secret_len, &out->blob, e);
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(ek_key);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
credential_blob_split(const TPM2B_ID_OBJECT *blob, const uint8_t **hmac,
    size_t *hmac_len, const uint8_t **enc_identity, size_t *enc_len,
    struct errbuf *e)
{
	size_t n, size = blob->size;

	if (size > sizeof(blob->credential))
		return err_set(e, "credentialBlob of %zu bytes exceeds %zu",
		    size, sizeof(blob->credential));
	if (size < 2)
		return err_set(e, "credentialBlob of %zu bytes is truncated",
		    size);
	n = load_be16(blob->credential);
	if (n != 20 && n != 32 && n != 48 && n != 64)
		return err_set(e, "credentialBlob outer HMAC of %zu bytes is "
		    "not a SHA-1/256/384/512 digest", n);
	if (size < 2 + n + 2)
		return err_set(e, "credentialBlob of %zu bytes is too short for "
		    "a %zu-byte HMAC and encIdentity", size, n);
	if (size > 2 + n + 2 + n)
		return err_set(e, "credentialBlob encIdentity of %zu bytes is "
		    "longer than %zu", size - 2 - n, 2 + n);
	*hmac = blob->credential + 2;
	*hmac_len = n;
	*enc_identity = blob->credential + 2 + n;
	*enc_len = size - 2 - n;
	return 0;
}

int
credential_file_encode(const struct credential *c, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	size_t off = 0;

	if (Tss2_MU_UINT32_Marshal(CREDENTIAL_FILE_MAGIC, out, cap, &off) != 0 ||
	    Tss2_MU_UINT32_Marshal(CREDENTIAL_FILE_VERSION, out, cap,
	    &off) != 0 ||
	    Tss2_MU_TPM2B_ID_OBJECT_Marshal(&c->blob, out, cap, &off) != 0 ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&c->secret, out, cap,
	    &off) != 0)
		return err_set(e, "credential does not fit in %zu bytes", cap);
	*len = off;
	return 0;
}

int
credential_file_parse(const uint8_t *buf, size_t len, struct credential *out,
    struct errbuf *e)
{
	uint32_t magic = 0, version = 0;
	const uint8_t *hmac, *enc;
	size_t off = 0, hmac_len, enc_len;

	memset(out, 0, sizeof(*out));
	if (len > CREDENTIAL_FILE_MAX)
		return err_set(e, "credential file of %zu bytes exceeds the "
		    "limit of %zu", len, (size_t)CREDENTIAL_FILE_MAX);
	if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &magic) != 0 ||
	    Tss2_MU_UINT32_Unmarshal(buf, len, &off, &version) != 0)
		return err_set(e, "credential file header truncated (%zu bytes)",
		    len);
	if (magic != CREDENTIAL_FILE_MAGIC)
		return err_set(e, "not a credential file: magic 0x%08x, "
		    "expected 0x%08x", magic, CREDENTIAL_FILE_MAGIC);
	if (version != CREDENTIAL_FILE_VERSION)
		return err_set(e, "credential file version %u, expected %u",
		    version, CREDENTIAL_FILE_VERSION);
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(buf, len, &off, &out->blob) != 0)
		return err_set(e, "credential file: malformed or truncated "
		    "TPM2B_ID_OBJECT at byte %zu", off);
	if (credential_blob_split(&out->blob, &hmac, &hmac_len, &enc, &enc_len,
	    e) != 0)
		return err_prefix(e, "credential file");
	if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(buf, len, &off,
	    &out->secret) != 0)
		return err_set(e, "credential file: malformed or truncated "
		    "TPM2B_ENCRYPTED_SECRET at byte %zu", off);
	if (out->secret.size == 0)
		return err_set(e, "credential file: empty encrypted secret");
	if (off != len)
		return err_set(e, "credential file: %zu trailing bytes after "
		    "byte %zu", len - off, off);
	return 0;
}
