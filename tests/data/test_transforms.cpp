// Transforms: every value against hand-computed results, the random ones against the draws of
// the generator they are given, and their errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;

namespace {
Example apply(const Transform& t, Tensor data, Tensor target = {}, std::uint64_t seed = 0) {
  Generator gen(seed);
  return t(Example{std::move(data), std::move(target)}, gen);
}
}  // namespace

TEST_CASE("Normalize: subtracts the mean and divides by the std of each channel of an image") {
  auto x = tensor({{{1.0f, 2.0f}}, {{3.0f, 4.0f}}});  // [C=2, H=1, W=2]
  Normalize n({1.0, 2.0}, {2.0, 4.0});
  CHECK(n(x).equal(tensor({{{0.0f, 0.5f}}, {{0.25f, 0.5f}}})));
  auto batch = stack({x, x * 2.0f});  // [N=2, 2, 1, 2]: channel 0 of image 1 is (2, 4), channel 1 (6, 8)
  CHECK(n(batch).equal(tensor({{{{0.0f, 0.5f}}, {{0.25f, 0.5f}}}, {{{0.5f, 1.5f}}, {{1.0f, 1.5f}}}})));
  auto ex = apply(n, x, tensor(3));
  CHECK(ex.data.equal(n(x)));
  CHECK(ex.target.item<std::int64_t>() == 3);
}

TEST_CASE("Normalize: feature vectors and batches of them use the last dim as channels") {
  Normalize n({1.0, 1.0, 1.0}, {1.0, 2.0, 4.0});
  CHECK(n(tensor({1.0, 2.0, 3.0}, kFloat64)).equal(tensor({0.0, 0.5, 0.5}, kFloat64)));
  CHECK(n(tensor({{1.0, 2.0, 3.0}, {3.0, 5.0, 9.0}}, kFloat64))
            .equal(tensor({{0.0, 0.5, 0.5}, {2.0, 2.0, 2.0}}, kFloat64)));
  CHECK(n(tensor({1.0, 2.0, 3.0}, kFloat64)).dtype() == kFloat64);
  Normalize one({0.5}, {0.25});
  CHECK(one(tensor({{0.5f, 1.0f}, {0.0f, 0.75f}})).equal(tensor({{0.0f, 2.0f}, {-2.0f, 1.0f}})));
}

TEST_CASE("Normalize: bad statistics and data throw typed errors") {
  CHECK_THROWS_AS(Normalize({0.0}, {0.0}), ValueError);
  CHECK_THROWS_AS(Normalize({0.0, 1.0}, {1.0}), ValueError);
  CHECK_THROWS_AS(Normalize({}, {}), ValueError);
  CHECK_THROWS_AS(Normalize({0.0}, {-1.0}), ValueError);
  Normalize n({0.0, 0.0}, {1.0, 1.0});
  CHECK_THROWS_AS(n(zeros({3, 4, 4})), ShapeError);
  CHECK_THROWS_WITH(n(zeros({3, 4, 4})), Catch::Contains("[3, 4, 4]"));
  CHECK_THROWS_AS(n(zeros({2, 2}, kInt64)), DtypeError);
}

TEST_CASE("Standardize: fits the population mean and std per feature and applies them to other data") {
  auto train = tensor({{1.0f, 2.0f}, {3.0f, 6.0f}});
  auto s = Standardize().fit(train);
  CHECK(s.mean() == std::vector<double>{2.0, 4.0});
  CHECK(s.std() == std::vector<double>{1.0, 2.0});
  CHECK(s(train).equal(tensor({{-1.0f, -1.0f}, {1.0f, 1.0f}})));
  CHECK(s(tensor({5.0f, 0.0f})).equal(tensor({3.0f, -2.0f})));
  CHECK(apply(s, tensor({5.0f, 0.0f})).data.equal(tensor({3.0f, -2.0f})));
}

