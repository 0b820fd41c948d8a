#!/usr/bin/env bash
# Usage: check_isa_symbols.sh ISA OBJECT...
# Fails when an object file of the kernels compiled for ISA defines a global or weak symbol outside
# that copy's namespace xg::kernels::isa_ISA (Note [Kernels per instruction set] in
# lib/kernels/isa.hpp): the linker could keep such a copy for callers on every processor.
# DW.ref.__gxx_personality_v0 is a pointer to the C++ runtime's unwinding routine, data shared by
# every object file, not code.
set -euo pipefail
isa=$1
shift
[ $# -gt 0 ] || { echo "check_isa_symbols: no object files given for $isa" >&2; exit 2; }
bad=$(for o in "$@"; do
        nm -C --defined-only "$o" | awk '$2 ~ /^[A-Z]$/ { $1 = ""; print }' | grep -v "xg::kernels::isa_${isa}::" |
          grep -v "DW.ref.__gxx_personality_v0" | sed "s|^|$(basename "$o"): |" || true
      done)
if [ -n "$bad" ]; then
  echo "kernels compiled for $isa define symbols outside xg::kernels::isa_${isa}:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "kernels for $isa: every defined symbol of $# object files is in xg::kernels::isa_${isa}"
