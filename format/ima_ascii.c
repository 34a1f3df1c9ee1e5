/*
 * ima_ascii.c - ascii_runtime_measurements lines from parsed records (see
 * ima_log.h, ima_ascii_write).
 *
 * What the kernel prints per field (ima_template.c supported_fields[] and
 * ima_template_lib.c ima_show_template_*):
 *   d                       hex of the digest
 *   d-ng, d-ngv2, d-modsig  the prefix up to its last ':' ("sha256:",
 *                           "ima:sha256:"), then hex of the digest
 *   n, n-ng, xattrnames     the string, up to its NUL
 *   sig, buf, modsig, evmsig, xattrlengths, xattrvalues   hex
 *   iuid, igid, imode       decimal, in the list's byte order, by size
 *                           (1, 2, 4 or 8 bytes; other sizes print nothing)
 * An empty field prints nothing, but its separating space is still there.
 */
#include "format/ima_log.h"

#include "format/escape.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"

static int
put_hex(FILE *out, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char chunk[512];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		chunk[k++] = digits[b[i] >> 4];
		chunk[k++] = digits[b[i] & 0x0f];
		if (k == sizeof(chunk)) {
			if (fwrite(chunk, 1, k, out) != k)
				return -1;
			k = 0;
		}
	}
	if (k > 0 && fwrite(chunk, 1, k, out) != k)
		return -1;
	return 0;
}

/* A C string as the kernel's "%s" would print it: up to the first NUL. */
static int
put_string(FILE *out, const uint8_t *b, size_t n)
{
	const uint8_t *nul = memchr(b, '\0', n);

	if (nul != NULL)
		n = (size_t)(nul - b);
	return fwrite(b, 1, n, out) == n ? 0 : -1;
}

/* "<alg>:" or "<type>:<alg>:" as written, then the digest in hex. */
static int
put_digest_ng(FILE *out, const struct ima_field *f)
{
	const uint8_t *nul = memchr(f->data, '\0', f->len);
	size_t prefix;

	if (nul == NULL)	/* the parser does not let this through */
		return put_hex(out, f->data, f->len);
	prefix = (size_t)(nul - f->data);
	if (fwrite(f->data, 1, prefix, out) != prefix)
		return -1;
	return put_hex(out, nul + 1, f->len - prefix - 1);
}

static uint64_t
rd_uint(const uint8_t *b, size_t n, enum ima_byte_order o)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (o == IMA_ORDER_BE)
			v = v << 8 | b[i];
		else
			v = v << 8 | b[n - 1 - i];
	}
	return v;
}

static int
put_uint(FILE *out, const struct ima_field *f, enum ima_byte_order o)
{
	switch (f->len) {
	case 1:
	case 2:
	case 4:
	case 8:
		return fprintf(out, "%" PRIu64, rd_uint(f->data, f->len, o)) <
		    0 ? -1 : 0;
	default:
		return 0;
	}
}

static int
put_field(FILE *out, const struct ima_field *f, enum ima_byte_order o)
{
	switch (f->id) {
	case IMA_FIELD_D:
		return put_hex(out, f->data, f->len);
	case IMA_FIELD_D_NG:
	case IMA_FIELD_D_NGV2:
	case IMA_FIELD_D_MODSIG:
		return put_digest_ng(out, f);
	case IMA_FIELD_N:
	case IMA_FIELD_N_NG:
	case IMA_FIELD_XATTRNAMES:
		return put_string(out, f->data, f->len);
	case IMA_FIELD_IUID:
	case IMA_FIELD_IGID:
	case IMA_FIELD_IMODE:
		return put_uint(out, f, o);
	default:
		return put_hex(out, f->data, f->len);
	}
}

