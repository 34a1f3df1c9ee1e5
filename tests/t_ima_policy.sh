#!/usr/bin/env bash
# t_ima_policy.sh - dossier ima check with IMA policy rules, without a
# bundle or store: logs written here byte by byte (Python, independent of
# dossier) so every difference class is known in advance: a reordered log
# passes reorder; extra, missing, changed and duplicate entries are each
# named with index, path and digest; allowlist with excludes and
# digest-only; signatures with H2's test keys (testdata/ima/sig: valid,
# unsigned, unknown key counted); boot_aggregate over PCRs 0-9 and 0-7;
# violations; --json parsed by python3 json.
. "$DOSSIER_TOP/tests/lib.sh"
need python3

# mklog OUT SPEC...: a binary ima-ng list (PCR 10, SHA-1 columns); each SPEC
# is PATH=CONTENT (file digest sha256 of CONTENT), ba:HEX (boot_aggregate
# with sha256 digest HEX), ba1:HEX (sha1 boot_aggregate) or viol:PATH (a
# violation: column all zero).
mklog() {
	python3 - "$@" <<'EOF'
import hashlib, struct, sys
out, specs = sys.argv[1], sys.argv[2:]
recs = b""
for s in specs:
    col = None
    if s.startswith("ba:") or s.startswith("ba1:"):
        alg, hexd = s.split(":", 1)
        alg = "sha256" if alg == "ba" else "sha1"
        dig, path = bytes.fromhex(hexd), "boot_aggregate"
    elif s.startswith("viol:"):
        alg, dig, path, col = "sha256", bytes(32), s[5:], bytes(20)
    else:
        path, content = s.split("=", 1)
        alg, dig = "sha256", hashlib.sha256(content.encode()).digest()
    d = alg.encode() + b":\0" + dig
    n = path.encode() + b"\0"
    data = struct.pack("<I", len(d)) + d + struct.pack("<I", len(n)) + n
    if col is None:
        col = hashlib.sha1(data).digest()
    recs += struct.pack("<I", 10) + col + struct.pack("<I", 6) + b"ima-ng" + struct.pack("<I", len(data)) + data
open(out, "wb").write(recs)
EOF
}
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }

L=$T/logs
mkdir -p "$L"
mklog "$L/ref.log"  /bin/a=A /bin/b=B /bin/c=C /etc/d=D
mklog "$L/same.log" /bin/c=C /etc/d=D /bin/a=A /bin/b=B
mklog "$L/diff.log" /bin/a=A /bin/b=B2 /bin/c=C /bin/c=C /usr/local/bin/x=X
mklog "$L/moved.log" /bin/a=A /bin/b=B /bin/c=C /opt/d=D

# ---- reorder -------------------------------------------------------------
expect 0 "reordered log passes reorder" "$DOSSIER" ima check "$L/same.log" --ref-log "$L/ref.log"
expect_out '^ok ima.reorder rule .reorder. against .*ref.log, 4 entries: extra 0, changed 0, duplicate 0, missing 0' "reorder: nothing to report"
expect 1 "differences fail reorder" "$DOSSIER" ima check "$L/diff.log" --ref-log "$L/ref.log"
expect_out "^FAIL ima.reorder: extra: entry 4 '/usr/local/bin/x' sha256:$(sha X)" "extra named with index, path, digest"
expect_out "^FAIL ima.reorder: changed: entry 1 '/bin/b' sha256:$(sha B2); reference sha256:$(sha B)" "changed named with both digests"
# (a changed entry's reference side is reported with the change, not again as missing)
expect_out '^FAIL ima.reorder: rule .reorder. .*2 failing findings; extra 1, changed 1, duplicate 1, missing 1' "counts of every class"
run "$DOSSIER" ima check "$L/diff.log" --ref-log "$L/ref.log" --policy 'reorder:fail=extra,changed,duplicate,missing'
expect_eq "$RC" 1 "every class failing: exit 1"
expect_out "^FAIL ima.reorder: duplicate: entry 3 '/bin/c' sha256:$(sha C)" "duplicate named"
expect_out "^FAIL ima.reorder: missing: '/etc/d' sha256:$(sha D)" "missing named (no index)"
expect_out '4 failing findings' "four failing findings"
mklog "$L/ref3.log" /bin/a=A /bin/c=C /bin/b=B
expect 0 "missing only reported by default" "$DOSSIER" ima check "$L/ref3.log" --ref-log "$L/ref.log"
expect_out '^ok ima.reorder .*missing 1' "missing counted in the ok line"

