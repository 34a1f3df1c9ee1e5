/*
 * batch.c - the batch engine of dossier verify (batch.h): a queue of
 * inputs in input order, worker threads running judge_prepare() on their
 * own read-only store connections, and the calling thread applying each
 * judgement with judge_finish() in input order, committing windows,
 * writing JSON lines, calling done(), drawing progress and summing up.
 *
 * The queue is a ring of BATCH_QUEUE_PER_JOB * jobs slots, and the bundle
 * bytes it holds (queued or being judged) are bounded by BATCH_QUEUE_BYTES
 * (one bundle may exceed it alone). Slot states:
 * free -> queued (batch_add) -> taken (a worker) -> ready (prepared) ->
 * free (applied by the calling thread). Workers take queued slots in
 * sequence order; the calling thread applies the head slot when it is
 * ready. One mutex guards the ring; the work itself runs outside it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "format/ear.h"
#include "format/escape.h"
#include "format/hashalg.h"
#include "format/manifest.h"
#include "format/members.h"
#include "format/tpm_attest.h"
#include "format/results.h"
#include "verify/batch.h"
#include "verify/evidence.h"
#include "verify/ima_refcache.h"
#include "verify/inputs.h"
#include "verify/judge.h"
#include "verify/recorded.h"

#define BATCH_QUEUE_PER_JOB	32	/* queued inputs per worker: room for
				 * the others while one bundle is slow:
				 * with 8, a 10k-record log at the head
				 * left the other worker idle ~7% of a
				 * fleet run (bench/batch.sh) */
#define BATCH_REASONS_MAX	256	/* distinct failure reasons counted */
#define BATCH_PROGRESS_NS	100000000LL	/* redraw at most 10/s */
#define BATCH_RECHECK_ROWS	64	/* results of one bundle looked at when
				 * rechecking (this run's own replays
				 * first, then another verifier's) */

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_TAKEN, SLOT_READY };

struct slot {
	enum slot_state state;
	uint64_t seq;
	struct judge_input in;
	char *name;
	uint8_t *data;			/* NULL: unreadable */
	size_t len;
	char *why;
	/* the worker's product */
	struct judgement *jd;		/* NULL when resumed or failed */
	struct result *stored;		/* resumed: the stored result */
	uint8_t sha[32];		/* of data, when has_sha */
	bool has_sha;
	uint8_t stored_id[STORE_ID_LEN];	/* ... and its id */
	int failed;			/* -1: msg says why (store error) */
	char msg[ERRBUF_MAX];
	double seconds;
	uint8_t nonce[EAR_NONCE_MAX];	/* o.ear: quote.attest extraData */
	size_t nonce_len;
};

/* A result applied in the open window, waiting for its commit. */
struct applied {
	uint64_t seq;
	struct result *r;
	uint8_t id[STORE_ID_LEN];
	uint8_t *signed_result;
	size_t signed_len;
	uint8_t *ear;			/* o.ear: the signed EAR */
	size_t ear_len;
	char *line;			/* its JSON line; NULL: not made yet */
	size_t line_len;
	bool resumed;
};

struct reason_count {
	char check[RESULT_CHECK_NAME_MAX + 1];
	uint64_t n;
};

struct batch {
	struct store *s;
	struct batch_opts o;
	EVP_PKEY *vkey;			/* o.sign */
	struct ima_refcache *refcache;	/* the run's reference sets */
	uint8_t verifier_id[32];
	int64_t resume_rowid;		/* results up to here count as done */
	/* With resume: the result rows this run wrote, to tell them from
	 * those other verifiers committed meanwhile (see recheck_resume()). */
	int64_t win_lo;			/* open window: ours are above */
	struct rowid_range { int64_t lo, hi; } *ours;	/* committed: (lo, hi] */
	size_t nours, capours;

	pthread_mutex_t mu;
	pthread_cond_t work;		/* a slot was queued, or quit */
	pthread_cond_t ready;		/* a slot became ready */
	bool quit;
	struct slot *ring;
	size_t cap;
	uint64_t head, tail, next_take;	/* sequence numbers */
	size_t held;			/* bundle bytes queued or being judged */
	size_t queue_bytes;		/* held at most this, but one bundle */
	pthread_t *threads;
	struct store **ro;
	unsigned nthreads;

	struct applied *win;		/* o.window entries */
	size_t nwin;
	bool failed;			/* a sync failed: roll back at close */

	struct batch_summary sum;
	struct reason_count *reasons;	/* BATCH_REASONS_MAX */
	size_t nreasons;
	struct timespec start;
	int64_t last_draw;
	uint64_t total;
	bool drawn;
};

