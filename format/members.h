/*
 * members.h - the vocabulary of a dossier bundle's members, shared by the
 * collector that writes them and the verifier that reads them: their
 * names, which an evidence bundle must and may carry, their media types
 * (built and parsed strictly, parameters included), and looking a member
 * up by name in what the reader collected (format/bundle.h). The names
 * and media types are those of dossier-bundle(5):
 *
 *   ek.crt          application/pkix-cert (the DER, no NV padding)
 *   ek-chain-N.crt  application/pkix-cert (N = 0.. in NV index order;
 *                   enrollment bundles only)
 *   ek.pub, ak.pub  application/vnd.dossier.tpm2b-public
 *   pcrs.bin        application/vnd.dossier.tpm2-pcrs (tpm2-tools
 *                   "marshaled": TPML_PCR_SELECTION || u32 n || n x
 *                   TPML_DIGEST)
 *   pcrs.tpm2       application/vnd.dossier.tpm2-pcrs-serialized (the same
 *                   values in tpm2-tools' "serialized" form)
 *   quote.attest    application/vnd.dossier.tpms-attest
 *   quote.sig       application/vnd.dossier.tpmt-signature
 *   ima.log         application/vnd.dossier.ima-binary; digest=sha1;
 *                   byteorder=little|big
 *   ima-<alg>.log   application/vnd.dossier.ima-binary; digest=<alg>;
 *                   byteorder=little|big (the Linux 6.10+ per-bank list
 *                   binary_runtime_measurements_<alg>; alg one of sha1,
 *                   sha256, sha384, sha512)
 *   uefi.log        application/vnd.dossier.tcg-pfp-log (the TCG PC Client
 *                   firmware event log, binary_bios_measurements verbatim)
 *
 * MEDIA TYPES are parsed as RFC 6838 section 4.2 names ("type/subtype",
 * each 1 to 127 characters, a letter or digit first, then letters, digits
 * and !#$&-^_.+) followed by parameters "; name=value" as in RFC 2045
 * section 5.1, with optional spaces around ';' and nothing else:
 * names are tokens, values are tokens (quoted strings are refused: no
 * writer of bundles makes them), no parameter twice, at most
 * MEDIA_TYPE_PARAMS_MAX, nothing after the last. Type, subtype and
 * parameter names are case-insensitive (kept in lowercase), values are
 * kept as written. Matching a parameter by name is exact on the name, so
 * "xdigest=" is not "digest=".
 *
 * Errors follow format/err.h; messages say what is wrong and quote the
 * offending text escaped (format/escape.h), so a caller prefixes only the
 * file or member name.
 */
#ifndef DOSSIER_MEMBERS_H
#define DOSSIER_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/hashalg.h"
#include "format/ima_log.h"

/* --- names ---------------------------------------------------------------- */

#define MEMBER_EK_CRT		"ek.crt"
#define MEMBER_EK_PUB		"ek.pub"
#define MEMBER_AK_PUB		"ak.pub"
#define MEMBER_PCRS		"pcrs.bin"
#define MEMBER_PCRS_TPM2	"pcrs.tpm2"
#define MEMBER_QUOTE_ATTEST	"quote.attest"
#define MEMBER_QUOTE_SIG	"quote.sig"
#define MEMBER_IMA_LOG		"ima.log"
#define MEMBER_UEFI_LOG		"uefi.log"

/* The members every evidence bundle carries, in archive order. */
#define MEMBERS_REQUIRED_N	6
extern const char *const members_required[MEMBERS_REQUIRED_N];

/* The per-bank IMA lists an evidence bundle may carry, in archive order:
 * "ima-<alg>.log" for alg in this list. */
#define MEMBERS_IMA_BANKS_N	4
extern const char *const members_ima_banks[MEMBERS_IMA_BANKS_N];

/*
 * "ek-chain-<i>.crt" (enrollment) or "ima-<alg>.log" (per-bank list of
 * alg) into out[cap]: 0, or -1 with a message if it does not fit.
 */
int member_ek_chain_name(size_t i, char *out, size_t cap, struct errbuf *e);
int member_ima_bank_name(const char *alg, char *out, size_t cap,
    struct errbuf *e);

