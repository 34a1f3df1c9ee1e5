#!/usr/bin/env bash
# dossier-collect enroll on a fresh swtpm, for the RSA EK (low range, swtpm's
# persistent 0x81010001) and the P-384 ECC EK (high range, 0x81010016): the
# bundle's members are checked with independent tools (GNU tar + zstd,
# openssl, tpm2_pcrread, tpm2_activatecredential) and the MANIFEST with
# manifest_file_verify (build/tools/check_manifest).
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_nvread tpm2_pcrread tpm2_pcrextend tpm2_getcap tpm2_activatecredential \
    tpm2_startauthsession tpm2_policysecret tpm2_flushcontext openssl tar zstd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
CHECK=$DOSSIER_TOOLS/check_manifest
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1

openssl ecparam -name prime256v1 -genkey -noout -out verifier.key 2>/dev/null &&
    openssl ec -in verifier.key -pubout -out verifier.pem 2>/dev/null ||
    not_ok "verifier key"
"$DOSSIER_TOOLS/gen_ima_log" -n 50 -t mixed -o ima.bin >/dev/null ||
    not_ok "gen_ima_log"
tpm2_pcrextend "10:sha256=$(printf x | openssl dgst -sha256 -r | cut -c1-64)" \
    >/dev/null 2>&1 || not_ok "tpm2_pcrextend"
SECRET=00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef

# outval KEY: the value of "KEY value" in the last run's stdout.
outval() { sed -n "s/^$1 //p" "$T/out"; }

# transient_empty NAME: no transient object or session is left in the TPM.
transient_empty() {
	local t s
	t=$(tpm2_getcap handles-transient 2>&1)
	s=$(tpm2_getcap handles-loaded-session 2>&1)$(tpm2_getcap handles-saved-session 2>&1)
	expect_eq "$t$s" "" "$1: no transient objects or sessions left"
}

# check_bundle TAG BUNDLE CERT EKHANDLE AKHANDLE POLICY: the members of an
# enrollment bundle. POLICY is "policy" for a low-range EK.
check_bundle() {
	local tag=$1 b=$2 cert=$3 ekh=$4 akh=$5 pol=$6 d=$T/x-$1 devid akname
	devid=$(outval device-id)
	akname=$(outval ak-name)
	mkdir -p "$d"
	expect 0 "$tag: GNU tar extracts the bundle" tar --zstd -xf "$b" -C "$d"
	expect_eq "$(tar --zstd -tf "$b" | tr '\n' ' ')" \
	    "MANIFEST ek.crt ek.pub ak.pub pcrs.bin ima.log " "$tag: member order"
	expect 0 "$tag: ek.crt is the certificate in NV" cmp "$d/ek.crt" "$cert"
	expect_eq "$(openssl dgst -sha256 -r "$d/ek.crt" | cut -c1-64)" "$devid" \
	    "$tag: device id is SHA-256 of ek.crt"
	expect 0 "$tag: ek.crt chains to the swtpm CA" "$DOSSIER" ekcert check \
	    --roots "$SWTPM_CA_ROOT" --intermediates "$SWTPM_CA_INTERMEDIATE" \
	    "$d/ek.crt"
	# ek.pub holds the certificate's key.
	openssl x509 -inform DER -in "$d/ek.crt" -pubkey -noout >"$d/cert-key.pem"
	run "$DOSSIER" credential make --ek "$d/ek.pub" --ak "$d/ak.pub" \
	    --secret "$SECRET" -o "$d/cred.bin"
	expect_eq "$RC" 0 "$tag: credential make accepts ek.pub and ak.pub"
	expect_eq "$(outval ak-name)" "$akname" "$tag: ak.pub has the AK Name printed"
	expect 0 "$tag: credential make with the EK from the certificate" \
	    "$DOSSIER" credential make --ek "$d/cert-key.pem" --ak "$d/ak.pub" \
	    --secret "$SECRET" -o "$d/cred2.bin"
	rm -f "$d/got.bin"
	if [ "$pol" = policy ]; then
		tpm2_startauthsession --policy-session -S "$d/s.ctx" >/dev/null 2>&1 &&
		    tpm2_policysecret -S "$d/s.ctx" -c e >/dev/null 2>&1
		run tpm2_activatecredential -c "$akh" -C "$ekh" -i "$d/cred.bin" \
		    -o "$d/got.bin" -P "session:$d/s.ctx"
		tpm2_flushcontext "$d/s.ctx" >/dev/null 2>&1
	else
		run tpm2_activatecredential -c "$akh" -C "$ekh" -i "$d/cred.bin" \
		    -o "$d/got.bin"
	fi
	expect_eq "$RC:$(xxd -p -c 64 "$d/got.bin" 2>/dev/null)" "0:$SECRET" \
	    "$tag: tpm2_activatecredential with the persisted EK and AK recovers the secret"
	# pcrs.bin: marshaled, and the values tpm2_pcrread shows.
	run "$CHECK" --pcrs "$d/pcrs.bin"
	expect_eq "$(head -n1 "$T/err")" "format tpm2-tools marshaled" "$tag: pcrs.bin is marshaled"
	sort "$T/out" >"$d/pcrs.txt"
	tpm2_pcrread sha1:all+sha256:all 2>/dev/null | awk '
	    /^ *sha1:/ { b = "sha1"; next } /^ *sha256:/ { b = "sha256"; next }
	    /:/ { gsub(/ /, ""); split($0, a, ":"); v = tolower(substr(a[2], 3));
	          print b, a[1], v }' | sort >"$d/pcrread.txt"
	expect_eq "$(wc -l <"$d/pcrs.txt")" 48 "$tag: pcrs.bin has 24 PCRs of both banks"
	expect 0 "$tag: pcrs.bin equals tpm2_pcrread" cmp "$d/pcrs.txt" "$d/pcrread.txt"
	expect 0 "$tag: ima.log is the input byte for byte" cmp "$d/ima.log" ima.bin
	# The MANIFEST verifies against ak.pub and says what the output said.
	run "$CHECK" "$d/MANIFEST" "$d/ak.pub"
	expect_eq "$RC" 0 "$tag: MANIFEST verifies with ak.pub"
	expect_out '^kind enrollment$' "$tag: manifest kind enrollment"
	expect_out "^device-id $devid\$" "$tag: manifest device id"
	expect_out "^ak-name $akname\$" "$tag: manifest AK Name"
	expect_out '^ak-location ek-child 000[bc]' "$tag: AK is the EK's child"
	expect_out '^member ima.log [0-9]+ [0-9a-f]{64} application/vnd.dossier.ima-binary; digest=sha1; byteorder=little$' \
	    "$tag: IMA media type with digest and byte order"
	expect_out '^fact ima.entries=50$' "$tag: fact ima.entries"
	expect_out "^fact kernel.release=$(uname -r)\$" "$tag: fact kernel.release"
	expect_out "^fact host.name=$(hostname)\$" "$tag: fact host.name"
	if [ -r /etc/machine-id ]; then
		expect_out "^fact host.machine-id=$(cat /etc/machine-id)\$" \
		    "$tag: fact host.machine-id"
	fi
	# Another AK does not verify it.
	run "$CHECK" "$d/MANIFEST" "$d/ek.pub"
	expect_eq "$RC" 1 "$tag: MANIFEST is not accepted with another key (ek.pub)"
}

