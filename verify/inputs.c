/*
 * inputs.c - enumerating the bundles of dossier verify's arguments
 * (inputs.h): files, directories, tar, tar.gz and tar.zst archives read
 * entry by entry from their file descriptor, standard input (an archive or
 * a stream of concatenated bundles).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/fileio.h"
#include "verify/inputs.h"

#define INPUTS_PEEK		1024		/* bytes that tell kinds apart */
#define INPUTS_PEEK_ZSTD	(256u << 10)	/* to decode a first tar header */
#define INPUTS_CHUNK		(64u << 10)	/* read(2) size */
#define INPUTS_WHOLE_MAX	(16u << 20)	/* a regular file up to this
				 * size is read whole by its first fill, into
				 * a buffer of its size: no growing and
				 * copying (a 10k-record bundle is ~2 MiB) */

static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* An input stream: what was read ahead to tell its kind, then the fd. */
struct src {
	const char *label;
	int fd;
	uint8_t *buf;		/* read ahead (buf[0..len)), then a chunk */
	size_t len, cap, pos;
	bool eof;
	int err;		/* errno of a failed read */
	bool chunk_mode;	/* buf now serves libarchive's reads */
	ZSTD_DCtx *peek;	/* the walk's, for is_zstd_archive; may be NULL */
};

/* Read more into s->buf, up to want bytes in all. 0, or -1 (s->err). */
static int
src_fill(struct src *s, size_t want)
{
	uint8_t *nb;
	ssize_t n;

	if (s->eof)
		return 0;	/* nothing more: the buffer stays as it is */
	if (want > s->cap) {
		if ((nb = realloc(s->buf, want)) == NULL) {
			s->err = ENOMEM;
			return -1;
		}
		s->buf = nb;
		s->cap = want;
	}
	while (s->len < want && !s->eof) {
		n = read(s->fd, s->buf + s->len, want - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->err = errno;
			return -1;
		}
		if (n == 0)
			s->eof = true;
		s->len += (size_t)n;
	}
	return 0;
}

/* libarchive's read callback: the bytes read ahead first, then chunks. */
static la_ssize_t
src_read(struct archive *a, void *arg, const void **out)
{
	struct src *s = arg;
	size_t n;

	(void)a;
	if (s->pos < s->len) {
		*out = s->buf + s->pos;
		n = s->len - s->pos;
		s->pos = s->len;
		return (la_ssize_t)n;
	}
	s->pos = s->len = 0;
	if (s->eof)
		return 0;
	if (src_fill(s, s->cap > INPUTS_CHUNK ? s->cap : INPUTS_CHUNK) == -1) {
		archive_set_error(a, s->err, "%s", strerror(s->err));
		return -1;
	}
	*out = s->buf;
	s->pos = s->len;
	return (la_ssize_t)s->len;
}

static bool
is_tar(const uint8_t *buf, size_t len)
{
	return len >= 512 && memcmp(buf + 257, "ustar", 5) == 0;
}

static bool
is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

static bool
is_zstd(const uint8_t *buf, size_t len)
{
	return len >= 4 && memcmp(buf, zstd_magic, 4) == 0;
}

/*
 * A zstd stream is an archive of bundles unless its tar's first entry is
 * MANIFEST (then bundles); decode just the first tar header (zstd decodes
 * the block holding it: our writer ends one after the MANIFEST). The
 * walk's context is reused from file to file.
 */
