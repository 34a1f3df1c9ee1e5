#!/usr/bin/env bash
# t_spool_usb.sh - the USB round trip of dossier(7) with spools
# (dossier-spool(5)) on one "stick": a loop-mounted vfat image when this
# machine can mount one (root, mkfs.vfat, losetup, the vfat driver), else
# a plain directory (said in the output). Two swtpm devices (the RSA and
# the P-384 EK of one swtpm) are enrolled; their enrollment answers travel
# through the evidence spool; then dossier challenge -o SPOOL, attest
# --challenge SPOOL --out SPOOL on each device (only its own challenge is
# claimed; a claim left in cur/ by a run that died is taken up; an answer
# delivered before is not made again; a damaged challenge stays claimed),
# and dossier verify SPOOL --results SPOOL, once, judges them and
# delivers one signed result per bundle.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend openssl python3
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# The stick.
STICK=$T/stick
mkdir -p "$STICK"
why=""
if [ "$(id -u)" -ne 0 ]; then why="not root"
elif ! command -v mkfs.vfat >/dev/null; then why="no mkfs.vfat"
elif ! command -v losetup >/dev/null; then why="no losetup"
elif ! truncate -s 32M stick.img || ! mkfs.vfat stick.img >/dev/null 2>&1; then
	why="mkfs.vfat failed"
elif ! LOOP=$(losetup -f --show stick.img 2>/dev/null); then why="no loop device"
else
	at_exit "losetup -d $LOOP"
	if mount -t vfat "$LOOP" "$STICK" 2>mount.err; then
		at_exit "umount $STICK"
		ok "spools on a loop-mounted vfat image ($LOOP)"
	else
		why=$(head -n 1 mount.err | sed "s/^mount: //")
	fi
fi
[ -n "$why" ] && ok "spools on a plain directory (vfat not mountable here: $why)"

"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 5 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
	    echo "extend failed"
done >extend.err
expect_eq "$(cat extend.err)" "" "the log extended into PCR 10"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" \
    "$SWTPM_CA_INTERMEDIATE"
expect 0 "collect enroll: RSA EK" "$COLLECT" enroll -o rsa-e.dossier \
    --state st-rsa --verifier-key verifier.pem --ima-log ima.bin
expect 0 "collect enroll: P-384 EK" "$COLLECT" enroll -o ecc-e.dossier \
    --state st-ecc --verifier-key verifier.pem --ek ecc --ak ecc \
    --ak-handle 0x81000003 --ima-log ima.bin
expect 0 "dossier enroll" "$DOSSIER" enroll rsa-e.dossier ecc-e.dossier \
    -o enroll.tar
RSA=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_RSA" | cut -c1-64)
ECC=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_ECC" | cut -c1-64)

EV=$STICK/evidence CH=$STICK/challenges RES=$STICK/results
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" | wc -l; }

# --- the enrollment answers travel through the evidence spool -----------------
expect 2 "attest: --spool on a non-empty directory" \
    "$COLLECT" attest --challenge enroll.tar --out "$T" --spool \
    --state st-rsa --ima-log ima.bin
expect_err "not a spool and not empty" "attest: a non-empty directory is not made a spool"
expect 0 "attest rsa: enrollment challenge into a new spool (--spool)" \
    "$COLLECT" attest --challenge enroll.tar --out "$EV" --spool \
    --state st-rsa --ima-log ima.bin
chid=$(sed -n 's/^challenge-id //p' "$T/out")
expect_out "^bundle $EV/new/evidence-$RSA-$chid\\.dbundle\$" \
    "attest rsa: evidence-DEVICE-CHALLENGE.dbundle in new/"
expect 0 "attest ecc: enrollment challenge into the spool" \
    "$COLLECT" attest --challenge enroll.tar --out "$EV" \
    --state st-ecc --ima-log ima.bin
expect_eq "$(count "$EV/new" "evidence-*.dbundle") $(count "$EV/tmp")" "2 0" \
    "evidence spool: two bundles in new/, nothing left in tmp/"

