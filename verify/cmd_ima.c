/*
 * cmd_ima.c - dossier ima ascii | replay | check: IMA measurement lists
 * (dossier-ima(1)).
 *
 * Every subcommand streams the list record by record (format/ima_log.h),
 * so memory does not grow with the list (ima check keeps its policy
 * findings, at most IMA_CHECK_KEPT, verify/ima_check.h). ima check
 * replays and evaluates the IMA policy rules in the same pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "format/ima_replay.h"
#include "format/pcr_set.h"
#include "verify/cmd.h"
#include "verify/ima_check.h"
#include "verify/report.h"

#define VIOLATIONS_LISTED 16	/* violation entries named in the report */

static const char usage_text[] =
    "usage: dossier ima ascii [--log-alg ALG] LOG\n"
    "       dossier ima replay [--bank ALG]... [--log-alg ALG] [--padded] "
    "LOG\n"
    "       dossier ima check [--log-alg ALG] [--allow-tail] LOG "
    "[--pcrs FILE]\n"
    "                         [--ref-log FILE | --refs SET]... "
    "[--policy RULE]...\n"
    "                         [--key CERT]... [--json]\n";

enum {
	OPT_BANK = 256,
	OPT_LOG_ALG,
	OPT_PADDED,
	OPT_PCRS,
	OPT_ALLOW_TAIL,
	OPT_REF_LOG,
	OPT_REFS,
	OPT_POLICY,
	OPT_KEY,
	OPT_JSON,
};

static const struct option long_opts[] = {
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "log-alg", required_argument, NULL, OPT_LOG_ALG },
	{ "padded", no_argument, NULL, OPT_PADDED },
	{ "pcrs", required_argument, NULL, OPT_PCRS },
	{ "allow-tail", no_argument, NULL, OPT_ALLOW_TAIL },
	{ "ref-log", required_argument, NULL, OPT_REF_LOG },
	{ "refs", required_argument, NULL, OPT_REFS },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct ima_opts {
	const char *sub;
	const char *log;
	const struct hashalg *log_alg;
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	size_t nbanks;
	bool padded;
	bool allow_tail;
	const char *pcrs;
	struct ima_check_opts chk;	/* policy inputs of ima check */
	bool policy_opts;		/* any of them given */
	bool json;
};

/* Append optarg to a list of at most max; -1 after a message. */
static int
push_arg(const char **list, size_t *n, size_t max, const char *opt)
{
	if (*n == max) {
		cmd_error("ima check: at most %zu %s options", max, opt);
		return -1;
	}
	list[(*n)++] = optarg;
	return 0;
}

/* A TPM bank algorithm OpenSSL can compute, or NULL after a message. */
static const struct hashalg *
bank_alg(const char *name, const char *what)
{
	const struct hashalg *a = hashalg_by_name(name);

	if (a == NULL || a->tpm_id == 0) {
		cmd_error("ima: %s '%s' is not a TPM hash algorithm", what,
		    name);
		return NULL;
	}
	if (hashalg_md(a) == NULL) {
		cmd_error("ima: %s '%s' is not available in this OpenSSL",
		    what, name);
		return NULL;
	}
	return a;
}

