/*
 * ekcert.h - TPM endorsement key (EK) certificates as they come out of TPM
 * NV storage or a vendor download, parsed without re-encoding.
 *
 * Input forms accepted by ekcert_parse():
 *   - plain DER: exactly one X.509 certificate;
 *   - DER followed by padding: the certificate's length is taken from the
 *     outer SEQUENCE header and the rest must be bytes 0xFF and/or 0x00 (NV
 *     indices are often larger than the certificate). The trim is reported
 *     in struct ekcert_container, never done silently. Any other byte after
 *     the certificate is an error naming its offset;
 *   - the TCG PC Client "stored certificate" NV header
 *       10 01  00  <u16 certSize>  10 02  <DER>
 *     (TCG_TAG_PCCLIENT_STORED_CERT, TCG_FULL_CERT, size of what follows
 *     including the 2-byte TCG_TAG_PCCLIENT_FULL_CERT tag). certSize must
 *     equal 2 + the DER length; padding after it follows the rule above;
 *   - a DER OCTET STRING whose content is exactly the certificate (seen
 *     in NV on some TPMs and in some vendors' tools); padding after it
 *     follows the rule above;
 *   - PEM: one "CERTIFICATE" block, text before it allowed.
 *
 * The certificate is decoded with OpenSSL's d2i_X509 over the exact original
 * bytes. OpenSSL keeps the original TBSCertificate encoding, so signatures
 * are checked over the bytes the issuer signed, even for certificates that
 * are not strict DER (e.g. Nuvoton's SET OF in non-DER order). The DER is
 * never re-encoded; the SHA-256 fingerprint is over the original bytes.
 *
 * Errors follow format/err.h (0 / -1 and a message in the errbuf).
 */
#ifndef DOSSIER_EKCERT_H
#define DOSSIER_EKCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "format/err.h"
#include "format/x509_store.h"

#define EKCERT_INPUT_MAX	(64u * 1024)	/* whole input (NV index, file) */
#define EKCERT_DER_MAX		(16u * 1024)	/* one DER certificate */
#define EKCERT_NAME_MAX		512	/* printed distinguished names */
#define EKCERT_ATTR_MAX		128	/* printed TPM model/version strings */
#define EKCERT_SERIAL_MAX	64	/* serial number bytes (RFC 5280: 20) */
#define EKCERT_NV_HEADER_LEN	7	/* 10 01 00 <u16> 10 02 */

/* TCG OIDs (TCG EK Credential Profile). */
#define EKCERT_OID_TPM_MANUFACTURER	"2.23.133.2.1"
#define EKCERT_OID_TPM_MODEL		"2.23.133.2.2"
#define EKCERT_OID_TPM_VERSION		"2.23.133.2.3"
#define EKCERT_OID_EKU_EK_CERT		"2.23.133.8.1"

enum ekcert_form {
	EKCERT_FORM_DER,	/* DER, possibly followed by padding */
	EKCERT_FORM_NV_HEADER,	/* TCG stored-certificate header, then DER */
	EKCERT_FORM_OCTET_STRING, /* DER OCTET STRING holding exactly the DER */
	EKCERT_FORM_PEM,
};

/* Where the certificate was found in the input. */
struct ekcert_container {
	enum ekcert_form form;
	size_t der_off;		/* offset of the DER in the input (not PEM) */
	size_t der_len;		/* length of the DER certificate */
	size_t header_len;	/* NV header or OCTET STRING header bytes */
	size_t pad_len;		/* padding bytes trimmed after the certificate */
	size_t pad_ff;		/* of which 0xFF */
	size_t pad_00;		/* of which 0x00 */
};

/* Key usage bits we report (X509v3 KU_* values from OpenSSL). */
struct ekcert_facts {
	char subject[EKCERT_NAME_MAX];	/* "" when the subject is empty */
	char issuer[EKCERT_NAME_MAX];
	char serial[2 * EKCERT_SERIAL_MAX + 2];	/* lowercase hex, "-" prefix if negative */
	char not_before[32];		/* ISO 8601 UTC, "2018-03-01T14:19:16Z" */
	char not_after[32];
	bool never_expires;		/* notAfter is 99991231235959Z */

	int key_type;			/* EVP_PKEY_RSA, EVP_PKEY_EC, or other id */
	int key_bits;
	char key_desc[48];		/* "rsa 2048", "ecc nist-p256", "ed25519" */

	bool has_san;			/* subjectAltName present */
	bool san_critical;
	bool has_manufacturer, has_model, has_version;
	bool manufacturer_is_id;	/* value was "id:XXXXXXXX" */
	uint8_t manufacturer_id[4];	/* TCG vendor ID, big-endian */
	char manufacturer_ascii[5];	/* id bytes as text, trailing NUL/space cut */
	char manufacturer[EKCERT_ATTR_MAX];	/* the value as written */
	char model[EKCERT_ATTR_MAX];
	char version[EKCERT_ATTR_MAX];

	bool has_eku;
	bool eku_ek_certificate;	/* tcg-kp-EKCertificate listed */
	char eku_list[EKCERT_NAME_MAX];	/* OIDs listed, comma-separated */