static bool
is_zstd_archive(struct src *s)
{
	uint8_t hdr[512];
	ZSTD_DCtx *d = s->peek;
	ZSTD_inBuffer in;
	ZSTD_outBuffer out = { hdr, sizeof(hdr), 0 };
	size_t r;

	(void)src_fill(s, INPUTS_PEEK_ZSTD);
	if (d != NULL && ZSTD_isError(ZSTD_DCtx_reset(d,
	    ZSTD_reset_session_only)))
		return false;
	if (d == NULL && (d = ZSTD_createDCtx()) == NULL)
		return false;
	in.src = s->buf;
	in.size = s->len;
	in.pos = 0;
	do {
		r = ZSTD_decompressStream(d, &out, &in);
	} while (!ZSTD_isError(r) && out.pos < out.size && in.pos < in.size);
	if (d != s->peek)
		ZSTD_freeDCtx(d);
	if (out.pos < 100)
		return false;	/* judged as a bundle, which says why */
	/* An end-of-archive marker first (an empty tar: "a zstd frame of
	 * zeros") holds no bundle: judged as one, it is an unreadable
	 * result, not an archive that yields nothing. */
	for (r = 0; r < out.pos && hdr[r] == 0; r++)
		;
	if (r == out.pos)
		return false;
	return strncmp((const char *)hdr, BUNDLE_MANIFEST_NAME, 100) != 0;
}

static int
unreadable(input_fn fn, void *arg, const char *name, bool has_offset,
    uint64_t offset, const char *why, struct errbuf *e)
{
	struct input_item it;

	memset(&it, 0, sizeof(it));
	it.name = name;
	it.has_offset = has_offset;
	it.offset = offset;
	it.why = why;
	return fn(arg, &it, e);
}

/* A bundle's bytes; take (may be NULL): *take is data, malloc'd, and the
 * callback may keep it (inputs.h). */
static int
item(input_fn fn, void *arg, const char *name, bool has_offset,
    uint64_t offset, const uint8_t *data, size_t len, uint8_t **take,
    struct errbuf *e)
{
	struct input_item it;

	memset(&it, 0, sizeof(it));
	it.name = name;
	it.has_offset = has_offset;
	it.offset = offset;
	it.data = data;
	it.len = len;
	it.take = take;
	return fn(arg, &it, e);
}

