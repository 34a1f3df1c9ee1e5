/*
 * cmd_refs.c - dossier refs: reference sets, their assignment to devices,
 * IMA and PCR policy rules, trusted IMA keys, a device's reference log and
 * PCR values, and sets' golden PCR values (dossier-refs(1); the PCR side
 * in verify/refs_pcrs.c). This file: dispatch, helpers the subcommands
 * share (verify/cmd_refs.h), create, delete, list, assign, unassign,
 * update and device; add and subtract in cmd_refs_add.c, show, diff,
 * export and import in cmd_refs_show.c, policy and key in
 * cmd_refs_rules.c.
 *
 * Every change is one store transaction: a set is loaded, rebuilt as a new
 * sealed set (policy/ima_refset.h) and written back whole, so a verifier
 * reading the store meanwhile sees the old set or the new one.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "format/bundle.h"
#include "format/cose.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_sig.h"
#include "format/manifest.h"
#include "format/results.h"
#include "policy/ima_policy.h"
#include "policy/pcr_policy.h"
#include "verify/cmd.h"
#include "verify/cmd_refs.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/refs_pcrs.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"
#include "verify/uefi_refs.h"

static const char usage_text[] =
    "usage: dossier refs create NAME\n"
    "       dossier refs add NAME (--ima-log FILE [--log-alg ALG] | "
    "--bundle FILE |\n"
    "                              --dir ROOT [--alg ALG,...] | "
    "--sums FILE [--allow-sha1] |\n"
    "                              --set OTHER | --keylime-policy FILE)...\n"
    "       dossier refs add NAME (--pcrs FILE | --pcrs-bundle FILE | "
    "--clear-pcrs)\n"
    "       dossier refs subtract NAME --set OTHER\n"
    "       dossier refs delete NAME\n"
    "       dossier refs list\n"
    "       dossier refs show NAME [--json] | --device DEVICE\n"
    "       dossier refs diff A B\n"
    "       dossier refs assign DEVICE NAME...\n"
    "       dossier refs unassign DEVICE NAME...\n"
    "       dossier refs policy (DEVICE | --set NAME) [RULE... | --clear]\n"
    "       dossier refs key add FILE... | key list | key remove "
    "FINGERPRINT\n"
    "       dossier refs update DEVICE --bundle FILE [--only ima|pcrs]\n"
    "       dossier refs device DEVICE\n"
    "       dossier refs export NAME [--keylime-policy] -o FILE\n"
    "       dossier refs import FILE --signer PUBKEY.pem [--as NAME]\n";

enum outcome
refs_usage(void)
{
	fputs(usage_text, stderr);
	return OUTCOME_ERROR;
}

int64_t
refs_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- small helpers ---------------------------------------------------- */

int
refs_sha256(const uint8_t *buf, size_t len, uint8_t out[32],
    struct errbuf *e)
{
	if (EVP_Digest(buf, len, out, NULL, EVP_sha256(), NULL) != 1)
		return err_set(e, "SHA-256 failed");
	return 0;
}

int
refs_find_set(struct store *s, const char *name, struct store_refset *r)
{
	struct errbuf e;
	bool found;

	if (store_refset_get(s, name, r, &found, &e) == -1) {
		cmd_error("refs: %s", e.msg);
		return -1;
	}
	if (!found) {
		cmd_error("refs: no reference set '%s' (dossier refs create "
		    "makes one)", name);
		return -1;
	}
	return 0;
}

int
refs_load_named(struct store *s, const char *name, struct store_refset *r,
    struct refset **out)
{
	struct errbuf e;

	if (refs_find_set(s, name, r) == -1)
		return -1;
	if (refs_load_set(s, r, out, &e) == -1) {
		cmd_error("refs: %s", e.msg);
		return -1;
	}
	return 0;
}

/* Commit, or roll back and report; the outcome. */
enum outcome
refs_finish(struct store *s, int rc, struct errbuf *e)
{
	struct errbuf re;

	if (rc == 0 && store_commit(s, e) == 0)
		return OUTCOME_HOLDS;
	cmd_error("refs: %s", e->msg);
	store_rollback(s, &re);
	return OUTCOME_ERROR;
}

