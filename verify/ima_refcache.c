/*
 * ima_refcache.c - reference sets, keyring and device policies of one run,
 * and the conversion between stored rows and sealed sets (ima_refcache.h).
 */
#include "verify/ima_refcache.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/hashalg.h"
#include "format/hex.h"
#include "policy/pcr_policy.h"
#include "verify/uefi_refs.h"

/* Sets one run keeps: every set of the store, normally a handful. */
#define REFCACHE_SETS_MAX	1024
/*
 * Devices' own enrollment-log sets kept between bundles (a fleet judged
 * against its own logs would otherwise reload and re-index a device's log
 * for each of its bundles): at most REFCACHE_OWN_BYTES_MAX of them by the
 * estimate own_set_bytes(), least recently used dropped first; a set in
 * use by a judgement is never dropped (it is freed when released).
 */
#define REFCACHE_OWN_BYTES_MAX	((size_t)256 << 20)
#define REFCACHE_OWN_BUCKETS	1024	/* hash buckets (ids are digests) */
#define REFCACHE_ENTRY_BYTES	96	/* an entry's index cost, estimated */

struct cached_set {
	char name[REFSET_NAME_MAX + 1];
	struct refset *set;
};

/* One device's own set; the stamp says which stored log it was built from. */
struct own_set {
	uint8_t id[STORE_DEVICE_ID_LEN];
	struct store_refs_stamp stamp;
	struct refset *set;
	size_t bytes;
	unsigned users;			/* device refs holding it */
	bool cached;			/* in the table and the LRU list */
	struct own_set *hnext;		/* bucket chain */
	struct own_set *newer, *older;	/* LRU list */
};

/* An AK's key by the SHA-256 of its TPM2B_PUBLIC bytes (open addressing,
 * at most half full). */
#define REFCACHE_KEY_SLOTS	(2 * REFCACHE_KEYS_MAX)
struct cached_key {
	uint8_t pub_sha[32];
	EVP_PKEY *key;			/* NULL: free slot */
};

struct ima_refcache {
	pthread_mutex_t lock;
	struct cached_key *keys_by_pub;	/* REFCACHE_KEY_SLOTS, lazily */
	size_t nkeys;
	struct cached_set *sets;
	size_t nsets, cap;
	struct ima_keyring *keys;
	bool keys_loaded;
	struct own_set *own[REFCACHE_OWN_BUCKETS];
	struct own_set *newest, *oldest;
	size_t own_bytes;
	struct uefi_refcache *uefi;	/* the sibling: reference UEFI logs */
};

int
ima_refcache_new(struct ima_refcache **out, struct errbuf *e)
{
	struct ima_refcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	if (uefi_refcache_new(&c->uefi, e) == -1) {
		free(c);
		return -1;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		uefi_refcache_free(c->uefi);
		free(c);
		return err_set(e, "reference cache: cannot make a lock");
	}
	*out = c;
	return 0;
}

static void
own_set_free(struct own_set *o)
{
	if (o == NULL)
		return;
	refset_free(o->set);
	free(o);
}

void
ima_refcache_free(struct ima_refcache *c)
{
	struct own_set *o, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->keys_by_pub != NULL && i < REFCACHE_KEY_SLOTS; i++)
		EVP_PKEY_free(c->keys_by_pub[i].key);
	free(c->keys_by_pub);
	for (o = c->newest; o != NULL; o = next) {
		next = o->older;
		own_set_free(o);	/* every user has released it */
	}
	for (i = 0; i < c->nsets; i++)
		refset_free(c->sets[i].set);
	free(c->sets);
	ima_keyring_free(c->keys);
	uefi_refcache_free(c->uefi);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct uefi_refcache *
ima_refcache_uefi(struct ima_refcache *c)
{
	return c == NULL ? NULL : c->uefi;
}

/* ---- stored rows <-> sets --------------------------------------------- */

struct load_ctx {
	struct refset *set;
	uint32_t *map;		/* stored source index -> set's index */
	size_t nmap;
	const char *name;
};

static int
load_source(uint32_t index, const char *text, void *arg, struct errbuf *e)
{
	struct load_ctx *l = arg;
	uint32_t *nm;

	if (index >= REFSET_SOURCES_MAX)
		return err_set(e, "source %u out of range", index);
	if (index >= l->nmap) {
		if ((nm = realloc(l->map, (index + 1) * sizeof(*nm))) == NULL)
			return err_set(e, "out of memory");
		memset(nm + l->nmap, 0, (index + 1 - l->nmap) * sizeof(*nm));
		l->map = nm;
		l->nmap = index + 1;
	}
	return refset_add_source(l->set, text, &l->map[index], e);
}

