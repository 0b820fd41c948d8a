// DistributedDataParallel on a real MPI job (ctest runs it under mpiexec -np 2 and -np 3). Every
// rank builds the same data from a fixed seed and computes single-process references itself, so
// the distributed results are checked against exact values on every rank.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "xgrad/distributed.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
namespace dist = xg::distributed;
namespace F = xg::nn::functional;
using Catch::Matchers::Contains;

namespace {
int R() { return dist::rank(); }
int W() { return dist::world_size(); }

/// Largest |a − b| / (atol + rtol |b|) over the elements; ≤ 1 means allclose.
double closeness(const Tensor& a, const Tensor& b, double rtol, double atol = 0) {
  REQUIRE(a.sizes() == b.sizes());
  const auto x = a.detach().to(kFloat64).to_vector<double>(), y = b.detach().to(kFloat64).to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double tol = atol + rtol * std::abs(y[i]);
    const double d = std::abs(x[i] - y[i]);
    worst = std::max(worst, tol > 0 ? d / tol : (d > 0 ? INFINITY : 0.0));
  }
  return worst;
}

/// A model of Linear and Conv layers (no buffers), in `dtype`, with weights drawn from `seed`.
nn::Sequential conv_net(std::uint64_t seed, Dtype dtype) {
  manual_seed(seed);
  nn::Sequential m(nn::Conv2d(2, 3, 3), nn::Tanh(), nn::Flatten(), nn::Linear(3 * 3 * 3, 8), nn::Tanh(),
                   nn::Linear(8, 2));
  m->to(dtype);
  return m;
}
nn::Sequential mlp(std::uint64_t seed, Dtype dtype) {
  manual_seed(seed);
  nn::Sequential m(nn::Linear(6, 16), nn::Tanh(), nn::Linear(16, 16), nn::Tanh(), nn::Linear(16, 3));
  m->to(dtype);
  return m;
}

/// The global batch (identical on every rank) and this rank's equal share of it.
struct Batch {
  Tensor x, y;  // global
  Tensor shard_x(int r, int per_rank) const { return x.narrow(0, r * per_rank, per_rank); }
  Tensor shard_y(int r, int per_rank) const { return y.narrow(0, r * per_rank, per_rank); }
};
Batch make_batch(std::uint64_t seed, const Shape& x_shape, std::int64_t classes_out, Dtype dtype) {
  manual_seed(seed);
  Batch b;
  b.x = randn(x_shape, dtype);
  b.y = randn({x_shape[0], classes_out}, dtype);
  return b;
}

/// Every rank's copy of `t` (bitwise) is the same as rank 0's.
bool bitwise_identical_across_ranks(const std::vector<Tensor>& ts) {
  TensorList flat;
  for (const auto& t : ts) flat.push_back(t.detach().to(kFloat64).reshape({-1}));
  Tensor mine = cat(flat, 0).contiguous();
  std::vector<Tensor> all(W(), empty_like(mine));
  for (auto& t : all) t = empty_like(mine);
  dist::all_gather(all, mine);
  for (const auto& t : all)
    if (std::memcmp(t.data_ptr<double>(), mine.data_ptr<double>(), sizeof(double) * mine.numel()) != 0) return false;
  return true;
}

std::vector<Tensor> grads_of(const nn::Module& m) {
  std::vector<Tensor> g;
  for (const auto& p : m.parameters()) g.push_back(p.grad());
  return g;
}

