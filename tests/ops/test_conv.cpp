// Convolution and pooling: hand-computed results, both forward algorithms against the naive
// loops of conv_reference.hpp over many geometries, max-pool indices and NaN handling, gradients
// of a small CNN against finite differences, thread-count independence, and the typed errors
// (naming the op and the shapes) for every kind of bad argument.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/conv.hpp"
#include "ops/conv_reference.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using xg::testing::naive_avg_pool2d;
using xg::testing::naive_conv2d;
using xg::testing::naive_conv_transpose2d;
using xg::testing::naive_max_pool2d;
using xg::testing::NaiveConv;
using P2Args = xg::testing::P2;

namespace {

Tensor f64(const TensorData& d) { return tensor(d, kFloat64); }
Tensor grid3() { return f64({{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}}}); }  // [1, 1, 3, 3]

bool close(const Tensor& a, const Tensor& b, double tol = 1e-10) {
  return a.sizes() == b.sizes() && allclose(a.to(kFloat64), b.to(kFloat64), tol, tol);
}

}  // namespace

// ---- hand-computed values -------------------------------------------------------------------------

TEST_CASE("conv2d: a 2x2 difference kernel and a padded 3x3 box sum give the hand-computed values") {
  const Tensor diff = f64({{{{1, 0}, {0, -1}}}});
  // y[i, j] = x[i, j] − x[i+1, j+1] = −4 everywhere, plus the bias
  CHECK(close(conv2d(grid3(), diff), f64({{{{-4, -4}, {-4, -4}}}})));
  CHECK(close(conv2d(grid3(), diff, f64({1})), f64({{{{-3, -3}, {-3, -3}}}})));
  // Each output is the sum of the 3×3 neighbourhood inside the image.
  CHECK(close(conv2d(grid3(), ones({1, 1, 3, 3}, kFloat64), {}, 1, 1),
              f64({{{{12, 21, 16}, {27, 45, 33}, {24, 39, 28}}}})));
  // Stride 2 on the padded grid keeps the corners.
  CHECK(close(conv2d(grid3(), ones({1, 1, 3, 3}, kFloat64), {}, 2, 1), f64({{{{12, 16}, {24, 28}}}})));
}

TEST_CASE("conv1d: a moving sum with dilation 2 skips every other element") {
  const Tensor x = f64({{{1, 2, 3, 4, 5, 6}}});
  CHECK(close(conv1d(x, ones({1, 1, 2}, kFloat64), {}, 1, 0, 2), f64({{{4, 6, 8, 10}}})));
  CHECK(close(conv1d(x, ones({1, 1, 2}, kFloat64), {}, 3), f64({{{3, 9}}})));
}

TEST_CASE("conv_transpose2d: each input pixel stamps the kernel into the output") {
  const Tensor x = f64({{{{1, 2}, {3, 4}}}});
  const Tensor w = ones({1, 1, 2, 2}, kFloat64);
  CHECK(close(conv_transpose2d(x, w, {}, 2), f64({{{{1, 1, 2, 2}, {1, 1, 2, 2}, {3, 3, 4, 4}, {3, 3, 4, 4}}}})));
  CHECK(close(conv_transpose2d(x, w), f64({{{{1, 3, 2}, {4, 10, 6}, {3, 7, 4}}}})));
  // output_padding adds a row and a column that no input reaches (here: zeros plus the bias)
  CHECK(close(conv_transpose2d(x, w, f64({0.5}), 2, 0, 1), f64({{{{1.5, 1.5, 2.5, 2.5, 0.5},
                                                                  {1.5, 1.5, 2.5, 2.5, 0.5},
                                                                  {3.5, 3.5, 4.5, 4.5, 0.5},
                                                                  {3.5, 3.5, 4.5, 4.5, 0.5},
                                                                  {0.5, 0.5, 0.5, 0.5, 0.5}}}})));
}

TEST_CASE("max_pool2d: 2x2 windows of a 4x4 ramp give the lower-right corners and their indices") {
  const Tensor x = arange(16, kFloat64).reshape({1, 1, 4, 4});
  auto [y, idx] = max_pool2d_with_indices(x, 2);
  CHECK(close(y, f64({{{{5, 7}, {13, 15}}}})));
  CHECK(idx.dtype() == kInt64);
  CHECK(equal(idx, tensor({{{{5, 7}, {13, 15}}}})));
  CHECK(close(max_pool2d(x, 2), y));
  // max_pool1d indices count along the length
  auto [y1, i1] = max_pool1d_with_indices(f64({{{3, 1, 4, 1, 5, 9, 2}}}), 3, 2);
  CHECK(close(y1, f64({{{4, 5, 9}}})));
  CHECK(equal(i1, tensor({{{2, 4, 5}}})));
}

