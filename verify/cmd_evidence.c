/*
 * cmd_evidence.c - dossier evidence: the store's evidence archive
 * (verify/evidence.h), the audit trail of what it judged.
 *
 *   dossier [--store PATH] evidence list [--device ID] [--since T]
 *       [--until T]
 *   dossier [--store PATH] evidence export (--device ID | --all)
 *       [--since T] [--until T] -o FILE
 *   dossier [--store PATH] evidence prune --older-than DAYS [--dry-run]
 *
 * list prints one line per recorded result that names a device, oldest
 * first: time, verdict, device, challenge, bundle SHA-256 and whether the
 * bundle is kept. export writes a tar another auditor re-checks with
 * nothing but these files (dossier-evidence(1)): the kept bundles, the
 * recorded results as JSON Lines and as signed result files, and the
 * verifier's public key. prune removes kept bundles whose newest result is
 * older than DAYS days (a bundle with no result, from a run that did not
 * commit, by its file time).
 *
 * Outcome: HOLDS when done, FAILS when export found results whose bundle
 * is not kept (the export is written all the same, listing them), ERROR
 * on a usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "format/hex.h"
#include "format/results.h"
#include "format/tar_entry.h"
#include "verify/cmd.h"
#include "verify/evidence.h"
#include "verify/recorded.h"
#include "verify/store.h"

#define EVIDENCE_DAYS_MAX	36500
#define EVIDENCE_COPY_CHUNK	(64u * 1024)

struct ev_args {
	const char *device;	/* --device */
	bool all;		/* --all */
	int64_t since, until;	/* --since, --until */
	const char *out;	/* -o */
	long days;		/* --older-than */
	bool dry_run;		/* --dry-run */
};

static void
evidence_usage(FILE *f)
{
	fputs("usage: dossier [--store path] evidence list [--device id] "
	    "[--since time] [--until time]\n"
	    "       dossier [--store path] evidence export (--device id | "
	    "--all) [--since time]\n"
	    "           [--until time] -o file\n"
	    "       dossier [--store path] evidence prune --older-than days "
	    "[--dry-run]\n", f);
}

static int
parse_args(int argc, char **argv, struct ev_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "output", required_argument, NULL, 'o' },
		{ "older-than", required_argument, NULL, 'O' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	time_t t;
	char *end;
	int ch;

	memset(a, 0, sizeof(*a));
	a->until = INT64_MAX;
	a->days = -1;
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			*help = true;
			return 0;
		case 'd': a->device = optarg; break;
		case 'a': a->all = true; break;
		case 'o': a->out = optarg; break;
		case 'n': a->dry_run = true; break;
		case 's':
		case 'u':
			if (cmd_parse_time(optarg, &t) == -1) {
				cmd_error("evidence: --%s %s: a date "
				    "(2026-01-31, 2026-01-31T12:00:00Z or "
				    "@epoch)", ch == 's' ? "since" : "until",
				    optarg);
				return -1;
			}
			*(ch == 's' ? &a->since : &a->until) = (int64_t)t;
			break;
		case 'O':
			errno = 0;
			a->days = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    a->days < 0 || a->days > EVIDENCE_DAYS_MAX) {
				cmd_error("evidence: --older-than %s: a number "
				    "of days from 0 to %d", optarg,
				    EVIDENCE_DAYS_MAX);
				return -1;
			}
			break;
		default:
			cmd_error("evidence: unknown option or missing "
			    "argument '%s'", argv[optind - 1]);
			evidence_usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* ---- list ------------------------------------------------------------------ */

struct lister {
	struct evidence *ev;
	uint64_t n;
};

