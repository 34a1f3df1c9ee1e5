/*
 * gen_resign.c - change a real bundle's members and have the device's own
 * AK re-sign its manifest: the attacker who controls the collector and
 * edits the evidence before the TPM signs it (tests/t_verify_batch_swtpm.sh).
 *
 *   gen_resign prepare IN.dossier STATE TBS [--replace NAME=FILE]...
 *                      [--add NAME=FILE:MEDIA]... [--drop NAME]...
 *   gen_resign finish STATE SIG.tpmt OUT.dossier
 *
 * prepare reads IN (bundle reader, MANIFEST opened without a key), applies
 * the changes in order, rebuilds the manifest with the same fields and the
 * new member list, writes the COSE Sig_structure the AK must sign to TBS
 * and prints "HASH SCHEME" (e.g. "sha256 ecdsa") for tpm2_hash/tpm2_sign.
 * STATE is a bundle of its own holding the members and, as its first entry,
 * the COSE alg (8 bytes, big-endian) followed by the unsigned manifest
 * payload. finish reads STATE and the AK's TPMT_SIGNATURE over TBS (as
 * tpm2_sign writes it), assembles the MANIFEST, checks that it verifies
 * with the bundle's ak.pub, and writes OUT.
 *
 * The tool trusts nothing it reads: every change must name a member that
 * exists (--replace, --drop) or does not (--add), and limits are those of
 * the bundle and manifest modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bundle.h"
#include "format/fileio.h"
#include "format/manifest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"

#define RESIGN_MEMBER_MAX	((uint64_t)64 << 20)	/* collected in memory */
#define RESIGN_ALG_LEN		8
#define RESIGN_SIG_MAX		4096

struct resign {
	struct manifest m;
	int64_t alg;
	int state;		/* reading STATE (alg + payload), not a bundle */
	size_t n;
	struct bundle_input in[BUNDLE_MEMBERS_MAX];
	uint8_t *data[BUNDLE_MEMBERS_MAX];	/* owned */
	char name[BUNDLE_MEMBERS_MAX][BUNDLE_MEMBER_NAME_MAX + 1];
	char media[BUNDLE_MEMBERS_MAX][BUNDLE_MEDIA_TYPE_MAX + 1];
};

static _Noreturn void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "gen_resign: %s%s%s\n", what, e ? ": " : "",
	    e ? e->msg : "");
	exit(1);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: gen_resign prepare IN.dossier STATE TBS "
	    "[--replace NAME=FILE]... [--add NAME=FILE:MEDIA]... "
	    "[--drop NAME]...\n"
	    "       gen_resign finish STATE SIG.tpmt OUT.dossier\n");
	exit(2);
}

/* The reader's manifest callback: learn the member list. */
static int
on_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct resign *r = arg;
	struct cose_sign1 msg;
	size_t i;

	if (r->state) {
		if (len <= RESIGN_ALG_LEN) {
			err_set(e, "state too short");
			return -1;
		}
		r->alg = 0;
		for (i = 0; i < RESIGN_ALG_LEN; i++)
			r->alg = (int64_t)((uint64_t)r->alg << 8 | buf[i]);
		if (manifest_decode(buf + RESIGN_ALG_LEN, len - RESIGN_ALG_LEN,
		    &r->m, e) == -1)
			return -1;
	} else {
		if (manifest_file_open(buf, len, &msg, e) == -1)
			return -1;
		r->alg = msg.hdr.alg;
		if (manifest_decode(msg.payload, msg.payload_len, &r->m,
		    e) == -1)
			return -1;
	}
	memcpy(members, r->m.members, r->m.n_members * sizeof(*members));
	*nmembers = r->m.n_members;
	return 0;
}

