/* tpm_activate.c - see tpm_activate.h. */
#include "collect/tpm_activate.h"

#include <string.h>

#include "collect/tpm_conn.h"

int
tpm_activate(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const struct tpm_ek *ek, const struct credential *cred, uint8_t *out,
    size_t cap, size_t *len, struct errbuf *e)
{
	TPM2B_DIGEST *secret = NULL;
	ESYS_TR s;
	TSS2_RC rc;

	*len = 0;
	if (tpm_ek_session_start(esys, &ek->key, &s, e) != 0)
		return err_prefix(e, "ActivateCredential");
	rc = Esys_ActivateCredential(esys, ak->key.tr, ek->key.tr,
	    ESYS_TR_PASSWORD, s, ESYS_TR_NONE, &cred->blob, &cred->secret,
	    &secret);
	tpm_session_end(esys, &s);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_ActivateCredential", rc);
	if (secret->size > cap) {
		Esys_Free(secret);
		return err_set(e, "ActivateCredential: secret of %u bytes does "
		    "not fit %zu", secret->size, cap);
	}
	memcpy(out, secret->buffer, secret->size);
	*len = secret->size;
	Esys_Free(secret);
	return 0;
}

int
tpm_activate_file(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const struct tpm_ek *ek, const uint8_t *file, size_t file_len,
    uint8_t *out, size_t cap, size_t *len, struct errbuf *e)
{
	struct credential cred;

	if (credential_file_parse(file, file_len, &cred, e) != 0)
		return err_prefix(e, "credential file");
	return tpm_activate(esys, ak, ek, &cred, out, cap, len, e);
}
