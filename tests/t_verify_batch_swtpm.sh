#!/usr/bin/env bash
# t_verify_batch_swtpm.sh - issue 3's negative batch on REAL swtpm
# evidence: two devices (swtpm "rsa": RSA EK, RSA AK; swtpm "ecc": P-384
# EK, P-256 AK), each with an IMA log extended into PCR 10, enrolled end to
# end; then rounds of dossier challenge + dossier-collect attest, and ONE
# dossier verify of a directory (names sorted, so the order is fixed)
# holding passing bundles of both devices and, each failing with its own
# named check asserted from the JSON Lines results:
#   a replayed bundle (challenge.single-use), an expired challenge
#   (challenge.expiry), a bundle of a device enrolled in another store
#   (device.known), a changed PCR value (quote.pcr-digest), an IMA entry
#   added / removed / changed (ima.replay.* and ima.reorder, the entry
#   named), a truncated log (ima.parse), an extra member
#   (bundle.container), a member changed without re-signing
#   (bundle.container), a rolled-back clock (state.clock: the later
#   challenge answered first), and two answers judged in the reverse of
#   the order they were made (both pass).
# The attacker controls the collector: the changed bundles are re-signed
# by the device's own AK in the swtpm (gen_resign + tpm2_hash/tpm2_sign
# with the hash ticket a restricted key needs). Last, the ECC device's TPM
# is reset and its log extended in another order: that bundle passes
# ima.reorder (order-free) and reports the reset (state.reset).
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_startup tpm2_pcrextend tpm2_hash tpm2_sign openssl python3 tar zstd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
RESIGN=$DOSSIER_TOOLS/gen_resign
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# ---- helpers ----------------------------------------------------------------

# An ima-ng binary log editor (sha1 column): swap I J, drop I, change I
# (one byte of the file digest, template hash recomputed), add I PATH (a
# new record before I), cut (mid-record truncation).
cat >imaedit.py <<'EOF'
import hashlib, struct, sys
b = open(sys.argv[1], 'rb').read()
recs, o = [], 0
while o < len(b):
    nl, = struct.unpack_from('<I', b, o + 24)
    dl, = struct.unpack_from('<I', b, o + 28 + nl)
    end = o + 32 + nl + dl
    recs.append(b[o:end]); o = end
def fields(r):
    nl, = struct.unpack_from('<I', r, 24)
    return r[:4], r[28:28 + nl], r[32 + nl:]
def build(pcr, name, data):
    return (pcr + hashlib.sha1(data).digest() + struct.pack('<I', len(name)) +
            name + struct.pack('<I', len(data)) + data)
op, a = sys.argv[3], sys.argv[4:]
out = None
if op == 'swap':
    i, j = int(a[0]), int(a[1]); recs[i], recs[j] = recs[j], recs[i]
elif op == 'drop':
    del recs[int(a[0])]
elif op == 'change':
    pcr, name, data = fields(recs[int(a[0])])
    dlen, = struct.unpack_from('<I', data, 0)
    d = bytearray(data); d[4 + dlen - 1] ^= 1
    recs[int(a[0])] = build(pcr, name, bytes(d))
elif op == 'add':
    pcr, name, data = fields(recs[int(a[0])])
    dlen, = struct.unpack_from('<I', data, 0)
    path = a[1].encode() + b'\0'
    d = data[:4 + dlen] + struct.pack('<I', len(path)) + path
    recs.insert(int(a[0]), build(pcr, name, d))
elif op == 'cut':
    out = b[:len(b) - len(recs[-1]) // 2]
open(sys.argv[2], 'wb').write(out if out is not None else b''.join(recs))
EOF

# extend_log ORDER: extend the records of ima.bin (sha1) / ima256.bin
# (sha256 column) into PCR 10 of the current swtpm, in the order of the
# 1-based record numbers ORDER ("" = log order).
extend_log() {
	paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
	    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) \
	    >digests.txt
	local order=${1:-$(seq 1 "$(wc -l <digests.txt)")} n d1 d256
	for n in $order; do
		read -r d1 d256 < <(sed -n "${n}p" digests.txt)
		tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
		    echo "extend failed"
	done
}

