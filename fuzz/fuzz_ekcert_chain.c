/*
 * fuzz_ekcert_chain.c - libFuzzer target for EK certificate chain
 * verification (ekcert_verify_chain) against the real manufacturer CAs of
 * testdata/ek/ca/, after ekcert_parse and the TPM-attribute classification.
 *
 * The first input byte picks the store and the time; the rest is the
 * certificate as ekcert_parse takes it (DER, PEM, NV contents):
 *   bit 0  clear: self-signed roots only as trust anchors (Google, Infineon
 *          and the self-signed ones of keylime's store), every CA file as
 *          an untrusted intermediate: full chains only;
 *          set: every CA file as a trust anchor, so the store holds roots
 *          that are not self-signed and PARTIAL_CHAIN is on
 *   bits 1-2  the time: 1700000000 (2023), 2000000000 (2033),
 *          4000000000 (2096: every CA expired), 946684800 (2000: not yet
 *          valid)
 * The stores are loaded once (LLVMFuzzerInitialize) from paths relative to
 * the repository root, where make fuzz-smoke, fuzz/campaign.sh and
 * fuzz/coverage.sh run the targets. A verified chain must name its anchor
 * and have a length of at least 1; a refused one must say why.
 * Seeds: the real EK certificates of testdata/ek/leaf/ and malformed/ (see
 * testdata/ek/PROVENANCE.md), each with mode bytes 0, 1 and 2.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/ekcert.h"
#include "format/x509_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct x509_store full;		/* self-signed anchors only */
static struct x509_store partial;	/* every CA an anchor */

static const char *const ca_dirs[] = {
	"testdata/ek/ca/google-ek-ak-ca",
	"testdata/ek/ca/infineon-optiga",
	"testdata/ek/ca/keylime-tpm_cert_store",
};
static const char *const self_signed[] = {
	"testdata/ek/ca/google-ek-ak-ca/gcp_ek_ak_ca_root.crt",
	"testdata/ek/ca/infineon-optiga/rsa-root-ca.crt",
	"testdata/ek/ca/infineon-optiga/ecc-root-ca.crt",
	"testdata/ek/ca/keylime-tpm_cert_store/GS_TPM_RT.pem",
};

static void
load(int rc, const struct errbuf *e)
{
	if (rc != 0) {
		fprintf(stderr, "fuzz_ekcert_chain: %s (run from the "
		    "repository root)\n", e->msg);
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf e;
	size_t i;

	(void)argc;
	(void)argv;
	load(x509_store_init(&full, &e), &e);
	load(x509_store_init(&partial, &e), &e);
	for (i = 0; i < sizeof(self_signed) / sizeof(self_signed[0]); i++)
		load(x509_store_add_roots(&full, self_signed[i], &e), &e);
	for (i = 0; i < sizeof(ca_dirs) / sizeof(ca_dirs[0]); i++) {
		load(x509_store_add_intermediates(&full, ca_dirs[i], &e), &e);
		load(x509_store_add_roots(&partial, ca_dirs[i], &e), &e);
	}
	if (full.root_not_self_signed || !partial.root_not_self_signed) {
		fprintf(stderr, "fuzz_ekcert_chain: the stores are not what "
		    "this target says they are\n");
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[EKCERT_TPM_ATTRS_WHY_MAX];
	struct ekcert_chain ch;
	struct ekcert c;
	struct errbuf e;
	static const time_t times[4] = { 1700000000, 2000000000, 4000000000,
	    946684800 };
	time_t at;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	at = times[(mode >> 1) & 3];
	if (ekcert_parse(data + 1, size - 1, &c, &e) != 0)
		return 0;
	(void)ekcert_tpm_attributes(&c.facts, why, sizeof(why));
	if (ekcert_verify_chain(&c, mode & 1 ? &partial : &full, &at, &ch,
	    &e) == 0) {
		if (ch.verified && (ch.length < 1 || ch.anchor[0] == '\0'))
			abort();
		if (!ch.verified && ch.reason[0] == '\0')
			abort();
	}
	ekcert_free(&c);
	return 0;
}
