#!/usr/bin/env bash
# t_verify_order.sh - one device's bundles are judged by the order their
# challenges were issued, not the order they arrive (dossier-verify(1),
# STATE ORDER). Three bundles made one after another (TPM clock rising
# with each challenge) pass whatever order they are handed over in: a
# directory whose names sort the other way, an archive, standard input, a
# spool judged once, a spool followed while they arrive last first; the
# same across a TPM reboot (reported); a genuine rollback still fails,
# whichever of the two bundles is judged first; two concurrent runs over
# overlapping inputs give every bundle exactly one pass.
# Generated evidence (gen_evidence, no TPM) against test_judge_verify's
# fixture store, whose challenges b0, b1, ... were issued in that order.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl tar zstd sqlite3

. "$DOSSIER_TOP/tests/fixture.sh"
fixture_up 24
gen() { fixture_gen "$@"; }
# fresh NAME: a copy of the fixture store for one case, in $S.
fresh() {
	cp "$F/store.db" "$T/$1.db"
	S=(--store "$T/$1.db")
}
# passes N: the last run's JSON lines hold N results, every one a pass.
passes() {
	expect_eq "$(grep -c '"verdict":"pass"' "$T/out")/$(grep -c '"verdict"' "$T/out")" \
	    "$1/$1" "$2"
}

# b0, b1, b2: made in issue order, clocks rising.
gen b0 1000
gen b1 2000
gen b2 3000

# --- a directory whose names sort last bundle first -------------------------
mkdir -p "$T/dir"
cp "$T/b/b2.dossier" "$T/dir/a.dossier"
cp "$T/b/b1.dossier" "$T/dir/b.dossier"
cp "$T/b/b0.dossier" "$T/dir/c.dossier"
fresh dir
expect 0 "directory: three bundles in reverse order pass" "$DOSSIER" \
    "${S[@]}" verify -j 1 "$T/dir"
passes 3 "directory: three passes"
expect_eq "$(grep -c 'went back' "$T/out")" 0 "directory: no rollback reported"

# --- an archive ---------------------------------------------------------------
(cd "$T/dir" && tar -cf - a.dossier b.dossier c.dossier | zstd -q -o "$T/rev.tar.zst")
fresh tar
expect 0 "archive: reverse order passes" "$DOSSIER" "${S[@]}" verify \
    "$T/rev.tar.zst"
passes 3 "archive: three passes"

# --- standard input -------------------------------------------------------------
fresh stdin
cat "$T/b/b2.dossier" "$T/b/b0.dossier" "$T/b/b1.dossier" >"$T/mixed.bin"
expect 0 "stdin: mixed order passes" "$DOSSIER" "${S[@]}" verify -j 2 - \
    <"$T/mixed.bin"
passes 3 "stdin: three passes"

# --- a spool judged once (names sort by challenge id, not by issue) -------------
fresh spool
EV=$T/ev
mkdir -p "$EV/tmp" "$EV/new" "$EV/cur"
for n in b0 b1 b2; do cp "$T/b/$n.dossier" "$EV/new/$(cat "$T/b/$n.name")"; done
expect 0 "spool: judged once, all pass" "$DOSSIER" "${S[@]}" verify "$EV"
passes 3 "spool: three passes"

# --- a forged bundle claiming the device and a challenge ------------------------
# Its manifest is signed by another key: its result names no device or
# challenge, so it takes no name from the genuine answer after it.
read -r _ _ id sec < <(grep "^b9 " "$F/challenges")
"$GEN" -k "$F/a.pem" -o "$T/forged.dossier" -c "$id" -n "$sec" \
    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" \
    --clock 9000 --manifest-key "$F/b.pem" || not_ok "gen forged"
gen b9 9100
fresh forged
EV=$T/evforged RES=$T/resforged
mkdir -p "$EV/tmp" "$EV/new" "$EV/cur"
cp "$T/forged.dossier" "$EV/new/evidence-$DEV-00000000000000000000000000000000.dbundle"
cp "$T/b/b9.dossier" "$EV/new/$(cat "$T/b/b9.name")"
expect 1 "forged: one of two fails" "$DOSSIER" "${S[@]}" verify --results "$RES" "$EV"
expect_out '"device":null,"challenge":null,"verdict":"fail","checks":\[[^]]*"manifest.signature","outcome":"fail","reason":"[^"]*the manifest claims device '"$DEV"', challenge '"$id" \
    "forged: its result names no device; the reason says what it claims"
expect_eq "$(ls "$RES/new" | grep -c '^results-unknown-')" 1 "forged: filed as unknown"
expect_eq "$(ls "$RES/new" | grep -c "^results-$DEV-$id.dres\$")" 1 \
    "forged: the genuine answer's result under its own name"
expect_eq "$(sqlite3 "$T/forged.db" "select count(*) from results where device_id is not null and verdict <> 'pass'")" \
    0 "forged: nothing in the device's history"

