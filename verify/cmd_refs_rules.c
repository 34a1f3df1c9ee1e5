/*
 * cmd_refs_rules.c - dossier refs policy and key: the policy rules of a
 * device or a set (IMA rules, the pcrs rule, uefi.RULE) and the trusted
 * IMA signing keys (dossier-refs(1)).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/ima_sig.h"
#include "policy/ima_policy.h"
#include "policy/pcr_policy.h"
#include "verify/cmd.h"
#include "verify/cmd_refs.h"
#include "verify/ima_refcache.h"
#include "verify/store.h"
#include "verify/uefi_refs.h"

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

enum outcome
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
		if (refs_find_set(s, argv[2], &r) == -1)
			return OUTCOME_ERROR;
		first = 3;
	} else if (argc >= 2) {
		if (cmd_find_device(s, "refs", argv[1], id) == -1)
			return OUTCOME_ERROR;
		dev = id;
	} else
		return refs_usage();
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
	refs_print_time(k->added);
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
	    store_ima_key_add(s, buf, len, path, refs_now(), &added,
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

enum outcome
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
		return refs_usage();
	if (store_begin(s, &e) == -1) {
		cmd_error("refs key add: %s", e.msg);
		return OUTCOME_ERROR;
	}
	for (i = 2; i < argc && rc == 0; i++)
		rc = key_add_one(s, argv[i], &e);
	/* Two files may not bring two keys with one keyid. */
	if (rc == 0 && (rc = refs_load_keyring(s, &kr, &e)) == 0)
		ima_keyring_free(kr);
	return refs_finish(s, rc, &e);
}

