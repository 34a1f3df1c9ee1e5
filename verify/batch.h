/*
 * batch.h - judge a stream of evidence bundles with worker threads:
 * the engine of dossier verify (and of dossier verify --follow).
 *
 * Inputs are walked as verify/inputs.h says, streaming: a bundle is read,
 * judged on one of the worker threads and released; memory does not grow
 * with the number of bundles. Store effects (challenge consumption, result
 * rows, accepted state, enrollment) are applied by one thread in INPUT
 * ORDER, so verdicts and output order do not depend on the number of
 * threads. They are committed once per window of BATCH_WINDOW_DEFAULT
 * results (and at the end): a run killed at any point leaves the store
 * as of its last committed window.
 *
 * Resume: with resume set, a bundle whose SHA-256 already has a committed
 * result in the store is not judged again; its stored result is reported
 * (resumed = true), so a rerun over the same inputs yields the complete
 * set of results, each bundle counted once. Unreadable inputs have no
 * bundle digest and are judged (as unreadable) again. The lookup is
 * repeated by the committing thread under the write lock, before
 * judge_finish() consumes anything: a result another verifier sharing the
 * store committed for the same bytes during this run is reported as
 * resumed too (this run's own results are not: a bundle given twice in
 * one run is judged twice).
 *
 * Callbacks: done() is called for every input, in input order, after the
 * window holding its result was committed (so a consumer that removes an
 * input file on done() never loses a judgement).
 *
 * Errors follow format/err.h: -1 only for failures of the run itself
 * (store, output, an input path that vanished); findings about bundles are
 * results, never errors. On -1 the current window is rolled back; earlier
 * windows stay committed.
 */
#ifndef DOSSIER_VERIFY_BATCH_H
#define DOSSIER_VERIFY_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/err.h"
#include "format/results.h"
#include "verify/store.h"

#define BATCH_JOBS_MAX		256	/* --jobs */
#define BATCH_WINDOW_DEFAULT	256	/* results per committed window */
#define BATCH_QUEUE_BYTES	((size_t)64 << 20)	/* read ahead, default */
/* Page cache of the committing connection: a 10k-device ledger's pages
 * (challenges and their indexes, ~4 MiB) and a window's new result pages
 * stay in memory instead of being re-read and spilled (store_set_cache) */
#define BATCH_STORE_CACHE_KIB	8192
#define BATCH_REASONS_SHOWN	10	/* most frequent failure reasons */
#define BATCH_SLOWEST_SHOWN	5	/* slowest bundles in the summary */

/* One input's committed outcome, for the done() callback. */
struct batch_done {
	uint64_t seq;			/* 0-based position in input order */
	const char *input;		/* as named in results */
	const struct result *r;
	const uint8_t *result_id;	/* STORE_ID_LEN bytes */
	const uint8_t *signed_result;	/* opts.sign: the .dres bytes */
	size_t signed_len;
	const uint8_t *ear;		/* opts.ear: the EAR (format/ear.h) */
	size_t ear_len;
	bool resumed;			/* judged and committed by an earlier run */
};

typedef int (*batch_done_fn)(void *arg, const struct batch_done *d,
    struct errbuf *e);

struct batch_opts {
	unsigned jobs;		/* worker threads; 0: online CPUs */
	unsigned window;	/* results per commit; 0: BATCH_WINDOW_DEFAULT */
	bool resume;
	bool sign;		/* make signed results (store's verifier key) */
	/* With sign: also make each result an EAR (format/ear.h), signed
	 * by the same key as a CWT or a JWT; its eat_nonce is the quote's
	 * extraData, read again from the bundle when quote.nonce passed. */
	enum { BATCH_EAR_NONE, BATCH_EAR_CWT, BATCH_EAR_JWT } ear;
	bool progress;		/* progress bar on stderr (caller checks isatty) */
	FILE *json;		/* JSON lines in input order; NULL: none */
	batch_done_fn done;	/* may be NULL */
	void *done_arg;
	int64_t now;		/* verifier time of the run */
	/* Bundle bytes read ahead and not yet judged, at most (one bundle
	 * may exceed it alone); 0: BATCH_QUEUE_BYTES (64 MiB). */
	size_t queue_bytes;
	/* The store's evidence archive (verify/evidence.h): every bundle
	 * whose manifest signature verified is kept there by the worker that
	 * judged it, and the archive is synced before each commit; NULL:
	 * nothing is kept. */
	struct evidence *evidence;
};

struct batch_summary {
	uint64_t count[3];		/* by enum result_verdict */
	uint64_t resumed;		/* of those, taken from earlier runs */
	uint64_t bundles;		/* inputs seen */
	uint64_t ima_entries;		/* IMA records judged */
	double seconds;			/* wall time of the run */
	/* The most frequent failure reasons (first failed check name). */
	size_t nreasons;
	struct { char check[RESULT_CHECK_NAME_MAX + 1]; uint64_t n; }
	    reasons[BATCH_REASONS_SHOWN];
	size_t nslowest;
	struct { char input[RESULT_INPUT_MAX + 1]; double seconds; }
	    slowest[BATCH_SLOWEST_SHOWN];
};

/*
 * The engine piece by piece (batch_run() is open, add per input, close;
 * dossier verify --follow adds items as they arrive and syncs when idle).
 *
 * batch_open(): start the worker threads, each with its own read-only
 * connection to s's file (STORE_READ_ONLY); s itself is used by the
 * calling thread only, which applies the effects (judge_finish()) inside
 * store runs of o->window results. o is copied. With o->resume, results
 * committed before batch_open() count as done (not those of this run:
 * a bundle given twice in one run is judged twice, the second a replay).
 *
 * batch_add(): queue one input (its bytes and names are copied; unreadable
 * when it->data is NULL). May block while the queue is full, meanwhile
 * applying finished judgements in input order.
 *
 * batch_sync(): wait for everything added so far, apply it, commit the
 * open window, write its JSON lines and call done() for each.
 *
 * batch_close(): batch_sync() (unless an error happened: then the open
 * window is rolled back), stop the threads, fill sum (may be NULL) and
 * free b. Always call it once after batch_open() succeeded; it returns -1
 * when the sync failed.
 *
 * batch_total(): tell the progress display how many inputs there are in
 * all, once known (0: unknown).
 */
struct batch;
struct input_item;
struct evidence;

int batch_open(struct store *s, const struct batch_opts *o,
    struct batch **out, struct errbuf *e);
int batch_add(struct batch *b, const struct input_item *it, struct errbuf *e);
int batch_sync(struct batch *b, struct errbuf *e);
int batch_close(struct batch *b, struct batch_summary *sum, struct errbuf *e);
void batch_total(struct batch *b, uint64_t total);

/* The summary as lines for a person (stderr), the format of
 * dossier-verify(1) SUMMARY. */
void batch_summary_print(const struct batch_summary *sum, FILE *f);

/*
 * Judge every bundle of inputs[0..n) (see verify/inputs.h) against the
 * store s, whose path workers may open again for reading.
 */
int batch_run(struct store *s, const struct batch_opts *o,
    char *const *inputs, size_t n, struct batch_summary *sum,
    struct errbuf *e);

/* The summary as one JSON object (no newline), malloc'd. */
int batch_summary_json(const struct batch_summary *sum, char **out,
    struct errbuf *e);

#endif
