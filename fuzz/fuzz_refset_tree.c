/*
 * fuzz_refset_tree.c - libFuzzer target for the golden-image importer of
 * format/ima_refset.h, refset_add_tree (dossier refs add --dir): the input
 * describes a small directory tree, built afresh for each input under a
 * private directory (in /dev/shm if writable, else $TMPDIR or /tmp) and
 * removed afterwards; the importer walks it.
 *
 * Input: byte 0 picks the digest algorithms (bits 0-1: sha256; sha1 and
 * sha256; sha384; sha256 twice, which must be refused). Then records of
 *   op (1 byte)  0 file, 1 directory (entered), 2 leave the directory,
 *                3 symbolic link, 4 FIFO (links and FIFOs are not
 *                measured), anything else: ignored
 *   n  (1 byte)  name length, then n name bytes ('/' and NUL become '_';
 *                ".", ".." and "" are skipped)
 *   for a file: a length byte and that many content bytes
 * at most TREE_NODES_MAX records, at most TREE_FILE_MAX bytes per file, so
 * one input never builds more than a few hundred kilobytes. Directories may
 * nest deeper than REFSET_TREE_DEPTH_MAX and paths grow past
 * REFSET_PATH_MAX, so the limits are reached.
 *
 * Property: when the import succeeds, the sealed set holds exactly
 * (regular files built) x (algorithms) entries, and each file built is
 * found by refset_find_exact under its path below the root with the
 * digest computed here. Seeds: fuzz/gen-seeds.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <openssl/evp.h>

#include "format/hashalg.h"
#include "policy/ima_refset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TREE_NODES_MAX	160	/* records acted on per input */
#define TREE_FILE_MAX	255	/* content bytes per file (one length byte) */
#define TREE_LEVELS_MAX	80	/* directories entered at once */

static char base[64];		/* private directory, made once */
static char root[96];		/* base/t, the tree of one input */

struct built {
	char path[REFSET_PATH_MAX + 256];	/* relative to root, "/a/b" */
	uint8_t content[TREE_FILE_MAX];
	size_t len;
};
static struct built files[TREE_NODES_MAX];
static size_t nfiles;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_refset_tree: %s: %s\n", what, strerror(errno));
	abort();
}

/* Remove everything under the directory open as dfd (closed here). */
static void
rm_tree_at(int dfd)
{
	struct dirent *de;
	DIR *d;

	if ((d = fdopendir(dfd)) == NULL)
		die("fdopendir");
	while ((de = readdir(d)) != NULL) {
		int sub;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		sub = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub == -1)
			die("openat");
		rm_tree_at(sub);
		if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == -1)
			die("rmdir");
		rewinddir(d);
	}
	closedir(d);
}

static void
rm_root(void)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1) {
		if (errno == ENOENT)
			return;
		die(root);
	}
	rm_tree_at(fd);
	if (rmdir(root) == -1)
		die("rmdir root");
}

static void
cleanup(void)
{
	rm_root();
	(void)rmdir(base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "%s/dossier-fuzz-tree-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		die("mkdtemp");
	snprintf(root, sizeof(root), "%s/t", base);
	atexit(cleanup);
	return 0;
}

/* Build the tree the records describe; fills files[]. */
static void
build(const uint8_t *p, size_t n)
{
	int fds[TREE_LEVELS_MAX + 1];
	size_t plens[TREE_LEVELS_MAX + 1];
	char rel[sizeof(files[0].path)];
	size_t nodes = 0, plen = 0;
	int level = 0;

	nfiles = 0;
	rel[0] = '\0';
	if (mkdir(root, 0700) == -1)
		die("mkdir root");
	if ((fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		die("open root");
	plens[0] = 0;
	while (n >= 2 && nodes++ < TREE_NODES_MAX) {
		uint8_t op = p[0], nl = p[1];
		char name[256];
		size_t i, clen = 0;
		const uint8_t *c = NULL;
		int dfd = fds[level], fd;

		p += 2;
		n -= 2;
		if (nl > n)
			break;
		for (i = 0; i < nl; i++)
			name[i] = p[i] == '/' || p[i] == '\0' ? '_' : (char)p[i];
		name[nl] = '\0';
		p += nl;
		n -= nl;
		if (op == 0) {
			if (n < 1 || p[0] > n - 1)
				break;
			clen = p[0];
			c = p + 1;
			p += 1 + clen;
			n -= 1 + clen;
		}
		if (op == 2) {
			if (level > 0) {
				close(fds[level--]);
				plen = plens[level + 1];
				rel[plen] = '\0';
			}
			continue;
		}
		if (nl == 0 || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0 || op > 4)
			continue;
		if (plen + 1 + nl >= sizeof(rel))
			continue;
		switch (op) {
		case 0:
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);
			if (fd == -1) {
				if (errno == EEXIST)
					continue;
				die("create");
			}
			if (clen > 0 && write(fd, c, clen) != (ssize_t)clen)
				die("write");
			close(fd);
			snprintf(files[nfiles].path, sizeof(files[nfiles].path),
			    "%s/%s", rel, name);
			memcpy(files[nfiles].content, c, clen);
			files[nfiles++].len = clen;
			break;
		case 1:
			if (mkdirat(dfd, name, 0700) == -1 && errno != EEXIST)
				die("mkdirat");
			if (level == TREE_LEVELS_MAX)
				continue;
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1)
				continue;	/* a file or link of that name */
			fds[++level] = fd;
			plens[level] = plen;
			rel[plen] = '/';
			memcpy(rel + plen + 1, name, nl + 1);
			plen += 1 + nl;
			break;
		case 3:
			if (symlinkat(".", dfd, name) == -1 && errno != EEXIST)
				die("symlinkat");
			break;
		case 4:
			if (mkfifoat(dfd, name, 0600) == -1 && errno != EEXIST)
				die("mkfifoat");
			break;
		}
	}
	while (level >= 0)
		close(fds[level--]);
}

static void
check(const struct refset *s, const struct hashalg *const *algs,
    size_t nalgs)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t i, k;

	if (refset_count(s) != nfiles * nalgs)
		abort();
	for (i = 0; i < nfiles; i++)
		for (k = 0; k < nalgs; k++) {
			if (EVP_Digest(files[i].content, files[i].len, md, NULL,
			    hashalg_md(algs[k]), NULL) != 1)
				abort();
			if (refset_find_exact(s, files[i].path,
			    strlen(files[i].path), algs[k], md) == SIZE_MAX)
				abort();
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hashalg *algs[2];
	struct refset *s;
	struct errbuf e;
	size_t nalgs = 1;
	int rc;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		algs[0] = hashalg_by_name("sha256");
		break;
	case 1:
		algs[0] = hashalg_by_name("sha1");
		algs[1] = hashalg_by_name("sha256");
		nalgs = 2;
		break;
	case 2:
		algs[0] = hashalg_by_name("sha384");
		break;
	default:
		algs[0] = algs[1] = hashalg_by_name("sha256");
		nalgs = 2;
		break;
	}
	build(data + 1, size - 1);
	if (refset_new("fuzz", &s, &e) == -1)
		abort();
	rc = refset_add_tree(s, root, algs, nalgs, "fuzz tree", &e);
	if ((data[0] & 3) == 3 && rc == 0)
		abort();	/* an algorithm twice must be refused */
	if (rc == 0) {
		if (refset_seal(s, &e) != 0)
			abort();
		check(s, algs, nalgs);
	}
	refset_free(s);
	rm_root();
	return 0;
}
