#!/usr/bin/env bash
# t_verify_inputs.sh - inputs that vanished (issue 14, section 2): every
# input byte stream yields at least one result, and a bad bundle never
# costs the next one its result. Each case as a file, on standard input
# and in a spool (dossier verify SPOOL --results), with exact result
# counts and verdicts; the good bundles (gen_evidence) still pass:
#   empty   a zstd frame of zeros (an empty tar) in front of a good bundle
#           (was: 0 results, exit 0; in a spool, claimed and deleted);
#   huge    a bundle with a member header declaring 8 GiB, then two good
#           bundles (was, on standard input: one error for three);
#   noend   a bundle without its end-of-archive marker, then two good ones;
#   junk    a good bundle, bytes that are no zstd frame, a good bundle;
#   lead    bytes that are no zstd frame, then a good bundle;
#   padded  a good bundle, a zstd frame of zeros (its tar record padding
#           in a frame of its own, which the container allows), a good
#           bundle: two passes, the zeros are the first one's;
#   tail    a tar (and a tar.zst) archive of one good bundle with a good
#           bundle after its end-of-archive marker (was: ignored).
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl tar zstd

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
B=$T/b
mkdir -p "$F" "$B"
"$DOSSIER_TOOLS/gen_ima_log" -n 12 -t ima-ng -s 9 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
"$FIX" fixture "$F" "$T/ref.log" || { not_ok "fixture"; exit 0; }
DEV=$(openssl dgst -sha256 -r "$F/a.crt" | cut -c1-64)

# gen NAME CHALLENGE CLOCK: $B/NAME.dossier, a good bundle of device a.
gen() {
	local id sec
	read -r _ _ id sec < <(grep "^$2 " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$B/$1.dossier" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$T/ref.log" \
	    --clock "$3" || not_ok "gen $1"
}
gen g1 pass 1000010
gen g2 replay 1000020
gen g3 other 1000030
gen bad pcr 1000005

# The empty archive: an end-of-archive marker and record padding, zstd.
head -c 10240 /dev/zero | zstd -q >"$B/empty.zst"
# huge: bad's first member header says 8 GiB (checksum fixed); noend:
# bad without its two zero blocks. Each recompressed as one zstd frame.
zstd -q -d <"$B/bad.dossier" >"$T/bad.tar"
python3 - "$T/bad.tar" "$T/huge.tar" "$T/noend.tar" <<'EOF'
import sys
t = bytearray(open(sys.argv[1], "rb").read())
msize = int(t[124:136].rstrip(b"\0 ").decode(), 8)
h = 512 + (msize + 511) // 512 * 512        # the first member's header
assert t[h + 257:h + 262] == b"ustar"
huge = bytearray(t)
huge[h + 124:h + 136] = b"77777777777\0"
huge[h + 148:h + 156] = b"        "
huge[h + 148:h + 156] = b"%06o\0 " % sum(huge[h:h + 512])
open(sys.argv[2], "wb").write(huge)
assert t[-1024:] == bytes(1024)
open(sys.argv[3], "wb").write(t[:-1024])
EOF
zstd -q <"$T/huge.tar" >"$B/huge.zst" && zstd -q <"$T/noend.tar" >"$B/noend.zst" ||
	not_ok "recompress"
printf 'this is no zstd frame, just junk\n' >"$B/junk.bin"
(cd "$B" && tar --format=ustar -cf "$T/one.tar" g1.dossier) &&
	zstd -q <"$T/one.tar" >"$T/one.tar.zst" || not_ok "tar"

mkdir -p "$T/case"
cat "$B/empty.zst" "$B/g1.dossier" >"$T/case/empty"
cat "$B/huge.zst" "$B/g1.dossier" "$B/g2.dossier" >"$T/case/huge"
cat "$B/noend.zst" "$B/g1.dossier" "$B/g2.dossier" >"$T/case/noend"
cat "$B/g1.dossier" "$B/junk.bin" "$B/g2.dossier" >"$T/case/junk"
cat "$T/one.tar" "$B/g2.dossier" >"$T/case/tail"
cat "$T/one.tar.zst" "$B/g2.dossier" >"$T/case/tailzst"
cat "$B/junk.bin" "$B/g1.dossier" >"$T/case/lead"
cat "$B/g1.dossier" "$B/empty.zst" "$B/g2.dossier" >"$T/case/padded"
cp "$B/empty.zst" "$T/case/emptyonly"

# fresh: a fresh copy of the fixture store in $T/s.db.
fresh() {
	cp "$F/store.db" "$T/s.db"
	rm -f "$T/s.db-wal" "$T/s.db-shm"
}
# summary FILE: "verdict,verdict,... first-failed-reason-of-each-non-pass"
verdicts() {
	python3 - "$1" <<'EOF'
import json, sys
v = []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    v.append(r["verdict"])
print(",".join(v))
EOF
}
reasons() {
	python3 - "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    f = [c for c in r["checks"] if c["outcome"] == "fail"]
    if r["verdict"] != "pass":
        print(r["input"]["name"].split("/")[-1], r["input"]["offset"], f[0]["name"] + ": " + f[0]["reason"])
EOF
}

# one CASE FORM EXPECTED-VERDICTS [REASON-ERE]: judge case CASE as FORM
# (file, stdin or spool) and compare the verdicts, in order; the reason
# pattern must match one non-passing result.
one() {
	local c=$1 form=$2 want=$3 re=${4:-}
	fresh
	case $form in
	file) "$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" \
	    "$T/case/$c" >/dev/null 2>"$T/err" ;;
	stdin) "$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" - \
	    <"$T/case/$c" >/dev/null 2>"$T/err" ;;
	spool)
		rm -rf "$T/sp" "$T/res"
		mkdir -p "$T/sp/tmp" "$T/sp/new" "$T/sp/cur"
		cp "$T/case/$c" "$T/sp/new/evidence-$DEV-0123456789abcdef0123456789abcdef.dbundle"
		"$DOSSIER" --store "$T/s.db" verify -q --results "$T/res" \
		    "$T/sp" >"$T/r.jsonl" 2>"$T/err"
		;;
	esac
	got=$(verdicts "$T/r.jsonl")
	expect_eq "$got" "$want" "$c as $form: results $want"
	if [ -n "$re" ]; then
		if reasons "$T/r.jsonl" | grep -Eq -- "$re"; then
			ok "$c as $form: the refusal says /$re/"
		else
			not_ok "$c as $form: the refusal says /$re/" "$(reasons "$T/r.jsonl" | tr '\n' '|')"
		fi
	fi
	if [ "$form" = spool ]; then
		expect_eq "$(ls "$T/sp/new" "$T/sp/cur" | grep -c dbundle)" 0 \
		    "$c as spool: the bundle file is finished"
		expect_eq "$(ls "$T/res/new" 2>/dev/null | grep -c '\.dres$')" \
		    "$(echo "$want" | tr ',' '\n' | wc -l)" \
		    "$c as spool: one signed result per result"
	fi
}