/* Read one entry's data (size bytes) into *out. */
static int
entry_data(struct archive *a, int64_t size, uint8_t **out, char *why,
    size_t whylen)
{
	la_ssize_t got;

	*out = NULL;
	if (size < 0 || (uint64_t)size > INPUTS_ENTRY_MAX) {
		snprintf(why, whylen, "entry of %lld bytes (limit %zu)",
		    (long long)size, INPUTS_ENTRY_MAX);
		return -1;
	}
	if ((*out = malloc((size_t)size + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	got = size ? archive_read_data(a, *out, (size_t)size) : 0;
	if (got != (la_ssize_t)size) {
		snprintf(why, whylen, "entry data: %s", got < 0 ?
		    archive_error_string(a) : "short read");
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * An archive's decompressed stream: libarchive's gzip and zstd filters (or
 * none) under its raw format, block by block. The tar reader reads from
 * it (dstream_read), so that after the end-of-archive marker the rest of
 * the stream can be checked (archive_tail): libarchive's tar reader stops
 * at the marker and would drop whatever follows unseen.
 */
struct dstream {
	struct archive *outer;
	const uint8_t *blk;	/* the block handed to the tar reader last */
	size_t blk_len;
	uint64_t handed;	/* decompressed bytes handed to it */
};

static la_ssize_t
dstream_read(struct archive *a, void *arg, const void **out)
{
	struct dstream *d = arg;
	const void *p;
	size_t n;
	la_int64_t off;
	int r;

	r = archive_read_data_block(d->outer, &p, &n, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		archive_set_error(a, EINVAL, "%s",
		    archive_error_string(d->outer) ?
		    archive_error_string(d->outer) : "read error");
		return -1;
	}
	d->blk = p;
	d->blk_len = n;
	d->handed += n;
	*out = p;
	return (la_ssize_t)n;
}

static struct archive *
archive_open_src(struct src *s, struct dstream *d)
{
	struct archive *a;
	struct archive_entry *ent;

	memset(d, 0, sizeof(*d));
	if ((d->outer = archive_read_new()) == NULL)
		return NULL;
	if (archive_read_support_filter_zstd(d->outer) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(d->outer) != ARCHIVE_OK ||
	    archive_read_support_format_raw(d->outer) != ARCHIVE_OK ||
	    archive_read_open(d->outer, s, NULL, src_read, NULL) !=
	    ARCHIVE_OK || archive_read_next_header(d->outer, &ent) !=
	    ARCHIVE_OK) {
		archive_read_free(d->outer);
		d->outer = NULL;
		return NULL;
	}
	if ((a = archive_read_new()) == NULL)
		goto fail;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open(a, d, NULL, dstream_read, NULL) != ARCHIVE_OK) {
		archive_read_free(a);
		goto fail;
	}
	return a;
fail:
	archive_read_free(d->outer);
	d->outer = NULL;
	return NULL;
}

/*
 * After the end-of-archive marker: only zeros (tar record padding) to the
 * end of the stream. 0, or -1 with why (naming the decompressed offset)
 * and *at. Checked from the block the tar reader had last: the bytes it
 * consumed lie before.
 */
static int
archive_tail(struct archive *a, struct dstream *d, char *why, size_t whylen,
    uint64_t *at)
{
	uint64_t off = (uint64_t)archive_filter_bytes(a, 0), start;
	const void *p;
	size_t n, i;
	la_int64_t o;
	int r;

	start = d->handed - d->blk_len;
	if (off < start)
		off = start;
	for (;;) {
		for (i = (size_t)(off - start); i < d->blk_len; i++)
			if (d->blk[i] != 0) {
				*at = start + i;
				snprintf(why, whylen, "data after the end of the "
				    "archive (decompressed offset %llu): not "
				    "read", (unsigned long long)*at);
				return -1;
			}
		r = archive_read_data_block(d->outer, &p, &n, &o);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			*at = d->handed;
			snprintf(why, whylen, "damaged archive after its end: %s",
			    archive_error_string(d->outer) ?
			    archive_error_string(d->outer) : "read error");
			return -1;
		}
		start = off = d->handed;
		d->blk = p;
		d->blk_len = n;
		d->handed += n;
	}
}

/* One archive entry: a bundle, skipped, or unreadable. 1: stop the walk
 * of this archive (its data cannot be skipped). */
static int
walk_entry(struct archive *a, struct archive_entry *ent, const char *label,
    int64_t pos, bool *any, input_fn fn, void *arg, struct errbuf *e)
{
	char name[INPUTS_NAME_MAX + 1], why[ERRBUF_MAX];
	const char *p = archive_entry_pathname(ent);
	uint8_t *data;
	int rc;

	snprintf(name, sizeof(name), "%s: %s", label, p ? p : "?");
	if (archive_entry_filetype(ent) == AE_IFDIR)
		return 0;
	*any = true;
	if (archive_entry_filetype(ent) != AE_IFREG)
		return unreadable(fn, arg, name, true, (uint64_t)pos,
		    "not a regular file", e);
	if (entry_data(a, archive_entry_size(ent), &data, why,
	    sizeof(why)) == -1)
		return unreadable(fn, arg, name, true, (uint64_t)pos, why, e);
	rc = item(fn, arg, name, true, (uint64_t)pos, data,
	    (size_t)archive_entry_size(ent), &data, e);
	free(data);
	return rc;
}

/*
 * The entries of an archive, then: an archive that held no bundle, or
 * data after its end-of-archive marker, is an unreadable item of its own
 * (never silence).
 */
static int
walk_archive(struct src *s, input_fn fn, void *arg, struct errbuf *e)
{
	struct archive *a;
	struct archive_entry *ent;
	struct dstream d;
	char why[ERRBUF_MAX];
	uint64_t at;
	int64_t pos;
	bool any = false;
	int r, rc = 0;

	if ((a = archive_open_src(s, &d)) == NULL)
		return unreadable(fn, arg, s->label, false, 0, "cannot open the "
		    "archive", e);
	for (;;) {
		pos = archive_read_header_position(a);
		if ((r = archive_read_next_header(a, &ent)) == ARCHIVE_EOF) {
			if (archive_tail(a, &d, why, sizeof(why), &at) == -1)
				rc = unreadable(fn, arg, s->label, true, at, why,
				    e);
			else if (!any)
				rc = unreadable(fn, arg, s->label, false, 0,
				    "an archive with no bundle in it", e);
			break;
		}
		if (r != ARCHIVE_OK) {
			snprintf(why, sizeof(why), "damaged archive: %s",
			    archive_error_string(a) ? archive_error_string(a) :
			    "unreadable header");
			rc = unreadable(fn, arg, s->label, true, (uint64_t)pos,
			    why, e);
			break;
		}
		pos = archive_read_header_position(a);
		if ((rc = walk_entry(a, ent, s->label, pos, &any, fn, arg,
		    e)) != 0)
			break;
	}
	archive_read_free(a);
	archive_read_free(d.outer);
	return rc;
}

/* ---- a stream of concatenated bundles ------------------------------------ */

/* Where a tar stream is: its end-of-archive marker found yet? */
struct tar_track {
	uint8_t blk[512];
	size_t have;
	uint64_t skip;		/* data bytes (padded) still to pass */
	unsigned zeros;		/* zero blocks in a row */
	bool ended;
};

static uint64_t
tar_size(const uint8_t *h)
{
	uint64_t v = 0;
	size_t i;

	if (h[124] & 0x80)
		return UINT64_MAX / 2;	/* base-256: not ours; the reader says */
	for (i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(h[i] - '0');
	return v;
}

static void
tar_feed(struct tar_track *t, const uint8_t *p, size_t n)
{
	size_t k, i;

	while (n > 0 && !t->ended) {
		if (t->skip > 0) {
			k = t->skip < n ? (size_t)t->skip : n;
			t->skip -= k;
			p += k;
			n -= k;
			continue;
		}
		k = sizeof(t->blk) - t->have < n ? sizeof(t->blk) - t->have : n;
		memcpy(t->blk + t->have, p, k);
		t->have += k;
		p += k;
		n -= k;
		if (t->have < sizeof(t->blk))
			continue;
		t->have = 0;
		for (i = 0; i < sizeof(t->blk) && t->blk[i] == 0; i++)
			;
		if (i == sizeof(t->blk)) {
			t->ended = ++t->zeros == 2;
			continue;
		}
		t->zeros = 0;
		t->skip = (tar_size(t->blk) + 511) / 512 * 512;
	}
}

/* Decompress one whole frame into the tracker. -1: not a valid frame. */
static int
frame_feed(ZSTD_DCtx *d, struct tar_track *t, const uint8_t *f, size_t n,
    uint64_t *total)
{
	uint8_t out[16384];
	ZSTD_inBuffer in = { f, n, 0 };
	ZSTD_outBuffer o;
	size_t r;

	ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
	do {
		o.dst = out;
		o.size = sizeof(out);
		o.pos = 0;
		r = ZSTD_decompressStream(d, &o, &in);
		if (ZSTD_isError(r))
			return -1;
		tar_feed(t, out, o.pos);
		*total += o.pos;
		if (*total > (uint64_t)BUNDLE_CONTENT_MAX + (16u << 20))
			return -1;
	} while (r != 0 && (in.pos < in.size || o.pos == o.size));
	return r == 0 ? 0 : -1;
}

/* Drop buf[0..n): the bytes of a bundle handed out. */
static void
src_consume(struct src *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
}

/*
 * The frame f[0..n) starts with a ustar header named MANIFEST: a bundle
 * starts there (bundle.h: the writer ends a zstd block after the MANIFEST
 * entry, so this decodes about 1.5 KiB).
 */
static bool
frame_starts_bundle(ZSTD_DCtx *d, const uint8_t *f, size_t n)
{
	uint8_t hdr[512];
	ZSTD_inBuffer in = { f, n, 0 };
	ZSTD_outBuffer out = { hdr, sizeof(hdr), 0 };
	size_t r;

	if (ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_only)))
		return false;
	do {
		r = ZSTD_decompressStream(d, &out, &in);
	} while (!ZSTD_isError(r) && out.pos < out.size && in.pos < in.size);
	return out.pos == out.size && memcmp(hdr + 257, "ustar", 5) == 0 &&
	    strncmp((const char *)hdr, BUNDLE_MANIFEST_NAME, 100) == 0;
}

/* The offset of the first zstd magic number in p[from..len), or len. */
static size_t
find_magic(const uint8_t *p, size_t len, size_t from)
{
	size_t i;

	for (i = from; i + 4 <= len; i++)
		if (p[i] == zstd_magic[0] && memcmp(p + i, zstd_magic, 4) == 0)
			return i;
	return len;
}

/* What next_bundle() found at the head of s->buf. */
enum piece {
	PIECE_END,		/* nothing left */
	PIECE_BUNDLE,		/* *blen bytes of zstd frames: a bundle */
	PIECE_JUNK,		/* *blen bytes that are no zstd frame */
	PIECE_ERROR,		/* a read error (why) */
};

/*
 * Bytes that are no zstd frame, from s->buf[0] (at least one byte) up to
 * the next zstd magic number or the end: consumed here, chunk by chunk,
 * so that memory stays bounded however long they run; *n gets how many.
 * -1 on a read error.
 */
static int
skip_junk(struct src *s, uint64_t *n)
{
	size_t from = 1, i, keep;

	*n = 0;
	for (;;) {
		if ((i = find_magic(s->buf, s->len, from)) < s->len) {
			src_consume(s, i);
			*n += i;
			return 0;
		}
		keep = s->eof ? 0 : s->len < 3 ? s->len : 3;
		*n += s->len - keep;
		src_consume(s, s->len - keep);
		if (s->eof)
			return 0;
		if (src_fill(s, INPUTS_CHUNK) == -1)
			return -1;
		if (s->eof && s->len == keep) {
			*n += s->len;
			src_consume(s, s->len);
			return 0;
		}
		from = 0;
	}
}

/*
 * Does the zstd frame at s->buf + pos decode to nothing but zeros, with
 * *trail zeros before it at most BUNDLE_TRAILER_MAX? Then it is tar record
 * padding in a frame of its own, which the bundle before it may carry
 * (bundle.h, rules 1 and 2), not an empty archive in front of the next.
 * Its first bytes tell most frames apart (a bundle starts with its
 * MANIFEST header); only a frame that starts with zeros is read whole, up
 * to BUNDLE_TRAILER_MAX compressed bytes. Its size if so (*trail grows),
 * 0 if not, -1 on a read error.
 */
static long
zero_frame(struct src *s, ZSTD_DCtx *d, size_t pos, uint64_t *trail)
{
	uint8_t out[4096];
	ZSTD_inBuffer in;
	ZSTD_outBuffer o;
	uint64_t zeros = 0;
	size_t fs, r, i;
	bool whole = false;

	for (;;) {
		if (s->len - pos < 4 && !s->eof) {
			if (src_fill(s, s->len + INPUTS_CHUNK) == -1)
				return -1;
			continue;
		}
		if (s->len - pos < 4 || !is_zstd(s->buf + pos, 4))
			return 0;
		fs = ZSTD_findFrameCompressedSize(s->buf + pos, s->len - pos);
		whole = !ZSTD_isError(fs);
		if (ZSTD_isError(fs) && (s->eof ||
		    ZSTD_getErrorCode(fs) != ZSTD_error_srcSize_wrong ||
		    s->len - pos > BUNDLE_TRAILER_MAX))
			return 0;
		/* what is there of it: all zeros so far? */
		if (ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_only)))
			return 0;
		in.src = s->buf + pos;
		in.size = whole ? fs : s->len - pos;
		in.pos = 0;
		zeros = 0;
		do {
			o.dst = out;
			o.size = sizeof(out);
			o.pos = 0;
			r = ZSTD_decompressStream(d, &o, &in);
			if (ZSTD_isError(r))
				return 0;
			for (i = 0; i < o.pos; i++)
				if (out[i] != 0)
					return 0;
			zeros += o.pos;
			if (*trail + zeros > BUNDLE_TRAILER_MAX)
				return 0;
		} while (r != 0 && (in.pos < in.size || o.pos == o.size));
		if (whole)
			break;
		if (src_fill(s, s->len + INPUTS_CHUNK) == -1)
			return -1;
	}
	if (r != 0)
		return 0;	/* cut short: the judge says so */
	*trail += zeros;
	return (long)fs;
}

