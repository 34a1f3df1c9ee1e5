/*
 * store_devices.c - device names and the fleet queries (store_devices.h;
 * table device_names of schema 9, dossier-store(5)).
 *
 * These run a few times per command, not per bundle, so each statement is
 * prepared where it is used instead of in store.c's statement cache.
 */
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"
#include "verify/store_devices.h"
#include "verify/store_internal.h"

/* Prepare sql on s; NULL with e set. */
static sqlite3_stmt *
prep(struct store *s, const char *sql, const char *what, struct errbuf *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_sqlerr(s, what, e);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* A stored text column into buf, "" for NULL. */
static int
col_text_or_empty(sqlite3_stmt *st, int i, char *buf, size_t cap,
    const char *what, struct errbuf *e)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		buf[0] = '\0';
		return 0;
	}
	return store_col_text(st, i, buf, cap, what, e);
}

/* No control characters (C0 and DEL). */
static bool
no_controls(const char *t)
{
	for (; *t != '\0'; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			return false;
	return true;
}

/* Fail unless the device is in the store. */
static int
device_known(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const char *what, struct errbuf *e)
{
	enum store_device_state state;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	bool found;

	if (store_device_get_state(s, id, &state, &found, e) == -1)
		return -1;
	if (!found) {
		hex_encode(id, STORE_DEVICE_ID_LEN, hex);
		return err_set(e, "%s: no device %s", what, hex);
	}
	return 0;
}

/* Make sure the device has a device_names row. */
static int
names_row(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN], int64_t now,
    const char *what, struct errbuf *e)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((st = prep(s, "INSERT INTO device_names (device_id, updated) "
	    "VALUES (?1, ?2) ON CONFLICT (device_id) DO NOTHING", what,
	    e)) == NULL)
		return -1;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    store_bind_int(s, st, 2, now, what, e) == 0 &&
	    store_step_done(s, st, what, e) == 0)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int
