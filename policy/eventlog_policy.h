/*
 * eventlog_policy.h - judge what a UEFI event log shows: comparison with a
 * reference log (the device's enrollment log or a golden one), and policy
 * rules on the log's facts (format/eventlog_facts.h).
 *
 * Comparison (evlog_diff). Firmware does not always measure in the same
 * order, so events are paired, not lined up: the key of an event is (PCR,
 * type, description, n) where the description is what names the thing
 * measured (a UEFI variable's name, an image's device path, GRUB's
 * "kernel_cmdline" or the text of a GRUB command or an action; empty for
 * blobs, POST codes and separators) and n counts equal (PCR, type,
 * description) triples in log order. Events of equal key are compared by
 * digest in the strongest bank both logs have; an event only in the log is
 * "added", only in the reference "removed", with another digest
 * "changed". Events that extend nothing (EV_NO_ACTION, PCR 0xFFFFFFFF) are
 * not compared. Items come in key order (PCR, type, description).
 *
 * Rules, written as text (stored, shown in results, given on command
 * lines), at most one of each kind:
 *
 *   secureboot     the SecureBoot variable is measured, its data covered
 *                  by its digest, and 01; no "UEFI Debug Mode" or "DMA
 *                  Protection Disabled" action; PK, KEK and db measured
 *                  with data their digests cover
 *   dbx            the log's dbx holds every entry (signature type and
 *                  data; owners may differ) of the reference log's dbx:
 *                  the device's revocations are not older
 *   bootchain      every EV_EFI_BOOT_SERVICES_APPLICATION's digest is the
 *                  digest of an application of the reference log
 *   cmdline:GLOB   every kernel command line (eventlog_facts.h) matches
 *                  the fnmatch(3) GLOB (no flags; the rest of the text is
 *                  the glob, ':' included); a log without one, or with one
 *                  its digest does not cover, fails
 *   separators     exactly one EV_SEPARATOR on each of PCRs 0-7, none an
 *                  error separator, each covered by its digest
 *   reference      no event added, removed or changed against the
 *                  reference log (every difference is a finding)
 *
 * dbx, bootchain and reference need a reference log; without one they are
 * skipped with a note (never passed). Unknown rules, a second rule of one
 * kind, an empty glob or options on other rules are errors.
 *
 * Findings go to the caller's callback as they are found, each naming its
 * rule and, when there is one, the event; texts are escaped and valid
 * during the callback only. Evaluation allocates only for the dbx rule
 * (one sorted index of the log's dbx entries) and the comparison (one
 * index per log). Errors follow format/err.h: -1 only on bad rule text or
 * out of memory.
 */
#ifndef DOSSIER_EVENTLOG_POLICY_H
#define DOSSIER_EVENTLOG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/eventlog.h"
#include "format/eventlog_facts.h"

#define EVLOG_POLICY_RULES_MAX	6
#define EVLOG_RULE_GLOB_MAX	1024	/* bytes of a cmdline glob */
#define EVLOG_RULE_TEXT_MAX	(EVLOG_RULE_GLOB_MAX + 16)
#define EVLOG_FINDING_MAX	(3 * EVLOG_TEXT_MAX)	/* finding text */

/* ---- comparison ---------------------------------------------------------- */

enum evlog_diff_kind {
	EVLOG_DIFF_ADDED,
	EVLOG_DIFF_REMOVED,
	EVLOG_DIFF_CHANGED,
};

struct evlog_diff_item {
	enum evlog_diff_kind kind;
	const struct evlog_event *ev;	/* in the log; NULL when removed */
	const struct evlog_event *ref;	/* in the reference; NULL if added */
	int bank, ref_bank;		/* the compared digests' banks */
};

typedef void (*evlog_diff_fn)(void *arg, const struct evlog_diff_item *d);

/*
 * Compare l with ref; fn gets every difference; *count (may be NULL) their
 * number. -1 when the logs share no computable bank, or out of memory.
 */
int evlog_diff(const struct evlog *l, const struct evlog *ref,
    evlog_diff_fn fn, void *arg, size_t *count, struct errbuf *e);

/* "PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION HD(1,GPT,...)/\EFI\BOOT\
 * BOOTX64.EFI: digest changed from sha256:X to sha256:Y" and so on. */
void evlog_diff_text(const struct evlog *l, const struct evlog *ref,
    const struct evlog_diff_item *d, char *out, size_t cap);

/* ---- rules ---------------------------------------------------------------- */

enum evlog_rule_kind {
	EVLOG_RULE_SECUREBOOT,
	EVLOG_RULE_DBX,
	EVLOG_RULE_BOOTCHAIN,
	EVLOG_RULE_CMDLINE,
	EVLOG_RULE_SEPARATORS,
	EVLOG_RULE_REFERENCE,
};

const char *evlog_rule_name(enum evlog_rule_kind k);	/* "secureboot" */

struct evlog_rule {
	enum evlog_rule_kind kind;
	char glob[EVLOG_RULE_GLOB_MAX + 1];	/* cmdline */
};

struct evlog_policy {
	size_t nrules;
	struct evlog_rule rules[EVLOG_POLICY_RULES_MAX];
};

/* Parse one rule's text and append it to p. */
int evlog_policy_add_rule(struct evlog_policy *p, const char *text,
    struct errbuf *e);
/* Canonical text of r into out[cap]; -1 if it does not fit. */
int evlog_rule_format(const struct evlog_rule *r, char *out, size_t cap,
    struct errbuf *e);

struct evlog_finding {
	enum evlog_rule_kind rule;
	const struct evlog_event *ev;	/* NULL when the finding has none */
	const char *text;
};

typedef void (*evlog_finding_fn)(void *arg, const struct evlog_finding *f);

struct evlog_rule_result {
	bool failed;
	bool skipped;
	size_t findings;
	char note[256];		/* why skipped, or what was checked */
};

/*
 * Evaluate every rule of p on l (with its facts f) and, when not NULL,
 * the reference ref (with its facts ref_f). res[i] is the result of
 * p->rules[i].
 */
int evlog_policy_eval(const struct evlog_policy *p, const struct evlog *l,
    const struct evlog_facts *f, const struct evlog *ref,
    const struct evlog_facts *ref_f, evlog_finding_fn fn, void *arg,
    struct evlog_rule_result *res, struct errbuf *e);

#endif
