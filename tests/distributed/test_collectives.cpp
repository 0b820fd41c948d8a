// The collectives of xg::distributed on a real MPI job (run by ctest under mpiexec -np 2 and -np 3):
// values of every op and dtype against closed forms in the rank r and world size W, non-contiguous
// and odd-sized tensors, non-blocking variants, sub-groups, and the typed errors of bad arguments.
// Every rank runs every test case in the same order, so the collectives of the ranks match.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "distributed/process_group.hpp"  // the MPI-failure test builds a broken group
#include "xgrad/distributed.hpp"
#include "xgrad/threads.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
namespace dist = xg::distributed;
using dist::ReduceOp;

namespace {
int R() { return dist::rank(); }
int W() { return dist::world_size(); }

/// Rank r's contribution: (r + 1) * (1, 2, ..., n), in dtype d.
Tensor contribution(int r, std::int64_t n, Dtype d) { return (arange(1, n + 1, 1, kFloat64) * double(r + 1)).to(d); }

std::vector<double> as_doubles(const Tensor& t) { return t.to(kFloat64).to_vector<double>(); }

/// The expected elementwise reduction over ranks of contribution(r, n): element i is (i + 1) * c_r.
std::vector<double> expected(ReduceOp op, std::int64_t n, int w) {
  std::vector<double> out;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = double(i + 1);
    double v = 0;
    switch (op) {
      case ReduceOp::SUM:
        v = x * w * (w + 1) / 2.0;
        break;  // Σ (r+1) x
      case ReduceOp::AVG:
        v = x * (w + 1) / 2.0;
        break;  // Σ (r+1) x / w
      case ReduceOp::MAX:
        v = x * w;
        break;
      case ReduceOp::MIN:
        v = x;
        break;
      case ReduceOp::PRODUCT:  // Π (r+1) x = x^w · w!
        v = 1;
        for (int r = 1; r <= w; ++r) v *= x * r;
        break;
    }
    out.push_back(v);
  }
  return out;
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM:
      return "SUM";
    case ReduceOp::AVG:
      return "AVG";
    case ReduceOp::MAX:
      return "MAX";
    case ReduceOp::MIN:
      return "MIN";
    case ReduceOp::PRODUCT:
      return "PRODUCT";
  }
  return "?";
}

/// Rank r's bool contribution: element 0 true everywhere, 1 true on rank 0 only, 2 false everywhere,
/// 3 true on the last rank only.
Tensor bool_contribution(int r, int w) { return tensor({true, r == 0, false, r == w - 1}); }
}  // namespace

// ---- the process group ----------------------------------------------------------------------------

TEST_CASE("process group: ranks, local ranks and the world group describe the mpiexec job", "[distributed]") {
  REQUIRE(dist::is_available());
  REQUIRE(dist::is_initialized());
  REQUIRE(W() >= 2);
  REQUIRE(R() >= 0);
  REQUIRE(R() < W());
  // ctest starts every rank on this one machine
  CHECK(dist::local_world_size() == W());
  CHECK(dist::local_rank() == R());
  const auto world = dist::world();
  CHECK(world.rank() == R());
  CHECK(world.size() == W());
  std::vector<int> all(static_cast<std::size_t>(W()));
  for (int i = 0; i < W(); ++i) all[static_cast<std::size_t>(i)] = i;
  CHECK(world.ranks() == all);
  // init() shared the cores among the local ranks: max(1, cores / local ranks), at most the cores
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CHECK(get_num_threads() >= 1);
  CHECK(get_num_threads() <= std::max(1, cores / dist::local_world_size()));
}

TEST_CASE("process group: a second init() is a DistributedError", "[distributed]") {
  CHECK_THROWS_AS(dist::init(), DistributedError);
  CHECK(dist::is_initialized());
}

// ---- all_reduce -----------------------------------------------------------------------------------

