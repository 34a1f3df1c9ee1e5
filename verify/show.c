/*
 * show.c - "key value" lines for decoded structures (see show.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "format/escape.h"
#include "format/hex.h"
#include "format/tpm_sig.h"
#include "verify/show.h"

static const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

void
show_ekcert_facts(FILE *out, const struct ekcert_facts *f)
{
	char id[9], fp[2 * sizeof(f->sha256) + 1];

	fprintf(out, "subject %s\n", or_dash(f->subject));
	fprintf(out, "issuer %s\n", or_dash(f->issuer));
	fprintf(out, "serial %s\n", or_dash(f->serial));
	fprintf(out, "not-before %s\n", f->not_before);
	fprintf(out, "not-after %s\n", f->not_after);
	fprintf(out, "key %s\n", f->key_desc);
	/* The TPM attributes are the certificate's UTF-8 strings: any byte
	 * that is not printable ASCII is shown as \xHH (format/escape.h). */
	if (f->manufacturer_is_id) {
		hex_encode(f->manufacturer_id, 4, id);
		fprintf(out, "tpm-manufacturer %s %s\n", id,
		    or_dash(f->manufacturer_ascii));
	} else
		esc_fprintln(out, "tpm-manufacturer - %s",
		    f->has_manufacturer ? or_dash(f->manufacturer) : "-");
	esc_fprintln(out, "tpm-model %s", f->has_model ? or_dash(f->model) :
	    "-");
	esc_fprintln(out, "tpm-version %s",
	    f->has_version ? or_dash(f->version) : "-");
	hex_encode(f->sha256, sizeof(f->sha256), fp);
	fprintf(out, "sha256 %s\n", fp);
}

/* "name HEX", or just "name" for an empty field. */
static void
print_hex_field(FILE *f, const char *name, const uint8_t *b, size_t n)
{
	char hex[2 * TPM_ATTEST_MAX_BYTES + 1];

	if (2 * n + 1 > sizeof(hex))
		n = (sizeof(hex) - 1) / 2;
	hex_encode(b, n, hex);
	if (n == 0)
		fprintf(f, "%s\n", name);
	else
		fprintf(f, "%s %s\n", name, hex);
}

void
show_attest(FILE *f, const struct tpm_attest *at, const TPMT_SIGNATURE *sig)
{
	const TPMS_ATTEST *a = &at->att;
	char spec[TPM_SELECTION_SPEC_MAX], desc[32];

	fprintf(f, "attest-format %s\n", tpm_attest_format_name(at->format));
	fprintf(f, "magic 0x%08" PRIx32 "\n", a->magic);
	fprintf(f, "type 0x%04x\n", a->type);
	print_hex_field(f, "qualified-signer", a->qualifiedSigner.name,
	    a->qualifiedSigner.size);
	print_hex_field(f, "extra-data", a->extraData.buffer,
	    a->extraData.size);
	fprintf(f, "clock %" PRIu64 "\n", a->clockInfo.clock);
	fprintf(f, "reset-count %" PRIu32 "\n", a->clockInfo.resetCount);
	fprintf(f, "restart-count %" PRIu32 "\n", a->clockInfo.restartCount);
	fprintf(f, "safe %s\n", a->clockInfo.safe ? "yes" : "no");
	fprintf(f, "firmware-version 0x%016" PRIx64 "\n", a->firmwareVersion);
	if (sig != NULL) {
		tpm_signature_describe(sig, desc, sizeof(desc));
		fprintf(f, "signature %s\n", desc);
	}
	if (a->type != TPM2_ST_ATTEST_QUOTE)
		return;
	tpm_selection_format(&a->attested.quote.pcrSelect, spec, sizeof(spec));
	fprintf(f, "selection %s\n", spec);
	print_hex_field(f, "pcr-digest", a->attested.quote.pcrDigest.buffer,
	    a->attested.quote.pcrDigest.size);
}
