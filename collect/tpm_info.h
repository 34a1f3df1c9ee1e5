/*
 * tpm_info.h - what a TPM says about itself: the fixed properties that
 * identify it (manufacturer, vendor strings, firmware, specification
 * version) and the PCR banks allocated in it.
 */
#ifndef DOSSIER_COLLECT_TPM_INFO_H
#define DOSSIER_COLLECT_TPM_INFO_H

#include <stdint.h>
#include <stdio.h>

#include <tss2/tss2_esys.h>

#include "format/err.h"

/* The fixed properties kept: TPM2_PT_FIXED + 0 .. + TPM_INFO_NPROPS - 1,
 * family indicator up to firmware version 2. */
#define TPM_INFO_NPROPS 13

struct tpm_info {
	uint32_t prop[TPM_INFO_NPROPS];	/* indexed by TPM2_PT - TPM2_PT_FIXED */
	uint32_t have;			/* bit i set: prop[i] was reported */
	TPML_PCR_SELECTION banks;	/* TPM2_CAP_PCRS: allocated PCRs */
};

/*
 * Fill *info with TPM2_GetCapability(TPM_PROPERTIES, PT_FIXED...) and
 * TPM2_GetCapability(PCRS). 0, or -1 with the decoded TSS error in e.
 * No session, no authorisation: nothing here can trip dictionary-attack
 * protection.
 */
int tpm_info_read(ESYS_CONTEXT *esys, struct tpm_info *info, struct errbuf *e);

/*
 * Print *info as "key: value" lines (manufacturer, vendor, firmware,
 * family, level, revision, spec-date, then one pcr-bank line per bank
 * with at least one PCR allocated). Properties the TPM did not report
 * print as "unknown".
 */
void tpm_info_print(FILE *f, const struct tpm_info *info);

#endif
