// Linear regression by gradient descent, with raw xgrad tensors.
//
// We make data from a known line, y = X·w_true + b_true + noise, then recover w and b by
// minimizing the mean squared error with plain gradient descent. The autograd computes
// d loss / d w and d loss / d b; we apply the update by hand under NoGradGuard.
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <iostream>

int main() {
  xg::manual_seed(42);

  // 1. Synthetic data: 200 points with 3 features, the true weights (2, -3.4, 0.5) and bias 4.2.
  const auto w_true = xg::tensor({{2.0}, {-3.4}, {0.5}});
  const double b_true = 4.2;
  const auto X = xg::randn({200, 3});
  const auto y = xg::matmul(X, w_true) + b_true + 0.01 * xg::randn({200, 1});

  // 2. Parameters start at zero and require gradients.
  auto w = xg::zeros({3, 1}, xg::requires_grad());
  auto b = xg::zeros({1}, xg::requires_grad());

  // 3. Gradient descent on the mean squared error.
  const double lr = 0.1;
  for (int step = 0; step <= 100; ++step) {
    auto prediction = xg::matmul(X, w) + b;
    auto loss = (prediction - y).square().mean();
    loss.backward();  // fills w.grad() and b.grad()
    {
      xg::NoGradGuard no_grad;  // the update itself is not part of the model
      w.sub_(lr * w.grad());
      b.sub_(lr * b.grad());
    }
    w.mutable_grad() = xg::Tensor();  // gradients accumulate: clear them every step
    b.mutable_grad() = xg::Tensor();
    if (step % 20 == 0) std::printf("step %3d  loss %.6f\n", step, loss.item<double>());
  }

  // 4. The recovered parameters are close to the true ones.
  std::cout << "learned w = " << w.detach().reshape({3}) << "\n";
  std::cout << "true    w = " << w_true.reshape({3}) << "\n";
  std::printf("learned b = %.4f (true %.1f)\n", b.item<double>(), b_true);
  const double err = (w.detach() - w_true).abs().max().item<double>();
  return err < 0.05 && std::abs(b.item<double>() - b_true) < 0.05 ? 0 : 1;
}
