/*
 * ima_refset.h - reference sets: what a device is expected to measure.
 *
 * A reference set is a named multiset of measured things, each an entry
 * (path, file digest algorithm, file digest) with a multiplicity and a
 * provenance (which image, package list, bundle or other set it came
 * from). Sets are built from:
 *   - an IMA log (binary or ascii_runtime_measurements): every record with
 *     a file digest except violations and boot_aggregate entries;
 *   - a directory tree (a mounted golden image): every regular file hashed
 *     with the algorithms asked for, as IMA would hash it (the whole
 *     content), paths made absolute relative to the tree's root ("/usr/..."
 *     for ROOT/usr/...), symbolic links not followed, other non-regular
 *     files (devices, FIFOs, sockets) skipped, at most 8 algorithms per
 *     walk, each file read once in 64 KiB chunks;
 *   - sum lists as sha256sum, sha384sum or sha512sum print them
 *     ("HEX  PATH" or "HEX *PATH", one per line, the algorithm told by the
 *     digest length; sha1sum lines only when asked for explicitly; MD5
 *     lines (32 hex digits) are refused: not a measurement digest; a line
 *     starting with '\' has coreutils' escaped name: "\\", "\n", "\r";
 *     relative names "./usr/x" and "usr/x" become "/usr/x", as IMA records
 *     them; blank lines are skipped, a trailing CR is dropped; anything else,
 *     such as the BSD "SHA256 (x) = ..." form, is an error naming the line);
 *   - other sets: union (an entry's multiplicity is the larger of the
 *     two) and difference (A's entries whose (path, alg, digest) B lacks).
 *
 * Building: refset_new(), refset_add_*() as many times as wanted, then
 * refset_seal(), which merges duplicate entries (multiplicities add up for
 * log sources, stay 1 for trees and sum lists) and builds the indexes. A
 * sealed set is immutable and may be shared by any number of threads for
 * lookups without locking. Lookups are O(1): open-addressing tables keyed
 * by (algorithm, digest) and by path.
 *
 * Memory: entries and their paths live in arenas owned by the set;
 * everything is freed by refset_free(). Limits below are named constants;
 * a source that would exceed one is refused with a message naming the
 * source and the limit, and the set is left as before that call.
 *
 * Errors follow format/err.h: 0 on success, -1 with one line in e naming
 * the file (and line or entry) and the check that failed.
 */
#ifndef DOSSIER_IMA_REFSET_H
#define DOSSIER_IMA_REFSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/ima_log.h"

#define REFSET_NAME_MAX		64	/* [A-Za-z0-9._-], first not '.' */
#define REFSET_ENTRIES_MAX	(4u << 20)	/* entries in one set */
#define REFSET_PATH_MAX		4096	/* bytes of one path */
#define REFSET_SOURCES_MAX	65536	/* provenance records in one set */
#define REFSET_SOURCE_MAX	512	/* bytes of one provenance text */
#define REFSET_SUMLINE_MAX	(REFSET_PATH_MAX + 2 * HASHALG_MAX_SIZE + 8)
#define REFSET_TREE_DEPTH_MAX	64	/* directory levels walked */

struct refset;

/* One entry of a set. Pointers stay valid until refset_free(). */
struct refset_entry {
	const struct hashalg *alg;	/* file digest algorithm */
	const uint8_t *digest;		/* alg->size bytes */
	const char *path;		/* not NUL-terminated inside the arena */
	size_t path_len;
	uint32_t count;			/* multiplicity, >= 1 */
	uint32_t source;		/* index for refset_source() */
};

/* A new empty, unsealed set named name (checked against the rules above). */
int refset_new(const char *name, struct refset **out, struct errbuf *e);
void refset_free(struct refset *s);

const char *refset_name(const struct refset *s);

/*
 * Add a provenance record ("bundle sha256:<hex> of device <hex>",
 * "tree /mnt/golden", "sums SHA256SUMS", "set base") and get its index,
 * for the add functions that take one. Identical texts share one index.
 */
int refset_add_source(struct refset *s, const char *text, uint32_t *index,
    struct errbuf *e);
/* The text of a provenance record ("" for an index out of range). */
const char *refset_source(const struct refset *s, uint32_t index);
size_t refset_nsources(const struct refset *s);

