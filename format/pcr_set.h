/*
 * pcr_set.h - sets of PCR values (bank x PCR index -> digest), read from the
 * files users have, and the pcrDigest a TPM2_Quote signs.
 *
 * Accepted inputs (detected from the bytes, see pcr_set_parse):
 *   - our own lines, "ALG PCR HEX" (one per bank and PCR; '#' comments and
 *     blank lines allowed; hex in either case): dossier-pcrs(5);
 *   - tpm2_pcrread YAML output ("sha256:\n  10 : 0x9F86...");
 *   - the PCR file `tpm2_quote -o` writes (tpm2-tools "serialized" form: a
 *     host-endian dump of TPML_PCR_SELECTION, a u32 count and that many
 *     TPML_DIGEST structs);
 *   - tpm2-tools "marshaled" form (TPML_PCR_SELECTION || u32 n ||
 *     n x TPML_DIGEST, big-endian, as libtss2-mu writes them).
 *
 * struct pcr_set is a plain value without pointers; no allocation.
 * Errors follow format/err.h.
 */
#ifndef DOSSIER_PCR_SET_H
#define DOSSIER_PCR_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "format/err.h"
#include "format/hashalg.h"

#define PCR_COUNT         32	/* PCR indices 0..31 (sizeofSelect <= 4) */
#define PCR_SET_MAX_BANKS 8	/* distinct hash algorithms in one set */
#define PCR_FILE_MAX      (256u * 1024)	/* largest PCR file we read */

struct pcr_bank {
	const struct hashalg *alg;
	uint32_t present;			/* bit i set: values[i] valid */
	uint8_t values[PCR_COUNT][HASHALG_MAX_SIZE];
};

struct pcr_set {
	size_t nbanks;
	struct pcr_bank banks[PCR_SET_MAX_BANKS];
};

enum pcr_file_format {
	PCR_FILE_LINES,			/* ALG PCR HEX */
	PCR_FILE_YAML,			/* tpm2_pcrread */
	PCR_FILE_TPM2_SERIALIZED,	/* tpm2_quote -o (default -F serialized) */
	PCR_FILE_TPM2_MARSHALED,	/* tpm2_quote -F marshaled */
};

const char *pcr_file_format_name(enum pcr_file_format f);

void pcr_set_init(struct pcr_set *s);

/*
 * Parse buf[0..len) in whichever accepted format it is; *fmt (if not NULL)
 * says which. A PCR given twice with different values, an unknown bank, a
 * value of the wrong size, a PCR index >= PCR_COUNT or trailing garbage is
 * an error naming the line or offset.
 */
int pcr_set_parse(const uint8_t *buf, size_t len, struct pcr_set *out,
    enum pcr_file_format *fmt, struct errbuf *e);

/*
 * Read the PCR file at path (at most PCR_FILE_MAX bytes) and parse it as
 * pcr_set_parse() does; the message names the file.
 */
int pcr_set_read_file(const char *path, struct pcr_set *out,
    enum pcr_file_format *fmt, struct errbuf *e);

/* The value of (alg, pcr), or NULL if the set does not have it. */
const uint8_t *pcr_set_get(const struct pcr_set *s, const struct hashalg *alg,
    unsigned pcr);

/* Set (alg, pcr) to value (alg->size bytes); adds the bank if needed. */
int pcr_set_put(struct pcr_set *s, const struct hashalg *alg, unsigned pcr,
    const uint8_t *value, struct errbuf *e);

/*
 * pcrDigest of a quote: H(values in selection order) with H = hash, the
 * signing scheme's hash. Selection order is every TPMS_PCR_SELECTION in
 * list order, PCRs ascending within each. Fails, naming the first missing
 * (bank, PCR), if the set lacks a selected value. out must have room for
 * HASHALG_MAX_SIZE bytes; *outlen is set to hash->size. An empty selection
 * gives H() of nothing, as the TPM computes it.
 */
int pcr_set_digest(const struct pcr_set *s, const TPML_PCR_SELECTION *sel,
    const struct hashalg *hash, uint8_t *out, size_t *outlen,
    struct errbuf *e);

#endif
