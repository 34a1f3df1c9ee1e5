/*
 * judge_ima.c - the IMA checks of one bundle (judge.h): parse ima.log,
 * check every template-digest column, replay it to the quoted PCR 10 of
 * every quoted bank, report an unquoted tail, and judge what it measured
 * under the device's IMA policy (format/ima_policy.h), all in ONE pass
 * over the log: each record is parsed once, replayed in per-bank mode
 * (Linux >= 5.8) and evaluated. Only when some bank misses its quoted
 * PCR 10 in that mode is the log (in memory) replayed a second time, in
 * both modes, for the padded mode of Linux 4.11 .. 5.7: the report is the
 * one a single pass in both modes gives (tests/t_verify_padded_swtpm.sh).
 *
 * The policy and reference sets come from the run's reference cache
 * (j->refcache, verify/ima_refcache.h) or, without one, are loaded for
 * this bundle: the device's own rules, else its sets' rules, else
 * "reorder"; against its assigned sets, else its own enrollment log.
 * Each rule is one check: ima.reorder, ima.allowlist, ima.signatures,
 * ima.boot-aggregate, ima.violations (without a violations rule the
 * violations are only counted, in an ok line). A failing rule names each
 * failing finding (class, entry index, path, digest, the rule) in its own
 * line, at most JUDGE_FINDINGS_MAX lines per bundle, then a count.
 *
 * The unquoted tail: entries after the prefix of the log that the quote
 * covers (the shortest prefix that replays to every quoted bank's PCR 10)
 * were measured after the quote, so the TPM vouches for none of them.
 * Policy findings on tail entries never fail a rule; the rule's line says
 * how many there are and names the first, as "in the unquoted tail".
 * Missing entries (index none) concern the whole log and count as quoted.
 * Without a replay (no quoted PCR 10) every entry counts as quoted.
 *
 * Entries extending a PCR other than 10: the replay judges PCR 10 only
 * (format/ima_replay.h compares only the PCRs it has values for), so the
 * quote vouches for none of them. After the quoted prefix they are part
 * of the unquoted tail, counted and named on its ok line; inside the
 * quoted prefix they fail ima.replay.<bank>, naming the entry and the PCR
 * (a policy finding on them would otherwise count as quoted).
 *
 * Then each per-bank list ima-<alg>.log (Linux 6.10+
 * binary_runtime_measurements_<alg>), present or requested by the
 * challenge as "ima-<alg>": ima.<alg>-list.parse (parsed whole with the
 * column algorithm its media type's digest= parameter names, which must
 * be <alg>), ima.<alg>-list.replay (every column is its template hash
 * under <alg>, and the list replays in per-bank mode into bank <alg> only,
 * to that bank's quoted PCR 10), ima.<alg>-list.consistent (the same list
 * as ima.log: as many records, and each with the same PCR, template name
 * and template data; only the digest column differs).
 *
 * The policy half (the device's rules, their findings and checks) is
 * judge_ima_policy.c; the state both share, judge_ima_int.h.
 *
 * No static state: everything of one judgement is on the heap or the
 * stack of the calling thread.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"
#include "format/ima_log.h"
#include "format/ima_replay.h"
#include "policy/ima_policy.h"
#include "verify/ima_check.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/judge_ima_int.h"
#include "verify/judge_int.h"

/* A judgement with every member zero up to rp (see above). */
static struct ima_judgement *
judgement_new(struct judging *j)
{
	struct ima_judgement *g;

	if ((g = malloc(sizeof(*g))) == NULL)
		return NULL;
	memset(g, 0, offsetof(struct ima_judgement, rp));
	g->j = j;
	return g;
}

/* ---- the pass over ima.log -------------------------------------------------- */

static int
scan_record(struct ima_judgement *g, const struct ima_record *rec,
    struct errbuf *e)
{
	bool col_ok;

