/*
 * store.h - the verifier's store: one SQLite 3 file (WAL mode) holding the
 * verifier's signing key, the trusted roots, the enrolled devices with
 * their EK/AK and reference values, the challenge ledger, the last
 * accepted attestation state of each device and the history of results.
 * The file format is documented in dossier-store(5).
 *
 * Location: store_resolve_path() applies the documented order (the
 * --store option, then $DOSSIER_STORE, then store_default_path()).
 *
 * Transactions: a verify run (or one batch window of it) is one
 * store_begin() ... store_commit() (BEGIN IMMEDIATE: the write lock is
 * taken at once, so two verifiers never judge against stale ledger state).
 * Anything done between begin and commit is lost as a whole if the process
 * dies or calls store_rollback(): an interrupted run leaves the store as it
 * was before the run. Functions that write several rows use a SAVEPOINT,
 * so each is atomic on its own outside a run as well.
 *
 * Single use of challenges is enforced by the ledger itself:
 * store_challenge_consume() is one UPDATE ... WHERE state = 'issued' whose
 * changed-row count decides, under the write lock. A challenge consumed by
 * a committed result stays consumed; one consumed inside a run that is
 * rolled back (or killed) is issued again.
 *
 * Error convention (format/err.h): 0 on success, -1 on failure with one
 * line in the errbuf naming the operation and carrying sqlite3_errmsg().
 * A record that is simply absent is not an error: lookups report it in a
 * bool *found; check refusals (unknown, expired, used challenge) come back
 * in an enum, never as -1. Every size is bounded by the STORE_*_MAX
 * constants below; longer input is refused, never truncated.
 *
 * Ownership: records are plain structs with fixed-size arrays, filled by
 * the getters into caller memory; the only heap buffer handed out is a
 * reference IMA log (store_refs_free()). Strings given to setters are
 * copied into the store. Times are seconds since the epoch, passed in by
 * the caller (the store never reads the clock, so tests can move time).
 *
 * Threads: a struct store is one SQLite connection; use it from one thread
 * at a time. Several processes may open the same file; writers queue on
 * the write lock for up to STORE_BUSY_TIMEOUT_MS.
 */
#ifndef DOSSIER_VERIFY_STORE_H
#define DOSSIER_VERIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/ekcert.h"
#include "format/err.h"
#include "format/hashalg.h"
#include "format/pcr_set.h"
#include "format/tpm_public.h"

#define STORE_SCHEMA_VERSION	9		/* PRAGMA user_version */
#define STORE_APPLICATION_ID	0x44535354	/* PRAGMA application_id, "DSST" */
#define STORE_ENV		"DOSSIER_STORE"	/* environment override */
#define STORE_ROOT_DEFAULT	"/var/lib/dossier/store.db"	/* euid 0 */
#define STORE_BUSY_TIMEOUT_MS	30000		/* wait for another writer */

#define STORE_PATH_MAX		4096
#define STORE_ID_LEN		16	/* challenge id, result id */
#define STORE_DEVICE_ID_LEN	32	/* SHA-256 of the EK certificate DER */
#define STORE_SHA256_LEN	32
#define STORE_SECRET_LEN	32	/* credential secret = quote nonce */
#define STORE_EK_CERT_MAX	EKCERT_DER_MAX
#define STORE_ROOT_DER_MAX	EKCERT_DER_MAX
#define STORE_PUBLIC_MAX	TPM_PUBLIC_MAX_BYTES	/* TPM2B_PUBLIC */
#define STORE_NAME_MAX		TPM_NAME_MAX_BYTES	/* TPM2B_NAME payload */
#define STORE_PCR_SELECTION_MAX	(4 + 16 * 7)	/* marshaled TPML_PCR_SELECTION */
#define STORE_LOGS_MAX		64	/* "ima,uefi": requested logs */
#define STORE_IMA_LOG_MAX	((size_t)512 << 20)	/* reference IMA log */
#define STORE_KEY_PEM_MAX	8192	/* verifier private key, PKCS#8 PEM */
#define STORE_SPKI_MAX		2048	/* verifier public key, DER SPKI */
#define STORE_TEXT_MAX		4096	/* input names, root sources */
#define STORE_SUBJECT_MAX	EKCERT_NAME_MAX	/* root subject, RFC 2253 */
#define STORE_CHECKS_JSON_MAX	((size_t)1 << 20)	/* one result's checks */