static int
parse_opts(int argc, char **argv, struct ima_opts *o)
{
	const struct hashalg *a;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->sub = argv[0];
	o->log_alg = hashalg_by_name("sha1");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_BANK:
			if ((a = bank_alg(optarg, "bank")) == NULL)
				return -1;
			for (i = 0; i < o->nbanks; i++)
				if (o->banks[i] == a)
					break;
			if (i < o->nbanks)
				break;
			if (o->nbanks == IMA_REPLAY_MAX_BANKS) {
				cmd_error("ima: more than %d banks",
				    IMA_REPLAY_MAX_BANKS);
				return -1;
			}
			o->banks[o->nbanks++] = a;
			break;
		case OPT_LOG_ALG:
			if ((o->log_alg = bank_alg(optarg, "--log-alg")) ==
			    NULL)
				return -1;
			break;
		case OPT_PADDED:
			o->padded = true;
			break;
		case OPT_PCRS:
			o->pcrs = optarg;
			break;
		case OPT_ALLOW_TAIL:
			o->allow_tail = true;
			break;
		case OPT_REF_LOG:
			if (push_arg(o->chk.ref_logs, &o->chk.nref_logs,
			    IMA_CHECK_INPUTS_MAX, "--ref-log") == -1)
				return -1;
			o->policy_opts = true;
			break;
		case OPT_REFS:
			if (push_arg(o->chk.refs, &o->chk.nrefs,
			    IMA_CHECK_INPUTS_MAX, "--refs") == -1)
				return -1;
			o->policy_opts = true;
			break;
		case OPT_POLICY:
			if (push_arg(o->chk.rules, &o->chk.nrules,
			    IMA_POLICY_RULES_MAX, "--policy") == -1)
				return -1;
			o->policy_opts = true;
			break;
		case OPT_KEY:
			if (push_arg(o->chk.keys, &o->chk.nkeys,
			    IMA_KEYRING_MAX, "--key") == -1)
				return -1;
			o->policy_opts = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			cmd_error("ima %s: unknown option or missing argument "
			    "'%s'", o->sub, argv[optind - 1]);
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cmd_error("ima %s: expected exactly one LOG operand", o->sub);
		fputs(usage_text, stderr);
		return -1;
	}
	o->log = argv[optind];
	return 0;
}

/* Open LOG ("-" is standard input); -1 after a message. */
static int
open_log(const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		cmd_error("%s: %s", path, strerror(errno));
	return fd;
}

static void
close_log(int fd)
{
	if (fd != STDIN_FILENO)
		close(fd);
}

/* "entry N at offset X (path)" for report lines. */
static void
entry_name(const struct ima_record *rec, char *out, size_t cap)
{
	char path[256] = "";

	if (rec->path != NULL)
		ima_printable(rec->path, rec->path_len, path, sizeof(path));
	snprintf(out, cap, "entry %llu at offset %llu%s%s%s",
	    (unsigned long long)rec->index, (unsigned long long)rec->offset,
	    rec->path != NULL ? " (" : "", path, rec->path != NULL ? ")" : "");
}

/* ---- ascii -------------------------------------------------------------- */

static enum outcome
ima_ascii(const struct ima_opts *o)
{
	struct ima_reader r;
	struct ima_record rec;
	struct errbuf e;
	struct report rep;
	enum ima_read_result res;
	enum outcome out = OUTCOME_HOLDS;
	bool tty;
	int fd;

	if ((fd = open_log(o->log)) < 0)
		return OUTCOME_ERROR;
	if (ima_reader_init(&r, fd, o->log, o->log_alg, &e) == -1) {
		cmd_error("%s", e.msg);
		close_log(fd);
		return OUTCOME_ERROR;
	}
	report_init(&rep, stdout);
	/* The kernel's format writes path bytes raw, so the file does too;
	 * a terminal gets them escaped (an IMA path is input). */
	tty = isatty(STDOUT_FILENO) == 1;
	while ((res = ima_reader_next(&r, &rec, &e)) == IMA_READ_RECORD)
		if ((tty ? ima_ascii_write_escaped(stdout, &rec) :
		    ima_ascii_write(stdout, &rec)) == -1)
			break;
	if (res == IMA_READ_RECORD || ferror(stdout)) {
		cmd_error("ima ascii: writing standard output failed");
		out = OUTCOME_ERROR;
	} else if (res == IMA_READ_IO) {
		cmd_error("%s", e.msg);
		out = OUTCOME_ERROR;
	} else if (res == IMA_READ_MALFORMED) {
		report_fail(&rep, "ima.parse", "%s", e.msg);
		out = OUTCOME_FAILS;
	}
	ima_reader_free(&r);
	close_log(fd);
	return out;
}

/* ---- replay / check ----------------------------------------------------- */