store_device_names_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_device_names *out, bool *found, struct errbuf *e)
{
	static const char what[] = "read device names";
	sqlite3_stmt *st;
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	*found = false;
	if ((st = prep(s, "SELECT host_name, machine_id, label, revoke_reason,"
	    " coalesce(revoked, 0) FROM device_names WHERE device_id = ?1",
	    what, e)) == NULL)
		return -1;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		goto out;
	if ((r = store_step_row(s, st, what, e)) == -1)
		goto out;
	if (r == 1) {
		if (col_text_or_empty(st, 0, out->host_name,
		    sizeof(out->host_name), what, e) == -1 ||
		    col_text_or_empty(st, 1, out->machine_id,
		    sizeof(out->machine_id), what, e) == -1 ||
		    col_text_or_empty(st, 2, out->label, sizeof(out->label),
		    what, e) == -1 ||
		    col_text_or_empty(st, 3, out->revoke_reason,
		    sizeof(out->revoke_reason), what, e) == -1)
			goto out;
		out->revoked = sqlite3_column_int64(st, 4);
		*found = true;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

const char *
store_device_display(const struct store_device_names *n)
{
	return n->label[0] != '\0' ? n->label : n->host_name;
}

int
store_device_identity_set(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const char *host_name,
    const char *machine_id, int64_t now, struct errbuf *e)
{
	static const char what[] = "record device host name";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (host_name != NULL && host_name[0] == '\0')
		host_name = NULL;
	if (machine_id != NULL && machine_id[0] == '\0')
		machine_id = NULL;
	if (host_name != NULL && (strlen(host_name) > STORE_HOST_NAME_MAX ||
	    !no_controls(host_name)))
		return err_set(e, "%s: host name longer than %d bytes or with "
		    "control characters", what, STORE_HOST_NAME_MAX);
	if (machine_id != NULL && (strlen(machine_id) != STORE_MACHINE_ID_LEN ||
	    strspn(machine_id, "0123456789abcdef") != STORE_MACHINE_ID_LEN))
		return err_set(e, "%s: machine id is not %d lowercase hex "
		    "digits", what, STORE_MACHINE_ID_LEN);
	if (device_known(s, id, what, e) == -1 ||
	    store_op_begin(s, what, e) == -1)
		return -1;
	if (names_row(s, id, now, what, e) == -1 ||
	    (st = prep(s, "UPDATE device_names SET host_name = ?2, "
	    "machine_id = ?3, revoke_reason = NULL, revoked = NULL, "
	    "updated = ?4 WHERE device_id = ?1", what,
	    e)) == NULL)
		goto out;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    (host_name != NULL ? store_bind_text(s, st, 2, host_name, what,
	    e) : store_bind_null(s, st, 2, what, e)) == 0 &&
	    (machine_id != NULL ? store_bind_text(s, st, 3, machine_id, what,
	    e) : store_bind_null(s, st, 3, what, e)) == 0 &&
	    store_bind_int(s, st, 4, now, what, e) == 0 &&
	    store_step_done(s, st, what, e) == 0)
		rc = 0;
out:
	sqlite3_finalize(st);
	return store_op_end(s, rc, e);
}

int
store_label_check(const char *label, struct errbuf *e)
{
	size_t n = strlen(label), i;

	if (n == 0 || n > STORE_LABEL_MAX)
		return err_set(e, "a label has 1 to %d characters",
		    STORE_LABEL_MAX);
	if (label[0] == '-' || label[0] == ' ')
		return err_set(e, "a label does not start with '-' or a space");
	/* Printable ASCII: a label is typed on command lines and shown in
	 * every output, so it never needs escaping to be read. */
	for (i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 ||
		    (unsigned char)label[i] > 0x7e)
			return err_set(e, "a label is printable ASCII (byte "
			    "%zu is not)", i + 1);
	return 0;
}

int
store_device_label_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const char *label, int64_t now, struct errbuf *e)
{
	static const char what[] = "set device label";
	uint8_t other[1][STORE_DEVICE_ID_LEN];
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	sqlite3_stmt *st = NULL;
	bool by_label;
	size_t n;
	int rc = -1;

	if (label != NULL && store_label_check(label, e) == -1)
		return err_prefix(e, "%s", what);
	if (device_known(s, id, what, e) == -1)
		return -1;
	if (label != NULL) {
		if (store_device_find_name(s, label, other, 1, &n, &by_label,
		    e) == -1)
			return -1;
		if (n > 0 && by_label &&
		    memcmp(other[0], id, STORE_DEVICE_ID_LEN) != 0) {
			hex_encode(other[0], STORE_DEVICE_ID_LEN, hex);
			return err_set(e, "%s: label already names device %s",
			    what, hex);
		}
	}
	if (store_op_begin(s, what, e) == -1)
		return -1;
	if (names_row(s, id, now, what, e) == -1 ||
	    (st = prep(s, "UPDATE device_names SET label = ?2, updated = ?3 "
	    "WHERE device_id = ?1", what, e)) == NULL)
		goto out;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    (label != NULL ? store_bind_text(s, st, 2, label, what, e) :
	    store_bind_null(s, st, 2, what, e)) == 0 &&
	    store_bind_int(s, st, 3, now, what, e) == 0 &&
	    store_step_done(s, st, what, e) == 0)
		rc = 0;
out:
	sqlite3_finalize(st);
	return store_op_end(s, rc, e);
}

int
store_device_revoke(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const char *reason, int64_t now, struct errbuf *e)
{
	static const char what[] = "revoke device";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (reason != NULL && reason[0] == '\0')
		reason = NULL;
	if (reason != NULL && (strlen(reason) > STORE_REASON_MAX ||
	    !no_controls(reason)))
		return err_set(e, "%s: a reason has at most %d characters, no "
		    "control characters", what, STORE_REASON_MAX);
	if (device_known(s, id, what, e) == -1 ||
	    store_op_begin(s, what, e) == -1)
		return -1;
	/* Never before the device's last change: a workstation clock set
	 * back must not make revocation impossible (updated >= created). */
	if ((st = prep(s, "SELECT max(?2, updated) FROM devices WHERE "
	    "device_id = ?1", what, e)) == NULL)
		goto out;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_int(s, st, 2, now, what, e) == -1 ||
	    store_step_row(s, st, what, e) != 1)
		goto out;
	now = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (store_device_set_state(s, id, STORE_DEVICE_REVOKED, now, e) == -1 ||
	    names_row(s, id, now, what, e) == -1 ||
	    (st = prep(s, "UPDATE device_names SET revoke_reason = ?2, "
	    "revoked = ?3, updated = ?3 WHERE device_id = ?1", what,
	    e)) == NULL)
		goto out;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    (reason != NULL ? store_bind_text(s, st, 2, reason, what, e) :
	    store_bind_null(s, st, 2, what, e)) == 0 &&
	    store_bind_int(s, st, 3, now, what, e) == 0 &&
	    store_step_done(s, st, what, e) == 0)
		rc = 0;
