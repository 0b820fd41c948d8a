// Transforms: per-channel normalization (given or fitted), one-hot targets, and the two image
// augmentations. Arithmetic goes through xgrad ops, so the data keeps its dtype and the results
// are exactly those of the ops (x − mean) / std.
#include "xgrad/data/transforms.hpp"

#include <algorithm>
#include <cmath>

#include "core/tensor_impl.hpp"
#include "data/random_util.hpp"
#include "core/dispatch.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

namespace {
/// The channel dim of data of this rank: -3 for images (…, C, H, W), the last for features (…, F).
std::int64_t channel_dim(std::int64_t ndim) { return ndim >= 3 ? ndim - 3 : ndim - 1; }
}  // namespace

// ---- Compose -------------------------------------------------------------------------------------

Compose::Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {
  for (std::size_t i = 0; i < transforms_.size(); ++i)
    XG_CHECK(static_cast<bool>(transforms_[i]), ValueError, "Compose: transform ", i, " is empty");
}

Example Compose::operator()(Example example, Generator& gen) const {
  for (const Transform& t : transforms_) example = t(std::move(example), gen);
  return example;
}

// ---- Normalize -----------------------------------------------------------------------------------

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  XG_CHECK(!mean_.empty() && mean_.size() == std_.size(), ValueError,
           "Normalize: expected as many means as stds (at least one), got ", mean_.size(), " and ", std_.size());
  for (std::size_t c = 0; c < std_.size(); ++c) {
    XG_CHECK(std::isfinite(mean_[c]), ValueError, "Normalize: mean ", mean_[c], " of channel ", c, " is not finite");
    XG_CHECK(std_[c] > 0 && std::isfinite(std_[c]), ValueError, "Normalize: std must be positive and finite, got ",
             std_[c], " for channel ", c);
  }
}

Tensor Normalize::operator()(const Tensor& data) const {
  XG_CHECK(data.defined(), ValueError, "Normalize: the data is undefined");
  XG_CHECK(data.is_floating_point(), DtypeError, "Normalize: expected floating-point data (float32 or float64), got ",
           data.dtype());
  const auto channels = static_cast<std::int64_t>(mean_.size());
  if (channels == 1) return (data - mean_[0]) / std_[0];
  XG_CHECK(data.dim() >= 1, ShapeError, "Normalize: ", channels, " channel statistics for 0-d data");
  const std::int64_t cd = channel_dim(data.dim());
  XG_CHECK(data.size(cd) == channels, ShapeError, "Normalize: ", channels, " channel statistics for data of shape ",
           data.sizes(), " whose channel dim (", cd - data.dim(), ") has size ", data.size(cd));
  // [C, 1, 1] broadcasts over H, W of images; [C] over the rows of feature batches.
  const Shape stat_shape = cd == data.dim() - 3 ? Shape{channels, 1, 1} : Shape{channels};
  const Tensor mean = from_vector(mean_, stat_shape, data.dtype());
  const Tensor std = from_vector(std_, stat_shape, data.dtype());
  return (data - mean) / std;
}

Example Normalize::operator()(Example example, Generator&) const {
  example.data = (*this)(example.data);
  return example;
}

// ---- Standardize ---------------------------------------------------------------------------------

namespace {
// Per-channel count, mean and sum of squared deviations (M2), merged chunk by chunk with Chan,
// Golub & LeVeque's update: for parts a, b with δ = mean_b − mean_a and n = n_a + n_b,
// mean = mean_a + δ·n_b/n and M2 = M2_a + M2_b + δ²·n_a·n_b/n. Each chunk's own M2 is a second
// pass around its mean, which keeps the float64 sums accurate for data far from zero.
struct Moments {
  std::vector<double> mean, m2;
  std::vector<double> count;

