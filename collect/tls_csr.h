/*
 * tls_csr.h - a PKCS#10 certificate request (RFC 2986) for a TLS key held
 * in the TPM, signed inside the TPM.
 *
 * OpenSSL builds the CertificationRequestInfo (version 0, the subject, the
 * SubjectPublicKeyInfo made from the key's TPM public area, no
 * attributes); its DER is hashed with SHA-256 here and the digest signed
 * with TPM2_Sign (tpm_tlskey_sign_sha256): ecdsa-with-SHA256 for a P-256
 * key, sha256WithRSAEncryption (PKCS#1 v1.5) for an RSA key. The finished
 * request is verified with its own public key before it is returned, so a
 * request that any CA would reject is never written.
 *
 * Subjects are written as OpenSSL's -subj: "/CN=device-17/O=Example Ltd",
 * each component TYPE=VALUE with a type OpenSSL knows (CN, O, OU, C, L,
 * ST, serialNumber, ... or a dotted OID), values UTF-8, "\/" a slash and
 * "\\" a backslash inside a value. At most TLS_CSR_SUBJECT_MAX bytes.
 *
 * Errors follow format/err.h.
 */
#ifndef DOSSIER_COLLECT_TLS_CSR_H
#define DOSSIER_COLLECT_TLS_CSR_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <tss2/tss2_esys.h>

#include "collect/tpm_tlskey.h"
#include "format/err.h"

#define TLS_CSR_SUBJECT_MAX 1024

/* Parse a "/TYPE=VALUE/..." subject into a new X509_NAME (*out, the
 * caller's to X509_NAME_free). The message names the bad component. */
int tls_csr_subject_parse(const char *s, X509_NAME **out, struct errbuf *e);

/* The request as PEM ("CERTIFICATE REQUEST") in *pem (malloc'd, the
 * caller's to free) of *len bytes. */
int tls_csr_make(ESYS_CONTEXT *esys, const struct tpm_tlskey *k,
    const char *subject, uint8_t **pem, size_t *len, struct errbuf *e);

#endif
