/*
 * cmd_roots.c - dossier roots: the manufacturer CA certificates the
 * verifier trusts for EK certificate chains, kept in the store.
 *
 *   dossier [--store PATH] roots add FILE|DIR...
 *   dossier [--store PATH] roots list
 *   dossier [--store PATH] roots remove FINGERPRINT
 *
 * Files are read as format/x509_store.h reads them (PEM blocks with text
 * around them, or one DER certificate; a directory one level deep). Each
 * certificate is stored with its SHA-256 fingerprint (unique), subject
 * and the file it came from. add prints one line per certificate:
 *   added FINGERPRINT SUBJECT
 *   already-trusted FINGERPRINT SUBJECT
 * then "N added, M already trusted". The whole add is one transaction: a
 * file that is not a certificate (named in the message) adds nothing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "format/err.h"
#include "format/escape.h"
#include "format/hex.h"
#include "format/x509_store.h"
#include "verify/cmd.h"
#include "verify/store.h"

/* Certificates one file may hold (a CA bundle). */
#define ROOTS_PER_FILE_MAX	X509_STORE_CERTS_MAX

static void
roots_usage(FILE *f)
{
	fputs("usage: dossier [--store path] roots add file|dir ...\n"
	    "       dossier [--store path] roots list\n"
	    "       dossier [--store path] roots remove fingerprint\n", f);
}

struct add_ctx {
	struct store *s;
	int64_t now;
	unsigned added, known;
};

/* SHA-256 of the certificate's encoding, as the store computes it. */
static int
cert_print_line(const char *word, const uint8_t *der, size_t len, X509 *x,
    struct errbuf *e)
{
	uint8_t fp[STORE_SHA256_LEN];
	char hex[2 * STORE_SHA256_LEN + 1], subject[STORE_SUBJECT_MAX + 1];
	BIO *bio;
	int n;

	if (EVP_Digest(der, len, fp, NULL, EVP_sha256(), NULL) != 1)
		return err_openssl(e, "SHA-256");
	hex_encode(fp, sizeof(fp), hex);
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return err_openssl(e, "memory BIO");
	X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_read(bio, subject, sizeof(subject) - 1);
	subject[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
	esc_fprintln(stdout, "%s %s %s", word, hex, subject[0] != '\0' ?
	    subject : "-");
	return 0;
}

static int
add_one(X509 *x, const char *file, void *arg, struct errbuf *e)
{
	struct add_ctx *c = arg;
	unsigned char *der = NULL;
	bool added;
	int len, rc;

	if ((len = i2d_X509(x, &der)) <= 0)
		return err_openssl(e, file);
	rc = store_root_add(c->s, der, (size_t)len, file, c->now, &added, e);
	if (rc == 0) {
		if (added)
			c->added++;
		else
			c->known++;
		rc = cert_print_line(added ? "added" : "already-trusted", der,
		    (size_t)len, x, e);
	}
	if (rc != 0)
		err_prefix(e, "%s", file);
	OPENSSL_free(der);
	return rc;
}

static enum outcome
roots_add(int argc, char **argv)
{
	struct add_ctx c = { 0 };
	struct errbuf e;
	enum outcome rc = OUTCOME_ERROR;
	int i;

	if (argc < 2) {
		cmd_error("roots add: name at least one file or directory");
		roots_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &c.s) == -1)
		return OUTCOME_ERROR;
	c.now = (int64_t)time(NULL);
	if (store_begin(c.s, &e) == -1) {
		cmd_error("%s: %s", store_path(c.s), e.msg);
		goto out;
	}
	for (i = 1; i < argc; i++) {
		unsigned before = c.added + c.known;

		if (x509_certs_each_in_path(argv[i], ROOTS_PER_FILE_MAX,
		    add_one, &c, &e) != 0) {
			cmd_error("roots add: %s (nothing was added)", e.msg);
			goto out;
		}
		if (c.added + c.known == before) {
			cmd_error("roots add: %s: no certificate found "
			    "(nothing was added)", argv[i]);
			goto out;
		}
	}
	if (store_commit(c.s, &e) == -1) {
		cmd_error("%s: %s", store_path(c.s), e.msg);
		goto out;
	}
	printf("%u added, %u already trusted\n", c.added, c.known);
	rc = OUTCOME_HOLDS;
out:
	store_close(c.s);	/* rolls back an open run */
	return rc;
}

static int
list_one(const struct store_root *r, void *arg, struct errbuf *e)
{
	char hex[2 * STORE_SHA256_LEN + 1], added[32];
	time_t t = (time_t)r->added;
	struct tm tm;

	(void)arg;
	(void)e;
	hex_encode(r->fingerprint, sizeof(r->fingerprint), hex);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(added, sizeof(added), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(added, sizeof(added), "%lld", (long long)r->added);
	/* source is the file name the root was added from: escaped. */
	esc_fprintln(stdout, "%s %s %s %s", hex, added, r->source,
	    r->subject[0] != '\0' ? r->subject : "-");
	return 0;
}

static enum outcome
roots_list(int argc, char **argv)
{
	struct store *s;
	struct errbuf e;
	enum outcome rc = OUTCOME_HOLDS;

	(void)argv;
	if (argc != 1) {
		roots_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (store_root_foreach(s, list_one, NULL, &e) == -1) {
		cmd_error("%s: %s", store_path(s), e.msg);
		rc = OUTCOME_ERROR;
	}
	store_close(s);
	return rc;
}

static enum outcome
roots_remove(int argc, char **argv)
{
	uint8_t fp[STORE_SHA256_LEN];
	struct store *s;
	struct errbuf e;
	enum outcome rc = OUTCOME_HOLDS;
	bool removed;

	if (argc != 2) {
		roots_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (strlen(argv[1]) != 2 * sizeof(fp) ||
	    hex_decode(argv[1], strlen(argv[1]), fp, sizeof(fp)) !=
	    (long)sizeof(fp)) {
		cmd_error("roots remove: '%s' is not a SHA-256 fingerprint "
		    "(64 hex digits, as roots list prints)", argv[1]);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (store_root_remove(s, fp, &removed, &e) == -1) {
		cmd_error("%s: %s", store_path(s), e.msg);
		rc = OUTCOME_ERROR;
	} else if (!removed) {
		cmd_error("roots remove: %s is not a trusted root", argv[1]);
		rc = OUTCOME_ERROR;
	} else
		printf("removed %s\n", argv[1]);
	store_close(s);
	return rc;
}

enum outcome
cmd_roots(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return roots_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return roots_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return roots_remove(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		roots_usage(stdout);
		return OUTCOME_HOLDS;
	}
	roots_usage(stderr);
	return OUTCOME_ERROR;
}
