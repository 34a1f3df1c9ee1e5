/* ima_log.c - see ima_log.h. */
#include "format/ima_log.h"

#include "format/bytes.h"
#include "format/escape.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field names as the kernel's template formats spell them. */
static const char *const field_names[] = {
	[IMA_FIELD_D] = "d",
	[IMA_FIELD_N] = "n",
	[IMA_FIELD_D_NG] = "d-ng",
	[IMA_FIELD_D_NGV2] = "d-ngv2",
	[IMA_FIELD_N_NG] = "n-ng",
	[IMA_FIELD_SIG] = "sig",
	[IMA_FIELD_BUF] = "buf",
	[IMA_FIELD_D_MODSIG] = "d-modsig",
	[IMA_FIELD_MODSIG] = "modsig",
	[IMA_FIELD_EVMSIG] = "evmsig",
	[IMA_FIELD_XATTRNAMES] = "xattrnames",
	[IMA_FIELD_XATTRLENGTHS] = "xattrlengths",
	[IMA_FIELD_XATTRVALUES] = "xattrvalues",
	[IMA_FIELD_IUID] = "iuid",
	[IMA_FIELD_IGID] = "igid",
	[IMA_FIELD_IMODE] = "imode",
};
#define NFIELD_NAMES (sizeof(field_names) / sizeof(field_names[0]))

/* Built-in templates (kernel ima_template.c, builtin_templates[]). */
static const struct {
	const char *name;
	const char *fmt;
} builtin_templates[] = {
	{ "ima", "d|n" },
	{ "ima-ng", "d-ng|n-ng" },
	{ "ima-sig", "d-ng|n-ng|sig" },
	{ "ima-ngv2", "d-ngv2|n-ng" },
	{ "ima-sigv2", "d-ngv2|n-ng|sig" },
	{ "ima-buf", "d-ng|n-ng|buf" },
	{ "ima-modsig", "d-ng|n-ng|sig|d-modsig|modsig" },
	{ "evm-sig",
	  "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|"
	  "imode" },
};
#define NBUILTIN (sizeof(builtin_templates) / sizeof(builtin_templates[0]))

const char *
ima_field_name(enum ima_field_id id)
{
	if ((size_t)id >= NFIELD_NAMES)
		return "?";
	return field_names[id];
}

const char *
ima_byte_order_name(enum ima_byte_order o)
{
	switch (o) {
	case IMA_ORDER_LE:
		return "little-endian";
	case IMA_ORDER_BE:
		return "big-endian";
	default:
		return "unknown";
	}
}

/* ---- templates ---------------------------------------------------------- */

static int
field_lookup(const char *s, size_t len, enum ima_field_id *id)
{
	size_t i;

	for (i = 0; i < NFIELD_NAMES; i++)
		if (strlen(field_names[i]) == len &&
		    memcmp(field_names[i], s, len) == 0) {
			*id = (enum ima_field_id)i;
			return 0;
		}
	return -1;
}

static int
parse_format(const char *fmt, size_t len, struct ima_template *t,
    struct errbuf *e)
{
	size_t start = 0, i;

	t->nfields = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && fmt[i] != '|')
			continue;
		if (i == start)
			return err_set(e, "empty field name at position %zu",
			    start);
		if (t->nfields == IMA_TEMPLATE_FIELDS_MAX)
			return err_set(e, "more than %d fields",
			    IMA_TEMPLATE_FIELDS_MAX);
		if (field_lookup(fmt + start, i - start,
		    &t->fields[t->nfields]) == -1)
			return err_set(e, "unknown field '%.*s'",
			    (int)(i - start), fmt + start);
		t->nfields++;
		start = i + 1;
	}
	return 0;
}

static bool
name_is_printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int
ima_template_lookup(const char *name, size_t len, struct ima_template *out,
    struct errbuf *e)
{
	size_t i;
	const char *fmt = name;
	size_t fmtlen = len;

