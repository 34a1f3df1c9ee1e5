/*
 * ima_policy.h - judge what an IMA log shows: reorder comparison with a
 * reference set, allowlist, file signatures, boot_aggregate, violations.
 *
 * A policy is a list of rules, each written as text (stored, shown in
 * results, given on command lines):
 *
 *   reorder[:fail=CLASSES]        multiset comparison with the reference
 *                                 set(s); CLASSES is a comma list of
 *                                 extra, missing, changed, duplicate
 *                                 (default fail=extra,changed)
 *   allowlist[:exclude=GLOB,...][:digest-only]
 *                                 every measured (path, digest) must be
 *                                 in the allowed set(s); fnmatch(3) globs
 *                                 (FNM_PATHNAME off: '*' crosses '/')
 *                                 exempt paths; digest-only accepts a
 *                                 known digest under any path
 *   signatures[:require=GLOB,...] verify every signed entry (ima-sig,
 *                                 ima-sigv2, ima-modsig, evm-sig) against
 *                                 the keyring; bad signatures always fail,
 *                                 unknown keys fail, unsigned entries fail
 *                                 only under a require glob
 *   boot_aggregate[:allow-zero]   the boot_aggregate entry against the
 *                                 quoted PCRs 0-9 (0-7 for SHA-1 and
 *                                 older kernels) in the bank its digest
 *                                 names; an all-zero one (no TPM when IMA
 *                                 started) fails unless allow-zero
 *   violations[:max=N]            at most N violations (default 0 when the
 *                                 rule is given; without the rule they are
 *                                 only counted and reported)
 *
 * ima_policy_parse() reads one rule; ima_policy_format() writes the
 * canonical text back (options in the order above), which is what results
 * name. Unknown rules, options or classes are errors, never ignored, and
 * so is an option given twice, a second rule of one kind or an empty
 * glob. Options are separated by ':' and globs by ',', so a glob cannot
 * contain either; names are case-sensitive; "fail=none" fails no class.
 *
 * Evaluation streams: ima_eval_begin(), ima_eval_record() for each record
 * in log order (the caller parses and replays in the same pass), then
 * ima_eval_end(). Per record the work is O(1): lookups in the sealed
 * reference sets' hash indexes, no scan. State per evaluation is one
 * counter per reference entry (to find missing and duplicate entries),
 * allocated by ima_eval_new() and reused across evaluations, so a thread
 * judging many logs allocates once. Sets and keyring are only read: any
 * number of evaluations may share them.
 *
 * Reorder details: "missing" is reported only for reference entries whose
 * digest algorithm the log measured with (a tree hashed with sha256 and
 * sha512 judged against a sha256 log does not report every sha512 entry);
 * the walk at the end is skipped when every reference use was taken.
 * Records that count are those of refset_record_counts(); an allowlist also
 * refuses a record whose digest algorithm this build does not know.
 * boot_aggregate: a log without one fails the rule (when PCRs are given).
 *
 * Findings go to the caller's callback as they are found (extra, changed,
 * duplicate, not-allowed, signature findings, boot_aggregate, violation
 * limit) or at the end (missing), with the entry's index, path and digest;
 * the caller decides how many to keep. Counts per class are always exact.
 * Reorder and allowlist findings come a few records late (at most 12, and
 * all before ima_eval_end() returns): their lookups wait in a small ring
 * while the reference index is prefetched, so memory latency overlaps the
 * caller's replay. Within a class, findings keep log order; across classes
 * they may interleave differently.
 *
 * Errors follow format/err.h; -1 only for bad policy text, out of memory
 * or an OpenSSL failure. Findings are never errors.
 */
#ifndef DOSSIER_IMA_POLICY_H
#define DOSSIER_IMA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/ima_log.h"
#include "policy/ima_refset.h"
#include "format/ima_sig.h"
#include "format/pcr_set.h"

#define IMA_POLICY_RULES_MAX	8	/* rules in one policy */
#define IMA_POLICY_GLOBS_MAX	64	/* globs in one rule */
#define IMA_POLICY_GLOB_MAX	1024	/* bytes of one glob */
#define IMA_POLICY_TEXT_MAX	8192	/* bytes of one rule's text */
#define IMA_POLICY_SETS_MAX	16	/* reference sets one policy uses */

enum ima_rule_kind {
	IMA_RULE_REORDER,
	IMA_RULE_ALLOWLIST,
	IMA_RULE_SIGNATURES,
	IMA_RULE_BOOT_AGGREGATE,
	IMA_RULE_VIOLATIONS,
};
#define IMA_RULE_NKINDS	5	/* kinds of enum ima_rule_kind */

/* Classes of findings; bit (1u << class) in masks. */
enum ima_finding_class {
	IMA_FIND_EXTRA,		/* measured, not in the reference */
	IMA_FIND_MISSING,	/* in the reference, not measured */
	IMA_FIND_CHANGED,	/* same path, other digest */
	IMA_FIND_DUPLICATE,	/* measured more often than the reference has */
	IMA_FIND_NOT_ALLOWED,	/* allowlist: (path, digest) not allowed */
	IMA_FIND_UNSIGNED,	/* no signature (reported; fails if required) */
	IMA_FIND_UNKNOWN_KEY,	/* signed by a key not in the keyring */
	IMA_FIND_BAD_SIGNATURE,	/* signature does not verify, or malformed */
	IMA_FIND_BOOT_AGGREGATE,/* boot_aggregate does not match, or zero */
	IMA_FIND_VIOLATION,	/* more violations than allowed */
};
#define IMA_FIND_NCLASSES 10

