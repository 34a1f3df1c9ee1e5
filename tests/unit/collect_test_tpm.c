/*
 * collect_test_tpm.c - the collector's TPM operations against a real TPM
 * (swtpm): EK from the TCG templates equal to its NV certificate, AK under
 * the EK, ActivateCredential of our software MakeCredential, quotes checked
 * with format/, signing through a hash sequence checked with OpenSSL,
 * persistence, and nothing left loaded.
 *
 * Needs DOSSIER_TCTI (tests/t_collect_tpm.sh starts swtpm and sets it);
 * without it the test prints a comment and nothing to count. With
 * DOSSIER_TEST_OUT set, it writes each quote's files there for
 * tpm2_checkquote (AK PEM, TPMS_ATTEST, TPMT_SIGNATURE, marshaled PCRs,
 * nonce in hex, selection, serialized PCRs):
 * DIR/NAME.{pem,msg,sig,pcrs,nonce,sel,tpcrs}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "collect/tpm_activate.h"
#include "collect/tpm_ak.h"
#include "collect/tpm_conn.h"
#include "collect/tpm_ek.h"
#include "collect/tpm_nv.h"
#include "collect/tpm_obj.h"
#include "collect/tpm_quote.h"
#include "collect/tpm_sign.h"
#include "format/credential.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "tests/unit/check.h"

static ESYS_CONTEXT *esys;
static const char *outdir;

static void
expect_loaded(size_t transient, const char *when)
{
	struct errbuf e = { "" };
	size_t t = 99, s = 99;
	int rc = tpm_loaded_count(esys, &t, &s, &e);

	CHECK(rc == 0 && t == transient && s == 0,
	    "%s: %zu transient object(s) and no session loaded (got %zu, %zu)",
	    when, transient, t, s);
}

static void
write_file(const char *name, const char *ext, const uint8_t *b, size_t len)
{
	char path[512];
	struct errbuf e;

	if (outdir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.%s", outdir, name, ext);
	if (file_write_atomic(path, b, len, &e) != 0)
		printf("# cannot write %s: %s\n", path, e.msg);
}

static void
write_pem(const char *name, EVP_PKEY *key)
{
	char path[512];
	FILE *f;

	if (outdir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.pem", outdir, name);
	if ((f = fopen(path, "w")) != NULL) {
		PEM_write_PUBKEY(f, key);
		fclose(f);
	}
}

/* The EK of template tname: created, certified, equal to swtpm's own. */
static int
check_ek(const char *tname, uint32_t swtpm_handle, struct tpm_ek *ek)
{
	const struct tpm_ek_template *t = tpm_ek_template_by_name(tname);
	struct tpm_ek other, pers;
	struct tpm_public from_cert;
	struct errbuf e = { "" };
	int rc;

	CHECK(t != NULL, "%s: template known", tname);
	if (t == NULL)
		return -1;
	err_clear(&e);
	rc = tpm_ek_create(esys, t, ek, &e);
	CHECK(rc == 0, "%s: EK created (%s)", tname, e.msg);
	if (rc != 0)
		return -1;
	err_clear(&e);
	rc = tpm_ek_read_cert(esys, t->cert_nv, ek, &e);
	CHECK(rc == 0 && ek->has_cert,
	    "%s: certificate at 0x%08x certifies the created EK (%s)", tname,
	    t->cert_nv, e.msg);
	CHECK(t->high_range == ((ek->key.pub.pub.objectAttributes &
	    TPMA_OBJECT_USERWITHAUTH) != 0),
	    "%s: userWithAuth set only for the high range", tname);
	if (!t->high_range && ek->has_cert) {
		/* format/ builds the low-range template from the key alone. */
		err_clear(&e);
		rc = tpm_public_from_ek_pkey(ek->cert.pkey, &from_cert, NULL, &e);
		CHECK(rc == 0 && from_cert.raw_len == ek->key.pub.raw_len &&
		    memcmp(from_cert.raw, ek->key.pub.raw,
		    from_cert.raw_len) == 0,
		    "%s: created EK public area equals tpm_public_from_ek_pkey "
		    "of the certificate key", tname);
	}
	/* swtpm_setup made and persisted the same EK: same Name. */
	err_clear(&e);
	rc = tpm_ek_open_persistent(esys, swtpm_handle, &pers, &e);
	CHECK(rc == 0 && pers.tmpl == t && pers.key.name.len == ek->key.name.len &&
	    memcmp(pers.key.name.b, ek->key.name.b, ek->key.name.len) == 0,
	    "%s: created EK has the Name of swtpm_setup's EK at 0x%08x (%s)",
	    tname, swtpm_handle, e.msg);
	tpm_ek_close(esys, &pers);
	/* The other template's certificate does not certify this EK. */
	tpm_ek_init(&other);
	other.key = ek->key;
	err_clear(&e);
	rc = tpm_ek_read_cert(esys, strcmp(tname, "rsa2048") == 0 ?
	    0x01c00016 : 0x01c00002, &other, &e);
	CHECK(rc != 0 && strstr(e.msg, "is not the EK's") != NULL,
	    "%s: another EK's certificate is refused (%s)", tname, e.msg);
	other.key.tr = ESYS_TR_NONE;
	tpm_ek_close(esys, &other);
	return 0;
}

