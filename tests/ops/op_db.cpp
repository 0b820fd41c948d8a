// Assembles the op database from the family files and samples inputs for its entries.
#include "ops/op_db.hpp"

#include <cmath>
#include <functional>

namespace xg::testing {

const std::vector<OpInfo>& op_db() {
  static const std::vector<OpInfo> db = [] {
    std::vector<OpInfo> all;
    add_unary_ops(all);
    add_binary_ops(all);
    add_activation_ops(all);
    add_reduce_ops(all);
    add_shape_ops(all);
    add_index_ops(all);
    add_linalg_ops(all);
    add_nn_ops(all);
    add_conv_ops(all);
    return all;
  }();
  return db;
}

TensorList sample_inputs(const OpInfo& op, std::size_t sample_index) {
  // Seeded by the entry's name and the sample's position, so every run sees the same inputs
  // whatever order the tests run in.
  const std::uint64_t seed = std::hash<std::string>{}(op.name) + 7919 * sample_index;
  const auto& shapes = op.samples.at(sample_index);
  if (op.make_inputs) {
    const std::string saved = default_generator().get_state();
    manual_seed(seed);
    TensorList inputs = op.make_inputs(shapes);
    default_generator().set_state(saved);
    return inputs;
  }
  Generator gen(seed);
  TensorList inputs;
  for (const Shape& s : shapes) {
    std::vector<double> v(static_cast<std::size_t>(numel_of(s)));
    for (double& x : v) {
      x = op.lo + (op.hi - op.lo) * gen.next_double();
      if (op.avoid_zero && std::abs(x) < 0.1) x = x < 0 ? x - 0.1 : x + 0.1;
    }
    inputs.push_back(from_vector(v, s, kFloat64));
  }
  return inputs;
}

}  // namespace xg::testing
