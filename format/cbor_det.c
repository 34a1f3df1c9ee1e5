/* cbor_det.c - see cbor_det.h: validation, the reading cursor and the
 * RFC 9277 magic; the writer is cbor_det_write.c. */
#include "format/cbor_det.h"
#include "format/cbor_det_int.h"

#include <string.h>

#include <cbor.h>

#include "format/bytes.h"
#include "format/escape.h"

const char *
cbor_det_type_name(enum cbor_det_type t)
{
	switch (t) {
	case CBOR_DET_UINT:
		return "unsigned integer";
	case CBOR_DET_NEGINT:
		return "negative integer";
	case CBOR_DET_BSTR:
		return "byte string";
	case CBOR_DET_TSTR:
		return "text string";
	case CBOR_DET_ARRAY:
		return "array";
	case CBOR_DET_MAP:
		return "map";
	case CBOR_DET_TAG:
		return "tag";
	case CBOR_DET_SIMPLE:
		return "simple value";
	case CBOR_DET_END:
		return "end of input";
	}
	return "?";
}

/* ---- head decoding ------------------------------------------------------ */

/* One decoded head (for strings, with their content). */
struct head {
	enum cbor_det_type type;
	uint64_t val;		/* integer, length, count, tag; simple: 20..22 */
	const uint8_t *data;	/* string content */
	size_t size;		/* bytes of head (+ string content) */
};

/* What libcbor's callbacks report for one head. */
struct head_ctx {
	struct head h;
	bool set;
};

static void
cb_uint(struct head_ctx *c, uint64_t v)
{
	c->h.type = CBOR_DET_UINT;
	c->h.val = v;
	c->set = true;
}

static void
cb_negint(struct head_ctx *c, uint64_t v)
{
	c->h.type = CBOR_DET_NEGINT;
	c->h.val = v;
	c->set = true;
}

static void cb_u8(void *c, uint8_t v) { cb_uint(c, v); }
static void cb_u16(void *c, uint16_t v) { cb_uint(c, v); }
static void cb_u32(void *c, uint32_t v) { cb_uint(c, v); }
static void cb_u64(void *c, uint64_t v) { cb_uint(c, v); }
static void cb_n8(void *c, uint8_t v) { cb_negint(c, v); }
static void cb_n16(void *c, uint16_t v) { cb_negint(c, v); }
static void cb_n32(void *c, uint32_t v) { cb_negint(c, v); }
static void cb_n64(void *c, uint64_t v) { cb_negint(c, v); }

static void
cb_string(struct head_ctx *c, enum cbor_det_type t, cbor_data p, size_t n)
{
	c->h.type = t;
	c->h.val = n;
	c->h.data = p;
	c->set = true;
}

static void cb_bstr(void *c, cbor_data p, size_t n)
{ cb_string(c, CBOR_DET_BSTR, p, n); }
static void cb_tstr(void *c, cbor_data p, size_t n)
{ cb_string(c, CBOR_DET_TSTR, p, n); }

static void
cb_collection(struct head_ctx *c, enum cbor_det_type t, size_t n)
{
	c->h.type = t;
	c->h.val = n;
	c->set = true;
}

static void cb_array(void *c, size_t n) { cb_collection(c, CBOR_DET_ARRAY, n); }
static void cb_map(void *c, size_t n) { cb_collection(c, CBOR_DET_MAP, n); }

static void
cb_tag(void *vc, uint64_t v)
{
	struct head_ctx *c = vc;

	c->h.type = CBOR_DET_TAG;
	c->h.val = v;
	c->set = true;
}

static void
cb_bool(void *vc, bool v)
{
	struct head_ctx *c = vc;

	c->h.type = CBOR_DET_SIMPLE;
	c->h.val = v ? 21 : 20;
	c->set = true;
}

static void
cb_null(void *vc)
{
	struct head_ctx *c = vc;

	c->h.type = CBOR_DET_SIMPLE;
	c->h.val = 22;
	c->set = true;
}

/* Heads excluded before decoding; leave ctx unset if ever reached. */
static void cb_none(void *c) { (void)c; }
static void cb_none_f(void *c, float f) { (void)c; (void)f; }
static void cb_none_d(void *c, double d) { (void)c; (void)d; }

