// The blocked GEMM kernel against a naive triple loop in long double: every layout (row-major,
// transposed, general strides) of A, B and C, ragged edges around the register tile and the K
// slice, alpha / beta, beta == 0 ignoring garbage in C, k == 0, matrix-vector shapes, batched
// products with broadcast operands, and bit-identical results for 1 and 2 threads.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/gemm.hpp"

using namespace xg::kernels;
using i64 = std::int64_t;

namespace {

/// A matrix stored in a buffer with a given layout: row-major (rows contiguous), column-major
/// (as a transposed row-major operand arrives) or with both strides above 1 (a sliced view).
enum class Layout { RowMajor, ColMajor, Strided };

template <class T>
struct Stored {
  std::vector<T> buf;
  i64 rs = 0, cs = 0;
  T& at(i64 r, i64 c) { return buf[static_cast<std::size_t>(r * rs + c * cs)]; }
  MatrixRef<T> ref() const { return {buf.data(), rs, cs}; }
  OutMatrixRef<T> out() { return {buf.data(), rs, cs}; }
};

template <class T>
Stored<T> make(i64 rows, i64 cols, Layout layout, std::mt19937& gen) {
  Stored<T> s;
  switch (layout) {
    case Layout::RowMajor:
      s.rs = cols;
      s.cs = 1;
      break;
    case Layout::ColMajor:
      s.rs = 1;
      s.cs = rows;
      break;
    case Layout::Strided:
      s.rs = 3 * cols + 1;
      s.cs = 3;
      break;
  }
  const i64 extent = std::max<i64>(1, (rows - 1) * s.rs + (cols - 1) * s.cs + 1);
  s.buf.assign(static_cast<std::size_t>(extent), std::numeric_limits<T>::quiet_NaN());  // gaps stay NaN
  std::uniform_int_distribution<int> small(-8, 8);
  for (i64 r = 0; r < rows; ++r)
    for (i64 c = 0; c < cols; ++c) s.at(r, c) = static_cast<T>(small(gen)) / T(4);
  return s;
}

/// alpha · A B + beta · C0 in long double.
template <class T>
std::vector<long double> reference(i64 m, i64 n, i64 k, T alpha, Stored<T>& a, Stored<T>& b, T beta, Stored<T>& c0) {
  std::vector<long double> r(static_cast<std::size_t>(m * n));
  for (i64 i = 0; i < m; ++i)
    for (i64 j = 0; j < n; ++j) {
      long double s = 0;
      for (i64 p = 0; p < k; ++p) s += static_cast<long double>(a.at(i, p)) * b.at(p, j);
      r[static_cast<std::size_t>(i * n + j)] =
          alpha * s + (beta == T(0) ? 0.0L : static_cast<long double>(beta) * c0.at(i, j));
    }
  return r;
}

/// Runs one product and compares every element; inputs are multiples of 1/4 with |x| <= 2, so
/// products are exact and only the summation rounds.
template <class T>
void check_product(i64 m, i64 n, i64 k, Layout la, Layout lb, Layout lc, T alpha, T beta) {
  std::mt19937 gen(static_cast<unsigned>(m * 131 + n * 17 + k));
  auto a = make<T>(m, k, la, gen);
  auto b = make<T>(k, n, lb, gen);
  auto c = make<T>(m, n, lc, gen);
  if (beta == T(0))
    for (i64 i = 0; i < m; ++i)
      for (i64 j = 0; j < n; ++j) c.at(i, j) = std::numeric_limits<T>::quiet_NaN();  // must not be read
  auto c0 = c;
  const auto want = reference<T>(m, n, k, alpha, a, b, beta, c0);
  gemm<T>(m, n, k, alpha, a.ref(), b.ref(), beta, c.out());
  const long double tol = std::numeric_limits<T>::epsilon() * 4.0L * static_cast<long double>(k + 2) * 4;
  for (i64 i = 0; i < m; ++i)
    for (i64 j = 0; j < n; ++j) {
      const long double got = c.at(i, j), w = want[static_cast<std::size_t>(i * n + j)];
      INFO("m=" << m << " n=" << n << " k=" << k << " at (" << i << ", " << j << "): got " << static_cast<double>(got)
                << ", want " << static_cast<double>(w));
      REQUIRE(std::abs(got - w) <= tol);
    }
}

template <class T>
std::vector<i64> edge_sizes() {
  const auto tile = gemm_tile<T>();
  return {1, 2, tile.mr - 1, tile.mr + 1, tile.nr / 2 + 1, tile.nr + 3, 2 * tile.nr + tile.mr};
}

}  // namespace

TEMPLATE_TEST_CASE("gemm: row-major products of ragged sizes match the naive triple loop", "", float, double) {
  const auto sizes = edge_sizes<TestType>();
  for (i64 m : sizes)
    for (i64 n : sizes)
      for (i64 k : {i64{1}, i64{7}, i64{33}})
        check_product<TestType>(m, n, k, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, 0);
}

TEMPLATE_TEST_CASE("gemm: transposed and strided operands and outputs are read through their strides", "", float,
                   double) {
  const Layout all[] = {Layout::RowMajor, Layout::ColMajor, Layout::Strided};
  for (Layout la : all)
    for (Layout lb : all)
      for (Layout lc : all) {
        check_product<TestType>(13, 37, 19, la, lb, lc, 1, 0);
        check_product<TestType>(37, 13, 5, la, lb, lc, TestType(0.5), TestType(-2));
      }
}

