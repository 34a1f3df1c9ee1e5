#!/usr/bin/env bash
# dossier credential make against a real (software) TPM with ECC EKs: the
# P-384 EK swtpm 0.7 certifies (high-range template: SHA-384 nameAlg,
# AES-256-CFB, userWithAuth, so an empty password authorises it) and a P-256
# EK from the low-range template L-2 (policy session). Our credentials are
# recovered by tpm2_activatecredential; one for another Name is not.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup tpm2_createek tpm2_createak tpm2_activatecredential \
    tpm2_makecredential tpm2_print openssl xxd
swtpm_up || { not_ok "swtpm_up" "could not start swtpm"; exit 1; }
cd "$T" || exit 1

# 48 bytes: the longest secret a SHA-384 EK carries.
SECRET48=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f
SECRET=0badc0ffee

# tpm2 CMD...: a tpm2-tools command, then flush what it left loaded (swtpm
# has three transient slots and no resource manager).
tpm2() {
	"$@" >>"$T/tpm2.log" 2>&1
	local rc=$?
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}

# activate DIR CRED OUT: TPM2_ActivateCredential with AK DIR/ak.ctx under
# EK DIR/ek.ctx; a high-range EK takes the empty password, a low-range one
# the PolicySecret(endorsement) session.
activate() {
	local d=$1 rc auth=""
	if [ -e "$d/lowrange" ]; then
		tpm2_startauthsession --policy-session -S s.ctx >/dev/null 2>&1 &&
		    tpm2_policysecret -S s.ctx -c e >/dev/null 2>&1 || return 9
		auth="session:s.ctx"
	fi
	tpm2_activatecredential -c "$d/ak.ctx" -C "$d/ek.ctx" -i "$2" -o "$3" \
	    -P "$auth" >"$T/act.out" 2>"$T/act.err"
	rc=$?
	[ -n "$auth" ] && tpm2_flushcontext s.ctx >/dev/null 2>&1
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}

# expect_activates NAME DIR CRED HEX: the TPM recovers exactly HEX.
expect_activates() {
	rm -f got.bin
	if activate "$2" "$3" got.bin; then
		expect_eq "$(xxd -p -c 256 got.bin)" "$4" "$1"
	else
		not_ok "$1" "activation failed: $(tr '\n' '|' <"$T/act.err" | head -c 400)"
	fi
}

# --- P-384, high-range template (the EK swtpm certifies) -------------------
mkdir h
tpm2 tpm2_createek -G ecc384 -u h/ek.pub -c h/ek.ctx &&
tpm2 tpm2_readpublic -c h/ek.ctx -f pem -o h/ek.pem &&
tpm2 tpm2_createak -C h/ek.ctx -c h/ak.ctx -G ecc256 -g sha256 -s ecdsa \
    -u h/ak.pub -n h/ak.name || { not_ok "P-384 setup" "$(tail -n 5 "$T/tpm2.log" | tr '\n' '|')"; exit 1; }
tpm2_print -t TPM2B_PUBLIC h/ek.pub >h/ek.txt 2>&1
grep -A1 '^name-alg:' h/ek.txt | grep -q 'sha384' && grep -q '^sym-keybits: 256' h/ek.txt &&
    grep -A2 '^attributes:' h/ek.txt | grep -q 'raw: 0x300f2' &&
    ok "tpm2_createek -G ecc384 gives the high-range template (SHA-384, AES-256, 0x300f2)" ||
    not_ok "tpm2_createek -G ecc384 gives the high-range template" "$(tr '\n' '|' <h/ek.txt | head -c 400)"
# The EK is the one swtpm certified: same public key as the NV certificate.
openssl x509 -inform DER -in "$SWTPM_EK_CERT_ECC" -noout -pubkey >h/cert-ek.pem 2>/dev/null
expect_eq "$(openssl pkey -pubin -in h/ek.pem -outform DER 2>/dev/null | xxd -p | tr -d '\n')" \
    "$(openssl pkey -pubin -in h/cert-ek.pem -outform DER 2>/dev/null | xxd -p | tr -d '\n')" \
    "the P-384 EK is the key of swtpm's ECC EK certificate"
AKNAME=$(xxd -p -c 256 h/ak.name)

expect 0 "make for the P-384 EK with a 48-byte secret" \
    "$DOSSIER" credential make --ek h/ek.pub --ak h/ak.pub --secret "$SECRET48" -o h/cred.bin
expect_out '^ek-type ecc384$' "EK type ecc384"
expect_out "^ak-name $AKNAME\$" "AK Name printed equals tpm2_createak -n"
expect_activates "P-384: tpm2_activatecredential recovers the secret" h h/cred.bin "$SECRET48"

