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

#include <inttypes.h>
#include <string.h>

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
