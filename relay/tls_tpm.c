/*
 * tls_tpm.c - TLS with a client key held in a TPM, through OpenSSL 3's
 * tpm2 provider (relay.h, relay_tls_tpm_setup).
 *
 * The legacy key methods (EC_KEY_METHOD, RSA_METHOD) are deprecated in
 * OpenSSL 3.0 but are the one way 3.0 offers to make libssl sign with a
 * key of another provider while everything else uses the default one (see
 * relay.h); they are used for that and nothing else.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <arpa/inet.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "relay/relay.h"

struct relay_tpm_tls {
	OSSL_PROVIDER *prov_tpm2, *prov_default;
	EVP_PKEY *tpm_key;		/* the provider's key */
	EC_KEY_METHOD *ec_meth;
	RSA_METHOD *rsa_meth;
};

/* ex_data slot of the legacy key that points at the provider's key. */
static int ec_idx = -1, rsa_idx = -1;

/* Sign a digest with the provider's key (ECDSA, or RSA PKCS#1 v1.5 with
 * md). "?provider=tpm2" makes OpenSSL take the provider's own signature. */
static int
tpm_sign_digest(EVP_PKEY *key, const EVP_MD *md, const unsigned char *dgst,
    size_t dlen, unsigned char *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pc;
	int ok;

	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, "?provider=tpm2")) ==
	    NULL)
		return 0;
	ok = EVP_PKEY_sign_init(pc) == 1 &&
	    (md == NULL || (EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, md) == 1)) &&
	    EVP_PKEY_sign(pc, sig, siglen, dgst, dlen) == 1;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static int
ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	EVP_PKEY *key = EC_KEY_get_ex_data(ec, ec_idx);
	size_t len = (size_t)ECDSA_size(ec);

	(void)type;
	(void)kinv;
	(void)r;
	if (key == NULL || dlen < 0 ||
	    !tpm_sign_digest(key, NULL, dgst, (size_t)dlen, sig, &len))
		return 0;
	*siglen = (unsigned)len;
	return 1;
}

static int
rsa_sign(int type, const unsigned char *m, unsigned int mlen,
    unsigned char *sig, unsigned int *siglen, const RSA *rsa)
{
	EVP_PKEY *key = RSA_get_ex_data(rsa, rsa_idx);
	const EVP_MD *md = EVP_get_digestbynid(type);
	size_t len = (size_t)RSA_size(rsa);

	if (key == NULL || md == NULL ||
	    !tpm_sign_digest(key, md, m, mlen, sig, &len))
		return 0;
	*siglen = (unsigned)len;
	return 1;
}

/*
 * The legacy key libssl signs with: the provider key's public half (taken
 * through its SubjectPublicKeyInfo, the encoding every provider agrees
 * on) and a method that signs through the provider.
 */
static int
legacy_key(struct relay_tpm_tls *t, EVP_PKEY **out, struct errbuf *e)
{
	EVP_PKEY *pub = NULL, *pk = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	EC_KEY *ec = NULL;
	RSA *rsa = NULL;
	int len;

	*out = NULL;
	if ((len = i2d_PUBKEY(t->tpm_key, &der)) <= 0 ||
	    (p = der, pub = d2i_PUBKEY(NULL, &p, len)) == NULL ||
	    (pk = EVP_PKEY_new()) == NULL)
		goto fail;
	if (EVP_PKEY_is_a(pub, "EC")) {
		if (ec_idx < 0)
			ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
			    NULL);
		if ((t->ec_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL)
			goto fail;
		EC_KEY_METHOD_set_sign(t->ec_meth, ec_sign, NULL, NULL);
		if ((ec = EVP_PKEY_get1_EC_KEY(pub)) == NULL ||
		    EC_KEY_set_method(ec, t->ec_meth) != 1 ||
		    EC_KEY_set_ex_data(ec, ec_idx, t->tpm_key) != 1 ||
		    EVP_PKEY_assign_EC_KEY(pk, ec) != 1)
			goto fail;
	} else if (EVP_PKEY_is_a(pub, "RSA")) {
		if (rsa_idx < 0)
			rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL,
			    NULL);
		if ((t->rsa_meth = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
		    RSA_meth_set_sign(t->rsa_meth, rsa_sign) != 1)
			goto fail;
		if ((rsa = EVP_PKEY_get1_RSA(pub)) == NULL ||
		    RSA_set_method(rsa, t->rsa_meth) != 1 ||
		    RSA_set_ex_data(rsa, rsa_idx, t->tpm_key) != 1 ||
		    EVP_PKEY_assign_RSA(pk, rsa) != 1)
			goto fail;
	} else {
		OPENSSL_free(der);
		EVP_PKEY_free(pub);
		EVP_PKEY_free(pk);
		return err_set(e, "the TPM key is neither ECC nor RSA");
	}
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	*out = pk;
	return 0;
fail:
	/* After a successful assign the legacy key belongs to pk. */
	if (pk == NULL || EVP_PKEY_get_base_id(pk) == EVP_PKEY_NONE) {
		EC_KEY_free(ec);
		RSA_free(rsa);
	}
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pk);
	return err_openssl(e, "wrapping the TPM key for libssl");
}