# ---- allowlist -----------------------------------------------------------
expect 1 "allowlist: an unknown file fails" "$DOSSIER" ima check "$L/diff.log" --ref-log "$L/ref.log" --policy allowlist
expect_out "^FAIL ima.allowlist: not-allowed: entry 4 '/usr/local/bin/x'" "allowlist names the entry"
mklog "$L/extra.log" /bin/a=A /usr/local/bin/x=X /usr/local/lib/y=Y
expect 0 "allowlist: excluded by glob" "$DOSSIER" ima check "$L/extra.log" --ref-log "$L/ref.log" --policy 'allowlist:exclude=/usr/local/*'
expect 1 "allowlist: a glob that does not cover it" "$DOSSIER" ima check "$L/extra.log" --ref-log "$L/ref.log" --policy 'allowlist:exclude=/usr/local/bin/*'
expect_out "^FAIL ima.allowlist: not-allowed: entry 2 '/usr/local/lib/y'" "the uncovered one is named"
expect 1 "allowlist: a moved file fails by path" "$DOSSIER" ima check "$L/moved.log" --ref-log "$L/ref.log" --policy allowlist
expect 0 "allowlist:digest-only accepts it" "$DOSSIER" ima check "$L/moved.log" --ref-log "$L/ref.log" --policy allowlist:digest-only
expect 2 "an unknown rule is a usage error" "$DOSSIER" ima check "$L/ref.log" --ref-log "$L/ref.log" --policy 'reorder:fail=bogus'
expect 2 "allowlist without a reference is refused" "$DOSSIER" ima check "$L/ref.log" --policy allowlist

# ---- signatures (H2's test keys and log) ------------------------------------
SIG=$TD/ima/sig
expect 1 "signatures: an unknown key fails" "$DOSSIER" ima check "$SIG/v2.bin" --policy signatures --key "$SIG/rsa.crt" --key "$SIG/ec.der"
expect_out '^FAIL ima.signatures: unknown-key: entry 3 .*/one-other' "unknown key named"
expect_out 'valid 2, unsigned 1, unknown key 1, invalid 0' "valid, unsigned, unknown counted"
expect 1 "signatures: without the EC key two are unknown" "$DOSSIER" ima check "$SIG/v2.bin" --policy signatures --key "$SIG/rsa.crt"
expect_out 'valid 1, unsigned 1, unknown key 2, invalid 0' "one key: counts change"
# a flipped signature byte: invalid (column recomputed: the check is on the signature)
python3 - "$SIG/v2.bin" "$T/bad.bin" <<'EOF'
import hashlib, struct, sys
buf = bytearray(open(sys.argv[1], "rb").read())
out, pos, i = bytearray(), 0, 0
while pos < len(buf):
    pcr, = struct.unpack_from("<I", buf, pos)
    nl, = struct.unpack_from("<I", buf, pos + 24)
    name = bytes(buf[pos + 28:pos + 28 + nl])
    dl, = struct.unpack_from("<I", buf, pos + 28 + nl)
    data = bytearray(buf[pos + 32 + nl:pos + 32 + nl + dl])
    if i == 0:
        data[-1] ^= 1
    out += struct.pack("<I", pcr) + hashlib.sha1(data).digest() + struct.pack("<I", nl) + name + struct.pack("<I", dl) + data
    pos += 32 + nl + dl
    i += 1
open(sys.argv[2], "wb").write(out)
EOF
expect 1 "signatures: a bad signature fails" "$DOSSIER" ima check "$T/bad.bin" --policy signatures --key "$SIG/rsa.crt" --key "$SIG/ec.der"
expect_out '^FAIL ima.signatures: bad-signature: entry 0 .*/one-rsa' "bad signature named"
expect_out 'valid 1, unsigned 1, unknown key 1, invalid 1' "each status counted once"
expect 1 "signatures:require: the unsigned one fails" "$DOSSIER" ima check "$SIG/v2.bin" --policy 'signatures:require=/unsigned' --key "$SIG/rsa.crt" --key "$SIG/ec.der" --key "$SIG/other.crt"
expect_out "^FAIL ima.signatures: unsigned: entry 2 '/unsigned'" "required signature missing named"
expect 0 "signatures: every key known, unsigned allowed" "$DOSSIER" ima check "$SIG/v2.bin" --policy signatures --key "$SIG/rsa.crt" --key "$SIG/ec.der" --key "$SIG/other.crt"

