// Tensor printing: Tensor::str() (and so operator<<) writes what PyTorch's Python repr writes.
//
// Note [Tensor printing follows torch/_tensor_str.py]
// The rules are PyTorch's, with its default print options (precision 4, linewidth 80, threshold
// 1000, edgeitems 3), so a user comparing the two sees the same text:
//  * one formatter per tensor picks the float style from the non-zero finite values it will show:
//    integers only → `1.`; otherwise fixed `1.5000`; scientific `1.0000e+10` when
//    max/min > 1000 or max > 1e8 (or, when not all integers, min < 1e-4). Every value is
//    right-aligned to the widest of those shown, so columns line up;
//  * more than 1000 elements → each dimension longer than 6 shows its first and last 3 entries
//    around `...` (and only those take part in choosing the width);
//  * suffixes: dtype when not float32/int64/bool (we print `float64`, not `torch.float64`),
//    then `grad_fn=<name>` (the node's name) for results of recorded ops, else
//    `requires_grad=True`; a suffix goes to a new line when the last line would pass 80 columns.
// Values are read straight from storage through the strides (no op is called), so printing works
// for views, expanded tensors, tensors that require grad and inside NoGradGuard alike.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/tensor_impl.hpp"

namespace xg {

namespace {

constexpr int kPrecision = 4;
constexpr std::int64_t kLineWidth = 80;
constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;

/// One element, widened: floats as double (exact for float32), integers as int64, bools as bool.
struct Element {
  double f = 0.0;
  std::int64_t i = 0;
  bool b = false;
};

struct Reader {
  const TensorImpl& t;
  Element at(std::int64_t offset) const {
    Element e;
    switch (t.dtype) {
      case Dtype::Float32:
        e.f = static_cast<double>(t.ptr<float>()[offset]);
        break;
      case Dtype::Float64:
        e.f = t.ptr<double>()[offset];
        break;
      case Dtype::Int64:
        e.i = t.ptr<std::int64_t>()[offset];
        break;
      // read the byte: memory wrapped with from_blob may hold values other than 0 and 1
      case Dtype::Bool:
        e.b = t.ptr<unsigned char>()[offset] != 0;
        break;
    }
    return e;
  }
};

std::string printf_double(const char* fmt, int precision, double v) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, fmt, precision, v);
  if (n >= 0 && n < static_cast<int>(sizeof buf)) return std::string(buf, static_cast<std::size_t>(n));
  std::string big(static_cast<std::size_t>(n) + 1, '\0');  // fixed notation of a huge value
  std::snprintf(big.data(), big.size(), fmt, precision, v);
  big.resize(static_cast<std::size_t>(n));
  return big;
}

/// Python spells non-finite floats `nan`, `inf`, `-inf` (never `-nan`), whatever the format.
bool nonfinite_str(double v, std::string& out) {
  if (std::isnan(v)) out = "nan";
  else if (std::isinf(v)) out = v > 0 ? "inf" : "-inf";
  else return false;
  return true;
}

std::string sci_str(double v) {  // Python's "{:.4e}"
  std::string s;
  return nonfinite_str(v, s) ? s : printf_double("%.*e", kPrecision, v);
}
std::string fixed_str(double v) {  // Python's "{:.4f}"
  std::string s;
  return nonfinite_str(v, s) ? s : printf_double("%.*f", kPrecision, v);
}
std::string int_mode_str(double v) {  // Python's "{:.0f}" plus a "." on finite values
  std::string s;
  if (nonfinite_str(v, s)) return s;
  return printf_double("%.*f", 0, v) + ".";
}

/// PyTorch's _Formatter: one style and one width for all the values shown.
class Formatter {
 public:
  explicit Formatter(Dtype d) : dtype_(d) {}

  void observe(const Element& e) {
    if (dtype_ == Dtype::Int64) width_ = std::max(width_, std::to_string(e.i).size());
    else if (dtype_ == Dtype::Bool) width_ = std::max<std::size_t>(width_, e.b ? 4 : 5);
    else if (std::isfinite(e.f) && e.f != 0.0) floats_.push_back(e.f);
  }

  /// Picks the float style once every shown value has been observed.
  void finish() {
    if (floats_.empty()) return;
    double lo = std::abs(floats_[0]), hi = lo;
    for (double v : floats_) {
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : floats_) {
      std::size_t w;
      if (sci_mode_) w = sci_str(v).size();
      else if (int_mode_) w = int_mode_str(v).size();
      else w = fixed_str(v).size();
      width_ = std::max(width_, w);
    }
  }

  std::size_t width() const { return width_; }

