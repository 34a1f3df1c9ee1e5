/* challenge.c - see challenge.h. */
#include "format/challenge.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "format/bytes.h"
#include "format/cbor_det.h"
#include "format/hashalg.h"
#include "format/tpm_attest.h"

static const char *const log_names[] = {
	"ima", "ima-sha1", "ima-sha256", "ima-sha384", "ima-sha512", "uefi",
};
#define N_LOGS (sizeof(log_names) / sizeof(log_names[0]))

const char *
challenge_log_name(unsigned log)
{
	size_t i;

	for (i = 0; i < N_LOGS; i++)
		if (log == 1u << i)
			return log_names[i];
	return NULL;
}

unsigned
challenge_log_by_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_LOGS; i++)
		if (strlen(log_names[i]) == len &&
		    memcmp(log_names[i], name, len) == 0)
			return 1u << i;
	return 0;
}

/* ---- rules shared by encoder and decoder ------------------------------- */

/* A TPM Name: u16 nameAlg of a known hash, then its digest. */
static int
name_check(const uint8_t *p, size_t n, struct errbuf *e)
{
	const struct hashalg *h;

	if (n < 2 || n > TPM_NAME_MAX_BYTES)
		return err_set(e, "TPM Name of %zu bytes", n);
	h = hashalg_by_tpm(load_be16(p));
	if (h == NULL)
		return err_set(e, "TPM Name with unknown nameAlg 0x%04x",
		    load_be16(p));
	if (n != 2 + h->size)
		return err_set(e, "TPM Name of %zu bytes (%s needs %zu)", n,
		    h->name, 2 + h->size);
	return 0;
}

static int
credential_check(const uint8_t *p, size_t n, struct errbuf *e)
{
	struct credential c;

	if (n > CREDENTIAL_FILE_MAX)
		return err_set(e, "credential of %zu bytes (at most %zu)", n,
		    (size_t)CREDENTIAL_FILE_MAX);
	return credential_file_parse(p, n, &c, e);
}

static int
selection_check(const uint8_t *p, size_t n, struct errbuf *e)
{
	TPML_PCR_SELECTION sel;

	if (n > CHALLENGE_SELECTION_MAX)
		return err_set(e, "PCR selection of %zu bytes (at most %d)", n,
		    CHALLENGE_SELECTION_MAX);
	if (tpm_selection_parse(p, n, &sel, e) != 0)
		return -1;
	if (sel.count == 0)
		return err_set(e, "PCR selection without a bank");
	return 0;
}

