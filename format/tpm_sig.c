/* tpm_sig.c - see tpm_sig.h. */
#include "format/tpm_sig.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

static const struct {
	uint16_t id;
	const char *name;
} sig_algs[] = {
	{ TPM2_ALG_RSASSA, "rsassa" },
	{ TPM2_ALG_RSAPSS, "rsapss" },
	{ TPM2_ALG_ECDSA, "ecdsa" },
	{ TPM2_ALG_HMAC, "hmac" },
	{ TPM2_ALG_ECDAA, "ecdaa" },
	{ TPM2_ALG_SM2, "sm2" },
	{ TPM2_ALG_ECSCHNORR, "ecschnorr" },
	{ TPM2_ALG_NULL, "null" },
};

const char *
tpm_sig_alg_name(uint16_t sig_alg)
{
	size_t i;

	for (i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
		if (sig_algs[i].id == sig_alg)
			return sig_algs[i].name;
	return NULL;
}

static bool
sig_alg_verifiable(uint16_t sig_alg)
{
	return sig_alg == TPM2_ALG_RSASSA || sig_alg == TPM2_ALG_RSAPSS ||
	    sig_alg == TPM2_ALG_ECDSA;
}

int
tpm_sig_scheme_parse(const char *name, struct tpm_sig_scheme *out,
    struct errbuf *e)
{
	const char *dash = strchr(name, '-');
	size_t i, n;

	if (dash == NULL)
		goto bad;
	n = (size_t)(dash - name);
	out->sig_alg = TPM2_ALG_NULL;
	for (i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
		if (strlen(sig_algs[i].name) == n &&
		    strncasecmp(sig_algs[i].name, name, n) == 0)
			out->sig_alg = sig_algs[i].id;
	if (!sig_alg_verifiable(out->sig_alg))
		goto bad;
	out->hash = hashalg_by_name(dash + 1);
	if (out->hash == NULL || out->hash->tpm_id == 0)
		return err_set(e, "signature scheme \"%s\": unknown hash "
		    "\"%s\"", name, dash + 1);
	return 0;
bad:
	return err_set(e, "unknown signature scheme \"%s\" (expected "
	    "rsassa-HASH, rsapss-HASH or ecdsa-HASH, e.g. rsassa-sha256)", name);
}

int
tpm_signature_parse(const uint8_t *buf, size_t len, TPMT_SIGNATURE *out,
    struct errbuf *e)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (len > TPM_SIG_MAX_BYTES)
		return err_set(e, "signature of %zu bytes exceeds the limit "
		    "of %d", len, TPM_SIG_MAX_BYTES);
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, len, &off, out) != 0)
		return err_set(e, "malformed TPMT_SIGNATURE: truncated, an "
		    "unknown scheme or a size field too large (a raw "
		    "signature needs its scheme named)");
	if (off != len)
		return err_set(e, "malformed TPMT_SIGNATURE: %zu trailing bytes "
		    "at offset %zu", len - off, off);
	return 0;
}

/* Store an unsigned big-endian integer in a TPM2B_ECC_PARAMETER. */
static int
ecc_param_from_bn(const BIGNUM *bn, TPM2B_ECC_PARAMETER *out,
    struct errbuf *e)
{
	int n = BN_num_bytes(bn);

	if (n > (int)sizeof(out->buffer))
		return err_set(e, "ECDSA value of %d bytes is too large", n);
	out->size = (UINT16)BN_bn2bin(bn, out->buffer);
	return 0;
}

static int
ecdsa_from_der(const uint8_t *buf, size_t len, TPMS_SIGNATURE_ECC *out,
    struct errbuf *e)
{
	const unsigned char *p = buf;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	int rc = -1;

	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (sig == NULL)
		return err_openssl(e, "DER ECDSA signature");
	if (p != buf + len) {
		err_set(e, "DER ECDSA signature: %zu trailing bytes",
		    (size_t)(buf + len - p));
		goto out;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (ecc_param_from_bn(r, &out->signatureR, e) == 0 &&
	    ecc_param_from_bn(s, &out->signatureS, e) == 0)
		rc = 0;
out:
	ECDSA_SIG_free(sig);
	return rc;
}

static int
ecdsa_from_raw(const uint8_t *buf, size_t len, TPMS_SIGNATURE_ECC *out,
    struct errbuf *e)
{
	size_t half = len / 2;

