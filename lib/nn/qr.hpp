// Householder QR of a small dense matrix, for init::orthogonal_ (xgrad has no LAPACK).
#pragma once
#include <cstdint>
#include <vector>

namespace xg::nn::init_detail {

/// Thin QR of the m×n row-major matrix `a` with m >= n: A = Q R where Q (m×n, row-major) has
/// orthonormal columns and R (n×n, row-major) is upper triangular. R's diagonal may have either
/// sign (as LAPACK's geqrf); callers that need a unique Q multiply its columns by sign(diag R).
void householder_qr(std::vector<double> a, std::int64_t m, std::int64_t n, std::vector<double>& q,
                    std::vector<double>& r);

}  // namespace xg::nn::init_detail
