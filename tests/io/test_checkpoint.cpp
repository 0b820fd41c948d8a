// Optimizer and scheduler files, and checkpoints: a run stopped, saved, reloaded into fresh
// objects and continued is bit-for-bit the run that never stopped.
#include <catch2/catch.hpp>

#include <cstring>
#include <xgrad/io.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include "data/temp_dir.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {

nn::Sequential mlp() {
  return nn::Sequential(nn::Linear(4, 16), nn::ReLU(), nn::Dropout(nn::DropoutOptions{.p = 0.5}), nn::Linear(16, 2));
}

// One training step on a fixed batch; dropout draws from the global generator.
void train_step(nn::Sequential& model, optim::Optimizer& opt, optim::LRScheduler& sched, const Tensor& x,
                const Tensor& y) {
  opt.zero_grad();
  auto loss = nn::functional::mse_loss(model->forward(x), y);
  loss.backward();
  opt.step();
  sched.step();
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("io::save and io::load: an optimizer's state resumes the same updates", "[io]") {
  testing::TempDir dir;
  manual_seed(0);
  const Tensor x = randn({8, 4}), y = randn({8, 2});
  auto model = nn::Sequential(nn::Linear(4, 3), nn::Tanh(), nn::Linear(3, 2));
  optim::Adam opt(model->parameters(), {.lr = 1e-2, .weight_decay = 1e-3});
  auto step = [&](nn::Sequential& m, optim::Optimizer& o) {
    o.zero_grad();
    nn::functional::mse_loss(m->forward(x), y).backward();
    o.step();
  };
  step(model, opt);
  step(model, opt);
  io::save(*model, dir / "m.safetensors");
  io::save(opt, dir / "adam.safetensors");
  // The optimizer's class travels with its state.
  CHECK(io::load_safetensors_metadata(dir / "adam.safetensors").at("xgrad.class") == "Adam");

  auto model2 = nn::Sequential(nn::Linear(4, 3), nn::Tanh(), nn::Linear(3, 2));
  io::load(*model2, dir / "m.safetensors");
  optim::Adam opt2(model2->parameters(), {.lr = 0.5});
  io::load(opt2, dir / "adam.safetensors");
  CHECK(opt2.lr() == 1e-2);  // hyper-parameters are part of the state
  step(model, opt);
  step(model2, opt2);
  for (const auto& item : model->named_parameters())
    CHECK(bitwise_equal(item.value(), model2->named_parameters()[item.key()]));

  optim::SGD sgd(model2->parameters(), {.lr = 0.1});
  CHECK_THROWS_WITH(io::load(sgd, dir / "adam.safetensors"),
                    Contains("adam.safetensors") && Contains("saved from Adam, not from SGD"));
  CHECK_THROWS_WITH(io::load(sgd, dir / "m.safetensors"), Contains("holds module state, not optimizer state"));
  // Same class, other shapes: the optimizer's own load_state_dict reports it, with the file name.
  auto other = nn::Linear(5, 5);
  optim::Adam opt3(other->parameters());
  CHECK_THROWS_WITH(io::load(opt3, dir / "adam.safetensors"), Contains("loading '") && Contains("adam.safetensors"));
}

TEST_CASE("io::save and io::load: a scheduler resumes its schedule", "[io]") {
  testing::TempDir dir;
  auto lin = nn::Linear(2, 2);
  optim::SGD opt(lin->parameters(), {.lr = 1.0});
  optim::StepLR sched(opt, 2, 0.5);
  for (int i = 0; i < 3; ++i) sched.step();
  io::save(sched, dir / "s.safetensors");
  io::save(opt, dir / "o.safetensors");
  auto lin2 = nn::Linear(2, 2);
  optim::SGD opt2(lin2->parameters(), {.lr = 1.0});
  optim::StepLR sched2(opt2, 2, 0.5);
  // The schedule continues from the optimizer's current learning rate (as PyTorch's chainable
  // form), so the optimizer is restored too.
  io::load(opt2, dir / "o.safetensors");
  io::load(sched2, dir / "s.safetensors");
  CHECK(sched2.last_epoch() == 3);
  sched.step();
  sched2.step();
  CHECK(sched2.get_last_lr() == sched.get_last_lr());
  CHECK(sched2.get_last_lr()[0] == 0.25);
  optim::ExponentialLR expo(opt2, 0.9);
  CHECK_THROWS_WITH(io::load(expo, dir / "s.safetensors"), Contains("saved from StepLR, not from ExponentialLR"));
}

TEST_CASE("load_checkpoint: 3 steps, checkpoint, fresh objects, 3 more steps equals 6 steps bit for bit", "[io]") {
  testing::TempDir dir;
  manual_seed(123);
  const Tensor x = randn({16, 4}), y = randn({16, 2});

  // The run that never stops.
  manual_seed(7);
  auto a = mlp();
  optim::Adam opt_a(a->parameters(), {.lr = 1e-2});
  optim::StepLR sched_a(opt_a, 2, 0.5);
  for (int i = 0; i < 6; ++i) train_step(a, opt_a, sched_a, x, y);

  // The run that stops after 3 steps.
  manual_seed(7);
  auto b = mlp();
  optim::Adam opt_b(b->parameters(), {.lr = 1e-2});
  optim::StepLR sched_b(opt_b, 2, 0.5);
  for (int i = 0; i < 3; ++i) train_step(b, opt_b, sched_b, x, y);
  io::save_checkpoint(
      dir / "ckpt.safetensors",
      {.model = b.get(), .optimizer = &opt_b, .scheduler = &sched_b, .epoch = 3, .metadata = {{"note", "halfway"}}});

  // A new process, in effect: other seed, other initial weights, fresh optimizer and scheduler.
  manual_seed(999);
  auto c = mlp();
  optim::Adam opt_c(c->parameters(), {.lr = 1e-2});
  optim::StepLR sched_c(opt_c, 2, 0.5);
  io::Checkpoint ck{.model = c.get(), .optimizer = &opt_c, .scheduler = &sched_c};
  const auto r = io::load_checkpoint(dir / "ckpt.safetensors", ck);
  CHECK(r.missing_keys.empty());
  CHECK(ck.epoch == 3);
  CHECK(ck.metadata == io::Metadata{{"note", "halfway"}});
  CHECK(sched_c.last_epoch() == 3);
  for (int i = 0; i < 3; ++i) train_step(c, opt_c, sched_c, x, y);

  for (const auto& item : a->named_parameters()) {
    INFO(item.key());
    CHECK(bitwise_equal(item.value(), c->named_parameters()[item.key()]));
  }
  CHECK(opt_c.lr() == opt_a.lr());

  // Without the generator state the dropout masks differ, and so do the weights: the test above
  // would notice a checkpoint that forgot it.
  manual_seed(999);
  auto d = mlp();
  optim::Adam opt_d(d->parameters(), {.lr = 1e-2});
  optim::StepLR sched_d(opt_d, 2, 0.5);
  io::Checkpoint ck_d{.model = d.get(), .optimizer = &opt_d, .scheduler = &sched_d};
  io::load_checkpoint(dir / "ckpt.safetensors", ck_d, {.restore_rng_state = false});
  for (int i = 0; i < 3; ++i) train_step(d, opt_d, sched_d, x, y);
  CHECK_FALSE(bitwise_equal(a->named_parameters()["0.weight"], d->named_parameters()["0.weight"]));
}

TEST_CASE("load_checkpoint: a part that does not fit leaves every object as it was", "[io]") {
  testing::TempDir dir;
  manual_seed(5);
  auto a = mlp();
  optim::Adam opt_a(a->parameters(), {.lr = 1e-2});
  io::save_checkpoint(dir / "ckpt.safetensors", {.model = a.get(), .optimizer = &opt_a, .epoch = 1});

  auto b = mlp();
  const Tensor before = b->named_parameters()["0.weight"].clone();
  optim::SGD sgd(b->parameters(), {.lr = 0.1});
  io::Checkpoint ck{.model = b.get(), .optimizer = &sgd};
  CHECK_THROWS_WITH(io::load_checkpoint(dir / "ckpt.safetensors", ck), Contains("saved from Adam, not from SGD"));
  optim::StepLR sched(sgd, 1);
  io::Checkpoint ck2{.model = b.get(), .scheduler = &sched};
  CHECK_THROWS_WITH(io::load_checkpoint(dir / "ckpt.safetensors", ck2), Contains("holds no scheduler state"));
  // The optimizer fits the model's shapes but not this one's: the model load is undone.
  auto wide = nn::Sequential(nn::Linear(4, 16), nn::ReLU(), nn::Dropout(), nn::Linear(16, 2));
  const Tensor wide_before = wide->named_parameters()["0.weight"].clone();
  optim::Adam opt_w({wide->named_parameters()["0.weight"]});
  io::Checkpoint ck3{.model = wide.get(), .optimizer = &opt_w};
  CHECK_THROWS_AS(io::load_checkpoint(dir / "ckpt.safetensors", ck3), ValueError);
  CHECK(equal(wide->named_parameters()["0.weight"], wide_before));
  CHECK(equal(b->named_parameters()["0.weight"], before));

  io::save(*a, dir / "model.safetensors");
  CHECK_THROWS_WITH(io::load_checkpoint(dir / "model.safetensors", ck), Contains("not an xgrad checkpoint"));
  // io::load takes the model part of a checkpoint, and refuses optimizer files.
  auto e = mlp();
  io::load(*e, dir / "ckpt.safetensors");
  CHECK(equal(e->named_parameters()["3.weight"], a->named_parameters()["3.weight"]));
  io::save(opt_a, dir / "opt.safetensors");
  CHECK_THROWS_WITH(io::load(*e, dir / "opt.safetensors"), Contains("holds optimizer state, not module state"));
  CHECK_THROWS_WITH(io::save_checkpoint(dir / "x.safetensors", {.model = a.get(), .metadata = {{"xgrad.epoch", "2"}}}),
                    Contains("reserved"));
}
