#!/usr/bin/env bash
# t_verify_pcrref_swtpm.sh - pcr.reference on two swtpms (devices A and B,
# each its own TPM, RSA EK, IMA log extended into PCR 10):
#
# - both enrolled (A with --uefi-log: the store keeps that log verbatim as
#   A's reference event log); the enrollment answers pass pcr.reference
#   against the enrollment values, PCR 10 left to the IMA log;
# - A's boot loader changes (PCR 4 extended on A's TPM): in one batch A
#   fails pcr.reference naming PCR 4 in each bank with the quoted and the
#   reference value and where the reference came from; B passes;
# - refs update takes the failed bundle's PCRs as A's reference: the next
#   bundle passes, its reason naming the accepted bundle;
# - a second change, accepted by the rule pcrs:ignore=4, passes, the rule
#   named in the result; the IMA rules still default to reorder;
# - a bundle carrying uefi.log is judged by the UEFI checks, which take
#   PCRs 0-9 from pcr.reference: A's real laptop log does not replay to
#   its swtpm (uefi.replay.<bank> fails), pcr.reference no longer names
#   PCR 4 (tests/t_verify_uefi_swtpm.sh has the UEFI judgement whole);
# - golden values of a set (a tpm2_pcrread file, then a bundle) serve both
#   devices once B's PCR 4 took the same path as A's; B's PCR 7 then
#   differs and fails against the set, A still passes; two assigned sets
#   with golden values are ambiguous.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend tpm2_pcrread openssl python3 tar zstd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
UEFI=$DOSSIER_TOP/testdata/uefi/event-arch-linux.bin
swtpm_up a || { not_ok "swtpm_up a" "see stderr"; exit 1; }
swtpm_up b || { not_ok "swtpm_up b" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 5 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
# extend_ima: the log into PCR 10 of the current swtpm.
extend_ima() {
	paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
	    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
	while read -r d1 d256; do
		tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
		    echo "extend failed"
	done
}
# extend PCR WORD: PCR extended with H(WORD) in both banks (current swtpm).
extend() {
	tpm2_pcrextend "$1:sha1=$(printf %s "$2" | openssl dgst -sha1 -r |
	    cut -c1-40),sha256=$(printf %s "$2" | openssl dgst -sha256 -r |
	    cut -c1-64)" >/dev/null 2>&1
}
swtpm_use a && expect_eq "$(extend_ima)" "" "A: the log extended into PCR 10"
swtpm_use b && expect_eq "$(extend_ima)" "" "B: the log extended into PCR 10"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_A_CA_ROOT" \
    "$SWTPM_A_CA_INTERMEDIATE" "$SWTPM_B_CA_ROOT" "$SWTPM_B_CA_INTERMEDIATE"
swtpm_use a
expect 0 "collect enroll A (with --uefi-log)" "$COLLECT" enroll -o a-e.dossier \
    --state st-a --verifier-key verifier.pem --ima-log ima.bin --uefi-log "$UEFI"
swtpm_use b
expect 0 "collect enroll B" "$COLLECT" enroll -o b-e.dossier --state st-b \
    --verifier-key verifier.pem --ima-log ima.bin
mkdir -p xa && tar --zstd -xf a-e.dossier -C xa
cmp -s xa/uefi.log "$UEFI" && ok "enrollment bundle: uefi.log byte for byte" ||
    not_ok "enrollment bundle: uefi.log byte for byte"
expect 0 "dossier enroll" "$DOSSIER" enroll a-e.dossier b-e.dossier -o enroll.tar
A=$(openssl dgst -sha256 -r "$SWTPM_A_EK_CERT_RSA" | cut -c1-64)
B=$(openssl dgst -sha256 -r "$SWTPM_B_EK_CERT_RSA" | cut -c1-64)
cat >sql.py <<'EOF'
import sqlite3, sys
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
for row in c.execute(sys.argv[2], sys.argv[3:]):
    print(*row)
EOF
sql() { python3 sql.py "$DOSSIER_STORE" "$@"; }
expect_eq "$(sql "SELECT lower(hex(log)) FROM ref_uefi_logs WHERE lower(hex(device_id)) = ?" "$A")" \
    "$(od -An -v -tx1 "$UEFI" | tr -d ' \n')" "store: A's enrollment uefi.log kept verbatim"
expect_eq "$(sql "SELECT count(*) FROM ref_uefi_logs WHERE lower(hex(device_id)) = ?" "$B")" \
    0 "store: B has no reference event log"
