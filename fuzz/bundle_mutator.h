/*
 * bundle_mutator.h - a structure-aware libFuzzer mutator for evidence
 * bundles (LLVMFuzzerCustomMutator), shared by fuzz_bundle_struct.c and
 * fuzz_judge.c. Header-only: each fuzz target is one translation unit.
 *
 * Byte-level mutation of a bundle dies in zstd's checksum or the tar
 * framing, and a well-formed container dies at the manifest signature:
 * the judgement behind them is never reached. This mutator instead
 *   1. decompresses the input (zstd frames, at most BM_TAR_MAX bytes),
 *   2. splits the ustar stream into members (each keeps its 512-byte
 *      header, so whatever the writer put there survives),
 *   3. applies ONE structural mutation: a member's bytes (libFuzzer's own
 *      mutator), its size, its name, the order, a dropped or duplicated
 *      member, a TPMS_ATTEST field (re-signed with the AK), a field of the
 *      decoded manifest, the manifest payload's bytes, the MANIFEST file's
 *      bytes, or the tar bytes as a whole,
 *   4. usually brings the manifest's member list (sizes, SHA-256, names)
 *      up to date and RE-SIGNS the manifest with the fixed test AK
 *      (fuzz/keys/ak.pem, embedded below), so the mutation reaches the
 *      per-member, quote and IMA checks instead of the signature check,
 *   5. recompresses with zstd.
 * Input that does not decompress or split falls back to libFuzzer's byte
 * mutator. The seeds (fuzz/corpus/fuzz_bundle_struct/, fuzz_judge/) are
 * minted with that key: testdata/gen/gen_evidence -k fuzz/keys/ak.pem
 * (fuzz/keys/mint-seeds.sh).
 *
 * The key is a TEST key: it signs nothing but fuzzer input.
 */
#ifndef DOSSIER_FUZZ_BUNDLE_MUTATOR_H
#define DOSSIER_FUZZ_BUNDLE_MUTATOR_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>
#include <zstd.h>

#include "format/bundle.h"
#include "format/cbor_det.h"
#include "format/cose.h"
#include "format/hashalg.h"
#include "format/manifest.h"
#include "format/tpm_attest.h"
#include "format/tpm_sig.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
    unsigned int seed);

#define BM_TAR_MAX	((size_t)4 << 20)	/* decompressed bundle */
#define BM_MEMBERS	24			/* tar entries we keep */
#define BM_GROW		256			/* room to grow a member */

/* fuzz/keys/ak.pem: the fixed test AK of the seeds (P-256). */
static const char bm_ak_pem[] =
"-----BEGIN PRIVATE KEY-----\n"
"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBT1x7EK4hsFzUd+0\n"
"ssVGhP1Xoe7KTdjCICHPxPyWCzWhRANCAASYj1b4krFMaLbwmIXCMXgfEvW/oXMP\n"
"MivJ2+DXI9Jjr3zI551fm+oy809w9LnCra5wple0X2iEVxY3k5rtzDuo\n"
"-----END PRIVATE KEY-----\n";

static EVP_PKEY *bm_key;

struct bm_member {
	uint8_t hdr[512];
	uint8_t *data;		/* malloc'd, cap bytes */
	size_t len, cap;
};

struct bm_tar {
	struct bm_member m[BM_MEMBERS];
	size_t n;
};

static uint32_t bm_rng;

static uint32_t
bm_rand(uint32_t n)
{
	bm_rng = bm_rng * 1103515245u + 12345u;
	return n ? (bm_rng >> 8) % n : 0;
}

static EVP_PKEY *
bm_ak(void)
{
	BIO *b;

	if (bm_key == NULL) {
		b = BIO_new_mem_buf(bm_ak_pem, (int)strlen(bm_ak_pem));
		bm_key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (bm_key == NULL)
			abort();	/* the embedded key is ours */
	}
	return bm_key;
}

static void
bm_free(struct bm_tar *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->m[i].data);
	t->n = 0;
}

static size_t
bm_octal(const uint8_t *p, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

static void
bm_name(const struct bm_member *m, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap && i < 100 && m->hdr[i] != 0; i++)
		out[i] = (char)m->hdr[i];
	out[i] = '\0';
}

static int
bm_set_data(struct bm_member *m, const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len + BM_GROW);

	if (d == NULL)
		return -1;
	if (len)
		memcpy(d, p, len);
	free(m->data);
	m->data = d;
	m->len = len;
	m->cap = len + BM_GROW;
	return 0;
}

