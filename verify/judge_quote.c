/*
 * judge_quote.c - the quote checks (quote.*) and the attestation state
 * checks (state.*) of one bundle, see judge.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "verify/judge_int.h"
#include "verify/quote_checks.h"

/* QN of the AK at its enrolled location: a primary key of the endorsement
 * hierarchy, or a child of the EK (itself such a primary). */
static int
enrolled_qn(const struct judging *j, struct tpm_name *qn, struct errbuf *e)
{
	struct tpm_name ehq, ek_qn, ak_name, ek_name;

	tpm_hierarchy_qn(TPM2_RH_ENDORSEMENT, &ehq);
	if (tpm_public_name(&j->ak, &ak_name, e) == -1)
		return -1;
	if (j->dev.ak_parent_len == 0)
		return tpm_qualified_name(&ehq, &ak_name, qn, e);
	memcpy(ek_name.b, j->dev.ak_parent, j->dev.ak_parent_len);
	ek_name.len = j->dev.ak_parent_len;
	if (tpm_qualified_name(&ehq, &ek_name, &ek_qn, e) == -1)
		return -1;
	return tpm_qualified_name(&ek_qn, &ak_name, qn, e);
}

/*
 * The checks themselves are verify/quote_checks.h's, shared with dossier
 * quote check; here: the bundle's members and the store's expectations
 * as their inputs, and the SKIP lines without a store or challenge.
 */

static void
check_signature(struct judging *j, TPMT_SIGNATURE *sig, bool *sig_ok)
{
	const uint8_t *p;
	struct errbuf e;
	size_t n;

	p = jg_member(j, MEMBER_QUOTE_SIG, &n);
	*sig_ok = tpm_signature_parse(p, n, sig, &e) == 0;
	if (!*sig_ok)
		err_prefix(&e, "quote.sig");
	quote_check_signature(&j->sink, j->ak_key, &j->ak.pub,
	    *sig_ok ? sig : NULL, *sig_ok ? "" : e.msg, j->att.raw,
	    j->att.raw_len, j->s == NULL ? "the bundle's own AK" :
	    "the enrolled AK");
}

/* Why a check against the challenge cannot run; NULL: it can. */
static const char *
no_challenge(const struct judging *j)
{
	if (j->s == NULL)
		return "no store";
	return j->have_challenge ? NULL : "no known challenge";
}

static void
check_nonce(struct judging *j)
{
	const char *why = no_challenge(j);

	if (why != NULL) {
		jg_skip(j, "quote.nonce", "%s", why);
		return;
	}
	/* the store's secret is not repeated in the result */
	quote_check_nonce(&j->sink, &j->att.att.extraData, j->ch.secret,
	    STORE_SECRET_LEN, "the challenge's nonce", false);
}

static void
check_signer(struct judging *j)
{
	char what[160];
	struct tpm_name qn;
	struct errbuf e;

	if (enrolled_qn(j, &qn, &e) == -1) {
		jg_fail(j, "quote.qualified-signer", "%s", e.msg);
		return;
	}
	snprintf(what, sizeof(what), "the Qualified Name of the %s (%s)",
	    j->s == NULL ? "bundle's AK at the location its manifest claims" :
	    "enrolled AK", j->dev.ak_parent_len ? "child of the EK" :
	    "primary in the endorsement hierarchy");
	quote_check_signer(&j->sink, &j->att.att.qualifiedSigner, qn.b, qn.len,
	    what);
}

static void
check_selection(struct judging *j)
{
	const char *why = no_challenge(j);

	if (why == NULL && !j->want_sel_ok)
		why = "no known challenge";
	if (why != NULL) {
		jg_skip(j, "quote.selection", "%s", why);
		return;
	}
	quote_check_selection(&j->sink, &j->att.att.attested.quote.pcrSelect,
	    &j->want_sel);
}

/* pcrs.bin holds exactly the quoted PCRs, and pcrs.tpm2 the same values. */
static int
check_pcr_files(struct judging *j, const TPML_PCR_SELECTION *sel,
    struct errbuf *e)
{
	struct pcr_set other;
	enum pcr_file_format fmt;
	const uint8_t *p, *v;
	size_t n, b;
	unsigned pcr;
	uint32_t bits;
	bool found;

