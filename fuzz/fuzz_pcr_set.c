/*
 * fuzz_pcr_set.c - libFuzzer target for pcr_set_parse (every PCR file
 * format), and pcr_set_digest over a selection taken from the input when
 * the parse succeeds.
 */
#include <stdint.h>
#include <string.h>

#include "format/pcr_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TPML_PCR_SELECTION sel;
	struct pcr_set s;
	enum pcr_file_format f;
	struct errbuf e;
	uint8_t d[HASHALG_MAX_SIZE];
	size_t dlen, i;

	if (pcr_set_parse(data, size, &s, &f, &e) == -1)
		return 0;
	(void)pcr_file_format_name(f);
	/* Select every value of the set, then the first bytes as a mask. */
	memset(&sel, 0, sizeof(sel));
	for (i = 0; i < s.nbanks && i < TPM2_NUM_PCR_BANKS; i++) {
		sel.pcrSelections[i].hash = s.banks[i].alg->tpm_id;
		sel.pcrSelections[i].sizeofSelect = 4;
		memcpy(sel.pcrSelections[i].pcrSelect, &s.banks[i].present, 4);
		sel.count++;
	}
	if (pcr_set_digest(&s, &sel, hashalg_by_name("sha256"), d, &dlen,
	    &e) == -1)
		__builtin_trap();	/* every present value is there */
	if (size >= 4)
		memcpy(sel.pcrSelections[0].pcrSelect, data, 4);
	(void)pcr_set_digest(&s, &sel, hashalg_by_name("sha1"), d, &dlen, &e);
	return 0;
}
