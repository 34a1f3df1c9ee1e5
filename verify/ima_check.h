/*
 * ima_check.h - the IMA policy part of dossier ima check (dossier-ima(1)):
 * the same rules verify applies (policy/ima_policy.h), on a raw log,
 * without a bundle, evaluated in the pass that replays the log.
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
#include "policy/ima_policy.h"
#include "format/pcr_set.h"
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
