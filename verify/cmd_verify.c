/*
 * cmd_verify.c - dossier verify: judge evidence bundles against the store.
 *
 *   dossier [--store PATH] verify [-q] [-j N] [-o RESULTS] [--signed DIR]
 *       [--ear DIR [--ear-format cwt|jwt]] [--window N] [--resume]
 *       [--summary text|json] INPUT...
 *
 * Every bundle of the inputs (verify/inputs.h) is judged by the batch
 * engine (verify/batch.h): worker threads, effects applied in input order,
 * committed every window of results. Results: one JSON line per bundle
 * (format/results.h) on standard output as each window commits, or with
 * -o written atomically to RESULTS at the end of the run (a temporary file
 * in the same directory, fsync, rename; none on an error); with --signed
 * DIR also one signed result file per bundle, DIR/<device-hex>-
 * <challenge-hex>.dres (unidentified-<result-id>.dres when the bundle
 * names no device or challenge; "-2", "-3", ... added to a name already
 * taken), written when its window is committed; with --ear DIR the same
 * result as an IETF RATS EAR (format/ear.h), DIR/<name>.cwt or, with
 * --ear-format jwt, DIR/<name>.jwt, named and written the same way. A
 * summary goes to
 * standard error (one JSON object with --summary json).
 *
 * Outcome: HOLDS if every bundle passed (or there were none), FAILS if
 * any failed or was unreadable, ERROR on a usage error, a missing or
 * unreadable store or input path, or an output that cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format/escape.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/results.h"
#include "spool/spool.h"
#include "verify/batch.h"
#include "verify/cmd.h"
#include "verify/evidence.h"
#include "verify/inputs.h"
#include "verify/judge.h"
#include "verify/spool_follow.h"
#include "verify/store.h"
#include "verify/store_devices.h"

#define VERIFY_SIGNED_TRIES	1000	/* "-2" .. suffixes tried */
#define VERIFY_SUMMARY_SHOWN	100	/* failing bundles listed */
#define VERIFY_WINDOW_MAX	1000000	/* --window */

struct verify_args {
	const char *out;	/* -o; NULL: standard output */
	const char *signed_dir;	/* --signed */
	const char *ear_dir;	/* --ear */
	bool ear_jwt;		/* --ear-format jwt */
	bool ear_format;	/* --ear-format given */
	unsigned jobs;		/* --jobs; 0: online CPUs */
	unsigned window;	/* --window; 0: BATCH_WINDOW_DEFAULT */
	bool resume;		/* --resume */
	bool quiet;		/* -q */
	bool summary_json;	/* --summary json */
	bool follow;		/* --follow (a spool) */
	const char *results;	/* --results SPOOL */
	bool no_evidence;	/* --no-evidence */
	char *const *inputs;
	size_t ninputs;
};

struct verify_run {
	const struct verify_args *a;
	struct store *s;
	struct evidence *ev;		/* NULL with --no-evidence */
	char tmp[PATH_MAX];		/* -o: the temporary file */
	FILE *out;
	char *failures;			/* failing bundles, for stderr */
	size_t failures_len;
	uint64_t shown;
};

static void
verify_usage(FILE *f)
{
	fputs("usage: dossier [--store path] verify [-q] [-j jobs] "
	    "[-o results] [--signed dir]\n"
	    "           [--ear dir [--ear-format cwt|jwt]] [--window n]\n"
	    "           [--resume] [--summary text|json] "
	    "[--no-evidence] input...\n"
	    "       dossier [--store path] verify [-q] [-j jobs] [--follow] "
	    "[--results spool\n"
	    "           [--ear-format cwt]] [--no-evidence] spool\n", f);
}

