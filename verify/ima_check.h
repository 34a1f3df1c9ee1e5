/*
 * ima_check.h - the IMA checks that dossier ima check (dossier-ima(1))
 * and dossier verify (verify/judge_ima.c) share: the check lines of a
 * bank's replay and of a policy rule, written once, on a check sink
 * (verify/checks.h); and the IMA policy part of dossier ima check: the
 * same rules verify applies (policy/ima_policy.h), on a raw log, without
 * a bundle, evaluated in the pass that replays the log.
 *
 * Inputs: rule texts (--policy; "reorder" when a reference is given and
 * no rule), reference sets built from logs (--ref-log) or read from the
 * store (--refs), trusted keys (--key) and the PCR values (--pcrs, for
 * boot_aggregate). Findings are kept (at most IMA_CHECK_KEPT, counts stay
 * exact) and printed at the end, when the quoted prefix is known: as for
 * verify, findings on entries after the prefix the PCR values cover
 * (the unquoted tail) never fail a rule; they are reported as such.
 *
 * Errors follow format/err.h: a bad rule, an unreadable file, a set the
 * store lacks are errors (-1, the message names the option and file).
 */
#ifndef DOSSIER_VERIFY_IMA_CHECK_H
#define DOSSIER_VERIFY_IMA_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/ima_log.h"
#include "format/ima_replay.h"
#include "policy/ima_policy.h"
#include "format/pcr_set.h"
#include "verify/checks.h"
#include "verify/report.h"

#define IMA_CHECK_KEPT		100000	/* findings kept for output */
#define IMA_CHECK_SHOWN		1000	/* FAIL lines per rule */
#define IMA_CHECK_INPUTS_MAX	IMA_POLICY_SETS_MAX	/* of each option */

struct ima_check_opts {
	const char *rules[IMA_POLICY_RULES_MAX];
	size_t nrules;
	const char *ref_logs[IMA_CHECK_INPUTS_MAX];
	size_t nref_logs;
	const char *refs[IMA_CHECK_INPUTS_MAX];	/* set names in the store */
	size_t nrefs;
	const char *keys[IMA_KEYRING_MAX];
	size_t nkeys;
	const struct hashalg *log_alg;	/* column algorithm of ref logs */
	const struct pcr_set *pcrs;	/* NULL without --pcrs */
};

/*
 * One IMA policy rule's check (ima.reorder, ima.allowlist,
 * ima.signatures, ima.boot-aggregate, ima.violations): ONE
 * implementation for dossier ima check (below) and dossier verify
 * (verify/judge_ima.c), each giving the outcome of its evaluation.
 * Lines, on s:
 *   SKIP NAME: rule 'TEXT': NOTE                    (res says skipped)
 *   ok NAME rule 'TEXT'[ (default)][AGAINST], N entries: COUNTS
 *       [; first reported: NOTE][; TAIL]            (no quoted failure)
 *   FAIL NAME: FINDING (rule TEXT)                  (each one kept)
 *   FAIL NAME: rule 'TEXT'[AGAINST]: N failing finding(s)[ (the first
 *       named above)]; COUNTS[; TAIL]
 * TAIL: "M finding(s) in the unquoted tail (after the quoted PCR
 * values, not covered by them)[, first: FINDING]".
 */
struct ima_rule_outcome {
	const struct ima_policy *policy;
	size_t ri;				/* policy->rules[ri] */
	const struct ima_eval_result *res;	/* after ima_eval_end() */
	bool is_default;	/* the device's default rules (verify) */
	const char *against;	/* " against SETS" or "" */
	uint64_t entries;	/* records evaluated */
	const char *first_note;	/* first finding that does not fail, "" */
	uint64_t in_quote;	/* failing findings in the quoted part */
	uint64_t in_tail;	/* ... after it */
	bool any_fail;		/* some finding of the rule failed at all */
	const char *first_tail;	/* the first failing one in the tail, "" */
	/* The next failing finding in the quoted part that is kept, as
	 * text (ima_finding_format); false: no more. */
	bool (*next_quoted)(void *arg, char *text, size_t cap);
	void *arg;
};

void ima_rule_check(const struct check_sink *s,
    const struct ima_rule_outcome *o);

/* "10" or "10, 11": the PCRs of mask, into out. */
void ima_pcr_list_text(uint32_t mask, char *out, size_t cap);

/*
 * ima.replay.<bank> for bank b of rp after entries records, as dossier
 * ima check and dossier verify say it. matched: some prefix (in mode m,
 * of prefix entries) reaches the PCR values of every compared PCR (those
 * extended that have a value): ok naming the mode, the PCRs and the
 * prefix. Else FAIL naming each compared PCR's value and what the whole
 * log replays to (in both modes when rp replayed both), then note ("" or
 * "; ..." from the caller).
 */
void ima_replay_bank_check(const struct check_sink *s,
    const struct ima_replay *rp, size_t b, bool matched, enum ima_mode m,
    uint64_t prefix, uint64_t entries, const char *note);

struct ima_check;

/* Load everything; *out NULL (and 0) when no rule applies at all. */
int ima_check_new(const struct ima_check_opts *o, struct ima_check **out,
    struct errbuf *e);
void ima_check_free(struct ima_check *c);

int ima_check_record(struct ima_check *c, const struct ima_record *rec,
    struct errbuf *e);

/*
 * After the last record: finish the evaluation and print one check per
 * rule on rep (FAIL lines naming each failing finding in the first prefix
 * entries, at most IMA_CHECK_SHOWN per rule). entries: records read.
 */
int ima_check_end(struct ima_check *c, uint64_t entries, uint64_t prefix,
    struct report *rep, struct errbuf *e);

/* The --json object (after ima_check_end; c may be NULL: no policy). */
int ima_check_json(const struct ima_check *c, FILE *out, const char *log,
    uint64_t entries, uint64_t violations, bool have_prefix,
    uint64_t prefix, bool pass);

#endif
