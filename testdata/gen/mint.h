/*
 * mint.h - mint evidence bundles without a TPM, for tests and benchmarks
 * (testdata/gen/gen_evidence.c, tests/unit/verify_test_judge.c).
 *
 * A software P-256 key stands in for the AK. It is described by the
 * TPMT_PUBLIC a TPM gives a restricted ECDSA-SHA256 signing key (fixedTPM,
 * fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign; nameAlg
 * SHA-256), so its Name is computed exactly as for a real AK. The bundle
 * holds a real TPMS_ATTEST marshaled with libtss2-mu (magic, type quote,
 * qualifiedSigner = QN of the AK as a primary key of the endorsement
 * hierarchy, extraData = the nonce, clock info, firmware, selection,
 * pcrDigest) signed by that key as a TPMT_SIGNATURE; pcrs.bin (tpm2-tools
 * marshaled) holding exactly the quoted selection, where PCR 10 of every
 * bank is the per-bank replay of the IMA log and every other PCR a fixed
 * value H("pcr" || index); the IMA log; and a MANIFEST signed by the same
 * key (manifest_sign_pkey). Tampering knobs make the bad bundles the
 * verifier's tests need.
 *
 * IMA logs here are ima-ng lists, little-endian, SHA-1 template column
 * (binary_runtime_measurements of an x86 kernel). mint_log_* edit them
 * record by record so reordered, extended, shortened and changed logs can
 * be built from one another.
 *
 * Header-only (every tool under testdata/gen/ is its own program): all
 * functions are static. Errors follow format/err.h. Buffers handed out
 * are malloc'd (free()).
 */
#ifndef DOSSIER_TESTDATA_MINT_H
#define DOSSIER_TESTDATA_MINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "format/bundle.h"
#include "format/hashalg.h"
#include "format/ima_log.h"
#include "format/ima_replay.h"
#include "format/manifest.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"

#define MINT_FN		static __attribute__((unused))
#define MINT_LOG_MAX	((size_t)64 << 20)	/* logs we edit */
#define MINT_RECORDS_MAX 65536
#define MINT_COLLECTOR	"gen_evidence (test)"
#define MINT_MT_IMA	"application/vnd.dossier.ima-binary; digest=sha1; " \
			"byteorder=little"

/* ---- the software AK ------------------------------------------------------ */

struct mint_ak {
	EVP_PKEY *key;				/* owned */
	uint8_t pub2b[TPM_PUBLIC_MAX_BYTES + 2];	/* TPM2B_PUBLIC */
	size_t pub2b_len;
	struct tpm_public pub;
	struct tpm_name name;
};

static int
mint_bn32(EVP_PKEY *k, const char *param, TPM2B_ECC_PARAMETER *out,
    struct errbuf *e)
{
	BIGNUM *bn = NULL;
	int ok;

	ok = EVP_PKEY_get_bn_param(k, param, &bn) == 1 &&
	    BN_bn2binpad(bn, out->buffer, 32) == 32;
	BN_free(bn);
	if (!ok)
		return err_set(e, "the AK key is not a P-256 key");
	out->size = 32;
	return 0;
}

/* Take key (or a new P-256 key if NULL) as the AK; free with mint_ak_free. */
MINT_FN int
mint_ak_init(struct mint_ak *ak, EVP_PKEY *key, struct errbuf *e)
{
	TPMT_PUBLIC p;
	size_t off = 2;

	memset(ak, 0, sizeof(*ak));
	if (key == NULL &&
	    (key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return err_openssl(e, "generate the AK key");
	ak->key = key;
	memset(&p, 0, sizeof(p));
	p.type = TPM2_ALG_ECC;
	p.nameAlg = TPM2_ALG_SHA256;
	p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
	    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	if (mint_bn32(key, OSSL_PKEY_PARAM_EC_PUB_X, &p.unique.ecc.x, e) ||
	    mint_bn32(key, OSSL_PKEY_PARAM_EC_PUB_Y, &p.unique.ecc.y, e))
		return -1;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, ak->pub2b, sizeof(ak->pub2b),
	    &off) != 0)
		return err_set(e, "marshal the AK public area");
	ak->pub2b[0] = (uint8_t)((off - 2) >> 8);
	ak->pub2b[1] = (uint8_t)(off - 2);
	ak->pub2b_len = off;
	if (tpm_public_parse_2b(ak->pub2b, off, &ak->pub, e) == -1 ||
	    tpm_public_name(&ak->pub, &ak->name, e) == -1)
		return err_prefix(e, "AK");
	return 0;
}

