/*
 * inspect_explain.c - dossier inspect BUNDLE --explain (inspect.h): every
 * check of dossier verify with its outcome and reason, without changing
 * anything.
 *
 * With a store (--store or DOSSIER_STORE) the real judge runs: the store
 * is opened, a run is begun (store_begin), judge_bundle() judges the
 * bundle exactly as dossier verify would (consuming the challenge,
 * recording a result, accepting the state) and the run is then ALWAYS
 * rolled back (store_rollback), so the store is left as it was: nothing
 * consumed, no result, no state. Without a store,
 * judge_bundle_offline() runs the checks that need none.
 *
 * For a bundle that does not pass, the diagnosis follows the checks:
 *   ima-divergence  the first entry, in log order, where the bundle's
 *                   ima.log departs from the device's enrollment log
 *                   (same position, different pcr, path or file digest):
 *                   replaying both logs gives the same PCR 10 up to the
 *                   entry before it and different values from it on, so
 *                   when ima.replay.* fails because an entry was added,
 *                   removed or changed, this is the entry to look at;
 *   finding         every failing finding of the IMA policy rules
 *                   (ima.reorder, ima.allowlist, ima.signatures,
 *                   ima.boot-aggregate, ima.violations, ima.policy),
 *                   "CHECK CLASS: entry N 'path' alg:digest ...", as the
 *                   judge names them (at most JUDGE_FINDINGS_MAX; the
 *                   rule's summary line gives the exact count).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/escape.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "format/members.h"
#include "verify/cmd.h"
#include "verify/inspect.h"
#include "verify/judge.h"
#include "verify/report.h"
#include "verify/store.h"

#define EXPLAIN_PATH_SHOWN	160

/* The next record of a log, false at its end or on an error. */
static bool
next_record(struct ima_parser *p, const uint8_t *buf, size_t len, size_t *pos,
    struct ima_record *rec)
{
	struct errbuf e;
	size_t need;

	if (*pos >= len || ima_parse_record(p, buf + *pos, len - *pos, rec,
	    &need, &e) != IMA_PARSE_RECORD)
		return false;
	*pos += rec->size;
	return true;
}

static bool
same_entry(const struct ima_record *a, const struct ima_record *b)
{
	return a->pcr == b->pcr && a->path_len == b->path_len &&
	    (a->path_len == 0 || memcmp(a->path, b->path, a->path_len) == 0) &&
	    a->file_digest_len == b->file_digest_len &&
	    (a->file_digest_len == 0 || memcmp(a->file_digest,
	    b->file_digest, a->file_digest_len) == 0);
}

static void
print_entry(FILE *f, const char *what, const struct ima_record *r)
{
	char path[EXPLAIN_PATH_SHOWN + 8], hex[2 * HASHALG_MAX_SIZE + 1];
	size_t n = r->file_digest_len > HASHALG_MAX_SIZE ? HASHALG_MAX_SIZE :
	    r->file_digest_len;

	ima_printable(r->path != NULL ? r->path : "", r->path_len, path,
	    sizeof(path));
	hex_encode(r->file_digest, n, hex);
	fprintf(f, "%s entry %" PRIu64 " pcr %" PRIu32 " %s %s\n", what,
	    r->index, r->pcr, n > 0 ? hex : "-", path);
}

/*
 * Walk the bundle's log and the reference log in order: the first entry
 * that differs (pcr, path, file digest) is where the two replays diverge.
 */
