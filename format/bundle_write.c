/*
 * bundle_write.c - member names and media types checked, and writing a bundle
 * (bundle.h): libarchive's pax_restricted writer (which emits plain ustar
 * headers for our entries) feeds our own ZSTD_CCtx through an
 * archive_write_open() callback. The tar size is computed in advance and
 * pledged to zstd, so the frame header carries the content size and zstd
 * refuses to finish if libarchive wrote anything we did not plan for.
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

/* --- names ----------------------------------------------------------------- */

/* Render an untrusted name for a message: printable ASCII kept, the rest
 * (and ' " \) as \xHH, at most 64 input bytes, "..." if cut. */
void
bundle_show_name(const char *raw, char out[BUNDLE_SHOWN_NAME_MAX + 1])
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