# resign IN OUT STATE-DIR GEN-RESIGN-ARGS...: re-sign IN's manifest with
# the device's AK (persistent handle from STATE-DIR/state) after the change.
resign() {
	local in=$1 out=$2 st=$3 ak hash scheme
	shift 3
	ak=$(sed -n 's/^ak-handle=//p' "$st/state")
	read -r hash scheme < <("$RESIGN" prepare "$in" rs.state rs.tbs "$@") ||
	    return 1
	tpm2_hash -C o -g "$hash" -t rs.ticket -o rs.digest rs.tbs \
	    >/dev/null 2>>resign.err &&
	tpm2_sign -c "$ak" -g "$hash" -s "$scheme" -d -t rs.ticket \
	    -o rs.sig rs.digest >/dev/null 2>>resign.err &&
	"$RESIGN" finish rs.state rs.sig "$out"
}

# checks.py RESULTS FILE CHECK: "OUTCOME|REASON" lines of CHECK for the
# input named FILE; verdict.py RESULTS: "FILE VERDICT FAILED,CHECKS" lines.
cat >checks.py <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['input']['name'].endswith('/' + sys.argv[2]) or r['input']['name'] == sys.argv[2]:
        for c in r.get('checks', []):
            if c['name'] == sys.argv[3]:
                print('%s|%s' % (c['outcome'], c.get('reason', '')))
EOF
cat >verdict.py <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    fails = sorted({c['name'] for c in r.get('checks', []) if c['outcome'] == 'fail'})
    print(r['input']['name'].rsplit('/', 1)[-1], r['verdict'], ','.join(fails))
EOF

# ---- two devices, enrolled ---------------------------------------------------

"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 7 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
expect 0 "init" "$DOSSIER" init -o verifier.pem
for dev in rsa ecc; do
	swtpm_up "$dev" || { not_ok "swtpm_up $dev" "see stderr"; exit 1; }
	expect_eq "$(extend_log)" "" "$dev: the log extended into PCR 10"
	expect 0 "$dev: roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" \
	    "$SWTPM_CA_INTERMEDIATE"
	expect 0 "$dev: collect enroll" "$COLLECT" enroll -o "$dev-e.dossier" \
	    --state "st-$dev" --verifier-key verifier.pem --ek "$dev" \
	    --ak "$dev" --ima-log ima.bin
done
expect 0 "dossier enroll" "$DOSSIER" enroll rsa-e.dossier ecc-e.dossier \
    -o enroll.tar
mkdir -p ev0
for dev in rsa ecc; do
	swtpm_use "$dev"
	expect 0 "$dev: attest the enrollment challenge" "$COLLECT" attest \
	    --challenge enroll.tar -o "ev0/$dev.dossier" --state "st-$dev" \
	    --ima-log ima.bin
done
expect 0 "verify: both enrollment answers pass" "$DOSSIER" verify \
    -o r0.jsonl ev0

# A third device (a third swtpm) enrolled in ANOTHER store: its answer to
# that store's challenge is a genuine bundle this store does not know.
swtpm_up other || { not_ok "swtpm_up other" "see stderr"; exit 1; }
expect 0 "other store: init" "$DOSSIER" --store other.db init -o other.pem
expect 0 "other store: roots add" "$DOSSIER" --store other.db roots add \
    "$SWTPM_CA_ROOT" "$SWTPM_CA_INTERMEDIATE"
expect 0 "other: collect enroll" "$COLLECT" enroll -o other-e.dossier \
    --state st-other --verifier-key other.pem --ima-log ima.bin
expect 0 "other store: enroll" "$DOSSIER" --store other.db enroll \
    other-e.dossier -o other.tar