struct store;

/* ---- location --------------------------------------------------------- */

/*
 * The default store path: for euid 0 STORE_ROOT_DEFAULT; otherwise
 * $XDG_DATA_HOME/dossier/store.db when XDG_DATA_HOME is set to an absolute
 * path, else $HOME/.local/share/dossier/store.db. Fails if HOME is needed
 * and unset or not absolute, or the path does not fit in outlen bytes.
 */
int store_default_path(char *out, size_t outlen, struct errbuf *e);

/*
 * The path to use: option (the --store argument) if not NULL, else
 * $DOSSIER_STORE if set and not empty, else store_default_path().
 * An empty option is an error.
 */
int store_resolve_path(const char *option, char *out, size_t outlen,
    struct errbuf *e);

/* ---- open, close, schema ------------------------------------------------ */

enum store_mode {
	STORE_MUST_EXIST,	/* open an existing store (verify, challenge) */
	STORE_CREATE_NEW,	/* create; fail if the file exists (init) */
	STORE_OPEN_OR_CREATE,	/* either */
	STORE_READ_ONLY,	/* an existing store of the current schema,
				 * read only (a verify worker's connection) */
};

/*
 * Open (or create) the store at path and bring its schema up to
 * STORE_SCHEMA_VERSION with store_migrate(). A created file is mode 0600
 * and missing parent directories are made mode 0700. Refused with a clear
 * message: a file that is not SQLite, a SQLite file that is not a dossier
 * store (foreign application_id or tables), a store of a newer schema
 * version, a path that is a symbolic link. Sets WAL mode, synchronous=FULL, foreign keys, the busy
 * timeout, and SQLite's defensive mode. *out is NULL on failure.
 */
int store_open(const char *path, enum store_mode mode, struct store **out,
    struct errbuf *e);

/* Finalize every statement and close. A run still open is rolled back.
 * NULL is allowed. */
void store_close(struct store *s);

/* The path the store was opened with (owned by the store). */
const char *store_path(const struct store *s);

/* PRAGMA user_version of the open store. */
int store_schema_version(struct store *s, int *version, struct errbuf *e);

/*
 * Upgrade the schema from its current user_version to
 * STORE_SCHEMA_VERSION, one migration step per version, in one IMMEDIATE
 * transaction (all steps or none). Version 0 with no tables is a fresh
 * file. Called by store_open(); a no-op on a current store.
 */
int store_migrate(struct store *s, struct errbuf *e);

/* ---- run transactions --------------------------------------------------- */

/* BEGIN IMMEDIATE. Fails if a run is already open, or if another process
 * holds the write lock for longer than STORE_BUSY_TIMEOUT_MS. */
int store_begin(struct store *s, struct errbuf *e);

/* COMMIT: everything since store_begin() is durable when this returns 0.
 * On failure the run is rolled back. */
int store_commit(struct store *s, struct errbuf *e);

/* ROLLBACK: forget everything since store_begin(). A no-op without a run. */
int store_rollback(struct store *s, struct errbuf *e);

bool store_in_run(const struct store *s);

/*
 * Let this connection's page cache grow to kib KiB (SQLite's default is
 * 2000 KiB): a connection that writes many rows per run (dossier verify's
 * committer) otherwise spills dirty pages to the WAL before its commit
 * and reads the same ledger pages again and again. Memory is taken as
 * pages are used, up to the bound.
 */
int store_set_cache(struct store *s, unsigned kib, struct errbuf *e);

