// The learning-rate range test.
#include "xgrad/train/lr_finder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/train/plot.hpp"

namespace xg::train {

namespace {
template <class Dict>
Dict deep_copy(const Dict& state) {
  Dict copy;
  NoGradGuard no_grad;
  for (const auto& item : state) copy.insert(item.key(), item.value().detach().clone());
  return copy;
}

// The index of the steepest descent of y: the minimum of numpy.gradient(y) (central differences
// inside, one-sided at the ends), over [skip_start, n - skip_end) when that leaves 3 points or more.
std::size_t steepest(const std::vector<double>& y) {
  std::size_t lo = 0, hi = y.size();
  if (y.size() >= 10 + 5 + 3) lo = 10, hi = y.size() - 5;
  const std::size_t n = hi - lo;
  if (n < 2) return lo;
  std::size_t best = lo;
  double best_g = INFINITY;
  for (std::size_t i = lo; i < hi; ++i) {
    const double g = i == lo ? y[i + 1] - y[i] : i == hi - 1 ? y[i] - y[i - 1] : (y[i + 1] - y[i - 1]) / 2;
    if (std::isfinite(g) && g < best_g) best_g = g, best = i;
  }
  return best;
}
}  // namespace

LRFindResult lr_find(const Model& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& loader,
                     LRFindOptions o) {
  XG_CHECK(loss_fn != nullptr, ValueError, "lr_find: the loss function is empty");
  XG_CHECK(o.start_lr > 0 && o.end_lr > o.start_lr, ValueError,
           "lr_find: need 0 < start_lr < end_lr, got start_lr=", o.start_lr, ", end_lr=", o.end_lr);
  XG_CHECK(o.num_iter >= 2, ValueError, "lr_find: num_iter must be >= 2, got ", o.num_iter);
  XG_CHECK(o.smooth > 0 && o.smooth <= 1, ValueError, "lr_find: smooth must be in (0, 1], got ", o.smooth);
  XG_CHECK(o.diverge_threshold > 1, ValueError, "lr_find: diverge_threshold must be > 1, got ", o.diverge_threshold);
  XG_CHECK(loader.size() > 0, ValueError, "lr_find: the loader yields no batch");

  nn::Module& module = model.module();
  const nn::StateDict model_state = deep_copy(module.state_dict());
  const optim::StateDict opt_state = deep_copy(optimizer.state_dict());
  const bool was_training = module.is_training();
  const std::int64_t loader_epoch = loader.epoch();

  LRFindResult r;
  auto restore = [&] {
    module.load_state_dict(model_state);
    optimizer.load_state_dict(opt_state);
    module.train(was_training);
    module.zero_grad();
    loader.set_epoch(loader_epoch);
  };
  try {
    module.train();
    double best = INFINITY, smoothed = 0;
    std::int64_t it = 0;
    while (it < o.num_iter && !r.diverged) {
      for (auto& batch : loader) {
        const double lr = o.start_lr * std::pow(o.end_lr / o.start_lr, double(it) / double(o.num_iter - 1));
        optimizer.set_lr(lr);
        Tensor loss = optimizer.step([&] {
          optimizer.zero_grad();
          Tensor l = loss_fn(model(batch.data), batch.target);
          XG_CHECK(l.defined() && l.numel() == 1, ValueError, "lr_find: the loss must be a one-element tensor, got ",
                   l.defined() ? l.shape() : Shape{});
          l.backward();
          return l;
        });
        const double raw = loss.item<double>();
        smoothed = it == 0 ? raw : o.smooth * raw + (1 - o.smooth) * smoothed;
        r.lrs.push_back(lr);
        r.raw_losses.push_back(raw);
        r.losses.push_back(smoothed);
        ++it;
        if (std::isfinite(smoothed)) best = std::min(best, smoothed);
        if (!std::isfinite(smoothed) || smoothed > o.diverge_threshold * best) {
          r.diverged = true;
          break;
        }
        if (it >= o.num_iter) break;
      }
    }
  } catch (...) {
    restore();
    throw;
  }
  restore();
  r.suggested_index = steepest(r.losses);
  r.suggested_lr = r.lrs.empty() ? o.start_lr : r.lrs[r.suggested_index];
  return r;
}

void plot_lr_find(const LRFindResult& result, const std::string& path) {
  std::vector<Series> series = {
      {.name = "batch loss", .x = result.lrs, .y = result.raw_losses, .color = "#c7c7c7", .markers = false},
      {.name = "smoothed loss", .x = result.lrs, .y = result.losses, .color = "#1f77b4", .markers = false},
  };
  ChartOptions options{.title = "LR finder (suggested lr " +
                                [&] {
                                  char buf[32];
                                  std::snprintf(buf, sizeof buf, "%.3g", result.suggested_lr);
                                  return std::string(buf);
                                }() +
                                ")",
                       .xlabel = "learning rate (log)",
                       .ylabel = "loss",
                       .log_x = true,
                       .x_markers = {result.suggested_lr}};
  write_line_chart(path, series, options);
}

}  // namespace xg::train
