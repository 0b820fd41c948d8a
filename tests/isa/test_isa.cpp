// Runtime instruction-set dispatch (Note [Kernels per instruction set] in lib/kernels/isa.hpp):
// the kernels compiled for every instruction set this processor runs agree with each other to
// rounding (GEMM, convolution and pooling forward and backward, the fused Adam update, a few
// training steps of a conv net), each is bitwise identical at 1 and 2 threads, the copies really
// are different code (their GEMM register tiles differ), and bad names are refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include "kernels/convert16.hpp"
#include "kernels/gemm.hpp"
#include "kernels/reductions.hpp"

using namespace xg;

namespace {

/// Restores the instruction set and thread count a test found.
struct IsaGuard {
  std::string isa = cpu_capability();
  int threads = get_num_threads();
  ~IsaGuard() {
    set_cpu_capability(isa);
    set_num_threads(threads);
  }
};

/// Everything a short training run of a small conv net produces: the outputs of conv2d,
/// max_pool2d, avg_pool2d and a large matmul, and the parameters after 3 Adam steps (their
/// gradients go through the convolution's and the pooling's backward kernels).
std::vector<Tensor> run(Dtype dt) {
  manual_seed(5);
  const Tensor x = randn({6, 3, 14, 14}).to(dt);
  const Tensor target = softmax(randn({6, 10}), 1).to(dt);
  std::vector<Tensor> params = {
      (randn({8, 3, 3, 3}) * 0.3).to(dt).requires_grad_(), (randn({8}) * 0.1).to(dt).requires_grad_(),
      (randn({10, 8 * 3 * 3}) * 0.1).to(dt).requires_grad_(), (randn({10}) * 0.1).to(dt).requires_grad_()};
  const Tensor a = randn({97, 131}).to(dt), b = randn({131, 77}).to(dt);
  std::vector<Tensor> out;
  {
    NoGradGuard ng;
    out.push_back(conv2d(x, params[0], params[1], 1, 1));
    out.push_back(max_pool2d(out[0], 3, 2, 1));
    out.push_back(avg_pool2d(out[0], 2));
    out.push_back(matmul(a, b));
  }
  optim::Adam opt(params, {.lr = 1e-2});
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    const Tensor h = avg_pool2d(max_pool2d(relu(conv2d(x, params[0], params[1], 1, 1)), 2), 2);
    const Tensor logits = linear(h.reshape({6, -1}), params[2], params[3]);
    const Tensor loss = -(target * log_softmax(logits, 1)).sum(Shape{1}).mean();
    loss.backward();
    opt.step();
  }
  for (const Tensor& p : params) out.push_back(p.detach());
  return out;
}

/// Elementwise ops and reductions over 96 × 1000 elements (above the size at which they use
/// threads), on contiguous, broadcast and transposed operands: the dispatched elementwise and
/// reduction kernels (Note [Kernels per instruction set]). Integer and bool results are turned
/// into dt so that one comparison serves all.
std::vector<Tensor> run_elementwise(Dtype dt) {
  manual_seed(11);
  NoGradGuard ng;
  const Tensor x = randn({96, 1000}).to(dt), y = randn({96, 1000}).to(dt), row = randn({1000}).to(dt);
  const Tensor col = randn({96, 1}).to(dt), xt = x.t();
  return {exp(x),
          tanh(x),
          sigmoid(x),
          log1p(abs(x)),
          sin(x),
          erf(x),
          relu(x),
          gelu(x),
          gelu(x, "tanh"),
          softplus(x),
          leaky_relu(x, 0.1),
          elu(x),
          hardtanh(x),
          pow(x, 3.0),
          clamp(x, -0.5, 0.5),
          x + row,
          x * col,
          x / (abs(y) + 1),
          xt - 2 * y.t(),
          maximum(x, y),
          minimum(x, row),
          where(x > y, x, y),
          (x < y).to(dt),
          logical_and(x > 0, y > 0).to(dt),
          isfinite(x / y).to(dt),
          xt.contiguous(),
          x.to(kInt64).to(dt),
          x.sum(Shape{1}),
          x.sum(Shape{0}),
          x.var(Shape{1}),
          x.var(Shape{0}),
          x.std(Shape{1}),
          x.amax(Shape{1}),
          x.amin(Shape{0}),
          x.argmax(1).to(dt),
          x.argmin(0).to(dt),
          std::get<0>(x.max(1)),
          logsumexp(x, Shape{1}),
          logsumexp(x, Shape{0}),
          softmax(x, 1),
          softmax(x, 0),
          log_softmax(x, 1),
          norm(x, 2, Shape{1}),
          norm(x, 3, Shape{1}),
          (x * 0.01 + 1).prod(1),
          x.mean()};
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  if (a.dtype() == kFloat32) {
    const auto x = a.contiguous().to_vector<float>(), y = b.contiguous().to_vector<float>();
    return std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
  }
  const auto x = a.contiguous().to_vector<double>(), y = b.contiguous().to_vector<double>();
  return std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
}

