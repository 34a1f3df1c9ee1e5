/* tpm_obj.c - see tpm_obj.h. */
#include "collect/tpm_obj.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"
#include "format/bytes.h"

/* Handle ranges for GetCapability(HANDLES). Written out: libtss2's
 * TPM2_TRANSIENT_FIRST shifts 0x80 into the sign bit of an int. */
#define TRANSIENT_FIRST	0x80000000u
#define TRANSIENT_LAST	0x80fffffeu
#define HMAC_SESSION_FIRST	0x02000000u
#define HMAC_SESSION_LAST	0x02fffffeu
#define POLICY_SESSION_FIRST	0x03000000u
#define POLICY_SESSION_LAST	0x03fffffeu

void
tpm_key_init(struct tpm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->tr = ESYS_TR_NONE;
}

void
tpm_key_close(ESYS_CONTEXT *esys, struct tpm_key *k)
{
	if (k->tr != ESYS_TR_NONE) {
		if (k->persistent != 0)
			Esys_TR_Close(esys, &k->tr);
		else
			Esys_FlushContext(esys, k->tr);
	}
	k->tr = ESYS_TR_NONE;
}

int
tpm_key_set_public(struct tpm_key *k, const TPM2B_PUBLIC *pub,
    const TPM2B_NAME *tpm_name, struct errbuf *e)
{
	uint8_t raw[TPM_PUBLIC_MAX_BYTES];
	size_t len = 0;

	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, raw, sizeof(raw),
	    &len) != TSS2_RC_SUCCESS)
		return err_set(e, "cannot marshal the public area");
	if (tpm_public_parse(raw, len, &k->pub, e) != 0 ||
	    tpm_public_name(&k->pub, &k->name, e) != 0)
		return err_prefix(e, "public area from the TPM");
	if (tpm_name != NULL && (tpm_name->size != k->name.len ||
	    memcmp(tpm_name->name, k->name.b, k->name.len) != 0))
		return err_set(e, "the TPM's Name of the key differs from the "
		    "Name of its public area");
	return 0;
}

int
tpm_key_public_2b(const struct tpm_key *k, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	if (k->pub.raw_len == 0 || cap < 2 + k->pub.raw_len)
		return err_set(e, "no room for the TPM2B_PUBLIC");
	store_be16(out, (uint16_t)k->pub.raw_len);
	memcpy(out + 2, k->pub.raw, k->pub.raw_len);
	*len = 2 + k->pub.raw_len;
	return 0;
}

int
tpm_persistent_exists(ESYS_CONTEXT *esys, uint32_t handle, bool *exists,
    struct errbuf *e)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    TPM2_CAP_HANDLES, handle, 1, &more, &data);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_GetCapability(HANDLES)", rc);
	*exists = data->capability == TPM2_CAP_HANDLES &&
	    data->data.handles.count >= 1 &&
	    data->data.handles.handle[0] == handle;
	Esys_Free(data);
	return 0;
}

int
tpm_key_open_persistent(ESYS_CONTEXT *esys, uint32_t handle,
    struct tpm_key *k, struct errbuf *e)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL;
	bool exists;
	TSS2_RC rc;
	int ret = -1;

	tpm_key_init(k);
	if (handle < TPM_PERSISTENT_FIRST || handle > TPM_PERSISTENT_LAST)
		return err_set(e, "0x%08x is not a persistent handle", handle);
	if (tpm_persistent_exists(esys, handle, &exists, e) != 0)
		return err_prefix(e, "persistent handle 0x%08x", handle);
	if (!exists)
		return err_set(e, "no object at persistent handle 0x%08x",
		    handle);
	rc = Esys_TR_FromTPMPublic(esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &k->tr);
	if (rc != TSS2_RC_SUCCESS) {
		k->tr = ESYS_TR_NONE;
		tpm_err(e, "opening the object", rc);
		goto done;
	}
	k->persistent = handle;
	rc = Esys_ReadPublic(esys, k->tr, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &pub, &name, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_ReadPublic", rc);
		goto done;
	}
	ret = tpm_key_set_public(k, pub, name, e);
