#!/usr/bin/env bash
# tests/demo.sh - a narrated walk through dossier's standalone checks, with
# the real binaries, a freshly provisioned swtpm and the project's testdata/.
#
#   make && tests/demo.sh [--keep-going]
#
# Each step says what it shows, prints the commands it runs ("$ ...") and
# their output. The walk stops at the first step that fails (exit 1);
# with --keep-going it runs every step and lists the failed ones at the end.
# Environment: DOSSIER_BUILD (default build) picks the binaries.
set -euo pipefail

DOSSIER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOSSIER_TOP
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
: "${DOSSIER_COLLECT:=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect}"
keep_going=0
[ "${1:-}" = --keep-going ] && keep_going=1

# The nonce of this walk and the secret wrapped for the TPM (hex).
NONCE=$(openssl rand -hex 16)
SECRET=$(openssl rand -hex 32)
W=$T/demo
mkdir -p "$W"
exec 3>&1
# The sha1 PCR 10 that charra's log replays to (worked out with evmctl 1.4;
# testdata/ima/PROVENANCE.md).
CHARRA_SHA1_PCR10=b9d6433e7b6f9d17ee6ae6bf42df902984df2dcd

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
# show CMD...: print the command as typed, run it, show its output.
# The command line goes to fd 3 (the terminal) even when its output does not.
show() {
	printf '$ %s\n' "$*" | sed "s|$DOSSIER_TOP/||g; s|$W/||g; s|$T/||g" >&3
	"$@"
}
# show_fails CMD...: like show, but the command must exit 1 (a check
# failed); only its FAIL lines are shown.
show_fails() {
	local rc=0
	printf '$ %s\n' "$*" | sed "s|$DOSSIER_TOP/||g; s|$W/||g; s|$T/||g" >&3
	"$@" >"$W/fails.out" || rc=$?
	grep '^FAIL' "$W/fails.out" || true
	if [ "$rc" -ne 1 ]; then
		echo "demo: expected exit 1 (a check failed), got $rc" >&2
		return 1
	fi
	note "(exit 1: the check failed, as it must)"
}
# tpm_flush: free the TPM's three transient slots (no resource manager).
tpm_flush() { tpm2_flushcontext -t >/dev/null && tpm2_flushcontext -s >/dev/null; }

step_tpm() {
	say "A software TPM, provisioned like a real one"
	note "swtpm gets EK certificates (RSA-2048, ECC P-384) signed by a local CA;"
	note "dossier-collect, the device program, identifies it over the TCTI:"
	show "$DOSSIER_COLLECT" info --tcti "$DOSSIER_TCTI"
}

step_keys() {
	say "Endorsement key and attestation key (tpm2-tools)"
	note "The EK is the TPM's identity (its certificate is in NV 0x01c00002);"
	note "the AK is a restricted signing key made under it, used for quotes."
	show tpm2_createek -c "$W/ek.ctx" -G rsa -u "$W/ek.pub" >/dev/null
	tpm_flush
	show tpm2_createak -C "$W/ek.ctx" -c "$W/ak.ctx" -G rsa -g sha256 \
	    -s rsassa -u "$W/ak.pub" -n "$W/ak.name" >/dev/null
	tpm_flush
	note "ek.pub and ak.pub are TPM2B_PUBLIC files; ak.name is the AK's Name."
}

step_ekcert() {
	say "dossier ekcert check: the EK certificate chains to a trusted root"
	note "The certificate as read from the TPM's NV, against the local CA's root"
	note "and its intermediate (the issuer):"
	show "$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	    --intermediates "$SWTPM_CA_INTERMEDIATE" "$SWTPM_EK_CERT_RSA"
	show "$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	    --intermediates "$SWTPM_CA_INTERMEDIATE" "$SWTPM_EK_CERT_ECC"
	note "Without the intermediate there is no chain to the root:"
	show_fails "$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	    "$SWTPM_EK_CERT_RSA"
}

