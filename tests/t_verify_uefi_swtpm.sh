#!/usr/bin/env bash
# t_verify_uefi_swtpm.sh - the UEFI judgement of dossier verify on two
# swtpms (devices A and B, each its own TPM, IMA log in PCR 10):
#
# - a generated UEFI event log (gen_eventlog) is extended into PCRs 0-9 of
#   both TPMs BEFORE enrollment; both enroll with --uefi-log, A under the
#   rules uefi.secureboot uefi.dbx uefi.bootchain uefi.cmdline:GLOB
#   uefi.separators, B under the default (replay and reference);
# - challenges with --logs ima,uefi: both pass, the log replays, pairs
#   with the enrollment log, every rule holds, and pcr.reference leaves
#   PCRs 0-9 to the log;
# - then, each in ONE batch beside B's passing bundle, A's TPM reset and
#   booted again with a variant: a changed boot loader digest, Secure Boot
#   off, a removed dbx entry, a changed kernel command line (each its own
#   named check failing, the event named), a PCR 0 change with no log
#   carried (pcr.reference), and a log that does not replay to the quote
#   (uefi.replay.<bank> naming the PCR); refs update takes an accepted
#   bundle's uefi.log as the new reference event log;
# - dossier inspect --explain runs the same checks offline (reference:
#   no store) and dossier inspect shows the log briefly.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_startup tpm2_pcrextend openssl python3 tar zstd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
GEN=$DOSSIER_TOOLS/gen_eventlog
swtpm_up a || { not_ok "swtpm_up a" "see stderr"; exit 1; }
swtpm_up b || { not_ok "swtpm_up b" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

"$DOSSIER_TOOLS/gen_ima_log" -n 8 -t ima-ng -s 3 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
CMD="/boot/vmlinuz-6.1.0-13-amd64 root=UUID=0f5a2e4c-6c1b-4a43-9d5e-2b7e9a0c1d11"
"$GEN" -o base.log --extends base.ext >/dev/null &&
"$GEN" -o bl.log --extends bl.ext --bootloader-variant 1 >/dev/null &&
"$GEN" -o sboff.log --extends sboff.ext --secureboot-off >/dev/null &&
"$GEN" -o dbx.log --extends dbx.ext --dbx-remove 2 >/dev/null &&
"$GEN" -o cmd.log --extends cmd.ext --cmdline "$CMD ro init=/bin/sh" >/dev/null &&
    ok "gen_eventlog: the base log and four variants" ||
    not_ok "gen_eventlog: the base log and four variants"

# extend_file FILE: each line of FILE is one tpm2_pcrextend argument.
extend_file() {
	while read -r x; do
		tpm2_pcrextend "$x" >/dev/null 2>&1 || echo "extend failed: $x"
	done <"$1"
}
# extend_ima: the IMA log into PCR 10 of the current swtpm.
extend_ima() {
	paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
	    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
	while read -r d1 d256; do
		tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
		    echo "extend failed"
	done
}
# boot DEV EXTENDS [reset]: (reset DEV's TPM, then) extend the UEFI log
# lines and the IMA log, as a boot would.
boot() {
	swtpm_use "$1" || return 1
	if [ "${3:-}" = reset ]; then
		tpm2_shutdown -c >/dev/null 2>&1 &&
		swtpm_ioctl --tcp "127.0.0.1:$((SWTPM_PORT + 1))" -i >/dev/null 2>&1 &&
		tpm2_startup -c >/dev/null 2>&1 || { echo "reset failed"; return; }
	fi
	extend_file "$2"
	extend_ima
}
expect_eq "$(boot a base.ext)" "" "A: the base log and the IMA log extended"
expect_eq "$(boot b base.ext)" "" "B: the base log and the IMA log extended"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_A_CA_ROOT" \
    "$SWTPM_A_CA_INTERMEDIATE" "$SWTPM_B_CA_ROOT" "$SWTPM_B_CA_INTERMEDIATE"
swtpm_use a
expect 0 "collect enroll A --uefi-log" "$COLLECT" enroll -o a-e.dossier \
    --state st-a --verifier-key verifier.pem --ima-log ima.bin --uefi-log base.log
swtpm_use b
expect 0 "collect enroll B --uefi-log" "$COLLECT" enroll -o b-e.dossier \
    --state st-b --verifier-key verifier.pem --ima-log ima.bin --uefi-log base.log
expect 0 "dossier enroll" "$DOSSIER" enroll a-e.dossier b-e.dossier -o enroll.tar
A=$(openssl dgst -sha256 -r "$SWTPM_A_EK_CERT_RSA" | cut -c1-64)
B=$(openssl dgst -sha256 -r "$SWTPM_B_EK_CERT_RSA" | cut -c1-64)

expect 0 "refs policy A: the UEFI rules" "$DOSSIER" refs policy "$A" \
    uefi.secureboot uefi.dbx uefi.bootchain "uefi.cmdline:* ro quiet" \
    uefi.separators reorder
expect_out "^device $A: uefi.cmdline:\\* ro quiet\$" \
    "refs policy: the UEFI rule stored in its canonical text"
expect 2 "refs policy: an unknown UEFI rule refused" "$DOSSIER" refs policy "$A" \
    uefi.bootloader
expect_err "uefi.bootloader.*unknown rule" "refs policy: the unknown UEFI rule named"
expect 2 "refs policy: a UEFI rule twice refused" "$DOSSIER" refs policy "$A" \
    uefi.dbx uefi.dbx
expect 0 "refs policy A (shown)" "$DOSSIER" refs policy "$A"
expect_eq "$(grep -c '^uefi\.' "$T/out")" 5 "refs policy: the five UEFI rules kept"

# attest DEV CHALLENGES OUT [options]
attest() {
	local dev=$1 ch=$2 out=$3
	shift 3
	swtpm_use "$dev" && expect 0 "attest $dev: $out" "$COLLECT" attest \
	    --challenge "$ch" -o "$out" --state "st-$dev" --ima-log ima.bin "$@"
}
# reasons OUTCOME CHECK FILE DEVICE: the reasons of that check and outcome.
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
# failed FILE DEVICE: the names of its failed checks, unique, in order.
failed() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["device"] == sys.argv[2]:
        seen = []
        for c in r["checks"]:
            if c["outcome"] == "fail" and c["name"] not in seen:
                seen.append(c["name"])
        print(" ".join(seen))
EOF
}

