/*
 * store_refsets.c - reference sets, their assignment to devices, IMA
 * policy rules and trusted IMA keys in the verifier's store (store.h,
 * schema version 2, dossier-store(5)).
 */
#include "verify/store.h"
#include "verify/store_internal.h"

#include <string.h>

#include <openssl/evp.h>

/* Name rules of reference sets (as the schema's CHECK). */
static int
check_set_name(const char *name, struct errbuf *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_REFSET_NAME_MAX)
		return err_set(e, "reference set name '%s': 1 to %d "
		    "characters", name, STORE_REFSET_NAME_MAX);
	if (name[0] == '.' || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return err_set(e, "reference set name '%s': only letters, "
		    "digits, '.', '_' and '-', not starting with '.'", name);
	return 0;
}

int
store_refset_create(struct store *s, const char *name, int64_t now,
    bool *created, struct errbuf *e)
{
	static const char what[] = "create reference set";
	sqlite3_stmt *st;

	*created = false;
	if (check_set_name(name, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_REFSET_INSERT, what, e)) == NULL ||
	    store_bind_text(s, st, 1, name, what, e) == -1 ||
	    store_bind_int(s, st, 2, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*created = sqlite3_changes(s->db) == 1;
	return 0;
}

/* The current row of a refsets query into out. */
static int
col_refset(sqlite3_stmt *st, struct store_refset *out, const char *what,
    struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	out->set_id = sqlite3_column_int64(st, 0);
	if (store_col_text(st, 1, out->name, sizeof(out->name), what, e) == -1)
		return -1;
	out->created = sqlite3_column_int64(st, 2);
	out->updated = sqlite3_column_int64(st, 3);
	out->entries = (uint64_t)sqlite3_column_int64(st, 4);
	out->devices = (uint64_t)sqlite3_column_int64(st, 5);
	return 0;
}

int
store_refset_get(struct store *s, const char *name, struct store_refset *out,
    bool *found, struct errbuf *e)
{
	static const char what[] = "read reference set";
	sqlite3_stmt *st;
	int rc;

	*found = false;
	if ((st = store_stmt(s, ST_REFSET_GET, what, e)) == NULL ||
	    store_bind_text(s, st, 1, name, what, e) == -1)
		return -1;
	if ((rc = store_step_row(s, st, what, e)) != 1)
		return rc;
	rc = col_refset(st, out, what, e);
	sqlite3_reset(st);
	if (rc == 0)
		*found = true;
	return rc;
}

int
store_refset_delete(struct store *s, int64_t set_id, struct errbuf *e)
{
	static const char what[] = "delete reference set";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_REFSET_DELETE, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

/* Run a refsets query (bound already), calling fn per row. */
static int
each_refset(struct store *s, sqlite3_stmt *st, store_refset_fn fn,
    void *arg, const char *what, struct errbuf *e)
{
	struct store_refset r;
	int rc;

	while ((rc = store_step_row(s, st, what, e)) == 1)
		if (col_refset(st, &r, what, e) == -1 || fn(&r, arg, e) == -1)
			break;
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}

/* A cached statement that is not being iterated by a caller up the stack. */
static sqlite3_stmt *
idle_stmt(struct store *s, enum store_stmt id, const char *what,
    struct errbuf *e)
{
	if (s->stmt[id] != NULL && sqlite3_stmt_busy(s->stmt[id])) {
		err_set(e, "%s: called from its own callback", what);
		return NULL;
	}
	return store_stmt(s, id, what, e);
}

int
store_refset_foreach(struct store *s, store_refset_fn fn, void *arg,
    struct errbuf *e)
{
	static const char what[] = "list reference sets";
	sqlite3_stmt *st;

	if ((st = idle_stmt(s, ST_REFSET_LIST, what, e)) == NULL)
		return -1;
	return each_refset(s, st, fn, arg, what, e);
}

int
store_refset_clear(struct store *s, int64_t set_id, struct errbuf *e)
{
	static const char what[] = "clear reference set";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_REFSET_CLEAR_ENTRIES, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_REFSET_CLEAR_SOURCES, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_refset_put_source(struct store *s, int64_t set_id, uint32_t index,
    const char *text, struct errbuf *e)
{
	static const char what[] = "store reference set source";
	sqlite3_stmt *st;

	if (strlen(text) > STORE_REFSET_SOURCE_MAX)
		return err_set(e, "%s: longer than %d bytes", what,
		    STORE_REFSET_SOURCE_MAX);
	if ((st = store_stmt(s, ST_REFSET_PUT_SOURCE, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_bind_int(s, st, 2, index, what, e) == -1 ||
	    store_bind_text(s, st, 3, text, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_refset_put_row(struct store *s, int64_t set_id,
    const struct store_refset_row *r, struct errbuf *e)
{
	static const char what[] = "store reference set entry";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_REFSET_PUT_ENTRY, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_bind_blob(s, st, 2, r->path, r->path_len, what, e) == -1 ||
	    store_bind_text(s, st, 3, r->alg, what, e) == -1 ||
	    store_bind_blob(s, st, 4, r->digest, r->digest_len, what,
	    e) == -1 ||
	    store_bind_int(s, st, 5, r->count, what, e) == -1 ||
	    store_bind_int(s, st, 6, r->source, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_refset_touch(struct store *s, int64_t set_id, int64_t now,
    struct errbuf *e)
{
	static const char what[] = "update reference set";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_REFSET_TOUCH, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_bind_int(s, st, 2, now, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_refset_sources(struct store *s, int64_t set_id, store_source_fn fn,
    void *arg, struct errbuf *e)
{
	static const char what[] = "read reference set sources";
	sqlite3_stmt *st;
	const char *text;
	int64_t idx;
	int rc;

	if ((st = idle_stmt(s, ST_REFSET_SOURCES, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1)
		return -1;
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		idx = sqlite3_column_int64(st, 0);
		text = (const char *)sqlite3_column_text(st, 1);
		if (idx < 0 || idx > UINT32_MAX || text == NULL) {
			err_set(e, "%s: corrupt store: bad source row", what);
			break;
		}
		if (fn((uint32_t)idx, text, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}

int
store_refset_rows(struct store *s, int64_t set_id, store_row_fn fn,
    void *arg, struct errbuf *e)
{
	static const char what[] = "read reference set entries";
	struct store_refset_row r;
	sqlite3_stmt *st;
	int64_t count, source;
	int rc;

	if ((st = idle_stmt(s, ST_REFSET_ENTRIES, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1)
		return -1;
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		r.path = sqlite3_column_blob(st, 0);
		r.path_len = (size_t)sqlite3_column_bytes(st, 0);
		r.alg = (const char *)sqlite3_column_text(st, 1);
		r.digest = sqlite3_column_blob(st, 2);
		r.digest_len = (size_t)sqlite3_column_bytes(st, 2);
		count = sqlite3_column_int64(st, 3);
		source = sqlite3_column_int64(st, 4);
		if (r.path == NULL || r.alg == NULL || r.digest == NULL ||
		    count < 1 || count > UINT32_MAX || source < 0 ||
		    source > UINT32_MAX) {
			err_set(e, "%s: corrupt store: bad entry row", what);
			break;
		}
		r.count = (uint32_t)count;
		r.source = (uint32_t)source;
		if (fn(&r, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}

int
store_refset_assign(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t set_id,
    int64_t now, bool *changed, struct errbuf *e)
{
	static const char what[] = "assign reference set";
	sqlite3_stmt *st;

	*changed = false;
	if ((st = store_stmt(s, ST_REFSET_ASSIGN, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, device_id, STORE_DEVICE_ID_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 2, set_id, what, e) == -1 ||
	    store_bind_int(s, st, 3, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*changed = sqlite3_changes(s->db) == 1;
	return 0;
}

int
store_refset_unassign(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t set_id,
    bool *changed, struct errbuf *e)
{
	static const char what[] = "unassign reference set";
	sqlite3_stmt *st;

	*changed = false;
	if ((st = store_stmt(s, ST_REFSET_UNASSIGN, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, device_id, STORE_DEVICE_ID_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 2, set_id, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*changed = sqlite3_changes(s->db) == 1;
	return 0;
}

int
store_device_refsets(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], store_refset_fn fn,
    void *arg, struct errbuf *e)
{
	static const char what[] = "read a device's reference sets";
	sqlite3_stmt *st;

	if ((st = idle_stmt(s, ST_DEVICE_REFSETS, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, device_id, STORE_DEVICE_ID_LEN, what,
	    e) == -1)
		return -1;
	return each_refset(s, st, fn, arg, what, e);
}

/* Bind the scope (device or set) of a policy statement at 1 (and 2). */
static int
bind_scope(struct store *s, sqlite3_stmt *st, const uint8_t *device_id,
    int64_t set_id, bool both, const char *what, struct errbuf *e)
{
	if (device_id != NULL) {
		if (store_bind_blob(s, st, 1, device_id, STORE_DEVICE_ID_LEN,
		    what, e) == -1)
			return -1;
		return both ? store_bind_null(s, st, 2, what, e) : 0;
	}
	if (!both)
		return store_bind_int(s, st, 1, set_id, what, e);
	if (store_bind_null(s, st, 1, what, e) == -1)
		return -1;
	return store_bind_int(s, st, 2, set_id, what, e);
}

static int
policy_set_locked(struct store *s, const uint8_t *device_id, int64_t set_id,
    const char *const *rules, size_t n, const char *what, struct errbuf *e)
{
	sqlite3_stmt *st;
	size_t i;

	if ((st = store_stmt(s, device_id != NULL ? ST_POLICY_CLEAR_DEVICE :
	    ST_POLICY_CLEAR_SET, what, e)) == NULL ||
	    bind_scope(s, st, device_id, set_id, false, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if ((st = store_stmt(s, ST_POLICY_INSERT, what, e)) == NULL ||
		    bind_scope(s, st, device_id, set_id, true, what, e) ==
		    -1 ||
		    store_bind_int(s, st, 3, (int64_t)i, what, e) == -1 ||
		    store_bind_text(s, st, 4, rules[i], what, e) == -1 ||
		    store_step_done(s, st, what, e) == -1)
			return -1;
	return 0;
}

int
store_policy_set(struct store *s, const uint8_t *device_id, int64_t set_id,
    const char *const *rules, size_t n, struct errbuf *e)
{
	static const char what[] = "set IMA policy";
	size_t i;

	if (n > STORE_POLICY_RULES_MAX)
		return err_set(e, "%s: more than %d rules", what,
		    STORE_POLICY_RULES_MAX);
	for (i = 0; i < n; i++)
		if (rules[i][0] == '\0' ||
		    strlen(rules[i]) > STORE_POLICY_RULE_MAX)
			return err_set(e, "%s: rule %zu: 1 to %d bytes", what,
			    i + 1, STORE_POLICY_RULE_MAX);
	if (store_op_begin(s, what, e) == -1)
		return -1;
	return store_op_end(s, policy_set_locked(s, device_id, set_id, rules,
	    n, what, e), e);
}

int
store_policy_foreach(struct store *s, const uint8_t *device_id,
    int64_t set_id, store_text_fn fn, void *arg, struct errbuf *e)
{
	static const char what[] = "read IMA policy";
	sqlite3_stmt *st;
	const char *rule;
	int rc;

	if ((st = idle_stmt(s, device_id != NULL ? ST_POLICY_OF_DEVICE :
	    ST_POLICY_OF_SET, what, e)) == NULL ||
	    bind_scope(s, st, device_id, set_id, false, what, e) == -1)
		return -1;
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		if ((rule = (const char *)sqlite3_column_text(st, 0)) == NULL) {
			err_set(e, "%s: corrupt store: empty rule", what);
			break;
		}
		if (fn(rule, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}

int
store_ima_key_add(struct store *s, const uint8_t *data, size_t len,
    const char *source, int64_t now, bool *added, struct errbuf *e)
{
	static const char what[] = "add IMA key";
	uint8_t fp[STORE_SHA256_LEN];
	sqlite3_stmt *st;

	*added = false;
	if (len == 0 || len > STORE_IMA_KEY_MAX)
		return err_set(e, "%s: %s: 1 to %u bytes", what, source,
		    STORE_IMA_KEY_MAX);
	if (strlen(source) > STORE_TEXT_MAX)
		return err_set(e, "%s: source name longer than %d bytes", what,
		    STORE_TEXT_MAX);
	if (EVP_Digest(data, len, fp, NULL, EVP_sha256(), NULL) != 1)
		return err_set(e, "%s: SHA-256 failed", what);
	if ((st = store_stmt(s, ST_IMA_KEY_INSERT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, fp, sizeof(fp), what, e) == -1 ||
	    store_bind_blob(s, st, 2, data, len, what, e) == -1 ||
	    store_bind_text(s, st, 3, source, what, e) == -1 ||
	    store_bind_int(s, st, 4, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*added = sqlite3_changes(s->db) == 1;
	return 0;
}

int
store_ima_key_remove(struct store *s,
    const uint8_t fingerprint[STORE_SHA256_LEN], bool *removed,
    struct errbuf *e)
{
	return store_delete_by_key(s, ST_IMA_KEY_DELETE, "remove IMA key",
	    fingerprint, STORE_SHA256_LEN, removed, e);
}

int
store_ima_key_foreach(struct store *s, store_ima_key_fn fn, void *arg,
    struct errbuf *e)
{
	static const char what[] = "list IMA keys";
	struct store_ima_key k;
	sqlite3_stmt *st;
	int rc;

	if ((st = idle_stmt(s, ST_IMA_KEY_LIST, what, e)) == NULL)
		return -1;
	while ((rc = store_step_row(s, st, what, e)) == 1) {
		if (store_col_blob(st, 0, k.fingerprint, STORE_SHA256_LEN,
		    NULL, STORE_SHA256_LEN, what, e) == -1)
			break;
		k.data = sqlite3_column_blob(st, 1);
		k.len = (size_t)sqlite3_column_bytes(st, 1);
		k.source = (const char *)sqlite3_column_text(st, 2);
		k.added = sqlite3_column_int64(st, 3);
		if (k.data == NULL || k.source == NULL) {
			err_set(e, "%s: corrupt store: empty key row", what);
			break;
		}
		if (fn(&k, arg, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == 0 ? 0 : -1;
}
