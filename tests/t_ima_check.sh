#!/usr/bin/env bash
# t_ima_check.sh - dossier ima check: replay a real list and compare with PCR
# values (testdata/ima/pcrs/: files written by hand from the expected values
# in testdata/ima/PROVENANCE.md's sources), in both extension modes, with a
# list longer than the quoted state, and with wrong or unusable PCR files.
. "$DOSSIER_TOP/tests/lib.sh"
need openssl xxd

I=$TD/ima
P=$I/pcrs
CH=$I/charra/binary_runtime_measurements

expect 0 "charra: matches sha1 and sha256" "$DOSSIER" ima check "$CH" --pcrs "$P/charra.pcrs"
expect_out '^ok ima.parse 1650 entries, little-endian' "charra: parse line"
expect_out '^ok ima.template-digest 1650 ' "charra: template digests"
expect_out '^ok ima.violations 0 violations$' "charra: no violations"
expect_out '^ok ima.replay.sha1 matches PCR 10 after 1650 of 1650 entries' "charra: sha1 bank"
expect_out '^ok ima.replay.sha256 per-bank mode .* after 1650 of 1650 entries' "charra: sha256 bank, per-bank mode"
expect_out '^ok ima.unquoted-tail none' "charra: no unquoted tail"

expect 0 "charra: tpm2_pcrread YAML works as the PCR file" "$DOSSIER" ima check --pcrs "$P/charra.yaml" "$CH"
expect_out '^ok ima.replay.sha256 per-bank' "YAML: sha256 bank matched"

# The ascii twin was read after 1646 entries: the binary list runs 4 past it.
expect 1 "charra vs its 1646-entry state: unquoted tail fails" "$DOSSIER" ima check "$CH" --pcrs "$P/charra-1646.pcrs"
expect_out '^ok ima.replay.sha1 matches PCR 10 after 1646 of 1650 entries' "1646: the prefix is found (sha1 590ff33e...)"
expect_out '^FAIL ima.unquoted-tail: the PCR values cover the first 1646 of 1650 entries; 4 unquoted entries \(1646..1649\)' \
	"1646: FAIL ima.unquoted-tail with prefix and tail"
expect 0 "--allow-tail accepts the tail" "$DOSSIER" ima check --allow-tail "$CH" --pcrs "$P/charra-1646.pcrs"
expect_out '^ok ima.unquoted-tail the PCR values cover the first 1646 of 1650 entries; 4 unquoted entries' "--allow-tail: ok line says the same"

sed 's/^sha1 10 b9d6/sha1 10 b9d7/' "$P/charra.pcrs" >"$T/wrong.pcrs"
expect 1 "a wrong sha1 value fails" "$DOSSIER" ima check "$CH" --pcrs "$T/wrong.pcrs"
expect_out '^FAIL ima.replay.sha1: the log \(1650 entries\) does not replay to the PCR values in per-bank or padded mode: PCR 10 expected b9d7433e.*, replayed b9d6433e' \
	"wrong value: expected vs replayed"
expect_out '^ok ima.replay.sha256 ' "wrong value: the other bank still judged"

printf 'sha1 10 590ff33e88b7eb0aef5ddbc29c331c25d2a1fa10\nsha256 10 9842c6f3a154484c12df027b9becd4e7fe9590b9a877936504b079a7b894af56\n' >"$T/mixed.pcrs"
expect 1 "banks matching different prefixes fail" "$DOSSIER" ima check --allow-tail "$CH" --pcrs "$T/mixed.pcrs"
expect_out '^FAIL ima.replay.prefix: .*1646 and 1650' "different prefixes: named"

printf 'sha1 0 0000000000000000000000000000000000000000\n' >"$T/nopcr10.pcrs"
expect 1 "a PCR file without PCR 10 fails" "$DOSSIER" ima check "$CH" --pcrs "$T/nopcr10.pcrs"
expect_out '^SKIP ima.replay.sha1: .*no sha1 value for PCR 10' "no PCR 10: bank skipped"
expect_out '^FAIL ima.replay: no bank in ' "no PCR 10: FAIL, never a pass"

printf 'sha1 10 b9d6433e7b6f9d17ee6ae6bf42df902984df2dcd\nsha1 11 0000000000000000000000000000000000000000\n' >"$T/extra.pcrs"
expect 0 "values for PCRs the log does not extend are ignored" "$DOSSIER" ima check "$CH" --pcrs "$T/extra.pcrs"