int
ima_ascii_write(FILE *out, const struct ima_record *rec)
{
	size_t i;

	if (fprintf(out, "%2d ", (int)rec->pcr) < 0 ||
	    put_hex(out, rec->digest, rec->digest_len) == -1 ||
	    fprintf(out, " %s", rec->tmpl->name) < 0)
		return -1;
	for (i = 0; i < rec->nfields; i++) {
		if (fputc(' ', out) == EOF)
			return -1;
		if (rec->fields[i].len == 0)
			continue;
		if (put_field(out, &rec->fields[i], rec->order) == -1)
			return -1;
	}
	return fputc('\n', out) == EOF ? -1 : 0;
}

/* ---- ascii input -------------------------------------------------------- */

struct wbuf {
	uint8_t *b;
	size_t n, cap;
};

static int
wput(struct wbuf *w, const void *p, size_t n, struct errbuf *e)
{
	if (n > w->cap - w->n)
		return err_set(e, "record does not fit in %zu bytes", w->cap);
	memcpy(w->b + w->n, p, n);
	w->n += n;
	return 0;
}

static int
wput32(struct wbuf *w, uint32_t v, struct errbuf *e)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	return wput(w, b, 4, e);
}

static int
whex(struct wbuf *w, const char *s, size_t n, struct errbuf *e)
{
	long got;

	if (n % 2 != 0 || n / 2 > w->cap - w->n)
		return err_set(e, "hex of odd length or too long");
	if ((got = hex_decode(s, n, w->b + w->n, w->cap - w->n)) < 0 ||
	    (size_t)got != n / 2)
		return err_set(e, "malformed hex '%.*s'", n > 40 ? 40 : (int)n,
		    s);
	w->n += n / 2;
	return 0;
}

/* A decimal of at most `bytes` bytes, little-endian (the text has no order). */
static int
wuint(struct wbuf *w, const char *s, size_t n, size_t bytes,
    struct errbuf *e)
{
	uint64_t v = 0, max = bytes == 8 ? UINT64_MAX :
	    ((uint64_t)1 << (8 * bytes)) - 1;
	uint8_t b[8];
	size_t i;

	if (n == 0 || n > 20)
		return err_set(e, "malformed number '%.*s'", (int)n, s);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (max - (uint64_t)(s[i] -
		    '0')) / 10)
			return err_set(e, "malformed or too large number "
			    "'%.*s'", (int)n, s);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return wput(w, b, bytes, e);
}

/* One field's bytes (without its length) from its text. */
static int
field_from_text(struct wbuf *w, enum ima_field_id id, const char *s,
    size_t n, struct errbuf *e)
{
	const char *colon = NULL;
	static const uint8_t nul = 0;
	size_t i;

	if (n == 0)	/* the kernel prints nothing for an empty field */
		return 0;
	switch (id) {
	case IMA_FIELD_D:
		return whex(w, s, n, e);
	case IMA_FIELD_D_NG:
	case IMA_FIELD_D_NGV2:
	case IMA_FIELD_D_MODSIG:
		for (i = n; i > 0; i--)
			if (s[i - 1] == ':') {
				colon = s + i - 1;
				break;
			}
		if (colon == NULL)
			return err_set(e, "%s field '%.*s' has no "
			    "\"<algorithm>:\"", ima_field_name(id),
			    n > 40 ? 40 : (int)n, s);
		if (wput(w, s, (size_t)(colon - s) + 1, e) == -1 ||
		    wput(w, &nul, 1, e) == -1)
			return -1;
		return whex(w, colon + 1, n - (size_t)(colon - s) - 1, e);
	case IMA_FIELD_N:
	case IMA_FIELD_N_NG:
	case IMA_FIELD_XATTRNAMES:
		if (wput(w, s, n, e) == -1)
			return -1;
		return wput(w, &nul, 1, e);
	case IMA_FIELD_IUID:
	case IMA_FIELD_IGID:
		return wuint(w, s, n, 4, e);
	case IMA_FIELD_IMODE:
		return wuint(w, s, n, 2, e);
	default:
		return whex(w, s, n, e);
	}
}

