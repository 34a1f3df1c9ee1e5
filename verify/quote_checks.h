/*
 * quote_checks.h - the quote.* checks, ONE implementation for the
 * standalone command (dossier quote check, verify/cmd_quote.c) and for
 * dossier verify (verify/judge_quote.c): each takes what it compares and
 * a check sink (verify/checks.h), so both say the same words.
 *
 * Each function judges one check from inputs its caller has read. What
 * differs between the callers stays with them: where the inputs come
 * from, and the SKIP lines for an input that is missing (no --nonce
 * given; no store, no known challenge), which say why in the caller's
 * own terms. An input that could not be read is a failure the caller
 * reports under the same name (e.g. pcrs.bin malformed: quote.pcr-digest).
 *
 * Reasons quote input bytes as hex only; the sink escapes anything else.
 */
#ifndef DOSSIER_VERIFY_QUOTE_CHECKS_H
#define DOSSIER_VERIFY_QUOTE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/hashalg.h"
#include "format/pcr_set.h"
#include "verify/checks.h"

/*
 * quote.magic and quote.type, from the first TPM_ATTEST_HEADER_BYTES of
 * the signed TPMS_ATTEST body[0..len) (so they are judged even when the
 * structure does not parse). Returns whether the type is a quote.
 */
bool quote_check_header(const struct check_sink *s, const uint8_t *body,
    size_t len);

/*
 * quote.signature: sig verifies over body[0..len) with key (pub, may be
 * NULL: a key without TPM attributes, its scheme unchecked). sig NULL:
 * fails with sig_err (why there is no signature, naming the file or
 * member). signer (may be NULL) is said on the ok line: "by SIGNER".
 */
void quote_check_signature(const struct check_sink *s, EVP_PKEY *key,
    const TPMT_PUBLIC *pub, const TPMT_SIGNATURE *sig, const char *sig_err,
    const uint8_t *body, size_t len, const char *signer);

/*
 * quote.nonce: extraData is want[0..want_len). what names the expected
 * value ("the nonce", "the challenge's nonce"); show_want: the failure
 * line also quotes want in hex (not for a store's secret).
 */
void quote_check_nonce(const struct check_sink *s, const TPM2B_DATA *extra,
    const uint8_t *want, size_t want_len, const char *what, bool show_want);

/* quote.selection: the signed selection is want, bank by bank. */
void quote_check_selection(const struct check_sink *s,
    const TPML_PCR_SELECTION *signed_sel, const TPML_PCR_SELECTION *want);

/*
 * quote.pcr-digest: the digest under h (the signature's hash; NULL: SKIP,
 * no usable signature) of pcrs' values of the quote's selection is its
 * pcrDigest. source names the values ("pcrs.bin", a file).
 */
void quote_check_pcr_digest(const struct check_sink *s,
    const TPMS_QUOTE_INFO *quote, const struct pcr_set *pcrs,
    const char *source, const struct hashalg *h);

/*
 * quote.qualified-signer: qualifiedSigner is want[0..want_len), which is
 * what ("the Qualified Name of the enrolled AK (child of the EK)", "the
 * expected name").
 */
void quote_check_signer(const struct check_sink *s, const TPM2B_NAME *qs,
    const uint8_t *want, size_t want_len, const char *what);

#endif
