/*
 * verify_gen_fleet.c - mint a fleet: N evidence bundles and the store that
 * expects them, without a TPM, quickly (bench/batch.sh, tests/
 * t_gen_fleet.sh).
 *
 *   verify_gen_fleet -n N -o DIR [-D DEVICES] [-e ENTRIES] [-E BIG]
 *       [-b EVERY] [-K IMAGES] [-P PLANT] [-j JOBS] [-s SEED]
 *       [-g GEN_IMA_LOG] [-U EVENTS] [-u GEN_EVENTLOG]
 *
 * DIR (created; must not exist) receives
 *   store.db          a new store: a verifier key, DEVICES enrolled devices
 *                     (each a software P-256 AK as mint.h builds it, the
 *                     EK certificate the text "EK certificate of fleet
 *                     device D") with a reference IMA log each, and one
 *                     attestation challenge per bundle (valid 30 days);
 *   bundles/KKKK/IIIIIII.dossier
 *                     bundle I (0-based) in directory K = I / 1000, so a
 *                     directory walk in name order is bundle order and the
 *                     first M bundles are the first ceil(M/1000) dirs;
 *   fleet.txt         "bundles N", "devices D", "entries TOTAL", then one
 *                     "dir KKKK bundles B entries E" line per directory;
 *   nonces            "IIIIIII DEVICE NONCE-HEX" per bundle (what a peer
 *                     script needs: the nonce it sent; bench/
 *                     peer_pipeline.sh).
 *
 * Bundle I answers challenge I as device I mod DEVICES, with clock
 * 1000000 + 1000 I (increasing in input order, so no state.clock
 * rollback). A device's reference log is a realistic ima-ng/ima-sig list
 * from gen_ima_log (-t mixed, seed SEED + device) of ENTRIES records
 * (default 1000) give or take 20%, or BIG records (default 10000) for
 * every EVERY-th device (default 20; 0: none). Each bundle carries one of
 * VARIANTS reorderings of its device's reference (boot_aggregate first,
 * then blocks of 5-30 records swapped with their neighbours: services
 * started in another order), so verify's order-free reference comparison
 * does real work; the quoted PCR 10 is the replay of the carried order.
 * With -U EVENTS (default 100; 0: none) every bundle also carries the
 * same UEFI event log of EVENTS events (gen_eventlog --drivers EVENTS-32,
 * run once: one firmware image for the fleet), PCRs 0-9 quoted as its
 * replay, and every device has it as its reference event log: verify's
 * UEFI judgement (parse, replay, comparison with the reference) runs on
 * every bundle. The log and its PCR values are kept as uefi.log and
 * uefi.pcrs in DIR.
 * Every bundle passes `dossier verify` against store.db.
 *
 * With -K IMAGES (the realistic shape of a fleet: issue 16), the fleet
 * runs IMAGES images instead: image k's log is a realistic list of
 * ENTRIES records give or take 20% (gen_ima_log, seed SEED * 7919 + k);
 * device d follows image d mod IMAGES, and its enrollment log (its
 * reference) is its image's log with blocks of records swapped (its
 * services start in its own order) followed by 0-20 records of its own
 * (files under /opt/fleet/dD/ that no other device has); each bundle
 * carries another such reordering of its device's enrollment log.
 * Devices keep no logs in memory: a worker rebuilds a device's log from
 * its image and seeds, so 100k devices fit. -E and -b are ignored.
 * fleet.txt then also says "images K".
 *
 * -P I plants one record no reference holds (/usr/bin/planted) at the end
 * of bundle I's log, its quote still consistent: that bundle alone must
 * fail its reference comparison (tests/t_gen_fleet.sh).
 *
 * Speed: the store and the logs are made first in this process; then JOBS
 * (default: online CPUs) forked workers mint bundles I = w, w + JOBS, ...
 * (mint.h keeps static state, so processes rather than threads). Files are
 * written without fsync (test data).
 *
 * Exit 0 on success, 1 on any failure (message on stderr).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "format/eventlog.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "testdata/gen/mint.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"

#define FLEET_BUNDLES_MAX	10000000u
#define FLEET_DEVICES_MAX	100000u
#define FLEET_ENTRIES_MAX	60000u	/* < MINT_RECORDS_MAX */
#define FLEET_JOBS_MAX		256u
#define FLEET_PER_DIR		1000u
#define FLEET_VARIANTS		4u
#define FLEET_SELECTION		"sha1:0-10+sha256:0-10"
#define FLEET_VALID_S		(30 * 86400)
#define FLEET_UEFI_BASE		32u	/* events of gen_eventlog's base log */
#define FLEET_UEFI_MAX		10000u
#define FLEET_IMAGES_MAX	64u
#define FLEET_OWN_MAX		20u	/* a device's own records, at most */

