/*
 * cbor_det_int.h - shared by cbor_det.c (validation, reading) and
 * cbor_det_write.c (writing) only, so the writer holds itself to the
 * rules the reader enforces. Never included elsewhere.
 */
#ifndef DOSSIER_FORMAT_CBOR_DET_INT_H
#define DOSSIER_FORMAT_CBOR_DET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 3629 UTF-8: no overlong forms, no surrogates, at most U+10FFFF. */
bool cbor_det_utf8_valid(const uint8_t *p, size_t n);

/* Bytewise order of two encodings; equal prefixes: the shorter first
 * (RFC 8949 §4.2.1 map key order). */
int cbor_det_enc_cmp(const uint8_t *a, size_t an, const uint8_t *b,
    size_t bn);

#endif
