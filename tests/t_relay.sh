#!/usr/bin/env bash
# t_relay.sh - dossier-relay against a real mosquitto broker: a publish ->
# subscribe round trip of each kind (challenge retained, MQTT 5 and 3.1.1),
# idempotent names (a redelivery is not a second file), refused messages
# (oversized, foreign, wrong device, expired, bad topic) logged and not
# written, --device filters, clean exit on SIGTERM; command line and config
# file refusals.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"

# --- command line and config file (no broker needed) --------------------------
expect 2 "usage: no arguments" "$RELAY"
expect 0 "--version" "$RELAY" --version
expect_out '^dossier-relay [0-9]' "--version prints the version"
expect 2 "usage: unknown kind" "$RELAY" --broker mqtt://127.0.0.1:1 --fleet f \
    publish bundles "$T/s"
expect_err "KIND 'bundles'" "usage: unknown kind named"
expect 2 "usage: bad broker URL" "$RELAY" --broker http://x --fleet f \
    publish evidence "$T/s"
expect_err "expected mqtt://HOST:PORT" "usage: bad broker URL named"
expect 2 "usage: --fleet with a slash" "$RELAY" --broker mqtt://h:1 \
    --fleet a/b publish evidence "$T/s"
expect 2 "usage: --share needs MQTT 5" "$RELAY" --broker mqtt://h:1 --fleet f \
    --protocol 3.1.1 subscribe evidence "$T/s" --share g
expect_err "needs --protocol 5" "usage: --share needs MQTT 5 named"
expect 2 "usage: --share on publish" "$RELAY" --broker mqtt://h:1 --fleet f \
    publish evidence "$T/s" --share g
expect 2 "usage: bad --device" "$RELAY" --broker mqtt://h:1 --fleet f \
    subscribe evidence "$T/s" --device abc

printf 'username = u\npassword = secret\n' >"$T/world.conf"
chmod 0644 "$T/world.conf"
expect 2 "config: a password others can read is refused" "$RELAY" \
    --broker mqtt://h:1 --fleet f --config "$T/world.conf" publish evidence "$T/s"
expect_err "world.conf: holds a password but others may read it" \
    "config: world-readable password named"
printf 'username = u\nport = 3\n' >"$T/unknown.conf"
expect 2 "config: unknown key refused" "$RELAY" --broker mqtt://h:1 --fleet f \
    --config "$T/unknown.conf" publish evidence "$T/s"
expect_err "unknown.conf:2: unknown key 'port'" "config: unknown key named with its line"
printf 'keepalive = 30\nkeepalive = 40\n' >"$T/twice.conf"
expect 2 "config: repeated key refused" "$RELAY" --broker mqtt://h:1 --fleet f \
    --config "$T/twice.conf" publish evidence "$T/s"
printf 'ca_file = /x\n' >"$T/tls.conf"
expect 2 "config: TLS files with mqtt:// refused" "$RELAY" --broker mqtt://h:1 \
    --fleet f --config "$T/tls.conf" publish evidence "$T/s"
expect 2 "usage: IPv6 broker without ']'" "$RELAY" --broker 'mqtt://[::1:1883' \
    --fleet f publish evidence "$T/s"
expect_err "missing '\]'" "usage: IPv6 broker without ']' named"
expect 2 "usage: port out of range" "$RELAY" --broker mqtt://h:70000 --fleet f \
    publish evidence "$T/s"
expect_err "port: '70000' is not a number from 1 to 65535" "usage: port out of range named"
expect 2 "usage: --protocol 4 refused" "$RELAY" --broker mqtt://h --fleet f \
    --protocol 4 publish evidence "$T/s"
for c in "password = p|password without username" \
    "cert_file = /c|cert_file and key_file go together" \
    "keepalive = 2|keepalive: '2' is not a number from 5 to 65535" \
    "just words|expected 'key = value'"; do
	printf '%s\n' "${c%%|*}" >"$T/c.conf"
	chmod 0600 "$T/c.conf"
	expect 2 "config: '${c%%|*}' refused" "$RELAY" --broker mqtt://h:1 \
	    --fleet f --config "$T/c.conf" publish evidence "$T/s"
	expect_err "${c#*|}" "config: '${c%%|*}': ${c#*|}"
