/*
 * webtext.c - HTML text and CSV fields from stored strings (webtext.h).
 */
#include <string.h>

#include "verify/webtext.h"

/* \xHH for a C0 control or DEL, as format/escape.h shows them. */
static bool
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int
html_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	int r = 0;

	for (; *p != '\0' && r != EOF; p++) {
		switch (*p) {
		case '&':
			r = fputs("&amp;", f);
			break;
		case '<':
			r = fputs("&lt;", f);
			break;
		case '>':
			r = fputs("&gt;", f);
			break;
		case '"':
			r = fputs("&quot;", f);
			break;
		case '\'':
			r = fputs("&#39;", f);
			break;
		default:
			if (is_control(*p))
				r = fprintf(f, "\\x%02x", *p) < 0 ? EOF : 0;
			else
				r = fputc(*p, f) == EOF ? EOF : 0;
		}
	}
	return r == EOF ? EOF : 0;
}

int
csv_field(FILE *f, bool first, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	int r = 0;

	if ((!first && fputc(',', f) == EOF) || fputc('"', f) == EOF)
		return EOF;
	if (strchr("=+-@", *p) != NULL && *p != '\0' && fputc('\'', f) == EOF)
		return EOF;
	for (; *p != '\0' && r != EOF; p++) {
		if (*p == '"')
			r = fputs("\"\"", f);
		else if (is_control(*p))
			r = fprintf(f, "\\x%02x", *p) < 0 ? EOF : 0;
		else
			r = fputc(*p, f) == EOF ? EOF : 0;
	}
	if (r == EOF || fputc('"', f) == EOF)
		return EOF;
	return 0;
}

int
csv_end(FILE *f)
{
	return fputs("\r\n", f) == EOF ? EOF : 0;
}
