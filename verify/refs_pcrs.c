/* refs_pcrs.c - the PCR side of dossier refs (refs_pcrs.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/cose.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/members.h"
#include "format/results.h"
#include "verify/judge.h"
#include "verify/judge_pcr.h"
#include "verify/refs_pcrs.h"
#include "verify/store_pcrref.h"
#include "verify/uefi_refs.h"

#define REFS_PCRS_BUNDLE_MAX	((size_t)1 << 30)	/* a bundle file */

size_t
refs_pcr_count(const struct pcr_set *p)
{
	size_t i, n = 0;
	unsigned pcr;

	for (i = 0; i < p->nbanks; i++)
		for (pcr = 0; pcr < PCR_COUNT; pcr++)
			if (p->banks[i].present & (1u << pcr))
				n++;
	return n;
}

int
refs_bundle_pcrs(const struct bundle_contents *bc, struct pcr_set *out,
    struct errbuf *e)
{
	enum pcr_file_format fmt;
	const uint8_t *p;
	size_t n;

	if ((p = bundle_member_data(bc, MEMBER_PCRS, &n)) == NULL)
		return err_set(e, "the bundle has no pcrs.bin");
	if (pcr_set_parse(p, n, out, &fmt, e) == -1)
		return err_prefix(e, MEMBER_PCRS);
	if (fmt != PCR_FILE_TPM2_MARSHALED)
		return err_set(e, "pcrs.bin is %s, not tpm2-tools marshaled",
		    pcr_file_format_name(fmt));
	if (refs_pcr_count(out) == 0)
		return err_set(e, "pcrs.bin holds no PCR value");
	return 0;
}

/* ---- golden values from a bundle ------------------------------------------- */

/* bundle_reader.manifest: the members, unverified (the judge verified). */
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

/* The check name of r that is not ok, among names; NULL if all are. */
static const struct result_check *
not_ok(const struct result *r, const char *const *names, size_t n,
    const char **missing)
{
	size_t i, k;
	bool found;

	*missing = NULL;
	for (k = 0; k < n; k++) {
		found = false;
		for (i = 0; i < r->n_checks; i++) {
			if (strcmp(r->checks[i].name, names[k]) != 0)
				continue;
			found = true;
			if (r->checks[i].outcome != RESULT_OK)
				return &r->checks[i];
		}
		if (!found) {
			*missing = names[k];
			return NULL;
		}
	}
	return NULL;
}

/*
 * The quoted PCR values of an evidence bundle of a device of this store:
 * judged in a run that is rolled back, its device known, its manifest
 * signed by the enrolled AK, its quote signed by the AK with pcrs.bin
 * matching the signed digest. *dev gets the device id.
 */
static int
bundle_golden(struct store *s, const char *path, struct pcr_set *out,
    uint8_t dev[STORE_DEVICE_ID_LEN], struct errbuf *e)
{
	static const char *const needed[] = { "device.known",
	    "manifest.signature", "quote.signature", "quote.qualified-signer",
	    "quote.pcr-digest" };
	struct judge_input in = { path, false, 0 };
	const struct result_check *c;
	struct bundle_contents *bc = NULL;
	struct bundle_reader rd;
	struct manifest *m = NULL;
	struct result *r = NULL;
	const char *missing;
	uint8_t *buf = NULL;
	size_t len;
	int rc = -1;

	if (file_read(path, REFS_PCRS_BUNDLE_MAX, &buf, &len, e) == -1)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (bc = calloc(1, sizeof(*bc))) == NULL ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (store_begin(s, e) == -1)
		goto out;
	if (judge_bundle(s, (int64_t)time(NULL), &in, buf, len, r, NULL,
	    e) == -1) {
		store_rollback(s, NULL);
		goto out;
	}
	if (store_rollback(s, e) == -1)
		goto out;
	if ((c = not_ok(r, needed, sizeof(needed) / sizeof(needed[0]),
	    &missing)) != NULL || missing != NULL) {
		err_set(e, "%s: %s %s%s%s", path, c ? c->name : missing,
		    c ? "fails" : "was not reached", c ? ": " : "",
		    c ? c->reason : "");
		goto out;
	}
	memcpy(dev, r->device_id, STORE_DEVICE_ID_LEN);
	memset(&rd, 0, sizeof(rd));
	rd.manifest = list_members;
	rd.arg = m;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	if (bundle_read_mem(path, buf, len, &rd, bc, e) == -1)
		goto out;
	rc = refs_bundle_pcrs(bc, out, e);
	if (rc == -1)
		err_prefix(e, "%s", path);
	bundle_contents_free(bc);
out:
	free(m);
	free(bc);
	free(r);
	free(buf);
	return rc;
}