static void
show_divergence(FILE *f, const uint8_t *log, size_t len,
    const struct store_refs *refs)
{
	struct ima_parser pe, pr;
	struct ima_record re, rr;
	size_t oe = 0, or_ = 0;
	bool he, hr;

	ima_parser_init(&pe, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	ima_parser_init(&pr, refs->ima_log_alg, IMA_ORDER_UNKNOWN);
	for (;;) {
		he = next_record(&pe, log, len, &oe, &re);
		hr = next_record(&pr, refs->ima_log, refs->ima_log_len, &or_,
		    &rr);
		if (!he && !hr) {
			fprintf(f, "ima-divergence none (the log replays "
			    "entry for entry as the reference)\n");
			return;
		}
		if (he && hr && same_entry(&re, &rr))
			continue;
		if (he)
			print_entry(f, "ima-divergence", &re);
		else
			fprintf(f, "ima-divergence entry %" PRIu64 " the log "
			    "ends where the reference goes on\n", rr.index);
		if (hr)
			print_entry(f, "ima-reference", &rr);
		else
			fprintf(f, "ima-reference entry %" PRIu64 " the "
			    "reference ends here\n", re.index);
		return;
	}
}

void
inspect_print_checks(FILE *f, const struct result *r)
{
	const struct result_check *c;
	struct report rep;
	size_t i;

	report_init(&rep, f);
	for (i = 0; i < r->n_checks; i++) {
		c = &r->checks[i];
		if (c->outcome == RESULT_OK)
			report_ok(&rep, c->name, "%s", c->reason);
		else if (c->outcome == RESULT_SKIP)
			report_skip(&rep, c->name, "%s", c->reason);
		else
			report_fail(&rep, c->name, "%s", c->reason);
	}
}

/* A check of an IMA policy rule. */
static bool
policy_check(const char *name)
{
	static const char *const names[] = { "ima.reorder", "ima.allowlist",
	    "ima.signatures", "ima.boot-aggregate", "ima.violations",
	    "ima.policy" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Each failing policy finding (not the rules' summary lines). */
static void
print_findings(FILE *f, const struct result *r)
{
	const struct result_check *c;
	size_t i, n = 0;

	for (i = 0; i < r->n_checks; i++) {
		c = &r->checks[i];
		if (!policy_check(c->name) || c->outcome != RESULT_CHECK_FAIL ||
		    strncmp(c->reason, "rule '", 6) == 0)
			continue;
		esc_fprintf(f, "finding %s %s", c->name, c->reason);
		fputc('\n', f);
		n++;
	}
	fprintf(f, "findings %zu\n", n);
}

static size_t
count_skipped(const struct result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_checks; i++)
		n += r->checks[i].outcome == RESULT_SKIP;
	return n;
}

/* Judge inside a run that is always rolled back. */
static int
judge_rolled_back(struct store *s, int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *r, struct errbuf *e)
{
	int rc;

	if (store_begin(s, e) == -1)
		return -1;
	rc = judge_bundle(s, now, in, buf, len, r, NULL, e);
	if (store_rollback(s, rc == 0 ? e : NULL) == -1)
		rc = -1;
	return rc;
}

enum outcome
inspect_explain(FILE *f, const char *path, const uint8_t *buf, size_t len,
    const struct bundle_contents *bc)
{
	struct result *rp;
	struct judge_input in = { path, false, 0 };
	struct store_refs refs;
	struct store *s = NULL;
	struct errbuf e;
	const uint8_t *log;
	size_t loglen;
	int64_t now = (int64_t)time(NULL);
	bool found = false;
	enum outcome o;

	if ((rp = calloc(1, sizeof(*rp))) == NULL) {
		cmd_error("inspect: out of memory");
		return OUTCOME_ERROR;
	}
#define r (*rp)
	if (cmd_store_path() != NULL || getenv("DOSSIER_STORE") != NULL) {
		if (cmd_store_open(STORE_MUST_EXIST, &s) == -1) {
			free(rp);
			return OUTCOME_ERROR;
		}
		esc_fprintf(f, "explain store %s (judged in a run rolled back "
		    "afterwards: nothing changes)", store_path(s));
		fputc('\n', f);
		if (judge_rolled_back(s, now, &in, buf, len, &r, &e) == -1) {
			cmd_error("inspect: %s: %s", store_path(s), e.msg);
			store_close(s);
			free(rp);
			return OUTCOME_ERROR;
		}
	} else {
		fprintf(f, "explain store none (the checks that need the "
		    "store are skipped)\n");
		judge_bundle_offline(now, &in, buf, len, &r);
	}
	fprintf(f, "\n[checks]\n");
	inspect_print_checks(f, &r);
	fprintf(f, "verdict %s\n", result_verdict_name(r.verdict));
	fprintf(f, "skipped %zu\n", count_skipped(&r));
	if (r.verdict != RESULT_PASS) {
		fprintf(f, "\n[diagnosis]\n");
		memset(&refs, 0, sizeof(refs));
		log = bundle_member_data(bc, MEMBER_IMA_LOG, &loglen);
		if (log == NULL)
			fprintf(f, "ima-divergence - (the bundle has no "
			    "ima.log)\n");
		else if (s == NULL)
			fprintf(f, "ima-divergence - (no store: no reference "
			    "log)\n");
		else if (!r.has_device || store_refs_get(s, r.device_id,
		    &refs, &found, &e) == -1 || !found ||
		    refs.ima_log_alg == NULL)
			fprintf(f, "ima-divergence - (the device has no "
			    "reference IMA log)\n");
		else
			show_divergence(f, log, loglen, &refs);
		if (found)
			store_refs_free(&refs);
		print_findings(f, &r);
	}
	store_close(s);
	o = r.verdict == RESULT_PASS ? OUTCOME_HOLDS : OUTCOME_FAILS;
#undef r
	free(rp);
	return o;
}
