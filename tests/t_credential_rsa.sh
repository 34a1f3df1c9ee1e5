#!/usr/bin/env bash
# dossier credential make against a real (software) TPM: an RSA-2048 EK from
# the low-range template L-1 and an AK under it; our credential is recovered
# by tpm2_activatecredential, a credential for another Name is not, and a
# bad AK or EK is refused before anything is issued.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup tpm2_createek tpm2_createak tpm2_activatecredential \
    tpm2_makecredential openssl xxd
swtpm_up || { not_ok "swtpm_up" "could not start swtpm"; exit 1; }
cd "$T" || exit 1

SECRET=00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef

# activate CRED OUT: TPM2_ActivateCredential with the low-range EK's policy
# (PolicySecret on the endorsement hierarchy).
activate() {
	local rc
	tpm2_startauthsession --policy-session -S s.ctx >/dev/null 2>&1 &&
	    tpm2_policysecret -S s.ctx -c e >/dev/null 2>&1 || return 9
	tpm2_activatecredential -c ak.ctx -C ek.ctx -i "$1" -o "$2" \
	    -P "session:s.ctx" >"$T/act.out" 2>"$T/act.err"
	rc=$?
	tpm2_flushcontext s.ctx >/dev/null 2>&1
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}

# expect_activates NAME CRED: the TPM recovers exactly $SECRET.
expect_activates() {
	rm -f got.bin
	if activate "$2" got.bin; then
		expect_eq "$(xxd -p -c 256 got.bin)" "$SECRET" "$1"
	else
		not_ok "$1" "activation failed: $(tr '\n' '|' <"$T/act.err" | head -c 400)"
	fi
}

# tpm2 CMD...: a tpm2-tools command, then flush what it left loaded (swtpm
# has three transient slots and no resource manager).
tpm2() {
	"$@" >>"$T/tpm2.log" 2>&1
	local rc=$?
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}
tpm2 tpm2_createek -G rsa -u ek.pub -c ek.ctx &&
tpm2 tpm2_readpublic -c ek.ctx -f pem -o ek.pem &&
tpm2 tpm2_createak -C ek.ctx -c ak.ctx -G rsa -g sha256 -s rsassa -u ak.pub \
    -n ak.name || { not_ok "tpm2 setup" "$(tail -n 5 "$T/tpm2.log" | tr '\n' '|')"; exit 1; }
AKNAME=$(xxd -p -c 256 ak.name)

expect 0 "make for the RSA EK and AK (TPM2B_PUBLIC)" \
    "$DOSSIER" credential make --ek ek.pub --ak ak.pub --secret "$SECRET" -o cred.bin
expect_out '^ok credential\.ek-attributes$' "EK attributes hold"
expect_out '^ok credential\.ak-attributes$' "AK attributes hold"
expect_out '^ek-type rsa2048$' "EK type printed"
expect_out "^ak-name $AKNAME\$" "AK Name printed equals tpm2_createak -n"
expect_activates "tpm2_activatecredential recovers the secret" cred.bin

expect 0 "make with --ak-name" \
    "$DOSSIER" credential make --ek ek.pub --ak-name "$AKNAME" --secret "$SECRET" -o cred-name.bin
expect_err 'attributes cannot be checked' "--ak-name says the AK is unchecked"
expect_out '^SKIP credential\.ak-attributes' "--ak-name gives a SKIP line"
expect_activates "credential made from the Name activates" cred-name.bin

expect 0 "make with the EK as PEM" \
    "$DOSSIER" credential make --ek ek.pem --ak ak.pub --secret "$SECRET" -o cred-pem.bin
expect_err 'EK given as a SubjectPublicKeyInfo: assuming TCG EK template L-1 \(RSA-2048, SHA-256, AES-128-CFB\)' \
    "PEM EK: the assumed template is named"
expect_activates "credential made from the PEM EK activates" cred-pem.bin

openssl pkey -pubin -in ek.pem -outform DER -out ek.der 2>/dev/null
tail -c +3 ek.pub >ek.tpmt
tail -c +3 ak.pub >ak.tpmt
expect 0 "make with a DER EK and bare TPMT_PUBLIC AK" \
    "$DOSSIER" credential make --ek ek.der --ak ak.tpmt --secret "$SECRET" -o cred-der.bin
expect_activates "credential made from DER EK / TPMT_PUBLIC AK activates" cred-der.bin
expect 0 "make with a bare TPMT_PUBLIC EK" \
    "$DOSSIER" credential make --ek ek.tpmt --ak ak.pub --secret "$SECRET" -o cred-tpmt.bin

# -o -: the credential on standard output, the report on standard error.
expect 0 "make with -o - (standard output)" \
    "$DOSSIER" credential make --ek ek.pub --ak ak.pub --secret "$SECRET" -o -
