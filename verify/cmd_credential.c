/*
 * cmd_credential.c - dossier credential make: TPM2_MakeCredential in
 * software (see dossier-credential(1) and format/credential.h).
 *
 *   dossier credential make --ek EKPUB (--ak AKPUB | --ak-name HEX)
 *       --secret HEX -o FILE
 *
 * Checks printed: credential.ek-attributes, credential.ak-attributes (SKIP
 * with --ak-name). Then "ek-type TYPE" and "ak-name HEX" lines.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/credential.h"
#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/tpm_public.h"
#include "verify/cmd.h"
#include "verify/report.h"

struct make_args {
	const char *ek_path;
	const char *ak_path;
	const char *ak_name_hex;
	const char *secret_hex;
	const char *out_path;
};

static void
make_usage(FILE *f)
{
	fputs("usage: dossier credential make --ek ekpub "
	    "(--ak akpub | --ak-name hex)\n"
	    "           --secret hex -o file\n", f);
}

static enum outcome
parse_make_args(int argc, char **argv, struct make_args *a)
{
	static const struct option opts[] = {
		{ "ek", required_argument, NULL, 'e' },
		{ "ak", required_argument, NULL, 'a' },
		{ "ak-name", required_argument, NULL, 'n' },
		{ "secret", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;	/* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			a->ek_path = optarg;
			break;
		case 'a':
			a->ak_path = optarg;
			break;
		case 'n':
			a->ak_name_hex = optarg;
			break;
		case 's':
			a->secret_hex = optarg;
			break;
		case 'o':
			a->out_path = optarg;
			break;
		case 'h':
			make_usage(stdout);
			return OUTCOME_HOLDS;
		default:
			make_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("credential make: unexpected argument '%s'",
		    argv[optind]);
		return OUTCOME_ERROR;
	}
	if (a->ek_path == NULL || a->secret_hex == NULL ||
	    a->out_path == NULL ||
	    (a->ak_path == NULL) == (a->ak_name_hex == NULL)) {
		cmd_error("credential make: --ek, --secret, -o and one of "
		    "--ak or --ak-name are required");
		make_usage(stderr);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* tpm2-tools' spelling of a key type: rsa2048, ecc384. */
static void
key_type_name(const struct tpm_public *p, char *out, size_t cap)
{
	static const struct { uint16_t id; const char *name; } curves[] = {
		{ TPM2_ECC_NIST_P256, "ecc256" },
		{ TPM2_ECC_NIST_P384, "ecc384" },
		{ TPM2_ECC_NIST_P521, "ecc521" },
	};
	size_t i;

	if (p->pub.type == TPM2_ALG_RSA) {
		snprintf(out, cap, "rsa%u", p->pub.parameters.rsaDetail.keyBits);
		return;
	}
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].id == p->pub.parameters.eccDetail.curveID) {
			snprintf(out, cap, "%s", curves[i].name);
			return;
		}
	snprintf(out, cap, "ecc-curve-0x%04x",
	    p->pub.parameters.eccDetail.curveID);
}

/*
 * Read the EK: a TPM public area, or a SubjectPublicKeyInfo completed with
 * the TCG default EK template for its type (said on stderr).
 */
static enum outcome
load_ek(const char *path, struct tpm_public *ek)
{
	struct errbuf e;
	struct pubkey k;
	const char *tmpl = NULL;
	uint8_t *buf = NULL;
	size_t len;
	enum outcome rc = OUTCOME_ERROR;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, &len, &e) != 0) {
		cmd_error("%s", e.msg);
		return OUTCOME_ERROR;
	}
	if (pubkey_parse(buf, len, &k, &e) != 0) {
		cmd_error("EK %s: %s", path, e.msg);
		free(buf);
		return OUTCOME_ERROR;
	}
	if (k.has_tpm) {
		*ek = k.tpm;
		rc = OUTCOME_HOLDS;
	} else if (tpm_public_from_ek_pkey(k.pkey, ek, &tmpl, &e) != 0) {
		cmd_error("EK %s: %s", path, e.msg);
	} else {
		cmd_error("EK given as a SubjectPublicKeyInfo: assuming %s",
		    tmpl);
		rc = OUTCOME_HOLDS;
	}
	pubkey_free(&k);
	free(buf);
	return rc;
}

/* Read the AK: only a TPM public area has the attributes its Name covers. */
static enum outcome
load_ak(const char *path, struct tpm_public *ak)
{
	struct errbuf e;
	struct pubkey k;
	uint8_t *buf = NULL;
	size_t len;
	enum outcome rc = OUTCOME_ERROR;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, &len, &e) != 0) {
		cmd_error("%s", e.msg);
		return OUTCOME_ERROR;
	}
	if (pubkey_parse(buf, len, &k, &e) != 0) {
		cmd_error("AK %s: %s", path, e.msg);
	} else if (!k.has_tpm) {
		cmd_error("AK %s: a %s has no TPM attributes and no Name: give "
		    "the TPM2B_PUBLIC (tpm2_createak -u) or --ak-name", path,
		    pubkey_format_name(k.format));
		pubkey_free(&k);
	} else {
		*ak = k.tpm;
		pubkey_free(&k);
		rc = OUTCOME_HOLDS;
	}
	free(buf);
	return rc;
}

