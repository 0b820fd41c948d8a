// Op database entries of the indexing / joining family: cat, stack, repeat, index_select,
// index_add, gather, scatter_add, pad, embedding. Index tensors are int64 inputs made by
// make_inputs (in range for the sample's shapes, with repeats so that gradients accumulate) and
// are not differentiated. References are element-by-element loops over coordinates.
#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

// ---- coordinate helpers for the references ------------------------------------------------------

Shape unravel(std::int64_t flat, const Shape& shape) {
  Shape c(shape.size(), 0);
  for (std::size_t k = shape.size(); k-- > 0;) {
    c[k] = flat % shape[k];
    flat /= shape[k];
  }
  return c;
}

std::int64_t ravel(const Shape& c, const Shape& shape) {
  std::int64_t flat = 0;
  for (std::size_t k = 0; k < shape.size(); ++k) flat = flat * shape[k] + c[k];
  return flat;
}

/// out[c] = f(c) for every coordinate c of `shape`, as a float64 tensor.
template <class F>
Tensor tabulate(const Shape& shape, F f) {
  std::vector<double> v(static_cast<std::size_t>(numel_of(shape)));
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(v.size()); ++i) v[i] = f(unravel(i, shape));
  return from_vector(v, shape, kFloat64);
}

struct Values {
  std::vector<double> v;
  Shape shape;
  explicit Values(const Tensor& t) : v(t.to_vector<double>()), shape(t.sizes()) {}
  double operator()(const Shape& c) const { return v[ravel(c, shape)]; }
};

// ---- input makers ------------------------------------------------------------------------------

Tensor values(const Shape& s) { return rand(s, kFloat64) * 4.0 - 2.0; }

/// [x, index] with index entries drawn from [0, x.size(dim)).
std::function<TensorList(const std::vector<Shape>&)> x_index(std::int64_t dim) {
  return [dim](const std::vector<Shape>& s) -> TensorList {
    const std::int64_t n = s[0][static_cast<std::size_t>(dim)];
    return {values(s[0]), randint(0, n, s[1])};
  };
}

/// [self, index, src] with index entries drawn from [0, self.size(dim)).
std::function<TensorList(const std::vector<Shape>&)> self_index_src(std::int64_t dim) {
  return [dim](const std::vector<Shape>& s) -> TensorList {
    return {values(s[0]), randint(0, s[0][dim], s[1]), values(s[2])};
  };
}

// ---- references ------------------------------------------------------------------------------------

Tensor ref_cat(const TensorList& in, std::int64_t dim) {
  const std::int64_t d = dim < 0 ? dim + in[0].dim() : dim;
  Shape shape = in[0].sizes();
  shape[d] = 0;
  std::vector<Values> parts;
  for (const auto& t : in) {
    shape[d] += t.size(d);
    parts.emplace_back(t);
  }
  return tabulate(shape, [&](Shape c) {
    std::size_t p = 0;
    while (c[d] >= parts[p].shape[d]) c[d] -= parts[p++].shape[d];
    return parts[p](c);
  });
}

Tensor ref_repeat(const Tensor& x, const Shape& r) {
  const Values xv(x);
  const std::size_t lead = r.size() - xv.shape.size();
  Shape shape = r;
  for (std::size_t k = lead; k < r.size(); ++k) shape[k] *= xv.shape[k - lead];
  return tabulate(shape, [&](const Shape& c) {
    Shape xc(xv.shape.size(), 0);
    for (std::size_t k = 0; k < xc.size(); ++k) xc[k] = c[k + lead] % xv.shape[k];
    return xv(xc);
  });
}

Tensor ref_index_select(const Tensor& x, std::int64_t d, const Tensor& index) {
  const Values xv(x);
  const auto idx = index.to_vector<std::int64_t>();
  Shape shape = xv.shape;
  shape[d] = static_cast<std::int64_t>(idx.size());
  return tabulate(shape, [&](Shape c) {
    c[d] = idx[c[d]];
    return xv(c);
  });
}

