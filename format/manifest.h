/*
 * manifest.h - the bundle MANIFEST: a CBOR payload listing every member
 * of a dossier bundle with its SHA-256, signed by the device's AK as a
 * COSE_Sign1 (format/cose.h) inside an RFC 9277 file magic. Encoder,
 * strict decoder, signing (TPM in two steps, software key in one) and the
 * verifying reader.
 *
 * FILE (the bundle's first member, "MANIFEST"), at most MANIFEST_FILE_MAX:
 *
 *   D9 D9 F7              tag 55799 (self-described CBOR)
 *   DA 44 53 4D 46        tag 0x44534D46 "DSMF" (provisional, cbor_det.h)
 *   D2 84                 COSE_Sign1 (tag 18), array of 4:
 *     protected  bstr .cbor {1: alg, 3: "application/vnd.dossier.
 *                manifest+cbor", 4: kid = the AK's TPM Name}
 *     unprotected {}
 *     payload    bstr .cbor manifest (embedded)
 *     signature  bstr, by the AK: alg from the AK's scheme
 *                (cose_alg_for_tpm_public: RS256, PS256, ES256, ES384)
 *   so a manifest starts D9 D9 F7 DA 44 53 4D 46 D2 84.
 *
 * PAYLOAD (deterministic CBOR, RFC 8949 §4.2.1; CDDL, RFC 8610, of our
 * own format, as in dossier-bundle(5)):
 *
 *   manifest = {
 *     1 => "dossier-bundle",       ; format name
 *     2 => 1,                      ; format version (major); others refused
 *     3 => 1 / 2,                  ; kind: enrollment 1, evidence 2
 *     4 => bstr .size 32,          ; device id = SHA-256(EK certificate DER)
 *     5 => tpm-name,               ; AK Name (equals the COSE kid)
 *     6 => [0] / [1, tpm-name],    ; AK location: primary in the endorsement
 *                                  ; hierarchy, or child of the EK (EK Name)
 *     ? 7 => bstr .size 16,        ; challenge id
 *     8 => #6.1(int),              ; created, epoch seconds (collector clock)
 *     9 => tstr,                   ; collector, "dossier-collect 0.1.0"
 *     10 => [+ member],            ; members after MANIFEST, archive order
 *     ? 11 => { + tstr => tstr },  ; platform facts
 *     * (uint .ge 64) => any       ; extensions: ignored by this reader
 *   }
 *   member   = [name: tstr, media-type: tstr, size: uint,
 *               digest: [-16, bstr .size 32]]     ; -16 = COSE SHA-256
 *   tpm-name = bstr                ; u16 nameAlg || digest, 34 bytes for
 *                                  ; SHA-256, 50 for SHA-384
 *
 * Rules the decoder enforces beyond the CDDL:
 *   - keys are unsigned integers; 0 and 12..63 are refused (reserved for
 *     future versions of this format); keys >= 64 are skipped;
 *   - tpm-name: 2 + the digest size of a known nameAlg (TPM 2.0 Library
 *     Part 1, Names): not only 34 bytes, since an AK or EK with a SHA-384
 *     nameAlg has a 50-byte Name, and is accepted;
 *   - 1..BUNDLE_MEMBERS_MAX members; names valid bundle member names
 *     (bundle_member_name_check: [a-z0-9._-], no leading '.' or '-', at
 *     most BUNDLE_MEMBER_NAME_MAX), all distinct; media types 1 to
 *     BUNDLE_MEDIA_TYPE_MAX printable ASCII characters;
 *   - collector: 1..MANIFEST_COLLECTOR_MAX bytes of UTF-8 without control
 *     characters;
 *   - facts: 1..MANIFEST_FACTS_MAX pairs (an empty map is refused: omit
 *     key 11, so each manifest has exactly one encoding); keys 1 to
 *     MANIFEST_FACT_KEY_MAX bytes, values 0 to MANIFEST_FACT_VALUE_MAX,
 *     UTF-8 without control characters. The map is in deterministic key
 *     order (bytewise order of the encoded keys: shorter keys first);
 *   - nothing after the map; the whole payload deterministic.
 * Re-encoding a decoded manifest gives the same bytes unless it carried
 * extension keys (>= 64), which are dropped.
 *
 * Ownership: struct manifest is a plain value (no pointers). Output
 * buffers are malloc'd (free()). Errors follow format/err.h.
 */
