/*
 * ima_refset_import.c - the reference-set builders that read outside
 * data: an IMA log (binary or ASCII), a directory tree hashed file by
 * file, and sha*sum lists. Each adds one provenance record and rolls the
 * set back whole if it fails. See ima_refset.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/ima_log.h"
#include "policy/ima_refset.h"
#include "policy/ima_refset_int.h"

#define TREE_CHUNK	(64u * 1024)	/* bytes read from a file at once */
#define TREE_ALGS_MAX	8		/* digest algorithms per tree walk */

/* --- builder: IMA log ---------------------------------------------------- */

static int
log_record(struct refset *s, const struct ima_record *rec, uint32_t source,
    const char *name, struct errbuf *e)
{
	if (!refset_record_counts(rec))
		return 0;
	if (refset_add_kind(s, rec->path, rec->path_len, rec->file_alg,
	    rec->file_digest, 1, source, MERGE_ADD, e) == -1)
		return err_prefix(e, "%s: entry %llu", name,
		    (unsigned long long)rec->index);
	return 0;
}

static int
log_binary(struct refset *s, const uint8_t *buf, size_t len,
    const struct hashalg *log_alg, const char *name, uint32_t source,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t off = 0, need;
	enum ima_parse_result r;

	ima_parser_init(&p, log_alg, IMA_ORDER_UNKNOWN);
	while (len - off >= 4) {
		r = ima_parse_record(&p, buf + off, len - off, &rec, &need, e);
		if (r != IMA_PARSE_RECORD)
			break;
		if (log_record(s, &rec, source, name, e) == -1)
			return -1;
		off += rec.size;
	}
	if (ima_parse_finish(&p, buf + off, len - off, e) == -1)
		return err_prefix(e, "%s", name);
	return 0;
}

static int
log_ascii(struct refset *s, const uint8_t *buf, size_t len,
    const struct hashalg *log_alg, const char *name, uint32_t source,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	const uint8_t *nl;
	uint8_t *rb = NULL, *nb;
	size_t off = 0, ll, rcap = 0, blen, need;
	int rc = -1;

	ima_parser_init(&p, log_alg, IMA_ORDER_LE);
	while (off < len) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL) {
			err_set(e, "%s: entry %llu at offset %zu: last line "
			    "has no newline", name,
			    (unsigned long long)p.index, off);
			goto out;
		}
		ll = (size_t)(nl - (buf + off));
		if (rcap < ll + 512) {
			if ((nb = realloc(rb, ll + 512)) == NULL) {
				err_set(e, "%s: out of memory", name);
				goto out;
			}
			rb = nb;
			rcap = ll + 512;
		}
		p.offset = off;
		if (ima_ascii_to_binary((const char *)buf + off, ll, log_alg,
		    rb, rcap, &blen, e) == -1) {
			err_prefix(e, "%s: entry %llu at offset %zu (text)",
			    name, (unsigned long long)p.index, off);
			goto out;
		}
		if (ima_parse_record(&p, rb, blen, &rec, &need, e) !=
		    IMA_PARSE_RECORD || rec.size != blen) {
			err_prefix(e, "%s (text)", name);
			goto out;
		}
		if (log_record(s, &rec, source, name, e) == -1)
			goto out;
		off += ll + 1;
	}
	rc = 0;
out:
	free(rb);
	return rc;
}

int
refset_add_ima_log(struct refset *s, const uint8_t *buf, size_t len,
    const struct hashalg *log_alg, const char *name, const char *provenance,
    struct errbuf *e)
{
	size_t n0 = s->n, nsrc0 = s->nsrc;
	uint32_t source;
	int rc;

	if (s->sealed)
		return err_set(e, "reference set %s is sealed", s->name);
	if (refset_add_source(s, provenance, &source, e) == -1)
		return err_prefix(e, "%s", name);
	if (len > 0 && (buf[0] == ' ' || (buf[0] >= '0' && buf[0] <= '9')))
		rc = log_ascii(s, buf, len, log_alg, name, source, e);
	else
		rc = log_binary(s, buf, len, log_alg, name, source, e);
	if (rc == -1)
		refset_rollback(s, n0, nsrc0);
	return rc;
}

/* --- builder: directory tree --------------------------------------------- */

struct tree_walk {
	struct refset *s;
	const char *root;
	const struct hashalg *const *algs;
	size_t nalgs;
	EVP_MD_CTX *ctx[TREE_ALGS_MAX];
	uint8_t *chunk;
	uint32_t source;
	char path[REFSET_PATH_MAX + 2];
};

static int walk_dir(struct tree_walk *w, int dfd, size_t plen,
    unsigned depth, struct errbuf *e);

