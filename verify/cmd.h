/*
 * cmd.h - subcommands of dossier(1) and the outcome they report to main().
 *
 * Each subcommand parses its own options (getopt_long), does its work and
 * returns an enum outcome; it never calls exit(). main() maps the outcome
 * to the exit status documented in the man pages:
 *   OUTCOME_HOLDS  0  every check held
 *   OUTCOME_FAILS  1  at least one check failed (each printed as a FAIL line)
 *   OUTCOME_ERROR  2  usage error or I/O error (message on stderr)
 */
#ifndef DOSSIER_VERIFY_CMD_H
#define DOSSIER_VERIFY_CMD_H

enum outcome {
	OUTCOME_HOLDS = 0,
	OUTCOME_FAILS = 1,
	OUTCOME_ERROR = 2,
};

/* argv[0] is the subcommand word ("ima", "quote", ...). */
enum outcome cmd_ima(int argc, char **argv);
enum outcome cmd_quote(int argc, char **argv);
enum outcome cmd_ekcert(int argc, char **argv);
enum outcome cmd_credential(int argc, char **argv);

/* Print "dossier: <message>" on stderr (for OUTCOME_ERROR paths). */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
