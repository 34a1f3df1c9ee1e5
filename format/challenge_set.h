/*
 * challenge_set.h - many challenge files (format/challenge.h) travelling
 * together, and finding the one for a device.
 *
 * ARCHIVE (what challenge_set_write_mem writes): an uncompressed POSIX
 * ustar archive (libarchive's ustar writer, 10240-byte records), one entry
 * per challenge, sorted by name, each
 *   name  "<device-id-hex>.dchal"  (64 lowercase hex digits + ".dchal")
 *   type  regular file, mode 0444, uid/gid 0, empty uname/gname,
 *         mtime = the caller's time
 *   data  the challenge file, verbatim.
 * At most one challenge per device (a second one is refused). Same inputs,
 * same bytes. Not compressed, on purpose: a challenge is mostly random
 * bytes (credential, ids, signature) and does not compress; and a plain
 * tar needs no decompression limits.
 *
 * READING (challenge_set_read_mem / challenge_set_read_path). The input is
 * detected by its first bytes:
 *   - D9 D9 F7 DA ...: a single challenge file (any other dossier file
 *     kind, e.g. a MANIFEST, is refused with its kind named);
 *   - "ustar" at offset 257: a tar archive (ustar, GNU or pax headers as
 *     libarchive reads them). Every entry must be a regular file (no
 *     directories, symbolic or hard links, devices), of at most
 *     CHALLENGE_FILE_MAX bytes, named "<64 lowercase hex>.dchal" (no '/'),
 *     each name once, the name equal to the device id in the challenge;
 *     anything else fails the whole read: the archive is the verifier's
 *     output and a foreign entry means it was altered;
 *   - a zstd or gzip stream: refused ("compressed archive: decompress
 *     it first");
 *   - anything else: refused.
 * A path may also name a directory (not followed through symbolic links):
 * its entries whose names end in ".dchal" are the candidates, read in name
 * order; every other entry (README, a temporary file of an atomic write,
 * a subdirectory) is skipped and counted in n_skipped, with its name kept
 * in skipped[] (first CHALLENGE_SET_NOTES_MAX, escaped) so the caller can
 * say so. A candidate that is not a regular file, or does not parse as a
 * challenge file (magic first), fails the read: a spool directory holding
 * a damaged challenge needs a person's attention.
 * Every challenge is parsed with challenge_file_open() (NOT verified: the
 * caller verifies the one it picks with challenge_file_verify()).
 * Limits: CHALLENGE_SET_COUNT_MAX challenges, CHALLENGE_SET_BYTES_MAX
 * bytes of input (archive or single file), CHALLENGE_FILE_MAX per
 * challenge. "-" as a path reads standard input.
 *
 * Ownership: struct challenge_set owns its entries (challenge_set_free).
 * Errors follow format/err.h; messages start with the input's label and
 * name the entry ("set.tar: entry 'x.dchal': ...").
 */
#ifndef DOSSIER_CHALLENGE_SET_H
#define DOSSIER_CHALLENGE_SET_H

#include <stddef.h>
#include <stdint.h>

#include "format/challenge.h"
#include "format/err.h"

#define CHALLENGE_SET_COUNT_MAX	16384
#define CHALLENGE_SET_BYTES_MAX	((size_t)64 << 20)
#define CHALLENGE_SET_NAME_MAX	255	/* entry or file name, as shown */
#define CHALLENGE_SET_NOTES_MAX	8	/* skipped names kept */
#define CHALLENGE_SET_MEMBER_NAME_LEN (2 * CHALLENGE_DEVICE_ID_LEN + 6)

struct challenge_set_entry {
	char name[CHALLENGE_SET_NAME_MAX + 1];	/* printable, escaped */
	uint8_t *file;				/* the challenge file, malloc'd */
	size_t file_len;
	struct challenge ch;			/* decoded, NOT verified */
};

struct challenge_set {
	size_t n;
	struct challenge_set_entry *entries;	/* malloc'd, n of them */
	size_t n_skipped;			/* directory entries skipped */
	char skipped[CHALLENGE_SET_NOTES_MAX][CHALLENGE_SET_NAME_MAX + 1];
};

void challenge_set_free(struct challenge_set *s);

/*
 * Write the archive of files[0..n) (challenge files, lens[i] bytes each)
 * into a malloc'd *out. Each file is parsed (challenge_file_open) for its
 * device id; two for the same device, n == 0 or n > CHALLENGE_SET_COUNT_MAX
 * fail. 0 <= mtime < 2^33 (the ustar field).
 */
int challenge_set_write_mem(const uint8_t *const *files, const size_t *lens,
    size_t n, int64_t mtime, uint8_t **out, size_t *out_len, struct errbuf *e);

/* Read a single challenge file or an archive from memory (label names it
 * in messages). On failure *out is empty. */
int challenge_set_read_mem(const char *label, const uint8_t *buf, size_t len,
    struct challenge_set *out, struct errbuf *e);

/* Read a file, an archive or a directory (see above). */
int challenge_set_read_path(const char *path, struct challenge_set *out,
    struct errbuf *e);

/*
 * The one challenge for device_id: 0 and *out set if exactly one entry has
 * it; else -1 and e says "no challenge for device <hex> among N" or
 * "K challenges for device <hex> (names...)". *count (may be NULL) gets
 * the number found either way.
 */
int challenge_set_find(const struct challenge_set *s,
    const uint8_t device_id[CHALLENGE_DEVICE_ID_LEN],
    const struct challenge_set_entry **out, size_t *count, struct errbuf *e);

#endif
