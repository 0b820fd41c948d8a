// xgrad — which symbols the shared library exports.
//
// Note [Symbol visibility]
// The library is compiled with -fvisibility=hidden -fvisibility-inlines-hidden (CMake's
// CXX_VISIBILITY_PRESET hidden and VISIBILITY_INLINES_HIDDEN, on the library and on the per-ISA
// kernel copies), so a symbol is private to libxgrad.so unless its declaration says otherwise.
// The rule: **everything declared in a public header (include/xgrad/) is exported; everything
// declared only in lib/ is not.** Each public header with declarations brackets them, after its
// #include lines, with
//
//   #include "xgrad/export.hpp"
//   XGRAD_API_BEGIN
//   namespace xg { ... }
//   XGRAD_API_END
//
// which is `#pragma GCC visibility push(default)` / `pop`. A declaration inside the bracket gets
// default visibility, and a definition in lib/ keeps the visibility of the declaration it
// defines. So exported are: the functions and classes of the public headers (with their vtables
// and typeinfo, which a program needs to subclass nn::Module, optim::Optimizer, data::DatasetImpl,
// train::Callback … and to catch xg::ValueError and its siblings thrown inside the library), and
// the library's instantiations of templates declared there (Tensor::item<float>, …). Not
// exported: xg::kernels (and its per-ISA copies xg::kernels::isa_*), the op, autograd and
// allocator internals of lib/, and the library's inline functions (a program compiles its own
// copy of those). Inline functions of the public headers must therefore not hold function-local
// statics whose identity matters (each side of the library boundary would have its own copy).
// An internal type that a public header names only through a pointer (TensorImpl,
// optim::detail::FlatParams) is forward-declared before the bracket, so that it stays hidden; the
// private implementation structs nested in exported classes (DataLoader::Impl, Module::Hooks …)
// are exported with their class, which is harmless (no header defines them).
//
// One exception to "the definition keeps the declaration's visibility": a function template at
// namespace scope (xg::tensor<T>, xg::from_vector<T>) takes the visibility of its definition, so
// when lib/ defines and instantiates one that a public header declares, the definition and the
// instantiations are bracketed as well (lib/ops/factory.cpp). Member templates follow their class.
//
// XGRAD_API marks one declaration, for the rare public declaration outside a bracket. A new
// public header needs the bracket; tests/consumer/check_exports.sh (the ctest "exports: …")
// checks the shared library's dynamic symbol table for the public API and for leaked internals.
// In a static build the marks change nothing: the linker sees every symbol of the archive.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define XGRAD_API __attribute__((visibility("default")))
#define XGRAD_API_BEGIN _Pragma("GCC visibility push(default)")
#define XGRAD_API_END _Pragma("GCC visibility pop")
#else
#define XGRAD_API
#define XGRAD_API_BEGIN
#define XGRAD_API_END
#endif
