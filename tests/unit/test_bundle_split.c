/*
 * test_bundle_split.c - format/bundle_split.h: a stream of bundles made by
 * format/bundle.h, with junk, a frame of zeros and a truncated bundle,
 * split into the same pieces whether it is given whole or a few bytes at
 * a time (BUNDLE_SPLIT_MORE); frames over frame_max are junk.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "format/bundle.h"
#include "format/bundle_sniff.h"
#include "format/bundle_split.h"
#include "tests/unit/check.h"

#define PIECES_MAX	8

struct piece {
	enum bundle_split_piece kind;
	size_t len;
};

static uint8_t *
a_bundle(const char *member, size_t *len)
{
	static const uint8_t manifest[] = "a manifest, opaque here";
	static uint8_t data[3000];
	struct bundle_input in = { member, "application/octet-stream", data,
	    sizeof(data) };
	struct errbuf e;
	uint8_t *out;

	memset(data, 'd', sizeof(data));
	if (bundle_write_mem(manifest, sizeof(manifest), &in, 1, 0, &out, len,
	    &e) != 0)
		abort();
	return out;
}

static void
append(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	memcpy(buf + *len, p, n);
	*len += n;
}

/*
 * Split stream[0..len), handing the splitter at most step more bytes on
 * every BUNDLE_SPLIT_MORE (step 0: all at once); junk is skipped to the
 * next zstd magic as dossier verify does. The pieces in out, their count
 * returned.
 */
static size_t
split(const uint8_t *stream, size_t len, size_t step, size_t frame_max,
    struct piece *out)
{
	struct bundle_split *sp;
	enum bundle_split_piece k;
	size_t start = 0, have, blen, n = 0;

	if ((sp = bundle_split_new(frame_max)) == NULL)
		abort();
	have = step == 0 ? len : (step < len ? step : len);
	while (n < PIECES_MAX) {
		k = bundle_split_next(sp, stream + start, have - start,
		    have == len, &blen);
		if (k == BUNDLE_SPLIT_MORE) {
			have = have + step < len ? have + step : len;
			continue;
		}
		if (k == BUNDLE_SPLIT_END)
			break;
		if (k == BUNDLE_SPLIT_JUNK)	/* the caller reads on */
			blen = sniff_zstd_find(stream + start, len - start, 1);
		out[n].kind = k;
		out[n++].len = blen;
		start += blen;
		if (have < start)
			have = start;
	}
	bundle_split_free(sp);
	return n;
}

int
main(void)
{
	static const uint8_t junk[] = "not a frame";
	static const uint8_t zeros[1024];
	static const size_t steps[] = { 0, 1, 100, 4096 };
	struct piece p[PIECES_MAX];
	uint8_t *a, *b, *stream, z[256];
	size_t alen, blen, zlen, len = 0, n, i;
	bool same;

	a = a_bundle("a.bin", &alen);
	b = a_bundle("b.bin", &blen);
	zlen = ZSTD_compress(z, sizeof(z), zeros, sizeof(zeros), 3);
	if (ZSTD_isError(zlen) || (stream = malloc(4 * (alen + blen))) == NULL)
		abort();
	append(stream, &len, a, alen);
	append(stream, &len, z, zlen);		/* padding: a's */
	append(stream, &len, junk, sizeof(junk));
	append(stream, &len, b, blen);
	append(stream, &len, a, alen);
	append(stream, &len, b, blen / 2);	/* truncated */

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		n = split(stream, len, steps[i], 1u << 20, p);
		same = n == 5 &&
		    p[0].kind == BUNDLE_SPLIT_BUNDLE && p[0].len == alen + zlen &&
		    p[1].kind == BUNDLE_SPLIT_JUNK && p[1].len == sizeof(junk) &&
		    p[2].kind == BUNDLE_SPLIT_BUNDLE && p[2].len == blen &&
		    p[3].kind == BUNDLE_SPLIT_BUNDLE && p[3].len == alen &&
		    p[4].kind == BUNDLE_SPLIT_BUNDLE && p[4].len == blen / 2;
		CHECK(same, "fed %zu bytes at a time (0: whole): "
		    "bundle+zeros, junk, bundle, bundle, truncated (%zu "
		    "pieces)", steps[i], n);
	}
	n = split(stream, alen, 1, alen / 2, p);
	CHECK(n == 1 && p[0].kind == BUNDLE_SPLIT_JUNK && p[0].len == alen,
	    "a frame still incomplete at frame_max bytes is junk");
	n = split(stream, 0, 0, 1u << 20, p);
	CHECK(n == 0, "nothing: the end at once");
	free(stream);
	free(a);
	free(b);
	return check_finish();
}