step_credential() {
	say "dossier credential make: a secret only this TPM can recover"
	note "The verifier wraps a secret to the EK public key and the AK's Name in"
	note "software; only the TPM holding both keys gets it back"
	note "(tpm2_activatecredential, EK policy: PolicySecret on the endorsement"
	note "hierarchy). This proves the AK lives in the same TPM as the EK."
	show "$DOSSIER" credential make --ek "$W/ek.pub" --ak "$W/ak.pub" \
	    --secret "$SECRET" -o "$W/cred.bin"
	tpm2_startauthsession --policy-session -S "$W/session.ctx"
	tpm2_policysecret -S "$W/session.ctx" -c e >/dev/null
	show tpm2_activatecredential -c "$W/ak.ctx" -C "$W/ek.ctx" \
	    -i "$W/cred.bin" -o "$W/secret.out" -P "session:$W/session.ctx"
	tpm2_flushcontext "$W/session.ctx"
	tpm_flush
	local got
	got=$(xxd -p -c 256 "$W/secret.out")
	note "secret wrapped:   $SECRET"
	note "secret recovered: $got"
	[ "$got" = "$SECRET" ] || { echo "demo: the TPM recovered another secret" >&2; return 1; }
}

step_quote() {
	say "dossier quote check: a TPM2_Quote, checked without a TPM"
	note "The TPM signs the digest of PCRs 0,1,10 of both banks with the AK and"
	note "the verifier's nonce; tpm2_quote also writes the PCR values it read."
	show tpm2_quote -c "$W/ak.ctx" -l sha1:0,1,10+sha256:0,1,10 -q "$NONCE" \
	    -g sha256 -m "$W/quote.msg" -s "$W/quote.sig" -o "$W/quote.pcrs" >/dev/null
	tpm_flush
	note "Given the EK too, the AK's qualified name is checked (AK under EK);"
	note "given the selection asked for, the signed one must equal it:"
	show "$DOSSIER" quote check --ak "$W/ak.pub" --ek "$W/ek.pub" \
	    --attest "$W/quote.msg" --sig "$W/quote.sig" --nonce "$NONCE" \
	    --pcrs "$W/quote.pcrs" --selection sha1:0,1,10+sha256:0,1,10
	note "tpm2_checkquote, an independent implementation, agrees:"
	show tpm2_checkquote -u "$W/ak.pub" -m "$W/quote.msg" -s "$W/quote.sig" \
	    -f "$W/quote.pcrs" -g sha256 -q "$NONCE" >/dev/null
	note "(tpm2_checkquote: exit 0)"
	note "Another nonce (a replayed quote) fails, and so does a changed PCR value:"
	show_fails "$DOSSIER" quote check --ak "$W/ak.pub" --ek "$W/ek.pub" --attest "$W/quote.msg" \
	    --sig "$W/quote.sig" --nonce "$(openssl rand -hex 16)" --pcrs "$W/quote.pcrs" \
	    --selection sha1:0,1,10+sha256:0,1,10
	# swtpm's PCRs 0, 1 and 10 are all zero: claim 10 held something else.
	local pcr
	for pcr in 0 1 10; do
		printf 'sha1 %s %040d\n' "$pcr" 0
		printf 'sha256 %s %064d\n' "$pcr" 0
	done | sed 's/^\(sha256 10 \)00/\1ff/' >"$W/changed.pcrs"
	show_fails "$DOSSIER" quote check --ak "$W/ak.pub" --ek "$W/ek.pub" --attest "$W/quote.msg" \
	    --sig "$W/quote.sig" --nonce "$NONCE" --pcrs "$W/changed.pcrs" \
	    --selection sha1:0,1,10+sha256:0,1,10
}

step_ima_real() {
	local log=$TD/ima/charra/binary_runtime_measurements
	say "dossier ima: a real IMA measurement list (charra, 1,650 ima-ng records)"
	note "The binary list as the kernel's ascii_runtime_measurements (first 3):"
	show "$DOSSIER" ima ascii "$log" >"$W/ascii.txt"
	head -n 3 "$W/ascii.txt"
	note "Replayed into PCR 10, per bank (sha1 is what that host's TPM held):"
	show "$DOSSIER" ima replay --bank sha1 --bank sha256 "$log" | tee "$W/ima.pcrs"
	grep -q "^sha1 10 $CHARRA_SHA1_PCR10\$" "$W/ima.pcrs" || {
		echo "demo: sha1 PCR 10 is not the published value" >&2; return 1; }
	note "(sha1 PCR 10 equals the value worked out with evmctl)"
	note "Checked against those PCR values, then against a changed one:"
	show "$DOSSIER" ima check "$log" --pcrs "$W/ima.pcrs"
	sed 's/^\(sha1 10 \)b9/\1c9/' "$W/ima.pcrs" >"$W/ima-bad.pcrs"
	show_fails "$DOSSIER" ima check "$log" --pcrs "$W/ima-bad.pcrs"
}