	bool has_key_usage;
	uint32_t key_usage;		/* KU_* bits, valid if has_key_usage */

	bool has_basic_constraints;
	bool is_ca;

	uint8_t sha256[32];		/* fingerprint of the original DER */
};

struct ekcert {
	X509 *x509;			/* decoded from der, original encoding kept */
	EVP_PKEY *pkey;			/* the EK public key (owned here) */
	uint8_t *der;			/* copy of the original DER bytes */
	size_t der_len;
	struct ekcert_container container;
	struct ekcert_facts facts;
};

/*
 * Locate the DER certificate in a binary input (plain DER, DER + padding,
 * NV header + DER), without decoding it. Fills *out; no allocation. PEM
 * input is not handled here (ekcert_parse does it). Fails on empty input,
 * all-padding input, truncated DER, a wrong NV header length, or
 * non-padding bytes after the certificate (the message names the offset).
 */
int ekcert_locate(const uint8_t *in, size_t len, struct ekcert_container *out,
    struct errbuf *e);

/*
 * Parse an EK certificate in any accepted form (at most EKCERT_INPUT_MAX
 * bytes) into *c and extract its facts. On success the caller owns *c and
 * releases it with ekcert_free(). On failure *c is left empty (ekcert_free
 * is still safe to call).
 */
int ekcert_parse(const uint8_t *in, size_t len, struct ekcert *c,
    struct errbuf *e);

void ekcert_free(struct ekcert *c);

/*
 * The certificate's validity period against time `at`: -1 not yet valid,
 * 0 valid, 1 expired; -2 if a time field cannot be read.
 */
int ekcert_validity_at(const struct ekcert *c, time_t at);

/* ISO 8601 UTC rendering of a time_t ("2026-01-31T00:00:00Z"). */
void ekcert_time_str(time_t t, char *out, size_t outlen);

/*
 * What the certificate says about its TPM (TCG EK Credential Profile: a
 * subjectAltName directoryName with tcg-at-tpmManufacturer, tpmModel and
 * tpmVersion). Some issuers leave the SAN out altogether (Google's EK/AK CA
 * for Compute Engine vTPMs since 2022): that is EKCERT_TPM_ATTRS_ABSENT,
 * a fact to report that callers tolerate unless the operator asks for the
 * attributes. A SAN that is there but does not name all three is a broken
 * certificate, not a style: EKCERT_TPM_ATTRS_INCOMPLETE, always refused.
 * (A SAN that does not decode never gets this far: ekcert_parse fails.)
 */
enum ekcert_tpm_attrs {
	EKCERT_TPM_ATTRS_PRESENT,	/* manufacturer, model and version */
	EKCERT_TPM_ATTRS_ABSENT,	/* no subjectAltName at all */
	EKCERT_TPM_ATTRS_INCOMPLETE,	/* a subjectAltName lacking some */
};

/*
 * Classify f's TPM attributes. For ABSENT and INCOMPLETE, why (at least
 * EKCERT_TPM_ATTRS_WHY_MAX bytes) says what is missing, e.g.
 * "no subjectAltName: TPM manufacturer, model and version not stated" or
 * "subjectAltName directoryName lacks tpmModel tpmVersion"; for PRESENT
 * it is "manufacturer M, model M, version V" (values as written, control
 * characters already replaced by '?' when the facts were extracted).
 */
#define EKCERT_TPM_ATTRS_WHY_MAX (3 * EKCERT_ATTR_MAX + 64)
enum ekcert_tpm_attrs ekcert_tpm_attributes(const struct ekcert_facts *f,
    char *why, size_t whylen);

/* Result of a chain verification. */
struct ekcert_chain {
	bool verified;			/* chains to a trust anchor */
	bool anchor_self_signed;	/* false: an intermediate given as a root */
	int length;			/* certificates in the chain, leaf included */
	char anchor[EKCERT_NAME_MAX];	/* subject of the anchor reached */
	char reason[ERRBUF_MAX];	/* why not, when !verified */
};

/*
 * Verify the certificate's chain with X509_verify_cert over its original
 * bytes: trust anchors and untrusted intermediates from *store, at time
 * *at (NULL: now). Policy:
 *   - X509_V_FLAG_PARTIAL_CHAIN is set only when the store holds a root
 *     that is not self-signed, i.e. the user named an intermediate as a
 *     trust anchor;
 *   - the leaf's own validity period is not part of the chain result (it is
 *     ekcert_validity_at's job); the CAs' periods are;
 *   - a critical extension OpenSSL does not handle is accepted only if it
 *     is TCG-defined for EK certificates (subjectDirectoryAttributes,
 *     2.5.29.9); any other unhandled critical extension fails.
 * Returns 0 with out->verified set either way, or -1 (errbuf) when the
 * verification could not run at all (out of memory).
 */
int ekcert_verify_chain(const struct ekcert *c, const struct x509_store *store,
    const time_t *at, struct ekcert_chain *out, struct errbuf *e);

#endif
