/*
 * bundle.c - see bundle.h.
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
#include "format/bundle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
/* For ZSTD_getFrameHeader(): the frame's window before decoding it. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"

#define TAR_BLOCK	512u
#define TAR_END		(2 * TAR_BLOCK)

static uint64_t
tar_padded(uint64_t n)
{
	return (n + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

/* Bytes one ustar entry of len data bytes takes in the tar stream. */
static uint64_t
tar_entry_bytes(uint64_t len)
{
	return TAR_BLOCK + tar_padded(len);
}

/* --- names ----------------------------------------------------------------- */

/* Render an untrusted name for a message: printable ASCII kept, the rest
 * (and ' " \) as \xHH, at most 64 input bytes, "..." if cut. */
static void
show_name(const char *raw, char out[BUNDLE_SHOWN_NAME_MAX + 1])
{
	size_t len = raw == NULL ? 0 : strlen(raw);

	/* the first 64 bytes, escaped (format/escape.h), then "..." */
	esc_text(raw == NULL ? "" : raw, len > 64 ? 64 : len,
	    ESC_FIELD | ESC_QUOTES, out, BUNDLE_SHOWN_NAME_MAX + 1);
	if (len > 64)
		strcat(out, "...");
}

int
bundle_member_name_check(const char *name, struct errbuf *e)
{
	size_t i, len = strlen(name);

	if (len == 0)
		return err_set(e, "empty member name");
	if (len > BUNDLE_MEMBER_NAME_MAX)
		return err_set(e, "member name longer than %d characters",
		    BUNDLE_MEMBER_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, "member name starts with '%c'", name[0]);
	for (i = 0; i < len; i++) {
		char c = name[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			continue;
		if (c == '/')
			return err_set(e, "member name contains '/'");
		return err_set(e, "member name contains a character outside "
		    "[a-z0-9._-]");
	}
	return 0;
}

int
bundle_media_type_check(const char *mt, struct errbuf *e)
{
	size_t i, len = strnlen(mt, BUNDLE_MEDIA_TYPE_MAX + 1);

	if (len == 0 || len > BUNDLE_MEDIA_TYPE_MAX)
		return err_set(e, "media type must be 1 to %d characters",
		    BUNDLE_MEDIA_TYPE_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)mt[i] < 0x20 || (unsigned char)mt[i] > 0x7e)
			return err_set(e, "media type is not printable ASCII");
	return 0;
}

/* Names valid and distinct, count and sizes within limits. */
static int
check_inputs(const struct bundle_input *in, size_t n, struct errbuf *e)
{
	uint64_t total = 0;
	size_t i, j;

	if (n > BUNDLE_MEMBERS_MAX)
		return err_set(e, "%zu members, more than the limit of %d", n,
		    BUNDLE_MEMBERS_MAX);
	for (i = 0; i < n; i++) {
		if (in[i].name == NULL || in[i].media_type == NULL ||
		    (in[i].data == NULL && in[i].len > 0))
			return err_set(e, "member %zu: name, media type or data "
			    "missing", i + 1);
		if (bundle_member_name_check(in[i].name, e) != 0 ||
		    bundle_media_type_check(in[i].media_type, e) != 0)
			return err_prefix(e, "member %zu", i + 1);
		if ((uint64_t)in[i].len > BUNDLE_MEMBER_MAX_BYTES)
			return err_set(e, "member '%s' is %zu bytes, more than "
			    "the limit of %llu", in[i].name, in[i].len,
			    (unsigned long long)BUNDLE_MEMBER_MAX_BYTES);
		total += in[i].len;
		for (j = 0; j < i; j++)
			if (strcmp(in[i].name, in[j].name) == 0)
				return err_set(e, "member '%s' given twice",
				    in[i].name);
	}
	if (total > BUNDLE_CONTENT_MAX)
		return err_set(e, "members total %llu bytes, more than the "
		    "limit of %llu", (unsigned long long)total,
		    (unsigned long long)BUNDLE_CONTENT_MAX);
	return 0;
}

int
bundle_members_compute(const struct bundle_input *in, size_t n,
    struct bundle_member *out, struct errbuf *e)
{
	const struct hashalg *sha256 = hashalg_by_name("sha256");
	size_t i;

	if (check_inputs(in, n, e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, in[i].name, strlen(in[i].name));
		memcpy(out[i].media_type, in[i].media_type,
		    strlen(in[i].media_type));
		out[i].size = in[i].len;
		if (hashalg_digest(sha256, in[i].data, in[i].len,
		    out[i].sha256) != 0)
			return err_openssl(e, "SHA-256");
	}
	return 0;
}

