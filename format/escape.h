/*
 * escape.h - bytes from input made safe for text a person reads (terminal
 * output, one-line messages). This is the one place that decides what
 * reaches a terminal raw; every human-facing print of a file name, an
 * archive entry name, an IMA path or a message quoting one goes through
 * it. (JSON output has its own escaping: format/results.h, which decodes
 * UTF-8 with utf8_decode() below, the one UTF-8 decoder of the tree.)
 *
 * Kept: printable ASCII, 0x20 to 0x7e. Every other byte -- ESC, CR, LF,
 * TAB and the other C0 controls, DEL, and every byte of 0x80 and above
 * (C1 controls such as the 8-bit CSI 0x9b, and UTF-8) -- is written as
 * \xHH with two lowercase hex digits. So an escape sequence in a name
 * cannot clear a screen or move the cursor, and a newline in a name
 * cannot fake an output line.
 *
 * Two modes:
 *   ESC_FIELD   for one input-derived string: a backslash becomes \x5c
 *               too, so the shown text reads back unambiguously;
 *   line mode   (flags 0) for a whole message whose fields were escaped
 *               already: the printing sinks (report lines, error
 *               messages) pass everything through it as a last line of
 *               defence, keeping backslashes so that escapes are not
 *               doubled.
 * ESC_QUOTES adds ' and " (for names shown between quotes).
 */
#ifndef DOSSIER_ESCAPE_H
#define DOSSIER_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ESC_FIELD	0x1u	/* escape '\' as well */
#define ESC_QUOTES	0x2u	/* escape ' and " as well */

/* Room for n input bytes shown whole: 4 output bytes each, and the NUL. */
#define ESC_SHOWN_SIZE(n)	(4 * (size_t)(n) + 1)

/* Whether byte c is written as \xHH under flags. */
int esc_needed(unsigned char c, unsigned flags);

/*
 * in[0..len) escaped into out (cap >= 8 bytes), always NUL-terminated; cut
 * with "..." when it does not fit (an escape is never split). Returns out.
 */
char *esc_text(const void *in, size_t len, unsigned flags, char *out,
    size_t cap);

/* The same for a NUL-terminated string (NULL shows as ""). */
char *esc_str(const char *s, unsigned flags, char *out, size_t cap);

/* in[0..len) escaped to f, whole (no limit). 0, or EOF on a write error. */
int esc_fwrite(const void *in, size_t len, unsigned flags, FILE *f);

/* s escaped to f, whole. 0, or EOF on a write error. */
int esc_fputs(const char *s, unsigned flags, FILE *f);

/*
 * printf to f with the formatted text escaped in line mode (flags 0):
 * for messages assembled from several parts. 0, or EOF on a write or
 * allocation error.
 */
int esc_vfprintf(FILE *f, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int esc_fprintf(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* esc_fprintf, then a newline: one output line, whatever it quotes. */
int esc_fprintln(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629
 * table: shortest form, no surrogates, at most U+10FFFF; n >= 1), 0 if
 * there is none; *cp gets its code point.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