int
refs_pcrs_set_golden(struct store *s, int64_t set_id, const char *name,
    const char *path, bool from_bundle, int64_t now, struct errbuf *e)
{
	char source[STORE_PCR_SOURCE_MAX + 1], hex[2 * STORE_DEVICE_ID_LEN + 1];
	uint8_t dev[STORE_DEVICE_ID_LEN];
	struct pcr_set *p;
	enum pcr_file_format fmt;
	int rc = -1;

	if (path == NULL) {
		if (store_begin(s, e) == -1)
			return -1;
		if (store_refset_pcrs_set(s, set_id, NULL, NULL, now, e) == -1 ||
		    store_commit(s, e) == -1) {
			store_rollback(s, NULL);
			return -1;
		}
		printf("%s: golden PCR values cleared\n", name);
		return 0;
	}
	if ((p = malloc(sizeof(*p))) == NULL)
		return err_set(e, "out of memory");
	if (from_bundle) {
		if (bundle_golden(s, path, p, dev, e) == -1)
			goto out;
		hex_encode(dev, sizeof(dev), hex);
		snprintf(source, sizeof(source), "bundle %.300s of device "
		    "%.16s", path, hex);
	} else {
		if (pcr_set_read_file(path, p, &fmt, e) == -1)
			goto out;
		if (refs_pcr_count(p) == 0) {
			err_set(e, "%s: no PCR values", path);
			goto out;
		}
		snprintf(source, sizeof(source), "pcrs %.400s (%s)", path,
		    pcr_file_format_name(fmt));
	}
	if (store_begin(s, e) == -1)
		goto out;
	if (store_refset_pcrs_set(s, set_id, p, source, now, e) == -1 ||
	    store_commit(s, e) == -1) {
		store_rollback(s, NULL);
		goto out;
	}
	esc_fprintln(stdout, "%s: %zu golden PCR values from %s", name,
	    refs_pcr_count(p), source);
	rc = 0;
out:
	free(p);
	return rc;
}

/* ---- showing them ----------------------------------------------------------- */

/* Print s as a JSON string (escaped as results are). */
static int
json_string(const char *s, struct errbuf *e)
{
	if (result_json_fputs(stdout, s, strlen(s)) == -1)
		return err_set(e, "JSON string: longer than %u bytes, out of "
		    "memory or not written", RESULT_JSON_MAX);
	return 0;
}

/* Each value of p: "pcr ALG N HEX" lines, or a JSON array. */
static void
print_values(const struct pcr_set *p, const char *prefix, bool json)
{
	char hex[2 * HASHALG_MAX_SIZE + 1];
	bool first = true;
	unsigned pcr;
	size_t i;

	for (i = 0; i < p->nbanks; i++)
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if (!(p->banks[i].present & (1u << pcr)))
				continue;
			hex_encode(p->banks[i].values[pcr],
			    p->banks[i].alg->size, hex);
			if (json)
				printf("%s{\"bank\": \"%s\", \"pcr\": %u, "
				    "\"value\": \"%s\"}", first ? "" : ", ",
				    p->banks[i].alg->name, pcr, hex);
			else
				printf("%s%s %u %s\n", prefix,
				    p->banks[i].alg->name, pcr, hex);
			first = false;
		}
}

/* A time as text, or its number. */
static void
when_text(int64_t t, char out[21])
{
	if (result_time_format(t, out, NULL) == -1)
		snprintf(out, 21, "%" PRId64, t);
}

