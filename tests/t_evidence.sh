#!/usr/bin/env bash
# t_evidence.sh - the evidence trail (dossier-evidence(1)): dossier verify
# keeps every bundle whose signature verified in STORE.evidence, named by
# its SHA-256, before its result commits, even when the spool deletes the
# input; an unsigned bundle is not kept; dossier inspect shows the
# recorded verdict, and --explain says that it judges again and why that
# differs; evidence list and export (re-checked with openssl, tar and
# dossier inspect alone); a changed archive file is caught; prune; and
# --no-evidence. Generated evidence (gen_evidence, no TPM) against
# test_judge_verify's fixture store.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl tar

. "$DOSSIER_TOP/tests/fixture.sh"
fixture_up 6
EVD=$F/store.db.evidence
gen() { local n=$1 c=$2; shift 2; fixture_gen "$n" "$c" 1 "$@"; }
sha() { openssl dgst -sha256 -r "$1" | cut -c1-64; }

gen b0 1000
gen b1 2000 --manifest-key "$F/b.pem"	# forged: not signed by a's AK
gen b2 3000 --flip-pcr 3		# signed, fails quote.pcr-digest
EV=$T/ev
mkdir -p "$EV/tmp" "$EV/new" "$EV/cur"
for n in b0 b1 b2; do cp "$T/b/$n.dossier" "$EV/new/$(cat "$T/b/$n.name")"; done
expect 1 "verify SPOOL: two fail" "$DOSSIER" "${S[@]}" verify "$EV"
expect_eq "$(ls "$EV/new" "$EV/cur" | grep -c dbundle)" 0 \
    "the spool's bundles are gone after judging"

# ---- the archive -------------------------------------------------------------------
S0=$(sha "$T/b/b0.dossier") S1=$(sha "$T/b/b1.dossier") S2=$(sha "$T/b/b2.dossier")
expect_eq "$(find "$EVD" -type f | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$EVD/${S0:0:2}/$S0.dossier" "$EVD/${S2:0:2}/$S2.dossier" | sort | tr '\n' ' ')" \
    "archive: the two signed bundles, named by SHA-256; the forged one not"
expect 0 "archive: the kept bytes are the bundle's" cmp "$T/b/b0.dossier" \
    "$EVD/${S0:0:2}/$S0.dossier"
expect_eq "$(stat -c %a "$EVD")/$(stat -c %a "$EVD/${S0:0:2}/$S0.dossier")" \
    "700/444" "archive: the directory private, the files read-only"

# ---- inspect shows what was recorded --------------------------------------------
# (exit 1: the fixture's EK certificate is a placeholder that does not
# decode as one; the judge compares its bytes only)
expect 1 "inspect: a judged bundle" "$DOSSIER" "${S[@]}" inspect "$T/b/b0.dossier"
expect_out '^\[recorded\]$' "inspect: a [recorded] section"
expect_out '^verdict pass \(recorded\)$' "inspect: the recorded verdict"
expect_out '^ok challenge.single-use consumed now$' "inspect: the recorded checks"
expect_out "^evidence kept $EVD/${S0:0:2}/$S0.dossier\$" "inspect: where it is kept"
expect_out '^verifier [0-9a-f]{64}$' "inspect: by which verifier key"
expect_out '^judged [0-9]{4}-[0-9]{2}-[0-9]{2}T' "inspect: when"
expect 1 "inspect --explain: the new judgement fails" "$DOSSIER" "${S[@]}" \
    inspect --explain "$T/b/b0.dossier"
expect_out '^verdict pass \(recorded\)$' "explain: the recorded verdict first"
expect_out '^explain judges the bundle again now, under today.s store and policy: this is not the recorded verdict above and may differ from it \(its challenge was consumed' \
    "explain: says it judges again and why it differs"
expect_out '^FAIL challenge.single-use' "explain: today the challenge is used"
expect_out '^verdict fail$' "explain: today's verdict, not labelled recorded"
expect 1 "inspect: the forged bundle" "$DOSSIER" "${S[@]}" inspect "$T/b/b1.dossier"
expect_out '^verdict fail \(recorded\)$' "inspect: the forged one's recorded failure"
expect_out '^evidence not kept$' "inspect: the forged one was not kept"
gen b5 6000
expect 1 "inspect: a bundle never judged" "$DOSSIER" "${S[@]}" inspect "$T/b/b5.dossier"
expect_out '^verdict none \(this store has not judged these bytes\)$' \
    "inspect: bytes the store never judged say so"

expect 1 "inspect: a store that is not there does not stop the decoding" \
    env DOSSIER_STORE="$T/none.db" "$DOSSIER" inspect "$T/b/b0.dossier"
expect_out '^store none \(.*none.db: No such file' "inspect: says the store is not there"
expect_out '^\[member ima.log\]$' "inspect: and decodes the bundle"

