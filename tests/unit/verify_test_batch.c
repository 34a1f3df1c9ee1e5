/*
 * verify_test_batch.c - the batch engine's API (verify/batch.h) as
 * dossier verify --follow uses it: batch_open, batch_add, batch_sync,
 * batch_close. done() comes once per input, in input order, with
 * consecutive sequence numbers, only after the window holding it was
 * committed (the store is out of its run by then), whatever the number
 * of threads; batch_sync() flushes a partial window; unreadable inputs
 * are results too; with resume, a second run over the same bytes reports
 * every stored result (same ids) and judges nothing; the summary counts
 * and the JSON summary carry them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "verify/batch.h"
#include "verify/inputs.h"
#include "verify/store.h"

#define NITEMS	23

struct seen {
	struct store *s;
	uint64_t next;		/* expected seq */
	unsigned calls, in_run, out_of_order, resumed;
	uint8_t ids[NITEMS][STORE_ID_LEN];
	char names[NITEMS][32];
};

static int
on_done(void *arg, const struct batch_done *d, struct errbuf *e)
{
	struct seen *sn = arg;

	(void)e;
	if (d->seq != sn->next || strcmp(d->input, sn->names[d->seq]) != 0)
		sn->out_of_order++;
	if (store_in_run(sn->s))
		sn->in_run++;
	if (d->resumed)
		sn->resumed++;
	if (d->seq < NITEMS)
		memcpy(sn->ids[d->seq], d->result_id, STORE_ID_LEN);
	sn->next = d->seq + 1;
	sn->calls++;
	return 0;
}

/* Item i: garbage bytes (judged: verdict error), every 5th unreadable. */
static void
make_item(size_t i, char *name, size_t namelen, uint8_t *buf, size_t len,
    struct input_item *it)
{
	size_t k;

	snprintf(name, namelen, "item-%02zu", i);
	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31 + k * 7);
	memset(it, 0, sizeof(*it));
	it->name = name;
	if (i % 5 == 4) {
		it->why = "could not be read";
		return;
	}
	it->data = buf;
	it->len = len;
}

static size_t queue_bytes;	/* batch_opts.queue_bytes of run() */

static int
run(struct store *s, unsigned jobs, unsigned window, bool resume,
    bool sync_midway, struct seen *sn, struct batch_summary *sum)
{
	struct batch_opts o;
	struct batch *b;
	struct input_item it;
	struct errbuf e;
	uint8_t buf[300];
	size_t i;

	memset(sn, 0, sizeof(*sn));
	sn->s = s;
	memset(&o, 0, sizeof(o));
	o.jobs = jobs;
	o.window = window;
	o.resume = resume;
	o.done = on_done;
	o.done_arg = sn;
	o.now = 1800000000;
	o.queue_bytes = queue_bytes;
	if (batch_open(s, &o, &b, &e) == -1) {
		printf("# batch_open: %s\n", e.msg);
		return -1;
	}
	for (i = 0; i < NITEMS; i++) {
		make_item(i, sn->names[i], sizeof(sn->names[i]), buf,
		    sizeof(buf), &it);
		if (batch_add(b, &it, &e) == -1) {
			printf("# batch_add: %s\n", e.msg);
			batch_close(b, NULL, &e);
			return -1;
		}
		if (sync_midway && i == 10) {
			if (batch_sync(b, &e) == -1) {
				printf("# batch_sync: %s\n", e.msg);
				batch_close(b, NULL, &e);
				return -1;
			}
			CHECK(sn->calls == 11, "batch_sync: done() for all 11 "
			    "added so far (got %u)", sn->calls);
		}
	}
	if (batch_close(b, sum, &e) == -1) {
		printf("# batch_close: %s\n", e.msg);
		return -1;
	}
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/verify_test_batch.XXXXXX", path[64];
	struct batch_summary sum;
	struct store *s;
	struct errbuf e;
	struct seen *a, *b;
	char *json;
	unsigned jobs;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE_NEW, &s, &e) == -1) {
		printf("# store: %s\n", e.msg);
		return 2;
	}
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	for (jobs = 1; jobs <= 8; jobs *= 2) {
		rc = run(s, jobs, 4, false, jobs == 2, a, &sum);
		CHECK(rc == 0, "jobs %u: the run succeeds", jobs);
		CHECK(a->calls == NITEMS, "jobs %u: done() once per input "
		    "(%u)", jobs, a->calls);
		CHECK(a->out_of_order == 0, "jobs %u: done() in input order",
		    jobs);
		CHECK(a->in_run == 0, "jobs %u: done() only after the window "
		    "was committed", jobs);
		CHECK(sum.bundles == NITEMS && sum.count[RESULT_ERROR] ==
		    NITEMS && sum.resumed == 0, "jobs %u: summary counts",
		    jobs);
		CHECK(sum.nreasons == 1 && strcmp(sum.reasons[0].check,
		    "bundle.container") == 0 && sum.reasons[0].n == NITEMS,
		    "jobs %u: the failure reason counted", jobs);
	}
	/* A read-ahead bound below one input: one at a time, none lost. */
	queue_bytes = 1;
	rc = run(s, 4, 4, false, true, a, &sum);
	CHECK(rc == 0 && a->calls == NITEMS && a->out_of_order == 0 &&
	    sum.bundles == NITEMS, "queue_bytes 1: every input, in order "
	    "(%u)", a->calls);
	queue_bytes = 0;
	/* resume: the readable ones come back with their stored ids */
	rc = run(s, 3, 5, false, false, a, &sum);
	CHECK(rc == 0, "a fresh run without resume");
	rc = run(s, 3, 5, true, false, b, &sum);
	CHECK(rc == 0, "the same inputs with resume");
	CHECK(b->calls == NITEMS && b->out_of_order == 0,
	    "resume: every input reported, in order");
	CHECK(b->resumed == NITEMS - NITEMS / 5, "resume: the readable inputs "
	    "resumed (%u), the unreadable ones judged again", b->resumed);
	CHECK(sum.resumed == b->resumed, "resume: counted in the summary");
	CHECK(memcmp(a->ids[0], b->ids[0], STORE_ID_LEN) == 0 &&
	    memcmp(a->ids[22], b->ids[22], STORE_ID_LEN) == 0,
	    "resume: a resumed result has the id of the newest stored one");
	CHECK(memcmp(a->ids[4], b->ids[4], STORE_ID_LEN) != 0,
	    "resume: an unreadable input gets a new result");
	CHECK(batch_summary_json(&sum, &json, &e) == 0 &&
	    strstr(json, "\"bundles\":23,") != NULL &&
	    strstr(json, "\"resumed\":19,") != NULL &&
	    strstr(json, "{\"check\":\"bundle.container\",\"count\":23}") !=
	    NULL, "summary JSON: counts and reasons");
	free(json);
	free(a);
	free(b);
	store_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return check_finish();
}
