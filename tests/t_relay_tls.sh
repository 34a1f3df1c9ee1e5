#!/usr/bin/env bash
# t_relay_tls.sh - dossier-relay over mqtts:// to a mosquitto that requires
# a client certificate and a password (both from the relay's config file):
# a round trip; a wrong password, a missing client certificate and an
# untrusted broker certificate are refused, logged, retried with backoff,
# and write nothing.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"
need openssl mosquitto_passwd

# A CA, the broker's certificate (127.0.0.1) and a client certificate.
P=$T/pki
mkdir -p "$P"
cert() {	# NAME SUBJECT [extensions file]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$P/$1.key" -subj "$2" -out "$P/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
	    -CAcreateserial -days 2 -out "$P/$1.crt" ${3:+-extfile "$3"} 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/ca.key" -subj "/CN=dossier test CA" -days 2 -out "$P/ca.crt" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$P/server.ext"
cert server "/CN=127.0.0.1" "$P/server.ext" && cert client "/CN=device-17" &&
	ok "test PKI made" || { not_ok "test PKI made"; exit 0; }
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/other.key" -subj "/CN=another CA" -days 2 -out "$P/other.crt" 2>/dev/null
mosquitto_passwd -b -c "$P/passwd" device-17 's3cret pass' 2>/dev/null
chmod 0600 "$P/passwd"

MQ_SCHEME=mqtts
MQ_CONF_EXTRA="cafile $P/ca.crt
certfile $P/server.crt
keyfile $P/server.key
require_certificate true
allow_anonymous false
password_file $P/passwd"
mq_start

conf() {	# FILE [lines...]
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 0600 "$f"
}
conf "$T/good.conf" "# device 17" "username = device-17" "password = s3cret pass" \
    "ca_file = $P/ca.crt" "cert_file = $P/client.crt" "key_file = $P/client.key" \
    "keepalive = 30"
conf "$T/badpw.conf" "username = device-17" "password = wrong" \
    "ca_file = $P/ca.crt" "cert_file = $P/client.crt" "key_file = $P/client.key"
conf "$T/nocert.conf" "username = device-17" "password = s3cret pass" \
    "ca_file = $P/ca.crt"
conf "$T/othca.conf" "username = device-17" "password = s3cret pass" \
    "ca_file = $P/other.crt" "cert_file = $P/client.crt" "key_file = $P/client.key"

make_fixture
make_bundle pass "$T/b1.dbundle" 1000000

relay_bg sub --config "$T/good.conf" subscribe evidence "$T/in"
wait_log sub "subscribed to" && ok "mqtts: client certificate and password accepted" ||
	not_ok "mqtts: subscriber connects" "$(cat "$T/sub.log"; tail -5 "$T/mq/mosquitto.log")"
spool_put "$T/out" evidence "$DEV_A" "$T/b1.dbundle"
relay_bg pub --config "$T/good.conf" publish evidence "$T/out"
wait_count "$T/in/new" 1 && ok "mqtts: round trip" || not_ok "mqtts: round trip" "$(cat "$T/pub.log")"
cmp -s "$T/b1.dbundle" "$T/in/new/$(uname_of evidence "$DEV_A" "$T/b1.dbundle")" &&
	ok "mqtts: the same bytes" || not_ok "mqtts: the same bytes"
grep -q "s3cret" "$T/sub.log" "$T/pub.log" && not_ok "the password is never logged" ||
	ok "the password is never logged"
relay_stop pub
relay_stop sub
expect_eq "$RC" 0 "mqtts: clean stop"

# Refusals: each relay keeps retrying (backoff) and writes nothing.
relay_bg badpw --config "$T/badpw.conf" subscribe evidence "$T/x1"
relay_bg nocert --config "$T/nocert.conf" subscribe evidence "$T/x2"
relay_bg othca --config "$T/othca.conf" subscribe evidence "$T/x3"
wait_log badpw "refused the connection: .*(authori[sz]ed|password)" 10 &&
	ok "wrong password: refused by the broker, logged" ||
	not_ok "wrong password: refused" "$(cat "$T/badpw.log")"
wait_log badpw "attempt 2" 10 && ok "wrong password: retried" ||
	not_ok "wrong password: retried" "$(cat "$T/badpw.log")"
wait_log nocert "next attempt in" 10 && ok "no client certificate: connection fails, retried" ||
	not_ok "no client certificate: fails" "$(cat "$T/nocert.log")"
wait_log othca "libmosquitto: OpenSSL Error.*certificate verify failed" 10 &&
    wait_log othca "next attempt in" &&
	ok "untrusted broker certificate: refused by the relay, retried" ||
	not_ok "untrusted broker certificate" "$(cat "$T/othca.log")"
for n in badpw nocert othca; do
	grep -q "subscribed to" "$T/$n.log" && not_ok "$n: never subscribed" || ok "$n: never subscribed"
	relay_stop $n
	expect_eq "$RC" 0 "$n: stops cleanly while reconnecting"
done
expect_eq "$(nfiles "$T/x1/new")$(nfiles "$T/x2/new")$(nfiles "$T/x3/new")" 000 \
    "refused connections write nothing"

# mqtts:// without a config: the system CAs do not know the test CA.
relay_bg nocfg subscribe evidence "$T/x4"
wait_log nocfg "certificate verify failed" 10 && wait_log nocfg "next attempt in" &&
	ok "mqtts without ca_file: the system CAs are used (test CA unknown)" ||
	not_ok "mqtts without ca_file" "$(cat "$T/nocfg.log")"
relay_stop nocfg
mq_stop
done_testing
