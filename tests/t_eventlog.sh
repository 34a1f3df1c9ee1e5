#!/usr/bin/env bash
# t_eventlog.sh - dossier eventlog on real firmware event logs
# (testdata/eventlogs/PROVENANCE.md) and on generated ones (gen_eventlog):
# every real log parses or is refused with offset and reason; replay agrees
# with tpm2_eventlog (tpm2-tools) bank by bank wherever it reads the log,
# PCR 0 of the logs with a StartupLocality event recomputed here (python3
# hashlib: tpm2_eventlog 5.4 extends that EV_NO_ACTION event); Secure Boot
# state as the provenance table says; each policy variant of the generated
# log fails its own rule; the man page's EXAMPLES run.
. "$DOSSIER_TOP/tests/lib.sh"
need tpm2_eventlog python3

E=$TD/eventlogs
GEN=$DOSSIER_TOOLS/gen_eventlog

# tpm2_eventlog's "pcrs:" section as "ALG PCR HEX" lines, sorted.
t2_pcrs() {
	awk '/^pcrs:/ { p = 1; next }
	     p && /^  [a-z0-9_]+:$/ { b = $1; sub(":", "", b); next }
	     p && /^    [0-9]+ *: 0x/ { gsub(" ", ""); split($0, a, ":");
		h = a[2]; sub("0x", "", h); print b " " a[1] " " tolower(h) }' | sort
}

# An independent replay of PCR 0 for a crypto-agile sha1/sha256 log:
# PCR 0 starts at the StartupLocality byte, EV_NO_ACTION is not extended.
pcr0_py() {
	python3 - "$1" <<'EOF'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
sz = struct.unpack_from('<I', d, 28)[0]
o, algs, banks = 32 + sz, {4: ('sha1', 20), 11: ('sha256', 32)}, {}
loc = 0
while o < len(d):
    pcr, typ, cnt = struct.unpack_from('<III', d, o)
    p, dg = o + 12, {}
    for _ in range(cnt):
        a = struct.unpack_from('<H', d, p)[0]
        name, n = algs[a]
        dg[name] = d[p + 2:p + 2 + n]
        p += 2 + n
    n = struct.unpack_from('<I', d, p)[0]
    data = d[p + 4:p + 4 + n]
    o = p + 4 + n
    if typ == 3:
        if pcr == 0 and data[:16] == b'StartupLocality\0' and not banks:
            loc = data[16]
        continue
    if pcr != 0:
        continue
    for name, v in dg.items():
        size = algs[4][1] if name == 'sha1' else 32
        cur = banks.get(name, b'\0' * (size - 1) + bytes([loc]))
        banks[name] = hashlib.new(name, cur + v).digest()
for name in sorted(banks):
    print(name, 0, banks[name].hex())
EOF
}

