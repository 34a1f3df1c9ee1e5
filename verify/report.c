/* report.c - see report.h. Every detail and reason is written through
 * esc_vfprintf (format/escape.h): a line is one line, whatever the input
 * it quotes. */
#include "verify/report.h"

#include <stdarg.h>

#include "format/escape.h"

void
report_init(struct report *r, FILE *out)
{
	r->out = out;
	r->passed = 0;
	r->failed = 0;
	r->skipped = 0;
}

void
report_ok(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	r->passed++;
	fprintf(r->out, "ok %s", check);
	if (fmt != NULL && *fmt != '\0') {
		fputc(' ', r->out);
		va_start(ap, fmt);
		esc_vfprintf(r->out, fmt, ap);
		va_end(ap);
	}
	fputc('\n', r->out);
}

void
report_fail(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	r->failed++;
	fprintf(r->out, "FAIL %s: ", check);
	va_start(ap, fmt);
	esc_vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

void
report_skip(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	r->skipped++;
	fprintf(r->out, "SKIP %s: ", check);
	va_start(ap, fmt);
	esc_vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}