struct device {
	struct mint_ak ak;
	char ek_crt[64], ek_pub[64];
	uint8_t id[32];
	size_t entries;
	struct mint_log variant[FLEET_VARIANTS];	/* without -K */
};

struct fleet {
	unsigned long n, ndev, entries, big, big_every, jobs;
	uint64_t seed;
	const char *dir, *gen_ima_log, *gen_eventlog;
	unsigned long uefi_events;	/* 0: no uefi.log */
	unsigned long images;		/* -K; 0: every device its own log */
	long plant;			/* -P; -1: none */
	struct mint_log *image;		/* images of them */
	size_t *image_n;		/* their record counts */
	uint8_t *uefi;
	size_t uefi_len;
	struct pcr_set uefi_pcrs;
	struct device *dev;
	uint8_t (*nonce)[32];
	uint8_t (*chal)[16];
	int64_t now;
};

static void die(const char *, const char *) __attribute__((noreturn));

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "verify_gen_fleet: %s%s%s\n", what, why ? ": " : "",
	    why ? why : "");
	exit(1);
}

static void
die_e(const char *what, const struct errbuf *e)
{
	die(what, e->msg);
}

/* splitmix64: reproducible reorderings from the seed. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long
ulong_arg(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *s == '-' || *end != '\0' || v > max)
		die(what, "not a number in range");
	return v;
}

/* ---- reference logs ------------------------------------------------------- */

/* A realistic log of n records from gen_ima_log (its stdout). */
static void
read_gen_log(const struct fleet *f, size_t n, uint64_t seed,
    struct mint_log *out)
{
	char cmd[PATH_MAX + 128], buf[65536];
	struct errbuf e;
	size_t got;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -n %zu -t mixed -s %llu -o -",
	    f->gen_ima_log, n, (unsigned long long)seed);
	if ((p = popen(cmd, "r")) == NULL)
		die(f->gen_ima_log, strerror(errno));
	memset(out, 0, sizeof(*out));
	while ((got = fread(buf, 1, sizeof(buf), p)) > 0)
		if (mint_log_put(out, buf, got, &e) == -1)
			die_e("reference log", &e);
	if (pclose(p) != 0 || out->len == 0)
		die(f->gen_ima_log, "failed");
}

/* The fleet's UEFI event log and its PCR values, from gen_eventlog. */
static void
make_uefi_log(struct fleet *f)
{
	char cmd[3 * PATH_MAX + 128], log[PATH_MAX], pcrs[PATH_MAX];
	struct errbuf e;
	uint8_t *buf;
	size_t len;

	snprintf(log, sizeof(log), "%s/uefi.log", f->dir);
	snprintf(pcrs, sizeof(pcrs), "%s/uefi.pcrs", f->dir);
	snprintf(cmd, sizeof(cmd), "'%s' -o '%s' --pcrs '%s' --drivers %lu",
	    f->gen_eventlog, log, pcrs, f->uefi_events - FLEET_UEFI_BASE);
	if (system(cmd) != 0)
		die(f->gen_eventlog, "failed");
	if (file_read(log, EVLOG_MAX_SIZE, &f->uefi, &f->uefi_len, &e) == -1)
		die_e(log, &e);
	if (file_read(pcrs, PCR_FILE_MAX, &buf, &len, &e) == -1 ||
	    pcr_set_parse(buf, len, &f->uefi_pcrs, NULL, &e) == -1)
		die_e(pcrs, &e);
	free(buf);
}

