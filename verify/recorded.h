/*
 * recorded.h - a result as the store recorded it, back as a struct result
 * (format/results.h): for a resumed batch (verify/batch.c), for
 * `dossier inspect` of a bundle the store has judged and for
 * `dossier evidence export`. What was recorded is shown as recorded:
 * verdict, checks in order with their reasons, time, device, challenge and
 * bundle digest; the input is named as the caller says (the name it was
 * judged under is rec->r.input_name).
 */
#ifndef DOSSIER_VERIFY_RECORDED_H
#define DOSSIER_VERIFY_RECORDED_H

#include <stdbool.h>
#include <stdint.h>

#include "format/err.h"
#include "format/results.h"
#include "verify/store.h"

/* Fill *out (all of it) from rec, read with s's connection. */
int recorded_result(struct store *s, const struct store_result_record *rec,
    const char *input, bool has_offset, uint64_t offset, struct result *out,
    struct errbuf *e);

#endif