mkdir -p batch
expect 0 "other: attest" "$COLLECT" attest --challenge other.tar \
    -o batch/60-other-store.dossier --state st-other --ima-log ima.bin
swtpm_down other

# ---- rounds of challenges and answers ------------------------------------------

# round N: one challenge per enrolled device; answers in r<N>-<dev>.dossier.
round() {
	local dev
	expect 0 "challenge round $1" "$DOSSIER" challenge --all -o "ch$1.tar"
	for dev in rsa ecc; do
		swtpm_use "$dev"
		expect 0 "$dev: attest round $1" "$COLLECT" attest \
		    --challenge "ch$1.tar" -o "r$1-$dev.dossier" \
		    --state "st-$dev" --ima-log ima.bin
	done
}
for n in 1 2 3 4 5; do round $n; done
cp r1-rsa.dossier batch/10-rsa-pass.dossier
cp r1-ecc.dossier batch/11-ecc-pass.dossier
cp r1-rsa.dossier batch/12-rsa-replayed.dossier

"$DOSSIER" ima ascii ima.bin | cut -d' ' -f5 >paths.txt
P5=$(sed -n 6p paths.txt) P8=$(sed -n 9p paths.txt)	# records 5 and 8
# Re-signed by each device's own AK after the change.
swtpm_use rsa
mkdir -p x
# The same PCR value changed in pcrs.bin and in pcrs.tpm2 (a careful
# attacker keeps them consistent): sha256 PCR 9, whose value in pcrs.bin
# is bytes -66..-34 (u16 size, 32 bytes, then PCR 10 the same way) and in
# pcrs.tpm2 the 32 bytes 66 before PCR 10's (TPM2B_DIGEST with a 64-byte
# buffer), outside the IMA replay.
tar --zstd -xf r2-rsa.dossier -C x pcrs.bin pcrs.tpm2
cat >pcrflip.py <<'PY'
import sys
b = bytearray(open('x/pcrs.bin', 'rb').read())
t = bytearray(open('x/pcrs.tpm2', 'rb').read())
v9, v10 = bytes(b[-66:-34]), bytes(b[-32:])
p = t.find(v10)
if p < 66 or t.find(v10, p + 1) != -1 or t[p - 66:p - 34] != v9:
    sys.exit('pcrs.tpm2: PCR 10 not found once, or PCR 9 not before it')
b[-35] ^= 1
t[p - 35] ^= 1
open('pcrs-changed.bin', 'wb').write(b)
open('pcrs-changed.tpm2', 'wb').write(t)
PY
expect 0 "change sha256 PCR 9 in pcrs.bin and pcrs.tpm2" python3 pcrflip.py
expect 0 "rsa: re-sign a changed PCR value" resign r2-rsa.dossier \
    batch/20-rsa-pcr-changed.dossier st-rsa --replace pcrs.bin=pcrs-changed.bin \
    --replace pcrs.tpm2=pcrs-changed.tpm2
python3 imaedit.py ima.bin ima-drop.bin drop 5
expect 0 "rsa: re-sign a removed IMA entry" resign r3-rsa.dossier \
    batch/30-rsa-ima-removed.dossier st-rsa --replace ima.log=ima-drop.bin
python3 imaedit.py ima.bin ima-cut.bin cut
expect 0 "rsa: re-sign a truncated log" resign r4-rsa.dossier \
    batch/40-rsa-ima-truncated.dossier st-rsa --replace ima.log=ima-cut.bin
swtpm_use ecc
python3 imaedit.py ima.bin ima-add.bin add 3 /usr/bin/implant
expect 0 "ecc: re-sign an added IMA entry" resign r2-ecc.dossier \
    batch/21-ecc-ima-added.dossier st-ecc --replace ima.log=ima-add.bin
python3 imaedit.py ima.bin ima-change.bin change 8
expect 0 "ecc: re-sign a changed IMA entry" resign r3-ecc.dossier \
    batch/31-ecc-ima-changed.dossier st-ecc --replace ima.log=ima-change.bin
