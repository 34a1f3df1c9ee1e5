#!/usr/bin/env bash
# t_ima_replay.sh - dossier ima replay on real lists (testdata/ima/PROVENANCE.md):
# the expected PCR values come from testdata/ima's README table (worked out
# with evmctl, tpm2-tools and OpenSSL by others); the padded and per-bank
# arithmetic of a list with a violation is recomputed here with openssl(1).
. "$DOSSIER_TOP/tests/lib.sh"
need openssl xxd

I=$TD/ima
CH=$I/charra/binary_runtime_measurements

expect 0 "charra: replays" "$DOSSIER" ima replay "$CH"
expect_out '^sha1 10 b9d6433e7b6f9d17ee6ae6bf42df902984df2dcd$' "charra: sha1 PCR 10"
expect_out '^sha256 10 9842c6f3a154484c12df027b9becd4e7fe9590b9a877936504b079a7b894af56$' \
	"charra: sha256 PCR 10 (per-bank, from template data)"
expect_eq "$(wc -l <"$T/out")" 2 "charra: one line per bank and PCR"

expect 0 "imatest: replays (every template, 1 violation)" "$DOSSIER" ima replay --bank sha1 "$I/ibm-tss/imatest.log"
expect_out '^sha1 10 0ff68e1da514770e85581bffe693809776302a63$' "imatest: sha1 PCR 10 with the violation as 0xff"

T2=$I/tpm2-tss
expect 1 "sml-ima-ng-sha1: trailing byte fails" "$DOSSIER" ima replay --bank sha1 "$T2/sml-ima-ng-sha1.bin"
expect_out '^FAIL ima.parse: .*1 trailing byte at offset 558' "sml-ima-ng-sha1: trailing byte at offset 558 named"
expect_out '^sha1 10 ef2a20de2a84a4780f92ab11d5c4934c709dff00$' "sml-ima-ng-sha1: the 6 records replay"
expect 1 "sml-ima-sha1: trailing byte fails" "$DOSSIER" ima replay --bank sha1 "$T2/sml-ima-sha1.bin"
expect_out '^FAIL ima.parse: .*1 trailing byte at offset 916' "sml-ima-sha1: trailing byte at offset 916 named"
expect_out '^sha1 10 062a05a9d18d1a51775ff8162bf6964b8dd23eb4$' "sml-ima-sha1: the 12 records replay"
expect 0 "sml-ima-sha1-invalidated: replays" "$DOSSIER" ima replay --bank sha1 "$T2/sml-ima-sha1-invalidated.bin"
expect_out '^sha1 10 bac37b84f007d0238af95af707cac8d61254870e$' "sml-ima-sha1-invalidated: violation as 0xff"
expect 1 "sml-ima-sig-sha256: truncated 10th record fails" "$DOSSIER" ima replay --bank sha1 "$T2/sml-ima-sig-sha256.bin"
expect_out '^FAIL ima.parse: .*entry 9 at offset 987: truncated record' "sml-ima-sig-sha256: truncation at offset 987 named"
expect_out '^sha1 10 b44019405884709ca410b0c30b48159d3a556622$' "sml-ima-sig-sha256: the 9 records replay"
expect 0 "sml-ima-sig-sha256-invalidated: replays" "$DOSSIER" ima replay --bank sha1 "$T2/sml-ima-sig-sha256-invalidated.bin"
expect_out '^sha1 10 a0e7bc9af0a2b54147b0d595d058f15c6cc44a6d$' "sml-ima-sig-sha256-invalidated: violation as 0xff"
expect 1 "sml-ima-ng-sha1-invalidated: rejected" "$DOSSIER" ima replay "$T2/sml-ima-ng-sha1-invalidated.bin"
expect_out '^FAIL ima.parse: .*entry 0 at offset 0: truncated template data' "sml-ima-ng-sha1-invalidated: truncated template data at offset 0"
if grep -q '^sha' "$T/out"; then not_ok "nothing replayed from a list without a whole record"; else ok "nothing replayed from a list without a whole record"; fi

