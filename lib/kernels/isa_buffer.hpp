// Internal: a heap array for the dispatched kernels (Note [Kernels per instruction set] in
// kernels/isa.hpp). std::vector<float> would be compiled into every instruction set's copy and
// shared by the linker; this class lives in the copy's own namespace, so each copy has its own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

#ifndef XG_ISA_NS
#error "kernels/isa_buffer.hpp is for the files compiled once per instruction set (XG_ISA_NS)"
#endif

namespace xg::kernels::XG_ISA_NS {

/// n value-initialized elements of T (zeros for arithmetic T), freed on destruction; no
/// allocation for n = 0.
template <class T>
class Array {
 public:
  explicit Array(std::int64_t n) : n_(n < 0 ? 0 : n), data_(n_ ? new T[static_cast<std::size_t>(n_)]() : nullptr) {}
  Array(std::int64_t n, T value) : Array(n) {
    for (std::int64_t i = 0; i < n_; ++i) data_[i] = value;
  }
  ~Array() { delete[] data_; }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  T& operator[](std::int64_t i) { return data_[i]; }
  const T& operator[](std::int64_t i) const { return data_[i]; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::int64_t size() const { return n_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + n_; }

 private:
  std::int64_t n_;
  T* data_;
};

}  // namespace xg::kernels::XG_ISA_NS
