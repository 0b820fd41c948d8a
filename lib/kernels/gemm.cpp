// The reference GEMM. Row i of C is Σ_k A[i,k] · (row k of B): the innermost loop runs along a row
// of B and a row of C, unit-stride when B's rows are contiguous, so the compiler vectorizes it.
// When B's rows are strided but its columns contiguous (a transposed view), each C[i,j] is
// instead a dot product of row i of A with column j of B, which is then the contiguous direction.
#include "kernels/gemm.hpp"

#include <algorithm>

namespace xg::kernels {

template <class T>
T dot(std::int64_t n, const T* x, std::int64_t sx, const T* y, std::int64_t sy) {
  T acc = 0;
  if (sx == 1 && sy == 1) {
    for (std::int64_t i = 0; i < n; ++i) acc += x[i] * y[i];
  } else {
    for (std::int64_t i = 0; i < n; ++i) acc += x[i * sx] * y[i * sy];
  }
  return acc;
}

template <class T>
void gemm(std::int64_t m, std::int64_t n, std::int64_t k, MatrixRef<T> a, MatrixRef<T> b, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (b.cs != 1 && b.rs == 1 && a.cs == 1) {
    // Aᵢ· and B·ⱼ are both contiguous: dot products.
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = dot<T>(k, a.data + i * a.rs, 1, b.data + j * b.cs, 1);
    return;
  }
  for (std::int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    std::fill(ci, ci + n, T(0));
    const T* ai = a.data + i * a.rs;
    for (std::int64_t p = 0; p < k; ++p) {
      const T aip = ai[p * a.cs];
      const T* bp = b.data + p * b.rs;
      if (b.cs == 1) {
        for (std::int64_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
      } else {
        for (std::int64_t j = 0; j < n; ++j) ci[j] += aip * bp[j * b.cs];
      }
    }
  }
}

template <class T>
void gemm_batched(std::int64_t batch, std::int64_t m, std::int64_t n, std::int64_t k, MatrixRef<T> a,
                  std::int64_t a_bs, MatrixRef<T> b, std::int64_t b_bs, T* c, std::int64_t c_bs, std::int64_t ldc) {
  for (std::int64_t p = 0; p < batch; ++p)
    gemm<T>(m, n, k, {a.data + p * a_bs, a.rs, a.cs}, {b.data + p * b_bs, b.rs, b.cs}, c + p * c_bs, ldc);
}

template void gemm<float>(std::int64_t, std::int64_t, std::int64_t, MatrixRef<float>, MatrixRef<float>, float*,
                          std::int64_t);
template void gemm<double>(std::int64_t, std::int64_t, std::int64_t, MatrixRef<double>, MatrixRef<double>, double*,
                           std::int64_t);
template void gemm_batched<float>(std::int64_t, std::int64_t, std::int64_t, std::int64_t, MatrixRef<float>,
                                  std::int64_t, MatrixRef<float>, std::int64_t, float*, std::int64_t, std::int64_t);
template void gemm_batched<double>(std::int64_t, std::int64_t, std::int64_t, std::int64_t, MatrixRef<double>,
                                   std::int64_t, MatrixRef<double>, std::int64_t, double*, std::int64_t,
                                   std::int64_t);
template float dot<float>(std::int64_t, const float*, std::int64_t, const float*, std::int64_t);
template double dot<double>(std::int64_t, const double*, std::int64_t, const double*, std::int64_t);

}  // namespace xg::kernels
