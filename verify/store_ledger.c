/*
 * store_ledger.c - the challenge ledger and the result history of the
 * store (store.h): issue, look up, consume (single use) and expire
 * challenges; append results and find bundles already judged.
 */
#include "verify/store.h"
#include "verify/store_internal.h"

#include <string.h>

#include "format/hex.h"

static const char *const challenge_state_names[] = {
	[STORE_CHALLENGE_ISSUED] = "issued",
	[STORE_CHALLENGE_CONSUMED] = "consumed",
	[STORE_CHALLENGE_EXPIRED] = "expired",
};

static const char *const purpose_names[] = {
	[STORE_CHALLENGE_ENROLLMENT] = "enrollment",
	[STORE_CHALLENGE_ATTESTATION] = "attestation",
};

static const char *const consume_names[] = {
	[STORE_CONSUME_OK] = "consumed",
	[STORE_CONSUME_UNKNOWN] = "unknown challenge",
	[STORE_CONSUME_OTHER_DEVICE] = "challenge issued to another device",
	[STORE_CONSUME_EXPIRED] = "challenge expired",
	[STORE_CONSUME_USED] = "challenge already used",
};

static const char *const verdict_names[] = {
	[STORE_VERDICT_PASS] = "pass",
	[STORE_VERDICT_FAIL] = "fail",
	[STORE_VERDICT_ERROR] = "error",
};

#define NAME_OF(table, v) \
	((unsigned)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : "?")

const char *
store_challenge_state_name(enum store_challenge_state st)
{
	return NAME_OF(challenge_state_names, st);
}

const char *
store_consume_name(enum store_consume c)
{
	return NAME_OF(consume_names, c);
}

const char *
store_verdict_name(enum store_verdict v)
{
	return NAME_OF(verdict_names, v);
}

/* Index of t in names[n], or -1. */
static int
name_index(const char *const *names, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], t) == 0)
			return (int)i;
	return -1;
}

