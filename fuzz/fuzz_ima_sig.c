/*
 * fuzz_ima_sig.c - libFuzzer target for IMA signature checks
 * (format/ima_sig.h): keyring loading and ima_sig_check() over the
 * records of a fuzzed binary list.
 *
 * Input: u16 little-endian K, then K bytes given to ima_keyring_add() as
 * one key file, then a binary IMA list (SHA-1 column). Every record is
 * checked against that keyring and against a fixed one holding the test
 * keys of testdata/ima/sig (rsa.crt, ec.crt), so the seeds signed by
 * those keys (fuzz/corpus/fuzz_ima_sig) reach every verification path.
 * A VALID verdict from the fuzzed keyring is possible (it may hold a real
 * key); the check is that nothing crashes, leaks or reads out of bounds,
 * and that every result is one of the documented statuses, with a name.
 * The key file is also added to a keyring that already holds the test
 * keys, so keyid clashes and duplicates are met.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/ima_log.h"
#include "format/ima_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char test_keys[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDITCCAgmgAwIBAgIUX8eH7UzFh58O1Ubz5J4Q5hT7CIswDQYJKoZIhvcNAQEL\n"
    "BQAwHzEdMBsGA1UEAwwUZG9zc2llci1pbWEtdGVzdC1yc2EwIBcNMjYxMTIxMDc1\n"
    "MjA0WhgPMjEyNjEwMjgwNzUyMDRaMB8xHTAbBgNVBAMMFGRvc3NpZXItaW1hLXRl\n"
    "c3QtcnNhMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApHahNJVUPec3\n"
    "h62YQzUDHZ4mYCzfihrTaAlZSjI2Z25PsjV21qJrgvf47/FuCWT5vK8f7N7C50z3\n"
    "ixuNZW5J3fmyT+UvktIgLSLGPlESQD7YXdFXK4SqzefzFrLnSR5Nv4c4kj0h+IW7\n"
    "7ARreL3cYqTgK+U+JmkDg6Atwk01Hlqp4OVPlcfWJou8v1SAO/oS0EjWVt/nxmGD\n"
    "1E6W3aXQFU3FncEb/Yid+8JUruY6bYX62i4zUL/+Bd8lMYiyyabVe33D6uCKX0MW\n"
    "qRo/FBRWNNNRtm8bFIRW5T/X1/HuOIflbuLIokSx17MPw3k7iLHPhWuskLs5PgZI\n"
    "3JsDaxswNQIDAQABo1MwUTAdBgNVHQ4EFgQUjHvUhu5iuYcTWRgrHBOeYnMi1NYw\n"
    "HwYDVR0jBBgwFoAUjHvUhu5iuYcTWRgrHBOeYnMi1NYwDwYDVR0TAQH/BAUwAwEB\n"
    "/zANBgkqhkiG9w0BAQsFAAOCAQEACu7UpktbAVm7rFgM/0EIJbE4EdBD0aBDZptx\n"
    "uqvlXdUGy3VbvgamMCBANoYYHgOpapUE9KL+NJtALAokc6wcrFq/uEDZ4b2T+7K4\n"
    "0+1DA4X1dS+q2k1GJNVzn8i2Kz6zjPg9v5G4b15/g/mqKWagqJKQbu08G6ABPo5b\n"
    "Jx/1HIZCE5IVGWi2w+3+wvDRrf2VTURlrF4eNBE2BjcdjFui4m0pozSYBrlvW6+o\n"
    "Nro/Frevow/0ySBMeMTPHDIqkIjWDIMjux9wyzOQHXq8M7nt6w5NvXB2ARvfFgW3\n"
    "vRQX6YaQ/n9qeug5bSHv8sljZMp1ndc+WChbt0HECaL/pukkLg==\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkzCCATmgAwIBAgIUUTy/FbdM9fHAiVhkr88BvZfn8DkwCgYIKoZIzj0EAwIw\n"
    "HjEcMBoGA1UEAwwTZG9zc2llci1pbWEtdGVzdC1lYzAgFw0yNjExMjEwNzUyMDRa\n"
    "GA8yMTI2MTAyODA3NTIwNFowHjEcMBoGA1UEAwwTZG9zc2llci1pbWEtdGVzdC1l\n"
    "YzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABMzmEQzFsivy5hutuCG8F8vnE1EV\n"
    "rU3QReu0RxhOKoWM/3KZvg4AgD4Q9UirmVc8xNgQwoLi291GWSyluOIGc4ajUzBR\n"
    "MB0GA1UdDgQWBBTm3GISWYdtROBMi6LPyT1SKDvxuzAfBgNVHSMEGDAWgBTm3GIS\n"
    "WYdtROBMi6LPyT1SKDvxuzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA\n"
    "MEUCIQDRT2aRAn1booFzVZCOc++1AOpRS0UT/ZXWPOCmVo514wIgFy1PnCAKYZL2\n"
    "Ng1ZCzzsRg2Id/OZjVNwr2e5xpvj+HU=\n"
    "-----END CERTIFICATE-----\n"
    ;

static struct ima_keyring *fixed;

static void
check_one(const struct ima_keyring *kr, const struct ima_record *rec)
{
	struct ima_sig_result r;
	struct errbuf e;

	if (ima_sig_check(kr, rec, &r, &e) < 0)
		return;
	if (r.status > IMA_SIG_INVALID || strlen(r.why) >= sizeof(r.why) ||
	    strcmp(ima_sig_status_name(r.status), "?") == 0)
		__builtin_trap();
	if (r.status == IMA_SIG_VALID && r.kind == NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ima_keyring *kr = NULL;
	struct ima_parser p;
	struct ima_record rec;
	struct errbuf e;
	size_t k, off, need;

	if (fixed == NULL && (ima_keyring_new(&fixed, &e) < 0 ||
	    ima_keyring_add(fixed, (const uint8_t *)test_keys,
	    sizeof(test_keys) - 1, "test keys", &e) < 0))
		abort();
	if (size < 2)
		return 0;
	k = (size_t)data[0] | (size_t)data[1] << 8;
	if (k > size - 2)
		k = size - 2;
	if (ima_keyring_new(&kr, &e) < 0)
		return 0;
	(void)ima_keyring_add(kr, data + 2, k, "fuzz", &e);
	{
		struct ima_keyring *both;
		size_t n0;

		if (ima_keyring_new(&both, &e) < 0 ||
		    ima_keyring_add(both, (const uint8_t *)test_keys,
		    sizeof(test_keys) - 1, "test keys", &e) < 0)
			abort();
		n0 = ima_keyring_count(both);
		if (ima_keyring_add(both, data + 2, k, "fuzz", &e) == 0 &&
		    ima_keyring_count(both) < n0)
			__builtin_trap();
		ima_keyring_free(both);
	}
	off = 2 + k;
	ima_parser_init(&p, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	while (off < size && ima_parse_record(&p, data + off, size - off,
	    &rec, &need, &e) == IMA_PARSE_RECORD) {
		check_one(fixed, &rec);
		check_one(kr, &rec);
		off += rec.size;
	}
	ima_keyring_free(kr);
	return 0;
}
