/*
 * gen_bomb.c - mint an evidence bundle whose manifest lists a lot of
 * zeros with correct digests (mint.h builds the rest): a small file that
 * decompresses to up to about 1 GiB, for tests of what dossier verify
 * holds before a manifest is authenticated (tests/t_verify_inputs.sh).
 *
 *   gen_bomb -k AKKEY.pem -o OUT -c CHALLENGE-HEX --ek-crt FILE
 *       --ek-pub FILE --zeros BYTES [--manifest-key KEY.pem]
 *
 * The zeros are carried as ima.log (at most BUNDLE_MEMBER_MAX_BYTES) and,
 * for the rest, as the bank list ima-sha256.log; together at most
 * BUNDLE_CONTENT_MAX less 1 MiB for the other members. PCR 10 is zero
 * (no log is replayed into the quote) and the nonce is zero: such a
 * bundle, signed by its own AK, still fails quote.nonce and the IMA
 * checks; what it is for is the cost of reading it. --manifest-key signs
 * the manifest with another key (the kid stays the AK's Name).
 *
 * The zeros come from calloc(), whose pages the kernel maps to its zero
 * page until written: hashing and compressing them costs time, not memory.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "testdata/gen/mint.h"

static void die(const char *, const struct errbuf *)
    __attribute__((noreturn));

static void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "gen_bomb: %s%s%s\n", what, e ? ": " : "",
	    e ? e->msg : "");
	exit(1);
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ek-crt", required_argument, NULL, 'E' },
		{ "ek-pub", required_argument, NULL, 'P' },
		{ "zeros", required_argument, NULL, 'Z' },
		{ "manifest-key", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	const uint64_t room = BUNDLE_CONTENT_MAX - ((uint64_t)1 << 20);
	const char *key_path = NULL, *out = NULL, *ek_crt = NULL,
	    *ek_pub = NULL;
	struct mint_spec s;
	struct mint_ak ak;
	struct errbuf e;
	uint8_t *crt = NULL, *pub = NULL, *zeros, *bundle = NULL;
	size_t crt_len, pub_len, bundle_len;
	uint64_t total = 0, first;
	bool have_ch = false;
	int ch;

	memset(&ak, 0, sizeof(ak));
	mint_spec_init(&s, &ak);
	while ((ch = getopt_long(argc, argv, "k:o:c:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k': key_path = optarg; break;
		case 'o': out = optarg; break;
		case 'c':
			if (hex_decode(optarg, strlen(optarg), s.challenge_id,
			    16) != 16)
				die("-c: 32 hex digits", NULL);
			have_ch = true;
			break;
		case 'E': ek_crt = optarg; break;
		case 'P': ek_pub = optarg; break;
		case 'Z': total = strtoull(optarg, NULL, 0); break;
		case 'M': s.manifest_key = read_key(optarg); break;
		default:
			die("usage: gen_bomb -k AKKEY -o OUT -c HEX --ek-crt FILE "
			    "--ek-pub FILE --zeros BYTES [--manifest-key KEY]",
			    NULL);
		}
	}
	if (key_path == NULL || out == NULL || !have_ch || ek_crt == NULL ||
	    ek_pub == NULL || optind != argc)
		die("-k, -o, -c, --ek-crt and --ek-pub are required", NULL);
	if (total == 0 || total > room)
		die("--zeros: 1 to BUNDLE_CONTENT_MAX less 1 MiB", NULL);
	if (mint_ak_init(&ak, read_key(key_path), &e) == -1)
		die("AK", &e);
	if (file_read(ek_crt, FILEIO_MAX_SMALL, &crt, &crt_len, &e) == -1 ||
	    file_read(ek_pub, FILEIO_MAX_SMALL, &pub, &pub_len, &e) == -1)
		die("EK", &e);
	s.ek_crt = crt;
	s.ek_crt_len = crt_len;
	s.ek_pub = pub;
	s.ek_pub_len = pub_len;
	if (tpm_selection_from_spec("sha256:0-10", &s.sel, &e) == -1)
		die("selection", &e);
	first = total < BUNDLE_MEMBER_MAX_BYTES ? total :
	    BUNDLE_MEMBER_MAX_BYTES;
	if ((zeros = calloc(1, (size_t)first)) == NULL)
		die("out of memory", NULL);
	s.ima_member = zeros;
	s.ima_member_len = (size_t)first;
	if (total > first) {
		s.bank_alg = "sha256";
		s.bank_list = zeros;
		s.bank_list_len = (size_t)(total - first);
	}
	if (mint_evidence(&s, &bundle, &bundle_len, &e) == -1)
		die("mint", &e);
	if (file_write_atomic(out, bundle, bundle_len, &e) == -1)
		die(out, &e);
	free(bundle);
	free(zeros);
	free(crt);
	free(pub);
	EVP_PKEY_free(s.manifest_key);
	mint_ak_free(&ak);
	return 0;
}
