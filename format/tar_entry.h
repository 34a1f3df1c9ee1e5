/*
 * tar_entry.h - one regular file into a ustar archive being written with
 * libarchive, with the metadata every dossier archive uses: mode 0444,
 * uid and gid 0, empty owner names, the caller's mtime. The same inputs
 * give the same bytes, and GNU tar, bsdtar and dossier's readers see one
 * plain entry (no pax headers: the name must fit ustar's 100 bytes, the
 * size 8 GiB, the mtime 11 octal digits).
 */
#ifndef DOSSIER_TAR_ENTRY_H
#define DOSSIER_TAR_ENTRY_H

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

#endif
