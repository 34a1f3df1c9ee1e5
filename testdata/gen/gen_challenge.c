/*
 * gen_challenge.c - make a signed challenge (format/challenge.h) for a
 * device, with the format API alone, for tests of `dossier-collect attest`
 * that must not depend on the verifier's commands.
 *
 *   gen_challenge --ek EK.pub --ak AK.pub --key VERIFIER.pem
 *                 (--ek-cert EK.der | --device-id HEX) [--selection SPEC]
 *                 [--expires SECONDS] [--logs NAME[,NAME...]] -o OUT.dchal
 *   gen_challenge --set OUT.tar CHALLENGE.dchal...
 *
 * EK.pub and AK.pub are TPM2B_PUBLIC (or TPMT_PUBLIC) files, e.g. the
 * members of an enrollment bundle or tpm2_readpublic -o. VERIFIER.pem is
 * the verifier's P-256 private key (openssl genpkey). The device id is the
 * SHA-256 of EK.der, or given. The nonce (32 random bytes) is wrapped with
 * credential_make to the EK and the AK's Name. Defaults: selection
 * "sha1:0-10+sha256:0-10", logs "ima", not-after = now + 3600; issued is
 * an hour before now, so a negative --expires makes an expired challenge.
 * Prints "nonce HEX" and "challenge-id HEX" on stdout.
 *
 * The second form writes the challenge archive of the given files
 * (challenge_set_write_mem, mtime 0).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <tss2/tss2_mu.h>

#include "format/challenge.h"
#include "format/challenge_set.h"
#include "format/credential.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"

#define NONCE_LEN 32
#define INPUT_MAX (64 * 1024)

struct opts {
	const char *ek, *ak, *key, *ek_cert, *device_id, *out;
	const char *selection, *logs;
	long long expires;
};

static void die(const char *, const struct errbuf *) __attribute__((noreturn));
static void usage(void) __attribute__((noreturn));

static void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "gen_challenge: %s%s%s\n", what, e ? ": " : "",
	    e ? e->msg : "");
	exit(1);
}

static void
usage(void)
{
	fputs("usage: gen_challenge --ek EK.pub --ak AK.pub --key VERIFIER.pem\n"
	    "           (--ek-cert EK.der | --device-id HEX) [--selection SPEC]\n"
	    "           [--expires SECONDS] [--logs NAME[,NAME...]] -o OUT\n"
	    "       gen_challenge --set OUT.tar CHALLENGE...\n", stderr);
	exit(2);
}

static void
read_public(const char *path, struct tpm_public *out)
{
	struct errbuf e;
	struct pubkey k;
	uint8_t *buf;
	size_t len;

	if (file_read(path, INPUT_MAX, &buf, &len, &e) != 0)
		die(path, &e);
	if (pubkey_parse(buf, len, &k, &e) != 0)
		die(path, &e);
	if (!k.has_tpm)
		die("not a TPM public area", NULL);
	*out = k.tpm;
	pubkey_free(&k);
	free(buf);
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
		die("not a PEM private key", NULL);
	return k;
}

static void
device_id(const struct opts *o, uint8_t out[CHALLENGE_DEVICE_ID_LEN])
{
	struct errbuf e;
	uint8_t *buf;
	size_t len;

	if (o->device_id != NULL) {
		if (strlen(o->device_id) != 2 * CHALLENGE_DEVICE_ID_LEN ||
		    hex_decode(o->device_id, strlen(o->device_id), out,
		    CHALLENGE_DEVICE_ID_LEN) != CHALLENGE_DEVICE_ID_LEN)
			die("--device-id: 64 hex digits", NULL);
		return;
	}
	if (file_read(o->ek_cert, INPUT_MAX, &buf, &len, &e) != 0)
		die(o->ek_cert, &e);
	if (hashalg_digest(hashalg_by_name("sha256"), buf, len, out) != 0)
		die("sha256", NULL);
	free(buf);
}

static unsigned
parse_logs(const char *list)
{
	const char *p = list, *c;
	unsigned logs = 0, bit;
	size_t n;

	while (*p != '\0') {
		c = strchr(p, ',');
		n = c ? (size_t)(c - p) : strlen(p);
		if ((bit = challenge_log_by_name(p, n)) == 0)
			die("--logs: unknown log name", NULL);
		logs |= bit;
		p += n + (c != NULL);
	}
	return logs;
}

static void
selection(const char *spec, struct challenge *c)
{
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	size_t off = 0;

	if (tpm_selection_from_spec(spec, &sel, &e) != 0)
		die("--selection", &e);
	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, c->selection,
	    sizeof(c->selection), &off) != TSS2_RC_SUCCESS)
		die("marshaling the selection", NULL);
	c->selection_len = off;
}

static void
make_challenge(const struct opts *o)
{
	struct tpm_public ek, ak;
	struct tpm_name ak_name;
	struct credential cred;
	struct challenge c;
	struct errbuf e;
	EVP_PKEY *key;
	uint8_t nonce[NONCE_LEN], *file;
	size_t len;
	char hex[2 * NONCE_LEN + 1];
	int64_t now = (int64_t)time(NULL);

	memset(&c, 0, sizeof(c));
	read_public(o->ek, &ek);
	read_public(o->ak, &ak);
	if (tpm_public_name(&ak, &ak_name, &e) != 0)
		die("AK Name", &e);
	key = read_key(o->key);
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    RAND_bytes(c.id, sizeof(c.id)) != 1)
		die("RAND_bytes", NULL);
	if (credential_make(&ek, &ak_name, nonce, sizeof(nonce), &cred,
	    &e) != 0 || credential_file_encode(&cred, c.credential,
	    sizeof(c.credential), &c.credential_len, &e) != 0)
		die("credential", &e);
	device_id(o, c.device_id);
	c.ak_name = ak_name;
	selection(o->selection, &c);
	c.logs = parse_logs(o->logs);
	c.issued = now - 3600;
	c.not_after = now + o->expires;
	if (challenge_verifier_id(key, c.verifier_id, &e) != 0 ||
	    challenge_sign(&c, key, &file, &len, &e) != 0)
		die("signing", &e);
	if (file_write_atomic(o->out, file, len, &e) != 0)
		die(o->out, &e);
	hex_encode(nonce, sizeof(nonce), hex);
	printf("nonce %s\n", hex);
	hex_encode(c.id, sizeof(c.id), hex);
	printf("challenge-id %s\n", hex);
	free(file);
	EVP_PKEY_free(key);
}

static int
make_set(const char *out, int n, char **paths)
{
	uint8_t *files[64], *tar;
	size_t lens[64], tar_len;
	struct errbuf e;
	int i;

	if (n < 1 || n > 64)
		usage();
	for (i = 0; i < n; i++)
		if (file_read(paths[i], CHALLENGE_FILE_MAX, &files[i], &lens[i],
		    &e) != 0)
			die(paths[i], &e);
	if (challenge_set_write_mem((const uint8_t *const *)files, lens,
	    (size_t)n, 0, &tar, &tar_len, &e) != 0)
		die("challenge archive", &e);
	if (file_write_atomic(out, tar, tar_len, &e) != 0)
		die(out, &e);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(tar);
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_EK = 256, O_AK, O_KEY, O_CERT, O_DEV, O_SEL, O_EXP, O_LOGS,
	    O_SET };
	static const struct option lo[] = {
		{ "ek", required_argument, NULL, O_EK },
		{ "ak", required_argument, NULL, O_AK },
		{ "key", required_argument, NULL, O_KEY },
		{ "ek-cert", required_argument, NULL, O_CERT },
		{ "device-id", required_argument, NULL, O_DEV },
		{ "selection", required_argument, NULL, O_SEL },
		{ "expires", required_argument, NULL, O_EXP },
		{ "logs", required_argument, NULL, O_LOGS },
		{ "set", required_argument, NULL, O_SET },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	const char *set = NULL;
	char *end;
	int c;

	memset(&o, 0, sizeof(o));
	o.selection = "sha1:0-10+sha256:0-10";
	o.logs = "ima";
	o.expires = 3600;
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case O_EK: o.ek = optarg; break;
		case O_AK: o.ak = optarg; break;
		case O_KEY: o.key = optarg; break;
		case O_CERT: o.ek_cert = optarg; break;
		case O_DEV: o.device_id = optarg; break;
		case O_SEL: o.selection = optarg; break;
		case O_LOGS: o.logs = optarg; break;
		case O_SET: set = optarg; break;
		case 'o': o.out = optarg; break;
		case O_EXP:
			o.expires = strtoll(optarg, &end, 10);
			if (*end != '\0' || end == optarg)
				usage();
			break;
		default: usage();
		}
	}
	if (set != NULL)
		return make_set(set, argc - optind, argv + optind);
	if (optind != argc || o.ek == NULL || o.ak == NULL || o.key == NULL ||
	    o.out == NULL || (o.ek_cert == NULL) == (o.device_id == NULL))
		usage();
	make_challenge(&o);
	return 0;
}
