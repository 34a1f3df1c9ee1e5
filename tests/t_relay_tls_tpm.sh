#!/usr/bin/env bash
# t_relay_tls_tpm.sh - the device's TLS identity in its TPM (swtpm):
# `dossier-collect tls-key` makes an ECC key as a TSS2 PRIVATE KEY file and
# an RSA key at a persistent handle, each with a request signed inside the
# TPM, which a test CA turns into certificates; dossier-relay publishes
# through a mosquitto that requires client certificates, with each TPM key
# (through OpenSSL's tpm2 provider), and the bundles arrive; the same
# certificate with another key is refused by the broker; the private key
# cannot be exported from its file.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need openssl gnutls-cli swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool \
    tpm2_createprimary tpm2_evictcontrol tpm2_flushcontext tpm2_readpublic
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
MODDIR=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
[ -f "$MODDIR/tpm2.so" ] ||
	skip_all "$(basename "$0")" "OpenSSL's tpm2 provider (Debian package tpm2-openssl) is not installed in '$MODDIR'"
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1

# A CA, the broker's certificate (127.0.0.1), a file-key client (the
# subscriber: swtpm serves one connection at a time, and the publishing
# relay holds it) and another key for the refusal.
P=$T/pki
mkdir -p "$P"
filecert() {	# NAME SUBJECT [extensions file]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$P/$1.key" -subj "$2" -out "$P/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
	    -CAcreateserial -days 2 -out "$P/$1.crt" ${3:+-extfile "$3"} 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/ca.key" -subj "/CN=dossier test CA" -days 2 -out "$P/ca.crt" 2>/dev/null
printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$P/server.ext"
filecert server "/CN=127.0.0.1" "$P/server.ext" && filecert sub "/CN=verifier" &&
    filecert other "/CN=other" && ok "test PKI made" ||
	{ not_ok "test PKI made"; exit 0; }

# --- the keys and their requests -----------------------------------------------
expect 0 "tls-key: ECC P-256 key as a TSS2 PRIVATE KEY file" "$COLLECT" tls-key \
    --key dev.pem --csr dev.csr --subject "/CN=device-17/O=dossier test"
expect_out "ECC P-256 key in dev.pem .*parent 0x40000001" "tls-key says what it made"
expect_eq "$(head -n 1 dev.pem)" "-----BEGIN TSS2 PRIVATE KEY-----" "the key file is a TSS2 PRIVATE KEY"
run openssl asn1parse -in dev.pem
expect_out "OBJECT +:2.23.133.10.1.3" "TSS2 key: type loadableKey (2.23.133.10.1.3)"
expect_out "INTEGER +:40000001" "TSS2 key: parent TPM_RH_OWNER"
expect_out "BOOLEAN +:255" "TSS2 key: emptyAuth TRUE"
run openssl req -in dev.csr -noout -verify -subject
expect_err "verify OK" "the ECC request's signature (made in the TPM) verifies"
expect_out "CN ?= ?device-17, O ?= ?dossier test" "the request names the subject"
# The request's key is the key in the file, as the tpm2 provider reads it.
export TPM2OPENSSL_TCTI=$DOSSIER_TCTI
PROV=(-provider tpm2 -provider default -propquery '?provider=tpm2')
openssl req -in dev.csr -noout -pubkey >csrpub.pem 2>/dev/null
openssl pkey "${PROV[@]}" -in dev.pem -pubout -out filepub.pem 2>pkey.err
cmp -s csrpub.pem filepub.pem && ok "the tpm2 provider loads the key: same public key as the request" ||
	not_ok "the tpm2 provider loads the key" "$(cat pkey.err)"

expect 0 "tls-key --alg rsa --persistent 0x81000100" "$COLLECT" tls-key --alg rsa \
    --persistent 0x81000100 --csr rsa.csr --subject "/CN=device-17-rsa"
expect_out "RSA-2048 key at persistent handle 0x81000100" "tls-key says where the key is"
run openssl req -in rsa.csr -noout -verify -text
expect_err "verify OK" "the RSA request's signature (made in the TPM) verifies"
expect_out "Signature Algorithm: sha256WithRSAEncryption" "RSA request: sha256WithRSAEncryption"
expect_out "Public-Key: \(2048 bit\)" "RSA request: a 2048-bit key"
run tpm2_readpublic -c 0x81000100
expect_out "sign" "the persistent key is in the TPM, a signing key"

# Under a persistent storage key of the operator's (--parent).
tpm2_createprimary -C o -g sha256 -G ecc256:aes128cfb -c srk.ctx >/dev/null 2>&1 &&
    tpm2_evictcontrol -C o -c srk.ctx 0x81000001 >/dev/null 2>&1 &&
    tpm2_flushcontext -t >/dev/null 2>&1
expect 0 "tls-key --parent 0x81000001 (a persistent storage key)" "$COLLECT" tls-key \
    --parent 0x81000001 --key par.pem --csr par.csr --subject /CN=device-17-par
run openssl asn1parse -in par.pem
expect_out "INTEGER +:81000001" "TSS2 key: parent 0x81000001"
openssl req -in par.csr -noout -pubkey >parcsr.pem 2>/dev/null
TPM2OPENSSL_TCTI=$DOSSIER_TCTI openssl pkey "${PROV[@]}" -in par.pem -pubout \
    -out parpub.pem 2>par.err
cmp -s parcsr.pem parpub.pem && ok "the tpm2 provider loads it under its persistent parent" ||
	not_ok "the provider loads the key under 0x81000001" "$(cat par.err)"
expect 2 "tls-key: a parent that is not a storage key is refused" "$COLLECT" tls-key \
    --parent 0x81000100 --key x.pem --csr x.csr --subject /CN=x
expect_err "not a storage key" "... saying so"

# Refusals: nothing is made or written.
expect 2 "tls-key: a taken persistent handle is refused" "$COLLECT" tls-key \
    --persistent 0x81000100 --csr x.csr --subject /CN=x
expect_err "0x81000100 is taken" "... saying the handle is taken"
expect 2 "tls-key: --key and --persistent together are refused" "$COLLECT" tls-key \
    --key x.pem --persistent 0x81000101 --csr x.csr --subject /CN=x
expect 2 "tls-key: a subject without /TYPE=VALUE is refused" "$COLLECT" tls-key \
    --key x.pem --csr x.csr --subject "CN=x"
expect 2 "tls-key: an unknown subject attribute is refused" "$COLLECT" tls-key \
    --key x.pem --csr x.csr --subject "/CN=x/NOSUCH=y"
expect_err "unknown attribute type 'NOSUCH'" "... naming the attribute"
expect 2 "tls-key: --persistent outside 0x81xxxxxx is refused" "$COLLECT" tls-key \
    --persistent 0x01000100 --csr x.csr --subject /CN=x
[ ! -e x.pem ] && [ ! -e x.csr ] && ok "refusals write no file" || not_ok "refusals write no file"

# --- the private key cannot be exported ----------------------------------------
run openssl pkcs8 "${PROV[@]}" -topk8 -nocrypt -in dev.pem -out exported.pem
[ "$RC" -ne 0 ] && ! grep -q "BEGIN PRIVATE KEY" exported.pem 2>/dev/null &&
	ok "export as PKCS#8 fails" || not_ok "export as PKCS#8 fails" "$(head -c 300 exported.pem)"
run openssl pkey "${PROV[@]}" -in dev.pem -noout -text
grep -q "TPM 2.0" "$T/out" && ! grep -Eq "^priv:" "$T/out" &&
	ok "the key's text shows no private value" || not_ok "no private value" "$(head -c 400 "$T/out")"
run openssl pkey "${PROV[@]}" -in dev.pem -out reenc.pem
expect_eq "$(head -n 1 reenc.pem 2>/dev/null)" "-----BEGIN TSS2 PRIVATE KEY-----" \
    "re-encoding the key gives the TPM-wrapped blob again"
run openssl pkey -provider default -in dev.pem -noout
[ "$RC" -ne 0 ] && ok "without the TPM the file is no key at all" ||
	not_ok "without the TPM the file is no key" "openssl read it"

# --- certificates from the operator's CA ------------------------------------------
for k in dev rsa; do
	openssl x509 -req -in $k.csr -CA "$P/ca.crt" -CAkey "$P/ca.key" \
	    -CAcreateserial -days 2 -out $k.crt 2>/dev/null ||
		not_ok "CA signs the $k request"
done
openssl verify -CAfile "$P/ca.crt" dev.crt rsa.crt >/dev/null 2>&1 &&
	ok "the CA issued both certificates" || not_ok "the CA issued both certificates"

# --- the relay with the TPM-held key ---------------------------------------------
MQ_SCHEME=mqtts
MQ_CONF_EXTRA="cafile $P/ca.crt
certfile $P/server.crt
keyfile $P/server.key
require_certificate true
allow_anonymous true"
mq_start
conf() {	# FILE [lines...]
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
	chmod 0600 "$f"
}
conf sub.conf "ca_file = $P/ca.crt" "cert_file = $P/sub.crt" "key_file = $P/sub.key"
conf tpm.conf "ca_file = $P/ca.crt" "cert_file = $T/dev.crt" "key_file = tpm2:$T/dev.pem"
conf rsa.conf "ca_file = $P/ca.crt" "cert_file = $T/rsa.crt" "key_file = tpm2:0x81000100" \
    "tcti = $DOSSIER_TCTI"
conf wrong.conf "ca_file = $P/ca.crt" "cert_file = $T/dev.crt" "key_file = $P/other.key"
conf plain.conf "ca_file = $P/ca.crt" "cert_file = $P/other.crt" "key_file = tpm2:$P/other.key"
conf mism.conf "ca_file = $P/ca.crt" "cert_file = $T/rsa.crt" "key_file = tpm2:$T/dev.pem"

make_fixture
make_bundle pass "$T/b1.dbundle" 1000000
make_bundle pass "$T/b2.dbundle" 2000000

relay_bg sub --config sub.conf subscribe evidence "$T/sp-in"
wait_log sub "subscribed to" || not_ok "the subscriber connects" "$(cat sub.log)"
spool_put "$T/sp-out" evidence "$DEV_A" "$T/b1.dbundle"
unset TPM2OPENSSL_TCTI	# the relay sets it from $DOSSIER_TCTI
relay_bg pub --config tpm.conf publish evidence "$T/sp-out"
wait_log pub "connected to" 20 && ok "relay: the broker accepts the TPM-held ECC key" ||
	not_ok "relay connects with the TPM key" "$(cat pub.log; tail -5 "$T/mq/mosquitto.log")"
grep -q "TLS client key in the TPM: $T/dev.pem (TCTI '$DOSSIER_TCTI')" pub.log &&
	ok "relay: says it uses the TPM key and which TCTI (\$DOSSIER_TCTI)" ||
	not_ok "relay says it uses the TPM key" "$(head -3 pub.log)"
wait_count "$T/sp-in/new" 1 20 && ok "relay: the bundle arrives" || not_ok "the bundle arrives" "$(cat pub.log)"
cmp -s b1.dbundle "$T/sp-in/new/$(uname_of evidence "$DEV_A" b1.dbundle)" &&
	ok "relay: the same bytes" || not_ok "relay: the same bytes"
relay_stop pub
expect_eq "$RC" 0 "relay with a TPM key: clean stop"

spool_put "$T/sp-out2" evidence "$DEV_A" "$T/b2.dbundle"
relay_bg rsa --config rsa.conf publish evidence "$T/sp-out2"
wait_log rsa "connected to" 20 && ok "relay: the broker accepts the persistent RSA key (tcti from the config)" ||
	not_ok "relay connects with the persistent RSA key" "$(cat rsa.log; tail -5 "$T/mq/mosquitto.log")"
wait_count "$T/sp-in/new" 2 20 && ok "relay: the second bundle arrives" || not_ok "second bundle" "$(cat rsa.log)"
relay_stop rsa
expect_eq "$RC" 0 "relay with a persistent key: clean stop"

# --- refusals ---------------------------------------------------------------------
# The same certificate with another key: libmosquitto (like every OpenSSL
# client) will not even pair them, so the broker's own refusal is shown
# with GnuTLS, which presents the certificate and signs with the key given.
: >gnutls.out
timeout 10 gnutls-cli --x509cafile "$P/ca.crt" --x509certfile dev.crt \
    --x509keyfile "$P/other.key" -p "$MQ_PORT" 127.0.0.1 </dev/null >gnutls.out 2>&1
RC=$?
sleep 0.3
[ "$RC" -ne 0 ] && grep -q "bad signature" "$T/mq/mosquitto.log" &&
	ok "the broker refuses the certificate with another key (bad signature)" ||
	not_ok "the broker refuses the certificate with another key" \
	    "rc $RC; $(grep -v '^ ' gnutls.out | tail -3 | tr '\n' '|'); $(tail -3 "$T/mq/mosquitto.log" | tr '\n' '|')"
timeout 10 gnutls-cli --x509cafile "$P/ca.crt" --x509certfile "$P/sub.crt" \
    --x509keyfile "$P/sub.key" -p "$MQ_PORT" 127.0.0.1 </dev/null >gnutls2.out 2>&1 &&
	ok "control: the same client with a matching key is accepted" ||
	not_ok "control: gnutls-cli with a matching key" "$(grep -v '^ ' gnutls2.out | tail -3)"
relay_bg wrong --config wrong.conf publish evidence "$T/x1"
wait_log wrong "next attempt in" 10 && ok "relay: the certificate with another (file) key never connects" ||
	not_ok "relay: certificate with another key" "$(cat wrong.log)"
grep -q "connected to" wrong.log && not_ok "... and is never connected" || ok "... and is never connected"
relay_stop wrong

run "$RELAY" --broker "$BROKER" --fleet "$FLEET" --config plain.conf publish evidence "$T/x2"
expect_eq "$RC" 2 "relay: tpm2: naming a plain private key file is refused"
expect_err "not a key held in a TPM" "... saying it is not in the TPM"
run "$RELAY" --broker "$BROKER" --fleet "$FLEET" --config mism.conf publish evidence "$T/x3"
expect_eq "$RC" 2 "relay: a TPM key that does not match cert_file is refused"
expect_err "cert_file and the TPM key do not match" "... saying so"
run "$RELAY" --broker "mqtt://127.0.0.1:$MQ_PORT" --fleet "$FLEET" --config tpm.conf \
    publish evidence "$T/x4"
expect_eq "$RC" 2 "relay: a TPM key without mqtts:// is refused"
conf tcti.conf "ca_file = $P/ca.crt" "cert_file = $P/sub.crt" "key_file = $P/sub.key" \
    "tcti = $DOSSIER_TCTI"
run "$RELAY" --broker "$BROKER" --fleet "$FLEET" --config tcti.conf publish evidence "$T/x5"
expect_eq "$RC" 2 "relay: tcti without a tpm2: key is refused"
expect_err "tcti is only for a key held in a TPM" "... saying why"
conf notpm.conf "ca_file = $P/ca.crt" "cert_file = $T/dev.crt" "key_file = tpm2:$T/dev.pem" \
    "tcti = swtpm:host=127.0.0.1,port=1"
run "$RELAY" --broker "$BROKER" --fleet "$FLEET" --config notpm.conf publish evidence "$T/x6"
expect_eq "$RC" 2 "relay: an unreachable TPM is an error at start"
expect_err "tpm2 provider" "... naming the provider"

relay_stop sub
mq_stop
tpm2_evictcontrol -C o -c 0x81000100 >/dev/null 2>&1 || true
tpm2_evictcontrol -C o -c 0x81000001 >/dev/null 2>&1 || true
done_testing
