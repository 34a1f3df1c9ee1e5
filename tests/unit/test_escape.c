/*
 * test_escape.c - format/escape.h: what is kept, what becomes \xHH in
 * field and line mode, cutting without splitting an escape, and the
 * stream writers (through a memory stream).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format/escape.h"
#include "tests/unit/check.h"

static const char evil[] = "a\x1b[2J\r\n\\\x7f\x9b\xc3\xa9\"'z";

static void
test_text(void)
{
	char out[128];

	esc_text(evil, sizeof(evil) - 1, ESC_FIELD, out, sizeof(out));
	CHECK(strcmp(out, "a\\x1b[2J\\x0d\\x0a\\x5c\\x7f\\x9b\\xc3\\xa9\"'z") ==
	    0, "field: controls, DEL, C1, UTF-8 and backslash escaped: %s",
	    out);
	esc_text(evil, sizeof(evil) - 1, 0, out, sizeof(out));
	CHECK(strcmp(out, "a\\x1b[2J\\x0d\\x0a\\\\x7f\\x9b\\xc3\\xa9\"'z") ==
	    0, "line: the backslash is kept: %s", out);
	esc_text(evil, sizeof(evil) - 1, ESC_FIELD | ESC_QUOTES, out,
	    sizeof(out));
	CHECK(strstr(out, "\\x22\\x27z") != NULL, "quotes: ' and \" too: %s",
	    out);
	esc_text("", 0, ESC_FIELD, out, sizeof(out));
	CHECK(out[0] == '\0', "empty input: empty output");
	esc_str(NULL, ESC_FIELD, out, sizeof(out));
	CHECK(out[0] == '\0', "NULL string: empty output");
	esc_text("\x00\x01", 2, 0, out, sizeof(out));
	CHECK(strcmp(out, "\\x00\\x01") == 0, "NUL bytes in the input: %s",
	    out);
}

static void
test_cut(void)
{
	char out[12];
	size_t cap;

	esc_text("abcdefghijklmnop", 16, ESC_FIELD, out, sizeof(out));
	CHECK(strcmp(out, "abcdefgh...") == 0, "cut with ...: %s", out);
	esc_text("\x1b\x1b\x1b\x1b", 4, ESC_FIELD, out, sizeof(out));
	CHECK(strcmp(out, "\\x1b\\x1b...") == 0, "an escape is never split: "
	    "%s", out);
	esc_text("abcdefghijk", 11, ESC_FIELD, out, sizeof(out));
	CHECK(strcmp(out, "abcdefghijk") == 0, "exactly fitting: not cut");
	for (cap = 8; cap < sizeof(out); cap++) {
		memset(out, 'Z', sizeof(out));
		esc_text("\x1b" "abc\x1b\x1b" "defgh", 11, ESC_FIELD, out, cap);
		if (strlen(out) >= cap || out[cap - 1] == 'Z')
			break;
	}
	CHECK(cap == sizeof(out), "every cap from 8: NUL-terminated within it");
}

static int printf_to(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
printf_to(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = esc_vfprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

static void
test_streams(void)
{
	char *buf = NULL, *tail, big[3000];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		CHECK(0, "open_memstream");
		return;
	}
	esc_fwrite(evil, sizeof(evil) - 1, ESC_FIELD, f);
	fputc('|', f);
	esc_fputs("ok\\", 0, f);
	fputc('|', f);
	esc_fprintln(f, "%s=%d", "k\n", 5);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[2000] = '\r';
	printf_to(f, "%s", big);
	fclose(f);
	tail = strstr(buf, "=5\n");
	CHECK(strncmp(buf, "a\\x1b[2J\\x0d\\x0a\\x5c\\x7f\\x9b\\xc3\\xa9\"'z|ok\\|"
	    "k\\x0a=5\n", 52) == 0, "stream writers: %.40s", buf);
	CHECK(tail != NULL && strlen(tail + 3) == 2998 + 4 &&
	    strstr(tail, "xx\\x0dxx") != NULL && strchr(tail, '\r') == NULL,
	    "a long formatted message (past the stack buffer) is escaped "
	    "whole (%zu bytes)", len);
	free(buf);
}

int
main(void)
{
	test_text();
	test_cut();
	test_streams();
	return check_finish();
}
