// SyncBatchNorm on a real MPI job: forward, backward and running statistics equal BatchNorm's on
// the global batch (each rank computes that reference itself from the same seed).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "xgrad/distributed.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
namespace dist = xg::distributed;
namespace F = xg::nn::functional;

namespace {
int R() { return dist::rank(); }
int W() { return dist::world_size(); }

double closeness(const Tensor& a, const Tensor& b, double rtol, double atol) {
  REQUIRE(a.sizes() == b.sizes());
  const auto x = a.detach().to(kFloat64).to_vector<double>(), y = b.detach().to(kFloat64).to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(x[i] - y[i]) / (atol + rtol * std::abs(y[i])));
  return worst;
}

Tensor sum_over_ranks(const Tensor& t) {
  Tensor s = t.detach().clone();
  dist::all_reduce(s);
  return s;
}

/// Rank r holds rows [start(r), start(r) + count(r)) of the global batch; counts may differ.
struct Split {
  std::vector<std::int64_t> counts;
  std::int64_t start(int r) const {
    std::int64_t s = 0;
    for (int k = 0; k < r; ++k) s += counts[k];
    return s;
  }
  std::int64_t total() const { return start(static_cast<int>(counts.size())); }
};

/// Runs SyncBatchNorm on this rank's rows and BatchNorm on the global batch; compares outputs,
/// input/weight/bias gradients and running statistics.
void check_against_global(const Shape& per_sample, const Split& split, Dtype dtype, double rtol, int steps = 2) {
  const std::int64_t C = per_sample[0];
  std::vector<std::int64_t> dims{split.total()};
  for (auto d : per_sample) dims.push_back(d);
  const Shape gshape(dims);
  nn::SyncBatchNorm sbn(C, {.momentum = 0.3});
  std::shared_ptr<nn::BatchNormImplBase> ref;
  if (gshape.size() == 4) ref = std::make_shared<nn::BatchNorm2dImpl>(C, nn::BatchNormOptions{.momentum = 0.3});
  else ref = std::make_shared<nn::BatchNorm1dImpl>(C, nn::BatchNormOptions{.momentum = 0.3});
  sbn->to(dtype);
  ref->to(dtype);
  {
    NoGradGuard ng;
    manual_seed(3);
    auto w = randn({C}, dtype), b = randn({C}, dtype);
    sbn->weight.copy_(w);
    ref->weight.copy_(w);
    sbn->bias.copy_(b);
    ref->bias.copy_(b);
  }
  for (int step = 0; step < steps; ++step) {
    manual_seed(40 + step);
    Tensor x = (randn(gshape, dtype) * 3.0 + 5.0).requires_grad_();  // an offset mean tests stability
    Tensor coef = randn(gshape, dtype);
    const std::int64_t s = split.start(R()), n = split.counts[R()];
    Tensor xr = x.detach().narrow(0, s, n).clone().requires_grad_();
    sbn->zero_grad();
    ref->zero_grad();
    Tensor y = sbn(xr);
    Tensor yref = ref->forward(x);
    (y * coef.narrow(0, s, n)).sum().backward();
    (yref * coef).sum().backward();
    INFO("step " << step << ", rank " << R() << " of " << W() << ", input " << gshape);
    CHECK(closeness(y, yref.narrow(0, s, n), rtol, rtol) <= 1.0);
    if (n > 0) CHECK(closeness(xr.grad(), x.grad().narrow(0, s, n), rtol, rtol) <= 1.0);
    CHECK(closeness(sum_over_ranks(sbn->weight.grad()), ref->weight.grad(), rtol, rtol) <= 1.0);
    CHECK(closeness(sum_over_ranks(sbn->bias.grad()), ref->bias.grad(), rtol, rtol) <= 1.0);
    CHECK(closeness(sbn->running_mean, ref->running_mean, rtol, rtol) <= 1.0);
    CHECK(closeness(sbn->running_var, ref->running_var, rtol, rtol) <= 1.0);
    CHECK(sbn->num_batches_tracked.item<std::int64_t>() == step + 1);
  }
  // Eval mode: plain BatchNorm with the (identical) running statistics.
  sbn->eval();
  ref->eval();
  auto x = randn(gshape, dtype);
  CHECK(closeness(sbn(x), ref->forward(x), rtol, rtol) <= 1.0);
}
}  // namespace