echo extra >extra.txt
expect 0 "ecc: re-sign with an extra member" resign r4-ecc.dossier \
    batch/41-ecc-extra-member.dossier st-ecc --add notes.txt=extra.txt:text/plain

# A member changed after signing: one byte of quote.sig, repacked ustar.
mkdir -p flip
tar --zstd -xf r5-rsa.dossier -C flip
tar --zstd -tf r5-rsa.dossier >flip.list
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1; open(sys.argv[1], "wb").write(b)' \
    flip/quote.sig
(cd flip && tar --format=ustar -cf - -T ../flip.list) | zstd -q -o batch/50-rsa-member-changed.dossier
cp r5-ecc.dossier batch/51-ecc-pass.dossier

# An expired challenge (1 s) answered in time but judged late.
RSA_ID=$(sed -n 's/^device-id=//p' st-rsa/state)
expect 0 "challenge --expires 1" "$DOSSIER" challenge --device "$RSA_ID" \
    --expires 1 -o chx.tar
swtpm_use rsa
expect 0 "rsa: attest the short challenge" "$COLLECT" attest --challenge chx.tar \
    -o batch/55-rsa-expired.dossier --state st-rsa --ima-log ima.bin

# Two answers of the RSA device made in the order their challenges were
# issued, the later judged first (71), the earlier after it (72): both
# pass, as the states are compared in issue order (dossier-verify(1),
# State order), not in the order the names sort.
expect 0 "challenge older" "$DOSSIER" challenge --device "$RSA_ID" -o cho.tar
expect 0 "challenge later" "$DOSSIER" challenge --device "$RSA_ID" -o chl.tar
expect 0 "rsa: attest older" "$COLLECT" attest --challenge cho.tar \
    -o batch/72-rsa-older.dossier --state st-rsa --ima-log ima.bin
sleep 0.2
expect 0 "rsa: attest later" "$COLLECT" attest --challenge chl.tar \
    -o batch/71-rsa-later.dossier --state st-rsa --ima-log ima.bin
# A rolled-back clock: the later challenge answered first (73) and the
# earlier one after it (74): the TPM signed a newer state for the older
# challenge. 73 is judged first and passes; 74 contradicts it.
expect 0 "challenge older (2)" "$DOSSIER" challenge --device "$RSA_ID" -o cho2.tar
expect 0 "challenge later (2)" "$DOSSIER" challenge --device "$RSA_ID" -o chl2.tar
expect 0 "rsa: attest the later challenge first" "$COLLECT" attest \
    --challenge chl2.tar -o batch/73-rsa-later-first.dossier --state st-rsa \
    --ima-log ima.bin
sleep 0.2
expect 0 "rsa: attest the older challenge after it" "$COLLECT" attest \
    --challenge cho2.tar -o batch/74-rsa-older-after.dossier --state st-rsa \
    --ima-log ima.bin

# A TPM reset of the ECC device, its log extended in another order.
swtpm_use ecc
ECC_ID=$(sed -n 's/^device-id=//p' st-ecc/state)
expect 0 "challenge ecc after reset" "$DOSSIER" challenge --device "$ECC_ID" \
    -o chr.tar
tpm2_shutdown -c >/dev/null 2>&1 &&
    swtpm_ioctl --tcp "127.0.0.1:$((SWTPM_PORT + 1))" -i >/dev/null 2>&1 &&
    tpm2_startup -c >/dev/null 2>&1 && ok "ecc: TPM reset" ||
    not_ok "ecc: TPM reset"
python3 imaedit.py ima.bin ima-reordered.bin swap 4 9
expect_eq "$(extend_log "1 2 3 4 10 6 7 8 9 5 11 12")" "" \
    "ecc: the log extended in another order after the reset"
expect 0 "ecc: attest after the reset" "$COLLECT" attest --challenge chr.tar \
    -o batch/80-ecc-reset-reordered.dossier --state st-ecc \
    --ima-log ima-reordered.bin