/*
 * The next bundle of the stream at s->buf: its zstd frames up to the one
 * in which its tar reaches its end-of-archive marker (and frames of zeros
 * right after it: zero_frame()). A bundle also ends
 * (resynchronisation, so that a bad bundle never swallows the next one)
 * before a frame that starts with a MANIFEST header, before bytes that
 * are no zstd frame, and at a frame zstd refuses; the judge then says
 * what is wrong with it. A frame larger than INPUTS_ENTRY_MAX is junk.
 */
static enum piece
next_bundle(struct src *s, ZSTD_DCtx *d, size_t *blen, char *why,
    size_t whylen)
{
	struct tar_track t;
	uint64_t total = 0, trail = 0;
	size_t pos = 0, fs;
	long r;

	memset(&t, 0, sizeof(t));
	*blen = 0;
	for (;;) {
		if (s->len - pos < 4 && !s->eof) {
			if (src_fill(s, s->len + INPUTS_CHUNK) == -1)
				goto read_error;
			continue;
		}
		if (pos == s->len)
			break;
		if (s->len - pos < 4 || !is_zstd(s->buf + pos, 4)) {
			if (pos > 0)
				break;
			return PIECE_JUNK;
		}
		fs = ZSTD_findFrameCompressedSize(s->buf + pos, s->len - pos);
		if (ZSTD_isError(fs) &&
		    ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong &&
		    !s->eof && s->len - pos < INPUTS_ENTRY_MAX) {
			if (src_fill(s, s->len + INPUTS_CHUNK) == -1)
				goto read_error;
			continue;
		}
		if (ZSTD_isError(fs) && s->eof &&
		    ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong) {
			pos = s->len;	/* truncated: the judge says so */
			break;
		}
		if (ZSTD_isError(fs)) {	/* a damaged or oversized frame */
			if (pos > 0)
				break;
			return PIECE_JUNK;
		}
		if (pos > 0 && frame_starts_bundle(d, s->buf + pos, fs))
			break;
		if (frame_feed(d, &t, s->buf + pos, fs, &total) == -1) {
			pos += fs;	/* the judge says what is wrong */
			break;
		}
		pos += fs;
		if (t.ended) {
			while ((r = zero_frame(s, d, pos, &trail)) > 0)
				pos += (size_t)r;
			if (r < 0)
				goto read_error;
			break;
		}
	}
	*blen = pos;
	return pos > 0 ? PIECE_BUNDLE : PIECE_END;
read_error:
	snprintf(why, whylen, "%s", strerror(s->err));
	return PIECE_ERROR;
}