for f in "$E"/*/*; do
	n=${f#"$E"/}
	run "$DOSSIER" eventlog replay "$f"
	if [ "$RC" -gt 1 ] || grep -qi 'sanitizer\|segmentation' "$T/err"; then
		not_ok "$n: replay runs" "exit $RC: $(head -c 300 "$T/err")"
		continue
	fi
	ok "$n: replay runs (exit $RC)"
	if [ "$RC" -eq 1 ]; then
		if grep -Eq '^FAIL uefi.parse: .*event [0-9]+ at offset [0-9]+: |^FAIL uefi.parse: .*empty event log' "$T/out"; then
			ok "$n: refused with offset and reason"
		else
			not_ok "$n: refused with offset and reason" "$(head -c 300 "$T/out")"
		fi
	fi
	grep -v '^FAIL' "$T/out" | sort >"$T/ours"
	(tpm2_eventlog "$f" >"$T/t2"; exit $?) 2>/dev/null	# it crashes on -bogus
	t2rc=$?
	[ "$t2rc" -eq 0 ] || continue
	t2_pcrs <"$T/t2" >"$T/theirs"
	if grep -q 'StartupLocality' "$T/t2" || grep -q '537461727475704c6f63616c697479' "$T/t2"; then
		# PCR 0 by our own arithmetic; the rest against tpm2_eventlog
		pcr0_py "$f" | sort >"$T/pcr0"
		expect_eq "$(grep ' 0 ' "$T/ours")" "$(cat "$T/pcr0")" \
			"$n: PCR 0 from the StartupLocality value (python3 hashlib)"
		grep -v ' 0 ' "$T/ours" >"$T/ours.rest"
		grep -v ' 0 ' "$T/theirs" >"$T/theirs.rest"
		if cmp -s "$T/ours.rest" "$T/theirs.rest"; then
			ok "$n: PCRs other than 0 agree with tpm2_eventlog ($(wc -l <"$T/theirs.rest") values)"
		else
			not_ok "$n: PCRs other than 0 agree with tpm2_eventlog" "$(diff "$T/theirs.rest" "$T/ours.rest" | head -4 | tr '\n' '|')"
		fi
		continue
	fi
	for bank in $(cut -d' ' -f1 "$T/theirs" | sort -u); do
		if [ "$(grep "^$bank " "$T/ours")" = "$(grep "^$bank " "$T/theirs")" ]; then
			ok "$n: $bank bank agrees with tpm2_eventlog ($(grep -c "^$bank " "$T/theirs") PCRs)"
		else
			not_ok "$n: $bank bank agrees with tpm2_eventlog" "$(diff <(grep "^$bank " "$T/theirs") <(grep "^$bank " "$T/ours") | head -4 | tr '\n' '|')"
		fi
	done
	if [ "$(cut -d' ' -f1 "$T/ours" | sort -u)" = "$(cut -d' ' -f1 "$T/theirs" | sort -u)" ]; then
		ok "$n: same banks as tpm2_eventlog"
	else
		not_ok "$n: same banks as tpm2_eventlog" "ours $(cut -d' ' -f1 "$T/ours" | sort -u | tr '\n' ' '), theirs $(cut -d' ' -f1 "$T/theirs" | sort -u | tr '\n' ' ')"
	fi
done

# The log tpm2_eventlog refuses: read, its PCR 0xffffffff event reported.
expect 0 "ideapad1: replays" "$DOSSIER" eventlog replay "$E/ibmtss/ideapad1.log"
expect_out '^sha256 7 [0-9a-f]{64}$' "ideapad1: PCR 7 replayed"
expect 0 "ideapad1: shows" "$DOSSIER" eventlog show "$E/ibmtss/ideapad1.log"
expect_out '^event [0-9]+: PCR 0xffffffff EV_NO_ACTION .* not extended$' "ideapad1: the PCR 0xffffffff event is shown, not extended"
expect_out '^pcr-0xffffffff-events: 1$' "ideapad1: and counted"
expect 1 "bogus: refused" "$DOSSIER" eventlog show "$E/keylime/binary_bios_measurements-bogus"
expect_out '^FAIL uefi.parse: .*event 0 at offset 0: event data of [0-9]+ bytes \(limit' "bogus: the bad size named at offset 0"
expect 1 "empty: refused" "$DOSSIER" eventlog replay "$E/keylime/binary_bios_measurements-empty"
expect_out '^FAIL uefi.parse: .*empty event log' "empty: said so"
expect 2 "missing file: exit 2" "$DOSSIER" eventlog replay "$T/nonexistent"

# A truncated and a padded copy of a real log: the offset is named.
head -c 2000 "$E/tpm2-tools/event-arch-linux.bin" >"$T/cut.bin"
expect 1 "cut log: refused" "$DOSSIER" eventlog replay "$T/cut.bin"
expect_out '^FAIL uefi.parse: .*event [0-9]+ at offset [0-9]+: truncated' "cut log: truncation at its offset"
{ cat "$E/tpm2-tools/event-uefivar.bin"; printf 'xy'; } >"$T/pad.bin"
expect 1 "padded log: refused" "$DOSSIER" eventlog replay "$T/pad.bin"
expect_out "^FAIL uefi.parse: .*at offset $(stat -c %s "$E/tpm2-tools/event-uefivar.bin"): truncated: 2 bytes" "padded log: 2 trailing bytes at the end's offset"

# Secure Boot state as the provenance table says (01 on, 00 off, - null).
sb_of() { "$DOSSIER" eventlog show --json "$1" | python3 -c 'import json,sys; v=json.load(sys.stdin)["secureboot"]["enabled"]; print({True:"01",False:"00",None:"-"}[v])'; }
while read -r f want; do
	expect_eq "$(sb_of "$E/$f")" "$want" "$f: Secure Boot $want"
done <<'EOF'
tpm2-tools/event-arch-linux.bin -
tpm2-tools/event-bootorder.bin 00
tpm2-tools/event-gce-ubuntu-2104-log.bin 00
tpm2-tools/event-moklisttrusted.bin 01
tpm2-tools/event-postcode.bin 01
tpm2-tools/event-sd-boot-fedora37.bin -
tpm2-tools/event-uefi-sha1-log.bin -
tpm2-tools/event-uefivar.bin 01
tpm2-tools/event.bin -
ibmtss/dell1.log 01
ibmtss/hp1.log 01
ibmtss/ideapad1.log 01
ibmtss/deb1.log 01
keylime/binary_bios_measurements 00
keylime/binary_bios_measurements-secureboot 01
keylime/mb_log.bin 01
EOF

# JSON carries what the contract names.
run "$DOSSIER" eventlog show --json "$E/keylime/mb_log.bin"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert all(k in j for k in ("events","pcrs","secureboot","applications","cmdline")); assert j["pcrs"]["sha256"]["4"]; assert len(j["applications"])==4; assert "vmlinuz" in j["cmdline"][0]' "$T/out"; then
	ok "mb_log: --json has events, pcrs, secureboot, applications, cmdline"
else
	not_ok "mb_log: --json has events, pcrs, secureboot, applications, cmdline" "$(head -c 300 "$T/out")"
fi

# Bytes from a log never reach a terminal or a JSON string raw.
python3 - "$T/esc.log" <<'EOF'
import hashlib, struct, sys
spec = b'Spec ID Event03\0' + struct.pack('<IBBBBI', 0, 0, 2, 0, 2, 1) + struct.pack('<HH', 11, 32) + b'\0'
log = struct.pack('<II', 0, 3) + b'\0' * 20 + struct.pack('<I', len(spec)) + spec
text = b'evil \x1b[31m\nnext "quoted" \\ \xff'
log += struct.pack('<III', 5, 0x80000007, 1) + struct.pack('<H', 11) + hashlib.sha256(text).digest() + struct.pack('<I', len(text)) + text
open(sys.argv[1], 'wb').write(log)
EOF
expect 0 "escapes: shows" "$DOSSIER" eventlog show "$T/esc.log"
if LC_ALL=C grep -q $'\x1b\|\xff' "$T/out"; then not_ok "escapes: no raw control or non-ASCII byte in show"; else ok "escapes: no raw control or non-ASCII byte in show"; fi
expect_out 'data \[verified\]: evil \\x1b\[31m\\x0anext "quoted" \\x5c \\xff$' "escapes: shown as \\xNN"
expect 0 "escapes: --json" "$DOSSIER" eventlog show --json "$T/esc.log"
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert "x1b" in j["events"][1]["description"]' "$T/out"; then
	ok "escapes: --json is valid JSON with the escaped text"
else
	not_ok "escapes: --json is valid JSON with the escaped text" "$(head -c 300 "$T/out")"
fi

# ---- generated logs and the policy rules -------------------------------------
"$GEN" -o "$T/base.log" --pcrs "$T/base.pcrs" --extends "$T/base.ext" || not_ok "gen_eventlog runs"
expect 0 "generated log: tpm2_eventlog reads it" tpm2_eventlog "$T/base.log"
t2_pcrs <"$T/out" >"$T/gen.theirs"
# (PCR 0 apart: tpm2_eventlog extends the StartupLocality event; see above)
expect_eq "$(sort "$T/base.pcrs" | grep -v ' 0 ')" "$(grep -v ' 0 ' "$T/gen.theirs")" \
	"generated log: the generator's PCR values equal tpm2_eventlog's (PCRs 1-9)"
expect_eq "$(grep ' 0 ' "$T/base.pcrs" | sort)" "$(pcr0_py "$T/base.log" | sort)" \
	"generated log: the generator's PCR 0 equals python3's"
expect_eq "$(grep -Ec '^[0-9]+:sha1=[0-9a-f]{40},sha256=[0-9a-f]{64}$' "$T/base.ext")" "$(wc -l <"$T/base.ext")" \
	"generated log: one tpm2_pcrextend argument per extended event"
ALL=(--policy secureboot --policy dbx --policy bootchain --policy 'cmdline:*root=UUID=* ro quiet' --policy separators --policy reference)
expect 0 "generated log: every rule holds against itself" \
	"$DOSSIER" eventlog check "$T/base.log" --pcrs "$T/base.pcrs" --ref-log "$T/base.log" "${ALL[@]}"
for c in parse replay secureboot dbx bootchain cmdline separators reference; do
	expect_out "^ok uefi.$c( |$)" "generated log: ok uefi.$c"
done

variant() { # name rule gen-options...
	local name=$1 rule=$2
	shift 2
	"$GEN" -o "$T/$name.log" --pcrs "$T/$name.pcrs" "$@"
	expect 1 "$name: check fails" "$DOSSIER" eventlog check "$T/$name.log" \
		--pcrs "$T/$name.pcrs" --ref-log "$T/base.log" "${ALL[@]}"
	expect_out '^ok uefi.replay ' "$name: its replay still matches"
	expect_out "^FAIL uefi.$rule: " "$name: fails uefi.$rule"
	FAILS=$(grep '^FAIL' "$T/out" | cut -d: -f1 | sort -u | tr '\n' ' ')
}
variant bootloader bootchain --bootloader-variant 1
expect_out '^FAIL uefi.bootchain: PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION .*grubx64.efi' "bootloader: the boot loader is named"
expect_out '^FAIL uefi.reference: PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION .*grubx64.efi: digest changed from sha256:[0-9a-f]{64} to sha256:[0-9a-f]{64}' \
	"bootloader: reference says the boot loader's digest changed"
expect_eq "$FAILS" "FAIL uefi.bootchain FAIL uefi.reference " "bootloader: only bootchain and reference fail"
variant sboff secureboot --secureboot-off
expect_out '^FAIL uefi.secureboot: Secure Boot is off' "sboff: Secure Boot off named"
expect_eq "$FAILS" "FAIL uefi.reference FAIL uefi.secureboot " "sboff: only secureboot and reference fail"
variant dbxold dbx --dbx-remove 2
expect_out '^FAIL uefi.dbx: dbx \(event [0-9]+\) lacks the reference.s entry [0-9a-f]+' "dbxold: the missing entry named"
expect_eq "$FAILS" "FAIL uefi.dbx FAIL uefi.reference " "dbxold: only dbx and reference fail"
variant cmdline cmdline --cmdline 'root=/dev/sda1 ro init=/bin/sh'
expect_out '^FAIL uefi.cmdline: PCR 8 kernel command line ".*init=/bin/sh" \(event [0-9]+\) does not match' "cmdline: the command line named"
expect_eq "$FAILS" "FAIL uefi.cmdline FAIL uefi.reference " "cmdline: only cmdline and reference fail"

# A log that does not replay to the PCR values: the first PCR and bank named.
"$GEN" -o "$T/other.log" --pcrs "$T/other.pcrs" --bootloader-variant 2
expect 1 "wrong PCR values: check fails" "$DOSSIER" eventlog check "$T/base.log" --pcrs "$T/other.pcrs"
expect_out '^FAIL uefi.replay: PCR 4 sha1: the [0-9]+ events replayed into it give [0-9a-f]{40}, the PCR values have [0-9a-f]{40}$' \
	"wrong PCR values: PCR 4 sha1 and the event count named"
expect 2 "a reference log that does not parse: exit 2" "$DOSSIER" eventlog check "$T/base.log" --pcrs "$T/base.pcrs" --ref-log "$T/cut.bin"
expect_err 'ref-log .*cut.bin: event [0-9]+ at offset [0-9]+: truncated' "a reference log that does not parse: named with its offset"
expect 1 "rules needing a reference are skipped, not passed" "$DOSSIER" eventlog check "$T/base.log" --pcrs "$T/base.pcrs" --policy dbx --policy bootchain
expect_out '^SKIP uefi.dbx: no reference' "dbx without a reference: SKIP"
expect_out '^SKIP uefi.bootchain: no reference' "bootchain without a reference: SKIP"
expect 2 "check without --pcrs: usage error" "$DOSSIER" eventlog check "$T/base.log"
expect 2 "bad rule: usage error" "$DOSSIER" eventlog check "$T/base.log" --pcrs "$T/base.pcrs" --policy frobnicate
expect_err 'unknown rule' "bad rule: said so"
expect 0 "replay --bank sha256: replays" "$DOSSIER" eventlog replay --bank sha256 "$T/base.log"
expect_eq "$(cat "$T/out")" "$(grep '^sha256 ' "$T/base.pcrs")" "replay --bank sha256: only that bank, as the generator computed"

# The replay prints exactly what dossier ima check --pcrs reads.
"$DOSSIER" eventlog replay "$E/keylime/mb_log.bin" >"$T/mb.pcrs"
expect 0 "replay output is a PCR file check accepts" "$DOSSIER" eventlog check "$E/keylime/mb_log.bin" --pcrs "$T/mb.pcrs"

# The man page's EXAMPLES run (from the top of the tree, as written there).
cd "$DOSSIER_TOP" || exit 2
ln -s "$DOSSIER_TOP/testdata" "$T/testdata"
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' man/dossier-eventlog.1 | grep -E '^\$ ' | sed 's/^\$ //' >"$T/examples"
expect_eq "$( [ -s "$T/examples" ] && echo yes)" yes "man page: EXAMPLES has commands"
while read -r cmd; do
	cmd=${cmd//dossier /\"\$DOSSIER\" }
	cmd=${cmd//build\/tools\/gen_eventlog/\"\$GEN\"}
	(cd "$T" && eval "$cmd" >/dev/null 2>&1)
	rc=$?
	if [ "$rc" -le 1 ]; then ok "man example runs: ${cmd:0:60}"; else not_ok "man example runs: $cmd" "exit $rc"; fi
done <"$T/examples"
done_testing