done:
	Esys_Free(pub);
	Esys_Free(name);
	if (ret != 0) {
		tpm_key_close(esys, k);
		err_prefix(e, "persistent handle 0x%08x", handle);
	}
	return ret;
}

int
tpm_key_persist(ESYS_CONTEXT *esys, struct tpm_key *k, uint32_t handle,
    struct errbuf *e)
{
	ESYS_TR pers = ESYS_TR_NONE;
	TSS2_RC rc;

	if (k->persistent != 0 || k->tr == ESYS_TR_NONE)
		return err_set(e, "only a loaded transient key can be persisted");
	if (handle < TPM_PERSISTENT_FIRST || handle > TPM_PERSISTENT_LAST)
		return err_set(e, "0x%08x is not a persistent handle", handle);
	rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, k->tr, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, handle, &pers);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_EvictControl", rc);
		return err_prefix(e, "persisting at 0x%08x", handle);
	}
	Esys_FlushContext(esys, k->tr);
	k->tr = pers;
	k->persistent = handle;
	return 0;
}

int
tpm_evict(ESYS_CONTEXT *esys, uint32_t handle, struct errbuf *e)
{
	struct tpm_key k;
	ESYS_TR none = ESYS_TR_NONE;
	TSS2_RC rc;

	if (tpm_key_open_persistent(esys, handle, &k, e) != 0)
		return -1;
	rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, k.tr, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, handle, &none);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_key_close(esys, &k);
		tpm_err(e, "TPM2_EvictControl", rc);
		return err_prefix(e, "evicting 0x%08x", handle);
	}
	/* The object is gone; ESYS keeps its handle until closed. */
	Esys_TR_Close(esys, &k.tr);
	return 0;
}

int
tpm_ek_session_start(ESYS_CONTEXT *esys, const struct tpm_key *ek,
    ESYS_TR *s, struct errbuf *e)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	*s = ESYS_TR_NONE;
	if (ek->pub.pub.objectAttributes & TPMA_OBJECT_USERWITHAUTH) {
		*s = ESYS_TR_PASSWORD;
		return 0;
	}
	rc = Esys_StartAuthSession(esys, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
	    &sym, ek->pub.pub.nameAlg, s);
	if (rc != TSS2_RC_SUCCESS) {
		*s = ESYS_TR_NONE;
		return tpm_err(e, "EK policy session: TPM2_StartAuthSession",
		    rc);
	}
	rc = Esys_PolicySecret(esys, ESYS_TR_RH_ENDORSEMENT, *s,
	    ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL, NULL, 0,
	    NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_session_end(esys, s);
		return tpm_err(e, "EK policy session: TPM2_PolicySecret"
		    "(endorsement)", rc);
	}
	return 0;
}

void
tpm_session_end(ESYS_CONTEXT *esys, ESYS_TR *s)
{
	if (*s != ESYS_TR_NONE && *s != ESYS_TR_PASSWORD)
		Esys_FlushContext(esys, *s);
	*s = ESYS_TR_NONE;
}

static int
count_handles(ESYS_CONTEXT *esys, uint32_t first, uint32_t last, size_t *n,
    struct errbuf *e)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	UINT32 i;
	TSS2_RC rc;

	rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    TPM2_CAP_HANDLES, first, TPM2_MAX_CAP_HANDLES, &more, &data);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_GetCapability(HANDLES)", rc);
	for (i = 0; i < data->data.handles.count && i < TPM2_MAX_CAP_HANDLES;
	    i++)
		if (data->data.handles.handle[i] >= first &&
		    data->data.handles.handle[i] <= last)
			(*n)++;
	Esys_Free(data);
	return 0;
}

int
tpm_loaded_count(ESYS_CONTEXT *esys, size_t *transient, size_t *sessions,
    struct errbuf *e)
{
	*transient = 0;
	*sessions = 0;
	if (count_handles(esys, TRANSIENT_FIRST, TRANSIENT_LAST, transient,
	    e) != 0 ||
	    count_handles(esys, HMAC_SESSION_FIRST, HMAC_SESSION_LAST, sessions,
	    e) != 0 ||
	    count_handles(esys, POLICY_SESSION_FIRST, POLICY_SESSION_LAST,
	    sessions, e) != 0)
		return -1;
	return 0;
}