static int
challenge_check(const struct challenge *c, struct errbuf *e)
{
	if (name_check(c->ak_name.b, c->ak_name.len, e) != 0)
		return err_prefix(e, "AK Name");
	if (credential_check(c->credential, c->credential_len, e) != 0)
		return err_prefix(e, "credential");
	if (selection_check(c->selection, c->selection_len, e) != 0)
		return err_prefix(e, "PCR selection");
	if (c->logs == 0 || (c->logs & ~CHALLENGE_LOG_ALL) != 0)
		return err_set(e, "requested logs 0x%x: at least one, and only "
		    "those of the vocabulary", c->logs);
	if (c->not_after <= c->issued)
		return err_set(e, "not-after %lld is not after issued %lld",
		    (long long)c->not_after, (long long)c->issued);
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

static size_t
popcount(unsigned v)
{
	size_t n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

int
challenge_encode(const struct challenge *c, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	struct cbor_wr w;
	size_t i;

	if (challenge_check(c, e) != 0)
		return err_prefix(e, "challenge");
	cbor_wr_init(&w, CHALLENGE_MAX);
	cbor_wr_map(&w, 11);
	cbor_wr_uint(&w, CHALLENGE_K_FORMAT);
	cbor_wr_tstr_z(&w, CHALLENGE_FORMAT_NAME);
	cbor_wr_uint(&w, CHALLENGE_K_VERSION);
	cbor_wr_uint(&w, CHALLENGE_VERSION);
	cbor_wr_uint(&w, CHALLENGE_K_ID);
	cbor_wr_bstr(&w, c->id, sizeof(c->id));
	cbor_wr_uint(&w, CHALLENGE_K_DEVICE_ID);
	cbor_wr_bstr(&w, c->device_id, sizeof(c->device_id));
	cbor_wr_uint(&w, CHALLENGE_K_AK_NAME);
	cbor_wr_bstr(&w, c->ak_name.b, c->ak_name.len);
	cbor_wr_uint(&w, CHALLENGE_K_CREDENTIAL);
	cbor_wr_bstr(&w, c->credential, c->credential_len);
	cbor_wr_uint(&w, CHALLENGE_K_SELECTION);
	cbor_wr_bstr(&w, c->selection, c->selection_len);
	cbor_wr_uint(&w, CHALLENGE_K_LOGS);
	cbor_wr_array(&w, popcount(c->logs));
	for (i = 0; i < N_LOGS; i++)
		if (c->logs & (1u << i))
			cbor_wr_tstr_z(&w, log_names[i]);
	cbor_wr_uint(&w, CHALLENGE_K_NOT_AFTER);
	cbor_wr_tag(&w, 1);
	cbor_wr_int(&w, c->not_after);
	cbor_wr_uint(&w, CHALLENGE_K_ISSUED);
	cbor_wr_tag(&w, 1);
	cbor_wr_int(&w, c->issued);
	cbor_wr_uint(&w, CHALLENGE_K_VERIFIER_ID);
	cbor_wr_bstr(&w, c->verifier_id, sizeof(c->verifier_id));
	if (cbor_wr_finish(&w, out, len, e) != 0)
		return err_prefix(e, "challenge");
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

static int
decode_format(struct cbor_rd *r, struct errbuf *e)
{
	const char *s;
	size_t n;

	if (cbor_rd_tstr(r, &s, &n, e) != 0)
		return -1;
	if (n != strlen(CHALLENGE_FORMAT_NAME) ||
	    memcmp(s, CHALLENGE_FORMAT_NAME, n) != 0)
		return err_set(e, "format is \"%.*s\", not \"%s\"",
		    n > 64 ? 64 : (int)n, s, CHALLENGE_FORMAT_NAME);
	return 0;
}

static int
decode_version(struct cbor_rd *r, struct errbuf *e)
{
	uint64_t v;

	if (cbor_rd_uint(r, &v, e) != 0)
		return -1;
	if (v != CHALLENGE_VERSION)
		return err_set(e, "format version %llu not supported (only %d)",
		    (unsigned long long)v, CHALLENGE_VERSION);
	return 0;
}

static int
decode_name(struct cbor_rd *r, struct tpm_name *out, struct errbuf *e)
{
	const uint8_t *p;
	size_t n;

	if (cbor_rd_bstr(r, &p, &n, e) != 0 || name_check(p, n, e) != 0)
		return -1;
	memcpy(out->b, p, n);
	out->len = n;
	return 0;
}

/* A byte string checked by check() and copied into out (capacity cap). */
static int
decode_blob(struct cbor_rd *r, uint8_t *out, size_t cap, size_t *len,
    int (*check)(const uint8_t *, size_t, struct errbuf *), struct errbuf *e)
{
	const uint8_t *p;
	size_t n;

	if (cbor_rd_bstr(r, &p, &n, e) != 0 || check(p, n, e) != 0)
		return -1;
	if (n > cap)	/* check() bounds n; this keeps the copy obviously safe */
		return err_set(e, "%zu bytes", n);
	if (n > 0)
		memcpy(out, p, n);
	*len = n;
	return 0;
}

static int
decode_logs(struct cbor_rd *r, unsigned *logs, struct errbuf *e)
{
	const char *s;
	size_t n, i, len;
	unsigned bit, last = 0;

	if (cbor_rd_array(r, &n, e) != 0)
		return -1;
	if (n == 0 || n > CHALLENGE_LOGS_MAX)
		return err_set(e, "%zu logs (1 to %d allowed)", n,
		    CHALLENGE_LOGS_MAX);
	*logs = 0;
	for (i = 0; i < n; i++) {
		if (cbor_rd_tstr(r, &s, &len, e) != 0)
			return err_prefix(e, "log %zu", i + 1);
		bit = challenge_log_by_name(s, len);
		if (bit == 0)
			return err_set(e, "log %zu: unknown log \"%.*s\"", i + 1,
			    len > 32 ? 32 : (int)len, s);
		if (bit <= last)
			return err_set(e, "log %zu: \"%s\" repeated or out of "
			    "order", i + 1, challenge_log_name(bit));
		*logs |= bit;
		last = bit;
	}
	return 0;
}

static int
decode_time(struct cbor_rd *r, int64_t *t, struct errbuf *e)
{
	if (cbor_rd_tag(r, 1, e) != 0)
		return -1;
	return cbor_rd_int(r, t, e);
}

static int
decode_field(struct cbor_rd *r, uint64_t key, struct challenge *c,
    struct errbuf *e)
{
	switch (key) {
	case CHALLENGE_K_FORMAT:
		return decode_format(r, e);
	case CHALLENGE_K_VERSION:
		return decode_version(r, e);
	case CHALLENGE_K_ID:
		return cbor_rd_bstr_fixed(r, c->id, sizeof(c->id), e);
	case CHALLENGE_K_DEVICE_ID:
		return cbor_rd_bstr_fixed(r, c->device_id,
		    sizeof(c->device_id), e);
	case CHALLENGE_K_AK_NAME:
		return decode_name(r, &c->ak_name, e);
	case CHALLENGE_K_CREDENTIAL:
		return decode_blob(r, c->credential, sizeof(c->credential),
		    &c->credential_len, credential_check, e);
	case CHALLENGE_K_SELECTION:
		return decode_blob(r, c->selection, sizeof(c->selection),
		    &c->selection_len, selection_check, e);
	case CHALLENGE_K_LOGS:
		return decode_logs(r, &c->logs, e);
	case CHALLENGE_K_NOT_AFTER:
		return decode_time(r, &c->not_after, e);
	case CHALLENGE_K_ISSUED:
		return decode_time(r, &c->issued, e);
	case CHALLENGE_K_VERIFIER_ID:
		return cbor_rd_bstr_fixed(r, c->verifier_id,
		    sizeof(c->verifier_id), e);
	}
	if (key >= CHALLENGE_EXT_KEY_MIN)
		return cbor_rd_skip(r, NULL, NULL, e);
	return err_set(e, "unknown key (keys 0 and 12..63 are reserved; "
	    "extensions use 64 and above)");
}

static const char *const key_names[] = {
	NULL, "format", "version", "challenge id", "device id", "AK Name",
	"credential", "PCR selection", "logs", "not-after", "issued",
	"verifier id",
};

/* decode_field() with the signature cbor_rd_keyed_map() calls. */
static int
challenge_field(struct cbor_rd *r, uint64_t key, void *arg, struct errbuf *e)
{
	return decode_field(r, key, arg, e);
}

int
challenge_decode(const uint8_t *buf, size_t len, struct challenge *out,
    struct errbuf *e)
{
	const uint32_t required = 0xffe;	/* keys 1..11 */
	struct cbor_rd r;

	memset(out, 0, sizeof(*out));
	if (len > CHALLENGE_MAX)
		return err_set(e, "challenge of %zu bytes exceeds the limit of "
		    "%d", len, CHALLENGE_MAX);
	if (cbor_rd_open(&r, buf, len, e) != 0)
		return err_prefix(e, "challenge");
	if (cbor_rd_keyed_map(&r, "challenge", key_names,
	    sizeof(key_names) / sizeof(key_names[0]), required,
	    challenge_field, out, e) != 0)
		return -1;
	if (out->not_after <= out->issued)
		return err_set(e, "challenge: not-after %lld is not after "
		    "issued %lld", (long long)out->not_after,
		    (long long)out->issued);
	return 0;
}

int
challenge_check_time(const struct challenge *c, int64_t now, struct errbuf *e)
{
	if (now > c->not_after)
		return err_set(e, "challenge expired at %lld (now %lld)",
		    (long long)c->not_after, (long long)now);
	return 0;
}

/* ---- the verifier key ---------------------------------------------------- */

int
challenge_verifier_id(EVP_PKEY *key, uint8_t out[CHALLENGE_VERIFIER_ID_LEN],
    struct errbuf *e)
{
	const struct hashalg *h = hashalg_by_name("sha256");
	unsigned char *der = NULL;
	unsigned int n;
	int len;

	len = i2d_PUBKEY(key, &der);
	if (len <= 0)
		return err_openssl(e, "verifier key: encode public key");
	if (h == NULL || !EVP_Digest(der, (size_t)len, out, &n,
	    hashalg_md(h), NULL)) {
		OPENSSL_free(der);
		return err_openssl(e, "verifier key: SHA-256");
	}
	OPENSSL_free(der);
	return 0;
}

static int
key_is_p256(EVP_PKEY *key, struct errbuf *e)
{
	char group[32];

	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) ||
	    strcmp(group, "prime256v1") != 0)
		return err_set(e, "verifier key is not an ECC NIST P-256 key");
	return 0;
}

int
challenge_verifier_key_parse(const uint8_t *pem, size_t len, EVP_PKEY **out,
    struct errbuf *e)
{
	BIO *bio;

	*out = NULL;
	if (len > CHALLENGE_KEY_PEM_MAX)
		return err_set(e, "verifier key of %zu bytes (at most %d)", len,
		    CHALLENGE_KEY_PEM_MAX);
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return err_openssl(e, "verifier key");
	*out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out == NULL)
		return err_openssl(e, "verifier key: not a PEM public key");
	if (key_is_p256(*out, e) != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- the signed file ----------------------------------------------------- */

int
challenge_sign(const struct challenge *c, EVP_PKEY *key, uint8_t **file,
    size_t *len, struct errbuf *e)
{
	uint8_t id[CHALLENGE_VERIFIER_ID_LEN];
	struct cose_header h;
	struct cbor_wr w;
	uint8_t *payload;
	size_t plen;
	int rc;

	*file = NULL;
	if (key_is_p256(key, e) != 0 || challenge_verifier_id(key, id, e) != 0)
		return err_prefix(e, "challenge signature");
	if (memcmp(id, c->verifier_id, sizeof(id)) != 0)
		return err_set(e, "challenge signature: verifier id is not the "
		    "SHA-256 of the signing key's SubjectPublicKeyInfo");
	if (challenge_encode(c, &payload, &plen, e) != 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	strcpy(h.content_type, CHALLENGE_CONTENT_TYPE);
	memcpy(h.kid, id, sizeof(id));
	h.kid_len = sizeof(id);
	cbor_wr_init(&w, CHALLENGE_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_CHALLENGE);
	rc = cose_sign1_write_pkey(&w, &h, payload, plen, key, e);
	free(payload);
	if (rc != 0) {
		cbor_wr_free(&w);
		return err_prefix(e, "challenge signature");
	}
	if (cbor_wr_finish(&w, file, len, e) != 0)
		return err_prefix(e, "challenge file");
	return 0;
}

int
challenge_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct challenge *out, struct errbuf *e)
{
	struct cose_sign1 local;

	if (msg == NULL)
		msg = &local;
	memset(out, 0, sizeof(*out));
	if (len > CHALLENGE_FILE_MAX)
		return err_set(e, "challenge file of %zu bytes exceeds the "
		    "limit of %d", len, CHALLENGE_FILE_MAX);
	if (cbor_magic_check(buf, len, DOSSIER_TAG_CHALLENGE, e) != 0 ||
	    cose_sign1_decode(buf + CBOR_MAGIC_LEN, len - CBOR_MAGIC_LEN, msg,
	    e) != 0)
		return err_prefix(e, "challenge file");
	if (msg->payload == NULL)
		return err_set(e, "challenge file: detached payload");
	if (strcmp(msg->hdr.content_type, CHALLENGE_CONTENT_TYPE) != 0)
		return err_set(e, "challenge file: content type \"%s\", "
		    "expected \"%s\"", msg->hdr.content_type,
		    CHALLENGE_CONTENT_TYPE);
	if (msg->hdr.alg != COSE_ALG_ES256)
		return err_set(e, "challenge file: algorithm %lld, only ES256 "
		    "(-7)", (long long)msg->hdr.alg);
	if (msg->hdr.kid_len != CHALLENGE_VERIFIER_ID_LEN)
		return err_set(e, "challenge file: kid of %zu bytes (a "
		    "verifier id has %d)", msg->hdr.kid_len,
		    CHALLENGE_VERIFIER_ID_LEN);
	if (challenge_decode(msg->payload, msg->payload_len, out, e) != 0)
		return err_prefix(e, "challenge file");
	if (memcmp(out->verifier_id, msg->hdr.kid, msg->hdr.kid_len) != 0) {
		memset(out, 0, sizeof(*out));
		return err_set(e, "challenge file: payload verifier id differs "
		    "from the kid");
	}
	return 0;
}

int
challenge_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct challenge *out, struct errbuf *e)
{
	uint8_t id[CHALLENGE_VERIFIER_ID_LEN];
	struct cose_sign1 msg;
	struct challenge c;

	memset(out, 0, sizeof(*out));
	if (challenge_file_open(buf, len, &msg, &c, e) != 0)
		return -1;
	if (key_is_p256(verifier, e) != 0 ||
	    challenge_verifier_id(verifier, id, e) != 0)
		return err_prefix(e, "challenge file");
	if (memcmp(id, msg.hdr.kid, sizeof(id)) != 0)
		return err_set(e, "challenge file: signed by another verifier "
		    "(kid is not the pinned verifier key's id)");
	if (cose_sign1_verify(&msg, NULL, 0, verifier, e) != 0)
		return err_prefix(e, "challenge file: signature");
	*out = c;
	return 0;
}
