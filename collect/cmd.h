/*
 * cmd.h - subcommands of dossier-collect(1) and their exit status.
 *
 * Each subcommand parses its own options (getopt_long), does its work and
 * returns an exit status; it never calls exit(). main() returns it:
 *   COLLECT_OK     0  done
 *   COLLECT_ERROR  2  usage error, I/O error or TPM error (message on stderr)
 */
#ifndef DOSSIER_COLLECT_CMD_H
#define DOSSIER_COLLECT_CMD_H

enum collect_status {
	COLLECT_OK = 0,
	COLLECT_FAILS = 1,	/* result: a verified result did not pass */
	COLLECT_ERROR = 2,
};

/* The TCTI used when neither --tcti nor DOSSIER_TCTI names one. */
#define COLLECT_DEFAULT_TCTI "device:/dev/tpmrm0"

/* argv[0] is the subcommand word ("info"). */
enum collect_status cmd_info(int argc, char **argv);
enum collect_status cmd_enroll(int argc, char **argv);
enum collect_status cmd_attest(int argc, char **argv);
enum collect_status cmd_result(int argc, char **argv);
enum collect_status cmd_tls_key(int argc, char **argv);

/* The TCTI configuration string: the option if given (non-NULL), else
 * $DOSSIER_TCTI if set and non-empty, else COLLECT_DEFAULT_TCTI. */
const char *collect_tcti(const char *option);

/* Print "dossier-collect: <message>" on stderr. */
void collect_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