static int
parse_count(const char *opt, const char *arg, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > max) {
		cmd_error("verify: %s %s: a number from 1 to %u", opt, arg,
		    max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* One option (ch, optarg); -1 after reporting a usage error. */
static int
verify_option(int ch, const char *arg, struct verify_args *a)
{
	switch (ch) {
	case 'o':
		a->out = arg;
		return 0;
	case 's':
		a->signed_dir = arg;
		return 0;
	case 'E':
		a->ear_dir = arg;
		return 0;
	case 'T':
		if (strcmp(arg, "cwt") == 0 || strcmp(arg, "jwt") == 0) {
			a->ear_jwt = arg[0] == 'j';
			a->ear_format = true;
			return 0;
		}
		cmd_error("verify: --ear-format %s: cwt or jwt", arg);
		return -1;
	case 'j':
		return parse_count("--jobs", arg, BATCH_JOBS_MAX, &a->jobs);
	case 'w':
		return parse_count("--window", arg, VERIFY_WINDOW_MAX,
		    &a->window);
	case 'r':
		a->resume = true;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	case 'F':
		a->follow = true;
		return 0;
	case 'R':
		a->results = arg;
		return 0;
	case 'N':
		a->no_evidence = true;
		return 0;
	case 'S':
		if (strcmp(arg, "json") == 0 || strcmp(arg, "text") == 0) {
			a->summary_json = arg[0] == 'j';
			return 0;
		}
		cmd_error("verify: --summary %s: text or json", arg);
		return -1;
	default:
		return -1;
	}
}

static enum outcome
check_verify_args(struct verify_args *a)
{
	struct stat sb;

	if (a->out != NULL && a->out[0] == '\0') {
		cmd_error("verify: -o needs a file name");
		return OUTCOME_ERROR;
	}
	if (a->signed_dir != NULL && (stat(a->signed_dir, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode))) {
		cmd_error("verify: --signed %s: not a directory",
		    a->signed_dir);
		return OUTCOME_ERROR;
	}
	if (a->ear_dir != NULL && (stat(a->ear_dir, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode))) {
		cmd_error("verify: --ear %s: not a directory", a->ear_dir);
		return OUTCOME_ERROR;
	}
	if (a->ear_format && a->ear_dir == NULL && a->results == NULL) {
		cmd_error("verify: --ear-format goes with --ear DIR or "
		    "--results SPOOL");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

static enum outcome
parse_verify_args(int argc, char **argv, struct verify_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "signed", required_argument, NULL, 's' },
		{ "ear", required_argument, NULL, 'E' },
		{ "ear-format", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "window", required_argument, NULL, 'w' },
		{ "resume", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "summary", required_argument, NULL, 'S' },
		{ "follow", no_argument, NULL, 'F' },
		{ "results", required_argument, NULL, 'R' },
		{ "no-evidence", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:j:qh", longopts, NULL)) !=
	    -1) {
		if (ch == 'h') {
			verify_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		}
		if (ch == '?' || ch == ':') {
			cmd_error("verify: unknown option or missing argument "
			    "'%s'", argv[optind - 1]);
			verify_usage(stderr);
			return OUTCOME_ERROR;
		}
		if (verify_option(ch, optarg, a) == -1)
			return OUTCOME_ERROR;
	}
	if (optind == argc) {
		cmd_error("verify: no input (a file, directory, archive or -)");
		verify_usage(stderr);
		return OUTCOME_ERROR;
	}
	a->inputs = argv + optind;
	a->ninputs = (size_t)(argc - optind);
	return check_verify_args(a);
}

/* ---- results file -------------------------------------------------------- */

static int
open_results(struct verify_run *v, struct errbuf *e)
{
	const char *slash = strrchr(v->a->out, '/');
	int fd, n;

	if (slash == NULL)
		n = snprintf(v->tmp, sizeof(v->tmp), ".%s.XXXXXX", v->a->out);
	else
		n = snprintf(v->tmp, sizeof(v->tmp), "%.*s/.%s.XXXXXX",
		    (int)(slash - v->a->out), v->a->out, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(v->tmp))
		return err_set(e, "%s: name too long", v->a->out);
	if ((fd = mkstemp(v->tmp)) == -1) {
		err_set(e, "%s: a temporary file next to it: %s", v->a->out,
		    strerror(errno));
		v->tmp[0] = '\0';
		return -1;
	}
	if ((v->out = fdopen(fd, "w")) == NULL) {
		close(fd);
		return err_set(e, "%s: %s", v->tmp, strerror(errno));
	}
	return 0;
}

static int
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* fsync, rename over RESULTS, fsync the directory. */
static int
close_results(struct verify_run *v, struct errbuf *e)
{
	FILE *f = v->out;

	v->out = NULL;
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		err_set(e, "%s: %s", v->tmp, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) == EOF)
		return err_set(e, "%s: %s", v->tmp, strerror(errno));
	if (rename(v->tmp, v->a->out) == -1)
		return err_set(e, "%s: %s", v->a->out, strerror(errno));
	v->tmp[0] = '\0';
	if (fsync_dir_of(v->a->out) == -1)
		return err_set(e, "%s: directory: %s", v->a->out,
		    strerror(errno));
	return 0;
}

static void
drop_results(struct verify_run *v)
{
	if (v->out != NULL)
		fclose(v->out);
	v->out = NULL;
	if (v->tmp[0] != '\0')
		unlink(v->tmp);
	v->tmp[0] = '\0';
}

/* ---- per result, after its window committed ------------------------------ */

/* Write one signed file (data, len) as DIR/<name>.EXT under a name not yet
 * taken. */
static int
write_signed(const char *dir, const struct batch_done *d, const char *ext,
    const uint8_t *data, size_t len, struct errbuf *e)
{
	const struct result *r = d->r;
	char base[160], path[4096], dev[65], chal[33], rid[33];
	unsigned i;

	if (r->has_device && r->has_challenge) {
		hex_encode(r->device_id, sizeof(r->device_id), dev);
		hex_encode(r->challenge_id, sizeof(r->challenge_id), chal);
		snprintf(base, sizeof(base), "%s-%s", dev, chal);
	} else {
		hex_encode(d->result_id, STORE_ID_LEN, rid);
		snprintf(base, sizeof(base), "unidentified-%s", rid);
	}
	for (i = 1; i <= VERIFY_SIGNED_TRIES; i++) {
		if (i == 1)
			snprintf(path, sizeof(path), "%s/%s.%s", dir, base,
			    ext);
		else
			snprintf(path, sizeof(path), "%s/%s-%u.%s", dir,
			    base, i, ext);
		if (access(path, F_OK) == -1)
			return file_write_atomic(path, data, len, e);
	}
	return err_set(e, "%s/%s.%s: too many results of that name", dir,
	    base, ext);
}

static int
note_failure(struct verify_run *v, const struct result *r, struct errbuf *e)
{
	const struct result_check *f = judge_first_failure(r);
	char line[ESC_SHOWN_SIZE(RESULT_INPUT_MAX + RESULT_REASON_MAX) + 128];
	char input[ESC_SHOWN_SIZE(RESULT_INPUT_MAX)];
	char reason[ESC_SHOWN_SIZE(RESULT_REASON_MAX)], *nb;
	char name[STORE_LABEL_MAX + 1], shown[ESC_SHOWN_SIZE(32) + 4];
	size_t n;

	if (r->verdict == RESULT_PASS || v->shown++ >= VERIFY_SUMMARY_SHOWN)
		return 0;
	/* The input's name is a file or archive entry name, the reason may
	 * quote input: neither reaches the terminal raw (format/escape.h). */
	esc_str(r->input, ESC_FIELD, input, sizeof(input));
	esc_str(f != NULL ? f->reason : "", 0, reason, sizeof(reason));
	/* The device's name (dossier-devices(1)), as the bundle claims it:
	 * a person knows "kiosk-7", not 9ce2f9e6.... */
	name[0] = shown[0] = '\0';
	if (r->has_device)
		cmd_device_name(v->s, r->device_id, name, sizeof(name));
	if (name[0] != '\0') {
		shown[0] = ' ';
		shown[1] = '(';
		esc_str(name, ESC_FIELD, shown + 2, sizeof(shown) - 3);
		strcat(shown, ")");
	}
	snprintf(line, sizeof(line), "  %-5s %s%s: %s: %s\n",
	    result_verdict_name(r->verdict), input, shown,
	    f != NULL ? f->name : "?", reason);
	n = strlen(line);
	if ((nb = realloc(v->failures, v->failures_len + n + 1)) == NULL)
		return err_set(e, "out of memory");
	memcpy(nb + v->failures_len, line, n + 1);
	v->failures = nb;
	v->failures_len += n;
	return 0;
}

static int
on_done(void *arg, const struct batch_done *d, struct errbuf *e)
{
	struct verify_run *v = arg;

	if (note_failure(v, d->r, e) == -1)
		return -1;
	if (v->a->signed_dir != NULL && write_signed(v->a->signed_dir, d,
	    "dres", d->signed_result, d->signed_len, e) == -1)
		return -1;
	if (v->a->ear_dir != NULL && write_signed(v->a->ear_dir, d,
	    v->a->ear_jwt ? "jwt" : "cwt", d->ear, d->ear_len, e) == -1)
		return -1;
	return 0;
}

/* ---- the run ------------------------------------------------------------- */

static void
print_summary(const struct verify_run *v, const struct batch_summary *sum)
{
	struct errbuf e;
	char *json;

	if (v->a->summary_json) {
		if (batch_summary_json(sum, &json, &e) == -1) {
			cmd_error("verify: summary: %s", e.msg);
			return;
		}
		fprintf(stderr, "%s\n", json);
		free(json);
		return;
	}
	batch_summary_print(sum, stderr);
	esc_fprintf(stderr, "verify: results %s%s%s", v->a->out ? "in " :
	    "on standard output", v->a->out ? v->a->out : "",
	    v->a->signed_dir || v->a->ear_dir ? " (signed files written)" :
	    "");
	fputc('\n', stderr);
	if (v->failures != NULL)
		fputs(v->failures, stderr);
	if (v->shown > VERIFY_SUMMARY_SHOWN)
		fprintf(stderr, "  ... and %llu more\n", (unsigned long long)
		    (v->shown - VERIFY_SUMMARY_SHOWN));
}

static enum outcome
run_verify(struct verify_run *v)
{
	struct batch_opts o;
	struct batch_summary sum;
	struct errbuf e;

	memset(&o, 0, sizeof(o));
	o.jobs = v->a->jobs;
	o.window = v->a->window;
	o.resume = v->a->resume;
	o.sign = v->a->signed_dir != NULL || v->a->ear_dir != NULL;
	o.ear = v->a->ear_dir == NULL ? BATCH_EAR_NONE : v->a->ear_jwt ?
	    BATCH_EAR_JWT : BATCH_EAR_CWT;
	o.progress = !v->a->quiet && isatty(STDERR_FILENO);
	o.done = on_done;
	o.done_arg = v;
	o.now = (int64_t)time(NULL);
	if (v->a->out != NULL && open_results(v, &e) == -1) {
		cmd_error("verify: %s (nothing recorded in the store)", e.msg);
		return OUTCOME_ERROR;
	}
	o.json = v->a->out != NULL ? v->out : stdout;
	o.evidence = v->ev;
	memset(&sum, 0, sizeof(sum));
	if (batch_run(v->s, &o, v->a->inputs, v->a->ninputs, &sum,
	    &e) == -1) {
		drop_results(v);
		cmd_error("verify: %s (windows committed before stay recorded; "
		    "--resume goes on from there)", e.msg);
		return OUTCOME_ERROR;
	}
	if (v->a->out != NULL && close_results(v, &e) == -1) {
		drop_results(v);
		cmd_error("verify: %s (the results are recorded in the store)",
		    e.msg);
		return OUTCOME_ERROR;
	}
	print_summary(v, &sum);
	return sum.count[RESULT_FAIL] + sum.count[RESULT_ERROR] > 0 ?
	    OUTCOME_FAILS : OUTCOME_HOLDS;
}

enum outcome
cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	struct verify_run v;
	struct errbuf e;
	enum outcome o;
	bool help;

	if ((o = parse_verify_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return o;
	if (inputs_check(a.inputs, a.ninputs, &e) == -1) {
		cmd_error("verify: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (a.follow || a.results != NULL || spool_is_spool(a.inputs[0])) {
		struct spool_follow_opts so = { .spool = a.inputs[0],
		    .results = a.results, .follow = a.follow, .jobs = a.jobs,
		    .progress = !a.quiet && isatty(STDERR_FILENO),
		    .json = stdout, .log = stderr,
		    .keep_evidence = !a.no_evidence,
		    .ear = a.ear_format };

		if (a.ninputs > 1 || a.out != NULL || a.signed_dir != NULL ||
		    a.ear_dir != NULL) {
			cmd_error("verify: a spool is verified alone, results "
			    "into --results SPOOL");
			return OUTCOME_ERROR;
		}
		if (a.ear_jwt) {
			cmd_error("verify: EARs in a results spool are CWTs, "
			    "which devices decode: --ear-format cwt (JWTs go "
			    "to --ear DIR)");
			return OUTCOME_ERROR;
		}
		return spool_follow_cmd(&so, a.summary_json);
	}
	memset(&v, 0, sizeof(v));
	v.a = &a;
	if (cmd_store_open(STORE_MUST_EXIST, &v.s) == -1)
		return OUTCOME_ERROR;
	if (!a.no_evidence && evidence_open(store_path(v.s), true, &v.ev,
	    &e) == -1) {
		cmd_error("verify: %s", e.msg);
		store_close(v.s);
		return OUTCOME_ERROR;
	}
	o = run_verify(&v);
	evidence_close(v.ev);
	store_close(v.s);
	free(v.failures);
	return o;
}