TEST_CASE("all_reduce: every op gives the closed form over ranks in float32, float64 and int64", "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64);
  for (ReduceOp op : {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::MAX, ReduceOp::MIN, ReduceOp::PRODUCT}) {
    if (op == ReduceOp::AVG && dtype == kInt64) continue;
    INFO("op " << op_name(op) << ", dtype " << dtype);
    Tensor t = contribution(R(), 7, dtype);
    dist::all_reduce(t, op);
    CHECK(t.dtype() == dtype);
    CHECK(t.sizes() == Shape{7});
    CHECK(as_doubles(t) == expected(op, 7, W()));
  }
}

TEST_CASE("all_reduce: bool SUM and MAX are logical or, MIN and PRODUCT logical and", "[distributed]") {
  for (ReduceOp op : {ReduceOp::SUM, ReduceOp::MAX, ReduceOp::MIN, ReduceOp::PRODUCT}) {
    INFO("op " << op_name(op));
    Tensor t = bool_contribution(R(), W());
    dist::all_reduce(t, op);
    const bool is_or = op == ReduceOp::SUM || op == ReduceOp::MAX;
    CHECK(t.dtype() == kBool);
    CHECK(t.to_vector<bool>() ==
          (is_or ? std::vector<bool>{true, true, false, true} : std::vector<bool>{true, false, false, false}));
  }
}

TEST_CASE("all_reduce: a transposed (non-contiguous) tensor is reduced in place, its view intact", "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64);
  Tensor base = contribution(R(), 12, dtype).view({3, 4});
  Tensor t = base.t();  // [4, 3], strides (1, 4)
  REQUIRE_FALSE(t.is_contiguous());
  dist::all_reduce(t, ReduceOp::SUM);
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.strides() == Shape{1, 4});
  // the result landed in the original storage, seen through both views
  CHECK(as_doubles(base) == expected(ReduceOp::SUM, 12, W()));
  CHECK(t.equal(base.t()));
}

TEST_CASE("all_reduce: a strided slice changes only its own elements", "[distributed]") {
  Tensor base = full({10}, 1.0, kFloat64);
  Tensor every_other = base.slice(0, 0, 10, 2);  // elements 0, 2, 4, 6, 8
  every_other.fill_(double(R() + 1));
  dist::all_reduce(every_other, ReduceOp::MAX);
  const auto v = base.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == (i % 2 == 0 ? double(W()) : 1.0));
}

TEST_CASE("all_reduce: 0-d, one-element and empty tensors", "[distributed]") {
  Tensor scalar = scalar_tensor(double(R() + 1), kFloat64);
  dist::all_reduce(scalar);
  CHECK(scalar.dim() == 0);
  CHECK(scalar.item<double>() == W() * (W() + 1) / 2.0);

  Tensor one = full({1}, std::int64_t(R()), kInt64);
  dist::all_reduce(one, ReduceOp::MAX);
  CHECK(one.item<std::int64_t>() == W() - 1);

  Tensor none = empty({0, 3}, kFloat32);
  dist::all_reduce(none, ReduceOp::AVG);
  CHECK(none.sizes() == Shape{0, 3});
}

TEST_CASE("all_reduce: works on tensors that require grad without recording a graph, and bumps the version",
          "[distributed]") {
  Tensor p = contribution(R(), 5, kFloat32).requires_grad_();
  const auto v0 = p._version();
  dist::all_reduce(p, ReduceOp::AVG);
  CHECK(p._version() > v0);
  CHECK(p.requires_grad());
  CHECK(p.is_leaf());
  CHECK(p.grad_fn() == nullptr);
  CHECK(as_doubles(p.detach()) == expected(ReduceOp::AVG, 5, W()));
  // the gradient of a later use is that of an ordinary leaf
  (p * p).sum().backward();
  CHECK(as_doubles(p.grad()) == as_doubles((2 * p).detach()));
}

