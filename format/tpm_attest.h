/*
 * tpm_attest.h - TPMS_ATTEST (what TPM2_Quote signs) and TPML_PCR_SELECTION:
 * strict parsing with libtss2-mu, and PCR selections in the tpm2-tools
 * text syntax ("sha256:0,1,2,10+sha1:10").
 *
 * Ownership: struct tpm_attest is a plain value (no pointers) holding both
 * the unmarshalled structure and a copy of the exact bytes the TPM signed.
 * Errors follow format/err.h: 0 on success, -1 with a message in the
 * errbuf. Nothing here allocates.
 */
#ifndef DOSSIER_TPM_ATTEST_H
#define DOSSIER_TPM_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"

/*
 * Largest TPMS_ATTEST we accept. A quote is about 100-250 bytes (two
 * TPM2B of at most 66 bytes, 16 selections of 6 bytes, a 64-byte digest);
 * other attestation types can carry an NV buffer, hence the margin.
 */
#define TPM_ATTEST_MAX_BYTES 2048

/* Offsets of the fixed header of every TPMS_ATTEST. */
#define TPM_ATTEST_MAGIC_OFFSET 0	/* u32 magic, BE */
#define TPM_ATTEST_TYPE_OFFSET  4	/* u16 type, BE */
#define TPM_ATTEST_HEADER_BYTES 6

/* How the attestation file was encoded. */
enum tpm_attest_format {
	TPM_ATTEST_RAW,		/* bare TPMS_ATTEST (tpm2_quote -m) */
	TPM_ATTEST_TPM2B,	/* TPM2B_ATTEST: u16 size || TPMS_ATTEST */
};

const char *tpm_attest_format_name(enum tpm_attest_format f);

struct tpm_attest {
	enum tpm_attest_format format;
	/*
	 * The unmarshalled structure. att.magic is the magic as found in the
	 * bytes, which tpm_attest_parse() does NOT judge (see below).
	 */
	TPMS_ATTEST att;
	uint8_t raw[TPM_ATTEST_MAX_BYTES];	/* the TPMS_ATTEST bytes signed */
	size_t raw_len;
};

/*
 * Locate the TPMS_ATTEST bytes in a file's content: a TPM2B_ATTEST is
 * recognised only when its u16 size equals exactly the number of bytes
 * that follow; anything else is taken as a bare TPMS_ATTEST. *body points
 * into buf. Fails only for an empty input or one larger than
 * TPM_ATTEST_MAX_BYTES. Cheap: lets a caller look at the magic and type of
 * bytes that may not parse.
 */
int tpm_attest_locate(const uint8_t *buf, size_t len, const uint8_t **body,
    size_t *body_len, enum tpm_attest_format *format, struct errbuf *e);

/*
 * Parse buf[0..len) as a TPMS_ATTEST or TPM2B_ATTEST (see
 * tpm_attest_locate) with libtss2-mu. Every length is checked: a
 * truncated structure, an inner size that disagrees with the outer one or
 * bytes after the structure are errors naming the offset.
 *
 * The magic is read but not judged: libtss2-mu refuses a magic other than
 * TPM_GENERATED_VALUE, so this function parses such a structure as if the
 * magic were right and leaves the real value in out->att.magic, so that a
 * caller can report a wrong magic as its own finding. The type selects
 * the layout of the rest and so must be a valid TPMI_ST_ATTEST.
 */
int tpm_attest_parse(const uint8_t *buf, size_t len, struct tpm_attest *out,
    struct errbuf *e);

/* Parse a marshaled TPML_PCR_SELECTION occupying exactly buf[0..len). */
int tpm_selection_parse(const uint8_t *buf, size_t len,
    TPML_PCR_SELECTION *out, struct errbuf *e);

/*
 * A selection in tpm2-tools syntax: BANK:LIST joined by '+', LIST being
 * comma-separated PCR numbers or ranges ("0-7"), "all" (PCRs 0-23) or
 * "none" (an empty bitmap). BANK is a hash name from format/hashalg.h.
 * sizeofSelect is 3 unless a PCR above 23 is named (then 4). At most
 * TPM2_NUM_PCR_BANKS banks; a bank named twice is an error.
 */
int tpm_selection_from_spec(const char *spec, TPML_PCR_SELECTION *out,
    struct errbuf *e);

/*
 * Write sel in the same syntax ("sha256:0,1,10+sha1:10"; an empty bitmap
 * is "sha256:none", an empty list ""). Banks without a name in hashalg.h
 * are written as "0x00XX". Returns 0, or -1 if cap is too small (the
 * output is then truncated but NUL-terminated). TPM_SELECTION_SPEC_MAX is
 * always enough.
 */
#define TPM_SELECTION_SPEC_MAX 2048
int tpm_selection_format(const TPML_PCR_SELECTION *sel, char *out, size_t cap);

/* Whether PCR pcr is selected in s (false beyond sizeofSelect). */
bool tpm_selection_has(const TPMS_PCR_SELECTION *s, unsigned pcr);

/* The union of the bitmaps of every entry of sel for bank hash (a bank
 * may in principle appear twice); *found says whether it appears at all. */
uint32_t tpm_selection_bank_bits(const TPML_PCR_SELECTION *sel, uint16_t hash,
    bool *found);

/*
 * Compare a signed selection with the requested one, bank by bank (order
 * of the entries does not matter, PCR bits and the set of banks do). On a
 * difference, returns -1 and the message names each bank that differs:
 * missing, extra, PCRs added or dropped, or "not allocated" when the
 * signed bitmap of a requested bank is all zero.
 */
int tpm_selection_compare(const TPML_PCR_SELECTION *got,
    const TPML_PCR_SELECTION *want, struct errbuf *e);

#endif
