// Local SGD: average_parameters and PeriodicModelAverager on a real MPI job.
#include <catch2/catch.hpp>

#include <cstring>
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

bool bitwise_identical_across_ranks(const std::vector<Tensor>& ts) {
  TensorList flat;
  for (const auto& t : ts) flat.push_back(t.detach().to(kFloat64).reshape({-1}));
  Tensor mine = cat(flat, 0).contiguous();
  std::vector<Tensor> all;
  for (int r = 0; r < W(); ++r) all.push_back(empty_like(mine));
  dist::all_gather(all, mine);
  for (const auto& t : all)
    if (std::memcmp(t.data_ptr<double>(), mine.data_ptr<double>(), sizeof(double) * mine.numel()) != 0) return false;
  return true;
}
}  // namespace

TEST_CASE("average_parameters: every rank ends with the mean of the ranks' values, one message per dtype") {
  // Rank r holds (r + 1) · (1, 2, 3) in float64 and (r + 1) · 10 in float32: the means are
  // (W + 1)/2 times those.
  Tensor a = (arange(1, 4, 1, kFloat64) * double(R() + 1)).requires_grad_();
  Tensor b = full({2, 2}, 10.0 * (R() + 1), kFloat32);
  dist::average_parameters({a, b});
  const double m = (W() + 1) / 2.0;
  CHECK(a.detach().to_vector<double>() == std::vector<double>{m, 2 * m, 3 * m});
  CHECK(b.to_vector<float>() == std::vector<float>(4, float(10 * m)));
  CHECK(a.requires_grad());
  CHECK_THROWS_AS(dist::average_parameters({full({1}, 1.0, kInt64)}), DtypeError);
}

TEST_CASE("PeriodicModelAverager: averages after the warm-up, every period steps") {
  dist::PeriodicModelAverager averager({.period = 3, .warmup_steps = 2});
  Tensor p = full({1}, double(R()), kFloat64);
  std::vector<int> averaged_at;
  for (int s = 0; s < 9; ++s)
    if (averager.average_parameters({p})) averaged_at.push_back(s);
  CHECK(averaged_at == std::vector<int>{2, 5, 8});
  CHECK(averager.step() == 9);
  CHECK_THROWS_AS(dist::PeriodicModelAverager({.period = 0}), ValueError);
}

TEST_CASE("Local SGD: replicas drift apart between averaging steps and are bitwise identical after each") {
  manual_seed(3);
  nn::Sequential model(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 1));
  model->to(kFloat64);
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  dist::PeriodicModelAverager averager({.period = 4, .warmup_steps = 0});
  manual_seed(50 + R());  // each rank trains on its own data
  for (int step = 0; step < 12; ++step) {
    auto x = randn({6, 4}, kFloat64);
    auto y = randn({6, 1}, kFloat64);
    opt.zero_grad();
    F::mse_loss(model->forward(x), y).backward();
    opt.step();
    std::vector<Tensor> before;
    for (const auto& p : model->parameters()) before.push_back(p.detach().clone());
    const bool averaged = averager.average_parameters(model->parameters());
    CHECK(averaged == (step % 4 == 0));
    const bool same = bitwise_identical_across_ranks(model->parameters());
    if (averaged) {
      CHECK(same);
      // The average of the ranks' pre-averaging values.
      for (std::size_t i = 0; i < before.size(); ++i) {
        Tensor s = before[i].clone();
        dist::all_reduce(s);
        const auto want = (s / double(W())).to_vector<double>();
        const auto got = model->parameters()[i].detach().to_vector<double>();
        for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == Approx(want[k]).epsilon(1e-14));
      }
    } else if (W() > 1) {
      CHECK_FALSE(same);  // different data: the replicas diverge until the next average
    }
  }
}