/* bundle_reader.manifest for reading a bundle's members, unverified. */
static int
list_members(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct manifest *m = arg;
	struct cose_sign1 msg;

	if (manifest_file_open(buf, len, &msg, e) == -1 ||
	    manifest_decode(msg.payload, msg.payload_len, m, e) == -1)
		return -1;
	memcpy(members, m->members, m->n_members * sizeof(members[0]));
	*nmembers = m->n_members;
	return 0;
}

/* The members of bundle bytes buf (digests checked, signature not). */
int
refs_bundle_read_contents(const char *label, const uint8_t *buf,
    size_t len, struct manifest *m, struct bundle_contents *bc,
    struct errbuf *e)
{
	struct bundle_reader rd;

	memset(&rd, 0, sizeof(rd));
	rd.manifest = list_members;
	rd.arg = m;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	return bundle_read_mem(label, buf, len, &rd, bc, e);
}

/* The ima.log of bundle bytes buf (its digests checked, signature not). */
int
refs_bundle_ima_log(const char *label, const uint8_t *buf, size_t len,
    struct manifest *m, struct bundle_contents *bc, const uint8_t **log,
    size_t *log_len, struct errbuf *e)
{
	struct bundle_reader rd;
	size_t i;

	memset(&rd, 0, sizeof(rd));
	rd.manifest = list_members;
	rd.arg = m;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	if (bundle_read_mem(label, buf, len, &rd, bc, e) == -1)
		return -1;
	for (i = 0; i < bc->nmembers; i++)
		if (strcmp(bc->members[i].name, "ima.log") == 0 &&
		    bc->data[i] != NULL) {
			*log = bc->data[i];
			*log_len = (size_t)bc->members[i].size;
			return 0;
		}
	bundle_contents_free(bc);
	return err_set(e, "%s: the bundle has no ima.log", label);
}

void
refs_print_time(int64_t t)
{
	char buf[21];
	struct errbuf e;

	if (result_time_format(t, buf, &e) == -1)
		printf("%" PRId64, t);
	else
		fputs(buf, stdout);
}

/* ---- create, delete, list ------------------------------------------------ */

