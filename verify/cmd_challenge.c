/*
 * cmd_challenge.c - dossier challenge [--device HEX]... [--all] [--pending]
 * [--expires D] [--logs LIST] [--spool] -o ARCHIVE|SPOOL: issue one challenge
 * (verify/issue.h) to each selected device and write them as one challenge
 * archive (format/challenge_set.h), or, when -o names a spool (or with
 * --spool, which makes one where there is none), deliver each into it as
 * challenge-<device>-<challenge id>.dchal (spool/spool.h).
 *
 * Selection: every --device named (an id, a unique id prefix, a label or a
 * host name: cmd_find_device(); each must be in the store: an unknown
 * one is a usage error naming it), plus with --all every enrolled device.
 * Pending devices (enrolled by `dossier enroll`, enrollment challenge not
 * yet answered) are included only with --pending, and get a new enrollment
 * challenge; a --device that is pending without --pending, or revoked, is
 * an error naming it. Issuing and writing are one store run: the ledger
 * keeps the challenges only if the archive was written (or every file
 * delivered into the spool; on a failure the files this run delivered
 * are taken out of new/ again).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/challenge_set.h"
#include "format/ekcert.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "spool/spool.h"
#include "verify/cmd.h"
#include "verify/issue.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"

#define CHALLENGE_DEVICES_MAX	CHALLENGE_SET_COUNT_MAX

struct challenge_args {
	const char *out;
	int64_t lifetime;
	unsigned logs;			/* enum challenge_log bits; 0: per device */
	bool all, pending;
	bool spool;			/* --spool */
	size_t ndevices;
	char **devices;			/* --device arguments, borrowed */
};

struct challenge_run {
	const struct challenge_args *a;
	struct spool sp;		/* -o SPOOL */
	char (*delivered)[SPOOL_NAME_MAX + 1];	/* names this run put there */
	size_t ndelivered;
	struct store *s;
	struct issue_signer sg;
	int64_t now;
	size_t n;
	struct issued *issued;		/* n of them, room for cap */
	size_t cap;
	size_t n_pending_skipped;
	struct errbuf fatal;
};

static void
challenge_usage(FILE *f)
{
	fputs("usage: dossier [--store path] challenge [--device dev] ... "
	    "[--all] [--pending]\n"
	    "           [--expires seconds|Nh|Nd] [--logs list] [--spool] "
	    "-o archive|spool\n", f);
}

static enum outcome
parse_challenge_args(int argc, char **argv, struct challenge_args *a,
    bool *help)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		{ "pending", no_argument, NULL, 'p' },
		{ "expires", required_argument, NULL, 'x' },
		{ "logs", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "spool", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf e;
	int ch;

	memset(a, 0, sizeof(*a));
	a->lifetime = ISSUE_LIFETIME_DEFAULT;
	a->logs = 0;
	*help = false;
	if ((a->devices = calloc((size_t)argc, sizeof(*a->devices))) == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a->devices[a->ndevices++] = optarg;
			break;
		case 'a':
			a->all = true;
			break;
		case 'p':
			a->pending = true;
			break;
		case 'x':
			if (issue_parse_lifetime(optarg, &a->lifetime, &e) == -1) {
				cmd_error("challenge: --expires: %s", e.msg);
				return OUTCOME_ERROR;
			}
			break;
		case 'l':
			if (issue_parse_logs(optarg, &a->logs, &e) == -1) {
				cmd_error("challenge: --logs: %s", e.msg);
				return OUTCOME_ERROR;
			}
			break;
		case 'o':
			a->out = optarg;
			break;
		case 's':
			a->spool = true;
			break;
		case 'h':
			challenge_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			cmd_error("challenge: unknown option or missing "
			    "argument '%s'", argv[optind - 1]);
			challenge_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("challenge: unexpected argument '%s'", argv[optind]);
		challenge_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->out == NULL || a->out[0] == '\0' || strcmp(a->out, "-") == 0) {
		cmd_error("challenge: name the archive or spool with -o");
		challenge_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->ndevices == 0 && !a->all) {
		cmd_error("challenge: select devices with --device or --all");
		challenge_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->ndevices > CHALLENGE_DEVICES_MAX) {
		cmd_error("challenge: more than %d devices",
		    CHALLENGE_DEVICES_MAX);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* Is device id already given a challenge in this run? */
static bool
already_issued(const struct challenge_run *r, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (memcmp(r->issued[i].ch.device_id, id,
		    STORE_DEVICE_ID_LEN) == 0)
			return true;
	return false;
}

/* Room for more issued challenges. */
static int
grow(struct challenge_run *r, struct errbuf *e)
{
	size_t cap = r->cap == 0 ? 16 : r->cap * 2;
	struct issued *p;

	if (cap > CHALLENGE_DEVICES_MAX)
		cap = CHALLENGE_DEVICES_MAX;
	if ((p = realloc(r->issued, cap * sizeof(*p))) == NULL)
		return err_set(e, "out of memory");
	memset(p + r->cap, 0, (cap - r->cap) * sizeof(*p));
	r->issued = p;
	r->cap = cap;
	return 0;
}

/*
 * The logs asked of d: --logs if given; else ima, and uefi too when d is
 * to attest and the store holds a reference event log for it, since its
 * boot chain is judged through that log (dossier-challenge(1)).
 */
static int
logs_for(struct challenge_run *r, const struct store_device *d,
    unsigned *logs, struct errbuf *e)
{
	uint8_t *log, src[STORE_SHA256_LEN];
	size_t len;
	int64_t updated;
	bool found;

	*logs = r->a->logs;
	if (*logs != 0)
		return 0;
	*logs = ISSUE_LOGS_DEFAULT;
	if (d->state == STORE_DEVICE_PENDING)
		return 0;
	if (store_uefi_ref_get(r->s, d->id, &log, &len, src, &updated,
	    &found, e) == -1)
		return -1;
	if (found) {
		free(log);
		*logs |= CHALLENGE_LOG_UEFI;
	}
	return 0;
}

/* Issue one challenge to d (enrollment for a pending device). */
static int
issue_to(struct challenge_run *r, const struct store_device *d,
    struct errbuf *e)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	unsigned logs;

	if (already_issued(r, d->id))
		return 0;
	if (r->n == CHALLENGE_DEVICES_MAX)
		return err_set(e, "more than %d challenges",
		    CHALLENGE_DEVICES_MAX);
	if (r->n == r->cap && grow(r, e) == -1)
		return -1;
	if (logs_for(r, d, &logs, e) == -1 ||
	    issue_challenge(r->s, &r->sg, d, d->state == STORE_DEVICE_PENDING ?
	    STORE_CHALLENGE_ENROLLMENT : STORE_CHALLENGE_ATTESTATION, r->now,
	    r->a->lifetime, logs, &r->issued[r->n], e) == -1) {
		hex_encode(d->id, STORE_DEVICE_ID_LEN, hex);
		return err_prefix(e, "device %s", hex);
	}
	r->n++;
	return 0;
}

static int
each_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	return issue_to(arg, d, e);
}

