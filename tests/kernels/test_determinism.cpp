// Thread-count determinism and accuracy of the parallel kernels: elementwise ops, reductions and
// softmax over large inputs give bitwise-identical results with 1 and with 2 threads (Note
// [Deterministic reductions] in kernels/reduce.hpp), sums and variances agree with compensated
// long-double references, and a few training steps of an MLP and of a small conv net with Adam
// end with bitwise-identical parameters at 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

using namespace xg;

namespace {

struct ThreadsGuard {
  int saved = get_num_threads();
  ~ThreadsGuard() { set_num_threads(saved); }
};

/// Whether a and b hold the same bytes (same shape and dtype).
bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  if (a.dtype() == kFloat32) {
    const auto x = ac.to_vector<float>(), y = bc.to_vector<float>();
    return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
  }
  if (a.dtype() == kFloat64) {
    const auto x = ac.to_vector<double>(), y = bc.to_vector<double>();
    return std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  }
  return equal(a, b);
}

/// f() computed with 1 thread and with 2 threads.
std::pair<Tensor, Tensor> at_1_and_2(const std::function<Tensor()>& f) {
  ThreadsGuard guard;
  set_num_threads(1);
  Tensor one = f();
  set_num_threads(2);
  Tensor two = f();
  return {one, two};
}

/// Σ v in long double with Kahan compensation.
long double kahan_sum(const std::vector<double>& v) {
  long double s = 0, c = 0;
  for (double x : v) {
    const long double y = static_cast<long double>(x) - c;
    const long double t = s + y;
    c = (t - s) - y;
    s = t;
  }
  return s;
}

}  // namespace

TEST_CASE("reductions are bitwise identical with 1 and 2 threads along every dim", "[determinism]") {
  manual_seed(11);
  // 1e6 elements as [1000, 1000], and shapes with few long rows (blocks of one row run on
  // different threads) and many short ones.
  for (const Shape& shape : {Shape{1000, 1000}, Shape{3, 200003}, Shape{200003, 3}}) {
    for (Dtype dt : {kFloat32, kFloat64}) {
      const Tensor x = (randn(shape) * 3 + 1).to(dt);
      for (std::int64_t d : {0, 1}) {
        INFO("shape " << shape << ", dtype " << dt << ", dim " << d);
        const std::vector<std::pair<const char*, std::function<Tensor()>>> cases = {
            {"sum", [&] { return sum(x, {d}); }},
            {"mean", [&] { return mean(x, {d}); }},
            {"var", [&] { return var(x, Shape{d}); }},
            {"amax", [&] { return amax(x, {d}); }},
            {"max values", [&] { return std::get<0>(max(x, d)); }},
            {"argmax", [&] { return argmax(x, d); }},
            {"logsumexp", [&] { return logsumexp(x, {d}); }},
            {"softmax", [&] { return softmax(x, d); }},
            {"log_softmax", [&] { return log_softmax(x, d); }},
        };
        for (const auto& [name, f] : cases) {
          INFO(name);
          const auto [one, two] = at_1_and_2(f);
          CHECK(bitwise_equal(one, two));
        }
      }
      INFO("whole-tensor reductions, dtype " << dt);
      for (const auto& f :
           std::vector<std::function<Tensor()>>{[&] { return sum(x); }, [&] { return mean(x); }, [&] { return var(x); },
                                                [&] { return max(x); }, [&] { return argmax(x); },
                                                [&] {
                                                  return logsumexp(x, {0, 1});
                                                }}) {
        const auto [one, two] = at_1_and_2(f);
        CHECK(bitwise_equal(one, two));
      }
    }
  }
}

TEST_CASE("elementwise ops are bitwise identical with 1 and 2 threads and independent of layout", "[determinism]") {
  manual_seed(12);
  const Tensor x = randn({700, 301});
  const Tensor row = randn({301}), col = randn({700, 1});
  const std::vector<std::function<Tensor()>> cases = {
      [&] { return exp(x); },          [&] { return tanh(x); },
      [&] { return sigmoid(x); },      [&] { return gelu(x); },
      [&] { return x + row; },         [&] { return x * col; },
      [&] { return exp(x.t()); },      [&] { return x.t() - col.t(); },
      [&] { return maximum(x, row); }, [&] { return where(x > 0, x, row); }};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const auto [one, two] = at_1_and_2(cases[i]);
    CHECK(bitwise_equal(one, two));
  }
  // An element's value does not depend on where it sits: vector body, row tail, or strided.
  const Tensor e = exp(x);
  CHECK(bitwise_equal(exp(x.t()).t().contiguous(), e));
  for (std::int64_t i : {0, 17, 300, 301 * 700 - 1}) {
    const Tensor xi = x.reshape({-1}).slice(0, i, i + 1);
    CHECK(bitwise_equal(exp(xi), e.reshape({-1}).slice(0, i, i + 1)));
  }
}

