/* tpm_nv.c - see tpm_nv.h. */
#include "collect/tpm_nv.h"

#include <stdlib.h>
#include <string.h>

#include "collect/tpm_conn.h"

/* Pages of GetCapability we follow before calling the answer broken. */
#define NV_LIST_MAX_ROUNDS 64
#define NV_CHUNK_DEFAULT 1024

int
tpm_nv_list(ESYS_CONTEXT *esys, uint32_t first, uint32_t last, uint32_t *out,
    size_t cap, size_t *n, struct errbuf *e)
{
	TPMS_CAPABILITY_DATA *data;
	TPMI_YES_NO more = TPM2_YES;
	uint32_t next = first, h;
	UINT32 i;
	TSS2_RC rc;
	int round;

	*n = 0;
	for (round = 0; more && round < NV_LIST_MAX_ROUNDS; round++) {
		data = NULL;
		rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE,
		    ESYS_TR_NONE, TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES,
		    &more, &data);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_err(e, "TPM2_GetCapability(HANDLES)", rc);
		if (data->capability != TPM2_CAP_HANDLES) {
			Esys_Free(data);
			return err_set(e, "TPM2_GetCapability(HANDLES): wrong "
			    "capability in the answer");
		}
		for (i = 0; i < data->data.handles.count &&
		    i < TPM2_MAX_CAP_HANDLES; i++) {
			h = data->data.handles.handle[i];
			if (h < next || h > last) {
				more = TPM2_NO;	/* past the range (or a loop) */
				break;
			}
			if (*n >= cap) {
				Esys_Free(data);
				return err_set(e, "more than %zu NV indices in "
				    "0x%08x-0x%08x", cap, first, last);
			}
			out[(*n)++] = h;
			next = h + 1;
		}
		if (data->data.handles.count == 0)
			more = TPM2_NO;
		Esys_Free(data);
		if (next == 0 || next > last)
			break;
	}
	return 0;
}

int
tpm_nv_defined(ESYS_CONTEXT *esys, uint32_t index, int *defined,
    struct errbuf *e)
{
	uint32_t got;
	size_t n;

	if (tpm_nv_list(esys, index, index, &got, 1, &n, e) != 0)
		return -1;
	*defined = n == 1;
	return 0;
}

static uint16_t
nv_chunk_size(ESYS_CONTEXT *esys)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	uint32_t v = NV_CHUNK_DEFAULT;

	if (Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more,
	    &data) == TSS2_RC_SUCCESS &&
	    data->capability == TPM2_CAP_TPM_PROPERTIES &&
	    data->data.tpmProperties.count >= 1 &&
	    data->data.tpmProperties.tpmProperty[0].property ==
	    TPM2_PT_NV_BUFFER_MAX)
		v = data->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(data);
	if (v == 0 || v > sizeof(((TPM2B_MAX_NV_BUFFER *)0)->buffer))
		v = NV_CHUNK_DEFAULT;
	return (uint16_t)v;
}

/* Read size bytes of an opened index into out, chunk by chunk. */
static int
nv_read_chunks(ESYS_CONTEXT *esys, ESYS_TR auth, ESYS_TR nv, uint8_t *out,
    size_t size, uint16_t chunk, struct errbuf *e)
{
	TPM2B_MAX_NV_BUFFER *data;
	size_t off = 0;
	uint16_t want;
	TSS2_RC rc;

	while (off < size) {
		want = (uint16_t)(size - off < chunk ? size - off : chunk);
		data = NULL;
		rc = Esys_NV_Read(esys, auth, nv, ESYS_TR_PASSWORD,
		    ESYS_TR_NONE, ESYS_TR_NONE, want, (uint16_t)off, &data);
		if (rc != TSS2_RC_SUCCESS) {
			tpm_err(e, "TPM2_NV_Read", rc);
			return err_prefix(e, "offset %zu", off);
		}
		if (data->size != want) {
			Esys_Free(data);
			return err_set(e, "TPM2_NV_Read at offset %zu: %u bytes "
			    "instead of %u", off, data->size, want);
		}
		memcpy(out + off, data->buffer, want);
		off += want;
		Esys_Free(data);
	}
	return 0;
}

int
tpm_nv_read(ESYS_CONTEXT *esys, uint32_t index, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR nv = ESYS_TR_NONE, auth;
	uint8_t *buf = NULL;
	size_t size;
	TSS2_RC rc;
	int ret = -1;

	*out = NULL;
	*len = 0;
	rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &nv);
	if (rc != TSS2_RC_SUCCESS) {
		nv = ESYS_TR_NONE;
		tpm_err(e, "opening the index", rc);
		goto done;
	}
	rc = Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_NV_ReadPublic", rc);
		goto done;
	}
	size = pub->nvPublic.dataSize;
	if (size == 0 || size > TPM_NV_READ_MAX) {
		err_set(e, "index holds %zu bytes (limit %u)", size,
		    TPM_NV_READ_MAX);
		goto done;
	}
	auth = (pub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv :
	    ESYS_TR_RH_OWNER;
	if ((buf = malloc(size)) == NULL) {
		err_set(e, "out of memory");
		goto done;
	}
	if (nv_read_chunks(esys, auth, nv, buf, size, nv_chunk_size(esys),
	    e) != 0)
		goto done;
	*out = buf;
	*len = size;
	buf = NULL;
	ret = 0;
done:
	free(buf);
	Esys_Free(pub);
	if (nv != ESYS_TR_NONE)
		Esys_TR_Close(esys, &nv);
	if (ret != 0)
		err_prefix(e, "NV index 0x%08x", index);
	return ret;
}