/* The --device arguments: all must be known and challengeable. */
static enum outcome
issue_named(struct challenge_run *r)
{
	uint8_t id[STORE_DEVICE_ID_LEN];
	struct store_device *d;
	enum outcome rc = OUTCOME_ERROR;
	struct errbuf e;
	bool found;
	size_t i;

	if ((d = malloc(sizeof(*d))) == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	for (i = 0; i < r->a->ndevices; i++) {
		const char *arg = r->a->devices[i];

		/* An id, a unique prefix, a label or a host name. */
		if (cmd_find_device(r->s, "challenge --device", arg, id) == -1)
			goto out;
		if (store_device_get(r->s, id, d, &found, &e) == -1) {
			cmd_error("%s: %s", store_path(r->s), e.msg);
			goto out;
		}
		if (!found) {
			cmd_error("challenge: unknown device %s", arg);
			goto out;
		}
		if (d->state == STORE_DEVICE_REVOKED ||
		    (d->state == STORE_DEVICE_PENDING && !r->a->pending)) {
			cmd_error("challenge: device %s is %s%s", arg,
			    store_device_state_name(d->state),
			    d->state == STORE_DEVICE_PENDING ?
			    " (--pending issues it a new enrollment "
			    "challenge)" : "");
			goto out;
		}
		if (issue_to(r, d, &e) == -1) {
			cmd_error("challenge: %s", e.msg);
			goto out;
		}
	}
	rc = OUTCOME_HOLDS;
out:
	free(d);
	return rc;
}

static int
count_pending(const struct store_device *d, void *arg, struct errbuf *e)
{
	(void)d;
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

/* --all: every enrolled device, and the pending ones with --pending. */
static enum outcome
issue_all(struct challenge_run *r)
{
	unsigned states = 1u << STORE_DEVICE_ENROLLED;
	struct errbuf e;

	if (r->a->pending)
		states |= 1u << STORE_DEVICE_PENDING;
	else if (store_device_foreach(r->s, 1u << STORE_DEVICE_PENDING,
	    count_pending, &r->n_pending_skipped, &e) == -1) {
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	if (store_device_foreach(r->s, states, each_device, r, &e) == -1) {
		cmd_error("challenge: %s", e.msg);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

static int
write_archive(struct challenge_run *r, struct errbuf *e)
{
	const uint8_t **files;
	size_t *lens, i, out_len;
	uint8_t *out = NULL;
	int rc = -1;

	files = calloc(r->n, sizeof(*files));
	lens = calloc(r->n, sizeof(*lens));
	if (files == NULL || lens == NULL) {
		err_set(e, "out of memory");
		goto done;
	}
	for (i = 0; i < r->n; i++) {
		files[i] = r->issued[i].file;
		lens[i] = r->issued[i].file_len;
	}
	if (challenge_set_write_mem(files, lens, r->n, r->now, &out, &out_len,
	    e) == 0 && file_write_atomic(r->a->out, out, out_len, e) == 0)
		rc = 0;
	else
		err_prefix(e, "%s", r->a->out);
done:
	free(out);
	free(files);
	free(lens);
	return rc;
}

/* Take the files this run delivered out of new/ again. */
static void
undeliver(struct challenge_run *r)
{
	char p[SPOOL_PATH_MAX + SPOOL_NAME_MAX + 8];
	size_t i;

	for (i = 0; i < r->ndelivered; i++)
		if (spool_path(&r->sp, false, r->delivered[i], p, sizeof(p),
		    NULL) == 0)
			(void)unlink(p);
	r->ndelivered = 0;
}

/* Each challenge as its own file in the spool, named by device and id. */
static int
write_spool(struct challenge_run *r, struct errbuf *e)
{
	char name[SPOOL_NAME_MAX + 1];
	bool existed;
	size_t i;

	if (spool_open(r->a->out, r->a->spool, &r->sp, e) == -1)
		return -1;
	if ((r->delivered = calloc(r->n, sizeof(*r->delivered))) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < r->n; i++) {
		if (spool_make_name(SPOOL_CHALLENGE, r->issued[i].ch.device_id,
		    r->issued[i].ch.id, name, e) == -1 ||
		    spool_deliver(&r->sp, name, r->issued[i].file,
		    r->issued[i].file_len, &existed, e) == -1)
			break;
		if (existed) {
			err_set(e, "spool %s: %s is there already", r->sp.dir,
			    name);
			break;
		}
		memcpy(r->delivered[r->ndelivered++], name, sizeof(name));
	}
	if (i == r->n)
		return 0;
	undeliver(r);
	return -1;
}

/* -o names a spool: it is one, or --spool makes it one. */
static bool
out_is_spool(const struct challenge_args *a)
{
	return a->spool || spool_is_spool(a->out);
}

static void
print_issued(const struct challenge_run *r)
{
	char dev[2 * CHALLENGE_DEVICE_ID_LEN + 1], id[2 * CHALLENGE_ID_LEN + 1];
	char when[32];
	size_t i;

	for (i = 0; i < r->n; i++) {
		hex_encode(r->issued[i].ch.device_id, CHALLENGE_DEVICE_ID_LEN,
		    dev);
		hex_encode(r->issued[i].ch.id, CHALLENGE_ID_LEN, id);
		ekcert_time_str((time_t)r->issued[i].ch.not_after, when,
		    sizeof(when));
		printf("challenge %s %s %s\n", dev, id, when);
	}
}

/* Select, issue, write, commit. */
static enum outcome
challenge_run(struct challenge_run *r)
{
	enum outcome rc;
	struct errbuf e;

	if (store_begin(r->s, &e) == -1) {
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	if ((rc = issue_named(r)) != OUTCOME_HOLDS ||
	    (r->a->all && (rc = issue_all(r)) != OUTCOME_HOLDS))
		return rc;
	if (r->n == 0) {
		cmd_error("challenge: no device selected (%zu pending: "
		    "--pending includes them); %s not written",
		    r->n_pending_skipped, r->a->out);
		return OUTCOME_FAILS;
	}
	if ((out_is_spool(r->a) ? write_spool(r, &e) : write_archive(r,
	    &e)) == -1) {
		cmd_error("challenge: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (store_commit(r->s, &e) == -1) {
		undeliver(r);	/* the ledger does not know them */
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	print_issued(r);
	return OUTCOME_HOLDS;
}

enum outcome
cmd_challenge(int argc, char **argv)
{
	struct challenge_args a;
	struct challenge_run r;
	enum outcome rc;
	struct errbuf e;
	bool help;
	size_t i;

	memset(&r, 0, sizeof(r));
	if ((rc = parse_challenge_args(argc, argv, &a, &help)) !=
	    OUTCOME_HOLDS || help)
		goto out;
	r.a = &a;
	r.now = (int64_t)time(NULL);
	rc = OUTCOME_ERROR;
	if (cmd_store_open(STORE_MUST_EXIST, &r.s) == -1)
		goto out;
	if (issue_signer_load(r.s, &r.sg, &e) == -1) {
		cmd_error("%s: %s", store_path(r.s), e.msg);
		goto out;
	}
	rc = challenge_run(&r);
out:
	if (r.s != NULL && store_in_run(r.s))
		store_rollback(r.s, &e);
	for (i = 0; r.issued != NULL && i < r.n; i++)
		issued_free(&r.issued[i]);
	free(r.issued);
	free(r.delivered);
	issue_signer_free(&r.sg);
	store_close(r.s);
	free(a.devices);
	return rc;
}