TEST_CASE("sum, mean and var of a million floats match compensated long-double references", "[determinism]") {
  manual_seed(13);
  const Tensor x = randn({1000000}) * 2 + 10;  // a large common offset
  const std::vector<double> v = x.to_vector<double>();
  const long double s = kahan_sum(v);
  const long double m = s / static_cast<long double>(v.size());
  std::vector<double> dev(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) dev[i] = static_cast<double>((v[i] - m) * (v[i] - m));
  const long double var_ref = kahan_sum(dev) / static_cast<long double>(v.size() - 1);
  // float32 results: the double accumulation leaves only the final rounding to float (2^-24).
  CHECK(std::abs(sum(x).item<double>() - static_cast<double>(s)) <= 1e-7 * std::abs(static_cast<double>(s)));
  CHECK(std::abs(mean(x).item<double>() - static_cast<double>(m)) <= 1e-7 * std::abs(static_cast<double>(m)));
  CHECK(std::abs(var(x).item<double>() - static_cast<double>(var_ref)) <= 1e-6 * static_cast<double>(var_ref));
  // float64: the blocked double sum is within a few ulps of the compensated one.
  const Tensor xd = x.to(kFloat64);
  CHECK(std::abs(sum(xd).item<double>() - static_cast<double>(s)) <= 1e-13 * std::abs(static_cast<double>(s)));
  CHECK(std::abs(var(xd).item<double>() - static_cast<double>(var_ref)) <= 1e-12 * static_cast<double>(var_ref));
}

TEST_CASE("logsumexp, softmax and argmax along each dim match float64 references", "[determinism]") {
  manual_seed(14);
  const Tensor x = randn({300, 500}) * 4;
  const std::vector<double> v = x.to_vector<double>();
  for (std::int64_t d : {0, 1}) {
    INFO("dim " << d);
    const std::int64_t rows = d == 1 ? 300 : 500, n = d == 1 ? 500 : 300;
    auto at = [&](std::int64_t r, std::int64_t j) {
      return d == 1 ? v[static_cast<std::size_t>(r * 500 + j)] : v[static_cast<std::size_t>(j * 500 + r)];
    };
    const auto lse = logsumexp(x, {d}).to_vector<double>();
    const auto am = argmax(x, d).to_vector<std::int64_t>();
    const Tensor sm = softmax(x, d), lsm = log_softmax(x, d);
    const auto smv = sm.to_vector<double>(), lsmv = lsm.to_vector<double>();
    double worst_lse = 0, worst_sm = 0, worst_lsm = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      double m = -INFINITY;
      std::int64_t best = 0;
      for (std::int64_t j = 0; j < n; ++j)
        if (at(r, j) > m) {
          m = at(r, j);
          best = j;
        }
      long double s = 0;
      for (std::int64_t j = 0; j < n; ++j) s += std::exp(static_cast<long double>(at(r, j) - m));
      const double ref = static_cast<double>(m + std::log(s));
      worst_lse = std::max(worst_lse, std::abs(lse[static_cast<std::size_t>(r)] - ref) / std::abs(ref));
      CHECK(am[static_cast<std::size_t>(r)] == best);
      for (std::int64_t j = 0; j < n; ++j) {
        const std::size_t k = static_cast<std::size_t>(d == 1 ? r * 500 + j : j * 500 + r);
        const double p =
            static_cast<double>(std::exp(static_cast<long double>(at(r, j)) - static_cast<long double>(ref)));
        worst_sm = std::max(worst_sm, std::abs(smv[k] - p) / p);
        worst_lsm = std::max(worst_lsm, std::abs(lsmv[k] - (at(r, j) - ref)) / std::max(1.0, std::abs(at(r, j) - ref)));
      }
    }
    // float32 outputs: a few units of float's 6e-8 relative precision
    CHECK(worst_lse < 1e-6);
    CHECK(worst_sm < 1e-5);
    CHECK(worst_lsm < 1e-6);
  }
}

