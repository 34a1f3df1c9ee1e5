#!/usr/bin/env bash
# bench/peer_pipeline.sh - the peer pipeline: judge evidence bundles the way
# a shell script around the usual tools would, one bundle after another:
#
#   tar -xf BUNDLE                      (members into a scratch directory)
#   tpm2_checkquote -u ak.pub -m quote.attest -s quote.sig -f pcrs.tpm2 \
#       -g sha256 -q NONCE              (quote signature, nonce, PCR digest;
#                                        prints the PCR values)
#   awk                                 (PCR values -> evmctl --pcrs files)
#   evmctl ima_measurement --ignore-violations \
#       --pcrs sha1,P1 --pcrs sha256,P256 ima.log
#                                       (IMA replay against PCR 10)
#   grep "Matched per TPM bank"         (evmctl exits 0 on a mismatch)
#
# It does less than dossier verify (no manifest signature, member digests,
# store, challenge ledger, device state or reference comparison), so the
# comparison favours the peer. tpm2_checkquote 5.x reads only tpm2-tools'
# "serialized" PCR files, which the collector carries as pcrs.tpm2 but
# bundles minted without a TPM do not: they are made from pcrs.bin before
# the timed loop (build/tools/pcrs_serialized).
#
# usage: peer_pipeline.sh TOOLS FLEET-DIR COUNT
#   TOOLS      directory holding pcrs_serialized
#   FLEET-DIR  made by verify_gen_fleet (bundles/, nonces)
#   COUNT      the first COUNT bundles are judged
# Prints one line: bundles=N seconds=S ms_per_bundle=M
# Exit 0 if every bundle passed both tools, 1 if one did not (named on
# stderr), 3 if a tool is missing.
set -u
TOOLS=$1 FLEET=$2 COUNT=$3
for t in tar tpm2_checkquote evmctl awk; do
	command -v "$t" >/dev/null 2>&1 || { echo "peer_pipeline: $t not installed" >&2; exit 3; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/peer_pipeline.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT

# Setup, not timed: the bundle list, nonces and serialized PCR files.
head -n "$COUNT" "$FLEET/nonces" >"$W/list"
while read -r idx _ _; do
	b=$FLEET/bundles/$(printf '%04d' $((10#$idx / 1000)))/$idx.dossier
	mkdir -p "$W/p/$idx"
	tar -xf "$b" -C "$W/p/$idx" pcrs.bin &&
	    "$TOOLS/pcrs_serialized" "$W/p/$idx/pcrs.bin" "$W/$idx.pcrs.tpm2" ||
	    { echo "peer_pipeline: $b: no pcrs.bin" >&2; exit 1; }
done <"$W/list"
rm -rf "$W/p"

# yaml_to_evmctl BANK YAML OUT: tpm2_checkquote's PCR values of BANK as an
# evmctl --pcrs file (PCR-00 .. PCR-23, zero when not quoted).
yaml_to_evmctl() {
	awk -v bank="$1" '
	/^  [a-z0-9]+:$/ { cur = substr($1, 1, length($1) - 1); next }
	cur == bank && /^    [0-9]+ *:/ {
		split($0, kv, ":"); i = kv[1] + 0; v = tolower(kv[2])
		gsub(/ |0x/, "", v); val[i] = v; len = length(v)
	}
	/^sig:/ { cur = "" }
	END {
		z = sprintf("%0" len "d", 0)
		for (i = 0; i < 24; i++)
			printf "PCR-%02d: %s\n", i, (i in val) ? val[i] : z
	}' "$2" >"$3"
}

judge() {	# judge IDX NONCE
	local b d=$W/x
	b=$FLEET/bundles/$(printf '%04d' $((10#$1 / 1000)))/$1.dossier
	rm -rf "$d" && mkdir "$d" &&
	tar -xf "$b" -C "$d" &&
	tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.attest" -s "$d/quote.sig" \
	    -f "$W/$1.pcrs.tpm2" -g sha256 -q "$2" >"$d/quote.yaml" &&
	yaml_to_evmctl sha1 "$d/quote.yaml" "$d/p1" &&
	yaml_to_evmctl sha256 "$d/quote.yaml" "$d/p256" &&
	evmctl ima_measurement --ignore-violations --pcrs "sha1,$d/p1" \
	    --pcrs "sha256,$d/p256" "$d/ima.log" >"$d/evm.out" 2>&1 &&
	grep -q "Matched per TPM bank" "$d/evm.out"
}

start=$(date +%s.%N)
n=0
while read -r idx _ nonce; do
	judge "$idx" "$nonce" || { echo "peer_pipeline: bundle $idx did not pass" >&2; exit 1; }
	n=$((n + 1))
done <"$W/list"
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN {
	printf "bundles=%d seconds=%.3f ms_per_bundle=%.2f\n", n, e - s, (e - s) * 1000 / n }'
