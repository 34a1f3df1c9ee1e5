#!/bin/sh
# fuzz/coverage.sh - how much of format/ and policy/ the committed corpora
# reach.
#
# Builds every fuzz target (or the TARGETs named) with clang source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping) linked with
# libFuzzer's main, runs each ONCE over fuzz/corpus/<target>/ (-runs=0:
# no fuzzing, the corpus as committed), merges the profiles with
# llvm-profdata and prints, per source file of format/ and policy/, line
# and branch
# coverage of the READING code, then of the writers listed in
# fuzz/coverage-writers.txt (apart, not in the reading total), then
# format/ and policy/ as a whole. HTML report: build/fuzz-coverage/html/index.html;
# the table also in build/fuzz-coverage/summary.txt.
#
#   fuzz/coverage.sh [TARGET...]        (make fuzz-coverage)
#
# Environment: FUZZ_CC (clang), LLVM_PROFDATA, LLVM_COV (llvm-profdata,
# llvm-cov; Debian package llvm-14), FUZZ_JOBS (parallel compiles, 2),
# FUZZ_CORPUS (fuzz/corpus: another tree of <target>/ directories, e.g. an
# older commit's corpora for a before/after comparison).
# Targets whose source says "fuzz-link: verify" link verify/'s objects
# (all but main.o), spool/'s and SQLite, as in the Makefile.
set -eu

CC=${FUZZ_CC:-clang}
PROFDATA=${LLVM_PROFDATA:-llvm-profdata}
COV=${LLVM_COV:-llvm-cov}
JOBS=${FUZZ_JOBS:-2}
OUT=build/fuzz-coverage
CORPUS=${FUZZ_CORPUS:-fuzz/corpus}

cd "$(dirname "$0")/.."
for tool in "$CC" "$PROFDATA" "$COV" python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "fuzz-coverage: $tool not found (tests/setup-debian.sh)" >&2
		exit 1
	}
done

if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
fi

PKGS="libcrypto tss2-mu libcbor libarchive libzstd"
PKGS_V="$PKGS sqlite3"
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O0 -I.
 -DDOSSIER_VERSION=\"cov\" -fprofile-instr-generate -fcoverage-mapping"
export CC CFLAGS OUT
mkdir -p "$OUT/obj/format" "$OUT/obj/policy" "$OUT/obj/spool" "$OUT/obj/verify" "$OUT/bin" "$OUT/prof"
rm -f "$OUT"/prof/*.profraw

# Objects: rebuilt when the source or any header is newer.
need_verify=no
for t in $targets; do
	[ -f "fuzz/$t.c" ] || { echo "fuzz-coverage: no fuzz/$t.c" >&2; exit 1; }
	grep -q 'fuzz-link: verify' "fuzz/$t.c" && need_verify=yes
done
srcs=$(ls format/*.c policy/*.c)
[ $need_verify = yes ] &&
	srcs="$srcs $(ls spool/*.c verify/*.c | grep -v '^verify/main.c$')"
newest_h=$(ls -t format/*.h policy/*.h spool/*.h verify/*.h | head -n 1)
PKGCF=$(pkg-config --cflags $PKGS_V)
export PKGCF newest_h
echo "fuzz-coverage: compiling with coverage (verify/ too: $need_verify)"
printf '%s\n' $srcs | xargs -P "$JOBS" -I{} sh -c '
	o=$OUT/obj/$(echo {} | sed "s/\.c$/.o/")
	if [ ! -f "$o" ] || [ {} -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		$CC $CFLAGS $PKGCF -c {} -o "$o" || exit 255
	fi'

fobjs=$(ls "$OUT"/obj/format/*.o "$OUT"/obj/policy/*.o)
vobjs=$(ls "$OUT"/obj/spool/*.o "$OUT"/obj/verify/*.o 2>/dev/null || true)
bins=""
for t in $targets; do
	b=$OUT/bin/$t
	if grep -q 'fuzz-link: verify' "fuzz/$t.c"; then
		objs="$vobjs $fobjs"; libs=$(pkg-config --libs $PKGS_V)
	else
		objs=$fobjs; libs=$(pkg-config --libs $PKGS)
	fi
	# shellcheck disable=SC2086
	$CC $CFLAGS $PKGCF -fsanitize=fuzzer -o "$b" "fuzz/$t.c" $objs $libs \
	    -pthread
	mkdir -p "$OUT/run/$t"
	if [ -d "$CORPUS/$t" ]; then c=$CORPUS/$t; else c=$OUT/run/$t; fi
	n=$(ls "$c" | wc -l)
	echo "fuzz-coverage: $t over $n corpus files"
	if ! LLVM_PROFILE_FILE="$OUT/prof/$t.profraw" TSS2_LOG=all+none \
	    "$b" -runs=0 "$c" >"$OUT/run/$t.log" 2>&1; then
		tail -n 30 "$OUT/run/$t.log" >&2
		echo "fuzz-coverage: $t failed on its own corpus" \
		    "($OUT/run/$t.log)" >&2
		exit 1
	fi
	bins="$bins $b"
done

"$PROFDATA" merge -sparse "$OUT"/prof/*.profraw -o "$OUT/merged.profdata"
first=${bins# }; first=${first%% *}
objflags=""
for b in $bins; do
	[ "$b" = "$first" ] || objflags="$objflags -object $b"
done
# shellcheck disable=SC2086
"$COV" report -show-functions -instr-profile "$OUT/merged.profdata" \
    "$first" $objflags format/*.c policy/*.c >"$OUT/functions.txt"
# shellcheck disable=SC2086
"$COV" show -format=html -show-branches=count \
    -output-dir="$OUT/html" -instr-profile "$OUT/merged.profdata" \
    "$first" $objflags format/*.c policy/*.c verify/*.c >/dev/null
python3 fuzz/coverage_summary.py fuzz/coverage-writers.txt \
    "$OUT/functions.txt" | tee "$OUT/summary.txt"
echo "fuzz-coverage: HTML report in $OUT/html/index.html"
