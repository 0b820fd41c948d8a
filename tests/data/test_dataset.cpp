// Datasets: slicing tensors, subsets, concatenation, lazily mapped datasets and their random
// streams, datasets written by users, and the default collate.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;

namespace {
/// data[i] = (i, 10 i), target[i] = i mod 3.
TensorDataset small_set(std::int64_t n = 10) {
  auto x = arange(n, kFloat32).unsqueeze(1) * tensor({1.0f, 10.0f});
  return TensorDataset(x, arange(n) - (arange(n) / 3).to(kInt64) * 3);
}

/// A dataset written the way users write one: example i is [i, i²] with target i.
struct Squares : DatasetImpl {
  std::int64_t n;
  explicit Squares(std::int64_t size) : n(size) {}
  std::int64_t size() const override { return n; }
  Example get(std::int64_t i) const override {
    const double v = static_cast<double>(i);
    return {tensor({v, v * v}, kFloat64), scalar_tensor(i, kInt64)};
  }
};
}  // namespace

TEST_CASE("TensorDataset: examples are the rows of data and targets") {
  auto ds = small_set();
  CHECK(ds.size() == 10);
  auto ex = ds.get(4);
  CHECK(ex.data.equal(tensor({4.0f, 40.0f})));
  CHECK(ex.target.item<std::int64_t>() == 1);
  CHECK(ds[7].target.item<std::int64_t>() == 1);
  CHECK(ds.data().sizes() == Shape{10, 2});
  CHECK(ds.targets().equal(tensor({0, 1, 2, 0, 1, 2, 0, 1, 2, 0})));
}

TEST_CASE("TensorDataset: a batch is gathered with the rows in the order asked") {
  auto ds = small_set();
  auto b = ds.get_batch({5, 0, 5});
  CHECK(b.data.equal(tensor({{5.0f, 50.0f}, {0.0f, 0.0f}, {5.0f, 50.0f}})));
  CHECK(b.target.equal(tensor({2, 0, 2})));
}

TEST_CASE("TensorDataset: unequal lengths and bad indices throw typed errors") {
  CHECK_THROWS_AS(TensorDataset(zeros({5, 2}), zeros({4})), ShapeError);
  CHECK_THROWS_WITH(TensorDataset(zeros({5, 2}), zeros({4})), Catch::Contains("5") && Catch::Contains("4"));
  CHECK_THROWS_AS(TensorDataset(scalar_tensor(1.0)), ShapeError);
  CHECK_THROWS_AS(TensorDataset(Tensor()), ValueError);
  auto ds = small_set();
  CHECK_THROWS_AS(ds.get(10), IndexError);
  CHECK_THROWS_AS(ds.get(-1), IndexError);
  CHECK_THROWS_AS(ds.get_batch({1, 10}), IndexError);
  CHECK_THROWS_AS(ds.get_batch({}), ValueError);
  CHECK_THROWS_AS(Dataset().size(), ValueError);
}

TEST_CASE("TensorDataset: unlabeled data gives undefined targets") {
  TensorDataset ds(ones({3, 2}));
  CHECK_FALSE(ds.get(0).target.defined());
  CHECK_FALSE(ds.get_batch({0, 2}).target.defined());
  CHECK_FALSE(ds.targets().defined());
}

TEST_CASE("Subset: picks examples of the parent by index and checks the indices") {
  auto ds = small_set();
  Subset s(ds, {9, 2, 2});
  CHECK(s.size() == 3);
  CHECK(s.get(0).data.equal(ds.get(9).data));
  CHECK(s.get(2).data.equal(ds.get(2).data));
  CHECK(s.get_batch({1, 0}).data.equal(tensor({{2.0f, 20.0f}, {9.0f, 90.0f}})));
  CHECK(s.targets().equal(tensor({0, 2, 2})));
  CHECK(s.indices() == std::vector<std::int64_t>{9, 2, 2});
  CHECK(s.dataset().size() == 10);
  CHECK_THROWS_AS(Subset(ds, {0, 10}), IndexError);
  CHECK_THROWS_AS(Subset(ds, {-1}), IndexError);
  Subset nested(s, {1});
  CHECK(nested.get(0).data.equal(ds.get(2).data));
}

TEST_CASE("ConcatDataset: examples of each dataset follow one another") {
  auto a = small_set(3);
  TensorDataset b(full({2, 2}, 7.0f), tensor({5, 6}));
  ConcatDataset both({a, b});
  CHECK(both.size() == 5);
  CHECK(both.get(2).data.equal(a.get(2).data));
  CHECK(both.get(3).data.equal(tensor({7.0f, 7.0f})));
  CHECK(both.get(4).target.item<std::int64_t>() == 6);
  CHECK(both.targets().equal(tensor({0, 1, 2, 5, 6})));
  CHECK(both.get_batch({4, 0}).target.equal(tensor({6, 0})));
  CHECK(both.datasets().size() == 2);
  CHECK_THROWS_AS(ConcatDataset({}), ValueError);
  CHECK_THROWS_AS(both.get(5), IndexError);
}

