#!/usr/bin/env bash
# t_report.sh - dossier report: a store with a passing and a failing
# device (test_judge_verify's fixture, gen_evidence bundles, no TPM), one
# of them labelled "<script>..." and one "=1+1"; the HTML page rendered in
# a real headless browser (Debian's chromium): every device's name and
# verdict in the DOM, the hostile label shown as text and not run, no
# network fetch, a screenshot kept as build/tests/report.png; the CSV
# parsed by Python's csv module: one record per result, formulas
# neutralised.
. "$DOSSIER_TOP/tests/lib.sh"
need python3 openssl
command -v chromium >/dev/null 2>&1 ||
	skip_all t_report "chromium not installed (tests/setup-debian.sh)"
. "$DOSSIER_TOP/tests/fixture.sh"

fixture_up 2
BDEV=$(openssl dgst -sha256 -r "$F/b.crt" | cut -c1-64)
fixture_gen pass 1000000
fixture_gen pcr 1000010 1 --flip-pcr 3
expect 0 "verify: a passing bundle" "$DOSSIER" "${S[@]}" verify \
    -o "$T/r1.jsonl" "$T/b/pass.dossier"
expect 1 "verify: a failing bundle (pcrs.bin changed)" "$DOSSIER" "${S[@]}" \
    verify -o "$T/r2.jsonl" "$T/b/pcr.dossier"
expect 0 "label device a with a formula" "$DOSSIER" "${S[@]}" devices label \
    "$DEV" '=1+1'
expect 0 "label device b with markup" "$DOSSIER" "${S[@]}" devices label \
    "$BDEV" '<script>document.title="pwned"</script>'

# --- HTML ---------------------------------------------------------------------
expect 0 "report -o r.html" "$DOSSIER" "${S[@]}" report -o "$T/r.html"
expect_err "2 devices, 2 results, 1 rounds" "the summary line counts them"
if grep -Eq '<script|src=|url\(|@import|href="(https?|//)' "$T/r.html"; then
	not_ok "the page fetches nothing and runs nothing" \
	    "$(grep -Eo '<script[^>]*|src=[^ ]*|url\([^)]*|@import|href="(https?|//)[^"]*' "$T/r.html" | head -3 | tr '\n' ' ')"
else ok "the page fetches nothing and runs nothing"; fi
grep -q '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;' "$T/r.html" &&
	ok "the hostile label is escaped in the file" ||
	not_ok "the hostile label is escaped in the file"

# chromium runs as root here only without its sandbox; its profile goes
# to $T, so the test leaves nothing in $HOME.
chrome() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$T/chrome" --no-first-run --disable-extensions \
	    --disable-background-networking "$@" 2>>"$T/chrome.log"
}
chrome --dump-dom "file://$T/r.html" >"$T/dom.html"
[ -s "$T/dom.html" ] && ok "chromium renders the page" ||
	not_ok "chromium renders the page" "$(tail -c 600 "$T/chrome.log")"
cat >"$T/dom.py" <<'EOF'
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cur, self.cell, self.text = [], None, None, ''
        self.scripts, self.title = 0, ''
        self.in_title = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'script':
            self.scripts += 1
        if tag == 'title':
            self.in_title = True
        if tag == 'tr' and a.get('class') == 'device':
            self.cur = {'device': a.get('data-device')}
        if self.cur is not None and tag == 'td':
            self.cell = a.get('class', '')
            self.text = ''
    def handle_endtag(self, tag):
        if tag == 'title':
            self.in_title = False
        if self.cur is not None and tag == 'td':
            if self.cell == 'name':
                self.cur['name'] = self.text
            elif self.cell.startswith('verdict'):
                self.cur['verdict'] = self.text
            self.cell = None
        if tag == 'tr' and self.cur is not None:
            self.rows.append(self.cur)
            self.cur = None
    def handle_data(self, d):
        if self.cell is not None:
            self.text += d
        if self.in_title:
            self.title += d

p = P()
p.feed(open(sys.argv[1], encoding='utf-8').read())
for r in p.rows:
    print('row %s %s %s' % (r['device'], r.get('verdict'), r.get('name')))
print('scripts %d' % p.scripts)
print('title %s' % p.title)
EOF
python3 "$T/dom.py" "$T/dom.html" >"$T/rows" || not_ok "parse the DOM"
expect_eq "$(grep -c '^row ' "$T/rows")" 2 "the DOM has a row per device"
grep -qxF "row $DEV fail =1+1" "$T/rows" && ok "device a: its name and verdict (fail) in the DOM" ||
	not_ok "device a: its name and verdict in the DOM" "$(tr '\n' '|' <"$T/rows")"
grep -qxF "row $BDEV none <script>document.title=\"pwned\"</script>" "$T/rows" &&
	ok "device b: its label as text, verdict none (no result)" ||
	not_ok "device b: its label as text" "$(tr '\n' '|' <"$T/rows")"
