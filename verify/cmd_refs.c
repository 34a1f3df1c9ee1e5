/*
 * cmd_refs.c - dossier refs: reference sets, their assignment to devices,
 * IMA and PCR policy rules, trusted IMA keys, a device's reference log and
 * PCR values, and sets' golden PCR values (dossier-refs(1); the PCR side
 * in verify/refs_pcrs.c).
 *
 * Every change is one store transaction: a set is loaded, rebuilt as a new
 * sealed set (policy/ima_refset.h) and written back whole, so a verifier
 * reading the store meanwhile sees the old set or the new one.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "format/bundle.h"
#include "format/cose.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "policy/ima_policy.h"
#include "policy/ima_refset.h"
#include "format/ima_sig.h"
#include "format/manifest.h"
#include "policy/pcr_policy.h"
#include "policy/refs_file.h"
#include "format/results.h"
#include "verify/cmd.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/keylime_policy.h"
#include "verify/refs_pcrs.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"
#include "verify/uefi_refs.h"

#define REFS_SUMS_MAX	((size_t)256 << 20)	/* a sum list file */
#define REFS_BUNDLE_MAX	((size_t)1 << 30)	/* a bundle file */
#define REFS_ALGS_MAX	4			/* --alg list of --dir */
#define DIGEST_HEX_MAX	(2 * HASHALG_MAX_SIZE + 1)

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

static enum outcome
usage(void)
{
	fputs(usage_text, stderr);
	return OUTCOME_ERROR;
}

static int64_t
now_seconds(void)
{
	return (int64_t)time(NULL);
}

/* ---- small helpers ---------------------------------------------------- */

static int
sha256_of(const uint8_t *buf, size_t len, uint8_t out[32], struct errbuf *e)
{
	if (EVP_Digest(buf, len, out, NULL, EVP_sha256(), NULL) != 1)
		return err_set(e, "SHA-256 failed");
	return 0;
}

static int
find_set(struct store *s, const char *name, struct store_refset *r)
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

static int
load_set(struct store *s, const char *name, struct store_refset *r,
    struct refset **out)
{
	struct errbuf e;

	if (find_set(s, name, r) == -1)
		return -1;
	if (refs_load_set(s, r, out, &e) == -1) {
		cmd_error("refs: %s", e.msg);
		return -1;
	}
	return 0;
}

/* Commit, or roll back and report; the outcome. */
static enum outcome
finish(struct store *s, int rc, struct errbuf *e)
{
	struct errbuf re;

	if (rc == 0 && store_commit(s, e) == 0)
		return OUTCOME_HOLDS;
	cmd_error("refs: %s", e->msg);
	store_rollback(s, &re);
	return OUTCOME_ERROR;
}

/* ---- create, delete, list ------------------------------------------------ */

