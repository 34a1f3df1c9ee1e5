/* escape.c - see escape.h. */
#include "format/escape.h"

#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

int
esc_needed(unsigned char c, unsigned flags)
{
	if (c < 0x20 || c >= 0x7f)
		return 1;
	if (c == '\\')
		return (flags & ESC_FIELD) != 0;
	if (c == '\'' || c == '"')
		return (flags & ESC_QUOTES) != 0;
	return 0;
}

char *
esc_text(const void *in, size_t len, unsigned flags, char *out, size_t cap)
{
	const unsigned char *s = in;
	size_t i, o = 0, w, whole = 0;

	for (i = 0; i < len && whole < cap; i++)
		whole += esc_needed(s[i], flags) ? 4 : 1;
	for (i = 0; i < len; i++) {
		w = esc_needed(s[i], flags) ? 4 : 1;
		/* When it will not all fit, keep room for "..." and the NUL. */
		if (whole >= cap && o + w + 3 + 1 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (w == 1)
			out[o++] = (char)s[i];
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hexdig[s[i] >> 4];
			out[o++] = hexdig[s[i] & 0x0f];
		}
	}
	out[o] = '\0';
	return out;
}

char *
esc_str(const char *s, unsigned flags, char *out, size_t cap)
{
	if (s == NULL)
		s = "";
	return esc_text(s, strlen(s), flags, out, cap);
}

int
esc_fwrite(const void *in, size_t len, unsigned flags, FILE *f)
{
	const unsigned char *s = in;
	char x[4] = { '\\', 'x', 0, 0 };
	size_t i, run;

	for (i = 0; i < len; i += run) {
		/* A run of bytes shown raw goes out in one write. */
		for (run = 0; i + run < len && !esc_needed(s[i + run], flags);
		    run++)
			;
		if (run > 0) {
			if (fwrite(s + i, 1, run, f) != run)
				return EOF;
			continue;
		}
		x[2] = hexdig[s[i] >> 4];
		x[3] = hexdig[s[i] & 0x0f];
		if (fwrite(x, 1, 4, f) != 4)
			return EOF;
		run = 1;
	}
	return 0;
}

int
esc_fputs(const char *s, unsigned flags, FILE *f)
{
	return esc_fwrite(s, strlen(s), flags, f);
}

int
esc_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char small[1024], *buf = small;
	va_list copy;
	int n, rc;

	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return EOF;
	if ((size_t)n >= sizeof(small)) {
		if ((buf = malloc((size_t)n + 1)) == NULL)
			return EOF;
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
	}
	rc = esc_fwrite(buf, (size_t)n, 0, f);
	if (buf != small)
		free(buf);
	return rc;
}

int
esc_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = esc_vfprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

int
esc_fprintln(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = esc_vfprintf(f, fmt, ap);
	va_end(ap);
	if (fputc('\n', f) == EOF)
		rc = EOF;
	return rc;
}

size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* no overlong form */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* no surrogate */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;	/* no overlong form */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* at most U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xbf))
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}