MINT_FN void
mint_ak_free(struct mint_ak *ak)
{
	EVP_PKEY_free(ak->key);
	ak->key = NULL;
}

/* ---- IMA logs ------------------------------------------------------------- */

struct mint_log {
	uint8_t *data;
	size_t len;
};

static int
mint_log_put(struct mint_log *l, const void *p, size_t n, struct errbuf *e)
{
	uint8_t *d;

	if (l->len + n > MINT_LOG_MAX)
		return err_set(e, "log over %zu bytes", MINT_LOG_MAX);
	if ((d = realloc(l->data, l->len + n + 1)) == NULL)
		return err_set(e, "out of memory");
	l->data = d;
	memcpy(d + l->len, p, n);
	l->len += n;
	return 0;
}

static int
mint_log_u32(struct mint_log *l, uint32_t v, struct errbuf *e)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	return mint_log_put(l, b, 4, e);
}

/*
 * Append an ima-ng record: PCR 10, file digest sha256(content) (or digest
 * if not NULL, 32 bytes), the path, and the SHA-1 template hash column.
 */
MINT_FN int
mint_log_add(struct mint_log *l, const char *path, const char *content,
    const uint8_t *digest, struct errbuf *e)
{
	static const char alg[] = "sha256:";
	uint8_t td[8 + sizeof(alg) + 32 + 4096 + 1], col[20], fd[32];
	size_t plen = strlen(path) + 1, n = 0, dlen = sizeof(alg) + 32;

	if (plen > 4096)
		return err_set(e, "path too long");
	if (digest == NULL)
		EVP_Digest(content, strlen(content), fd, NULL, EVP_sha256(),
		    NULL);
	else
		memcpy(fd, digest, 32);
	td[n++] = (uint8_t)dlen; td[n++] = 0; td[n++] = 0; td[n++] = 0;
	memcpy(td + n, alg, sizeof(alg));	/* with its NUL */
	n += sizeof(alg);
	memcpy(td + n, fd, 32);
	n += 32;
	td[n++] = (uint8_t)plen; td[n++] = (uint8_t)(plen >> 8);
	td[n++] = 0; td[n++] = 0;
	memcpy(td + n, path, plen);
	n += plen;
	EVP_Digest(td, n, col, NULL, EVP_sha1(), NULL);
	if (mint_log_u32(l, 10, e) || mint_log_put(l, col, 20, e) ||
	    mint_log_u32(l, 6, e) || mint_log_put(l, "ima-ng", 6, e) ||
	    mint_log_u32(l, (uint32_t)n, e) || mint_log_put(l, td, n, e))
		return -1;
	return 0;
}

/* Records of a log: offset and size of each. */
struct mint_spans {
	size_t n;
	size_t off[MINT_RECORDS_MAX];
	size_t len[MINT_RECORDS_MAX];
	size_t digest_at[MINT_RECORDS_MAX];	/* file digest, 0 if none */
	size_t digest_len[MINT_RECORDS_MAX];
};

