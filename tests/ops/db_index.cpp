// Op database entries of the indexing / joining family: cat, stack, repeat, index_select,
// index_add, gather, scatter_add, pad, embedding, and advanced indexing (index, index_put, the
// Tensor::index / index_put_ expressions, masked_select, masked_scatter, take_along_dim, unbind,
// nonzero, where). Index tensors are int64 inputs made by
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

// ---- advanced indexing ----------------------------------------------------------------------------

/// An index entry wrapped into [0, n) as Python does for negative entries.
std::int64_t wrap(std::int64_t i, std::int64_t n) { return i < 0 ? i + n : i; }

/// [x, index...] with index k drawn from [-n, n) for the size n of dim dims[k] of x (negative
/// entries exercise the wrap-around).
std::function<TensorList(const std::vector<Shape>&)> x_indices(std::vector<std::size_t> dims) {
  return [dims](const std::vector<Shape>& s) -> TensorList {
    TensorList in{values(s[0])};
    for (std::size_t k = 0; k < dims.size(); ++k) {
      const std::int64_t n = s[0][dims[k]];
      in.push_back(randint(-n, n, s[k + 1]));
    }
    for (std::size_t k = dims.size() + 1; k < s.size(); ++k) in.push_back(values(s[k]));
    return in;
  };
}

/// Reads an index tensor broadcast to `b` at flat position of coordinate bc (right-aligned).
std::int64_t at_broadcast(const Tensor& idx, const Shape& bc) {
  const auto v = idx.to_vector<std::int64_t>();
  const Shape& s = idx.sizes();
  Shape c(s.size(), 0);
  for (std::size_t k = 0; k < s.size(); ++k) {
    const std::size_t j = bc.size() - s.size() + k;
    c[k] = s[k] == 1 ? 0 : bc[j];
  }
  return v[static_cast<std::size_t>(ravel(c, s))];
}

Tensor mask_of(const Tensor& t) { return t > 0.0; }

}  // namespace