static int
load_row(const struct store_refset_row *r, void *arg, struct errbuf *e)
{
	struct load_ctx *l = arg;
	const struct hashalg *alg = hashalg_by_name(r->alg);

	if (alg == NULL || alg->size != r->digest_len)
		return err_set(e, "corrupt store: entry with algorithm '%s' "
		    "and a %zu-byte digest", r->alg, r->digest_len);
	if (r->source >= l->nmap)
		return err_set(e, "corrupt store: entry with unknown source "
		    "%u", r->source);
	return refset_add_entry(l->set, (const char *)r->path, r->path_len,
	    alg, r->digest, r->count, l->map[r->source], e);
}

int
refs_load_set(struct store *s, const struct store_refset *r,
    struct refset **out, struct errbuf *e)
{
	struct load_ctx l;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	l.name = r->name;
	if (refset_new(r->name, &l.set, e) == -1)
		return err_prefix(e, "reference set %s", r->name);
	if (store_refset_sources(s, r->set_id, load_source, &l, e) == -1 ||
	    store_refset_rows(s, r->set_id, load_row, &l, e) == -1 ||
	    refset_seal(l.set, e) == -1) {
		free(l.map);
		refset_free(l.set);
		return err_prefix(e, "reference set %s", r->name);
	}
	free(l.map);
	*out = l.set;
	return 0;
}

int
refs_save_set(struct store *s, int64_t set_id, const struct refset *set,
    int64_t now, struct errbuf *e)
{
	const struct refset_entry *en;
	struct store_refset_row row;
	size_t i, n;

	if (store_refset_clear(s, set_id, e) == -1)
		return -1;
	n = refset_nsources(set);
	for (i = 0; i < n; i++)
		if (store_refset_put_source(s, set_id, (uint32_t)i,
		    refset_source(set, (uint32_t)i), e) == -1)
			return -1;
	n = refset_count(set);
	for (i = 0; i < n; i++) {
		en = refset_entry(set, i);
		row.path = (const uint8_t *)en->path;
		row.path_len = en->path_len;
		row.alg = en->alg->name;
		row.digest = en->digest;
		row.digest_len = en->alg->size;
		row.count = en->count;
		row.source = en->source;
		if (store_refset_put_row(s, set_id, &row, e) == -1)
			return -1;
	}
	return store_refset_touch(s, set_id, now, e);
}

static int
add_key(const struct store_ima_key *k, void *arg, struct errbuf *e)
{
	if (ima_keyring_add(arg, k->data, k->len, k->source, e) == -1)
		return err_prefix(e, "IMA key %s", k->source);
	return 0;
}

int
refs_load_keyring(struct store *s, struct ima_keyring **out,
    struct errbuf *e)
{
	struct ima_keyring *kr;

	*out = NULL;
	if (ima_keyring_new(&kr, e) == -1)
		return -1;
	if (store_ima_key_foreach(s, add_key, kr, e) == -1) {
		ima_keyring_free(kr);
		return -1;
	}
	*out = kr;
	return 0;
}

struct own_load {
	struct refset *set;
	char prov[REFSET_SOURCE_MAX];
};

/* store_refs_log_fn: the stored log, in place, into a new sealed set. */
static int
own_log_in_place(void *arg, const struct hashalg *alg, const uint8_t *log,
    size_t len, struct errbuf *e)
{
	struct own_load *l = arg;

	if (refset_new(IMA_OWN_LOG_SET, &l->set, e) == -1 ||
	    refset_add_ima_log(l->set, log, len, alg, "the reference log",
	    l->prov, e) == -1)
		return -1;
	return refset_seal(l->set, e);
}

int
refs_load_own_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct refset **out, struct errbuf *e)
{
	struct own_load l;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	bool found;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	snprintf(l.prov, sizeof(l.prov), "enrollment log of device %.16s",
	    hex);
	/* parsed from SQLite's buffer: the log (hundreds of KiB) is not
	 * copied, nor the reference PCRs read */
	if (store_refs_log(s, id, own_log_in_place, &l, &found, e) == -1) {
		refset_free(l.set);
		return -1;
	}
	*out = l.set;
	return 0;
}

/* ---- the cache ---------------------------------------------------------- */

