/*
 * ima_replay.h - replay an IMA measurement list into PCR banks, streaming,
 * and find the prefix of the list that a set of quoted PCR values covers.
 *
 * Two extension modes, because kernels differ (Linux commit c1f92b4b04ad
 * "tpm: enhance TPM 2.0 PCR extend to support multiple banks" padded the
 * SHA-1 digest into every bank; commit 1ea973df6e21 "ima: Calculate and
 * extend PCR with digests in ima_template_entry", Linux 5.8, extends
 * each bank with its own hash; evmctl ima_measurement of ima-evm-utils
 * tries both the same way):
 *
 *   per-bank  Linux >= 5.8: bank B is extended with H_B(template data)
 *             (for the legacy "ima" template H_B(digest || name padded to
 *             256 bytes)); a violation extends 0xFF x |B|.
 *   padded    Linux 4.11 .. 5.7 (TPM 2.0): every bank is extended with the
 *             SHA-1 template digest zero-padded to |B|; a violation extends
 *             0xFF x 20 zero-padded.
 *
 * The sha1 bank is the same in both modes. Violations are records whose
 * template-digest column is all zero. PCRs start at zero.
 *
 * Each record's column is checked against the template hash of the list's
 * column algorithm (computed once per record and algorithm, shared with
 * the bank of that algorithm): a mismatch is reported to the caller, and
 * the replay uses the recomputed hash, never the column, so altered
 * template data cannot match a quote.
 *
 * State is the PCR arrays per bank and mode plus one reusable EVP_MD_CTX
 * per algorithm: no allocation per record. Errors follow format/err.h.
 */
#ifndef DOSSIER_IMA_REPLAY_H
#define DOSSIER_IMA_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/ima_log.h"
#include "format/pcr_set.h"

#define IMA_REPLAY_MAX_BANKS PCR_SET_MAX_BANKS

enum ima_mode {
	IMA_MODE_PER_BANK = 0,
	IMA_MODE_PADDED = 1,
};
#define IMA_NMODES 2

/* Mode masks for ima_replay_init(). */
#define IMA_REPLAY_PER_BANK (1u << IMA_MODE_PER_BANK)
#define IMA_REPLAY_PADDED   (1u << IMA_MODE_PADDED)
#define IMA_REPLAY_BOTH     (IMA_REPLAY_PER_BANK | IMA_REPLAY_PADDED)

const char *ima_mode_name(enum ima_mode m);	/* "per-bank", "padded" */

/* One algorithm's template hash, computed at most once per record. */
struct ima_hash_slot {
	const struct hashalg *alg;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	uint8_t out[HASHALG_MAX_SIZE];
};

struct ima_replay_bank {
	const struct hashalg *alg;
	size_t slot;			/* its template hash */
	uint8_t pcr[IMA_NMODES][IMA_PCR_COUNT][HASHALG_MAX_SIZE];

	/* Expected values (ima_replay_expect) and prefix tracking. */
	bool expect;
	uint32_t exp_present;		/* bit i: exp[i] valid */
	uint8_t exp[IMA_PCR_COUNT][HASHALG_MAX_SIZE];
	uint32_t mismatch[IMA_NMODES];	/* PCRs extended, now != exp */
	uint64_t prefix[IMA_NMODES];	/* last entry count all matched */
	uint32_t touched_at[IMA_NMODES];/* PCRs extended by that prefix */
};

struct ima_replay {
	unsigned modes;
	const struct hashalg *log_alg;
	size_t nbanks;
	struct ima_replay_bank banks[IMA_REPLAY_MAX_BANKS];
	size_t nslots;
	struct ima_hash_slot slots[IMA_REPLAY_MAX_BANKS + 2];
	size_t log_slot;		/* column algorithm */
	size_t sha1_slot;		/* padded mode; nslots if unused */
	uint32_t touched;		/* PCRs extended so far */
	uint64_t entries;
	uint64_t violations;
	uint64_t column_mismatches;
};

/*
 * Start a replay into banks[0..nbanks) (distinct algorithms with an
 * OpenSSL digest, at most IMA_REPLAY_MAX_BANKS) in the modes of the mask;
 * log_alg is the list's column algorithm. Free with ima_replay_free().
 */
int ima_replay_init(struct ima_replay *r, const struct hashalg *const *banks,
    size_t nbanks, unsigned modes, const struct hashalg *log_alg,
    struct errbuf *e);
void ima_replay_free(struct ima_replay *r);

/*
 * Compare every bank the set also has with its values after each record
 * (call before the first record). Banks the set lacks are replayed but
 * not compared. Within a compared bank, only the PCRs the set has a value
 * for are compared: a record extending another PCR neither ends nor holds
 * back a matching prefix, and that PCR is reported in
 * ima_bank_result.missing (a verifier that has only the quoted PCR 10 can
 * still find the prefix of the log that the quote covers, and say which
 * entries went to PCRs it cannot judge).
 */
void ima_replay_expect(struct ima_replay *r, const struct pcr_set *s);

/*
 * Extend one record into every bank and mode. *column_ok tells whether the
 * record's column equals its recomputed template hash (always true for a
 * violation). -1 only on an OpenSSL failure.
 */
int ima_replay_record(struct ima_replay *r, const struct ima_record *rec,
    bool *column_ok, struct errbuf *e);

/* The current value of a PCR (padded mode of sha1 = per-bank). */
const uint8_t *ima_replay_pcr(const struct ima_replay *r, size_t bank,
    enum ima_mode mode, unsigned pcr);

/* After the last record: how a bank's expected values compare. */
struct ima_bank_result {
	uint32_t missing;		/* extended PCRs without a value */
	bool matched[IMA_NMODES];	/* some prefix matches in that mode,
					 * on the PCRs with a value */
	uint64_t prefix[IMA_NMODES];	/* its length (entries) */
};

void ima_replay_result(const struct ima_replay *r, size_t bank,
    struct ima_bank_result *out);

#endif
