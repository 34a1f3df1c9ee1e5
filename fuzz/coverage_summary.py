#!/usr/bin/env python3
"""fuzz/coverage_summary.py WRITERS FUNCTIONS_TXT - the table of
fuzz/coverage.sh: per format/ and policy/ file, line and branch coverage of
the reading code, then the writers and io functions apart
(fuzz/coverage-writers.txt), then both as a whole. FUNCTIONS_TXT is
`llvm-cov report -show-functions` output."""
import re
import sys


def load_classes(path):
    classes = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cls, rx = line.split(None, 1)
        classes.append((cls, re.compile("(?:%s)$" % rx)))
    return classes


def classify(classes, name):
    for cls, rx in classes:
        if rx.match(name):
            return cls
    return "reading"


def pct(cov, tot):
    return "%6.1f%%" % (100.0 * cov / tot) if tot else "     - "


def main():
    classes = load_classes(sys.argv[1])
    # per file: class -> [lines, lines_missed, branches, branches_missed]
    files = {}
    names = {"writer": {}, "io": {}}
    cur = None
    for line in open(sys.argv[2], encoding="utf-8"):
        m = re.match(r"File '(.*)':", line)
        if m:
            cur = re.sub(r".*/((?:format|policy)/[^/]+)$", r"\1", m.group(1))
            files.setdefault(cur, {})
            continue
        f = line.split()
        if cur is None or len(f) != 10 or f[0] in ("Name", "TOTAL"):
            continue
        if not f[1].isdigit():
            continue
        name = f[0]
        lines, lmiss, br, bmiss = int(f[4]), int(f[5]), int(f[7]), int(f[8])
        cls = classify(classes, name)
        acc = files[cur].setdefault(cls, [0, 0, 0, 0])
        for i, v in enumerate((lines, lmiss, br, bmiss)):
            acc[i] += v
        if cls in names:
            names[cls].setdefault(cur, []).append(
                "%s %s" % (name, pct(lines - lmiss, lines).strip()))

    def row(label, a):
        lc, bc = a[0] - a[1], a[2] - a[3]
        print("%-28s %6d %s %6d %s" % (label, a[0], pct(lc, a[0]), a[2],
                                       pct(bc, a[2])))

    def add(t, a):
        for i in range(4):
            t[i] += a[i]

    print("READING CODE of format/ and policy/ (lines, line cover, branches, "
          "branch cover)")
    tot = {"reading": [0] * 4, "writer": [0] * 4, "io": [0] * 4}
    for path in sorted(files):
        for cls, a in files[path].items():
            add(tot[cls], a)
        if "reading" in files[path]:
            row(path, files[path]["reading"])
    row("reading code, total", tot["reading"])
    for cls, title in (("writer", "WRITERS (not in the reading total)"),
                       ("io", "FILE/DIRECTORY I/O (not in the reading "
                              "total)")):
        print()
        print(title)
        for path in sorted(names[cls]):
            print("  %s: %s" % (path, ", ".join(names[cls][path])))
        row("%s, total" % cls, tot[cls])
    whole = [0] * 4
    for t in tot.values():
        add(whole, t)
    print()
    row("format/ and policy/ as a whole", whole)


main()
