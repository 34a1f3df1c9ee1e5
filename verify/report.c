/* report.c - see report.h. Every detail and reason is written through
 * esc_vfprintf (format/escape.h): a line is one line, whatever the input
 * it quotes. */
#include "verify/report.h"

#include <stdarg.h>

#include "format/escape.h"

static void report_emit(void *, enum result_outcome, const char *,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

/* The report's check_sink: one line per check, counted. */
static void
report_emit(void *ctx, enum result_outcome o, const char *check,
    const char *fmt, va_list ap)
{
	struct report *r = ctx;

	switch (o) {
	case RESULT_OK:
		r->passed++;
		fprintf(r->out, "ok %s", check);
		if (fmt != NULL && *fmt != '\0') {
			fputc(' ', r->out);
			esc_vfprintf(r->out, fmt, ap);
		}
		fputc('\n', r->out);
		return;
	case RESULT_CHECK_FAIL:
		r->failed++;
		fprintf(r->out, "FAIL %s: ", check);
		break;
	case RESULT_SKIP:
	default:
		r->skipped++;
		fprintf(r->out, "SKIP %s: ", check);
		break;
	}
	esc_vfprintf(r->out, fmt, ap);
	fputc('\n', r->out);
}

void
report_init(struct report *r, FILE *out)
{
	r->sink.emit = report_emit;
	r->sink.ctx = r;
	r->out = out;
	r->passed = 0;
	r->failed = 0;
	r->skipped = 0;
}

void
report_ok(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&r->sink, RESULT_OK, check, fmt, ap);
	va_end(ap);
}

void
report_fail(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&r->sink, RESULT_CHECK_FAIL, check, fmt, ap);
	va_end(ap);
}

void
report_skip(struct report *r, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&r->sink, RESULT_SKIP, check, fmt, ap);
	va_end(ap);
}
