#!/usr/bin/env bash
# Usage: check_exports.sh BUILD_DIR LIBRARY
# Checks the dynamic symbol table of the shared library (Note [Symbol visibility] in
# include/xgrad/export.hpp): the public API is exported (Tensor members, ops, nn::Linear, the
# vtables and typeinfo a program needs to subclass Module, Optimizer, DatasetImpl and Callback and
# to catch the error types), lib/ internals are not (xg::kernels, the per-ISA copies isa_*), and
# the SONAME is libxgrad.so.<major>. Then it builds tests/consumer/main.cpp against that library and runs it: an
# error thrown inside the library is caught in the program, and a Module subclassed in the program
# is called and differentiated by the library.
# LIBRARY is libxgrad.so (a -DBUILD_SHARED_LIBS=ON build) or libxgrad.a (a static build): from the
# archive it links a scratch shared library, which has the same dynamic symbol table since both
# libraries are made of the same objects (Note [One set of objects, two libraries] in CMakeLists.txt),
# so the default static build checks the exports too.
set -euo pipefail
build_dir="$(cd "$1" && pwd)"
lib=$2
src_dir="$(cd "$(dirname "$0")" && pwd)"
work="$build_dir/exports-test"
rm -rf "$work" && mkdir -p "$work"
# The private dependencies (TBB, zlib, HDF5, MPI) as the build's xgrad.pc lists them.
private_libs=$(sed -n 's/^Libs.private: //p' "$build_dir/xgrad.pc")
major=$(sed -n 's/^#define XGRAD_VERSION_MAJOR \([0-9]*\).*/\1/p' "$src_dir/../../include/xgrad/version.hpp")

case "$lib" in
  *.a)
    so="$work/libxgrad.so"
    # shellcheck disable=SC2086
    c++ -shared -o "$so" -Wl,--whole-archive "$lib" -Wl,--no-whole-archive $private_libs -Wl,--no-undefined
    ;;
  *)
    so="$lib"
    soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$soname" = "libxgrad.so.$major" ] || { echo "exports: SONAME is '$soname', expected libxgrad.so.$major"; exit 1; }
    echo "exports: SONAME $soname"
    ;;
esac

nm -D --defined-only "$so" >"$work/mangled.txt"
nm -D -C --defined-only "$so" >"$work/demangled.txt"
echo "exports: $(wc -l <"$work/demangled.txt") dynamic symbols defined by $(basename "$so")"
fail=0
need() {  # need TEXT WHAT: a demangled exported symbol contains TEXT
  grep -qF -- "$1" "$work/demangled.txt" || { echo "exports: missing $2 ($1)"; fail=1; }
}
need "xg::Tensor::backward(" "a Tensor member"
need "xg::Tensor::sizes() const" "a Tensor member"
need "xg::matmul(xg::Tensor const&, xg::Tensor const&)" "an op"
need "xg::nn::LinearImpl::LinearImpl(" "nn::Linear's constructor"
need "vtable for xg::nn::LinearImpl" "nn::Linear's vtable"
need "vtable for xg::nn::Module" "Module's vtable (to subclass it)"
need "typeinfo for xg::nn::Module" "Module's typeinfo"
need "vtable for xg::optim::Optimizer" "Optimizer's vtable (to subclass it)"
need "typeinfo for xg::optim::Optimizer" "Optimizer's typeinfo"
need "vtable for xg::data::DatasetImpl" "DatasetImpl's vtable (to write a dataset)"
need "vtable for xg::train::Callback" "Callback's vtable (to write a callback)"
need "typeinfo for xg::Error" "the base error's typeinfo (to catch it)"
need "typeinfo for xg::ShapeError" "an error's typeinfo (to catch it)"
need "typeinfo for xg::ValueError" "an error's typeinfo (to catch it)"
need "xg::version()" "xg::version"
need "xg::Tensor xg::tensor<float>(std::vector<float" "a function template the library instantiates"
need "xg::Tensor xg::from_vector<long>(std::vector<long" "a function template the library instantiates"
leaks=$( (grep -F "xg::kernels::" "$work/demangled.txt"; grep -F "isa_" "$work/mangled.txt") | head -20 || true)
if [ -n "$leaks" ]; then
  echo "exports: internal symbols are exported:"
  echo "$leaks"
  fail=1
fi
[ $fail = 0 ] || exit 1
echo "exports: the public API is exported; no xg::kernels or isa_ symbol is"

# A program built against the shared library: throws and catches across it, subclasses Module.
c++ -std=c++20 -O1 "$src_dir/main.cpp" -o "$work/consumer" -I"$src_dir/../../include" \
  -L"$(dirname "$so")" -Wl,-rpath,"$(dirname "$so")" -lxgrad
grep -q "Shared library: \[libxgrad\.so" <(readelf -d "$work/consumer") ||
  { echo "exports: the consumer does not link the shared library"; exit 1; }
"$work/consumer"
