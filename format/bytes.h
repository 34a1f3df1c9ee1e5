/*
 * bytes.h - fixed-width integers read from and written to byte buffers in
 * an explicit byte order. TPM structures are big-endian; the IMA binary
 * list is host-endian (little-endian with ima_canonical_fmt); tpm2-tools'
 * "serialized" PCR files are a host memory dump. Callers check bounds
 * before calling: these functions read or write exactly 2 or 4 bytes.
 */
#ifndef DOSSIER_BYTES_H
#define DOSSIER_BYTES_H

#include <stdbool.h>
#include <stdint.h>

static inline uint16_t
load_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint16_t
load_le16(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/* Either order, chosen at run time (big = true for big-endian). */
static inline uint16_t
load_u16(const uint8_t *p, bool big)
{
	return big ? load_be16(p) : load_le16(p);
}

static inline uint32_t
load_u32(const uint8_t *p, bool big)
{
	return big ? load_be32(p) : load_le32(p);
}

static inline void
store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
