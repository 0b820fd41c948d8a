// xtensor interop: tensors that share an xtensor container's memory (containers, transposed and
// sliced views, column-major layouts), copies of expressions, copies back to xt::xarray with dtype
// conversion, and xt::adapt views of tensors that honour strides.
#include <catch2/catch.hpp>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "xgrad/xgrad.hpp"
#include "xgrad/xtensor.hpp"

using namespace xg;

TEST_CASE("xtensor: from_xtensor views an xarray without copying, in both directions") {
  xt::xarray<float> a = {{1, 2, 3}, {4, 5, 6}};
  Tensor t = from_xtensor(a);
  CHECK(t.dtype() == kFloat32);
  CHECK(t.sizes() == Shape{2, 3});
  CHECK(t.strides() == Shape{3, 1});
  CHECK(t.data_ptr() == static_cast<void*>(a.data()));
  t.mul_(2);
  CHECK(a(1, 2) == 12.0f);
  CHECK(a(0, 0) == 2.0f);
  a(0, 1) = -7;
  CHECK(t[0][1].item<float>() == -7.0f);
}

TEST_CASE("xtensor: from_xtensor maps each element type to its dtype") {
  xt::xtensor<double, 2> d = {{1.5, 2.5}};
  CHECK(from_xtensor(d).dtype() == kFloat64);
  CHECK(from_xtensor(d).sizes() == Shape{1, 2});
  CHECK(from_xtensor(d).to_vector<double>() == std::vector<double>{1.5, 2.5});
  xt::xarray<std::int64_t> i = {3, -4, 5};
  CHECK(from_xtensor(i).dtype() == kInt64);
  CHECK(from_xtensor(i).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, -4, 5});
  xt::xarray<bool> b = {true, false, true};
  CHECK(from_xtensor(b).dtype() == kBool);
  CHECK(from_xtensor(b).to_vector<bool>() == std::vector<bool>{true, false, true});
  xt::xtensor<float, 3> e = xt::zeros<float>({2, 0, 3});
  CHECK(from_xtensor(e).sizes() == Shape{2, 0, 3});
  CHECK(from_xtensor(e).numel() == 0);
}

TEST_CASE("xtensor: the strides of transposed, sliced and column-major containers are honoured") {
  xt::xarray<double> a = {{1, 2, 3}, {4, 5, 6}};
  Tensor t = from_xtensor(xt::transpose(a));
  CHECK(t.sizes() == Shape{3, 2});
  CHECK(t.strides() == Shape{1, 3});
  CHECK(t.to_vector<double>() == std::vector<double>{1, 4, 2, 5, 3, 6});
  t[0][1].fill_(40);  // element (0, 1) of the transpose is a(1, 0)
  CHECK(a(1, 0) == 40.0);

  Tensor s = from_xtensor(xt::view(a, xt::all(), xt::range(1, 3)));
  CHECK(s.sizes() == Shape{2, 2});
  CHECK(s.storage_offset() == 0);
  CHECK(s.data_ptr<double>() == a.data() + 1);
  CHECK(s.to_vector<double>() == std::vector<double>{2, 3, 5, 6});
  s.zero_();
  CHECK(a(0, 1) == 0.0);
  CHECK(a(1, 2) == 0.0);
  CHECK(a(0, 0) == 1.0);

  xt::xarray<float, xt::layout_type::column_major> c = {{1, 2, 3}, {4, 5, 6}};
  Tensor ct = from_xtensor(c);
  CHECK(ct.strides() == Shape{1, 2});
  CHECK_FALSE(ct.is_contiguous());
  CHECK(ct.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});

  // xtensor gives size-1 dimensions a stride of 0
  xt::xarray<float> row = {{1, 2, 3}};
  CHECK(from_xtensor(row).to_vector<float>() == std::vector<float>{1, 2, 3});
  CHECK(from_xtensor(row).sum().item<float>() == 6.0f);
}

TEST_CASE("xtensor: views with negative strides cannot be shared") {
  xt::xarray<double> a = {1, 2, 3};
  using namespace xt::placeholders;
  CHECK_THROWS_AS(from_xtensor(xt::view(a, xt::range(_, _, -1))), ValueError);
  // a copy works
  CHECK(from_xtensor_copy(xt::view(a, xt::range(_, _, -1))).to_vector<double>() == std::vector<double>{3, 2, 1});
}