static enum outcome
refs_create(struct store *s, int argc, char **argv)
{
	struct errbuf e;
	bool created;

	if (argc != 2)
		return refs_usage();
	if (store_refset_create(s, argv[1], refs_now(), &created,
	    &e) == -1) {
		cmd_error("refs create: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (!created) {
		cmd_error("refs create: a set named '%s' exists", argv[1]);
		return OUTCOME_ERROR;
	}
	esc_fprintln(stdout, "created reference set %s", argv[1]);
	return OUTCOME_HOLDS;
}

static enum outcome
refs_delete(struct store *s, int argc, char **argv)
{
	struct store_refset r;
	struct errbuf e;

	if (argc != 2)
		return refs_usage();
	if (refs_find_set(s, argv[1], &r) == -1)
		return OUTCOME_ERROR;
	if (store_refset_delete(s, r.set_id, &e) == -1) {
		cmd_error("refs delete: %s", e.msg);
		return OUTCOME_ERROR;
	}
	esc_fprintln(stdout, "deleted reference set %s (%" PRIu64 " entries, %"
	    PRIu64 " devices assigned)", r.name, r.entries, r.devices);
	return OUTCOME_HOLDS;
}

static int
list_one(const struct store_refset *r, void *arg, struct errbuf *e)
{
	(void)arg;
	(void)e;
	esc_fprintf(stdout, "%-24s %8" PRIu64 " entries %5" PRIu64 " devices  "
	    "updated ", r->name, r->entries, r->devices);
	refs_print_time(r->updated);
	putchar('\n');
	return 0;
}

static enum outcome
refs_list(struct store *s, int argc)
{
	struct errbuf e;

	if (argc != 1)
		return refs_usage();
	if (store_refset_foreach(s, list_one, NULL, &e) == -1) {
		cmd_error("refs list: %s", e.msg);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* ---- assignments ------------------------------------------------------------ */

static enum outcome
refs_assign(struct store *s, int argc, char **argv, bool assign)
{
	uint8_t id[STORE_DEVICE_ID_LEN];
	struct store_refset r;
	struct errbuf e;
	bool changed;
	int i, rc = 0;

	if (argc < 3)
		return refs_usage();
	if (cmd_find_device(s, "refs", argv[1], id) == -1)
		return OUTCOME_ERROR;
	if (store_begin(s, &e) == -1) {
		cmd_error("refs: %s", e.msg);
		return OUTCOME_ERROR;
	}
	for (i = 2; i < argc && rc == 0; i++) {
		if (refs_find_set(s, argv[i], &r) == -1) {
			store_rollback(s, &e);
			return OUTCOME_ERROR;
		}
		rc = assign ? store_refset_assign(s, id, r.set_id,
		    refs_now(), &changed, &e) : store_refset_unassign(s, id,
		    r.set_id, &changed, &e);
		if (rc == 0)
			esc_fprintln(stdout, "%s %s %s%s", argv[1], assign ?
			    "assigned" : "unassigned", argv[i], changed ? "" :
			    " (already so)");
	}
	return refs_finish(s, rc, &e);
}

/* ---- update a device's reference log ---------------------------------------- */

/* A check of r by name; NULL if absent. */
static const struct result_check *
check_of(const struct result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	return NULL;
}

/*
 * The bundle must be this device's: judged in a run that is rolled back,
 * device.known and manifest.signature must pass (the enrolled AK signed
 * it). For its IMA log (ima), the log must parse and replay to its quote
 * (ima.parse, ima.template-digest, ima.replay.*): the log is what the TPM
 * saw. For its PCR values (pcrs), the quote must be the AK's and
 * pcrs.bin its signed values (quote.signature, quote.qualified-signer,
 * quote.pcr-digest). pcr.reference may fail: a changed PCR is what an
 * update accepts.
 */
static int
judge_for_update(struct store *s, const char *path, const uint8_t *buf,
    size_t len, const uint8_t id[STORE_DEVICE_ID_LEN], bool ima, bool pcrs,
    struct errbuf *e)
{
	static const char *const needed[] = { "device.known",
	    "manifest.signature", "ima.parse", "quote.signature",
	    "quote.qualified-signer", "quote.pcr-digest" };
	const struct result_check *c;
	struct judge_input in = { path, false, 0 };
	struct result *r;
	size_t i;
	int rc = -1;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (store_begin(s, e) == -1)
		goto out;
	if (judge_bundle(s, refs_now(), &in, buf, len, r, NULL, e) == -1) {
		store_rollback(s, NULL);
		goto out;
	}
	if (store_rollback(s, e) == -1)
		goto out;
	/* a result names a device only once the manifest verified */
	if (!r->has_device && (c = judge_first_failure(r)) != NULL) {
		err_set(e, "%s: %s fails: %s", path, c->name, c->reason);
		goto out;
	}
	if (!r->has_device || memcmp(r->device_id, id, 32) != 0) {
		err_set(e, "%s: not a bundle of this device", path);
		goto out;
	}
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if ((i == 2 && !ima) || (i > 2 && !pcrs))
			continue;
		if ((c = check_of(r, needed[i])) == NULL ||
		    c->outcome != RESULT_OK) {
			err_set(e, "%s: %s %s%s%s", path, needed[i], c ? "fails" :
			    "was not reached", c ? ": " : "", c ? c->reason : "");
			goto out;
		}
	}
	for (i = 0; ima && i < r->n_checks; i++)
		if ((strncmp(r->checks[i].name, "ima.replay", 10) == 0 ||
		    strcmp(r->checks[i].name, "ima.template-digest") == 0) &&
		    r->checks[i].outcome == RESULT_CHECK_FAIL) {
			err_set(e, "%s: %s fails: %s", path, r->checks[i].name,
			    r->checks[i].reason);
			goto out;
		}
	rc = 0;
out:
	free(r);
	return rc;
}

/* The device's reference log replaced by the bundle's ima.log. */
static int
update_ima(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const uint8_t *log, size_t log_len, const uint8_t sha[32],
    struct errbuf *e)
{
	struct store_refs refs;
	bool found;
	int rc;

	memset(&refs, 0, sizeof(refs));
	if (store_refs_get(s, id, &refs, &found, e) == -1)
		return -1;
	free(refs.ima_log);
	refs.ima_log = (uint8_t *)(uintptr_t)log;
	refs.ima_log_len = log_len;
	refs.ima_log_alg = hashalg_by_name("sha1");
	memcpy(refs.source_bundle, sha, 32);
	rc = store_refs_set(s, id, &refs, refs_now(), e);
	refs.ima_log = NULL;
	return rc;
}

/*
 * refs update DEVICE --bundle FILE [--only ima|pcrs]: an accepted
 * bundle's ima.log becomes the device's reference log and its quoted PCR
 * values its reference PCR values, with its uefi.log (when it carries
 * one, replaying to those values) its reference event log; without
 * --only, both (the logs only when the bundle carries them).
 */
static enum outcome
refs_update(struct store *s, int argc, char **argv)
{
	uint8_t id[STORE_DEVICE_ID_LEN], *buf = NULL, sha[32];
	struct bundle_contents *bc = NULL;
	struct manifest *m = NULL;
	struct pcr_set *pcrs = NULL;
	const char *only = NULL, *path = NULL;
	const uint8_t *log = NULL;
	size_t len, log_len = 0, uefi_events = 0;
	struct errbuf e;
	bool ima, take_pcrs, read = false;
	int i, rc = -1;

	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--bundle") == 0 && path == NULL)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--only") == 0 && only == NULL)
			only = argv[i + 1];
		else
			return refs_usage();
	}
	if (argc < 2 || i != argc || path == NULL || (only != NULL &&
	    strcmp(only, "ima") != 0 && strcmp(only, "pcrs") != 0))
		return refs_usage();
	if (cmd_find_device(s, "refs", argv[1], id) == -1)
		return OUTCOME_ERROR;
	if ((bc = calloc(1, sizeof(*bc))) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL ||
	    (pcrs = malloc(sizeof(*pcrs))) == NULL) {
		err_set(&e, "out of memory");
		goto out;
	}
	if (file_read(path, REFS_BUNDLE_MAX, &buf, &len, &e) == -1 ||
	    refs_sha256(buf, len, sha, &e) == -1)
		goto out;
	/* what the bundle carries (its digests checked; the judge below
	 * checks its signature) */
	if (refs_bundle_ima_log(path, buf, len, m, bc, &log, &log_len, &e) == 0)
		read = true;
	else if (only != NULL && strcmp(only, "ima") == 0)
		goto out;
	else {
		memset(bc, 0, sizeof(*bc));
		if (refs_bundle_read_contents(path, buf, len, m, bc, &e) == -1)
			goto out;
		read = true;
		log = NULL;
	}
	ima = log != NULL && (only == NULL || strcmp(only, "ima") == 0);
	take_pcrs = only == NULL || strcmp(only, "pcrs") == 0;
	if (judge_for_update(s, path, buf, len, id, ima, take_pcrs, &e) == -1 ||
	    (take_pcrs && refs_bundle_pcrs(bc, pcrs, &e) == -1) ||
	    store_begin(s, &e) == -1)
		goto out;
	if ((ima && update_ima(s, id, log, log_len, sha, &e) == -1) ||
	    (take_pcrs && store_pcr_ref_set(s, id, pcrs, STORE_PCRS_UPDATE, sha,
	    refs_now(), &e) == -1) ||
	    (take_pcrs && uefi_ref_take(s, id, bc, pcrs, sha, refs_now(),
	    &uefi_events, &e) == -1) || store_commit(s, &e) == -1) {
		store_rollback(s, NULL);
		goto out;
	}
	if (ima)
		esc_fprintln(stdout, "%s: reference log replaced by the "
		    "%zu-byte ima.log of %s", argv[1], log_len, path);
	if (take_pcrs) {
		esc_fprintln(stdout, "%s: reference PCR values replaced by "
		    "the %zu quoted values of %s", argv[1],
		    refs_pcr_count(pcrs), path);
		if (refs_pcrs_note_golden(s, id, &e) == -1)
			goto out;
	}
	if (uefi_events > 0)
		printf("%s: reference event log replaced by the %zu-event "
		    "uefi.log of %s\n", argv[1], uefi_events, path);
	rc = 0;