/* --ak-name: nameAlg || digest, as tpm2_createak -n writes it, in hex. */
static enum outcome
decode_ak_name(const char *hex, struct tpm_name *name)
{
	const struct hashalg *h;
	long n;

	n = hex_decode(hex, strlen(hex), name->b, sizeof(name->b));
	if (n < 2) {
		cmd_error("--ak-name: not a hex Name of at most %u bytes",
		    TPM_NAME_MAX_BYTES);
		return OUTCOME_ERROR;
	}
	name->len = (size_t)n;
	h = hashalg_by_tpm(load_be16(name->b));
	if (h == NULL || name->len != 2 + h->size) {
		cmd_error("--ak-name: %zu bytes starting %02x%02x is not "
		    "nameAlg || digest", name->len, name->b[0], name->b[1]);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

static enum outcome
write_credential(const struct tpm_public *ek, const struct tpm_name *name,
    const uint8_t *secret, size_t secret_len, const char *path)
{
	struct credential cred;
	struct errbuf e;
	uint8_t file[CREDENTIAL_FILE_MAX];
	size_t len;

	if (credential_make(ek, name, secret, secret_len, &cred, &e) != 0 ||
	    credential_file_encode(&cred, file, sizeof(file), &len, &e) != 0) {
		cmd_error("credential make: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (file_write_atomic(path, file, len, &e) != 0) {
		cmd_error("%s", e.msg);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

static enum outcome
cmd_credential_make(int argc, char **argv)
{
	struct make_args a;
	struct tpm_public ek, ak;
	struct tpm_name name;
	struct report r;
	struct errbuf e;
	uint8_t secret[HASHALG_MAX_SIZE];
	char type[32], name_hex[2 * TPM_NAME_MAX_BYTES + 1];
	long secret_len;
	enum outcome rc;
	FILE *out;

	if ((rc = parse_make_args(argc, argv, &a)) != OUTCOME_HOLDS ||
	    a.ek_path == NULL)
		return rc;
	secret_len = hex_decode(a.secret_hex, strlen(a.secret_hex), secret,
	    sizeof(secret));
	if (secret_len < 1) {
		cmd_error("--secret: not 1 to %d bytes of hex", HASHALG_MAX_SIZE);
		return OUTCOME_ERROR;
	}
	if (load_ek(a.ek_path, &ek) != OUTCOME_HOLDS)
		return OUTCOME_ERROR;
	if (a.ak_path != NULL) {
		if (load_ak(a.ak_path, &ak) != OUTCOME_HOLDS)
			return OUTCOME_ERROR;
		if (tpm_public_name(&ak, &name, &e) != 0) {
			cmd_error("AK %s: %s", a.ak_path, e.msg);
			return OUTCOME_ERROR;
		}
	} else if (decode_ak_name(a.ak_name_hex, &name) != OUTCOME_HOLDS)
		return OUTCOME_ERROR;
	if ((size_t)secret_len > credential_secret_max(&ek)) {
		cmd_error("--secret: %ld bytes is longer than %zu bytes, the "
		    "digest size of the EK's name algorithm", secret_len,
		    credential_secret_max(&ek));
		return OUTCOME_ERROR;
	}

	/* With -o - the credential owns standard output. */
	out = strcmp(a.out_path, "-") == 0 ? stderr : stdout;
	report_init(&r, out);
	if (tpm_public_check_ek(&ek, &e) != 0)
		report_fail(&r, "credential.ek-attributes", "%s", e.msg);
	else
		report_ok(&r, "credential.ek-attributes", NULL);
	if (a.ak_path == NULL) {
		cmd_error("--ak-name: the AK's attributes cannot be checked; "
		    "make sure this Name is that of a restricted signing key");
		report_skip(&r, "credential.ak-attributes",
		    "only the Name was given");
	} else if (tpm_public_check_ak(&ak, &e) != 0)
		report_fail(&r, "credential.ak-attributes", "%s", e.msg);
	else
		report_ok(&r, "credential.ak-attributes", NULL);
	key_type_name(&ek, type, sizeof(type));
	hex_encode(name.b, name.len, name_hex);
	fprintf(out, "ek-type %s\nak-name %s\n", type, name_hex);
	fflush(out);
	if (r.failed > 0)
		return OUTCOME_FAILS;
	return write_credential(&ek, &name, secret, (size_t)secret_len,
	    a.out_path);
}

enum outcome
cmd_credential(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "make") == 0)
		return cmd_credential_make(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		make_usage(stdout);
		return OUTCOME_HOLDS;
	}
	if (argc < 2)
		cmd_error("credential: missing subcommand (make)");
	else
		cmd_error("credential: unknown subcommand '%s'", argv[1]);
	make_usage(stderr);
	return OUTCOME_ERROR;
}
