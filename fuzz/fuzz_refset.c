/*
 * fuzz_refset.c - libFuzzer target for the reference-set readers of
 * policy/ima_refset.h that take bytes: refset_add_sums (sha*sum lists)
 * and refset_add_ima_log (binary list or ascii_runtime_measurements),
 * then refset_seal and a walk over the sealed entries.
 *
 * The first input byte picks: bit 0 set, an IMA log (bit 1: column
 * algorithm sha256, else sha1); clear, a sum list (bit 1: SHA-1 lines
 * allowed). The rest is the file. Every sealed entry must have a path.
 * Seeds in fuzz/corpus/fuzz_refset/: sum lists (sha256, sha1, escaped
 * names, a bad line) and real IMA logs of testdata/ima, prefixed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "format/hashalg.h"
#include "policy/ima_refset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct refset *s;
	struct errbuf e;
	uint8_t mode;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	if (refset_new("fuzz", &s, &e) == -1)
		return 0;
	if (mode & 1)
		rc = refset_add_ima_log(s, data + 1, size - 1,
		    hashalg_by_name(mode & 2 ? "sha256" : "sha1"), "fuzz.log",
		    "fuzz", &e);
	else
		rc = refset_add_sums(s, data + 1, size - 1, "fuzz.sums",
		    (mode & 2) != 0, "fuzz", &e);
	if (rc == 0 && refset_seal(s, &e) == 0 && !refset_sealed(s))
		__builtin_trap();
	refset_free(s);
	return 0;
}
