/* cbor_det_write.c - the deterministic CBOR writer of cbor_det.h
 * (struct cbor_wr), the RFC 9277 magic included. */
#include "format/cbor_det.h"
#include "format/cbor_det_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

void
cbor_wr_init(struct cbor_wr *w, size_t limit)
{
	memset(w, 0, sizeof(*w));
	w->limit = limit > CBOR_DET_INPUT_MAX ? CBOR_DET_INPUT_MAX : limit;
}

void
cbor_wr_free(struct cbor_wr *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->depth = 0;
}

static int
wr_fail(struct cbor_wr *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
wr_fail(struct cbor_wr *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return -1;
	w->failed = true;
	va_start(ap, fmt);
	vsnprintf(w->err.msg, sizeof(w->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
wr_append(struct cbor_wr *w, const void *p, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (n > w->limit - w->len)
		return wr_fail(w, "CBOR output exceeds the limit of %zu bytes",
		    w->limit);
	if (w->len + n > w->cap) {
		cap = w->cap < 64 ? 64 : w->cap;
		while (cap < w->len + n)
			cap = cap > w->limit / 2 ? w->limit : cap * 2;
		if ((nb = realloc(w->buf, cap)) == NULL)
			return wr_fail(w, "out of memory");
		w->buf = nb;
		w->cap = cap;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int
wr_head(struct cbor_wr *w, enum cbor_det_type t, uint64_t v)
{
	unsigned char h[9];
	size_t n = 0;

	switch (t) {
	case CBOR_DET_UINT:
		n = cbor_encode_uint(v, h, sizeof(h));
		break;
	case CBOR_DET_NEGINT:
		n = cbor_encode_negint(v, h, sizeof(h));
		break;
	case CBOR_DET_BSTR:
		n = cbor_encode_bytestring_start((size_t)v, h, sizeof(h));
		break;
	case CBOR_DET_TSTR:
		n = cbor_encode_string_start((size_t)v, h, sizeof(h));
		break;
	case CBOR_DET_ARRAY:
		n = cbor_encode_array_start((size_t)v, h, sizeof(h));
		break;
	case CBOR_DET_MAP:
		n = cbor_encode_map_start((size_t)v, h, sizeof(h));
		break;
	case CBOR_DET_TAG:
		n = cbor_encode_tag(v, h, sizeof(h));
		break;
	case CBOR_DET_SIMPLE:
		n = v == 22 ? cbor_encode_null(h, sizeof(h)) :
		    cbor_encode_bool(v == 21, h, sizeof(h));
		break;
	case CBOR_DET_END:
		break;
	}
	if (n == 0)
		return wr_fail(w, "cannot encode a %s head",
		    cbor_det_type_name(t));
	return wr_append(w, h, n);
}

/* Check the slot the next item goes into; *is_key if it is a map key. */
static int
wr_slot(struct cbor_wr *w, enum cbor_det_type t, bool *is_key)
{
	struct cbor_wr_level *lv;

	*is_key = false;
	if (w->failed)
		return -1;
	if (w->depth == 0)
		return 0;
	lv = &w->lv[w->depth - 1];
	if (lv->map && lv->left % 2 == 0 && !w->tagged) {
		*is_key = true;
		if (t != CBOR_DET_UINT && t != CBOR_DET_NEGINT &&
		    t != CBOR_DET_TSTR && t != CBOR_DET_BSTR)
			return wr_fail(w, "a map key must be an integer or a "
			    "string, not a %s", cbor_det_type_name(t));
	}
	return 0;
}

/* Account for an item that starts at offset start and is now written;
 * children > 0 for a container that now expects its elements. */
static int
wr_done(struct cbor_wr *w, bool is_key, size_t start, bool container,
    uint64_t children)
{
	struct cbor_wr_level *lv;

	w->tagged = false;
	if (is_key) {
		lv = &w->lv[w->depth - 1];
		if (lv->has_key) {
			int c = cbor_det_enc_cmp(w->buf + lv->key_off, lv->key_len,
			    w->buf + start, w->len - start);

			if (c == 0)
				return wr_fail(w, "duplicate map key");
			if (c > 0)
				return wr_fail(w, "map keys out of order (they "
				    "must be written sorted by their encoded "
				    "bytes)");
		}
		lv->has_key = true;
		lv->key_off = start;
		lv->key_len = w->len - start;
	}
	if (w->depth > 0)
		w->lv[w->depth - 1].left--;
	if (container && children > 0) {
		if (w->depth == CBOR_DET_DEPTH_MAX)
			return wr_fail(w, "nesting deeper than %d levels",
			    CBOR_DET_DEPTH_MAX);
		lv = &w->lv[w->depth++];
		memset(lv, 0, sizeof(*lv));
		lv->left = children;
		return 0;
	}
	while (w->depth > 0 && w->lv[w->depth - 1].left == 0)
		w->depth--;
	return 0;
}

static int
wr_scalar(struct cbor_wr *w, enum cbor_det_type t, uint64_t v,
    const void *data, size_t n)
{
	size_t start = w->len;
	bool key;

	if (wr_slot(w, t, &key) != 0 || wr_head(w, t, v) != 0 ||
	    wr_append(w, data, n) != 0)
		return -1;
	return wr_done(w, key, start, false, 0);
}

int
cbor_wr_uint(struct cbor_wr *w, uint64_t v)
{
	return wr_scalar(w, CBOR_DET_UINT, v, NULL, 0);
}

int
cbor_wr_int(struct cbor_wr *w, int64_t v)
{
	if (v >= 0)
		return wr_scalar(w, CBOR_DET_UINT, (uint64_t)v, NULL, 0);
	return wr_scalar(w, CBOR_DET_NEGINT, (uint64_t)(-1 - v), NULL, 0);
}

int
cbor_wr_bstr(struct cbor_wr *w, const uint8_t *p, size_t n)
{
	return wr_scalar(w, CBOR_DET_BSTR, n, p, n);
}

int
cbor_wr_tstr(struct cbor_wr *w, const char *s, size_t n)
{
	if (!cbor_det_utf8_valid((const uint8_t *)s, n))
		return wr_fail(w, "text string is not valid UTF-8");
	return wr_scalar(w, CBOR_DET_TSTR, n, s, n);
}

int
cbor_wr_tstr_z(struct cbor_wr *w, const char *s)
{
	return cbor_wr_tstr(w, s, strlen(s));
}

static int
wr_container(struct cbor_wr *w, enum cbor_det_type t, size_t n)
{
	size_t start = w->len;
	bool key;

	if (wr_slot(w, t, &key) != 0)
		return -1;
	if (n > CBOR_DET_COUNT_MAX)
		return wr_fail(w, "%s of %zu elements exceeds the limit of %u",
		    cbor_det_type_name(t), n, CBOR_DET_COUNT_MAX);
	if (wr_head(w, t, n) != 0)
		return -1;
	if (wr_done(w, key, start, true, t == CBOR_DET_MAP ? 2 * (uint64_t)n :
	    n) != 0)
		return -1;
	if (t == CBOR_DET_MAP && n > 0)
		w->lv[w->depth - 1].map = true;
	return 0;
}

int
cbor_wr_array(struct cbor_wr *w, size_t n)
{
	return wr_container(w, CBOR_DET_ARRAY, n);
}

int
cbor_wr_map(struct cbor_wr *w, size_t n)
{
	return wr_container(w, CBOR_DET_MAP, n);
}

int
cbor_wr_tag(struct cbor_wr *w, uint64_t tag)
{
	bool key;

	if (wr_slot(w, CBOR_DET_TAG, &key) != 0 ||
	    wr_head(w, CBOR_DET_TAG, tag) != 0)
		return -1;
	w->tagged = true;
	return 0;
}

int
cbor_wr_null(struct cbor_wr *w)
{
	return wr_scalar(w, CBOR_DET_SIMPLE, 22, NULL, 0);
}

int
cbor_wr_bool(struct cbor_wr *w, bool v)
{
	return wr_scalar(w, CBOR_DET_SIMPLE, v ? 21 : 20, NULL, 0);
}

int
cbor_wr_finish(struct cbor_wr *w, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	if (!w->failed && (w->depth > 0 || w->tagged))
		wr_fail(w, "CBOR output incomplete: %s",
		    w->tagged ? "a tag has no content" :
		    "an array or map lacks elements");
	if (w->failed) {
		err_set(e, "%s", w->err.msg);
		cbor_wr_free(w);
		return -1;
	}
	*out = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return 0;
}

/* ---- RFC 9277 magic ------------------------------------------------------ */

int
cbor_wr_magic(struct cbor_wr *w, uint32_t dossier_tag)
{
	if (cbor_magic_name(dossier_tag) == NULL)
		return wr_fail(w, "unknown dossier file tag 0x%08x",
		    dossier_tag);
	if (cbor_wr_tag(w, CBOR_TAG_SELF_DESCRIBED) != 0)
		return -1;
	return cbor_wr_tag(w, dossier_tag);
}
