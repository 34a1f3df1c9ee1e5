/*
 * fileio.h - bounded whole-file reading and atomic writing.
 *
 * Every read takes an explicit size limit: a file larger than the limit is
 * refused with an error naming the path and the limit, never truncated
 * silently. Buffers returned in *out are malloc'd and owned by the caller
 * (free()); they carry one extra NUL byte after the data so text parsers can
 * use string functions, which is not counted in *len.
 */
#ifndef DOSSIER_FILEIO_H
#define DOSSIER_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

/* Limits for the small files the standalone commands read. */
#define FILEIO_MAX_SMALL   (1u << 20)          /* keys, quotes, certs, PCR files */
#define FILEIO_MAX_LOG     ((size_t)4 << 30)   /* IMA logs read whole (4 GiB) */

/* Read all of PATH ("-" is standard input) into *out, at most max bytes. */
int file_read(const char *path, size_t max, uint8_t **out, size_t *len,
    struct errbuf *e);

/*
 * Write all of p[0..len) to fd, resuming after short writes and EINTR.
 * 0, or -1 with errno set (the caller names the file).
 */
int fd_write_all(int fd, const uint8_t *p, size_t len);

/*
 * Write LEN bytes to PATH atomically: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. "-" writes to stdout.
 */
int file_write_atomic(const char *path, const uint8_t *data, size_t len,
    struct errbuf *e);

#endif
