/*
 * cmd_tls_key.c - `dossier-collect tls-key`: create the device's TLS client
 * key in the TPM (tpm_tlskey.h), keep it as a TSS2 PRIVATE KEY file or at
 * a persistent handle, and write a certificate request for it signed inside
 * the TPM (tls_csr.h). dossier-relay(1) then uses the key through OpenSSL's
 * tpm2 provider; the collector itself needs no provider.
 *
 * Order: the key is created and the request signed and checked before
 * anything is written or made persistent, so a failure leaves no half
 * set-up behind; the key (file or handle) is kept before the request is
 * written, so a request never exists for a key that was lost.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "collect/cmd.h"
#include "collect/tls_csr.h"
#include "collect/tpm_conn.h"
#include "collect/tpm_tlskey.h"
#include "format/escape.h"
#include "format/fileio.h"

struct tls_key_opts {
	const char *tcti;
	enum tpm_tlskey_kind kind;
	uint32_t parent;
	const char *key_out;		/* --key FILE, or NULL */
	uint32_t persistent;		/* --persistent HANDLE, or 0 */
	const char *subject;
	const char *csr_out;
};

static void
tls_key_usage(FILE *f)
{
	fputs("usage: dossier-collect tls-key [--tcti STRING] "
	    "[--alg ecc|rsa] [--parent handle]\n"
	    "           --key FILE.pem | --persistent handle\n"
	    "           --subject /CN=NAME[/TYPE=VALUE...] --csr FILE.csr\n", f);
}

/* A persistent handle, hex with 0x. */
static int
handle_arg(const char *opt, const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 16);
	if (strncmp(s, "0x", 2) != 0 || errno != 0 || *end != '\0' ||
	    v < TPM_PERSISTENT_FIRST || v > TPM_PERSISTENT_LAST) {
		collect_error("tls-key: %s '%s' is not a persistent handle "
		    "(0x81000000-0x81ffffff)", opt, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

enum { OPT_TCTI = 256, OPT_ALG, OPT_PARENT, OPT_KEY, OPT_PERSISTENT,
	OPT_SUBJECT, OPT_CSR };

/* 1: --help was given; 0: parsed; -1: usage error (reported). */
static int
tls_key_parse(int argc, char **argv, struct tls_key_opts *o)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ "parent", required_argument, NULL, OPT_PARENT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "persistent", required_argument, NULL, OPT_PERSISTENT },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "csr", required_argument, NULL, OPT_CSR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->kind = TPM_TLSKEY_P256;
	o->parent = TPM_TLSKEY_PARENT_OWNER;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_TCTI:
			o->tcti = optarg;
			break;
		case OPT_ALG:
			if (tpm_tlskey_kind_parse(optarg, &o->kind) != 0) {
				collect_error("tls-key: --alg '%s': expected "
				    "ecc (P-256) or rsa (RSA-2048)", optarg);
				return -1;
			}
			break;
		case OPT_PARENT:
			if (handle_arg("--parent", optarg, &o->parent) != 0)
				return -1;
			break;
		case OPT_KEY:
			o->key_out = optarg;
			break;
		case OPT_PERSISTENT:
			if (handle_arg("--persistent", optarg,
			    &o->persistent) != 0)
				return -1;
			break;
		case OPT_SUBJECT:
			o->subject = optarg;
			break;
		case OPT_CSR:
			o->csr_out = optarg;
			break;
		case 'h':
			tls_key_usage(stdout);
			return 1;
		default:
			collect_error("tls-key: unknown option or missing "
			    "argument: '%s'", argv[optind - 1]);
			tls_key_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		collect_error("tls-key: unexpected argument '%s'", argv[optind]);
		tls_key_usage(stderr);
		return -1;
	}
	if ((o->key_out != NULL) == (o->persistent != 0)) {
		collect_error("tls-key: give exactly one of --key FILE.pem and "
		    "--persistent handle");
		return -1;
	}
	if (o->subject == NULL || o->csr_out == NULL) {
		collect_error("tls-key: --subject and --csr are required");
		return -1;
	}
	return 0;
}

