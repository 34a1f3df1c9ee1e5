/*
 * inspect_ear.c - dossier inspect of EAR results (inspect_ear.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "format/ear.h"
#include "format/hex.h"
#include "verify/inspect.h"
#include "verify/inspect_ear.h"

static void
put_signature_line(FILE *f, EVP_PKEY *verifier, int verified,
    const char *why)
{
	if (verifier == NULL)
		fprintf(f, "signature not-checked (give --verifier-key)\n");
	else if (verified == 0)
		fprintf(f, "signature verified with the verifier key\n");
	else
		fprintf(f, "signature FAILED %s\n", why);
}

int
inspect_show_ear_cwt(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e)
{
	static struct ear ear, checked;
	struct errbuf ve;
	char hex[2 * EAR_NONCE_MAX + 1], when[32];
	size_t k, i;
	int c, v = 0;

	if (ear_cwt_open(buf, len, NULL, NULL, &ear, e) == -1)
		return -1;
	fprintf(f, "profile %s\n", EAR_PROFILE);
	inspect_time(ear.iat, when, sizeof(when));
	fprintf(f, "iat %s\n", when);
	fprintf(f, "developer %s\n", ear.developer);
	fprintf(f, "build %s\n", ear.build);
	fprintf(f, "status %s\n", ear_status_name(ear.status));
	hex_encode(ear.nonce, ear.nonce_len, hex);
	fprintf(f, "nonce %s\n", ear.has_nonce ? hex : "-");
	hex_encode(ear.device_id, sizeof(ear.device_id), hex);
	fprintf(f, "device-id %s\n", ear.has_device ? hex : "-");
	hex_encode(ear.challenge_id, sizeof(ear.challenge_id), hex);
	fprintf(f, "challenge-id %s\n", ear.has_challenge ? hex : "-");
	for (k = 0; k < ear.n_submods; k++) {
		const struct ear_appraisal *a = &ear.submods[k];

		fprintf(f, "submod %s status %s\n", a->name,
		    ear_status_name(a->status));
		for (c = 0; c < EAR_CLAIMS_N; c++)
			if (a->has_claim[c])
				fprintf(f, "submod %s claim %s %d\n", a->name,
				    ear_claim_name((enum ear_claim)c),
				    a->claim[c]);
		for (i = 0; i < a->n_policy_ids; i++)
			fprintf(f, "submod %s policy-id %s\n", a->name,
			    a->policy_ids[i]);
	}
	if (verifier != NULL)
		v = ear_cwt_open(buf, len, verifier, NULL, &checked, &ve);
	put_signature_line(f, verifier, v, ve.msg);
	if (v != 0) {
		err_set(e, "%s", ve.msg);
		return 1;
	}
	return 0;
}

/* s with bytes 00..1F and 7F as \xNN (UTF-8 passes: a person reads it). */
static void
put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Every scalar of the claims, by json_tree, in document order. */
static int
show_claims(FILE *f, const char *json, size_t len, struct errbuf *e)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return err_set(e, "EAR JWT claims: sqlite: out of memory");
	}
	if (sqlite3_prepare_v2(db, "SELECT fullkey, atom FROM json_tree(?1) "
	    "WHERE type NOT IN ('object', 'array') ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC) !=
	    SQLITE_OK) {
		err_set(e, "EAR JWT claims: %s", sqlite3_errmsg(db));
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *a = (const char *)sqlite3_column_text(st, 1);

		fputs("claim ", f);
		put_escaped(f, k != NULL ? k : "");
		fputc(' ', f);
		put_escaped(f, a != NULL ? a : "null");
		fputc('\n', f);
	}
	if (rc != SQLITE_DONE) {
		err_set(e, "EAR JWT claims: not JSON (%s)", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return -1;
}

int
inspect_show_ear_jwt(FILE *f, const uint8_t *buf, size_t len,
    EVP_PKEY *verifier, struct errbuf *e)
{
	struct errbuf ve;
	char *json, *checked;
	size_t n, m;
	int v = 0;

	if (ear_jwt_open(buf, len, NULL, &json, &n, e) == -1)
		return -1;
	if (show_claims(f, json, n, e) == -1) {
		free(json);
		return -1;
	}
	free(json);
	if (verifier != NULL) {
		v = ear_jwt_open(buf, len, verifier, &checked, &m, &ve);
		if (v == 0)
			free(checked);
	}
	put_signature_line(f, verifier, v, ve.msg);
	if (v != 0) {
		err_set(e, "%s", ve.msg);
		return 1;
	}
	return 0;
}
