/*
 * uefi_refs.h - what the store says a device's UEFI event log is judged
 * against (the uefi.* checks of dossier-verify(1), verify/judge_uefi.c):
 * its stored UEFI policy rules and its reference event log, the latter
 * parsed once per run and shared by every bundle and thread of the run.
 *
 * RULE SPELLING. UEFI rules are stored beside the IMA rules
 * (policy/ima_policy.h) and the pcrs rule (policy/pcr_policy.h) of a
 * device or set (dossier refs policy), as "uefi." followed by the rule
 * text of policy/eventlog_policy.h:
 *     uefi.secureboot  uefi.dbx  uefi.bootchain  uefi.cmdline:GLOB
 *     uefi.separators  uefi.reference
 * i.e. exactly the name of the check each rule becomes. No IMA rule word
 * contains a '.', so no text can be read as both.
 *
 * RESOLUTION of a device's rules (uefi_rules_resolve): the device's own
 * UEFI rules if it has any; else, per rule kind, the first rule of that
 * kind among its sets' rules (sets in name order); else none (the default
 * judgement: replay and reference only). uefi.reference is the reference
 * comparison the judgement always makes: as a stored rule it changes
 * nothing and is not evaluated a second time.
 *
 * REFERENCE LOGS (uefi_refcache_get): the device's reference uefi.log
 * (verify/store_pcrref.h: from its enrollment), read and parsed, with its
 * facts, on a run's first need and kept until uefi_refcache_free(); at
 * most UEFI_REFCACHE_BYTES_MAX of log bytes are kept, beyond that a log
 * is loaded for its bundle only. A reference replaced while a run goes on
 * is seen by the next run. Lookups are safe from several threads, each
 * with its own store connection; handed-out references are read-only.
 * dossier refs update replaces it with an accepted bundle's uefi.log
 * (uefi_ref_take).
 *
 * Errors follow format/err.h: -1 only for store failures or out of memory;
 * a stored rule that no longer parses, or a reference log that does not
 * parse, is reported in the result, never an error.
 */
#ifndef DOSSIER_VERIFY_UEFI_REFS_H
#define DOSSIER_VERIFY_UEFI_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"
#include "verify/store.h"

#define UEFI_RULE_PREFIX	"uefi."
#define UEFI_RULE_TEXT_MAX	(sizeof(UEFI_RULE_PREFIX) - 1 + \
				 EVLOG_RULE_TEXT_MAX)
#define UEFI_REFCACHE_BYTES_MAX	((size_t)256 << 20)
#define UEFI_RULES_SOURCE_MAX	(STORE_REFSET_NAME_MAX + 24)
#define UEFI_PROBLEM_MAX	400

/* Whether text is a stored UEFI rule (it starts with "uefi."). */
bool uefi_rule_is(const char *text);
/* Parse one stored rule ("uefi.cmdline:quiet*") and append it to p. */
int uefi_rule_add(struct evlog_policy *p, const char *text, struct errbuf *e);
/* The canonical stored text of text into out[cap] (what refs policy
 * stores); -1 when it is no UEFI rule or does not fit. */
int uefi_rule_canonical(const char *text, char *out, size_t cap,
    struct errbuf *e);

/* A device's UEFI rules. */
struct uefi_rules {
	struct evlog_policy policy;	/* without uefi.reference */
	bool stored;			/* false: nothing stored (default) */
	char source[UEFI_RULES_SOURCE_MAX];	/* "the device's", "set base" */
	bool ok;			/* false: problem says which rule */
	char problem[UEFI_PROBLEM_MAX];
};

/* Resolve device id's rules into *out (see above). */
int uefi_rules_resolve(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct uefi_rules *out, struct errbuf *e);

/* A device's reference event log, parsed. Read-only once handed out. */
struct uefi_ref {
	uint8_t id[STORE_DEVICE_ID_LEN];
	uint8_t *buf;			/* the stored log; events point here */
	size_t len;
	uint8_t source_bundle[STORE_SHA256_LEN];
	int64_t updated;
	bool parsed;			/* the whole log parsed */
	char problem[UEFI_PROBLEM_MAX];	/* why not */
	struct evlog log;
	struct evlog_facts facts;
	bool cached;			/* private: held by the cache */
	struct uefi_ref *next;		/* private: bucket chain */
};

struct uefi_refcache;

int uefi_refcache_new(struct uefi_refcache **out, struct errbuf *e);
void uefi_refcache_free(struct uefi_refcache *c);

/*
 * Device id's reference log into *out; *out NULL when it has none. c may
 * be NULL (loaded for this caller only). Give every non-NULL *out back
 * with uefi_ref_release().
 */
int uefi_refcache_get(struct uefi_refcache *c, struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const struct uefi_ref **out,
    struct errbuf *e);
void uefi_ref_release(const struct uefi_ref *r);

/*
 * dossier refs update (verify/cmd_refs.c): the uefi.log of an accepted
 * bundle bc (its quoted PCR values quoted, its SHA-256 sha) becomes
 * device id's reference event log, inside the caller's transaction. The
 * log must parse and replay to the quoted values; *events is its number
 * of events, 0 when the bundle carries none (nothing changed).
 */
struct bundle_contents;
int uefi_ref_take(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct bundle_contents *bc, const struct pcr_set *quoted,
    const uint8_t sha[STORE_SHA256_LEN], int64_t now, size_t *events,
    struct errbuf *e);

#endif
