/*
 * ima_check.c - IMA policy rules for dossier ima check (ima_check.h).
 */
#include "verify/ima_check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/ima_sig.h"
#include "format/results.h"
#include "policy/ima_refset.h"
#include "verify/cmd.h"
#include "verify/ima_refcache.h"
#include "verify/store.h"

#define RULE_KINDS	5	/* enum ima_rule_kind */

/* One finding kept for the output. */
struct kept {
	enum ima_finding_class cls;
	enum ima_rule_kind rule;
	bool fails;
	uint64_t index;
	char *path;
	size_t path_len;
	const struct hashalg *alg, *ref_alg;
	uint8_t digest[HASHALG_MAX_SIZE];
	uint8_t ref_digest[HASHALG_MAX_SIZE];
	char *source;
	char *detail;
};

struct ima_check {
	struct ima_policy policy;
	struct refset *sets[IMA_POLICY_SETS_MAX];	/* owned */
	size_t nsets;
	char set_names[IMA_SET_NAMES_MAX];
	struct ima_keyring *keys;
	struct ima_eval *ev;
	struct ima_eval_result res;
	uint64_t prefix;
	bool oom;
	struct kept *kept;
	size_t nkept, capkept;
	bool truncated;
	/* failing findings per rule kind: quoted part, tail */
	uint64_t fail_quoted[RULE_KINDS], fail_tail[RULE_KINDS];
	uint64_t *fail_idx[RULE_KINDS];
	size_t nfail[RULE_KINDS], capfail[RULE_KINDS];
};

/* ---- loading -------------------------------------------------------------- */

static int
add_set(struct ima_check *c, struct refset *set, const char *name,
    struct errbuf *e)
{
	size_t n = strlen(c->set_names);

	if (c->nsets == IMA_POLICY_SETS_MAX) {
		refset_free(set);
		return err_set(e, "more than %d reference sets",
		    IMA_POLICY_SETS_MAX);
	}
	c->sets[c->nsets] = set;
	c->policy.sets[c->nsets++] = set;
	c->policy.nsets = c->nsets;
	snprintf(c->set_names + n, sizeof(c->set_names) - n, "%s%s",
	    n ? ", " : "", name);
	return 0;
}

static int
load_ref_log(struct ima_check *c, const char *path,
    const struct hashalg *alg, struct errbuf *e)
{
	struct refset *set;
	char prov[REFSET_SOURCE_MAX];
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(path, FILEIO_MAX_LOG, &buf, &len, e) == -1)
		return err_prefix(e, "--ref-log");
	snprintf(prov, sizeof(prov), "ima-log %s", path);
	if (refset_new("ref-log", &set, e) == -1) {
		free(buf);
		return -1;
	}
	rc = refset_add_ima_log(set, buf, len, alg, path, prov, e);
	free(buf);
	if (rc == -1 || refset_seal(set, e) == -1) {
		refset_free(set);
		return err_prefix(e, "--ref-log");
	}
	return add_set(c, set, path, e);
}

static int
load_store_sets(struct ima_check *c, const struct ima_check_opts *o,
    struct errbuf *e)
{
	struct store_refset r;
	struct refset *set;
	struct store *s;
	size_t i;
	bool found;
	int rc = 0;

	if (o->nrefs == 0)
		return 0;
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return err_set(e, "--refs: cannot open the store");
	for (i = 0; i < o->nrefs && rc == 0; i++) {
		if ((rc = store_refset_get(s, o->refs[i], &r, &found, e)) ==
		    -1)
			break;
		if (!found) {
			rc = err_set(e, "--refs: the store has no reference "
			    "set '%s'", o->refs[i]);
			break;
		}
		if ((rc = refs_load_set(s, &r, &set, e)) == 0)
			rc = add_set(c, set, o->refs[i], e);
	}
	store_close(s);
	return rc;
}

static int
load_keys(struct ima_check *c, const struct ima_check_opts *o,
    struct errbuf *e)
{
	uint8_t *buf;
	size_t i, len;
	int rc;

	if (ima_keyring_new(&c->keys, e) == -1)
		return -1;
	c->policy.keys = c->keys;
	for (i = 0; i < o->nkeys; i++) {
		if (file_read(o->keys[i], IMA_KEY_FILE_MAX, &buf, &len,
		    e) == -1)
			return err_prefix(e, "--key");
		rc = ima_keyring_add(c->keys, buf, len, o->keys[i], e);
		free(buf);
		if (rc == -1)
			return err_prefix(e, "--key %s", o->keys[i]);
	}
	return 0;
}

