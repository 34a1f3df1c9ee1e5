/*
 * store_records.c - the verifier key, trusted roots, devices, reference
 * values and last accepted attestation state of the store (store.h).
 */
#include "verify/store.h"
#include "verify/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "format/hex.h"

static const char *const device_state_names[] = {
	[STORE_DEVICE_PENDING] = "pending",
	[STORE_DEVICE_ENROLLED] = "enrolled",
	[STORE_DEVICE_REVOKED] = "revoked",
};

const char *
store_device_state_name(enum store_device_state st)
{
	if ((unsigned)st >= sizeof(device_state_names) /
	    sizeof(device_state_names[0]))
		return "?";
	return device_state_names[st];
}

static int
device_state_parse(const char *t, enum store_device_state *st,
    struct errbuf *e)
{
	unsigned i;

	for (i = 0; i < sizeof(device_state_names) /
	    sizeof(device_state_names[0]); i++) {
		if (strcmp(t, device_state_names[i]) == 0) {
			*st = (enum store_device_state)i;
			return 0;
		}
	}
	return err_set(e, "corrupt store: device state \"%s\"", t);
}

static int
sha256(const void *p, size_t n, uint8_t out[STORE_SHA256_LEN],
    struct errbuf *e)
{
	if (hashalg_digest(hashalg_by_name("sha256"), p, n, out) == -1)
		return err_openssl(e, "sha256");
	return 0;
}

/* ---- verifier ------------------------------------------------------------- */

/* PKCS#8 PEM and DER SPKI of a private key. */
static int
key_encode(EVP_PKEY *key, char *pem, size_t pemcap, uint8_t *spki,
    size_t *spki_len, struct errbuf *e)
{
	BIO *bio;
	char *data;
	long n;
	int len;
	unsigned char *p = spki;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return err_openssl(e, "encode verifier key");
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || (size_t)n >= pemcap) {
		BIO_free(bio);
		return err_set(e, "verifier key: PEM larger than %d bytes",
		    STORE_KEY_PEM_MAX);
	}
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
	OPENSSL_cleanse(data, (size_t)n);
	BIO_free(bio);
	len = i2d_PUBKEY(key, NULL);
	if (len <= 0 || len > STORE_SPKI_MAX)
		return err_set(e, "verifier key: public key not encodable in "
		    "%d bytes", STORE_SPKI_MAX);
	if (i2d_PUBKEY(key, &p) != len)
		return err_openssl(e, "encode verifier public key");
	*spki_len = (size_t)len;
	return 0;
}

static int
key_decode(const char *pem, size_t len, EVP_PKEY **out, struct errbuf *e)
{
	BIO *bio;

	*out = NULL;
	if (len > STORE_KEY_PEM_MAX || len > INT32_MAX)
		return err_set(e, "verifier key: PEM larger than %d bytes",
		    STORE_KEY_PEM_MAX);
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return err_openssl(e, "verifier key");
	/* No passphrase callback: an encrypted key is refused. */
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (*out == NULL)
		return err_openssl(e, "verifier key: not an unencrypted PEM "
		    "private key");
	return 0;
}

int
store_verifier_set(struct store *s, const char *pem, size_t len,
    int64_t now, struct errbuf *e)
{
	static const char what[] = "set verifier key";
	struct store_verifier *v;
	EVP_PKEY *key;
	sqlite3_stmt *st;
	int rc = -1;

	if (key_decode(pem, len, &key, e) == -1)
		return err_prefix(e, what);
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		EVP_PKEY_free(key);
		return err_set(e, "%s: out of memory", what);
	}
	if (key_encode(key, v->private_pem, sizeof(v->private_pem), v->spki,
	    &v->spki_len, e) == -1 ||
	    sha256(v->spki, v->spki_len, v->key_id, e) == -1) {
		err_prefix(e, what);
		goto out;
	}
	if ((st = store_stmt(s, ST_VERIFIER_INSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, v->key_id, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 2, v->spki, v->spki_len, what, e) == -1 ||
	    store_bind_text(s, st, 3, v->private_pem, what, e) == -1 ||
	    store_bind_int(s, st, 4, now, what, e) == -1)
		goto out;
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_PRIMARYKEY)
			err_set(e, "%s: the store already has a verifier key",
			    what);
		else
			store_sqlerr(s, what, e);
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	rc = 0;
out:
	/* The statement must not keep pointers into v. */
	if (s->stmt[ST_VERIFIER_INSERT] != NULL)
		sqlite3_clear_bindings(s->stmt[ST_VERIFIER_INSERT]);
	EVP_PKEY_free(key);
	OPENSSL_cleanse(v, sizeof(*v));
	free(v);
	return rc;
}