done
[ ! -e "$T/s" ] && ok "refused command lines create no spool" ||
	not_ok "refused command lines create no spool"

# --- test files -----------------------------------------------------------------
make_fixture
D1=$(printf 'device one' | sha256sum | cut -c1-64)
D2=$(printf 'device two' | sha256sum | cut -c1-64)
make_challenge "$D1" "$T/c1.dchal"
make_challenge "$D2" "$T/c2.dchal"
make_challenge "$D1" "$T/c1-expired.dchal" --expires -10
make_bundle pass "$T/b1.dbundle" 1000000
make_bundle other "$T/b2.dbundle" 1000010 b
mkdir -p "$T/sign"
"$DOSSIER" --store "$FIX/store.db" verify --signed "$T/sign" --ear "$T/sign" \
    "$T/b1.dbundle" >/dev/null 2>&1
R1=$(ls "$T"/sign/*.dres 2>/dev/null | head -1)
E1=$(ls "$T"/sign/*.cwt 2>/dev/null | head -1)
[ -n "$R1" ] && [ -s "$R1" ] && [ -n "$E1" ] && [ -s "$E1" ] && ok "test files made" ||
    { not_ok "test files made"; exit 0; }

# --- round trip of each kind --------------------------------------------------
mq_start
relay_bg sub-c subscribe challenge "$T/in-c"
relay_bg sub-e --protocol 3.1.1 subscribe evidence "$T/in-e"
relay_bg sub-r subscribe results "$T/in-r"
relay_bg sub-x subscribe ear "$T/in-x"
relay_bg sub-d1 subscribe challenge "$T/in-d1" --device "$D1"
for n in sub-c sub-e sub-r sub-x sub-d1; do
	wait_log $n "subscribed to" || not_ok "$n subscribes" "$(cat "$T/$n.log")"
done
expect_eq "$(grep -c 'subscribed to dossier/f1/challenge/+ (QoS 1)' "$T/sub-c.log")" 1 \
    "subscribe: topic dossier/FLEET/KIND/+"
grep -q "subscribed to dossier/f1/challenge/$D1 " "$T/sub-d1.log" &&
	ok "subscribe --device: topic .../DEVICE" || not_ok "subscribe --device: topic .../DEVICE"
grep -q "MQTT 3.1.1, session new" "$T/sub-e.log" && ok "--protocol 3.1.1 connects" ||
	not_ok "--protocol 3.1.1 connects" "$(cat "$T/sub-e.log")"

spool_put "$T/out-c" challenge "$D1" "$T/c1.dchal"
spool_put "$T/out-c" challenge "$D2" "$T/c2.dchal"
spool_put "$T/out-e" evidence "$DEV_A" "$T/b1.dbundle"
spool_put "$T/out-e" evidence "$DEV_B" "$T/b2.dbundle"
spool_put "$T/out-r" results "$DEV_A" "$R1"
spool_put "$T/out-x" ear "$DEV_A" "$E1"
spool_put "$T/out-x" ear "$DEV_A" "$R1"	# a signed result is no EAR
echo junk >"$T/out-e/new/README"		# not a spool name: left alone
relay_bg pub-c publish challenge "$T/out-c"
relay_bg pub-e publish evidence "$T/out-e"
relay_bg pub-r --protocol 3.1.1 publish results "$T/out-r"
relay_bg pub-x publish ear "$T/out-x"

wait_count "$T/in-c/new" 2 && ok "challenges arrive" || not_ok "challenges arrive" "$(cat "$T/sub-c.log")"
wait_count "$T/in-e/new" 2 && ok "bundles arrive" || not_ok "bundles arrive" "$(cat "$T/sub-e.log")"
wait_count "$T/in-r/new" 1 && ok "results arrive" || not_ok "results arrive" "$(cat "$T/sub-r.log")"
wait_count "$T/in-x/new" 1 && ok "EARs arrive" || not_ok "EARs arrive" "$(cat "$T/sub-x.log")"
wait_log pub-x "not an EAR CWT" && ok "publish ear: a signed result in the ear spool refused, named" ||
	not_ok "publish ear: a signed result refused" "$(cat "$T/pub-x.log")"
wait_count "$T/in-d1/new" 1 && ok "--device: only its own challenge" ||
	not_ok "--device: only its own challenge" "$(ls "$T/in-d1/new")"
sleep 0.3
expect_eq "$(nfiles "$T/in-d1/new")" 1 "--device: not the other device's"

same() {	# KIND DEVICE FILE SPOOL: delivered under its idempotent name, same bytes
	local n
	n=$(uname_of "$1" "$2" "$3")
	if cmp -s "$3" "$4/new/$n"; then ok "$1 $(basename "$3"): same bytes as $n"
	else not_ok "$1 $(basename "$3") delivered as $n" "$(ls "$4/new")"; fi
}
same challenge "$D1" "$T/c1.dchal" "$T/in-c"
same challenge "$D2" "$T/c2.dchal" "$T/in-c"
same challenge "$D1" "$T/c1.dchal" "$T/in-d1"
same evidence "$DEV_A" "$T/b1.dbundle" "$T/in-e"
same evidence "$DEV_B" "$T/b2.dbundle" "$T/in-e"
same results "$DEV_A" "$R1" "$T/in-r"
same ear "$DEV_A" "$E1" "$T/in-x"

# One consumer per spool: a second publisher on it is refused (it would
# publish the first one's claims in cur/ again).
expect 2 "publish: a second publisher on the same spool is refused" \
    "$RELAY" --broker "$BROKER" --fleet "$FLEET" publish evidence "$T/out-e"
expect_err "another consumer holds it" "publish: the refusal says why"

# The publishers finish each claim only after the broker's PUBACK.
wait_count "$T/out-c/cur" 0 && wait_count "$T/out-e/cur" 0 &&
    wait_count "$T/out-r/cur" 0 && ok "publish: cur/ empty after the PUBACKs" ||
	not_ok "publish: cur/ empty after the PUBACKs" "$(ls "$T"/out-*/cur)"