/* 16 random bytes (OpenSSL RAND_bytes) for a challenge or result id. */
int store_new_id(uint8_t id[STORE_ID_LEN], struct errbuf *e);

/* ---- verifier identity -------------------------------------------------- */

struct store_verifier {
	uint8_t key_id[STORE_SHA256_LEN];	/* SHA-256 of spki */
	uint8_t spki[STORE_SPKI_MAX];		/* SubjectPublicKeyInfo DER */
	size_t spki_len;
	char private_pem[STORE_KEY_PEM_MAX + 1];	/* PKCS#8 PEM, NUL-ended */
	int64_t created;
};

/*
 * Record the verifier's signing key, given as an unencrypted PEM private
 * key (any type OpenSSL reads); the store keeps it as PKCS#8 PEM with its
 * SPKI and key id. A store has one verifier key: a second call fails.
 */
int store_verifier_set(struct store *s, const char *pem, size_t len,
    int64_t now, struct errbuf *e);

/* The verifier record; *found false if none was set. Callers should
 * OPENSSL_cleanse() out->private_pem when done. */
int store_verifier_get(struct store *s, struct store_verifier *out,
    bool *found, struct errbuf *e);

/* The verifier's private key as an EVP_PKEY (caller frees). Fails if the
 * store has none. */
int store_verifier_key(struct store *s, EVP_PKEY **out, struct errbuf *e);

/* ---- trusted roots ------------------------------------------------------ */

struct store_root {
	uint8_t fingerprint[STORE_SHA256_LEN];	/* SHA-256 of der */
	const uint8_t *der;			/* borrowed, see foreach */
	size_t der_len;
	const char *subject;			/* RFC 2253 */
	const char *source;			/* file it was added from */
	int64_t added;
};

/*
 * Trust one DER certificate (it must decode as X.509, with nothing after
 * it). source says where it came from. *added is false if a certificate
 * with the same fingerprint was already trusted (the store is unchanged).
 */
int store_root_add(struct store *s, const uint8_t *der, size_t len,
    const char *source, int64_t now, bool *added, struct errbuf *e);

/* Forget a root; *removed false if it was not trusted. */
int store_root_remove(struct store *s,
    const uint8_t fingerprint[STORE_SHA256_LEN], bool *removed,
    struct errbuf *e);

/*
 * Call fn for every root, oldest first. The record's pointers are valid
 * only during the call. fn returns 0 to go on, -1 to stop (its message in
 * e is returned, prefixed). fn must not call store_root_foreach().
 */
typedef int (*store_root_fn)(const struct store_root *r, void *arg,
    struct errbuf *e);
int store_root_foreach(struct store *s, store_root_fn fn, void *arg,
    struct errbuf *e);

/* ---- devices ------------------------------------------------------------ */

enum store_device_state {
	STORE_DEVICE_PENDING,	/* enrolled, enrollment challenge unanswered */
	STORE_DEVICE_ENROLLED,	/* AK proven to live in the EK's TPM */
	STORE_DEVICE_REVOKED,	/* no new challenges, evidence refused */
};

const char *store_device_state_name(enum store_device_state st);

struct store_device {
	uint8_t id[STORE_DEVICE_ID_LEN];	/* SHA-256(ek_cert) */
	uint8_t ek_cert[STORE_EK_CERT_MAX];	/* DER */
	size_t ek_cert_len;
	uint8_t ek_public[STORE_PUBLIC_MAX];	/* TPM2B_PUBLIC */
	size_t ek_public_len;
	uint8_t ak_public[STORE_PUBLIC_MAX];	/* TPM2B_PUBLIC */
	size_t ak_public_len;
	uint8_t ak_name[STORE_NAME_MAX];	/* nameAlg || H(public) */
	size_t ak_name_len;
	/* AK location: ak_parent_len 0 = primary key in the endorsement
	 * hierarchy; otherwise the Name of its parent (the EK). */
	uint8_t ak_parent[STORE_NAME_MAX];
	size_t ak_parent_len;
	enum store_device_state state;
	int64_t created;
	int64_t updated;
};