TEST_CASE("all_reduce: a large float32 tensor is summed exactly when its values are integers", "[distributed]") {
  const std::int64_t n = 1 << 20;  // 4 MB: MPI's large-message algorithms
  Tensor t = full({n}, float(R() + 1));
  dist::all_reduce(t);
  CHECK(t.min().item<float>() == float(W() * (W() + 1) / 2));
  CHECK(t.max().item<float>() == float(W() * (W() + 1) / 2));
}

// ---- non-blocking ---------------------------------------------------------------------------------

TEST_CASE("all_reduce: async_op returns a Work whose wait() leaves the result in place", "[distributed]") {
  Tensor a = contribution(R(), 7, kFloat64);
  Tensor base = contribution(R(), 6, kFloat32).view({2, 3});
  Tensor b = base.t();  // non-contiguous: copied back at wait()
  auto wa = dist::all_reduce(a, ReduceOp::SUM, {.async_op = true});
  auto wb = dist::all_reduce(b, ReduceOp::AVG, {.async_op = true});
  wb.wait();
  wa.wait();
  wa.wait();  // idempotent
  CHECK(wa.is_completed());
  CHECK(wb.is_completed());
  CHECK(as_doubles(a) == expected(ReduceOp::SUM, 7, W()));
  CHECK(as_doubles(base) == expected(ReduceOp::AVG, 6, W()));
}

TEST_CASE("async collectives: is_completed() polls until done; a dropped Work completes before it goes",
          "[distributed]") {
  Tensor t = contribution(R(), 1000, kFloat64);
  auto work = dist::all_reduce(t, ReduceOp::MAX, {.async_op = true});
  while (!work.is_completed()) {}
  CHECK(as_doubles(t) == expected(ReduceOp::MAX, 1000, W()));

  Tensor base = contribution(R(), 6, kInt64).view({3, 2});
  Tensor u = base.t();
  { auto dropped = dist::all_reduce(u, ReduceOp::SUM, {.async_op = true}); }
  CHECK(as_doubles(base) == expected(ReduceOp::SUM, 6, W()));
}

TEST_CASE("async collectives: every collective has a non-blocking form with the blocking form's result",
          "[distributed]") {
  const dist::CollectiveOptions async{.async_op = true};
  Tensor b = R() == 1 ? full({4}, 42.0) : zeros({4});
  auto wb = dist::broadcast(b, 1, async);
  Tensor r = contribution(R(), 3, kFloat64);
  auto wr = dist::reduce(r, 0, ReduceOp::SUM, async);
  std::vector<Tensor> list;
  for (int i = 0; i < W(); ++i) list.push_back(empty({2}, kInt64));
  auto wg = dist::all_gather(list, full({2}, std::int64_t(R()), kInt64), async);
  Tensor out = empty({W() * 2}, kFloat32);
  auto wgt = dist::all_gather_into_tensor(out, full({2}, float(R())), async);
  Tensor rs = empty({2}, kFloat64);
  auto wrs = dist::reduce_scatter_tensor(rs, ones({W() * 2}, kFloat64), ReduceOp::SUM, async);
  auto wbar = dist::barrier(async);
  for (auto* w : {&wb, &wr, &wg, &wgt, &wrs, &wbar}) w->wait();
  CHECK(as_doubles(b) == std::vector<double>(4, 42.0));
  if (R() == 0) CHECK(as_doubles(r) == expected(ReduceOp::SUM, 3, W()));
  for (int i = 0; i < W(); ++i) CHECK(as_doubles(list[static_cast<std::size_t>(i)]) == std::vector<double>(2, i));
  for (int i = 0; i < W() * 2; ++i) CHECK(out[i].item<float>() == float(i / 2));
  CHECK(as_doubles(rs) == std::vector<double>(2, W()));
}

// ---- broadcast and reduce -------------------------------------------------------------------------

