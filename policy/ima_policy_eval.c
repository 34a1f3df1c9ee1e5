/*
 * ima_policy_eval.c - IMA policy rules at work: one pass over a log's
 * records judged by every rule (reorder, allowlist, signatures,
 * boot_aggregate, violations) against reference sets, a keyring and
 * quoted PCRs, findings handed on as they are found. See ima_policy.h.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ima_policy.h"

/* --- evaluation state ----------------------------------------------------- */

/* Uses of one reference entry in the current evaluation. The slot is
 * current only when its epoch is the evaluation's: clearing is O(1). */
struct use {
	uint32_t epoch;
	uint32_t used;		/* taken by exact matches */
	uint32_t changed;	/* claimed by changed entries (same path) */
};

struct set_state {
	struct use *use;
	size_t cap;
	uint64_t total;		/* sum of the set's multiplicities */
	uint64_t matched;	/* uses taken in this evaluation */
};

#define EVAL_LAG	12	/* records between arrival and lookup */
#define EVAL_STAGE	4	/* records between prefetch stages */

/* A counting record's key, copied (the record's bytes do not stay). */
struct pending {
	uint64_t index;
	uint64_t hash;
	size_t likely[IMA_POLICY_SETS_MAX];	/* stage 2's entry per set */
	const struct hashalg *alg;
	size_t path_len;
	uint8_t digest[HASHALG_MAX_SIZE];
	char path[REFSET_PATH_MAX];
};

struct ima_eval {
	const struct ima_policy *p;
	const struct pcr_set *pcrs;
	ima_finding_fn fn;
	void *arg;
	uint32_t epoch;
	struct set_state set[IMA_POLICY_SETS_MAX];
	int rule_of[IMA_RULE_NKINDS];	/* index in p->rules, -1 if absent */
	struct ima_eval_result res;
	const struct hashalg *alg_list[32];
	size_t nalgs;
	char pathz[REFSET_PATH_MAX + 1];	/* NUL-terminated path */
	/* The current record's exact entry in each set (SIZE_MAX: none),
	 * looked up once and shared by reorder and allowlist. */
	size_t exact[IMA_POLICY_SETS_MAX];
	/* Records waiting for their reorder/allowlist lookups (a ring of
	 * EVAL_LAG): their index slots are prefetched when they arrive and
	 * read EVAL_LAG records later, so memory latency overlaps the
	 * caller's replay work instead of adding to it. */
	struct pending *ring;
	size_t ring_head, ring_len;
	struct ima_record prec;		/* a popped record (key fields only) */
	bool boot_checked;
};

int
ima_eval_new(struct ima_eval **out, struct errbuf *e)
{
	/* the ring's records are written whole before they are read */
	if ((*out = calloc(1, sizeof(**out))) == NULL ||
	    ((*out)->ring = malloc(EVAL_LAG * sizeof(struct pending))) ==
	    NULL) {
		free(*out);
		*out = NULL;
		return err_set(e, "out of memory");
	}
	return 0;
}

void
ima_eval_free(struct ima_eval *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < IMA_POLICY_SETS_MAX; i++)
		free(ev->set[i].use);
	free(ev->ring);
	free(ev);
}

static int
prepare_set(struct ima_eval *ev, size_t i, const struct refset *s,
    struct errbuf *e)
{
	struct set_state *st = &ev->set[i];
	size_t n = refset_count(s);
	struct use *nu;

	if (!refset_sealed(s))
		return err_set(e, "reference set %s is not sealed",
		    refset_name(s));
	if (st->cap < n) {
		if ((nu = realloc(st->use, n * sizeof(*nu))) == NULL)
			return err_set(e, "out of memory for %zu counters", n);
		memset(nu, 0, n * sizeof(*nu));	/* epoch 0 is never used */
		st->use = nu;
		st->cap = n;
	}
	st->total = refset_total(s);	/* O(1): per evaluation */
	st->matched = 0;
	return 0;
}