expect_eq "$(nfiles "$T/out-c/new") $(nfiles "$T/out-r/new")" "0 0" "publish: new/ emptied"
expect_eq "$(ls "$T/out-e/new")" README "publish: a file that is no spool name is left alone"
grep -q "publishing challenge-$D1-.* to dossier/f1/challenge/$D1, retained" "$T/pub-c.log" &&
	ok "publish: challenges retained on dossier/FLEET/challenge/DEVICE" ||
	not_ok "publish: challenges retained" "$(cat "$T/pub-c.log")"
grep -q "publishing evidence-$DEV_A-.* to dossier/f1/evidence/$DEV_A (" "$T/pub-e.log" &&
	ok "publish: bundles on dossier/FLEET/evidence/DEVICE, not retained" ||
	not_ok "publish: bundles not retained" "$(cat "$T/pub-e.log")"

# A retained challenge reaches a device that subscribes only now.
relay_bg late-d2 subscribe challenge "$T/in-d2" --device "$D2"
wait_count "$T/in-d2/new" 1 && ok "retained: a late subscriber gets its challenge" ||
	not_ok "retained: a late subscriber gets its challenge" "$(cat "$T/late-d2.log")"
same challenge "$D2" "$T/c2.dchal" "$T/in-d2"

# One retained challenge per device, the newest: the older of two is
# published after the newer (its name sorts later) and must not replace it.
D3=$(printf 'device three' | sha256sum | cut -c1-64)
make_challenge "$D3" "$T/c3-old.dchal"
sleep 1.1
make_challenge "$D3" "$T/c3-new.dchal"
cp "$T/c3-new.dchal" "$T/out-c/tmp/x" && mv "$T/out-c/tmp/x" \
    "$T/out-c/new/challenge-$D3-00000000000000000000000000000001.dchal"
