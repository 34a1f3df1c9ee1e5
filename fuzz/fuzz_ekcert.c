/*
 * fuzz_ekcert.c - libFuzzer target for the EK certificate parse path:
 * locating the DER in NV contents (padding, TCG NV header), PEM, d2i_X509
 * over the original bytes, and the facts extracted from the extensions.
 * The chain verification is not fuzzed (it is OpenSSL's).
 */
#include <stddef.h>
#include <stdint.h>

#include "format/ekcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ekcert_container k;
	struct ekcert c;
	struct errbuf e;

	(void)ekcert_locate(data, size, &k, &e);
	if (ekcert_parse(data, size, &c, &e) != 0)
		return 0;
	(void)ekcert_validity_at(&c, 1700000000);
	ekcert_free(&c);
	return 0;
}
