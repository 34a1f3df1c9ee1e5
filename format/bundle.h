/*
 * bundle.h - the container of a dossier bundle: a zstd-compressed tar whose
 * first member is MANIFEST, followed by the members the manifest lists, in
 * the manifest's order. This layer knows nothing of the manifest's encoding
 * or signature: the writer takes MANIFEST as opaque bytes, and the reader
 * hands those bytes to a caller's callback, which answers with the list of
 * members it expects (format/bundle_member.h). The reader then holds every
 * following tar entry to that list.
 *
 * CONTAINER RULES (what a valid bundle is, byte for byte)
 *
 *  1. Compression. The file is one or more standard zstd frames (RFC 8878,
 *     magic 28 B5 2F FD), concatenated, and nothing else: no skippable
 *     frames, no bytes before the first frame or after the last. Each frame
 *     must decode with a window of at most 8 MiB (2^BUNDLE_ZSTD_WINDOW_LOG_MAX;
 *     the reader sets ZSTD_d_windowLogMax to it, so `zstd --long=27` output
 *     is refused). Frame checksums, when present, are verified by libzstd.
 *     The writer emits a single frame at level BUNDLE_ZSTD_LEVEL with the
 *     window capped at 8 MiB, the content size in the frame header (so small
 *     bundles need a small window) and no content checksum: the manifest's
 *     SHA-256 of every member (rule 3), which the AK signs, covers the
 *     content, and verifying an XXH64 as well took a quarter of the time
 *     a bundle takes to decode.
 *
 *  2. Tar. The decompressed stream is a POSIX tar made only of ustar header
 *     blocks (magic "ustar\0", version "00") each followed by the entry's data
 *     padded with zeros to a multiple of 512 bytes, then the end-of-archive
 *     marker (two 512-byte zero blocks), then optionally more zero bytes (tar
 *     record padding, at most BUNDLE_TRAILER_MAX). Not accepted: pax extended
 *     or global headers ('x', 'g'), GNU extension headers ('L', 'K', 'S',
 *     GNU or old v7 magic), entries of any type but a regular file (typeflag
 *     '0'): directories, symbolic and hard links, devices, FIFOs are refused
 *     with their name; sparse entries; anything but zeros after the
 *     end-of-archive marker; a missing end-of-archive marker. The writer
 *     needs no pax extension (names are short ASCII, sizes < 8 GiB, mtime
 *     before 2038-01-19, BUNDLE_MTIME_MAX), which is why the reader accepts
 *     none: there is then one reading of every header for libarchive, GNU
 *     tar and bsdtar. (Before 2038 the writer must set mtime in the ustar
 *     field itself or the reader must learn the pax "mtime" record.)
 *
 *  3. Members. The first entry is "MANIFEST", of at most BUNDLE_MANIFEST_MAX
 *     bytes. Then come exactly the members the manifest lists, in its order:
 *     each entry's name equals the next listed name, its size equals the
 *     listed size, and the SHA-256 of its data (computed while streaming)
 *     equals the listed digest. No duplicates, no extra entries, none
 *     missing. Member names (everything but MANIFEST) are 1 to
 *     BUNDLE_MEMBER_NAME_MAX characters from [a-z0-9._-], not "." or "..",
 *     not starting with '.' or '-'. At most BUNDLE_MEMBERS_MAX members,
 *     each at most BUNDLE_MEMBER_MAX_BYTES, together at most
 *     BUNDLE_CONTENT_MAX bytes.
 *
 *  4. Metadata the reader ignores (it is not covered by the manifest
 *     signature and nothing is extracted by this layer): mode, uid, gid,
 *     uname, gname, mtime, devmajor/devminor of regular files. The writer
 *     sets mode 0444, uid and gid 0, empty uname and gname, mtime = the
 *     caller's time for every entry, so that the same inputs give
 *     byte-identical bundles (with the same libzstd version: zstd promises
 *     stable decoding, not stable encoding across versions).
 *
 * MEMORY. The reader's memory is bounded whatever the input: the zstd window
 * (at most 8 MiB, and only as large as the frame header says), one
 * BUNDLE_CHUNK of decompressed data, libarchive's header buffers (a tar
 * header is 512 bytes; we stop before any pax data could grow them), the
 * MANIFEST (at most BUNDLE_MANIFEST_MAX) and the members the caller asks to
 * collect (at most collect_max bytes each). The decompressed stream is
 * bounded too: before the manifest is accepted, by BUNDLE_CHUNK plus the
 * MANIFEST limit; after, by the sizes the manifest lists plus tar framing
 * and BUNDLE_TRAILER_MAX; a zstd "bomb" stops at that bound with an error.
 *
 * BEFORE THE MANIFEST IS ACCEPTED (the manifest callback returned 0) at
 * most BUNDLE_PREAUTH_MAX bytes are decompressed, on either path below
 * (one BUNDLE_CHUNK and the rest of the zstd block it ends in), and no
 * member is read or collected: a callback that authenticates the MANIFEST
 * before it accepts it (dossier verify checks its signature with the
 * enrolled AK there) so bounds what unauthenticated input can cost, however
 * much the manifest lists.
 *
 * ONE PASS. A bundle read from memory that is exactly one zstd frame
 * declaring its content size, at most BUNDLE_ONESHOT_MAX, is decompressed
 * straight into one buffer of that size (zstd's fastest path: no window
 * copies), block by block as the tar reader asks for BUNDLE_CHUNK pieces
 * of it, so every bound above is checked exactly as when streaming and the
 * buffer's pages are touched only as far as the reader got; the frame
 * header's content size (which zstd verifies) bounds it. A frame that
 * does not decompress in one pass is read again by streaming, past what
 * was handed out already, which says where it fails: the outcome and the
 * messages are those of streaming, only faster. The writer ends a zstd
 * block after the MANIFEST entry, so that telling a bundle from an archive
 * of bundles (its first tar header) decodes about 1.5 KiB, not a whole
 * 128 KiB block.
 *
 * ERRORS follow format/err.h. Every message starts with the caller's label
 * (a file name, "<stdin>", "batch.tar.zst: 0a1b.dossier") and names the
 * member and the check, e.g.
 *   "b.dossier: member 'quote.sig': SHA-256 does not match the manifest"
 *   "b.dossier: extra member 'evil' after the last listed member"
 *   "b.dossier: member 'ima.log' is 10 bytes larger than listed"
 * Names taken from the archive are shown with anything outside printable
 * ASCII (and quotes, backslashes) escaped as \xHH and cut to 64 bytes.
 *
 * IMPLEMENTATION: bundle_write.c (names, writing), bundle_zstd.c (the zstd
 * source, streaming and ONE PASS), bundle_tar.c (tar entries through
 * libarchive), bundle_read.c (manifest, members, listing); what they
 * share is in bundle_int.h. The member vocabulary (names, media types,
 * lookup by name) is format/members.h; telling a bundle from a tar or an
 * archive of bundles by its first bytes, format/bundle_sniff.h; finding
 * where each bundle of a concatenated stream ends, format/bundle_split.h.
 */