/// One DDP step on this rank's share against the single-process gradient of the global batch.
void check_one_step(nn::Sequential (*make)(std::uint64_t, Dtype), const Shape& x_shape, Dtype dtype, double rtol,
                    nn::DistributedDataParallelOptions options) {
  const int per_rank = 4;
  Shape gshape = x_shape;
  gshape[0] = per_rank * W();
  Batch batch = make_batch(7, gshape, 0, dtype);
  // Replicas start different on purpose: DDP must copy rank 0's weights everywhere.
  auto replica = make(100 + R(), dtype);
  nn::DistributedDataParallel ddp(replica, options);
  auto reference = make(100, dtype);  // rank 0's initial weights
  const std::int64_t outs = reference->forward(batch.x.narrow(0, 0, 1)).size(1);
  manual_seed(8);
  batch.y = randn({gshape[0], outs}, dtype);

  F::mse_loss(ddp(batch.shard_x(R(), per_rank)), batch.shard_y(R(), per_rank)).backward();
  F::mse_loss(reference->forward(batch.x), batch.y).backward();

  auto got = ddp->named_parameters();
  auto want = reference->named_parameters();
  REQUIRE(got.size() == want.size());
  std::size_t k = 0;
  for (const auto& [name, p] : want) {
    const auto& [gname, gp] = got.items()[k++];
    INFO(name << " on rank " << R() << " of " << W());
    CHECK(gname == "module." + name);
    CHECK(closeness(gp, p, 0) == 0.0);  // parameters: rank 0's, bitwise
    REQUIRE(gp.grad().defined());
    CHECK(closeness(gp.grad(), p.grad(), rtol, rtol * 1e-3) <= 1.0);
  }
  CHECK(bitwise_identical_across_ranks(grads_of(*ddp)));
}
}  // namespace

TEST_CASE("DistributedDataParallel: one step's gradients equal the single-process gradient of the global batch") {
  SECTION("MLP, float64, rtol 1e-12") { check_one_step(mlp, {0, 6}, kFloat64, 1e-12, {}); }
  SECTION("MLP, float32, rtol 1e-5") { check_one_step(mlp, {0, 6}, kFloat32, 1e-5, {}); }
  SECTION("Conv + Linear, float64") { check_one_step(conv_net, {0, 2, 5, 5}, kFloat64, 1e-12, {}); }
  SECTION("Conv + Linear, float32") { check_one_step(conv_net, {0, 2, 5, 5}, kFloat32, 1e-5, {}); }
  SECTION("tiny buckets: one bucket per parameter, same gradients") {
    check_one_step(conv_net, {0, 2, 5, 5}, kFloat64, 1e-12, {.bucket_cap_mb = 1e-6});
  }
  SECTION("no overlap (every bucket started at the end of backward): same gradients") {
    check_one_step(mlp, {0, 6}, kFloat64, 1e-12, {.bucket_cap_mb = 1e-4, .overlap = false});
  }
}

TEST_CASE("DistributedDataParallel: buckets follow reverse registration order and the size cap") {
  auto model = mlp(1, kFloat32);  // 6·16+16 + 16·16+16 + 16·3+3 floats
  nn::DistributedDataParallel one(model);
  CHECK(one->bucket_parameter_names() ==
        std::vector<std::vector<std::string>>{{"4.bias", "4.weight", "2.bias", "2.weight", "0.bias", "0.weight"}});
  auto model2 = mlp(1, kFloat32);
  nn::DistributedDataParallel many(model2, {.bucket_cap_mb = 1e-6});
  auto names = many->bucket_parameter_names();
  REQUIRE(names.size() == 6);
  CHECK(names[0] == std::vector<std::string>{"4.bias"});
  CHECK(names[5] == std::vector<std::string>{"0.weight"});
  // 300 bytes: a bucket closes once it reaches the cap (12 + 192 + 64 + 1024 bytes, then 64 + 384).
  auto model3 = mlp(1, kFloat32);
  nn::DistributedDataParallel mid(model3, {.bucket_cap_mb = 300.0 / (1024 * 1024)});
  CHECK(mid->bucket_parameter_names() ==
        std::vector<std::vector<std::string>>{{"4.bias", "4.weight", "2.bias", "2.weight"}, {"0.bias", "0.weight"}});
  CHECK(mid->last_step_stats().num_buckets == 0);  // no step yet
}

