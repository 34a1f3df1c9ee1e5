# t_collect_tpm.sh - the collector's TPM operations on a fresh swtpm
# (tests/unit/collect_test_tpm.c, run with DOSSIER_TCTI set), then
# tpm2_checkquote on the quotes it wrote.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
: "${DOSSIER_TPM_TEST:=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_tpm_collect}"

need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_nvread tpm2_pcrextend tpm2_checkquote openssl
if [ ! -x "$DOSSIER_TPM_TEST" ]; then
	not_ok "collect tpm test binary" "$DOSSIER_TPM_TEST missing: run make"
	exit 1
fi
if ! swtpm_up; then
	not_ok "swtpm_up" "see stderr"
	exit 1
fi
# PCR 10 gets a value, so the quotes cover something that is not zero.
tpm2_pcrextend \
    "10:sha1=$(printf 'dossier' | openssl dgst -sha1 -r | cut -c1-40),sha256=$(printf 'dossier' | openssl dgst -sha256 -r | cut -c1-64)" \
    >/dev/null 2>&1 || not_ok "tpm2_pcrextend 10"

# flip_byte FILE OFFSET: XOR the byte at OFFSET with 1.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# An EK chain in NV: the issuer CA at 0x01c00100 (read with the index's own
# empty auth) and the root at 0x01c00101 (owner read only); each is over
# 1024 bytes, so both are read in several chunks.
openssl x509 -in "$SWTPM_CA_INTERMEDIATE" -outform DER -out "$T/chain0.der"
openssl x509 -in "$SWTPM_CA_ROOT" -outform DER -out "$T/chain1.der"
define_nv() {
	tpm2_nvdefine "$1" -C o -s "$(wc -c <"$2")" -a "$3" >/dev/null 2>&1 &&
	    tpm2_nvwrite "$1" -C o -i "$2" >/dev/null 2>&1 ||
	    not_ok "NV index $1 for the EK chain"
}
define_nv 0x01c00100 "$T/chain0.der" "ownerread|ownerwrite|authread|authwrite|no_da"
define_nv 0x01c00101 "$T/chain1.der" "ownerread|ownerwrite|no_da"
export DOSSIER_TEST_CHAIN="$T/chain0.der:$T/chain1.der"

mkdir -p "$T/q"
DOSSIER_TEST_OUT=$T/q "$DOSSIER_TPM_TEST" >"$T/unit.out" 2>"$T/unit.err"
rc=$?
cat "$T/unit.out"
if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$T/unit.out"; then
	not_ok "test_tpm_collect" "exit $rc: $(tail -c 600 "$T/unit.err" | tr '\n' '|')"
fi

# tpm2_checkquote agrees on every quote the unit test wrote. tpm2-tools 5.4
# reads only its "serialized" PCR files (-F is ignored; tpm2_quote has no
# marshaled output), so it gets tpm_pcrs_serialized's file; the marshaled
# one is checked by the unit test through pcr_set_parse.
n=0
for m in "$T"/q/*.msg; do
	[ -e "$m" ] || continue
	q=${m%.msg}
	name=$(basename "$q")
	n=$((n + 1))
	expect 0 "tpm2_checkquote accepts quote $name" tpm2_checkquote \
	    -u "$q.pem" -m "$q.msg" -s "$q.sig" -f "$q.tpcrs" \
	    -q "$(cat "$q.nonce")" -g sha256
	cp "$q.msg" "$T/bad.msg"
	flip_byte "$T/bad.msg" 40
	expect 1 "tpm2_checkquote rejects tampered quote $name" tpm2_checkquote \
	    -u "$q.pem" -m "$T/bad.msg" -s "$q.sig" -f "$q.tpcrs" \
	    -q "$(cat "$q.nonce")" -g sha256
done
expect_eq "$n" 7 "every quote was written for tpm2_checkquote"

# Nothing above (refused credentials included) counted towards swtpm's
# dictionary-attack lockout.
run tpm2_getcap properties-variable
expect_out 'TPM2_PT_LOCKOUT_COUNTER: 0x0$' "lockout counter is still 0"
done_testing
