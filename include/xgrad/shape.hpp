// xgrad — shapes and strides.
// xg::Shape is a small vector of int64 sizes that keeps up to six dimensions inline (no heap
// allocation for the shapes deep-learning code uses), with the std::vector interface people expect.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// The sizes (or strides) of a tensor: a vector of int64 that stores up to kInline entries without
/// allocating. `xg::Shape{64, 784}`.
class Shape {
 public:
  /// Entries stored inline.
  static constexpr std::size_t kInline = 6;
  /// Container types, as std::vector's.
  ///@{
  using value_type = std::int64_t;
  using iterator = std::int64_t*;
  using const_iterator = const std::int64_t*;
  ///@}

  Shape() = default;
  /// `{2, 3}`.
  Shape(std::initializer_list<std::int64_t> v) { assign(v.begin(), v.size()); }
  /// `n` entries equal to `fill`.
  explicit Shape(std::size_t n, std::int64_t fill = 0) { resize(n, fill); }
  /// The entries of a std::vector.
  Shape(const std::vector<std::int64_t>& v) { assign(v.data(), v.size()); }  // NOLINT: implicit on purpose
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  /// The entries of an iterator range.
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
  }
  /// Copy and move.
  ///@{
  Shape(const Shape& o) { assign(o.data(), o.size()); }
  Shape(Shape&& o) noexcept { steal(o); }
  Shape& operator=(const Shape& o) {
    if (this != &o) {
      size_ = 0;
      assign(o.data(), o.size());
    }
    return *this;
  }
  Shape& operator=(Shape&& o) noexcept {
    ///@}
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~Shape() { release(); }

  /// Element access and modification, as std::vector's.
  ///@{
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::int64_t* data() { return heap_ ? heap_ : inline_; }
  const std::int64_t* data() const { return heap_ ? heap_ : inline_; }
  std::int64_t& operator[](std::size_t i) { return data()[i]; }
  std::int64_t operator[](std::size_t i) const { return data()[i]; }
  std::int64_t& back() { return data()[size_ - 1]; }
  std::int64_t back() const { return data()[size_ - 1]; }
  std::int64_t& front() { return data()[0]; }
  std::int64_t front() const { return data()[0]; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }

  void push_back(std::int64_t v) {
    reserve(size_ + 1);
    data()[size_++] = v;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void resize(std::size_t n, std::int64_t fill = 0) {
    reserve(n);
    for (std::size_t i = size_; i < n; ++i) data()[i] = fill;
    size_ = n;
  }
  void insert(std::size_t pos, std::int64_t v) {
    reserve(size_ + 1);
    std::int64_t* d = data();
    for (std::size_t i = size_; i > pos; --i) d[i] = d[i - 1];
    d[pos] = v;
    ++size_;
  }
  void erase(std::size_t pos) {
    std::int64_t* d = data();
    for (std::size_t i = pos; i + 1 < size_; ++i) d[i] = d[i + 1];
    --size_;
  }
  void reserve(std::size_t n) {
    ///@}
    if (n <= capacity()) return;
    std::size_t cap = std::max<std::size_t>(n, 2 * capacity());
    auto* p = new std::int64_t[cap];
    std::memcpy(p, data(), size_ * sizeof(std::int64_t));
    delete[] heap_;
    heap_ = p;
    cap_ = cap;
  }
  /// A std::vector copy of the entries.
  std::vector<std::int64_t> vec() const { return {begin(), end()}; }
  operator std::vector<std::int64_t>() const { return vec(); }  // NOLINT: implicit on purpose

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  std::size_t capacity() const { return heap_ ? cap_ : kInline; }
  void assign(const std::int64_t* p, std::size_t n) {
    reserve(n);
    std::memcpy(data(), p, n * sizeof(std::int64_t));
    size_ = n;
  }
  void steal(Shape& o) {
    size_ = o.size_;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
    } else {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(std::int64_t));
    }
    o.size_ = 0;
  }
  void release() {
    delete[] heap_;
    heap_ = nullptr;
  }
  std::int64_t inline_[kInline];
  std::int64_t* heap_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

/// Number of elements of a shape (1 for the 0-d shape `{}`).
std::int64_t numel_of(const Shape& s);
/// Row-major (C-contiguous) strides of a shape, in elements.
Shape contiguous_strides(const Shape& s);
/// The NumPy broadcast of two shapes; throws ShapeError naming `op` when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");
/// "[2, 3, 4]".
std::string shape_str(const Shape& s);
/// Writes the sizes as `[2, 3]`.
std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace xg

XGRAD_API_END