static void
next_epoch(struct ima_eval *ev)
{
	size_t i;

	if (++ev->epoch != 0)
		return;
	for (i = 0; i < IMA_POLICY_SETS_MAX; i++)
		if (ev->set[i].use != NULL)
			memset(ev->set[i].use, 0,
			    ev->set[i].cap * sizeof(*ev->set[i].use));
	ev->epoch = 1;
}

int
ima_eval_begin(struct ima_eval *ev, const struct ima_policy *p,
    const struct pcr_set *pcrs, ima_finding_fn fn, void *arg,
    struct errbuf *e)
{
	size_t i;

	if (p->nsets > IMA_POLICY_SETS_MAX || p->nrules > IMA_POLICY_RULES_MAX)
		return err_set(e, "policy with too many sets or rules");
	ev->p = p;
	ev->pcrs = pcrs;
	ev->fn = fn;
	ev->arg = arg;
	memset(&ev->res, 0, sizeof(ev->res));
	ev->nalgs = 0;
	ev->boot_checked = false;
	ev->ring_head = 0;
	ev->ring_len = 0;
	for (i = 0; i < IMA_RULE_NKINDS; i++)
		ev->rule_of[i] = -1;
	for (i = 0; i < p->nrules; i++)
		ev->rule_of[p->rules[i].kind] = (int)i;
	for (i = 0; i < p->nsets; i++)
		if (prepare_set(ev, i, p->sets[i], e) == -1)
			return -1;
	next_epoch(ev);
	if ((ev->rule_of[IMA_RULE_REORDER] >= 0 ||
	    ev->rule_of[IMA_RULE_ALLOWLIST] >= 0) && p->nsets == 0)
		return err_set(e, "policy compares with reference sets but "
		    "has none");
	return 0;
}

static const struct ima_rule *
rule(const struct ima_eval *ev, enum ima_rule_kind k)
{
	return ev->rule_of[k] < 0 ? NULL : &ev->p->rules[ev->rule_of[k]];
}

/* Count and hand on one finding. */
static void
report(struct ima_eval *ev, struct ima_finding *f)
{
	ev->res.counted[f->cls]++;
	if (f->fails) {
		ev->res.failing[f->cls]++;
		if (ev->rule_of[f->rule] >= 0)
			ev->res.rule_failed[ev->rule_of[f->rule]] = true;
	}
	if (ev->fn != NULL)
		ev->fn(ev->arg, f);
}

static void
finding_of(struct ima_finding *f, const struct ima_record *rec,
    enum ima_finding_class cls, enum ima_rule_kind rk, bool fails)
{
	memset(f, 0, sizeof(*f));
	f->cls = cls;
	f->rule = rk;
	f->fails = fails;
	f->index = rec->index;
	f->path = rec->path;
	f->path_len = rec->path_len;
	f->alg = rec->file_alg;
	f->digest = rec->file_digest;
}

static bool
glob_any(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	size_t i;

	/* Longer than any real path (PATH_MAX): no glob applies. */
	if (r->nglobs == 0 || rec->path == NULL ||
	    rec->path_len > REFSET_PATH_MAX)
		return false;
	memcpy(ev->pathz, rec->path, rec->path_len);
	ev->pathz[rec->path_len] = '\0';
	for (i = 0; i < r->nglobs; i++)
		if (fnmatch(ima_rule_glob(r, i), ev->pathz, 0) == 0)
			return true;
	return false;
}

/* --- reorder -------------------------------------------------------------- */

static void
note_alg(struct ima_eval *ev, const struct hashalg *alg)
{
	size_t i;

	for (i = 0; i < ev->nalgs; i++)
		if (ev->alg_list[i] == alg)
			return;
	if (ev->nalgs < sizeof(ev->alg_list) / sizeof(ev->alg_list[0]))
		ev->alg_list[ev->nalgs++] = alg;
}

