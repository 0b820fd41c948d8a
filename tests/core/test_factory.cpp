// Factories: filled tensors, identity, ranges with PyTorch's element counts, linspace endpoints,
// the *_like family, the requires_grad option, and the ValueErrors of bad arguments.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "xgrad/xgrad.hpp"

using namespace xg;

TEST_CASE("factory: zeros, ones and full fill every element with the given dtype") {
  auto z = zeros({2, 3});
  CHECK(z.dtype() == kFloat32);
  CHECK(z.to_vector<float>() == std::vector<float>(6, 0.0f));
  auto o = ones({4}, kInt64);
  CHECK(o.dtype() == kInt64);
  CHECK(o.to_vector<std::int64_t>() == std::vector<std::int64_t>(4, 1));
  auto f = full({2, 2}, 2.5, kFloat64);
  CHECK(f.to_vector<double>() == std::vector<double>(4, 2.5));
  CHECK(full({3}, 7).to_vector<float>() == std::vector<float>(3, 7.0f));
  CHECK(full({2}, true, kBool).to_vector<bool>() == std::vector<bool>{true, true});
  CHECK(zeros({}).dim() == 0);
  CHECK(zeros({}).item<float>() == 0.0f);
  CHECK(zeros({0, 4}).numel() == 0);
  CHECK(scalar_tensor(2.5).dim() == 0);
  CHECK(scalar_tensor(2.5).item<float>() == 2.5f);
}

TEST_CASE("factory: eye is the identity, square or rectangular") {
  CHECK(eye(3).to_vector<float>() == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  auto r = eye(2, 3, kInt64);
  CHECK(r.sizes() == Shape{2, 3});
  CHECK(r.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0, 0, 1, 0});
  CHECK(eye(3, 2).to_vector<float>() == std::vector<float>{1, 0, 0, 1, 0, 0});
  CHECK(eye(0).sizes() == Shape{0, 0});
}

TEST_CASE("factory: arange counts ceil((end - start) / step) elements as PyTorch does") {
  auto a = arange(5);
  CHECK(a.dtype() == kInt64);
  CHECK(a.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(2, 11, 3).to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 5, 8});
  CHECK(arange(0, 10, 3).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 3, 6, 9});
  CHECK(arange(5, 0, -1).to_vector<std::int64_t>() == std::vector<std::int64_t>{5, 4, 3, 2, 1});
  CHECK(arange(3, 3).numel() == 0);

  auto f = arange(1.0, 2.0, 0.25);
  CHECK(f.dtype() == kFloat32);
  CHECK(f.to_vector<float>() == std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f});
  CHECK(arange(0, 1, 0.1).numel() == 10);
  CHECK(arange(0, 1, 0.1).to_vector<float>()[9] == Approx(0.9));
  CHECK(arange(1, 2.5, 0.5).to_vector<float>() == std::vector<float>{1.0f, 1.5f, 2.0f});
  CHECK(arange(-1, -3.5, -0.5).to_vector<float>() == std::vector<float>{-1.0f, -1.5f, -2.0f, -2.5f, -3.0f});
  CHECK(arange(4, kFloat64).dtype() == kFloat64);
  CHECK(arange(4, kFloat64).to_vector<double>() == std::vector<double>{0, 1, 2, 3});
  CHECK(arange(0, 3, 1, kFloat32).dtype() == kFloat32);
}

TEST_CASE("factory: linspace hits both endpoints exactly") {
  CHECK(linspace(0, 1, 5).to_vector<float>() == std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f});
  auto l = linspace(0.1, 0.7, 7, kFloat64).to_vector<double>();
  REQUIRE(l.size() == 7);
  CHECK(l.front() == 0.1);
  CHECK(l.back() == 0.7);
  for (std::size_t i = 0; i < l.size(); ++i) CHECK(l[i] == Approx(0.1 + 0.1 * static_cast<double>(i)));
  CHECK(linspace(3, -3, 4).to_vector<float>() == std::vector<float>{3.0f, 1.0f, -1.0f, -3.0f});
  CHECK(linspace(0, 1, 0).numel() == 0);
}

