/*
 * cmd_verify.c - dossier verify: judge evidence bundles against the store.
 *
 *   dossier [--store PATH] verify [-o RESULTS] [--signed DIR] INPUT...
 *
 * Every bundle of the inputs (verify/inputs.h) is judged in input order
 * by verify/judge.h inside ONE store run: the run is committed after the
 * last bundle (and after RESULTS was written), so an interrupted run
 * leaves the store as it was. Results: one JSON line per bundle
 * (format/results.h) on standard output, or written atomically to RESULTS
 * with -o; with --signed DIR also one signed result file per bundle,
 * DIR/<device-hex>-<challenge-hex>.dres (unidentified-<result-id>.dres
 * when the bundle names no device or challenge; "-2", "-3", ... added to
 * a name already taken), written after the commit. A summary goes to
 * standard error.
 *
 * Outcome: HOLDS if every bundle passed (or there were none), FAILS if
 * any failed or was unreadable, ERROR on a usage error, a missing or
 * unreadable store or input path, or an output that cannot be written.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/results.h"
#include "verify/cmd.h"
#include "verify/inputs.h"
#include "verify/judge.h"
#include "verify/store.h"

#define VERIFY_SIGNED_TRIES	1000	/* "-2" .. suffixes tried */
#define VERIFY_SUMMARY_SHOWN	100	/* failing bundles listed */

struct verify_args {
	const char *out;	/* -o; NULL: standard output */
	const char *signed_dir;	/* --signed */
	char *const *inputs;
	size_t ninputs;
};

/* A signed result file waiting for the commit. */
struct signed_file {
	char base[160];		/* name without ".dres" */
	uint8_t *data;
	size_t len;
};

struct verify_run {
	const struct verify_args *a;
	struct store *s;
	int64_t now;
	EVP_PKEY *vkey;			/* --signed */
	uint8_t verifier_id[32];
	struct signed_file *signed_files;
	size_t n_signed, cap_signed;
	char *lines;			/* -o: JSON lines so far */
	size_t lines_len, lines_cap;
	unsigned count[3];		/* by enum result_verdict */
	char *summary;			/* failing bundles, for stderr */
	size_t summary_len, summary_cap;
	unsigned shown;
};

static void
verify_usage(FILE *f)
{
	fputs("usage: dossier [--store path] verify [-o results] "
	    "[--signed dir] input...\n", f);
}

static enum outcome
parse_verify_args(int argc, char **argv, struct verify_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "signed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat sb;
	int ch;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->out = optarg;
			break;
		case 's':
			a->signed_dir = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			cmd_error("verify: unknown option or missing argument "
			    "'%s'", argv[optind - 1]);
			verify_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind == argc) {
		cmd_error("verify: no input (a file, directory, archive or -)");
		verify_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->out != NULL && a->out[0] == '\0') {
		cmd_error("verify: -o needs a file name");
		return OUTCOME_ERROR;
	}
	if (a->signed_dir != NULL && (stat(a->signed_dir, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode))) {
		cmd_error("verify: --signed %s: not a directory",
		    a->signed_dir);
		return OUTCOME_ERROR;
	}
	a->inputs = argv + optind;
	a->ninputs = (size_t)(argc - optind);
	return OUTCOME_HOLDS;
}

static int
buf_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n,
    struct errbuf *e)
{
	char *nb;
	size_t ncap;

