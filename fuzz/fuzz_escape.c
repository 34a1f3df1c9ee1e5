/*
 * fuzz_escape.c - property target for format/escape.h, the one gate
 * between input bytes and a terminal. For any input:
 *   - esc_fwrite's output holds printable ASCII only, and under
 *     ESC_FIELD it reads back (\xHH decoded) to exactly the input;
 *   - esc_text into a buffer of a size the input picks is the whole
 *     escaping when it fits, else a prefix of it that ends on an escape
 *     boundary followed by "...", always NUL-terminated within the cap;
 *   - esc_fputs, esc_fprintf and esc_fprintln (line mode, also past their 1024-byte
 *     stack buffer) print the same bytes as esc_fwrite with flags 0.
 * Byte 0 picks the flags (bits 0-1) and byte 1 the esc_text cap (8 +
 * byte); the rest is the text. Seeds: fuzz/gen-seeds.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX	8192	/* input bytes looked at */

static size_t
escaped(const uint8_t *in, size_t len, unsigned flags, char **out)
{
	size_t n = 0;
	FILE *f = open_memstream(out, &n);

	if (f == NULL || esc_fwrite(in, len, flags, f) != 0 || fclose(f) != 0)
		abort();
	return n;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 1], cut[256 + 8];
	unsigned flags;
	size_t len, n, i, o, cap;
	char *whole, *line;
	FILE *f;

	if (size < 2)
		return 0;
	flags = data[0] & (ESC_FIELD | ESC_QUOTES);
	cap = 8 + (size_t)data[1];
	len = size - 2 > TEXT_MAX ? TEXT_MAX : size - 2;
	memcpy(text, data + 2, len);
	text[len] = '\0';

	n = escaped(data + 2, len, flags, &whole);
	for (i = 0; i < n; i++)
		if (whole[i] < 0x20 || whole[i] > 0x7e)
			abort();
	if (flags & ESC_FIELD) {
		for (i = o = 0; i < n; o++) {
			int c = (unsigned char)whole[i];

			if (c == '\\') {
				if (i + 4 > n || whole[i + 1] != 'x' ||
				    hexval(whole[i + 2]) < 0 ||
				    hexval(whole[i + 3]) < 0)
					abort();
				c = hexval(whole[i + 2]) << 4 |
				    hexval(whole[i + 3]);
				i += 4;
			} else
				i++;
			if (o >= len || data[2 + o] != c)
				abort();
		}
		if (o != len)
			abort();
	}

	esc_text(data + 2, len, flags, cut, cap);
	o = strlen(cut);
	if (o >= cap)
		abort();
	if (o == n) {
		if (memcmp(cut, whole, n) != 0)
			abort();
	} else {
		if (o < 3 || memcmp(cut + o - 3, "...", 3) != 0 ||
		    memcmp(cut, whole, o - 3) != 0)
			abort();
		/* the cut ends on an escape boundary, no partial \xHH
		 * (under ESC_FIELD every backslash starts one) */
		for (i = 0; i < o - 3; i += whole[i] == '\\' ? 4 : 1)
			;
		if ((flags & ESC_FIELD) && i != o - 3)
			abort();
	}
	free(whole);

	/* line mode through printf: text stops at the first NUL */
	n = escaped((const uint8_t *)text, strlen(text), 0, &whole);
	line = NULL;
	o = 0;
	if ((f = open_memstream(&line, &o)) == NULL)
		abort();
	if (esc_fputs(text, 0, f) != 0 || esc_fprintf(f, "%s", text) != 0 ||
	    esc_fprintln(f, "%s", text) != 0 || fclose(f) != 0)
		abort();
	if (o != 3 * n + 1 || memcmp(line, whole, n) != 0 ||
	    memcmp(line + n, whole, n) != 0 ||
	    memcmp(line + 2 * n, whole, n) != 0 || line[3 * n] != '\n')
		abort();
	free(line);
	free(whole);
	return 0;
}
