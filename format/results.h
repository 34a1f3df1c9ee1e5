/*
 * results.h - the verifier's result for one input bundle, in two forms:
 * a JSON Lines record (for people and scripts) and a signed CBOR file
 * (for carrying back to devices or archives).
 *
 * JSON LINES (result_json_line): one object per input bundle, one line,
 * keys always present and always in this order:
 *
 *   {"input":{"name":STRING,"offset":NUMBER|null},
 *    "device":HEX64|null,"challenge":HEX32|null,
 *    "verdict":"pass"|"fail"|"error",
 *    "checks":[{"name":STRING,"outcome":"ok"|"fail"|"skip",
 *               "reason":STRING},...],
 *    "bundle_sha256":HEX64|null,"time":"YYYY-MM-DDTHH:MM:SSZ"}\n
 *
 * (no spaces, no line breaks inside the line; "offset" is the byte offset
 * of the bundle in an archive, null when the input is a file). Strings are
 * escaped by result_json_escape:
 *   "  -> \"      \  -> \\
 *   08 -> \b  09 -> \t  0A -> \n  0C -> \f  0D -> \r
 *   other bytes 00..1F and 7F -> \u00XX (lowercase hex)
 *   U+2028, U+2029 -> \u2028, \u2029 (JavaScript line terminators)
 *   a well-formed UTF-8 sequence (RFC 3629: shortest form, no surrogates,
 *   at most U+10FFFF) -> itself
 *   any other byte (one that does not start such a sequence) -> \ufffd,
 *   one per byte, and the next byte is examined afresh.
 * So every line is valid JSON (RFC 8259) and valid UTF-8 whatever the
 * input name; an invalid byte is visible as U+FFFD but its value is lost
 * (JSON cannot carry raw bytes).
 *
 * SIGNED CBOR (*.dres, result_sign / result_file_verify): RFC 9277 magic
 * D9 D9 F7 DA 44 53 52 53 ("DSRS", provisional, cbor_det.h), then a
 * COSE_Sign1 by the verifier's P-256 key exactly as for challenges
 * (ES256, kid = verifier id, content type "application/vnd.dossier.
 * result+cbor"), whose payload is an EAR-shaped map (draft-ietf-rats-ear,
 * whose claims it follows), deterministic CBOR:
 *
 *   result = {
 *     6 => int,                    ; iat: time of the appraisal
 *     ? 10 => bstr .size 16,       ; eat_nonce: the challenge id
 *     265 => "tag:dossier,2025:result#1",    ; eat_profile (provisional)
 *     266 => { device => appraisal },        ; submods: exactly one
 *     1004 => { 0 => "dossier", 1 => tstr }, ; ear.verifier-id:
 *                                            ; developer, build
 *     "dossier.verifier" => bstr .size 32,   ; verifier id (= kid)
 *   }
 *   device = tstr                  ; 64 lowercase hex digits of the device
 *                                  ; id, or "unidentified"
 *   appraisal = {
 *     1000 => 0 / 2 / 96,          ; ear.status: none (verdict error),
 *                                  ; affirming (pass), contraindicated (fail)
 *     ? "dossier.bundle" => [-16, bstr .size 32],   ; SHA-256 of the bundle
 *     "dossier.checks" => [* [name: tstr, outcome: "ok"/"fail"/"skip",
 *                             reason: tstr]],
 *   }
 * The input name is not carried (it is local to the verifier and need not
 * be UTF-8). In this form, bytes of a reason that are not well-formed
 * UTF-8 or are control characters (00..1F, 7F) are written as '?'.
 *
 * Rules both writers and the decoder enforce: 0..RESULT_CHECKS_MAX checks;
 * check names 1..RESULT_CHECK_NAME_MAX characters of [a-z0-9._-]; reasons
 * at most RESULT_REASON_MAX bytes; verdict pass has no failed check and
 * verdict fail at least one; time within 0..RESULT_TIME_MAX (year 9999).
 * The decoder also refuses unknown keys (EAR's optional claims included:
 * this reader reads what this writer writes), a non-deterministic
 * encoding and a build string of 0 or more than RESULT_BUILD_MAX bytes.
 *
 * Ownership: struct result is a plain value (no pointers); outputs are
 * malloc'd (free()). EVP_PKEY arguments are borrowed. Errors follow
 * format/err.h.
 */
