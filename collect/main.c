/*
 * main.c - dossier-collect(1), the device side: dispatch to subcommands and
 * return their exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cmd.h"

static const struct {
	const char *name;
	enum collect_status (*run)(int, char **);
	const char *summary;
} commands[] = {
	{ "info", cmd_info, "identify the TPM: manufacturer, firmware, PCR banks" },
	{ "enroll", cmd_enroll, "set up EK and AK, pin the verifier, write an enrollment bundle" },
	{ "attest", cmd_attest, "answer a verifier's challenge with an evidence bundle" },
	{ "result", cmd_result, "check the verifier's results for this device" },
	{ "tls-key", cmd_tls_key, "create a TLS client key in the TPM and a request for it" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: dossier-collect [--tcti tcti] command [arguments]\n"
	    "       dossier-collect --version | --help\n\ncommands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nThe TPM is reached through the TCTI named by --tcti, else "
	    "$DOSSIER_TCTI,\nelse " COLLECT_DEFAULT_TCTI ". "
	    "See dossier-collect(1).\n", f);
}

/*
 * --tcti before the command word (dossier-collect --tcti X info): moved
 * after it, where every command reads it, so both places work. Returns
 * -1 (message printed) when --tcti has no value.
 */
static int
early_tcti(int argc, char **argv)
{
	char *opt[2];
	int n;

	if (strncmp(argv[1], "--tcti", 6) != 0 ||
	    (argv[1][6] != '\0' && argv[1][6] != '='))
		return 0;
	n = argv[1][6] == '=' ? 1 : 2;
	if (argc < 1 + n + 1) {
		collect_error("--tcti needs a TCTI and a command after it");
		return -1;
	}
	/* [prog, --tcti, X, cmd, ...] becomes [prog, cmd, --tcti, X, ...] */
	opt[0] = argv[1];
	opt[1] = argv[2];
	argv[1] = argv[1 + n];
	argv[2] = opt[0];
	if (n == 2)
		argv[3] = opt[1];
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	/* libtss2 logs every failure to stderr by default; our messages
	 * already name the TCTI and the decoded error. */
	setenv("TSS2_LOG", "all+none", 0);

	if (argc < 2 || early_tcti(argc, argv) == -1) {
		usage(stderr);
		return COLLECT_ERROR;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dossier-collect %s\n", DOSSIER_VERSION);
		return COLLECT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return COLLECT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return (int)commands[i].run(argc - 1, argv + 1);
	collect_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return COLLECT_ERROR;
}
