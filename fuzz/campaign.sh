#!/bin/sh
# fuzz/campaign.sh - a longer fuzzing run whose finds are kept.
#
# Runs every built target of build/fuzz/ (or the TARGETs named) for
# FUZZ_SECONDS, FUZZ_JOBS targets at once, starting from fuzz/corpus/<t>/;
# then merges the corpus and what the run found, minimised (libFuzzer
# -merge=1 into a fresh directory), and replaces fuzz/corpus/<t>/ with it,
# so the committed corpora grow. Hand-named seeds (any file whose name is
# not a 40-hex-digit libFuzzer name: real data, regression inputs) are always
# kept; libFuzzer's finds over FUZZ_KEEP_MAX bytes (16384) are not (they
# stay in build/fuzz/campaign/<t>/big/). A crash, leak or timeout leaves
# its input in build/fuzz/crashes/<t>/, that target's corpus is left as it was, and the
# script exits 1 naming every failed target. Per-target executions and
# corpus sizes: build/fuzz/campaign/summary.txt.
#
#   FUZZ_SECONDS=600 FUZZ_JOBS=1 [FUZZ_KEEP_MAX=16384] \
#       fuzz/campaign.sh [TARGET...]
#                                         (make fuzz-campaign builds first)
set -eu

SECONDS_PER=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}
KEEP_MAX=${FUZZ_KEEP_MAX:-16384}
B=build/fuzz
W=$B/campaign

cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for t in $targets; do
	[ -x "$B/$t" ] || { echo "fuzz-campaign: no $B/$t (make fuzz)" >&2
		exit 1; }
done
mkdir -p "$W"
rm -f "$W"/*.status

one() {
	t=$1
	d=$W/$t
	rm -rf "$d"
	mkdir -p "$d/new" "$d/merged" "$B/crashes/$t" "fuzz/corpus/$t"
	echo "fuzz-campaign: $t for ${SECONDS_PER}s"
	if ! TSS2_LOG=all+none "$B/$t" -max_total_time="$SECONDS_PER" \
	    -timeout=25 -print_final_stats=1 \
	    -artifact_prefix="$B/crashes/$t/" "$d/new" "fuzz/corpus/$t" \
	    >"$d/run.log" 2>&1; then
		tail -n 40 "$d/run.log" >&2
		echo "fuzz-campaign: $t FAILED: input in $B/crashes/$t/," \
		    "log $d/run.log" >&2
		echo "$t failed" >"$W/$t.status"
		return 0
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/run.log")
	# Hand-named seeds first: the merge keeps them whatever they add.
	for f in "fuzz/corpus/$t"/*; do
		[ -f "$f" ] || continue
		basename "$f" | grep -Eq '^[0-9a-f]{40}$' || cp "$f" "$d/merged/"
	done
	mkdir -p "$d/old"
	for f in "fuzz/corpus/$t"/*; do
		[ -f "$f" ] || continue
		[ -f "$d/merged/$(basename "$f")" ] || cp "$f" "$d/old/"
	done
	if ! TSS2_LOG=all+none "$B/$t" -merge=1 -timeout=25 \
	    -artifact_prefix="$B/crashes/$t/" "$d/merged" "$d/old" "$d/new" \
	    >"$d/merge.log" 2>&1; then
		tail -n 20 "$d/merge.log" >&2
		echo "fuzz-campaign: $t FAILED in the merge, log $d/merge.log" >&2
		echo "$t failed" >"$W/$t.status"
		return 0
	fi
	# Finds over KEEP_MAX bytes stay out of the repository (mutated
	# copies of large real logs add little): $d/big/.
	mkdir -p "$d/big"
	find "$d/merged" -type f -size +"${KEEP_MAX}c" | while read -r f; do
		if basename "$f" | grep -Eq '^[0-9a-f]{40}$'; then
			mv "$f" "$d/big/"
		fi
	done
	before=$(ls "fuzz/corpus/$t" | wc -l)
	rm -f "fuzz/corpus/$t"/*
	cp "$d/merged"/* "fuzz/corpus/$t/"
	after=$(ls "fuzz/corpus/$t" | wc -l)
	size=$(du -sk "fuzz/corpus/$t" | cut -f1)
	echo "$t ok execs=${execs:-?} corpus=$before->$after files" \
	    "${size}KiB" | tee "$W/$t.status"
}

if [ "$JOBS" -le 1 ]; then
	for t in $targets; do one "$t"; done
else
	export SECONDS_PER B W KEEP_MAX
	# shellcheck disable=SC2016
	printf '%s\n' $targets | xargs -P "$JOBS" -I{} sh -c "$(
	    sed -n '/^one() {/,/^}/p' "$0"); one {}"
fi

cat "$W"/*.status | sort >"$W/summary.txt"
echo "fuzz-campaign: summary ($W/summary.txt):"
cat "$W/summary.txt"
failed=$(grep ' failed$' "$W/summary.txt" | cut -d' ' -f1 | tr '\n' ' ')
if [ -n "$failed" ]; then
	echo "fuzz-campaign: FAILED: $failed" >&2
	exit 1
fi
