/*
 * judge_pcr.h - what the pcr.reference check (verify/judge_pcr.c, judge.h)
 * compares a device's quoted PCRs with, resolved from the store: the pcrs
 * rule that applies and the reference values with their source. Used by
 * the judge and by dossier refs device, so both say the same.
 *
 * The rule: the device's own pcrs rule (dossier refs policy DEVICE), else
 * the first pcrs rule among its sets' rules (sets in name order), else
 * the default "pcrs" (every quoted PCR not judged by a log). The IMA
 * rules stored beside it are resolved on their own (verify/ima_refcache.h
 * skips pcrs rules).
 *
 * The reference: the golden PCR values of the one reference set assigned
 * to the device that has some (dossier refs add SET --pcrs); with none,
 * the device's own reference values (verify/store_pcrref.h: its
 * enrollment bundle's, or a bundle accepted by dossier refs update). Two
 * assigned sets with golden values are ambiguous (no reference).
 *
 * Errors follow format/err.h: -1 only for store failures or out of
 * memory; a bad stored rule or a missing reference is reported in *out.
 */
#ifndef DOSSIER_VERIFY_JUDGE_PCR_H
#define DOSSIER_VERIFY_JUDGE_PCR_H

#include <stdbool.h>
#include <stdint.h>

#include "format/err.h"
#include "policy/pcr_policy.h"
#include "format/pcr_set.h"
#include "verify/store.h"

#define PCR_REF_SOURCE_MAX	200	/* where the reference came from */
#define PCR_REF_RULE_TEXT_MAX	(PCR_POLICY_TEXT_MAX + STORE_REFSET_NAME_MAX + 24)
#define PCR_REF_PROBLEM_MAX	400

struct pcr_ref_resolved {
	struct pcr_rule rule;
	bool rule_ok;			/* false: rule_problem says why */
	char rule_text[PCR_REF_RULE_TEXT_MAX];	/* "pcrs:ignore=4 (set base)" */
	bool ref_ok;			/* false: ref_problem says why */
	char source[PCR_REF_SOURCE_MAX];	/* "the enrollment of device ..." */
	char rule_problem[PCR_REF_PROBLEM_MAX];
	char ref_problem[PCR_REF_PROBLEM_MAX];
	struct pcr_set ref;
};

/* Resolve device id's rule and reference into *out (128 KiB: heap it). */
int pcr_ref_resolve(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct pcr_ref_resolved *out, struct errbuf *e);

#endif
