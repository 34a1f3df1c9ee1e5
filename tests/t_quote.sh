#!/usr/bin/env bash
# t_quote.sh - dossier quote check on real quotes published by other
# projects (testdata/quotes/PROVENANCE.md): keylime's tpm_util_test quote
# and three Azure confidential-VM vTPM quotes, with their expected
# outcomes, and tampered copies that must fail with their own check.
. "$DOSSIER_TOP/tests/lib.sh"

KL=$TD/quotes/keylime-tpm_util_test
AZ=$TD/quotes/azure-cvm-vtpm
CHALLENGE=6368616c6c656e6765	# ASCII "challenge"

# count_fails: number of FAIL lines of the last run.
count_fails() { grep -c '^FAIL ' "$T/out"; }

# flip FILE OFFSET MASK OUT: copy FILE with byte OFFSET xor MASK.
flip() {
	python3 - "$1" "$2" "$3" "$4" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[int(sys.argv[2])] ^= int(sys.argv[3], 0)
open(sys.argv[4], 'wb').write(bytes(b))
EOF
}

kl_check() {
	"$DOSSIER" quote check --ak "$KL/aik.pem" --sig "$KL/quote.tpmt_signature" "$@"
}

# --- keylime: valid -----------------------------------------------------
expect 0 "keylime quote holds" kl_check --attest "$KL/quote.tpms_attest" \
	--nonce-file "$KL/nonce.txt" --pcrs "$KL/pcrs.tpm2tools" --selection sha256:16
expect_out '^ok quote.signature rsassa-sha256$' "keylime: signature ok"
expect_out '^ok quote.nonce ' "keylime: nonce ok"
expect_out '^ok quote.pcr-digest sha256 ' "keylime: pcr digest ok (tpm2-tools PCR file)"
expect_out '^ok quote.selection sha256:16$' "keylime: selection ok"
expect_out '^ok quote.magic ' "keylime: magic ok"
expect_out '^ok quote.type ' "keylime: type ok"
expect_out '^SKIP quote.ak-attributes: ' "keylime: PEM AK has no attributes (SKIP)"
expect_out '^reset-count 3$' "keylime: reset-count printed"
expect_out '^clock 1284787942$' "keylime: clock printed"
expect_out '^firmware-version 0x2019102300163636$' "keylime: firmware version printed"
expect_out '^extra-data 4169354d35536a596a6e6b797634503769744831$' "keylime: extra-data printed"
expect_out '^selection sha256:16$' "keylime: signed selection printed"
expect_out '^pcr-digest 6d4d3749132f6257172164cd5ff3135f447973d4a5c84e018901f6753705b701$' \
	"keylime: pcr-digest printed"
expect_eq "$(count_fails)" 0 "keylime: no FAIL line"

# The nonce as hex gives the same result.
expect 0 "keylime: --nonce hex" kl_check --attest "$KL/quote.tpms_attest" \
	--nonce "$(od -An -tx1 "$KL/nonce.txt" | tr -d ' \n')"

# --- keylime: tampered ----------------------------------------------------
flip "$KL/quote.tpms_attest" 5 1 "$T/q-byte5"
expect 1 "keylime: bit 0 of byte 5 flipped fails" kl_check --attest "$T/q-byte5" \
	--nonce-file "$KL/nonce.txt" --pcrs "$KL/pcrs.tpm2tools"
expect_out '^FAIL quote.signature: ' "keylime byte 5: quote.signature fails"
expect_out '^FAIL quote.type: type is 0x8019 ' "keylime byte 5: and the type is named"

printf 'Ai5M5SjYjnkyv4P7itH2' >"$T/nonce2"
expect 1 "keylime: another nonce fails" kl_check --attest "$KL/quote.tpms_attest" \
	--nonce-file "$T/nonce2" --pcrs "$KL/pcrs.tpm2tools"
expect_out '^FAIL quote.nonce: ' "keylime other nonce: quote.nonce fails"
expect_eq "$(count_fails)" 1 "keylime other nonce: only quote.nonce fails"

# Change one byte of the PCR 16 value: in this tpm2-tools serialized file
# the value's 32 bytes start at offset 142 (after the selection dump, the
# u32 count, TPML_DIGEST.count and the TPM2B size).
flip "$KL/pcrs.tpm2tools" 150 0x01 "$T/pcrs-changed"
cmp -s "$KL/pcrs.tpm2tools" "$T/pcrs-changed" && not_ok "pcr file changed" || ok "pcr file changed"
expect 1 "keylime: a changed PCR value fails" kl_check --attest "$KL/quote.tpms_attest" \
	--nonce-file "$KL/nonce.txt" --pcrs "$T/pcrs-changed"
expect_out '^FAIL quote.pcr-digest: ' "keylime changed PCR: quote.pcr-digest fails"
expect_eq "$(count_fails)" 1 "keylime changed PCR: only quote.pcr-digest fails"