  std::string format(const Element& e) const {
    std::string s;
    if (dtype_ == Dtype::Int64) s = std::to_string(e.i);
    else if (dtype_ == Dtype::Bool) s = e.b ? "True" : "False";
    else if (sci_mode_) s = sci_str(e.f);
    else if (int_mode_) s = int_mode_str(e.f);
    else s = fixed_str(e.f);
    if (s.size() < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

 private:
  Dtype dtype_;
  std::vector<double> floats_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  std::size_t width_ = 1;
};

/// Indices shown along a dimension of size n: all of them, or the edge items when summarizing.
std::vector<std::int64_t> shown(std::int64_t n, bool summarize) {
  std::vector<std::int64_t> idx;
  if (summarize && n > 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    for (std::int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
  } else {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

class Printer {
 public:
  Printer(const TensorImpl& t, bool summarize) : t_(t), reader_{t}, summarize_(summarize), fmt_(t.dtype) {}

  // Offsets are in elements from the tensor's first element (TensorImpl::ptr includes its offset).
  std::string run(std::int64_t indent) {
    observe(0, 0);
    fmt_.finish();
    return body(0, 0, indent);
  }

 private:
  void observe(std::size_t d, std::int64_t off) {
    if (d == t_.shape.size()) {
      fmt_.observe(reader_.at(off));
      return;
    }
    for (std::int64_t i : shown(t_.shape[d], summarize_)) observe(d + 1, off + i * t_.strides[d]);
  }

  bool elided(std::size_t d) const { return summarize_ && t_.shape[d] > 2 * kEdgeItems; }

  // _vector_str: one row, wrapped every `per_line` elements.
  std::string vector(std::size_t d, std::int64_t off, std::int64_t indent) {
    const auto elem = static_cast<std::int64_t>(fmt_.width()) + 2;  // ", " between elements
    const std::int64_t per_line = std::max<std::int64_t>(1, (kLineWidth - indent) / elem);
    std::vector<std::string> items;
    const std::int64_t n = t_.shape[d];
    for (std::int64_t i : shown(n, summarize_)) {
      if (elided(d) && i == n - kEdgeItems) items.emplace_back(" ...");
      items.push_back(fmt_.format(reader_.at(off + i * t_.strides[d])));
    }
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        if (static_cast<std::int64_t>(i) % per_line == 0)
          out.append(",\n").append(static_cast<std::size_t>(indent + 1), ' ');
        else out += ", ";
      }
      out += items[i];
    }
    return out + "]";
  }

  // _tensor_str_with_formatter: nested brackets, sub-tensors separated by dim-1 blank lines.
  std::string body(std::size_t d, std::int64_t off, std::int64_t indent) {
    const std::size_t rest = t_.shape.size() - d;
    if (rest == 0) return fmt_.format(reader_.at(off));
    if (rest == 1) return vector(d, off, indent);
    const std::int64_t n = t_.shape[d];
    std::string sep = ",";
    sep.append(rest - 1, '\n').append(static_cast<std::size_t>(indent + 1), ' ');
    std::string out = "[";
    bool first = true;
    for (std::int64_t i : shown(n, summarize_)) {
      if (!first) out += sep;
      if (elided(d) && i == n - kEdgeItems) out.append("...").append(sep);
      out += body(d + 1, off + i * t_.strides[d], indent + 1);
      first = false;
    }
    out += ']';
    return out;
  }

  const TensorImpl& t_;
  Reader reader_;
  bool summarize_;
  Formatter fmt_;
};

std::string size_tuple(const Shape& s) {  // Python's tuple repr: (0, 3), (0,)
  std::string r = "(";
  for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const TensorImpl& t = *impl_;
  const std::string prefix = "tensor(";
  const auto indent = static_cast<std::int64_t>(prefix.size());

  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel == 0) {
    if (t.shape.size() != 1) suffixes.push_back("size=" + size_tuple(t.shape));
    if (t.dtype != kFloat32) suffixes.push_back("dtype=" + std::string(dtype_name(t.dtype)));
    body = "[]";
  } else {
    if (t.dtype != kFloat32 && t.dtype != kInt64 && t.dtype != kBool)
      suffixes.push_back("dtype=" + std::string(dtype_name(t.dtype)));
    body = Printer(t, t.numel > kThreshold).run(indent);
  }
  if (t.grad_fn) suffixes.push_back("grad_fn=<" + t.grad_fn->name() + ">");
  else if (t.requires_grad) suffixes.push_back("requires_grad=True");

  // _add_suffixes: a suffix that would pass the line width starts a new, indented line.
  std::string out = prefix + body;
  const std::size_t nl = out.rfind('\n');
  std::int64_t last_line =
      static_cast<std::int64_t>(out.size()) - (nl == std::string::npos ? -1 : static_cast<std::int64_t>(nl)) + 1;
  for (const auto& s : suffixes) {
    const auto len = static_cast<std::int64_t>(s.size());
    if (last_line + len + 2 > kLineWidth) {
      out += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + s;
      last_line = indent + len;
    } else {
      out += ", " + s;
      last_line += len + 2;
    }
  }
  return out + ")";
}

}  // namespace xg
