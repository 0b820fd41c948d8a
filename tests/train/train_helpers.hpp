// Small synthetic problems for the training-loop tests.
#pragma once
#include <cstdint>

#include "xgrad/data.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/xgrad.hpp"

namespace xg::testing {

/// n points in three Gaussian blobs (std 0.5) centred at (-2, 0), (2, 0) and (0, 3), labels 0..2.
inline data::TensorDataset blobs(std::int64_t n, std::uint64_t seed) {
  xg::manual_seed(seed);
  Tensor labels = xg::randint(0, 3, {n});
  auto l = labels.to_vector<std::int64_t>();
  std::vector<double> centres;
  const double cx[3] = {-2, 2, 0}, cy[3] = {0, 0, 3};
  for (auto k : l) centres.push_back(cx[k]), centres.push_back(cy[k]);
  Tensor x = xg::from_vector<double>(centres, {n, 2}).to(kFloat32) + 0.5 * xg::randn({n, 2});
  return data::TensorDataset(x, labels);
}

/// A 2 → 16 → 3 MLP with fixed initial weights.
inline nn::Sequential small_mlp(std::uint64_t seed = 3) {
  xg::manual_seed(seed);
  return nn::Sequential({nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3)});
}

}  // namespace xg::testing
