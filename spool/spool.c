/* spool.c - see spool.h. */
#define _GNU_SOURCE	/* renameat2, RENAME_NOREPLACE */
#include "spool/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "format/hex.h"
#include "format/fileio.h"

#define SPOOL_DEVICE_HEX	64
#define SPOOL_UNIQUE_HEX	32
#define SPOOL_SUB_MAX		(SPOOL_PATH_MAX + SPOOL_NAME_MAX + 64)

static const struct {
	const char *name, *ext;
} kinds[] = {
	[SPOOL_CHALLENGE] = { "challenge", "dchal" },
	[SPOOL_EVIDENCE] = { "evidence", "dbundle" },
	[SPOOL_RESULTS] = { "results", "dres" },
	[SPOOL_EAR] = { "ear", "ear" },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

const char *
spool_kind_name(enum spool_kind k)
{
	return (unsigned)k < NKINDS ? kinds[k].name : "unknown";
}

const char *
spool_kind_ext(enum spool_kind k)
{
	return (unsigned)k < NKINDS ? kinds[k].ext : "";
}

int
spool_kind_by_name(const char *name, enum spool_kind *out)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (strcmp(name, kinds[i].name) == 0) {
			*out = (enum spool_kind)i;
			return 0;
		}
	return -1;
}

/* dir/sub/name (name may be NULL) into out[SPOOL_SUB_MAX]. */
static int
sub_path(const char *dir, const char *sub, const char *name, char *out,
    size_t cap, struct errbuf *e)
{
	int n;

	if (name != NULL)
		n = snprintf(out, cap, "%s/%s/%s", dir, sub, name);
	else
		n = snprintf(out, cap, "%s/%s", dir, sub);
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "%s: path too long", dir);
	return 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool
spool_is_spool(const char *dir)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	char p[SPOOL_SUB_MAX];
	size_t i;

	for (i = 0; i < 3; i++)
		if (sub_path(dir, subs[i], NULL, p, sizeof(p), NULL) == -1 ||
		    !is_dir(p))
			return false;
	return true;
}

/* Whether dir has no entries besides . and .. */
/*
 * Whether dir holds nothing but some of tmp/, new/ and cur/ (as
 * directories): empty, or a spool another program is making right now.
 */
static int
dir_is_unfinished_spool(const char *dir, bool *ok, struct errbuf *e)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return err_set(e, "%s: %s", dir, strerror(errno));
	*ok = true;
	while (*ok && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "tmp") != 0 &&
		    strcmp(de->d_name, "new") != 0 &&
		    strcmp(de->d_name, "cur") != 0)
			*ok = false;
		else if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode))
			*ok = false;
	}
	closedir(d);
	return 0;
}

/* fsync a directory; file systems that cannot (EINVAL) are let be. */
static int
sync_dir(const char *dir, struct errbuf *e)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", dir, strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
		rc = err_set(e, "%s: fsync: %s", dir, strerror(errno));
	close(fd);
	return rc;
}

static int
make_dir(const char *path, struct errbuf *e)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return err_set(e, "%s: %s", path, strerror(errno));
	if (!is_dir(path))
		return err_set(e, "%s: not a directory", path);
	return 0;
}

static int
make_subdirs(const char *dir, struct errbuf *e)
{
	static const char *subs[] = { "tmp", "new", "cur" };
	char p[SPOOL_SUB_MAX];
	size_t i;

	for (i = 0; i < 3; i++)
		if (sub_path(dir, subs[i], NULL, p, sizeof(p), e) == -1 ||
		    make_dir(p, e) == -1)
			return -1;
	return sync_dir(dir, e);
}

int
spool_open(const char *dir, bool create, struct spool *sp, struct errbuf *e)
{
	bool empty = false;

	if (dir == NULL || dir[0] == '\0')
		return err_set(e, "spool: empty path");
	if (strlen(dir) >= SPOOL_PATH_MAX)
		return err_set(e, "spool %.64s...: path too long", dir);
	memset(sp, 0, sizeof(*sp));
	memcpy(sp->dir, dir, strlen(dir) + 1);
	if (spool_is_spool(dir))
		return 0;
	if (!create) {
		if (!exists(dir))
			return err_set(e, "spool %s: %s", dir,
			    strerror(ENOENT));
		return err_set(e, "spool %s: not a spool (no tmp/, new/ and "
		    "cur/ directories)", dir);
	}
	if (!exists(dir)) {
		if (make_dir(dir, e) == -1)
			return err_prefix(e, "spool");
	} else {
		if (!is_dir(dir))
			return err_set(e, "spool %s: not a directory", dir);
		if (dir_is_unfinished_spool(dir, &empty, e) == -1)
			return err_prefix(e, "spool");
		if (!empty)
			return err_set(e, "spool %s: not a spool and not "
			    "empty: refusing to make it one", dir);
	}
	if (make_subdirs(dir, e) == -1)
		return err_prefix(e, "spool");
	return 0;
}

