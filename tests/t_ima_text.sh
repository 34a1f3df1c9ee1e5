#!/usr/bin/env bash
# t_ima_text.sh - ascii_runtime_measurements as input to dossier ima replay
# and check: each line's template data is rebuilt from the text (as Keylime
# does) and replayed. Expected values: testdata/ima's sources (keylime's
# lists, charra's ascii snapshot of 1646 entries).
. "$DOSSIER_TOP/tests/lib.sh"

I=$TD/ima
K=$I/keylime

expect 0 "keylime ima-ng text list replays" "$DOSSIER" ima replay --bank sha1 "$K/ascii_runtime_measurements"
expect_out '^sha1 10 82231c67a69da98dc5b3aa10f6343d33109225fc$' "keylime ima-ng: sha1 PCR 10"
expect 0 "keylime legacy ima text list replays" "$DOSSIER" ima replay --bank sha1 "$K/ascii_runtime_measurements_ima"
expect_out '^sha1 10 93aacc9ec455c429c1a2d291650e40e7655565d8$' "keylime ima: sha1 PCR 10, violations as 0xff"

printf 'sha1 10 93aacc9ec455c429c1a2d291650e40e7655565d8\n' >"$T/k.pcrs"
expect 0 "keylime ima: check" "$DOSSIER" ima check "$K/ascii_runtime_measurements_ima" --pcrs "$T/k.pcrs"
expect_out '^ok ima.violations 9 violations \(extended as 0xff\): entries 847, 849, 851, 853, 855, 857, 859, 862, 864$' \
	"keylime ima: 9 violations named (the all-zero lines 848-865, 0-based)"
expect_out '^ok ima.template-digest 858 ' "keylime ima: 858 template digests rebuilt from text match"
expect_out '^ok ima.replay.sha1 matches PCR 10 after 867 of 867' "keylime ima: replay matches"

expect 0 "charra text snapshot replays" "$DOSSIER" ima replay --bank sha1 "$I/charra/ascii_runtime_measurements"
expect_out '^sha1 10 590ff33e88b7eb0aef5ddbc29c331c25d2a1fa10$' "charra text: sha1 PCR 10 of the 1646 entries"
expect 0 "charra text: ascii renders back to itself" "$DOSSIER" ima ascii - <"$I/charra/ascii_runtime_measurements"
if cmp -s "$T/out" "$I/charra/ascii_runtime_measurements"; then ok "charra text: round trip byte for byte"
else not_ok "charra text: round trip byte for byte"; fi

# Every template of imatest.log survives binary -> text -> binary.
"$DOSSIER" ima ascii "$I/ibm-tss/imatest.log" >"$T/imatest.txt"
"$DOSSIER" ima replay "$I/ibm-tss/imatest.log" >"$T/bin.pcrs"
expect 0 "imatest as text replays" "$DOSSIER" ima replay "$T/imatest.txt"
expect_eq "$(cat "$T/out")" "$(cat "$T/bin.pcrs")" "imatest text: same sha1 and sha256 values as the binary list"

# The text snapshot stops at 1646 entries; the binary list's state is later.
expect 1 "text list shorter than the PCR state fails" "$DOSSIER" ima check "$I/charra/ascii_runtime_measurements" --pcrs "$I/pcrs/charra.pcrs"
expect_out '^FAIL ima.replay.sha1: the log \(1646 entries\) does not replay to the PCR values.*PCR 10 expected [0-9a-f]{40}, replayed [0-9a-f]{40}$' \
    "shorter text list: the replay names the entries, the expected and the replayed PCR 10"

# Malformed text.
sed '5s/ima-ng sha1:/ima-ng sha1:zz/' "$K/ascii_runtime_measurements" >"$T/badhex"
expect 1 "bad hex in a text line fails" "$DOSSIER" ima replay "$T/badhex"
expect_out '^FAIL ima.parse: .*entry 4 at offset [0-9]+ \(text\): field 0 \(d-ng\)' "bad hex: entry and field named"
sed '3s/ima-ng/ima-zz/' "$K/ascii_runtime_measurements" >"$T/badtmpl"
expect 1 "unknown template in a text line fails" "$DOSSIER" ima replay "$T/badtmpl"
expect_out "^FAIL ima.parse: .*entry 2 .*unknown field 'ima-zz'" "unknown template: named"
sed '7s/$/ extra/' "$K/ascii_runtime_measurements" >"$T/extra"
expect 1 "an extra text field fails" "$DOSSIER" ima replay "$T/extra"
expect_out '^FAIL ima.parse: .*entry 6 .*text after its 2 fields' "extra field: named"
head -c 1000 "$K/ascii_runtime_measurements" >"$T/cut"
expect 1 "a cut text list fails" "$DOSSIER" ima replay "$T/cut"
expect_out '^FAIL ima.parse: .*last line has no newline' "cut text list: named"
sed '2s/^10 c156/10 d156/' "$K/ascii_runtime_measurements" >"$T/col"
expect 1 "a changed template digest in text fails" "$DOSSIER" ima replay "$T/col"
expect_out '^FAIL ima.template-digest: entry 1 at offset [0-9]+ \(/init\)' "changed text column: entry named"
done_testing
