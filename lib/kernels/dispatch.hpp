// Internal: turns a runtime dtype into a template call, `dispatch_floating(dt, "op", [&]<class T>() {...})`.
#pragma once
#include <cstdint>

#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"

namespace xg::kernels {

template <class F>
decltype(auto) dispatch_all(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: return f.template operator()<std::int64_t>();
    case Dtype::Bool: return f.template operator()<bool>();
  }
  throw DtypeError(detail::concat(op, ": unknown dtype"));
}

template <class F>
decltype(auto) dispatch_floating(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    default: break;
  }
  throw DtypeError(detail::concat(op, ": expected a floating-point tensor (float32 or float64), got ", d));
}

/// Numeric types: float, double, int64 (no bool arithmetic).
template <class F>
decltype(auto) dispatch_numeric(Dtype d, const char* op, F&& f) {
  switch (d) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: return f.template operator()<std::int64_t>();
    default: break;
  }
  throw DtypeError(detail::concat(op, ": expected a numeric tensor, got ", d));
}

}  // namespace xg::kernels