/*
 * A stream of concatenated bundles: items "LABEL: N" with their offsets,
 * junk between them an unreadable item of its own. whole: s holds a whole
 * file already; if it is one bundle, it is named LABEL alone and handed
 * over (take) as one_bundle() does.
 */
static int
walk_bundles(struct src *s, bool whole, input_fn fn, void *arg,
    struct errbuf *e)
{
	char name[INPUTS_NAME_MAX + 1], why[ERRBUF_MAX];
	ZSTD_DCtx *d;
	uint64_t off = 0, n = 0, skipped;
	enum piece pc;
	size_t blen;
	int rc = 0;

	if ((d = ZSTD_createDCtx()) == NULL)
		return err_set(e, "out of memory");
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
	    BUNDLE_ZSTD_WINDOW_LOG_MAX);
	for (;;) {
		pc = next_bundle(s, d, &blen, why, sizeof(why));
		if (pc == PIECE_END && n == 0)	/* nothing at all */
			rc = unreadable(fn, arg, s->label, false, 0, "empty "
			    "input, not a bundle", e);
		if (pc == PIECE_END)
			break;
		if (whole && n == 0 && pc == PIECE_BUNDLE && blen == s->len) {
			rc = item(fn, arg, s->label, false, 0, s->buf, blen,
			    &s->buf, e);
			break;
		}
		snprintf(name, sizeof(name), "%s: %llu", s->label,
		    (unsigned long long)++n);
		if (pc == PIECE_ERROR) {
			rc = unreadable(fn, arg, name, true, off, why, e);
			break;
		}
		if (pc == PIECE_JUNK) {
			if (skip_junk(s, &skipped) == -1) {
				snprintf(why, sizeof(why), "%s", strerror(s->err));
				rc = unreadable(fn, arg, name, true, off, why, e);
				break;
			}
			snprintf(why, sizeof(why), "not a zstd frame: %llu "
			    "bytes skipped up to %s", (unsigned long long)skipped,
			    s->len > 0 ? "the next zstd frame" : "the end");
			rc = unreadable(fn, arg, name, true, off, why, e);
			off += skipped;
		} else {
			rc = item(fn, arg, name, true, off, s->buf, blen, NULL,
			    e);
			off += blen;
			src_consume(s, blen);
		}
		if (rc == -1)
			break;
	}
	ZSTD_freeDCtx(d);
	return rc;
}

