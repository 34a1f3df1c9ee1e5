#!/usr/bin/env bash
# t_init_roots.sh - dossier init (store, P-256 verifier key, public key
# export) and dossier roots (add, list, remove) on real CA certificates
# (testdata/ek/ca, see testdata/ek/PROVENANCE.md), cross-checked with
# openssl; --store and DOSSIER_STORE both choose the store.
. "$DOSSIER_TOP/tests/lib.sh"
need openssl sha256sum

unset DOSSIER_STORE
KL=$TD/ek/ca/keylime-tpm_cert_store
S=$T/a/store.db

# --- init ----------------------------------------------------------------
expect 0 "init creates a store" "$DOSSIER" --store "$S" init -o "$T/verifier.pem"
expect_eq "$(test -f "$S" && echo yes)" yes "the store file exists"
expect_eq "$(stat -c %a "$S")" 600 "the store is mode 0600"
run openssl pkey -pubin -in "$T/verifier.pem" -noout -text
expect_eq "$RC" 0 "the public key file is a PEM SubjectPublicKeyInfo"
expect_out '^Public-Key: \(256 bit\)' "the key is 256-bit"
expect_out 'NIST CURVE: P-256' "the key is on NIST P-256"
id=$(openssl pkey -pubin -in "$T/verifier.pem" -outform DER | sha256sum | cut -d' ' -f1)
run "$DOSSIER" --store "$S" init --show-key
expect_out "^verifier-id $id\$" "verifier id is SHA-256 of the SPKI DER (openssl)"
expect_out "^store $S\$" "the store path is printed"

expect 2 "a second init is refused" "$DOSSIER" --store "$S" init
expect_err 'store already exists' "the refusal says the store exists"
run "$DOSSIER" --store "$S" init --show-key -o -
expect_eq "$(openssl pkey -pubin -outform DER <"$T/out" | sha256sum | cut -d' ' -f1)" \
	"$id" "init --show-key re-exports the same key to stdout"
expect_err "^verifier-id $id\$" "with -o - the id line goes to stderr"

expect 0 "DOSSIER_STORE chooses the store" env DOSSIER_STORE="$T/b.db" \
	"$DOSSIER" init -o "$T/v2.pem"
expect_out "^store $T/b.db\$" "init used \$DOSSIER_STORE"
run env DOSSIER_STORE="$T/b.db" "$DOSSIER" --store "$S" init --show-key
expect_out "^store $S\$" "--store wins over DOSSIER_STORE"
expect_out "^verifier-id $id\$" "and it is that store's key"
expect 2 "--show-key on a missing store fails" \
	"$DOSSIER" --store "$T/none.db" init --show-key
# A store that is not there is named with how its path was chosen, and the
# user who forgot --store is told to name the store, not to make another.
expect_err "^dossier: store $T/none.db \\(given with --store\\): no such file; give the path of an existing store, or create one there with 'dossier --store $T/none.db init'\$" \
    "a missing --store store: the path, its origin and both ways out"
expect 2 "a missing DOSSIER_STORE store" env DOSSIER_STORE="$T/none2.db" \
    "$DOSSIER" roots list
expect_err "store $T/none2.db \\(from DOSSIER_STORE\\): no such file; set DOSSIER_STORE" \
    "a missing DOSSIER_STORE store: named with its origin"
expect 2 "a missing default store" env -u DOSSIER_STORE HOME="$T" \
    "$DOSSIER" roots list
expect_err "\\(the default: neither --store nor DOSSIER_STORE was given\\): no such file; name your store with --store PATH" \
    "a missing default store: the user is told to name the store first"
mkdir -p "$T/adir"
expect 2 "a directory as the store" "$DOSSIER" --store "$T/adir" roots list
expect_err "store $T/adir \\(given with --store\\): is a directory; give the store's file, e.g. $T/adir/store.db" \
    "a directory as the store: said so"
# --store after the command word works as before it; twice is refused.
expect 0 "--store after the command" "$DOSSIER" init --show-key --store "$S"
expect_out "^store $S\$" "--store after the command chooses the store"
expect 0 "--store= after the command's operands" "$DOSSIER" roots list --store="$S"
expect 2 "--store on both sides is refused" "$DOSSIER" --store "$S" roots list --store "$S"
expect_err "roots: --store given twice" "--store twice: said so"
expect 2 "--store without a path is a usage error" "$DOSSIER" --store
expect 2 "an empty --store is a usage error" "$DOSSIER" --store= init

# --- roots add --------------------------------------------------------------
# The directory holds 51 files; 6 are copies of others under a second name.
nfiles=$(ls "$KL" | wc -l)
ndistinct=$(for f in "$KL"/*; do openssl x509 -in "$f" -outform DER | sha256sum; done | sort -u | wc -l)
expect_eq "$nfiles" 51 "the keylime store has 51 files"
expect 0 "roots add a directory" "$DOSSIER" --store "$S" roots add "$KL"
expect_out "^$ndistinct added, $((nfiles - ndistinct)) already trusted\$" \
	"each distinct certificate is added once ($ndistinct of $nfiles)"
expect_eq "$(grep -c '^added ' "$T/out")" "$ndistinct" "one 'added' line per new certificate"
expect 0 "roots add the same directory again" "$DOSSIER" --store "$S" roots add "$KL"
expect_out "^0 added, $nfiles already trusted\$" "adding again reports already trusted"

run "$DOSSIER" --store "$S" roots list
expect_eq "$(wc -l <"$T/out")" "$ndistinct" "roots list prints one line per root"
fp=$(openssl x509 -in "$KL/IFX_RSA_21I.pem" -outform DER | sha256sum | cut -d' ' -f1)
expect_out "^$fp [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z $KL/IFX_RSA_21I.pem CN=IFX TPM EK Intermediate CA 21,OU=AIM,O=Infineon" \
	"list: fingerprint (openssl), added time, source file, subject"

expect 0 "roots remove by fingerprint" "$DOSSIER" --store "$S" roots remove "$fp"
run "$DOSSIER" --store "$S" roots list
expect_eq "$(wc -l <"$T/out")" "$((ndistinct - 1))" "one root fewer after remove"
expect_eq "$(grep -c "^$fp " "$T/out")" 0 "the removed root is gone"
expect 2 "removing it again fails" "$DOSSIER" --store "$S" roots remove "$fp"
expect_err 'is not a trusted root' "the message says it is not trusted"
expect 2 "a malformed fingerprint is refused" "$DOSSIER" --store "$S" roots remove abc
expect 0 "a single DER file can be added" "$DOSSIER" --store "$S" roots add \
	"$TD/ek/ca/infineon-optiga/rsa-root-ca.crt"

# A non-certificate file is refused with its name, and nothing is added.
cp "$KL/IFX_RSA_21I.pem" "$T/mix1.pem"
printf 'not a certificate\n' >"$T/junk.txt"
expect 2 "a non-certificate file is refused" "$DOSSIER" --store "$S" roots add \
	"$T/mix1.pem" "$T/junk.txt"
expect_err "$T/junk.txt" "the refusal names the file"
run "$DOSSIER" --store "$S" roots list
expect_eq "$(grep -c "^$fp " "$T/out")" 0 "the refused add added nothing"
expect 2 "roots on a missing store fail" "$DOSSIER" --store "$T/none.db" roots list
expect 2 "roots without a subcommand is a usage error" "$DOSSIER" --store "$S" roots
done_testing
