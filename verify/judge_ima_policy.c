/*
 * judge_ima_policy.c - the IMA policy checks of one bundle (judge_ima.c
 * runs the pass over ima.log that feeds them): the device's rules, sets
 * and keys; the failing findings kept (their indexes, the first
 * JUDGE_FINDINGS_MAX as lines); one check per rule, in the words of
 * verify/ima_check.h's ima_rule_check(), which dossier ima check writes
 * too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/ima_check.h"
#include "verify/judge_ima_int.h"

static int
fail_add(struct fail_list *l, uint64_t index)
{
	uint64_t *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if ((nv = realloc(l->v, cap * sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = index;
	return 0;
}

/* ima_finding_fn: keep failing findings (their index, a few as lines). */
static void
on_finding(void *arg, const struct ima_finding *f)
{
	struct ima_judgement *g = arg;
	struct finding_line *fl;

	if ((unsigned)f->rule >= RULE_KINDS)
		return;
	if (!f->fails) {
		if (g->first_note[f->rule][0] == '\0')
			ima_finding_format(f, g->first_note[f->rule],
			    sizeof(g->first_note[0]));
		return;
	}
	if (fail_add(&g->fails[f->rule], f->index) == -1)
		g->oom = true;
	if (g->nlines == JUDGE_FINDINGS_MAX)
		return;
	fl = &g->lines[g->nlines++];
	fl->index = f->index;
	fl->rule = f->rule;
	ima_finding_format(f, fl->text, sizeof(fl->text));
}

/* Whether entry index is in the quoted part (prefix entries). */
static bool
quoted(uint64_t index, uint64_t prefix)
{
	return index == UINT64_MAX || index < prefix;
}

/* ---- resolving the device's policy ----------------------------------------- */

/* The reason reorder/allowlist cannot run for this device. */
static const char no_sets[] = "no reference set is assigned to the "
    "device and it has no enrollment log";

/*
 * Load the device's rules, sets and keys into g->policy. Rules that need
 * a set when there is none are skipped here (their SKIP line written).
 * -1 only on a store error; a stored rule that no longer parses is a
 * failed check, not an error.
 */
int
judge_ima_resolve_policy(struct ima_judgement *g, struct errbuf *e)
{
	struct judging *j = g->j;
	struct ima_refcache *c = j->refcache;
	enum ima_rule_kind k;
	struct errbuf pe;
	size_t i;

	if (c == NULL) {
		if (ima_refcache_new(&g->own_cache, e) == -1)
			return -1;
		c = g->own_cache;
	}
	if (ima_refcache_device(c, j->s, j->dev.id, &g->ref, e) == -1)
		return -1;
	g->have_ref = true;
	/* g->policy is zero (judgement_new(); this runs once per g): not
	 * cleared again */
	for (i = 0; i < g->ref.nsets; i++)
		g->policy.sets[g->policy.nsets++] = g->ref.sets[i];
	g->policy.keys = g->ref.keys;
	for (i = 0; i < g->ref.nrules; i++) {
		if (ima_policy_add_rule(&g->policy, g->ref.rules[i],
		    &pe) == -1) {
			jg_fail(j, "ima.policy", "stored rule '%s': %s",
			    g->ref.rules[i], pe.msg);
			continue;
		}
		k = g->policy.rules[g->policy.nrules - 1].kind;
		if (g->policy.nsets == 0 && (k == IMA_RULE_REORDER ||
		    k == IMA_RULE_ALLOWLIST)) {
			g->policy.nrules--;	/* nothing to compare with */
			jg_skip(j, ima_rule_check_name(k), "%s", no_sets);
		}
	}
	return 0;
}

/* Start the evaluation; on failure the policy checks fail, not the run. */
void
judge_ima_start_eval(struct ima_judgement *g)
{
	struct errbuf pe;

	if (g->policy.nrules == 0)
		return;
	/* boot_aggregate: PCRs 0-9 as replayed from uefi.log when it was
	 * (judge_uefi.c), else as quoted */
	if (ima_eval_new(&g->ev, &pe) == -1 ||
	    ima_eval_begin(g->ev, &g->policy, g->j->boot_pcrs != NULL ?
	    g->j->boot_pcrs : g->j->pcrs_ok ? &g->j->pcrs : NULL, on_finding,
	    g, &pe) == -1) {
		jg_fail(g->j, "ima.policy", "cannot evaluate: %s", pe.msg);
		return;
	}
	g->eval_on = true;
}

