/*
 * fuzz_ear.c - libFuzzer target for the EAR readers (format/ear.h): the
 * CBOR claims decoder, the CWT reader (unverified), the JWT reader
 * (unverified) and base64url. Claims that decode must encode, and that
 * encoding must decode to the same claims. A CWT or JWT that opens
 * unverified is opened again with a fixed P-256 key (made once), under
 * which its signature must not verify (the key is not the signer's).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/ear.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

static void
roundtrip(const struct ear *a)
{
	static struct ear b;
	uint8_t *buf = NULL;
	char *json = NULL;
	size_t len;

	/* decoded claims may be outside what the encoder writes (a submod
	 * list past its checks, say): then encoding refuses, cleanly */
	if (ear_encode_cbor(a, &buf, &len, NULL) != 0)
		return;
	if (ear_decode_cbor(buf, len, &b, NULL) != 0 || b.iat != a->iat ||
	    b.status != a->status || b.n_submods != a->n_submods ||
	    b.has_nonce != a->has_nonce)
		abort();
	if (ear_encode_json(a, &json, &len, NULL) == 0)
		free(json);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ear ear;
	struct cose_sign1 msg;
	char *claims = NULL;
	uint8_t *raw = NULL;
	size_t n;

	if (ear_decode_cbor(data, size, &ear, NULL) == 0)
		roundtrip(&ear);
	if (key == NULL &&
	    (key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		abort();
	if (ear_cwt_open(data, size, NULL, &msg, &ear, NULL) == 0) {
		roundtrip(&ear);
		if (ear_cwt_open(data, size, key, NULL, &ear, NULL) == 0)
			abort();
	}
	(void)ear_is_cwt(data, size);
	(void)ear_is_jwt(data, size);
	if (ear_jwt_open(data, size, NULL, &claims, &n, NULL) == 0) {
		if (strlen(claims) != n)
			abort();
		free(claims);
		if (ear_jwt_open(data, size, key, &claims, &n, NULL) == 0)
			abort();
	}
	if (ear_b64url_decode((const char *)data, size, &raw, &n, NULL) == 0)
		free(raw);
	return 0;
}
