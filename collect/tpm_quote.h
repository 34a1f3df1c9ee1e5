/*
 * tpm_quote.h - reading PCRs and TPM2_Quote with the AK.
 *
 * TPM2_PCR_Read returns at most 8 digests per call; tpm_pcr_read loops,
 * removing what each answer covered from the selection, until every
 * selected PCR is read, and requires the same pcrUpdateCounter in every
 * answer (else it starts over, at most TPM_PCR_READ_TRIES times).
 *
 * tpm_quote_pcrs reads the PCRs, quotes them, and checks that the quote's
 * pcrDigest equals pcr_set_digest over the values read: a PCR extended
 * between the read and the quote makes it read and quote again (at most
 * TPM_QUOTE_TRIES times), so the values returned are the ones quoted.
 *
 * Nothing here makes a transient object or a session. Errors follow
 * format/err.h.
 */
#ifndef DOSSIER_COLLECT_TPM_QUOTE_H
#define DOSSIER_COLLECT_TPM_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_ak.h"
#include "format/err.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_sig.h"

#define TPM_PCR_READ_TRIES 4
#define TPM_QUOTE_TRIES    4
/* PCR_Read answers: 24 PCRs x 16 banks / 8 per answer, with margin. */
#define TPM_PCR_READ_MAX_CALLS 64
/* Largest tpm2-tools marshaled PCR file: selection, u32, the digests. */
#define TPM_PCRS_MARSHALED_MAX \
	(sizeof(TPML_PCR_SELECTION) + 4 + TPM_PCR_READ_MAX_CALLS * sizeof(TPML_DIGEST))

struct tpm_pcrs {
	TPML_PCR_SELECTION sel;		/* what was asked and read */
	struct pcr_set values;
	uint32_t update_counter;	/* pcrUpdateCounter of the reads */
	/* tpm2-tools "marshaled" form (tpm2_checkquote -F marshaled):
	 * TPML_PCR_SELECTION || u32 n || n x TPML_DIGEST. */
	uint8_t marshaled[TPM_PCRS_MARSHALED_MAX];
	size_t marshaled_len;
	/* The answers of TPM2_PCR_Read, in order (for the serialized form). */
	TPML_DIGEST digests[TPM_PCR_READ_MAX_CALLS];
	uint32_t ndigests;
};

/* Largest tpm2-tools serialized PCR file. */
#define TPM_PCRS_SERIALIZED_MAX \
	(sizeof(TPML_PCR_SELECTION) + 4 + TPM_PCR_READ_MAX_CALLS * sizeof(TPML_DIGEST))

/*
 * The PCR values in tpm2-tools' "serialized" form, the only PCR file
 * tpm2_checkquote 5.4 reads (it ignores -F; tpm2_quote -o writes it): the
 * host's in-memory TPML_PCR_SELECTION, a host-endian u32 count and that
 * many TPML_DIGEST, as libtss2's headers lay them out, padding zeroed.
 * Not portable between hosts of different byte order (format/pcr_set.h
 * reads either); carry the marshaled form where that matters.
 */
int tpm_pcrs_serialized(const struct tpm_pcrs *p, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e);

/*
 * Read every PCR of sel. Every selected bank must be allocated and every
 * selected PCR readable; a PCR the TPM leaves out is an error naming it.
 */
int tpm_pcr_read(ESYS_CONTEXT *esys, const TPML_PCR_SELECTION *sel,
    struct tpm_pcrs *out, struct errbuf *e);

struct tpm_quote {
	uint8_t attest[TPM_ATTEST_MAX_BYTES];	/* TPMS_ATTEST as the TPM signed it */
	size_t attest_len;
	uint8_t sig[TPM_SIG_MAX_BYTES];		/* marshaled TPMT_SIGNATURE */
	size_t sig_len;
	struct tpm_pcrs pcrs;			/* the values quoted */
};

/*
 * TPM2_Quote(ak, qualifying data nonce[0..nonce_len), the AK's scheme,
 * sel) with the read-quote-compare loop above. nonce_len <= 64 (a
 * TPM2B_DATA can carry a digest of the largest hash). The quote is parsed
 * with tpm_attest_parse to check it is one and to compare the pcrDigest.
 */
int tpm_quote_pcrs(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const TPML_PCR_SELECTION *sel, const uint8_t *nonce, size_t nonce_len,
    struct tpm_quote *out, struct errbuf *e);

#endif