# ---- the whole flow passes with the log carried --------------------------------
mkdir -p ev0
attest a enroll.tar ev0/a.dossier --uefi-log base.log
attest b enroll.tar ev0/b.dossier --uefi-log base.log
expect 0 "verify: the enrollment answers pass" "$DOSSIER" verify -o r0.jsonl ev0
expect 0 "refs device A" "$DOSSIER" refs device "$A"
expect_eq "$(grep -c "^uefi-rule uefi\.[a-z]*.* (the device's)\$" "$T/out")" 5 \
    "refs device A: its five UEFI rules and their source"
expect_out "^uefi-rule uefi\.cmdline:\* ro quiet \(the device's\)\$" \
    "refs device A: the cmdline rule in its stored text"
expect_out "^uefi-reference 32 events, [0-9]+ bytes, from bundle sha256:[0-9a-f]{64}\$" \
    "refs device A: the reference event log and its source"
expect 0 "refs device B" "$DOSSIER" refs device "$B"
expect_out "^uefi-rule none \(default: replay and reference\)\$" \
    "refs device B: no UEFI rule, the default said"
# no --logs: devices enrolled with a uefi.log are asked for one again
expect 0 "challenge --all (default logs)" "$DOSSIER" challenge --all -o ch1.tar
mkdir -p ev1
attest a ch1.tar ev1/a.dossier --uefi-log base.log
attest b ch1.tar ev1/b.dossier --uefi-log base.log
expect 0 "verify: both pass with uefi.log carried" "$DOSSIER" verify -o r1.jsonl ev1
expect_eq "$(reasons ok uefi.parse r1.jsonl "$A")" \
    "32 events (crypto-agile format; banks sha1, sha256); Secure Boot on, 3 applications" \
    "A: uefi.parse counts the events and says the Secure Boot state"
for bank in sha1 sha256; do
	expect_eq "$(reasons ok "uefi.replay.$bank" r1.jsonl "$A" | grep -c \
	    "^30 events replay to the 10 quoted PCRs the log judges$")" 1 \
	    "A: uefi.replay.$bank reaches the quote"
done
expect_eq "$(reasons ok uefi.reference r1.jsonl "$A" | grep -c \
    "^the 32 events pair with the reference event log of device ${A:0:16}\\.\\.\\. ")" 1 \
    "A: uefi.reference pairs every event with the enrollment log"
for rule in secureboot dbx bootchain cmdline separators; do
	expect_eq "$(reasons ok "uefi.$rule" r1.jsonl "$A" | grep -c "rule uefi\\.$rule.*(the device's)")" 1 \
	    "A: uefi.$rule holds, the rule named"
done
expect_eq "$(reasons ok uefi.secureboot r1.jsonl "$B")" "" "B: no stored rule, no uefi.secureboot"
expect_eq "$(reasons ok pcr.reference r1.jsonl "$A" | grep -c \
    "^no quoted PCR to compare; PCR 0-10 judged by their logs")" 1 \
    "A: pcr.reference leaves PCRs 0-9 to uefi.log and 10 to IMA"

# ---- one batch per variant, A beside B --------------------------------------------
N=1
# variant NAME EXTENDS LOG: A rebooted with EXTENDS carrying LOG, B as it is.
variant() {
	N=$((N + 1))
	expect 0 "challenge ($1)" "$DOSSIER" challenge --all --logs "${4:-ima,uefi}" \
	    -o "ch$N.tar"
	expect_eq "$(boot a "$2" reset)" "" "A: reset and booted ($1)"
	mkdir -p "ev$N"
	if [ -n "$3" ]; then
		attest a "ch$N.tar" "ev$N/a.dossier" --uefi-log "$3"
	else
		attest a "ch$N.tar" "ev$N/a.dossier"
	fi
	attest b "ch$N.tar" "ev$N/b.dossier" --uefi-log base.log
	expect 1 "verify: A fails, B passes ($1)" "$DOSSIER" verify -o "r$N.jsonl" "ev$N"
	expect_eq "$(verdict "r$N.jsonl" "$B")" pass "B passes beside A ($1)"
}

variant "boot loader" bl.ext bl.log
expect_eq "$(failed r$N.jsonl "$A")" "uefi.reference uefi.bootchain" \
    "boot loader: uefi.reference and uefi.bootchain fail, nothing else"
expect_eq "$(reasons fail uefi.reference r$N.jsonl "$A" | grep -c \
    '^PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION .*grubx64.efi: digest changed from sha256:[0-9a-f]* to sha256:[0-9a-f]*')" \
    1 "boot loader: the event named, old and new digest"
expect_eq "$(reasons fail uefi.bootchain r$N.jsonl "$A" | grep -c 'grubx64.efi')" 1 \
    "boot loader: uefi.bootchain names the application"
# the operator accepts the new boot loader: refs update takes the log too
expect 0 "refs update A from the new boot loader's bundle" "$DOSSIER" refs update \
    "$A" --bundle "ev$N/a.dossier"
expect_out "reference event log replaced by the 32-event uefi.log of ev$N/a.dossier" \
    "refs update: the uefi.log taken as the reference event log"
expect 0 "challenge A after the update" "$DOSSIER" challenge --device "$A" \
    --logs ima,uefi -o chu.tar
mkdir -p evu
attest a chu.tar evu/a.dossier --uefi-log bl.log
expect 0 "verify: the accepted boot loader passes" "$DOSSIER" verify -o ru.jsonl evu
expect 0 "refs update A back to the base boot" "$DOSSIER" refs update "$A" \
    --bundle ev1/a.dossier

variant "Secure Boot off" sboff.ext sboff.log
expect_eq "$(failed r$N.jsonl "$A" | tr ' ' '\n' | grep -c '^uefi.secureboot$')" 1 \
    "Secure Boot off: uefi.secureboot fails"
expect_eq "$(reasons fail uefi.secureboot r$N.jsonl "$A" | grep -c 'SecureBoot')" 1 \
    "Secure Boot off: the SecureBoot variable named"
expect_eq "$(reasons fail uefi.reference r$N.jsonl "$A" | grep -c \
    '^PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG: changed from "SecureBoot=01" .* to "SecureBoot=00"')" 1 \
    "Secure Boot off: uefi.reference names the SecureBoot event"

variant "dbx entry removed" dbx.ext dbx.log
expect_eq "$(failed r$N.jsonl "$A" | tr ' ' '\n' | grep -c '^uefi.dbx$')" 1 \
    "dbx: uefi.dbx fails"
expect_eq "$(reasons fail uefi.dbx r$N.jsonl "$A" | grep -c 'dbx')" 2 \
    "dbx: the summary and the missing entry named"
expect_eq "$(reasons fail uefi.reference r$N.jsonl "$A" | grep -c \
    '^PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG: changed from "dbx: 5 entries.* to "dbx: 4 entries')" 1 \
    "dbx: uefi.reference names the dbx event"

variant "kernel command line" cmd.ext cmd.log
expect_eq "$(failed r$N.jsonl "$A")" "uefi.reference uefi.cmdline" \
    "cmdline: uefi.reference and uefi.cmdline fail, nothing else"
expect_eq "$(reasons fail uefi.cmdline r$N.jsonl "$A" | grep -c 'init=/bin/sh')" 1 \
    "cmdline: the command line named"

# PCR 0 changed, no log carried: pcr.reference judges PCRs 0-9
printf '0:sha1=%s,sha256=%s\n' "$(printf x | openssl dgst -sha1 -r | cut -c1-40)" \
    "$(printf x | openssl dgst -sha256 -r | cut -c1-64)" >pcr0.ext
cat base.ext pcr0.ext >base-pcr0.ext
variant "PCR 0, no log" base-pcr0.ext "" ima
expect_eq "$(failed r$N.jsonl "$A")" "pcr.reference" \
    "PCR 0, no log: only pcr.reference fails"
expect_eq "$(reasons fail pcr.reference r$N.jsonl "$A" | grep -c '^PCR 0 sha')" 2 \
    "PCR 0, no log: PCR 0 named in both banks"

# a log that does not replay: PCR 5 extended once more than the log says
sed 's/^0:/5:/' pcr0.ext >pcr5.ext
cat base.ext pcr5.ext >base-pcr5.ext
variant "log does not replay" base-pcr5.ext base.log
expect_eq "$(failed r$N.jsonl "$A")" "uefi.replay.sha1 uefi.replay.sha256" \
    "no replay: uefi.replay.<bank> fail, nothing else"
expect_eq "$(reasons fail uefi.replay.sha256 r$N.jsonl "$A" | grep -c \
    '^PCR 5: [0-9]* events of uefi.log replay to [0-9a-f]*, the quote has [0-9a-f]* (30 events replayed into the sha256 bank in all)$')" \
    1 "no replay: the first PCR named with the events replayed"
expect 2 "refs update: a bundle whose uefi.log does not replay is refused" \
    "$DOSSIER" refs update "$A" --bundle "ev$N/a.dossier"
expect_err "refs update: its uefi.log does not replay to its quoted PCR 5 \\(sha1\\): not a reference" \
    "refs update: the PCR the log does not reach named"

# ---- offline: inspect --explain and inspect ---------------------------------------
# without a store: judge_bundle_offline()
expect 0 "inspect --explain: A's passing bundle" env -u DOSSIER_STORE \
    "$DOSSIER" inspect --explain ev1/a.dossier
expect_out "uefi\\.replay\\.sha256" "inspect --explain: uefi.replay runs offline"
expect_out "uefi\\.reference.*no store" "inspect --explain: uefi.reference skipped: no store"
expect 1 "inspect --explain: a log that does not replay" env -u DOSSIER_STORE \
    "$DOSSIER" inspect --explain ev7/a.dossier
expect_out "uefi\\.replay\\.sha256.*PCR 5" "inspect --explain: the failing PCR named"
expect 0 "inspect: A's bundle" "$DOSSIER" inspect ev1/a.dossier
python3 - "$T/out" >uefi.shown <<'EOF'
import sys
on = False
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("["):
        on = line.startswith("[member uefi.log]")
    elif on:
        print(line.rstrip("\n"))
EOF
expect_eq "$(grep -E '^(events|format|banks|secureboot|applications) ' uefi.shown)" \
    "$(printf 'events 32\nformat crypto-agile\nbanks sha1 sha256\nsecureboot on\napplications 3')" \
    "inspect: uefi.log decoded briefly"
expect_eq "$(grep -c '^application event [0-9]* .*shimx64\.efi$' uefi.shown)" 1 \
    "inspect: the applications named"
expect_eq "$(grep -c '^cmdline event [0-9]* .* ro quiet$' uefi.shown)" 1 \
    "inspect: the kernel command line"
done_testing