static void
check_ak_names(const char *tname, const struct tpm_ek *ek,
    const struct tpm_ak *ak)
{
	struct tpm_name hier, ek_qn, ak_qn;
	struct errbuf e = { "" };
	int rc;

	err_clear(&e);
	rc = tpm_public_check_ak(&ak->key.pub, &e);
	CHECK(rc == 0, "%s: AK passes tpm_public_check_ak (%s)", tname, e.msg);
	CHECK(ak->key.pub.pub.objectAttributes == TPM_AK_ATTRIBUTES,
	    "%s: AK attributes 0x%08x", tname, TPM_AK_ATTRIBUTES);
	tpm_hierarchy_qn(0x4000000B, &hier);
	err_clear(&e);
	rc = tpm_qualified_name(&hier, &ek->key.name, &ek_qn, &e) |
	    tpm_qualified_name(&ek_qn, &ak->key.name, &ak_qn, &e);
	CHECK(rc == 0 && ak_qn.len == ak->qn.len &&
	    memcmp(ak_qn.b, ak->qn.b, ak_qn.len) == 0,
	    "%s: AK Qualified Name = H(QN(EK) || Name(AK))", tname);
}

static void
check_activate(const char *tname, const struct tpm_ek *ek,
    const struct tpm_ak *ak)
{
	uint8_t secret[32], got[TPM_ACTIVATE_SECRET_MAX];
	uint8_t file[CREDENTIAL_FILE_MAX];
	struct credential cred;
	struct errbuf e = { "" };
	size_t flen = 0, glen = 0, i;
	int rc;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xa0 + i);
	err_clear(&e);
	rc = credential_make(&ek->key.pub, &ak->key.name, secret,
	    sizeof(secret), &cred, &e) |
	    credential_file_encode(&cred, file, sizeof(file), &flen, &e);
	CHECK(rc == 0, "%s: software MakeCredential (%s)", tname, e.msg);
	err_clear(&e);
	rc = tpm_activate_file(esys, ak, ek, file, flen, got, sizeof(got),
	    &glen, &e);
	CHECK(rc == 0 && glen == sizeof(secret) &&
	    memcmp(got, secret, glen) == 0,
	    "%s: ActivateCredential recovers the secret (%s)", tname, e.msg);
	expect_loaded(2, "after ActivateCredential");
	/* Made for another Name (the EK's): the TPM refuses. */
	err_clear(&e);
	rc = credential_make(&ek->key.pub, &ek->key.name, secret,
	    sizeof(secret), &cred, &e);
	rc = rc == 0 ? tpm_activate(esys, ak, ek, &cred, got, sizeof(got),
	    &glen, &e) : 0;
	CHECK(rc != 0 && strstr(e.msg, "TPM2_ActivateCredential") != NULL,
	    "%s: credential for another Name is refused (%s)", tname, e.msg);
	expect_loaded(2, "after a refused ActivateCredential");
	file[flen - 1] ^= 1;
	err_clear(&e);
	rc = tpm_activate_file(esys, ak, ek, file, flen, got, sizeof(got),
	    &glen, &e);
	CHECK(rc != 0, "%s: tampered credential file is refused (%s)", tname,
	    e.msg);
	err_clear(&e);
	rc = tpm_activate_file(esys, ak, ek, file, 5, got, sizeof(got),
	    &glen, &e);
	CHECK(rc != 0 && strstr(e.msg, "credential file") != NULL,
	    "%s: truncated credential file is refused (%s)", tname, e.msg);
}