/* SHA-256 of the EK certificate DER: the device id. */
int store_device_id(const uint8_t *ek_cert, size_t len,
    uint8_t id[STORE_DEVICE_ID_LEN], struct errbuf *e);

/*
 * Insert a new device. d->id must equal store_device_id(d->ek_cert);
 * created and updated are set to now. Fails if the device id or the AK
 * Name is already in the store.
 */
int store_device_add(struct store *s, const struct store_device *d,
    int64_t now, struct errbuf *e);

/* Replace the EK/AK fields and state of an existing device (re-enrollment);
 * updated = now. Fails for an unknown device. */
int store_device_update(struct store *s, const struct store_device *d,
    int64_t now, struct errbuf *e);

/* Change a device's state; fails for an unknown device. */
int store_device_set_state(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], enum store_device_state st,
    int64_t now, struct errbuf *e);

int store_device_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_device *out, bool *found, struct errbuf *e);

/* Only a device's state (one column: for a caller that has the rest). */
int store_device_get_state(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], enum store_device_state *state,
    bool *found, struct errbuf *e);

/* Look a device up by its AK Name (the manifest's kid). */
int store_device_get_by_ak_name(struct store *s, const uint8_t *name,
    size_t name_len, struct store_device *out, bool *found,
    struct errbuf *e);

/*
 * Call fn for every device whose state is in states (a bit mask of
 * 1u << enum store_device_state; 0 means all), in device id order. The
 * record is valid only during the call; fn returns 0 to go on, -1 to
 * stop. fn may issue challenges but must not call store_device_foreach().
 */
typedef int (*store_device_fn)(const struct store_device *d, void *arg,
    struct errbuf *e);
int store_device_foreach(struct store *s, unsigned states,
    store_device_fn fn, void *arg, struct errbuf *e);

/* ---- reference values --------------------------------------------------- */

struct store_refs {
	struct pcr_set pcrs;			/* reference PCR values */
	const struct hashalg *ima_log_alg;	/* NULL: no reference log */
	uint8_t *ima_log;			/* binary_runtime_measurements */
	size_t ima_log_len;
	uint8_t source_bundle[STORE_SHA256_LEN];	/* SHA-256 of the bundle */
	int64_t updated;
};

/*
 * Replace a device's references (all PCR rows and the log) atomically.
 * ima_log_alg names the template-hash algorithm of ima_log (the digest
 * column: "sha1" for binary_runtime_measurements, the bank's for a per-bank
 * list); ima_log may be NULL only when ima_log_alg is NULL. r->updated is
 * ignored: now is stored. Fails for an unknown device.
 */
int store_refs_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_refs *r, int64_t now, struct errbuf *e);

/* Read them; out->ima_log is malloc'd (NULL when none): store_refs_free(). */
int store_refs_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_refs *out, bool *found, struct errbuf *e);
void store_refs_free(struct store_refs *r);

/*
 * A device's reference IMA log read in place, without a copy: fn gets its
 * template-hash algorithm and bytes, valid only during the call, and must
 * not use s; fn's -1 is returned. *found false (fn not called) when the
 * device has no references or no log.
 */
typedef int (*store_refs_log_fn)(void *arg, const struct hashalg *alg,
    const uint8_t *log, size_t len, struct errbuf *e);
int store_refs_log(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    store_refs_log_fn fn, void *arg, bool *found, struct errbuf *e);

/*
 * What identifies the stored reference log of a device without reading it
 * (for caches of the set built from it): whether there is one, the
 * bundle it came from and when it was stored (a log is only ever stored
 * from a bundle, so these name its bytes). Read from an index alone, never
 * from the log's pages. *found false when the device has no references.
 */