# ---- boot_aggregate ----------------------------------------------------------
# PCRs 0-9 of sha256 and sha1 banks with known values; the aggregates the
# kernel computes: sha256 over 0-9 (Linux 5.8+), over 0-7 (older), sha1 over 0-7.
read -r BA9 BA7 BA1 < <(python3 - "$T/base.pcrs" <<'EOF'
import hashlib, sys
p256 = [bytes([i + 1]) * 32 for i in range(10)]
p1 = [bytes([i + 0x41]) * 20 for i in range(10)]
with open(sys.argv[1], "w") as f:
    for i in range(10):
        f.write("sha256 %d %s\nsha1 %d %s\n" % (i, p256[i].hex(), i, p1[i].hex()))
print(hashlib.sha256(b"".join(p256)).hexdigest(), hashlib.sha256(b"".join(p256[:8])).hexdigest(),
      hashlib.sha1(b"".join(p1[:8])).hexdigest())
EOF
)
# bapcrs LOG OUT: the base PCRs plus PCR 10 of replaying LOG (per-bank).
bapcrs() {
	cp "$T/base.pcrs" "$2"
	"$DOSSIER" ima replay --bank sha1 --bank sha256 "$1" >>"$2"
}
mklog "$L/ba9.log" "ba:$BA9" /bin/a=A
mklog "$L/ba7.log" "ba:$BA7" /bin/a=A
mklog "$L/ba1.log" "ba1:$BA1" /bin/a=A
mklog "$L/bax.log" "ba:$(sha nonsense)" /bin/a=A
mklog "$L/ba0.log" "ba:$(printf '0%.0s' {1..64})" /bin/a=A
for n in 9 7 1 x 0; do bapcrs "$L/ba$n.log" "$T/ba$n.pcrs"; done
expect 0 "boot_aggregate over PCRs 0-9" "$DOSSIER" ima check "$L/ba9.log" --pcrs "$T/ba9.pcrs" --policy boot_aggregate
expect_out '^ok ima.boot-aggregate .*sha256 bank, PCRs 0-9' "0-9 rule named"
expect 0 "boot_aggregate over PCRs 0-7 (older kernels)" "$DOSSIER" ima check "$L/ba7.log" --pcrs "$T/ba7.pcrs" --policy boot_aggregate
expect_out '^ok ima.boot-aggregate .*sha256 bank, PCRs 0-7' "0-7 rule named"
expect 0 "boot_aggregate sha1 over PCRs 0-7" "$DOSSIER" ima check "$L/ba1.log" --pcrs "$T/ba1.pcrs" --policy boot_aggregate
expect_out '^ok ima.boot-aggregate .*sha1 bank, PCRs 0-7' "sha1 rule named"
expect 1 "a wrong boot_aggregate fails" "$DOSSIER" ima check "$L/bax.log" --pcrs "$T/bax.pcrs" --policy boot_aggregate
expect_out "^FAIL ima.boot-aggregate: boot_aggregate: entry 0 'boot_aggregate'" "wrong aggregate named"
expect 1 "a zero boot_aggregate fails" "$DOSSIER" ima check "$L/ba0.log" --pcrs "$T/ba0.pcrs" --policy boot_aggregate
expect_out 'zero boot_aggregate' "zero reported"
expect 0 "boot_aggregate:allow-zero accepts it" "$DOSSIER" ima check "$L/ba0.log" --pcrs "$T/ba0.pcrs" --policy boot_aggregate:allow-zero
expect 0 "boot_aggregate without PCRs is skipped" "$DOSSIER" ima check "$L/ba9.log" --policy boot_aggregate
expect_out '^SKIP ima.boot-aggregate: ' "skipped, never passed"

# ---- violations ----------------------------------------------------------------
mklog "$L/viol.log" /bin/a=A viol:/var/log/x /bin/b=B
expect 0 "violations are counted without a rule" "$DOSSIER" ima check "$L/viol.log" --ref-log "$L/ref.log" --policy reorder:fail=extra
expect 1 "violations rule: one is too many" "$DOSSIER" ima check "$L/viol.log" --ref-log "$L/ref.log" --policy violations
expect_out '^FAIL ima.violations: ' "the violation is named"
expect 0 "violations:max=1 allows it" "$DOSSIER" ima check "$L/viol.log" --policy violations:max=1

