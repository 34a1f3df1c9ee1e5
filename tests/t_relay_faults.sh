#!/usr/bin/env bash
# t_relay_faults.sh - dossier-relay when things go wrong, on a real
# mosquitto: a device offline while its challenge is published gets it on
# reconnect (persistent session, MQTT 3.1.1 and 5) and a consumed challenge
# does not come back; a verifier offline gets the bundles published
# meanwhile; the broker stopped and restarted mid-stream loses nothing and
# duplicates nothing; a relay killed (kill -9) between receiving a message
# and the spool rename loses nothing (DOSSIER_RELAY_TEST_DELAY_MS holds
# that window open); a claim a dead publisher left in cur/ is published by
# the next run.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"

make_fixture
D1=$(printf 'device one' | sha256sum | cut -c1-64)
D2=$(printf 'device two' | sha256sum | cut -c1-64)
make_challenge "$D1" "$T/c1.dchal"
make_challenge "$D2" "$T/c2.dchal"
mq_start

# --- a device offline while its challenge is published ------------------------
# dev1 speaks MQTT 3.1.1, dev2 MQTT 5; both have been connected once.
relay_bg dev1 --protocol 3.1.1 subscribe challenge "$T/dev1" --device "$D1"
relay_bg dev2 subscribe challenge "$T/dev2" --device "$D2"
wait_log dev1 "subscribed to" && wait_log dev2 "subscribed to" ||
	not_ok "devices subscribe" "$(cat "$T/dev1.log" "$T/dev2.log")"
relay_stop dev1
relay_stop dev2
spool_put "$T/out-c" challenge "$D1" "$T/c1.dchal"
spool_put "$T/out-c" challenge "$D2" "$T/c2.dchal"
relay_bg pub-c publish challenge "$T/out-c"
wait_count "$T/out-c/cur" 0 && wait_count "$T/out-c/new" 0 &&
	wait_log pub-c "published challenge-$D2" && ok "challenges published while the devices are offline" ||
	not_ok "challenges published while offline" "$(cat "$T/pub-c.log")"
relay_bg dev1 --protocol 3.1.1 subscribe challenge "$T/dev1" --device "$D1"
relay_bg dev2 subscribe challenge "$T/dev2" --device "$D2"
wait_count "$T/dev1/new" 1 && ok "3.1.1: offline device gets its challenge on reconnect" ||
	not_ok "3.1.1: offline device gets its challenge" "$(cat "$T/dev1.log")"
wait_count "$T/dev2/new" 1 && ok "5: offline device gets its challenge on reconnect" ||
	not_ok "5: offline device gets its challenge" "$(cat "$T/dev2.log")"
cmp -s "$T/c1.dchal" "$T/dev1/new/$(uname_of challenge "$D1" "$T/c1.dchal")" &&
	ok "3.1.1: the same challenge bytes" || not_ok "3.1.1: the same challenge bytes"
expect_eq "$(grep -c 'session resumed' "$T/dev1.log")" 1 "3.1.1: the session was resumed"
# 3.1.1: a resumed session keeps its subscription; subscribing again would
# make the broker send the retained challenge a second time.
expect_eq "$(grep -c 'subscribed to' "$T/dev1.log")" 1 "3.1.1: no second SUBSCRIBE on a resumed session"

