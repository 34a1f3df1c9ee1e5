/*
 * gen_ima_log.c - write a realistic Linux IMA binary measurement list and
 * the PCR values it must replay to.
 *
 * For cross-checks (tests/t_ima_evmctl.sh) and benchmarks (bench/run). The
 * log is streamed, so millions of records cost no memory; the expected PCR
 * values are computed here with a deliberately plain reference replay
 * (OpenSSL one-shot digests), independent of format/ima_replay:
 *
 *   per-bank mode (Linux >= 5.8):  PCR_B = H_B(PCR_B || H_B(template data))
 *   padded mode (Linux 4.11-5.7):  PCR_B = H_B(PCR_B || SHA1(td) || 0...)
 *   violations: the log's digest column is zero, the PCR gets 0xFF (per
 *   bank: the bank's size; padded: 20 bytes of 0xFF, then zeros).
 *
 * Records are little-endian (x86 host order). File digests and signatures
 * are random but well formed: d-ng "alg:" NUL digest, n-ng path NUL, sig a
 * v2 signature header (type 3, version 2, hash algo, key id, BE size) and
 * RSA-2048/RSA-4096/ECDSA-P256-sized signature bytes.
 *
 * Usage: gen_ima_log [options] -o LOG      (see usage() below)
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/hashalg.h"
#include "format/hex.h"

#define TD_MAX		2048	/* largest template data we build */
#define MAX_DIGEST_ALGS	8
#define EVMCTL_PCRS	24
#define OUTBUF_SIZE	(1u << 20)

enum tmpl { TMPL_NG, TMPL_SIG, TMPL_MIXED };

struct options {
	unsigned long long count;	/* records, boot_aggregate included */
	unsigned long long violations;
	enum tmpl tmpl;
	const struct hashalg *dalgs[MAX_DIGEST_ALGS];
	size_t ndalgs;
	uint64_t seed;
	unsigned pcr;
	int boot_aggregate;
	const char *log, *pcrs, *pcrs_padded, *bank_list;
	const char *evm_sha1, *evm_sha256, *evm_sha256_padded;
};

/* The replay state: PCR[pcr] in three banks. */
struct expected {
	uint8_t sha1[20];
	uint8_t sha256[32];		/* per-bank mode */
	uint8_t sha256_padded[32];	/* padded mode */
};

static const struct hashalg *sha1, *sha256;

/* --- deterministic randomness ----------------------------------------- */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

static void
rng_bytes(uint8_t *p, size_t n)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			r = rng_next();
		p[i] = (uint8_t)r;
		r >>= 8;
	}
}

/* --- realistic paths --------------------------------------------------- */

static const char *const syll[] = {
	"ac", "al", "ap", "ar", "bus", "cat", "ch", "con", "crypt", "d",
	"dbus", "de", "dev", "ex", "fs", "gio", "gl", "gnu", "gt", "id",
	"in", "io", "ka", "ker", "lz", "ma", "mount", "net", "nss", "o",
	"pam", "per", "pol", "py", "re", "sd", "sel", "sh", "ssl", "sys",
	"t", "tar", "u", "ud", "ut", "x", "xz", "z", "std", "ev",
};
static const char *const subsys[] = {
	"drivers/net/ethernet/intel", "drivers/gpu/drm", "drivers/usb/host",
	"drivers/scsi", "fs/ext4", "fs/xfs", "net/ipv6", "net/netfilter",
	"crypto", "sound/pci/hda", "drivers/hid", "drivers/md",
};

static size_t
word(char *p)
{
	unsigned i, n = 1 + rng_below(3);
	size_t len = 0;

	for (i = 0; i < n; i++)
		len += (size_t)sprintf(p + len, "%s",
		    syll[rng_below(sizeof(syll) / sizeof(syll[0]))]);
	return len;
}

