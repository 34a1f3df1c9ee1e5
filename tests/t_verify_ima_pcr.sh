#!/usr/bin/env bash
# t_verify_ima_pcr.sh - dossier verify of IMA logs with entries extending a
# PCR other than 10 (an IMA policy rule with pcr=11): the replay judges the
# quoted PCR 10 only, so such entries after the quoted state are part of
# the unquoted tail (the bundle passes and the tail's line names the PCR),
# such entries inside the quoted part fail ima.replay.<bank> naming the
# entry and the PCR, and a log whose only entries miss PCR 10 cannot pass
# against a non-zero quoted PCR 10. Bundles from gen_evidence (no TPM)
# against the fixture store of tests/t_verify.sh.
. "$DOSSIER_TOP/tests/lib.sh"
need python3

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/in"
"$DOSSIER_TOOLS/gen_ima_log" -n 30 -t ima-ng -s 3 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
FIXTURE_CHALLENGES=4 "$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")

# rec PCR PATH: one ima-ng record (little-endian) extending PCR.
rec() {
	python3 - "$@" <<'EOF'
import hashlib, struct, sys
pcr, path = int(sys.argv[1]), sys.argv[2].encode() + b"\0"
d = b"sha256:\0" + hashlib.sha256(path).digest()
td = struct.pack("<I", len(d)) + d + struct.pack("<I", len(path)) + path
sys.stdout.buffer.write(struct.pack("<I", pcr) + hashlib.sha1(td).digest() +
    struct.pack("<I", 6) + b"ima-ng" + struct.pack("<I", len(td)) + td)
EOF
}

# gen NAME OUT LOG [gen_evidence options]: a bundle answering challenge NAME.
gen() {
	local name=$1 out=$2 log=$3 id sec
	shift 3
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$log" "$@"
}

# check BUNDLE NAME: "outcome: reason" of check NAME in BUNDLE's result.
check() {
	python3 - "$T/results.jsonl" "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["input"]["name"].endswith(sys.argv[2]):
        for c in r["checks"]:
            if c["name"] == sys.argv[3]:
                print(c["outcome"] + ": " + c["reason"])
EOF
}
verdict() {
	python3 - "$T/results.jsonl" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["input"]["name"].endswith(sys.argv[2]):
        print(r["verdict"])
EOF
}
# expect_like ACTUAL GLOB NAME
expect_like() {
	# shellcheck disable=SC2053
	if [[ "$1" == $2 ]]; then ok "$3"; else not_ok "$3" "got '$1'"; fi
}

{ cat "$T/ref.log"; rec 11 /etc/pcr11-a; rec 11 /etc/pcr11-b; } >"$T/tail11.log"
{ cat "$T/ref.log"; rec 11 /etc/pcr11-a; rec 10 /usr/bin/after; } >"$T/mid11.log"
{ rec 10 /usr/bin/first; rec 11 /etc/pcr11-a; } >"$T/only11.log"

gen b0 "$T/in/1-tail11.dossier" "$T/tail11.log" --clock 1000000
gen b1 "$T/in/2-mid11.dossier" "$T/mid11.log" --clock 1000100
# The quote covers /usr/bin/first in PCR 10; the carried log lacks it.
gen b2 "$T/in/3-only11.dossier" "$T/only11.log" --clock 1000200 --ima-drop-after 0
# A log that misses the quote with no other PCR involved.
gen b3 "$T/in/4-short.dossier" "$T/ref.log" --clock 1000300 --ima-drop-after 3
expect 1 "verify: the batch (some fail)" "$DOSSIER" "${S[@]}" verify \
    -o "$T/results.jsonl" "$T/in"

expect_eq "$(verdict 1-tail11.dossier)" pass "PCR 11 entries in the tail: the bundle passes"
expect_eq "$(check 1-tail11.dossier ima.replay.sha256)" \
    "ok: per-bank mode (Linux 5.8 or later) matches PCR 10 after 30 of 32 entries" \
    "PCR 11 tail: sha256 PCR 10 replays over the 30 PCR 10 entries"
expect_eq "$(check 1-tail11.dossier ima.replay.sha1)" \
    "ok: matches PCR 10 after 30 of 32 entries (sha1: per-bank and padded are the same)" \
    "PCR 11 tail: sha1 PCR 10 replays too"
expect_eq "$(check 1-tail11.dossier ima.unquoted-tail)" \
    "ok: 2 entries after the quoted state, 2 of them (from entry 30) extending PCR 11, which the quote does not cover" \
    "PCR 11 tail: the tail's line says what the entries are"

expect_eq "$(verdict 2-mid11.dossier)" fail "a PCR 11 entry inside the quoted part: fail"
expect_eq "$(check 2-mid11.dossier ima.replay.sha256)" \
    "fail: entry 30 (of 1 such entries) extends PCR 11, which the quote does not cover, inside the part of the log that the quote covers (per-bank mode: 32 entries reach the quoted PCR 10)" \
    "PCR 11 inside: ima.replay names the entry and the PCR"

expect_eq "$(verdict 3-only11.dossier)" fail "only a PCR 11 entry against a non-zero PCR 10: fail"
expect_like "$(check 3-only11.dossier ima.replay.sha256)" \
    "fail: the log (1 entries) does not replay to the PCR values *; the 1 entries extending PCR 11, which the quote does not cover, are not part of that replay" \
    "PCR 11 only: no replay claimed, the PCR 11 entry named"

# the values of PCR 10, and nothing after them: no other PCR
expect_like "$(check 4-short.dossier ima.replay.sha256)" \
    "fail: the log (29 entries) does not replay to the PCR values in per-bank or padded mode: PCR 10 expected +([0-9a-f]), replayed per-bank +([0-9a-f]), padded +([0-9a-f])" \
    "PCR 10 only, an entry removed: the message names no other PCR"
done_testing
