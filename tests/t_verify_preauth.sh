#!/usr/bin/env bash
# t_verify_preauth.sh - what an unauthenticated bundle costs dossier verify
# (issue 14, section 2, "memory before authentication"): bundles of about
# 30 KB whose manifests list ~1 GiB of zeros with correct digests
# (testdata/gen/gen_bomb), forged (signed by another key than the enrolled
# AK) or from a device the store does not know, judged two at a time with
# --jobs 2. The manifest is authenticated as soon as it is read, so the
# peak RSS stays under 200 MB (it was ~1.9 GB) and the result says which
# check failed: bundle.container skipped (members not read),
# device.known or manifest.signature failed, verdict fail. The same for a
# 60 MB bomb that the reader decodes in one pass (BUNDLE_ONESHOT_MAX): the
# RSS stays within 40 MiB of a run over one good bundle. A good bundle
# next to them still passes.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
BOMB=$DOSSIER_TOOLS/gen_bomb
RUSAGE=$DOSSIER_TOOLS/rusage_run
F=$T/fix
mkdir -p "$F"
"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 9 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/stranger.pem" 2>/dev/null || { not_ok "openssl genpkey"; exit 0; }
chal() { grep "^$1 " "$F/challenges" | cut -d' ' -f3; }
nonce() { grep "^$1 " "$F/challenges" | cut -d' ' -f4; }

# bomb NAME OUT BYTES KEY [gen_bomb options]
bomb() {
	"$BOMB" -k "$4" -o "$2" -c "$(chal "$1")" --ek-crt "$F/a.crt" \
	    --ek-pub "$F/a.pub" --zeros "$3" "${@:5}" ||
		not_ok "gen_bomb $2"
}
mkdir -p "$T/forged" "$T/unknown" "$T/onepass" "$T/good"
# (each twice: one for each of the two workers)
bomb pass "$T/forged/1.dossier" 1000000000 "$F/a.pem" --manifest-key "$F/b.pem"
bomb pass "$T/unknown/1.dossier" 1000000000 "$T/stranger.pem"
bomb pass "$T/onepass/1.dossier" 60000000 "$F/a.pem" --manifest-key "$F/b.pem"
for d in forged unknown onepass; do cp "$T/$d/1.dossier" "$T/$d/2.dossier"; done
"$GEN" -k "$F/a.pem" -o "$T/good/0.dossier" -c "$(chal other)" \
    -n "$(nonce other)" --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" \
    --ima-log "$T/ref.log" --clock 2000000 || not_ok "gen_evidence"
sz=$(stat -c %s "$T/forged/1.dossier")
[ "$sz" -lt 100000 ] && ok "a 1 GB bomb is a ${sz}-byte file" ||
	not_ok "a 1 GB bomb is small" "$sz bytes"

# verify_rss DIR...: verify with --jobs 2 on a fresh copy of the store;
# results in $T/res.jsonl, peak RSS (KiB) in $RSS.
verify_rss() {
	local line
	cp "$F/store.db" "$T/store.db"
	rm -f "$T/store.db-wal" "$T/store.db-shm"
	line=$("$RUSAGE" -o "$T/log" "$DOSSIER" --store "$T/store.db" verify \
	    -q --jobs 2 -o "$T/res.jsonl" "$@")
	RSS=$(echo "$line" | sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p')
	[ -n "$RSS" ] || RSS=999999999
}
# checks_of N: "verdict name:outcome ..." of result line N.
checks_of() {
	python3 - "$T/res.jsonl" "$1" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
r = json.loads(lines[int(sys.argv[2]) - 1])
print(r["verdict"], " ".join(c["name"] + ":" + c["outcome"] for c in r["checks"]))
EOF
}

verify_rss "$T/good"
BASE=$RSS
expect_eq "$(checks_of 1 | cut -d' ' -f1)" pass "one good bundle passes"

verify_rss "$T/forged"
[ "$RSS" -lt 204800 ] && ok "forged 1 GB bombs, --jobs 2: peak RSS $((RSS / 1024)) MiB < 200" ||
	not_ok "forged 1 GB bombs, --jobs 2: peak RSS < 200 MiB" "$((RSS / 1024)) MiB"
expect_eq "$(wc -l <"$T/res.jsonl")" 2 "forged bombs: one result each"
expect_eq "$(checks_of 1)" \
    "fail bundle.container:skip device.known:ok manifest.signature:fail" \
    "forged bomb: container skipped, manifest.signature fails"
expect_eq "$(checks_of 2)" \
    "fail bundle.container:skip device.known:ok manifest.signature:fail" \
    "forged bomb 2: the same"
if grep -q '"reason":"members not read: the MANIFEST did not authenticate"' "$T/res.jsonl"; then
	ok "forged bomb: bundle.container says why it was skipped"
else not_ok "forged bomb: bundle.container says why it was skipped" "$(head -c 600 "$T/res.jsonl")"; fi

verify_rss "$T/unknown"
[ "$RSS" -lt 204800 ] && ok "unknown device's 1 GB bombs, --jobs 2: peak RSS $((RSS / 1024)) MiB < 200" ||
	not_ok "unknown device's 1 GB bombs: peak RSS < 200 MiB" "$((RSS / 1024)) MiB"
expect_eq "$(checks_of 1)" "fail bundle.container:skip device.known:fail" \
    "unknown device's bomb: device.known fails, nothing after it"
expect_eq "$(checks_of 2)" "fail bundle.container:skip device.known:fail" \
    "unknown device's bomb 2: the same"

verify_rss "$T/onepass"
[ "$RSS" -lt $((BASE + 40960)) ] &&
	ok "60 MB one-pass bombs: peak RSS $((RSS / 1024)) MiB, within 40 MiB of one good bundle's $((BASE / 1024))" ||
	not_ok "60 MB one-pass bombs: peak RSS within 40 MiB of one good bundle's" \
	    "$((RSS / 1024)) MiB against $((BASE / 1024)) MiB"
expect_eq "$(checks_of 1)" \
    "fail bundle.container:skip device.known:ok manifest.signature:fail" \
    "one-pass bomb: container skipped, manifest.signature fails"

# All of them with a good bundle in one run: the good one still passes.
verify_rss "$T/forged" "$T/good" "$T/unknown"
[ "$RSS" -lt 204800 ] && ok "bombs and a good bundle: peak RSS < 200 MiB" ||
	not_ok "bombs and a good bundle: peak RSS < 200 MiB" "$((RSS / 1024)) MiB"
expect_eq "$(wc -l <"$T/res.jsonl")" 5 "bombs and a good bundle: 5 results"
expect_eq "$(checks_of 3 | cut -d' ' -f1)" pass "the good bundle among bombs passes"
done_testing