expect_eq "$(sql "SELECT origin FROM ref_pcrs_origin ORDER BY device_id")" \
    "$(printf 'enrollment\nenrollment')" "store: both reference PCR sets from enrollment"

# attest DEV CHALLENGES OUT [options]: DEV's answer on its own swtpm.
attest() {
	local dev=$1 ch=$2 out=$3
	shift 3
	swtpm_use "$dev" && expect 0 "attest $dev: $out" "$COLLECT" attest \
	    --challenge "$ch" -o "$out" --state "st-$dev" --ima-log ima.bin "$@"
}
# reason OUTCOME CHECK FILE: the reasons of the check with that outcome.
reasons() {
	python3 - "$@" <<'EOF'
import json, sys
want, name, path, dev = sys.argv[1:5]
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    if r["device"] != dev:
        continue
    for c in r["checks"]:
        if c["name"] == name and c["outcome"] == want:
            print(c["reason"])
EOF
}
verdict() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["device"] == sys.argv[2]:
        print(r["verdict"])
EOF
}

mkdir -p ev1
attest a enroll.tar ev1/a.dossier
attest b enroll.tar ev1/b.dossier
expect 0 "verify: both enrollment answers pass" "$DOSSIER" verify -o r1.jsonl ev1
expect_eq "$(reasons ok pcr.reference r1.jsonl "$A" | grep -c \
    "^20 PCR values (PCRs 0-9) equal the enrollment of device $A at .*; PCR 10 judged by the IMA log; policy pcrs (default)$")" \
    1 "A: 20 values compared with its enrollment, PCR 10 left to IMA"

# --- A's boot loader changes ------------------------------------------------------
swtpm_use a && extend 4 "boot loader v2" || not_ok "extend PCR 4 on A"
# --logs ima: A enrolled with a uefi.log would be asked for one by default
# (dossier-challenge(1)); these rounds judge PCRs 0-9 without it.
expect 0 "challenge --all" "$DOSSIER" challenge --all --logs ima -o ch2.tar
mkdir -p ev2
attest a ch2.tar ev2/a.dossier
attest b ch2.tar ev2/b.dossier
expect 1 "verify: A fails, B passes, one batch" "$DOSSIER" verify -o r2.jsonl ev2
expect_err '^verify: 2 bundles: 1 pass, 1 fail, 0 error' "verify: summary"
expect_eq "$(verdict r2.jsonl "$B")" pass "B: untouched, passes"
expect_eq "$(verdict r2.jsonl "$A")" fail "A: fails"
swtpm_use a
Q1=$(tpm2_pcrread sha1:4 | awk '/4 *:/ {print tolower($3)}' | sed 's/^0x//')
Q256=$(tpm2_pcrread sha256:4 | awk '/4 *:/ {print tolower($3)}' | sed 's/^0x//')
R1=0000000000000000000000000000000000000000
R256=0000000000000000000000000000000000000000000000000000000000000000
reasons fail pcr.reference r2.jsonl "$A" >a2.reasons
expect_eq "$(head -n 1 a2.reasons | grep -c \
    "^2 of 20 PCR values (PCRs 0-9) differ from the enrollment of device $A at [0-9T:Z-]*; policy pcrs (default)$")" \
    1 "A: the summary counts the differing values and names the source"
grep -q "^PCR 4 sha1: quoted $Q1, reference $R1 from the enrollment of device $A at " a2.reasons &&
    ok "A: PCR 4 sha1 named with the quoted and the reference value" ||
    not_ok "A: PCR 4 sha1 named with the quoted and the reference value" "$(cat a2.reasons)"
grep -q "^PCR 4 sha256: quoted $Q256, reference $R256 from the enrollment of device $A at " a2.reasons &&
    ok "A: PCR 4 sha256 named with the quoted and the reference value" ||
    not_ok "A: PCR 4 sha256 named with the quoted and the reference value" "$(cat a2.reasons)"
expect_eq "$(wc -l <a2.reasons | tr -d ' ')" 3 "A: only PCR 4 differs (summary and two lines)"

# --- the change accepted: refs update from the failed bundle -------------------------
expect 0 "refs update A from its bundle" "$DOSSIER" refs update "$A" --bundle ev2/a.dossier
expect_out "reference PCR values replaced by the 22 quoted values of ev2/a.dossier" \
    "refs update: the PCR values taken"
expect_out "reference log replaced by" "refs update: the IMA log taken too"
expect 0 "refs device A" "$DOSSIER" refs device "$A"
expect_out "^pcr-reference 22 values from bundle [0-9a-f]{16}\\.\\.\\. accepted for device $A at " \
    "refs device: the reference and its source"