# A PCR file without the selected PCR 16: FAIL naming it.
printf 'sha256 15 %064d\n' 0 >"$T/pcrs-no16"
expect 1 "keylime: PCR file without PCR 16 fails" kl_check --attest "$KL/quote.tpms_attest" \
	--pcrs "$T/pcrs-no16"
expect_out '^FAIL quote.pcr-digest: .*16' "keylime missing PCR: the FAIL names PCR 16"

expect 1 "keylime: --selection differing fails" kl_check --attest "$KL/quote.tpms_attest" \
	--selection sha256:16,17
expect_out '^FAIL quote.selection: .*PCR 17 requested but not signed' \
	"keylime other selection: quote.selection names PCR 17"

# Magic changed: still a named FAIL, and the signature breaks too.
flip "$KL/quote.tpms_attest" 0 0x01 "$T/q-magic"
expect 1 "keylime: wrong magic fails" kl_check --attest "$T/q-magic"
expect_out '^FAIL quote.magic: magic is 0xfe544347' "keylime wrong magic: quote.magic names it"
expect_out '^ok quote.attest-parse ' "keylime wrong magic: the rest still parses"
expect_out '^FAIL quote.signature: ' "keylime wrong magic: signature fails"

# Trailing byte: parse fails by name, and the signature does not cover it.
{ cat "$KL/quote.tpms_attest"; printf '\0'; } >"$T/q-trailing"
expect 1 "keylime: trailing byte fails" kl_check --attest "$T/q-trailing"
expect_out '^FAIL quote.attest-parse: .*1 trailing bytes' "keylime trailing: attest-parse names it"
expect_out '^SKIP quote.nonce: ' "keylime trailing: nonce cannot be checked (SKIP)"

# TPM2B_ATTEST-wrapped copy is accepted and said so.
python3 -c "
import sys; b=open(sys.argv[1],'rb').read(); sys.stdout.buffer.write(len(b).to_bytes(2,'big')+b)" \
	"$KL/quote.tpms_attest" >"$T/q-2b"
expect 0 "keylime: TPM2B_ATTEST-wrapped quote holds" kl_check --attest "$T/q-2b" \
	--nonce-file "$KL/nonce.txt"
expect_out '^ok quote.attest-parse TPM2B_ATTEST' "keylime TPM2B: format named"

# Truncated quote: a clear FAIL, never a crash.
head -c 60 "$KL/quote.tpms_attest" >"$T/q-short"
expect 1 "keylime: truncated quote fails" kl_check --attest "$T/q-short"
expect_out '^FAIL quote.attest-parse: .*offset' "keylime truncated: attest-parse names the offset"

# Signature malformed: FAIL quote.signature, not a crash.
head -c 100 "$KL/quote.tpmt_signature" >"$T/sig-short"
expect 1 "keylime: truncated signature fails" "$DOSSIER" quote check --ak "$KL/aik.pem" \
	--attest "$KL/quote.tpms_attest" --sig "$T/sig-short"
expect_out '^FAIL quote.signature: .*malformed TPMT_SIGNATURE' "keylime truncated sig: named"

# --- usage and I/O errors -------------------------------------------------
expect 2 "missing --sig is a usage error" "$DOSSIER" quote check --ak "$KL/aik.pem" \
	--attest "$KL/quote.tpms_attest"
expect 2 "unreadable attest file is an I/O error" kl_check --attest "$T/nonexistent"
expect_err 'nonexistent' "unreadable file: stderr names it"
expect 2 "AK that is not a key is an error" "$DOSSIER" quote check --ak "$KL/nonce.txt" \
	--attest "$KL/quote.tpms_attest" --sig "$KL/quote.tpmt_signature"
expect_err 'AK .*nonce.txt' "bad AK: stderr names the file"
expect 2 "bad --nonce hex is a usage error" kl_check --attest "$KL/quote.tpms_attest" --nonce xyz
expect 2 "bad --selection is a usage error" kl_check --attest "$KL/quote.tpms_attest" --selection sha256:99
expect 2 "bad --sig-scheme is a usage error" kl_check --attest "$KL/quote.tpms_attest" --sig-scheme hmac-sha256
expect 2 "--ek with a PEM AK is a usage error" kl_check --attest "$KL/quote.tpms_attest" --ek "$KL/aik.pem"
expect 2 "--nonce and --nonce-file together" kl_check --attest "$KL/quote.tpms_attest" \
	--nonce 00 --nonce-file "$KL/nonce.txt"

# --qualified-signer: the value in the quote passes, another fails.
QS=000b38b5c765a87a73fe6ee657a6dd8b7695b41938f994113a3d74263d9d2ea50334
expect 0 "keylime: --qualified-signer equal holds" kl_check --attest "$KL/quote.tpms_attest" \
	--qualified-signer "$QS"