#ifndef DOSSIER_MANIFEST_H
#define DOSSIER_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/bundle.h"
#include "format/bundle_member.h"
#include "format/cose.h"
#include "format/err.h"
#include "format/tpm_public.h"

#define MANIFEST_FORMAT_NAME	"dossier-bundle"
#define MANIFEST_VERSION	1
#define MANIFEST_CONTENT_TYPE	"application/vnd.dossier.manifest+cbor"
#define MANIFEST_MEDIA_TYPE	"application/vnd.dossier.manifest+cose"

/* The whole MANIFEST file, and its payload. */
#define MANIFEST_FILE_MAX	BUNDLE_MANIFEST_MAX
#define MANIFEST_MAX		(MANIFEST_FILE_MAX - 1024)

#define MANIFEST_DEVICE_ID_LEN	32
#define MANIFEST_CHALLENGE_ID_LEN 16
#define MANIFEST_COLLECTOR_MAX	128
#define MANIFEST_FACTS_MAX	16
#define MANIFEST_FACT_KEY_MAX	64
#define MANIFEST_FACT_VALUE_MAX	256
#define MANIFEST_EXT_KEY_MIN	64	/* first key a reader ignores */

/* Payload keys. */
enum manifest_key {
	MANIFEST_K_FORMAT = 1,
	MANIFEST_K_VERSION = 2,
	MANIFEST_K_KIND = 3,
	MANIFEST_K_DEVICE_ID = 4,
	MANIFEST_K_AK_NAME = 5,
	MANIFEST_K_AK_LOCATION = 6,
	MANIFEST_K_CHALLENGE_ID = 7,
	MANIFEST_K_CREATED = 8,
	MANIFEST_K_COLLECTOR = 9,
	MANIFEST_K_MEMBERS = 10,
	MANIFEST_K_FACTS = 11,
};

enum manifest_kind {
	MANIFEST_ENROLLMENT = 1,
	MANIFEST_EVIDENCE = 2,
};

enum manifest_ak_location {
	MANIFEST_AK_PRIMARY = 0,	/* primary in the endorsement hierarchy */
	MANIFEST_AK_EK_CHILD = 1,	/* child of the EK; ek_name set */
};

struct manifest_fact {
	char key[MANIFEST_FACT_KEY_MAX + 1];
	char value[MANIFEST_FACT_VALUE_MAX + 1];
};

struct manifest {
	enum manifest_kind kind;
	uint8_t device_id[MANIFEST_DEVICE_ID_LEN];
	struct tpm_name ak_name;
	enum manifest_ak_location ak_location;
	struct tpm_name ek_name;		/* MANIFEST_AK_EK_CHILD only */
	bool has_challenge_id;
	uint8_t challenge_id[MANIFEST_CHALLENGE_ID_LEN];
	int64_t created;
	char collector[MANIFEST_COLLECTOR_MAX + 1];
	size_t n_members;
	struct bundle_member members[BUNDLE_MEMBERS_MAX];
	size_t n_facts;
	struct manifest_fact facts[MANIFEST_FACTS_MAX];
};

/* "enrollment", "evidence", NULL if neither. */
const char *manifest_kind_name(enum manifest_kind k);

/*
 * Facts that name the device (dossier-bundle(5)). dossier-collect enroll
 * states them when it can read them; bundles of collectors that predate
 * them lack them and stay valid. They are what the device says, signed
 * by its AK with the rest of the manifest, not proven by the TPM:
 *   host.name        gethostname(), as the value rules above allow it
 *   host.machine-id  /etc/machine-id: 32 lowercase hex digits (a value
 *                    of another shape is refused by manifest_host_facts)
 */
