# t_ima_sig_evmctl.sh - IMA file signatures made by independent tools
# (evmctl, openssl) and verified offline by format/ima_sig through
# build/tools/gen_ima_sig; evmctl ima_measurement --verify-sig
# cross-checks the ima-sig verdicts on the same binary log.
. "$DOSSIER_TOP/tests/lib.sh"
need evmctl openssl python3 xxd sha256sum

G=$DOSSIER_TOOLS/gen_ima_sig
cd "$T" || exit 2

hexof() { xxd -p "$1" | tr -d '\n'; }
sha() { "${2:-sha256}sum" "$1" | cut -d' ' -f1; }

# Keys: RSA-2048 and P-256 certificates (trusted), RSA "other" (not).
mkcert() {	# NAME ALGOPTS...
	local n=$1
	shift
	openssl req -x509 -nodes -days 3650 -subj "/CN=ima-$n" "$@" \
	    -keyout "$n.key" -out "$n.crt" 2>/dev/null
	openssl pkey -in "$n.key" -pubout -out "$n.pub"
	openssl x509 -in "$n.crt" -outform DER -out "$n.der"
}
mkcert rsa -newkey rsa:2048
mkcert ec -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
mkcert other -newkey rsa:2048

printf 'file one\n' >one
printf 'file two\n' >two
printf 'file three\n' >three
dig1=$(sha one)
dig2=$(sha two)

# v2 signatures from evmctl ima_sign --sigfile (the .sig holds the xattr).
esign() {	# FILE KEY ALG OUT
	cp "$1" "$4.in"
	evmctl ima_sign --sigfile --key "$2" -a "$3" "$4.in" >/dev/null 2>&1
	mv "$4.in.sig" "$4"
}
esign one rsa.key sha256 one.rsa.sig
esign one ec.key sha256 one.ec.sig
esign one other.key sha256 one.other.sig
esign one rsa.key sha384 one.rsa384.sig
esign one ec.key sha512 one.ec512.sig
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[-7] ^= 0x10
open(sys.argv[2], "wb").write(b)' one.rsa.sig one.flipped.sig

{
	echo "ima-sig sha256:$dig1 /one-rsa $(hexof one.rsa.sig)"
	echo "ima-sig sha256:$dig1 /one-ec $(hexof one.ec.sig)"
	echo "ima-sig sha256:$dig1 /unsigned "
	echo "ima-sig sha256:$dig1 /one-other $(hexof one.other.sig)"
	echo "ima-sig sha256:$dig1 /one-flipped $(hexof one.flipped.sig)"
	echo "ima-sig sha256:$dig2 /two-with-one-sig $(hexof one.rsa.sig)"
	echo "ima-sig sha384:$(sha one sha384) /one-rsa384 $(hexof one.rsa384.sig)"
	echo "ima-sig sha512:$(sha one sha512) /one-ec512 $(hexof one.ec512.sig)"
	echo "ima-sig sha384:$(sha one sha384) /alg-mismatch $(hexof one.rsa.sig)"
	echo "ima-ng sha256:$dig1 /no-sig-field"
} >v2.lines
expect 0 "v2 log written" "$G" log v2.bin <v2.lines

# status of record INDEX in the last check output
st() { awk -v i="$1" '$1 == i { print $2 }' "$T/out"; }
why() { awk -v i="$1" '$1 == i { $1 = $2 = $3 = $4 = ""; print }' "$T/out"; }

expect 0 "v2 check with PEM certificates" "$G" check -k rsa.crt -k ec.crt v2.bin
expect_eq "$(st 0)" valid "v2 RSA-2048 sha256 valid"
expect_eq "$(st 1)" valid "v2 ECDSA P-256 sha256 valid"
expect_eq "$(st 2)" unsigned "empty sig field is unsigned"
expect_eq "$(st 3)" unknown_key "a key outside the keyring is unknown_key"
expect_eq "$(st 4)" invalid "a flipped signature byte is invalid"
expect_eq "$(st 5)" invalid "a signature over another file's digest is invalid"
expect_eq "$(st 6)" valid "v2 RSA sha384 valid"
expect_eq "$(st 7)" valid "v2 ECDSA sha512 valid"
expect_eq "$(st 8)" invalid "sha256 signature on a sha384 measurement is invalid"
expect_eq "$(st 9)" none "a template without sig has none"
expect_out "^3 unknown_key ima_v2 $(openssl x509 -in other.crt -noout \
    -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tail -c 9 |
    tr 'A-F' 'a-f') " "unknown key reports the signer's keyid (SKID tail)"
