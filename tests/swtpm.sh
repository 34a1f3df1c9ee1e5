# tests/swtpm.sh - a freshly provisioned software TPM for one test script
# (sourced after tests/lib.sh, bash).
#
#   swtpm_up    provision a new swtpm 2.0 state in $T/swtpm with EK certificates
#               (RSA-2048 at NV 0x01c00002, ECC P-384 at NV 0x01c00016) and a
#               platform certificate from swtpm_localca, using private
#               configuration files under $T/swtpm (never /etc or
#               /var/lib/swtpm-localca); PCR banks sha1 and sha256. Start
#               `swtpm socket` on a free loopback port pair and export:
#                 TPM2TOOLS_TCTI, DOSSIER_TCTI  swtpm:host=127.0.0.1,port=P
#                 SWTPM_PORT, SWTPM_PID
#                 SWTPM_CA_ROOT          root CA of the local CA (PEM)
#                 SWTPM_CA_INTERMEDIATE  issuer CA that signed the EK certs (PEM)
#                 SWTPM_EK_CERT_RSA      EK certificate read from NV 0x01c00002 (DER)
#                 SWTPM_EK_CERT_ECC      EK certificate read from NV 0x01c00016 (DER)
#               At exit: TPM2_Shutdown(CLEAR), swtpm_ioctl -s, and a kill of
#               the PID started here if it is still running.
#   swtpm_down  the same clean stop, early.
#
# Several instances in one script (each its own state, local CA and port):
#   swtpm_up NAME    the same in $T/swtpm-NAME (NAME: letters, digits, _),
#                    exporting the variables above for NAME (it becomes the
#                    current instance) and, for later use, the same values
#                    under SWTPM_NAME_* (NAME in upper case): SWTPM_NAME_TCTI,
#                    _PORT, _PID, _CA_ROOT, _CA_INTERMEDIATE, _EK_CERT_RSA,
#                    _EK_CERT_ECC, _DIR.
#   swtpm_use NAME   make NAME the current instance again (re-export the
#                    unsuffixed variables above from SWTPM_NAME_*).
#   swtpm_down NAME  stop NAME early (also done at exit).
# swtpm_up and swtpm_down without NAME are the single instance in $T/swtpm.
#
# Both return 0 on success; swtpm_up prints what went wrong to stderr and
# returns 1 otherwise. The clean shutdown matters: a stop without
# TPM2_Shutdown after an authorised use counts towards swtpm's
# dictionary-attack lockout.

SWTPM_NV_EK_RSA=0x01c00002
SWTPM_NV_EK_ECC=0x01c00016
_swtpm_up=0
declare -gA _swtpm_running=()	# instance name ("." = default) -> "PID PORT DIR"

# _swtpm_dir NAME: the directory of instance NAME ("" = the default one).
_swtpm_dir() {
	if [ -z "$1" ]; then echo "$T/swtpm"; else echo "$T/swtpm-$1"; fi
}

# _swtpm_var NAME: the prefix of NAME's exported variables (SWTPM_NAME_).
_swtpm_var() {
	local u
	u=$(printf '%s' "$1" | tr 'a-z' 'A-Z')
	echo "SWTPM_${u}_"
}

# _swtpm_write_config DIR: the private swtpm_setup / swtpm_localca configuration.
_swtpm_write_config() {
	local d=$1
	mkdir -p "$d/ca" "$d/state" "$d/certs" || return 1
	cat >"$d/swtpm_setup.conf" <<EOF
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $d/swtpm-localca.conf
create_certs_tool_options = $d/swtpm-localca.options
active_pcr_banks = sha1,sha256
EOF
	cat >"$d/swtpm-localca.conf" <<EOF
statedir = $d/ca
signingkey = $d/ca/signkey.pem
issuercert = $d/ca/issuercert.pem
certserial = $d/ca/certserial
EOF
	cat >"$d/swtpm-localca.options" <<EOF
--platform-manufacturer dossier
--platform-version 2.1
--platform-model swtpm
EOF
}