	if (g->replay) {
		if (ima_replay_record(&g->rp, rec, &col_ok, e) == -1)
			return -1;
		if (!col_ok && g->bad_columns++ == 0) {
			g->first_bad = rec->index;
			ima_printable(rec->path ? rec->path : "", rec->path_len,
			    g->first_bad_path, sizeof(g->first_bad_path));
		}
		if (rec->pcr != 10) {
			if (g->other_n++ == 0)
				g->other_first = rec->index;
			g->other_pcrs |= 1u << rec->pcr;
		}
	}
	if (g->eval_on && ima_eval_record(g->ev, rec, e) == -1)
		return -1;
	g->entries++;
	return 0;
}

/* Parse the whole log with column algorithm col, replaying and evaluating
 * each record. -1 with the parse error in e. */
static int
scan_log(struct ima_judgement *g, const uint8_t *buf, size_t len,
    const struct hashalg *col, struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t pos = 0, need;

	ima_parser_init(&p, col, IMA_ORDER_UNKNOWN);
	while (pos < len) {
		switch (ima_parse_record(&p, buf + pos, len - pos, &rec, &need,
		    e)) {
		case IMA_PARSE_RECORD:
			break;
		case IMA_PARSE_MORE:
			return ima_parse_finish(&p, buf + pos, len - pos, e);
		default:
			return -1;
		}
		if (scan_record(g, &rec, e) == -1)
			return -1;
		pos += rec.size;
	}
	return 0;
}

/* Start g->rp over banks[0..nb) in the modes of the mask, comparing with
 * exp. -1 with the reason in e (g->rp then needs no free). */
static int
start_replay(struct ima_judgement *g, const struct hashalg *const *banks,
    size_t nb, const struct pcr_set *exp, unsigned modes, struct errbuf *e)
{
	if (ima_replay_init(&g->rp, banks, nb, modes, hashalg_by_name("sha1"),
	    e) == -1)
		return -1;
	ima_replay_expect(&g->rp, exp);
	return 0;
}

/* Whether every bank matched its quoted PCR 10 in per-bank mode (the
 * common case on kernels >= 5.8, the only mode the main pass replays). */
static bool
per_bank_matches(const struct ima_replay *rp)
{
	struct ima_bank_result res;
	size_t b;

	for (b = 0; b < rp->nbanks; b++) {
		ima_replay_result(rp, b, &res);
		if (!res.matched[IMA_MODE_PER_BANK])
			return false;
	}
	return true;
}

/*
 * Some bank did not match in per-bank mode: replay the whole log (still in
 * memory) again in both modes, so the report sees what a single pass in
 * both modes would have (same checks, texts and verdicts). Only the replay
 * is redone: the column count, the policy and the entry count come from
 * the main pass. -1 with the reason in e (g->replay is then false).
 */