	p = jg_member(j, MEMBER_PCRS, &n);
	if (pcr_set_parse(p, n, &j->pcrs, &fmt, e) == -1)
		return err_prefix(e, MEMBER_PCRS);
	if (fmt != PCR_FILE_TPM2_MARSHALED)
		return err_set(e, "pcrs.bin is %s, not tpm2-tools marshaled",
		    pcr_file_format_name(fmt));
	for (b = 0; b < j->pcrs.nbanks; b++) {
		bits = tpm_selection_bank_bits(sel,
		    j->pcrs.banks[b].alg->tpm_id, &found);
		if (j->pcrs.banks[b].present != bits)
			return err_set(e, "pcrs.bin: bank %s holds other PCRs "
			    "than the quote covers", j->pcrs.banks[b].alg->name);
	}
	j->pcrs_ok = true;
	if ((p = jg_member(j, MEMBER_PCRS_TPM2, &n)) == NULL)
		return 0;
	if (pcr_set_parse(p, n, &other, NULL, e) == -1)
		return err_prefix(e, MEMBER_PCRS_TPM2);
	for (b = 0; b < j->pcrs.nbanks; b++)
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if (!(j->pcrs.banks[b].present & (1u << pcr)))
				continue;
			v = pcr_set_get(&other, j->pcrs.banks[b].alg, pcr);
			if (v == NULL || memcmp(v, j->pcrs.banks[b].values[pcr],
			    j->pcrs.banks[b].alg->size) != 0)
				return err_set(e, "pcrs.tpm2: %s PCR %u differs "
				    "from pcrs.bin", j->pcrs.banks[b].alg->name,
				    pcr);
		}
	return 0;
}

static void
check_pcr_digest(struct judging *j, const TPMT_SIGNATURE *sig, bool sig_ok)
{
	const TPMS_QUOTE_INFO *q = &j->att.att.attested.quote;
	char source[64];
	struct errbuf e;

	if (check_pcr_files(j, &q->pcrSelect, &e) == -1) {
		jg_fail(j, "quote.pcr-digest", "%s", e.msg);
		return;
	}
	/* named as dossier quote check --pcrs pcrs.bin names it */
	snprintf(source, sizeof(source), "pcrs.bin (%s)",
	    pcr_file_format_name(PCR_FILE_TPM2_MARSHALED));
	quote_check_pcr_digest(&j->sink, q, &j->pcrs, source,
	    sig_ok ? tpm_signature_hash(sig) : NULL);
}

void
judge_quote(struct judging *j)
{
	TPMT_SIGNATURE sig;
	const uint8_t *p;
	struct errbuf e;
	size_t n;
	bool sig_ok;

	p = jg_member(j, MEMBER_QUOTE_ATTEST, &n);
	if (tpm_attest_parse(p, n, &j->att, &e) == -1) {
		jg_fail(j, "quote.magic", "quote.attest: %s", e.msg);
		return;
	}
	if (!quote_check_header(&j->sink, j->att.raw, j->att.raw_len))
		return;
	j->att_ok = true;
	check_signature(j, &sig, &sig_ok);
	check_nonce(j);
	check_signer(j);
	check_selection(j);
	check_pcr_digest(j, &sig, sig_ok);
}

/* ---- state ------------------------------------------------------------------ */

void
judge_state_of(const struct judging *j, struct store_attest_state *st)
{
	const TPMS_CLOCK_INFO *c = &j->att.att.clockInfo;

	memset(st, 0, sizeof(*st));
	st->clock = c->clock;
	st->reset_count = c->resetCount;
	st->restart_count = c->restartCount;
	st->safe = c->safe == TPM2_YES;
	st->firmware_version = j->att.att.firmwareVersion;
	st->accepted = j->now;
}

/*
 * The state checks compare the quote's TPM state with two accepted
 * states of the device: prev, that of the challenge issued just before
 * this bundle's own, and next, that of the challenge issued just after it
 * (already judged when bundles are judged out of order). Time runs
 * forward from prev through cur to next: a lower clock within one reset,
 * a lower resetCount, a lower restartCount within one reset is a
 * rollback, whichever of the three was judged last.
 */
struct state_view {
	struct store_attest_state prev, next, cur;
	bool has_prev, has_next;
};

static const char later_issued[] = "accepted for a challenge issued after "
    "this one";

static void
state_clock(struct judging *j, const struct state_view *v)
{
	const struct store_attest_state *p = &v->prev, *c = &v->cur,
	    *n = &v->next;

	if (v->has_prev && c->reset_count == p->reset_count &&
	    c->clock < p->clock)
		jg_fail(j, "state.clock", "clock went back from %" PRIu64
		    " to %" PRIu64 " ms within the same reset (rollback)",
		    p->clock, c->clock);
	else if (v->has_next && n->reset_count == c->reset_count &&
	    n->clock < c->clock)
		jg_fail(j, "state.clock", "clock %" PRIu64 " ms is later than "
		    "the %" PRIu64 " ms %s, within the same reset (rollback)",
		    c->clock, n->clock, later_issued);
	else if (v->has_prev)
		jg_ok(j, "state.clock", "%" PRIu64 " ms (last accepted %"
		    PRIu64 ")", c->clock, p->clock);
	else
		jg_ok(j, "state.clock", "%" PRIu64 " ms (first accepted "
		    "state)", c->clock);
}