  void add(const Tensor& batch, const char* op) {
    XG_CHECK(batch.defined() && batch.dim() >= 1, ShapeError, op, ": expected data stacked along dim 0, got ",
             batch.defined() ? shape_str(batch.sizes()) : std::string("an undefined tensor"));
    XG_CHECK(batch.dtype() != kBool, DtypeError, op, ": expected numeric data, got bool");
    const std::int64_t ex_dims = batch.dim() - 1;
    std::int64_t cd = -1;  // channel dim of the batch, -1: one channel
    if (ex_dims >= 3) cd = batch.dim() - 3;
    else if (ex_dims == 1) cd = 1;
    const std::int64_t channels = cd < 0 ? 1 : batch.size(cd);
    std::int64_t outer = 1, inner = 1;
    for (std::int64_t d = 0; d < batch.dim(); ++d) {
      if (cd < 0 || d < cd) outer *= batch.size(d);
      else if (d > cd) inner *= batch.size(d);
    }
    if (mean.empty()) {
      mean.assign(static_cast<std::size_t>(channels), 0.0);
      m2 = mean;
      count = mean;
    }
    XG_CHECK(static_cast<std::int64_t>(mean.size()) == channels, ShapeError, op, ": data of shape ", batch.sizes(),
             " has ", channels, " channels but earlier data had ", mean.size());
    const Tensor x = batch.to(kFloat64).contiguous();
    const double* p = xg::detail::impl(x).ptr<double>();
    const double per_channel = static_cast<double>(outer * inner);
    if (per_channel == 0) return;
    for (std::int64_t c = 0; c < channels; ++c) {
      double sum = 0.0;
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t i = 0; i < inner; ++i) sum += p[(o * channels + c) * inner + i];
      const double mb = sum / per_channel;
      double m2b = 0.0;
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t i = 0; i < inner; ++i) {
          const double d = p[(o * channels + c) * inner + i] - mb;
          m2b += d * d;
        }
      const auto k = static_cast<std::size_t>(c);
      const double na = count[k], n = na + per_channel, delta = mb - mean[k];
      mean[k] += delta * per_channel / n;
      m2[k] += m2b + delta * delta * na * per_channel / n;
      count[k] = n;
    }
  }
};

void finish(const Moments& m, std::vector<double>& mean, std::vector<double>& std, const char* op) {
  XG_CHECK(!m.mean.empty() && m.count[0] > 0, ValueError, op, ": cannot fit on an empty dataset");
  mean = m.mean;
  std.resize(mean.size());
  for (std::size_t c = 0; c < mean.size(); ++c) {
    XG_CHECK(std::isfinite(mean[c]) && std::isfinite(m.m2[c]), ValueError, op, ": channel ", c,
             " has non-finite values (NaN or infinity) in the data");
    const double s = std::sqrt(m.m2[c] / m.count[c]);
    std[c] = s > 0 ? s : 1.0;  // a constant channel is only centred (scikit-learn does the same)
  }
}
}  // namespace

Standardize& Standardize::fit(const Tensor& data) {
  XG_CHECK(data.defined(), ValueError, "Standardize::fit: the data is undefined");
  XG_CHECK(data.dim() >= 1 && data.size(0) > 0, ValueError,
           "Standardize::fit: expected a non-empty stack of "
           "examples [N, ...], got shape ",
           data.sizes());
  Moments m;
  constexpr std::int64_t kChunk = 1024;  // examples converted to float64 at a time
  for (std::int64_t s = 0; s < data.size(0); s += kChunk)
    m.add(data.narrow(0, s, std::min(kChunk, data.size(0) - s)), "Standardize::fit");
  finish(m, mean_, std_, "Standardize::fit");
  return *this;
}

Standardize& Standardize::fit(const Dataset& dataset) {
  XG_CHECK(dataset.defined() && dataset.size() > 0, ValueError, "Standardize::fit: cannot fit on an empty dataset");
  NoGradGuard no_grad;
  Moments m;
  constexpr std::int64_t kChunk = 1024;
  std::vector<std::int64_t> idx;
  for (std::int64_t s = 0; s < dataset.size(); s += kChunk) {
    idx.clear();
    for (std::int64_t i = s; i < std::min(s + kChunk, dataset.size()); ++i) idx.push_back(i);
    m.add(dataset.get_batch(idx).data, "Standardize::fit");
  }
  finish(m, mean_, std_, "Standardize::fit");
  return *this;
}

Tensor Standardize::operator()(const Tensor& data) const {
  XG_CHECK(fitted(), ValueError, "Standardize: call fit() on the training data before applying it");
  return Normalize(mean_, std_)(data);
}

Example Standardize::operator()(Example example, Generator&) const {
  example.data = (*this)(example.data);
  return example;
}

// ---- OneHot --------------------------------------------------------------------------------------

OneHot::OneHot(std::int64_t num_classes, Dtype dtype) : num_classes_(num_classes), dtype_(dtype) {
  XG_CHECK(num_classes > 0, ValueError, "OneHot: num_classes must be positive, got ", num_classes);
}

