/*
 * bundle_tar.c - tar entries of a bundle being read, through libarchive's
 * tar reader fed by bundle_zstd.c: headers held to rule 2 of bundle.h,
 * member data digested, collected or borrowed.
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

/* --- reading: tar entries -------------------------------------------------- */

int
bundle_fd_fill(void *arg, uint8_t *buf, size_t cap, size_t *got, struct errbuf *e)
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
int
rd_error(struct rd *rd, struct errbuf *e)
{
	const char *m = archive_error_string(rd->a);

	if (rd->z.failed)
		return err_set(e, "%s", rd->z.err.msg);
	return err_set(e, "tar: %s", m != NULL ? m : "unknown error");
}

int
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
	if (archive_read_open(rd->a, z, NULL, bundle_tar_read_cb, NULL) != ARCHIVE_OK)
		return rd_error(rd, e);
	return 0;
}

void
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
int
rd_next(struct rd *rd, bool *eof, bool strict, struct errbuf *e)
{
	int r = archive_read_next_header(rd->a, &rd->ent);

	*eof = false;
	if (r == ARCHIVE_EOF) {
		*eof = true;
	} else if (r != ARCHIVE_OK) {
		return rd_error(rd, e);
	} else {
		bundle_show_name(archive_entry_pathname(rd->ent), rd->shown);
	}
	if (strict && (uint64_t)archive_read_header_position(rd->a) !=
	    rd->next_header)
		return err_set(e, "internal error: tar header at offset %lld, "
		    "expected %llu", (long long)archive_read_header_position(rd->a),
		    (unsigned long long)rd->next_header);
	return 0;
}

/* 1 if the current entry used pax/GNU extension headers or is not ustar. */
int
rd_extended(struct rd *rd)
{
	int64_t pos = archive_read_header_position(rd->a);

	return archive_filter_bytes(rd->a, 0) != pos + (int64_t)TAR_BLOCK ||
	    archive_format(rd->a) != ARCHIVE_FORMAT_TAR_USTAR;
}

enum bundle_entry_type
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
int
rd_check_plain(struct rd *rd, struct errbuf *e)
{
	const char *what = NULL;
	char target[BUNDLE_SHOWN_NAME_MAX + 1];

	switch (rd_type(rd)) {
	case BUNDLE_ENTRY_FILE:
		break;
	case BUNDLE_ENTRY_HARDLINK:
		bundle_show_name(archive_entry_hardlink(rd->ent), target);
		return err_set(e, "member '%s' is a hard link to '%s' (only "
		    "regular files are allowed)", rd->shown, target);
	case BUNDLE_ENTRY_SYMLINK:
		bundle_show_name(archive_entry_symlink(rd->ent), target);
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
int
rd_sink_keep(struct rd *rd, struct member_sink *s, struct bundle_contents *c,
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
int
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
int
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
