#!/usr/bin/env bash
# Fails when a translation unit took longer to compile than the budget, so that compile time
# cannot silently grow back (docs/performance.md, "Build time"). Reads the build's .ninja_log
# (the newest entry of each object file) and prints the slowest units.
#   scripts/check-build-times.sh [BUILD_DIR] [BUDGET_SECONDS]   defaults: build 60
# Objects that came from ccache take milliseconds; the check bites on a cold build, as on a
# fresh machine. Times are wall clock, so run it on a build with at most one job per core.
set -euo pipefail
build=${1:-build}
budget=${2:-60}
log="$build/.ninja_log"
[[ -f "$log" ]] || { echo "check-build-times: no $log (build with Ninja first)" >&2; exit 2; }
status=0
awk -v budget="$budget" '
  /^#/ { next }
  $4 ~ /\.o$/ { t[$4] = ($2 - $1) / 1000.0 }
  END {
    n = 0; over = 0
    for (o in t) { n++; if (t[o] > budget) { over++; printf "check-build-times: %s took %.1f s (budget %d s)\n", o, t[o], budget } }
    printf "check-build-times: %d objects, %d over the %d s budget\n", n, over, budget
    exit over > 0
  }' "$log" || status=1
echo "slowest units (s):"
awk '/^#/ { next } $4 ~ /\.o$/ { t[$4] = ($2 - $1) / 1000.0 } END { for (o in t) printf "%8.1f  %s\n", t[o], o }' "$log" |
  sort -rn | sed -n 1,5p
exit "$status"
