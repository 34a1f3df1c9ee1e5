#!/usr/bin/env bash
# dossier-collect attest on a fresh swtpm, for the RSA EK (low range: policy
# session) and the P-384 ECC EK (high range). A generated IMA log is first
# extended into PCR 10 (sha1 bank: the sha1 column; sha256 bank: SHA-256 of
# the template data, the kernel's per-bank mode), challenges are made with
# the format API (build/tools/gen_challenge), and the evidence bundles are
# checked with independent tools: GNU tar + zstd, tpm2_checkquote, evmctl,
# and dossier's standalone quote and ima checks. Refusals: a challenge
# signed by another key, an expired one, one for another device only, one
# for another AK Name, a log that does not reach the quoted PCR 10.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend tpm2_getcap tpm2_checkquote openssl tar zstd evmctl xxd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
GENCH=$DOSSIER_TOOLS/gen_challenge
CHECK=$DOSSIER_TOOLS/check_manifest
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out verifier.key 2>/dev/null &&
    openssl pkey -in verifier.key -pubout -out verifier.pem 2>/dev/null ||
    not_ok "verifier key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out other.key 2>/dev/null || not_ok "other verifier key"

# The log the TPM has seen (20 records) and a longer one whose first 20
# records are the same (the 4 more are an unquoted tail).
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t ima-ng -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
"$DOSSIER_TOOLS/gen_ima_log" -n 24 -t ima-ng -o ima24.bin >/dev/null ||
    not_ok "gen_ima_log 24"
expect 0 "the 24-record log starts with the 20-record one" \
    cmp -n "$(stat -c %s ima.bin)" ima.bin ima24.bin
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) \
    >digests.txt
expect_eq "$(wc -l <digests.txt)" 20 "20 template digests per bank"
n=0
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 || n=$((n + 1))
done <digests.txt
expect_eq "$n" 0 "the log's records extended into PCR 10 with tpm2_pcrextend"

outval() { sed -n "s/^$1 //p" "$T/out"; }

transient_empty() {
	local t s
	t=$(tpm2_getcap handles-transient 2>&1)
	s=$(tpm2_getcap handles-loaded-session 2>&1)$(tpm2_getcap handles-saved-session 2>&1)
	expect_eq "$t$s" "" "$1: no transient objects or sessions left"
}

# enroll TAG ARGS...: enroll, keep the public parts in $T/e-TAG.
enroll() {
	local tag=$1
	shift
	expect 0 "$tag: enroll" "$COLLECT" enroll -o "e-$tag.dossier" \
	    --state "$T/st-$tag" --verifier-key verifier.pem --ima-log ima.bin "$@"
	mkdir -p "e-$tag"
	tar --zstd -xf "e-$tag.dossier" -C "e-$tag" ek.crt ek.pub ak.pub
}

# challenge TAG OUT ARGS...: a challenge for device TAG; NONCE, CHID set.
challenge() {
	local tag=$1 out=$2
	shift 2
	run "$GENCH" --ek "e-$tag/ek.pub" --ak "e-$tag/ak.pub" \
	    --ek-cert "e-$tag/ek.crt" --key verifier.key -o "$out" "$@"
	NONCE=$(outval nonce)
	CHID=$(outval challenge-id)
}

# pcr_lines BANK PCRSFILE: evmctl's --pcrs file (PCR-00 .. PCR-23).
evm_pcrs() {
	"$CHECK" --pcrs "$2" 2>/dev/null | awk -v b="$1" '
	    $1 == b { v[$2] = $3 }
	    END { for (i = 0; i < 24; i++) {
	        x = (i in v) ? v[i] : (b == "sha1" ? sprintf("%040d", 0) : sprintf("%064d", 0));
	        printf "PCR-%02d: %s\n", i, x } }'
}

