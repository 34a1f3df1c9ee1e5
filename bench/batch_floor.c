/*
 * batch_floor.c - the speed floor of judging evidence bundles: the
 * cryptographic work `dossier verify` cannot avoid for each bundle, in a
 * bare loop over bundles already read, unpacked and indexed in memory, on
 * THREADS threads (bench/batch.sh runs it with as many threads as the
 * all-core verify run).
 *
 * Counted, per bundle (the timed loop):
 *   - SHA-256 of the bundle file (the result's bundle_sha256, by which a
 *     bundle is judged exactly once: --resume and spools look it up);
 *   - SHA-256 of every member listed in the MANIFEST (the manifest's
 *     member digests: bundle.container);
 *   - one ECDSA P-256/SHA-256 verification of the MANIFEST's COSE
 *     Sig_structure with the AK (manifest.signature);
 *   - one ECDSA P-256/SHA-256 verification of quote.attest (TPMS_ATTEST)
 *     with the AK (quote.signature);
 *   - SHA-256 over the PCR values of pcrs.bin in selection order, compared
 *     with the quote's pcrDigest (quote.pcr-digest);
 *   - per IMA record: SHA1(template data) compared with the log's column
 *     (ima.template-digest), SHA256(template data), and one extend into
 *     each of the sha1 and sha256 PCR 10 (ima.replay.sha1/.sha256),
 *     compared at the end with the PCR 10 values of pcrs.bin.
 * Not counted: reading and unpacking the archive, CBOR and TPM structure
 * parsing, the store (device, challenge, state, results), the reference
 * comparison, output. Digest algorithms are fetched once and one context
 * per algorithm reused; keys are parsed in the setup. A mismatch anywhere (a signature that does not verify, a PCR that
 * does not replay) makes it exit 1: the work is real.
 *
 * usage: batch_floor [-j THREADS] [-r RUNS] BUNDLE...
 * Prints one line:
 *   bundles=N threads=T entries=E best_s=S bundles_per_s=B entries_per_s=R
 * (best of RUNS passes over the N bundles; threads take bundles from a
 * shared counter).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "format/bundle.h"
#include "format/cose.h"
#include "format/fileio.h"
#include "format/manifest.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"

#define FLOOR_BUNDLES_MAX	100000
#define FLOOR_THREADS_MAX	256
#define FLOOR_RECORDS_MAX	(1u << 20)
#define FLOOR_PCR_BYTES_MAX	4096

struct rec {
	const uint8_t *column;	/* 20 bytes */
	const uint8_t *data;
	uint32_t len;
};

struct item {
	struct bundle_contents c;	/* members collected */
	uint8_t *file;			/* the bundle file */
	size_t file_len;
	EVP_PKEY *ak;
	uint8_t *tbs;			/* manifest Sig_structure */
	size_t tbs_len;
	uint8_t msig[TPM_SIG_ECDSA_DER_MAX];	/* manifest signature, DER */
	size_t msig_len;
	const uint8_t *attest;
	size_t attest_len;
	uint8_t qsig[TPM_SIG_ECDSA_DER_MAX];	/* quote signature, DER */
	size_t qsig_len;
	uint8_t pcr_digest[32];		/* the quote's */
	uint8_t pcrs[FLOOR_PCR_BYTES_MAX];	/* selected values, in order */
	size_t pcrs_len;
	uint8_t pcr10_sha1[20], pcr10_sha256[32];
	struct rec *recs;
	size_t nrecs;
};

static struct item *items;
static size_t nitems;
static EVP_MD *md_sha1, *md_sha256;
static atomic_size_t next_item;
static atomic_int failed;

static void die(const char *, const char *) __attribute__((noreturn));

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "batch_floor: %s%s%s\n", what, why ? ": " : "",
	    why ? why : "");
	exit(1);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static const uint8_t *
member(const struct item *it, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < it->c.nmembers; i++)
		if (strcmp(it->c.members[i].name, name) == 0) {
			*len = (size_t)it->c.members[i].size;
			return it->c.data[i];
		}
	return NULL;
}

/* ---- setup (not timed) ---------------------------------------------------- */

