#!/usr/bin/env bash
# t_inspect.sh - dossier inspect on signed bundles made by
# build/tools/gen_bundle from real TPM files (testdata/ek, tpm, quotes,
# ima; see their PROVENANCE.md) with a software AK: every manifest field
# and member decodes, the signature is checked against the bundle's own
# ak.pub, tampering is named, --extract writes identical files and never
# replaces one. Field values are cross-checked with openssl and sha256sum.
. "$DOSSIER_TOP/tests/lib.sh"
need openssl sha256sum python3 cmp

GEN=$DOSSIER_TOOLS/gen_bundle
Q=$TD/quotes/keylime-tpm_util_test
EKC=$TD/ek/leaf/keylime/infineon_optiga_ecc_ek_ca035.der
IMA=$TD/ima/charra/binary_runtime_measurements
IMA_ASCII=$TD/ima/charra/ascii_runtime_measurements
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ak.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
MEMBERS=(ek.crt="$EKC" ek.pub="$TD/tpm/ek-rsa.pub" ak.pub=- pcrs.bin="$Q/pcrs.tpm2tools"
	quote.attest="$Q/quote.tpms_attest" quote.sig="$Q/quote.tpmt_signature" ima.log="$IMA")
B=$T/b.dossier
"$GEN" -k "$T/ak.key" -o "$B" -f os=linux -c 1700000000 \
	-C 00112233445566778899aabbccddeeff "${MEMBERS[@]}" || { not_ok "gen_bundle"; exit 0; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
# section NAME: the lines of section [NAME] of the last run.
section() { awk -v h="[$1]" '$0 == h { on = 1; next } /^\[/ { on = 0 } on && NF' "$T/out"; }

# --- a good bundle -----------------------------------------------------------
expect 0 "inspect a signed bundle" "$DOSSIER" inspect "$B"
expect_out '^type bundle$' "detected as a bundle"
expect_out "^sha256 $(sha "$B")\$" "bundle SHA-256 (sha256sum)"
expect_out '^ok bundle.read 7 members' "the reader checked 7 members"
expect_out "^ok manifest.signature verified with the bundle's own ak.pub" \
	"signature checked against the bundle's own ak.pub"
expect_out 'does not prove which device' "and it says that is not identity"
expect_out '^kind enrollment$' "manifest kind"
expect_out "^device-id $(sha "$EKC")\$" "device id = SHA-256 of ek.crt"
expect_out '^ak-location primary$' "AK location"
expect_out '^challenge-id 00112233445566778899aabbccddeeff$' "challenge id"
expect_out '^created 2023-11-14T22:13:20Z$' "created as RFC 3339"
expect_out '^collector gen_bundle \(test\)$' "collector"
expect_out '^fact os linux$' "platform facts"
expect_out "^member ima.log $(stat -c %s "$IMA") $(sha "$IMA") application/vnd.dossier.ima-binary; digest=sha1" \
	"member line: name, size, sha256, media type"
expect_out '^cose-alg ES256$' "COSE algorithm"
akname=$(sed -n 's/^ak-name //p' "$T/out")
expect_out "^cose-kid $akname\$" "kid equals the AK Name"
# The AK Name: 000b || SHA-256(TPMT_PUBLIC), recomputed from the member.
run "$DOSSIER" inspect "$B" --extract "$T/x0"
mkdir -p "$T/x0"
run "$DOSSIER" inspect "$B" --extract "$T/x0"
want=000b$(tail -c +3 "$T/x0/ak.pub" | sha256sum | cut -d' ' -f1)
expect_eq "$akname" "$want" "ak-name is 000b || SHA-256 of the AK's TPMT_PUBLIC"

run "$DOSSIER" inspect "$B"
section "member ek.crt" >"$T/ekcrt"
"$DOSSIER" ekcert check --at 2026-01-01 --roots "$TD/ek/ca/infineon-optiga/ecc-root-ca.crt" \
	--intermediates "$TD/ek/ca/infineon-optiga/ecc-mfr-ca-035.crt" "$EKC" >"$T/ekcheck" 2>/dev/null
grep -Ev '^(ok|FAIL|SKIP) ' "$T/ekcheck" >"$T/ekfields"
expect_eq "$(grep -v '^media-type\|^size' "$T/ekcrt")" "$(cat "$T/ekfields")" \
	"ek.crt fields are those of dossier ekcert check"
expect_out '^tpm-manufacturer 49465800 IFX$' "ek.crt: TPM manufacturer"
expect_eq "$(section 'member ak.pub' | grep '^attributes')" \
	"attributes 0x00050072 fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted sign" \
	"ak.pub attributes by name"
expect_eq "$(section 'member ak.pub' | grep '^scheme')" "scheme ecdsa-sha256" "ak.pub scheme"
expect_eq "$(section 'member ek.pub' | grep '^name ')" \
	"name $(od -An -tx1 -v "$TD/tpm/ek-rsa.name" | tr -d ' \n')" \
	"ek.pub Name as tpm2_readpublic gave it (testdata/tpm/ek-rsa.name)"
expect_eq "$(section 'member pcrs.bin' | grep -c '^sha256 16 ')" 1 "pcrs.bin: ALG PCR HEX lines"
"$DOSSIER" quote check --ak "$Q/aik.pem" --attest "$Q/quote.tpms_attest" \
	--sig "$Q/quote.tpmt_signature" >"$T/qc" 2>/dev/null
expect_eq "$(section 'member quote.attest' | grep -v '^media-type\|^size')" \
	"$(grep -Ev '^(ok|FAIL|SKIP|signature) ' "$T/qc")" \
	"quote.attest fields are those of dossier quote check"
expect_eq "$(section 'member quote.sig' | grep '^signature')" \
	"$(grep '^signature ' "$T/qc")" "quote.sig as dossier quote check describes it"
section 'member ima.log' | grep -v '^media-type\|^size\|^template-hash' >"$T/ima.txt"
"$DOSSIER" ima ascii "$IMA" >"$T/ima-cmd.txt"
expect_eq "$(sha "$T/ima.txt")" "$(sha "$T/ima-cmd.txt")" \
	"ima.log prints exactly what dossier ima ascii prints"
# charra's ascii file was read 4 measurements before its binary one.
expect_eq "$(head -n "$(wc -l <"$IMA_ASCII")" "$T/ima.txt" | sha256sum | cut -d' ' -f1)" \
	"$(sha "$IMA_ASCII")" "and those lines are the kernel's ascii_runtime_measurements"

# --- extraction ----------------------------------------------------------------
expect_eq "$(ls "$T/x0" | tr '\n' ' ')" "MANIFEST ak.pub ek.crt ek.pub ima.log pcrs.bin quote.attest quote.sig " \
	"--extract wrote MANIFEST and every member"
expect_eq "$(cmp "$T/x0/ima.log" "$IMA" && cmp "$T/x0/ek.crt" "$EKC" && cmp "$T/x0/quote.sig" "$Q/quote.tpmt_signature" && echo same)" \
	same "extracted members are byte-identical"
expect_eq "$(stat -c %a "$T/x0/ek.crt")" 644 "extracted files are mode 0644"
expect 2 "--extract never replaces a file" "$DOSSIER" inspect "$B" --extract "$T/x0"
expect_err 'exists: inspect --extract never replaces a file' "the refusal says why"
mkdir "$T/x1"; ln -s "$T/target" "$T/x1/quote.sig"
expect 2 "--extract refuses a symbolic link in DIR" "$DOSSIER" inspect "$B" --extract "$T/x1"
expect_eq "$(test -e "$T/target" || echo absent)" absent "the link was not followed"
expect_eq "$(ls "$T/x1")" "quote.sig" "nothing was written next to it"
expect 0 "a standalone MANIFEST decodes" "$DOSSIER" inspect "$T/x0/MANIFEST"
expect_out '^type manifest$' "detected as a MANIFEST"
expect_out '^signature-checked no' "and says its signature was not checked"
expect_out "^ak-name $akname\$" "the same AK Name"

# --- tampering ---------------------------------------------------------------
"$GEN" -k "$T/ak.key" -o "$T/t.dossier" -T quote.sig "${MEMBERS[@]}"
expect 1 "a flipped member byte fails" "$DOSSIER" inspect "$T/t.dossier"
expect_out "^FAIL bundle.read: .*member 'quote.sig': SHA-256 does not match the manifest" \
	"the failure names the member"
expect 1 "and nothing is extracted from it" "$DOSSIER" inspect "$T/t.dossier" --extract "$T/x1"
expect_eq "$(ls "$T/x1")" "quote.sig" "no file written from a tampered bundle"

# A manifest signed by another key than the bundle's ak.pub: rebuild the
# tar with o2's ak.pub under o1's MANIFEST is not possible (the digest
# differs), so check the manifest.signature path with a bundle that holds
# no ak.pub at all.
"$GEN" -k "$T/ak.key" -o "$T/noak.dossier" ek.crt="$EKC"
expect 1 "a bundle without ak.pub cannot have its signature checked" \
	"$DOSSIER" inspect "$T/noak.dossier"
expect_out '^FAIL manifest.signature: the bundle has no ak.pub' "the failure says why"
expect_out '^\[member ek.crt\]$' "the members are still decoded"

# --- unknown and damaged files ----------------------------------------------------
expect 2 "an unknown file is refused" "$DOSSIER" inspect "$EKC"
expect_err "not a dossier file \(a bundle: zstd .*DSMF, DSCH, DSRS or DSRF.*ustar archive.*\): it starts 30 82" "the refusal names what the bytes are not"
: >"$T/empty"
expect 2 "an empty file is refused" "$DOSSIER" inspect "$T/empty"
expect_err 'it is empty' "and says it is empty"
head -c 200 "$B" >"$T/cut.dossier"
expect 1 "a truncated bundle fails" "$DOSSIER" inspect "$T/cut.dossier"
expect_out '^FAIL bundle.read: ' "with a bundle.read failure"
expect 2 "a missing file is an I/O error" "$DOSSIER" inspect "$T/missing"
expect 2 "--extract on a MANIFEST is refused" "$DOSSIER" inspect "$T/x0/MANIFEST" --extract "$T"
expect 2 "--explain on a MANIFEST is refused" "$DOSSIER" inspect "$T/x0/MANIFEST" --explain
expect_err 'need a bundle' "and says it needs a bundle"

# --- challenges, challenge sets, signed results ---------------------------------
# gen_challenge (testdata/gen) signs with a P-256 verifier key; another key
# must not verify them.
GC=$DOSSIER_TOOLS/gen_challenge
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/v.key" 2>/dev/null
openssl pkey -in "$T/v.key" -pubout -out "$T/v.pub" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/w.key" 2>/dev/null
openssl pkey -in "$T/w.key" -pubout -out "$T/w.pub" 2>/dev/null
DA=$(printf 'a%.0s' {1..64}); DB=$(printf 'b%.0s' {1..64})
"$GC" --ek "$TD/tpm/ek-rsa.pub" --ak "$TD/tpm/ak-rsa.pub" --key "$T/v.key" \
	--device-id "$DA" --selection sha256:0,1,10 --logs ima,uefi --expires 7200 \
	-o "$T/c1.dchal" >"$T/c1.txt" || not_ok "gen_challenge c1"
"$GC" --ek "$TD/tpm/ek-ecc.pub" --ak "$TD/tpm/ak-ecc.pub" --key "$T/v.key" \
	--device-id "$DB" -o "$T/c2.dchal" >"$T/c2.txt" || not_ok "gen_challenge c2"
"$GC" --set "$T/set.tar" "$T/c1.dchal" "$T/c2.dchal" || not_ok "gen_challenge --set"
CID1=$(awk '$1 == "challenge-id" { print $2 }' "$T/c1.txt")
VID=$(openssl pkey -pubin -in "$T/v.pub" -outform DER | sha256sum | cut -d' ' -f1)

expect 0 "inspect a challenge without a key" "$DOSSIER" inspect "$T/c1.dchal"
expect_out '^type challenge$' "detected as a challenge (DSCH)"
expect_out "^challenge-id $CID1\$" "challenge id as gen_challenge printed it"
expect_out "^device-id $DA\$" "device id"
expect_out "^ak-name $(xxd -p -c 256 "$TD/tpm/ak-rsa.name")\$" "AK Name = tpm2-tools' ak-rsa.name"
expect_out '^credential-blob-size 68$' "credential blob: TPM2B_ID_OBJECT of a SHA-256 HMAC and secret"
expect_out '^credential-secret-size 256$' "encrypted seed: 256 bytes for the RSA-2048 EK"
expect_out '^pcr-selection sha256:0,1,10$' "PCR selection as a spec"
expect_out '^logs ima,uefi$' "requested logs"
expect_out "^verifier-id $VID\$" "verifier id = SHA-256 of the key's SubjectPublicKeyInfo (openssl)"
expect_out '^signature not-checked' "without a key the signature is said not checked"
N=$(awk '$1 == "not-after" { print $2 }' "$T/out")
d=$(( $(date -u -d "$N" +%s) - $(date +%s) - 7200 ))
[ "${d#-}" -le 120 ] && ok "not-after in RFC 3339, --expires from now" ||
	not_ok "not-after in RFC 3339, --expires from now: off by $d s"
expect_out '^issued 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' "issued in RFC 3339"
expect 0 "a challenge with its verifier key" "$DOSSIER" inspect "$T/c1.dchal" --verifier-key "$T/v.pub"
expect_out '^signature verified with the verifier key$' "the signature verifies"
expect 1 "a challenge with another verifier key" "$DOSSIER" inspect "$T/c1.dchal" --verifier-key "$T/w.pub"
expect_out '^FAIL challenge.signature: .*another verifier' "fails naming the check"
python3 - "$T/c1.dchal" "$T/c1bad.dchal" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1
open(sys.argv[2], "wb").write(b)
PY
expect 1 "a challenge with a flipped signature bit" "$DOSSIER" inspect "$T/c1bad.dchal" --verifier-key "$T/v.pub"
expect_out '^FAIL challenge.signature: ' "the signature fails"
head -c 100 "$T/c1.dchal" >"$T/c1cut.dchal"
expect 1 "a truncated challenge" "$DOSSIER" inspect "$T/c1cut.dchal"
expect_out '^FAIL challenge.decode: ' "fails to decode, named"
expect 2 "--verifier-key that is not a key" "$DOSSIER" inspect "$T/c1.dchal" --verifier-key "$EKC"

expect 0 "inspect a challenge set archive" "$DOSSIER" inspect "$T/set.tar" --verifier-key "$T/v.pub"
expect_out '^type challenge-set$' "detected as a tar archive"
expect_out '^challenges 2$' "two challenges"
expect_eq "$(grep -c '^\[challenge ' "$T/out")" 2 "one section per challenge"
expect_out "^\[challenge $DA.dchal\]\$" "sections named by entry"
expect_eq "$(grep -c '^signature verified' "$T/out")" 2 "each signature verified"
expect_out '^pcr-selection sha1:0,1,2,3,4,5,6,7,8,9,10\+sha256:0,1,2,3,4,5,6,7,8,9,10$' "default selection of c2"
expect 1 "a challenge set with another key" "$DOSSIER" inspect "$T/set.tar" --verifier-key "$T/w.pub"
expect_eq "$(grep -c '^\[challenge ' "$T/out")" 2 "every challenge still shown"
expect_out '^FAIL challenge.signature: ' "the failure is named"

# --- --explain and signed results against a store (test_judge_verify fixture) ---
FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GE=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F"
"$DOSSIER_TOOLS/gen_ima_log" -n 30 -t mixed -s 3 -o "$T/ref.log" >/dev/null || not_ok "gen_ima_log"
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
ev() {	# ev CHALLENGE OUT [gen_evidence options]
	local name=$1 out=$2 id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GE" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" --ek-crt "$F/a.crt" \
	    --ek-pub "$F/a.pub" --ima-log "$T/ref.log" --clock 1000000 "$@"
}
ev pass "$T/pass.dossier"
ev other "$T/bad.dossier" --ima-change 4 --ima-add /usr/bin/intruder
S=(--store "$F/store.db")
before=$(sha256sum <"$F/store.db")

expect 0 "explain a passing bundle with the store" "$DOSSIER" "${S[@]}" inspect "$T/pass.dossier" --explain
expect_out '^explain store .* rolled back' "says the run is rolled back"
expect_out '^ok challenge.single-use ' "the ledger check runs"
expect_out '^ok ima.reorder ' "the reference check runs"
expect_out '^verdict pass$' "verdict pass"
expect 0 "explain it a second time" "$DOSSIER" "${S[@]}" inspect "$T/pass.dossier" --explain
expect_out '^ok challenge.single-use ' "the challenge was not consumed by the first explain"
expect_eq "$(sha256sum <"$F/store.db")" "$before" "the store file is byte-identical after two explains"

expect 1 "explain a failing bundle with the store" "$DOSSIER" "${S[@]}" inspect "$T/bad.dossier" --explain
expect_out '^verdict fail$' "verdict fail"
expect_out '^ima-divergence entry 4 pcr 10 ' "the first diverging IMA entry, in order"
expect_out '^ima-reference entry 4 pcr 10 ' "and the reference entry at that place"
expect_out "^finding ima.reorder extra: .*'/usr/bin/intruder'" "the extra entry is a finding"
expect_out '^finding ima.reorder changed: entry 4 ' "the changed entry is a finding"
expect_out '^findings 2$' "every finding counted"

expect 0 "explain without a store" env -u DOSSIER_STORE "$DOSSIER" inspect "$T/pass.dossier" --explain
expect_out '^explain store none' "says there is no store"
expect_out "^ok manifest.signature by the bundle's own ak.pub" "signature with the bundle's own AK"
expect_out '^ok quote.signature .*own AK' "quote signature with the bundle's own AK"
expect_out '^ok quote.qualified-signer ' "qualified signer against the manifest's claim"
expect_out '^ok ima.replay.sha256 ' "IMA replay against the bundle's own quote"
for c in device.known device.ek challenge.known challenge.single-use quote.nonce quote.selection state.clock ima.reorder pcr.reference; do
	expect_out "^SKIP $c: no store\$" "no store: $c skipped"
done
expect_out '^skipped 14$' "skips counted"
gen_pcr=$T/pcr.dossier
ev pass "$gen_pcr" --flip-pcr 3
expect 1 "explain without a store: a PCR value that is not quoted" env -u DOSSIER_STORE "$DOSSIER" inspect "$gen_pcr" --explain
expect_out '^FAIL quote.pcr-digest: ' "fails quote.pcr-digest"
expect_out '^ima-divergence - \(no store' "no reference log without a store"
ev pass "$T/ak.dossier" --manifest-key "$F/b.pem"
expect 1 "explain without a store: manifest signed by another key" env -u DOSSIER_STORE "$DOSSIER" inspect "$T/ak.dossier" --explain
expect_out '^FAIL manifest.signature: ' "fails manifest.signature"

mkdir -p "$T/signed"
expect 0 "verify the passing bundle after the explains" "$DOSSIER" "${S[@]}" verify --signed "$T/signed" "$T/pass.dossier"
"$DOSSIER" "${S[@]}" init --show-key -o "$T/store.pub" >/dev/null
DRES=$(ls "$T/signed"/*.dres)
expect 0 "inspect a signed result" "$DOSSIER" inspect "$DRES" --verifier-key "$T/store.pub"
expect_out '^type result$' "detected as a result (DSRS)"
expect_out '^verdict pass$' "its verdict"
expect_out "^bundle-sha256 $(sha "$T/pass.dossier")\$" "the bundle's SHA-256 (sha256sum)"
expect_out '^check challenge.single-use ok consumed now$' "every check"
expect_out '^signature verified with the verifier key$' "signature verified"
expect 0 "a signed result without a key" "$DOSSIER" inspect "$DRES"
expect_out '^signature not-checked' "says not checked"
expect 1 "a signed result with another key" "$DOSSIER" inspect "$DRES" --verifier-key "$T/v.pub"
expect_out '^FAIL result.signature: ' "fails result.signature"
expect 1 "explain after verify: the challenge is now consumed" "$DOSSIER" "${S[@]}" inspect "$T/pass.dossier" --explain
expect_out '^FAIL challenge.single-use: ' "a replay is explained as such"
done_testing
