/*
 * hex.h - hexadecimal encoding and decoding.
 */
#ifndef DOSSIER_HEX_H
#define DOSSIER_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decode exactly `hexlen` characters of upper- or lowercase hex (no prefix,
 * no spaces) into out (capacity outcap). Returns the number of bytes
 * written, or -1 on an odd length, a non-hex character or overflow.
 */
long hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap);

#endif
