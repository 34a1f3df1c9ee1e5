# t_collect.sh - dossier-collect: --version, --help, info against swtpm, TCTI errors.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
: "${DOSSIER_COLLECT:=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect}"
C=$DOSSIER_COLLECT

expect 0 "collect --version" "$C" --version
expect_out '^dossier-collect [0-9]+\.[0-9]+\.[0-9]+$' "collect --version prints the version"
expect 0 "collect --help" "$C" --help
expect_out '^  info ' "collect --help lists info"
expect 2 "collect without command" "$C"
expect 2 "collect unknown command" "$C" frobnicate
expect_err "unknown command 'frobnicate'" "collect names the unknown command"
expect 2 "collect info extra argument" "$C" info extra
expect 2 "collect info unknown option" "$C" info --bogus
expect_err "'--bogus'" "collect info names the unknown option"

need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown tpm2_nvread openssl
if ! swtpm_up; then
	not_ok "swtpm_up" "see stderr"
	exit 1
fi

# The swtpm fixture (tests/swtpm.sh) other tests rely on: both EK
# certificates chain to the local CA through its intermediate, and the RSA
# one certifies the key tpm2_createek derives from the default template.
for k in RSA ECC; do
	f=SWTPM_EK_CERT_$k
	openssl x509 -inform DER -in "${!f}" -out "$T/ek-$k.pem" 2>/dev/null
	expect 0 "swtpm: $k EK certificate chains to the local CA" \
	    openssl verify -CAfile "$SWTPM_CA_ROOT" -untrusted "$SWTPM_CA_INTERMEDIATE" "$T/ek-$k.pem"
done
expect 2 "swtpm: no chain without the intermediate" \
    openssl verify -CAfile "$SWTPM_CA_ROOT" "$T/ek-RSA.pem"
run openssl x509 -in "$T/ek-ECC.pem" -noout -text
expect_out 'NIST CURVE: P-384' "swtpm: ECC EK certificate holds a P-384 key"
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pem" -f pem >/dev/null 2>&1
tpm2_flushcontext -t >/dev/null 2>&1
ek_tpm=$(openssl pkey -pubin -in "$T/ek.pem" -outform DER 2>/dev/null | xxd -p | tr -d '\n')
ek_cert=$(openssl x509 -in "$T/ek-RSA.pem" -noout -pubkey 2>/dev/null |
    openssl pkey -pubin -outform DER 2>/dev/null | xxd -p | tr -d '\n')
if [ -n "$ek_tpm" ] && [ "$ek_tpm" = "$ek_cert" ]; then
	ok "swtpm: RSA EK certificate certifies the EK tpm2_createek makes"
else
	not_ok "swtpm: RSA EK certificate certifies the EK tpm2_createek makes" \
	    "TPM key ${ek_tpm:0:40}..., certificate key ${ek_cert:0:40}..."
fi

# --tcti names the TPM even when the variable points elsewhere.
expect 0 "collect info --tcti swtpm" env DOSSIER_TCTI=device:/nonexistent \
    "$C" info --tcti "$TPM2TOOLS_TCTI"
expect_out "^tcti: $TPM2TOOLS_TCTI\$" "info prints the TCTI it used"
expect_out '^manufacturer: IBM \(0x49424d00\)$' "info: manufacturer IBM"
expect_out '^vendor: SW +TPM$' "info: vendor string of swtpm"
expect_out '^family: 2\.0$' "info: family 2.0"
expect_out '^revision: 1\.[0-9][0-9]$' "info: revision"
expect_out '^pcr-bank: sha1 0-23$' "info: sha1 bank allocated"
expect_out '^pcr-bank: sha256 0-23$' "info: sha256 bank allocated"
if grep -q '^pcr-bank: sha384' "$T/out"; then
	not_ok "info: unallocated sha384 bank not listed"
else
	ok "info: unallocated sha384 bank not listed"
fi
# The firmware version agrees with what tpm2-tools reads.
fw=$(sed -n 's/^firmware: 0x\([0-9a-f]*\) .*/\1/p' "$T/out")
tpm2_getcap properties-fixed >"$T/getcap" 2>&1
fw_tools=$(grep -A1 'TPM2_PT_FIRMWARE_VERSION_1' "$T/getcap" | sed -n 's/.*raw: 0x//p' | tr 'A-F' 'a-f')
expect_eq "$fw" "$fw_tools" "info: firmware version 1 equals tpm2_getcap's"

# DOSSIER_TCTI is used without --tcti.
expect 0 "collect info via DOSSIER_TCTI" env DOSSIER_TCTI="$TPM2TOOLS_TCTI" "$C" info
expect_out '^pcr-bank: sha256 0-23$' "info via DOSSIER_TCTI reads the swtpm"

# Errors name the TCTI and the decoded TSS error, exit 2.
bad="swtpm:host=127.0.0.1,port=$(free_port)"
expect 2 "collect info, nothing listening" "$C" info --tcti "$bad"
expect_err "^dossier-collect: TCTI '$bad': .*tcti:" "info error names TCTI and TSS error"
expect 2 "collect info, unknown TCTI" "$C" info --tcti nosuchtcti:x
expect_err "TCTI 'nosuchtcti:x'" "info error names the unknown TCTI"
if [ -s "$T/out" ]; then not_ok "failed info prints nothing on stdout"; else
	ok "failed info prints nothing on stdout"; fi
# ... and say what was tried and why it failed, not only "IO failure".
expect 2 "collect info, nothing listening (again)" "$C" info --tcti "$bad"
expect_err "port [0-9]*: Connection refused \\(is the simulator running, e\\.g\\. swtpm socket --server type=tcp,port=" \
    "info error: the refused port named, with how to start a simulator"
expect 2 "collect info, unknown TCTI (again)" "$C" info --tcti nosuchtcti:x
expect_err "no TCTI named 'nosuchtcti' is installed \\(the loader looks for libtss2-tcti-nosuchtcti\\.so\\.0\\); installed: .*swtpm" \
    "info error: an unknown TCTI name, and the installed ones listed"
expect 2 "collect info, a missing device node" "$C" info --tcti device:/nonexistent/tpm
expect_err "/nonexistent/tpm: No such file or directory \\(no TPM, or its driver is not loaded" \
    "info error: the missing device node named"
expect 2 "collect info, TPM2TOOLS_TCTI is not read" env -u DOSSIER_TCTI \
    TPM2TOOLS_TCTI="$TPM2TOOLS_TCTI" "$C" info
expect_err "note: TPM2TOOLS_TCTI is set to '$TPM2TOOLS_TCTI' but not read; using device:/dev/tpmrm0 \(give --tcti or set DOSSIER_TCTI\)" \
    "info: TPM2TOOLS_TCTI said to be ignored"
# --tcti before the command word works as after it.
expect 0 "collect --tcti X info" "$C" --tcti "$TPM2TOOLS_TCTI" info
expect_out "^tcti: $TPM2TOOLS_TCTI\$" "--tcti before the command names the TPM"
expect 0 "collect --tcti=X info" "$C" --tcti="$TPM2TOOLS_TCTI" info
expect_out "^tcti: $TPM2TOOLS_TCTI\$" "--tcti=X before the command names the TPM"
# Without option and variable: the default device, absent here.
if [ ! -e /dev/tpmrm0 ]; then
	expect 2 "collect info, default device absent" env -u DOSSIER_TCTI "$C" info
	expect_err "TCTI 'device:/dev/tpmrm0'" "info defaults to device:/dev/tpmrm0"
fi
done_testing