static void swap_blocks(const struct mint_log *, size_t, size_t, uint64_t,
    struct mint_log *);

/*
 * Variant v of a device's log: v 0 as is; others with blocks of 5-30
 * records swapped with the next block, boot_aggregate (record 0) kept
 * first.
 */
static void
make_variant(const struct mint_log *ref, size_t n, uint64_t seed,
    struct mint_log *out)
{
	swap_blocks(ref, n, seed % FLEET_VARIANTS == 0 ? 0 : n / 40 + 1, seed,
	    out);
}

/* ref's n records with swaps blocks of 5-30 swapped, record 0 first. */
static void
swap_blocks(const struct mint_log *ref, size_t n, size_t swaps, uint64_t seed,
    struct mint_log *out)
{
	struct errbuf e;
	size_t *order, i, k, len, p, t;

	if ((order = calloc(n, sizeof(*order))) == NULL)
		die("out of memory", NULL);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (k = 0; k < swaps && n > 64; k++) {
		len = 5 + rng_next(&seed) % 26;
		p = 1 + rng_next(&seed) % (n - 1 - 2 * len);
		for (i = 0; i < len; i++) {
			t = order[p + i];
			order[p + i] = order[p + len + i];
			order[p + len + i] = t;
		}
	}
	if (mint_log_edit(ref->data, ref->len, order, n, SIZE_MAX, out,
	    &e) == -1)
		die_e("reorder the log", &e);
	free(order);
}

/* The fleet's image logs (-K). */
static void
make_images(struct fleet *f)
{
	uint64_t s = f->seed * 7919u;
	unsigned long k;

	if ((f->image = calloc(f->images, sizeof(*f->image))) == NULL ||
	    (f->image_n = calloc(f->images, sizeof(*f->image_n))) == NULL)
		die("out of memory", NULL);
	for (k = 0; k < f->images; k++) {
		f->image_n[k] = f->entries * 4 / 5 +
		    rng_next(&s) % (f->entries * 2 / 5 + 1);
		if (f->image_n[k] < 2)
			f->image_n[k] = 2;
		read_gen_log(f, f->image_n[k], f->seed * 7919u + k,
		    &f->image[k]);
	}
}

/*
 * Device d's enrollment log under -K: its image's records in its own
 * service order, then its own records; *n their count. The same every
 * time for the same fleet, so workers rebuild rather than keep it.
 */
static void
device_log(const struct fleet *f, unsigned long d, struct mint_log *out,
    size_t *n)
{
	unsigned long k = d % f->images;
	uint64_t s = (f->seed << 32) ^ (0x5eedULL + d);
	size_t own, i;
	char path[96], content[96];
	struct errbuf e;

	swap_blocks(&f->image[k], f->image_n[k], f->image_n[k] / 40 + 1,
	    rng_next(&s), out);
	own = rng_next(&s) % (FLEET_OWN_MAX + 1);
	for (i = 0; i < own; i++) {
		snprintf(path, sizeof(path), "/opt/fleet/d%lu/own-%zu.conf", d,
		    i);
		snprintf(content, sizeof(content), "seed %llu device %lu file "
		    "%zu", (unsigned long long)f->seed, d, i);
		if (mint_log_add(out, path, content, NULL, &e) == -1)
			die_e("a device's own record", &e);
	}
	*n = f->image_n[k] + own;
}

/* ---- the store ------------------------------------------------------------ */