static int
replay_again_padded(struct ima_judgement *g, const uint8_t *buf, size_t len,
    const struct hashalg *const *banks, size_t nb, const struct pcr_set *exp,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t pos = 0, need;
	bool col_ok;

	ima_replay_free(&g->rp);
	g->replay = false;
	if (start_replay(g, banks, nb, exp, IMA_REPLAY_BOTH, e) == -1)
		return -1;
	g->replay = true;
	ima_parser_init(&p, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	while (pos < len) {
		if (ima_parse_record(&p, buf + pos, len - pos, &rec, &need,
		    e) != IMA_PARSE_RECORD)
			break;	/* the main pass parsed it whole */
		if (ima_replay_record(&g->rp, &rec, &col_ok, e) == -1)
			return -1;
		pos += rec.size;
	}
	return 0;
}

/* Banks of the quote with PCR 10 and their quoted values. */
static size_t
quoted_banks(const struct judging *j, const struct hashalg **banks,
    struct pcr_set *exp)
{
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	const struct hashalg *alg;
	const uint8_t *v;
	size_t i, n = 0;

	pcr_set_init(exp);
	for (i = 0; i < sel->count && n < IMA_REPLAY_MAX_BANKS; i++) {
		alg = hashalg_by_tpm(sel->pcrSelections[i].hash);
		if (alg == NULL || hashalg_md(alg) == NULL ||
		    !tpm_selection_has(&sel->pcrSelections[i], 10) ||
		    (v = pcr_set_get(&j->pcrs, alg, 10)) == NULL ||
		    pcr_set_put(exp, alg, 10, v, NULL) == -1)
			continue;
		banks[n++] = alg;
	}
	return n;
}

/* "PCR 11" or "PCRs 11, 12" for a mask, the quote's view of them in out. */
static void
other_pcrs_text(const struct judging *j, uint32_t mask, char *out, size_t cap)
{
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	size_t o, i;
	unsigned p, n = 0;
	bool quoted = false, first = true;

	for (p = 0; p < IMA_PCR_COUNT; p++)
		n += (mask >> p) & 1u;
	o = (size_t)snprintf(out, cap, "PCR%s", n == 1 ? "" : "s");
	for (p = 0; p < IMA_PCR_COUNT && o < cap; p++) {
		if (!(mask & (1u << p)))
			continue;
		o += (size_t)snprintf(out + o, cap - o, "%s %u",
		    first ? "" : ",", p);
		first = false;
		for (i = 0; i < sel->count; i++)
			if (tpm_selection_has(&sel->pcrSelections[i], p))
				quoted = true;
	}
	if (o < cap)
		snprintf(out + o, cap - o, "%s", quoted ? ", which the IMA "
		    "replay does not judge (it replays PCR 10 only)" :
		    ", which the quote does not cover");
}

/* The quoted PCR 10 of bank b is all zero (what an empty prefix gives). */
static bool
quoted_pcr10_zero(const struct ima_replay *rp, size_t b)
{
	static const uint8_t zeros[HASHALG_MAX_SIZE];

	return memcmp(rp->banks[b].exp[10], zeros,
	    rp->banks[b].alg->size) == 0;
}

/* ima.replay.<bank> lines (verify/ima_check.h's, as dossier ima check
 * says them); the shortest matched prefix in *prefix. */
static bool
report_replay(struct ima_judgement *g, struct ima_replay *rp,
    uint64_t *prefix)
{
	struct judging *j = g->j;
	struct ima_bank_result res;
	char name[RESULT_CHECK_NAME_MAX + 1], other[200] = "", note[300];
	enum ima_mode m;
	size_t b;
	bool all = true;

	*prefix = g->entries;
	if (g->other_n > 0)
		other_pcrs_text(j, g->other_pcrs, other, sizeof(other));
	for (b = 0; b < rp->nbanks; b++) {
		ima_replay_result(rp, b, &res);
		snprintf(name, sizeof(name), "ima.replay.%s",
		    rp->banks[b].alg->name);
		/* per-bank mode first: the mode of kernels >= 5.8 */
		m = res.matched[IMA_MODE_PER_BANK] ? IMA_MODE_PER_BANK :
		    IMA_MODE_PADDED;
		/* No PCR 10 entry in the prefix: PCR 10 would still be zero. */
		if (res.matched[m] && res.prefix[m] == 0 &&
		    !quoted_pcr10_zero(rp, b))
			res.matched[m] = false;
		if (!res.matched[m]) {
			note[0] = '\0';
			if (g->other_n > 0)
				snprintf(note, sizeof(note), "; the %" PRIu64
				    " entries extending %s, are not part of "
				    "that replay", g->other_n, other);
			ima_replay_bank_check(&j->sink, rp, b, false, m, 0,
			    g->entries, note);
			all = false;
			continue;
		}
		if (g->other_n > 0 && g->other_first < res.prefix[m]) {
			jg_fail(j, name, "entry %" PRIu64 " (of %" PRIu64
			    " such entries) extends %s, inside the part of "
			    "the log that the quote covers (%s mode: %" PRIu64
			    " entries reach the quoted PCR 10)",
			    g->other_first, g->other_n, other,
			    ima_mode_name(m), res.prefix[m]);
			all = false;
			continue;
		}
		ima_replay_bank_check(&j->sink, rp, b, true, m, res.prefix[m],
		    g->entries, "");
		if (res.prefix[m] < *prefix)
			*prefix = res.prefix[m];
	}
	return all;
}

/* Whether the challenge asks for the log named log ("ima", "ima-sha256"). */
static bool
wants_log(const struct judging *j, const char *log)
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

static void
judgement_free(struct ima_judgement *g)
{
	size_t i;

	if (g->replay)
		ima_replay_free(&g->rp);
	ima_eval_free(g->ev);
	if (g->have_ref)
		ima_device_ref_free(&g->ref);
	ima_refcache_free(g->own_cache);
	for (i = 0; i < RULE_KINDS; i++)
		free(g->fails[i].v);
	free(g);
}

/* ima.template-digest, ima.replay.<bank>, ima.unquoted-tail; the quoted
 * prefix in *prefix (all entries without a replay). */
static void
report_quoted(struct ima_judgement *g, uint64_t *prefix)
{
	struct judging *j = g->j;
	char other[200];

	*prefix = g->entries;
	if (!g->replay) {
		jg_skip(j, "ima.template-digest", "no quoted PCR 10 to "
		    "replay to");
		jg_skip(j, "ima.replay", "no quoted PCR 10 values");
		return;
	}
	if (g->bad_columns > 0)
		jg_fail(j, "ima.template-digest", "%" PRIu64 " entries with a "
		    "wrong template digest, first entry %" PRIu64 " '%s'",
		    g->bad_columns, g->first_bad, g->first_bad_path);
	else
		jg_ok(j, "ima.template-digest", "every column matches its "
		    "template data");
	if (!report_replay(g, &g->rp, prefix)) {
		*prefix = g->entries;
		return;
	}
	if (*prefix == g->entries)
		jg_ok(j, "ima.unquoted-tail", "none");
	else if (g->other_n == 0)
		jg_ok(j, "ima.unquoted-tail", "%" PRIu64 " entries after the "
		    "quoted state (measured after the quote)",
		    g->entries - *prefix);
	else {
		other_pcrs_text(j, g->other_pcrs, other, sizeof(other));
		jg_ok(j, "ima.unquoted-tail", "%" PRIu64 " entries after the "
		    "quoted state, %" PRIu64 " of them (from entry %" PRIu64
		    ") extending %s", g->entries - *prefix, g->other_n,
		    g->other_first, other);
	}
}

static int
judge_ima_classic(struct judging *j, struct errbuf *e)
{
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	struct ima_judgement *g;
	struct pcr_set exp;
	struct errbuf pe;
	const uint8_t *log;
	uint64_t prefix;
	size_t len, nb = 0;
	int rc = 0;

	if ((log = jg_member(j, MEMBER_IMA_LOG, &len)) == NULL) {
		if (wants_log(j, "ima"))
			jg_fail(j, "ima.parse", "the challenge asks for the IMA "
			    "log and the bundle has no ima.log");
		return 0;
	}
	if ((g = judgement_new(j)) == NULL)
		return err_set(e, "out of memory");
	g->replay = j->att_ok && j->pcrs_ok &&
	    (nb = quoted_banks(j, banks, &exp)) > 0;
	if (g->replay && start_replay(g, banks, nb, &exp, IMA_REPLAY_PER_BANK,
	    &pe) == -1) {
		g->replay = false;
		jg_fail(j, "ima.replay", "%s", pe.msg);
		goto out;
	}
	if (j->s == NULL)
		jg_skip(j, "ima.reorder", "no store");
	else if ((rc = judge_ima_resolve_policy(g, e)) == -1)
		goto out;
	judge_ima_start_eval(g);
	if (scan_log(g, log, len, hashalg_by_name("sha1"), &pe) == -1) {
		jg_fail(j, "ima.parse", "ima.log: %s", pe.msg);
		goto out;
	}
	jg_ok(j, "ima.parse", "%" PRIu64 " entries", g->entries);
	j->ima_entries = g->entries;
	if (g->replay && !per_bank_matches(&g->rp) && replay_again_padded(g,
	    log, len, banks, nb, &exp, &pe) == -1) {
		jg_fail(j, "ima.replay", "%s", pe.msg);
		goto out;
	}
	report_quoted(g, &prefix);
	rc = judge_ima_report_policy(g, prefix, e);
out:
	judgement_free(g);
	return rc;
}

/* ---- per-bank lists -------------------------------------------------------- */

/* One per-bank list being judged. */
struct bank_list {
	const char *alg_name;
	const struct hashalg *alg;
	char parse[RESULT_CHECK_NAME_MAX + 1];	/* check names */
	char replay[RESULT_CHECK_NAME_MAX + 1];
	char consistent[RESULT_CHECK_NAME_MAX + 1];
	const uint8_t *data;
	size_t len;
	uint64_t entries;

	/* replay */
	bool replay_on;
	uint64_t bad_columns, first_bad;
	char first_bad_path[IMA_PATH_SHOWN + 8];

	/* comparison with ima.log */
	const uint8_t *ima;		/* NULL: no ima.log */
	size_t ima_len, ima_pos;
	struct ima_parser ima_p;
	bool ima_broken;		/* ima.log does not parse */
	bool differs;
	char why[IMA_PATH_SHOWN + 200];
};

/* The quoted PCR 10 of bank alg as an expectation; false if not quoted. */
static bool
quoted_pcr10(const struct judging *j, const struct hashalg *alg,
    struct pcr_set *exp)
{
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	const uint8_t *v;
	size_t i;

	pcr_set_init(exp);
	if (!j->att_ok || !j->pcrs_ok)
		return false;
	for (i = 0; i < sel->count; i++)
		if (hashalg_by_tpm(sel->pcrSelections[i].hash) == alg &&
		    tpm_selection_has(&sel->pcrSelections[i], 10) &&
		    (v = pcr_set_get(&j->pcrs, alg, 10)) != NULL &&
		    pcr_set_put(exp, alg, 10, v, NULL) == 0)
			return true;
	return false;
}

/* Compare bank-list record rec with the next record of ima.log. */
static void
compare_next(struct bank_list *bl, const struct ima_record *rec)
{
	struct ima_record o;
	struct errbuf pe;
	char path[IMA_PATH_SHOWN + 8];
	size_t need;

	if (bl->ima == NULL || bl->ima_broken || bl->differs)
		return;
	ima_printable(rec->path ? rec->path : "", rec->path_len, path,
	    sizeof(path));
	if (bl->ima_pos >= bl->ima_len) {
		snprintf(bl->why, sizeof(bl->why), "entry %" PRIu64 " '%s': "
		    "ima.log ends before it (%" PRIu64 " entries)", rec->index,
		    path, rec->index);
		bl->differs = true;
		return;
	}
	if (ima_parse_record(&bl->ima_p, bl->ima + bl->ima_pos,
	    bl->ima_len - bl->ima_pos, &o, &need, &pe) != IMA_PARSE_RECORD) {
		bl->ima_broken = true;
		return;
	}
	bl->ima_pos += o.size;
	if (o.pcr != rec->pcr || o.tmpl->name_len != rec->tmpl->name_len ||
	    memcmp(o.tmpl->name, rec->tmpl->name, o.tmpl->name_len) != 0 ||
	    o.data_len != rec->data_len ||
	    memcmp(o.data, rec->data, o.data_len) != 0) {
		snprintf(bl->why, sizeof(bl->why), "entry %" PRIu64 " '%s': "
		    "PCR, template or template data differ from ima.log's "
		    "entry %" PRIu64, rec->index, path, o.index);
		bl->differs = true;
	}
}

/* Parse the list whole, replaying and comparing as it goes. */
static int
scan_bank_list(struct bank_list *bl, struct ima_replay *rp, struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t pos = 0, need;
	bool col_ok;

	ima_parser_init(&p, bl->alg, IMA_ORDER_UNKNOWN);
	if (bl->len == 0)
		return err_set(e, "empty list");
	while (pos < bl->len) {
		switch (ima_parse_record(&p, bl->data + pos, bl->len - pos,
		    &rec, &need, e)) {
		case IMA_PARSE_RECORD:
			break;
		case IMA_PARSE_MORE:
			return ima_parse_finish(&p, bl->data + pos,
			    bl->len - pos, e);
		default:
			return -1;
		}
		if (bl->replay_on) {
			if (ima_replay_record(rp, &rec, &col_ok, e) == -1)
				return -1;
			if (!col_ok && bl->bad_columns++ == 0) {
				bl->first_bad = rec.index;
				ima_printable(rec.path ? rec.path : "",
				    rec.path_len, bl->first_bad_path,
				    sizeof(bl->first_bad_path));
			}
		}
		compare_next(bl, &rec);
		bl->entries++;
		pos += rec.size;
	}
	return 0;
}

static void
report_bank_replay(struct judging *j, struct bank_list *bl,
    struct ima_replay *rp)
{
	struct ima_bank_result res;

	if (!bl->replay_on) {
		jg_skip(j, bl->replay, "the quote has no %s PCR 10",
		    bl->alg_name);
		return;
	}
	ima_replay_result(rp, 0, &res);
	if (bl->bad_columns > 0)
		jg_fail(j, bl->replay, "%" PRIu64 " entries with a wrong %s "
		    "template digest, first entry %" PRIu64 " '%s'",
		    bl->bad_columns, bl->alg_name, bl->first_bad,
		    bl->first_bad_path);
	else if (!res.matched[IMA_MODE_PER_BANK])
		jg_fail(j, bl->replay, "the list (%" PRIu64 " entries) does "
		    "not replay to the quoted %s PCR 10 (per-bank mode)",
		    bl->entries, bl->alg_name);
	else
		jg_ok(j, bl->replay, "%" PRIu64 " of %" PRIu64 " entries reach "
		    "the quoted %s PCR 10 (per-bank mode)",
		    res.prefix[IMA_MODE_PER_BANK], bl->entries, bl->alg_name);
}

static void
report_bank_consistent(struct judging *j, struct bank_list *bl)
{
	uint64_t left = 0;
	struct ima_parser p = bl->ima_p;
	struct ima_record o;
	struct errbuf pe;
	size_t pos = bl->ima_pos, need;

	if (bl->ima == NULL) {
		jg_skip(j, bl->consistent, "no ima.log to compare with");
		return;
	}
	/* ima.log's records after the list's last one */
	while (!bl->ima_broken && !bl->differs && pos < bl->ima_len) {
		if (ima_parse_record(&p, bl->ima + pos, bl->ima_len - pos, &o,
		    &need, &pe) != IMA_PARSE_RECORD) {
			bl->ima_broken = true;
			break;
		}
		left++;
		pos += o.size;
	}
	if (bl->ima_broken)
		jg_skip(j, bl->consistent, "ima.log does not parse");
	else if (bl->differs)
		jg_fail(j, bl->consistent, "%s", bl->why);
	else if (left > 0)
		jg_fail(j, bl->consistent, "the list has %" PRIu64 " entries, "
		    "ima.log %" PRIu64 " more", bl->entries, left);
	else
		jg_ok(j, bl->consistent, "the %" PRIu64 " entries of ima.log, "
		    "in order", bl->entries);
}

/* Parse, replay and compare one present list. */
static void
judge_bank_list(struct judging *j, struct bank_list *bl,
    const struct bundle_member *mb, struct ima_replay *rpp)
{
	struct pcr_set exp;
	struct errbuf pe;
	char digest[32];

	if (media_type_param(mb->media_type, "digest", digest, sizeof(digest),
	    NULL) != 1 || strcmp(digest, bl->alg_name) != 0) {
		jg_fail(j, bl->parse, "%s: media type '%s' does not say "
		    "digest=%s", mb->name, mb->media_type, bl->alg_name);
		return;
	}
	if (bl->alg == NULL || hashalg_md(bl->alg) == NULL) {
		jg_fail(j, bl->parse, "%s: no digest for %s", mb->name,
		    bl->alg_name);
		return;
	}
	bl->replay_on = quoted_pcr10(j, bl->alg, &exp);
	if (bl->replay_on && ima_replay_init(rpp, &bl->alg, 1,
	    IMA_REPLAY_PER_BANK, bl->alg, &pe) == -1) {
		jg_fail(j, bl->replay, "%s", pe.msg);
		return;
	}
	if (bl->replay_on)
		ima_replay_expect(rpp, &exp);
	bl->ima = jg_member(j, MEMBER_IMA_LOG, &bl->ima_len);
	ima_parser_init(&bl->ima_p, hashalg_by_name("sha1"),
	    IMA_ORDER_UNKNOWN);
	if (scan_bank_list(bl, rpp, &pe) == -1)
		jg_fail(j, bl->parse, "%s: %s", mb->name, pe.msg);
	else {
		jg_ok(j, bl->parse, "%" PRIu64 " entries", bl->entries);
		report_bank_replay(j, bl, rpp);
		report_bank_consistent(j, bl);
	}
	if (bl->replay_on)
		ima_replay_free(rpp);
}

static int
judge_bank_lists(struct judging *j, struct errbuf *e)
{
	struct bank_list *bl;
	struct ima_replay *rp;
	const struct bundle_member *mb;
	char member[BUNDLE_MEMBER_NAME_MAX + 1], log[32];
	size_t i;

	bl = malloc(sizeof(*bl));
	rp = malloc(sizeof(*rp));
	if (bl == NULL || rp == NULL) {
		free(bl);
		free(rp);
		return err_set(e, "out of memory");
	}
	for (i = 0; i < MEMBERS_IMA_BANKS_N; i++) {
		memset(bl, 0, sizeof(*bl));
		bl->alg_name = members_ima_banks[i];
		bl->alg = hashalg_by_name(bl->alg_name);
		snprintf(bl->parse, sizeof(bl->parse), "ima.%s-list.parse",
		    bl->alg_name);
		snprintf(bl->replay, sizeof(bl->replay), "ima.%s-list.replay",
		    bl->alg_name);
		snprintf(bl->consistent, sizeof(bl->consistent),
		    "ima.%s-list.consistent", bl->alg_name);
		(void)member_ima_bank_name(bl->alg_name, member,
		    sizeof(member), NULL);
		snprintf(log, sizeof(log), "ima-%s", bl->alg_name);
		mb = bundle_member_find(&j->bc, member, NULL);
		if (mb == NULL || (bl->data = jg_member(j, member,
		    &bl->len)) == NULL) {
			if (wants_log(j, log))
				jg_fail(j, bl->parse, "the challenge asks for "
				    "the log '%s' and the bundle has no %s",
				    log, member);
			continue;
		}
		judge_bank_list(j, bl, mb, rp);
	}
	free(bl);
	free(rp);
	return 0;
}

int
judge_ima(struct judging *j, struct errbuf *e)
{
	if (judge_ima_classic(j, e) == -1)
		return -1;
	return judge_bank_lists(j, e);
}