# check_evidence TAG BUNDLE LOG TAIL: the bundle's members with other tools.
check_evidence() {
	local tag=$1 b=$2 log=$3 tail=$4 d=$T/x-$1 devid
	devid=$(openssl dgst -sha256 -r "e-$tag/ek.crt" | cut -c1-64)
	mkdir -p "$d"
	expect 0 "$tag: GNU tar extracts the bundle" tar --zstd -xf "$b" -C "$d"
	expect_eq "$(tar --zstd -tf "$b" | tr '\n' ' ')" \
	    "MANIFEST ek.crt ek.pub ak.pub pcrs.bin pcrs.tpm2 quote.attest quote.sig ima.log " \
	    "$tag: members in order"
	expect 0 "$tag: ek.crt as enrolled" cmp "$d/ek.crt" "e-$tag/ek.crt"
	expect 0 "$tag: ak.pub as enrolled" cmp "$d/ak.pub" "e-$tag/ak.pub"
	expect 0 "$tag: ek.pub as enrolled" cmp "$d/ek.pub" "e-$tag/ek.pub"
	expect 0 "$tag: ima.log is the log read" cmp "$d/ima.log" "$log"
	run tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.attest" -s "$d/quote.sig" \
	    -f "$d/pcrs.tpm2" -g sha256 -q "$NONCE"
	expect_eq "$RC" 0 "$tag: tpm2_checkquote accepts quote, pcrs.tpm2 and the nonce"
	run tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.attest" -s "$d/quote.sig" \
	    -f "$d/pcrs.tpm2" -g sha256 -q "00$NONCE"
	expect_eq "$RC" 1 "$tag: tpm2_checkquote refuses another nonce"
	# dossier-inspect(1)'s recipe: --extract, the nonce from extra-data.
	mkdir -p "$d-x"
	expect 0 "$tag: inspect --extract" "$DOSSIER" inspect "$b" --extract "$d-x"
	run "$DOSSIER" inspect "$b"
	expect_eq "$(awk '$1 == "extra-data" { print $2 }' "$T/out")" "$NONCE" \
	    "$tag: inspect shows the quoted nonce as extra-data"
	expect 0 "$tag: dossier-inspect(1)'s tpm2_checkquote recipe holds" \
	    tpm2_checkquote -u "$d-x/ak.pub" -m "$d-x/quote.attest" \
	    -s "$d-x/quote.sig" -f "$d-x/pcrs.tpm2" -g sha256 -q "$NONCE"
	# dossier-bundle(5)'s evmctl recipe: the quoted sha256 values as
	# evmctl's PCR file, then its replay of the extracted ima.log.
	run "$DOSSIER" inspect "$b"
	awk '/^\[member pcrs.bin\]/ { on = 1; next } /^\[/ { on = 0 }
	    on && $1 == "sha256" { printf "PCR-%02d: %s\n", $2, $3 }' "$T/out" \
	    >"$d-x/pcrs-sha256.evmctl"
	evmctl ima_measurement --ignore-violations --pcrs "sha256,$d-x/pcrs-sha256.evmctl" \
	    "$d-x/ima.log" >"$T/evm.out" 2>&1
	if grep -q "Matched per TPM bank" "$T/evm.out"; then
		ok "$tag: dossier-bundle(5)'s evmctl recipe matches the quoted PCR 10"
	else not_ok "$tag: dossier-bundle(5)'s evmctl recipe" "$(tail -3 "$T/evm.out")"; fi
	awk '$1 == "PCR-10:" { c = substr($2, length($2)); $2 = substr($2, 1,
	    length($2) - 1) (c == "0" ? "1" : "0") } { print }' \
	    "$d-x/pcrs-sha256.evmctl" >"$d-x/bad.evmctl"
	expect_eq "$(diff "$d-x/pcrs-sha256.evmctl" "$d-x/bad.evmctl" | grep -c '^>')" 1 \
	    "$tag: evmctl recipe: one PCR 10 digit changed"
	mv "$d-x/bad.evmctl" "$d-x/pcrs-sha256.evmctl"
	evmctl ima_measurement --ignore-violations --pcrs "sha256,$d-x/pcrs-sha256.evmctl" \
	    "$d-x/ima.log" >"$T/evm.out" 2>&1
	if grep -q "Matched per TPM bank" "$T/evm.out"; then
		not_ok "$tag: evmctl recipe: a changed PCR 10 does not match"
	else ok "$tag: evmctl recipe: a changed PCR 10 does not match"; fi
	expect 0 "$tag: dossier quote check" "$DOSSIER" quote check --ak "$d/ak.pub" \
	    --attest "$d/quote.attest" --sig "$d/quote.sig" --nonce "$NONCE" \
	    --pcrs "$d/pcrs.bin" --selection "sha1:0-10+sha256:0-10"
	expect 1 "$tag: quote check refuses another selection" "$DOSSIER" quote \
	    check --ak "$d/ak.pub" --attest "$d/quote.attest" --sig "$d/quote.sig" \
	    --nonce "$NONCE" --pcrs "$d/pcrs.bin" --selection "sha256:0-10"
	run "$CHECK" --pcrs "$d/pcrs.bin"
	expect_eq "$(wc -l <"$T/out")" 22 "$tag: pcrs.bin holds exactly PCRs 0-10 of both banks"
	run "$DOSSIER" ima check "$d/ima.log" --pcrs "$d/pcrs.bin" --allow-tail
	expect_eq "$RC" 0 "$tag: dossier ima check --allow-tail"
	expect_out "^ok ima.replay.sha256 per-bank mode .* after 20 of $((20 + tail)) entries" \
	    "$tag: the sha256 bank replays per bank to the quote after 20 entries"
	if [ "$tail" -gt 0 ]; then
		expect 1 "$tag: without --allow-tail the tail of $tail fails" \
		    "$DOSSIER" ima check "$d/ima.log" --pcrs "$d/pcrs.bin"
	else
		evm_pcrs sha1 "$d/pcrs.bin" >"$d/e1"
		evm_pcrs sha256 "$d/pcrs.bin" >"$d/e256"
		evmctl ima_measurement --pcrs "sha1,$d/e1" "$d/ima.log" >"$d/evm1" 2>&1
		grep -q "Matched per TPM bank" "$d/evm1" &&
		    ok "$tag: evmctl ima_measurement matches the quoted sha1 PCR 10" ||
		    not_ok "$tag: evmctl ima_measurement matches the quoted sha1 PCR 10" \
		    "$(tail -n 3 "$d/evm1")"
		evmctl ima_measurement --pcrs "sha256,$d/e256" "$d/ima.log" >"$d/evm2" 2>&1
		grep -q "Matched per TPM bank" "$d/evm2" &&
		    ok "$tag: evmctl ima_measurement matches the quoted sha256 PCR 10" ||
		    not_ok "$tag: evmctl ima_measurement matches the quoted sha256 PCR 10" \
		    "$(tail -n 3 "$d/evm2")"
	fi
	run "$CHECK" "$d/MANIFEST" "$d/ak.pub"
	expect_eq "$RC" 0 "$tag: MANIFEST verifies with ak.pub"
	expect_out '^kind evidence$' "$tag: manifest kind evidence"
	expect_out "^device-id $devid\$" "$tag: manifest device id"
	expect_out '^member pcrs.tpm2 [0-9]+ [0-9a-f]{64} application/vnd.dossier.tpm2-pcrs-serialized$' \
	    "$tag: pcrs.tpm2 media type"
	expect_out "^fact ima.quoted-entries=20\$" "$tag: fact ima.quoted-entries"
	run "$DOSSIER" inspect "$b"
	expect_out "challenge-id $CHID\$" "$tag: manifest challenge id (dossier inspect)"
}

