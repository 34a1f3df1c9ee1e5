#!/usr/bin/env bash
# t_escape.sh - no byte from input reaches a terminal raw. A bundle file
# name, a tar member name and an IMA path hold ESC [2J ESC [H (clear the
# screen, cursor home), CR, LF, DEL and a backslash, followed by a fake
# "FAKE" line. Every human-facing output -- the verify summary (a
# directory and an archive), inspect and inspect --explain, ima check
# findings, refs show, enroll's and inspect's error lines, and ima ascii
# on a terminal -- must show them as \xHH: no raw control byte (TAB and
# the line ends excepted) and no line starting with FAKE. ima ascii into
# a file keeps the kernel's raw bytes. The JSON results stay JSON.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 script

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/in" "$T/arc"
EVIL=$'x\e[2J\e[H\rALL GOOD\nFAKE\x7f\\y'
# What the escaped name must read as (field escaping: the backslash too).
SHOWN='x\x1b[2J\x1b[H\x0dALL GOOD\x0aFAKE\x7f\x5cy'

"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t ima-ng -s 5 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
FIXTURE_CHALLENGES=4 "$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")

gen() {
	local name=$1 out=$2 id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$T/ref.log" "$@"
}

# clean FILE NAME: FILE has no raw control byte but TAB and LF, and no
# line that the input's newline started.
clean() {
	if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$1"; then
		not_ok "$2: no raw control bytes" \
		    "$(LC_ALL=C grep -naP '[\x00-\x08\x0b-\x1f\x7f]' "$1" | head -3 | od -c | head -5)"
	else ok "$2: no raw control bytes"; fi
	if grep -q '^FAKE' "$1"; then not_ok "$2: no faked line" "$(grep -n '^FAKE' "$1")"
	else ok "$2: no faked line"; fi
}
# shows FILE NAME: FILE shows the evil name escaped (so the checks above
# looked at output that really quotes it).
shows() {
	if grep -qF -- "$SHOWN" "$1"; then ok "$2: the name is shown escaped"
	else not_ok "$2: the name is shown escaped" "$(head -c 600 "$1" | tr '\n' '|')"; fi
}

# --- a bundle whose file name and one IMA path are hostile -------------------
gen b0 "$T/in/$EVIL.dossier" --clock 1000000 --ima-add "/usr/bin/$EVIL"
head -c 2000 /dev/urandom >"$T/in/${EVIL}garbage.dossier"
expect 1 "verify a directory: the bundles fail" "$DOSSIER" "${S[@]}" verify \
    -o "$T/results.jsonl" "$T/in"
cp "$T/err" "$T/verify.err"
clean "$T/verify.err" "verify summary"
shows "$T/verify.err" "verify summary"
if grep -qF 'ima.reorder' "$T/verify.err" && grep -qF '/usr/bin/x\x1b[2J' "$T/verify.err"; then
	ok "verify summary: the IMA path in the reason is escaped"
else not_ok "verify summary: the IMA path in the reason is escaped" "$(tr '\n' '|' <"$T/verify.err")"; fi
if python3 -c '
import json, sys
names = [json.loads(l)["input"]["name"] for l in open(sys.argv[1], encoding="utf-8")]
assert any("\x1b[2J" in n and "\nFAKE" in n for n in names), names
' "$T/results.jsonl"; then ok "JSON results keep the real name (JSON-escaped)"
else not_ok "JSON results keep the real name (JSON-escaped)"; fi

# --- the same bundle as a tar member --------------------------------------------
python3 - "$T/in/$EVIL.dossier" "$EVIL" "$T/arc/a.tar" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[3], "w", format=tarfile.PAX_FORMAT) as t:
    t.add(sys.argv[1], arcname=sys.argv[2] + ".dossier")
EOF
expect 1 "verify an archive: the member fails" "$DOSSIER" "${S[@]}" verify \
    -o "$T/results2.jsonl" "$T/arc/a.tar"
cp "$T/err" "$T/verify2.err"
clean "$T/verify2.err" "verify summary of an archive"
shows "$T/verify2.err" "verify summary of an archive"

