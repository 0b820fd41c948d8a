// Op database entries of the convolution and pooling family: conv1d / conv2d, conv_transpose1d /
// conv_transpose2d, conv2d_weight / conv2d_input, max / avg / adaptive-avg pooling in 1-d and 2-d,
// and the pooling backward ops (as vector-Jacobian products, whose graphs record them). Each
// entry fixes one set of hyper-parameters (stride, padding, dilation, groups, bias, ceil_mode);
// forward values are compared with the naive loops of conv_reference.hpp.
#include "ops/conv_reference.hpp"
#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

using Fn = std::function<Tensor(const TensorList&)>;

Tensor bias_of(const TensorList& in, std::size_t i) { return in.size() > i ? in[i] : Tensor(); }

/// Adds a unit height to 1-d tensors ([N, C, L] → [N, C, 1, L]) for the 2-d references.
Tensor as_2d(const Tensor& t) { return t.unsqueeze(-2); }

/// (x, v) ↦ vᵀ ∂f(x)/∂x, built with create_graph so that the result's graph holds f's backward
/// op — the function gradcheck then checks that op's own derivative.
Fn vjp_of(std::function<Tensor(const Tensor&)> f) {
  return [f](const TensorList& in) {
    const Tensor x = in[0].requires_grad() ? in[0] : in[0].detach().requires_grad_();
    return autograd::grad({f(x)}, {x}, {in[1]}, std::nullopt, /*create_graph=*/true)[0];
  };
}

/// vᵀ A for a linear map A given by its naive forward: entry i is ⟨v, A eᵢ⟩.
Tensor naive_transpose(const std::function<Tensor(const Tensor&)>& naive, const Shape& x_shape, const Tensor& v) {
  const std::int64_t n = numel_of(x_shape);
  const auto vv = v.to_vector<double>();
  std::vector<double> r(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<double> e(static_cast<std::size_t>(n), 0.0);
    e[static_cast<std::size_t>(i)] = 1.0;
    const auto y = naive(from_vector(e, x_shape, kFloat64)).to_vector<double>();
    double s = 0;
    for (std::size_t k = 0; k < y.size(); ++k) s += y[k] * vv[k];
    r[static_cast<std::size_t>(i)] = s;
  }
  return from_vector(r, x_shape, kFloat64);
}

/// Inputs whose first tensor has distinct values 0.1 apart in random order (max pooling is only
/// differentiable away from ties); the others are standard normal.
TensorList distinct_first(const std::vector<Shape>& shapes) {
  TensorList in;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const std::int64_t n = numel_of(shapes[i]);
    if (i == 0) in.push_back((randperm(n).to(kFloat64) * 0.1 - 0.05 * static_cast<double>(n)).reshape(shapes[i]));
    else in.push_back(randn(shapes[i], kFloat64));
  }
  return in;
}

constexpr double kConvAtol32 = 1e-4;

}  // namespace

