/* manifest.c - see manifest.h. */
#include "format/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/cbor_det.h"

#define COSE_ALG_SHA256	(-16)	/* RFC 9054 hash algorithm id */

const char *
manifest_kind_name(enum manifest_kind k)
{
	switch (k) {
	case MANIFEST_ENROLLMENT:
		return "enrollment";
	case MANIFEST_EVIDENCE:
		return "evidence";
	}
	return NULL;
}

const char *
manifest_fact(const struct manifest *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n_facts && i < MANIFEST_FACTS_MAX; i++)
		if (strcmp(m->facts[i].key, key) == 0)
			return m->facts[i].value;
	return NULL;
}

int
manifest_host_facts(const struct manifest *m, const char **host_name,
    const char **machine_id, struct errbuf *e)
{
	const char *h = manifest_fact(m, MANIFEST_FACT_HOST_NAME);
	const char *id = manifest_fact(m, MANIFEST_FACT_MACHINE_ID);

	*host_name = *machine_id = NULL;
	if (h != NULL && h[0] == '\0')
		return err_set(e, "fact %s is empty", MANIFEST_FACT_HOST_NAME);
	if (id != NULL && (strlen(id) != MANIFEST_MACHINE_ID_LEN ||
	    strspn(id, "0123456789abcdef") != MANIFEST_MACHINE_ID_LEN))
		return err_set(e, "fact %s is not %d lowercase hex digits",
		    MANIFEST_FACT_MACHINE_ID, MANIFEST_MACHINE_ID_LEN);
	*host_name = h;
	*machine_id = id;
	return 0;
}

/* ---- rules shared by encoder and decoder ------------------------------- */

/* A TPM Name: u16 nameAlg of a known hash, then its digest. */
static int
name_check(const uint8_t *p, size_t n, struct errbuf *e)
{
	const struct hashalg *h;

	if (n < 2)
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

/* 1..max bytes, no C0 control character or DEL (C strings: no NUL). */
static int
text_check(const char *what, const char *s, size_t min, size_t max,
    struct errbuf *e)
{
	size_t n = strnlen(s, max + 1), i;

	if (n < min || n > max)
		return err_set(e, "%s of %zu bytes (%zu to %zu allowed)", what,
		    n, min, max);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_set(e, "%s contains a control character",
			    what);
	return 0;
}

static int
member_check(const struct bundle_member *m, struct errbuf *e)
{
	if (strnlen(m->name, sizeof(m->name)) == sizeof(m->name))
		return err_set(e, "member name not terminated");
	if (bundle_member_name_check(m->name, e) != 0 ||
	    bundle_media_type_check(m->media_type, e) != 0)
		return -1;
	if (m->size > BUNDLE_MEMBER_MAX_BYTES)
		return err_set(e, "size %llu exceeds the member limit of %llu",
		    (unsigned long long)m->size,
		    (unsigned long long)BUNDLE_MEMBER_MAX_BYTES);
	return 0;
}

/* Member i's name differs from those before it. */
static int
member_distinct(const struct bundle_member *ms, size_t i, struct errbuf *e)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(ms[i].name, ms[j].name) == 0)
			return err_set(e, "member '%s' listed twice",
			    ms[i].name);
	return 0;
}

static int
fact_check(const struct manifest_fact *f, struct errbuf *e)
{
	if (text_check("fact key", f->key, 1, MANIFEST_FACT_KEY_MAX, e) != 0 ||
	    text_check("fact value", f->value, 0, MANIFEST_FACT_VALUE_MAX,
	    e) != 0)
		return -1;
	return 0;
}