/* ---- findings ---------------------------------------------------------------- */

static char *
dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		if (n > 0)
			memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static void
keep(struct ima_check *c, const struct ima_finding *f)
{
	struct kept *k, *nv;
	size_t cap;

	if (c->nkept == IMA_CHECK_KEPT) {
		c->truncated = true;
		return;
	}
	if (c->nkept == c->capkept) {
		cap = c->capkept ? c->capkept * 2 : 256;
		if ((nv = realloc(c->kept, cap * sizeof(*nv))) == NULL) {
			c->oom = true;
			return;
		}
		c->kept = nv;
		c->capkept = cap;
	}
	k = &c->kept[c->nkept];
	memset(k, 0, sizeof(*k));
	k->cls = f->cls;
	k->rule = f->rule;
	k->fails = f->fails;
	k->index = f->index;
	k->path = dup_bytes(f->path ? f->path : "", f->path ? f->path_len : 0);
	k->path_len = f->path ? f->path_len : 0;
	k->source = f->source ? dup_bytes(f->source, strlen(f->source)) : NULL;
	k->detail = f->detail ? dup_bytes(f->detail, strlen(f->detail)) : NULL;
	if (f->alg != NULL && f->digest != NULL) {
		k->alg = f->alg;
		memcpy(k->digest, f->digest, f->alg->size);
	}
	if (f->ref_alg != NULL && f->ref_digest != NULL) {
		k->ref_alg = f->ref_alg;
		memcpy(k->ref_digest, f->ref_digest, f->ref_alg->size);
	}
	if (k->path == NULL)
		c->oom = true;
	c->nkept++;
}

static void
on_finding(void *arg, const struct ima_finding *f)
{
	struct ima_check *c = arg;
	unsigned r = (unsigned)f->rule;
	uint64_t *nv;
	size_t cap;

	keep(c, f);
	if (!f->fails || r >= RULE_KINDS)
		return;
	if (c->nfail[r] == c->capfail[r]) {
		cap = c->capfail[r] ? c->capfail[r] * 2 : 64;
		if ((nv = realloc(c->fail_idx[r], cap * sizeof(*nv))) == NULL) {
			c->oom = true;
			return;
		}
		c->fail_idx[r] = nv;
		c->capfail[r] = cap;
	}
	c->fail_idx[r][c->nfail[r]++] = f->index;
}

/* ---- API ------------------------------------------------------------------- */

int
ima_check_new(const struct ima_check_opts *o, struct ima_check **out,
    struct errbuf *e)
{
	struct ima_check *c;
	size_t i;

	*out = NULL;
	if (o->nrules == 0 && o->nref_logs == 0 && o->nrefs == 0)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < o->nref_logs; i++)
		if (load_ref_log(c, o->ref_logs[i], o->log_alg, e) == -1)
			goto fail;
	if (load_store_sets(c, o, e) == -1 || load_keys(c, o, e) == -1)
		goto fail;
	for (i = 0; i < o->nrules; i++)
		if (ima_policy_add_rule(&c->policy, o->rules[i], e) == -1) {
			err_prefix(e, "--policy '%s'", o->rules[i]);
			goto fail;
		}
	if (o->nrules == 0 && ima_policy_add_rule(&c->policy, "reorder",
	    e) == -1)
		goto fail;
	for (i = 0; i < c->policy.nrules; i++)
		if (c->nsets == 0 && (c->policy.rules[i].kind ==
		    IMA_RULE_REORDER || c->policy.rules[i].kind ==
		    IMA_RULE_ALLOWLIST)) {
			err_set(e, "--policy %s needs a reference: --ref-log "
			    "or --refs", ima_rule_name(c->policy.rules[i].kind));
			goto fail;
		}
	if (ima_eval_new(&c->ev, e) == -1 ||
	    ima_eval_begin(c->ev, &c->policy, o->pcrs, on_finding, c, e) == -1)
		goto fail;
	*out = c;
	return 0;
fail:
	ima_check_free(c);
	return -1;
}