/* ---- time ---------------------------------------------------------------- */

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- a resumed result ---------------------------------------------------- */

/* The stored result of this bundle, named as this run names the input. */
static int
stored_result(struct store *ro, const struct store_result_record *rec,
    const struct judge_input *in, struct result **out,
    uint8_t id[STORE_ID_LEN], struct errbuf *e)
{
	if ((*out = malloc(sizeof(**out))) == NULL)
		return err_set(e, "out of memory");
	if (recorded_result(ro, rec, in->name, in->has_offset, in->offset,
	    *out, e) == -1) {
		free(*out);
		*out = NULL;
		return err_prefix(e, "resume %s", in->name);
	}
	memcpy(id, rec->r.id, STORE_ID_LEN);
	return 0;
}

/* With resume: was this bundle judged and committed before the run? */
static int
try_resume(struct batch *b, struct store *ro, struct slot *sl,
    struct errbuf *e)
{
	struct store_result_record rec;
	bool found;
	int rc;

	if (hashalg_digest(hashalg_by_name("sha256"), sl->data, sl->len,
	    sl->sha) == -1)
		return err_set(e, "SHA-256 of the bundle failed");
	sl->has_sha = true;
	if (store_result_find_before(ro, sl->sha, b->resume_rowid, &rec, &found,
	    e) == -1)
		return -1;
	if (!found)
		return 0;
	rc = stored_result(ro, &rec, &sl->in, &sl->stored, sl->stored_id, e);
	store_result_record_free(&rec);
	return rc;
}

/* Is result row rowid one this run wrote? (with resume, window open) */
static bool
ours(const struct batch *b, int64_t rowid)
{
	size_t i;

	if (rowid > b->win_lo)
		return true;
	for (i = b->nours; i > 0; i--)
		if (rowid > b->ours[i - 1].lo && rowid <= b->ours[i - 1].hi)
			return true;
	return false;
}

/* Before the open window commits: its rows (win_lo, newest] are ours. */
static int
note_ours(struct batch *b, struct errbuf *e)
{
	struct rowid_range *nr;
	int64_t hi;
	size_t cap;

	if (store_results_last_rowid(b->s, &hi, e) == -1)
		return -1;
	if (hi <= b->win_lo)
		return 0;
	if (b->nours > 0 && b->ours[b->nours - 1].hi == b->win_lo) {
		b->ours[b->nours - 1].hi = hi;
		return 0;
	}
	if (b->nours == b->capours) {
		cap = b->capours ? b->capours * 2 : 16;
		if ((nr = realloc(b->ours, cap * sizeof(*nr))) == NULL)
			return err_set(e, "out of memory");
		b->ours = nr;
		b->capours = cap;
	}
	b->ours[b->nours].lo = b->win_lo;
	b->ours[b->nours++].hi = hi;
	return 0;
}

/*
 * With resume, under the write lock, before judge_finish() consumes
 * anything: has another verifier sharing the store committed a result
 * for these bundle bytes since the run began (it judged them at the same
 * time as we did)? Then that result is this input's, as if resumed: no
 * second result, no challenge consumed twice. *out NULL when not.
 */
static int
recheck_resume(struct batch *b, struct slot *sl, struct result **out,
    uint8_t id[STORE_ID_LEN], struct errbuf *e)
{
	const struct result *pr = judge_prepared_result(sl->jd);
	struct store_result_record rec;
	int64_t rowids[BATCH_RECHECK_ROWS];
	size_t i, n;
	bool found;
	int rc;

	*out = NULL;
	if (!pr->has_bundle_digest)
		return 0;
	if (store_result_rowids_after(b->s, pr->bundle_sha256, b->resume_rowid,
	    rowids, BATCH_RECHECK_ROWS, &n, e) == -1)
		return -1;
	for (i = 0; i < n && ours(b, rowids[i]); i++)
		continue;
	if (i == n)
		return 0;
	if (store_result_find_before(b->s, pr->bundle_sha256, rowids[i], &rec,
	    &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, "resume %s: a result vanished", sl->name);
	rc = stored_result(b->s, &rec, &sl->in, out, id, e);
	store_result_record_free(&rec);
	return rc;
}

/* ---- workers ------------------------------------------------------------- */

/* A bundle whose signature verified (its result names a device only
 * then) goes to the evidence archive before its result can commit. */
static int
keep_evidence(struct batch *b, const struct slot *sl, struct errbuf *e)
{
	const struct result *r = judge_prepared_result(sl->jd);

	if (b->o.evidence == NULL || !r->has_device || !r->has_bundle_digest)
		return 0;
	if (evidence_put(b->o.evidence, r->bundle_sha256, sl->data, sl->len,
	    e) == -1)
		return err_prefix(e, "evidence archive");
	return 0;
}

static int
nonce_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct manifest *m = arg;
	struct cose_sign1 msg;

	if (manifest_file_open(buf, len, &msg, e) == -1 ||
	    manifest_decode(msg.payload, msg.payload_len, m, e) == -1)
		return -1;
	memcpy(members, m->members, m->n_members * sizeof(members[0]));
	*nmembers = m->n_members;
	return 0;
}