#ifndef DOSSIER_BUNDLE_H
#define DOSSIER_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle_member.h"
#include "format/err.h"

#define BUNDLE_MANIFEST_NAME		"MANIFEST"
#define BUNDLE_MANIFEST_MAX		(64u * 1024)
#define BUNDLE_MEMBER_MAX_BYTES		((uint64_t)512 << 20)	/* IMA log */
#define BUNDLE_CONTENT_MAX		((uint64_t)1 << 30)	/* all members */
#define BUNDLE_TRAILER_MAX		(1u << 20)	/* zeros after the end marker */
#define BUNDLE_CHUNK			(128u * 1024)	/* decompressed unit, 512 * n */
#define BUNDLE_ZSTD_WINDOW_LOG_MAX	23		/* 8 MiB */
#define BUNDLE_ZSTD_LEVEL		9
#define BUNDLE_ONESHOT_MAX		((uint64_t)64 << 20)	/* one-pass decode */
/* Decompressed before the manifest callback accepted: a chunk and the
 * rest of its zstd block (ZSTD_BLOCKSIZE_MAX, 128 KiB). */
#define BUNDLE_PREAUTH_MAX		(BUNDLE_CHUNK + (128u * 1024))
#define BUNDLE_SCRATCH_KEEP		((size_t)8 << 20)	/* kept between reads */
/* libarchive's pax writer adds a pax 'mtime' record from 2^31 - 1 on. */
#define BUNDLE_MTIME_MAX		((int64_t)0x7ffffffe)
#define BUNDLE_LIST_MAX			64	/* entries bundle_list reports */
#define BUNDLE_SHOWN_NAME_MAX		(64 * 4 + 3)	/* escaped, with "..." */