void
ima_check_free(struct ima_check *c)
{
	size_t i;

	if (c == NULL)
		return;
	ima_eval_free(c->ev);
	for (i = 0; i < c->nsets; i++)
		refset_free(c->sets[i]);
	ima_keyring_free(c->keys);
	for (i = 0; i < c->nkept; i++) {
		free(c->kept[i].path);
		free(c->kept[i].source);
		free(c->kept[i].detail);
	}
	free(c->kept);
	for (i = 0; i < RULE_KINDS; i++)
		free(c->fail_idx[i]);
	free(c);
}

int
ima_check_record(struct ima_check *c, const struct ima_record *rec,
    struct errbuf *e)
{
	if (ima_eval_record(c->ev, rec, e) == -1)
		return -1;
	if (c->oom)
		return err_set(e, "out of memory");
	return 0;
}

static bool
in_quote(const struct ima_check *c, uint64_t index)
{
	return index == UINT64_MAX || index < c->prefix;
}

static void
kept_finding(const struct kept *k, struct ima_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->cls = k->cls;
	f->rule = k->rule;
	f->fails = k->fails;
	f->index = k->index;
	f->path = k->path;
	f->path_len = k->path_len;
	f->alg = k->alg;
	f->digest = k->alg ? k->digest : NULL;
	f->ref_alg = k->ref_alg;
	f->ref_digest = k->ref_alg ? k->ref_digest : NULL;
	f->source = k->source;
	f->detail = k->detail;
}

void
ima_rule_check(const struct check_sink *s, const struct ima_rule_outcome *o)
{
	const struct ima_rule *rule = &o->policy->rules[o->ri];
	const char *name = ima_rule_check_name(rule->kind);
	char text[IMA_POLICY_TEXT_MAX + 1], counts[200];
	char tail[IMA_FINDING_TEXT_MAX + 120], line[IMA_FINDING_TEXT_MAX];
	struct errbuf pe;
	uint64_t shown = 0;

	if (ima_policy_format(rule, text, sizeof(text), &pe) == -1)
		snprintf(text, sizeof(text), "%s", ima_rule_name(rule->kind));
	if (o->res->rule_skipped[o->ri]) {
		check_skip(s, name, "rule '%s': %s", text,
		    o->res->rule_note[o->ri]);
		return;
	}
	ima_eval_counts_text(o->res, rule->kind, counts, sizeof(counts));
	tail[0] = '\0';
	if (o->in_tail > 0)
		snprintf(tail, sizeof(tail), "; %" PRIu64 " finding%s in the "
		    "unquoted tail (after the quoted PCR values, not covered "
		    "by them)%s%s", o->in_tail, o->in_tail == 1 ? "" : "s",
		    o->first_tail[0] ? ", first: " : "", o->first_tail);
	/* a rule can fail without a failing finding (e.g. boot_aggregate
	 * with no entry): then it fails here too */
	if (o->in_quote == 0 && !(o->res->rule_failed[o->ri] &&
	    !o->any_fail)) {
		check_ok(s, name, "rule '%s'%s%s, %" PRIu64 " entries: %s%s%s%s",
		    text, o->is_default ? " (default)" : "", o->against,
		    o->entries, counts, o->first_note[0] ? "; first reported: " :
		    "", o->first_note, tail);
		return;
	}
	while (o->next_quoted(o->arg, line, sizeof(line))) {
		check_fail(s, name, "%s (rule %s)", line, text);
		shown++;
	}
	check_fail(s, name, "rule '%s'%s: %" PRIu64 " failing finding%s%s; "
	    "%s%s", text, o->against, o->in_quote, o->in_quote == 1 ? "" : "s",
	    shown < o->in_quote ? " (the first named above)" : "", counts,
	    tail);
}

void
ima_pcr_list_text(uint32_t mask, char *out, size_t cap)
{
	size_t o = 0;
	unsigned p;

	out[0] = '\0';
	for (p = 0; p < 32 && o < cap; p++)
		if (mask & (1u << p))
			o += (size_t)snprintf(out + o, cap - o, "%s%u",
			    o ? ", " : "", p);
}

/* "PCR 10 expected X, replayed per-bank Y, padded Z" for each PCR of
 * mask (one value for sha1, the same in both modes). */