cp "$T/c3-old.dchal" "$T/out-c/tmp/x" && mv "$T/out-c/tmp/x" \
    "$T/out-c/new/challenge-$D3-ffffffffffffffffffffffffffffffff.dchal"
wait_log pub-c "published challenge-$D3-ffff" && wait_log pub-c "published challenge-$D3-0000" ||
	not_ok "two challenges of one device published" "$(tail -4 "$T/pub-c.log")"
grep -q "publishing challenge-$D3-ffff.* to dossier/f1/challenge/$D3 (" "$T/pub-c.log" &&
	ok "retained: an older challenge published later is not retained" ||
	not_ok "retained: older not retained" "$(grep "$D3" "$T/pub-c.log")"
relay_bg late-d3 subscribe challenge "$T/in-d3" --device "$D3"
wait_count "$T/in-d3/new" 1 && sleep 0.3 && expect_eq "$(nfiles "$T/in-d3/new")" 1 \
    "retained: a late subscriber gets one challenge" || not_ok "retained: late d3" "$(cat "$T/late-d3.log")"
same challenge "$D3" "$T/c3-new.dchal" "$T/in-d3"

# The same payload again (QoS 1 may deliver twice): no second file.
mosquitto_pub -p "$MQ_PORT" -h 127.0.0.1 -q 1 -t "dossier/f1/evidence/$DEV_A" \
    -f "$T/b1.dbundle"
wait_log sub-e "duplicate evidence-$DEV_A" && ok "redelivery: logged as duplicate" ||
	not_ok "redelivery: logged as duplicate" "$(cat "$T/sub-e.log")"
expect_eq "$(nfiles "$T/in-e/new")" 2 "redelivery: no second file"

# --- refused messages: logged with topic and reason, never written --------------
pubf() { mosquitto_pub -p "$MQ_PORT" -h 127.0.0.1 -q 1 -t "$1" -f "$2"; }
head -c 5000 /dev/urandom >"$T/big"
pubf "dossier/f1/challenge/$D1" "$T/big"
wait_log sub-c "refused message on dossier/f1/challenge/$D1 \(5000 bytes\): 5000 bytes, more than the 2560 a challenge may have" &&
	ok "refused: oversized challenge" || not_ok "refused: oversized challenge" "$(tail -3 "$T/sub-c.log")"
# MQTT 5: the subscriber announced a maximum packet size (4 x the kind's
# limit + 64 KiB), so the broker does not even send a far larger message.
head -c 200000 /dev/urandom >"$T/huge"
pubf "dossier/f1/challenge/$D1" "$T/huge"
pubf "dossier/f1/challenge/$D1" "$T/big"
for i in $(seq 1 100); do
	[ "$(grep -c '(5000 bytes)' "$T/sub-c.log")" -ge 2 ] && break
	sleep 0.05
done
expect_eq "$(grep -c '(5000 bytes)' "$T/sub-c.log") $(grep -c '200000' "$T/sub-c.log")" "2 0" \
    "MQTT 5: a message beyond the announced maximum packet size never reaches the relay"
head -c 300 /dev/urandom >"$T/foreign"
pubf "dossier/f1/evidence/$DEV_A" "$T/foreign"
wait_log sub-e "refused message on dossier/f1/evidence/$DEV_A \(300 bytes\): not a bundle" &&
	ok "refused: foreign evidence payload" || not_ok "refused: foreign evidence" "$(tail -3 "$T/sub-e.log")"
pubf "dossier/f1/results/$DEV_A" "$T/c1.dchal"
wait_log sub-r "refused message on dossier/f1/results/$DEV_A .*: " &&
	ok "refused: a challenge on the results topic" || not_ok "refused: challenge as result" "$(tail -3 "$T/sub-r.log")"
pubf "dossier/f1/challenge/$D2" "$T/c1.dchal"
wait_log sub-c "refused message on dossier/f1/challenge/$D2 .*the payload's device \($D1\) is not the topic's" &&
	ok "refused: the topic's device is not the payload's" || not_ok "refused: device mismatch" "$(tail -3 "$T/sub-c.log")"
