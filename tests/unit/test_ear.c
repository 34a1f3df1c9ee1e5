/*
 * test_ear.c - format/ear.h: the check-to-claim mapping, CBOR claims
 * round trip, CWT and JWT signing and reading (tampering, another key,
 * another algorithm), base64url (RFC 4648 §10 vectors).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "format/ear.h"
#include "tests/unit/check.h"

static struct result r;
static struct ear ear, back;

static void
add(const char *name, enum result_outcome o)
{
	struct result_check *c = &r.checks[r.n_checks++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->outcome = o;
}

static void
base_result(void)
{
	memset(&r, 0, sizeof(r));
	r.verdict = RESULT_PASS;
	r.time = 1700000000;
	r.has_device = true;
	memset(r.device_id, 0xab, sizeof(r.device_id));
	r.has_challenge = true;
	memset(r.challenge_id, 0x11, sizeof(r.challenge_id));
	snprintf(r.build, sizeof(r.build), "dossier 0.1.0");
	add("bundle.container", RESULT_OK);
	add("device.known", RESULT_OK);
	add("manifest.signature", RESULT_OK);
	add("device.ek", RESULT_OK);
	add("challenge.known", RESULT_OK);
	add("quote.signature", RESULT_OK);
	add("quote.nonce", RESULT_OK);
	add("quote.pcr-digest", RESULT_OK);
	add("state.firmware", RESULT_OK);
	add("ima.replay.sha256", RESULT_OK);
	add("ima.allowlist", RESULT_OK);
	add("ima.signatures", RESULT_SKIP);
}

static const struct ear_appraisal *
sub(const struct ear *x, const char *name)
{
	size_t k;

	for (k = 0; k < x->n_submods; k++)
		if (strcmp(x->submods[k].name, name) == 0)
			return &x->submods[k];
	return NULL;
}

static void
test_mapping(void)
{
	uint8_t nonce[32];
	const struct ear_appraisal *t, *b, *rt;

	memset(nonce, 0x5a, sizeof(nonce));
	base_result();
	CHECK(ear_from_result(&r, nonce, sizeof(nonce), &ear, NULL) == 0,
	    "mapping: a passing result");
	t = sub(&ear, "tpm");
	b = sub(&ear, "boot");
	rt = sub(&ear, "runtime");
	CHECK(t && b && rt && ear.n_submods == 3, "mapping: three submods");
	CHECK(ear.status == EAR_AFFIRMING && t->status == EAR_AFFIRMING &&
	    b->status == EAR_AFFIRMING && rt->status == EAR_AFFIRMING,
	    "mapping: all affirming");
	CHECK(t->has_claim[EAR_INSTANCE_IDENTITY] &&
	    t->claim[EAR_INSTANCE_IDENTITY] == 2 && t->has_claim[EAR_HARDWARE],
	    "mapping: device.ek feeds instance identity and hardware");
	CHECK(b->has_claim[EAR_CONFIGURATION] && rt->has_claim[EAR_EXECUTABLES]
	    && !rt->has_claim[EAR_FILE_SYSTEM],
	    "mapping: a skipped check sets no claim");
	CHECK(rt->n_policy_ids == 1 &&
	    strcmp(rt->policy_ids[0], "dossier/ima.allowlist") == 0 &&
	    strcmp(t->policy_ids[0], "dossier/checks") == 0,
	    "mapping: policy ids name the rules applied");
	CHECK(ear.has_nonce && ear.nonce_len == 32, "mapping: nonce carried");

	/* the nonce only when quote.nonce passed */
	r.checks[6].outcome = RESULT_CHECK_FAIL;
	r.verdict = RESULT_FAIL;
	CHECK(ear_from_result(&r, nonce, sizeof(nonce), &ear, NULL) == 0 &&
	    !ear.has_nonce && sub(&ear, "tpm")->status == EAR_CONTRAINDICATED &&
	    ear.status == EAR_CONTRAINDICATED,
	    "mapping: failed quote.nonce: no eat_nonce, tpm contraindicated");
	base_result();
	CHECK(ear_from_result(&r, nonce, 4, &ear, NULL) == -1,
	    "mapping: a 4-byte nonce is refused");

	base_result();
	r.checks[10].outcome = RESULT_CHECK_FAIL;	/* ima.allowlist */
	r.verdict = RESULT_FAIL;
	CHECK(ear_from_result(&r, NULL, 0, &ear, NULL) == 0 &&
	    sub(&ear, "runtime")->status == EAR_CONTRAINDICATED &&
	    sub(&ear, "runtime")->claim[EAR_EXECUTABLES] == 33 &&
	    sub(&ear, "boot")->status == EAR_AFFIRMING,
	    "mapping: allowlist failure: runtime contraindicated, "
	    "executables 33");

	base_result();
	add("future.check", RESULT_CHECK_FAIL);
	r.verdict = RESULT_FAIL;
	CHECK(ear_from_result(&r, NULL, 0, &ear, NULL) == 0 &&
	    sub(&ear, "tpm")->status == EAR_CONTRAINDICATED,
	    "mapping: an unknown failed check still contraindicates");

	base_result();
	r.checks[8].outcome = RESULT_CHECK_FAIL;	/* state.firmware */
	CHECK(ear_from_result(&r, NULL, 0, &ear, NULL) == 0 &&
	    sub(&ear, "tpm")->claim[EAR_HARDWARE] == 32,
	    "mapping: firmware rollback: hardware 32");

	base_result();
	r.verdict = RESULT_ERROR;
	CHECK(ear_from_result(&r, NULL, 0, &ear, NULL) == 0 &&
	    ear.status == EAR_NONE && sub(&ear, "tpm")->status == EAR_NONE,
	    "mapping: verdict error: none");
	CHECK(strcmp(ear_rule_for("ima.replay.sha1")->check, "ima.replay") ==
	    0 && strcmp(ear_rule_for("imaginary")->check, "") == 0,
	    "mapping: prefixes match whole name parts only");
}

