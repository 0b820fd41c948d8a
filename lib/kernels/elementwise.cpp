// The one-input elementwise kernels: the rows of the unary op table (lib/ops/unary_ops.def) and
// the maps with parameters (pow by a Scalar, clamp, the parametric activations) or a bool result
// (logical_not, isnan, …). Compiled once per instruction set (Note [Kernels per instruction set]
// in kernels/isa.hpp); each functor and dtype instantiates one row function (kernels/strided_loops.hpp).
// GCC 12 reports its own AVX-512 intrinsics (_mm512_undefined_*) inside xsimd's exp/log as
// "(maybe) uninitialized" once inlined here: a known false positive, silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "kernels/isa_xsimd.hpp"  // first: see the header

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/elementwise.hpp"
#include "kernels/strided_loops.hpp"

namespace xg::kernels::XG_ISA_NS {

namespace {

// The unary table's functors: forward(x) for a scalar or an xsimd batch T. The trailing return
// type makes a row whose expression does not compile for batches drop to the scalar path instead
// of failing (Note [Vectorized elementwise functors] in kernels/strided_loops.hpp).
namespace unary_fn {
using std::cos;
using std::erf;
using std::exp;
using std::expm1;
using std::log;
using std::log1p;
using std::sin;
using std::sqrt;
using std::tanh;
using std::abs;
using xsimd::cos;
using xsimd::erf;
using xsimd::exp;
using xsimd::expm1;
using xsimd::log;
using xsimd::log1p;
using xsimd::sin;
using xsimd::sqrt;
using xsimd::tanh;
using xsimd::abs;
#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink)             \
  struct name##_fn {                                              \
    template <class T>                                            \
    auto operator()(T x) const -> decltype(static_cast<T>(fwd)) { \
      return static_cast<T>(fwd);                                 \
    }                                                             \
  };
#include "ops/unary_ops.def"
#undef XG_UNARY
}  // namespace unary_fn

/// f over float or double x into out of the same dtype.
template <class F>
void floating_map(Dtype dt, const F& f, const ConstView& x, const MutView& out) {
  if (dt == Dtype::Float32) map_views<float, float>(f, out, x);
  else map_views<double, double>(f, out, x);
}

// The parametric activations' functors take V, a scalar or an xsimd batch of S: one expression
// serves both. Their parameters arrive as double and are rounded to S as the op files did.
using std::erf;
using std::exp;
using std::expm1;
using std::log1p;
using std::tanh;
using std::abs;
using xsimd::erf;
using xsimd::exp;
using xsimd::expm1;
using xsimd::log1p;
using xsimd::tanh;
using xsimd::abs;
template <class V>
using S = scalar_of<V>;

// 1/√2 and √(2/π), the constants of the exact and the tanh-approximated GELU.
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluCubic = 0.044715;

struct LeakyReluKernel {
  double slope;
  template <class V>
  V operator()(V x) const {
    return select(x > V(0), x, V(static_cast<S<V>>(slope)) * x);
  }
};

struct EluKernel {
  double alpha;
  template <class V>
  V operator()(V x) const {
    return select(x > V(0), x, V(static_cast<S<V>>(alpha)) * expm1(x));
  }
};

/// celu(x) = x > 0 ? x : α(exp(x/α) − 1), scalar (as the op computed it before it was dispatched).
struct CeluKernel {
  double alpha;
  template <class T>
  requires std::is_floating_point_v<T> T operator()(T v) const {
    const T a = static_cast<T>(alpha);
    return v > T(0) ? v : a * std::expm1(v / a);
  }
};

struct GeluKernel {
  template <class V>
  V operator()(V x) const {
    return V(S<V>(0.5)) * x * (V(1) + erf(x * V(static_cast<S<V>>(kSqrt1_2))));
  }
};

struct GeluTanhKernel {
  template <class V>
  V operator()(V x) const {
    const V inner = V(static_cast<S<V>>(kSqrt2OverPi)) * (x + V(static_cast<S<V>>(kGeluCubic)) * x * x * x);
    return V(S<V>(0.5)) * x * (V(1) + tanh(inner));
  }
};

// log(1 + e^z) = max(z, 0) + log1p(e^-|z|): the exponential never overflows, and for very
// negative z the result is e^z to full relative precision (log1p of a tiny number).
struct SoftplusKernel {
  double beta, threshold;
  template <class V>
  V operator()(V x) const {
    const V b(static_cast<S<V>>(beta));
    const V z = b * x;
    const V pos = select(z > V(0), z, V(0));
    return select(z > V(static_cast<S<V>>(threshold)), x, (pos + log1p(exp(-abs(z)))) / b);
  }
};

struct HardtanhKernel {
  double lo, hi;
  template <class V>
  V operator()(V x) const {
    const V l(static_cast<S<V>>(lo)), h(static_cast<S<V>>(hi));
    return select(x < l, l, select(x > h, h, x));
  }
};

/// x·x on batches (pow with exponent 2).
struct SquareKernel {
  template <class V>
  V operator()(V x) const {
    return x * x;
  }
};

/// x^p for another exponent, in double. The exponents ±0.5 are sqrt and 1/sqrt, as in PyTorch: at
/// x = −0.0 they give −0.0 and −inf (std::pow gives +0.0 and +inf). (One loop with a predictable
/// branch rather than one more instantiation per dtype: build time.)
template <class T>
struct PowKernel {
  double p;
  T operator()(T x) const {
    const double v = static_cast<double>(x);
    return static_cast<T>(p == 0.5 ? std::sqrt(v) : p == -0.5 ? 1.0 / std::sqrt(v) : std::pow(v, p));
  }
};

template <class T>
struct ClampKernel {
  bool has_lo, has_hi;
  T lo, hi;
  template <class V>
  V operator()(V v) const {
    if (has_lo) v = select(v < V(lo), V(lo), v);
    if (has_hi) v = select(v > V(hi), V(hi), v);
    return v;
  }
};

/// pred(x) for a bool result; integers and bools are seen as double.
template <class T, class P>
struct ClassifyKernel {
  P pred;
  bool operator()(T v) const {
    if constexpr (std::is_floating_point_v<T>) return pred(v);
    else return pred(static_cast<double>(v));
  }
};

/// pred(x) into a bool tensor, over any dtype.
template <class P>
void classify(Dtype dt, const P& pred, const ConstView& x, const MutView& out) {
  switch (dt) {
    case Dtype::Float32:
      return map_views<bool, float>(ClassifyKernel<float, P>{pred}, out, x);
    case Dtype::Float64:
      return map_views<bool, double>(ClassifyKernel<double, P>{pred}, out, x);
    case Dtype::Int64:
      return map_views<bool, std::int64_t>(ClassifyKernel<std::int64_t, P>{pred}, out, x);
    case Dtype::Bool:
      return map_views<bool, bool>(ClassifyKernel<bool, P>{pred}, out, x);
  }
}

template <class T>
struct NotKernel {
  bool operator()(T v) const { return !static_cast<bool>(v); }
};

}  // namespace

