#!/usr/bin/env bash
# bench/batch.sh - batch verification at fleet scale (issue 5): dossier
# verify over 1k, 10k and 100k generated bundles, with --jobs 1 and with
# all cores, next to the floor and the peer pipeline measured in the same
# run (bench/run calls this; DOSSIER_TOP and DOSSIER_BUILD are set).
#
#   bench/batch.sh VARSFILE
#
# Setup (timed only to report the generator's speed): build/tools/
# verify_gen_fleet mints the largest fleet once (200 devices, IMA logs of
# ~1k records, every 20th device 10k; each bundle a reordering of its
# device's reference) with a store expecting every bundle; the 1k and 10k
# sets are its first 1k and 10k bundles (whole directories of 1000, same
# device mix). Each verify run gets a fresh copy of the store.
#
# Runs, each one `dossier --store COPY verify -o RESULTS [--jobs J] [--quiet]
# DIR...` under bench/rusage_run (wall time, peak RSS); every bundle must
# pass (one result line each) or the benchmark fails:
#   size x {--jobs 1, --jobs NCPU}; bundles/s, IMA entries/s, peak RSS.
#   At the headline size (10k) each is the best of $BENCH_BATCH_RUNS (3)
#   runs, as the floor is the best of 3 passes: both sides are measured
#   the same way, so a noisy machine does not favour either.
#   (While verify has no --jobs, only the single-threaded figure is made
#   and the all-core figures are null.)
# Floor: bench/batch_floor -j NCPU over the first 1000 bundles, best of 3
#   (what it counts is documented there).
# Peer: bench/peer_pipeline.sh over the first $BENCH_BATCH_PEER (50)
#   bundles, sequential as a script runs.
# Targets: all cores >= 25x the peer per bundle; >= 70% of the floor's
# bundles/s; peak RSS at 100k <= 2x the RSS at 1k (all-core runs).
#
# Environment: BENCH_BATCH_MAX=N caps the sizes (e.g. 1000 for a quick
# run; sizes above it are skipped and their figures null);
# BENCH_BATCH_J1_MAX=N skips the --jobs 1 runs above N bundles (the
# longest runs; their figures null);
# BENCH_BATCH_PEER=N the peer sample; BENCH_BATCH_RUNS=N the runs at the
# headline size (best taken); BENCH_BATCH_KEEP=1 keeps the fleet
# (about 240 KB a bundle) in build/bench/fleet instead of removing it, and
# a later run with BENCH_BATCH_KEEP=1 reuses it when it is big enough
# (its store is only ever copied; the generator's speed is then null).
#
# Writes shell assignments (BATCH_*, and BATCH_JSON: the "batch.*" JSON
# members) to VARSFILE and prints a table. Exit 0; 1 when something
# failed to run.
set -u
VARS=${1:?usage: bench/batch.sh VARSFILE}
TOP=${DOSSIER_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$TOP" || exit 1
B=${DOSSIER_BUILD:-build}
DOSSIER=$B/dossier
TOOLS=$B/tools
OUT=build/bench
FLEET=$OUT/fleet
MAX=${BENCH_BATCH_MAX:-100000}
J1_MAX=${BENCH_BATCH_J1_MAX:-$MAX}
PEER_N=${BENCH_BATCH_PEER:-50}
RUNS=${BENCH_BATCH_RUNS:-3}
NCPU=$(getconf _NPROCESSORS_ONLN)
KIB_PER_BUNDLE=300	# disk a bundle needs, with room

die() { echo "bench/batch: $*" >&2; exit 1; }
for t in "$DOSSIER" "$TOOLS/verify_gen_fleet" "$TOOLS/gen_ima_log" \
    "$TOOLS/batch_floor" "$TOOLS/rusage_run" "$TOOLS/pcrs_serialized"; do
	[ -x "$t" ] || die "$t not built (make first)"
done
mkdir -p "$OUT"

SIZES=()
for n in 1000 10000 100000; do
	[ "$n" -le "$MAX" ] && SIZES+=("$n")
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=("$MAX")
BIG=${SIZES[${#SIZES[@]}-1]}

# Disk: the whole fleet is written before the runs.
REUSE=0
if [ "${BENCH_BATCH_KEEP:-0}" = 1 ] && [ -f "$FLEET/fleet.txt" ] &&
    [ "$(awk '$1 == "bundles" {print $2}' "$FLEET/fleet.txt")" -ge "$BIG" ]; then
	REUSE=1
else
	rm -rf "$FLEET"
fi
avail=$(df -Pk "$OUT" | awk 'NR == 2 {print $4}')
[ "$REUSE" = 1 ] && avail=$((BIG * KIB_PER_BUNDLE))
while [ $((BIG * KIB_PER_BUNDLE)) -gt "$avail" ] && [ ${#SIZES[@]} -gt 1 ]; do
	echo "bench/batch: $BIG bundles need ~$((BIG * KIB_PER_BUNDLE / 1024)) MiB, $((avail / 1024)) MiB free: skipped"
	unset 'SIZES[${#SIZES[@]}-1]'
	BIG=${SIZES[${#SIZES[@]}-1]}
done

[ "${BENCH_BATCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$FLEET" "$OUT"/batch-store.db*' EXIT
GEN_BPS=null
if [ "$REUSE" = 1 ]; then
	echo "bench/batch: reusing the fleet in $FLEET"
else
	echo "bench/batch: generating $BIG bundles in $FLEET"
	t0=$(date +%s.%N)
	"$TOOLS/verify_gen_fleet" -n "$BIG" -o "$FLEET" -j "$NCPU" ||
	    die "verify_gen_fleet failed"
	t1=$(date +%s.%N)
	GEN_BPS=$(awk -v n="$BIG" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n / (b - a)}')
	echo "bench/batch: $BIG bundles in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s" \
	    "($GEN_BPS bundles/s, $NCPU workers, $(du -sh "$FLEET" | cut -f1))"
fi

# A kept fleet may come from an older dossier: bring its store to this
# one's schema once, so that no timed run pays the migration.
"$DOSSIER" --store "$FLEET/store.db" roots list >/dev/null ||
    die "cannot open the fleet's store"

# entries_of N: IMA records in the first N bundles (whole directories).
entries_of() {
	awk -v d=$((($1 + 999) / 1000)) '$1 == "dir" && ($2 + 0) < d {s += $6} END {print s}' "$FLEET/fleet.txt"
}
dirs_of() {
	local k
	for ((k = 0; k < ($1 + 999) / 1000; k++)); do printf '%s/bundles/%04d\n' "$FLEET" "$k"; done
}

# Options of verify's batch engine (issue 5), if this build has them.
HAS_JOBS=0 HAS_QUIET=0
"$DOSSIER" verify --help 2>&1 | grep -Eq -- '\[-j jobs\]|--jobs' && HAS_JOBS=1
"$DOSSIER" verify --help 2>&1 | grep -Eq -- '\[-q\]|--quiet' && HAS_QUIET=1

# run_verify N JOBS: sets BPS, EPS, MIB (peak RSS) of one run over N bundles.
run_verify() {
	local n=$1 j=$2 line w r x args=() d
	BPS=null EPS=null MIB=null W=null
	[ "$j" = 1 ] || [ "$HAS_JOBS" = 1 ] || return 0
	[ "$j" != 1 ] || [ "$n" -le "$J1_MAX" ] || return 0
	[ "$HAS_JOBS" = 1 ] && args+=(--jobs "$j")
	[ "$HAS_QUIET" = 1 ] && args+=(--quiet)
	rm -rf "$OUT"/batch-store.db*	# the store and its evidence archive
	cp "$FLEET/store.db" "$OUT/batch-store.db" || die "copy the store"
	mapfile -t d < <(dirs_of "$n")
	line=$("$TOOLS/rusage_run" -o "$OUT/batch-verify.err" "$DOSSIER" \
	    --store "$OUT/batch-store.db" verify "${args[@]}" \
	    -o "$OUT/batch-results.jsonl" "${d[@]}") || die "could not run dossier verify"
	x=${line##*exit=}
	[ "$x" = 0 ] || die "verify of $n bundles (jobs $j) exited $x: $(tail -c 400 "$OUT/batch-verify.err")"
	[ "$(grep -c '"verdict":"pass"' "$OUT/batch-results.jsonl")" = "$n" ] ||
	    die "verify of $n bundles (jobs $j): not $n passing results"
	w=${line#wall_s=}; w=${w%% *}
	r=${line#*maxrss_kib=}; r=${r%% *}
	W=$w
	BPS=$(awk -v n="$n" -v w="$w" 'BEGIN{printf "%.1f", n / w}')
	EPS=$(awk -v n="$(entries_of "$n")" -v w="$w" 'BEGIN{printf "%.0f", n / w}')
	MIB=$(awk -v r="$r" 'BEGIN{printf "%.1f", r / 1024}')
}

# The headline size: 10k bundles, or the largest run when capped below.
HEAD=${SIZES[0]}
for n in "${SIZES[@]}"; do [ "$n" -le 10000 ] && HEAD=$n; done

declare -A R
for n in "${SIZES[@]}"; do
	for j in 1 "$NCPU"; do
		runs=1
		[ "$n" = "$HEAD" ] && runs=$RUNS
		best=
		for ((k = 0; k < runs; k++)); do
			run_verify "$n" "$j"
			echo "bench/batch: verify $n bundles, jobs $j: $BPS bundles/s"
			[ "$W" = null ] && break
			if [ -z "$best" ] || awk -v a="$W" -v b="$best" 'BEGIN{exit !(a < b)}'; then
				best=$W
				R[$n,$j,bps]=$BPS R[$n,$j,eps]=$EPS R[$n,$j,mib]=$MIB
			fi
		done
		[ -n "$best" ] || { R[$n,$j,bps]=null R[$n,$j,eps]=null R[$n,$j,mib]=null; }
	done
done
rm -rf "$OUT"/batch-store.db* "$OUT/batch-results.jsonl"	# with the evidence archive

# --- floor and peer -------------------------------------------------------------
FLOOR_N=$((BIG < 1000 ? BIG : 1000))
echo "bench/batch: floor over $FLOOR_N bundles, $NCPU threads"
mapfile -t fl < <(ls "$FLEET"/bundles/0000/*.dossier | head -n "$FLOOR_N")
line=$("$TOOLS/batch_floor" -j "$NCPU" -r 3 "${fl[@]}") || die "batch_floor failed"
FLOOR_BPS=${line#*bundles_per_s=}; FLOOR_BPS=${FLOOR_BPS%% *}
FLOOR_EPS=${line#*entries_per_s=}; FLOOR_EPS=${FLOOR_EPS%% *}

PEER_MS=null
PEER_N=$((PEER_N < BIG ? PEER_N : BIG))
echo "bench/batch: peer pipeline over $PEER_N bundles"
line=$(bench/peer_pipeline.sh "$TOOLS" "$FLEET" "$PEER_N")
case $? in
0) PEER_MS=${line#*ms_per_bundle=} ;;
3) echo "bench/batch: no peer comparison (a tool is missing)" ;;
*) die "the peer pipeline failed" ;;
esac

# --- figures ------------------------------------------------------------------
ALL_BPS=${R[$HEAD,$NCPU,bps]}
num() { [ "$1" != null ] && [ -n "$1" ]; }
FLOOR_RATIO=null PEER_SPEEDUP=null RSS_RATIO=null
num "$ALL_BPS" && FLOOR_RATIO=$(awk -v a="$ALL_BPS" -v f="$FLOOR_BPS" 'BEGIN{printf "%.3f", a / f}')
num "$ALL_BPS" && num "$PEER_MS" &&
    PEER_SPEEDUP=$(awk -v a="$ALL_BPS" -v p="$PEER_MS" 'BEGIN{printf "%.1f", p / (1000 / a)}')
RSS_1K=${R[1000,$NCPU,mib]:-null}
RSS_100K=${R[100000,$NCPU,mib]:-null}
num "$RSS_1K" && num "$RSS_100K" &&
    RSS_RATIO=$(awk -v a="$RSS_100K" -v b="$RSS_1K" 'BEGIN{printf "%.2f", a / b}')
verdict() {	# verdict VALUE CONDITION-ON-v
	num "$1" || { echo "n/a"; return; }
	awk -v v="$1" "BEGIN{exit !($2)}" && echo PASS || echo MISS
}

echo
echo "Batch verify, $NCPU cores, fleet of 200 devices (IMA logs ~1k records, every 20th 10k)"
printf '%-9s %5s %12s %14s %10s\n' bundles jobs bundles/s "IMA entries/s" "RSS MiB"
for n in "${SIZES[@]}"; do
	for j in 1 "$NCPU"; do
		printf '%-9s %5s %12s %14s %10s\n' "$n" "$j" "${R[$n,$j,bps]}" "${R[$n,$j,eps]}" "${R[$n,$j,mib]}"
	done
done
printf '%-9s %5s %12s %14s %10s\n' "floor" "$NCPU" "$FLOOR_BPS" "$FLOOR_EPS" ""
printf '%-9s %5s %12s\n' "peer" 1 "$(num "$PEER_MS" && awk -v p="$PEER_MS" 'BEGIN{printf "%.1f", 1000 / p}' || echo null)"
printf '%-40s %10s %12s %6s\n' figure value target ""
printf '%-40s %10s %12s %6s\n' "all cores / floor ($HEAD bundles)" "$FLOOR_RATIO" ">= 0.70" "$(verdict "$FLOOR_RATIO" 'v >= 0.7')"
printf '%-40s %10s %12s %6s\n' "peer time / ours per bundle" "$PEER_SPEEDUP" ">= 25" "$(verdict "$PEER_SPEEDUP" 'v >= 25')"
printf '%-40s %10s %12s %6s\n' "RSS 100k / RSS 1k" "$RSS_RATIO" "<= 2" "$(verdict "$RSS_RATIO" 'v <= 2')"
[ "$HAS_JOBS" = 1 ] || echo "bench/batch: dossier verify has no --jobs yet: all-core figures are null"

j() { printf '  "batch.%s": %s' "$1" "$2"; }
{
	echo "BATCH_HEAD=$HEAD"
	echo "BATCH_JSON='$(
		j bundles_headline "$HEAD"; echo ,
		j bundles_per_s_1 "${R[$HEAD,1,bps]}"; echo ,
		j bundles_per_s_all "$ALL_BPS"; echo ,
		j entries_per_s_1 "${R[$HEAD,1,eps]}"; echo ,
		j entries_per_s_all "${R[$HEAD,$NCPU,eps]}"; echo ,
		for n in "${SIZES[@]}"; do
			k=$((n / 1000))k
			j "bundles_per_s_1_$k" "${R[$n,1,bps]}"; echo ,
			j "bundles_per_s_all_$k" "${R[$n,$NCPU,bps]}"; echo ,
			j "entries_per_s_1_$k" "${R[$n,1,eps]}"; echo ,
			j "entries_per_s_all_$k" "${R[$n,$NCPU,eps]}"; echo ,
			j "rss_mib_1_$k" "${R[$n,1,mib]}"; echo ,
			j "rss_mib_all_$k" "${R[$n,$NCPU,mib]}"; echo ,
		done
		j jobs_all "$NCPU"; echo ,
		j gen_bundles_per_s "$GEN_BPS"; echo ,
		j floor_bundles_per_s "$FLOOR_BPS"; echo ,
		j floor_entries_per_s "$FLOOR_EPS"; echo ,
		j floor_ratio "$FLOOR_RATIO"; echo ,
		j peer_ms_per_bundle "$PEER_MS"; echo ,
		j peer_speedup "$PEER_SPEEDUP"; echo ,
		j rss_mib_1k "$RSS_1K"; echo ,
		j rss_mib_100k "$RSS_100K"; echo ,
		j rss_ratio "$RSS_RATIO"
	)'"
} >"$VARS"
exit 0
