/*
 * bundle_sniff.h - telling inputs apart by their first bytes: a zstd frame
 * (a bundle, or a tar.zst archive of bundles), a tar archive, a gzip
 * stream; and, for a zstd stream, whether its tar starts with a MANIFEST
 * entry (a bundle) or not (an archive of bundles). One place for the
 * magic numbers that dossier verify's inputs, dossier inspect, the relay
 * and challenge sets look at.
 *
 * Magic numbers: zstd frame 28 B5 2F FD (RFC 8878 section 3.1.1); ustar
 * "ustar" at offset 257 of a 512-byte header block (POSIX pax(1), ustar
 * Interchange Format; GNU tar's "ustar  " too); gzip 1F 8B (RFC 1952
 * section 2.3.1).
 *
 * Nothing here checks more than the magic: the readers (format/bundle.h,
 * libarchive) judge the rest and say what is wrong.
 */
#ifndef DOSSIER_BUNDLE_SNIFF_H
#define DOSSIER_BUNDLE_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#define SNIFF_ZSTD_MAGIC_LEN	4
#define SNIFF_TAR_BLOCK		512
#define SNIFF_USTAR_MAGIC_OFF	257

extern const uint8_t sniff_zstd_magic[SNIFF_ZSTD_MAGIC_LEN];

enum sniff_kind {
	SNIFF_OTHER,
	SNIFF_ZSTD,		/* a zstd frame starts at buf[0] */
	SNIFF_TAR,		/* a ustar header block at buf[0] */
	SNIFF_GZIP,
};

/* What buf[0..len) starts with (len may be short: SNIFF_OTHER then). */
enum sniff_kind sniff_kind(const uint8_t *buf, size_t len);
bool sniff_is_zstd(const uint8_t *buf, size_t len);
bool sniff_is_tar(const uint8_t *buf, size_t len);
bool sniff_is_gzip(const uint8_t *buf, size_t len);

/* The offset of the first zstd magic number in p[from..len), or len. */
size_t sniff_zstd_find(const uint8_t *p, size_t len, size_t from);

/*
 * Decompress the start of the zstd stream buf[0..len) into hdr (its first
 * tar header block) with d (reset here, session only; the caller sets its
 * window limit). Returns how many bytes of hdr were filled (fewer than
 * SNIFF_TAR_BLOCK: the stream is short, damaged or not zstd). Our writer
 * ends a zstd block after the MANIFEST entry (format/bundle.h, ONE PASS),
 * so this decodes about 1.5 KiB of a bundle.
 */
size_t sniff_zstd_first_block(ZSTD_DCtx *d, const uint8_t *buf, size_t len,
    uint8_t hdr[SNIFF_TAR_BLOCK]);

/* Whether a whole tar header block names the entry MANIFEST (a bundle's
 * first entry, format/bundle.h rule 3). */
bool sniff_header_is_manifest(const uint8_t hdr[SNIFF_TAR_BLOCK]);

#endif