int
store_verifier_get(struct store *s, struct store_verifier *out, bool *found,
    struct errbuf *e)
{
	static const char what[] = "get verifier key";
	sqlite3_stmt *st;
	int r;

	*found = false;
	if ((st = store_stmt(s, ST_VERIFIER_GET, what, e)) == NULL)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = 0;
	if (store_col_blob(st, 0, out->key_id, STORE_SHA256_LEN, NULL,
	    STORE_SHA256_LEN, what, e) == -1 ||
	    store_col_blob(st, 1, out->spki, sizeof(out->spki), &out->spki_len,
	    0, what, e) == -1 ||
	    store_col_text(st, 2, out->private_pem, sizeof(out->private_pem),
	    what, e) == -1)
		r = -1;
	out->created = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

int
store_verifier_key(struct store *s, EVP_PKEY **out, struct errbuf *e)
{
	struct store_verifier *v;
	bool found;
	int rc = -1;

	*out = NULL;
	if ((v = malloc(sizeof(*v))) == NULL)
		return err_set(e, "verifier key: out of memory");
	if (store_verifier_get(s, v, &found, e) == 0) {
		if (!found)
			err_set(e, "the store has no verifier key (dossier "
			    "init makes one)");
		else
			rc = key_decode(v->private_pem,
			    strlen(v->private_pem), out, e);
	}
	OPENSSL_cleanse(v, sizeof(*v));
	free(v);
	return rc;
}

/* ---- roots ---------------------------------------------------------------- */

static int
root_subject(const uint8_t *der, size_t len, char *out, size_t cap,
    struct errbuf *e)
{
	const unsigned char *p = der;
	X509 *x;
	BIO *bio;
	char *data;
	long n;

	if (len > STORE_ROOT_DER_MAX)
		return err_set(e, "certificate larger than %u bytes",
		    STORE_ROOT_DER_MAX);
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return err_openssl(e, "not a DER X.509 certificate");
	if (p != der + len) {
		X509_free(x);
		return err_set(e, "%zu bytes after the certificate",
		    (size_t)(der + len - p));
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) < 0) {
		BIO_free(bio);
		X509_free(x);
		return err_openssl(e, "certificate subject");
	}
	n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		n = 0;
	if ((size_t)n >= cap)
		n = (long)cap - 1;	/* a display string: cut, not refused */
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(bio);
	X509_free(x);
	return 0;
}

