#!/usr/bin/env bash
# t_verify_swtpm.sh - the whole offline protocol on one swtpm with two
# devices (its RSA EK and its P-384 EK): dossier init, roots add,
# dossier-collect enroll, dossier enroll, dossier-collect attest on the
# enrollment challenges, dossier verify (both devices become enrolled),
# dossier challenge, attest again and verify one batch (a tar.zst): the
# RSA device passes; the ECC device's log grew after its quote (an
# unquoted tail, reported) with measurements the reference does not have
# (reported by ima.reorder as findings in the unquoted tail: the quote does
# not cover them, so they do not fail); a replayed enrollment answer fails
# challenge.single-use.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend openssl python3 tar zstd
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# The IMA log the TPM has seen: 20 records extended into PCR 10 of both
# banks (sha1: the column; sha256: per-bank template hashes); a 23-record
# log with the same start plays the log that grew after a quote.
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t ima-ng -s 3 -o ima.bin \
    --bank-list ima256.bin >/dev/null || not_ok "gen_ima_log"
"$DOSSIER_TOOLS/gen_ima_log" -n 23 -t ima-ng -s 3 -o ima23.bin >/dev/null ||
    not_ok "gen_ima_log 23"
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 ||
	    echo "extend failed"
done >extend.err
expect_eq "$(cat extend.err)" "" "the log extended into PCR 10"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" \
    "$SWTPM_CA_INTERMEDIATE"
expect 0 "collect enroll: RSA EK" "$COLLECT" enroll -o rsa-e.dossier \
    --state st-rsa --verifier-key verifier.pem --ima-log ima.bin
expect 0 "collect enroll: P-384 EK" "$COLLECT" enroll -o ecc-e.dossier \
    --state st-ecc --verifier-key verifier.pem --ek ecc --ak ecc \
    --ak-handle 0x81000003 --ima-log ima.bin
expect 0 "dossier enroll" "$DOSSIER" enroll rsa-e.dossier ecc-e.dossier \
    -o enroll.tar
RSA_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_RSA" | cut -c1-64)
ECC_ID=$(openssl dgst -sha256 -r "$SWTPM_EK_CERT_ECC" | cut -c1-64)

# Answer the enrollment challenges.
mkdir -p ev1
expect 0 "attest rsa: enrollment challenge" "$COLLECT" attest \
    --challenge enroll.tar -o ev1/rsa.dossier --state st-rsa --ima-log ima.bin
expect 0 "attest ecc: enrollment challenge" "$COLLECT" attest \
    --challenge enroll.tar -o ev1/ecc.dossier --state st-ecc --ima-log ima.bin
expect 0 "verify: both enrollment answers pass" "$DOSSIER" verify \
    -o r1.jsonl ev1
expect_err '^verify: 2 bundles: 2 pass, 0 fail, 0 error' "verify: summary"
cat >state.py <<'EOF'
import sqlite3, sys
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
for row in c.execute("SELECT lower(hex(device_id)), state FROM devices ORDER BY 1"):
    print(*row)
EOF
expect_eq "$(python3 state.py "$DOSSIER_STORE")" \
    "$(printf '%s enrolled\n%s enrolled\n' "$RSA_ID" "$ECC_ID" | sort)" \
    "store: both devices enrolled"
for c in quote.qualified-signer quote.nonce ima.replay.sha256 ima.reorder; do
	expect_eq "$(grep -c "\"name\":\"$c\",\"outcome\":\"ok\"" r1.jsonl)" 2 \
	    "enrollment answers: $c ok for both (EK-child AK, real TPM quote)"
done

# Attestation: a challenge archive, answers with a grown log.
expect 0 "dossier challenge --all" "$DOSSIER" challenge --all -o ch.tar
mkdir -p ev2
expect 0 "attest rsa" "$COLLECT" attest --challenge ch.tar \
    -o ev2/1-rsa.dossier --state st-rsa --ima-log ima.bin
expect 0 "attest ecc" "$COLLECT" attest --challenge ch.tar \
    -o ev2/2-ecc.dossier --state st-ecc --ima-log ima23.bin
cp ev1/rsa.dossier ev2/3-replayed.dossier
(cd ev2 && tar -cf - 1-rsa.dossier 2-ecc.dossier 3-replayed.dossier |
    zstd -q -o ../batch.tar.zst)
expect 1 "verify: batch with a replayed enrollment answer" "$DOSSIER" \
    verify -o r2.jsonl batch.tar.zst
expect_err '^verify: 3 bundles: 2 pass, 1 fail, 0 error' "verify: batch summary"
expect_eq "$(grep -c '"name":"batch.tar.zst: 1-rsa.dossier","offset":0}.*"verdict":"pass"' r2.jsonl)" 1 \
    "verify: the RSA device's attestation passes"
expect_err '3-replayed.dossier \([^)]*\): challenge.single-use' "verify: the replay fails single-use, the device named"
expect_eq "$(grep -c '"name":"ima.unquoted-tail","outcome":"ok","reason":"3 entries after the quoted state' r2.jsonl)" \
    1 "grown log: a 3-entry unquoted tail reported"
expect_eq "$(grep -c '"name":"ima.reorder","outcome":"ok","reason":"[^"]*extra 3,[^"]*; 3 findings in the unquoted tail [^"]*first: extra: entry 20 ' r2.jsonl)" 1 \
    "grown log: the 3 measurements the reference lacks are reported as the unquoted tail's"

# An enrollment bundle is not evidence: it fails the container check,
# named as such, and its device's state is untouched.
expect 1 "verify: an enrollment bundle is refused" "$DOSSIER" verify rsa-e.dossier
expect_out '"name":"bundle.container","outcome":"fail","reason":"[^"]*an enrollment bundle, not evidence' \
    "verify: the enrollment bundle is named as such"
done_testing
