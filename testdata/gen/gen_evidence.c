/*
 * gen_evidence.c - mint an evidence bundle without a TPM (testdata/gen/
 * mint.h says exactly what is in it), for tests of dossier verify and
 * benchmarks.
 *
 *   gen_evidence -k AKKEY.pem -o OUT -c CHALLENGE-HEX -n NONCE-HEX
 *       --ek-crt FILE --ek-pub FILE [--pcrs SPEC] [--ima-log FILE]
 *       [--clock MS] [--reset N] [--restart N] [--firmware N]
 *       [--ima-swap I,J] [--ima-drop I] [--ima-change I]
 *       [--ima-add PATH] [--ima-truncate N] [--ima-drop-after I]
 *       [--flip-pcr N]
 *       [--tamper MEMBER] [--extra-member] [--manifest-key KEY.pem]
 *       [--created SECONDS] [--ima-bank-list ALG=FILE]
 *
 * AKKEY.pem is a P-256 private key standing in for the AK (the device's
 * enrolled AK public area is the one mint.h builds from it: print it with
 * --print-ak-pub FILE). The selection SPEC is in tpm2-tools syntax
 * (default sha1:0-10+sha256:0-10). The IMA edits are applied in the order
 * swap, drop, change, add before the PCRs are computed, so the quote
 * matches the edited log (a device that really measured it); --ima-truncate
 * then drops the last N records from the log carried in the bundle only
 * (the quote still covers them), and --ima-drop-after I removes record I
 * from the carried log only (a log edited after the quote). --flip-pcr changes PCR N of the first
 * bank in pcrs.bin after the quote was made; --tamper flips the last byte
 * of a member after the manifest was signed; --extra-member adds a tar
 * entry the manifest does not list; --manifest-key signs the manifest with
 * another key (the kid stays the AK's Name). --ima-bank-list carries FILE
 * as the per-bank list member ima-ALG.log (media type digest=ALG), as
 * given: no edit applies to it and PCR 10 still comes from --ima-log.
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
	fprintf(stderr, "gen_evidence: %s%s%s\n", what, e ? ": " : "",
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

static void
hex_arg(const char *hex, uint8_t *out, size_t len, const char *what)
{
	if (hex_decode(hex, strlen(hex), out, len) != (long)len)
		die(what, NULL);
}

static size_t
index_arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		die("bad record index", NULL);
	return (size_t)v;
}

struct edits {
	bool swap;
	size_t swap_i, swap_j;
	bool drop, change;
	size_t drop_i, change_i;
	const char *add;
	size_t truncate;
};

/* Apply the IMA edits to log (replaced). */
static void
edit_log(struct mint_log *log, const struct edits *ed)
{
	struct mint_log next;
	struct errbuf e;
	size_t *order, i, n, k = 0;
	long count;

	if ((count = mint_log_count(log->data, log->len, &e)) < 0)
		die("IMA log", &e);
	n = (size_t)count;
	if ((order = calloc(n + 1, sizeof(*order))) == NULL)
		die("out of memory", NULL);
	for (i = 0; i < n; i++) {
		if (ed->drop && i == ed->drop_i)
			continue;
		order[k++] = i;
	}
	if (ed->swap) {
		if (ed->swap_i >= k || ed->swap_j >= k)
			die("--ima-swap: index beyond the log", NULL);
		i = order[ed->swap_i];
		order[ed->swap_i] = order[ed->swap_j];
		order[ed->swap_j] = i;
	}
	if (mint_log_edit(log->data, log->len, order, k,
	    ed->change ? ed->change_i : SIZE_MAX, &next, &e) == -1)
		die("IMA log edit", &e);
	free(order);
	if (ed->add != NULL && mint_log_add(&next, ed->add, ed->add, NULL,
	    &e) == -1)
		die("--ima-add", &e);
	free(log->data);
	*log = next;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ek-crt", required_argument, NULL, 'E' },
		{ "ek-pub", required_argument, NULL, 'P' },
		{ "pcrs", required_argument, NULL, 'p' },
		{ "ima-log", required_argument, NULL, 'l' },
		{ "ima-bank-list", required_argument, NULL, 'B' },
		{ "clock", required_argument, NULL, 'C' },
		{ "reset", required_argument, NULL, 'R' },
		{ "restart", required_argument, NULL, 'r' },
		{ "firmware", required_argument, NULL, 'F' },
		{ "ima-swap", required_argument, NULL, 's' },
		{ "ima-drop", required_argument, NULL, 'd' },
		{ "ima-change", required_argument, NULL, 'x' },
		{ "ima-add", required_argument, NULL, 'a' },
		{ "ima-truncate", required_argument, NULL, 't' },
		{ "ima-drop-after", required_argument, NULL, 'D' },
		{ "flip-pcr", required_argument, NULL, 'f' },
		{ "tamper", required_argument, NULL, 'T' },
		{ "extra-member", no_argument, NULL, 'X' },
		{ "manifest-key", required_argument, NULL, 'M' },
		{ "created", required_argument, NULL, 'z' },
		{ "print-ak-pub", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *out = NULL, *ek_crt = NULL;
	const char *ek_pub = NULL, *ima_path = NULL, *spec = NULL;
	const char *bank_arg = NULL;
	char bank_alg[16];
	uint8_t *bank = NULL;
	size_t bank_len = 0;
	const char *ak_pub_out = NULL;
	struct mint_log log = { NULL, 0 };
	struct edits ed;
	struct mint_spec s;
	struct mint_ak ak;
	struct errbuf e;
	uint8_t *crt = NULL, *pub = NULL, *bundle;
	size_t crt_len = 0, pub_len = 0, bundle_len, ntrunc = 0;
	size_t drop_after_i = 0;
	struct mint_log carried = { NULL, 0 };
	struct edits ced;
	bool drop_after = false;
	EVP_PKEY *mkey = NULL;
	bool have_ch = false, have_nonce = false;
	long cnt, plen;
	char *comma;
	int ch;

	memset(&ed, 0, sizeof(ed));
	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	mint_spec_init(&s, &ak);
	while ((ch = getopt_long(argc, argv, "k:o:c:n:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k': key_path = optarg; break;
		case 'o': out = optarg; break;
		case 'c':
			hex_arg(optarg, s.challenge_id, 16, "-c: 32 hex digits");
			have_ch = true;
			break;
		case 'n':
			hex_arg(optarg, s.nonce, 32, "-n: 64 hex digits");
			have_nonce = true;
			break;
		case 'E': ek_crt = optarg; break;
		case 'P': ek_pub = optarg; break;
		case 'p': spec = optarg; break;
		case 'l': ima_path = optarg; break;
		case 'B': bank_arg = optarg; break;
		case 'C': s.clock = strtoull(optarg, NULL, 0); break;
		case 'R': s.reset_count = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r': s.restart_count = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'F': s.firmware = strtoull(optarg, NULL, 0); break;
		case 's':
			if ((comma = strchr(optarg, ',')) == NULL)
				die("--ima-swap I,J", NULL);
			*comma = '\0';
			ed.swap = true;
			ed.swap_i = index_arg(optarg);
			ed.swap_j = index_arg(comma + 1);
			break;
		case 'd': ed.drop = true; ed.drop_i = index_arg(optarg); break;
		case 'x': ed.change = true; ed.change_i = index_arg(optarg);
			break;
		case 'a': ed.add = optarg; break;
		case 't': ntrunc = index_arg(optarg); break;
		case 'D': drop_after = true; drop_after_i = index_arg(optarg);
			break;
		case 'f': s.flip_pcr = (int)index_arg(optarg); break;
		case 'T': s.tamper_member = optarg; break;
		case 'X': s.extra_member = true; break;
		case 'M': mkey = read_key(optarg); break;
		case 'z': s.created = strtoll(optarg, NULL, 10); break;
		case 'A': ak_pub_out = optarg; break;
		default:
			die("usage: gen_evidence -k AKKEY -o OUT -c HEX -n HEX "
			    "--ek-crt FILE --ek-pub FILE [options]", NULL);
		}
	}
	if (key_path == NULL || optind != argc)
		die("usage: gen_evidence -k AKKEY ...", NULL);
	if (mint_ak_init(&ak, read_key(key_path), &e) == -1)
		die("AK", &e);
	if (ak_pub_out != NULL && file_write_atomic(ak_pub_out, ak.pub2b,
	    ak.pub2b_len, &e) == -1)
		die(ak_pub_out, &e);
	if (out == NULL) {
		if (ak_pub_out != NULL)
			return 0;
		die("-o OUT is required", NULL);
	}
	if (!have_ch || !have_nonce || ek_crt == NULL || ek_pub == NULL)
		die("-c, -n, --ek-crt and --ek-pub are required", NULL);
	if (file_read(ek_crt, FILEIO_MAX_SMALL, &crt, &crt_len, &e) == -1 ||
	    file_read(ek_pub, FILEIO_MAX_SMALL, &pub, &pub_len, &e) == -1)
		die("EK", &e);
	s.ek_crt = crt;
	s.ek_crt_len = crt_len;
	s.ek_pub = pub;
	s.ek_pub_len = pub_len;
	if (tpm_selection_from_spec(spec ? spec : "sha1:0-10+sha256:0-10",
	    &s.sel, &e) == -1)
		die("--pcrs", &e);
	s.manifest_key = mkey;
	if (ima_path != NULL) {
		if (file_read(ima_path, MINT_LOG_MAX, &log.data, &log.len,
		    &e) == -1)
			die("IMA log", &e);
		edit_log(&log, &ed);
		s.ima = log.data;
		s.ima_len = log.len;
		if (ntrunc > 0) {
			if ((cnt = mint_log_count(log.data, log.len, &e)) < 0 ||
			    (size_t)cnt < ntrunc ||
			    (plen = mint_log_prefix_len(log.data, log.len,
			    (size_t)cnt - ntrunc, &e)) < 0)
				die("--ima-truncate", &e);
			/* an empty member is not carried: keep >= 1 byte */
			s.ima_carried = plen > 0 ? (size_t)plen : 1;
		}
		if (drop_after) {
			memset(&ced, 0, sizeof(ced));
			ced.drop = true;
			ced.drop_i = drop_after_i;
			if (mint_log_put(&carried, log.data, log.len, &e) == -1)
				die("IMA log", &e);
			edit_log(&carried, &ced);
			s.ima_member = carried.data;
			s.ima_member_len = carried.len;
		}
	}
	if (bank_arg != NULL) {
		const char *eq = strchr(bank_arg, '=');

		if (eq == NULL || (size_t)(eq - bank_arg) >= sizeof(bank_alg))
			die("--ima-bank-list ALG=FILE", NULL);
		memcpy(bank_alg, bank_arg, (size_t)(eq - bank_arg));
		bank_alg[eq - bank_arg] = '\0';
		if (file_read(eq + 1, MINT_LOG_MAX, &bank, &bank_len, &e) == -1)
			die("--ima-bank-list", &e);
		s.bank_alg = bank_alg;
		s.bank_list = bank;
		s.bank_list_len = bank_len;
	}
	if (mint_evidence(&s, &bundle, &bundle_len, &e) == -1)
		die("mint", &e);
	if (file_write_atomic(out, bundle, bundle_len, &e) == -1)
		die(out, &e);
	free(bundle);
	free(log.data);
	free(carried.data);
	free(bank);
	free(crt);
	free(pub);
	EVP_PKEY_free(mkey);
	mint_ak_free(&ak);
	return 0;
}
