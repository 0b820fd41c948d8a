// Jacobians, Hessians and their products with vectors, as torch.autograd.functional: all built on
// grad(), with double backward where a forward-mode quantity (J v, H v) is needed.
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::autograd::functional {

namespace {

using Func = std::function<Tensor(const Tensor&)>;

/// The tensor f is evaluated at: a fresh leaf that requires grad, or, under create_graph, a
/// differentiable alias of x so that the results stay connected to x's own graph.
Tensor prepare_input(const Tensor& x, bool create_graph, const char* api) {
  XG_CHECK(x.defined(), ValueError, api, ": the input is an undefined tensor");
  XG_CHECK(x.is_floating_point(), DtypeError, api, ": the input must be floating point, got dtype ", x.dtype());
  if (create_graph && x.requires_grad()) return x.reshape(x.sizes());
  Tensor r = x.detach();
  r.requires_grad_();
  return r;
}

Tensor evaluate(const Func& f, const Tensor& x, const char* api) {
  Tensor out = f(x);
  XG_CHECK(out.defined(), ValueError, api, ": the function returned an undefined tensor");
  XG_CHECK(out.is_floating_point(), DtypeError, api, ": the function's output must be floating point, got dtype ",
           out.dtype());
  return out;
}

/// d<v, out>/dx, zeros where out does not depend on x.
Tensor vjp_of(const Tensor& out, const Tensor& x, const Tensor& v, bool create_graph) {
  if (!out.requires_grad()) return zeros_like(x);
  Tensor g = grad({out}, {x}, {v}, /*retain_graph=*/true, create_graph, /*allow_unused=*/true)[0];
  return g.defined() ? g : zeros_like(x);
}

Shape concat_shapes(const Shape& a, const Shape& b) {
  Shape r = a;
  for (auto s : b) r.push_back(s);
  return r;
}

Tensor finish(const Tensor& t, bool create_graph) { return create_graph ? t : t.detach(); }

}  // namespace

// Row k of the Jacobian is the vjp with the k-th unit vector: one backward per output element.
Tensor jacobian(const Func& f, const Tensor& x, bool create_graph) {
  const Tensor xi = prepare_input(x, create_graph, "jacobian");
  const Tensor out = evaluate(f, xi, "jacobian");
  const Shape shape = concat_shapes(out.sizes(), x.sizes());
  if (out.numel() == 0) return zeros(shape, out.dtype());
  TensorList rows;
  rows.reserve(static_cast<std::size_t>(out.numel()));
  for (std::int64_t k = 0; k < out.numel(); ++k) {
    Tensor e = zeros(out.sizes(), out.dtype());
    e.reshape({-1})[k].fill_(1);
    rows.push_back(vjp_of(out, xi, e, create_graph));
  }
  return finish(stack(rows, 0).reshape(shape), create_graph);
}

// The Hessian is the Jacobian of the gradient, which is taken with create_graph so that it can be
// differentiated again.
Tensor hessian(const Func& f, const Tensor& x, bool create_graph) {
  auto gradient = [&f](const Tensor& xx) {
    Tensor out = evaluate(f, xx, "hessian");
    XG_CHECK(out.numel() == 1, ShapeError, "hessian: the function must return a single value, got shape ", out.sizes());
    return vjp_of(out, xx, ones_like(out), /*create_graph=*/true);
  };
  return jacobian(gradient, x, create_graph);
}

std::pair<Tensor, Tensor> vjp(const Func& f, const Tensor& x, const Tensor& v, bool create_graph) {
  const Tensor xi = prepare_input(x, create_graph, "vjp");
  const Tensor out = evaluate(f, xi, "vjp");
  XG_CHECK(v.defined() && v.sizes() == out.sizes(), ShapeError, "vjp: v has shape ",
           v.defined() ? shape_str(v.sizes()) : std::string("undefined"), " but the function's output has shape ",
           out.sizes());
  return {finish(out, create_graph), finish(vjp_of(out, xi, v, create_graph), create_graph)};
}

// Note [jvp by double backward]
// g(u) = Jᵀ u is linear in u, so its vjp with v is d<v, Jᵀu>/du = J v. u is a dummy (zeros that
// require grad); the first backward runs with create_graph so that g is a function of u.
std::pair<Tensor, Tensor> jvp(const Func& f, const Tensor& x, const Tensor& v, bool create_graph) {
  const Tensor xi = prepare_input(x, create_graph, "jvp");
  const Tensor out = evaluate(f, xi, "jvp");
  XG_CHECK(v.defined() && v.sizes() == x.sizes(), ShapeError, "jvp: v has shape ",
           v.defined() ? shape_str(v.sizes()) : std::string("undefined"), " but the input has shape ", x.sizes());
  Tensor jv;
  if (out.requires_grad()) {
    Tensor u = zeros_like(out).requires_grad_();
    Tensor g = grad({out}, {xi}, {u}, /*retain_graph=*/true, /*create_graph=*/true, /*allow_unused=*/true)[0];
    if (g.defined() && g.requires_grad())
      jv = grad({g}, {u}, {v}, /*retain_graph=*/true, create_graph, /*allow_unused=*/true)[0];
  }
  if (!jv.defined()) jv = zeros_like(out);
  return {finish(out, create_graph), finish(jv, create_graph)};
}

// H v = d<∇f, v>/dx: the gradient taken with create_graph, dotted with v, differentiated again.
std::pair<Tensor, Tensor> hvp(const Func& f, const Tensor& x, const Tensor& v, bool create_graph) {
  const Tensor xi = prepare_input(x, create_graph, "hvp");
  const Tensor out = evaluate(f, xi, "hvp");
  XG_CHECK(out.numel() == 1, ShapeError, "hvp: the function must return a single value, got shape ", out.sizes());
  XG_CHECK(v.defined() && v.sizes() == x.sizes(), ShapeError, "hvp: v has shape ",
           v.defined() ? shape_str(v.sizes()) : std::string("undefined"), " but the input has shape ", x.sizes());
  const Tensor g = vjp_of(out, xi, ones_like(out), /*create_graph=*/true);
  Tensor hv;
  if (g.requires_grad()) {
    const Tensor gv = (g * v).sum();
    hv = grad({gv}, {xi}, {}, /*retain_graph=*/true, create_graph, /*allow_unused=*/true)[0];
  }
  if (!hv.defined()) hv = zeros_like(x);
  return {finish(out, create_graph), finish(hv, create_graph)};
}

}  // namespace xg::autograd::functional