if "$DOSSIER" verify --help 2>&1 | grep -q -- --results; then
	expect 0 "verify SPOOL --results SPOOL: both enrollment answers pass" \
	    "$DOSSIER" verify --results "$RES" "$EV"
	expect_eq "$(count "$RES/new" "results-*.dres")" 2 \
	    "results spool: two signed results"
	expect_eq "$(count "$EV/new")$(count "$EV/cur")" "00" \
	    "evidence spool: every claim finished"
else
	expect 0 "verify the enrollment answers (spool's new/)" "$DOSSIER" \
	    verify "$EV/new"
	rm -f "$EV"/new/*
fi

# --- challenges out -----------------------------------------------------------
expect 2 "challenge: -o a non-empty directory with --spool" \
    "$DOSSIER" challenge --all --spool -o "$T/st-rsa"
expect_err "not a spool and not empty" "challenge: the directory is named"
expect 0 "challenge --all -o SPOOL --spool" "$DOSSIER" challenge --all \
    --spool -o "$CH"
cp "$T/out" issued.txt
RSA_CH=$(awk -v d="$RSA" '$2 == d { print $3 }' issued.txt)
ECC_CH=$(awk -v d="$ECC" '$2 == d { print $3 }' issued.txt)
expect_eq "$(cd "$CH/new" && ls | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "challenge-$RSA-$RSA_CH.dchal" "challenge-$ECC-$ECC_CH.dchal" | sort | tr '\n' ' ')" \
    "challenge: one challenge-DEVICE-ID.dchal per device in new/"
expect 0 "challenge -o FILE still writes an archive" "$DOSSIER" challenge \
    --device "$RSA" -o other.tar
expect_eq "$(head -c 262 other.tar | tail -c 5)" "ustar" "challenge: the archive is a tar"
RSA_CH2=$(awk '{ print $3 }' "$T/out")
cp "$CH/new/challenge-$RSA-$RSA_CH.dchal" rsa-ch.dchal

# --- evidence back: each device takes its own ---------------------------------
expect 0 "attest rsa --challenge SPOOL --out SPOOL" "$COLLECT" attest \
    --challenge "$CH" --out "$EV" --state st-rsa --ima-log ima.bin
expect_out "^challenge-id $RSA_CH\$" "attest rsa: answered its challenge"
expect_eq "$(ls "$CH/new" "$CH/cur" | grep -c "$ECC")" 1 \
    "attest rsa: the ECC device's challenge left alone in new/"
expect_eq "$(count "$CH/cur")$(count "$CH/new" "challenge-$RSA-*")" "00" \
    "attest rsa: its claim finished"
expect_eq "$(count "$EV/new" "evidence-$RSA-$RSA_CH.dbundle")" 1 \
    "attest rsa: evidence delivered"

# A run that died after claiming: the claim is in cur/; the next run takes it up.
mv "$CH/new/challenge-$ECC-$ECC_CH.dchal" "$CH/cur/"
expect 0 "attest ecc: takes up its claim left in cur/" "$COLLECT" attest \
    --challenge "$CH" --out "$EV" --state st-ecc --ima-log ima.bin
expect_out "^challenge-id $ECC_CH\$" "attest ecc: answered the claimed challenge"
expect_eq "$(count "$CH/cur")$(count "$CH/new")" "00" "challenge spool: empty"

# A run that died after delivering, before finishing its claim: not made again.
cp rsa-ch.dchal "$CH/cur/challenge-$RSA-$RSA_CH.dchal"
expect 0 "attest rsa: claim whose evidence was delivered before" \
    "$COLLECT" attest --challenge "$CH" --out "$EV" --state st-rsa \
    --ima-log ima.bin --tcti "swtpm:host=127.0.0.1,port=1"
expect_out "\\(delivered before\\)" "attest rsa: no second bundle (no TPM used)"
expect_eq "$(count "$EV/new" "evidence-$RSA-*")$(count "$CH/cur")" "10" \
    "attest rsa: still one bundle, claim finished"

# A file planted under the bundle's name is not taken for a delivery:
# the ECC device's own bundle, and garbage, each under the RSA name.
mv "$EV/new/evidence-$RSA-$RSA_CH.dbundle" rsa-delivered.dbundle
for planted in ecc garbage; do
	case $planted in
	ecc) cp "$EV/new/evidence-$ECC-$ECC_CH.dbundle" "$EV/new/evidence-$RSA-$RSA_CH.dbundle" ;;
	garbage) head -c 4000 /dev/urandom >"$EV/new/evidence-$RSA-$RSA_CH.dbundle" ;;
	esac
	cp rsa-ch.dchal "$CH/cur/challenge-$RSA-$RSA_CH.dchal"
	expect 2 "attest rsa: a planted file ($planted) under its bundle name is refused" \
	    "$COLLECT" attest --challenge "$CH" --out "$EV" --state st-rsa \
	    --ima-log ima.bin --tcti "swtpm:host=127.0.0.1,port=1"
	expect_err "evidence-$RSA-$RSA_CH.dbundle is there under this challenge's bundle name but is not this device's answer" \
	    "attest rsa: the planted file ($planted) is named, with the fix"
	expect_eq "$(count "$CH/cur")" 1 "attest rsa: the claim stays ($planted)"
	rm -f "$CH/cur/"*
done
mv rsa-delivered.dbundle "$EV/new/evidence-$RSA-$RSA_CH.dbundle"

# Nothing for this device.
expect 2 "attest ecc: no challenge for it" "$COLLECT" attest \
    --challenge "$CH" --out "$EV" --state st-ecc --ima-log ima.bin
expect_err "no challenge for device $ECC in spool" "attest: says whose and where"

# Two challenges for one device and -o a file: refused before claiming.
cp rsa-ch.dchal "$CH/new/challenge-$RSA-00000000000000000000000000000001.dchal"
cp rsa-ch.dchal "$CH/new/challenge-$RSA-00000000000000000000000000000002.dchal"
expect 2 "attest rsa: two challenges and -o FILE" "$COLLECT" attest \
    --challenge "$CH" -o "$T/one.dossier" --state st-rsa --ima-log ima.bin
expect_err "2 challenges for device $RSA .* give a spool or a directory" \
    "attest: says a file cannot take two bundles"
expect_eq "$(count "$CH/new" "challenge-$RSA-*")$(count "$CH/cur")" "20" \
    "attest: both challenges left unclaimed"
rm -f "$CH/new/"*

# A damaged challenge: refused, and it stays claimed for a person to see.
python3 - rsa-ch.dchal "$CH/new/challenge-$RSA-$RSA_CH2.dchal" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[-5] ^= 1
open(sys.argv[2], 'wb').write(b)
EOF
expect 2 "attest rsa: a damaged challenge is refused" "$COLLECT" attest \
    --challenge "$CH" --out "$EV" --state st-rsa --ima-log ima.bin
expect_err "challenge-$RSA-$RSA_CH2.dchal stays claimed" \
    "attest: the damaged challenge named, left claimed"
expect_eq "$(count "$CH/cur" "challenge-$RSA-$RSA_CH2.dchal")" 1 \
    "attest: the damaged challenge is in cur/"
rm -f "$CH/cur/"*

# --- results out ----------------------------------------------------------------
if "$DOSSIER" verify --help 2>&1 | grep -q -- --results; then
	expect 2 "verify --ear-format jwt into a spool is refused" \
	    "$DOSSIER" verify --results "$RES" --ear-format jwt "$EV"
	expect_err "EARs in a results spool are CWTs" "the refusal says CWTs"
	expect 0 "verify SPOOL --results SPOOL --ear-format cwt: both attestations pass" \
	    "$DOSSIER" verify --results "$RES" --ear-format cwt "$EV"
	expect_eq "$(count "$RES/new" "results-$RSA-$RSA_CH.dres") $(count "$RES/new" "results-$ECC-$ECC_CH.dres")" \
	    "1 1" "results: results-DEVICE-CHALLENGE.dres for each"
	expect_eq "$(count "$RES/new" "ear-$RSA-$RSA_CH.ear") $(count "$RES/new" "ear-$ECC-$ECC_CH.ear")" \
	    "1 1" "results: and ear-DEVICE-CHALLENGE.ear beside it"
	# Each device checks what came back with the verifier key it pinned.
	expect 0 "collect result: the RSA device's results in the spool" \
	    "$COLLECT" result --state st-rsa "$RES"
	expect_eq "$(grep -c "^pass $RES/new/" "$T/out")" 3 \
	    "collect result: its enrollment and attestation results and its EAR pass"
	expect_out "^pass $RES/new/ear-$RSA-$RSA_CH\.ear: challenge $RSA_CH, .*EAR status affirming \(tpm affirming" \
	    "collect result: the EAR's status per part"
	expect_eq "$(grep -c "$ECC" "$T/out")" 0 "collect result: the other device's files left alone"
	expect 0 "collect result --challenge: only that challenge's" \
	    "$COLLECT" result --state st-rsa --challenge "$RSA_CH" "$RES"
	expect_eq "$(grep -c "^pass .*challenge $RSA_CH, " "$T/out") $(wc -l <"$T/out")" "2 2" \
	    "collect result --challenge: the result and the EAR of that challenge"
	cp "$RES/new/results-$ECC-$ECC_CH.dres" "results-$RSA-$RSA_CH.dres"
	expect 2 "collect result: another device's result under this one's name" \
	    "$COLLECT" result --state st-rsa "results-$RSA-$RSA_CH.dres"
	expect_err "refused: it is for device $ECC, not this one" \
	    "collect result: the other device named"
	cp "$RES/new/ear-$RSA-$RSA_CH.ear" bad.ear
	printf '\x01' | dd of=bad.ear bs=1 seek=$(( $(stat -c %s bad.ear) - 3 )) conv=notrunc 2>/dev/null
	expect 2 "collect result: a changed EAR is refused" "$COLLECT" result \
	    --state st-rsa bad.ear
	expect_err "bad.ear: refused: EAR: .*signature" "collect result: the signature named"
	expect 2 "collect result: a result not for --challenge" "$COLLECT" result \
	    --state st-rsa --challenge "$RSA_CH2" "$RES/new/results-$RSA-$RSA_CH.dres"
	expect_err "challenge $RSA_CH is not one of --challenge" "collect result: the challenge named"
	# The stick's root, spools and all: only the bundles are judged; the
	# results, EARs and the key beside them are named and skipped.
	cp verifier.pem "$STICK/"
	cp "$RES/new/results-$RSA-$RSA_CH.dres" "$STICK/loose.dres"
	run "$DOSSIER" verify -o "$T/root.jsonl" "$STICK"
	expect_eq "$(grep -c '' "$T/root.jsonl") $(grep -c '"verdict":"error"' "$T/root.jsonl")" "0 0" \
	    "verify STICK: no result for the files that are not bundles"
	expect_err "loose\.dres: skipped: a signed result, not a bundle" \
	    "verify STICK: a loose signed result named and skipped"
	expect_err "verifier\.pem: skipped: a PEM file \(a key or a certificate\), not a bundle" \
	    "verify STICK: the verifier key named and skipped"
	expect_err "ear-$RSA-$RSA_CH\.ear: skipped: an EAR, not a bundle" \
	    "verify STICK: an EAR in the results spool named and skipped"
	expect 1 "verify: a signed result named on the command line is still judged" \
	    "$DOSSIER" verify -o "$T/one.jsonl" "$STICK/loose.dres"
	expect_eq "$(grep -c '"verdict":"error"' "$T/one.jsonl")" 1 \
	    "verify: ... and gets its error result (bundle.container)"
	expect_eq "$(count "$EV/new")$(count "$EV/cur")" "00" \
	    "evidence spool: every claim finished"
	expect 0 "verify SPOOL again: nothing to judge" "$DOSSIER" verify \
	    --results "$RES" "$EV"
	expect_eq "$(count "$RES/new" "results-*.dres")" 4 "results: no new file"
else
	expect 0 "verify the attestations (spool's new/)" "$DOSSIER" \
	    verify "$EV/new"
fi
done_testing