TEST_CASE("max_pool2d: a NaN in a window is its maximum, padding never is") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = f64({{{{1, nan, 3, -7}, {4, 2, 0, -8}}}});
  auto [y, idx] = max_pool2d_with_indices(x, 2);
  const auto v = y.to_vector<double>();
  CHECK(std::isnan(v[0]));
  CHECK(v[1] == 3);
  CHECK(equal(idx, tensor({{{{1, 2}}}})));
  // −∞ padding: an all-negative border window still picks an input element
  auto [yp, ip] = max_pool2d_with_indices(f64({{{{-5, -6}, {-7, -8}}}}), 2, 1, 1);
  CHECK(close(yp, f64({{{{-5, -5, -6}, {-5, -5, -6}, {-7, -7, -8}}}})));
  CHECK(equal(ip, tensor({{{{0, 0, 1}, {0, 0, 1}, {2, 2, 3}}}})));
}

TEST_CASE("avg_pool2d and adaptive_avg_pool2d: means over windows, padding counted or not") {
  const Tensor x = arange(16, kFloat64).reshape({1, 1, 4, 4});
  CHECK(close(avg_pool2d(x, 2), f64({{{{2.5, 4.5}, {10.5, 12.5}}}})));
  CHECK(close(adaptive_avg_pool2d(x, 1), f64({{{{7.5}}}})));
  CHECK(close(adaptive_avg_pool2d(x, {2, 1}), f64({{{{3.5}, {11.5}}}})));
  const Tensor one = ones({1, 1, 3, 3}, kFloat64);
  // 3×3 windows around each pixel of a 3×3 image of ones: a corner window has 4 of 9 cells inside
  CHECK(close(avg_pool2d(one, 3, 1, 1),
              f64({{{{4.0 / 9, 6.0 / 9, 4.0 / 9}, {6.0 / 9, 1, 6.0 / 9}, {4.0 / 9, 6.0 / 9, 4.0 / 9}}}})));
  CHECK(close(avg_pool2d(one, 3, 1, 1, false, false), ones({1, 1, 3, 3}, kFloat64)));
  CHECK(close(avg_pool2d(one, 3, 1, 1, false, true, 2), f64({{{{2, 3, 2}, {3, 4.5, 3}, {2, 3, 2}}}})));
}

// ---- both forward algorithms against the naive loops ----------------------------------------------

TEMPLATE_TEST_CASE("conv2d kernels: direct and im2col agree with the naive loops on many geometries", "", float,
                   double) {
  using T = TestType;
  struct Case {
    std::int64_t n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  };
  const Case cases[] = {
      {2, 1, 28, 28, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1},  // the CNN's first layer, fewer channels
      {2, 8, 13, 13, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1},  // its second layer
      {1, 3, 7, 9, 4, 3, 2, 2, 1, 1, 0, 1, 1, 1},    // vertical stride: direct runs per row
      {1, 4, 6, 7, 6, 2, 3, 1, 1, 2, 1, 2, 1, 2},    // padding > kernel, dilation, groups
      {3, 2, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1},    // pointwise
      {1, 6, 8, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6},    // depthwise
      {2, 3, 9, 4, 17, 4, 1, 3, 1, 1, 0, 1, 1, 1},   // tall kernel, many output channels
  };
  std::mt19937 gen(3);
  std::normal_distribution<double> nd;
  for (const Case& c : cases) {
    INFO("case n=" << c.n << " cin=" << c.cin << " h=" << c.h << " w=" << c.w << " cout=" << c.cout);
    kernels::ConvShape s{c.n, c.groups, c.cin, c.h, c.w, c.cout, 0, 0, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw};
    s.out_h = (c.h + 2 * c.ph - c.dh * (c.kh - 1) - 1) / c.sh + 1;
    s.out_w = (c.w + 2 * c.pw - c.dw * (c.kw - 1) - 1) / c.sw + 1;
    auto fill = [&](std::int64_t count) {
      std::vector<double> v(static_cast<std::size_t>(count));
      for (auto& e : v) e = nd(gen);
      return v;
    };
    const auto xv = fill(c.n * c.cin * c.h * c.w), wv = fill(c.cout * (c.cin / c.groups) * c.kh * c.kw),
               bv = fill(c.cout);
    const Tensor x = from_vector(xv, {c.n, c.cin, c.h, c.w}, kFloat64);
    const Tensor w = from_vector(wv, {c.cout, c.cin / c.groups, c.kh, c.kw}, kFloat64);
    const Tensor b = from_vector(bv, {c.cout}, kFloat64);
    const Tensor want = naive_conv2d(
        x, w, b, {.stride = {c.sh, c.sw}, .padding = {c.ph, c.pw}, .dilation = {c.dh, c.dw}, .groups = c.groups});
    const Tensor xt = x.to(dtype_of<T>), wt = w.to(dtype_of<T>), bt = b.to(dtype_of<T>);
    for (auto algo : {kernels::ConvAlgorithm::Direct, kernels::ConvAlgorithm::Im2colGemm}) {
      Tensor y = empty(want.sizes(), dtype_of<T>);
      kernels::conv2d_forward<T>(s, xt.data_ptr<T>(), wt.data_ptr<T>(), bt.data_ptr<T>(), y.data_ptr<T>(), algo);
      CHECK(close(y, want, std::is_same_v<T, float> ? 1e-4 : 1e-10));
    }
  }
}