TEST_CASE(
    "DistributedDataParallel: parameters, names and state_dict carry the module. prefix; forward is the module's") {
  auto model = mlp(3, kFloat64);
  nn::DistributedDataParallel ddp(model);
  CHECK(ddp->module().get() == model.ptr().get());
  auto sd = ddp->state_dict();
  CHECK(sd.contains("module.0.weight"));
  CHECK(sd.contains("module.4.bias"));
  CHECK(ddp->parameters().size() == model->parameters().size());
  CHECK(ddp->parameters()[0].is_same(model->parameters()[0]));
  auto x = randn({2, 6}, kFloat64);
  CHECK(closeness(ddp(x), model->forward(x), 0) == 0.0);
  CHECK_THROWS_AS(nn::DistributedDataParallel(mlp(3, kFloat64), {.comm_hook = "int8"}), ValueError);
  CHECK_THROWS_WITH(nn::DistributedDataParallel(mlp(3, kFloat64), {.comm_hook = "int8"}),
                    Contains("unknown comm_hook 'int8'"));
}

namespace {
/// Trains a replica for `steps` steps of SGD (or Adam) on rank-dependent data; returns its parameters.
std::vector<Tensor> train_replica(bool adam, int steps, nn::DistributedDataParallelOptions options = {}) {
  auto replica = conv_net(200 + R(), kFloat32);
  nn::DistributedDataParallel ddp(replica, options);
  std::unique_ptr<optim::Optimizer> opt;
  if (adam) opt = std::make_unique<optim::Adam>(ddp->parameters(), optim::AdamOptions{.lr = 1e-2});
  else opt = std::make_unique<optim::SGD>(ddp->parameters(), optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
  manual_seed(1000 + R());  // each rank its own data
  for (int s = 0; s < steps; ++s) {
    auto x = randn({5, 2, 5, 5});
    auto y = randn({5, 2});
    opt->zero_grad();
    F::mse_loss(ddp(x), y).backward();
    opt->step();
  }
  std::vector<Tensor> out;
  for (const auto& p : ddp->parameters()) out.push_back(p.detach().clone());
  return out;
}
}  // namespace

TEST_CASE(
    "DistributedDataParallel: after 50 steps of SGD and of Adam the parameters are bitwise identical on all ranks") {
  CHECK(bitwise_identical_across_ranks(train_replica(false, 50)));
  CHECK(bitwise_identical_across_ranks(train_replica(true, 50, {.bucket_cap_mb = 1e-4})));
}

TEST_CASE("DistributedDataParallel: a training run is bitwise reproducible run to run") {
  auto a = train_replica(true, 20);
  auto b = train_replica(true, 20);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    CHECK(std::memcmp(a[i].data_ptr<float>(), b[i].data_ptr<float>(), sizeof(float) * a[i].numel()) == 0);
}

TEST_CASE("DistributedDataParallel: no_sync accumulation of k micro-batches equals one big batch") {
  const int k = 3, micro = 2;
  Batch batch = make_batch(11, {k * micro * W(), 6}, 3, kFloat64);
  auto replica = mlp(300 + R(), kFloat64);
  nn::DistributedDataParallel ddp(replica, {.bucket_cap_mb = 1e-4});
  auto reference = mlp(300, kFloat64);
  // This rank's share is k micro-batches; each micro-batch loss is scaled by 1/k so that the sum is
  // the mean over the share.
  Tensor xs = batch.shard_x(R(), k * micro), ys = batch.shard_y(R(), k * micro);
  for (int i = 0; i < k; ++i) {
    auto loss = F::mse_loss(ddp(xs.narrow(0, i * micro, micro)), ys.narrow(0, i * micro, micro)) / double(k);
    if (i < k - 1) {
      auto guard = ddp->no_sync();
      CHECK_FALSE(ddp->require_backward_grad_sync());
      loss.backward();
      // Inside no_sync the gradients are local: they differ between ranks (different data).
    } else {
      CHECK(ddp->require_backward_grad_sync());
      loss.backward();
    }
  }
  F::mse_loss(reference->forward(batch.x), batch.y).backward();
  auto want = reference->parameters();
  auto got = ddp->parameters();
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(closeness(got[i].grad(), want[i].grad(), 1e-12, 1e-15) <= 1.0);
  CHECK(bitwise_identical_across_ranks(grads_of(*ddp)));
}

namespace {
/// Two heads; forward uses head `b` always and head `a` only when use_a is set.
struct TwoHeads : nn::Module {
  nn::Linear trunk{nullptr}, a{nullptr}, b{nullptr};
  bool use_a = true;
  TwoHeads() : Module("TwoHeads") {
    manual_seed(5);
    trunk = register_module("trunk", nn::Linear(4, 4));
    a = register_module("a", nn::Linear(4, 2));
    b = register_module("b", nn::Linear(4, 2));
    to(kFloat64);
  }
  Tensor forward(const Tensor& x) override {
    auto h = trunk(x).tanh();
    return use_a ? b(h) + a(h) : b(h);
  }
};
}  // namespace

TEST_CASE("DistributedDataParallel: find_unused_parameters averages missing gradients as zeros") {
  auto model = std::make_shared<TwoHeads>();
  nn::DistributedDataParallel ddp(model, {.bucket_cap_mb = 1e-6, .find_unused_parameters = true});
  manual_seed(9);
  auto x = randn({3 * W(), 4}, kFloat64);
  Tensor xr = x.narrow(0, 3 * R(), 3);

  SECTION("unused on every rank: those .grad()s stay undefined, the others are averaged") {
    model->use_a = false;
    ddp(xr).sum().backward();
    CHECK_FALSE(model->a->weight.grad().defined());
    CHECK(model->b->weight.grad().defined());
    auto ref = std::make_shared<TwoHeads>();
    ref->use_a = false;
    (ref->forward(x).sum() / double(W())).backward();
    CHECK(closeness(model->trunk->weight.grad(), ref->trunk->weight.grad(), 1e-12) <= 1.0);
  }
  SECTION("used on rank 0 only: its gradient is rank 0's divided by the world size") {
    model->use_a = R() == 0;
    ddp(xr).sum().backward();
    REQUIRE(model->a->weight.grad().defined());
    auto ref = std::make_shared<TwoHeads>();
    ref->forward(x.narrow(0, 0, 3)).sum().backward();
    CHECK(closeness(model->a->weight.grad(), ref->a->weight.grad() / double(W()), 1e-12) <= 1.0);
    CHECK(bitwise_identical_across_ranks(grads_of(*ddp)));
  }
}

TEST_CASE("DistributedDataParallel: without find_unused_parameters a missing gradient is a clear DistributedError") {
  auto model = std::make_shared<TwoHeads>();
  nn::DistributedDataParallel ddp(model);
  model->use_a = false;
  auto x = randn({3, 4}, kFloat64);
  try {
    ddp(x).sum().backward();
    FAIL("expected a DistributedError");
  } catch (const DistributedError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("2 of 6 parameters received no gradient"));
    CHECK_THAT(msg, Contains("'a.weight'"));
    CHECK_THAT(msg, Contains("find_unused_parameters = true"));
  }
  // The next step works again once every parameter is used.
  model->use_a = true;
  model->zero_grad();
  ddp(x).sum().backward();
  CHECK(model->a->weight.grad().defined());
  CHECK(bitwise_identical_across_ranks(grads_of(*ddp)));
}

