# t_install.sh - make install puts the binaries and every man page in place.
. "$DOSSIER_TOP/tests/lib.sh"
need make mandoc
R=$T/root

# -o: install the binaries under test as they are, never rebuild them here
# (a rebuild would use other flags than the sanitizer build's).
run make -C "$DOSSIER_TOP" -o "$DOSSIER_BUILD/dossier" -o "$DOSSIER_BUILD/dossier-collect" \
    install DESTDIR="$R" PREFIX=/usr B="$DOSSIER_BUILD"
if [ "$RC" -eq 0 ]; then ok "make install"; else
	not_ok "make install" "exit $RC: $(tail -c 600 "$T/err" | tr '\n' '|')"
	exit 1
fi

for b in dossier dossier-collect; do
	if [ -x "$R/usr/bin/$b" ]; then ok "installed usr/bin/$b"; else
		not_ok "installed usr/bin/$b" "missing or not executable"; fi
	if cmp -s "$R/usr/bin/$b" "$DOSSIER_TOP/$DOSSIER_BUILD/$b"; then
		ok "usr/bin/$b is the binary under test"
	else
		not_ok "usr/bin/$b is the binary under test" "differs from $DOSSIER_BUILD/$b"
	fi
done
expect 0 "installed dossier --version" "$R/usr/bin/dossier" --version
expect_out '^dossier [0-9]+\.[0-9]+\.[0-9]+$' "installed dossier prints its version"
expect 0 "installed dossier-collect --version" "$R/usr/bin/dossier-collect" --version

# Every page in man/ lands in the section its suffix names, and renders.
n=0
for p in "$DOSSIER_TOP"/man/*.[1-8]; do
	[ -e "$p" ] || continue
	n=$((n + 1))
	name=$(basename "$p")
	sec=${name##*.}
	inst=$R/usr/share/man/man$sec/$name
	if [ -f "$inst" ]; then ok "man page $name in man$sec"; else
		not_ok "man page $name in man$sec" "$inst missing"; continue; fi
	if ! grep -qi "^\.Dt [^ ]* $sec\$" "$inst"; then
		not_ok "man page $name: .Dt section is $sec"
	else
		ok "man page $name: .Dt section is $sec"
	fi
	run mandoc -Tutf8 "$inst"
	if [ "$RC" -eq 0 ] && [ -s "$T/out" ] && ! [ -s "$T/err" ]; then
		ok "man page $name renders"
	else
		not_ok "man page $name renders" "exit $RC: $(head -c 400 "$T/err" | tr '\n' '|')"
	fi
done
for p in dossier.1 dossier-collect.1; do
	if [ -f "$R/usr/share/man/man1/$p" ]; then ok "man1/$p installed"; else
		not_ok "man1/$p installed"; fi
done

# uninstall removes what install put there.
run make -C "$DOSSIER_TOP" uninstall DESTDIR="$R" PREFIX=/usr B="$DOSSIER_BUILD"
left=$(find "$R" -type f | wc -l)
expect_eq "$left" 0 "make uninstall removes every installed file"
done_testing
