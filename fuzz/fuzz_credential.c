/*
 * fuzz_credential.c - libFuzzer target for credential_file_parse (the
 * tpm2-tools credential file). A file that parses must re-encode to the
 * same bytes: the parser accepts only the one encoding we write.
 */
#include <stdint.h>
#include <string.h>

#include "format/credential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credential c;
	struct errbuf e;
	uint8_t again[CREDENTIAL_FILE_MAX];
	const uint8_t *hmac, *enc;
	size_t len = 0, hmac_len, enc_len;

	if (credential_file_parse(data, size, &c, &e) == -1)
		return 0;
	if (credential_blob_split(&c.blob, &hmac, &hmac_len, &enc, &enc_len,
	    &e) == -1 || 2 + hmac_len + enc_len != c.blob.size)
		__builtin_trap();
	if (credential_file_encode(&c, again, sizeof(again), &len, &e) == -1 ||
	    len != size || memcmp(again, data, size) != 0)
		__builtin_trap();
	return 0;
}
