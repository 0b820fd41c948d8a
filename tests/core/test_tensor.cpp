// The tensor handle: metadata of fresh tensors and views, storage alignment, deep and shallow
// copies, dtype conversions, element access and its errors, dtype inference of xg::tensor,
// from_blob sharing and deleters, and Shape past its inline capacity.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "xgrad/xgrad.hpp"

using namespace xg;

TEST_CASE("tensor: a fresh tensor reports its sizes, row-major strides, dim and numel") {
  auto t = zeros({2, 3, 4});
  CHECK(t.sizes() == Shape{2, 3, 4});
  CHECK(t.strides() == Shape{12, 4, 1});
  CHECK(t.dim() == 3);
  CHECK(t.numel() == 24);
  CHECK(t.size(-1) == 4);
  CHECK(t.stride(0) == 12);
  CHECK(t.storage_offset() == 0);
  CHECK(t.is_contiguous());
  CHECK(t.dtype() == kFloat32);
  CHECK(t.element_size() == 4);
  CHECK(t.nbytes() == 96);
  CHECK_THROWS_AS(t.size(3), IndexError);

  auto s = zeros({});
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.sizes().empty());
}

TEST_CASE("tensor: slices and selections share storage at the right offset and strides") {
  auto x = arange(12).reshape({3, 4});
  auto row = x.slice(0, 1);
  CHECK(row.sizes() == Shape{2, 4});
  CHECK(row.storage_offset() == 4);
  CHECK(row.is_contiguous());

  auto col = x.select(1, 2);
  CHECK(col.sizes() == Shape{3});
  CHECK(col.strides() == Shape{4});
  CHECK(col.storage_offset() == 2);
  CHECK_FALSE(col.is_contiguous());
  CHECK(col.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 6, 10});

  auto mid = x.narrow(1, 1, 2);
  CHECK(mid.storage_offset() == 1);
  CHECK(mid.strides() == Shape{4, 1});
  CHECK_FALSE(mid.is_contiguous());
  CHECK(mid.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 5, 6, 9, 10});

  auto t = x.t();
  CHECK(t.strides() == Shape{1, 4});
  CHECK_FALSE(t.is_contiguous());
  // a view's first element is its storage at the offset
  CHECK(col.data_ptr<std::int64_t>() == x.data_ptr<std::int64_t>() + 2);
}

TEST_CASE("tensor: fresh storage is 64-byte aligned for every dtype and size") {
  for (Dtype d : {kFloat32, kFloat64, kInt64, kBool})
    for (std::int64_t n : {1, 3, 17, 1000}) {
      auto t = empty({n}, d);
      CHECK(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 64 == 0);
    }
  auto c = arange(10.0).reshape({2, 5}).t().contiguous();
  CHECK(reinterpret_cast<std::uintptr_t>(c.data_ptr()) % 64 == 0);
}

TEST_CASE("tensor: clone is a deep copy and a copied handle is not") {
  auto x = tensor({1.0, 2.0, 3.0});
  auto handle = x;
  auto copy = x.clone();
  CHECK(copy.data_ptr() != x.data_ptr());
  x.fill_(7);
  CHECK(handle.to_vector<float>() == std::vector<float>{7, 7, 7});
  CHECK(copy.to_vector<float>() == std::vector<float>{1, 2, 3});

  auto v = arange(6).reshape({2, 3}).t().clone();
  CHECK(v.is_contiguous());
  CHECK(v.storage_offset() == 0);
  CHECK(v.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("tensor: contiguous of a transpose holds its values in row-major order") {
  auto x = arange(6).reshape({2, 3});
  auto c = x.t().contiguous();
  CHECK(c.sizes() == Shape{3, 2});
  CHECK(c.strides() == Shape{2, 1});
  CHECK(c.is_contiguous());
  const std::int64_t* p = c.data_ptr<std::int64_t>();
  CHECK(std::vector<std::int64_t>(p, p + 6) == std::vector<std::int64_t>{0, 3, 1, 4, 2, 5});
  // contiguous of a contiguous tensor is the same tensor
  CHECK(x.contiguous().is_same(x));
}

TEST_CASE("tensor: to(dtype) truncates floats toward zero and maps non-zero to true") {
  auto f = tensor({-1.7, 1.7, 2.5, -0.5, 0.0});
  CHECK(f.to(kInt64).to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, 1, 2, 0, 0});
  CHECK(f.to(kBool).to_vector<bool>() == std::vector<bool>{true, true, true, true, false});
  CHECK(f.to(kFloat64).dtype() == kFloat64);
  CHECK(f.to(kFloat64).to_vector<double>()[0] == static_cast<double>(-1.7f));
  CHECK(tensor({true, false}).to(kFloat32).to_vector<float>() == std::vector<float>{1, 0});
  CHECK(tensor({3, -4}).to(kFloat64).to_vector<double>() == std::vector<double>{3, -4});
  CHECK(f.to(kFloat32).is_same(f));
  // a conversion of a non-contiguous view is contiguous with its logical values
  auto t = tensor({{1.5, 2.5}, {3.5, 4.5}}).t().to(kInt64);
  CHECK(t.is_contiguous());
  CHECK(t.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 3, 2, 4});
}

