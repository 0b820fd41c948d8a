#!/usr/bin/env bash
# scripts/check-notes.sh on small trees of its own: it accepts citations of defined notes (also
# wrapped over two comment lines, also naming the defining file) and rejects a citation of an
# undefined note and one that names the wrong file.
set -euo pipefail
check="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/good/lib/a" "$tmp/good/docs"
cat > "$tmp/good/lib/a/defs.cpp" <<'SRC'
// Note [Two words]
// The text of the note.
int f();  // see Note [Two words]
SRC
cat > "$tmp/good/lib/a/uses.hpp" <<'SRC'
/// Cites the note across a line break (Note [Two
/// words] in lib/a/defs.cpp), and by file name only (Note [Two words] in defs.cpp).
SRC
printf 'A guide citing Note [Two words].\n' > "$tmp/good/docs/guide.md"
"$check" "$tmp/good" > "$tmp/out" || { cat "$tmp/out"; echo "FAIL: a tree whose citations resolve was rejected"; exit 1; }

cp -r "$tmp/good" "$tmp/bad"
printf '// a moved note (Note [Two words] in lib/b/other.cpp)\n// and a missing one: Note [Never written]\n' \
  > "$tmp/bad/lib/a/dangling.cpp"
if "$check" "$tmp/bad" > "$tmp/out" 2>/dev/null; then
  echo "FAIL: dangling citations were accepted"; exit 1
fi
grep -q 'lib/a/dangling.cpp:1: Note \[Two words\] is said to be in lib/b/other.cpp' "$tmp/out" || { cat "$tmp/out"; exit 1; }
grep -q 'lib/a/dangling.cpp:2: Note \[Never written\] is not defined anywhere' "$tmp/out" || { cat "$tmp/out"; exit 1; }
[ "$(wc -l < "$tmp/out")" -eq 2 ] || { cat "$tmp/out"; echo "FAIL: expected exactly two problems"; exit 1; }
echo "check-notes self-test passed"
