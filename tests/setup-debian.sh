#!/usr/bin/env bash
# tests/setup-debian.sh - install what dossier needs to build, test, fuzz and
# benchmark on Debian 12 (bookworm). Run as root, or as a user with sudo.
# Idempotent: when every package is already installed it does nothing.
#
#   build       build-essential pkg-config libssl-dev libtss2-dev libcbor-dev
#               libarchive-dev libzstd-dev libsqlite3-dev
#   fuzzing     clang libclang-rt-14-dev (libFuzzer, ASan, UBSan runtimes),
#               llvm-14 (llvm-profdata, llvm-cov: make fuzz-coverage)
#   tests       swtpm swtpm-tools gnutls-bin (swtpm_localca's certtool)
#               tpm2-tools ima-evm-utils (evmctl) openssl xxd procps
#               python3 (byte surgery in a few tests) and
#               python3-cryptography (an independent COSE check), zstd (bundle
#               cross-checks with GNU tar), dosfstools (mkfs.vfat: the USB
#               round trip on a loop-mounted vfat image), sqlite3 (t_batch
#               reads the store read-only), python3-cbor2 and python3-jwt
#               (independent decoders of EAR results: the CWT and the JWT)
#   relay       libmosquitto-dev (build), mosquitto and mosquitto-clients
#               (tests: a broker of their own, mosquitto_pub); tpm2-openssl
#               (OpenSSL 3's tpm2 provider: dossier-relay's TLS key in the
#               TPM, key_file = tpm2:...; a runtime dependency of the device
#               only, the collector and the verifier do not load it)
#   man pages   mandoc
#   report      chromium (t_report renders dossier report's HTML page in a
#               headless browser and keeps a screenshot)
set -euo pipefail

packages=(
	build-essential pkg-config ca-certificates
	libssl-dev openssl
	libtss2-dev libtss2-tcti-swtpm0
	libcbor-dev libarchive-dev libzstd-dev libsqlite3-dev
	clang libclang-rt-14-dev llvm-14
	swtpm swtpm-tools gnutls-bin tpm2-tools
	ima-evm-utils
	mandoc xxd procps python3 python3-cryptography zstd
	dosfstools sqlite3 python3-cbor2 python3-jwt
	libmosquitto-dev mosquitto mosquitto-clients
	chromium
	tpm2-openssl
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = \
	    "install ok installed" ]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "setup-debian: all ${#packages[@]} packages are installed"
	exit 0
fi

if [ -r /etc/os-release ]; then
	. /etc/os-release
	if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
		echo "setup-debian: warning: made for Debian 12, this is" \
		    "${PRETTY_NAME:-unknown}" >&2
	fi
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "setup-debian: run as root (or install sudo) to install:" \
	    "${missing[*]}" >&2
	exit 1
fi

echo "setup-debian: installing ${missing[*]}"
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