static int
expect_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *n, struct errbuf *e)
{
	static struct manifest m;
	struct cose_sign1 msg;

	(void)arg;
	if (manifest_file_open(buf, len, &msg, e) == -1 ||
	    manifest_decode(msg.payload, msg.payload_len, &m, e) == -1)
		return -1;
	memcpy(members, m.members, m.n_members * sizeof(m.members[0]));
	*n = m.n_members;
	return 0;
}

static void
index_ima(struct item *it, const char *path)
{
	const uint8_t *log;
	struct rec *r;
	size_t len, off = 0, nlen, cap = 0;
	uint32_t dlen;

	if ((log = member(it, "ima.log", &len)) == NULL)
		die(path, "no ima.log");
	while (off < len) {
		if (len - off < 32 || it->nrecs == FLOOR_RECORDS_MAX)
			die(path, "ima.log: bad record");
		if (it->nrecs == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((r = realloc(it->recs, cap * sizeof(*r))) == NULL)
				die("out of memory", NULL);
			it->recs = r;
		}
		it->recs[it->nrecs].column = log + off + 4;
		nlen = le32(log + off + 24);
		if (nlen > len - off - 32)
			die(path, "ima.log: bad name length");
		dlen = le32(log + off + 28 + nlen);
		if (dlen > len - off - 32 - nlen)
			die(path, "ima.log: bad data length");
		it->recs[it->nrecs].data = log + off + 32 + nlen;
		it->recs[it->nrecs].len = dlen;
		it->nrecs++;
		off += 32 + nlen + dlen;
	}
}

/* The selected PCR values in order and PCR 10 of sha1 and sha256. */
static void
index_pcrs(struct item *it, const char *path)
{
	TPML_PCR_SELECTION sel;
	TPML_DIGEST d;
	TPMI_ALG_HASH alg[TPM2_NUM_PCR_BANKS * 24];
	unsigned pcr[TPM2_NUM_PCR_BANKS * 24];
	const uint8_t *p;
	size_t len, off = 0, i, k, s, nsel = 0, at = 0;
	unsigned b, q;
	UINT32 n;

	if ((p = member(it, "pcrs.bin", &len)) == NULL ||
	    Tss2_MU_TPML_PCR_SELECTION_Unmarshal(p, len, &off, &sel) != 0 ||
	    Tss2_MU_UINT32_Unmarshal(p, len, &off, &n) != 0)
		die(path, "pcrs.bin");
	for (b = 0; b < sel.count && b < TPM2_NUM_PCR_BANKS; b++)
		for (q = 0; q < 24; q++)
			if (sel.pcrSelections[b].pcrSelect[q / 8] &
			    (1u << (q % 8))) {
				alg[nsel] = sel.pcrSelections[b].hash;
				pcr[nsel++] = q;
			}
	for (i = 0; i < n; i++) {
		if (Tss2_MU_TPML_DIGEST_Unmarshal(p, len, &off, &d) != 0)
			die(path, "pcrs.bin digests");
		for (k = 0; k < d.count; k++, at++) {
			s = d.digests[k].size;
			if (at >= nsel || it->pcrs_len + s > sizeof(it->pcrs))
				die(path, "pcrs.bin: more values than selected");
			if (pcr[at] == 10 && alg[at] == TPM2_ALG_SHA1 && s == 20)
				memcpy(it->pcr10_sha1, d.digests[k].buffer, 20);
			if (pcr[at] == 10 && alg[at] == TPM2_ALG_SHA256 &&
			    s == 32)
				memcpy(it->pcr10_sha256, d.digests[k].buffer, 32);
			memcpy(it->pcrs + it->pcrs_len, d.digests[k].buffer, s);
			it->pcrs_len += s;
		}
	}
}

static void
ecdsa_der(const TPMS_SIGNATURE_ECC *ecc, uint8_t *der, size_t *len,
    const char *path)
{
	struct errbuf e;

	if (tpm_signature_ecdsa_der(ecc, der, len, &e) == -1)
		die(path, e.msg);
}

