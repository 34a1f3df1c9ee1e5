/*
 * judge_ima_int.h - the state of one judgement of ima.log, shared by
 * judge_ima.c (the pass over the log, the replay, the bank lists) and
 * judge_ima_policy.c (the device's IMA policy: resolving it, keeping its
 * findings, writing its checks). Not an API: see judge.h.
 */
#ifndef DOSSIER_VERIFY_JUDGE_IMA_INT_H
#define DOSSIER_VERIFY_JUDGE_IMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/ima_replay.h"
#include "policy/ima_policy.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/judge_int.h"

#define IMA_PATH_SHOWN	160	/* path bytes in a reason, escaped */
#define RULE_KINDS	5	/* enum ima_rule_kind */

/* A failing finding kept for its own line. */
struct finding_line {
	uint64_t index;
	enum ima_rule_kind rule;
	char text[IMA_FINDING_TEXT_MAX];
};

/* Indexes of one rule's failing findings, in the order found. */
struct fail_list {
	uint64_t *v;
	size_t n, cap;
};

/* One judgement of ima.log: replay and policy in one pass. */
struct ima_judgement {
	struct judging *j;
	bool replay;

	/* scan */
	uint64_t entries;
	uint64_t bad_columns;
	uint64_t first_bad;
	char first_bad_path[IMA_PATH_SHOWN + 8];
	uint64_t other_n;		/* entries extending a PCR other than 10 */
	uint64_t other_first;		/* the first one's index */
	uint32_t other_pcrs;		/* the PCRs they extend */

	/* policy */
	struct ima_refcache *own_cache;	/* without j->refcache */
	bool have_ref;
	struct ima_policy policy;
	struct ima_eval *ev;
	bool eval_on;
	struct ima_eval_result res;
	bool oom;
	struct fail_list fails[RULE_KINDS];
	size_t nlines;
	/* the first finding per rule that does not fail (missing, ...) */
	char first_note[RULE_KINDS][IMA_FINDING_TEXT_MAX];

	/*
	 * Not zeroed by judgement_new() (110 KiB of the struct, per bundle):
	 * rp is set by ima_replay_init() before use (replay true), ref by
	 * ima_refcache_device() (have_ref true), lines below nlines.
	 */
	struct ima_replay rp;
	struct ima_device_ref ref;
	struct finding_line lines[JUDGE_FINDINGS_MAX];
};

/*
 * The policy part (judge_ima_policy.c). resolve: load the device's rules,
 * sets and keys into g->policy (SKIP lines for rules that need a set when
 * there is none); -1 only on a store error. start_eval: begin evaluating
 * (a failure fails ima.policy, not the run). report: after the pass, one
 * check per rule (verify/ima_check.h's words), and ima.violations when no
 * rule counts them; prefix: the quoted entries; -1 only out of memory.
 */
int judge_ima_resolve_policy(struct ima_judgement *g, struct errbuf *e);
void judge_ima_start_eval(struct ima_judgement *g);
int judge_ima_report_policy(struct ima_judgement *g, uint64_t prefix,
    struct errbuf *e);

#endif
