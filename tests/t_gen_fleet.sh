#!/usr/bin/env bash
# t_gen_fleet.sh - the batch benchmark's tools cannot rot: verify_gen_fleet
# mints 20 bundles and a store that dossier verify passes, each IMA log a
# reordering of its device's reference; a tampered bundle fails; the floor
# (batch_floor) judges the same bundles and refuses a tampered one; the
# peer pipeline (tar + tpm2_checkquote + evmctl) passes them and catches a
# wrong nonce.
. "$DOSSIER_TOP/tests/lib.sh"
need tar python3 zstd

GEN=$DOSSIER_TOOLS/verify_gen_fleet
F=$T/fleet
expect 0 "gen: 20 bundles, 5 devices" "$GEN" -n 20 -D 5 -e 150 -E 1200 -b 5 \
    -j 2 -s 3 -o "$F"
expect_eq "$(ls "$F/bundles/0000" | wc -l | tr -d ' ')" 20 "gen: 20 bundle files"
expect_eq "$(sed -n 1,2p "$F/fleet.txt" | tr '\n' ' ')" "bundles 20 devices 5 " \
    "gen: fleet.txt counts"
expect_eq "$(wc -l <"$F/nonces" | tr -d ' ')" 20 "gen: one nonce per bundle"
expect 1 "gen: refuses an existing directory" "$GEN" -n 1 -o "$F"
expect 1 "gen: refuses -n 0" "$GEN" -n 0 -o "$T/none"

# Entries in fleet.txt: 4 devices of 120..180 records, device 4 of 1200.
total=$(awk '$1 == "entries" {print $2}' "$F/fleet.txt")
if [ "$total" -ge $((16 * 120 + 4 * 1200)) ] && [ "$total" -le $((16 * 180 + 4 * 1200)) ]; then
	ok "gen: entry total in range ($total)"
else not_ok "gen: entry total in range" "got $total"; fi

cp "$F/store.db" "$T/s1.db"
expect 0 "verify: all 20 pass" "$DOSSIER" --store "$T/s1.db" verify \
    -o "$T/r1.jsonl" "$F/bundles"
expect_eq "$(grep -c '"verdict":"pass"' "$T/r1.jsonl")" 20 "verify: 20 pass results"
sum=$(python3 - "$T/r1.jsonl" <<'EOF'
import json, re, sys
n = 0
for l in open(sys.argv[1], encoding="utf-8"):
    for c in json.loads(l)["checks"]:
        if c["name"] == "ima.parse":
            n += int(re.match(r"(\d+) entries", c["reason"]).group(1))
print(n)
EOF
)
expect_eq "$sum" "$total" "verify: IMA entries judged = fleet.txt's total"

# Reordered boots: some bundle's log differs from its device's first one
# while holding the same records (the comparison is order-free).
python3 - "$F" >"$T/order" <<'EOF'
import hashlib, io, subprocess, sys, tarfile
d = sys.argv[1]
def log(i):
    raw = subprocess.run(["zstd", "-dc", "%s/bundles/0000/%07d.dossier" % (d, i)],
                         capture_output=True, check=True).stdout
    return tarfile.open(fileobj=io.BytesIO(raw)).extractfile("ima.log").read()
a, b = log(0), log(5)		# device 0, variants 0 and 1
print("same" if a == b else "differ", "samelen" if len(a) == len(b) else "difflen")
EOF
expect_eq "$(cat "$T/order")" "differ samelen" "gen: a device's bundles carry reordered logs"

# One tampered bundle (a byte of the compressed stream) fails; the others
# in a fresh store still pass.
cp -r "$F/bundles" "$T/tb"
f=$T/tb/0000/0000007.dossier
sz=$(stat -c %s "$f")
printf '\x55' | dd of="$f" bs=1 seek=$((sz / 2)) conv=notrunc status=none
cp "$F/store.db" "$T/s2.db"
expect 1 "verify: a tampered bundle makes the batch fail" "$DOSSIER" \
    --store "$T/s2.db" verify -o "$T/r2.jsonl" "$T/tb"
expect_eq "$(grep -c '"verdict":"pass"' "$T/r2.jsonl")" 19 "verify: 19 still pass"
if grep '0000007.dossier' "$T/r2.jsonl" | grep -q '"verdict":"\(fail\|error\)"'; then
	ok "verify: the tampered bundle does not pass"
else not_ok "verify: the tampered bundle does not pass"; fi

