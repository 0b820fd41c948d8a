#!/usr/bin/env bash
# Usage: check_isa_symbols.sh ISA OBJECT...
# Fails when an object file of the kernels compiled for ISA defines a global or weak symbol outside
# that copy's namespace xg::kernels::isa_ISA (Note [Kernels per instruction set] in
# lib/kernels/isa.hpp): the linker could keep such a copy for callers on every processor.
# Two kinds are the copy's own all the same:
# - xsimd's functions instantiated for the copy's xsimd instruction set (exp<…, xsimd::avx512bw>
#   when not inlined): a symbol naming that set and no other copy's set comes from this copy only;
# - xsimd's plain inline functions renamed per copy by lib/kernels/isa_xsimd.hpp
#   (xsimd::detail::isa_ISA_…).
# DW.ref.__gxx_personality_v0 is a pointer to the C++ runtime's unwinding routine, data shared by
# every object file, not code.
set -euo pipefail
isa=$1
shift
[ $# -gt 0 ] || { echo "check_isa_symbols: no object files given for $isa" >&2; exit 2; }
declare -A arch=([sse4]='xsimd::sse4_2' [avx2]='xsimd::avx2\b' [avx512]='xsimd::avx512bw' [generic]='^$')
own=${arch[$isa]:-'^$'}
others=$(for k in "${!arch[@]}"; do [ "$k" = "$isa" ] || [ "$k" = generic ] || printf '%s|' "${arch[$k]}"; done)
others=${others%|}
bad=$(for o in "$@"; do
        nm -C --defined-only "$o" | awk '$2 ~ /^[A-Z]$/ { $1 = ""; print }' | grep -v "xg::kernels::isa_${isa}::" |
          grep -v "DW.ref.__gxx_personality_v0" | grep -v "xsimd::detail::isa_${isa}_" |
          { if [ -n "$others" ]; then grep -Pv "^(?!.*(${others})).*(${own})"; else cat; fi; } |
          sed "s|^|$(basename "$o"): |" || true
      done)
if [ -n "$bad" ]; then
  echo "kernels compiled for $isa define symbols outside xg::kernels::isa_${isa}:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "kernels for $isa: every defined symbol of $# object files is in xg::kernels::isa_${isa}"
