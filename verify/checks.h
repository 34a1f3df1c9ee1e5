/*
 * checks.h - where a check says its outcome: one small sink interface,
 * so that each check has ONE implementation whatever reads its words.
 *
 * A check is a stable dotted name ("quote.signature", "ima.replay.sha256",
 * format/results.h's RESULT_CHECK_NAME_MAX at most) and one outcome with
 * a reason (a detail for ok). The check functions (verify/quote_checks.h,
 * verify/ima_check.h, ...) write to a struct check_sink and do not know
 * who reads it. Two sinks exist:
 *   - the report (verify/report.h): one "ok/FAIL/SKIP" line per check on
 *     a stream, for the standalone commands (dossier quote check, dossier
 *     ima check, dossier eventlog check);
 *   - the judgement (verify/judge.c): one struct result_check appended to
 *     the bundle's struct result, for dossier verify.
 * So a command and the judge that run the same check say the same words.
 *
 * Contract of the sink's emit function: called once per check line, in
 * order, with fmt and ap as given to check_ok/check_fail/check_skip (ap
 * may be consumed once). It cannot fail: a sink that cannot keep a line
 * (a full result) drops or truncates it by its own documented rule.
 * Escaping is the sink's business (the report escapes non-printable
 * bytes on output, results escape when written).
 */
#ifndef DOSSIER_VERIFY_CHECKS_H
#define DOSSIER_VERIFY_CHECKS_H

#include <stdarg.h>

#include "format/results.h"

struct check_sink {
	void (*emit)(void *ctx, enum result_outcome o, const char *name,
	    const char *fmt, va_list ap);
	void *ctx;
};

/* The check passed; fmt may be "" (no detail). */
void check_ok(const struct check_sink *s, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_fail(const struct check_sink *s, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The check was not performed (never counts as passed). */
void check_skip(const struct check_sink *s, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_vemit(const struct check_sink *s, enum result_outcome o,
    const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
