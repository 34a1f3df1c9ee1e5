#!/usr/bin/env bash
# dossier enroll and dossier challenge on swtpm: the RSA EK (0x81010001) and
# the P-384 EK (0x81010016) of one swtpm are two devices (two EK
# certificates, two AKs). Their enrollment bundles are enrolled; the
# challenge archive is read by python (tarfile), every .dchal signature is
# checked with python's cryptography against the verifier key from
# `dossier init -o`, and each credential is activated by
# tpm2_activatecredential with its own EK/AK (the secret equals the one the
# store's ledger holds, read with python's sqlite3) and not with the other's.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_nvread tpm2_activatecredential tpm2_startauthsession \
    tpm2_policysecret tpm2_flushcontext openssl python3 zstd
python3 -c 'import cryptography' 2>/dev/null || skip_all t_enroll_challenge "python3 cryptography"
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# --- the checker: challenge archive -> one line per .dchal -----------------
cat >chk.py <<'EOF'
import sys, tarfile, hashlib
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

def item(b, i):
    ib = b[i]; mt, ai = ib >> 5, ib & 31; i += 1
    if ai < 24: n = ai
    else:
        k = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
        n = int.from_bytes(b[i:i + k], 'big'); i += k
    if mt == 0: return n, i
    if mt == 1: return -1 - n, i
    if mt == 2: return b[i:i + n], i + n
    if mt == 3: return b[i:i + n].decode(), i + n
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
    raise ValueError('cbor major %d' % mt)

def enc_head(mt, n):
    if n < 24: return bytes([mt << 5 | n])
    if n < 256: return bytes([mt << 5 | 24, n])
    return bytes([mt << 5 | 25]) + n.to_bytes(2, 'big')

def bstr(x): return enc_head(2, len(x)) + x