/* Read PATH (a bundle, or STATE) into r: members, manifest, alg. */
static void
read_bundle(const char *path, int state, struct resign *r)
{
	static struct bundle_contents c;
	struct bundle_reader rd = { .manifest = on_manifest, .arg = r,
	    .collect_max = RESIGN_MEMBER_MAX };
	struct errbuf e = { 0 };
	uint8_t *buf;
	size_t len, i;

	r->state = state;
	if (file_read(path, BUNDLE_MEMBER_MAX_BYTES, &buf, &len, &e) == -1)
		die(path, &e);
	if (bundle_read_mem(path, buf, len, &rd, &c, &e) == -1)
		die("read", &e);
	free(buf);
	for (i = 0; i < c.nmembers; i++) {
		if (c.data[i] == NULL)
			die("a member too large to collect", NULL);
		snprintf(r->name[i], sizeof(r->name[i]), "%s",
		    c.members[i].name);
		snprintf(r->media[i], sizeof(r->media[i]), "%s",
		    c.members[i].media_type);
		r->data[i] = c.data[i];
		c.data[i] = NULL;
		r->in[i] = (struct bundle_input){ r->name[i], r->media[i],
		    r->data[i], c.members[i].size };
	}
	r->n = c.nmembers;
	bundle_contents_free(&c);
}

static size_t
find_member(const struct resign *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return i;
	return r->n;
}

/* Split "NAME=REST" into name (copied, checked) and REST. */
static const char *
split_name(const char *arg, char *name)
{
	const char *eq = strchr(arg, '=');
	struct errbuf e = { 0 };

	if (eq == NULL || eq == arg || (size_t)(eq - arg) > BUNDLE_MEMBER_NAME_MAX)
		die("expected NAME=FILE", NULL);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (bundle_member_name_check(name, &e) == -1)
		die(name, &e);
	return eq + 1;
}

static void
load_data(struct resign *r, size_t i, const char *path)
{
	struct errbuf e = { 0 };
	size_t len;

	free(r->data[i]);
	if (file_read(path, RESIGN_MEMBER_MAX, &r->data[i], &len, &e) == -1)
		die(path, &e);
	r->in[i].data = r->data[i];
	r->in[i].len = len;
}

static void
op_replace(struct resign *r, const char *arg)
{
	char name[BUNDLE_MEMBER_NAME_MAX + 1];
	const char *path = split_name(arg, name);
	size_t i = find_member(r, name);

	if (i == r->n)
		die("--replace: no such member", NULL);
	load_data(r, i, path);
}

static void
op_add(struct resign *r, const char *arg)
{
	char name[BUNDLE_MEMBER_NAME_MAX + 1], path[4096];
	const char *rest = split_name(arg, name), *colon = strrchr(rest, ':');
	size_t i = r->n;

	if (colon == NULL || colon == rest || (size_t)(colon - rest) >= sizeof(path))
		die("--add: expected NAME=FILE:MEDIA", NULL);
	if (find_member(r, name) != r->n)
		die("--add: the member exists", NULL);
	if (r->n == BUNDLE_MEMBERS_MAX)
		die("--add: too many members", NULL);
	memcpy(path, rest, (size_t)(colon - rest));
	path[colon - rest] = '\0';
	snprintf(r->name[i], sizeof(r->name[i]), "%s", name);
	if (snprintf(r->media[i], sizeof(r->media[i]), "%s", colon + 1) >=
	    (int)sizeof(r->media[i]))
		die("--add: media type too long", NULL);
	r->data[i] = NULL;
	r->in[i] = (struct bundle_input){ r->name[i], r->media[i], NULL, 0 };
	r->n++;
	load_data(r, i, path);
}

static void
op_drop(struct resign *r, const char *name)
{
	size_t i = find_member(r, name), j;

	if (i == r->n)
		die("--drop: no such member", NULL);
	free(r->data[i]);
	for (j = i; j + 1 < r->n; j++) {
		memcpy(r->name[j], r->name[j + 1], sizeof(r->name[j]));
		memcpy(r->media[j], r->media[j + 1], sizeof(r->media[j]));
		r->data[j] = r->data[j + 1];
		r->in[j] = (struct bundle_input){ r->name[j], r->media[j],
		    r->data[j], r->in[j + 1].len };
	}
	r->n--;
}

static const char *
scheme_of(int64_t alg)
{
	const char *n = cose_alg_name(alg);

	if (n == NULL)
		return NULL;
	switch (n[0]) {
	case 'E':
		return "ecdsa";
	case 'R':
		return "rsassa";
	case 'P':
		return "rsapss";
	}
	return NULL;
}

