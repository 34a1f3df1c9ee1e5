/*
 * keylime_policy.h - Keylime runtime policies (keylime/ima/ima.py,
 * RUNTIME_POLICY_SCHEMA, research/ecosystem.md 1.4) in and out of
 * dossier's reference sets (policy/ima_refset.h) and allowlist rule
 * (policy/ima_policy.h).
 *
 *   { "meta": {"version": 1, "generator": int, "timestamp"?: str},
 *     "release": int,
 *     "digests":  { PATH: [ "[ALG:]HEX", ... ] },
 *     "excludes": [ REGEX, ... ],
 *     "keyrings": { KEYRING: [ HEX, ... ] },
 *     "ima": { "ignored_keyrings": [...], "log_hash_alg": "sha1|...",
 *              "dm_policy": null },
 *     "ima-buf":  { NAME: [ HEX, ... ] },
 *     "verification-keys": STR }
 *
 * JSON is read with SQLite's JSON1 functions (json_valid, json_each) over
 * the file's text in an in-memory connection: a bounded parser the
 * verifier links already. The file is at most KEYLIME_POLICY_MAX bytes.
 *
 * IMPORT. Every digest becomes an entry (PATH, ALG, DIGEST) of the set,
 * the algorithm told by the "alg:" prefix when there is one, else by the
 * length (40 sha1, 64 sha256, 96 sha384, 128 sha512 hex digits). The
 * "boot_aggregate" path is not carried (dossier judges boot_aggregate
 * against the quoted PCRs, the ima.boot-aggregate rule). Excludes are
 * Python regular expressions Keylime applies with re.match (anchored at
 * the start only); each is translated to an fnmatch glob of the
 * allowlist rule when that says the same: '^' at the start dropped; ".*"
 * -> '*', ".+" -> "?*", '.' -> '?', "\X" for X a punctuation character
 * -> X, '$' at the end ends the glob, otherwise '*' is appended (a prefix
 * match). Anything else (groups, alternation, classes, quantifiers,
 * anchors elsewhere, ':' or ',' which the rule syntax cannot carry) is
 * refused, naming the expression. Keyrings, ima-buf, verification-keys,
 * ignored_keyrings and dm_policy are not carried: the import counts them
 * in struct keylime_import so the caller reports them. A DSSE envelope
 * (a signed policy) is refused: give the payload.
 *
 * EXPORT. The set's entries as "digests" (hex, grouped by path, sorted),
 * the allowlist rule's globs as "excludes" (the inverse translation:
 * regex metacharacters escaped, '*' -> ".*", '?' -> '.', '$' appended),
 * meta {version 1, generator 0 (not one of Keylime's generators),
 * timestamp}, release 0, empty keyrings, ima-buf and verification-keys,
 * ima {ignored_keyrings [], log_hash_alg LOG_ALG, dm_policy null}.
 *
 * Errors follow format/err.h and name the key or item.
 */
#ifndef DOSSIER_VERIFY_KEYLIME_POLICY_H
#define DOSSIER_VERIFY_KEYLIME_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "policy/ima_policy.h"
#include "policy/ima_refset.h"

#define KEYLIME_POLICY_MAX	((size_t)512 << 20)	/* file bytes */
#define KEYLIME_REGEX_MAX	1024	/* bytes of one exclude */

struct keylime_import {
	uint64_t digests;		/* entries added */
	uint64_t paths;
	size_t nglobs;			/* excludes translated */
	char globs[IMA_POLICY_GLOBS_MAX][IMA_POLICY_GLOB_MAX + 1];
	bool boot_aggregate;		/* present, not carried */
	uint64_t keyrings;		/* digests under keyrings, not carried */
	uint64_t ima_buf;		/* ima-buf digests, not carried */
	bool verification_keys;		/* non-empty, not carried */
	uint64_t ignored_keyrings;	/* not carried */
	bool dm_policy;			/* not null, not carried */
	char log_hash_alg[16];		/* "" when absent */
};

/* Import buf[0..len) (named name in messages) into the unsealed set. */
int keylime_policy_import(const char *name, const uint8_t *buf, size_t len,
    struct refset *set, uint32_t source, struct keylime_import *out,
    struct errbuf *e);

/* One exclude regex as a glob (cap >= IMA_POLICY_GLOB_MAX + 1). */
int keylime_regex_to_glob(const char *re, size_t n, char *out, size_t cap,
    struct errbuf *e);
/* One glob as a regex (cap >= 2 * IMA_POLICY_GLOB_MAX + 4). */
int keylime_glob_to_regex(const char *glob, char *out, size_t cap,
    struct errbuf *e);

/* The policy of sealed set and globs[0..nglobs) (malloc'd JSON text). */
int keylime_policy_export(const struct refset *set,
    const char *const *globs, size_t nglobs, const char *log_hash_alg,
    int64_t now, char **out, size_t *len, struct errbuf *e);

#endif
