/*
 * ima_floor.c - the speed floor of an IMA replay into the sha1 and sha256
 * banks: the same OpenSSL hash work `dossier ima replay --bank sha1
 * --bank sha256` does per record (format/ima_replay.c), in a bare loop
 * over template data already in memory, with no parsing, checks or I/O.
 *
 * Per record (not a violation):
 *   SHA1(template data), compared with the log's column;
 *   SHA256(template data);
 *   per-bank:  PCR_sha1 = SHA1(PCR || .), PCR_sha256 = SHA256(PCR || .);
 *   with -m both also the padded mode's sha256 extend (its sha1 bank is the
 *   per-bank one, which ima_replay.c copies rather than recomputes).
 * Violations extend 0xFF instead, with no template hash.
 *
 * usage: ima_floor [-m bank|both] [-r runs] LOG
 * Prints: entries=N best_s=S entries_per_s=R sha1_10=HEX sha256_10=HEX
 * (best of the runs; the PCR values make the work observable).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/fileio.h"
#include "format/hex.h"

struct rec {
	const uint8_t *column;	/* 20 bytes */
	const uint8_t *data;
	uint32_t len;
	uint32_t pcr;
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Index the records of a (non-legacy) binary list; setup, not timed. */
static struct rec *
index_log(const uint8_t *buf, size_t len, size_t *n)
{
	size_t off = 0, cap = 1024, nlen;
	struct rec *r = malloc(cap * sizeof(*r)), *t;

	*n = 0;
	while (r != NULL && off < len) {
		if (*n == cap) {
			cap *= 2;
			if ((t = realloc(r, cap * sizeof(*r))) == NULL)
				break;
			r = t;
		}
		if (len - off < 32)
			goto bad;
		r[*n].pcr = le32(buf + off);
		r[*n].column = buf + off + 4;
		nlen = le32(buf + off + 24);
		if (r[*n].pcr >= 24 || nlen > 255 || len - off - 28 < nlen + 4)
			goto bad;
		off += 28 + nlen;
		r[*n].len = le32(buf + off);
		if (len - off - 4 < r[*n].len)
			goto bad;
		r[*n].data = buf + off + 4;
		off += 4 + r[*n].len;
		(*n)++;
	}
	return r;
bad:
	fprintf(stderr, "ima_floor: bad record at offset %zu\n", off);
	free(r);
	return NULL;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
extend(EVP_MD_CTX *ctx, const EVP_MD *md, uint8_t *pcr, const uint8_t *ext,
    size_t size)
{
	EVP_DigestInit_ex2(ctx, md, NULL);
	EVP_DigestUpdate(ctx, pcr, size);
	EVP_DigestUpdate(ctx, ext, size);
	EVP_DigestFinal_ex(ctx, pcr, NULL);
}

static void
hash(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *p, size_t n,
    uint8_t *out)
{
	EVP_DigestInit_ex2(ctx, md, NULL);
	EVP_DigestUpdate(ctx, p, n);
	EVP_DigestFinal_ex(ctx, out, NULL);
}

static const uint8_t zero20[20];

/* One replay pass; returns the number of column mismatches. */
static size_t
replay(const struct rec *r, size_t n, int both, EVP_MD_CTX *c1,
    EVP_MD_CTX *c256, const EVP_MD *sha1, const EVP_MD *sha256,
    uint8_t pcr1[24][20], uint8_t pcr256[24][32], uint8_t pad256[24][32])
{
	uint8_t h1[20], h256[32], ext[32];
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		unsigned p = r[i].pcr;

		if (memcmp(r[i].column, zero20, 20) == 0) {
			memset(ext, 0xff, 32);
			extend(c1, sha1, pcr1[p], ext, 20);
			extend(c256, sha256, pcr256[p], ext, 32);
			if (both) {
				memset(ext + 20, 0, 12);
				extend(c256, sha256, pad256[p], ext, 32);
			}
			continue;
		}
		hash(c1, sha1, r[i].data, r[i].len, h1);
		hash(c256, sha256, r[i].data, r[i].len, h256);
		bad += memcmp(h1, r[i].column, 20) != 0;
		extend(c1, sha1, pcr1[p], h1, 20);
		extend(c256, sha256, pcr256[p], h256, 32);
		if (both) {
			memcpy(ext, h1, 20);
			memset(ext + 20, 0, 12);
			extend(c256, sha256, pad256[p], ext, 32);
		}
	}
	return bad;
}

int
main(int argc, char **argv)
{
	static uint8_t pcr1[24][20], pcr256[24][32], pad256[24][32];
	/* Explicitly fetched: EVP_sha1() would make every init look the
	 * implementation up again (OpenSSL 3 implicit fetch). */
	EVP_MD *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *c1 = EVP_MD_CTX_new(), *c256 = EVP_MD_CTX_new();
	struct errbuf e;
	struct rec *r;
	uint8_t *buf;
	size_t len, n, bad = 0;
	double best = 1e99, t;
	char h1[41], h256[65];
	int c, both = 0, runs = 3, i;

	while ((c = getopt(argc, argv, "m:r:")) != -1) {
		if (c == 'm' && strcmp(optarg, "both") == 0)
			both = 1;
		else if (c == 'm' && strcmp(optarg, "bank") == 0)
			both = 0;
		else if (c == 'r' && atoi(optarg) > 0)
			runs = atoi(optarg);
		else
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	if (c1 == NULL || c256 == NULL || sha1 == NULL || sha256 == NULL) {
		fprintf(stderr, "ima_floor: OpenSSL SHA-1/SHA-256 unavailable\n");
		return 2;
	}
	if (file_read(argv[optind], FILEIO_MAX_LOG, &buf, &len, &e) == -1) {
		fprintf(stderr, "ima_floor: %s\n", e.msg);
		return 2;
	}
	if ((r = index_log(buf, len, &n)) == NULL)
		return 2;
	for (i = 0; i < runs; i++) {
		memset(pcr1, 0, sizeof(pcr1));
		memset(pcr256, 0, sizeof(pcr256));
		memset(pad256, 0, sizeof(pad256));
		t = now();
		bad = replay(r, n, both, c1, c256, sha1, sha256, pcr1, pcr256,
		    pad256);
		t = now() - t;
		if (t < best)
			best = t;
	}
	hex_encode(pcr1[10], 20, h1);
	hex_encode(pcr256[10], 32, h256);
	printf("entries=%zu best_s=%.6f entries_per_s=%.0f mismatches=%zu "
	    "sha1_10=%s sha256_10=%s\n", n, best, (double)n / best, bad, h1,
	    h256);
	free(r);
	free(buf);
	EVP_MD_CTX_free(c1);
	EVP_MD_CTX_free(c256);
	EVP_MD_free(sha1);
	EVP_MD_free(sha256);
	return 0;
usage:
	fprintf(stderr, "usage: ima_floor [-m bank|both] [-r runs] log\n");
	return 2;
}