pubf "dossier/f1/challenge/$D1" "$T/c1-expired.dchal"
wait_log sub-c "refused message on dossier/f1/challenge/$D1 .*expired" &&
	ok "refused: an expired challenge" || not_ok "refused: expired challenge" "$(tail -3 "$T/sub-c.log")"
pubf "dossier/f1/evidence/NOTHEX" "$T/b1.dbundle"
wait_log sub-e "refused message on dossier/f1/evidence/NOTHEX .*neither 64 lowercase hex" &&
	ok "refused: a topic whose device is not hex" || not_ok "refused: bad topic" "$(tail -3 "$T/sub-e.log")"
# A bundle cut short: the container reader stops it.
head -c 2000 "$T/b2.dbundle" >"$T/cut"
pubf "dossier/f1/evidence/$DEV_B" "$T/cut"
wait_log sub-e "refused message on dossier/f1/evidence/$DEV_B \(2000 bytes\)" &&
	ok "refused: a truncated bundle" || not_ok "refused: truncated bundle" "$(tail -3 "$T/sub-e.log")"
sleep 0.2
expect_eq "$(nfiles "$T/in-c/new") $(nfiles "$T/in-e/new") $(nfiles "$T/in-r/new")" "4 2 1" \
    "refused: nothing written"
expect_eq "$(nfiles "$T/in-c/tmp") $(nfiles "$T/in-e/tmp")" "0 0" "refused: nothing left in tmp/"

# A publisher refuses a file whose contents name another device than its name.
spool_put "$T/out-c" challenge "$D2" "$T/c1.dchal"
wait_log pub-c "refused challenge-$D2-.*: the file's device is not the one its name says \(left in cur/\)" &&
	ok "publish: a file whose name lies is refused and kept in cur/" ||
	not_ok "publish: a file whose name lies" "$(tail -3 "$T/pub-c.log")"
expect_eq "$(nfiles "$T/out-c/cur")" 1 "publish: the refused file stays in cur/"

# MQTT 5: a result no subscription matches (reason 0x10) stays in cur/ and
# is published again until a subscriber is there.
spool_put "$T/out-n" results "$DEV_A" "$R1"
FLEET=f2 relay_bg pub-n publish results "$T/out-n"
wait_log pub-n "no subscriber took results-$DEV_A-.*: kept, retried in 5000 ms" &&
	ok "no subscriber (MQTT 5): the file is kept" || not_ok "no subscriber: kept" "$(cat "$T/pub-n.log")"
expect_eq "$(nfiles "$T/out-n/cur")" 1 "no subscriber: the file stays in cur/"
FLEET=f2 relay_bg sub-n subscribe results "$T/in-n"
wait_count "$T/in-n/new" 1 12 && ok "no subscriber: delivered once a subscriber is there" ||
	not_ok "no subscriber: delivered later" "$(cat "$T/pub-n.log")"
wait_count "$T/out-n/cur" 0 && ok "no subscriber: finished after the PUBACK" ||
	not_ok "no subscriber: finished after the PUBACK"

# --- clean stop ---------------------------------------------------------------------
for n in pub-c pub-e pub-r pub-n sub-c sub-e sub-r sub-n sub-d1 late-d2 late-d3; do
	relay_stop $n
	expect_eq "$RC" 0 "$n: SIGTERM stops it with status 0"
done
grep -q "subscriber stops: 2 delivered, 1 duplicates, 3 refused" "$T/sub-e.log" &&
	ok "subscriber: counts on stop" || not_ok "subscriber: counts on stop" "$(tail -2 "$T/sub-e.log")"
grep -q "disconnected from 127.0.0.1:$MQ_PORT" "$T/pub-r.log" &&
	ok "stop: disconnects from the broker" || not_ok "stop: disconnects" "$(tail -2 "$T/pub-r.log")"
mq_stop
done_testing