static int
mint_log_spans(const uint8_t *log, size_t len, struct mint_spans *s,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record r;
	size_t pos = 0, need;

	ima_parser_init(&p, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	s->n = 0;
	while (pos < len) {
		if (ima_parse_record(&p, log + pos, len - pos, &r, &need, e) !=
		    IMA_PARSE_RECORD)
			return err_prefix(e, "IMA log");
		if (s->n == MINT_RECORDS_MAX)
			return err_set(e, "IMA log: too many records");
		s->off[s->n] = pos;
		s->len[s->n] = r.size;
		s->digest_at[s->n] = r.file_digest != NULL ?
		    (size_t)(r.file_digest - log) : 0;
		s->digest_len[s->n] = r.file_digest_len;
		s->n++;
		pos += r.size;
	}
	return 0;
}

/*
 * Edit a log into a new one (*out, malloc'd): the records in the order of
 * order[0..n) (indices into the input; an index may repeat or be left
 * out), and record change (if < SIZE_MAX, an index into the input) with
 * the last byte of its file digest flipped and its column recomputed.
 */
MINT_FN int
mint_log_edit(const uint8_t *log, size_t len, const size_t *order, size_t n,
    size_t change, struct mint_log *out, struct errbuf *e)
{
	static struct mint_spans s;
	uint8_t *rec;
	size_t i, k, hdr;

	memset(out, 0, sizeof(*out));
	if (mint_log_spans(log, len, &s, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((k = order[i]) >= s.n)
			return err_set(e, "record %zu: the log has %zu", k, s.n);
		if (mint_log_put(out, log + s.off[k], s.len[k], e) == -1)
			return -1;
		if (k != change)
			continue;
		if (s.digest_len[k] == 0)
			return err_set(e, "record %zu has no file digest", k);
		rec = out->data + out->len - s.len[k];
		rec[s.digest_at[k] - s.off[k] + s.digest_len[k] - 1] ^= 0x01;
		/* pcr, column, name length, name, data length, data */
		hdr = 4 + 20 + 4 + ((size_t)rec[24] | (size_t)rec[25] << 8) + 4;
		EVP_Digest(rec + hdr, s.len[k] - hdr, rec + 4, NULL,
		    EVP_sha1(), NULL);
	}
	return 0;
}

/* Entries in a log (0 for an empty one), or -1. */
MINT_FN long
mint_log_count(const uint8_t *log, size_t len, struct errbuf *e)
{
	static struct mint_spans s;

	if (mint_log_spans(log, len, &s, e) == -1)
		return -1;
	return (long)s.n;
}

/* Byte length of the first n records of a log (to truncate it), or -1. */
MINT_FN long
mint_log_prefix_len(const uint8_t *log, size_t len, size_t n,
    struct errbuf *e)
{
	static struct mint_spans s;

	if (mint_log_spans(log, len, &s, e) == -1)
		return -1;
	if (n > s.n)
		return err_set(e, "the log has only %zu records", s.n);
	return n == s.n ? (long)len : (long)s.off[n];
}

/* ---- evidence ------------------------------------------------------------- */

struct mint_spec {
	const struct mint_ak *ak;	/* signs the quote (and the manifest) */
	EVP_PKEY *manifest_key;		/* NULL: ak->key; else a wrong key */
	const uint8_t *ek_crt;		/* member ek.crt; device id = SHA-256 */
	size_t ek_crt_len;
	const uint8_t *ek_pub;		/* member ek.pub */
	size_t ek_pub_len;
	uint8_t challenge_id[16];
	uint8_t nonce[32];		/* quote extraData */
	TPML_PCR_SELECTION sel;		/* quoted selection */
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint64_t firmware;
	const uint8_t *ima;		/* log PCR 10 is computed from; NULL: */
	size_t ima_len;			/* no ima.log member, PCR 10 zero */
	size_t ima_quoted;		/* bytes PCR 10 covers; 0 = all */
	size_t ima_carried;		/* bytes of it carried; 0 = all */
	const uint8_t *ima_member;	/* not NULL: carry this log instead */
	size_t ima_member_len;
	const char *bank_alg;		/* not NULL: member ima-<alg>.log */
	const uint8_t *bank_list;	/* its content (carried as given; */
	size_t bank_list_len;		/* PCR 10 comes from ima only) */
	int flip_pcr;			/* -1; else PCR whose value in pcrs.bin
					 * is flipped after the quote */
	const char *tamper_member;	/* flip its last byte after signing */
	const char *garbage_member;	/* replace its content with garbage
					 * BEFORE signing (a signed bad member) */
	bool extra_member;		/* a tar entry the manifest omits */
	int64_t created;
	const uint8_t *uefi;		/* member uefi.log; NULL: none */
	size_t uefi_len;
	/* not NULL: the quoted values of the PCRs it has (a UEFI log's
	 * replay), instead of H("pcr" || i) */
	const struct pcr_set *uefi_pcrs;
};

MINT_FN void
mint_spec_init(struct mint_spec *s, const struct mint_ak *ak)
{
	memset(s, 0, sizeof(*s));
	s->ak = ak;
	s->flip_pcr = -1;
	s->clock = 1000000;
	s->reset_count = 1;
	s->firmware = 0x2023012500000000ull;
	s->created = 1700000000;
}

/*
 * The reference PCR values an enrollment would have recorded for a device
 * whose bundles mint_evidence() makes: PCRs 0..23 of sha1 and sha256,
 * H("pcr" || i) (PCR 10 too: a carried IMA log judges it instead).
 */
MINT_FN int
mint_ref_pcrs(struct pcr_set *set, struct errbuf *e)
{
	static const char *const banks[] = { "sha1", "sha256" };
	uint8_t v[HASHALG_MAX_SIZE], in[4];
	unsigned pcr;
	size_t i;

	pcr_set_init(set);
	for (i = 0; i < 2; i++)
		for (pcr = 0; pcr < 24; pcr++) {
			memcpy(in, "pcr", 3);
			in[3] = (uint8_t)pcr;
			if (hashalg_digest(hashalg_by_name(banks[i]), in, 4,
			    v) == -1 || pcr_set_put(set,
			    hashalg_by_name(banks[i]), pcr, v, e) == -1)
				return err_set(e, "reference PCRs");
		}
	return 0;
}

/* PCR values: PCR 10 the replay of the log, those of uefi_pcrs as given,
 * others H("pcr" || i). */
static int
mint_pcr_values(const struct mint_spec *s, struct pcr_set *set,
    struct errbuf *e)
{
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	static struct ima_replay rp;
	struct ima_parser p;
	struct ima_record r;
	uint8_t v[HASHALG_MAX_SIZE], in[8];
	size_t i, nb = 0, pos = 0, need, end;
	unsigned pcr;
	bool ok;
	int rc = -1;

	pcr_set_init(set);
	for (i = 0; i < s->sel.count && nb < IMA_REPLAY_MAX_BANKS; i++)
		if ((banks[nb] = hashalg_by_tpm(s->sel.pcrSelections[i].hash))
		    == NULL)
			return err_set(e, "bank 0x%04x unknown",
			    s->sel.pcrSelections[i].hash);
		else
			nb++;
	if (ima_replay_init(&rp, banks, nb, IMA_REPLAY_PER_BANK,
	    hashalg_by_name("sha1"), e) == -1)
		return -1;
	ima_parser_init(&p, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	end = s->ima_quoted ? s->ima_quoted : s->ima_len;
	while (s->ima != NULL && pos < end) {
		if (ima_parse_record(&p, s->ima + pos, end - pos, &r,
		    &need, e) != IMA_PARSE_RECORD ||
		    ima_replay_record(&rp, &r, &ok, e) == -1)
			goto out;
		pos += r.size;
	}
	for (i = 0; i < nb; i++)
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if (!tpm_selection_has(&s->sel.pcrSelections[i], pcr))
				continue;
			if (pcr == 10) {
				memcpy(v, ima_replay_pcr(&rp, i,
				    IMA_MODE_PER_BANK, 10), banks[i]->size);
			} else if (s->uefi_pcrs != NULL && pcr_set_get(
			    s->uefi_pcrs, banks[i], pcr) != NULL) {
				memcpy(v, pcr_set_get(s->uefi_pcrs, banks[i],
				    pcr), banks[i]->size);
			} else {
				memcpy(in, "pcr", 3);
				in[3] = (uint8_t)pcr;
				hashalg_digest(banks[i], in, 4, v);
			}
			if (pcr_set_put(set, banks[i], pcr, v, e) == -1)
				goto out;
		}
	rc = 0;
out:
	ima_replay_free(&rp);
	return rc;
}

/* pcrs.bin: TPML_PCR_SELECTION || u32 n || n x TPML_DIGEST (<= 8 each). */
static int
mint_pcrs_bin(const struct pcr_set *set, const TPML_PCR_SELECTION *sel,
    uint8_t *out, size_t cap, size_t *len, struct errbuf *e)
{
	TPML_DIGEST d[TPM2_NUM_PCR_BANKS * PCR_COUNT / 8 + 1];
	const struct hashalg *alg;
	const uint8_t *v;
	size_t off = 0, nd = 0, i;
	unsigned pcr;

	memset(d, 0, sizeof(d));
	for (i = 0; i < sel->count; i++) {
		alg = hashalg_by_tpm(sel->pcrSelections[i].hash);
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if (!tpm_selection_has(&sel->pcrSelections[i], pcr))
				continue;
			if ((v = pcr_set_get(set, alg, pcr)) == NULL)
				return err_set(e, "no value for PCR %u", pcr);
			if (d[nd].count == 8)
				nd++;
			d[nd].digests[d[nd].count].size = (UINT16)alg->size;
			memcpy(d[nd].digests[d[nd].count].buffer, v,
			    alg->size);
			d[nd].count++;
		}
	}
	if (d[0].count > 0)
		nd++;
	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(sel, out, cap, &off) != 0 ||
	    Tss2_MU_UINT32_Marshal((UINT32)nd, out, cap, &off) != 0)
		return err_set(e, "marshal pcrs.bin");
	for (i = 0; i < nd; i++)
		if (Tss2_MU_TPML_DIGEST_Marshal(&d[i], out, cap, &off) != 0)
			return err_set(e, "marshal pcrs.bin");
	*len = off;
	return 0;
}