# --- RSA EK (policy session), bundle to a file -----------------------------
enroll rsa
RSA_DEV=$(openssl dgst -sha256 -r e-rsa/ek.crt | cut -c1-64)
challenge rsa rsa.dchal
expect_eq "$RC" 0 "rsa: gen_challenge"
expect 0 "rsa: attest" "$COLLECT" attest --challenge rsa.dchal -o rsa.dossier \
    --state "$T/st-rsa" --ima-log ima.bin
expect_out "^device-id $RSA_DEV\$" "rsa: device id printed"
expect_out "^challenge-id $CHID\$" "rsa: challenge id printed"
expect_out '^bundle rsa.dossier$' "rsa: bundle path printed"
expect_out '^quotes 1$' "rsa: one quote was enough"
check_evidence rsa rsa.dossier ima.bin 0
transient_empty "rsa attest"

# --- ECC P-384 EK (password), from an archive, into a directory ----------
enroll ecc --ek ecc --ak ecc --ak-handle 0x81000003
ECC_DEV=$(openssl dgst -sha256 -r e-ecc/ek.crt | cut -c1-64)
challenge ecc ecc.dchal
challenge rsa rsa2.dchal
RSA2_NONCE=$NONCE
challenge ecc ecc.dchal
expect 0 "challenge archive" "$GENCH" --set set.tar rsa2.dchal ecc.dchal
mkdir -p bundles
expect 0 "ecc: attest from the archive into a directory" "$COLLECT" attest \
    --challenge set.tar -o bundles --state "$T/st-ecc" --ima-log ima24.bin
