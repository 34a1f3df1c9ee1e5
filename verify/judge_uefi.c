/*
 * judge_uefi.c - the UEFI checks of one bundle (judge.h): parse uefi.log
 * (format/eventlog.h), replay it to the quoted PCRs of every quoted bank,
 * compare its events with the device's reference event log and apply the
 * device's stored UEFI rules (verify/uefi_refs.h, format/eventlog_policy.h).
 *
 * Checks, in order:
 *   uefi.parse           the log parses whole (else: the event index, the
 *                        offset and the reason; nothing else runs). A
 *                        bundle without uefi.log gets no uefi.* check,
 *                        unless its challenge asked for the log "uefi":
 *                        then uefi.parse fails.
 *   uefi.replay.<bank>   per bank of the signed selection: every quoted
 *                        PCR the log judges (0-9, and those of 11-14 the
 *                        log extends) equals the replay; a PCR of 0-9 the
 *                        log never extends must hold its reset value. A
 *                        quoted bank the log has no digests in fails (its
 *                        PCRs would be judged by nothing). A failure names
 *                        the first PCR and how many events were replayed
 *                        into it and in all. uefi.replay, without a
 *                        bank: the log has digests in no quoted bank
 *                        (fails), or there are no quoted values (skip).
 *   uefi.reference       every event paired with the device's reference
 *                        log (evlog_diff): a failure is a summary line,
 *                        then one line per event added, removed or changed
 *                        (PCR, type, description, digests). Skipped with
 *                        no store, or when the device has no reference log.
 *   uefi.policy          only when a stored UEFI rule no longer parses.
 *   uefi.<rule>          one per stored rule (uefi.secureboot, uefi.dbx,
 *                        uefi.bootchain, uefi.cmdline, uefi.separators):
 *                        failing findings one per line.
 * Finding lines (reference and rules together) are at most
 * JUDGE_FINDINGS_MAX per bundle, then a count of the rest.
 *
 * What it leaves for others: the PCRs it judged (j->uefi_pcrs, read by
 * judge_log_pcrs()) once the log parsed and was compared with a reference
 * log, so that pcr.reference does not judge them again; without a
 * reference log the log is replayed but pcr.reference still compares
 * every quoted PCR with the device's reference values (a log nobody
 * compared with anything must not stand for the boot chain). And the
 * PCRs 0-9 as replayed (j->boot_pcrs), which ima.boot-aggregate is
 * checked against.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "format/hex.h"
#include "policy/eventlog_policy.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/judge_int.h"
#include "verify/uefi_checks.h"
#include "verify/uefi_refs.h"

#define PCRS_BOOT	0x3ffu			/* 0-9: always the log's */
#define PCRS_OS		(0xfu << 11)		/* 11-14: when it extends them */

/* Failing findings of one rule, kept until the rule's check is written. */
struct rule_lines {
	size_t n;			/* findings in all */
	size_t kept;
	char text[JUDGE_FINDINGS_MAX][RESULT_REASON_MAX + 1];
};

struct uefi_judgement {
	struct judging *j;
	struct evlog log;
	struct evlog_replay rp;
	struct evlog_facts facts;
	const struct uefi_ref *ref;
	struct uefi_rules rules;
	struct evlog_rule_result res[EVLOG_POLICY_RULES_MAX];
	struct rule_lines lines[EVLOG_POLICY_RULES_MAX];
	size_t left;	/* finding lines left to write: JUDGE_FINDINGS_MAX
			 * per bundle, reference and rules together */
	/* reference comparison: the differences kept for their lines */
	size_t diff_n, diff_kept;
	char diff_text[JUDGE_FINDINGS_MAX][RESULT_REASON_MAX + 1];
	char ref_source[200];
};

/* ---- uefi.parse --------------------------------------------------------------- */

static int
parse(struct uefi_judgement *g, const uint8_t *buf, size_t len)
{
	struct errbuf pe;

	if (evlog_parse(&g->log, buf, len, &pe) == -1) {
		err_prefix(&pe, "uefi.log");
		uefi_check_unparsed(&g->j->sink, &g->log, pe.msg);
		return -1;
	}
	evlog_facts_get(&g->log, &g->facts);
	uefi_check_parsed(&g->j->sink, &g->log, &g->facts);
	return 0;
}

/* ---- uefi.replay.<bank> --------------------------------------------------------- */

