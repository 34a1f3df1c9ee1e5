/*
 * ima_refcache.h - the reference sets, keyrings and IMA policies of one
 * verify run, loaded from the store once and shared by every bundle and
 * thread of the run (format/ima_refset.h, format/ima_policy.h).
 *
 * A device's policy is resolved from the store (its own rules, else the
 * rules of its sets, else the default "reorder" against its own
 * enrollment log); sets are loaded and sealed on first use and kept until
 * ima_refcache_free(). Lookups are safe from several threads at once: the
 * cache takes its own lock while it loads, and hands out only sealed,
 * read-only objects.
 *
 * Errors follow format/err.h; -1 only for store failures or out of memory.
 */
#ifndef DOSSIER_VERIFY_IMA_REFCACHE_H
#define DOSSIER_VERIFY_IMA_REFCACHE_H

#include "format/err.h"
#include "verify/store.h"

struct ima_refcache;

int ima_refcache_new(struct ima_refcache **out, struct errbuf *e);
void ima_refcache_free(struct ima_refcache *c);

#endif
