/*
 * policy_bench.c - what IMA policy evaluation (reorder + allowlist) adds to
 * a replay, measured in one process on one thread.
 *
 * Setup (not timed): an ima-ng binary list of -n records (default 1M)
 * built in memory over -f distinct files (default 200k) with realistic
 * paths and random SHA-256 file digests, each file measured n/f times in a
 * shuffled order, with correct SHA-1 columns; the reference set is built
 * from that list with refset_add_ima_log() and sealed (f entries, count
 * n/f each), so every record matches: the judging of a healthy device.
 *
 * Timed passes over the list in memory, best of -r runs (default 3),
 * interleaved so that both see the same load, timed in CPU time of the
 * thread (CLOCK_THREAD_CPUTIME_ID): on a shared machine wall time mostly
 * measures the other processes; caches stay shared, so figures still
 * vary with the load:
 *   replay   ima_parse_record + ima_replay_record (sha1 and sha256 banks,
 *            per-bank mode): what `dossier verify` does anyway;
 *   policy   the same pass plus ima_eval_record under "reorder" and
 *            "allowlist" against the set, then ima_eval_end;
 *   eval     ima_parse_record + ima_eval_record alone.
 * It checks that the policy passes with no finding (else exits 1).
 *
 * usage: policy_bench [-n records] [-f files] [-r runs] [-p pass]
 * (-p 0..3 runs only that pass, for a profiler; its figures only).
 * Prints one line: entries=N files=F set=S replay_s=.. policy_s=..
 *   eval_s=.. replay_entries_per_s=.. policy_entries_per_s=..
 *   eval_entries_per_s=.. overhead=..   (overhead = policy/replay - 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy/ima_policy.h"
#include "format/ima_replay.h"

struct bench {
	uint8_t *log;
	size_t len;
	uint64_t n;
	struct refset *set;
	struct ima_policy pol;
	struct ima_eval *ev;
	uint64_t findings;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static const char *const dirs[] = {
	"/usr/bin/", "/usr/sbin/", "/usr/lib/x86_64-linux-gnu/lib",
	"/usr/lib/modules/6.1.0-18-amd64/kernel/drivers/net/",
	"/usr/lib/python3/dist-packages/", "/usr/libexec/",
};

/* One ima-ng record of file f into out; its size. */
static size_t
record(uint8_t *out, size_t f, const uint8_t *digest, EVP_MD_CTX *ctx)
{
	char path[160];
	size_t pl, dl, td;
	uint8_t *q;
	unsigned mdlen;

	pl = (size_t)snprintf(path, sizeof(path), "%scomponent-%zu.%zu",
	    dirs[f % 6], f, f % 7) + 1;
	dl = 4 + 8 + 32 + 4 + pl;		/* "sha256:" NUL digest, path */
	le32(out, 10);
	le32(out + 24, 6);
	memcpy(out + 28, "ima-ng", 6);
	le32(out + 34, (uint32_t)dl);
	q = out + 38;
	le32(q, 8 + 32);
	memcpy(q + 4, "sha256:", 8);
	memcpy(q + 12, digest, 32);
	le32(q + 44, (uint32_t)pl);
	memcpy(q + 48, path, pl);
	td = dl;
	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, out + 38, td);
	EVP_DigestFinal_ex(ctx, out + 4, &mdlen);
	return 38 + td;
}