int
store_root_add(struct store *s, const uint8_t *der, size_t len,
    const char *source, int64_t now, bool *added, struct errbuf *e)
{
	static const char what[] = "add root";
	uint8_t fp[STORE_SHA256_LEN];
	char subject[STORE_SUBJECT_MAX + 1];
	sqlite3_stmt *st;

	*added = false;
	if (strlen(source) > STORE_TEXT_MAX)
		return err_set(e, "%s: source name longer than %d bytes", what,
		    STORE_TEXT_MAX);
	if (root_subject(der, len, subject, sizeof(subject), e) == -1)
		return err_prefix(e, "%s: %s", what, source);
	if (sha256(der, len, fp, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_ROOT_INSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, fp, sizeof(fp), what, e) == -1 ||
	    store_bind_blob(s, st, 2, der, len, what, e) == -1 ||
	    store_bind_text(s, st, 3, subject, what, e) == -1 ||
	    store_bind_text(s, st, 4, source, what, e) == -1 ||
	    store_bind_int(s, st, 5, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*added = sqlite3_changes(s->db) == 1;
	return 0;
}

int
store_root_remove(struct store *s,
    const uint8_t fingerprint[STORE_SHA256_LEN], bool *removed,
    struct errbuf *e)
{
	return store_delete_by_key(s, ST_ROOT_DELETE, "remove root",
	    fingerprint, STORE_SHA256_LEN, removed, e);
}

int
store_root_foreach(struct store *s, store_root_fn fn, void *arg,
    struct errbuf *e)
{
	static const char what[] = "list roots";
	struct store_root r;
	sqlite3_stmt *st = s->stmt[ST_ROOT_LIST];
	int n, rc;

	if (st != NULL && sqlite3_stmt_busy(st))
		return err_set(e, "%s: called from its own callback", what);
	if ((st = store_stmt(s, ST_ROOT_LIST, what, e)) == NULL)
		return -1;
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		if (store_col_blob(st, 0, r.fingerprint, STORE_SHA256_LEN,
		    NULL, STORE_SHA256_LEN, what, e) == -1)
			break;
		r.der = sqlite3_column_blob(st, 1);
		n = sqlite3_column_bytes(st, 1);
		r.der_len = n > 0 ? (size_t)n : 0;
		r.subject = (const char *)sqlite3_column_text(st, 2);
		r.source = (const char *)sqlite3_column_text(st, 3);
		r.added = sqlite3_column_int64(st, 4);
		if (r.der == NULL || r.subject == NULL || r.source == NULL) {
			err_set(e, "%s: corrupt store: empty root row", what);
			break;
		}
		if (fn(&r, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}

/* ---- devices -------------------------------------------------------------- */

static int device_known(struct store *, const uint8_t[STORE_DEVICE_ID_LEN],
    const char *, struct errbuf *);

int
store_device_id(const uint8_t *ek_cert, size_t len,
    uint8_t id[STORE_DEVICE_ID_LEN], struct errbuf *e)
{
	return sha256(ek_cert, len, id, e);
}

static int
device_check(const struct store_device *d, const char *what,
    struct errbuf *e)
{
	uint8_t id[STORE_DEVICE_ID_LEN];

	if (d->ek_cert_len == 0 || d->ek_cert_len > STORE_EK_CERT_MAX ||
	    d->ek_public_len == 0 || d->ek_public_len > STORE_PUBLIC_MAX ||
	    d->ak_public_len == 0 || d->ak_public_len > STORE_PUBLIC_MAX ||
	    d->ak_name_len < 4 || d->ak_name_len > STORE_NAME_MAX ||
	    d->ak_parent_len > STORE_NAME_MAX ||
	    (d->ak_parent_len != 0 && d->ak_parent_len < 4))
		return err_set(e, "%s: a field is empty or too long", what);
	if ((unsigned)d->state > STORE_DEVICE_REVOKED)
		return err_set(e, "%s: bad state %d", what, (int)d->state);
	if (store_device_id(d->ek_cert, d->ek_cert_len, id, e) == -1)
		return -1;
	if (memcmp(id, d->id, sizeof(id)) != 0)
		return err_set(e, "%s: device id is not the SHA-256 of its EK "
		    "certificate", what);
	return 0;
}

/* Bind ?1..?8 of ST_DEVICE_INSERT / ST_DEVICE_UPDATE. */
static int
device_bind(struct store *s, sqlite3_stmt *st, const struct store_device *d,
    int64_t now, const char *what, struct errbuf *e)
{
	if (store_bind_blob(s, st, 1, d->id, STORE_DEVICE_ID_LEN, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 2, d->ek_cert, d->ek_cert_len, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 3, d->ek_public, d->ek_public_len, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 4, d->ak_public, d->ak_public_len, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 5, d->ak_name, d->ak_name_len, what,
	    e) == -1 ||
	    store_bind_text(s, st, 7, store_device_state_name(d->state), what,
	    e) == -1 ||
	    store_bind_int(s, st, 8, now, what, e) == -1)
		return -1;
	if (d->ak_parent_len == 0)
		return store_bind_null(s, st, 6, what, e);
	return store_bind_blob(s, st, 6, d->ak_parent, d->ak_parent_len, what,
	    e);
}

int
store_device_add(struct store *s, const struct store_device *d, int64_t now,
    struct errbuf *e)
{
	static const char what[] = "add device";
	sqlite3_stmt *st;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	int ext;

	if (device_check(d, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_DEVICE_INSERT, what, e)) == NULL ||
	    device_bind(s, st, d, now, what, e) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	ext = sqlite3_extended_errcode(s->db);
	store_sqlerr(s, what, e);
	sqlite3_reset(st);
	hex_encode(d->id, STORE_DEVICE_ID_LEN, hex);
	/* SQLite names only the first constraint it checked: say which
	 * record is in the way. */
	if (ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    ext == SQLITE_CONSTRAINT_UNIQUE) {
		if (device_known(s, d->id, what, NULL) == 0)
			return err_set(e, "%s: device %s is already in the "
			    "store", what, hex);
		return err_set(e, "%s: device %s: its AK is already enrolled "
		    "for another device", what, hex);
	}
	return -1;
}

static int
changed_one(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const char *what, struct errbuf *e)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1];

	if (sqlite3_changes(s->db) == 1)
		return 0;
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	return err_set(e, "%s: unknown device %s", what, hex);
}

int
store_device_update(struct store *s, const struct store_device *d,
    int64_t now, struct errbuf *e)
{
	static const char what[] = "update device";
	sqlite3_stmt *st;

	if (device_check(d, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_DEVICE_UPDATE, what, e)) == NULL ||
	    device_bind(s, st, d, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	return changed_one(s, d->id, what, e);
}

int
store_device_set_state(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], enum store_device_state state,
    int64_t now, struct errbuf *e)
{
	static const char what[] = "set device state";
	sqlite3_stmt *st;

	if ((unsigned)state > STORE_DEVICE_REVOKED)
		return err_set(e, "%s: bad state %d", what, (int)state);
	if ((st = store_stmt(s, ST_DEVICE_SET_STATE, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_text(s, st, 2, store_device_state_name(state), what,
	    e) == -1 ||
	    store_bind_int(s, st, 3, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	return changed_one(s, id, what, e);
}

/* A row of ST_DEVICE_GET / _GET_BY_AK / _LIST into *d. */
static int
device_row(sqlite3_stmt *st, struct store_device *d, const char *what,
    struct errbuf *e)
{
	char state[16];

	if (store_col_blob(st, 0, d->id, STORE_DEVICE_ID_LEN, NULL,
	    STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_col_blob(st, 1, d->ek_cert, sizeof(d->ek_cert),
	    &d->ek_cert_len, 0, what, e) == -1 ||
	    store_col_blob(st, 2, d->ek_public, sizeof(d->ek_public),
	    &d->ek_public_len, 0, what, e) == -1 ||
	    store_col_blob(st, 3, d->ak_public, sizeof(d->ak_public),
	    &d->ak_public_len, 0, what, e) == -1 ||
	    store_col_blob(st, 4, d->ak_name, sizeof(d->ak_name),
	    &d->ak_name_len, 0, what, e) == -1 ||
	    store_col_blob(st, 5, d->ak_parent, sizeof(d->ak_parent),
	    &d->ak_parent_len, 0, what, e) == -1 ||
	    store_col_text(st, 6, state, sizeof(state), what, e) == -1 ||
	    device_state_parse(state, &d->state, e) == -1)
		return -1;
	d->created = sqlite3_column_int64(st, 7);
	d->updated = sqlite3_column_int64(st, 8);
	return 0;
}

static int
device_lookup(struct store *s, enum store_stmt id, const uint8_t *key,
    size_t keylen, struct store_device *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get device";
	sqlite3_stmt *st;
	int r;

	*found = false;
	if ((st = store_stmt(s, id, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, key, keylen, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = device_row(st, out, what, e);
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

int
store_device_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_device *out, bool *found, struct errbuf *e)
{
	return device_lookup(s, ST_DEVICE_GET, id, STORE_DEVICE_ID_LEN, out,
	    found, e);
}

int
store_device_get_state(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    enum store_device_state *state, bool *found, struct errbuf *e)
{
	static const char what[] = "get device state";
	sqlite3_stmt *st;
	char text[16];
	int r;

	*found = false;
	if ((st = store_stmt(s, ST_DEVICE_STATE, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = store_col_text(st, 0, text, sizeof(text), what, e) == -1 ||
	    device_state_parse(text, state, e) == -1 ? -1 : 0;
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

int
store_device_get_by_ak_name(struct store *s, const uint8_t *name,
    size_t name_len, struct store_device *out, bool *found,
    struct errbuf *e)
{
	*found = false;
	if (name_len > STORE_NAME_MAX)
		return 0;
	return device_lookup(s, ST_DEVICE_GET_BY_AK, name, name_len, out,
	    found, e);
}

int
store_device_foreach(struct store *s, unsigned states, store_device_fn fn,
    void *arg, struct errbuf *e)
{
	static const char what[] = "list devices";
	struct store_device *d;
	sqlite3_stmt *st = s->stmt[ST_DEVICE_LIST];
	int rc;

	if (st != NULL && sqlite3_stmt_busy(st))
		return err_set(e, "%s: called from its own callback", what);
	if ((d = malloc(sizeof(*d))) == NULL)
		return err_set(e, "%s: out of memory", what);
	if ((st = store_stmt(s, ST_DEVICE_LIST, what, e)) == NULL) {
		free(d);
		return -1;
	}
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		if (device_row(st, d, what, e) == -1)
			break;
		if (states != 0 && (states & (1u << d->state)) == 0)
			continue;
		if (fn(d, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	free(d);
	return rc == 0 ? 0 : -1;
}

/* ---- references ----------------------------------------------------------- */

static int
refs_put_pcrs(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct pcr_set *p, const char *what, struct errbuf *e)
{
	const struct pcr_bank *b;
	sqlite3_stmt *st;
	size_t i;
	unsigned pcr;

	if ((st = store_stmt(s, ST_REFS_DELETE_PCRS, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	if (p->nbanks > PCR_SET_MAX_BANKS)
		return err_set(e, "%s: %zu PCR banks", what, p->nbanks);
	for (i = 0; i < p->nbanks; i++) {
		b = &p->banks[i];
		if (b->alg == NULL || b->alg->tpm_id == 0)
			return err_set(e, "%s: PCR bank without a TPM "
			    "algorithm", what);
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if ((b->present & (1u << pcr)) == 0)
				continue;
			if ((st = store_stmt(s, ST_REFS_INSERT_PCR, what,
			    e)) == NULL ||
			    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN,
			    what, e) == -1 ||
			    store_bind_int(s, st, 2, b->alg->tpm_id, what,
			    e) == -1 ||
			    store_bind_int(s, st, 3, pcr, what, e) == -1 ||
			    store_bind_blob(s, st, 4, b->values[pcr],
			    b->alg->size, what, e) == -1 ||
			    store_step_done(s, st, what, e) == -1)
				return -1;
		}
	}
	return 0;
}

static int
refs_put_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_refs *r, int64_t now, const char *what,
    struct errbuf *e)
{
	sqlite3_stmt *st;

	if ((r->ima_log_alg == NULL) != (r->ima_log == NULL && r->ima_log_len
	    == 0))
		return err_set(e, "%s: a reference IMA log needs its "
		    "algorithm, and only a log has one", what);
	if (r->ima_log_len > STORE_IMA_LOG_MAX)
		return err_set(e, "%s: reference IMA log larger than %zu "
		    "bytes", what, STORE_IMA_LOG_MAX);
	if ((st = store_stmt(s, ST_REFS_UPSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_blob(s, st, 4, r->source_bundle, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 5, now, what, e) == -1)
		return -1;
	if (r->ima_log_alg != NULL &&
	    (store_bind_text(s, st, 2, r->ima_log_alg->name, what, e) == -1 ||
	    store_bind_blob(s, st, 3, r->ima_log, r->ima_log_len, what,
	    e) == -1))
		return -1;
	return store_step_done(s, st, what, e);
}

static int
device_known(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const char *what, struct errbuf *e)
{
	sqlite3_stmt *st;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	int r;

	if ((st = store_stmt(s, ST_DEVICE_STATE, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) == -1)
		return -1;
	sqlite3_reset(st);
	if (r == 1)
		return 0;
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	return err_set(e, "%s: unknown device %s", what, hex);
}

int
store_refs_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_refs *r, int64_t now, struct errbuf *e)
{
	static const char what[] = "set references";
	int rc;

	if (device_known(s, id, what, e) == -1 ||
	    store_op_begin(s, what, e) == -1)
		return -1;
	rc = refs_put_pcrs(s, id, &r->pcrs, what, e);
	if (rc == 0)
		rc = refs_put_log(s, id, r, now, what, e);
	return store_op_end(s, rc, e);
}

static int
refs_get_pcrs(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct pcr_set *p, const char *what, struct errbuf *e)
{
	const struct hashalg *alg;
	uint8_t value[HASHALG_MAX_SIZE];
	sqlite3_stmt *st;
	size_t len;
	int64_t bank, pcr;
	int r;

	pcr_set_init(p);
	if ((st = store_stmt(s, ST_REFS_GET_PCRS, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	while ((r = store_step_row(s, st, what, e)) == 1) {
		bank = sqlite3_column_int64(st, 0);
		pcr = sqlite3_column_int64(st, 1);
		alg = bank > 0 && bank <= UINT16_MAX ?
		    hashalg_by_tpm((uint16_t)bank) : NULL;
		if (alg == NULL || pcr < 0 || pcr >= PCR_COUNT) {
			err_set(e, "%s: corrupt store: PCR bank %lld index "
			    "%lld", what, (long long)bank, (long long)pcr);
			break;
		}
		if (store_col_blob(st, 2, value, sizeof(value), &len,
		    alg->size, what, e) == -1 ||
		    pcr_set_put(p, alg, (unsigned)pcr, value, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return r == 0 ? 0 : -1;
}

int
store_refs_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_refs *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get references";
	char alg[32];
	const void *log;
	sqlite3_stmt *st;
	int r, n;

	*found = false;
	memset(out, 0, sizeof(*out));
	if ((st = store_stmt(s, ST_REFS_GET, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = -1;
	if (store_col_blob(st, 2, out->source_bundle, STORE_SHA256_LEN, NULL,
	    STORE_SHA256_LEN, what, e) == -1)
		goto out;
	out->updated = sqlite3_column_int64(st, 3);
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		if (store_col_text(st, 0, alg, sizeof(alg), what, e) == -1)
			goto out;
		if ((out->ima_log_alg = hashalg_by_name(alg)) == NULL) {
			err_set(e, "%s: corrupt store: IMA log algorithm "
			    "\"%s\"", what, alg);
			goto out;
		}
		log = sqlite3_column_blob(st, 1);
		n = sqlite3_column_bytes(st, 1);
		if (n < 0 || (size_t)n > STORE_IMA_LOG_MAX) {
			err_set(e, "%s: corrupt store: IMA log size", what);
			goto out;
		}
		if ((out->ima_log = malloc(n > 0 ? (size_t)n : 1)) == NULL) {
			err_set(e, "%s: out of memory", what);
			goto out;
		}
		if (n > 0)
			memcpy(out->ima_log, log, (size_t)n);
		out->ima_log_len = (size_t)n;
	}
	r = 0;
out:
	sqlite3_reset(st);
	if (r == 0)
		r = refs_get_pcrs(s, id, &out->pcrs, what, e);
	if (r == -1)
		store_refs_free(out);
	*found = r == 0;
	return r;
}

int
store_refs_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    store_refs_log_fn fn, void *arg, bool *found, struct errbuf *e)
{
	static const char what[] = "get reference log";
	const struct hashalg *h;
	const uint8_t *log;
	char alg[32];
	sqlite3_stmt *st;
	int r, n;

	*found = false;
	if ((st = store_stmt(s, ST_REFS_GET, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = 0;
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		goto out;
	r = -1;
	if (store_col_text(st, 0, alg, sizeof(alg), what, e) == -1)
		goto out;
	if ((h = hashalg_by_name(alg)) == NULL) {
		err_set(e, "%s: corrupt store: IMA log algorithm \"%s\"", what,
		    alg);
		goto out;
	}
	log = sqlite3_column_blob(st, 1);
	n = sqlite3_column_bytes(st, 1);
	if (n < 0 || (size_t)n > STORE_IMA_LOG_MAX) {
		err_set(e, "%s: corrupt store: IMA log size", what);
		goto out;
	}
	*found = true;
	r = fn(arg, h, log, (size_t)n, e);
out:
	sqlite3_reset(st);
	return r;
}

int
store_refs_stamp(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_refs_stamp *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get reference stamp";
	sqlite3_stmt *st;
	int r;

	*found = false;
	memset(out, 0, sizeof(*out));
	if ((st = store_stmt(s, ST_REFS_STAMP, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	out->has_log = sqlite3_column_int(st, 0) != 0;
	out->updated = sqlite3_column_int64(st, 2);
	r = store_col_blob(st, 1, out->source_bundle, STORE_SHA256_LEN, NULL,
	    STORE_SHA256_LEN, what, e);
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

void
store_refs_free(struct store_refs *r)
{
	if (r == NULL)
		return;
	free(r->ima_log);
	r->ima_log = NULL;
	r->ima_log_len = 0;
}

/* ---- last accepted attestation state -------------------------------------- */

/* One row of ST_STATE_BEFORE / ST_STATE_AFTER into out. */
static int
state_row(struct store *s, enum store_stmt which,
    const uint8_t id[STORE_DEVICE_ID_LEN], int64_t seq,
    struct store_attest_state *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get attestation state";
	sqlite3_stmt *st;
	int r;

	*found = false;
	if ((st = store_stmt(s, which, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_int(s, st, 2, seq, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	/* uint64 values are kept as their two's-complement int64. */
	out->clock = (uint64_t)sqlite3_column_int64(st, 0);
	out->reset_count = (uint32_t)sqlite3_column_int64(st, 1);
	out->restart_count = (uint32_t)sqlite3_column_int64(st, 2);
	out->safe = sqlite3_column_int64(st, 3) != 0;
	out->firmware_version = (uint64_t)sqlite3_column_int64(st, 4);
	out->accepted = sqlite3_column_int64(st, 5);
	r = store_col_blob(st, 6, out->bundle_sha256, STORE_SHA256_LEN, NULL,
	    STORE_SHA256_LEN, what, e);
	out->seq = sqlite3_column_int64(st, 7);
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

int
store_state_around(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    int64_t seq, struct store_attest_state *before, bool *has_before,
    struct store_attest_state *after, bool *has_after, struct errbuf *e)
{
	*has_after = false;
	if (state_row(s, ST_STATE_BEFORE, id, seq, before, has_before,
	    e) == -1)
		return -1;
	if (seq == INT64_MAX)
		return 0;
	return state_row(s, ST_STATE_AFTER, id, seq, after, has_after, e);
}

int
store_state_newest(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_attest_state *out, bool *found, struct errbuf *e)
{
	struct store_attest_state none;
	bool has_none;

	return store_state_around(s, id, INT64_MAX, out, found, &none,
	    &has_none, e);
}

int
store_state_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_attest_state *a, struct errbuf *e)
{
	static const char what[] = "set attestation state";
	sqlite3_stmt *st;

	if (device_known(s, id, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_STATE_UPSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_int(s, st, 2, (int64_t)a->clock, what, e) == -1 ||
	    store_bind_int(s, st, 3, a->reset_count, what, e) == -1 ||
	    store_bind_int(s, st, 4, a->restart_count, what, e) == -1 ||
	    store_bind_int(s, st, 5, a->safe ? 1 : 0, what, e) == -1 ||
	    store_bind_int(s, st, 6, (int64_t)a->firmware_version, what,
	    e) == -1 ||
	    store_bind_int(s, st, 7, a->accepted, what, e) == -1 ||
	    store_bind_blob(s, st, 8, a->bundle_sha256, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 9, a->seq, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}
