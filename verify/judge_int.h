/*
 * judge_int.h - state shared by the check groups of judge.c (container,
 * device, manifest, challenge), judge_quote.c (quote, state) and
 * judge_ima.c. Not an API: see judge.h.
 */
#ifndef DOSSIER_VERIFY_JUDGE_INT_H
#define DOSSIER_VERIFY_JUDGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/bundle.h"
#include "format/manifest.h"
#include "format/members.h"
#include "format/pcr_set.h"
#include "format/results.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "verify/checks.h"
#include "verify/store.h"

struct ima_refcache;	/* verify/ima_refcache.h */

struct judging {
	/* judge_prepare: a read-only connection; judge_finish: the run's */
	struct store *s;
	/* Reference sets and policies of this run, shared by its threads;
	 * NULL: loaded for this bundle only. */
	struct ima_refcache *refcache;
	struct bundle_scratch *scratch;	/* judge_prepare only; may be NULL */
	int64_t now;
	struct result *r;
	/* the check sink (verify/checks.h) appending to r, whichever
	 * result r points to: what the shared check functions write to */
	struct check_sink sink;

	/* container */
	struct bundle_contents bc;
	bool manifest_read;		/* the MANIFEST decoded (unverified) */
	struct manifest claimed;	/* as the bundle claims it */
	uint8_t kid[COSE_KID_MAX];
	size_t kid_len;

	/* device and signature */
	struct store_device dev;
	struct tpm_public ak;
	EVP_PKEY *ak_key;
	struct manifest m;		/* verified */

	/* challenge */
	bool have_challenge;		/* ch is the store's row */
	struct store_challenge ch;
	TPML_PCR_SELECTION want_sel;	/* ch's selection */
	bool want_sel_ok;

	/* where judge_finish() puts its checks: indexes into r->checks */
	size_t device_known_at;		/* the device.known check */
	size_t challenge_at;		/* challenge.* go before this one */
	size_t state_at;		/* state.* go before this one */
	bool signed_ok;			/* manifest.signature passed */

	/* IMA (judge_ima.c): the entries of ima.log when ima.parse passed */
	uint64_t ima_entries;

	/* quote */
	bool att_ok;
	struct tpm_attest att;
	bool pcrs_ok;
	struct pcr_set pcrs;

	/* UEFI (judge_uefi.c): whether uefi.log was judged (replayed and
	 * compared with a reference log), the PCRs it judged (bit i: PCR
	 * i), and the quoted values with PCRs 0-9 as replayed from it
	 * (ima.boot-aggregate's; NULL: none, use pcrs) */
	bool uefi_judged;
	uint32_t uefi_pcrs;
	struct pcr_set *boot_pcrs;
};

/* Append a check to j->sink; a full list keeps its last slot for a
 * final note. */
void jg_ok(struct judging *j, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void jg_fail(struct judging *j, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void jg_skip(struct judging *j, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool jg_failed(const struct judging *j);

/* A member's bytes by name; NULL if the bundle has none. */
const uint8_t *jg_member(const struct judging *j, const char *name,
    size_t *len);

/* Quote and state checks (judge_quote.c). */
void judge_quote(struct judging *j);
/* -1 only on a store error. */
int judge_state(struct judging *j, struct errbuf *e);
/* The new accepted state, from the quote (judge_quote.c). */
void judge_state_of(const struct judging *j, struct store_attest_state *st);
/* UEFI checks (judge_uefi.c), before the IMA checks; -1 only on a store
 * error. judge_uefi_release() frees what they left for the IMA checks. */
int judge_uefi(struct judging *j, struct errbuf *e);
void judge_uefi_release(struct judging *j);
/* IMA checks (judge_ima.c); -1 only on a store error. */
int judge_ima(struct judging *j, struct errbuf *e);
/* pcr.reference (judge_pcr.c), after the IMA checks; -1 only on a store
 * error. */
int judge_pcr(struct judging *j, struct errbuf *e);
/* The quoted PCRs a carried log judges instead of pcr.reference (bit i:
 * PCR i), and whether the UEFI judgement judged uefi.log (judge_pcr.c). */
uint32_t judge_log_pcrs(const struct judging *j);
bool judge_uefi_judges(const struct judging *j);

#endif
