/*
 * x509_store.h - trust anchors and untrusted intermediates for certificate
 * chain verification, loaded from files and directories.
 *
 * A file may hold one DER certificate or any number of PEM "CERTIFICATE"
 * blocks; human-readable text before and between the blocks is allowed
 * (some vendors publish `openssl x509 -text` output followed by the PEM).
 * A directory is read one level deep, regular files only, in name order,
 * skipping names that start with "."; every file in it must hold at least
 * one certificate. Certificates are decoded with d2i_X509 and keep their
 * original encoding.
 *
 * Ownership: the struct owns its OpenSSL objects; release with
 * x509_store_free(). Errors follow format/err.h and name the file.
 */
#ifndef DOSSIER_X509_STORE_H
#define DOSSIER_X509_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "format/err.h"

#define X509_STORE_CERTS_MAX	4096	/* certificates per store, roots + intermediates */
#define X509_STORE_FILE_MAX	(1u << 20)	/* bytes per certificate file */
#define X509_STORE_DIR_MAX	4096	/* files per directory */

struct x509_store {
	X509_STORE *roots;		/* trust anchors */
	STACK_OF(X509) *intermediates;	/* untrusted, used to build chains */
	unsigned nroots;
	unsigned nintermediates;
	bool root_not_self_signed;	/* some anchor is an intermediate */
};

/* An empty store. 0 or -1 (out of memory). */
int x509_store_init(struct x509_store *s, struct errbuf *e);

/* Add every certificate found in PATH (file or directory) as a trust
 * anchor, or as an untrusted intermediate. */
int x509_store_add_roots(struct x509_store *s, const char *path,
    struct errbuf *e);
int x509_store_add_intermediates(struct x509_store *s, const char *path,
    struct errbuf *e);

/*
 * Add one certificate given as DER bytes (exactly one certificate, as
 * x509_certs_from_buffer() reads it) as a trust anchor: for rebuilding a
 * store from certificates kept elsewhere (the verifier store's roots).
 * `what` names it in messages.
 */
int x509_store_add_root_der(struct x509_store *s, const uint8_t *der,
    size_t len, const char *what, struct errbuf *e);

void x509_store_free(struct x509_store *s);

/*
 * Call fn for every certificate in PATH (a file, or a directory read as
 * described above), with the name of the file it came from, in order.
 * Each file may hold at most max_per_file certificates. x is valid only
 * during the call (X509_up_ref() to keep it). A non-zero return from fn
 * stops the walk and is returned. Unlike x509_store_add_roots(), a path
 * with no certificate at all is not an error here (the caller counts).
 */
typedef int (*x509_file_cert_fn)(X509 *x, const char *file, void *arg,
    struct errbuf *e);
int x509_certs_each_in_path(const char *path, size_t max_per_file,
    x509_file_cert_fn fn, void *arg, struct errbuf *e);

/*
 * Decode the certificates in one buffer (PEM blocks, or exactly one DER
 * certificate) and push them on *out (caller owns them). `what` names the
 * source in messages. Fails if the buffer holds no certificate, a PEM
 * block does not decode, or more than `max` would be pushed.
 */
int x509_certs_from_buffer(const uint8_t *buf, size_t len, const char *what,
    size_t max, STACK_OF(X509) *out, struct errbuf *e);

/*
 * Call each() with the DER bytes of every PEM "CERTIFICATE" (or "X509
 * CERTIFICATE") block of buf, in order; `block` is the 1-based number of
 * the PEM block among all blocks. A non-zero return from each() stops the
 * walk and is returned. *count gets the number of certificate blocks seen.
 * The DER bytes are only valid during the call.
 */
typedef int (*x509_pem_cert_fn)(const uint8_t *der, size_t len, int block,
    void *arg, struct errbuf *e);
int x509_pem_each_certificate(const uint8_t *buf, size_t len,
    x509_pem_cert_fn each, void *arg, size_t *count, struct errbuf *e);

/* The buffer holds a "-----BEGIN " line somewhere (PEM, maybe after text). */
bool x509_looks_like_pem(const uint8_t *buf, size_t len);

#endif
