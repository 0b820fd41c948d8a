#!/usr/bin/env bash
# Runs clang-tidy (the checks of .clang-tidy) over the library's sources with the compile commands
# of a configured build, one file per job, and fails when any check reports.
#   scripts/check-tidy.sh [build-dir] [jobs]      # defaults: build, nproc
# The build directory needs compile_commands.json (CMake writes it) and its precompiled headers
# are not used: clang-tidy parses every file from scratch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
jobs=${2:-$(nproc)}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[[ -n "$tidy" ]] || { echo "check-tidy: clang-tidy not found (apt-get install clang-tidy-14)" >&2; exit 2; }
[[ -f "$build/compile_commands.json" ]] || { echo "check-tidy: no $build/compile_commands.json (configure first)" >&2; exit 2; }

# GCC's precompiled-header flags mean nothing to clang: a copy of the database without them.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    cmd = e["command"]
    cmd = re.sub(r"-include\s+\S*cmake_pch\S*", "", cmd)
    cmd = re.sub(r"-Winvalid-pch|-fpch-preprocess", "", cmd)
    e["command"] = cmd
json.dump(entries, open(sys.argv[2], "w"))
PY

# clang 14 cannot compile two files GCC accepts: kernels/isa.cpp (GCC's names of CPU features in
# __builtin_cpu_supports) and ops/index.cpp (lambdas capturing structured bindings, C++20 P1091).
mapfile -t files < <(cd "$root" && ls lib/*/*.cpp | grep -v -e '^lib/kernels/isa\.cpp$' -e '^lib/ops/index\.cpp$')
echo "check-tidy: ${#files[@]} files, $jobs jobs ($tidy)"
start=$(date +%s)
status=0
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c \
  '"$0" -p "$1" --quiet "$2/{}" 2>/dev/null | grep -E "warning:|error:" -A3 || true' "$tidy" "$db" "$root" > "$db/out.txt"
if grep -qE "warning:|error:" "$db/out.txt"; then
  cat "$db/out.txt"
  echo "check-tidy: $(grep -cE 'warning:|error:' "$db/out.txt") findings" >&2
  status=1
fi
echo "check-tidy: $(( $(date +%s) - start )) s"
exit $status