static void
load(struct item *it, const char *path)
{
	struct bundle_reader r = { expect_manifest, NULL, NULL, NULL,
	    BUNDLE_CONTENT_MAX };
	struct tpm_public pub;
	struct cose_sign1 msg;
	TPMS_SIGNATURE_ECC ecc;
	TPMT_SIGNATURE sig;
	TPMS_ATTEST att;
	struct errbuf e;
	const uint8_t *p;
	size_t len, off = 0;

	if (file_read(path, BUNDLE_CONTENT_MAX, &it->file, &it->file_len,
	    &e) == -1 ||
	    bundle_read_mem(path, it->file, it->file_len, &r, &it->c, &e) == -1)
		die(path, e.msg);
	if ((p = member(it, "ak.pub", &len)) == NULL ||
	    tpm_public_parse_2b(p, len, &pub, &e) == -1 ||
	    tpm_public_to_pkey(&pub, &it->ak, &e) == -1)
		die(path, "ak.pub");
	if (manifest_file_open(it->c.manifest, it->c.manifest_len, &msg,
	    &e) == -1 || cose_sig_structure(msg.protected_hdr,
	    msg.protected_len, msg.payload, msg.payload_len, &it->tbs,
	    &it->tbs_len, &e) == -1 || msg.signature_len != 64)
		die(path, "MANIFEST");
	memset(&ecc, 0, sizeof(ecc));
	ecc.signatureR.size = 32;
	memcpy(ecc.signatureR.buffer, msg.signature, 32);
	ecc.signatureS.size = 32;
	memcpy(ecc.signatureS.buffer, msg.signature + 32, 32);
	ecdsa_der(&ecc, it->msig, &it->msig_len, path);
	if ((it->attest = member(it, "quote.attest", &it->attest_len)) == NULL ||
	    Tss2_MU_TPMS_ATTEST_Unmarshal(it->attest, it->attest_len, &off,
	    &att) != 0 || att.attested.quote.pcrDigest.size != 32)
		die(path, "quote.attest");
	memcpy(it->pcr_digest, att.attested.quote.pcrDigest.buffer, 32);
	if ((p = member(it, "quote.sig", &len)) == NULL ||
	    tpm_signature_parse(p, len, &sig, &e) == -1 ||
	    sig.sigAlg != TPM2_ALG_ECDSA)
		die(path, "quote.sig");
	ecdsa_der(&sig.signature.ecdsa, it->qsig, &it->qsig_len, path);
	index_pcrs(it, path);
	index_ima(it, path);
}

/* ---- the timed work ------------------------------------------------------- */

/*
 * One digest context per algorithm, as the verifier keeps them: reusing one
 * context for SHA-1 and SHA-256 in turn makes OpenSSL 3 free and allocate the
 * algorithm's state at every switch, which is not work the judging needs.
 */
struct worker {
	pthread_t tid;
	EVP_MD_CTX *h1, *h256, *v;
	size_t entries;
};

static bool
digest(EVP_MD_CTX *c, const EVP_MD *md, const void *a, size_t alen,
    const void *b, size_t blen, uint8_t *out)
{
	return EVP_DigestInit_ex2(c, md, NULL) == 1 &&
	    EVP_DigestUpdate(c, a, alen) == 1 &&
	    (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
	    EVP_DigestFinal_ex(c, out, NULL) == 1;
}

static bool
ecdsa_ok(EVP_MD_CTX *c, EVP_PKEY *k, const uint8_t *msg, size_t len,
    const uint8_t *der, size_t der_len)
{
	bool ok;

	ok = EVP_DigestVerifyInit(c, NULL, md_sha256, NULL, k) == 1 &&
	    EVP_DigestVerify(c, der, der_len, msg, len) == 1;
	EVP_MD_CTX_reset(c);
	return ok;
}

static bool
judge_item(struct worker *w, const struct item *it)
{
	uint8_t d[32], s1[20] = { 0 }, s256[32] = { 0 }, t1[20], t256[32];
	size_t i;
	bool ok;

	ok = digest(w->h256, md_sha256, it->file, it->file_len, NULL, 0, d);
	for (i = 0; i < it->c.nmembers && ok; i++)
		ok = digest(w->h256, md_sha256, it->c.data[i],
		    (size_t)it->c.members[i].size, NULL, 0, d) &&
		    memcmp(d, it->c.members[i].sha256, 32) == 0;
	ok = ok && ecdsa_ok(w->v, it->ak, it->tbs, it->tbs_len, it->msig,
	    it->msig_len);
	ok = ok && ecdsa_ok(w->v, it->ak, it->attest, it->attest_len,
	    it->qsig, it->qsig_len);
	ok = ok && digest(w->h256, md_sha256, it->pcrs, it->pcrs_len, NULL, 0,
	    d) && memcmp(d, it->pcr_digest, 32) == 0;
	for (i = 0; i < it->nrecs && ok; i++) {
		ok = digest(w->h1, md_sha1, it->recs[i].data, it->recs[i].len,
		    NULL, 0, t1) && memcmp(t1, it->recs[i].column, 20) == 0 &&
		    digest(w->h256, md_sha256, it->recs[i].data,
		    it->recs[i].len, NULL, 0, t256) &&
		    digest(w->h1, md_sha1, s1, 20, t1, 20, s1) &&
		    digest(w->h256, md_sha256, s256, 32, t256, 32, s256);
	}
	w->entries += it->nrecs;
	return ok && memcmp(s1, it->pcr10_sha1, 20) == 0 &&
	    memcmp(s256, it->pcr10_sha256, 32) == 0;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&next_item, 1)) < nitems)
		if (!judge_item(w, &items[i]))
			atomic_store(&failed, 1);
	return NULL;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
