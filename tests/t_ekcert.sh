#!/usr/bin/env bash
# t_ekcert.sh - dossier ekcert check on real EK certificates (testdata/ek,
# see its PROVENANCE.md): each leaf chains as published, the padded and
# non-DER samples verify over their original bytes, and every failure names
# its reason. Cross-checked against openssl x509 / sha256sum.
. "$DOSSIER_TOP/tests/lib.sh"
need openssl sha256sum python3

E=$TD/ek
IFX=$E/ca/infineon-optiga
STORE=$E/ca/keylime-tpm_cert_store
IFX_RSA=$E/leaf/keylime/infineon_optiga_rsa_ek_ca035.der
IFX_ECC=$E/leaf/keylime/infineon_optiga_ecc_ek_ca035.der
ST_ECC=$E/leaf/keylime/st_ecdsa_sha256_ek.der
ST_RSA_PADDED=$E/malformed/keylime/st_sha256_with_rsa_ek_ffpadded.der
NUVO_LEAF=$E/malformed/keylime/nuvoton_npct75x_rsa_ek_set_ordering.der
NUVO_ROOT=$E/malformed/keylime/nuvoton_root_ca_2110_set_ordering.der
AT=--at=2026-01-01	# inside every sample's validity period

# field NAME: the value of a "NAME value" line of the last run.
field() { sed -n "s/^$1 //p" "$T/out"; }

# flip FILE OFFSET OUT: copy FILE with one byte inverted.
flip() {
	python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read()); o = int(sys.argv[2])
b[o if o >= 0 else len(b) + o] ^= 0xff; open(sys.argv[3], "wb").write(b)' "$@"
}

# --- every leaf chains as published -----------------------------------------
expect 0 "infineon rsa chains via mfr CA 035 to the RSA root" \
	"$DOSSIER" ekcert check $AT --roots "$IFX/rsa-root-ca.crt" \
	--intermediates "$IFX/rsa-mfr-ca-035.crt" "$IFX_RSA"
expect_out "^ok ekcert.chain 3 certificates to '.*Infineon OPTIGA\(TM\) RSA Root CA'$" \
	"infineon rsa: anchor is the self-signed RSA root"
expect_out '^ok ekcert.parse der, 1184 bytes$' "infineon rsa: plain DER, nothing trimmed"
expect_out '^ok ekcert.eku tcg-kp-EKCertificate' "infineon rsa: EKU"
expect_out '^ok ekcert.key-usage keyEncipherment$' "infineon rsa: keyEncipherment"
expect_out '^ok ekcert.basic-constraints CA:FALSE$' "infineon rsa: not a CA"
expect_out '^ok ekcert.tpm-attributes ' "infineon rsa: TPM attributes present"
expect_eq "$(field tpm-manufacturer)" "49465800 IFX" "infineon rsa: manufacturer id and ASCII"
expect_eq "$(field tpm-model)" "SLB 9670 TPM2.0" "infineon rsa: model"
expect_eq "$(field tpm-version)" "id:073f" "infineon rsa: version"
expect_eq "$(field key)" "rsa 2048" "infineon rsa: key"
expect_eq "$(field subject)" "-" "infineon rsa: empty subject printed as -"
expect_eq "$(field issuer)" \
	"$(openssl x509 -inform DER -in "$IFX_RSA" -noout -issuer | sed 's/^issuer=//')" \
	"infineon rsa: issuer as openssl x509 prints it"
expect_eq "$(field serial)" \
	"$(openssl x509 -inform DER -in "$IFX_RSA" -noout -serial | sed 's/^serial=//' | tr A-F a-f)" \
	"infineon rsa: serial as openssl x509 prints it"
expect_eq "$(field sha256)" "$(sha256sum <"$IFX_RSA" | cut -d' ' -f1)" \
	"infineon rsa: fingerprint is sha256sum of the file"
expect_eq "$(field not-after)" "2033-03-01T14:19:33Z" "infineon rsa: not-after"