struct run {
	struct ima_replay rp;
	struct ima_check *chk;		/* ima check's policy, or NULL */
	struct report rep;
	uint64_t entries;
	bool parse_failed;
	bool io_failed;
	enum ima_byte_order order;
	uint64_t violation_at[VIOLATIONS_LISTED];
};

/*
 * Stream LOG through the replay: FAIL lines for template-digest
 * mismatches as they come and for a malformed list at the end. -1 on an
 * I/O or OpenSSL error (message printed).
 */
static int
run_log(const struct ima_opts *o, struct run *run)
{
	struct ima_reader r;
	struct ima_record rec;
	struct errbuf e;
	enum ima_read_result res;
	char who[400], hex1[2 * HASHALG_MAX_SIZE + 1];
	char hex2[2 * HASHALG_MAX_SIZE + 1];
	bool ok;
	int fd, rc = 0;

	if ((fd = open_log(o->log)) < 0)
		return -1;
	if (ima_reader_init(&r, fd, o->log, o->log_alg, &e) == -1) {
		cmd_error("%s", e.msg);
		close_log(fd);
		return -1;
	}
	while ((res = ima_reader_next(&r, &rec, &e)) == IMA_READ_RECORD) {
		if (ima_replay_record(&run->rp, &rec, &ok, &e) == -1) {
			cmd_error("%s", e.msg);
			rc = -1;
			break;
		}
		if (run->chk != NULL &&
		    ima_check_record(run->chk, &rec, &e) == -1) {
			cmd_error("%s: %s", o->log, e.msg);
			rc = -1;
			break;
		}
		if (rec.violation && run->rp.violations <= VIOLATIONS_LISTED)
			run->violation_at[run->rp.violations - 1] = rec.index;
		if (!ok) {
			entry_name(&rec, who, sizeof(who));
			hex_encode(rec.digest, rec.digest_len, hex1);
			hex_encode(run->rp.slots[run->rp.log_slot].out,
			    o->log_alg->size, hex2);
			report_fail(&run->rep, "ima.template-digest",
			    "%s: the %s template digest %s does not match its "
			    "template data (%s)", who, o->log_alg->name, hex1,
			    hex2);
		}
	}
	run->entries = run->rp.entries;
	run->order = r.parser.order;
	if (rc == 0 && res == IMA_READ_IO) {
		cmd_error("%s", e.msg);
		rc = -1;
	} else if (rc == 0 && res == IMA_READ_MALFORMED) {
		report_fail(&run->rep, "ima.parse", "%s", e.msg);
		run->parse_failed = true;
	}
	ima_reader_free(&r);
	close_log(fd);
	return rc;
}

static void
print_values(const struct ima_replay *rp, enum ima_mode mode)
{
	char hex[2 * HASHALG_MAX_SIZE + 1];
	size_t i;
	unsigned p;

	for (i = 0; i < rp->nbanks; i++)
		for (p = 0; p < IMA_PCR_COUNT; p++) {
			if (!(rp->touched & (1u << p)))
				continue;
			hex_encode(ima_replay_pcr(rp, i, mode, p),
			    rp->banks[i].alg->size, hex);
			printf("%s %u %s\n", rp->banks[i].alg->name, p, hex);
		}
}

static enum outcome
ima_replay_cmd(struct ima_opts *o)
{
	struct run run;
	struct errbuf e;
	enum ima_mode mode = o->padded ? IMA_MODE_PADDED : IMA_MODE_PER_BANK;

	if (o->nbanks == 0) {
		o->banks[o->nbanks++] = hashalg_by_name("sha1");
		o->banks[o->nbanks++] = hashalg_by_name("sha256");
	}
	memset(&run, 0, sizeof(run));
	report_init(&run.rep, stdout);
	if (ima_replay_init(&run.rp, o->banks, o->nbanks,
	    o->padded ? IMA_REPLAY_PADDED : IMA_REPLAY_PER_BANK, o->log_alg,
	    &e) == -1) {
		cmd_error("ima replay: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (run_log(o, &run) == -1) {
		ima_replay_free(&run.rp);
		return OUTCOME_ERROR;
	}
	print_values(&run.rp, mode);
	ima_replay_free(&run.rp);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("ima replay: writing standard output failed");
		return OUTCOME_ERROR;
	}
	return run.rep.failed ? OUTCOME_FAILS : OUTCOME_HOLDS;
}