Tensor OneHot::operator()(const Tensor& labels) const {
  XG_CHECK(labels.defined(), ValueError, "OneHot: the target is undefined (unlabeled data)");
  XG_CHECK(labels.dtype() == kInt64, DtypeError, "OneHot: expected int64 class labels, got ", labels.dtype());
  Shape shape = labels.sizes();
  shape.push_back(num_classes_);
  Tensor out = zeros(shape, dtype_);
  const Tensor l = labels.contiguous();
  const std::int64_t* lp = xg::detail::impl(l).ptr<std::int64_t>();
  const std::int64_t n = l.numel(), k = num_classes_;
  for (std::int64_t i = 0; i < n; ++i)
    XG_CHECK(lp[i] >= 0 && lp[i] < k, IndexError, "OneHot: label ", lp[i], " is out of range for ", k, " classes");
  kernels::dispatch_all(dtype_, "OneHot", [&]<class T>() {
    T* op = xg::detail::impl(out).ptr<T>();
    for (std::int64_t i = 0; i < n; ++i) op[i * k + lp[i]] = T(1);
  });
  return out;
}

Example OneHot::operator()(Example example, Generator&) const {
  example.target = (*this)(example.target);
  return example;
}

// ---- RandomHorizontalFlip ------------------------------------------------------------------------

namespace {
/// x with its last dim reversed: each contiguous row copied backwards (no autograd record; the
/// loader runs transforms without grad, and a flip of data needs none).
Tensor flip_last_dim(const Tensor& x) {
  const Tensor src = x.contiguous();
  Tensor out = xg::detail::make_tensor(x.sizes(), x.dtype());
  const std::int64_t w = x.size(-1), rows = w == 0 ? 0 : x.numel() / w;
  kernels::dispatch_all(x.dtype(), "RandomHorizontalFlip", [&]<class T>() {
    const T* in = xg::detail::impl(src).ptr<T>();
    T* o = xg::detail::impl(out).ptr<T>();
    for (std::int64_t r = 0; r < rows; ++r) std::reverse_copy(in + r * w, in + (r + 1) * w, o + r * w);
  });
  return out;
}
}  // namespace

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  XG_CHECK(p >= 0.0 && p <= 1.0, ValueError, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Example RandomHorizontalFlip::operator()(Example example, Generator& gen) const {
  XG_CHECK(example.data.defined() && example.data.dim() >= 1, ShapeError,
           "RandomHorizontalFlip: expected data with a width dimension, got ",
           example.data.defined() ? shape_str(example.data.sizes()) : std::string("undefined data"));
  if (gen.next_double() < p_) example.data = flip_last_dim(example.data);  // one draw per call, flip or not
  return example;
}

// ---- RandomCrop ----------------------------------------------------------------------------------

namespace {
std::int64_t height_of(std::initializer_list<std::int64_t> size) {
  XG_CHECK(size.size() == 2, ValueError, "RandomCrop: expected the size as {height, width}, got ", size.size(),
           " numbers");
  return *size.begin();
}
}  // namespace

RandomCrop::RandomCrop(std::initializer_list<std::int64_t> size, std::int64_t padding)
    : RandomCrop(height_of(size), padding) {
  width_ = *(size.begin() + 1);
  XG_CHECK(width_ > 0, ValueError, "RandomCrop: the size must be positive, got ", height_, " x ", width_);
}

RandomCrop::RandomCrop(std::int64_t size, std::int64_t padding) : height_(size), width_(size), padding_(padding) {
  XG_CHECK(height_ > 0 && width_ > 0, ValueError, "RandomCrop: the size must be positive, got ", height_, " x ",
           width_);
  XG_CHECK(padding >= 0, ValueError, "RandomCrop: padding must be non-negative, got ", padding);
}

Example RandomCrop::operator()(Example example, Generator& gen) const {
  const Tensor& x = example.data;
  XG_CHECK(x.defined() && x.dim() >= 2, ShapeError, "RandomCrop: expected data [..., H, W], got ",
           x.defined() ? shape_str(x.sizes()) : std::string("undefined data"));
  const std::int64_t h = x.size(-2), w = x.size(-1), p = padding_;
  XG_CHECK(h + 2 * p >= height_ && w + 2 * p >= width_, ValueError, "RandomCrop: a ", height_, " x ", width_,
           " window does not fit in the ", h, " x ", w, " image padded by ", p, " (", h + 2 * p, " x ", w + 2 * p, ")");
  const std::int64_t top = detail::uniform_int(gen, h + 2 * p - height_ + 1);
  const std::int64_t left = detail::uniform_int(gen, w + 2 * p - width_ + 1);
  // The window covers rows [top − p, top − p + height) of the original image: padding with
  // p − top before and (top − p + height) − h after (negative widths crop) cuts it out in one copy,
  // zeros where it overhangs the image.
  example.data = pad(x, {p - left, left - p + width_ - w, p - top, top - p + height_ - h});
  return example;
}

}  // namespace xg::data
