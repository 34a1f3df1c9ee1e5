#!/usr/bin/env bash
# tests/demo.sh - dossier end to end: four software TPMs play four devices,
# one verifier enrolls them, challenges them all with one archive and judges
# the answers as one batch; one device ran a program the verifier has never
# seen, another booted a boot loader it was not enrolled with; both are
# caught.
#
#   make demo            (or: make && tests/demo.sh)
#
# What it does, narrated step by step on stdout ("$ ..." lines are the
# commands, with their output indented):
#   - starts four swtpm devices, each provisioned with EK certificates by
#     its own swtpm_localca: alpha, charlie and delta use their RSA-2048 EK,
#     bravo its ECC P-384 EK;
#   - one firmware boot (a UEFI event log from build/tools/gen_eventlog)
#     extended into PCRs 0-9 of each device;
#   - writes one IMA measurement list (build/tools/gen_ima_log) and extends
#     it into PCR 10 of each device (sha1 and sha256 banks, per-bank mode),
#     each device in its own order (same measurements, its own log file);
#   - dossier init, roots add (the three local CAs), dossier-collect enroll
#     on each device, dossier enroll, the devices answer their enrollment
#     challenges, dossier verify enrolls them;
#   - dossier challenge --all --logs ima,uefi, each device answers from
#     that one archive, carrying its IMA and UEFI logs; before that,
#     charlie measures a new program into PCR 10 (a record its enrollment
#     log did not have), and delta reboots with another boot loader (a TPM
#     reset, then the boot's UEFI event log with another GRUB digest);
#   - dossier verify of the directory of answers, and a table of the
#     results (JSON Lines): alpha and bravo pass, charlie fails ima.reorder,
#     delta fails uefi.reference naming the boot loader's event.
# Everything it writes is in build/demo/ (emptied at the start of each run;
# the JSON Lines results stay in build/demo/results.jsonl); every swtpm it
# started is stopped at exit (TPM2_Shutdown, then by PID).
#
# Exit status: 0 the demo ran as described (two passes, charlie caught by
# ima.reorder, delta by uefi.reference); 1 a step did not go as described (the step is named on
# stderr); 2 a tool or a binary is missing.
# Environment: DOSSIER_BUILD (default build) picks the binaries;
# DOSSIER_DEMO_DIR (an absolute path ending in /demo, default
# $DOSSIER_BUILD/demo) the work directory (tests/t_demo.sh uses its own).
set -uo pipefail

DOSSIER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOSSIER_TOP
: "${DOSSIER_BUILD:=build}"
W=${DOSSIER_DEMO_DIR:-$DOSSIER_TOP/$DOSSIER_BUILD/demo}
case "$W" in /?*/demo) ;; *) echo "demo: the work directory must be an absolute .../demo: $W" >&2; exit 2 ;; esac
rm -rf "$W" && mkdir -p "$W" || exit 2
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
# The swtpm states live in build/demo/tpm (lib.sh removes $T at exit).
rmdir "$T" && T=$W/tpm && mkdir "$T" || exit 2
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
GEN_IMA=$DOSSIER_TOOLS/gen_ima_log
export DOSSIER_STORE=$W/store.db
GEN_UEFI=$DOSSIER_TOOLS/gen_eventlog
DEVICES=(alpha bravo charlie delta)
declare -A EK_KIND=([alpha]=rsa [bravo]=ecc [charlie]=rsa [delta]=rsa)
IMA_RECORDS=40

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
die() { echo "demo: FAILED: $*" >&2; exit 1; }
# short TEXT: TEXT with the work directory's path left out.
short() { sed "s|$W/||g; s|$DOSSIER_TOP/||g"; }
# show CODE CMD...: print the command, run it in $W, print its stdout and
# stderr indented; it must exit with CODE.
show() {
	local code=$1 rc=0
	shift
	printf '$ %s\n' "$*" | short
	(cd "$W" && "$@") >"$W/cmd.out" 2>&1 || rc=$?
	sed 's/^/    /' "$W/cmd.out" | short
	[ "$rc" -eq "$code" ] || die "$(basename "$1") exited $rc, expected $code"
}

# ima_tool: the IMA byte work of the demo (python3). Subcommands:
#   reorder IN OUT SEED   boot_aggregate first, the other records shuffled
#   append IN OUT PATH    IN plus one ima-ng record measuring PATH
#   digests LOG           per record: its sha1 column and the sha256 bank's
#                         digest (SHA-256 of the template data); the sha1
#                         column is checked to be SHA-1 of the same bytes
cat >"$W/ima_tool.py" <<'EOF'
import hashlib, random, struct, sys