	if (len == 0)
		return err_set(e, "empty template name");
	if (len > IMA_TEMPLATE_NAME_MAX)
		return err_set(e, "template name of %zu bytes exceeds the "
		    "limit of %d", len, IMA_TEMPLATE_NAME_MAX);
	if (!name_is_printable(name, len))
		return err_set(e, "template name contains a non-printable "
		    "byte or a space");
	memcpy(out->name, name, len);
	out->name[len] = '\0';
	out->name_len = len;
	out->legacy = (len == 3 && memcmp(name, "ima", 3) == 0);
	for (i = 0; i < NBUILTIN; i++)
		if (strlen(builtin_templates[i].name) == len &&
		    memcmp(builtin_templates[i].name, name, len) == 0) {
			fmt = builtin_templates[i].fmt;
			fmtlen = strlen(fmt);
			break;
		}
	if (parse_format(fmt, fmtlen, out, e) == -1)
		return err_prefix(e, "template '%s'", out->name);
	return 0;
}

/* The parser's template for name: from the cache, else resolved into it. */
static const struct ima_template *
template_get(struct ima_parser *p, const uint8_t *name, size_t len,
    struct errbuf *e)
{
	struct ima_template *t;
	size_t i;

	for (i = 0; i < p->ncached; i++)
		if (p->cache[i].name_len == len &&
		    memcmp(p->cache[i].name, name, len) == 0)
			return &p->cache[i];
	t = &p->cache[p->next_slot];
	if (ima_template_lookup((const char *)name, len, t, e) == -1) {
		t->name_len = 0;	/* never matches: name_len > 0 */
		return NULL;
	}
	p->next_slot = (p->next_slot + 1) % IMA_TEMPLATE_CACHE;
	if (p->ncached < IMA_TEMPLATE_CACHE)
		p->ncached++;
	return t;
}

/* ---- records ------------------------------------------------------------ */

void
ima_parser_init(struct ima_parser *p, const struct hashalg *log_alg,
    enum ima_byte_order order)
{
	memset(p, 0, sizeof(*p));
	p->log_alg = log_alg;
	p->order = order;
}


