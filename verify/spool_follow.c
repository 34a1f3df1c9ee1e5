/* spool_follow.c - see spool_follow.h. */
#include "verify/spool_follow.h"
#include "verify/evidence.h"

#include <sys/inotify.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/escape.h"
#include "format/hex.h"
#include "spool/spool.h"
#include "verify/cmd.h"

#define CLAIM_PATH_MAX	(SPOOL_PATH_MAX + SPOOL_NAME_MAX + 8)
#define PENDING_MAX	SPOOL_FOLLOW_BURST_MAX

/* A claimed bundle: cur/name. */
struct claim {
	char name[SPOOL_NAME_MAX + 1];
	char path[CLAIM_PATH_MAX];
	bool leftover;		/* in cur/ when the run started */
	bool in_burst;		/* judged by the current burst */
	uint8_t sha[32];
};

struct follow {
	const struct spool_follow_opts *o;
	struct store *s;
	struct spool in, out;
	bool has_out;
	/* Names still to look at: cur/ at start, then new/ listings. */
	char **left;
	size_t nleft, ileft;
	char **listing;
	size_t nlisting, ilisting;
	/* Claimed and not finished: this burst's and those waiting. */
	struct claim *pend;
	size_t npend;
	size_t cursor;		/* done(): the claim being reported */
	/* Results committed, waiting to be delivered together. */
	struct outgoing {
		char name[SPOOL_NAME_MAX + 1];
		char claim[SPOOL_NAME_MAX + 1];
		uint8_t *data;
		size_t len;
		bool resumed;
		enum result_verdict verdict;
	} *outq;
	size_t nout;
	struct spool_follow_summary sum;
};

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
note(const struct follow *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct follow *f, const char *fmt, ...)
{
	va_list ap;

	if (f->o->log == NULL)
		return;
	va_start(ap, fmt);
	fputs("verify: ", f->o->log);
	esc_vfprintf(f->o->log, fmt, ap);	/* spool names are input */
	fputc('\n', f->o->log);
	fflush(f->o->log);
	va_end(ap);
}

/* ---- claims ------------------------------------------------------------------ */

static bool
is_evidence(const char *name)
{
	enum spool_kind k;

	return spool_name_valid(name, &k) && k == SPOOL_EVIDENCE;
}

