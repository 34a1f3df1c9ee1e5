/*
 * inspect_ear.h - dossier inspect of EAR attestation results
 * (format/ear.h), the CWT and the JWT that dossier verify --ear writes.
 *
 * Output ("key value" lines, dossier-inspect(1)): profile, iat, developer,
 * build, status, nonce, device-id, challenge-id, then per submod
 * "submod NAME status S", "submod NAME claim CLAIM VALUE" and "submod
 * NAME policy-id ID" (CWT); for a JWT the claims as "claim PATH VALUE"
 * lines (JSON path, value with non-printable bytes escaped), read with
 * SQLite's json_tree; then the "signature" line as for a signed result.
 * Returns as inspect_show_challenge(): 0 decoded (and verified when a
 * key was given), -1 it does not decode, 1 the signature fails.
 */
#ifndef DOSSIER_VERIFY_INSPECT_EAR_H
#define DOSSIER_VERIFY_INSPECT_EAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "format/err.h"

int inspect_show_ear_cwt(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e);
int inspect_show_ear_jwt(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e);

#endif
