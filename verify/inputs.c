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

#include "format/bundle_sniff.h"
#include "format/bundle_split.h"
#include "format/cbor_det.h"
#include "format/ear.h"
#include "format/fileio.h"
#include "verify/inputs.h"

#define INPUTS_PEEK		1024		/* bytes that tell kinds apart */
#define INPUTS_PEEK_ZSTD	(256u << 10)	/* to decode a first tar header */
#define INPUTS_CHUNK		(64u << 10)	/* read(2) size */
#define INPUTS_WHOLE_MAX	(16u << 20)	/* a regular file up to this
				 * size is read whole by its first fill, into
				 * a buffer of its size: no growing and
				 * copying (a 10k-record bundle is ~2 MiB) */

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

/*
 * A zstd stream is an archive of bundles unless its tar's first entry is
 * MANIFEST (then bundles); decode just the first tar header (zstd decodes
 * the block holding it: our writer ends one after the MANIFEST). The
 * walk's context is reused from file to file.
 */
static bool
is_zstd_archive(struct src *s)
{
	uint8_t hdr[SNIFF_TAR_BLOCK];
	ZSTD_DCtx *d = s->peek;
	size_t got, i;

	(void)src_fill(s, INPUTS_PEEK_ZSTD);
	if (d == NULL && (d = ZSTD_createDCtx()) == NULL)
		return false;
	got = sniff_zstd_first_block(d, s->buf, s->len, hdr);
	if (d != s->peek)
		ZSTD_freeDCtx(d);
	if (got < 100)
		return false;	/* judged as a bundle, which says why */
	/* An end-of-archive marker first (an empty tar: "a zstd frame of
	 * zeros") holds no bundle: judged as one, it is an unreadable
	 * result, not an archive that yields nothing. */
	for (i = 0; i < got && hdr[i] == 0; i++)
		;
	if (i == got)
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

/*
 * What a file met in a directory walk is, when its first bytes say it is
 * another dossier file (a spool's parent or a USB stick's root holds
 * challenges, results and keys beside the evidence); NULL: judged.
 */
static const char *
other_kind(const uint8_t *buf, size_t len)
{
	static const char pem[] = "-----BEGIN ";

	switch (cbor_magic_tag(buf, len)) {
	case DOSSIER_TAG_CHALLENGE:
		return "a challenge";
	case DOSSIER_TAG_RESULT:
		return "a signed result";
	case DOSSIER_TAG_REFERENCE:
		return "a reference set export";
	case DOSSIER_TAG_MANIFEST:
		return "a MANIFEST";
	}
	if (ear_is_cwt(buf, len) || ear_is_jwt(buf, len))
		return "an EAR";
	if (len >= sizeof(pem) - 1 && memcmp(buf, pem, sizeof(pem) - 1) == 0)
		return "a PEM file (a key or a certificate)";
	return NULL;
}

static int
skipped(input_fn fn, void *arg, const char *name, const char *kind,
    struct errbuf *e)
{
	struct input_item it;

	memset(&it, 0, sizeof(it));
	it.name = name;
	it.why = kind;
	it.skipped = true;
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

/* Drop buf[0..n): the bytes of a bundle handed out. */
static void
src_consume(struct src *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
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
		if ((i = sniff_zstd_find(s->buf, s->len, from)) < s->len) {
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
 * The next bundle of the stream at s->buf (format/bundle_split.h says
 * where a bundle ends), reading more as the splitter asks.
 */
static enum piece
next_bundle(struct src *s, struct bundle_split *sp, size_t *blen, char *why,
    size_t whylen)
{
	enum bundle_split_piece p;

	while ((p = bundle_split_next(sp, s->buf, s->len, s->eof, blen)) ==
	    BUNDLE_SPLIT_MORE)
		if (src_fill(s, s->len + INPUTS_CHUNK) == -1) {
			bundle_split_reset(sp);
			snprintf(why, whylen, "%s", strerror(s->err));
			return PIECE_ERROR;
		}
	return p == BUNDLE_SPLIT_BUNDLE ? PIECE_BUNDLE :
	    p == BUNDLE_SPLIT_JUNK ? PIECE_JUNK : PIECE_END;
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
	struct bundle_split *sp;
	uint64_t off = 0, n = 0, skipped;
	enum piece pc;
	size_t blen;
	int rc = 0;

	if ((sp = bundle_split_new(INPUTS_ENTRY_MAX)) == NULL)
		return err_set(e, "out of memory");
	for (;;) {
		pc = next_bundle(s, sp, &blen, why, sizeof(why));
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
	bundle_split_free(sp);
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
	if (sniff_is_zstd(s->buf, s->len) ?
	    ZSTD_findFrameCompressedSize(s->buf, s->len) != s->len :
	    sniff_zstd_find(s->buf, s->len, 0) < s->len)
		return walk_bundles(s, true, fn, arg, e);
	return item(fn, arg, s->label, false, 0, s->buf, s->len, &s->buf, e);
}

/*
 * size: of a regular file, 0 if unknown. Up to INPUTS_WHOLE_MAX the first
 * fill reads it whole (and on to the end, should it have grown).
 */
static int
do_stream(const char *label, int fd, size_t size, bool is_stdin, bool in_dir,
    ZSTD_DCtx *peek, input_fn fn, void *arg, struct errbuf *e)
{
	const char *kind;
	struct src s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.label = label;
	s.fd = fd;
	s.peek = peek;
	if (src_fill(&s, size > 0 && size <= INPUTS_WHOLE_MAX ? size + 1 :
	    INPUTS_PEEK) == -1)
		rc = unreadable(fn, arg, label, false, 0, strerror(s.err), e);
	else if (in_dir && (kind = other_kind(s.buf, s.len)) != NULL)
		rc = skipped(fn, arg, label, kind, e);
	else if (sniff_is_tar(s.buf, s.len) || sniff_is_gzip(s.buf, s.len) ||
	    (sniff_is_zstd(s.buf, s.len) && is_zstd_archive(&s)))
		rc = walk_archive(&s, fn, arg, e);
	else if (is_stdin)
		rc = walk_bundles(&s, false, fn, arg, e);
	else
		rc = one_bundle(&s, fn, arg, e);
	free(s.buf);
	return rc;
}

static int
do_file(const char *path, bool in_dir, ZSTD_DCtx *peek, input_fn fn,
    void *arg, struct errbuf *e)
{
	char why[ERRBUF_MAX];
	struct stat sb;
	size_t size = 0;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return do_stream("-", STDIN_FILENO, 0, true, false, peek, fn,
		    arg, e);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
		return unreadable(fn, arg, path, false, 0, why, e);
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uintmax_t)sb.st_size <= INPUTS_WHOLE_MAX)
		size = (size_t)sb.st_size;
	rc = do_stream(path, fd, size, false, in_dir, peek, fn, arg, e);
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
				rc = do_file(sub, true, peek, fn, arg, e);
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
			rc = do_file("-", false, peek, fn, arg, e);
		else if (stat(args[i], &sb) == -1)
			rc = err_set(e, "%s: %s", args[i], strerror(errno));
		else if (S_ISDIR(sb.st_mode))
			rc = do_dir(args[i], 0, peek, fn, arg, e);
		else
			rc = do_file(args[i], false, peek, fn, arg, e);
	}
	ZSTD_freeDCtx(peek);
	return rc == 0 ? 0 : -1;
}