static const struct cbor_callbacks head_callbacks = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32,
	.negint64 = cb_n64,
	.byte_string = cb_bstr, .byte_string_start = cb_none,
	.string = cb_tstr, .string_start = cb_none,
	.array_start = cb_array, .indef_array_start = cb_none,
	.map_start = cb_map, .indef_map_start = cb_none,
	.tag = cb_tag,
	.float2 = cb_none_f, .float4 = cb_none_f, .float8 = cb_none_d,
	.undefined = cb_none, .null = cb_null, .boolean = cb_bool,
	.indef_break = cb_none,
};

/* Heads a deterministic dossier document never contains, by initial byte. */
static const char *
head_refused(uint8_t ib)
{
	unsigned major = ib >> 5, ai = ib & 0x1f;

	if (major == 7) {
		if (ib >= 0xF4 && ib <= 0xF6)
			return NULL;
		if (ib >= 0xF9 && ib <= 0xFB)
			return "floating-point value (not allowed)";
		if (ib == 0xFF)
			return "break code outside an indefinite-length item";
		if (ib == 0xF7)
			return "undefined (not allowed)";
		return "simple value other than false, true, null";
	}
	if (ai == 31)
		return "indefinite-length item (not deterministic)";
	if (ai >= 28)
		return "reserved additional information 28..30 (malformed)";
	return NULL;
}

/* Whether v needed the head width that ai announces. */
static bool
head_minimal(unsigned ai, uint64_t v)
{
	switch (ai) {
	case 24:
		return v >= 24;
	case 25:
		return v > 0xff;
	case 26:
		return v > 0xffff;
	case 27:
		return v > 0xffffffffu;
	}
	return true;
}

static int
head_decode(const uint8_t *buf, size_t len, size_t off, struct head *h,
    struct errbuf *e)
{
	struct cbor_decoder_result res;
	struct head_ctx ctx;
	const char *why;
	uint8_t ib;

	if (off >= len)
		return err_set(e, "offset %zu: truncated (an item expected)",
		    off);
	ib = buf[off];
	if ((why = head_refused(ib)) != NULL)
		return err_set(e, "offset %zu: %s (0x%02x)", off, why, ib);
	memset(&ctx, 0, sizeof(ctx));
	if (ib >= 0xC6 && ib <= 0xD4) {
		/* libcbor 0.8 rejects these one-byte tags (6..20). */
		h->type = CBOR_DET_TAG;
		h->val = ib & 0x1f;
		h->data = NULL;
		h->size = 1;
		return 0;
	}
	res = cbor_stream_decode(buf + off, len - off, &head_callbacks, &ctx);
	if (res.status == CBOR_DECODER_NEDATA)
		return err_set(e, "offset %zu: truncated item (0x%02x needs "
		    "more bytes than the %zu left)", off, ib, len - off);
	if (res.status != CBOR_DECODER_FINISHED || !ctx.set || res.read == 0)
		return err_set(e, "offset %zu: malformed item (0x%02x)", off,
		    ib);
	if (!head_minimal(ib & 0x1f, ctx.h.val))
		return err_set(e, "offset %zu: non-minimal head 0x%02x for "
		    "the value %llu (not deterministic)", off, ib,
		    (unsigned long long)ctx.h.val);
	*h = ctx.h;
	h->size = res.read;
	return 0;
}

/* ---- validation --------------------------------------------------------- */

bool
cbor_det_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	/* RFC 8949 3.1: a text string is well-formed UTF-8 (RFC 3629) */
	while (i < n) {
		if ((k = utf8_decode(p + i, n - i, &cp)) == 0)
			return false;
		i += k;
	}
	return true;
}

int
cbor_det_enc_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

static int walk(const uint8_t *buf, size_t len, size_t *off, unsigned depth,
    struct errbuf *e);

static int
walk_count(const struct head *h, size_t len, size_t off, size_t at,
    struct errbuf *e)
{
	uint64_t items = h->type == CBOR_DET_MAP ? 2 * h->val : h->val;