/*
 * The provider's key named after "tpm2:": a persistent handle
 * (0x81xxxxxx, the provider's "handle:" URI) or a TSS2 PRIVATE KEY file,
 * through OSSL_STORE with the tpm2 provider preferred (as `openssl pkey
 * -provider tpm2 -propquery ?provider=tpm2` does). Never prompts
 * (UI_null): our keys have emptyAuth. A key some other provider decoded
 * (a plain PEM private key) is refused: it is not in the TPM.
 */
static int
tpm_key_load(const char *ref, EVP_PKEY **out, struct errbuf *e)
{
	char uri[RELAY_CONFIG_VALUE_MAX + 32];
	OSSL_STORE_CTX *st;
	OSSL_STORE_INFO *info;
	const OSSL_PROVIDER *prov;
	unsigned long h;
	char *end;
	EVP_PKEY *key = NULL;

	*out = NULL;
	errno = 0;
	h = strtoul(ref, &end, 16);
	if (strncmp(ref, "0x", 2) == 0 && *end == '\0' && errno == 0 &&
	    end - ref == 10 && h >= 0x81000000ul && h <= 0x81fffffful)
		snprintf(uri, sizeof(uri), "handle:0x%08lx", h);
	else
		snprintf(uri, sizeof(uri), "%s", ref);
	st = OSSL_STORE_open_ex(uri, NULL, "?provider=tpm2", UI_null(), NULL,
	    NULL, NULL, NULL);
	if (st == NULL)
		return err_openssl(e, "cannot open the key");
	while (key == NULL && !OSSL_STORE_eof(st)) {
		if ((info = OSSL_STORE_load(st)) == NULL)
			continue;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			key = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	if (key == NULL)
		return err_openssl(e, "no private key loaded (the TPM's "
		    "reason, if any, follows)");
	prov = EVP_PKEY_get0_provider(key);
	if (prov == NULL || strcmp(OSSL_PROVIDER_get0_name(prov), "tpm2") != 0) {
		EVP_PKEY_free(key);
		return err_set(e, "this is not a key held in a TPM (a plain "
		    "private key: write key_file without " RELAY_KEY_TPM_PREFIX
		    ")");
	}
	*out = key;
	return 0;
}

/* The TCTI for the provider: tcti, else $DOSSIER_TCTI, else the default. */
static const char *
tpm_tcti(const struct relay_config *cfg)
{
	const char *env = getenv("DOSSIER_TCTI");

	if (cfg->tcti[0] != '\0')
		return cfg->tcti;
	if (env != NULL && env[0] != '\0')
		return env;
	return RELAY_DEFAULT_TCTI;
}

/* Trust anchors and the broker's identity for our own SSL_CTX: what
 * libmosquitto's defaults would check (ca_file or /etc/ssl/certs, and the
 * host name or IP address we connect to). */
static int
tls_verify_setup(SSL_CTX *ctx, const struct relay_opts *o, struct errbuf *e)
{
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
	unsigned char addr[16];
	int ok;

	if (o->cfg.ca_file[0] != '\0')
		ok = SSL_CTX_load_verify_file(ctx, o->cfg.ca_file);
	else
		ok = SSL_CTX_load_verify_dir(ctx, "/etc/ssl/certs");
	if (ok != 1)
		return err_openssl(e, o->cfg.ca_file[0] != '\0' ? "ca_file" :
		    "/etc/ssl/certs");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (inet_pton(AF_INET, o->host, addr) == 1 ||
	    inet_pton(AF_INET6, o->host, addr) == 1)
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, o->host);
	else
		ok = X509_VERIFY_PARAM_set1_host(vp, o->host, 0);
	if (ok != 1)
		return err_openssl(e, "broker name check");
	return 0;
}