void add_conv_ops(std::vector<OpInfo>& db) {
  // ---- conv2d -----------------------------------------------------------------------------------
  db.push_back({
      .name = "conv2d",
      .fn = [](const TensorList& in) { return conv2d(in[0], in[1], bias_of(in, 2)); },
      .samples = {{{2, 3, 5, 5}, {4, 3, 3, 3}, {4}},  // K = 27: the direct kernel
                  {{1, 4, 4, 5}, {2, 4, 3, 3}, {2}},  // K = 36: im2col + GEMM
                  {{2, 3, 3, 4}, {5, 3, 1, 1}, {5}},  // 1×1: GEMM on the image itself
                  {{3, 4, 4}, {2, 3, 2, 2}}},         // unbatched, no bias
      .reference =
          [](const TensorList& in) {
            if (in[0].dim() == 3) return naive_conv2d(in[0].unsqueeze(0), in[1], bias_of(in, 2), {}).squeeze(0);
            return naive_conv2d(in[0], in[1], bias_of(in, 2), {});
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv2d (stride and padding)",
      .fn =
          [](const TensorList& in) {
            return conv2d(in[0], in[1], bias_of(in, 2), {2, 1}, {1, 2});
          },
      .samples = {{{1, 2, 5, 6}, {3, 2, 3, 2}},        // unit horizontal stride: direct, one run per row
                  {{2, 5, 6, 5}, {2, 5, 3, 3}, {2}}},  // K = 45: im2col
      .reference =
          [](const TensorList& in) {
            return naive_conv2d(in[0], in[1], bias_of(in, 2), {.stride = {2, 1}, .padding = {1, 2}});
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv2d (horizontal stride)",
      .fn =
          [](const TensorList& in) {
            return conv2d(in[0], in[1], bias_of(in, 2), {1, 2}, 1);
          },
      .samples = {{{1, 2, 4, 7}, {3, 2, 3, 3}, {3}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv2d(in[0], in[1], bias_of(in, 2), {.stride = {1, 2}, .padding = {1, 1}});
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv2d (dilation and groups)",
      .fn = [](const TensorList& in) { return conv2d(in[0], in[1], bias_of(in, 2), 1, 1, 2, 2); },
      .samples = {{{1, 4, 5, 6}, {4, 2, 2, 2}, {4}},  // direct
                  {{2, 6, 5, 5}, {2, 3, 3, 3}}},      // direct, no bias
      .reference =
          [](const TensorList& in) {
            return naive_conv2d(in[0], in[1], bias_of(in, 2), {.padding = {1, 1}, .dilation = {2, 2}, .groups = 2});
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv2d (depthwise, strided)",
      .fn = [](const TensorList& in) { return conv2d(in[0], in[1], bias_of(in, 2), 2, 1, 1, 3); },
      .samples = {{{2, 3, 5, 5}, {6, 1, 3, 3}, {6}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv2d(in[0], in[1], bias_of(in, 2), {.stride = {2, 2}, .padding = {1, 1}, .groups = 3});
          },
      .float32_atol = kConvAtol32,
  });

  // ---- conv1d -----------------------------------------------------------------------------------
  db.push_back({
      .name = "conv1d",
      .fn = [](const TensorList& in) { return conv1d(in[0], in[1], bias_of(in, 2), 2, 1); },
      .samples = {{{2, 2, 7}, {3, 2, 3}, {3}}, {{2, 6}, {1, 2, 2}}},
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 3;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y =
                naive_conv2d(as_2d(x), as_2d(in[1]), bias_of(in, 2), {.stride = {1, 2}, .padding = {0, 1}}).squeeze(2);
            return batched ? y : y.squeeze(0);
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv1d (dilation and groups)",
      .fn = [](const TensorList& in) { return conv1d(in[0], in[1], bias_of(in, 2), 1, 0, 2, 2); },
      .samples = {{{1, 4, 8}, {2, 2, 3}, {2}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv2d(as_2d(in[0]), as_2d(in[1]), bias_of(in, 2), {.dilation = {1, 2}, .groups = 2})
                .squeeze(2);
          },
      .float32_atol = kConvAtol32,
  });

  // ---- transposed convolution ---------------------------------------------------------------------
  db.push_back({
      .name = "conv_transpose2d",
      .fn = [](const TensorList& in) { return conv_transpose2d(in[0], in[1], bias_of(in, 2), 2, 1, 1); },
      .samples = {{{1, 2, 3, 3}, {2, 3, 3, 3}, {3}}, {{2, 3, 2, 3}, {3, 2, 2, 2}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv_transpose2d(in[0], in[1], bias_of(in, 2),
                                          {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}});
          },
      .float32_atol = kConvAtol32,
  });
  // output_padding 1 with stride 1 is allowed because dilation is 2: the extra output row and
  // column receive nothing from the input, and the backward (a convolution) must not read them.
  db.push_back({
      .name = "conv_transpose2d (groups and dilation)",
      .fn = [](const TensorList& in) { return conv_transpose2d(in[0], in[1], bias_of(in, 2), 1, 0, 1, 2, 2); },
      .samples = {{{1, 4, 3, 3}, {4, 1, 2, 2}, {2}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv_transpose2d(in[0], in[1], bias_of(in, 2),
                                          {.dilation = {2, 2}, .output_padding = {1, 1}, .groups = 2});
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv_transpose1d",
      .fn = [](const TensorList& in) { return conv_transpose1d(in[0], in[1], bias_of(in, 2), 2); },
      .samples = {{{2, 2, 4}, {2, 3, 3}, {3}}},
      .reference =
          [](const TensorList& in) {
            return naive_conv_transpose2d(as_2d(in[0]), as_2d(in[1]), bias_of(in, 2), {.stride = {1, 2}}).squeeze(2);
          },
      .float32_atol = kConvAtol32,
  });

  // ---- the gradients of conv2d as ops (torch.nn.grad) ------------------------------------------
  db.push_back({
      .name = "conv2d_weight",
      .fn =
          [](const TensorList& in) {
            return conv2d_weight(in[0], {3, 2, 3, 3}, in[1], 2, 1);
          },
      .samples = {{{2, 2, 5, 5}, {2, 3, 3, 3}}},
      // ⟨W, V⟩ = ⟨gy, C(V) x⟩: entry (o, c, i, j) is ⟨gy, C(e_ocij) x⟩.
      .reference =
          [](const TensorList& in) {
            return naive_transpose(
                [&](const Tensor& w) {
                  return naive_conv2d(in[0], w, {}, {.stride = {2, 2}, .padding = {1, 1}});
                },
                {3, 2, 3, 3}, in[1]);
          },
      .float32_atol = kConvAtol32,
  });
  db.push_back({
      .name = "conv2d_input",
      .fn =
          [](const TensorList& in) {
            return conv2d_input({2, 2, 6, 6}, in[0], in[1], 2, 1);
          },
      .samples = {{{3, 2, 3, 3}, {2, 3, 3, 3}}},
      .reference =
          [](const TensorList& in) {
            return naive_transpose(
                [&](const Tensor& x) {
                  return naive_conv2d(x, in[0], {}, {.stride = {2, 2}, .padding = {1, 1}});
                },
                {2, 2, 6, 6}, in[1]);
          },
      .float32_atol = kConvAtol32,
  });

  // ---- max pooling ------------------------------------------------------------------------------
  db.push_back({
      .name = "max_pool2d",
      .fn = [](const TensorList& in) { return max_pool2d(in[0], 2); },
      .samples = {{{2, 3, 4, 4}}, {{2, 5, 4}}},
      .make_inputs = distinct_first,
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 4;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y = naive_max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false);
            return batched ? y : y.squeeze(0);
          },
  });
  db.push_back({
      .name = "max_pool2d (stride, padding and ceil_mode)",
      .fn = [](const TensorList& in) { return max_pool2d(in[0], 3, 2, 1, 1, true); },
      .samples = {{{1, 2, 6, 5}}, {{2, 1, 4, 4}}},
      .make_inputs = distinct_first,
      .reference =
          [](const TensorList& in) {
            return naive_max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, {1, 1}, true);
          },
  });
  db.push_back({
      .name = "max_pool2d (dilation, overlapping windows)",
      .fn =
          [](const TensorList& in) {
            return max_pool2d(in[0], {2, 3}, 1, {1, 0}, 2);
          },
      .samples = {{{1, 2, 5, 6}}},
      .make_inputs = distinct_first,
      .reference =
          [](const TensorList& in) {
            return naive_max_pool2d(in[0], {2, 3}, {1, 1}, {1, 0}, {2, 2}, false);
          },
  });
  db.push_back({
      .name = "max_pool2d_with_indices",
      .fn = [](const TensorList& in) { return std::get<0>(max_pool2d_with_indices(in[0], 2, 1)); },
      .samples = {{{1, 2, 3, 4}}},
      .make_inputs = distinct_first,
      .reference =
          [](const TensorList& in) {
            return naive_max_pool2d(in[0], {2, 2}, {1, 1}, {0, 0}, {1, 1}, false);
          },
  });
  db.push_back({
      .name = "max_pool1d",
      .fn = [](const TensorList& in) { return max_pool1d(in[0], 3, 2, 1, 1, true); },
      .samples = {{{2, 2, 8}}, {{3, 5}}},
      .make_inputs = distinct_first,
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 3;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y = naive_max_pool2d(as_2d(x), {1, 3}, {1, 2}, {0, 1}, {1, 1}, true).squeeze(2);
            return batched ? y : y.squeeze(0);
          },
  });
  db.push_back({
      .name = "max_pool2d_backward",
      .fn = vjp_of([](const Tensor& x) { return max_pool2d(x, 2, 1); }),
      .samples = {{{1, 2, 3, 4}, {1, 2, 2, 3}}},
      .make_inputs = distinct_first,
      .gradgrad = false,
      .reference =
          [](const TensorList& in) {
            Tensor idx;
            naive_max_pool2d(in[0], {2, 2}, {1, 1}, {0, 0}, {1, 1}, false, &idx);
            // every output gradient lands on its window's maximum
            const auto iv = idx.to_vector<std::int64_t>();
            const auto gv = in[1].to_vector<double>();
            std::vector<double> r(static_cast<std::size_t>(in[0].numel()), 0.0);
            const std::int64_t plane_in = 3 * 4, plane_out = 2 * 3;
            for (std::size_t o = 0; o < iv.size(); ++o)
              r[static_cast<std::size_t>(static_cast<std::int64_t>(o) / plane_out * plane_in + iv[o])] += gv[o];
            return from_vector(r, in[0].sizes(), kFloat64);
          },
  });

  // ---- average pooling --------------------------------------------------------------------------
  db.push_back({
      .name = "avg_pool2d",
      .fn = [](const TensorList& in) { return avg_pool2d(in[0], 2); },
      .samples = {{{2, 3, 4, 4}}, {{2, 5, 4}}},
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 4;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y = naive_avg_pool2d(x, {2, 2}, {2, 2}, {0, 0}, false, true);
            return batched ? y : y.squeeze(0);
          },
  });
  db.push_back({
      .name = "avg_pool2d (padding counted, ceil_mode)",
      .fn = [](const TensorList& in) { return avg_pool2d(in[0], 3, 2, 1, true, true); },
      .samples = {{{1, 2, 6, 5}}},
      .reference =
          [](const TensorList& in) {
            return naive_avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true, true);
          },
  });
  db.push_back({
      .name = "avg_pool2d (padding not counted)",
      .fn =
          [](const TensorList& in) {
            return avg_pool2d(in[0], {3, 2}, {1, 2}, {1, 1}, false, false);
          },
      .samples = {{{1, 2, 5, 5}}},
      .reference =
          [](const TensorList& in) {
            return naive_avg_pool2d(in[0], {3, 2}, {1, 2}, {1, 1}, false, false);
          },
  });
  db.push_back({
      .name = "avg_pool2d (divisor_override)",
      .fn = [](const TensorList& in) { return avg_pool2d(in[0], 2, 1, 1, false, true, 3); },
      .samples = {{{1, 1, 3, 4}}},
      .reference =
          [](const TensorList& in) {
            return naive_avg_pool2d(in[0], {2, 2}, {1, 1}, {1, 1}, false, true, 3);
          },
  });
  db.push_back({
      .name = "avg_pool1d",
      .fn = [](const TensorList& in) { return avg_pool1d(in[0], 3, 2, 1, true, false); },
      .samples = {{{2, 2, 8}}, {{3, 6}}},
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 3;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y = naive_avg_pool2d(as_2d(x), {1, 3}, {1, 2}, {0, 1}, true, false).squeeze(2);
            return batched ? y : y.squeeze(0);
          },
  });
  db.push_back({
      .name = "avg_pool2d_backward",
      .fn = vjp_of([](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, false); }),
      .samples = {{{1, 2, 5, 4}, {1, 2, 3, 3}}},
      .reference =
          [](const TensorList& in) {
            return naive_transpose(
                [](const Tensor& x) {
                  return naive_avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, true, false);
                },
                in[0].sizes(), in[1]);
          },
  });

  // ---- adaptive average pooling -----------------------------------------------------------------
  db.push_back({
      .name = "adaptive_avg_pool2d",
      .fn =
          [](const TensorList& in) {
            return adaptive_avg_pool2d(in[0], {3, 2});
          },
      .samples = {{{2, 2, 5, 7}}, {{1, 3, 3, 2}}, {{2, 4, 4}}},
      .reference =
          [](const TensorList& in) {
            const bool batched = in[0].dim() == 4;
            const Tensor x = batched ? in[0] : in[0].unsqueeze(0);
            const Tensor y = naive_adaptive_avg_pool2d(x, 3, 2);
            return batched ? y : y.squeeze(0);
          },
  });
  db.push_back({
      .name = "adaptive_avg_pool1d",
      .fn = [](const TensorList& in) { return adaptive_avg_pool1d(in[0], 3); },
      .samples = {{{2, 2, 7}}},
      .reference = [](const TensorList& in) { return naive_adaptive_avg_pool2d(as_2d(in[0]), 1, 3).squeeze(2); },
  });
  db.push_back({
      .name = "adaptive_avg_pool2d_backward",
      .fn = vjp_of([](const Tensor& x) {
        return adaptive_avg_pool2d(x, {2, 3});
      }),
      .samples = {{{1, 2, 5, 4}, {1, 2, 2, 3}}},
      .reference =
          [](const TensorList& in) {
            return naive_transpose([](const Tensor& x) { return naive_adaptive_avg_pool2d(x, 2, 3); }, in[0].sizes(),
                                   in[1]);
          },
  });
}

}  // namespace xg::testing
