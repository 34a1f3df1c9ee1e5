/*
 * store_schema.c - the store's schema: one migration per version, the SQL
 * that takes a store from user_version i to i + 1 (store.c runs them, in
 * one transaction, when a store is opened for writing). See store.h and
 * dossier-store(5).
 */
#include "verify/store.h"
#include "verify/store_internal.h"

/*
 * Migration i takes a store from user_version i to i + 1. A new version
 * appends one entry; published entries are never edited.
 */
const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE verifier ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  key_id BLOB NOT NULL CHECK (length(key_id) = 32),"
	"  public_key BLOB NOT NULL CHECK (length(public_key) > 0),"
	"  private_key_pem TEXT NOT NULL"
	"    CHECK (private_key_pem LIKE '-----BEGIN PRIVATE KEY-----%'),"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE roots ("
	"  fingerprint BLOB PRIMARY KEY CHECK (length(fingerprint) = 32),"
	"  der BLOB NOT NULL CHECK (length(der) > 0),"
	"  subject TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  added INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE devices ("
	"  device_id BLOB PRIMARY KEY CHECK (length(device_id) = 32),"
	"  ek_cert BLOB NOT NULL CHECK (length(ek_cert) > 0),"
	"  ek_public BLOB NOT NULL CHECK (length(ek_public) > 0),"
	"  ak_public BLOB NOT NULL CHECK (length(ak_public) > 0),"
	"  ak_name BLOB NOT NULL UNIQUE CHECK (length(ak_name) BETWEEN 4 AND 66),"
	"  ak_parent BLOB"
	"    CHECK (ak_parent IS NULL OR length(ak_parent) BETWEEN 4 AND 66),"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('pending', 'enrolled', 'revoked')),"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL CHECK (updated >= created)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE refs ("
	"  device_id BLOB PRIMARY KEY"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  ima_log_alg TEXT,"
	"  ima_log BLOB,"
	"  source_bundle BLOB NOT NULL CHECK (length(source_bundle) = 32),"
	"  updated INTEGER NOT NULL,"
	"  CHECK ((ima_log_alg IS NULL) = (ima_log IS NULL))"
	") STRICT;"
	"CREATE TABLE ref_pcrs ("
	"  device_id BLOB NOT NULL"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  bank INTEGER NOT NULL CHECK (bank BETWEEN 1 AND 65535),"
	"  pcr INTEGER NOT NULL CHECK (pcr BETWEEN 0 AND 31),"
	"  value BLOB NOT NULL CHECK (length(value) BETWEEN 20 AND 64),"
	"  PRIMARY KEY (device_id, bank, pcr)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE results ("
	"  result_id BLOB PRIMARY KEY CHECK (length(result_id) = 16),"
	"  device_id BLOB CHECK (device_id IS NULL OR length(device_id) = 32),"
	"  challenge_id BLOB"
	"    CHECK (challenge_id IS NULL OR length(challenge_id) = 16),"
	"  input_name TEXT NOT NULL,"
	"  bundle_sha256 BLOB NOT NULL CHECK (length(bundle_sha256) = 32),"
	"  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'error')),"
	"  checks TEXT NOT NULL CHECK (length(checks) >= 2),"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX results_by_bundle ON results(bundle_sha256);"
	"CREATE INDEX results_by_device ON results(device_id, created);"
	"CREATE TABLE challenges ("
	"  challenge_id BLOB PRIMARY KEY CHECK (length(challenge_id) = 16),"
	"  device_id BLOB NOT NULL REFERENCES devices(device_id),"
	"  purpose TEXT NOT NULL CHECK (purpose IN ('enrollment', 'attestation')),"
	"  ak_name BLOB NOT NULL CHECK (length(ak_name) BETWEEN 4 AND 66),"
	"  secret BLOB NOT NULL UNIQUE CHECK (length(secret) = 32),"
	"  pcr_selection BLOB NOT NULL"
	"    CHECK (length(pcr_selection) BETWEEN 4 AND 116),"
	"  logs TEXT NOT NULL CHECK (logs NOT GLOB '*[^a-z0-9,-]*'),"
	"  issued INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL CHECK (not_after > issued),"
	"  state TEXT NOT NULL DEFAULT 'issued'"
	"    CHECK (state IN ('issued', 'consumed', 'expired')),"
	"  consumed_by BLOB REFERENCES results(result_id)"
	"    DEFERRABLE INITIALLY DEFERRED,"
	"  consumed_at INTEGER,"
	"  CHECK ((state = 'consumed') ="
	"    (consumed_by IS NOT NULL AND consumed_at IS NOT NULL))"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX challenges_by_device ON challenges(device_id, state);"
	/* Single use, in the schema: a challenge leaves 'issued' once. */
	"CREATE TRIGGER challenges_single_use"
	"  BEFORE UPDATE OF state, consumed_by, consumed_at ON challenges"
	"  WHEN OLD.state <> 'issued'"
	"  BEGIN SELECT RAISE(ABORT, 'challenge is no longer issued'); END;"
	"CREATE TRIGGER challenges_no_revoked_device"
	"  BEFORE INSERT ON challenges"
	"  WHEN (SELECT state FROM devices WHERE device_id = NEW.device_id)"
	"    = 'revoked'"
	"  BEGIN SELECT RAISE(ABORT, 'device is revoked'); END;"
	"CREATE TABLE attest_state ("
	"  device_id BLOB PRIMARY KEY"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  clock INTEGER NOT NULL,"
	"  reset_count INTEGER NOT NULL CHECK (reset_count BETWEEN 0 AND 4294967295),"
	"  restart_count INTEGER NOT NULL"
	"    CHECK (restart_count BETWEEN 0 AND 4294967295),"
	"  safe INTEGER NOT NULL CHECK (safe IN (0, 1)),"
	"  firmware_version INTEGER NOT NULL,"
	"  accepted INTEGER NOT NULL,"
	"  bundle_sha256 BLOB NOT NULL CHECK (length(bundle_sha256) = 32)"
	") STRICT, WITHOUT ROWID;",
	/* 1 -> 2: reference sets, their assignment to devices, IMA policies
	 * and trusted IMA keys (issue 4). */
	"CREATE TABLE refsets ("
	"  set_id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64"
	"    AND name NOT GLOB '*[^A-Za-z0-9._-]*' AND name NOT GLOB '.*'),"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL CHECK (updated >= created)"
	") STRICT;"
	"CREATE TABLE refset_sources ("
	"  set_id INTEGER NOT NULL REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  source INTEGER NOT NULL CHECK (source BETWEEN 0 AND 65535),"
	"  text TEXT NOT NULL CHECK (length(text) <= 512),"
	"  PRIMARY KEY (set_id, source)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE refset_entries ("
	"  set_id INTEGER NOT NULL REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  path BLOB NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),"
	"  alg TEXT NOT NULL CHECK (length(alg) BETWEEN 1 AND 16),"
	"  digest BLOB NOT NULL CHECK (length(digest) BETWEEN 16 AND 64),"
	"  count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 4294967295),"
	"  source INTEGER NOT NULL CHECK (source BETWEEN 0 AND 65535),"
	"  PRIMARY KEY (set_id, path, alg, digest)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE device_refsets ("
	"  device_id BLOB NOT NULL"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  set_id INTEGER NOT NULL REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  assigned INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, set_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX device_refsets_by_set ON device_refsets(set_id);"
	"CREATE TABLE ima_policies ("
	"  device_id BLOB REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  set_id INTEGER REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 7),"
	"  rule TEXT NOT NULL CHECK (length(rule) BETWEEN 1 AND 8192),"
	"  CHECK ((device_id IS NULL) <> (set_id IS NULL))"
	") STRICT;"
	"CREATE UNIQUE INDEX ima_policies_of_device"
	"  ON ima_policies(device_id, position) WHERE device_id IS NOT NULL;"
	"CREATE UNIQUE INDEX ima_policies_of_set"
	"  ON ima_policies(set_id, position) WHERE set_id IS NOT NULL;"
	"CREATE TABLE ima_keys ("
	"  fingerprint BLOB PRIMARY KEY CHECK (length(fingerprint) = 32),"
	"  data BLOB NOT NULL CHECK (length(data) BETWEEN 1 AND 262144),"
	"  source TEXT NOT NULL,"
	"  added INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/*
	 * 2 -> 3: indexes that keep batch verification flat in the size of
	 * the store. Inserting a result checks the deferred foreign key
	 * challenges.consumed_by -> results, which without an index scans
	 * every challenge; a device's reference stamp (store_refs_stamp) is
	 * read from an index instead of walking the log blob's pages.
	 */
	"CREATE INDEX challenges_by_result ON challenges(consumed_by);"
	"CREATE INDEX refs_stamp"
	"  ON refs(device_id, ima_log_alg, source_bundle, updated);",
	/*
	 * 3 -> 4: challenges_by_device on the device alone. With the state
	 * in its key, consuming a challenge moved the challenge's entry in
	 * this index too: one more page written at random per judged bundle
	 * (2-3% of a batch run's CPU over a ledger of 100k challenges).
	 */
	("DROP INDEX challenges_by_device;"
	"CREATE INDEX challenges_by_device ON challenges(device_id);"),
	/*
	 * 4 -> 5: no challenges_by_result. A result row is now added before
	 * the challenge it consumes names it (judge_finish()), so the
	 * deferred foreign key never has a violation outstanding when a
	 * result is inserted, and SQLite looks for no referring challenge:
	 * the index served nothing but cost two entries moved at random per
	 * consumed challenge (and their pages written at each commit).
	 */
	"DROP INDEX challenges_by_result;",
	/*
	 * 5 -> 6: the accepted state of every answered challenge, in the
	 * order the challenges were issued (seq), not one row per device.
	 * A device's bundles arrive in any order (a USB stick, a spool, two
	 * runs over overlapping inputs); each is compared with the accepted
	 * states of the challenges issued just before and just after its
	 * own, so the order of judging no longer decides the verdict.
	 * Existing challenges are numbered by (issued, challenge_id); an
	 * existing accepted state takes the number of the challenge its
	 * bundle answered, or, when no result names it, the device's
	 * newest answered challenge (it was the last accepted state).
	 */
	("ALTER TABLE challenges ADD COLUMN seq INTEGER"
	"  CHECK (seq IS NULL OR seq > 0);"
	"UPDATE challenges SET seq = o.n FROM (SELECT challenge_id,"
	"  row_number() OVER (ORDER BY issued, challenge_id) AS n"
	"  FROM challenges) AS o WHERE o.challenge_id = challenges.challenge_id;"
	"CREATE UNIQUE INDEX challenges_by_seq ON challenges(seq);"
	"CREATE TABLE attest_states ("
	"  device_id BLOB NOT NULL"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  clock INTEGER NOT NULL,"
	"  reset_count INTEGER NOT NULL CHECK (reset_count BETWEEN 0 AND 4294967295),"
	"  restart_count INTEGER NOT NULL"
	"    CHECK (restart_count BETWEEN 0 AND 4294967295),"
	"  safe INTEGER NOT NULL CHECK (safe IN (0, 1)),"
	"  firmware_version INTEGER NOT NULL,"
	"  accepted INTEGER NOT NULL,"
	"  bundle_sha256 BLOB NOT NULL CHECK (length(bundle_sha256) = 32),"
	"  PRIMARY KEY (device_id, seq)"
	") STRICT, WITHOUT ROWID;"
	"INSERT INTO attest_states (device_id, seq, clock, reset_count,"
	"  restart_count, safe, firmware_version, accepted, bundle_sha256)"
	"  SELECT a.device_id, coalesce("
	"    (SELECT max(c.seq) FROM results r JOIN challenges c"
	"      ON c.challenge_id = r.challenge_id"
	"      WHERE r.bundle_sha256 = a.bundle_sha256 AND r.verdict = 'pass'"
	"      AND c.device_id = a.device_id),"
	"    (SELECT max(c.seq) FROM challenges c"
	"      WHERE c.device_id = a.device_id AND c.state = 'consumed'), 0),"
	"  a.clock, a.reset_count, a.restart_count, a.safe,"
	"  a.firmware_version, a.accepted, a.bundle_sha256"
	"  FROM attest_state a;"
	"DROP TABLE attest_state;"),
	/* ---- pcrref branch (issue 13): ONE migration entry, appended last
	 * (after main's 5 -> 6). Renumber it if another branch's lands
	 * first: it only adds tables, so its position among other additions
	 * does not matter. ---- */
	/*
	 * 6 -> 7: PCR references (pcr.reference). Where a device's
	 * reference PCR values (ref_pcrs) came from: its enrollment or an
	 * accepted bundle (dossier refs update); existing rows take the
	 * refs row's bundle and time. Golden PCR values of reference sets,
	 * with a source text. A device's reference UEFI event log (uefi.log
	 * of its enrollment bundle), for the UEFI judgement.
	 */
	"CREATE TABLE ref_pcrs_origin ("
	"  device_id BLOB PRIMARY KEY"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  origin TEXT NOT NULL CHECK (origin IN ('enrollment', 'update')),"
	"  source_bundle BLOB NOT NULL CHECK (length(source_bundle) = 32),"
	"  updated INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"INSERT INTO ref_pcrs_origin (device_id, origin, source_bundle, updated)"
	"  SELECT device_id, 'enrollment', source_bundle, updated FROM refs;"
	"CREATE TABLE refset_pcrs ("
	"  set_id INTEGER NOT NULL REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  bank INTEGER NOT NULL CHECK (bank BETWEEN 1 AND 65535),"
	"  pcr INTEGER NOT NULL CHECK (pcr BETWEEN 0 AND 31),"
	"  value BLOB NOT NULL CHECK (length(value) BETWEEN 20 AND 64),"
	"  PRIMARY KEY (set_id, bank, pcr)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE refset_pcr_sources ("
	"  set_id INTEGER PRIMARY KEY"
	"    REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 512),"
	"  updated INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE ref_uefi_logs ("
	"  device_id BLOB PRIMARY KEY"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  log BLOB NOT NULL CHECK (length(log) > 0),"
	"  source_bundle BLOB NOT NULL CHECK (length(source_bundle) = 32),"
	"  updated INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
	/* ---- end of the pcrref branch's migration ---- */
	/*
	 * 7 -> 8: room for 16 rules a device or set (STORE_POLICY_RULES_MAX):
	 * the IMA rules, the pcrs rule and the uefi.* rules share the table.
	 * SQLite cannot change a CHECK in place, so the table is rebuilt.
	 */
	"CREATE TABLE ima_policies_new ("
	"  device_id BLOB REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  set_id INTEGER REFERENCES refsets(set_id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 15),"
	"  rule TEXT NOT NULL CHECK (length(rule) BETWEEN 1 AND 8192),"
	"  CHECK ((device_id IS NULL) <> (set_id IS NULL))"
	") STRICT;"
	"INSERT INTO ima_policies_new (device_id, set_id, position, rule)"
	"  SELECT device_id, set_id, position, rule FROM ima_policies;"
	"DROP TABLE ima_policies;"
	"ALTER TABLE ima_policies_new RENAME TO ima_policies;"
	"CREATE UNIQUE INDEX ima_policies_of_device"
	"  ON ima_policies(device_id, position) WHERE device_id IS NOT NULL;"
	"CREATE UNIQUE INDEX ima_policies_of_set"
	"  ON ima_policies(set_id, position) WHERE set_id IS NOT NULL;",
	/*
	 * 8 -> 9: what names a device (verify/store_devices.h): the host
	 * name and machine id its enrollment bundle stated (NULL for older
	 * bundles), the operator's label (unique, so it selects one device)
	 * and why and when it was revoked. A table of its own: the devices
	 * table and its statements stay as they are.
	 */
	"CREATE TABLE device_names ("
	"  device_id BLOB PRIMARY KEY"
	"    REFERENCES devices(device_id) ON DELETE CASCADE,"
	"  host_name TEXT"
	"    CHECK (host_name IS NULL OR length(CAST(host_name AS BLOB))"
	"    BETWEEN 1 AND 256),"
	"  machine_id TEXT CHECK (machine_id IS NULL OR (length(machine_id) = 32"
	"    AND machine_id NOT GLOB '*[^0-9a-f]*')),"
	"  label TEXT UNIQUE"
	"    CHECK (label IS NULL OR length(CAST(label AS BLOB)) BETWEEN 1 AND 64),"
	"  revoke_reason TEXT"
	"    CHECK (revoke_reason IS NULL OR length(CAST(revoke_reason AS BLOB))"
	"    <= 256),"
	"  revoked INTEGER,"
	"  updated INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;",
};