/*
 * Judge one bank; returns true and *prefix when some mode matched. A bank
 * with no value for any PCR the log extends is skipped (*skipped).
 */
static bool
judge_bank(struct run *run, size_t i, uint64_t *prefix, bool *skipped)
{
	const struct ima_replay *rp = &run->rp;
	const struct hashalg *alg = rp->banks[i].alg;
	struct ima_bank_result res;
	char check[64], pcrs[128];
	enum ima_mode m;

	snprintf(check, sizeof(check), "ima.replay.%s", alg->name);
	ima_replay_result(rp, i, &res);
	*skipped = false;
	if (res.missing == rp->touched) {
		ima_pcr_list_text(rp->touched, pcrs, sizeof(pcrs));
		report_skip(&run->rep, check, "the PCR values have no %s value "
		    "for PCR %s", alg->name, pcrs);
		*skipped = true;
		return false;
	}
	if (res.missing != 0) {
		ima_pcr_list_text(res.missing, pcrs, sizeof(pcrs));
		report_fail(&run->rep, check, "no value for PCR %s in bank %s, "
		    "which the log extends", pcrs, alg->name);
		return false;
	}
	/* the longer matching prefix of the two modes */
	m = IMA_MODE_PER_BANK;
	if (!res.matched[IMA_MODE_PER_BANK] ||
	    (res.matched[IMA_MODE_PADDED] &&
	    res.prefix[IMA_MODE_PADDED] > res.prefix[IMA_MODE_PER_BANK]))
		m = IMA_MODE_PADDED;
	*prefix = res.prefix[m];
	ima_replay_bank_check(&run->rep.sink, rp, i, res.matched[m], m,
	    *prefix, run->entries, "");
	return res.matched[m];
}

static void
report_violations(struct run *run)
{
	char list[VIOLATIONS_LISTED * 22 + 8];
	size_t o = 0, i, n;

	n = run->rp.violations < VIOLATIONS_LISTED ? run->rp.violations :
	    VIOLATIONS_LISTED;
	list[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%llu",
		    i ? ", " : "", (unsigned long long)run->violation_at[i]);
	if (run->rp.violations > n)
		snprintf(list + o, sizeof(list) - o, ", ...");
	if (run->rp.violations == 0)
		report_ok(&run->rep, "ima.violations", "0 violations");
	else
		report_ok(&run->rep, "ima.violations", "%llu violation%s "
		    "(extended as 0xff): entr%s %s",
		    (unsigned long long)run->rp.violations,
		    run->rp.violations == 1 ? "" : "s",
		    run->rp.violations == 1 ? "y" : "ies", list);
}

static void
report_tail(struct run *run, uint64_t prefix, bool allow)
{
	uint64_t n = run->entries, tail = n - prefix;

	if (tail == 0) {
		report_ok(&run->rep, "ima.unquoted-tail", "none: the PCR values "
		    "cover all %llu entries", (unsigned long long)n);
		return;
	}
	if (allow)
		report_ok(&run->rep, "ima.unquoted-tail", "the PCR values cover "
		    "the first %llu of %llu entries; %llu unquoted entr%s "
		    "(%llu..%llu) allowed by --allow-tail",
		    (unsigned long long)prefix, (unsigned long long)n,
		    (unsigned long long)tail, tail == 1 ? "y" : "ies",
		    (unsigned long long)prefix, (unsigned long long)(n - 1));
	else
		report_fail(&run->rep, "ima.unquoted-tail", "the PCR values "
		    "cover the first %llu of %llu entries; %llu unquoted "
		    "entr%s (%llu..%llu) follow (--allow-tail accepts them)",
		    (unsigned long long)prefix, (unsigned long long)n,
		    (unsigned long long)tail, tail == 1 ? "y" : "ies",
		    (unsigned long long)prefix, (unsigned long long)(n - 1));
}