/* Split a tar stream; -1 if it is not one we can rebuild. */
static int
bm_split(const uint8_t *p, size_t len, struct bm_tar *t)
{
	size_t off = 0, sz, i;

	t->n = 0;
	while (off + 512 <= len) {
		for (i = 0; i < 512 && p[off + i] == 0; i++)
			;
		if (i == 512)
			return t->n ? 0 : -1;	/* end of archive */
		if (t->n == BM_MEMBERS)
			return -1;
		sz = bm_octal(p + off + 124, 12);
		if (sz > len - off - 512)
			return -1;
		memcpy(t->m[t->n].hdr, p + off, 512);
		t->m[t->n].data = NULL;
		if (bm_set_data(&t->m[t->n], p + off + 512, sz) == -1)
			return -1;
		t->n++;
		off += 512 + (sz + 511) / 512 * 512;
	}
	return -1;
}

/* Size and checksum fields of a header after an edit. */
static void
bm_fix_header(struct bm_member *m)
{
	unsigned sum = 0;
	size_t i;

	snprintf((char *)m->hdr + 124, 12, "%011zo", m->len);
	memset(m->hdr + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += m->hdr[i];
	snprintf((char *)m->hdr + 148, 8, "%06o", sum);
	m->hdr[155] = ' ';
}

static uint8_t *
bm_join(const struct bm_tar *t, size_t *len)
{
	size_t total = 1024, i, off = 0;
	uint8_t *out;

	for (i = 0; i < t->n; i++)
		total += 512 + (t->m[i].len + 511) / 512 * 512;
	if ((out = calloc(1, total)) == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		memcpy(out + off, t->m[i].hdr, 512);
		off += 512;
		if (t->m[i].len)
			memcpy(out + off, t->m[i].data, t->m[i].len);
		off += (t->m[i].len + 511) / 512 * 512;
	}
	*len = total;
	return out;
}

static uint8_t *
bm_decompress(const uint8_t *p, size_t len, size_t *out_len)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { p, len, 0 };
	ZSTD_outBuffer out = { NULL, 0, 0 };
	size_t rc = 1;

	if (d == NULL || (out.dst = malloc(BM_TAR_MAX)) == NULL) {
		ZSTD_freeDCtx(d);
		return NULL;
	}
	out.size = BM_TAR_MAX;
	while (in.pos < in.size && out.pos < out.size) {
		rc = ZSTD_decompressStream(d, &out, &in);
		if (ZSTD_isError(rc))
			break;
	}
	ZSTD_freeDCtx(d);
	if (ZSTD_isError(rc) || rc != 0 || in.pos != in.size) {
		free(out.dst);
		return NULL;
	}
	*out_len = out.pos;
	return out.dst;
}

static int
bm_find(const struct bm_tar *t, const char *name)
{
	char n[101];
	size_t i;

	for (i = 0; i < t->n; i++) {
		bm_name(&t->m[i], n, sizeof(n));
		if (strcmp(n, name) == 0)
			return (int)i;
	}
	return -1;
}

/* The MANIFEST's decoded payload (signature not checked). */
static int
bm_manifest(const struct bm_tar *t, struct manifest *m)
{
	struct cose_sign1 msg;
	struct errbuf e;
	int i = bm_find(t, "MANIFEST");

	if (i < 0 || manifest_file_open(t->m[i].data, t->m[i].len, &msg,
	    &e) == -1 || msg.payload == NULL ||
	    manifest_decode(msg.payload, msg.payload_len, m, &e) == -1)
		return -1;
	return i;
}

/* Sign payload[0..len) as a MANIFEST file into member i. */
static int
bm_sign_payload(struct bm_tar *t, int i, const uint8_t *payload,
    size_t len, const struct tpm_name *kid)
{
	struct cose_header h;
	struct cbor_wr w;
	struct errbuf e;
	uint8_t *file;
	size_t flen;
	int rc;

	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	snprintf(h.content_type, sizeof(h.content_type), "%s",
	    MANIFEST_CONTENT_TYPE);
	if (kid->len > sizeof(h.kid))
		return -1;
	memcpy(h.kid, kid->b, kid->len);
	h.kid_len = kid->len;
	cbor_wr_init(&w, MANIFEST_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_MANIFEST);
	if (cose_sign1_write_pkey(&w, &h, payload, len, bm_ak(), &e) != 0) {
		cbor_wr_free(&w);
		return -1;
	}
	if (cbor_wr_finish(&w, &file, &flen, &e) != 0)
		return -1;
	rc = bm_set_data(&t->m[i], file, flen);
	free(file);
	if (rc == 0)
		bm_fix_header(&t->m[i]);
	return rc;
}