expect_out '^ok quote.qualified-signer ' "keylime: qualified-signer ok"
expect 1 "keylime: --qualified-signer different fails" kl_check --attest "$KL/quote.tpms_attest" \
	--qualified-signer "${QS%?}5"
expect_out '^FAIL quote.qualified-signer: ' "keylime: qualified-signer FAIL named"

# --- Azure vTPM quotes (raw RSASSA-SHA256 signatures) -------------------
az_check() {
	local q=$1 ak=$2
	shift 2
	"$DOSSIER" quote check --ak "$AZ/$ak/akpub.pem" \
		--attest "$AZ/$q/quote.decoded.tpms_attest" \
		--sig "$AZ/$q/quote.decoded.sig_raw_rsassa_sha256" --sig-scheme rsassa-sha256 "$@"
}
for q in q1_64da750 q2_0bbf708; do
	expect 0 "azure $q holds with its own AK" az_check $q $q --nonce $CHALLENGE \
		--pcrs "$AZ/$q/pcrs.txt" --selection sha256:all
	expect_out '^ok quote.signature rsassa-sha256$' "azure $q: signature ok"
	expect_out '^ok quote.nonce ' "azure $q: nonce 'challenge' ok"
	expect_out '^ok quote.pcr-digest sha256 ' "azure $q: pcr digest ok from the converted JSON"
	expect_out '^ok quote.selection sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23$' \
		"azure $q: all 24 sha256 PCRs selected"
done
expect 1 "azure q1 with q2's AK fails" az_check q1_64da750 q2_0bbf708 --nonce $CHALLENGE
expect_out '^FAIL quote.signature: ' "azure q1 with q2's AK: quote.signature fails"
expect_eq "$(count_fails)" 1 "azure q1 with q2's AK: only the signature fails"
expect 1 "azure q1 with q2's PCR values fails" az_check q1_64da750 q1_64da750 \
	--pcrs "$AZ/q2_0bbf708/pcrs.txt"
expect_out '^FAIL quote.pcr-digest: ' "azure q1 with q2's PCRs: quote.pcr-digest fails"

# q3: PCR values not published: the digest is SKIPped, never passed.
expect 0 "azure q3: signature and nonce hold" "$DOSSIER" quote check \
	--ak "$AZ/q3_4d8d22e/akpub.pem" --attest "$AZ/q3_4d8d22e/quote_msg" \
	--sig "$AZ/q3_4d8d22e/quote_sig" --sig-scheme rsassa-sha256 --nonce 010203
expect_out '^ok quote.signature rsassa-sha256$' "azure q3: signature ok"
expect_out '^ok quote.nonce ' "azure q3: nonce 01 02 03 ok"
expect_out '^SKIP quote.pcr-digest: no PCR values given' "azure q3: pcr-digest SKIP, not ok"
expect_out '^selection sha256:15,16,22$' "azure q3: signed selection printed"
if grep -q '^ok quote.pcr-digest' "$T/out"; then not_ok "azure q3: pcr-digest not passed"; else
	ok "azure q3: pcr-digest not passed"; fi
expect 1 "azure q3 read as RSAPSS fails" "$DOSSIER" quote check \
	--ak "$AZ/q3_4d8d22e/akpub.pem" --attest "$AZ/q3_4d8d22e/quote_msg" \
	--sig "$AZ/q3_4d8d22e/quote_sig" --sig-scheme rsapss-sha256
expect_out '^FAIL quote.signature: ' "azure q3 as RSAPSS: signature fails"

# --- tpm2_checkquote on the same keylime files ---------------------------
if command -v tpm2_checkquote >/dev/null 2>&1; then
	KLNONCE=$(od -An -tx1 "$KL/nonce.txt" | tr -d ' \n')
	run tpm2_checkquote -u "$KL/aik.pem" -m "$KL/quote.tpms_attest" -s "$KL/quote.tpmt_signature" \
		-f "$KL/pcrs.tpm2tools" -g sha256 -q "$KLNONCE"
	expect_eq "$RC" 0 "keylime: tpm2_checkquote accepts it too"
	run tpm2_checkquote -u "$KL/aik.pem" -m "$T/q-byte5" -s "$KL/quote.tpmt_signature" \
		-f "$KL/pcrs.tpm2tools" -g sha256 -q "$KLNONCE"
	[ "$RC" -ne 0 ] && ok "keylime byte 5: tpm2_checkquote rejects it too" ||
		not_ok "keylime byte 5: tpm2_checkquote rejects it too" "it accepted"
	run tpm2_checkquote -u "$KL/aik.pem" -m "$KL/quote.tpms_attest" -s "$KL/quote.tpmt_signature" \
		-f "$T/pcrs-changed" -g sha256 -q "$KLNONCE"
	[ "$RC" -ne 0 ] && ok "keylime changed PCR: tpm2_checkquote rejects it too" ||
		not_ok "keylime changed PCR: tpm2_checkquote rejects it too" "it accepted"
fi
done_testing
