/*
 * ima_refset.c - reference sets: arenas, builders, seal, O(1) indexes.
 * See ima_refset.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "policy/ima_refset.h"

#define ARENA_BLOCK	(1u << 20)	/* bytes of one arena block */
#define TREE_CHUNK	(64u * 1024)	/* bytes read from a file at once */
#define NONE32		UINT32_MAX
#define TREE_ALGS_MAX	8		/* digest algorithms per tree walk */

/* How duplicates merge at seal time: log counts add up, others take max. */
enum merge_kind {
	MERGE_ADD = 0,
	MERGE_MAX = 1,
};

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	uint8_t data[];
};

/*
 * An open-addressing table (linear probing, load <= 1/2). A slot holds
 * index + 1 in its low 32 bits (0: empty) and, for the entry indexes, the
 * high 32 bits of the key's hash: most probes that would not match are
 * told apart without touching the entry.
 */
#define TAG_MASK	0xffffffff00000000ULL
#define SLOT_INDEX(v)	((uint32_t)(v) - 1)

struct table {
	uint64_t *slot;
	size_t mask;		/* size - 1, size a power of two */
};

struct refset {
	char name[REFSET_NAME_MAX + 1];
	bool sealed;
	struct arena_block *arena;

	struct refset_entry *ent;
	uint8_t *kind;		/* enum merge_kind per entry (unsealed) */
	size_t n, cap;

	char **src;
	size_t nsrc, srccap;
	struct table srctab;	/* source text -> index */

	/* Sealed: indexes and the chains of equal keys. */
	struct table by_digest, by_path, by_exact;
	uint32_t *next_digest;	/* next entry with the same (alg, digest) */
	uint64_t total;		/* sum of the counts */
};

/* --- hashing ------------------------------------------------------------- */

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * The last 1..7 bytes b[0..n) of a key of len bytes as one word, read
 * without a byte loop (bytes stored one by one and read back as a word
 * stall the load): the key's last 8 bytes when it has 8, else two
 * overlapping 4-byte reads or three single bytes.
 */
static uint64_t
tail_word(const uint8_t *b, size_t n, size_t len)
{
	uint64_t w;
	uint32_t x, y;

	if (len >= 8) {
		memcpy(&w, b + n - 8, 8);
		return w;
	}
	if (n >= 4) {
		memcpy(&x, b, 4);
		memcpy(&y, b + n - 4, 4);
		return (uint64_t)x | (uint64_t)y << 32;
	}
	return (uint64_t)b[0] | (uint64_t)b[n / 2] << 8 |
	    (uint64_t)b[n - 1] << 16;
}

/*
 * A key's words folded into 64 bits, not yet mixed: one multiply per
 * word, in two lanes (16 bytes a round: the two multiply chains overlap,
 * so a path costs half the latency). hash_bytes() finishes it with mix64;
 * hash_exact() mixes two of them once. Keys are looked up, never
 * inserted, by untrusted input, so a crafted key cannot lengthen a probe
 * chain.
 */
