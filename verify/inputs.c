/*
 * inputs.c - enumerating the bundles of dossier verify's arguments
 * (inputs.h): files, directories, tar and tar.zst archives, standard input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

#include "format/fileio.h"
#include "verify/inputs.h"

static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static bool
is_tar(const uint8_t *buf, size_t len)
{
	return len >= 512 && memcmp(buf + 257, "ustar", 5) == 0;
}

static bool
is_zstd(const uint8_t *buf, size_t len)
{
	return len >= 4 && memcmp(buf, zstd_magic, 4) == 0;
}

static struct archive *
archive_open(const uint8_t *buf, size_t len, bool zstd)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL)
		return NULL;
	if ((zstd && archive_read_support_filter_zstd(a) != ARCHIVE_OK) ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* A zstd input is an archive of bundles unless its first entry is
 * MANIFEST (then it is one bundle), or it does not read as a tar. */
static bool
is_zstd_archive(const uint8_t *buf, size_t len)
{
	struct archive *a;
	struct archive_entry *ent;
	bool archive = false;

	if ((a = archive_open(buf, len, true)) == NULL)
		return false;
	if (archive_read_next_header(a, &ent) == ARCHIVE_OK)
		archive = strcmp(archive_entry_pathname(ent) ?
		    archive_entry_pathname(ent) : "", BUNDLE_MANIFEST_NAME) != 0;
	archive_read_free(a);
	return archive;
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

static int
walk_archive(const char *label, const uint8_t *buf, size_t len, bool zstd,
    input_fn fn, void *arg, struct errbuf *e)
{
	struct archive *a;
	struct archive_entry *ent;
	struct input_item it;
	char name[INPUTS_NAME_MAX + 1], why[ERRBUF_MAX];
	const char *p;
	uint8_t *data;
	int64_t pos;
	int r, rc = 0;

	if ((a = archive_open(buf, len, zstd)) == NULL)
		return unreadable(fn, arg, label, false, 0, "cannot open the "
		    "archive", e);
	for (;;) {
		pos = archive_read_header_position(a);
		if ((r = archive_read_next_header(a, &ent)) == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			snprintf(why, sizeof(why), "damaged archive: %s",
			    archive_error_string(a) ? archive_error_string(a) :
			    "unreadable header");
			rc = unreadable(fn, arg, label, true, (uint64_t)pos, why,
			    e);
			break;
		}
		pos = archive_read_header_position(a);
		p = archive_entry_pathname(ent);
		snprintf(name, sizeof(name), "%s: %s", label, p ? p : "?");
		if (archive_entry_filetype(ent) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(ent) != AE_IFREG) {
			rc = unreadable(fn, arg, name, true, (uint64_t)pos,
			    "not a regular file", e);
		} else if (entry_data(a, archive_entry_size(ent), &data, why,
		    sizeof(why)) == -1) {
			rc = unreadable(fn, arg, name, true, (uint64_t)pos, why,
			    e);
		} else {
			memset(&it, 0, sizeof(it));
			it.name = name;
			it.has_offset = true;
			it.offset = (uint64_t)pos;
			it.data = data;
			it.len = (size_t)archive_entry_size(ent);
			rc = fn(arg, &it, e);
			free(data);
		}
		if (rc == -1)
			break;
	}
	archive_read_free(a);
	return rc;
}

/* One input's bytes: an archive of bundles or a bundle. */
static int
dispatch(const char *label, const uint8_t *buf, size_t len, input_fn fn,
    void *arg, struct errbuf *e)
{
	struct input_item it;

	if (is_tar(buf, len))
		return walk_archive(label, buf, len, false, fn, arg, e);
	if (is_zstd(buf, len) && is_zstd_archive(buf, len))
		return walk_archive(label, buf, len, true, fn, arg, e);
	memset(&it, 0, sizeof(it));
	it.name = label;
	it.data = buf;
	it.len = len;
	return fn(arg, &it, e);
}

static int
do_file(const char *path, input_fn fn, void *arg, struct errbuf *e)
{
	struct errbuf re;
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(path, INPUTS_FILE_MAX, &buf, &len, &re) == -1)
		return unreadable(fn, arg, path, false, 0, re.msg, e);
	rc = dispatch(path, buf, len, fn, arg, e);
	free(buf);
	return rc;
}

static int
skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
do_dir(const char *path, unsigned depth, input_fn fn, void *arg,
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
				rc = do_dir(sub, depth + 1, fn, arg, e);
			else if (S_ISREG(sb.st_mode))
				rc = do_file(sub, fn, arg, e);
		}
		free(names[i]);
	}
	free(names);
	return rc;
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
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(args[i], "-") == 0) {
			if (do_file("-", fn, arg, e) == -1)
				return -1;
			continue;
		}
		if (stat(args[i], &sb) == -1)
			return err_set(e, "%s: %s", args[i], strerror(errno));
		if (S_ISDIR(sb.st_mode) ? do_dir(args[i], 0, fn, arg, e) :
		    do_file(args[i], fn, arg, e))
			return -1;
	}
	return 0;
}