static bool
all_zero(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* A byte order is plausible if the PCR index and name length make sense. */
static bool
order_plausible(const uint8_t *pcr, const uint8_t *namelen,
    enum ima_byte_order o)
{
	uint32_t n = load_u32(namelen, o == IMA_ORDER_BE);

	return load_u32(pcr, o == IMA_ORDER_BE) < IMA_PCR_COUNT && n > 0 &&
	    n <= IMA_TEMPLATE_NAME_MAX;
}

static int
detect_order(struct ima_parser *p, const uint8_t *pcr, const uint8_t *namelen,
    struct errbuf *e)
{
	bool le = order_plausible(pcr, namelen, IMA_ORDER_LE);
	bool be = order_plausible(pcr, namelen, IMA_ORDER_BE);

	if (le == be)
		return err_set(e, "cannot tell the byte order: PCR index "
		    "%u (little-endian) / %u (big-endian) and template-name "
		    "length %u / %u are %s", load_le32(pcr),
		    load_be32(pcr), load_le32(namelen),
		    load_be32(namelen),
		    le ? "plausible in both orders" : "implausible in both");
	p->order = le ? IMA_ORDER_LE : IMA_ORDER_BE;
	return 0;
}

/* Split the template data into its fields: all present, ending exactly. */
static int
split_fields(struct ima_record *r, struct errbuf *e)
{
	const struct ima_template *t = r->tmpl;
	const uint8_t *d = r->data;
	size_t left = r->data_len, i;
	uint32_t len;

	for (i = 0; i < t->nfields; i++) {
		r->fields[i].id = t->fields[i];
		if (left < 4)
			return err_set(e, "template data ends before field "
			    "%zu (%s): %zu byte(s) left, no room for its "
			    "length", i, ima_field_name(t->fields[i]), left);
		len = load_u32(d, r->order == IMA_ORDER_BE);
		d += 4;
		left -= 4;
		if (len > left)
			return err_set(e, "field %zu (%s) length %u runs past "
			    "the end of the template data (%zu bytes left)",
			    i, ima_field_name(t->fields[i]), len, left);
		r->fields[i].data = d;
		r->fields[i].len = len;
		d += len;
		left -= len;
	}
	if (left != 0)
		return err_set(e, "%zu byte(s) after the last field (%s) of "
		    "template '%s'", left,
		    ima_field_name(t->fields[t->nfields - 1]), t->name);
	r->nfields = t->nfields;
	return 0;
}

/* The legacy "ima" template: [20] digest, u32 strlen, name (no NUL). */
static void
split_legacy(struct ima_record *r)
{
	r->nfields = 2;
	r->fields[0].id = IMA_FIELD_D;
	r->fields[0].data = r->data;
	r->fields[0].len = 20;
	r->fields[1].id = IMA_FIELD_N;
	r->fields[1].data = r->data + 24;
	r->fields[1].len = (uint32_t)(r->data_len - 24);
}

/* A file name field: NUL-terminated (except in "ima"), no NUL inside. */
static int
check_name(struct ima_record *r, const struct ima_field *f,
    struct errbuf *e)
{
	size_t n = f->len;

	if (r->tmpl->legacy) {
		if (memchr(f->data, '\0', n) != NULL)
			return err_set(e, "file name contains a NUL byte");
	} else {
		if (n == 0 || f->data[n - 1] != '\0')
			return err_set(e, "%s field is not NUL-terminated",
			    ima_field_name(f->id));
		n--;
		if (memchr(f->data, '\0', n) != NULL)
			return err_set(e, "%s field has a NUL byte before its "
			    "end", ima_field_name(f->id));
		if (f->id == IMA_FIELD_N && n > IMA_EVENT_NAME_LEN_MAX)
			return err_set(e, "n field of %zu bytes exceeds %d",
			    n, IMA_EVENT_NAME_LEN_MAX);
	}
	r->path = (const char *)f->data;
	r->path_len = n;
	return 0;
}

static bool
alg_name_ok(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return false;
	return true;
}

/*
 * The file-digest algorithm named name[0..len) in *out (NULL if unknown
 * to us): the parser's remembered one when the bytes are the same (they
 * were checked then), else checked, looked up and remembered. -1 if the
 * name is malformed.
 */
static int
alg_lookup(struct ima_parser *p, const uint8_t *name, size_t len,
    const struct hashalg **out)
{
	if (len > 0 && len == p->last_alg_len &&
	    memcmp(name, p->last_alg_name, len) == 0) {
		*out = p->last_alg;
		return 0;
	}
	if (!alg_name_ok(name, len))
		return -1;
	*out = hashalg_by_name_n((const char *)name, len);
	if (len <= sizeof(p->last_alg_name)) {
		memcpy(p->last_alg_name, name, len);
		p->last_alg_len = len;
		p->last_alg = *out;
	}
	return 0;
}

/*
 * d-ng, d-modsig: "<alg>:" NUL digest; d-ngv2: "<type>:<alg>:" NUL digest.
 * Known algorithms must have their digest size; a violation record's zero
 * digest may also be 20 bytes (kernels before 5.19). Unknown algorithms
 * (the kernel knows more than OpenSSL names) are accepted as written.
 */
static int
check_digest_ng(struct ima_parser *p, struct ima_record *r,
    const struct ima_field *f, struct errbuf *e)
{
	const uint8_t *nul, *colon, *alg, *type = NULL;
	size_t prefix, alglen, typelen = 0, dlen;
	const struct hashalg *h;
	const char *fname = ima_field_name(f->id);

	if ((nul = memchr(f->data, '\0', f->len)) == NULL)
		return err_set(e, "%s field has no NUL after its algorithm",
		    fname);
	prefix = (size_t)(nul - f->data);
	if (prefix < 2 || f->data[prefix - 1] != ':')
		return err_set(e, "%s field does not start with "
		    "\"<algorithm>:\" and a NUL", fname);
	alg = f->data;
	alglen = prefix - 1;
	if (f->id == IMA_FIELD_D_NGV2) {
		colon = memchr(f->data, ':', alglen);
		if (colon == NULL)
			return err_set(e, "d-ngv2 field has no digest type");
		type = f->data;
		typelen = (size_t)(colon - f->data);
		alg = colon + 1;
		alglen = prefix - 1 - typelen - 1;
		if (!((typelen == 3 && memcmp(type, "ima", 3) == 0) ||
		    (typelen == 6 && memcmp(type, "verity", 6) == 0)))
			return err_set(e, "d-ngv2 field has unknown digest "
			    "type '%.*s'", (int)typelen, (const char *)type);
	}
	if (alg_lookup(p, alg, alglen, &h) == -1)
		return err_set(e, "%s field has a malformed algorithm name",
		    fname);
	dlen = f->len - prefix - 1;
	if (dlen == 0)
		return err_set(e, "%s field has an empty digest", fname);
	if (h != NULL && dlen != h->size && !(r->violation && dlen == 20 &&
	    all_zero(nul + 1, dlen)))
		return err_set(e, "%s field: %.*s digest of %zu bytes, "
		    "expected %zu", fname, (int)alglen, (const char *)alg,
		    dlen, h->size);
	if (f->id == IMA_FIELD_D_MODSIG)
		return 0;
	r->digest_field = f;
	r->file_alg = h;
	r->file_alg_name = (const char *)alg;
	r->file_alg_name_len = alglen;
	r->digest_type = (const char *)type;
	r->digest_type_len = typelen;
	r->file_digest = nul + 1;
	r->file_digest_len = dlen;
	return 0;
}

static int
check_field(struct ima_parser *p, struct ima_record *r,
    const struct ima_field *f, struct errbuf *e)
{
	switch (f->id) {
	case IMA_FIELD_D:
		if (f->len != 20 && f->len != 16)
			return err_set(e, "d field of %u bytes (SHA-1 20 or "
			    "MD5 16)", f->len);
		r->digest_field = f;
		r->file_alg = hashalg_by_name(f->len == 20 ? "sha1" : "md5");
		r->file_alg_name = r->file_alg->ima_name;
		r->file_alg_name_len = strlen(r->file_alg_name);
		r->file_digest = f->data;
		r->file_digest_len = f->len;
		return 0;
	case IMA_FIELD_N:
	case IMA_FIELD_N_NG:
		return 0;	/* done first, see decode_fields() */
	case IMA_FIELD_D_NG:
	case IMA_FIELD_D_NGV2:
		return check_digest_ng(p, r, f, e);
	case IMA_FIELD_D_MODSIG:
		return f->len == 0 ? 0 : check_digest_ng(p, r, f, e);
	case IMA_FIELD_SIG:
		r->sig = f;
		return 0;
	case IMA_FIELD_BUF:
		r->buf = f;
		return 0;
	case IMA_FIELD_XATTRLENGTHS:
		if (f->len % 4 != 0)
			return err_set(e, "xattrlengths field of %u bytes is "
			    "not a list of u32", f->len);
		return 0;
	case IMA_FIELD_IUID:
	case IMA_FIELD_IGID:
		if (f->len != 0 && f->len != 4)
			return err_set(e, "%s field of %u bytes (0 or 4)",
			    ima_field_name(f->id), f->len);
		return 0;
	case IMA_FIELD_IMODE:
		if (f->len != 0 && f->len != 2)
			return err_set(e, "imode field of %u bytes (0 or 2)",
			    f->len);
		return 0;
	default:
		return 0;
	}
}

/* Fields that are never empty when the kernel writes them. */
static bool
field_required(enum ima_field_id id)
{
	return id == IMA_FIELD_D || id == IMA_FIELD_N ||
	    id == IMA_FIELD_D_NG || id == IMA_FIELD_D_NGV2 ||
	    id == IMA_FIELD_N_NG;
}

/* Decode the path first, so later messages can name it. */
static int
decode_fields(struct ima_parser *p, struct ima_record *r, struct errbuf *e)
{
	size_t i;

	for (i = 0; i < r->nfields; i++) {
		const struct ima_field *f = &r->fields[i];

		if (f->id != IMA_FIELD_N && f->id != IMA_FIELD_N_NG)
			continue;
		if (check_name(r, f, e) == -1)
			return err_prefix(e, "field %zu", i);
		break;
	}
	for (i = 0; i < r->nfields; i++) {
		const struct ima_field *f = &r->fields[i];

		if (f->len == 0 && field_required(f->id))
			return err_set(e, "field %zu (%s) is empty", i,
			    ima_field_name(f->id));
		if (check_field(p, r, f, e) == -1)
			return err_prefix(e, "field %zu", i);
	}
	return 0;
}

static enum ima_parse_result
need_more(size_t have, size_t need, size_t *needp, struct errbuf *e,
    const char *what)
{
	*needp = need;
	err_set(e, "truncated %s: %zu byte(s) present, the record needs %zu",
	    what, have, need);
	return IMA_PARSE_MORE;
}

static enum ima_parse_result
parse_body(struct ima_parser *p, const uint8_t *buf, size_t len,
    struct ima_record *r, size_t *need, struct errbuf *e)
{
	size_t dsz = p->log_alg->size, hdr = 4 + dsz + 4, namelen, total;
	uint32_t n;

	if (len < hdr)
		return need_more(len, hdr, need, e, "record header");
	if (p->order == IMA_ORDER_UNKNOWN &&
	    detect_order(p, buf, buf + 4 + dsz, e) == -1)
		return IMA_PARSE_ERROR;
	r->order = p->order;
	r->pcr = load_u32(buf, p->order == IMA_ORDER_BE);
	if (r->pcr >= IMA_PCR_COUNT) {
		err_set(e, "PCR index %u out of range (0-%d)", r->pcr,
		    IMA_PCR_COUNT - 1);
		return IMA_PARSE_ERROR;
	}
	r->digest = buf + 4;
	r->digest_len = dsz;
	r->violation = all_zero(r->digest, dsz);
	namelen = load_u32(buf + 4 + dsz, p->order == IMA_ORDER_BE);
	if (namelen == 0 || namelen > IMA_TEMPLATE_NAME_MAX) {
		err_set(e, "template name length %zu out of range "
		    "(1-%d)", namelen, IMA_TEMPLATE_NAME_MAX);
		return IMA_PARSE_ERROR;
	}
	if (len < hdr + namelen)
		return need_more(len, hdr + namelen, need, e,
		    "template name");
	if ((r->tmpl = template_get(p, buf + hdr, namelen, e)) == NULL)
		return IMA_PARSE_ERROR;
	hdr += namelen;
	if (r->tmpl->legacy) {
		if (len < hdr + 24)
			return need_more(len, hdr + 24, need, e,
			    "ima template data");
		n = load_u32(buf + hdr + 20, p->order == IMA_ORDER_BE);
		if (n > IMA_EVENT_NAME_LEN_MAX) {
			err_set(e, "ima template file name length %u "
			    "exceeds %d", n, IMA_EVENT_NAME_LEN_MAX);
			return IMA_PARSE_ERROR;
		}
		r->data = buf + hdr;
		r->data_len = 24 + (size_t)n;
	} else {
		if (len < hdr + 4)
			return need_more(len, hdr + 4, need, e,
			    "template data length");
		n = load_u32(buf + hdr, p->order == IMA_ORDER_BE);
		if (n > IMA_TEMPLATE_DATA_MAX) {
			err_set(e, "template data length %u exceeds the "
			    "limit of %u", n, IMA_TEMPLATE_DATA_MAX);
			return IMA_PARSE_ERROR;
		}
		hdr += 4;
		r->data = buf + hdr;
		r->data_len = n;
	}
	total = hdr + r->data_len;
	if (len < total) {
		*need = total;
		err_set(e, "truncated template data: %zu byte(s) declared, "
		    "%zu present", r->data_len, len - hdr);
		return IMA_PARSE_MORE;
	}
	r->size = total;
	if (r->tmpl->legacy)
		split_legacy(r);
	else if (split_fields(r, e) == -1)
		return IMA_PARSE_ERROR;
	if (decode_fields(p, r, e) == -1)
		return IMA_PARSE_ERROR;
	return IMA_PARSE_RECORD;
}

/*
 * Clear a record for the next parse: every member before fields[] (the
 * last one, ima_log.h), so that a member added to the struct is cleared
 * too; the 16 field slots (384 bytes) are left alone: the parser writes
 * [0, nfields) before anything reads them.
 */
static void
record_clear(struct ima_record *r)
{
	memset(r, 0, offsetof(struct ima_record, fields));
}

enum ima_parse_result
ima_parse_record(struct ima_parser *p, const uint8_t *buf, size_t len,
    struct ima_record *rec, size_t *need, struct errbuf *e)
{
	enum ima_parse_result res;

	record_clear(rec);
	rec->index = p->index;
	rec->offset = p->offset;
	*need = 0;
	res = parse_body(p, buf, len, rec, need, e);
	if (res == IMA_PARSE_RECORD) {
		p->index++;
		p->offset += rec->size;
		return res;
	}
	if (rec->path != NULL) {
		char path[256];

		ima_printable(rec->path, rec->path_len, path, sizeof(path));
		err_prefix(e, "entry %llu at offset %llu (%s)",
		    (unsigned long long)rec->index,
		    (unsigned long long)rec->offset, path);
	} else
		err_prefix(e, "entry %llu at offset %llu",
		    (unsigned long long)rec->index,
		    (unsigned long long)rec->offset);
	return res;
}

int
ima_parse_finish(struct ima_parser *p, const uint8_t *buf, size_t len,
    struct errbuf *e)
{
	struct ima_parser copy;
	struct ima_record rec;
	size_t need;

	if (len == 0)
		return 0;
	if (len < 4)
		return err_set(e, "%zu trailing byte%s at offset %llu after "
		    "the last complete record (entry %llu)", len,
		    len == 1 ? "" : "s", (unsigned long long)p->offset,
		    (unsigned long long)p->index);
	copy = *p;
	if (ima_parse_record(&copy, buf, len, &rec, &need, e) ==
	    IMA_PARSE_RECORD)
		return err_set(e, "internal error: a complete record at the "
		    "end of input");
	return -1;
}

void
ima_printable(const char *s, size_t len, char *out, size_t cap)
{
	esc_text(s, len, ESC_FIELD, out, cap);
}

/* ---- accessors ---------------------------------------------------------- */

int
ima_record_file_digest(const struct ima_record *r,
    const struct hashalg **alg, const uint8_t **digest, size_t *len)
{
	if (r->file_digest == NULL)
		return -1;
	*alg = r->file_alg;
	*digest = r->file_digest;
	*len = r->file_digest_len;
	return 0;
}

int
ima_record_path(const struct ima_record *r, const char **path, size_t *len)
{
	if (r->path == NULL)
		return -1;
	*path = r->path;
	*len = r->path_len;
	return 0;
}

int
ima_record_sig(const struct ima_record *r, const uint8_t **sig, size_t *len)
{
	if (r->sig == NULL)
		return -1;
	*sig = r->sig->data;
	*len = r->sig->len;
	return 0;
}

int
ima_record_buf(const struct ima_record *r, const uint8_t **buf, size_t *len)
{
	if (r->buf == NULL)
		return -1;
	*buf = r->buf->data;
	*len = r->buf->len;
	return 0;
}

/* ---- template hash ------------------------------------------------------ */

int
ima_template_hash(EVP_MD_CTX *ctx, const EVP_MD *md,
    const struct ima_record *rec, uint8_t *out, struct errbuf *e)
{
	static const uint8_t zeros[IMA_EVENT_NAME_LEN_MAX + 1];
	const struct ima_field *name;

	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1)
		return err_openssl(e, "template hash");
	if (!rec->tmpl->legacy) {
		if (EVP_DigestUpdate(ctx, rec->data, rec->data_len) != 1)
			return err_openssl(e, "template hash");
	} else {
		name = &rec->fields[1];
		if (EVP_DigestUpdate(ctx, rec->fields[0].data,
		    rec->fields[0].len) != 1 ||
		    EVP_DigestUpdate(ctx, name->data, name->len) != 1 ||
		    EVP_DigestUpdate(ctx, zeros,
		    sizeof(zeros) - name->len) != 1)
			return err_openssl(e, "template hash");
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return err_openssl(e, "template hash");
	return 0;
}

/* ---- reader ------------------------------------------------------------- */

#define IMA_READ_CHUNK (64u * 1024)

int
ima_reader_init(struct ima_reader *r, int fd, const char *path,
    const struct hashalg *log_alg, struct errbuf *e)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->path = path;
	r->cap = IMA_READ_CHUNK;
	if ((r->buf = malloc(r->cap)) == NULL)
		return err_set(e, "%s: out of memory", path);
	ima_parser_init(&r->parser, log_alg, IMA_ORDER_UNKNOWN);
	return 0;
}

