#!/usr/bin/env bash
# t_verify.sh - dossier verify, the command: one batch of generated
# evidence bundles (gen_evidence, no TPM) against a store written by
# test_judge_verify's fixture mode: passing bundles and each failure with
# its own named check; inputs as files, a directory, tar and tar.zst
# archives and standard input; -o, --signed; exit statuses; a run that
# cannot write its results leaves the store untouched.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 tar zstd
python3 -c "import cryptography" 2>/dev/null || skip_all t_verify "python3 cryptography"

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
mkdir -p "$F" "$T/in"

# A realistic reference log: ima-ng and ima-sig entries, boot_aggregate.
"$DOSSIER_TOOLS/gen_ima_log" -n 40 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
# b0 and b1: challenges issued after all the named ones (the bank lists).
FIXTURE_CHALLENGES=2 "$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")

# gen NAME OUT [gen_evidence options]: a bundle answering challenge NAME.
gen() {
	local name=$1 out=$2 dev=a id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	if [ "${DEV:-a}" = b ]; then dev=b; fi
	"$GEN" -k "$F/$dev.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/$dev.crt" --ek-pub "$F/$dev.pub" \
	    --ima-log "$F/ref.log" "$@"
}

B=$T/in
gen pass      "$B/01-pass.dossier"      --clock 1000000
cp "$B/01-pass.dossier" "$B/02-replay.dossier"
gen expired   "$B/03-expired.dossier"   --clock 1000010
DEV=b gen other "$B/04-other.dossier"   --clock 1000020
gen wrongak   "$B/05-wrongak.dossier"   --clock 1000030 --manifest-key "$F/b.pem"
gen pcr       "$B/06-pcr.dossier"       --clock 1000040 --flip-pcr 3
gen added     "$B/07-added.dossier"     --clock 1000050 --ima-add /usr/local/bin/intruder
gen removed   "$B/08-removed.dossier"   --clock 1000060 --ima-drop-after 5
gen changed   "$B/09-changed.dossier"   --clock 1000070 --ima-change 7
gen truncated "$B/10-truncated.dossier" --clock 1000080 --ima-truncate 1
gen tampered  "$B/11-tampered.dossier"  --clock 1000090 --tamper pcrs.bin
gen extra     "$B/12-extra.dossier"     --clock 1000100 --extra-member
gen rollback  "$B/13-rollback.dossier"  --clock 500
gen reordered "$B/14-reordered.dossier" --clock 1000200 --ima-swap 3,9
head -c 3000 /dev/urandom >"$B/15-garbage.dossier"
gen reset     "$B/16-reset.dossier"     --clock 20 --reset 2
ls "$B" | wc -l | grep -q '^16$' && ok "16 bundles generated" || not_ok "16 bundles generated"

# The batch as a directory, results to a file, signed results too.
mkdir -p "$T/signed"
expect 1 "batch: exit 1 (some fail)" "$DOSSIER" "${S[@]}" verify \
    -o "$T/results.jsonl" --signed "$T/signed" "$B"
R=$T/results.jsonl
expect_eq "$(wc -l <"$R" | tr -d ' ')" 16 "batch: one result per bundle"
expect_eq "$(wc -c <"$T/out" | tr -d ' ')" 0 "batch: nothing on stdout with -o"
expect_err '^verify: 16 bundles: 3 pass, 12 fail, 1 error' "batch: summary counts"
expect_err '^  fail +.*02-replay.dossier: challenge.single-use' "batch: summary names the first failed check"

# verdict_of FILE NAME: "verdict first-failed-check: reason" of the result.
verdict_of() {
	python3 - "$R" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["input"]["name"].endswith(sys.argv[2]):
        f = [c for c in r["checks"] if c["outcome"] == "fail"]
        print(r["verdict"], (f[0]["name"] + ": " + f[0]["reason"]) if f else "")
EOF
}
# check_result FILE VERDICT CHECK [REASON-SUBSTRING]: the result's verdict,
# its first failed check and a part of that check's reason.
check_result() {
	local v want="$2 $3"
	v=$(verdict_of "$1")
	if [ "${v%%:*}" = "$want" ] && [[ "$v" == *"${4:-}"* ]]; then
		ok "$1: $2 ${3:-}"
	else
		not_ok "$1: $2 ${3:-}" "got '$v'"
	fi
}
check_result 01-pass.dossier      pass ""
check_result 02-replay.dossier    fail challenge.single-use "already answered"
check_result 03-expired.dossier   fail challenge.expiry "expired at"
check_result 04-other.dossier     fail challenge.device "another device"
check_result 05-wrongak.dossier   fail manifest.signature
check_result 06-pcr.dossier       fail quote.pcr-digest "PCR value was changed"
check_result 07-added.dossier     fail ima.reorder "extra: entry 40 '/usr/local/bin/intruder'"
check_result 08-removed.dossier   fail ima.replay.sha1 "does not replay"
check_result 09-changed.dossier   fail ima.reorder "changed: entry 7 "
check_result 10-truncated.dossier fail ima.replay.sha1 "does not replay"
check_result 11-tampered.dossier  fail bundle.container "pcrs.bin"
check_result 12-extra.dossier     fail bundle.container "extra"
check_result 13-rollback.dossier  fail state.clock "rollback"
check_result 14-reordered.dossier pass ""
check_result 15-garbage.dossier   error bundle.container
check_result 16-reset.dossier     pass ""
if grep -F '16-reset.dossier' "$R" | grep -q '"name":"state.reset","outcome":"ok","reason":"reboot reported'; then
	ok "TPM reset: reported in state.reset"