TEST_CASE("broadcast: every dtype from a non-zero source, into contiguous and transposed tensors", "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64, kBool);
  const int src = W() - 1;
  INFO("dtype " << dtype << ", src " << src);
  Tensor source = contribution(src, 6, kFloat64).view({2, 3});  // what rank src holds
  if (dtype == kBool) source = source.gt(scalar_tensor(3.5, kFloat64));
  source = source.to(dtype);
  Tensor mine = R() == src ? source.clone() : zeros({2, 3}, dtype);
  dist::broadcast(mine, src);
  CHECK(mine.equal(source));

  Tensor base = R() == src ? source.t().contiguous() : zeros({3, 2}, dtype);
  Tensor view = base.t();  // [2, 3] non-contiguous
  dist::broadcast(view, src);
  CHECK(view.equal(source));
}

TEST_CASE("broadcast: a 0-d tensor, and the source's tensor is left as it was", "[distributed]") {
  Tensor t = scalar_tensor(std::int64_t(100 + R()), kInt64);
  const auto v0 = t._version();
  dist::broadcast(t, 1);
  CHECK(t.item<std::int64_t>() == 101);
  if (R() == 1) CHECK(t._version() == v0);
  else CHECK(t._version() > v0);
}

TEST_CASE("reduce: only the destination receives the reduction; the others keep their values", "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64);
  const int dst = 1;
  for (ReduceOp op : {ReduceOp::SUM, ReduceOp::MAX, ReduceOp::MIN, ReduceOp::PRODUCT}) {
    INFO("op " << op_name(op) << ", dtype " << dtype);
    Tensor base = contribution(R(), 6, dtype).view({2, 3});
    Tensor t = base.t();  // non-contiguous on every rank
    dist::reduce(t, dst, op);
    if (R() == dst) CHECK(as_doubles(base) == expected(op, 6, W()));
    else CHECK(as_doubles(base) == as_doubles(contribution(R(), 6, dtype)));
  }
  Tensor avg = contribution(R(), 4, kFloat64);
  dist::reduce(avg, 0, ReduceOp::AVG);
  if (R() == 0) CHECK(as_doubles(avg) == expected(ReduceOp::AVG, 4, W()));
  Tensor b = bool_contribution(R(), W());
  dist::reduce(b, 0, ReduceOp::MIN);
  if (R() == 0) CHECK(b.to_vector<bool>() == std::vector<bool>{true, false, false, false});
}

// ---- gathers --------------------------------------------------------------------------------------

TEST_CASE("all_gather: element i of the list receives rank i's tensor, for every dtype and odd sizes",
          "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64, kBool);
  const Shape shape = GENERATE(Shape{7}, Shape{}, Shape{3, 5}, Shape{0});
  INFO("dtype " << dtype << ", shape " << shape);
  auto value = [&](int r) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    Tensor t = contribution(r, n, kFloat64);
    if (dtype == kBool) t = t.gt(scalar_tensor(double(r) + 1.5, kFloat64));  // a rank-dependent pattern
    return t.to(dtype).reshape(shape);
  };
  std::vector<Tensor> list;
  for (int i = 0; i < W(); ++i) list.push_back(zeros(shape, dtype));
  dist::all_gather(list, value(R()));
  for (int i = 0; i < W(); ++i) CHECK(list[static_cast<std::size_t>(i)].equal(value(i)));
}

TEST_CASE("all_gather: non-contiguous input and list tensors", "[distributed]") {
  Tensor input = contribution(R(), 6, kFloat64).view({2, 3}).t();  // [3, 2]
  std::vector<Tensor> bases, list;
  for (int i = 0; i < W(); ++i) {
    bases.push_back(zeros({2, 3}, kFloat64));
    list.push_back(bases.back().t());
  }
  dist::all_gather(list, input);
  for (int i = 0; i < W(); ++i)
    CHECK(bases[static_cast<std::size_t>(i)].equal(contribution(i, 6, kFloat64).view({2, 3})));
}