/* quote.attest (bare TPMS_ATTEST) and quote.sig (TPMT_SIGNATURE). */
static int
mint_quote(const struct mint_spec *s, const struct pcr_set *set,
    uint8_t *att_out, size_t *att_len, uint8_t *sig_out, size_t *sig_len,
    struct errbuf *e)
{
	struct tpm_name ehq, qn;
	struct tpm_sig_scheme scheme;
	TPMS_ATTEST a;
	TPMT_SIGNATURE sig;
	EVP_MD_CTX *ctx;
	uint8_t der[TPM_SIG_ECDSA_DER_MAX + 16];
	size_t dlen = sizeof(der), off = 0, plen;

	memset(&a, 0, sizeof(a));
	a.magic = TPM2_GENERATED_VALUE;
	a.type = TPM2_ST_ATTEST_QUOTE;
	tpm_hierarchy_qn(TPM2_RH_ENDORSEMENT, &ehq);
	if (tpm_qualified_name(&ehq, &s->ak->name, &qn, e) == -1)
		return -1;
	a.qualifiedSigner.size = (UINT16)qn.len;
	memcpy(a.qualifiedSigner.name, qn.b, qn.len);
	a.extraData.size = 32;
	memcpy(a.extraData.buffer, s->nonce, 32);
	a.clockInfo.clock = s->clock;
	a.clockInfo.resetCount = s->reset_count;
	a.clockInfo.restartCount = s->restart_count;
	a.clockInfo.safe = TPM2_YES;
	a.firmwareVersion = s->firmware;
	a.attested.quote.pcrSelect = s->sel;
	if (pcr_set_digest(set, &s->sel, hashalg_by_name("sha256"),
	    a.attested.quote.pcrDigest.buffer, &plen, e) == -1)
		return -1;
	a.attested.quote.pcrDigest.size = (UINT16)plen;
	if (Tss2_MU_TPMS_ATTEST_Marshal(&a, att_out, TPM_ATTEST_MAX_BYTES,
	    &off) != 0)
		return err_set(e, "marshal TPMS_ATTEST");
	*att_len = off;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return err_set(e, "out of memory");
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    s->ak->key) != 1 ||
	    EVP_DigestSign(ctx, der, &dlen, att_out, off) != 1) {
		EVP_MD_CTX_free(ctx);
		return err_openssl(e, "sign the quote");
	}
	EVP_MD_CTX_free(ctx);
	if (tpm_sig_scheme_parse("ecdsa-sha256", &scheme, e) == -1 ||
	    tpm_signature_from_raw(&scheme, der, dlen, &sig, e) == -1)
		return -1;
	off = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sig_out, TPM_SIG_MAX_BYTES,
	    &off) != 0)
		return err_set(e, "marshal TPMT_SIGNATURE");
	*sig_len = off;
	return 0;
}