/* --- names -------------------------------------------------------------- */

/*
 * 0 if NAME is a valid member name (rule 3; "MANIFEST" is not one), else -1
 * with a message saying what is wrong.
 */
int bundle_member_name_check(const char *name, struct errbuf *e);

/*
 * 0 if MT is a valid media type: 1 to BUNDLE_MEDIA_TYPE_MAX printable
 * ASCII characters (0x20-0x7e), else -1 with a message.
 */
int bundle_media_type_check(const char *mt, struct errbuf *e);

/* --- writing ------------------------------------------------------------ */

/* One member to write: the caller keeps the data alive during the call. */
struct bundle_input {
	const char *name;
	const char *media_type;		/* copied into struct bundle_member */
	const uint8_t *data;
	size_t len;
};

/*
 * Fill out[0..n) (name, media type, size, SHA-256) for the members the
 * caller is about to write, so it can build and sign the manifest first.
 * Checks names (valid, distinct), media types (printable ASCII, at most
 * BUNDLE_MEDIA_TYPE_MAX), n <= BUNDLE_MEMBERS_MAX and the size limits.
 */
int bundle_members_compute(const struct bundle_input *in, size_t n,
    struct bundle_member *out, struct errbuf *e);

/*
 * Write the bundle: MANIFEST (manifest_len bytes, at most
 * BUNDLE_MANIFEST_MAX) then in[0..n) in order, every entry with mtime
 * (0 <= mtime <= BUNDLE_MTIME_MAX). The inputs are checked as in
 * bundle_members_compute. bundle_write_mem returns a malloc'd buffer in
 * *out (caller frees); bundle_write_fd writes to fd as it compresses (the
 * caller makes the file appear atomically, e.g. a temporary file and
 * rename(2), or writes the buffer with file_write_atomic()).
 */
int bundle_write_mem(const uint8_t *manifest, size_t manifest_len,
    const struct bundle_input *in, size_t n, int64_t mtime,
    uint8_t **out, size_t *out_len, struct errbuf *e);
int bundle_write_fd(int fd, const uint8_t *manifest, size_t manifest_len,
    const struct bundle_input *in, size_t n, int64_t mtime,
    struct errbuf *e);

/* --- reading ------------------------------------------------------------ */

/*
 * A source of compressed bytes: put up to cap bytes into buf and their
 * count into *got (0 at the end of the input); return 0, or -1 with a
 * message (the reader prefixes the label).
 */
typedef int (*bundle_fill_fn)(void *arg, uint8_t *buf, size_t cap,
    size_t *got, struct errbuf *e);

struct bundle_reader {
	/*
	 * Required. Called once with the MANIFEST bytes (valid during the
	 * call only; also kept in struct bundle_contents). Fills
	 * members[0..*nmembers) (room for BUNDLE_MEMBERS_MAX) with the members
	 * it expects, in archive order, and returns 0; or returns -1 with a
	 * message, which ends the read ("LABEL: MANIFEST: <message>"). The
	 * list is checked (names valid and distinct, sizes within limits)
	 * before any member is read.
	 */
	int (*manifest)(void *arg, const uint8_t *manifest, size_t len,
	    struct bundle_member *members, size_t *nmembers, struct errbuf *e);
	/*
	 * Optional. Member data as it streams, in order, in chunks of at
	 * most BUNDLE_CHUNK bytes (valid during the call only). The data is
	 * NOT yet verified: only member_end says that the member's size and
	 * SHA-256 matched. Return -1 with a message to stop the read.
	 */
	int (*member_data)(void *arg, size_t index,
	    const struct bundle_member *m, const uint8_t *chunk, size_t len,
	    struct errbuf *e);
	/* Optional. Called after member index passed its size and digest
	 * checks. Return -1 with a message to stop the read. */
	int (*member_end)(void *arg, size_t index,
	    const struct bundle_member *m, struct errbuf *e);
	void *arg;
	/* Collect members of at most this many bytes into memory (0: none). */
	uint64_t collect_max;
	/* Optional (NULL: the read allocates its own): reusable state, below. */
	struct bundle_scratch *scratch;
};

