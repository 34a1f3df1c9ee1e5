/*
 * pcr_policy.h - which quoted PCRs must equal their reference values, and
 * the comparison itself (the pcr.reference check of dossier-verify(1)).
 *
 * RULE TEXT (stored beside the IMA rules of policy/ima_policy.h, given to
 * `dossier refs policy`, named in results):
 *
 *   pcrs[:only=LIST][:ignore=LIST]
 *
 * LIST is a comma list of PCR indices and ranges "A-B" (A <= B), each in
 * 0..PCR_COUNT-1, e.g. "0-7,9". only= restricts the comparison to the
 * listed PCRs (default: every quoted PCR); ignore= takes PCRs out of it.
 * An option given twice, an empty list, a PCR out of range, a range
 * backwards, anything after the list, an unknown option, or a rule that
 * leaves no PCR to compare is an error. pcr_policy_format() writes the
 * canonical text: only before ignore, each list ascending with runs of
 * three or more PCRs as ranges ("pcrs:only=0-7,9:ignore=4"). A text
 * whose first word (up to ':') is not "pcrs" is not a PCR rule
 * (pcr_policy_is_rule()): it belongs to ima_policy.h.
 *
 * COMPARISON (pcr_policy_compare): every (bank, PCR) of the SIGNED
 * selection sel whose PCR is in mask, in selection order (banks in list
 * order, PCRs ascending), is looked up in the quoted values and in the
 * reference; a value the reference lacks, or a different one, is a
 * difference, handed to fn. PCR numbers and banks come from sel only:
 * values of the sets outside sel are never read.
 *
 * No allocation; errors follow format/err.h.
 */
#ifndef DOSSIER_PCR_POLICY_H
#define DOSSIER_PCR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/pcr_set.h"

#define PCR_POLICY_TEXT_MAX	128	/* canonical text of one rule */
#define PCR_POLICY_WORD		"pcrs"

struct pcr_rule {
	bool has_only;
	uint32_t only;		/* bit i: PCR i (has_only) */
	uint32_t ignore;	/* bit i: PCR i ignored */
};

/* Whether text is a PCR rule (its first word is "pcrs"). */
bool pcr_policy_is_rule(const char *text);

/* Parse one rule's text into *out. */
int pcr_policy_parse(const char *text, struct pcr_rule *out,
    struct errbuf *e);

/* Canonical text of r into out[cap]; -1 if it does not fit. */
int pcr_policy_format(const struct pcr_rule *r, char *out, size_t cap,
    struct errbuf *e);

/* The PCRs the rule compares (bit i: PCR i): only (or all) less ignore. */
uint32_t pcr_policy_mask(const struct pcr_rule *r);

/* A PCR mask as a list, "0-9,11" ("none" for 0); out holds at least
 * PCR_LIST_TEXT_MAX bytes. */
#define PCR_LIST_TEXT_MAX	96
void pcr_list_format(uint32_t mask, char *out, size_t cap);

/* One difference; pointers valid during the callback only. */
struct pcr_diff {
	const struct hashalg *alg;
	unsigned pcr;
	const uint8_t *quoted;		/* alg->size bytes */
	const uint8_t *reference;	/* NULL: the reference has none */
};

typedef void (*pcr_diff_fn)(void *arg, const struct pcr_diff *d);

/*
 * Compare as above. *compared gets how many (bank, PCR) values were
 * looked at, *differ how many differed (fn called for each). -1 (e) if
 * sel names a bank this build does not know or quoted lacks a selected
 * value (the caller verified quoted against the quote's digest first).
 */
int pcr_policy_compare(const struct pcr_set *quoted,
    const TPML_PCR_SELECTION *sel, uint32_t mask, const struct pcr_set *ref,
    pcr_diff_fn fn, void *arg, size_t *compared, size_t *differ,
    struct errbuf *e);

#endif