TEST_CASE("Standardize: image statistics are per channel, and a constant channel is only centred") {
  // channel 0: (0, 2) and (4, 6) → mean 3, variance (9 + 1 + 1 + 9) / 4 = 5; channel 1: all 7
  auto x = tensor({{{{0.0, 2.0}}, {{7.0, 7.0}}}, {{{4.0, 6.0}}, {{7.0, 7.0}}}}, kFloat64);  // [2, 2, 1, 2]
  auto s = Standardize().fit(x);
  REQUIRE(s.mean().size() == 2);
  CHECK(s.mean()[0] == 3.0);
  CHECK(s.mean()[1] == 7.0);
  CHECK(s.std()[0] == Approx(std::sqrt(5.0)).epsilon(1e-15));
  CHECK(s.std()[1] == 1.0);
  auto y = s(x[0]);
  CHECK(y.allclose(tensor({{{-3.0 / std::sqrt(5.0), -1.0 / std::sqrt(5.0)}}, {{0.0, 0.0}}}, kFloat64), 0, 1e-15));
  // examples without a channel dim ([H, W] images, scalars) have one channel
  CHECK(Standardize().fit(zeros({5, 3, 3})).mean().size() == 1);
  auto scalars = Standardize().fit(tensor({1.0, 3.0}, kFloat64));
  CHECK(scalars.mean() == std::vector<double>{2.0});
  CHECK(scalars.std() == std::vector<double>{1.0});
}

TEST_CASE("Standardize: fitting on a dataset in chunks equals fitting on its stacked data") {
  manual_seed(3);
  auto x = randn({2500, 3}) * 4.0f + 100.0f;  // far from zero: the chunked update must stay accurate
  auto from_tensor = Standardize().fit(x);
  auto from_dataset = Standardize().fit(TensorDataset(x));
  auto x64 = x.to(kFloat64);
  auto mean = x64.mean({0}).to_vector<double>();
  auto std = x64.std({0}, /*unbiased=*/false).to_vector<double>();
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(from_tensor.mean()[c] == Approx(mean[c]).epsilon(1e-12));
    CHECK(from_tensor.std()[c] == Approx(std[c]).epsilon(1e-10));
    CHECK(from_dataset.mean()[c] == Approx(mean[c]).epsilon(1e-12));
    CHECK(from_dataset.std()[c] == Approx(std[c]).epsilon(1e-10));
  }
}

TEST_CASE("Standardize: applying before fitting and fitting on nothing throw ValueError") {
  CHECK_THROWS_AS(Standardize()(zeros({2})), ValueError);
  CHECK_THROWS_AS(Standardize().fit(zeros({0, 3})), ValueError);
  CHECK_THROWS_AS(Standardize().fit(tensor({1.0, NAN})), ValueError);
}

TEST_CASE("OneHot: integer labels become one-hot rows of num_classes") {
  OneHot oh(3);
  CHECK(oh(tensor({2, 0})).equal(tensor({{0.0f, 0.0f, 1.0f}, {1.0f, 0.0f, 0.0f}})));
  CHECK(oh(tensor(1)).equal(tensor({0.0f, 1.0f, 0.0f})));
  CHECK(OneHot(2, kInt64)(tensor({1})).equal(tensor({{0, 1}})));
  auto ex = apply(oh, zeros({2}), tensor(2));
  CHECK(ex.target.equal(tensor({0.0f, 0.0f, 1.0f})));
  CHECK(ex.data.equal(zeros({2})));
}

TEST_CASE("OneHot: labels out of range, non-integer labels and no labels throw typed errors") {
  OneHot oh(3);
  CHECK_THROWS_AS(oh(tensor({0, 3})), IndexError);
  CHECK_THROWS_WITH(oh(tensor({0, 3})), Catch::Contains("label 3"));
  CHECK_THROWS_AS(oh(tensor({-1})), IndexError);
  CHECK_THROWS_AS(oh(tensor({1.0f})), DtypeError);
  CHECK_THROWS_AS(apply(oh, zeros({2})), ValueError);
  CHECK_THROWS_AS(OneHot(0), ValueError);
}

TEST_CASE("RandomHorizontalFlip: reverses the width with the probability given") {
  auto x = arange(6, kFloat32).reshape({1, 2, 3});
  auto flipped = tensor({{{2.0f, 1.0f, 0.0f}, {5.0f, 4.0f, 3.0f}}});
  CHECK(apply(RandomHorizontalFlip(1.0), x).data.equal(flipped));
  CHECK(apply(RandomHorizontalFlip(0.0), x).data.equal(x));
  // p = 0.5: flips exactly when the generator's first uniform number is below 0.5
  int flips = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Generator replay(seed);
    const bool expect_flip = replay.next_double() < 0.5;
    auto out = apply(RandomHorizontalFlip(0.5), x, {}, seed).data;
    CHECK(out.equal(expect_flip ? flipped : x));
    flips += expect_flip;
  }
  CHECK(flips > 0);
  CHECK(flips < 20);
  CHECK_THROWS_AS(RandomHorizontalFlip(1.5), ValueError);
}

