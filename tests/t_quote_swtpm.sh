#!/usr/bin/env bash
# t_quote_swtpm.sh - dossier quote check against quotes made by a real
# (software) TPM through tpm2-tools: an RSA EK, AKs under it with the
# rsassa, rsapss and ecdsa (P-256) schemes, PCR 10 extended in both
# banks, and tpm2_quote over sha1:0,10+sha256:0,1,10 with a nonce. Each
# valid quote holds, in every AK encoding; each tampered copy fails with
# its own named check; tpm2_checkquote judges the same files alike.
. "$DOSSIER_TOP/tests/lib.sh"
need swtpm swtpm_setup swtpm_ioctl certtool tpm2_createek tpm2_createak \
	tpm2_quote tpm2_checkquote tpm2_pcrextend tpm2_readpublic \
	tpm2_flushcontext openssl python3
. "$DOSSIER_TOP/tests/swtpm.sh"

if ! swtpm_up 2>"$T/swtpm_up.err"; then
	not_ok "swtpm_up" "$(tr '\n' '|' <"$T/swtpm_up.err")"
	exit 1
fi
cd "$T" || exit 1

SEL=sha1:0,10+sha256:0,1,10
NONCE=00112233445566778899aabbccddeeff
NONCE_LEN=16

# Without a resource manager the TPM has three object slots: flush every
# transient object and session after each tool.
flush() {
	tpm2_flushcontext -t >/dev/null 2>&1
	tpm2_flushcontext -l >/dev/null 2>&1
	tpm2_flushcontext -s >/dev/null 2>&1
}

# tpm TOOL ARGS...: run a tpm2-tools command, report it if it fails.
tpm() {
	if ! "$@" >"$T/tpm.out" 2>"$T/tpm.err"; then
		not_ok "$1" "$(head -c 600 "$T/tpm.err" | tr '\n' '|')"
		flush
		return 1
	fi
	flush
}

# flip FILE OFFSET OUT: copy FILE with byte OFFSET (negative: from the end)
# xor 1.
flip() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[int(sys.argv[2])] ^= 1
open(sys.argv[3], 'wb').write(bytes(b))
EOF
}

count_fails() { grep -c '^FAIL ' "$T/out"; }

tpm tpm2_createek -c ek.ctx -G rsa -u ek.pub || exit 1
for s in rsassa rsapss; do
	tpm tpm2_createak -C ek.ctx -c ak-$s.ctx -G rsa -g sha256 -s $s \
		-u ak-$s.pub -n ak-$s.name -q ak-$s.qn || exit 1
done
tpm tpm2_createak -C ek.ctx -c ak-ecdsa.ctx -G ecc -g sha256 -s ecdsa \
	-u ak-ecdsa.pub -n ak-ecdsa.name -q ak-ecdsa.qn || exit 1
tpm tpm2_pcrextend "10:sha1=$(printf '%040d' 7),sha256=$(printf '%064d' 7)" || exit 1

for s in rsassa rsapss ecdsa; do
	tpm tpm2_quote -c ak-$s.ctx -l $SEL -q $NONCE -g sha256 --scheme $s \
		-m q-$s.msg -s q-$s.sig -o q-$s.pcrs || exit 1
	tpm tpm2_readpublic -c ak-$s.ctx -f pem -o ak-$s.pem || exit 1
	tail -c +3 ak-$s.pub >ak-$s.tpmt	# TPMT_PUBLIC: TPM2B without its size
done

check() {	# check SCHEME [ARGS...] (defaults: that AK, quote, PCRs, nonce)
	local s=$1
	shift
	"$DOSSIER" quote check --ak ak-$s.pub --attest q-$s.msg --sig q-$s.sig \
		--pcrs q-$s.pcrs --nonce $NONCE "$@"
}

