#!/usr/bin/env bash
# t_refs_keylime.sh - Keylime runtime policies in and out of reference
# sets: dossier refs add --keylime-policy imports a real policy from
# Keylime's repository (testdata/keylime/), says on stderr what it does not
# carry, translates excludes into the set's allowlist rule or refuses the
# exact expression; dossier refs export --keylime-policy writes a policy
# that round-trips and has the keys of Keylime's schema (checked with
# python3 json, and with jsonschema against the schema's shape).
. "$DOSSIER_TOP/tests/lib.sh"
need python3

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
F=$T/fix
"$DOSSIER_TOOLS/gen_ima_log" -n 10 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
FIXTURE_CHALLENGES=0 "$FIX" fixture "$F" "$T/ref.log" >/dev/null ||
	{ not_ok "fixture"; exit 0; }
R=("$DOSSIER" --store "$F/store.db" refs)
KP=$TD/keylime/runtime-policy-test.json

expect 0 "create" "${R[@]}" create kl
expect 0 "add --keylime-policy: the real policy" "${R[@]}" add kl --keylime-policy "$KP"
expect_out '^kl: 20 entries \(0 before\)$' "add: 20 digests (boot_aggregate not among them)"
expect_err 'runtime-policy-test.json: 20 digests of 21 paths, 0 excludes' "add: counts on stderr"
expect_err 'boot_aggregate not carried' "add: boot_aggregate reported, not dropped silently"
expect_err 'keyrings \(1 digests\) not carried' "add: the .ima keyring reported"
run "${R[@]}" show kl --json
python3 - "$T/out" "$KP" <<'PY' && ok "show: every digest of the policy, sha1, by path" ||
import json, sys
got = {(e['path'], e['alg'], e['digest']) for e in json.load(open(sys.argv[1]))['entries']}
pol = json.load(open(sys.argv[2]))['digests']
want = {(p, 'sha1', d) for p, ds in pol.items() if p != 'boot_aggregate' for d in ds}
sys.exit(0 if got == want else 1)
PY
	not_ok "show: every digest of the policy" "$(head -c 400 "$T/out")"

# Excludes: translated into the set's allowlist rule, merged with an
# existing one; an untranslatable one is refused by its exact text.
python3 - "$KP" "$T/excl.json" "$T/bad.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p['excludes'] = ['/var/log', '^/tmp/.*', '/usr/lib/.+\\.pyc$', '/proc/.', '/var/log']
json.dump(p, open(sys.argv[2], 'w'))
p['excludes'] = ['/etc/(passwd|shadow)']
json.dump(p, open(sys.argv[3], 'w'))
PY
expect 0 "policy on the set" "${R[@]}" policy --set kl 'allowlist:exclude=/opt/*:digest-only' reorder
expect 0 "add: excludes" "${R[@]}" add kl --keylime-policy "$T/excl.json"
run "${R[@]}" policy --set kl
expect_out '^allowlist:exclude=/opt/\*,/var/log\*,/tmp/\*,/usr/lib/\?\*\.pyc,/proc/\?\*:digest-only$' \
    "add: excludes as globs, merged, none twice, digest-only kept"
expect_out '^reorder' "add: the set's other rule kept"
expect 2 "add: an alternation is refused" "${R[@]}" add kl --keylime-policy "$T/bad.json"
expect_err "exclude '/etc/\(passwd\|shadow\)': '\(' at 5 has no allowlist glob equivalent" \
    "add: the refusal names the exact expression"
run "${R[@]}" policy --set kl
expect_out '/proc/\?\*:digest-only$' "add: a refused import changes nothing"

# Malformed policies: each refused naming the file and the key.
printf '{"meta": {"version": 2}, "digests": {}, "excludes": []}' >"$T/v2.json"
expect 2 "add: meta.version 2 refused" "${R[@]}" add kl --keylime-policy "$T/v2.json"
expect_err "v2.json: meta.version: 'integer 2'" "add: names meta.version"
printf '{"meta": {"version": 1}, "digests": {"/x": ["abc"]}, "excludes": []}' >"$T/hex.json"
expect 2 "add: a bad digest refused" "${R[@]}" add kl --keylime-policy "$T/hex.json"
expect_err "digests: '/x': 'abc' is not" "add: names the path and digest"
printf '{"payloadType": "application/vnd.keylime+json", "payload": "e30", "signatures": []}' >"$T/dsse.json"
expect 2 "add: a DSSE envelope refused" "${R[@]}" add kl --keylime-policy "$T/dsse.json"
expect_err 'DSSE envelope' "add: says it is a signed envelope"
printf '{"meta": {"version": 1}, "digests": {}, "excludes": [], "extra": 1}' >"$T/extra.json"
expect 2 "add: an unknown key refused" "${R[@]}" add kl --keylime-policy "$T/extra.json"
expect_err "key 'extra' is not in Keylime's runtime policy schema" "add: names the key"
printf '{"meta": {"version": 1}, "digests": {"/x": [' >"$T/cut.json"
expect 2 "add: truncated JSON refused" "${R[@]}" add kl --keylime-policy "$T/cut.json"
expect_err 'cut.json: not JSON' "add: says not JSON"