/* Banks of the PCR set that dossier can replay (SKIP lines for others). */
static size_t
usable_banks(const struct pcr_set *s, const struct hashalg **banks,
    struct report *rep)
{
	size_t i, n = 0;
	char check[64];

	for (i = 0; i < s->nbanks && n < IMA_REPLAY_MAX_BANKS; i++) {
		if (s->banks[i].alg->tpm_id == 0 ||
		    hashalg_md(s->banks[i].alg) == NULL) {
			snprintf(check, sizeof(check), "ima.replay.%s",
			    s->banks[i].alg->name);
			report_skip(rep, check, "%s is not available in this "
			    "OpenSSL", s->banks[i].alg->name);
			continue;
		}
		banks[n++] = s->banks[i].alg;
	}
	return n;
}

static int
load_pcrs(const char *path, struct pcr_set *s)
{
	struct errbuf e;

	if (pcr_set_read_file(path, s, NULL, &e) == -1) {
		cmd_error("%s", e.msg);
		return -1;
	}
	return 0;
}

/* The replay's checks; *quoted: the entries the PCR values cover (all of
 * them when nothing matched or there are no PCR values). */
static void
judge(struct run *run, const struct ima_opts *o, uint64_t *quoted)
{
	uint64_t prefix, minp = UINT64_MAX, maxp = 0;
	size_t i, matched = 0, skipped = 0;
	bool skip;

	*quoted = run->entries;

	if (!run->parse_failed)
		report_ok(&run->rep, "ima.parse", "%llu entries, %s, %s "
		    "template-digest column", (unsigned long long)run->entries,
		    ima_byte_order_name(run->order), o->log_alg->name);
	if (run->rp.column_mismatches == 0)
		report_ok(&run->rep, "ima.template-digest", "%llu template "
		    "digests match their template data",
		    (unsigned long long)(run->entries - run->rp.violations));
	report_violations(run);
	if (o->pcrs == NULL) {
		report_skip(&run->rep, "ima.replay", "no PCR values (--pcrs)");
		return;
	}
	if (run->entries == 0) {
		report_fail(&run->rep, "ima.replay", "the log has no entries");
		return;
	}
	for (i = 0; i < run->rp.nbanks; i++) {
		if (judge_bank(run, i, &prefix, &skip)) {
			matched++;
			minp = prefix < minp ? prefix : minp;
			maxp = prefix > maxp ? prefix : maxp;
		}
		skipped += skip;
	}
	if (skipped == run->rp.nbanks) {
		report_fail(&run->rep, "ima.replay", "no bank in %s has values "
		    "for the PCRs the log extends", o->pcrs);
		return;
	}
	if (matched == 0)
		return;
	if (minp != maxp)
		report_fail(&run->rep, "ima.replay.prefix", "the banks match "
		    "different prefixes of the log (%llu and %llu entries)",
		    (unsigned long long)minp, (unsigned long long)maxp);
	report_tail(run, minp, o->allow_tail);
	*quoted = minp;
}

/* Start the replay: the PCR file's banks, or sha1 alone (template-digest
 * checks) without one. -1 after a message. */
static int
start_replay(struct ima_opts *o, struct pcr_set *set, struct run *run)
{
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	struct errbuf e;
	size_t nbanks = 1;

	banks[0] = hashalg_by_name("sha1");
	if (o->pcrs != NULL) {
		if (load_pcrs(o->pcrs, set) == -1)
			return -1;
		o->chk.pcrs = set;
		if ((nbanks = usable_banks(set, banks, &run->rep)) == 0) {
			report_fail(&run->rep, "ima.replay", "%s has no bank "
			    "dossier can replay", o->pcrs);
			return 1;
		}
	}
	if (ima_replay_init(&run->rp, banks, nbanks, IMA_REPLAY_BOTH,
	    o->log_alg, &e) == -1) {
		cmd_error("ima check: %s", e.msg);
		return -1;
	}
	if (o->pcrs != NULL)
		ima_replay_expect(&run->rp, set);
	return 0;
}