void
relay_tls_tpm_free(struct relay_tpm_tls *t)
{
	if (t == NULL)
		return;
	EVP_PKEY_free(t->tpm_key);
	if (t->ec_meth != NULL)		/* not NULL-safe in OpenSSL 3.0 */
		EC_KEY_METHOD_free(t->ec_meth);
	if (t->rsa_meth != NULL)
		RSA_meth_free(t->rsa_meth);
	if (t->prov_tpm2 != NULL)
		OSSL_PROVIDER_unload(t->prov_tpm2);
	if (t->prov_default != NULL)
		OSSL_PROVIDER_unload(t->prov_default);
	free(t);
}

int
relay_tls_tpm_setup(struct mosquitto *mosq, const struct relay_opts *o,
    struct relay_tpm_tls **out, struct errbuf *e)
{
	const struct relay_config *cfg = &o->cfg;
	const char *ref = cfg->key_file + strlen(RELAY_KEY_TPM_PREFIX);
	const char *tcti = tpm_tcti(cfg);
	struct relay_tpm_tls *t;
	SSL_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	int rc, ret = -1;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_set(e, "out of memory");
	/* OpenSSL 3.0 cannot pass a provider parameter from code; the
	 * provider reads this variable when it is loaded. */
	if (setenv("TPM2OPENSSL_TCTI", tcti, 1) == -1) {
		err_set(e, "setenv: %s", strerror(errno));
		goto done;
	}
	if ((t->prov_tpm2 = OSSL_PROVIDER_load(NULL, "tpm2")) == NULL) {
		err_openssl(e, "cannot load OpenSSL's tpm2 provider "
		    "(tpm2-openssl) or reach the TPM");
		err_prefix(e, "TCTI '%s'", tcti);
		goto done;
	}
	if ((t->prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
		err_openssl(e, "cannot load OpenSSL's default provider");
		goto done;
	}
	if (tpm_key_load(ref, &t->tpm_key, e) != 0 ||
	    legacy_key(t, &key, e) != 0) {
		err_prefix(e, "key_file %s (TCTI '%s')", cfg->key_file, tcti);
		goto done;
	}
	/* Everything but the key's signatures from the default provider. */
	if ((ctx = SSL_CTX_new_ex(NULL, "?provider=default",
	    TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		err_openssl(e, "SSL_CTX");
		goto done;
	}
	if (EVP_PKEY_is_a(t->tpm_key, "RSA") &&
	    (SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set1_client_sigalgs_list(ctx,
	    "RSA+SHA256:RSA+SHA384:RSA+SHA512") != 1)) {
		err_openssl(e, "TLS 1.2 with RSA-PKCS1 signatures");
		goto done;
	}
	if (tls_verify_setup(ctx, o, e) != 0)
		goto done;
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		err_openssl(e, "cert_file");
		goto done;
	}
	if (SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		err_openssl(e, "cert_file and the TPM key do not match");
		goto done;
	}
	/* With WITH_DEFAULTS on, libmosquitto 2.0 would insist on its own
	 * cafile settings and refuse to connect. It keeps a reference. */
	if ((rc = mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS,
	    0)) != 0 ||
	    (rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, ctx)) != 0) {
		err_set(e, "MOSQ_OPT_SSL_CTX: %s", mosquitto_strerror(rc));
		goto done;
	}
	relay_log("TLS client key in the TPM: %s (TCTI '%s')", ref, tcti);
	*out = t;
	t = NULL;
	ret = 0;
done:
	SSL_CTX_free(ctx);
	EVP_PKEY_free(key);
	relay_tls_tpm_free(t);
	if (ret != 0)
		err_prefix(e, "TLS setup");
	return ret;
}