static int
hash_file(struct tree_walk *w, int fd, size_t plen, struct errbuf *e)
{
	uint8_t md[HASHALG_MAX_SIZE];
	ssize_t r;
	size_t i;

	for (i = 0; i < w->nalgs; i++)
		if (EVP_DigestInit_ex(w->ctx[i], hashalg_md(w->algs[i]),
		    NULL) != 1)
			return err_openssl(e, "digest init");
	for (;;) {
		r = read(fd, w->chunk, TREE_CHUNK);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return err_set(e, "%s%s: read: %s", w->root, w->path,
			    strerror(errno));
		if (r == 0)
			break;
		for (i = 0; i < w->nalgs; i++)
			if (EVP_DigestUpdate(w->ctx[i], w->chunk, (size_t)r) !=
			    1)
				return err_openssl(e, "digest update");
	}
	for (i = 0; i < w->nalgs; i++) {
		if (EVP_DigestFinal_ex(w->ctx[i], md, NULL) != 1)
			return err_openssl(e, "digest final");
		if (refset_add_kind(w->s, w->path, plen, w->algs[i], md, 1,
		    w->source, MERGE_MAX, e) == -1)
			return err_prefix(e, "%s%s", w->root, w->path);
	}
	return 0;
}

static int
walk_file(struct tree_walk *w, int dfd, const char *name, size_t plen,
    struct errbuf *e)
{
	struct stat st;
	int fd, rc;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return err_set(e, "%s%s: open: %s", w->root, w->path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "%s%s: no longer a regular file", w->root,
		    w->path);
	}
	rc = hash_file(w, fd, plen, e);
	close(fd);
	return rc;
}

static int
walk_entry(struct tree_walk *w, int dfd, const char *name, size_t plen,
    unsigned depth, struct errbuf *e)
{
	struct stat st;
	size_t nlen = strlen(name), np;
	int sub, rc;

	if (plen + 1 + nlen > REFSET_PATH_MAX)
		return err_set(e, "%s%s/%s: path longer than %d bytes",
		    w->root, w->path, name, REFSET_PATH_MAX);
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, name, nlen + 1);
	np = plen + 1 + nlen;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return err_set(e, "%s%s: stat: %s", w->root, w->path,
		    strerror(errno));
	if (S_ISREG(st.st_mode))
		rc = walk_file(w, dfd, name, np, e);
	else if (S_ISDIR(st.st_mode)) {
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sub == -1)
			return err_set(e, "%s%s: open: %s", w->root, w->path,
			    strerror(errno));
		rc = walk_dir(w, sub, np, depth + 1, e);	/* closes sub */
	} else
		rc = 0;		/* links, devices, sockets: not measured */
	w->path[plen] = '\0';
	return rc;
}

/* Walk the directory open as dfd (closed here), path so far w->path. */
static int
walk_dir(struct tree_walk *w, int dfd, size_t plen, unsigned depth,
    struct errbuf *e)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > REFSET_TREE_DEPTH_MAX) {
		close(dfd);
		return err_set(e, "%s%s: more than %d directory levels",
		    w->root, w->path, REFSET_TREE_DEPTH_MAX);
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return err_set(e, "%s%s: %s", w->root, w->path,
		    strerror(errno));
	}
	while (rc == 0) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				rc = err_set(e, "%s%s: readdir: %s", w->root,
				    w->path, strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rc = walk_entry(w, dirfd(d), de->d_name, plen, depth, e);
	}
	closedir(d);
	return rc;
}

static int
tree_check_algs(const struct hashalg *const *algs, size_t nalgs,
    struct errbuf *e)
{
	size_t i, j;

	if (nalgs == 0 || nalgs > TREE_ALGS_MAX)
		return err_set(e, "1 to %d digest algorithms per tree",
		    TREE_ALGS_MAX);
	for (i = 0; i < nalgs; i++) {
		if (algs[i] == NULL || hashalg_md(algs[i]) == NULL)
			return err_set(e, "digest algorithm %s not available",
			    algs[i] ? algs[i]->name : "(null)");
		for (j = 0; j < i; j++)
			if (algs[j] == algs[i])
				return err_set(e, "digest algorithm %s given "
				    "twice", algs[i]->name);
	}
	return 0;
}

int
refset_add_tree(struct refset *s, const char *root,
    const struct hashalg *const *algs, size_t nalgs, const char *provenance,
    struct errbuf *e)
{
	struct tree_walk w;
	size_t n0 = s->n, nsrc0 = s->nsrc, i;
	int dfd, rc = -1;

