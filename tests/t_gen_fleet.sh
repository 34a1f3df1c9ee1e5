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
done_testing