expect 0 "infineon ecc chains via mfr CA 035 to the ECC root" \
	"$DOSSIER" ekcert check $AT --roots "$IFX/ecc-root-ca.crt" \
	--intermediates "$IFX/ecc-mfr-ca-035.crt" "$IFX_ECC"
expect_out "^ok ekcert.chain 3 certificates to '.*ECC Root CA'$" "infineon ecc: anchor"
expect_out '^ok ekcert.key-usage keyAgreement$' "infineon ecc: keyAgreement"
expect_eq "$(field key)" "ecc nist-p256" "infineon ecc: key"

# STM_ECC_01I's issuer (STM_ECC_01RT) is cross-signed by a GlobalSign ECC
# root that no store here holds: the intermediate verifies the leaf only as
# an explicitly named trust anchor (partial chain).
expect 0 "st ecdsa chains to STM_ECC_01I.pem given as a trust anchor" \
	"$DOSSIER" ekcert check $AT --roots "$STORE/STM_ECC_01I.pem" "$ST_ECC"
expect_out "^ok ekcert.chain 2 certificates to '.*STM TPM ECC Intermediate CA 01' \(not self-signed" \
	"st ecdsa: the report says the anchor is not self-signed"
expect 1 "st ecdsa with STM_ECC_01I only as an intermediate fails" \
	"$DOSSIER" ekcert check $AT --roots "$STORE/GS_TPM_RT.pem" \
	--intermediates "$STORE" "$ST_ECC"
expect_out "^FAIL ekcert.chain: issuer '.*GlobalSign Trusted Platform Module ECC Root CA' of '.*STM TPM ECC Root CA 01' not found" \
	"st ecdsa: names the absent GlobalSign ECC root"

expect 0 "st rsa (0xFF padded) chains with the keylime store as roots" \
	"$DOSSIER" ekcert check $AT --roots "$STORE" "$ST_RSA_PADDED"
expect_out '^ok ekcert.parse der, 1169 bytes; trimmed 431 bytes of padding \(431 x 0xff, 0 x 0x00\) after the certificate$' \
	"st rsa: the 431-byte trim is reported"
expect_out "^ok ekcert.chain .*STM TPM EK Intermediate CA 05" "st rsa: via STM_RSA_05I"
expect_eq "$(field sha256)" "$(head -c 1169 "$ST_RSA_PADDED" | sha256sum | cut -d' ' -f1)" \
	"st rsa: fingerprint over the 1169 certificate bytes only"
expect_eq "$(field tpm-manufacturer)" "53544d20 STM" "st rsa: manufacturer"
expect 0 "st rsa chains through STM_RSA_05I and STM_RSA_RT to the GlobalSign root" \
	"$DOSSIER" ekcert check $AT --roots "$STORE/GS_TPM_RT.pem" \
	--intermediates "$STORE/STM_RSA_RT.pem" --intermediates "$STORE/STM_RSA_05I.pem" \
	"$ST_RSA_PADDED"
expect_out "^ok ekcert.chain 4 certificates to '.*GlobalSign Trusted Platform Module Root CA'$" \
	"st rsa: four certificates to a self-signed root"

expect 0 "nuvoton leaf (non-DER SET ordering) chains to NUVO_2111" \
	"$DOSSIER" ekcert check $AT --roots "$STORE/NUVO_2111.pem" "$NUVO_LEAF"
expect_out "^ok ekcert.chain 2 certificates to 'CN = Nuvoton TPM Root CA 2111" "nuvoton leaf: anchor"
expect_eq "$(field tpm-manufacturer)" "4e544300 NTC" "nuvoton leaf: manufacturer"
expect_eq "$(field sha256)" "$(sha256sum <"$NUVO_LEAF" | cut -d' ' -f1)" \
	"nuvoton leaf: fingerprint of the original bytes"