TEST_CASE("factory: linspace with one step is its start") {
  CHECK(linspace(2.5, 9, 1).to_vector<float>() == std::vector<float>{2.5f});
  CHECK(linspace(-1, 1, 1, kFloat64).to_vector<double>() == std::vector<double>{-1.0});
}

TEST_CASE("factory: empty and the *_like factories keep shape and dtype") {
  auto e = empty({2, 5}, kFloat64);
  CHECK(e.sizes() == Shape{2, 5});
  CHECK(e.dtype() == kFloat64);

  auto i = arange(6).reshape({2, 3});
  CHECK(empty_like(i).sizes() == Shape{2, 3});
  CHECK(empty_like(i).dtype() == kInt64);
  CHECK(zeros_like(i).dtype() == kInt64);
  CHECK(zeros_like(i).to_vector<std::int64_t>() == std::vector<std::int64_t>(6, 0));
  CHECK(ones_like(i).to_vector<std::int64_t>() == std::vector<std::int64_t>(6, 1));
  CHECK(full_like(i, 4).to_vector<std::int64_t>() == std::vector<std::int64_t>(6, 4));

  auto d = zeros({3, 1}, kFloat64);
  CHECK(ones_like(d).dtype() == kFloat64);
  CHECK(rand_like(d).dtype() == kFloat64);
  CHECK(randn_like(d).sizes() == Shape{3, 1});
  auto r = randint_like(d, 0, 4);
  CHECK(r.dtype() == kFloat64);
  for (double v : r.to_vector<double>()) CHECK((v == 0 || v == 1 || v == 2 || v == 3));
  // an explicit dtype overrides the one of the model tensor
  CHECK(zeros_like(i, kFloat32).dtype() == kFloat32);
  CHECK(full_like(d, 1.5, kFloat32).to_vector<float>() == std::vector<float>(3, 1.5f));
  // *_like of a non-contiguous tensor gives its (logical) shape
  CHECK(zeros_like(i.t()).sizes() == Shape{3, 2});
}

TEST_CASE("factory: the requires_grad option makes a leaf that requires grad") {
  auto x = zeros({2}, requires_grad());
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
  auto y = ones({2}, dtype(kFloat64).requires_grad(true));
  CHECK(y.requires_grad());
  CHECK(y.dtype() == kFloat64);
  CHECK_FALSE(zeros({2}).requires_grad());
  CHECK(randn({3}, requires_grad()).requires_grad());
  CHECK(tensor({1.0, 2.0}, requires_grad()).requires_grad());
  // only floating tensors can require grad
  CHECK_THROWS_AS(zeros({2}, dtype(kInt64).requires_grad(true)), DtypeError);
}

TEST_CASE("factory: bad arguments are ValueErrors") {
  CHECK_THROWS_AS(arange(0, 5, 0), ValueError);
  CHECK_THROWS_AS(arange(0.0, 1.0, 0.0), ValueError);
  CHECK_THROWS_AS(arange(0, 5, -1), ValueError);
  CHECK_THROWS_AS(arange(5, 0, 1), ValueError);
  CHECK_THROWS_AS(zeros({-1}), ValueError);
  CHECK_THROWS_AS(empty({2, -3}), ValueError);
  CHECK_THROWS_AS(full({3, -1}, 1.0), ValueError);
  CHECK_THROWS_AS(ones({-2}), ValueError);
  CHECK_THROWS_AS(linspace(0, 1, -1), ValueError);
  CHECK_THROWS_AS(eye(-1), ValueError);
  CHECK_THROWS_AS(eye(2, -1), ValueError);
  CHECK_THROWS_AS(randint(5, 5, {3}), ValueError);
  CHECK_THROWS_AS(randint(6, 5, {3}), ValueError);
  CHECK_THROWS_AS(randint(0, {3}), ValueError);
  CHECK_THROWS_AS(randperm(-1), ValueError);
  CHECK_THROWS_AS(randn({-1}), ValueError);
  CHECK_THROWS_WITH(arange(0, 5, 0), Catch::Contains("arange") && Catch::Contains("step"));
  CHECK_THROWS_WITH(randint(6, 5, {3}), Catch::Contains("low=6") && Catch::Contains("high=5"));
}