void
ima_reader_free(struct ima_reader *r)
{
	free(r->buf);
	free(r->rbuf);
	r->buf = NULL;
	r->rbuf = NULL;
}

/* Make room for need bytes from pos, then read what is there. */
static int
refill(struct ima_reader *r, size_t need, struct errbuf *e)
{
	ssize_t n;
	uint8_t *nb;
	size_t ncap;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (need > r->cap) {
		ncap = r->cap;
		while (ncap < need)
			ncap *= 2;
		if (ncap > IMA_ASCII_LINE_MAX + 1)
			ncap = IMA_ASCII_LINE_MAX + 1;
		if ((nb = realloc(r->buf, ncap)) == NULL)
			return err_set(e, "%s: out of memory", r->path);
		r->buf = nb;
		r->cap = ncap;
	}
	while (r->end < r->cap) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, "%s: %s", r->path, strerror(errno));
		}
		if (n == 0) {
			r->eof = true;
			break;
		}
		r->end += (size_t)n;
		if (r->end >= need)
			break;
	}
	return 0;
}

/* The next text line, without its newline; 0 at the end, -1/-2 errors. */
static int
next_line(struct ima_reader *r, const char **line, size_t *len,
    struct errbuf *e)
{
	const uint8_t *nl;
	size_t have;