# The Nuvoton root as its own trust anchor: its self-signature is checked
# (X509_V_FLAG_CHECK_SS_SIGNATURE) over the original, non-DER bytes. It is
# a CA, so the EK profile checks fail.
expect 1 "nuvoton root 2110 is a CA, not an EK certificate" \
	"$DOSSIER" ekcert check $AT --roots "$NUVO_ROOT" "$NUVO_ROOT"
expect_out "^ok ekcert.chain 1 certificate to 'CN = Nuvoton TPM Root CA 2110" \
	"nuvoton root: self-signature verifies over the original bytes"
expect_out "^FAIL ekcert.basic-constraints: CA:TRUE" "nuvoton root: CA:TRUE fails"
expect_out "^FAIL ekcert.key-usage: keyAgreement missing \(keyUsage: keyCertSign\)" \
	"nuvoton root: wrong key usage fails"
expect_out "^ok ekcert.tpm-attributes absent \(no subjectAltName" \
	"nuvoton root: no SAN is reported, not what fails it"
flip "$NUVO_ROOT" -5 "$T/nuvo-root-bad.der"
expect 1 "nuvoton root with a flipped signature byte" \
	"$DOSSIER" ekcert check $AT --roots "$T/nuvo-root-bad.der" "$T/nuvo-root-bad.der"
expect_out "^FAIL ekcert.chain: signature of .* does not verify" \
	"nuvoton root: the self-signature is really checked"

# --- Google's EK/AK CA: no subjectAltName at all ------------------------------
# Compute Engine vTPM EK certificates (go-tpm-tools test data) name no TPM
# manufacturer, model or version. The chain and key checks hold; the absent
# attributes are reported and fail only with --require-tpm-attributes.
GCA=$E/ca/google-ek-ak-ca
for k in rsa ecc; do
	G=$E/leaf/go-tpm-tools/pca_tpm_${k}_enc_cert.pem
	expect 0 "google $k: accepted without TPM attributes" \
		"$DOSSIER" ekcert check $AT --roots "$GCA/gcp_ek_ak_ca_root.crt" \
		--intermediates "$GCA/gcp_ek_ak_ca_intermediate_v3.crt" "$G"
	expect_out "^ok ekcert.chain 3 certificates to '.*CN = EK/AK CA Root'$" \
		"google $k: chains to the EK/AK CA root"
	expect_out '^ok ekcert.tpm-attributes absent \(no subjectAltName: TPM manufacturer, model and version not stated; tolerated without --require-tpm-attributes\)$' \
		"google $k: the missing attributes are reported"
	expect_eq "$(field tpm-model)" "-" "google $k: no model printed"
	expect 1 "google $k: --require-tpm-attributes refuses it" \
		"$DOSSIER" ekcert check $AT --require-tpm-attributes \
		--roots "$GCA/gcp_ek_ak_ca_root.crt" \
		--intermediates "$GCA/gcp_ek_ak_ca_intermediate_v3.crt" "$G"
	expect_out '^FAIL ekcert.tpm-attributes: no subjectAltName: .* \(--require-tpm-attributes\)$' \
		"google $k: the failure names the option"
	expect_out '^ok ekcert.chain ' "google $k: the chain still holds under the option"
done
expect 1 "google rsa: the chain stays strict (no intermediate)" \
	"$DOSSIER" ekcert check $AT --roots "$GCA/gcp_ek_ak_ca_root.crt" \
	"$E/leaf/go-tpm-tools/pca_tpm_rsa_enc_cert.pem"
expect_out "^FAIL ekcert.chain: issuer '.*EK/AK CA Intermediate' of the EK certificate not found" \
	"google rsa: the missing intermediate is named"
expect 0 "infineon rsa: --require-tpm-attributes holds when they are there" \
	"$DOSSIER" ekcert check $AT --require-tpm-attributes --roots "$IFX/rsa-root-ca.crt" \
	--intermediates "$IFX/rsa-mfr-ca-035.crt" "$IFX_RSA"