# --- inspect ----------------------------------------------------------------
# (exit 1: the fixture's ek.crt and ek.pub are placeholders, not decodable)
expect 1 "inspect the bundle" "$DOSSIER" inspect "$T/in/$EVIL.dossier"
cp "$T/out" "$T/inspect.out"
clean "$T/inspect.out" "inspect"
shows "$T/inspect.out" "inspect"
if grep -qF '/usr/bin/x\x1b[2J' "$T/inspect.out"; then ok "inspect: the IMA line's path is escaped"
else not_ok "inspect: the IMA line's path is escaped"; fi
run "$DOSSIER" "${S[@]}" inspect --explain "$T/in/$EVIL.dossier"
cat "$T/out" "$T/err" >"$T/explain.out"
clean "$T/explain.out" "inspect --explain"
if grep -qF '/usr/bin/x\x1b[2J' "$T/explain.out"; then ok "inspect --explain: the finding's path is escaped"
else not_ok "inspect --explain: the finding's path is escaped" "$(head -c 600 "$T/explain.out" | tr '\n' '|')"; fi
expect 2 "inspect a garbage file with a hostile name" "$DOSSIER" inspect "$T/in/${EVIL}garbage.dossier"
cat "$T/out" "$T/err" >"$T/inspect2.out"
clean "$T/inspect2.out" "inspect of garbage"
shows "$T/inspect2.out" "inspect of garbage"
expect 2 "inspect a missing file with a hostile name" "$DOSSIER" inspect "$T/$EVIL"
clean "$T/err" "error message"
shows "$T/err" "error message"

# --- an IMA log with the hostile path: ima check, refs show, ima ascii ------------
python3 - "$EVIL" >"$T/tail.rec" <<'EOF'
import hashlib, struct, sys
path = ("/usr/bin/" + sys.argv[1]).encode("utf-8", "surrogateescape") + b"\0"
d = b"sha256:\0" + hashlib.sha256(path).digest()
td = struct.pack("<I", len(d)) + d + struct.pack("<I", len(path)) + path
sys.stdout.buffer.write(struct.pack("<I", 10) + hashlib.sha1(td).digest() +
    struct.pack("<I", 6) + b"ima-ng" + struct.pack("<I", len(td)) + td)
EOF
cat "$T/ref.log" "$T/tail.rec" >"$T/evil.log"
expect 1 "ima check: the hostile entry is a reorder finding" "$DOSSIER" ima check \
    "$T/evil.log" --ref-log "$T/ref.log" --policy reorder
clean "$T/out" "ima check findings"
if grep -qF 'FAIL ima.reorder' "$T/out" && grep -qF '/usr/bin/x\x1b[2J' "$T/out"; then
	ok "ima check: the finding names the path escaped"
else not_ok "ima check: the finding names the path escaped" "$(tr '\n' '|' <"$T/out")"; fi

expect 0 "refs create" "$DOSSIER" "${S[@]}" refs create hostile
expect 0 "refs add the hostile log" "$DOSSIER" "${S[@]}" refs add hostile --ima-log "$T/evil.log"
expect 0 "refs show" "$DOSSIER" "${S[@]}" refs show hostile
clean "$T/out" "refs show"
if grep -qF '/usr/bin/x\x1b[2J' "$T/out"; then ok "refs show: the path is escaped"
else not_ok "refs show: the path is escaped"; fi

expect 0 "ima ascii into a file" "$DOSSIER" ima ascii "$T/evil.log"
if grep -qF -- "$EVIL" "$T/out"; then ok "ima ascii into a file: the kernel's raw bytes"
else not_ok "ima ascii into a file: the kernel's raw bytes"; fi
# On a terminal (script(1) gives the command a pty): escaped.
script -qec "$DOSSIER ima ascii '$T/evil.log'" /dev/null >"$T/tty.out" 2>&1
tr -d '\r' <"$T/tty.out" >"$T/tty2.out"	# the pty's own CR LF line ends
clean "$T/tty2.out" "ima ascii on a terminal"
if grep -qF '/usr/bin/x\x1b[2J' "$T/tty2.out"; then ok "ima ascii on a terminal: the path is escaped"
else not_ok "ima ascii on a terminal: the path is escaped" "$(head -c 300 "$T/tty2.out" | od -c | head)"; fi

# --- enroll's refusal line -----------------------------------------------------
expect 0 "roots add" "$DOSSIER" "${S[@]}" roots add \
    "$TD/ek/ca/infineon-optiga/rsa-root-ca.crt"
expect 1 "enroll refuses the garbage file" "$DOSSIER" "${S[@]}" enroll \
    "$T/in/${EVIL}garbage.dossier" -o "$T/c.tar"
clean "$T/out" "enroll"
shows "$T/out" "enroll"
done_testing
