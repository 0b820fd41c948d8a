// Type promotion against PyTorch's table (tests/reference/indexing.py prints torch.result_type for
// every pair below), and the overload sets whose brace-initializer calls used to pick a surprising
// overload: checked at compile time (what must not compile) and at run time (what the braces mean).
#include <catch2/catch.hpp>

#include <cmath>
#include <concepts>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {

Tensor operand(Dtype d, bool zero_dim) { return zeros(zero_dim ? Shape{} : Shape{2}, d); }

// ---- compile-time: brace calls that must not compile, and the ones that must -------------------
template <class T>
concept VarTakesIntFlag = requires(const T& t) {
  xg::var(t, 0);
};
template <class T>
concept StdTakesIntFlag = requires(const T& t) {
  xg::std(t, 1);
};
template <class T>
concept NormTakesBraces = requires(const T& t) {
  xg::norm(t, {1});
};
template <class T>
concept MemberNormTakesBraces = requires(const T& t) {
  t.norm({1});
};
template <class T>
concept VarTakesDimsBraces = requires(const T& t) {
  { xg::var(t, {1}) } -> std::same_as<Tensor>;
  { xg::std(t, {0, 1}, 0, true) } -> std::same_as<Tensor>;
  { t.var({1}) } -> std::same_as<Tensor>;
  { t.std({1}, false) } -> std::same_as<Tensor>;
  { xg::var(t, true) } -> std::same_as<Tensor>;
};
// An int where the old `unbiased` flag stood is not silently read as a bool ...
static_assert(!VarTakesIntFlag<Tensor>);
static_assert(!StdTakesIntFlag<Tensor>);
// ... norm(x, {1}) would have been p = 1 over every element: it is deleted ...
static_assert(!NormTakesBraces<Tensor>);
static_assert(!MemberNormTakesBraces<Tensor>);
// ... and a brace list after the tensor is always dims.
static_assert(VarTakesDimsBraces<Tensor>);

}  // namespace

TEST_CASE("result_type: tensor × tensor follows PyTorch's table for dimensioned and 0-d operands") {
  // {a dtype, a is 0-d, b dtype, b is 0-d, result}: torch.result_type for every combination of the
  // four dtypes, as tests/reference/indexing.py prints it ("rt" lines).
  struct Row {
    Dtype a;
    bool a0;
    Dtype b;
    bool b0;
    Dtype r;
  };
  const Dtype B = kBool, I = kInt64, F = kFloat32, D = kFloat64;
  const std::vector<Row> rows = {
      {B, false, B, false, B}, {B, false, B, true, B}, {B, true, B, false, B}, {B, true, B, true, B},
      {B, false, I, false, I}, {B, false, I, true, I}, {B, true, I, false, I}, {B, true, I, true, I},
      {B, false, F, false, F}, {B, false, F, true, F}, {B, true, F, false, F}, {B, true, F, true, F},
      {B, false, D, false, D}, {B, false, D, true, D}, {B, true, D, false, D}, {B, true, D, true, D},
      {I, false, B, false, I}, {I, false, B, true, I}, {I, true, B, false, I}, {I, true, B, true, I},
      {I, false, I, false, I}, {I, false, I, true, I}, {I, true, I, false, I}, {I, true, I, true, I},
      {I, false, F, false, F}, {I, false, F, true, F}, {I, true, F, false, F}, {I, true, F, true, F},
      {I, false, D, false, D}, {I, false, D, true, D}, {I, true, D, false, D}, {I, true, D, true, D},
      {F, false, B, false, F}, {F, false, B, true, F}, {F, true, B, false, F}, {F, true, B, true, F},
      {F, false, I, false, F}, {F, false, I, true, F}, {F, true, I, false, F}, {F, true, I, true, F},
      {F, false, F, false, F}, {F, false, F, true, F}, {F, true, F, false, F}, {F, true, F, true, F},
      {F, false, D, false, D}, {F, false, D, true, F}, {F, true, D, false, D}, {F, true, D, true, D},
      {D, false, B, false, D}, {D, false, B, true, D}, {D, true, B, false, D}, {D, true, B, true, D},
      {D, false, I, false, D}, {D, false, I, true, D}, {D, true, I, false, D}, {D, true, I, true, D},
      {D, false, F, false, D}, {D, false, F, true, D}, {D, true, F, false, F}, {D, true, F, true, D},
      {D, false, D, false, D}, {D, false, D, true, D}, {D, true, D, false, D}, {D, true, D, true, D},
  };
  REQUIRE(rows.size() == 64);
  for (const Row& row : rows) {
    INFO(row.a << (row.a0 ? " 0-d" : " [2]") << " × " << row.b << (row.b0 ? " 0-d" : " [2]"));
    CHECK(result_type(operand(row.a, row.a0), operand(row.b, row.b0)) == row.r);
  }
  // and the ops follow it: int64 [2] × float64 0-d → float64, float32 [2] × float64 0-d → float32
  CHECK((operand(I, false) * operand(D, true)).dtype() == D);
  CHECK((operand(F, false) + operand(D, true)).dtype() == F);
  CHECK((operand(B, false) - operand(I, true)).dtype() == I);
}