static void
set_verifier_key(struct store *st, int64_t now)
{
	struct errbuf e;
	EVP_PKEY *vk;
	char *pem;
	long len;
	BIO *bio;

	if ((vk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, vk, NULL, NULL, 0, NULL, NULL) != 1)
		die("verifier key", NULL);
	len = BIO_get_mem_data(bio, &pem);
	if (store_verifier_set(st, pem, (size_t)len, now, &e) == -1)
		die_e("verifier key", &e);
	BIO_free(bio);
	EVP_PKEY_free(vk);
}

static void
enroll(const struct fleet *f, struct store *st, unsigned long d)
{
	static struct store_device sd;
	struct device *dv = &f->dev[d];
	struct store_refs refs;
	struct mint_log ref;
	struct errbuf e;
	uint64_t s = f->seed + d;
	unsigned v;

	if (mint_ak_init(&dv->ak, NULL, &e) == -1)
		die_e("AK", &e);
	snprintf(dv->ek_crt, sizeof(dv->ek_crt), "EK certificate of fleet "
	    "device %lu", d);
	snprintf(dv->ek_pub, sizeof(dv->ek_pub), "EK public area of fleet "
	    "device %lu", d);
	memset(&sd, 0, sizeof(sd));
	sd.ek_cert_len = strlen(dv->ek_crt);
	memcpy(sd.ek_cert, dv->ek_crt, sd.ek_cert_len);
	sd.ek_public_len = strlen(dv->ek_pub);
	memcpy(sd.ek_public, dv->ek_pub, sd.ek_public_len);
	memcpy(sd.ak_public, dv->ak.pub2b, dv->ak.pub2b_len);
	sd.ak_public_len = dv->ak.pub2b_len;
	memcpy(sd.ak_name, dv->ak.name.b, dv->ak.name.len);
	sd.ak_name_len = dv->ak.name.len;
	sd.state = STORE_DEVICE_ENROLLED;
	if (store_device_id(sd.ek_cert, sd.ek_cert_len, sd.id, &e) == -1 ||
	    store_device_add(st, &sd, f->now - 1000, &e) == -1)
		die_e("enroll a device", &e);
	memcpy(dv->id, sd.id, 32);
	if (f->images != 0)
		device_log(f, d, &ref, &dv->entries);
	else {
		if (f->big_every != 0 && d % f->big_every == f->big_every - 1)
			dv->entries = f->big;
		else
			dv->entries = f->entries * 4 / 5 +
			    rng_next(&s) % (f->entries * 2 / 5 + 1);
		if (dv->entries < 2)
			dv->entries = 2;
		read_gen_log(f, dv->entries, f->seed * 1000003u + d, &ref);
	}
	memset(&refs, 0, sizeof(refs));
	/* what its enrollment would have recorded (pcr.reference) */
	if (mint_ref_pcrs(&refs.pcrs, &e) == -1)
		die_e("reference PCRs", &e);
	refs.ima_log_alg = hashalg_by_name("sha1");
	refs.ima_log = ref.data;
	refs.ima_log_len = ref.len;
	if (store_refs_set(st, dv->id, &refs, f->now - 1000, &e) == -1)
		die_e("references", &e);
	if (f->uefi != NULL && store_uefi_ref_set(st, dv->id, f->uefi,
	    f->uefi_len, dv->id, f->now - 1000, &e) == -1)
		die_e("reference UEFI log", &e);
	for (v = 0; f->images == 0 && v < FLEET_VARIANTS; v++)
		make_variant(&ref, dv->entries, (f->seed + d) * FLEET_VARIANTS
		    + v, &dv->variant[v]);
	free(ref.data);
}

