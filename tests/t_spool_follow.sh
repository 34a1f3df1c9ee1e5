#!/usr/bin/env bash
# t_spool_follow.sh - dossier verify --follow SPOOL --results SPOOL
# (dossier-spool(5)) with generated evidence (gen_evidence, no TPM)
# against test_judge_verify's fixture store: bundles dropped into the
# spool while it runs are judged and each gets one signed result; a
# redelivery (same bytes, another name) gets no second result; SIGTERM
# stops it with exit 0; a claim left in cur/ before or after its commit is
# taken up (delivered once); kill -9 in the middle of a stream and a
# restart leave every bundle with exactly one result; dossier verify SPOOL
# once; a second follower of the same spool is refused.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl
python3 -c "import cryptography" 2>/dev/null || skip_all t_spool_follow "python3 cryptography"

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/b"
"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 9 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")
# The device id: the SHA-256 of its EK certificate file.
DEV=$(openssl dgst -sha256 -r "$F/a.crt" | cut -c1-64)

# gen NAME: $T/b/NAME.dossier answering challenge NAME, its TPM clock
# rising with the challenge's place in the order the fixture issued them
# (the verifier compares states in that order, dossier-verify(1)); its
# spool name in $T/b/NAME.name.
gen() {
	local name=$1 id sec x=() clock
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	clock=$((1000000 + 10 * $(grep -n "^$name " "$F/challenges" | cut -d: -f1)))
	case $name in
	wrongak) x=(--manifest-key "$F/b.pem") ;;
	pcr) x=(--flip-pcr 3) ;;
	esac
	"$GEN" -k "$F/a.pem" -o "$T/b/$name.dossier" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" \
	    --clock "$clock" "${x[@]}" || not_ok "gen $name"
	echo "evidence-$DEV-$id.dbundle" >"$T/b/$name.name"
	echo "$id" >"$T/b/$name.id"
}
for n in pass replay other wrongak pcr added removed changed truncated \
    tampered extra rollback reordered reset signed stdin tar1; do
	read -r _ _ id _ < <(grep "^$n " "$F/challenges")
	echo "$id" >"$T/b/$n.id"
	echo "evidence-$DEV-$id.dbundle" >"$T/b/$n.name"
done

