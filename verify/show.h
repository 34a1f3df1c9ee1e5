/*
 * show.h - "key value" lines describing decoded structures, shared by the
 * commands that print them (dossier ekcert check, dossier quote check,
 * dossier inspect), so that each structure reads the same everywhere.
 * The line formats are documented in dossier-ekcert(1), dossier-quote(1)
 * and dossier-inspect(1); they are a stable contract.
 */
#ifndef DOSSIER_VERIFY_SHOW_H
#define DOSSIER_VERIFY_SHOW_H

#include <stdio.h>

#include <tss2/tss2_tpm2_types.h>

#include "format/ekcert.h"
#include "format/tpm_attest.h"

/* subject, issuer, serial, not-before, not-after, key, tpm-manufacturer,
 * tpm-model, tpm-version, sha256. */
void show_ekcert_facts(FILE *f, const struct ekcert_facts *facts);

/*
 * attest-format, magic, type, qualified-signer, extra-data, clock,
 * reset-count, restart-count, safe, firmware-version, then signature
 * (only when sig is not NULL), then for a quote selection and pcr-digest.
 */
void show_attest(FILE *f, const struct tpm_attest *at,
    const TPMT_SIGNATURE *sig);

#endif
