#!/usr/bin/env bash
# t_refs_store.sh - the store's schema versions 2 (reference sets,
# assignments, IMA policies, IMA keys), 3 and 4 (indexes for batch speed),
# 5 (an index dropped), 6 (accepted states by challenge) and 7 (PCR
# references): a version-1 store written by dossier 0.1
# (testdata/store/v1) is upgraded in place through every step when opened,
# keeps its rows, and takes reference sets and assignments afterwards.
. "$DOSSIER_TOP/tests/lib.sh"
need python3

sql() { python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]): print("|".join(str(x) for x in r))' "$@"; }

cp "$TD/store/v1/store.db" "$T/store.db"
S=(--store "$T/store.db")
expect_eq "$(sql "$T/store.db" 'PRAGMA user_version')" 1 "fixture: schema version 1"
devs=$(sql "$T/store.db" 'SELECT count(*) FROM devices')
chs=$(sql "$T/store.db" 'SELECT count(*) FROM challenges')
refs=$(sql "$T/store.db" 'SELECT count(*) FROM refs WHERE ima_log IS NOT NULL')

# An accepted state as version 1 kept it: one row per device.
python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO attest_state SELECT device_id, 77, 3, 0, 1, 9, 1, zeroblob(32) FROM devices LIMIT 1")
c.commit()' "$T/store.db"

expect 0 "v1 store opens" "$DOSSIER" "${S[@]}" roots list
expect_eq "$(sql "$T/store.db" 'PRAGMA user_version')" 9 "upgraded to version 9"
# Version 9: device names (host name, machine id, label).
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'device_names'")" 1 \
    "device_names table added"
# Version 8: 16 policy positions (IMA, pcrs and uefi.* rules together).
expect_eq "$(sql "$T/store.db" "SELECT sql LIKE '%position BETWEEN 0 AND 15%' FROM sqlite_schema WHERE name = 'ima_policies'")" 1 \
    "ima_policies holds 16 positions"
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE name IN ('ima_policies_of_device', 'ima_policies_of_set')")" 2 \
    "ima_policies' indexes rebuilt"
# Version 6: challenges numbered in issue order, accepted states by challenge.
expect_eq "$(sql "$T/store.db" 'SELECT count(DISTINCT seq), min(seq), max(seq) FROM challenges')" \
    "$chs|1|$chs" "challenges numbered 1..$chs"
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'attest_state'")" 0 \
    "attest_state replaced"
expect_eq "$(sql "$T/store.db" 'SELECT seq, clock, reset_count FROM attest_states')" "0|77|3" \
    "the accepted state kept (filed before every challenge: none answered)"
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'refs_stamp'")" 1 "index refs_stamp exists"
# Version 4: a consumed challenge must not move its by-device entry.
expect_eq "$(sql "$T/store.db" "SELECT group_concat(name) FROM pragma_index_info('challenges_by_device')")" \
    device_id "challenges_by_device is keyed on device_id alone"
# Version 5: results are added before the challenge that names them is
# consumed, so no lookup by consumed_by is left for an index to serve.
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'challenges_by_result'")" 0 "index challenges_by_result dropped"
for t in refsets refset_sources refset_entries device_refsets ima_policies ima_keys; do
	expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '$t'")" 1 "table $t exists"
done
expect_eq "$(sql "$T/store.db" 'SELECT count(*) FROM devices')" "$devs" "devices kept"
expect_eq "$(sql "$T/store.db" 'SELECT count(*) FROM challenges')" "$chs" "challenges kept"
expect_eq "$(sql "$T/store.db" 'SELECT count(*) FROM refs WHERE ima_log IS NOT NULL')" "$refs" "reference logs kept"
# Version 7: PCR references; every device's references get an origin row
# (its refs row's bundle and time, as from its enrollment).
for t in ref_pcrs_origin refset_pcrs refset_pcr_sources ref_uefi_logs; do
	expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '$t'")" 1 "table $t exists"
done
expect_eq "$(sql "$T/store.db" "SELECT count(*) FROM refs r JOIN ref_pcrs_origin o USING (device_id) WHERE o.origin = 'enrollment' AND o.source_bundle = r.source_bundle AND o.updated = r.updated")" \
    "$(sql "$T/store.db" 'SELECT count(*) FROM refs')" "every device's references have their origin"
expect_eq "$(sql "$T/store.db" 'SELECT count(*) FROM refs')" "$(sql "$T/store.db" 'SELECT count(*) FROM devices')" \
    "fixture: every device has references (the origin rows are not vacuous)"
expect 0 "upgraded store opens again" "$DOSSIER" "${S[@]}" roots list

# The schema refuses what the store API refuses.
# (a CHECK constraint failure, not any Python error: the message says so)
run sql "$T/store.db" "INSERT INTO refsets (name, created, updated) VALUES ('.hidden', 1, 1)"
expect_eq "$RC" 1 "schema: a set name starting with '.' is refused"
expect_err 'sqlite3.IntegrityError: CHECK constraint failed' "schema: refused by a CHECK constraint"
run sql "$T/store.db" "INSERT INTO ima_policies (position, rule) VALUES (0, 'reorder')"
expect_eq "$RC" 1 "schema: a policy belongs to a device or a set"
expect_err 'sqlite3.IntegrityError: CHECK constraint failed' "schema: the policy refused by a CHECK constraint"
done_testing
