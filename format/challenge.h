/*
 * challenge.h - the verifier's challenge to one device: a CBOR payload
 * (credential blob carrying the nonce, PCR selection, requested logs,
 * validity) signed by the verifier's P-256 software key as a COSE_Sign1
 * (format/cose.h) inside an RFC 9277 file magic. Encoder, strict decoder,
 * signing, a reader that does not verify (so the collector can find its
 * own challenge by device id) and the verifying reader.
 *
 * FILE (*.dchal), at most CHALLENGE_FILE_MAX bytes:
 *
 *   D9 D9 F7              tag 55799 (self-described CBOR)
 *   DA 44 53 43 48        tag 0x44534348 "DSCH" (provisional, cbor_det.h)
 *   D2 84                 COSE_Sign1 (tag 18), array of 4:
 *     protected  bstr .cbor {1: -7 (ES256), 3: "application/vnd.dossier.
 *                challenge+cbor", 4: kid = verifier id (32 bytes)}
 *     unprotected {}
 *     payload    bstr .cbor challenge (embedded)
 *     signature  bstr, 64 bytes r || s, by the verifier's P-256 key
 *
 * The verifier id is SHA-256 of the DER SubjectPublicKeyInfo of the
 * verifier's public key (challenge_verifier_id); it is both the kid and
 * payload key 11, and they must be equal.
 *
 * PAYLOAD (deterministic CBOR, RFC 8949 §4.2.1; our own format, its
 * contract in dossier-challenge(5)):
 *
 *   challenge = {
 *     1 => "dossier-challenge",    ; format name
 *     2 => 1,                      ; format version (major); others refused
 *     3 => bstr .size 16,          ; challenge id (random, unique)
 *     4 => bstr .size 32,          ; device id = SHA-256(EK certificate DER)
 *     5 => tpm-name,               ; Name of the AK the credential is for
 *     6 => bstr,                   ; tpm2-tools credential file: BADCC0DE ||
 *                                  ; 00000001 || TPM2B_ID_OBJECT ||
 *                                  ; TPM2B_ENCRYPTED_SECRET (credential.h);
 *                                  ; the secret inside is the quote nonce
 *     7 => bstr,                   ; marshaled TPML_PCR_SELECTION, to be
 *                                  ; quoted verbatim (1..16 banks)
 *     8 => [+ log],                ; logs the bundle must carry
 *     9 => #6.1(int),              ; not-after, epoch seconds
 *     10 => #6.1(int),             ; issued, epoch seconds (< not-after)
 *     11 => bstr .size 32,         ; verifier id (equals the COSE kid)
 *     * (uint .ge 64) => any       ; extensions: ignored by this reader
 *   }
 *   tpm-name = bstr                ; u16 nameAlg || digest (34 bytes for
 *                                  ; SHA-256, 50 for SHA-384, ...)
 *   log = "ima" / "ima-sha1" / "ima-sha256" / "ima-sha384" /
 *         "ima-sha512" / "uefi"
 *
 * Log vocabulary (the bundle member each one asks for, dossier-bundle(5)):
 *   "ima"          ima.log: binary_runtime_measurements (the template
 *                  hash list the kernel extends into its default bank)
 *   "ima-<alg>"    ima-<alg>.log: binary_runtime_measurements_<alg>, the
 *                  per-bank list of kernels that keep one per PCR bank
 *   "uefi"         uefi.log: binary_bios_measurements (TCG PFP event log)
 *
 * Rules the decoder enforces beyond the CDDL:
 *   - keys are unsigned integers; 0 and 12..63 are refused (reserved for
 *     later versions of this format); keys >= 64 are skipped; every key
 *     1..11 must be present;
 *   - the credential parses with credential_file_parse (exactly, at most
 *     CREDENTIAL_FILE_MAX bytes); the selection with tpm_selection_parse
 *     (no trailing bytes) and has at least one bank;
 *   - tpm-name: 2 + the digest size of a known nameAlg;
 *   - logs: 1..CHALLENGE_LOGS_MAX names of the vocabulary, each at most
 *     once, in the order of the table above (so each set of logs has one
 *     encoding); an unknown name is refused;
 *   - not-after is strictly after issued;
 *   - the whole payload deterministic, nothing after the map.
 * Re-encoding a decoded challenge gives the same bytes unless it carried
 * extension keys, which are dropped.
 *
 * Ownership: struct challenge is a plain value (no pointers). Output
 * buffers are malloc'd (free()). EVP_PKEY arguments are borrowed. Errors
 * follow format/err.h.
 */
#ifndef DOSSIER_CHALLENGE_H
#define DOSSIER_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/cose.h"
#include "format/credential.h"
#include "format/err.h"
#include "format/tpm_public.h"

#define CHALLENGE_FORMAT_NAME	"dossier-challenge"
#define CHALLENGE_VERSION	1
#define CHALLENGE_CONTENT_TYPE	"application/vnd.dossier.challenge+cbor"
#define CHALLENGE_SUFFIX	".dchal"

