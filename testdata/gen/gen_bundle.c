/*
 * gen_bundle.c - make a signed dossier bundle from files, for tests of
 * dossier inspect (tests/t_inspect.sh) without a TPM.
 *
 *   gen_bundle -k AKKEY.pem -o OUT [-K enrollment|evidence] [-c CREATED]
 *              [-C CHALLENGE-HEX] [-f KEY=VALUE]... [-T MEMBER]
 *              NAME=FILE...
 *
 * AKKEY.pem is a software ECC P-256 private key standing in for the AK;
 * its TPMT_PUBLIC is built here the way a TPM describes a restricted
 * ECDSA-SHA256 signing key (fixedTPM, fixedParent, sensitiveDataOrigin,
 * userWithAuth, restricted, sign; nameAlg SHA-256) and is the member
 * "ak.pub" (a TPM2B_PUBLIC) wherever NAME=FILE is "ak.pub=-". Members are
 * written in the order given, with the media types of dossier-bundle(5)
 * by name. The device id is the SHA-256 of the ek.crt member (zeros without
 * one). -T MEMBER flips the last byte of that member AFTER the manifest
 * was signed: a tampered bundle whose manifest is intact.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "format/bundle.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/tpm_public.h"

static const struct {
	const char *name, *media_type;
} media_types[] = {
	{ "ek.crt", "application/pkix-cert" },
	{ "ek.pub", "application/vnd.dossier.tpm2b-public" },
	{ "ak.pub", "application/vnd.dossier.tpm2b-public" },
	{ "pcrs.bin", "application/vnd.dossier.tpm2-pcrs" },
	{ "quote.attest", "application/vnd.dossier.tpms-attest" },
	{ "quote.sig", "application/vnd.dossier.tpmt-signature" },
	{ "ima.log", "application/vnd.dossier.ima-binary; digest=sha1; "
	    "byteorder=little" },
};

static void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "gen_bundle: %s%s%s\n", what, e ? ": " : "",
	    e ? e->msg : "");
	exit(1);
}

static const char *
media_type_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (strcmp(name, media_types[i].name) == 0)
			return media_types[i].media_type;
	return "application/octet-stream";
}

static void
bn_param(EVP_PKEY *k, const char *name, TPM2B_ECC_PARAMETER *out)
{
	BIGNUM *bn = NULL;

	if (EVP_PKEY_get_bn_param(k, name, &bn) != 1 ||
	    BN_bn2binpad(bn, out->buffer, 32) != 32)
		die("AK key is not a P-256 key", NULL);
	out->size = 32;
	BN_free(bn);
}

/* The AK's TPM2B_PUBLIC (u16 size || TPMT_PUBLIC) into buf. */
static size_t
make_ak_public(EVP_PKEY *k, uint8_t *buf, size_t cap, struct tpm_public *ak)
{
	TPMT_PUBLIC p;
	size_t off = 2;
	struct errbuf e;

	memset(&p, 0, sizeof(p));
	p.type = TPM2_ALG_ECC;
	p.nameAlg = TPM2_ALG_SHA256;
	p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
	    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &p.unique.ecc.x);
	bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &p.unique.ecc.y);
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&p, buf, cap, &off) != 0)
		die("marshal the AK public area", NULL);
	buf[0] = (uint8_t)((off - 2) >> 8);
	buf[1] = (uint8_t)(off - 2);
	if (tpm_public_parse_2b(buf, off, ak, &e) == -1)
		die("AK public area", &e);
	return off;
}

static EVP_PKEY *
read_key(const char *path)
{
	EVP_PKEY *k;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die(path, NULL);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		die("AK key: not a PEM private key", NULL);
	return k;
}

