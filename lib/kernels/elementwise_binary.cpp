// The two- and three-input elementwise kernels: binary arithmetic, comparisons and logic, where,
// and the strided copy with type conversion. Compiled once per instruction set (Note [Kernels per
// instruction set] in kernels/isa.hpp); each functor and dtype instantiates one row function
// (kernels/strided_loops.hpp), and each op only the dtypes it accepts (Note [One instantiation
// per dtype] in core/dispatch.hpp).
#include "kernels/isa_xsimd.hpp"  // first: see the header

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/elementwise.hpp"
#include "kernels/isa_xsimd.hpp"
#include "kernels/strided_loops.hpp"

namespace xg::kernels::XG_ISA_NS {

namespace {

using i64 = std::int64_t;

/// alpha of add / sub as T: the integer form for int64, the double rounded to T otherwise.
template <class T>
T alpha_as(const BinaryArgs& a) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(a.ialpha);
  else return static_cast<T>(a.alpha);
}

template <class T>
struct AddFn {
  T al;
  auto operator()(auto x, auto y) const { return x + al * y; }
};
template <class T>
struct SubFn {
  T al;
  auto operator()(auto x, auto y) const { return x - al * y; }
};
struct MulFn {
  auto operator()(auto x, auto y) const { return x * y; }
};
struct AndFn {
  bool operator()(bool x, bool y) const { return x && y; }
};
struct DivFn {
  auto operator()(auto x, auto y) const { return x / y; }
};
template <class T>
struct PowFn {
  T operator()(T x, T y) const {
    if constexpr (std::is_integral_v<T>) {
      T r = 1;
      for (T k = 0; k < y; ++k) r *= x;
      return r;
    } else {
      return std::pow(x, y);
    }
  }
};
struct MinimumFn {  // NaN propagates
  auto operator()(auto x, auto y) const { return select(x != x, x, select(y < x, y, x)); }
};
struct MaximumFn {
  auto operator()(auto x, auto y) const { return select(x != x, x, select(y > x, y, x)); }
};
template <class T>
struct EqFn {
  bool operator()(T x, T y) const { return x == y; }
};
template <class T>
struct NeFn {
  bool operator()(T x, T y) const { return x != y; }
};
template <class T>
struct LtFn {
  bool operator()(T x, T y) const { return x < y; }
};
template <class T>
struct LeFn {
  bool operator()(T x, T y) const { return x <= y; }
};
template <class T>
struct GtFn {
  bool operator()(T x, T y) const { return x > y; }
};
template <class T>
struct GeFn {
  bool operator()(T x, T y) const { return x >= y; }
};
struct OrFn {
  bool operator()(bool x, bool y) const { return x || y; }
};
struct XorFn {
  bool operator()(bool x, bool y) const { return x != y; }
};

template <class T>
struct WhereFn {
  T operator()(bool c, T x, T y) const { return c ? x : y; }
};

template <class D, class S>
struct CastFn {
  D operator()(S v) const { return static_cast<D>(v); }
};

/// f(a, b) with a, b and out of type T.
template <class T, class F>
void same(const F& f, const ConstView& a, const ConstView& b, const MutView& out) {
  map_views<T, T, T>(f, out, a, b);
}

/// f(a, b) with a, b of type T into a bool result.
template <class T, class F>
void to_bool(const F& f, const ConstView& a, const ConstView& b, const MutView& out) {
  map_views<bool, T, T>(f, out, a, b);
}

/// A comparison over any dtype.
template <template <class> class F>
void compare(Dtype dt, const ConstView& a, const ConstView& b, const MutView& out) {
  switch (dt) {
    case Dtype::Float32:
      return to_bool<float>(F<float>{}, a, b, out);
    case Dtype::Float64:
      return to_bool<double>(F<double>{}, a, b, out);
    case Dtype::Int64:
      return to_bool<i64>(F<i64>{}, a, b, out);
    case Dtype::Bool:
      return to_bool<bool>(F<bool>{}, a, b, out);
  }
}

/// An arithmetic op over float, double and int64 (F<T> built by make).
template <class Make>
void numeric(Dtype dt, const Make& make, const ConstView& a, const ConstView& b, const MutView& out) {
  switch (dt) {
    case Dtype::Float32:
      return same<float>(make.template operator()<float>(), a, b, out);
    case Dtype::Float64:
      return same<double>(make.template operator()<double>(), a, b, out);
    default:
      return same<i64>(make.template operator()<i64>(), a, b, out);
  }
}

/// The copy stays on the calling thread, as it always has: fill_, to() and contiguous() also run
/// in processes forked from a threaded parent (a save loop in a child, say), where a TBB parallel
/// loop would wait for workers that the fork did not copy.
template <class S>
void copy_from(Dtype dst_dt, const ConstView& src, const MutView& dst) {
  switch (dst_dt) {
    case Dtype::Float32:
      return map_views_on<float, S>(false, CastFn<float, S>{}, dst, src);
    case Dtype::Float64:
      return map_views_on<double, S>(false, CastFn<double, S>{}, dst, src);
    case Dtype::Int64:
      return map_views_on<i64, S>(false, CastFn<i64, S>{}, dst, src);
    case Dtype::Bool:
      return map_views_on<bool, S>(false, CastFn<bool, S>{}, dst, src);
  }
}

}  // namespace