expect 0 "P-384: make with --ak-name" \
    "$DOSSIER" credential make --ek h/ek.pub --ak-name "$AKNAME" --secret "$SECRET" -o h/cred-name.bin
expect_activates "P-384: credential from the Name activates" h h/cred-name.bin "$SECRET"

expect 0 "P-384: make with the EK as PEM" \
    "$DOSSIER" credential make --ek h/ek.pem --ak h/ak.pub --secret "$SECRET" -o h/cred-pem.bin
expect_err 'assuming TCG EK high-range template \(ECC NIST P-384, SHA-384, AES-256-CFB\)' \
    "P-384 PEM EK: the assumed template is named"
expect_activates "P-384: credential from the PEM EK activates" h h/cred-pem.bin "$SECRET"
expect 0 "P-384: make with the EK certificate's public key" \
    "$DOSSIER" credential make --ek h/cert-ek.pem --ak h/ak.pub --secret "$SECRET" -o h/cred-cert.bin
expect_activates "P-384: credential for the certified key activates" h h/cred-cert.bin "$SECRET"

expect 2 "P-384: a 49-byte secret is refused" \
    "$DOSSIER" credential make --ek h/ek.pub --ak h/ak.pub --secret "${SECRET48}00" -o h/long.bin
expect_err 'longer than 48 bytes' "P-384: the limit is named"

OTHER=${AKNAME:0:10}$(printf '%s' "${AKNAME:10:2}" | tr '0-9a-f' '1-9a-f0')${AKNAME:12}
expect 0 "P-384: make for another AK Name" \
    "$DOSSIER" credential make --ek h/ek.pub --ak-name "$OTHER" --secret "$SECRET" -o h/cred-other.bin
if activate h h/cred-other.bin h/got-other.bin; then
	not_ok "P-384: credential for another Name is refused" "activation succeeded"
elif grep -qi 'integrity' "$T/act.err"; then
	ok "P-384: credential for another Name fails with TPM_RC_INTEGRITY"
else
	not_ok "P-384: another Name fails with integrity" "$(tr '\n' '|' <"$T/act.err" | head -c 400)"
fi

printf '%s' "$SECRET" | xxd -r -p >secret.bin
if tpm2_makecredential -T none -u h/ek.pub -s secret.bin -n "$AKNAME" \
    -o h/cred-tools.bin >/dev/null 2>&1; then
	expect_eq "$(head -c 12 h/cred-name.bin | xxd -p)" "$(head -c 12 h/cred-tools.bin | xxd -p)" \
	    "P-384: header and HMAC size match tpm2_makecredential's file"
	expect_activates "P-384: tpm2_makecredential's credential activates too" h h/cred-tools.bin "$SECRET"
else
	not_ok "P-384: tpm2_makecredential -T none" "failed"
fi

# --- P-256, low-range template L-2 (policy session) -------------------------
mkdir l && touch l/lowrange
tpm2 tpm2_createek -G ecc256 -u l/ek.pub -c l/ek.ctx &&
tpm2 tpm2_readpublic -c l/ek.ctx -f pem -o l/ek.pem &&
tpm2 tpm2_createak -C l/ek.ctx -c l/ak.ctx -G ecc256 -g sha256 -s ecdsa \
    -u l/ak.pub -n l/ak.name || { not_ok "P-256 setup" "$(tail -n 5 "$T/tpm2.log" | tr '\n' '|')"; exit 1; }
AKNAME=$(xxd -p -c 256 l/ak.name)
expect 2 "P-256: a 48-byte secret is refused for a SHA-256 EK" \
    "$DOSSIER" credential make --ek l/ek.pub --ak l/ak.pub --secret "$SECRET48" -o l/long.bin
expect 0 "P-256: make with a 32-byte secret" \
    "$DOSSIER" credential make --ek l/ek.pub --ak l/ak.pub --secret "${SECRET48:0:64}" -o l/cred.bin
expect_out '^ek-type ecc256$' "EK type ecc256"
expect_activates "P-256: tpm2_activatecredential recovers the secret" l l/cred.bin "${SECRET48:0:64}"
expect 0 "P-256: make with the EK as PEM" \
    "$DOSSIER" credential make --ek l/ek.pem --ak l/ak.pub --secret "$SECRET" -o l/cred-pem.bin
expect_err 'assuming TCG EK template L-2 \(ECC NIST P-256, SHA-256, AES-128-CFB\)' \
    "P-256 PEM EK: the assumed template is named"
expect_activates "P-256: credential from the PEM EK activates" l l/cred-pem.bin "$SECRET"
done_testing