static int
cache_set_locked(struct ima_refcache *c, struct store *s, const char *name,
    const struct refset **out, bool *found, struct errbuf *e)
{
	struct store_refset r;
	struct cached_set *ns;
	struct refset *set;
	size_t i, cap;

	*out = NULL;
	*found = false;
	for (i = 0; i < c->nsets; i++)
		if (strcmp(c->sets[i].name, name) == 0) {
			*out = c->sets[i].set;
			*found = true;
			return 0;
		}
	if (store_refset_get(s, name, &r, found, e) == -1 || !*found)
		return *found ? -1 : 0;
	if (c->nsets == REFCACHE_SETS_MAX)
		return err_set(e, "more than %d reference sets in one run",
		    REFCACHE_SETS_MAX);
	if (c->nsets == c->cap) {
		cap = c->cap ? c->cap * 2 : 8;
		if ((ns = realloc(c->sets, cap * sizeof(*ns))) == NULL)
			return err_set(e, "out of memory");
		c->sets = ns;
		c->cap = cap;
	}
	if (refs_load_set(s, &r, &set, e) == -1)
		return -1;
	snprintf(c->sets[c->nsets].name, sizeof(c->sets[0].name), "%s",
	    name);
	c->sets[c->nsets++].set = set;
	*out = set;
	return 0;
}

int
ima_refcache_set(struct ima_refcache *c, struct store *s, const char *name,
    const struct refset **out, bool *found, struct errbuf *e)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = cache_set_locked(c, s, name, out, found, e);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int
keyring_locked(struct ima_refcache *c, struct store *s,
    const struct ima_keyring **out, struct errbuf *e)
{
	if (!c->keys_loaded) {
		if (refs_load_keyring(s, &c->keys, e) == -1)
			return -1;
		c->keys_loaded = true;
	}
	*out = c->keys;
	return 0;
}

int
ima_refcache_keyring(struct ima_refcache *c, struct store *s,
    const struct ima_keyring **out, struct errbuf *e)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = keyring_locked(c, s, out, e);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* ---- AK keys ------------------------------------------------------------------ */

/* The slot of sha: where it is, or the free one where it would go; NULL
 * when the table is not there. */
static struct cached_key *
key_slot_locked(struct ima_refcache *c, const uint8_t sha[32])
{
	size_t i;

	if (c->keys_by_pub == NULL)
		return NULL;
	i = ((size_t)sha[0] << 16 | (size_t)sha[1] << 8 | sha[2]) %
	    REFCACHE_KEY_SLOTS;
	while (c->keys_by_pub[i].key != NULL &&
	    memcmp(c->keys_by_pub[i].pub_sha, sha, 32) != 0)
		i = (i + 1) % REFCACHE_KEY_SLOTS;
	return &c->keys_by_pub[i];
}

static EVP_PKEY *
key_get(struct ima_refcache *c, const uint8_t sha[32])
{
	struct cached_key *k;
	EVP_PKEY *key = NULL;

	pthread_mutex_lock(&c->lock);
	if ((k = key_slot_locked(c, sha)) != NULL && k->key != NULL &&
	    EVP_PKEY_up_ref(k->key) == 1)
		key = k->key;
	pthread_mutex_unlock(&c->lock);
	return key;
}

/* Keep key (the caller keeps its own reference) unless full or there. */
static void
key_put(struct ima_refcache *c, const uint8_t sha[32], EVP_PKEY *key)
{
	struct cached_key *k;

	pthread_mutex_lock(&c->lock);
	if (c->keys_by_pub == NULL)
		c->keys_by_pub = calloc(REFCACHE_KEY_SLOTS,
		    sizeof(*c->keys_by_pub));
	if (c->nkeys < REFCACHE_KEYS_MAX &&
	    (k = key_slot_locked(c, sha)) != NULL && k->key == NULL &&
	    EVP_PKEY_up_ref(key) == 1) {
		memcpy(k->pub_sha, sha, 32);
		k->key = key;
		c->nkeys++;
	}
	pthread_mutex_unlock(&c->lock);
}

int
ima_refcache_ak_key(struct ima_refcache *c, const uint8_t *pub, size_t len,
    const struct tpm_public *ak, EVP_PKEY **out, struct errbuf *e)
{
	uint8_t sha[32];

	*out = NULL;
	if (c == NULL)
		return tpm_public_to_pkey(ak, out, e);
	if (hashalg_digest(hashalg_by_name("sha256"), pub, len, sha) == -1)
		return err_set(e, "SHA-256 failed");
	if ((*out = key_get(c, sha)) != NULL)
		return 0;
	if (tpm_public_to_pkey(ak, out, e) == -1)
		return -1;
	key_put(c, sha, *out);
	return 0;
}