def records(b):
    i, out = 0, []
    while i < len(b):
        start = i
        pcr, = struct.unpack_from('<I', b, i); i += 4 + 20
        nl, = struct.unpack_from('<I', b, i); i += 4 + nl
        dl, = struct.unpack_from('<I', b, i); i += 4
        out.append((b[start:i + dl], b[start + 4:start + 24], b[i:i + dl])); i += dl
    return out

def field(x): return struct.pack('<I', len(x)) + x

cmd, log = sys.argv[1], open(sys.argv[2], 'rb').read()
recs = records(log)
if cmd == 'reorder':
    rest = recs[1:]
    random.Random(sys.argv[4]).shuffle(rest)
    open(sys.argv[3], 'wb').write(b''.join(r[0] for r in recs[:1] + rest))
elif cmd == 'append':
    path = sys.argv[4].encode()
    td = field(b'sha256:\0' + hashlib.sha256(b'demo:' + path).digest()) + field(path + b'\0')
    rec = (struct.pack('<I', 10) + hashlib.sha1(td).digest() + field(b'ima-ng') + field(td))
    open(sys.argv[3], 'wb').write(log + rec)
elif cmd == 'digests':
    for _, col, td in recs:
        if col != hashlib.sha1(td).digest():
            sys.exit('ima_tool: a sha1 column is not SHA-1 of its template data')
        print(col.hex(), hashlib.sha256(td).hexdigest())
EOF
ima() { python3 "$W/ima_tool.py" "$@"; }

# extend LOG FROM: extend records FROM.. of LOG into the current TPM's PCR 10.
extend() {
	ima digests "$1" | tail -n "+$2" | while read -r d1 d256; do
		tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
		    { echo "tpm2_pcrextend failed" >&2; return 1; }
	done
}

# uefi_extend FILE: each line is a tpm2_pcrextend argument (gen_eventlog
# --extends), extended into the current TPM.
uefi_extend() {
	while read -r x; do
		tpm2_pcrextend "$x" >/dev/null 2>&1 ||
		    { echo "tpm2_pcrextend failed" >&2; return 1; }
	done <"$1"
}

for tool in swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_pcrextend \
    tpm2_shutdown tpm2_startup tpm2_nvread openssl python3; do
	command -v "$tool" >/dev/null || {
		echo "demo: $tool is not installed: run tests/setup-debian.sh" >&2
		exit 2
	}
done
for bin in "$DOSSIER" "$COLLECT" "$GEN_IMA" "$GEN_UEFI"; do
	[ -x "$bin" ] || { echo "demo: $bin missing: run make first" >&2; exit 2; }
done
echo "dossier demo: $("$DOSSIER" --version), $("$COLLECT" --version); files in $(echo "$W" | short)/"

say "Four devices: software TPMs with EK certificates from a local CA"
note "Each swtpm is manufactured like a real TPM: its EK certificates (RSA-2048"
note "and ECC P-384) are in NV, signed by a CA (swtpm_localca, one per device)."
for dev in "${DEVICES[@]}"; do
	swtpm_up "$dev" || die "swtpm_up $dev"
	v=$(_swtpm_var "$dev")
	if [ "${EK_KIND[$dev]}" = rsa ]; then
		cert=${v}EK_CERT_RSA
		kind=RSA-2048
	else
		cert=${v}EK_CERT_ECC
		kind="ECC P-384"
	fi
	id=$(openssl dgst -sha256 -r "${!cert}" | cut -c1-64)
	printf '%s %s %s\n' "$id" "$dev" "$kind" >>"$W/devices.txt"
	pid=${v}PID
	note "$dev: swtpm pid ${!pid}, EK $kind, device id ${id:0:16}..."
done

say "One IMA measurement list, measured by each device in its own order"
show 0 "$GEN_IMA" -n "$IMA_RECORDS" -t ima-ng -s 7 -o ima-base.log
i=0
for dev in "${DEVICES[@]}"; do
	mkdir -p "$W/$dev"
	ima reorder "$W/ima-base.log" "$W/$dev/ima.log" "$dev" || die "reorder"
	swtpm_use "$dev" && extend "$W/$dev/ima.log" 1 || die "extend $dev"
	note "$dev: $dev/ima.log extended into PCR 10 (sha1, sha256);" \
	    "first file: $("$DOSSIER" ima ascii "$W/$dev/ima.log" | sed -n '2s/.* //p')"
done
note "Same $IMA_RECORDS measurements everywhere, in four orders: the kernel's order"
note "depends on what ran first. The verifier replays each log in its own order."

