// update_bn (torch.optim.swa_utils.update_bn): the running statistics after one pass are the
// closed-form averages of the batches' means and unbiased variances; momenta, training modes and
// parameters are put back; batches given as tensors, Examples or pairs; models without BatchNorm.
#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include <xgrad/data/dataloader.hpp>
#include <xgrad/data/dataset.hpp>
#include <xgrad/data/example.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim/averaging.hpp>

using namespace xg;
using Catch::Matchers::Contains;

namespace {

/// Four batches of 10 samples of 3 features, float64, with per-feature scales and offsets.
std::vector<Tensor> make_batches() {
  manual_seed(11);
  std::vector<Tensor> batches;
  for (int b = 0; b < 4; ++b)
    batches.push_back(randn({10, 3}, kFloat64) * tensor({1.0, 2.0, 0.5}, kFloat64) +
                      tensor({0.5, -1.0, 3.0}, kFloat64) * static_cast<double>(b + 1));
  return batches;
}

/// PyTorch's cumulative average (momentum None): the mean over the batches of each batch's mean
/// and unbiased variance. With equal batch sizes the first is the mean of all the data.
std::pair<Tensor, Tensor> expected_stats(const std::vector<Tensor>& batches) {
  Tensor mean = zeros({3}, kFloat64), var = zeros({3}, kFloat64);
  for (const auto& b : batches) {
    mean = mean + b.mean({0});
    var = var + b.var({0}, /*unbiased=*/true);
  }
  const double k = static_cast<double>(batches.size());
  return {mean / k, var / k};
}

}  // namespace

TEST_CASE("update_bn: running statistics become the average of the batch means and unbiased variances",
          "[optim][swa]") {
  const auto batches = make_batches();
  nn::BatchNorm1d bn(3);
  nn::Sequential model({bn, nn::Linear(3, 2)});
  model->to(kFloat64);
  // Statistics from earlier training, which update_bn must discard.
  {
    NoGradGuard ng;
    bn->running_mean.fill_(7.0);
    bn->running_var.fill_(9.0);
  }
  model->eval();
  const auto params_before = model->named_parameters();
  std::vector<Tensor> copies;
  for (const auto& p : params_before) copies.push_back(p.value().clone());

  optim::update_bn(batches, model);

  const auto [mean, var] = expected_stats(batches);
  CHECK(bn->running_mean.allclose(mean, 1e-12, 1e-12));
  CHECK(bn->running_var.allclose(var, 1e-12, 1e-12));
  // The mean equals the mean of all 40 samples, since the batches have equal sizes.
  CHECK(bn->running_mean.allclose(cat(batches, 0).mean({0}), 1e-12, 1e-12));
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 4);
  // Momentum and eval mode are back; the parameters did not change and have no gradient.
  REQUIRE(bn->options.momentum.has_value());
  CHECK(*bn->options.momentum == 0.1);
  CHECK_FALSE(model->is_training());
  CHECK_FALSE(bn->is_training());
  std::size_t i = 0;
  for (const auto& p : model->named_parameters()) {
    CHECK(p.value().equal(copies[i++]));
    CHECK_FALSE(p.value().grad().defined());
  }
}

TEST_CASE("update_bn: batches as Examples or pairs, every BatchNorm, modes restored per module", "[optim][swa]") {
  const auto batches = make_batches();
  const auto [mean, var] = expected_stats(batches);
  std::vector<data::Example> examples;
  std::vector<std::pair<Tensor, Tensor>> pairs;
  for (const auto& b : batches) {
    examples.push_back({b, zeros({10}, kInt64)});
    pairs.emplace_back(b, zeros({10}, kInt64));
  }
  // Two BatchNorms, one with a cumulative momentum already; the second sees the first's output
  // (the Identity-initialized Linear keeps the features, so its statistics are those of BN(x)).
  nn::BatchNorm1d bn1(3), bn2(3, {.momentum = std::nullopt});
  nn::Linear eye(3, 3, {.bias = false, .init = [](Tensor& w) { w.copy_(xg::eye(3)); }});
  nn::Sequential model({bn1, eye, bn2});
  model->to(kFloat64);
  model->train();
  bn2->eval();  // a module kept in eval mode inside a training model stays so

  optim::update_bn(examples, model);
  CHECK(bn1->running_mean.allclose(mean, 1e-12, 1e-12));
  CHECK(bn1->running_var.allclose(var, 1e-12, 1e-12));
  CHECK(bn2->num_batches_tracked.item<std::int64_t>() == 4);
  CHECK_FALSE(bn2->options.momentum.has_value());
  CHECK(bn1->options.momentum == 0.1);
  CHECK(model->is_training());
  CHECK(bn1->is_training());
  CHECK_FALSE(bn2->is_training());

  nn::BatchNorm1d bn3(3);
  bn3->to(kFloat64);
  optim::update_bn(pairs, bn3);
  CHECK(bn3->running_mean.allclose(mean, 1e-12, 1e-12));
  CHECK(bn3->running_var.allclose(var, 1e-12, 1e-12));

  // A DataLoader over the same 40 samples in order, 10 per batch, gives the same batches.
  data::DataLoader loader(data::TensorDataset(cat(batches, 0), zeros({40}, kInt64)), {.batch_size = 10});
  nn::BatchNorm1d bn4(3);
  bn4->to(kFloat64);
  optim::update_bn(loader, bn4);
  CHECK(bn4->running_mean.allclose(mean, 1e-12, 1e-12));
  CHECK(bn4->running_var.allclose(var, 1e-12, 1e-12));
}

TEST_CASE("update_bn: re-estimates the statistics of an AveragedModel's copy", "[optim][swa]") {
  const auto batches = make_batches();
  nn::Sequential model({nn::BatchNorm1d(3), nn::Linear(3, 1)});
  model->to(kFloat64);
  optim::AveragedModel swa_model(model);
  swa_model->update_parameters(model);
  optim::update_bn(batches, swa_model);
  const auto [mean, var] = expected_stats(batches);
  const auto buffers = swa_model->named_buffers();
  CHECK(buffers["module.0.running_mean"].allclose(mean, 1e-12, 1e-12));
  CHECK(buffers["module.0.running_var"].allclose(var, 1e-12, 1e-12));
  // The training model's own statistics are untouched.
  const auto own = model->named_buffers();
  CHECK(own["0.running_mean"].equal(zeros({3}, kFloat64)));
}

TEST_CASE("update_bn: a model without BatchNorm is untouched; an error mid-pass restores the state", "[optim][swa]") {
  // Without BatchNorm the loader is not even iterated: these wrongly-shaped batches would throw.
  nn::Sequential mlp({nn::Linear(3, 2)});
  mlp->eval();
  std::vector<Tensor> bad = {randn({4, 5})};
  CHECK_NOTHROW(optim::update_bn(bad, mlp));
  CHECK_FALSE(mlp->is_training());

  nn::BatchNorm1d bn(3, {.momentum = 0.3});
  nn::Sequential model({bn, nn::Linear(3, 2)});
  model->eval();
  std::vector<Tensor> batches = {randn({4, 3}), randn({4, 5})};
  CHECK_THROWS_AS(optim::update_bn(batches, model), ShapeError);
  CHECK(bn->options.momentum == 0.3);
  CHECK_FALSE(model->is_training());
  CHECK_FALSE(bn->is_training());
}