	for (;;) {
		have = r->end - r->pos;
		if ((nl = memchr(r->buf + r->pos, '\n', have)) != NULL)
			break;
		if (r->eof) {
			if (have == 0)
				return 0;
			return err_set(e, "entry %llu at offset %llu: last line "
			    "has no newline (%zu bytes; truncated?)",
			    (unsigned long long)r->parser.index,
			    (unsigned long long)r->text_off, have);
		}
		if (have > IMA_ASCII_LINE_MAX)
			return err_set(e, "entry %llu at offset %llu: line "
			    "longer than %zu bytes",
			    (unsigned long long)r->parser.index,
			    (unsigned long long)r->text_off,
			    (size_t)IMA_ASCII_LINE_MAX);
		if (refill(r, have + 1 > r->cap ? have + 1 : r->cap, e) == -1)
			return -2;
	}
	*line = (const char *)r->buf + r->pos;
	*len = (size_t)(nl - (r->buf + r->pos));
	return 1;
}

static enum ima_read_result
next_ascii(struct ima_reader *r, struct ima_record *rec, struct errbuf *e)
{
	const char *line = NULL;
	size_t len = 0, blen, need;
	uint8_t *nb;
	int rc;

	if ((rc = next_line(r, &line, &len, e)) <= 0) {
		if (rc == 0)
			return IMA_READ_END;
		err_prefix(e, "%s", r->path);
		return rc == -2 ? IMA_READ_IO : IMA_READ_MALFORMED;
	}
	if (r->rcap < len + 512) {
		if ((nb = realloc(r->rbuf, len + 512)) == NULL) {
			err_set(e, "%s: out of memory", r->path);
			return IMA_READ_IO;
		}
		r->rbuf = nb;
		r->rcap = len + 512;
	}
	r->parser.offset = r->text_off;
	if (ima_ascii_to_binary(line, len, r->parser.log_alg, r->rbuf,
	    r->rcap, &blen, e) == -1) {
		err_prefix(e, "%s: entry %llu at offset %llu (text)",
		    r->path, (unsigned long long)r->parser.index,
		    (unsigned long long)r->text_off);
		return IMA_READ_MALFORMED;
	}
	if (ima_parse_record(&r->parser, r->rbuf, blen, rec, &need, e) !=
	    IMA_PARSE_RECORD || rec->size != blen) {
		err_prefix(e, "%s (text)", r->path);
		return IMA_READ_MALFORMED;
	}
	r->pos += len + 1;
	r->text_off += len + 1;
	return IMA_READ_RECORD;
}