TEST_CASE("DistributedDataParallel: buffers are broadcast from rank 0 at each training forward") {
  manual_seed(12);
  nn::Sequential model(nn::Linear(3, 4), nn::BatchNorm1d(4, {.momentum = 0.0}), nn::Linear(4, 1));
  nn::DistributedDataParallel ddp(model);
  auto* bn = dynamic_cast<nn::BatchNormImplBase*>(model[1].get());
  REQUIRE(bn != nullptr);
  {
    NoGradGuard ng;
    bn->running_mean.fill_(double(R() + 1));  // ranks diverge
  }
  ddp->eval();
  ddp(randn({2, 3}));  // eval: no broadcast
  CHECK(bn->running_mean.to_vector<float>()[0] == float(R() + 1));
  ddp->train();
  ddp(randn({2, 3}));  // momentum 0: the running mean stays what the broadcast made it
  CHECK(bn->running_mean.to_vector<float>() == std::vector<float>(4, 1.0f));

  nn::Sequential model2(nn::Linear(3, 4), nn::BatchNorm1d(4, {.momentum = 0.0}), nn::Linear(4, 1));
  nn::DistributedDataParallel no_bcast(model2, {.broadcast_buffers = false});
  auto* bn2 = dynamic_cast<nn::BatchNormImplBase*>(model2[1].get());
  {
    NoGradGuard ng;
    bn2->running_mean.fill_(double(R() + 1));
  }
  no_bcast(randn({2, 3}));
  CHECK(bn2->running_mean.to_vector<float>()[0] == float(R() + 1));
}

