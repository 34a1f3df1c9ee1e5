/*
 * store_internal.h - shared by verify/store*.c only: the connection, the
 * cache of prepared statements (each SQL text is prepared once per
 * connection and reused) and small helpers that carry SQLite's messages up
 * with the operation named. Never included outside verify/store*.c.
 */
#ifndef DOSSIER_VERIFY_STORE_INTERNAL_H
#define DOSSIER_VERIFY_STORE_INTERNAL_H

#include <sqlite3.h>

#include "verify/store.h"

enum store_stmt {
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_VERIFIER_INSERT,
	ST_VERIFIER_GET,
	ST_ROOT_INSERT,
	ST_ROOT_DELETE,
	ST_ROOT_LIST,
	ST_DEVICE_INSERT,
	ST_DEVICE_UPDATE,
	ST_DEVICE_SET_STATE,
	ST_DEVICE_GET,
	ST_DEVICE_GET_BY_AK,
	ST_DEVICE_LIST,
	ST_DEVICE_STATE,
	ST_REFS_DELETE_PCRS,
	ST_REFS_INSERT_PCR,
	ST_REFS_UPSERT,
	ST_REFS_GET,
	ST_REFS_GET_PCRS,
	ST_REFS_STAMP,
	ST_CHALLENGE_INSERT,
	ST_CHALLENGE_GET,
	ST_CHALLENGE_CONSUME,
	ST_CHALLENGE_MARK_EXPIRED,
	ST_CHALLENGE_EXPIRE_ALL,
	ST_STATE_BEFORE,
	ST_STATE_AFTER,
	ST_STATE_UPSERT,
	ST_RESULT_INSERT,
	ST_RESULT_SET_OUTCOME,
	ST_JSON_ARRAY,
	ST_RESULT_FIND_BUNDLE,
	/* store_refsets.c */
	ST_REFSET_INSERT,
	ST_REFSET_GET,
	ST_REFSET_LIST,
	ST_REFSET_DELETE,
	ST_REFSET_TOUCH,
	ST_REFSET_CLEAR_ENTRIES,
	ST_REFSET_CLEAR_SOURCES,
	ST_REFSET_PUT_SOURCE,
	ST_REFSET_PUT_ENTRY,
	ST_REFSET_SOURCES,
	ST_REFSET_ENTRIES,
	ST_REFSET_ASSIGN,
	ST_REFSET_UNASSIGN,
	ST_DEVICE_REFSETS,
	ST_POLICY_CLEAR_DEVICE,
	ST_POLICY_CLEAR_SET,
	ST_POLICY_INSERT,
	ST_POLICY_OF_DEVICE,
	ST_POLICY_OF_SET,
	ST_IMA_KEY_INSERT,
	ST_IMA_KEY_DELETE,
	ST_IMA_KEY_LIST,
	/* store_pcrref.c (pcrref branch) */
	ST_PCRREF_ORIGIN_PUT,
	ST_PCRREF_ORIGIN_GET,
	ST_SETPCR_DELETE,
	ST_SETPCR_INSERT,
	ST_SETPCR_GET,
	ST_SETPCR_SOURCE_PUT,
	ST_SETPCR_SOURCE_DELETE,
	ST_SETPCR_SOURCE_GET,
	ST_UEFI_REF_PUT,
	ST_UEFI_REF_DELETE,
	ST_UEFI_REF_GET,
	ST_COUNT
};

/* store_schema.c: migration i takes a store from user_version i to i + 1.
 * A new version appends one entry; published entries are never edited. */
extern const char *const store_migrations[STORE_SCHEMA_VERSION];

struct store {
	sqlite3 *db;
	char *path;
	bool in_run;
	sqlite3_stmt *stmt[ST_COUNT];
};

/* The prepared statement for id, reset and with its bindings cleared;
 * NULL (with e set, naming what) if it cannot be prepared. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt id,
    const char *what, struct errbuf *e);

/* err_set(e, "what: <sqlite3_errmsg>"). Returns -1. */
int store_sqlerr(struct store *s, const char *what, struct errbuf *e);

/* Step a statement that returns no row; resets it. 0 or -1. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
    struct errbuf *e);

/* Step once: 1 a row is ready, 0 no (more) rows (statement reset), -1
 * error (statement reset). Reset it yourself after the last row used. */
int store_step_row(struct store *s, sqlite3_stmt *st, const char *what,
    struct errbuf *e);

/* Run statement id, a DELETE of one row by the blob key bound as ?1;
 * *removed says whether a row went. 0, or -1 (e names what). */
int store_delete_by_key(struct store *s, enum store_stmt id,
    const char *what, const uint8_t *key, size_t keylen, bool *removed,
    struct errbuf *e);

/* Bind helpers; a bind failure is reported as an error of what. */
int store_bind_blob(struct store *s, sqlite3_stmt *st, int i,
    const void *p, size_t n, const char *what, struct errbuf *e);
int store_bind_text(struct store *s, sqlite3_stmt *st, int i,
    const char *t, const char *what, struct errbuf *e);
int store_bind_int(struct store *s, sqlite3_stmt *st, int i, int64_t v,
    const char *what, struct errbuf *e);
int store_bind_null(struct store *s, sqlite3_stmt *st, int i,
    const char *what, struct errbuf *e);

/* Copy column i (a BLOB) into buf[cap]; a NULL column gives length 0; a
 * longer or non-blob value is reported as a corrupt store. exact, if not
 * 0, is the required length. */
int store_col_blob(sqlite3_stmt *st, int i, void *buf, size_t cap,
    size_t *len, size_t exact, const char *what, struct errbuf *e);

/* Copy column i (TEXT) into buf[cap] with its NUL. */
int store_col_text(sqlite3_stmt *st, int i, char *buf, size_t cap,
    const char *what, struct errbuf *e);

/* Atomic multi-statement operations: savepoint, then release (ok) or
 * roll back to it (failure). store_op_end returns rc. */
int store_op_begin(struct store *s, const char *what, struct errbuf *e);
int store_op_end(struct store *s, int rc, struct errbuf *e);

#endif
