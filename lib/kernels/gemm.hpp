// Internal: matrix products on raw pointers, C = A·B, for float and double.
// Operands are described by a base pointer and a row / column stride in elements, so a transposed
// view is passed as it is (swap the strides). This is the simple reference GEMM: rows of C are
// built as sums of rows of B (loop order i-k-j), which vectorizes when B's rows are contiguous.
#pragma once
#include <cstdint>

namespace xg::kernels {

/// A strided matrix operand: element (r, c) is at data[r * rs + c * cs].
template <class T>
struct MatrixRef {
  const T* data;
  std::int64_t rs;
  std::int64_t cs;
};

/// C[m, n] = A[m, k] · B[k, n], overwriting C (rows of C are ldc elements apart, columns adjacent).
/// k == 0 gives zeros.
template <class T>
void gemm(std::int64_t m, std::int64_t n, std::int64_t k, MatrixRef<T> a, MatrixRef<T> b, T* c, std::int64_t ldc);

/// C[p] = A[p] · B[p] for p < batch; the p-th operands start batch strides apart.
template <class T>
void gemm_batched(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, MatrixRef<T> a,
                  std::int64_t a_bs, MatrixRef<T> b, std::int64_t b_bs, T* c, std::int64_t c_bs, std::int64_t ldc);

/// Σ_i x[i·sx] y[i·sy].
template <class T>
T dot(std::int64_t n, const T* x, std::int64_t sx, const T* y, std::int64_t sy);

extern template void gemm<float>(std::int64_t, std::int64_t, std::int64_t, MatrixRef<float>, MatrixRef<float>,
                                 float*, std::int64_t);
extern template void gemm<double>(std::int64_t, std::int64_t, std::int64_t, MatrixRef<double>, MatrixRef<double>,
                                  double*, std::int64_t);
extern template void gemm_batched<float>(std::int64_t, std::int64_t, std::int64_t, std::int64_t, MatrixRef<float>,
                                         std::int64_t, MatrixRef<float>, std::int64_t, float*, std::int64_t,
                                         std::int64_t);
extern template void gemm_batched<double>(std::int64_t, std::int64_t, std::int64_t, std::int64_t, MatrixRef<double>,
                                          std::int64_t, MatrixRef<double>, std::int64_t, double*, std::int64_t,
                                          std::int64_t);
extern template float dot<float>(std::int64_t, const float*, std::int64_t, const float*, std::int64_t);
extern template double dot<double>(std::int64_t, const double*, std::int64_t, const double*, std::int64_t);

}  // namespace xg::kernels