# --- valid quotes, every AK encoding -----------------------------------------
for s in rsassa rsapss ecdsa; do
	expect 0 "$s: quote holds with --ek and --selection" check $s --ek ek.pub --selection $SEL
	expect_out "^ok quote.signature $s-sha256\$" "$s: signature ok"
	expect_out '^ok quote.ak-attributes ' "$s: AK attributes ok"
	expect_out '^ok quote.pcr-digest sha256 ' "$s: pcr digest ok (tpm2_quote -o file)"
	expect_out "^ok quote.selection ${SEL//+/\\+}\$" "$s: selection ok"
	expect_out '^ok quote.qualified-signer .*child of the EK' "$s: qualified signer ok"
	expect_out '^ok quote.nonce ' "$s: nonce ok"
	expect_out '^reset-count [0-9]+$' "$s: reset-count printed"
	expect 0 "$s: AK as PEM holds" "$DOSSIER" quote check --ak ak-$s.pem \
		--attest q-$s.msg --sig q-$s.sig --pcrs q-$s.pcrs --nonce $NONCE
	expect_out '^SKIP quote.ak-attributes: ' "$s: PEM AK: attributes SKIP"
	expect 0 "$s: AK as TPMT_PUBLIC holds" "$DOSSIER" quote check --ak ak-$s.tpmt \
		--attest q-$s.msg --sig q-$s.sig --ek ek.pub
	expect_out '^ok quote.qualified-signer ' "$s: TPMT_PUBLIC AK: qualified signer ok"
	# Our Qualified Name agrees with the one tpm2_createak -q computed.
	expect 0 "$s: --qualified-signer from tpm2_createak -q" check $s \
		--qualified-signer "$(od -An -tx1 ak-$s.qn | tr -d ' \n')"
	if [ $s = rsapss ]; then
		# tpm2_checkquote 5.4 rejects every RSAPSS quote (tpm2-tools
		# issue #3283); cross-check with OpenSSL and swtpm's salt
		# length (= digest length) instead.
		tail -c +7 q-$s.sig >q-$s.rawsig
		run openssl dgst -sha256 -verify ak-$s.pem -sigopt rsa_padding_mode:pss \
			-sigopt rsa_pss_saltlen:32 -signature q-$s.rawsig q-$s.msg
		expect_eq "$RC" 0 "$s: openssl dgst (PSS, salt 32) accepts the same signature"
		continue
	fi
	run tpm2_checkquote -u ak-$s.pub -m q-$s.msg -s q-$s.sig -f q-$s.pcrs -g sha256 -q $NONCE
	expect_eq "$RC" 0 "$s: tpm2_checkquote accepts the same files"
done

# The EK given as the key of its certificate (NV 0x01c00002): completed
# with the TCG L-1 template, the Qualified Name still matches.
openssl x509 -inform DER -in "$SWTPM_EK_CERT_RSA" -pubkey -noout >ek-cert.pem
expect 0 "EK from its certificate's key: qualified signer holds" check rsassa --ek ek-cert.pem
expect_out '^ok quote.qualified-signer .*TCG EK template' "EK from certificate: template named"
openssl x509 -inform DER -in "$SWTPM_EK_CERT_ECC" -pubkey -noout >ek-ecc.pem
expect 1 "another EK: qualified signer fails" check rsassa --ek ek-ecc.pem
expect_out '^FAIL quote.qualified-signer: ' "another EK: quote.qualified-signer FAIL"
expect_eq "$(count_fails)" 1 "another EK: only the qualified signer fails"

# --- tampered copies: each fails with its own check ---------------------------
# Offsets in q-rsassa.msg: magic 0, type 4-5, qualifiedSigner 6-41,
# extraData size 42-43 and data 44.., clock right after the nonce.
CLOCK_LSB=$((44 + NONCE_LEN + 7))
mutate() {	# mutate NAME OFFSET CHECK...: flip a byte, expect these FAILs
	local name=$1 off=$2
	shift 2
	flip q-rsassa.msg "$off" q-$name.msg
	expect 1 "$name changed: fails" "$DOSSIER" quote check --ak ak-rsassa.pub \
		--attest q-$name.msg --sig q-rsassa.sig --pcrs q-rsassa.pcrs --nonce $NONCE
	for c in "$@"; do
		expect_out "^FAIL $c: " "$name changed: $c fails"
	done
	expect_eq "$(count_fails)" $# "$name changed: no other check fails"
	run tpm2_checkquote -u ak-rsassa.pub -m q-$name.msg -s q-rsassa.sig \
		-f q-rsassa.pcrs -g sha256 -q $NONCE
	if [ "$RC" -ne 0 ]; then ok "$name changed: tpm2_checkquote rejects it too"; else
		not_ok "$name changed: tpm2_checkquote rejects it too" "it accepted"; fi
}
mutate magic 0 quote.magic quote.signature
mutate type 5 quote.type quote.attest-parse quote.signature
mutate nonce 44 quote.nonce quote.signature
mutate clock $CLOCK_LSB quote.signature
mutate pcrdigest -1 quote.pcr-digest quote.signature

