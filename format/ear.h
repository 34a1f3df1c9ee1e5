/*
 * ear.h - IETF RATS EAT Attestation Results (EAR, draft-ietf-rats-ear-03,
 * its cddl/ at tag -03; research/ecosystem.md 2.1): a dossier result
 * (format/results.h) as an EAR, signed as a CWT (COSE_Sign1) or a JWT.
 *
 * CLAIMS (CBOR integer key / JSON name):
 *   6     iat                  int, the result's time
 *   10    eat_nonce            bstr 8..EAR_NONCE_MAX / base64url text: the
 *                              nonce the device quoted (quote.attest
 *                              extraData), present only when quote.nonce
 *                              passed, so it is the challenge's nonce
 *                              and already public in the bundle
 *   265   eat_profile          "tag:ietf.org,2026:rats/ear#03"
 *   266   submods              { name => appraisal }, names below
 *   1000  ear_status           the worst status of the submods
 *   1004  ear_verifier_id      { 0 developer "dossier", 1 build
 *                              "dossier VERSION" } / {"developer","build"}
 *   "dossier.device"           64 lowercase hex digits of the device id
 *                              (absent when the bundle named none)
 *   "dossier.challenge"        bstr 16 / 32 hex digits: the challenge id
 *   appraisal = {
 *     1000 ear_status                  0 none, 2 affirming, 32 warning,
 *                                      96 contraindicated (JSON: names)
 *     ? 1001 ear_trustworthiness_vector { 0..7 => -128..127 } (JSON:
 *                                      "instance-identity", ...)
 *     ? 1003 ear_appraisal_policy_ids  [+ tstr]
 *   }
 * JSON names are -03's (underscores); the decoder of claims (CBOR) reads
 * integer keys only, so the rename does not concern it.
 *
 * SUBMODS and the mapping from checks (verify/judge.h) to claims, by the
 * table in ear.c (dossier-results(5) shows it): "tpm" (the TPM, its keys,
 * the container and challenge), "boot" (PCRs, the UEFI event log,
 * boot_aggregate), "runtime" (IMA). Each check name maps to one submod
 * and at most one trust claim with a value for ok and one for fail; a
 * claim takes the worst (highest) value of its checks that ran (skips
 * are ignored; no check ran: the claim is absent). A submod's status is
 * contraindicated if any of its checks failed, else the tier of its worst
 * claim (2..31 affirming, 32..95 warning), none when no check of it ran.
 * A result with verdict error gives status none everywhere. A check name
 * the table does not know goes to "tpm" without a claim, so a failure is
 * never lost. ear_appraisal_policy_ids lists, per submod, "dossier/" and
 * the name of each policy rule check that ran (ima.reorder, ...), or
 * "dossier/checks" when none did.
 *
 * FILES: the CWT is a bare tagged COSE_Sign1 (D2 84 ...; no RFC 9277
 * magic, so that any EAR reader takes it), ES256 by the verifier's P-256
 * key, kid = verifier id, content type EAR_CWT_CONTENT_TYPE. The JWT is
 * "B64URL(header).B64URL(claims).B64URL(r || s)", header
 * {"alg":"ES256","typ":"JWT","kid":HEX}, no padding, no newline.
 *
 * Ownership: outputs are malloc'd (free()); EVP_PKEY borrowed. Errors
 * follow format/err.h.
 */
#ifndef DOSSIER_EAR_H
#define DOSSIER_EAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/cose.h"
#include "format/err.h"
#include "format/results.h"

#define EAR_DRAFT		"draft-ietf-rats-ear-03"
#define EAR_PROFILE		"tag:ietf.org,2026:rats/ear#03"
#define EAR_CWT_CONTENT_TYPE	"application/eat+cwt"

#define EAR_NONCE_MIN		8	/* EAT nonce: 8..64 bytes */
#define EAR_NONCE_MAX		64
#define EAR_SUBMODS_MAX		8
#define EAR_SUBMOD_NAME_MAX	32
#define EAR_POLICY_IDS_MAX	16
#define EAR_POLICY_ID_MAX	80
#define EAR_CLAIMS_MAX		(16u * 1024)	/* CBOR claims / JSON */
#define EAR_CWT_MAX		(EAR_CLAIMS_MAX + 512)
#define EAR_JWT_MAX		(4 * (EAR_CLAIMS_MAX + 512) / 3 + 256)

/* Tiers (ear_status). */
#define EAR_NONE		0
#define EAR_AFFIRMING		2
#define EAR_WARNING		32
#define EAR_CONTRAINDICATED	96

/* Trust vector claims (AR4SI). */
enum ear_claim {
	EAR_INSTANCE_IDENTITY = 0,
	EAR_CONFIGURATION = 1,
	EAR_EXECUTABLES = 2,
	EAR_FILE_SYSTEM = 3,
	EAR_HARDWARE = 4,
	EAR_RUNTIME_OPAQUE = 5,
	EAR_STORAGE_OPAQUE = 6,
	EAR_SOURCED_DATA = 7,
	EAR_CLAIMS_N = 8,
};

