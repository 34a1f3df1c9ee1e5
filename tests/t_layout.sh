#!/usr/bin/env bash
# t_layout.sh - the layering of the libraries, read from the includes
# (README "Layout"): format/ (codecs) includes nothing of policy/ or
# spool/; policy/ and spool/ do not include each other; the collector and
# the relay include nothing of policy/; no library includes a program's
# directory.
. "$DOSSIER_TOP/tests/lib.sh"
cd "$DOSSIER_TOP" || exit 1

# includes DIR PATTERN: the "file: line" of every #include of a path
# matching the ERE PATTERN in DIR's sources.
includes() {
	local f
	for f in "$1"/*.[ch]; do
		[ -e "$f" ] || continue
		grep -HE "^#[[:space:]]*include[[:space:]]+\"($2)/" "$f"
	done
}
expect_eq "$(includes format 'policy|spool|verify|collect|relay')" "" \
    "format/ includes only format/"
expect_eq "$(includes policy 'spool|verify|collect|relay')" "" \
    "policy/ includes only format/ and policy/"
expect_eq "$(includes spool 'policy|verify|collect|relay')" "" \
    "spool/ includes only format/ and spool/"
expect_eq "$(includes collect 'policy|verify|relay')" "" \
    "collect/ includes nothing of policy/ or verify/"
expect_eq "$(includes relay 'policy|verify|collect')" "" \
    "relay/ includes nothing of policy/ or verify/"
# The check itself sees an include it must refuse.
mkdir -p "$T/format"
printf '#include "policy/ima_policy.h"\n' >"$T/format/x.c"
expect_eq "$(includes "$T/format" 'policy|spool' | wc -l | tr -d ' ')" 1 \
    "the check finds a format/ file including policy/"
done_testing