TEMPLATE_TEST_CASE("conv2d kernels: the input gradient matches the naive transposed convolution", "", float, double) {
  using T = TestType;
  struct Case {
    std::int64_t n, cin, h, w, cout, kh, kw, stride, pad, dil, groups;
  };
  // The first two take the direct path (unit stride: a convolution with the flipped weight),
  // the others GEMM + col2im.
  const Case cases[] = {{2, 8, 13, 13, 5, 3, 3, 1, 0, 1, 1},
                        {1, 4, 12, 14, 6, 3, 3, 1, 1, 2, 2},
                        {2, 3, 9, 9, 4, 3, 3, 2, 1, 1, 1},
                        {1, 2, 5, 6, 3, 2, 2, 1, 0, 1, 1}};
  manual_seed(13);
  for (const Case& c : cases) {
    INFO("case cin=" << c.cin << " h=" << c.h << " stride=" << c.stride);
    kernels::ConvShape s{c.n,  c.groups, c.cin,    c.h,      c.w,   c.cout, 0,     0,
                         c.kh, c.kw,     c.stride, c.stride, c.pad, c.pad,  c.dil, c.dil};
    s.out_h = (c.h + 2 * c.pad - c.dil * (c.kh - 1) - 1) / c.stride + 1;
    s.out_w = (c.w + 2 * c.pad - c.dil * (c.kw - 1) - 1) / c.stride + 1;
    const Tensor gy = randn({c.n, c.cout, s.out_h, s.out_w}, kFloat64);
    const Tensor w = randn({c.cout, c.cin / c.groups, c.kh, c.kw}, kFloat64);
    NaiveConv a{
        .stride = {c.stride, c.stride}, .padding = {c.pad, c.pad}, .dilation = {c.dil, c.dil}, .groups = c.groups};
    // The naive transposed convolution's output size is the natural one; pad it to the input's.
    a.output_padding = {c.h - ((s.out_h - 1) * c.stride - 2 * c.pad + c.dil * (c.kh - 1) + 1),
                        c.w - ((s.out_w - 1) * c.stride - 2 * c.pad + c.dil * (c.kw - 1) + 1)};
    const Tensor want = naive_conv_transpose2d(gy, w, {}, a);
    const Tensor gyt = gy.to(dtype_of<T>), wt = w.to(dtype_of<T>);
    Tensor gx = empty({c.n, c.cin, c.h, c.w}, dtype_of<T>);
    kernels::conv2d_backward_input<T>(s, gyt.data_ptr<T>(), wt.data_ptr<T>(), gx.data_ptr<T>());
    CHECK(close(gx, want, std::is_same_v<T, float> ? 1e-4 : 1e-10));
  }
}

