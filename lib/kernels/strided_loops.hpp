// Internal: the elementwise loops on raw strided views, for the files compiled once per
// instruction set (Note [Kernels per instruction set] in kernels/isa.hpp). Everything here lives
// in the copy's own namespace and uses no std container.
//
// A loop has an output (operand 0) and up to three inputs, each a base pointer and strides in
// elements over the loop's shape. One walker per instruction set (run_loop) cuts the output's flat
// index range into fixed chunks of kElementwiseChunk elements, on TBB threads above
// kParallelElements, and hands each piece of an innermost row to a row function through a
// pointer; only the row function is instantiated per functor and dtype (row_kernel), so that a
// file holding a hundred functors stays quick to compile. When every input is unit-stride or a
// broadcast scalar and the output is contiguous (the common case), a chunk is one piece.
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
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/elementwise.hpp"
#include "kernels/isa_buffer.hpp"
#include "kernels/isa_xsimd.hpp"
#include "kernels/parallel.hpp"

#ifndef XG_ISA_NS
#error "kernels/strided_loops.hpp is for the files compiled once per instruction set (XG_ISA_NS)"
#endif

namespace xg::kernels::XG_ISA_NS {

using i64 = std::int64_t;

/// c ? a : b for scalars; with xsimd's select for batches, one spelling serves both in the
/// functors of Note [Vectorized elementwise functors].
template <class T>
requires std::is_arithmetic_v<T>
inline T select(bool c, T a, T b) { return c ? a : b; }
using xsimd::select;

/// The element type of a scalar or of an xsimd batch.
template <class V>
struct ScalarOf {
  using type = V;
};
template <class T, class A>
struct ScalarOf<xsimd::batch<T, A>> {
  using type = T;
};
template <class V>
using scalar_of = typename ScalarOf<V>::type;

/// Operands of a loop: the output and at most three inputs.
inline constexpr int kMaxOperands = 4;

/// A row function: out[i·s[0]] = f(in_k[i·s[k]]…) for i < n, with p[0] the output's and p[k] the
/// k-th input's address at the piece's first element; `state` is the functor.
using RowFn = void (*)(const void* state, i64 n, void* const* p, const i64* s);

/// An elementwise loop: operand 0 is the output, 1… the inputs, all over `shape`.
struct Loop {
  int nops = 0;
  int ndim = 0;
  const i64* shape = nullptr;
  i64 numel = 0;
  char* data[kMaxOperands] = {};
  i64 esize[kMaxOperands] = {};
  const i64* strides[kMaxOperands] = {};

  void add(const void* p, i64 element_size, const i64* st) {
    data[nops] = static_cast<char*>(const_cast<void*>(p));
    esize[nops] = element_size;
    strides[nops] = st;
    ++nops;
  }
};

/// Runs body(begin, end) over [0, total) in fixed chunks: on TBB threads when total reaches
/// kParallelElements and more than one thread is allowed, else in one call.
template <class Body>
void parallel_chunks(i64 total, i64 chunk, const Body& body) {
  if (total >= kParallelElements && total > chunk && available_threads() > 1) {
    const i64 chunks = (total + chunk - 1) / chunk;
    parallel_for(0, chunks, 1, [&](i64 b, i64 e) { body(b * chunk, std::min(total, e * chunk)); });
  } else if (total > 0) {
    body(i64{0}, total);
  }
}

/// 1 when `st` walks `shape` contiguously, 0 when it stays on one element, −1 otherwise (dims of
/// size 1 do not count).
inline i64 flat_stride(int ndim, const i64* shape, const i64* st) {
  bool zero = true, unit = true;
  i64 expect = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    zero = zero && st[d] == 0;
    unit = unit && st[d] == expect;
    expect *= shape[d];
  }
  return zero ? 0 : unit ? 1 : -1;
}

