#!/usr/bin/env bash
# t_batch.sh - the batch engine of dossier verify (verify/batch.h): the
# thread count changes no verdict and no byte of the results but their
# times, even where a bundle depends on an earlier one of the same run
# (a replay, a clock rollback after an accepted state); kill -9 at random
# points of a windowed run, then --resume: every input judged exactly
# once, each challenge consumed once, by a committed result; --summary
# json; option errors.
. "$DOSSIER_TOP/tests/lib.sh"
need sqlite3

FIX=$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify
GEN=$DOSSIER_TOOLS/gen_evidence
F=$T/fix
N=60
mkdir -p "$F" "$T/in" "$T/mixed"

"$DOSSIER_TOOLS/gen_ima_log" -n 40 -t mixed -s 7 -o "$T/ref.log" >/dev/null ||
	{ not_ok "gen_ima_log"; exit 0; }
FIXTURE_CHALLENGES=$N "$FIX" fixture "$F" "$T/ref.log" >/dev/null ||
	{ not_ok "fixture"; exit 0; }

# gen NAME OUT [gen_evidence options]: a bundle answering challenge NAME.
gen() {
	local name=$1 out=$2 id sec
	shift 2
	read -r _ _ id sec < <(grep "^$name " "$F/challenges")
	"$GEN" -k "$F/a.pem" -o "$out" -c "$id" -n "$sec" \
	    --ek-crt "$F/a.crt" --ek-pub "$F/a.pub" --ima-log "$F/ref.log" \
	    "$@" >/dev/null
}

# sql DB QUERY: read the store with the sqlite3 shell, read-only.
sql() { sqlite3 "file:$1?mode=ro" "$2"; }

# strip FILE: the results without their times.
strip() { sed 's/"time":"[^"]*"//' "$1"; }

for i in $(seq 0 $((N - 1))); do
	gen "b$i" "$T/in/$(printf %03d "$i").dossier" --clock $((1000000 + i * 10))
done
expect_eq "$(ls "$T/in" | wc -l | tr -d ' ')" $N "$N bundles generated"

# ---- threads: same verdicts, same order, same bytes ------------------------
M=$T/mixed
cp "$T/in/000.dossier" "$M/01-pass.dossier"
cp "$T/in/000.dossier" "$M/02-replay.dossier"
# Clocks rise in the order the challenges were issued (the fixture's
# named ones before b0, b1, ...), whatever the order of judging.
gen pass     "$M/03-pass.dossier"     --clock 999500
gen rollback "$M/04-rollback.dossier" --clock 999000
gen added    "$M/05-added.dossier"    --clock 1000006 --ima-add /usr/bin/evil
gen tampered "$M/06-tampered.dossier" --clock 1000007 --tamper pcrs.bin
head -c 5000 /dev/urandom >"$M/07-garbage.dossier"
for i in $(seq 10 40); do cp "$T/in/0$i.dossier" "$M/$i-more.dossier"; done
gen b58     "$M/50-reset.dossier"    --clock 30 --reset 2
gen b59     "$M/51-pcr.dossier"      --clock 40 --reset 2 --flip-pcr 3
for j in 1 4; do
	cp "$F/store.db" "$T/j$j.db"
	expect 1 "--jobs $j: exit 1 (some fail)" "$DOSSIER" --store "$T/j$j.db" \
	    verify --jobs $j --window 3 -o "$T/j$j.jsonl" "$M"
	cp "$T/err" "$T/j$j.err"
done
expect_eq "$(wc -l <"$T/j1.jsonl" | tr -d ' ')" 40 "--jobs 1: one result per input"
if cmp -s <(strip "$T/j1.jsonl") <(strip "$T/j4.jsonl"); then
	ok "--jobs 1 and --jobs 4: identical results but for times"
else
	not_ok "--jobs 1 and --jobs 4: identical results but for times" \
	    "$(diff <(strip "$T/j1.jsonl") <(strip "$T/j4.jsonl") | head -c 600)"
fi
verdicts=$(grep -o '"verdict":"[a-z]*"' "$T/j4.jsonl" | head -9 | cut -d'"' -f4 | tr '\n' ' ')
expect_eq "$verdicts" "pass fail pass fail fail fail error pass pass " \
    "--jobs 4: the verdicts of the mixed inputs, in input order"
grep '02-replay' "$T/j4.jsonl" | grep -q '"challenge.single-use","outcome":"fail"' &&
	ok "--jobs 4: a replay in the same run fails challenge.single-use" ||
	not_ok "--jobs 4: a replay in the same run fails challenge.single-use"