say "One firmware boot: the UEFI event log, measured into PCRs 0-9"
show 0 "$GEN_UEFI" -o uefi-base.log --extends uefi-base.ext
for dev in "${DEVICES[@]}"; do
	cp "$W/uefi-base.log" "$W/$dev/uefi.log" || die "copy the UEFI log"
	swtpm_use "$dev" && uefi_extend "$W/uefi-base.ext" || die "extend $dev"
done
note "Secure Boot on, shim, GRUB and the kernel on PCR 4, the kernel command line"
note "on PCR 8: $("$DOSSIER" eventlog show uefi-base.log 2>/dev/null | grep -c '^event ') events, the same on every device."

say "The verifier: a store, its signing key, the EK roots it trusts"
show 0 "$DOSSIER" init -o verifier.pem
note "The EK certificates' CAs, as their manufacturers publish them (root and"
note "issuing CA of each local CA):"
mkdir -p "$W/roots"
roots=()
for dev in "${DEVICES[@]}"; do
	v=$(_swtpm_var "$dev")
	r=${v}CA_ROOT
	m=${v}CA_INTERMEDIATE
	cp "${!r}" "$W/roots/$dev-root.pem" && cp "${!m}" "$W/roots/$dev-issuer.pem" ||
	    die "copy the CA certificates"
	roots+=("roots/$dev-root.pem" "roots/$dev-issuer.pem")
done
show 0 "$DOSSIER" roots add "${roots[@]}"

# collect_args DEV: dossier-collect options for DEV (its state, its log);
# DEV's swtpm becomes the one the collector talks to (DOSSIER_TCTI).
collect_args() {
	COLLECT_ARGS=(--state "$W/$1/state" --ima-log "$W/$1/ima.log"
	    --uefi-log "$W/$1/uefi.log")
	swtpm_use "$1" || die "swtpm_use $1"
}

say "Enrollment, on each device: dossier-collect enroll"
note "The collector makes an AK under the EK, pins the verifier's key and writes"
note "an enrollment bundle (EK certificate, keys, PCRs, IMA and UEFI logs, signed"
note "MANIFEST); the verifier keeps the logs as the device's references."
mkdir -p "$W/enroll"
for dev in "${DEVICES[@]}"; do
	collect_args "$dev"
	[ "${EK_KIND[$dev]}" = ecc ] && COLLECT_ARGS+=(--ek ecc --ak ecc)
	show 0 "$COLLECT" enroll -o "enroll/$dev.dossier" --verifier-key verifier.pem \
	    "${COLLECT_ARGS[@]}"
done

say "Enrollment, on the verifier: dossier enroll"
note "Each EK certificate must chain to a root; each device is recorded as pending"
note "and gets an enrollment challenge (a secret only its TPM can unwrap)."
show 0 "$DOSSIER" enroll -o enroll-challenges.tar enroll/alpha.dossier \
    enroll/bravo.dossier enroll/charlie.dossier enroll/delta.dossier

say "The devices answer their enrollment challenges; dossier verify enrolls them"
mkdir -p "$W/enroll-answers"
for dev in "${DEVICES[@]}"; do
	collect_args "$dev"
	show 0 "$COLLECT" attest --challenge enroll-challenges.tar \
	    -o "enroll-answers/$dev.dossier" "${COLLECT_ARGS[@]}"
done
show 0 "$DOSSIER" verify -o enroll-results.jsonl enroll-answers

say "Attestation: one challenge archive for the whole fleet"
show 0 "$DOSSIER" challenge --all --logs ima,uefi -o challenges.tar
note "(the archive travels to the devices, on a USB stick for instance; each"
note "answer must carry the IMA log and the firmware's UEFI event log)"

say "Meanwhile, charlie runs a program the verifier has never seen"
swtpm_use charlie || die "swtpm_use charlie"
ima append "$W/charlie/ima.log" "$W/charlie/ima.log.new" /usr/local/bin/backdoor &&
    mv "$W/charlie/ima.log.new" "$W/charlie/ima.log" || die "append"
extend "$W/charlie/ima.log" $((IMA_RECORDS + 1)) || die "extend charlie"
note "IMA measures it into charlie's PCR 10; the log's new last record:"
note "  $("$DOSSIER" ima ascii "$W/charlie/ima.log" | tail -n 1 | cut -d' ' -f1,3-5)"
note "Log and TPM agree, so the quote and the replay hold; only the reference"
note "(charlie's log at enrollment) knows better."