cp "$T/out" cred-stdout.bin
expect_err '^ok credential\.ak-attributes$' "-o -: the check lines go to stderr"
expect_activates "-o -: the credential on stdout activates" cred-stdout.bin

# Our file has the layout tpm2_makecredential writes: same header, same
# TPM2B sizes, same HMAC size.
printf '%s' "$SECRET" | xxd -r -p >secret.bin
if tpm2_makecredential -T none -u ek.pub -s secret.bin -n "$AKNAME" \
    -o cred-tools.bin >/dev/null 2>&1; then
	expect_eq "$(head -c 12 cred.bin | xxd -p)" "$(head -c 12 cred-tools.bin | xxd -p)" \
	    "header and sizes match tpm2_makecredential's file"
	expect_eq "$(stat -c %s cred.bin)" "$(stat -c %s cred-tools.bin)" \
	    "file size matches tpm2_makecredential's"
	expect_activates "tpm2_makecredential's credential activates too" cred-tools.bin
else
	not_ok "tpm2_makecredential -T none" "failed"
fi

# Another Name: the TPM's integrity check fails.
OTHER=${AKNAME:0:10}$(printf '%s' "${AKNAME:10:2}" | tr '0-9a-f' '1-9a-f0')${AKNAME:12}
expect 0 "make for another AK Name" \
    "$DOSSIER" credential make --ek ek.pub --ak-name "$OTHER" --secret "$SECRET" -o cred-other.bin
if activate cred-other.bin got-other.bin; then
	not_ok "credential for another Name is refused by the TPM" "activation succeeded"
elif grep -qi 'integrity' "$T/act.err"; then
	ok "credential for another Name fails activation with TPM_RC_INTEGRITY"
else
	not_ok "credential for another Name fails with integrity" "$(tr '\n' '|' <"$T/act.err" | head -c 400)"
fi

expect 2 "a 33-byte secret is refused" \
    "$DOSSIER" credential make --ek ek.pub --ak ak.pub --secret "${SECRET}00" -o long.bin
expect_err 'longer than 32 bytes' "the limit is named"
[ ! -e long.bin ] && ok "nothing written for a refused secret" || not_ok "nothing written for a refused secret"

# An AK without restricted: objectAttributes (bytes 6..9 of TPM2B_PUBLIC)
# 0x00050072 -> 0x00040072.
attrs=$(xxd -p -s 6 -l 4 ak.pub)
expect_eq "$attrs" "00050072" "tpm2_createak made the default AK attributes"
{ head -c 6 ak.pub; printf '\x00\x04\x00\x72'; tail -c +11 ak.pub; } >ak-unrestricted.pub
expect 1 "an unrestricted AK is refused" \
    "$DOSSIER" credential make --ek ek.pub --ak ak-unrestricted.pub --secret "$SECRET" -o bad.bin
expect_out '^FAIL credential\.ak-attributes: .*restricted not set' "FAIL credential.ak-attributes names restricted"
[ ! -e bad.bin ] && ok "no credential for a bad AK" || not_ok "no credential for a bad AK"
{ head -c 6 ak.pub; printf '\x00\x06\x00\x72'; tail -c +11 ak.pub; } >ak-decrypt.pub
expect 1 "an AK that can decrypt is refused" \
    "$DOSSIER" credential make --ek ek.pub --ak ak-decrypt.pub --secret "$SECRET" -o bad.bin
expect_out '^FAIL credential\.ak-attributes: .*decrypt set' "FAIL names decrypt"

expect 1 "an AK given as the EK is refused" \
    "$DOSSIER" credential make --ek ak.pub --ak ak.pub --secret "$SECRET" -o bad.bin
expect_out '^FAIL credential\.ek-attributes' "FAIL credential.ek-attributes"
expect_out '^ok credential\.ak-attributes' "the AK is still checked and reported"

expect 2 "an AK as SPKI is refused" \
    "$DOSSIER" credential make --ek ek.pub --ak ek.pem --secret "$SECRET" -o bad.bin
expect 2 "a malformed --ak-name is refused" \
    "$DOSSIER" credential make --ek ek.pub --ak-name 000b1234 --secret "$SECRET" -o bad.bin
expect 2 "a missing EK file is an I/O error" \
    "$DOSSIER" credential make --ek nonexistent.pub --ak ak.pub --secret "$SECRET" -o bad.bin
expect_err 'nonexistent.pub' "the missing file is named"
expect 2 "--ak and --ak-name together are a usage error" \
    "$DOSSIER" credential make --ek ek.pub --ak ak.pub --ak-name "$AKNAME" --secret 00 -o bad.bin
expect 2 "odd hex secret is a usage error" \
    "$DOSSIER" credential make --ek ek.pub --ak ak.pub --secret 001 -o bad.bin
expect 2 "unknown subcommand" "$DOSSIER" credential frobnicate
done_testing
