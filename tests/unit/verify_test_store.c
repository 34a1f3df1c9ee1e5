/*
 * verify_test_store.c - the verifier's store (verify/store.h) on real
 * SQLite files: location, create/open and refusals, every table's
 * operations and constraints, single use of challenges, rollback, a run
 * killed with SIGKILL before its commit, resume after it, and two
 * processes racing for one challenge.
 *
 * Fixtures: testdata/ek (real EK and CA certificates), testdata/ima/charra
 * (a real IMA log); see the PROVENANCE.md files there.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "format/fileio.h"
#include "format/hashalg.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"
#include "tests/unit/check.h"

#define EK_RSA	"testdata/ek/leaf/keylime/infineon_optiga_rsa_ek_ca035.der"
#define EK_ECC	"testdata/ek/leaf/keylime/infineon_optiga_ecc_ek_ca035.der"
#define ROOT	"testdata/ek/ca/infineon-optiga/rsa-root-ca.crt"
#define IMA_LOG	"testdata/ima/charra/binary_runtime_measurements"

#define NOW	1700000000

static char tmpdir[256];
static struct store *s_for_callback;

static bool challenge_in_state(struct store *, const struct store_device *,
    uint8_t, enum store_challenge_state);
static bool bundle_judged(struct store *, uint8_t);

static const char *
tpath(const char *name)
{
	static char buf[4][512];
	static unsigned i;
	char *p = buf[i++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static struct store *
open_store(const char *path, enum store_mode mode)
{
	struct errbuf e = { "" };
	struct store *s;

	if (store_open(path, mode, &s, &e) == -1) {
		printf("# store_open %s: %s\n", path, e.msg);
		return NULL;
	}
	return s;
}

/* Open must fail and its message contain want. */
static int
open_fails(const char *path, enum store_mode mode, const char *want)
{
	struct errbuf e = { "" };
	struct store *s = NULL;
	int r = store_open(path, mode, &s, &e);

	printf("# %s: %s\n", path, e.msg);
	store_close(s);
	return r == -1 && s == NULL && strstr(e.msg, want) != NULL;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* Run one SQL statement on a raw connection; the first column of its
 * first row as an integer (or -1 on error). */
static long long
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		else if (rc == SQLITE_DONE)
			v = 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static void
make_device(struct store_device *d, const char *cert, uint8_t salt)
{
	uint8_t *der;
	size_t len;
	struct errbuf e;

	memset(d, 0, sizeof(*d));
	if (file_read(cert, STORE_EK_CERT_MAX, &der, &len, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(2);
	}
	memcpy(d->ek_cert, der, len);
	d->ek_cert_len = len;
	free(der);
	store_device_id(d->ek_cert, d->ek_cert_len, d->id, NULL);
	memset(d->ek_public, 0x10 + salt, 300);
	d->ek_public_len = 300;
	memset(d->ak_public, 0x20 + salt, 280);
	d->ak_public_len = 280;
	d->ak_name[0] = 0x00;
	d->ak_name[1] = 0x0b;
	memset(d->ak_name + 2, 0x30 + salt, 32);
	d->ak_name_len = 34;
	memcpy(d->ak_parent, d->ak_name, 34);
	d->ak_parent[2] ^= 0xff;
	d->ak_parent_len = 34;
	d->state = STORE_DEVICE_PENDING;
}

static void
make_challenge(struct store_challenge *c, const struct store_device *d,
    uint8_t n, int64_t issued, int64_t not_after)
{
	static const uint8_t sel[] = { 0, 0, 0, 1, 0x00, 0x0b, 3, 0xff, 0x04,
	    0x00 };

	memset(c, 0, sizeof(*c));
	memset(c->id, n, STORE_ID_LEN);
	memcpy(c->device_id, d->id, STORE_DEVICE_ID_LEN);
	c->purpose = STORE_CHALLENGE_ATTESTATION;
	memcpy(c->ak_name, d->ak_name, d->ak_name_len);
	c->ak_name_len = d->ak_name_len;
	memset(c->secret, 0x80 + n, STORE_SECRET_LEN);
	memcpy(c->pcr_selection, sel, sizeof(sel));
	c->pcr_selection_len = sizeof(sel);
	strcpy(c->logs, "ima,uefi");
	c->issued = issued;
	c->not_after = not_after;
}

static void
make_result(struct store_result *r, uint8_t n, const struct store_device *d,
    const struct store_challenge *c)
{
	memset(r, 0, sizeof(*r));
	memset(r->id, 0xa0 + n, STORE_ID_LEN);
	r->has_device = d != NULL;
	if (d != NULL)
		memcpy(r->device_id, d->id, STORE_DEVICE_ID_LEN);
	r->has_challenge = c != NULL;
	if (c != NULL)
		memcpy(r->challenge_id, c->id, STORE_ID_LEN);
	r->input_name = "spool/device.dossier";
	memset(r->bundle_sha256, 0xb0 + n, STORE_SHA256_LEN);
	r->verdict = STORE_VERDICT_PASS;
	r->checks_json = "[[\"quote.signature\",\"ok\",\"\"]]";
	r->created = NOW;
}

/* ---- location ------------------------------------------------------------- */

static void
check_path_env(const char *option, const char *env, const char *xdg,
    const char *home, int want_rc, const char *want, const char *name)
{
	char out[STORE_PATH_MAX];
	struct errbuf e = { "" };
	int rc;

	env ? setenv(STORE_ENV, env, 1) : unsetenv(STORE_ENV);
	xdg ? setenv("XDG_DATA_HOME", xdg, 1) : unsetenv("XDG_DATA_HOME");
	home ? setenv("HOME", home, 1) : unsetenv("HOME");
	rc = store_resolve_path(option, out, sizeof(out), &e);
	CHECK(rc == want_rc && (rc == -1 ? strstr(e.msg, want) != NULL :
	    strcmp(out, want) == 0), "path: %s (%s)", name,
	    rc == 0 ? out : e.msg);
}

static void
test_path_user(void)
{
	char longp[STORE_PATH_MAX + 10];

	check_path_env("/x/s.db", "/env/s.db", "/xdg", "/home/u", 0,
	    "/x/s.db", "option wins");
	check_path_env(NULL, "/env/s.db", "/xdg", "/home/u", 0, "/env/s.db",
	    "DOSSIER_STORE next");
	check_path_env(NULL, "", "/xdg", "/home/u", 0,
	    "/xdg/dossier/store.db", "empty DOSSIER_STORE ignored, XDG");
	check_path_env(NULL, NULL, "rel/xdg", "/home/u", 0,
	    "/home/u/.local/share/dossier/store.db",
	    "relative XDG_DATA_HOME ignored");
	check_path_env(NULL, NULL, NULL, NULL, -1, "HOME",
	    "no HOME: error");
	check_path_env("", NULL, NULL, "/home/u", -1, "empty",
	    "empty --store: error");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	check_path_env(longp, NULL, NULL, "/home/u", -1, "too long",
	    "overlong path: error");
}

static void
test_path(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		test_path_user();
		return;
	}
	check_path_env(NULL, NULL, "/xdg", "/root", 0, STORE_ROOT_DEFAULT,
	    "root: default is " STORE_ROOT_DEFAULT);
	/* The per-user rules, as an unprivileged user. */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (setuid(65534) == -1)
			_exit(3);
		test_path_user();
		fflush(stdout);
		_exit(check_failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "path: per-user rules as uid 65534");
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		check_failures++;
}

/* ---- open, refusals ------------------------------------------------------- */

static void
test_open(void)
{
	char path[512];
	struct errbuf e = { "" };
	struct stat sb;
	struct store *s;
	int v = 0;
	static const char junk[] = "this is not an SQLite database, only text "
	    "that is long enough to look like a file header.......\n";

	snprintf(path, sizeof(path), "%s", tpath("a/b/store.db"));
	CHECK(open_fails(path, STORE_MUST_EXIST, "dossier init"),
	    "open: a missing store is refused, naming dossier init");
	s = open_store(path, STORE_CREATE_NEW);
	CHECK(s != NULL, "open: create a new store in missing directories");
	CHECK(s != NULL && store_schema_version(s, &v, &e) == 0 &&
	    v == STORE_SCHEMA_VERSION, "open: schema version %d", v);
	CHECK(s != NULL && strcmp(store_path(s), path) == 0,
	    "open: store_path");
	store_close(s);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "open: store file is mode 0600");
	CHECK(stat(tpath("a/b"), &sb) == 0 && (sb.st_mode & 0777) == 0700,
	    "open: created directory is mode 0700");
	CHECK(raw_sql(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	    "open: user_version on disk");
	CHECK(raw_sql(path, "PRAGMA application_id") == STORE_APPLICATION_ID,
	    "open: application_id on disk");
	CHECK(raw_sql(path, "SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode") == 1, "open: WAL mode is persistent");
	CHECK(raw_sql(path, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'table'") == 19, "open: nineteen tables (schema 7: "
	    "fourteen, and the four of the PCR references; schema 9: "
	    "device_names)");
	CHECK(open_fails(path, STORE_CREATE_NEW, "already exists"),
	    "open: create-only refuses an existing store");
	s = open_store(path, STORE_MUST_EXIST);
	CHECK(s != NULL, "open: existing store with must-exist");
	store_close(s);
	s = open_store(path, STORE_OPEN_OR_CREATE);
	CHECK(s != NULL, "open: existing store with open-or-create");
	store_close(s);

	write_file(tpath("junk.db"), junk, sizeof(junk) - 1);
	CHECK(open_fails(tpath("junk.db"), STORE_MUST_EXIST,
	    "not a dossier store"), "open: a text file is refused clearly");
	CHECK(open_fails(tpath("junk.db"), STORE_OPEN_OR_CREATE,
	    "not a database"), "open: not a database, even open-or-create");
	CHECK(stat(tpath("junk.db"), &sb) == 0 &&
	    (size_t)sb.st_size == sizeof(junk) - 1,
	    "open: the foreign file is left untouched");

	raw_sql(tpath("other.db"), "CREATE TABLE t (x)");
	CHECK(open_fails(tpath("other.db"), STORE_OPEN_OR_CREATE,
	    "another application"), "open: a foreign SQLite file is refused");
	raw_sql(tpath("appid.db"), "PRAGMA application_id = 1234");
	CHECK(open_fails(tpath("appid.db"), STORE_MUST_EXIST,
	    "application_id"), "open: a foreign application_id is refused");

	write_file(tpath("empty.db"), "", 0);
	CHECK(open_fails(tpath("empty.db"), STORE_MUST_EXIST,
	    "empty database"), "open: an empty file is not a store");
	s = open_store(tpath("empty.db"), STORE_OPEN_OR_CREATE);
	CHECK(s != NULL, "open: open-or-create initializes an empty file");
	store_close(s);

	CHECK(symlink(path, tpath("link.db")) == 0 &&
	    open_fails(tpath("link.db"), STORE_MUST_EXIST, "symbolic link"),
	    "open: a symbolic link is not followed");
	CHECK(open_fails(tpath("link.db"), STORE_OPEN_OR_CREATE,
	    "symbolic link"), "open: nor when creating");

	raw_sql(path, "PRAGMA user_version = 99");
	CHECK(open_fails(path, STORE_MUST_EXIST, "schema version 99 is newer"),
	    "open: a newer schema version is refused");
	CHECK(raw_sql(path, "PRAGMA user_version") == 99,
	    "open: the newer store is left untouched");
}

/* ---- verifier key --------------------------------------------------------- */

static void
test_verifier(struct store *s)
{
	struct store_verifier *v = malloc(sizeof(*v));
	struct errbuf e = { "" };
	uint8_t spki[STORE_SPKI_MAX], *p = spki, kid[32];
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *back = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	int spki_len;
	bool found = true;

	CHECK(store_verifier_get(s, v, &found, &e) == 0 && !found,
	    "verifier: none in a new store");
	CHECK(store_verifier_key(s, &back, &e) == -1 &&
	    strstr(e.msg, "dossier init") != NULL,
	    "verifier: loading the missing key names dossier init");
	PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &pem);
	CHECK(store_verifier_set(s, "garbage", 7, NOW, &e) == -1,
	    "verifier: garbage PEM refused (%s)", e.msg);
	CHECK(store_verifier_set(s, pem, (size_t)n, NOW, &e) == 0,
	    "verifier: set an EC P-256 key");
	CHECK(store_verifier_set(s, pem, (size_t)n, NOW, &e) == -1 &&
	    strstr(e.msg, "already has") != NULL,
	    "verifier: a second key is refused (%s)", e.msg);
	spki_len = i2d_PUBKEY(key, &p);
	hashalg_digest(hashalg_by_name("sha256"), spki, (size_t)spki_len, kid);
	CHECK(store_verifier_get(s, v, &found, &e) == 0 && found &&
	    v->spki_len == (size_t)spki_len &&
	    memcmp(v->spki, spki, v->spki_len) == 0 &&
	    memcmp(v->key_id, kid, 32) == 0 && v->created == NOW &&
	    strncmp(v->private_pem, "-----BEGIN PRIVATE KEY-----", 27) == 0,
	    "verifier: SPKI, key id = SHA-256(SPKI), PKCS#8 PEM");
	CHECK(store_verifier_key(s, &back, &e) == 0 &&
	    EVP_PKEY_eq(back, key) == 1, "verifier: key loads back equal");
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
	BIO_free(bio);
	free(v);
}

/* ---- roots ---------------------------------------------------------------- */

struct root_seen {
	unsigned n;
	bool infineon;
};

static int
count_root(const struct store_root *r, void *arg, struct errbuf *e)
{
	struct root_seen *seen = arg;

	(void)e;
	seen->n++;
	if (strstr(r->subject, "Infineon OPTIGA(TM) RSA Root CA") != NULL &&
	    strcmp(r->source, ROOT) == 0 && r->der_len > 500)
		seen->infineon = true;
	return 0;
}

static int
stop_root(const struct store_root *r, void *arg, struct errbuf *e)
{
	(void)r;
	(void)arg;
	return err_set(e, "stop here");
}

static void
test_roots(struct store *s)
{
	struct errbuf e = { "" };
	struct root_seen seen = { 0 };
	uint8_t *der, fp[32];
	size_t len;
	bool added = false, removed = false;

	file_read(ROOT, STORE_ROOT_DER_MAX, &der, &len, NULL);
	CHECK(store_root_add(s, der, len, ROOT, NOW, &added, &e) == 0 &&
	    added, "roots: add the Infineon RSA root");
	CHECK(store_root_add(s, der, len, "again", NOW, &added, &e) == 0 &&
	    !added, "roots: the same fingerprint again is not added twice");
	CHECK(store_root_foreach(s, count_root, &seen, &e) == 0 &&
	    seen.n == 1 && seen.infineon,
	    "roots: one root listed, subject and source kept");
	CHECK(store_root_foreach(s, stop_root, NULL, &e) == -1 &&
	    strstr(e.msg, "stop here") != NULL,
	    "roots: a callback error stops the walk");
	CHECK(store_root_add(s, der, len - 1, "cut", NOW, &added, &e) == -1,
	    "roots: a truncated certificate is refused (%s)", e.msg);
	der = realloc(der, len + 1);
	der[len] = 0;
	CHECK(store_root_add(s, der, len + 1, "tail", NOW, &added, &e) == -1 &&
	    strstr(e.msg, "after the certificate") != NULL,
	    "roots: trailing bytes are refused (%s)", e.msg);
	hashalg_digest(hashalg_by_name("sha256"), der, len, fp);
	CHECK(store_root_remove(s, fp, &removed, &e) == 0 && removed,
	    "roots: remove by fingerprint");
	seen.n = 0;
	store_root_foreach(s, count_root, &seen, &e);
	CHECK(seen.n == 0, "roots: none left");
	CHECK(store_root_remove(s, fp, &removed, &e) == 0 && !removed,
	    "roots: removing again reports nothing removed");
	CHECK(store_root_add(s, der, len, ROOT, NOW, &added, &e) == 0 &&
	    added, "roots: add it back");
	free(der);
}

/* ---- devices -------------------------------------------------------------- */

static int
count_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	(void)d;
	(void)e;
	(*(unsigned *)arg)++;
	return 0;
}

static void
test_devices(struct store *s, struct store_device *d1,
    struct store_device *d2)
{
	struct store_device *got = malloc(sizeof(*got)), *bad;
	struct errbuf e = { "" };
	bool found = true;
	unsigned n;

	make_device(d1, EK_RSA, 1);
	make_device(d2, EK_ECC, 2);
	CHECK(store_device_get(s, d1->id, got, &found, &e) == 0 && !found,
	    "devices: unknown device is not found");
	CHECK(store_device_add(s, d1, NOW, &e) == 0, "devices: add RSA device");
	CHECK(store_device_add(s, d1, NOW, &e) == -1 &&
	    strstr(e.msg, "already in the store") != NULL,
	    "devices: duplicate device id refused (%s)", e.msg);
	bad = malloc(sizeof(*bad));
	*bad = *d2;
	memcpy(bad->ak_name, d1->ak_name, d1->ak_name_len);
	CHECK(store_device_add(s, bad, NOW, &e) == -1 &&
	    strstr(e.msg, "AK is already enrolled") != NULL,
	    "devices: an AK Name of another device refused (%s)", e.msg);
	*bad = *d2;
	bad->id[0] ^= 1;
	CHECK(store_device_add(s, bad, NOW, &e) == -1 &&
	    strstr(e.msg, "SHA-256 of its EK") != NULL,
	    "devices: id not matching the EK certificate refused");
	CHECK(store_device_update(s, d2, NOW, &e) == -1 &&
	    strstr(e.msg, "unknown device") != NULL,
	    "devices: update of an unknown device refused (%s)", e.msg);
	CHECK(store_device_add(s, d2, NOW, &e) == 0, "devices: add ECC device");

	CHECK(store_device_get(s, d1->id, got, &found, &e) == 0 && found &&
	    got->ek_cert_len == d1->ek_cert_len &&
	    memcmp(got->ek_cert, d1->ek_cert, d1->ek_cert_len) == 0 &&
	    got->ek_public_len == 300 && got->ak_public_len == 280 &&
	    memcmp(got->ak_public, d1->ak_public, 280) == 0 &&
	    got->ak_parent_len == 34 &&
	    memcmp(got->ak_parent, d1->ak_parent, 34) == 0 &&
	    got->state == STORE_DEVICE_PENDING && got->created == NOW,
	    "devices: read back every field");
	CHECK(store_device_get_by_ak_name(s, d2->ak_name, d2->ak_name_len,
	    got, &found, &e) == 0 && found &&
	    memcmp(got->id, d2->id, 32) == 0, "devices: find by AK Name");

	CHECK(store_device_set_state(s, d1->id, STORE_DEVICE_ENROLLED, NOW + 5,
	    &e) == 0, "devices: pending -> enrolled");
	*bad = *d2;
	bad->ak_parent_len = 0;		/* AK now a primary key */
	bad->ak_public[0] = 0x99;
	CHECK(store_device_update(s, bad, NOW + 6, &e) == 0 &&
	    store_device_get(s, d2->id, got, &found, &e) == 0 && found &&
	    got->ak_parent_len == 0 && got->ak_public[0] == 0x99 &&
	    got->updated == NOW + 6 && got->created == NOW,
	    "devices: re-enrollment replaces the AK, keeps created");
	CHECK(store_device_update(s, d2, NOW + 7, &e) == 0,
	    "devices: update back");
	memset(bad->id, 0x55, 32);
	CHECK(store_device_set_state(s, bad->id, STORE_DEVICE_REVOKED, NOW,
	    &e) == -1 && strstr(e.msg, "unknown device") != NULL,
	    "devices: set state of an unknown device refused");
	n = 0;
	CHECK(store_device_foreach(s, 0, count_device, &n, &e) == 0 && n == 2,
	    "devices: two listed");
	n = 0;
	CHECK(store_device_foreach(s, 1u << STORE_DEVICE_ENROLLED,
	    count_device, &n, &e) == 0 && n == 1,
	    "devices: one enrolled");
	free(bad);
	free(got);
}

/* ---- references ------------------------------------------------------------ */

static void
test_refs(struct store *s, const struct store_device *d)
{
	const struct hashalg *sha1 = hashalg_by_name("sha1");
	const struct hashalg *sha256 = hashalg_by_name("sha256");
	struct store_refs *r = calloc(1, sizeof(*r));
	struct store_refs *got = calloc(1, sizeof(*got));
	struct errbuf e = { "" };
	uint8_t v[64], unknown[32];
	bool found = true;

	memset(v, 0x42, sizeof(v));
	pcr_set_init(&r->pcrs);
	pcr_set_put(&r->pcrs, sha256, 0, v, NULL);
	pcr_set_put(&r->pcrs, sha256, 10, v, NULL);
	pcr_set_put(&r->pcrs, sha1, 10, v, NULL);
	file_read(IMA_LOG, STORE_IMA_LOG_MAX, &r->ima_log, &r->ima_log_len,
	    NULL);
	r->ima_log_alg = sha1;
	memset(r->source_bundle, 0x77, 32);
	memset(unknown, 0x66, sizeof(unknown));

	CHECK(store_refs_get(s, d->id, got, &found, &e) == 0 && !found,
	    "refs: none yet");
	CHECK(store_refs_set(s, unknown, r, NOW, &e) == -1 &&
	    strstr(e.msg, "unknown device") != NULL,
	    "refs: unknown device refused");
	CHECK(store_refs_set(s, d->id, r, NOW, &e) == 0,
	    "refs: set 3 PCRs and the charra IMA log");
	CHECK(store_refs_get(s, d->id, got, &found, &e) == 0 && found &&
	    got->ima_log_len == r->ima_log_len && got->ima_log_len > 200000 &&
	    memcmp(got->ima_log, r->ima_log, r->ima_log_len) == 0 &&
	    got->ima_log_alg == sha1 && got->pcrs.nbanks == 2 &&
	    pcr_set_get(&got->pcrs, sha256, 10) != NULL &&
	    memcmp(pcr_set_get(&got->pcrs, sha256, 10), v, 32) == 0 &&
	    pcr_set_get(&got->pcrs, sha1, 10) != NULL &&
	    pcr_set_get(&got->pcrs, sha1, 0) == NULL &&
	    memcmp(got->source_bundle, r->source_bundle, 32) == 0,
	    "refs: read back the log, PCRs and source bundle");
	store_refs_free(got);

	/* Replace: fewer PCRs, no log. */
	free(r->ima_log);
	r->ima_log = NULL;
	r->ima_log_len = 0;
	r->ima_log_alg = NULL;
	pcr_set_init(&r->pcrs);
	pcr_set_put(&r->pcrs, sha256, 7, v, NULL);
	CHECK(store_refs_set(s, d->id, r, NOW + 1, &e) == 0 &&
	    store_refs_get(s, d->id, got, &found, &e) == 0 && found &&
	    got->ima_log == NULL && got->ima_log_alg == NULL &&
	    got->pcrs.nbanks == 1 &&
	    pcr_set_get(&got->pcrs, sha256, 7) != NULL &&
	    pcr_set_get(&got->pcrs, sha256, 10) == NULL &&
	    got->updated == NOW + 1,
	    "refs: a second set replaces every row");
	store_refs_free(got);
	r->ima_log_alg = sha1;
	CHECK(store_refs_set(s, d->id, r, NOW + 2, &e) == -1,
	    "refs: an algorithm without a log refused (%s)", e.msg);
	CHECK(store_refs_get(s, d->id, got, &found, &e) == 0 && found &&
	    got->updated == NOW + 1 && got->pcrs.nbanks == 1,
	    "refs: the refused set changed nothing");
	store_refs_free(got);
	free(got);
	free(r);
}

/* ---- PCR references (store_pcrref.h) ----------------------------------------- */

static void
test_pcrref(struct store *s, const struct store_device *d)
{
	const struct hashalg *sha256 = hashalg_by_name("sha256");
	struct store_pcr_ref *got = calloc(1, sizeof(*got));
	struct pcr_set *p = calloc(1, sizeof(*p));
	char source[STORE_PCR_SOURCE_MAX + 1];
	struct store_refset rs;
	struct errbuf e = { "" };
	uint8_t v[64], src[32], unknown[32], *log = NULL, lsrc[32];
	static const uint8_t uefi[] = "\x03\0\0\0 a firmware event log";
	int64_t updated;
	size_t len;
	bool found, created;

	memset(v, 0x24, sizeof(v));
	memset(src, 0x31, sizeof(src));
	memset(unknown, 0x66, sizeof(unknown));
	/* test_refs left one sha256 PCR 7 row, with no origin row */
	CHECK(store_pcr_ref_get(s, d->id, got, &found, &e) == 0 && found &&
	    !got->has_origin && pcr_set_get(&got->pcrs, sha256, 7) != NULL,
	    "pcrref: values without an origin");
	CHECK(store_pcr_ref_get(s, unknown, got, &found, &e) == 0 && !found,
	    "pcrref: an unknown device has none");
	CHECK(store_pcr_ref_mark(s, d->id, STORE_PCRS_ENROLLMENT, src, NOW,
	    &e) == 0 && store_pcr_ref_get(s, d->id, got, &found, &e) == 0 &&
	    found && got->has_origin && got->origin == STORE_PCRS_ENROLLMENT &&
	    got->updated == NOW && memcmp(got->source_bundle, src, 32) == 0,
	    "pcrref: marked as from the enrollment");
	pcr_set_init(p);
	pcr_set_put(p, sha256, 4, v, NULL);
	pcr_set_put(p, sha256, 5, v, NULL);
	memset(src, 0x32, sizeof(src));
	CHECK(store_pcr_ref_set(s, d->id, p, STORE_PCRS_UPDATE, src, NOW + 5,
	    &e) == 0 && store_pcr_ref_get(s, d->id, got, &found, &e) == 0 &&
	    found && got->origin == STORE_PCRS_UPDATE &&
	    got->updated == NOW + 5 && src[0] == got->source_bundle[0] &&
	    pcr_set_get(&got->pcrs, sha256, 7) == NULL &&
	    pcr_set_get(&got->pcrs, sha256, 4) != NULL &&
	    memcmp(pcr_set_get(&got->pcrs, sha256, 5), v, 32) == 0,
	    "pcrref: an update replaces every value and the origin");
	pcr_set_init(p);
	CHECK(store_pcr_ref_set(s, d->id, p, STORE_PCRS_UPDATE, src, NOW + 6,
	    &e) == -1 && strstr(e.msg, "no PCR values") != NULL &&
	    store_pcr_ref_get(s, d->id, got, &found, &e) == 0 &&
	    got->updated == NOW + 5 && pcr_set_get(&got->pcrs, sha256, 4)
	    != NULL, "pcrref: an empty set refused, nothing changed");

	/* golden values of a set */
	CHECK(store_refset_create(s, "golden-pcrs", NOW, &created, &e) == 0 &&
	    store_refset_get(s, "golden-pcrs", &rs, &found, &e) == 0 && found,
	    "pcrref: a set for golden values");
	CHECK(store_refset_pcrs_get(s, rs.set_id, p, source, &updated, &found,
	    &e) == 0 && !found, "pcrref: a new set has no golden values");
	pcr_set_put(p, sha256, 0, v, NULL);
	CHECK(store_refset_pcrs_set(s, rs.set_id, p, "", NOW, &e) == -1,
	    "pcrref: golden values need a source");
	CHECK(store_refset_pcrs_set(s, rs.set_id, p, "pcrs golden.txt", NOW + 1,
	    &e) == 0 && store_refset_pcrs_get(s, rs.set_id, p, source,
	    &updated, &found, &e) == 0 && found && updated == NOW + 1 &&
	    strcmp(source, "pcrs golden.txt") == 0 &&
	    pcr_set_get(p, sha256, 0) != NULL, "pcrref: golden values read "
	    "back with their source");
	CHECK(store_refset_pcrs_set(s, rs.set_id, NULL, NULL, NOW, &e) == 0 &&
	    store_refset_pcrs_get(s, rs.set_id, p, source, &updated, &found,
	    &e) == 0 && !found, "pcrref: golden values cleared");
	pcr_set_put(p, sha256, 0, v, NULL);
	CHECK(store_refset_pcrs_set(s, rs.set_id, p, "again", NOW, &e) == 0 &&
	    store_refset_delete(s, rs.set_id, &e) == 0 &&
	    store_refset_pcrs_get(s, rs.set_id, p, source, &updated, &found,
	    &e) == 0 && !found, "pcrref: a deleted set takes its golden "
	    "values along");

	/* the reference UEFI log */
	memset(lsrc, 0, sizeof(lsrc));
	CHECK(store_uefi_ref_get(s, d->id, &log, &len, lsrc, &updated, &found,
	    &e) == 0 && !found && log == NULL, "pcrref: no UEFI log yet");
	CHECK(store_uefi_ref_set(s, d->id, uefi, 0, src, NOW, &e) == -1,
	    "pcrref: an empty UEFI log refused");
	CHECK(store_uefi_ref_set(s, d->id, uefi, sizeof(uefi), src, NOW + 2,
	    &e) == 0 && store_uefi_ref_get(s, d->id, &log, &len, lsrc,
	    &updated, &found, &e) == 0 && found && len == sizeof(uefi) &&
	    memcmp(log, uefi, len) == 0 && updated == NOW + 2 &&
	    lsrc[0] == src[0], "pcrref: the UEFI log read back verbatim");
	free(log);
	log = NULL;
	CHECK(store_uefi_ref_set(s, d->id, NULL, 0, src, NOW, &e) == 0 &&
	    store_uefi_ref_get(s, d->id, &log, &len, lsrc, &updated, &found,
	    &e) == 0 && !found, "pcrref: the UEFI log removed");
	free(p);
	free(got);
}

/* ---- attestation state ------------------------------------------------------ */

/* States filed by seq: the nearest on either side, whatever the order of
 * filing. a holds seq 0 (filed by test_state). */
static void
test_state_around(struct store *s, const struct store_device *d,
    struct store_attest_state *a)
{
	static const int64_t seqs[] = { 30, 10, 20 };
	struct store_attest_state before, after;
	struct errbuf e = { "" };
	bool hb, ha;
	size_t i;

	for (i = 0; i < 3; i++) {
		a->seq = seqs[i];
		a->clock = 1000 + (uint64_t)seqs[i];
		CHECK(store_state_set(s, d->id, a, &e) == 0, "around: set");
	}
	CHECK(store_state_around(s, d->id, 15, &before, &hb, &after, &ha,
	    &e) == 0 && hb && ha && before.seq == 10 && after.seq == 20 &&
	    before.clock == 1010 && after.clock == 1020,
	    "around: 15 lies between 10 and 20");
	CHECK(store_state_around(s, d->id, 20, &before, &hb, &after, &ha,
	    &e) == 0 && hb && ha && before.seq == 10 && after.seq == 30,
	    "around: its own seq is neither side");
	CHECK(store_state_around(s, d->id, 31, &before, &hb, &after, &ha,
	    &e) == 0 && hb && !ha && before.seq == 30,
	    "around: nothing after the newest");
	CHECK(store_state_newest(s, d->id, &before, &hb, &e) == 0 && hb &&
	    before.seq == 30 && before.clock == 1030,
	    "around: newest is the greatest seq, not the last filed");
	a->seq = 0;
}

static void
test_state(struct store *s, const struct store_device *d)
{
	struct store_attest_state a = { 0 }, got;
	struct errbuf e = { "" };
	uint8_t unknown[32];
	bool found = true;

	memset(unknown, 0x66, sizeof(unknown));
	CHECK(store_state_newest(s, d->id, &got, &found, &e) == 0 && !found,
	    "state: none yet");
	a.clock = UINT64_MAX - 5;	/* above INT64_MAX: kept exactly */
	a.reset_count = UINT32_MAX;
	a.restart_count = 7;
	a.safe = true;
	a.firmware_version = 0x2000020001000000ull;
	a.accepted = NOW;
	memset(a.bundle_sha256, 0x31, 32);
	CHECK(store_state_set(s, d->id, &a, &e) == 0, "state: set");
	CHECK(store_state_newest(s, d->id, &got, &found, &e) == 0 && found &&
	    got.clock == a.clock && got.reset_count == a.reset_count &&
	    got.restart_count == 7 && got.safe &&
	    got.firmware_version == a.firmware_version &&
	    got.accepted == NOW && memcmp(got.bundle_sha256,
	    a.bundle_sha256, 32) == 0, "state: read back, uint64 exact");
	a.clock = 12;
	CHECK(store_state_set(s, d->id, &a, &e) == 0 &&
	    store_state_newest(s, d->id, &got, &found, &e) == 0 &&
	    got.clock == 12, "state: replaced");
	CHECK(store_state_set(s, unknown, &a, &e) == -1 &&
	    strstr(e.msg, "unknown device") != NULL,
	    "state: unknown device refused");
	test_state_around(s, d, &a);
}

/* ---- challenges and results ---------------------------------------------- */

static void
test_challenges(struct store *s, const struct store_device *d1,
    const struct store_device *d2)
{
	struct store_challenge c, got, late, bad;
	struct store_result r;
	struct store_device *rev = malloc(sizeof(*rev));
	struct errbuf e = { "" };
	enum store_consume verdict;
	enum store_verdict v;
	uint8_t rid[STORE_ID_LEN], unknown[32], nobody[STORE_ID_LEN];
	unsigned count;
	bool found = true;

	memset(unknown, 0x66, sizeof(unknown));
	make_challenge(&c, d1, 1, NOW, NOW + 3600);
	bad = c;
	memcpy(bad.device_id, unknown, 32);
	CHECK(store_challenge_issue(s, &bad, &e) == -1 &&
	    strstr(e.msg, "unknown device") != NULL,
	    "challenge: unknown device refused (%s)", e.msg);
	bad = c;
	strcpy(bad.logs, "ima;uefi");
	CHECK(store_challenge_issue(s, &bad, &e) == -1,
	    "challenge: bad log list refused");
	bad = c;
	bad.not_after = bad.issued;
	CHECK(store_challenge_issue(s, &bad, &e) == -1,
	    "challenge: expiry not after issue refused");
	CHECK(store_challenge_issue(s, &c, &e) == 0, "challenge: issue");
	CHECK(store_challenge_issue(s, &c, &e) == -1 &&
	    strstr(e.msg, "already issued") != NULL,
	    "challenge: duplicate id refused");
	bad = c;
	bad.id[0] ^= 1;
	CHECK(store_challenge_issue(s, &bad, &e) == -1 &&
	    strstr(e.msg, "secret") != NULL,
	    "challenge: a reused secret refused");
	CHECK(store_challenge_get(s, c.id, &got, &found, &e) == 0 && found &&
	    got.state == STORE_CHALLENGE_ISSUED &&
	    memcmp(got.secret, c.secret, 32) == 0 &&
	    got.pcr_selection_len == c.pcr_selection_len &&
	    memcmp(got.pcr_selection, c.pcr_selection,
	    c.pcr_selection_len) == 0 && strcmp(got.logs, "ima,uefi") == 0 &&
	    got.not_after == NOW + 3600 &&
	    got.purpose == STORE_CHALLENGE_ATTESTATION,
	    "challenge: read back");
	{
		struct store_challenge next = c, got2;

		next.id[1] ^= 1;
		next.secret[1] ^= 1;
		CHECK(got.seq > 0 && store_challenge_issue(s, &next, &e) == 0 &&
		    store_challenge_get(s, next.id, &got2, &found, &e) == 0 &&
		    found && got2.seq == got.seq + 1,
		    "challenge: numbered in issue order");
	}

	/* Another device's bundle cannot burn it. */
	make_result(&r, 1, d1, &c);
	CHECK(store_challenge_consume(s, c.id, d1->id, NOW + 10, r.id,
	    &verdict, NULL, &e) == -1 && strstr(e.msg, "outside a run"),
	    "challenge: consume outside a run refused");
	CHECK(store_begin(s, &e) == 0, "run: begin for refusals");
	CHECK(store_challenge_consume(s, c.id, d2->id, NOW + 10, r.id,
	    &verdict, NULL, &e) == 0 && verdict == STORE_CONSUME_OTHER_DEVICE,
	    "challenge: consume for another device refused");
	memset(bad.id, 0x99, STORE_ID_LEN);
	CHECK(store_challenge_consume(s, bad.id, d1->id, NOW + 10, r.id,
	    &verdict, NULL, &e) == 0 && verdict == STORE_CONSUME_UNKNOWN,
	    "challenge: unknown id reported");
	CHECK(store_commit(s, &e) == 0, "run: commit the refusals");

	/* Consume inside a run that is rolled back: still issued. */
	CHECK(store_begin(s, &e) == 0 && store_begin(s, &e) == -1,
	    "run: begin; a nested begin is refused");
	CHECK(store_challenge_consume(s, c.id, d1->id, NOW + 10, r.id,
	    &verdict, &got, &e) == 0 && verdict == STORE_CONSUME_OK &&
	    got.state == STORE_CHALLENGE_CONSUMED &&
	    memcmp(got.consumed_by, r.id, 16) == 0,
	    "run: consumed inside the run");
	CHECK(store_result_add(s, &r, &e) == 0, "run: result added");
	CHECK(store_rollback(s, &e) == 0 && !store_in_run(s),
	    "run: rolled back");
	CHECK(store_challenge_get(s, c.id, &got, &found, &e) == 0 &&
	    got.state == STORE_CHALLENGE_ISSUED,
	    "run: after rollback the challenge is issued again");
	CHECK(store_result_find_bundle(s, r.bundle_sha256, &found, NULL, NULL,
	    &e) == 0 && !found, "run: after rollback the result is gone");

	/* A consume whose result is never added cannot commit. */
	CHECK(store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, c.id, d1->id, NOW + 10, r.id, &verdict,
	    NULL, &e) == 0 && verdict == STORE_CONSUME_OK,
	    "run: consume without a result");
	CHECK(store_commit(s, &e) == -1 && !store_in_run(s),
	    "run: commit refused: consumed_by names no result (%s)", e.msg);
	CHECK(store_challenge_get(s, c.id, &got, &found, &e) == 0 &&
	    got.state == STORE_CHALLENGE_ISSUED,
	    "run: the refused commit left it issued");

	/* The committed consume as judge_finish() makes it: the result row
	 * first, the consume naming it, the outcome last; then the replay. */
	r.verdict = STORE_VERDICT_ERROR;
	r.checks_json = "[]";
	CHECK(store_begin(s, &e) == 0 && store_result_add(s, &r, &e) == 0 &&
	    store_challenge_consume(s, c.id, d1->id, NOW + 10, r.id, &verdict,
	    NULL, &e) == 0 && verdict == STORE_CONSUME_OK,
	    "run: result row, then the consume naming it");
	memset(nobody, 0x77, sizeof(nobody));
	CHECK(store_result_set_outcome(s, nobody, STORE_VERDICT_PASS, "[]",
	    true, &e) == -1 && strstr(e.msg, "no such result") != NULL,
	    "results: the outcome of an unknown result is refused");
	CHECK(store_result_set_outcome(s, r.id, STORE_VERDICT_PASS, "[1,",
	    false, &e) == -1, "results: an outcome with bad JSON is refused");
	CHECK(store_result_set_outcome(s, r.id, STORE_VERDICT_PASS,
	    "[[\"quote.signature\",\"ok\",\"\"]]", false, &e) == 0 &&
	    store_commit(s, &e) == 0,
	    "run: outcome set, consume and result committed");
	make_result(&r, 1, d1, &c);
	CHECK(store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, c.id, d1->id, NOW + 11, rid,
	    &verdict, &got, &e) == 0 && verdict == STORE_CONSUME_USED &&
	    memcmp(got.consumed_by, r.id, 16) == 0 && got.consumed_at ==
	    NOW + 10, "challenge: consumed twice: the second is refused");
	CHECK(store_commit(s, &e) == 0, "run: commit after the replay");
	CHECK(store_result_find_bundle(s, r.bundle_sha256, &found, rid, &v,
	    &e) == 0 && found && memcmp(rid, r.id, 16) == 0 &&
	    v == STORE_VERDICT_PASS, "results: the judged bundle is found");
	CHECK(raw_sql(store_path(s), "UPDATE challenges SET state = 'issued',"
	    " consumed_by = NULL, consumed_at = NULL") == -1,
	    "challenge: the schema refuses to re-issue a consumed one");

	/* Expiry. */
	make_challenge(&late, d1, 2, NOW, NOW + 60);
	CHECK(store_challenge_issue(s, &late, &e) == 0 &&
	    store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, late.id, d1->id, NOW + 61, rid,
	    &verdict, &got, &e) == 0 && verdict == STORE_CONSUME_EXPIRED &&
	    got.state == STORE_CHALLENGE_EXPIRED && store_commit(s, &e) == 0,
	    "challenge: expired one refused and marked expired");
	CHECK(store_challenge_get(s, late.id, &got, &found, &e) == 0 &&
	    got.state == STORE_CHALLENGE_EXPIRED,
	    "challenge: the expired mark is committed");
	CHECK(store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, late.id, d1->id, NOW + 30, rid,
	    &verdict, NULL, &e) == 0 && verdict == STORE_CONSUME_EXPIRED &&
	    store_rollback(s, &e) == 0,
	    "challenge: once expired, never consumable");
	make_challenge(&late, d1, 3, NOW, NOW + 60);
	CHECK(store_new_id(rid, &e) == 0 && memcmp(rid, r.id, 16) != 0,
	    "results: a fresh random id");
	CHECK(store_challenge_issue(s, &late, &e) == 0 &&
	    store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, late.id, d1->id, NOW + 60, rid,
	    &verdict, NULL, &e) == 0 && verdict == STORE_CONSUME_OK,
	    "challenge: valid at exactly not_after");
	make_result(&r, 3, d1, &late);
	memcpy(r.id, rid, 16);
	CHECK(store_result_add(s, &r, &e) == 0 && store_commit(s, &e) == 0,
	    "results: add and commit (%s)", e.msg);
	make_challenge(&late, d1, 4, NOW, NOW + 60);
	store_challenge_issue(s, &late, &e);
	make_challenge(&late, d1, 5, NOW, NOW + 600);
	store_challenge_issue(s, &late, &e);
	CHECK(store_challenge_expire(s, NOW + 100, &count, &e) == 0 &&
	    count == 1, "challenge: expire sweeps one of two issued");

	/* Revoked devices get no challenges. */
	*rev = *d2;
	store_device_set_state(s, d2->id, STORE_DEVICE_REVOKED, NOW, &e);
	make_challenge(&late, d2, 6, NOW, NOW + 600);
	CHECK(store_challenge_issue(s, &late, &e) == -1 &&
	    strstr(e.msg, "revoked") != NULL,
	    "challenge: revoked device refused (%s)", e.msg);
	store_device_set_state(s, d2->id, STORE_DEVICE_ENROLLED, NOW, &e);
	free(rev);

	/* Results: JSON checked, unreadable input allowed. */
	make_result(&r, 7, NULL, NULL);
	r.checks_json = "[\"unterminated";
	CHECK(store_result_add(s, &r, &e) == -1 &&
	    strstr(e.msg, "not a JSON array") != NULL,
	    "results: invalid JSON refused (%s)", e.msg);
	r.checks_json = "{\"a\":1}";
	CHECK(store_result_add(s, &r, &e) == -1,
	    "results: a JSON object instead of an array refused");
	r.checks_json = "[]";
	r.verdict = STORE_VERDICT_ERROR;
	CHECK(store_result_add(s, &r, &e) == 0,
	    "results: unreadable input without device or challenge");
	CHECK(store_result_add(s, &r, &e) == -1,
	    "results: duplicate result id refused");
	CHECK(store_result_find_bundle(s, r.bundle_sha256, &found, NULL, &v,
	    &e) == 0 && found && v == STORE_VERDICT_ERROR,
	    "results: verdict error found by bundle digest");
}

