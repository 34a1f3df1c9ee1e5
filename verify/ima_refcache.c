/*
 * ima_refcache.c - reference sets, keyring and device policies of one run,
 * and the conversion between stored rows and sealed sets (ima_refcache.h).
 */
#include "verify/ima_refcache.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"

/* Sets one run keeps: every set of the store, normally a handful. */
#define REFCACHE_SETS_MAX	1024

struct cached_set {
	char name[REFSET_NAME_MAX + 1];
	struct refset *set;
};

struct ima_refcache {
	pthread_mutex_t lock;
	struct cached_set *sets;
	size_t nsets, cap;
	struct ima_keyring *keys;
	bool keys_loaded;
};

int
ima_refcache_new(struct ima_refcache **out, struct errbuf *e)
{
	struct ima_refcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return err_set(e, "reference cache: cannot make a lock");
	}
	*out = c;
	return 0;
}

void
ima_refcache_free(struct ima_refcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsets; i++)
		refset_free(c->sets[i].set);
	free(c->sets);
	ima_keyring_free(c->keys);
	pthread_mutex_destroy(&c->lock);
	free(c);
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

int
refs_load_own_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct refset **out, struct errbuf *e)
{
	struct store_refs refs;
	struct refset *set = NULL;
	char hex[2 * STORE_DEVICE_ID_LEN + 1], prov[REFSET_SOURCE_MAX];
	bool found;
	int rc = -1;

	*out = NULL;
	if (store_refs_get(s, id, &refs, &found, e) == -1)
		return -1;
	if (!found || refs.ima_log_alg == NULL) {
		store_refs_free(&refs);
		return 0;
	}
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	snprintf(prov, sizeof(prov), "enrollment log of device %.16s",
	    hex);
	if (refset_new(IMA_OWN_LOG_SET, &set, e) == 0 &&
	    refset_add_ima_log(set, refs.ima_log, refs.ima_log_len,
	    refs.ima_log_alg, "the reference log", prov, e) == 0 &&
	    refset_seal(set, e) == 0) {
		*out = set;
		set = NULL;
		rc = 0;
	}
	refset_free(set);
	store_refs_free(&refs);
	return rc;
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
		if (refs_load_own_log(rv->s, id, &r->own, e) == -1)
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

	memset(out, 0, sizeof(*out));
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
	refset_free(r->own);
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
