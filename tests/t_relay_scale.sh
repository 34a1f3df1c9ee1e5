#!/usr/bin/env bash
# t_relay_scale.sh - scale-out over a real mosquitto: three devices
# (bundles minted without a TPM by verify_gen_fleet) publish their evidence;
# two verifier workers, each a dossier-relay in the MQTT 5 shared
# subscription $share/verifiers/... into its own spool and a
# `dossier verify --follow` on it, both on one store file, judge them; the
# results go back over the broker to each device's own results spool.
# The devices answer in rounds (the next bundle after the last result), as
# a device's growing TPM clock requires.
# Every bundle is judged exactly once (one result per challenge, each
# signed, each pass), both workers take part, and a redelivered bundle
# gets no second result.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"

N=12
"$DOSSIER_TOOLS/verify_gen_fleet" -n $N -D 3 -e 40 -E 0 -j 2 -o "$T/fleet" \
    >/dev/null || { not_ok "verify_gen_fleet"; exit 0; }
S=(--store "$T/fleet/store.db")
BUNDLES=("$T"/fleet/bundles/*/*.dossier)
expect_eq "${#BUNDLES[@]}" $N "$N bundles of 3 devices minted"
# field FILE KEY: a line "KEY VALUE" of dossier inspect.
field() { "$DOSSIER" inspect "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2; exit }'; }
declare -A DEVOF=() CHAL=()
for b in "${BUNDLES[@]}"; do
	DEVOF[$b]=$(field "$b" device-id)
	CHAL[$b]=$(field "$b" challenge-id)
done
DEVS=($(printf '%s\n' "${DEVOF[@]}" | sort -u))
expect_eq "${#DEVS[@]}" 3 "three devices"

mq_start

# Two verifier workers: relay (shared subscription) -> spool -> verify
# --follow -> results spool -> relay.
declare -A FPID=()
for w in 1 2; do
	# Both spools made first: verify --follow and the relays would
	# otherwise race to create them.
	mkdir -p "$T/w$w/ev/tmp" "$T/w$w/ev/new" "$T/w$w/ev/cur" \
	    "$T/w$w/res/tmp" "$T/w$w/res/new" "$T/w$w/res/cur"
	relay_bg sub-w$w subscribe evidence "$T/w$w/ev" --share verifiers
	"$DOSSIER" "${S[@]}" verify -q --follow --results "$T/w$w/res" "$T/w$w/ev" \
	    >>"$T/w$w/follow.jsonl" 2>>"$T/w$w/follow.log" &
	FPID[$w]=$!
	relay_bg pub-w$w publish results "$T/w$w/res"
done
at_exit 'for p in "${FPID[@]}"; do kill -9 $p 2>/dev/null; done'
# Each device: its results arrive in its own spool (--device).
i=0
for d in "${DEVS[@]}"; do
	i=$((i + 1))
	mkdir -p "$T/d$i"
	relay_bg res-d$i subscribe results "$T/d$i/res" --device "$d"
done
for n in sub-w1 sub-w2 res-d1 res-d2 res-d3; do
	wait_log $n "subscribed to" || not_ok "$n subscribes" "$(cat "$T/$n.log")"
done
grep -q 'subscribed to \$share/verifiers/dossier/f1/evidence/+ (QoS 1)' "$T/sub-w1.log" &&
	ok "workers: shared subscription \$share/verifiers/dossier/FLEET/evidence/+" ||
	not_ok "workers: shared subscription" "$(cat "$T/sub-w1.log")"

# The devices publish their bundles, in rounds as real devices would (one
# answer per challenge, the next after the result: a device's TPM clock
# only grows, and the verifier holds it to that, state.clock): each round
# every device publishes its next bundle, and the round ends when all
# results are back.
nres() { find "$T"/d[123]/res/new -name 'results-*.dres' 2>/dev/null | wc -l | tr -d ' '; }
for i in 1 2 3; do relay_bg pub-d$i publish evidence "$T/d$i/out"; done
declare -A NEXT=()
for b in "${BUNDLES[@]}"; do
	i=0
	for d in "${DEVS[@]}"; do
		i=$((i + 1))
		if [ "$d" = "${DEVOF[$b]}" ]; then
			NEXT[$i]="${NEXT[$i]:-} $b"
		fi
	done
done
want=0
while [ -n "${NEXT[1]}${NEXT[2]}${NEXT[3]}" ]; do
	for i in 1 2 3; do
		set -- ${NEXT[$i]}
		[ $# -gt 0 ] || continue
		spool_put "$T/d$i/out" evidence "${DEVS[$((i - 1))]}" "$1"
		want=$((want + 1))
		shift
		NEXT[$i]="$*"
	done
	for k in $(seq 1 300); do
		[ "$(nres)" -ge $want ] && break
		sleep 0.1
	done
	[ "$(nres)" -ge $want ] || break
done
expect_eq "$(nres)" $N "every bundle's result reaches its device ($N)"
sleep 1
expect_eq "$(nres)" $N "no bundle judged twice (still $N results)"

# Each result: signed by the store's verifier, pass, for its own device and
# one challenge each; together exactly the challenges of the bundles.
"$DOSSIER" "${S[@]}" init --show-key -o "$T/verifier.pem" >/dev/null 2>&1
bad=0 wrongdev=0
: >"$T/got-challenges"
for i in 1 2 3; do
	for f in "$T"/d$i/res/new/*.dres; do
		[ -e "$f" ] || continue
		"$DOSSIER" inspect --verifier-key "$T/verifier.pem" "$f" >"$T/insp" 2>&1 ||
			bad=$((bad + 1))
		grep -Eiq 'verdict[^a-z]*pass' "$T/insp" || { bad=$((bad + 1)); cat "$T/insp" >>"$T/bad"; }
		grep -q "${DEVS[$((i - 1))]}" "$T/insp" || wrongdev=$((wrongdev + 1))
		grep -Eo '[0-9a-f]{32}' "$T/insp" | grep -Fxf <(printf '%s\n' "${CHAL[@]}") \
		    | head -1 >>"$T/got-challenges"
	done
done
expect_eq "$bad" 0 "every result verifies with the verifier key and passes"
[ "$bad" -eq 0 ] || head -c 1500 "$T/bad"
expect_eq "$wrongdev" 0 "every result is in its own device's spool"
expect_eq "$(sort -u "$T/got-challenges" | wc -l | tr -d ' ')" $N \
    "one result per challenge, every challenge answered"
n1=$(grep -c "^dossier-relay: published results-" "$T/pub-w1.log")
n2=$(grep -c "^dossier-relay: published results-" "$T/pub-w2.log")
expect_eq "$((n1 + n2))" $N "the workers published $N results together ($n1 + $n2)"
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && ok "both workers judged bundles" ||
	not_ok "both workers judged bundles" "$n1 and $n2"
full=""
for i in 1 2 3; do
	wait_count "$T/d$i/out/cur" 0 && wait_count "$T/d$i/out/new" 0 ||
		full="$full d$i"
done
expect_eq "$full" "" "the devices' spools are empty"

# A bundle delivered again (QoS 1 may): judged before, no second result.
b=${BUNDLES[0]}
mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -q 1 -t "dossier/f1/evidence/${DEVOF[$b]}" -f "$b"
for i in $(seq 1 100); do
	grep -q "judged before" "$T/w1/follow.log" "$T/w2/follow.log" && break
	sleep 0.1
done
grep -q "judged before" "$T/w1/follow.log" "$T/w2/follow.log" &&
	ok "redelivery: a worker sees the bundle was judged before" ||
	not_ok "redelivery: judged before" "$(tail -n 3 "$T/w1/follow.log" "$T/w2/follow.log")"
sleep 1
expect_eq "$(nres)" $N "redelivery: no second result"

# Everything stops cleanly.
for n in pub-d1 pub-d2 pub-d3 sub-w1 sub-w2; do relay_stop $n; expect_eq "$RC" 0 "$n stops"; done
for w in 1 2; do
	kill -TERM "${FPID[$w]}"
	wait "${FPID[$w]}"
	expect_eq "$?" 0 "worker $w: verify --follow stops with 0"
done
for n in pub-w1 pub-w2 res-d1 res-d2 res-d3; do relay_stop $n; expect_eq "$RC" 0 "$n stops"; done
mq_stop
done_testing