# Export, and round trip: export -> import into a new set -> same entries.
expect 0 "export --keylime-policy" "${R[@]}" export kl --keylime-policy -o "$T/out.json"
expect_err 'not in the policy: keyrings, ima-buf' "export: says what is not carried"
python3 - "$T/out.json" "$KP" <<'PY' && ok "export: Keylime's schema keys and types, the same digests" ||
import json, re, sys
p = json.load(open(sys.argv[1]))
assert set(p) == {'meta', 'release', 'digests', 'excludes', 'keyrings', 'ima', 'ima-buf', 'verification-keys'}, set(p)
assert p['meta']['version'] == 1 and isinstance(p['meta']['generator'], int)
assert isinstance(p['release'], int)
assert all(isinstance(v, list) and all(re.fullmatch('[0-9a-f]{40,128}', d) for d in v) for v in p['digests'].values())
assert p['ima'] == {'ignored_keyrings': [], 'log_hash_alg': 'sha1', 'dm_policy': None}
assert p['keyrings'] == {} and p['ima-buf'] == {} and p['verification-keys'] == ''
orig = json.load(open(sys.argv[2]))['digests']
orig.pop('boot_aggregate')
assert p['digests'] == orig, 'digests differ'
assert p['excludes'] == ['^/opt/.*$', '^/var/log.*$', '^/tmp/.*$', '^/usr/lib/..*\\.pyc$', '^/proc/..*$'], p['excludes']
for r in p['excludes']:
    re.compile(r)
PY
	not_ok "export: schema keys" "$(head -c 600 "$T/out.json")"
# Keylime's schema (RUNTIME_POLICY_SCHEMA's shape) with python3-jsonschema.
PY3=python3
python3 -c 'import jsonschema' 2>/dev/null || PY3=/usr/bin/python3
if "$PY3" -c 'import jsonschema' 2>/dev/null; then
	"$PY3" - "$T/out.json" <<'PY' && ok "export: validates against the runtime policy schema" ||
import json, sys, jsonschema
hexlist = {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{40,128}$"}}
schema = {"type": "object", "required": ["meta", "release", "digests", "excludes", "keyrings", "ima", "ima-buf", "verification-keys"],
  "properties": {
    "meta": {"type": "object", "required": ["version"], "properties": {"version": {"type": "integer", "minimum": 1}, "generator": {"type": "integer"}, "timestamp": {"type": "string"}}},
    "release": {"type": "integer"},
    "digests": {"type": "object", "additionalProperties": hexlist},
    "excludes": {"type": "array", "items": {"type": "string", "format": "regex"}},
    "keyrings": {"type": "object", "additionalProperties": hexlist},
    "ima": {"type": "object", "required": ["ignored_keyrings", "log_hash_alg", "dm_policy"], "properties": {
        "ignored_keyrings": {"type": "array", "items": {"type": "string"}},
        "log_hash_alg": {"type": "string", "enum": ["sha1", "sha256", "sha384", "sha512"]},
        "dm_policy": {"type": ["object", "null"]}}},
    "ima-buf": {"type": "object", "additionalProperties": hexlist},
    "verification-keys": {"type": "string"}},
  "additionalProperties": False}
jsonschema.validate(json.load(open(sys.argv[1])), schema, format_checker=jsonschema.FormatChecker())
PY
		not_ok "export: validates against the runtime policy schema"
else
	skip "export: jsonschema" "python3-jsonschema not installed"
fi
expect 0 "round trip: create" "${R[@]}" create back
expect 0 "round trip: import the export" "${R[@]}" add back --keylime-policy "$T/out.json"
a=$("${R[@]}" show kl --json | python3 -c 'import json,sys; print(sorted((e["path"],e["digest"]) for e in json.load(sys.stdin)["entries"]))')
b=$("${R[@]}" show back --json | python3 -c 'import json,sys; print(sorted((e["path"],e["digest"]) for e in json.load(sys.stdin)["entries"]))')
expect_eq "$b" "$a" "round trip: the same entries"
run "${R[@]}" policy --set back
expect_out '^allowlist:exclude=/opt/\*,/var/log\*,/tmp/\*,/usr/lib/\?\*\.pyc,/proc/\?\*$' \
    "round trip: the same excludes"
expect 2 "export: --keylime-policy without -o" "${R[@]}" export kl --keylime-policy
done_testing