static void
write_out(const char *path, const uint8_t *manifest, size_t len,
    const struct resign *r)
{
	struct errbuf e = { 0 };
	uint8_t *out;
	size_t out_len;
	int64_t mtime = r->m.created;

	if (mtime < 0 || mtime > BUNDLE_MTIME_MAX)
		mtime = 0;
	if (bundle_write_mem(manifest, len, r->in, r->n, mtime, &out,
	    &out_len, &e) == -1)
		die("write", &e);
	if (file_write_atomic(path, out, out_len, &e) == -1)
		die(path, &e);
	free(out);
}

static void
prepare(int argc, char **argv)
{
	static struct resign r;
	struct manifest_tbs tbs;
	struct errbuf e = { 0 };
	const struct hashalg *h;
	const char *scheme;
	uint8_t *st;
	int i;

	if (argc < 3)
		usage();
	read_bundle(argv[0], 0, &r);
	for (i = 3; i < argc; i++) {
		if (i + 1 == argc)
			usage();
		if (strcmp(argv[i], "--replace") == 0)
			op_replace(&r, argv[++i]);
		else if (strcmp(argv[i], "--add") == 0)
			op_add(&r, argv[++i]);
		else if (strcmp(argv[i], "--drop") == 0)
			op_drop(&r, argv[++i]);
		else
			usage();
	}
	if (bundle_members_compute(r.in, r.n, r.m.members, &e) == -1)
		die("members", &e);
	r.m.n_members = r.n;
	if ((h = cose_alg_hash(r.alg)) == NULL ||
	    (scheme = scheme_of(r.alg)) == NULL)
		die("the manifest's COSE alg is not a TPM one", NULL);
	if (manifest_sign_begin(&r.m, r.alg, &tbs, &e) == -1)
		die("manifest", &e);
	if ((st = malloc(RESIGN_ALG_LEN + tbs.payload_len)) == NULL)
		die("out of memory", NULL);
	for (i = 0; i < RESIGN_ALG_LEN; i++)
		st[i] = (uint8_t)((uint64_t)r.alg >> (8 * (RESIGN_ALG_LEN - 1 - i)));
	memcpy(st + RESIGN_ALG_LEN, tbs.payload, tbs.payload_len);
	write_out(argv[1], st, RESIGN_ALG_LEN + tbs.payload_len, &r);
	if (file_write_atomic(argv[2], tbs.cose.sig_structure,
	    tbs.cose.sig_structure_len, &e) == -1)
		die(argv[2], &e);
	printf("%s %s\n", h->name, scheme);
	free(st);
	manifest_tbs_free(&tbs);
	for (i = 0; i < (int)r.n; i++)
		free(r.data[i]);
}

static void
finish(int argc, char **argv)
{
	static struct resign r;
	static struct manifest check;
	struct tpm_public ak;
	struct manifest_tbs tbs;
	struct errbuf e = { 0 };
	TPMT_SIGNATURE sig;
	uint8_t *sigbuf, *file;
	size_t siglen, flen, i;

	if (argc != 3)
		usage();
	read_bundle(argv[0], 1, &r);
	if (file_read(argv[1], RESIGN_SIG_MAX, &sigbuf, &siglen, &e) == -1)
		die(argv[1], &e);
	if (tpm_signature_parse(sigbuf, siglen, &sig, &e) == -1)
		die(argv[1], &e);
	if (manifest_sign_begin(&r.m, r.alg, &tbs, &e) == -1 ||
	    manifest_sign_finish(&tbs, &sig, &file, &flen, &e) == -1)
		die("manifest", &e);
	if ((i = find_member(&r, "ak.pub")) == r.n)
		die("no ak.pub member", NULL);
	if (tpm_public_parse_2b(r.in[i].data, r.in[i].len, &ak, &e) == -1)
		die("ak.pub", &e);
	if (manifest_file_verify(file, flen, &ak, &check, &e) == -1)
		die("the re-signed MANIFEST does not verify", &e);
	write_out(argv[2], file, flen, &r);
	free(file);
	free(sigbuf);
	manifest_tbs_free(&tbs);
	for (i = 0; i < r.n; i++)
		free(r.data[i]);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "prepare") == 0)
		prepare(argc - 2, argv + 2);
	else if (strcmp(argv[1], "finish") == 0)
		finish(argc - 2, argv + 2);
	else
		usage();
	return 0;
}