/// max |a − b| / (1 + max |b|).
double relative_difference(const Tensor& a, const Tensor& b) {
  const auto x = a.to(kFloat64).contiguous().to_vector<double>(), y = b.to(kFloat64).contiguous().to_vector<double>();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::abs(x[i] - y[i]));
    scale = std::max(scale, std::abs(y[i]));
  }
  return diff / (1 + scale);
}

}  // namespace

TEST_CASE("the active instruction set is one this processor supports, best first by default", "[isa]") {
  const std::vector<std::string> supported = supported_cpu_capabilities();
  REQUIRE_FALSE(supported.empty());
  CHECK(std::find(supported.begin(), supported.end(), cpu_capability()) != supported.end());
#if defined(__x86_64__)
  CHECK(supported.back() == "sse4");  // the portable baseline is always there
#endif
  // scripts/check-portable.sh runs this under emulated processors and says what each must pick.
  if (const char* expected = std::getenv("XGRAD_EXPECT_ISA")) {
    CHECK(supported.front() == expected);
    CHECK(cpu_capability() == expected);
  }
}

TEST_CASE("set_cpu_capability refuses names it does not know and sets those it does", "[isa]") {
  IsaGuard guard;
  using Catch::Matchers::Contains;
  CHECK_THROWS_AS(set_cpu_capability("avx1024"), ValueError);
  CHECK_THROWS_WITH(set_cpu_capability("avx1024"),
                    Contains("set_cpu_capability") && Contains("avx1024") && Contains("supported: "));
  CHECK_THROWS_AS(set_cpu_capability(""), ValueError);
  for (const std::string& isa : supported_cpu_capabilities()) {
    set_cpu_capability(isa);
    CHECK(cpu_capability() == isa);
  }
}

namespace {
/// Runs `results` on every instruction set this processor supports, at 1 and at 2 threads: each
/// copy's results must be bitwise identical across thread counts and within `tol` (relative) of the
/// first copy's.
void check_copies_agree(std::vector<Tensor> (*results)(Dtype), Dtype dt, double tol) {
  const std::vector<std::string> supported = supported_cpu_capabilities();
  std::vector<Tensor> reference;
  for (const std::string& isa : supported) {
    INFO("instruction set " << isa << ", dtype " << dt);
    set_cpu_capability(isa);
    set_num_threads(1);
    const std::vector<Tensor> one = results(dt);
    set_num_threads(2);
    const std::vector<Tensor> two = results(dt);
    REQUIRE(one.size() == two.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO("result " << i);
      CHECK(bitwise_equal(one[i], two[i]));
    }
    if (reference.empty()) {
      reference = one;
      continue;
    }
    for (std::size_t i = 0; i < one.size(); ++i) {
      INFO("result " << i << " against " << supported.front());
      CHECK(relative_difference(one[i], reference[i]) <= tol);
    }
  }
}
}  // namespace

TEST_CASE("every instruction set's kernels agree with each other and are thread-count deterministic", "[isa]") {
  IsaGuard guard;
  // The vector width changes the order of the dot products' partial sums, nothing else.
  check_copies_agree(run, kFloat32, 2e-5);
  check_copies_agree(run, kFloat64, 1e-12);
}

TEST_CASE("every instruction set's elementwise and reduction kernels agree and are thread-count deterministic",
          "[isa]") {
  IsaGuard guard;
  // Contracted multiply-adds (FMA from AVX2 on) and the vector width change the last bits.
  check_copies_agree(run_elementwise, kFloat32, 1e-5);
  check_copies_agree(run_elementwise, kFloat64, 1e-12);
}

TEST_CASE("each instruction set runs its own copy of the kernels", "[isa]") {
  IsaGuard guard;
  const std::vector<std::string> supported = supported_cpu_capabilities();
  if (supported.size() < 2) SUCCEED("only one instruction set on this processor");
  // The GEMM register tile is a multiple of the vector width: 4 floats with SSE, 16 with AVX-512.
  std::vector<int> widths;
  std::vector<std::int64_t> simd;
  for (const std::string& isa : supported) {
    set_cpu_capability(isa);
    const xg::kernels::GemmTile tile = xg::kernels::gemm_tile<float>();
    INFO(isa << ": tile " << tile.mr << " x " << tile.nr);
    CHECK(tile.mr * tile.nr > 0);
    widths.push_back(tile.mr * tile.nr);
    // the elementwise and reduction kernels' vector width: 4 floats with SSE, 16 with AVX-512
    simd.push_back(xg::kernels::simd_width(kFloat32));
  }
  if (supported.front() != supported.back()) {
    CHECK(widths.front() > widths.back());
    CHECK(simd.front() > simd.back());
  }
}

