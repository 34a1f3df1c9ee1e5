/*
 * fuzz_challenge.c - libFuzzer target for the challenge payload decoder,
 * the challenge file reader (unverified) and the challenge set reader
 * from memory (single file or tar archive). A payload that decodes must
 * re-encode to a payload that decodes to the same challenge.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/challenge.h"
#include "format/challenge_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct challenge c;
	const struct challenge_set_entry *ent;
	struct challenge_set s;
	struct cose_sign1 msg;

	roundtrip(data, size);
	if (challenge_file_open(data, size, &msg, &c, NULL) == 0)
		roundtrip(msg.payload, msg.payload_len);
	if (challenge_set_read_mem("fuzz", data, size, &s, NULL) == 0) {
		if (s.n == 0)
			abort();
		(void)challenge_set_find(&s, s.entries[0].ch.device_id, &ent,
		    NULL, NULL);
		challenge_set_free(&s);
	}
	return 0;
}
