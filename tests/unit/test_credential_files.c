/*
 * test_credential_files.c - credential files written by tpm2-tools'
 * tpm2_makecredential (testdata/credential/, see PROVENANCE.md) parse with
 * credential_file_parse, and credential_make gives files of the same layout
 * for the same EK public keys and AK Names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/credential.h"
#include "format/fileio.h"
#include "format/tpm_public.h"
#include "tests/unit/check.h"

#define DIR "testdata/credential/"

static int
slurp(const char *path, uint8_t **buf, size_t *len)
{
	struct errbuf e;

	if (file_read(path, FILEIO_MAX_SMALL, buf, len, &e) != 0) {
		printf("# %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void
check_layout(const char *what, const struct credential *c, size_t hmac_want,
    size_t enc_want)
{
	const uint8_t *hmac, *enc;
	size_t hmac_len = 0, enc_len = 0;

	CHECK(credential_blob_split(&c->blob, &hmac, &hmac_len, &enc, &enc_len,
	    NULL) == 0 && hmac_len == hmac_want && enc_len == enc_want,
	    "%s: outer HMAC %zu bytes, encIdentity %zu bytes", what, hmac_want,
	    enc_want);
}

static void
test_one(const char *label, const char *ek_file, const char *name_file,
    const char *cred_file, size_t hmac_want, int ecc)
{
	uint8_t *ekb = NULL, *nameb = NULL, *credb = NULL, *secret = NULL;
	uint8_t mine[CREDENTIAL_FILE_MAX];
	size_t ekl, namel, credl, secretl, minel = 0, i, refused = 0;
	struct credential tools, ours;
	struct tpm_public ek;
	struct tpm_name name;
	struct errbuf e;
	char what[128];

	if (slurp(ek_file, &ekb, &ekl) != 0 ||
	    slurp(name_file, &nameb, &namel) != 0 ||
	    slurp(cred_file, &credb, &credl) != 0 ||
	    slurp(DIR "secret.bin", &secret, &secretl) != 0) {
		CHECK(0, "%s: fixtures readable", label);
		goto out;
	}
	snprintf(what, sizeof(what), "%s tpm2_makecredential file", label);
	CHECK(credential_file_parse(credb, credl, &tools, &e) == 0,
	    "%s parses", what);
	check_layout(what, &tools, hmac_want, 2 + secretl);
	if (ecc) {
		TPMS_ECC_POINT p;
		size_t off = 0;

		CHECK(Tss2_MU_TPMS_ECC_POINT_Unmarshal(tools.secret.secret,
		    tools.secret.size, &off, &p) == 0 &&
		    off == tools.secret.size && p.x.size == 48 && p.y.size == 48,
		    "%s: secret is a TPMS_ECC_POINT with 48-byte coordinates",
		    what);
	} else {
		CHECK(tools.secret.size == 256,
		    "%s: secret is a 256-byte RSA-OAEP block", what);
	}
	for (i = 0; i < credl; i++)
		if (credential_file_parse(credb, i, &tools, NULL) == -1)
			refused++;
	CHECK(refused == credl, "%s: every truncation refused", what);

	/* Ours for the same EK and Name has the same shape. */
	credential_file_parse(credb, credl, &tools, NULL);
	memcpy(name.b, nameb, namel);
	name.len = namel;
	CHECK(tpm_public_parse_2b(ekb, ekl, &ek, &e) == 0 &&
	    credential_make(&ek, &name, secret, secretl, &ours, &e) == 0 &&
	    credential_file_encode(&ours, mine, sizeof(mine), &minel, &e) == 0,
	    "%s: credential_make for the same EK and Name", label);
	CHECK(minel == credl && memcmp(mine, credb, 12) == 0 &&
	    ours.secret.size == tools.secret.size,
	    "%s: our file has the same header, sizes and length as "
	    "tpm2-tools' (%zu bytes)", label, credl);
	CHECK(memcmp(mine + 12, credb + 12, credl - 12) != 0,
	    "%s: but different bytes (fresh seed)", label);
out:
	free(ekb);
	free(nameb);
	free(credb);
	free(secret);
}

int
main(void)
{
	test_one("RSA-2048 EK", DIR "ek-rsa2048.pub", DIR "ak-rsa.name",
	    DIR "tpm2tools-rsa2048.cred", 32, 0);
	test_one("P-384 EK", DIR "ek-ecc384.pub", DIR "ak-ecc.name",
	    DIR "tpm2tools-ecc384.cred", 48, 1);
	return check_finish();
}
