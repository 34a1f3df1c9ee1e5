#!/usr/bin/env bash
# testdata/tpm/make-fixtures.sh - regenerate the TPM public-area fixtures in
# this directory from a freshly provisioned swtpm, with tpm2-tools as the
# independent source of every Name and Qualified Name. Run from the top of
# the tree: testdata/tpm/make-fixtures.sh. The outputs are committed; tests
# read them without a TPM.
set -euo pipefail
DOSSIER_TOP=$(cd "$(dirname "$0")/../.." && pwd)
export DOSSIER_TOP
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
out=$DOSSIER_TOP/testdata/tpm
swtpm_up >/dev/null
cd "$T"

# EKs from the TCG low-range templates (L-1 RSA-2048, L-2 ECC P-256).
# swtpm has three transient slots and no resource manager: flush after
# every step.
tpm2_createek -G rsa -c ek-rsa.ctx -u "$out/ek-rsa.pub" >/dev/null
tpm2_flushcontext -t
tpm2_readpublic -c ek-rsa.ctx -n "$out/ek-rsa.name" -f pem -o "$out/ek-rsa.pem" >/dev/null
tpm2_flushcontext -t
tpm2_createek -G ecc -c ek-ecc.ctx -u "$out/ek-ecc.pub" >/dev/null
tpm2_flushcontext -t
tpm2_readpublic -c ek-ecc.ctx -n "$out/ek-ecc.name" -f pem -o "$out/ek-ecc.pem" >/dev/null
tpm2_flushcontext -t

# AKs as children of the RSA EK (endorsement hierarchy).
for ak in rsa:rsassa ecc:ecdsa; do
	g=${ak%%:*} s=${ak#*:}
	tpm2_createak -C ek-rsa.ctx -c ak-$g.ctx -G $g -g sha256 -s $s \
	    -u "$out/ak-$g.pub" -n "$out/ak-$g.name" >/dev/null
	tpm2_flushcontext -t
	tpm2_readpublic -c ak-$g.ctx -q "$out/ak-$g.qname" -f pem -o "$out/ak-$g.pem" >/dev/null
	tpm2_flushcontext -t
done
tpm2_readpublic -c ek-rsa.ctx -q "$out/ek-rsa.qname" >/dev/null
tpm2_flushcontext -t
echo "fixtures written to $out"
