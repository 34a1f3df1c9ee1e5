/*
 * fuzz_challenge.c - libFuzzer target for the challenge payload decoder,
 * the challenge file reader (unverified) and the challenge set reader
 * from memory (single file or tar archive). A payload that decodes must
 * re-encode to a payload that decodes to the same challenge.
 *
 * Round trips through the writers, with a P-256 verifier key made once:
 * a decoded challenge, its verifier id set to that key's, is signed
 * (challenge_sign) and must verify (challenge_file_verify) to the same
 * challenge; a challenge set that reads is written back as an archive
 * (challenge_set_write_mem) that must read to the same devices in name
 * order. The input is also tried as a verifier key PEM.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/challenge.h"
#include "format/challenge_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static uint8_t key_id[CHALLENGE_VERIFIER_ID_LEN];

static void
sign_trip(const struct challenge *c)
{
	static struct challenge mine, back;
	uint8_t *file = NULL;
	size_t len;

	mine = *c;
	memcpy(mine.verifier_id, key_id, sizeof(key_id));
	if (challenge_sign(&mine, key, &file, &len, NULL) != 0 ||
	    challenge_file_verify(file, len, key, &back, NULL) != 0 ||
	    memcmp(&mine, &back, sizeof(mine)) != 0)
		abort();
	(void)challenge_check_time(&back, back.issued, NULL);
	free(file);
}

/* Write s back as an archive: it must read to the same devices. */
static void
set_trip(const struct challenge_set *s)
{
	const uint8_t **files;
	struct challenge_set t;
	size_t *lens, i, len;
	uint8_t *out = NULL;

	files = calloc(s->n, sizeof(*files));
	lens = calloc(s->n, sizeof(*lens));
	if (files == NULL || lens == NULL)
		abort();
	for (i = 0; i < s->n; i++) {
		files[i] = s->entries[i].file;
		lens[i] = s->entries[i].file_len;
	}
	/* two challenges for one device are refused when written */
	if (challenge_set_write_mem(files, lens, s->n, 1700000000, &out, &len,
	    NULL) == 0) {
		if (challenge_set_read_mem("back", out, len, &t, NULL) != 0 ||
		    t.n != s->n)
			abort();
		for (i = 1; i < t.n; i++)
			if (strcmp(t.entries[i - 1].name, t.entries[i].name) >= 0)
				abort();
		challenge_set_free(&t);
		free(out);
	}
	free(files);
	free(lens);
}

static void
roundtrip(const uint8_t *data, size_t size)
{
	static struct challenge c, d;
	uint8_t *a = NULL;
	size_t alen;

	if (challenge_decode(data, size, &c, NULL) != 0)
		return;
	if (challenge_encode(&c, &a, &alen, NULL) != 0 ||
	    challenge_decode(a, alen, &d, NULL) != 0 ||
	    memcmp(&c, &d, sizeof(c)) != 0)
		abort();
	free(a);
	sign_trip(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct challenge c;
	const struct challenge_set_entry *ent;
	struct challenge_set s;
	struct cose_sign1 msg;
	EVP_PKEY *k = NULL;

	if (key == NULL &&
	    ((key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    challenge_verifier_id(key, key_id, NULL) != 0))
		abort();
	if (challenge_verifier_key_parse(data, size, &k, NULL) == 0)
		EVP_PKEY_free(k);
	roundtrip(data, size);
	if (challenge_file_open(data, size, &msg, &c, NULL) == 0)
		roundtrip(msg.payload, msg.payload_len);
	if (challenge_set_read_mem("fuzz", data, size, &s, NULL) == 0) {
		if (s.n == 0)
			abort();
		(void)challenge_set_find(&s, s.entries[0].ch.device_id, &ent,
		    NULL, NULL);
		set_trip(&s);
		challenge_set_free(&s);
	}
	return 0;
}
