/*
 * refs_file.c - dossier-refs(5) export and import. See refs_file.h.
 */
#include <stdlib.h>
#include <string.h>

#include "format/cbor_det.h"
#include "format/challenge.h"
#include "format/cose.h"
#include "policy/refs_file.h"

#define COSE_ALG_SHA256	(-16)

enum {
	K_FORMAT = 1, K_VERSION, K_NAME, K_CREATED, K_NSOURCES, K_NENTRIES,
	K_BODY_DIGEST, K_VERIFIER_ID,
};

/* --- the body ------------------------------------------------------------- */

struct body {
	uint8_t *buf;
	size_t len, cap;
};

static int
body_append(struct body *b, const uint8_t *p, size_t n, struct errbuf *e)
{
	size_t ncap;
	uint8_t *nb;

	if (n > REFS_FILE_MAX - b->len)
		return err_set(e, "export larger than %u bytes", REFS_FILE_MAX);
	if (b->len + n > b->cap) {
		ncap = b->cap ? b->cap : 65536;
		while (ncap < b->len + n)
			ncap *= 2;
		if ((nb = realloc(b->buf, ncap)) == NULL)
			return err_set(e, "out of memory");
		b->buf = nb;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

static int
chunk_finish(struct cbor_wr *w, struct body *b, struct errbuf *e)
{
	uint8_t *p;
	size_t n;
	int rc;

	if (cbor_wr_finish(w, &p, &n, e) != 0)
		return -1;
	rc = body_append(b, p, n, e);
	free(p);
	return rc;
}

static int
write_sources(const struct refset *s, struct body *b, struct errbuf *e)
{
	struct cbor_wr w;
	size_t n = refset_nsources(s), i, k, end;
	const char *t;

	for (i = 0; i < n; i = end) {
		end = n - i < REFS_CHUNK ? n : i + REFS_CHUNK;
		cbor_wr_init(&w, CBOR_DET_INPUT_MAX);
		cbor_wr_array(&w, end - i);
		for (k = i; k < end; k++) {
			t = refset_source(s, (uint32_t)k);
			cbor_wr_bstr(&w, (const uint8_t *)t, strlen(t));
		}
		if (chunk_finish(&w, b, e) != 0)
			return err_prefix(e, "provenance chunk");
	}
	return 0;
}

static int
write_entries(const struct refset *s, struct body *b, struct errbuf *e)
{
	const struct refset_entry *en;
	struct cbor_wr w;
	size_t n = refset_count(s), i, k, end;

	for (i = 0; i < n; i = end) {
		end = n - i < REFS_CHUNK ? n : i + REFS_CHUNK;
		cbor_wr_init(&w, CBOR_DET_INPUT_MAX);
		cbor_wr_array(&w, end - i);
		for (k = i; k < end; k++) {
			en = refset_entry(s, k);
			cbor_wr_array(&w, 5);
			cbor_wr_bstr(&w, (const uint8_t *)en->path,
			    en->path_len);
			cbor_wr_tstr_z(&w, en->alg->name);
			cbor_wr_bstr(&w, en->digest, en->alg->size);
			cbor_wr_uint(&w, en->count);
			cbor_wr_uint(&w, en->source);
		}
		if (chunk_finish(&w, b, e) != 0)
			return err_prefix(e, "entry chunk");
	}
	return 0;
}

/* --- writing --------------------------------------------------------------- */

static int
header_payload(const struct refset *s, int64_t created, const uint8_t *digest,
    const uint8_t *id, uint8_t **out, size_t *len, struct errbuf *e)
{
	struct cbor_wr w;

	cbor_wr_init(&w, REFS_HEADER_MAX);
	cbor_wr_map(&w, 8);
	cbor_wr_uint(&w, K_FORMAT);
	cbor_wr_tstr_z(&w, REFS_FORMAT);
	cbor_wr_uint(&w, K_VERSION);
	cbor_wr_uint(&w, REFS_VERSION);
	cbor_wr_uint(&w, K_NAME);
	cbor_wr_tstr_z(&w, refset_name(s));
	cbor_wr_uint(&w, K_CREATED);
	cbor_wr_int(&w, created);
	cbor_wr_uint(&w, K_NSOURCES);
	cbor_wr_uint(&w, refset_nsources(s));
	cbor_wr_uint(&w, K_NENTRIES);
	cbor_wr_uint(&w, refset_count(s));
	cbor_wr_uint(&w, K_BODY_DIGEST);
	cbor_wr_array(&w, 2);
	cbor_wr_int(&w, COSE_ALG_SHA256);
	cbor_wr_bstr(&w, digest, 32);
	cbor_wr_uint(&w, K_VERIFIER_ID);
	cbor_wr_bstr(&w, id, 32);
	return cbor_wr_finish(&w, out, len, e);
}

int
refs_file_write(const struct refset *s, int64_t created, EVP_PKEY *key,
    uint8_t **out, size_t *len, struct errbuf *e)
{
	struct body b = { NULL, 0, 0 };
	struct cose_header h;
	struct cbor_wr w;
	uint8_t id[32], digest[32], *payload = NULL, *head = NULL;
	size_t plen, hlen;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (!refset_sealed(s))
		return err_set(e, "export of set %s: not sealed",
		    refset_name(s));
	if (cose_alg_check_key(COSE_ALG_ES256, key, e) != 0 ||
	    challenge_verifier_id(key, id, e) != 0)
		return err_prefix(e, "export of set %s: key", refset_name(s));
	if (write_sources(s, &b, e) != 0 || write_entries(s, &b, e) != 0)
		goto out;
	if (hashalg_digest(hashalg_by_name("sha256"), b.buf ? b.buf :
	    (const uint8_t *)"", b.len, digest) != 0) {
		err_openssl(e, "body digest");
		goto out;
	}
	if (header_payload(s, created, digest, id, &payload, &plen, e) != 0)
		goto out;
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	strcpy(h.content_type, REFS_CONTENT_TYPE);
	memcpy(h.kid, id, sizeof(id));
	h.kid_len = sizeof(id);
	cbor_wr_init(&w, REFS_HEADER_MAX + 1024);
	cbor_wr_magic(&w, DOSSIER_TAG_REFERENCE);
	if (cose_sign1_write_pkey(&w, &h, payload, plen, key, e) != 0) {
		cbor_wr_free(&w);
		goto out;
	}
	if (cbor_wr_finish(&w, &head, &hlen, e) != 0)
		goto out;
	if (hlen > REFS_FILE_MAX - b.len) {
		err_set(e, "export larger than %u bytes", REFS_FILE_MAX);
		goto out;
	}
	if ((*out = malloc(hlen + b.len + 1)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	memcpy(*out, head, hlen);
	if (b.len > 0)
		memcpy(*out + hlen, b.buf, b.len);
	*len = hlen + b.len;
	rc = 0;
out:
	free(head);
	free(payload);
	free(b.buf);
	if (rc != 0)
		err_prefix(e, "export of set %s", refset_name(s));
	return rc;
}

/* --- reading: item boundaries ---------------------------------------------- */

/*
 * The length of the one CBOR item at p[0..len) (definite lengths only),
 * walked without trusting any count: every count is checked against the
 * bytes left, nesting is bounded. Determinism is checked afterwards, by
 * cbor_rd_open() on exactly that item.
 */
static int
head(const uint8_t *p, size_t len, size_t *hl, uint64_t *v, int *major)
{
	unsigned ai;
	size_t n, i;

	if (len == 0)
		return -1;
	*major = p[0] >> 5;
	ai = p[0] & 31;
	if (ai < 24) {
		*v = ai;
		*hl = 1;
		return 0;
	}
	if (ai > 27)
		return -1;	/* reserved or indefinite */
	n = (size_t)1 << (ai - 24);
	if (len < 1 + n)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = *v << 8 | p[1 + i];
	*hl = 1 + n;
	return 0;
}

static int
item_len(const uint8_t *p, size_t len, unsigned depth, size_t *out)
{
	uint64_t v, items, k;
	size_t hl, off, n;
	int major;

	if (depth > CBOR_DET_DEPTH_MAX || head(p, len, &hl, &v, &major) != 0)
		return -1;
	off = hl;
	switch (major) {
	case 2:
	case 3:
		if (v > len - off)
			return -1;
		off += (size_t)v;
		break;
	case 4:
	case 5:
		if (v > len - off)	/* every item takes a byte at least */
			return -1;
		items = major == 5 ? 2 * v : v;
		for (k = 0; k < items; k++) {
			if (item_len(p + off, len - off, depth + 1, &n) != 0)
				return -1;
			off += n;
		}
		break;
	case 6:
		if (item_len(p + off, len - off, depth + 1, &n) != 0)
			return -1;
		off += n;
		break;
	default:	/* integers and simple values: the head alone */
		break;
	}
	*out = off;
	return 0;
}

/* --- reading: the header ---------------------------------------------------- */

struct header {
	struct refs_info *info;
	uint8_t digest[32];
	unsigned version;
};

static int
read_format(struct cbor_rd *r, struct errbuf *e)
{
	char s[32];

	if (cbor_rd_tstr_copy(r, s, sizeof(s), e) != 0)
		return -1;
	if (strcmp(s, REFS_FORMAT) != 0)
		return err_set(e, "\"%s\", not \"%s\"", s, REFS_FORMAT);
	return 0;
}

static int
read_count(struct cbor_rd *r, uint64_t *out, uint64_t max, struct errbuf *e)
{
	if (cbor_rd_uint(r, out, e) != 0)
		return -1;
	if (*out > max)
		return err_set(e, "%llu exceeds the limit of %llu",
		    (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

static int
read_digest(struct cbor_rd *r, uint8_t *out, struct errbuf *e)
{
	int64_t alg;

	if (cbor_rd_array_n(r, 2, e) != 0 || cbor_rd_int(r, &alg, e) != 0)
		return -1;
	if (alg != COSE_ALG_SHA256)
		return err_set(e, "digest algorithm %lld, only SHA-256 (-16)",
		    (long long)alg);
	return cbor_rd_bstr_fixed(r, out, 32, e);
}

static int
header_field(struct cbor_rd *r, uint64_t key, void *arg, struct errbuf *e)
{
	struct header *h = arg;
	struct refs_info *in = h->info;
	struct refset *probe;
	uint64_t v;

	switch (key) {
	case K_FORMAT:
		return read_format(r, e);
	case K_VERSION:
		if (cbor_rd_uint(r, &v, e) != 0)
			return -1;
		if (v != REFS_VERSION)
			return err_set(e, "version %llu, only %d",
			    (unsigned long long)v, REFS_VERSION);
		return 0;
	case K_NAME:
		if (cbor_rd_tstr_copy(r, in->name, sizeof(in->name), e) != 0)
			return -1;
		if (refset_new(in->name, &probe, e) != 0)
			return -1;
		refset_free(probe);
		return 0;
	case K_CREATED:
		return cbor_rd_int(r, &in->created, e);
	case K_NSOURCES:
		return read_count(r, &in->nsources, REFSET_SOURCES_MAX, e);
	case K_NENTRIES:
		return read_count(r, &in->nentries, REFSET_ENTRIES_MAX, e);
	case K_BODY_DIGEST:
		return read_digest(r, h->digest, e);
	case K_VERIFIER_ID:
		return cbor_rd_bstr_fixed(r, in->verifier_id, 32, e);
	}
	return err_set(e, "unknown key");
}

static const char *const key_names[] = {
	NULL, "format", "version", "name", "created", "provenance count",
	"entry count", "body digest", "verifier id",
};

static int
decode_header(const struct cose_sign1 *msg, struct header *h,
    struct errbuf *e)
{
	struct cbor_rd r;

	if (msg->payload == NULL)
		return err_set(e, "detached payload");
	if (strcmp(msg->hdr.content_type, REFS_CONTENT_TYPE) != 0)
		return err_set(e, "content type \"%s\", expected \"%s\"",
		    msg->hdr.content_type, REFS_CONTENT_TYPE);
	if (msg->hdr.alg != COSE_ALG_ES256)
		return err_set(e, "algorithm %lld, only ES256 (-7)",
		    (long long)msg->hdr.alg);
	if (msg->hdr.kid_len != 32)
		return err_set(e, "kid of %zu bytes (a verifier id has 32)",
		    msg->hdr.kid_len);
	if (msg->payload_len > REFS_HEADER_MAX)
		return err_set(e, "header of %zu bytes", msg->payload_len);
	if (cbor_rd_open(&r, msg->payload, msg->payload_len, e) != 0 ||
	    cbor_rd_keyed_map(&r, "header", key_names,
	    sizeof(key_names) / sizeof(key_names[0]), 0x1fe, header_field, h,
	    e) != 0 || cbor_rd_end(&r, e) != 0)
		return -1;
	if (memcmp(h->info->verifier_id, msg->hdr.kid, 32) != 0)
		return err_set(e, "verifier id differs from the kid");
	return 0;
}

/* --- reading: the body -------------------------------------------------------- */

/* The next chunk of the body as a cursor; its item count in *n. */
static int
next_chunk(const uint8_t *body, size_t blen, size_t *off, size_t want,
    struct cbor_rd *r, struct errbuf *e)
{
	size_t ilen, n;

	if (*off >= blen)
		return err_set(e, "body ends early at offset %zu", *off);
	if (item_len(body + *off, blen - *off, 0, &ilen) != 0)
		return err_set(e, "malformed chunk at body offset %zu", *off);
	if (cbor_rd_open(r, body + *off, ilen, e) != 0 ||
	    cbor_rd_array(r, &n, e) != 0)
		return err_prefix(e, "chunk at body offset %zu", *off);
	if (n != want)
		return err_set(e, "chunk at body offset %zu has %zu items, "
		    "%zu expected", *off, n, want);
	*off += ilen;
	return 0;
}

static int
read_sources(struct refset *s, const uint8_t *body, size_t blen,
    size_t *off, uint64_t nsources, struct errbuf *e)
{
	struct cbor_rd r;
	const uint8_t *p;
	char text[REFSET_SOURCE_MAX + 1];
	uint64_t i = 0;
	size_t k, want, n;
	uint32_t idx;

	while (i < nsources) {
		want = nsources - i < REFS_CHUNK ? nsources - i : REFS_CHUNK;
		if (next_chunk(body, blen, off, want, &r, e) != 0)
			return -1;
		for (k = 0; k < want; k++, i++) {
			if (cbor_rd_bstr(&r, &p, &n, e) != 0)
				return err_prefix(e, "provenance %llu",
				    (unsigned long long)i);
			if (n > REFSET_SOURCE_MAX || (n > 0 &&
			    memchr(p, '\0', n) != NULL))
				return err_set(e, "provenance %llu: %zu bytes "
				    "or a NUL", (unsigned long long)i, n);
			memcpy(text, p, n);
			text[n] = '\0';
			if (refset_add_source(s, text, &idx, e) != 0)
				return -1;
			if (idx != i)
				return err_set(e, "provenance %llu repeats "
				    "%u", (unsigned long long)i, idx);
		}
	}
	return 0;
}

struct prev {
	bool has;
	const uint8_t *path;
	size_t path_len;
	const struct hashalg *alg;
	const uint8_t *digest;
};

static int
entry_order(const struct prev *pv, const uint8_t *path, size_t plen,
    const struct hashalg *alg, const uint8_t *digest)
{
	size_t n = pv->path_len < plen ? pv->path_len : plen;
	int c;

	if (!pv->has)
		return 1;
	if ((c = memcmp(pv->path, path, n)) != 0)
		return c < 0 ? 1 : -1;
	if (pv->path_len != plen)
		return pv->path_len < plen ? 1 : -1;
	if ((c = strcmp(pv->alg->name, alg->name)) != 0)
		return c < 0 ? 1 : -1;
	c = memcmp(pv->digest, digest, alg->size);
	return c < 0 ? 1 : -1;	/* equal is not increasing */
}

static int
read_entry(struct refset *s, struct cbor_rd *r, struct prev *pv,
    uint64_t nsources, struct errbuf *e)
{
	const struct hashalg *alg;
	const uint8_t *path, *digest;
	const char *an;
	size_t plen, alen, dlen;
	uint64_t count, source;

	if (cbor_rd_array_n(r, 5, e) != 0 ||
	    cbor_rd_bstr(r, &path, &plen, e) != 0 ||
	    cbor_rd_tstr(r, &an, &alen, e) != 0 ||
	    cbor_rd_bstr(r, &digest, &dlen, e) != 0 ||
	    cbor_rd_uint(r, &count, e) != 0 ||
	    cbor_rd_uint(r, &source, e) != 0)
		return -1;
	if ((alg = hashalg_by_name_n(an, alen)) == NULL ||
	    strlen(alg->name) != alen || memcmp(alg->name, an, alen) != 0)
		return err_set(e, "algorithm \"%.*s\" unknown or not in its "
		    "canonical spelling", (int)(alen > 32 ? 32 : alen), an);
	if (dlen != alg->size)
		return err_set(e, "%s digest of %zu bytes", alg->name, dlen);
	if (count == 0 || count > UINT32_MAX)
		return err_set(e, "count %llu", (unsigned long long)count);
	if (source >= nsources)
		return err_set(e, "provenance %llu of %llu",
		    (unsigned long long)source, (unsigned long long)nsources);
	if (plen == 0 || plen > REFSET_PATH_MAX)
		return err_set(e, "path of %zu bytes", plen);
	if (entry_order(pv, path, plen, alg, digest) <= 0)
		return err_set(e, "not after the previous entry (sorted, "
		    "no repeats)");
	if (refset_add_entry(s, (const char *)path, plen, alg, digest,
	    (uint32_t)count, (uint32_t)source, e) != 0)
		return -1;
	pv->has = true;
	pv->path = path;
	pv->path_len = plen;
	pv->alg = alg;
	pv->digest = digest;
	return 0;
}

static int
read_entries(struct refset *s, const uint8_t *body, size_t blen,
    size_t *off, const struct refs_info *in, struct errbuf *e)
{
	struct cbor_rd r;
	struct prev pv;
	uint64_t i = 0;
	size_t k, want;

	memset(&pv, 0, sizeof(pv));
	while (i < in->nentries) {
		want = in->nentries - i < REFS_CHUNK ? in->nentries - i :
		    REFS_CHUNK;
		if (next_chunk(body, blen, off, want, &r, e) != 0)
			return -1;
		for (k = 0; k < want; k++, i++)
			if (read_entry(s, &r, &pv, in->nsources, e) != 0)
				return err_prefix(e, "entry %llu",
				    (unsigned long long)i);
	}
	return 0;
}

int
refs_body_decode(const uint8_t *body, size_t blen,
    const struct refs_info *info, struct refset **out, struct errbuf *e)
{
	struct refset *s = NULL;
	size_t off = 0;

	*out = NULL;
	if (info->nsources > REFSET_SOURCES_MAX ||
	    info->nentries > REFSET_ENTRIES_MAX)
		return err_set(e, "body: counts beyond the limits");
	if (refset_new(info->name, &s, e) != 0)
		return err_prefix(e, "body");
	if (read_sources(s, body, blen, &off, info->nsources, e) != 0 ||
	    read_entries(s, body, blen, &off, info, e) != 0)
		goto fail;
	if (off != blen) {
		err_set(e, "%zu bytes after the last chunk", blen - off);
		goto fail;
	}
	if (refset_seal(s, e) != 0)
		goto fail;
	if (refset_count(s) != info->nentries) {
		err_set(e, "entries merged on import");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	refset_free(s);
	return err_prefix(e, "body");
}

static int
decode_body(const uint8_t *body, size_t blen, const struct header *h,
    struct refset **out, struct errbuf *e)
{
	uint8_t digest[32];

	if (hashalg_digest(hashalg_by_name("sha256"), blen ? body :
	    (const uint8_t *)"", blen, digest) != 0)
		return err_openssl(e, "body digest");
	if (memcmp(digest, h->digest, 32) != 0)
		return err_set(e, "body digest differs from the signed header "
		    "(changed, cut or extended)");
	if (out == NULL)
		return 0;
	return refs_body_decode(body, blen, h->info, out, e);
}

/* --- the file ---------------------------------------------------------------- */

static int
open_header(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct header *h, size_t *body_off, struct errbuf *e)
{
	size_t n;

	if (len > REFS_FILE_MAX)
		return err_set(e, "file of %zu bytes exceeds the limit of %u",
		    len, REFS_FILE_MAX);
	if (cbor_magic_check(buf, len, DOSSIER_TAG_REFERENCE, e) != 0)
		return -1;
	if (item_len(buf + CBOR_MAGIC_LEN, len - CBOR_MAGIC_LEN, 0, &n) != 0)
		return err_set(e, "header: not one CBOR item");
	if (n > REFS_HEADER_MAX + 1024)
		return err_set(e, "header of %zu bytes", n);
	if (cose_sign1_decode(buf + CBOR_MAGIC_LEN, n, msg, e) != 0 ||
	    decode_header(msg, h, e) != 0)
		return err_prefix(e, "header");
	*body_off = CBOR_MAGIC_LEN + n;
	return 0;
}

int
refs_file_open(const uint8_t *buf, size_t len, struct refs_info *info,
    struct refset **out, struct errbuf *e)
{
	struct cose_sign1 msg;
	struct header h;
	size_t off;

	if (out != NULL)
		*out = NULL;
	memset(info, 0, sizeof(*info));
	memset(&h, 0, sizeof(h));
	h.info = info;
	if (open_header(buf, len, &msg, &h, &off, e) != 0 ||
	    decode_body(buf + off, len - off, &h, out, e) != 0)
		return err_prefix(e, "reference export");
	return 0;
}

int
refs_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct refs_info *info, struct refset **out, struct errbuf *e)
{
	struct cose_sign1 msg;
	struct header h;
	uint8_t id[32];
	size_t off;

	if (out != NULL)
		*out = NULL;
	memset(info, 0, sizeof(*info));
	memset(&h, 0, sizeof(h));
	h.info = info;
	if (open_header(buf, len, &msg, &h, &off, e) != 0)
		return err_prefix(e, "reference export");
	if (cose_alg_check_key(COSE_ALG_ES256, verifier, e) != 0 ||
	    challenge_verifier_id(verifier, id, e) != 0)
		return err_prefix(e, "reference export: verifier key");
	if (memcmp(id, msg.hdr.kid, 32) != 0)
		return err_set(e, "reference export: signed by another "
		    "verifier (kid is not this verifier key's id)");
	if (cose_sign1_verify(&msg, NULL, 0, verifier, e) != 0)
		return err_prefix(e, "reference export: signature");
	if (decode_body(buf + off, len - off, &h, out, e) != 0)
		return err_prefix(e, "reference export");
	return 0;
}
