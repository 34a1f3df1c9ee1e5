/* quote_checks.c - the quote.* checks, see quote_checks.h. */
#include "verify/quote_checks.h"

#include <inttypes.h>
#include <string.h>

#include "format/bytes.h"
#include "format/err.h"
#include "format/hex.h"
#include "format/tpm_attest.h"
#include "format/tpm_sig.h"

/* The longest value a reason quotes in hex: a Name (66 bytes), a
 * TPM2B_DATA (64), a digest; longer ones are cut. */
#define QUOTE_HEX_SHOWN	(2 * 80 + 1)

static void
hex_of(const uint8_t *b, size_t n, char *out, size_t cap)
{
	if (2 * n + 1 > cap)
		n = (cap - 1) / 2;
	hex_encode(b, n, out);
}

static const char *
attest_type_name(uint16_t type)
{
	switch (type) {
	case TPM2_ST_ATTEST_NV: return "TPM_ST_ATTEST_NV";
	case TPM2_ST_ATTEST_COMMAND_AUDIT: return "TPM_ST_ATTEST_COMMAND_AUDIT";
	case TPM2_ST_ATTEST_SESSION_AUDIT: return "TPM_ST_ATTEST_SESSION_AUDIT";
	case TPM2_ST_ATTEST_CERTIFY: return "TPM_ST_ATTEST_CERTIFY";
	case TPM2_ST_ATTEST_QUOTE: return "TPM_ST_ATTEST_QUOTE";
	case TPM2_ST_ATTEST_TIME: return "TPM_ST_ATTEST_TIME";
	case TPM2_ST_ATTEST_CREATION: return "TPM_ST_ATTEST_CREATION";
	}
	return "not an attestation tag";
}

bool
quote_check_header(const struct check_sink *s, const uint8_t *body,
    size_t len)
{
	uint32_t magic;
	uint16_t type;

	if (len < TPM_ATTEST_HEADER_BYTES) {
		check_fail(s, "quote.magic", "attestation data too short "
		    "(%zu bytes)", len);
		check_fail(s, "quote.type", "attestation data too short "
		    "(%zu bytes)", len);
		return false;
	}
	magic = load_be32(body + TPM_ATTEST_MAGIC_OFFSET);
	type = load_be16(body + TPM_ATTEST_TYPE_OFFSET);
	if (magic == TPM2_GENERATED_VALUE)
		check_ok(s, "quote.magic", "0x%08" PRIx32
		    " (TPM_GENERATED_VALUE)", magic);
	else
		check_fail(s, "quote.magic", "magic is 0x%08" PRIx32 ", not "
		    "0x%08x (TPM_GENERATED_VALUE): not made by a TPM", magic,
		    TPM2_GENERATED_VALUE);
	if (type == TPM2_ST_ATTEST_QUOTE) {
		check_ok(s, "quote.type", "0x%04x (TPM_ST_ATTEST_QUOTE)", type);
		return true;
	}
	check_fail(s, "quote.type", "type is 0x%04x (%s), not 0x%04x "
	    "(TPM_ST_ATTEST_QUOTE)", type, attest_type_name(type),
	    TPM2_ST_ATTEST_QUOTE);
	return false;
}

void
quote_check_signature(const struct check_sink *s, EVP_PKEY *key,
    const TPMT_PUBLIC *pub, const TPMT_SIGNATURE *sig, const char *sig_err,
    const uint8_t *body, size_t len, const char *signer)
{
	struct errbuf e;
	char desc[32];

	if (sig == NULL) {
		check_fail(s, "quote.signature", "%s", sig_err);
		return;
	}
	if (len == 0) {
		check_fail(s, "quote.signature", "no attestation data to "
		    "verify");
		return;
	}
	if (tpm_signature_verify(key, pub, sig, body, len, &e) != 0) {
		check_fail(s, "quote.signature", "%s", e.msg);
		return;
	}
	tpm_signature_describe(sig, desc, sizeof(desc));
	if (signer != NULL)
		check_ok(s, "quote.signature", "%s by %s", desc, signer);
	else
		check_ok(s, "quote.signature", "%s", desc);
}