# ---- list -------------------------------------------------------------------------------
expect 0 "evidence list" "$DOSSIER" "${S[@]}" evidence list --device "${DEV:0:12}"
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 2 "list: the device's two results (the forged names none)"
expect_out "^[0-9T:Z-]+ pass $DEV [0-9a-f]{32} $S0 kept\$" "list: the pass, kept"
expect_out "^[0-9T:Z-]+ fail $DEV [0-9a-f]{32} $S2 kept\$" "list: the failure, kept"
expect 2 "list: an unknown device" "$DOSSIER" "${S[@]}" evidence list --device 00000000
expect_err "evidence list: device '00000000': no such device" "list: says so"

# ---- export, and a re-check with other tools ------------------------------------------
expect 0 "export --device" "$DOSSIER" "${S[@]}" evidence export \
    --device "$DEV" -o "$T/ex.tar"
expect_err "2 results, 2 bundles kept" "export: counted"
mkdir -p "$T/x"
tar -xf "$T/ex.tar" -C "$T/x" || not_ok "tar -x"
expect_eq "$(cd "$T/x" && find . -type f | sort | tr '\n' ' ')" \
    "$(printf '%s\n' ./verifier.pem ./results.jsonl ./evidence/$S0.dossier ./evidence/$S2.dossier \
        $(cd "$T/x" && ls results/*.dres | sed 's|^|./|') | sort | tr '\n' ' ')" \
    "export: the key, the results, the bundles"
expect_eq "$(ls "$T/x/results" | grep -c '\.dres$')" 2 "export: two signed results"
bad=0
for f in "$T/x"/evidence/*.dossier; do
	[ "$(sha "$f")" = "$(basename "$f" .dossier)" ] || bad=$((bad + 1))
done
expect_eq "$bad" 0 "export: every bundle has the SHA-256 of its name"
expect_eq "$(python3 -c '
import json, sys
ok = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    ok += r["bundle_sha256"] in (sys.argv[2], sys.argv[3]) and r["device"] == sys.argv[4]
print(ok)' "$T/x/results.jsonl" "$S0" "$S2" "$DEV")" 2 \
    "export: results.jsonl names each bundle by its digest"
openssl pkey -pubin -in "$T/x/verifier.pem" -noout 2>/dev/null &&
    ok "export: verifier.pem is a public key openssl reads" ||
    not_ok "export: verifier.pem is a public key openssl reads"
bad=0
for f in "$T/x"/results/*.dres; do
	"$DOSSIER" inspect --verifier-key "$T/x/verifier.pem" "$f" >/dev/null 2>&1 ||
	    bad=$((bad + 1))
done
expect_eq "$bad" 0 "export: each signed result verifies with the exported key"
expect 0 "export: a kept bundle re-checks with no store" "$DOSSIER" inspect \
    --explain "$T/x/evidence/$S0.dossier"
expect_out '^ok manifest.signature' "export: its manifest signature verifies"

# ---- a changed archive file is caught -------------------------------------------------
chmod u+w "$EVD/${S2:0:2}/$S2.dossier"
printf 'x' >>"$EVD/${S2:0:2}/$S2.dossier"
expect 2 "export: a changed archive file fails" "$DOSSIER" "${S[@]}" evidence \
    export --all -o "$T/ex2.tar"
expect_err "$S2.dossier: its bytes no longer have the SHA-256 of its name" \
    "export: names the changed file"
expect_eq "$(ls "$T" | grep -c 'ex2.tar')" 0 "export: no half-written file left"
rm -f "$EVD/${S2:0:2}/$S2.dossier"
expect 1 "export: a result whose bundle is not kept" "$DOSSIER" "${S[@]}" \
    evidence export --all -o "$T/ex3.tar"
expect_eq "$(tar -xOf "$T/ex3.tar" missing.txt)" "$S2" "export: missing.txt names it"

# ---- prune ------------------------------------------------------------------------------
expect 0 "prune: nothing older than a day" "$DOSSIER" "${S[@]}" evidence \
    prune --older-than 1
expect_eq "$(find "$EVD" -name '*.dossier' | wc -l | tr -d ' ')" 1 "prune: kept"
expect 2 "prune: needs --older-than" "$DOSSIER" "${S[@]}" evidence prune
sleep 1
expect 0 "prune --dry-run" "$DOSSIER" "${S[@]}" evidence prune --older-than 0 --dry-run
expect_out "^would-remove $S0\$" "prune --dry-run: names it"
expect_eq "$(find "$EVD" -name '*.dossier' | wc -l | tr -d ' ')" 1 "prune --dry-run: removes nothing"
expect 0 "prune --older-than 0" "$DOSSIER" "${S[@]}" evidence prune --older-than 0
expect_eq "$(find "$EVD" -name '*.dossier' | wc -l | tr -d ' ')" 0 "prune: removed"

# ---- --no-evidence ------------------------------------------------------------------------
gen b3 4000
expect 0 "verify --no-evidence" "$DOSSIER" "${S[@]}" verify --no-evidence "$T/b/b3.dossier"
expect_eq "$(find "$EVD" -name '*.dossier' | wc -l | tr -d ' ')" 0 "--no-evidence: nothing kept"
gen b4 5000
expect 0 "verify: a file input is kept too" "$DOSSIER" "${S[@]}" verify "$T/b/b4.dossier"
expect_eq "$(find "$EVD" -name '*.dossier' | wc -l | tr -d ' ')" 1 "verify FILE: kept"
done_testing
