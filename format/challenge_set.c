/* challenge_set.c - see challenge_set.h. */
#include "format/challenge_set.h"

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

#include "format/bundle_sniff.h"
#include "format/cbor_det.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/tar_entry.h"

#define TAR_RECORD	10240
#define MTIME_MAX	((int64_t)1 << 33)	/* 11 octal digits */

/* ---- names ---------------------------------------------------------------- */

/* name with bytes outside printable ASCII, quotes and backslashes as \xHH,
 * cut to fit cap (with "..."). */
static void
show_name(const char *in, char *out, size_t cap)
{
	esc_str(in, ESC_FIELD | ESC_QUOTES, out, cap);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "<64 lowercase hex>.dchal" naming device id, else -1. */
static int
member_name_device(const char *name, uint8_t id[CHALLENGE_DEVICE_ID_LEN],
    struct errbuf *e)
{
	size_t i;

	if (strlen(name) != CHALLENGE_SET_MEMBER_NAME_LEN ||
	    !ends_with(name, CHALLENGE_SUFFIX))
		goto bad;
	for (i = 0; i < 2 * CHALLENGE_DEVICE_ID_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			goto bad;
	if (hex_decode(name, 2 * CHALLENGE_DEVICE_ID_LEN, id,
	    CHALLENGE_DEVICE_ID_LEN) != CHALLENGE_DEVICE_ID_LEN)
		goto bad;
	return 0;
bad:
	return err_set(e, "name is not <64 lowercase hex digits>.dchal");
}

/* ---- the set -------------------------------------------------------------- */

void
challenge_set_free(struct challenge_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->entries[i].file);
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

/* Parse file (taken over on success) and append it as name. */
static int
set_add(struct challenge_set *s, const char *name, uint8_t *file, size_t len,
    struct errbuf *e)
{
	struct challenge_set_entry *ent, *grown;

	if (s->n >= CHALLENGE_SET_COUNT_MAX)
		return err_set(e, "more than %d challenges",
		    CHALLENGE_SET_COUNT_MAX);
	if ((s->n & (s->n - 1)) == 0) {	/* 0, 1, 2, 4, ...: grow */
		grown = reallocarray(s->entries, s->n == 0 ? 1 : 2 * s->n,
		    sizeof(*grown));
		if (grown == NULL)
			return err_set(e, "out of memory");
		s->entries = grown;
	}
	ent = &s->entries[s->n];
	memset(ent, 0, sizeof(*ent));
	show_name(name, ent->name, sizeof(ent->name));
	if (challenge_file_open(file, len, NULL, &ent->ch, e) != 0)
		return err_prefix(e, "'%s'", ent->name);
	ent->file = file;
	ent->file_len = len;
	s->n++;
	return 0;
}

/* ---- writing -------------------------------------------------------------- */

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static la_ssize_t
membuf_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct membuf *m = arg;
	uint8_t *p;
	size_t cap;

	if (n > CHALLENGE_SET_BYTES_MAX - m->len) {
		archive_set_error(a, EFBIG, "archive larger than %zu bytes",
		    CHALLENGE_SET_BYTES_MAX);
		return -1;
	}
	if (m->len + n > m->cap) {
		cap = m->cap == 0 ? 4 * TAR_RECORD : m->cap;
		while (cap < m->len + n)
			cap *= 2;
		if ((p = realloc(m->p, cap)) == NULL) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

struct named {
	char name[CHALLENGE_SET_MEMBER_NAME_LEN + 1];
	const uint8_t *file;
	size_t len;
};

static int
named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
	    ((const struct named *)b)->name);
}

/* Names from the device ids, sorted; two for one device fail. */
static int
name_files(const uint8_t *const *files, const size_t *lens, size_t n,
    struct named *out, struct errbuf *e)
{
	static struct challenge c;
	size_t i;

	for (i = 0; i < n; i++) {
		if (challenge_file_open(files[i], lens[i], NULL, &c, e) != 0)
			return err_prefix(e, "challenge %zu", i + 1);
		hex_encode(c.device_id, sizeof(c.device_id), out[i].name);
		strcat(out[i].name, CHALLENGE_SUFFIX);
		out[i].file = files[i];
		out[i].len = lens[i];
	}
	qsort(out, n, sizeof(*out), named_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(out[i - 1].name, out[i].name) == 0)
			return err_set(e, "two challenges for device %.64s",
			    out[i].name);
	return 0;
}

int
challenge_set_write_mem(const uint8_t *const *files, const size_t *lens,
    size_t n, int64_t mtime, uint8_t **out, size_t *out_len, struct errbuf *e)
{
	struct membuf m = { NULL, 0, 0 };
	struct named *names;
	struct archive *a;
	size_t i;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	if (n == 0 || n > CHALLENGE_SET_COUNT_MAX)
		return err_set(e, "challenge archive: %zu challenges (1 to %d)",
		    n, CHALLENGE_SET_COUNT_MAX);
	if (mtime < 0 || mtime >= MTIME_MAX)
		return err_set(e, "challenge archive: mtime %lld out of range",
		    (long long)mtime);
	if ((names = calloc(n, sizeof(*names))) == NULL)
		return err_set(e, "out of memory");
	if (name_files(files, lens, n, names, e) != 0) {
		free(names);
		return err_prefix(e, "challenge archive");
	}
	if ((a = archive_write_new()) == NULL) {
		free(names);
		return err_set(e, "out of memory");
	}
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, TAR_RECORD) != ARCHIVE_OK ||
	    archive_write_open(a, &m, NULL, membuf_write, NULL) != ARCHIVE_OK) {
		err_set(e, "tar: %s", archive_error_string(a));
		goto done;
	}
	for (i = 0; i < n; i++)
		if (tar_entry_file(a, names[i].name, names[i].file,
		    names[i].len, mtime, e) != 0)
			goto done;
	if (archive_write_close(a) != ARCHIVE_OK) {
		err_set(e, "tar: %s", archive_error_string(a));
		goto done;
	}
	*out = m.p;
	*out_len = m.len;
	m.p = NULL;
	rc = 0;