Tensor ref_index_add(const TensorList& in, std::int64_t d) {
  std::vector<double> out = in[0].to_vector<double>();
  const auto idx = in[1].to_vector<std::int64_t>();
  const Values src(in[2]);
  for (std::int64_t i = 0; i < in[2].numel(); ++i) {
    Shape c = unravel(i, src.shape);
    const double v = src(c);
    c[d] = idx[c[d]];
    out[ravel(c, in[0].sizes())] += v;
  }
  return from_vector(out, in[0].sizes(), kFloat64);
}

Tensor ref_gather(const Tensor& x, std::int64_t d, const Tensor& index) {
  const Values xv(x);
  const auto idx = index.to_vector<std::int64_t>();
  return tabulate(index.sizes(), [&](Shape c) {
    c[d] = idx[ravel(c, index.sizes())];
    return xv(c);
  });
}

Tensor ref_scatter_add(const TensorList& in, std::int64_t d) {
  std::vector<double> out = in[0].to_vector<double>();
  const auto idx = in[1].to_vector<std::int64_t>();
  const Values src(in[2]);
  for (std::int64_t i = 0; i < in[1].numel(); ++i) {
    Shape c = unravel(i, in[1].sizes());
    const double v = src(c);
    c[d] = idx[i];
    out[ravel(c, in[0].sizes())] += v;
  }
  return from_vector(out, in[0].sizes(), kFloat64);
}

Tensor ref_pad(const Tensor& x, const Shape& pads, double value) {
  const Values xv(x);
  const std::int64_t nd = x.dim();
  Shape shape = xv.shape, lo(static_cast<std::size_t>(nd), 0);
  for (std::size_t j = 0; j < pads.size() / 2; ++j) {
    const std::int64_t k = nd - 1 - static_cast<std::int64_t>(j);
    lo[k] = pads[2 * j];
    shape[k] += pads[2 * j] + pads[2 * j + 1];
  }
  return tabulate(shape, [&](Shape c) {
    for (std::int64_t k = 0; k < nd; ++k) {
      c[k] -= lo[k];
      if (c[k] < 0 || c[k] >= xv.shape[k]) return value;
    }
    return xv(c);
  });
}

}  // namespace