expect_out "^bundle bundles/$ECC_DEV-$CHID.dossier\$" "ecc: bundle named device-challenge"
check_evidence ecc "bundles/$ECC_DEV-$CHID.dossier" ima24.bin 4
transient_empty "ecc attest"
# The same archive as a directory of challenge files, for the RSA device.
mkdir -p spool && cp rsa2.dchal "spool/$RSA_DEV.dchal" && cp ecc.dchal "spool/$ECC_DEV.dchal"
NONCE=$RSA2_NONCE
expect 0 "rsa: attest from a spool directory" "$COLLECT" attest \
    --challenge spool -o rsa2.dossier --state "$T/st-rsa" --ima-log ima.bin
mkdir -p x-rsa2 && tar --zstd -xf rsa2.dossier -C x-rsa2
expect 0 "rsa: the spool answer passes tpm2_checkquote with its nonce" \
    tpm2_checkquote -u x-rsa2/ak.pub -m x-rsa2/quote.attest -s x-rsa2/quote.sig \
    -f x-rsa2/pcrs.tpm2 -g sha256 -q "$RSA2_NONCE"

# --- per-bank list: a challenge for ["ima", "ima-sha256"] ------------------
challenge rsa bank.dchal --logs ima,ima-sha256
expect 0 "bank: attest with --ima-log-bank sha256=FILE" "$COLLECT" attest \
    --challenge bank.dchal -o bank.dossier --state "$T/st-rsa" \
    --ima-log ima.bin --ima-log-bank sha256=ima256.bin
expect_eq "$(tar --zstd -tf bank.dossier | tr '\n' ' ')" \
    "MANIFEST ek.crt ek.pub ak.pub pcrs.bin pcrs.tpm2 quote.attest quote.sig ima.log ima-sha256.log " \
    "bank: both lists, ima.log first"
mkdir -p x-bank && tar --zstd -xf bank.dossier -C x-bank
expect 0 "bank: ima-sha256.log is the sha256 list read" cmp x-bank/ima-sha256.log ima256.bin
expect 0 "bank: ima.log is the classic list read" cmp x-bank/ima.log ima.bin
run "$CHECK" x-bank/MANIFEST x-bank/ak.pub
expect_eq "$RC" 0 "bank: MANIFEST verifies with ak.pub"
expect_out '^member ima.log [0-9]+ [0-9a-f]{64} application/vnd.dossier.ima-binary; digest=sha1; byteorder=little$' \
    "bank: ima.log media type digest=sha1"
expect_out '^member ima-sha256.log [0-9]+ [0-9a-f]{64} application/vnd.dossier.ima-binary; digest=sha256; byteorder=little$' \
    "bank: ima-sha256.log media type digest=sha256"
run "$DOSSIER" ima check --log-alg sha256 x-bank/ima-sha256.log --pcrs x-bank/pcrs.bin
expect_eq "$RC" 0 "bank: dossier ima check replays the sha256 list to the quote"
challenge rsa bank2.dchal --logs ima,ima-sha256
rm -f r.dossier
expect 2 "bank: --ima-log without --ima-log-bank refused" "$COLLECT" attest \
    --challenge bank2.dchal -o r.dossier --state "$T/st-rsa" --ima-log ima.bin
expect_err "asks for the log 'ima-sha256' and --ima-log names a file" \
    "bank: the message names the list and the option"
expect 2 "bank: a classic list given as the sha256 list refused" "$COLLECT" attest \
    --challenge bank2.dchal -o r.dossier --state "$T/st-rsa" \
    --ima-log ima.bin --ima-log-bank sha256=ima24.bin
expect_err "IMA log ima24.bin: entry 0 at offset 0" "bank: the unparsable list is named"
"$DOSSIER_TOOLS/gen_ima_log" -n 24 -t ima-ng -o ima24b.bin \
    --bank-list ima24-256.bin >/dev/null || not_ok "gen_ima_log 24 --bank-list"
expect 2 "bank: a longer sha256 list than ima.log refused" "$COLLECT" attest \
    --challenge bank2.dchal -o r.dossier --state "$T/st-rsa" \
    --ima-log ima.bin --ima-log-bank sha256=ima24-256.bin
expect_err "does not reach the quoted PCR 10 \\(5 quotes taken\\): ima24-256.bin has 24 entries, ima.bin 20" \
    "bank: the lists' entry counts differ, said"
[ ! -e r.dossier ] && ok "bank: no bundle" || not_ok "bank: no bundle"
expect 2 "bank: --ima-log-bank with an unknown algorithm" "$COLLECT" attest \
    --challenge bank2.dchal -o r.dossier --state "$T/st-rsa" \
    --ima-log ima.bin --ima-log-bank md5=ima256.bin