/// Calls row once per piece of an innermost row of the loop's shape within the flat range
/// [begin, end), every operand's pointer at the piece's first element.
inline void walk_range(const Loop& L, RowFn row, const void* state, i64 begin, i64 end) {
  const int nd = L.ndim, nops = L.nops;
  void* p[kMaxOperands] = {};
  i64 inner[kMaxOperands] = {};
  i64 off[kMaxOperands] = {};
  auto at = [&](int k) { return static_cast<void*>(L.data[k] + off[k] * L.esize[k]); };
  if (nd == 0) {
    if (begin < end) {
      for (int k = 0; k < nops; ++k) p[k] = at(k);
      row(state, 1, p, inner);
    }
    return;
  }
  const i64 n = L.shape[nd - 1];
  if (n == 0 || begin >= end) return;
  for (int k = 0; k < nops; ++k) inner[k] = L.strides[k][nd - 1];
  // the multi-index of the first piece: on the stack for up to 16 dims
  constexpr int kStackDims = 16;
  i64 small[kStackDims] = {};
  Array<i64> big(nd > kStackDims ? nd : 0);
  i64* idx = nd > kStackDims ? big.data() : small;
  i64 rowi = begin / n, col = begin % n;
  for (int d = nd - 1; d-- > 0;) {
    idx[d] = rowi % L.shape[d];
    rowi /= L.shape[d];
    for (int k = 0; k < nops; ++k) off[k] += idx[d] * L.strides[k][d];
  }
  for (int k = 0; k < nops; ++k) off[k] += col * inner[k];
  i64 pos = begin;
  while (pos < end) {
    const i64 len = std::min(n - col, end - pos);
    for (int k = 0; k < nops; ++k) p[k] = at(k);
    row(state, len, p, inner);
    pos += len;
    if (pos >= end) break;
    for (int k = 0; k < nops; ++k) off[k] -= col * inner[k];
    col = 0;
    for (int d = nd - 1; d-- > 0;) {
      for (int k = 0; k < nops; ++k) off[k] += L.strides[k][d];
      if (++idx[d] < L.shape[d]) break;
      for (int k = 0; k < nops; ++k) off[k] -= L.strides[k][d] * L.shape[d];
      idx[d] = 0;
    }
  }
}

/// Runs the loop: one piece per chunk when every input is unit-stride or a broadcast scalar and
/// the output contiguous (or a single element), else the pieces of rows (walk_range). The chunks
/// run on threads when `parallel`.
inline void run_loop(const Loop& L, RowFn row, const void* state, bool parallel) {
  if (L.numel <= 0) return;
  i64 flat[kMaxOperands] = {};
  bool simple = true;
  for (int k = 0; k < L.nops; ++k) {
    flat[k] = flat_stride(L.ndim, L.shape, L.strides[k]);
    if (k == 0 && L.numel == 1) flat[k] = 1;
    simple = simple && (k == 0 ? flat[k] == 1 : flat[k] >= 0);
  }
  auto chunks = [&](const auto& body) {
    if (parallel) parallel_chunks(L.numel, kElementwiseChunk, body);
    else body(i64{0}, L.numel);
  };
  if (simple) {
    chunks([&](i64 b, i64 e) {
      void* p[kMaxOperands] = {};
      for (int k = 0; k < L.nops; ++k) p[k] = L.data[k] + b * flat[k] * L.esize[k];
      row(state, e - b, p, flat);
    });
    return;
  }
  chunks([&](i64 b, i64 e) { walk_range(L, row, state, b, e); });
}