/*
 * The quote's extraData, for the EAR's eat_nonce: the judge compared it
 * with the challenge's secret (quote.nonce) but does not hand it out, and
 * the store's copy of the secret must not be the source: the nonce the
 * device used is the one already public in the bundle. Read again here
 * (members of quote size only are kept), only for --ear, by the worker
 * that judged the bundle (the bytes are released there). *n = 0 when
 * there is none.
 */
static void
quote_nonce(const uint8_t *data, size_t len, uint8_t *out, size_t *n)
{
	struct manifest *m;
	struct tpm_attest *ta;
	struct bundle_contents *bc;
	struct bundle_reader rd;
	const uint8_t *qa;
	size_t qlen;

	*n = 0;
	m = malloc(sizeof(*m));
	ta = malloc(sizeof(*ta));
	bc = calloc(1, sizeof(*bc));
	if (data == NULL || m == NULL || ta == NULL || bc == NULL)
		goto out;
	memset(&rd, 0, sizeof(rd));
	rd.manifest = nonce_manifest;
	rd.arg = m;
	rd.collect_max = TPM_ATTEST_MAX_BYTES;
	if (bundle_read_mem("bundle", data, len, &rd, bc, NULL) == 0) {
		if ((qa = bundle_member_data(bc, MEMBER_QUOTE_ATTEST,
		    &qlen)) != NULL &&
		    tpm_attest_parse(qa, qlen, ta, NULL) == 0 &&
		    ta->att.extraData.size <= EAR_NONCE_MAX) {
			memcpy(out, ta->att.extraData.buffer,
			    ta->att.extraData.size);
			*n = ta->att.extraData.size;
		}
		bundle_contents_free(bc);
	}
out:
	free(bc);
	free(ta);
	free(m);
}

static void
prepare_slot(struct batch *b, struct store *ro, struct bundle_scratch *sc,
    struct slot *sl)
{
	struct timespec t0;
	struct errbuf e;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sl->data == NULL)
		rc = judge_prepare_unreadable(b->o.now, &sl->in, sl->why,
		    &sl->jd, &e);
	else {
		if (b->o.resume)
			rc = try_resume(b, ro, sl, &e);
		sl->in.scratch = sc;
		if (rc == 0 && sl->stored == NULL)
			rc = judge_prepare_digest(ro, b->refcache, b->o.now,
			    &sl->in, sl->data, sl->len,
			    sl->has_sha ? sl->sha : NULL, &sl->jd, &e);
		if (rc == 0 && sl->jd != NULL)
			rc = keep_evidence(b, sl, &e);
		if (rc == 0 && b->o.ear != BATCH_EAR_NONE)
			quote_nonce(sl->data, sl->len, sl->nonce,
			    &sl->nonce_len);
	}
	if (rc == -1) {
		sl->failed = -1;
		snprintf(sl->msg, sizeof(sl->msg), "%s", e.msg);
	}
	sl->in.scratch = NULL;
	free(sl->data);
	sl->data = NULL;		/* its len leaves b->held when ready */
	sl->seconds = since(&t0);
}

struct worker_arg {
	struct batch *b;
	struct store *ro;
	struct bundle_scratch *scratch;	/* this thread's; NULL: none */
};

static void *
worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct batch *b = wa->b;
	struct slot *sl;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->quit && b->next_take == b->tail)
			pthread_cond_wait(&b->work, &b->mu);
		if (b->next_take == b->tail)
			break;		/* quit, nothing left */
		sl = &b->ring[b->next_take++ % b->cap];
		sl->state = SLOT_TAKEN;
		pthread_mutex_unlock(&b->mu);
		prepare_slot(b, wa->ro, wa->scratch, sl);
		pthread_mutex_lock(&b->mu);
		b->held -= sl->len;
		sl->state = SLOT_READY;
		/* apply_head() waits for the head alone */
		if (sl->seq == b->head)
			pthread_cond_signal(&b->ready);
	}
	pthread_mutex_unlock(&b->mu);
	bundle_scratch_free(wa->scratch);
	free(wa);
	return NULL;
}