static int
manifest_check(const struct manifest *m, struct errbuf *e)
{
	size_t i;

	if (manifest_kind_name(m->kind) == NULL)
		return err_set(e, "kind %d is neither enrollment (1) nor "
		    "evidence (2)", (int)m->kind);
	if (name_check(m->ak_name.b, m->ak_name.len, e) != 0)
		return err_prefix(e, "AK Name");
	if (m->ak_location == MANIFEST_AK_EK_CHILD) {
		if (name_check(m->ek_name.b, m->ek_name.len, e) != 0)
			return err_prefix(e, "EK Name");
	} else if (m->ak_location != MANIFEST_AK_PRIMARY)
		return err_set(e, "AK location %d is neither 0 nor 1",
		    (int)m->ak_location);
	if (text_check("collector", m->collector, 1, MANIFEST_COLLECTOR_MAX,
	    e) != 0)
		return -1;
	if (m->n_members == 0 || m->n_members > BUNDLE_MEMBERS_MAX)
		return err_set(e, "%zu members (1 to %d allowed)", m->n_members,
		    BUNDLE_MEMBERS_MAX);
	for (i = 0; i < m->n_members; i++)
		if (member_check(&m->members[i], e) != 0 ||
		    member_distinct(m->members, i, e) != 0)
			return err_prefix(e, "member %zu", i + 1);
	if (m->n_facts > MANIFEST_FACTS_MAX)
		return err_set(e, "%zu platform facts (at most %d)", m->n_facts,
		    MANIFEST_FACTS_MAX);
	for (i = 0; i < m->n_facts; i++)
		if (fact_check(&m->facts[i], e) != 0)
			return err_prefix(e, "platform fact %zu", i + 1);
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

/* Deterministic order of text keys: by encoded bytes = length, then bytes. */
static int
fact_cmp(const void *a, const void *b)
{
	const struct manifest_fact *fa = *(const struct manifest_fact *const *)a;
	const struct manifest_fact *fb = *(const struct manifest_fact *const *)b;
	size_t la = strlen(fa->key), lb = strlen(fb->key);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(fa->key, fb->key, la);
}

static void
encode_facts(struct cbor_wr *w, const struct manifest *m)
{
	const struct manifest_fact *sorted[MANIFEST_FACTS_MAX];
	size_t i;

	for (i = 0; i < m->n_facts; i++)
		sorted[i] = &m->facts[i];
	qsort(sorted, m->n_facts, sizeof(sorted[0]), fact_cmp);
	cbor_wr_uint(w, MANIFEST_K_FACTS);
	cbor_wr_map(w, m->n_facts);
	for (i = 0; i < m->n_facts; i++) {
		cbor_wr_tstr_z(w, sorted[i]->key);
		cbor_wr_tstr_z(w, sorted[i]->value);
	}
}

static void
encode_members(struct cbor_wr *w, const struct manifest *m)
{
	const struct bundle_member *b;
	size_t i;

	cbor_wr_uint(w, MANIFEST_K_MEMBERS);
	cbor_wr_array(w, m->n_members);
	for (i = 0; i < m->n_members; i++) {
		b = &m->members[i];
		cbor_wr_array(w, 4);
		cbor_wr_tstr_z(w, b->name);
		cbor_wr_tstr_z(w, b->media_type);
		cbor_wr_uint(w, b->size);
		cbor_wr_array(w, 2);
		cbor_wr_int(w, COSE_ALG_SHA256);
		cbor_wr_bstr(w, b->sha256, sizeof(b->sha256));
	}
}

int
manifest_encode(const struct manifest *m, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	struct cbor_wr w;

	if (manifest_check(m, e) != 0)
		return err_prefix(e, "manifest");
	cbor_wr_init(&w, MANIFEST_MAX);
	cbor_wr_map(&w, 9 + (m->has_challenge_id ? 1 : 0) +
	    (m->n_facts > 0 ? 1 : 0));
	cbor_wr_uint(&w, MANIFEST_K_FORMAT);
	cbor_wr_tstr_z(&w, MANIFEST_FORMAT_NAME);
	cbor_wr_uint(&w, MANIFEST_K_VERSION);
	cbor_wr_uint(&w, MANIFEST_VERSION);
	cbor_wr_uint(&w, MANIFEST_K_KIND);
	cbor_wr_uint(&w, (uint64_t)m->kind);
	cbor_wr_uint(&w, MANIFEST_K_DEVICE_ID);
	cbor_wr_bstr(&w, m->device_id, sizeof(m->device_id));
	cbor_wr_uint(&w, MANIFEST_K_AK_NAME);
	cbor_wr_bstr(&w, m->ak_name.b, m->ak_name.len);
	cbor_wr_uint(&w, MANIFEST_K_AK_LOCATION);
	if (m->ak_location == MANIFEST_AK_EK_CHILD) {
		cbor_wr_array(&w, 2);
		cbor_wr_uint(&w, MANIFEST_AK_EK_CHILD);
		cbor_wr_bstr(&w, m->ek_name.b, m->ek_name.len);
	} else {
		cbor_wr_array(&w, 1);
		cbor_wr_uint(&w, MANIFEST_AK_PRIMARY);
	}
	if (m->has_challenge_id) {
		cbor_wr_uint(&w, MANIFEST_K_CHALLENGE_ID);
		cbor_wr_bstr(&w, m->challenge_id, sizeof(m->challenge_id));
	}
	cbor_wr_uint(&w, MANIFEST_K_CREATED);
	cbor_wr_tag(&w, 1);
	cbor_wr_int(&w, m->created);
	cbor_wr_uint(&w, MANIFEST_K_COLLECTOR);
	cbor_wr_tstr_z(&w, m->collector);
	encode_members(&w, m);
	if (m->n_facts > 0)
		encode_facts(&w, m);
	if (cbor_wr_finish(&w, out, len, e) != 0)
		return err_prefix(e, "manifest");
	return 0;
}

/* ---- decoding ------------------------------------------------------------ */

static int
decode_name(struct cbor_rd *r, struct tpm_name *out, struct errbuf *e)
{
	const uint8_t *p;
	size_t n;

	if (cbor_rd_bstr(r, &p, &n, e) != 0)
		return -1;
	if (n > sizeof(out->b))
		return err_set(e, "TPM Name of %zu bytes", n);
	if (name_check(p, n, e) != 0)
		return -1;
	memcpy(out->b, p, n);
	out->len = n;
	return 0;
}

static int
decode_location(struct cbor_rd *r, struct manifest *m, struct errbuf *e)
{
	size_t n;
	uint64_t loc;

	if (cbor_rd_array(r, &n, e) != 0 || cbor_rd_uint(r, &loc, e) != 0)
		return -1;
	if (loc == MANIFEST_AK_PRIMARY && n == 1) {
		m->ak_location = MANIFEST_AK_PRIMARY;
		return 0;
	}
	if (loc == MANIFEST_AK_EK_CHILD && n == 2) {
		m->ak_location = MANIFEST_AK_EK_CHILD;
		if (decode_name(r, &m->ek_name, e) != 0)
			return err_prefix(e, "EK Name");
		return 0;
	}
	return err_set(e, "expected [0] or [1, EK Name], found an array of "
	    "%zu starting with %llu", n, (unsigned long long)loc);
}

static int
decode_member(struct cbor_rd *r, struct bundle_member *b, struct errbuf *e)
{
	int64_t alg;

	if (cbor_rd_array_n(r, 4, e) != 0 ||
	    cbor_rd_tstr_copy(r, b->name, sizeof(b->name), e) != 0 ||
	    cbor_rd_tstr_copy(r, b->media_type, sizeof(b->media_type), e) != 0 ||
	    cbor_rd_uint(r, &b->size, e) != 0 ||
	    cbor_rd_array_n(r, 2, e) != 0 ||
	    cbor_rd_int(r, &alg, e) != 0)
		return -1;
	if (alg != COSE_ALG_SHA256)
		return err_set(e, "digest algorithm %lld (only SHA-256, -16, "
		    "is known)", (long long)alg);
	if (cbor_rd_bstr_fixed(r, b->sha256, sizeof(b->sha256), e) != 0)
		return -1;
	return member_check(b, e);
}

static int
decode_members(struct cbor_rd *r, struct manifest *m, struct errbuf *e)
{
	size_t n, i;

	if (cbor_rd_array(r, &n, e) != 0)
		return -1;
	if (n == 0 || n > BUNDLE_MEMBERS_MAX)
		return err_set(e, "%zu members (1 to %d allowed)", n,
		    BUNDLE_MEMBERS_MAX);
	for (i = 0; i < n; i++)
		if (decode_member(r, &m->members[i], e) != 0 ||
		    member_distinct(m->members, i, e) != 0)
			return err_prefix(e, "member %zu", i + 1);
	m->n_members = n;
	return 0;
}

static int
decode_facts(struct cbor_rd *r, struct manifest *m, struct errbuf *e)
{
	struct manifest_fact *f;
	size_t n, i;

	if (cbor_rd_map(r, &n, e) != 0)
		return -1;
	if (n == 0)
		return err_set(e, "empty map (omit the key instead)");
	if (n > MANIFEST_FACTS_MAX)
		return err_set(e, "%zu facts (at most %d)", n,
		    MANIFEST_FACTS_MAX);
	for (i = 0; i < n; i++) {
		f = &m->facts[i];
		if (cbor_rd_tstr_copy(r, f->key, sizeof(f->key), e) != 0 ||
		    cbor_rd_tstr_copy(r, f->value, sizeof(f->value), e) != 0 ||
		    fact_check(f, e) != 0)
			return err_prefix(e, "fact %zu", i + 1);
	}
	m->n_facts = n;
	return 0;
}

static int
decode_format(struct cbor_rd *r, struct errbuf *e)
{
	const char *s;
	size_t n;

	if (cbor_rd_tstr(r, &s, &n, e) != 0)
		return -1;
	if (n != strlen(MANIFEST_FORMAT_NAME) ||
	    memcmp(s, MANIFEST_FORMAT_NAME, n) != 0)
		return err_set(e, "format is \"%.*s\", not \"%s\"",
		    n > 64 ? 64 : (int)n, s, MANIFEST_FORMAT_NAME);
	return 0;
}

static int
decode_small_uint(struct cbor_rd *r, uint64_t *v, uint64_t lo, uint64_t hi,
    const char *what, struct errbuf *e)
{
	if (cbor_rd_uint(r, v, e) != 0)
		return -1;
	if (*v < lo || *v > hi)
		return err_set(e, "%s %llu not supported", what,
		    (unsigned long long)*v);
	return 0;
}

static int
decode_field(struct cbor_rd *r, uint64_t key, struct manifest *m,
    struct errbuf *e)
{
	uint64_t v;

	switch (key) {
	case MANIFEST_K_FORMAT:
		return decode_format(r, e);
	case MANIFEST_K_VERSION:
		return decode_small_uint(r, &v, MANIFEST_VERSION,
		    MANIFEST_VERSION, "format version", e);
	case MANIFEST_K_KIND:
		if (decode_small_uint(r, &v, MANIFEST_ENROLLMENT,
		    MANIFEST_EVIDENCE, "kind", e) != 0)
			return -1;
		m->kind = (enum manifest_kind)v;
		return 0;
	case MANIFEST_K_DEVICE_ID:
		return cbor_rd_bstr_fixed(r, m->device_id,
		    sizeof(m->device_id), e);
	case MANIFEST_K_AK_NAME:
		return decode_name(r, &m->ak_name, e);
	case MANIFEST_K_AK_LOCATION:
		return decode_location(r, m, e);
	case MANIFEST_K_CHALLENGE_ID:
		m->has_challenge_id = true;
		return cbor_rd_bstr_fixed(r, m->challenge_id,
		    sizeof(m->challenge_id), e);
	case MANIFEST_K_CREATED:
		if (cbor_rd_tag(r, 1, e) != 0)
			return -1;
		return cbor_rd_int(r, &m->created, e);
	case MANIFEST_K_COLLECTOR:
		if (cbor_rd_tstr_copy(r, m->collector, sizeof(m->collector),
		    e) != 0)
			return -1;
		return text_check("collector", m->collector, 1,
		    MANIFEST_COLLECTOR_MAX, e);
	case MANIFEST_K_MEMBERS:
		return decode_members(r, m, e);
	case MANIFEST_K_FACTS:
		return decode_facts(r, m, e);
	}
	if (key >= MANIFEST_EXT_KEY_MIN)
		return cbor_rd_skip(r, NULL, NULL, e);
	return err_set(e, "unknown key (keys 0 and 12..63 are reserved; "
	    "extensions use 64 and above)");
}

static const char *const key_names[] = {
	NULL, "format", "version", "kind", "device id", "AK Name",
	"AK location", "challenge id", "created", "collector", "members",
	"platform facts",
};

/* decode_field() with the signature cbor_rd_keyed_map() calls. */
static int
manifest_field(struct cbor_rd *r, uint64_t key, void *arg, struct errbuf *e)
{
	return decode_field(r, key, arg, e);
}

int
manifest_decode(const uint8_t *buf, size_t len, struct manifest *out,
    struct errbuf *e)
{
	const uint32_t required = 0x7fe & ~(1u << MANIFEST_K_CHALLENGE_ID);
	struct cbor_rd r;

	memset(out, 0, sizeof(*out));
	if (len > MANIFEST_MAX)
		return err_set(e, "manifest of %zu bytes exceeds the limit of "
		    "%u", len, MANIFEST_MAX);
	if (cbor_rd_open(&r, buf, len, e) != 0)
		return err_prefix(e, "manifest");
	return cbor_rd_keyed_map(&r, "manifest", key_names,
	    sizeof(key_names) / sizeof(key_names[0]), required,
	    manifest_field, out, e);
}

/* ---- the signed file ----------------------------------------------------- */

int
manifest_sign_begin(const struct manifest *m, int64_t alg,
    struct manifest_tbs *t, struct errbuf *e)
{
	struct cose_header h;

	memset(t, 0, sizeof(*t));
	if (manifest_encode(m, &t->payload, &t->payload_len, e) != 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.alg = alg;
	strcpy(h.content_type, MANIFEST_CONTENT_TYPE);
	memcpy(h.kid, m->ak_name.b, m->ak_name.len);
	h.kid_len = m->ak_name.len;
	if (cose_tbs_init(&t->cose, &h, t->payload, t->payload_len, e) != 0) {
		manifest_tbs_free(t);
		return err_prefix(e, "manifest signature");
	}
	return 0;
}

void
manifest_tbs_free(struct manifest_tbs *t)
{
	free(t->payload);
	t->payload = NULL;
	t->payload_len = 0;
	cose_tbs_free(&t->cose);
}

/* Magic + COSE_Sign1 with the raw COSE signature bytes. */
static int
write_file(const struct manifest_tbs *t, const TPMT_SIGNATURE *tpm_sig,
    const uint8_t *sig, size_t sig_len, uint8_t **file, size_t *len,
    struct errbuf *e)
{
	struct cbor_wr w;
	int rc;

	cbor_wr_init(&w, MANIFEST_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_MANIFEST);
	if (tpm_sig != NULL)
		rc = cose_sign1_write_tpm(&w, &t->cose, t->payload,
		    t->payload_len, tpm_sig, e);
	else
		rc = cose_sign1_write(&w, &t->cose, t->payload, t->payload_len,
		    sig, sig_len, e);
	if (rc != 0) {
		cbor_wr_free(&w);
		return err_prefix(e, "MANIFEST");
	}
	if (cbor_wr_finish(&w, file, len, e) != 0)
		return err_prefix(e, "MANIFEST");
	return 0;
}

int
manifest_sign_finish(const struct manifest_tbs *t, const TPMT_SIGNATURE *sig,
    uint8_t **file, size_t *len, struct errbuf *e)
{
	return write_file(t, sig, NULL, 0, file, len, e);
}

int
manifest_sign_pkey(const struct manifest *m, int64_t alg, EVP_PKEY *key,
    uint8_t **file, size_t *len, struct errbuf *e)
{
	uint8_t sig[COSE_SIGNATURE_MAX];
	struct manifest_tbs t;
	size_t n;
	int rc = -1;

	if (manifest_sign_begin(m, alg, &t, e) != 0)
		return -1;
	if (cose_sign_pkey(alg, key, t.cose.sig_structure,
	    t.cose.sig_structure_len, sig, &n, e) != 0)
		err_prefix(e, "manifest signature");
	else
		rc = write_file(&t, NULL, sig, n, file, len, e);
	manifest_tbs_free(&t);
	return rc;
}

int
manifest_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct errbuf *e)
{
	if (len > MANIFEST_FILE_MAX)
		return err_set(e, "MANIFEST of %zu bytes exceeds the limit of "
		    "%u", len, MANIFEST_FILE_MAX);
	if (cbor_magic_check(buf, len, DOSSIER_TAG_MANIFEST, e) != 0 ||
	    cose_sign1_decode(buf + CBOR_MAGIC_LEN, len - CBOR_MAGIC_LEN, msg,
	    e) != 0)
		return err_prefix(e, "MANIFEST");
	if (msg->payload == NULL)
		return err_set(e, "MANIFEST: detached payload (the manifest "
		    "must be embedded)");
	if (strcmp(msg->hdr.content_type, MANIFEST_CONTENT_TYPE) != 0)
		return err_set(e, "MANIFEST: content type \"%s\", expected \"%s\"",
		    msg->hdr.content_type, MANIFEST_CONTENT_TYPE);
	return 0;
}

static bool
kid_is(const struct cose_sign1 *msg, const struct tpm_name *n)
{
	return msg->hdr.kid_len == n->len &&
	    memcmp(msg->hdr.kid, n->b, n->len) == 0;
}

/* manifest_file_verify() with key (ak's public key) or, when key is NULL,
 * a key built from ak at the point the signature is checked. */
static int
file_verify(const uint8_t *buf, size_t len, const struct tpm_public *ak,
    EVP_PKEY *key, struct manifest *out, struct errbuf *e)
{
	struct cose_sign1 msg;
	struct tpm_name name;
	EVP_PKEY *own = NULL;
	int64_t alg;
	int rc;

	memset(out, 0, sizeof(*out));
	if (manifest_file_open(buf, len, &msg, e) != 0)
		return -1;
	if (tpm_public_name(ak, &name, e) != 0)
		return err_prefix(e, "MANIFEST: AK");
	if (!kid_is(&msg, &name))
		return err_set(e, "MANIFEST: kid is not the Name of this AK "
		    "(signed by another AK)");
	if (cose_alg_for_tpm_public(&ak->pub, &alg, e) != 0)
		return err_prefix(e, "MANIFEST: AK");
	if (alg != msg.hdr.alg)
		return err_set(e, "MANIFEST: algorithm %s, but this AK signs "
		    "%s", cose_alg_name(msg.hdr.alg), cose_alg_name(alg));
	if (key == NULL) {
		if (tpm_public_to_pkey(ak, &own, e) != 0)
			return err_prefix(e, "MANIFEST: AK");
		key = own;
	}
	rc = cose_sign1_verify(&msg, NULL, 0, key, e);
	EVP_PKEY_free(own);
	if (rc != 0)
		return err_prefix(e, "MANIFEST");
	if (manifest_decode(msg.payload, msg.payload_len, out, e) != 0)
		return err_prefix(e, "MANIFEST");
	if (!kid_is(&msg, &out->ak_name)) {
		memset(out, 0, sizeof(*out));
		return err_set(e, "MANIFEST: the AK Name in the manifest is not "
		    "the kid");
	}
	return 0;
}

int
manifest_file_verify(const uint8_t *buf, size_t len,
    const struct tpm_public *ak, struct manifest *out, struct errbuf *e)
{
	return file_verify(buf, len, ak, NULL, out, e);
}

int
manifest_file_verify_key(const uint8_t *buf, size_t len,
    const struct tpm_public *ak, EVP_PKEY *key, struct manifest *out,
    struct errbuf *e)
{
	if (key == NULL)
		return err_set(e, "MANIFEST: no AK key");
	return file_verify(buf, len, ak, key, out, e);
}
