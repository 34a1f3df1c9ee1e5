/*
 * cmd_info.c - `dossier-collect info`: connect to the TPM and print what
 * identifies it and which PCR banks it has.
 */
#include <getopt.h>
#include <stdio.h>

#include "collect/cmd.h"
#include "collect/tpm_conn.h"
#include "collect/tpm_info.h"

static void
info_usage(void)
{
	fputs("usage: dossier-collect info [--tcti STRING]\n", stderr);
}

enum collect_status
cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tcti_opt = NULL, *tcti;
	struct tpm_conn conn;
	struct tpm_info info;
	struct errbuf e;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			tcti_opt = optarg;
			break;
		case 'h':
			fputs("usage: dossier-collect info [--tcti STRING]\n",
			    stdout);
			return COLLECT_OK;
		default:
			collect_error("info: unknown option or missing "
			    "argument: '%s'", argv[optind - 1]);
			info_usage();
			return COLLECT_ERROR;
		}
	}
	if (optind != argc) {
		collect_error("info: unexpected argument '%s'", argv[optind]);
		info_usage();
		return COLLECT_ERROR;
	}
	tcti = collect_tcti(tcti_opt);
	if (tpm_conn_open(&conn, tcti, &e) == -1) {
		collect_error("%s", e.msg);
		return COLLECT_ERROR;
	}
	if (tpm_info_read(conn.esys, &info, &e) == -1) {
		collect_error("TCTI '%s': %s", tcti, e.msg);
		tpm_conn_close(&conn);
		return COLLECT_ERROR;
	}
	tpm_conn_close(&conn);
	printf("tcti: %s\n", tcti);
	tpm_info_print(stdout, &info);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		collect_error("info: cannot write to standard output");
		return COLLECT_ERROR;
	}
	return COLLECT_OK;
}
