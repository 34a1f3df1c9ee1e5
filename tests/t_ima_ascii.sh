#!/usr/bin/env bash
# t_ima_ascii.sh - dossier ima ascii renders binary lists as the kernel's
# ascii_runtime_measurements, byte for byte (charra's list and its ascii
# snapshot were taken on the same host; testdata/ima/PROVENANCE.md).
. "$DOSSIER_TOP/tests/lib.sh"

I=$TD/ima
CH=$I/charra/binary_runtime_measurements

expect 0 "charra: renders" "$DOSSIER" ima ascii "$CH"
expect_eq "$(wc -l <"$T/out")" 1650 "charra: 1650 lines"
if head -n 1646 "$T/out" | cmp -s - "$I/charra/ascii_runtime_measurements"; then
	ok "charra: first 1646 lines equal the kernel's ascii list byte for byte"
else not_ok "charra: first 1646 lines equal the kernel's ascii list byte for byte"; fi
expect 0 "charra from standard input" "$DOSSIER" ima ascii - <"$CH"
expect_eq "$(head -n 1646 "$T/out" | cksum)" "$(cksum <"$I/charra/ascii_runtime_measurements")" "stdin: same rendering"

expect 0 "imatest: every template renders" "$DOSSIER" ima ascii "$I/ibm-tss/imatest.log"
expect_eq "$(wc -l <"$T/out")" 17 "imatest: 17 lines"
expect_eq "$(awk '{print $3}' "$T/out" | sort -u | wc -l)" 14 "imatest: 14 template names"
expect_out '^10 0{40} ima 0{40} boot_aggregate$' "imatest: the violation (ima template)"
expect_out '^10 [0-9a-f]{40} ima-ngv2 ima:sha256:[0-9a-f]{64} boot_aggregate$' "imatest: ima-ngv2 digest with its type prefix"
expect_out '^10 [0-9a-f]{40} ima-buf sha256:[0-9a-f]{64} \.builtin_trusted_keys 3082' "imatest: ima-buf key as hex"
expect_out '^10 [0-9a-f]{40} evm-sig sha256:[0-9a-f]{64} /tmp/lower/lower/foo-evmsig-4.txt 0502[0-9a-f]+ security.selinux\|security.ima 2500000022000000 [0-9a-f]+ 0 0 33188$' \
	"imatest: evm-sig fields (evmsig hex, xattr names, lengths, values, uid, gid, mode)"
expect_out '^10 [0-9a-f]{40} n-ng\|sig\|d-ng boot_aggregate  sha1:0{40}$' "imatest: custom template with an empty field"
expect_out '^10 [0-9a-f]{40} sig $' "imatest: custom template of one empty field"
expect_out '^10 [0-9a-f]{40} ima-modsig sha256:[0-9a-f]{64} /usr/lib/modules/[^ ]+   $' "imatest: ima-modsig without a modsig"

expect 0 "big-endian twin renders" "$DOSSIER" ima ascii "$I/be/sml-ima-sha1.be.bin"
cp "$T/out" "$T/be.txt"
"$DOSSIER" ima ascii "$I/tpm2-tss/sml-ima-sha1.bin" | grep -v "^FAIL" >"$T/le.txt"
if cmp -s "$T/be.txt" "$T/le.txt"; then ok "big-endian twin renders like its little-endian twin"
else not_ok "big-endian twin renders like its little-endian twin"; fi

expect 1 "trailing byte: exit 1" "$DOSSIER" ima ascii "$I/tpm2-tss/sml-ima-ng-sha1.bin"
expect_eq "$(grep -vc '^FAIL' "$T/out")" 6 "trailing byte: the 6 records are printed first"
expect_out '^FAIL ima.parse: .*1 trailing byte at offset 558' "trailing byte: FAIL line with the offset"
expect_eq "$(tail -n 1 "$T/out" | cut -c1-4)" "FAIL" "trailing byte: FAIL line last"
expect 1 "truncated record: exit 1" "$DOSSIER" ima ascii "$I/tpm2-tss/sml-ima-sig-sha256.bin"
expect_out '^FAIL ima.parse: .*entry 9 at offset 987' "truncated record: entry and offset named"
expect 2 "missing file: exit 2" "$DOSSIER" ima ascii "$T/none"
expect 2 "--bank does not apply to ascii" "$DOSSIER" ima ascii --bank sha1 "$CH"
expect 2 "no operand" "$DOSSIER" ima ascii
expect 2 "unknown subcommand" "$DOSSIER" ima frobnicate "$CH"
expect 0 "--help" "$DOSSIER" ima --help
expect_out '^usage: dossier ima ascii' "--help prints the usage"
: >"$T/empty"
expect 0 "an empty list renders as nothing" "$DOSSIER" ima ascii "$T/empty"
expect_eq "$(wc -c <"$T/out")" 0 "empty list: no output"
done_testing