step_ima_evmctl() {
	local log=$TD/ima/charra/binary_runtime_measurements i
	say "evmctl, an independent IMA replayer, agrees on the sha1 PCR 10"
	for i in $(seq 0 23); do
		if [ "$i" = 10 ]; then
			printf 'PCR-10: %s\n' "$CHARRA_SHA1_PCR10"
		else
			printf 'PCR-%02d: %040d\n' "$i" 0
		fi
	done >"$W/evm.pcrs"
	show evmctl ima_measurement --pcrs "sha1,$W/evm.pcrs" "$log" >"$W/evm.out" 2>&1 || true
	grep -q 'Matched per TPM bank' "$W/evm.out" || {
		echo "demo: evmctl did not match:" >&2; tail -n 5 "$W/evm.out" >&2; return 1; }
	grep 'Matched per TPM bank' "$W/evm.out"
}

step_ima_generated() {
	local gen=$DOSSIER_TOOLS/gen_ima_log path off
	say "dossier ima on a generated log, with violations and three digest algorithms"
	if [ ! -x "$gen" ]; then
		note "($gen is not built: nothing to show)"
		return 0
	fi
	note "gen_ima_log writes a log of 2,000 ima-ng/ima-sig records and computes the"
	note "PCR values it must give on its own (and evmctl's PCR files):"
	show "$gen" -n 2000 -t mixed -d sha1,sha256,sha384 -v 3 -s 42 \
	    --pcrs "$W/gen.pcrs" --evmctl-sha1 "$W/gen-evm1.pcrs" \
	    --evmctl-sha256 "$W/gen-evm256.pcrs" -o "$W/gen.bin"
	cat "$W/gen.pcrs"
	show "$DOSSIER" ima check "$W/gen.bin" --pcrs "$W/gen.pcrs"
	note "evmctl agrees (violations ignored: it would extend them as zeros):"
	show evmctl ima_measurement --ignore-violations --pcrs "sha1,$W/gen-evm1.pcrs" \
	    --pcrs "sha256,$W/gen-evm256.pcrs" "$W/gen.bin" >"$W/evm.out" 2>&1 || true
	grep -q 'Matched per TPM bank' "$W/evm.out" || {
		echo "demo: evmctl did not match:" >&2; tail -n 5 "$W/evm.out" >&2; return 1; }
	grep 'Matched per TPM bank' "$W/evm.out"
	note "One changed byte in a file name is caught:"
	"$DOSSIER" ima ascii "$W/gen.bin" >"$W/gen.txt"
	path=$(sed -n '2s/^[^ ]* [^ ]* [^ ]* [^ ]* \([^ ]*\).*/\1/p' "$W/gen.txt")
	off=$(grep -obUa -- "$path" "$W/gen.bin" | head -n 1 | cut -d: -f1)
	cp "$W/gen.bin" "$W/gen-bad.bin"
	printf 'X' | dd of="$W/gen-bad.bin" bs=1 seek=$((off + 1)) conv=notrunc status=none
	note "($path becomes ${path:0:1}X${path:2})"
	show_fails "$DOSSIER" ima check "$W/gen-bad.bin" --pcrs "$W/gen.pcrs"
}

steps=(step_tpm step_keys step_ekcert step_credential step_quote
    step_ima_real step_ima_evmctl step_ima_generated)

for tool in swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_createek \
    openssl xxd evmctl; do
	command -v "$tool" >/dev/null || {
		echo "demo: $tool is not installed: run tests/setup-debian.sh" >&2
		exit 2
	}
done
[ -x "$DOSSIER" ] && [ -x "$DOSSIER_COLLECT" ] || {
	echo "demo: $DOSSIER or $DOSSIER_COLLECT missing: run make first" >&2
	exit 2
}
echo "dossier demo: $("$DOSSIER" --version), $("$DOSSIER_COLLECT" --version)"
swtpm_up

failed=()
for s in "${steps[@]}"; do
	set +e
	(set -e; "$s")
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "demo: FAILED: $s (exit $rc)" >&2
		failed+=("$s")
		[ $keep_going = 1 ] || exit 1
	fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "demo: ${#failed[@]} of ${#steps[@]} steps failed: ${failed[*]}"
	exit 1
fi
echo "demo: all ${#steps[@]} steps held"
