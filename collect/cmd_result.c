/*
 * cmd_result.c - `dossier-collect result`: on the device, check the results
 * the verifier sent back (dossier-results(5) signed results, *.dres, and
 * EAR CWTs, *.ear) with the verifier key pinned at enrollment, and say
 * whether each is for this device (and, with --challenge, for one of the
 * challenges it answered) and what it says.
 *
 *   dossier-collect result [--state DIR] [--challenge HEX]... INPUT...
 *
 * INPUT is a result file, always checked, or a spool (dossier-spool(5))
 * whose results and ear files in new/ and cur/ named for this device (and
 * with --challenge for one of those challenges) are checked, read in
 * place, never claimed or removed: the command only looks. One line per file on standard output:
 *   pass FILE: CHALLENGE TIME ...     a verified result that passed
 *   fail FILE: CHALLENGE TIME ...     one that did not (the first failed
 *                                     check, or the EAR's status per part)
 * and a refused file (unreadable, not a result, a signature that does not
 * verify with the pinned key, another device's, a challenge not among
 * --challenge) on standard error, naming the file and the reason.
 * Exit 0: every result verified, is this device's, and passed; 1: every
 * one verified and is this device's, and some did not pass; 2: a file
 * was refused, or usage or state errors.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "collect/cmd.h"
#include "collect/state.h"
#include "format/cbor_det.h"
#include "format/challenge.h"
#include "format/ear.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/results.h"
#include "spool/spool.h"

#define RESULT_CHALLENGES_MAX	64	/* --challenge options */
#define RESULT_IN_FILE_MAX	(RESULT_FILE_MAX > EAR_CWT_MAX ? \
				 RESULT_FILE_MAX : EAR_CWT_MAX)

struct result_run {
	struct collect_state st;
	EVP_PKEY *key;			/* the pinned verifier key */
	uint8_t challenges[RESULT_CHALLENGES_MAX][16];
	size_t nchallenges;
	unsigned passed, failed, refused;
};

/* What one file says, whichever its format. */
struct said {
	bool has_device, has_challenge, pass;
	uint8_t device[32], challenge[16];
	int64_t time;
	char what[RESULT_CHECK_NAME_MAX + RESULT_REASON_MAX + 64];
};

static void
result_usage(FILE *f)
{
	fputs("usage: dossier-collect result [--state DIR] [--challenge HEX]... "
	    "INPUT...\n", f);
}

static void
from_result(const struct result *r, struct said *s)
{
	size_t i;

	s->has_device = r->has_device;
	memcpy(s->device, r->device_id, 32);
	s->has_challenge = r->has_challenge;
	memcpy(s->challenge, r->challenge_id, 16);
	s->time = r->time;
	s->pass = r->verdict == RESULT_PASS;
	snprintf(s->what, sizeof(s->what), "verdict %s",
	    result_verdict_name(r->verdict));
	for (i = 0; !s->pass && i < r->n_checks; i++)
		if (r->checks[i].outcome == RESULT_CHECK_FAIL) {
			snprintf(s->what, sizeof(s->what), "verdict %s, first "
			    "failed check %s: %s",
			    result_verdict_name(r->verdict), r->checks[i].name,
			    r->checks[i].reason);
			break;
		}
}

static void
from_ear(const struct ear *ear, struct said *s)
{
	size_t i, used;

	s->has_device = ear->has_device;
	memcpy(s->device, ear->device_id, 32);
	s->has_challenge = ear->has_challenge;
	memcpy(s->challenge, ear->challenge_id, 16);
	s->time = ear->iat;
	s->pass = ear->status == EAR_AFFIRMING;
	used = (size_t)snprintf(s->what, sizeof(s->what), "EAR status %s",
	    ear_status_name(ear->status) != NULL ?
	    ear_status_name(ear->status) : "?");
	for (i = 0; i < ear->n_submods && used < sizeof(s->what); i++)
		used += (size_t)snprintf(s->what + used, sizeof(s->what) - used,
		    "%s%s %s", i == 0 ? " (" : ", ", ear->submods[i].name,
		    ear_status_name(ear->submods[i].status) != NULL ?
		    ear_status_name(ear->submods[i].status) : "?");
	if (ear->n_submods > 0 && used < sizeof(s->what))
		snprintf(s->what + used, sizeof(s->what) - used, ")");
}

/* Verify and decode one file's bytes into *s with the pinned key. */
static int
decode(struct result_run *r, const uint8_t *buf, size_t len, struct said *s,
    struct errbuf *e)
{
	struct result *res;
	struct ear *ear;
	int rc;

	memset(s, 0, sizeof(*s));
	if (cbor_magic_tag(buf, len) == DOSSIER_TAG_RESULT) {
		if ((res = malloc(sizeof(*res))) == NULL)
			return err_set(e, "out of memory");
		if ((rc = result_file_verify(buf, len, r->key, res, e)) == 0)
			from_result(res, s);
		free(res);
		return rc == 0 ? 0 : err_prefix(e, "signed result");
	}
	if (ear_is_cwt(buf, len)) {
		if ((ear = malloc(sizeof(*ear))) == NULL)
			return err_set(e, "out of memory");
		if ((rc = ear_cwt_open(buf, len, r->key, NULL, ear, e)) == 0)
			from_ear(ear, s);
		free(ear);
		return rc == 0 ? 0 : err_prefix(e, "EAR");
	}
	return err_set(e, "neither a signed result (d9 d9 f7 da then DSRS) "
	    "nor an EAR CWT");
}