# The collector consumes the challenges; the devices restart: a consumed
# challenge must not be delivered again (retained messages are sent on a
# new subscription only).
relay_stop dev1
relay_stop dev2
rm -f "$T"/dev1/new/* "$T"/dev2/new/*
relay_bg dev1 --protocol 3.1.1 subscribe challenge "$T/dev1" --device "$D1"
relay_bg dev2 subscribe challenge "$T/dev2" --device "$D2"
wait_log dev1 "session resumed.*" && wait_log dev2 "subscribed to.*" || true
sleep 1
expect_eq "$(nfiles "$T/dev1/new") $(nfiles "$T/dev2/new")" "0 0" \
    "a consumed challenge is not delivered again on reconnect"
relay_stop dev1
relay_stop dev2
relay_stop pub-c

# --- a verifier offline while bundles are published ---------------------------
relay_bg ver subscribe evidence "$T/ver"
wait_log ver "subscribed to" || not_ok "verifier subscribes"
relay_stop ver
make_bundle pass "$T/b0.dbundle" 1000000
spool_put "$T/out-e" evidence "$DEV_A" "$T/b0.dbundle"
relay_bg pub-e publish evidence "$T/out-e"
wait_log pub-e "published evidence-$DEV_A" && ok "bundle published while the verifier is offline" ||
	not_ok "bundle published while the verifier is offline" "$(cat "$T/pub-e.log")"
relay_bg ver subscribe evidence "$T/ver"
wait_count "$T/ver/new" 1 && ok "offline verifier gets the bundle on reconnect" ||
	not_ok "offline verifier gets the bundle" "$(cat "$T/ver.log")"

# --- a shared-subscription worker: its share waits for it; retiring it --------
FLEET=g relay_bg sw subscribe evidence "$T/sw" --share workers
wait_log sw "subscribed to \\\$share/workers/dossier/g/evidence/\+" || not_ok "worker subscribes" "$(cat "$T/sw.log")"
relay_stop sw
spool_put "$T/out-g" evidence "$DEV_A" "$T/b0.dbundle"
FLEET=g relay_bg pub-g publish evidence "$T/out-g"
wait_log pub-g "published evidence-$DEV_A" && ok "shared: published while the only worker is down" ||
	not_ok "shared: published while the worker is down" "$(cat "$T/pub-g.log")"
printf 'session_expiry = 0\n' >"$T/retire.conf"
FLEET=g relay_bg sw --config "$T/retire.conf" subscribe evidence "$T/sw" --share workers
wait_count "$T/sw/new" 1 && ok "shared: the worker's share waited for it" ||
	not_ok "shared: the share waited" "$(cat "$T/sw.log")"
relay_stop sw
spool_put "$T/out-g" evidence "$DEV_A" "$T/b0.dbundle"
wait_log pub-g "no subscriber took evidence-$DEV_A" 10 &&
	ok "shared: a worker stopped with session_expiry = 0 has left the group" ||
	not_ok "shared: retired worker left the group" "$(tail -3 "$T/pub-g.log")"
relay_stop pub-g

# --- the broker stopped and restarted mid-stream ----------------------------
N=20
relay_stop ver
for i in $(seq 1 $N); do
	make_bundle pass "$T/b$i.dbundle" $((1000000 + i * 10))
	spool_put "$T/out-e" evidence "$DEV_A" "$T/b$i.dbundle"
done
# Each delivery takes 150 ms, so the stream is still flowing when the
# broker goes away.
wait_count "$T/out-e/new" 0 && wait_count "$T/out-e/cur" 0 ||
	not_ok "bundles published into the verifier's session" "$(tail -3 "$T/pub-e.log")"
DOSSIER_RELAY_TEST_DELAY_MS=150 relay_bg ver subscribe evidence "$T/ver"
for i in $(seq 1 100); do
	[ "$(nfiles "$T/ver/new")" -ge 4 ] && break
	sleep 0.05
done
n_before=$(nfiles "$T/ver/new")
mq_stop TERM
sleep 1
mq_start
[ "$n_before" -lt $((N + 1)) ] && ok "the broker stopped mid-stream ($n_before of $((N + 1)) delivered)" ||
	not_ok "the broker stopped mid-stream" "all $n_before delivered before"
wait_count "$T/ver/new" $((N + 1)) 45 && ok "broker restart: every bundle delivered" ||
	not_ok "broker restart: every bundle delivered" "$(nfiles "$T/ver/new") of $((N + 1)); $(tail -5 "$T/ver.log")"
missing=0
for i in $(seq 0 $N); do
	cmp -s "$T/b$i.dbundle" "$T/ver/new/$(uname_of evidence "$DEV_A" "$T/b$i.dbundle")" ||
		missing=$((missing + 1))
done
expect_eq "$missing" 0 "broker restart: each bundle under its own name, same bytes"
wait_count "$T/out-e/cur" 0 && expect_eq "$(nfiles "$T/out-e/new")" 0 \
    "broker restart: the publisher's spool is empty" ||
	not_ok "broker restart: the publisher's spool is empty" "$(ls "$T/out-e/cur")"
grep -Eq "next attempt in [0-9]+ ms" "$T/pub-e.log" && grep -q "attempt 2" "$T/pub-e.log" &&
	ok "broker restart: reconnect attempts logged with their backoff" ||
	not_ok "broker restart: reconnect attempts logged" "$(tail -8 "$T/pub-e.log")"
grep -q "session resumed" "$T/ver.log" && ok "broker restart: the subscriber's session is resumed" ||
	not_ok "broker restart: session resumed" "$(tail -8 "$T/ver.log")"
relay_stop ver
relay_stop pub-e

# --- a relay killed between receiving and the spool rename ---------------------
rm -rf "$T/kill"
DOSSIER_RELAY_TEST_DELAY_MS=20000 relay_bg kill subscribe evidence "$T/kill"
wait_log kill "subscribed to" || not_ok "kill: subscribes"
mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -q 1 -t "dossier/f1/evidence/$DEV_A" \
    -f "$T/b3.dbundle"
wait_log kill "received evidence-$DEV_A" && ok "kill: message received, rename pending" ||
	not_ok "kill: message received" "$(cat "$T/kill.log")"
relay_stop kill KILL
expect_eq "$(nfiles "$T/kill/new") $(nfiles "$T/kill/tmp")" "0 0" \
    "kill -9 before the rename: nothing in the spool"
relay_bg kill2 subscribe evidence "$T/kill"
wait_count "$T/kill/new" 1 && ok "kill -9 before the rename: redelivered after restart" ||
	not_ok "kill -9 before the rename: redelivered" "$(cat "$T/kill2.log")"
cmp -s "$T/b3.dbundle" "$T/kill/new/$(uname_of evidence "$DEV_A" "$T/b3.dbundle")" &&
	ok "kill -9: the same bundle bytes" || not_ok "kill -9: the same bundle bytes"
# A publisher that died between its claim and the PUBACK left the file in
# cur/: the next run publishes it first.
mkdir -p "$T/out-k/tmp" "$T/out-k/new" "$T/out-k/cur"
left=evidence-$DEV_A-0123456789abcdef0123456789abcdef.dbundle
cp "$T/b4.dbundle" "$T/out-k/cur/$left"
relay_bg pub-k publish evidence "$T/out-k"
wait_count "$T/kill/new" 2 && ok "a claim left in cur/ by a dead publisher is published at start" ||
	not_ok "a claim left in cur/ is published" "$(cat "$T/pub-k.log")"
grep -q "publishing $left again (claimed by an earlier run)" "$T/pub-k.log" &&
	ok "the taken-up claim is logged" || not_ok "the taken-up claim is logged" "$(cat "$T/pub-k.log")"
wait_count "$T/out-k/cur" 0 && ok "the taken-up claim is finished after its PUBACK" ||
	not_ok "the taken-up claim is finished"
relay_stop pub-k
relay_stop kill2
expect_eq "$RC" 0 "kill: the restarted relay stops cleanly"
mq_stop
done_testing