done:
	archive_write_free(a);
	free(names);
	free(m.p);
	return rc == 0 ? 0 : err_prefix(e, "challenge archive");
}

/* ---- reading an archive ----------------------------------------------------- */

static int
entry_check(struct archive_entry *ent, const char *shown, struct errbuf *e)
{
	uint8_t id[CHALLENGE_DEVICE_ID_LEN];

	if (archive_entry_filetype(ent) != AE_IFREG ||
	    archive_entry_hardlink(ent) != NULL ||
	    archive_entry_symlink(ent) != NULL)
		return err_set(e, "entry '%s' is not a regular file", shown);
	if (archive_entry_sparse_count(ent) > 0)
		return err_set(e, "entry '%s' is sparse", shown);
	if (!archive_entry_size_is_set(ent) || archive_entry_size(ent) < 0 ||
	    archive_entry_size(ent) > CHALLENGE_FILE_MAX)
		return err_set(e, "entry '%s': size not within 0..%d bytes",
		    shown, CHALLENGE_FILE_MAX);
	if (member_name_device(archive_entry_pathname(ent), id, e) != 0)
		return err_prefix(e, "entry '%s'", shown);
	return 0;
}

static int
entry_read(struct archive *a, struct archive_entry *ent, const char *shown,
    struct challenge_set *s, struct errbuf *e)
{
	uint8_t id[CHALLENGE_DEVICE_ID_LEN], *data;
	size_t size = (size_t)archive_entry_size(ent);
	const struct challenge *c;
	size_t i;

	if ((data = malloc(size == 0 ? 1 : size)) == NULL)
		return err_set(e, "out of memory");
	if (archive_read_data(a, data, size) != (la_ssize_t)size) {
		free(data);
		return err_set(e, "entry '%s': %s", shown,
		    archive_error_string(a) ? archive_error_string(a) :
		    "short read");
	}
	if (set_add(s, shown, data, size, e) != 0) {
		free(data);
		return err_prefix(e, "entry");
	}
	c = &s->entries[s->n - 1].ch;
	member_name_device(archive_entry_pathname(ent), id, NULL);
	if (memcmp(id, c->device_id, sizeof(id)) != 0)
		return err_set(e, "entry '%s': name is not the device id of "
		    "its challenge", shown);
	for (i = 0; i + 1 < s->n; i++)
		if (strcmp(s->entries[i].name, shown) == 0)
			return err_set(e, "entry '%s' appears twice", shown);
	return 0;
}

