/*
 * ima_refset_int.h - the inside of a reference set, shared by
 * ima_refset.c (the set, seal, lookups) and ima_refset_import.c (the
 * builders that read IMA logs, directory trees and sum lists) only. Never
 * included elsewhere: the API is ima_refset.h.
 */
#ifndef DOSSIER_POLICY_IMA_REFSET_INT_H
#define DOSSIER_POLICY_IMA_REFSET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "policy/ima_refset.h"

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

/* Undo a failed builder: entries and provenance back to a mark (the n
 * and nsrc it found). */
void refset_rollback(struct refset *s, size_t n, size_t nsrc);

/* Append one entry of an unsealed set, merged at seal time as kind says;
 * path, alg, digest, count and source checked. 0, or -1 (e set, without
 * the set's name). */
int refset_add_kind(struct refset *s, const char *path, size_t path_len,
    const struct hashalg *alg, const uint8_t *digest, uint32_t count,
    uint32_t source, enum merge_kind kind, struct errbuf *e);

#endif