TEST_CASE("all_gather_into_tensor: concatenated along dim 0 or stacked, into a contiguous or strided output",
          "[distributed]") {
  Tensor input = contribution(R(), 6, kInt64).view({2, 3});
  Tensor cat = empty({W() * 2, 3}, kInt64);
  dist::all_gather_into_tensor(cat, input);
  Tensor stacked = empty({W(), 2, 3}, kInt64);
  dist::all_gather_into_tensor(stacked, input);
  Tensor base = zeros({3, W() * 2}, kInt64);
  Tensor strided = base.t();
  dist::all_gather_into_tensor(strided, input);
  for (int i = 0; i < W(); ++i) {
    Tensor expect = contribution(i, 6, kInt64).view({2, 3});
    CHECK(cat.narrow(0, 2 * i, 2).equal(expect));
    CHECK(stacked[i].equal(expect));
    CHECK(base.t().narrow(0, 2 * i, 2).equal(expect));
  }
  Tensor scalars = empty({W()}, kFloat32);
  dist::all_gather_into_tensor(scalars, scalar_tensor(float(R() * 10)));
  for (int i = 0; i < W(); ++i) CHECK(scalars[i].item<float>() == float(i * 10));
}

TEST_CASE("gather: the destination's list receives every rank's tensor; scatter sends list[i] to rank i",
          "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64, kBool);
  INFO("dtype " << dtype);
  auto value = [&](int r) {
    Tensor t = contribution(r, 7, kFloat64);
    if (dtype == kBool) t = t.gt(scalar_tensor(double(r) * 3.0, kFloat64));
    return t.to(dtype);
  };
  const int dst = W() - 1;
  std::vector<Tensor> parts;
  if (R() == dst)
    for (int i = 0; i < W(); ++i) parts.push_back(zeros({7}, dtype));
  dist::gather(value(R()), R() == dst ? &parts : nullptr, dst);
  if (R() == dst)
    for (int i = 0; i < W(); ++i) CHECK(parts[static_cast<std::size_t>(i)].equal(value(i)));

  const int src = 1;
  std::vector<Tensor> to_send;
  if (R() == src)
    for (int i = 0; i < W(); ++i) to_send.push_back(value(i + 5));
  Tensor base = zeros({7}, dtype);
  Tensor mine = base.slice(0, 0, 7);  // a view: the result goes into base's storage
  dist::scatter(mine, R() == src ? &to_send : nullptr, src);
  CHECK(base.equal(value(R() + 5)));
}

TEST_CASE("scatter: into a transposed tensor", "[distributed]") {
  std::vector<Tensor> parts;
  if (R() == 0)
    for (int i = 0; i < W(); ++i) parts.push_back(contribution(i, 6, kFloat32).view({3, 2}));
  Tensor base = zeros({2, 3});
  Tensor t = base.t();
  dist::scatter(t, R() == 0 ? &parts : nullptr, 0);
  CHECK(t.equal(contribution(R(), 6, kFloat32).view({3, 2})));
}

// ---- reduce_scatter -------------------------------------------------------------------------------

TEST_CASE("reduce_scatter: rank i receives the reduction of every rank's input_list[i]", "[distributed]") {
  const Dtype dtype = GENERATE(kFloat32, kFloat64, kInt64);
  for (ReduceOp op : {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::MAX, ReduceOp::MIN, ReduceOp::PRODUCT}) {
    if (op == ReduceOp::AVG && dtype == kInt64) continue;
    INFO("op " << op_name(op) << ", dtype " << dtype);
    // input_list[i] on rank r = (r + 1) * (i*5 + 1, ..., i*5 + 5): chunk i of contribution(r, 5W)
    Tensor all = contribution(R(), 5 * W(), dtype);
    std::vector<Tensor> list = all.chunk(W());
    Tensor out = zeros({5}, dtype);
    dist::reduce_scatter(out, list, op);
    const auto e = expected(op, 5 * W(), W());
    CHECK(as_doubles(out) == std::vector<double>(e.begin() + 5 * R(), e.begin() + 5 * R() + 5));

    Tensor out2 = zeros({5}, dtype);
    dist::reduce_scatter_tensor(out2, all, op);
    CHECK(out2.equal(out));
  }
}