static uint32_t
total_events(const struct evlog_replay_bank *b)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < EVLOG_PCR_COUNT; i++)
		n += b->events_into[i];
	return n;
}

/* One bank of the signed selection against the replay. */
static void
replay_bank(struct uefi_judgement *g, const TPMS_PCR_SELECTION *ps,
    const struct hashalg *alg)
{
	struct judging *j = g->j;
	const struct evlog_replay_bank *b;
	char name[RESULT_CHECK_NAME_MAX + 1];
	char q[2 * HASHALG_MAX_SIZE + 1], r[2 * HASHALG_MAX_SIZE + 1];
	uint8_t zero[HASHALG_MAX_SIZE];
	const uint8_t *quoted, *want;
	unsigned pcr, compared = 0;
	int bi;

	snprintf(name, sizeof(name), "uefi.replay.%s", alg->name);
	if ((bi = evlog_replay_bank(&g->rp, alg)) == -1) {
		jg_fail(j, name, "uefi.log has no %s digests: the quoted %s "
		    "PCRs it would judge are judged by nothing", alg->name,
		    alg->name);
		return;
	}
	b = &g->rp.banks[bi];
	for (pcr = 0; pcr < EVLOG_PCR_COUNT; pcr++) {
		if (!tpm_selection_has(ps, pcr) || !((PCRS_BOOT | PCRS_OS) &
		    (1u << pcr)))
			continue;
		if (!(b->extended & (1u << pcr))) {
			if (!(PCRS_BOOT & (1u << pcr)))
				continue;	/* 11-14: not the log's */
			/* its reset value, PCR 0 with the startup locality */
			memset(zero, 0, alg->size);
			if (pcr == 0 && g->log.has_locality)
				zero[alg->size - 1] = g->log.locality;
			want = zero;
		} else
			want = b->pcr[pcr];
		if ((quoted = pcr_set_get(&j->pcrs, alg, pcr)) == NULL)
			continue;	/* quote.pcr-digest says so */
		compared++;
		if (memcmp(quoted, want, alg->size) == 0)
			continue;
		hex_encode(want, alg->size, r);
		hex_encode(quoted, alg->size, q);
		jg_fail(j, name, "PCR %u: %" PRIu32 " events of uefi.log "
		    "replay to %s, the quote has %s (%" PRIu32 " events "
		    "replayed into the %s bank in all)", pcr,
		    b->events_into[pcr], r, q, total_events(b), alg->name);
		return;
	}
	jg_ok(j, name, "%" PRIu32 " events replay to the %u quoted PCRs the "
	    "log judges", total_events(b), compared);
}

/* The replayed PCRs 0-9 over the quoted values, for ima.boot-aggregate. */
static void
boot_pcrs(struct uefi_judgement *g)
{
	struct judging *j = g->j;
	const struct evlog_replay_bank *b;
	size_t i;
	unsigned pcr;

	if ((j->boot_pcrs = malloc(sizeof(*j->boot_pcrs))) == NULL)
		return;		/* the quoted values serve */
	*j->boot_pcrs = j->pcrs;
	for (i = 0; i < g->rp.nbanks; i++) {
		b = &g->rp.banks[i];
		for (pcr = 0; pcr < 10; pcr++)
			if ((b->extended & (1u << pcr)) &&
			    pcr_set_put(j->boot_pcrs, b->alg, pcr, b->pcr[pcr],
			    NULL) == -1) {
				free(j->boot_pcrs);
				j->boot_pcrs = NULL;
				return;
			}
	}
}

static void
replay(struct uefi_judgement *g)
{
	struct judging *j = g->j;
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	const struct hashalg *want[EVLOG_MAX_BANKS], *alg;
	struct errbuf pe;
	size_t i, n = 0;

	if (!j->att_ok || !j->pcrs_ok) {
		jg_skip(j, "uefi.replay", "no quoted PCR values");
		return;
	}
	/* the quoted banks the log has and this build computes */
	for (i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		alg = hashalg_by_tpm(sel->pcrSelections[i].hash);
		if (alg != NULL && hashalg_md(alg) != NULL && n <
		    EVLOG_MAX_BANKS && evlog_bank_index(&g->log, alg->tpm_id) !=
		    -1)
			want[n++] = alg;
	}
	if (n == 0) {
		jg_fail(j, "uefi.replay", "uefi.log has digests in none of the "
		    "quoted banks: the PCRs it would judge are judged by "
		    "nothing");
		return;
	}
	if (evlog_replay_run(&g->rp, &g->log, want, n, &pe) == -1) {
		jg_fail(j, "uefi.replay", "%s", pe.msg);
		return;
	}
	for (i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		alg = hashalg_by_tpm(sel->pcrSelections[i].hash);
		if (alg == NULL || hashalg_md(alg) == NULL)
			continue;	/* quote.* say what they can */
		replay_bank(g, &sel->pcrSelections[i], alg);
	}
	boot_pcrs(g);
}

