/*
 * fuzz_pcr_policy.c - libFuzzer target for the pcrs rule text and the PCR
 * comparison (policy/pcr_policy.h). Input: a rule text, a NUL byte, then
 * a PCR file (any form pcr_set_parse() reads). A rule that parses must
 * format to a text that parses back to the same rule and text, and leave
 * PCRs to compare; the PCR file's values, selected by their own banks and
 * PCRs, compared under the rule with themselves must all be equal, and
 * with an empty reference must all differ.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pcr_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The selection of every value of p. */
static void
selection_of(const struct pcr_set *p, TPML_PCR_SELECTION *sel)
{
	size_t i;

	memset(sel, 0, sizeof(*sel));
	for (i = 0; i < p->nbanks && i < TPM2_NUM_PCR_BANKS; i++) {
		sel->pcrSelections[i].hash = p->banks[i].alg->tpm_id;
		sel->pcrSelections[i].sizeofSelect = 4;
		memcpy(sel->pcrSelections[i].pcrSelect, &p->banks[i].present, 4);
		sel->count++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pcr_set p, empty;
	struct pcr_rule r, r2;
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	char text[PCR_POLICY_TEXT_MAX * 2], a[PCR_POLICY_TEXT_MAX],
	    b[PCR_POLICY_TEXT_MAX];
	const uint8_t *nul;
	size_t n, compared, differ, c2, d2;
	uint32_t mask = 0xffffffffu;

	nul = memchr(data, 0, size);
	n = nul ? (size_t)(nul - data) : size;
	if (n >= sizeof(text))
		return 0;
	memcpy(text, data, n);
	text[n] = '\0';
	if (pcr_policy_parse(text, &r, &e) == 0) {
		if (pcr_policy_mask(&r) == 0 ||
		    pcr_policy_format(&r, a, sizeof(a), &e) != 0 ||
		    pcr_policy_parse(a, &r2, &e) != 0 ||
		    pcr_policy_format(&r2, b, sizeof(b), &e) != 0 ||
		    strcmp(a, b) != 0 ||
		    pcr_policy_mask(&r) != pcr_policy_mask(&r2))
			abort();
		mask = pcr_policy_mask(&r);
	}
	if (nul == NULL || pcr_set_parse(nul + 1, size - n - 1, &p, NULL,
	    &e) != 0)
		return 0;
	selection_of(&p, &sel);
	pcr_set_init(&empty);
	if (pcr_policy_compare(&p, &sel, mask, &p, NULL, NULL, &compared,
	    &differ, &e) != 0 || differ != 0 ||
	    pcr_policy_compare(&p, &sel, mask, &empty, NULL, NULL, &c2, &d2,
	    &e) != 0 || c2 != compared || d2 != compared)
		abort();
	return 0;
}
