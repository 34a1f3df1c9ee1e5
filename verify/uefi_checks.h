/*
 * uefi_checks.h - the uefi.* check lines that dossier eventlog check
 * (verify/cmd_eventlog.c) and dossier verify (verify/judge_uefi.c) share:
 * written once, on a check sink (verify/checks.h), so that both say the
 * same words about the same log.
 *
 *   uefi.parse      ok "N events (FORMAT format; banks B); Secure Boot
 *                   on|off|unknown, N applications", or FAIL "MSG (N events
 *                   read before offset X)".
 *   uefi.reference  ok "the N events pair with SOURCE"; FAIL "N event(s)
 *                   added, removed or changed against SOURCE", then one
 *                   line per event (evlog_diff_text), then "... and N more
 *                   differing events"; SKIP with the reason.
 *   uefi.<rule>     ok/SKIP "NOTE; rule uefi.TEXT (SOURCE)"; FAIL "N
 *                   findings; rule uefi.TEXT (SOURCE)", then one line per
 *                   finding, then "... and N more findings".
 * Finding lines are limited by a budget the caller keeps (dossier verify:
 * JUDGE_FINDINGS_MAX per bundle); the summary line always counts all.
 */
#ifndef DOSSIER_VERIFY_UEFI_CHECKS_H
#define DOSSIER_VERIFY_UEFI_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"
#include "verify/checks.h"

/* uefi.parse of a log that parsed (l, its facts f). */
void uefi_check_parsed(const struct check_sink *s, const struct evlog *l,
    const struct evlog_facts *f);
/* uefi.parse of a log that did not: msg names the file or member and the
 * event; l holds the events read before the error. */
void uefi_check_unparsed(const struct check_sink *s, const struct evlog *l,
    const char *msg);

/* What one rule (or the reference comparison) found. */
struct uefi_rule_outcome {
	const struct evlog_rule *rule;
	const struct evlog_rule_result *res;
	const char *source;		/* where the rule or reference is from */
	size_t nevents;			/* reference: the log's events */
	const char *const *lines;	/* kept finding lines */
	size_t nlines;
	size_t *budget;			/* finding lines left to write */
};

void uefi_rule_check(const struct check_sink *s,
    const struct uefi_rule_outcome *o);

#endif