/* ---- one input ----------------------------------------------------------- */

/*
 * A whole file (or stream) as one bundle, bounded; zstd frames that are
 * not exactly one frame (as our writer makes) may hold several bundles or
 * junk and are walked as a stream (walk_bundles).
 */
static int
one_bundle(struct src *s, input_fn fn, void *arg, struct errbuf *e)
{
	char why[ERRBUF_MAX];

	while (!s->eof) {
		if (s->len >= INPUTS_FILE_MAX) {
			snprintf(why, sizeof(why), "larger than %zu bytes",
			    INPUTS_FILE_MAX);
			return unreadable(fn, arg, s->label, false, 0, why, e);
		}
		if (src_fill(s, s->len + INPUTS_CHUNK > INPUTS_FILE_MAX ?
		    INPUTS_FILE_MAX : s->len + INPUTS_CHUNK * 16) == -1)
			return unreadable(fn, arg, s->label, false, 0,
			    strerror(s->err), e);
	}
	/* junk before a zstd frame is skipped to it, as on standard input */
	if (is_zstd(s->buf, s->len) ?
	    ZSTD_findFrameCompressedSize(s->buf, s->len) != s->len :
	    find_magic(s->buf, s->len, 0) < s->len)
		return walk_bundles(s, true, fn, arg, e);
	return item(fn, arg, s->label, false, 0, s->buf, s->len, &s->buf, e);
}

