# tests/relay.sh - helpers for tests/t_relay*.sh (sourced after lib.sh): a
# mosquitto broker of the test's own on a free loopback port (persistence in
# $T/mq), dossier-relay processes in the background, spools and test files.
# Every process is stopped by its PID (at_exit as well).

RELAY=${DOSSIER_RELAY:-$DOSSIER_TOP/$DOSSIER_BUILD/dossier-relay}
need mosquitto mosquitto_pub python3
[ -x "$RELAY" ] || { not_ok "dossier-relay" "$RELAY missing"; exit 0; }

FLEET=f1
declare -A RPID=()
MQ_PID=

# mq_start: start the broker (the same config and port on every call);
# $MQ_CONF_EXTRA is added to the config (options of the one listener). The
# first start takes another port if the free one was taken meanwhile.
mq_conf() {
	mkdir -p "$T/mq"
	cat >"$T/mq/mosquitto.conf" <<EOF
listener $MQ_PORT 127.0.0.1
${MQ_CONF_EXTRA:-allow_anonymous true}
persistence true
persistence_location $T/mq/
autosave_interval 1
log_dest file $T/mq/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
user $(id -un)
EOF
	BROKER=${MQ_SCHEME:-mqtt}://127.0.0.1:$MQ_PORT
}
mq_try() {	# start on $MQ_PORT; 0 once it listens, 1 if it did not
	local i
	mosquitto -c "$T/mq/mosquitto.conf" >>"$T/mq/stdout" 2>&1 &
	MQ_PID=$!
	for i in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$MQ_PORT") 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$MQ_PID" 2>/dev/null; then
			wait "$MQ_PID"
			MQ_PID=
			return 1
		fi
		sleep 0.05
	done
	return 1
}
mq_start() {
	local tries=1
	if [ -z "${MQ_PORT:-}" ]; then
		tries=5
		MQ_PORT=$(free_port) || { not_ok "free port"; exit 0; }
		mq_conf
	fi
	while ! mq_try; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ] || [ -n "$MQ_PID" ]; then
			not_ok "mosquitto starts" "$(tail -n 5 "$T/mq/mosquitto.log" "$T/mq/stdout" 2>&1 | tr '\n' '|')"
			exit 0
		fi
		MQ_PORT=$(free_port) || { not_ok "free port"; exit 0; }
		mq_conf
	done
}

# mq_stop [SIGNAL]: stop the broker (TERM: it saves its database first).
mq_stop() {
	[ -n "$MQ_PID" ] || return 0
	kill "-${1:-TERM}" "$MQ_PID" 2>/dev/null
	wait "$MQ_PID" 2>/dev/null
	MQ_PID=
}
at_exit 'mq_stop KILL'

# relay_bg NAME ARGS...: dossier-relay --broker ... --fleet f1 ARGS, in the
# background, stderr appended to $T/NAME.log.
relay_bg() {
	local name=$1
	shift
	"$RELAY" --broker "$BROKER" --fleet "$FLEET" "$@" >>"$T/$name.log" 2>&1 &
	RPID[$name]=$!
}

# relay_stop NAME [SIGNAL]: stop it and wait; RC gets its exit status.
relay_stop() {
	local pid=${RPID[$1]:-}
	RC=0
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	RC=$?
	unset "RPID[$1]"
}
_relays_kill() {
	local n
	for n in "${!RPID[@]}"; do relay_stop "$n" KILL; done
}
at_exit _relays_kill

# wait_log NAME ERE [SECONDS]: until $T/NAME.log has a matching line.
wait_log() {
	local i
	for i in $(seq 1 $(( ${3:-10} * 20 ))); do
		grep -Eq -- "$2" "$T/$1.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# nfiles DIR: number of files in DIR.
nfiles() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '; }

# wait_count DIR N [SECONDS]: until DIR holds N files.
wait_count() {
	local i
	for i in $(seq 1 $(( ${3:-10} * 20 ))); do
		[ "$(nfiles "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# spool_put SPOOL KIND DEVICE FILE: a file into SPOOL/new/ as a writer
# would (tmp/ then rename), under a fresh spool name.
spool_put() {
	local ext name
	case $2 in challenge) ext=dchal ;; evidence) ext=dbundle ;; ear) ext=ear ;; *) ext=dres ;; esac
	mkdir -p "$1/tmp" "$1/new" "$1/cur"
	name=$2-$3-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n').$ext
	cp "$4" "$1/tmp/$name" && mv "$1/tmp/$name" "$1/new/$name"
}

# uname_of KIND DEVICE FILE: the name a relay delivers FILE under.
uname_of() {
	local ext
	case $1 in challenge) ext=dchal ;; evidence) ext=dbundle ;; ear) ext=ear ;; *) ext=dres ;; esac
	echo "$1-$2-$(sha256sum "$3" | cut -c1-32).$ext"
}

# Test files: challenges (gen_challenge, real credential to the RSA EK of
# testdata/tpm), bundles (gen_evidence, no TPM) and signed results (dossier
# verify --signed) against test_judge_verify's fixture store.
VKEY=$T/verifier.pem
make_challenge() {	# DEVICE OUT [gen_challenge options]
	local dev=$1 out=$2
	shift 2
	[ -f "$VKEY" ] || openssl genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$VKEY" 2>/dev/null
	"$DOSSIER_TOOLS/gen_challenge" --ek "$TD/tpm/ek-rsa.pub" \
	    --ak "$TD/tpm/ak-rsa.pub" --key "$VKEY" --device-id "$dev" \
	    -o "$out" "$@" >/dev/null
}
FIX=$T/fix
make_fixture() {
	mkdir -p "$FIX"
	"$DOSSIER_TOOLS/gen_ima_log" -n 20 -t mixed -s 7 -o "$T/ref.log" >/dev/null &&
	"$DOSSIER_TOP/$DOSSIER_BUILD/tests/test_judge_verify" fixture "$FIX" \
	    "$T/ref.log" >/dev/null || { not_ok "fixture"; exit 0; }
	DEV_A=$(sha256sum "$FIX/a.crt" | cut -c1-64)
	DEV_B=$(sha256sum "$FIX/b.crt" | cut -c1-64)
}
make_bundle() {		# CHALLENGE-NAME OUT CLOCK [device a|b]
	local id sec dev=${4:-a}
	read -r _ _ id sec < <(grep "^$1 " "$FIX/challenges")
	"$DOSSIER_TOOLS/gen_evidence" -k "$FIX/$dev.pem" -o "$2" -c "$id" \
	    -n "$sec" --ek-crt "$FIX/$dev.crt" --ek-pub "$FIX/$dev.pub" \
	    --ima-log "$T/ref.log" --clock "$3" >/dev/null
}