static void
issue(const struct fleet *f, struct store *st, unsigned long i)
{
	static struct store_challenge sc;
	const struct device *dv = &f->dev[i % f->ndev];
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	size_t off = 0;

	memset(&sc, 0, sizeof(sc));
	if (store_new_id(f->chal[i], &e) == -1)
		die_e("challenge id", &e);
	if (RAND_bytes(f->nonce[i], 32) != 1)
		die("RAND_bytes", NULL);
	memcpy(sc.id, f->chal[i], 16);
	memcpy(sc.device_id, dv->id, 32);
	sc.purpose = STORE_CHALLENGE_ATTESTATION;
	memcpy(sc.ak_name, dv->ak.name.b, dv->ak.name.len);
	sc.ak_name_len = dv->ak.name.len;
	memcpy(sc.secret, f->nonce[i], 32);
	if (tpm_selection_from_spec(FLEET_SELECTION, &sel, &e) == -1 ||
	    Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sc.pcr_selection,
	    sizeof(sc.pcr_selection), &off) != 0)
		die("selection", NULL);
	sc.pcr_selection_len = off;
	snprintf(sc.logs, sizeof(sc.logs), "ima");
	sc.issued = f->now - 100;
	sc.not_after = f->now + FLEET_VALID_S;
	if (store_challenge_issue(st, &sc, &e) == -1)
		die_e("issue a challenge", &e);
}

static void
make_store(struct fleet *f)
{
	char path[PATH_MAX];
	struct store *st;
	struct errbuf e;
	unsigned long i;

	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	if (store_open(path, STORE_CREATE_NEW, &st, &e) == -1)
		die_e(path, &e);
	set_verifier_key(st, f->now);
	if (store_begin(st, &e) == -1)
		die_e("begin", &e);
	for (i = 0; i < f->ndev; i++)
		enroll(f, st, i);
	for (i = 0; i < f->n; i++)
		issue(f, st, i);
	if (store_commit(st, &e) == -1)
		die_e("commit", &e);
	store_close(st);
}

/* ---- bundles -------------------------------------------------------------- */

static void
write_all(const char *path, const uint8_t *p, size_t n)
{
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		die(path, strerror(errno));
	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			die(path, strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) == -1)
		die(path, strerror(errno));
}

static void
mint_one(const struct fleet *f, unsigned long i)
{
	const struct device *dv = &f->dev[i % f->ndev];
	const struct mint_log *log;
	struct mint_log own = { NULL, 0 }, carried = { NULL, 0 };
	struct mint_spec s;
	struct errbuf e;
	char path[PATH_MAX];
	uint8_t *b;
	size_t n;

	if (f->images != 0) {
		/* another service order than its enrollment's */
		device_log(f, i % f->ndev, &own, &n);
		swap_blocks(&own, n, n / 40 + 1, (f->seed << 20) ^ (i + 1),
		    &carried);
		log = &carried;
	} else
		log = &dv->variant[(i / f->ndev) % FLEET_VARIANTS];
	if (f->plant >= 0 && (unsigned long)f->plant == i) {
		if (log != &carried && mint_log_put(&carried, log->data,
		    log->len, &e) == -1)
			die_e("plant", &e);
		if (mint_log_add(&carried, "/usr/bin/planted", "planted", NULL,
		    &e) == -1)
			die_e("plant", &e);
		log = &carried;
	}
	mint_spec_init(&s, &dv->ak);
	s.ek_crt = (const uint8_t *)dv->ek_crt;
	s.ek_crt_len = strlen(dv->ek_crt);
	s.ek_pub = (const uint8_t *)dv->ek_pub;
	s.ek_pub_len = strlen(dv->ek_pub);
	memcpy(s.challenge_id, f->chal[i], 16);
	memcpy(s.nonce, f->nonce[i], 32);
	if (tpm_selection_from_spec(FLEET_SELECTION, &s.sel, &e) == -1)
		die_e("selection", &e);
	s.ima = log->data;
	s.ima_len = log->len;
	s.uefi = f->uefi;
	s.uefi_len = f->uefi_len;
	s.uefi_pcrs = f->uefi != NULL ? &f->uefi_pcrs : NULL;
	s.clock = 1000000 + 1000 * (uint64_t)i;
	s.created = f->now;
	if (mint_evidence(&s, &b, &n, &e) == -1)
		die_e("mint", &e);
	snprintf(path, sizeof(path), "%s/bundles/%04lu/%07lu.dossier", f->dir,
	    i / FLEET_PER_DIR, i);
	write_all(path, b, n);
	free(b);
	free(own.data);
	free(carried.data);
}

