/*
 * evidence.h - the evidence archive: the bundles a store has judged, kept
 * beside it, so that a recorded verdict can be shown, exported and
 * re-checked later (dossier-evidence(1), dossier-store(5)). The evidence
 * is the audit trail: a spool deletes what it judged, a USB stick goes
 * back to the field.
 *
 * WHAT IS KEPT. Every bundle whose manifest signature verified with its
 * device's enrolled AK, whatever its verdict (verify/batch.c keeps it as
 * soon as judge_prepare() is done). Unsigned input is not: it can be
 * anything, of any size, from anyone who can write a spool, and its
 * result keeps its SHA-256 and the reason it failed.
 *
 * LAYOUT. The directory STORE.evidence (STORE the store's path), mode
 * 0700, holds one file per bundle named by the SHA-256 of its bytes,
 * XX/HEX.dossier (XX the first two of the 64 hex digits HEX), mode 0444.
 * A result names its bundle by that digest (bundle_sha256 in the store
 * and in dossier-results(5)): content addressing, so the same bytes are
 * kept once however often they are judged, and a file is checked against
 * its name when read (evidence_read()).
 *
 * WRITING. evidence_put() writes a temporary file in the bundle's
 * subdirectory and links it to its final name (never replacing one), so
 * a file under a final name is always complete; it may be called from
 * several threads at once. It does not fsync each file: evidence_sync()
 * flushes the archive's file system (syncfs(2)) and is called before the
 * store commits the results that name what was put, so no committed
 * result names a bundle a crash could lose.
 *
 * RETENTION is the operator's: all is kept unless `dossier evidence prune`
 * removes files (evidence_remove()).
 *
 * Errors follow format/err.h and name the file.
 */
#ifndef DOSSIER_VERIFY_EVIDENCE_H
#define DOSSIER_VERIFY_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

#define EVIDENCE_SUFFIX		".evidence"	/* appended to the store path */
#define EVIDENCE_PATH_MAX	4096
/* A kept bundle read back, at most (as a verify input, verify/inputs.h). */
#define EVIDENCE_FILE_MAX	(((size_t)1 << 30) + ((size_t)64 << 20))

struct evidence;

/*
 * Open the archive of the store at store_path. With create, the directory
 * is made when missing; without, a missing archive is not an error:
 * *out is then NULL (nothing was kept).
 */
int evidence_open(const char *store_path, bool create, struct evidence **out,
    struct errbuf *e);
void evidence_close(struct evidence *ev);

/* The archive's directory. */
const char *evidence_dir(const struct evidence *ev);

/* out[EVIDENCE_PATH_MAX] = the path of the bundle with this digest. */
void evidence_path(const struct evidence *ev, const uint8_t sha256[32],
    char *out);

/* Keep data[0..len), whose SHA-256 the caller computed; nothing is
 * written when that bundle is kept already. Thread-safe. */
int evidence_put(struct evidence *ev, const uint8_t sha256[32],
    const uint8_t *data, size_t len, struct errbuf *e);

/* Make everything put so far durable (nothing to do when nothing was). */
int evidence_sync(struct evidence *ev, struct errbuf *e);

/*
 * Read the bundle with this digest back (malloc'd *data): *found false
 * when it is not kept; -1 when it cannot be read or its bytes no longer
 * have the digest of its name (the message says so).
 */
int evidence_read(const struct evidence *ev, const uint8_t sha256[32],
    uint8_t **data, size_t *len, bool *found, struct errbuf *e);

/* Remove the bundle with this digest (*removed: it was there). */
int evidence_remove(struct evidence *ev, const uint8_t sha256[32],
    bool *removed, struct errbuf *e);

/*
 * Call fn for each kept bundle's digest (file names that are not
 * XX/HEX.dossier are left alone). fn returns 0 to go on, -1 to fail.
 */
typedef int (*evidence_fn)(void *arg, const uint8_t sha256[32],
    struct errbuf *e);
int evidence_foreach(const struct evidence *ev, evidence_fn fn, void *arg,
    struct errbuf *e);

#endif
