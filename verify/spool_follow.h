/*
 * spool_follow.h - dossier verify on a spool (dossier-spool(5)): judge
 * the evidence bundles in a spool once, or keep watching it (--follow),
 * delivering each signed result into a results spool.
 *
 * Protocol, per burst of arrivals (at most SPOOL_FOLLOW_BURST_MAX names):
 *   1. claim evidence-*.dbundle names of new/ into cur/ (other kinds and
 *      foreign names are left alone); at start, the evidence claims
 *      already in cur/ (a run that died) are taken up too;
 *   2. judge the claimed files with batch_run() (verify/batch.h) with
 *      resume set, so a bundle whose result is already committed in the
 *      store is not judged again;
 *   3. after the burst's run (every window committed), deliver the
 *      signed results together into the results spool
 *      (spool_deliver_many: one sync for all) as
 *      results-<device>-<challenge id>.dres (results-unknown-<result id>
 *      when the bundle names neither), idempotently;
 *   4. then finish every claim of the burst (spool_done_many).
 * A bundle that arrives again after its result was committed (a QoS 1
 * redelivery; same bytes, any name) is not judged again and gets no
 * second result: it is counted as a redelivery and its claim finished. A
 * claim found in cur/ at start whose result is committed (the run died
 * after the commit, before delivering) is delivered then (same name: no
 * duplicate). Two files with the same bytes in one burst: the second
 * waits, claimed, for the next burst (and is then a redelivery).
 *
 * Only one consumer takes up a spool's cur/: the spool is locked
 * (spool_lock) for the whole run; a second one is refused. Several
 * verifiers may share one store file (SQLite serializes them); its
 * challenge ledger is what makes a challenge count once.
 *
 * Follow mode watches new/ with inotify (a rescan every
 * SPOOL_FOLLOW_POLL_MS as well, and polling alone where inotify is not
 * available) until SIGINT or SIGTERM; the burst in hand is finished
 * first, then the run returns 0.
 *
 * Errors follow format/err.h: -1 for failures of the run (store, spool,
 * results spool); claims of an unfinished burst stay in cur/.
 */
#ifndef DOSSIER_VERIFY_SPOOL_FOLLOW_H
#define DOSSIER_VERIFY_SPOOL_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "format/err.h"
#include "verify/batch.h"
#include "verify/cmd.h"
#include "verify/store.h"

#define SPOOL_FOLLOW_BURST_MAX	256	/* names judged by one batch run */
#define SPOOL_FOLLOW_POLL_MS	1000	/* rescan interval of --follow */
#define SPOOL_FOLLOW_TMP_AGE	86400	/* tmp/ leftovers removed (seconds) */

struct evidence;

struct spool_follow_opts {
	const char *spool;	/* the evidence spool (must exist) */
	const char *results;	/* results spool (made when missing); NULL */
	/* With results: also deliver each result as an EAR CWT (format/
	 * ear.h), ear-DEVICE-CHALLENGE.ear beside results-DEVICE-CHALLENGE.
	 * dres. */
	bool ear;
	bool follow;		/* keep watching until a signal */
	unsigned jobs;		/* batch worker threads; 0: online CPUs */
	bool progress;
	FILE *json;		/* JSON lines of results; NULL: none */
	FILE *log;		/* one line per burst and note; NULL: none */
	/* spool_follow_cmd(): keep judged bundles in the store's evidence
	 * archive (verify/evidence.h); spool_follow_run(): that archive,
	 * opened, or NULL. */
	bool keep_evidence;
	struct evidence *evidence;
};

struct spool_follow_summary {
	struct batch_summary batch;	/* summed over the bursts */
	uint64_t bursts;
	uint64_t redelivered;		/* judged before: no second result */
	uint64_t delivered;		/* result files delivered */
};

/* Run as above; *sum (may be NULL) gets the totals. */
int spool_follow_run(struct store *s, const struct spool_follow_opts *o,
    struct spool_follow_summary *sum, struct errbuf *e);

/*
 * dossier verify on a spool: open the store (verify/cmd.h), run, print
 * the summary on standard error (JSON with summary_json). The outcome of
 * dossier verify: FAILS when a bundle failed, HOLDS otherwise (also after
 * a signal stopped --follow), ERROR when the run failed.
 */
enum outcome spool_follow_cmd(const struct spool_follow_opts *o,
    bool summary_json);

#endif