TEST_CASE("result_type: tensor × scalar follows PyTorch's table") {
  const Dtype B = kBool, I = kInt64, F = kFloat32, D = kFloat64;
  // torch.result_type(tensor, Python scalar), the "rs" lines of tests/reference/indexing.py; the
  // same for dimensioned and 0-d tensors.
  struct Row {
    Dtype a;
    Scalar s;
    Dtype r;
  };
  const std::vector<Row> rows = {
      {B, true, B}, {B, 2, I}, {B, 2.5, F}, {I, true, I}, {I, 2, I}, {I, 2.5, F},
      {F, true, F}, {F, 2, F}, {F, 2.5, F}, {D, true, D}, {D, 2, D}, {D, 2.5, D},
  };
  for (const Row& row : rows)
    for (bool zero_dim : {false, true}) {
      INFO(row.a << (zero_dim ? " 0-d" : " [2]") << " × " << row.s.to_double());
      CHECK(result_type(operand(row.a, zero_dim), row.s) == row.r);
    }
  CHECK((operand(I, false) * 2.5).dtype() == F);
}

TEST_CASE("var and std: braces are dims, correction as in PyTorch 2, the bool flag still works") {
  const Tensor q = tensor({{1.0, 2.0, 4.0, 8.0}, {3.0, 5.0, 7.0, 9.0}}, kFloat64);
  // PyTorch: torch.var(q, 1) = [9.5833…, 6.6667…]; correction=0: [7.1875, 5]; correction=2: [14.375, 10]
  auto close = [](const Tensor& t, std::vector<double> want) {
    const auto got = t.to_vector<double>();
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-14));
  };
  close(var(q, {1}), {28.75 / 3, 20.0 / 3});
  close(q.var({1}), {28.75 / 3, 20.0 / 3});
  close(var(q, {1}, 0), {7.1875, 5.0});
  close(var(q, {1}, false), {7.1875, 5.0});
  close(var(q, {1}, 2), {14.375, 10.0});
  close(var(q, {0}), {2, 4.5, 4.5, 0.5});
  close(xg::std(q, {0, 1}, 0), {std::sqrt(7.359375)});
  close(xg::std(q, {0, 1}, 0.0, /*keepdim=*/true).reshape({1}), {std::sqrt(7.359375)});
  CHECK(xg::std(q, {0, 1}, 0.0, true).sizes() == Shape{1, 1});
  close(var(q, true), {(249.0 - 8 * 4.875 * 4.875) / 7});
  close(var(q, false), {7.359375});
  close(q.std(false), {std::sqrt(7.359375)});
}

TEST_CASE("overloads: brace lists after a tensor mean dims wherever dims are accepted") {
  const Tensor x = arange(6, kFloat64).reshape({2, 3});
  CHECK(sum(x, {1}).sizes() == Shape{2});
  CHECK(mean(x, {0}).sizes() == Shape{3});
  CHECK(amax(x, {1}).sizes() == Shape{2});
  CHECK(logsumexp(x, {0}).sizes() == Shape{3});
  CHECK(norm(x, 2, {1}).sizes() == Shape{2});
  CHECK(var(x, {1}).sizes() == Shape{2});
  CHECK(xg::std(x, {0}).sizes() == Shape{3});
  CHECK(x.var({1}).sizes() == Shape{2});
}