expect_out "^pcr sha256 4 $Q256\$" "refs device: the new PCR 4 value"
expect_out "^pcr-rule pcrs \\(default\\)\$" "refs device: the default rule"
expect 0 "refs show --device A" "$DOSSIER" refs show --device "$A"
expect_out "^pcr-reference 22 values from bundle [0-9a-f]{16}\\.\\.\\. accepted for device $A at " \
    "refs show --device: the reference and its source"
expect 0 "challenge A" "$DOSSIER" challenge --device "$A" --logs ima -o ch3.tar
mkdir -p ev3
attest a ch3.tar ev3/a.dossier
expect 0 "verify: A passes after the update" "$DOSSIER" verify -o r3.jsonl ev3
expect_eq "$(reasons ok pcr.reference r3.jsonl "$A" | grep -c "equal bundle [0-9a-f]*\\.\\.\\. accepted for device $A at ")" \
    1 "A: compared with the accepted bundle's values"
expect 2 "refs update --only with a bad word" "$DOSSIER" refs update "$A" \
    --bundle ev2/a.dossier --only bios

# --- a second change, accepted by a rule ----------------------------------------------
swtpm_use a && extend 4 "boot loader v3" || not_ok "extend PCR 4 on A again"
expect 0 "refs policy A pcrs:ignore=4" "$DOSSIER" refs policy "$A" pcrs:ignore=4
expect_out "pcrs:ignore=4" "refs policy: the canonical rule said"
expect 2 "refs policy: a bad pcrs rule refused" "$DOSSIER" refs policy "$A" pcrs:ignore=40
expect_err "pcrs:ignore=40.*want a PCR number 0-31" "refs policy: the bad rule named"
expect 2 "refs policy: two pcrs rules refused" "$DOSSIER" refs policy "$A" \
    pcrs:ignore=4 pcrs:only=0