one_pass(struct worker *w, int nthreads, size_t *entries)
{
	double t0;
	int i;

	atomic_store(&next_item, 0);
	*entries = 0;
	t0 = now();
	for (i = 0; i < nthreads; i++) {
		w[i].entries = 0;
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
			die("pthread_create", NULL);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		*entries += w[i].entries;
	}
	return now() - t0;
}

int
main(int argc, char **argv)
{
	static struct worker w[FLOOR_THREADS_MAX];
	int ch, nthreads = 1, runs = 3, i;
	size_t entries = 0;
	double best = 0, t;
	char *end;

	while ((ch = getopt(argc, argv, "j:r:")) != -1) {
		switch (ch) {
		case 'j':
			nthreads = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || nthreads < 1 ||
			    nthreads > FLOOR_THREADS_MAX)
				die("-j", "1..256");
			break;
		case 'r':
			runs = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || runs < 1 || runs > 100)
				die("-r", "1..100");
			break;
		default:
			die("usage: batch_floor [-j threads] [-r runs] "
			    "BUNDLE...", NULL);
		}
	}
	nitems = (size_t)(argc - optind);
	if (nitems == 0 || nitems > FLOOR_BUNDLES_MAX)
		die("usage: batch_floor [-j threads] [-r runs] BUNDLE...",
		    NULL);
	if ((items = calloc(nitems, sizeof(*items))) == NULL)
		die("out of memory", NULL);
	for (i = 0; i < (int)nitems; i++)
		load(&items[i], argv[optind + i]);
	if ((md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL ||
	    (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		die("EVP_MD_fetch", NULL);
	for (i = 0; i < nthreads; i++)
		if ((w[i].h1 = EVP_MD_CTX_new()) == NULL ||
		    (w[i].h256 = EVP_MD_CTX_new()) == NULL ||
		    (w[i].v = EVP_MD_CTX_new()) == NULL)
			die("out of memory", NULL);
	for (i = 0; i < runs; i++) {
		t = one_pass(w, nthreads, &entries);
		if (atomic_load(&failed))
			die("a bundle did not verify", NULL);
		if (i == 0 || t < best)
			best = t;
	}
	printf("bundles=%zu threads=%d entries=%zu best_s=%.4f "
	    "bundles_per_s=%.1f entries_per_s=%.0f\n", nitems, nthreads,
	    entries, best, (double)nitems / best, (double)entries / best);
	for (i = 0; i < nthreads; i++) {
		EVP_MD_CTX_free(w[i].h1);
		EVP_MD_CTX_free(w[i].h256);
		EVP_MD_CTX_free(w[i].v);
	}
	for (i = 0; i < (int)nitems; i++) {
		bundle_contents_free(&items[i].c);
		free(items[i].file);
		EVP_PKEY_free(items[i].ak);
		free(items[i].tbs);
		free(items[i].recs);
	}
	free(items);
	EVP_MD_free(md_sha1);
	EVP_MD_free(md_sha256);
	return 0;
}