static void
check_quote(const char *name, const struct tpm_ak *ak, const char *spec)
{
	static struct tpm_quote q;
	static struct tpm_attest a;
	static struct pcr_set parsed, parsed2;
	static uint8_t ser[TPM_PCRS_SERIALIZED_MAX];
	size_t serlen = 0;
	TPML_PCR_SELECTION sel;
	TPMT_SIGNATURE sig;
	EVP_PKEY *key = NULL;
	struct errbuf e = { "" };
	enum pcr_file_format fmt;
	uint8_t nonce[20], d[HASHALG_MAX_SIZE];
	char hex[2 * sizeof(nonce) + 1];
	size_t dlen = 0, i, b;
	unsigned pcr;
	int rc, same;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(i * 7 + name[0]);
	err_clear(&e);
	rc = tpm_selection_from_spec(spec, &sel, &e);
	CHECK(rc == 0, "%s: selection %s", name, spec);
	err_clear(&e);
	rc = tpm_quote_pcrs(esys, ak, &sel, nonce, sizeof(nonce), &q, &e);
	CHECK(rc == 0, "%s: quote over %s (%s)", name, spec, e.msg);
	if (rc != 0)
		return;
	err_clear(&e);
	rc = tpm_attest_parse(q.attest, q.attest_len, &a, &e) |
	    tpm_signature_parse(q.sig, q.sig_len, &sig, &e) |
	    tpm_public_to_pkey(&ak->key.pub, &key, &e);
	CHECK(rc == 0, "%s: quote and signature parse (%s)", name, e.msg);
	if (rc != 0)
		goto done;
	err_clear(&e);
	rc = tpm_signature_verify(key, &ak->key.pub.pub, &sig, q.attest,
	    q.attest_len, &e);
	CHECK(rc == 0, "%s: quote signature verifies with the AK (%s)", name,
	    e.msg);
	q.attest[q.attest_len - 1] ^= 1;
	err_clear(&e);
	rc = tpm_signature_verify(key, &ak->key.pub.pub, &sig, q.attest,
	    q.attest_len, &e);
	CHECK(rc != 0, "%s: tampered quote fails verification", name);
	q.attest[q.attest_len - 1] ^= 1;
	CHECK(a.att.qualifiedSigner.size == ak->qn.len &&
	    memcmp(a.att.qualifiedSigner.name, ak->qn.b, ak->qn.len) == 0,
	    "%s: qualifiedSigner equals our AK Qualified Name", name);
	CHECK(a.att.extraData.size == sizeof(nonce) &&
	    memcmp(a.att.extraData.buffer, nonce, sizeof(nonce)) == 0,
	    "%s: extraData is the nonce", name);
	err_clear(&e);
	rc = pcr_set_digest(&q.pcrs.values, &a.att.attested.quote.pcrSelect,
	    tpm_signature_hash(&sig), d, &dlen, &e);
	CHECK(rc == 0 && dlen == a.att.attested.quote.pcrDigest.size &&
	    memcmp(d, a.att.attested.quote.pcrDigest.buffer, dlen) == 0,
	    "%s: pcrDigest equals pcr_set_digest over our PCR read", name);
	err_clear(&e);
	rc = pcr_set_parse(q.pcrs.marshaled, q.pcrs.marshaled_len, &parsed,
	    &fmt, &e);
	same = rc == 0 && fmt == PCR_FILE_TPM2_MARSHALED;
	for (i = 0; same && i < sel.count; i++) {
		const struct hashalg *h = hashalg_by_tpm(sel.pcrSelections[i].hash);
		for (pcr = 0; same && pcr < 24; pcr++) {
			const uint8_t *x, *y;
			if (!tpm_selection_has(&sel.pcrSelections[i], pcr))
				continue;
			x = pcr_set_get(&parsed, h, pcr);
			y = pcr_set_get(&q.pcrs.values, h, pcr);
			same = x != NULL && y != NULL &&
			    memcmp(x, y, h->size) == 0;
		}
	}
	CHECK(same, "%s: marshaled PCR file parses back to the values read "
	    "(%s)", name, e.msg);
	err_clear(&e);
	rc = tpm_pcrs_serialized(&q.pcrs, ser, sizeof(ser), &serlen, &e);
	if (rc == 0)
		rc = pcr_set_parse(ser, serlen, &parsed2, &fmt, &e);
	same = rc == 0 && fmt == PCR_FILE_TPM2_SERIALIZED;
	for (i = 0; same && i < parsed.nbanks; i++)
		same = parsed2.nbanks == parsed.nbanks &&
		    parsed2.banks[i].alg == parsed.banks[i].alg &&
		    parsed2.banks[i].present == parsed.banks[i].present &&
		    memcmp(parsed2.banks[i].values, parsed.banks[i].values,
		    sizeof(parsed.banks[i].values)) == 0;
	CHECK(same, "%s: serialized PCR file parses to the same values (%s)",
	    name, e.msg);
	/* swtpm measures nothing: PCR 0 is zero; PCR 10 was extended by
	 * the wrapper script, so it is not. */
	{
		const uint8_t *p10 = pcr_set_get(&q.pcrs.values,
		    hashalg_by_name("sha256"), 10);
		for (b = 0, same = 0; p10 != NULL && b < 32; b++)
			same |= p10[b] != 0;
		CHECK(p10 != NULL && same, "%s: sha256 PCR 10 read (non-zero)",
		    name);
	}
	write_file(name, "sel", (const uint8_t *)spec, strlen(spec));
	write_file(name, "msg", q.attest, q.attest_len);
	write_file(name, "sig", q.sig, q.sig_len);
	write_file(name, "pcrs", q.pcrs.marshaled, q.pcrs.marshaled_len);
	write_file(name, "tpcrs", ser, serlen);
	hex_encode(nonce, sizeof(nonce), hex);
	write_file(name, "nonce", (const uint8_t *)hex, strlen(hex));
	write_pem(name, key);
done:
	EVP_PKEY_free(key);
}