/* Callback of store_device_foreach that issues a challenge per device. */
static int
issue_for_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	struct store_challenge c;
	unsigned *n = arg;

	make_challenge(&c, d, (uint8_t)(0x40 + *n), NOW, NOW + 600);
	(*n)++;
	return store_challenge_issue(s_for_callback, &c, e);
}

static void
test_issue_all(struct store *s, const struct store_device *d1)
{
	struct store_challenge c;
	struct errbuf e = { "" };
	unsigned n = 0;

	s_for_callback = s;
	CHECK(store_device_foreach(s, 1u << STORE_DEVICE_ENROLLED,
	    issue_for_device, &n, &e) == 0 && n == 2,
	    "challenge: one per enrolled device from inside the walk (%s)",
	    e.msg);
	make_challenge(&c, d1, 0x40, NOW, NOW + 600);
	CHECK(challenge_in_state(s, d1, 0x40, STORE_CHALLENGE_ISSUED) ||
	    challenge_in_state(s, d1, 0x41, STORE_CHALLENGE_ISSUED),
	    "challenge: issued during the walk");
}

/* A store closed with its run still open forgets the run. */
static void
test_close_in_run(const char *path, const struct store_device *d)
{
	struct store *s = open_store(path, STORE_MUST_EXIST);
	struct store_challenge c;
	struct store_result r;
	enum store_consume v = STORE_CONSUME_UNKNOWN;
	struct errbuf e = { "" };

	if (s == NULL)
		return;
	make_challenge(&c, d, 0x50, NOW, NOW + 600);
	make_result(&r, 0x50, d, &c);
	CHECK(store_challenge_issue(s, &c, &e) == 0 && store_begin(s, &e) == 0 &&
	    store_challenge_consume(s, c.id, d->id, NOW, r.id, &v, NULL,
	    &e) == 0 && v == STORE_CONSUME_OK &&
	    store_result_add(s, &r, &e) == 0,
	    "close: consume and result in an open run");
	store_close(s);
	s = open_store(path, STORE_MUST_EXIST);
	CHECK(s != NULL && challenge_in_state(s, d, 0x50,
	    STORE_CHALLENGE_ISSUED) && !bundle_judged(s, 0x50),
	    "close: closing without commit rolled the run back");
	store_close(s);
}