static void
describe_mismatch(const struct ima_replay *rp, size_t bank, uint32_t mask,
    char *out, size_t cap)
{
	const struct ima_replay_bank *b = &rp->banks[bank];
	char exp[2 * HASHALG_MAX_SIZE + 1], pb[2 * HASHALG_MAX_SIZE + 1];
	char pd[2 * HASHALG_MAX_SIZE + 1];
	bool both = (rp->modes & IMA_REPLAY_BOTH) == IMA_REPLAY_BOTH &&
	    !(b->alg->size == 20 && strcmp(b->alg->name, "sha1") == 0);
	size_t o = 0;
	unsigned p;

	out[0] = '\0';
	for (p = 0; p < IMA_PCR_COUNT && o < cap; p++) {
		if (!(mask & (1u << p)))
			continue;
		hex_encode(b->exp[p], b->alg->size, exp);
		hex_encode(ima_replay_pcr(rp, bank, IMA_MODE_PER_BANK, p),
		    b->alg->size, pb);
		if (both) {
			hex_encode(ima_replay_pcr(rp, bank, IMA_MODE_PADDED,
			    p), b->alg->size, pd);
			o += (size_t)snprintf(out + o, cap - o, "%sPCR %u "
			    "expected %s, replayed per-bank %s, padded %s",
			    o ? "; " : "", p, exp, pb, pd);
		} else
			o += (size_t)snprintf(out + o, cap - o, "%sPCR %u "
			    "expected %s, replayed %s", o ? "; " : "", p, exp,
			    pb);
	}
}

void
ima_replay_bank_check(const struct check_sink *s,
    const struct ima_replay *rp, size_t b, bool matched, enum ima_mode m,
    uint64_t prefix, uint64_t entries, const char *note)
{
	const struct hashalg *alg = rp->banks[b].alg;
	uint32_t compared = rp->touched & rp->banks[b].exp_present;
	char name[RESULT_CHECK_NAME_MAX + 1], pcrs[128], why[1600];

	snprintf(name, sizeof(name), "ima.replay.%s", alg->name);
	if (!matched) {
		describe_mismatch(rp, b, compared, why, sizeof(why));
		check_fail(s, name, "the log (%" PRIu64 " entries) does not "
		    "replay to the PCR values in per-bank or padded mode: %s%s",
		    entries, why[0] ? why : "it extends none of the PCRs "
		    "with a value", note);
		return;
	}
	ima_pcr_list_text(compared, pcrs, sizeof(pcrs));
	if (alg->size == 20 && strcmp(alg->name, "sha1") == 0)
		check_ok(s, name, "matches PCR %s after %" PRIu64 " of %" PRIu64
		    " entries (sha1: per-bank and padded are the same)", pcrs,
		    prefix, entries);
	else
		check_ok(s, name, "%s mode (%s) matches PCR %s after %" PRIu64
		    " of %" PRIu64 " entries", ima_mode_name(m),
		    m == IMA_MODE_PER_BANK ? "Linux 5.8 or later" :
		    "Linux before 5.8", pcrs, prefix, entries);
}

/* Walks c's kept findings for ima_rule_outcome.next_quoted. */
struct kept_walk {
	const struct ima_check *c;
	enum ima_rule_kind kind;
	size_t i, shown;
};

static bool
next_quoted_kept(void *arg, char *text, size_t cap)
{
	struct kept_walk *w = arg;
	const struct kept *k;
	struct ima_finding f;

	for (; w->i < w->c->nkept && w->shown < IMA_CHECK_SHOWN; w->i++) {
		k = &w->c->kept[w->i];
		if (k->rule != w->kind || !k->fails ||
		    !in_quote(w->c, k->index))
			continue;
		kept_finding(k, &f);
		ima_finding_format(&f, text, cap);
		w->i++;
		w->shown++;
		return true;
	}
	return false;
}

/* The text of the first kept finding of kind whose failing is fails and
 * whose place (quoted or not) is quoted; "" if none. */
static void
first_kept(const struct ima_check *c, enum ima_rule_kind kind, bool fails,
    bool quoted, char *out, size_t cap)
{
	struct ima_finding f;
	size_t i;

	out[0] = '\0';
	for (i = 0; i < c->nkept; i++)
		if (c->kept[i].rule == kind && c->kept[i].fails == fails &&
		    (!fails || in_quote(c, c->kept[i].index) == quoted)) {
			kept_finding(&c->kept[i], &f);
			ima_finding_format(&f, out, cap);
			return;
		}
}