struct store_refs_stamp {
	bool has_log;
	uint8_t source_bundle[STORE_SHA256_LEN];
	int64_t updated;
};
int store_refs_stamp(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_refs_stamp *out, bool *found, struct errbuf *e);

/* ---- challenges --------------------------------------------------------- */

enum store_challenge_purpose {
	STORE_CHALLENGE_ENROLLMENT,	/* answered: device becomes enrolled */
	STORE_CHALLENGE_ATTESTATION,
};

enum store_challenge_state {
	STORE_CHALLENGE_ISSUED,
	STORE_CHALLENGE_CONSUMED,
	STORE_CHALLENGE_EXPIRED,
};

struct store_challenge {
	uint8_t id[STORE_ID_LEN];
	uint8_t device_id[STORE_DEVICE_ID_LEN];
	enum store_challenge_purpose purpose;
	uint8_t ak_name[STORE_NAME_MAX];	/* AK the credential was made for */
	size_t ak_name_len;
	uint8_t secret[STORE_SECRET_LEN];	/* credential = quote nonce */
	uint8_t pcr_selection[STORE_PCR_SELECTION_MAX];	/* TPML_PCR_SELECTION */
	size_t pcr_selection_len;
	char logs[STORE_LOGS_MAX + 1];	/* "ima" or "ima,uefi"; may be "" */
	int64_t issued;
	int64_t not_after;		/* valid while now <= not_after */
	/* Filled by the getters, ignored by store_challenge_issue(). */
	enum store_challenge_state state;
	uint8_t consumed_by[STORE_ID_LEN];	/* result id, when consumed */
	int64_t consumed_at;
	/* Issue order: the store numbers its challenges 1, 2, ... as it
	 * issues them (schema 6; older ones by issue time). */
	int64_t seq;
};

const char *store_challenge_state_name(enum store_challenge_state st);

/*
 * Record an issued challenge (state issued). The caller made id and
 * secret (random) and the credential blob from them. Fails for an unknown
 * or revoked device, a duplicate id or secret, not_after <= issued, logs
 * other than comma-separated words of [a-z0-9-], a selection shorter than
 * its 4-byte count or longer than STORE_PCR_SELECTION_MAX.
 */
int store_challenge_issue(struct store *s, const struct store_challenge *c,
    struct errbuf *e);

int store_challenge_get(struct store *s, const uint8_t id[STORE_ID_LEN],
    struct store_challenge *out, bool *found, struct errbuf *e);

enum store_consume {
	STORE_CONSUME_OK,		/* consumed now by result_id */
	STORE_CONSUME_UNKNOWN,		/* no challenge with this id */
	STORE_CONSUME_OTHER_DEVICE,	/* issued to another device */
	STORE_CONSUME_EXPIRED,		/* now > not_after (or marked expired) */
	STORE_CONSUME_USED,		/* consumed before */
};

const char *store_consume_name(enum store_consume c);

/*
 * Consume challenge id for a bundle of device_id judged at time now, by
 * result result_id. Only inside a run (store_begin()). The result row
 * should be in the run already (store_result_add() first, its outcome set
 * after with store_result_set_outcome()): the reference is a deferred
 * foreign key checked at commit, which fails (and rolls the run back) if
 * no result with that id exists by then; a result added after the
 * consume is still correct, but its insert then reads every challenge
 * (schema 5 has no index on consumed_by). Exactly one caller can ever get
 * STORE_CONSUME_OK for a challenge, across processes. Refusals change
 * nothing except that an expired challenge is marked expired. out (may be
 * NULL) receives the challenge when it exists. A consume that succeeds is
 * one UPDATE; with out NULL nothing more is read then (for a caller that
 * read the challenge before: its issued fields never change).
 */
int store_challenge_consume(struct store *s, const uint8_t id[STORE_ID_LEN],
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t now,
    const uint8_t result_id[STORE_ID_LEN], enum store_consume *verdict,
    struct store_challenge *out, struct errbuf *e);