/*
 * size: of a regular file, 0 if unknown. Up to INPUTS_WHOLE_MAX the first
 * fill reads it whole (and on to the end, should it have grown).
 */
static int
do_stream(const char *label, int fd, size_t size, bool is_stdin,
    ZSTD_DCtx *peek, input_fn fn, void *arg, struct errbuf *e)
{
	struct src s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.label = label;
	s.fd = fd;
	s.peek = peek;
	if (src_fill(&s, size > 0 && size <= INPUTS_WHOLE_MAX ? size + 1 :
	    INPUTS_PEEK) == -1)
		rc = unreadable(fn, arg, label, false, 0, strerror(s.err), e);
	else if (is_tar(s.buf, s.len) || is_gzip(s.buf, s.len) ||
	    (is_zstd(s.buf, s.len) && is_zstd_archive(&s)))
		rc = walk_archive(&s, fn, arg, e);
	else if (is_stdin)
		rc = walk_bundles(&s, false, fn, arg, e);
	else
		rc = one_bundle(&s, fn, arg, e);
	free(s.buf);
	return rc;
}

static int
do_file(const char *path, ZSTD_DCtx *peek, input_fn fn, void *arg,
    struct errbuf *e)
{
	char why[ERRBUF_MAX];
	struct stat sb;
	size_t size = 0;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return do_stream("-", STDIN_FILENO, 0, true, peek, fn, arg, e);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
		return unreadable(fn, arg, path, false, 0, why, e);
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uintmax_t)sb.st_size <= INPUTS_WHOLE_MAX)
		size = (size_t)sb.st_size;
	rc = do_stream(path, fd, size, false, peek, fn, arg, e);
	close(fd);
	return rc;
}