out:
	sqlite3_finalize(st);
	return store_op_end(s, rc, e);
}

/* The ids a bound statement yields into ids[cap]; *n counts them all. */
static int
collect_ids(struct store *s, sqlite3_stmt *st,
    uint8_t (*ids)[STORE_DEVICE_ID_LEN], size_t cap, size_t *n,
    const char *what, struct errbuf *e)
{
	int r;

	while ((r = store_step_row(s, st, what, e)) == 1) {
		if (*n < cap && store_col_blob(st, 0, ids[*n],
		    STORE_DEVICE_ID_LEN, NULL, STORE_DEVICE_ID_LEN, what,
		    e) == -1)
			return -1;
		(*n)++;
	}
	return r;
}

int
store_device_find_name(struct store *s, const char *text,
    uint8_t (*ids)[STORE_DEVICE_ID_LEN], size_t cap, size_t *n,
    bool *by_label, struct errbuf *e)
{
	static const char what[] = "find device by name";
	static const char *const sql[2] = {
		"SELECT device_id FROM device_names WHERE label = ?1",
		"SELECT device_id FROM device_names WHERE host_name = ?1 "
		"ORDER BY device_id",
	};
	sqlite3_stmt *st;
	size_t k;
	int rc;

	*n = 0;
	*by_label = false;
	for (k = 0; k < 2 && *n == 0; k++) {
		if ((st = prep(s, sql[k], what, e)) == NULL)
			return -1;
		rc = store_bind_text(s, st, 1, text, what, e);
		if (rc == 0)
			rc = collect_ids(s, st, ids, cap, n, what, e);
		sqlite3_finalize(st);
		if (rc == -1)
			return -1;
		*by_label = k == 0 && *n > 0;
	}
	return 0;
}

/* ---- fleet queries ------------------------------------------------------- */

int
store_device_outstanding(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], int64_t now, unsigned *n,
    struct errbuf *e)
{
	static const char what[] = "count outstanding challenges";
	sqlite3_stmt *st;
	int rc = -1;

	*n = 0;
	if ((st = prep(s, "SELECT count(*) FROM challenges WHERE device_id = "
	    "?1 AND state = 'issued' AND not_after >= ?2", what, e)) == NULL)
		return -1;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    store_bind_int(s, st, 2, now, what, e) == 0 &&
	    store_step_row(s, st, what, e) == 1) {
		*n = (unsigned)sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
verdict_parse(const char *t, enum store_verdict *v, const char *what,
    struct errbuf *e)
{
	if (strcmp(t, "pass") == 0)
		*v = STORE_VERDICT_PASS;
	else if (strcmp(t, "fail") == 0)
		*v = STORE_VERDICT_FAIL;
	else if (strcmp(t, "error") == 0)
		*v = STORE_VERDICT_ERROR;
	else
		return err_set(e, "%s: corrupt store: verdict '%s'", what, t);
	return 0;
}

/* A malloc'd copy of text column i ("" for NULL); NULL when out of memory. */
static char *
col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return strdup(t != NULL ? (const char *)t : "");
}