/* Add one entry (count >= 1) from provenance source. Unsealed sets only.
 * Duplicates added this way add up their counts at seal time, like log
 * entries (loading a stored or exported set, which has none). */
int refset_add_entry(struct refset *s, const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest, uint32_t count,
    uint32_t source, struct errbuf *e);

/*
 * Add the file-digest entries of an IMA log held in buf[0..len) (binary
 * list or ascii_runtime_measurements text; log_alg names the binary
 * list's column algorithm, sha1 for binary_runtime_measurements). name is
 * used in messages and, with provenance, recorded as the source.
 */
int refset_add_ima_log(struct refset *s, const uint8_t *buf, size_t len,
    const struct hashalg *log_alg, const char *name, const char *provenance,
    struct errbuf *e);

/* Add every regular file under root, hashed with each of algs[0..nalgs). */
int refset_add_tree(struct refset *s, const char *root,
    const struct hashalg *const *algs, size_t nalgs, const char *provenance,
    struct errbuf *e);

/*
 * Add the lines of a sum list buf[0..len) named name. allow_sha1: accept
 * 40-digit lines as SHA-1 (refused otherwise: sha1sum lists are usually a
 * mistake when the kernel measures with SHA-256).
 */
int refset_add_sums(struct refset *s, const uint8_t *buf, size_t len,
    const char *name, bool allow_sha1, const char *provenance,
    struct errbuf *e);

/* Add every entry of a sealed set (with its provenance records). */
int refset_add_set(struct refset *s, const struct refset *other,
    struct errbuf *e);

/* Remove the entries whose (path, alg, digest) sealed set other has. */
int refset_subtract(struct refset *s, const struct refset *other,
    struct errbuf *e);

/* Merge duplicates and build the indexes; afterwards the set is read-only. */
int refset_seal(struct refset *s, struct errbuf *e);
bool refset_sealed(const struct refset *s);

/* Entries of a sealed set, sorted by (path, alg name, digest). */
size_t refset_count(const struct refset *s);
/* The sum of the entries' counts (computed once, at seal). */
uint64_t refset_total(const struct refset *s);
const struct refset_entry *refset_entry(const struct refset *s, size_t i);

/*
 * Lookups on a sealed set. Each returns the index of the first matching
 * entry (or SIZE_MAX) and, through *next, iterates the rest.
 *   by digest: entries with this (alg, digest), whatever their path;
 *   by path:   entries with this path, whatever their digest;
 *   exact:     the one entry with this (path, alg, digest).
 */
size_t refset_find_digest(const struct refset *s, const struct hashalg *alg,
    const uint8_t *digest);
size_t refset_find_path(const struct refset *s, const char *path,
    size_t path_len);
size_t refset_find_exact(const struct refset *s, const char *path,
    size_t path_len, const struct hashalg *alg, const uint8_t *digest);
size_t refset_next_digest(const struct refset *s, size_t i);

/*
 * The exact lookup in two steps, for callers that hide memory latency by
 * working a few records ahead: refset_exact_hash() (the same for every
 * set), refset_exact_prefetch() in stages (1: the index slot; 2: the
 * entry it names, reading the slot; 3: the entry's key, reading the
 * entry), each a few records after the last, and then
 * refset_find_exact_hashed() with that hash. Prefetching is only a hint:
 * any stage may be skipped. Stages 2 and 3 return the index of the
 * likely entry (SIZE_MAX if none), so the caller can prefetch its own
 * per-entry state.
 */
uint64_t refset_exact_hash(const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest);
size_t refset_exact_prefetch(const struct refset *s, uint64_t h, int stage);
/* Stage 3 for the entry index stage 2 returned: the same prefetches
 * without walking the index again. */
void refset_entry_prefetch_key(const struct refset *s, size_t k);
size_t refset_find_exact_hashed(const struct refset *s, uint64_t h,
    const char *path, size_t path_len, const struct hashalg *alg,
    const uint8_t *digest);
size_t refset_next_path(const struct refset *s, size_t i);

/*
 * Whether an IMA record takes part in reference comparisons: it has a file
 * digest of a known algorithm, is not a violation and not a boot_aggregate
 * entry. Shared by the builder and the policies, so both agree.
 */
bool refset_record_counts(const struct ima_record *rec);

#endif