static void
report_rule(struct ima_check *c, size_t ri, uint64_t entries,
    struct report *rep)
{
	enum ima_rule_kind kind = c->policy.rules[ri].kind;
	char against[IMA_SET_NAMES_MAX + 16];
	char note[IMA_FINDING_TEXT_MAX], first_tail[IMA_FINDING_TEXT_MAX];
	struct ima_rule_outcome o;
	struct kept_walk w = { c, kind, 0, 0 };

	against[0] = '\0';
	if (kind == IMA_RULE_REORDER || kind == IMA_RULE_ALLOWLIST)
		snprintf(against, sizeof(against), " against %s",
		    c->set_names);
	first_kept(c, kind, false, true, note, sizeof(note));
	first_tail[0] = '\0';
	if (c->fail_tail[kind] > 0)
		first_kept(c, kind, true, false, first_tail,
		    sizeof(first_tail));
	memset(&o, 0, sizeof(o));
	o.policy = &c->policy;
	o.ri = ri;
	o.res = &c->res;
	o.against = against;
	o.entries = entries;
	o.first_note = note;
	o.in_quote = c->fail_quoted[kind];
	o.in_tail = c->fail_tail[kind];
	o.any_fail = c->nfail[kind] > 0;
	o.first_tail = first_tail;
	o.next_quoted = next_quoted_kept;
	o.arg = &w;
	ima_rule_check(&rep->sink, &o);
}

int
ima_check_end(struct ima_check *c, uint64_t entries, uint64_t prefix,
    struct report *rep, struct errbuf *e)
{
	bool pass;
	size_t r, i;

	c->prefix = prefix;
	if (ima_eval_end(c->ev, &c->res, &pass, e) == -1)
		return -1;
	if (c->oom)
		return err_set(e, "out of memory");
	for (r = 0; r < RULE_KINDS; r++)
		for (i = 0; i < c->nfail[r]; i++) {
			if (in_quote(c, c->fail_idx[r][i]))
				c->fail_quoted[r]++;
			else
				c->fail_tail[r]++;
		}
	for (i = 0; i < c->policy.nrules; i++)
		report_rule(c, i, entries, rep);
	return 0;
}

/* ---- JSON ------------------------------------------------------------------- */

/* s[0..n) as a JSON string (format/results.h's writer), or null. */
static void
json_string(FILE *out, const char *s, size_t n)
{
	if (result_json_fputs(out, s, n) == -1)
		fputs("null", out);
}

static void
json_digest(FILE *out, const struct hashalg *alg, const uint8_t *d)
{
	char hex[2 * HASHALG_MAX_SIZE + 1];

	if (alg == NULL) {
		fputs("null", out);
		return;
	}
	hex_encode(d, alg->size, hex);
	fprintf(out, "\"%s:%s\"", alg->name, hex);
}

static void
json_finding(const struct ima_check *c, FILE *out, const struct kept *k)
{
	fputs("{\"index\": ", out);
	if (k->index == UINT64_MAX)
		fputs("null", out);
	else
		fprintf(out, "%" PRIu64, k->index);
	fputs(", \"path\": ", out);
	json_string(out, k->path, k->path_len);
	fputs(", \"digest\": ", out);
	json_digest(out, k->alg, k->digest);
	if (k->ref_alg != NULL) {
		fputs(", \"reference\": ", out);
		json_digest(out, k->ref_alg, k->ref_digest);
	}
	if (k->source != NULL) {
		fputs(", \"source\": ", out);
		json_string(out, k->source, strlen(k->source));
	}
	if (k->detail != NULL) {
		fputs(", \"detail\": ", out);
		json_string(out, k->detail, strlen(k->detail));
	}
	fprintf(out, ", \"fails\": %s, \"tail\": %s}", k->fails ? "true" :
	    "false", in_quote(c, k->index) ? "false" : "true");
}

/* "key": [findings of class cls]. */
static void
json_list(const struct ima_check *c, FILE *out, const char *key,
    enum ima_finding_class cls)
{
	size_t i, n = 0;

	fprintf(out, "\"%s\": [", key);
	for (i = 0; c != NULL && i < c->nkept; i++)
		if (c->kept[i].cls == cls) {
			fputs(n++ ? ", " : "", out);
			json_finding(c, out, &c->kept[i]);
		}
	fputs("]", out);
}