/* ---- summary ------------------------------------------------------------- */

static void
count_reason(struct batch *b, const struct result *r)
{
	const struct result_check *f = judge_first_failure(r);
	size_t i;

	if (r->verdict == RESULT_PASS || f == NULL)
		return;
	for (i = 0; i < b->nreasons; i++)
		if (strcmp(b->reasons[i].check, f->name) == 0) {
			b->reasons[i].n++;
			return;
		}
	if (b->nreasons == BATCH_REASONS_MAX)
		return;
	snprintf(b->reasons[b->nreasons].check,
	    sizeof(b->reasons[0].check), "%s", f->name);
	b->reasons[b->nreasons++].n = 1;
}

static void
note_slowest(struct batch_summary *sum, const char *input, double seconds)
{
	size_t i, n = sum->nslowest;

	if (n == BATCH_SLOWEST_SHOWN && seconds <= sum->slowest[n - 1].seconds)
		return;
	if (n < BATCH_SLOWEST_SHOWN)
		n = ++sum->nslowest;
	for (i = n - 1; i > 0 && sum->slowest[i - 1].seconds < seconds; i--)
		sum->slowest[i] = sum->slowest[i - 1];
	snprintf(sum->slowest[i].input, sizeof(sum->slowest[i].input), "%s",
	    input);
	sum->slowest[i].seconds = seconds;
}

/* ima_entries: judge_ima_entries() of a bundle judged now (0 resumed). */
static void
account(struct batch *b, const struct result *r, bool resumed, double secs,
    uint64_t ima_entries)
{
	b->sum.bundles++;
	b->sum.count[r->verdict]++;
	if (resumed)
		b->sum.resumed++;
	else {
		b->sum.ima_entries += ima_entries;
		note_slowest(&b->sum, r->input, secs);
	}
	count_reason(b, r);
}

static int
reason_cmp(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->check, y->check);
}

static void
finish_summary(struct batch *b, struct batch_summary *sum)
{
	size_t i;

	b->sum.seconds = since(&b->start);
	qsort(b->reasons, b->nreasons, sizeof(b->reasons[0]), reason_cmp);
	b->sum.nreasons = b->nreasons < BATCH_REASONS_SHOWN ? b->nreasons :
	    BATCH_REASONS_SHOWN;
	for (i = 0; i < b->sum.nreasons; i++) {
		memcpy(b->sum.reasons[i].check, b->reasons[i].check,
		    sizeof(b->sum.reasons[i].check));
		b->sum.reasons[i].n = b->reasons[i].n;
	}
	if (sum != NULL)
		*sum = b->sum;
}

/* ---- progress ------------------------------------------------------------ */

static void
draw_progress(struct batch *b, bool force)
{
	int64_t now = mono_ns();
	double secs, rate;
	uint64_t done = b->sum.bundles, bad;
	char eta[32] = "";
	long left;

	if (!b->o.progress || (!force && now - b->last_draw <
	    BATCH_PROGRESS_NS))
		return;
	b->last_draw = now;
	secs = since(&b->start);
	rate = secs > 0 ? (double)done / secs : 0;
	bad = b->sum.count[RESULT_FAIL] + b->sum.count[RESULT_ERROR];
	if (b->total > 0 && b->total < b->tail)
		b->total = b->tail;	/* an archive held more than one */
	if (b->total > 0 && rate > 0) {
		left = (long)((double)(b->total - done) / rate + 0.5);
		snprintf(eta, sizeof(eta), "  ETA %ld:%02ld", left / 60,
		    left % 60);
	}
	if (b->total > 0)
		fprintf(stderr, "\r\033[Kverify: %" PRIu64 "/%" PRIu64
		    " bundles  %.1f/s%s  %" PRIu64 " failed", done, b->total,
		    rate, eta, bad);
	else
		fprintf(stderr, "\r\033[Kverify: %" PRIu64 " bundles  %.1f/s"
		    "  %" PRIu64 " failed", done, rate, bad);
	fflush(stderr);
	b->drawn = true;
}

static void
clear_progress(struct batch *b)
{
	if (b->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		b->drawn = false;
	}
}

void
batch_total(struct batch *b, uint64_t total)
{
	b->total = total;
}

/* ---- applying, in input order -------------------------------------------- */

static int
sign_one(struct batch *b, struct applied *a, const struct slot *sl,
    struct errbuf *e)
{
	static struct ear ear;
	char *jwt;