/* Mark every issued challenge with not_after < now expired; *count (may be
 * NULL) gets how many. */
int store_challenge_expire(struct store *s, int64_t now, unsigned *count,
    struct errbuf *e);

/* ---- accepted attestation states ------------------------------------------
 *
 * Each accepted bundle leaves the TPM state its quote showed, filed under
 * the issue order (seq) of the challenge it answered. A bundle is judged
 * against the accepted states nearest to its own challenge on either side
 * (verify/judge_quote.c), so a device's bundles may be judged in any
 * order: arrival order says nothing about when they were made.
 */

struct store_attest_state {
	uint64_t clock;			/* TPMS_CLOCK_INFO.clock, ms */
	uint32_t reset_count;
	uint32_t restart_count;
	bool safe;
	uint64_t firmware_version;
	int64_t accepted;		/* verifier time it was accepted */
	uint8_t bundle_sha256[STORE_SHA256_LEN];
	int64_t seq;			/* the answered challenge's seq */
};

/*
 * The device's accepted states nearest to seq: *before the one with the
 * greatest seq below it, *after the one with the least seq above it;
 * *has_before / *has_after say whether there is one. INT64_MAX as seq
 * gives the newest state as *before.
 */
int store_state_around(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    int64_t seq, struct store_attest_state *before, bool *has_before,
    struct store_attest_state *after, bool *has_after, struct errbuf *e);

/* The newest accepted state (greatest seq); *found false if none. */
int store_state_newest(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_attest_state *out, bool *found, struct errbuf *e);

/* Insert (or replace) the state of st->seq; fails for an unknown device. */
int store_state_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct store_attest_state *st, struct errbuf *e);

/* ---- results ------------------------------------------------------------ */

enum store_verdict {
	STORE_VERDICT_PASS,
	STORE_VERDICT_FAIL,
	STORE_VERDICT_ERROR,	/* unreadable input: no judgement possible */
};

const char *store_verdict_name(enum store_verdict v);

struct store_result {
	uint8_t id[STORE_ID_LEN];
	bool has_device;			/* false: unreadable input */
	uint8_t device_id[STORE_DEVICE_ID_LEN];	/* as the bundle claims it */
	bool has_challenge;
	uint8_t challenge_id[STORE_ID_LEN];	/* as the bundle claims it */
	const char *input_name;			/* file, archive/member, "-" */
	uint8_t bundle_sha256[STORE_SHA256_LEN];	/* of the bundle bytes */
	enum store_verdict verdict;
	const char *checks_json;	/* JSON array of the checks */
	int64_t created;
	/* checks_json is the "checks" array result_json_line() wrote
	 * (format/results.h): an array by construction, not parsed again */
	bool checks_serialized;
};

/* Append a result. checks_json must be a JSON array (checked with
 * SQLite's JSON parser unless checks_serialized); the result id must be
 * new. */
int store_result_add(struct store *s, const struct store_result *r,
    struct errbuf *e);

/*
 * Set the verdict and checks of result id, added before in this run: how
 * a judgement records its row before it consumes its challenge (which
 * must name an existing result, store_challenge_consume()) and its
 * outcome after. checks_json as for store_result_add(). Fails for an
 * unknown id.
 */
int store_result_set_outcome(struct store *s, const uint8_t id[STORE_ID_LEN],
    enum store_verdict verdict, const char *checks_json, bool serialized,
    struct errbuf *e);

/*
 * The newest result rowid (0 for none): results recorded later have
 * larger ones. A run takes it first, so that a resume lookup sees only
 * results committed before the run (store_result_find_before()).
 */
int store_results_last_rowid(struct store *s, int64_t *rowid,
    struct errbuf *e);

/*
 * A stored result: the row of store_result_add(). The strings are
 * malloc'd: store_result_record_free().
 */
struct store_result_record {
	struct store_result r;
	char *input_name;
	char *checks_json;
};

