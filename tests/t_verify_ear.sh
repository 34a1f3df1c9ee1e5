#!/usr/bin/env bash
# t_verify_ear.sh - dossier verify --ear: every result as an IETF RATS EAR
# (draft-ietf-rats-ear-03), a CWT checked by independent decoders
# (python3-cbor2 decodes, python3-cryptography verifies the COSE_Sign1
# with the verifier's public key) and a JWT checked by PyJWT; both
# decoded and verified by dossier inspect; bad options refused.
. "$DOSSIER_TOP/tests/lib.sh"
need python3
# Debian's python3 has the packages of tests/setup-debian.sh; a python3
# earlier in PATH (pyenv, a venv) may not.
PY=python3
python3 -c "import cbor2, jwt, cryptography" 2>/dev/null || PY=/usr/bin/python3
for m in cbor2 jwt cryptography; do
	"$PY" -c "import $m" 2>/dev/null ||
		{ skip t_verify_ear "python3 $m (tests/setup-debian.sh)"; exit 0; }
done

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/in" "$T/cwt" "$T/jwt"
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
FIXTURE_CHALLENGES=0 "$FIX" fixture "$F" "$T/ref.log" >/dev/null ||
	{ not_ok "fixture"; exit 0; }

gen() {
	local name=$1 out=$2 id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" \
	    --ima-log "$T/ref.log" "$@"
}
B=$T/in
gen pass    "$B/01-pass.dossier"    --clock 1000000
gen added   "$B/02-added.dossier"   --clock 1000050 --ima-add /usr/local/bin/intruder
gen pcr     "$B/03-pcr.dossier"     --clock 1000060 --flip-pcr 3
head -c 3000 /dev/urandom >"$B/04-garbage.dossier"
read -r _ _ PASS_ID PASS_NONCE < <(grep "^pass " "$F/challenges")
# A copy of the fixture for the JWT run (challenges are single-use).
cp -a "$F" "$T/fix2"

S=(--store "$F/store.db")
expect 1 "cwt: exit 1 (some fail)" "$DOSSIER" "${S[@]}" verify -q \
    -o "$T/r.jsonl" --ear "$T/cwt" "$B"
expect_eq "$(ls "$T/cwt" | grep -c '\.cwt$')" 4 "cwt: one file per bundle"
expect_eq "$(head -c 2 "$T/cwt/$(ls "$T/cwt" | head -n 1)" | od -An -tx1 | tr -d ' \n')" \
    d284 "cwt: a bare tagged COSE_Sign1"
"$DOSSIER" "${S[@]}" init --show-key -o "$T/verifier.pem" >/dev/null 2>&1

cat >"$T/check_cwt.py" <<'PY'
import sys, cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

key = serialization.load_pem_public_key(open(sys.argv[1], 'rb').read())
# the challenges file: NAME DEV ID NONCE; each nonce by its challenge id
nonces = {l.split()[2]: bytes.fromhex(l.split()[3]) for l in open(sys.argv[2])}
out = []
for path in sorted(sys.argv[3:]):
    tag = cbor2.loads(open(path, 'rb').read())
    assert isinstance(tag, cbor2.CBORTag) and tag.tag == 18, 'COSE_Sign1 tag'
    prot, unprot, payload, sig = tag.value
    hdr = cbor2.loads(prot)
    assert hdr[1] == -7 and hdr[3] == 'application/eat+cwt', hdr
    assert unprot == {}
    tbs = cbor2.dumps(['Signature1', prot, b'', payload])
    key.verify(encode_dss_signature(int.from_bytes(sig[:32], 'big'),
        int.from_bytes(sig[32:], 'big')), tbs, ec.ECDSA(hashes.SHA256()))
    c = cbor2.loads(payload)
    assert c[265] == 'tag:ietf.org,2026:rats/ear#03', c[265]
    assert c[1004][0] == 'dossier' and c[1004][1].startswith('dossier '), c
    assert isinstance(c[6], int)
    subs = c[266]
    assert sorted(subs) == ['boot', 'runtime', 'tpm'], subs
    for s in subs.values():
        assert s[1000] in (0, 2, 32, 96)
        assert all(0 <= k <= 7 for k in s.get(1001, {}))
        assert len(s[1003]) >= 1
    if 10 in c:
        assert c[10] == nonces[c['dossier.challenge'].hex()], \
            'eat_nonce is the challenge nonce'
    out.append('%s:%d:%s:%s' % ('nonce' if 10 in c else '-', c[1000],
        ','.join('%s=%d' % (n, subs[n][1000]) for n in ('tpm', 'boot', 'runtime')),
        subs['runtime'].get(1001, {}).get(2, '-')))
