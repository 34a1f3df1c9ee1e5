/*
 * tar_entry.h - one regular file into a ustar archive being written with
 * libarchive, with the metadata every dossier archive uses: mode 0444,
 * uid and gid 0, empty owner names, the caller's mtime. The same inputs
 * give the same bytes, and GNU tar, bsdtar and dossier's readers see one
 * plain entry (no pax headers: the name must fit ustar's 100 bytes, the
 * size 8 GiB, the mtime 11 octal digits).
 *
 * And the other way, without a tar reader: where the end-of-archive
 * marker (two zero blocks) of a tar stream fed in pieces is, from the
 * size field of each ustar header (POSIX pax(1), ustar Interchange
 * Format: 12 octal digits at offset 124). It finds the end of an archive,
 * it does not check one: a header that is not ustar or a size in GNU's
 * base-256 form is not ours, and the reader that checks the archive
 * (format/bundle.h) says what is wrong with it.
 */
#ifndef DOSSIER_TAR_ENTRY_H
#define DOSSIER_TAR_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

struct archive;

#define TAR_ENTRY_MTIME_MAX	(((int64_t)1 << 33) - 1)

/* The header of a file of size bytes; its data follows with
 * archive_write_data() (exactly size bytes in all). */
int tar_entry_header(struct archive *a, const char *name, uint64_t size,
    int64_t mtime, struct errbuf *e);

/* Header and data of a file held in memory. */
int tar_entry_file(struct archive *a, const char *name, const uint8_t *data,
    size_t len, int64_t mtime, struct errbuf *e);

/* Where a tar stream fed so far is. Start zeroed (memset). */
struct tar_track {
	uint8_t blk[512];	/* a header block being gathered */
	size_t have;
	uint64_t skip;		/* data bytes (padded) still to pass */
	unsigned zeros;		/* zero blocks in a row */
	bool ended;		/* the end-of-archive marker was passed */
};

/* Feed the next n bytes of the stream; nothing more is looked at once
 * t->ended is set (the bytes after the marker are the caller's). */
void tar_track_feed(struct tar_track *t, const uint8_t *p, size_t n);

#endif
