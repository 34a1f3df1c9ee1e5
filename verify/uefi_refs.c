/*
 * uefi_refs.c - stored UEFI rules and the run's cache of parsed reference
 * event logs (uefi_refs.h).
 */
#include "verify/uefi_refs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bundle.h"
#include "format/members.h"
#include "policy/ima_policy.h"
#include "verify/store_pcrref.h"

#define UEFI_REFCACHE_BUCKETS	1024	/* ids are digests: any bits do */

/* ---- rule spelling ------------------------------------------------------- */

bool
uefi_rule_is(const char *text)
{
	return strncmp(text, UEFI_RULE_PREFIX,
	    sizeof(UEFI_RULE_PREFIX) - 1) == 0;
}

int
uefi_rule_add(struct evlog_policy *p, const char *text, struct errbuf *e)
{
	if (!uefi_rule_is(text))
		return err_set(e, "'%.64s' is no UEFI rule (uefi.RULE)", text);
	return evlog_policy_add_rule(p, text + sizeof(UEFI_RULE_PREFIX) - 1, e);
}

int
uefi_rule_canonical(const char *text, char *out, size_t cap,
    struct errbuf *e)
{
	struct evlog_policy p;
	size_t n = sizeof(UEFI_RULE_PREFIX) - 1;

	p.nrules = 0;
	if (cap <= n)
		return err_set(e, "UEFI rule text: no room");
	if (uefi_rule_add(&p, text, e) == -1)
		return -1;
	memcpy(out, UEFI_RULE_PREFIX, n);
	return evlog_rule_format(&p.rules[0], out + n, cap - n, e);
}

/* ---- resolving a device's rules ------------------------------------------ */

struct rule_sets {
	size_t n;
	int64_t ids[IMA_POLICY_SETS_MAX];
	char names[IMA_POLICY_SETS_MAX][STORE_REFSET_NAME_MAX + 1];
};

static int
collect_set(const struct store_refset *rs, void *arg, struct errbuf *e)
{
	struct rule_sets *s = arg;

	if (s->n == IMA_POLICY_SETS_MAX)
		return err_set(e, "more than %d reference sets assigned",
		    IMA_POLICY_SETS_MAX);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", rs->name);
	s->ids[s->n++] = rs->set_id;
	return 0;
}

struct rule_pick {
	struct uefi_rules *out;
	bool from_set;
	size_t found;			/* UEFI rules seen */
	bool have[EVLOG_POLICY_RULES_MAX];	/* per kind, taken */
};

static int
pick_rule(const char *text, void *arg, struct errbuf *e)
{
	struct rule_pick *p = arg;
	struct uefi_rules *o = p->out;
	struct evlog_policy one;
	struct errbuf pe;
	enum evlog_rule_kind k;

	(void)e;
	if (!uefi_rule_is(text))
		return 0;	/* IMA's or pcr.reference's */
	p->found++;
	one.nrules = 0;
	if (uefi_rule_add(&one, text, &pe) == -1) {
		if (o->ok) {
			o->ok = false;
			snprintf(o->problem, sizeof(o->problem), "stored rule "
			    "'%.120s' (%s): %s", text, o->source, pe.msg);
		}
		return 0;
	}
	k = one.rules[0].kind;
	if ((size_t)k >= EVLOG_POLICY_RULES_MAX || p->have[k])
		return 0;	/* an earlier set has one of this kind */
	p->have[k] = true;
	if (k == EVLOG_RULE_REFERENCE)
		return 0;	/* always made: see uefi_refs.h */
	o->policy.rules[o->policy.nrules++] = one.rules[0];
	return 0;
}

int
uefi_rules_resolve(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct uefi_rules *out, struct errbuf *e)
{
	struct rule_sets *sets;
	struct rule_pick p;
	size_t i;
	int rc = -1;

	out->policy.nrules = 0;
	out->stored = false;
	out->ok = true;
	out->problem[0] = '\0';
	snprintf(out->source, sizeof(out->source), "the device's");
	memset(&p, 0, sizeof(p));
	p.out = out;
	if ((sets = calloc(1, sizeof(*sets))) == NULL)
		return err_set(e, "out of memory");
	if (store_policy_foreach(s, id, 0, pick_rule, &p, e) == -1)
		goto out;
	if (p.found == 0) {
		if (store_device_refsets(s, id, collect_set, sets, e) == -1)
			goto out;
		for (i = 0; i < sets->n; i++) {
			snprintf(out->source, sizeof(out->source), "set %s",
			    sets->names[i]);
			p.found = 0;
			if (store_policy_foreach(s, NULL, sets->ids[i],
			    pick_rule, &p, e) == -1)
				goto out;
			if (p.found > 0)
				out->stored = true;
		}
		if (!out->stored)
			snprintf(out->source, sizeof(out->source), "default");
		else if (sets->n > 1)
			/* rules may come from several sets: name them all */
			snprintf(out->source, sizeof(out->source), "%s",
			    "the device's sets");
	} else
		out->stored = true;
	rc = 0;
out:
	free(sets);
	return rc;
}