/* The run proper, once the replay is started. */
static enum outcome
check_log(struct ima_opts *o, struct run *run, FILE *out)
{
	struct errbuf e;
	uint64_t quoted;

	o->chk.log_alg = o->log_alg;
	if (ima_check_new(&o->chk, &run->chk, &e) == -1) {
		cmd_error("ima check: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (run_log(o, run) == -1)
		return OUTCOME_ERROR;
	judge(run, o, &quoted);
	if (run->chk != NULL && ima_check_end(run->chk, run->entries, quoted,
	    &run->rep, &e) == -1) {
		cmd_error("ima check: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (o->json && ima_check_json(run->chk, out, o->log, run->entries,
	    run->rp.violations, o->pcrs != NULL && quoted <= run->entries,
	    quoted, !run->rep.failed) == -1)
		return OUTCOME_ERROR;
	return run->rep.failed ? OUTCOME_FAILS : OUTCOME_HOLDS;
}

static enum outcome
ima_check_cmd(struct ima_opts *o)
{
	struct pcr_set *set;
	struct run *run;
	FILE *lines = stdout;
	enum outcome out = OUTCOME_ERROR;
	int rc;

	if (o->pcrs == NULL && !o->policy_opts) {
		cmd_error("ima check: give --pcrs FILE, a reference (--ref-log, "
		    "--refs) or --policy");
		fputs(usage_text, stderr);
		return OUTCOME_ERROR;
	}
	if (o->nbanks > 0 || o->padded) {
		cmd_error("ima check: --bank and --padded do not apply: the "
		    "banks are those of the PCR file, both modes are tried");
		return OUTCOME_ERROR;
	}
	set = calloc(1, sizeof(*set));
	run = calloc(1, sizeof(*run));
	if (o->json && (lines = fopen("/dev/null", "w")) == NULL) {
		cmd_error("ima check: /dev/null: cannot open");
		lines = stdout;
		goto done;
	}
	if (set == NULL || run == NULL) {
		cmd_error("ima check: out of memory");
		goto done;
	}
	report_init(&run->rep, lines);
	if ((rc = start_replay(o, set, run)) != 0) {
		out = rc > 0 ? OUTCOME_FAILS : OUTCOME_ERROR;
		if (rc > 0 && o->json)
			ima_check_json(NULL, stdout, o->log, 0, 0, false, 0,
			    false);
		goto done;
	}
	out = check_log(o, run, stdout);
	ima_replay_free(&run->rp);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("ima check: writing standard output failed");
		out = OUTCOME_ERROR;
	}
done:
	if (lines != stdout)
		fclose(lines);
	if (run != NULL)
		ima_check_free(run->chk);
	free(run);
	free(set);
	return out;
}

enum outcome
cmd_ima(int argc, char **argv)
{
	struct ima_opts o;
	int rc;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? OUTCOME_ERROR : OUTCOME_HOLDS;
	}
	if ((rc = parse_opts(argc - 1, argv + 1, &o)) != 0)
		return rc > 0 ? OUTCOME_HOLDS : OUTCOME_ERROR;
	if (strcmp(o.sub, "ascii") == 0) {
		if (o.nbanks > 0 || o.padded || o.pcrs != NULL ||
		    o.allow_tail || o.policy_opts || o.json) {
			cmd_error("ima ascii: only --log-alg applies");
			return OUTCOME_ERROR;
		}
		return ima_ascii(&o);
	}
	if (strcmp(o.sub, "replay") == 0) {
		if (o.pcrs != NULL || o.allow_tail || o.policy_opts ||
		    o.json) {
			cmd_error("ima replay: --pcrs, --allow-tail and the "
			    "policy options belong to ima check");
			return OUTCOME_ERROR;
		}
		return ima_replay_cmd(&o);
	}
	if (strcmp(o.sub, "check") == 0)
		return ima_check_cmd(&o);
	cmd_error("ima: unknown subcommand '%s'", o.sub);
	fputs(usage_text, stderr);
	return OUTCOME_ERROR;
}