static int
make_log(struct bench *b, size_t files)
{
	uint8_t *digests, *p;
	uint32_t *order;
	size_t i, j, cap = b->n * 256;
	uint32_t t;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	digests = malloc(files * 32);
	order = malloc(b->n * sizeof(*order));
	b->log = malloc(cap);
	if (digests == NULL || order == NULL || b->log == NULL || ctx == NULL)
		return -1;
	for (i = 0; i < files * 32; i += 8) {
		uint64_t r = next_rand();
		memcpy(digests + i, &r, 8);
	}
	for (i = 0; i < b->n; i++)
		order[i] = (uint32_t)(i % files);
	for (i = b->n; i > 1; i--) {	/* Fisher-Yates */
		j = next_rand() % i;
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	p = b->log;
	for (i = 0; i < b->n; i++)
		p += record(p, order[i], digests + 32 * order[i], ctx);
	b->len = (size_t)(p - b->log);
	free(digests);
	free(order);
	EVP_MD_CTX_free(ctx);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
count_finding(void *arg, const struct ima_finding *f)
{
	struct bench *b = arg;

	(void)f;
	b->findings++;
}

/* One pass; which: 0 replay, 1 replay + policy, 2 policy alone, 3 parse
 * alone. */
static double
pass(struct bench *b, int which)
{
	const struct hashalg *banks[2] = { hashalg_by_name("sha1"),
	    hashalg_by_name("sha256") };
	struct ima_replay r;
	struct ima_parser p;
	struct ima_record rec;
	struct ima_eval_result res;
	struct errbuf e;
	size_t off = 0, need;
	bool ok, passed = false;
	double t0;

	if (which < 2 && ima_replay_init(&r, banks, 2, IMA_REPLAY_PER_BANK,
	    banks[0], &e) != 0) {
		fprintf(stderr, "policy_bench: %s\n", e.msg);
		exit(2);
	}
	b->findings = 0;
	t0 = now();
	ima_parser_init(&p, banks[0], IMA_ORDER_UNKNOWN);
	if ((which == 1 || which == 2) && ima_eval_begin(b->ev, &b->pol, NULL, count_finding,
	    b, &e) != 0)
		goto fail;
	while (off < b->len) {
		if (ima_parse_record(&p, b->log + off, b->len - off, &rec,
		    &need, &e) != IMA_PARSE_RECORD)
			goto fail;
		if (which < 2 && ima_replay_record(&r, &rec, &ok, &e) != 0)
			goto fail;
		if ((which == 1 || which == 2) &&
		    ima_eval_record(b->ev, &rec, &e) != 0)
			goto fail;
		off += rec.size;
	}
	if ((which == 1 || which == 2) && ima_eval_end(b->ev, &res, &passed, &e) != 0)
		goto fail;
	t0 = now() - t0;
	if (which < 2)
		ima_replay_free(&r);
	if ((which == 1 || which == 2) && (!passed || b->findings != 0)) {
		fprintf(stderr, "policy_bench: the policy did not pass "
		    "(%llu findings)\n", (unsigned long long)b->findings);
		exit(1);
	}
	return t0;
fail:
	fprintf(stderr, "policy_bench: %s\n", e.msg);
	exit(2);
}

static int
setup(struct bench *b, size_t files)
{
	struct errbuf e;

	if (make_log(b, files) != 0) {
		fprintf(stderr, "policy_bench: out of memory\n");
		return -1;
	}
	if (refset_new("bench", &b->set, &e) != 0 ||
	    refset_add_ima_log(b->set, b->log, b->len, hashalg_by_name("sha1"),
	    "generated", "generated log", &e) != 0 ||
	    refset_seal(b->set, &e) != 0 ||
	    ima_policy_add_rule(&b->pol, "reorder", &e) != 0 ||
	    ima_policy_add_rule(&b->pol, "allowlist", &e) != 0 ||
	    ima_eval_new(&b->ev, &e) != 0) {
		fprintf(stderr, "policy_bench: %s\n", e.msg);
		return -1;
	}
	b->pol.nsets = 1;
	b->pol.sets[0] = b->set;
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench b;
	size_t files = 200000;
	double best[4] = { 0, 0, 0, 0 }, t;
	int c, runs = 3, i, k, only = -1;

	memset(&b, 0, sizeof(b));
	b.n = 1000000;
	while ((c = getopt(argc, argv, "n:f:r:p:")) != -1) {
		switch (c) {
		case 'p':	/* one pass kind only, for profiling */
			only = atoi(optarg);
			break;
		case 'n':
			b.n = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			files = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: policy_bench [-n records] "
			    "[-f files] [-r runs]\n");
			return 2;
		}
	}
	if (b.n == 0 || files == 0 || files > b.n || runs < 1) {
		fprintf(stderr, "policy_bench: need 0 < files <= records, "
		    "runs >= 1\n");
		return 2;
	}
	if (setup(&b, files) != 0)
		return 2;
	for (i = 0; i < runs; i++)
		for (k = 0; k < 4; k++) {
			if (only >= 0 && k != only)
				continue;
			t = pass(&b, k);
			if (best[k] == 0 || t < best[k])
				best[k] = t;
		}
	printf("entries=%llu files=%zu set=%zu replay_s=%.3f policy_s=%.3f "
	    "eval_s=%.3f replay_entries_per_s=%.0f policy_entries_per_s=%.0f "
	    "eval_entries_per_s=%.0f parse_s=%.3f overhead=%.3f\n",
	    (unsigned long long)b.n, files, refset_count(b.set), best[0],
	    best[1], best[2], b.n / best[0], b.n / best[1], b.n / best[2],
	    best[3], best[1] / best[0] - 1);
	ima_eval_free(b.ev);
	refset_free(b.set);
	free(b.log);
	return 0;
}
