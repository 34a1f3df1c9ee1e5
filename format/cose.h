/*
 * cose.h - COSE_Sign1 (RFC 9052 §4.2) with one signer, as dossier's signed
 * files use it: the bundle MANIFEST (signed by the TPM's AK), challenges
 * and results (signed by the verifier's software key).
 *
 * Layout written, and the only layout read (deterministic CBOR, see
 * format/cbor_det.h):
 *
 *   COSE_Sign1 = 18([                      D2 84
 *     protected:   bstr .cbor {            40+n  A3 (or A2 without 3)
 *                    1 => alg,             01 26 | 01 38 22 | 01 38 24 |
 *                                          01 39 01 00
 *                    ? 3 => content type,  03 tstr
 *                    4 => kid,             04 bstr
 *                  },
 *     unprotected: {},                     A0
 *     payload:     bstr / nil,             embedded, or F6 if detached
 *     signature:   bstr,                   see below
 *   ])
 *
 *   Sig_structure = [ "Signature1", protected (the bstr as transmitted),
 *                     external_aad = h'', payload ]
 *   which always begins 84 6A 53 69 67 6E 61 74 75 72 65 31.
 *
 * Algorithms (RFC 9053 §2.1, RFC 8230 §2, RFC 8812 §2). From a TPM AK's
 * scheme (TPM 2.0 Library Part 2, TPMT_SIG_SCHEME): RSASSA -> RS256,
 * RSAPSS -> PS256, ECDSA P-256 -> ES256, ECDSA P-384 -> ES384; an ECDSA
 * TPMT_SIGNATURE's r and s become r || s, each left-padded to the curve
 * size (RFC 9053 §2.1):
 *   ES256 -7    ECDSA P-256 + SHA-256   signature r || s, 32 bytes each
 *   ES384 -35   ECDSA P-384 + SHA-384   r || s, 48 bytes each
 *   PS256 -37   RSASSA-PSS + SHA-256, MGF1-SHA-256; we sign with salt =
 *               32 (RFC 8230), verify any salt length (TPMs differ)
 *   RS256 -257  RSASSA-PKCS1-v1_5 + SHA-256 (RFC 8812)
 *   RSA keys must have at least 2048 bits (RFC 8230 §5).
 *
 * The reader is stricter than RFC 9052 requires, on purpose:
 *   - the message must carry tag 18 and be deterministic CBOR;
 *   - the unprotected header must be the empty map (so alg, kid and
 *     content type are always integrity-protected);
 *   - the protected header must contain alg (an integer of the table) and
 *     kid (1..COSE_KID_MAX bytes); content type, if present, must be a
 *     text string; crit (2), if present, must be a non-empty array whose
 *     labels are only 1, 3 or 4, the labels we process; any other
 *     critical header makes the message invalid. Other labels are ignored.
 *   - external_aad is always empty.
 * Verification checks that alg fits the key before any cryptography (an
 * EC key of the right curve for ES256/ES384, an RSA key of >= 2048 bits
 * for PS256/RS256): no algorithm confusion.
 *
 * The TPM path (a restricted AK signs only digests the TPM computed
 * itself and ticketed, TPM 2.0 Library Part 3, TPM2_Sign and
 * TPM2_SequenceComplete; see collect/tpm_sign.h) is two steps:
 *   1. cose_tbs_init(): the protected header and the Sig_structure bytes;
 *      the collector streams tbs.sig_structure through TPM2_HashSequence
 *      with the alg's hash (cose_alg_hash()) and signs the ticketed
 *      digest with TPM2_Sign, getting a TPMT_SIGNATURE;
 *   2. cose_sign1_write_tpm(): the COSE_Sign1 from that TPMT_SIGNATURE.
 * Software keys (tests, the verifier's own key) use cose_sign1_write_pkey()
 * in one step.
 *
 * Ownership: struct cose_sign1 points into the caller's buffer; struct
 * cose_tbs owns sig_structure (cose_tbs_free). EVP_PKEY arguments are
 * borrowed. Errors follow format/err.h.
 */
#ifndef DOSSIER_COSE_H
#define DOSSIER_COSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "format/cbor_det.h"
#include "format/err.h"
#include "format/hashalg.h"

#define COSE_TAG_SIGN1		18
#define COSE_ALG_ES256		(-7)
#define COSE_ALG_ES384		(-35)
#define COSE_ALG_PS256		(-37)
#define COSE_ALG_RS256		(-257)

/* Header labels (RFC 9052 §3.1). */
#define COSE_HDR_ALG		1
#define COSE_HDR_CRIT		2
#define COSE_HDR_CONTENT_TYPE	3
#define COSE_HDR_KID		4

#define COSE_KID_MAX		66	/* a TPM Name with a SHA-512 nameAlg */
#define COSE_CONTENT_TYPE_MAX	127
#define COSE_PROTECTED_MAX	256	/* encoded protected header */
#define COSE_SIGNATURE_MAX	512	/* RSA-4096 */
#define COSE_PAYLOAD_MAX	(CBOR_DET_INPUT_MAX - 1024)

/* The protected header of our messages. */
struct cose_header {
	int64_t alg;
	char content_type[COSE_CONTENT_TYPE_MAX + 1];	/* "" = absent */
	uint8_t kid[COSE_KID_MAX];
	size_t kid_len;
};