TEMPLATE_TEST_CASE("gemm: K longer than one cache slice is summed over every slice", "", float, double) {
  // 600 and 1000 need 3 and 4 K slices; beta != 0 must be applied once, not once per slice.
  check_product<TestType>(29, 45, 600, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, 0);
  check_product<TestType>(29, 45, 1000, Layout::ColMajor, Layout::RowMajor, Layout::RowMajor, 2, 3);
  check_product<TestType>(45, 29, 513, Layout::RowMajor, Layout::ColMajor, Layout::RowMajor, -1, 1);
}

TEMPLATE_TEST_CASE("gemm: products large enough to be split over threads match the reference", "", float, double) {
  // Above the parallel threshold: several M blocks, N chunks and K slices at once.
  check_product<TestType>(300, 190, 260, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, 0);
  check_product<TestType>(20, 700, 300, Layout::RowMajor, Layout::ColMajor, Layout::RowMajor, 1, 1);
}

TEMPLATE_TEST_CASE("gemm: thin outputs are computed as their transposes and stay correct", "", float, double) {
  for (Layout lc : {Layout::RowMajor, Layout::ColMajor, Layout::Strided}) {
    check_product<TestType>(64, 10, 128, Layout::RowMajor, Layout::ColMajor, lc, 1, 0);
    check_product<TestType>(32, 9, 676, Layout::RowMajor, Layout::ColMajor, lc, 1, 1);
    check_product<TestType>(3, 200, 12, Layout::Strided, Layout::RowMajor, lc, 2, 0);
  }
}

TEMPLATE_TEST_CASE("gemm: matrix-vector shapes take every layout", "", float, double) {
  const Layout all[] = {Layout::RowMajor, Layout::ColMajor, Layout::Strided};
  for (Layout la : all)
    for (Layout lb : all) {
      check_product<TestType>(41, 1, 70, la, lb, Layout::RowMajor, 1, 0);
      check_product<TestType>(1, 41, 70, la, lb, Layout::Strided, 2, TestType(0.5));
      check_product<TestType>(1, 1, 70, la, lb, Layout::RowMajor, 1, 0);
    }
}

TEMPLATE_TEST_CASE("gemm: k == 0 scales C by beta, and beta == 0 clears garbage", "", float, double) {
  std::vector<TestType> c = {1, 2, std::numeric_limits<TestType>::quiet_NaN(), 4};
  gemm<TestType>(2, 2, 0, 1, {nullptr, 0, 1}, {nullptr, 2, 1}, 3, {c.data(), 2, 1});
  CHECK(c[0] == 3);
  CHECK(c[1] == 6);
  CHECK(std::isnan(c[2]));  // beta · NaN stays NaN, as in BLAS with beta != 0
  gemm<TestType>(2, 2, 0, 1, {nullptr, 0, 1}, {nullptr, 2, 1}, 0, {c.data(), 2, 1});
  CHECK(c == std::vector<TestType>{0, 0, 0, 0});
}

TEMPLATE_TEST_CASE("gemm: results are bit-identical with one and two threads", "", float, double) {
  std::mt19937 gen(7);
  std::normal_distribution<double> nd;
  const i64 m = 250, n = 300, k = 700;
  std::vector<TestType> a(m * k), b(k * n), c1(m * n), c2(m * n);
  for (auto& x : a) x = static_cast<TestType>(nd(gen));
  for (auto& x : b) x = static_cast<TestType>(nd(gen));
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    gemm<TestType>(m, n, k, 1, {a.data(), k, 1}, {b.data(), 1, k}, 0, {c1.data(), n, 1});
  }
  {
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    gemm<TestType>(m, n, k, 1, {a.data(), k, 1}, {b.data(), 1, k}, 0, {c2.data(), n, 1});
  }
  CHECK(c1 == c2);
}

TEMPLATE_TEST_CASE("gemm_batched: every entry is its own product and a zero batch stride broadcasts", "", float,
                   double) {
  const i64 batch = 5, m = 7, n = 9, k = 11;
  std::vector<TestType> a(batch * m * k), b(k * n), c(batch * m * n);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<TestType>(static_cast<int>(i % 13) - 6);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<TestType>(static_cast<int>(i % 7) - 3);
  // B is shared by every entry (batch stride 0) and read transposed: B[p, j] = b[j * k + p].
  gemm_batched<TestType>(batch, m, n, k, 1, {a.data(), k, 1}, m * k, {b.data(), 1, k}, 0, 0, {c.data(), n, 1}, m * n);
  for (i64 q = 0; q < batch; ++q)
    for (i64 i = 0; i < m; ++i)
      for (i64 j = 0; j < n; ++j) {
        TestType s = 0;
        for (i64 p = 0; p < k; ++p) s += a[q * m * k + i * k + p] * b[j * k + p];
        REQUIRE(c[q * m * n + i * n + j] == s);  // small integers: exact
      }
}

TEMPLATE_TEST_CASE("dot: contiguous and strided vectors of every length around the vector width", "", float, double) {
  for (i64 n : {0, 1, 5, 15, 16, 17, 63, 64, 65, 200}) {
    std::vector<TestType> x(2 * n + 1), y(2 * n + 1);
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = static_cast<TestType>(static_cast<int>(i % 5) - 2);
      y[i] = static_cast<TestType>(static_cast<int>(i % 3) - 1);
    }
    TestType want = 0, want_strided = 0;
    for (i64 i = 0; i < n; ++i) {
      want += x[i] * y[i];
      want_strided += x[2 * i] * y[i];
    }
    CHECK(dot<TestType>(n, x.data(), 1, y.data(), 1) == want);
    CHECK(dot<TestType>(n, x.data(), 2, y.data(), 1) == want_strided);
  }
}