TEST_CASE("conv_transpose2d: matches the naive scatter for strides, paddings, groups and dilations") {
  manual_seed(11);
  struct Case {
    Shape x, w;
    NaiveConv a;
  };
  const Case cases[] = {
      {{2, 4, 3, 4}, {4, 3, 3, 3}, {.stride = {2, 3}, .padding = {1, 0}, .output_padding = {1, 2}}},
      {{1, 4, 5, 5}, {4, 2, 2, 3}, {.padding = {1, 1}, .dilation = {2, 1}, .groups = 2}},
      {{1, 3, 4, 4}, {3, 2, 1, 1}, {}},
  };
  for (const auto& c : cases) {
    const Tensor x = randn(c.x, kFloat64), w = randn(c.w, kFloat64), b = randn({c.w[1] * c.a.groups}, kFloat64);
    const Tensor y = conv_transpose2d(x, w, b, {c.a.stride[0], c.a.stride[1]}, {c.a.padding[0], c.a.padding[1]},
                                      {c.a.output_padding[0], c.a.output_padding[1]}, c.a.groups,
                                      {c.a.dilation[0], c.a.dilation[1]});
    CHECK(close(y, naive_conv_transpose2d(x, w, b, c.a)));
  }
}

TEST_CASE("max_pool2d and avg_pool2d: values and indices match the naive loops with ceil_mode and dilation") {
  manual_seed(5);
  const Tensor x = randn({2, 3, 9, 8}, kFloat64);
  for (bool ceil_mode : {false, true}) {
    Tensor want_idx;
    const Tensor want = naive_max_pool2d(x, {3, 2}, {2, 3}, {1, 1}, {2, 1}, ceil_mode, &want_idx);
    auto [y, idx] = max_pool2d_with_indices(x, {3, 2}, {2, 3}, {1, 1}, {2, 1}, ceil_mode);
    CHECK(close(y, want));
    CHECK(equal(idx, want_idx));
    for (bool count_pad : {false, true})
      CHECK(close(avg_pool2d(x, {3, 4}, {2, 3}, {1, 2}, ceil_mode, count_pad),
                  naive_avg_pool2d(x, {3, 4}, {2, 3}, {1, 2}, ceil_mode, count_pad)));
  }
}

TEMPLATE_TEST_CASE("max_pool2d: whole planes of windows (the vector path) keep the tie, NaN and -inf rules", "", float,
                   double) {
  // Small integers make ties common; NaN and −∞ are sprinkled in. Planes of 12×12 give 36 and
  // 121 outputs per plane: full vectors plus a ragged end.
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::vector<double> v(2 * 3 * 12 * 12);
  std::mt19937 gen(4);
  std::uniform_int_distribution<int> pick(0, 40);
  for (auto& e : v) {
    const int r = pick(gen);
    e = r == 0 ? nan : r == 1 ? -inf : static_cast<double>(r % 4);
  }
  const Tensor x = from_vector(v, {2, 3, 12, 12}, kFloat64);
  const Tensor xt = x.to(dtype_of<TestType>);
  struct Case {
    P2Args k, s, p, d;
  };
  for (const auto& c : {Case{{2, 2}, {2, 2}, {0, 0}, {1, 1}}, Case{{3, 3}, {1, 1}, {1, 1}, {1, 1}},
                        Case{{2, 3}, {1, 2}, {0, 1}, {2, 1}}}) {
    Tensor want_idx;
    const Tensor want = naive_max_pool2d(x, c.k, c.s, c.p, c.d, false, &want_idx);
    Tensor y, idx;
    std::tie(y, idx) =
        max_pool2d_with_indices(xt, {c.k[0], c.k[1]}, {c.s[0], c.s[1]}, {c.p[0], c.p[1]}, {c.d[0], c.d[1]});
    CHECK(equal(idx, want_idx));
    const std::vector<double> got = y.to(kFloat64).to_vector<double>(), expected = want.to_vector<double>();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("output " << i);
      CHECK((std::isnan(expected[i]) ? std::isnan(got[i]) : got[i] == expected[i]));
    }
  }
}

// ---- gradients -----------------------------------------------------------------------------------

TEST_CASE("conv2d: a small CNN's parameter gradients match central differences") {
  // conv → relu → max_pool → conv → avg → linear sum: the layers of the benchmark CNN in miniature.
  manual_seed(21);
  const Tensor x = randn({2, 1, 8, 8}, kFloat64);
  TensorList params = {randn({4, 1, 3, 3}, kFloat64) * 0.5, randn({4}, kFloat64) * 0.1,
                       randn({3, 4, 2, 2}, kFloat64) * 0.5, randn({3}, kFloat64) * 0.1};
  for (auto& p : params) p.requires_grad_();
  auto loss = [&](const TensorList& p) {
    Tensor h = max_pool2d(relu(conv2d(x, p[0], p[1])), 2);
    h = conv2d(h, p[2], p[3], 1, 1);
    return (adaptive_avg_pool2d(h, 1).flatten() * arange(1, 7, 1, kFloat64)).sum();
  };
  CHECK_NOTHROW(autograd::gradcheck(loss, params));
}