void add_index_ops(std::vector<OpInfo>& db) {
  // x [A, B, C] indexed at dims 0 and 2 (not adjacent): the broadcast index dims lead the result.
  db.push_back({
      .name = "index",
      .fn =
          [](const TensorList& in) {
            return index(in[0], {in[1], Tensor(), in[2]});
          },
      .samples = {{{3, 4, 5}, {2, 3}, {3}}, {{2, 3, 2}, {1}, {4}}, {{3, 2, 2}, {}, {2, 1}}},
      .make_inputs = x_indices({0, 2}),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            const Shape b = broadcast_shapes(in[1].sizes(), in[2].sizes());
            Shape shape = b;
            shape.push_back(xv.shape[1]);
            return tabulate(shape, [&](const Shape& c) {
              const Shape bc(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(b.size()));
              return xv({wrap(at_broadcast(in[1], bc), xv.shape[0]), c[b.size()],
                         wrap(at_broadcast(in[2], bc), xv.shape[2])});
            });
          },
  });
  // Adjacent index dims 1 and 2: the broadcast index dims take their place.
  db.push_back({
      .name = "index (adjacent dims)",
      .fn =
          [](const TensorList& in) {
            return index(in[0], {Tensor(), in[1], in[2]});
          },
      .samples = {{{2, 3, 4}, {2, 1}, {3}}, {{3, 2, 2}, {4}, {4}}},
      .make_inputs = x_indices({1, 2}),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            const Shape b = broadcast_shapes(in[1].sizes(), in[2].sizes());
            Shape shape{xv.shape[0]};
            for (auto v : b) shape.push_back(v);
            return tabulate(shape, [&](const Shape& c) {
              const Shape bc(c.begin() + 1, c.end());
              return xv({c[0], wrap(at_broadcast(in[1], bc), xv.shape[1]), wrap(at_broadcast(in[2], bc), xv.shape[2])});
            });
          },
  });
  // A bool mask over dims 1 and 2 (made from the second input's signs).
  db.push_back({
      .name = "index (mask)",
      .fn =
          [](const TensorList& in) {
            return index(in[0], {Tensor(), mask_of(in[1])});
          },
      .samples = {{{2, 3, 4}, {3, 4}}, {{3, 2, 1}, {2, 1}}},
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            const auto m = in[1].to_vector<double>();
            std::vector<Shape> hits;
            for (std::size_t j = 0; j < m.size(); ++j)
              if (m[j] > 0) hits.push_back(unravel(static_cast<std::int64_t>(j), in[1].sizes()));
            return tabulate({xv.shape[0], static_cast<std::int64_t>(hits.size())}, [&](const Shape& c) {
              return xv({c[0], hits[c[1]][0], hits[c[1]][1]});
            });
          },
  });
  // Python's x[1:, None, ..., idx]: a slice, a new dim, an ellipsis and an index tensor.
  db.push_back({
      .name = "index (Tensor::index slice, None, ellipsis, tensor)",
      .fn =
          [](const TensorList& in) {
            using namespace indexing;
            return in[0].index({Slice(1, None), None, Ellipsis, in[1]});
          },
      .samples = {{{3, 4, 5}, {3}}, {{2, 2, 3}, {2, 2}}},
      .make_inputs = x_indices({2}),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            Shape shape{xv.shape[0] - 1, 1, xv.shape[1]};
            for (auto v : in[1].sizes()) shape.push_back(v);
            return tabulate(shape, [&](const Shape& c) {
              const Shape bc(c.begin() + 3, c.end());
              return xv({c[0] + 1, c[2], wrap(at_broadcast(in[1], bc), xv.shape[2])});
            });
          },
  });
  // Python's x[::2, -1, idx]: a stepped slice, an integer, an index tensor.
  db.push_back({
      .name = "index (Tensor::index step, integer, tensor)",
      .fn =
          [](const TensorList& in) {
            using namespace indexing;
            return in[0].index({Slice(None, None, 2), -1, in[1]});
          },
      .samples = {{{3, 4, 5}, {2, 2}}, {{4, 2, 3}, {}}},
      .make_inputs = x_indices({2}),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            Shape shape{(xv.shape[0] + 1) / 2};
            for (auto v : in[1].sizes()) shape.push_back(v);
            return tabulate(shape, [&](const Shape& c) {
              const Shape bc(c.begin() + 1, c.end());
              return xv({2 * c[0], xv.shape[1] - 1, wrap(at_broadcast(in[1], bc), xv.shape[2])});
            });
          },
  });
  // Writes at distinct positions (a permutation along dim 0), values broadcast over the index.
  db.push_back({
      .name = "index_put",
      .fn =
          [](const TensorList& in) {
            return index_put(in[0], {in[1], Tensor(), in[2]}, in[3]);
          },
      .samples = {{{3, 4, 5}, {3}, {3}, {3, 4}}, {{3, 2, 2}, {3}, {1}, {2}}, {{2, 3, 2}, {2}, {2}, {}}},
      .make_inputs = [](const std::vector<Shape>& s) -> TensorList {
        return {values(s[0]), randperm(s[0][0]).narrow(0, 0, s[1][0]), randint(-s[0][2], s[0][2], s[2]), values(s[3])};
      },
      .grad_inputs = {0, 3},
      .reference =
          [](const TensorList& in) {
            std::vector<double> out = in[0].to_vector<double>();
            const Shape& xs = in[0].sizes();
            const Shape b = broadcast_shapes(in[1].sizes(), in[2].sizes());
            const Tensor v = in[3].expand({numel_of(b), xs[1]}).contiguous();
            const Values vv(v);
            for (std::int64_t k = 0; k < numel_of(b); ++k)
              for (std::int64_t j = 0; j < xs[1]; ++j) {
                const Shape bc = unravel(k, b);
                out[ravel({wrap(at_broadcast(in[1], bc), xs[0]), j, wrap(at_broadcast(in[2], bc), xs[2])}, xs)] =
                    vv({k, j});
              }
            return from_vector(out, xs, kFloat64);
          },
  });
  // Repeated positions: their values are summed.
  db.push_back({
      .name = "index_put (accumulate)",
      .fn = [](const TensorList& in) { return index_put(in[0], {in[1]}, in[2], /*accumulate=*/true); },
      .samples = {{{4, 3}, {6}, {6, 3}}, {{3}, {2, 3}, {2, 3}}, {{4, 2}, {5}, {2}}},
      .make_inputs = x_indices({0}),
      .grad_inputs = {0, 2},
      .reference =
          [](const TensorList& in) {
            std::vector<double> out = in[0].to_vector<double>();
            const Shape& xs = in[0].sizes();
            const std::int64_t inner = numel_of(xs) / xs[0];
            const auto idx = in[1].to_vector<std::int64_t>();
            Shape vs = in[1].sizes();
            for (std::size_t k = 1; k < xs.size(); ++k) vs.push_back(xs[k]);
            const auto v = in[2].expand(vs).contiguous().to_vector<double>();
            for (std::size_t k = 0; k < idx.size(); ++k)
              for (std::int64_t j = 0; j < inner; ++j)
                out[static_cast<std::size_t>(wrap(idx[k], xs[0]) * inner + j)] +=
                    v[k * static_cast<std::size_t>(inner) + static_cast<std::size_t>(j)];
            return from_vector(out, xs, kFloat64);
          },
  });
  // Python's y[:, idx] = v on a non-leaf y (the recorded in-place path); idx without repeats.
  db.push_back({
      .name = "index_put_ (Tensor::index_put_ expression)",
      .fn =
          [](const TensorList& in) {
            using namespace indexing;
            Tensor y = in[0] * 1.0;
            y.index_put_({Slice(), in[1]}, in[2]);
            return y;
          },
      .samples = {{{3, 4}, {2}, {3, 2}}, {{2, 5}, {3}, {3}}},
      .make_inputs = [](const std::vector<Shape>& s) -> TensorList {
        return {values(s[0]), randperm(s[0][1]).narrow(0, 0, s[1][0]), values(s[2])};
      },
      .grad_inputs = {0, 2},
      .reference =
          [](const TensorList& in) {
            std::vector<double> out = in[0].to_vector<double>();
            const Shape& xs = in[0].sizes();
            const auto idx = in[1].to_vector<std::int64_t>();
            const Values v(in[2].expand({xs[0], in[1].size(0)}).contiguous());
            for (std::int64_t i = 0; i < xs[0]; ++i)
              for (std::size_t k = 0; k < idx.size(); ++k)
                out[ravel({i, idx[k]}, xs)] = v({i, static_cast<std::int64_t>(k)});
            return from_vector(out, xs, kFloat64);
          },
  });
  // Python's y[mask] += v with a 0-d v.
  db.push_back({
      .name = "index_put_ (mask, accumulate)",
      .fn =
          [](const TensorList& in) {
            Tensor y = in[0] * 1.0;
            y.index_put_({mask_of(in[1])}, in[2], /*accumulate=*/true);
            return y;
          },
      .samples = {{{3, 4}, {3, 4}, {}}, {{5}, {5}, {1}}},
      .grad_inputs = {0, 2},
      .reference =
          [](const TensorList& in) {
            std::vector<double> out = in[0].to_vector<double>();
            const auto m = in[1].to_vector<double>();
            const double v = in[2].reshape({-1}).to_vector<double>()[0];
            for (std::size_t j = 0; j < out.size(); ++j)
              if (m[j] > 0) out[j] += v;
            return from_vector(out, in[0].sizes(), kFloat64);
          },
  });
  db.push_back({
      .name = "masked_select",
      .fn = [](const TensorList& in) { return masked_select(in[0], mask_of(in[1])); },
      .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{4}, {2, 4}}, {{}, {}}},
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Shape b = broadcast_shapes(in[0].sizes(), in[1].sizes());
            const auto x = in[0].expand(b).contiguous().to_vector<double>();
            const auto m = in[1].expand(b).contiguous().to_vector<double>();
            std::vector<double> out;
            for (std::size_t j = 0; j < x.size(); ++j)
              if (m[j] > 0) out.push_back(x[j]);
            return from_vector(out, {static_cast<std::int64_t>(out.size())}, kFloat64);
          },
  });
  db.push_back({
      .name = "masked_scatter",
      .fn = [](const TensorList& in) { return masked_scatter(in[0], mask_of(in[1]), in[2]); },
      .samples = {{{3, 4}, {3, 4}, {12}}, {{3, 4}, {4}, {3, 5}}, {{}, {}, {2}}},
      .grad_inputs = {0, 2},
      .reference =
          [](const TensorList& in) {
            const Shape b = broadcast_shapes(in[0].sizes(), in[1].sizes());
            std::vector<double> out = in[0].expand(b).contiguous().to_vector<double>();
            const auto m = in[1].expand(b).contiguous().to_vector<double>();
            const auto src = in[2].to_vector<double>();
            std::size_t k = 0;
            for (std::size_t j = 0; j < out.size(); ++j)
              if (m[j] > 0) out[j] = src[k++];
            return from_vector(out, b, kFloat64);
          },
  });
  db.push_back({
      .name = "take_along_dim",
      .fn = [](const TensorList& in) { return take_along_dim(in[0], in[1], 1); },
      .samples = {{{3, 4}, {3, 2}}, {{3, 4}, {1, 5}}, {{1, 4}, {3, 2}}, {{2, 3, 2}, {2, 4, 1}}},
      .make_inputs = x_index(1),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            Shape shape = in[1].sizes();  // the broadcast of the two outside dim 1
            for (std::size_t k = 0; k < shape.size(); ++k)
              if (k != 1) shape[k] = std::max(shape[k], xv.shape[k]);
            return tabulate(shape, [&](Shape c) {
              Shape ic = c, xc = c;
              for (std::size_t k = 0; k < c.size(); ++k) {
                if (in[1].size(static_cast<std::int64_t>(k)) == 1) ic[k] = 0;
                if (k != 1 && xv.shape[k] == 1) xc[k] = 0;
              }
              xc[1] = in[1].to_vector<std::int64_t>()[static_cast<std::size_t>(ravel(ic, in[1].sizes()))];
              return xv(xc);
            });
          },
  });
  db.push_back({
      .name = "take_along_dim (flattened)",
      .fn = [](const TensorList& in) { return take_along_dim(in[0], in[1]); },
      .samples = {{{3, 4}, {5}}, {{2, 3}, {2, 2}}},
      .make_inputs = [](const std::vector<Shape>& s) -> TensorList {
        return {values(s[0]), randint(0, numel_of(s[0]), s[1])};
      },
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            const auto x = in[0].to_vector<double>();
            const auto idx = in[1].to_vector<std::int64_t>();
            std::vector<double> out;
            for (auto i : idx) out.push_back(x[static_cast<std::size_t>(i)]);
            return from_vector(out, {static_cast<std::int64_t>(out.size())}, kFloat64);
          },
  });
  // unbind's pieces combined nonlinearly, so that their gradients differ and double backward
  // has something to check.
  db.push_back({
      .name = "unbind",
      .fn =
          [](const TensorList& in) {
            const TensorList p = unbind(in[0], 1);
            return p[0] * p[2] + p[1];
          },
      .samples = {{{3, 3}}, {{2, 4, 2}}},
      .reference =
          [](const TensorList& in) {
            const Values xv(in[0]);
            Shape shape = xv.shape;
            shape.erase(1);
            return tabulate(shape, [&](const Shape& c) {
              auto at = [&](std::int64_t j) {
                Shape xc = c;
                xc.insert(1, j);
                return xv(xc);
              };
              return at(0) * at(2) + at(1);
            });
          },
  });
  db.push_back({
      .name = "nonzero",
      .fn = [](const TensorList& in) { return nonzero(mask_of(in[0])); },
      .samples = {{{3, 4}}, {{5}}, {{2, 1, 3}}, {{}}},
      .differentiable = false,
      .reference =
          [](const TensorList& in) {
            const auto v = in[0].to_vector<double>();
            std::vector<std::int64_t> out;
            std::int64_t count = 0;
            for (std::size_t j = 0; j < v.size(); ++j)
              if (v[j] > 0) {
                for (auto c : unravel(static_cast<std::int64_t>(j), in[0].sizes())) out.push_back(c);
                ++count;
              }
            return from_vector(out, {count, in[0].dim()}, kInt64);
          },
  });
  db.push_back({
      .name = "where (condition)",
      .fn = [](const TensorList& in) { return stack(where(mask_of(in[0])), 0); },
      .samples = {{{3, 4}}, {{2, 1, 3}}},
      .differentiable = false,
      .reference = [](const TensorList& in) { return nonzero(mask_of(in[0])).t(); },
  });

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
      .reference =
          [](const TensorList& in) {
            TensorList u;
            for (const auto& t : in) u.push_back(t.unsqueeze(1));
            return ref_cat(u, 1);
          },
  });
  db.push_back({
      .name = "repeat",
      .fn =
          [](const TensorList& in) {
            return repeat(in[0], {2, 1, 3});
          },
      .samples = {{{2, 3}}, {{3}}, {{1, 2, 2}}, {{}}},  // more repeats than dims, and a 0-d input
      .reference =
          [](const TensorList& in) {
            return ref_repeat(in[0], {2, 1, 3});
          },
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
                  {{3, 5}, {2, 3}, {3, 4}},  // src larger than index: its extra entries are unused
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
      .fn =
          [](const TensorList& in) {
            return pad(in[0], {1, 2});
          },
      .samples = {{{3}}, {{2, 3}}, {{2, 1, 2}}},
      .reference =
          [](const TensorList& in) {
            return ref_pad(in[0], {1, 2}, 0.0);
          },
  });
  db.push_back({
      .name = "pad (crop and value)",
      .fn =
          [](const TensorList& in) {
            return pad(in[0], {1, -1, -2, 2}, 0.5);
          },
      .samples = {{{3, 4}}, {{2, 3, 3}}},
      .reference =
          [](const TensorList& in) {
            return ref_pad(in[0], {1, -1, -2, 2}, 0.5);
          },
  });
  db.push_back({
      .name = "embedding",
      .fn = [](const TensorList& in) { return embedding(in[0], in[1]); },
      .samples = {{{5, 3}, {2, 3}}, {{4, 2}, {6}}, {{4, 2}, {}}},
      .make_inputs = x_index(0),
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            Shape shape = in[1].sizes();
            shape.push_back(in[0].size(1));
            return ref_index_select(in[0], 0, in[1].reshape({-1})).reshape(shape);
          },
  });
}

}  // namespace xg::testing
