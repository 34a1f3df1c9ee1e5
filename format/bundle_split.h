/*
 * bundle_split.h - finding where each bundle ends in a stream of
 * concatenated bundles (dossier verify's standard input, a file that is
 * not exactly one zstd frame), with junk between them, without trusting
 * any of it: the pieces are then judged one by one with format/bundle.h,
 * which says what is wrong with a bad one.
 *
 * A bundle is its zstd frames up to the one in which its tar reaches its
 * end-of-archive marker (format/tar_entry.h, tar_track), and frames that
 * decode to nothing but zeros right after it (tar record padding in a
 * frame of its own: bundle.h rules 1 and 2, at most BUNDLE_TRAILER_MAX
 * zeros). A bundle also ends, so that a bad bundle never swallows the next
 * one: before a frame that starts with a MANIFEST header (bundle_sniff.h),
 * before bytes that are no zstd frame, at a frame zstd refuses, and at
 * the end of the input (a truncated frame included). A frame over the
 * caller's frame_max bytes is junk, and so are bytes that are no zstd
 * frame where a bundle would start.
 *
 * MEMORY. The splitter keeps one zstd decompression context (window at
 * most 2^BUNDLE_ZSTD_WINDOW_LOG_MAX) and decodes into a 16 KiB buffer on
 * the stack; the decompressed size of one bundle is bounded by
 * BUNDLE_CONTENT_MAX plus 16 MiB (beyond it the bundle ends there). The
 * caller's buffer grows by what it reads: the splitter only asks for more
 * (BUNDLE_SPLIT_MORE) while a frame is incomplete and under frame_max.
 *
 * USE. Call bundle_split_next() with the bytes not yet handed out,
 * buf[0..len), and eof when nothing more will come. On
 * BUNDLE_SPLIT_MORE, read more, append it (the buffer may move; the
 * splitter keeps offsets, never pointers) and call again with the same
 * start. On BUNDLE_SPLIT_BUNDLE, buf[0..*blen) is a bundle; on
 * BUNDLE_SPLIT_JUNK, buf[0] starts junk (the caller skips it to the next
 * zstd magic, bundle_sniff.h); either way the caller drops those bytes and
 * the next call starts a new piece. BUNDLE_SPLIT_END: nothing is left.
 * After a read error, bundle_split_reset() before reusing the splitter.
 */
#ifndef DOSSIER_BUNDLE_SPLIT_H
#define DOSSIER_BUNDLE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bundle_split_piece {
	BUNDLE_SPLIT_END,	/* nothing left */
	BUNDLE_SPLIT_BUNDLE,	/* buf[0..*blen): a bundle's frames */
	BUNDLE_SPLIT_JUNK,	/* buf[0] is no zstd frame (or one too large) */
	BUNDLE_SPLIT_MORE,	/* more input needed (never when eof) */
};

struct bundle_split;

/* A splitter refusing frames over frame_max bytes; NULL when out of
 * memory. bundle_split_free(NULL) does nothing. */
struct bundle_split *bundle_split_new(size_t frame_max);
void bundle_split_free(struct bundle_split *sp);
void bundle_split_reset(struct bundle_split *sp);

enum bundle_split_piece bundle_split_next(struct bundle_split *sp,
    const uint8_t *buf, size_t len, bool eof, size_t *blen);

#endif