static enum outcome
refs_create(struct store *s, int argc, char **argv)
{
	struct errbuf e;
	bool created;

	if (argc != 2)
		return usage();
	if (store_refset_create(s, argv[1], now_seconds(), &created,
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
		return usage();
	if (find_set(s, argv[1], &r) == -1)
		return OUTCOME_ERROR;
	if (store_refset_delete(s, r.set_id, &e) == -1) {
		cmd_error("refs delete: %s", e.msg);
		return OUTCOME_ERROR;
	}
	esc_fprintln(stdout, "deleted reference set %s (%" PRIu64 " entries, %"
	    PRIu64 " devices assigned)", r.name, r.entries, r.devices);
	return OUTCOME_HOLDS;
}

static void
print_time(int64_t t)
{
	char buf[21];
	struct errbuf e;

	if (result_time_format(t, buf, &e) == -1)
		printf("%" PRId64, t);
	else
		fputs(buf, stdout);
}

static int
list_one(const struct store_refset *r, void *arg, struct errbuf *e)
{
	(void)arg;
	(void)e;
	esc_fprintf(stdout, "%-24s %8" PRIu64 " entries %5" PRIu64 " devices  "
	    "updated ", r->name, r->entries, r->devices);
	print_time(r->updated);
	putchar('\n');
	return 0;
}

static enum outcome
refs_list(struct store *s, int argc)
{
	struct errbuf e;

	if (argc != 1)
		return usage();
	if (store_refset_foreach(s, list_one, NULL, &e) == -1) {
		cmd_error("refs list: %s", e.msg);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* ---- add and subtract ---------------------------------------------------- */

/* Parse "sha256,sha384" into algs. */
static int
parse_algs(const char *list, const struct hashalg **algs, size_t *n)
{
	char word[32];
	const struct hashalg *a;
	size_t len;

	*n = 0;
	while (*list != '\0') {
		len = strcspn(list, ",");
		if (len == 0 || len >= sizeof(word) || *n == REFS_ALGS_MAX) {
			cmd_error("refs add: --alg: a comma list of at most %d "
			    "hash algorithms", REFS_ALGS_MAX);
			return -1;
		}
		memcpy(word, list, len);
		word[len] = '\0';
		if ((a = hashalg_by_name(word)) == NULL ||
		    hashalg_md(a) == NULL) {
			cmd_error("refs add: --alg: unknown hash algorithm "
			    "'%s'", word);
			return -1;
		}
		algs[(*n)++] = a;
		list += len + (list[len] == ',');
	}
	if (*n == 0) {
		cmd_error("refs add: --alg: no algorithm");
		return -1;
	}
	return 0;
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
static int
bundle_read_contents(const char *label, const uint8_t *buf, size_t len,
    struct manifest *m, struct bundle_contents *bc, struct errbuf *e)
{
	struct bundle_reader rd;

	memset(&rd, 0, sizeof(rd));
	rd.manifest = list_members;
	rd.arg = m;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	return bundle_read_mem(label, buf, len, &rd, bc, e);
}

/* The ima.log of bundle bytes buf (its digests checked, signature not). */
static int
bundle_ima_log(const char *label, const uint8_t *buf, size_t len,
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

/* --bundle: a bundle this store judged and passed. */
static int
add_bundle(struct store *s, struct refset *set, const char *path,
    struct errbuf *e)
{
	struct bundle_contents *bc = NULL;
	struct manifest *m = NULL;
	enum store_verdict verdict;
	uint8_t *buf = NULL, sha[32];
	char hex[65], dev[65], prov[REFSET_SOURCE_MAX];
	const uint8_t *log;
	size_t len, log_len;
	bool found;
	int rc = -1;

	if (file_read(path, REFS_BUNDLE_MAX, &buf, &len, e) == -1)
		return -1;
	if (sha256_of(buf, len, sha, e) == -1 ||
	    store_result_find_bundle(s, sha, &found, NULL, &verdict, e) == -1)
		goto out;
	if (!found || verdict != STORE_VERDICT_PASS) {
		err_set(e, "%s: %s", path, found ? "this store did not pass "
		    "the bundle: only accepted bundles give references" :
		    "this store has not judged the bundle (dossier verify "
		    "it first, or use refs update)");
		goto out;
	}
	if ((bc = calloc(1, sizeof(*bc))) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (bundle_ima_log(path, buf, len, m, bc, &log, &log_len, e) == -1)
		goto out;
	hex_encode(sha, 32, hex);
	hex_encode(m->device_id, 32, dev);
	snprintf(prov, sizeof(prov), "bundle sha256:%s of device %.16s", hex,
	    dev);
	rc = refset_add_ima_log(set, log, log_len, hashalg_by_name("sha1"),
	    path, prov, e);
	bundle_contents_free(bc);
out:
	free(bc);
	free(m);
	free(buf);
	return rc;
}

enum source_kind { SRC_LOG, SRC_BUNDLE, SRC_DIR, SRC_SUMS, SRC_SET,
	SRC_KEYLIME };

struct source {
	enum source_kind kind;
	const char *arg;
	const struct hashalg *log_alg;		/* --ima-log */
	const struct hashalg *algs[REFS_ALGS_MAX];	/* --dir */
	size_t nalgs;
	bool allow_sha1;			/* --sums */
	struct keylime_import *kl;		/* --keylime-policy: found */
};

/* What a Keylime policy held that dossier does not carry: on stderr, so
 * nothing is dropped silently. */
static void
keylime_report(const char *file, const struct keylime_import *kl)
{
	fprintf(stderr, "refs add: %s: %llu digests of %llu paths, %zu "
	    "excludes as allowlist globs\n", file,
	    (unsigned long long)kl->digests, (unsigned long long)kl->paths,
	    kl->nglobs);
	if (kl->boot_aggregate)
		fprintf(stderr, "refs add: %s: boot_aggregate not carried "
		    "(the boot_aggregate rule checks it against the quoted "
		    "PCRs)\n", file);
	if (kl->keyrings > 0)
		fprintf(stderr, "refs add: %s: keyrings (%llu digests) not "
		    "carried: dossier does not judge ima-buf keyring "
		    "measurements\n", file, (unsigned long long)kl->keyrings);
	if (kl->ima_buf > 0)
		fprintf(stderr, "refs add: %s: ima-buf (%llu digests) not "
		    "carried\n", file, (unsigned long long)kl->ima_buf);
	if (kl->verification_keys)
		fprintf(stderr, "refs add: %s: verification-keys not carried "
		    "(add IMA keys with dossier refs key add)\n", file);
	if (kl->ignored_keyrings > 0)
		fprintf(stderr, "refs add: %s: ima.ignored_keyrings (%llu) not "
		    "carried\n", file,
		    (unsigned long long)kl->ignored_keyrings);
	if (kl->dm_policy)
		fprintf(stderr, "refs add: %s: ima.dm_policy not carried\n",
		    file);
}

static int
add_source(struct store *s, struct refset *set, const struct source *src,
    struct errbuf *e)
{
	struct store_refset r;
	struct refset *other;
	char prov[REFSET_SOURCE_MAX];
	uint8_t *buf;
	size_t len;
	bool found;
	int rc;

	switch (src->kind) {
	case SRC_LOG:
	case SRC_SUMS:
		if (file_read(src->arg, src->kind == SRC_LOG ?
		    STORE_IMA_LOG_MAX : REFS_SUMS_MAX, &buf, &len, e) == -1)
			return -1;
		snprintf(prov, sizeof(prov), "%s %s", src->kind == SRC_LOG ?
		    "ima-log" : "sums", src->arg);
		rc = src->kind == SRC_LOG ? refset_add_ima_log(set, buf, len,
		    src->log_alg, src->arg, prov, e) : refset_add_sums(set,
		    buf, len, src->arg, src->allow_sha1, prov, e);
		free(buf);
		return rc;
	case SRC_BUNDLE:
		return add_bundle(s, set, src->arg, e);
	case SRC_KEYLIME: {
		uint32_t idx;

		if (file_read(src->arg, KEYLIME_POLICY_MAX, &buf, &len,
		    e) == -1)
			return -1;
		snprintf(prov, sizeof(prov), "keylime-policy %s", src->arg);
		rc = refset_add_source(set, prov, &idx, e) == -1 ? -1 :
		    keylime_policy_import(src->arg, buf, len, set, idx,
		    src->kl, e);
		free(buf);
		return rc;
	}
	case SRC_DIR:
		snprintf(prov, sizeof(prov), "tree %s", src->arg);
		return refset_add_tree(set, src->arg, src->algs, src->nalgs,
		    prov, e);
	case SRC_SET:
		if (store_refset_get(s, src->arg, &r, &found, e) == -1)
			return -1;
		if (!found)
			return err_set(e, "--set %s: no such reference set",
			    src->arg);
		if (refs_load_set(s, &r, &other, e) == -1)
			return -1;
		rc = refset_add_set(set, other, e);
		refset_free(other);
		return rc;
	}
	return err_set(e, "unknown source");
}

enum {
	OPT_IMA_LOG = 256,
	OPT_LOG_ALG,
	OPT_BUNDLE,
	OPT_DIR,
	OPT_ALG,
	OPT_SUMS,
	OPT_ALLOW_SHA1,
	OPT_SET,
	OPT_JSON,
	OPT_CLEAR,
	OPT_KEYLIME,
};

static const struct option add_opts[] = {
	{ "ima-log", required_argument, NULL, OPT_IMA_LOG },
	{ "log-alg", required_argument, NULL, OPT_LOG_ALG },
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "sums", required_argument, NULL, OPT_SUMS },
	{ "allow-sha1", no_argument, NULL, OPT_ALLOW_SHA1 },
	{ "set", required_argument, NULL, OPT_SET },
	{ "keylime-policy", required_argument, NULL, OPT_KEYLIME },
	{ NULL, 0, NULL, 0 },
};

#define SOURCES_MAX 64

/* The sources of refs add, in order; options apply to the one before. */
static int
parse_sources(int argc, char **argv, struct source *src, size_t *n)
{
	struct source *last = NULL;
	int c;

	*n = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", add_opts, NULL)) != -1) {
		if (c == OPT_IMA_LOG || c == OPT_BUNDLE || c == OPT_DIR ||
		    c == OPT_SUMS || c == OPT_SET || c == OPT_KEYLIME) {
			if (*n == SOURCES_MAX) {
				cmd_error("refs add: more than %d sources",
				    SOURCES_MAX);
				return -1;
			}
			last = &src[(*n)++];
			memset(last, 0, sizeof(*last));
			last->arg = optarg;
			last->kind = c == OPT_IMA_LOG ? SRC_LOG : c == OPT_BUNDLE ?
			    SRC_BUNDLE : c == OPT_DIR ? SRC_DIR : c == OPT_SUMS ?
			    SRC_SUMS : c == OPT_KEYLIME ? SRC_KEYLIME : SRC_SET;
			last->log_alg = hashalg_by_name("sha1");
			last->algs[0] = hashalg_by_name("sha256");
			last->nalgs = 1;
			continue;
		}
		if (c == OPT_LOG_ALG && last != NULL && last->kind == SRC_LOG) {
			if ((last->log_alg = hashalg_by_name(optarg)) == NULL ||
			    last->log_alg->tpm_id == 0) {
				cmd_error("refs add: --log-alg: unknown '%s'",
				    optarg);
				return -1;
			}
		} else if (c == OPT_ALG && last != NULL &&
		    last->kind == SRC_DIR) {
			if (parse_algs(optarg, last->algs, &last->nalgs) == -1)
				return -1;
		} else if (c == OPT_ALLOW_SHA1 && last != NULL &&
		    last->kind == SRC_SUMS) {
			last->allow_sha1 = true;
		} else {
			cmd_error("refs add: %s: an unknown option, or one "
			    "that does not follow its source (--log-alg after "
			    "--ima-log, --alg after --dir, --allow-sha1 after "
			    "--sums)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc || *n == 0) {
		cmd_error("refs add: give one or more sources");
		return -1;
	}
	return 0;
}

/* A new unsealed copy of sealed set old. */
static int
copy_set(const struct refset *old, struct refset **out, struct errbuf *e)
{
	if (refset_new(refset_name(old), out, e) == -1)
		return -1;
	if (refset_add_set(*out, old, e) == -1) {
		refset_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
merge_rule(const char *text, void *arg, struct errbuf *e)
{
	return ima_policy_add_rule(arg, text, e);
}

/* Append glob g to list[*n] unless it is there (at most the rule's). */
static int
glob_add(const char **list, size_t *n, const char *g, struct errbuf *e)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i], g) == 0)
			return 0;
	if (*n == IMA_POLICY_GLOBS_MAX)
		return err_set(e, "the allowlist rule would have more than %u "
		    "exclude globs", IMA_POLICY_GLOBS_MAX);
	list[(*n)++] = g;
	return 0;
}

/*
 * The Keylime excludes of src[0..n) into the set's allowlist rule: the
 * rule is created, or its globs extended (those it has stay, none twice);
 * the set's other rules are kept as they are.
 */
static int
merge_excludes(struct store *s, int64_t set_id, const struct source *src,
    size_t n, struct errbuf *e)
{
	struct ima_policy *p = NULL;
	struct ima_rule *allow = NULL;
	char (*texts)[IMA_POLICY_TEXT_MAX + 1] = NULL;
	char *rule = NULL;
	const char *ptrs[IMA_POLICY_RULES_MAX], *globs[IMA_POLICY_GLOBS_MAX];
	size_t i, j, ng = 0, used;
	int rc = -1;

	for (i = 0; i < n; i++)
		if (src[i].kind == SRC_KEYLIME)
			ng += src[i].kl->nglobs;
	if (ng == 0)
		return 0;
	ng = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (texts = calloc(IMA_POLICY_RULES_MAX, sizeof(*texts))) == NULL ||
	    (rule = malloc(IMA_POLICY_TEXT_MAX + 1)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (store_policy_foreach(s, NULL, set_id, merge_rule, p, e) == -1)
		goto out;
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == IMA_RULE_ALLOWLIST)
			allow = &p->rules[i];
	for (i = 0; allow != NULL && i < allow->nglobs; i++)
		if (glob_add(globs, &ng, ima_rule_glob(allow, i), e) == -1)
			goto out;
	for (i = 0; i < n; i++)
		for (j = 0; src[i].kind == SRC_KEYLIME &&
		    j < src[i].kl->nglobs; j++)
			if (glob_add(globs, &ng, src[i].kl->globs[j], e) == -1)
				goto out;
	used = (size_t)snprintf(rule, IMA_POLICY_TEXT_MAX + 1, "allowlist");
	for (i = 0; i < ng && used <= IMA_POLICY_TEXT_MAX; i++)
		used += (size_t)snprintf(rule + used, IMA_POLICY_TEXT_MAX + 1 -
		    used, "%s%s", i ? "," : ":exclude=", globs[i]);
	if (allow != NULL && allow->digest_only && used <= IMA_POLICY_TEXT_MAX)
		used += (size_t)snprintf(rule + used, IMA_POLICY_TEXT_MAX + 1 -
		    used, ":digest-only");
	if (used > IMA_POLICY_TEXT_MAX) {
		err_set(e, "the allowlist rule with the excludes is longer than "
		    "%u bytes", IMA_POLICY_TEXT_MAX);
		goto out;
	}
	/* the set's other rules, then the allowlist, canonical texts */
	for (i = 0, j = 0; i < p->nrules; i++)
		if (p->rules[i].kind != IMA_RULE_ALLOWLIST &&
		    ima_policy_format(&p->rules[i], texts[j++],
		    IMA_POLICY_TEXT_MAX + 1, e) == -1)
			goto out;
	memset(p, 0, sizeof(*p));
	if (ima_policy_add_rule(p, rule, e) == -1 ||
	    ima_policy_format(&p->rules[0], texts[j++],
	    IMA_POLICY_TEXT_MAX + 1, e) == -1) {
		err_prefix(e, "the allowlist rule of the excludes");
		goto out;
	}
	for (i = 0; i < j; i++)
		ptrs[i] = texts[i];
	if (store_policy_set(s, NULL, set_id, ptrs, j, e) == -1)
		goto out;
	fprintf(stderr, "refs add: set rule %s\n", texts[j - 1]);
	rc = 0;
out:
	free(p);
	free(texts);
	free(rule);
	return rc;
}

static enum outcome
refs_add(struct store *s, int argc, char **argv)
{
	struct source *src;
	struct store_refset r;
	struct refset *old = NULL, *set = NULL;
	struct errbuf e;
	size_t n, i, before;
	int rc = -1;

	if (argc < 3)
		return usage();
	if ((argc == 4 && (strcmp(argv[2], "--pcrs") == 0 ||
	    strcmp(argv[2], "--pcrs-bundle") == 0)) ||
	    (argc == 3 && strcmp(argv[2], "--clear-pcrs") == 0)) {
		if (find_set(s, argv[1], &r) == -1)
			return OUTCOME_ERROR;
		if (refs_pcrs_set_golden(s, r.set_id, argv[1], argc == 4 ?
		    argv[3] : NULL, strcmp(argv[2], "--pcrs-bundle") == 0,
		    now_seconds(), &e) == -1) {
			cmd_error("refs add: %s: %s", argv[1], e.msg);
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if ((src = calloc(SOURCES_MAX, sizeof(*src))) == NULL) {
		cmd_error("refs add: out of memory");
		return OUTCOME_ERROR;
	}
	if (parse_sources(argc - 1, argv + 1, src, &n) == -1 ||
	    store_begin(s, &e) == -1 ||
	    load_set(s, argv[1], &r, &old) == -1) {
		free(src);
		store_rollback(s, &e);
		return OUTCOME_ERROR;
	}
	before = refset_count(old);
	for (i = 0; i < n; i++)
		if (src[i].kind == SRC_KEYLIME && (src[i].kl =
		    calloc(1, sizeof(*src[i].kl))) == NULL) {
			err_set(&e, "out of memory");
			goto out;
		}
	if (copy_set(old, &set, &e) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (add_source(s, set, &src[i], &e) == -1)
			goto out;
	if (refset_seal(set, &e) == -1 ||
	    refs_save_set(s, r.set_id, set, now_seconds(), &e) == -1 ||
	    merge_excludes(s, r.set_id, src, n, &e) == -1)
		goto out;
	rc = 0;
	for (i = 0; i < n; i++)
		if (src[i].kind == SRC_KEYLIME)
			keylime_report(src[i].arg, src[i].kl);
	esc_fprintln(stdout, "%s: %zu entries (%zu before)", argv[1],
	    refset_count(set), before);
out:
	refset_free(old);
	refset_free(set);
	for (i = 0; i < n; i++)
		free(src[i].kl);
	free(src);
	if (rc == -1)
		err_prefix(&e, "%s", argv[1]);
	return finish(s, rc, &e);
}

static enum outcome
refs_subtract(struct store *s, int argc, char **argv)
{
	struct store_refset r, ro;
	struct refset *old = NULL, *other = NULL, *set = NULL;
	struct errbuf e;
	size_t before;
	int rc = -1;

	if (argc != 4 || strcmp(argv[2], "--set") != 0)
		return usage();
	if (store_begin(s, &e) == -1) {
		cmd_error("refs subtract: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (load_set(s, argv[1], &r, &old) == -1 ||
	    load_set(s, argv[3], &ro, &other) == -1) {
		refset_free(old);
		store_rollback(s, &e);
		return OUTCOME_ERROR;
	}
	before = refset_count(old);
	if (copy_set(old, &set, &e) == 0 &&
	    refset_subtract(set, other, &e) == 0 &&
	    refset_seal(set, &e) == 0 &&
	    refs_save_set(s, r.set_id, set, now_seconds(), &e) == 0) {
		rc = 0;
		esc_fprintln(stdout, "%s: %zu entries (%zu before)", argv[1],
		    refset_count(set), before);
	}
	refset_free(old);
	refset_free(other);
	refset_free(set);
	return finish(s, rc, &e);
}

/* ---- show and diff --------------------------------------------------------- */

static void
entry_text(const struct refset_entry *en, char *path, size_t pcap,
    char *dig, size_t dcap)
{
	char hex[DIGEST_HEX_MAX];

	ima_printable(en->path, en->path_len, path, pcap);
	hex_encode(en->digest, en->alg->size, hex);
	snprintf(dig, dcap, "%s:%s", en->alg->name, hex);
}

static int
print_json_string(const char *s, size_t n)
{
	struct errbuf e;
	char *esc;

	if (result_json_escape(s, n, &esc, &e) == -1)
		return -1;
	printf("\"%s\"", esc);
	free(esc);
	return 0;
}

static int
show_rule(const char *text, void *arg, struct errbuf *e)
{
	bool *first = arg;

	(void)e;
	printf("%s", *first ? "" : ", ");
	*first = false;
	return print_json_string(text, strlen(text));
}

static int
show_json(struct store *s, const struct store_refset *r,
    const struct refset *set)
{
	const struct refset_entry *en;
	char hex[DIGEST_HEX_MAX];
	const char *src;
	struct errbuf e;
	size_t i;
	bool first = true;

	printf("{\"name\": ");
	print_json_string(r->name, strlen(r->name));
	printf(", \"created\": %" PRId64 ", \"updated\": %" PRId64 ", "
	    "\"devices\": %" PRIu64 ", \"policy\": [", r->created, r->updated,
	    r->devices);
	if (store_policy_foreach(s, NULL, r->set_id, show_rule, &first,
	    &e) == -1) {
		cmd_error("refs show: %s", e.msg);
		return -1;
	}
	printf("], ");
	if (refs_pcrs_show_set(s, r->set_id, true, &e) == -1) {
		cmd_error("refs show: %s", e.msg);
		return -1;
	}
	printf(", \"entries\": [");
	for (i = 0; i < refset_count(set); i++) {
		en = refset_entry(set, i);
		hex_encode(en->digest, en->alg->size, hex);
		printf("%s{\"path\": ", i ? ", " : "");
		if (print_json_string(en->path, en->path_len) == -1)
			return -1;
		src = refset_source(set, en->source);
		printf(", \"alg\": \"%s\", \"digest\": \"%s\", \"count\": %"
		    PRIu32 ", \"source\": ", en->alg->name, hex, en->count);
		if (print_json_string(src, strlen(src)) == -1)
			return -1;
		putchar('}');
	}
	printf("]}\n");
	return 0;
}

static int
show_text_rule(const char *text, void *arg, struct errbuf *e)
{
	(void)arg;
	(void)e;
	esc_fprintln(stdout, "policy %s", text);
	return 0;
}

static int
show_text(struct store *s, const struct store_refset *r,
    const struct refset *set)
{
	const struct refset_entry *en;
	char path[REFSET_PATH_MAX + 8], dig[DIGEST_HEX_MAX + 16];
	struct errbuf e;
	size_t i;

	esc_fprintf(stdout, "set %s: %zu entries, %zu sources, %" PRIu64
	    " devices, updated ", r->name, refset_count(set),
	    refset_nsources(set), r->devices);
	print_time(r->updated);
	putchar('\n');
	if (store_policy_foreach(s, NULL, r->set_id, show_text_rule, NULL,
	    &e) == -1 || refs_pcrs_show_set(s, r->set_id, false, &e) == -1) {
		cmd_error("refs show: %s", e.msg);
		return -1;
	}
	for (i = 0; i < refset_nsources(set); i++)
		esc_fprintln(stdout, "source %zu %s", i,
		    refset_source(set, (uint32_t)i));
	for (i = 0; i < refset_count(set); i++) {
		en = refset_entry(set, i);
		entry_text(en, path, sizeof(path), dig, sizeof(dig));
		esc_fprintln(stdout, "%s %s x%" PRIu32 " [%" PRIu32 "]", dig,
		    path, en->count, en->source);
	}
	return 0;
}

static enum outcome
refs_show(struct store *s, int argc, char **argv)
{
	uint8_t id[STORE_DEVICE_ID_LEN];
	struct store_refset r;
	struct refset *set;
	struct errbuf e;
	bool json = false;
	int rc;

	/* a device's PCR rule and reference, as refs device ends */
	if (argc == 3 && strcmp(argv[1], "--device") == 0) {
		if (cmd_find_device(s, "refs", argv[2], id) == -1)
			return OUTCOME_ERROR;
		if (refs_pcrs_show_device(s, id, &e) == -1) {
			cmd_error("refs show: %s", e.msg);
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if (argc == 3 && strcmp(argv[2], "--json") == 0)
		json = true;
	else if (argc != 2)
		return usage();
	if (load_set(s, argv[1], &r, &set) == -1)
		return OUTCOME_ERROR;
	rc = json ? show_json(s, &r, set) : show_text(s, &r, set);
	refset_free(set);
	if (rc == -1 || fflush(stdout) == EOF) {
		cmd_error("refs show: writing standard output failed");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* The first entry of b with en's path and algorithm; SIZE_MAX if none. */
static size_t
same_path_alg(const struct refset *b, const struct refset_entry *en)
{
	size_t k;

	for (k = refset_find_path(b, en->path, en->path_len); k != SIZE_MAX;
	    k = refset_next_path(b, k))
		if (refset_entry(b, k)->alg == en->alg)
			return k;
	return SIZE_MAX;
}

/*
 * Entries of a that b lacks: "<" (or ">" for the second set) lines, and
 * "~" for a path b has with the same algorithm and another digest (shown
 * once, from a's side: report_changed).
 */
static size_t
diff_side(const struct refset *a, const struct refset *b, char mark,
    bool report_changed)
{
	const struct refset_entry *en;
	char path[REFSET_PATH_MAX + 8], dig[DIGEST_HEX_MAX + 16];
	char dig2[DIGEST_HEX_MAX + 16];
	size_t i, k, n = 0;

	for (i = 0; i < refset_count(a); i++) {
		en = refset_entry(a, i);
		if (refset_find_exact(b, en->path, en->path_len, en->alg,
		    en->digest) != SIZE_MAX)
			continue;
		k = same_path_alg(b, en);
		n++;
		if (k != SIZE_MAX && !report_changed)
			continue;
		entry_text(en, path, sizeof(path), dig, sizeof(dig));
		if (k == SIZE_MAX) {
			esc_fprintln(stdout, "%c %s %s", mark, dig, path);
			continue;
		}
		entry_text(refset_entry(b, k), path, sizeof(path), dig2,
		    sizeof(dig2));
		esc_fprintln(stdout, "~ %s %s -> %s", path, dig, dig2);
	}
	return n;
}

static enum outcome
refs_diff(struct store *s, int argc, char **argv)
{
	struct store_refset ra, rb;
	struct refset *a = NULL, *b = NULL;
	size_t na, nb;

	if (argc != 3)
		return usage();
	if (load_set(s, argv[1], &ra, &a) == -1 ||
	    load_set(s, argv[2], &rb, &b) == -1) {
		refset_free(a);
		return OUTCOME_ERROR;
	}
	na = diff_side(a, b, '<', true);
	nb = diff_side(b, a, '>', false);
	esc_fprintln(stdout, "diff %s %s: %zu entries of %s not in %s, %zu "
	    "entries of %s not in %s", argv[1], argv[2], na, argv[1], argv[2],
	    nb, argv[2], argv[1]);
	refset_free(a);
	refset_free(b);
	return na + nb == 0 ? OUTCOME_HOLDS : OUTCOME_FAILS;
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
		return usage();
	if (cmd_find_device(s, "refs", argv[1], id) == -1)
		return OUTCOME_ERROR;
	if (store_begin(s, &e) == -1) {
		cmd_error("refs: %s", e.msg);
		return OUTCOME_ERROR;
	}
	for (i = 2; i < argc && rc == 0; i++) {
		if (find_set(s, argv[i], &r) == -1) {
			store_rollback(s, &e);
			return OUTCOME_ERROR;
		}
		rc = assign ? store_refset_assign(s, id, r.set_id,
		    now_seconds(), &changed, &e) : store_refset_unassign(s, id,
		    r.set_id, &changed, &e);
		if (rc == 0)
			esc_fprintln(stdout, "%s %s %s%s", argv[1], assign ?
			    "assigned" : "unassigned", argv[i], changed ? "" :
			    " (already so)");
	}
	return finish(s, rc, &e);
}

/* ---- policy --------------------------------------------------------------- */

static int
print_rule(const char *text, void *arg, struct errbuf *e)
{
	(void)arg;
	(void)e;
	esc_fprintln(stdout, "%s", text);
	return 0;
}

/*
 * A UEFI rule's canonical text (verify/uefi_refs.h) into out, checked
 * against the UEFI rules before it (u: at most one of each kind).
 */
static int
canonical_uefi_rule(struct evlog_policy *u, const char *text, char *out,
    size_t cap, struct errbuf *e)
{
	if (uefi_rule_add(u, text, e) == -1)
		return -1;
	return uefi_rule_canonical(text, out, cap, e);
}

/*
 * Canonical texts of rules[0..n) into out (IMA_POLICY_TEXT_MAX + 1 each):
 * IMA rules (policy/ima_policy.h), at most one pcrs rule
 * (policy/pcr_policy.h) and UEFI rules (uefi.RULE, verify/uefi_refs.h),
 * stored together in the order given.
 */
static int
canonical_rules(char **rules, size_t n, char (*out)[IMA_POLICY_TEXT_MAX + 1])
{
	struct ima_policy *p;
	struct evlog_policy *u;
	struct pcr_rule pr;
	struct errbuf e;
	size_t i;
	bool pcrs = false;
	int rc = 0;

	p = calloc(1, sizeof(*p));
	u = calloc(1, sizeof(*u));
	if (p == NULL || u == NULL) {
		free(p);
		free(u);
		cmd_error("refs policy: out of memory");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (uefi_rule_is(rules[i]))
			rc = canonical_uefi_rule(u, rules[i], out[i],
			    IMA_POLICY_TEXT_MAX + 1, &e);
		else if (pcr_policy_is_rule(rules[i])) {
			if (pcrs)
				rc = err_set(&e, "a second pcrs rule");
			else if (pcr_policy_parse(rules[i], &pr, &e) == -1 ||
			    pcr_policy_format(&pr, out[i],
			    IMA_POLICY_TEXT_MAX + 1, &e) == -1)
				rc = -1;
			pcrs = true;
		} else if (ima_policy_add_rule(p, rules[i], &e) == -1 ||
		    ima_policy_format(&p->rules[p->nrules - 1], out[i],
		    IMA_POLICY_TEXT_MAX + 1, &e) == -1)
			rc = -1;
		if (rc == -1)
			cmd_error("refs policy: '%s': %s", rules[i], e.msg);
	}
	free(p);
	free(u);
	return rc;
}

static enum outcome
refs_policy(struct store *s, int argc, char **argv)
{
	char (*texts)[IMA_POLICY_TEXT_MAX + 1];
	const char *ptrs[STORE_POLICY_RULES_MAX];
	uint8_t id[STORE_DEVICE_ID_LEN], *dev = NULL;
	struct store_refset r;
	struct errbuf e;
	int first = 2, n, i;
	enum outcome o = OUTCOME_ERROR;

	r.set_id = 0;
	if (argc >= 3 && strcmp(argv[1], "--set") == 0) {
		if (find_set(s, argv[2], &r) == -1)
			return OUTCOME_ERROR;
		first = 3;
	} else if (argc >= 2) {
		if (cmd_find_device(s, "refs", argv[1], id) == -1)
			return OUTCOME_ERROR;
		dev = id;
	} else
		return usage();
	n = argc - first;
	if (n == 0) {
		if (store_policy_foreach(s, dev, r.set_id, print_rule, NULL,
		    &e) == -1) {
			cmd_error("refs policy: %s", e.msg);
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if (n == 1 && strcmp(argv[first], "--clear") == 0)
		n = 0;
	else if (n > STORE_POLICY_RULES_MAX) {
		cmd_error("refs policy: at most %d rules",
		    STORE_POLICY_RULES_MAX);
		return OUTCOME_ERROR;
	}
	if ((texts = calloc(STORE_POLICY_RULES_MAX, sizeof(*texts))) == NULL) {
		cmd_error("refs policy: out of memory");
		return OUTCOME_ERROR;
	}
	if (canonical_rules(argv + first, (size_t)n, texts) == -1)
		goto out;
	for (i = 0; i < n; i++)
		ptrs[i] = texts[i];
	if (store_policy_set(s, dev, r.set_id, ptrs, (size_t)n, &e) == -1) {
		cmd_error("refs policy: %s", e.msg);
		goto out;
	}
	if (n == 0)
		esc_fprintln(stdout, "%s %s: rules cleared", dev ? "device" :
		    "set", argv[first - 1]);
	for (i = 0; i < n; i++)
		esc_fprintln(stdout, "%s %s: %s", dev ? "device" : "set",
		    argv[first - 1], texts[i]);
	o = OUTCOME_HOLDS;
out:
	free(texts);
	return o;
}

/* ---- keys ----------------------------------------------------------------- */

static int
print_key(const struct store_ima_key *k, void *arg, struct errbuf *e)
{
	char hex[65];

	(void)arg;
	(void)e;
	hex_encode(k->fingerprint, 32, hex);
	esc_fprintf(stdout, "%s %s added ", hex, k->source);
	print_time(k->added);
	putchar('\n');
	return 0;
}

static int
key_add_one(struct store *s, const char *path, struct errbuf *e)
{
	struct ima_keyring *kr = NULL;
	uint8_t *buf;
	size_t len;
	bool added;
	int rc = -1;

	if (file_read(path, IMA_KEY_FILE_MAX, &buf, &len, e) == -1)
		return -1;
	/* Refuse what the verifier could not load later. */
	if (ima_keyring_new(&kr, e) == 0 &&
	    ima_keyring_add(kr, buf, len, path, e) == 0 &&
	    store_ima_key_add(s, buf, len, path, now_seconds(), &added,
	    e) == 0) {
		esc_fprintln(stdout, "%s: %zu key%s %s", path,
		    ima_keyring_count(kr), ima_keyring_count(kr) == 1 ? "" : "s",
		    added ? "added" : "already trusted");
		rc = 0;
	}
	ima_keyring_free(kr);
	free(buf);
	return rc;
}

static enum outcome
refs_key(struct store *s, int argc, char **argv)
{
	struct ima_keyring *kr;
	uint8_t fp[32];
	struct errbuf e;
	bool removed;
	int i, rc = 0;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		if (store_ima_key_foreach(s, print_key, NULL, &e) == -1) {
			cmd_error("refs key list: %s", e.msg);
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		if (strlen(argv[2]) != 64 ||
		    hex_decode(argv[2], 64, fp, sizeof(fp)) != 32) {
			cmd_error("refs key remove: give the 64-digit "
			    "fingerprint refs key list shows");
			return OUTCOME_ERROR;
		}
		if (store_ima_key_remove(s, fp, &removed, &e) == -1) {
			cmd_error("refs key remove: %s", e.msg);
			return OUTCOME_ERROR;
		}
		if (!removed) {
			cmd_error("refs key remove: no such key");
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if (argc < 3 || strcmp(argv[1], "add") != 0)
		return usage();
	if (store_begin(s, &e) == -1) {
		cmd_error("refs key add: %s", e.msg);
		return OUTCOME_ERROR;
	}
	for (i = 2; i < argc && rc == 0; i++)
		rc = key_add_one(s, argv[i], &e);
	/* Two files may not bring two keys with one keyid. */
	if (rc == 0 && (rc = refs_load_keyring(s, &kr, &e)) == 0)
		ima_keyring_free(kr);
	return finish(s, rc, &e);
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
	if (judge_bundle(s, now_seconds(), &in, buf, len, r, NULL, e) == -1) {
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
	rc = store_refs_set(s, id, &refs, now_seconds(), e);
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
			return usage();
	}
	if (argc < 2 || i != argc || path == NULL || (only != NULL &&
	    strcmp(only, "ima") != 0 && strcmp(only, "pcrs") != 0))
		return usage();
	if (cmd_find_device(s, "refs", argv[1], id) == -1)
		return OUTCOME_ERROR;
	if ((bc = calloc(1, sizeof(*bc))) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL ||
	    (pcrs = malloc(sizeof(*pcrs))) == NULL) {
		err_set(&e, "out of memory");
		goto out;
	}
	if (file_read(path, REFS_BUNDLE_MAX, &buf, &len, &e) == -1 ||
	    sha256_of(buf, len, sha, &e) == -1)
		goto out;
	/* what the bundle carries (its digests checked; the judge below
	 * checks its signature) */
	if (bundle_ima_log(path, buf, len, m, bc, &log, &log_len, &e) == 0)
		read = true;
	else if (only != NULL && strcmp(only, "ima") == 0)
		goto out;
	else {
		memset(bc, 0, sizeof(*bc));
		if (bundle_read_contents(path, buf, len, m, bc, &e) == -1)
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
	    now_seconds(), &e) == -1) ||
	    (take_pcrs && uefi_ref_take(s, id, bc, pcrs, sha, now_seconds(),
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
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	struct ima_refcache *c = NULL;
	struct ima_device_ref *r;
	struct errbuf e;
	size_t i, own = 0;

	if (argc != 2)
		return usage();
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
	esc_fprintln(stdout, "sets %s%s", r->nsets ? r->set_names : "none",
	    r->own != NULL ? " (its own enrollment log)" : "");
	for (i = 0; i < r->nrules; i++)
		esc_fprintln(stdout, "rule %s (%s)", r->rules[i],
		    r->default_rules ? "default" : own ? "the device's" :
		    "its sets'");
	esc_fprintln(stdout, "keys %zu", ima_keyring_count(r->keys));
	if (refs_pcrs_show_device(s, id, &e) == -1) {
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

/* ---- export and import ------------------------------------------------------- */

/* The set's allowlist globs, for the Keylime export. */
static int
export_rule(const char *text, void *arg, struct errbuf *e)
{
	return ima_policy_add_rule(arg, text, e);
}

/* refs export NAME --keylime-policy -o FILE: a Keylime runtime policy. */
static enum outcome
refs_export_keylime(struct store *s, const char *name, const char *file)
{
	struct store_refset r;
	struct refset *set = NULL;
	struct ima_policy *p;
	const char *globs[IMA_POLICY_GLOBS_MAX];
	size_t i, ng = 0, len;
	char *json = NULL;
	struct errbuf e;
	enum outcome o = OUTCOME_ERROR;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		cmd_error("refs export: out of memory");
		return OUTCOME_ERROR;
	}
	if (load_set(s, name, &r, &set) == -1) {
		free(p);
		return OUTCOME_ERROR;
	}
	if (store_policy_foreach(s, NULL, r.set_id, export_rule, p, &e) == -1)
		goto fail;
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == IMA_RULE_ALLOWLIST)
			for (ng = 0; ng < p->rules[i].nglobs; ng++)
				globs[ng] = ima_rule_glob(&p->rules[i], ng);
	/* IMA's template hash is sha1 unless the kernel was told otherwise;
	 * the set does not record it */
	if (keylime_policy_export(set, globs, ng, "sha1", now_seconds(), &json,
	    &len, &e) == -1 ||
	    file_write_atomic(file, (const uint8_t *)json, len, &e) == -1)
		goto fail;
	printf("exported %s: %zu entries, %zu excludes, as a Keylime runtime "
	    "policy to %s\n", name, refset_count(set), ng, file);
	fprintf(stderr, "refs export: %s: not in the policy: keyrings, ima-buf "
	    "and verification-keys (empty), the set's other rules; "
	    "log_hash_alg is sha1\n", file);
	o = OUTCOME_HOLDS;
	goto out;
fail:
	cmd_error("refs export: %s", e.msg);
out:
	free(json);
	free(p);
	refset_free(set);
	return o;
}

static enum outcome
refs_export(struct store *s, int argc, char **argv)
{
	struct store_refset r;
	struct refset *set = NULL;
	EVP_PKEY *key = NULL;
	uint8_t *buf = NULL;
	size_t len;
	struct errbuf e;
	enum outcome o = OUTCOME_ERROR;

	if (argc == 5 && strcmp(argv[2], "--keylime-policy") == 0 &&
	    strcmp(argv[3], "-o") == 0)
		return refs_export_keylime(s, argv[1], argv[4]);
	if (argc == 5 && strcmp(argv[2], "-o") == 0 &&
	    strcmp(argv[4], "--keylime-policy") == 0)
		return refs_export_keylime(s, argv[1], argv[3]);
	if (argc != 4 || strcmp(argv[2], "-o") != 0)
		return usage();
	if (load_set(s, argv[1], &r, &set) == -1)
		return OUTCOME_ERROR;
	if (store_verifier_key(s, &key, &e) == 0 &&
	    refs_file_write(set, now_seconds(), key, &buf, &len, &e) == 0 &&
	    file_write_atomic(argv[3], buf, len, &e) == 0) {
		esc_fprintln(stdout, "exported %s: %zu entries, %zu sources, "
		    "signed by the store's verifier key, to %s", argv[1],
		    refset_count(set), refset_nsources(set), argv[3]);
		o = OUTCOME_HOLDS;
	} else
		cmd_error("refs export: %s", e.msg);
	EVP_PKEY_free(key);
	free(buf);
	refset_free(set);
	return o;
}

static EVP_PKEY *
read_signer(const char *path, struct errbuf *e)
{
	EVP_PKEY *key = NULL;
	uint8_t *buf;
	size_t len;
	BIO *bio;

	if (file_read(path, FILEIO_MAX_SMALL, &buf, &len, e) == -1)
		return NULL;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(buf);
	if (key == NULL)
		err_set(e, "%s: not a PEM public key (dossier init --show-key "
		    "-o FILE writes one)", path);
	return key;
}

/* Replace (or create) set name by imported. */
static int
store_imported(struct store *s, const char *name, const struct refset *set,
    bool *created, struct errbuf *e)
{
	struct store_refset r;
	bool found;

	if (store_refset_create(s, name, now_seconds(), created, e) == -1 ||
	    store_refset_get(s, name, &r, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, "set '%s' vanished", name);
	return refs_save_set(s, r.set_id, set, now_seconds(), e);
}

static enum outcome
refs_import(struct store *s, int argc, char **argv)
{
	struct refs_info info;
	struct refset *set = NULL, *renamed = NULL;
	const char *signer = NULL, *as = NULL, *name;
	EVP_PKEY *key = NULL;
	uint8_t *buf = NULL;
	size_t len;
	struct errbuf e;
	bool created;
	int i, rc = -1;

	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--signer") == 0)
			signer = argv[i + 1];
		else if (strcmp(argv[i], "--as") == 0)
			as = argv[i + 1];
		else
			return usage();
	}
	if (i != argc || signer == NULL) {
		cmd_error("refs import: --signer PUBKEY.pem is required: an "
		    "unsigned or foreign set is never imported");
		return usage();
	}
	if ((key = read_signer(signer, &e)) == NULL ||
	    file_read(argv[1], REFS_FILE_MAX, &buf, &len, &e) == -1 ||
	    refs_file_verify(buf, len, key, &info, &set, &e) == -1) {
		cmd_error("refs import: %s", e.msg);
		goto out;
	}
	name = as != NULL ? as : info.name;
	if (as != NULL && (refset_new(as, &renamed, &e) == -1 ||
	    refset_add_set(renamed, set, &e) == -1 ||
	    refset_seal(renamed, &e) == -1)) {
		cmd_error("refs import: --as %s: %s", as, e.msg);
		goto out;
	}
	if (store_begin(s, &e) == 0)
		rc = store_imported(s, name, renamed ? renamed : set, &created,
		    &e);
	if (finish(s, rc, &e) != OUTCOME_HOLDS) {
		rc = -1;
		goto out;
	}
	esc_fprintln(stdout, "imported %s as %s: %zu entries (%s)", info.name,
	    name, refset_count(set), created ? "a new set" :
	    "replacing the set's entries");
out:
	refset_free(renamed);
	refset_free(set);
	EVP_PKEY_free(key);
	free(buf);
	return rc == 0 ? OUTCOME_HOLDS : OUTCOME_ERROR;
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
	return usage();
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