/* "extra", "missing", ... as in policy text and JSON output. */
const char *ima_finding_class_name(enum ima_finding_class c);

struct ima_rule {
	enum ima_rule_kind kind;
	unsigned fail_mask;		/* reorder: classes that fail */
	bool digest_only;		/* allowlist */
	bool allow_zero;		/* boot_aggregate */
	uint64_t max_violations;	/* violations */
	/* allowlist exclude / signatures require globs: glob i is the
	 * NUL-terminated string at globbuf + glob_at[i] (ima_rule_glob());
	 * they come from the rule's text, so its limit bounds them all. */
	size_t nglobs;
	uint16_t glob_at[IMA_POLICY_GLOBS_MAX];
	size_t globbuf_used;
	char globbuf[IMA_POLICY_TEXT_MAX + 1];
};

struct ima_policy {
	size_t nrules;
	struct ima_rule rules[IMA_POLICY_RULES_MAX];
	/* Inputs, borrowed (the caller keeps them alive and unchanged). */
	size_t nsets;				/* reorder and allowlist */
	const struct refset *sets[IMA_POLICY_SETS_MAX];
	const struct ima_keyring *keys;		/* signatures; may be NULL */
};

/* Parse one rule's text; the rule is appended to p (at most RULES_MAX,
 * one of each kind). */
int ima_policy_add_rule(struct ima_policy *p, const char *text,
    struct errbuf *e);
/* Canonical text of rule r into out[cap]; -1 if it does not fit. */
int ima_policy_format(const struct ima_rule *r, char *out, size_t cap,
    struct errbuf *e);
const char *ima_rule_name(enum ima_rule_kind k);  /* "reorder", ... */
/* Glob i (< r->nglobs) of rule r. */
const char *ima_rule_glob(const struct ima_rule *r, size_t i);

/* One finding. Pointers are valid during the callback only. */
struct ima_finding {
	enum ima_finding_class cls;
	enum ima_rule_kind rule;	/* the rule that found it */
	bool fails;			/* under that rule's options */
	uint64_t index;			/* log entry; UINT64_MAX for missing */
	const char *path;
	size_t path_len;
	const struct hashalg *alg;	/* NULL when the entry has none */
	const uint8_t *digest;
	/* changed: the reference's digest for the same path */
	const struct hashalg *ref_alg;
	const uint8_t *ref_digest;
	const char *source;		/* provenance of the reference entry */
	const char *detail;		/* human text ("keyid 1a2b3c4d", ...) */
};

typedef void (*ima_finding_fn)(void *arg, const struct ima_finding *f);

/* Result of one evaluation, per rule and per class. */
struct ima_eval_result {
	uint64_t entries;		/* records seen */
	uint64_t violations;
	uint64_t counted[IMA_FIND_NCLASSES];	/* findings per class */
	uint64_t failing[IMA_FIND_NCLASSES];	/* of which fail */
	bool rule_failed[IMA_POLICY_RULES_MAX];	/* per p->rules[i] */
	bool rule_skipped[IMA_POLICY_RULES_MAX];/* could not be applied */
	char rule_note[IMA_POLICY_RULES_MAX][256];	/* why skipped, or
							 * what was checked */
	/* signatures */
	uint64_t sig_valid, sig_unsigned, sig_unknown_key, sig_invalid;
	/* boot_aggregate */
	bool boot_aggregate_seen, boot_aggregate_zero, boot_aggregate_ok;
	char boot_aggregate_how[128];	/* "sha256 bank, PCRs 0-9" */
};

/*
 * What rule kind k counted in r, as one line of text for a check's ok or
 * fail summary ("extra 1, changed 0, duplicate 0, missing 2"). Always
 * NUL-terminates out.
 */
void ima_eval_counts_text(const struct ima_eval_result *r,
    enum ima_rule_kind k, char *out, size_t cap);

struct ima_eval;

/* Per-thread evaluation state; reused across logs. */
int ima_eval_new(struct ima_eval **out, struct errbuf *e);
void ima_eval_free(struct ima_eval *ev);

/*
 * Start evaluating a log under p. pcrs: the quoted PCR values (for
 * boot_aggregate; NULL when there are none: that rule is skipped with a
 * note). fn/arg receive findings.
 */
int ima_eval_begin(struct ima_eval *ev, const struct ima_policy *p,
    const struct pcr_set *pcrs, ima_finding_fn fn, void *arg,
    struct errbuf *e);
int ima_eval_record(struct ima_eval *ev, const struct ima_record *rec,
    struct errbuf *e);
/* Report missing entries, fill *out; true in *pass if no rule failed. */
int ima_eval_end(struct ima_eval *ev, struct ima_eval_result *out,
    bool *pass, struct errbuf *e);

/*
 * boot_aggregate alone: the value the kernel computes from pcrs for bank
 * alg over PCRs 0..last (7 or 9). -1 if a PCR is missing from pcrs.
 */
int ima_boot_aggregate(const struct pcr_set *pcrs, const struct hashalg *alg,
    unsigned last, uint8_t *out, struct errbuf *e);

#endif