/* ---- uefi.reference ------------------------------------------------------------- */

static void
on_diff(void *arg, const struct evlog_diff_item *d)
{
	struct uefi_judgement *g = arg;

	g->diff_n++;
	if (g->diff_kept < JUDGE_FINDINGS_MAX)
		evlog_diff_text(&g->log, &g->ref->log, d,
		    g->diff_text[g->diff_kept++], sizeof(g->diff_text[0]));
}

static void
ref_source(struct uefi_judgement *g)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1], when[21], b[17];

	hex_encode(g->j->dev.id, STORE_DEVICE_ID_LEN, hex);
	if (result_time_format(g->ref->updated, when, NULL) == -1)
		snprintf(when, sizeof(when), "%" PRId64, g->ref->updated);
	hex_encode(g->ref->source_bundle, 8, b);
	snprintf(g->ref_source, sizeof(g->ref_source), "the reference event "
	    "log of device %.16s... (bundle %s..., %s)", hex, b, when);
}

/* 1 when the log was compared with a reference log, 0 when not, -1 on a
 * store error. The check's words are verify/uefi_checks.h's, as dossier
 * eventlog check --ref-log says them. */
static int
reference(struct uefi_judgement *g, struct errbuf *e)
{
	static const struct evlog_rule rule = { EVLOG_RULE_REFERENCE, "" };
	struct judging *j = g->j;
	const char *lines[JUDGE_FINDINGS_MAX];
	struct evlog_rule_result res;
	struct uefi_rule_outcome o;
	struct errbuf de;
	size_t i, count = 0;

	if (j->s == NULL) {
		jg_skip(j, "uefi.reference", "no store");
		return 0;
	}
	if (uefi_refcache_get(ima_refcache_uefi(j->refcache), j->s, j->dev.id,
	    &g->ref, e) == -1)
		return -1;
	if (g->ref == NULL) {
		jg_skip(j, "uefi.reference", "the device has no reference "
		    "event log (enrolled without uefi.log): its PCRs are left "
		    "to pcr.reference");
		return 0;
	}
	ref_source(g);
	if (!g->ref->parsed) {
		jg_fail(j, "uefi.reference", "%s does not parse: %s",
		    g->ref_source, g->ref->problem);
		return 1;
	}
	if (evlog_diff(&g->log, &g->ref->log, on_diff, g, &count, &de) == -1) {
		jg_fail(j, "uefi.reference", "cannot compare with %s: %s",
		    g->ref_source, de.msg);
		return 1;
	}
	memset(&res, 0, sizeof(res));
	res.failed = count > 0;
	res.findings = count;
	for (i = 0; i < g->diff_kept; i++)
		lines[i] = g->diff_text[i];
	memset(&o, 0, sizeof(o));
	o.rule = &rule;
	o.res = &res;
	o.source = g->ref_source;
	o.nevents = g->log.nevents;
	o.lines = lines;
	o.nlines = g->diff_kept;
	o.budget = &g->left;
	uefi_rule_check(&j->sink, &o);
	return 1;
}

/* ---- rules ------------------------------------------------------------------------ */

static void
on_finding(void *arg, const struct evlog_finding *f)
{
	struct uefi_judgement *g = arg;
	const struct evlog_policy *p = &g->rules.policy;
	struct rule_lines *l;
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == f->rule)
			break;
	if (i == p->nrules)
		return;
	l = &g->lines[i];
	l->n++;
	if (l->kept < JUDGE_FINDINGS_MAX)
		snprintf(l->text[l->kept++], sizeof(l->text[0]), "%s", f->text);
}

