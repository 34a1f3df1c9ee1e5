/*
 * bundle_zstd.c - the reader's source of decompressed bytes: streaming
 * into BUNDLE_CHUNK pieces, or one pass into one buffer (bundle.h, ONE
 * PASS), with the bounds of bundle.h, MEMORY, checked in either case.
 * Shared state and the design: bundle_int.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/bundle_int.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"

/* --- reading: the zstd source ---------------------------------------------- */

static int zsrc_fail(struct zsrc *z, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
zsrc_fail(struct zsrc *z, const char *fmt, ...)
{
	va_list ap;

	z->failed = true;
	va_start(ap, fmt);
	vsnprintf(z->err.msg, sizeof(z->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
zsrc_refill(struct zsrc *z)
{
	size_t rem = z->in.size - z->in.pos, got = 0;

	if (z->in_eof)
		return 0;
	if (z->inbuf == NULL) {
		z->in_eof = true;
		return 0;
	}
	memmove(z->inbuf, (const uint8_t *)z->in.src + z->in.pos, rem);
	z->in_base += z->in.pos;
	z->in.src = z->inbuf;
	z->in.pos = 0;
	z->in.size = rem;
	if (z->fill(z->fill_arg, z->inbuf + rem, z->incap - rem, &got,
	    &z->err) != 0) {
		z->failed = true;
		return -1;
	}
	if (got == 0)
		z->in_eof = true;
	z->in.size += got;
	return 0;
}

uint64_t
zsrc_in_offset(const struct zsrc *z)
{
	return z->in_base + z->in.pos;
}

/*
 * The window a frame declares, at most 2^BUNDLE_ZSTD_WINDOW_LOG_MAX: checked
 * here from the header because zstd's own check (ZSTD_d_windowLogMax) is
 * skipped when it can decode a frame in one pass, and the rule must not
 * depend on how the bytes arrive. A header zstd cannot parse, or one cut
 * short, is left to the decoder, which says why.
 */
static int
zsrc_window_check(struct zsrc *z)
{
	ZSTD_frameHeader fh;
	size_t need;

	for (;;) {
		need = ZSTD_getFrameHeader(&fh, (const uint8_t *)z->in.src +
		    z->in.pos, z->in.size - z->in.pos);
		if (ZSTD_isError(need))
			return 0;
		if (need == 0)
			break;
		if (z->in_eof)
			return 0;
		if (zsrc_refill(z) != 0)
			return -1;
	}
	if (fh.frameType == ZSTD_frame &&
	    fh.windowSize > (1ULL << BUNDLE_ZSTD_WINDOW_LOG_MAX))
		return zsrc_fail(z, "zstd frame needs a window larger than "
		    "2^%d bytes", BUNDLE_ZSTD_WINDOW_LOG_MAX);
	return 0;
}

/* At a frame boundary: the next bytes must start a zstd frame, or end. */
static int
zsrc_frame_start(struct zsrc *z)
{
	const uint8_t *p;
	uint32_t magic;

	while (z->in.size - z->in.pos < 4 && !z->in_eof)
		if (zsrc_refill(z) != 0)
			return -1;
	if (z->in.size == z->in.pos) {
		if (!z->started)
			return zsrc_fail(z, "empty input, not a zstd-compressed "
			    "bundle");
		z->ended = true;
		return 0;
	}
	if (z->in.size - z->in.pos < 4)
		return z->started ? zsrc_fail(z, "stray bytes after the last "
		    "zstd frame (compressed offset %llu)",
		    (unsigned long long)zsrc_in_offset(z)) :
		    zsrc_fail(z, "not a zstd-compressed bundle (only %zu bytes)",
		    z->in.size - z->in.pos);
	p = (const uint8_t *)z->in.src + z->in.pos;
	magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	if (magic == ZSTD_MAGICNUMBER) {
		if (zsrc_window_check(z) != 0)
			return -1;
		z->started = true;
		z->at_boundary = false;
		return 0;
	}
	if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START)
		return zsrc_fail(z, "zstd skippable frame at compressed offset "
		    "%llu (not allowed)", (unsigned long long)zsrc_in_offset(z));
	if (!z->started)
		return zsrc_fail(z, "not a zstd-compressed bundle (no zstd "
		    "magic number)");
	return zsrc_fail(z, "data after the last zstd frame (compressed "
	    "offset %llu)", (unsigned long long)zsrc_in_offset(z));
}

static int
zsrc_decompress(struct zsrc *z, ZSTD_outBuffer *o)
{
	size_t before = o->pos, ret;

	if (z->in.pos == z->in.size && !z->in_eof)
		return zsrc_refill(z);
	ret = ZSTD_decompressStream(z->dctx, o, &z->in);
	if (ZSTD_isError(ret)) {
		if (ZSTD_getErrorCode(ret) ==
		    ZSTD_error_frameParameter_windowTooLarge)
			return zsrc_fail(z, "zstd frame needs a window larger "
			    "than 2^%d bytes", BUNDLE_ZSTD_WINDOW_LOG_MAX);
		return zsrc_fail(z, "zstd: %s (compressed offset %llu)",
		    ZSTD_getErrorName(ret),
		    (unsigned long long)zsrc_in_offset(z));
	}
	if (ret == 0)
		z->at_boundary = true;
	else if (z->in.pos == z->in.size && z->in_eof && o->pos == before)
		return zsrc_fail(z, "truncated zstd frame (input ends at "
		    "%llu bytes)", (unsigned long long)zsrc_in_offset(z));
	return 0;
}

/*
 * One pass: decode the frame's blocks (zstd's bufferless API: one frame
 * header, block or checksum per call, straight into z->whole, which is
 * then the window) until want bytes are there; want == whole_len: to the
 * end of the frame. So no more than one block is decoded beyond what the
 * tar reader asked for, and nothing more before the manifest callback
 * accepted (bundle.h, MEMORY). -1: zstd refused the frame.
 */
int
zsrc_whole_decode(struct zsrc *z, size_t want)
{
	const uint8_t *src = z->in.src;
	size_t n, got;

	while (z->whole_done < want || (want == z->whole_len && !z->ended)) {
		if ((n = ZSTD_nextSrcSizeToDecompress(z->dctx)) == 0) {
			if (z->whole_done != z->whole_len)
				return -1;
			z->ended = true;
			break;
		}
		if (n > z->in.size - z->in.pos)
			return -1;
		got = ZSTD_decompressContinue(z->dctx, z->whole + z->whole_done,
		    z->whole_len - z->whole_done, src + z->in.pos, n);
		if (ZSTD_isError(got))
			return -1;
		z->in.pos += n;
		z->whole_done += got;
	}
	return 0;
}

/*
 * One pass failed: read the frame again by streaming from its start, past
 * the bytes handed out already (the same bytes: zstd decodes
 * deterministically), so that streaming says where and why it fails
 * (bundle.h, ONE PASS).
 */
int
zsrc_restream(struct zsrc *z)
{
	uint64_t left = z->produced;
	ZSTD_outBuffer o;

	z->whole = NULL;
	z->in.pos = 0;
	z->started = false;
	z->at_boundary = true;
	z->ended = false;
	if (ZSTD_isError(ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only)))
		return zsrc_fail(z, "zstd: cannot reset the context");
	while (left > 0) {
		o.dst = z->out;
		o.size = left < BUNDLE_CHUNK ? (size_t)left : BUNDLE_CHUNK;
		o.pos = 0;
		while (o.pos < o.size && !z->ended) {
			if (z->at_boundary) {
				if (zsrc_frame_start(z) != 0)
					return -1;
				continue;
			}
			if (zsrc_decompress(z, &o) != 0)
				return -1;
		}
		if (o.pos == 0)
			return zsrc_fail(z, "internal error: the frame decodes "
			    "shorter when streamed");
		left -= o.pos;
	}
	return 0;
}

/*
 * The next chunk of decompressed data: BUNDLE_CHUNK bytes, fewer only at
 * the end of the stream, *len == 0 at the end.
 */
int
zsrc_next(struct zsrc *z, const uint8_t **p, size_t *len)
{
	ZSTD_outBuffer o = { z->out, BUNDLE_CHUNK, 0 };
	const uint8_t *chunk = z->out;
	size_t want;

	if (z->failed)
		return -1;
	if (z->whole != NULL) {
		want = z->whole_len - (size_t)z->produced;
		if (want > BUNDLE_CHUNK)
			want = BUNDLE_CHUNK;
		if (zsrc_whole_decode(z, (size_t)z->produced + want) == 0) {
			chunk = z->whole + z->produced;
			o.pos = want;
		} else if (zsrc_restream(z) != 0) {
			return -1;
		}
	}
	while (z->whole == NULL && o.pos < o.size && !z->ended) {
		if (z->at_boundary) {
			if (zsrc_frame_start(z) != 0)
				return -1;
			continue;
		}
		if (zsrc_decompress(z, &o) != 0)
			return -1;
	}
	if (z->produced > z->limit || o.pos > z->limit - z->produced)
		return zsrc_fail(z, "decompresses to more than %llu bytes (%s)",
		    (unsigned long long)z->limit, z->limit_what);
	z->chunk = chunk;
	z->chunk_start = z->produced;
	z->chunk_len = o.pos;
	z->produced += o.pos;
	*p = chunk;
	*len = o.pos;
	return 0;
}

la_ssize_t
bundle_tar_read_cb(struct archive *a, void *arg, const void **buf)
{
	struct zsrc *z = arg;
	const uint8_t *p;
	size_t n;

	if (zsrc_next(z, &p, &n) != 0) {
		archive_set_error(a, EINVAL, "%s", z->err.msg);
		return -1;
	}
	*buf = p;
	return (la_ssize_t)n;
}

/* --- reading: one pass ------------------------------------------------------ */

struct bundle_scratch *
bundle_scratch_new(void)
{
	struct bundle_scratch *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->dctx = ZSTD_createDCtx()) == NULL ||
	    (s->chunk = malloc(BUNDLE_CHUNK)) == NULL ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(s->dctx, ZSTD_d_windowLogMax,
	    BUNDLE_ZSTD_WINDOW_LOG_MAX))) {
		bundle_scratch_free(s);
		return NULL;
	}
	return s;
}