# Independent arithmetic with openssl: PCR = H(PCR || ext).
hx() { openssl dgst -"$1" -binary | xxd -p -c 256; }
extend() { # alg pcrhex exthex
	printf '%s%s' "$2" "$3" | xxd -r -p | hx "$1"
}
INV=$T2/sml-ima-sig-sha256-invalidated.bin
# record 0: pcr(4) column(20) namelen(4) "ima-sig"(7) datalen(4) = 39, then data
len0=$(od -An -tu4 -j35 -N4 "$INV" | tr -d ' ')
col0=$(dd if="$INV" bs=1 skip=4 count=20 2>/dev/null | xxd -p -c 256)
th256=$(dd if="$INV" bs=1 skip=39 count="$len0" 2>/dev/null | hx sha256)
ff32=$(printf 'ff%.0s' $(seq 32)); ff20=$(printf 'ff%.0s' $(seq 20)); z12=$(printf '00%.0s' $(seq 12))
z32=$(printf '00%.0s' $(seq 32))
pb=$(extend sha256 "$z32" "$th256"); pb=$(extend sha256 "$pb" "$ff32")
pd=$(extend sha256 "$z32" "$col0$z12"); pd=$(extend sha256 "$pd" "$ff20$z12")
expect 0 "per-bank sha256 with a violation" "$DOSSIER" ima replay --bank sha256 "$INV"
expect_out "^sha256 10 $pb\$" "per-bank sha256: H256(data), then 0xff x 32 (openssl)"
expect 0 "padded sha256 with a violation" "$DOSSIER" ima replay "$INV" --padded --bank sha256
expect_out "^sha256 10 $pd\$" "padded sha256: sha1 digest || 0 x 12, then 0xff x 20 || 0 x 12 (openssl)"
expect 0 "padded sha1 equals per-bank sha1" "$DOSSIER" ima replay --padded --bank sha1 "$INV"
expect_out '^sha1 10 a0e7bc9af0a2b54147b0d595d058f15c6cc44a6d$' "padded sha1 = per-bank sha1"

# A legacy "ima" record: per-bank sha256 hashes digest || name padded to 256.
L2=$T/legacy1.bin
head -c 916 "$T2/sml-ima-sha1.bin" | head -c "$(( 4 + 20 + 4 + 3 + 20 + 4 + $(od -An -tu4 -j51 -N4 "$T2/sml-ima-sha1.bin" | tr -d ' ') ))" >"$L2"
nl=$(od -An -tu4 -j51 -N4 "$L2" | tr -d ' ')
d=$(dd if="$L2" bs=1 skip=31 count=20 2>/dev/null | xxd -p -c 256)
name=$(dd if="$L2" bs=1 skip=55 count="$nl" 2>/dev/null | xxd -p -c 512)
pad=$(printf '00%.0s' $(seq $((256 - nl))))
th=$(printf '%s%s%s' "$d" "$name" "$pad" | xxd -r -p | hx sha256)
expect 0 "one legacy ima record replays" "$DOSSIER" ima replay --bank sha256 "$L2"
expect_out "^sha256 10 $(extend sha256 "$z32" "$th")\$" "legacy ima record: sha256(digest || name || zeros to 256) (openssl)"

# The big-endian twin of sml-ima-sha1.bin (legacy template: same digests).
expect 0 "big-endian twin replays" "$DOSSIER" ima replay --bank sha1 "$I/be/sml-ima-sha1.be.bin"
expect_out '^sha1 10 062a05a9d18d1a51775ff8162bf6964b8dd23eb4$' "big-endian twin: same PCR value as its little-endian twin"