void binary(BinaryOp op, Dtype dt, const BinaryArgs& args, const ConstView& a, const ConstView& b, const MutView& out) {
  switch (op) {
    case BinaryOp::Add:
      return numeric(
          dt, [&]<class T>() { return AddFn<T>{alpha_as<T>(args)}; }, a, b, out);
    case BinaryOp::Sub:
      return numeric(
          dt, [&]<class T>() { return SubFn<T>{alpha_as<T>(args)}; }, a, b, out);
    case BinaryOp::Mul:
      if (dt == Dtype::Bool) return map_views<bool, bool, bool>(AndFn{}, out, a, b);
      return numeric(
          dt, []<class T>() { return MulFn{}; }, a, b, out);
    case BinaryOp::Div:
      if (dt == Dtype::Float32) return same<float>(DivFn{}, a, b, out);
      return same<double>(DivFn{}, a, b, out);
    case BinaryOp::Pow:
      return numeric(
          dt, []<class T>() { return PowFn<T>{}; }, a, b, out);
    case BinaryOp::Minimum:
      if (dt == Dtype::Bool) return same<bool>(MinimumFn{}, a, b, out);
      return numeric(
          dt, []<class T>() { return MinimumFn{}; }, a, b, out);
    case BinaryOp::Maximum:
      if (dt == Dtype::Bool) return same<bool>(MaximumFn{}, a, b, out);
      return numeric(
          dt, []<class T>() { return MaximumFn{}; }, a, b, out);
    case BinaryOp::Eq:
      return compare<EqFn>(dt, a, b, out);
    case BinaryOp::Ne:
      return compare<NeFn>(dt, a, b, out);
    case BinaryOp::Lt:
      return compare<LtFn>(dt, a, b, out);
    case BinaryOp::Le:
      return compare<LeFn>(dt, a, b, out);
    case BinaryOp::Gt:
      return compare<GtFn>(dt, a, b, out);
    case BinaryOp::Ge:
      return compare<GeFn>(dt, a, b, out);
    case BinaryOp::LogicalAnd:
      return map_views<bool, bool, bool>(AndFn{}, out, a, b);
    case BinaryOp::LogicalOr:
      return map_views<bool, bool, bool>(OrFn{}, out, a, b);
    case BinaryOp::LogicalXor:
      return map_views<bool, bool, bool>(XorFn{}, out, a, b);
  }
}

void where(Dtype dt, const ConstView& cond, const ConstView& a, const ConstView& b, const MutView& out) {
  switch (dt) {
    case Dtype::Float32:
      return map_views<float, bool, float, float>(WhereFn<float>{}, out, cond, a, b);
    case Dtype::Float64:
      return map_views<double, bool, double, double>(WhereFn<double>{}, out, cond, a, b);
    case Dtype::Int64:
      return map_views<i64, bool, i64, i64>(WhereFn<i64>{}, out, cond, a, b);
    case Dtype::Bool:
      return map_views<bool, bool, bool, bool>(WhereFn<bool>{}, out, cond, a, b);
  }
}

void copy(Dtype src_dt, Dtype dst_dt, const ConstView& src, const MutView& dst) {
  switch (src_dt) {
    case Dtype::Float32:
      return copy_from<float>(dst_dt, src, dst);
    case Dtype::Float64:
      return copy_from<double>(dst_dt, src, dst);
    case Dtype::Int64:
      return copy_from<i64>(dst_dt, src, dst);
    case Dtype::Bool:
      return copy_from<bool>(dst_dt, src, dst);
  }
}

}  // namespace xg::kernels::XG_ISA_NS