static int
read_tar(const uint8_t *buf, size_t len, struct challenge_set *s,
    struct errbuf *e)
{
	char shown[CHALLENGE_SET_NAME_MAX + 1];
	struct archive_entry *ent;
	struct archive *a;
	int r, rc = -1;

	if ((a = archive_read_new()) == NULL)
		return err_set(e, "out of memory");
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		err_set(e, "tar: %s", archive_error_string(a));
		goto done;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		show_name(archive_entry_pathname(ent) ?
		    archive_entry_pathname(ent) : "", shown, sizeof(shown));
		if (entry_check(ent, shown, e) != 0 ||
		    entry_read(a, ent, shown, s, e) != 0)
			goto done;
	}
	if (r != ARCHIVE_EOF) {
		err_set(e, "tar: %s", archive_error_string(a) ?
		    archive_error_string(a) : "damaged archive");
		goto done;
	}
	if (s->n == 0) {
		err_set(e, "archive holds no challenge");
		goto done;
	}
	rc = 0;
done:
	archive_read_free(a);
	return rc;
}

/* ---- reading: detection ------------------------------------------------------ */

static int
read_mem(const uint8_t *buf, size_t len, struct challenge_set *s,
    struct errbuf *e)
{
	uint8_t *copy;

	if (len > CHALLENGE_SET_BYTES_MAX)
		return err_set(e, "%zu bytes exceeds the limit of %zu", len,
		    CHALLENGE_SET_BYTES_MAX);
	if (len >= 4 && buf[0] == 0xd9 && buf[1] == 0xd9 && buf[2] == 0xf7) {
		if (len > CHALLENGE_FILE_MAX)
			return err_set(e, "challenge file of %zu bytes exceeds "
			    "the limit of %d", len, CHALLENGE_FILE_MAX);
		if ((copy = malloc(len)) == NULL)
			return err_set(e, "out of memory");
		memcpy(copy, buf, len);
		if (set_add(s, "-", copy, len, e) != 0) {
			free(copy);
			return -1;
		}
		return 0;
	}
	if (sniff_is_tar(buf, len))
		return read_tar(buf, len, s, e);
	if (sniff_is_zstd(buf, len) || sniff_is_gzip(buf, len))
		return err_set(e, "compressed archive: decompress it first "
		    "(challenge archives are plain tar)");
	return err_set(e, "neither a challenge file nor a tar archive of "
	    "challenge files");
}

int
challenge_set_read_mem(const char *label, const uint8_t *buf, size_t len,
    struct challenge_set *out, struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	if (read_mem(buf, len, out, e) != 0) {
		challenge_set_free(out);
		return err_prefix(e, "%s", label);
	}
	/* A single file is named after its input. */
	if (out->n == 1 && strcmp(out->entries[0].name, "-") == 0)
		show_name(label, out->entries[0].name,
		    sizeof(out->entries[0].name));
	return 0;
}

/* ---- reading: a directory ------------------------------------------------------ */