static uint64_t
hash_fold(uint64_t seed, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t n = len;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	uint64_t g = h ^ 0xc2b2ae3d27d4eb4fULL, w, v;

	while (n >= 16) {
		memcpy(&w, b, 8);
		memcpy(&v, b + 8, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		g = (g ^ v) * 0xff51afd7ed558ccdULL;
		h = h << 31 | h >> 33;
		g = g << 29 | g >> 35;
		b += 16;
		n -= 16;
	}
	if (n >= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h = h << 31 | h >> 33;
		b += 8;
		n -= 8;
	}
	if (n > 0)
		h = (h ^ tail_word(b, n, len)) * 0xc4ceb9fe1a85ec53ULL;
	return (h ^ (g << 23 | g >> 41)) * 0x9e3779b97f4a7c15ULL;
}

static uint64_t
hash_bytes(uint64_t seed, const void *p, size_t len)
{
	return mix64(hash_fold(seed, p, len));
}

static uint64_t
hash_digest(const struct hashalg *alg, const uint8_t *digest)
{
	return hash_bytes((uint64_t)(uintptr_t)alg, digest, alg->size);
}

static uint64_t
hash_path(const char *path, size_t len)
{
	return hash_bytes(0x5bd1e995, path, len);
}

/* The exact key's hash: both folds, mixed once (one mix64 per record
 * looked up, not one per part). */
static uint64_t
hash_exact(const char *path, size_t len, const struct hashalg *alg,
    const uint8_t *digest)
{
	uint64_t d = hash_fold((uint64_t)(uintptr_t)alg, digest, alg->size);

	return mix64(hash_fold(0x5bd1e995, path, len) ^ (d << 32 | d >> 32));
}

static int
table_init(struct table *t, size_t n, struct errbuf *e)
{
	size_t size = 16;

	while (size < 2 * n + 1)
		size <<= 1;
	free(t->slot);
	if ((t->slot = calloc(size, sizeof(*t->slot))) == NULL)
		return err_set(e, "out of memory for a %zu-slot index", size);
	t->mask = size - 1;
	return 0;
}

/* --- arena --------------------------------------------------------------- */

static void *
arena_alloc(struct refset *s, size_t len)
{
	struct arena_block *b = s->arena;
	size_t cap;
	void *p;

	if (b == NULL || b->cap - b->used < len) {
		cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = s->arena;
		s->arena = b;
	}
	p = b->data + b->used;
	b->used += len;
	return p;
}

/* --- the set ------------------------------------------------------------- */

static bool
name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > REFSET_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

int
refset_new(const char *name, struct refset **out, struct errbuf *e)
{
	struct refset *s;

	*out = NULL;
	if (!name_ok(name))
		return err_set(e, "reference set name \"%.80s\": 1 to %d of "
		    "[A-Za-z0-9._-], not starting with '.'", name,
		    REFSET_NAME_MAX);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(e, "out of memory");
	memcpy(s->name, name, strlen(name) + 1);
	*out = s;
	return 0;
}

void
refset_free(struct refset *s)
{
	struct arena_block *b, *next;
	size_t i;

	if (s == NULL)
		return;
	for (b = s->arena; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	for (i = 0; i < s->nsrc; i++)
		free(s->src[i]);
	free(s->src);
	free(s->srctab.slot);
	free(s->ent);
	free(s->kind);
	free(s->by_digest.slot);
	free(s->by_path.slot);
	free(s->by_exact.slot);
	free(s->next_digest);
	free(s);
}

const char *
refset_name(const struct refset *s)
{
	return s->name;
}

bool
refset_sealed(const struct refset *s)
{
	return s->sealed;
}

/* --- provenance ---------------------------------------------------------- */

static size_t
src_find(const struct refset *s, const char *text, size_t len, size_t *slot)
{
	size_t i, v;

	if (s->srctab.slot == NULL) {
		*slot = SIZE_MAX;
		return SIZE_MAX;
	}
	i = hash_path(text, len) & s->srctab.mask;
	while ((v = s->srctab.slot[i]) != 0) {
		if (strcmp(s->src[v - 1], text) == 0)
			return v - 1;
		i = (i + 1) & s->srctab.mask;
	}
	*slot = i;
	return SIZE_MAX;
}

static int
src_rehash(struct refset *s, size_t want, struct errbuf *e)
{
	size_t i, j, len;

	if (table_init(&s->srctab, want, e) == -1)
		return -1;
	for (i = 0; i < s->nsrc; i++) {
		len = strlen(s->src[i]);
		j = hash_path(s->src[i], len) & s->srctab.mask;
		while (s->srctab.slot[j] != 0)
			j = (j + 1) & s->srctab.mask;
		s->srctab.slot[j] = (uint32_t)i + 1;
	}
	return 0;
}

int
refset_add_source(struct refset *s, const char *text, uint32_t *index,
    struct errbuf *e)
{
	size_t len = strlen(text), found, slot = SIZE_MAX, ncap;
	char **ns;

	if (len > REFSET_SOURCE_MAX)
		return err_set(e, "reference set %s: provenance text longer "
		    "than %d bytes", s->name, REFSET_SOURCE_MAX);
	if ((found = src_find(s, text, len, &slot)) != SIZE_MAX) {
		*index = (uint32_t)found;
		return 0;
	}
	if (s->nsrc >= REFSET_SOURCES_MAX)
		return err_set(e, "reference set %s: more than %d provenance "
		    "records", s->name, REFSET_SOURCES_MAX);
	if (s->nsrc == s->srccap) {
		ncap = s->srccap ? 2 * s->srccap : 16;
		if ((ns = realloc(s->src, ncap * sizeof(*ns))) == NULL)
			return err_set(e, "out of memory");
		s->src = ns;
		s->srccap = ncap;
	}
	if ((s->src[s->nsrc] = strdup(text)) == NULL)
		return err_set(e, "out of memory");
	s->nsrc++;
	if (slot == SIZE_MAX || 2 * s->nsrc + 1 > s->srctab.mask + 1) {
		if (src_rehash(s, s->nsrc * 2, e) == -1) {
			free(s->src[--s->nsrc]);
			return -1;
		}
	} else
		s->srctab.slot[slot] = (uint32_t)s->nsrc;
	*index = (uint32_t)(s->nsrc - 1);
	return 0;
}

const char *
refset_source(const struct refset *s, uint32_t index)
{
	return index < s->nsrc ? s->src[index] : "";
}

size_t
refset_nsources(const struct refset *s)
{
	return s->nsrc;
}

/* Undo a failed builder: entries and provenance back to a mark. */
static void
rollback(struct refset *s, size_t n, size_t nsrc)
{
	s->n = n;
	if (s->nsrc != nsrc) {
		while (s->nsrc > nsrc)
			free(s->src[--s->nsrc]);
		(void)src_rehash(s, s->nsrc * 2, NULL);
	}
}

/* --- entries ------------------------------------------------------------- */

static int
grow_entries(struct refset *s, struct errbuf *e)
{
	size_t ncap;
	struct refset_entry *ne;
	uint8_t *nk;

	if (s->n < s->cap)
		return 0;
	if (s->n >= REFSET_ENTRIES_MAX)
		return err_set(e, "more than %u entries", REFSET_ENTRIES_MAX);
	ncap = s->cap ? 2 * s->cap : 1024;
	if (ncap > REFSET_ENTRIES_MAX)
		ncap = REFSET_ENTRIES_MAX;
	if ((ne = realloc(s->ent, ncap * sizeof(*ne))) == NULL)
		return err_set(e, "out of memory");
	s->ent = ne;
	if ((nk = realloc(s->kind, ncap)) == NULL)
		return err_set(e, "out of memory");
	s->kind = nk;
	s->cap = ncap;
	return 0;
}

static int
add_entry(struct refset *s, const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest, uint32_t count,
    uint32_t source, enum merge_kind kind, struct errbuf *e)
{
	struct refset_entry *en;
	uint8_t *mem;

	if (s->sealed)
		return err_set(e, "reference set %s is sealed", s->name);
	if (alg == NULL || alg->size == 0 || alg->size > HASHALG_MAX_SIZE)
		return err_set(e, "entry without a digest algorithm");
	if (path_len == 0 || path_len > REFSET_PATH_MAX)
		return err_set(e, "path of %zu bytes (1 to %d allowed)",
		    path_len, REFSET_PATH_MAX);
	if (memchr(path, '\0', path_len) != NULL)
		return err_set(e, "path with a NUL byte");
	if (count == 0)
		return err_set(e, "entry with count 0");
	if (source >= s->nsrc)
		return err_set(e, "entry names provenance %u of %zu", source,
		    s->nsrc);
	if (grow_entries(s, e) == -1)
		return -1;
	if ((mem = arena_alloc(s, alg->size + path_len + 1)) == NULL)
		return err_set(e, "out of memory");
	memcpy(mem, digest, alg->size);
	memcpy(mem + alg->size, path, path_len);
	mem[alg->size + path_len] = '\0';
	en = &s->ent[s->n];
	en->alg = alg;
	en->digest = mem;
	en->path = (const char *)mem + alg->size;
	en->path_len = path_len;
	en->count = count;
	en->source = source;
	s->kind[s->n] = (uint8_t)kind;
	s->n++;
	return 0;
}

int
refset_add_entry(struct refset *s, const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest, uint32_t count,
    uint32_t source, struct errbuf *e)
{
	if (add_entry(s, path, path_len, alg, digest, count, source,
	    MERGE_ADD, e) == -1)
		return err_prefix(e, "reference set %s", s->name);
	return 0;
}

bool
refset_record_counts(const struct ima_record *rec)
{
	static const char ba[] = "boot_aggregate";

	if (rec->violation || rec->file_alg == NULL ||
	    rec->file_digest == NULL ||
	    rec->file_digest_len != rec->file_alg->size ||
	    rec->path == NULL || rec->path_len == 0)
		return false;
	return !(rec->path_len == sizeof(ba) - 1 &&
	    memcmp(rec->path, ba, sizeof(ba) - 1) == 0);
}

/* --- builder: IMA log ---------------------------------------------------- */

static int
log_record(struct refset *s, const struct ima_record *rec, uint32_t source,
    const char *name, struct errbuf *e)
{
	if (!refset_record_counts(rec))
		return 0;
	if (add_entry(s, rec->path, rec->path_len, rec->file_alg,
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
		rollback(s, n0, nsrc0);
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
		if (add_entry(w->s, w->path, plen, w->algs[i], md, 1,
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
		rollback(s, n0, nsrc0);
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
	return add_entry(s, path, plen, alg, digest, 1, source, MERGE_MAX, e);
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
		rollback(s, n0, nsrc0);
	return rc;
}

/* --- other sets ---------------------------------------------------------- */

int
refset_add_set(struct refset *s, const struct refset *other,
    struct errbuf *e)
{
	size_t n0 = s->n, nsrc0 = s->nsrc, i;
	const struct refset_entry *en;
	uint32_t *map = NULL;
	int rc = -1;

	if (s->sealed || !other->sealed)
		return err_set(e, "adding set %s to %s: the source must be "
		    "sealed, the target not", other->name, s->name);
	if (other->nsrc > 0 &&
	    (map = calloc(other->nsrc, sizeof(*map))) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < other->nsrc; i++)
		if (refset_add_source(s, other->src[i], &map[i], e) == -1)
			goto out;
	for (i = 0; i < other->n; i++) {
		en = &other->ent[i];
		if (add_entry(s, en->path, en->path_len, en->alg, en->digest,
		    en->count, map[en->source], MERGE_MAX, e) == -1)
			goto out;
	}
	rc = 0;
out:
	free(map);
	if (rc == -1) {
		err_prefix(e, "adding set %s to %s", other->name, s->name);
		rollback(s, n0, nsrc0);
	}
	return rc;
}

int
refset_subtract(struct refset *s, const struct refset *other,
    struct errbuf *e)
{
	size_t i, o = 0;
	const struct refset_entry *en;

	if (s->sealed || !other->sealed)
		return err_set(e, "subtracting set %s from %s: the source "
		    "must be sealed, the target not", other->name, s->name);
	for (i = 0; i < s->n; i++) {
		en = &s->ent[i];
		if (refset_find_exact(other, en->path, en->path_len, en->alg,
		    en->digest) != SIZE_MAX)
			continue;
		s->ent[o] = *en;
		s->kind[o] = s->kind[i];
		o++;
	}
	s->n = o;
	return 0;
}

/* --- seal ---------------------------------------------------------------- */

static int
entry_cmp(const struct refset_entry *a, const struct refset_entry *b)
{
	size_t n = a->path_len < b->path_len ? a->path_len : b->path_len;
	int c;

	if ((c = memcmp(a->path, b->path, n)) != 0)
		return c;
	if (a->path_len != b->path_len)
		return a->path_len < b->path_len ? -1 : 1;
	if (a->alg != b->alg && (c = strcmp(a->alg->name, b->alg->name)) != 0)
		return c;
	return memcmp(a->digest, b->digest, a->alg->size);
}

/* Sorts pointers into the entry array: equal entries keep the order they
 * were added in (the array's), so the first added keeps its source. */
static int
ptr_cmp(const void *pa, const void *pb)
{
	const struct refset_entry *a = *(const struct refset_entry *const *)pa;
	const struct refset_entry *b = *(const struct refset_entry *const *)pb;
	int c = entry_cmp(a, b);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Sort, then merge runs of equal (path, alg, digest). */
static int
sort_merge(struct refset *s, struct errbuf *e)
{
	struct refset_entry *out = NULL;
	const struct refset_entry **ptr = NULL;
	uint32_t add, max;
	size_t i, j, o = 0, k;

	if (s->n == 0)
		return 0;
	if ((ptr = malloc(s->n * sizeof(*ptr))) == NULL ||
	    (out = malloc(s->n * sizeof(*out))) == NULL) {
		free(ptr);
		return err_set(e, "out of memory sorting %zu entries", s->n);
	}
	for (i = 0; i < s->n; i++)
		ptr[i] = &s->ent[i];
	qsort(ptr, s->n, sizeof(*ptr), ptr_cmp);
	for (i = 0; i < s->n; i = j) {
		add = 0;
		max = 0;
		for (j = i; j < s->n && entry_cmp(ptr[i], ptr[j]) == 0; j++) {
			k = (size_t)(ptr[j] - s->ent);
			if (s->kind[k] == MERGE_ADD)
				add = sat_add(add, ptr[j]->count);
			else if (ptr[j]->count > max)
				max = ptr[j]->count;
		}
		out[o] = *ptr[i];
		out[o].count = add > max ? add : max;
		o++;
	}
	free(ptr);
	free(s->ent);
	s->ent = out;
	s->n = o;
	s->cap = o;
	return 0;
}

static void
table_put(struct table *t, uint64_t h, uint32_t idx)
{
	size_t i = h & t->mask;

	while (t->slot[i] != 0)
		i = (i + 1) & t->mask;
	t->slot[i] = (h & TAG_MASK) | ((uint64_t)idx + 1);
}

static bool
same_path(const struct refset_entry *a, const struct refset_entry *b)
{
	return a->path_len == b->path_len &&
	    memcmp(a->path, b->path, a->path_len) == 0;
}

static bool
same_digest(const struct refset_entry *en, const struct hashalg *alg,
    const uint8_t *digest)
{
	return en->alg == alg && memcmp(en->digest, digest, alg->size) == 0;
}

/* The slot of (alg, digest), whose hash_digest() is h, in by_digest: its
 * chain's head, or empty. */
static size_t
digest_slot_hashed(const struct refset *s, uint64_t h,
    const struct hashalg *alg, const uint8_t *digest)
{
	uint64_t v;
	size_t i = h & s->by_digest.mask;

	while ((v = s->by_digest.slot[i]) != 0) {
		if ((v & TAG_MASK) == (h & TAG_MASK) &&
		    same_digest(&s->ent[SLOT_INDEX(v)], alg, digest))
			return i;
		i = (i + 1) & s->by_digest.mask;
	}
	return i;
}

static size_t
digest_slot(const struct refset *s, const struct hashalg *alg,
    const uint8_t *digest)
{
	return digest_slot_hashed(s, hash_digest(alg, digest), alg, digest);
}

static int
build_indexes(struct refset *s, struct errbuf *e)
{
	const struct refset_entry *en;
	uint64_t fp, fd, hp, hd;
	size_t i, k;

	if (table_init(&s->by_digest, s->n, e) == -1 ||
	    table_init(&s->by_path, s->n, e) == -1 ||
	    table_init(&s->by_exact, s->n, e) == -1)
		return -1;
	if ((s->next_digest = malloc((s->n + 1) * sizeof(uint32_t))) == NULL)
		return err_set(e, "out of memory");
	/* Backwards, so that each chain's head is its first entry. Each
	 * entry's path and digest are hashed once, for all three indexes. */
	for (i = s->n; i-- > 0;) {
		en = &s->ent[i];
		fp = hash_fold(0x5bd1e995, en->path, en->path_len);
		fd = hash_fold((uint64_t)(uintptr_t)en->alg, en->digest,
		    en->alg->size);
		hp = mix64(fp);		/* = hash_path() */
		hd = mix64(fd);		/* = hash_digest() */
		table_put(&s->by_exact, mix64(fp ^ (fd << 32 | fd >> 32)),
		    (uint32_t)i);	/* = hash_exact() */
		if (i == 0 || !same_path(&s->ent[i - 1], en))
			table_put(&s->by_path, hp, (uint32_t)i);
		k = digest_slot_hashed(s, hd, en->alg, en->digest);
		if (s->by_digest.slot[k] == 0)
			s->next_digest[i] = NONE32;
		else	/* i becomes the chain's head */
			s->next_digest[i] = SLOT_INDEX(s->by_digest.slot[k]);
		s->by_digest.slot[k] = (hd & TAG_MASK) | ((uint64_t)i + 1);
	}
	return 0;
}

/*
 * Copy the surviving entries' digests and paths into one block in sorted
 * order and free the old arena: merged duplicates and subtracted entries
 * no longer take memory, and lookups touch a smaller, denser area.
 */
static int
compact_arena(struct refset *s, struct errbuf *e)
{
	struct arena_block *b, *next, *nb;
	struct refset_entry *en;
	size_t i, total = 0;
	uint8_t *p;

	for (i = 0; i < s->n; i++)
		total += s->ent[i].alg->size + s->ent[i].path_len + 1;
	if ((nb = malloc(sizeof(*nb) + total + 1)) == NULL)
		return err_set(e, "out of memory compacting %zu entries",
		    s->n);
	nb->next = NULL;
	nb->cap = total + 1;
	nb->used = total;
	p = nb->data;
	for (i = 0; i < s->n; i++) {
		en = &s->ent[i];
		memcpy(p, en->digest, en->alg->size);
		memcpy(p + en->alg->size, en->path, en->path_len);
		p[en->alg->size + en->path_len] = '\0';
		en->digest = p;
		en->path = (const char *)p + en->alg->size;
		p += en->alg->size + en->path_len + 1;
	}
	for (b = s->arena; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	s->arena = nb;
	return 0;
}

int
refset_seal(struct refset *s, struct errbuf *e)
{
	if (s->sealed)
		return 0;
	if (sort_merge(s, e) == -1 || compact_arena(s, e) == -1 ||
	    build_indexes(s, e) == -1)
		return err_prefix(e, "reference set %s", s->name);
	free(s->kind);
	s->kind = NULL;
	s->total = 0;
	for (size_t i = 0; i < s->n; i++)
		s->total += s->ent[i].count;
	s->sealed = true;
	return 0;
}

uint64_t
refset_total(const struct refset *s)
{
	return s->sealed ? s->total : 0;
}

size_t
refset_count(const struct refset *s)
{
	return s->sealed ? s->n : 0;
}

const struct refset_entry *
refset_entry(const struct refset *s, size_t i)
{
	return s->sealed && i < s->n ? &s->ent[i] : NULL;
}

/* --- lookups ------------------------------------------------------------- */

size_t
refset_find_digest(const struct refset *s, const struct hashalg *alg,
    const uint8_t *digest)
{
	uint64_t v;

	if (!s->sealed || alg == NULL || digest == NULL)
		return SIZE_MAX;
	v = s->by_digest.slot[digest_slot(s, alg, digest)];
	return v == 0 ? SIZE_MAX : SLOT_INDEX(v);
}

size_t
refset_next_digest(const struct refset *s, size_t i)
{
	if (!s->sealed || i >= s->n || s->next_digest[i] == NONE32)
		return SIZE_MAX;
	return s->next_digest[i];
}

size_t
refset_find_path(const struct refset *s, const char *path, size_t path_len)
{
	size_t i;
	uint64_t h, v;
	const struct refset_entry *en;

	if (!s->sealed || path == NULL)
		return SIZE_MAX;
	h = hash_path(path, path_len);
	i = h & s->by_path.mask;
	while ((v = s->by_path.slot[i]) != 0) {
		en = &s->ent[SLOT_INDEX(v)];
		if ((v & TAG_MASK) == (h & TAG_MASK) &&
		    en->path_len == path_len &&
		    memcmp(en->path, path, path_len) == 0)
			return SLOT_INDEX(v);
		i = (i + 1) & s->by_path.mask;
	}
	return SIZE_MAX;
}

size_t
refset_next_path(const struct refset *s, size_t i)
{
	/* Entries are sorted by path: equal paths are neighbours. */
	if (!s->sealed || i + 1 >= s->n || !same_path(&s->ent[i],
	    &s->ent[i + 1]))
		return SIZE_MAX;
	return i + 1;
}

uint64_t
refset_exact_hash(const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest)
{
	return hash_exact(path, path_len, alg, digest);
}

size_t
refset_exact_prefetch(const struct refset *s, uint64_t h, int stage)
{
	const struct refset_entry *en;
	uint64_t v;
	size_t i;

	if (!s->sealed)
		return SIZE_MAX;
	i = h & s->by_exact.mask;
	if (stage <= 1) {
		__builtin_prefetch(&s->by_exact.slot[i]);
		return SIZE_MAX;
	}
	/* The first slot with the key's tag: its entry, then its key. */
	while ((v = s->by_exact.slot[i]) != 0 &&
	    (v & TAG_MASK) != (h & TAG_MASK))
		i = (i + 1) & s->by_exact.mask;
	if (v == 0)
		return SIZE_MAX;
	en = &s->ent[SLOT_INDEX(v)];
	if (stage == 2) {	/* an entry may straddle two lines */
		__builtin_prefetch(en);
		__builtin_prefetch((const char *)(en + 1) - 1);
	} else {
		__builtin_prefetch(en->digest);
		__builtin_prefetch(en->path + en->path_len - 1);
	}
	return SLOT_INDEX(v);
}

void
refset_entry_prefetch_key(const struct refset *s, size_t k)
{
	const struct refset_entry *en;

	if (!s->sealed || k >= s->n)
		return;
	en = &s->ent[k];
	__builtin_prefetch(en->digest);
	__builtin_prefetch(en->path + en->path_len - 1);
}

size_t
refset_find_exact(const struct refset *s, const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest)
{
	if (path == NULL || alg == NULL || digest == NULL)
		return SIZE_MAX;
	return refset_find_exact_hashed(s, hash_exact(path, path_len, alg,
	    digest), path, path_len, alg, digest);
}

size_t
refset_find_exact_hashed(const struct refset *s, uint64_t h, const char *path,
    size_t path_len, const struct hashalg *alg, const uint8_t *digest)
{
	size_t i;
	uint64_t v;
	const struct refset_entry *en;

	if (!s->sealed || path == NULL || alg == NULL || digest == NULL)
		return SIZE_MAX;
	i = h & s->by_exact.mask;
	while ((v = s->by_exact.slot[i]) != 0) {
		if ((v & TAG_MASK) != (h & TAG_MASK)) {
			i = (i + 1) & s->by_exact.mask;
			continue;
		}
		en = &s->ent[SLOT_INDEX(v)];
		if (en->path_len == path_len && same_digest(en, alg, digest) &&
		    memcmp(en->path, path, path_len) == 0)
			return SLOT_INDEX(v);
		i = (i + 1) & s->by_exact.mask;
	}
	return SIZE_MAX;
}