TEST_CASE("reductions over leading and middle dims are thread-count independent and match the row kernels",
          "[determinism]") {
  manual_seed(15);
  // Middle runs with several outer indices and a column tail (70 = 64 + 6 kept columns), a
  // leading dim of a 4-d tensor (the conv bias-gradient pattern), and two adjacent leading dims.
  struct Case {
    Shape shape;
    Shape dims;
  };
  for (const Case& c :
       {Case{{4, 500, 70}, {1}}, Case{{8, 16, 32, 32}, {0}}, Case{{30, 40, 300}, {0, 1}}, Case{{3000, 37}, {0}}}) {
    for (Dtype dt : {kFloat32, kFloat64}) {
      Tensor x = (randn(c.shape) * 3 + 1).to(dt);
      INFO("shape " << c.shape << ", dims " << c.dims << ", dtype " << dt);
      const std::int64_t d = c.dims[0];
      const std::vector<std::pair<const char*, std::function<Tensor()>>> cases = {
          {"sum", [&] { return sum(x, c.dims); }},
          {"var", [&] { return var(x, c.dims); }},
          {"std", [&] { return xg::std(x, c.dims); }},
          {"amax", [&] { return amax(x, c.dims); }},
          {"amin", [&] { return amin(x, c.dims); }},
          {"max values", [&] { return std::get<0>(max(x, d)); }},
          {"max indices", [&] { return std::get<1>(max(x, d)); }},
          {"argmin", [&] { return argmin(x, d); }},
          {"logsumexp", [&] { return logsumexp(x, c.dims); }},
      };
      for (const auto& [name, f] : cases) {
        INFO(name);
        const auto [one, two] = at_1_and_2(f);
        CHECK(bitwise_equal(one, two));
      }
      // The extremes are exact: the same as the transposed row kernel (a non-contiguous view
      // takes the transposing path), ties going to the first index.
      const Tensor xt = x.transpose(0, x.dim() - 1).contiguous().transpose(0, x.dim() - 1);
      CHECK(bitwise_equal(amax(x, c.dims), amax(xt, c.dims)));
      CHECK(bitwise_equal(amin(x, c.dims), amin(xt, c.dims)));
      CHECK(equal(argmax(x, d), argmax(xt, d)));
      CHECK(equal(std::get<1>(min(x, d)), std::get<1>(min(xt, d))));
      CHECK(allclose(logsumexp(x, c.dims), logsumexp(xt, c.dims), 1e-6, 0));
      CHECK(allclose(var(x, c.dims), var(xt, c.dims), 1e-6, 0));
    }
  }
}

TEST_CASE("argmax, amax and logsumexp over dim 0 propagate NaN and keep the first of ties", "[determinism]") {
  // column 0: a tie of maxima at rows 1 and 3; column 5: NaN at rows 2 and 4; column 17 (in the
  // scalar tail of 18 columns): NaN at row 3; column 9: +inf at row 0; column 11: all -inf.
  std::vector<float> data(5 * 18, 0.0f);
  auto at = [&](int r, int c) -> float& { return data[static_cast<std::size_t>(r * 18 + c)]; };
  at(1, 0) = at(3, 0) = 7.0f;
  at(2, 5) = at(4, 5) = NAN;
  at(3, 17) = NAN;
  at(0, 9) = INFINITY;
  for (int i = 0; i < 5; ++i) at(i, 11) = -INFINITY;
  const Tensor x = from_vector(data, {5, 18});
  const auto am = argmax(x, 0).to_vector<std::int64_t>();
  const auto an = argmin(x, 0).to_vector<std::int64_t>();
  const auto mx = amax(x, {0}).to_vector<float>();
  const auto lse = logsumexp(x, {0}).to_vector<float>();
  CHECK(am[0] == 1);
  CHECK(am[5] == 2);
  CHECK(an[5] == 2);
  CHECK(am[17] == 3);
  CHECK(am[9] == 0);
  CHECK(am[1] == 0);  // all zeros: the first
  CHECK(mx[0] == 7.0f);
  CHECK(std::isnan(mx[5]));
  CHECK(std::isnan(mx[17]));
  CHECK(std::isnan(lse[5]));
  CHECK(std::isnan(lse[17]));
  CHECK(lse[9] == INFINITY);
  CHECK(lse[11] == -INFINITY);
  CHECK(std::abs(lse[1] - std::log(5.0f)) < 1e-6f);
}

