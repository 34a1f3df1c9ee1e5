/* cmd_common.c - what every dossier-collect subcommand shares (cmd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "collect/cmd.h"
#include "format/escape.h"

void
collect_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dossier-collect: ", stderr);
	va_start(ap, fmt);
	esc_vfprintf(stderr, fmt, ap);	/* file and spool names are input */
	va_end(ap);
	fputc('\n', stderr);
}

const char *
collect_tcti(const char *option)
{
	const char *env;

	if (option != NULL)
		return option;
	env = getenv("DOSSIER_TCTI");
	if (env != NULL && env[0] != '\0')
		return env;
	/* tpm2-tools users expect their variable to count: say it does not */
	env = getenv("TPM2TOOLS_TCTI");
	if (env != NULL && env[0] != '\0')
		collect_error("note: TPM2TOOLS_TCTI is set to '%s' but not read; "
		    "using " COLLECT_DEFAULT_TCTI " (give --tcti or set "
		    "DOSSIER_TCTI)", env);
	return COLLECT_DEFAULT_TCTI;
}