# _swtpm_provision DIR: manufacture the TPM state with EK and platform certs.
_swtpm_provision() {
	local d=$1
	if ! swtpm_setup --tpm2 --tpmstate "$d/state" --config "$d/swtpm_setup.conf" \
	    --create-ek-cert --create-platform-cert --pcr-banks sha1,sha256 \
	    --write-ek-cert-files "$d/certs" --overwrite >"$d/setup.log" 2>&1; then
		echo "swtpm_up: swtpm_setup failed:" >&2
		cat "$d/setup.log" >&2
		return 1
	fi
}

# _swtpm_alive PID [DIR]: the PID is a running swtpm (not a zombie, not
# reused) on the state in DIR (default $T/swtpm).
_swtpm_alive() {
	local cmd d=${2:-$T/swtpm}
	[ -r "/proc/$1/cmdline" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
	case "$cmd" in *swtpm*"dir=$d/state "*) return 0 ;; esac
	return 1
}

# _swtpm_start DIR PORT: start the daemon; set SWTPM_PID once it answers.
_swtpm_start() {
	local d=$1 p=$2 i
	rm -f "$d/swtpm.pid"
	swtpm socket --tpm2 \
	    --server "type=tcp,port=$p,bindaddr=127.0.0.1" \
	    --ctrl "type=tcp,port=$((p + 1)),bindaddr=127.0.0.1" \
	    --tpmstate "dir=$d/state" --flags not-need-init,startup-clear \
	    --pid "file=$d/swtpm.pid" --log "file=$d/swtpm.log" --daemon \
	    >>"$d/start.log" 2>&1 || return 1
	for i in $(seq 1 100); do
		if [ -s "$d/swtpm.pid" ] &&
		   swtpm_ioctl --tcp "127.0.0.1:$((p + 1))" -g >/dev/null 2>&1; then
			SWTPM_PID=$(cat "$d/swtpm.pid")
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# _swtpm_read_ek_cert NVINDEX FILE [DIR]: the certificate stored in NV, as DER.
_swtpm_read_ek_cert() {
	tpm2_nvread -C o -o "$2" "$1" >/dev/null 2>>"${3:-$T/swtpm}/nvread.log" || return 1
	openssl x509 -inform DER -in "$2" -noout 2>/dev/null
}

# _swtpm_check_ek_cert FILE KEYTYPE: the certificate holds a KEYTYPE key.
_swtpm_check_ek_cert() {
	openssl x509 -inform DER -in "$1" -noout -text 2>/dev/null | grep -q "$2"
}

swtpm_up() {
	local name=${1:-} d p _ v
	case "$name" in
	*[!A-Za-z0-9_]*) echo "swtpm_up: bad instance name '$name'" >&2; return 1 ;;
	esac
	if [ -n "${_swtpm_running[${name:-.}]+x}" ]; then
		echo "swtpm_up: instance '$name' is already running" >&2
		return 1
	fi
	d=$(_swtpm_dir "$name")
	_swtpm_write_config "$d" && _swtpm_provision "$d" || return 1
	for _ in 1 2 3 4 5; do
		p=$(free_port) || break
		if _swtpm_start "$d" "$p"; then
			break
		fi
		p=
	done
	if [ -z "${p:-}" ]; then
		echo "swtpm_up: swtpm did not start:" >&2
		cat "$d/start.log" "$d/swtpm.log" >&2 2>/dev/null
		return 1
	fi
	_swtpm_running[${name:-.}]="$SWTPM_PID $p $d"
	if [ -z "$name" ]; then
		_swtpm_up=1
		at_exit swtpm_down
	else
		at_exit swtpm_down "$name"
	fi
	export SWTPM_PORT=$p SWTPM_PID
	export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$p"
	export DOSSIER_TCTI=$TPM2TOOLS_TCTI
	export SWTPM_CA_ROOT=$d/ca/swtpm-localca-rootca-cert.pem
	export SWTPM_CA_INTERMEDIATE=$d/ca/issuercert.pem
	export SWTPM_EK_CERT_RSA=$d/ek-rsa.der
	export SWTPM_EK_CERT_ECC=$d/ek-ecc.der
	if [ -n "$name" ]; then
		v=$(_swtpm_var "$name")
		export "${v}TCTI=$TPM2TOOLS_TCTI" "${v}PORT=$p" "${v}PID=$SWTPM_PID" \
		    "${v}CA_ROOT=$SWTPM_CA_ROOT" \
		    "${v}CA_INTERMEDIATE=$SWTPM_CA_INTERMEDIATE" \
		    "${v}EK_CERT_RSA=$SWTPM_EK_CERT_RSA" \
		    "${v}EK_CERT_ECC=$SWTPM_EK_CERT_ECC" "${v}DIR=$d"
	fi
	if ! _swtpm_read_ek_cert "$SWTPM_NV_EK_RSA" "$SWTPM_EK_CERT_RSA" "$d" ||
	   ! _swtpm_read_ek_cert "$SWTPM_NV_EK_ECC" "$SWTPM_EK_CERT_ECC" "$d"; then
		echo "swtpm_up: cannot read the EK certificates from NV:" >&2
		cat "$d/nvread.log" >&2
		return 1
	fi
	if ! _swtpm_check_ek_cert "$SWTPM_EK_CERT_RSA" "rsaEncryption" ||
	   ! _swtpm_check_ek_cert "$SWTPM_EK_CERT_ECC" "NIST CURVE: P-384" ||
	   ! cmp -s "$SWTPM_EK_CERT_RSA" "$d/certs/ek-rsa2048.crt" ||
	   ! cmp -s "$SWTPM_EK_CERT_ECC" "$d/certs/ek-secp384r1.crt"; then
		echo "swtpm_up: EK certificates in NV are not the ones swtpm_setup made" >&2
		return 1
	fi
	[ -s "$SWTPM_CA_ROOT" ] && [ -s "$SWTPM_CA_INTERMEDIATE" ] || {
		echo "swtpm_up: swtpm_localca made no CA certificates in $d/ca" >&2
		return 1
	}
}