# --- RSA EK (auto): swtpm's persistent EK at 0x81010001 is reused ----------
expect 0 "rsa: enroll" "$COLLECT" enroll -o rsa.dossier --state "$T/st-rsa" \
    --verifier-key verifier.pem --ima-log ima.bin
expect_out '^ek-type rsa2048$' "rsa: EK type printed"
expect_out '^ek-handle 0x81010001$' "rsa: EK handle printed"
expect_out '^ak-handle 0x81000002$' "rsa: AK handle printed"
expect_out '^bundle rsa.dossier$' "rsa: bundle path printed"
expect_out '^ak-reused no$' "rsa: a new AK"
RSA_AK=$(outval ak-name)
check_bundle rsa rsa.dossier "$SWTPM_EK_CERT_RSA" 0x81010001 0x81000002 policy
transient_empty rsa
expect_eq "$(stat -c %a "$T/st-rsa")" 700 "rsa: state directory mode 0700"
expect_eq "$(sed -n 's/^verifier-id=//p' "$T/st-rsa/state")" \
    "$(openssl pkey -pubin -in verifier.pem -outform DER | openssl dgst -sha256 -r | cut -c1-64)" \
    "rsa: verifier id is SHA-256 of the SPKI DER"
expect 0 "rsa: state keeps the verifier key" cmp "$T/st-rsa/verifier.pem" verifier.pem

# A second enroll reuses the AK (and the pinned key: no --verifier-key).
expect 0 "rsa: second enroll" "$COLLECT" enroll -o rsa2.dossier \
    --state "$T/st-rsa" --ima-log ima.bin
expect_out '^ak-reused yes$' "rsa: second enroll reuses the AK"
expect_eq "$(outval ak-name)" "$RSA_AK" "rsa: same AK Name"
transient_empty "rsa second enroll"

# --- ECC P-384 EK: 0x81010001 holds the RSA EK, so swtpm's 0x81010016 is used
expect 2 "ecc: AK handle taken by the RSA EK's AK is refused" \
    "$COLLECT" enroll -o ecc.dossier --state "$T/st-ecc" \
    --verifier-key verifier.pem --ek ecc --ima-log ima.bin
expect_err 'handle 0x81000002 holds a key that is not an AK of this EK' \
    "ecc: the message names the handle"
expect 0 "ecc: enroll" "$COLLECT" enroll -o ecc.dossier --state "$T/st-ecc" \
    --verifier-key verifier.pem --ek ecc --ak ecc --ak-handle 0x81000003 \
    --ima-log ima.bin