	if (h->val > CBOR_DET_COUNT_MAX)
		return err_set(e, "offset %zu: %s of %llu elements exceeds "
		    "the limit of %u", at, cbor_det_type_name(h->type),
		    (unsigned long long)h->val, CBOR_DET_COUNT_MAX);
	if (items > len - off)
		return err_set(e, "offset %zu: %s of %llu elements, but only "
		    "%zu bytes follow", at, cbor_det_type_name(h->type),
		    (unsigned long long)h->val, len - off);
	return 0;
}

static int
walk_map(const uint8_t *buf, size_t len, size_t *off, unsigned depth,
    uint64_t pairs, struct errbuf *e)
{
	size_t prev = 0, prev_len = 0, k;
	uint64_t i;
	int c;

	for (i = 0; i < pairs; i++) {
		k = *off;
		if (walk(buf, len, off, depth, e) != 0)
			return -1;
		if (i > 0) {
			c = cbor_det_enc_cmp(buf + prev, prev_len, buf + k, *off - k);
			if (c == 0)
				return err_set(e, "offset %zu: duplicate map "
				    "key", k);
			if (c > 0)
				return err_set(e, "offset %zu: map key out of "
				    "order (keys must be sorted by their "
				    "encoded bytes)", k);
		}
		prev = k;
		prev_len = *off - k;
		if (walk(buf, len, off, depth, e) != 0)
			return -1;
	}
	return 0;
}

/* Validate one item at *off (depth is its own nesting level) and pass it. */
static int
walk(const uint8_t *buf, size_t len, size_t *off, unsigned depth,
    struct errbuf *e)
{
	size_t at = *off;
	struct head h;
	uint64_t i;

	if (depth > CBOR_DET_DEPTH_MAX)
		return err_set(e, "offset %zu: nesting deeper than %d levels",
		    at, CBOR_DET_DEPTH_MAX);
	if (head_decode(buf, len, at, &h, e) != 0)
		return -1;
	*off += h.size;
	switch (h.type) {
	case CBOR_DET_TSTR:
		if (!cbor_det_utf8_valid(h.data, (size_t)h.val))
			return err_set(e, "offset %zu: text string is not "
			    "valid UTF-8", at);
		return 0;
	case CBOR_DET_ARRAY:
		if (walk_count(&h, len, *off, at, e) != 0)
			return -1;
		for (i = 0; i < h.val; i++)
			if (walk(buf, len, off, depth + 1, e) != 0)
				return -1;
		return 0;
	case CBOR_DET_MAP:
		if (walk_count(&h, len, *off, at, e) != 0)
			return -1;
		return walk_map(buf, len, off, depth + 1, h.val, e);
	case CBOR_DET_TAG:
		return walk(buf, len, off, depth + 1, e);
	default:
		return 0;
	}
}

int
cbor_det_check(const uint8_t *buf, size_t len, struct errbuf *e)
{
	size_t off = 0;

	if (len > CBOR_DET_INPUT_MAX)
		return err_set(e, "CBOR input of %zu bytes exceeds the limit "
		    "of %u", len, CBOR_DET_INPUT_MAX);
	if (walk(buf, len, &off, 1, e) != 0)
		return -1;
	if (off != len)
		return err_set(e, "offset %zu: %zu trailing bytes after the "
		    "item", off, len - off);
	return 0;
}

/* ---- cursor ------------------------------------------------------------- */

int
cbor_rd_open(struct cbor_rd *r, const uint8_t *buf, size_t len,
    struct errbuf *e)
{
	r->buf = buf;
	r->len = len;
	r->off = 0;
	return cbor_det_check(buf, len, e);
}

enum cbor_det_type
cbor_rd_peek(const struct cbor_rd *r)
{
	struct head h;

	if (r->off >= r->len || head_decode(r->buf, r->len, r->off, &h,
	    NULL) != 0)
		return CBOR_DET_END;
	return h.type;
}

/* Consume the next head if it has type t. */
static int
rd_head(struct cbor_rd *r, enum cbor_det_type t, struct head *h,
    struct errbuf *e)
{
	if (head_decode(r->buf, r->len, r->off, h, e) != 0)
		return -1;
	if (h->type != t)
		return err_set(e, "offset %zu: %s expected, found %s",
		    r->off, cbor_det_type_name(t), cbor_det_type_name(h->type));
	r->off += h->size;
	return 0;
}

