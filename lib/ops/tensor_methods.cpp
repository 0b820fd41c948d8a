// Tensor methods that are the free-function ops under another spelling (`x.tanh()` == `xg::tanh(x)`).
#include "xgrad/ops.hpp"

namespace xg {

#define XG_M0(name) \
  Tensor Tensor::name() const { return xg::name(*this); }
XG_M0(neg)
XG_M0(abs)
XG_M0(sign)
XG_M0(exp)
XG_M0(log)
XG_M0(log1p)
XG_M0(expm1)
XG_M0(sqrt)
XG_M0(rsqrt)
XG_M0(square)
XG_M0(reciprocal)
XG_M0(sin)
XG_M0(cos)
XG_M0(tanh)
XG_M0(sigmoid)
XG_M0(erf)
XG_M0(relu)
XG_M0(logical_not)
XG_M0(isnan)
XG_M0(isinf)
XG_M0(isfinite)
XG_M0(all)
XG_M0(any)
XG_M0(mean)
XG_M0(prod)
XG_M0(max)
XG_M0(min)
#undef XG_M0

#define XG_M1(name) \
  Tensor Tensor::name(const Tensor& o) const { return xg::name(*this, o); }
XG_M1(mul)
XG_M1(div)
XG_M1(eq)
XG_M1(ne)
XG_M1(lt)
XG_M1(le)
XG_M1(gt)
XG_M1(ge)
XG_M1(logical_and)
XG_M1(logical_or)
XG_M1(logical_xor)
XG_M1(matmul)
XG_M1(mm)
XG_M1(bmm)
XG_M1(dot)
XG_M1(outer)
#undef XG_M1

Tensor Tensor::pow(const Tensor& e) const { return xg::pow(*this, e); }
Tensor Tensor::pow(Scalar e) const { return xg::pow(*this, e); }
Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return xg::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return xg::sub(*this, o, alpha); }
Tensor Tensor::clamp(std::optional<Scalar> mn, std::optional<Scalar> mx) const { return xg::clamp(*this, mn, mx); }
Tensor Tensor::clamp_min(Scalar mn) const { return xg::clamp_min(*this, mn); }
Tensor Tensor::clamp_max(Scalar mx) const { return xg::clamp_max(*this, mx); }
Tensor Tensor::softmax(std::int64_t d) const { return xg::softmax(*this, d); }
Tensor Tensor::log_softmax(std::int64_t d) const { return xg::log_softmax(*this, d); }
bool Tensor::equal(const Tensor& o) const { return xg::equal(*this, o); }
bool Tensor::allclose(const Tensor& o, double rtol, double atol) const { return xg::allclose(*this, o, rtol, atol); }
Tensor Tensor::masked_fill(const Tensor& mask, Scalar v) const { return xg::masked_fill(*this, mask, v); }
Tensor Tensor::repeat(const Shape& r) const { return xg::repeat(*this, r); }
Tensor Tensor::index_select(std::int64_t d, const Tensor& i) const { return xg::index_select(*this, d, i); }
Tensor Tensor::gather(std::int64_t d, const Tensor& i) const { return xg::gather(*this, d, i); }
Tensor Tensor::scatter_add(std::int64_t d, const Tensor& i, const Tensor& s) const {
  return xg::scatter_add(*this, d, i, s);
}
Tensor Tensor::index_add(std::int64_t d, const Tensor& i, const Tensor& s) const {
  return xg::index_add(*this, d, i, s);
}

Tensor Tensor::sum(std::optional<Dtype> d) const { return xg::sum(*this, d); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return xg::sum(*this, dims, keepdim); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return xg::mean(*this, dims, keepdim); }
Tensor Tensor::var(const Shape& dims, double correction, bool keepdim) const {
  return xg::var(*this, dims, correction, keepdim);
}
Tensor Tensor::std(const Shape& dims, double correction, bool keepdim) const {
  return xg::std(*this, dims, correction, keepdim);
}
Tensor Tensor::masked_select(const Tensor& m) const { return xg::masked_select(*this, m); }
Tensor Tensor::masked_scatter(const Tensor& m, const Tensor& s) const { return xg::masked_scatter(*this, m, s); }
Tensor Tensor::take_along_dim(const Tensor& i, std::optional<std::int64_t> d) const {
  return xg::take_along_dim(*this, i, d);
}
Tensor Tensor::nonzero() const { return xg::nonzero(*this); }
Tensor Tensor::prod(std::int64_t d, bool keepdim) const { return xg::prod(*this, d, keepdim); }
std::tuple<Tensor, Tensor> Tensor::max(std::int64_t d, bool keepdim) const { return xg::max(*this, d, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(std::int64_t d, bool keepdim) const { return xg::min(*this, d, keepdim); }
Tensor Tensor::amax(const Shape& dims, bool keepdim) const { return xg::amax(*this, dims, keepdim); }
Tensor Tensor::amin(const Shape& dims, bool keepdim) const { return xg::amin(*this, dims, keepdim); }
Tensor Tensor::argmax(std::optional<std::int64_t> d, bool keepdim) const { return xg::argmax(*this, d, keepdim); }
Tensor Tensor::argmin(std::optional<std::int64_t> d, bool keepdim) const { return xg::argmin(*this, d, keepdim); }
Tensor Tensor::logsumexp(const Shape& dims, bool keepdim) const { return xg::logsumexp(*this, dims, keepdim); }
Tensor Tensor::norm(double p) const { return xg::norm(*this, p); }
Tensor Tensor::norm(double p, const Shape& dims, bool keepdim) const { return xg::norm(*this, p, dims, keepdim); }

}  // namespace xg
