// Internal: the elementwise kernels (unary table, activations, binary arithmetic, comparisons,
// where, copies and casts) on raw strided views, compiled once per instruction set
// (lib/kernels/elementwise.cpp, elementwise_binary.cpp) and chosen at run time (Note [Kernels per
// instruction set] in kernels/isa.hpp). An op file checks shapes and dtypes, allocates the
// result, calls one of these functions and records its node; the kernel sees no TensorImpl.
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"
#include "xgrad/dtype.hpp"

namespace xg::kernels {

/// A tensor's elements as a kernel sees them: the address of element 0, the shape of the loop and
/// the strides in elements over that shape (0 along the dims an input is broadcast over), and the
/// element count (the product of the shape). The arrays belong to the caller and outlive the call.
template <class P>
struct BasicView {
  P data = nullptr;
  int ndim = 0;
  const std::int64_t* shape = nullptr;
  const std::int64_t* strides = nullptr;
  std::int64_t numel = 0;
};
using ConstView = BasicView<const void*>;
using MutView = BasicView<void*>;

/// The rows of lib/ops/unary_ops.def, in order (Note [The unary op table] in lib/ops/unary.cpp).
enum class UnaryOp : int {
#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink) name,
#include "ops/unary_ops.def"
#undef XG_UNARY
};

/// The one-input maps that take parameters, or whose result is a bool tensor.
enum class MapOp : int {
  PowScalar,   // x^a (a = 2: x·x; a = ±0.5: sqrt and 1/sqrt, as PyTorch); float, double, int64
  Clamp,       // min(max(x, lo), hi), lo when has_lo, hi when has_hi; float, double, int64
  LeakyRelu,   // x > 0 ? x : a·x
  Elu,         // x > 0 ? x : a·(eˣ − 1)
  Celu,        // x > 0 ? x : a·(e^(x/a) − 1)
  Gelu,        // x·Φ(x), exact
  GeluTanh,    // the tanh approximation of x·Φ(x)
  Softplus,    // log(1 + e^(a·x)) / a, x where a·x > b
  Hardtanh,    // min(max(x, a), b)
  LogicalNot,  // !x, any dtype → bool
  IsNan,       // any dtype → bool
  IsInf,
  IsFinite,
};

/// Parameters of a MapOp: the floating ones as double, the integer clamp bounds as int64.
struct MapArgs {
  double a = 0, b = 0;
  std::int64_t ia = 0, ib = 0;
  bool has_lo = false, has_hi = false;
};

/// The two-input ops: arithmetic on the compute dtype, comparisons and logic to bool.
enum class BinaryOp : int {
  Add,  // a + alpha·b
  Sub,  // a − alpha·b
  Mul,
  Div,
  Pow,
  Minimum,  // NaN propagates
  Maximum,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,  // any dtype → bool
  LogicalAnd,
  LogicalOr,
  LogicalXor,  // bool × bool → bool
};

/// alpha of Add and Sub, as double (floating dtypes) and as int64 (int64).
struct BinaryArgs {
  double alpha = 1;
  std::int64_t ialpha = 1;
};

// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace (Note [Kernels per instruction set] in kernels/isa.hpp). Every input view has the
// output's shape (broadcast strides); the output is any strided view (copy) or a fresh contiguous
// tensor (the others). The element type of a view is `dt`, or bool where the op says so.
// unary: out = op(x) for a row of the unary table, float or double.
// map: out = op(x; args) (MapOp).
// binary: out = op(a, b; args) computed in `dt`, the result in dt (arithmetic) or bool.
// where: out = cond ? a : b, cond bool, a, b and out of dtype dt.
// copy: dst = src converted from src_dt to dst_dt.
#define XG_ELEMENTWISE_FUNCTIONS                                                                           \
  void unary(UnaryOp op, Dtype dt, const ConstView& x, const MutView& out);                                \
  void map(MapOp op, Dtype dt, const MapArgs& args, const ConstView& x, const MutView& out);               \
  void binary(BinaryOp op, Dtype dt, const BinaryArgs& args, const ConstView& a, const ConstView& b,       \
              const MutView& out);                                                                         \
  void where(Dtype dt, const ConstView& cond, const ConstView& a, const ConstView& b, const MutView& out); \
  void copy(Dtype src_dt, Dtype dst_dt, const ConstView& src, const MutView& dst);

XG_ELEMENTWISE_FUNCTIONS

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_ELEMENTWISE_FUNCTIONS)