/*
 * The newest result of the bundle with this SHA-256 among the rows up to
 * max_rowid; *found false if none. Only this connection's view.
 */
int store_result_find_before(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], int64_t max_rowid,
    struct store_result_record *out, bool *found, struct errbuf *e);
void store_result_record_free(struct store_result_record *rec);

/*
 * Call fn for each stored result, oldest first (created, then rowid):
 * of device (NULL: every result that names a device) created in
 * [since, until]. fn returns 0 to go on, 1 to stop, -1 to fail; rec is
 * valid during the call only.
 */
typedef int (*store_result_fn)(void *arg,
    const struct store_result_record *rec, struct errbuf *e);
int store_results_foreach(struct store *s,
    const uint8_t *device, int64_t since, int64_t until,
    store_result_fn fn, void *arg, struct errbuf *e);

/*
 * The rowids of the results of the bundle with this SHA-256 above
 * after_rowid, newest first, at most cap of them into rowids (*n). Inside
 * a run (under the write lock) this sees every committed result, those of
 * other processes included: how a verifier finds that another judged the
 * same bundle meanwhile.
 */
int store_result_rowids_after(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], int64_t after_rowid,
    int64_t *rowids, size_t cap, size_t *n, struct errbuf *e);

/*
 * Call fn for each check of a stored checks_json array, in order (name,
 * outcome "ok"/"fail"/"skip", reason); uses SQLite's JSON functions.
 */
typedef int (*store_check_fn)(void *arg, const char *name,
    const char *outcome, const char *reason, struct errbuf *e);
int store_checks_foreach(struct store *s, const char *checks_json,
    store_check_fn fn, void *arg, struct errbuf *e);

/*
 * Has a bundle with this SHA-256 been judged? As this connection sees it:
 * committed results plus those of its open run. When found, the newest
 * result's id and verdict are returned (either pointer may be NULL). This
 * is how an interrupted batch is resumed without judging a bundle twice.
 */
int store_result_find_bundle(struct store *s,
    const uint8_t sha256[STORE_SHA256_LEN], bool *found,
    uint8_t result_id[STORE_ID_LEN], enum store_verdict *verdict,
    struct errbuf *e);

/* ---- reference sets, assignments, IMA policies, IMA keys (schema 2) ----
 *
 * A reference set is a named collection of (path, algorithm, digest,
 * count, source) rows with provenance texts (policy/ima_refset.h builds
 * and indexes them; verify/ima_refcache.h converts). A set is replaced as
 * a whole: clear it, put its sources and rows, touch it, all inside one
 * store_begin() ... store_commit() (or the caller's savepoint), so a
 * reader never sees half a set. Devices are assigned to any number of
 * sets. IMA policy rules (policy/ima_policy.h texts, at most
 * STORE_POLICY_RULES_MAX, kept in order) belong to a device or to a set.
 * Trusted IMA keys (certificates or public keys, as files) are one
 * store-wide keyring, keyed by the SHA-256 of the file's bytes.
 */

#define STORE_REFSET_NAME_MAX	64	/* as REFSET_NAME_MAX */
/* IMA rules, one pcrs rule and UEFI rules (verify/uefi_refs.h) */
#define STORE_POLICY_RULES_MAX	16
#define STORE_POLICY_RULE_MAX	8192	/* as IMA_POLICY_TEXT_MAX */
#define STORE_REFSET_SOURCE_MAX	512	/* as REFSET_SOURCE_MAX */
#define STORE_IMA_KEY_MAX	(256u * 1024)	/* as IMA_KEY_FILE_MAX */

struct store_refset {
	int64_t set_id;
	char name[STORE_REFSET_NAME_MAX + 1];
	int64_t created;
	int64_t updated;
	uint64_t entries;	/* rows (0 from store_device_refsets) */
	uint64_t devices;	/* assigned (0 from store_device_refsets) */
};

