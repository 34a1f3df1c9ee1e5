#!/usr/bin/env bash
# t_devices.sh - dossier devices on a store of two devices (test_judge_
# verify's fixture, gen_evidence bundles, no TPM): the table and --json;
# labels (unique, checked, escaped); a device named by label, host name or
# id prefix in devices, challenge --device and refs, ambiguity listing the
# candidates; no-shows of the last round; revoke with a reason and the
# re-enrollment guidance of show.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl sqlite3
. "$DOSSIER_TOP/tests/fixture.sh"

fixture_up 2
A=$DEV
B=$(openssl dgst -sha256 -r "$F/b.crt" | cut -c1-64)
D=("$DOSSIER" "${S[@]}" devices)
fixture_gen pass 1000000
fixture_gen pcr 1000010 1 --flip-pcr 3
expect 0 "verify: pass" "$DOSSIER" "${S[@]}" verify -o "$T/r1.jsonl" "$T/b/pass.dossier"
expect 1 "verify: fail" "$DOSSIER" "${S[@]}" verify -o "$T/r2.jsonl" "$T/b/pcr.dossier"

# --- list ---------------------------------------------------------------------
expect 0 "devices (list is the default)" "${D[@]}"
expect_out "^DEVICE +NAME +STATE +EK +CHAL +ROUND +LAST RESULT$" "a header line"
expect_out "^${A:0:16}  - +enrolled .* answered +[0-9T:Z-]+ fail quote\.pcr-digest$" \
    "device a: last result fail with its first failed check, answered the round"
expect_out "^${B:0:16}  - +enrolled .* - +-$" "device b: no result, not challenged"
expect_eq "$(wc -l <"$T/out")" 3 "one line per device"

# --- labels -------------------------------------------------------------------
expect 0 "label a" "${D[@]}" label "${A:0:8}" web-01
expect_out "^labelled $A web-01$" "label: the device and its label"
expect 2 "the same label for b is refused" "${D[@]}" label "$B" web-01
expect_err "label already names device $A" "the refusal names the device that has it"
expect 2 "a label with a control character" "${D[@]}" label "$B" $'bad\tlabel'
expect_err "printable ASCII" "the refusal says what a label is"
expect 2 "a label starting with -" "${D[@]}" label "$B" -x
expect 0 "label b with markup" "${D[@]}" label "$B" '<b>kiosk</b>'
expect 0 "devices list" "${D[@]}" list
expect_out "^${A:0:16}  web-01 " "the table shows the label"
expect_out "^${B:0:16}  <b>kiosk</b> " "printable label shown as it is"

# Host names as enrollment bundles state them (host.name facts; the
# fixture's devices were made without bundles).
sqlite3 "$F/store.db" "UPDATE device_names SET host_name = 'kiosk' WHERE device_id IN (x'$A', x'$B')" ||
	not_ok "set host names"
expect 0 "show by label" "${D[@]}" show web-01
expect_out "^device +$A$" "show web-01: device a"
expect_out "^host-name +kiosk$" "show: the host name"
expect_out "^last-result .* fail$" "show: the last result"
expect_out "^first-fail +quote\.pcr-digest: .*PCR value was changed" "show: the first failed check and why"
expect 2 "show by an ambiguous host name" "${D[@]}" show kiosk
expect_err "device 'kiosk' is ambiguous, 2 devices match: .*${A:0:16} \(web-01\)" \
    "ambiguity lists the candidates with their names"
expect 0 "show by id prefix" "${D[@]}" show "${B:0:10}"
expect_out "^label +<b>kiosk</b>$" "show by prefix: device b"
expect 2 "show an unknown name" "${D[@]}" show nosuchdevice
expect_err "no such device in the store \(no label, host name or id" "unknown: the message says what was tried"

# --- JSON ---------------------------------------------------------------------
expect 0 "devices --json" "${D[@]}" list --json
python3 - "$T/out" "$A" "$B" >"$T/j" <<'EOF' || not_ok "JSON lines parse"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
d = {r['device']: r for r in rows}
a, b = d[sys.argv[2]], d[sys.argv[3]]
print(len(rows), a['name'], a['host_name'], a['last']['verdict'],
      a['last']['first_failed'], b['name'], b['last'])
EOF
expect_eq "$(cat "$T/j")" "2 web-01 kiosk fail quote.pcr-digest <b>kiosk</b> None" \
    "--json: one object per device with names and last result"

