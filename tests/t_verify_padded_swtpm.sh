#!/usr/bin/env bash
# t_verify_padded_swtpm.sh - dossier verify on a TPM whose PCR 10 was
# extended the way kernels 4.11 .. 5.7 do (format/ima_replay.h): every bank gets
# the SHA-1 template digest, zero-padded to the bank's size. The judgement
# replays per-bank mode first and the whole log again in both modes only
# when a bank misses (verify/judge_ima.c): the sha256 bank must still be
# reported as matched in padded mode, the sha1 bank in per-bank mode, an
# unquoted tail measured in padded mode.
. "$DOSSIER_TOP/tests/lib.sh"
. "$DOSSIER_TOP/tests/swtpm.sh"
need swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend openssl
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
swtpm_up || { not_ok "swtpm_up" "see stderr"; exit 1; }
cd "$T" || exit 1
export DOSSIER_STORE=$T/store.db

# 20 records, extended padded: sha256 gets the SHA-1 column + 12 zero bytes.
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t ima-ng -s 3 -o ima.bin >/dev/null ||
    not_ok "gen_ima_log"
"$DOSSIER_TOOLS/gen_ima_log" -n 23 -t ima-ng -s 3 -o ima23.bin >/dev/null ||
    not_ok "gen_ima_log 23"
zeros=000000000000000000000000
"$DOSSIER" ima ascii ima.bin | cut -d' ' -f2 | while read -r d1; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d1$zeros" >/dev/null 2>&1 ||
	    echo "extend failed"
done >extend.err
expect_eq "$(cat extend.err)" "" "the log extended padded into PCR 10"
expect_eq "$("$DOSSIER" ima ascii ima.bin | wc -l)" 20 "20 records extended"

expect 0 "init" "$DOSSIER" init -o verifier.pem
expect 0 "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" \
    "$SWTPM_CA_INTERMEDIATE"
expect 0 "collect enroll" "$COLLECT" enroll -o e.dossier --state st \
    --verifier-key verifier.pem --ima-log ima.bin
expect 0 "dossier enroll" "$DOSSIER" enroll e.dossier -o enroll.tar
expect 0 "attest: enrollment challenge" "$COLLECT" attest \
    --challenge enroll.tar -o ev1.dossier --state st --ima-log ima.bin
expect 0 "verify: the padded enrollment answer passes" "$DOSSIER" verify \
    -o r1.jsonl ev1.dossier
expect_eq "$(grep -c '"name":"ima.replay.sha256","outcome":"ok","reason":"padded mode (Linux before 5.8) matches PCR 10 after 20 of 20 entries"' r1.jsonl)" \
    1 "sha256 bank: matched in padded mode, all 20 entries"
expect_eq "$(grep -c '"name":"ima.replay.sha1","outcome":"ok","reason":"matches PCR 10 after 20 of 20 entries (sha1: per-bank and padded are the same)"' r1.jsonl)" \
    1 "sha1 bank: per-bank mode (the same in both)"
expect_eq "$(grep -c '"name":"ima.template-digest","outcome":"ok"' r1.jsonl)" \
    1 "columns checked once (no double count after the second replay)"
expect_eq "$(grep -c '"name":"ima.unquoted-tail","outcome":"ok","reason":"none"' r1.jsonl)" \
    1 "no unquoted tail"

# The log grew after the quote: the padded prefix is 20 of 23.
expect 0 "dossier challenge --all" "$DOSSIER" challenge --all -o ch.tar
expect 0 "attest: grown log" "$COLLECT" attest --challenge ch.tar \
    -o ev2.dossier --state st --ima-log ima23.bin
expect 0 "verify: the grown padded log passes" "$DOSSIER" verify \
    -o r2.jsonl ev2.dossier
expect_eq "$(grep -c '"name":"ima.replay.sha256","outcome":"ok","reason":"padded mode (Linux before 5.8) matches PCR 10 after 20 of' r2.jsonl)" \
    1 "grown log: padded prefix of 20 entries"
expect_eq "$(grep -c '"name":"ima.unquoted-tail","outcome":"ok","reason":"3 entries after the quoted state' r2.jsonl)" \
    1 "grown log: a 3-entry unquoted tail"

# A log the TPM never measured is refused by the collector already (it
# checks the quote covers the log); verify's failure in both modes, after
# the second replay, is tested on minted bundles (t_verify.sh: removed and
# truncated logs, "does not replay").
swtpm_down
done_testing