static void
json_signatures(const struct ima_check *c, FILE *out)
{
	const struct ima_eval_result *r = &c->res;

	fprintf(out, "\"signatures\": {\"valid\": %" PRIu64 ", \"unsigned\": %"
	    PRIu64 ", \"unknown_key\": %" PRIu64 ", \"invalid\": %" PRIu64
	    ", ", r->sig_valid, r->sig_unsigned, r->sig_unknown_key,
	    r->sig_invalid);
	json_list(c, out, "unsigned_entries", IMA_FIND_UNSIGNED);
	fputs(", ", out);
	json_list(c, out, "unknown_key_entries", IMA_FIND_UNKNOWN_KEY);
	fputs(", ", out);
	json_list(c, out, "invalid_entries", IMA_FIND_BAD_SIGNATURE);
	fputs("}", out);
}

static void
json_policies(const struct ima_check *c, FILE *out)
{
	char text[IMA_POLICY_TEXT_MAX + 1];
	const struct ima_rule *rule;
	struct errbuf pe;
	size_t i;

	fputs("\"policies\": [", out);
	for (i = 0; c != NULL && i < c->policy.nrules; i++) {
		rule = &c->policy.rules[i];
		if (ima_policy_format(rule, text, sizeof(text), &pe) == -1)
			snprintf(text, sizeof(text), "%s",
			    ima_rule_name(rule->kind));
		fprintf(out, "%s{\"rule\": ", i ? ", " : "");
		json_string(out, text, strlen(text));
		fprintf(out, ", \"check\": \"%s\", \"pass\": %s, \"skipped\": "
		    "%s, \"failing\": %" PRIu64 ", \"failing_in_tail\": %"
		    PRIu64 ", \"note\": ", ima_rule_check_name(rule->kind),
		    !c->res.rule_skipped[i] && c->fail_quoted[rule->kind] ==
		    0 && !(c->res.rule_failed[i] && c->nfail[rule->kind] == 0) ?
		    "true" : "false", c->res.rule_skipped[i] ? "true" : "false",
		    c->fail_quoted[rule->kind], c->fail_tail[rule->kind]);
		json_string(out, c->res.rule_note[i],
		    strlen(c->res.rule_note[i]));
		fputs("}", out);
	}
	fputs("]", out);
}

int
ima_check_json(const struct ima_check *c, FILE *out, const char *log,
    uint64_t entries, uint64_t violations, bool have_prefix,
    uint64_t prefix, bool pass)
{
	static const struct {
		const char *key;
		enum ima_finding_class cls;
	} lists[] = {
		{ "extra", IMA_FIND_EXTRA },
		{ "missing", IMA_FIND_MISSING },
		{ "changed", IMA_FIND_CHANGED },
		{ "duplicate", IMA_FIND_DUPLICATE },
		{ "not_allowed", IMA_FIND_NOT_ALLOWED },
	};
	const struct ima_eval_result *r = c ? &c->res : NULL;
	size_t i;

	fputs("{\"log\": ", out);
	json_string(out, log, strlen(log));
	fprintf(out, ", \"entries\": %" PRIu64 ", \"violations\": %" PRIu64
	    ", \"quoted_entries\": ", entries, violations);
	if (have_prefix)
		fprintf(out, "%" PRIu64, prefix);
	else
		fputs("null", out);
	fputs(", \"sets\": ", out);
	json_string(out, c ? c->set_names : "", c ? strlen(c->set_names) : 0);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		fputs(", ", out);
		json_list(c, out, lists[i].key, lists[i].cls);
	}
	fputs(", ", out);
	if (c != NULL)
		json_signatures(c, out);
	else
		fputs("\"signatures\": {\"valid\": 0, \"unsigned\": 0, "
		    "\"unknown_key\": 0, \"invalid\": 0}", out);
	fputs(", \"boot_aggregate\": ", out);
	if (r == NULL || !r->boot_aggregate_seen)
		fputs("null", out);
	else {
		fprintf(out, "{\"zero\": %s, \"ok\": %s, \"how\": ",
		    r->boot_aggregate_zero ? "true" : "false",
		    r->boot_aggregate_ok ? "true" : "false");
		json_string(out, r->boot_aggregate_how,
		    strlen(r->boot_aggregate_how));
		fputs("}", out);
	}
	fprintf(out, ", \"truncated\": %s, ", c && c->truncated ? "true" :
	    "false");
	json_policies(c, out);
	fprintf(out, ", \"pass\": %s}\n", pass ? "true" : "false");
	return ferror(out) ? -1 : 0;
}