swtpm_use() {
	local v
	[ -n "${1:-}" ] && [ -n "${_swtpm_running[$1]+x}" ] || {
		echo "swtpm_use: no running instance '${1:-}'" >&2
		return 1
	}
	v=$(_swtpm_var "$1")
	eval "export SWTPM_PORT=\$${v}PORT SWTPM_PID=\$${v}PID" \
	    "TPM2TOOLS_TCTI=\$${v}TCTI DOSSIER_TCTI=\$${v}TCTI" \
	    "SWTPM_CA_ROOT=\$${v}CA_ROOT" \
	    "SWTPM_CA_INTERMEDIATE=\$${v}CA_INTERMEDIATE" \
	    "SWTPM_EK_CERT_RSA=\$${v}EK_CERT_RSA SWTPM_EK_CERT_ECC=\$${v}EK_CERT_ECC"
}

swtpm_down() {
	local name=${1:-} pid port d i
	[ -n "${_swtpm_running[${name:-.}]+x}" ] || return 0
	read -r pid port d <<<"${_swtpm_running[${name:-.}]}"
	unset "_swtpm_running[${name:-.}]"
	[ -n "$name" ] || _swtpm_up=0
	TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" tpm2_shutdown -c \
	    >/dev/null 2>&1 || true
	swtpm_ioctl --tcp "127.0.0.1:$((port + 1))" -s >/dev/null 2>&1 || true
	for i in $(seq 1 40); do
		_swtpm_alive "$pid" "$d" || return 0
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	return 0
}