static bool
alg_seen(const struct ima_eval *ev, const struct hashalg *alg)
{
	size_t i;

	for (i = 0; i < ev->nalgs; i++)
		if (ev->alg_list[i] == alg)
			return true;
	return false;
}

/* Take one use of the exact entry; 1 matched, 0 all taken, -1 absent. */
static int
take_use(struct ima_eval *ev, const struct ima_record *rec)
{
	const struct refset *s;
	struct use *u;
	size_t i, k;
	int found = -1;

	(void)rec;
	for (i = 0; i < ev->p->nsets; i++) {
		s = ev->p->sets[i];
		if ((k = ev->exact[i]) == SIZE_MAX)
			continue;
		u = &ev->set[i].use[k];
		if (u->epoch != ev->epoch) {
			u->epoch = ev->epoch;
			u->used = 0;
			u->changed = 0;
		}
		if (u->used < refset_entry(s, k)->count) {
			u->used++;
			ev->set[i].matched++;
			return 1;
		}
		found = 0;
	}
	return found;
}

/*
 * A reference entry with this path and the record's algorithm, preferring
 * one with multiplicity left after the exact matches and changes so far;
 * the change claims it, so the reference side of a change is reported
 * with the change and not again as missing (an exact match arriving later
 * still matches).
 */
static const struct refset_entry *
same_path_entry(struct ima_eval *ev, const struct ima_record *rec,
    size_t *set)
{
	const struct refset *s;
	const struct refset_entry *en, *first = NULL;
	struct use *u;
	size_t i, k;

	for (i = 0; i < ev->p->nsets; i++) {
		s = ev->p->sets[i];
		for (k = refset_find_path(s, rec->path, rec->path_len);
		    k != SIZE_MAX; k = refset_next_path(s, k)) {
			en = refset_entry(s, k);
			if (en->alg != rec->file_alg)
				continue;
			u = &ev->set[i].use[k];
			if (u->epoch != ev->epoch) {
				u->epoch = ev->epoch;
				u->used = 0;
				u->changed = 0;
			}
			if ((uint64_t)u->used + u->changed < en->count) {
				u->changed++;
				*set = i;
				return en;
			}
			if (first == NULL) {
				first = en;
				*set = i;
			}
		}
	}
	return first;
}

static void
eval_reorder(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	const struct refset_entry *en;
	struct ima_finding f;
	size_t set = 0;
	int t;

	note_alg(ev, rec->file_alg);
	if ((t = take_use(ev, rec)) == 1)
		return;
	if (t == 0) {
		finding_of(&f, rec, IMA_FIND_DUPLICATE, IMA_RULE_REORDER,
		    (r->fail_mask >> IMA_FIND_DUPLICATE) & 1);
		f.detail = "measured more often than the reference has it";
	} else if ((en = same_path_entry(ev, rec, &set)) != NULL) {
		finding_of(&f, rec, IMA_FIND_CHANGED, IMA_RULE_REORDER,
		    (r->fail_mask >> IMA_FIND_CHANGED) & 1);
		f.ref_alg = en->alg;
		f.ref_digest = en->digest;
		f.source = refset_source(ev->p->sets[set], en->source);
	} else
		finding_of(&f, rec, IMA_FIND_EXTRA, IMA_RULE_REORDER,
		    (r->fail_mask >> IMA_FIND_EXTRA) & 1);
	report(ev, &f);
}