print(' '.join(out))
PY
run "$PY" "$T/check_cwt.py" "$T/verifier.pem" "$F/challenges" "$T"/cwt/*.cwt
# the pass is affirming everywhere with its nonce; the added file is
# contraindicated at runtime with executables 33 (unrecognized); the
# flipped PCR contraindicates boot; garbage has no status at all.
expect_eq "$RC:$(tail -n 1 "$T/err")" 0: "cwt: cbor2 decodes and cryptography verifies every file"
for want in "nonce:2:tpm=2,boot=2,runtime=2:2" "nonce:96:tpm=2,boot=2,runtime=96:33" \
    "nonce:96:tpm=2,boot=96,runtime=2:2" "-:0:tpm=0,boot=0,runtime=0:-"; do
	grep -q -- "$want" "$T/out" && ok "cwt: claims $want" ||
		not_ok "cwt: claims $want" "got $(cat "$T/out")"
done

# dossier inspect decodes and verifies the CWT; a flipped byte fails.
P=$(grep -l . "$T"/cwt/*-"$PASS_ID".cwt | head -n 1)
expect 0 "inspect cwt: exit 0" "$DOSSIER" inspect "$P" --verifier-key "$T/verifier.pem"
grep -q '^type ear-cwt$' "$T/out" && grep -q '^status affirming$' "$T/out" &&
    grep -q "^nonce $PASS_NONCE\$" "$T/out" &&
    grep -q '^submod runtime claim executables 2$' "$T/out" &&
    grep -q '^signature verified' "$T/out" &&
    ok "inspect cwt: fields and signature" || not_ok "inspect cwt: fields" "$(cat "$T/out")"
cp "$P" "$T/bad.cwt"
n=$(($(wc -c <"$T/bad.cwt") - 5))
printf '\x00' | dd of="$T/bad.cwt" bs=1 seek="$n" conv=notrunc 2>/dev/null
expect 1 "inspect cwt: a changed signature byte fails" "$DOSSIER" inspect "$T/bad.cwt" \
    --verifier-key "$T/verifier.pem"
grep -q '^FAIL ear.signature' "$T/out" && ok "inspect cwt: names ear.signature" ||
    not_ok "inspect cwt: names ear.signature" "$(cat "$T/out")"

# The JWT: same judgement on the copy, PyJWT verifies with the same key.
S2=(--store "$T/fix2/store.db")
expect 1 "jwt: exit 1" "$DOSSIER" "${S2[@]}" verify -q -o "$T/r2.jsonl" \
    --ear "$T/jwt" --ear-format jwt "$B"
expect_eq "$(ls "$T/jwt" | grep -c '\.jwt$')" 4 "jwt: one file per bundle"
cat >"$T/check_jwt.py" <<'PY'
import sys, jwt, base64
key = open(sys.argv[1], 'rb').read()
nonces = {l.split()[2]: bytes.fromhex(l.split()[3]) for l in open(sys.argv[2])}
out = []
for path in sorted(sys.argv[3:]):
    tok = open(path).read()
    assert jwt.get_unverified_header(tok)['alg'] == 'ES256'
    c = jwt.decode(tok, key, algorithms=['ES256'])
    assert c['eat_profile'] == 'tag:ietf.org,2026:rats/ear#03'
    assert c['ear_verifier_id']['developer'] == 'dossier'
    if 'eat_nonce' in c:
        b = c['eat_nonce']
        assert base64.urlsafe_b64decode(b + '=' * (-len(b) % 4)) == \
            nonces[c['dossier.challenge']]
    s = c['submods']
    out.append('%s:%s:%s' % ('nonce' if 'eat_nonce' in c else '-', c['ear_status'],
        s['runtime'].get('ear_trustworthiness_vector', {}).get('executables', '-')))
print(' '.join(sorted(out)))
PY
run "$PY" "$T/check_jwt.py" "$T/verifier.pem" "$F/challenges" "$T"/jwt/*.jwt
expect_eq "$RC:$(cat "$T/out")$(tail -n 1 "$T/err")" \
    "0:-:none:- nonce:affirming:2 nonce:contraindicated:2 nonce:contraindicated:33" \
    "jwt: PyJWT verifies every token; statuses and claims"
J=$(ls "$T"/jwt/*-"$PASS_ID".jwt | head -n 1)
expect 0 "inspect jwt: exit 0" "$DOSSIER" inspect "$J" --verifier-key "$T/verifier.pem"
grep -q '^type ear-jwt$' "$T/out" && grep -q '^claim \$."ear_status" affirming$' "$T/out" &&
    grep -q '^claim \$.submods.tpm."ear_trustworthiness_vector"."instance-identity" 2$' "$T/out" &&
    grep -q '^signature verified' "$T/out" &&
    ok "inspect jwt: claims and signature" || not_ok "inspect jwt: claims" "$(cat "$T/out")"
# A token re-signed with another key fails; alg none is refused.
"$PY" - "$J" "$T/other.jwt" "$T/none.jwt" <<'PY' || not_ok "jwt: make bad tokens"
import sys, jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization
tok = open(sys.argv[1]).read()
c = jwt.decode(tok, options={'verify_signature': False})
h = jwt.get_unverified_header(tok)
k = ec.generate_private_key(ec.SECP256R1())
open(sys.argv[2], 'w').write(jwt.encode(c, k, algorithm='ES256', headers={'kid': h['kid']}))
open(sys.argv[3], 'w').write(jwt.encode(c, None, algorithm='none'))
PY
expect 1 "inspect jwt: another key's signature fails" "$DOSSIER" inspect "$T/other.jwt" \
    --verifier-key "$T/verifier.pem"
expect 1 "inspect jwt: alg none is refused" "$DOSSIER" inspect "$T/none.jwt" \
    --verifier-key "$T/verifier.pem"
grep -q 'FAIL ear.decode.*other algorithms are refused' "$T/out" &&
    ok "inspect jwt: alg none named" || not_ok "inspect jwt: alg none named" "$(cat "$T/out")"

# Options.
expect 2 "--ear not a directory: exit 2" "$DOSSIER" "${S[@]}" verify --ear "$T/r.jsonl" "$B"
expect 2 "--ear-format xml: exit 2" "$DOSSIER" "${S[@]}" verify --ear "$T/cwt" \
    --ear-format xml "$B"
grep -q 'cwt or jwt' "$T/err" && ok "--ear-format names the choices" ||
    not_ok "--ear-format names the choices" "$(cat "$T/err")"
done_testing
