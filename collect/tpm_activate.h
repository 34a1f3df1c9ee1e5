/*
 * tpm_activate.h - TPM2_ActivateCredential: recover the secret a verifier
 * wrapped with MakeCredential for (EK, Name of the AK).
 *
 * Sessions: the AK (activateHandle) is authorised by its empty password in
 * session 1; the EK (keyHandle) in session 2, by a policy session
 * (PolicySecret on the endorsement hierarchy, EK nameAlg) for low-range
 * EKs or the empty password for high-range ones (tpm_ek_session_start).
 * The policy session is flushed before returning, whatever happens.
 *
 * A credential made for another EK or another AK Name fails in the TPM
 * (TPM_RC_INTEGRITY or a decryption error), reported with the decoded
 * TSS error. Errors follow format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_ACTIVATE_H
#define DOSSIER_COLLECT_TPM_ACTIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_ak.h"
#include "collect/tpm_ek.h"
#include "format/credential.h"
#include "format/err.h"

/* Largest secret: a digest (TPM2B_DIGEST). */
#define TPM_ACTIVATE_SECRET_MAX sizeof(((TPM2B_DIGEST *)0)->buffer)

/* Activate cred with ak and ek; the secret goes to out (cap >=
 * TPM_ACTIVATE_SECRET_MAX is always enough), its length to *len. */
int tpm_activate(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const struct tpm_ek *ek, const struct credential *cred, uint8_t *out,
    size_t cap, size_t *len, struct errbuf *e);

/* The same from a tpm2-tools credential file's bytes (credential_file_parse). */
int tpm_activate_file(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const struct tpm_ek *ek, const uint8_t *file, size_t file_len,
    uint8_t *out, size_t cap, size_t *len, struct errbuf *e);

#endif
