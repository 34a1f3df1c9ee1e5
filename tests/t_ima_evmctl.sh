#!/bin/bash
# t_ima_evmctl.sh - dossier's IMA replay against evmctl 1.4 as an independent
# tool, on logs from build/tools/gen_ima_log (which computes the expected
# PCR 10 values itself): ima-ng, ima-sig, mixed with violations, a 100k
# record log, in the per-bank and the SHA-1-padded extension modes. For each,
# the generator's true values must be accepted by both evmctl and
# `dossier ima check`, and a value with one flipped bit rejected by both.
#
# evmctl's exit status says nothing (it exits 0 on a mismatch): its verdict
# is the text "Matched per TPM bank" / "Matched SHA1 padded".
. "$DOSSIER_TOP/tests/lib.sh"
need evmctl

GEN=$DOSSIER_TOOLS/gen_ima_log
if [ ! -x "$GEN" ]; then
	not_ok "gen_ima_log built" "$GEN missing"
	exit 0
fi

# flip_hex FILE PATTERN: flip the lowest bit of the last hex digit on the
# line matching PATTERN (a sed address regex).
flip_hex() {
	sed -i -E "/$2/{s/([0-9a-f])\$/\\1~/; s/0~/1/; s/1~/0/; s/2~/3/; s/3~/2/; s/4~/5/; s/5~/4/; s/6~/7/; s/7~/6/; s/8~/9/; s/9~/8/; s/a~/b/; s/b~/a/; s/c~/d/; s/d~/c/; s/e~/f/; s/f~/e/}" "$1"
}

