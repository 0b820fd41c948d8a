// Internal: the generic elementwise loops every elementwise op runs on.
// Operands are described by typed base pointers plus strides in elements (0 on broadcast dims).
// The output's flat index range is cut into fixed chunks; each chunk walks its pieces of rows of
// the innermost dimension. Above kParallelElements elements the chunks run on TBB threads.
//
// Note [Vectorized elementwise functors]
// A functor that takes its arguments as a template (`auto` or `<class V>`) must give the same
// expression for a scalar and for an xsimd batch (`using std::exp; using xsimd::exp;`); the
// loops then run it on whole batches, float and double, whenever input and output types agree.
// A functor with scalar parameter types (`T x`) is never called with a batch and runs on the
// scalar path. On the vector path every element goes through the batch expression: the tail of a
// row (as an overlapping last batch, or padded into one) and strided operands are gathered into a
// batch, so an element's value does not depend on its position, on the layout of the operands or
// on how the range was split among threads.
#pragma once
#include <algorithm>
#include <array>
#include <tuple>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "core/tensor_impl.hpp"
#include "kernels/parallel.hpp"
#include "xgrad/shape.hpp"

namespace xg::kernels {

/// Elementwise loops over at least this many output elements use threads; below it they never
/// touch TBB. Measured with bench/bench_elementwise (docs/performance.md): at 32K float elements
/// a TBB fork/join (~5 µs) costs about as much as the second thread saves on add/mul.
inline constexpr std::int64_t kParallelElements = std::int64_t{1} << 15;
/// Elements per parallel task (a multiple of every batch width).
inline constexpr std::int64_t kElementwiseChunk = std::int64_t{1} << 14;

/// Strides of `t` broadcast to `out_shape` (0 where t is broadcast), in elements.
Shape broadcast_strides(const TensorImpl& t, const Shape& out_shape);

/// Runs body(begin, end) over [0, total) in fixed chunks: on TBB threads when total reaches
/// kParallelElements and more than one thread is allowed, else in one call.
template <class Body>
void parallel_chunks(std::int64_t total, std::int64_t chunk, Body&& body) {
  if (total >= kParallelElements && total > chunk && available_threads() > 1) {
    const std::int64_t chunks = (total + chunk - 1) / chunk;
    parallel_for(0, chunks, 1, [&](std::int64_t b, std::int64_t e) { body(b * chunk, std::min(total, e * chunk)); });
  } else if (total > 0) {
    body(std::int64_t{0}, total);
  }
}

/// Calls f(n, offsets, inner_strides) once per piece of an innermost row that lies in the flat
/// element range [begin, end) of `shape`; offsets[k] is operand k's element offset at the piece.
template <std::size_t N, class F>
void for_each_row_range(const Shape& shape, const std::array<const Shape*, N>& strides, std::int64_t begin,
                        std::int64_t end, F&& f) {
  const std::size_t nd = shape.size();
  std::array<std::int64_t, N> off{};
  std::array<std::int64_t, N> inner{};
  if (nd == 0) {
    if (begin < end) f(std::int64_t{1}, off, inner);
    return;
  }
  const std::int64_t n = shape[nd - 1];
  if (n == 0 || begin >= end) return;
  for (std::size_t k = 0; k < N; ++k) inner[k] = (*strides[k])[nd - 1];
  // multi-index of the first row piece
  Shape idx(nd, 0);
  std::int64_t row = begin / n, col = begin % n;
  for (std::size_t d = nd - 1; d-- > 0;) {
    idx[d] = row % shape[d];
    row /= shape[d];
    for (std::size_t k = 0; k < N; ++k) off[k] += idx[d] * (*strides[k])[d];
  }
  for (std::size_t k = 0; k < N; ++k) off[k] += col * inner[k];
  std::int64_t pos = begin;
  while (pos < end) {
    const std::int64_t len = std::min(n - col, end - pos);
    f(len, off, inner);
    pos += len;
    if (pos >= end) break;
    for (std::size_t k = 0; k < N; ++k) off[k] -= col * inner[k];
    col = 0;
    for (std::size_t d = nd - 1; d-- > 0;) {
      for (std::size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (++idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// Calls f(n, offsets, inner_strides) once per innermost row of `shape` (see for_each_row_range).
template <std::size_t N, class F>
void for_each_row(const Shape& shape, const std::array<const Shape*, N>& strides, F&& f) {
  std::int64_t total = 1;
  for (std::int64_t s : shape) total *= s;
  for_each_row_range<N>(shape, strides, 0, total, f);
}

/// c ? a : b for scalars; with xsimd's select for batches, one spelling serves both in the
/// functors of Note [Vectorized elementwise functors].
template <class T>
  requires std::is_arithmetic_v<T>
inline T select(bool c, T a, T b) {
  return c ? a : b;
}
using xsimd::select;

/// The element type of a scalar or of an xsimd batch.
template <class V> struct ScalarOf { using type = V; };
template <class T, class A> struct ScalarOf<xsimd::batch<T, A>> { using type = T; };
template <class V> using scalar_of = typename ScalarOf<V>::type;

namespace detail_loops {

template <class T> inline constexpr bool kSimdType = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// Whether f may be called with N batches of T (Note [Vectorized elementwise functors]).
template <class F, class T, std::size_t... K>
constexpr bool batch_invocable(std::index_sequence<K...>) {
  if constexpr (!kSimdType<T>) return false;
  else return std::is_invocable_v<const F&, std::conditional_t<true, xsimd::batch<T>, decltype(K)>...>;
}

/// One piece of a row on the vector path: o[i·so] = f(p0[i·s0], p1[i·s1], …) for i < n.
template <class T, std::size_t N, class F>
void vec_row(const F& f, std::int64_t n, T* o, std::int64_t so, const std::array<const T*, N>& p,
             const std::array<std::int64_t, N>& s) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  auto call = [&](auto&& load) -> B {
    return [&]<std::size_t... K>(std::index_sequence<K...>) { return B(f(load(K)...)); }(std::make_index_sequence<N>{});
  };
  // unit-stride output and operands that are unit-stride or broadcast (stride 0): plain loads
  bool simple = so == 1 && n >= W;
  for (std::size_t k = 0; k < N; ++k) simple = simple && (s[k] == 1 || s[k] == 0);
  if (simple) {
    std::array<B, N> bc;
    for (std::size_t k = 0; k < N; ++k) bc[k] = B(p[k][0]);
    auto load_at = [&](std::int64_t at) {
      return [&, at](std::size_t k) { return s[k] ? B::load_unaligned(p[k] + at) : bc[k]; };
    };
    std::int64_t i = 0;
    for (; i + W <= n; i += W) call(load_at(i)).store_unaligned(o + i);
    // The tail as the last whole batch, overlapping elements already written: they get the
    // same values again (the output is a fresh tensor, never one of the inputs).
    if (i < n) call(load_at(n - W)).store_unaligned(o + n - W);
    return;
  }
  std::int64_t i = 0;
  {
    alignas(64) T buf[W];
    for (; i + W <= n; i += W) {
      const B r = call([&](std::size_t k) -> B {
        if (s[k] == 1) return B::load_unaligned(p[k] + i);
        if (s[k] == 0) return B(p[k][0]);
        for (std::int64_t j = 0; j < W; ++j) buf[j] = p[k][(i + j) * s[k]];
        return B::load_aligned(buf);
      });
      if (so == 1) {
        r.store_unaligned(o + i);
      } else {
        r.store_aligned(buf);
        for (std::int64_t j = 0; j < W; ++j) o[(i + j) * so] = buf[j];
      }
    }
  }
  if (i < n) {
    // the tail through the same batch expression, padded with the row's last element
    alignas(64) T buf[W];
    const std::int64_t rem = n - i;
    const B r = call([&](std::size_t k) -> B {
      for (std::int64_t j = 0; j < W; ++j) buf[j] = p[k][(i + std::min(j, rem - 1)) * s[k]];
      return B::load_aligned(buf);
    });
    r.store_aligned(buf);
    for (std::int64_t j = 0; j < rem; ++j) o[(i + j) * so] = buf[j];
  }
}

/// The elementwise loop over out's shape with N broadcast operands (strides already broadcast).
template <class R, class F, class... In>
void map_n(const Shape& shape, std::int64_t total, R* op, const Shape& os, const F& f,
           std::pair<const In*, const Shape*>... in) {
  constexpr std::size_t N = sizeof...(In);
  constexpr bool vec = (std::is_same_v<In, R> && ...) && batch_invocable<F, R>(std::make_index_sequence<N>{});
  const std::array<const Shape*, N + 1> strides{in.second..., &os};
  const auto ptrs = std::make_tuple(in.first...);
  parallel_chunks(total, kElementwiseChunk, [&](std::int64_t b, std::int64_t e) {
    for_each_row_range<N + 1>(shape, strides, b, e, [&](std::int64_t n, const auto& off, const auto& st) {
      R* o = op + off[N];
      if constexpr (vec) {
        std::array<const R*, N> p{};
        std::array<std::int64_t, N> s{};
        [&]<std::size_t... K>(std::index_sequence<K...>) {
          ((p[K] = std::get<K>(ptrs) + off[K], s[K] = st[K]), ...);
        }(std::make_index_sequence<N>{});
        vec_row<R, N>(f, n, o, st[N], p, s);
      } else {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
          // unit strides, or a broadcast scalar second operand (x > 0): loops the compiler
          // vectorizes; any strides: the general loop
          const bool unit = st[N] == 1 && ((st[K] == 1) && ...);
          if (unit) {
            const auto q = std::make_tuple((std::get<K>(ptrs) + off[K])...);
            for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<R>(f(std::get<K>(q)[i]...));
            return;
          }
          if constexpr (N == 2) {
            if (st[N] == 1 && st[0] == 1 && st[1] == 0) {
              const auto* first = std::get<0>(ptrs) + off[0];
              const auto second = std::get<1>(ptrs)[off[1]];
              for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<R>(f(first[i], second));
              return;
            }
          }
          for (std::int64_t i = 0; i < n; ++i) o[i * st[N]] = static_cast<R>(f(std::get<K>(ptrs)[off[K] + i * st[K]]...));
        }(std::make_index_sequence<N>{});
      }
    });
  });
}

/// The elementwise loop over a flat range: every operand unit-stride (1) or broadcast (0), the
/// output contiguous. No shape walking and no allocation (the common case of small tensors).
template <class R, class F, class... In>
void map_flat(std::int64_t total, R* op, const F& f, std::pair<const In*, std::int64_t>... in) {
  constexpr std::size_t N = sizeof...(In);
  constexpr bool vec = (std::is_same_v<In, R> && ...) && batch_invocable<F, R>(std::make_index_sequence<N>{});
  parallel_chunks(total, kElementwiseChunk, [&](std::int64_t b, std::int64_t e) {
    const std::int64_t n = e - b;
    R* o = op + b;
    if constexpr (vec) {
      const std::array<const R*, N> p{(in.first + b * in.second)...};
      const std::array<std::int64_t, N> s{in.second...};
      vec_row<R, N>(f, n, o, 1, p, s);
    } else if (((in.second == 1) && ...)) {
      const auto q = std::make_tuple((in.first + b)...);
      [&]<std::size_t... K>(std::index_sequence<K...>) {
        for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<R>(f(std::get<K>(q)[i]...));
      }(std::make_index_sequence<N>{});
    } else {
      for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<R>(f(in.first[(b + i) * in.second]...));
    }
  });
}

template <class T>
std::pair<const T*, const Shape*> operand(const TensorImpl& t, const Shape* strides) {
  return {t.ptr<T>(), strides};
}

}  // namespace detail_loops

/// out[i] = f(x[i]) with out contiguous and of x's shape (Note [Vectorized elementwise functors]).
template <class T, class R, class F>
void unary_map(const TensorImpl& x, TensorImpl& out, F f) {
  if (x.is_contiguous()) {
    detail_loops::map_flat<R>(x.numel, out.ptr<R>(), f, std::pair<const T*, std::int64_t>{x.ptr<T>(), 1});
    return;
  }
  const Shape os = contiguous_strides(out.shape);
  detail_loops::map_n<R>(x.shape, x.numel, out.ptr<R>(), os, f, detail_loops::operand<T>(x, &x.strides));
}

/// out[i] = f(a[i], b[i]) with a and b broadcast to out's (contiguous) shape.
template <class TA, class TB, class R, class F>
void binary_map(const TensorImpl& a, const TensorImpl& b, TensorImpl& out, F f) {
  if (a.shape == out.shape && a.is_contiguous() &&
      ((b.shape == out.shape && b.is_contiguous()) || b.numel == 1)) {
    detail_loops::map_flat<R>(out.numel, out.ptr<R>(), f, std::pair<const TA*, std::int64_t>{a.ptr<TA>(), 1},
                              std::pair<const TB*, std::int64_t>{b.ptr<TB>(), b.numel == 1 ? 0 : 1});
    return;
  }
  if (b.shape == out.shape && b.is_contiguous() && a.numel == 1) {
    detail_loops::map_flat<R>(out.numel, out.ptr<R>(), f, std::pair<const TA*, std::int64_t>{a.ptr<TA>(), 0},
                              std::pair<const TB*, std::int64_t>{b.ptr<TB>(), 1});
    return;
  }
  const Shape as = broadcast_strides(a, out.shape), bs = broadcast_strides(b, out.shape);
  const Shape os = contiguous_strides(out.shape);
  detail_loops::map_n<R>(out.shape, out.numel, out.ptr<R>(), os, f, detail_loops::operand<TA>(a, &as),
                         detail_loops::operand<TB>(b, &bs));
}

/// out[i] = f(a[i], b[i], c[i]) with broadcasting.
template <class TA, class TB, class TC, class R, class F>
void ternary_map(const TensorImpl& a, const TensorImpl& b, const TensorImpl& c, TensorImpl& out, F f) {
  const Shape as = broadcast_strides(a, out.shape), bs = broadcast_strides(b, out.shape),
              cs = broadcast_strides(c, out.shape), os = contiguous_strides(out.shape);
  detail_loops::map_n<R>(out.shape, out.numel, out.ptr<R>(), os, f, detail_loops::operand<TA>(a, &as),
                         detail_loops::operand<TB>(b, &bs), detail_loops::operand<TC>(c, &cs));
}

/// Copies src (any strides, broadcast to dst's shape) into dst (any strides), converting type.
void copy_into(const TensorImpl& src, TensorImpl& dst);

}  // namespace xg::kernels
