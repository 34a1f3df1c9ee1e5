/*
 * tpm_sign.h - signing external data (e.g. a COSE Sig_structure) with a
 * restricted AK. A restricted key signs only a digest the TPM computed
 * itself, proved by a TPMT_TK_HASHCHECK ticket (TPM 2.0 Library Part 3,
 * TPM2_Sign, TPM2_HashSequenceStart, TPM2_SequenceUpdate,
 * TPM2_SequenceComplete; the reference implementation's
 * TicketIsSafe() gives a NULL ticket when the first buffer hashed is
 * shorter than 4 bytes or starts with TPM_GENERATED_VALUE FF 54 43 47):
 *
 *   TPM2_HashSequenceStart(empty auth, H)       H = the AK scheme's hash
 *   TPM2_SequenceUpdate(chunk) ...              chunks of <= 1024 bytes;
 *                                               the first is >= 4 bytes
 *   TPM2_SequenceComplete(empty, TPM_RH_OWNER)  -> digest, HASHCHECK ticket
 *   TPM2_Sign(AK, digest, AK scheme, ticket)    -> TPMT_SIGNATURE
 *
 * The signature is over H(data) with the AK's own scheme (RSASSA or
 * ECDSA), so any verifier checks it as an ordinary signature of data.
 * The TPM gives no usable ticket for data starting with FF 54 43 47
 * (TPM_GENERATED_VALUE: a restricted key signs such bytes only in
 * attestation commands) nor when the first buffer is shorter than 4 bytes,
 * so such data is refused before anything is sent.
 *
 * The sequence object takes a transient slot while it runs; it is gone
 * after SequenceComplete and flushed on any error. Errors follow
 * format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_SIGN_H
#define DOSSIER_COLLECT_TPM_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_ak.h"
#include "format/err.h"
#include "format/hashalg.h"

/* Largest input we stream through the TPM (a manifest is a few KiB). */
#define TPM_SIGN_DATA_MAX (1024u * 1024)

/* Bytes per SequenceUpdate (TPM2B_MAX_BUFFER is 1024 on every TPM). */
#define TPM_SIGN_CHUNK 1024u

/* The smallest input: the TPM's ticket rule needs 4 bytes. */
#define TPM_SIGN_DATA_MIN 4u

struct tpm_signed {
	TPMT_SIGNATURE sig;
	uint8_t sig_raw[sizeof(TPMT_SIGNATURE)];	/* marshaled TPMT_SIGNATURE */
	size_t sig_len;
	uint8_t digest[HASHALG_MAX_SIZE];	/* H(data) as the TPM computed it */
	size_t digest_len;
};

/* Sign data[0..len) with the loaded restricted AK. */
int tpm_sign_data(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const uint8_t *data, size_t len, struct tpm_signed *out, struct errbuf *e);

#endif
