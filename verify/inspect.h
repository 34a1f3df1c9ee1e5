/*
 * inspect.h - decoders of dossier inspect (cmd_inspect.c): each prints one
 * structure as the "key value" lines documented in dossier-inspect(1).
 * They never judge anything (no FAIL lines): a structure that does not
 * decode gives -1 and a message in the errbuf, which the caller reports.
 */
#ifndef DOSSIER_VERIFY_INSPECT_H
#define DOSSIER_VERIFY_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/cose.h"
#include "format/err.h"
#include "format/manifest.h"
#include "verify/cmd.h"

#include <openssl/evp.h>

/* RFC 3339 UTC rendering of epoch seconds ("2026-01-31T00:00:00Z"). */
void inspect_time(int64_t t, char *out, size_t cap);

/* The manifest's fields and the COSE header (alg, kid, content type). */
void inspect_show_manifest(FILE *f, const struct manifest *m,
    const struct cose_sign1 *msg);

/*
 * One bundle member, chosen by its name: ek.crt (EK certificate facts),
 * ek.pub and ak.pub (TPM2B_PUBLIC), pcrs.bin (PCR values), quote.attest
 * (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE), ima.log and ima-ALG.log
 * (ascii_runtime_measurements lines; the digest= parameter of the media
 * type names the template-hash column, sha1 by default), uefi.log
 * (briefly: events, format, banks, Secure Boot state, the applications
 * and kernel command lines, format/eventlog_facts.h). Other members
 * are described as "not decoded". 0, or -1 if the data does not decode.
 */
int inspect_show_member(FILE *f, const struct bundle_member *m,
    const uint8_t *data, size_t len, struct errbuf *e);

/*
 * A challenge file (format/challenge.h): every payload field (format,
 * challenge-id, device-id, ak-name, credential sizes, pcr-selection as a
 * tpm2-tools spec, logs, issued, not-after, verifier-id), then a
 * "signature" line: verified with verifier (borrowed, may be NULL: then
 * "not-checked"). 0 decoded (and verified when a key was given); -1 it
 * does not decode; 1 it decodes but the signature fails (e says why).
 */
int inspect_show_challenge(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e);

/* A challenge set archive: "challenges N", then per challenge a section
 * "[challenge NAME]" as inspect_show_challenge. -1 if the archive does
 * not read (nothing shown) or a challenge does not decode, 1 if a
 * signature fails (every challenge is still shown). */
int inspect_show_challenge_set(FILE *f, const char *label, const uint8_t *buf,
    size_t len, EVP_PKEY *verifier, struct errbuf *e);

/* A signed result file (format/results.h): every field, one "check NAME
 * OUTCOME REASON" line per check, then the "signature" line; returns as
 * inspect_show_challenge. */
int inspect_show_result(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e);

/*
 * An exported reference set (format/refs_file.h, dossier-refs(5)): format,
 * name, created, verifier-id, sources, entries, one "source N TEXT" line
 * per provenance record and one "entry ALG:HEX COUNT SOURCE PATH" line per
 * entry (sorted as in the file), then the "signature" line; the body
 * digest and every rule of the format are checked whether or not a key
 * is given. Returns as inspect_show_challenge.
 */
int inspect_show_refs(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e);

/*
 * dossier inspect BUNDLE --explain (inspect_explain.c): every verify check
 * with its outcome, against the store when --store or DOSSIER_STORE names
 * one (judged in a store run that is always rolled back: nothing is
 * consumed or recorded), else judge_bundle_offline(). bc (may be NULL) is
 * the bundle as read, for the IMA divergence. Returns the outcome.
 */
struct bundle_contents;
enum outcome inspect_explain(FILE *f, const char *path, const uint8_t *buf,
    size_t len, const struct bundle_contents *bc);

/* The checks of r, one "ok|FAIL|SKIP CHECK: reason" line each. */
struct result;
void inspect_print_checks(FILE *f, const struct result *r);

/*
 * What the store recorded when it judged the bundle with this SHA-256
 * (inspect_recorded.c), when --store or DOSSIER_STORE names a store: a
 * [recorded] section with the newest result (time, verdict, every check
 * as recorded, result id, input name, how many times it was judged), the
 * verifier key that signs this store's results, and whether the bundle is
 * kept in the evidence archive. *recorded: there was one. Nothing is
 * judged again. -1 (e) when the store cannot be read; 0 and nothing
 * printed when no store is named.
 */
int inspect_recorded(FILE *f, const uint8_t sha256[32], bool *recorded,
    struct errbuf *e);

#endif