grep '04-rollback' "$T/j4.jsonl" | grep -q '"state.clock","outcome":"fail"' &&
	ok "--jobs 4: a rollback behind a state accepted earlier in the run fails" ||
	not_ok "--jobs 4: a rollback behind a state accepted earlier in the run fails"
expect_eq "$(sql "$T/j1.db" 'select count(*) from results')" 40 \
    "--jobs 1: 40 result rows"
expect_eq "$(sql "$T/j1.db" "select group_concat(verdict) from (select verdict from results order by rowid)")" \
    "$(sql "$T/j4.db" "select group_concat(verdict) from (select verdict from results order by rowid)")" \
    "--jobs 1 and 4: the same result rows in the same order"
expect_eq "$(sql "$T/j1.db" 'select clock, reset_count from attest_states')" \
    "$(sql "$T/j4.db" 'select clock, reset_count from attest_states')" \
    "--jobs 1 and 4: the same accepted state"

# ---- --summary json ---------------------------------------------------------
cp "$F/store.db" "$T/sum.db"
expect 1 "--summary json: exit 1" "$DOSSIER" --store "$T/sum.db" verify -q \
    --summary json -o "$T/sum.jsonl" "$M"
python3 - "$T/err" <<'EOF' && ok "--summary json: counts, reasons, throughput" || not_ok "--summary json: counts, reasons, throughput" "$(head -c 600 "$T/err")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
s = json.loads(lines[-1])
assert (s["bundles"], s["pass"], s["fail"], s["error"], s["resumed"]) == (40, 34, 5, 1, 0), s
assert s["ima_entries"] >= 34 * 40, s
r = {x["check"]: x["count"] for x in s["reasons"]}
assert r["challenge.single-use"] == 1 and r["bundle.container"] >= 1, r
assert s["bundles_per_s"] > 0 and len(s["slowest"]) == 5, s
EOF
expect 1 "text summary: exit 1" "$DOSSIER" --store "$T/sum.db" verify -q \
    -o "$T/none.jsonl" --jobs 2 "$M/07-garbage.dossier"
expect_err '^verify: 1 bundle: 0 pass, 0 fail, 1 error' "text summary: counts"
expect_err '^  failed bundle.container: 1' "text summary: the failure reasons"

# ---- kill -9 at random points, then --resume --------------------------------
# how long a whole run takes here (ASan or not), in milliseconds
cp "$F/store.db" "$T/k.db"
t0=$(date +%s%N)
"$DOSSIER" --store "$T/k.db" verify -q --jobs 2 --window 5 -o "$T/k.jsonl" \
    "$T/in" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 + 1 ))
for k in 1 2 3 4 5; do
	cp "$F/store.db" "$T/k.db"
	"$DOSSIER" --store "$T/k.db" verify -q --jobs 2 --window 5 \
	    -o "$T/k.jsonl" "$T/in" >/dev/null 2>&1 &
	pid=$!
	d=$(( RANDOM % ms ))
	sleep "$((d / 1000)).$(printf %03d $((d % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	before=$(sql "$T/k.db" 'select count(*) from results')
	consumed=$(sql "$T/k.db" "select count(*) from challenges where state = 'consumed'")
	if [ $((before % 5)) -eq 0 ] || [ "$before" -eq $N ]; then
		ok "kill $k: the store holds whole windows ($before results)"
	else
		not_ok "kill $k: the store holds whole windows" "$before results"
	fi
	expect_eq "$consumed" "$before" "kill $k: a challenge consumed per committed result"
	expect 0 "kill $k: --resume exits 0" "$DOSSIER" --store "$T/k.db" verify \
	    -q --resume --jobs 3 --window 5 --summary json -o "$T/k.jsonl" "$T/in"
	expect_eq "$(wc -l <"$T/k.jsonl" | tr -d ' ')" $N "kill $k: every input in the results"
	expect_eq "$(grep -c '"verdict":"pass"' "$T/k.jsonl")" $N "kill $k: every input passes (judged once)"
	expect_eq "$(sql "$T/k.db" 'select count(*) from results')" $N "kill $k: one result row per bundle"
	expect_eq "$(sql "$T/k.db" "select count(distinct bundle_sha256) from results")" $N \
	    "kill $k: no bundle judged twice"
	expect_eq "$(sql "$T/k.db" "select count(*) from challenges c join results r on r.result_id = c.consumed_by where r.verdict = 'pass' and c.state = 'consumed'")" \
	    $N "kill $k: each challenge consumed once, by a committed passing result"
	resumed=$(tail -1 "$T/err" | grep -o '"resumed":[0-9]*' | cut -d: -f2)
	expect_eq "$resumed" "$before" "kill $k: the results committed before are resumed"