/* ---- processes ------------------------------------------------------------ */

/*
 * Child of the crash test: commit run 1 (challenge 0x11, bundle 0xb1),
 * then in run 2 consume challenge 0x12 and add bundle 0xb2, tell the
 * parent, and wait to be killed.
 */
static void
crash_child(const char *path, const struct store_device *d, int fd)
{
	struct store *s = open_store(path, STORE_MUST_EXIST);
	struct store_challenge c;
	struct store_result r;
	enum store_consume v;
	struct errbuf e;

	if (s == NULL)
		_exit(2);
	make_challenge(&c, d, 0x11, NOW, NOW + 3600);
	make_result(&r, 0x11, d, &c);
	if (store_begin(s, &e) == -1 ||
	    store_challenge_consume(s, c.id, d->id, NOW, r.id, &v, NULL,
	    &e) == -1 || v != STORE_CONSUME_OK ||
	    store_result_add(s, &r, &e) == -1 || store_commit(s, &e) == -1)
		_exit(3);
	make_challenge(&c, d, 0x12, NOW, NOW + 3600);
	make_result(&r, 0x12, d, &c);
	if (store_begin(s, &e) == -1 ||
	    store_challenge_consume(s, c.id, d->id, NOW, r.id, &v, NULL,
	    &e) == -1 || v != STORE_CONSUME_OK ||
	    store_result_add(s, &r, &e) == -1)
		_exit(4);
	if (write(fd, "k", 1) != 1)
		_exit(5);
	for (;;)
		pause();
}