/*
 * Reading state a thread keeps between reads, so that a batch does not
 * create a zstd context and its buffers for every bundle: the
 * decompression context (reset at the start of every read, so nothing of
 * one read reaches the next) and the decompression buffers. A scratch
 * serves one read at a time: one per thread.
 *
 * LIFETIME: a read in one pass with a scratch does not copy the members it
 * collects: data[i] points into the scratch's buffer (bit i of borrowed)
 * and stays valid until the next read with the same scratch or
 * bundle_scratch_free(), whichever comes first; bundle_contents_free()
 * frees only what is not borrowed. A buffer larger than
 * BUNDLE_SCRATCH_KEEP is released at the start of the next read.
 * bundle_scratch_new() returns NULL when out of memory;
 * bundle_scratch_free(NULL) does nothing.
 */
struct bundle_scratch;
struct bundle_scratch *bundle_scratch_new(void);
void bundle_scratch_free(struct bundle_scratch *s);

/* What a successful read found. Free with bundle_contents_free(). */
struct bundle_contents {
	uint8_t *manifest;		/* MANIFEST bytes (+ a NUL, not counted) */
	size_t manifest_len;
	size_t nmembers;
	struct bundle_member members[BUNDLE_MEMBERS_MAX];
	/* Collected member data (+ a NUL, not counted), or NULL. */
	uint8_t *data[BUNDLE_MEMBERS_MAX];
	uint64_t compressed_size;	/* bytes of the bundle read */
	bool one_pass;			/* decompressed in one pass (ONE PASS) */
	/* Bit i: data[i] is borrowed from the reader's scratch (below). */
	uint32_t borrowed;
};

void bundle_contents_free(struct bundle_contents *c);

/*
 * Read and check a whole bundle against the rules above, calling r's
 * callbacks on the way. On success returns 0 with *out filled (out may be
 * NULL if nothing is wanted); on failure -1, *out empty, and e says why.
 * A failure after member_data calls means that data must be discarded.
 * bundle_read_fd reads fd (a file, pipe or standard input) to its end and
 * does not close it.
 */
int bundle_read_mem(const char *label, const uint8_t *buf, size_t len,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e);
int bundle_read_fd(const char *label, int fd, const struct bundle_reader *r,
    struct bundle_contents *out, struct errbuf *e);
int bundle_read_stream(const char *label, bundle_fill_fn fill, void *fill_arg,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e);

/* --- listing (dossier inspect) -------------------------------------------- */

enum bundle_entry_type {
	BUNDLE_ENTRY_FILE,
	BUNDLE_ENTRY_DIR,
	BUNDLE_ENTRY_SYMLINK,
	BUNDLE_ENTRY_HARDLINK,
	BUNDLE_ENTRY_OTHER,		/* device, FIFO, socket, sparse */
};

struct bundle_entry {
	char name[BUNDLE_SHOWN_NAME_MAX + 1];	/* escaped as in messages */
	enum bundle_entry_type type;
	uint64_t size;
	int extended;		/* pax or GNU extension headers, or not ustar */
};

struct bundle_listing {
	size_t nentries;
	struct bundle_entry entries[BUNDLE_LIST_MAX];
};

const char *bundle_entry_type_name(enum bundle_entry_type t);

/*
 * List the tar entries (names, types, sizes) without the manifest check:
 * the entries may be of any type, in any order. The compression rules
 * (rule 1), the end of the archive and the trailing bytes are checked, and
 * the decompressed size is bounded by BUNDLE_CONTENT_MAX plus framing.
 * On failure *out still holds the entries read before the error.
 */
int bundle_list_mem(const char *label, const uint8_t *buf, size_t len,
    struct bundle_listing *out, struct errbuf *e);
int bundle_list_fd(const char *label, int fd, struct bundle_listing *out,
    struct errbuf *e);

#endif