	if (s->sealed)
		return err_set(e, "reference set %s is sealed", s->name);
	if (tree_check_algs(algs, nalgs, e) == -1)
		return err_prefix(e, "tree %s", root);
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.root = root;
	w.algs = algs;
	w.nalgs = nalgs;
	if (refset_add_source(s, provenance, &w.source, e) == -1)
		return err_prefix(e, "tree %s", root);
	if ((w.chunk = malloc(TREE_CHUNK)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	for (i = 0; i < nalgs; i++)
		if ((w.ctx[i] = EVP_MD_CTX_new()) == NULL) {
			err_openssl(e, "digest context");
			goto out;
		}
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		err_set(e, "tree %s: %s", root, strerror(errno));
		goto out;
	}
	rc = walk_dir(&w, dfd, 0, 0, e);
out:
	for (i = 0; i < nalgs; i++)
		EVP_MD_CTX_free(w.ctx[i]);
	free(w.chunk);
	if (rc == -1)
		refset_rollback(s, n0, nsrc0);
	return rc;
}

/* --- builder: sum lists -------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo coreutils' escaping of a name ("\\\\", "\\n", "\\r") in place. */
static int
unescape_name(char *p, size_t *len)
{
	size_t i, o = 0;

	for (i = 0; i < *len; i++) {
		if (p[i] != '\\') {
			p[o++] = p[i];
			continue;
		}
		if (++i == *len)
			return -1;
		if (p[i] == '\\')
			p[o++] = '\\';
		else if (p[i] == 'n')
			p[o++] = '\n';
		else if (p[i] == 'r')
			p[o++] = '\r';
		else
			return -1;
	}
	*len = o;
	return 0;
}

static const struct hashalg *
sum_alg(size_t hexlen, bool allow_sha1, const char **why)
{
	switch (hexlen) {
	case 32:
		*why = "an MD5 digest (md5sums lists are not measurement "
		    "digests; use sha256sum)";
		return NULL;
	case 40:
		if (!allow_sha1) {
			*why = "a SHA-1 digest (sha1sum lists are refused "
			    "unless SHA-1 is allowed)";
			return NULL;
		}
		return hashalg_by_name("sha1");
	case 64:
		return hashalg_by_name("sha256");
	case 96:
		return hashalg_by_name("sha384");
	case 128:
		return hashalg_by_name("sha512");
	default:
		*why = "not a sha256sum, sha384sum or sha512sum line";
		return NULL;
	}
}

static int
sum_line(struct refset *s, char *line, size_t len, bool allow_sha1,
    uint32_t source, struct errbuf *e)
{
	uint8_t digest[HASHALG_MAX_SIZE];
	const struct hashalg *alg;
	const char *why = "";
	bool escaped = false;
	size_t hexlen = 0, i, plen;
	char *path, apath[REFSET_PATH_MAX + 2];

	if (len > 0 && line[0] == '\\') {
		escaped = true;
		line++;
		len--;
	}
	while (hexlen < len && hexval((unsigned char)line[hexlen]) >= 0)
		hexlen++;
	if (hexlen + 2 > len || line[hexlen] != ' ' ||
	    (line[hexlen + 1] != ' ' && line[hexlen + 1] != '*'))
		return err_set(e, "not \"DIGEST  PATH\" or \"DIGEST *PATH\"");
	if ((alg = sum_alg(hexlen, allow_sha1, &why)) == NULL)
		return err_set(e, "%zu hex digits: %s", hexlen, why);
	for (i = 0; i < alg->size; i++)
		digest[i] = (uint8_t)(hexval((unsigned char)line[2 * i]) << 4 |
		    hexval((unsigned char)line[2 * i + 1]));
	path = line + hexlen + 2;
	plen = len - hexlen - 2;
	if (escaped && unescape_name(path, &plen) == -1)
		return err_set(e, "bad escape in an escaped name");
	if (plen == 0)
		return err_set(e, "empty path");
	/* sha256sum run in / prints "./usr/..." or "usr/...": make it
	 * absolute, as IMA records it. */
	if (plen >= 2 && path[0] == '.' && path[1] == '/') {
		path++;
		plen--;
	}
	if (path[0] != '/') {
		if (plen + 1 > REFSET_PATH_MAX)
			return err_set(e, "path longer than %d bytes",
			    REFSET_PATH_MAX);
		apath[0] = '/';
		memcpy(apath + 1, path, plen);
		path = apath;
		plen++;
	}
	return refset_add_kind(s, path, plen, alg, digest, 1, source, MERGE_MAX, e);
}

int
refset_add_sums(struct refset *s, const uint8_t *buf, size_t len,
    const char *name, bool allow_sha1, const char *provenance,
    struct errbuf *e)
{
	size_t n0 = s->n, nsrc0 = s->nsrc, off = 0, ll, lineno = 0;
	const uint8_t *nl;
	char *line = NULL;
	uint32_t source;
	int rc = -1;

	if (s->sealed)
		return err_set(e, "reference set %s is sealed", s->name);
	if (refset_add_source(s, provenance, &source, e) == -1)
		return err_prefix(e, "%s", name);
	if ((line = malloc(REFSET_SUMLINE_MAX + 1)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	while (off < len) {
		lineno++;
		nl = memchr(buf + off, '\n', len - off);
		ll = nl ? (size_t)(nl - (buf + off)) : len - off;
		if (ll > 0 && buf[off + ll - 1] == '\r')
			ll--;	/* lists written on Windows */
		if (ll > REFSET_SUMLINE_MAX) {
			err_set(e, "%s line %zu: longer than %zu bytes", name,
			    lineno, (size_t)REFSET_SUMLINE_MAX);
			goto out;
		}
		memcpy(line, buf + off, ll);
		line[ll] = '\0';
		if (ll > 0 && sum_line(s, line, ll, allow_sha1, source,
		    e) == -1) {
			err_prefix(e, "%s line %zu", name, lineno);
			goto out;
		}
		off += nl ? (size_t)(nl - (buf + off)) + 1 : len - off;
	}
	rc = 0;
out:
	free(line);
	if (rc == -1)
		refset_rollback(s, n0, nsrc0);
	return rc;
}