/* Reference entries with multiplicity left over: missing. */
static void
reorder_missing(struct ima_eval *ev, const struct ima_rule *r)
{
	const struct refset *s;
	const struct refset_entry *en;
	const struct use *u;
	struct ima_finding f;
	uint32_t used, k;
	size_t i, n;

	for (i = 0; i < ev->p->nsets; i++) {
		s = ev->p->sets[i];
		if (ev->set[i].matched == ev->set[i].total)
			continue;	/* every use taken: nothing missing */
		n = refset_count(s);
		for (k = 0; k < n; k++) {
			en = refset_entry(s, k);
			u = &ev->set[i].use[k];
			used = u->epoch == ev->epoch ? u->used : 0;
			if (u->epoch == ev->epoch)
				used += u->changed < en->count ? u->changed :
				    en->count;
			if (used >= en->count || !alg_seen(ev, en->alg))
				continue;
			memset(&f, 0, sizeof(f));
			f.cls = IMA_FIND_MISSING;
			f.rule = IMA_RULE_REORDER;
			f.fails = (r->fail_mask >> IMA_FIND_MISSING) & 1;
			f.index = UINT64_MAX;
			f.path = en->path;
			f.path_len = en->path_len;
			f.alg = en->alg;
			f.digest = en->digest;
			f.source = refset_source(s, en->source);
			f.detail = en->count - used > 1 ?
			    "measured fewer times than the reference has it" :
			    NULL;
			report(ev, &f);
		}
	}
}

/* --- allowlist ------------------------------------------------------------ */

static bool
allowed(const struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	size_t i;

	for (i = 0; i < ev->p->nsets; i++)
		if (ev->exact[i] != SIZE_MAX || (r->digest_only &&
		    refset_find_digest(ev->p->sets[i], rec->file_alg,
		    rec->file_digest) != SIZE_MAX))
			return true;
	return false;
}

static void
eval_allowlist(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	struct ima_finding f;

	if (glob_any(ev, r, rec) || allowed(ev, r, rec))
		return;
	finding_of(&f, rec, IMA_FIND_NOT_ALLOWED, IMA_RULE_ALLOWLIST, true);
	report(ev, &f);
}

/* A record with a digest this build cannot judge is never allowed. */
static void
allowlist_unknown_alg(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	struct ima_finding f;

	if (rec->violation || rec->file_alg != NULL ||
	    rec->file_digest == NULL || glob_any(ev, r, rec))
		return;
	finding_of(&f, rec, IMA_FIND_NOT_ALLOWED, IMA_RULE_ALLOWLIST, true);
	f.detail = "file digest algorithm unknown";
	report(ev, &f);
}

/* --- signatures ----------------------------------------------------------- */

static void
sig_finding(struct ima_eval *ev, const struct ima_record *rec,
    enum ima_finding_class cls, bool fails, const char *detail)
{
	struct ima_finding f;

	finding_of(&f, rec, cls, IMA_RULE_SIGNATURES, fails);
	f.detail = detail;
	report(ev, &f);
}

static int
eval_signatures(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec, struct errbuf *e)
{
	struct ima_sig_result sr;
	char detail[200];

	if (ima_sig_check(ev->p->keys, rec, &sr, e) == -1)
		return -1;
	switch (sr.status) {
	case IMA_SIG_VALID:
		ev->res.sig_valid++;
		break;
	case IMA_SIG_NONE:
		/* A template without a signature field: unsigned too, for
		 * the measurements that count (not buffers without a file). */
		if (!refset_record_counts(rec))
			break;
		/* FALLTHROUGH */
	case IMA_SIG_UNSIGNED:
		ev->res.sig_unsigned++;
		sig_finding(ev, rec, IMA_FIND_UNSIGNED, glob_any(ev, r, rec),
		    sr.status == IMA_SIG_NONE ? "template has no signature "
		    "field" : NULL);
		break;
	case IMA_SIG_UNKNOWN_KEY:
		ev->res.sig_unknown_key++;
		if (sr.has_keyid)
			snprintf(detail, sizeof(detail), "%s, keyid %08x",
			    sr.kind ? sr.kind : "signature",
			    (unsigned)sr.keyid);
		else
			snprintf(detail, sizeof(detail), "%s: %.160s",
			    sr.kind ? sr.kind : "signature", sr.why);
		sig_finding(ev, rec, IMA_FIND_UNKNOWN_KEY, true, detail);
		break;
	case IMA_SIG_INVALID:
		ev->res.sig_invalid++;
		snprintf(detail, sizeof(detail), "%s: %.160s",
		    sr.kind ? sr.kind : "signature", sr.why);
		sig_finding(ev, rec, IMA_FIND_BAD_SIGNATURE, true, detail);
		break;
	}
	return 0;
}

