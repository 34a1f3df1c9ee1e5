/*
 * bundle_int.h - what the files of the bundle module (format/bundle_*.c)
 * share; not an API: callers use format/bundle.h.
 *
 * The files follow the sections of the work: bundle_write.c (names and
 * writing), bundle_zstd.c (the zstd source, streaming and one pass),
 * bundle_tar.c (tar entries through libarchive), bundle_read.c (the
 * manifest, the members and listing).
 *
 *
 * Writing: libarchive's pax_restricted writer (which emits plain ustar
 * headers for our entries) feeds our own ZSTD_CCtx through an
 * archive_write_open() callback. The tar size is computed in advance and
 * pledged to zstd, so the frame header carries the content size and zstd
 * refuses to finish if libarchive wrote anything we did not plan for.
 *
 * Reading: our own ZSTD_DCtx (window limited to 2^23) decompresses into a
 * BUNDLE_CHUNK buffer that an archive_read_open() callback hands to
 * libarchive's tar reader; no libarchive filter is enabled. A bundle in
 * memory that is one frame of declared size is decompressed in one call
 * instead, and the callback hands out BUNDLE_CHUNK pieces of the result
 * (bundle.h, ONE PASS); everything below holds for both. Every chunk but
 * the last is a multiple of 512 bytes, so tar header blocks never straddle
 * two chunks, libarchive never copies them, and at the end of the archive
 * the bytes libarchive has been given but not consumed all lie in the
 * current chunk, where we check that they are zeros. Extension headers
 * (pax 'x'/'g', GNU 'L'/'K') are detected without parsing them: after
 * libarchive returns a plain ustar entry it has consumed exactly one
 * 512-byte block since the entry's header position.
 */
#ifndef DOSSIER_BUNDLE_INT_H
#define DOSSIER_BUNDLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
/* For ZSTD_getFrameHeader(): the frame's window before decoding it. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "format/bundle.h"
#include "format/err.h"

#define TAR_BLOCK	512u
#define TAR_END		(2 * TAR_BLOCK)

static inline uint64_t
tar_padded(uint64_t n)
{
	return (n + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

/* Bytes one ustar entry of len data bytes takes in the tar stream. */
static inline uint64_t
tar_entry_bytes(uint64_t len)
{
	return TAR_BLOCK + tar_padded(len);
}

struct zsrc {
	bundle_fill_fn fill;
	void *fill_arg;
	ZSTD_DCtx *dctx;
	uint8_t *inbuf;			/* NULL: memory input */
	size_t incap;
	ZSTD_inBuffer in;
	uint64_t in_base;		/* input offset of in.src[0] */
	bool in_eof;
	bool at_boundary;		/* between frames (or before the first) */
	bool started;			/* a frame was seen */
	bool ended;			/* input and last frame done */
	uint8_t *out;			/* BUNDLE_CHUNK bytes */
	uint8_t *whole;			/* one pass: the decompressed frame */
	size_t whole_len;		/* its declared content size */
	size_t whole_done;		/* bytes of it decoded so far */
	const uint8_t *chunk;		/* the current chunk (out or in whole) */
	uint64_t produced;		/* decompressed bytes handed out */
	uint64_t limit;			/* produced may not exceed this */
	const char *limit_what;
	uint64_t chunk_start;		/* offset of the current chunk */
	size_t chunk_len;
	bool failed;
	struct errbuf err;
};

struct bundle_scratch {
	ZSTD_DCtx *dctx;		/* window limited to 2^23 */
	uint8_t *chunk;			/* BUNDLE_CHUNK: streaming output */
	uint8_t *whole;			/* one-pass output */
	size_t whole_cap;
};

struct rd {
	struct zsrc z;
	struct bundle_scratch *sc;	/* the caller's, or our own */
	bool own_sc;
	struct archive *a;
	struct archive_entry *ent;
	uint64_t next_header;		/* where the next ustar header must be */
	char shown[BUNDLE_SHOWN_NAME_MAX + 1];	/* current entry's name */
};

struct member_sink {
	EVP_MD_CTX *md;			/* NULL: no digest */
	uint8_t *collect;		/* NULL: not collected */
	/* Borrow instead (one pass with a scratch): the data's place in
	 * the decompressed buffer, while every block follows the last. */
	bool borrow;
	const uint8_t *start;
	const struct bundle_reader *r;	/* NULL: no callback */
	size_t index;
	const struct bundle_member *m;
};

