/*
 * issue.h - issuing one challenge (format/challenge.h) to one device of
 * the store: shared by `dossier enroll` (the enrollment challenge),
 * `dossier challenge` and anything else that must hand a device a fresh
 * challenge.
 *
 * What a challenge holds (ISSUE3c, dossier-challenge(5)):
 *   - a fresh 16-byte id (store_new_id) and a 32-byte random secret, the
 *     secret wrapped by credential_make() to the device's enrolled EK and
 *     AK Name, so only the AK's own TPM can recover it; the secret is the
 *     nonce the device's quote must carry;
 *   - the default PCR selection: PCRs 0..ISSUE_PCR_LAST of every bank of
 *     the device's reference PCR values (the enrollment bundle's
 *     pcrs.bin), in the order the references list the banks;
 *   - logs ["ima"];
 *   - issued = now, not-after = now + lifetime (default
 *     ISSUE_LIFETIME_DEFAULT, 7 days);
 *   - the verifier id of the store's signing key; signed ES256 with it.
 * The challenge is recorded in the store's ledger (store_challenge_issue)
 * with its secret, selection and logs, in state issued.
 *
 * Transactions: issue_challenge() writes one ledger row and does not
 * begin or commit anything. Callers that write the challenge files out
 * should run it inside store_begin() and commit only once the files are
 * written, so a challenge nobody received is never left in the ledger.
 *
 * Errors follow format/err.h; messages name the device (hex id prefix)
 * only where the caller cannot, e.g. a device without reference PCRs.
 */
#ifndef DOSSIER_VERIFY_ISSUE_H
#define DOSSIER_VERIFY_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/challenge.h"
#include "format/err.h"
#include "format/pcr_set.h"
#include "verify/store.h"

#define ISSUE_PCR_LAST		10		/* default selection: PCRs 0..10 */
#define ISSUE_LIFETIME_DEFAULT	((int64_t)7 * 86400)	/* 7 days */
#define ISSUE_LIFETIME_MAX	((int64_t)366 * 86400)	/* --expires limit */
#define ISSUE_LOGS_DEFAULT	CHALLENGE_LOG_IMA	/* logs asked for by default */

/* The verifier's signing key and its id, loaded once per command. */
struct issue_signer {
	EVP_PKEY *key;				/* P-256 private key, owned */
	uint8_t verifier_id[CHALLENGE_VERIFIER_ID_LEN];
};

/* Load the store's verifier key (store_verifier_key) and its id. Fails
 * when the store has no key ("run dossier init"). issue_signer_free()
 * releases it (safe on a zeroed struct). */
int issue_signer_load(struct store *s, struct issue_signer *out,
    struct errbuf *e);
void issue_signer_free(struct issue_signer *sg);

/* One issued challenge: the decoded content and the signed file. */
struct issued {
	struct challenge ch;		/* what was signed (no secret in it) */
	uint8_t *file;			/* the .dchal file, malloc'd */
	size_t file_len;
};

void issued_free(struct issued *is);

/*
 * Parse an --expires argument: SECONDS (digits), Nh (hours) or Nd (days),
 * N > 0, at most ISSUE_LIFETIME_MAX seconds. *secs is the lifetime.
 */
int issue_parse_lifetime(const char *arg, int64_t *secs, struct errbuf *e);

/*
 * The default selection for a device whose reference PCR values are refs:
 * PCRs 0..ISSUE_PCR_LAST in every bank of refs that has a TPM algorithm
 * id, sizeofSelect 3. Fails if refs has no such bank.
 */
int issue_default_selection(const struct pcr_set *refs,
    TPML_PCR_SELECTION *out, struct errbuf *e);

/*
 * Issue a challenge to device d (as read from the store; its references
 * must be set): build it as described above with purpose (enrollment or
 * attestation), sign it with sg, and record it in the ledger. now is the
 * issue time, lifetime (> 0) its validity, logs the enum challenge_log bits
 * of the logs the bundle must carry (not 0). On success *out holds the
 * challenge and its file (issued_free()); on failure *out is empty and
 * nothing was recorded.
 */
int issue_challenge(struct store *s, const struct issue_signer *sg,
    const struct store_device *d, enum store_challenge_purpose purpose,
    int64_t now, int64_t lifetime, unsigned logs, struct issued *out,
    struct errbuf *e);

/*
 * Parse a comma-separated list of log names of the challenge vocabulary
 * ("ima,ima-sha256") into enum challenge_log bits. -1 on an unknown or
 * repeated name, naming it.
 */
int issue_parse_logs(const char *list, unsigned *logs, struct errbuf *e);

#endif