static bool
challenge_in_state(struct store *s, const struct store_device *d,
    uint8_t n, enum store_challenge_state want)
{
	struct store_challenge c, got;
	bool found;

	make_challenge(&c, d, n, NOW, NOW + 3600);
	return store_challenge_get(s, c.id, &got, &found, NULL) == 0 &&
	    found && got.state == want;
}

static bool
bundle_judged(struct store *s, uint8_t n)
{
	uint8_t sha[32];
	bool found = false;

	memset(sha, 0xb0 + n, sizeof(sha));
	store_result_find_bundle(s, sha, &found, NULL, NULL, NULL);
	return found;
}

static void
test_crash(const char *path, const struct store_device *d)
{
	struct store *s = open_store(path, STORE_MUST_EXIST);
	struct store_challenge c;
	struct errbuf e = { "" };
	int p[2], status;
	pid_t pid;
	char b = 0;

	make_challenge(&c, d, 0x11, NOW, NOW + 3600);
	CHECK(s != NULL && store_challenge_issue(s, &c, &e) == 0,
	    "crash: issue challenge 1");
	make_challenge(&c, d, 0x12, NOW, NOW + 3600);
	CHECK(s != NULL && store_challenge_issue(s, &c, &e) == 0,
	    "crash: issue challenge 2");
	store_close(s);	/* no SQLite connection across fork() */

	fflush(stdout);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		exit(2);
	if (pid == 0) {
		close(p[0]);
		crash_child(path, d, p[1]);
	}
	close(p[1]);
	CHECK(read(p[0], &b, 1) == 1 && b == 'k',
	    "crash: child committed run 1 and is inside run 2");
	close(p[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "crash: child killed with SIGKILL before its commit");
	CHECK(access(tpath("crash.db-wal"), F_OK) == 0,
	    "crash: the WAL file is left next to the store");

	s = open_store(path, STORE_MUST_EXIST);
	CHECK(s != NULL, "crash: the store reopens");
	if (s == NULL)
		return;
	CHECK(challenge_in_state(s, d, 0x11, STORE_CHALLENGE_CONSUMED),
	    "crash: challenge consumed by the committed run stays consumed");
	CHECK(bundle_judged(s, 0x11),
	    "crash: resume: the committed bundle counts as judged");
	CHECK(challenge_in_state(s, d, 0x12, STORE_CHALLENGE_ISSUED),
	    "crash: challenge consumed by the killed run is issued again");
	CHECK(!bundle_judged(s, 0x12),
	    "crash: resume: the killed run's bundle is judged again");
	store_close(s);
	CHECK(raw_sql(path, "SELECT 1 FROM pragma_integrity_check WHERE "
	    "integrity_check = 'ok'") == 1, "crash: integrity check ok");
}

/* Child of the race: wait for the start signal, then try to consume. */
static void
race_child(const char *path, const struct store_device *d, int start,
    uint8_t n)
{
	struct store *s = open_store(path, STORE_MUST_EXIST);
	struct store_challenge c;
	struct store_result r;
	enum store_consume v;
	struct errbuf e;
	char b;

	if (s == NULL)
		_exit(10);
	make_challenge(&c, d, 0x21, NOW, NOW + 3600);
	make_result(&r, n, d, &c);
	if (read(start, &b, 1) != 0)	/* EOF: all children go */
		_exit(11);
	if (store_begin(s, &e) == -1 ||
	    store_challenge_consume(s, c.id, d->id, NOW, r.id, &v, NULL,
	    &e) == -1) {
		fprintf(stderr, "race child: %s\n", e.msg);
		_exit(12);
	}
	if (v == STORE_CONSUME_OK && store_result_add(s, &r, &e) == -1)
		_exit(13);
	if (store_commit(s, &e) == -1)
		_exit(14);
	store_close(s);
	_exit(v == STORE_CONSUME_OK ? 0 : v == STORE_CONSUME_USED ? 1 : 15);
}

#define RACERS 4

static void
test_race(const char *path, const struct store_device *d)
{
	struct store *s = open_store(path, STORE_MUST_EXIST);
	struct store_challenge c;
	struct errbuf e = { "" };
	pid_t pid[RACERS];
	int p[2], status, wins = 0, used = 0, other = 0, i;

	make_challenge(&c, d, 0x21, NOW, NOW + 3600);
	CHECK(s != NULL && store_challenge_issue(s, &c, &e) == 0,
	    "race: issue the contested challenge");
	store_close(s);
	fflush(stdout);
	if (pipe(p) == -1)
		exit(2);
	for (i = 0; i < RACERS; i++) {
		if ((pid[i] = fork()) == 0) {
			close(p[1]);
			race_child(path, d, p[0], (uint8_t)(0x30 + i));
		}
	}
	close(p[0]);
	close(p[1]);	/* start */
	for (i = 0; i < RACERS; i++) {
		waitpid(pid[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			wins++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
			used++;
		else
			other++;
	}
	CHECK(wins == 1 && used == RACERS - 1 && other == 0,
	    "race: %d processes, exactly one consumes (%d won, %d refused, "
	    "%d failed)", RACERS, wins, used, other);
	s = open_store(path, STORE_MUST_EXIST);
	CHECK(s != NULL && challenge_in_state(s, d, 0x21,
	    STORE_CHALLENGE_CONSUMED), "race: the challenge is consumed");
	CHECK(raw_sql(path, "SELECT count(*) FROM results WHERE challenge_id "
	    "= x'21212121212121212121212121212121'") == 1,
	    "race: exactly one result names it");
	store_close(s);
}

int
main(void)
{
	struct store_device *d1 = malloc(sizeof(*d1));
	struct store_device *d2 = malloc(sizeof(*d2));
	const char *base = getenv("TMPDIR");
	struct store *s;
	char cmd[600];

	snprintf(tmpdir, sizeof(tmpdir), "%s/store-test.XXXXXX",
	    base != NULL ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_path();
	test_open();

	s = open_store(tpath("main.db"), STORE_CREATE_NEW);
	CHECK(s != NULL, "main store created");
	if (s != NULL) {
		test_verifier(s);
		test_roots(s);
		test_devices(s, d1, d2);
		test_refs(s, d1);
		test_pcrref(s, d1);
		test_state(s, d1);
		test_challenges(s, d1, d2);
		test_issue_all(s, d1);
		store_close(s);
		test_close_in_run(tpath("main.db"), d1);
	}

	s = open_store(tpath("crash.db"), STORE_CREATE_NEW);
	if (s != NULL) {
		make_device(d1, EK_RSA, 1);
		store_device_add(s, d1, NOW, NULL);
		store_close(s);
		test_crash(tpath("crash.db"), d1);
		test_race(tpath("crash.db"), d1);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	free(d1);
	free(d2);
	return check_finish();
}