/* ---- devices' own sets ----------------------------------------------------- */

static size_t
own_bucket(const uint8_t id[STORE_DEVICE_ID_LEN])
{
	return ((size_t)id[0] << 8 | id[1]) % REFCACHE_OWN_BUCKETS;
}

static bool
same_stamp(const struct store_refs_stamp *a, const struct store_refs_stamp *b)
{
	return a->has_log == b->has_log &&
	    a->updated == b->updated &&
	    memcmp(a->source_bundle, b->source_bundle, STORE_SHA256_LEN) == 0;
}

static void
lru_unlink(struct ima_refcache *c, struct own_set *o)
{
	if (o->newer != NULL)
		o->newer->older = o->older;
	else
		c->newest = o->older;
	if (o->older != NULL)
		o->older->newer = o->newer;
	else
		c->oldest = o->newer;
	o->newer = o->older = NULL;
}

static void
lru_push(struct ima_refcache *c, struct own_set *o)
{
	o->older = c->newest;
	o->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = o;
	c->newest = o;
	if (c->oldest == NULL)
		c->oldest = o;
}

/* Take o out of the table and the list; freed now if nobody uses it. */
static void
own_drop_locked(struct ima_refcache *c, struct own_set *o)
{
	struct own_set **pp = &c->own[own_bucket(o->id)];

	while (*pp != o)
		pp = &(*pp)->hnext;
	*pp = o->hnext;
	lru_unlink(c, o);
	c->own_bytes -= o->bytes;
	o->cached = false;
	if (o->users == 0)
		own_set_free(o);
}

static void
own_trim_locked(struct ima_refcache *c)
{
	struct own_set *o, *newer;

	for (o = c->oldest; o != NULL && c->own_bytes > REFCACHE_OWN_BYTES_MAX;
	    o = newer) {
		newer = o->newer;
		if (o->users == 0)
			own_drop_locked(c, o);
	}
}

static struct own_set *
own_find_locked(struct ima_refcache *c, const uint8_t id[STORE_DEVICE_ID_LEN])
{
	struct own_set *o;

	for (o = c->own[own_bucket(id)]; o != NULL; o = o->hnext)
		if (memcmp(o->id, id, STORE_DEVICE_ID_LEN) == 0)
			return o;
	return NULL;
}

/*
 * The cached set of device id built from the log stamp names, taken for a
 * user (users + 1, most recently used); NULL if none or another stamp (the
 * stale one is dropped).
 */