flip q-rsassa.sig -1 q-badsig.sig
expect 1 "signature byte changed: fails" "$DOSSIER" quote check --ak ak-rsassa.pub \
	--attest q-rsassa.msg --sig q-badsig.sig --pcrs q-rsassa.pcrs --nonce $NONCE
expect_out '^FAIL quote.signature: ' "signature byte changed: quote.signature fails"
expect_eq "$(count_fails)" 1 "signature byte changed: only the signature fails"
run tpm2_checkquote -u ak-rsassa.pub -m q-rsassa.msg -s q-badsig.sig -f q-rsassa.pcrs -g sha256 -q $NONCE
[ "$RC" -ne 0 ] && ok "signature byte changed: tpm2_checkquote rejects it too" ||
	not_ok "signature byte changed: tpm2_checkquote rejects it too" "it accepted"

expect 1 "selection other than requested: fails" check rsassa --selection sha1:0,10+sha256:0,1
expect_out '^FAIL quote.selection: .*bank sha256: PCR 10 signed but not requested' \
	"selection: quote.selection names sha256 PCR 10"
expect_eq "$(count_fails)" 1 "selection: only the selection fails"

expect 1 "wrong nonce: fails" check rsassa --nonce ${NONCE%??}00
expect_out '^FAIL quote.nonce: ' "wrong nonce: quote.nonce fails"
expect_eq "$(count_fails)" 1 "wrong nonce: only the nonce fails"

expect 1 "wrong AK (PEM, same scheme family): fails" "$DOSSIER" quote check \
	--ak ak-rsapss.pem --attest q-rsassa.msg --sig q-rsassa.sig --nonce $NONCE
expect_out '^FAIL quote.signature: .*does not verify' "wrong AK: quote.signature fails"
expect 1 "wrong AK (TPM public with rsapss scheme): fails" "$DOSSIER" quote check \
	--ak ak-rsapss.pub --attest q-rsassa.msg --sig q-rsassa.sig --nonce $NONCE
expect_out "^FAIL quote.signature: the key's scheme is rsapss-sha256 but the signature is rsassa-sha256" \
	"wrong AK: the scheme mismatch is named"
run tpm2_checkquote -u ak-rsapss.pub -m q-rsassa.msg -s q-rsassa.sig -f q-rsassa.pcrs -g sha256 -q $NONCE
[ "$RC" -ne 0 ] && ok "wrong AK: tpm2_checkquote rejects it too" ||
	not_ok "wrong AK: tpm2_checkquote rejects it too" "it accepted"

# A PCR value changed in the tpm2_quote -o file: the digest fails.
python3 - q-ecdsa.pcrs q-changed.pcrs <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
# The last nonzero byte of the file lies in the last value written
# (sha256 PCR 10); the padding of the struct dump after it is zero.
i = max(k for k in range(len(b)) if b[k] != 0)
b[i] ^= 1
open(sys.argv[2], 'wb').write(bytes(b))
EOF
expect 1 "PCR value changed: fails" check ecdsa --pcrs q-changed.pcrs
expect_out '^FAIL quote.pcr-digest: ' "PCR value changed: quote.pcr-digest fails"
expect_eq "$(count_fails)" 1 "PCR value changed: only the PCR digest fails"
run tpm2_checkquote -u ak-ecdsa.pub -m q-ecdsa.msg -s q-ecdsa.sig -f q-changed.pcrs -g sha256 -q $NONCE
[ "$RC" -ne 0 ] && ok "PCR value changed: tpm2_checkquote rejects it too" ||
	not_ok "PCR value changed: tpm2_checkquote rejects it too" "it accepted"

# The raw (plain) ECDSA signature, r||s, with --sig-scheme.
tpm tpm2_quote -c ak-ecdsa.ctx -l $SEL -q $NONCE -g sha256 --scheme ecdsa -f plain \
	-m q-plain.msg -s q-plain.sig -o q-plain.pcrs || exit 1
expect 0 "ECDSA plain signature with --sig-scheme ecdsa-sha256 holds" "$DOSSIER" quote check \
	--ak ak-ecdsa.pem --attest q-plain.msg --sig q-plain.sig --sig-scheme ecdsa-sha256 \
	--pcrs q-plain.pcrs --nonce $NONCE
expect_out '^ok quote.signature ecdsa-sha256$' "ECDSA plain: signature ok"
done_testing