say "Meanwhile, delta reboots with another boot loader"
swtpm_use delta || die "swtpm_use delta"
show 0 "$GEN_UEFI" -o delta/uefi.log --extends delta/uefi.ext --bootloader-variant 1
tpm2_shutdown -c >/dev/null 2>&1 &&
    swtpm_ioctl --tcp "127.0.0.1:$((SWTPM_PORT + 1))" -i >/dev/null 2>&1 &&
    tpm2_startup -c >/dev/null 2>&1 || die "reset delta's TPM"
uefi_extend "$W/delta/uefi.ext" && extend "$W/delta/ima.log" 1 || die "boot delta"
note "A reboot (TPM reset): the firmware measures the new GRUB image into PCR 4,"
note "the kernel measures the same IMA log into PCR 10. The event log and the TPM"
note "agree; only delta's event log at enrollment knows which GRUB it had."

say "Each device answers from the same archive: dossier-collect attest"
mkdir -p "$W/evidence"
for dev in "${DEVICES[@]}"; do
	collect_args "$dev"
	show 0 "$COLLECT" attest --challenge challenges.tar \
	    -o "evidence/$dev.dossier" "${COLLECT_ARGS[@]}"
done

say "The verifier judges the batch, offline: dossier verify"
note "A directory of bundles; one JSON line per bundle (exit 1: one failed)."
show 1 "$DOSSIER" verify -o results.jsonl evidence

say "Results"
python3 - "$W/results.jsonl" "$W/devices.txt" >"$W/table.txt" <<'EOF' ||
import json, sys
devs = {}
for line in open(sys.argv[2]):
    i, name, kind = line.split(None, 2)
    devs[i] = (name, kind.strip())
rows = [('DEVICE', 'ID', 'EK', 'VERDICT', 'FIRST FAILED CHECK')]
for line in open(sys.argv[1]):
    r = json.loads(line)
    name, kind = devs.get(r['device'], ('?', '?'))
    fails = [c for c in r['checks'] if c['outcome'] == 'fail']
    first = '-'
    if fails:
        first = fails[0]['name'] + ': ' + fails[0]['reason']
        if len(first) > 72:
            first = first[:69] + '...'
    rows.append((name, (r['device'] or '-')[:12], kind, r['verdict'], first))
rows[1:] = sorted(rows[1:])
w = [max(len(r[k]) for r in rows) for k in range(4)]
for r in rows:
    print('  '.join(r[k].ljust(w[k]) for k in range(4)) + '  ' + r[4])
EOF
    die "the results table"
sed 's/^/   /' "$W/table.txt"
echo
note "Every check of every bundle: $(echo "$W" | short)/results.jsonl (JSON Lines,"
note "man/dossier-results.5), e.g. charlie's and delta's failed checks:"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    for c in r["checks"]:
        if c["outcome"] == "fail":
            print("     FAIL %s: %s" % (c["name"], c["reason"]))
' "$W/results.jsonl" | short | tee "$W/fails.txt"

# The outcome the demo is about.
grep -Eq '^alpha +[0-9a-f]{12} +RSA-2048 +pass +-$' "$W/table.txt" &&
    grep -Eq '^bravo +[0-9a-f]{12} +ECC P-384 +pass +-$' "$W/table.txt" &&
    grep -Eq '^charlie +[0-9a-f]{12} +RSA-2048 +fail +ima\.reorder: ' "$W/table.txt" &&
    grep -Eq '^delta +[0-9a-f]{12} +RSA-2048 +fail +uefi\.reference: ' "$W/table.txt" &&
    grep -Eq 'FAIL uefi\.reference: PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION .*grubx64\.efi: digest changed' \
    "$W/fails.txt" ||
    die "the verdicts are not two passes, charlie failing ima.reorder and delta uefi.reference"

say "The fleet as dossier shows it: dossier devices, dossier report"
note "Each device stated its host name at enrollment (here all share one);"
note "labels name them apart, and every command then takes a label."
while read -r id dev _; do
	show 0 "$DOSSIER" devices label "${id:0:12}" "$dev"
done <"$W/devices.txt"
show 0 "$DOSSIER" devices
show 0 "$DOSSIER" report -o report.html
note "report.html: one self-contained page for the audit's report (dossier-report(1))"

say "Done: the devices are switched off"
for dev in "${DEVICES[@]}"; do
	swtpm_down "$dev"
	v=$(_swtpm_var "$dev")
	pid=${v}PID
	dir=${v}DIR
	! _swtpm_alive "${!pid}" "${!dir}" || die "swtpm $dev (pid ${!pid}) still runs"
done
note "every swtpm got TPM2_Shutdown and stopped; results stay in $(echo "$W" | short)/results.jsonl"
