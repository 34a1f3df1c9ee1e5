/*
 * test_refs_file.c - dossier-refs(5) (policy/refs_file.h): a set built
 * from the real charra log (more entries than one chunk) and a set with
 * more provenance records than one chunk round-trip entry by entry; every
 * single-byte change, truncation and extension of an export is refused;
 * another verifier's key is refused; and bodies that are well signed but
 * break a rule of the format (order, repeats, chunking, counts, sizes,
 * algorithms, trailing chunks) are each refused with their reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "format/cbor_det.h"
#include "format/challenge.h"
#include "format/cose.h"
#include "format/fileio.h"
#include "policy/refs_file.h"
#include "tests/unit/check.h"

static EVP_PKEY *key, *other;
static const struct hashalg *sha1, *sha256;

static bool
same_sets(const struct refset *a, const struct refset *b)
{
	const struct refset_entry *x, *y;
	size_t i;

	if (refset_count(a) != refset_count(b) ||
	    refset_nsources(a) != refset_nsources(b) ||
	    strcmp(refset_name(a), refset_name(b)) != 0)
		return false;
	for (i = 0; i < refset_nsources(a); i++)
		if (strcmp(refset_source(a, (uint32_t)i),
		    refset_source(b, (uint32_t)i)) != 0)
			return false;
	for (i = 0; i < refset_count(a); i++) {
		x = refset_entry(a, i);
		y = refset_entry(b, i);
		if (x->alg != y->alg || x->count != y->count ||
		    x->source != y->source || x->path_len != y->path_len ||
		    memcmp(x->path, y->path, x->path_len) != 0 ||
		    memcmp(x->digest, y->digest, x->alg->size) != 0)
			return false;
	}
	return true;
}

static struct refset *
charra_set(void)
{
	struct refset *s = NULL;
	struct errbuf e = { "" };
	uint8_t *buf = NULL, d[32];
	size_t len;
	uint32_t src;

	if (file_read("testdata/ima/charra/binary_runtime_measurements",
	    1u << 24, &buf, &len, &e) == -1 ||
	    refset_new("charra-golden", &s, &e) == -1 ||
	    refset_add_ima_log(s, buf, len, sha1, "charra", "bundle charra",
	    &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	memset(d, 0x5a, sizeof(d));
	refset_add_source(s, "sums SHA256SUMS", &src, &e);
	refset_add_entry(s, "/usr/bin/x", 10, sha256, d, 3, src, &e);
	refset_seal(s, &e);
	free(buf);
	return s;
}

static void
test_round_trip(void)
{
	struct refset *s = charra_set(), *t = NULL, *u = NULL;
	struct refs_info info;
	struct errbuf e = { "" };
	uint8_t *f1 = NULL, *f2 = NULL;
	size_t l1, l2, hl;
	char name[32];
	uint32_t src;
	size_t i;

	CHECK(refset_count(s) > REFS_CHUNK, "more entries than one chunk "
	    "(%zu)", refset_count(s));
	CHECK(refs_file_write(s, 1700000000, key, &f1, &l1, &e) == 0,
	    "export written (%s)", e.msg);
	CHECK(refs_file_verify(f1, l1, key, &info, &t, &e) == 0 && t != NULL,
	    "export verified and imported (%s)", e.msg);
	CHECK(t != NULL && same_sets(s, t), "imported set equals the "
	    "original, entry by entry");
	CHECK(t != NULL && refset_sealed(t) &&
	    refset_find_path(t, "/usr/bin/x", 10) != SIZE_MAX,
	    "imported set is sealed and indexed");
	CHECK(strcmp(info.name, "charra-golden") == 0 &&
	    info.created == 1700000000 && info.nentries == refset_count(s) &&
	    info.nsources == 2, "header fields");
	CHECK(refs_file_write(s, 1700000000, key, &f2, &l2, &e) == 0 &&
	    l1 == l2, "second export, same length");
	/* ECDSA signatures differ; the body (after the header) does not. */
	hl = l1 - (l1 - CBOR_MAGIC_LEN);
	for (i = l1; i > 0 && f1[i - 1] == f2[i - 1]; i--)
		;
	CHECK(i < l1 - 1000 && i > hl, "bodies identical byte for byte (last "
	    "difference at %zu of %zu)", i, l1);
	CHECK(refs_file_open(f1, l1, &info, NULL, &e) == 0 &&
	    info.nentries == refset_count(s), "header read without the key");
	CHECK(refs_file_verify(f1, l1, other, &info, &u, &e) == -1 &&
	    u == NULL && strstr(e.msg, "another verifier"),
	    "another verifier's key refused (%s)", e.msg);
	refset_free(t);
	free(f1);
	free(f2);

	/* Many provenance records: several provenance chunks. */
	refset_free(s);
	s = NULL;
	refset_new("many-sources", &s, &e);
	for (i = 0; i < 2 * REFS_CHUNK + 5; i++) {
		uint8_t d[20];
		snprintf(name, sizeof(name), "package p%zu", i);
		refset_add_source(s, name, &src, &e);
		memset(d, (int)i, sizeof(d));
		snprintf(name, sizeof(name), "/p/%zu", i);
		refset_add_entry(s, name, strlen(name), sha1, d, 1, src, &e);
	}
	refset_seal(s, &e);
	t = NULL;
	CHECK(refs_file_write(s, -5, key, &f1, &l1, &e) == 0 &&
	    refs_file_verify(f1, l1, key, &info, &t, &e) == 0 &&
	    same_sets(s, t) && info.created == -5,
	    "2053 provenance records round-trip (%s)", e.msg);
	refset_free(t);
	free(f1);
	refset_free(s);

	s = NULL;
	refset_new("empty", &s, &e);
	refset_seal(s, &e);
	t = NULL;
	CHECK(refs_file_write(s, 0, key, &f1, &l1, &e) == 0 &&
	    refs_file_verify(f1, l1, key, &info, &t, &e) == 0 &&
	    refset_count(t) == 0, "empty set round-trips");
	refset_free(t);
	free(f1);
	refset_free(s);
}