EV=$T/ev RES=$T/res
mkdir -p "$EV/tmp" "$EV/new" "$EV/cur"
# drop NAME [SPOOLNAME]: deliver a bundle as a writer does (tmp/, rename).
drop() {
	local to=${2:-$(cat "$T/b/$1.name")}
	cp "$T/b/$1.dossier" "$EV/tmp/$to.part" && mv "$EV/tmp/$to.part" "$EV/new/$to"
}
# drop_new NAME...: make the bundles and drop them in the order the
# verifier takes them (spool names sorted, not the order of issue).
drop_new() {
	local n
	for n in $(for n in "$@"; do echo "$(cat "$T/b/$n.id") $n"; done |
	    sort | cut -d' ' -f2); do
		gen "$n"
		drop "$n"
	done
}
nres() { find "$RES/new" -name 'results-*.dres' 2>/dev/null | wc -l; }
# wait_res N: until N result files (at most 30 s).
wait_res() {
	local i
	for i in $(seq 1 300); do
		[ "$(nres)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_empty: until the evidence spool's new/ and cur/ are empty.
wait_empty() {
	local i
	for i in $(seq 1 300); do
		[ -z "$(ls -A "$EV/new")$(ls -A "$EV/cur")" ] && return 0
		sleep 0.1
	done
	return 1
}
PID=
# follow_start: a follower in the background, returning once it is ready
# (its signal handlers are set when it says "following"; before that, a
# SIGINT to a background job of a script is ignored).
follow_start() {
	local before i
	before=$(grep -c '^verify: following' "$T/follow.log" 2>/dev/null)
	"$DOSSIER" "${S[@]}" verify -q --follow --results "$RES" "$EV" \
	    >>"$T/follow.jsonl" 2>>"$T/follow.log" &
	PID=$!
	at_exit "kill -9 $PID 2>/dev/null"
	for i in $(seq 1 300); do
		[ "$(grep -c '^verify: following' "$T/follow.log")" -gt "${before:-0}" ] &&
		    return 0
		sleep 0.1
	done
	not_ok "follow: started" "$(tail -n 2 "$T/follow.log")"
}
# follow_stop SIG: signal the follower; its exit status in $RC (after at
# most 30 s; then it is killed and RC is "hung").
follow_stop() {
	local i
	kill -"$1" "$PID"
	for i in $(seq 1 300); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -9 "$PID"; wait "$PID" 2>/dev/null; RC=hung
	else
		wait "$PID"; RC=$?
	fi
}

# --- follow: results for what arrives ------------------------------------------
follow_start
drop_new pass replay other
wait_res 3 && ok "follow: three bundles dropped, three results" ||
    not_ok "follow: three results" "$(nres) after 30 s; $(tail -n 3 "$T/follow.log" | tr '\n' '|')"
for n in pass replay other; do
	expect_eq "$(ls "$RES/new" | grep -c "^results-$DEV-$(cat "$T/b/$n.id").dres\$")" 1 \
	    "follow: results-DEVICE-CHALLENGE.dres for $n"
done
drop_new wrongak pcr
wait_res 5 && ok "follow: two more, five results" || not_ok "follow: five results" "$(nres)"
wait_empty && ok "follow: claims finished" || not_ok "follow: claims finished" "$(ls "$EV/new" "$EV/cur" | tr '\n' ' ')"

# A QoS 1 redelivery: the same bytes under another name.
other_name="evidence-$DEV-00000000000000000000000000000001.dbundle"
drop pass "$other_name"
wait_empty && ok "follow: the redelivery was claimed and finished" ||
    not_ok "follow: redelivery finished"
sleep 0.5
expect_eq "$(nres)" 5 "follow: no second result for the redelivered bundle"
grep -q "$other_name: judged before" "$T/follow.log" &&
    ok "follow: the redelivery is named in the log" ||
    not_ok "follow: redelivery logged" "$(cat "$T/follow.log")"
# The same name again after its claim was finished: no second result.
drop replay
wait_empty; sleep 0.5
expect_eq "$(nres)" 5 "follow: the same file delivered again: no second result"

follow_stop TERM
expect_eq "$RC" 0 "follow: SIGTERM stops it with exit 0"
grep -q "^verify: stopped" "$T/follow.log" && ok "follow: says it stopped" ||
    not_ok "follow: stop line" "$(tail -n 2 "$T/follow.log")"

# Each result file is signed by the store's verifier: dossier inspect
# checks the signature and shows the verdict.
"$DOSSIER" "${S[@]}" init --show-key -o "$T/verifier.pem" >/dev/null 2>&1
bad=0
for f in "$RES"/new/*.dres; do
	"$DOSSIER" inspect --verifier-key "$T/verifier.pem" "$f" >/dev/null 2>&1 ||
	    bad=$((bad + 1))
done
expect_eq "$bad" 0 "results: each signature verifies with the verifier key"
verdicts=""
for n in pass replay other pcr; do
	v=$("$DOSSIER" inspect --verifier-key "$T/verifier.pem" \
	    "$RES/new/results-$DEV-$(cat "$T/b/$n.id").dres" 2>/dev/null |
	    grep -Eio 'verdict[^a-z]*(pass|fail)' | grep -Eio '(pass|fail)$' | head -n 1)
	verdicts="$verdicts$v "
done
expect_eq "$verdicts" "pass pass pass fail " \
    "results: verdicts (a flipped PCR fails)"
# A manifest that does not verify names no device: its result is filed
# as unknown, never under the device and challenge it claims.
expect_eq "$(ls "$RES/new" | grep -c "results-$DEV-$(cat "$T/b/wrongak.id")")" 0 \
    "results: nothing filed under the name a forged bundle claims"
expect_eq "$(ls "$RES/new" | grep -c '^results-unknown-')" 1 \
    "results: the forged bundle's result filed as unknown"
# --- crash leftovers ----------------------------------------------------------------
# (a) claimed, died before judging: in cur/, no result yet.
gen added; gen removed
cp "$T/b/added.dossier" "$EV/cur/$(cat "$T/b/added.name")"
# (b) judged and committed, died before delivering its result.
expect 0 "a bundle judged outside the spool (committed, no result file)" \
    "$DOSSIER" "${S[@]}" verify -q "$T/b/removed.dossier"
cp "$T/b/removed.dossier" "$EV/cur/$(cat "$T/b/removed.name")"
# (c) delivered and committed, died before finishing the claim: in cur/.
cp "$T/b/pcr.dossier" "$EV/cur/$(cat "$T/b/pcr.name")"
follow_start
wait_res 7 && ok "restart: the claims left in cur/ are taken up" ||
    not_ok "restart: leftovers" "$(nres); $(tail -n 3 "$T/follow.log" | tr '\n' '|')"
wait_empty && ok "restart: leftover claims finished" || not_ok "restart: leftovers finished"
for n in added removed; do
	expect_eq "$(ls "$RES/new" | grep -c "^results-$DEV-$(cat "$T/b/$n.id").dres\$")" 1 \
	    "restart: $n has its result"
done
sleep 0.5
expect_eq "$(nres)" 7 "restart: the leftover already delivered is not delivered twice"

# A second follower of the same spool is refused.
expect 2 "a second follower of the spool is refused" "$DOSSIER" "${S[@]}" \
    verify --follow --results "$RES" "$EV"
expect_err "another consumer holds it" "the refusal says why"

# --- kill -9 in the middle of a stream ---------------------------------------------------
# The follower is killed while bundles arrive and twice more at random
# points of the stream, restarted each time.
kills=""
drop_new changed truncated tampered
kill -9 "$PID"; wait "$PID" 2>/dev/null; kills="$kills $(nres)"
follow_start
drop_new extra rollback reordered
sleep "0.0$((RANDOM % 10))"
kill -9 "$PID"; wait "$PID" 2>/dev/null; kills="$kills $(nres)"
follow_start
drop_new reset signed
sleep "0.0$((RANDOM % 10))"
kill -9 "$PID"; wait "$PID" 2>/dev/null; kills="$kills $(nres)"
follow_start
wait_res 15 && ok "kill -9 three times (results then:$kills), restart: every bundle has a result" ||
    not_ok "kill -9 and restart" "$(nres) of 15"
wait_empty
follow_stop INT
expect_eq "$RC" 0 "follow: SIGINT stops it with exit 0"
n=0
for f in pass replay other pcr added removed changed truncated \
    tampered extra rollback reordered reset signed; do
	[ "$(ls "$RES/new" | grep -c "^results-$DEV-$(cat "$T/b/$f.id").dres\$")" = 1 ] ||
	    n=$((n + 1))
done
# wrongak's manifest does not verify: its result is the one unknown.
[ "$(ls "$RES/new" | grep -c '^results-unknown-')" = 1 ] || n=$((n + 1))
expect_eq "$n $(nres)" "0 15" "every bundle exactly one result (15 files)"
# A writer killed mid-delivery leaves tmp/ files; the next run removes
# them once a day old (never files in new/).
touch "$RES/tmp/results-$DEV-00.1234.abcd"
touch -d '2 days ago' "$RES"/tmp/*
touch "$RES/tmp/results-$DEV-01.1234.abcd"

# --- verify SPOOL once ------------------------------------------------------------------
drop_new stdin tar1
expect 0 "verify SPOOL: judges what is there, then exits" "$DOSSIER" \
    "${S[@]}" verify -q --results "$RES" "$EV"
expect_eq "$(grep -c '"verdict"' "$T/out")" 2 "verify SPOOL: two JSON lines"
expect_eq "$(nres)$(ls -A "$EV/new" "$EV/cur" | grep -c dbundle)" "170" \
    "verify SPOOL: two results more, spool empty"
expect_eq "$(ls -A "$RES/tmp")" "results-$DEV-01.1234.abcd" \
    "results spool: tmp/ leftovers older than a day removed, a fresh one kept"
expect 2 "verify: --follow on a directory that is not a spool" "$DOSSIER" \
    "${S[@]}" verify --follow "$T/b"
expect_err "not a spool" "verify --follow: the refusal names the spool"

# A second verifier on its own spool, sharing the store: a bundle the first
# one judged arrives there too (a redelivery to another shared-subscription
# member): not judged again, no result.
mkdir -p "$T/ev2/tmp" "$T/ev2/new" "$T/ev2/cur"
cp "$T/b/other.dossier" "$T/ev2/new/$(cat "$T/b/other.name")"
expect 0 "second verifier: the other's bundle again" "$DOSSIER" "${S[@]}" \
    verify -q --results "$T/res2" "$T/ev2"
expect_err "judged before \\(same bundle\\): no second result" \
    "second verifier: recognized through the shared store"
expect_eq "$(ls -A "$T/res2/new" | wc -l)$(ls -A "$T/ev2/new" "$T/ev2/cur" | grep -c dbundle)" "00" \
    "second verifier: no result file, claim finished"
done_testing