/* The key as a TSS2 PRIVATE KEY PEM file. */
static int
write_key_pem(const struct tpm_tlskey *k, const char *path, struct errbuf *e)
{
	uint8_t der[TPM_TLSKEY_DER_MAX];
	size_t der_len;
	BIO *bio;
	BUF_MEM *mem;
	int ret;

	if (tpm_tlskey_der(k, der, sizeof(der), &der_len, e) != 0)
		return -1;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio(bio, "TSS2 PRIVATE KEY", "", der,
	    (long)der_len) <= 0) {
		BIO_free(bio);
		return err_openssl(e, "PEM encoding");
	}
	BIO_get_mem_ptr(bio, &mem);
	ret = file_write_atomic(path, (const uint8_t *)mem->data, mem->length,
	    e);
	BIO_free(bio);
	return ret;
}

/* Refuse a taken handle before a key is made for nothing. */
static int
handle_free(ESYS_CONTEXT *esys, uint32_t handle, struct errbuf *e)
{
	bool taken;

	if (tpm_persistent_exists(esys, handle, &taken, e) != 0)
		return -1;
	if (taken)
		return err_set(e, "persistent handle 0x%08x is taken; choose "
		    "another or evict it first (tpm2_evictcontrol -C o -c "
		    "0x%08x)", handle, handle);
	return 0;
}

enum collect_status
cmd_tls_key(int argc, char **argv)
{
	struct tls_key_opts o;
	struct tpm_conn conn;
	struct tpm_tlskey k;
	struct errbuf e;
	const char *tcti;
	uint8_t *csr = NULL;
	size_t csr_len = 0;
	enum collect_status st = COLLECT_ERROR;
	int r;

	if ((r = tls_key_parse(argc, argv, &o)) != 0)
		return r > 0 ? COLLECT_OK : COLLECT_ERROR;
	tcti = collect_tcti(o.tcti);
	if (tpm_conn_open(&conn, tcti, &e) == -1) {
		collect_error("tls-key: %s", e.msg);
		return COLLECT_ERROR;
	}
	tpm_tlskey_init(&k);
	if (o.persistent != 0 &&
	    handle_free(conn.esys, o.persistent, &e) != 0) {
		collect_error("tls-key: TCTI '%s': %s", tcti, e.msg);
		goto done;
	}
	if (tpm_tlskey_create(conn.esys, o.kind, o.parent, &k, &e) != 0 ||
	    tls_csr_make(conn.esys, &k, o.subject, &csr, &csr_len, &e) != 0) {
		collect_error("tls-key: TCTI '%s': %s", tcti, e.msg);
		goto done;
	}
	if (o.key_out != NULL ? write_key_pem(&k, o.key_out, &e) :
	    tpm_key_persist(conn.esys, &k.key, o.persistent, &e)) {
		collect_error("tls-key: %s", e.msg);
		goto done;
	}
	if (file_write_atomic(o.csr_out, csr, csr_len, &e) != 0) {
		collect_error("tls-key: %s", e.msg);
		goto done;
	}
	if (o.key_out != NULL)
		esc_fprintln(stdout, "tls-key: %s key in %s (TSS2 PRIVATE KEY, parent "
		    "0x%08x), request in %s", o.kind == TPM_TLSKEY_P256 ?
		    "ECC P-256" : "RSA-2048", o.key_out, o.parent, o.csr_out);
	else
		esc_fprintln(stdout, "tls-key: %s key at persistent handle "
		    "0x%08x, request in %s", o.kind == TPM_TLSKEY_P256 ? "ECC P-256" :
		    "RSA-2048", o.persistent, o.csr_out);
	if (fflush(stdout) == EOF || ferror(stdout))
		collect_error("tls-key: cannot write to standard output");
	else
		st = COLLECT_OK;
done:
	free(csr);
	tpm_tlskey_close(conn.esys, &k);
	tpm_conn_close(&conn);
	return st;
}
