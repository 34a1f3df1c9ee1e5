#!/usr/bin/env bash
# t_refs.sh - dossier refs: reference sets from every source (IMA log
# binary and ascii, a bundle this store accepted, a directory tree, sum
# lists, other sets), subtract, diff, list, show --json; assignments and
# policies changing the verdicts of generated evidence bundles (judged with
# inspect --explain in rolled-back runs, and one real verify); refs update
# from a bundle of the device; trusted IMA keys. No TPM: gen_evidence
# bundles against the store test_judge_verify's fixture mode writes, as in
# t_verify.sh.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 sha256sum sha1sum md5sum

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
"$DOSSIER_TOOLS/gen_ima_log" -n 40 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" >/dev/null || { not_ok "fixture"; exit 0; }
S=(--store "$F/store.db")
R=("$DOSSIER" "${S[@]}" refs)
DEVA=$(sha256sum <"$F/a.crt" | cut -c1-64)
DEVB=$(sha256sum <"$F/b.crt" | cut -c1-64)

# gen NAME OUT [gen_evidence options]: a bundle answering challenge NAME.
gen() {
	local name=$1 out=$2 dev=a id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	if [ "${DEV:-a}" = b ]; then dev=b; fi
	"$GEN" -k "$F/$dev.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/$dev.crt" --ek-pub "$F/$dev.pub" \
	    --ima-log "$T/ref.log" "$@"
}
# explain BUNDLE: judge in a rolled-back run (the challenge stays issued).
explain() { run "$DOSSIER" "${S[@]}" inspect "$1" --explain; }
# nentries SET: the entry count of show --json.
nentries() { "${R[@]}" show "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))'; }

# ---- create, names ---------------------------------------------------------
expect 0 "create" "${R[@]}" create golden
expect 2 "create: the name exists" "${R[@]}" create golden
expect_err "exists" "create twice: says so"
expect 2 "create: a bad name" "${R[@]}" create '.hidden'
expect 2 "add to an unknown set" "${R[@]}" add nosuch --ima-log "$T/ref.log"
expect_err "no reference set 'nosuch'" "unknown set named"

# ---- sources -----------------------------------------------------------------
expect 0 "add --ima-log (binary)" "${R[@]}" add golden --ima-log "$T/ref.log"
expect_out '^golden: 39 entries \(0 before\)' "binary log: every file entry, not boot_aggregate"
"$DOSSIER" ima ascii "$T/ref.log" >"$T/ref.ascii"
expect 0 "add --ima-log (ascii)" "${R[@]}" create asc
expect 0 "add the ascii twin" "${R[@]}" add asc --ima-log "$T/ref.ascii"
expect 0 "diff: a log and its ascii twin are the same set" "${R[@]}" diff golden asc
expect_out '^diff golden asc: 0 entries of golden not in asc, 0 entries of asc not in golden' "diff: nothing"
"${R[@]}" show golden --json >"$T/golden.json"
python3 - "$T/golden.json" "$T/ref.log" <<'EOF' && ok "show --json: entries with path, alg, digest, count, source" || not_ok "show --json: entries with path, alg, digest, count, source"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["name"] == "golden" and len(d["entries"]) == 39, d["name"]
e = d["entries"][0]
assert set(e) == {"path", "alg", "digest", "count", "source"}, e
assert e["source"] == "ima-log " + sys.argv[2], e
assert all(x["alg"] in ("sha1", "sha256", "sha384", "sha512") and x["count"] >= 1 for x in d["entries"])
assert [x["path"] for x in d["entries"]] == sorted(x["path"] for x in d["entries"])
EOF

mkdir -p "$T/root/usr/bin" "$T/root/etc"
printf 'x\n' >"$T/root/usr/bin/x"
printf 'y\n' >"$T/root/etc/y"
ln -s x "$T/root/usr/bin/link"
expect 0 "create tree" "${R[@]}" create tree
expect 0 "add --dir with two algorithms" "${R[@]}" add tree --dir "$T/root" --alg sha256,sha512
expect_eq "$(nentries tree)" 4 "tree: 2 files x 2 algorithms, the symlink not followed"
"${R[@]}" show tree >"$T/out"
expect_out "^sha256:$(sha256sum <"$T/root/usr/bin/x" | cut -c1-64) /usr/bin/x " "tree: path relative to the root, sha256 as sha256sum"
expect_out "^sha512:$(sha512sum <"$T/root/etc/y" | cut -c1-128) /etc/y " "tree: sha512 as sha512sum"
expect_out "^source 0 tree $T/root\$" "tree: provenance"

printf '%s  /usr/bin/x\n%s  /etc/y\n' "$(sha256sum <"$T/root/usr/bin/x" | cut -c1-64)" \
    "$(sha384sum <"$T/root/etc/y" | cut -c1-96)" >"$T/SUMS"
expect 0 "create sums" "${R[@]}" create sums
expect 0 "add --sums (sha256 and sha384 lines)" "${R[@]}" add sums --sums "$T/SUMS"
expect_eq "$(nentries sums)" 2 "sums: two entries"
(cd "$T/root" && md5sum usr/bin/x) >"$T/MD5SUMS"
expect 2 "add --sums: an md5sum list is refused" "${R[@]}" add sums --sums "$T/MD5SUMS"
expect_err "MD5|md5" "md5: says why"
expect_eq "$(nentries sums)" 2 "md5 refused: the set is unchanged"
(cd "$T/root" && sha1sum usr/bin/x) >"$T/SHA1SUMS"
expect 2 "add --sums: sha1sum lines need --allow-sha1" "${R[@]}" add sums --sums "$T/SHA1SUMS"
expect 0 "add --sums --allow-sha1" "${R[@]}" add sums --sums "$T/SHA1SUMS" --allow-sha1
expect_eq "$(nentries sums)" 3 "sha1 line added"

expect 0 "create all" "${R[@]}" create all
expect 0 "add --set twice (union)" "${R[@]}" add all --set golden --set tree
expect_eq "$(nentries all)" 43 "union: 39 + 4"
expect 0 "subtract --set" "${R[@]}" subtract all --set tree
expect_eq "$(nentries all)" 39 "subtract: back to golden"
expect 0 "after subtract: the same as golden" "${R[@]}" diff all golden

expect 1 "diff: sets that differ (exit 1)" "${R[@]}" diff tree sums
expect_out "^< sha512:.* /usr/bin/x\$" "diff: entry only in the first"
grep '^>' "$T/out" >"$T/gt"
expect_eq "$(grep -c . "$T/gt")" 2 "diff: two entries only in the second"
grep -q "^> sha1:6fcf9dfbd479ed82697fee719b9f8c610a11ff2a .*usr/bin/x\$" "$T/gt" && ok "diff: the sha1 line only in the second" || not_ok "diff: the sha1 line only in the second" "$(cat "$T/gt")"
expect_out '^diff tree sums: 3 entries of tree not in sums, 2 entries of sums not in tree' "diff: counts"
printf '%s  /usr/bin/x\n' "$(printf 'changed\n' | sha256sum | cut -c1-64)" >"$T/SUMS2"
"${R[@]}" create mod >/dev/null && "${R[@]}" add mod --sums "$T/SUMS2" >/dev/null
expect 1 "diff: a changed file" "${R[@]}" diff tree mod
expect_out "^~ /usr/bin/x sha256:$(sha256sum <"$T/root/usr/bin/x" | cut -c1-64) -> sha256:$(printf 'changed\n' | sha256sum | cut -c1-64)\$" "diff: same path and algorithm, other digest"
expect 0 "list" "${R[@]}" list
expect_out '^golden +39 entries +0 devices' "list: counts"

# ---- assignments change verdicts -----------------------------------------------
gen dir1 "$T/plain.dossier" --clock 1000000
gen dir2 "$T/intruder.dossier" --clock 1000000 --ima-add /usr/local/bin/intruder
explain "$T/plain.dossier"
expect_eq "$RC" 0 "unassigned: judged against its enrollment log, passes"
expect_out "^ok ima.reorder rule 'reorder' \(default\) against enrollment-log" "the default rule and reference named"
explain "$T/intruder.dossier"
expect_eq "$RC" 1 "unassigned: an extra program fails"
expect_out "^FAIL ima.reorder: extra: entry 40 '/usr/local/bin/intruder' sha256:" "extra named with index, path, digest"

run "${R[@]}" device "$DEVA"
expect_eq "$(head -n 5 "$T/out")" "device $DEVA
sets enrollment-log (its own enrollment log)
rule reorder (default)
keys 0
pcr-rule pcrs (default)" "device: nothing assigned, the default"
expect_out "^pcr-reference 48 values from the reference values of device $DEVA\$" \
    "device: its own reference PCR values (a fixture: no origin recorded)"
expect_eq "$(grep -c '^pcr sha256 ' "$T/out")" 24 "device: its PCR values listed"
expect 0 "assign to tree (by id prefix)" "${R[@]}" assign "${DEVA:0:12}" tree
expect_out "assigned tree" "assign: said"
explain "$T/plain.dossier"
expect_eq "$RC" 1 "assigned to an unrelated set: the same bundle fails"
expect_out "^FAIL ima.reorder: rule 'reorder' \(default\) against tree|^FAIL ima.reorder: rule 'reorder' against tree" "the set is named"
expect 0 "assign golden too" "${R[@]}" assign "$DEVA" golden
explain "$T/plain.dossier"
expect_eq "$RC" 0 "assigned to golden and tree: passes (missing only reported)"
expect_out "^ok ima.reorder .*against golden, tree" "both sets named"
expect 0 "unassign tree" "${R[@]}" unassign "$DEVA" tree
expect 2 "an ambiguous or short device prefix" "${R[@]}" assign 1234 golden
expect 2 "an unknown device" "${R[@]}" assign 0000000000000000 golden
expect_err "no such device" "unknown device named"

# ---- policies -----------------------------------------------------------------------
expect 0 "device policy: allowlist with an exclude" "${R[@]}" policy "$DEVA" 'allowlist:exclude=/usr/local/*'
expect_out "allowlist:exclude=/usr/local/\*" "policy: canonical text echoed"
explain "$T/intruder.dossier"
expect_eq "$RC" 0 "allowlist excluding /usr/local: the intruder passes"
expect_out "^ok ima.allowlist rule 'allowlist:exclude=/usr/local/\*' against golden" "rule and set named"
expect 0 "device policy: allowlist without exclude" "${R[@]}" policy "$DEVA" allowlist
explain "$T/intruder.dossier"
expect_eq "$RC" 1 "allowlist: the intruder fails"
expect_out "^FAIL ima.allowlist: not-allowed: entry 40 '/usr/local/bin/intruder'" "not-allowed named"
run "${R[@]}" device "$DEVA"
expect_out "^rule allowlist \(the device's\)\$" "device: its own rule and origin"
expect 2 "a bad rule is refused" "${R[@]}" policy "$DEVA" 'reorder:fail=nonsense'
expect 0 "policy --clear" "${R[@]}" policy "$DEVA" --clear
expect 0 "set policy" "${R[@]}" policy --set golden 'reorder:fail=changed'
run "${R[@]}" device "${DEVA:0:8}"
expect_out "^sets golden\$" "device: the assigned set"
expect_out "^rule reorder:fail=changed \(its sets'\)\$" "device: the set's rule and its origin"
explain "$T/intruder.dossier"
expect_eq "$RC" 0 "the set's rule applies without device rules: extra does not fail"
expect_out "^ok ima.reorder rule 'reorder:fail=changed' against golden.*extra 1" "extra counted, not failing"
run "${R[@]}" policy --set golden
expect_out '^reorder:fail=changed$' "policy --set: shown"
"${R[@]}" policy --set golden --clear >/dev/null
"${R[@]}" unassign "$DEVA" golden >/dev/null

# ---- a verified bundle as a source; refs update ---------------------------------------
gen pass "$T/pass.dossier" --clock 1000000
expect 2 "add --bundle: a bundle the store has not judged is refused" "${R[@]}" add asc --bundle "$T/pass.dossier"
expect_err "has not judged" "unjudged: says so"
expect 0 "verify the bundle" "$DOSSIER" "${S[@]}" verify -o "$T/res.jsonl" "$T/pass.dossier"
expect 0 "create fromb" "${R[@]}" create fromb
expect 0 "add --bundle: an accepted bundle" "${R[@]}" add fromb --bundle "$T/pass.dossier"
expect_eq "$(nentries fromb)" 39 "bundle: its ima.log's entries"
"${R[@]}" show fromb >"$T/out"
expect_out "^source 0 bundle sha256:$(sha256sum <"$T/pass.dossier" | cut -c1-64) of device ${DEVA:0:16}\$" "bundle provenance"

expect 2 "update: a bundle of another device is refused" "${R[@]}" update "$DEVB" --bundle "$T/intruder.dossier"
expect_err "not a bundle of this device" "other device: said"
gen tar1 "$T/forged.dossier" --clock 1000000 --manifest-key "$F/b.pem" --ima-add /usr/local/bin/intruder
expect 2 "update: a bundle not signed by the enrolled AK is refused" "${R[@]}" update "$DEVA" --bundle "$T/forged.dossier"
expect_err "manifest.signature" "forged: the failing check named"
expect 0 "update: the operator accepts the new log" "${R[@]}" update "$DEVA" --bundle "$T/intruder.dossier"
gen tar2 "$T/intruder2.dossier" --clock 1000000 --ima-add /usr/local/bin/intruder
explain "$T/intruder2.dossier"
expect_eq "$RC" 0 "after update: the intruder is in the device's reference"

# ---- IMA keys ----------------------------------------------------------------------------
SIG=$TD/ima/sig
expect 0 "key add" "${R[@]}" key add "$SIG/rsa.crt" "$SIG/ec.der"
run "${R[@]}" key list
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 2 "key list: two keys"
expect_out "^$(sha256sum <"$SIG/rsa.crt" | cut -c1-64) .*rsa.crt added " "key list: fingerprint and file"
expect 2 "key add: a keyid clash is refused" "${R[@]}" key add "$SIG/clash.crt"
run "${R[@]}" key list
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 2 "clash refused: still two keys"
expect 2 "key add: not a key" "${R[@]}" key add "$T/SUMS"
expect 0 "key remove" "${R[@]}" key remove "$(sha256sum <"$SIG/ec.der" | cut -c1-64)"
run "${R[@]}" key list
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 1 "key remove: one left"
expect 2 "key remove: an unknown key" "${R[@]}" key remove "$(printf '0%.0s' {1..64})"

expect 0 "delete a set" "${R[@]}" delete tree
expect 2 "deleted: gone" "${R[@]}" show tree

# ---- export, carry, import into a second store: identical verdicts --------------------
"$DOSSIER" "${S[@]}" init --show-key -o "$T/store1.pub" >/dev/null
expect 0 "export" "${R[@]}" export golden -o "$T/golden.refs"
expect_out "^exported golden: 39 entries" "export: said"
F2=$T/fix2
"$FIX" fixture "$F2" "$T/ref.log" >/dev/null || not_ok "second fixture"
R2=("$DOSSIER" --store "$F2/store.db" refs)
"$DOSSIER" --store "$F2/store.db" init --show-key -o "$T/store2.pub" >/dev/null
expect 2 "import: --signer is required" "${R2[@]}" import "$T/golden.refs"
expect 2 "import: another verifier's key is refused" "${R2[@]}" import "$T/golden.refs" --signer "$T/store2.pub"
cp "$T/golden.refs" "$T/bad.refs"
printf 'x' | dd of="$T/bad.refs" bs=1 seek=$(( $(stat -c %s "$T/bad.refs") - 20 )) conv=notrunc 2>/dev/null
expect 2 "import: a changed file is refused" "${R2[@]}" import "$T/bad.refs" --signer "$T/store1.pub"
run "${R2[@]}" list
expect_eq "$(wc -c <"$T/out" | tr -d ' ')" 0 "refused imports leave no set"
# dossier inspect decodes an export: its header, provenance and entries,
# the signature checked only with a key; a changed file is refused.
expect 0 "inspect an export" "$DOSSIER" inspect "$T/golden.refs"
expect_out "^type refs$" "inspect: the type named"
expect_out "^name golden$" "inspect: the set's name"
expect_out "^entries 39$" "inspect: the entry count"
expect_eq "$(grep -c '^entry [a-z0-9]*:[0-9a-f]* [0-9]* [0-9]* /' "$T/out")" 39 \
    "inspect: one line per entry, digest, count, source and path"
expect_out "^signature not-checked" "inspect: without a key, the signature is not checked"
expect 0 "inspect an export with the verifier key" "$DOSSIER" inspect \
    "$T/golden.refs" --verifier-key "$T/store1.pub"
expect_out "^signature verified with the verifier key$" "inspect: the signature verified"
expect 1 "inspect: another verifier's key fails" "$DOSSIER" inspect \
    "$T/golden.refs" --verifier-key "$T/store2.pub"
expect_out "^FAIL refs.signature: " "inspect: refs.signature names the failure"
expect 1 "inspect: a changed export fails to decode" "$DOSSIER" inspect "$T/bad.refs"
expect_out "^FAIL refs.decode: .*digest" "inspect: refs.decode names the body digest"
expect 0 "import with the exporting store's key" "${R2[@]}" import "$T/golden.refs" --signer "$T/store1.pub"
expect_out "^imported golden as golden: 39 entries \(a new set\)" "import: said"
expect 0 "import --as" "${R2[@]}" import "$T/golden.refs" --signer "$T/store1.pub" --as golden-copy
expect 0 "imported: the same entries and provenance" diff <("${R[@]}" show golden --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])') \
    <("${R2[@]}" show golden --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
