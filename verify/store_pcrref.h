/*
 * store_pcrref.h - PCR references and reference event logs in the
 * verifier's store (schema 7, dossier-store(5)): where a device's
 * reference PCR values came from, the golden PCR values of reference sets,
 * and a device's reference UEFI event log. Conventions (errors, found,
 * ownership, transactions) are store.h's.
 *
 * A device's reference PCR values are the ref_pcrs rows of store.h's
 * store_refs (written at enrollment by store_refs_set()); their origin
 * row says which bundle they are from: its enrollment bundle, or a bundle
 * an operator accepted with `dossier refs update`.
 */
#ifndef DOSSIER_VERIFY_STORE_PCRREF_H
#define DOSSIER_VERIFY_STORE_PCRREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/pcr_set.h"
#include "verify/store.h"

#define STORE_PCR_SOURCE_MAX	512	/* a set's golden values' source text */
#define STORE_UEFI_LOG_MAX	((size_t)64 << 20)	/* reference UEFI log */

enum store_pcr_origin {
	STORE_PCRS_ENROLLMENT,	/* the enrollment bundle's pcrs.bin */
	STORE_PCRS_UPDATE,	/* an accepted bundle's quoted values */
};

/* "enrollment", "update". */
const char *store_pcr_origin_name(enum store_pcr_origin o);

struct store_pcr_ref {
	struct pcr_set pcrs;
	bool has_origin;	/* false: rows without an origin row */
	enum store_pcr_origin origin;
	uint8_t source_bundle[STORE_SHA256_LEN];
	int64_t updated;
};

/*
 * A device's reference PCR values and their origin. *found false when it
 * has no PCR rows at all.
 */
int store_pcr_ref_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_pcr_ref *out, bool *found, struct errbuf *e);

/*
 * Replace a device's reference PCR values by pcrs (every value of it;
 * at least one) with their origin, atomically. Fails for an unknown
 * device.
 */
int store_pcr_ref_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct pcr_set *pcrs, enum store_pcr_origin origin,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e);

/* Only the origin row (the values were written by store_refs_set()). */
int store_pcr_ref_mark(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    enum store_pcr_origin origin,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e);

/*
 * The golden PCR values of set set_id: replaced by pcrs with a source text
 * (1..STORE_PCR_SOURCE_MAX bytes, where they came from), or cleared when
 * pcrs is NULL, atomically.
 */
int store_refset_pcrs_set(struct store *s, int64_t set_id,
    const struct pcr_set *pcrs, const char *source, int64_t now,
    struct errbuf *e);

/* Read them; *found false when the set has none. source holds
 * STORE_PCR_SOURCE_MAX + 1 bytes. */
int store_refset_pcrs_get(struct store *s, int64_t set_id,
    struct pcr_set *out, char *source, int64_t *updated, bool *found,
    struct errbuf *e);

/*
 * A device's reference UEFI event log (binary_bios_measurements, the
 * uefi.log of its enrollment bundle), replaced or (log NULL) removed.
 * Read: *log malloc'd (free()), *found false when it has none.
 */
int store_uefi_ref_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const uint8_t *log, size_t len,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e);
int store_uefi_ref_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    uint8_t **log, size_t *len, uint8_t source_bundle[STORE_SHA256_LEN],
    int64_t *updated, bool *found, struct errbuf *e);

#endif
