/*
 * refs_file.h - dossier-refs(5): a sealed reference set exported as a
 * signed file, so references travel by USB like everything else.
 *
 * A set may hold millions of entries, more than one deterministic CBOR
 * item may (CBOR_DET_INPUT_MAX), so the file is a signed header followed
 * by a body of chunks:
 *
 *   file   = magic || header || body
 *   magic  = D9 D9 F7 DA 44 53 52 46    (tag 55799, tag "DSRF";
 *                                         cbor_det.h, provisional)
 *   header = COSE_Sign1 (tag 18), ES256 by the verifier's P-256 key,
 *            kid = verifier id (SHA-256 of its SubjectPublicKeyInfo, as
 *            for challenges and results), content type
 *            "application/vnd.dossier.refs+cbor", embedded payload:
 *     {
 *       1 => "dossier-refs",            ; format name
 *       2 => 1,                         ; format version
 *       3 => tstr,                      ; set name (refset rules)
 *       4 => int,                       ; created, epoch seconds UTC
 *       5 => uint,                      ; number of provenance records
 *       6 => uint,                      ; number of entries
 *       7 => [-16, bstr .size 32],      ; SHA-256 of the body's bytes
 *       8 => bstr .size 32,             ; verifier id (= kid)
 *     }
 *   body   = CBOR sequence (RFC 8742) of chunks, each one deterministic
 *            CBOR array of 1..REFS_CHUNK items, every chunk full except
 *            the last of its kind: first the provenance chunks
 *            (ceil(N5 / REFS_CHUNK) arrays of bstr, 0..REFSET_SOURCE_MAX
 *            bytes without NUL, all different), then the entry chunks
 *            (ceil(N6 / REFS_CHUNK) arrays of entries):
 *     entry = [path: bstr (1..REFSET_PATH_MAX, no NUL),
 *              alg: tstr (hashalg name, "sha256"),
 *              digest: bstr .size (alg's size),
 *              count: uint (1..2^32-1),
 *              source: uint (< N5)]
 *            sorted strictly by (path bytes, alg name, digest bytes).
 *
 * So one set has exactly one encoding (given created and the key's
 * deterministic parts), and the decoder refuses everything else: a wrong
 * magic, a header that is not a valid COSE_Sign1 of this content type, a
 * non-deterministic encoding anywhere, unknown or missing keys, a body
 * digest that differs, chunk boundaries other than the canonical ones,
 * unsorted or repeated entries, unknown algorithms, sizes beyond the
 * REFSET_* limits, trailing bytes.
 *
 * Ownership: *out sets are sealed and owned by the caller (refset_free);
 * file bytes are malloc'd (free()). EVP_PKEY arguments are borrowed.
 * Errors follow format/err.h and name the part of the file at fault.
 */
#ifndef DOSSIER_REFS_FILE_H
#define DOSSIER_REFS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/err.h"
#include "policy/ima_refset.h"

#define REFS_FORMAT		"dossier-refs"
#define REFS_VERSION		1
#define REFS_CONTENT_TYPE	"application/vnd.dossier.refs+cbor"
#define REFS_CHUNK		1024		/* items per chunk */
#define REFS_HEADER_MAX		4096		/* the signed header */
#define REFS_FILE_MAX		(1024u * 1024 * 1024)	/* whole file */

struct refs_info {
	char name[REFSET_NAME_MAX + 1];
	int64_t created;
	uint8_t verifier_id[32];	/* who signed it (the kid) */
	uint64_t nsources;
	uint64_t nentries;
};

/* Export sealed set s, signed by key (P-256), dated created. */
int refs_file_write(const struct refset *s, int64_t created, EVP_PKEY *key,
    uint8_t **out, size_t *len, struct errbuf *e);

/* Decode without checking the signature (inspection); everything else is
 * checked, the body digest included. out may be NULL (header only). */
int refs_file_open(const uint8_t *buf, size_t len, struct refs_info *info,
    struct refset **out, struct errbuf *e);

/* Verify the signature with the verifier's public key, then decode. */
int refs_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct refs_info *info, struct refset **out, struct errbuf *e);

/*
 * The body alone (chunks after the header), for the fuzzer and tests:
 * info gives the name and the counts, as a verified header would. No
 * digest is checked here.
 */
int refs_body_decode(const uint8_t *body, size_t blen,
    const struct refs_info *info, struct refset **out, struct errbuf *e);

#endif
