/*
 * fuzz_results.c - libFuzzer target for the result payload decoder and
 * the result file reader (unverified). A payload that decodes must
 * re-encode byte for byte and give a JSON line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result r;
	struct cose_sign1 msg;
	char *esc = NULL;

	roundtrip(data, size);
	if (result_file_open(data, size, &msg, &r, NULL) == 0)
		roundtrip(msg.payload, msg.payload_len);
	if (result_json_escape((const char *)data, size, &esc, NULL) == 0)
		free(esc);
	return 0;
}