TEST_CASE("conv2d: the weight gradient is bit-identical with one and two threads") {
  manual_seed(8);
  const Tensor x = randn({16, 3, 12, 12}), w = randn({8, 3, 3, 3}).requires_grad_(), g = randn({16, 8, 10, 10});
  auto grad_w = [&](std::size_t threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    return autograd::grad({conv2d(x, w)}, {w}, {g})[0];
  };
  CHECK(equal(grad_w(1), grad_w(2)));
}

TEST_CASE("conv2d_weight and conv2d_input: the gradients of conv2d, as torch.nn.grad computes them") {
  manual_seed(9);
  const Tensor x = randn({2, 4, 7, 6}, kFloat64).requires_grad_(), w = randn({6, 2, 3, 2}, kFloat64).requires_grad_();
  const Tensor y = conv2d(x, w, {}, 2, 1, 1, 2);
  const Tensor g = randn(y.sizes(), kFloat64);
  const TensorList grads = autograd::grad({y}, {x, w}, {g});
  CHECK(close(conv2d_input(x.sizes(), w, g, 2, 1, 1, 2), grads[0]));
  CHECK(close(conv2d_weight(x, w.sizes(), g, 2, 1, 1, 2), grads[1]));
}

// ---- argument errors ---------------------------------------------------------------------------

TEST_CASE("conv2d: bad ranks, channels, groups, kernels, hyper-parameters and dtypes are rejected") {
  const Tensor x = zeros({1, 3, 5, 5}), w = zeros({4, 3, 3, 3});
  CHECK_THROWS_AS(conv2d(zeros({3, 4}), w), ShapeError);
  CHECK_THROWS_WITH(conv2d(zeros({3, 4}), w),
                    Catch::Contains("conv2d: expected a 3-D (unbatched) or 4-D") && Catch::Contains("[3, 4]"));
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 3, 3})),
                    Catch::Contains("conv2d: expected a 4-D weight") && Catch::Contains("[4, 3, 3]"));
  CHECK_THROWS_WITH(conv2d(x, zeros({4, 2, 3, 3})),
                    Catch::Contains("conv2d: the input of shape [1, 3, 5, 5] has 3 channels") &&
                        Catch::Contains("[4, 2, 3, 3]") && Catch::Contains("expects 2"));
  CHECK_THROWS_WITH(conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), {}, 1, 0, 1, 2),
                    Catch::Contains("conv2d: the weight of shape [3, 2, 3, 3] has 3 output channels") &&
                        Catch::Contains("groups = 2"));
  CHECK_THROWS_AS(conv2d(zeros({1, 3, 2, 2}), w), ShapeError);
  CHECK_THROWS_WITH(
      conv2d(zeros({1, 3, 2, 2}), w),
      Catch::Contains("conv2d: the kernel of size [3, 3] is larger than the padded input of size [2, 2]"));
  CHECK_THROWS_WITH(conv2d(zeros({1, 3, 4, 4}), w, {}, 1, 0, 2),
                    Catch::Contains("(dilated [5, 5])") && Catch::Contains("[4, 4]"));
  CHECK_THROWS_AS(conv2d(x, w, {}, 0), ValueError);
  CHECK_THROWS_WITH(conv2d(x, w, {}, {1, 0}), Catch::Contains("conv2d: stride must be positive, got [1, 0]"));
  CHECK_THROWS_WITH(conv2d(x, w, {}, 1, -1), Catch::Contains("conv2d: padding must be non-negative"));
  CHECK_THROWS_WITH(conv2d(x, w, {}, 1, 0, 0), Catch::Contains("conv2d: dilation must be positive"));
  CHECK_THROWS_WITH(conv2d(x, w, {}, 1, 0, 1, 0), Catch::Contains("conv2d: groups must be positive"));
  CHECK_THROWS_WITH(conv2d(x, w, {}, {1, 2, 3}),
                    Catch::Contains("conv2d: expected stride to be one number or a list of 2, got a list of 3"));
  CHECK_THROWS_WITH(conv2d(x, w, zeros({3})), Catch::Contains("conv2d: expected a bias of shape [4], got shape [3]"));
  CHECK_THROWS_AS(conv2d(x, w.to(kFloat64)), DtypeError);
  CHECK_THROWS_AS(conv2d(x.to(kInt64), w.to(kInt64)), DtypeError);
  CHECK_THROWS_WITH(conv2d(zeros({1, 3, 0, 5}), w), Catch::Contains("non-zero channels and spatial sizes"));
  CHECK_THROWS_WITH(conv1d(zeros({1, 2, 5}), zeros({1, 3, 2})),
                    Catch::Contains("conv1d: the input of shape [1, 2, 5] has 2 channels"));
}

