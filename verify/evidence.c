/*
 * evidence.c - see evidence.h.
 */
/* syncfs(2): one flush of the archive's file system per committed
 * window instead of an fsync per bundle. */
#define _GNU_SOURCE
#include "verify/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"

#define EVIDENCE_EXT	".dossier"

struct evidence {
	char dir[EVIDENCE_PATH_MAX];
	int dirfd;
	atomic_bool dirty;		/* put since the last sync */
	atomic_uint tmp_counter;	/* unique temporary names */
};

/* "XX/HEX.dossier" into out[2 + 1 + 64 + sizeof(EVIDENCE_EXT)]. */
static void
rel_name(const uint8_t sha256[32], char *out)
{
	char hex[65];

	hex_encode(sha256, 32, hex);
	snprintf(out, 3 + 64 + sizeof(EVIDENCE_EXT), "%.2s/%s" EVIDENCE_EXT,
	    hex, hex);
}

int
evidence_open(const char *store_path, bool create, struct evidence **out,
    struct errbuf *e)
{
	struct evidence *ev;
	int n;

	*out = NULL;
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return err_set(e, "out of memory");
	n = snprintf(ev->dir, sizeof(ev->dir), "%s" EVIDENCE_SUFFIX,
	    store_path);
	if (n < 0 || (size_t)n >= sizeof(ev->dir)) {
		free(ev);
		return err_set(e, "%s: path too long for its evidence archive",
		    store_path);
	}
	if (create && mkdir(ev->dir, 0700) == -1 && errno != EEXIST) {
		err_set(e, "%s: %s", ev->dir, strerror(errno));
		free(ev);
		return -1;
	}
	ev->dirfd = open(ev->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (ev->dirfd == -1) {
		n = errno;
		free(ev);
		if (n == ENOENT && !create)
			return 0;
		return err_set(e, "%s" EVIDENCE_SUFFIX ": %s%s", store_path,
		    strerror(n), n == ENOTDIR || n == ELOOP ? " (the evidence "
		    "archive must be a directory, not a link)" : "");
	}
	atomic_init(&ev->dirty, false);
	atomic_init(&ev->tmp_counter, 0);
	*out = ev;
	return 0;
}

void
evidence_close(struct evidence *ev)
{
	if (ev == NULL)
		return;
	close(ev->dirfd);
	free(ev);
}

const char *
evidence_dir(const struct evidence *ev)
{
	return ev->dir;
}

void
evidence_path(const struct evidence *ev, const uint8_t sha256[32], char *out)
{
	char rel[3 + 64 + sizeof(EVIDENCE_EXT)];

	rel_name(sha256, rel);
	snprintf(out, EVIDENCE_PATH_MAX, "%s/%s", ev->dir, rel);
}

/* Write data to a fresh temporary file in sub/ (tmp gets its name). */
static int
write_tmp(struct evidence *ev, const char *rel, const uint8_t *data,
    size_t len, char *tmp, size_t tmpcap, struct errbuf *e)
{
	unsigned k = atomic_fetch_add(&ev->tmp_counter, 1);
	int fd;

	/* ".tmp-" names are no XX/HEX.dossier: foreach() skips them */
	snprintf(tmp, tmpcap, "%.2s/.tmp-%ld-%u", rel, (long)getpid(), k);
	fd = openat(ev->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0444);
	if (fd == -1)
		return err_set(e, "%s/%s: %s", ev->dir, tmp, strerror(errno));
	if (fd_write_all(fd, data, len) == -1) {
		err_set(e, "%s/%s: %s", ev->dir, tmp, strerror(errno));
		close(fd);
		unlinkat(ev->dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) == -1) {
		err_set(e, "%s/%s: %s", ev->dir, tmp, strerror(errno));
		unlinkat(ev->dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int
evidence_put(struct evidence *ev, const uint8_t sha256[32],
    const uint8_t *data, size_t len, struct errbuf *e)
{
	char rel[3 + 64 + sizeof(EVIDENCE_EXT)], sub[3], tmp[64];
	int rc = 0;

	rel_name(sha256, rel);
	if (faccessat(ev->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;	/* kept already: the same bytes */
	memcpy(sub, rel, 2);
	sub[2] = '\0';
	if (mkdirat(ev->dirfd, sub, 0700) == -1 && errno != EEXIST)
		return err_set(e, "%s/%s: %s", ev->dir, sub, strerror(errno));
	if (write_tmp(ev, rel, data, len, tmp, sizeof(tmp), e) == -1)
		return -1;
	/* link, not rename: never replaces a file another thread or run
	 * put under the name meanwhile (the same bytes) */
	if (linkat(ev->dirfd, tmp, ev->dirfd, rel, 0) == -1 &&
	    errno != EEXIST)
		rc = err_set(e, "%s/%s: %s", ev->dir, rel, strerror(errno));
	unlinkat(ev->dirfd, tmp, 0);
	if (rc == 0)
		atomic_store(&ev->dirty, true);
	return rc;
}

int
evidence_sync(struct evidence *ev, struct errbuf *e)
{
	if (!atomic_exchange(&ev->dirty, false))
		return 0;
	if (syncfs(ev->dirfd) == -1) {
		atomic_store(&ev->dirty, true);
		return err_set(e, "%s: sync: %s", ev->dir, strerror(errno));
	}
	return 0;
}

int
evidence_read(const struct evidence *ev, const uint8_t sha256[32],
    uint8_t **data, size_t *len, bool *found, struct errbuf *e)
{
	char path[EVIDENCE_PATH_MAX];
	uint8_t got[32];
	struct stat sb;

	*data = NULL;
	*len = 0;
	*found = false;
	evidence_path(ev, sha256, path);
	if (lstat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, "%s: not a regular file", path);
	if (file_read(path, EVIDENCE_FILE_MAX, data, len, e) == -1)
		return -1;
	if (hashalg_digest(hashalg_by_name("sha256"), *data, *len, got) == -1 ||
	    memcmp(got, sha256, 32) != 0) {
		free(*data);
		*data = NULL;
		*len = 0;
		return err_set(e, "%s: its bytes no longer have the SHA-256 of "
		    "its name: the archive was changed", path);
	}
	*found = true;
	return 0;
}

int
evidence_remove(struct evidence *ev, const uint8_t sha256[32], bool *removed,
    struct errbuf *e)
{
	char rel[3 + 64 + sizeof(EVIDENCE_EXT)];

	*removed = false;
	rel_name(sha256, rel);
	if (unlinkat(ev->dirfd, rel, 0) == -1) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, "%s/%s: %s", ev->dir, rel, strerror(errno));
	}
	*removed = true;
	return 0;
}

/* The digest a file name XX/HEX.dossier names, if it is one. */
static bool
name_digest(const char *sub, const char *name, uint8_t sha256[32])
{
	size_t n = strlen(name);

	if (n != 64 + sizeof(EVIDENCE_EXT) - 1 ||
	    strcmp(name + 64, EVIDENCE_EXT) != 0 ||
	    strncmp(name, sub, 2) != 0 ||
	    strspn(name, "0123456789abcdef") != 64)
		return false;
	return hex_decode(name, 64, sha256, 32) == 32;
}

static int
foreach_sub(const struct evidence *ev, const char *sub, evidence_fn fn,
    void *arg, struct errbuf *e)
{
	struct dirent *de;
	uint8_t sha[32];
	DIR *d;
	int fd, rc = 0;

	if ((fd = openat(ev->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return err_set(e, "%s/%s: %s", ev->dir, sub, strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (name_digest(sub, de->d_name, sha))
			rc = fn(arg, sha, e);
	closedir(d);
	return rc;
}

int
evidence_foreach(const struct evidence *ev, evidence_fn fn, void *arg,
    struct errbuf *e)
{
	char sub[3];
	unsigned i;
	int rc = 0;

	/* the 256 subdirectories in order: a listing in digest order */
	for (i = 0; i < 256 && rc == 0; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		if (faccessat(ev->dirfd, sub, F_OK, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		rc = foreach_sub(ev, sub, fn, arg, e);
	}
	return rc;
}