static void
test_tamper(void)
{
	struct refset *s = NULL, *t = NULL;
	struct refs_info info;
	struct errbuf e = { "" };
	uint8_t *f = NULL, *g, d[32];
	size_t len, i, bad = 0, crashes = 0;
	uint32_t src;

	refset_new("small", &s, &e);
	refset_add_source(s, "tree /mnt", &src, &e);
	memset(d, 1, sizeof(d));
	refset_add_entry(s, "/a", 2, sha256, d, 1, src, &e);
	refset_add_entry(s, "/b", 2, sha256, d, 2, src, &e);
	refset_seal(s, &e);
	if (refs_file_write(s, 42, key, &f, &len, &e) != 0)
		exit(1);
	g = malloc(len + 1);
	for (i = 0; i < len; i++) {
		memcpy(g, f, len);
		g[i] ^= 0x01;
		t = NULL;
		if (refs_file_verify(g, len, key, &info, &t, &e) == 0) {
			printf("# byte %zu accepted when changed\n", i);
			refset_free(t);
		} else if (t != NULL)
			crashes++;
		else
			bad++;
	}
	CHECK(bad == len && crashes == 0, "every one of %zu single-byte "
	    "changes refused", len);
	bad = 0;
	for (i = 0; i < len; i++) {
		t = NULL;
		if (refs_file_verify(f, i, key, &info, &t, &e) == 0)
			refset_free(t);
		else
			bad++;
	}
	CHECK(bad == len, "every truncation refused");
	memcpy(g, f, len);
	g[len] = 0x80;	/* an empty array: one more chunk */
	CHECK(refs_file_verify(g, len + 1, key, &info, &t, &e) == -1 &&
	    strstr(e.msg, "digest"), "an appended chunk refused (%s)", e.msg);
	memcpy(g, f, len);
	g[7] = 0x53;	/* "DSRS": a result file's magic */
	CHECK(refs_file_verify(g, len, key, &info, &t, &e) == -1 &&
	    strstr(e.msg, "result"), "other magic named (%s)", e.msg);
	free(g);
	free(f);
	refset_free(s);
}