# --- the whole keylime store loads, PEMs with leading text included -----------
expect 0 "store: 51 PEMs load as roots, Nuvoton leaf verifies against them" \
	"$DOSSIER" ekcert check $AT --roots "$STORE" "$NUVO_LEAF"
expect 0 "store: Alibaba PEM with leading text loads" \
	"$DOSSIER" ekcert check $AT --roots "$STORE/Alibaba_Cloud_vTPM_EK.pem" \
	--roots "$STORE/Nationz_TPM_EK.pem" --roots "$STORE/NUVO_2111.pem" "$NUVO_LEAF"

# --- input forms ---------------------------------------------------------------
openssl x509 -inform DER -in "$IFX_ECC" -out "$T/ifx-ecc.pem"
expect 0 "pem input" "$DOSSIER" ekcert check $AT --roots "$IFX/ecc-root-ca.crt" \
	--intermediates "$IFX/ecc-mfr-ca-035.crt" "$T/ifx-ecc.pem"
expect_out '^ok ekcert.parse pem, 788 bytes$' "pem: reported as pem"
expect_eq "$(field sha256)" "$(sha256sum <"$IFX_ECC" | cut -d' ' -f1)" "pem: fingerprint of the DER"

python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
n = len(d) + 2
sys.stdout.buffer.write(bytes([0x10, 0x01, 0x00, n >> 8, n & 0xff, 0x10, 0x02]) + d + b"\0" * 9)' \
	"$ST_ECC" >"$T/nv-header.bin"
expect 0 "tcg nv header input" "$DOSSIER" ekcert check $AT \
	--roots "$STORE/STM_ECC_01I.pem" "$T/nv-header.bin"
expect_out '^ok ekcert.parse tcg-nv-header, 775 bytes after a 7-byte header; trimmed 9 bytes of padding \(0 x 0xff, 9 x 0x00\)' \
	"nv header: header and padding reported"
expect 0 "standard input" "$DOSSIER" ekcert check $AT - <"$ST_RSA_PADDED"
expect_out '^ok ekcert.parse der, 1169 bytes; trimmed 431' "stdin: trimmed too"

# --- failures name their reason -------------------------------------------------
expect 1 "wrong root" "$DOSSIER" ekcert check $AT --roots "$IFX/ecc-root-ca.crt" "$IFX_RSA"
expect_out "^FAIL ekcert.chain: issuer 'C = DE, O = Infineon Technologies AG, OU = OPTIGA\(TM\) TPM2.0, CN = Infineon OPTIGA\(TM\) RSA Manufacturing CA 035' of the EK certificate not found among the roots and intermediates$" \
	"wrong root: names the missing issuer"
expect_out '^ok ekcert.validity ' "wrong root: the other checks still run"

flip "$IFX_RSA" -10 "$T/ifx-rsa-badsig.der"
expect 1 "flipped signature byte (rsa)" "$DOSSIER" ekcert check $AT \
	--roots "$IFX/rsa-root-ca.crt" --intermediates "$IFX/rsa-mfr-ca-035.crt" "$T/ifx-rsa-badsig.der"
expect_out "^FAIL ekcert.chain: signature of the EK certificate does not verify with the key of its issuer '.*RSA Manufacturing CA 035'$" \
	"flipped signature (rsa): signature reason"
flip "$ST_ECC" -10 "$T/st-ecc-badsig.der"
expect 1 "flipped signature byte (ecdsa)" "$DOSSIER" ekcert check $AT \
	--roots "$STORE/STM_ECC_01I.pem" "$T/st-ecc-badsig.der"
expect_out "^FAIL ekcert.chain: signature of the EK certificate does not verify" \
	"flipped signature (ecdsa): signature reason"

expect 1 "--at before notBefore" "$DOSSIER" ekcert check --at 2018-03-01 \
	--roots "$IFX/rsa-root-ca.crt" --intermediates "$IFX/rsa-mfr-ca-035.crt" "$IFX_RSA"