expect_eq "$(grep '^scripts ' "$T/rows")" "scripts 0" "no script element in the rendered DOM"
grep -q '^title dossier fleet report' "$T/rows" && ok "the label's script did not run (title intact)" ||
	not_ok "the label's script did not run" "$(grep '^title' "$T/rows")"
grep -q '<svg' "$T/dom.html" && grep -q 'class="fail"' "$T/dom.html" &&
	ok "the grid picture: a fail cell" || not_ok "the grid picture: a fail cell"
grep -q 'quote.pcr-digest' "$T/dom.html" && ok "the failing check is named" ||
	not_ok "the failing check is named"
grep -q 'a PCR value was changed' "$T/dom.html" && ok "its reason is in the device detail" ||
	not_ok "its reason is in the device detail"

PNG=$DOSSIER_TOP/$DOSSIER_BUILD/tests/report.png
mkdir -p "$(dirname "$PNG")"
rm -f "$PNG"
chrome --window-size=1200,1400 --screenshot="$PNG" "file://$T/r.html" >/dev/null
if [ -s "$PNG" ] && [ "$(head -c 8 "$PNG" | xxd -p)" = 89504e470d0a1a0a ] &&
    [ "$(stat -c %s "$PNG")" -gt 20000 ]; then
	ok "screenshot kept: $DOSSIER_BUILD/tests/report.png ($(stat -c %s "$PNG") bytes)"
else
	not_ok "screenshot kept" "$(ls -l "$PNG" 2>&1) $(tail -c 400 "$T/chrome.log")"
fi

# --- CSV ----------------------------------------------------------------------
expect 0 "report -o r.csv" "$DOSSIER" "${S[@]}" report -o "$T/r.csv"
[ "$(head -c 200 "$T/r.csv" | grep -c $'\r$')" -ge 1 ] && ok "CSV records end in CRLF" ||
	not_ok "CSV records end in CRLF"
python3 - "$T/r.csv" >"$T/csv.out" <<'EOF' || not_ok "parse the CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
print('header', ','.join(rows[0]))
for r in rows[1:]:
    d = dict(zip(rows[0], r))
    print('rec', d['device'][:16], d['label'], d['verdict'], d['first_failed'])
EOF
expect_eq "$(grep '^header' "$T/csv.out")" \
    "header judged,device,label,host_name,state,verdict,first_failed,challenge,input,findings" \
    "CSV header"
expect_eq "$(grep -c '^rec' "$T/csv.out")" 2 "one CSV record per result"
grep -qxF "rec ${DEV:0:16} '=1+1 fail quote.pcr-digest" "$T/csv.out" &&
	ok "CSV: a formula label is neutralised with a quote" ||
	not_ok "CSV: a formula label is neutralised" "$(tr '\n' '|' <"$T/csv.out")"

# --- options ------------------------------------------------------------------
expect 0 "report --since tomorrow: an empty period" "$DOSSIER" "${S[@]}" report \
    --since "@$(( $(date +%s) + 86400 ))" -o "$T/empty.html"
expect_err "2 devices, 0 results, 0 rounds" "--since leaves the older results out"
expect 2 "report -o r.txt is refused" "$DOSSIER" "${S[@]}" report -o "$T/r.txt"
expect_err "ends in \.html .* or \.csv" "the refusal names the two kinds"
expect 2 "report without -o" "$DOSSIER" "${S[@]}" report
expect 2 "report --since nonsense" "$DOSSIER" "${S[@]}" report --since soon -o "$T/x.html"
[ ! -e "$T/r.txt" ] && [ ! -e "$T/x.html" ] && ok "no file after a usage error" ||
	not_ok "no file after a usage error"

# --- the man page's EXAMPLES run (in $T; chromium's profile there too) -----------
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$DOSSIER_TOP/man/dossier-report.1" |
    sed -e 's/\\e$//' | awk '/^\$ /{if (c) print c; c=substr($0, 3); next}
    c && /^    /{c=c " " substr($0, 5); next} {if (c) print c; c=""} END {if (c) print c}' \
    >"$T/examples"
expect_eq "$(wc -l <"$T/examples")" 3 "man page: EXAMPLES has 3 commands"
# "dossier" in the examples is this build with this test's store.
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec "%s" --store "%s" "$@"\n' "$DOSSIER" "$F/store.db" >"$T/bin/dossier"
chmod +x "$T/bin/dossier"
while read -r cmd; do
	run env HOME="$T" PATH="$T/bin:$PATH" timeout 120 bash -c "cd '$T' && $cmd"
	[ "$RC" -eq 0 ] && ok "man example runs: $cmd" ||
		not_ok "man example runs: $cmd" "exit $RC: $(head -c 300 "$T/err")"
done <"$T/examples"
[ -s "$T/november.png" ] && [ -s "$T/november.csv" ] &&
	ok "the examples wrote november.csv and november.png" ||
	not_ok "the examples wrote november.csv and november.png"
done_testing