case $(why 8) in *"sha256"*"sha384"*) ok "algorithm mismatch reason names both" ;;
*) not_ok "algorithm mismatch reason names both" "$(why 8)" ;; esac

# The same verdicts with bare public keys (keyid as evmctl computes it),
# with DER certificates, and with both certificates in one PEM file.
expect 0 "v2 check with public keys" "$G" check -k rsa.pub -k ec.pub v2.bin
cols() { cut -d' ' -f1-4 "$1"; }
cols "$T/out" >pub.out
expect 0 "v2 check with DER certificates" "$G" check -k rsa.der -k ec.der v2.bin
expect_eq "$(cat pub.out)" "$(cols "$T/out")" "public keys and DER certificates agree"
cat rsa.crt ec.crt >both.pem
expect 0 "v2 check with one PEM of two certificates" "$G" check -k both.pem v2.bin
expect_eq "$(cat pub.out)" "$(cols "$T/out")" "a PEM bundle gives the same verdicts"
expect 0 "v2 check without keys" "$G" check v2.bin
expect_eq "$(st 0) $(st 1)" "unknown_key unknown_key" "no keyring: every signature has an unknown key"

# Keyring refusals.
expect 2 "a private key is refused as a trusted key" "$G" check -k rsa.key v2.bin
expect_err "not a certificate or public key" "private key refusal says why"
printf 'junk' >junk.der
expect 2 "a junk key file is refused" "$G" check -k junk.der v2.bin
expect_err "junk.der" "junk key refusal names the file"

# evmctl ima_measurement --verify-sig judges the same ima-sig records.
evmctl -v ima_measurement --verify-sig --key rsa.der,ec.der v2.bin >evm.out 2>&1
for p in one-rsa one-ec one-rsa384 one-ec512; do
	if grep -q "^/$p: verification is OK" evm.out; then
		ok "evmctl agrees: /$p valid"
	else
		not_ok "evmctl agrees: /$p valid" "$(grep "/$p" evm.out | head -2)"
	fi
done
for p in one-flipped two-with-one-sig; do
	if grep -q "^/$p: verification failed" evm.out ||
	    grep -q "^/$p: verification is OK" evm.out; then
		if grep -q "^/$p: verification is OK" evm.out; then
			not_ok "evmctl agrees: /$p invalid" "evmctl says OK"
		else
			ok "evmctl agrees: /$p invalid"
		fi
	else
		not_ok "evmctl agrees: /$p invalid" "no verdict from evmctl"
	fi
done