#define MANIFEST_FACT_HOST_NAME		"host.name"
#define MANIFEST_FACT_MACHINE_ID	"host.machine-id"
#define MANIFEST_MACHINE_ID_LEN		32

/* The value of fact key, NULL when m has no such fact. */
const char *manifest_fact(const struct manifest *m, const char *key);

/*
 * The naming facts of m: *host_name and *machine_id point into m, or are
 * NULL when not stated. -1 when host.machine-id is present but not 32
 * lowercase hex digits, or host.name is present but empty.
 */
int manifest_host_facts(const struct manifest *m, const char **host_name,
    const char **machine_id, struct errbuf *e);

/*
 * Encode m as the deterministic payload (malloc'd *out). The same rules
 * as the decoder apply, so whatever is encoded decodes; facts are written
 * in deterministic order whatever their order in m.
 */
int manifest_encode(const struct manifest *m, uint8_t **out, size_t *len,
    struct errbuf *e);

/* Decode a payload occupying exactly buf[0..len), strictly (see above). */
int manifest_decode(const uint8_t *buf, size_t len, struct manifest *out,
    struct errbuf *e);

/* ---- the signed MANIFEST file ------------------------------------------ */

/* Signing state for the TPM path: the payload and what the AK signs. */
struct manifest_tbs {
	uint8_t *payload;		/* malloc'd manifest_encode() output */
	size_t payload_len;
	struct cose_tbs cose;		/* cose.sig_structure: feed the TPM */
};

/*
 * TPM step 1: encode m and prepare the COSE_Sign1 with alg (from
 * cose_alg_for_tpm_public() of the AK) and kid = m->ak_name. The caller
 * then signs t->cose.sig_structure[0..sig_structure_len) with the AK
 * through a TPM hash sequence (cose_alg_hash(alg) is the AK's hash).
 */
int manifest_sign_begin(const struct manifest *m, int64_t alg,
    struct manifest_tbs *t, struct errbuf *e);
/* TPM step 2: the MANIFEST file bytes (malloc'd) from the TPMT_SIGNATURE. */
int manifest_sign_finish(const struct manifest_tbs *t,
    const TPMT_SIGNATURE *sig, uint8_t **file, size_t *len, struct errbuf *e);
void manifest_tbs_free(struct manifest_tbs *t);

/* One step with a software key (tests, generators): alg must fit key. */
int manifest_sign_pkey(const struct manifest *m, int64_t alg, EVP_PKEY *key,
    uint8_t **file, size_t *len, struct errbuf *e);

/*
 * Parse a MANIFEST file without checking its signature: size limit,
 * magic, COSE_Sign1 layout, content type. For looking up the AK by
 * msg->hdr.kid before verifying. msg points into buf.
 */
int manifest_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct errbuf *e);

/*
 * The verifying reader: manifest_file_open(), then
 *   - kid equals the Name of ak (the enrolled AK public area);
 *   - alg is the one the AK's scheme produces (cose_alg_for_tpm_public);
 *   - the signature verifies with the AK's public key;
 *   - the payload decodes (manifest_decode) and its AK Name equals kid.
 * Only then is *out filled. The message says which step failed.
 */
int manifest_file_verify(const uint8_t *buf, size_t len,
    const struct tpm_public *ak, struct manifest *out, struct errbuf *e);

/*
 * The same checks in the same order, with key the EVP_PKEY of ak's public
 * area built beforehand (tpm_public_to_pkey(ak), e.g. cached across
 * bundles of one AK) instead of one built per call. The caller guarantees
 * key is ak's key (a key of another AK fails the signature); key is only
 * borrowed. -1 with "no AK key" when key is NULL.
 */
int manifest_file_verify_key(const uint8_t *buf, size_t len,
    const struct tpm_public *ak, EVP_PKEY *key, struct manifest *out,
    struct errbuf *e);

#endif
