/*
 * cmd_refs_add.c - dossier refs add and subtract: a set rebuilt from its
 * old entries and new sources (IMA logs, judged bundles, directories, sum
 * lists, other sets, Keylime policies), or less another set's entries
 * (dossier-refs(1); --pcrs and the like in verify/refs_pcrs.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "policy/ima_policy.h"
#include "policy/ima_refset.h"
#include "policy/pcr_policy.h"
#include "verify/cmd.h"
#include "verify/cmd_refs.h"
#include "verify/ima_refcache.h"
#include "verify/keylime_policy.h"
#include "verify/refs_pcrs.h"
#include "verify/store.h"

#define REFS_SUMS_MAX	((size_t)256 << 20)	/* a sum list file */
#define REFS_ALGS_MAX	4			/* --alg list of --dir */

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
	if (refs_sha256(buf, len, sha, e) == -1 ||
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
	if (refs_bundle_ima_log(path, buf, len, m, bc, &log, &log_len, e) == -1)
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

enum outcome
refs_add(struct store *s, int argc, char **argv)
{
	struct source *src;
	struct store_refset r;
	struct refset *old = NULL, *set = NULL;
	struct errbuf e;
	size_t n, i, before;
	int rc = -1;

	if (argc < 3)
		return refs_usage();
	if ((argc == 4 && (strcmp(argv[2], "--pcrs") == 0 ||
	    strcmp(argv[2], "--pcrs-bundle") == 0)) ||
	    (argc == 3 && strcmp(argv[2], "--clear-pcrs") == 0)) {
		if (refs_find_set(s, argv[1], &r) == -1)
			return OUTCOME_ERROR;
		if (refs_pcrs_set_golden(s, r.set_id, argv[1], argc == 4 ?
		    argv[3] : NULL, strcmp(argv[2], "--pcrs-bundle") == 0,
		    refs_now(), &e) == -1) {
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
	    refs_load_named(s, argv[1], &r, &old) == -1) {
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
	    refs_save_set(s, r.set_id, set, refs_now(), &e) == -1 ||
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
	return refs_finish(s, rc, &e);
}

enum outcome
refs_subtract(struct store *s, int argc, char **argv)
{
	struct store_refset r, ro;
	struct refset *old = NULL, *other = NULL, *set = NULL;
	struct errbuf e;
	size_t before;
	int rc = -1;

	if (argc != 4 || strcmp(argv[2], "--set") != 0)
		return refs_usage();
	if (store_begin(s, &e) == -1) {
		cmd_error("refs subtract: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (refs_load_named(s, argv[1], &r, &old) == -1 ||
	    refs_load_named(s, argv[3], &ro, &other) == -1) {
		refset_free(old);
		store_rollback(s, &e);
		return OUTCOME_ERROR;
	}
	before = refset_count(old);
	if (copy_set(old, &set, &e) == 0 &&
	    refset_subtract(set, other, &e) == 0 &&
	    refset_seal(set, &e) == 0 &&
	    refs_save_set(s, r.set_id, set, refs_now(), &e) == 0) {
		rc = 0;
		esc_fprintln(stdout, "%s: %zu entries (%zu before)", argv[1],
		    refset_count(set), before);
	}
	refset_free(old);
	refset_free(other);
	refset_free(set);
	return refs_finish(s, rc, &e);
}

