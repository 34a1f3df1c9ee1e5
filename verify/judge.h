/*
 * judge.h - judge ONE evidence bundle against the verifier's store: every
 * check of dossier-verify(1), in order, into a struct result
 * (format/results.h), recorded in the store's result history.
 *
 * CHECKS, in this order (stable names; outcome ok / fail / skip):
 *   bundle.container    the zstd tar container and its signed member list
 *                       (format/bundle.h), an evidence manifest, only
 *                       evidence members, the required ones present
 *   device.known        the manifest's kid (AK Name) is an enrolled or
 *                       pending device of the store, not revoked
 *   manifest.signature  the MANIFEST verifies with the ENROLLED AK
 *   device.ek           ek.crt, ek.pub and ak.pub are byte-equal to the
 *                       enrolled ones; the manifest's device id is the
 *                       device's
 *   challenge.known     the manifest names a challenge this store issued
 *   challenge.device    ... to this device
 *   challenge.expiry    ... still valid now
 *   challenge.single-use ... not answered before (consumed now)
 *   quote.magic, quote.type, quote.signature (by the AK), quote.nonce
 *   (extraData = the challenge's secret), quote.qualified-signer (QN of the
 *   AK at its enrolled location), quote.selection (the challenge's),
 *   quote.pcr-digest (pcrs.bin, and pcrs.tpm2 when present)
 *   state.clock, state.reset, state.restart, state.firmware: against the
 *                       accepted states of the device's challenges issued
 *                       just before and just after this bundle's (by the
 *                       store's issue order, seq; not by arrival order):
 *                       rollback fails, reboot and firmware change are
 *                       reported
 *   uefi.parse, uefi.replay.<bank>, uefi.reference, uefi.policy and one
 *   check per stored UEFI rule (uefi.secureboot, uefi.dbx,
 *   uefi.bootchain, uefi.cmdline, uefi.separators), when the bundle
 *   carries uefi.log (uefi.parse fails when the challenge asked for the
 *   log "uefi" and it has none): the log parses (else the event index,
 *   offset and reason), replays to every quoted PCR it judges in every
 *   quoted bank (else the first PCR and the events replayed), its events
 *   pair with the device's reference event log (every event added,
 *   removed or changed named by PCR, type and description), and the
 *   rules hold (verify/judge_uefi.c, verify/uefi_refs.h); findings one
 *   per line, at most JUDGE_FINDINGS_MAX. Default without stored rules:
 *   replay and reference only.
 *   ima.parse, ima.template-digest, ima.replay.<bank> (to the quoted
 *   PCR 10, per-bank or padded mode), ima.unquoted-tail, then one check
 *   per rule of the device's IMA policy (verify/judge_ima.c,
 *   dossier-refs(1)): ima.reorder, ima.allowlist, ima.signatures,
 *   ima.boot-aggregate (against PCRs 0-9 as replayed from uefi.log when
 *   it was), ima.violations (ima.policy: a stored rule that
 *   cannot be applied); failing findings named one per line (class, entry
 *   index, path, digest, rule); findings on the unquoted tail reported,
 *   never failing; ima.<alg>-list.parse/replay/consistent per bank list.
 *   pcr.reference       every PCR of the signed selection that no carried
 *                       log judges (judge_log_pcrs() in verify/judge_pcr.c:
 *                       PCR 10 with an IMA list; 0-9 and those of 11-14
 *                       it extends with a uefi.log the UEFI checks
 *                       compared with a reference log), narrowed
 *                       by the device's pcrs rule, equals its reference
 *                       (a golden set's values, else the device's own:
 *                       verify/judge_pcr.h); pcrs.bin's values, only after
 *                       quote.pcr-digest verified them (else skipped). A
 *                       failure is a summary line, then one line per
 *                       differing PCR and bank (quoted value, reference
 *                       value and its source), at most JUDGE_FINDINGS_MAX.
 * A failure of bundle.container (with a readable manifest), device.known
 * or manifest.signature ends the judgement there; after the signature
 * every check runs and every failure is reported. A bundle whose MANIFEST
 * cannot be read at all is verdict error (not a bundle).
 * With a store, device.known and manifest.signature are judged as soon as
 * the MANIFEST is read, before any member is (so an unsigned bundle costs
 * at most BUNDLE_PREAUTH_MAX decompressed bytes, format/bundle.h, however
 * much its manifest lists); when either fails, no member is read and
 * bundle.container is skipped ("members not read"), listed first all the
 * same.
 *
 * STORE EFFECTS (only inside a run, store_begin(): the caller commits or
 * rolls back the whole batch): the challenge is consumed only after the
 * manifest signature verified, so garbage cannot burn a challenge; every
 * input gets a result row; if every check passed the bundle's TPM state
 * is filed as the accepted state of the challenge it answered, and a
 * pending device answering its enrollment challenge becomes enrolled.
 *
 * Errors: -1 only when the store fails (the caller must roll back and stop);
 * findings about the bundle are never errors. Messages follow format/err.h.
 */