static void
check_sign(const char *name, const struct tpm_ak *ak)
{
	static uint8_t data[3000];
	static struct tpm_signed s;
	uint8_t der[TPM_SIG_ECDSA_DER_MAX], dig[32];
	const uint8_t *sigp;
	size_t i, siglen = 0, dlen = 0;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md;
	struct errbuf e = { "" };
	int rc, ok1 = 0, ok2 = 1;

	data[0] = 0x84;	/* a COSE Sig_structure starts so */
	for (i = 1; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
	err_clear(&e);
	rc = tpm_sign_data(esys, ak, data, sizeof(data), &s, &e);
	CHECK(rc == 0, "%s: %zu bytes signed through a hash sequence (%s)",
	    name, sizeof(data), e.msg);
	expect_loaded(2, "after signing");
	if (rc != 0)
		return;
	CHECK(hashalg_digest(hashalg_by_name("sha256"), data, sizeof(data),
	    dig) == 0 && s.digest_len == 32 && memcmp(dig, s.digest, 32) == 0,
	    "%s: the TPM's digest is SHA-256 of the data", name);
	if (s.sig.sigAlg == TPM2_ALG_ECDSA) {
		err_clear(&e);
		rc = tpm_signature_ecdsa_der(&s.sig.signature.ecdsa, der, &dlen,
		    &e);
		sigp = der;
		siglen = dlen;
	} else {
		sigp = s.sig.signature.rsassa.sig.buffer;
		siglen = s.sig.signature.rsassa.sig.size;
	}
	if (rc == 0 && tpm_public_to_pkey(&ak->key.pub, &key, &e) == 0 &&
	    (md = EVP_MD_CTX_new()) != NULL) {
		ok1 = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
		    key) == 1 && EVP_DigestVerify(md, sigp, siglen, data,
		    sizeof(data)) == 1;
		EVP_MD_CTX_free(md);
		data[100] ^= 1;
		md = EVP_MD_CTX_new();
		ok2 = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
		    key) == 1 && EVP_DigestVerify(md, sigp, siglen, data,
		    sizeof(data)) == 1;
		EVP_MD_CTX_free(md);
		data[100] ^= 1;
	}
	CHECK(ok1, "%s: OpenSSL verifies the signature over SHA-256(data) "
	    "with the AK key", name);
	CHECK(!ok2, "%s: OpenSSL rejects it over changed data", name);
	EVP_PKEY_free(key);
	memcpy(data, "\xff\x54\x43\x47", 4);
	err_clear(&e);
	rc = tpm_sign_data(esys, ak, data, sizeof(data), &s, &e);
	CHECK(rc != 0 && strstr(e.msg, "FF 54 43 47") != NULL,
	    "%s: data starting with FF 54 43 47 refused (%s)", name, e.msg);
	err_clear(&e);
	rc = tpm_sign_data(esys, ak, data + 4, 3, &s, &e);
	CHECK(rc != 0 && strstr(e.msg, "3 bytes") != NULL,
	    "%s: 3 bytes refused (%s)", name, e.msg);
	expect_loaded(2, "after refused signing");
}