TEST_CASE("RandomCrop: cuts the window at the drawn offsets out of the zero-padded image") {
  auto x = arange(16, kFloat32).reshape({1, 4, 4}) + 1.0f;  // 1 … 16, so padding zeros stand out
  // the padded image P is 6 × 6 with P[i][j] = x[i-1][j-1] inside and 0 on the border
  auto padded = [&](std::int64_t i, std::int64_t j) {
    return (i >= 1 && i <= 4 && j >= 1 && j <= 4) ? static_cast<float>((i - 1) * 4 + (j - 1) + 1) : 0.0f;
  };
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    Generator replay(seed);  // offsets in [0, 6 - 3] = 4 choices: top first, then left
    const auto top = static_cast<std::int64_t>(replay.next_u64() % 4);
    const auto left = static_cast<std::int64_t>(replay.next_u64() % 4);
    auto out = apply(RandomCrop(3, 1), x, {}, seed).data;
    REQUIRE(out.sizes() == Shape{1, 3, 3});
    auto v = out.to_vector<float>();
    for (std::int64_t a = 0; a < 3; ++a)
      for (std::int64_t b = 0; b < 3; ++b) CHECK(v[static_cast<std::size_t>(a * 3 + b)] == padded(top + a, left + b));
  }
  // a 6 × 6 window has one place, the whole padded image; its top-left corner by hand:
  CHECK(apply(RandomCrop(6, 1), x)
            .data.slice(1, 0, 3)
            .slice(2, 0, 3)
            .equal(tensor({{{0.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 2.0f}, {0.0f, 5.0f, 6.0f}}})));
  CHECK(apply(RandomCrop(4), x).data.equal(x));  // the only window is the image
  CHECK(apply(RandomCrop({2, 3}), x).data.sizes() == Shape{1, 2, 3});
}

TEST_CASE("RandomCrop: one window for the whole batch, and errors for windows that do not fit") {
  auto batch = arange(32, kFloat32).reshape({2, 1, 4, 4});
  auto out = apply(RandomCrop(2), batch, {}, 5).data;
  REQUIRE(out.sizes() == Shape{2, 1, 2, 2});
  CHECK((out[1] - out[0]).equal(full({1, 2, 2}, 16.0f)));  // same offsets in both images
  CHECK_THROWS_AS(apply(RandomCrop(5), zeros({1, 4, 4})), ValueError);
  CHECK_THROWS_AS(apply(RandomCrop(2), zeros({4})), ShapeError);
  CHECK_THROWS_AS(RandomCrop(0), ValueError);
  CHECK_THROWS_AS(RandomCrop(2, -1), ValueError);
  CHECK_THROWS_AS(RandomCrop({2, 3, 4}), ValueError);
  CHECK_THROWS_AS(RandomCrop({2, 0}), ValueError);
}

TEST_CASE("Compose and Lambda: transforms run in order, Lambda takes data, examples or both") {
  Lambda twice([](Tensor x) { return x * 2.0f; });
  Lambda relabel([](Example e) {
    e.target = e.target + 10;
    return e;
  });
  Lambda noise([](Example e, Generator& g) {
    e.data = e.data + static_cast<float>(g.next_double());
    return e;
  });
  Compose c({twice, Normalize({1.0}, {2.0}), relabel});
  auto ex = apply(c, tensor({1.0f, 3.0f}), tensor(1));
  CHECK(ex.data.equal(tensor({0.5f, 2.5f})));  // (2x − 1) / 2
  CHECK(ex.target.item<std::int64_t>() == 11);
  Generator replay(4);
  const auto u = static_cast<float>(replay.next_double());
  CHECK(apply(noise, zeros({1}), {}, 4).data.item<float>() == u);
  CHECK_THROWS_AS(Compose({Transform()}), ValueError);
}