/* A new empty set; *created false (store unchanged) if the name exists.
 * Names: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
int store_refset_create(struct store *s, const char *name, int64_t now,
    bool *created, struct errbuf *e);
int store_refset_get(struct store *s, const char *name,
    struct store_refset *out, bool *found, struct errbuf *e);
/* Delete a set with its rows, assignments and policies. */
int store_refset_delete(struct store *s, int64_t set_id, struct errbuf *e);

typedef int (*store_refset_fn)(const struct store_refset *r, void *arg,
    struct errbuf *e);
/* Every set by name. fn must not call store_refset_foreach(). */
int store_refset_foreach(struct store *s, store_refset_fn fn, void *arg,
    struct errbuf *e);

/* One row of a set; pointers valid during a callback only. */
struct store_refset_row {
	const uint8_t *path;
	size_t path_len;
	const char *alg;	/* hash algorithm name, "sha256" */
	const uint8_t *digest;
	size_t digest_len;
	uint32_t count;
	uint32_t source;	/* index of a source text */
};

/* Replace a set: clear (rows and sources), put, touch (updated = now). */
int store_refset_clear(struct store *s, int64_t set_id, struct errbuf *e);
int store_refset_put_source(struct store *s, int64_t set_id, uint32_t index,
    const char *text, struct errbuf *e);
int store_refset_put_row(struct store *s, int64_t set_id,
    const struct store_refset_row *r, struct errbuf *e);
int store_refset_touch(struct store *s, int64_t set_id, int64_t now,
    struct errbuf *e);

typedef int (*store_source_fn)(uint32_t index, const char *text, void *arg,
    struct errbuf *e);
typedef int (*store_row_fn)(const struct store_refset_row *r, void *arg,
    struct errbuf *e);
/* A set's source texts by index, and its rows by (path, alg, digest). */
int store_refset_sources(struct store *s, int64_t set_id,
    store_source_fn fn, void *arg, struct errbuf *e);
int store_refset_rows(struct store *s, int64_t set_id, store_row_fn fn,
    void *arg, struct errbuf *e);

/* Assignments; *changed false when there was nothing to do. */
int store_refset_assign(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t set_id,
    int64_t now, bool *changed, struct errbuf *e);
int store_refset_unassign(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], int64_t set_id,
    bool *changed, struct errbuf *e);
/* The sets assigned to a device, by name. */
int store_device_refsets(struct store *s,
    const uint8_t device_id[STORE_DEVICE_ID_LEN], store_refset_fn fn,
    void *arg, struct errbuf *e);

/*
 * Set the policy rules of a device (device_id not NULL) or of a set
 * (device_id NULL, set_id): rules[0..n) in order replace the old ones;
 * n = 0 clears. The texts are stored as given (callers store canonical
 * texts, policy/ima_policy.h).
 */
int store_policy_set(struct store *s, const uint8_t *device_id,
    int64_t set_id, const char *const *rules, size_t n, struct errbuf *e);
typedef int (*store_text_fn)(const char *text, void *arg, struct errbuf *e);
int store_policy_foreach(struct store *s, const uint8_t *device_id,
    int64_t set_id, store_text_fn fn, void *arg, struct errbuf *e);

struct store_ima_key {
	uint8_t fingerprint[STORE_SHA256_LEN];	/* SHA-256 of data */
	const uint8_t *data;			/* the key file's bytes */
	size_t len;
	const char *source;
	int64_t added;
};

int store_ima_key_add(struct store *s, const uint8_t *data, size_t len,
    const char *source, int64_t now, bool *added, struct errbuf *e);
int store_ima_key_remove(struct store *s,
    const uint8_t fingerprint[STORE_SHA256_LEN], bool *removed,
    struct errbuf *e);
typedef int (*store_ima_key_fn)(const struct store_ima_key *k, void *arg,
    struct errbuf *e);
int store_ima_key_foreach(struct store *s, store_ima_key_fn fn, void *arg,
    struct errbuf *e);

#endif
