# tests/fixture.sh - a verifier store with devices and challenges, written
# by test_judge_verify's fixture mode, and evidence for it made by
# gen_evidence (no TPM). Sourced by script tests after tests/lib.sh.
#
#   fixture_up N     $F/store.db (device a enrolled, challenges b0 .. bN-1
#                    issued in that order after the fixture's named ones),
#                    $F/challenges, $DEV (device a's id), $S (--store ...)
#   fixture_gen NAME CLOCK [RESET [gen_evidence options]]
#                    $T/b/NAME.dossier answering challenge NAME as device a
#                    with that TPM clock and resetCount (default 1); its
#                    spool name in $T/b/NAME.name
FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix

fixture_up() {
	mkdir -p "$F" "$T/b"
	"$DOSSIER_TOOLS/gen_ima_log" -n 8 -t ima-ng -s 5 -o "$T/ref.log" \
	    >/dev/null || { not_ok "gen_ima_log"; exit 1; }
	FIXTURE_CHALLENGES=$1 "$FIX" fixture "$F" "$T/ref.log" ||
		{ not_ok "fixture"; exit 1; }
	DEV=$(openssl dgst -sha256 -r "$F/a.crt" | cut -c1-64)
	S=(--store "$F/store.db")
}

fixture_gen() {
	local n=$1 clock=$2 reset=${3:-1} id sec
	shift 2
	[ $# -gt 0 ] && shift
	read -r _ _ id sec < <(grep "^$n " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$T/b/$n.dossier" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" \
	    --clock "$clock" --reset "$reset" "$@" || not_ok "gen $n"
	echo "evidence-$DEV-$id.dbundle" >"$T/b/$n.name"
}
