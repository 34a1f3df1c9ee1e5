/*
 * test_bundle_sniff.c - format/bundle_sniff.h: kinds told apart by their
 * magic numbers (and not from too few bytes), the zstd magic found after
 * junk, and a zstd stream's first tar header: a bundle's (MANIFEST) or an
 * archive's.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "format/bundle.h"
#include "format/bundle_sniff.h"
#include "tests/unit/check.h"

/* A one-member bundle (MANIFEST first), written by format/bundle.h. */
static uint8_t *
a_bundle(size_t *len)
{
	static const uint8_t manifest[] = "not a real manifest";
	static const uint8_t data[] = "data";
	struct bundle_input in = { "a.bin", "application/octet-stream",
	    data, 4 };
	struct errbuf e;
	uint8_t *out;

	if (bundle_write_mem(manifest, sizeof(manifest), &in, 1, 0, &out, len,
	    &e) != 0)
		abort();
	return out;
}

int
main(void)
{
	uint8_t tar[SNIFF_TAR_BLOCK], hdr[SNIFF_TAR_BLOCK], junk[64];
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0 };
	uint8_t *b, *z;
	size_t blen, zlen, zcap;
	ZSTD_DCtx *d;

	memset(tar, 0, sizeof(tar));
	strcpy((char *)tar, "evil.dossier");
	memcpy(tar + SNIFF_USTAR_MAGIC_OFF, "ustar", 6);
	b = a_bundle(&blen);
	CHECK(sniff_kind(b, blen) == SNIFF_ZSTD, "a bundle is zstd");
	CHECK(sniff_kind(b, 3) == SNIFF_OTHER, "3 bytes are not enough");
	CHECK(sniff_kind(tar, sizeof(tar)) == SNIFF_TAR, "a ustar header");
	CHECK(sniff_kind(tar, sizeof(tar) - 1) == SNIFF_OTHER,
	    "a header block cut short is no tar");
	CHECK(sniff_kind(gz, sizeof(gz)) == SNIFF_GZIP, "gzip");
	CHECK(sniff_kind((const uint8_t *)"DSRS", 4) == SNIFF_OTHER, "other");

	memset(junk, 0x28, sizeof(junk));	/* a magic's first byte, often */
	memcpy(junk + 40, sniff_zstd_magic, SNIFF_ZSTD_MAGIC_LEN);
	CHECK(sniff_zstd_find(junk, sizeof(junk), 0) == 40,
	    "the magic found after junk");
	CHECK(sniff_zstd_find(junk, sizeof(junk), 41) == sizeof(junk),
	    "none after it: len");
	CHECK(sniff_zstd_find(junk, 42, 0) == 42, "a magic cut short is none");

	if ((d = ZSTD_createDCtx()) == NULL)
		abort();
	CHECK(sniff_zstd_first_block(d, b, blen, hdr) == SNIFF_TAR_BLOCK &&
	    sniff_header_is_manifest(hdr), "a bundle starts with MANIFEST");
	zcap = ZSTD_compressBound(sizeof(tar));
	if ((z = malloc(zcap)) == NULL)
		abort();
	zlen = ZSTD_compress(z, zcap, tar, sizeof(tar), 3);
	CHECK(!ZSTD_isError(zlen) &&
	    sniff_zstd_first_block(d, z, zlen, hdr) == SNIFF_TAR_BLOCK &&
	    !sniff_header_is_manifest(hdr), "an archive of bundles does not");
	CHECK(sniff_zstd_first_block(d, z, zlen / 2, hdr) < SNIFF_TAR_BLOCK,
	    "a stream cut short gives less than a block");
	CHECK(sniff_zstd_first_block(d, junk, sizeof(junk), hdr) == 0,
	    "not zstd: nothing");
	ZSTD_freeDCtx(d);
	free(z);
	free(b);
	return check_finish();
}