/* The evidence bundle of s into *out (malloc'd). */
MINT_FN int
mint_evidence(const struct mint_spec *s, uint8_t **out, size_t *out_len,
    struct errbuf *e)
{
	static struct manifest m;
	static struct pcr_set set;
	static uint8_t pcrs[8192];
	uint8_t att[TPM_ATTEST_MAX_BYTES], sig[TPM_SIG_MAX_BYTES], *file = NULL;
	uint8_t *copy[BUNDLE_MEMBERS_MAX] = { 0 };
	struct bundle_input in[BUNDLE_MEMBERS_MAX + 1];
	size_t n = 0, i, pcrs_len = 0, att_len = 0, sig_len = 0, file_len;
	const struct hashalg *alg;
	char bank_name[BUNDLE_MEMBER_NAME_MAX + 1];
	char bank_mt[BUNDLE_MEDIA_TYPE_MAX + 1];
	uint8_t *v;
	int rc = -1;

	*out = NULL;
	if (mint_pcr_values(s, &set, e) == -1 ||
	    mint_quote(s, &set, att, &att_len, sig, &sig_len, e) == -1)
		return -1;
	if (s->flip_pcr >= 0) {
		alg = hashalg_by_tpm(s->sel.pcrSelections[0].hash);
		v = (uint8_t *)pcr_set_get(&set, alg, (unsigned)s->flip_pcr);
		if (v == NULL)
			return err_set(e, "PCR %d is not quoted", s->flip_pcr);
		v[0] ^= 0x01;
	}
	if (mint_pcrs_bin(&set, &s->sel, pcrs, sizeof(pcrs), &pcrs_len, e))
		return -1;
#define MINT_IN(nm, mt, d, l) do { in[n].name = (nm); \
	in[n].media_type = (mt); in[n].data = (d); in[n].len = (l); n++; \
	} while (0)
	MINT_IN("ek.crt", "application/pkix-cert", s->ek_crt, s->ek_crt_len);
	MINT_IN("ek.pub", "application/vnd.dossier.tpm2b-public", s->ek_pub,
	    s->ek_pub_len);
	MINT_IN("ak.pub", "application/vnd.dossier.tpm2b-public",
	    s->ak->pub2b, s->ak->pub2b_len);
	MINT_IN("pcrs.bin", "application/vnd.dossier.tpm2-pcrs", pcrs,
	    pcrs_len);
	MINT_IN("quote.attest", "application/vnd.dossier.tpms-attest", att,
	    att_len);
	MINT_IN("quote.sig", "application/vnd.dossier.tpmt-signature", sig,
	    sig_len);
	if (s->ima_member != NULL)
		MINT_IN("ima.log", MINT_MT_IMA, s->ima_member,
		    s->ima_member_len);
	else if (s->ima != NULL)
		MINT_IN("ima.log", MINT_MT_IMA, s->ima,
		    s->ima_carried ? s->ima_carried : s->ima_len);
	if (s->bank_alg != NULL) {
		snprintf(bank_name, sizeof(bank_name), "ima-%s.log",
		    s->bank_alg);
		snprintf(bank_mt, sizeof(bank_mt), "application/vnd.dossier."
		    "ima-binary; digest=%s; byteorder=little", s->bank_alg);
		MINT_IN(bank_name, bank_mt, s->bank_list, s->bank_list_len);
	}
	if (s->uefi != NULL)
		MINT_IN("uefi.log", "application/vnd.dossier.tcg-pfp-log",
		    s->uefi, s->uefi_len);
