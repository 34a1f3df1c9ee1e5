#!/usr/bin/env bash
# bench/attest.sh - attest time on swtpm: `dossier-collect attest` next to a
# tpm2-tools script doing the same TPM work, in the same run on the same
# swtpm (bench/run calls this; DOSSIER_TOP and DOSSIER_BUILD are set).
#
#   bench/attest.sh VARSFILE
#
# Setup (not timed): a fresh swtpm (tests/swtpm.sh), a 20-record IMA log
# extended into PCR 10, dossier init, roots add, dossier-collect enroll
# (RSA EK, AK persisted at 0x81000002), dossier enroll, and the enrollment
# challenge answered and verified.
#
# Then $ATTEST_RUNS rounds, each:
#   ours    `dossier challenge --all` (not timed), then
#           `dossier-collect attest --challenge ch.tar` (timed, wall)
#   script  a fresh 32-byte secret wrapped with `dossier credential make`
#           to the enrolled EK and AK (not timed), then, timed as one:
#             tpm2_startauthsession --policy-session
#             tpm2_policysecret -c e                 (EK's policy)
#             tpm2_activatecredential                (recovers the secret)
#             tpm2_flushcontext                      (the policy session)
#             tpm2_quote -l sha1:0,...,10+sha256:0,...,10 -q SECRET -g sha256
#                 (the challenge's selection; -o also reads the PCRs)
#             cat IMA log > file
#             tpm2_hash -g sha256 -t TICKET (a file of the size of the
#                 collector's MANIFEST)
#             tpm2_sign -d -t TICKET                 (AK signs the digest)
# The script does less than the collector: no challenge signature or
# expiry check, no EK certificate read from NV, no IMA replay against the
# quote, no bundle written. Timings: median and min of the rounds.
#
# TPM commands per attest: one more run of each side with
# TSS2_LOG=tcti+debug, counting the TCTI's "Sending command" lines (one per
# command transmitted; across all the script's processes).
#
# Writes shell assignments (ATTEST_*) to VARSFILE and prints a table. Exit
# 0; 3 when a required tool is not installed (nothing measured); 1 when
# something failed to run.
set -u
VARS=${1:?usage: bench/attest.sh VARSFILE}
case $VARS in /*) ;; *) VARS=$PWD/$VARS ;; esac
: "${DOSSIER_TOP:?}"
. "$DOSSIER_TOP/tests/lib.sh"
ATTEST_RUNS=${BENCH_ATTEST_RUNS:-20}
AK=0x81000002
EK=0x81010001
SEL=sha1:0,1,2,3,4,5,6,7,8,9,10+sha256:0,1,2,3,4,5,6,7,8,9,10

die() { echo "bench: attest: $*" >&2; exit 1; }

for t in swtpm swtpm_setup swtpm_ioctl swtpm_localca certtool tpm2_shutdown \
    tpm2_pcrextend tpm2_startauthsession tpm2_policysecret \
    tpm2_activatecredential tpm2_flushcontext tpm2_quote tpm2_hash \
    tpm2_sign tpm2_checkquote tpm2_readpublic openssl tar zstd xxd; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "bench: attest: $t not installed; no attest figures"
		exit 3
	}
done
. "$DOSSIER_TOP/tests/swtpm.sh"
DOSSIER=$DOSSIER_TOP/$DOSSIER_BUILD/dossier
COLLECT=$DOSSIER_TOP/$DOSSIER_BUILD/dossier-collect
[ -x "$COLLECT" ] || die "$COLLECT not built"
swtpm_up || die "swtpm_up failed"
cd "$T" || die "cd $T"
export DOSSIER_STORE=$T/store.db

# --- enrollment (not timed) -----------------------------------------------------
"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t ima-ng -s 3 -o ima.bin \
    --bank-list ima256.bin >/dev/null || die "gen_ima_log"
paste -d' ' <("$DOSSIER" ima ascii ima.bin | cut -d' ' -f2) \
    <("$DOSSIER" ima ascii --log-alg sha256 ima256.bin | cut -d' ' -f2) |
while read -r d1 d256; do
	tpm2_pcrextend "10:sha1=$d1,sha256=$d256" >/dev/null 2>&1 || echo fail
done >extend.err
[ -s extend.err ] && die "tpm2_pcrextend failed"
step() {	# step WHAT CMD...: run quietly, die with its stderr on failure
	local what=$1
	shift
	"$@" >step.out 2>step.err ||
	    die "$what: $(head -c 400 step.err | tr '\n' '|')"
}
step "dossier init" "$DOSSIER" init -o verifier.pem
step "roots add" "$DOSSIER" roots add "$SWTPM_CA_ROOT" "$SWTPM_CA_INTERMEDIATE"
step "collect enroll" "$COLLECT" enroll -o e.dossier --state st \
    --verifier-key verifier.pem --ima-log ima.bin
grep -qx "ak-handle=$AK" st/state && grep -qx "ek-handle=$EK" st/state ||
    die "enroll did not use EK $EK and AK $AK: $(tr '\n' ' ' <st/state)"
step "dossier enroll" "$DOSSIER" enroll e.dossier -o enroll.tar
step "attest (enrollment)" "$COLLECT" attest --challenge enroll.tar \
    -o enroll-answer.dossier --state st --ima-log ima.bin
step "verify (enrollment)" "$DOSSIER" verify enroll-answer.dossier
tar --zstd -xf e.dossier ek.pub ak.pub || die "enrollment bundle members"
MANIFEST_BYTES=$(tar --zstd -xOf enroll-answer.dossier MANIFEST | wc -c)
head -c "$MANIFEST_BYTES" /dev/urandom >manifest.blob
step "readpublic" tpm2_readpublic -c "$AK" -f pem -o ak.pem

# --- the two sides ------------------------------------------------------------------
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

ours() {	# ours N: one timed attest; appends µs to ours.us
	local t0 t1
	step "challenge" "$DOSSIER" challenge --all -o "ch$1.tar"
	t0=$(now_us)
	"$COLLECT" attest --challenge "ch$1.tar" -o "ev/$(printf %03d "$1").dossier" \
	    --state st --ima-log ima.bin >attest.out 2>attest.err ||
	    die "dossier-collect attest: $(head -c 400 attest.err)"
	t1=$(now_us)
	echo $((t1 - t0)) >>ours.us
}

script_steps() {	# the tpm2-tools attest; SECRET set, cred.bin made
	tpm2_startauthsession --policy-session -S s.ctx &&
	tpm2_policysecret -S s.ctx -c e >/dev/null &&
	tpm2_activatecredential -c "$AK" -C "$EK" -i cred.bin -o secret.bin \
	    -P session:s.ctx &&
	tpm2_flushcontext s.ctx &&
	tpm2_quote -c "$AK" -l "$SEL" -q "$SECRET" -g sha256 -m quote.msg \
	    -s quote.sig -o quote.pcrs >/dev/null &&
	cat ima.bin >script-ima.log &&
	tpm2_hash -C o -g sha256 -t ticket.bin -o digest.bin manifest.blob &&
	tpm2_sign -c "$AK" -g sha256 -d -t ticket.bin -o manifest.sig digest.bin
}

script() {	# script N: one timed script run; appends µs to script.us
	local t0 t1
	SECRET=$(openssl rand -hex 32)
	step "credential make" "$DOSSIER" credential make --ek ek.pub \
	    --ak ak.pub --secret "$SECRET" -o cred.bin
	rm -f s.ctx secret.bin quote.msg quote.sig quote.pcrs manifest.sig
	t0=$(now_us)
	script_steps >script.out 2>script.err ||
	    die "tpm2-tools script: $(head -c 400 script.err | tr '\n' '|')"
	t1=$(now_us)
	[ "$(xxd -p -c 64 secret.bin)" = "$SECRET" ] ||
	    die "tpm2_activatecredential recovered another secret"
	echo $((t1 - t0)) >>script.us
}

mkdir -p ev
: >ours.us
: >script.us
for ((i = 0; i < ATTEST_RUNS; i++)); do	# interleaved: both see the same load
	ours "$i"
	script "$i"
done

# Sanity (not timed): the script's quote checks out, ours verify.
step "tpm2_checkquote" tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig \
    -f quote.pcrs -g sha256 -q "$SECRET"
step "verify (ours)" "$DOSSIER" verify -o verify.jsonl ev

# --- TPM commands per attest ----------------------------------------------------------
count_sent() { grep -c 'Sending command' "$1"; }
step "challenge" "$DOSSIER" challenge --all -o chc.tar
TSS2_LOG=tcti+debug "$COLLECT" attest --challenge chc.tar -o count.dossier \
    --state st --ima-log ima.bin >/dev/null 2>ours.log ||
    die "counting run of dossier-collect attest failed"
SECRET=$(openssl rand -hex 32)
step "credential make" "$DOSSIER" credential make --ek ek.pub --ak ak.pub \
    --secret "$SECRET" -o cred.bin
(export TSS2_LOG=tcti+debug; script_steps) >/dev/null 2>script.log ||
    die "counting run of the script failed"
OURS_CMDS=$(count_sent ours.log)
SCRIPT_CMDS=$(count_sent script.log)
[ "$OURS_CMDS" -gt 0 ] && [ "$SCRIPT_CMDS" -gt 0 ] ||
    die "no 'Sending command' lines with TSS2_LOG=tcti+debug"

swtpm_down

# --- figures ----------------------------------------------------------------------------
median_ms() { sort -n "$1" | awk '{v[NR] = $1} END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f", m / 1000 }'; }
min_ms() { sort -n "$1" | awk 'NR == 1 {printf "%.2f", $1 / 1000}'; }
O_MED=$(median_ms ours.us) O_MIN=$(min_ms ours.us)
S_MED=$(median_ms script.us) S_MIN=$(min_ms script.us)
SPEEDUP=$(awk "BEGIN{printf \"%.2f\", $S_MED / $O_MED}")

echo
echo "Attest on swtpm (RSA EK, RSA AK, PCRs 0-10 of sha1+sha256, IMA log), wall, $ATTEST_RUNS runs"
printf '%-40s %10s %10s %14s\n' "" "median ms" "min ms" "TPM commands"
printf '%-40s %10s %10s %14s\n' "dossier-collect attest" "$O_MED" "$O_MIN" "$OURS_CMDS"
printf '%-40s %10s %10s %14s\n' "tpm2-tools script (bench/attest.sh)" "$S_MED" "$S_MIN" "$SCRIPT_CMDS"
printf '%-40s %10s\n' "script / dossier-collect (median)" "$SPEEDUP"

cat >"$VARS" <<EOF
ATTEST_MEDIAN_MS=$O_MED
ATTEST_MIN_MS=$O_MIN
ATTEST_SCRIPT_MEDIAN_MS=$S_MED
ATTEST_SCRIPT_MIN_MS=$S_MIN
ATTEST_SPEEDUP=$SPEEDUP
ATTEST_TPM_COMMANDS=$OURS_CMDS
ATTEST_SCRIPT_TPM_COMMANDS=$SCRIPT_CMDS
EOF