void
quote_check_nonce(const struct check_sink *s, const TPM2B_DATA *extra,
    const uint8_t *want, size_t want_len, const char *what, bool show_want)
{
	char got[2 * sizeof(extra->buffer) + 1], w[QUOTE_HEX_SHOWN];

	if (extra->size == want_len && memcmp(extra->buffer, want,
	    want_len) == 0) {
		check_ok(s, "quote.nonce", "extraData is %s (%zu bytes)", what,
		    want_len);
		return;
	}
	hex_of(extra->buffer, extra->size, got, sizeof(got));
	if (show_want) {
		hex_of(want, want_len, w, sizeof(w));
		check_fail(s, "quote.nonce", "extraData '%s' (%u bytes) is "
		    "not %s '%s' (%zu bytes)", got, (unsigned)extra->size,
		    what, w, want_len);
	} else
		check_fail(s, "quote.nonce", "extraData '%s' (%u bytes) is "
		    "not %s (%zu bytes)", got, (unsigned)extra->size, what,
		    want_len);
}

void
quote_check_selection(const struct check_sink *s,
    const TPML_PCR_SELECTION *signed_sel, const TPML_PCR_SELECTION *want)
{
	char spec[TPM_SELECTION_SPEC_MAX];
	struct errbuf e;

	tpm_selection_format(signed_sel, spec, sizeof(spec));
	if (tpm_selection_compare(signed_sel, want, &e) == 0)
		check_ok(s, "quote.selection", "%s", spec);
	else
		check_fail(s, "quote.selection", "signed %s: %s", spec, e.msg);
}

void
quote_check_pcr_digest(const struct check_sink *s,
    const TPMS_QUOTE_INFO *quote, const struct pcr_set *pcrs,
    const char *source, const struct hashalg *h)
{
	const TPM2B_DIGEST *d = &quote->pcrDigest;
	char got[2 * sizeof(d->buffer) + 1], want[2 * HASHALG_MAX_SIZE + 1];
	uint8_t digest[HASHALG_MAX_SIZE];
	struct errbuf e;
	size_t n;

	if (h == NULL) {
		check_skip(s, "quote.pcr-digest", "the signing scheme's hash "
		    "is unknown (no usable signature)");
		return;
	}
	if (pcr_set_digest(pcrs, &quote->pcrSelect, h, digest, &n,
	    &e) != 0) {
		check_fail(s, "quote.pcr-digest", "%s: %s", source, e.msg);
		return;
	}
	if (d->size == n && memcmp(d->buffer, digest, n) == 0) {
		check_ok(s, "quote.pcr-digest", "%s digest of %s matches the "
		    "quoted pcrDigest", h->name, source);
		return;
	}
	hex_of(d->buffer, d->size, got, sizeof(got));
	hex_of(digest, n, want, sizeof(want));
	check_fail(s, "quote.pcr-digest", "pcrDigest %s is not %s, the %s "
	    "digest of %s: a PCR value was changed", got[0] ? got : "(empty)",
	    want, h->name, source);
}

void
quote_check_signer(const struct check_sink *s, const TPM2B_NAME *qs,
    const uint8_t *want, size_t want_len, const char *what)
{
	char got[2 * sizeof(qs->name) + 1], w[QUOTE_HEX_SHOWN];

	hex_of(qs->name, qs->size, got, sizeof(got));
	if (qs->size == want_len && memcmp(qs->name, want, want_len) == 0) {
		check_ok(s, "quote.qualified-signer", "%s: %s", got, what);
		return;
	}
	hex_of(want, want_len, w, sizeof(w));
	check_fail(s, "quote.qualified-signer", "qualifiedSigner '%s' is not "
	    "%s '%s'", got, what, w);
}