out:
	if (read)
		bundle_contents_free(bc);
	if (rc == -1)
		cmd_error("refs update: %s", e.msg);
	free(pcrs);
	free(bc);
	free(m);
	free(buf);
	return rc == 0 ? OUTCOME_HOLDS : OUTCOME_ERROR;
}

/* ---- what judges a device --------------------------------------------------- */

static int
count_rule(const char *text, void *arg, struct errbuf *e)
{
	(void)text;
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

/* The sets, rules and keys verify would use for a device, resolved as
 * verify/ima_refcache.h says. */
static enum outcome
refs_device(struct store *s, int argc, char **argv)
{
	uint8_t id[STORE_DEVICE_ID_LEN];
	char hex[2 * STORE_DEVICE_ID_LEN + 1], name[256];
	struct ima_refcache *c = NULL;
	struct ima_device_ref *r;
	struct errbuf e;
	size_t i, own = 0;

	if (argc != 2)
		return refs_usage();
	if (cmd_find_device(s, "refs", argv[1], id) == -1)
		return OUTCOME_ERROR;
	if ((r = malloc(sizeof(*r))) == NULL ||
	    ima_refcache_new(&c, &e) == -1 ||
	    store_policy_foreach(s, id, 0, count_rule, &own, &e) == -1 ||
	    ima_refcache_device(c, s, id, r, &e) == -1) {
		cmd_error("refs device: %s", r == NULL ? "out of memory" :
		    e.msg);
		ima_refcache_free(c);
		free(r);
		return OUTCOME_ERROR;
	}
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	esc_fprintln(stdout, "device %s", hex);
	cmd_device_name(s, id, name, sizeof(name));	/* dossier-devices(1) */
	if (name[0] != '\0')
		esc_fprintln(stdout, "name %s", name);
	esc_fprintln(stdout, "sets %s%s", r->nsets ? r->set_names : "none",
	    r->own != NULL ? " (its own enrollment log)" : "");
	for (i = 0; i < r->nrules; i++)
		esc_fprintln(stdout, "rule %s (%s)", r->rules[i],
		    r->default_rules ? "default" : own ? "the device's" :
		    "its sets'");
	esc_fprintln(stdout, "keys %zu", ima_keyring_count(r->keys));
	if (refs_pcrs_show_device(s, id, &e) == -1 ||
	    refs_uefi_show_device(s, id, &e) == -1) {
		cmd_error("refs device: %s", e.msg);
		ima_device_ref_free(r);
		ima_refcache_free(c);
		free(r);
		return OUTCOME_ERROR;
	}
	ima_device_ref_free(r);
	ima_refcache_free(c);
	free(r);
	return OUTCOME_HOLDS;
}

/* ---- dispatch ---------------------------------------------------------------- */

static enum outcome
dispatch(struct store *s, int argc, char **argv)
{
	const char *sub = argv[0];

	if (strcmp(sub, "create") == 0)
		return refs_create(s, argc, argv);
	if (strcmp(sub, "delete") == 0)
		return refs_delete(s, argc, argv);
	if (strcmp(sub, "add") == 0)
		return refs_add(s, argc, argv);
	if (strcmp(sub, "subtract") == 0)
		return refs_subtract(s, argc, argv);
	if (strcmp(sub, "list") == 0)
		return refs_list(s, argc);
	if (strcmp(sub, "show") == 0)
		return refs_show(s, argc, argv);
	if (strcmp(sub, "diff") == 0)
		return refs_diff(s, argc, argv);
	if (strcmp(sub, "assign") == 0)
		return refs_assign(s, argc, argv, true);
	if (strcmp(sub, "unassign") == 0)
		return refs_assign(s, argc, argv, false);
	if (strcmp(sub, "policy") == 0)
		return refs_policy(s, argc, argv);
	if (strcmp(sub, "key") == 0)
		return refs_key(s, argc, argv);
	if (strcmp(sub, "update") == 0)
		return refs_update(s, argc, argv);
	if (strcmp(sub, "device") == 0)
		return refs_device(s, argc, argv);
	if (strcmp(sub, "export") == 0)
		return refs_export(s, argc, argv);
	if (strcmp(sub, "import") == 0)
		return refs_import(s, argc, argv);
	cmd_error("refs: unknown subcommand '%s'", sub);
	return refs_usage();
}

enum outcome
cmd_refs(int argc, char **argv)
{
	struct store *s;
	enum outcome o;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? OUTCOME_ERROR : OUTCOME_HOLDS;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	o = dispatch(s, argc - 1, argv + 1);
	store_close(s);
	return o;
}