key = serialization.load_pem_public_key(open(sys.argv[2], 'rb').read())
kid = hashlib.sha256(key.public_bytes(serialization.Encoding.DER,
    serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        f = t.extractfile(m).read()
        assert f[:10] == bytes.fromhex('d9d9f7da44534348d284'), 'magic'
        (prot, unprot, payload, sig), end = item(f, 9)
        assert end == len(f), 'trailing bytes'
        hdr, _ = item(prot, 0)
        tbs = enc_head(4, 4) + enc_head(3, 10) + b'Signature1' + bstr(prot) + bstr(b'') + bstr(payload)
        try:
            key.verify(encode_dss_signature(int.from_bytes(sig[:32], 'big'),
                int.from_bytes(sig[32:], 'big')), tbs, ec.ECDSA(hashes.SHA256()))
            ok = 'verified'
        except Exception:
            ok = 'bad-signature'
        p, _ = item(payload, 0)
        name = m.name[:-len('.dchal')]
        open(name + '.cred', 'wb').write(p[6])
        print(m.name, p[4].hex(), ok, 'kid-ok' if hdr[4] == kid == p[11] else 'kid-bad',
              p[3].hex(), p[9] - p[10], p[7].hex(), ','.join(p[8]))
EOF
# store.py SQL: run a read-only query on the store, rows as hex/text.
cat >store.py <<'EOF'
import sqlite3, sys
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
for row in c.execute(sys.argv[2], sys.argv[3:]):
    print(' '.join(x.hex() if isinstance(x, bytes) else str(x) for x in row))
EOF
sq() { python3 store.py "$DOSSIER_STORE" "$@"; }

# --- the verifier, and two enrollment bundles from the swtpm ----------------
expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 2 "enroll without roots is refused" "$DOSSIER" enroll -o x.tar rsa.dossier
expect_err 'dossier roots add' "no roots: the message names dossier roots add"
expect 0 "roots add: swtpm CA root and intermediate" "$DOSSIER" roots add \
    "$SWTPM_CA_ROOT" "$SWTPM_CA_INTERMEDIATE"
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t mixed -o ima.bin >/dev/null ||
    not_ok "gen_ima_log"
expect 0 "collect enroll: RSA EK" "$COLLECT" enroll -o rsa.dossier \
    --state st-rsa --verifier-key verifier.pem --ima-log ima.bin
expect 0 "collect enroll: P-384 EK" "$COLLECT" enroll -o ecc.dossier \
    --state st-ecc --verifier-key verifier.pem --ek ecc --ak ecc \
    --ak-handle 0x81000003 --ima-log ima.bin
RSA_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_RSA" | cut -c1-64)
ECC_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_ECC" | cut -c1-64)

# --- enroll both -------------------------------------------------------------
expect 0 "enroll both bundles" "$DOSSIER" enroll rsa.dossier ecc.dossier \
    -o enroll.tar
expect_eq "$(cat "$T/out")" "enrolled $RSA_ID ($(hostname)) pending
enrolled $ECC_ID ($(hostname)) pending" "one line per bundle, device id = SHA-256 of the EK certificate, the host name it stated"
expect_eq "$(sq "SELECT hex(device_id), state FROM devices ORDER BY 1" | tr 'A-F\n' 'a-f;')" \
    "$(printf '%s\n' "$RSA_ID pending" "$ECC_ID pending" | sort | tr '\n' ';')" \
    "store: both devices pending"
expect_eq "$(sq "SELECT count(*) FROM challenges WHERE purpose = 'enrollment' AND state = 'issued'")" \
    2 "store: two enrollment challenges issued"
run python3 chk.py enroll.tar verifier.pem
expect_eq "$RC" 0 "python reads the archive"
cp "$T/out" chk.out
expect_eq "$(cut -d' ' -f1-4 chk.out | sort)" \
    "$(printf '%s\n' "$RSA_ID.dchal $RSA_ID verified kid-ok" \
    "$ECC_ID.dchal $ECC_ID verified kid-ok" | sort)" \
    "two challenges, named by device, signatures verify with the verifier key"
expect_eq "$(cut -d' ' -f6 chk.out | sort -u)" 604800 "not-after is issued + 7 days"
expect_eq "$(cut -d' ' -f8 chk.out | sort -u)" ima "logs [ima]"
# PCRs 0-10 of sha1 and sha256 (the banks of pcrs.bin): count 2, then
# (0004, 3, ff 07 00) and (000b, 3, ff 07 00).
expect_eq "$(cut -d' ' -f7 chk.out | sort -u)" \
    00000002000403ff0700000b03ff0700 "selection: PCRs 0-10 in both banks"

# activate ID EKH AKH POLICY: recover the secret of ID's credential.
activate() {
	rm -f got.bin
	if [ "$4" = policy ]; then
		tpm2_startauthsession --policy-session -S s.ctx >/dev/null 2>&1 &&
		    tpm2_policysecret -S s.ctx -c e >/dev/null 2>&1
		run tpm2_activatecredential -c "$3" -C "$2" -i "$1.cred" \
		    -o got.bin -P session:s.ctx
		tpm2_flushcontext s.ctx >/dev/null 2>&1
	else
		run tpm2_activatecredential -c "$3" -C "$2" -i "$1.cred" -o got.bin
	fi
}
secret_of() {
	sq "SELECT hex(secret) FROM challenges WHERE hex(device_id) = upper(?) AND state = 'issued'" "$1" |
	    tr A-F a-f
}
activate "$RSA_ID" 0x81010001 0x81000002 policy
expect_eq "$RC:$(xxd -p -c 64 got.bin 2>/dev/null)" "0:$(secret_of "$RSA_ID")" \
    "rsa: the credential activates on its TPM and yields the ledger's 32-byte secret"
activate "$ECC_ID" 0x81010016 0x81000003 none
expect_eq "$RC:$(xxd -p -c 64 got.bin 2>/dev/null)" "0:$(secret_of "$ECC_ID")" \
    "ecc: the credential activates on its TPM and yields the ledger's 32-byte secret"
expect_eq "$(secret_of "$ECC_ID" | tr -d '\n' | wc -c)" 64 "the secret is 32 bytes"
activate "$RSA_ID" 0x81010016 0x81000003 none
[ "$RC" -ne 0 ] && ok "rsa's credential does not activate with the P-384 EK and its AK" ||
    not_ok "rsa's credential does not activate with the P-384 EK and its AK"
activate "$ECC_ID" 0x81010001 0x81000002 policy
[ "$RC" -ne 0 ] && ok "ecc's credential does not activate with the RSA EK and its AK" ||
    not_ok "ecc's credential does not activate with the RSA EK and its AK"

# --- enrolling again ------------------------------------------------------
expect 1 "a device already in the store is refused" "$DOSSIER" enroll \
    rsa.dossier -o again.tar
expect_out "^FAIL rsa.dossier: device already in the store \\(pending\\): --replace" \
    "refusal names --replace"
[ ! -e again.tar ] && ok "nothing accepted: no archive" || not_ok "nothing accepted: no archive"
expect 0 "--replace enrolls it again" "$DOSSIER" enroll --replace rsa.dossier \
    -o again.tar --expires 2h
expect_eq "$(sq "SELECT count(*) FROM challenges WHERE hex(device_id) = upper(?)" "$RSA_ID")" \
    2 "--replace issued a second enrollment challenge"
run python3 chk.py again.tar verifier.pem
expect_eq "$(cut -d' ' -f3,6 "$T/out")" "verified 7200" "--expires 2h: not-after = issued + 7200"

# --- dossier challenge ------------------------------------------------------
expect 1 "challenge --all with only pending devices issues none" \
    "$DOSSIER" challenge --all -o none.tar
expect_err 'no device selected \(2 pending' "the message counts the pending devices"
[ ! -e none.tar ] && ok "no archive without a challenge" || not_ok "no archive without a challenge"
expect 2 "challenge --device of a pending device needs --pending" \
    "$DOSSIER" challenge --device "$ECC_ID" -o p.tar
expect_err "device $ECC_ID is pending" "the message names the pending device"
expect 0 "challenge --all --pending" "$DOSSIER" challenge --all --pending \
    -o all.tar --expires 1d
expect_eq "$(wc -l <"$T/out")" 2 "one line per challenge"
expect_out "^challenge $RSA_ID [0-9a-f]{32} [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\$" \
    "line: device, challenge id, not-after"
run python3 chk.py all.tar verifier.pem
expect_eq "$(cut -d' ' -f3,6 "$T/out" | sort -u)" "verified 86400" \
    "both signed, --expires 1d"
activate "$ECC_ID" 0x81010016 0x81000003 none
[ "$RC" -eq 0 ] && [ "$(stat -c %s got.bin)" = 32 ] &&
    ok "the re-issued challenge activates (32 bytes)" ||
    not_ok "the re-issued challenge activates (32 bytes)"
expect_eq "$(sq "SELECT purpose, count(*) FROM challenges GROUP BY purpose")" \
    "enrollment 5" "pending devices get enrollment challenges"
# An enrolled device (as dossier verify will mark it) is chosen by --all.
python3 - "$DOSSIER_STORE" "$RSA_ID" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE devices SET state = 'enrolled' WHERE device_id = ?", (bytes.fromhex(sys.argv[2]),))
c.commit()
EOF
expect 0 "challenge --all: the enrolled device" "$DOSSIER" challenge --all -o one.tar
expect_eq "$(cut -d' ' -f2 "$T/out")" "$RSA_ID" "--all: only the enrolled device"
expect_eq "$(sq "SELECT hex(device_id) FROM challenges WHERE purpose = 'attestation'" | tr A-F a-f)" \
    "$RSA_ID" "an enrolled device gets an attestation challenge"
expect 0 "challenge --device HEX" "$DOSSIER" challenge --device "$RSA_ID" -o d.tar
# Names (dossier-devices(1)): both bundles stated this host's name and
# machine id; a label tells them apart.
expect_eq "$(sq "SELECT count(*) FROM device_names WHERE host_name = '$(hostname)' AND machine_id = '$(cat /etc/machine-id 2>/dev/null)'")" \
    2 "the store keeps the host name and machine id each bundle stated"
expect 2 "challenge --device HOSTNAME: both devices have it" "$DOSSIER" \
    challenge --device "$(hostname)" -o u.tar
expect_err "is ambiguous, 2 devices match" "the ambiguity lists the candidates"
expect 0 "label the RSA device" "$DOSSIER" devices label "${RSA_ID:0:12}" rsa-box
expect 0 "challenge --device LABEL" "$DOSSIER" challenge --device rsa-box -o l.tar
expect_out "^challenge $RSA_ID " "the label named the RSA device"
expect 2 "challenge --device unknown" "$DOSSIER" challenge --device \
    "$(printf '%064d' 0)" -o u.tar
expect_err "device '0{64}': no such device in the store" "unknown device: the message names it"
expect 2 "challenge --device not-hex" "$DOSSIER" challenge --device xyz -o u.tar
expect 2 "challenge without a selection" "$DOSSIER" challenge -o u.tar
expect 2 "challenge --expires 0" "$DOSSIER" challenge --all --expires 0 -o u.tar
[ ! -e u.tar ] && ok "no archive after a usage error" || not_ok "no archive after a usage error"

# --- refusals: one bad bundle fails only itself ------------------------------
# A tampered member: flip a byte of pcrs.bin in the tar and recompress.
mkdir -p tam && tar --zstd -xf rsa.dossier -C tam
printf '\377' | dd of=tam/pcrs.bin bs=1 seek=40 conv=notrunc 2>/dev/null
(cd tam && tar --format=ustar --owner=0 --group=0 -cf - MANIFEST ek.crt ek.pub \
    ak.pub pcrs.bin ima.log) | zstd -q -c >tampered.dossier
"$DOSSIER" --store "$T/s2.db" init -o v2.pem >/dev/null 2>&1
"$DOSSIER" --store "$T/s2.db" roots add "$SWTPM_CA_ROOT" "$SWTPM_CA_INTERMEDIATE" >/dev/null 2>&1
printf 'not a bundle\n' >junk.dossier
expect 1 "enroll: bad bundles fail, the good one is enrolled" \
    "$DOSSIER" --store "$T/s2.db" enroll tampered.dossier junk.dossier \
    all.tar ecc.dossier -o s2.tar
expect_out "^FAIL tampered.dossier: .*member 'pcrs.bin'" "tampered member: its line names the member"
expect_out "^FAIL junk.dossier: " "a file that is not a bundle fails"
expect_out "^FAIL all.tar: " "a challenge archive is not an enrollment bundle"
expect_out "^enrolled $ECC_ID \\(.*\\) pending\$" "the good bundle is still enrolled"
run python3 chk.py s2.tar v2.pem
expect_eq "$(cut -d' ' -f1,3 "$T/out")" "$ECC_ID.dchal verified" \
    "the archive holds the good bundle's challenge, signed by this store's key"

# A store trusting another CA: the EK certificate does not chain.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -out other.pem -subj /CN=other -days 2 2>/dev/null
"$DOSSIER" --store "$T/s3.db" init -o v3.pem >/dev/null 2>&1
"$DOSSIER" --store "$T/s3.db" roots add other.pem >/dev/null 2>&1
expect 1 "an EK certificate that does not chain is refused" \
    "$DOSSIER" --store "$T/s3.db" enroll rsa.dossier -o s3.tar
expect_out "^FAIL rsa.dossier: ekcert chain: " "the line names the ekcert chain"
# Only the intermediate in the store: it is not an anchor.
"$DOSSIER" --store "$T/s4.db" init -o v4.pem >/dev/null 2>&1
"$DOSSIER" --store "$T/s4.db" roots add "$SWTPM_CA_INTERMEDIATE" >/dev/null 2>&1
expect 1 "a store holding only the intermediate does not anchor the chain" \
    "$DOSSIER" --store "$T/s4.db" enroll rsa.dossier -o s4.tar
expect_out "^FAIL rsa.dossier: ekcert chain: " "intermediate only: ekcert chain"
"$DOSSIER" --store "$T/s4.db" roots add "$SWTPM_CA_ROOT" >/dev/null 2>&1
expect 0 "with the root added it chains" \
    "$DOSSIER" --store "$T/s4.db" enroll rsa.dossier -o s4.tar

expect 2 "enroll without -o" "$DOSSIER" enroll rsa.dossier
expect 2 "enroll without a bundle" "$DOSSIER" enroll -o x.tar
expect 2 "enroll --expires garbage" "$DOSSIER" enroll --expires 3w rsa.dossier -o x.tar

# --logs: the requested logs reach the signed challenge and the ledger.
expect 0 "challenge --logs ima,ima-sha256" "$DOSSIER" challenge --all --pending \
    --logs ima,ima-sha256 -o logs.tar
expect 0 "inspect the --logs archive" "$DOSSIER" inspect logs.tar
expect_eq "$(grep -c '^logs ima,ima-sha256$' "$T/out")" 2 \
    "both challenges ask for ima and ima-sha256"
run python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(sorted({r[0] for r in db.execute("select logs from challenges")}))' "$DOSSIER_STORE"
expect_out "'ima,ima-sha256'" "the ledger records the requested logs"
expect 2 "challenge --logs with an unknown name" "$DOSSIER" challenge --all \
    --pending --logs ima,bogus -o bad.tar
expect_err "unknown log 'bogus'" "the unknown log is named"
expect 2 "challenge --logs with a repeated name" "$DOSSIER" challenge --all \
    --pending --logs ima,ima -o bad.tar
done_testing
