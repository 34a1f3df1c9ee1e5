/*
 * verify_test_refcache.c - verify/ima_refcache.c through its header, on a
 * real store: a set saved and loaded back is the same set; a device's
 * policy is resolved as documented (own rules, else its sets' rules, one
 * per kind, else "reorder"; its sets, else its enrollment log); eight
 * threads resolving devices at once share one loaded copy of each set
 * (each thread with its own store connection, as the batch engine runs).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "policy/ima_refset.h"
#include "verify/ima_refcache.h"
#include "verify/store.h"

#define NOW	1790000000
#define THREADS	8
#define ROUNDS	50

static char path[256];

static struct store *
open_store(enum store_mode mode)
{
	struct store *s;
	struct errbuf e;

	if (store_open(path, mode, &s, &e) == -1) {
		printf("# store_open: %s\n", e.msg);
		exit(2);
	}
	return s;
}

static void
add_device(struct store *s, uint8_t salt, uint8_t id[STORE_DEVICE_ID_LEN])
{
	struct store_device d;
	struct errbuf e;

	memset(&d, 0, sizeof(d));
	snprintf((char *)d.ek_cert, sizeof(d.ek_cert), "EK certificate %u",
	    salt);
	d.ek_cert_len = strlen((char *)d.ek_cert);
	store_device_id(d.ek_cert, d.ek_cert_len, d.id, NULL);
	memset(d.ek_public, 0x10 + salt, 300);
	d.ek_public_len = 300;
	memset(d.ak_public, 0x20 + salt, 280);
	d.ak_public_len = 280;
	d.ak_name[1] = 0x0b;
	memset(d.ak_name + 2, 0x30 + salt, 32);
	d.ak_name_len = 34;
	d.state = STORE_DEVICE_ENROLLED;
	if (store_device_add(s, &d, NOW, &e) == -1) {
		printf("# device: %s\n", e.msg);
		exit(2);
	}
	memcpy(id, d.id, STORE_DEVICE_ID_LEN);
}

/* A sealed set name of n entries "/bin/fN" (sha256 digest N repeated). */
static struct refset *
make_set(const char *name, unsigned n, const char *prov)
{
	const struct hashalg *sha256 = hashalg_by_name("sha256");
	struct refset *set;
	struct errbuf e;
	uint8_t dig[32];
	char p[32];
	uint32_t src;
	unsigned i;

	if (refset_new(name, &set, &e) == -1 ||
	    refset_add_source(set, prov, &src, &e) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "/bin/f%u", i);
		memset(dig, (int)(i + 1), sizeof(dig));
		if (refset_add_entry(set, p, strlen(p), sha256, dig, i % 3 + 1,
		    src, &e) == -1)
			goto fail;
	}
	if (refset_seal(set, &e) == 0)
		return set;
fail:
	printf("# make_set: %s\n", e.msg);
	exit(2);
}

static int64_t
stored_set(struct store *s, const char *name, const struct refset *set)
{
	struct store_refset r;
	struct errbuf e;
	bool created, found;

	if (store_refset_create(s, name, NOW, &created, &e) == -1 ||
	    store_refset_get(s, name, &r, &found, &e) == -1 ||
	    refs_save_set(s, r.set_id, set, NOW + 1, &e) == -1) {
		printf("# save: %s\n", e.msg);
		exit(2);
	}
	return r.set_id;
}

static bool
same_set(const struct refset *a, const struct refset *b)
{
	const struct refset_entry *x, *y;
	size_t i;

	if (refset_count(a) != refset_count(b))
		return false;
	for (i = 0; i < refset_count(a); i++) {
		x = refset_entry(a, i);
		y = refset_entry(b, i);
		if (x->alg != y->alg || x->count != y->count ||
		    x->path_len != y->path_len ||
		    memcmp(x->path, y->path, x->path_len) != 0 ||
		    memcmp(x->digest, y->digest, x->alg->size) != 0 ||
		    strcmp(refset_source(a, x->source),
		    refset_source(b, y->source)) != 0)
			return false;
	}
	return true;
}

struct worker {
	struct ima_refcache *c;
	const uint8_t *id;
	const struct refset *seen[ROUNDS];
	size_t nsets[ROUNDS];
	int failed;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct ima_device_ref *r;
	struct store *s = open_store(STORE_MUST_EXIST);
	struct errbuf e;
	int i;

	if ((r = malloc(sizeof(*r))) == NULL) {
		w->failed = 1;
		store_close(s);
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		if (ima_refcache_device(w->c, s, w->id, r, &e) == -1) {
			printf("# thread: %s\n", e.msg);
			w->failed = 1;
			break;
		}
		w->seen[i] = r->nsets > 0 ? r->sets[0] : NULL;
		w->nsets[i] = r->nsets;
		ima_device_ref_free(r);
	}
	free(r);
	store_close(s);
	return NULL;
}