	memcpy(a->r->verifier_id, b->verifier_id, sizeof(a->r->verifier_id));
	snprintf(a->r->build, sizeof(a->r->build), "dossier %s",
	    DOSSIER_VERSION);
	if (result_sign(a->r, b->vkey, &a->signed_result, &a->signed_len,
	    e) == -1)
		return err_prefix(e, "sign the result of %s", a->r->input);
	if (b->o.ear == BATCH_EAR_NONE)
		return 0;
	if (ear_from_result(a->r, sl->nonce_len > 0 ? sl->nonce : NULL,
	    sl->nonce_len, &ear, e) == -1)
		return err_prefix(e, "the EAR of %s", a->r->input);
	if (b->o.ear == BATCH_EAR_CWT) {
		if (ear_sign_cwt(&ear, b->vkey, b->verifier_id,
		    sizeof(b->verifier_id), &a->ear, &a->ear_len, e) == -1)
			return err_prefix(e, "the EAR of %s", a->r->input);
	} else {
		if (ear_sign_jwt(&ear, b->vkey, b->verifier_id,
		    sizeof(b->verifier_id), &jwt, &a->ear_len, e) == -1)
			return err_prefix(e, "the EAR of %s", a->r->input);
		a->ear = (uint8_t *)jwt;
	}
	return 0;
}

static void
applied_free(struct applied *a)
{
	free(a->r);
	free(a->signed_result);
	free(a->ear);
	free(a->line);
	memset(a, 0, sizeof(*a));
}

/* Commit the open window, then emit its results. */
static int
commit_window(struct batch *b, struct errbuf *e)
{
	struct batch_done d;
	size_t i;
	int rc = 0;

	if (b->nwin == 0)
		return 0;
	if (b->o.resume && note_ours(b, e) == -1)
		return -1;
	/* the evidence the window's results name is durable first */
	if (b->o.evidence != NULL && evidence_sync(b->o.evidence, e) == -1)
		return -1;
	if (store_commit(b->s, e) == -1)
		return -1;
	for (i = 0; i < b->nwin && rc == 0; i++) {
		struct applied *a = &b->win[i];

		if (b->o.json != NULL) {
			/* judge_finish's line, or a resumed result's */
			if (a->line == NULL && result_json_line(a->r, &a->line,
			    &a->line_len, e) == -1)
				return -1;
			if (fwrite(a->line, 1, a->line_len, b->o.json) !=
			    a->line_len || fflush(b->o.json) == EOF)
				rc = err_set(e, "results: write failed");
		}
		if (rc == 0 && b->o.done != NULL) {
			memset(&d, 0, sizeof(d));
			d.seq = a->seq;
			d.input = a->r->input;
			d.r = a->r;
			d.result_id = a->id;
			d.signed_result = a->signed_result;
			d.signed_len = a->signed_len;
			d.ear = a->ear;
			d.ear_len = a->ear_len;
			d.resumed = a->resumed;
			rc = b->o.done(b->o.done_arg, &d, e);
		}
	}
	for (i = 0; i < b->nwin; i++)
		applied_free(&b->win[i]);
	b->nwin = 0;
	return rc;
}

/* Apply the prepared head slot (no lock held: only this thread frees). */
static int
apply_slot(struct batch *b, struct slot *sl, struct errbuf *e)
{
	struct applied *a = &b->win[b->nwin];

	if (sl->failed)
		return err_set(e, "%s: %s", sl->name, sl->msg);
	if (b->nwin == 0 && (store_begin(b->s, e) == -1 || (b->o.resume &&
	    store_results_last_rowid(b->s, &b->win_lo, e) == -1)))
		return -1;
	memset(a, 0, sizeof(*a));
	a->seq = sl->seq;
	if (sl->stored == NULL && sl->jd != NULL && b->o.resume &&
	    recheck_resume(b, sl, &sl->stored, sl->stored_id, e) == -1)
		return err_prefix(e, "%s", sl->name);
	if (sl->stored != NULL) {
		a->r = sl->stored;
		sl->stored = NULL;
		a->resumed = true;
		memcpy(a->id, sl->stored_id, STORE_ID_LEN);
	} else {
		if ((a->r = malloc(sizeof(*a->r))) == NULL)
			return err_set(e, "out of memory");
		if (judge_finish(b->s, sl->jd, a->r, a->id, e) == -1) {
			applied_free(a);
			return err_prefix(e, "%s", sl->name);
		}
		a->line = judge_take_line(sl->jd, &a->line_len);
	}
	b->nwin++;
	account(b, a->r, a->resumed, sl->seconds, a->resumed ? 0 :
	    judge_ima_entries(sl->jd));
	if (b->vkey != NULL && sign_one(b, a, sl, e) == -1)
		return -1;
	if (b->nwin == b->o.window)
		return commit_window(b, e);
	return 0;
}

