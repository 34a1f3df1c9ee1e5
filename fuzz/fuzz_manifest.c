/*
 * fuzz_manifest.c - libFuzzer target for the manifest decoder and the
 * MANIFEST file reader. A payload that decodes must re-encode, and the
 * re-encoding must decode to a manifest that encodes to the same bytes
 * (extension keys are dropped by the first decode, so the comparison
 * starts from the first re-encoding).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const uint8_t *data, size_t size)
{
	static struct manifest m, m2;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;

	if (manifest_decode(data, size, &m, NULL) != 0)
		return;
	if (manifest_encode(&m, &a, &alen, NULL) != 0 ||
	    manifest_decode(a, alen, &m2, NULL) != 0 ||
	    manifest_encode(&m2, &b, &blen, NULL) != 0 ||
	    alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cose_sign1 msg;

	roundtrip(data, size);
	if (manifest_file_open(data, size, &msg, NULL) == 0)
		roundtrip(msg.payload, msg.payload_len);
	return 0;
}