TEST_CASE("DistributedDataParallel: with BatchNorm buffers, gradients are the average of the shards' gradients") {
  const int per_rank = 4;
  auto make = [](std::uint64_t seed) {
    manual_seed(seed);
    nn::Sequential m(nn::Linear(5, 6), nn::BatchNorm1d(6), nn::Tanh(), nn::Linear(6, 2));
    m->to(kFloat64);
    return m;
  };
  Batch batch = make_batch(13, {per_rank * W(), 5}, 2, kFloat64);
  auto replica = make(400 + R());
  nn::DistributedDataParallel ddp(replica);
  F::mse_loss(ddp(batch.shard_x(R(), per_rank)), batch.shard_y(R(), per_rank)).backward();
  // Reference: each shard through its own copy of rank 0's model (local batch statistics), averaged.
  std::vector<Tensor> sum;
  for (int r = 0; r < W(); ++r) {
    auto ref = make(400);
    F::mse_loss(ref->forward(batch.shard_x(r, per_rank)), batch.shard_y(r, per_rank)).backward();
    auto g = grads_of(*ref);
    if (sum.empty()) sum = g;
    else
      for (std::size_t i = 0; i < g.size(); ++i) sum[i] = sum[i] + g[i];
  }
  auto got = grads_of(*ddp);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(closeness(got[i], sum[i] / double(W()), 1e-12, 1e-15) <= 1.0);
}

TEST_CASE("DistributedDataParallel: fp16 and bf16 compression stay within the format's precision of exact") {
  const int per_rank = 4;
  Batch batch = make_batch(21, {per_rank * W(), 6}, 3, kFloat32);
  auto run = [&](const std::string& hook) {
    auto replica = mlp(500, kFloat32);
    nn::DistributedDataParallel ddp(replica, {.bucket_cap_mb = 1e-4, .comm_hook = hook});
    F::mse_loss(ddp(batch.shard_x(R(), per_rank)), batch.shard_y(R(), per_rank)).backward();
    CHECK(ddp->last_step_stats().num_buckets > 1);
    return std::make_pair(grads_of(*ddp), ddp->last_step_stats().bytes);
  };
  auto [exact, exact_bytes] = run("none");
  for (const auto& [hook, unit] : {std::pair<std::string, double>{"fp16", std::ldexp(1.0, -11)},
                                   std::pair<std::string, double>{"bf16", std::ldexp(1.0, -8)}}) {
    INFO(hook);
    auto [approx, bytes] = run(hook);
    CHECK(bytes * 2 == exact_bytes);  // half the bytes on the wire
    bool differs = false;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      // Each rank's share is rounded once, and each partial sum once more: a few units of the
      // format's precision relative to the largest magnitude involved.
      const double scale = exact[i].abs().max().item<double>();
      CHECK(closeness(approx[i], exact[i], 0, 4 * W() * unit * scale) <= 1.0);
      differs = differs || closeness(approx[i], exact[i], 0) > 0;
    }
    CHECK(differs);  // the compression really happened
    CHECK(bitwise_identical_across_ranks(approx));
  }
}