int
refs_pcrs_show_set(struct store *s, int64_t set_id, bool json,
    struct errbuf *e)
{
	char source[STORE_PCR_SOURCE_MAX + 1], when[21];
	struct pcr_set *p;
	int64_t updated;
	bool found;
	int rc = -1;

	if ((p = malloc(sizeof(*p))) == NULL)
		return err_set(e, "out of memory");
	if (store_refset_pcrs_get(s, set_id, p, source, &updated, &found,
	    e) == -1)
		goto out;
	when_text(updated, when);
	if (json) {
		if (!found) {
			printf("\"pcrs\": null");
			rc = 0;
			goto out;
		}
		printf("\"pcrs\": {\"source\": ");
		if (json_string(source, e) == -1)
			goto out;
		printf(", \"updated\": %" PRId64 ", \"values\": [", updated);
		print_values(p, NULL, true);
		printf("]}");
	} else if (found) {
		esc_fprintln(stdout, "pcrs %zu golden values from %s, %s",
		    refs_pcr_count(p), source, when);
		print_values(p, "pcr ", false);
	}
	rc = 0;
out:
	free(p);
	return rc;
}

int
refs_pcrs_show_device(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e)
{
	struct pcr_ref_resolved *r;

	if ((r = malloc(sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (pcr_ref_resolve(s, id, r, e) == -1) {
		free(r);
		return -1;
	}
	if (r->rule_ok)
		printf("pcr-rule %s\n", r->rule_text);
	else
		printf("pcr-rule %s\n", r->rule_problem);
	if (!r->ref_ok) {
		printf("pcr-reference none: %s\n", r->ref_problem);
	} else {
		esc_fprintln(stdout, "pcr-reference %zu values from %s",
		    refs_pcr_count(&r->ref), r->source);
		print_values(&r->ref, "pcr ", false);
	}
	free(r);
	return 0;
}

int
refs_uefi_show_device(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e)
{
	struct uefi_rules *u;
	const struct uefi_ref *ref;
	char text[EVLOG_RULE_TEXT_MAX + 1], hex[2 * STORE_SHA256_LEN + 1];
	size_t i;

	if ((u = malloc(sizeof(*u))) == NULL)
		return err_set(e, "out of memory");
	if (uefi_rules_resolve(s, id, u, e) == -1) {
		free(u);
		return -1;
	}
	if (!u->ok)
		esc_fprintln(stdout, "uefi-rule %s", u->problem);
	else if (u->policy.nrules == 0)
		printf("uefi-rule none (default: replay and reference)\n");
	for (i = 0; u->ok && i < u->policy.nrules; i++) {
		if (evlog_rule_format(&u->policy.rules[i], text, sizeof(text),
		    e) == -1) {
			free(u);
			return -1;
		}
		esc_fprintln(stdout, "uefi-rule %s%s (%s)", UEFI_RULE_PREFIX,
		    text, u->source);
	}
	free(u);
	if (uefi_refcache_get(NULL, s, id, &ref, e) == -1)
		return -1;
	if (ref == NULL) {
		printf("uefi-reference none\n");
		return 0;
	}
	hex_encode(ref->source_bundle, STORE_SHA256_LEN, hex);
	if (ref->parsed)
		printf("uefi-reference %zu events, %zu bytes, from bundle "
		    "sha256:%s\n", ref->log.nevents, ref->len, hex);
	else
		esc_fprintln(stdout, "uefi-reference %zu bytes, from bundle "
		    "sha256:%s, does not parse: %s", ref->len, hex,
		    ref->problem);
	uefi_ref_release(ref);
	return 0;
}

int
refs_pcrs_note_golden(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct errbuf *e)
{
	struct pcr_ref_resolved *r;

	if ((r = malloc(sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (pcr_ref_resolve(s, id, r, e) == -1) {
		free(r);
		return -1;
	}
	if (!r->ref_ok)
		fprintf(stderr, "dossier: note: pcr.reference has no reference "
		    "for the device: %s\n", r->ref_problem);
	else if (strncmp(r->source, "set ", 4) == 0)
		fprintf(stderr, "dossier: note: the device is judged against "
		    "%s, not its own values (dossier refs unassign)\n",
		    r->source);
	free(r);
	return 0;
}