# --- other commands take names ------------------------------------------------
# The fixture's EK public areas are stand-ins, so issuing fails, but
# only after the label was resolved to device a (t_enroll_challenge
# issues to a label with real EKs).
expect 2 "challenge --device LABEL" "$DOSSIER" "${S[@]}" challenge --device web-01 -o "$T/c.tar"
expect_err "challenge: device $A: enrolled EK public area" "challenge --device: the label names device a"
expect 2 "challenge --device AMBIGUOUS" "$DOSSIER" "${S[@]}" challenge --device kiosk -o "$T/c2.tar"
expect_err "challenge --device: device 'kiosk' is ambiguous" "challenge --device: ambiguity is an error"
expect 0 "refs device LABEL" "$DOSSIER" "${S[@]}" refs device web-01
expect_out "$A" "refs device: the label names device a"
# A new round with device a in it, as dossier challenge records one.
sqlite3 "$F/store.db" "INSERT INTO challenges (challenge_id, device_id,
    purpose, ak_name, secret, pcr_selection, logs, issued, not_after, state,
    seq) SELECT randomblob(16), device_id, purpose, ak_name, randomblob(32),
    pcr_selection, logs, unixepoch(), unixepoch() + 3600, 'issued',
    (SELECT max(seq) + 1 FROM challenges) FROM challenges
    WHERE device_id = x'$A' LIMIT 1" || not_ok "add a round"
expect 0 "devices --no-shows" "${D[@]}" list --no-shows
expect_out "^${A:0:16}  web-01 .* 24  no-show " "device a did not answer the new round (24 outstanding)"
expect_eq "$(wc -l <"$T/out")" 2 "--no-shows: only device a"

# --- revoke -------------------------------------------------------------------
expect 0 "revoke with a reason" "${D[@]}" revoke '<b>kiosk</b>' --reason "stolen"
expect_out "^revoked $B$" "revoke: names the device"
expect 0 "revoke again" "${D[@]}" revoke "$B"
expect_out "^revoked $B \(already\)$" "revoking twice says so"
expect 0 "show the revoked device" "${D[@]}" show "${B:0:8}"
expect_out "^state +revoked$" "show: revoked"
expect_out "^reason +stolen$" "show: the reason"
expect_out "^re-enroll .*dossier-collect enroll" "show: how to enroll it again"
expect 2 "a revoked device gets no challenge" "$DOSSIER" "${S[@]}" challenge \
    --device "${B:0:8}" -o "$T/c3.tar"
expect_err "device ${B:0:8} is revoked" "challenge: refused as revoked"
expect 2 "revoke an unknown device" "${D[@]}" revoke 00000000
expect 2 "devices frobnicate" "${D[@]}" frobnicate
expect_err "unknown subcommand 'frobnicate'" "an unknown subcommand is named"

# --- outputs that name a device show its name ----------------------------------
expect 0 "refs device by label" "$DOSSIER" "${S[@]}" refs device web-01
expect_out "^name web-01$" "refs device: the name under the id"
fixture_gen changed 1000020 1 --ima-change 7
expect 1 "verify a failing bundle of a labelled device" "$DOSSIER" "${S[@]}" verify \
    -o "$T/r3.jsonl" "$T/b/changed.dossier"
expect_err "^  fail  .*/changed\.dossier \(web-01\): ima\." "verify's summary line names the device"
expect 1 "inspect the bundle with the store (recorded: fail)" "$DOSSIER" "${S[@]}" inspect "$T/b/changed.dossier"
expect_out "^device $A \(web-01\)$" "inspect [recorded]: the device and its name"
expect_out "^verdict fail \(recorded\)$" "inspect: exit 1 is the recorded fail"

# --- the man page's EXAMPLES run (device b of the fixture is 9ce2f9e6...) --------
[ "${B:0:8}" = 9ce2f9e6 ] && ok "the fixture's device b is the page's 9ce2f9e6" ||
	not_ok "the fixture's device b is the page's 9ce2f9e6" "$B"
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$DOSSIER_TOP/man/dossier-devices.1" |
    grep -E '^\$ ' | sed 's/^\$ //' >"$T/examples"
expect_eq "$(wc -l <"$T/examples")" 6 "man page: EXAMPLES has 6 commands"
while read -r cmd; do
	x=${cmd#dossier }
	run eval "\"\$DOSSIER\" \"\${S[@]}\" $x"
	[ "$RC" -eq 0 ] && ok "man example runs: $cmd" ||
		not_ok "man example runs: $cmd" "exit $RC: $(head -c 300 "$T/err")"
done <"$T/examples"
expect_out '"label":"kiosk-lobby"' "the examples labelled device b"
done_testing