int
store_device_last_result(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct store_result_record *out,
    bool *found, struct errbuf *e)
{
	static const char what[] = "read the device's last result";
	sqlite3_stmt *st;
	size_t len;
	char verdict[8];
	int r, rc = -1;

	memset(out, 0, sizeof(*out));
	*found = false;
	if ((st = prep(s, "SELECT result_id, challenge_id, input_name, "
	    "bundle_sha256, verdict, checks, created FROM results WHERE "
	    "device_id = ?1 ORDER BY created DESC, rowid DESC LIMIT 1", what,
	    e)) == NULL)
		return -1;
	if (store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    (r = store_step_row(s, st, what, e)) == -1)
		goto out;
	if (r == 1) {
		out->r.has_device = true;
		memcpy(out->r.device_id, id, STORE_DEVICE_ID_LEN);
		if (store_col_blob(st, 0, out->r.id, STORE_ID_LEN, NULL,
		    STORE_ID_LEN, what, e) == -1 ||
		    store_col_blob(st, 1, out->r.challenge_id, STORE_ID_LEN,
		    &len, 0, what, e) == -1 ||
		    store_col_blob(st, 3, out->r.bundle_sha256,
		    STORE_SHA256_LEN, NULL, STORE_SHA256_LEN, what, e) == -1 ||
		    store_col_text(st, 4, verdict, sizeof(verdict), what,
		    e) == -1 ||
		    verdict_parse(verdict, &out->r.verdict, what, e) == -1)
			goto out;
		out->r.has_challenge = len == STORE_ID_LEN;
		out->r.created = sqlite3_column_int64(st, 6);
		out->input_name = col_strdup(st, 2);
		out->checks_json = col_strdup(st, 5);
		if (out->input_name == NULL || out->checks_json == NULL) {
			store_result_record_free(out);
			err_set(e, "%s: out of memory", what);
			goto out;
		}
		out->r.input_name = out->input_name;
		out->r.checks_json = out->checks_json;
		*found = true;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
store_last_round(struct store *s, int64_t *issued, bool *found,
    struct errbuf *e)
{
	static const char what[] = "find the last round of challenges";
	sqlite3_stmt *st;
	int rc = -1;

	*found = false;
	*issued = 0;
	if ((st = prep(s, "SELECT max(issued) FROM challenges WHERE "
	    "purpose = 'attestation'", what, e)) == NULL)
		return -1;
	if (store_step_row(s, st, what, e) == 1) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			*issued = sqlite3_column_int64(st, 0);
			*found = true;
		}
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_rounds_foreach(struct store *s, int64_t since, int64_t until,
    store_round_fn fn, void *arg, struct errbuf *e)
{
	static const char what[] = "read rounds of challenges";
	struct store_round_cell c;
	sqlite3_stmt *st;
	char state[16], verdict[8];
	int r, rc = -1;

	/* The newest result of the device's own naming the challenge: a
	 * bundle of another device naming it is not this device's answer. */
	if ((st = prep(s, "SELECT c.issued, c.device_id, c.challenge_id, "
	    "c.state, c.not_after, (SELECT r.verdict FROM results r WHERE "
	    "r.challenge_id = c.challenge_id AND r.device_id = c.device_id "
	    "ORDER BY r.created DESC, r.rowid DESC LIMIT 1) FROM challenges c "
	    "WHERE c.purpose = 'attestation' AND c.issued BETWEEN ?1 AND ?2 "
	    "ORDER BY c.issued, c.device_id", what, e)) == NULL)
		return -1;
	if (store_bind_int(s, st, 1, since, what, e) == -1 ||
	    store_bind_int(s, st, 2, until, what, e) == -1)
		goto out;
	while ((r = store_step_row(s, st, what, e)) == 1) {
		memset(&c, 0, sizeof(c));
		c.round = sqlite3_column_int64(st, 0);
		c.not_after = sqlite3_column_int64(st, 4);
		if (store_col_blob(st, 1, c.device_id, STORE_DEVICE_ID_LEN,
		    NULL, STORE_DEVICE_ID_LEN, what, e) == -1 ||
		    store_col_blob(st, 2, c.challenge_id, STORE_ID_LEN, NULL,
		    STORE_ID_LEN, what, e) == -1 ||
		    store_col_text(st, 3, state, sizeof(state), what, e) == -1)
			goto out;
		if (strcmp(state, "issued") == 0)
			c.state = STORE_CHALLENGE_ISSUED;
		else if (strcmp(state, "consumed") == 0)
			c.state = STORE_CHALLENGE_CONSUMED;
		else if (strcmp(state, "expired") == 0)
			c.state = STORE_CHALLENGE_EXPIRED;
		else {
			err_set(e, "%s: corrupt store: challenge state '%s'",
			    what, state);
			goto out;
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			if (store_col_text(st, 5, verdict, sizeof(verdict),
			    what, e) == -1 ||
			    verdict_parse(verdict, &c.verdict, what, e) == -1)
				goto out;
			c.answered = true;
		}
		if (fn(arg, &c, e) == -1)
			goto out;
	}
	if (r == 0)
		rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