for form in file stdin spool; do
	one emptyonly $form error "bundle.container: .*empty archive: no MANIFEST"
	one empty $form error,pass "bundle.container: .*empty archive: no MANIFEST"
	one huge $form fail,pass,pass "bundle.container: .*bytes larger than listed|truncated"
	one noend $form fail,pass,pass "bundle.container: .*no end-of-archive marker"
	one junk $form pass,error,pass "bundle.container: not a zstd frame: 33 bytes skipped"
	one lead $form error,pass "bundle.container: not a zstd frame: 33 bytes skipped up to the next"
	one padded $form pass,pass
	one tail $form pass,error "bundle.container: data after the end of the archive"
	one tailzst $form pass,error "bundle.container: data after the end of the archive"
done

# Names and offsets: the parts of a file are "FILE: N" at their byte
# offsets; a file that is one bundle keeps its own name.
fresh
"$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" "$T/case/junk" "$B/g3.dossier" >/dev/null 2>&1
got=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["input"]["name"].split("/")[-1], r["input"]["offset"])
' "$T/r.jsonl" | tr '\n' '|')
g1=$(stat -c %s "$B/g1.dossier")
expect_eq "$got" "junk: 1 0|junk: 2 $g1|junk: 3 $((g1 + 33))|g3.dossier None|" \
    "the parts of a file are named and placed; a one-bundle file keeps its name"
# A bundle with its padding in a second frame is one bundle, file named.
cat "$B/g3.dossier" "$B/empty.zst" >"$T/g3-padded.dossier"
fresh
"$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" "$T/g3-padded.dossier" >/dev/null 2>&1
expect_eq "$(verdicts "$T/r.jsonl")" pass "a bundle whose padding is a frame of its own: one pass"
expect_eq "$(grep -c '"name":"[^"]*g3-padded.dossier","offset":null' "$T/r.jsonl")" 1 \
    "... named by its file"

# An empty tar.gz archive (no entries): a named refusal, not silence.
tar -czf "$T/none.tar.gz" -T /dev/null
fresh
"$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" "$T/none.tar.gz" >/dev/null 2>&1
expect_eq "$(verdicts "$T/r.jsonl")" error "an empty tar.gz: one error result"
if reasons "$T/r.jsonl" | grep -q "an archive with no bundle in it"; then
	ok "an empty tar.gz: says it holds no bundle"
else not_ok "an empty tar.gz: says it holds no bundle" "$(reasons "$T/r.jsonl")"; fi

# Standard input with nothing on it: one error result.
fresh
"$DOSSIER" --store "$T/s.db" verify -q -o "$T/r.jsonl" - </dev/null >/dev/null 2>&1
expect_eq "$(verdicts "$T/r.jsonl")" error "empty standard input: one error result"
done_testing