expect 0 "challenge A" "$DOSSIER" challenge --device "$A" --logs ima -o ch4.tar
mkdir -p ev4
attest a ch4.tar ev4/a.dossier
expect 0 "verify: A passes under pcrs:ignore=4" "$DOSSIER" verify -o r4.jsonl ev4
expect_eq "$(reasons ok pcr.reference r4.jsonl "$A" | grep -c \
    "^18 PCR values (PCRs 0-3,5-9) equal .*; policy pcrs:ignore=4 (the device's)$")" \
    1 "A: the rule is named in the result, PCR 4 not compared"
expect_eq "$(reasons ok ima.reorder r4.jsonl "$A" | wc -l | tr -d ' ')" 1 \
    "A: a pcrs rule alone leaves the IMA rules at their default (reorder runs)"

# --- uefi.log carried: PCRs 0-9 go to the UEFI checks -----------------------------------
expect 0 "refs policy A --clear" "$DOSSIER" refs policy "$A" --clear
expect 0 "challenge A --logs ima,uefi" "$DOSSIER" challenge --device "$A" --logs ima,uefi -o ch5.tar
mkdir -p ev5
attest a ch5.tar ev5/a.dossier --uefi-log "$UEFI"
expect 1 "verify: A with uefi.log and a changed PCR 4 fails" "$DOSSIER" verify -o r5.jsonl ev5
expect_eq "$(reasons fail pcr.reference r5.jsonl "$A" | grep -c '^PCR 4 sha')" 0 \
    "A: uefi.log carried and judged: PCR 4 is not pcr.reference's"
expect_eq "$(reasons fail uefi.replay.sha256 r5.jsonl "$A" | grep -c '^PCR 0: ')" 1 \
    "A: the laptop log does not replay to the swtpm: uefi.replay names PCR 0"
expect_eq "$(reasons ok uefi.reference r5.jsonl "$A" | grep -c '^the [0-9]* events pair with')" 1 \
    "A: the log pairs with its enrollment log"

# --- golden values of a set serve both devices -------------------------------------------
swtpm_use b && extend 4 "boot loader v2" && extend 4 "boot loader v3" ||
    not_ok "B takes A's boot path"
L=0,1,2,3,4,5,6,7,8,9
swtpm_use a && tpm2_pcrread "sha1:$L+sha256:$L" >golden.yaml 2>/dev/null ||
    not_ok "tpm2_pcrread on A"
expect 0 "refs create fleet" "$DOSSIER" refs create fleet
# an assigned set is the devices' IMA reference too: the image's log
expect 0 "refs add fleet --ima-log" "$DOSSIER" refs add fleet --ima-log ima.bin
expect 0 "refs add fleet --pcrs golden.yaml" "$DOSSIER" refs add fleet --pcrs golden.yaml
expect_out "^fleet: 20 golden PCR values from pcrs golden.yaml \\(tpm2_pcrread" \
    "refs add --pcrs: said"
expect 0 "refs show fleet" "$DOSSIER" refs show fleet
expect_out "^pcrs 20 golden values from pcrs golden.yaml" "refs show: the golden values' source"
Q256=$(swtpm_use a && tpm2_pcrread sha256:4 | awk '/4 *:/ {print tolower($3)}' |
    sed 's/^0x//')
expect_out "^pcr sha256 4 $Q256\$" "refs show: a golden value, A's PCR 4 now"
expect 0 "refs assign A fleet" "$DOSSIER" refs assign "$A" fleet
expect 0 "refs assign B fleet" "$DOSSIER" refs assign "$B" fleet
expect 0 "challenge --all" "$DOSSIER" challenge --all --logs ima -o ch6.tar
mkdir -p ev6
attest a ch6.tar ev6/a.dossier
attest b ch6.tar ev6/b.dossier
expect 0 "verify: both pass against the golden set" "$DOSSIER" verify -o r6.jsonl ev6
for d in "$A" "$B"; do
	expect_eq "$(reasons ok pcr.reference r6.jsonl "$d" | grep -c \
	    "^20 PCR values (PCRs 0-9) equal set fleet's golden values (pcrs golden.yaml")" \
	    1 "${d:0:8}: compared with the set's golden values"
done
expect 0 "refs update B --only pcrs while a golden set judges it" "$DOSSIER" \
    refs update "$B" --bundle ev6/b.dossier --only pcrs
expect_err "note: the device is judged against set fleet's golden values" \
    "refs update: the golden set that judges the device instead is named"
expect_out "reference PCR values replaced" "refs update --only pcrs: the values taken"
grep -q "reference log replaced" "$T/out" && not_ok "refs update --only pcrs: the log kept" ||
    ok "refs update --only pcrs: the log kept"
swtpm_use b && extend 7 "secure boot off" || not_ok "extend PCR 7 on B"
expect 0 "challenge --all" "$DOSSIER" challenge --all --logs ima -o ch7.tar
mkdir -p ev7
attest a ch7.tar ev7/a.dossier
attest b ch7.tar ev7/b.dossier
expect 1 "verify: B's PCR 7 fails against the set, A passes" "$DOSSIER" verify -o r7.jsonl ev7
expect_eq "$(verdict r7.jsonl "$A")" pass "A: passes against the set"
expect_eq "$(reasons fail pcr.reference r7.jsonl "$B" | grep -c \
    "^PCR 7 sha[0-9]*: quoted [0-9a-f]*, reference [0-9a-f]* from set fleet's golden values")" \
    2 "B: PCR 7 named in both banks against the set"
# golden values from a bundle this store judged: B's (PCR 7 differs from A's now)
expect 0 "refs add fleet --pcrs-bundle" "$DOSSIER" refs add fleet --pcrs-bundle ev7/b.dossier
expect_out "^fleet: 22 golden PCR values from bundle ev7/b.dossier of device ${B:0:16}\$" \
    "refs add --pcrs-bundle: said"
expect 2 "refs add --pcrs-bundle of garbage refused" "$DOSSIER" refs add fleet \
    --pcrs-bundle golden.yaml
expect 0 "refs create other" "$DOSSIER" refs create other
expect 0 "refs add other --ima-log" "$DOSSIER" refs add other --ima-log ima.bin
expect 0 "refs add other --pcrs golden.yaml" "$DOSSIER" refs add other --pcrs golden.yaml
expect 0 "refs assign A other" "$DOSSIER" refs assign "$A" other
expect 0 "challenge --all" "$DOSSIER" challenge --all --logs ima -o ch8.tar
mkdir -p ev8
attest a ch8.tar ev8/a.dossier
attest b ch8.tar ev8/b.dossier
expect 1 "verify: A ambiguous, B passes" "$DOSSIER" verify -o r8.jsonl ev8
expect_eq "$(verdict r8.jsonl "$B")" pass "B: passes against its new golden values"
expect_eq "$(reasons fail pcr.reference r8.jsonl "$A" | grep -c \
    "two sets with golden PCR values (fleet, other)")" 1 \
    "A: two assigned sets with golden values are named as ambiguous"
expect 0 "refs add fleet --clear-pcrs" "$DOSSIER" refs add fleet --clear-pcrs
expect 0 "refs show fleet --json" "$DOSSIER" refs show fleet --json
expect_out '"pcrs": null' "refs show --json: no golden values after the clear"
done_testing
