/*
 * webtext.h - stored strings written into the two files dossier report
 * makes: HTML text (and attribute values) and RFC 4180 CSV fields.
 *
 * HTML: & < > " ' become character references, so a device's host name
 * or label ("<script>...") is shown as text and never parsed as markup;
 * C0 controls and DEL are shown as \xHH as on a terminal (format/
 * escape.h). Bytes of 0x80 and above pass: the page is UTF-8 (names are
 * UTF-8 by the manifest's rules), and a stray byte renders as U+FFFD.
 *
 * CSV (RFC 4180): every field is quoted, '"' doubled; C0 controls and
 * DEL (CR, LF, TAB included) are shown as \xHH, so a field is one line.
 * A field starting with = + - @ (what spreadsheets take as a formula) is
 * prefixed with ' (OWASP's CSV injection advice), so it is shown, never
 * evaluated. Records end with CRLF (csv_end).
 *
 * Writers return 0, or EOF on a write error (ferror(f) stays set).
 */
#ifndef DOSSIER_VERIFY_WEBTEXT_H
#define DOSSIER_VERIFY_WEBTEXT_H

#include <stdbool.h>
#include <stdio.h>

/* s (NULL: "") as HTML text or attribute value content. */
int html_text(FILE *f, const char *s);

/* One CSV field; first says whether it starts the record (no comma). */
int csv_field(FILE *f, bool first, const char *s);

/* The end of a CSV record: CRLF. */
int csv_end(FILE *f);

#endif