/* --- writing --------------------------------------------------------------- */

struct wsink {
	ZSTD_CCtx *cctx;
	int fd;				/* -1: memory */
	uint8_t *mem;
	size_t mem_len, mem_cap;
	uint8_t *obuf;
	size_t obuf_cap;
	struct errbuf err;
	bool failed;
};


static int
sink_put(struct wsink *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (s->fd >= 0) {
		if (fd_write_all(s->fd, p, n) != 0)
			return err_set(&s->err, "write: %s", strerror(errno));
		return 0;
	}
	if (n > s->mem_cap - s->mem_len) {
		size_t ncap = s->mem_cap ? s->mem_cap : 65536;
		uint8_t *nm;
		while (ncap - s->mem_len < n)
			ncap *= 2;
		if ((nm = realloc(s->mem, ncap)) == NULL)
			return err_set(&s->err, "out of memory");
		s->mem = nm;
		s->mem_cap = ncap;
	}
	memcpy(s->mem + s->mem_len, p, n);
	s->mem_len += n;
	return 0;
}

static int
sink_compress(struct wsink *s, const void *src, size_t n,
    ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { src, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { s->obuf, s->obuf_cap, 0 };
		left = ZSTD_compressStream2(s->cctx, &out, &in, end);
		if (ZSTD_isError(left)) {
			if (ZSTD_getErrorCode(left) == ZSTD_error_srcSize_wrong)
				return err_set(&s->err, "internal error: the tar "
				    "stream differs from its computed size");
			return err_set(&s->err, "zstd: %s",
			    ZSTD_getErrorName(left));
		}
		if (sink_put(s, s->obuf, out.pos) != 0)
			return -1;
	} while (end == ZSTD_e_continue ? in.pos < in.size : left != 0);
	return 0;
}

static la_ssize_t
tar_write_cb(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct wsink *s = arg;

	if (s->failed || sink_compress(s, buf, n, ZSTD_e_continue) != 0) {
		s->failed = true;
		archive_set_error(a, EIO, "%s", s->err.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int
tar_add(struct archive *a, struct wsink *s, const char *name,
    const uint8_t *data, size_t len, int64_t mtime, struct errbuf *e)
{
	struct archive_entry *ent;
	size_t off = 0;
	int rc = -1;

	if ((ent = archive_entry_new()) == NULL)
		return err_set(e, "out of memory");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0444);
	archive_entry_set_size(ent, (la_int64_t)len);
	archive_entry_set_mtime(ent, (time_t)mtime, 0);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		goto fail;
	while (off < len) {
		la_ssize_t w = archive_write_data(a, data + off, len - off);
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	rc = 0;
	goto out;
fail:
	err_set(e, "member '%s': %s", name, s->failed ? s->err.msg :
	    archive_error_string(a));
out:
	archive_entry_free(ent);
	return rc;
}

static int
cctx_setup(ZSTD_CCtx *cctx, uint64_t tar_size, struct errbuf *e)
{
	/*
	 * With the size pledged, zstd shrinks the window to fit small inputs
	 * (ZSTD_adjustCParams), so the 2^23 set here is an upper bound.
	 */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
	    BUNDLE_ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog,
	    BUNDLE_ZSTD_WINDOW_LOG_MAX)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx, tar_size)))
		return err_set(e, "zstd: cannot set compression parameters");
	return 0;
}

