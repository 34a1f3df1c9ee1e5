/*
 * fuzz_bundle_struct.c - libFuzzer target: judge_bundle_offline()
 * (verify/judge.h, what `dossier inspect --explain` runs) over evidence
 * bundles, with the structure-aware mutator of fuzz/bundle_mutator.h.
 *
 * fuzz-link: verify   (the Makefile links verify/'s objects for this)
 *
 * Offline judgement checks the manifest with the bundle's own ak.pub, so a
 * bundle whose members and manifest the mutator changed and re-signed
 * with the fixed test AK gets past the signature to the per-member,
 * quote and IMA checks. Each result is then assembled as the JSON line
 * dossier prints (format/results.h), and its invariants checked: a verdict
 * of the three, at most RESULT_CHECKS_MAX checks, each with a name.
 * Seeds: bundles minted with the test AK (fuzz/keys/mint-seeds.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "format/results.h"
#include "fuzz/bundle_mutator.h"
#include "verify/judge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result r;
	struct judge_input in = { .name = "fuzz.bundle" };
	struct errbuf e;
	char *line;
	size_t len, i;

	judge_bundle_offline(1800000000, &in, data, size, &r);
	if ((r.verdict != RESULT_PASS && r.verdict != RESULT_FAIL &&
	    r.verdict != RESULT_ERROR) || r.n_checks > RESULT_CHECKS_MAX)
		__builtin_trap();
	for (i = 0; i < r.n_checks; i++)
		if (r.checks[i].name[0] == '\0')
			__builtin_trap();
	if (result_json_line(&r, &line, &len, &e) == -1)
		__builtin_trap();	/* every result has a line */
	if (len == 0 || line[len - 1] != '\n' || strlen(line) != len)
		__builtin_trap();
	free(line);
	return 0;
}
