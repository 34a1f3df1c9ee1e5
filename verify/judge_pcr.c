/*
 * judge_pcr.c - the pcr.reference check of one bundle (judge.h): every
 * quoted PCR that no carried log judges is compared with its reference
 * value.
 *
 * Which PCRs: those of the SIGNED selection (the quote's pcrSelect; the
 * values are pcrs.bin's, used only after quote.pcr-digest verified them
 * against the signed digest), less the PCRs a carried log judges
 * (judge_log_pcrs(): the one place that decides it), restricted by the
 * device's pcrs rule (format/pcr_policy.h).
 *
 * The rule and the reference are resolved as judge_pcr.h says. Two
 * assigned sets with golden values fail the check, naming them; so does
 * a compared PCR without a reference value (narrow the rule with only=
 * or ignore=), and a stored rule that no longer parses.
 *
 * Reasons: the ok line says how many values were compared, which PCRs,
 * from which reference, under which rule. A failure is one summary line
 * then one line per differing (PCR, bank) with the quoted and the
 * reference value and the reference's source, at most JUDGE_FINDINGS_MAX
 * lines, then a count of the rest.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"
#include "policy/ima_policy.h"
#include "policy/pcr_policy.h"
#include "verify/judge.h"
#include "verify/judge_int.h"
#include "verify/judge_pcr.h"
#include "verify/store_pcrref.h"

#define PCRS_IMA	(1u << 10)			/* IMA: PCR 10 */
#define PCRS_UEFI	(0x3ffu | (0xfu << 11))		/* UEFI: 0-9, 11-14 */

/*
 * Whether the UEFI judgement (verify/judge_uefi.c) judged this bundle's
 * uefi.log: it parsed, was replayed to the quote and compared with the
 * device's reference event log. Without a reference log it is not, and a
 * carried uefi.log leaves PCRs 0-9 and 11-14 under pcr.reference.
 */
bool
judge_uefi_judges(const struct judging *j)
{
	return j->uefi_judged;
}

/*
 * THE place that decides which quoted PCRs a carried log judges instead
 * of pcr.reference: PCR 10 when an IMA list is carried (ima.log or an
 * ima-<alg>.log, judged by the ima.* checks); PCRs 0-9, and those of
 * 11-14 the log extends, when uefi.log is carried AND
 * judge_uefi_judges() says the UEFI judgement judged it.
 */
uint32_t
judge_log_pcrs(const struct judging *j)
{
	uint32_t m = 0;
	size_t i, n;

	for (i = 0; i < j->bc.nmembers; i++)
		if (member_is_ima_log(j->bc.members[i].name) &&
		    j->bc.data[i] != NULL)
			m |= PCRS_IMA;
	if (jg_member(j, MEMBER_UEFI_LOG, &n) != NULL && judge_uefi_judges(j))
		m |= j->uefi_pcrs & PCRS_UEFI;
	return m;
}

/* ---- the rule and the reference (judge_pcr.h) ------------------------------- */

struct sets {
	size_t n;
	int64_t ids[IMA_POLICY_SETS_MAX];
	char names[IMA_POLICY_SETS_MAX][STORE_REFSET_NAME_MAX + 1];
};

static int
collect_set(const struct store_refset *rs, void *arg, struct errbuf *e)
{
	struct sets *s = arg;

	if (s->n == IMA_POLICY_SETS_MAX)
		return err_set(e, "more than %d reference sets assigned",
		    IMA_POLICY_SETS_MAX);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", rs->name);
	s->ids[s->n++] = rs->set_id;
	return 0;
}

struct rule_pick {
	bool found;
	char text[STORE_POLICY_RULE_MAX + 1];
};

static int
pick_rule(const char *text, void *arg, struct errbuf *e)
{
	struct rule_pick *p = arg;

	(void)e;
	if (!p->found && pcr_policy_is_rule(text)) {
		snprintf(p->text, sizeof(p->text), "%s", text);
		p->found = true;
	}
	return 0;
}

/* What resolving needs besides *out. */
struct resolving {
	struct store *s;
	const uint8_t *id;
	struct pcr_ref_resolved *out;
	struct sets sets;
	struct rule_pick pick;
	char set_source[STORE_PCR_SOURCE_MAX + 1];
	struct store_pcr_ref own;
	struct pcr_set golden;
};

/* The time t as text, or its number when out of range. */
static void
time_text(int64_t t, char out[21])
{
	if (result_time_format(t, out, NULL) == -1)
		snprintf(out, 21, "%" PRId64, t);
}