/* "ES256" etc., NULL for an algorithm not in the table. */
const char *cose_alg_name(int64_t alg);
/* The hash the algorithm signs with (SHA-256 or SHA-384); NULL if unknown. */
const struct hashalg *cose_alg_hash(int64_t alg);

/*
 * The algorithm a TPM key signs with, from its public area: RSASSA-SHA256
 * -> RS256, RSAPSS-SHA256 -> PS256, ECDSA-SHA256 on P-256 -> ES256,
 * ECDSA-SHA384 on P-384 -> ES384. Fails for a key without a fixed scheme
 * or with another scheme, hash or curve.
 */
int cose_alg_for_tpm_public(const TPMT_PUBLIC *pub, int64_t *alg,
    struct errbuf *e);

/* Whether key can make or check alg signatures (type, curve, size). */
int cose_alg_check_key(int64_t alg, EVP_PKEY *key, struct errbuf *e);

/* Encode a protected header into out (COSE_PROTECTED_MAX bytes). */
int cose_protected_encode(const struct cose_header *h, uint8_t *out,
    size_t *len, struct errbuf *e);

/*
 * The Sig_structure for protected (the encoded header bytes, i.e. the
 * content of the protected bstr) and payload, into a malloc'd buffer
 * (free()). external_aad is h''.
 */
int cose_sig_structure(const uint8_t *protected_hdr, size_t protected_len,
    const uint8_t *payload, size_t payload_len, uint8_t **out, size_t *len,
    struct errbuf *e);

/* What is signed: the header, its encoding and the Sig_structure. */
struct cose_tbs {
	struct cose_header hdr;
	uint8_t protected_hdr[COSE_PROTECTED_MAX];
	size_t protected_len;
	uint8_t *sig_structure;		/* malloc'd */
	size_t sig_structure_len;
};

/* Step 1: fill t for h and payload (alg must be in the table). */
int cose_tbs_init(struct cose_tbs *t, const struct cose_header *h,
    const uint8_t *payload, size_t payload_len, struct errbuf *e);
void cose_tbs_free(struct cose_tbs *t);

/*
 * The COSE signature bytes of a TPMT_SIGNATURE for alg: RSASSA/RSAPSS
 * bytes as they are; ECDSA r and s each left-padded to the curve's size
 * (leading zero bytes beyond it are dropped; a longer value fails). The
 * scheme and hash of sig must be alg's. out holds COSE_SIGNATURE_MAX.
 */
int cose_signature_from_tpm(int64_t alg, const TPMT_SIGNATURE *sig,
    uint8_t *out, size_t *len, struct errbuf *e);

/*
 * Sign msg with a software key as alg (ECDSA: r || s; PS256: salt 32).
 * out holds COSE_SIGNATURE_MAX bytes.
 */
int cose_sign_pkey(int64_t alg, EVP_PKEY *key, const uint8_t *msg,
    size_t len, uint8_t *out, size_t *out_len, struct errbuf *e);

/*
 * Verify a COSE signature (as carried in the message) over msg with key:
 * cose_alg_check_key() first; ECDSA signatures must be exactly twice the
 * curve size. Verification itself goes through tpm_signature_verify()
 * (format/tpm_sig.h): RSASSA, RSAPSS with any salt, ECDSA.
 */
int cose_verify_signature(int64_t alg, EVP_PKEY *key, const uint8_t *msg,
    size_t len, const uint8_t *sig, size_t sig_len, struct errbuf *e);

/*
 * Step 2 (TPM) and one-step (software): append the tagged COSE_Sign1 to
 * w (which may already hold a file magic). payload NULL writes a
 * detached message (nil); otherwise it must be the payload given to
 * cose_tbs_init().
 */
int cose_sign1_write(struct cbor_wr *w, const struct cose_tbs *t,
    const uint8_t *payload, size_t payload_len, const uint8_t *sig,
    size_t sig_len, struct errbuf *e);
int cose_sign1_write_tpm(struct cbor_wr *w, const struct cose_tbs *t,
    const uint8_t *payload, size_t payload_len, const TPMT_SIGNATURE *sig,
    struct errbuf *e);
int cose_sign1_write_pkey(struct cbor_wr *w, const struct cose_header *h,
    const uint8_t *payload, size_t payload_len, EVP_PKEY *key,
    struct errbuf *e);

/* A decoded COSE_Sign1; pointers into the decoded buffer. */
struct cose_sign1 {
	struct cose_header hdr;
	const uint8_t *protected_hdr;	/* content of the protected bstr */
	size_t protected_len;
	const uint8_t *payload;		/* NULL if detached */
	size_t payload_len;
	const uint8_t *signature;
	size_t signature_len;
};

/*
 * Decode a tagged COSE_Sign1 occupying exactly buf[0..len) with the rules
 * above. The signature is NOT checked: use cose_sign1_verify(). The kid
 * may be used to find the key first.
 */
int cose_sign1_decode(const uint8_t *buf, size_t len, struct cose_sign1 *out,
    struct errbuf *e);

/*
 * Verify msg with key. detached must be NULL for an embedded payload and
 * give the payload of a detached message.
 */
int cose_sign1_verify(const struct cose_sign1 *msg, const uint8_t *detached,
    size_t detached_len, EVP_PKEY *key, struct errbuf *e);

#endif