/* --- well signed, badly formed ------------------------------------------- */

/* Sign a hand-made body with a correct header. */
static int
sign_body(const uint8_t *body, size_t blen, uint64_t nsrc, uint64_t nent,
    uint8_t **out, size_t *outlen)
{
	struct cbor_wr w;
	struct cose_header h;
	uint8_t id[32], dig[32], *pl = NULL, *head = NULL;
	size_t plen, hlen;

	challenge_verifier_id(key, id, NULL);
	hashalg_digest(sha256, blen ? body : (const uint8_t *)"", blen, dig);
	cbor_wr_init(&w, 4096);
	cbor_wr_map(&w, 8);
	cbor_wr_uint(&w, 1);
	cbor_wr_tstr_z(&w, REFS_FORMAT);
	cbor_wr_uint(&w, 2);
	cbor_wr_uint(&w, 1);
	cbor_wr_uint(&w, 3);
	cbor_wr_tstr_z(&w, "crafted");
	cbor_wr_uint(&w, 4);
	cbor_wr_int(&w, 7);
	cbor_wr_uint(&w, 5);
	cbor_wr_uint(&w, nsrc);
	cbor_wr_uint(&w, 6);
	cbor_wr_uint(&w, nent);
	cbor_wr_uint(&w, 7);
	cbor_wr_array(&w, 2);
	cbor_wr_int(&w, -16);
	cbor_wr_bstr(&w, dig, 32);
	cbor_wr_uint(&w, 8);
	cbor_wr_bstr(&w, id, 32);
	if (cbor_wr_finish(&w, &pl, &plen, NULL) != 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	strcpy(h.content_type, REFS_CONTENT_TYPE);
	memcpy(h.kid, id, 32);
	h.kid_len = 32;
	cbor_wr_init(&w, 8192);
	cbor_wr_magic(&w, DOSSIER_TAG_REFERENCE);
	if (cose_sign1_write_pkey(&w, &h, pl, plen, key, NULL) != 0 ||
	    cbor_wr_finish(&w, &head, &hlen, NULL) != 0)
		return -1;
	*out = malloc(hlen + blen + 1);
	memcpy(*out, head, hlen);
	memcpy(*out + hlen, body, blen);
	*outlen = hlen + blen;
	free(head);
	free(pl);
	return 0;
}

struct ent {
	const char *path;
	const char *alg;
	size_t dlen;
	uint8_t dbyte;
	uint64_t count, source;
};

/* Body: one provenance chunk of sources, one entry chunk. */
static size_t
make_body(uint8_t *out, const char *const *src, size_t nsrc,
    const struct ent *en, size_t nent)
{
	struct cbor_wr w;
	uint8_t *p, d[64];
	size_t n, len = 0, i;

	if (nsrc > 0) {
		cbor_wr_init(&w, 65536);
		cbor_wr_array(&w, nsrc);
		for (i = 0; i < nsrc; i++)
			cbor_wr_bstr(&w, (const uint8_t *)src[i],
			    strlen(src[i]));
		cbor_wr_finish(&w, &p, &n, NULL);
		memcpy(out, p, n);
		len += n;
		free(p);
	}
	if (nent > 0) {
		cbor_wr_init(&w, 65536);
		cbor_wr_array(&w, nent);
		for (i = 0; i < nent; i++) {
			cbor_wr_array(&w, 5);
			cbor_wr_bstr(&w, (const uint8_t *)en[i].path,
			    strlen(en[i].path));
			cbor_wr_tstr_z(&w, en[i].alg);
			memset(d, en[i].dbyte, sizeof(d));
			cbor_wr_bstr(&w, d, en[i].dlen);
			cbor_wr_uint(&w, en[i].count);
			cbor_wr_uint(&w, en[i].source);
		}
		if (cbor_wr_finish(&w, &p, &n, NULL) != 0)
			return 0;
		memcpy(out + len, p, n);
		len += n;
		free(p);
	}
	return len;
}

static bool
crafted(const char *const *src, size_t nsrc, const struct ent *en,
    size_t nent, uint64_t hdr_src, uint64_t hdr_ent, const char *want)
{
	static uint8_t body[1u << 16];
	struct refs_info info;
	struct refset *t = NULL;
	struct errbuf e = { "" };
	uint8_t *f = NULL;
	size_t blen = make_body(body, src, nsrc, en, nent), flen;
	bool ok;

	if (sign_body(body, blen, hdr_src, hdr_ent, &f, &flen) != 0)
		return false;
	ok = refs_file_verify(f, flen, key, &info, &t, &e) == -1 &&
	    t == NULL && strstr(e.msg, want) != NULL;
	if (!ok)
		printf("# want \"%s\", got \"%s\"\n", want, e.msg);
	refset_free(t);
	free(f);
	return ok;
}

static void
test_crafted(void)
{
	static const char *const src1[] = { "a" };
	static const char *const src2[] = { "a", "a" };
	struct ent good[2] = {
		{ "/a", "sha256", 32, 1, 1, 0 },
		{ "/b", "sha256", 32, 1, 1, 0 },
	};
	struct ent bad[2];
	struct refs_info info;
	struct refset *t = NULL;
	struct errbuf e = { "" };
	static uint8_t body[4096];
	uint8_t *f = NULL;
	size_t blen, flen;

	blen = make_body(body, src1, 1, good, 2);
	CHECK(sign_body(body, blen, 1, 2, &f, &flen) == 0 &&
	    refs_file_verify(f, flen, key, &info, &t, &e) == 0 &&
	    refset_count(t) == 2, "the crafted reference file is accepted "
	    "(%s)", e.msg);
	refset_free(t);
	free(f);

	memcpy(bad, good, sizeof(bad));
	bad[0].path = "/c";
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "not after"), "unsorted");
	memcpy(bad, good, sizeof(bad));
	bad[1].path = "/a";
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "not after"), "repeated entry");
	memcpy(bad, good, sizeof(bad));
	bad[1].count = 0;
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "count 0"), "count 0");
	bad[1].count = (uint64_t)UINT32_MAX + 1;
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "count"), "count > 2^32-1");
	memcpy(bad, good, sizeof(bad));
	bad[1].source = 1;
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "provenance 1 of 1"),
	    "source out of range");
	memcpy(bad, good, sizeof(bad));
	bad[1].alg = "sha0";
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "algorithm"), "unknown algorithm");
	bad[1].alg = "SHA256";
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "canonical"),
	    "algorithm not in canonical spelling");
	memcpy(bad, good, sizeof(bad));
	bad[1].dlen = 20;
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "digest of 20"),
	    "digest of the wrong size");
	memcpy(bad, good, sizeof(bad));
	bad[0].path = "";
	CHECK(crafted(src1, 1, bad, 2, 1, 2, "path of 0"), "empty path");
	CHECK(crafted(src2, 2, good, 2, 2, 2, "repeats"),
	    "repeated provenance text");
	CHECK(crafted(src1, 1, good, 2, 1, 3, "3 expected"),
	    "header counts more entries than the body has");
	CHECK(crafted(src1, 1, good, 2, 1, 1, "2 items, 1 expected"),
	    "chunk larger than the header says");
	CHECK(crafted(src1, 1, good, 1, 1, 2, "2 expected"),
	    "fewer entries");
	CHECK(crafted(src1, 0, good, 0, 1, 0, "ends early"),
	    "no chunk where the header counts one");
	CHECK(crafted(src1, 1, good, 2, 1, 0, "after the last chunk"),
	    "a chunk the header does not count");
	CHECK(crafted(src1, 1, good, 2, 1, (uint64_t)REFSET_ENTRIES_MAX + 1,
	    "limit"), "entry count above REFSET_ENTRIES_MAX");
	CHECK(crafted(src1, 1, good, 2, REFSET_SOURCES_MAX + 1, 2, "limit"),
	    "provenance count above REFSET_SOURCES_MAX");
}

int
main(void)
{
	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	key = EVP_EC_gen("P-256");
	other = EVP_EC_gen("P-256");
	if (key == NULL || other == NULL)
		return 1;
	test_round_trip();
	test_tamper();
	test_crafted();
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return check_finish();
}
