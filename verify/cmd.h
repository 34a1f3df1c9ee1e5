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

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum outcome {
	OUTCOME_HOLDS = 0,
	OUTCOME_FAILS = 1,
	OUTCOME_ERROR = 2,
};

/* argv[0] is the subcommand word ("ima", "quote", ...). */
enum outcome cmd_ima(int argc, char **argv);
enum outcome cmd_eventlog(int argc, char **argv);
enum outcome cmd_quote(int argc, char **argv);
enum outcome cmd_ekcert(int argc, char **argv);
enum outcome cmd_credential(int argc, char **argv);
enum outcome cmd_init(int argc, char **argv);
enum outcome cmd_roots(int argc, char **argv);
enum outcome cmd_inspect(int argc, char **argv);
enum outcome cmd_enroll(int argc, char **argv);
enum outcome cmd_challenge(int argc, char **argv);
enum outcome cmd_verify(int argc, char **argv);
enum outcome cmd_refs(int argc, char **argv);
enum outcome cmd_evidence(int argc, char **argv);
enum outcome cmd_devices(int argc, char **argv);
enum outcome cmd_report(int argc, char **argv);

/*
 * The global --store option (main() records it before dispatching; NULL
 * when not given). Commands that use the store call cmd_store_open(),
 * which resolves the path with store_resolve_path() (the option, then
 * $DOSSIER_STORE, then the default) and opens it in mode (an enum
 * store_mode of verify/store.h). On failure it prints "dossier: PATH: why"
 * and returns -1. The store is closed with store_close().
 */
struct store;
void cmd_set_store_option(const char *path);
const char *cmd_store_path(void);
int cmd_store_open(int mode, struct store **out);

/*
 * A device of s named by arg (verify/store_devices.h): its label (labels
 * are unique, an exact label wins), else a host name its enrollment
 * bundle stated or its id in hex or a unique prefix of at least 8 hex
 * digits, which must together select one device. On failure prints
 * "dossier: CMD: device 'ARG': why" (no match; or ambiguous, listing the
 * candidates' short ids and names) and returns -1.
 */
int cmd_find_device(struct store *s, const char *cmd, const char *arg,
    uint8_t id[32]);

/*
 * What a person is shown for device id: its label, else its host name,
 * else "" (also when the store cannot say: a name is never the reason a
 * command fails). out has cap bytes; the name is cut to fit.
 */
void cmd_device_name(struct store *s, const uint8_t id[32], char *out,
    size_t cap);

/*
 * A time on the command line: "2026-01-31" (midnight UTC),
 * "2026-01-31T12:00:00Z", "@1700000000" or "1700000000"; -1 if it is none.
 */
int cmd_parse_time(const char *s, time_t *out);

/* Print "dossier: <message>" on stderr (for OUTCOME_ERROR paths); control
 * and non-ASCII bytes in the message are shown as \xHH (format/escape.h). */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