TEST_CASE("tensor: item converts a one-element tensor and rejects larger ones") {
  CHECK(tensor(2.5).item<double>() == 2.5);
  CHECK(tensor({{7}}).item<std::int64_t>() == 7);
  CHECK(tensor(2.75).item<std::int64_t>() == 2);
  CHECK(tensor(true).item<float>() == 1.0f);
  CHECK(tensor(5).item().is_integral());
  CHECK(tensor(5).item().to_long() == 5);
  CHECK(tensor(0.5).item().to_double() == 0.5);
  CHECK_THROWS_AS(tensor({1.0, 2.0}).item<float>(), ValueError);
  CHECK_THROWS_AS(zeros({0}).item<float>(), ValueError);
}

TEST_CASE("tensor: data_ptr<T> checks T against the dtype") {
  auto f = zeros({2});
  CHECK(f.data_ptr<float>() != nullptr);
  CHECK_THROWS_AS(f.data_ptr<double>(), DtypeError);
  CHECK_THROWS_AS(f.data_ptr<std::int64_t>(), DtypeError);
  CHECK_THROWS_AS(zeros({2}, kInt64).data_ptr<bool>(), DtypeError);
  CHECK_THROWS_AS(Tensor().data_ptr<float>(), ValueError);
}

TEST_CASE("tensor: to_vector gives the row-major values converted to T") {
  auto x = tensor({{1.25, -2.0}, {3.0, 4.75}});
  CHECK(x.to_vector<float>() == std::vector<float>{1.25f, -2.0f, 3.0f, 4.75f});
  CHECK(x.to_vector<double>() == std::vector<double>{1.25, -2.0, 3.0, 4.75});
  CHECK(x.t().to_vector<float>() == std::vector<float>{1.25f, 3.0f, -2.0f, 4.75f});
  CHECK(x.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3, 4});
  CHECK(tensor({1, 2}).expand({2, 2}).to_vector<int>() == std::vector<int>{1, 2, 1, 2});
}

TEST_CASE("tensor: xg::tensor infers int64, float32 and bool as PyTorch does") {
  CHECK(tensor({1, 2}).dtype() == kInt64);
  CHECK(tensor({1.0, 2}).dtype() == kFloat32);
  CHECK(tensor({1, 2.5}).to_vector<float>() == std::vector<float>{1.0f, 2.5f});
  CHECK(tensor({true, false}).dtype() == kBool);
  CHECK(tensor({true, 2}).dtype() == kInt64);
  CHECK(tensor(3.5).dim() == 0);
  CHECK(tensor(3).dtype() == kInt64);
  CHECK(tensor({1, 2}, kFloat64).dtype() == kFloat64);

  auto m = tensor({{1, 2}, {3, 4}});
  CHECK(m.sizes() == Shape{2, 2});
  CHECK(m.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(tensor({{{1.0}, {2.0}}, {{3.0}, {4.0}}, {{5.0}, {6.0}}}).sizes() == Shape{3, 2, 1});

  CHECK(tensor(std::vector<double>{1, 2, 3}).dtype() == kFloat64);
  CHECK(from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}).sizes() == Shape{2, 3});
  CHECK_THROWS_AS(from_vector(std::vector<float>{1, 2, 3}, {2, 2}), ShapeError);
}

TEST_CASE("tensor: ragged nested lists are a ShapeError") {
  CHECK_THROWS_AS(tensor({{1, 2}, {3}}), ShapeError);
  CHECK_THROWS_AS(tensor({{1, 2}, 3}), ShapeError);
  CHECK_THROWS_AS(tensor({{{1}, {2}}, {{3}, {4, 5}}}), ShapeError);
}