namespace detail_loops {

template <class T>
inline constexpr bool kSimdType = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// Whether f may be called with N batches of T (Note [Vectorized elementwise functors]).
template <class F, class T, std::size_t... K>
constexpr bool batch_invocable(std::index_sequence<K...>) {
  if constexpr (!kSimdType<T>) return false;
  else return std::is_invocable_v<const F&, std::conditional_t<true, xsimd::batch<T>, decltype(K)>...>;
}

/// One piece of a row on the vector path: o[i·so] = f(p0[i·s0], p1[i·s1], …) for i < n.
template <class T, std::size_t N, class F>
void vec_row(const F& f, i64 n, T* o, i64 so, const T* const* p, const i64* s) {
  using B = xsimd::batch<T>;
  constexpr i64 W = static_cast<i64>(B::size);
  auto call = [&](auto&& load) -> B {
    return [&]<std::size_t... K>(std::index_sequence<K...>) { return B(f(load(K)...)); }
    (std::make_index_sequence<N>{});
  };
  // unit-stride output and operands that are unit-stride or broadcast (stride 0): plain loads
  bool simple = so == 1 && n >= W;
  for (std::size_t k = 0; k < N; ++k) simple = simple && (s[k] == 1 || s[k] == 0);
  if (simple) {
    B bc[N];
    for (std::size_t k = 0; k < N; ++k) bc[k] = B(p[k][0]);
    auto load_at = [&](i64 at) {
      return [&, at](std::size_t k) { return s[k] ? B::load_unaligned(p[k] + at) : bc[k]; };
    };
    i64 i = 0;
    for (; i + W <= n; i += W) call(load_at(i)).store_unaligned(o + i);
    // The tail as the last whole batch, overlapping elements already written: they get the
    // same values again (the output is a fresh tensor, never one of the inputs).
    if (i < n) call(load_at(n - W)).store_unaligned(o + n - W);
    return;
  }
  i64 i = 0;
  {
    alignas(64) T buf[W];
    for (; i + W <= n; i += W) {
      const B r = call([&](std::size_t k) -> B {
        if (s[k] == 1) return B::load_unaligned(p[k] + i);
        if (s[k] == 0) return B(p[k][0]);
        for (i64 j = 0; j < W; ++j) buf[j] = p[k][(i + j) * s[k]];
        return B::load_aligned(buf);
      });
      if (so == 1) {
        r.store_unaligned(o + i);
      } else {
        r.store_aligned(buf);
        for (i64 j = 0; j < W; ++j) o[(i + j) * so] = buf[j];
      }
    }
  }
  if (i < n) {
    // the tail through the same batch expression, padded with the row's last element
    alignas(64) T buf[W];
    const i64 rem = n - i;
    const B r = call([&](std::size_t k) -> B {
      for (i64 j = 0; j < W; ++j) buf[j] = p[k][(i + std::min(j, rem - 1)) * s[k]];
      return B::load_aligned(buf);
    });
    r.store_aligned(buf);
    for (i64 j = 0; j < rem; ++j) o[(i + j) * so] = buf[j];
  }
}

/// out[i] = f(a[i], b) with b one broadcast element (x > 0 and the like): a loop the compiler
/// vectorizes.
template <class R, class F, class A, class B>
void scalar_row_bcast(const F& f, i64 n, R* o, const A* a, const B* b) {
  const B y = b[0];
  for (i64 i = 0; i < n; ++i) o[i] = static_cast<R>(f(a[i], y));
}

/// One piece of a row on the scalar path.
template <class R, class F, class... In, std::size_t... K>
void scalar_row(std::index_sequence<K...>, const F& f, i64 n, R* o, i64 so, const i64* st, const In*... q) {
  if (so == 1 && ((st[K] == 1) && ...)) {
    for (i64 i = 0; i < n; ++i) o[i] = static_cast<R>(f(q[i]...));
    return;
  }
  if constexpr (sizeof...(In) == 2) {
    if (so == 1 && st[0] == 1 && st[1] == 0) return scalar_row_bcast(f, n, o, q...);
  }
  for (i64 i = 0; i < n; ++i) o[i * so] = static_cast<R>(f(q[i * st[K]]...));
}

template <class R, class F, class... In, std::size_t... K>
void row_kernel_impl(std::index_sequence<K...> seq, const void* state, i64 n, void* const* p, const i64* s) {
  constexpr std::size_t N = sizeof...(In);
  const F& f = *static_cast<const F*>(state);
  R* o = static_cast<R*>(p[0]);
  if constexpr ((std::is_same_v<In, R> && ...) && batch_invocable<F, R>(std::make_index_sequence<N>{})) {
    const R* in[N] = {static_cast<const R*>(p[K + 1])...};
    vec_row<R, N>(f, n, o, s[0], in, s + 1);
  } else {
    scalar_row<R>(seq, f, n, o, s[0], s + 1, static_cast<const In*>(p[K + 1])...);
  }
}

}  // namespace detail_loops

/// The row function of functor F with inputs of types In… and result type R.
template <class R, class F, class... In>
void row_kernel(const void* state, i64 n, void* const* p, const i64* s) {
  detail_loops::row_kernel_impl<R, F, In...>(std::index_sequence_for<In...>{}, state, n, p, s);
}

/// out = f(in…) elementwise: out of type R, the inputs of types In… (views of out's shape), on
/// threads above kParallelElements when `parallel`.
template <class R, class... In, class F, class... V>
void map_views_on(bool parallel, const F& f, const MutView& out, const V&... in) {
  Loop L;
  L.ndim = out.ndim;
  L.shape = out.shape;
  L.numel = out.numel;
  L.add(out.data, sizeof(R), out.strides);
  (L.add(in.data, 1, in.strides), ...);
  constexpr i64 sizes[] = {static_cast<i64>(sizeof(In))...};
  for (std::size_t k = 0; k < sizeof...(In); ++k) L.esize[k + 1] = sizes[k];
  run_loop(L, &row_kernel<R, F, In...>, &f, parallel);
}

template <class R, class... In, class F, class... V>
void map_views(const F& f, const MutView& out, const V&... in) {
  map_views_on<R, In...>(true, f, out, in...);
}

}  // namespace xg::kernels::XG_ISA_NS