/* --- shared between the files of the module --------------------------- */
/* Render an untrusted name for a message: printable ASCII kept, the rest
 * (and ' " \) as \xHH, at most 64 input bytes, "..." if cut. */
void bundle_show_name(const char *raw, char out[BUNDLE_SHOWN_NAME_MAX + 1]);

/* The input offset (compressed bytes) the source has reached. */
uint64_t zsrc_in_offset(const struct zsrc *z);

/*
 * One pass: decode the frame's blocks (zstd's bufferless API: one frame
 * header, block or checksum per call, straight into z->whole, which is
 * then the window) until want bytes are there; want == whole_len: to the
 * end of the frame. So no more than one block is decoded beyond what the
 * tar reader asked for, and nothing more before the manifest callback
 * accepted (bundle.h, MEMORY). -1: zstd refused the frame.
 */
int zsrc_whole_decode(struct zsrc *z, size_t want);

/*
 * One pass failed: read the frame again by streaming from its start, past
 * the bytes handed out already (the same bytes: zstd decodes
 * deterministically), so that streaming says where and why it fails
 * (bundle.h, ONE PASS).
 */
int zsrc_restream(struct zsrc *z);

/*
 * The next chunk of decompressed data: BUNDLE_CHUNK bytes, fewer only at
 * the end of the stream, *len == 0 at the end.
 */
int zsrc_next(struct zsrc *z, const uint8_t **p, size_t *len);

/* libarchive's read callback: the next chunk of a struct rd's source. */
la_ssize_t bundle_tar_read_cb(struct archive *a, void *arg, const void **buf);

/*
 * Memory input that is exactly one zstd frame declaring a content size of
 * 1 to BUNDLE_ONESHOT_MAX bytes and a window within the limit: decode it
 * into sc->whole, a buffer of that size, as the tar reader asks for it
 * (zsrc_whole_decode) and serve that (bundle.h, ONE PASS). The buffer is
 * only reserved here: its pages cost memory as they are decoded into.
 * Anything else is left to streaming, and so is a frame that fails to
 * decompress (zsrc_restream), which reports exactly where it fails.
 */
void zsrc_try_whole(struct zsrc *z, struct bundle_scratch *sc);

/* A bundle_fill_fn reading the file descriptor *(int *)arg. */
int bundle_fd_fill(void *arg, uint8_t *buf, size_t cap, size_t *got,
    struct errbuf *e);

/* A libarchive failure: our own message if the zstd source failed. */
int rd_error(struct rd *rd, struct errbuf *e);

/*
 * Start reading: from memory buf[0..len) (fill NULL) or from fill; with
 * the caller's scratch sc, or one of our own (NULL).
 */
int rd_open(struct rd *rd, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, struct bundle_scratch *sc,
    struct errbuf *e);

/* Free what rd_open() set up (a scratch of the caller's is kept). */
void rd_close(struct rd *rd);

/*
 * The next tar header. *eof set at the end-of-archive marker. strict: the
 * header must sit where the previous entry ended.
 */
int rd_next(struct rd *rd, bool *eof, bool strict, struct errbuf *e);

/* 1 if the current entry used pax/GNU extension headers or is not ustar. */
int rd_extended(struct rd *rd);

/* The type of the current entry, for listing. */
enum bundle_entry_type rd_type(struct rd *rd);

/* Rule 2 for the current entry: a plain ustar regular file with a size. */
int rd_check_plain(struct rd *rd, struct errbuf *e);

/*
 * Member i's collected data: borrowed from the one-pass buffer when it
 * lies there whole with a zero byte after it (the tar padding; our NUL),
 * else a copy of its own.
 */
int rd_sink_keep(struct rd *rd, struct member_sink *s,
    struct bundle_contents *c, size_t i, uint64_t size, struct errbuf *e);

/* Stream the current entry's data (size bytes, checked by the header). */
int rd_data(struct rd *rd, uint64_t size, struct member_sink *s,
    struct errbuf *e);

/*
 * After the end-of-archive marker: exactly two zero blocks consumed by
 * libarchive, then only zeros (at most BUNDLE_TRAILER_MAX) to the end of
 * the last zstd frame.
 */
int rd_finish(struct rd *rd, struct errbuf *e);

#endif