void unary(UnaryOp op, Dtype dt, const ConstView& x, const MutView& out) {
  switch (op) {
#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink) \
  case UnaryOp::name:                                 \
    return floating_map(dt, unary_fn::name##_fn{}, x, out);
#include "ops/unary_ops.def"
#undef XG_UNARY
  }
}

void map(MapOp op, Dtype dt, const MapArgs& a, const ConstView& x, const MutView& out) {
  switch (op) {
    case MapOp::PowScalar:
      if (a.a == 2.0) {
        switch (dt) {
          case Dtype::Float32:
            return map_views<float, float>(SquareKernel{}, out, x);
          case Dtype::Float64:
            return map_views<double, double>(SquareKernel{}, out, x);
          default:
            return map_views<std::int64_t, std::int64_t>(SquareKernel{}, out, x);
        }
      }
      switch (dt) {
        case Dtype::Float32:
          return map_views<float, float>(PowKernel<float>{a.a}, out, x);
        case Dtype::Float64:
          return map_views<double, double>(PowKernel<double>{a.a}, out, x);
        default:
          return map_views<std::int64_t, std::int64_t>(PowKernel<std::int64_t>{a.a}, out, x);
      }
    case MapOp::Clamp:
      switch (dt) {
        case Dtype::Float32:
          return map_views<float, float>(
              ClampKernel<float>{a.has_lo, a.has_hi, static_cast<float>(a.a), static_cast<float>(a.b)}, out, x);
        case Dtype::Float64:
          return map_views<double, double>(ClampKernel<double>{a.has_lo, a.has_hi, a.a, a.b}, out, x);
        default:
          return map_views<std::int64_t, std::int64_t>(ClampKernel<std::int64_t>{a.has_lo, a.has_hi, a.ia, a.ib}, out,
                                                       x);
      }
    case MapOp::LeakyRelu:
      return floating_map(dt, LeakyReluKernel{a.a}, x, out);
    case MapOp::Elu:
      return floating_map(dt, EluKernel{a.a}, x, out);
    case MapOp::Celu:
      return floating_map(dt, CeluKernel{a.a}, x, out);
    case MapOp::Gelu:
      return floating_map(dt, GeluKernel{}, x, out);
    case MapOp::GeluTanh:
      return floating_map(dt, GeluTanhKernel{}, x, out);
    case MapOp::Softplus:
      return floating_map(dt, SoftplusKernel{a.a, a.b}, x, out);
    case MapOp::Hardtanh:
      return floating_map(dt, HardtanhKernel{a.a, a.b}, x, out);
    case MapOp::LogicalNot:
      switch (dt) {
        case Dtype::Float32:
          return map_views<bool, float>(NotKernel<float>{}, out, x);
        case Dtype::Float64:
          return map_views<bool, double>(NotKernel<double>{}, out, x);
        case Dtype::Int64:
          return map_views<bool, std::int64_t>(NotKernel<std::int64_t>{}, out, x);
        case Dtype::Bool:
          return map_views<bool, bool>(NotKernel<bool>{}, out, x);
      }
      return;
    case MapOp::IsNan:
      return classify(
          dt, [](auto v) { return std::isnan(v); }, x, out);
    case MapOp::IsInf:
      return classify(
          dt, [](auto v) { return std::isinf(v); }, x, out);
    case MapOp::IsFinite:
      return classify(
          dt, [](auto v) { return std::isfinite(v); }, x, out);
  }
}

}  // namespace xg::kernels::XG_ISA_NS