TEST_CASE("SyncBatchNorm: forward, backward and running statistics equal BatchNorm on the global batch") {
  const std::vector<std::int64_t> even(W(), 4);
  SECTION("[N, C], float64") { check_against_global({3}, {even}, kFloat64, 1e-12); }
  SECTION("[N, C, L], float64") { check_against_global({3, 5}, {even}, kFloat64, 1e-12); }
  SECTION("[N, C, H, W], float64") { check_against_global({2, 3, 3}, {even}, kFloat64, 1e-12); }
  SECTION("[N, C, H, W], float32") { check_against_global({2, 3, 3}, {even}, kFloat32, 1e-4); }
  SECTION("uneven shares: rank r holds 2r + 1 samples") {
    std::vector<std::int64_t> uneven;
    for (int r = 0; r < W(); ++r) uneven.push_back(2 * r + 1);
    check_against_global({3, 4}, {uneven}, kFloat64, 1e-12);
  }
  SECTION("a rank with no samples") {
    std::vector<std::int64_t> counts(W(), 3);
    counts[W() - 1] = 0;
    check_against_global({2, 3}, {counts}, kFloat64, 1e-12);
  }
}

TEST_CASE("SyncBatchNorm: checks its input and prints as SyncBatchNorm") {
  nn::SyncBatchNorm bn(4);
  CHECK_THROWS_AS(bn(randn({5})), ShapeError);
  CHECK_THROWS_AS(bn(randn({5, 3})), ShapeError);
  std::ostringstream os;
  os << *bn;
  CHECK(os.str() == "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
}

TEST_CASE("convert_sync_batchnorm: replaces every BatchNorm, keeping its tensors, options and mode") {
  manual_seed(1);
  nn::Sequential inner(nn::Conv2d(2, 4, 3), nn::BatchNorm2d(4, {.momentum = 0.2}), nn::ReLU());
  nn::Sequential model(
      {inner, nn::Flatten(), nn::Linear(4 * 3 * 3, 6), nn::BatchNorm1d(6, {.affine = false}), nn::Linear(6, 2)});
  auto* bn2 = dynamic_cast<nn::BatchNormImplBase*>(inner[1].get());
  Tensor w = bn2->weight, rm = bn2->running_mean;
  {
    NoGradGuard ng;
    rm.fill_(0.5);
  }
  const auto keys_before = model->state_dict().keys();
  model->eval();
  auto converted = nn::convert_sync_batchnorm(model.ptr());
  CHECK(converted.get() == model.ptr().get());
  auto* s2 = dynamic_cast<nn::SyncBatchNormImpl*>(inner[1].get());
  auto* s1 = dynamic_cast<nn::SyncBatchNormImpl*>(model[3].get());
  REQUIRE(s2 != nullptr);
  REQUIRE(s1 != nullptr);
  CHECK(s2->weight.is_same(w));
  CHECK(s2->running_mean.is_same(rm));
  CHECK(s2->options.momentum == 0.2);
  CHECK_FALSE(s1->options.affine);
  CHECK_FALSE(s1->weight.defined());
  CHECK_FALSE(s2->is_training());
  CHECK(model->state_dict().keys() == keys_before);
  // A BatchNorm module itself is returned converted.
  auto single = nn::convert_sync_batchnorm(std::make_shared<nn::BatchNorm1dImpl>(3));
  CHECK(dynamic_cast<nn::SyncBatchNormImpl*>(single.get()) != nullptr);
}

TEST_CASE("SyncBatchNorm inside DistributedDataParallel: gradients equal BatchNorm's on the global batch") {
  const int per_rank = 3;
  auto make = [](std::uint64_t seed) {
    manual_seed(seed);
    nn::Sequential m(nn::Linear(4, 5), nn::BatchNorm1d(5), nn::Tanh(), nn::Linear(5, 2));
    m->to(kFloat64);
    return m;
  };
  manual_seed(77);
  auto x = randn({per_rank * W(), 4}, kFloat64);
  auto y = randn({per_rank * W(), 2}, kFloat64);
  auto replica = make(900 + R());
  nn::DistributedDataParallel ddp(nn::convert_sync_batchnorm(replica.ptr()));
  auto reference = make(900);
  F::mse_loss(ddp(x.narrow(0, R() * per_rank, per_rank)), y.narrow(0, R() * per_rank, per_rank)).backward();
  F::mse_loss(reference->forward(x), y).backward();
  auto got = ddp->parameters();
  auto want = reference->parameters();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(closeness(got[i].grad(), want[i].grad(), 1e-11, 1e-14) <= 1.0);
  auto bufs = ddp->buffers();
  auto ref_bufs = reference->buffers();
  CHECK(closeness(bufs[0], ref_bufs[0], 1e-12, 1e-15) <= 1.0);  // running_mean
  CHECK(closeness(bufs[1], ref_bufs[1], 1e-12, 1e-15) <= 1.0);  // running_var
}
