/* err.c - see err.h. */
#include "format/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

int
err_set(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(struct errbuf *e, const char *fmt, ...)
{
	char head[ERRBUF_MAX], old[ERRBUF_MAX];
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	snprintf(e->msg, sizeof(e->msg), "%s: %s", head, old);
	return -1;
}

void
err_clear(struct errbuf *e)
{
	if (e != NULL)
		e->msg[0] = '\0';
}

int
err_openssl(struct errbuf *e, const char *what)
{
	unsigned long code, last = 0;
	char reason[256] = "unknown OpenSSL error";

	while ((code = ERR_get_error()) != 0)
		last = code;
	if (last != 0)
		ERR_error_string_n(last, reason, sizeof(reason));
	return err_set(e, "%s: %s", what, reason);
}
