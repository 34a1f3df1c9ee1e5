/* x509_store.c - see x509_store.h. */
#include "format/x509_store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "format/fileio.h"

static const char pem_begin[] = "-----BEGIN ";

bool
x509_looks_like_pem(const uint8_t *buf, size_t len)
{
	size_t n = sizeof(pem_begin) - 1, i;

	for (i = 0; i + n <= len; i++)
		if (buf[i] == '-' && memcmp(buf + i, pem_begin, n) == 0)
			return true;
	return false;
}

static bool
is_certificate_block(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0;
}

/* Decode exactly one certificate occupying der[0..len). */
static X509 *
decode_one(const uint8_t *der, size_t len, const char *what, struct errbuf *e)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > LONG_MAX) {
		err_set(e, "%s: certificate too large", what);
		return NULL;
	}
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		err_openssl(e, what);
		return NULL;
	}
	if ((size_t)(p - der) != len) {
		err_set(e, "%s: %zu bytes after the certificate at offset %zu",
		    what, len - (size_t)(p - der), (size_t)(p - der));
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
push_cert(STACK_OF(X509) *out, X509 *x, size_t max, const char *what,
    struct errbuf *e)
{
	if ((size_t)sk_X509_num(out) >= max) {
		X509_free(x);
		return err_set(e, "%s: more than %zu certificates", what, max);
	}
	if (sk_X509_push(out, x) <= 0) {
		X509_free(x);
		return err_set(e, "%s: out of memory", what);
	}
	return 0;
}

int
x509_pem_each_certificate(const uint8_t *buf, size_t len,
    x509_pem_cert_fn each, void *arg, size_t *count, struct errbuf *e)
{
	BIO *bio;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen;
	int rc = 0, block = 0;

	*count = 0;
	if (len > INT_MAX)
		return err_set(e, "PEM input too large");
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return err_set(e, "out of memory");
	while (rc == 0 && PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		block++;
		if (is_certificate_block(name) && dlen >= 0) {
			(*count)++;
			rc = each(data, (size_t)dlen, block, arg, e);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	/* PEM_read_bio ends with "no start line" in the error queue. */
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

struct push_args {
	const char *what;
	size_t max;
	STACK_OF(X509) *out;
};

static int
push_pem_block(const uint8_t *der, size_t len, int block, void *arg,
    struct errbuf *e)
{
	const struct push_args *a = arg;
	char where[ERRBUF_MAX];
	X509 *x;

	snprintf(where, sizeof(where), "%s: PEM block %d", a->what, block);
	if ((x = decode_one(der, len, where, e)) == NULL)
		return -1;
	return push_cert(a->out, x, a->max, a->what, e);
}

static int
certs_from_pem(const uint8_t *buf, size_t len, const char *what, size_t max,
    STACK_OF(X509) *out, struct errbuf *e)
{
	struct push_args a = { what, max, out };
	size_t found;

	if (x509_pem_each_certificate(buf, len, push_pem_block, &a, &found,
	    e) != 0)
		return -1;
	if (found == 0)
		return err_set(e, "%s: no PEM CERTIFICATE block", what);
	return 0;
}

int
x509_certs_from_buffer(const uint8_t *buf, size_t len, const char *what,
    size_t max, STACK_OF(X509) *out, struct errbuf *e)
{
	X509 *x;

	if (len == 0)
		return err_set(e, "%s: empty file", what);
	if (len > X509_STORE_FILE_MAX)
		return err_set(e, "%s: larger than %u bytes", what,
		    X509_STORE_FILE_MAX);
	if (x509_looks_like_pem(buf, len))
		return certs_from_pem(buf, len, what, max, out, e);
	if ((x = decode_one(buf, len, what, e)) == NULL)
		return err_prefix(e, "not PEM, and as DER");
	return push_cert(out, x, max, what, e);
}

/* Load one file's certificates onto *out. */
static int
load_file(const char *path, size_t max, STACK_OF(X509) *out, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(path, X509_STORE_FILE_MAX, &buf, &len, e) != 0)
		return -1;
	rc = x509_certs_from_buffer(buf, len, path, max, out, e);
	free(buf);
	return rc;
}

static int
skip_dirent(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Call fn(path, arg, e) for every regular file of dir that does
 * not start with ".", in name order; stop at the first failure. */
typedef int (*dir_file_fn)(const char *path, void *arg, struct errbuf *e);

static int
walk_dir(const char *dir, dir_file_fn fn, void *arg, struct errbuf *e)
{
	struct dirent **names = NULL;
	struct stat st;
	char path[PATH_MAX];
	int n, i, rc = 0;

	if ((n = scandir(dir, &names, skip_dirent, alphasort)) < 0)
		return err_set(e, "%s: %s", dir, strerror(errno));
	if (n > (int)X509_STORE_DIR_MAX)
		rc = err_set(e, "%s: more than %u files", dir,
		    X509_STORE_DIR_MAX);
	for (i = 0; rc == 0 && i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) >= sizeof(path)) {
			rc = err_set(e, "%s/%s: path too long", dir,
			    names[i]->d_name);
			break;
		}
		if (stat(path, &st) != 0) {
			rc = err_set(e, "%s: %s", path, strerror(errno));
			break;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		rc = fn(path, arg, e);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct load_dir_arg {
	size_t max;
	STACK_OF(X509) *out;
};

static int
load_dir_file(const char *path, void *arg, struct errbuf *e)
{
	struct load_dir_arg *a = arg;

	return load_file(path, a->max, a->out, e);
}

static int
load_dir(const char *dir, size_t max, STACK_OF(X509) *out, struct errbuf *e)
{
	struct load_dir_arg a = { max, out };

	return walk_dir(dir, load_dir_file, &a, e);
}

/* The certificates of a file or directory, in a new stack. */
static STACK_OF(X509) *
load_path(const char *path, size_t max, struct errbuf *e)
{
	STACK_OF(X509) *certs;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((certs = sk_X509_new_null()) == NULL) {
		err_set(e, "%s: out of memory", path);
		return NULL;
	}
	rc = S_ISDIR(st.st_mode) ? load_dir(path, max, certs, e) :
	    load_file(path, max, certs, e);
	if (rc == 0 && sk_X509_num(certs) == 0)
		rc = err_set(e, "%s: no certificate found", path);
	if (rc != 0) {
		sk_X509_pop_free(certs, X509_free);
		return NULL;
	}
	return certs;
}

static size_t
room_left(const struct x509_store *s)
{
	return X509_STORE_CERTS_MAX - s->nroots - s->nintermediates;
}

int
x509_store_init(struct x509_store *s, struct errbuf *e)
{
	memset(s, 0, sizeof(*s));
	s->roots = X509_STORE_new();
	s->intermediates = sk_X509_new_null();
	if (s->roots == NULL || s->intermediates == NULL) {
		x509_store_free(s);
		return err_set(e, "out of memory");
	}
	return 0;
}

int
x509_store_add_roots(struct x509_store *s, const char *path, struct errbuf *e)
{
	STACK_OF(X509) *certs;
	X509 *x;
	int i, rc = 0;

	if ((certs = load_path(path, room_left(s), e)) == NULL)
		return -1;
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (X509_STORE_add_cert(s->roots, x) != 1) {
			rc = err_openssl(e, path);
			break;
		}
		s->nroots++;
		if (X509_self_signed(x, 0) != 1)
			s->root_not_self_signed = true;
	}
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

int
x509_store_add_intermediates(struct x509_store *s, const char *path,
    struct errbuf *e)
{
	STACK_OF(X509) *certs;
	X509 *x;

	if ((certs = load_path(path, room_left(s), e)) == NULL)
		return -1;
	while ((x = sk_X509_shift(certs)) != NULL) {
		if (sk_X509_push(s->intermediates, x) <= 0) {
			X509_free(x);
			sk_X509_pop_free(certs, X509_free);
			return err_set(e, "%s: out of memory", path);
		}
		s->nintermediates++;
	}
	sk_X509_free(certs);
	return 0;
}

int
x509_store_add_root_der(struct x509_store *s, const uint8_t *der,
    size_t len, const char *what, struct errbuf *e)
{
	STACK_OF(X509) *one;
	X509 *x;
	int rc = 0;

	if (room_left(s) == 0)
		return err_set(e, "%s: more than %u certificates", what,
		    X509_STORE_CERTS_MAX);
	if ((one = sk_X509_new_null()) == NULL)
		return err_set(e, "%s: out of memory", what);
	if (x509_certs_from_buffer(der, len, what, 1, one, e) != 0) {
		sk_X509_pop_free(one, X509_free);
		return -1;
	}
	x = sk_X509_value(one, 0);
	if (X509_STORE_add_cert(s->roots, x) != 1)
		rc = err_openssl(e, what);
	else {
		s->nroots++;
		if (X509_self_signed(x, 0) != 1)
			s->root_not_self_signed = true;
	}
	sk_X509_pop_free(one, X509_free);
	return rc;
}

struct each_file_arg {
	size_t max;
	x509_file_cert_fn fn;
	void *arg;
};

/* The certificates of one file, each handed to a->fn with the file name. */
static int
each_file_certs(const char *path, void *arg, struct errbuf *e)
{
	struct each_file_arg *a = arg;
	STACK_OF(X509) *certs;
	int i, rc = 0;

	if ((certs = sk_X509_new_null()) == NULL)
		return err_set(e, "%s: out of memory", path);
	if (load_file(path, a->max, certs, e) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < sk_X509_num(certs); i++)
		rc = a->fn(sk_X509_value(certs, i), path, a->arg, e);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

int
x509_certs_each_in_path(const char *path, size_t max_per_file,
    x509_file_cert_fn fn, void *arg, struct errbuf *e)
{
	struct each_file_arg a = { max_per_file, fn, arg };
	struct stat st;

	if (stat(path, &st) != 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return walk_dir(path, each_file_certs, &a, e);
	return each_file_certs(path, &a, e);
}

void
x509_store_free(struct x509_store *s)
{
	X509_STORE_free(s->roots);
	sk_X509_pop_free(s->intermediates, X509_free);
	memset(s, 0, sizeof(*s));
}