#ifndef DOSSIER_RESULTS_H
#define DOSSIER_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "format/cose.h"
#include "format/err.h"

#define RESULT_PROFILE		"tag:dossier,2025:result#1"
#define RESULT_DEVELOPER	"dossier"
#define RESULT_CONTENT_TYPE	"application/vnd.dossier.result+cbor"
#define RESULT_UNIDENTIFIED	"unidentified"

#define RESULT_INPUT_MAX	1023	/* input name bytes */
#define RESULT_CHECKS_MAX	64
#define RESULT_CHECK_NAME_MAX	64
#define RESULT_REASON_MAX	511
#define RESULT_BUILD_MAX	64
#define RESULT_TIME_MAX		((int64_t)253402300799)	/* 9999-12-31T23:59:59Z */
#define RESULT_MAX		(64u * 1024)	/* CBOR payload */
#define RESULT_FILE_MAX		(RESULT_MAX + 512)
#define RESULT_JSON_MAX		(256u * 1024)	/* one JSON line */

/* EAR trust tiers (ear.status). */
#define RESULT_TIER_NONE		0
#define RESULT_TIER_AFFIRMING		2
#define RESULT_TIER_CONTRAINDICATED	96

enum result_verdict {
	RESULT_PASS = 0,
	RESULT_FAIL = 1,
	RESULT_ERROR = 2,
};

enum result_outcome {
	RESULT_OK = 0,
	RESULT_CHECK_FAIL = 1,
	RESULT_SKIP = 2,
};

/* "pass", "fail", "error" / "ok", "fail", "skip"; NULL if out of range. */
const char *result_verdict_name(enum result_verdict v);
const char *result_outcome_name(enum result_outcome o);

struct result_check {
	char name[RESULT_CHECK_NAME_MAX + 1];
	enum result_outcome outcome;
	char reason[RESULT_REASON_MAX + 1];	/* "" if none */
};

struct result {
	char input[RESULT_INPUT_MAX + 1];	/* any bytes but NUL */
	bool has_offset;
	uint64_t offset;
	bool has_device;
	uint8_t device_id[32];
	bool has_challenge;
	uint8_t challenge_id[16];
	enum result_verdict verdict;
	bool has_bundle_digest;
	uint8_t bundle_sha256[32];
	int64_t time;				/* epoch seconds, UTC */
	/* Signed form only. */
	uint8_t verifier_id[32];
	char build[RESULT_BUILD_MAX + 1];	/* "dossier 0.1.0" */
	size_t n_checks;
	/* Last, so that the members before it can be copied on their own
	 * (offsetof): n_checks of its 38 KiB are in use. */
	struct result_check checks[RESULT_CHECKS_MAX];
};

/*
 * Escape s[0..n) as the content of a JSON string (without the quotes)
 * into a malloc'd NUL-terminated *out, by the table above.
 */
int result_json_escape(const char *s, size_t n, char **out, struct errbuf *e);
/*
 * The one JSON string writer: s[0..n) escaped as above, between double
 * quotes, to f. 0, or -1 (nothing written) when it is longer than
 * RESULT_JSON_MAX or memory runs out, or -1 on a write error.
 */
int result_json_fputs(FILE *f, const char *s, size_t n);

/* "1970-01-01T00:00:00Z" for t in 0..RESULT_TIME_MAX; out holds 21. */
int result_time_format(int64_t t, char out[21], struct errbuf *e);

/* The JSON line of r, '\n' included, malloc'd and NUL-terminated. */
int result_json_line(const struct result *r, char **out, size_t *len,
    struct errbuf *e);

/* The CBOR payload of r (deterministic, malloc'd). */
int result_encode(const struct result *r, uint8_t **out, size_t *len,
    struct errbuf *e);
/* Decode a payload occupying exactly buf[0..len), strictly. input and
 * offset are left empty (not carried). */
int result_decode(const uint8_t *buf, size_t len, struct result *out,
    struct errbuf *e);

/* The signed file; key (P-256) must have r->verifier_id as its id. */
int result_sign(const struct result *r, EVP_PKEY *key, uint8_t **file,
    size_t *len, struct errbuf *e);
/* Parse without verifying (kid equals the payload's verifier id). */
int result_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct result *out, struct errbuf *e);
/* Verify with the verifier's public key, then decode into *out. */
int result_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct result *out, struct errbuf *e);

#endif