/* That *s is about this device and, when asked, a named challenge. */
static int
for_us(const struct result_run *r, const struct said *s, struct errbuf *e)
{
	char hex[65];
	size_t i;

	if (!s->has_device)
		return err_set(e, "it names no device (the verifier could not "
		    "tell whose bundle it judged)");
	if (memcmp(s->device, r->st.device_id, 32) != 0) {
		hex_encode(s->device, 32, hex);
		return err_set(e, "it is for device %s, not this one", hex);
	}
	if (r->nchallenges == 0)
		return 0;
	if (!s->has_challenge)
		return err_set(e, "it names no challenge");
	for (i = 0; i < r->nchallenges; i++)
		if (memcmp(s->challenge, r->challenges[i], 16) == 0)
			return 0;
	hex_encode(s->challenge, 16, hex);
	return err_set(e, "challenge %s is not one of --challenge", hex);
}

static void
check_file(struct result_run *r, const char *path)
{
	struct errbuf e;
	struct said s;
	uint8_t *buf;
	size_t len;
	char ch[33], when[32];

	if (file_read(path, RESULT_IN_FILE_MAX, &buf, &len, &e) == -1) {
		collect_error("result: %s", e.msg);
		r->refused++;
		return;
	}
	if (decode(r, buf, len, &s, &e) == -1 || for_us(r, &s, &e) == -1) {
		collect_error("result: %s: refused: %s", path, e.msg);
		free(buf);
		r->refused++;
		return;
	}
	free(buf);
	if (s.has_challenge)
		hex_encode(s.challenge, 16, ch);
	else
		snprintf(ch, sizeof(ch), "none");
	if (result_time_format(s.time, when, &e) == -1)
		snprintf(when, sizeof(when), "@%lld", (long long)s.time);
	esc_fprintln(stdout, "%s %s: challenge %s, %s, %s", s.pass ? "pass" :
	    "fail", path, ch, when, s.what);
	if (s.pass)
		r->passed++;
	else
		r->failed++;
}

/* Whether a spool name is one of ours: this device, and with --challenge
 * one of those (a results spool on a USB stick holds every device's). */
static bool
named_for_us(const struct result_run *r, const char *name)
{
	enum spool_kind k;
	uint8_t dev[32], unique[16];
	bool has_device;
	size_t i;

	if (spool_name_parse(name, &k, dev, &has_device, unique) == -1 ||
	    (k != SPOOL_RESULTS && k != SPOOL_EAR) || !has_device ||
	    memcmp(dev, r->st.device_id, 32) != 0)
		return false;
	for (i = 0; i < r->nchallenges; i++)
		if (memcmp(unique, r->challenges[i], 16) == 0)
			return true;
	return r->nchallenges == 0;
}

/* A spool's results and EARs named for this device, in new/ then cur/,
 * read in place. */
static void
check_spool(struct result_run *r, const char *dir)
{
	static const char *const sub[2] = { "new", "cur" };
	struct spool sp;
	struct errbuf e;
	char **names, path[SPOOL_PATH_MAX + SPOOL_NAME_MAX + 8];
	size_t n, i;
	int w;

	if (spool_open(dir, false, &sp, &e) == -1) {
		collect_error("result: %s", e.msg);
		r->refused++;
		return;
	}
	for (w = 0; w < 2; w++) {
		if (spool_list(&sp, w == 1, &names, &n, &e) == -1) {
			collect_error("result: %s", e.msg);
			r->refused++;
			return;
		}
		for (i = 0; i < n; i++) {
			if (!named_for_us(r, names[i]))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, sub[w],
			    names[i]);
			check_file(r, path);
		}
		spool_names_free(names, n);
	}
}

static int
add_challenge(struct result_run *r, const char *hex)
{
	if (r->nchallenges == RESULT_CHALLENGES_MAX) {
		collect_error("result: more than %d --challenge",
		    RESULT_CHALLENGES_MAX);
		return -1;
	}
	if (strlen(hex) != 32 || hex_decode(hex, 32,
	    r->challenges[r->nchallenges], 16) != 16) {
		collect_error("result: --challenge '%s': 32 hex digits", hex);
		return -1;
	}
	r->nchallenges++;
	return 0;
}

enum collect_status
cmd_result(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct result_run r;
	const char *state_dir = STATE_DEFAULT_DIR;
	struct errbuf e;
	bool found;
	int ch, i;

	memset(&r, 0, sizeof(r));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state_dir = optarg;
			break;
		case 'c':
			if (add_challenge(&r, optarg) == -1)
				return COLLECT_ERROR;
			break;
		case 'h':
			result_usage(stdout);
			return COLLECT_OK;
		default:
			collect_error("result: unknown option or missing "
			    "argument: '%s'", argv[optind - 1]);
			result_usage(stderr);
			return COLLECT_ERROR;
		}
	}
	if (optind == argc) {
		result_usage(stderr);
		return COLLECT_ERROR;
	}
	if (state_load(state_dir, &r.st, &found, &e) == -1 || (!found &&
	    err_set(&e, "%s: no state: enroll this device first",
	    state_dir) == -1) || challenge_verifier_key_parse(
	    r.st.verifier_pem, r.st.verifier_pem_len, &r.key, &e) == -1) {
		collect_error("result: %s", e.msg);
		return COLLECT_ERROR;
	}
	for (i = optind; i < argc; i++)
		if (spool_is_spool(argv[i]))
			check_spool(&r, argv[i]);
		else
			check_file(&r, argv[i]);
	EVP_PKEY_free(r.key);
	if (r.passed + r.failed + r.refused == 0) {
		collect_error("result: no result for this device in the "
		    "inputs");
		return COLLECT_ERROR;
	}
	if (r.refused > 0)
		return COLLECT_ERROR;
	return r.failed > 0 ? COLLECT_FAILS : COLLECT_OK;
}