TEST_CASE("sums and variances over dim 0 of a million floats match compensated references", "[determinism]") {
  manual_seed(16);
  const std::int64_t rows = 15625, cols = 64 + 3;  // one full column chunk and a tail
  const Tensor x = randn({rows, cols}) * 2 + 10;
  const std::vector<double> v = x.to_vector<double>();
  const auto s32 = sum(x, {0}).to_vector<double>();
  const auto v32 = var(x, Shape{0}).to_vector<double>();
  const auto s64 = sum(x.to(kFloat64), {0}).to_vector<double>();
  double worst32 = 0, worst64 = 0, worst_var = 0;
  for (std::int64_t c = 0; c < cols; ++c) {
    std::vector<double> col(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r)
      col[static_cast<std::size_t>(r)] = v[static_cast<std::size_t>(r * cols + c)];
    const long double s = kahan_sum(col);
    const long double m = s / static_cast<long double>(rows);
    std::vector<double> dev(col.size());
    for (std::size_t i = 0; i < col.size(); ++i) dev[i] = static_cast<double>((col[i] - m) * (col[i] - m));
    const double var_ref = static_cast<double>(kahan_sum(dev) / static_cast<long double>(rows - 1));
    const double sd = static_cast<double>(s);
    const std::size_t k = static_cast<std::size_t>(c);
    worst32 = std::max(worst32, std::abs(s32[k] - sd) / std::abs(sd));
    worst64 = std::max(worst64, std::abs(s64[k] - sd) / std::abs(sd));
    worst_var = std::max(worst_var, std::abs(v32[k] - var_ref) / var_ref);
  }
  CHECK(worst32 <= 1e-7);
  CHECK(worst64 <= 1e-13);
  CHECK(worst_var <= 1e-6);
}

namespace {

/// Parameters after `steps` Adam steps on a fixed batch, from a fixed seed.
std::vector<Tensor> train(bool conv, int steps) {
  manual_seed(21);
  std::vector<Tensor> params;
  auto param = [&](const Shape& s, double scale) {
    params.push_back((randn(s) * scale).requires_grad_());
    return params.back();
  };
  Tensor input, target;
  std::function<Tensor()> forward;
  if (!conv) {
    input = randn({256, 200});
    target = softmax(randn({256, 10}), 1);
    Tensor w1 = param({512, 200}, 0.07), b1 = param({512}, 0.1), w2 = param({10, 512}, 0.04), b2 = param({10}, 0.1);
    forward = [=] { return linear(relu(linear(input, w1, b1)), w2, b2); };
  } else {
    input = randn({32, 3, 16, 16});
    target = softmax(randn({32, 10}), 1);
    Tensor cw = param({16, 3, 3, 3}, 0.2), cb = param({16}, 0.1), w = param({10, 16 * 8 * 8}, 0.03),
           b = param({10}, 0.1);
    forward = [=] {
      const Tensor h = max_pool2d(tanh(conv2d(input, cw, cb, 1, 1)), 2);
      return linear(h.reshape({32, -1}), w, b);
    };
  }
  optim::Adam opt(params, {.lr = 1e-2});
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    const Tensor loss = -(target * log_softmax(forward(), 1)).sum(Shape{1}).mean();
    loss.backward();
    opt.step();
  }
  return params;
}

void check_training_is_deterministic(bool conv) {
  ThreadsGuard guard;
  set_num_threads(1);
  const auto one = train(conv, 3);
  set_num_threads(2);
  const auto two = train(conv, 3);
  REQUIRE(one.size() == two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    INFO("parameter " << i);
    CHECK(bitwise_equal(one[i], two[i]));
  }
  // and training moved them (the test would be vacuous otherwise)
  manual_seed(21);
  CHECK_FALSE(bitwise_equal(one[0], train(conv, 0)[0]));
}

}  // namespace

TEST_CASE("an MLP trained with Adam ends bitwise identical with 1 and 2 threads", "[determinism]") {
  check_training_is_deterministic(false);
}

TEST_CASE("a conv net trained with Adam ends bitwise identical with 1 and 2 threads", "[determinism]") {
  check_training_is_deterministic(true);
}

TEST_CASE("amax, argmax, logsumexp and softmax along the last dim propagate a NaN inside a SIMD batch",
          "[determinism]") {
  std::vector<float> data(2 * 40, 1.0f);
  data[5] = NAN;        // row 0, in the first batch
  data[40 + 33] = NAN;  // row 1, in a later batch
  const Tensor x = from_vector(data, {2, 40});
  const auto mx = amax(x, {1}).to_vector<float>();
  const auto am = argmax(x, 1).to_vector<std::int64_t>();
  const auto lse = logsumexp(x, {1}).to_vector<float>();
  CHECK(std::isnan(mx[0]));
  CHECK(std::isnan(mx[1]));
  CHECK(am[0] == 5);
  CHECK(am[1] == 33);
  CHECK(std::isnan(lse[0]));
  CHECK(std::isnan(lse[1]));
  const Tensor xt = x.t().contiguous();  // softmax over dim 0: the lanes kernel
  CHECK(std::isnan(softmax(xt, 0).to_vector<float>()[5 * 2]));
}
