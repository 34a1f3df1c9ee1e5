/* cmd_error.c - the error line of every dossier subcommand (see cmd.h). */
#include <stdarg.h>
#include <stdio.h>

#include "format/escape.h"
#include "verify/cmd.h"

void
cmd_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dossier: ", stderr);
	va_start(ap, fmt);
	esc_vfprintf(stderr, fmt, ap);	/* names from input stay on one line */
	va_end(ap);
	fputc('\n', stderr);
}