/* Persist the AK, reopen it by handle, use it, load it from its blobs. */
static void
check_persist(const char *tname, const struct tpm_ek *ek, struct tpm_ak *ak)
{
	static uint8_t priv_raw[sizeof(TPM2B_PRIVATE)];
	uint8_t pub2b[TPM_KEY_PUBLIC_2B_MAX];
	struct tpm_ak again, blob;
	TPM2B_PRIVATE priv;
	struct errbuf e = { "" };
	size_t plen = 0, rlen = 0;
	uint32_t h = TPM_AK_DEFAULT_HANDLE;
	int rc;

	err_clear(&e);
	rc = tpm_key_public_2b(&ak->key, pub2b, sizeof(pub2b), &plen, &e) |
	    tpm_ak_private_marshal(&ak->priv, priv_raw, sizeof(priv_raw),
	    &rlen, &e);
	CHECK(rc == 0, "%s: AK blobs marshaled (%s)", tname, e.msg);
	err_clear(&e);
	rc = tpm_key_persist(esys, &ak->key, h, &e);
	CHECK(rc == 0 && ak->key.persistent == h,
	    "%s: AK persisted at 0x%08x (%s)", tname, h, e.msg);
	expect_loaded(1, "after persisting the AK");
	tpm_ak_close(esys, ak);
	err_clear(&e);
	rc = tpm_ak_open_persistent(esys, ek, h, &again, &e);
	CHECK(rc == 0 && again.key.name.len == ak->key.name.len &&
	    memcmp(again.key.name.b, ak->key.name.b, ak->key.name.len) == 0,
	    "%s: persistent AK reopened with the same Name (%s)", tname,
	    e.msg);
	if (rc == 0)
		check_quote("persistent", &again, "sha256:10");
	tpm_ak_close(esys, &again);
	err_clear(&e);
	rc = tpm_key_persist(esys, &again.key, h, &e);
	CHECK(rc != 0, "%s: a closed key cannot be persisted", tname);
	err_clear(&e);
	rc = tpm_evict(esys, h, &e);
	CHECK(rc == 0, "%s: AK evicted (%s)", tname, e.msg);
	err_clear(&e);
	rc = tpm_ak_open_persistent(esys, ek, h, &again, &e);
	CHECK(rc != 0 && strstr(e.msg, "no object") != NULL,
	    "%s: evicted AK is gone (%s)", tname, e.msg);
	err_clear(&e);
	rc = tpm_ak_private_parse(priv_raw, rlen, &priv, &e) |
	    tpm_ak_load(esys, ek, &priv, pub2b, plen, &blob, &e);
	CHECK(rc == 0 && blob.key.name.len == ak->key.name.len &&
	    memcmp(blob.key.name.b, ak->key.name.b, ak->key.name.len) == 0,
	    "%s: AK loaded again from its private/public blobs (%s)", tname,
	    e.msg);
	tpm_ak_close(esys, &blob);
	err_clear(&e);
	rc = tpm_ak_private_parse(priv_raw, rlen + 1, &priv, &e);
	CHECK(rc != 0, "%s: private blob with a trailing byte refused", tname);
}

