/*
 * store.c - location, opening, migrating (the migrations themselves are
 * in store_schema.c), run transactions and the statement cache of the
 * verifier's store. See store.h and dossier-store(5). Records live in
 * store_records.c (verifier, roots, devices, references, attestation
 * state), store_ledger.c (challenges, results), store_refsets.c and
 * store_pcrref.c.
 */
#include "verify/store.h"
#include "verify/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

/* ---- statements ----------------------------------------------------------- */

static const char *const store_sql[ST_COUNT] = {
	[ST_SAVEPOINT] = "SAVEPOINT store_op",
	[ST_RELEASE] = "RELEASE store_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO store_op",
	[ST_VERIFIER_INSERT] =
	    "INSERT INTO verifier (id, key_id, public_key, private_key_pem,"
	    " created) VALUES (1, ?1, ?2, ?3, ?4)",
	[ST_VERIFIER_GET] =
	    "SELECT key_id, public_key, private_key_pem, created"
	    " FROM verifier WHERE id = 1",
	[ST_ROOT_INSERT] =
	    "INSERT INTO roots (fingerprint, der, subject, source, added)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (fingerprint) DO NOTHING",
	[ST_ROOT_DELETE] = "DELETE FROM roots WHERE fingerprint = ?1",
	[ST_ROOT_LIST] =
	    "SELECT fingerprint, der, subject, source, added FROM roots"
	    " ORDER BY added, fingerprint",
	[ST_DEVICE_INSERT] =
	    "INSERT INTO devices (device_id, ek_cert, ek_public, ak_public,"
	    " ak_name, ak_parent, state, created, updated)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	[ST_DEVICE_UPDATE] =
	    "UPDATE devices SET ek_cert = ?2, ek_public = ?3, ak_public = ?4,"
	    " ak_name = ?5, ak_parent = ?6, state = ?7, updated = ?8"
	    " WHERE device_id = ?1",
	[ST_DEVICE_SET_STATE] =
	    "UPDATE devices SET state = ?2, updated = ?3 WHERE device_id = ?1",
	[ST_DEVICE_GET] =
	    "SELECT device_id, ek_cert, ek_public, ak_public, ak_name,"
	    " ak_parent, state, created, updated FROM devices"
	    " WHERE device_id = ?1",
	[ST_DEVICE_GET_BY_AK] =
	    "SELECT device_id, ek_cert, ek_public, ak_public, ak_name,"
	    " ak_parent, state, created, updated FROM devices"
	    " WHERE ak_name = ?1",
	[ST_DEVICE_LIST] =
	    "SELECT device_id, ek_cert, ek_public, ak_public, ak_name,"
	    " ak_parent, state, created, updated FROM devices"
	    " ORDER BY device_id",
	[ST_DEVICE_STATE] = "SELECT state FROM devices WHERE device_id = ?1",
	[ST_REFS_DELETE_PCRS] = "DELETE FROM ref_pcrs WHERE device_id = ?1",
	[ST_REFS_INSERT_PCR] =
	    "INSERT INTO ref_pcrs (device_id, bank, pcr, value)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_REFS_UPSERT] =
	    "INSERT INTO refs (device_id, ima_log_alg, ima_log, source_bundle,"
	    " updated) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (device_id) DO"
	    " UPDATE SET ima_log_alg = excluded.ima_log_alg,"
	    " ima_log = excluded.ima_log,"
	    " source_bundle = excluded.source_bundle,"
	    " updated = excluded.updated",
	[ST_REFS_GET] =
	    "SELECT ima_log_alg, ima_log, source_bundle, updated FROM refs"
	    " WHERE device_id = ?1",
	[ST_REFS_STAMP] =
	    "SELECT ima_log_alg IS NOT NULL, source_bundle, updated"
	    " FROM refs INDEXED BY refs_stamp WHERE device_id = ?1",
	[ST_REFS_GET_PCRS] =
	    "SELECT bank, pcr, value FROM ref_pcrs WHERE device_id = ?1"
	    " ORDER BY bank, pcr",
	/* seq: the issue order, one sequence for the whole store (the
	 * unique index makes max() one step). */
	[ST_CHALLENGE_INSERT] =
	    "INSERT INTO challenges (challenge_id, device_id, purpose, ak_name,"
	    " secret, pcr_selection, logs, issued, not_after, seq)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " coalesce((SELECT max(seq) FROM challenges), 0) + 1)",
	[ST_CHALLENGE_GET] =
	    "SELECT challenge_id, device_id, purpose, ak_name, secret,"
	    " pcr_selection, logs, issued, not_after, state, consumed_by,"
	    " consumed_at, seq FROM challenges WHERE challenge_id = ?1",
	/* The single-use decision: at most one UPDATE ever matches. */
	[ST_CHALLENGE_CONSUME] =
	    "UPDATE challenges SET state = 'consumed', consumed_by = ?4,"
	    " consumed_at = ?3 WHERE challenge_id = ?1 AND device_id = ?2"
	    " AND state = 'issued' AND not_after >= ?3",
	[ST_CHALLENGE_MARK_EXPIRED] =
	    "UPDATE challenges SET state = 'expired' WHERE challenge_id = ?1"
	    " AND state = 'issued' AND not_after < ?2",
	[ST_CHALLENGE_EXPIRE_ALL] =
	    "UPDATE challenges SET state = 'expired'"
	    " WHERE state = 'issued' AND not_after < ?1",
	/* The accepted states nearest to a challenge's seq ?2, either side. */
	[ST_STATE_BEFORE] =
	    "SELECT clock, reset_count, restart_count, safe, firmware_version,"
	    " accepted, bundle_sha256, seq FROM attest_states"
	    " WHERE device_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1",
	[ST_STATE_AFTER] =
	    "SELECT clock, reset_count, restart_count, safe, firmware_version,"
	    " accepted, bundle_sha256, seq FROM attest_states"
	    " WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT 1",
	[ST_STATE_UPSERT] =
	    "INSERT INTO attest_states (device_id, seq, clock, reset_count,"
	    " restart_count, safe, firmware_version, accepted, bundle_sha256)"
	    " VALUES (?1, ?9, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (device_id, seq)"
	    " DO UPDATE SET clock = excluded.clock,"
	    " reset_count = excluded.reset_count,"
	    " restart_count = excluded.restart_count, safe = excluded.safe,"
	    " firmware_version = excluded.firmware_version,"
	    " accepted = excluded.accepted,"
	    " bundle_sha256 = excluded.bundle_sha256",
	[ST_RESULT_INSERT] =
	    "INSERT INTO results (result_id, device_id, challenge_id,"
	    " input_name, bundle_sha256, verdict, checks, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_RESULT_SET_OUTCOME] =
	    "UPDATE results SET verdict = ?2, checks = ?3 WHERE result_id = ?1",
	/* Not a CHECK constraint: with trusted_schema off, the schema may
	 * only call innocuous functions, and json_valid() is not one. */
	[ST_JSON_ARRAY] =
	    "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'array'"
	    " ELSE 0 END",
	[ST_RESULT_FIND_BUNDLE] =
	    "SELECT result_id, verdict FROM results WHERE bundle_sha256 = ?1"
	    " ORDER BY rowid DESC LIMIT 1",
	/* reference sets, assignments, policies, IMA keys (store_refsets.c) */
	[ST_REFSET_INSERT] =
	    "INSERT INTO refsets (name, created, updated) VALUES (?1, ?2, ?2)"
	    " ON CONFLICT (name) DO NOTHING",
	[ST_REFSET_GET] =
	    "SELECT set_id, name, created, updated,"
	    " (SELECT count(*) FROM refset_entries e WHERE e.set_id = r.set_id),"
	    " (SELECT count(*) FROM device_refsets d WHERE d.set_id = r.set_id)"
	    " FROM refsets r WHERE name = ?1",
	[ST_REFSET_LIST] =
	    "SELECT set_id, name, created, updated,"
	    " (SELECT count(*) FROM refset_entries e WHERE e.set_id = r.set_id),"
	    " (SELECT count(*) FROM device_refsets d WHERE d.set_id = r.set_id)"
	    " FROM refsets r ORDER BY name",
	[ST_REFSET_DELETE] = "DELETE FROM refsets WHERE set_id = ?1",
	[ST_REFSET_TOUCH] =
	    "UPDATE refsets SET updated = max(created, ?2) WHERE set_id = ?1",
	[ST_REFSET_CLEAR_ENTRIES] =
	    "DELETE FROM refset_entries WHERE set_id = ?1",
	[ST_REFSET_CLEAR_SOURCES] =
	    "DELETE FROM refset_sources WHERE set_id = ?1",
	[ST_REFSET_PUT_SOURCE] =
	    "INSERT INTO refset_sources (set_id, source, text)"
	    " VALUES (?1, ?2, ?3)",
	[ST_REFSET_PUT_ENTRY] =
	    "INSERT INTO refset_entries (set_id, path, alg, digest, count,"
	    " source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_REFSET_SOURCES] =
	    "SELECT source, text FROM refset_sources WHERE set_id = ?1"
	    " ORDER BY source",
	[ST_REFSET_ENTRIES] =
	    "SELECT path, alg, digest, count, source FROM refset_entries"
	    " WHERE set_id = ?1 ORDER BY path, alg, digest",
	[ST_REFSET_ASSIGN] =
	    "INSERT INTO device_refsets (device_id, set_id, assigned)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
	[ST_REFSET_UNASSIGN] =
	    "DELETE FROM device_refsets WHERE device_id = ?1 AND set_id = ?2",
	[ST_DEVICE_REFSETS] =
	    "SELECT r.set_id, r.name, r.created, r.updated, 0, 0"
	    " FROM device_refsets d JOIN refsets r USING (set_id)"
	    " WHERE d.device_id = ?1 ORDER BY r.name",
	[ST_POLICY_CLEAR_DEVICE] =
	    "DELETE FROM ima_policies WHERE device_id = ?1",
	[ST_POLICY_CLEAR_SET] = "DELETE FROM ima_policies WHERE set_id = ?1",
	[ST_POLICY_INSERT] =
	    "INSERT INTO ima_policies (device_id, set_id, position, rule)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_POLICY_OF_DEVICE] =
	    "SELECT rule FROM ima_policies WHERE device_id = ?1"
	    " ORDER BY position",
	[ST_POLICY_OF_SET] =
	    "SELECT rule FROM ima_policies WHERE set_id = ?1 ORDER BY position",
	[ST_IMA_KEY_INSERT] =
	    "INSERT INTO ima_keys (fingerprint, data, source, added)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (fingerprint) DO NOTHING",
	[ST_IMA_KEY_DELETE] = "DELETE FROM ima_keys WHERE fingerprint = ?1",
	[ST_IMA_KEY_LIST] =
	    "SELECT fingerprint, data, source, added FROM ima_keys"
	    " ORDER BY added, fingerprint",
	/* ---- store_pcrref.c (pcrref branch) ---- */
	[ST_PCRREF_ORIGIN_PUT] =
	    "INSERT INTO ref_pcrs_origin (device_id, origin, source_bundle,"
	    " updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id) DO"
	    " UPDATE SET origin = excluded.origin,"
	    " source_bundle = excluded.source_bundle,"
	    " updated = excluded.updated",
	[ST_PCRREF_ORIGIN_GET] =
	    "SELECT origin, source_bundle, updated FROM ref_pcrs_origin"
	    " WHERE device_id = ?1",
	[ST_SETPCR_DELETE] = "DELETE FROM refset_pcrs WHERE set_id = ?1",
	[ST_SETPCR_INSERT] =
	    "INSERT INTO refset_pcrs (set_id, bank, pcr, value)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[ST_SETPCR_GET] =
	    "SELECT bank, pcr, value FROM refset_pcrs WHERE set_id = ?1"
	    " ORDER BY bank, pcr",
	[ST_SETPCR_SOURCE_PUT] =
	    "INSERT INTO refset_pcr_sources (set_id, source, updated)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (set_id) DO UPDATE SET"
	    " source = excluded.source, updated = excluded.updated",
	[ST_SETPCR_SOURCE_DELETE] =
	    "DELETE FROM refset_pcr_sources WHERE set_id = ?1",
	[ST_SETPCR_SOURCE_GET] =
	    "SELECT source, updated FROM refset_pcr_sources WHERE set_id = ?1",
	[ST_UEFI_REF_PUT] =
	    "INSERT INTO ref_uefi_logs (device_id, log, source_bundle, updated)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id) DO UPDATE SET"
	    " log = excluded.log, source_bundle = excluded.source_bundle,"
	    " updated = excluded.updated",
	[ST_UEFI_REF_DELETE] = "DELETE FROM ref_uefi_logs WHERE device_id = ?1",
	[ST_UEFI_REF_GET] =
	    "SELECT log, source_bundle, updated FROM ref_uefi_logs"
	    " WHERE device_id = ?1",
	/* ---- end of store_pcrref.c's statements ---- */
};