/* "ima", "ima,uefi", "": comma-separated words of [a-z0-9-]. */
static int
logs_valid(const char *logs)
{
	size_t i, n = strnlen(logs, STORE_LOGS_MAX + 1);
	bool word = false;

	if (n > STORE_LOGS_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = logs[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			word = true;
		else if (c == ',' && word)
			word = false;
		else
			return 0;
	}
	return n == 0 || word;
}

int
store_challenge_issue(struct store *s, const struct store_challenge *c,
    struct errbuf *e)
{
	static const char what[] = "issue challenge";
	struct store_challenge old;
	bool found;
	sqlite3_stmt *st;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	int ext;

	if ((unsigned)c->purpose > STORE_CHALLENGE_ATTESTATION)
		return err_set(e, "%s: bad purpose %d", what, (int)c->purpose);
	if (c->ak_name_len < 4 || c->ak_name_len > STORE_NAME_MAX)
		return err_set(e, "%s: AK Name of %zu bytes", what,
		    c->ak_name_len);
	if (c->pcr_selection_len < 4 ||
	    c->pcr_selection_len > STORE_PCR_SELECTION_MAX)
		return err_set(e, "%s: PCR selection of %zu bytes", what,
		    c->pcr_selection_len);
	if (!logs_valid(c->logs))
		return err_set(e, "%s: requested logs \"%.*s\" are not "
		    "comma-separated lowercase words", what, STORE_LOGS_MAX,
		    c->logs);
	if (c->not_after <= c->issued)
		return err_set(e, "%s: expiry is not after issue time", what);
	if ((st = store_stmt(s, ST_CHALLENGE_INSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, c->id, STORE_ID_LEN, what, e) == -1 ||
	    store_bind_blob(s, st, 2, c->device_id, STORE_DEVICE_ID_LEN, what,
	    e) == -1 ||
	    store_bind_text(s, st, 3, purpose_names[c->purpose], what,
	    e) == -1 ||
	    store_bind_blob(s, st, 4, c->ak_name, c->ak_name_len, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 5, c->secret, STORE_SECRET_LEN, what,
	    e) == -1 ||
	    store_bind_blob(s, st, 6, c->pcr_selection, c->pcr_selection_len,
	    what, e) == -1 ||
	    store_bind_text(s, st, 7, c->logs, what, e) == -1 ||
	    store_bind_int(s, st, 8, c->issued, what, e) == -1 ||
	    store_bind_int(s, st, 9, c->not_after, what, e) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	ext = sqlite3_extended_errcode(s->db);
	hex_encode(c->device_id, STORE_DEVICE_ID_LEN, hex);
	err_set(e, "%s: device %s: %s", what, hex, sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, "%s: unknown device %s", what, hex);
	if (ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    ext == SQLITE_CONSTRAINT_UNIQUE) {
		/* SQLite names the first constraint it checked only. */
		if (store_challenge_get(s, c->id, &old, &found, NULL) == 0 &&
		    found)
			return err_set(e, "%s: challenge id already issued",
			    what);
		return err_set(e, "%s: credential secret already used by "
		    "another challenge", what);
	}
	return -1;
}

static int
challenge_row(sqlite3_stmt *st, struct store_challenge *c, const char *what,
    struct errbuf *e)
{
	char purpose[16], state[16];
	size_t len;
	int i;

	if (store_col_blob(st, 0, c->id, STORE_ID_LEN, NULL, STORE_ID_LEN,
	    what, e) == -1 ||
	    store_col_blob(st, 1, c->device_id, STORE_DEVICE_ID_LEN, NULL,
	    STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_col_text(st, 2, purpose, sizeof(purpose), what, e) == -1 ||
	    store_col_blob(st, 3, c->ak_name, sizeof(c->ak_name),
	    &c->ak_name_len, 0, what, e) == -1 ||
	    store_col_blob(st, 4, c->secret, STORE_SECRET_LEN, NULL,
	    STORE_SECRET_LEN, what, e) == -1 ||
	    store_col_blob(st, 5, c->pcr_selection, sizeof(c->pcr_selection),
	    &c->pcr_selection_len, 0, what, e) == -1 ||
	    store_col_text(st, 6, c->logs, sizeof(c->logs), what, e) == -1 ||
	    store_col_text(st, 9, state, sizeof(state), what, e) == -1 ||
	    store_col_blob(st, 10, c->consumed_by, STORE_ID_LEN, &len, 0,
	    what, e) == -1)
		return -1;
	if ((i = name_index(purpose_names, 2, purpose)) < 0)
		return err_set(e, "%s: corrupt store: purpose \"%s\"", what,
		    purpose);
	c->purpose = (enum store_challenge_purpose)i;
	if ((i = name_index(challenge_state_names, 3, state)) < 0)
		return err_set(e, "%s: corrupt store: state \"%s\"", what,
		    state);
	c->state = (enum store_challenge_state)i;
	if ((c->state == STORE_CHALLENGE_CONSUMED) != (len == STORE_ID_LEN))
		return err_set(e, "%s: corrupt store: consumed_by", what);
	if (len == 0)
		memset(c->consumed_by, 0, STORE_ID_LEN);
	c->issued = sqlite3_column_int64(st, 7);
	c->not_after = sqlite3_column_int64(st, 8);
	c->consumed_at = sqlite3_column_int64(st, 11);
	c->seq = sqlite3_column_int64(st, 12);	/* NULL: 0, none issued so */
	return 0;
}

int
store_challenge_get(struct store *s, const uint8_t id[STORE_ID_LEN],
    struct store_challenge *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get challenge";
	sqlite3_stmt *st;
	int r;

	*found = false;
	if ((st = store_stmt(s, ST_CHALLENGE_GET, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = challenge_row(st, out, what, e);
	sqlite3_reset(st);
	*found = r == 0;
	return r;
}

/* Why a consume did not match: classify from the row as it is now. */
static int
consume_refusal(struct store *s, const uint8_t id[STORE_ID_LEN],
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t now,
    enum store_consume *verdict, struct store_challenge *c, bool *found,
    struct errbuf *e)
{
	static const char what[] = "consume challenge";
	sqlite3_stmt *st;

	if (store_challenge_get(s, id, c, found, e) == -1)
		return -1;
	if (!*found)
		*verdict = STORE_CONSUME_UNKNOWN;
	else if (memcmp(c->device_id, device_id, STORE_DEVICE_ID_LEN) != 0)
		*verdict = STORE_CONSUME_OTHER_DEVICE;
	else if (c->state == STORE_CHALLENGE_CONSUMED)
		*verdict = STORE_CONSUME_USED;
	else
		*verdict = STORE_CONSUME_EXPIRED;
	if (*found && c->state == STORE_CHALLENGE_ISSUED &&
	    c->not_after < now) {
		if ((st = store_stmt(s, ST_CHALLENGE_MARK_EXPIRED, what,
		    e)) == NULL ||
		    store_bind_blob(s, st, 1, id, STORE_ID_LEN, what, e) == -1 ||
		    store_bind_int(s, st, 2, now, what, e) == -1 ||
		    store_step_done(s, st, what, e) == -1)
			return -1;
		c->state = STORE_CHALLENGE_EXPIRED;
	}
	return 0;
}

/* The single-use UPDATE; sqlite3_changes() tells whether it consumed. */
static int
consume_update(struct store *s, const uint8_t id[STORE_ID_LEN],
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t now,
    const uint8_t result_id[STORE_ID_LEN], const char *what,
    struct errbuf *e)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_CHALLENGE_CONSUME, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_ID_LEN, what, e) == -1 ||
	    store_bind_blob(s, st, 2, device_id, STORE_DEVICE_ID_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 3, now, what, e) == -1 ||
	    store_bind_blob(s, st, 4, result_id, STORE_ID_LEN, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_challenge_consume(struct store *s, const uint8_t id[STORE_ID_LEN],
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t now,
    const uint8_t result_id[STORE_ID_LEN], enum store_consume *verdict,
    struct store_challenge *out, struct errbuf *e)
{
	static const char what[] = "consume challenge";
	struct store_challenge local;
	bool found;
	int rc;

	*verdict = STORE_CONSUME_UNKNOWN;
	if (!s->in_run)
		return err_set(e, "%s: outside a run: the consume and its "
		    "result must commit together", what);
	if (out == NULL) {
		/* Nothing to read back: the UPDATE is one statement, atomic
		 * on its own; a savepoint only if a refusal must write. */
		if (consume_update(s, id, device_id, now, result_id, what,
		    e) == -1)
			return -1;
		if (sqlite3_changes(s->db) == 1) {
			*verdict = STORE_CONSUME_OK;
			return 0;
		}
		if (store_op_begin(s, what, e) == -1)
			return -1;
		rc = consume_refusal(s, id, device_id, now, verdict, &local,
		    &found, e);
		return store_op_end(s, rc, e);
	}
	if (store_op_begin(s, what, e) == -1)
		return -1;
	if (consume_update(s, id, device_id, now, result_id, what, e) == -1)
		return store_op_end(s, -1, e);
	if (sqlite3_changes(s->db) == 1) {
		*verdict = STORE_CONSUME_OK;
		rc = store_challenge_get(s, id, out, &found, e);
		if (rc == 0 && !found)
			rc = err_set(e, "%s: challenge vanished", what);
	} else
		rc = consume_refusal(s, id, device_id, now, verdict, out,
		    &found, e);
	return store_op_end(s, rc, e);
}

int
store_challenge_expire(struct store *s, int64_t now, unsigned *count,
    struct errbuf *e)
{
	static const char what[] = "expire challenges";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_CHALLENGE_EXPIRE_ALL, what, e)) == NULL ||
	    store_bind_int(s, st, 1, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	if (count != NULL)
		*count = (unsigned)sqlite3_changes(s->db);
	return 0;
}

/* ---- results -------------------------------------------------------------- */

/* Is text a JSON array? SQLite's own JSON parser decides. */
static int
json_array_valid(struct store *s, const char *text, const char *what,
    struct errbuf *e)
{
	sqlite3_stmt *st;
	int r, valid;

	if ((st = store_stmt(s, ST_JSON_ARRAY, what, e)) == NULL ||
	    store_bind_text(s, st, 1, text, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) != 1)
		return r == 0 ? err_set(e, "%s: no JSON verdict", what) : -1;
	valid = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!valid)
		return err_set(e, "%s: checks are not a JSON array", what);
	return 0;
}

/* The verdict and checks of a result row, as store_result_add() and
 * store_result_set_outcome() take them. */
static int
outcome_valid(struct store *s, enum store_verdict verdict,
    const char *checks_json, bool serialized, const char *what,
    struct errbuf *e)
{
	if ((unsigned)verdict > STORE_VERDICT_ERROR)
		return err_set(e, "%s: bad verdict %d", what, (int)verdict);
	if (checks_json == NULL || strlen(checks_json) > STORE_CHECKS_JSON_MAX)
		return err_set(e, "%s: checks missing or longer than %zu "
		    "bytes", what, STORE_CHECKS_JSON_MAX);
	if (!serialized && json_array_valid(s, checks_json, what, e) == -1)
		return -1;
	return 0;
}

int
store_result_add(struct store *s, const struct store_result *r,
    struct errbuf *e)
{
	static const char what[] = "add result";
	sqlite3_stmt *st;

	if (r->input_name == NULL || strlen(r->input_name) > STORE_TEXT_MAX)
		return err_set(e, "%s: input name missing or longer than %d "
		    "bytes", what, STORE_TEXT_MAX);
	if (outcome_valid(s, r->verdict, r->checks_json, r->checks_serialized,
	    what, e) == -1)
		return err_prefix(e, "input %s", r->input_name);
	if ((st = store_stmt(s, ST_RESULT_INSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, r->id, STORE_ID_LEN, what, e) == -1 ||
	    (r->has_device ?
	    store_bind_blob(s, st, 2, r->device_id, STORE_DEVICE_ID_LEN, what,
	    e) : store_bind_null(s, st, 2, what, e)) == -1 ||
	    (r->has_challenge ?
	    store_bind_blob(s, st, 3, r->challenge_id, STORE_ID_LEN, what,
	    e) : store_bind_null(s, st, 3, what, e)) == -1 ||
	    store_bind_text(s, st, 4, r->input_name, what, e) == -1 ||
	    store_bind_blob(s, st, 5, r->bundle_sha256, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_text(s, st, 6, verdict_names[r->verdict], what,
	    e) == -1 ||
	    store_bind_text(s, st, 7, r->checks_json, what, e) == -1 ||
	    store_bind_int(s, st, 8, r->created, what, e) == -1)
		return -1;
	if (store_step_done(s, st, what, e) == -1)
		return err_prefix(e, "input %s", r->input_name);
	return 0;
}

int
store_result_set_outcome(struct store *s, const uint8_t id[STORE_ID_LEN],
    enum store_verdict verdict, const char *checks_json, bool serialized,
    struct errbuf *e)
{
	static const char what[] = "set a result's outcome";
	sqlite3_stmt *st;

	if (outcome_valid(s, verdict, checks_json, serialized, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_RESULT_SET_OUTCOME, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_ID_LEN, what, e) == -1 ||
	    store_bind_text(s, st, 2, verdict_names[verdict], what, e) == -1 ||
	    store_bind_text(s, st, 3, checks_json, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return err_set(e, "%s: no such result", what);
	return 0;
}

int
store_result_find_bundle(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], bool *found,
    uint8_t result_id[STORE_ID_LEN], enum store_verdict *verdict,
    struct errbuf *e)
{
	static const char what[] = "find judged bundle";
	uint8_t id[STORE_ID_LEN];
	char v[8];
	sqlite3_stmt *st;
	int r, i;

	*found = false;
	if ((st = store_stmt(s, ST_RESULT_FIND_BUNDLE, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, sha256, STORE_SHA256_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) <= 0)
		return r;
	r = -1;
	if (store_col_blob(st, 0, id, STORE_ID_LEN, NULL, STORE_ID_LEN, what,
	    e) == -1 ||
	    store_col_text(st, 1, v, sizeof(v), what, e) == -1)
		goto out;
	if ((i = name_index(verdict_names, 3, v)) < 0) {
		err_set(e, "%s: corrupt store: verdict \"%s\"", what, v);
		goto out;
	}
	if (result_id != NULL)
		memcpy(result_id, id, STORE_ID_LEN);
	if (verdict != NULL)
		*verdict = (enum store_verdict)i;
	*found = true;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

/* ---- resuming a run --------------------------------------------------------- */

int
store_results_last_rowid(struct store *s, int64_t *rowid, struct errbuf *e)
{
	sqlite3_stmt *st;
	int rc;

	*rowid = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(rowid), 0) FROM "
	    "results", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "newest result", e);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*rowid = sqlite3_column_int64(st, 0);
	else
		store_sqlerr(s, "newest result", e);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

void
store_result_record_free(struct store_result_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->input_name);
	free(rec->checks_json);
	rec->input_name = rec->checks_json = NULL;
}

static int
col_strdup(sqlite3_stmt *st, int i, size_t max, char **out, const char *what,
    struct errbuf *e)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	if (t == NULL || n < 0 || (size_t)n > max)
		return err_set(e, "%s: corrupt store: column %d", what, i);
	if ((*out = strndup((const char *)t, (size_t)n)) == NULL)
		return err_set(e, "out of memory");
	return 0;
}

static int
result_row(sqlite3_stmt *st, struct store_result_record *out,
    const char *what, struct errbuf *e)
{
	struct store_result *r = &out->r;
	size_t len;
	char v[8];
	int i;

	if (store_col_blob(st, 0, r->id, STORE_ID_LEN, NULL, STORE_ID_LEN,
	    what, e) == -1 ||
	    store_col_blob(st, 1, r->device_id, STORE_DEVICE_ID_LEN, &len, 0,
	    what, e) == -1)
		return -1;
	r->has_device = len == STORE_DEVICE_ID_LEN;
	if (store_col_blob(st, 2, r->challenge_id, STORE_ID_LEN, &len, 0,
	    what, e) == -1)
		return -1;
	r->has_challenge = len == STORE_ID_LEN;
	if (store_col_blob(st, 3, r->bundle_sha256, STORE_SHA256_LEN, NULL,
	    STORE_SHA256_LEN, what, e) == -1 ||
	    store_col_text(st, 4, v, sizeof(v), what, e) == -1)
		return -1;
	if ((i = name_index(verdict_names, 3, v)) < 0)
		return err_set(e, "%s: corrupt store: verdict \"%s\"", what, v);
	r->verdict = (enum store_verdict)i;
	r->created = sqlite3_column_int64(st, 7);
	if (col_strdup(st, 5, STORE_TEXT_MAX, &out->input_name, what,
	    e) == -1 ||
	    col_strdup(st, 6, STORE_CHECKS_JSON_MAX, &out->checks_json, what,
	    e) == -1)
		return -1;
	r->input_name = out->input_name;
	r->checks_json = out->checks_json;
	return 0;
}

int
store_result_find_before(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], int64_t max_rowid,
    struct store_result_record *out, bool *found, struct errbuf *e)
{
	static const char what[] = "find a judged bundle";
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = false;
	if (sqlite3_prepare_v2(s->db, "SELECT result_id, device_id, "
	    "challenge_id, bundle_sha256, verdict, input_name, checks, created "
	    "FROM results WHERE bundle_sha256 = ?1 AND rowid <= ?2 "
	    "ORDER BY rowid DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	if (sqlite3_bind_blob(st, 1, sha256, STORE_SHA256_LEN,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, max_rowid) != SQLITE_OK) {
		rc = store_sqlerr(s, what, e);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = store_sqlerr(s, what, e);
		goto out;
	}
	if ((rc = result_row(st, out, what, e)) == 0)
		*found = true;
	else
		store_result_record_free(out);
out:
	sqlite3_finalize(st);
	return rc;
}

int
store_results_foreach(struct store *s, const uint8_t *device, int64_t since,
    int64_t until, store_result_fn fn, void *arg, struct errbuf *e)
{
	static const char what[] = "list results";
	struct store_result_record rec;
	sqlite3_stmt *st;
	int rc;

	/* results_by_device (device_id, created) serves both forms */
	if (sqlite3_prepare_v2(s->db, "SELECT result_id, device_id, "
	    "challenge_id, bundle_sha256, verdict, input_name, checks, created "
	    "FROM results WHERE (?1 IS NULL AND device_id IS NOT NULL "
	    "OR device_id = ?1) AND created BETWEEN ?2 AND ?3 "
	    "ORDER BY created, rowid", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	if ((device == NULL ? sqlite3_bind_null(st, 1) :
	    sqlite3_bind_blob(st, 1, device, STORE_DEVICE_ID_LEN,
	    SQLITE_STATIC)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, until) != SQLITE_OK) {
		rc = store_sqlerr(s, what, e);
		goto out;
	}
	for (;;) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			rc = 0;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_sqlerr(s, what, e);
			break;
		}
		memset(&rec, 0, sizeof(rec));
		if ((rc = result_row(st, &rec, what, e)) == 0)
			rc = fn(arg, &rec, e);
		store_result_record_free(&rec);
		if (rc != 0) {
			rc = rc < 0 ? -1 : 0;
			break;
		}
	}
out:
	sqlite3_finalize(st);
	return rc;
}

int
store_result_rowids_after(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], int64_t after_rowid,
    int64_t *rowids, size_t cap, size_t *n, struct errbuf *e)
{
	static const char what[] = "find results of a bundle";
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	*n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT rowid FROM results WHERE "
	    "bundle_sha256 = ?1 AND rowid > ?2 ORDER BY rowid DESC", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	if (sqlite3_bind_blob(st, 1, sha256, STORE_SHA256_LEN,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, after_rowid) != SQLITE_OK) {
		rc = store_sqlerr(s, what, e);
		goto out;
	}
	while (*n < cap && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rowids[(*n)++] = sqlite3_column_int64(st, 0);
	rc = *n == cap || rc == SQLITE_DONE ? 0 : store_sqlerr(s, what, e);
out:
	sqlite3_finalize(st);
	return rc;
}

int
store_checks_foreach(struct store *s, const char *checks_json,
    store_check_fn fn, void *arg, struct errbuf *e)
{
	static const char what[] = "read stored checks";
	sqlite3_stmt *st;
	const char *name, *outcome, *reason;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT json_extract(value, '$.name'), "
	    "json_extract(value, '$.outcome'), json_extract(value, "
	    "'$.reason') FROM json_each(?1) ORDER BY key", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	if (sqlite3_bind_text(st, 1, checks_json, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
		rc = store_sqlerr(s, what, e);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		outcome = (const char *)sqlite3_column_text(st, 1);
		reason = (const char *)sqlite3_column_text(st, 2);
		if (name == NULL || outcome == NULL) {
			rc = err_set(e, "%s: corrupt store: a check without "
			    "name or outcome", what);
			goto out;
		}
		if (fn(arg, name, outcome, reason ? reason : "", e) == -1) {
			rc = -1;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : store_sqlerr(s, what, e);
out:
	sqlite3_finalize(st);
	return rc;
}