static int
bm_sign(struct bm_tar *t, int i, const struct manifest *m)
{
	struct errbuf e;
	uint8_t *file;
	size_t flen;
	int rc;

	if (manifest_sign_pkey(m, COSE_ALG_ES256, bm_ak(), &file, &flen,
	    &e) == -1)
		return -1;
	rc = bm_set_data(&t->m[i], file, flen);
	free(file);
	if (rc == 0)
		bm_fix_header(&t->m[i]);
	return rc;
}

/*
 * The manifest's member list made true again for the members as they now
 * are (media types kept by name), then re-signed. -1 when the result
 * cannot be encoded (e.g. a duplicate or invalid name): left stale.
 */
static int
bm_sync(struct bm_tar *t)
{
	struct manifest m;
	struct bundle_member old[BUNDLE_MEMBERS_MAX];
	size_t n_old, i, k, n = 0;
	char name[101];
	int mi;

	if ((mi = bm_manifest(t, &m)) < 0)
		return -1;
	n_old = m.n_members;
	memcpy(old, m.members, sizeof(old));
	for (i = 0; i < t->n; i++) {
		if ((int)i == mi || t->m[i].hdr[156] == 'x' ||
		    t->m[i].hdr[156] == 'g')
			continue;
		bm_name(&t->m[i], name, sizeof(name));
		if (n == BUNDLE_MEMBERS_MAX ||
		    strlen(name) > BUNDLE_MEMBER_NAME_MAX)
			return -1;
		memset(&m.members[n], 0, sizeof(m.members[n]));
		memcpy(m.members[n].name, name, strlen(name));
		snprintf(m.members[n].media_type,
		    sizeof(m.members[n].media_type), "application/octet-stream");
		for (k = 0; k < n_old; k++)
			if (strcmp(old[k].name, name) == 0)
				memcpy(m.members[n].media_type,
				    old[k].media_type,
				    sizeof(m.members[n].media_type));
		m.members[n].size = t->m[i].len;
		if (hashalg_digest(hashalg_by_name("sha256"), t->m[i].data,
		    t->m[i].len, m.members[n].sha256) == -1)
			return -1;
		n++;
	}
	m.n_members = n;
	return bm_sign(t, mi, &m);
}

/* quote.sig made again for quote.attest with the AK. */
static void
bm_resign_quote(struct bm_tar *t)
{
	int a = bm_find(t, "quote.attest"), s = bm_find(t, "quote.sig");
	struct tpm_sig_scheme scheme;
	uint8_t der[TPM_SIG_ECDSA_DER_MAX + 16], out[TPM_SIG_MAX_BYTES];
	size_t dlen = sizeof(der), off = 0;
	TPMT_SIGNATURE sig;
	struct errbuf e;
	EVP_MD_CTX *ctx;
	int ok;

	if (a < 0 || s < 0 || (ctx = EVP_MD_CTX_new()) == NULL)
		return;
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, bm_ak()) == 1 &&
	    EVP_DigestSign(ctx, der, &dlen, t->m[a].data, t->m[a].len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok || tpm_sig_scheme_parse("ecdsa-sha256", &scheme, &e) == -1 ||
	    tpm_signature_from_raw(&scheme, der, dlen, &sig, &e) == -1 ||
	    Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, out, sizeof(out), &off) != 0)
		return;
	if (bm_set_data(&t->m[s], out, off) == 0)
		bm_fix_header(&t->m[s]);
}