static int
resolve_rule(struct resolving *g, struct errbuf *e)
{
	struct pcr_ref_resolved *o = g->out;
	struct errbuf pe;
	const char *set = NULL;
	size_t i;

	if (store_policy_foreach(g->s, g->id, 0, pick_rule, &g->pick,
	    e) == -1)
		return -1;
	for (i = 0; !g->pick.found && i < g->sets.n; i++) {
		if (store_policy_foreach(g->s, NULL, g->sets.ids[i], pick_rule,
		    &g->pick, e) == -1)
			return -1;
		if (g->pick.found)
			set = g->sets.names[i];
	}
	o->rule_ok = true;
	if (!g->pick.found) {
		memset(&o->rule, 0, sizeof(o->rule));
		snprintf(o->rule_text, sizeof(o->rule_text), "%s (default)",
		    PCR_POLICY_WORD);
		return 0;
	}
	snprintf(o->rule_text, sizeof(o->rule_text), "%.*s (%s%s)",
	    PCR_POLICY_TEXT_MAX, g->pick.text, set ? "set " : "the device's",
	    set ? set : "");
	if (pcr_policy_parse(g->pick.text, &o->rule, &pe) == -1) {
		o->rule_ok = false;
		snprintf(o->rule_problem, sizeof(o->rule_problem), "stored "
		    "rule '%.200s' (%s%s): %s", g->pick.text, set ? "set " :
		    "the device's", set ? set : "", pe.msg);
	}
	return 0;
}

static int
resolve_reference(struct resolving *g, struct errbuf *e)
{
	struct pcr_ref_resolved *o = g->out;
	char hex[2 * STORE_DEVICE_ID_LEN + 1], when[21], b[17];
	const char *first = NULL;
	int64_t updated = 0;
	size_t i;
	bool found;

	o->ref_ok = false;
	for (i = 0; i < g->sets.n; i++) {
		if (store_refset_pcrs_get(g->s, g->sets.ids[i], &g->golden,
		    g->set_source, &updated, &found, e) == -1)
			return -1;
		if (!found)
			continue;
		if (first != NULL) {
			snprintf(o->ref_problem, sizeof(o->ref_problem), "the "
			    "device is assigned two sets with golden PCR "
			    "values (%s, %s): which one applies is ambiguous; "
			    "unassign one", first, g->sets.names[i]);
			return 0;
		}
		first = g->sets.names[i];
		o->ref = g->golden;
		time_text(updated, when);
		snprintf(o->source, sizeof(o->source), "set %s's golden values "
		    "(%.80s, %s)", first, g->set_source, when);
	}
	if (first != NULL) {
		o->ref_ok = true;
		return 0;
	}
	hex_encode(g->id, STORE_DEVICE_ID_LEN, hex);
	if (store_pcr_ref_get(g->s, g->id, &g->own, &found, e) == -1)
		return -1;
	if (!found) {
		snprintf(o->ref_problem, sizeof(o->ref_problem), "no reference "
		    "PCR values: device %s has none from its enrollment and no "
		    "golden set is assigned", hex);
		return 0;
	}
	o->ref = g->own.pcrs;
	o->ref_ok = true;
	time_text(g->own.updated, when);
	hex_encode(g->own.source_bundle, 8, b);
	if (!g->own.has_origin)
		snprintf(o->source, sizeof(o->source), "the reference values "
		    "of device %s", hex);
	else if (g->own.origin == STORE_PCRS_ENROLLMENT)
		snprintf(o->source, sizeof(o->source), "the enrollment of "
		    "device %s at %s", hex, when);
	else
		snprintf(o->source, sizeof(o->source), "bundle %s... accepted "
		    "for device %s at %s (refs update)", b, hex, when);
	return 0;
}

int
pcr_ref_resolve(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct pcr_ref_resolved *out, struct errbuf *e)
{
	struct resolving *g;
	int rc = -1;

	memset(out, 0, offsetof(struct pcr_ref_resolved, ref));
	pcr_set_init(&out->ref);
	if ((g = malloc(sizeof(*g))) == NULL)
		return err_set(e, "out of memory");
	memset(g, 0, offsetof(struct resolving, own));
	g->s = s;
	g->id = id;
	g->out = out;
	if (store_device_refsets(s, id, collect_set, &g->sets, e) == 0 &&
	    resolve_rule(g, e) == 0 && resolve_reference(g, e) == 0)
		rc = 0;
	free(g);
	return rc;
}

/* ---- the comparison --------------------------------------------------------- */

struct pcr_judgement {
	struct judging *j;
	size_t lines, shown_more;	/* failure lines written, not shown */
	struct pcr_ref_resolved res;
};

