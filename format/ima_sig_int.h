/*
 * ima_sig_int.h - the keyring's inside, shared by ima_keyring.c (loading
 * keys) and ima_sig.c (checking signatures with them) only. Never
 * included elsewhere: the API is ima_sig.h.
 */
#ifndef DOSSIER_FORMAT_IMA_SIG_INT_H
#define DOSSIER_FORMAT_IMA_SIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "format/ima_sig.h"

/* Longest SubjectKeyIdentifier kept for CMS signer lookup. */
#define SKID_MAX		64

struct ima_key {
	uint32_t keyid;
	EVP_PKEY *pkey;
	X509 *cert;		/* NULL for a bare public key */
	uint8_t skid[SKID_MAX];
	size_t skid_len;	/* 0: no SubjectKeyIdentifier */
	char name[64];		/* file name, for messages */
};

struct ima_keyring {
	size_t n;
	struct ima_key keys[IMA_KEYRING_MAX];	/* sorted by keyid */
};

/* The key of kr with this evmctl keyid (the last 4 bytes of its
 * SubjectKeyIdentifier, or of SHA-1 over a bare key's bits); NULL if
 * none or kr is NULL. */
struct ima_key *ima_keyring_find(const struct ima_keyring *kr,
    uint32_t keyid);

#endif