# The floor judges the same bundles, and refuses the tampered one.
mapfile -t all < <(ls "$F"/bundles/0000/*.dossier)
expect 0 "floor: 20 bundles, 2 threads" "$DOSSIER_TOOLS/batch_floor" -j 2 -r 1 "${all[@]}"
expect_out "^bundles=20 threads=2 entries=$total best_s=" "floor: counts every entry"
expect 1 "floor: a tampered bundle is refused" "$DOSSIER_TOOLS/batch_floor" -r 1 "$f"

# The peer pipeline passes the first 3 bundles and catches a wrong nonce.
if command -v tpm2_checkquote >/dev/null && command -v evmctl >/dev/null; then
	expect 0 "peer: 3 bundles pass tpm2_checkquote and evmctl" \
	    "$DOSSIER_TOP/bench/peer_pipeline.sh" "$DOSSIER_TOOLS" "$F" 3
	expect_out '^bundles=3 seconds=' "peer: timing line"
	cp -r "$F" "$T/f2"
	awk 'NR == 2 { $3 = (substr($3, 1, 2) == "00" ? "11" : "00") substr($3, 3) } { print }' \
	    "$F/nonces" >"$T/f2/nonces"
	expect 1 "peer: a wrong nonce is caught" \
	    "$DOSSIER_TOP/bench/peer_pipeline.sh" "$DOSSIER_TOOLS" "$T/f2" 3
	expect_err 'bundle 0000001 did not pass' "peer: names the bundle"
else
	skip "peer pipeline" "tpm2_checkquote or evmctl not installed"
fi
# The realistic shape (-K): 12 devices from 3 images, one bundle each;
# bundle 7 carries a planted record. The others pass, bundle 7 alone fails,
# its reference comparison naming the record.
K=$T/images
expect 0 "gen -K: 12 devices from 3 images, bundle 7 planted" "$GEN" -n 12 \
    -D 12 -K 3 -e 150 -P 7 -j 2 -s 4 -o "$K"
expect_eq "$(sed -n 's/^images //p' "$K/fleet.txt")" 3 "gen -K: fleet.txt says the images"
expect 1 "verify -K: the planted bundle fails the batch" "$DOSSIER" \
    --store "$K/store.db" verify -o "$T/rk.jsonl" "$K/bundles"
expect_eq "$(grep -c '"verdict":"pass"' "$T/rk.jsonl")" 11 "verify -K: the 11 others pass"
expect_eq "$(python3 - "$T/rk.jsonl" <<'EOF'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["verdict"] != "pass":
        bad = [c["name"] for c in r["checks"] if c["outcome"] == "fail"
               and "'/usr/bin/planted'" in c["reason"]]
        print(r["input"]["name"].rsplit("/", 1)[1], " ".join(sorted(set(bad))))
EOF
)" "0000007.dossier ima.reorder" "verify -K: bundle 7 alone fails, ima.reorder names the record"
# Devices 0 and 3 follow image 0: their logs share the image's records in
# another order, and each adds records of its own that the other lacks.
expect_eq "$(python3 - "$K" <<'EOF'
import io, struct, subprocess, sys, tarfile
d = sys.argv[1]
def paths(i):
    raw = subprocess.run(["zstd", "-dc", "%s/bundles/0000/%07d.dossier" % (d, i)],
                         capture_output=True, check=True).stdout
    log = tarfile.open(fileobj=io.BytesIO(raw)).extractfile("ima.log").read()
    out, o = [], 0
    while o < len(log):
        nl = struct.unpack_from("<I", log, o + 24)[0]
        dl = struct.unpack_from("<I", log, o + 28 + nl)[0]
        td = log[o + 32 + nl:o + 32 + nl + dl]
        fl = struct.unpack_from("<I", td, 0)[0]
        pl = struct.unpack_from("<I", td, 4 + fl)[0]
        out.append(td[8 + fl:8 + fl + pl - 1].decode())
        o += 32 + nl + dl
    return out
a, b = paths(0), paths(3)
own_a = [p for p in a if p.startswith("/opt/fleet/")]
own_b = [p for p in b if p.startswith("/opt/fleet/")]
shared = set(a) & set(b)
print("image-shared" if len(shared) >= 0.8 * min(len(a), len(b)) else "not-shared",
      "reordered" if [p for p in a if p in shared] != [p for p in b if p in shared] else "same-order",
      "own-apart" if not (set(own_a) & set(own_b)) else "own-overlap")
EOF
)" "image-shared reordered own-apart" "gen -K: two devices of one image share it, in their own order, with their own records"
done_testing