static void
test_cbor(void)
{
	uint8_t nonce[16], *buf;
	size_t len;

	memset(nonce, 7, sizeof(nonce));
	base_result();
	ear_from_result(&r, nonce, sizeof(nonce), &ear, NULL);
	CHECK(ear_encode_cbor(&ear, &buf, &len, NULL) == 0, "cbor: encodes");
	CHECK(ear_decode_cbor(buf, len, &back, NULL) == 0 &&
	    back.iat == ear.iat && back.status == ear.status &&
	    back.n_submods == 3 && back.has_nonce &&
	    memcmp(back.nonce, nonce, 16) == 0 && back.has_device &&
	    back.has_challenge && strcmp(back.build, "dossier 0.1.0") == 0 &&
	    memcmp(back.submods, ear.submods, sizeof(ear.submods)) == 0,
	    "cbor: decodes to the same claims");
	CHECK(ear_decode_cbor(buf, len - 1, &back, NULL) == -1,
	    "cbor: a truncated map is refused");
	free(buf);
	ear.submods[0].status = 5;
	CHECK(ear_encode_cbor(&ear, &buf, &len, NULL) == -1,
	    "cbor: a status that is not a tier is refused");
}

static void
test_signed(EVP_PKEY *key, EVP_PKEY *other)
{
	uint8_t kid[32], *cwt;
	char *jwt, *claims, *p;
	size_t len, clen;
	struct errbuf e;

	memset(kid, 0x42, sizeof(kid));
	base_result();
	ear_from_result(&r, NULL, 0, &ear, NULL);
	CHECK(ear_sign_cwt(&ear, key, kid, sizeof(kid), &cwt, &len, &e) == 0,
	    "cwt: signs");
	CHECK(ear_is_cwt(cwt, len) && !ear_is_jwt(cwt, len),
	    "cwt: recognised");
	CHECK(ear_cwt_open(cwt, len, key, NULL, &back, NULL) == 0 &&
	    back.status == EAR_AFFIRMING, "cwt: verifies and decodes");
	CHECK(ear_cwt_open(cwt, len, other, NULL, &back, NULL) == -1,
	    "cwt: another key fails");
	cwt[len - 3] ^= 1;
	CHECK(ear_cwt_open(cwt, len, key, NULL, &back, &e) == -1 &&
	    strstr(e.msg, "signature") != NULL, "cwt: a changed byte fails");
	free(cwt);

	CHECK(ear_sign_jwt(&ear, key, kid, sizeof(kid), &jwt, &len, &e) == 0,
	    "jwt: signs");
	CHECK(ear_is_jwt((uint8_t *)jwt, len), "jwt: recognised");
	CHECK(ear_jwt_open((uint8_t *)jwt, len, key, &claims, &clen, &e) == 0 &&
	    strstr(claims, "\"ear_status\":\"affirming\"") != NULL &&
	    strstr(claims, "\"eat_profile\":\"" EAR_PROFILE "\"") != NULL,
	    "jwt: verifies; claims JSON with -03 names");
	free(claims);
	CHECK(ear_jwt_open((uint8_t *)jwt, len, other, &claims, &clen, NULL) ==
	    -1, "jwt: another key fails");
	p = strrchr(jwt, '.');
	p[3] = p[3] == 'A' ? 'B' : 'A';
	CHECK(ear_jwt_open((uint8_t *)jwt, len, key, &claims, &clen, NULL) ==
	    -1, "jwt: a changed signature fails");
	free(jwt);
	/* {"alg":"none","typ":"JWT"} . {} . */
	jwt = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.AAAA";
	CHECK(ear_jwt_open((uint8_t *)jwt, strlen(jwt), NULL, &claims, &clen,
	    &e) == -1 && strstr(e.msg, "refused") != NULL,
	    "jwt: alg none refused");
}

static void
test_b64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const out[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
	    "Zm9vYmE", "Zm9vYmFy" };
	uint8_t *d, ff[3] = { 0xfb, 0xff, 0xfe };
	char *s;
	size_t i, n;
	int good = 1;

	for (i = 0; i < 7; i++) {
		if (ear_b64url_encode((const uint8_t *)in[i], strlen(in[i]), &s,
		    NULL) != 0 || strcmp(s, out[i]) != 0)
			good = 0;
		free(s);
		if (ear_b64url_decode(out[i], strlen(out[i]), &d, &n, NULL) !=
		    0 || n != strlen(in[i]) || memcmp(d, in[i], n) != 0)
			good = 0;
		free(d);
	}
	CHECK(good, "base64url: RFC 4648 vectors both ways");
	CHECK(ear_b64url_encode(ff, 3, &s, NULL) == 0 &&
	    strcmp(s, "-__-") == 0, "base64url: - and _");
	free(s);
	CHECK(ear_b64url_decode("Zm9v+A", 6, &d, &n, NULL) == -1 &&
	    ear_b64url_decode("Zm9vY", 5, &d, &n, NULL) == -1 &&
	    ear_b64url_decode("Zg==", 4, &d, &n, NULL) == -1,
	    "base64url: +, a 4n+1 length and padding refused");
}

int
main(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");

	test_mapping();
	test_cbor();
	test_signed(key, other);
	test_b64();
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return check_finish();
}
