/*
 * cmd_init.c - dossier init: create the verifier's store and its signing
 * key, and export the public key that devices pin.
 *
 *   dossier [--store PATH] init [-o PUBKEY]
 *   dossier [--store PATH] init --show-key [-o PUBKEY]
 *
 * The key is ECC NIST P-256, made with OpenSSL and kept in the store
 * (store_verifier_set). The public key file is a PEM SubjectPublicKeyInfo;
 * the verifier id is the SHA-256 of its DER, printed in hex. Without -o
 * nothing but the id and the store path is printed; "-o -" writes the PEM
 * to standard output (the id and path lines then go to standard error).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "format/err.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "verify/cmd.h"
#include "verify/store.h"

struct init_args {
	const char *out;	/* -o, NULL: do not write the public key */
	bool show_key;		/* --show-key: export from an existing store */
};

static void
init_usage(FILE *f)
{
	fputs("usage: dossier [--store path] init [-o pubkey]\n"
	    "       dossier [--store path] init --show-key [-o pubkey]\n", f);
}

/* OUTCOME_HOLDS to go on, anything else to return (help is HOLDS too). */
static enum outcome
parse_init_args(int argc, char **argv, struct init_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "show-key", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->out = optarg;
			break;
		case 'k':
			a->show_key = true;
			break;
		case 'h':
			init_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			cmd_error("init: unknown option or missing argument "
			    "'%s'", argv[optind - 1]);
			init_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("init: unexpected argument '%s'", argv[optind]);
		init_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->out != NULL && a->out[0] == '\0') {
		cmd_error("init: -o needs a file name");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* A new P-256 key as an unencrypted PKCS#8 PEM (malloc'd, NUL-ended). */
static int
new_key_pem(char **pem, size_t *len, struct errbuf *e)
{
	EVP_PKEY *key;
	BIO *bio;
	char *p;
	long n;
	int rc = -1;

	*pem = NULL;
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return err_openssl(e, "generate a P-256 key");
	if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
		EVP_PKEY_free(key);
		return err_openssl(e, "memory BIO");
	}
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		err_openssl(e, "encode the private key");
		goto out;
	}
	if ((n = BIO_get_mem_data(bio, &p)) <= 0 ||
	    (*pem = OPENSSL_secure_malloc((size_t)n + 1)) == NULL) {
		err_set(e, "encode the private key: out of memory");
		goto out;
	}
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);
	EVP_PKEY_free(key);
	return rc;
}

/* The PEM SubjectPublicKeyInfo of a DER one (malloc'd, NUL-ended). */
static int
spki_pem(const uint8_t *der, size_t len, char **pem, size_t *pem_len,
    struct errbuf *e)
{
	const unsigned char *p = der;
	EVP_PKEY *key;
	BIO *bio;
	char *data;
	long n;
	int rc = -1;

	*pem = NULL;
	if ((key = d2i_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		EVP_PKEY_free(key);
		return err_set(e, "the store's public key does not decode");
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		EVP_PKEY_free(key);
		return err_openssl(e, "memory BIO");
	}
	if (PEM_write_bio_PUBKEY(bio, key) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		err_openssl(e, "encode the public key");
		goto out;
	}
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		err_set(e, "encode the public key: out of memory");
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*pem_len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);
	EVP_PKEY_free(key);
	return rc;
}

/*
 * Write the verifier's public key to a->out (if given) and print the id
 * and store path, on stderr when the PEM went to stdout.
 */
static enum outcome
export_key(struct store *s, const struct init_args *a)
{
	struct store_verifier *v;
	struct errbuf e;
	char id[2 * STORE_SHA256_LEN + 1], *pem = NULL;
	size_t pem_len = 0;
	bool found;
	FILE *info = stdout;
	enum outcome rc = OUTCOME_ERROR;

	if ((v = calloc(1, sizeof(*v))) == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	if (store_verifier_get(s, v, &found, &e) == -1) {
		cmd_error("%s: %s", store_path(s), e.msg);
		goto out;
	}
	if (!found) {
		cmd_error("%s: the store has no verifier key", store_path(s));
		goto out;
	}
	if (a->out != NULL) {
		if (spki_pem(v->spki, v->spki_len, &pem, &pem_len, &e) == -1 ||
		    file_write_atomic(a->out, (const uint8_t *)pem, pem_len,
		    &e) == -1) {
			cmd_error("%s: %s", a->out, e.msg);
			goto out;
		}
		if (strcmp(a->out, "-") == 0)
			info = stderr;
		else
			(void)chmod(a->out, 0644);	/* a public key */
	}
	hex_encode(v->key_id, sizeof(v->key_id), id);
	fprintf(info, "verifier-id %s\n", id);
	fprintf(info, "store %s\n", store_path(s));
	if (a->out != NULL && info == stdout)
		fprintf(info, "public-key %s\n", a->out);
	rc = OUTCOME_HOLDS;
out:
	free(pem);
	OPENSSL_cleanse(v, sizeof(*v));
	free(v);
	return rc;
}

static enum outcome
init_new(const struct init_args *a)
{
	struct store *s;
	struct errbuf e;
	char *pem;
	size_t len = 0;
	enum outcome rc;

	if (new_key_pem(&pem, &len, &e) == -1) {
		cmd_error("init: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_CREATE_NEW, &s) == -1) {
		OPENSSL_secure_clear_free(pem, len + 1);
		return OUTCOME_ERROR;
	}
	if (store_verifier_set(s, pem, len, (int64_t)time(NULL), &e) == -1) {
		cmd_error("%s: %s", store_path(s), e.msg);
		rc = OUTCOME_ERROR;
	} else
		rc = export_key(s, a);
	OPENSSL_secure_clear_free(pem, len + 1);
	store_close(s);
	return rc;
}

static enum outcome
init_show_key(const struct init_args *a)
{
	struct store *s;
	enum outcome rc;

	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	rc = export_key(s, a);
	store_close(s);
	return rc;
}

enum outcome
cmd_init(int argc, char **argv)
{
	struct init_args a;
	enum outcome rc;
	bool help;

	if ((rc = parse_init_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return rc;
	return a.show_key ? init_show_key(&a) : init_new(&a);
}