done
expect 0 "--resume of a complete run: exit 0" "$DOSSIER" --store "$T/k.db" \
    verify -q --resume --summary json "$T/in"
expect_out '"verdict":"pass"' "--resume of a complete run: results on stdout"
expect_eq "$(grep -c . "$T/out")" $N "--resume of a complete run: every result reported"
expect_err "\"resumed\":$N" "--resume of a complete run: all resumed"
expect_eq "$(sql "$T/k.db" 'select count(*) from results')" $N \
    "--resume of a complete run: no new result row"
expect 1 "without --resume the same inputs are replays" "$DOSSIER" \
    --store "$T/k.db" verify -q "$T/in/005.dossier"
expect_out '"challenge.single-use","outcome":"fail"' \
    "without --resume: challenge.single-use fails"

# ---- options ------------------------------------------------------------------
expect 2 "--jobs 0: usage error" "$DOSSIER" --store "$F/store.db" verify --jobs 0 "$M"
expect_err 'jobs 0: a number from 1 to 256' "--jobs 0: says the range"
expect 2 "--jobs 257: usage error" "$DOSSIER" --store "$F/store.db" verify -j 257 "$M"
expect 2 "--window x: usage error" "$DOSSIER" --store "$F/store.db" verify --window x "$M"
expect 2 "--summary xml: usage error" "$DOSSIER" --store "$F/store.db" verify --summary xml "$M"
expect_err 'summary xml: text or json' "--summary xml: says what is allowed"

# ---- inputs: a directory, a tar, a tar.zst, a tar.gz and stdin ----------------
# good, tampered and unreadable inputs from each; one result per input.
X=$T/x
mkdir -p "$X/dir/sub" "$X/t" "$X/z" "$X/g"
cp "$T/in/041.dossier" "$X/dir/a-good.dossier"
cp "$M/06-tampered.dossier" "$X/dir/sub/b-tampered.dossier"
head -c 700 /dev/urandom >"$X/dir/sub/c-junk.dossier"
cp "$T/in/042.dossier" "$X/t/good.dossier"
head -c 900 /dev/urandom >"$X/t/junk.dossier"
(cd "$X/t" && tar cf "$X/set.tar" good.dossier junk.dossier)
cp "$T/in/043.dossier" "$X/z/good.dossier"
cp "$M/05-added.dossier" "$X/z/added.dossier"
(cd "$X/z" && tar cf - good.dossier added.dossier | zstd -q -o "$X/set.tar.zst")
cp "$T/in/044.dossier" "$X/g/good.dossier"
(cd "$X/g" && tar czf "$X/set.tar.gz" good.dossier)
head -c 2000 "$X/set.tar.zst" >"$X/cut.tar.zst"
cat "$T/in/045.dossier" "$T/in/046.dossier" "$M/06-tampered.dossier" >"$X/stream"
cp "$F/store.db" "$T/x.db"
"$DOSSIER" --store "$T/x.db" verify -q --jobs 3 -o "$T/x.jsonl" "$X/dir" \
    "$X/set.tar" "$X/set.tar.zst" "$X/set.tar.gz" "$X/cut.tar.zst" - \
    <"$X/stream" >/dev/null 2>"$T/err"
expect_eq "$?" 1 "mixed inputs: exit 1"
got=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["input"]["name"].replace(sys.argv[2] + "/", ""), r["input"]["offset"] is not None, r["verdict"])
' "$T/x.jsonl" "$X" | tr '\n' ';')
expect_eq "$got" "dir/a-good.dossier False pass;dir/sub/b-tampered.dossier False fail;dir/sub/c-junk.dossier False error;set.tar: good.dossier True pass;set.tar: junk.dossier True error;set.tar.zst: good.dossier True pass;set.tar.zst: added.dossier True fail;set.tar.gz: good.dossier True pass;cut.tar.zst False error;-: 1 True pass;-: 2 True pass;-: 3 True fail;" \
    "mixed inputs: one correct result per input, in input order"
grep '"-: 2"' "$T/x.jsonl" | grep -q "\"offset\":$(stat -c %s "$T/in/045.dossier")}" &&
	ok "stdin stream: a bundle's offset is where it starts" ||
	not_ok "stdin stream: a bundle's offset is where it starts"
printf 'garbage' | cat "$T/in/047.dossier" - >"$X/stream2"
cp "$F/store.db" "$T/x2.db"
expect 1 "stdin stream with trailing garbage: exit 1" "$DOSSIER" \
    --store "$T/x2.db" verify -q - <"$X/stream2"