TEST_CASE("reduce_scatter_tensor: stacked input, strided output, bool", "[distributed]") {
  Tensor input = contribution(R(), 6 * W(), kFloat64).view({W(), 2, 3});
  Tensor base = zeros({3, 2}, kFloat64);
  Tensor out = base.t();
  dist::reduce_scatter_tensor(out, input, ReduceOp::SUM);
  const auto e = expected(ReduceOp::SUM, 6 * W(), W());
  CHECK(as_doubles(out) == std::vector<double>(e.begin() + 6 * R(), e.begin() + 6 * R() + 6));

  // chunk i of the input is true on rank r iff i == r: or gives (1), and gives (0) unless W == 1
  Tensor flags = zeros({W()}, kBool);
  flags[R()].fill_(true);
  Tensor mine = zeros({1}, kBool);
  dist::reduce_scatter_tensor(mine, flags, ReduceOp::SUM);
  CHECK(mine.item<bool>());
  dist::reduce_scatter_tensor(mine, flags, ReduceOp::MIN);
  CHECK_FALSE(mine.item<bool>());
}

// ---- barrier --------------------------------------------------------------------------------------

TEST_CASE("barrier: blocking and non-blocking forms return on every rank", "[distributed]") {
  dist::barrier();
  auto w = dist::barrier({.async_op = true});
  w.wait();
  CHECK(w.is_completed());
  CHECK(dist::Work().is_completed());  // a default Work is a completed no-op
}

// ---- sub-groups -----------------------------------------------------------------------------------

TEST_CASE("new_group: members run collectives among themselves, in the order of the list", "[distributed]") {
  // {1, 0}: world rank 1 is group rank 0
  auto g = dist::new_group({1, 0});
  CHECK(g.size() == 2);
  CHECK(g.ranks() == std::vector<int>{1, 0});
  if (R() == 0) CHECK(g.rank() == 1);
  if (R() == 1) CHECK(g.rank() == 0);
  if (R() >= 2) {
    CHECK(g.rank() == -1);
    CHECK_FALSE(g.contains_self());
    Tensor t = ones({2});
    CHECK_THROWS_AS(dist::all_reduce(t, ReduceOp::SUM, {.group = g}), DistributedError);
    CHECK_THROWS_WITH(dist::barrier({.group = g}), Catch::Contains("not a member"));
    return;
  }
  Tensor t = contribution(R(), 3, kFloat64);
  dist::all_reduce(t, ReduceOp::SUM, {.group = g});
  CHECK(as_doubles(t) == expected(ReduceOp::SUM, 3, 2));  // ranks 0 and 1 only: 1 + 2

  // src is a world rank: world rank 1 broadcasts
  Tensor b = full({2}, double(R() * 7));
  dist::broadcast(b, 1, {.group = g});
  CHECK(as_doubles(b) == std::vector<double>{7, 7});

  // gather_list index = group rank: element 0 comes from world rank 1
  std::vector<Tensor> parts{zeros({1}, kInt64), zeros({1}, kInt64)};
  dist::gather(full({1}, std::int64_t(R()), kInt64), R() == 0 ? &parts : nullptr, 0, {.group = g});
  if (R() == 0) {
    CHECK(parts[0].item<std::int64_t>() == 1);
    CHECK(parts[1].item<std::int64_t>() == 0);
  }
  auto w = dist::all_reduce(t, ReduceOp::MAX, {.group = g, .async_op = true});
  w.wait();
  CHECK(as_doubles(t) == expected(ReduceOp::SUM, 3, 2));
}