/* ---- names ------------------------------------------------------------------ */

int
spool_make_name(enum spool_kind kind, const uint8_t device[32],
    const uint8_t unique[16], char *out, struct errbuf *e)
{
	char dev[SPOOL_DEVICE_HEX + 1], uq[SPOOL_UNIQUE_HEX + 1];
	uint8_t rnd[16];
	int n;

	if ((unsigned)kind >= NKINDS)
		return err_set(e, "spool: unknown file kind %d", (int)kind);
	if (device != NULL)
		hex_encode(device, 32, dev);
	else
		strcpy(dev, "unknown");
	if (unique == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return err_openssl(e, "spool: random name");
		unique = rnd;
	}
	hex_encode(unique, 16, uq);
	n = snprintf(out, SPOOL_NAME_MAX + 1, "%s-%s-%s.%s", kinds[kind].name,
	    dev, uq, kinds[kind].ext);
	if (n < 0 || n > SPOOL_NAME_MAX)
		return err_set(e, "spool: name too long");
	return 0;
}

static bool
lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool
spool_name_valid(const char *name, enum spool_kind *kind)
{
	size_t i, len, kl;
	const char *p;

	if (name == NULL || (len = strnlen(name, SPOOL_NAME_MAX + 1)) >
	    SPOOL_NAME_MAX)
		return false;
	for (i = 0; i < NKINDS; i++) {
		kl = strlen(kinds[i].name);
		if (len > kl && memcmp(name, kinds[i].name, kl) == 0 &&
		    name[kl] == '-')
			break;
	}
	if (i == NKINDS)
		return false;
	p = name + kl + 1;
	if (strncmp(p, "unknown-", 8) == 0)
		p += 8;
	else if (lower_hex(p, SPOOL_DEVICE_HEX) && p[SPOOL_DEVICE_HEX] == '-')
		p += SPOOL_DEVICE_HEX + 1;
	else
		return false;
	if (!lower_hex(p, SPOOL_UNIQUE_HEX) || p[SPOOL_UNIQUE_HEX] != '.')
		return false;
	p += SPOOL_UNIQUE_HEX + 1;
	if (strcmp(p, kinds[i].ext) != 0)
		return false;
	if (kind != NULL)
		*kind = (enum spool_kind)i;
	return true;
}

int
spool_name_parse(const char *name, enum spool_kind *kind, uint8_t device[32],
    bool *has_device, uint8_t unique[16])
{
	const char *p;
	enum spool_kind k;

	if (!spool_name_valid(name, &k))
		return -1;
	p = name + strlen(kinds[k].name) + 1;
	if (strncmp(p, "unknown-", 8) == 0) {
		*has_device = false;
		memset(device, 0, 32);
		p += 8;
	} else {
		*has_device = true;
		if (hex_decode(p, SPOOL_DEVICE_HEX, device, 32) != 32)
			return -1;
		p += SPOOL_DEVICE_HEX + 1;
	}
	if (hex_decode(p, SPOOL_UNIQUE_HEX, unique, 16) != 16)
		return -1;
	*kind = k;
	return 0;
}

/* ---- delivery ---------------------------------------------------------------- */


int
spool_tmp_path(const struct spool *sp, const char *name, char *out,
    size_t cap, struct errbuf *e)
{
	char leaf[SPOOL_NAME_MAX + 64];
	uint8_t r[4];
	char rh[9];

	if (!spool_name_valid(name, NULL))
		return err_set(e, "spool %s: '%.*s': not a spool file name",
		    sp->dir, SPOOL_NAME_MAX, name);
	if (RAND_bytes(r, sizeof(r)) != 1)
		return err_openssl(e, "spool: random name");
	hex_encode(r, sizeof(r), rh);
	snprintf(leaf, sizeof(leaf), "%s.%ld.%s", name, (long)getpid(), rh);
	return sub_path(sp->dir, "tmp", leaf, out, cap, e);
}