else not_ok "TPM reset: reported in state.reset"; fi
if python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    assert r["verdict"] in ("pass", "fail", "error")
    assert r["input"]["offset"] is None
' "$R"; then ok "results are JSON Lines"; else not_ok "results are JSON Lines"; fi

# Signed results: one per bundle; names by device and challenge.
expect_eq "$(ls "$T/signed" | grep -c '\.dres$')" 16 "signed: one file per bundle"
# A result names a device only once the manifest verified: garbage, the
# wrong AK's manifest, and the two that fail the container before it.
expect_eq "$(ls "$T/signed" | grep -c '^unidentified-')" 4 \
    "signed: the unauthenticated results are unidentified"
expect_eq "$(ls "$T/signed" | grep -c "^$(openssl dgst -sha256 -r "$F/a.crt" | cut -c1-64)-")" 11 \
    "signed: device a's authenticated results under its id"
expect_eq "$(ls "$T/signed" | grep -Ec '^[0-9a-f]{64}-[0-9a-f]{32}-2\.dres$')" 1 "signed: the replay does not overwrite the pass"
f=$(ls "$T/signed"/*.dres | head -n 1)
expect_eq "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" d9d9f7da44535253 "signed: DSRS magic"

# Each signed file verifies with the verifier key (python cryptography),
# and its EAR status says what the JSON line says.
"$DOSSIER" "${S[@]}" init --show-key -o "$T/verifier.pem" >/dev/null 2>&1
cat >"$T/dres.py" <<'PY'
import sys
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

def head(mt, n):
    if n < 24: return bytes([mt << 5 | n])
    if n < 256: return bytes([mt << 5 | 24, n])
    if n < 65536: return bytes([mt << 5 | 25]) + n.to_bytes(2, 'big')
    return bytes([mt << 5 | 26]) + n.to_bytes(4, 'big')

key = serialization.load_pem_public_key(open(sys.argv[1], 'rb').read())
tiers = {}
for path in sys.argv[2:]:
    f = open(path, 'rb').read()
    (prot, unprot, payload, sig), end = item(f, 8)
    assert end == len(f), 'trailing bytes'
    tbs = (head(4, 4) + head(3, 10) + b'Signature1' + head(2, len(prot)) +
        prot + head(2, 0) + head(2, len(payload)) + payload)
    key.verify(encode_dss_signature(int.from_bytes(sig[:32], 'big'),
        int.from_bytes(sig[32:], 'big')), tbs, ec.ECDSA(hashes.SHA256()))
    p, _ = item(payload, 0)
    (appraisal,) = p[266].values()
    tiers[appraisal[1000]] = tiers.get(appraisal[1000], 0) + 1
print(' '.join('%d:%d' % kv for kv in sorted(tiers.items())))
PY
run python3 "$T/dres.py" "$T/verifier.pem" "$T"/signed/*.dres
expect_eq "$RC:$(cat "$T/out")" "0:0:1 2:3 96:12" \
    "signed: every file verifies; EAR status none 1, affirming 3, contraindicated 12"

# Everything was consumed: judging the same directory again fails all.
expect 1 "second run: exit 1" "$DOSSIER" "${S[@]}" verify "$B/01-pass.dossier"
expect_out '"challenge.single-use","outcome":"fail"' "second run: the pass is now a replay"

# Archives and standard input: a tar and a tar.zst of bundles.
gen tar1 "$T/t1.dossier" --clock 2000000 --reset 2
gen tar2 "$T/t2.dossier" --clock 2000010 --reset 2
(cd "$T" && tar -cf batch.tar t1.dossier t2.dossier)
expect 0 "tar archive, options after it: both pass" "$DOSSIER" verify "$T/batch.tar" \
    -o "$T/tar.jsonl" "${S[@]}"
expect_eq "$(grep -c '"verdict":"pass"' "$T/tar.jsonl")" 2 \
    "options after the input: -o and --store taken as options"
expect_eq "$(grep -cE '"name":"[^"]*batch.tar: t2.dossier","offset":[0-9]+' "$T/tar.jsonl")" 1 \
    "tar archive: members named with offsets"
gen zst1 "$T/z1.dossier" --clock 2000020 --reset 2
gen zst2 "$T/z2.dossier" --clock 2000030 --reset 2
(cd "$T" && tar -cf - z1.dossier z2.dossier | zstd -q -o batch.tar.zst)
expect 0 "tar.zst archive: both pass" "$DOSSIER" "${S[@]}" verify "$T/batch.tar.zst"
expect_eq "$(grep -c '"verdict":"pass"' "$T/out")" 2 "tar.zst archive: two results"
# Its challenge was issued before tar1's: its clock lies between the
# states of the challenges issued around it (dossier-verify(1), State order).
gen stdin "$T/s.dossier" --clock 1500000 --reset 2
run "$DOSSIER" "${S[@]}" verify - <"$T/s.dossier"
expect_eq "$RC" 0 "stdin: passes"
expect_out '"input":\{"name":"-: 1","offset":0\}' "stdin: named -: 1, offset 0"

# Mixed inputs in one run, in order.
mkdir -p "$T/d/sub"
gen dir1 "$T/d/a.dossier" --clock 2000050 --reset 2
gen dir2 "$T/d/sub/b.dossier" --clock 2000060 --reset 2
echo "not a bundle" >"$T/d/.hidden"
expect 0 "directory walked recursively, dot files skipped" "$DOSSIER" "${S[@]}" verify "$T/d"
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 2 "directory: two results"

# Usage and I/O errors: exit 2.
expect 2 "no input: exit 2" "$DOSSIER" "${S[@]}" verify
expect 2 "missing input: exit 2" "$DOSSIER" "${S[@]}" verify "$T/nonexistent"
expect_err 'nonexistent' "missing input: named"
expect 2 "missing store: exit 2" "$DOSSIER" --store "$T/none.db" verify "$B/01-pass.dossier"
expect 2 "unknown option: exit 2" "$DOSSIER" "${S[@]}" verify --bogus "$B"
expect 2 "--signed not a directory: exit 2" "$DOSSIER" "${S[@]}" verify --signed "$R" "$B"

# A run that cannot write its results records nothing: the challenge
# stays usable.
gen killed "$T/k.dossier" --clock 3000000 --reset 2
expect 2 "unwritable -o: exit 2" "$DOSSIER" "${S[@]}" verify -o "$T/no/such/dir/r.jsonl" "$T/k.dossier"
expect_err 'nothing recorded' "unwritable -o: says nothing was recorded"
expect 0 "after the failed run: the same bundle still passes" "$DOSSIER" "${S[@]}" verify "$T/k.dossier"

# Per-bank lists (ima-<alg>.log, Linux 6.10+ binary_runtime_measurements_
# <alg>): the reference log's sha256 list, as gen_ima_log writes it, is
# judged against bank sha256 of the quote and against ima.log.
"$DOSSIER_TOOLS/gen_ima_log" -n 40 -t mixed -s 7 -o "$T/ref2.log" \
    --bank-list "$T/ref256.log" >/dev/null || not_ok "gen_ima_log --bank-list"
expect 0 "bank list: gen_ima_log writes the same log again" cmp "$T/ref.log" "$T/ref2.log"
gen b0 "$T/bank-ok.dossier" --clock 4000000 --reset 3 \
    --ima-bank-list "sha256=$T/ref256.log"
expect 0 "bank list: a consistent sha256 list passes" "$DOSSIER" "${S[@]}" \
    verify "$T/bank-ok.dossier"
expect_out '"name":"ima.sha256-list.parse","outcome":"ok","reason":"40 entries"' \
    "bank list: parsed with the sha256 column"
expect_out '"name":"ima.sha256-list.replay","outcome":"ok","reason":"40 of 40 entries reach the quoted sha256 PCR 10 \(per-bank mode\)"' \
    "bank list: replays per bank to the quoted sha256 PCR 10"
expect_out '"name":"ima.sha256-list.consistent","outcome":"ok"' \
    "bank list: the same list as ima.log"
# Entry 5's path changed by one byte in the sha256 list only.
P5=$("$DOSSIER" ima ascii --log-alg sha256 "$T/ref256.log" | sed -n 6p | cut -d' ' -f5)
python3 - "$T/ref256.log" "$T/bad256.log" "$P5" <<'PY' || not_ok "alter the bank list"
import sys
b = open(sys.argv[1], 'rb').read()
p = sys.argv[3].encode()
i = b.index(p + b'\0')
open(sys.argv[2], 'wb').write(b[:i] + b'X' + b[i + 1:])
PY
gen b1 "$T/bank-bad.dossier" --clock 4000010 --reset 3 \
    --ima-bank-list "sha256=$T/bad256.log"
expect 1 "bank list: an altered sha256 list fails" "$DOSSIER" "${S[@]}" \
    verify "$T/bank-bad.dossier"
expect_out '"name":"ima.sha256-list.replay","outcome":"fail","reason":"1 entries with a wrong sha256 template digest, first entry 5 ' \
    "bank list: the altered entry fails the sha256 replay, named"
expect_out '"name":"ima.sha256-list.consistent","outcome":"fail","reason":"entry 5 .X' \
    "bank list: the altered entry is not ima.log's, named"
expect_out '"name":"ima.replay.sha256","outcome":"ok"' \
    "bank list: ima.log itself still replays"
done_testing