# Tampering: one flipped byte in the template data of entry 5.
cp "$CH" "$T/flip.bin"
# Entry 5's offset: sum the sizes of the ima-ng entries 0-4 (rendered: column,
# name, "alg:" + hex digest, path); flip the last byte of entry 5's d-ng digest.
off=$("$DOSSIER" ima ascii "$CH" | head -5 | awk '{ n += 4 + 20 + 4 + length($3) + 4 + 4 + (index($4, ":") + 1) + (length($4) - index($4, ":")) / 2 + 4 + length($5) + 1 } END { print n }')
# entry 5 starts at $off; its d-ng digest ends 4+20+4+6+4+4+len(d-ng)-1 later
dng=$("$DOSSIER" ima ascii "$CH" | sed -n 6p | awk '{ print (index($4, ":") + 1) + (length($4) - index($4, ":")) / 2 }')
path5=$("$DOSSIER" ima ascii "$CH" | sed -n 6p | awk '{ print $5 }')
pos=$(( off + 4 + 20 + 4 + 6 + 4 + 4 + dng - 1 ))
b=$(dd if="$T/flip.bin" bs=1 skip="$pos" count=1 2>/dev/null | xxd -p)
printf "%02x" $(( 0x$b ^ 1 )) | xxd -r -p | dd of="$T/flip.bin" bs=1 seek="$pos" conv=notrunc 2>/dev/null
expect 1 "flipped template-data byte fails" "$DOSSIER" ima replay "$T/flip.bin"
expect_out "^FAIL ima.template-digest: entry 5 at offset $off \\($path5\\): the sha1 template digest" \
	"flipped byte: FAIL ima.template-digest names entry 5, offset and path"
expect_eq "$(grep -c '^FAIL' "$T/out")" 1 "flipped byte: exactly one entry fails"
if grep -q '^sha1 10 b9d6433e7b6f9d17ee6ae6bf42df902984df2dcd$' "$T/out"; then
	not_ok "flipped byte: replay uses the recomputed hash" "the original value came out"
else ok "flipped byte: replay uses the recomputed hash, not the column"; fi

# Truncated file, wrong --log-alg, bad options, I/O errors.
head -c 100000 "$CH" >"$T/trunc.bin"
expect 1 "truncated list fails" "$DOSSIER" ima replay "$T/trunc.bin"
expect_out '^FAIL ima.parse: .*truncated' "truncated list: FAIL ima.parse says truncated"
expect 1 "wrong --log-alg (sha256 on a classic list) fails" "$DOSSIER" ima replay --log-alg sha256 "$CH"
expect_out '^FAIL ima\.(parse|template-digest): ' "wrong --log-alg: FAIL line"
expect 2 "--bank md5 is a usage error" "$DOSSIER" ima replay --bank md5 "$CH"
expect 2 "--bank nonsense is a usage error" "$DOSSIER" ima replay --bank nonsense "$CH"
expect 2 "--log-alg md5 is a usage error" "$DOSSIER" ima replay --log-alg md5 "$CH"
expect 2 "missing file is an I/O error" "$DOSSIER" ima replay "$T/nonexistent"
expect_err "nonexistent" "missing file: named on stderr"
expect 2 "two operands are a usage error" "$DOSSIER" ima replay "$CH" "$CH"
expect 0 "options after the operand, stdin" "$DOSSIER" ima replay - --bank sha256 <"$CH"
expect_out '^sha256 10 9842c6f3a154484c12df027b9becd4e7fe9590b9a877936504b079a7b894af56$' "stdin: sha256 PCR 10"
expect 0 "three banks" "$DOSSIER" ima replay --bank sha1 --bank sha384 --bank sha256 "$CH"
expect_eq "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "sha1 sha384 sha256 " "banks in the order given"

# A Linux 6.10 per-bank list (sha256 column), made from imatest.log by
# testdata/ima/perbank/make-perbank.py (hashlib, independent of dossier).
PB=$I/perbank/imatest.sha256.bin
expect 0 "per-bank sha256 list replays with --log-alg sha256" "$DOSSIER" ima replay --log-alg sha256 "$PB"
expect_out '^sha1 10 0ff68e1da514770e85581bffe693809776302a63$' "per-bank list: same sha1 value as the classic list"
"$DOSSIER" ima replay "$I/ibm-tss/imatest.log" | grep '^sha256' >"$T/classic256"
expect_out "^$(cat "$T/classic256")\$" "per-bank list: same sha256 value as the classic list"
expect 1 "per-bank list read as a classic list fails" "$DOSSIER" ima replay "$PB"
expect_out '^FAIL ima.parse: ' "per-bank list without --log-alg: FAIL ima.parse"
done_testing
