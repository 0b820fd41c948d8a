// Internal: the one parallel loop every kernel runs on, compiled once (lib/kernels/parallel.cpp).
//
// Note [One compiled parallel loop]
// tbb::parallel_for is a template: every kernel lambda handed to it used to instantiate TBB's
// task classes anew (hundreds per elementwise file), which cost compile time and object size but
// bought nothing, since the loop body runs once per range of thousands of elements. Kernels pass
// their body as a RangeRef (a pointer and a call thunk) instead; the indirect call per range is
// noise. Results never depend on how TBB splits a range: kernels give every range a fixed piece
// of work (fixed chunks, blocks or units), so splitting only changes which thread computes what.
#pragma once
#include <cstdint>
#include <memory>
#include <type_traits>

namespace xg::kernels {

/// Elementwise loops over at least this many output elements use threads; below it they never
/// touch TBB. Measured with bench/bench_elementwise (docs/performance.md): at 32K float elements
/// a TBB fork/join (~5 µs) costs about as much as the second thread saves on add/mul.
inline constexpr std::int64_t kParallelElements = std::int64_t{1} << 15;
/// Elements per parallel task (a multiple of every batch width).
inline constexpr std::int64_t kElementwiseChunk = std::int64_t{1} << 14;

/// Threads a parallel kernel may use: the task arena's concurrency, capped by xg::set_num_threads.
int available_threads();

/// A non-owning reference to a callable `void(std::int64_t begin, std::int64_t end)`; it must
/// outlive the call it is passed to (it always does: kernels pass a local lambda).
class RangeRef {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, RangeRef>)
      RangeRef(F&& f)  // NOLINT(google-explicit-constructor): lambdas convert implicitly
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, std::int64_t b, std::int64_t e) { (*static_cast<std::remove_reference_t<F>*>(o))(b, e); }) {}
  void operator()(std::int64_t b, std::int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, std::int64_t, std::int64_t);
};

/// How ranges are split: Auto lets TBB adapt range sizes to the load; Simple splits down to the
/// grain (for tasks of known, even cost such as GEMM blocks).
enum class Partition { Auto, Simple };

/// Runs body(b, e) over sub-ranges of [begin, end) of at least `grain` indices on TBB's threads.
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, RangeRef body,
                  Partition partition = Partition::Auto);

/// Runs f(i) for every i in [begin, end), in parallel as parallel_for does.
template <class F>
void parallel_for_each(std::int64_t begin, std::int64_t end, std::int64_t grain, F&& f,
                       Partition partition = Partition::Auto) {
  parallel_for(
      begin, end, grain,
      [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) f(i);
      },
      partition);
}

}  // namespace xg::kernels