static bool
kept(const struct evidence *ev, const uint8_t sha[32])
{
	char path[EVIDENCE_PATH_MAX];
	struct stat sb;

	if (ev == NULL)
		return false;
	evidence_path(ev, sha, path);
	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int
list_one(void *arg, const struct store_result_record *rec, struct errbuf *e)
{
	struct lister *l = arg;
	const struct store_result *r = &rec->r;
	char when[21], dev[65], chal[33], sha[65];

	if (result_time_format(r->created, when, e) == -1)
		return -1;
	hex_encode(r->device_id, 32, dev);
	if (r->has_challenge)
		hex_encode(r->challenge_id, 16, chal);
	else
		snprintf(chal, sizeof(chal), "-");
	hex_encode(r->bundle_sha256, 32, sha);
	printf("%s %s %s %s %s %s\n", when, store_verdict_name(r->verdict),
	    dev, chal, sha, kept(l->ev, r->bundle_sha256) ? "kept" :
	    "not-kept");
	l->n++;
	return 0;
}

/* ---- export ---------------------------------------------------------------- */

struct exporter {
	struct store *s;
	struct evidence *ev;
	struct archive *a;
	EVP_PKEY *vkey;
	uint8_t verifier_id[32];
	int64_t mtime;
	FILE *jsonl;		/* results.jsonl, written last */
	uint8_t (*shas)[32];	/* bundles to add, sorted at the end */
	size_t nshas, capshas;
	struct result r;
	uint64_t results;
};

static int
export_result(void *arg, const struct store_result_record *rec,
    struct errbuf *e)
{
	struct exporter *x = arg;
	char rid[33], name[64];
	uint8_t *file = NULL;
	char *line = NULL;
	size_t len, n;
	int rc = -1;

	if (recorded_result(x->s, rec, rec->r.input_name, false, 0, &x->r,
	    e) == -1)
		return -1;
	memcpy(x->r.verifier_id, x->verifier_id, sizeof(x->r.verifier_id));
	snprintf(x->r.build, sizeof(x->r.build), "dossier %s",
	    DOSSIER_VERSION);
	hex_encode(rec->r.id, STORE_ID_LEN, rid);
	snprintf(name, sizeof(name), "results/%s.dres", rid);
	if (result_json_line(&x->r, &line, &n, e) == -1 ||
	    result_sign(&x->r, x->vkey, &file, &len, e) == -1 ||
	    tar_entry_file(x->a, name, file, len, x->mtime, e) == -1)
		goto out;
	if (fwrite(line, 1, n, x->jsonl) != n) {
		err_set(e, "results.jsonl: %s", strerror(errno));
		goto out;
	}
	if (x->nshas == x->capshas) {
		size_t cap = x->capshas ? 2 * x->capshas : 256;
		void *p = realloc(x->shas, cap * sizeof(*x->shas));

		if (p == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		x->shas = p;
		x->capshas = cap;
	}
	memcpy(x->shas[x->nshas++], rec->r.bundle_sha256, 32);
	x->results++;
	rc = 0;
out:
	free(line);
	free(file);
	return rc;
}

static int
sha_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Each distinct bundle once: evidence/HEX.dossier, or a line of
 * missing.txt when it is not kept. */
static int
export_bundles(struct exporter *x, uint64_t *nkept, char **missing,
    size_t *missing_len, struct errbuf *e)
{
	char name[96], hex[65];
	uint8_t *data;
	size_t i, len;
	bool found;
	FILE *m;

	*nkept = 0;
	if ((m = open_memstream(missing, missing_len)) == NULL)
		return err_set(e, "out of memory");
	qsort(x->shas, x->nshas, 32, sha_cmp);
	for (i = 0; i < x->nshas; i++) {
		if (i > 0 && memcmp(x->shas[i], x->shas[i - 1], 32) == 0)
			continue;
		hex_encode(x->shas[i], 32, hex);
		found = false;
		data = NULL;
		if (x->ev != NULL && evidence_read(x->ev, x->shas[i], &data,
		    &len, &found, e) == -1) {
			fclose(m);
			return -1;
		}
		if (!found) {
			fprintf(m, "%s\n", hex);
			continue;
		}
		snprintf(name, sizeof(name), "evidence/%s.dossier", hex);
		if (tar_entry_file(x->a, name, data, len, x->mtime, e) == -1) {
			free(data);
			fclose(m);
			return -1;
		}
		free(data);
		(*nkept)++;
	}
	return fclose(m) == 0 ? 0 : err_set(e, "out of memory");
}

/* A temporary file's bytes as one tar entry, copied in chunks. */
static int
export_stream(struct exporter *x, const char *name, FILE *f, struct errbuf *e)
{
	uint8_t buf[EVIDENCE_COPY_CHUNK];
	long size;
	size_t n;

	if (fflush(f) == EOF || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		return err_set(e, "%s: %s", name, strerror(errno));
	if (tar_entry_header(x->a, name, (uint64_t)size, x->mtime, e) == -1)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (archive_write_data(x->a, buf, n) != (la_ssize_t)n)
			return err_set(e, "tar: %s: %s", name,
			    archive_error_string(x->a));
	return ferror(f) ? err_set(e, "%s: read error", name) : 0;
}

/* verifier.pem: the public key the signed results verify with. */
static int
export_key(struct exporter *x, struct errbuf *e)
{
	BIO *bio;
	char *pem;
	long n;
	int rc;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, x->vkey) != 1) {
		BIO_free(bio);
		return err_set(e, "verifier.pem: cannot encode the key");
	}
	n = BIO_get_mem_data(bio, &pem);
	rc = tar_entry_file(x->a, "verifier.pem", (const uint8_t *)pem,
	    (size_t)n, x->mtime, e);
	BIO_free(bio);
	return rc;
}

static int
export_run(struct exporter *x, const uint8_t *device, const struct ev_args *a,
    int fd, uint64_t *nkept, char **missing, size_t *missing_len,
    struct errbuf *e)
{
	struct store_verifier sv;
	bool found;

	if (store_verifier_get(x->s, &sv, &found, e) == -1)
		return -1;
	memset(sv.private_pem, 0, sizeof(sv.private_pem));
	if (!found)
		return err_set(e, "the store has no verifier key (dossier init "
		    "makes one)");
	memcpy(x->verifier_id, sv.key_id, 32);
	if (store_verifier_key(x->s, &x->vkey, e) == -1)
		return -1;
	if ((x->jsonl = tmpfile()) == NULL)
		return err_set(e, "temporary file: %s", strerror(errno));
	if ((x->a = archive_write_new()) == NULL)
		return err_set(e, "out of memory");
	if (archive_write_set_format_ustar(x->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(x->a) != ARCHIVE_OK ||
	    archive_write_open_fd(x->a, fd) != ARCHIVE_OK)
		return err_set(e, "tar: %s", archive_error_string(x->a));
	if (export_key(x, e) == -1 ||
	    store_results_foreach(x->s, device, a->since, a->until,
	    export_result, x, e) == -1 ||
	    export_bundles(x, nkept, missing, missing_len, e) == -1 ||
	    export_stream(x, "results.jsonl", x->jsonl, e) == -1 ||
	    (*missing_len > 0 && tar_entry_file(x->a, "missing.txt",
	    (const uint8_t *)*missing, *missing_len, x->mtime, e) == -1))
		return -1;
	if (archive_write_close(x->a) != ARCHIVE_OK)
		return err_set(e, "tar: %s", archive_error_string(x->a));
	return 0;
}

static enum outcome
evidence_export(struct store *s, const struct ev_args *a)
{
	struct exporter x;
	uint8_t id[32];
	char tmp[EVIDENCE_PATH_MAX + 16], *missing = NULL;
	size_t missing_len = 0;
	uint64_t nkept = 0;
	struct errbuf e;
	enum outcome o = OUTCOME_ERROR;
	int fd, rc;

	if (a->out == NULL || (a->device == NULL) == !a->all) {
		cmd_error("evidence export: give -o FILE and one of --device "
		    "ID or --all");
		return OUTCOME_ERROR;
	}
	if (a->device != NULL && cmd_find_device(s, "evidence export",
	    a->device, id) == -1)
		return OUTCOME_ERROR;
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.mtime = (int64_t)time(NULL);
	if (evidence_open(store_path(s), false, &x.ev, &e) == -1) {
		cmd_error("evidence export: %s", e.msg);
		return OUTCOME_ERROR;
	}
	/* written beside FILE and renamed: no half export under its name */
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", a->out, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1) {
		cmd_error("evidence export: %s: %s", tmp, strerror(errno));
		evidence_close(x.ev);
		return OUTCOME_ERROR;
	}
	rc = export_run(&x, a->device ? id : NULL, a, fd, &nkept, &missing,
	    &missing_len, &e);
	if (x.a != NULL)
		archive_write_free(x.a);
	if (rc == 0 && (fsync(fd) == -1 || close(fd) == -1)) {
		rc = err_set(&e, "%s: %s", tmp, strerror(errno));
		fd = -1;
	} else if (rc == -1)
		close(fd);
	if (rc == 0 && rename(tmp, a->out) == -1)
		rc = err_set(&e, "%s: %s", a->out, strerror(errno));
	if (rc == -1) {
		unlink(tmp);
		cmd_error("evidence export: %s", e.msg);
	} else {
		fprintf(stderr, "evidence export: %s: %" PRIu64 " results, %"
		    PRIu64 " bundles kept%s\n", a->out, x.results, nkept,
		    missing_len > 0 ? "; some results' bundles are not kept "
		    "(listed in missing.txt)" : "");
		o = missing_len > 0 ? OUTCOME_FAILS : OUTCOME_HOLDS;
	}
	if (x.jsonl != NULL)
		fclose(x.jsonl);
	EVP_PKEY_free(x.vkey);
	free(x.shas);
	free(missing);
	evidence_close(x.ev);
	return o;
}

/* ---- prune ----------------------------------------------------------------- */

struct pruner {
	struct store *s;
	struct evidence *ev;
	int64_t cutoff;
	bool dry_run;
	uint64_t removed, kept;
};

static int
prune_one(void *arg, const uint8_t sha[32], struct errbuf *e)
{
	struct pruner *p = arg;
	struct store_result_record rec;
	char path[EVIDENCE_PATH_MAX], hex[65];
	struct stat sb;
	int64_t newest;
	bool found, removed = false;

	if (store_result_find_before(p->s, sha, INT64_MAX, &rec, &found,
	    e) == -1)
		return -1;
	if (found) {
		newest = rec.r.created;
		store_result_record_free(&rec);
	} else {
		evidence_path(p->ev, sha, path);
		newest = lstat(path, &sb) == 0 ? (int64_t)sb.st_mtime :
		    INT64_MAX;
	}
	if (newest >= p->cutoff) {
		p->kept++;
		return 0;
	}
	if (!p->dry_run && evidence_remove(p->ev, sha, &removed, e) == -1)
		return -1;
	hex_encode(sha, 32, hex);
	printf("%s %s\n", p->dry_run ? "would-remove" : "removed", hex);
	p->removed++;
	return 0;
}

static enum outcome
evidence_prune(struct store *s, const struct ev_args *a)
{
	struct pruner p;
	struct errbuf e;
	int rc;

	if (a->days < 0) {
		cmd_error("evidence prune: give --older-than DAYS (nothing is "
		    "removed by default)");
		return OUTCOME_ERROR;
	}
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.dry_run = a->dry_run;
	p.cutoff = (int64_t)time(NULL) - (int64_t)a->days * 86400;
	if (evidence_open(store_path(s), false, &p.ev, &e) == -1) {
		cmd_error("evidence prune: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (p.ev == NULL) {
		fprintf(stderr, "evidence prune: no evidence archive\n");
		return OUTCOME_HOLDS;
	}
	rc = evidence_foreach(p.ev, prune_one, &p, &e);
	evidence_close(p.ev);
	if (rc == -1) {
		cmd_error("evidence prune: %s", e.msg);
		return OUTCOME_ERROR;
	}
	fprintf(stderr, "evidence prune: %" PRIu64 " %s, %" PRIu64 " kept\n",
	    p.removed, p.dry_run ? "would be removed" : "removed", p.kept);
	return OUTCOME_HOLDS;
}

/* ---- the command ------------------------------------------------------------ */

static enum outcome
evidence_list(struct store *s, const struct ev_args *a)
{
	struct lister l;
	uint8_t id[32];
	struct errbuf e;
	int rc;

	if (a->device != NULL && cmd_find_device(s, "evidence list",
	    a->device, id) == -1)
		return OUTCOME_ERROR;
	memset(&l, 0, sizeof(l));
	if (evidence_open(store_path(s), false, &l.ev, &e) == -1) {
		cmd_error("evidence list: %s", e.msg);
		return OUTCOME_ERROR;
	}
	rc = store_results_foreach(s, a->device ? id : NULL, a->since,
	    a->until, list_one, &l, &e);
	evidence_close(l.ev);
	if (rc == -1 || fflush(stdout) == EOF) {
		cmd_error("evidence list: %s", rc == -1 ? e.msg :
		    "cannot write to standard output");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

enum outcome
cmd_evidence(int argc, char **argv)
{
	struct ev_args a;
	struct store *s;
	enum outcome o;
	bool help;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		evidence_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? OUTCOME_ERROR : OUTCOME_HOLDS;
	}
	if (parse_args(argc - 1, argv + 1, &a, &help) == -1)
		return OUTCOME_ERROR;
	if (help) {
		evidence_usage(stdout);
		return OUTCOME_HOLDS;
	}
	if (optind != argc - 1) {
		cmd_error("evidence %s: unexpected argument '%s'", argv[1],
		    argv[optind + 1]);
		return OUTCOME_ERROR;
	}
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "export") != 0 &&
	    strcmp(argv[1], "prune") != 0) {
		cmd_error("evidence: unknown subcommand '%s' (list, export, "
		    "prune)", argv[1]);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (strcmp(argv[1], "list") == 0)
		o = evidence_list(s, &a);
	else if (strcmp(argv[1], "export") == 0)
		o = evidence_export(s, &a);
	else
		o = evidence_prune(s, &a);
	store_close(s);
	return o;
}
