/* bundle_split.c - see bundle_split.h. */
#include "format/bundle_split.h"

#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "format/bundle.h"
#include "format/bundle_sniff.h"
#include "format/tar_entry.h"

/* Decompressed bytes one bundle may take before the splitter ends it. */
#define SPLIT_DECODED_MAX	((uint64_t)BUNDLE_CONTENT_MAX + (16u << 20))

struct bundle_split {
	ZSTD_DCtx *d;
	size_t frame_max;
	/* the piece being found */
	size_t pos;		/* its frames so far: buf[0..pos) */
	struct tar_track t;	/* where its tar is */
	uint64_t total;		/* decompressed bytes of it */
	uint64_t trail;		/* zeros in frames after its end marker */
};

/* What a step of the search says. */
enum step { STEP_MORE, STEP_STOP, STEP_JUNK, STEP_ENDED };

struct bundle_split *
bundle_split_new(size_t frame_max)
{
	struct bundle_split *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	if ((sp->d = ZSTD_createDCtx()) == NULL) {
		free(sp);
		return NULL;
	}
	(void)ZSTD_DCtx_setParameter(sp->d, ZSTD_d_windowLogMax,
	    BUNDLE_ZSTD_WINDOW_LOG_MAX);
	sp->frame_max = frame_max;
	return sp;
}

void
bundle_split_free(struct bundle_split *sp)
{
	if (sp == NULL)
		return;
	ZSTD_freeDCtx(sp->d);
	free(sp);
}

void
bundle_split_reset(struct bundle_split *sp)
{
	sp->pos = 0;
	memset(&sp->t, 0, sizeof(sp->t));
	sp->total = 0;
	sp->trail = 0;
}

/*
 * Decode f[0..n) (a frame, or the start of one) from the beginning,
 * handing every piece to sink, which returns -1 to stop. 0: the frame
 * ended; 1: f ends before the frame does; -1: zstd refused it or the sink
 * stopped.
 */
static int
decode(struct bundle_split *sp, const uint8_t *f, size_t n,
    int (*sink)(struct bundle_split *, const uint8_t *, size_t, void *),
    void *arg)
{
	uint8_t out[16384];
	ZSTD_inBuffer in = { f, n, 0 };
	ZSTD_outBuffer o;
	size_t r;

	if (ZSTD_isError(ZSTD_DCtx_reset(sp->d, ZSTD_reset_session_only)))
		return -1;
	do {
		o.dst = out;
		o.size = sizeof(out);
		o.pos = 0;
		r = ZSTD_decompressStream(sp->d, &o, &in);
		if (ZSTD_isError(r) || sink(sp, out, o.pos, arg) == -1)
			return -1;
	} while (r != 0 && (in.pos < in.size || o.pos == o.size));
	return r == 0 ? 0 : 1;
}

/* decode() into the tracker, within SPLIT_DECODED_MAX. */
static int
track_sink(struct bundle_split *sp, const uint8_t *p, size_t n, void *arg)
{
	(void)arg;
	tar_track_feed(&sp->t, p, n);
	sp->total += n;
	return sp->total > SPLIT_DECODED_MAX ? -1 : 0;
}

/* decode() of zeros only, counted in *(uint64_t *)arg, within what is
 * left of BUNDLE_TRAILER_MAX. */
static int
zero_sink(struct bundle_split *sp, const uint8_t *p, size_t n, void *arg)
{
	uint64_t *zeros = arg;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return -1;
	*zeros += n;
	return sp->trail + *zeros > BUNDLE_TRAILER_MAX ? -1 : 0;
}

/* Decode one whole frame into the tracker. -1: not a valid frame. */
static int
frame_feed(struct bundle_split *sp, const uint8_t *f, size_t n)
{
	return decode(sp, f, n, track_sink, NULL) == 0 ? 0 : -1;
}

/* The frame f[0..n) starts with a ustar header named MANIFEST: a bundle
 * starts there. */
static bool
frame_starts_bundle(ZSTD_DCtx *d, const uint8_t *f, size_t n)
{
	uint8_t hdr[SNIFF_TAR_BLOCK];

	return sniff_zstd_first_block(d, f, n, hdr) == sizeof(hdr) &&
	    sniff_header_is_manifest(hdr);
}