static void
slot_clear(struct slot *sl)
{
	judge_free(sl->jd);
	free(sl->stored);
	free(sl->name);
	free(sl->data);
	free(sl->why);
	memset(sl, 0, sizeof(*sl));
}

/* Apply the head slot once it is ready (wait: block until then).
 * 1 applied, 0 nothing to apply now, -1 error. */
static int
apply_head(struct batch *b, bool wait, struct errbuf *e)
{
	struct slot *sl;
	bool ready;
	int rc;

	pthread_mutex_lock(&b->mu);
	if (b->head == b->tail) {
		pthread_mutex_unlock(&b->mu);
		return 0;
	}
	sl = &b->ring[b->head % b->cap];
	while (wait && sl->state != SLOT_READY)
		pthread_cond_wait(&b->ready, &b->mu);
	ready = sl->state == SLOT_READY;
	pthread_mutex_unlock(&b->mu);
	if (!ready)
		return 0;
	rc = apply_slot(b, sl, e);
	slot_clear(sl);
	pthread_mutex_lock(&b->mu);
	b->head++;
	pthread_mutex_unlock(&b->mu);
	draw_progress(b, false);
	return rc == -1 ? -1 : 1;
}

/* ---- the API ------------------------------------------------------------- */

static unsigned
jobs_of(unsigned jobs)
{
	long n;

	if (jobs == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n < 1 ? 1 : n > BATCH_JOBS_MAX ? BATCH_JOBS_MAX :
		    (unsigned)n;
	}
	return jobs > BATCH_JOBS_MAX ? BATCH_JOBS_MAX : jobs;
}

static int
load_verifier(struct batch *b, struct errbuf *e)
{
	struct store_verifier sv;
	bool found;

	if (store_verifier_get(b->s, &sv, &found, e) == -1)
		return -1;
	OPENSSL_cleanse(sv.private_pem, sizeof(sv.private_pem));
	if (!found)
		return err_set(e, "the store has no verifier key (dossier "
		    "init makes one)");
	memcpy(b->verifier_id, sv.key_id, sizeof(b->verifier_id));
	return store_verifier_key(b->s, &b->vkey, e);
}

static int
start_workers(struct batch *b, unsigned jobs, struct errbuf *e)
{
	struct worker_arg *wa;

	if ((b->threads = calloc(jobs, sizeof(*b->threads))) == NULL ||
	    (b->ro = calloc(jobs, sizeof(*b->ro))) == NULL)
		return err_set(e, "out of memory");
	for (; b->nthreads < jobs; b->nthreads++) {
		if (store_open(store_path(b->s), STORE_READ_ONLY,
		    &b->ro[b->nthreads], e) == -1)
			return err_prefix(e, "worker connection");
		if ((wa = malloc(sizeof(*wa))) == NULL)
			return err_set(e, "out of memory");
		wa->b = b;
		wa->ro = b->ro[b->nthreads];
		/* without one, each read makes its own */
		wa->scratch = bundle_scratch_new();
		if (pthread_create(&b->threads[b->nthreads], NULL, worker,
		    wa) != 0) {
			bundle_scratch_free(wa->scratch);
			free(wa);
			store_close(b->ro[b->nthreads]);
			b->ro[b->nthreads] = NULL;
			return err_set(e, "cannot start a worker thread");
		}
	}
	return 0;
}

static void
stop_workers(struct batch *b)
{
	unsigned i;

	pthread_mutex_lock(&b->mu);
	b->quit = true;
	/* what was queued but not taken is dropped */
	b->tail = b->next_take;
	pthread_cond_broadcast(&b->work);
	pthread_mutex_unlock(&b->mu);
	for (i = 0; i < b->nthreads; i++) {
		pthread_join(b->threads[i], NULL);
		store_close(b->ro[i]);
	}
	free(b->threads);
	free(b->ro);
}

static void
batch_free(struct batch *b)
{
	size_t i;

	stop_workers(b);
	for (i = 0; i < b->cap; i++)
		slot_clear(&b->ring[i]);
	for (i = 0; i < b->nwin; i++)
		applied_free(&b->win[i]);
	free(b->ring);
	free(b->win);
	free(b->ours);
	free(b->reasons);
	EVP_PKEY_free(b->vkey);
	ima_refcache_free(b->refcache);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->work);
	pthread_cond_destroy(&b->ready);
	free(b);
}

