/*
 * inspect_files.c - dossier inspect of the verifier's own files (see
 * inspect.h): a challenge, a challenge set archive, a signed result, an
 * exported reference set.
 * Each signature is checked only with the verifier key the caller was
 * given (--verifier-key); without one the output says it was not checked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/challenge.h"
#include "format/challenge_set.h"
#include "format/credential.h"
#include "format/escape.h"
#include "format/hex.h"
#include "format/results.h"
#include "format/tpm_attest.h"
#include "policy/refs_file.h"
#include "verify/inspect.h"

static void
put_hex(FILE *f, const char *key, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	fprintf(f, "%s ", key);
	while (n > 0) {
		size_t k = n > 64 ? 64 : n;

		hex_encode(b, k, hex);
		fputs(hex, f);
		b += k;
		n -= k;
	}
	fputc('\n', f);
}

static void
put_time(FILE *f, const char *key, int64_t t)
{
	char when[32];

	inspect_time(t, when, sizeof(when));
	fprintf(f, "%s %s\n", key, when);
}

/* "signature verified|FAILED ...|not-checked ..." */
static int
put_signature(FILE *f, EVP_PKEY *verifier, int verified, const char *why)
{
	if (verifier == NULL) {
		fprintf(f, "signature not-checked (give --verifier-key)\n");
		return 0;
	}
	if (verified == 0) {
		fprintf(f, "signature verified with the verifier key\n");
		return 0;
	}
	esc_fprintf(f, "signature FAILED %s", why);
	fputc('\n', f);
	return -1;
}

static void
show_challenge_fields(FILE *f, const struct challenge *c)
{
	struct credential cred;
	TPML_PCR_SELECTION sel;
	char spec[TPM_SELECTION_SPEC_MAX];
	struct errbuf e;
	unsigned bit;
	const char *sep = "";

	fprintf(f, "format %s %d\n", CHALLENGE_FORMAT_NAME, CHALLENGE_VERSION);
	put_hex(f, "challenge-id", c->id, sizeof(c->id));
	put_hex(f, "device-id", c->device_id, sizeof(c->device_id));
	put_hex(f, "ak-name", c->ak_name.b, c->ak_name.len);
	fprintf(f, "credential-size %zu\n", c->credential_len);
	if (credential_file_parse(c->credential, c->credential_len, &cred,
	    &e) == 0) {
		fprintf(f, "credential-blob-size %u\n",
		    (unsigned)cred.blob.size);
		fprintf(f, "credential-secret-size %u\n",
		    (unsigned)cred.secret.size);
	}
	if (tpm_selection_parse(c->selection, c->selection_len, &sel,
	    &e) == 0 && tpm_selection_format(&sel, spec, sizeof(spec)) == 0)
		fprintf(f, "pcr-selection %s\n", spec);
	fprintf(f, "logs ");
	for (bit = 1; bit <= CHALLENGE_LOG_ALL; bit <<= 1)
		if (c->logs & bit) {
			fprintf(f, "%s%s", sep, challenge_log_name(bit));
			sep = ",";
		}
	fputc('\n', f);
	put_time(f, "issued", c->issued);
	put_time(f, "not-after", c->not_after);
	put_hex(f, "verifier-id", c->verifier_id, sizeof(c->verifier_id));
}

int
inspect_show_challenge(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e)
{
	struct challenge c, checked;
	struct errbuf ve;
	int v = 0;

	if (challenge_file_open(buf, len, NULL, &c, e) == -1)
		return -1;
	show_challenge_fields(f, &c);
	if (verifier != NULL)
		v = challenge_file_verify(buf, len, verifier, &checked, &ve);
	if (put_signature(f, verifier, v, ve.msg) == -1) {
		err_set(e, "%s", ve.msg);
		return 1;
	}
	return 0;
}