TEST_CASE(
    "DistributedDataParallel: the fp16 hook rounds to nearest even, with subnormals and overflow, on every path") {
  // Rank 0's gradient is 2v and the others' 0, so the all-reduced average is fp16(2v / 2) = fp16(v)
  // exactly on 2 ranks (1/2 is exact; on 3 ranks 1/3 is not, so the ties below would move).
  if (W() != 2) return;
  const double u = std::ldexp(1.0, -24);  // the smallest fp16 subnormal
  const std::vector<std::pair<double, double>> cases = {
      {1 + std::ldexp(1, -11), 1},                                            // tie: down to even
      {1 + 3 * std::ldexp(1, -11), 1 + std::ldexp(1, -9)},                    // tie: up to even
      {1 + std::ldexp(1, -11) + std::ldexp(1, -20), 1 + std::ldexp(1, -10)},  // above the tie
      {-2.5, -2.5},
      {std::ldexp(1, -14), std::ldexp(1, -14)},            // smallest normal
      {std::ldexp(1, -14) - 0.5 * u, std::ldexp(1, -14)},  // subnormal tie up into the normals
      {0.5 * u, 0},                                        // tie: down to zero
      {0.75 * u, u},
      {1.5 * u, 2 * u},  // subnormal tie: up to even
      {std::ldexp(1, -30), 0},
      {65504, 65504},  // largest finite
      {65519, 65504},
      {65520, INFINITY},  // tie with 2^16: overflow
      {-1e6, -INFINITY},
      {INFINITY, INFINITY},
  };
  // Twice, so that values fall both in 8-wide blocks and in the scalar tail (30 = 3 · 8 + 6).
  std::vector<float> grad, expected;
  for (int rep = 0; rep < 2; ++rep)
    for (const auto& [v, e] : cases) {
      grad.push_back(R() == 0 ? static_cast<float>(2 * v) : 0.0f);
      expected.push_back(static_cast<float>(e));
    }
  const auto n = static_cast<std::int64_t>(grad.size());
  nn::Linear lin(n, 1, {.bias = false});
  nn::DistributedDataParallel ddp(lin, {.comm_hook = "fp16"});
  // loss = x · w with x = the wanted gradient: d loss / d w = x.
  ddp(tensor(grad).view({1, n})).sum().backward();
  const auto got = lin->weight.grad().reshape({-1}).to_vector<float>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("value " << k << ": fp16 of " << cases[k % cases.size()].first);
    CHECK(got[k] == expected[k]);
  }
}

TEST_CASE("DistributedDataParallel: last_step_stats records when each bucket was started and finished") {
  auto replica = conv_net(600, kFloat32);
  nn::DistributedDataParallel ddp(replica, {.bucket_cap_mb = 1e-6});
  F::mse_loss(ddp(randn({4, 2, 5, 5})), randn({4, 2})).backward();
  const auto& s = ddp->last_step_stats();
  REQUIRE(s.num_buckets == 6);
  REQUIRE(s.bucket_started.size() == 6);
  // With overlap, every bucket but the last (the first layer's, whose gradient comes last) starts
  // during backward.
  CHECK(s.buckets_started_during_backward >= 5);
  for (int b = 0; b < 6; ++b) {
    CHECK(s.bucket_started[b] <= s.bucket_completed[b]);
    CHECK(s.bucket_completed[b] <= s.all_done);
  }
  CHECK(s.backward_end <= s.all_done);
  CHECK(s.hidden_fraction() >= 0.0);
  CHECK(s.hidden_fraction() <= 1.0);
  std::int64_t elems = 0;
  for (const auto& p : replica->parameters()) elems += p.numel();
  CHECK(s.bytes == elems * 4);

  nn::DistributedDataParallel late(conv_net(600, kFloat32), {.bucket_cap_mb = 1e-6, .overlap = false});
  F::mse_loss(late(randn({4, 2, 5, 5})), randn({4, 2})).backward();
  CHECK(late->last_step_stats().buckets_started_during_backward == 0);
  CHECK(late->last_step_stats().hidden_fraction() == 0.0);
}