TEST_CASE("xtensor: from_xtensor_copy evaluates an expression into new memory") {
  xt::xarray<float> a = {{1, 2}, {3, 4}};
  Tensor t = from_xtensor_copy(a);
  CHECK(t.data_ptr() != static_cast<void*>(a.data()));
  a(0, 0) = 100;
  CHECK(t.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
  CHECK(from_xtensor_copy(a * 2.0 + 1.0).dtype() == kFloat64);
  CHECK(from_xtensor_copy(a * 2.0f).to_vector<float>() == std::vector<float>{200, 4, 6, 8});
  CHECK(from_xtensor_copy(xt::transpose(a)).to_vector<float>() == std::vector<float>{100, 3, 2, 4});
  Tensor i = from_xtensor_copy(xt::arange<int>(6) * 2);
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 2, 4, 6, 8, 10});
  Tensor b = from_xtensor_copy(a > 3.0f);
  CHECK(b.dtype() == kBool);
  CHECK(b.to_vector<bool>() == std::vector<bool>{true, false, false, true});
  Tensor s = from_xtensor_copy(xt::xarray<double>(2.5));
  CHECK(s.dim() == 0);
  CHECK(s.item<double>() == 2.5);
}

TEST_CASE("xtensor: to_xarray copies with dtype conversion and any strides") {
  Tensor t = tensor({{1.5, -2.5, 3.0}, {4.0, 5.25, 6.0}});
  xt::xarray<double> a = to_xarray<double>(t);
  CHECK(a.shape() == std::vector<std::size_t>{2, 3});
  CHECK(a(1, 1) == 5.25);
  a(0, 0) = 99;
  CHECK(t[0][0].item<float>() == 1.5f);

  xt::xarray<float> at = to_xarray<float>(t.t());
  CHECK(at.shape() == std::vector<std::size_t>{3, 2});
  CHECK(at(0, 1) == 4.0f);
  CHECK(at(2, 0) == 3.0f);

  xt::xarray<int> ai = to_xarray<int>(t);
  CHECK(ai(0, 1) == -2);  // truncation toward zero, as Tensor::to
  xt::xarray<bool> ab = to_xarray<bool>(tensor({0.0, 0.5}));
  CHECK_FALSE(ab(0));
  CHECK(ab(1));
  CHECK(to_xarray<double>(tensor(4)).dimension() == 0);
  CHECK(to_xarray<double>(tensor(4))() == 4.0);
  CHECK(to_xarray<float>(tensor({1.0, 2.0}, requires_grad()))(1) == 2.0f);
  CHECK_THROWS_AS(to_xarray<float>(Tensor()), ValueError);
}

TEST_CASE("xtensor: a round trip through a tensor gives back the same array") {
  xt::xarray<double> a = {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
  // (xtensor's operator== compares whole arrays: its result is taken out of Catch's decomposer)
  const bool same_copy = to_xarray<double>(from_xtensor_copy(a)) == a;
  const bool same_view = to_xarray<double>(from_xtensor(a)) == a;
  CHECK(same_copy);
  CHECK(same_view);
  xt::xarray<std::int64_t> i = {{-1, 2}, {3, -4}};
  const bool same_int = to_xarray<std::int64_t>(from_xtensor(i)) == i;
  CHECK(same_int);
}

TEST_CASE("xtensor: as_xtensor_view adapts a tensor's memory and honours its strides") {
  Tensor t = arange(6.0).reshape({2, 3});
  auto v = as_xtensor_view<float>(t);
  CHECK(v.shape()[0] == 2);
  CHECK(v.shape()[1] == 3);
  CHECK(v(1, 2) == 5.0f);
  v(1, 0) = 42;
  CHECK(t[1][0].item<float>() == 42.0f);

  Tensor tt = t.t();
  auto vt = as_xtensor_view<float>(tt);
  REQUIRE(vt.dimension() == 2);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      CHECK(vt(i, j) == tt[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)].item<float>());

  // a slice starts at its storage offset
  Tensor col = t.select(1, 2);
  auto vc = as_xtensor_view<float>(col);
  CHECK(vc.size() == 2);
  CHECK(vc(0) == 2.0f);
  CHECK(vc(1) == 5.0f);
  CHECK(xt::sum(vc)() == 7.0f);

  // size-1 dimensions broadcast in xtensor expressions
  Tensor r = tensor({{10.0, 20.0, 30.0}});
  xt::xarray<float> sum = as_xtensor_view<float>(r) + xt::xarray<float>{{1, 2, 3}, {4, 5, 6}};
  CHECK(sum(1, 2) == 36.0f);
  CHECK(sum(0, 0) == 11.0f);
}

TEST_CASE("xtensor: as_xtensor_view of the wrong element type is a DtypeError") {
  CHECK_THROWS_AS(as_xtensor_view<double>(zeros({2})), DtypeError);
  CHECK_THROWS_AS(as_xtensor_view<float>(zeros({2}, kInt64)), DtypeError);
  CHECK_THROWS_WITH(as_xtensor_view<double>(zeros({2})), Catch::Contains("float32") && Catch::Contains("float64"));
  CHECK_NOTHROW(as_xtensor_view<std::int64_t>(zeros({2}, kInt64)));
}