sleep 2	# past the 1 s challenge's expiry

# ---- one batch -----------------------------------------------------------------
expect 1 "verify: the batch" "$DOSSIER" verify -o rb.jsonl batch
expect_err '^verify: 18 bundles: 7 pass, 11 fail, 0 error' "verify: summary"
python3 verdict.py rb.jsonl >verdicts.txt

# verdict FILE VERDICT FAILED-CHECKS: exactly these checks failed.
verdict() {
	expect_eq "$(grep "^$1 " verdicts.txt)" "$1 $2 $3" "$1: $2${3:+ ($3)}"
}
# reason FILE CHECK OUTCOME REGEX: a line of CHECK with OUTCOME whose
# reason matches REGEX.
reason() {
	local got
	got=$(python3 checks.py rb.jsonl "$1" "$2")
	if printf '%s\n' "$got" | grep -q -- "^$3|$4"; then
		ok "$1: $2 $3: $4"
	else
		not_ok "$1: $2 $3: $4" "$got"
	fi
}
for f in 10-rsa-pass 11-ecc-pass 51-ecc-pass 71-rsa-later 72-rsa-older \
    73-rsa-later-first; do
	verdict $f.dossier pass ""
done
verdict 12-rsa-replayed.dossier fail challenge.single-use
reason 12-rsa-replayed.dossier challenge.single-use fail "already answered"
verdict 20-rsa-pcr-changed.dossier fail quote.pcr-digest
reason 20-rsa-pcr-changed.dossier quote.pcr-digest fail \
    "pcrDigest [0-9a-f]* is not [0-9a-f]*, the sha256 digest of pcrs.bin (tpm2-tools marshaled): a PCR value was changed"
verdict 21-ecc-ima-added.dossier fail \
    ima.reorder,ima.replay.sha1,ima.replay.sha256
reason 21-ecc-ima-added.dossier ima.reorder fail \
    "extra: entry 3 '/usr/bin/implant' sha256:"
verdict 30-rsa-ima-removed.dossier fail ima.replay.sha1,ima.replay.sha256
reason 30-rsa-ima-removed.dossier ima.reorder ok \
    ".*missing 1; first reported: missing: '$P5'"
verdict 31-ecc-ima-changed.dossier fail \
    ima.reorder,ima.replay.sha1,ima.replay.sha256
reason 31-ecc-ima-changed.dossier ima.reorder fail \
    "changed: entry 8 '$P8' sha256:[0-9a-f]*; reference sha256:"
verdict 40-rsa-ima-truncated.dossier fail ima.parse
reason 40-rsa-ima-truncated.dossier ima.parse fail "ima.log: entry 11 .*truncated"
verdict 41-ecc-extra-member.dossier fail bundle.container
reason 41-ecc-extra-member.dossier bundle.container fail \
    ".*member 'notes.txt' is not an evidence member"
verdict 50-rsa-member-changed.dossier fail bundle.container
reason 50-rsa-member-changed.dossier bundle.container fail ".*quote.sig"
verdict 55-rsa-expired.dossier fail challenge.expiry
reason 55-rsa-expired.dossier challenge.expiry fail "expired at "
verdict 60-other-store.dossier fail device.known
reason 60-other-store.dossier device.known fail "no device of this store"
reason 72-rsa-older.dossier state.clock ok "[0-9]* ms (last accepted [0-9]*)"
verdict 74-rsa-older-after.dossier fail state.clock
reason 74-rsa-older-after.dossier state.clock fail \
    "clock [0-9]* ms is later than the [0-9]* ms accepted for a challenge issued after this one"
verdict 80-ecc-reset-reordered.dossier pass ""
reason 80-ecc-reset-reordered.dossier ima.reorder ok \
    ".*12 entries: extra 0, changed 0, duplicate 0, missing 0"
reason 80-ecc-reset-reordered.dossier state.reset ok \
    "reboot reported (TPM reset)"
done_testing