# ima check against either store's set gives the same lines.
v1=$("$DOSSIER" "${S[@]}" ima check "$T/ref.log" --refs golden --policy 'reorder:fail=extra,changed,missing'; echo "rc=$?")
v2=$("$DOSSIER" --store "$F2/store.db" ima check "$T/ref.log" --refs golden --policy 'reorder:fail=extra,changed,missing'; echo "rc=$?")
expect_eq "$v2" "$v1" "ima check --refs: identical output from both stores"
# Bundles of each store's device, both assigned the set: identical ima verdicts.
imaverdict() { grep -E '^(ok|FAIL|SKIP) ima\.(reorder|allowlist|violations)' "$T/out" | sed 's/enrollment log of device [0-9a-f]*/DEV/'; }
"${R[@]}" assign "$DEVA" golden >/dev/null
DEVA2=$(sha256sum <"$F2/a.crt" | cut -c1-64)
"${R2[@]}" assign "$DEVA2" golden >/dev/null
gen zst1 "$T/s1.dossier" --clock 1000000 --ima-add /usr/local/bin/other
read -r _ _ id2 sec2 < <(grep "^zst1 " "$F2/challenges")
"$GEN" -k "$F2/a.pem" -o "$T/s2.dossier" -c "$id2" -n "$sec2" --ek-crt "$F2/a.crt" \
    --ek-pub "$F2/a.pub" --ima-log "$T/ref.log" --clock 1000000 --ima-add /usr/local/bin/other
explain "$T/s1.dossier"; rc1=$RC; o1=$(imaverdict)
run "$DOSSIER" --store "$F2/store.db" inspect "$T/s2.dossier" --explain; rc2=$RC; o2=$(imaverdict)
expect_eq "$rc2 $o2" "$rc1 $o1" "explain: identical IMA verdicts in both stores"
expect_eq "$rc1" 1 "and the extra program fails in both"
case "$o1" in *"FAIL ima.reorder: extra: entry 40 '/usr/local/bin/other'"*) ok "the compared verdict names the extra program" ;;
*) not_ok "the compared verdict names the extra program" "$o1" ;; esac
done_testing
