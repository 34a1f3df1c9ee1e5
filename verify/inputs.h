/*
 * inputs.h - the inputs of dossier verify: every bundle named by the
 * command line, in order.
 *
 * An argument is
 *   "-"           standard input;
 *   a directory   walked recursively in name order (strcmp), without
 *                 following symbolic links; names starting with '.' are
 *                 skipped (temporary files of atomic writes, editors'),
 *                 symbolic links and special files are skipped too; at
 *                 most INPUTS_DEPTH_MAX levels; a file in it whose first
 *                 bytes make it another dossier file (a challenge, a
 *                 signed result, a reference set export, a MANIFEST, an
 *                 EAR, a PEM key or certificate: what lies beside the
 *                 evidence on a USB stick) is a skipped item, never
 *                 judged (a file named on the command line is judged
 *                 whatever it is);
 *   a file.
 * The first bytes of standard input or a file tell its kind:
 *   - "ustar" at offset 257: a tar archive of bundles;
 *   - 1F 8B: a tar.gz archive of bundles;
 *   - a zstd frame (28 B5 2F FD) whose tar's first entry is not MANIFEST:
 *     a tar.zst archive of bundles
 *     (a tar that starts with its end-of-archive marker, an empty
 *     archive, is not one: it is judged as a bundle, which fails);
 *   - anything else: one bundle (the judge says whether it is one), read
 *     whole (at most INPUTS_FILE_MAX); standard input, and a file that is
 *     not exactly one zstd frame but holds a zstd magic number, is a
 *     stream of concatenated bundles, each ending with the zstd frame in
 *     which its tar reaches its end-of-archive marker (and the frames of
 *     nothing but zeros right after it, at most BUNDLE_TRAILER_MAX: its
 *     record padding), named "LABEL: N"
 *     (N from 1) with their byte offset in the stream (a file that turns
 *     out to be one bundle keeps its name). Resynchronisation, so that a
 *     bad bundle never swallows the next: a bundle also ends before a
 *     frame that starts with a MANIFEST header and before bytes that are
 *     no zstd frame; such bytes are skipped to the next zstd magic number
 *     (or the end), a chunk at a time, as one unreadable item. Empty
 *     standard input is one unreadable item.
 * Archives are read entry by entry from the file descriptor through
 * libarchive, never whole. Archive entries are bundles, one level deep
 * (an archive inside an archive is judged as a bundle, and fails);
 * directory entries of an archive are skipped; any other non-regular
 * entry, an entry over INPUTS_ENTRY_MAX bytes, or a damaged archive gives
 * an unreadable item (the walk goes on with the next argument), and so
 * does an archive with no bundle or with anything but zeros after its
 * end-of-archive marker (read to the end of its decompressed stream). An
 * archive entry is named "ARCHIVE: ENTRY" and carries the byte offset of
 * its tar header (in the decompressed stream of a compressed archive).
 * Every argument yields at least one item.
 *
 * Memory: the read-ahead of one input plus one entry or bundle.
 * Errors follow format/err.h.
 */
#ifndef DOSSIER_VERIFY_INPUTS_H
#define DOSSIER_VERIFY_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle.h"
#include "format/err.h"

#define INPUTS_FILE_MAX		((size_t)BUNDLE_CONTENT_MAX + (64u << 20))
#define INPUTS_ENTRY_MAX	INPUTS_FILE_MAX
#define INPUTS_DEPTH_MAX	16
#define INPUTS_NAME_MAX		1023

/* One bundle to judge; data is NULL when it could not be read (why). */
struct input_item {
	const char *name;
	bool has_offset;
	uint64_t offset;
	const uint8_t *data;
	size_t len;
	const char *why;
	/* When not NULL, *take == data is a malloc'd buffer the callback may
	 * keep: it sets *take to NULL and frees data itself later. */
	uint8_t **take;	/* Not a bundle, and known to be none (see above): why says what it
	 * is; no result is made for it. */
	bool skipped;
};

/* Called once per item; return -1 (message in e) to stop the walk. */
typedef int (*input_fn)(void *arg, const struct input_item *it,
    struct errbuf *e);

/*
 * Check before a run that every argument exists (lstat; "-" always
 * does): -1 naming the first that does not or cannot be examined.
 */
int inputs_check(char *const *args, size_t n, struct errbuf *e);

/*
 * How many inputs args[0..n) hold, for a progress display, without
 * reading any: each regular file an argument names or a directory walk
 * finds counts one (an archive too, though it may hold many bundles).
 * 0 (unknown) when an argument is "-".
 */
uint64_t inputs_count(char *const *args, size_t n);

/*
 * Call fn for every bundle of args[0..n) in order. Returns 0, or -1 when
 * fn stopped the walk (its message) or an argument vanished or cannot be
 * listed (a directory that cannot be opened: an I/O error, not a result).
 */
int inputs_foreach(char *const *args, size_t n, input_fn fn, void *arg,
    struct errbuf *e);

#endif
