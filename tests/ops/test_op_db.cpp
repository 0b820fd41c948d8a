// The generic op tests: every entry of the op database goes through each of them.
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>
#include <set>
#include <unordered_set>

#include "autograd/record.hpp"
#include "ops/op_db.hpp"

using namespace xg;
using xg::testing::op_db;
using xg::testing::OpInfo;
using xg::testing::sample_inputs;

namespace {

/// Inputs of one sample with requires_grad set on the differentiated ones.
TensorList grad_inputs(const OpInfo& op, std::size_t s) {
  TensorList in = sample_inputs(op, s);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool chosen = op.grad_inputs.empty() ? in[i].is_floating_point()
                                               : std::find(op.grad_inputs.begin(), op.grad_inputs.end(),
                                                           static_cast<int>(i)) != op.grad_inputs.end();
    if (chosen) in[i] = in[i].detach().requires_grad_();
  }
  return in;
}

std::string describe(const OpInfo& op, std::size_t s) {
  std::ostringstream r;
  r << op.name << " with input shapes";
  for (const auto& sh : op.samples[s]) r << ' ' << sh;
  return r.str();
}

void collect_names(const Tensor& out, std::set<std::string>& names) {
  if (!out.defined() || !out.grad_fn()) return;
  std::vector<autograd::Node*> stack{out.grad_fn().get()};
  std::unordered_set<autograd::Node*> seen;
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    names.insert(n->name());
    for (const auto& e : n->next_edges())
      if (e.function) stack.push_back(e.function.get());
  }
}

}  // namespace

TEST_CASE("op database: every entry has samples and a function") {
  REQUIRE_FALSE(op_db().empty());
  std::set<std::string> names;
  for (const auto& op : op_db()) {
    INFO(op.name);
    CHECK(op.fn);
    CHECK_FALSE(op.samples.empty());
    CHECK(names.insert(op.name).second);  // entry names are unique
  }
}

TEST_CASE("op database: every differentiable op passes gradcheck in float64") {
  std::size_t checked = 0;
  for (const auto& op : op_db()) {
    if (!op.differentiable) continue;
    for (std::size_t s = 0; s < op.samples.size(); ++s) {
      INFO(describe(op, s));
      TensorList in = grad_inputs(op, s);
      CHECK_NOTHROW(autograd::gradcheck(op.fn, in));
      ++checked;
    }
  }
  std::cout << "op database: gradcheck ran on " << checked << " samples\n";
  CHECK(checked > 0);
}

TEST_CASE("op database: second derivatives pass gradgradcheck in float64") {
  std::size_t checked = 0;
  for (const auto& op : op_db()) {
    if (!op.differentiable || !op.gradgrad) continue;
    for (std::size_t s = 0; s < op.samples.size(); ++s) {
      INFO(describe(op, s));
      TensorList in = grad_inputs(op, s);
      CHECK_NOTHROW(autograd::gradgradcheck(op.fn, in));
      ++checked;
    }
  }
  std::cout << "op database: gradgradcheck ran on " << checked << " samples\n";
  CHECK(checked > 0);
}

TEST_CASE("op database: float32 results keep their dtype and match the float64 run") {
  for (const auto& op : op_db()) {
    for (std::size_t s = 0; s < op.samples.size(); ++s) {
      INFO(describe(op, s));
      const TensorList in64 = sample_inputs(op, s);
      TensorList in32;
      for (const auto& t : in64) in32.push_back(t.dtype() == kFloat64 ? t.to(kFloat32) : t);
      const Tensor out64 = op.fn(in64);
      const Tensor out32 = op.fn(in32);
      REQUIRE(out64.defined());
      REQUIRE(out32.defined());
      CHECK(out32.sizes() == out64.sizes());
      if (out64.dtype() == kFloat64) {
        CHECK(out32.dtype() == kFloat32);
        CHECK(allclose(out32.to(kFloat64), out64, op.float32_rtol, op.float32_atol));
      } else {
        CHECK(out32.dtype() == out64.dtype());
        CHECK(equal(out32, out64));
      }
    }
  }
}

TEST_CASE("op database: forward values match the independent float64 references") {
  std::size_t checked = 0;
  for (const auto& op : op_db()) {
    if (!op.reference) continue;
    for (std::size_t s = 0; s < op.samples.size(); ++s) {
      INFO(describe(op, s));
      const TensorList in = sample_inputs(op, s);
      const Tensor out = op.fn(in), ref = op.reference(in);
      REQUIRE(out.sizes() == ref.sizes());
      CHECK(allclose(out.to(kFloat64), ref.to(kFloat64), 1e-9, 1e-12));
      ++checked;
    }
  }
  std::cout << "op database: " << checked << " samples checked against references\n";
  CHECK(checked > 0);
}

TEST_CASE("op database: every registered op is covered by some entry's graph") {
  std::set<std::string> recorded;
  std::set<std::string> entries;
  std::size_t samples = 0;
  for (const auto& op : op_db()) {
    entries.insert(op.name);
    if (!op.differentiable) continue;
    for (std::size_t s = 0; s < op.samples.size(); ++s, ++samples) collect_names(op.fn(grad_inputs(op, s)), recorded);
  }
  std::set<std::string> registered(autograd::registered_op_names().begin(), autograd::registered_op_names().end());
  for (const auto& name : registered) {
    INFO("op '" << name << "' is registered with XG_OP_NAME but no op-database entry records it");
    CHECK(recorded.count(name) == 1);
  }
  std::cout << "op database: " << op_db().size() << " entries, " << samples << " differentiable samples, "
            << registered.size() << " registered ops, all covered: "
            << (std::includes(recorded.begin(), recorded.end(), registered.begin(), registered.end()) ? "yes" : "no")
            << "\n";
}