/* SHA-256 of a file, read in pieces. */
static int
file_sha256(const char *path, uint8_t out[32], struct errbuf *e)
{
	uint8_t buf[65536];
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		err_openssl(e, "sha256");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(e, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			err_openssl(e, "sha256");
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		err_openssl(e, "sha256");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

static int
add_claim(struct follow *f, const char *name, bool leftover,
    struct errbuf *e)
{
	struct claim *c = &f->pend[f->npend];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->leftover = leftover;
	if (spool_path(&f->in, true, name, c->path, sizeof(c->path), e) == -1)
		return -1;
	f->npend++;
	return 0;
}

/* The next name of new/ (listed again once per burst when used up). */
static const char *
next_new(struct follow *f, bool *relisted, struct errbuf *e, int *err)
{
	*err = 0;
	while (f->ilisting == f->nlisting) {
		if (*relisted)
			return NULL;
		spool_names_free(f->listing, f->nlisting);
		f->listing = NULL;
		f->nlisting = f->ilisting = 0;
		if (spool_list(&f->in, false, &f->listing, &f->nlisting,
		    e) == -1) {
			*err = -1;
			return NULL;
		}
		*relisted = true;
	}
	return f->listing[f->ilisting++];
}

/* Fill the pending claims up to a burst: leftovers, then new/. */
static int
fill(struct follow *f, struct errbuf *e)
{
	const char *name;
	bool relisted = false, won;
	int err;

	while (f->npend < SPOOL_FOLLOW_BURST_MAX && f->ileft < f->nleft) {
		name = f->left[f->ileft++];
		if (is_evidence(name) && add_claim(f, name, true, e) == -1)
			return -1;
	}
	while (f->npend < SPOOL_FOLLOW_BURST_MAX) {
		if ((name = next_new(f, &relisted, e, &err)) == NULL)
			return err;
		if (!is_evidence(name))
			continue;
		if (spool_claim(&f->in, name, &won, e) == -1)
			return -1;
		if (won && add_claim(f, name, false, e) == -1)
			return -1;
	}
	return 0;
}

/* Mark the claims this burst judges: all but second copies of bytes
 * already in the burst (they wait for the next one). */
static int
select_burst(struct follow *f, char **paths, size_t *n, struct errbuf *e)
{
	size_t i, j;

	*n = 0;
	for (i = 0; i < f->npend; i++) {
		struct claim *c = &f->pend[i];

		c->in_burst = false;
		if (file_sha256(c->path, c->sha, e) == -1)
			return err_prefix(e, "spool %s", f->in.dir);
		for (j = 0; j < i; j++)
			if (f->pend[j].in_burst &&
			    memcmp(f->pend[j].sha, c->sha, 32) == 0)
				break;
		if (j < i)
			continue;
		c->in_burst = true;
		paths[(*n)++] = c->path;
	}
	return 0;
}

/* ---- results ------------------------------------------------------------------ */

/* The claim d reports on: the next in the burst whose path begins it. */
static struct claim *
claim_of(struct follow *f, const char *input)
{
	size_t len;

	for (; f->cursor < f->npend; f->cursor++) {
		struct claim *c = &f->pend[f->cursor];

		if (!c->in_burst)
			continue;
		len = strlen(c->path);
		if (strncmp(input, c->path, len) == 0 &&
		    (input[len] == '\0' || input[len] == ':'))
			return c;
	}
	return NULL;
}

static int
result_name(const struct batch_done *d, enum spool_kind kind, char *out,
    struct errbuf *e)
{
	const struct result *r = d->r;

	return spool_make_name(kind, r->has_device ? r->device_id :
	    NULL, r->has_device && r->has_challenge ? r->challenge_id :
	    d->result_id, out, e);
}

static void
drop_results(struct follow *f)
{
	size_t i;

	for (i = 0; i < f->nout; i++)
		free(f->outq[i].data);
	f->nout = 0;
}

/* Deliver the results waiting (after their commit), with one sync. */
static int
flush_results(struct follow *f, struct errbuf *e)
{
	struct spool_file files[SPOOL_FOLLOW_BURST_MAX];
	size_t i;
	int rc;

	for (i = 0; i < f->nout; i++) {
		files[i].name = f->outq[i].name;
		files[i].data = f->outq[i].data;
		files[i].len = f->outq[i].len;
	}
	rc = spool_deliver_many(&f->out, files, f->nout, e);
	for (i = 0; i < f->nout; i++) {
		struct outgoing *o = &f->outq[i];

		if (rc == 0 && !files[i].existed)
			f->sum.delivered++;
		else if (rc == 0 && !o->resumed)
			note(f, "%s: %s is there already; this result (%s) "
			    "is in the store and the JSON lines only",
			    o->claim, o->name, result_verdict_name(o->verdict));
		free(o->data);
	}
	f->nout = 0;
	return rc == -1 ? err_prefix(e, "results") : 0;
}

/* One file of d's result, of kind, to deliver after the commit. */
static int
queue_result(struct follow *f, const struct claim *c,
    const struct batch_done *d, enum spool_kind kind, const uint8_t *data,
    size_t len, struct errbuf *e)
{
	struct outgoing *o;

	if (f->nout == SPOOL_FOLLOW_BURST_MAX && flush_results(f, e) == -1)
		return -1;
	o = &f->outq[f->nout];
	memset(o, 0, sizeof(*o));
	if (result_name(d, kind, o->name, e) == -1)
		return err_prefix(e, "results of %s", c->name);
	snprintf(o->claim, sizeof(o->claim), "%s", c->name);
	if ((o->data = malloc(len)) == NULL)
		return err_set(e, "out of memory");
	memcpy(o->data, data, len);
	o->len = len;
	o->resumed = d->resumed;
	o->verdict = d->r->verdict;
	f->nout++;
	return 0;
}

static int
on_done(void *arg, const struct batch_done *d, struct errbuf *e)
{
	struct follow *f = arg;
	struct claim *c;

	if ((c = claim_of(f, d->input)) == NULL)
		return err_set(e, "spool %s: a result for an input not "
		    "claimed: %s", f->in.dir, d->input);
	if (d->resumed && !c->leftover) {
		f->sum.redelivered++;
		note(f, "%s: judged before (same bundle): no second result",
		    c->name);
		return 0;
	}
	if (!f->has_out)
		return 0;
	if (d->signed_result == NULL)
		return err_set(e, "%s: no signed result", c->name);
	if (f->o->ear && d->ear == NULL)
		return err_set(e, "%s: no EAR", c->name);
	if (queue_result(f, c, d, SPOOL_RESULTS, d->signed_result,
	    d->signed_len, e) == -1)
		return -1;
	if (!f->o->ear)
		return 0;
	return queue_result(f, c, d, SPOOL_EAR, d->ear, d->ear_len, e);
}

/* ---- bursts ------------------------------------------------------------------- */

static void
merge_reasons(struct batch_summary *t, const struct batch_summary *b)
{
	size_t i, j;

	for (i = 0; i < b->nreasons; i++) {
		for (j = 0; j < t->nreasons; j++)
			if (strcmp(t->reasons[j].check,
			    b->reasons[i].check) == 0)
				break;
		if (j == t->nreasons) {
			if (t->nreasons == BATCH_REASONS_SHOWN)
				continue;
			t->nreasons++;
			memcpy(t->reasons[j].check, b->reasons[i].check,
			    sizeof(t->reasons[j].check));
			t->reasons[j].n = 0;
		}
		t->reasons[j].n += b->reasons[i].n;
	}
}

static void
merge_slowest(struct batch_summary *t, const struct batch_summary *b)
{
	size_t i, j, k;

	for (i = 0; i < b->nslowest; i++) {
		for (j = 0; j < t->nslowest; j++)
			if (b->slowest[i].seconds > t->slowest[j].seconds)
				break;
		if (j == BATCH_SLOWEST_SHOWN)
			continue;
		if (t->nslowest < BATCH_SLOWEST_SHOWN)
			t->nslowest++;
		for (k = t->nslowest - 1; k > j; k--)
			t->slowest[k] = t->slowest[k - 1];
		t->slowest[j] = b->slowest[i];
	}
}

static void
merge(struct batch_summary *t, const struct batch_summary *b)
{
	size_t i;

	for (i = 0; i < 3; i++)
		t->count[i] += b->count[i];
	t->resumed += b->resumed;
	t->bundles += b->bundles;
	t->ima_entries += b->ima_entries;
	t->seconds += b->seconds;
	merge_reasons(t, b);
	merge_slowest(t, b);
}

/* Deliver the burst's results, then finish the claims it judged (one
 * sync each); keep the others waiting. */
static int
finish_burst(struct follow *f, struct errbuf *e)
{
	char *names[PENDING_MAX];
	size_t i, n = 0, kept = 0;

	if (f->has_out && flush_results(f, e) == -1)
		return -1;
	for (i = 0; i < f->npend; i++)
		if (f->pend[i].in_burst)
			names[n++] = f->pend[i].name;
	if (spool_done_many(&f->in, names, n, e) == -1)
		return -1;
	for (i = 0; i < f->npend; i++)
		if (!f->pend[i].in_burst)
			f->pend[kept++] = f->pend[i];
	f->npend = kept;
	return 0;
}

/* One burst: *did tells whether anything was judged. */
static int
burst(struct follow *f, bool *did, struct errbuf *e)
{
	char *paths[PENDING_MAX];
	struct batch_summary bs;
	struct batch_opts bo;
	size_t n;

	*did = false;
	if (fill(f, e) == -1)
		return -1;
	if (f->npend == 0)
		return 0;
	if (select_burst(f, paths, &n, e) == -1)
		return -1;
	memset(&bo, 0, sizeof(bo));
	bo.jobs = f->o->jobs;
	bo.resume = true;
	bo.sign = f->has_out;
	bo.ear = f->o->ear ? BATCH_EAR_CWT : BATCH_EAR_NONE;
	bo.progress = f->o->progress;
	bo.json = f->o->json;
	bo.done = on_done;
	bo.done_arg = f;
	bo.now = (int64_t)time(NULL);
	bo.evidence = f->o->evidence;
	f->cursor = 0;
	memset(&bs, 0, sizeof(bs));
	if (batch_run(f->s, &bo, paths, n, &bs, e) == -1) {
		struct errbuf e2;

		/* The windows committed before the failure: theirs go out. */
		if (f->has_out && flush_results(f, &e2) == -1)
			drop_results(f);
		return -1;
	}
	merge(&f->sum.batch, &bs);
	f->sum.bursts++;
	*did = true;
	note(f, "%zu bundle%s from %s: %" PRIu64 " pass, %" PRIu64 " fail, %"
	    PRIu64 " error", n, n == 1 ? "" : "s", f->in.dir,
	    bs.count[RESULT_PASS], bs.count[RESULT_FAIL],
	    bs.count[RESULT_ERROR]);
	return finish_burst(f, e);
}

/* ---- waiting ------------------------------------------------------------------ */

static int
watch_open(const struct follow *f)
{
	char dir[CLAIM_PATH_MAX];
	int fd;

	if (snprintf(dir, sizeof(dir), "%s/new", f->in.dir) >=
	    (int)sizeof(dir))
		return -1;
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_CREATE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Until something may have arrived, the poll interval passed or a stop. */
static void
wait_arrival(int fd)
{
	char buf[4096];
	struct pollfd p;

	if (stop_requested)
		return;
	if (fd < 0) {
		p.fd = -1;
		p.events = 0;
		(void)poll(&p, 0, SPOOL_FOLLOW_POLL_MS);
		return;
	}
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, SPOOL_FOLLOW_POLL_MS) > 0)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
}

static void
signals(bool install, struct sigaction old[2])
{
	struct sigaction sa;

	if (!install) {
		sigaction(SIGINT, &old[0], NULL);
		sigaction(SIGTERM, &old[1], NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	stop_requested = 0;
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
}

/* ---- the run ------------------------------------------------------------------ */

static int
follow_open(struct follow *f, int *lock, struct errbuf *e)
{
	unsigned removed;

	if (spool_open(f->o->spool, false, &f->in, e) == -1 ||
	    spool_lock(&f->in, lock, e) == -1)
		return -1;
	if (f->o->results != NULL) {
		if (spool_open(f->o->results, true, &f->out, e) == -1)
			return err_prefix(e, "--results");
		f->has_out = true;
		if (spool_clean_tmp(&f->out, (int64_t)time(NULL),
		    SPOOL_FOLLOW_TMP_AGE, &removed, e) == -1)
			return -1;
	}
	if ((f->pend = calloc(PENDING_MAX, sizeof(*f->pend))) == NULL ||
	    (f->outq = calloc(SPOOL_FOLLOW_BURST_MAX, sizeof(*f->outq))) ==
	    NULL)
		return err_set(e, "out of memory");
	return spool_list(&f->in, true, &f->left, &f->nleft, e);
}

static int
follow_loop(struct follow *f, struct errbuf *e)
{
	bool did;
	int fd = -1;

	if (f->o->follow && (fd = watch_open(f)) < 0)
		note(f, "%s/new: no inotify (%s): polling every %d ms",
		    f->in.dir, strerror(errno), SPOOL_FOLLOW_POLL_MS);
	for (;;) {
		if (burst(f, &did, e) == -1) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (f->o->follow && stop_requested)
			break;
		if (did)
			continue;
		if (!f->o->follow)
			break;
		wait_arrival(fd);
		if (stop_requested)
			break;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int
spool_follow_run(struct store *s, const struct spool_follow_opts *o,
    struct spool_follow_summary *sum, struct errbuf *e)
{
	struct sigaction old[2];
	struct follow f;
	int lock = -1, rc;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.s = s;
	if (follow_open(&f, &lock, e) == -1) {
		rc = -1;
		goto out;
	}
	if (o->follow) {
		signals(true, old);
		note(&f, "following %s%s%s", f.in.dir, f.has_out ?
		    ", results into " : "", f.has_out ? f.out.dir : "");
	}
	rc = follow_loop(&f, e);
	if (o->follow) {
		signals(false, old);
		if (rc == 0)
			note(&f, "stopped: %" PRIu64 " bundles, %" PRIu64
			    " results delivered, %" PRIu64 " redeliveries",
			    f.sum.batch.bundles, f.sum.delivered,
			    f.sum.redelivered);
	}
out:
	if (sum != NULL)
		*sum = f.sum;
	spool_names_free(f.left, f.nleft);
	spool_names_free(f.listing, f.nlisting);
	drop_results(&f);
	free(f.outq);
	free(f.pend);
	spool_unlock(lock);
	return rc;
}

static void
print_summary(const struct spool_follow_summary *sum, bool json)
{
	struct errbuf e;
	char *line;

	if (json) {
		if (batch_summary_json(&sum->batch, &line, &e) == -1) {
			cmd_error("verify: summary: %s", e.msg);
			return;
		}
		fprintf(stderr, "%s\n", line);
		free(line);
		return;
	}
	batch_summary_print(&sum->batch, stderr);
	fprintf(stderr, "verify: %" PRIu64 " result file%s delivered, %"
	    PRIu64 " redeliver%s not judged again\n", sum->delivered,
	    sum->delivered == 1 ? "" : "s", sum->redelivered,
	    sum->redelivered == 1 ? "y" : "ies");
}

enum outcome
spool_follow_cmd(const struct spool_follow_opts *o, bool summary_json)
{
	struct spool_follow_opts so = *o;
	struct spool_follow_summary sum;
	struct store *s;
	struct errbuf e;
	int rc;

	if (!spool_is_spool(o->spool)) {
		cmd_error("verify: %s: not a spool (--follow and --results take "
		    "a spool: a directory holding tmp/, new/ and cur/)",
		    o->spool);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	so.evidence = NULL;
	if (o->keep_evidence && evidence_open(store_path(s), true,
	    &so.evidence, &e) == -1) {
		cmd_error("verify: %s", e.msg);
		store_close(s);
		return OUTCOME_ERROR;
	}
	rc = spool_follow_run(s, &so, &sum, &e);
	evidence_close(so.evidence);
	store_close(s);
	if (rc == -1) {
		cmd_error("verify: %s (claims not finished stay in %s/cur)",
		    e.msg, o->spool);
		return OUTCOME_ERROR;
	}
	print_summary(&sum, summary_json);
	if (o->follow)
		return OUTCOME_HOLDS;
	return sum.batch.count[RESULT_FAIL] + sum.batch.count[RESULT_ERROR] >
	    0 ? OUTCOME_FAILS : OUTCOME_HOLDS;
}