int
inspect_show_challenge_set(FILE *f, const char *label, const uint8_t *buf,
    size_t len, EVP_PKEY *verifier, struct errbuf *e)
{
	struct challenge_set set;
	struct errbuf ce;
	size_t i;
	int rc = 0;

	if (challenge_set_read_mem(label, buf, len, &set, e) == -1)
		return -1;
	fprintf(f, "challenges %zu\n", set.n);
	for (i = 0; i < set.n; i++) {
		fprintf(f, "\n[challenge %s]\n", set.entries[i].name);
		fprintf(f, "size %zu\n", set.entries[i].file_len);
		switch (inspect_show_challenge(f, set.entries[i].file,
		    set.entries[i].file_len, verifier, &ce)) {
		case 0:
			break;
		case 1:
			if (rc == 0) {
				err_set(e, "%s: %s", set.entries[i].name,
				    ce.msg);
				rc = 1;
			}
			break;
		default:
			err_set(e, "%s: %s", set.entries[i].name, ce.msg);
			rc = -1;
			break;
		}
	}
	challenge_set_free(&set);
	return rc;
}

int
inspect_show_result(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e)
{
	static struct result r, checked;
	const struct result_check *c;
	struct errbuf ve;
	char hex[65];
	size_t i;
	int v = 0;

	if (result_file_open(buf, len, NULL, &r, e) == -1)
		return -1;
	fprintf(f, "profile %s\n", RESULT_PROFILE);
	if (r.has_device) {
		hex_encode(r.device_id, sizeof(r.device_id), hex);
		fprintf(f, "device-id %s\n", hex);
	} else
		fprintf(f, "device-id %s\n", RESULT_UNIDENTIFIED);
	if (r.has_challenge)
		put_hex(f, "challenge-id", r.challenge_id,
		    sizeof(r.challenge_id));
	else
		fprintf(f, "challenge-id -\n");
	fprintf(f, "verdict %s\n", result_verdict_name(r.verdict));
	if (r.has_bundle_digest)
		put_hex(f, "bundle-sha256", r.bundle_sha256,
		    sizeof(r.bundle_sha256));
	else
		fprintf(f, "bundle-sha256 -\n");
	put_time(f, "time", r.time);
	/* Text from the result file: escaped (format/escape.h). */
	fputs("build ", f);
	esc_fputs(r.build, ESC_FIELD, f);
	fputc('\n', f);
	put_hex(f, "verifier-id", r.verifier_id, sizeof(r.verifier_id));
	for (i = 0; i < r.n_checks; i++) {
		c = &r.checks[i];
		esc_fprintf(f, "check %s %s %s", c->name,
		    result_outcome_name(c->outcome), c->reason);
		fputc('\n', f);
	}
	if (verifier != NULL)
		v = result_file_verify(buf, len, verifier, &checked, &ve);
	if (put_signature(f, verifier, v, ve.msg) == -1) {
		err_set(e, "%s", ve.msg);
		return 1;
	}
	return 0;
}

int
inspect_show_refs(FILE *f, const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct errbuf *e)
{
	const struct refset_entry *en;
	struct refs_info info, checked;
	struct refset *set = NULL;
	char hex[2 * HASHALG_MAX_SIZE + 1];
	struct errbuf ve;
	size_t i;
	int v = 0;

	if (refs_file_open(buf, len, &info, &set, e) == -1)
		return -1;
	fprintf(f, "format %s %d\n", REFS_FORMAT, REFS_VERSION);
	fputs("name ", f);
	esc_fputs(info.name, ESC_FIELD, f);
	fputc('\n', f);
	put_time(f, "created", info.created);
	put_hex(f, "verifier-id", info.verifier_id, sizeof(info.verifier_id));
	fprintf(f, "sources %" PRIu64 "\n", info.nsources);
	fprintf(f, "entries %" PRIu64 "\n", info.nentries);
	for (i = 0; i < refset_nsources(set); i++) {
		fprintf(f, "source %zu ", i);
		esc_fputs(refset_source(set, (uint32_t)i), ESC_FIELD, f);
		fputc('\n', f);
	}
	/* path last: it is the one field that may hold spaces */
	for (i = 0; i < refset_count(set); i++) {
		en = refset_entry(set, i);
		hex_encode(en->digest, en->alg->size, hex);
		fprintf(f, "entry %s:%s %" PRIu32 " %" PRIu32 " ", en->alg->name,
		    hex, en->count, en->source);
		esc_fwrite(en->path, en->path_len, ESC_FIELD, f);
		fputc('\n', f);
	}
	refset_free(set);
	if (verifier != NULL)
		v = refs_file_verify(buf, len, verifier, &checked, NULL, &ve);
	if (put_signature(f, verifier, v, ve.msg) == -1) {
		err_set(e, "%s", ve.msg);
		return 1;
	}
	return 0;
}