expect_out '^ek-type ecc384h$' "ecc: EK type printed"
expect_out '^ek-handle 0x81010016$' "ecc: swtpm's persistent P-384 EK is used"
check_bundle ecc ecc.dossier "$SWTPM_EK_CERT_ECC" 0x81010016 0x81000003 none
transient_empty ecc
expect 2 "ecc: --ek-handle holding another EK is refused" \
    "$COLLECT" enroll -o x.dossier --state "$T/st-x" --verifier-key verifier.pem \
    --ek ecc --ek-handle 0x81010001 --ak-handle 0x81000004 --ima-log ima.bin
expect_err 'handle 0x81010001 holds a key that is not an EK of TCG EK template H-3' \
    "ecc: the message names the EK handle and template"

# --- --no-persist: AK blobs in the state dir, reloaded next time ---------
expect 0 "no-persist: enroll" "$COLLECT" enroll -o np.dossier --no-persist \
    --state "$T/st-np" --verifier-key verifier.pem --ima-log ima.bin
expect_out '^ak-handle none$' "no-persist: no AK handle"
NP_AK=$(outval ak-name)
[ -s "$T/st-np/ak.priv" ] && ok "no-persist: ak.priv kept" || not_ok "no-persist: ak.priv kept"
expect 0 "no-persist: second enroll" "$COLLECT" enroll -o np2.dossier \
    --no-persist --state "$T/st-np" --ima-log ima.bin
expect_out '^ak-reused yes$' "no-persist: AK loaded from its blobs"
expect_eq "$(outval ak-name)" "$NP_AK" "no-persist: same AK Name"
transient_empty no-persist
run tpm2_getcap handles-persistent
expect_eq "$(tr -d '\n' <"$T/out")" "- 0x81000002- 0x81000003- 0x81010001- 0x81010016" \
    "no-persist made nothing persistent"

# --- refusals ---------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
    openssl pkey -pubout -out rsa.pem 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null |
    openssl ec -pubout -out p384.pem 2>/dev/null
printf 'garbage\n' >garbage.pem
expect 2 "an RSA verifier key is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-bad" --verifier-key rsa.pem --ima-log ima.bin
expect_err 'verifier-key rsa.pem: not an ECC key' "RSA key: the message says why"
expect 2 "a P-384 verifier key is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-bad" --verifier-key p384.pem --ima-log ima.bin
expect_err 'curve secp384r1' "P-384 key: the message names the curve"
expect 2 "a garbage verifier key is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-bad" --verifier-key garbage.pem --ima-log ima.bin
expect_err 'not a PEM public key' "garbage key: the message says why"
expect 2 "no verifier key on a first enroll is refused" "$COLLECT" enroll \
    -o r.dossier --state "$T/st-bad" --ima-log ima.bin
expect_err 'no verifier key pinned' "missing key: the message says so"
[ ! -e r.dossier ] && ok "no bundle after a refusal" || not_ok "no bundle after a refusal"

# A malformed log: the PCR index of entry 3 made 99.
cp ima.bin bad.bin
off=0
for i in 0 1 2; do
	nl=$(od -An -tu4 -j $((off + 24)) -N4 bad.bin | tr -d ' ')
	dl=$(od -An -tu4 -j $((off + 28 + nl)) -N4 bad.bin | tr -d ' ')
	off=$((off + 32 + nl + dl))
done
printf '\143' | dd of=bad.bin bs=1 seek="$off" conv=notrunc 2>/dev/null
expect 2 "a malformed IMA log is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-rsa" --ima-log bad.bin
expect_err 'IMA log bad.bin: .*entry 3' "malformed log: the message names the entry"
head -c 100 ima.bin >short.bin
expect 2 "a truncated IMA log is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-rsa" --ima-log short.bin
expect 2 "a missing --ima-log is refused" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-rsa" --ima-log nonexistent.bin
expect_err 'nonexistent.bin' "missing log: the message names the file"
chmod 770 "$T/st-rsa"
expect 2 "a state directory writable by its group is refused" "$COLLECT" enroll \
    -o r.dossier --state "$T/st-rsa" --ima-log ima.bin
expect_err 'writable by group or others' "open state dir: the message says why"
chmod 700 "$T/st-rsa"
sed -i 's/^ak-name=00/ak-name=01/' "$T/st-rsa/state"
expect 2 "a state whose ak.pub does not match is refused" "$COLLECT" enroll \
    -o r.dossier --state "$T/st-rsa" --ima-log ima.bin
expect_err 'does not have the ak-name' "damaged state: the message says why"
expect 2 "a TPM that is not there" "$COLLECT" enroll -o r.dossier \
    --state "$T/st-np" --tcti "swtpm:host=127.0.0.1,port=1" --ima-log ima.bin
expect_err 'swtpm:host=127.0.0.1,port=1' "no TPM: the message names the TCTI"
transient_empty "after the refusals"
done_testing