static void
run_ek(const char *tname, uint32_t swtpm_handle)
{
	struct tpm_ek ek;
	struct tpm_ak ak;
	struct errbuf e = { "" };
	char qname[64];
	int rc;

	if (check_ek(tname, swtpm_handle, &ek) != 0)
		return;
	expect_loaded(1, "after creating the EK");
	err_clear(&e);
	rc = tpm_ak_create(esys, &ek, TPM_AK_RSA2048_RSASSA_SHA256, &ak, &e);
	CHECK(rc == 0, "%s: RSA AK created under the EK (%s)", tname, e.msg);
	if (rc == 0) {
		expect_loaded(2, "after creating the AK");
		check_ak_names(tname, &ek, &ak);
		check_activate(tname, &ek, &ak);
		snprintf(qname, sizeof(qname), "%s-rsa", tname);
		check_quote(qname, &ak, "sha1:10+sha256:0,10");
		snprintf(qname, sizeof(qname), "%s-all", tname);
		check_quote(qname, &ak, "sha1:0-23+sha256:0-23");
		check_sign(tname, &ak);
		check_persist(tname, &ek, &ak);
	}
	tpm_ak_close(esys, &ak);
	err_clear(&e);
	rc = tpm_ak_create(esys, &ek, TPM_AK_P256_ECDSA_SHA256, &ak, &e);
	CHECK(rc == 0, "%s: ECC AK created under the EK (%s)", tname, e.msg);
	if (rc == 0) {
		check_ak_names(tname, &ek, &ak);
		snprintf(qname, sizeof(qname), "%s-ecc", tname);
		check_quote(qname, &ak, "sha1:10+sha256:0,10");
		check_sign(qname, &ak);
	}
	tpm_ak_close(esys, &ak);
	tpm_ek_close(esys, &ek);
	expect_loaded(0, "after closing EK and AK");
}

/* The chain must hold the files of $DOSSIER_TEST_CHAIN (':'-separated),
 * in order, at 0x01c00100 and up; none when unset. */
static void
check_chain(const struct tpm_ek_chain *c)
{
	char list[1024], *path, *save = NULL;
	const char *env = getenv("DOSSIER_TEST_CHAIN");
	struct errbuf e;
	uint8_t *want;
	size_t n = 0, len;

	if (env == NULL || *env == '\0') {
		CHECK(c->n == 0, "no EK chain in NV");
		return;
	}
	snprintf(list, sizeof(list), "%s", env);
	for (path = strtok_r(list, ":", &save); path != NULL;
	    path = strtok_r(NULL, ":", &save), n++) {
		if (file_read(path, FILEIO_MAX_SMALL, &want, &len, &e) != 0) {
			CHECK(0, "read %s: %s", path, e.msg);
			return;
		}
		CHECK(n < c->n && c->index[n] == 0x01c00100 + n &&
		    c->len[n] == len && memcmp(c->data[n], want, len) == 0,
		    "EK chain certificate %zu (%zu bytes) read whole from NV "
		    "0x%08zx", n, len, (size_t)0x01c00100 + n);
		free(want);
	}
	CHECK(c->n == n, "EK chain has %zu certificates", n);
}

