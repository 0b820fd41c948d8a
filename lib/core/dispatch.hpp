// Internal: turns a runtime dtype into a template call, `dispatch_floating(dt, "op", [&]<class T>() {...})`.
#pragma once
#include <cstdint>

#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"

namespace xg::kernels {

// Note [One instantiation per dtype]
// Each dispatch_* call instantiates its lambda once per dtype it lists, and everything the lambda
// calls with that type. Nesting dispatches multiplies: a dispatch over the result dtype inside a
// dispatch over the compute dtype inside an op's own dispatch instantiated the elementwise loops
// 4 × 4 × 3 times per op, almost all of them for type pairs no op ever runs, and made one file
// take minutes to compile. So an op dispatches exactly once, and the helpers below that call take
// the C++ types as template arguments (e.g. binary_kernel<T, R> in lib/ops/binary_kernel.hpp).

template <class F>
decltype(auto) dispatch_all(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Int64:
      return f.template operator()<std::int64_t>();
    case Dtype::Bool:
      return f.template operator()<bool>();
  }
  throw DtypeError(detail::concat(op, ": unknown dtype"));
}

template <class F>
decltype(auto) dispatch_floating(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    default:
      break;
  }
  throw DtypeError(detail::concat(op, ": expected a floating-point tensor (float32 or float64), got ", d));
}

/// Numeric types: float, double, int64 (no bool arithmetic).
template <class F>
decltype(auto) dispatch_numeric(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Int64:
      return f.template operator()<std::int64_t>();
    default:
      break;
  }
  throw DtypeError(detail::concat(op, ": expected a numeric tensor, got ", d));
}

}  // namespace xg::kernels
