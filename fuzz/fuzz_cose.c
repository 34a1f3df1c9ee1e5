/*
 * fuzz_cose.c - libFuzzer target for the strict deterministic-CBOR reader
 * and COSE_Sign1 decoding: cbor_det_check, a full cursor walk, the file
 * magic, cose_sign1_decode (bare or after a dossier magic) and, for what
 * decodes, Sig_structure building and verification with a fixed P-256 key.
 *
 * Then a round trip through the writers: the decoded header (alg, kid,
 * content type; crit is not written back, so it must not change what the
 * header means) and payload are signed again with a key of the alg's type
 * (P-256, P-384 or RSA-2048, made once), in one step
 * (cose_sign1_write_pkey) and as the collector does with a TPM
 * (cose_tbs_init, the raw signature made a TPMT_SIGNATURE by
 * tpm_signature_from_raw, cose_sign1_write_tpm); both messages must
 * decode to the same header and payload and verify with that key.
 * Seeds: real messages of testdata/cose/, libFuzzer's finds, and the
 * protected-header cases of fuzz/gen-seeds.py (crit, content type, kid).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/cbor_det.h"
#include "format/cose.h"
#include "format/tpm_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key, *p256, *p384, *rsa;

static EVP_PKEY *
key_for(int64_t alg)
{
	if (p256 == NULL) {
		p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		if (p256 == NULL || p384 == NULL || rsa == NULL)
			abort();
	}
	return alg == COSE_ALG_ES256 ? p256 : alg == COSE_ALG_ES384 ? p384 :
	    rsa;
}

/* m2 must be a message of m's header and payload that verifies. */
static void
same_message(const struct cose_sign1 *m, const uint8_t *buf, size_t len,
    EVP_PKEY *k)
{
	struct cose_sign1 m2;

	if (cose_sign1_decode(buf, len, &m2, NULL) != 0 ||
	    m2.hdr.alg != m->hdr.alg || m2.hdr.kid_len != m->hdr.kid_len ||
	    memcmp(m2.hdr.kid, m->hdr.kid, m->hdr.kid_len) != 0 ||
	    strcmp(m2.hdr.content_type, m->hdr.content_type) != 0 ||
	    (m2.payload == NULL) != (m->payload == NULL) ||
	    m2.payload_len != m->payload_len ||
	    (m->payload_len > 0 &&
	    memcmp(m2.payload, m->payload, m->payload_len) != 0) ||
	    cose_sign1_verify(&m2, NULL, 0, k, NULL) != 0)
		abort();
}

static void
rewrite(const struct cose_sign1 *m)
{
	EVP_PKEY *k = key_for(m->hdr.alg);
	uint8_t raw[COSE_SIGNATURE_MAX], *buf;
	struct tpm_sig_scheme sch;
	struct cose_tbs t;
	TPMT_SIGNATURE ts;
	struct cbor_wr w;
	size_t len, n;

	if (m->payload == NULL)
		return;		/* detached: written only embedded here */
	cbor_wr_init(&w, CBOR_DET_INPUT_MAX);
	if (cose_sign1_write_pkey(&w, &m->hdr, m->payload, m->payload_len, k,
	    NULL) != 0 || cbor_wr_finish(&w, &buf, &len, NULL) != 0)
		abort();
	same_message(m, buf, len, k);
	free(buf);

	if (cose_tbs_init(&t, &m->hdr, m->payload, m->payload_len, NULL) != 0 ||
	    cose_sign_pkey(t.hdr.alg, k, t.sig_structure, t.sig_structure_len,
	    raw, &n, NULL) != 0)
		abort();
	sch.sig_alg = m->hdr.alg == COSE_ALG_PS256 ? TPM2_ALG_RSAPSS :
	    m->hdr.alg == COSE_ALG_RS256 ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA;
	sch.hash = cose_alg_hash(m->hdr.alg);
	cbor_wr_init(&w, CBOR_DET_INPUT_MAX);
	if (tpm_signature_from_raw(&sch, raw, n, &ts, NULL) != 0 ||
	    cose_sign1_write_tpm(&w, &t, m->payload, m->payload_len, &ts,
	    NULL) != 0 || cbor_wr_finish(&w, &buf, &len, NULL) != 0)
		abort();
	cose_tbs_free(&t);
	same_message(m, buf, len, k);
	free(buf);
}

/* Read every item of a validated buffer through the typed cursor. */
static void
walk(struct cbor_rd *r, int depth)
{
	enum cbor_det_type t = cbor_rd_peek(r);
	const uint8_t *p;
	size_t n, i;
	uint64_t u;
	int64_t v;
	bool b;

	switch (t) {
	case CBOR_DET_UINT:
	case CBOR_DET_NEGINT:
		/* Beyond int64_t: a uint is still read as one, else skip. */
		if (cbor_rd_int(r, &v, NULL) != 0 &&
		    cbor_rd_uint(r, &u, NULL) != 0 &&
		    cbor_rd_skip(r, NULL, NULL, NULL) != 0)
			abort();
		return;
	case CBOR_DET_BSTR:
		(void)cbor_rd_bstr(r, &p, &n, NULL);
		return;
	case CBOR_DET_TSTR: {
		char s[32];

		if (cbor_rd_tstr_copy(r, s, sizeof(s), NULL) != 0)
			(void)cbor_rd_skip(r, NULL, NULL, NULL);
		return;
	}
	case CBOR_DET_ARRAY:
	case CBOR_DET_MAP:
		if (depth > CBOR_DET_DEPTH_MAX + 1)
			abort();	/* the validator let too deep a doc by */
		if ((t == CBOR_DET_ARRAY ? cbor_rd_array(r, &n, NULL) :
		    cbor_rd_map(r, &n, NULL)) != 0)
			abort();
		for (i = 0; i < (t == CBOR_DET_MAP ? 2 * n : n); i++)
			walk(r, depth + 1);
		return;
	case CBOR_DET_TAG:
		(void)cbor_rd_skip(r, NULL, NULL, NULL);
		return;
	case CBOR_DET_SIMPLE:
		if (!cbor_rd_null(r))
			(void)cbor_rd_bool(r, &b, NULL);
		return;
	case CBOR_DET_END:
		return;
	}
}

static void
try_cose(const uint8_t *data, size_t size)
{
	struct cose_sign1 m;
	struct errbuf e;

	if (cose_sign1_decode(data, size, &m, &e) != 0)
		return;
	rewrite(&m);
	if (m.payload == NULL)
		(void)cose_sign1_verify(&m, data, size, key, &e);
	else
		(void)cose_sign1_verify(&m, NULL, 0, key, &e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cbor_rd r;
	struct errbuf e;

	if (key == NULL)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (cbor_rd_open(&r, data, size, &e) == 0) {
		walk(&r, 1);
		if (cbor_rd_peek(&r) == CBOR_DET_TAG)
			(void)cbor_rd_skip(&r, NULL, NULL, NULL);
		if (cbor_rd_end(&r, &e) != 0)
			abort();	/* one item, fully read */
	}
	if (cbor_magic_tag(data, size) != 0)
		try_cose(data + CBOR_MAGIC_LEN, size - CBOR_MAGIC_LEN);
	else
		try_cose(data, size);
	return 0;
}