TEST_CASE("tensor: a number beside a nested list is a ShapeError") {
  CHECK_THROWS_AS(tensor({1, {2, 3}}), ShapeError);
  CHECK_THROWS_AS(tensor({1.0, {{2.0}}}), ShapeError);
}

TEST_CASE("tensor: from_blob shares memory both ways without copying") {
  float buf[6] = {0, 1, 2, 3, 4, 5};
  auto t = from_blob(buf, {2, 3}, kFloat32);
  CHECK(t.data_ptr() == static_cast<void*>(buf));
  CHECK(t.strides() == Shape{3, 1});
  buf[4] = 9;
  CHECK(t[1][1].item<float>() == 9.0f);
  t.mul_(2);
  CHECK(buf[5] == 10.0f);
  CHECK(buf[4] == 18.0f);

  // explicit strides: a column-major 2x3 buffer read as its logical matrix
  double cm[6] = {1, 4, 2, 5, 3, 6};
  auto c = from_blob(cm, {2, 3}, {1, 2}, kFloat64);
  CHECK(c.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK_FALSE(c.is_contiguous());
}

TEST_CASE("tensor: a from_blob deleter runs once, when the last view dies") {
  int calls = 0;
  void* seen = nullptr;
  auto* data = new std::int64_t[4]{1, 2, 3, 4};
  {
    Tensor view;
    {
      auto t = from_blob(data, {4}, {1}, kInt64, [&](void* p) {
        ++calls;
        seen = p;
        delete[] static_cast<std::int64_t*>(p);
      });
      view = t.slice(0, 2);
      CHECK(view.to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 4});
    }
    CHECK(calls == 0);  // `view` still shares the storage
    CHECK(view.sum().item<std::int64_t>() == 7);
  }
  CHECK(calls == 1);
  CHECK(seen == data);
}

TEST_CASE("tensor: Shape keeps more than six dimensions on the heap correctly") {
  Shape s{1, 2, 1, 2, 1, 2, 1, 2};
  CHECK(s.size() == 8);
  Shape copy = s;
  copy[0] = 5;
  CHECK(s[0] == 1);
  Shape moved = std::move(copy);
  CHECK(moved[0] == 5);
  CHECK(moved.size() == 8);
  moved.push_back(3);
  moved.insert(0, 7);
  CHECK(moved.size() == 10);
  CHECK(moved.front() == 7);
  CHECK(moved.back() == 3);
  moved.erase(0);
  moved.pop_back();
  CHECK(moved == Shape{5, 2, 1, 2, 1, 2, 1, 2});
  Shape grown;
  for (std::int64_t i = 0; i < 20; ++i) grown.push_back(i);
  CHECK(grown.size() == 20);
  CHECK(grown[19] == 19);
  CHECK(shape_str(Shape{1, 2, 3, 4, 5, 6, 7}) == "[1, 2, 3, 4, 5, 6, 7]");

  // an 8-d tensor: metadata, values and a permutation through the heap-held shape
  auto t = arange(256).reshape({2, 2, 2, 2, 2, 2, 2, 2});
  CHECK(t.dim() == 8);
  CHECK(t.numel() == 256);
  CHECK(t.strides() == Shape{128, 64, 32, 16, 8, 4, 2, 1});
  auto p = t.transpose(0, 7).contiguous();
  CHECK(p.sizes() == Shape{2, 2, 2, 2, 2, 2, 2, 2});
  // element (1,0,...,0) of the transpose is element (0,...,0,1) of t
  CHECK(p.flatten()[128].item<std::int64_t>() == 1);
  CHECK(p.flatten()[1].item<std::int64_t>() == 128);
  CHECK(t.sum().item<std::int64_t>() == 255 * 256 / 2);
}

TEST_CASE("tensor: an empty tensor is contiguous whatever its strides, so it can be viewed") {
  auto e = zeros({4, 0, 3});
  auto t = e.transpose(0, 2);  // shape (3, 0, 4): strides no longer row-major
  CHECK(t.is_contiguous());
  CHECK(t.view({0, 12}).sizes() == Shape{0, 12});
  CHECK(t.reshape({-1}).numel() == 0);
}