/* Read a candidate through dirfd without following a symbolic link. */
static int
read_candidate(int dirfd, const char *name, const char *shown,
    struct challenge_set *s, struct errbuf *e)
{
	uint8_t *data;
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, "'%s': %s", shown, errno == ELOOP ?
		    "a symbolic link" : strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "'%s' is not a regular file", shown);
	}
	if (st.st_size > CHALLENGE_FILE_MAX) {
		close(fd);
		return err_set(e, "'%s': %lld bytes exceeds the limit of %d",
		    shown, (long long)st.st_size, CHALLENGE_FILE_MAX);
	}
	if ((data = malloc(CHALLENGE_FILE_MAX + 1)) == NULL) {
		close(fd);
		return err_set(e, "out of memory");
	}
	while (len <= CHALLENGE_FILE_MAX &&
	    (got = read(fd, data + len, CHALLENGE_FILE_MAX + 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			close(fd);
			return err_set(e, "'%s': %s", shown, strerror(errno));
		}
		len += (size_t)got;
	}
	close(fd);
	if (len > CHALLENGE_FILE_MAX) {
		free(data);
		return err_set(e, "'%s' grew beyond %d bytes", shown,
		    CHALLENGE_FILE_MAX);
	}
	if (set_add(s, shown, data, len, e) != 0) {
		free(data);
		return -1;
	}
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
note_skipped(struct challenge_set *s, const char *name)
{
	if (s->n_skipped < CHALLENGE_SET_NOTES_MAX)
		show_name(name, s->skipped[s->n_skipped],
		    sizeof(s->skipped[0]));
	s->n_skipped++;
}

/* Names of the entries of d (not . and ..), sorted, malloc'd. */
static int
list_dir(DIR *d, char ***names, size_t *n, struct errbuf *e)
{
	struct dirent *de;
	char **v = NULL, **grown;
	size_t cap = 0;

	*n = 0;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n >= 4 * (size_t)CHALLENGE_SET_COUNT_MAX) {
			err_set(e, "more than %d directory entries",
			    4 * CHALLENGE_SET_COUNT_MAX);
			goto fail;
		}
		if (*n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			if ((grown = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto oom;
			v = grown;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			goto oom;
		(*n)++;
		errno = 0;
	}
	if (errno != 0) {
		err_set(e, "readdir: %s", strerror(errno));
		goto fail;
	}
	if (*n > 0)
		qsort(v, *n, sizeof(*v), str_cmp);
	*names = v;
	return 0;
oom:
	err_set(e, "out of memory");
fail:
	while (*n > 0)
		free(v[--*n]);
	free(v);
	return -1;
}

static int
read_dir(const char *path, struct challenge_set *s, struct errbuf *e)
{
	char shown[CHALLENGE_SET_NAME_MAX + 1];
	char **names = NULL;
	size_t n, i;
	DIR *d;
	int rc = 0;

	if ((d = opendir(path)) == NULL)
		return err_set(e, "%s", strerror(errno));
	if (list_dir(d, &names, &n, e) != 0) {
		closedir(d);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (!ends_with(names[i], CHALLENGE_SUFFIX) ||
		    strcmp(names[i], CHALLENGE_SUFFIX) == 0) {
			note_skipped(s, names[i]);
			continue;
		}
		show_name(names[i], shown, sizeof(shown));
		rc = read_candidate(dirfd(d), names[i], shown, s, e);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (rc == 0 && s->n == 0)
		rc = err_set(e, "no *.dchal file in the directory");
	return rc;
}

int
challenge_set_read_path(const char *path, struct challenge_set *out,
    struct errbuf *e)
{
	char shown[CHALLENGE_SET_NAME_MAX + 1];
	uint8_t *buf;
	struct stat st;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	show_name(path, shown, sizeof(shown));
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		if (read_dir(path, out, e) != 0) {
			challenge_set_free(out);
			return err_prefix(e, "%s", shown);
		}
		return 0;
	}
	if (file_read(path, CHALLENGE_SET_BYTES_MAX, &buf, &len, e) != 0)
		return -1;
	rc = challenge_set_read_mem(shown, buf, len, out, e);
	free(buf);
	return rc;
}

/* ---- finding ------------------------------------------------------------------ */

int
challenge_set_find(const struct challenge_set *s,
    const uint8_t device_id[CHALLENGE_DEVICE_ID_LEN],
    const struct challenge_set_entry **out, size_t *count, struct errbuf *e)
{
	char hex[2 * CHALLENGE_DEVICE_ID_LEN + 1];
	const struct challenge_set_entry *first = NULL, *second = NULL;
	size_t i, k = 0;

	*out = NULL;
	for (i = 0; i < s->n; i++)
		if (memcmp(s->entries[i].ch.device_id, device_id,
		    CHALLENGE_DEVICE_ID_LEN) == 0) {
			if (k == 0)
				first = &s->entries[i];
			else if (k == 1)
				second = &s->entries[i];
			k++;
		}
	if (count != NULL)
		*count = k;
	hex_encode(device_id, CHALLENGE_DEVICE_ID_LEN, hex);
	if (k == 0)
		return err_set(e, "no challenge for device %s among %zu", hex,
		    s->n);
	if (k > 1)
		return err_set(e, "%zu challenges for device %s ('%.64s', "
		    "'%.64s'%s)", k, hex, first->name, second->name,
		    k > 2 ? ", ..." : "");
	*out = first;
	return 0;
}