/* A field of the TPMS_ATTEST changed; re-signed. */
static int
bm_mutate_attest(struct bm_tar *t)
{
	int a = bm_find(t, "quote.attest");
	uint8_t buf[TPM_ATTEST_MAX_BYTES];
	TPMS_ATTEST q;
	TPML_PCR_SELECTION *sel;
	size_t off = 0;

	if (a < 0 || Tss2_MU_TPMS_ATTEST_Unmarshal(t->m[a].data, t->m[a].len,
	    &off, &q) != 0)
		return -1;
	sel = &q.attested.quote.pcrSelect;
	switch (bm_rand(9)) {
	case 0: q.clockInfo.clock += bm_rand(3) ? 1 : (uint64_t)-1; break;
	case 1: q.clockInfo.resetCount += bm_rand(3); break;
	case 2: q.clockInfo.restartCount += 1 + bm_rand(2); break;
	case 3: q.firmwareVersion ^= (uint64_t)1 << bm_rand(64); break;
	case 4:
		if (q.extraData.size)
			q.extraData.buffer[bm_rand(q.extraData.size)] ^= 1;
		else
			q.extraData.size = 32;
		break;
	case 5:
		if (sel->count)
			sel->pcrSelections[bm_rand(sel->count)].pcrSelect[
			    bm_rand(3)] ^= (uint8_t)(1u << bm_rand(8));
		break;
	case 6:
		if (sel->count > 1 && bm_rand(2))
			sel->count--;
		else if (sel->count)
			sel->pcrSelections[0].hash = (TPMI_ALG_HASH)(
			    bm_rand(2) ? TPM2_ALG_SHA384 : TPM2_ALG_SHA1);
		break;
	case 7:
		if (q.attested.quote.pcrDigest.size)
			q.attested.quote.pcrDigest.buffer[bm_rand(
			    q.attested.quote.pcrDigest.size)] ^= 0x80;
		break;
	default:
		if (q.qualifiedSigner.size)
			q.qualifiedSigner.name[bm_rand(
			    q.qualifiedSigner.size)] ^= 1;
		break;
	}
	off = 0;
	if (Tss2_MU_TPMS_ATTEST_Marshal(&q, buf, sizeof(buf), &off) != 0 ||
	    bm_set_data(&t->m[a], buf, off) == -1)
		return -1;
	bm_fix_header(&t->m[a]);
	bm_resign_quote(t);
	return 0;
}

/* A field of the decoded manifest changed; re-signed (no sync). */
static int
bm_mutate_manifest(struct bm_tar *t)
{
	struct manifest m;
	struct bundle_member *bm;
	int mi = bm_manifest(t, &m);

	if (mi < 0)
		return -1;
	bm = m.n_members ? &m.members[bm_rand((uint32_t)m.n_members)] : NULL;
	switch (bm_rand(12)) {
	case 0: m.kind = m.kind == MANIFEST_EVIDENCE ? MANIFEST_ENROLLMENT :
		    MANIFEST_EVIDENCE; break;
	case 1: m.device_id[bm_rand(32)] ^= 1; break;
	case 2: m.has_challenge_id = !m.has_challenge_id; break;
	case 3: m.challenge_id[bm_rand(16)] ^= 1; break;
	case 4: m.created += (int64_t)bm_rand(200000) - 100000; break;
	case 5:
		m.ak_location = m.ak_location == MANIFEST_AK_PRIMARY ?
		    MANIFEST_AK_EK_CHILD : MANIFEST_AK_PRIMARY;
		m.ek_name = m.ak_name;
		break;
	case 6:
		if (m.n_facts < MANIFEST_FACTS_MAX) {
			snprintf(m.facts[m.n_facts].key, MANIFEST_FACT_KEY_MAX,
			    "k%u", bm_rand(100));
			snprintf(m.facts[m.n_facts].value,
			    MANIFEST_FACT_VALUE_MAX, "v%u", bm_rand(100));
			m.n_facts++;
		}
		break;
	case 7: if (bm) bm->size += bm_rand(3) ? 1 : (uint64_t)-1; break;
	case 8: if (bm) bm->sha256[bm_rand(32)] ^= 1; break;
	case 9:
		if (bm)
			snprintf(bm->media_type, sizeof(bm->media_type), "%s",
			    bm_rand(2) ? "application/octet-stream" :
			    "application/vnd.dossier.ima-binary; digest=sha256;"
			    " byteorder=little");
		break;
	case 10:
		if (m.n_members > 1)
			m.n_members--;
		break;
	default:
		m.ak_name.b[2 + bm_rand(32)] ^= 1;
		break;
	}
	return bm_sign(t, mi, &m);
}

/* The payload's bytes mutated, re-signed as they are. */
static int
bm_mutate_payload(struct bm_tar *t)
{
	struct cose_sign1 msg;
	struct manifest m;
	struct errbuf e;
	uint8_t *p;
	size_t n, cap;
	int mi = bm_manifest(t, &m), rc;

	if (mi < 0 || manifest_file_open(t->m[mi].data, t->m[mi].len, &msg,
	    &e) == -1)
		return -1;
	cap = msg.payload_len + BM_GROW;
	if ((p = malloc(cap)) == NULL)
		return -1;
	memcpy(p, msg.payload, msg.payload_len);
	n = LLVMFuzzerMutate(p, msg.payload_len, cap);
	rc = bm_sign_payload(t, mi, p, n, &m.ak_name);
	free(p);
	return rc;
}