/*
 * The frames of the piece up to the one in which its tar ends (STEP_ENDED,
 * sp->pos after it), or to where it ends otherwise (STEP_STOP); STEP_JUNK
 * when the piece is no zstd frame; STEP_MORE to be called again with more.
 */
static enum step
scan_frames(struct bundle_split *sp, const uint8_t *buf, size_t len,
    bool eof)
{
	size_t fs;

	for (;;) {
		if (len - sp->pos < 4 && !eof)
			return STEP_MORE;
		if (sp->pos == len)
			return STEP_STOP;
		if (len - sp->pos < 4 || !sniff_is_zstd(buf + sp->pos, 4))
			return sp->pos > 0 ? STEP_STOP : STEP_JUNK;
		fs = ZSTD_findFrameCompressedSize(buf + sp->pos, len - sp->pos);
		if (ZSTD_isError(fs) &&
		    ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong &&
		    !eof && len - sp->pos < sp->frame_max)
			return STEP_MORE;
		if (ZSTD_isError(fs) && eof &&
		    ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong) {
			sp->pos = len;	/* truncated: the judge says so */
			return STEP_STOP;
		}
		if (ZSTD_isError(fs))	/* a damaged or oversized frame */
			return sp->pos > 0 ? STEP_STOP : STEP_JUNK;
		if (sp->pos > 0 && frame_starts_bundle(sp->d, buf + sp->pos, fs))
			return STEP_STOP;
		if (frame_feed(sp, buf + sp->pos, fs) == -1) {
			sp->pos += fs;	/* the judge says what is wrong */
			return STEP_STOP;
		}
		sp->pos += fs;
		if (sp->t.ended)
			return STEP_ENDED;
	}
}

/*
 * Does the zstd frame at buf + pos decode to nothing but zeros, with
 * sp->trail zeros before it at most BUNDLE_TRAILER_MAX? Then it is tar
 * record padding in a frame of its own, which the bundle before it may
 * carry, not an empty archive in front of the next. Its first bytes tell
 * most frames apart (a bundle starts with its MANIFEST header); only a
 * frame that starts with zeros is read whole, up to BUNDLE_TRAILER_MAX
 * compressed bytes. Its size if so (sp->trail grows), 0 if not, -1 for
 * more input.
 */
static long
zero_frame(struct bundle_split *sp, const uint8_t *buf, size_t len,
    bool eof)
{
	uint64_t zeros = 0;
	size_t pos = sp->pos, fs;
	bool whole;
	int rc;

	if (len - pos < 4 && !eof)
		return -1;
	if (len - pos < 4 || !sniff_is_zstd(buf + pos, 4))
		return 0;
	fs = ZSTD_findFrameCompressedSize(buf + pos, len - pos);
	whole = !ZSTD_isError(fs);
	if (ZSTD_isError(fs) && (eof ||
	    ZSTD_getErrorCode(fs) != ZSTD_error_srcSize_wrong ||
	    len - pos > BUNDLE_TRAILER_MAX))
		return 0;
	/* what is there of it: all zeros so far? */
	rc = decode(sp, buf + pos, whole ? fs : len - pos, zero_sink, &zeros);
	if (rc == -1)
		return 0;
	if (!whole)
		return -1;
	if (rc != 0)
		return 0;	/* cut short: the judge says so */
	sp->trail += zeros;
	return (long)fs;
}

enum bundle_split_piece
bundle_split_next(struct bundle_split *sp, const uint8_t *buf, size_t len,
    bool eof, size_t *blen)
{
	long r;

	*blen = 0;
	if (!sp->t.ended) {
		switch (scan_frames(sp, buf, len, eof)) {
		case STEP_MORE:
			return BUNDLE_SPLIT_MORE;
		case STEP_JUNK:
			bundle_split_reset(sp);
			return BUNDLE_SPLIT_JUNK;
		case STEP_STOP:
			goto done;
		case STEP_ENDED:
			break;
		}
	}
	while ((r = zero_frame(sp, buf, len, eof)) > 0)
		sp->pos += (size_t)r;
	if (r < 0)
		return BUNDLE_SPLIT_MORE;
done:
	*blen = sp->pos;
	bundle_split_reset(sp);
	return *blen > 0 ? BUNDLE_SPLIT_BUNDLE : BUNDLE_SPLIT_END;
}