/* --- boot_aggregate ------------------------------------------------------- */

int
ima_boot_aggregate(const struct pcr_set *pcrs, const struct hashalg *alg,
    unsigned last, uint8_t *out, struct errbuf *e)
{
	const EVP_MD *md = hashalg_md(alg);
	const uint8_t *v;
	EVP_MD_CTX *ctx;
	unsigned i;
	int rc = -1;

	if (md == NULL)
		return err_set(e, "boot_aggregate: no digest %s", alg->name);
	if (last >= PCR_COUNT)
		return err_set(e, "boot_aggregate: PCR %u out of range", last);
	for (i = 0; i <= last; i++)
		if (pcr_set_get(pcrs, alg, i) == NULL)
			return err_set(e, "boot_aggregate: PCR %s:%u not "
			    "quoted", alg->name, i);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "boot_aggregate");
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto out;
	for (i = 0; i <= last; i++) {
		v = pcr_set_get(pcrs, alg, i);
		if (EVP_DigestUpdate(ctx, v, alg->size) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		err_openssl(e, "boot_aggregate");
	EVP_MD_CTX_free(ctx);
	return rc;
}

static bool
is_boot_aggregate(const struct ima_record *rec)
{
	static const char ba[] = "boot_aggregate";

	return !rec->violation && rec->path != NULL &&
	    rec->path_len == sizeof(ba) - 1 &&
	    memcmp(rec->path, ba, sizeof(ba) - 1) == 0;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static bool
pcrs_present(const struct pcr_set *pcrs, const struct hashalg *alg,
    unsigned last)
{
	unsigned i;

	for (i = 0; i <= last; i++)
		if (pcr_set_get(pcrs, alg, i) == NULL)
			return false;
	return true;
}

/* Which PCR range of the bank gives the recorded value: 9, 7 or -1. */
static int
boot_match(const struct pcr_set *pcrs, const struct hashalg *bank,
    const uint8_t *want, bool try9, struct errbuf *e)
{
	uint8_t v[HASHALG_MAX_SIZE];

	if (try9 && pcrs_present(pcrs, bank, 9)) {
		if (ima_boot_aggregate(pcrs, bank, 9, v, e) == -1)
			return -2;
		if (memcmp(v, want, bank->size) == 0)
			return 9;
	}
	if (ima_boot_aggregate(pcrs, bank, 7, v, e) == -1)
		return -2;
	return memcmp(v, want, bank->size) == 0 ? 7 : -1;
}

static void
boot_skip(struct ima_eval *ev, const char *why)
{
	int i = ev->rule_of[IMA_RULE_BOOT_AGGREGATE];

	ev->res.rule_skipped[i] = true;
	snprintf(ev->res.rule_note[i], sizeof(ev->res.rule_note[i]), "%s",
	    why);
}

static int
boot_first(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec, struct errbuf *e)
{
	const struct hashalg *bank = rec->file_alg;
	struct ima_finding f;
	char note[128];
	int m;

	ev->res.boot_aggregate_seen = true;
	if (bank == NULL || rec->file_digest == NULL) {
		finding_of(&f, rec, IMA_FIND_BOOT_AGGREGATE,
		    IMA_RULE_BOOT_AGGREGATE, true);
		f.detail = "boot_aggregate without a digest of a known "
		    "algorithm";
		report(ev, &f);
		return 0;
	}
	if (all_zero(rec->file_digest, bank->size)) {
		ev->res.boot_aggregate_zero = true;
		finding_of(&f, rec, IMA_FIND_BOOT_AGGREGATE,
		    IMA_RULE_BOOT_AGGREGATE, !r->allow_zero);
		f.detail = "zero boot_aggregate: no TPM when IMA started";
		report(ev, &f);
		return 0;
	}
	if (ev->pcrs == NULL) {
		boot_skip(ev, "no quoted PCRs");
		return 0;
	}
	if (hashalg_md(bank) == NULL) {
		snprintf(note, sizeof(note), "no %s digest in this build",
		    bank->name);
		boot_skip(ev, note);
		return 0;
	}
	if (!pcrs_present(ev->pcrs, bank, 7)) {
		snprintf(note, sizeof(note), "PCRs %s:0-7 not all quoted",
		    bank->name);
		boot_skip(ev, note);
		return 0;
	}
	/* The "ima" template and sha1 d-ng: SHA-1 over 0-7; other banks
	 * 0-9 (Linux >= 5.8), else 0-7 (stable kernels without 8-9). */
	m = boot_match(ev->pcrs, bank, rec->file_digest,
	    !rec->tmpl->legacy && strcmp(bank->name, "sha1") != 0, e);
	if (m == -2)
		return -1;
	if (m >= 0) {
		ev->res.boot_aggregate_ok = true;
		snprintf(ev->res.boot_aggregate_how,
		    sizeof(ev->res.boot_aggregate_how), "%s bank, PCRs 0-%d",
		    bank->name, m);
		return 0;
	}
	finding_of(&f, rec, IMA_FIND_BOOT_AGGREGATE, IMA_RULE_BOOT_AGGREGATE,
	    true);
	snprintf(note, sizeof(note), "does not match the quoted %s PCRs %s",
	    bank->name, !rec->tmpl->legacy && strcmp(bank->name, "sha1") != 0
	    && pcrs_present(ev->pcrs, bank, 9) ? "0-9 nor 0-7" : "0-7");
	f.detail = note;
	report(ev, &f);
	return 0;
}

static int
eval_boot(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec, struct errbuf *e)
{
	struct ima_finding f;

	if (!ev->boot_checked) {
		ev->boot_checked = true;
		return boot_first(ev, r, rec, e);
	}
	/* After kexec the new kernel adds its own: reported, not judged. */
	finding_of(&f, rec, IMA_FIND_BOOT_AGGREGATE, IMA_RULE_BOOT_AGGREGATE,
	    false);
	f.detail = "later boot_aggregate (kexec): not checked";
	report(ev, &f);
	return 0;
}

/* --- violations ----------------------------------------------------------- */

static void
eval_violation(struct ima_eval *ev, const struct ima_rule *r,
    const struct ima_record *rec)
{
	struct ima_finding f;
	char detail[96];

	ev->res.violations++;
	if (r == NULL || ev->res.violations != r->max_violations + 1)
		return;
	finding_of(&f, rec, IMA_FIND_VIOLATION, IMA_RULE_VIOLATIONS, true);
	snprintf(detail, sizeof(detail), "violation %" PRIu64 " (at most %"
	    PRIu64 " allowed)", ev->res.violations, r->max_violations);
	f.detail = detail;
	report(ev, &f);
}

/* --- the stream ----------------------------------------------------------- */

/* Reorder and allowlist for the oldest waiting record. */
static void
ring_pop(struct ima_eval *ev)
{
	const struct pending *pd = &ev->ring[ev->ring_head];
	const struct ima_rule *r;
	struct ima_record *rec = &ev->prec;	/* other fields stay zero */
	size_t i;

	rec->index = pd->index;
	rec->path = pd->path;
	rec->path_len = pd->path_len;
	rec->file_alg = pd->alg;
	rec->file_digest = pd->digest;
	rec->file_digest_len = pd->alg->size;
	for (i = 0; i < ev->p->nsets; i++)
		ev->exact[i] = refset_find_exact_hashed(ev->p->sets[i],
		    pd->hash, pd->path, pd->path_len, pd->alg, pd->digest);
	if ((r = rule(ev, IMA_RULE_REORDER)) != NULL)
		eval_reorder(ev, r, rec);
	if ((r = rule(ev, IMA_RULE_ALLOWLIST)) != NULL)
		eval_allowlist(ev, r, rec);
	ev->ring_head = (ev->ring_head + 1) % EVAL_LAG;
	ev->ring_len--;
}

static void
ring_drain(struct ima_eval *ev)
{
	while (ev->ring_len > 0)
		ring_pop(ev);
}

/* Advance the prefetching of the waiting record at position pos. */
static void
prefetch_stage(struct ima_eval *ev, size_t pos, int stage)
{
	struct pending *pd = &ev->ring[(ev->ring_head + pos) % EVAL_LAG];
	size_t i, k;

	for (i = 0; i < ev->p->nsets; i++) {
		if (stage < 3) {
			pd->likely[i] = refset_exact_prefetch(ev->p->sets[i],
			    pd->hash, stage);
			continue;
		}
		/* the entry stage 2 found: no second walk of the index */
		if ((k = pd->likely[i]) == SIZE_MAX)
			continue;
		refset_entry_prefetch_key(ev->p->sets[i], k);
		__builtin_prefetch(&ev->set[i].use[k], 1);
	}
}

/* Queue a counting record for reorder/allowlist, its slots prefetched. */
static void
ring_push(struct ima_eval *ev, const struct ima_record *rec)
{
	struct pending *pd;

	if (ev->ring_len == EVAL_LAG)
		ring_pop(ev);
	pd = &ev->ring[(ev->ring_head + ev->ring_len) % EVAL_LAG];
	pd->index = rec->index;
	pd->alg = rec->file_alg;
	pd->path_len = rec->path_len;
	memcpy(pd->digest, rec->file_digest, rec->file_alg->size);
	memcpy(pd->path, rec->path, rec->path_len);
	pd->hash = refset_exact_hash(pd->path, pd->path_len, pd->alg,
	    pd->digest);
	ev->ring_len++;
	prefetch_stage(ev, ev->ring_len - 1, 1);
	if (ev->ring_len > EVAL_STAGE)
		prefetch_stage(ev, ev->ring_len - 1 - EVAL_STAGE, 2);
	if (ev->ring_len > 2 * EVAL_STAGE)
		prefetch_stage(ev, ev->ring_len - 1 - 2 * EVAL_STAGE, 3);
}

static bool
judges_entries(const struct ima_eval *ev)
{
	return ev->rule_of[IMA_RULE_REORDER] >= 0 ||
	    ev->rule_of[IMA_RULE_ALLOWLIST] >= 0;
}

/* A record whose path no set can hold: after the waiting ones, at once. */
static void
judge_long(struct ima_eval *ev, const struct ima_record *rec)
{
	const struct ima_rule *r;
	size_t i;

	ring_drain(ev);
	for (i = 0; i < ev->p->nsets; i++)
		ev->exact[i] = SIZE_MAX;
	if ((r = rule(ev, IMA_RULE_REORDER)) != NULL)
		eval_reorder(ev, r, rec);
	if ((r = rule(ev, IMA_RULE_ALLOWLIST)) != NULL)
		eval_allowlist(ev, r, rec);
}

int
ima_eval_record(struct ima_eval *ev, const struct ima_record *rec,
    struct errbuf *e)
{
	const struct ima_rule *r;

	ev->res.entries++;
	if (rec->violation) {
		eval_violation(ev, rule(ev, IMA_RULE_VIOLATIONS), rec);
		return 0;
	}
	if (is_boot_aggregate(rec)) {
		if ((r = rule(ev, IMA_RULE_BOOT_AGGREGATE)) != NULL &&
		    eval_boot(ev, r, rec, e) == -1)
			return err_prefix(e, "entry %" PRIu64, rec->index);
		return 0;
	}
	if (refset_record_counts(rec)) {
		/* Longer paths are never in a set (refset_add_entry refuses
		 * them): judged at once, without queueing a copy. */
		if (rec->path_len > REFSET_PATH_MAX && judges_entries(ev))
			judge_long(ev, rec);
		else if (judges_entries(ev))
			ring_push(ev, rec);
	} else if ((r = rule(ev, IMA_RULE_ALLOWLIST)) != NULL)
		allowlist_unknown_alg(ev, r, rec);
	if ((r = rule(ev, IMA_RULE_SIGNATURES)) != NULL &&
	    eval_signatures(ev, r, rec, e) == -1)
		return err_prefix(e, "entry %" PRIu64, rec->index);
	return 0;
}

static void
boot_end(struct ima_eval *ev)
{
	struct ima_finding f;
	int i = ev->rule_of[IMA_RULE_BOOT_AGGREGATE];

	if (i < 0 || ev->res.boot_aggregate_seen || ev->res.rule_skipped[i])
		return;
	if (ev->pcrs == NULL) {
		boot_skip(ev, "no quoted PCRs");
		return;
	}
	memset(&f, 0, sizeof(f));
	f.cls = IMA_FIND_BOOT_AGGREGATE;
	f.rule = IMA_RULE_BOOT_AGGREGATE;
	f.fails = true;
	f.index = UINT64_MAX;
	f.detail = "the log has no boot_aggregate entry";
	report(ev, &f);
}

int
ima_eval_end(struct ima_eval *ev, struct ima_eval_result *out, bool *pass,
    struct errbuf *e)
{
	const struct ima_rule *r;
	size_t i;

	(void)e;
	ring_drain(ev);
	if ((r = rule(ev, IMA_RULE_REORDER)) != NULL)
		reorder_missing(ev, r);
	boot_end(ev);
	*out = ev->res;
	*pass = true;
	for (i = 0; i < ev->p->nrules; i++)
		if (out->rule_failed[i])
			*pass = false;
	return 0;
}

void
ima_eval_counts_text(const struct ima_eval_result *r, enum ima_rule_kind k,
    char *out, size_t cap)
{
	const uint64_t *n = r->counted;

	if (cap > 0)
		out[0] = '\0';
	switch (k) {
	case IMA_RULE_REORDER:
		snprintf(out, cap, "extra %" PRIu64 ", changed %" PRIu64
		    ", duplicate %" PRIu64 ", missing %" PRIu64,
		    n[IMA_FIND_EXTRA], n[IMA_FIND_CHANGED],
		    n[IMA_FIND_DUPLICATE], n[IMA_FIND_MISSING]);
		break;
	case IMA_RULE_ALLOWLIST:
		snprintf(out, cap, "not allowed %" PRIu64,
		    n[IMA_FIND_NOT_ALLOWED]);
		break;
	case IMA_RULE_SIGNATURES:
		snprintf(out, cap, "valid %" PRIu64 ", unsigned %" PRIu64
		    ", unknown key %" PRIu64 ", invalid %" PRIu64,
		    r->sig_valid, r->sig_unsigned, r->sig_unknown_key,
		    r->sig_invalid);
		break;
	case IMA_RULE_BOOT_AGGREGATE:
		snprintf(out, cap, "%s%s", r->boot_aggregate_how[0] ?
		    r->boot_aggregate_how : r->boot_aggregate_seen ?
		    "boot_aggregate entry" : "no boot_aggregate entry",
		    r->boot_aggregate_zero ? ", all zero (no TPM when IMA "
		    "started)" : "");
		break;
	case IMA_RULE_VIOLATIONS:
		snprintf(out, cap, "%" PRIu64 " violations", r->violations);
		break;
	}
}