static void
report_rule(struct uefi_judgement *g, size_t i)
{
	const struct rule_lines *l = &g->lines[i];
	const char *lines[JUDGE_FINDINGS_MAX];
	struct uefi_rule_outcome o;
	size_t k;

	for (k = 0; k < l->kept; k++)
		lines[k] = l->text[k];
	memset(&o, 0, sizeof(o));
	o.rule = &g->rules.policy.rules[i];
	o.res = &g->res[i];
	o.source = g->rules.source;
	o.nevents = g->log.nevents;
	o.lines = lines;
	o.nlines = l->kept;
	o.budget = &g->left;
	uefi_rule_check(&g->j->sink, &o);
}

/* -1 only on a store error or out of memory. */
static int
rules(struct uefi_judgement *g, struct errbuf *e)
{
	struct judging *j = g->j;
	const struct evlog *ref = NULL;
	const struct evlog_facts *ref_f = NULL;
	struct errbuf pe;
	size_t i;

	if (j->s == NULL)
		return 0;	/* no stored rules to apply */
	if (uefi_rules_resolve(j->s, j->dev.id, &g->rules, e) == -1)
		return -1;
	if (!g->rules.ok)
		jg_fail(j, "uefi.policy", "%s", g->rules.problem);
	if (g->rules.policy.nrules == 0)
		return 0;
	if (g->ref != NULL && g->ref->parsed) {
		ref = &g->ref->log;
		ref_f = &g->ref->facts;
	}
	if (evlog_policy_eval(&g->rules.policy, &g->log, &g->facts, ref,
	    ref_f, on_finding, g, g->res, &pe) == -1) {
		jg_fail(j, "uefi.policy", "cannot evaluate: %s", pe.msg);
		return 0;
	}
	for (i = 0; i < g->rules.policy.nrules; i++)
		report_rule(g, i);
	return 0;
}

/* ---- the whole ---------------------------------------------------------------------- */

/*
 * No uefi.log and none asked for: the device's stored UEFI rules cannot
 * apply, and say so (one skip each) rather than vanish from the result.
 */
static int
skip_rules(struct judging *j, struct errbuf *e)
{
	struct uefi_rules *r;
	char name[RESULT_CHECK_NAME_MAX + 1];
	size_t i;

	if (j->s == NULL)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (uefi_rules_resolve(j->s, j->dev.id, r, e) == -1) {
		free(r);
		return -1;
	}
	for (i = 0; r->ok && i < r->policy.nrules; i++) {
		snprintf(name, sizeof(name), UEFI_RULE_PREFIX "%s",
		    evlog_rule_name(r->policy.rules[i].kind));
		jg_skip(j, name, "the bundle carries no uefi.log (its "
		    "challenge did not ask for \"uefi\"): PCRs 0-9 are left to "
		    "pcr.reference; rule (%s)", r->source);
	}
	free(r);
	return 0;
}

/* Whether the challenge asks for the log named log ("uefi"). */
static bool
wants(const struct judging *j, const char *log)
{
	const char *p = j->ch.logs;
	size_t n, len = strlen(log);

	while (j->have_challenge && *p != '\0') {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, log, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

int
judge_uefi(struct judging *j, struct errbuf *e)
{
	struct uefi_judgement *g;
	const uint8_t *buf;
	size_t len;
	int rc = 0, compared = 0;

	j->uefi_judged = false;
	j->uefi_pcrs = 0;
	if ((buf = jg_member(j, MEMBER_UEFI_LOG, &len)) == NULL) {
		if (wants(j, "uefi"))
			jg_fail(j, "uefi.parse", "the challenge asks for the "
			    "UEFI event log and the bundle has no uefi.log");
		else
			return skip_rules(j, e);
		return 0;
	}
	/* large (finding texts): on the heap, zeroed for the replay's
	 * contexts */
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return err_set(e, "out of memory");
	g->j = j;
	g->left = JUDGE_FINDINGS_MAX;
	evlog_init(&g->log);
	if (parse(g, buf, len) == -1)
		goto out;
	replay(g);
	if ((compared = reference(g, e)) == -1) {
		rc = -1;
		goto out;
	}
	if (rules(g, e) == -1) {
		rc = -1;
		goto out;
	}
	if (compared == 1) {
		j->uefi_judged = true;
		j->uefi_pcrs = PCRS_BOOT | (g->log.pcrs_named & PCRS_OS);
	}
out:
	uefi_ref_release(g->ref);
	evlog_replay_free(&g->rp);
	evlog_free(&g->log);
	free(g);
	return rc;
}

void
judge_uefi_release(struct judging *j)
{
	free(j->boot_pcrs);
	j->boot_pcrs = NULL;
}
