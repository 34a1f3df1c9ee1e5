/*
 * report.h - the lines a check command prints, one per check.
 *
 * Output contract (documented in dossier(1) and each command's page):
 *   ok CHECK [detail]
 *   FAIL CHECK: reason
 *   SKIP CHECK: why it could not be checked (e.g. no PCR values given)
 * on standard output, CHECK being a stable dotted name such as
 * "quote.signature" or "ima.replay.sha256". A FAIL line is printed for
 * every failed check, so a run reports all failures, not only the first.
 * The detail and reason are written with esc_vfprintf (format/escape.h):
 * control and non-ASCII bytes from input appear as \xHH, never raw.
 *
 * A report is a check sink (verify/checks.h): r->sink is what the shared
 * check functions write to, so a command prints the words dossier verify
 * records. report_ok/report_fail/report_skip are check_ok/... on it.
 */
#ifndef DOSSIER_VERIFY_REPORT_H
#define DOSSIER_VERIFY_REPORT_H

#include <stdio.h>

#include "verify/checks.h"

struct report {
	struct check_sink sink;		/* ctx: this report */
	FILE *out;
	unsigned passed;
	unsigned failed;
	unsigned skipped;
};

void report_init(struct report *r, FILE *out);
void report_ok(struct report *r, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void report_fail(struct report *r, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A check that was not performed; never counts as passed. */
void report_skip(struct report *r, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