static void
test_threads(const uint8_t *id, const struct refset *want)
{
	struct ima_refcache *c;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct errbuf e;
	const struct refset *first = NULL;
	int i, j, bad = 0;

	CHECK(ima_refcache_new(&c, &e) == 0, "threads: cache");
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].c = c;
		w[i].id = id;
		CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0,
		    "threads: start %d", i);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < ROUNDS; j++) {
			if (first == NULL)
				first = w[i].seen[j];
			bad += w[i].failed || w[i].nsets[j] != 1 ||
			    w[i].seen[j] != first;
		}
	CHECK(bad == 0, "threads: %d resolutions all got the one shared set "
	    "(%d differ)", THREADS * ROUNDS, bad);
	CHECK(first != NULL && same_set(first, want),
	    "threads: and it is the stored set");
	ima_refcache_free(c);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	uint8_t da[STORE_DEVICE_ID_LEN], db[STORE_DEVICE_ID_LEN];
	uint8_t dc[STORE_DEVICE_ID_LEN];
	struct ima_device_ref *r;
	struct ima_refcache *c;
	struct refset *base, *extra, *back;
	struct store_refset sr;
	const struct refset *got, *got2;
	const char *rules1[] = { "reorder:fail=extra", "violations:max=2" };
	const char *rules2[] = { "reorder:fail=missing", "allowlist" };
	struct store *s;
	struct errbuf e;
	int64_t idb, ide;
	bool found, changed;

	snprintf(path, sizeof(path), "%s/refcache-%ld.db", tmp ? tmp : "/tmp",
	    (long)getpid());
	unlink(path);
	s = open_store(STORE_CREATE_NEW);
	add_device(s, 1, da);
	add_device(s, 2, db);
	add_device(s, 3, dc);
	base = make_set("base", 500, "tree /mnt/golden");
	extra = make_set("extra", 20, "sums SHA256SUMS");
	idb = stored_set(s, "base", base);
	ide = stored_set(s, "extra", extra);

	/* round trip through the store */
	CHECK(store_refset_get(s, "base", &sr, &found, &e) == 0 && found &&
	    sr.entries == 500 && sr.updated == NOW + 1, "store: 500 rows");
	CHECK(refs_load_set(s, &sr, &back, &e) == 0 && same_set(back, base),
	    "round trip: the same entries, counts and provenance");
	refset_free(back);

	CHECK(ima_refcache_new(&c, &e) == 0, "cache");
	CHECK(ima_refcache_set(c, s, "base", &got, &found, &e) == 0 && found &&
	    same_set(got, base), "cache: a set by name");
	CHECK(ima_refcache_set(c, s, "base", &got2, &found, &e) == 0 &&
	    got2 == got, "cache: loaded once, the same object after");
	CHECK(ima_refcache_set(c, s, "nosuch", &got2, &found, &e) == 0 &&
	    !found, "cache: an unknown set is not found, not an error");

	if ((r = malloc(sizeof(*r))) == NULL)
		return 2;
	/* nothing stored: default rule, no set (no enrollment log either) */
	CHECK(ima_refcache_device(c, s, da, r, &e) == 0 && r->nrules == 1 &&
	    strcmp(r->rules[0], "reorder") == 0 && r->default_rules &&
	    r->nsets == 0 && r->keys != NULL, "device a: default rule, no set");
	ima_device_ref_free(r);

	/* sets' rules: the first set (by name) with a kind gives it */
	store_refset_assign(s, db, idb, NOW, &changed, &e);
	store_refset_assign(s, db, ide, NOW, &changed, &e);
	store_policy_set(s, NULL, idb, rules1, 2, &e);
	store_policy_set(s, NULL, ide, rules2, 2, &e);
	CHECK(ima_refcache_device(c, s, db, r, &e) == 0 && r->nsets == 2 &&
	    r->sets[0] == got && strcmp(r->set_names, "base, extra") == 0,
	    "device b: both sets, shared, named");
	CHECK(r->nrules == 3 && strcmp(r->rules[0], "reorder:fail=extra") == 0 &&
	    strcmp(r->rules[1], "violations:max=2") == 0 &&
	    strcmp(r->rules[2], "allowlist") == 0 && !r->default_rules,
	    "device b: base's reorder and violations, extra's allowlist");
	ima_device_ref_free(r);

	/* own rules win */
	store_policy_set(s, db, 0, rules2 + 1, 1, &e);
	CHECK(ima_refcache_device(c, s, db, r, &e) == 0 && r->nrules == 1 &&
	    strcmp(r->rules[0], "allowlist") == 0, "device b: its own rules");
	ima_device_ref_free(r);
	free(r);
	ima_refcache_free(c);

	store_refset_assign(s, dc, idb, NOW, &changed, &e);
	store_close(s);
	test_threads(dc, base);

	refset_free(base);
	refset_free(extra);
	unlink(path);
	unlink(strcat(path, "-wal"));
	return check_finish();
}