int
main(int argc, char **argv)
{
	static struct manifest m;
	struct bundle_input in[BUNDLE_MEMBERS_MAX];
	uint8_t *data[BUNDLE_MEMBERS_MAX];
	uint8_t akpub[TPM_PUBLIC_MAX_BYTES + 2], *file, *bundle;
	const char *key_path = NULL, *out = NULL, *tamper = NULL;
	struct tpm_public ak;
	struct tpm_name name;
	struct errbuf e;
	EVP_PKEY *key;
	size_t n = 0, i, len, file_len, bundle_len, akpub_len;
	char *eq;
	int ch;

	m.kind = MANIFEST_ENROLLMENT;
	m.created = 1700000000;
	snprintf(m.collector, sizeof(m.collector), "gen_bundle (test)");
	while ((ch = getopt(argc, argv, "k:o:K:c:C:f:T:")) != -1) {
		switch (ch) {
		case 'k': key_path = optarg; break;
		case 'o': out = optarg; break;
		case 'T': tamper = optarg; break;
		case 'K':
			m.kind = strcmp(optarg, "evidence") == 0 ?
			    MANIFEST_EVIDENCE : MANIFEST_ENROLLMENT;
			break;
		case 'c': m.created = strtoll(optarg, NULL, 10); break;
		case 'C':
			if (hex_decode(optarg, strlen(optarg), m.challenge_id,
			    sizeof(m.challenge_id)) !=
			    (long)sizeof(m.challenge_id))
				die("-C: 32 hex digits", NULL);
			m.has_challenge_id = true;
			break;
		case 'f':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    m.n_facts == MANIFEST_FACTS_MAX)
				die("-f KEY=VALUE", NULL);
			snprintf(m.facts[m.n_facts].key,
			    sizeof(m.facts[0].key), "%.*s",
			    (int)(eq - optarg), optarg);
			snprintf(m.facts[m.n_facts].value,
			    sizeof(m.facts[0].value), "%s", eq + 1);
			m.n_facts++;
			break;
		default:
			die("usage: gen_bundle -k AKKEY -o OUT NAME=FILE...",
			    NULL);
		}
	}
	if (key_path == NULL || out == NULL || optind == argc)
		die("usage: gen_bundle -k AKKEY -o OUT NAME=FILE...", NULL);
	key = read_key(key_path);
	akpub_len = make_ak_public(key, akpub, sizeof(akpub), &ak);
	if (tpm_public_name(&ak, &name, &e) == -1)
		die("AK Name", &e);
	m.ak_name = name;
	m.ak_location = MANIFEST_AK_PRIMARY;
	for (; optind < argc; optind++) {
		if (n == BUNDLE_MEMBERS_MAX)
			die("too many members", NULL);
		if ((eq = strchr(argv[optind], '=')) == NULL)
			die("members are NAME=FILE", NULL);
		*eq = '\0';
		in[n].name = argv[optind];
		in[n].media_type = media_type_of(argv[optind]);
		if (strcmp(eq + 1, "-") == 0) {
			data[n] = malloc(akpub_len);
			memcpy(data[n], akpub, akpub_len);
			len = akpub_len;
		} else if (file_read(eq + 1, BUNDLE_MEMBER_MAX_BYTES, &data[n],
		    &len, &e) == -1)
			die("member", &e);
		in[n].data = data[n];
		in[n].len = len;
		if (strcmp(in[n].name, "ek.crt") == 0)
			EVP_Digest(data[n], len, m.device_id, NULL,
			    EVP_sha256(), NULL);
		n++;
	}
	if (bundle_members_compute(in, n, m.members, &e) == -1)
		die("members", &e);
	m.n_members = n;
	if (manifest_sign_pkey(&m, COSE_ALG_ES256, key, &file, &file_len,
	    &e) == -1)
		die("sign the manifest", &e);
	for (i = 0; tamper != NULL && i < n; i++)
		if (strcmp(in[i].name, tamper) == 0 && in[i].len > 0)
			data[i][in[i].len - 1] ^= 0x01;
	if (bundle_write_mem(file, file_len, in, n, m.created, &bundle,
	    &bundle_len, &e) == -1)
		die("write the bundle", &e);
	if (file_write_atomic(out, bundle, bundle_len, &e) == -1)
		die(out, &e);
	free(bundle);
	free(file);
	for (i = 0; i < n; i++)
		free(data[i]);
	EVP_PKEY_free(key);
	return 0;
}