TEST_CASE("new_group: the last rank alone, and the whole world, as groups", "[distributed]") {
  auto last = dist::new_group({W() - 1});
  auto everyone = dist::new_group([] {
    std::vector<int> v;
    for (int i = W() - 1; i >= 0; --i) v.push_back(i);
    return v;
  }());
  if (R() == W() - 1) {
    Tensor t = full({3}, 5.0);
    dist::all_reduce(t, ReduceOp::SUM, {.group = last});
    CHECK(as_doubles(t) == std::vector<double>(3, 5.0));
  }
  CHECK(everyone.rank() == W() - 1 - R());
  Tensor t = full({1}, double(R() + 1));
  dist::all_reduce(t, ReduceOp::SUM, {.group = everyone});
  CHECK(t.item<double>() == W() * (W() + 1) / 2.0);
}

// ---- errors: typed, naming the op, raised before any MPI call (on every rank alike) ------------------

TEST_CASE("collective errors: wrong list sizes, shapes and dtypes are typed errors naming the op", "[distributed]") {
  Tensor t = ones({3});
  std::vector<Tensor> short_list(static_cast<std::size_t>(W() - 1), ones({3}));
  CHECK_THROWS_AS(dist::all_gather(short_list, t), ValueError);
  CHECK_THROWS_WITH(dist::all_gather(short_list, t), Catch::StartsWith("all_gather: tensor_list has"));

  std::vector<Tensor> bad_shape;
  for (int i = 0; i < W(); ++i) bad_shape.push_back(i == 1 ? ones({4}) : ones({3}));
  CHECK_THROWS_AS(dist::all_gather(bad_shape, t), ShapeError);
  CHECK_THROWS_WITH(dist::all_gather(bad_shape, t), Catch::Contains("[4]") && Catch::Contains("[3]"));

  std::vector<Tensor> bad_dtype;
  for (int i = 0; i < W(); ++i) bad_dtype.push_back(ones({3}, i == 0 ? kFloat64 : kFloat32));
  CHECK_THROWS_AS(dist::all_gather(bad_dtype, t), DtypeError);
  CHECK_THROWS_AS(dist::reduce_scatter(t, bad_dtype), DtypeError);
  CHECK_THROWS_AS(dist::reduce_scatter(t, short_list), ValueError);

  Tensor wrong = empty({W() * 3 + 1});
  CHECK_THROWS_AS(dist::all_gather_into_tensor(wrong, t), ShapeError);
  CHECK_THROWS_WITH(dist::all_gather_into_tensor(wrong, t), Catch::StartsWith("all_gather_into_tensor:"));
  CHECK_THROWS_AS(dist::reduce_scatter_tensor(t, wrong), ShapeError);
  Tensor ints = empty({W() * 3}, kInt64);
  CHECK_THROWS_AS(dist::all_gather_into_tensor(ints, t), DtypeError);
}

TEST_CASE("collective errors: AVG on integers and bools, undefined and expanded tensors", "[distributed]") {
  Tensor i = ones({2}, kInt64);
  Tensor b = ones({2}, kBool);
  CHECK_THROWS_AS(dist::all_reduce(i, ReduceOp::AVG), DtypeError);
  CHECK_THROWS_WITH(dist::all_reduce(b, ReduceOp::AVG), Catch::StartsWith("all_reduce: ReduceOp::AVG"));
  CHECK_THROWS_AS(dist::reduce(i, 0, ReduceOp::AVG), DtypeError);
  std::vector<Tensor> list(static_cast<std::size_t>(W()), ones({2}, kInt64));
  CHECK_THROWS_AS(dist::reduce_scatter(i, list, ReduceOp::AVG), DtypeError);

  Tensor undefined;
  CHECK_THROWS_AS(dist::all_reduce(undefined), ValueError);
  CHECK_THROWS_WITH(dist::broadcast(undefined, 0), Catch::StartsWith("broadcast: tensor"));

  Tensor expanded = ones({1}).expand({4});
  CHECK_THROWS_AS(dist::all_reduce(expanded), ValueError);
  CHECK_THROWS_WITH(dist::all_reduce(expanded), Catch::Contains("expanded"));
}