expect_out '^FAIL ekcert.validity: not valid before 2018-03-01T14:19:33Z \(checked at 2018-03-01T00:00:00Z\)$' \
	"--at before notBefore: validity FAIL with both dates"
expect_out '^ok ekcert.chain ' "--at before notBefore: the leaf period is not a chain failure"
expect 1 "--at after notAfter (epoch form)" "$DOSSIER" ekcert check --at @2000000000 "$IFX_RSA"
expect_out '^FAIL ekcert.validity: expired at 2033-03-01T14:19:33Z' "--at after notAfter: expired"
expect 1 "--at after a CA's notAfter" "$DOSSIER" ekcert check --at 2040-01-01 \
	--roots "$IFX/rsa-root-ca.crt" --intermediates "$IFX/rsa-mfr-ca-035.crt" "$IFX_RSA"
expect_out "^FAIL ekcert.chain: CA certificate '.*RSA Manufacturing CA 035' expired at" \
	"expired CA: named with its date"
expect 0 "--at inside the period, date and time form" "$DOSSIER" ekcert check \
	--at 2018-03-01T14:19:33Z "$IFX_RSA"

cat "$ST_ECC" >"$T/garbage.der"; printf 'xyz' >>"$T/garbage.der"
expect 1 "garbage after the DER" "$DOSSIER" ekcert check "$T/garbage.der"
expect_out '^FAIL ekcert.parse: .*garbage.der: byte 0x78 at offset 775 after the 775-byte certificate is not padding' \
	"garbage: parse error with the offset"
: >"$T/empty.der"
expect 1 "empty file" "$DOSSIER" ekcert check "$T/empty.der"
expect_out '^FAIL ekcert.parse: .*empty.der: empty input' "empty: clear error"
head -c 700 "$IFX_RSA" >"$T/truncated.der"
expect 1 "truncated certificate" "$DOSSIER" ekcert check "$T/truncated.der"
expect_out '^FAIL ekcert.parse: .*announces 1184 bytes, the input has 700' "truncated: both lengths"
# An OCTET STRING wrapper (04 82 04 a0 for 1184 bytes) around the DER,
# then NV padding: unwrapped, reported, and the chain still verifies.
{ printf '\004\202\004\240'; cat "$IFX_RSA"; head -c 64 /dev/zero | tr '\0' '\377'; } >"$T/wrapped.der"
expect 0 "OCTET STRING wrapped certificate chains" "$DOSSIER" ekcert check $AT \
	--roots "$IFX/rsa-root-ca.crt" --intermediates "$IFX/rsa-mfr-ca-035.crt" "$T/wrapped.der"
expect_out '^ok ekcert.parse octet-string, 1184 bytes after a 4-byte header; trimmed 64 bytes of padding' \
	"OCTET STRING wrapper: unwrapped and the trim reported"
{ printf '\004\202\004\241'; cat "$IFX_RSA"; printf 'x'; } >"$T/wrapped-long.der"
expect 1 "OCTET STRING wrapper larger than the certificate" "$DOSSIER" ekcert check "$T/wrapped-long.der"
expect_out '^FAIL ekcert.parse: .*wrapper holds 1185 bytes, the certificate inside is 1184' \
	"OCTET STRING wrapper: size mismatch named"
head -c 512 /dev/zero | tr '\0' '\377' >"$T/blank-nv.bin"
expect 1 "blank NV contents" "$DOSSIER" ekcert check "$T/blank-nv.bin"
expect_out '^FAIL ekcert.parse: .*all 512 bytes are 0xff padding' "blank NV: says so"

# --- no roots: the chain is skipped, never passed ----------------------------------
expect 0 "no --roots" "$DOSSIER" ekcert check $AT "$IFX_RSA"
expect_out '^SKIP ekcert.chain: no --roots given' "no --roots: chain SKIP"
if grep -q '^ok ekcert.chain' "$T/out"; then not_ok "no --roots: never ok"; else ok "no --roots: never ok"; fi