/* A path such as a Debian system measures; returns its length. */
static size_t
make_path(char *p)
{
	char w[64], v[64];
	unsigned kind = rng_below(100);

	word(w);
	word(v);
	if (kind < 30)
		return (size_t)sprintf(p, "/usr/bin/%s", w);
	if (kind < 40)
		return (size_t)sprintf(p, "/usr/sbin/%s%s", w, v);
	if (kind < 70)
		return (size_t)sprintf(p, "/usr/lib/x86_64-linux-gnu/lib%s.so.%u"
		    ".%u.%u", w, rng_below(12), rng_below(40), rng_below(9));
	if (kind < 80)
		return (size_t)sprintf(p, "/usr/lib/modules/6.1.0-18-amd64/"
		    "kernel/%s/%s_%s.ko", subsys[rng_below(sizeof(subsys) /
		    sizeof(subsys[0]))], w, v);
	if (kind < 90)
		return (size_t)sprintf(p, "/etc/%s/%s.conf", w, v);
	if (kind < 96)
		return (size_t)sprintf(p, "/usr/lib/python3/dist-packages/%s/"
		    "%s.py", w, v);
	return (size_t)sprintf(p, "/usr/libexec/%s/%s-helper", w, v);
}

/* --- template data ------------------------------------------------------ */

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* d-ng: "alg:" NUL digest (zero for a violation). */
static size_t
field_dng(uint8_t *p, const struct hashalg *alg, const uint8_t *digest)
{
	size_t n = strlen(alg->ima_name);

	put_le32(p, (uint32_t)(n + 2 + alg->size));
	memcpy(p + 4, alg->ima_name, n);
	p[4 + n] = ':';
	p[5 + n] = '\0';
	memcpy(p + 6 + n, digest, alg->size);
	return 4 + n + 2 + alg->size;
}

static size_t
field_nng(uint8_t *p, const char *path, size_t len)
{
	put_le32(p, (uint32_t)(len + 1));
	memcpy(p + 4, path, len + 1);
	return 4 + len + 1;
}

/* An ECDSA signature as DER: SEQUENCE { INTEGER r, INTEGER s }. */
static size_t
fake_ecdsa(uint8_t *p)
{
	size_t n = 2, i;

	p[0] = 0x30;
	for (i = 0; i < 2; i++) {
		int pad = rng_below(2);

		p[n++] = 0x02;
		p[n++] = (uint8_t)(32 + pad);
		if (pad)
			p[n++] = 0x00;
		rng_bytes(p + n, 32);
		p[n] = pad ? (p[n] | 0x80) : (p[n] & 0x7f);
		n += 32;
	}
	p[1] = (uint8_t)(n - 2);
	return n;
}

/* sig: empty, or a v2 signature of a realistic size for alg's digest. */
static size_t
field_sig(uint8_t *p, const struct hashalg *alg, int with_sig)
{
	uint8_t *h = p + 4;
	size_t siglen;
	unsigned kind = rng_below(10);

	if (!with_sig) {
		put_le32(p, 0);
		return 4;
	}
	h[0] = 0x03;			/* EVM_IMA_XATTR_DIGSIG */
	h[1] = 0x02;			/* signature v2 */
	h[2] = (uint8_t)alg->ima_id;
	h[3] = 0x5a;			/* key id: fixed per "key" */
	h[4] = 0x1e;
	h[5] = 0x0c;
	h[6] = (uint8_t)(kind < 7 ? 0x01 : kind < 9 ? 0x02 : 0x03);
	if (kind < 7) {
		siglen = 256;		/* RSA-2048 */
		rng_bytes(h + 9, siglen);
	} else if (kind < 9) {
		siglen = fake_ecdsa(h + 9);	/* ECDSA P-256 */
	} else {
		siglen = 512;		/* RSA-4096 */
		rng_bytes(h + 9, siglen);
	}
	h[7] = (uint8_t)(siglen >> 8);
	h[8] = (uint8_t)siglen;
	put_le32(p, (uint32_t)(9 + siglen));
	return 4 + 9 + siglen;
}

/* --- output ------------------------------------------------------------ */