static int
skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
do_dir(const char *path, unsigned depth, ZSTD_DCtx *peek, input_fn fn,
    void *arg,
    struct errbuf *e)
{
	struct dirent **names;
	struct stat sb;
	char sub[4096];
	int n, i, rc = 0;

	if (depth > INPUTS_DEPTH_MAX)
		return err_set(e, "%s: directories nested deeper than %d",
		    path, INPUTS_DEPTH_MAX);
	if ((n = scandir(path, &names, skip_dot, alphasort)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
			    path[strlen(path) - 1] == '/' ? "" : "/",
			    names[i]->d_name);
			if (lstat(sub, &sb) == -1)
				rc = err_set(e, "%s: %s", sub, strerror(errno));
			else if (S_ISDIR(sb.st_mode))
				rc = do_dir(sub, depth + 1, peek, fn, arg,
				    e);
			else if (S_ISREG(sb.st_mode))
				rc = do_file(sub, peek, fn, arg, e);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static uint64_t
count_dir(const char *path, unsigned depth)
{
	struct dirent **names;
	struct stat sb;
	char sub[4096];
	uint64_t total = 0;
	int n, i;

	if (depth > INPUTS_DEPTH_MAX ||
	    (n = scandir(path, &names, skip_dot, alphasort)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", names[i]->d_name);
		if (lstat(sub, &sb) == 0)
			total += S_ISDIR(sb.st_mode) ? count_dir(sub,
			    depth + 1) : S_ISREG(sb.st_mode) ? 1 : 0;
		free(names[i]);
	}
	free(names);
	return total;
}

uint64_t
inputs_count(char *const *args, size_t n)
{
	struct stat sb;
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(args[i], "-") == 0)
			return 0;
		if (stat(args[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			total += count_dir(args[i], 0);
		else
			total++;
	}
	return total;
}

int
inputs_check(char *const *args, size_t n, struct errbuf *e)
{
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(args[i], "-") == 0)
			continue;
		if (args[i][0] == '\0')
			return err_set(e, "an empty input name");
		if (lstat(args[i], &sb) == -1)
			return err_set(e, "%s: %s", args[i], strerror(errno));
	}
	return 0;
}

int
inputs_foreach(char *const *args, size_t n, input_fn fn, void *arg,
    struct errbuf *e)
{
	struct stat sb;
	ZSTD_DCtx *peek;	/* NULL (out of memory): one per file */
	size_t i;
	int rc = 0;

	peek = ZSTD_createDCtx();
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(args[i], "-") == 0)
			rc = do_file("-", peek, fn, arg, e);
		else if (stat(args[i], &sb) == -1)
			rc = err_set(e, "%s: %s", args[i], strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = do_dir(args[i], 0, peek, fn, arg, e);
		else
			rc = do_file(args[i], peek, fn, arg, e);
	}
	ZSTD_freeDCtx(peek);
	return rc == 0 ? 0 : -1;
}