int
batch_open(struct store *s, const struct batch_opts *o, struct batch **out,
    struct errbuf *e)
{
	struct batch *b;
	unsigned jobs = jobs_of(o->jobs);

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return err_set(e, "out of memory");
	b->s = s;
	b->o = *o;
	if (b->o.window == 0)
		b->o.window = BATCH_WINDOW_DEFAULT;
	b->cap = (size_t)jobs * BATCH_QUEUE_PER_JOB;
	b->queue_bytes = o->queue_bytes != 0 ? o->queue_bytes :
	    BATCH_QUEUE_BYTES;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->ready, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	if ((b->ring = calloc(b->cap, sizeof(*b->ring))) == NULL ||
	    (b->win = calloc(b->o.window, sizeof(*b->win))) == NULL ||
	    (b->reasons = calloc(BATCH_REASONS_MAX,
	    sizeof(*b->reasons))) == NULL) {
		err_set(e, "out of memory");
		goto fail;
	}
	if (store_set_cache(s, BATCH_STORE_CACHE_KIB, e) == -1 ||
	    ima_refcache_new(&b->refcache, e) == -1 ||
	    (o->sign && load_verifier(b, e) == -1) ||
	    (o->resume && store_results_last_rowid(s, &b->resume_rowid,
	    e) == -1) ||
	    start_workers(b, jobs, e) == -1)
		goto fail;
	*out = b;
	return 0;
fail:
	batch_free(b);
	return -1;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
batch_add(struct batch *b, const struct input_item *it, struct errbuf *e)
{
	struct slot *sl;

	if (it->skipped) {
		/* a note, not a result: the file is another dossier file */
		esc_fprintln(stderr, "verify: %s: skipped: %s, not a bundle",
		    it->name, it->why);
		return 0;
	}
	if (b->failed)
		return err_set(e, "the run failed before");
	/* make room: apply what is ready, wait for the head when full */
	for (;;) {
		bool full;
		int r;

		pthread_mutex_lock(&b->mu);
		full = b->tail - b->head == b->cap || (b->tail != b->head &&
		    b->held + it->len > b->queue_bytes);
		pthread_mutex_unlock(&b->mu);
		if ((r = apply_head(b, full, e)) == -1) {
			b->failed = true;
			return -1;
		}
		if (r == 0 && !full)
			break;
	}
	sl = &b->ring[b->tail % b->cap];
	memset(sl, 0, sizeof(*sl));
	sl->seq = b->tail;
	if (it->data != NULL && it->take != NULL && *it->take == it->data) {
		sl->data = *it->take;		/* the bytes are ours now */
		*it->take = NULL;
	}
	if ((sl->name = strdup(it->name)) == NULL ||
	    (it->data == NULL && (sl->why = dup_or_null(it->why ? it->why :
	    "unreadable")) == NULL) ||
	    (it->data != NULL && sl->data == NULL &&
	    (sl->data = malloc(it->len ? it->len : 1)) == NULL)) {
		slot_clear(sl);
		b->failed = true;
		return err_set(e, "%s: out of memory", it->name);
	}
	if (it->data != NULL && sl->data != it->data)
		memcpy(sl->data, it->data, it->len);
	sl->len = it->len;
	sl->in.name = sl->name;
	sl->in.has_offset = it->has_offset;
	sl->in.offset = it->offset;
	pthread_mutex_lock(&b->mu);
	sl->state = SLOT_QUEUED;
	b->held += sl->len;
	b->tail++;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

int
batch_sync(struct batch *b, struct errbuf *e)
{
	int r;

	if (b->failed)
		return err_set(e, "the run failed before");
	while ((r = apply_head(b, true, e)) == 1)
		;
	if (r == -1 || commit_window(b, e) == -1) {
		b->failed = true;
		return -1;
	}
	draw_progress(b, true);
	return 0;
}

int
batch_close(struct batch *b, struct batch_summary *sum, struct errbuf *e)
{
	int rc = 0;

	if (!b->failed && batch_sync(b, e) == -1)
		rc = -1;
	if (b->failed) {
		store_rollback(b->s, NULL);
		rc = -1;
	}
	clear_progress(b);
	finish_summary(b, sum);
	batch_free(b);
	return rc;
}

/* ---- batch_run ----------------------------------------------------------- */

static int
on_input(void *arg, const struct input_item *it, struct errbuf *e)
{
	return batch_add(arg, it, e);
}

int
batch_run(struct store *s, const struct batch_opts *o, char *const *inputs,
    size_t n, struct batch_summary *sum, struct errbuf *e)
{
	struct batch *b;
	struct errbuf ce;
	int rc;

	if (batch_open(s, o, &b, e) == -1)
		return -1;
	if (o->progress)
		batch_total(b, inputs_count(inputs, n));
	rc = inputs_foreach(inputs, n, on_input, b, e);
	if (rc == 0)
		batch_total(b, b->tail);
	else
		b->failed = true;
	if (batch_close(b, sum, rc == 0 ? e : &ce) == -1)
		return -1;
	return rc;
}

/* ---- summary output ------------------------------------------------------ */

void
batch_summary_print(const struct batch_summary *sum, FILE *f)
{
	double secs = sum->seconds > 0 ? sum->seconds : 1e-9;
	size_t i;

	fprintf(f, "verify: %" PRIu64 " bundle%s: %" PRIu64 " pass, %" PRIu64
	    " fail, %" PRIu64 " error", sum->bundles, sum->bundles == 1 ? "" :
	    "s", sum->count[RESULT_PASS], sum->count[RESULT_FAIL],
	    sum->count[RESULT_ERROR]);
	if (sum->resumed > 0)
		fprintf(f, " (%" PRIu64 " resumed)", sum->resumed);
	fprintf(f, "; %.2f s, %.1f bundles/s, %.0f IMA entries/s\n",
	    sum->seconds, (double)(sum->bundles - sum->resumed) / secs,
	    (double)sum->ima_entries / secs);
	for (i = 0; i < sum->nreasons; i++)
		fprintf(f, "  failed %s: %" PRIu64 "\n", sum->reasons[i].check,
		    sum->reasons[i].n);
	for (i = 0; i < sum->nslowest && sum->bundles > 1; i++) {
		fprintf(f, "  slow %.3f s ", sum->slowest[i].seconds);
		esc_fputs(sum->slowest[i].input, ESC_FIELD, f);	/* a name */
		fputc('\n', f);
	}
}

/* s as the content of a JSON string (malloc'd, without quotes). */
static int
json_str(char **buf, const char *s, struct errbuf *e)
{
	return result_json_escape(s, strlen(s), buf, e);
}

/* Append printf output to a malloc'd string. */
static int appendf(char **s, size_t *len, struct errbuf *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
appendf(char **s, size_t *len, struct errbuf *e, const char *fmt, ...)
{
	va_list ap;
	char *ns;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (ns = realloc(*s, *len + (size_t)n + 1)) == NULL)
		return err_set(e, "out of memory");
	*s = ns;
	va_start(ap, fmt);
	vsnprintf(*s + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return 0;
}

int
batch_summary_json(const struct batch_summary *sum, char **out,
    struct errbuf *e)
{
	double secs = sum->seconds > 0 ? sum->seconds : 1e-9;
	char *s = NULL, *q;
	size_t len = 0, i;
	int rc = 0;

	*out = NULL;
	rc = appendf(&s, &len, e, "{\"bundles\":%" PRIu64 ",\"pass\":%" PRIu64
	    ",\"fail\":%" PRIu64 ",\"error\":%" PRIu64 ",\"resumed\":%" PRIu64
	    ",\"ima_entries\":%" PRIu64 ",\"seconds\":%.6f,"
	    "\"bundles_per_s\":%.3f,\"ima_entries_per_s\":%.3f,\"reasons\":[",
	    sum->bundles, sum->count[RESULT_PASS], sum->count[RESULT_FAIL],
	    sum->count[RESULT_ERROR], sum->resumed, sum->ima_entries,
	    sum->seconds, (double)(sum->bundles - sum->resumed) / secs,
	    (double)sum->ima_entries / secs);
	for (i = 0; rc == 0 && i < sum->nreasons; i++) {
		if ((rc = json_str(&q, sum->reasons[i].check, e)) == 0) {
			rc = appendf(&s, &len, e, "%s{\"check\":\"%s\",\"count\":%"
			    PRIu64 "}", i ? "," : "", q, sum->reasons[i].n);
			free(q);
		}
	}
	if (rc == 0)
		rc = appendf(&s, &len, e, "],\"slowest\":[");
	for (i = 0; rc == 0 && i < sum->nslowest; i++) {
		if ((rc = json_str(&q, sum->slowest[i].input, e)) == 0) {
			rc = appendf(&s, &len, e, "%s{\"input\":\"%s\",\"seconds\":"
			    "%.6f}", i ? "," : "", q, sum->slowest[i].seconds);
			free(q);
		}
	}
	if (rc == 0)
		rc = appendf(&s, &len, e, "]}");
	if (rc == -1) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}
