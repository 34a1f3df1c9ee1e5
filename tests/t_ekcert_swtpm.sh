#!/usr/bin/env bash
# t_ekcert_swtpm.sh - dossier ekcert check on the EK certificates a freshly
# provisioned swtpm holds in NV (made by swtpm_localca): both chain to the
# local root via its intermediate, also when read straight out of NV with
# tpm2_nvread and when stored with padding in a larger NV index; against a
# different CA they fail.
. "$DOSSIER_TOP/tests/lib.sh"
need swtpm swtpm_setup swtpm_ioctl certtool tpm2_nvread tpm2_nvdefine \
	tpm2_nvwrite tpm2_nvundefine openssl sha256sum
. "$DOSSIER_TOP/tests/swtpm.sh"

if ! swtpm_up 2>"$T/swtpm-up.err"; then
	not_ok "swtpm_up" "$(tr '\n' '|' <"$T/swtpm-up.err")"
	exit 1
fi

field() { sed -n "s/^$1 //p" "$T/out"; }

expect 0 "swtpm rsa EK cert chains to the local root via the intermediate" \
	"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	--intermediates "$SWTPM_CA_INTERMEDIATE" "$SWTPM_EK_CERT_RSA"
expect_out "^ok ekcert.chain 3 certificates to 'CN = swtpm-localca-rootca'$" "rsa: anchor is the local root"
expect_out '^ok ekcert.validity .* to 9999-12-31T23:59:59Z \(no well-defined expiration\)' \
	"rsa: notAfter 99991231235959Z is normal"
expect_out '^ok ekcert.key-usage keyEncipherment$' "rsa: keyEncipherment"
expect_eq "$(field key)" "rsa 2048" "rsa: key"
expect_eq "$(field tpm-model)" "swtpm" "rsa: model from the SAN"
expect_eq "$(field sha256)" "$(sha256sum <"$SWTPM_EK_CERT_RSA" | cut -d' ' -f1)" "rsa: fingerprint"

expect 0 "swtpm ecc EK cert chains to the local root via the intermediate" \
	"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	--intermediates "$SWTPM_CA_INTERMEDIATE" "$SWTPM_EK_CERT_ECC"
expect_out '^ok ekcert.key-usage keyAgreement$' "ecc: keyAgreement"
expect_eq "$(field key)" "ecc nist-p384" "ecc: P-384 key"

# Straight out of NV, as a user would: tpm2_nvread writes the whole index.
tpm2_nvread -C o -o "$T/nv-rsa.bin" 0x01c00002 >/dev/null 2>"$T/nvread.err"
expect 0 "rsa EK cert read with tpm2_nvread 0x01c00002" \
	"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	--intermediates "$SWTPM_CA_INTERMEDIATE" "$T/nv-rsa.bin"
expect_out '^ok ekcert.parse der, [0-9]+ bytes' "nvread: parsed"
expect_out '^ok ekcert.chain 3 certificates' "nvread: chain"

# The same certificate in a larger owner NV index, 0xFF-padded the way
# vendors fill theirs; read back whole and checked from standard input.
size=$(( $(wc -c <"$SWTPM_EK_CERT_RSA") + 300 ))
{ cat "$SWTPM_EK_CERT_RSA"; head -c 300 /dev/zero | tr '\0' '\377'; } >"$T/padded.bin"
if tpm2_nvdefine -C o -s "$size" -a "ownerread|ownerwrite" 0x01500100 >/dev/null 2>"$T/nv.err" &&
   tpm2_nvwrite -C o -i "$T/padded.bin" 0x01500100 2>>"$T/nv.err" &&
   tpm2_nvread -C o -o "$T/nv-padded.bin" 0x01500100 >/dev/null 2>>"$T/nv.err"; then
	expect 0 "padded NV index read back and checked from stdin" \
		"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
		--intermediates "$SWTPM_CA_INTERMEDIATE" - <"$T/nv-padded.bin"
	expect_out "^ok ekcert.parse der, $(wc -c <"$SWTPM_EK_CERT_RSA") bytes; trimmed 300 bytes of padding \(300 x 0xff, 0 x 0x00\)" \
		"padded NV: trim reported"
	expect_eq "$(field sha256)" "$(sha256sum <"$SWTPM_EK_CERT_RSA" | cut -d' ' -f1)" \
		"padded NV: fingerprint of the certificate alone"
	tpm2_nvundefine -C o 0x01500100 >/dev/null 2>&1
else
	not_ok "padded NV index" "$(tr '\n' '|' <"$T/nv.err")"
fi

# Against a different CA.
expect 1 "rsa against an unrelated manufacturer root" \
	"$DOSSIER" ekcert check --roots "$TD/ek/ca/infineon-optiga/rsa-root-ca.crt" "$SWTPM_EK_CERT_RSA"
expect_out "^FAIL ekcert.chain: issuer 'CN = swtpm-localca' of the EK certificate not found" \
	"unrelated root: names the swtpm issuer"
expect 1 "ecc with the local root but without the intermediate" \
	"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" "$SWTPM_EK_CERT_ECC"
expect_out "^FAIL ekcert.chain: issuer 'CN = swtpm-localca' of the EK certificate not found" \
	"no intermediate: names the missing issuer"
expect 1 "checked at a time before the CA and the EK cert existed" \
	"$DOSSIER" ekcert check --roots "$SWTPM_CA_ROOT" \
	--intermediates "$SWTPM_CA_INTERMEDIATE" --at 2000-01-01 "$SWTPM_EK_CERT_RSA"
expect_out '^FAIL ekcert.validity: not valid before' "before provisioning: validity fails"
expect_out "^FAIL ekcert.chain: CA certificate 'CN = swtpm-localca(-rootca)?' is not valid before" \
	"before provisioning: the CA's period fails the chain"
done_testing