static struct own_set *
own_take(struct ima_refcache *c, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_refs_stamp *stamp)
{
	struct own_set *o;

	pthread_mutex_lock(&c->lock);
	if ((o = own_find_locked(c, id)) != NULL) {
		if (same_stamp(&o->stamp, stamp)) {
			o->users++;
			lru_unlink(c, o);
			lru_push(c, o);
		} else {
			own_drop_locked(c, o);
			o = NULL;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return o;
}

/*
 * Put the new set o (users 1) in the cache; if another thread put one of
 * the same stamp meanwhile, use that one and free o.
 */
static struct own_set *
own_put(struct ima_refcache *c, struct own_set *o)
{
	struct own_set *had;
	size_t b = own_bucket(o->id);

	pthread_mutex_lock(&c->lock);
	if ((had = own_find_locked(c, o->id)) != NULL) {
		if (same_stamp(&had->stamp, &o->stamp)) {
			had->users++;
			pthread_mutex_unlock(&c->lock);
			own_set_free(o);
			return had;
		}
		own_drop_locked(c, had);
	}
	o->hnext = c->own[b];
	c->own[b] = o;
	lru_push(c, o);
	o->cached = true;
	c->own_bytes += o->bytes;
	own_trim_locked(c);
	pthread_mutex_unlock(&c->lock);
	return o;
}

static void
own_release(struct ima_refcache *c, struct own_set *o)
{
	bool free_it;

	pthread_mutex_lock(&c->lock);
	o->users--;
	free_it = o->users == 0 && !o->cached;
	if (o->users == 0 && o->cached)
		own_trim_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (free_it)
		own_set_free(o);
}

/* What a set holds, roughly: its entries, their paths and digests. */
static size_t
own_set_bytes(const struct refset *set)
{
	const struct refset_entry *en;
	size_t i, n = refset_count(set), bytes = sizeof(struct own_set);

	for (i = 0; i < n; i++) {
		en = refset_entry(set, i);
		bytes += REFCACHE_ENTRY_BYTES + en->path_len + en->alg->size;
	}
	return bytes;
}

/*
 * Device id's own enrollment-log set into r (r->own NULL when the device
 * has no log): from the cache when the stored log is the one it was built
 * from, else loaded (through the caller's connection, no lock held) and
 * cached.
 */
static int
own_log_get(struct ima_refcache *c, struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct ima_device_ref *r,
    struct errbuf *e)
{
	struct store_refs_stamp stamp;
	struct own_set *o;
	struct refset *set;
	bool found;

	if (store_refs_stamp(s, id, &stamp, &found, e) == -1)
		return -1;
	if (!found || !stamp.has_log)
		return 0;
	if ((o = own_take(c, id, &stamp)) == NULL) {
		if (refs_load_own_log(s, id, &set, e) == -1)
			return -1;
		if (set == NULL)
			return 0;	/* removed since the stamp was read */
		if ((o = calloc(1, sizeof(*o))) == NULL) {
			refset_free(set);
			return err_set(e, "out of memory");
		}
		memcpy(o->id, id, STORE_DEVICE_ID_LEN);
		o->stamp = stamp;
		o->set = set;
		o->bytes = own_set_bytes(set);
		o->users = 1;
		o->hnext = NULL;
		o = own_put(c, o);
	}
	r->own = o->set;
	r->own_slot = o;
	r->cache = c;
	return 0;
}

/* ---- device resolution ---------------------------------------------------- */

struct resolve {
	struct ima_refcache *c;
	struct store *s;
	struct ima_device_ref *r;
	char names[IMA_POLICY_SETS_MAX][REFSET_NAME_MAX + 1];
	int64_t ids[IMA_POLICY_SETS_MAX];
	size_t n;
	bool from_set;		/* rules come from a set: one per kind */
};

static int
collect_set(const struct store_refset *rs, void *arg, struct errbuf *e)
{
	struct resolve *rv = arg;

	if (rv->n == IMA_POLICY_SETS_MAX)
		return err_set(e, "more than %d reference sets assigned",
		    IMA_POLICY_SETS_MAX);
	snprintf(rv->names[rv->n], sizeof(rv->names[0]), "%s", rs->name);
	rv->ids[rv->n++] = rs->set_id;
	return 0;
}

/* The kind word of a rule text ("reorder" of "reorder:fail=extra"). */
static size_t
rule_word(const char *t)
{
	return strcspn(t, ":");
}

static int
collect_rule(const char *text, void *arg, struct errbuf *e)
{
	struct resolve *rv = arg;
	struct ima_device_ref *r = rv->r;
	size_t i, w = rule_word(text);

	/* a pcrs rule is pcr.reference's (verify/judge_pcr.c), a uefi.*
	 * rule the UEFI judgement's (verify/uefi_refs.h), each resolved on
	 * its own: neither counts as an IMA rule nor hides the sets' */
	if (pcr_policy_is_rule(text) || uefi_rule_is(text))
		return 0;
	if (rv->from_set)
		for (i = 0; i < r->nrules; i++)
			if (rule_word(r->rules[i]) == w &&
			    strncmp(r->rules[i], text, w) == 0)
				return 0;	/* an earlier set has one */
	if (r->nrules == IMA_POLICY_RULES_MAX)
		return err_set(e, "more than %d IMA policy rules",
		    IMA_POLICY_RULES_MAX);
	if (strlen(text) > IMA_POLICY_TEXT_MAX)
		return err_set(e, "corrupt store: a rule longer than %d bytes",
		    IMA_POLICY_TEXT_MAX);
	snprintf(r->rules[r->nrules++], sizeof(r->rules[0]), "%s", text);
	return 0;
}

/*
 * Everything but the shared sets and keyring is this device's and read
 * through the caller's connection: no lock is held while the rules are
 * read or the enrollment log is parsed, so threads judging different
 * devices do not wait for each other; ima_refcache_set() and
 * ima_refcache_keyring() lock for the shared objects.
 */
static int
resolve(struct resolve *rv, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e)
{
	struct ima_device_ref *r = rv->r;
	size_t i, off = 0;
	bool found, own;

	if (store_device_refsets(rv->s, id, collect_set, rv, e) == -1 ||
	    store_policy_foreach(rv->s, id, 0, collect_rule, rv, e) == -1)
		return -1;
	own = r->nrules > 0;
	rv->from_set = true;
	for (i = 0; !own && i < rv->n; i++)
		if (store_policy_foreach(rv->s, NULL, rv->ids[i], collect_rule,
		    rv, e) == -1)
			return -1;
	if (r->nrules == 0) {
		snprintf(r->rules[0], sizeof(r->rules[0]), "reorder");
		r->nrules = 1;
		r->default_rules = true;
	}
	for (i = 0; i < rv->n; i++) {
		if (ima_refcache_set(rv->c, rv->s, rv->names[i],
		    &r->sets[r->nsets], &found, e) == -1)
			return -1;
		if (!found)
			continue;	/* deleted meanwhile */
		r->nsets++;
		off += snprintf(r->set_names + off, sizeof(r->set_names) - off,
		    "%s%s", off ? ", " : "", rv->names[i]);
		if (off >= sizeof(r->set_names))
			off = sizeof(r->set_names) - 1;
	}
	if (r->nsets == 0) {
		if (own_log_get(rv->c, rv->s, id, r, e) == -1)
			return err_prefix(e, "the device's reference log");
		if (r->own != NULL) {
			r->sets[r->nsets++] = r->own;
			snprintf(r->set_names, sizeof(r->set_names), "%s",
			    IMA_OWN_LOG_SET);
		}
	}
	return ima_refcache_keyring(rv->c, rv->s, &r->keys, e);
}

int
ima_refcache_device(struct ima_refcache *c, struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct ima_device_ref *out,
    struct errbuf *e)
{
	struct resolve *rv;
	int rc;

	/* everything but the 64 KiB of rule texts, written below nrules */
	out->nrules = 0;
	memset(&out->default_rules, 0, sizeof(*out) -
	    offsetof(struct ima_device_ref, default_rules));
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return err_set(e, "out of memory");
	rv->c = c;
	rv->s = s;
	rv->r = out;
	rc = resolve(rv, id, e);
	free(rv);
	if (rc == -1)
		ima_device_ref_free(out);
	return rc;
}

void
ima_device_ref_free(struct ima_device_ref *r)
{
	if (r->own_slot != NULL)
		own_release(r->cache, r->own_slot);
	r->own_slot = NULL;
	r->own = NULL;
	r->nsets = 0;
}

/* ---- findings as text ------------------------------------------------------ */

const char *
ima_rule_check_name(enum ima_rule_kind k)
{
	switch (k) {
	case IMA_RULE_REORDER:
		return "ima.reorder";
	case IMA_RULE_ALLOWLIST:
		return "ima.allowlist";
	case IMA_RULE_SIGNATURES:
		return "ima.signatures";
	case IMA_RULE_BOOT_AGGREGATE:
		return "ima.boot-aggregate";
	case IMA_RULE_VIOLATIONS:
		return "ima.violations";
	}
	return "ima.policy";
}

/* "sha256:<hex>" of a digest, or "(no digest)". */
static void
digest_text(const struct hashalg *alg, const uint8_t *d, char *out,
    size_t cap)
{
	char hex[2 * HASHALG_MAX_SIZE + 1];

	if (alg == NULL || d == NULL) {
		snprintf(out, cap, "(no digest)");
		return;
	}
	hex_encode(d, alg->size, hex);
	snprintf(out, cap, "%s:%s", alg->name, hex);
}

void
ima_finding_format(const struct ima_finding *f, char *out, size_t cap)
{
	char path[200], dig[2 * HASHALG_MAX_SIZE + 16];
	char ref[2 * HASHALG_MAX_SIZE + 16], where[48];
	size_t n;

	ima_printable(f->path ? f->path : "", f->path ? f->path_len : 0, path,
	    sizeof(path));
	digest_text(f->alg, f->digest, dig, sizeof(dig));
	if (f->index == UINT64_MAX)
		where[0] = '\0';
	else
		snprintf(where, sizeof(where), "entry %" PRIu64 " ", f->index);
	n = (size_t)snprintf(out, cap, "%s: %s'%s' %s",
	    ima_finding_class_name(f->cls), where, path, dig);
	if (n < cap && f->ref_alg != NULL && f->ref_digest != NULL) {
		digest_text(f->ref_alg, f->ref_digest, ref, sizeof(ref));
		n += (size_t)snprintf(out + n, cap - n, "; reference %s", ref);
	}
	if (n < cap && f->source != NULL && f->source[0] != '\0')
		n += (size_t)snprintf(out + n, cap - n, " (%s)", f->source);
	if (n < cap && f->detail != NULL && f->detail[0] != '\0')
		snprintf(out + n, cap - n, ": %s", f->detail);
}
