/*
 * verify_test_owncache.c - the cache of devices' own enrollment-log sets
 * in verify/ima_refcache.c, through its header on a real store: a device
 * resolved twice gets the one cached set (built like refs_load_own_log());
 * a new stored log replaces it at the next resolution while a judgement
 * still holding the old one can read it (ASan sees a use after free); a
 * removed log gives no set; eight threads resolving two devices at once
 * share one set per device. The run's AK keys (ima_refcache_ak_key()):
 * one key object per AK, the same public key as built without a cache.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "check.h"
#include "format/fileio.h"
#include "policy/ima_refset.h"
#include "verify/ima_refcache.h"
#include "verify/store.h"

#define NOW	1790000000
#define THREADS	8
#define ROUNDS	40
#define LOG_A	"testdata/ima/perbank/imatest.sha256.bin"	/* sha256 */
#define LOG_B	"testdata/ima/charra/binary_runtime_measurements"

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

/* Store file log_path (NULL: no log) as device id's reference log. */
static void
set_log(struct store *s, const uint8_t *id, const char *log_path,
    const char *alg, uint8_t tag, int64_t now)
{
	struct store_refs r;
	struct errbuf e;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	if (log_path != NULL) {
		if (file_read(log_path, 1 << 24, &buf, &len, &e) == -1) {
			printf("# %s: %s\n", log_path, e.msg);
			exit(2);
		}
		r.ima_log = buf;
		r.ima_log_len = len;
		r.ima_log_alg = hashalg_by_name(alg);
	}
	memset(r.source_bundle, tag, sizeof(r.source_bundle));
	if (store_refs_set(s, id, &r, now, &e) == -1) {
		printf("# refs: %s\n", e.msg);
		exit(2);
	}
	free(buf);
}

/* Entries of the set refs_load_own_log() builds now, as the reference. */
static size_t
fresh_count(struct store *s, const uint8_t *id)
{
	struct refset *set;
	struct errbuf e;
	size_t n;

	if (refs_load_own_log(s, id, &set, &e) == -1 || set == NULL)
		return 0;
	n = refset_count(set);
	refset_free(set);
	return n;
}

/* Read every entry of set (ASan reports a freed set). */
static size_t
walk(const struct refset *set)
{
	size_t i, sum = 0;

	for (i = 0; set != NULL && i < refset_count(set); i++)
		sum += refset_entry(set, i)->path_len;
	return sum;
}

struct worker {
	struct ima_refcache *c;
	const uint8_t *id[2];
	const struct refset *seen[2][ROUNDS];
	int failed;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct ima_device_ref *r;
	struct store *s = open_store(STORE_MUST_EXIST);
	struct errbuf e;
	int i, d;

	if ((r = malloc(sizeof(*r))) == NULL) {
		w->failed = 1;
		store_close(s);
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++)
		for (d = 0; d < 2; d++) {
			if (ima_refcache_device(w->c, s, w->id[d], r, &e) ==
			    -1 || r->nsets != 1) {
				printf("# thread: %s\n", e.msg);
				w->failed = 1;
				goto out;
			}
			w->seen[d][i] = r->sets[0];
			walk(r->sets[0]);
			ima_device_ref_free(r);
		}
out:
	free(r);
	store_close(s);
	return NULL;
}

static void
test_threads(const uint8_t *a, const uint8_t *b)
{
	struct ima_refcache *c;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct errbuf e;
	int i, j, d, bad = 0;

	CHECK(ima_refcache_new(&c, &e) == 0, "threads: cache");
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].c = c;
		w[i].id[0] = a;
		w[i].id[1] = b;
		CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0,
		    "threads: start %d", i);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++)
		for (j = 0; j < ROUNDS; j++)
			for (d = 0; d < 2; d++)
				bad += w[i].failed ||
				    w[i].seen[d][j] != w[0].seen[d][0];
	CHECK(bad == 0 && w[0].seen[0][0] != w[0].seen[1][0],
	    "threads: %d resolutions, one shared set per device (%d differ)",
	    THREADS * ROUNDS * 2, bad);
	ima_refcache_free(c);
}

