#!/usr/bin/env bash
# Checks the `Note [Title]` cross-references of the source tree. A note is defined by a comment line
# holding only `// Note [Title]`, followed by its text; every other `Note [Title]` in a comment of
# lib/, include/, tests/, examples/, bench/ or docs/ cites it, and must name a note that is defined
# somewhere. A citation that says where the note lives (`Note [Title] in lib/ops/conv.cpp`, or just
# `in conv.cpp`) must name the file that defines it, so that a moved note is caught too.
#
#   scripts/check-notes.sh [root]     # exit status 1 and one line per dangling citation
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
exec python3 - "$root" <<'PY'
import os, re, sys

root = sys.argv[1]
dirs = ["lib", "include", "tests", "examples", "bench", "docs"]
source_ext = (".cpp", ".hpp", ".h", ".def", ".inc", ".cc")
files = []
for d in dirs:
    for base, _, names in os.walk(os.path.join(root, d)):
        for n in sorted(names):
            if n.endswith(source_ext) or n.endswith(".md"):
                files.append(os.path.join(base, n))

definition = re.compile(r"^\s*//+\s*Note \[([^\]]+)\]\s*$")
defined = {}  # title -> [relative paths]
texts = {}
for path in files:
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    texts[rel] = text
    if rel.endswith(".md"):
        continue
    for line in text.splitlines():
        m = definition.match(line)
        if m:
            defined.setdefault(" ".join(m.group(1).split()), []).append(rel)

# A citation may wrap onto the next comment line: join the lines of a comment (or of a Markdown
# paragraph) before searching, and keep the line number of where each citation starts.
citation = re.compile(r"Note \[([^\]]+)\](?:\s+in\s+`?([\w./-]+\.(?:cpp|hpp|h|def|inc|md))`?)?")
problems = []
for rel, text in texts.items():
    lines = text.splitlines()
    if rel.endswith(".md"):
        pieces = [(i + 1, l) for i, l in enumerate(lines)]
    else:
        comment = re.compile(r"^\s*(?://+|\*|/\*+)\s?(.*)$")
        pieces = []
        for i, l in enumerate(lines):
            m = comment.match(l)
            if m:
                pieces.append((i + 1, m.group(1)))
            elif "//" in l:  # a trailing comment
                pieces.append((i + 1, l[l.index("//") + 2:]))
            else:
                pieces.append((i + 1, None))
    joined, starts = "", []
    for number, body in pieces:
        if body is None:
            joined += "\n\n"
            starts.append((len(joined), number))
            continue
        starts.append((len(joined), number))
        joined += body.strip() + " "
    def line_of(offset):
        line = 1
        for start, number in starts:
            if start > offset:
                break
            line = number
        return line
    for m in citation.finditer(joined):
        title = " ".join(m.group(1).split())
        where = f"{rel}:{line_of(m.start())}"
        if title not in defined:
            problems.append(f"{where}: Note [{title}] is not defined anywhere")
            continue
        if not rel.endswith(".md") and definition.match(lines[line_of(m.start()) - 1]):
            continue  # the definition itself
        place = m.group(2)
        if place and not any(d == place or d.endswith("/" + place) for d in defined[title]):
            problems.append(f"{where}: Note [{title}] is said to be in {place}, but it is defined in "
                            + ", ".join(defined[title]))

for p in problems:
    print(p)
if problems:
    print(f"check-notes: {len(problems)} dangling Note reference(s)", file=sys.stderr)
    sys.exit(1)
print(f"check-notes: {len(defined)} notes, every citation resolves")
PY