int
cbor_rd_uint(struct cbor_rd *r, uint64_t *v, struct errbuf *e)
{
	struct head h;

	if (rd_head(r, CBOR_DET_UINT, &h, e) != 0)
		return -1;
	*v = h.val;
	return 0;
}

int
cbor_rd_int(struct cbor_rd *r, int64_t *v, struct errbuf *e)
{
	size_t at = r->off;
	struct head h;

	if (head_decode(r->buf, r->len, at, &h, e) != 0)
		return -1;
	if (h.type != CBOR_DET_UINT && h.type != CBOR_DET_NEGINT)
		return err_set(e, "offset %zu: integer expected, found %s",
		    at, cbor_det_type_name(h.type));
	if (h.val > INT64_MAX)
		return err_set(e, "offset %zu: integer out of range", at);
	*v = h.type == CBOR_DET_UINT ? (int64_t)h.val : -1 - (int64_t)h.val;
	r->off += h.size;
	return 0;
}

int
cbor_rd_bstr(struct cbor_rd *r, const uint8_t **p, size_t *n,
    struct errbuf *e)
{
	struct head h;

	if (rd_head(r, CBOR_DET_BSTR, &h, e) != 0)
		return -1;
	*p = h.data;
	*n = (size_t)h.val;
	return 0;
}

int
cbor_rd_bstr_fixed(struct cbor_rd *r, uint8_t *out, size_t n,
    struct errbuf *e)
{
	size_t at = r->off, got;
	const uint8_t *p;

