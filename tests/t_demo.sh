#!/usr/bin/env bash
# t_demo.sh - tests/demo.sh (make demo) runs end to end and says what it
# should: exit 0, the results table with alpha (RSA EK) and bravo (P-384 EK)
# passing, charlie failing ima.reorder on the program it measured after
# enrollment and delta failing uefi.reference on the boot loader it booted
# after enrollment (the event named), the same verdicts in the JSON Lines
# results, each device's own order of the same IMA log, and no swtpm left
# running.
. "$DOSSIER_TOP/tests/lib.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_pcrextend \
    tpm2_shutdown tpm2_startup tpm2_nvread openssl python3
W=$T/demo
DOSSIER_DEMO_DIR=$W run "$DOSSIER_TOP/tests/demo.sh"
expect_eq "$RC" 0 "demo exits 0"
cp "$T/out" "$T/demo.out"
OUT=$T/demo.out

# dossier devices, after the labels: each device's verdict and first failed check.
dev_row() { grep -E "^ +[0-9a-f]{16}  $1 +enrolled .* $2( ${3:-})?$" "$OUT" >/dev/null; }
dev_row alpha pass && dev_row bravo pass && dev_row charlie fail 'ima\.reorder' &&
    dev_row delta fail 'uefi\.reference' &&
    ok "dossier devices: the four labelled devices with their verdicts" ||
    not_ok "dossier devices: the four labelled devices with their verdicts" \
    "$(grep -A6 '^== The fleet' "$OUT" | tr '\n' '|')"
[ -s "$W/report.html" ] && grep -q 'charlie' "$W/report.html" &&
    ok "dossier report: report.html names the devices" ||
    not_ok "dossier report: report.html names the devices"

row() { grep -E "^   $1 +[0-9a-f]{12} +$2 +$3 +$4" "$OUT" >/dev/null; }
row alpha RSA-2048 pass '-$' && ok "table: alpha, RSA EK, pass" ||
    not_ok "table: alpha, RSA EK, pass" "$(grep -A4 '^== Results' "$OUT" | tr '\n' '|')"
row bravo 'ECC P-384' pass '-$' && ok "table: bravo, P-384 EK, pass" ||
    not_ok "table: bravo, P-384 EK, pass" "$(grep -A4 '^== Results' "$OUT" | tr '\n' '|')"
row charlie RSA-2048 fail "ima\\.reorder: extra: entry 40 '/usr/local/bin/backdoor'" &&
    ok "table: charlie fails ima.reorder, naming the new program" ||
    not_ok "table: charlie fails ima.reorder, naming the new program" \
    "$(grep -A4 '^== Results' "$OUT" | tr '\n' '|')"
row delta RSA-2048 fail "uefi\\.reference: 1 event added, removed or changed against" &&
    ok "table: delta fails uefi.reference" ||
    not_ok "table: delta fails uefi.reference" "$(grep -A5 '^== Results' "$OUT" | tr '\n' '|')"
grep -Eq "^     FAIL uefi\\.reference: PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION .*grubx64\\.efi: digest changed from sha256:[0-9a-f]+ to sha256:[0-9a-f]+" "$OUT" &&
    ok "delta's failure names the boot loader's event, old and new digest" ||
    not_ok "delta's failure names the boot loader's event, old and new digest"
expect_eq "$(grep -cE '^   (alpha|bravo|charlie|delta) ' "$OUT")" 4 "table: four devices"
grep -q "results in results.jsonl" "$OUT" && grep -q "$W/results.jsonl" "$OUT" &&
    ok "the output says where the results are" ||
    not_ok "the output says where the results are"

# The JSON Lines behind the table.
verdicts() {
	python3 -c '
import json, sys
names = {l.split()[0]: l.split()[1] for l in open(sys.argv[2])}
for line in open(sys.argv[1]):
    r = json.loads(line)
    f = list(dict.fromkeys(c["name"] for c in r["checks"] if c["outcome"] == "fail"))
    print(names[r["device"]], r["verdict"], ",".join(f) or "-")
' "$1" "$W/devices.txt" | sort
}
expect_eq "$(verdicts "$W/results.jsonl")" "alpha pass -
bravo pass -
charlie fail ima.reorder
delta fail uefi.reference" "results.jsonl: two passes, charlie fails only ima.reorder, delta only uefi.reference"
expect_eq "$(verdicts "$W/enroll-results.jsonl")" "alpha pass -
bravo pass -
charlie pass -
delta pass -" "enrollment answers: all four pass"
expect_eq "$(grep -c '"name":"uefi.replay.sha256","outcome":"ok"' "$W/results.jsonl")" 4 \
    "each device's UEFI event log replays to its own quoted sha256 PCRs"
expect_eq "$(grep -c '"name":"ima.replay.sha256","outcome":"ok"' "$W/results.jsonl")" 4 \
    "each device's log replays to its own quoted sha256 PCR 10"

# One log, three orders: the same records, not in the same order.
for d in alpha bravo charlie; do
	"$DOSSIER" ima ascii "$W/$d/ima.log" >"$T/$d.txt"
done
head -n 40 "$T/charlie.txt" >"$T/charlie40.txt"
expect_eq "$(sort "$T/alpha.txt" | md5sum)" "$(sort "$T/bravo.txt" | md5sum)" \
    "alpha and bravo measured the same records"
expect_eq "$(sort "$T/alpha.txt" | md5sum)" "$(sort "$T/charlie40.txt" | md5sum)" \
    "charlie's first 40 records are the same records"
cmp -s "$T/alpha.txt" "$T/bravo.txt" || cmp -s "$T/alpha.txt" "$T/charlie40.txt" ||
    cmp -s "$T/bravo.txt" "$T/charlie40.txt" &&
    not_ok "each device has its own order" || ok "each device has its own order"

# Nothing left running: the three swtpm PIDs the demo printed are gone (or
# zombies awaiting their new parent), and no process uses the demo's files.
pids=$(sed -n 's/^   [a-z]*: swtpm pid \([0-9]*\),.*/\1/p' "$OUT")
expect_eq "$(echo "$pids" | wc -w)" 4 "the demo names four swtpm PIDs"
left=
for p in $pids; do
	st=$(ps -o stat= -p "$p" 2>/dev/null | tr -d ' ')
	case "$st" in ''|Z*) ;; *) left="$left $p" ;; esac
done
expect_eq "$left" "" "no swtpm the demo started is still running"
expect_eq "$(pgrep -f "$W/" || true)" "" "no process uses the demo's directory"
[ ! -e "$W/tpm" ] && ok "the swtpm states are removed" || not_ok "the swtpm states are removed"
done_testing
