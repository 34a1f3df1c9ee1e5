#!/usr/bin/env bash
# t_relay_swtpm.sh - the whole protocol over a real mosquitto with real TPMs
# (the RSA and the P-384 EK of one swtpm as two devices): enrollment answers
# and attestations travel device spool -> relay -> broker -> relay ->
# `dossier verify --follow` -> results spool -> relay -> broker -> each
# device's own results spool; `dossier challenge -o SPOOL` goes out through
# a relay (retained) and each device's relay (--device) brings back only its
# own challenge, which `dossier-collect attest --challenge SPOOL` answers.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/relay.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_pcrextend openssl
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 5 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
# Both lists' template digests, one line per record: an empty or short
# list would extend nothing and leave nothing to fail below.
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) >digests
expect_eq "$(grep -Ec '^[0-9a-f]{40} [0-9a-f]{64}$' digests)" 12 \
    "the log's 12 records, sha1 and sha256 template digests"
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
	    echo "extend failed"
done <digests >extend.err
expect_eq "$(cat extend.err)" "" "the log extended into PCR 10"
expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" "$SWTPM_CA_INTERMEDIATE"
expect 0 "collect enroll: RSA EK" "$COLLECT" enroll -o rsa-e.dossier \
    --state st-rsa --verifier-key verifier.pem --ima-log ima.bin
expect 0 "collect enroll: P-384 EK" "$COLLECT" enroll -o ecc-e.dossier \
    --state st-ecc --verifier-key verifier.pem --ek ecc --ak ecc \
    --ak-handle 0x81000003 --ima-log ima.bin
expect 0 "dossier enroll" "$DOSSIER" enroll rsa-e.dossier ecc-e.dossier -o enroll.tar
RSA=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_RSA" | cut -c1-64)
ECC=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_ECC" | cut -c1-64)

mq_start
# The verifier: evidence in, verify --follow, results out, challenges out.
mkdir -p ev/tmp ev/new ev/cur res/tmp res/new res/cur
relay_bg v-ev subscribe evidence "$T/ev"
wait_log v-ev "subscribed to" || not_ok "verifier relay subscribes" "$(cat v-ev.log)"
"$DOSSIER" verify -q --follow --results "$T/res" "$T/ev" >follow.jsonl 2>follow.log &
FOLLOW=$!
at_exit "kill -9 $FOLLOW 2>/dev/null"
relay_bg v-res publish results "$T/res"
# The devices: their own challenges and results in, evidence out.
for d in rsa ecc; do
	dev=$RSA
	[ $d = ecc ] && dev=$ECC
	mkdir -p "$d/out/tmp" "$d/out/new" "$d/out/cur"
	relay_bg $d-ch subscribe challenge "$T/$d/ch" --device "$dev"
	relay_bg $d-res subscribe results "$T/$d/res" --device "$dev"
	relay_bg $d-ev publish evidence "$T/$d/out"
	wait_log $d-ch "subscribed to" && wait_log $d-res "subscribed to" ||
		not_ok "$d: relays subscribe"
done

nres() { find "$T/$1/res/new" -name 'results-*.dres' 2>/dev/null | wc -l | tr -d ' '; }
wait_res() {	# DEVICE N
	local i
	for i in $(seq 1 300); do
		[ "$(nres "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
verdicts() {	# DEVICE: the verdicts of its results, sorted
	local f
	for f in "$T/$1"/res/new/*.dres; do
		"$DOSSIER" inspect --verifier-key verifier.pem "$f" 2>/dev/null |
		    awk '$1 == "verdict" { print $2 }'
	done | sort | tr '\n' ' '
}

# --- enrollment answers over the broker -----------------------------------------
expect 0 "attest rsa: enrollment answer into its out spool" "$COLLECT" attest \
    --challenge enroll.tar --out "$T/rsa/out" --state st-rsa --ima-log ima.bin
expect 0 "attest ecc: enrollment answer into its out spool" "$COLLECT" attest \
    --challenge enroll.tar --out "$T/ecc/out" --state st-ecc --ima-log ima.bin
wait_res rsa 1 && wait_res ecc 1 && ok "enrollment: each device gets its result back" ||
	not_ok "enrollment results" "rsa $(nres rsa) ecc $(nres ecc); $(tail -n 3 follow.log)"
expect_eq "$(verdicts rsa)$(verdicts ecc)" "pass pass " "enrollment: both pass"

# --- challenges out, evidence back, results back --------------------------------
mkdir -p ch
expect 0 "challenge --all -o SPOOL" "$DOSSIER" challenge --all --spool -o "$T/ch/out"
relay_bg v-ch publish challenge "$T/ch/out"
for d in rsa ecc; do
	wait_count "$T/$d/ch/new" 1 && ok "$d: its challenge arrives" ||
		not_ok "$d: its challenge arrives" "$(cat $d-ch.log)"
done
sleep 0.3
expect_eq "$(ls "$T/rsa/ch/new" | grep -c "$ECC")$(ls "$T/ecc/ch/new" | grep -c "$RSA")" "00" \
    "each device got only its own challenge"
expect 0 "attest rsa --challenge SPOOL --out SPOOL" "$COLLECT" attest \
    --challenge "$T/rsa/ch" --out "$T/rsa/out" --state st-rsa --ima-log ima.bin
expect 0 "attest ecc --challenge SPOOL --out SPOOL" "$COLLECT" attest \
    --challenge "$T/ecc/ch" --out "$T/ecc/out" --state st-ecc --ima-log ima.bin
wait_res rsa 2 && wait_res ecc 2 && ok "attestation: each device gets its result back" ||
	not_ok "attestation results" "rsa $(nres rsa) ecc $(nres ecc); $(tail -n 3 follow.log)"
expect_eq "$(verdicts rsa)$(verdicts ecc)" "pass pass pass pass " \
    "attestation: both pass"
sleep 0.5
expect_eq "$(nres rsa) $(nres ecc)" "2 2" "one result per bundle"
left=""
for s in ch/out/new ch/out/cur rsa/out/new rsa/out/cur ecc/out/new ecc/out/cur \
    ev/new ev/cur res/new res/cur; do
	[ "$(nfiles "$T/$s")" -eq 0 ] || left="$left $s: $(ls "$T/$s" | tr '\n' ' ')"
done
expect_eq "$left" "" "every spool on the way is empty"

kill -TERM $FOLLOW
wait $FOLLOW
expect_eq "$?" 0 "verify --follow stops with 0"
bad=""
for n in v-ev v-res v-ch rsa-ch rsa-res rsa-ev ecc-ch ecc-res ecc-ev; do
	relay_stop $n
	[ "$RC" -eq 0 ] || bad="$bad $n:$RC"
done
expect_eq "$bad" "" "every relay stops with 0"
mq_stop
done_testing