static int
bundle_write(struct wsink *s, const uint8_t *manifest, size_t manifest_len,
    const struct bundle_input *in, size_t n, int64_t mtime, struct errbuf *e)
{
	struct archive *a = NULL;
	uint64_t tar_size;
	size_t i;
	int rc = -1;

	if (manifest == NULL || manifest_len == 0 ||
	    manifest_len > BUNDLE_MANIFEST_MAX)
		return err_set(e, "MANIFEST must be 1 to %u bytes",
		    BUNDLE_MANIFEST_MAX);
	if (mtime < 0 || mtime > BUNDLE_MTIME_MAX)
		return err_set(e, "mtime %lld outside 0..%lld", (long long)mtime,
		    (long long)BUNDLE_MTIME_MAX);
	if (check_inputs(in, n, e) != 0)
		return -1;
	tar_size = tar_entry_bytes(manifest_len) + TAR_END;
	for (i = 0; i < n; i++)
		tar_size += tar_entry_bytes(in[i].len);

	s->obuf_cap = ZSTD_CStreamOutSize();
	if ((s->cctx = ZSTD_createCCtx()) == NULL ||
	    (s->obuf = malloc(s->obuf_cap)) == NULL ||
	    (a = archive_write_new()) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (cctx_setup(s->cctx, tar_size, e) != 0)
		goto out;
	/* Unblocked, so that the MANIFEST entry reaches zstd before the
	 * flush below; the tar bytes are the same either way. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, s, NULL, tar_write_cb, NULL) != ARCHIVE_OK) {
		err_set(e, "libarchive: %s", archive_error_string(a));
		goto out;
	}
	if (tar_add(a, s, BUNDLE_MANIFEST_NAME, manifest, manifest_len, mtime,
	    e) != 0)
		goto out;
	/* End a zstd block here: a reader tells a bundle by its first tar
	 * header and then decodes only this block (bundle.h, ONE PASS). */
	if (sink_compress(s, NULL, 0, ZSTD_e_flush) != 0) {
		err_set(e, "%s", s->err.msg);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (tar_add(a, s, in[i].name, in[i].data, in[i].len, mtime,
		    e) != 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		err_set(e, "%s", s->failed ? s->err.msg :
		    archive_error_string(a));
		goto out;
	}
	if (sink_compress(s, NULL, 0, ZSTD_e_end) != 0) {
		err_set(e, "%s", s->err.msg);
		goto out;
	}
	rc = 0;
out:
	if (a != NULL)
		archive_write_free(a);
	ZSTD_freeCCtx(s->cctx);
	free(s->obuf);
	return rc;
}

int
bundle_write_mem(const uint8_t *manifest, size_t manifest_len,
    const struct bundle_input *in, size_t n, int64_t mtime,
    uint8_t **out, size_t *out_len, struct errbuf *e)
{
	struct wsink s;

	memset(&s, 0, sizeof(s));
	s.fd = -1;
	if (bundle_write(&s, manifest, manifest_len, in, n, mtime, e) != 0) {
		free(s.mem);
		return err_prefix(e, "writing bundle");
	}
	*out = s.mem;
	*out_len = s.mem_len;
	return 0;
}

int
bundle_write_fd(int fd, const uint8_t *manifest, size_t manifest_len,
    const struct bundle_input *in, size_t n, int64_t mtime,
    struct errbuf *e)
{
	struct wsink s;

	memset(&s, 0, sizeof(s));
	s.fd = fd;
	if (bundle_write(&s, manifest, manifest_len, in, n, mtime, e) != 0)
		return err_prefix(e, "writing bundle");
	return 0;
}

/* --- reading: the zstd source ---------------------------------------------- */

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

static uint64_t
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
static int
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
static int
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
static int
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

static la_ssize_t
tar_read_cb(struct archive *a, void *arg, const void **buf)
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

struct bundle_scratch {
	ZSTD_DCtx *dctx;		/* window limited to 2^23 */
	uint8_t *chunk;			/* BUNDLE_CHUNK: streaming output */
	uint8_t *whole;			/* one-pass output */
	size_t whole_cap;
};

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
static void
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

/* --- reading: tar entries -------------------------------------------------- */

struct rd {
	struct zsrc z;
	struct bundle_scratch *sc;	/* the caller's, or our own */
	bool own_sc;
	struct archive *a;
	struct archive_entry *ent;
	uint64_t next_header;		/* where the next ustar header must be */
	char shown[BUNDLE_SHOWN_NAME_MAX + 1];	/* current entry's name */
};

static int
fd_fill(void *arg, uint8_t *buf, size_t cap, size_t *got, struct errbuf *e)
{
	int fd = *(int *)arg;
	ssize_t r;

	do
		r = read(fd, buf, cap);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_set(e, "read: %s", strerror(errno));
	*got = (size_t)r;
	return 0;
}

/* A libarchive failure: our own message if the zstd source failed. */
static int
rd_error(struct rd *rd, struct errbuf *e)
{
	const char *m = archive_error_string(rd->a);

	if (rd->z.failed)
		return err_set(e, "%s", rd->z.err.msg);
	return err_set(e, "tar: %s", m != NULL ? m : "unknown error");
}

static int
rd_open(struct rd *rd, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, struct bundle_scratch *sc,
    struct errbuf *e)
{
	struct zsrc *z = &rd->z;

	memset(rd, 0, sizeof(*rd));
	z->fill = fill;
	z->fill_arg = fill_arg;
	z->at_boundary = true;
	z->limit = BUNDLE_CHUNK;
	z->limit_what = "limit before the manifest";
	rd->sc = sc;
	if (sc == NULL) {
		if ((rd->sc = bundle_scratch_new()) == NULL)
			return err_set(e, "out of memory");
		rd->own_sc = true;
	}
	if (ZSTD_isError(ZSTD_DCtx_reset(rd->sc->dctx,
	    ZSTD_reset_session_only)))
		return err_set(e, "zstd: cannot reset the context");
	z->dctx = rd->sc->dctx;
	z->out = rd->sc->chunk;
	/* The last read's members may have been borrowed until now. */
	if (rd->sc->whole_cap > BUNDLE_SCRATCH_KEEP) {
		free(rd->sc->whole);
		rd->sc->whole = NULL;
		rd->sc->whole_cap = 0;
	}
	if (fill == NULL) {
		z->in.src = buf;
		z->in.size = len;
		z->in_eof = true;
		zsrc_try_whole(z, rd->sc);
	} else {
		z->incap = ZSTD_DStreamInSize();
		if ((z->inbuf = malloc(z->incap)) == NULL)
			return err_set(e, "out of memory");
		z->in.src = z->inbuf;
	}
	if ((rd->a = archive_read_new()) == NULL)
		return err_set(e, "out of memory");
	if (archive_read_support_format_tar(rd->a) != ARCHIVE_OK)
		return err_set(e, "libarchive: %s", archive_error_string(rd->a));
	/* libarchive reads the first chunk here to recognise the format. */
	if (archive_read_open(rd->a, z, NULL, tar_read_cb, NULL) != ARCHIVE_OK)
		return rd_error(rd, e);
	return 0;
}

static void
rd_close(struct rd *rd)
{
	if (rd->a != NULL)
		archive_read_free(rd->a);
	free(rd->z.inbuf);
	if (rd->own_sc)
		bundle_scratch_free(rd->sc);
}

/*
 * The next tar header. *eof set at the end-of-archive marker. strict: the
 * header must sit where the previous entry ended.
 */
static int
rd_next(struct rd *rd, bool *eof, bool strict, struct errbuf *e)
{
	int r = archive_read_next_header(rd->a, &rd->ent);

	*eof = false;
	if (r == ARCHIVE_EOF) {
		*eof = true;
	} else if (r != ARCHIVE_OK) {
		return rd_error(rd, e);
	} else {
		show_name(archive_entry_pathname(rd->ent), rd->shown);
	}
	if (strict && (uint64_t)archive_read_header_position(rd->a) !=
	    rd->next_header)
		return err_set(e, "internal error: tar header at offset %lld, "
		    "expected %llu", (long long)archive_read_header_position(rd->a),
		    (unsigned long long)rd->next_header);
	return 0;
}

/* 1 if the current entry used pax/GNU extension headers or is not ustar. */
static int
rd_extended(struct rd *rd)
{
	int64_t pos = archive_read_header_position(rd->a);

	return archive_filter_bytes(rd->a, 0) != pos + (int64_t)TAR_BLOCK ||
	    archive_format(rd->a) != ARCHIVE_FORMAT_TAR_USTAR;
}

static enum bundle_entry_type
rd_type(struct rd *rd)
{
	if (archive_entry_hardlink(rd->ent) != NULL)
		return BUNDLE_ENTRY_HARDLINK;
	switch (archive_entry_filetype(rd->ent)) {
	case AE_IFREG:
		return archive_entry_sparse_count(rd->ent) > 0 ?
		    BUNDLE_ENTRY_OTHER : BUNDLE_ENTRY_FILE;
	case AE_IFDIR:
		return BUNDLE_ENTRY_DIR;
	case AE_IFLNK:
		return BUNDLE_ENTRY_SYMLINK;
	default:
		return BUNDLE_ENTRY_OTHER;
	}
}

/* Rule 2 for the current entry: a plain ustar regular file with a size. */
static int
rd_check_plain(struct rd *rd, struct errbuf *e)
{
	const char *what = NULL;
	char target[BUNDLE_SHOWN_NAME_MAX + 1];

	switch (rd_type(rd)) {
	case BUNDLE_ENTRY_FILE:
		break;
	case BUNDLE_ENTRY_HARDLINK:
		show_name(archive_entry_hardlink(rd->ent), target);
		return err_set(e, "member '%s' is a hard link to '%s' (only "
		    "regular files are allowed)", rd->shown, target);
	case BUNDLE_ENTRY_SYMLINK:
		show_name(archive_entry_symlink(rd->ent), target);
		return err_set(e, "member '%s' is a symbolic link to '%s' (only "
		    "regular files are allowed)", rd->shown, target);
	case BUNDLE_ENTRY_DIR:
		what = "a directory";
		break;
	case BUNDLE_ENTRY_OTHER:
		what = archive_entry_filetype(rd->ent) == AE_IFREG ?
		    "a sparse file" : "a device, FIFO or socket";
		break;
	}
	if (what != NULL)
		return err_set(e, "member '%s' is %s (only regular files are "
		    "allowed)", rd->shown, what);
	if (rd_extended(rd))
		return err_set(e, "member '%s' uses tar extension headers (pax "
		    "or GNU): only plain ustar headers are accepted", rd->shown);
	if (!archive_entry_size_is_set(rd->ent) || archive_entry_size(rd->ent) < 0)
		return err_set(e, "member '%s' has no size", rd->shown);
	return 0;
}

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

/* Borrowing stops: copy the got bytes so far into a buffer of our own. */
static int
sink_unborrow(struct member_sink *s, uint64_t size, uint64_t got,
    struct errbuf *e)
{
	if ((s->collect = malloc((size_t)size + 1)) == NULL)
		return err_set(e, "out of memory");
	s->collect[size] = '\0';
	if (got > 0)
		memcpy(s->collect, s->start, (size_t)got);
	s->borrow = false;
	return 0;
}

/*
 * Member i's collected data: borrowed from the one-pass buffer when it
 * lies there whole with a zero byte after it (the tar padding; our NUL),
 * else a copy of its own.
 */
static int
sink_keep(struct rd *rd, struct member_sink *s, struct bundle_contents *c,
    size_t i, uint64_t size, struct errbuf *e)
{
	const uint8_t *w = rd->z.whole;

	/* the byte after it must be decoded already (zsrc_whole_decode) */
	if (s->borrow && w != NULL && size > 0 && s->start >= w &&
	    size < (uint64_t)(w + rd->z.whole_done - s->start) &&
	    s->start[size] == 0) {
		c->data[i] = rd->sc->whole + (s->start - rd->z.whole);
		c->borrowed |= 1u << i;
		return 0;
	}
	if (s->borrow && sink_unborrow(s, size, size, e) != 0)
		return -1;
	c->data[i] = s->collect;
	return 0;
}

/* Stream the current entry's data (size bytes, checked by the header). */
static int
rd_data(struct rd *rd, uint64_t size, struct member_sink *s,
    struct errbuf *e)
{
	const void *p;
	size_t n;
	la_int64_t off;
	uint64_t got = 0;
	int r;

	for (;;) {
		r = archive_read_data_block(rd->a, &p, &n, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rd_error(rd, e);
			return err_prefix(e, "member '%s'", rd->shown);
		}
		if (off < 0 || (uint64_t)off != got || n > size - got)
			return err_set(e, "member '%s': data block at offset "
			    "%lld does not follow the previous one", rd->shown,
			    (long long)off);
		if (s->md != NULL && EVP_DigestUpdate(s->md, p, n) != 1)
			return err_openssl(e, "SHA-256");
		/* Borrowing needs every block in the one-pass buffer, each
		 * after the last; zsrc_restream() may end it mid-member. */
		if (s->borrow && (rd->z.whole == NULL || (got > 0 &&
		    (const uint8_t *)p != s->start + got))) {
			if (sink_unborrow(s, size, got, e) != 0)
				return -1;
		} else if (s->borrow && got == 0) {
			s->start = p;
		}
		if (s->collect != NULL)
			memcpy(s->collect + got, p, n);
		if (s->r != NULL && s->r->member_data != NULL && n > 0 &&
		    s->r->member_data(s->r->arg, s->index, s->m, p, n, e) != 0)
			return err_prefix(e, "member '%s'", rd->shown);
		got += n;
	}
	if (got != size)
		return err_set(e, "member '%s' is truncated: %llu of %llu bytes",
		    rd->shown, (unsigned long long)got,
		    (unsigned long long)size);
	rd->next_header += tar_entry_bytes(size);
	return 0;
}

/*
 * After the end-of-archive marker: exactly two zero blocks consumed by
 * libarchive, then only zeros (at most BUNDLE_TRAILER_MAX) to the end of
 * the last zstd frame.
 */
static int
rd_finish(struct rd *rd, struct errbuf *e)
{
	struct zsrc *z = &rd->z;
	int64_t pos = archive_read_header_position(rd->a);
	int64_t used = archive_filter_bytes(rd->a, 0);
	uint64_t trailer, off;
	const uint8_t *p;
	size_t n, i;

	if (used < pos + (int64_t)TAR_END && z->produced > (uint64_t)used)
		return err_set(e, "data after a single zero block at offset "
		    "%lld (no end-of-archive marker)", (long long)pos);
	if (used < pos + (int64_t)TAR_END)
		return err_set(e, "truncated archive: no end-of-archive marker "
		    "(two zero blocks) at offset %lld", (long long)pos);
	if (used > pos + (int64_t)TAR_END)
		return err_set(e, "tar extension headers before the end of the "
		    "archive (offset %lld)", (long long)pos);
	if ((uint64_t)used < z->chunk_start ||
	    (uint64_t)used > z->chunk_start + z->chunk_len)
		return err_set(e, "internal error: end of archive outside the "
		    "current chunk");
	off = (uint64_t)used;
	p = z->chunk + (off - z->chunk_start);
	n = z->chunk_len - (size_t)(off - z->chunk_start);
	trailer = 0;
	for (;;) {
		for (i = 0; i < n; i++)
			if (p[i] != 0)
				return err_set(e, "data after the end of the "
				    "archive (offset %llu)",
				    (unsigned long long)(off + i));
		trailer += n;
		off += n;
		if (trailer > BUNDLE_TRAILER_MAX)
			return err_set(e, "more than %u zero bytes after the end "
			    "of the archive", BUNDLE_TRAILER_MAX);
		if (zsrc_next(z, &p, &n) != 0)
			return err_set(e, "%s", z->err.msg);
		if (n == 0)
			break;
	}
	return 0;
}

/* --- reading: the manifest and the members ---------------------------------- */

static int
check_expected(const struct bundle_member *m, size_t n, struct errbuf *e)
{
	uint64_t total = 0;
	size_t i, j;

	if (n > BUNDLE_MEMBERS_MAX)
		return err_set(e, "lists %zu members, more than the limit of %d",
		    n, BUNDLE_MEMBERS_MAX);
	for (i = 0; i < n; i++) {
		char shown[BUNDLE_SHOWN_NAME_MAX + 1];
		if (memchr(m[i].name, '\0', sizeof(m[i].name)) == NULL ||
		    memchr(m[i].media_type, '\0', sizeof(m[i].media_type)) == NULL)
			return err_set(e, "listed member %zu: name or media type "
			    "not terminated", i + 1);
		show_name(m[i].name, shown);
		if (bundle_member_name_check(m[i].name, e) != 0)
			return err_prefix(e, "listed member '%s'", shown);
		if (m[i].size > BUNDLE_MEMBER_MAX_BYTES)
			return err_set(e, "listed member '%s' is %llu bytes, more "
			    "than the limit of %llu", shown,
			    (unsigned long long)m[i].size,
			    (unsigned long long)BUNDLE_MEMBER_MAX_BYTES);
		total += m[i].size;
		for (j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return err_set(e, "member '%s' listed twice",
				    shown);
	}
	if (total > BUNDLE_CONTENT_MAX)
		return err_set(e, "listed members total %llu bytes, more than "
		    "the limit of %llu", (unsigned long long)total,
		    (unsigned long long)BUNDLE_CONTENT_MAX);
	return 0;
}

static int
read_manifest(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, struct errbuf *e)
{
	struct member_sink s = { 0 };
	bool eof;
	int64_t size;
	size_t i, n = 0;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return err_set(e, "empty archive: no MANIFEST");
	if (strcmp(archive_entry_pathname(rd->ent) ?
	    archive_entry_pathname(rd->ent) : "", BUNDLE_MANIFEST_NAME) != 0)
		return err_set(e, "first member is '%s': MANIFEST must come first",
		    rd->shown);
	if (rd_check_plain(rd, e) != 0)
		return -1;
	size = archive_entry_size(rd->ent);
	if (size == 0 || size > (int64_t)BUNDLE_MANIFEST_MAX)
		return err_set(e, "MANIFEST is %lld bytes: it must be 1 to %u",
		    (long long)size, BUNDLE_MANIFEST_MAX);
	if ((c->manifest = malloc((size_t)size + 1)) == NULL)
		return err_set(e, "out of memory");
	c->manifest[size] = '\0';
	s.collect = c->manifest;
	if (rd_data(rd, (uint64_t)size, &s, e) != 0)
		return -1;
	c->manifest_len = (size_t)size;
	if (r->manifest(r->arg, c->manifest, c->manifest_len, c->members, &n,
	    e) != 0)
		return err_prefix(e, "MANIFEST");
	if (check_expected(c->members, n, e) != 0)
		return err_prefix(e, "MANIFEST");
	c->nmembers = n;
	/* From here the stream may hold exactly what the manifest lists. */
	rd->z.limit = rd->next_header + TAR_END + BUNDLE_TRAILER_MAX +
	    BUNDLE_CHUNK;
	for (i = 0; i < n; i++)
		rd->z.limit += tar_entry_bytes(c->members[i].size);
	rd->z.limit_what = "the size the manifest lists";
	return 0;
}

/* Say why the current entry is not the expected member i. */
static int
wrong_member(struct rd *rd, const struct bundle_contents *c, size_t i,
    struct errbuf *e)
{
	const char *name = archive_entry_pathname(rd->ent);
	size_t j;

	if (name == NULL)
		name = "";
	if (strcmp(name, BUNDLE_MANIFEST_NAME) == 0)
		return err_set(e, "a second MANIFEST where member '%s' was "
		    "expected", c->members[i].name);
	for (j = 0; j < c->nmembers; j++) {
		if (strcmp(name, c->members[j].name) != 0)
			continue;
		if (j < i)
			return err_set(e, "duplicate member '%s'", rd->shown);
		return err_set(e, "member '%s' is out of order: '%s' must "
		    "come first", rd->shown, c->members[i].name);
	}
	if (bundle_member_name_check(name, e) != 0)
		return err_prefix(e, "invalid member name '%s'", rd->shown);
	return err_set(e, "unexpected member '%s' where '%s' was expected",
	    rd->shown, c->members[i].name);
}

static int
read_member(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, size_t i, EVP_MD_CTX *md, struct errbuf *e)
{
	const struct bundle_member *m = &c->members[i];
	struct member_sink s = { 0 };
	uint8_t digest[32];
	int64_t size;
	bool eof;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return err_set(e, "member '%s' is missing (the archive ends "
		    "after %zu of %zu listed members)", m->name, i, c->nmembers);
	if (strcmp(archive_entry_pathname(rd->ent) ?
	    archive_entry_pathname(rd->ent) : "", m->name) != 0)
		return wrong_member(rd, c, i, e);
	if (rd_check_plain(rd, e) != 0)
		return -1;
	size = archive_entry_size(rd->ent);
	if ((uint64_t)size > m->size)
		return err_set(e, "member '%s' is %llu bytes larger than listed",
		    m->name, (unsigned long long)((uint64_t)size - m->size));
	if ((uint64_t)size < m->size)
		return err_set(e, "member '%s' is %llu bytes smaller than listed",
		    m->name, (unsigned long long)(m->size - (uint64_t)size));
	if (m->size <= r->collect_max && rd->z.whole != NULL && !rd->own_sc) {
		s.borrow = true;
	} else if (m->size <= r->collect_max) {
		if ((c->data[i] = malloc((size_t)m->size + 1)) == NULL)
			return err_set(e, "out of memory");
		c->data[i][m->size] = '\0';
		s.collect = c->data[i];
	}
	if (EVP_DigestInit_ex(md, hashalg_md(hashalg_by_name("sha256")),
	    NULL) != 1)
		return err_openssl(e, "SHA-256");
	s.md = md;
	s.r = r;
	s.index = i;
	s.m = m;
	if (rd_data(rd, m->size, &s, e) != 0) {
		if (s.collect != c->data[i])
			free(s.collect);
		return -1;
	}
	if (c->data[i] == NULL && (s.borrow || s.collect != NULL) &&
	    sink_keep(rd, &s, c, i, m->size, e) != 0)
		return -1;
	if (EVP_DigestFinal_ex(md, digest, NULL) != 1)
		return err_openssl(e, "SHA-256");
	if (memcmp(digest, m->sha256, sizeof(digest)) != 0)
		return err_set(e, "member '%s': SHA-256 does not match the "
		    "manifest", m->name);
	if (r->member_end != NULL && r->member_end(r->arg, i, m, e) != 0)
		return err_prefix(e, "member '%s'", m->name);
	return 0;
}

static int
read_after_last(struct rd *rd, const struct bundle_contents *c,
    struct errbuf *e)
{
	const char *name;
	bool eof;
	size_t j;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return rd_finish(rd, e);
	name = archive_entry_pathname(rd->ent);
	if (name != NULL && strcmp(name, BUNDLE_MANIFEST_NAME) == 0)
		return err_set(e, "a second MANIFEST after the last listed "
		    "member");
	for (j = 0; name != NULL && j < c->nmembers; j++)
		if (strcmp(name, c->members[j].name) == 0)
			return err_set(e, "duplicate member '%s'", rd->shown);
	return err_set(e, "extra member '%s' after the last listed member",
	    rd->shown);
}

static int
read_bundle(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, struct errbuf *e)
{
	EVP_MD_CTX *md;
	size_t i;
	int rc = -1;

	if (r == NULL || r->manifest == NULL)
		return err_set(e, "no manifest callback");
	if (read_manifest(rd, r, c, e) != 0)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < c->nmembers; i++)
		if (read_member(rd, r, c, i, md, e) != 0)
			goto out;
	if (read_after_last(rd, c, e) != 0)
		goto out;
	c->compressed_size = zsrc_in_offset(&rd->z);
	c->one_pass = rd->z.whole != NULL;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

void
bundle_contents_free(struct bundle_contents *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->manifest);
	for (i = 0; i < BUNDLE_MEMBERS_MAX; i++)
		if (!(c->borrowed & 1u << i))
			free(c->data[i]);
	memset(c, 0, sizeof(*c));
}

static int
read_common(const char *label, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, const struct bundle_reader *r,
    struct bundle_contents *out, struct errbuf *e)
{
	struct bundle_contents *c;
	struct rd rd;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "%s: out of memory", label);
	rc = rd_open(&rd, fill, fill_arg, buf, len, r != NULL ? r->scratch :
	    NULL, e);
	if (rc == 0)
		rc = read_bundle(&rd, r, c, e);
	rd_close(&rd);
	if (rc != 0) {
		bundle_contents_free(c);
		free(c);
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return err_prefix(e, "%s", label);
	}
	if (out != NULL)
		*out = *c;
	else
		bundle_contents_free(c);
	free(c);
	return 0;
}

int
bundle_read_mem(const char *label, const uint8_t *buf, size_t len,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e)
{
	return read_common(label, NULL, NULL, buf, len, r, out, e);
}

int
bundle_read_stream(const char *label, bundle_fill_fn fill, void *fill_arg,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e)
{
	return read_common(label, fill, fill_arg, NULL, 0, r, out, e);
}

int
bundle_read_fd(const char *label, int fd, const struct bundle_reader *r,
    struct bundle_contents *out, struct errbuf *e)
{
	return read_common(label, fd_fill, &fd, NULL, 0, r, out, e);
}

/* --- listing --------------------------------------------------------------- */

const char *
bundle_entry_type_name(enum bundle_entry_type t)
{
	switch (t) {
	case BUNDLE_ENTRY_FILE:
		return "file";
	case BUNDLE_ENTRY_DIR:
		return "directory";
	case BUNDLE_ENTRY_SYMLINK:
		return "symlink";
	case BUNDLE_ENTRY_HARDLINK:
		return "hardlink";
	case BUNDLE_ENTRY_OTHER:
		return "other";
	}
	return "unknown";
}

static int
list_entries(struct rd *rd, struct bundle_listing *out, struct errbuf *e)
{
	struct bundle_entry *en;
	bool eof;

	rd->z.limit = BUNDLE_CONTENT_MAX + BUNDLE_MANIFEST_MAX +
	    (uint64_t)(BUNDLE_LIST_MAX + 1) * 4 * TAR_BLOCK +
	    BUNDLE_TRAILER_MAX + BUNDLE_CHUNK;
	rd->z.limit_what = "the limit of a bundle";
	for (;;) {
		if (rd_next(rd, &eof, false, e) != 0)
			return -1;
		if (eof)
			return rd_finish(rd, e);
		if (out->nentries == BUNDLE_LIST_MAX)
			return err_set(e, "more than %d entries", BUNDLE_LIST_MAX);
		en = &out->entries[out->nentries++];
		memcpy(en->name, rd->shown, sizeof(en->name));
		en->type = rd_type(rd);
		en->size = archive_entry_size(rd->ent) > 0 ?
		    (uint64_t)archive_entry_size(rd->ent) : 0;
		en->extended = rd_extended(rd);
		if (archive_read_data_skip(rd->a) != ARCHIVE_OK) {
			rd_error(rd, e);
			return err_prefix(e, "entry '%s'", en->name);
		}
	}
}

static int
list_common(const char *label, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, struct bundle_listing *out,
    struct errbuf *e)
{
	struct rd rd;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rd_open(&rd, fill, fill_arg, buf, len, NULL, e);
	if (rc == 0)
		rc = list_entries(&rd, out, e);
	rd_close(&rd);
	if (rc != 0)
		return err_prefix(e, "%s", label);
	return 0;
}

int
bundle_list_mem(const char *label, const uint8_t *buf, size_t len,
    struct bundle_listing *out, struct errbuf *e)
{
	return list_common(label, NULL, NULL, buf, len, out, e);
}

int
bundle_list_fd(const char *label, int fd, struct bundle_listing *out,
    struct errbuf *e)
{
	return list_common(label, fd_fill, &fd, NULL, 0, out, e);
}