#undef MINT_IN
	for (i = 0; s->garbage_member != NULL && i < n; i++)
		if (strcmp(in[i].name, s->garbage_member) == 0) {
			in[i].data = (const uint8_t *)"\x01\x02garbage\xff";
			in[i].len = 10;
		}
	memset(&m, 0, sizeof(m));
	m.kind = MANIFEST_EVIDENCE;
	EVP_Digest(s->ek_crt, s->ek_crt_len, m.device_id, NULL, EVP_sha256(),
	    NULL);
	m.ak_name = s->ak->name;
	m.ak_location = MANIFEST_AK_PRIMARY;
	m.has_challenge_id = true;
	memcpy(m.challenge_id, s->challenge_id, 16);
	m.created = s->created;
	snprintf(m.collector, sizeof(m.collector), "%s", MINT_COLLECTOR);
	if (bundle_members_compute(in, n, m.members, e) == -1)
		return -1;
	m.n_members = n;
	if (manifest_sign_pkey(&m, COSE_ALG_ES256, s->manifest_key != NULL ?
	    s->manifest_key : s->ak->key, &file, &file_len, e) == -1)
		return -1;
	for (i = 0; s->tamper_member != NULL && i < n; i++) {
		if (strcmp(in[i].name, s->tamper_member) != 0 || in[i].len == 0)
			continue;
		if ((copy[i] = malloc(in[i].len)) == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		memcpy(copy[i], in[i].data, in[i].len);
		copy[i][in[i].len - 1] ^= 0x01;
		in[i].data = copy[i];
	}
	if (s->extra_member) {
		in[n].name = "extra.bin";
		in[n].media_type = "application/octet-stream";
		in[n].data = (const uint8_t *)"not listed\n";
		in[n].len = 11;
		n++;
	}
	rc = bundle_write_mem(file, file_len, in, n, s->created, out, out_len,
	    e);
out:
	for (i = 0; i < BUNDLE_MEMBERS_MAX; i++)
		free(copy[i]);
	free(file);
	return rc;
}

#endif