static void
test_ak_keys(void)
{
	const char *files[2] = { "testdata/tpm/ak-ecc.pub",
	    "testdata/tpm/ak-rsa.pub" };
	struct tpm_public ak[2];
	struct ima_refcache *c;
	EVP_PKEY *k[2][2], *plain;
	struct errbuf e;
	uint8_t *buf[2];
	size_t len[2];
	int i;

	for (i = 0; i < 2; i++)
		if (file_read(files[i], 4096, &buf[i], &len[i], &e) == -1 ||
		    tpm_public_parse_2b(buf[i], len[i], &ak[i], &e) == -1) {
			printf("# %s: %s\n", files[i], e.msg);
			exit(2);
		}
	CHECK(ima_refcache_new(&c, &e) == 0, "keys: cache");
	for (i = 0; i < 2; i++)
		CHECK(ima_refcache_ak_key(c, buf[i], len[i], &ak[i], &k[i][0],
		    &e) == 0 && ima_refcache_ak_key(c, buf[i], len[i], &ak[i],
		    &k[i][1], &e) == 0 && k[i][0] == k[i][1],
		    "keys: %s built once, the same key after", files[i]);
	CHECK(k[0][0] != k[1][0], "keys: another AK, another key");
	CHECK(ima_refcache_ak_key(NULL, buf[1], len[1], &ak[1], &plain,
	    &e) == 0 && plain != k[1][0] && EVP_PKEY_eq(plain, k[1][0]) == 1,
	    "keys: without a cache, an equal key of its own");
	EVP_PKEY_free(plain);
	ima_refcache_free(c);	/* the callers' references stay good */
	CHECK(EVP_PKEY_eq(k[0][0], k[0][1]) == 1 &&
	    EVP_PKEY_get_bits(k[1][1]) == 2048,
	    "keys: a reference outlives the cache");
	for (i = 0; i < 2; i++) {
		EVP_PKEY_free(k[i][0]);
		EVP_PKEY_free(k[i][1]);
		free(buf[i]);
	}
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	uint8_t da[STORE_DEVICE_ID_LEN], db[STORE_DEVICE_ID_LEN];
	struct ima_device_ref *r1, *r2;
	struct ima_refcache *c;
	const struct refset *first;
	struct store *s;
	struct errbuf e;
	size_t na, nb;

	snprintf(path, sizeof(path), "%s/owncache-%ld.db", tmp ? tmp : "/tmp",
	    (long)getpid());
	unlink(path);
	s = open_store(STORE_CREATE_NEW);
	add_device(s, 1, da);
	add_device(s, 2, db);
	set_log(s, da, LOG_A, "sha256", 1, NOW);
	set_log(s, db, LOG_B, "sha1", 2, NOW);
	na = fresh_count(s, da);
	nb = fresh_count(s, db);
	CHECK(na > 0 && nb > 0 && na != nb, "logs: %zu and %zu entries",
	    na, nb);

	if ((r1 = malloc(sizeof(*r1))) == NULL ||
	    (r2 = malloc(sizeof(*r2))) == NULL)
		return 2;
	CHECK(ima_refcache_new(&c, &e) == 0, "cache");
	CHECK(ima_refcache_device(c, s, da, r1, &e) == 0 && r1->nsets == 1 &&
	    r1->own == r1->sets[0] && refset_count(r1->own) == na &&
	    strcmp(r1->set_names, IMA_OWN_LOG_SET) == 0,
	    "device a: its enrollment log, as refs_load_own_log builds it");
	first = r1->own;
	CHECK(ima_refcache_device(c, s, da, r2, &e) == 0 && r2->own == first,
	    "device a again while the first holds it: the cached set, not "
	    "built again");
	ima_device_ref_free(r2);

	/* re-enrolled while r1 is still held */
	set_log(s, da, LOG_B, "sha1", 3, NOW + 5);
	CHECK(ima_refcache_device(c, s, da, r2, &e) == 0 && r2->nsets == 1 &&
	    r2->own != first && refset_count(r2->own) == nb,
	    "device a re-enrolled: the new log's set");
	CHECK(walk(r1->own) > 0 && r1->own == first &&
	    refset_count(r1->own) == na,
	    "device a: the judgement holding the old set still reads it");
	ima_device_ref_free(r1);
	ima_device_ref_free(r2);
	ima_device_ref_free(r2);	/* twice is harmless */

	set_log(s, da, NULL, NULL, 4, NOW + 9);
	CHECK(ima_refcache_device(c, s, da, r1, &e) == 0 && r1->nsets == 0 &&
	    r1->own == NULL, "device a, log removed: no set");
	ima_device_ref_free(r1);
	ima_refcache_free(c);
	free(r1);
	free(r2);

	set_log(s, da, LOG_A, "sha256", 5, NOW + 10);
	store_close(s);
	test_threads(da, db);
	test_ak_keys();

	unlink(path);
	unlink(strcat(path, "-wal"));
	return check_finish();
}