	/*
	 * A DER SEQUENCE whose length byte covers the rest. An r || s whose
	 * r happens to start 30 (len - 2), one in 65536, looks the same: when
	 * it does not decode as DER it is read as the two halves it is.
	 */
	if (len >= 8 && buf[0] == 0x30 && (size_t)buf[1] + 2 == len) {
		if (ecdsa_from_der(buf, len, out, e) == 0)
			return 0;
		if (len % 2 != 0)
			return -1;
	}
	if (len == 0 || len % 2 != 0 || half > sizeof(out->signatureR.buffer))
		return err_set(e, "raw ECDSA signature of %zu bytes is neither "
		    "DER nor r||s of two equal halves of at most %zu bytes",
		    len, sizeof(out->signatureR.buffer));
	out->signatureR.size = (UINT16)half;
	memcpy(out->signatureR.buffer, buf, half);
	out->signatureS.size = (UINT16)half;
	memcpy(out->signatureS.buffer, buf + half, half);
	return 0;
}

int
tpm_signature_from_raw(const struct tpm_sig_scheme *scheme,
    const uint8_t *buf, size_t len, TPMT_SIGNATURE *out, struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	out->sigAlg = scheme->sig_alg;
	switch (scheme->sig_alg) {
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
		if (len == 0 || len > sizeof(out->signature.rsassa.sig.buffer))
			return err_set(e, "raw RSA signature of %zu bytes "
			    "(expected 1 to %zu)", len,
			    sizeof(out->signature.rsassa.sig.buffer));
		out->signature.rsassa.hash = scheme->hash->tpm_id;
		out->signature.rsassa.sig.size = (UINT16)len;
		memcpy(out->signature.rsassa.sig.buffer, buf, len);
		return 0;
	case TPM2_ALG_ECDSA:
		out->signature.ecdsa.hash = scheme->hash->tpm_id;
		return ecdsa_from_raw(buf, len, &out->signature.ecdsa, e);
	}
	return err_set(e, "raw signatures of scheme 0x%04x are not supported",
	    scheme->sig_alg);
}

const struct hashalg *
tpm_signature_hash(const TPMT_SIGNATURE *sig)
{
	switch (sig->sigAlg) {
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
	case TPM2_ALG_ECDSA:
	case TPM2_ALG_ECDAA:
	case TPM2_ALG_SM2:
	case TPM2_ALG_ECSCHNORR:
		return hashalg_by_tpm(sig->signature.any.hashAlg);
	case TPM2_ALG_HMAC:
		return hashalg_by_tpm(sig->signature.hmac.hashAlg);
	}
	return NULL;
}

void
tpm_signature_describe(const TPMT_SIGNATURE *sig, char *out, size_t cap)
{
	const char *name = tpm_sig_alg_name(sig->sigAlg);
	const struct hashalg *hash = tpm_signature_hash(sig);
	char alg[16];

	if (name == NULL) {
		snprintf(alg, sizeof(alg), "0x%04x", sig->sigAlg);
		name = alg;
	}
	if (sig->sigAlg == TPM2_ALG_NULL)
		snprintf(out, cap, "%s", name);
	else if (hash != NULL)
		snprintf(out, cap, "%s-%s", name, hash->name);
	else
		snprintf(out, cap, "%s-0x%04x", name,
		    sig->signature.any.hashAlg);
}

int
tpm_signature_ecdsa_der(const TPMS_SIGNATURE_ECC *ecc, uint8_t *der,
    size_t *der_len, struct errbuf *e)
{
	BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *sig = NULL;
	unsigned char *p = der;
	int n, rc = -1;

	if (ecc->signatureR.size > sizeof(ecc->signatureR.buffer) ||
	    ecc->signatureS.size > sizeof(ecc->signatureS.buffer))
		return err_set(e, "ECDSA r or s larger than %zu bytes",
		    sizeof(ecc->signatureR.buffer));
	r = BN_bin2bn(ecc->signatureR.buffer, ecc->signatureR.size, NULL);
	s = BN_bin2bn(ecc->signatureS.buffer, ecc->signatureS.size, NULL);
	sig = ECDSA_SIG_new();
	if (r == NULL || s == NULL || sig == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		err_openssl(e, "ECDSA signature");
		goto out;
	}
	r = s = NULL;	/* owned by sig now */
	n = i2d_ECDSA_SIG(sig, NULL);
	if (n <= 0 || n > TPM_SIG_ECDSA_DER_MAX) {
		err_set(e, "ECDSA signature: DER encoding of %d bytes", n);
		goto out;
	}
	*der_len = (size_t)i2d_ECDSA_SIG(sig, &p);
	rc = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return rc;
}

/* The scheme a TPM key fixes (TPM2_ALG_NULL if any), and its hash. */
static void
key_scheme(const TPMT_PUBLIC *pub, uint16_t *scheme, uint16_t *hash)
{
	*scheme = TPM2_ALG_NULL;
	*hash = TPM2_ALG_NULL;
	if (pub->type == TPM2_ALG_RSA) {
		*scheme = pub->parameters.rsaDetail.scheme.scheme;
		*hash = pub->parameters.rsaDetail.scheme.details.anySig.hashAlg;
	} else if (pub->type == TPM2_ALG_ECC) {
		*scheme = pub->parameters.eccDetail.scheme.scheme;
		*hash = pub->parameters.eccDetail.scheme.details.anySig.hashAlg;
	}
}

static const char *
alg_text(uint16_t alg, char *buf, size_t cap)
{
	const char *name = tpm_sig_alg_name(alg);
	const struct hashalg *h = hashalg_by_tpm(alg);

	if (name != NULL)
		return name;
	if (h != NULL)
		return h->name;
	snprintf(buf, cap, "0x%04x", alg);
	return buf;
}

int
tpm_signature_check_key_scheme(const TPMT_PUBLIC *pub,
    const TPMT_SIGNATURE *sig, struct errbuf *e)
{
	char a[16], b[16], c[16], d[16];
	uint16_t scheme, hash;
	bool rsa_sig;

	rsa_sig = sig->sigAlg == TPM2_ALG_RSASSA ||
	    sig->sigAlg == TPM2_ALG_RSAPSS;
	if (rsa_sig && pub->type != TPM2_ALG_RSA)
		return err_set(e, "signature scheme %s needs an RSA key, the "
		    "key is not RSA", alg_text(sig->sigAlg, a, sizeof(a)));
	if (!rsa_sig && pub->type == TPM2_ALG_RSA)
		return err_set(e, "signature scheme %s does not fit an RSA key",
		    alg_text(sig->sigAlg, a, sizeof(a)));
	key_scheme(pub, &scheme, &hash);
	if (scheme == TPM2_ALG_NULL)
		return 0;
	if (scheme != sig->sigAlg || hash != sig->signature.any.hashAlg)
		return err_set(e, "the key's scheme is %s-%s but the signature "
		    "is %s-%s", alg_text(scheme, a, sizeof(a)),
		    alg_text(hash, b, sizeof(b)),
		    alg_text(sig->sigAlg, c, sizeof(c)),
		    alg_text(sig->signature.any.hashAlg, d, sizeof(d)));
	return 0;
}

/* The signature bytes OpenSSL verifies, into buf (cap bytes). */
static int
signature_bytes(const TPMT_SIGNATURE *sig, uint8_t *buf, size_t cap,
    size_t *len, struct errbuf *e)
{
	const TPM2B_PUBLIC_KEY_RSA *rsa = &sig->signature.rsassa.sig;

	if (sig->sigAlg == TPM2_ALG_ECDSA)
		return tpm_signature_ecdsa_der(&sig->signature.ecdsa, buf,
		    len, e);
	if (rsa->size > cap || rsa->size > sizeof(rsa->buffer))
		return err_set(e, "RSA signature of %u bytes is too large",
		    rsa->size);
	memcpy(buf, rsa->buffer, rsa->size);
	*len = rsa->size;
	return 0;
}

static int
key_fits(EVP_PKEY *key, const TPMT_SIGNATURE *sig, struct errbuf *e)
{
	int id = EVP_PKEY_get_base_id(key);

	if (sig->sigAlg == TPM2_ALG_ECDSA && id != EVP_PKEY_EC)
		return err_set(e, "an ECDSA signature for a key that is not "
		    "an EC key");
	if (sig->sigAlg != TPM2_ALG_ECDSA && id != EVP_PKEY_RSA)
		return err_set(e, "an RSA signature for a key that is not an "
		    "RSA key");
	return 0;
}

/* Set up ctx for sig's padding after EVP_DigestVerifyInit. */
static int
set_padding(EVP_PKEY_CTX *pctx, const TPMT_SIGNATURE *sig, struct errbuf *e)
{
	if (sig->sigAlg == TPM2_ALG_RSASSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		return err_openssl(e, "RSASSA padding");
	if (sig->sigAlg == TPM2_ALG_RSAPSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) <= 0))
		return err_openssl(e, "RSAPSS padding");
	return 0;
}

