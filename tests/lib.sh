# tests/lib.sh - helpers for tests/t_*.sh (sourced, bash).
#
# Each assertion prints one line: "ok - NAME", "not ok - NAME: why" or
# "skip - NAME: why"; tests/run counts them. $DOSSIER is the binary under
# test, $DOSSIER_TOP the source tree, $T a fresh temporary directory that is
# removed at exit (after cleanup hooks registered with at_exit).

set -u
: "${DOSSIER_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${DOSSIER_BUILD:=build}"
: "${DOSSIER:=$DOSSIER_TOP/$DOSSIER_BUILD/dossier}"
: "${DOSSIER_TOOLS:=$DOSSIER_TOP/$DOSSIER_BUILD/tools}"
TD=$DOSSIER_TOP/testdata
T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-t.XXXXXX")
_exit_hooks=()
at_exit() { _exit_hooks+=("$*"); }
_run_exit_hooks() {
	local i
	for ((i = ${#_exit_hooks[@]} - 1; i >= 0; i--)); do eval "${_exit_hooks[i]}" || true; done
	rm -rf "$T"
}
trap _run_exit_hooks EXIT

ok() { echo "ok - $1"; }
# done_testing: the last line of every script. tests/run fails a script
# whose output lacks it: one that stopped early, with status 0 or not,
# has not run its remaining assertions.
done_testing() { echo "# done-testing"; }
# skip_all NAME WHY: skip the whole script on purpose (tests/run turns
# skips into failures under CI).
skip_all() { skip "$1" "$2"; done_testing; exit 0; }
not_ok() { echo "not ok - $1: ${2:-failed}"; }
skip() { echo "skip - $1: ${2:-skipped}"; }

# run CMD...: run a command, stdout in $T/out, stderr in $T/err, status in $RC.
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# expect CODE NAME CMD...: the command exits with CODE.
expect() {
	local code=$1 name=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$code" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $RC, expected $code; stdout: $(head -c 600 "$T/out" | tr '\n' '|'); stderr: $(head -c 600 "$T/err" | tr '\n' '|')"
	fi
}

# expect_out PATTERN NAME: the last run's stdout has a line matching the ERE.
expect_out() {
	if grep -Eq -- "$1" "$T/out"; then ok "$2"; else
		not_ok "$2" "no line matches /$1/ in: $(head -c 800 "$T/out" | tr '\n' '|')"; fi
}
# expect_err PATTERN NAME: the last run's stderr has a line matching the ERE.
expect_err() {
	if grep -Eq -- "$1" "$T/err"; then ok "$2"; else
		not_ok "$2" "no line matches /$1/ in stderr: $(head -c 800 "$T/err" | tr '\n' '|')"; fi
}
# expect_eq ACTUAL EXPECTED NAME
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', expected '$2'"; fi
}

# need TOOL...: if a tool is missing, skip the whole script (tests/run turns
# skips into failures under CI).
need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			skip_all "$(basename "$0")" "$t not installed"
		fi
	done
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (and the
# next one is free too, for swtpm's control channel).
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( (RANDOM % 20000) + 20000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
		   ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"; return 0
		fi
	done
	return 1
}
