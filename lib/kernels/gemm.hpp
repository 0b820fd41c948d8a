// Internal: matrix products on raw pointers, C = alpha·A·B + beta·C, for float and double.
// Operands are described by a base pointer and a row / column stride in elements, so a transposed
// view is passed as it is (swap the strides): transposes are absorbed by the packing, never
// materialized. The implementation is a cache-blocked, operand-packing GEMM with a SIMD
// register-tile micro-kernel (see Note [GEMM blocking] in gemm.cpp).
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"

namespace xg::kernels {

/// A strided matrix operand: element (r, c) is at data[r * rs + c * cs].
template <class T>
struct MatrixRef {
  const T* data;
  std::int64_t rs;
  std::int64_t cs;
};

/// A strided output matrix: element (r, c) is at data[r * rs + c * cs].
template <class T>
struct OutMatrixRef {
  T* data;
  std::int64_t rs;
  std::int64_t cs;
};

/// A micro-kernel's register tile (gemm_tile below).
struct GemmTile {
  int mr;
  int nr;
};
// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace (Note [Kernels per instruction set] in kernels/isa.hpp).
//
// gemm: C[m, n] = alpha · A[m, k] · B[k, n] + beta · C. With beta == 0, C is not read (it may hold
//   garbage); with k == 0, C = beta · C. `parallel` allows TBB threads above a size threshold.
//   Deterministic: each C element is summed in an order that depends only on k (never on the
//   thread count), see Note [GEMM determinism] in gemm.cpp. The short form computes
//   C[m, n] = A[m, k] · B[k, n], overwriting C (rows of C are ldc elements apart, columns adjacent).
// gemm_batched: C[p] = alpha · A[p] · B[p] + beta · C[p] for p < batch; the p-th operands start
//   batch strides apart (a stride of 0 broadcasts one operand over the batch). Small products run
//   in parallel over the batch, large ones one after another with a parallel GEMM each.
// dot: Σ_i x[i·sx] y[i·sy], summed in a fixed order.
// gemm_tile: the register tile of the micro-kernel for T: C is computed in MR × NR blocks.
#define XG_GEMM_FUNCTIONS                                                                                             \
  template <class T>                                                                                                  \
  void gemm(std::int64_t m, std::int64_t n, std::int64_t k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta,          \
            OutMatrixRef<T> c, bool parallel = true);                                                                 \
  template <class T>                                                                                                  \
  void gemm(std::int64_t m, std::int64_t n, std::int64_t k, MatrixRef<T> a, MatrixRef<T> b, T* c, std::int64_t ldc) { \
    gemm<T>(m, n, k, T(1), a, b, T(0), OutMatrixRef<T>{c, ldc, 1});                                                   \
  }                                                                                                                   \
  template <class T>                                                                                                  \
  void gemm_batched(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, MatrixRef<T> a,      \
                    std::int64_t a_bs, MatrixRef<T> b, std::int64_t b_bs, T beta, OutMatrixRef<T> c,                  \
                    std::int64_t c_bs, bool parallel = true);                                                         \
  template <class T>                                                                                                  \
  T dot(std::int64_t n, const T* x, std::int64_t sx, const T* y, std::int64_t sy);                                    \
  template <class T>                                                                                                  \
  GemmTile gemm_tile();

XG_GEMM_FUNCTIONS

#define XG_GEMM_EXTERN(T)                                                                                          \
  extern template void gemm<T>(std::int64_t, std::int64_t, std::int64_t, T, MatrixRef<T>, MatrixRef<T>, T,         \
                               OutMatrixRef<T>, bool);                                                             \
  extern template void gemm_batched<T>(std::int64_t, std::int64_t, std::int64_t, std::int64_t, T, MatrixRef<T>,    \
                                       std::int64_t, MatrixRef<T>, std::int64_t, T, OutMatrixRef<T>, std::int64_t, \
                                       bool);                                                                      \
  extern template T dot<T>(std::int64_t, const T*, std::int64_t, const T*, std::int64_t);                          \
  extern template GemmTile gemm_tile<T>();
XG_GEMM_EXTERN(float)
XG_GEMM_EXTERN(double)
#undef XG_GEMM_EXTERN

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_GEMM_FUNCTIONS)