# evm LOG SHA1FILE [SHA256FILE]: evmctl's verdict, "bank", "padded" or
# "none". With both banks given, evmctl 1.4 judges by the sha256 bank alone
# (a wrong sha1 value still "Matched per TPM bank"), so a sha1 value is
# checked with the sha1 file alone.
evm() {
	local banks=(--pcrs "sha1,$2")
	[ $# -ge 3 ] && banks+=(--pcrs "sha256,$3")
	evmctl ima_measurement --ignore-violations "${banks[@]}" "$1" \
	    >"$T/evm.out" 2>&1
	if grep -q "Matched per TPM bank" "$T/evm.out"; then echo bank
	elif grep -q "Matched SHA1 padded" "$T/evm.out"; then echo padded
	else echo none; fi
}

# dossier_verdict LOG PCRS: "ok" (exit 0), "fail" (exit 1 and a FAIL line)
# or "error ..." otherwise.
dossier_verdict() {
	run "$DOSSIER" ima check "$1" --pcrs "$2"
	if [ "$RC" -eq 0 ]; then echo ok
	elif [ "$RC" -eq 1 ] && grep -q '^FAIL ' "$T/out"; then echo fail
	else echo "error rc=$RC $(head -c 300 "$T/err" "$T/out" | tr '\n' '|')"; fi
}

# case NAME GENERATOR-OPTIONS...: generate, then cross-check both modes.
check_case() {
	local name=$1 d=$T/$1
	shift
	mkdir -p "$d"
	if ! "$GEN" "$@" -o "$d/log" --pcrs "$d/bank.pcrs" \
	    --pcrs-padded "$d/padded.pcrs" --evmctl-sha1 "$d/e1" \
	    --evmctl-sha256 "$d/e256" --evmctl-sha256-padded "$d/e256p"; then
		not_ok "$name: generate" "gen_ima_log $*"
		return
	fi

	# True values: both tools accept, and in the right mode.
	expect_eq "$(evm "$d/log" "$d/e1" "$d/e256")" bank \
	    "$name: evmctl matches per-bank values"
	expect_eq "$(evm "$d/log" "$d/e1" "$d/e256p")" padded \
	    "$name: evmctl matches padded values"

	# One flipped bit in the sha256 value: evmctl rejects.
	cp "$d/e256" "$d/e256.bad"; flip_hex "$d/e256.bad" '^PCR-10:'
	cp "$d/e256p" "$d/e256p.bad"; flip_hex "$d/e256p.bad" '^PCR-10:'
	cp "$d/e1" "$d/e1.bad"; flip_hex "$d/e1.bad" '^PCR-10:'
	expect_eq "$(evm "$d/log" "$d/e1" "$d/e256.bad")" none \
	    "$name: evmctl rejects a flipped per-bank sha256 bit"
	expect_eq "$(evm "$d/log" "$d/e1" "$d/e256p.bad")" none \
	    "$name: evmctl rejects a flipped padded sha256 bit"
	expect_eq "$(evm "$d/log" "$d/e1")" bank \
	    "$name: evmctl matches the sha1 value alone"
	expect_eq "$(evm "$d/log" "$d/e1.bad")" none \
	    "$name: evmctl rejects a flipped sha1 bit"

	cp "$d/bank.pcrs" "$d/bank.bad"; flip_hex "$d/bank.bad" '^sha256 '
	cp "$d/padded.pcrs" "$d/padded.bad"; flip_hex "$d/padded.bad" '^sha256 '
	cp "$d/bank.pcrs" "$d/sha1.bad"; flip_hex "$d/sha1.bad" '^sha1 '
	expect_eq "$(dossier_verdict "$d/log" "$d/bank.pcrs")" ok \
	    "$name: dossier accepts per-bank values (as evmctl)"
	expect_eq "$(dossier_verdict "$d/log" "$d/padded.pcrs")" ok \
	    "$name: dossier accepts padded values (as evmctl)"
	expect_eq "$(dossier_verdict "$d/log" "$d/bank.bad")" fail \
	    "$name: dossier rejects a flipped per-bank sha256 bit (as evmctl)"
	expect_eq "$(dossier_verdict "$d/log" "$d/padded.bad")" fail \
	    "$name: dossier rejects a flipped padded sha256 bit (as evmctl)"
	expect_eq "$(dossier_verdict "$d/log" "$d/sha1.bad")" fail \
	    "$name: dossier rejects a flipped sha1 bit (as evmctl)"

	# The replayed values themselves, in both modes.
	run "$DOSSIER" ima replay --bank sha1 --bank sha256 "$d/log"
	expect_eq "$(sort "$T/out")" "$(sort "$d/bank.pcrs")" \
	    "$name: dossier ima replay prints the per-bank values"
	run "$DOSSIER" ima replay --bank sha1 --bank sha256 --padded "$d/log"
	expect_eq "$(sort "$T/out")" "$(sort "$d/padded.pcrs")" \
	    "$name: dossier ima replay --padded prints the padded values"
}

check_case ng -n 2000 -t ima-ng -d sha1,sha256,sha384 -s 1
check_case sig -n 2000 -t ima-sig -d sha256,sha384 -s 2
check_case violations -n 3000 -t mixed -d sha1,sha256,sha384 -v 25 -s 3
check_case big -n 100000 -t mixed -d sha1,sha256 -v 10 -s 4

# The per-bank list (binary_runtime_measurements_sha256): evmctl 1.4 cannot
# read it, so the generator's own values are the reference.
"$GEN" -n 1500 -t mixed -d sha1,sha256 -v 3 -s 5 -o "$T/l20" \
    --bank-list "$T/l32" --pcrs "$T/l.pcrs"
run "$DOSSIER" ima check --log-alg sha256 "$T/l32" --pcrs "$T/l.pcrs"
expect_eq "$RC" 0 "sha256 list: dossier ima check --log-alg sha256"
cp "$T/l.pcrs" "$T/l.bad"; flip_hex "$T/l.bad" '^sha1 '
run "$DOSSIER" ima check --log-alg sha256 "$T/l32" --pcrs "$T/l.bad"
expect_eq "$RC" 1 "sha256 list: flipped sha1 bit fails"
done_testing