#ifndef DOSSIER_VERIFY_JUDGE_H
#define DOSSIER_VERIFY_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/results.h"
#include "verify/store.h"

/* Policy finding lines per bundle, at most: of the IMA rules
 * (ima.reorder, ...), and of the UEFI checks (uefi.reference, rules). */
#define JUDGE_FINDINGS_MAX	12

/* Where an input came from. */
struct judge_input {
	const char *name;	/* file, "archive: member", "-" */
	bool has_offset;	/* a member of an archive */
	uint64_t offset;	/* its byte offset there */
	/* Optional: the calling thread's reading state (format/bundle.h),
	 * used while the bundle is read and not kept; NULL: none. */
	struct bundle_scratch *scratch;
};

/*
 * Judge buf[0..len) at verifier time now. out is filled whatever the
 * bundle (its verdict says how it went); result_id (may be NULL) gets the
 * id of the result row. Returns 0, or -1 on a store error.
 */
int judge_bundle(struct store *s, int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e);

/*
 * The same judgement in two phases, for worker threads (verify/batch.h).
 *
 * judge_prepare() runs every check that only READS the store, on ro (a
 * connection of its own, e.g. STORE_READ_ONLY; safe to call from several
 * threads at once, each with its own connection): container, device,
 * signature, EK, quote, UEFI, IMA, PCR references, and reads the challenge
 * row. refcache (may be NULL) is the run's verify/ima_refcache.h (with
 * its sibling, the reference UEFI logs of verify/uefi_refs.h). It writes
 * nothing.
 *
 * judge_finish() then applies, on the run's connection s (inside
 * store_begin()) and in INPUT ORDER, what depends on earlier bundles of
 * the same run: challenge.* (the challenge is consumed now), device.known
 * with the device's current state, state.* against the last accepted
 * state, the verdict, the result row, the accepted state and enrollment
 * completion. out gets the complete result, checks in the order of the
 * list above. judge_finish() is called at most once per judgement.
 *
 * judge_prepare_unreadable() is the prepared form of judge_unreadable().
 * Both return 0, or -1 (e) on a store error or out of memory; *out is
 * then NULL. judge_free() releases a judgement (NULL allowed).
 */
struct judgement;
struct ima_refcache;

int judge_prepare(struct store *ro, struct ima_refcache *refcache,
    int64_t now, const struct judge_input *in, const uint8_t *buf,
    size_t len, struct judgement **out, struct errbuf *e);
/* The same, for a caller that has already computed the SHA-256 of
 * buf[0..len) (bundle_sha256; NULL: computed here). */
int judge_prepare_digest(struct store *ro, struct ima_refcache *refcache,
    int64_t now, const struct judge_input *in, const uint8_t *buf,
    size_t len, const uint8_t *bundle_sha256, struct judgement **out,
    struct errbuf *e);
int judge_prepare_unreadable(int64_t now, const struct judge_input *in,
    const char *why, struct judgement **out, struct errbuf *e);
int judge_finish(struct store *s, struct judgement *jd, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e);
void judge_free(struct judgement *jd);
/*
 * After judge_finish() succeeded: the JSON line of its result
 * (result_json_line(), '\n' included, NUL-terminated), malloc'd and now
 * the caller's, *len its length; NULL (and 0) before, or when taken
 * already. It is the line judge_finish() cut the stored checks from.
 */
char *judge_take_line(struct judgement *jd, size_t *len);

/* The entries of the bundle's ima.log when ima.parse passed (the IMA
 * list parsed whole), else 0: for the batch summary, kept as a number
 * from the judgement rather than read back from the check's reason. */
uint64_t judge_ima_entries(const struct judgement *jd);

/* The result as prepared so far (before judge_finish: without the
 * challenge and state checks; verdict not final). */
const struct result *judge_prepared_result(const struct judgement *jd);

/*
 * An input that could not be read (why: the reason): a result with
 * verdict error and one failed bundle.container check, recorded too.
 */
int judge_unreadable(struct store *s, int64_t now,
    const struct judge_input *in, const char *why, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e);

/*
 * Judge buf[0..len) WITHOUT a store (dossier inspect --explain): the
 * checks that need none, each with the bundle's own claims as the
 * reference. bundle.container as above; manifest.signature with the
 * bundle's own ak.pub (proves the bundle intact, not which device);
 * quote.* with that AK, quote.qualified-signer against the AK location the
 * manifest claims; uefi.parse and uefi.replay.<bank> against the bundle's
 * own quoted PCRs; ima.* replayed to the bundle's own quoted PCR 10. Every
 * check that needs the store (device.*, challenge.*, quote.nonce,
 * quote.selection, state.*, uefi.reference, ima.reorder) is skipped with
 * the reason "no store"; so is pcr.reference; stored rules are not
 * applied. Nothing is recorded anywhere; out
 * as for judge_bundle.
 */
void judge_bundle_offline(int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *out);

/* The first failed check of r (NULL if none). */
const struct result_check *judge_first_failure(const struct result *r);

#endif