static const char *const bm_names[] = {
	"MANIFEST", "ek.crt", "ek.pub", "ak.pub", "pcrs.bin", "pcrs.tpm2",
	"quote.attest", "quote.sig", "ima.log", "ima-sha256.log",
	"ima-sha1.log", "eventlog.bin", "boot.log", "ima.Log", ".hidden",
	"a/b", "",
};

/* One structural mutation of t; 1 if the manifest should be synced. */
static int
bm_mutate(struct bm_tar *t)
{
	struct bm_member *m, tmp;
	size_t i, j, len;
	int mi = bm_find(t, "MANIFEST");
	const char *nm;

	i = bm_rand((uint32_t)t->n);
	if ((int)i == mi && t->n > 1 && bm_rand(4))
		i = (i + 1 + bm_rand((uint32_t)t->n - 1)) % t->n;
	m = &t->m[i];
	switch (bm_rand(13)) {
	case 0: case 1: case 2:		/* a member's bytes */
		m->len = LLVMFuzzerMutate(m->data, m->len, m->cap);
		bm_fix_header(m);
		return 1;
	case 3:				/* its size */
		len = bm_rand(2) ? bm_rand((uint32_t)m->len + 1) :
		    m->len + bm_rand(BM_GROW);
		if (len > m->len)
			memset(m->data + m->len, (int)bm_rand(256),
			    len - m->len);
		m->len = len;
		bm_fix_header(m);
		return 1;
	case 4:				/* its name */
		nm = bm_names[bm_rand(sizeof(bm_names) / sizeof(bm_names[0]))];
		memset(m->hdr, 0, 100);
		memcpy(m->hdr, nm, strlen(nm));
		bm_fix_header(m);
		return bm_rand(4) != 0;
	case 5:				/* the order */
		j = bm_rand((uint32_t)t->n);
		tmp = t->m[i];
		t->m[i] = t->m[j];
		t->m[j] = tmp;
		return bm_rand(2);
	case 6:				/* a member dropped */
		if (t->n < 2)
			return 0;
		free(m->data);
		memmove(&t->m[i], &t->m[i + 1], (t->n - i - 1) *
		    sizeof(t->m[0]));
		t->n--;
		return 1;
	case 7:				/* a member twice */
		if (t->n == BM_MEMBERS)
			return 0;
		t->m[t->n] = *m;
		t->m[t->n].data = NULL;
		if (bm_set_data(&t->m[t->n], m->data, m->len) == -1)
			return 0;
		t->n++;
		return 0;
	case 8: case 9:			/* the quote */
		(void)bm_mutate_attest(t);
		return 1;
	case 10:			/* the manifest, as a structure */
		(void)bm_mutate_manifest(t);
		return 0;
	case 11:			/* the payload's bytes, re-signed */
		(void)bm_mutate_payload(t);
		return 0;
	default:			/* the MANIFEST file's bytes */
		if (mi >= 0) {
			m = &t->m[mi];
			m->len = LLVMFuzzerMutate(m->data, m->len, m->cap);
			bm_fix_header(m);
		}
		return 0;
	}
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
    unsigned int seed)
{
	struct bm_tar t;
	uint8_t *tar, *joined;
	size_t tar_len, jlen, out;

	bm_rng = seed;
	if (bm_rand(16) == 0 ||
	    (tar = bm_decompress(data, size, &tar_len)) == NULL)
		return LLVMFuzzerMutate(data, size, max_size);
	if (bm_split(tar, tar_len, &t) == -1) {
		bm_free(&t);
		free(tar);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	free(tar);
	if (bm_mutate(&t) && bm_rand(8) != 0)
		(void)bm_sync(&t);
	joined = bm_join(&t, &jlen);
	bm_free(&t);
	if (joined == NULL)
		return LLVMFuzzerMutate(data, size, max_size);
	if (bm_rand(16) == 0)		/* the tar bytes themselves */
		jlen = LLVMFuzzerMutate(joined, jlen, jlen);
	out = ZSTD_compress(data, max_size, joined, jlen, 1);
	free(joined);
	if (ZSTD_isError(out))
		return LLVMFuzzerMutate(data, size, max_size);
	return out;
}

#endif