struct ear_appraisal {
	char name[EAR_SUBMOD_NAME_MAX + 1];
	int status;				/* a tier */
	bool has_claim[EAR_CLAIMS_N];
	int8_t claim[EAR_CLAIMS_N];
	size_t n_policy_ids;
	char policy_ids[EAR_POLICY_IDS_MAX][EAR_POLICY_ID_MAX + 1];
};

struct ear {
	int64_t iat;
	int status;				/* top-level ear_status */
	char developer[RESULT_BUILD_MAX + 1];
	char build[RESULT_BUILD_MAX + 1];
	bool has_nonce;
	uint8_t nonce[EAR_NONCE_MAX];
	size_t nonce_len;
	bool has_device;
	uint8_t device_id[32];
	bool has_challenge;
	uint8_t challenge_id[16];
	size_t n_submods;
	struct ear_appraisal submods[EAR_SUBMODS_MAX];
};

/* "none", "affirming", "warning", "contraindicated"; NULL for another. */
const char *ear_status_name(int tier);
/* "instance-identity", ...; NULL out of range. */
const char *ear_claim_name(enum ear_claim c);

/* One row of the mapping table (for dossier-results(5) and tests). */
struct ear_rule {
	const char *check;	/* a check name, or a prefix ending in '.' */
	const char *submod;	/* "tpm", "boot", "runtime" */
	int claim;		/* enum ear_claim, or -1: status only */
	int claim2;		/* a second claim the check feeds, or -1 */
	int8_t ok, fail;	/* claim values */
	bool policy;		/* a policy rule: named in the policy ids */
};
/* The table, in matching order (the first row that fits wins). */
const struct ear_rule *ear_rules(size_t *n);
/* The row for a check name (never NULL: the last row catches all). */
const struct ear_rule *ear_rule_for(const char *check);

/*
 * The EAR of r by the table above. nonce (may be NULL) is the quote's
 * extraData; it is used only when r has a quote.nonce check that passed,
 * and must be EAR_NONCE_MIN..EAR_NONCE_MAX bytes then. r->build names
 * the build (empty: "dossier " DOSSIER_VERSION is not assumed: fails).
 */
int ear_from_result(const struct result *r, const uint8_t *nonce,
    size_t nonce_len, struct ear *out, struct errbuf *e);

/* The claims as deterministic CBOR / as one JSON object (NUL-ended). */
int ear_encode_cbor(const struct ear *ear, uint8_t **out, size_t *len,
    struct errbuf *e);
int ear_encode_json(const struct ear *ear, char **out, size_t *len,
    struct errbuf *e);
/* Decode CBOR claims occupying exactly buf[0..len): the claims above and
 * extensions (skipped); refuses a status or claim value out of range, a
 * missing profile, iat, verifier id or submods, another profile. */
int ear_decode_cbor(const uint8_t *buf, size_t len, struct ear *out,
    struct errbuf *e);

/* Signed forms; key is P-256, kid its id (the verifier id). */
int ear_sign_cwt(const struct ear *ear, EVP_PKEY *key, const uint8_t *kid,
    size_t kid_len, uint8_t **out, size_t *len, struct errbuf *e);
int ear_sign_jwt(const struct ear *ear, EVP_PKEY *key, const uint8_t *kid,
    size_t kid_len, char **out, size_t *len, struct errbuf *e);

/* Whether buf looks like an EAR CWT (tagged COSE_Sign1 whose protected
 * header names EAR_CWT_CONTENT_TYPE) or a JWT (three base64url parts). */
bool ear_is_cwt(const uint8_t *buf, size_t len);
bool ear_is_jwt(const uint8_t *buf, size_t len);

/*
 * Read a CWT without (key NULL) or with verifying its signature, then
 * decode the claims. msg may be NULL.
 */
int ear_cwt_open(const uint8_t *buf, size_t len, EVP_PKEY *key,
    struct cose_sign1 *msg, struct ear *out, struct errbuf *e);

/*
 * Split a JWT (a trailing newline allowed), check its header is exactly
 * ES256 with "typ":"JWT" (alg none and others refused), verify the
 * signature when key is not NULL, and return the decoded claims JSON
 * (malloc'd, NUL-terminated, not parsed here) and the header's kid text.
 */
int ear_jwt_open(const uint8_t *buf, size_t len, EVP_PKEY *key,
    char **claims_json, size_t *claims_len, struct errbuf *e);

/* base64url without padding (RFC 4648 §5): encode into a malloc'd C
 * string; decode exactly n characters into a malloc'd buffer. */
int ear_b64url_encode(const uint8_t *in, size_t n, char **out,
    struct errbuf *e);
int ear_b64url_decode(const char *in, size_t n, uint8_t **out, size_t *len,
    struct errbuf *e);

#endif