int
tpm_signature_verify(EVP_PKEY *key, const TPMT_PUBLIC *pub,
    const TPMT_SIGNATURE *sig, const uint8_t *msg, size_t len,
    struct errbuf *e)
{
	uint8_t sigbuf[TPM2_MAX_RSA_KEY_BYTES + TPM_SIG_ECDSA_DER_MAX];
	const struct hashalg *hash;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx;
	size_t siglen;
	char desc[32];
	int rc = -1, v;

	tpm_signature_describe(sig, desc, sizeof(desc));
	if (!sig_alg_verifiable(sig->sigAlg))
		return err_set(e, "signature scheme %s cannot be verified for a "
		    "quote (RSASSA, RSAPSS and ECDSA can)", desc);
	hash = tpm_signature_hash(sig);
	if (hash == NULL || hashalg_md(hash) == NULL)
		return err_set(e, "signature %s: hash not supported", desc);
	if (pub != NULL && tpm_signature_check_key_scheme(pub, sig, e) != 0)
		return -1;
	if (key_fits(key, sig, e) != 0 ||
	    signature_bytes(sig, sigbuf, sizeof(sigbuf), &siglen, e) != 0)
		return -1;
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "EVP_MD_CTX_new");
	if (EVP_DigestVerifyInit(mctx, &pctx, hashalg_md(hash), NULL,
	    key) != 1) {
		err_openssl(e, "signature verification setup");
		goto out;
	}
	if (set_padding(pctx, sig, e) != 0)
		goto out;
	v = EVP_DigestVerify(mctx, sigbuf, siglen, msg, len);
	if (v == 1)
		rc = 0;
	else {
		err_openssl(e, "verify");
		err_set(e, "%s signature does not verify with this key", desc);
	}
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}
