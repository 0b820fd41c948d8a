// Internal: the reduction and softmax kernels on raw contiguous buffers, compiled once per
// instruction set (lib/kernels/reductions.cpp; Note [Kernels per instruction set] in
// kernels/isa.hpp) and deterministic across thread counts (Note [Deterministic reductions] in
// kernels/reduce.hpp). lib/ops/reduce.cpp plans the reduction (which dims, a transposed copy or
// not), checks dtypes and records the nodes.
//
// Two layouts: rows, `outer` contiguous rows of n elements, each reduced to one output; and
// columns, a contiguous [outer, n, inner] block whose middle dim is reduced, to [outer, inner]
// (no transposed copy). The element type of src is `dt`; of the result, as each function says.
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"
#include "xgrad/dtype.hpp"

namespace xg::kernels {

// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace.
// simd_width: the SIMD batch width of dt (float or double) on this instruction set.
// sum_rows / sum_columns: Σ; the result is dt for float and double, int64 for int64 and bool.
// var_rows / var_columns (float, double): Σ (x − mean)² / dof, or its square root when take_sqrt
//   (two passes: the means, then the squared deviations, in double).
// prod_rows: ∏, the result typed as for sum.
// extreme_rows: the maximum (max) or minimum of each row, NaN propagating, any dtype.
// arg_extreme_rows: the first maximum or minimum of each row and its index (values or indices may
//   be null), a NaN counting as the extreme, any dtype.
// extreme_columns (float, double, columns with n <= 2^digits): as arg_extreme_rows.
// logsumexp_rows / logsumexp_columns (float, double): log Σ exp, by the maximum.
// norm_rows (float, double): the vector p-norm of each row (p = ±inf, 0, 1, 2 or any).
// softmax (float, double): softmax (log_softmax when log) along the middle dim of a contiguous
//   [outer, n, inner] block.
#define XG_REDUCTION_FUNCTIONS                                                                                         \
  std::int64_t simd_width(Dtype dt);                                                                                   \
  void sum_rows(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n);                             \
  void sum_columns(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n, std::int64_t inner);      \
  void var_rows(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n, double dof, bool take_sqrt); \
  void var_columns(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n, std::int64_t inner,       \
                   double dof, bool take_sqrt);                                                                        \
  void prod_rows(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n);                            \
  void extreme_rows(bool max, Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n);               \
  void arg_extreme_rows(bool max, Dtype dt, const void* src, void* values, std::int64_t* indices, std::int64_t outer,  \
                        std::int64_t n);                                                                               \
  void extreme_columns(bool max, Dtype dt, const void* src, void* values, std::int64_t* indices, std::int64_t outer,   \
                       std::int64_t n, std::int64_t inner);                                                            \
  void logsumexp_rows(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n);                       \
  void logsumexp_columns(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n,                     \
                         std::int64_t inner);                                                                          \
  void norm_rows(Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n, double p);                  \
  void softmax(bool log, Dtype dt, const void* src, void* dst, std::int64_t outer, std::int64_t n, std::int64_t inner);

XG_REDUCTION_FUNCTIONS

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_REDUCTION_FUNCTIONS)
