/*
 * fuzz_pubkey.c - libFuzzer target for public-key files: detection of
 * TPM2B_PUBLIC / TPMT_PUBLIC / PEM / DER, strict TPMT_PUBLIC parsing,
 * Names, conversion to OpenSSL keys and the EK/AK attribute checks.
 */
#include <stddef.h>
#include <stdint.h>

#include "format/tpm_public.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pubkey k;
	struct tpm_name name, qn, hier;
	struct errbuf e;

	if (pubkey_parse(data, size, &k, &e) != 0)
		return 0;
	if (k.has_tpm) {
		(void)tpm_public_check_ak(&k.tpm, &e);
		(void)tpm_public_check_ek(&k.tpm, &e);
		if (tpm_public_name(&k.tpm, &name, &e) == 0) {
			tpm_hierarchy_qn(0x4000000B, &hier);
			(void)tpm_qualified_name(&hier, &name, &qn, &e);
		}
	} else {
		struct tpm_public rebuilt;
		(void)tpm_public_from_ek_pkey(k.pkey, &rebuilt, NULL, &e);
	}
	pubkey_free(&k);
	return 0;
}