TEST_CASE("collective errors: src and dst outside the group are IndexErrors", "[distributed]") {
  Tensor t = ones({2});
  CHECK_THROWS_AS(dist::broadcast(t, W()), IndexError);
  CHECK_THROWS_AS(dist::broadcast(t, -1), IndexError);
  CHECK_THROWS_WITH(dist::reduce(t, W() + 3), Catch::StartsWith("reduce: dst=") && Catch::Contains("not a rank"));
  std::vector<Tensor> parts(static_cast<std::size_t>(W()), ones({2}));
  CHECK_THROWS_AS(dist::gather(t, &parts, W()), IndexError);
  CHECK_THROWS_AS(dist::scatter(t, &parts, W()), IndexError);
  auto pair = dist::new_group({0, 1});
  // world rank 2 exists but is not in the group {0, 1}
  if (W() > 2 && pair.contains_self()) CHECK_THROWS_AS(dist::broadcast(t, 2, {.group = pair}), IndexError);
}

TEST_CASE("collective errors: the root of gather and scatter needs its list", "[distributed]") {
  Tensor t = ones({2});
  // only the root checks its list: the other ranks must not enter the collective here
  if (R() == 0) {
    CHECK_THROWS_AS(dist::gather(t, nullptr, 0), ValueError);
    CHECK_THROWS_WITH(dist::scatter(t, nullptr, 0), Catch::Contains("needs a scatter_list"));
    std::vector<Tensor> short_list(1, ones({2}));
    CHECK_THROWS_AS(dist::scatter(t, &short_list, 0), ValueError);
  }
}

TEST_CASE("new_group errors: duplicates, out-of-range ranks and empty lists", "[distributed]") {
  CHECK_THROWS_AS(dist::new_group({0, 0}), ValueError);
  CHECK_THROWS_AS(dist::new_group({0, W()}), IndexError);
  CHECK_THROWS_AS(dist::new_group({}), ValueError);
  CHECK_THROWS_AS(dist::ProcessGroup().size(), DistributedError);
  Tensor t = ones({1});
  CHECK_THROWS_AS(dist::all_reduce(t, ReduceOp::SUM, {.group = dist::ProcessGroup()}), DistributedError);
}

TEST_CASE(
    "collective errors: an MPI failure is a DistributedError naming the collective, the tensor and MPI's "
    "message",
    "[distributed]") {
  // A group that claims two ranks over a communicator of one (this process alone): a broadcast from
  // its second rank passes xgrad's checks and reaches MPI with a root that does not exist, which
  // MPI rejects locally (no other rank is involved, so every rank can run this on its own).
  auto impl = std::make_shared<dist::ProcessGroup::Impl>();
  REQUIRE(MPI_Comm_dup(MPI_COMM_SELF, &impl->comm) == MPI_SUCCESS);
  MPI_Comm_set_errhandler(impl->comm, MPI_ERRORS_RETURN);
  impl->rank = 0;
  impl->size = 2;
  impl->world_ranks = {R(), (R() + 1) % W()};
  const dist::ProcessGroup broken(impl);
  Tensor t = zeros({2, 3}, kFloat64);
  for (bool async : {false, true}) {
    INFO("async_op " << async);
    CHECK_THROWS_AS(dist::broadcast(t, (R() + 1) % W(), {.group = broken, .async_op = async}), DistributedError);
    CHECK_THROWS_WITH(
        dist::broadcast(t, (R() + 1) % W(), {.group = broken, .async_op = async}),
        Catch::StartsWith(async ? "broadcast: MPI_Ibcast failed on a tensor of shape [2, 3] and dtype float64: "
                                : "broadcast: MPI_Bcast failed on a tensor of shape [2, 3] and dtype float64: ") &&
            Catch::Contains("root", Catch::CaseSensitive::No));
  }
}
