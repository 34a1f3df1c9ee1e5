/* bundle_sniff.c - see bundle_sniff.h. */
#include "format/bundle_sniff.h"

#include <string.h>

#include "format/bundle.h"

const uint8_t sniff_zstd_magic[SNIFF_ZSTD_MAGIC_LEN] = {
	0x28, 0xb5, 0x2f, 0xfd,
};

bool
sniff_is_zstd(const uint8_t *buf, size_t len)
{
	return len >= SNIFF_ZSTD_MAGIC_LEN &&
	    memcmp(buf, sniff_zstd_magic, SNIFF_ZSTD_MAGIC_LEN) == 0;
}

bool
sniff_is_tar(const uint8_t *buf, size_t len)
{
	return len >= SNIFF_TAR_BLOCK &&
	    memcmp(buf + SNIFF_USTAR_MAGIC_OFF, "ustar", 5) == 0;
}

bool
sniff_is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

enum sniff_kind
sniff_kind(const uint8_t *buf, size_t len)
{
	if (sniff_is_zstd(buf, len))
		return SNIFF_ZSTD;
	if (sniff_is_tar(buf, len))
		return SNIFF_TAR;
	if (sniff_is_gzip(buf, len))
		return SNIFF_GZIP;
	return SNIFF_OTHER;
}

size_t
sniff_zstd_find(const uint8_t *p, size_t len, size_t from)
{
	size_t i;

	for (i = from; i + SNIFF_ZSTD_MAGIC_LEN <= len; i++)
		if (p[i] == sniff_zstd_magic[0] &&
		    memcmp(p + i, sniff_zstd_magic, SNIFF_ZSTD_MAGIC_LEN) == 0)
			return i;
	return len;
}

size_t
sniff_zstd_first_block(ZSTD_DCtx *d, const uint8_t *buf, size_t len,
    uint8_t hdr[SNIFF_TAR_BLOCK])
{
	ZSTD_inBuffer in = { buf, len, 0 };
	ZSTD_outBuffer out = { hdr, SNIFF_TAR_BLOCK, 0 };
	size_t r;

	if (ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_only)))
		return 0;
	do {
		r = ZSTD_decompressStream(d, &out, &in);
	} while (!ZSTD_isError(r) && out.pos < out.size && in.pos < in.size);
	return out.pos;
}

bool
sniff_header_is_manifest(const uint8_t hdr[SNIFF_TAR_BLOCK])
{
	return memcmp(hdr + SNIFF_USTAR_MAGIC_OFF, "ustar", 5) == 0 &&
	    strncmp((const char *)hdr, BUNDLE_MANIFEST_NAME, 100) == 0;
}
