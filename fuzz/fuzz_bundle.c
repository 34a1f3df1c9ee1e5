/*
 * fuzz_bundle.c - libFuzzer target for the bundle reader (format/bundle.h):
 * bundle_read_mem with a manifest callback, member_data and collection,
 * and bundle_list_mem (every listed entry's type has a name).
 *
 * The first input byte selects the mode: even, the rest is a bundle as it
 * would arrive (zstd frames); odd, the rest is a raw tar stream that the
 * harness compresses with zstd first, so that mutations reach the tar and
 * member checks instead of dying in zstd's checksum.
 *
 * MANIFEST is parsed in a stand-in text encoding, one line per member,
 * "NAME SIZE SHA256HEX\n" (as in tests/unit/test_bundle.c), so the fuzzer
 * can reach the member checks. Seeds in fuzz/corpus/fuzz_bundle/: valid
 * bundles from bundle_write_mem (both modes), a bundle with no members,
 * and raw tars with a symlink, a pax header and a digest mismatch.
 *
 * A bundle that reads with every member collected is written again by
 * bundle_write_mem (same MANIFEST, members, order) and must read back,
 * both from memory and streamed through bundle_read_stream in small
 * uneven pieces, to the same members; bundle_members_compute over the
 * collected data must give the digests the reader checked. The read from
 * memory uses a scratch kept between inputs (as a verifier thread does),
 * so collected members are borrowed from it; their bytes must be the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "format/bundle.h"
#include "format/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_manifest(void *arg, const uint8_t *p, size_t len,
    struct bundle_member *m, size_t *n, struct errbuf *e);

/* Hands out buf in pieces of 1, 2, ... 700 bytes, cycling. */
struct pieces {
	const uint8_t *buf;
	size_t len, off, step;
};

static int
fill_pieces(void *arg, uint8_t *out, size_t cap, size_t *got,
    struct errbuf *e)
{
	struct pieces *p = arg;
	size_t n = p->len - p->off;

	(void)e;
	p->step = p->step % 700 + 1;
	if (n > p->step)
		n = p->step;
	if (n > cap)
		n = cap;
	memcpy(out, p->buf + p->off, n);
	p->off += n;
	*got = n;
	return 0;
}

static struct bundle_scratch *scratch;

static void
same_members(const struct bundle_contents *a, const struct bundle_contents *b)
{
	size_t i;

	if (a->nmembers != b->nmembers || a->manifest_len != b->manifest_len ||
	    memcmp(a->manifest, b->manifest, a->manifest_len) != 0)
		__builtin_trap();
	for (i = 0; i < a->nmembers; i++)
		if (strcmp(a->members[i].name, b->members[i].name) != 0 ||
		    a->members[i].size != b->members[i].size ||
		    memcmp(a->members[i].sha256, b->members[i].sha256, 32) != 0)
			__builtin_trap();
	for (i = 0; i < a->nmembers; i++)
		if (b->data[i] != NULL && (a->data[i] == NULL ||
		    memcmp(a->data[i], b->data[i], a->members[i].size) != 0))
			__builtin_trap();
}

static void
rewrite(const struct bundle_contents *c)
{
	static struct bundle_input in[BUNDLE_MEMBERS_MAX];
	static struct bundle_member m[BUNDLE_MEMBERS_MAX];
	static struct bundle_contents back;
	struct bundle_reader r = { parse_manifest, NULL, NULL, NULL, 4096 };
	struct pieces p = { NULL, 0, 0, 0 };
	struct errbuf e;
	uint8_t *out;
	size_t i, len;

	for (i = 0; i < c->nmembers; i++) {
		if (c->data[i] == NULL)
			return;		/* not collected: too big */
		in[i].name = c->members[i].name;
		in[i].media_type = "application/octet-stream";
		in[i].data = c->data[i];
		in[i].len = c->members[i].size;
	}
	if (bundle_members_compute(in, c->nmembers, m, &e) != 0)
		__builtin_trap();
	for (i = 0; i < c->nmembers; i++)
		if (memcmp(m[i].sha256, c->members[i].sha256, 32) != 0)
			__builtin_trap();
	if (bundle_write_mem(c->manifest, c->manifest_len, in, c->nmembers,
	    1700000000, &out, &len, &e) != 0)
		__builtin_trap();
	if (scratch == NULL && (scratch = bundle_scratch_new()) == NULL)
		abort();
	r.scratch = scratch;
	if (bundle_read_mem("again", out, len, &r, &back, &e) != 0)
		__builtin_trap();
	same_members(c, &back);
	bundle_contents_free(&back);
	r.scratch = NULL;
	p.buf = out;
	p.len = len;
	if (bundle_read_stream("streamed", fill_pieces, &p, &r, &back,
	    &e) != 0)
		__builtin_trap();
	same_members(c, &back);
	bundle_contents_free(&back);
	free(out);
}