TEST_CASE("every instruction set converts to and from fp16 and bf16 with the same bits, rounding to nearest even",
          "[isa]") {
  IsaGuard guard;
  using xg::kernels::Format16;
  const float u = std::ldexp(1.0f, -24);  // the smallest fp16 subnormal
  // value, its fp16 bits (round to nearest even), its bf16 bits
  struct Case {
    float v;
    std::uint16_t half, bf16;
  };
  const std::vector<Case> cases = {
      {0.0f, 0x0000, 0x0000},
      {-0.0f, 0x8000, 0x8000},
      {1.0f, 0x3c00, 0x3f80},
      {1.0f + std::ldexp(1.0f, -11), 0x3c00, 0x3f80},      // halfway, even below: down
      {1.0f + 3 * std::ldexp(1.0f, -11), 0x3c02, 0x3f80},  // halfway, odd below: up
      {65504.0f, 0x7bff, 0x4780},                          // fp16's largest finite
      {65520.0f, 0x7c00, 0x4780},                          // rounds to +inf in fp16
      {-1e30f, 0xfc00, 0xf14a},                            // overflow: -inf
      {u, 0x0001, 0x3380},                                 // smallest subnormal
      {u / 2, 0x0000, 0x3300},                             // halfway to 0, even: 0
      {3 * u / 2, 0x0002, 0x33c0},                         // halfway, odd below: up
      {std::ldexp(1.0f, -14), 0x0400, 0x3880},             // smallest normal
      {std::numeric_limits<float>::infinity(), 0x7c00, 0x7f80},
      {1.00390625f, 0x3c04, 0x3f80},  // bf16: halfway, even below: down
      {1.01171875f, 0x3c0c, 0x3f82},  // bf16: halfway, odd below: up
  };
  const int n = 37;  // one vector of 8 and more, and a scalar tail, on every copy
  std::vector<float> src(n), wide(n);
  for (int k = 0; k < n; ++k) src[k] = cases[k % cases.size()].v * 2;  // packed with scale 1/2
  for (const std::string& isa : supported_cpu_capabilities()) {
    set_cpu_capability(isa);
    for (const Format16 f : {Format16::Half, Format16::BFloat16}) {
      const bool half = f == Format16::Half;
      std::vector<std::uint16_t> packed(n), sum(n);
      xg::kernels::pack16(f, src.data(), 0.5f, packed.data(), n);
      for (int k = 0; k < n; ++k) {
        const Case& c = cases[k % cases.size()];
        INFO(isa << (half ? " fp16" : " bf16") << ": element " << k << ", value " << c.v);
        CHECK(packed[k] == (half ? c.half : c.bf16));
      }
      // widening is exact, and x + 0 rounds to x
      xg::kernels::unpack16(f, packed.data(), wide.data(), n);
      std::vector<std::uint16_t> zeros(n, 0);
      sum = packed;
      xg::kernels::add16(f, zeros.data(), sum.data(), n);
      for (int k = 0; k < n; ++k) {
        INFO(isa << (half ? " fp16" : " bf16") << ": element " << k);
        std::vector<std::uint16_t> one = {packed[k]};
        xg::kernels::pack16(f, &wide[k], 1.0f, one.data(), 1);
        CHECK(one[0] == packed[k]);
        CHECK(sum[k] == (packed[k] == 0x8000 ? 0x0000 : packed[k]));  // -0 + 0 = +0
      }
      // 1 + 1 = 2 and a sum that rounds: fp16(1) + fp16(2^-11) = 1 (halfway, even)
      std::vector<float> a = {1.0f, 1.0f}, b = {1.0f, half ? std::ldexp(1.0f, -11) : std::ldexp(1.0f, -8)};
      std::vector<std::uint16_t> pa(2), pb(2);
      xg::kernels::pack16(f, a.data(), 1.0f, pa.data(), 2);
      xg::kernels::pack16(f, b.data(), 1.0f, pb.data(), 2);
      xg::kernels::add16(f, pa.data(), pb.data(), 2);
      CHECK(pb[0] == (half ? 0x4000 : 0x4000));
      CHECK(pb[1] == (half ? 0x3c00 : 0x3f80));
    }
  }
}
