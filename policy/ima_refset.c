/*
 * ima_refset.c - reference sets: arenas, provenance, entries, seal, O(1)
 * indexes. See ima_refset.h; the builders that read IMA logs, directory
 * trees and sum lists are in ima_refset_import.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>


#include "policy/ima_refset.h"
#include "policy/ima_refset_int.h"

#define ARENA_BLOCK	(1u << 20)	/* bytes of one arena block */
#define NONE32		UINT32_MAX

/* Slots of a struct table (ima_refset_int.h). */
#define TAG_MASK	0xffffffff00000000ULL
#define SLOT_INDEX(v)	((uint32_t)(v) - 1)

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

void
refset_rollback(struct refset *s, size_t n, size_t nsrc)
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

int
refset_add_kind(struct refset *s, const char *path, size_t path_len,
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
	if (refset_add_kind(s, path, path_len, alg, digest, count, source,
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
		if (refset_add_kind(s, en->path, en->path_len, en->alg, en->digest,
		    en->count, map[en->source], MERGE_MAX, e) == -1)
			goto out;
	}
	rc = 0;
out:
	free(map);
	if (rc == -1) {
		err_prefix(e, "adding set %s to %s", other->name, s->name);
		refset_rollback(s, n0, nsrc0);
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