enum ima_read_result
ima_reader_next(struct ima_reader *r, struct ima_record *rec,
    struct errbuf *e)
{
	enum ima_parse_result res;
	size_t need = 4;

	if (!r->detected) {
		if (r->end == r->pos && !r->eof && refill(r, 1, e) == -1)
			return IMA_READ_IO;
		r->detected = true;
		if (r->end > r->pos && (r->buf[r->pos] == ' ' ||
		    (r->buf[r->pos] >= '0' && r->buf[r->pos] <= '9'))) {
			r->ascii = true;
			ima_parser_init(&r->parser, r->parser.log_alg,
			    IMA_ORDER_LE);
		}
	}
	if (r->ascii)
		return next_ascii(r, rec, e);
	for (;;) {
		if (r->end - r->pos < need && !r->eof) {
			if (refill(r, need, e) == -1)
				return IMA_READ_IO;
			continue;
		}
		if (r->pos == r->end && r->eof)
			return IMA_READ_END;
		res = ima_parse_record(&r->parser, r->buf + r->pos,
		    r->end - r->pos, rec, &need, e);
		if (res == IMA_PARSE_RECORD) {
			r->pos += rec->size;
			return IMA_READ_RECORD;
		}
		if (res == IMA_PARSE_ERROR) {
			err_prefix(e, "%s", r->path);
			return IMA_READ_MALFORMED;
		}
		if (r->eof) {
			ima_parse_finish(&r->parser, r->buf + r->pos,
			    r->end - r->pos, e);
			err_prefix(e, "%s", r->path);
			return IMA_READ_MALFORMED;
		}
	}
}