# --- usage and I/O errors: exit 2 ------------------------------------------------------
expect 2 "missing certificate file" "$DOSSIER" ekcert check "$T/nonexistent"
expect_err "nonexistent: No such file" "missing file: named"
expect 2 "missing roots path" "$DOSSIER" ekcert check --roots "$T/nope" "$IFX_RSA"
expect_err "roots .*nope" "missing roots: named"
expect 2 "roots file without a certificate" "$DOSSIER" ekcert check --roots "$E/PROVENANCE.md" "$IFX_RSA"
expect_err "PROVENANCE.md" "roots without certificate: named"
expect 2 "bad --at" "$DOSSIER" ekcert check --at 2026-02-30 "$IFX_RSA"
expect 2 "no certificate argument" "$DOSSIER" ekcert check
expect 2 "unknown subcommand" "$DOSSIER" ekcert verify "$IFX_RSA"

# --- critical extensions: TCG-defined ones accepted, unknown ones fail -----------------
mk_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/ca.key" -out "$T/ca.pem" -subj "/CN=dossier test CA" -days 30 \
	    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	    2>/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ek.key" 2>/dev/null &&
	openssl req -new -key "$T/ek.key" -subj "/" -out "$T/ek.csr" 2>/dev/null
}
# mk_leaf NAME EXTRA-EXTENSION-LINE: a leaf with TPM attributes in a critical SAN.
mk_leaf() {
	cat >"$T/$1.cnf" <<EOF
[ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,keyAgreement
subjectAltName=critical,dirName:tpm
$2
[tpm]
1.2.23.133.2.1=id:00001014
1.2.23.133.2.2=test
1.2.23.133.2.3=id:00000001
EOF
	openssl x509 -req -in "$T/ek.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -set_serial 7 \
	    -days 10 -extfile "$T/$1.cnf" -extensions ext -outform DER -out "$T/$1.der" 2>/dev/null
}
if mk_ca &&
   mk_leaf sda "2.5.29.9=critical,DER:3019301706056781050210310e300c0c03322e300201000202008a" &&
   mk_leaf unknown "1.2.3.4.5=critical,DER:0500" &&
   mk_leaf serverauth "extendedKeyUsage=serverAuth"; then
	openssl x509 -inform DER -in "$T/sda.der" -out "$T/sda.pem"
	run openssl verify -CAfile "$T/ca.pem" "$T/sda.pem"
	expect_eq "$RC" 2 "openssl verify itself rejects a critical subjectDirectoryAttributes"
	expect 0 "critical subjectDirectoryAttributes (TCG-defined) accepted" \
		"$DOSSIER" ekcert check --roots "$T/ca.pem" "$T/sda.der"
	expect_out "^ok ekcert.chain 2 certificates to 'CN = dossier test CA'$" "sda: chain ok"
	expect_out '^ok ekcert.eku absent' "sda: absent EKU tolerated"
	expect_eq "$(field tpm-manufacturer)" "00001014 -" "sda: unprintable vendor id shown as -"
	expect 1 "unknown critical extension" "$DOSSIER" ekcert check --roots "$T/ca.pem" "$T/unknown.der"
	expect_out '^FAIL ekcert.chain: the EK certificate has critical extension 1.2.3.4.5, which is neither handled by OpenSSL nor defined by the TCG$' \
		"unknown critical extension: named by OID"
	expect 1 "EKU without tcg-kp-EKCertificate" "$DOSSIER" ekcert check --roots "$T/ca.pem" "$T/serverauth.der"
	expect_out '^FAIL ekcert.eku: extendedKeyUsage lists 1.3.6.1.5.5.7.3.1 but not tcg-kp-EKCertificate' \
		"EKU: the OIDs found are listed"
else
	not_ok "openssl could not make the test certificates"
fi
done_testing