static void
run_find(void)
{
	struct tpm_ek ek, ek2;
	struct tpm_ek_chain chain;
	struct errbuf e = { "" };
	int rc;

	err_clear(&e);
	rc = tpm_ek_find(esys, 0, &ek, &e);
	CHECK(rc == 0 && ek.tmpl == tpm_ek_template_by_name("rsa2048") &&
	    ek.has_cert && ek.cert_nv == 0x01c00002 && ek.key.persistent == 0,
	    "default EK: created RSA-2048 EK certified at 0x01c00002 (%s)",
	    e.msg);
	err_clear(&e);
	rc = tpm_ek_find(esys, TPM_EK_DEFAULT_HANDLE, &ek2, &e);
	CHECK(rc == 0 && ek2.key.persistent == TPM_EK_DEFAULT_HANDLE &&
	    ek2.has_cert && ek2.key.name.len == ek.key.name.len &&
	    memcmp(ek2.key.name.b, ek.key.name.b, ek.key.name.len) == 0,
	    "default EK: the persistent one at 0x81010001 is reused (%s)",
	    e.msg);
	tpm_ek_close(esys, &ek2);
	/* Persist our transient EK elsewhere, reopen, evict. */
	err_clear(&e);
	rc = tpm_key_persist(esys, &ek.key, 0x81010020, &e);
	CHECK(rc == 0, "EK persisted at 0x81010020 (%s)", e.msg);
	tpm_ek_close(esys, &ek);
	err_clear(&e);
	rc = tpm_ek_open_persistent(esys, 0x81010020, &ek, &e);
	CHECK(rc == 0 && ek.tmpl == tpm_ek_template_by_name("rsa2048"),
	    "EK reopened at 0x81010020 matches template rsa2048 (%s)", e.msg);
	tpm_ek_close(esys, &ek);
	err_clear(&e);
	rc = tpm_evict(esys, 0x81010020, &e);
	CHECK(rc == 0, "EK evicted from 0x81010020 (%s)", e.msg);
	err_clear(&e);
	rc = tpm_ek_read_chain(esys, &chain, &e);
	CHECK(rc == 0, "EK chain read (%s)", e.msg);
	check_chain(&chain);
	tpm_ek_chain_free(&chain);
	err_clear(&e);
	rc = tpm_ek_open_persistent(esys, 0x80000001, &ek, &e);
	CHECK(rc != 0 && strstr(e.msg, "not a persistent handle") != NULL,
	    "a non-persistent handle is refused (%s)", e.msg);
	expect_loaded(0, "after finding the EK");
}

int
main(void)
{
	struct tpm_conn c;
	struct errbuf e = { "" };
	const char *tcti = getenv("DOSSIER_TCTI");

	if (tcti == NULL || *tcti == '\0') {
		printf("# DOSSIER_TCTI unset: these TPM tests run from "
		    "tests/t_collect_tpm.sh\n");
		return 0;
	}
	outdir = getenv("DOSSIER_TEST_OUT");
	if (tpm_conn_open(&c, tcti, &e) != 0) {
		CHECK(0, "connect to %s: %s", tcti, e.msg);
		return check_finish();
	}
	esys = c.esys;
	expect_loaded(0, "at the start");
	run_ek("rsa2048", 0x81010001);
	run_ek("ecc384h", 0x81010016);
	run_find();
	tpm_conn_close(&c);
	return check_finish();
}
