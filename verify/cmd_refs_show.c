/*
 * cmd_refs_show.c - dossier refs show, diff, export and import: a set as
 * text or JSON, the entries two sets do not share, and a set out to a
 * signed dossier-refs(5) file (or a Keylime policy) and back in
 * (dossier-refs(1)).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/results.h"
#include "policy/ima_policy.h"
#include "policy/ima_refset.h"
#include "policy/pcr_policy.h"
#include "policy/refs_file.h"
#include "verify/cmd.h"
#include "verify/cmd_refs.h"
#include "verify/ima_refcache.h"
#include "verify/keylime_policy.h"
#include "verify/refs_pcrs.h"
#include "verify/store.h"

#define DIGEST_HEX_MAX	(2 * HASHALG_MAX_SIZE + 1)

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
show_rule(const char *text, void *arg, struct errbuf *e)
{
	bool *first = arg;

	(void)e;
	printf("%s", *first ? "" : ", ");
	*first = false;
	return result_json_fputs(stdout, text, strlen(text));
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
	result_json_fputs(stdout, r->name, strlen(r->name));
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
		if (result_json_fputs(stdout, en->path, en->path_len) == -1)
			return -1;
		src = refset_source(set, en->source);
		printf(", \"alg\": \"%s\", \"digest\": \"%s\", \"count\": %"
		    PRIu32 ", \"source\": ", en->alg->name, hex, en->count);
		if (result_json_fputs(stdout, src, strlen(src)) == -1)
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
	refs_print_time(r->updated);
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

enum outcome
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
		if (refs_pcrs_show_device(s, id, &e) == -1 ||
		    refs_uefi_show_device(s, id, &e) == -1) {
			cmd_error("refs show: %s", e.msg);
			return OUTCOME_ERROR;
		}
		return OUTCOME_HOLDS;
	}
	if (argc == 3 && strcmp(argv[2], "--json") == 0)
		json = true;
	else if (argc != 2)
		return refs_usage();
	if (refs_load_named(s, argv[1], &r, &set) == -1)
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

enum outcome
refs_diff(struct store *s, int argc, char **argv)
{
	struct store_refset ra, rb;
	struct refset *a = NULL, *b = NULL;
	size_t na, nb;

	if (argc != 3)
		return refs_usage();
	if (refs_load_named(s, argv[1], &ra, &a) == -1 ||
	    refs_load_named(s, argv[2], &rb, &b) == -1) {
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
	if (refs_load_named(s, name, &r, &set) == -1) {
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
	if (keylime_policy_export(set, globs, ng, "sha1", refs_now(), &json,
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

enum outcome
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
		return refs_usage();
	if (refs_load_named(s, argv[1], &r, &set) == -1)
		return OUTCOME_ERROR;
	if (store_verifier_key(s, &key, &e) == 0 &&
	    refs_file_write(set, refs_now(), key, &buf, &len, &e) == 0 &&
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

	if (store_refset_create(s, name, refs_now(), created, e) == -1 ||
	    store_refset_get(s, name, &r, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, "set '%s' vanished", name);
	return refs_save_set(s, r.set_id, set, refs_now(), e);
}

enum outcome
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
			return refs_usage();
	}
	if (i != argc || signer == NULL) {
		cmd_error("refs import: --signer PUBKEY.pem is required: an "
		    "unsigned or foreign set is never imported");
		return refs_usage();
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
	if (refs_finish(s, rc, &e) != OUTCOME_HOLDS) {
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

