/*
 * fuzz_refset.c - libFuzzer target for the reference-set readers of
 * policy/ima_refset.h that take bytes: refset_add_sums (sha*sum lists)
 * and refset_add_ima_log (binary list or ascii_runtime_measurements),
 * then refset_seal and a walk over the sealed entries.
 *
 * The first input byte picks: bit 0 set, an IMA log (bit 1: column
 * algorithm sha256, else sha1); clear, a sum list (bit 1: SHA-1 lines
 * allowed). The rest is the file. Every sealed entry must have a path.
 *
 * Then the set algebra and lookups on what sealed: a copy made with
 * refset_add_set holds the same entries; that copy less the set itself
 * (refset_subtract) is empty; every entry is found again by its exact
 * key, by its path and by its digest, walking the next_* chains.
 * Seeds in fuzz/corpus/fuzz_refset/: sum lists (sha256, sha1, escaped
 * names, a bad line) and real IMA logs of testdata/ima, prefixed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/hashalg.h"
#include "policy/ima_refset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* i must be on the chain that starts at first and follows next. */
static void
on_chain(const struct refset *s, size_t first, size_t i,
    size_t (*next)(const struct refset *, size_t))
{
	size_t k, steps = 0;

	for (k = first; k != SIZE_MAX && k != i; k = next(s, k))
		if (++steps > refset_count(s))
			__builtin_trap();	/* a cycle */
	if (k != i)
		__builtin_trap();
}

static void
algebra(const struct refset *a)
{
	const struct refset_entry *x, *y;
	struct refset *b, *c;
	struct errbuf e;
	size_t i, n = refset_count(a);

	for (i = 0; i < n; i++) {
		x = refset_entry(a, i);
		if (refset_find_exact(a, x->path, x->path_len, x->alg,
		    x->digest) != i)
			__builtin_trap();
		on_chain(a, refset_find_path(a, x->path, x->path_len), i,
		    refset_next_path);
		on_chain(a, refset_find_digest(a, x->alg, x->digest), i,
		    refset_next_digest);
	}
	if (refset_new("copy", &b, &e) != 0 || refset_add_set(b, a, &e) != 0 ||
	    refset_seal(b, &e) != 0 || refset_count(b) != n ||
	    refset_total(b) != refset_total(a))
		__builtin_trap();
	for (i = 0; i < n; i++) {
		x = refset_entry(a, i);
		y = refset_entry(b, i);
		if (x->alg != y->alg || x->path_len != y->path_len ||
		    x->count != y->count ||
		    memcmp(x->path, y->path, x->path_len) != 0 ||
		    memcmp(x->digest, y->digest, x->alg->size) != 0)
			__builtin_trap();
	}
	if (refset_add_set(b, a, &e) == 0)	/* b is sealed */
		__builtin_trap();
	if (refset_new("none", &c, &e) != 0 || refset_add_set(c, a, &e) != 0 ||
	    refset_subtract(c, b, &e) != 0 || refset_seal(c, &e) != 0 ||
	    refset_count(c) != 0)
		__builtin_trap();
	refset_free(c);
	refset_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct refset *s;
	struct errbuf e;
	uint8_t mode;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	if (refset_new("fuzz", &s, &e) == -1)
		return 0;
	if (mode & 1)
		rc = refset_add_ima_log(s, data + 1, size - 1,
		    hashalg_by_name(mode & 2 ? "sha256" : "sha1"), "fuzz.log",
		    "fuzz", &e);
	else
		rc = refset_add_sums(s, data + 1, size - 1, "fuzz.sums",
		    (mode & 2) != 0, "fuzz", &e);
	if (rc == 0 && refset_seal(s, &e) == 0) {
		if (!refset_sealed(s))
			__builtin_trap();
		algebra(s);
	}
	refset_free(s);
	return 0;
}
