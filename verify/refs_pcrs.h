/*
 * refs_pcrs.h - the PCR side of dossier refs (dossier-refs(1)): golden PCR
 * values of a set, a device's reference PCR values and UEFI event log, the
 * pcrs rule's canonical text. Used by verify/cmd_refs*.c only; store access through
 * verify/store_pcrref.h. Errors follow format/err.h.
 */
#ifndef DOSSIER_VERIFY_REFS_PCRS_H
#define DOSSIER_VERIFY_REFS_PCRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/pcr_set.h"
#include "verify/store.h"

/*
 * The quoted PCR values of a bundle's contents: its pcrs.bin, which must be
 * tpm2-tools marshaled and hold values. The caller has had the bundle
 * judged (quote.signature and quote.pcr-digest ok: pcrs.bin holds exactly
 * the signed selection's values).
 */
int refs_bundle_pcrs(const struct bundle_contents *bc, struct pcr_set *out,
    struct errbuf *e);

/* Number of values in p. */
size_t refs_pcr_count(const struct pcr_set *p);

/*
 * Set the golden PCR values of set (set_id, name): from a PCR file
 * (pcr_set_parse(): our lines, tpm2_pcrread YAML, tpm2-tools serialized or
 * marshaled), or, with from_bundle, from an evidence bundle this store
 * can judge (device known, manifest signature, quote.signature and
 * quote.pcr-digest ok: its quoted values), or clear them (path NULL).
 * Inside the caller's run. Prints what was done.
 */
int refs_pcrs_set_golden(struct store *s, int64_t set_id, const char *name,
    const char *path, bool from_bundle, int64_t now, struct errbuf *e);

/* Print set set_id's golden values: text lines ("pcrs-source ...",
 * "pcr ALG N HEX") or a JSON member ("\"pcrs\": {...}" without braces
 * around it; null when none). */
int refs_pcrs_show_set(struct store *s, int64_t set_id, bool json,
    struct errbuf *e);

/* Print a device's reference PCR values and their origin, and the pcrs
 * rule that applies to it and from where (dossier refs device). */
int refs_pcrs_show_device(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e);

/* Print the UEFI rules that apply to a device and from where, and its
 * reference event log (events, source bundle, when taken), or that it has
 * none (dossier refs device). */
int refs_uefi_show_device(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e);

/* When a golden set's values judge the device instead of its own, say so
 * on standard error ("note: ..."): its own values were just replaced. */
int refs_pcrs_note_golden(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct errbuf *e);

#endif