# --- refusals ---------------------------------------------------------------
# refused TAG STATE CHALLENGE MESSAGE-REGEX: exit 2, the message, no bundle.
refused() {
	rm -f r.dossier
	expect 2 "$1: refused" "$COLLECT" attest --challenge "$3" -o r.dossier \
	    --state "$T/st-$2" --ima-log ima.bin
	expect_err "$4" "$1: the message says why"
	[ ! -e r.dossier ] && ok "$1: no bundle" || not_ok "$1: no bundle"
}
challenge rsa foreign.dchal --key other.key
refused "another verifier's key" rsa foreign.dchal 'not accepted with the pinned verifier key'
challenge rsa expired.dchal --expires -60
refused "expired challenge" rsa expired.dchal 'expired at'
refused "only another device's challenge" rsa ecc.dchal "no challenge for device $RSA_DEV"
# A credential for the ECC device's AK, addressed to the RSA device.
run "$GENCH" --ek e-rsa/ek.pub --ak e-ecc/ak.pub --ek-cert e-rsa/ek.crt \
    --key verifier.key -o otherak.dchal
refused "another AK Name" rsa otherak.dchal 'is for AK Name [0-9a-f]+, this device.s AK is'
challenge rsa uefi.dchal --logs ima,uefi
if [ -e /sys/kernel/security/tpm0/binary_bios_measurements ]; then
	skip "uefi asked, no event log" "this host has a firmware event log"
else
	refused "uefi asked, no event log" rsa uefi.dchal \
	    "asks for the log 'uefi', and there is none at /sys/kernel/security/tpm0/binary_bios_measurements \\(no TPM event log from the firmware\\? give --uefi-log FILE\\)"
fi
rm -f r.dossier
expect 2 "uefi: --uefi-log naming a missing file refused" "$COLLECT" attest \
    --challenge uefi.dchal -o r.dossier --state "$T/st-rsa" --ima-log ima.bin \
    --uefi-log no-such.bin
expect_err "UEFI event log: no-such.bin: No such file" "uefi: the missing file is named"
: >empty.bin
expect 2 "uefi: an empty event log refused" "$COLLECT" attest \
    --challenge uefi.dchal -o r.dossier --state "$T/st-rsa" --ima-log ima.bin \
    --uefi-log empty.bin
expect_err "UEFI event log empty.bin is empty" "uefi: the empty log is named"
# --uefi-log FILE: carried verbatim as uefi.log, its media type the reserved one.
UEFI=$DOSSIER_TOP/testdata/uefi/event-arch-linux.bin
expect 0 "uefi: attest with --uefi-log" "$COLLECT" attest --challenge uefi.dchal \
    -o u.dossier --state "$T/st-rsa" --ima-log ima.bin --uefi-log "$UEFI"
mkdir -p x-uefi && tar --zstd -xf u.dossier -C x-uefi
cmp -s x-uefi/uefi.log "$UEFI" && ok "uefi: uefi.log is the file, byte for byte" ||
    not_ok "uefi: uefi.log is the file, byte for byte"
[ -e x-uefi/ima.log ] && ok "uefi: ima.log carried beside it" ||
    not_ok "uefi: ima.log carried beside it"
run "$DOSSIER" inspect u.dossier
expect_out "uefi.log.*application/vnd.dossier.tcg-pfp-log" \
    "uefi: the member's media type is application/vnd.dossier.tcg-pfp-log"
if command -v tpm2_eventlog >/dev/null 2>&1; then
	expect 0 "uefi: tpm2_eventlog reads the extracted member" tpm2_eventlog \
	    x-uefi/uefi.log
else
	skip "uefi: tpm2_eventlog reads the extracted member" "no tpm2_eventlog"
fi
refused "no state" none rsa.dchal 'no device state'
chmod 770 "$T/st-rsa"
refused "a state directory writable by its group" rsa rsa.dchal 'writable by group or others'
chmod 700 "$T/st-rsa"
transient_empty "after the refusals"

# PCR 10 moved past the log: no prefix reaches, retried, then refused.
tpm2_pcrextend "10:sha256=$(printf x | openssl dgst -sha256 -r | cut -c1-64)" \
    >/dev/null 2>&1 || not_ok "tpm2_pcrextend"
challenge rsa moved.dchal
refused "PCR 10 beyond the log" rsa moved.dchal \
    'does not reach the quoted PCR 10 \(5 quotes taken\)'
transient_empty "after the retries"
done_testing
