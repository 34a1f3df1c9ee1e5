/* checks.c - see checks.h. */
#include "verify/checks.h"

void
check_vemit(const struct check_sink *s, enum result_outcome o,
    const char *name, const char *fmt, va_list ap)
{
	s->emit(s->ctx, o, name, fmt, ap);
}

void
check_ok(const struct check_sink *s, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(s, RESULT_OK, name, fmt, ap);
	va_end(ap);
}

void
check_fail(const struct check_sink *s, const char *name, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(s, RESULT_CHECK_FAIL, name, fmt, ap);
	va_end(ap);
}

void
check_skip(const struct check_sink *s, const char *name, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(s, RESULT_SKIP, name, fmt, ap);
	va_end(ap);
}