int
ima_ascii_to_binary(const char *line, size_t len, const struct hashalg *alg,
    uint8_t *out, size_t cap, size_t *outlen, struct errbuf *e)
{
	struct ima_template t;
	struct wbuf w = { out, 0, cap };
	const char *p = line, *end = line + len, *tok;
	size_t i, lenat, dstart;
	unsigned long pcr = 0;

	while (p < end && *p == ' ')
		p++;
	for (tok = p; p < end && *p >= '0' && *p <= '9' && pcr < 1000; p++)
		pcr = pcr * 10 + (unsigned long)(*p - '0');
	if (p == tok || p == end || *p != ' ' || pcr >= IMA_PCR_COUNT)
		return err_set(e, "does not start with a PCR index (0-%d)",
		    IMA_PCR_COUNT - 1);
	if (wput32(&w, (uint32_t)pcr, e) == -1)
		return -1;
	tok = ++p;
	while (p < end && *p != ' ')
		p++;
	if ((size_t)(p - tok) != 2 * alg->size)
		return err_set(e, "template digest of %zu hex digits, %s needs "
		    "%zu", (size_t)(p - tok), alg->name, 2 * alg->size);
	if (whex(&w, tok, (size_t)(p - tok), e) == -1 || p == end)
		return p == end ? err_set(e, "no template name") : -1;
	tok = ++p;
	while (p < end && *p != ' ')
		p++;
	if (ima_template_lookup(tok, (size_t)(p - tok), &t, e) == -1)
		return -1;
	if (wput32(&w, (uint32_t)t.name_len, e) == -1 ||
	    wput(&w, t.name, t.name_len, e) == -1)
		return -1;
	lenat = w.n;
	if (!t.legacy && wput32(&w, 0, e) == -1)
		return -1;
	dstart = w.n;
	for (i = 0; i < t.nfields; i++) {
		size_t at = w.n;

		if (p == end || *p != ' ')
			return err_set(e, "template %s: %zu field(s) of %zu",
			    t.name, i, t.nfields);
		tok = ++p;
		while (p < end && *p != ' ')
			p++;
		if (!(t.legacy && i == 0) && wput32(&w, 0, e) == -1)
			return -1;
		if (field_from_text(&w, t.fields[i], tok, (size_t)(p - tok),
		    e) == -1)
			return err_prefix(e, "field %zu (%s)", i,
			    ima_field_name(t.fields[i]));
		if (t.legacy && i == 1)
			w.n--;	/* the ima template's name has no NUL */
		if (!(t.legacy && i == 0)) {
			uint32_t flen = (uint32_t)(w.n - at - 4);

			w.b[at] = (uint8_t)flen;
			w.b[at + 1] = (uint8_t)(flen >> 8);
			w.b[at + 2] = (uint8_t)(flen >> 16);
			w.b[at + 3] = (uint8_t)(flen >> 24);
		}
	}
	if (p != end)
		return err_set(e, "template %s: text after its %zu fields",
		    t.name, t.nfields);
	if (!t.legacy) {
		uint32_t dlen = (uint32_t)(w.n - dstart);

		w.b[lenat] = (uint8_t)dlen;
		w.b[lenat + 1] = (uint8_t)(dlen >> 8);
		w.b[lenat + 2] = (uint8_t)(dlen >> 16);
		w.b[lenat + 3] = (uint8_t)(dlen >> 24);
	}
	*outlen = w.n;
	return 0;
}

int
ima_ascii_write_escaped(FILE *out, const struct ima_record *rec)
{
	char *line = NULL;
	size_t len = 0;
	FILE *m;
	int rc = -1;

	/* The kernel's line first, then escaped on its way out: one rule
	 * for every field, and the newline is the only raw control byte. */
	if ((m = open_memstream(&line, &len)) == NULL)
		return -1;
	if (ima_ascii_write(m, rec) == 0 && fclose(m) == 0) {
		m = NULL;
		if (len > 0 && esc_fwrite(line, len - 1, ESC_FIELD, out) == 0 &&
		    fputc('\n', out) != EOF)
			rc = 0;
	}
	if (m != NULL)
		fclose(m);
	free(line);
	return rc;
}
