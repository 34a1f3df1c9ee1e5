/*
 * main.c - dossier(1), the verifier: dispatch to subcommands and map their
 * outcome to the exit status. The only place that decides exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/cmd.h"

static const struct {
	const char *name;
	enum outcome (*run)(int, char **);
	const char *summary;
} commands[] = {
	{ "ima", cmd_ima, "ascii | replay | check: IMA measurement lists" },
	{ "eventlog", cmd_eventlog, "show | replay | check: UEFI firmware event logs" },
	{ "quote", cmd_quote, "check: a TPM2_Quote against an AK" },
	{ "ekcert", cmd_ekcert, "check: an EK certificate and its chain" },
	{ "credential", cmd_credential, "make: TPM2_MakeCredential in software" },
	{ "init", cmd_init, "create the store and the verifier's signing key" },
	{ "roots", cmd_roots, "add | list | remove: trusted EK CA certificates" },
	{ "inspect", cmd_inspect, "decode any dossier file; --explain runs the checks" },
	{ "enroll", cmd_enroll, "accept enrollment bundles, issue their challenges" },
	{ "challenge", cmd_challenge, "issue challenges to enrolled devices" },
	{ "verify", cmd_verify, "judge evidence bundles, write results" },
	{ "refs", cmd_refs, "reference sets, IMA policies and keys of devices" },
	{ "evidence", cmd_evidence, "list | export | prune: the bundles judged, kept" },
	{ "devices", cmd_devices, "list | show | label | revoke: the enrolled devices" },
	{ "report", cmd_report, "the fleet's results as one HTML page or CSV" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: dossier [--store path] command [arguments] "
	    "(--store also after the command)\n"
	    "       dossier --version | --help\n\ncommands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee dossier(1) and the page of each command, "
	    "e.g. dossier-ima(1).\n", f);
}

/*
 * The global options before the command word: --store PATH and
 * --store=PATH. Returns the index of the command word, or -1 after a
 * usage error (message printed).
 */
static int
global_options(int argc, char **argv)
{
	int i = 1;

	while (i < argc && strncmp(argv[i], "--store", 7) == 0 &&
	    (argv[i][7] == '\0' || argv[i][7] == '=')) {
		if (argv[i][7] == '=') {
			cmd_set_store_option(argv[i] + 8);
			i++;
		} else if (i + 1 < argc) {
			cmd_set_store_option(argv[i + 1]);
			i += 2;
		} else {
			cmd_error("--store needs a path");
			return -1;
		}
		if (cmd_store_path()[0] == '\0') {
			cmd_error("--store: empty path");
			return -1;
		}
	}
	return i;
}

/*
 * --store after the command word (dossier verify --store S ...): taken out
 * of argv as if it came first, up to a "--". Given on both sides it is a
 * usage error. Returns the new argc, or -1 (message printed).
 */
static int
late_store_option(int argc, char **argv)
{
	const char *path;
	int i = 2, n;

	while (i < argc && strcmp(argv[i], "--") != 0) {
		if (strncmp(argv[i], "--store", 7) != 0 ||
		    (argv[i][7] != '\0' && argv[i][7] != '=')) {
			i++;
			continue;
		}
		if (argv[i][7] == '=') {
			path = argv[i] + 8;
			n = 1;
		} else if (i + 1 < argc) {
			path = argv[i + 1];
			n = 2;
		} else {
			cmd_error("%s: --store needs a path", argv[1]);
			return -1;
		}
		if (cmd_store_path() != NULL) {
			cmd_error("%s: --store given twice", argv[1]);
			return -1;
		}
		if (path[0] == '\0') {
			cmd_error("%s: --store: empty path", argv[1]);
			return -1;
		}
		cmd_set_store_option(path);
		memmove(argv + i, argv + i + n, (size_t)(argc - i - n + 1) *
		    sizeof(*argv));
		argc -= n;
	}
	return argc;
}

int
main(int argc, char **argv)
{
	size_t i;
	int c;

	/* libtss2 logs unmarshalling errors to stderr by default; our own
	 * messages already say what was malformed. */
	setenv("TSS2_LOG", "all+none", 0);

	if ((c = global_options(argc, argv)) == -1) {
		usage(stderr);
		return OUTCOME_ERROR;
	}
	argc -= c - 1;
	argv += c - 1;
	if (argc < 2) {
		usage(stderr);
		return OUTCOME_ERROR;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dossier %s\n", DOSSIER_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			if ((argc = late_store_option(argc, argv)) == -1)
				return OUTCOME_ERROR;
			return (int)commands[i].run(argc - 1, argv + 1);
		}
	cmd_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return OUTCOME_ERROR;
}