	if (*len + n + 1 > *cap) {
		ncap = *cap ? *cap : 4096;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return err_set(e, "out of memory");
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Sign r and keep the file until the run is committed. */
static int
sign_result(struct verify_run *v, struct result *r,
    const uint8_t id[STORE_ID_LEN], struct errbuf *e)
{
	char dev[65], chal[33], rid[33];
	struct signed_file *f, *nv;
	size_t cap;

	if (v->n_signed == v->cap_signed) {
		cap = v->cap_signed ? v->cap_signed * 2 : 64;
		if ((nv = realloc(v->signed_files, cap * sizeof(*nv))) == NULL)
			return err_set(e, "out of memory");
		v->signed_files = nv;
		v->cap_signed = cap;
	}
	f = &v->signed_files[v->n_signed];
	memcpy(r->verifier_id, v->verifier_id, sizeof(r->verifier_id));
	snprintf(r->build, sizeof(r->build), "dossier %s", DOSSIER_VERSION);
	if (result_sign(r, v->vkey, &f->data, &f->len, e) == -1)
		return err_prefix(e, "sign the result of %s", r->input);
	if (r->has_device && r->has_challenge) {
		hex_encode(r->device_id, sizeof(r->device_id), dev);
		hex_encode(r->challenge_id, sizeof(r->challenge_id), chal);
		snprintf(f->base, sizeof(f->base), "%s-%s", dev, chal);
	} else {
		hex_encode(id, STORE_ID_LEN, rid);
		snprintf(f->base, sizeof(f->base), "unidentified-%s", rid);
	}
	v->n_signed++;
	return 0;
}

/* Write one signed file under a name not yet taken. */
static int
write_signed(const char *dir, const struct signed_file *f, struct errbuf *e)
{
	char path[4096];
	unsigned i;

	for (i = 1; i <= VERIFY_SIGNED_TRIES; i++) {
		if (i == 1)
			snprintf(path, sizeof(path), "%s/%s.dres", dir, f->base);
		else
			snprintf(path, sizeof(path), "%s/%s-%u.dres", dir,
			    f->base, i);
		if (access(path, F_OK) == -1)
			return file_write_atomic(path, f->data, f->len, e);
	}
	return err_set(e, "%s/%s.dres: too many results of that name", dir,
	    f->base);
}

static int
note_failure(struct verify_run *v, const struct result *r, struct errbuf *e)
{
	const struct result_check *f = judge_first_failure(r);
	char line[RESULT_INPUT_MAX + RESULT_REASON_MAX + 128];
	int n;

	if (r->verdict == RESULT_PASS || v->shown++ >= VERIFY_SUMMARY_SHOWN)
		return 0;
	n = snprintf(line, sizeof(line), "  %-5s %s: %s: %s\n",
	    result_verdict_name(r->verdict), r->input,
	    f != NULL ? f->name : "?", f != NULL ? f->reason : "");
	if (n < 0)
		return 0;
	return buf_append(&v->summary, &v->summary_len, &v->summary_cap, line,
	    strlen(line), e);
}

/* inputs_foreach callback: judge one item and emit its result. */
static int
on_item(void *arg, const struct input_item *it, struct errbuf *e)
{
	static struct result r;
	struct verify_run *v = arg;
	struct judge_input in = { it->name, it->has_offset, it->offset };
	uint8_t id[STORE_ID_LEN];
	char *line;
	size_t len;
	int rc;

	if (it->data == NULL)
		rc = judge_unreadable(v->s, v->now, &in, it->why, &r, id, e);
	else
		rc = judge_bundle(v->s, v->now, &in, it->data, it->len, &r, id,
		    e);
	if (rc == -1)
		return err_prefix(e, "%s", it->name);
	v->count[r.verdict]++;
	if (result_json_line(&r, &line, &len, e) == -1)
		return err_prefix(e, "%s", it->name);
	if (v->a->out == NULL) {
		rc = fwrite(line, 1, len, stdout) == len ? 0 :
		    err_set(e, "standard output: write failed");
		fflush(stdout);
	} else
		rc = buf_append(&v->lines, &v->lines_len, &v->lines_cap, line,
		    len, e);
	free(line);
	if (rc == -1 || note_failure(v, &r, e) == -1)
		return -1;
	if (v->vkey != NULL && sign_result(v, &r, id, e) == -1)
		return -1;
	return 0;
}

static void
print_summary(const struct verify_run *v)
{
	unsigned total = v->count[RESULT_PASS] + v->count[RESULT_FAIL] +
	    v->count[RESULT_ERROR];

	fprintf(stderr, "verify: %u bundle%s: %u pass, %u fail, %u error; "
	    "results %s%s%s\n", total, total == 1 ? "" : "s",
	    v->count[RESULT_PASS], v->count[RESULT_FAIL],
	    v->count[RESULT_ERROR], v->a->out ? "in " : "on standard output",
	    v->a->out ? v->a->out : "", v->a->signed_dir ? " (signed files "
	    "written)" : "");
	if (v->summary != NULL)
		fputs(v->summary, stderr);
	if (v->shown > VERIFY_SUMMARY_SHOWN)
		fprintf(stderr, "  ... and %u more\n",
		    v->shown - VERIFY_SUMMARY_SHOWN);
}

/* The verifier's key and id for --signed. */
static int
load_verifier(struct verify_run *v, struct errbuf *e)
{
	struct store_verifier sv;
	bool found;

	if (store_verifier_get(v->s, &sv, &found, e) == -1)
		return -1;
	OPENSSL_cleanse(sv.private_pem, sizeof(sv.private_pem));
	if (!found)
		return err_set(e, "the store has no verifier key (dossier "
		    "init makes one)");
	memcpy(v->verifier_id, sv.key_id, sizeof(v->verifier_id));
	return store_verifier_key(v->s, &v->vkey, e);
}

static enum outcome
run_verify(struct verify_run *v)
{
	struct errbuf e;
	size_t i;

	if (v->a->signed_dir != NULL && load_verifier(v, &e) == -1) {
		cmd_error("verify: --signed: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (store_begin(v->s, &e) == -1) {
		cmd_error("verify: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (inputs_foreach(v->a->inputs, v->a->ninputs, on_item, v,
	    &e) == -1) {
		store_rollback(v->s, NULL);
		cmd_error("verify: %s (nothing recorded in the store)", e.msg);
		return OUTCOME_ERROR;
	}
	if (v->a->out != NULL && file_write_atomic(v->a->out,
	    (const uint8_t *)(v->lines ? v->lines : ""), v->lines_len,
	    &e) == -1) {
		store_rollback(v->s, NULL);
		cmd_error("verify: %s (nothing recorded in the store)", e.msg);
		return OUTCOME_ERROR;
	}
	if (store_commit(v->s, &e) == -1) {
		cmd_error("verify: %s (nothing recorded in the store)", e.msg);
		return OUTCOME_ERROR;
	}
	for (i = 0; i < v->n_signed; i++)
		if (write_signed(v->a->signed_dir, &v->signed_files[i],
		    &e) == -1) {
			cmd_error("verify: %s (the results are recorded in the "
			    "store)", e.msg);
			return OUTCOME_ERROR;
		}
	print_summary(v);
	return v->count[RESULT_FAIL] + v->count[RESULT_ERROR] > 0 ?
	    OUTCOME_FAILS : OUTCOME_HOLDS;
}

enum outcome
cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	struct verify_run v;
	struct errbuf e;
	enum outcome o;
	bool help;

	if ((o = parse_verify_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return o;
	if (inputs_check(a.inputs, a.ninputs, &e) == -1) {
		cmd_error("verify: %s", e.msg);
		return OUTCOME_ERROR;
	}
	memset(&v, 0, sizeof(v));
	v.a = &a;
	v.now = (int64_t)time(NULL);
	if (cmd_store_open(STORE_MUST_EXIST, &v.s) == -1)
		return OUTCOME_ERROR;
	o = run_verify(&v);
	store_close(v.s);
	EVP_PKEY_free(v.vkey);
	for (size_t i = 0; i < v.n_signed; i++)
		free(v.signed_files[i].data);
	free(v.signed_files);
	free(v.lines);
	free(v.summary);
	return o;
}
