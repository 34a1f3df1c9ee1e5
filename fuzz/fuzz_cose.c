/*
 * fuzz_cose.c - libFuzzer target for the strict deterministic-CBOR reader
 * and COSE_Sign1 decoding: cbor_det_check, a full cursor walk, the file
 * magic, cose_sign1_decode (bare or after a dossier magic) and, for what
 * decodes, Sig_structure building and verification with a fixed P-256 key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "format/cbor_det.h"
#include "format/cose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

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