expect_eq "$(grep -c . "$T/out")" 2 "stdin stream with trailing garbage: two results"
expect_out '"name":"-: 2".*"verdict":"error".*not a zstd frame' \
    "stdin stream with trailing garbage: the rest is one unreadable result"
tar cf - -C "$X/t" good.dossier | "$DOSSIER" --store "$T/x2.db" verify -q - \
    >"$T/out" 2>"$T/err"
expect_out '"name":"-: good.dossier"' "stdin: a tar archive is walked"

# A bundle of two zstd frames (the container allows several) in a stream:
# it ends with the frame that ends its tar, not with its first frame.
need zstd
zstd -q -dc "$T/in/048.dossier" >"$X/b.tar"
head -c 1024 "$X/b.tar" | zstd -q -c >"$X/two-frames.dossier"
tail -c +1025 "$X/b.tar" | zstd -q -c >>"$X/two-frames.dossier"
cat "$X/two-frames.dossier" "$T/in/049.dossier" >"$X/stream3"
cp "$F/store.db" "$T/x3.db"
expect 0 "stdin stream, a bundle of two frames: exit 0" "$DOSSIER" \
    --store "$T/x3.db" verify -q - <"$X/stream3"
expect_eq "$(grep -c '"verdict":"pass"' "$T/out")" 2 \
    "stdin stream, a bundle of two frames: two bundles, both pass"
expect_out "\"name\":\"-: 2\",\"offset\":$(stat -c %s "$X/two-frames.dossier")}" \
    "stdin stream, a bundle of two frames: the second starts after both frames"

# ---- progress: on a terminal only, not with -q ------------------------------
if command -v script >/dev/null 2>&1; then
	cp "$F/store.db" "$T/p.db"
	script -qec "'$DOSSIER' --store '$T/p.db' verify -o '$T/p.jsonl' '$M'" \
	    /dev/null >"$T/tty" 2>&1
	grep -q 'verify: 40/40 bundles .*/s .*6 failed' "$T/tty" &&
		ok "progress on a terminal: done/total, rate, failures" ||
		not_ok "progress on a terminal: done/total, rate, failures" \
		    "$(tr '\r\033' '|~' <"$T/tty" | head -c 400)"
	grep -q 'verify: [0-9]*/40 bundles .*ETA [0-9]*:[0-9][0-9]' "$T/tty" &&
		ok "progress on a terminal: the directory's total and an ETA from the start" ||
		not_ok "progress on a terminal: the directory's total and an ETA from the start"
	cp "$F/store.db" "$T/p.db"
	script -qec "'$DOSSIER' --store '$T/p.db' verify -q -o '$T/p.jsonl' '$M'" \
	    /dev/null >"$T/tty" 2>&1
	grep -q 'bundles .*/s' "$T/tty" && not_ok "-q: no progress" ||
		ok "-q: no progress"
	grep -q '^verify: 40 bundles: 34 pass, 5 fail, 1 error' "$T/tty" &&
		ok "-q: the summary still" || not_ok "-q: the summary still"
	cp "$F/store.db" "$T/p.db"
	expect 1 "stderr not a terminal: exit 1" "$DOSSIER" --store "$T/p.db" \
	    verify -o "$T/p.jsonl" "$M"
	grep -q 'bundles .*/s  ' "$T/err" && not_ok "stderr not a terminal: no progress" ||
		ok "stderr not a terminal: no progress"
else
	skip "progress on a terminal" "script (util-linux) not installed"
fi

# ---- --signed with threads and windows, and on resume ---------------------------
mkdir -p "$T/sig1" "$T/sig2"
cp "$F/store.db" "$T/sg.db"
expect 1 "--signed --jobs 4 --window 3: exit 1" "$DOSSIER" --store "$T/sg.db" \
    verify -q --jobs 4 --window 3 --signed "$T/sig1" -o "$T/sg.jsonl" "$M"
expect_eq "$(ls "$T/sig1" | wc -l | tr -d ' ')" 40 "--signed: one signed file per result"
expect_eq "$(ls "$T/sig1" | grep -c '^unidentified-')" 2 \
    "--signed: the unreadable and the tampered one are unidentified"
expect 1 "--signed --resume: exit 1" "$DOSSIER" --store "$T/sg.db" \
    verify -q --resume --signed "$T/sig2" -o "$T/sg2.jsonl" "$M"
expect_eq "$(ls "$T/sig2" | wc -l | tr -d ' ')" 40 "--signed --resume: resumed results are signed too"
expect_eq "$(ls "$T/sig2" | grep '^unidentified-' | sort)" "$(ls "$T/sig1" | grep '^unidentified-' | sort)" \
    "--signed --resume: a resumed result keeps its result id"
done_testing