/* Whether name is one of the IMA logs: "ima.log" or "ima-<x>.log" with
 * any non-empty x (a decoder's question; judging names exactly). */
bool member_is_ima_log(const char *name);

/* Whether an evidence bundle may carry a member of this name (the table
 * above, ek-chain-N.crt included, N decimal digits). */
bool member_evidence_name(const char *name);

/* --- lookup --------------------------------------------------------------- */

/*
 * The manifest entry of the member named name in bc (NULL: bc is NULL or
 * has none); its index into bc->members in *index if index is not NULL.
 */
const struct bundle_member *bundle_member_find(
    const struct bundle_contents *bc, const char *name, size_t *index);

/*
 * The collected data of the member named name, its size in *len; NULL
 * (and *len = 0) if bc is NULL, has no such member or did not collect it
 * (larger than the reader's collect_max).
 */
const uint8_t *bundle_member_data(const struct bundle_contents *bc,
    const char *name, size_t *len);

/* --- media types ---------------------------------------------------------- */

#define MEDIA_TYPE_CERT		"application/pkix-cert"
#define MEDIA_TYPE_TPM2B_PUBLIC	"application/vnd.dossier.tpm2b-public"
#define MEDIA_TYPE_PCRS		"application/vnd.dossier.tpm2-pcrs"
#define MEDIA_TYPE_PCRS_SERIALIZED \
	"application/vnd.dossier.tpm2-pcrs-serialized"
#define MEDIA_TYPE_ATTEST	"application/vnd.dossier.tpms-attest"
#define MEDIA_TYPE_SIG		"application/vnd.dossier.tpmt-signature"
#define MEDIA_TYPE_IMA		"application/vnd.dossier.ima-binary"
#define MEDIA_TYPE_UEFI		"application/vnd.dossier.tcg-pfp-log"

#define MEDIA_TYPE_PARAMS_MAX	8
#define MEDIA_TYPE_NAME_MAX	127	/* type or subtype (RFC 6838 4.2) */

struct media_type_param {
	char name[BUNDLE_MEDIA_TYPE_MAX + 1];	/* lowercase */
	char value[BUNDLE_MEDIA_TYPE_MAX + 1];	/* as written */
};

struct media_type {
	char type[BUNDLE_MEDIA_TYPE_MAX + 1];	/* "type/subtype", lowercase */
	size_t nparams;
	struct media_type_param params[MEDIA_TYPE_PARAMS_MAX];
};

/*
 * Parse mt (NUL-terminated, at most BUNDLE_MEDIA_TYPE_MAX characters) as
 * described under MEDIA TYPES. 0, or -1 with a message naming the first
 * thing wrong and where ("media type 'x': ...").
 */
int media_type_parse(const char *mt, struct media_type *out,
    struct errbuf *e);

/* The value of parameter name (lowercase) of a parsed type, or NULL. */
const char *media_type_get(const struct media_type *t, const char *name);

/*
 * The value of parameter name of mt into out[cap]: 1 if present, 0 if
 * mt parses and lacks it, -1 with a message if mt does not parse or the
 * value does not fit.
 */
int media_type_param(const char *mt, const char *name, char *out,
    size_t cap, struct errbuf *e);

/*
 * The hash algorithm an IMA log's media type names with its digest=
 * parameter (its template-digest column): *alg = the algorithm, or
 * absent when mt has no digest= (absent may be NULL: then that is an
 * error). -1 with a message if mt does not parse, is not MEDIA_TYPE_IMA
 * or names an algorithm format/hashalg.h does not know.
 */
int media_type_ima_digest(const char *mt, const struct hashalg *absent,
    const struct hashalg **alg, struct errbuf *e);

/*
 * The media type of an IMA log: MEDIA_TYPE_IMA "; digest=<alg>;
 * byteorder=little|big" into out[cap]. 0, or -1 with a message.
 */
int media_type_ima(const struct hashalg *alg, enum ima_byte_order order,
    char *out, size_t cap, struct errbuf *e);

#endif
