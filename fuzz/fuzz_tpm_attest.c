/*
 * fuzz_tpm_attest.c - libFuzzer target for tpm_attest_parse (TPMS_ATTEST
 * or TPM2B_ATTEST), tpm_selection_parse (TPML_PCR_SELECTION) and
 * tpm_selection_from_spec (the text syntax). Invariants: a structure that
 * parses marshals back to exactly the bytes kept for hashing, and a
 * formatted selection that parses back is the same selection.
 */
#include <stdint.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/tpm_attest.h"

#define SPEC_INPUT_MAX 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tpm_attest a;

static void
selection_roundtrip(const TPML_PCR_SELECTION *sel)
{
	char spec[TPM_SELECTION_SPEC_MAX];
	TPML_PCR_SELECTION back;
	struct errbuf e;

	if (tpm_selection_format(sel, spec, sizeof(spec)) != 0)
		__builtin_trap();	/* TPM_SELECTION_SPEC_MAX is enough */
	if (spec[0] != '\0' && tpm_selection_from_spec(spec, &back, &e) == 0 &&
	    tpm_selection_compare(&back, sel, &e) != 0)
		__builtin_trap();
}

static void
attest_roundtrip(void)
{
	uint8_t again[TPM_ATTEST_MAX_BYTES];
	TPMS_ATTEST copy = a.att;
	size_t off = 0;

	copy.magic = TPM2_GENERATED_VALUE;
	if (Tss2_MU_TPMS_ATTEST_Marshal(&copy, again, sizeof(again), &off) != 0
	    || off != a.raw_len ||
	    memcmp(again + 4, a.raw + 4, a.raw_len - 4) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char spec[SPEC_INPUT_MAX + 1];
	TPML_PCR_SELECTION sel;
	struct errbuf e;

	if (tpm_attest_parse(data, size, &a, &e) == 0) {
		attest_roundtrip();
		if (a.att.type == TPM2_ST_ATTEST_QUOTE)
			selection_roundtrip(&a.att.attested.quote.pcrSelect);
	}
	if (tpm_selection_parse(data, size, &sel, &e) == 0)
		selection_roundtrip(&sel);
	if (size <= SPEC_INPUT_MAX) {
		memcpy(spec, data, size);
		spec[size] = '\0';
		if (tpm_selection_from_spec(spec, &sel, &e) == 0)
			selection_roundtrip(&sel);
	}
	return 0;
}
