/*
 * inspect.h - decoders of dossier inspect (cmd_inspect.c): each prints one
 * structure as the "key value" lines documented in dossier-inspect(1).
 * They never judge anything (no FAIL lines): a structure that does not
 * decode gives -1 and a message in the errbuf, which the caller reports.
 */
#ifndef DOSSIER_VERIFY_INSPECT_H
#define DOSSIER_VERIFY_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/cose.h"
#include "format/err.h"
#include "format/manifest.h"

/* RFC 3339 UTC rendering of epoch seconds ("2026-01-31T00:00:00Z"). */
void inspect_time(int64_t t, char *out, size_t cap);

/* The manifest's fields and the COSE header (alg, kid, content type). */
void inspect_show_manifest(FILE *f, const struct manifest *m,
    const struct cose_sign1 *msg);

/*
 * One bundle member, chosen by its name: ek.crt (EK certificate facts),
 * ek.pub and ak.pub (TPM2B_PUBLIC), pcrs.bin (PCR values), quote.attest
 * (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE), ima.log and ima-ALG.log
 * (ascii_runtime_measurements lines; the digest= parameter of the media
 * type names the template-hash column, sha1 by default). Other members
 * are described as "not decoded". 0, or -1 if the data does not decode.
 */
int inspect_show_member(FILE *f, const struct bundle_member *m,
    const uint8_t *data, size_t len, struct errbuf *e);

#endif