void add_index_ops(std::vector<OpInfo>& db) {
  db.push_back({
      .name = "cat",
      .fn = [](const TensorList& in) { return cat(in, 0); },
      .samples = {{{2, 3}, {4, 3}}, {{2, 3}, {1, 3}, {3, 3}}, {{2}, {3}}, {{1, 2, 2}, {2, 2, 2}}},
      .reference = [](const TensorList& in) { return ref_cat(in, 0); },
  });
  db.push_back({
      .name = "cat (dim=-1)",
      .fn = [](const TensorList& in) { return cat(in, -1); },
      .samples = {{{2, 3}, {2, 1}}, {{2, 2, 1}, {2, 2, 3}, {2, 2, 2}}},
      .reference = [](const TensorList& in) { return ref_cat(in, -1); },
  });
  db.push_back({
      .name = "stack",
      .fn = [](const TensorList& in) { return stack(in, 1); },
      .samples = {{{2, 3}, {2, 3}, {2, 3}}, {{3}, {3}}},
      .reference = [](const TensorList& in) {
        TensorList u;
        for (const auto& t : in) u.push_back(t.unsqueeze(1));
        return ref_cat(u, 1);
      },
  });
  db.push_back({
      .name = "repeat",
      .fn = [](const TensorList& in) { return repeat(in[0], {2, 1, 3}); },
      .samples = {{{2, 3}}, {{3}}, {{1, 2, 2}}, {{}}},  // more repeats than dims, and a 0-d input
      .reference = [](const TensorList& in) { return ref_repeat(in[0], {2, 1, 3}); },
  });
  db.push_back({
      .name = "index_select",
      .fn = [](const TensorList& in) { return index_select(in[0], 0, in[1]); },
      .samples = {{{4, 3}, {5}}, {{3}, {2}}, {{3, 2, 2}, {4}}},
      .make_inputs = x_index(0),
      .grad_inputs = {0},
      .reference = [](const TensorList& in) { return ref_index_select(in[0], 0, in[1]); },
  });
  db.push_back({
      .name = "index_select (dim=1)",
      .fn = [](const TensorList& in) { return index_select(in[0], 1, in[1]); },
      .samples = {{{2, 4, 3}, {5}}, {{3, 2}, {1}}},
      .make_inputs = x_index(1),
      .grad_inputs = {0},
      .reference = [](const TensorList& in) { return ref_index_select(in[0], 1, in[1]); },
  });
  db.push_back({
      .name = "index_add",
      .fn = [](const TensorList& in) { return index_add(in[0], 0, in[1], in[2]); },
      .samples = {{{5, 3}, {4}, {4, 3}}, {{3}, {5}, {5}}},
      .make_inputs = self_index_src(0),
      .grad_inputs = {0, 2},
      .reference = [](const TensorList& in) { return ref_index_add(in, 0); },
  });
  db.push_back({
      .name = "index_add (dim=1)",
      .fn = [](const TensorList& in) { return index_add(in[0], 1, in[1], in[2]); },
      .samples = {{{2, 5, 3}, {4}, {2, 4, 3}}},
      .make_inputs = self_index_src(1),
      .grad_inputs = {0, 2},
      .reference = [](const TensorList& in) { return ref_index_add(in, 1); },
  });
  db.push_back({
      .name = "gather",
      .fn = [](const TensorList& in) { return gather(in[0], 1, in[1]); },
      .samples = {{{3, 4}, {3, 2}}, {{3, 4}, {2, 5}}, {{2, 3, 2}, {2, 4, 1}}},  // index may be longer along dim
      .make_inputs = x_index(1),
      .grad_inputs = {0},
      .reference = [](const TensorList& in) { return ref_gather(in[0], 1, in[1]); },
  });
  db.push_back({
      .name = "gather (dim=0)",
      .fn = [](const TensorList& in) { return gather(in[0], 0, in[1]); },
      .samples = {{{3, 4}, {2, 3}}, {{4}, {6}}},
      .make_inputs = x_index(0),
      .grad_inputs = {0},
      .reference = [](const TensorList& in) { return ref_gather(in[0], 0, in[1]); },
  });
  db.push_back({
      .name = "scatter_add",
      .fn = [](const TensorList& in) { return scatter_add(in[0], 1, in[1], in[2]); },
      .samples = {{{3, 5}, {3, 2}, {3, 2}},
                  {{3, 5}, {2, 3}, {3, 4}},   // src larger than index: its extra entries are unused
                  {{2, 3, 2}, {2, 4, 2}, {2, 4, 2}}},
      .make_inputs = self_index_src(1),
      .grad_inputs = {0, 2},
      .reference = [](const TensorList& in) { return ref_scatter_add(in, 1); },
  });
  db.push_back({
      .name = "scatter_add (dim=0)",
      .fn = [](const TensorList& in) { return scatter_add(in[0], 0, in[1], in[2]); },
      .samples = {{{3, 4}, {5, 4}, {5, 4}}, {{4}, {6}, {6}}},
      .make_inputs = self_index_src(0),
      .grad_inputs = {0, 2},
      .reference = [](const TensorList& in) { return ref_scatter_add(in, 0); },
  });
  db.push_back({
      .name = "pad",
      .fn = [](const TensorList& in) { return pad(in[0], {1, 2}); },
      .samples = {{{3}}, {{2, 3}}, {{2, 1, 2}}},
      .reference = [](const TensorList& in) { return ref_pad(in[0], {1, 2}, 0.0); },
  });
  db.push_back({
      .name = "pad (crop and value)",
      .fn = [](const TensorList& in) { return pad(in[0], {1, -1, -2, 2}, 0.5); },
      .samples = {{{3, 4}}, {{2, 3, 3}}},
      .reference = [](const TensorList& in) { return ref_pad(in[0], {1, -1, -2, 2}, 0.5); },
  });
  db.push_back({
      .name = "embedding",
      .fn = [](const TensorList& in) { return embedding(in[0], in[1]); },
      .samples = {{{5, 3}, {2, 3}}, {{4, 2}, {6}}, {{4, 2}, {}}},
      .make_inputs = x_index(0),
      .grad_inputs = {0},
      .reference = [](const TensorList& in) {
        Shape shape = in[1].sizes();
        shape.push_back(in[0].size(1));
        return ref_index_select(in[0], 0, in[1].reshape({-1})).reshape(shape);
      },
  });
}

}  // namespace xg::testing