TEST_CASE("make_dataset: a user-written dataset works through the handle") {
  Dataset ds = make_dataset<Squares>(4);
  CHECK(ds.size() == 4);
  CHECK(ds.get(3).data.equal(tensor({3.0, 9.0}, kFloat64)));
  auto b = ds.get_batch({1, 3});
  CHECK(b.data.equal(tensor({{1.0, 1.0}, {3.0, 9.0}}, kFloat64)));
  CHECK(b.target.equal(tensor({1, 3})));
  CHECK(ds.targets().equal(tensor({0, 1, 2, 3})));
}

TEST_CASE("MapDataset: the transform is applied to every example, lazily") {
  auto ds = small_set();
  int calls = 0;
  auto doubled = ds.map([&calls](Example e, Generator&) {
    ++calls;
    e.data = e.data * 2.0;
    return e;
  });
  CHECK(calls == 0);
  CHECK(doubled.size() == 10);
  CHECK(doubled.get(3).data.equal(tensor({6.0f, 60.0f})));
  CHECK(calls == 1);
  CHECK(doubled.get_batch({1, 2}).data.equal(tensor({{2.0f, 20.0f}, {4.0f, 40.0f}})));
  CHECK(doubled.dataset().size() == 10);
  CHECK_THROWS_AS(MapDataset(ds, Transform()), ValueError);
}

TEST_CASE("MapDataset: random draws depend on the index, the epoch and the seed, not on the call order") {
  auto ds = small_set();
  auto noisy = ds.map([](Example e, Generator& g) {
    e.data = scalar_tensor(g.next_double(), kFloat64);
    return e;
  });
  const double a3 = noisy.get(3).data.item<double>();
  const double a5 = noisy.get(5).data.item<double>();
  CHECK(noisy.get(3).data.item<double>() == a3);  // repeatable
  CHECK(a3 != a5);                                // per index
  double e1 = 0, e1_again = 0, s1 = 0;
  {
    EpochGuard guard(1);
    e1 = noisy.get(3).data.item<double>();
  }
  {
    EpochGuard guard(1);
    e1_again = noisy.get(3).data.item<double>();
  }
  {
    EpochGuard guard(0, /*seed=*/1);
    s1 = noisy.get(3).data.item<double>();
  }
  CHECK(e1 != a3);  // another epoch, another draw
  CHECK(e1 == e1_again);
  CHECK(s1 != a3);                                // another seed, another draw
  CHECK(noisy.get(3).data.item<double>() == a3);  // the guards restored the context
  auto other = ds.map(
      [](Example e, Generator& g) {
        e.data = scalar_tensor(g.next_double(), kFloat64);
        return e;
      },
      /*seed=*/9);
  CHECK(other.get(3).data.item<double>() != a3);
}

TEST_CASE("MapDataset: a map inside another map draws other numbers") {
  auto ds = small_set();
  Transform draw = [](Example e, Generator& g) {
    e.target = cat({e.target.reshape({-1}).to(kFloat64), scalar_tensor(g.next_double(), kFloat64).reshape({1})});
    return e;
  };
  auto twice = ds.map(draw).map(draw);
  auto t = twice.get(0).target;
  REQUIRE(t.numel() == 3);
  CHECK(t[1].item<double>() != t[2].item<double>());
}

TEST_CASE("default_collate: stacks data and targets along a new dim 0") {
  auto b = default_collate({{tensor({1.0f, 2.0f}), tensor(0)}, {tensor({3.0f, 4.0f}), tensor(1)}});
  CHECK(b.data.equal(tensor({{1.0f, 2.0f}, {3.0f, 4.0f}})));
  CHECK(b.target.equal(tensor({0, 1})));
  auto u = default_collate({{tensor({1.0f}), {}}, {tensor({2.0f}), {}}});
  CHECK_FALSE(u.target.defined());
  CHECK(u.data.sizes() == Shape{2, 1});
}

TEST_CASE("default_collate: mismatched examples throw errors naming the example") {
  CHECK_THROWS_AS(default_collate({}), ValueError);
  CHECK_THROWS_AS(default_collate({{zeros({2}), tensor(0)}, {zeros({3}), tensor(1)}}), ShapeError);
  CHECK_THROWS_WITH(default_collate({{zeros({2}), tensor(0)}, {zeros({3}), tensor(1)}}),
                    Catch::Contains("example 1") && Catch::Contains("[3]"));
  CHECK_THROWS_AS(default_collate({{zeros({2}), tensor(0)}, {zeros({2}), {}}}), ValueError);
  CHECK_THROWS_AS(default_collate({{zeros({2}), tensor(0)}, {zeros({2}, kFloat64), tensor(1)}}), DtypeError);
}
