/*
 * verify_test_batch_race.c - two verifiers sharing one store judge the
 * same bundle bytes before either commits (issue 6: a redelivered message
 * does not produce a second result). Two batches with resume are open on
 * two connections to one store file, as two `dossier verify --follow`
 * processes are; both are given bundle X before the first commits. The
 * second must report the first's result as resumed (same result id) and
 * write no row of its own, whether its window is open or committed. The
 * same bytes given twice to ONE run are still judged twice (a replay is
 * this run's own business, not another verifier's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tests/unit/check.h"
#include "verify/batch.h"
#include "verify/inputs.h"
#include "verify/store.h"

#define NSEEN	8
#define NOW	1800000000

struct seen {
	unsigned calls;
	bool resumed[NSEEN];
	uint8_t ids[NSEEN][STORE_ID_LEN];
};

static int
on_done(void *arg, const struct batch_done *d, struct errbuf *e)
{
	struct seen *sn = arg;

	(void)e;
	if (d->seq < NSEEN) {
		sn->resumed[d->seq] = d->resumed;
		memcpy(sn->ids[d->seq], d->result_id, STORE_ID_LEN);
	}
	sn->calls++;
	return 0;
}

static struct batch *
open_batch(struct store *s, unsigned window, struct seen *sn)
{
	struct batch_opts o;
	struct batch *b;
	struct errbuf e;

	memset(sn, 0, sizeof(*sn));
	memset(&o, 0, sizeof(o));
	o.jobs = 2;
	o.window = window;
	o.resume = true;
	o.done = on_done;
	o.done_arg = sn;
	o.now = NOW;
	if (batch_open(s, &o, &b, &e) == -1) {
		printf("# batch_open: %s\n", e.msg);
		exit(2);
	}
	return b;
}

/* Bundle bytes number k (garbage: judged, verdict error, digest known). */
static void
add(struct batch *b, unsigned k, const char *name)
{
	struct input_item it;
	struct errbuf e;
	uint8_t buf[400];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(k * 53 + i * 11);
	memset(&it, 0, sizeof(it));
	it.name = name;
	it.data = buf;
	it.len = sizeof(buf);
	if (batch_add(b, &it, &e) == -1) {
		printf("# batch_add: %s\n", e.msg);
		exit(2);
	}
}

static size_t
rows_of(struct store *s, unsigned k)
{
	uint8_t buf[400], sha[32];
	int64_t rowids[8];
	struct errbuf e;
	size_t i, n;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(k * 53 + i * 11);
	if (EVP_Digest(buf, sizeof(buf), sha, NULL, EVP_sha256(), NULL) != 1 ||
	    store_result_rowids_after(s, sha, 0, rowids, 8, &n, &e) == -1) {
		printf("# rows: %s\n", e.msg);
		exit(2);
	}
	return n;
}

static void
race(const char *path, unsigned window, unsigned x, unsigned z)
{
	struct store *s1, *s2;
	struct seen *a, *b;
	struct batch *b1, *b2;
	struct errbuf e;

	if (store_open(path, STORE_MUST_EXIST, &s1, &e) == -1 ||
	    store_open(path, STORE_MUST_EXIST, &s2, &e) == -1) {
		printf("# store: %s\n", e.msg);
		exit(2);
	}
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL)
		exit(2);
	b1 = open_batch(s1, 8, a);
	b2 = open_batch(s2, window, b);
	/*
	 * b2's worker judges X first (it takes microseconds; the pause only
	 * gives it the time), then b1 judges and commits X, and only then is
	 * b2 given more: adding to b2 applies what its workers finished, so
	 * X is applied after b1's commit and must be found by the
	 * committer's recheck. (Applying X before b1's sync would take the
	 * write lock first and leave b1 waiting out its busy timeout.) Were
	 * the pause too short, X would be found before judging: the test
	 * would pass without testing the recheck, never fail wrongly.
	 */
	add(b2, x, "second/X");
	usleep(200000);
	add(b1, x, "first/X");
	CHECK(batch_sync(b1, &e) == 0 && a->calls == 1 && !a->resumed[0],
	    "window %u: the first verifier commits X", window);
	add(b2, z, "second/Z");
	add(b2, z, "second/Z-again");
	CHECK(batch_close(b2, NULL, &e) == 0 && b->calls == 3,
	    "window %u: the second verifier finishes", window);
	CHECK(b->resumed[0] && memcmp(a->ids[0], b->ids[0],
	    STORE_ID_LEN) == 0, "window %u: the second reports X as resumed, "
	    "with the first's result id", window);
	CHECK(rows_of(s1, x) == 1, "window %u: one result row for X (%zu)",
	    window, rows_of(s1, x));
	CHECK(!b->resumed[1] && !b->resumed[2] &&
	    memcmp(b->ids[1], b->ids[2], STORE_ID_LEN) != 0 &&
	    rows_of(s1, z) == 2, "window %u: Z given twice to one run is "
	    "judged twice", window);
	CHECK(batch_close(b1, NULL, &e) == 0, "window %u: the first closes",
	    window);
	free(a);
	free(b);
	store_close(s1);
	store_close(s2);
}

int
main(void)
{
	char dir[] = "/tmp/verify_test_batch_race.XXXXXX", path[80];
	struct store *s;
	struct errbuf e;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE_NEW, &s, &e) == -1) {
		printf("# store: %s\n", e.msg);
		return 2;
	}
	store_close(s);
	race(path, 8, 1, 2);	/* Z's first row in the open window */
	race(path, 1, 3, 4);	/* ... in a committed one */
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return check_finish();
}
