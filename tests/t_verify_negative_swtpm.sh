#!/usr/bin/env bash
# t_verify_negative_swtpm.sh - attacks on enrollment, on one swtpm, next
# to an honest device (its P-384 EK, AK under the EK) that passes:
#
# - an AK not bound to the EK: a rogue takes the TPM's genuine RSA EK
#   certificate and EK public area (both public) and enrolls them with an
#   AK that is not in that TPM (a software key dressed as a restricted,
#   fixedTPM signing key). dossier enroll cannot tell (it has only public
#   data) and records the device pending with an enrollment challenge.
#   But the credential in that challenge is bound to the EK and to the
#   rogue AK's Name: ActivateCredential fails on the EK's TPM with the AK
#   loaded from its public area only, and with the TPM's real AK; so the
#   rogue cannot learn the nonce, its evidence (in ONE verify batch with
#   the honest answer) fails quote.nonce and the device stays pending.
# - a forged EK certificate: a self-made CA issues a certificate for the
#   same EK key; dossier enroll refuses it naming the chain check.
# - dossier inspect --explain of the honest answer, twice, consumes
#   nothing: the verify that follows passes.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend tpm2_loadexternal tpm2_activatecredential \
    tpm2_startauthsession tpm2_policysecret tpm2_flushcontext openssl \
    python3 xxd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 5 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
	    echo "extend failed"
done >extend.err
expect_eq "$(cat extend.err)" "" "the log extended into PCR 10"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" \
    "$SWTPM_CA_INTERMEDIATE"
expect 0 "collect enroll: the honest device (P-384 EK)" "$COLLECT" enroll \
    -o good-e.dossier --state st-good --verifier-key verifier.pem --ek ecc \
    --ak ecc --ak-handle 0x81000003 --ima-log ima.bin
# The genuine RSA EK public area and PCRs, as the collector writes them.
expect 0 "collect enroll: the RSA EK's public data" "$COLLECT" enroll \
    -o rsa-e.dossier --state st-rsa --verifier-key verifier.pem \
    --ima-log ima.bin
mkdir -p x
expect 0 "extract its members" "$DOSSIER" inspect rsa-e.dossier --extract x
RSA_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_RSA" | cut -c1-64)
GOOD_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_ECC" | cut -c1-64)

# --- the rogue enrollment: genuine EK, an AK from elsewhere ---------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out rogue.key 2>/dev/null
"$DOSSIER_TOOLS/gen_bundle" -k rogue.key -o rogue-e.dossier -K enrollment \
    ek.crt=x/ek.crt ek.pub=x/ek.pub ak.pub=- pcrs.bin=x/pcrs.bin \
    ima.log=x/ima.log || not_ok "gen_bundle rogue"
# --- a forged EK certificate: a self-made CA certifies the same EK key ----------
openssl x509 -inform DER -in "$SWTPM_EK_CERT_RSA" -pubkey -noout >ekkey.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout fakeca.key -out fakeca.pem -subj /CN=fake-tpm-ca -days 30 2>/dev/null
openssl x509 -new -subj /CN=forged-ek -force_pubkey ekkey.pem -CA fakeca.pem \
    -CAkey fakeca.key -days 30 -outform DER -out forged.der 2>/dev/null ||
    not_ok "openssl: forged certificate"
"$DOSSIER_TOOLS/gen_bundle" -k rogue.key -o forged-e.dossier -K enrollment \
    ek.crt=forged.der ek.pub=x/ek.pub ak.pub=- pcrs.bin=x/pcrs.bin ||
    not_ok "gen_bundle forged"

expect 1 "dossier enroll: the forged EK certificate is refused" \
    "$DOSSIER" enroll forged-e.dossier -o forged.tar
cat "$T/out" "$T/err" >forged.msg
grep -q "^FAIL forged-e.dossier: ekcert chain: issuer 'CN = fake-tpm-ca' of the EK certificate not found" forged.msg &&
    ok "the refusal names the chain check" ||
    not_ok "the refusal names the chain check" "$(cat forged.msg)"
[ ! -e forged.tar ] && ok "no challenge for the forged certificate" ||
    not_ok "no challenge for the forged certificate"
expect 0 "dossier enroll: honest device and rogue AK both pending" \
    "$DOSSIER" enroll good-e.dossier rogue-e.dossier -o enroll.tar
cat >state.py <<'PY'
import sqlite3, sys
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
for row in c.execute("SELECT lower(hex(device_id)), state FROM devices ORDER BY 1"):
    print(*row)
PY
expect_eq "$(python3 state.py "$DOSSIER_STORE")" \
    "$(printf '%s pending\n%s pending\n' "$RSA_ID" "$GOOD_ID" | sort)" \
    "store: both pending (enrollment cannot tell from public data)"

# The rogue's enrollment challenge: its id and credential file.
expect 0 "inspect the enrollment challenges" "$DOSSIER" inspect enroll.tar \
    --verifier-key verifier.pem
