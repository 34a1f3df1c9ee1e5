/*
 * fuzz_results.c - libFuzzer target for the result payload decoder and
 * the result file reader (unverified). A payload that decodes must
 * re-encode byte for byte and give a JSON line. Then the writers behind a
 * decoded result are held to round trips with a fixed P-256 verifier key
 * (made once): the result signed under that key (its verifier id set to
 * the key's) must verify and decode to the same payload; its EAR (when
 * the result maps to one) must encode to CBOR claims that decode to the
 * same claims, and signed as a CWT and as a JWT must open and verify with
 * the key, the CWT giving the same claims again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/challenge.h"
#include "format/ear.h"
#include "format/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static uint8_t key_id[CHALLENGE_VERIFIER_ID_LEN];

/* The claims that travel, compared (decoded strings are bounded copies). */
static void
same_ear(const struct ear *a, const struct ear *b)
{
	size_t k;

	if (a->iat != b->iat || a->status != b->status ||
	    a->has_nonce != b->has_nonce || a->nonce_len != b->nonce_len ||
	    memcmp(a->nonce, b->nonce, a->nonce_len) != 0 ||
	    a->has_device != b->has_device ||
	    a->has_challenge != b->has_challenge ||
	    strcmp(a->build, b->build) != 0 || a->n_submods != b->n_submods)
		abort();
	for (k = 0; k < a->n_submods; k++)
		if (a->submods[k].status != b->submods[k].status ||
		    strcmp(a->submods[k].name, b->submods[k].name) != 0 ||
		    a->submods[k].n_policy_ids != b->submods[k].n_policy_ids ||
		    memcmp(a->submods[k].has_claim, b->submods[k].has_claim,
		    sizeof(a->submods[k].has_claim)) != 0)
			abort();
}

static void
ear_trip(const struct result *r)
{
	static const uint8_t nonce[32] = { 1, 2, 3, 4 };
	static struct ear a, b;
	struct cose_sign1 msg;
	uint8_t *cbor = NULL;
	char *json = NULL, *claims = NULL;
	size_t len, n;

	if (ear_from_result(r, nonce, sizeof(nonce), &a, NULL) != 0)
		return;
	if (ear_encode_cbor(&a, &cbor, &len, NULL) != 0 ||
	    ear_decode_cbor(cbor, len, &b, NULL) != 0)
		abort();
	same_ear(&a, &b);
	free(cbor);
	if (ear_encode_json(&a, &json, &len, NULL) != 0 || strlen(json) != len)
		abort();
	free(json);
	if (ear_sign_cwt(&a, key, key_id, sizeof(key_id), &cbor, &len,
	    NULL) != 0 || !ear_is_cwt(cbor, len) ||
	    ear_cwt_open(cbor, len, key, &msg, &b, NULL) != 0)
		abort();
	same_ear(&a, &b);
	free(cbor);
	if (ear_sign_jwt(&a, key, key_id, sizeof(key_id), &json, &len,
	    NULL) != 0 || !ear_is_jwt((const uint8_t *)json, len) ||
	    ear_jwt_open((const uint8_t *)json, len, key, &claims, &n,
	    NULL) != 0)
		abort();
	free(claims);
	free(json);
}

/* Sign r as this key's result; the file must verify to the same payload. */
static void
sign_trip(const struct result *r, const uint8_t *payload, size_t plen)
{
	static struct result mine, back;
	uint8_t *file = NULL, *a = NULL;
	size_t flen, alen;

	memcpy(&mine, r, sizeof(mine));
	memcpy(mine.verifier_id, key_id, sizeof(key_id));
	if (result_sign(&mine, key, &file, &flen, NULL) != 0 ||
	    result_file_verify(file, flen, key, &back, NULL) != 0 ||
	    memcmp(back.verifier_id, key_id, sizeof(key_id)) != 0)
		abort();
	/* with the input's verifier id back, the very same payload */
	memcpy(back.verifier_id, r->verifier_id, sizeof(back.verifier_id));
	if (result_encode(&back, &a, &alen, NULL) != 0 || alen != plen ||
	    memcmp(a, payload, plen) != 0)
		abort();
	free(a);
	free(file);
}

static void
roundtrip(const uint8_t *data, size_t size)
{
	static struct result r;
	uint8_t *a = NULL;
	char *line = NULL;
	size_t alen, llen;

	if (result_decode(data, size, &r, NULL) != 0)
		return;
	if (result_encode(&r, &a, &alen, NULL) != 0 || alen != size ||
	    memcmp(a, data, size) != 0 ||
	    result_json_line(&r, &line, &llen, NULL) != 0)
		abort();
	free(a);
	free(line);
	sign_trip(&r, data, size);
	ear_trip(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result r;
	struct cose_sign1 msg;
	char *esc = NULL;

	if (key == NULL) {
		if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) ==
		    NULL || challenge_verifier_id(key, key_id, NULL) != 0)
			abort();
	}
	roundtrip(data, size);
	if (result_file_open(data, size, &msg, &r, NULL) == 0)
		roundtrip(msg.payload, msg.payload_len);
	if (result_json_escape((const char *)data, size, &esc, NULL) == 0)
		free(esc);
	return 0;
}
