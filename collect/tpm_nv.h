/*
 * tpm_nv.h - NV indices of a TPM: listing the defined ones in a range and
 * reading one whole, in chunks of at most TPM_PT_NV_BUFFER_MAX bytes.
 *
 * Used for EK certificates (0x01c00002, 0x01c0000a, 0x01c00012 ...) and
 * the optional EK chain (0x01c00100 - 0x01c001ff). Nothing here creates a
 * session or a transient object; ESYS_TR objects opened for an index are
 * closed (Esys_TR_Close) before returning.
 *
 * Errors follow format/err.h: 0 on success, -1 with a message in the
 * errbuf naming the index and, for TPM failures, the TSS error decoded by
 * Tss2_RC_Decode (collect/tpm_conn.h tpm_err()).
 */
#ifndef DOSSIER_COLLECT_TPM_NV_H
#define DOSSIER_COLLECT_TPM_NV_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "format/err.h"

/* Largest NV index we read whole (an EK certificate is 1-2 KiB; TPMs
 * limit an index to a few KiB). */
#define TPM_NV_READ_MAX (16u * 1024)

/* Most indices tpm_nv_list returns. */
#define TPM_NV_LIST_MAX 256

/*
 * The defined NV indices in [first, last], ascending, from
 * TPM2_GetCapability(HANDLES) (paging through moreData). At most cap
 * (<= TPM_NV_LIST_MAX) are returned; more is an error.
 */
int tpm_nv_list(ESYS_CONTEXT *esys, uint32_t first, uint32_t last,
    uint32_t *out, size_t cap, size_t *n, struct errbuf *e);

/* Whether index is defined (a TPM2_GetCapability of that one handle). */
int tpm_nv_defined(ESYS_CONTEXT *esys, uint32_t index, int *defined,
    struct errbuf *e);

/*
 * Read the whole of NV index `index` (its dataSize from TPM2_NV_ReadPublic,
 * at most TPM_NV_READ_MAX bytes) into a buffer allocated here (*out, free()
 * it; *len its size). Authorisation: the index itself with an empty
 * password when TPMA_NV_AUTHREAD is set (EK certificate indices have it
 * and TPMA_NV_NO_DA), else the owner hierarchy with an empty password.
 * Chunks are TPM_PT_NV_BUFFER_MAX bytes (1024 if the TPM does not say).
 * An index whose read authorisation is not empty fails, and unless it has
 * TPMA_NV_NO_DA that failure counts towards dictionary-attack lockout.
 */
int tpm_nv_read(ESYS_CONTEXT *esys, uint32_t index, uint8_t **out,
    size_t *len, struct errbuf *e);

#endif