ROGUE_CH=$(awk -v h="[challenge $RSA_ID.dchal]" '$0 == h { on = 1 }
    on && $1 == "challenge-id" { print $2; exit }' "$T/out")
expect_eq "${#ROGUE_CH}" 32 "the rogue's challenge id"
python3 - enroll.tar "$RSA_ID" <<'PY'
import sys, tarfile
def item(b, i):
    mt, ai = b[i] >> 5, b[i] & 31; i += 1
    if ai < 24: n = ai
    else:
        k = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
        n = int.from_bytes(b[i:i + k], 'big'); i += k
    if mt in (0, 1): return n, i
    if mt in (2, 3): return b[i:i + n], i + n
    if mt == 4:
        out = []
        for _ in range(n):
            v, i = item(b, i); out.append(v)
        return out, i
    if mt == 5:
        out = {}
        for _ in range(n):
            k, i = item(b, i); v, i = item(b, i); out[k] = v
        return out, i
    if mt == 6: return item(b, i)
    raise ValueError(mt)
with tarfile.open(sys.argv[1]) as t:
    f = t.extractfile(sys.argv[2] + '.dchal').read()
(_, _, payload, _), _ = item(f, 9)
p, _ = item(payload, 0)
open('rogue.cred', 'wb').write(p[6])
PY
[ -s rogue.cred ] && ok "the rogue's credential file" || not_ok "the rogue's credential file"

# activate AK-CONTEXT: ActivateCredential with the RSA EK (policy secret).
activate() {
	rm -f got.bin
	tpm2_startauthsession --policy-session -S s.ctx >/dev/null 2>&1 &&
	    tpm2_policysecret -S s.ctx -c e >/dev/null 2>&1
	run tpm2_activatecredential -c "$1" -C 0x81010001 -i rogue.cred \
	    -o got.bin -P session:s.ctx
	tpm2_flushcontext s.ctx >/dev/null 2>&1
}
mkdir -p rx
expect 0 "extract the rogue AK" "$DOSSIER" inspect rogue-e.dossier --extract rx
expect 0 "load the rogue AK's public area into the EK's TPM" \
    tpm2_loadexternal -C n -u rx/ak.pub -c rogue-ak.ctx
activate rogue-ak.ctx
tpm2_flushcontext -t >/dev/null 2>&1	# the loaded rogue AK
[ "$RC" != 0 ] && [ ! -s got.bin ] &&
    grep -q 'authValue or authPolicy is not available' "$T/err" &&
    ok "ActivateCredential refused with the rogue AK loaded public-only (TPM_RC_AUTH_UNAVAILABLE)" ||
    not_ok "ActivateCredential refused with the rogue AK loaded public-only" "$(grep tpm: "$T/err")"
activate 0x81000002
[ "$RC" != 0 ] && [ ! -s got.bin ] && grep -q 'integrity check failed' "$T/err" &&
    ok "ActivateCredential fails with the TPM's real AK: the credential names another AK (TPM_RC_INTEGRITY)" ||
    not_ok "ActivateCredential fails with the TPM's real AK" "$(grep tpm: "$T/err")"

# The honest device answers; the rogue answers without the nonce.
mkdir -p ev
expect 0 "attest: the honest device" "$COLLECT" attest --challenge enroll.tar \
    -o ev/1-good.dossier --state st-good --ima-log ima.bin
"$DOSSIER_TOOLS/gen_evidence" -k rogue.key -o ev/2-rogue.dossier -c "$ROGUE_CH" \
    -n "$(openssl rand -hex 32)" --ek-crt x/ek.crt --ek-pub x/ek.pub \
    --ima-log ima.bin || not_ok "gen_evidence rogue"

for i in 1 2; do
	expect 0 "inspect --explain the honest answer (#$i)" "$DOSSIER" inspect \
	    ev/1-good.dossier --explain
	expect_out '^ok challenge.single-use ' "explain #$i: the challenge is still unanswered"
	expect_out '^verdict pass$' "explain #$i: pass"
done
expect 1 "inspect --explain the rogue answer" "$DOSSIER" inspect \
    ev/2-rogue.dossier --explain
expect_out '^FAIL quote.nonce: ' "explain: the rogue fails quote.nonce"

expect 1 "verify: one batch, honest and rogue" "$DOSSIER" verify -o r.jsonl ev
expect_err '^verify: 2 bundles: 1 pass, 1 fail, 0 error' "verify: summary"
expect_eq "$(grep -c '1-good.dossier.*"verdict":"pass"' r.jsonl)" 1 \
    "verify: the honest answer passes after two explains"
expect_eq "$(grep -c '2-rogue.dossier.*"name":"quote.nonce","outcome":"fail"' r.jsonl)" 1 \
    "verify: the rogue fails quote.nonce"
expect_eq "$(python3 state.py "$DOSSIER_STORE")" \
    "$(printf '%s pending\n%s enrolled\n' "$RSA_ID" "$GOOD_ID" | sort)" \
    "store: the honest device enrolled, the rogue still pending"
done_testing