static int
write_all(FILE *f, const void *p, size_t n, const char *path)
{
	if (fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "gen_ima_log: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One record: u32 pcr, digest column, u32 name length, name, u32 data
 * length, data. column_len is 20 in the legacy list, 32 in a _sha256 one.
 */
static int
write_record(FILE *f, const char *path, unsigned pcr, const uint8_t *column,
    size_t column_len, const char *tname, const uint8_t *td, size_t tdlen)
{
	uint8_t h[4];
	size_t n = strlen(tname);

	put_le32(h, pcr);
	if (write_all(f, h, 4, path) == -1 ||
	    write_all(f, column, column_len, path) == -1)
		return -1;
	put_le32(h, (uint32_t)n);
	if (write_all(f, h, 4, path) == -1 ||
	    write_all(f, tname, n, path) == -1)
		return -1;
	put_le32(h, (uint32_t)tdlen);
	if (write_all(f, h, 4, path) == -1 ||
	    write_all(f, td, tdlen, path) == -1)
		return -1;
	return 0;
}

static FILE *
open_out(const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdout;
	if ((f = fopen(path, "wb")) == NULL)
		fprintf(stderr, "gen_ima_log: %s: %s\n", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, OUTBUF_SIZE);
	return f;
}

static int
close_out(FILE *f, const char *path)
{
	int r = (f == stdout) ? fflush(f) : fclose(f);

	if (r != 0) {
		fprintf(stderr, "gen_ima_log: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* --- reference replay -------------------------------------------------- */

static void
digest(const struct hashalg *alg, const void *p, size_t n, uint8_t *out)
{
	if (hashalg_digest(alg, p, n, out) == -1) {
		fprintf(stderr, "gen_ima_log: %s digest failed\n", alg->name);
		exit(2);
	}
}

/* pcr = H(pcr || ext), both alg->size bytes. */
static void
extend(const struct hashalg *alg, uint8_t *pcr, const uint8_t *ext)
{
	uint8_t buf[2 * HASHALG_MAX_SIZE];

	memcpy(buf, pcr, alg->size);
	memcpy(buf + alg->size, ext, alg->size);
	digest(alg, buf, 2 * alg->size, pcr);
}

static void
replay_record(struct expected *x, const uint8_t *sha1_td,
    const uint8_t *sha256_td)
{
	uint8_t padded[32];

	memset(padded, 0, sizeof(padded));
	memcpy(padded, sha1_td, 20);
	extend(sha1, x->sha1, sha1_td);
	extend(sha256, x->sha256, sha256_td);
	extend(sha256, x->sha256_padded, padded);
}

static void
replay_violation(struct expected *x)
{
	uint8_t ff[32], padded[32];

	memset(ff, 0xff, sizeof(ff));
	memset(padded, 0, sizeof(padded));
	memset(padded, 0xff, 20);
	extend(sha1, x->sha1, ff);
	extend(sha256, x->sha256, ff);
	extend(sha256, x->sha256_padded, padded);
}

/* --- PCR files --------------------------------------------------------- */

static int
write_lines(const char *path, unsigned pcr, const uint8_t *v1,
    const uint8_t *v256)
{
	char h1[41], h256[65];
	FILE *f;

	if ((f = open_out(path)) == NULL)
		return -1;
	hex_encode(v1, 20, h1);
	hex_encode(v256, 32, h256);
	fprintf(f, "sha1 %u %s\nsha256 %u %s\n", pcr, h1, pcr, h256);
	return close_out(f, path);
}

/* evmctl --pcrs: "PCR-NN: hex" for all 24 PCRs, zero except ours. */
static int
write_evmctl(const char *path, unsigned pcr, const uint8_t *v, size_t size)
{
	char hex[2 * HASHALG_MAX_SIZE + 1], zero[2 * HASHALG_MAX_SIZE + 1];
	uint8_t z[HASHALG_MAX_SIZE] = { 0 };
	unsigned i;
	FILE *f;

	if ((f = open_out(path)) == NULL)
		return -1;
	hex_encode(v, size, hex);
	hex_encode(z, size, zero);
	for (i = 0; i < EVMCTL_PCRS; i++)
		fprintf(f, "PCR-%02u: %s\n", i, i == pcr ? hex : zero);
	return close_out(f, path);
}

/* --- generation -------------------------------------------------------- */

/* Violation positions: a deterministic random subset of 1..count-1. */
static uint8_t *
pick_violations(const struct options *o)
{
	unsigned long long placed = 0, i;
	uint8_t *v = calloc(o->count ? o->count : 1, 1);

	if (v == NULL)
		return NULL;
	while (placed < o->violations) {
		i = 1 + rng_next() % (o->count - 1);
		if (!v[i]) {
			v[i] = 1;
			placed++;
		}
	}
	return v;
}

static int
generate(const struct options *o, struct expected *x)
{
	uint8_t td[TD_MAX], d1[20], d256[32], zero[64] = { 0 };
	uint8_t fdigest[HASHALG_MAX_SIZE];
	char path[512];
	FILE *log, *bank = NULL;
	uint8_t *viol;
	unsigned long long i;
	int rc = -1;

	memset(x, 0, sizeof(*x));
	if ((viol = pick_violations(o)) == NULL)
		return -1;
	if ((log = open_out(o->log)) == NULL)
		goto out;
	if (o->bank_list != NULL && (bank = open_out(o->bank_list)) == NULL)
		goto out;
	for (i = 0; i < o->count; i++) {
		const struct hashalg *alg = o->dalgs[rng_below((unsigned)o->ndalgs)];
		int sig = o->tmpl == TMPL_SIG ||
		    (o->tmpl == TMPL_MIXED && rng_below(2));
		const char *tname = sig ? "ima-sig" : "ima-ng";
		size_t n = 0, plen;

		if (i == 0 && o->boot_aggregate) {
			uint8_t pcrs0_9[10 * 32] = { 0 };

			alg = sha256;
			digest(sha256, pcrs0_9, sizeof(pcrs0_9), fdigest);
			plen = (size_t)sprintf(path, "boot_aggregate");
		} else {
			rng_bytes(fdigest, alg->size);
			plen = make_path(path);
		}
		if (viol[i])
			memset(fdigest, 0, alg->size);
		n += field_dng(td + n, alg, fdigest);
		n += field_nng(td + n, path, plen);
		if (sig)
			n += field_sig(td + n, alg, !viol[i] &&
			    strcmp(path, "boot_aggregate") != 0 &&
			    rng_below(10) < 8);
		if (viol[i]) {
			replay_violation(x);
			memcpy(d1, zero, 20);
			memcpy(d256, zero, 32);
		} else {
			digest(sha1, td, n, d1);
			digest(sha256, td, n, d256);
			replay_record(x, d1, d256);
		}
		if (write_record(log, o->log, o->pcr, d1, 20, tname, td, n) == -1)
			goto out;
		if (bank != NULL && write_record(bank, o->bank_list, o->pcr,
		    d256, 32, tname, td, n) == -1)
			goto out;
	}
	rc = 0;
out:
	if (log != NULL && close_out(log, o->log) == -1)
		rc = -1;
	if (bank != NULL && close_out(bank, o->bank_list) == -1)
		rc = -1;
	free(viol);
	return rc;
}

static int
write_outputs(const struct options *o, const struct expected *x)
{
	if (o->pcrs != NULL &&
	    write_lines(o->pcrs, o->pcr, x->sha1, x->sha256) == -1)
		return -1;
	if (o->pcrs_padded != NULL &&
	    write_lines(o->pcrs_padded, o->pcr, x->sha1, x->sha256_padded) == -1)
		return -1;
	if (o->evm_sha1 != NULL &&
	    write_evmctl(o->evm_sha1, o->pcr, x->sha1, 20) == -1)
		return -1;
	if (o->evm_sha256 != NULL &&
	    write_evmctl(o->evm_sha256, o->pcr, x->sha256, 32) == -1)
		return -1;
	if (o->evm_sha256_padded != NULL && write_evmctl(o->evm_sha256_padded,
	    o->pcr, x->sha256_padded, 32) == -1)
		return -1;
	return 0;
}

/* --- options ----------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
"usage: gen_ima_log [-n count] [-t ima-ng|ima-sig|mixed] [-d alg[,alg...]]\n"
"           [-v violations] [-s seed] [-p pcr] [--no-boot-aggregate]\n"
"           [--pcrs file] [--pcrs-padded file] [--bank-list file]\n"
"           [--evmctl-sha1 file] [--evmctl-sha256 file]\n"
"           [--evmctl-sha256-padded file] -o log\n"
"  -n  records, boot_aggregate included (default 1000)\n"
"  -d  file-digest algorithms, picked at random per record (default sha256)\n"
"  --pcrs         'sha1 PCR HEX' / 'sha256 PCR HEX', per-bank mode\n"
"  --pcrs-padded  the same for the padded (SHA-1 zero-padded) mode\n"
"  --bank-list    the binary_runtime_measurements_sha256 form of the log\n"
"  --evmctl-*     evmctl --pcrs files (PCR-00 .. PCR-23)\n");
	exit(2);
}

static unsigned long long
parse_count(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		usage();
	return v;
}

static void
parse_algs(struct options *o, char *list)
{
	char *tok, *save = NULL;

	o->ndalgs = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		const struct hashalg *a = hashalg_by_name(tok);

		if (a == NULL || hashalg_md(a) == NULL || a->ima_id < 0 ||
		    o->ndalgs == MAX_DIGEST_ALGS) {
			fprintf(stderr, "gen_ima_log: bad digest algorithm %s\n",
			    tok);
			exit(2);
		}
		o->dalgs[o->ndalgs++] = a;
	}
	if (o->ndalgs == 0)
		usage();
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	enum { O_PCRS = 256, O_PADDED, O_BANK, O_E1, O_E256, O_E256P, O_NOBA };
	static const struct option lo[] = {
		{ "pcrs", required_argument, NULL, O_PCRS },
		{ "pcrs-padded", required_argument, NULL, O_PADDED },
		{ "bank-list", required_argument, NULL, O_BANK },
		{ "evmctl-sha1", required_argument, NULL, O_E1 },
		{ "evmctl-sha256", required_argument, NULL, O_E256 },
		{ "evmctl-sha256-padded", required_argument, NULL, O_E256P },
		{ "no-boot-aggregate", no_argument, NULL, O_NOBA },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->seed = 1;
	o->pcr = 10;
	o->boot_aggregate = 1;
	o->dalgs[0] = sha256;
	o->ndalgs = 1;
	while ((c = getopt_long(argc, argv, "n:t:d:v:s:p:o:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o->count = parse_count(optarg); break;
		case 'v': o->violations = parse_count(optarg); break;
		case 's': o->seed = parse_count(optarg); break;
		case 'p': o->pcr = (unsigned)parse_count(optarg); break;
		case 'o': o->log = optarg; break;
		case 'd': parse_algs(o, optarg); break;
		case 't':
			if (strcmp(optarg, "ima-ng") == 0)
				o->tmpl = TMPL_NG;
			else if (strcmp(optarg, "ima-sig") == 0)
				o->tmpl = TMPL_SIG;
			else if (strcmp(optarg, "mixed") == 0)
				o->tmpl = TMPL_MIXED;
			else
				usage();
			break;
		case O_PCRS: o->pcrs = optarg; break;
		case O_PADDED: o->pcrs_padded = optarg; break;
		case O_BANK: o->bank_list = optarg; break;
		case O_E1: o->evm_sha1 = optarg; break;
		case O_E256: o->evm_sha256 = optarg; break;
		case O_E256P: o->evm_sha256_padded = optarg; break;
		case O_NOBA: o->boot_aggregate = 0; break;
		default: usage();
		}
	}
	if (optind != argc || o->log == NULL || o->count == 0 ||
	    o->pcr >= EVMCTL_PCRS)
		usage();
	if (o->violations >= o->count) {
		fprintf(stderr, "gen_ima_log: %llu violations need more than "
		    "%llu records\n", o->violations, o->count);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct options o;
	struct expected x;

	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	parse_options(argc, argv, &o);
	rng_state = o.seed;
	if (generate(&o, &x) == -1 || write_outputs(&o, &x) == -1)
		return 1;
	return 0;
}