# --- a followed spool, bundles arriving last first --------------------------------
fresh follow
EV=$T/evf RES=$T/resf
mkdir -p "$EV/tmp" "$EV/new" "$EV/cur"
"$DOSSIER" "${S[@]}" verify -q --follow --results "$RES" "$EV" \
    >"$T/follow.jsonl" 2>"$T/follow.log" &
PID=$!
at_exit "kill -9 $PID 2>/dev/null"
for i in $(seq 1 300); do
	grep -q '^verify: following' "$T/follow.log" && break
	sleep 0.1
done
nres() { find "$RES/new" -name 'results-*.dres' 2>/dev/null | wc -l; }
n=0
for b in b2 b1 b0; do
	cp "$T/b/$b.dossier" "$EV/tmp/x.part" &&
	    mv "$EV/tmp/x.part" "$EV/new/$(cat "$T/b/$b.name")"
	n=$((n + 1))
	for i in $(seq 1 300); do [ "$(nres)" -ge $n ] && break; sleep 0.1; done
done
kill -TERM "$PID"
wait "$PID"
expect_eq "$?" 0 "follow: stops with status 0"
expect_eq "$(grep -c '"verdict":"pass"' "$T/follow.jsonl")/$(grep -c '"verdict"' "$T/follow.jsonl")" \
    "3/3" "follow: three arrived last first, three passes"

# --- a TPM reboot between two bundles, judged last first ---------------------------
gen b3 4000 1
gen b4 100 2
fresh reboot
expect 0 "reboot: both pass judged last first" "$DOSSIER" "${S[@]}" verify \
    -j 1 "$T/b/b4.dossier" "$T/b/b3.dossier"
passes 2 "reboot: two passes"
expect_out '"name":"state.reset","outcome":"ok","reason":"reboot reported' \
    "reboot: reported"

# --- genuine rollbacks ---------------------------------------------------------------
# b5 then b6 was issued, yet b6's quote shows an older clock.
gen b5 5000 3
gen b6 4500 3
fresh rollback
expect 1 "rollback: judged in issue order, the later challenge fails" \
    "$DOSSIER" "${S[@]}" verify -j 1 "$T/b/b5.dossier" "$T/b/b6.dossier"
expect_out '"name":"state.clock","outcome":"fail","reason":"clock went back from 5000 to 4500' \
    "rollback: state.clock names both clocks"
fresh rollback2
expect 1 "rollback: judged the other way, it fails all the same" \
    "$DOSSIER" "${S[@]}" verify -j 1 "$T/b/b6.dossier" "$T/b/b5.dossier"
expect_out '"name":"state.clock","outcome":"fail","reason":"clock 5000 ms is later than the 4500 ms accepted for a challenge issued after this one' \
    "rollback: the earlier challenge's bundle is the one that contradicts"
expect_eq "$(grep -c '"verdict":"pass"' "$T/out")" 1 "rollback: one of the two passes"
# resetCount lower for a later challenge
gen b7 100 5
gen b8 200 4
fresh rollback3
expect 1 "rollback: a lower resetCount for a later challenge fails" \
    "$DOSSIER" "${S[@]}" verify -j 1 "$T/b/b8.dossier" "$T/b/b7.dossier"
expect_out '"name":"state.reset","outcome":"fail","reason":"resetCount 5 is later than the 4' \
    "rollback: state.reset names both counts"

# --- two runs at once over overlapping inputs --------------------------------------
for i in $(seq 9 20); do gen "b$i" $((10000 + i * 100)) 6; done
fresh concurrent
mkdir -p "$T/c1" "$T/c2"
for i in $(seq 9 16); do cp "$T/b/b$i.dossier" "$T/c1/$(printf '%02d' $((30 - i))).dossier"; done
for i in $(seq 13 20); do cp "$T/b/b$i.dossier" "$T/c2/$(printf '%02d' $((i * 7 % 11))).dossier"; done
"$DOSSIER" "${S[@]}" verify -j 2 "$T/c1" >"$T/c1.jsonl" 2>"$T/c1.err" &
P1=$!
"$DOSSIER" "${S[@]}" verify -j 2 "$T/c2" >"$T/c2.jsonl" 2>"$T/c2.err" &
P2=$!
wait $P1; wait $P2
expect_eq "$(sqlite3 "$T/concurrent.db" "select count(distinct bundle_sha256) from results where verdict = 'pass'")" \
    12 "concurrent: every one of the 12 bundles has a pass"
expect_eq "$(sqlite3 "$T/concurrent.db" "select count(*) from results where verdict = 'pass'")" \
    12 "concurrent: exactly one pass each"
expect_eq "$(cat "$T/c1.jsonl" "$T/c2.jsonl" | grep -c '"name":"state\.[a-z]*","outcome":"fail"')" \
    0 "concurrent: no state check failed"
expect_eq "$(cat "$T/c1.jsonl" "$T/c2.jsonl" | grep -c 'challenge.single-use","outcome":"fail"')" \
    4 "concurrent: the 4 bundles given to both runs fail single-use once"
done_testing