static int
parse_manifest(void *arg, const uint8_t *p, size_t len,
    struct bundle_member *m, size_t *n, struct errbuf *e)
{
	char line[256], name[64], hex[80];
	unsigned long long sz;
	size_t i = 0, start = 0, k;

	(void)arg;
	for (k = 0; k < len; k++) {
		if (p[k] != '\n')
			continue;
		if (k - start >= sizeof(line) || i == BUNDLE_MEMBERS_MAX)
			return err_set(e, "bad line");
		memcpy(line, p + start, k - start);
		line[k - start] = '\0';
		start = k + 1;
		if (sscanf(line, "%63s %llu %79s", name, &sz, hex) != 3 ||
		    strlen(name) > BUNDLE_MEMBER_NAME_MAX ||
		    hex_decode(hex, strlen(hex), m[i].sha256, 32) != 32)
			return err_set(e, "cannot parse line %zu", i + 1);
		memset(m[i].name, 0, sizeof(m[i].name));
		memcpy(m[i].name, name, strlen(name));
		m[i].media_type[0] = '\0';
		m[i].size = sz;
		i++;
	}
	*n = i;
	return 0;
}

static int
count_data(void *arg, size_t index, const struct bundle_member *m,
    const uint8_t *chunk, size_t len, struct errbuf *e)
{
	uint64_t *seen = arg;

	(void)e;
	if (index >= BUNDLE_MEMBERS_MAX || len == 0 || len > BUNDLE_CHUNK ||
	    seen[index] + len > m->size)
		__builtin_trap();	/* the reader promised otherwise */
	seen[index] += len;
	(void)chunk[len - 1];
	return 0;
}

static int
member_end(void *arg, size_t index, const struct bundle_member *m,
    struct errbuf *e)
{
	uint64_t *seen = arg;

	(void)e;
	if (seen[index] != m->size)
		__builtin_trap();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seen[BUNDLE_MEMBERS_MAX] = { 0 };
	struct bundle_reader r = { parse_manifest, count_data, member_end,
	    seen, 4096 };
	struct bundle_contents c;
	struct bundle_listing l;
	struct errbuf e;
	uint8_t *z = NULL;
	size_t zn, i;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		zn = ZSTD_compressBound(size - 1);
		if ((z = malloc(zn)) == NULL)
			return 0;
		zn = ZSTD_compress(z, zn, data + 1, size - 1, 1);
		if (ZSTD_isError(zn)) {
			free(z);
			return 0;
		}
	}
	if (bundle_read_mem("fuzz", z ? z : data + 1, z ? zn : size - 1, &r,
	    &c, &e) == 0) {
		for (i = 0; i < c.nmembers; i++)
			if (c.data[i] != NULL && c.data[i][c.members[i].size] != 0)
				__builtin_trap();
		rewrite(&c);
		bundle_contents_free(&c);
	}
	if (bundle_list_mem("fuzz", z ? z : data + 1, z ? zn : size - 1, &l,
	    &e) == 0)
		for (i = 0; i < l.nentries; i++)
			if (strcmp(bundle_entry_type_name(l.entries[i].type),
			    "unknown") == 0)
				__builtin_trap();	/* a type without a name */
	free(z);
	return 0;
}