	if (cbor_rd_bstr(r, &p, &got, e) != 0)
		return -1;
	if (got != n) {
		r->off = at;
		return err_set(e, "offset %zu: byte string of %zu bytes, "
		    "expected %zu", at, got, n);
	}
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
cbor_rd_tstr(struct cbor_rd *r, const char **p, size_t *n, struct errbuf *e)
{
	struct head h;

	if (rd_head(r, CBOR_DET_TSTR, &h, e) != 0)
		return -1;
	*p = (const char *)h.data;
	*n = (size_t)h.val;
	return 0;
}

int
cbor_rd_tstr_copy(struct cbor_rd *r, char *out, size_t cap, struct errbuf *e)
{
	size_t at = r->off, n, i;
	const char *p;

	if (cbor_rd_tstr(r, &p, &n, e) != 0)
		return -1;
	if (n >= cap) {
		r->off = at;
		return err_set(e, "offset %zu: text string of %zu bytes "
		    "exceeds the limit of %zu", at, n, cap - 1);
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
			r->off = at;
			return err_set(e, "offset %zu: text string contains "
			    "the control character 0x%02x", at,
			    (unsigned char)p[i]);
		}
	if (n > 0)
		memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
cbor_rd_array(struct cbor_rd *r, size_t *n, struct errbuf *e)
{
	struct head h;

	if (rd_head(r, CBOR_DET_ARRAY, &h, e) != 0)
		return -1;
	*n = (size_t)h.val;
	return 0;
}

int
cbor_rd_map(struct cbor_rd *r, size_t *n, struct errbuf *e)
{
	struct head h;

	if (rd_head(r, CBOR_DET_MAP, &h, e) != 0)
		return -1;
	*n = (size_t)h.val;
	return 0;
}

int
cbor_rd_array_n(struct cbor_rd *r, size_t n, struct errbuf *e)
{
	size_t at = r->off, got;

	if (cbor_rd_array(r, &got, e) != 0)
		return -1;
	if (got != n) {
		r->off = at;
		return err_set(e, "offset %zu: array of %zu elements, "
		    "expected %zu", at, got, n);
	}
	return 0;
}

int
cbor_rd_tag(struct cbor_rd *r, uint64_t tag, struct errbuf *e)
{
	size_t at = r->off;
	struct head h;

	if (rd_head(r, CBOR_DET_TAG, &h, e) != 0)
		return -1;
	if (h.val != tag) {
		r->off = at;
		return err_set(e, "offset %zu: tag %llu, expected tag %llu",
		    at, (unsigned long long)h.val, (unsigned long long)tag);
	}
	return 0;
}

int
cbor_rd_null(struct cbor_rd *r)
{
	if (r->off < r->len && r->buf[r->off] == 0xF6) {
		r->off++;
		return 1;
	}
	return 0;
}

int
cbor_rd_bool(struct cbor_rd *r, bool *v, struct errbuf *e)
{
	if (r->off < r->len && (r->buf[r->off] == 0xF4 ||
	    r->buf[r->off] == 0xF5)) {
		*v = r->buf[r->off++] == 0xF5;
		return 0;
	}
	return err_set(e, "offset %zu: expected false or true", r->off);
}

int
cbor_rd_skip(struct cbor_rd *r, const uint8_t **p, size_t *n,
    struct errbuf *e)
{
	size_t at = r->off, off = r->off;

	if (walk(r->buf, r->len, &off, 1, e) != 0)
		return -1;
	r->off = off;
	if (p != NULL) {
		*p = r->buf + at;
		*n = off - at;
	}
	return 0;
}

int
cbor_rd_end(const struct cbor_rd *r, struct errbuf *e)
{
	if (r->off != r->len)
		return err_set(e, "offset %zu: %zu unexpected bytes at the end",
		    r->off, r->len - r->off);
	return 0;
}

/* ---- RFC 9277 magic ------------------------------------------------------ */

static const struct {
	uint32_t tag;
	const char *name;
} magic_tags[] = {
	{ DOSSIER_TAG_MANIFEST, "manifest" },
	{ DOSSIER_TAG_CHALLENGE, "challenge" },
	{ DOSSIER_TAG_RESULT, "result" },
	{ DOSSIER_TAG_REFERENCE, "reference export" },
};

const char *
cbor_magic_name(uint32_t dossier_tag)
{
	size_t i;

	for (i = 0; i < sizeof(magic_tags) / sizeof(magic_tags[0]); i++)
		if (magic_tags[i].tag == dossier_tag)
			return magic_tags[i].name;
	return NULL;
}

uint32_t
cbor_magic_tag(const uint8_t *buf, size_t len)
{
	uint32_t tag;

	if (len < CBOR_MAGIC_LEN || buf[0] != 0xD9 || buf[1] != 0xD9 ||
	    buf[2] != 0xF7 || buf[3] != 0xDA)
		return 0;
	tag = load_be32(buf + 4);
	return cbor_magic_name(tag) != NULL ? tag : 0;
}

int
cbor_magic_check(const uint8_t *buf, size_t len, uint32_t dossier_tag,
    struct errbuf *e)
{
	const char *want = cbor_magic_name(dossier_tag);
	uint32_t got = cbor_magic_tag(buf, len);

	if (want == NULL)
		return err_set(e, "unknown dossier file tag 0x%08x",
		    dossier_tag);
	if (got == dossier_tag)
		return 0;
	if (got != 0)
		return err_set(e, "a dossier %s file, not a %s",
		    cbor_magic_name(got), want);
	return err_set(e, "not a dossier %s file (no D9 D9 F7 DA %08X "
	    "magic)", want, dossier_tag);
}

static const char *
key_name(const char *const *names, size_t nnames, uint64_t key)
{
	return key < nnames && names[key] != NULL ? names[key] : NULL;
}

int
cbor_rd_keyed_map(struct cbor_rd *r, const char *what,
    const char *const *names, size_t nnames, uint32_t required,
    cbor_rd_field_fn field, void *arg, struct errbuf *e)
{
	const char *name;
	uint32_t seen = 0, missing;
	uint64_t key;
	size_t pairs, i;
	unsigned k;

	if (cbor_rd_map(r, &pairs, e) != 0)
		return err_prefix(e, "%s", what);
	for (i = 0; i < pairs; i++) {
		if (cbor_rd_uint(r, &key, e) != 0)
			return err_prefix(e, "%s key", what);
		if (field(r, key, arg, e) != 0) {
			if ((name = key_name(names, nnames, key)) != NULL)
				return err_prefix(e, "%s key %llu (%s)", what,
				    (unsigned long long)key, name);
			return err_prefix(e, "%s key %llu", what,
			    (unsigned long long)key);
		}
		if (key < 32)
			seen |= 1u << key;
	}
	if ((missing = required & ~seen) == 0)
		return 0;
	for (k = 0; !(missing & (1u << k)); k++)
		continue;
	name = key_name(names, nnames, k);
	return err_set(e, "%s: key %u (%s) missing", what, k,
	    name != NULL ? name : "?");
}
