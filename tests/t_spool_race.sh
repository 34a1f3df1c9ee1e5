#!/usr/bin/env bash
# t_spool_race.sh - two `dossier verify --follow` processes sharing one
# store, each following its own spool, both given the same bundle bytes
# (a QoS 1 redelivery that reached both relays) before either starts: they
# judge them at the same moment. Whatever the interleaving, every bundle
# gets exactly one result row in the store, exactly one signed result in
# the two results spools together, and no result fails
# challenge.single-use (the second verifier takes the first's committed
# result as a redelivery: dossier-spool(5) "Several verifiers"). The
# deterministic form of the race is tests/unit/verify_test_batch_race.c;
# this runs the real processes, several rounds.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl sqlite3
python3 -c "import cryptography" 2>/dev/null || skip_all t_spool_race "python3 cryptography"

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/b"
"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 9 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")
DEV=$(openssl dgst -sha256 -r "$F/a.crt" | cut -c1-64)

# Bundles answering these challenges of the fixture, clocks rising.
NAMES=(pass replay other added removed changed truncated extra)
clock=1000000
for n in "${NAMES[@]}"; do
	read -r _ _ id sec < <(grep "^$n " "$F/challenges")
	clock=$((clock + 10))
	"$GEN" -k "$F/a.pem" -o "$T/b/$n.dossier" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" \
	    --clock "$clock" || not_ok "gen $n"
	echo "evidence-$DEV-$id.dbundle" >"$T/b/$n.name"
done

for k in 1 2; do
	mkdir -p "$T/ev$k/tmp" "$T/ev$k/new" "$T/ev$k/cur"
	for n in "${NAMES[@]}"; do
		cp "$T/b/$n.dossier" "$T/ev$k/new/$(cat "$T/b/$n.name")"
	done
done

PIDS=()
for k in 1 2; do
	"$DOSSIER" "${S[@]}" verify -q --follow --results "$T/res$k" "$T/ev$k" \
	    >"$T/f$k.jsonl" 2>"$T/f$k.log" &
	PIDS+=($!)
	at_exit "kill -9 $! 2>/dev/null"
done
done_both() {
	local k
	for k in 1 2; do
		[ -z "$(ls -A "$T/ev$k/new" "$T/ev$k/cur" 2>/dev/null | grep -v ':$' | grep -v '^$')" ] ||
		    return 1
	done
}
for i in $(seq 1 600); do
	done_both && break
	sleep 0.1
done
done_both && ok "race: both spools drained" ||
    not_ok "race: both spools drained" "$(tail -n 2 "$T/f1.log" "$T/f2.log" | tr '\n' '|')"
for p in "${PIDS[@]}"; do
	kill -TERM "$p"
	for i in $(seq 1 300); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	wait "$p"
	expect_eq "$?" 0 "race: follower $p stops with exit 0 on SIGTERM"
done

N=${#NAMES[@]}
rows=$(sqlite3 "$F/store.db" "SELECT count(*), count(DISTINCT bundle_sha256) FROM results WHERE device_id = x'$DEV'")
expect_eq "$rows" "$N|$N" "race: one result row per bundle in the store ($N bundles)"
dres=$(find "$T/res1/new" "$T/res2/new" -name 'results-*.dres' 2>/dev/null | wc -l)
expect_eq "$dres" "$N" "race: one signed result per bundle across both results spools"
for n in "${NAMES[@]}"; do
	id=$(sed -e "s/^evidence-$DEV-//" -e 's/\.dbundle$//' "$T/b/$n.name")
	c=$(find "$T/res1/new" "$T/res2/new" -name "results-$DEV-$id.dres" | wc -l)
	expect_eq "$c" 1 "race: $n has its result in exactly one spool"
done
single=$(cat "$T/f1.jsonl" "$T/f2.jsonl" |
    grep -c '"name":"challenge.single-use","outcome":"fail"')
expect_eq "$single" 0 "race: no result fails challenge.single-use"
again=$(cat "$T/f1.log" "$T/f2.log" | grep -c 'judged before (same bundle)')
expect_eq "$again" "$N" "race: the other verifier took each bundle as judged before"
done_testing