# ---- v3 (fs-verity): evmctl 1.4 cannot sign an ima_file_id, so the
# signed digest H(0x06 || hash_algo || digest) is built here with Python
# (the kernel's calc_file_id_hash), signed by evmctl sign_hash, and given
# the v3 header (type 0x06, version 3; neither byte is signed).
vdig=$(python3 -c 'import hashlib; print(hashlib.sha256(b"verity descriptor").hexdigest())')
fid=$(python3 -c 'import hashlib, sys
print(hashlib.sha256(bytes([6, 4]) + bytes.fromhex(sys.argv[1])).hexdigest())' "$vdig")
v3() { echo "$fid x" | evmctl sign_hash --key "$1" -a sha256 2>/dev/null |
	awk '{ print "0603" substr($3, 5) }'; }
v3rsa=$(v3 rsa.key)
v3ec=$(v3 ec.key)
v2over=$(echo "$vdig x" | evmctl sign_hash --key rsa.key -a sha256 2>/dev/null |
	awk '{ print "0603" substr($3, 5) }')
{
	echo "ima-sigv2 verity:sha256:$vdig /v3-rsa $v3rsa"
	echo "ima-sigv2 verity:sha256:$vdig /v3-ec $v3ec"
	echo "ima-sigv2 verity:sha256:$vdig /v3-over-plain-digest $v2over"
	echo "ima-sigv2 verity:sha256:$vdig /v3-as-version2 0602${v3rsa:4}"
	echo "ima-sigv2 verity:sha256:$(sha two) /v3-other-digest $v3rsa"
	echo "ima-sigv2 ima:sha256:$dig1 /v2-in-sigv2 $(hexof one.rsa.sig)"
} >v3.lines
expect 0 "v3 log written" "$G" log v3.bin <v3.lines
expect 0 "v3 check" "$G" check -k rsa.crt -k ec.crt v3.bin
expect_eq "$(st 0)" valid "v3 RSA over the ima_file_id hash valid"
expect_out "^0 valid ima_v3_\(fs-verity\) " "v3 kind is named"
expect_eq "$(st 1)" valid "v3 ECDSA valid"
expect_eq "$(st 2)" invalid "v3 over the bare digest (not the file id) invalid"
expect_eq "$(st 3)" invalid "type 0x06 with version 2 invalid"
expect_eq "$(st 4)" invalid "v3 for another digest invalid"
expect_eq "$(st 5)" valid "v2 signature in an ima-sigv2 record valid"

# ---- modsig: appended PKCS#7 as sign-file makes it (openssl cms,
# detached, no certificates), with and without signed attributes.
printf 'module body\n' >mod
mdig=$(sha mod)
cms() {	# KEY CERT OUT [OPTS]
	local k=$1 c=$2 o=$3
	shift 3
	openssl cms -sign -binary -nocerts -outform DER -in mod \
	    -signer "$c" -inkey "$k" -out "$o" "$@"
}
cms rsa.key rsa.crt mod.noattr.p7 -noattr -md sha256
cms rsa.key rsa.crt mod.attr.p7 -md sha256
cms ec.key ec.crt mod.ec.p7 -noattr -md sha256
cms other.key other.crt mod.other.p7 -noattr -md sha256
cms rsa.key rsa.crt mod.384.p7 -noattr -md sha384
cms rsa.key rsa.crt mod.skid.p7 -noattr -md sha256 -keyid
{
	echo "ima-modsig sha256:$dig1 /mod-noattr  sha256:$mdig $(hexof mod.noattr.p7)"
	echo "ima-modsig sha256:$dig1 /mod-attr  sha256:$mdig $(hexof mod.attr.p7)"
	echo "ima-modsig sha256:$dig1 /mod-ec  sha256:$mdig $(hexof mod.ec.p7)"
	echo "ima-modsig sha256:$dig1 /mod-other  sha256:$mdig $(hexof mod.other.p7)"
	echo "ima-modsig sha256:$dig1 /mod-wrong-digest  sha256:$dig2 $(hexof mod.noattr.p7)"
	echo "ima-modsig sha256:$dig1 /mod-attr-wrong  sha256:$dig2 $(hexof mod.attr.p7)"
	echo "ima-modsig sha256:$dig1 /mod-sha384-signer  sha256:$mdig $(hexof mod.384.p7)"
	echo "ima-modsig sha256:$dig1 /mod-skid  sha256:$mdig $(hexof mod.skid.p7)"
	echo "ima-modsig sha256:$dig1 /mod-and-bad-sig $(hexof one.flipped.sig) sha256:$mdig $(hexof mod.noattr.p7)"
	echo "ima-modsig sha256:$dig1 /mod-garbage  sha256:$mdig 3082000102"
	echo "ima-modsig sha256:$dig1 /mod-none   "
} >mod.lines
expect 0 "modsig log written" "$G" log mod.bin <mod.lines
expect 0 "modsig check" "$G" check -k rsa.crt -k ec.crt mod.bin
expect_eq "$(st 0)" valid "modsig without signed attributes valid"
expect_eq "$(st 1)" valid "modsig with signed attributes valid"
expect_eq "$(st 2)" valid "modsig ECDSA valid"
expect_eq "$(st 3)" unknown_key "modsig by an unknown signer unknown_key"
expect_eq "$(st 4)" invalid "modsig over another d-modsig invalid"
expect_eq "$(st 5)" invalid "signed attributes whose messageDigest differs invalid"
expect_eq "$(st 6)" invalid "signer digest sha384 against a sha256 d-modsig invalid"
expect_eq "$(st 7)" valid "modsig naming its signer by SubjectKeyIdentifier valid"
expect_eq "$(st 8)" invalid "a bad sig next to a good modsig makes the record invalid"
expect_eq "$(st 9)" invalid "a modsig that is not PKCS#7 invalid"
expect_eq "$(st 10)" unsigned "ima-modsig without signatures unsigned"
expect 0 "modsig check with a bare public key" "$G" check -k rsa.pub mod.bin
expect_eq "$(st 0)" unknown_key "modsig signers need a certificate (bare key: unknown_key)"

# ---- evm portable signatures from evmctl sign --portable, security.ima
# given (--ima) so nothing is read from this file system's xattrs.
printf 'evm file\n' >ev
edig=$(sha ev)
evsign() {	# KEY UID MODE IMA-HEX
	evmctl sign --portable -n --key "$1" -a sha256 --uid "$2" --gid 0 \
	    --mode "$3" --ima "$4" ev 2>/dev/null | tail -1
}
le32() { python3 -c 'import sys, struct; print(struct.pack("<I", int(sys.argv[1])).hex())' "$1"; }
imaval=0404$edig
len=$(le32 $(( ${#imaval} / 2 )))
evrsa=$(evsign rsa.key 0 33188 "$imaval")
evec=$(evsign ec.key 0 33188 "$imaval")
evother=$(evsign other.key 0 33188 "$imaval")
imasig=$(hexof one.rsa.sig)
evimasig=$(evsign rsa.key 1000 33261 "$imasig")
siglen=$(le32 $(( ${#imasig} / 2 )))
{
	echo "evm-sig sha256:$edig /ev-rsa $evrsa security.ima $len $imaval 0 0 33188"
	echo "evm-sig sha256:$edig /ev-ec $evec security.ima $len $imaval 0 0 33188"
	echo "evm-sig sha256:$edig /ev-other $evother security.ima $len $imaval 0 0 33188"
	echo "evm-sig sha256:$edig /ev-uid-changed $evrsa security.ima $len $imaval 5 0 33188"
	echo "evm-sig sha256:$edig /ev-mode-changed $evrsa security.ima $len $imaval 0 0 35309"
	echo "evm-sig sha256:$dig2 /ev-content-changed $evrsa security.ima $len $imaval 0 0 33188"
	echo "evm-sig sha256:$dig1 /ev-ima-sig $evimasig security.ima $siglen $imasig 1000 0 33261"
	echo "evm-sig sha256:$dig2 /ev-ima-sig-other-file $evimasig security.ima $siglen $imasig 1000 0 33261"
	echo "ima-sig sha256:$edig /evm-in-sig $evrsa"
} >evm.lines
expect 0 "evm-sig log written" "$G" log evm.bin <evm.lines
expect 0 "evm-sig check" "$G" check -k rsa.crt -k ec.crt evm.bin
expect_eq "$(st 0)" valid "evm portable RSA valid"
expect_eq "$(st 1)" valid "evm portable ECDSA valid"
expect_eq "$(st 2)" unknown_key "evm portable by an unknown key unknown_key"
expect_eq "$(st 3)" invalid "changed iuid invalid"
expect_eq "$(st 4)" invalid "changed imode invalid"
expect_eq "$(st 5)" invalid "security.ima digest not the measured one invalid"
expect_eq "$(st 6)" valid "evm portable over a signed security.ima valid"
expect_eq "$(st 7)" invalid "signed security.ima of another file invalid"
expect_eq "$(st 8)" invalid "evm portable signature in an ima-sig record is unverifiable"
case $(why 8) in *"cannot be verified"*) ok "unverifiable reason says so" ;;
*) not_ok "unverifiable reason says so" "$(why 8)" ;; esac

# ---- the real ibm-tss list: its signers' keys are not published, so
# nothing may come out valid; each signed record must be unknown_key.
expect 0 "ibm-tss imatest.log checked" "$G" check -k rsa.crt "$TD/ima/ibm-tss/imatest.log"
expect_eq "$(grep -c ' valid ' "$T/out")" 0 "no ibm-tss signature is valid without its keys"
expect_eq "$(awk '{ print $1 ":" $2 ":" $3 ":" $4 }' "$T/out" |
	grep -v ':none:\|:unsigned:' | tr '\n' ' ')" \
	"10:unknown_key:ima_v2:6e6c1046 11:unknown_key:ima_v2:f1f2ba3c 14:unknown_key:evm_portable:78511c2a 16:unknown_key:modsig:- " \
	"ibm-tss ima-sig, evm-sig and modsig records are unknown_key with their keyids"
done_testing
