// Op database entries of the linear-algebra family: mm, bmm, matmul (every rank combination and
// batch broadcasting), dot, outer, linear.
#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

// torch.matmul written as a broadcast product and a sum, without mm / bmm / dot:
// (A B)[..., i, j] = Σ_k A[..., i, k] B[..., k, j], 1-D operands given a unit dim and losing it.
Tensor ref_matmul(const Tensor& a, const Tensor& b) {
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  Tensor r = (a2.unsqueeze(-1) * b2.unsqueeze(-3)).sum({-2});
  if (a.dim() == 1) r = r.squeeze(-2);
  if (b.dim() == 1) r = r.squeeze(-1);
  return r;
}

Tensor ref_linear(const TensorList& in) {
  Tensor y = ref_matmul(in[0], in[1].transpose(0, 1));
  return in.size() == 3 ? y + in[2] : y;
}

}  // namespace

void add_linalg_ops(std::vector<OpInfo>& db) {
  db.push_back({
      .name = "mm",
      .fn = [](const TensorList& in) { return mm(in[0], in[1]); },
      .samples = {{{3, 4}, {4, 2}}, {{1, 3}, {3, 1}}, {{2, 1}, {1, 3}}},
      .reference = [](const TensorList& in) { return ref_matmul(in[0], in[1]); },
  });
  // Transposed (strided) operands reach the kernel as they are, without a copy.
  db.push_back({
      .name = "mm (transposed operands)",
      .fn = [](const TensorList& in) { return mm(in[0].t(), in[1].t()); },
      .samples = {{{4, 3}, {2, 4}}, {{3, 2}, {5, 3}}},
      .reference = [](const TensorList& in) { return ref_matmul(in[0].t(), in[1].t()); },
  });
  db.push_back({
      .name = "bmm",
      .fn = [](const TensorList& in) { return bmm(in[0], in[1]); },
      .samples = {{{2, 3, 4}, {2, 4, 5}}, {{1, 2, 2}, {1, 2, 3}}, {{3, 1, 2}, {3, 2, 1}}},
      .reference = [](const TensorList& in) { return ref_matmul(in[0], in[1]); },
  });
  db.push_back({
      .name = "matmul",
      .fn = [](const TensorList& in) { return matmul(in[0], in[1]); },
      .samples = {{{4}, {4}},                  // dot
                  {{3}, {3, 2}},               // vector · matrix
                  {{2, 3}, {3}},               // matrix · vector
                  {{2, 3}, {3, 4}},            // mm
                  {{2, 3, 4}, {4, 2}},         // folded into one mm
                  {{2, 3, 4}, {4}},            // batched matrix · vector
                  {{4}, {2, 4, 3}},            // vector · batched matrix
                  {{3, 4}, {2, 4, 5}},         // matrix broadcast over b's batch
                  {{2, 3, 4}, {2, 4, 5}},      // bmm
                  {{2, 1, 3, 4}, {5, 4, 2}}},  // batch dims broadcast: [2, 5, 3, 2]
      .reference = [](const TensorList& in) { return ref_matmul(in[0], in[1]); },
  });
  db.push_back({
      .name = "dot",
      .fn = [](const TensorList& in) { return dot(in[0], in[1]); },
      .samples = {{{5}, {5}}, {{1}, {1}}},
      .reference = [](const TensorList& in) { return (in[0] * in[1]).sum(); },
  });
  db.push_back({
      .name = "outer",
      .fn = [](const TensorList& in) { return outer(in[0], in[1]); },
      .samples = {{{3}, {4}}, {{1}, {2}}},
      .reference = [](const TensorList& in) { return ref_matmul(in[0].unsqueeze(1), in[1].unsqueeze(0)); },
  });
  db.push_back({
      .name = "linear",
      .fn = [](const TensorList& in) { return in.size() == 3 ? linear(in[0], in[1], in[2]) : linear(in[0], in[1]); },
      .samples = {{{2, 3}, {4, 3}, {4}},     // with bias
                  {{2, 3}, {4, 3}},          // without bias
                  {{2, 2, 3}, {4, 3}, {4}},  // 3-D input
                  {{3}, {2, 3}, {2}}},       // 1-D input
      .reference = ref_linear,
  });
}

}  // namespace xg::testing