#define CHALLENGE_ID_LEN	16
#define CHALLENGE_DEVICE_ID_LEN	32
#define CHALLENGE_VERIFIER_ID_LEN 32
/* Marshaled TPML_PCR_SELECTION: u32 count + 16 x (u16 hash, u8 size, 4). */
#define CHALLENGE_SELECTION_MAX	(4 + TPM2_NUM_PCR_BANKS * 7)
#define CHALLENGE_LOGS_MAX	6	/* the whole vocabulary */
#define CHALLENGE_EXT_KEY_MIN	64	/* first key a reader ignores */
/* The payload and the whole signed file. */
#define CHALLENGE_MAX		2048
#define CHALLENGE_FILE_MAX	(CHALLENGE_MAX + 512)

/* Payload keys. */
enum challenge_key {
	CHALLENGE_K_FORMAT = 1,
	CHALLENGE_K_VERSION = 2,
	CHALLENGE_K_ID = 3,
	CHALLENGE_K_DEVICE_ID = 4,
	CHALLENGE_K_AK_NAME = 5,
	CHALLENGE_K_CREDENTIAL = 6,
	CHALLENGE_K_SELECTION = 7,
	CHALLENGE_K_LOGS = 8,
	CHALLENGE_K_NOT_AFTER = 9,
	CHALLENGE_K_ISSUED = 10,
	CHALLENGE_K_VERIFIER_ID = 11,
};

/* The log vocabulary as bits of struct challenge.logs. */
enum challenge_log {
	CHALLENGE_LOG_IMA = 1u << 0,		/* "ima" */
	CHALLENGE_LOG_IMA_SHA1 = 1u << 1,	/* "ima-sha1" */
	CHALLENGE_LOG_IMA_SHA256 = 1u << 2,	/* "ima-sha256" */
	CHALLENGE_LOG_IMA_SHA384 = 1u << 3,	/* "ima-sha384" */
	CHALLENGE_LOG_IMA_SHA512 = 1u << 4,	/* "ima-sha512" */
	CHALLENGE_LOG_UEFI = 1u << 5,		/* "uefi" */
};
#define CHALLENGE_LOG_ALL	0x3fu

/* "ima", "uefi", ... for one bit; NULL for anything else. */
const char *challenge_log_name(unsigned log);
/* The bit for a name, 0 if it is not in the vocabulary. */
unsigned challenge_log_by_name(const char *name, size_t len);

struct challenge {
	uint8_t id[CHALLENGE_ID_LEN];
	uint8_t device_id[CHALLENGE_DEVICE_ID_LEN];
	struct tpm_name ak_name;
	uint8_t credential[CREDENTIAL_FILE_MAX];	/* file bytes, verbatim */
	size_t credential_len;
	uint8_t selection[CHALLENGE_SELECTION_MAX];	/* marshaled, verbatim */
	size_t selection_len;
	unsigned logs;			/* enum challenge_log bits, not 0 */
	int64_t not_after;
	int64_t issued;
	uint8_t verifier_id[CHALLENGE_VERIFIER_ID_LEN];
};

/*
 * Encode c as the deterministic payload (malloc'd *out). The decoder's
 * rules are checked first, so whatever is encoded decodes.
 */
int challenge_encode(const struct challenge *c, uint8_t **out, size_t *len,
    struct errbuf *e);

/* Decode a payload occupying exactly buf[0..len), strictly (see above). */
int challenge_decode(const uint8_t *buf, size_t len, struct challenge *out,
    struct errbuf *e);

/*
 * Fails with "expired at <not-after> (now <now>)" if now > not_after
 * (the challenge is valid up to and including not_after). The issue time
 * is not judged: device clocks are informational.
 */
int challenge_check_time(const struct challenge *c, int64_t now,
    struct errbuf *e);

/* ---- the verifier key ------------------------------------------------- */

/* SHA-256 of the DER SubjectPublicKeyInfo of key (public or private). */
int challenge_verifier_id(EVP_PKEY *key, uint8_t out[CHALLENGE_VERIFIER_ID_LEN],
    struct errbuf *e);

/*
 * Parse the verifier's public key file (PEM "PUBLIC KEY", i.e. a
 * SubjectPublicKeyInfo) and require an EC key on NIST P-256. *out is the
 * key (EVP_PKEY_free). At most CHALLENGE_KEY_PEM_MAX bytes.
 */
#define CHALLENGE_KEY_PEM_MAX	4096
int challenge_verifier_key_parse(const uint8_t *pem, size_t len,
    EVP_PKEY **out, struct errbuf *e);

/* ---- the signed file -------------------------------------------------- */

/*
 * The challenge file (malloc'd *file) signed ES256 with key, a P-256
 * private key whose verifier id must equal c->verifier_id.
 */
int challenge_sign(const struct challenge *c, EVP_PKEY *key, uint8_t **file,
    size_t *len, struct errbuf *e);

/*
 * Parse a challenge file WITHOUT checking its signature: size limit,
 * magic, COSE_Sign1 layout, alg ES256, content type, kid of 32 bytes,
 * payload decodes, payload verifier id equals kid. For finding the
 * device's challenge in a set; nothing in *out may be trusted until
 * challenge_file_verify() succeeded. msg (may be NULL) points into buf.
 */
int challenge_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct challenge *out, struct errbuf *e);

/*
 * The verifying reader: challenge_file_open(), then kid equals the
 * verifier id of verifier (the pinned public key), the key is P-256, and
 * the ES256 signature verifies. Only then is *out filled. The message
 * says which step failed.
 */
int challenge_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct challenge *out, struct errbuf *e);

#endif