/* ---- reference logs -------------------------------------------------------- */

struct uefi_refcache {
	pthread_mutex_t lock;
	struct uefi_ref *bucket[UEFI_REFCACHE_BUCKETS];
	size_t bytes;
};

int
uefi_refcache_new(struct uefi_refcache **out, struct errbuf *e)
{
	struct uefi_refcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return err_set(e, "UEFI reference cache: cannot make a lock");
	}
	*out = c;
	return 0;
}

static void
ref_free(struct uefi_ref *r)
{
	if (r == NULL)
		return;
	evlog_free(&r->log);
	free(r->buf);
	free(r);
}

void
uefi_refcache_free(struct uefi_refcache *c)
{
	struct uefi_ref *r, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < UEFI_REFCACHE_BUCKETS; i++)
		for (r = c->bucket[i]; r != NULL; r = next) {
			next = r->next;
			ref_free(r);
		}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
uefi_ref_release(const struct uefi_ref *r)
{
	if (r != NULL && !r->cached)
		ref_free((struct uefi_ref *)r);
}

static size_t
bucket_of(const uint8_t id[STORE_DEVICE_ID_LEN])
{
	return ((size_t)id[0] << 8 | id[1]) % UEFI_REFCACHE_BUCKETS;
}

static struct uefi_ref *
find_locked(struct uefi_refcache *c, const uint8_t id[STORE_DEVICE_ID_LEN])
{
	struct uefi_ref *r;

	for (r = c->bucket[bucket_of(id)]; r != NULL; r = r->next)
		if (memcmp(r->id, id, STORE_DEVICE_ID_LEN) == 0)
			return r;
	return NULL;
}

/* Read and parse id's log; *out NULL when it has none. */
static int
load(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct uefi_ref **out, struct errbuf *e)
{
	struct uefi_ref *r;
	struct errbuf pe;
	bool found;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	evlog_init(&r->log);
	memcpy(r->id, id, STORE_DEVICE_ID_LEN);
	if (store_uefi_ref_get(s, id, &r->buf, &r->len, r->source_bundle,
	    &r->updated, &found, e) == -1) {
		ref_free(r);
		return -1;
	}
	if (!found) {
		ref_free(r);
		return 0;
	}
	if (evlog_parse(&r->log, r->buf, r->len, &pe) == -1)
		snprintf(r->problem, sizeof(r->problem), "%s", pe.msg);
	else {
		r->parsed = true;
		evlog_facts_get(&r->log, &r->facts);
	}
	*out = r;
	return 0;
}

int
uefi_refcache_get(struct uefi_refcache *c, struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const struct uefi_ref **out,
    struct errbuf *e)
{
	struct uefi_ref *r, *had;

	*out = NULL;
	if (c != NULL) {
		pthread_mutex_lock(&c->lock);
		r = find_locked(c, id);
		pthread_mutex_unlock(&c->lock);
		if (r != NULL) {
			*out = r;
			return 0;
		}
	}
	/* loaded without the lock: threads judging other devices go on */
	if (load(s, id, &r, e) == -1)
		return -1;
	if (r == NULL || c == NULL) {
		*out = r;
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	if ((had = find_locked(c, id)) != NULL) {
		/* another thread was quicker: use its copy */
		pthread_mutex_unlock(&c->lock);
		ref_free(r);
		*out = had;
		return 0;
	}
	if (c->bytes + r->len <= UEFI_REFCACHE_BYTES_MAX) {
		r->cached = true;
		r->next = c->bucket[bucket_of(id)];
		c->bucket[bucket_of(id)] = r;
		c->bytes += r->len;
	}
	pthread_mutex_unlock(&c->lock);
	*out = r;
	return 0;
}

/* ---- a new reference from an accepted bundle ---------------------------------- */

int
uefi_ref_take(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct bundle_contents *bc, const struct pcr_set *quoted,
    const uint8_t sha[STORE_SHA256_LEN], int64_t now, size_t *events,
    struct errbuf *e)
{
	struct evlog l;
	struct evlog_replay rp;
	struct evlog_pcr_cmp cmp;
	const uint8_t *log = NULL;
	size_t len = 0;
	int rc = -1;

	*events = 0;
	log = bundle_member_data(bc, MEMBER_UEFI_LOG, &len);
	if (log == NULL || len == 0)
		return 0;
	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	if (evlog_parse(&l, log, len, e) == -1 ||
	    evlog_replay_run(&rp, &l, NULL, 0, e) == -1)
		goto out;
	evlog_replay_compare(&rp, quoted, &cmp);
	if (cmp.mismatch) {
		err_set(e, "its uefi.log does not replay to its quoted PCR %u "
		    "(%s): not a reference", cmp.pcr, cmp.alg->name);
		goto out;
	}
	if (store_uefi_ref_set(s, id, log, len, sha, now, e) == -1)
		goto out;
	*events = l.nevents;
	rc = 0;
out:
	evlog_replay_free(&rp);
	evlog_free(&l);
	return rc;
}