int
store_sqlerr(struct store *s, const char *what, struct errbuf *e)
{
	return err_set(e, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt id, const char *what,
    struct errbuf *e)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, store_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			store_sqlerr(s, what, e);
			return NULL;
		}
		s->stmt[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
    struct errbuf *e)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_sqlerr(s, what, e);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
store_delete_by_key(struct store *s, enum store_stmt id, const char *what,
    const uint8_t *key, size_t keylen, bool *removed, struct errbuf *e)
{
	sqlite3_stmt *st;

	*removed = false;
	if ((st = store_stmt(s, id, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, key, keylen, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		return -1;
	*removed = sqlite3_changes(s->db) == 1;
	return 0;
}

int
store_step_row(struct store *s, sqlite3_stmt *st, const char *what,
    struct errbuf *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	store_sqlerr(s, what, e);
	sqlite3_reset(st);
	return -1;
}

int
store_bind_blob(struct store *s, sqlite3_stmt *st, int i, const void *p,
    size_t n, const char *what, struct errbuf *e)
{
	static const uint8_t empty;

	if (n > INT32_MAX)
		return err_set(e, "%s: value of %zu bytes too large", what, n);
	if (p == NULL)
		p = &empty;
	if (sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	return 0;
}

int
store_bind_text(struct store *s, sqlite3_stmt *st, int i, const char *t,
    const char *what, struct errbuf *e)
{
	if (sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	return 0;
}

int
store_bind_int(struct store *s, sqlite3_stmt *st, int i, int64_t v,
    const char *what, struct errbuf *e)
{
	if (sqlite3_bind_int64(st, i, v) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	return 0;
}

int
store_bind_null(struct store *s, sqlite3_stmt *st, int i, const char *what,
    struct errbuf *e)
{
	if (sqlite3_bind_null(st, i) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	return 0;
}

int
store_col_blob(sqlite3_stmt *st, int i, void *buf, size_t cap, size_t *len,
    size_t exact, const char *what, struct errbuf *e)
{
	int type = sqlite3_column_type(st, i);
	const void *p;
	int n;

	if (type == SQLITE_NULL && exact == 0) {
		*len = 0;
		return 0;
	}
	if (type != SQLITE_BLOB)
		return err_set(e, "%s: corrupt store: column %s is not a blob",
		    what, sqlite3_column_name(st, i));
	p = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (n < 0 || (size_t)n > cap || (exact != 0 && (size_t)n != exact))
		return err_set(e, "%s: corrupt store: column %s has %d bytes",
		    what, sqlite3_column_name(st, i), n);
	if (n > 0)
		memcpy(buf, p, (size_t)n);
	if (len != NULL)
		*len = (size_t)n;
	return 0;
}

int
store_col_text(sqlite3_stmt *st, int i, char *buf, size_t cap,
    const char *what, struct errbuf *e)
{
	const unsigned char *t;
	int n;

	if (sqlite3_column_type(st, i) != SQLITE_TEXT)
		return err_set(e, "%s: corrupt store: column %s is not text",
		    what, sqlite3_column_name(st, i));
	t = sqlite3_column_text(st, i);
	n = sqlite3_column_bytes(st, i);
	if (t == NULL || n < 0 || (size_t)n >= cap ||
	    memchr(t, '\0', (size_t)n) != NULL)
		return err_set(e, "%s: corrupt store: column %s is too long",
		    what, sqlite3_column_name(st, i));
	memcpy(buf, t, (size_t)n + 1);
	return 0;
}

int
store_op_begin(struct store *s, const char *what, struct errbuf *e)
{
	sqlite3_stmt *st = store_stmt(s, ST_SAVEPOINT, what, e);

	if (st == NULL)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_op_end(struct store *s, int rc, struct errbuf *e)
{
	sqlite3_stmt *st;

	if (rc != 0) {
		/* Keep the first error; undo and close the savepoint. */
		if ((st = store_stmt(s, ST_ROLLBACK_TO, "undo", NULL)) != NULL)
			store_step_done(s, st, "undo", NULL);
		if ((st = store_stmt(s, ST_RELEASE, "undo", NULL)) != NULL)
			store_step_done(s, st, "undo", NULL);
		return rc;
	}
	if ((st = store_stmt(s, ST_RELEASE, "release savepoint", e)) == NULL)
		return -1;
	return store_step_done(s, st, "release savepoint", e);
}

/* ---- location ------------------------------------------------------------- */

static int
path_join(char *out, size_t outlen, const char *a, const char *b,
    struct errbuf *e)
{
	int n = snprintf(out, outlen, "%s%s", a, b);

	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "store path too long (%zu bytes, limit %zu)",
		    strlen(a) + strlen(b), outlen - 1);
	return 0;
}

int
store_default_path(char *out, size_t outlen, struct errbuf *e)
{
	const char *xdg, *home;

	if (geteuid() == 0)
		return path_join(out, outlen, STORE_ROOT_DEFAULT, "", e);
	xdg = getenv("XDG_DATA_HOME");
	if (xdg != NULL && xdg[0] == '/')
		return path_join(out, outlen, xdg, "/dossier/store.db", e);
	home = getenv("HOME");
	if (home == NULL || home[0] != '/')
		return err_set(e, "no default store path: HOME is not set to an "
		    "absolute path (use --store or %s)", STORE_ENV);
	return path_join(out, outlen, home, "/.local/share/dossier/store.db",
	    e);
}

int
store_resolve_path(const char *option, char *out, size_t outlen,
    struct errbuf *e)
{
	const char *env;

	if (option != NULL) {
		if (option[0] == '\0')
			return err_set(e, "--store: empty path");
		return path_join(out, outlen, option, "", e);
	}
	env = getenv(STORE_ENV);
	if (env != NULL && env[0] != '\0')
		return path_join(out, outlen, env, "", e);
	return store_default_path(out, outlen, e);
}

/* ---- open ----------------------------------------------------------------- */

/* mkdir -p of the directories above path, mode 0700 for new ones. */
static int
make_parents(const char *path, struct errbuf *e)
{
	char dir[STORE_PATH_MAX];
	char *p, c;

	if (strlen(path) >= sizeof(dir))
		return err_set(e, "path too long");
	strcpy(dir, path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return err_set(e, "cannot create directory %s: %s",
			    dir, strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/* Create path as an empty file, mode 0600. *created false if it existed
 * and mode allows that. */
static int
create_file(const char *path, enum store_mode mode, bool *created,
    struct errbuf *e)
{
	struct stat sb;
	int fd;

	*created = false;
	if (make_parents(path, e) == -1)
		return -1;
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST && mode == STORE_OPEN_OR_CREATE) {
			if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
				return err_set(e, "is a symbolic link: give "
				    "the store's own path");
			return 0;
		}
		if (errno == EEXIST)
			return err_set(e, "store already exists");
		return err_set(e, "cannot create store: %s", strerror(errno));
	}
	close(fd);
	*created = true;
	return 0;
}

static void
remove_created(const char *path)
{
	char side[STORE_PATH_MAX + 8];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static int
pragma_int(struct store *s, const char *sql, int64_t *v, const char *what,
    struct errbuf *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, what, e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else
		store_sqlerr(s, what, e);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
exec_sql(struct store *s, const char *sql, const char *what,
    struct errbuf *e)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "%s: %s", what,
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * Is this file ours? application_id is the mark; a fresh file (id 0, no
 * schema objects) is acceptable only when we may create.
 */
static int
identify(struct store *s, bool may_init, struct errbuf *e)
{
	int64_t app, objects;

	if (pragma_int(s, "PRAGMA application_id", &app,
	    "not a dossier store", e) == -1)
		return -1;
	if (app == STORE_APPLICATION_ID)
		return 0;
	if (app != 0)
		return err_set(e, "not a dossier store (SQLite application_id "
		    "0x%08llx, dossier uses 0x%08x)", (unsigned long long)
		    (uint32_t)app, STORE_APPLICATION_ID);
	if (pragma_int(s, "SELECT count(*) FROM sqlite_schema", &objects,
	    "not a dossier store", e) == -1)
		return -1;
	if (objects != 0)
		return err_set(e, "not a dossier store (a SQLite database of "
		    "another application)");
	if (!may_init)
		return err_set(e, "not a dossier store (empty database; "
		    "create one with dossier init)");
	return 0;
}

/* Connection options; no file I/O yet. */
static int
configure(struct store *s, struct errbuf *e)
{
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) !=
	    SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) !=
	    SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL) !=
	    SQLITE_OK)
		return store_sqlerr(s, "configure", e);
	return 0;
}

/* WAL (persistent in the file) and synchronous (per connection). */
static int
set_journal(struct store *s, struct errbuf *e)
{
	sqlite3_stmt *st;
	const char *mode;
	int ok;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, "set WAL mode", e);
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    (mode = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strcmp(mode, "wal") == 0;
	if (!ok)
		store_sqlerr(s, "set WAL mode", e);
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	/* FULL: a commit is on disk (WAL fsync'd) before store_commit()
	 * returns, so a reported verdict is never lost to a power cut. */
	return exec_sql(s, "PRAGMA synchronous = FULL", "set synchronous", e);
}

/* A read-only connection cannot migrate: the schema must be current. */
static int
check_current(struct store *s, struct errbuf *e)
{
	int64_t v;

	if (pragma_int(s, "PRAGMA user_version", &v, "read the schema version",
	    e) == -1)
		return -1;
	if (v != STORE_SCHEMA_VERSION)
		return err_set(e, "schema version %lld, not %d (open it for "
		    "writing first)", (long long)v, STORE_SCHEMA_VERSION);
	return 0;
}

int
store_open(const char *path, enum store_mode mode, struct store **out,
    struct errbuf *e)
{
	struct store *s;
	struct stat sb;
	bool created = false;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	    SQLITE_OPEN_EXRESCODE;

	*out = NULL;
	if (mode == STORE_READ_ONLY)
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW |
		    SQLITE_OPEN_EXRESCODE;
	if (mode == STORE_MUST_EXIST || mode == STORE_READ_ONLY) {
		if (lstat(path, &sb) == -1) {
			err_set(e, "%s%s", strerror(errno), errno == ENOENT ?
			    " (create the store with dossier init)" : "");
			return err_prefix(e, "%s", path);
		}
		if (S_ISLNK(sb.st_mode)) {
			err_set(e, "is a symbolic link: give the store's own "
			    "path");
			return err_prefix(e, "%s", path);
		}
	} else if (create_file(path, mode, &created, e) == -1)
		return err_prefix(e, "%s", path);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		err_set(e, "out of memory");
		s = NULL;
		goto fail;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		err_set(e, "open: %s", s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	if (configure(s, e) == -1 || identify(s, mode != STORE_MUST_EXIST &&
	    mode != STORE_READ_ONLY, e) == -1)
		goto fail;
	if (mode == STORE_READ_ONLY ? check_current(s, e) == -1 :
	    set_journal(s, e) == -1 || store_migrate(s, e) == -1)
		goto fail;
	*out = s;
	return 0;
fail:
	err_prefix(e, "%s", path);
	store_close(s);
	if (created)
		remove_created(path);
	return -1;
}

void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->in_run)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_schema_version(struct store *s, int *version, struct errbuf *e)
{
	int64_t v;

	if (pragma_int(s, "PRAGMA user_version", &v, "schema version",
	    e) == -1)
		return -1;
	*version = (int)v;
	return 0;
}

static int
migrate_locked(struct store *s, struct errbuf *e)
{
	char sql[64];
	int64_t v;

	if (pragma_int(s, "PRAGMA user_version", &v, "schema version",
	    e) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return err_set(e, "store schema version %lld is newer than "
		    "this dossier knows (%d): upgrade dossier", (long long)v,
		    STORE_SCHEMA_VERSION);
	if (v < 0)
		return err_set(e, "corrupt store: schema version %lld",
		    (long long)v);
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (exec_sql(s, store_migrations[v], "migrate schema", e) ==
		    -1)
			return err_prefix(e, "version %lld to %lld",
			    (long long)v, (long long)v + 1);
	}
	/* Integers from constants only: nothing here comes from data. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    STORE_SCHEMA_VERSION);
	if (exec_sql(s, sql, "set schema version", e) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    STORE_APPLICATION_ID);
	return exec_sql(s, sql, "set application id", e);
}

int
store_migrate(struct store *s, struct errbuf *e)
{
	int64_t v;

	if (pragma_int(s, "PRAGMA user_version", &v, "schema version",
	    e) == -1)
		return -1;
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (s->in_run)
		return err_set(e, "migrate: a run is open");
	if (exec_sql(s, "BEGIN IMMEDIATE", "migrate", e) == -1)
		return -1;
	if (migrate_locked(s, e) == -1) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec_sql(s, "COMMIT", "migrate: commit", e);
}

/* ---- runs ----------------------------------------------------------------- */

int
store_begin(struct store *s, struct errbuf *e)
{
	if (s->in_run)
		return err_set(e, "begin run: a run is already open");
	if (exec_sql(s, "BEGIN IMMEDIATE", "begin run", e) == -1)
		return -1;
	s->in_run = true;
	return 0;
}

int
store_commit(struct store *s, struct errbuf *e)
{
	if (!s->in_run)
		return err_set(e, "commit run: no run is open");
	if (exec_sql(s, "COMMIT", "commit run", e) == -1) {
		/* A deferred constraint (a challenge consumed by a result
		 * that was never added) leaves the transaction open. */
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_run = false;
		return -1;
	}
	s->in_run = false;
	return 0;
}

int
store_rollback(struct store *s, struct errbuf *e)
{
	if (!s->in_run)
		return 0;
	s->in_run = false;
	if (sqlite3_get_autocommit(s->db))
		return 0;	/* SQLite already rolled back */
	return exec_sql(s, "ROLLBACK", "roll back run", e);
}

bool
store_in_run(const struct store *s)
{
	return s->in_run;
}

int
store_set_cache(struct store *s, unsigned kib, struct errbuf *e)
{
	char sql[64];

	/* an integer from the caller, not from data; negative: KiB */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%u", kib);
	return exec_sql(s, sql, "set the page cache size", e);
}

int
store_new_id(uint8_t id[STORE_ID_LEN], struct errbuf *e)
{
	if (RAND_bytes(id, STORE_ID_LEN) != 1)
		return err_openssl(e, "random id");
	return 0;
}