/* ---- reporting the policy ------------------------------------------------------ */

/* Failing findings of rule k: *in_quote in the quoted part, *in_tail after. */
static void
count_fails(const struct ima_judgement *g, enum ima_rule_kind k,
    uint64_t prefix, uint64_t *in_quote, uint64_t *in_tail)
{
	const struct fail_list *l = &g->fails[k];
	size_t i;

	*in_quote = *in_tail = 0;
	for (i = 0; i < l->n; i++) {
		if (quoted(l->v[i], prefix))
			(*in_quote)++;
		else
			(*in_tail)++;
	}
}

/* Walks g's finding lines for ima_rule_outcome.next_quoted. */
struct line_walk {
	const struct ima_judgement *g;
	enum ima_rule_kind kind;
	uint64_t prefix;
	size_t i;
};

static bool
next_quoted_line(void *arg, char *text, size_t cap)
{
	struct line_walk *w = arg;
	const struct finding_line *l;

	for (; w->i < w->g->nlines; w->i++) {
		l = &w->g->lines[w->i];
		if (l->rule == w->kind && quoted(l->index, w->prefix)) {
			snprintf(text, cap, "%s", l->text);
			w->i++;
			return true;
		}
	}
	return false;
}

/* The rule's check: verify/ima_check.h's ima_rule_check(), the words
 * dossier ima check says too. */
static void
report_rule(struct ima_judgement *g, size_t ri, uint64_t prefix)
{
	enum ima_rule_kind kind = g->policy.rules[ri].kind;
	char against[IMA_SET_NAMES_MAX + 16];
	struct ima_rule_outcome o;
	struct line_walk w = { g, kind, prefix, 0 };
	size_t i;

	against[0] = '\0';
	if (kind == IMA_RULE_REORDER || kind == IMA_RULE_ALLOWLIST)
		snprintf(against, sizeof(against), " against %s",
		    g->ref.set_names);
	else if (kind == IMA_RULE_BOOT_AGGREGATE && g->j->boot_pcrs != NULL)
		snprintf(against, sizeof(against), " against PCRs 0-9 as "
		    "replayed from uefi.log");
	memset(&o, 0, sizeof(o));
	o.policy = &g->policy;
	o.ri = ri;
	o.res = &g->res;
	o.is_default = g->ref.default_rules;
	o.against = against;
	o.entries = g->entries;
	o.first_note = g->first_note[kind];
	count_fails(g, kind, prefix, &o.in_quote, &o.in_tail);
	o.any_fail = g->fails[kind].n > 0;
	o.first_tail = "";
	for (i = 0; o.in_tail > 0 && i < g->nlines; i++)
		if (g->lines[i].rule == kind && !quoted(g->lines[i].index,
		    prefix)) {
			o.first_tail = g->lines[i].text;
			break;
		}
	o.next_quoted = next_quoted_line;
	o.arg = &w;
	ima_rule_check(&g->j->sink, &o);
}

/* Every rule's check, and ima.violations when no rule counts them. */
int
judge_ima_report_policy(struct ima_judgement *g, uint64_t prefix, struct errbuf *e)
{
	struct errbuf pe;
	bool pass, has_violations_rule = false;
	size_t i;

	if (!g->eval_on)
		return 0;
	if (ima_eval_end(g->ev, &g->res, &pass, &pe) == -1) {
		jg_fail(g->j, "ima.policy", "cannot evaluate: %s", pe.msg);
		return 0;
	}
	if (g->oom)
		return err_set(e, "out of memory");
	for (i = 0; i < g->policy.nrules; i++) {
		report_rule(g, i, prefix);
		if (g->policy.rules[i].kind == IMA_RULE_VIOLATIONS)
			has_violations_rule = true;
	}
	if (!has_violations_rule)
		jg_ok(g->j, "ima.violations", "%" PRIu64 " violations "
		    "(counted; no violations rule)", g->res.violations);
	return 0;
}