/* Write data to a fresh tmp/ file (fsync'd with sync); its path into tmp. */
static int
write_tmp(const struct spool *sp, const char *name, const uint8_t *data,
    size_t len, bool sync, char *tmp, size_t cap, struct errbuf *e)
{
	int fd;

	if (spool_tmp_path(sp, name, tmp, cap, e) == -1)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, "%s: %s", tmp, strerror(errno));
	if (fd_write_all(fd, data, len) != 0 || (sync && fsync(fd) != 0)) {
		err_set(e, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		err_set(e, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Rename from to to unless to exists: 1 done, 0 to existed, -1 error
 * (errno set; ENOENT: from is gone). File systems without
 * RENAME_NOREPLACE get a check then a plain rename.
 */
static int
rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	if (exists(to))
		return 0;
	return rename(from, to) == 0 ? 1 : -1;
}

/* new/name or cur/name there already? Paths into nw, dir (new/). */
static int
delivered(const struct spool *sp, const char *name, char *nw, char *dir,
    bool *existed, struct errbuf *e)
{
	char cur[SPOOL_SUB_MAX];

	if (!spool_name_valid(name, NULL))
		return err_set(e, "spool %s: '%.*s': not a spool file name",
		    sp->dir, SPOOL_NAME_MAX, name);
	if (sub_path(sp->dir, "new", name, nw, SPOOL_SUB_MAX, e) == -1 ||
	    sub_path(sp->dir, "cur", name, cur, sizeof(cur), e) == -1 ||
	    sub_path(sp->dir, "new", NULL, dir, SPOOL_SUB_MAX, e) == -1)
		return -1;
	*existed = exists(nw) || exists(cur);
	return 0;
}

/* Rename the complete tmp file into new/name, fsync new/ (unless dir is
 * NULL: the caller syncs it). */
static int
publish(const char *tmp, const char *nw, const char *dir, bool *existed,
    struct errbuf *e)
{
	int r;

	if ((r = rename_noreplace(tmp, nw)) != 1) {
		if (r == -1)
			err_set(e, "spool: %s: %s", nw, strerror(errno));
		unlink(tmp);
		if (r == -1)
			return -1;
		*existed = true;
		return 0;
	}
	if (dir != NULL && sync_dir(dir, e) == -1)
		return err_prefix(e, "spool");
	return 0;
}

int
spool_deliver(const struct spool *sp, const char *name, const uint8_t *data,
    size_t len, bool *existed, struct errbuf *e)
{
	char tmp[SPOOL_SUB_MAX], nw[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX];

	*existed = false;
	if (len > SPOOL_FILE_MAX)
		return err_set(e, "spool %s: %s: %zu bytes, more than the "
		    "limit of %zu", sp->dir, name, len, SPOOL_FILE_MAX);
	if (delivered(sp, name, nw, dir, existed, e) == -1)
		return -1;
	if (*existed)
		return 0;
	if (write_tmp(sp, name, data, len, true, tmp, sizeof(tmp), e) == -1)
		return err_prefix(e, "spool");
	return publish(tmp, nw, dir, existed, e);
}

/* Make the tmp files of a batch durable: one syncfs(2), else each. */
static int
sync_batch(const struct spool *sp, char (*tmp)[SPOOL_SUB_MAX], size_t n,
    struct errbuf *e)
{
	char dir[SPOOL_SUB_MAX];
	size_t i;
	int fd, rc = 0;

	if (sub_path(sp->dir, "tmp", NULL, dir, sizeof(dir), e) == -1)
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    syncfs(fd) == 0) {
		close(fd);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n && rc == 0; i++) {
		if (tmp[i][0] == '\0')
			continue;
		if ((fd = open(tmp[i], O_RDONLY | O_CLOEXEC)) < 0 ||
		    fsync(fd) != 0)
			rc = err_set(e, "%s: %s", tmp[i], strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return rc;
}

static void
unlink_tmps(char (*tmp)[SPOOL_SUB_MAX], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tmp[i][0] != '\0')
			unlink(tmp[i]);
}

int
spool_deliver_many(const struct spool *sp, struct spool_file *files,
    size_t n, struct errbuf *e)
{
	char (*tmp)[SPOOL_SUB_MAX], nw[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX];
	size_t i;
	int rc = -1;

	if (n == 0)
		return 0;
	if ((tmp = calloc(n, sizeof(*tmp))) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < n; i++) {
		files[i].existed = false;
		if (files[i].len > SPOOL_FILE_MAX) {
			err_set(e, "spool %s: %s: %zu bytes, more than the "
			    "limit of %zu", sp->dir, files[i].name,
			    files[i].len, SPOOL_FILE_MAX);
			goto out;
		}
		if (delivered(sp, files[i].name, nw, dir, &files[i].existed,
		    e) == -1)
			goto out;
		if (!files[i].existed && write_tmp(sp, files[i].name,
		    files[i].data, files[i].len, false, tmp[i], sizeof(tmp[i]),
		    e) == -1) {
			err_prefix(e, "spool");
			goto out;
		}
	}
	if (sync_batch(sp, tmp, n, e) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (tmp[i][0] == '\0')
			continue;
		if (delivered(sp, files[i].name, nw, dir, &files[i].existed,
		    e) == -1 || publish(tmp[i], nw, NULL, &files[i].existed,
		    e) == -1)
			goto out;
		tmp[i][0] = '\0';
	}
	if (sync_dir(dir, e) == -1) {
		err_prefix(e, "spool");
		goto out;
	}
	rc = 0;
out:
	unlink_tmps(tmp, n);
	free(tmp);
	return rc;
}

int
spool_deliver_tmp(const struct spool *sp, const char *tmp_path,
    const char *name, bool *existed, struct errbuf *e)
{
	char nw[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX], tdir[SPOOL_SUB_MAX];
	size_t tl;

	*existed = false;
	if (sub_path(sp->dir, "tmp", NULL, tdir, sizeof(tdir), e) == -1)
		return -1;
	tl = strlen(tdir);
	if (strncmp(tmp_path, tdir, tl) != 0 || tmp_path[tl] != '/' ||
	    strchr(tmp_path + tl + 1, '/') != NULL) {
		unlink(tmp_path);
		return err_set(e, "spool %s: %s is not in its tmp/", sp->dir,
		    tmp_path);
	}
	if (delivered(sp, name, nw, dir, existed, e) == -1) {
		unlink(tmp_path);
		return -1;
	}
	if (*existed) {
		unlink(tmp_path);
		return 0;
	}
	return publish(tmp_path, nw, dir, existed, e);
}

/* ---- consuming ----------------------------------------------------------------- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
spool_names_free(char **names, size_t count)
{
	size_t i;

	for (i = 0; names != NULL && i < count; i++)
		free(names[i]);
	free(names);
}

static int
push_name(char ***names, size_t *n, size_t *cap, const char *name,
    struct errbuf *e)
{
	char **p;

	if (*n == *cap) {
		size_t nc = *cap == 0 ? 64 : *cap * 2;

		if (nc > SPOOL_LIST_MAX)
			nc = SPOOL_LIST_MAX;
		if ((p = realloc(*names, nc * sizeof(*p))) == NULL)
			return err_set(e, "out of memory");
		*names = p;
		*cap = nc;
	}
	if (((*names)[*n] = strdup(name)) == NULL)
		return err_set(e, "out of memory");
	(*n)++;
	return 0;
}

int
spool_list_all(const struct spool *sp, bool from_cur, char ***names,
    size_t *count, size_t *ignored, struct errbuf *e)
{
	char dir[SPOOL_SUB_MAX];
	struct dirent *de;
	size_t n = 0, cap = 0, skipped = 0;
	char **v = NULL;
	DIR *d;

	*names = NULL;
	*count = 0;
	if (sub_path(sp->dir, from_cur ? "cur" : "new", NULL, dir,
	    sizeof(dir), e) == -1)
		return -1;
	if ((d = opendir(dir)) == NULL)
		return err_set(e, "spool: %s: %s", dir, strerror(errno));
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!spool_name_valid(de->d_name, NULL)) {
			skipped++;
			continue;
		}
		if (n == SPOOL_LIST_MAX)
			break;	/* the rest on the next listing */
		if (push_name(&v, &n, &cap, de->d_name, e) == -1) {
			closedir(d);
			spool_names_free(v, n);
			return err_prefix(e, "spool %s", sp->dir);
		}
	}
	if (de == NULL && errno != 0) {
		err_set(e, "spool: %s: %s", dir, strerror(errno));
		closedir(d);
		spool_names_free(v, n);
		return -1;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	if (ignored != NULL)
		*ignored = skipped;
	return 0;
}

int
spool_list(const struct spool *sp, bool from_cur, char ***names,
    size_t *count, struct errbuf *e)
{
	return spool_list_all(sp, from_cur, names, count, NULL, e);
}

int
spool_path(const struct spool *sp, bool cur, const char *name, char *out,
    size_t cap, struct errbuf *e)
{
	if (!spool_name_valid(name, NULL))
		return err_set(e, "spool %s: '%.*s': not a spool file name",
		    sp->dir, SPOOL_NAME_MAX, name);
	return sub_path(sp->dir, cur ? "cur" : "new", name, out, cap, e);
}

int
spool_claim(const struct spool *sp, const char *name, bool *won,
    struct errbuf *e)
{
	char nw[SPOOL_SUB_MAX], cur[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX];
	int r;

	*won = false;
	if (spool_path(sp, false, name, nw, sizeof(nw), e) == -1 ||
	    spool_path(sp, true, name, cur, sizeof(cur), e) == -1 ||
	    sub_path(sp->dir, "cur", NULL, dir, sizeof(dir), e) == -1)
		return -1;
	r = rename_noreplace(nw, cur);
	if (r == -1) {
		if (errno == ENOENT)
			return 0;	/* another consumer took it */
		return err_set(e, "spool: claim %s: %s", nw, strerror(errno));
	}
	if (r == 0) {
		/* A second copy of a claim in progress: drop it. */
		if (unlink(nw) != 0 && errno != ENOENT)
			return err_set(e, "spool: %s: %s", nw,
			    strerror(errno));
		return 0;
	}
	*won = true;	/* not synced: a claim lost in a crash is taken again */
	return 0;
}

int
spool_done(const struct spool *sp, const char *name, struct errbuf *e)
{
	char cur[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX];

	if (spool_path(sp, true, name, cur, sizeof(cur), e) == -1 ||
	    sub_path(sp->dir, "cur", NULL, dir, sizeof(dir), e) == -1)
		return -1;
	if (unlink(cur) != 0)
		return err_set(e, "spool: %s: %s", cur, strerror(errno));
	return sync_dir(dir, e) == -1 ? err_prefix(e, "spool") : 0;
}

int
spool_done_many(const struct spool *sp, char *const *names, size_t n,
    struct errbuf *e)
{
	char cur[SPOOL_SUB_MAX], dir[SPOOL_SUB_MAX];
	size_t i;

	if (n == 0)
		return 0;
	if (sub_path(sp->dir, "cur", NULL, dir, sizeof(dir), e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (spool_path(sp, true, names[i], cur, sizeof(cur), e) == -1)
			return -1;
		if (unlink(cur) != 0)
			return err_set(e, "spool: %s: %s", cur,
			    strerror(errno));
	}
	return sync_dir(dir, e) == -1 ? err_prefix(e, "spool") : 0;
}

int
spool_clean_tmp(const struct spool *sp, int64_t now, int64_t age,
    unsigned *removed, struct errbuf *e)
{
	char dir[SPOOL_SUB_MAX], p[SPOOL_SUB_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;

	*removed = 0;
	if (sub_path(sp->dir, "tmp", NULL, dir, sizeof(dir), e) == -1)
		return -1;
	if ((d = opendir(dir)) == NULL)
		return err_set(e, "spool: %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p))
			continue;
		if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (int64_t)st.st_mtime > now - age)
			continue;
		if (unlink(p) == 0)
			(*removed)++;
		else if (errno != ENOENT) {
			err_set(e, "spool: %s: %s", p, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
spool_lock(const struct spool *sp, int *fd, struct errbuf *e)
{
	*fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return err_set(e, "spool %s: %s", sp->dir, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		if (saved == ENOLCK || saved == EOPNOTSUPP ||
		    saved == EINVAL)
			return 0;	/* no locks here: documented */
		close(*fd);
		*fd = -1;
		if (saved == EWOULDBLOCK)
			return err_set(e, "spool %s: another consumer holds "
			    "it", sp->dir);
		return err_set(e, "spool %s: lock: %s", sp->dir,
		    strerror(saved));
	}
	return 0;
}

void
spool_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