void
bundle_scratch_free(struct bundle_scratch *s)
{
	if (s == NULL)
		return;
	ZSTD_freeDCtx(s->dctx);
	free(s->chunk);
	free(s->whole);
	free(s);
}

/*
 * Memory input that is exactly one zstd frame declaring a content size of
 * 1 to BUNDLE_ONESHOT_MAX bytes and a window within the limit: decode it
 * into sc->whole, a buffer of that size, as the tar reader asks for it
 * (zsrc_whole_decode) and serve that (bundle.h, ONE PASS). The buffer is
 * only reserved here: its pages cost memory as they are decoded into.
 * Anything else is left to streaming, and so is a frame that fails to
 * decompress (zsrc_restream), which reports exactly where it fails.
 */
void
zsrc_try_whole(struct zsrc *z, struct bundle_scratch *sc)
{
	const uint8_t *src = z->in.src;
	ZSTD_frameHeader fh;
	unsigned long long size;
	size_t len = z->in.size;
	uint8_t *nb;

	if (ZSTD_getFrameHeader(&fh, src, len) != 0 ||
	    fh.frameType != ZSTD_frame ||
	    fh.windowSize > (1ULL << BUNDLE_ZSTD_WINDOW_LOG_MAX))
		return;
	size = fh.frameContentSize;
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0 ||
	    size > BUNDLE_ONESHOT_MAX ||
	    ZSTD_findFrameCompressedSize(src, len) != len)
		return;
	if (sc->whole_cap < size) {
		if ((nb = realloc(sc->whole, (size_t)size)) == NULL)
			return;		/* streaming needs less memory */
		sc->whole = nb;
		sc->whole_cap = (size_t)size;
	}
	if (ZSTD_isError(ZSTD_decompressBegin(z->dctx))) {
		(void)ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only);
		return;
	}
	z->whole = sc->whole;
	z->whole_len = (size_t)size;
	z->whole_done = 0;
	z->started = true;
	z->at_boundary = false;
}
