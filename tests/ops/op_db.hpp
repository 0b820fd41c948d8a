// The op database: the single list of ops under test.
// Generic tests (tests/ops/test_op_db.cpp) loop over it: first-order gradcheck of every
// differentiable entry, second-order gradcheck where `gradgrad`, float32 results against the
// float64 run, values against an independent reference where given, and coverage: every op name
// registered with XG_OP_NAME must appear as a node in the graph of some entry's sample.
//
// Each op family adds its entries in its own file (db_unary.cpp, db_binary.cpp, db_reduce.cpp,
// db_shape.cpp, db_index.cpp, db_linalg.cpp, db_activation.cpp, db_nn.cpp) through one add_*_ops function.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "xgrad/xgrad.hpp"

namespace xg::testing {

struct OpInfo {
  /// The entry's name, used in test messages; by convention the op's registered name.
  std::string name = {};
  /// The op applied to its inputs (float64 in the gradient checks, float32 in the dtype check).
  std::function<Tensor(const TensorList&)> fn = {};
  /// Sample calls: the shapes of the inputs for each call. Cover broadcasting where the op
  /// broadcasts (`()`, `(3,)`, `(3,4)` with `(3,1)` and `(1,4)`, `(2,3,4)` with `(2,1,4)`) and
  /// 0-d / empty inputs where valid.
  std::vector<std::vector<Shape>> samples = {};
  /// Inputs are drawn uniformly from [lo, hi]; with avoid_zero, |x| >= 0.1 (ops with a kink at 0).
  double lo = -2.0;
  double hi = 2.0;
  bool avoid_zero = false;
  /// Optional: makes the float64 inputs of one sample (for ops needing special inputs, e.g.
  /// distinct values for max, positive-definite matrices). Receives the sample's shapes.
  std::function<TensorList(const std::vector<Shape>&)> make_inputs = {};
  /// Which inputs are differentiated (by index); empty = every floating-point input.
  std::vector<int> grad_inputs = {};
  bool differentiable = true;
  bool gradgrad = true;
  /// Optional independent float64 reference for the forward values (a closed form, written
  /// without the op under test).
  std::function<Tensor(const TensorList&)> reference = {};
  /// Tolerance of the float32 result against the float64 run (relative, and absolute).
  double float32_rtol = 1e-4;
  double float32_atol = 1e-5;
};

/// All entries, in family order.
const std::vector<OpInfo>& op_db();

/// Float64 inputs for one sample of `op` (uses make_inputs when given), seeded deterministically.
TensorList sample_inputs(const OpInfo& op, std::size_t sample_index);

void add_unary_ops(std::vector<OpInfo>& db);
void add_binary_ops(std::vector<OpInfo>& db);
void add_activation_ops(std::vector<OpInfo>& db);
void add_reduce_ops(std::vector<OpInfo>& db);
void add_shape_ops(std::vector<OpInfo>& db);
void add_index_ops(std::vector<OpInfo>& db);
void add_linalg_ops(std::vector<OpInfo>& db);
/// The ops the nn layer adds (celu, prelu, rrelu, binary_cross_entropy): db_nn.cpp.
void add_nn_ops(std::vector<OpInfo>& db);
void add_conv_ops(std::vector<OpInfo>& db);

}  // namespace xg::testing
