/*
 * ima_refcache.h - the reference sets, keyrings and IMA policies of one
 * verify run, loaded from the store once and shared by every bundle and
 * thread of the run (policy/ima_refset.h, policy/ima_policy.h).
 *
 * A device's policy is resolved from the store (its own rules, else the
 * rules of its sets, else the default "reorder" against its own
 * enrollment log); sets are loaded and sealed on first use and kept until
 * ima_refcache_free(). Lookups are safe from several threads at once: the
 * cache takes its own lock while it loads, and hands out only sealed,
 * read-only objects.
 *
 * Resolution of a device (ima_refcache_device()):
 *   rules  the device's own rules (dossier refs policy DEVICE) if it has
 *          any; else, for each rule kind, the first rule of that kind among
 *          its sets' rules (sets in name order); else "reorder". IMA
 *          rules only: a stored pcrs rule (policy/pcr_policy.h) is
 *          pcr.reference's and a uefi.* rule (verify/uefi_refs.h) the
 *          UEFI judgement's; both are skipped here, so a device whose only
 *          rules are such rules still gets its sets' IMA rules, or
 *          reorder.
 *   sets   the sets assigned to the device; with none, its own enrollment
 *          log (store_refs_get) as a set named "enrollment-log". It is
 *          cached per device (bounded, least recently used dropped first)
 *          and rebuilt when the stored log changed (store_refs_stamp());
 *          the result holds it until ima_device_ref_free().
 *   keys   the store's IMA keyring (dossier refs key add), shared.
 * UEFI   the devices' reference UEFI event logs, parsed once per run:
 *        the sibling cache of verify/uefi_refs.h, owned by this one
 *        (ima_refcache_uefi()); stored uefi.* rules are skipped here
 *        like pcrs rules.
 * The store is only read, through the connection the caller passes (one
 * per thread: a struct store is not shared between threads). The cache's
 * lock is held only while a shared set or the keyring is looked up or
 * loaded (a set is loaded once per run; other threads wanting it wait).
 *
 * Errors follow format/err.h; -1 only for store failures or out of memory
 * (a stored set that no longer parses is reported as an error naming it).
 */
#ifndef DOSSIER_VERIFY_IMA_REFCACHE_H
#define DOSSIER_VERIFY_IMA_REFCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "format/err.h"
#include "policy/ima_policy.h"
#include "policy/ima_refset.h"
#include "format/ima_sig.h"
#include "format/tpm_public.h"
#include "verify/store.h"

#define IMA_OWN_LOG_SET	"enrollment-log"	/* name of a device's own set */
#define IMA_SET_NAMES_MAX	(IMA_POLICY_SETS_MAX * (REFSET_NAME_MAX + 2))

struct ima_refcache;

int ima_refcache_new(struct ima_refcache **out, struct errbuf *e);
void ima_refcache_free(struct ima_refcache *c);

/* The run's cache of reference UEFI logs (verify/uefi_refs.h), freed
 * with c; NULL when c is NULL. */
struct uefi_refcache;
struct uefi_refcache *ima_refcache_uefi(struct ima_refcache *c);

/* What one device is judged with. Free with ima_device_ref_free(). */
struct ima_device_ref {
	size_t nrules;
	/* [0, nrules) only: ima_refcache_device() clears every other
	 * member (rules stays right after nrules) */
	char rules[IMA_POLICY_RULES_MAX][IMA_POLICY_TEXT_MAX + 1];
	bool default_rules;		/* nothing stored: "reorder" */
	size_t nsets;
	const struct refset *sets[IMA_POLICY_SETS_MAX];	/* shared or own */
	char set_names[IMA_SET_NAMES_MAX];	/* "base, extra" */
	const struct refset *own;	/* the enrollment log's set, cached */
	const struct ima_keyring *keys;	/* shared; may be empty */
	struct ima_refcache *cache;	/* private: who holds own */
	void *own_slot;			/* private: own's cache entry */
};

/* Resolve device id (see above) into *out. */
int ima_refcache_device(struct ima_refcache *c, struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct ima_device_ref *out,
    struct errbuf *e);
/* Release what r holds (r stays valid to free again; the cache must
 * outlive it). */
void ima_device_ref_free(struct ima_device_ref *r);

/* A set by name, loaded once per cache; *found false if the store has no
 * such set. */
int ima_refcache_set(struct ima_refcache *c, struct store *s,
    const char *name, const struct refset **out, bool *found,
    struct errbuf *e);

/* The store's IMA keyring, loaded once per cache (empty when none). */
int ima_refcache_keyring(struct ima_refcache *c, struct store *s,
    const struct ima_keyring **out, struct errbuf *e);

/*
 * The OpenSSL key of an enrolled AK (pub: its TPM2B_PUBLIC bytes as
 * stored, ak: those bytes parsed), built once per run and per key: *out is
 * a new reference (EVP_PKEY_free() it). Keys are kept up to
 * REFCACHE_KEYS_MAX; beyond that each call builds its own. c may be NULL
 * (no caching). Errors are tpm_public_to_pkey()'s.
 */
#define REFCACHE_KEYS_MAX	4096
int ima_refcache_ak_key(struct ima_refcache *c, const uint8_t *pub,
    size_t len, const struct tpm_public *ak, EVP_PKEY **out,
    struct errbuf *e);

/*
 * Without a cache: load the stored set r as a new sealed set (caller
 * frees), or replace the stored rows of set_id by those of sealed set
 * set (inside the caller's transaction; updated = now).
 */
int refs_load_set(struct store *s, const struct store_refset *r,
    struct refset **out, struct errbuf *e);
int refs_save_set(struct store *s, int64_t set_id, const struct refset *set,
    int64_t now, struct errbuf *e);
/* A new keyring of the store's IMA keys (caller frees). */
int refs_load_keyring(struct store *s, struct ima_keyring **out,
    struct errbuf *e);
/* A device's enrollment log as a new sealed set; *out NULL if it has
 * none. */
int refs_load_own_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct refset **out, struct errbuf *e);

/* ---- findings as text, shared by verify, ima check and inspect ---------- */

#define IMA_FINDING_TEXT_MAX	480	/* fits a result check's reason */

/* The check name of a rule: "ima.reorder", "ima.allowlist",
 * "ima.signatures", "ima.boot-aggregate", "ima.violations". */
const char *ima_rule_check_name(enum ima_rule_kind k);

/*
 * One line naming a finding: its class, the entry (index, path, digest),
 * for changed the reference's digest, the provenance and detail, e.g.
 *   "extra: entry 12 '/usr/bin/x' sha256:<hex>"
 *   "changed: entry 7 '/usr/bin/ls' sha256:<hex>; reference sha256:<hex>
 *    (ima-log golden.log)"
 *   "missing: '/usr/lib/a.so' sha256:<hex> (tree /mnt/golden)"
 */
void ima_finding_format(const struct ima_finding *f, char *out, size_t cap);

#endif