TEST_CASE("conv_transpose2d and the conv gradients: mismatched shapes and output_padding are rejected") {
  const Tensor x = zeros({1, 4, 3, 3});
  CHECK_THROWS_WITH(conv_transpose2d(x, zeros({3, 2, 3, 3})),
                    Catch::Contains("conv_transpose2d: the input of shape [1, 4, 3, 3] has 4 channels") &&
                        Catch::Contains("[in_channels, out_channels / groups, kernel...]"));
  CHECK_THROWS_WITH(conv_transpose2d(x, zeros({4, 2, 3, 3}), {}, 2, 0, 2),
                    Catch::Contains("conv_transpose2d: output_padding [2, 2] must be smaller than either the stride"));
  CHECK_THROWS_WITH(conv_transpose2d(x, zeros({4, 2, 3, 3}), {}, 1, 3),
                    Catch::Contains("conv_transpose2d: the output size [-1, -1]") && Catch::Contains("not positive"));
  CHECK_THROWS_WITH(conv2d_weight(zeros({2, 3, 5, 5}), {4, 3, 3, 3}, zeros({2, 4, 4, 4})),
                    Catch::Contains("conv2d_weight: expected grad_output of shape [2, 4, 3, 3]") &&
                        Catch::Contains("got [2, 4, 4, 4]"));
  CHECK_THROWS_AS(conv2d_input({2, 3, 5}, zeros({4, 3, 3, 3}), zeros({2, 4, 3, 3})), ShapeError);
}

TEST_CASE("pooling: bad kernels, strides, paddings, sizes and dtypes are rejected naming the op") {
  const Tensor x = zeros({1, 2, 5, 5});
  CHECK_THROWS_WITH(max_pool2d(x, 0), Catch::Contains("max_pool2d: kernel_size must be positive, got [0, 0]"));
  CHECK_THROWS_WITH(max_pool2d(x, 2, {2, 0}), Catch::Contains("max_pool2d: stride must be positive"));
  CHECK_THROWS_WITH(
      max_pool2d(x, 2, 2, 2),
      Catch::Contains("max_pool2d: padding [2, 2] must be non-negative and at most half of kernel_size [2, 2]"));
  CHECK_THROWS_WITH(max_pool2d(x, 3, 1, 0, 3),
                    Catch::Contains("max_pool2d: the input of shape [1, 2, 5, 5] is too small for kernel_size [3, 3]"));
  CHECK_THROWS_WITH(max_pool2d(zeros({5, 5}), 2), Catch::Contains("max_pool2d: expected a 3-D (unbatched) or 4-D"));
  CHECK_THROWS_AS(max_pool2d(x.to(kInt64), 2), DtypeError);
  CHECK_THROWS_WITH(
      max_pool1d(zeros({1, 2, 5}), {2, 2}),
      Catch::Contains("max_pool1d: expected kernel_size to be one number or a list of 1, got a list of 2"));
  CHECK_THROWS_WITH(avg_pool2d(x, 2, 2, 0, false, true, 0),
                    Catch::Contains("avg_pool2d: divisor_override must be positive"));
  CHECK_THROWS_WITH(avg_pool1d(zeros({1, 1, 2}), 3),
                    Catch::Contains("avg_pool1d: the input of shape [1, 1, 2] is too small"));
  CHECK_THROWS_WITH(adaptive_avg_pool2d(x, {2, -1}),
                    Catch::Contains("adaptive_avg_pool2d: output_size must be non-negative, got [2, -1]"));
  CHECK_THROWS_WITH(adaptive_avg_pool2d(zeros({1, 0, 3, 3}), 2), Catch::Contains("non-zero channels"));
}

TEST_CASE("pooling and conv: an empty batch gives an empty result of the right shape") {
  CHECK(conv2d(zeros({0, 3, 5, 5}), zeros({4, 3, 3, 3})).sizes() == Shape{0, 4, 3, 3});
  CHECK(max_pool2d(zeros({0, 3, 4, 4}), 2).sizes() == Shape{0, 3, 2, 2});
  CHECK(avg_pool2d(zeros({0, 3, 4, 4}), 2).sizes() == Shape{0, 3, 2, 2});
}
