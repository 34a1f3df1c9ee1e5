/*
 * ima_sig.h - verify the file signatures an IMA log carries, offline,
 * against a keyring of trusted keys, without touching any file system.
 *
 * Signatures, by template field (the kernel's
 * security/integrity/ima/ima_template_lib.c writes them; the xattr
 * types are enum evm_ima_xattr_type and the v2 header struct
 * signature_v2_hdr of ima-evm-utils src/imaevm.h):
 *   sig     security.ima as the kernel recorded it: type 0x03
 *           (EVM_IMA_XATTR_DIGSIG) with a v2 header signs the file digest
 *           of the record's d-ng/d-ngv2 field; type 0x06
 *           (IMA_VERITY_DIGSIG, "v3") signs H(struct ima_file_id) built
 *           from the d-ngv2 type ("ima" or "verity"), algorithm and digest;
 *           type 0x05 (EVM portable signature) in an ima-sig record falls
 *           back to the EVM rules below when the record also carries the
 *           EVM fields, else it is reported as unverifiable (invalid).
 *           Header: type(1) version(1) hash_algo(1, kernel numbering)
 *           keyid(4, big-endian) sig_size(2, big-endian) sig[sig_size].
 *           The header's hash_algo must be the measured digest's (the
 *           kernel hashes the file with the signature's algorithm);
 *           sig_size must be exactly the bytes that follow.
 *   modsig  an appended PKCS#7/CMS signature; it signs the file without
 *           the signature, whose digest is the d-modsig field; verified
 *           when the signature's digest algorithm is d-modsig's. One
 *           signer, named by issuer and serial or SubjectKeyIdentifier,
 *           so it is found among the keyring's certificates only (a bare
 *           key cannot be named: unknown key). Without signed attributes
 *           the signature is over the d-modsig digest; with them their
 *           messageDigest must equal d-modsig and the signature covers
 *           the attributes. RSA-PSS and other schemes: invalid.
 *   evmsig  security.evm portable signature (type 0x05) over the EVM hash
 *           rebuilt from xattrnames, xattrlengths, xattrvalues, iuid, igid
 *           and imode as the kernel's evm_calc_hash() does for portable
 *           signatures: H(values in order || struct h_misc) with ino and
 *           generation zero; h_misc is laid out for a 64-bit and then a
 *           32-bit kernel, in the log's byte order and then the other.
 *           security.ima must be among the xattrs and must bind the
 *           measurement: a digest (type 0x04, or 0x01 for SHA-1) equal to
 *           the record's file digest, or a signature that verifies over
 *           it; else the record is invalid although the EVM signature is.
 *
 * A record with several signatures (sig and modsig) gets the worst
 * verdict, even where the kernel would have accepted the modsig after an
 * unknown-key sig. MD5 signatures are invalid whatever the key.
 *
 * Keys: X.509 certificates (PEM or DER) or bare public keys (PEM
 * "PUBLIC KEY" or "RSA PUBLIC KEY", or DER SubjectPublicKeyInfo); a key
 * is found by its keyid, the last 4 bytes of the certificate's
 * SubjectKeyIdentifier (or, without one, of SHA-1 over the public key
 * bits, as evmctl computes it). Another key with a keyid already taken is
 * refused when added; the same key again is accepted once. Private keys
 * and broken PEM blocks are refused. RSA (PKCS#1 v1.5) and ECDSA keys.
 *
 * The keyring is immutable once built: any number of threads may call
 * ima_sig_check() on it. Verification contexts are made per call.
 * Errors follow format/err.h; findings about a record are never errors.
 */
#ifndef DOSSIER_IMA_SIG_H
#define DOSSIER_IMA_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/ima_log.h"

#define IMA_KEYRING_MAX		256	/* keys in one keyring */
#define IMA_KEY_FILE_MAX	(256u * 1024)	/* bytes of one key file */
#define IMA_SIG_MAX		8192	/* bytes of one signature */

struct ima_keyring;

int ima_keyring_new(struct ima_keyring **out, struct errbuf *e);
void ima_keyring_free(struct ima_keyring *kr);

/* Add the key(s) of a file: PEM (several certificates or keys allowed)
 * or one DER certificate. name is used in messages. */
int ima_keyring_add(struct ima_keyring *kr, const uint8_t *buf, size_t len,
    const char *name, struct errbuf *e);
size_t ima_keyring_count(const struct ima_keyring *kr);

enum ima_sig_status {
	IMA_SIG_NONE,		/* the template has no signature field */
	IMA_SIG_UNSIGNED,	/* it has one, empty */
	IMA_SIG_VALID,
	IMA_SIG_UNKNOWN_KEY,	/* well formed, keyid not in the keyring */
	IMA_SIG_INVALID,	/* does not verify, or malformed */
};

const char *ima_sig_status_name(enum ima_sig_status s);

struct ima_sig_result {
	enum ima_sig_status status;
	const char *kind;	/* "ima v2", "ima v3 (fs-verity)", "modsig",
				 * "evm portable", or NULL */
	bool has_keyid;
	uint32_t keyid;
	char why[160];		/* for INVALID and UNKNOWN_KEY */
};

/*
 * Check the signature(s) of one record. A record with several (ima-modsig
 * with both sig and modsig) gets the worst status: invalid, unknown key,
 * valid. kr may be NULL (every signature then has an unknown key).
 * -1 only on an OpenSSL failure unrelated to the record.
 */
int ima_sig_check(const struct ima_keyring *kr, const struct ima_record *rec,
    struct ima_sig_result *out, struct errbuf *e);

#endif
