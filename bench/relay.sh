#!/usr/bin/env bash
# bench/relay.sh - dossier-relay throughput through a local mosquitto
# (bench/run calls this; DOSSIER_TOP and DOSSIER_BUILD are set).
#
#   bench/relay.sh VARSFILE
#
# Setup (not timed): $BENCH_RELAY_N (default 2000) distinct evidence
# bundles of one device (verify_gen_fleet, 30-entry IMA logs, about 7 KB
# each) in a publisher spool's new/; mosquitto on a free loopback port
# (persistence off, no limit on the messages queued for a client, as
# dossier-relay(1) asks of a broker: with mosquitto's default of 1000 it
# drops what a subscriber that falls behind has not taken yet); a
# subscriber relay on the evidence topic, subscribed.
#
# Timed:
#   relay   from starting `dossier-relay publish evidence` until the
#           subscriber's spool holds every bundle: per file a claim,
#           read, container check, publish, PUBACK, unlink on one side;
#           receive, container check, SHA-256, write, fsync, rename, fsync
#           of new/ on the other;
#   floor   bench/relay_floor: one libmosquitto client publishing one of
#           the bundles N times to itself with the same QoS 1 window (16)
#           and no files: what the broker and the protocol cost here.
# Messages/s of each and their ratio; no target (fsync dominates on slow
# disks). Writes RELAY_* assignments to VARSFILE and prints a table. Exit
# 0; 3 when mosquitto is not installed; 1 when something failed to run.
set -u
VARS=${1:?usage: bench/relay.sh VARSFILE}
TOP=${DOSSIER_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${DOSSIER_BUILD:-build}
RELAY=$TOP/$B/dossier-relay
TOOLS=$TOP/$B/tools
N=${BENCH_RELAY_N:-2000}
W=$TOP/build/bench/relay
RELAY_WAIT_S=300	# for every bundle to arrive (they take seconds)

die() { echo "bench/relay: $*" >&2; exit 1; }
command -v mosquitto >/dev/null || { echo "bench/relay: mosquitto not installed: skipped"; exit 3; }
for t in "$RELAY" "$TOOLS/verify_gen_fleet" "$TOOLS/relay_floor" "$TOP/$B/dossier"; do
	[ -x "$t" ] || die "$t not built"
done

rm -rf "$W"
mkdir -p "$W"
echo "bench: relay: minting $N bundles"
"$TOOLS/verify_gen_fleet" -n "$N" -D 1 -e 30 -E 0 -o "$W/fleet" >/dev/null ||
    die "verify_gen_fleet failed"
first=$(ls "$W"/fleet/bundles/*/*.dossier | head -n 1)
dev=$("$TOP/$B/dossier" inspect "$first" | awk '$1 == "device-id" { print $2; exit }')
[ -n "$dev" ] || die "no device id in $first"
mkdir -p "$W/out/tmp" "$W/out/new" "$W/out/cur" "$W/in"
i=0
for f in "$W"/fleet/bundles/*/*.dossier; do
	i=$((i + 1))
	mv "$f" "$W/out/new/evidence-$dev-$(printf '%032x' "$i").dbundle"
done
bytes=$(du -sb "$W/out/new" | cut -f1)

port=
for _ in $(seq 1 200); do
	p=$(( (RANDOM % 20000) + 20000 ))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
[ -n "$port" ] || die "no free port"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nuser %s\n' \
    "$port" "$(id -un)" >"$W/mosquitto.conf"
mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
MQ=$!
SUB= PUB=
cleanup() {
	for p in $PUB $SUB $MQ; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
sleep 0.3

# Started directly (not through a shell function), so $! is the relay.
R=("$RELAY" --broker "mqtt://127.0.0.1:$port" --fleet bench)
"${R[@]}" subscribe evidence "$W/in" 2>"$W/sub.log" &
SUB=$!
for _ in $(seq 1 100); do grep -q "subscribed to" "$W/sub.log" && break; sleep 0.05; done
grep -q "subscribed to" "$W/sub.log" || die "the subscriber did not subscribe"

t0=$(date +%s.%N)
"${R[@]}" publish evidence "$W/out" 2>"$W/pub.log" &
PUB=$!
deadline=$(( $(date +%s) + RELAY_WAIT_S ))
while [ "$(find "$W/in/new" -type f | wc -l)" -lt "$N" ]; do
	kill -0 "$SUB" 2>/dev/null || die "the subscriber died"
	[ "$(date +%s)" -lt "$deadline" ] || die "$(find "$W/in/new" -type f |
	    wc -l) of $N bundles arrived in ${RELAY_WAIT_S} s (broker log: $(grep -i \
	    -m 1 'drop' "$W/mosquitto.log" || echo 'no drops'))"
	sleep 0.02
done
t1=$(date +%s.%N)
relay_s=$(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }")

line=$("$TOOLS/relay_floor" -p "$port" -t bench/floor -n "$N" \
    "$(ls "$W"/in/new/* | head -n 1)") || die "relay_floor failed"
floor_s=${line#floor_s=}; floor_s=${floor_s%% *}

rate() { awk "BEGIN { printf \"%.0f\", $N / $1 }"; }
RELAY_MSGS_PER_S=$(rate "$relay_s")
RELAY_FLOOR_MSGS_PER_S=$(rate "$floor_s")
RELAY_FLOOR_RATIO=$(awk "BEGIN { printf \"%.2f\", $floor_s / $relay_s }")
RELAY_MIB_PER_S=$(awk "BEGIN { printf \"%.1f\", $bytes / 1048576 / $relay_s }")
printf '%-34s %16s %16s\n' "relay, $N bundles" "dossier-relay" "floor"
printf '%-34s %16s %16s\n' "messages/s" "$RELAY_MSGS_PER_S" "$RELAY_FLOOR_MSGS_PER_S"
printf '%-34s %16s %16s\n' "MiB/s (bundles)" "$RELAY_MIB_PER_S" "-"
printf '%-34s %16s\n' "fraction of the floor" "$RELAY_FLOOR_RATIO"
cat >"$VARS" <<EOF
RELAY_JSON='  "relay.bundles": $N,
  "relay.msgs_per_s": $RELAY_MSGS_PER_S,
  "relay.mib_per_s": $RELAY_MIB_PER_S,
  "relay.floor_msgs_per_s": $RELAY_FLOOR_MSGS_PER_S,
  "relay.floor_ratio": $RELAY_FLOOR_RATIO'
EOF
exit 0
