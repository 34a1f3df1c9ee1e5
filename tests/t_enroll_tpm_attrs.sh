#!/usr/bin/env bash
# t_enroll_tpm_attrs.sh - dossier enroll of a device whose EK certificate
# names no TPM (no subjectAltName, as Google's EK/AK CA issues them) and of
# one whose subjectAltName lacks the TPM attributes. A swtpm's RSA EK
# certificate in NV 0x01c00002 is replaced by one for the same EK key,
# issued by a CA made here (no published SAN-less certificate can hold
# this swtpm's key): the SAN-less one is enrolled with a note, and refused
# with --require-tpm-attributes; the DNS-only SAN is refused always.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_nvread tpm2_nvdefine tpm2_nvundefine tpm2_nvwrite openssl
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# A test CA, and the swtpm's EK public key taken from its own certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -subj "/CN=dossier test EK CA" -days 30 \
    2>/dev/null || { not_ok "test CA"; exit 1; }
openssl x509 -inform DER -in "$SWTPM_EK_CERT_RSA" -pubkey -noout >ekpub.pem ||
    { not_ok "EK public key"; exit 1; }

# ek_cert OUT [EXTRA-EXTENSION]: an EK certificate for the swtpm's RSA EK.
ek_cert() {
	printf 'keyUsage=critical,keyEncipherment\nbasicConstraints=critical,CA:FALSE\n%s\n' \
	    "${2:-}" >ext.cnf
	openssl x509 -new -subj "/CN=ek" -force_pubkey ekpub.pem -CA ca.pem \
	    -CAkey ca.key -days 30 -extfile ext.cnf -outform DER -out "$1" 2>/dev/null
}

# nv_put DER: the RSA EK certificate index now holds DER.
nv_put() {
	tpm2_nvundefine -C p "$SWTPM_NV_EK_RSA" >/dev/null 2>&1
	tpm2_nvdefine -C p -s "$(wc -c <"$1")" \
	    -a "ppwrite|ppread|ownerread|authread|no_da|platformcreate" \
	    "$SWTPM_NV_EK_RSA" >/dev/null 2>>nv.log &&
	tpm2_nvwrite -C p -i "$1" "$SWTPM_NV_EK_RSA" >/dev/null 2>>nv.log
}

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add: the test CA" "$DOSSIER" roots add ca.pem

ek_cert nosan.der || not_ok "certificate without subjectAltName"
if nv_put nosan.der; then ok "NV: EK certificate without subjectAltName"
else not_ok "NV: EK certificate without subjectAltName" "$(cat nv.log)"; fi
expect 0 "collect enroll: EK certificate without SAN" "$COLLECT" enroll \
    -o nosan.dossier --state st --verifier-key verifier.pem
ID=$(openssl dgst -sha256 -r nosan.der | cut -c1-64)

expect 1 "enroll --require-tpm-attributes refuses it" "$DOSSIER" enroll \
    --require-tpm-attributes nosan.dossier -o c0.tar
expect_out '^FAIL nosan\.dossier: ek\.crt: no subjectAltName: TPM manufacturer, model and version not stated \(--require-tpm-attributes\)$' \
    "the refusal names the missing attributes and the option"
expect 0 "enroll accepts it by default" "$DOSSIER" enroll nosan.dossier -o c1.tar
expect_eq "$(cat "$T/out")" \
    "enrolled $ID ($(hostname)) pending; ek.crt: no subjectAltName: TPM manufacturer, model and version not stated" \
    "the device's line says its EK certificate names no TPM"

ek_cert dnssan.der "subjectAltName=DNS:tpm.example" || not_ok "certificate with a DNS SAN"
nv_put dnssan.der || not_ok "NV: EK certificate with a DNS-only SAN" "$(cat nv.log)"
expect 0 "collect enroll: EK certificate with a DNS-only SAN" "$COLLECT" enroll \
    -o dnssan.dossier --state st2 --verifier-key verifier.pem
expect 1 "enroll refuses a SAN without the TPM attributes" "$DOSSIER" enroll \
    dnssan.dossier -o c2.tar
expect_out '^FAIL dnssan\.dossier: ek\.crt: subjectAltName directoryName lacks tpmManufacturer tpmModel tpmVersion$' \
    "the refusal names the attributes missing"
done_testing
