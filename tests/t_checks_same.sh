#!/usr/bin/env bash
# t_checks_same.sh - one implementation of each check (verify/checks.h):
# the standalone commands and dossier verify say the same words about the
# same evidence. Bundles with a changed PCR value (quote.pcr-digest), an
# IMA log cut short (ima.replay.<bank>) and an added IMA entry
# (ima.reorder) are judged by dossier verify, then their members,
# extracted, by dossier quote check and dossier ima check: each failing
# check's name and reason must be byte-equal in both.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 tar zstd
python3 -c "import cryptography" 2>/dev/null || skip_all t_checks_same "python3 cryptography"

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/in"

"$DOSSIER_TOOLS/gen_ima_log" -n 40 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; done_testing; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; done_testing; exit 0; }

gen() { # NAME OUT [gen_evidence options]
	local name=$1 out=$2 id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" "$@"
}
gen pcr     "$T/in/pcr.dossier"     --clock 1000040 --flip-pcr 3
gen removed "$T/in/removed.dossier" --clock 1000060 --ima-drop-after 5
gen added   "$T/in/added.dossier"   --clock 1000050 --ima-add /usr/local/bin/intruder
expect 1 "verify: the three bundles fail" "$DOSSIER" --store "$F/store.db" \
    verify -o "$T/results.jsonl" "$T/in"

# verify_lines BUNDLE CHECK: "FAIL CHECK: reason" for each failed check of
# that name in the bundle's result, as a report would print it.
verify_lines() {
	python3 - "$T/results.jsonl" "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["input"]["name"].endswith(sys.argv[2]):
        for c in r["checks"]:
            if c["name"] == sys.argv[3] and c["outcome"] == "fail":
                print("FAIL %s: %s" % (c["name"], c["reason"]))
EOF
}

# members NAME: the bundle's members in $T/NAME (run from there, so that
# file names in the reasons are the member names).
members() {
	mkdir -p "$T/$1"
	zstd -dcq "$T/in/$1.dossier" | tar -x -C "$T/$1" ||
		not_ok "$1: members extracted"
}

# same NAME CHECK: the FAIL lines of CHECK in $T/out equal verify's; the
# lines must exist on both sides (an empty match proves nothing).
same() {
	local cmd ver
	cmd=$(grep "^FAIL $2: " "$T/out")
	ver=$(verify_lines "$1.dossier" "$2")
	if [ -z "$ver" ]; then
		not_ok "$1: $2 fails in dossier verify" "no FAIL line"
	elif [ "$cmd" = "$ver" ]; then
		ok "$1: $2: the command and verify say the same words"
	else
		not_ok "$1: $2: the command and verify say the same words" \
		    "command '$cmd', verify '$ver'"
	fi
}

members pcr
cd "$T/pcr" || exit 1
expect 1 "quote check: the changed PCR value fails" "$DOSSIER" quote check \
    --ak ak.pub --attest quote.attest --sig quote.sig --pcrs pcrs.bin
same pcr quote.pcr-digest
expect_out '^ok quote.signature ' "quote check: the signature itself holds"

members removed
cd "$T/removed" || exit 1
expect 1 "ima check: the cut log fails its replay" "$DOSSIER" ima check \
    ima.log --pcrs pcrs.bin
same removed ima.replay.sha1
same removed ima.replay.sha256

members added
cd "$T/added" || exit 1
# the finding lines (the summary names the reference set, which differs:
# the enrollment log there, the file here)
expect 1 "ima check: the added entry fails reorder" "$DOSSIER" ima check \
    ima.log --pcrs pcrs.bin --ref-log "$F/ref.log"
ver=$(verify_lines added.dossier ima.reorder | grep -v "^FAIL ima.reorder: rule ")
cmd=$(grep "^FAIL ima.reorder: " "$T/out" | grep -v "^FAIL ima.reorder: rule ")
if [ -n "$ver" ] && [ "$cmd" = "$ver" ]; then
	ok "added: ima.reorder findings: the same words"
else
	not_ok "added: ima.reorder findings: the same words" "command '$cmd', verify '$ver'"
fi
cd "$T" || exit 1
done_testing