expect 0 "imatest: every template, 1 violation" "$DOSSIER" ima check "$I/ibm-tss/imatest.log" --pcrs "$P/imatest.pcrs"
expect_out '^ok ima.violations 1 violation \(extended as 0xff\): entry 6$' "imatest: violation counted and named"
expect_out '^ok ima.template-digest 16 ' "imatest: 16 template digests"

# A pre-5.8 kernel: the sha256 bank holds the padded SHA-1 digests.
INV=$I/tpm2-tss/sml-ima-sig-sha256-invalidated.bin
hx() { openssl dgst -"$1" -binary | xxd -p -c 256; }
z32=$(printf '00%.0s' $(seq 32)); z12=$(printf '00%.0s' $(seq 12)); ff20=$(printf 'ff%.0s' $(seq 20))
col0=$(dd if="$INV" bs=1 skip=4 count=20 2>/dev/null | xxd -p -c 256)
pd=$(printf '%s%s%s' "$z32" "$col0" "$z12" | xxd -r -p | hx sha256)
pd=$(printf '%s%s%s' "$pd" "$ff20" "$z12" | xxd -r -p | hx sha256)
printf 'sha1 10 a0e7bc9af0a2b54147b0d595d058f15c6cc44a6d\nsha256 10 %s\n' "$pd" >"$T/padded.pcrs"
expect 0 "padded sha256 bank matches" "$DOSSIER" ima check "$INV" --pcrs "$T/padded.pcrs"
expect_out '^ok ima.replay.sha256 padded mode \(Linux before 5.8\) matches PCR 10 after 2 of 2 entries' "padded mode named"
expect_out '^ok ima.violations 1 violation' "padded: the violation is counted"

# Tampered template data against the right values: entry 0 is 101 bytes
# (ima-ng, sha256 boot_aggregate); entry 1's file digest starts at 151.
cp "$CH" "$T/flip.bin"
printf '\x00' | dd of="$T/flip.bin" bs=1 seek=160 conv=notrunc 2>/dev/null
expect 1 "tampered template data fails against the right values" "$DOSSIER" ima check "$T/flip.bin" --pcrs "$P/charra.pcrs"
expect_out '^FAIL ima.template-digest: entry 1 at offset 101 \(/init\)' "tampered data: the entry is named"
expect_out '^FAIL ima.replay.sha1: ' "tampered data: sha1 bank fails (replay uses the data)"
expect_out '^FAIL ima.replay.sha256: ' "tampered data: sha256 bank fails"
# A tampered column (entry 2's, at 193+4) is caught, the data still replays.
cp "$CH" "$T/col.bin"
printf '\x00' | dd of="$T/col.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "tampered column fails" "$DOSSIER" ima check "$T/col.bin" --pcrs "$P/charra.pcrs"
expect_out '^FAIL ima.template-digest: entry 2 at offset 193 \(/usr/bin/sh\)' "tampered column: the entry is named"
expect_out '^ok ima.replay.sha1 matches PCR 10 after 1650' "tampered column: the template data still replays"

# Malformed list: the parse failure and the replay of what came before.
expect 1 "trailing byte fails the check" "$DOSSIER" ima check "$I/tpm2-tss/sml-ima-ng-sha1.bin" --pcrs <(printf 'sha1 10 ef2a20de2a84a4780f92ab11d5c4934c709dff00\n')
expect_out '^FAIL ima.parse: .*trailing byte at offset 558' "trailing byte: FAIL ima.parse"
expect_out '^ok ima.replay.sha1 matches PCR 10 after 6 of 6' "trailing byte: the records before still judged"

# Usage and I/O errors.
expect 2 "--pcrs is required" "$DOSSIER" ima check "$CH"
expect 2 "missing PCR file" "$DOSSIER" ima check "$CH" --pcrs "$T/none"
printf 'sha1 10 zz\n' >"$T/bad.pcrs"
expect 2 "malformed PCR file" "$DOSSIER" ima check "$CH" --pcrs "$T/bad.pcrs"
expect 2 "--bank does not apply to check" "$DOSSIER" ima check --bank sha1 "$CH" --pcrs "$P/charra.pcrs"
expect 2 "--log-alg md5" "$DOSSIER" ima check --log-alg md5 "$CH" --pcrs "$P/charra.pcrs"
done_testing