static void
on_diff(void *arg, const struct pcr_diff *d)
{
	struct pcr_judgement *g = arg;
	char q[2 * HASHALG_MAX_SIZE + 1], r[2 * HASHALG_MAX_SIZE + 1];

	if (g->lines == JUDGE_FINDINGS_MAX) {
		g->shown_more++;
		return;
	}
	g->lines++;
	hex_encode(d->quoted, d->alg->size, q);
	if (d->reference == NULL) {
		jg_fail(g->j, "pcr.reference", "PCR %u %s: quoted %s, no "
		    "reference value in %s", d->pcr, d->alg->name, q,
		    g->res.source);
		return;
	}
	hex_encode(d->reference, d->alg->size, r);
	jg_fail(g->j, "pcr.reference", "PCR %u %s: quoted %s, reference %s "
	    "from %s", d->pcr, d->alg->name, q, r, g->res.source);
}

/* Whether quote.pcr-digest verified pcrs.bin against the signed digest. */
static bool
pcr_digest_ok(const struct judging *j)
{
	size_t i;

	for (i = 0; i < j->r->n_checks; i++)
		if (strcmp(j->r->checks[i].name, "quote.pcr-digest") == 0)
			return j->r->checks[i].outcome == RESULT_OK;
	return false;
}

/* The PCRs of the signed selection, any bank. */
static uint32_t
selected_pcrs(const TPML_PCR_SELECTION *sel)
{
	uint32_t m = 0, i, k;

	for (i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
		for (k = 0; k < sel->pcrSelections[i].sizeofSelect && k < 4;
		    k++)
			m |= (uint32_t)sel->pcrSelections[i].pcrSelect[k] <<
			    (8 * k);
	return m;
}

static void
compare(struct pcr_judgement *g)
{
	struct judging *j = g->j;
	const struct pcr_ref_resolved *res = &g->res;
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	uint32_t logs = judge_log_pcrs(j), quoted = selected_pcrs(sel);
	uint32_t mask = pcr_policy_mask(&res->rule) & ~logs;
	char list[PCR_LIST_TEXT_MAX], by_log[PCR_LIST_TEXT_MAX + 32];
	size_t compared, differ, summary;
	struct errbuf ce;

	if (!res->rule_ok) {
		jg_fail(j, "pcr.reference", "%s", res->rule_problem);
		return;
	}
	by_log[0] = '\0';
	if (logs & quoted) {
		pcr_list_format(logs & quoted, list, sizeof(list));
		snprintf(by_log, sizeof(by_log), "; PCR %s judged by %s", list,
		    (logs & quoted & ~PCRS_IMA) ? "their logs" : "the IMA log");
	}
	if ((mask & quoted) == 0) {
		jg_ok(j, "pcr.reference", "no quoted PCR to compare%s; policy "
		    "%s", by_log, res->rule_text);
		return;
	}
	if (!res->ref_ok) {
		jg_fail(j, "pcr.reference", "%s; policy %s", res->ref_problem,
		    res->rule_text);
		return;
	}
	/* the summary line first, its text known only after the lines */
	summary = j->r->n_checks;
	jg_fail(j, "pcr.reference", "PCR values differ");
	if (pcr_policy_compare(&j->pcrs, sel, mask, &res->ref, on_diff, g,
	    &compared, &differ, &ce) == -1) {
		j->r->n_checks = summary;
		jg_fail(j, "pcr.reference", "%s", ce.msg);
		return;
	}
	pcr_list_format(mask & quoted, list, sizeof(list));
	if (differ == 0) {
		/* no line was added after the summary: it becomes the ok */
		j->r->n_checks = summary;
		jg_ok(j, "pcr.reference", "%zu PCR values (PCRs %s) equal %s%s; "
		    "policy %s", compared, list, res->source, by_log,
		    res->rule_text);
		return;
	}
	if (summary < j->r->n_checks)
		snprintf(j->r->checks[summary].reason,
		    sizeof(j->r->checks[0].reason), "%zu of %zu PCR values "
		    "(PCRs %s) differ from %s; policy %s", differ, compared,
		    list, res->source, res->rule_text);
	if (g->shown_more > 0)
		jg_fail(j, "pcr.reference", "... and %zu more differing PCR "
		    "values", g->shown_more);
}

int
judge_pcr(struct judging *j, struct errbuf *e)
{
	struct pcr_judgement *g;

	if (j->s == NULL) {
		jg_skip(j, "pcr.reference", "no store");
		return 0;
	}
	if (!j->att_ok || !j->pcrs_ok || !pcr_digest_ok(j)) {
		jg_skip(j, "pcr.reference", "no verified PCR values "
		    "(quote.pcr-digest)");
		return 0;
	}
	if ((g = malloc(sizeof(*g))) == NULL)
		return err_set(e, "out of memory");
	g->j = j;
	g->lines = g->shown_more = 0;
	if (pcr_ref_resolve(j->s, j->dev.id, &g->res, e) == -1) {
		free(g);
		return -1;
	}
	compare(g);
	free(g);
	return 0;
}
