#!/bin/sh
# fuzz/keys/mint-seeds.sh - mint the seed bundles of fuzz_bundle_struct and
# fuzz_judge with the fixed test AK (ak.pem, embedded in
# fuzz/bundle_mutator.h), the fuzz device's EK files (ek.crt, ek.pub:
# repeated in fuzz/fuzz_judge.c) and its reference log (ref.log: the six
# ima-ng entries of tests/unit/verify_test_judge.c's fixture). Each answers
# fuzz_judge's challenge (id 11..11, nonce 22..22); clock, reset and
# restart sit between the two accepted states of its store. Needs
# build/tools/gen_evidence (make).
#
#   fuzz/keys/mint-seeds.sh        writes fuzz/corpus/fuzz_{bundle_struct,judge}/
set -eu
cd "$(dirname "$0")/../.."
G=${DOSSIER_BUILD:-build}/tools/gen_evidence
K=fuzz/keys
C=11111111111111111111111111111111
N=2222222222222222222222222222222222222222222222222222222222222222
mint() {
	name=$1; shift
	for t in fuzz_bundle_struct fuzz_judge; do
		mkdir -p fuzz/corpus/$t
		"$G" -k $K/ak.pem -c $C -n $N --ek-crt $K/ek.crt \
		    --ek-pub $K/ek.pub --clock 1000000 --created 1799990000 \
		    -o "fuzz/corpus/$t/$name" "$@"
	done
}
mint seed-pass --ima-log $K/ref.log
mint seed-no-ima
mint seed-sha256-only --pcrs sha256:0-10 --ima-log $K/ref.log
mint seed-ima-reordered --ima-log $K/ref.log --ima-swap 2,3
mint seed-ima-added --ima-log $K/ref.log --ima-add /usr/bin/evil
mint seed-ima-truncated --ima-log $K/ref.log --ima-truncate 2
mint seed-pcr-flipped --ima-log $K/ref.log --flip-pcr 3
mint seed-reset --ima-log $K/ref.log --reset 2 --restart 1
mint seed-bank-list --ima-log $K/ref.log \
    --ima-bank-list sha256=testdata/ima/perbank/imatest.sha256.bin
mint seed-extra-member --ima-log $K/ref.log --extra-member