static void
state_reset(struct judging *j, const struct state_view *v)
{
	const struct store_attest_state *p = &v->prev, *c = &v->cur,
	    *n = &v->next;

	if (v->has_prev && c->reset_count < p->reset_count)
		jg_fail(j, "state.reset", "resetCount went back from %" PRIu32
		    " to %" PRIu32, p->reset_count, c->reset_count);
	else if (v->has_next && n->reset_count < c->reset_count)
		jg_fail(j, "state.reset", "resetCount %" PRIu32 " is later "
		    "than the %" PRIu32 " %s (rollback)", c->reset_count,
		    n->reset_count, later_issued);
	else if (v->has_prev && c->reset_count > p->reset_count)
		jg_ok(j, "state.reset", "reboot reported (TPM reset): "
		    "resetCount %" PRIu32 " -> %" PRIu32, p->reset_count,
		    c->reset_count);
	else if (v->has_next && n->reset_count > c->reset_count)
		jg_ok(j, "state.reset", "reboot reported (TPM reset) after "
		    "this quote: resetCount %" PRIu32 " -> %" PRIu32 " %s",
		    c->reset_count, n->reset_count, later_issued);
	else if (!v->has_prev)
		jg_ok(j, "state.reset", "resetCount %" PRIu32,
		    c->reset_count);
	else
		jg_ok(j, "state.reset", "resetCount %" PRIu32 " unchanged",
		    c->reset_count);
}

static void
state_restart(struct judging *j, const struct state_view *v)
{
	const struct store_attest_state *p = &v->prev, *c = &v->cur,
	    *n = &v->next;

	if (v->has_prev && c->reset_count == p->reset_count &&
	    c->restart_count < p->restart_count)
		jg_fail(j, "state.restart", "restartCount went back from %"
		    PRIu32 " to %" PRIu32 " within the same reset",
		    p->restart_count, c->restart_count);
	else if (v->has_next && n->reset_count == c->reset_count &&
	    n->restart_count < c->restart_count)
		jg_fail(j, "state.restart", "restartCount %" PRIu32 " is later "
		    "than the %" PRIu32 " %s, within the same reset",
		    c->restart_count, n->restart_count, later_issued);
	else if (!v->has_prev)
		jg_ok(j, "state.restart", "restartCount %" PRIu32,
		    c->restart_count);
	else if (c->restart_count != p->restart_count)
		jg_ok(j, "state.restart", "restart reported: restartCount %"
		    PRIu32 " -> %" PRIu32, p->restart_count, c->restart_count);
	else
		jg_ok(j, "state.restart", "restartCount %" PRIu32
		    " unchanged", c->restart_count);
}

static void
state_firmware(struct judging *j, const struct state_view *v)
{
	if (v->has_prev && v->cur.firmware_version !=
	    v->prev.firmware_version)
		jg_ok(j, "state.firmware", "firmware changed: 0x%016" PRIx64
		    " -> 0x%016" PRIx64, v->prev.firmware_version,
		    v->cur.firmware_version);
	else if (v->has_prev)
		jg_ok(j, "state.firmware", "0x%016" PRIx64 " unchanged",
		    v->cur.firmware_version);
	else
		jg_ok(j, "state.firmware", "0x%016" PRIx64,
		    v->cur.firmware_version);
}

int
judge_state(struct judging *j, struct errbuf *e)
{
	static const char *const names[] = { "state.clock", "state.reset",
	    "state.restart", "state.firmware" };
	struct state_view v;
	int64_t seq;
	size_t i;

	if (!j->att_ok) {
		for (i = 0; i < 4; i++)
			jg_skip(j, names[i], "no readable quote");
		return 0;
	}
	judge_state_of(j, &v.cur);
	/* without the challenge row (challenge.known fails) the bundle is
	 * compared with the newest accepted state */
	seq = j->have_challenge && j->ch.seq > 0 ? j->ch.seq : INT64_MAX;
	if (store_state_around(j->s, j->dev.id, seq, &v.prev, &v.has_prev,
	    &v.next, &v.has_next, e) == -1)
		return -1;
	state_clock(j, &v);
	state_reset(j, &v);
	state_restart(j, &v);
	state_firmware(j, &v);
	return 0;
}