# ---- the unquoted tail --------------------------------------------------------------
# PCR values after the first 2 entries of diff.log: findings after them are tail.
mklog "$L/head2.log" /bin/a=A /bin/b=B2
"$DOSSIER" ima replay --bank sha1 --bank sha256 "$L/head2.log" >"$T/head2.pcrs"
expect 1 "tail: the changed entry in the quoted part fails" "$DOSSIER" ima check --allow-tail "$L/diff.log" --ref-log "$L/ref.log" --pcrs "$T/head2.pcrs"
expect_out '^FAIL ima.reorder: changed: entry 1 ' "quoted finding fails"
expect_out '1 failing finding;.* 1 finding in the unquoted tail .*extra: entry 4' "tail finding reported as such, not failing"

# ---- --json --------------------------------------------------------------------------
run "$DOSSIER" ima check "$L/diff.log" --ref-log "$L/ref.log" --policy 'reorder:fail=extra,changed,duplicate,missing' --json
expect_eq "$RC" 1 "--json: exit 1 when a rule fails"
python3 - "$T/out" "$(sha X)" <<'EOF' && ok "--json: one object with every field" || not_ok "--json: one object with every field"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["entries"] == 5 and d["violations"] == 0, d
assert [(e["index"], e["path"], e["digest"]) for e in d["extra"]] == [(4, "/usr/local/bin/x", "sha256:" + sys.argv[2])], d["extra"]
assert [e["path"] for e in d["missing"]] == ["/etc/d"] and d["missing"][0]["index"] is None
assert [e["index"] for e in d["changed"]] == [1] and d["changed"][0]["reference"].startswith("sha256:")
assert [e["index"] for e in d["duplicate"]] == [3]
assert d["not_allowed"] == []
assert set(d["signatures"]) >= {"valid", "unsigned", "unknown_key", "invalid"}
assert d["boot_aggregate"] is None
assert d["policies"] == [{"rule": "reorder:fail=extra,missing,changed,duplicate", "check": "ima.reorder", "pass": False,
    "skipped": False, "failing": 4, "failing_in_tail": 0, "note": d["policies"][0]["note"]}], d["policies"]
assert d["pass"] is False
EOF
run "$DOSSIER" ima check "$SIG/v2.bin" --policy signatures --key "$SIG/rsa.crt" --key "$SIG/ec.der" --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["signatures"]
assert (s["valid"], s["unsigned"], s["unknown_key"], s["invalid"]) == (2, 1, 1, 0), s
assert [e["path"] for e in s["unknown_key_entries"]] == ["/one-other"], s
assert d["pass"] is False' "$T/out" && ok "--json: signatures counted" || not_ok "--json: signatures counted"
run "$DOSSIER" ima check "$L/same.log" --ref-log "$L/ref.log" --json
expect_eq "$RC" 0 "--json: exit 0 when every rule passes"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["pass"] is True and d["policies"][0]["pass"] is True' "$T/out" &&
	ok "--json: pass true" || not_ok "--json: pass true"

# ---- real lists (testdata/ima/charra, see its PROVENANCE.md) ----------------------
# The ascii twin was read after 1646 entries, the binary list after 1650.
CH=$TD/ima/charra/binary_runtime_measurements
CA=$TD/ima/charra/ascii_runtime_measurements
expect 1 "charra: the 4 later measurements are extra" "$DOSSIER" ima check "$CH" --ref-log "$CA"
expect_out "^FAIL ima.reorder: extra: entry 1646 '/usr/lib/x86_64-linux-gnu/libgpgme.so.11.22.1' sha1:0472e2b48590831ccf25e0e14ba786e6bacd462e \(rule reorder\)\$" "charra: first extra entry named"
expect_out "^FAIL ima.reorder: extra: entry 1649 '/usr/share/language-tools/language-validate' sha1:" "charra: last extra entry named"
expect_out "4 failing findings; extra 4, changed 0, duplicate 0, missing 0" "charra: exactly four"
expect 0 "charra: quoted after 1646 entries, the 4 are the unquoted tail" "$DOSSIER" ima check --allow-tail "$CH" --ref-log "$CA" --pcrs "$TD/ima/pcrs/charra-1646.pcrs"
expect_out "^ok ima.reorder rule 'reorder' .*extra 4, .*; 4 findings in the unquoted tail \(after the quoted PCR values, not covered by them\), first: extra: entry 1646 " "charra: tail findings reported, not failed"
expect 0 "charra: the ascii list judged against the binary one" "$DOSSIER" ima check "$CA" --ref-log "$CH" --policy reorder:fail=extra,changed
expect_out "^ok ima.reorder .*1646 entries|^ok ima.reorder .*extra 0, changed 0, duplicate 0, missing 4" "charra ascii: the binary list's 4 later files are missing, reported"
done_testing