static void
mint_all(const struct fleet *f)
{
	unsigned long w, i, ok = 0;
	pid_t pid;
	int status;

	for (w = 0; w < f->jobs; w++) {
		if ((pid = fork()) == -1)
			die("fork", strerror(errno));
		if (pid == 0) {
			for (i = w; i < f->n; i += f->jobs)
				mint_one(f, i);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	if (ok != f->jobs)
		die("a worker failed", NULL);
}

/* ---- listings ------------------------------------------------------------- */

static void
write_listings(const struct fleet *f)
{
	char path[PATH_MAX], hex[65];
	unsigned long i, k, ndirs = (f->n + FLEET_PER_DIR - 1) / FLEET_PER_DIR;
	unsigned long long total = 0, *dir_entries;
	FILE *o;

	if ((dir_entries = calloc(ndirs + 1, sizeof(*dir_entries))) == NULL)
		die("out of memory", NULL);
	snprintf(path, sizeof(path), "%s/nonces", f->dir);
	if ((o = fopen(path, "w")) == NULL)
		die(path, strerror(errno));
	for (i = 0; i < f->n; i++) {
		hex_encode(f->nonce[i], 32, hex);
		fprintf(o, "%07lu %lu %s\n", i, i % f->ndev, hex);
		dir_entries[i / FLEET_PER_DIR] += f->dev[i % f->ndev].entries;
		total += f->dev[i % f->ndev].entries;
	}
	if (fclose(o) == EOF)
		die(path, strerror(errno));
	snprintf(path, sizeof(path), "%s/fleet.txt", f->dir);
	if ((o = fopen(path, "w")) == NULL)
		die(path, strerror(errno));
	fprintf(o, "bundles %lu\ndevices %lu\nentries %llu\n", f->n, f->ndev,
	    total);
	if (f->images != 0)
		fprintf(o, "images %lu\n", f->images);
	for (k = 0; k < ndirs; k++)
		fprintf(o, "dir %04lu bundles %lu entries %llu\n", k,
		    k + 1 < ndirs || f->n % FLEET_PER_DIR == 0 ? FLEET_PER_DIR :
		    f->n % FLEET_PER_DIR, dir_entries[k]);
	if (fclose(o) == EOF)
		die(path, strerror(errno));
	free(dir_entries);
}

static void
make_dirs(const struct fleet *f)
{
	char path[PATH_MAX];
	unsigned long k;

	if (mkdir(f->dir, 0755) == -1)
		die(f->dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/bundles", f->dir);
	if (mkdir(path, 0755) == -1)
		die(path, strerror(errno));
	for (k = 0; k * FLEET_PER_DIR < f->n; k++) {
		snprintf(path, sizeof(path), "%s/bundles/%04lu", f->dir, k);
		if (mkdir(path, 0755) == -1)
			die(path, strerror(errno));
	}
}

static void
free_fleet(struct fleet *f)
{
	unsigned long d;
	unsigned v;

	for (d = 0; d < f->ndev; d++) {
		mint_ak_free(&f->dev[d].ak);
		for (v = 0; v < FLEET_VARIANTS; v++)
			free(f->dev[d].variant[v].data);
	}
	for (d = 0; d < f->images; d++)
		free(f->image[d].data);
	free(f->image);
	free(f->image_n);
	free(f->dev);
	free(f->uefi);
	free(f->nonce);
	free(f->chal);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tool beside argv0 (a build's tools directory), or on PATH. */
static const char *
default_tool(const char *argv0, const char *tool, char *path, size_t cap)
{
	const char *slash = strrchr(argv0, '/');

	if (slash == NULL)
		return tool;
	snprintf(path, cap, "%.*s/%s", (int)(slash - argv0), argv0, tool);
	return path;
}

static void
usage(void)
{
	fprintf(stderr, "usage: verify_gen_fleet -n N -o DIR [-D devices] "
	    "[-e entries] [-E big] [-b every]\n"
	    "           [-K images] [-P plant] [-j jobs] [-s seed] "
	    "[-g gen_ima_log]\n           [-U events] [-u gen_eventlog]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static char ima_tool[PATH_MAX], uefi_tool[PATH_MAX];
	static struct fleet f;
	double t0;
	long ncpu;
	int ch;

	memset(&f, 0, sizeof(f));
	f.entries = 1000;
	f.big = 10000;
	f.big_every = 20;
	f.seed = 1;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	f.jobs = ncpu > 0 ? (unsigned long)ncpu : 1;
	f.gen_ima_log = default_tool(argv[0], "gen_ima_log", ima_tool,
	    sizeof(ima_tool));
	f.gen_eventlog = default_tool(argv[0], "gen_eventlog", uefi_tool,
	    sizeof(uefi_tool));
	f.uefi_events = 100;
	f.plant = -1;
	while ((ch = getopt(argc, argv, "n:o:D:e:E:b:K:P:j:s:g:U:u:")) != -1) {
		switch (ch) {
		case 'n': f.n = ulong_arg(optarg, FLEET_BUNDLES_MAX, "-n"); break;
		case 'o': f.dir = optarg; break;
		case 'D': f.ndev = ulong_arg(optarg, FLEET_DEVICES_MAX, "-D");
			break;
		case 'e': f.entries = ulong_arg(optarg, FLEET_ENTRIES_MAX, "-e");
			break;
		case 'E': f.big = ulong_arg(optarg, FLEET_ENTRIES_MAX, "-E");
			break;
		case 'b': f.big_every = ulong_arg(optarg, FLEET_DEVICES_MAX,
			    "-b");
			break;
		case 'K': f.images = ulong_arg(optarg, FLEET_IMAGES_MAX, "-K");
			break;
		case 'P': f.plant = (long)ulong_arg(optarg, FLEET_BUNDLES_MAX,
			    "-P");
			break;
		case 'j': f.jobs = ulong_arg(optarg, FLEET_JOBS_MAX, "-j");
			break;
		case 's': f.seed = ulong_arg(optarg, ULONG_MAX / 2, "-s");
			break;
		case 'g': f.gen_ima_log = optarg; break;
		case 'U': f.uefi_events = ulong_arg(optarg, FLEET_UEFI_MAX,
			    "-U");
			break;
		case 'u': f.gen_eventlog = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || f.n == 0 || f.dir == NULL || f.jobs == 0 ||
	    f.entries == 0 || (f.uefi_events != 0 && f.uefi_events <
	    FLEET_UEFI_BASE))
		usage();
	if (f.ndev == 0)
		f.ndev = f.n < 200 ? f.n : 200;
	if (f.ndev > f.n)
		f.ndev = f.n;
	f.now = (int64_t)time(NULL);
	if ((f.dev = calloc(f.ndev, sizeof(*f.dev))) == NULL ||
	    (f.nonce = calloc(f.n, sizeof(*f.nonce))) == NULL ||
	    (f.chal = calloc(f.n, sizeof(*f.chal))) == NULL)
		die("out of memory", NULL);
	make_dirs(&f);
	if (f.uefi_events != 0)
		make_uefi_log(&f);
	if (f.images != 0)
		make_images(&f);
	t0 = now_s();
	make_store(&f);
	/* the store's cost per enrolled device (bench/fleet.sh) */
	fprintf(stderr, "verify_gen_fleet: store of %lu devices in %.3f s\n",
	    f.ndev, now_s() - t0);
	write_listings(&f);
	mint_all(&f);
	free_fleet(&f);
	return 0;
}
