// The hostile-input battery: a table of bad calls into the public API, each run in a forked child
// so that a crash (segfault, abort, stack overflow) fails its case instead of ending the test run.
// Every case must raise an xg::Error subclass whose message contains the expected text (the op's
// name and the offending shape or value). Add a row for every new defect found.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "xgrad/data.hpp"
#include "xgrad/io.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k32 = std::int64_t{1} << 32, k40 = std::int64_t{1} << 40, k62 = std::int64_t{1} << 62;

struct Case {
  std::string name;
  std::function<void()> run;
  std::string expect;        // text the error message must contain (the op's name, usually); "a|b": either
  std::string expect2 = {};  // a second text it must contain (the offending shape or value)
};

struct Outcome {
  bool ok;
  std::string detail;
};

// Whether `msg` contains one of the '|'-separated alternatives of `expect`.
bool contains_any(const std::string& msg, const std::string& expect) {
  std::size_t from = 0;
  for (;;) {
    const std::size_t bar = expect.find('|', from);
    if (msg.find(expect.substr(from, bar - from)) != std::string::npos) return true;
    if (bar == std::string::npos) return false;
    from = bar + 1;
  }
}

// Runs `c` in a child process: exit status 0 when it threw an xg::Error whose message contains
// c.expect; the message (or what went wrong) comes back through a pipe.
Outcome run_forked(const Case& c) {
  int fds[2];
  if (::pipe(fds) != 0) return {false, "pipe failed"};
  const pid_t pid = ::fork();
  if (pid < 0) return {false, "fork failed"};
  if (pid == 0) {
    ::close(fds[0]);
    ::alarm(30);  // a hang is a failure too
    int code = 0;
    std::string msg;
    try {
      c.run();
      code = 3;
      msg = "no exception";
    } catch (const Error& e) {
      msg = e.what();
      code = contains_any(msg, c.expect) && msg.find(c.expect2) != std::string::npos ? 0 : 2;
    } catch (const std::exception& e) {
      code = 4;
      msg = std::string("not an xg::Error: ") + e.what();
    } catch (...) {
      code = 5;
      msg = "unknown exception";
    }
    const ssize_t w = ::write(fds[1], msg.data(), msg.size());
    (void)w;
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return {false, std::string("crashed with signal ") + ::strsignal(WTERMSIG(status))};
  const int code = WEXITSTATUS(status);
  if (code == 0) return {true, msg};
  if (code == 2) return {false, "message lacks '" + c.expect + "' or '" + c.expect2 + "': " + msg};
  return {false, msg};
}

std::vector<Case> generated_cases();
// Where the corrupt files of the save/load rows are written (removed at the end of the test).
std::string scratch_dir() {
  return (std::filesystem::temp_directory_path() / ("xgrad_hostile_" + std::to_string(::getpid()))).string();
}

std::vector<Case> cases() {
  const Tensor f = ones({2, 3}), m = ones({3, 4}), idx = tensor({0, 5}), mask = tensor({true, false});
  return {
      // shapes whose products overflow (factories, views, expand)
      {"zeros 2^32 x 2^32",
       [] {
         zeros({k32, k32});
       },
       "zeros: shape [4294967296, 4294967296]"},
      {"ones 2^62 x 4",
       [] {
         ones({k62, 4});
       },
       "ones: shape [4611686018427387904, 4]"},
      {"zeros INT64_MAX x 2",
       [] {
         zeros({kMax, 2});
       },
       "zeros: shape [9223372036854775807, 2]"},
      {"empty with overflowing strides",
       [] {
         empty({0, k62, 4});
       },
       "empty: shape [0, 4611686018427387904, 4]"},
      {"full overflow",
       [] {
         full({kMax, kMax}, 1.0);
       },
       "full: shape"},
      {"rand overflow",
       [] {
         rand({k40, k40});
       },
       "rand: shape"},
      {"randn overflow",
       [] {
         randn({k40, k40});
       },
       "randn: shape"},
      {"randint overflow",
       [] {
         randint(0, 2, {k40, k40});
       },
       "randint: shape"},
      {"eye overflow", [] { eye(k40, k40); }, "eye: shape"},
      {"reshape of empty to a wrapping shape",
       [] {
         zeros({0}).reshape({k62, 4});
       },
       "reshape: shape"},
      {"view of empty to a wrapping shape",
       [] {
         zeros({0}).view({k32, k32});
       },
       "view: shape"},
      {"expand to a wrapping shape",
       [] {
         ones({1, 1}).expand({k32, k32});
       },
       "expand: shape"},
      {"expand to a negative size",
       [] {
         ones({1, 1}).expand({-5, 3});
       },
       "expand: invalid size -5"},
      {"repeat to a wrapping shape",
       [] {
         ones({2}).repeat({k62, 4});
       },
       "repeat"},
      {"broadcast to 2^64 elements",
       [] {
         ones({1, 1}).expand({k32, 1}) + ones({1, 1}).expand({1, k32});
       },
       "shape [4294967296, 4294967296] has too many elements"},
      {"from_blob overflowing extent",
       [] {
         float v = 0;
         from_blob(&v, {3, 3}, {kMax, 1}, kFloat32);
       },
       "from_blob"},
      // allocations that cannot succeed
      {"zeros 2^40", [] { zeros({k40}); }, "zeros: out of memory: cannot allocate 4.00 TiB"},
      {"linspace 2^40", [] { linspace(0, 1, k40); }, "linspace: out of memory"},
      {"empty float64 2^62", [] { empty({k62}, kFloat64); }, "empty: out of memory"},
      {"randperm 2^60", [] { randperm(std::int64_t{1} << 60); }, "randperm: out of memory"},
      {"arange to 1e30", [] { arange(0, 1e30); }, "arange: 1e+30 elements is too many"},
      {"arange to inf", [] { arange(0.0, INFINITY); }, "arange: start, end and step must be finite"},
      {"arange with step 0", [] { arange(0, 1, 0); }, "arange: step must be non-zero"},
      {"linspace negative steps", [] { linspace(0, 1, -1); }, "linspace"},
      {"negative dimension",
       [] {
         zeros({2, -1});
       },
       "zeros: negative dimension in shape [2, -1]"},
      // conv and pool sizes
      {"conv2d padding 2^62",
       [] {
         conv2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, 1, k62);
       },
       "conv2d: the output size overflows"},
      {"conv2d dilation 2^62",
       [] {
         conv2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, 1, 0, k62);
       },
       "conv2d"},
      {"conv_transpose2d stride INT64_MAX/2",
       [] {
         conv_transpose2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, kMax / 2);
       },
       "conv_transpose2d"},
      {"max_pool2d dilation 2^62",
       [] {
         max_pool2d(ones({1, 1, 4, 4}), 2, 1, 0, k62);
       },
       "max_pool2d"},
      {"max_pool2d kernel INT64_MAX",
       [] {
         max_pool2d(ones({1, 1, 4, 4}), kMax, 1);
       },
       "max_pool2d"},
      // silent garbage that now raises
      {"neg of bool", [mask] { neg(mask); }, "neg: negation of a bool tensor"},
      {"softplus beta 0", [f] { softplus(f, 0.0); }, "softplus: beta must be non-zero"},
      {"hook returning the wrong shape",
       [] {
         Tensor x = ones({3}, kFloat64).requires_grad_();
         x.register_hook([](const Tensor& g) { return g.sum(); });
         (x * x).sum().backward();
       },
       "returned a gradient of shape [] for a gradient of shape [3]"},
      // ordinary bad inputs (a sample across op families)
      {"matmul inner sizes", [f] { matmul(f, f); }, "matmul"},
      {"mm of 1-d", [] { mm(ones({3}), ones({3})); }, "mm"},
      {"add broadcast", [f, m] { f + m; }, "cannot be broadcast"},
      {"cat mismatched",
       [f, m] {
         cat({f, m}, 0);
       },
       "cat"},
      {"stack mismatched",
       [f, m] {
         stack({f, m});
       },
       "stack"},
      {"index_select out of range", [f, idx] { index_select(f, 1, idx); }, "index_select"},
      {"softmax bad dim", [f] { softmax(f, 5); }, "softmax"},
      {"select out of range", [f] { f.select(0, 7); }, "select"},
      {"item of many", [f] { f.item<float>(); }, "item"},
      {"cross_entropy bad target",
       [] {
         nn::functional::cross_entropy(ones({2, 3}), tensor({0, 7}));
       },
       "cross_entropy"},
      {"mse_loss shapes", [f, m] { nn::functional::mse_loss(f, m); }, "mse_loss"},
      {"Linear wrong features",
       [] {
         nn::Linear lin(4, 2);
         lin(ones({3, 5}));
       },
       "Linear"},
      {"backward twice",
       [] {
         Tensor x = ones({2}).requires_grad_();
         Tensor y = (x * x).sum();
         y.backward();
         y.backward();
       },
       "retain_graph"},
      {"Adam negative lr",
       [] {
         Tensor w = ones({2}).requires_grad_();
         optim::Adam opt({w}, {.lr = -1.0});
       },
       "Adam: invalid learning rate: -1"},
      {"load_safetensors missing file", [] { io::load_safetensors("/nonexistent/x.safetensors"); }, "x.safetensors"},
      {"save to a missing directory",
       [] {
         io::save_safetensors({{"w", ones({1})}}, "/nonexistent/d/x.safetensors");
       },
       "does not exist"},
      {"save to /dev/full",
       [] {
         io::save_safetensors({{"w", ones({1})}}, "/dev/full");
       },
       "No space left on device"},
  };
}

// ---- generated rows: op families × bad inputs -------------------------------------------------
std::string str(const Shape& s) { return shape_str(s); }

template <class Opt, class Options>
void add_optimizer(std::vector<Case>& out, const std::string& name, Options o, const std::string& expect2) {
  out.push_back({name + " " + expect2,
                 [o] {
                   Tensor w = ones({2}).requires_grad_();
                   Opt opt({w}, o);
                 },
                 name, expect2});
}

// `op`: the name the error must give (a layer reports the functional op it calls, e.g. batch_norm).
template <class Layer>
void add_forward(std::vector<Case>& out, const std::string& op, std::function<Layer()> make, const Shape& in) {
  out.push_back({op.substr(0, op.find('|')) + " forward " + str(in),
                 [make, in] {
                   Layer l = make();
                   l(ones(in));
                 },
                 op, str(in)});
}

std::vector<Case> generated_cases() {
  namespace F = nn::functional;
  std::vector<Case> out;
  using Bin = Tensor (*)(const Tensor&, const Tensor&);
  // elementwise binary ops × shapes that do not broadcast
  const std::vector<std::pair<std::string, Bin>> binary = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }},
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
      {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); }},
      {"logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(a, b); }},
      {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); }},
      {"where", [](const Tensor& a, const Tensor& b) { return where(ones({1}, kBool), a, b); }},
      {"masked_fill", [](const Tensor& a, const Tensor& b) { return masked_fill(a, ones(b.shape(), kBool), 0); }},
  };
  const std::vector<std::pair<Shape, Shape>> mismatched = {
      {{2, 3}, {3, 4}}, {{2, 3}, {4}}, {{5}, {4}}, {{2, 3, 4}, {2, 5, 4}}};
  for (const auto& [name, fn] : binary)
    for (const auto& [a, b] : mismatched)
      out.push_back(
          {name + " " + str(a) + " with " + str(b), [fn = fn, a = a, b = b] { fn(ones(a), ones(b)); }, name, str(a)});

  // reductions and dim-taking ops × dims out of range for a [2, 3] tensor
  using Dim = std::function<void(const Tensor&, std::int64_t)>;
  const std::vector<std::pair<std::string, Dim>> dim_ops = {
      {"sum", [](const Tensor& x, std::int64_t d) { sum(x, Shape{d}); }},
      {"mean", [](const Tensor& x, std::int64_t d) { mean(x, Shape{d}); }},
      {"var", [](const Tensor& x, std::int64_t d) { var(x, Shape{d}); }},
      {"std", [](const Tensor& x, std::int64_t d) { xg::std(x, Shape{d}); }},
      {"prod", [](const Tensor& x, std::int64_t d) { prod(x, d); }},
      {"max", [](const Tensor& x, std::int64_t d) { max(x, d); }},
      {"min", [](const Tensor& x, std::int64_t d) { min(x, d); }},
      {"amax", [](const Tensor& x, std::int64_t d) { amax(x, Shape{d}); }},
      {"amin", [](const Tensor& x, std::int64_t d) { amin(x, Shape{d}); }},
      {"argmax", [](const Tensor& x, std::int64_t d) { argmax(x, d); }},
      {"argmin", [](const Tensor& x, std::int64_t d) { argmin(x, d); }},
      {"logsumexp", [](const Tensor& x, std::int64_t d) { logsumexp(x, Shape{d}); }},
      {"norm", [](const Tensor& x, std::int64_t d) { norm(x, 2.0, Shape{d}); }},
      {"softmax", [](const Tensor& x, std::int64_t d) { softmax(x, d); }},
      {"log_softmax", [](const Tensor& x, std::int64_t d) { log_softmax(x, d); }},
      {"transpose", [](const Tensor& x, std::int64_t d) { transpose(x, 0, d); }},
      {"squeeze", [](const Tensor& x, std::int64_t d) { squeeze(x, d); }},
      {"unsqueeze", [](const Tensor& x, std::int64_t d) { unsqueeze(x, d > 0 ? d + 1 : d - 1); }},
      {"narrow", [](const Tensor& x, std::int64_t d) { narrow(x, d, 0, 1); }},
      {"slice", [](const Tensor& x, std::int64_t d) { slice(x, d, 0, 1); }},
      {"select", [](const Tensor& x, std::int64_t d) { x.select(d, 0); }},
      {"flatten", [](const Tensor& x, std::int64_t d) { flatten(x, d); }},
      {"index_select", [](const Tensor& x, std::int64_t d) { index_select(x, d, tensor({0})); }},
      {"gather",
       [](const Tensor& x, std::int64_t d) {
         gather(x, d, zeros({2, 3}, kInt64));
       }},
      {"scatter_add",
       [](const Tensor& x, std::int64_t d) {
         scatter_add(x, d, zeros({2, 3}, kInt64), ones({2, 3}));
       }},
      {"index_add",
       [](const Tensor& x, std::int64_t d) {
         index_add(x, d, tensor({0}), ones({1, 3}));
       }},
      {"cat",
       [](const Tensor& x, std::int64_t d) {
         cat({x, x}, d);
       }},
      {"stack", [](const Tensor& x, std::int64_t d) { stack({x, x}, d > 0 ? d + 1 : d - 1); }},
  };
  for (const auto& [name, fn] : dim_ops)
    for (const std::int64_t d : {std::int64_t{2}, std::int64_t{-3}, std::int64_t{100}, -kMax}) {
      // unsqueeze and stack accept one more dimension: they get d + 1 (or d - 1 when negative)
      const bool wider = name == "unsqueeze" || name == "stack";
      const std::int64_t given = wider ? (d > 0 ? d + 1 : d - 1) : d;
      out.push_back({name + " dim " + std::to_string(given),
                     [fn = fn, d] {
                       fn(ones({2, 3}), d);
                     },
                     name, "dimension " + std::to_string(given)});
    }

  // shape ops with impossible targets
  for (const Shape& s : std::vector<Shape>{{4, 4}, {7}, {-1, -1}, {-2, 3}, {0, 1}}) {
    out.push_back({"reshape to " + str(s), [s] { ones({2, 3}).reshape(s); }, "reshape", str(s)});
    out.push_back({"view to " + str(s), [s] { ones({2, 3}).view(s); }, "view", str(s)});
  }
  for (const auto& [s, e] : std::vector<std::pair<Shape, std::string>>{{{0}, "[0]"},
                                                                       {{0, 0}, "[0, 0]"},
                                                                       {{0, 2}, "dimension 2"},
                                                                       {{1, 1}, "[1, 1]"},
                                                                       {{0, 1, 2}, "[0, 1, 2]"},
                                                                       {{-3, 0}, "dimension -3"}})
    out.push_back({"permute " + str(s), [s = s] { permute(ones({2, 3}), s); }, "permute", e});
  for (const Shape& s : std::vector<Shape>{{3, 3}, {2}, {2, 4}, {3}}) {
    out.push_back({"expand to " + str(s), [s] { ones({2, 3}).expand(s); }, "expand", str(s)});
    out.push_back({"repeat " + str(s), [s] { ones({2, 3, 4}).repeat(s); }, "repeat", str(s)});
  }
  for (const auto& [start, len] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 4}, {3, 1}, {-4, 1}, {1, -1}, {kMax, 1}, {1, kMax}, {-kMax, 1}})
    out.push_back({"narrow " + std::to_string(start) + " " + std::to_string(len),
                   [start = start, len = len] {
                     narrow(ones({2, 3}), 1, start, len);
                   },
                   "narrow", "start " + std::to_string(start) + " and length " + std::to_string(len)});
  for (const auto& [start, end, step] :
       std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{{0, 3, 0}, {0, 3, -1}, {0, 3, -kMax}})
    out.push_back({"slice step " + std::to_string(step),
                   [start = start, end = end, step = step] {
                     slice(ones({2, 3}), 1, start, end, step);
                   },
                   "slice", "step must be positive, got " + std::to_string(step)});
  for (const auto& [p, e] : std::vector<std::pair<Shape, std::string>>{{{1}, "[1]"},
                                                                       {{1, 2, 3}, "[1, 2, 3]"},
                                                                       {{1, 1, 1, 1, 1, 1}, "[1, 1, 1, 1, 1, 1]"},
                                                                       {{-4, 0}, "(-4, 0)"},
                                                                       {{0, -4}, "(0, -4)"}})
    out.push_back({"pad " + str(p), [p = p] { pad(ones({2, 3}), p); }, "pad", e});
  for (const std::int64_t i : {std::int64_t{2}, std::int64_t{-3}, std::int64_t{1000}})
    out.push_back({"select index " + std::to_string(i),
                   [i] {
                     ones({2, 3}).select(0, i);
                   },
                   "select", std::to_string(i)});

  // indexing with bad indices
  for (const std::int64_t i : {std::int64_t{3}, std::int64_t{-4}, kMax, -kMax}) {
    const std::string v = std::to_string(i);
    out.push_back({"index_select index " + v, [i] { index_select(ones({2, 3}), 1, tensor({i})); }, "index_select", v});
    out.push_back({"gather index " + v, [i] { gather(ones({2, 3}), 1, full({2, 1}, i, kInt64)); }, "gather", v});
    out.push_back({"scatter_add index " + v,
                   [i] {
                     scatter_add(ones({2, 3}), 1, full({2, 1}, i, kInt64), ones({2, 1}));
                   },
                   "scatter_add", v});
    out.push_back({"index_add index " + v,
                   [i] {
                     index_add(ones({2, 3}), 1, tensor({i}), ones({2, 1}));
                   },
                   "index_add", v});
    out.push_back({"embedding index " + v, [i] { embedding(ones({3, 3}), tensor({i})); }, "embedding", v});
  }
  out.push_back({"index_select float index",
                 [] {
                   index_select(ones({2, 3}), 1, ones({1}));
                 },
                 "index_select", "float32"});
  out.push_back({"gather float index", [] { gather(ones({2, 3}), 1, ones({2, 1})); }, "gather", "float32"});
  out.push_back({"gather index of other rank", [] { gather(ones({2, 3}), 1, zeros({2}, kInt64)); }, "gather", "[2]"});
  out.push_back({"embedding float index", [] { embedding(ones({4, 3}), ones({2})); }, "embedding", "float32"});
  out.push_back({"masked_fill float mask",
                 [] {
                   masked_fill(ones({2, 3}), ones({2, 3}), 0);
                 },
                 "masked_fill", "float32"});
  out.push_back({"where float condition", [] { where(ones({2, 3}), ones({2, 3}), ones({2, 3})); }, "where", "float32"});
  out.push_back({"index_add source shape",
                 [] {
                   index_add(ones({2, 3}), 1, tensor({0}), ones({3, 1}));
                 },
                 "index_add", "[3, 1]"});
  out.push_back({"scatter_add src shape",
                 [] {
                   scatter_add(ones({2, 3}), 1, zeros({2, 3}, kInt64), ones({1, 1}));
                 },
                 "scatter_add", "[1, 1]"});

  // linear algebra
  const std::vector<std::pair<Shape, Shape>> mm_bad = {
      {{2, 3}, {2, 3}}, {{2, 3}, {4}}, {{3}, {4}}, {{2, 2, 3}, {2, 4, 2}}, {{}, {3}}};
  for (const auto& [a, b] : mm_bad)
    out.push_back({"matmul " + str(a) + " " + str(b), [a = a, b = b] { matmul(ones(a), ones(b)); }, "matmul", str(a)});
  const std::vector<std::pair<std::string, Bin>> linalg = {
      {"mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }},
      {"bmm", [](const Tensor& a, const Tensor& b) { return bmm(a, b); }},
      {"dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }},
      {"outer", [](const Tensor& a, const Tensor& b) { return outer(a, b); }},
      {"linear", [](const Tensor& a, const Tensor& b) { return linear(a, b); }},
  };
  const std::vector<std::pair<Shape, Shape>> la_bad = {
      {{2, 3}, {2, 3, 1}}, {{3}, {4}}, {{2, 3, 4}, {3, 4, 2}}, {{2, 3}, {}}};
  for (const auto& [name, fn] : linalg)
    for (const auto& [a, b] : la_bad) {
      if (name == "outer" && a.size() == 1) continue;  // outer of two vectors of any sizes is valid
      // linear's message names the weight, the others the first operand
      out.push_back({name + " " + str(a) + " " + str(b), [fn = fn, a = a, b = b] { fn(ones(a), ones(b)); }, name,
                     name == "linear" ? str(b) : str(a)});
    }

  // convolution and pooling
  struct ConvBad {
    std::string what;
    Shape in, w;
    std::int64_t stride, padding;
    std::string expect2;
  };
  const std::vector<ConvBad> conv2 = {
      {"rank 2 input", {4, 4}, {1, 1, 3, 3}, 1, 0, "[4, 4]"},
      {"rank 5 input", {1, 1, 1, 4, 4}, {1, 1, 3, 3}, 1, 0, "[1, 1, 1, 4, 4]"},
      {"channel mismatch", {1, 2, 4, 4}, {1, 3, 3, 3}, 1, 0, "[1, 2, 4, 4]"},
      {"kernel larger than input", {1, 1, 2, 2}, {1, 1, 3, 3}, 1, 0, "[1, 1, 2, 2]"},
      {"stride 0", {1, 1, 4, 4}, {1, 1, 3, 3}, 0, 0, "stride"},
      {"negative stride", {1, 1, 4, 4}, {1, 1, 3, 3}, -1, 0, "stride"},
      {"negative padding", {1, 1, 4, 4}, {1, 1, 3, 3}, 1, -1, "padding"},
      {"weight rank 3", {1, 1, 4, 4}, {1, 3, 3}, 1, 0, "[1, 3, 3]"},
  };
  for (const auto& c : conv2) {
    out.push_back(
        {"conv2d " + c.what, [c] { conv2d(ones(c.in), ones(c.w), {}, c.stride, c.padding); }, "conv2d", c.expect2});
    Shape in1(c.in.begin(), c.in.end() - 1), w1(c.w.begin(), c.w.end() - 1);
    if (c.what == "rank 2 input") in1 = {4};
    out.push_back({"conv1d " + c.what, [c, in1, w1] { conv1d(ones(in1), ones(w1), {}, c.stride, c.padding); }, "conv1d",
                   c.expect2.front() == '[' ? str(c.what == "weight rank 3" ? w1 : in1) : c.expect2});
    if (c.what != "kernel larger than input")  // a transposed convolution may have a larger kernel
      out.push_back({"conv_transpose2d " + c.what,
                     [c] {
                       Shape w = c.w;
                       if (w.size() == 4) std::swap(w[0], w[1]);
                       conv_transpose2d(ones(c.in), ones(w), {}, c.stride, c.padding);
                     },
                     "conv_transpose2d", c.expect2});
  }
  out.push_back({"conv2d bias size",
                 [] {
                   conv2d(ones({1, 1, 4, 4}), ones({2, 1, 3, 3}), ones({3}));
                 },
                 "conv2d", "[3]"});
  out.push_back({"conv2d groups",
                 [] {
                   conv2d(ones({1, 3, 4, 4}), ones({2, 3, 3, 3}), {}, 1, 0, 1, 2);
                 },
                 "conv2d", "groups"});
  using Pool = std::function<void(const Shape&, std::int64_t k, std::int64_t s, std::int64_t p)>;
  const std::vector<std::pair<std::string, Pool>> pools = {
      {"max_pool2d",
       [](const Shape& in, std::int64_t k, std::int64_t s, std::int64_t p) { max_pool2d(ones(in), k, s, p); }},
      {"avg_pool2d",
       [](const Shape& in, std::int64_t k, std::int64_t s, std::int64_t p) { avg_pool2d(ones(in), k, s, p); }},
  };
  struct PoolBad {
    std::string what;
    Shape in;
    std::int64_t k, s, p;
    std::string expect2;
  };
  const std::vector<PoolBad> pool_bad = {
      {"rank 2", {4, 4}, 2, 2, 0, "[4, 4]"},
      {"rank 5", {1, 1, 1, 4, 4}, 2, 2, 0, "[1, 1, 1, 4, 4]"},
      {"kernel 0", {1, 1, 4, 4}, 0, 1, 0, "kernel"},
      {"stride 0", {1, 1, 4, 4}, 2, 0, 0, "stride"},
      {"padding over half the kernel", {1, 1, 4, 4}, 2, 2, 2, "pad"},
      {"negative padding", {1, 1, 4, 4}, 2, 2, -1, "pad"},
      {"kernel larger than input", {1, 1, 2, 2}, 3, 1, 0, "[1, 1, 2, 2]"},
  };
  for (const auto& [name, fn] : pools)
    for (const auto& c : pool_bad)
      out.push_back({name + " " + c.what, [fn = fn, c] { fn(c.in, c.k, c.s, c.p); }, name, c.expect2});
  for (const auto& c : pool_bad) {
    if (c.what == "rank 5") continue;
    const Shape in1(c.in.begin() + 1, c.in.end());
    const std::string e2 = c.expect2.front() == '[' ? str(in1) : c.expect2;
    out.push_back({"max_pool1d " + c.what, [c, in1] { max_pool1d(ones(in1), c.k, c.s, c.p); }, "max_pool1d", e2});
    out.push_back({"avg_pool1d " + c.what, [c, in1] { avg_pool1d(ones(in1), c.k, c.s, c.p); }, "avg_pool1d", e2});
  }
  for (const std::int64_t o : {std::int64_t{-1}, std::int64_t{-5}}) {
    out.push_back({"adaptive_avg_pool2d size " + std::to_string(o),
                   [o] {
                     adaptive_avg_pool2d(ones({1, 1, 4, 4}), o);
                   },
                   "adaptive_avg_pool2d", std::to_string(o)});
    out.push_back({"adaptive_avg_pool1d size " + std::to_string(o),
                   [o] {
                     adaptive_avg_pool1d(ones({1, 1, 4}), o);
                   },
                   "adaptive_avg_pool1d", std::to_string(o)});
  }
  out.push_back({"adaptive_avg_pool2d rank 2",
                 [] {
                   adaptive_avg_pool2d(ones({4, 4}), 2);
                 },
                 "adaptive_avg_pool2d", "[4, 4]"});
  out.push_back(
      {"adaptive_avg_pool1d rank 1", [] { adaptive_avg_pool1d(ones({4}), 2); }, "adaptive_avg_pool1d", "[4]"});

  // layers: forward with wrong ranks, channel mismatches, empty batches
  for (const Shape& in : std::vector<Shape>{{3, 5}, {5}, {2, 3, 5}, {}})
    add_forward<nn::Linear>(
        out, "Linear|linear", [] { return nn::Linear(4, 2); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 5, 8}, {8}, {2, 3, 2}, {1, 1, 3, 8}})
    add_forward<nn::Conv1d>(
        out, "Conv1d|conv1d", [] { return nn::Conv1d(3, 4, 3); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 5, 8, 8}, {8, 8}, {2, 3, 2, 2}, {1, 1, 1, 3, 8}})
    add_forward<nn::Conv2d>(
        out, "Conv2d|conv2d", [] { return nn::Conv2d(3, 4, 3); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 5}, {4}, {2, 5, 3}, {1, 4}, {0, 4}})
    add_forward<nn::BatchNorm1d>(
        out, "BatchNorm1d|batch_norm", [] { return nn::BatchNorm1d(4); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 5, 3, 3}, {2, 4}, {2, 4, 3}, {1, 4, 1, 1}, {0, 4, 2, 2}})
    add_forward<nn::BatchNorm2d>(
        out, "BatchNorm2d|batch_norm", [] { return nn::BatchNorm2d(4); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 5}, {3}, {2, 4, 3}})
    add_forward<nn::LayerNorm>(
        out, "LayerNorm|layer_norm", [] { return nn::LayerNorm(Shape{4}); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 6, 3}, {4}, {2, 3}})
    add_forward<nn::GroupNorm>(
        out, "GroupNorm|group_norm", [] { return nn::GroupNorm(2, 4); }, in);
  for (const Shape& in : std::vector<Shape>{{5, 2, 3}, {5}, {5, 2, 3, 1}, {2, 2, 5}})
    add_forward<nn::LSTM>(
        out, "LSTM|lstm", [] { return nn::LSTM(4, 8); }, in);
  for (const Shape& in : std::vector<Shape>{{5, 2, 3}, {5}, {5, 2, 3, 1}})
    add_forward<nn::GRU>(
        out, "GRU|gru", [] { return nn::GRU(4, 8); }, in);
  for (const Shape& in : std::vector<Shape>{{5, 2, 3}, {5}, {5, 2, 3, 1}})
    add_forward<nn::RNN>(
        out, "RNN|rnn", [] { return nn::RNN(4, 8); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 3}, {2, 4, 1}})
    add_forward<nn::GRUCell>(
        out, "GRUCell|gru_cell", [] { return nn::GRUCell(4, 8); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 3}, {2, 4, 1}})
    add_forward<nn::RNNCell>(
        out, "RNNCell|rnn_cell", [] { return nn::RNNCell(4, 8); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 6, 6}, {6, 6}, {1, 1, 1, 6, 6}})
    add_forward<nn::MaxPool2d>(
        out, "MaxPool2d|max_pool2d", [] { return nn::MaxPool2d(8); }, in);
  for (const Shape& in : std::vector<Shape>{{2, 6, 6}, {6, 6}, {1, 1, 1, 6, 6}})
    add_forward<nn::AvgPool2d>(
        out, "AvgPool2d|avg_pool2d", [] { return nn::AvgPool2d(8); }, in);
  out.push_back({"Embedding index out of range",
                 [] {
                   nn::Embedding e(10, 3);
                   e(tensor({11}));
                 },
                 "embedding", "11"});
  out.push_back({"Embedding float indices",
                 [] {
                   nn::Embedding e(10, 3);
                   e(ones({2}));
                 },
                 "Embedding", "float32"});
  out.push_back({"MultiheadAttention embed mismatch",
                 [] {
                   nn::MultiheadAttention a(8, 2);
                   Tensor q = ones({5, 2, 7});
                   a(q, q, q);
                 },
                 "MultiheadAttention", "[5, 2, 7]"});
  // layer constructors with bad hyper-parameters
  out.push_back({"Linear(-1, 2)", [] { nn::Linear(-1, 2); }, "Linear", "-1"});
  out.push_back({"Conv2d kernel 0", [] { nn::Conv2d(3, 4, 0); }, "Conv2d", "0"});
  out.push_back({"Conv2d groups", [] { nn::Conv2d(3, 4, 3, {.groups = 2}); }, "Conv2d", "groups"});
  out.push_back({"GroupNorm(3, 4)", [] { nn::GroupNorm(3, 4); }, "GroupNorm", "3"});
  out.push_back({"MultiheadAttention(8, 3)", [] { nn::MultiheadAttention(8, 3); }, "MultiheadAttention", "3"});
  out.push_back({"Embedding(-1, 3)", [] { nn::Embedding(-1, 3); }, "Embedding", "-1"});
  out.push_back({"Dropout(p = 1.5)", [] { nn::Dropout(nn::DropoutOptions{.p = 1.5}); }, "Dropout", "1.5"});
  out.push_back({"Dropout(p = -0.1)", [] { nn::Dropout(nn::DropoutOptions{.p = -0.1}); }, "Dropout", "-0.1"});
  out.push_back({"dropout p = 2", [] { F::dropout(ones({3}), {.p = 2.0}); }, "dropout", "2"});

  // losses: shape mismatches and bad targets
  using Loss = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<std::string, Loss>> pointwise = {
      {"mse_loss", [](const Tensor& a, const Tensor& b) { return F::mse_loss(a, b); }},
      {"l1_loss", [](const Tensor& a, const Tensor& b) { return F::l1_loss(a, b); }},
      {"smooth_l1_loss", [](const Tensor& a, const Tensor& b) { return F::smooth_l1_loss(a, b); }},
      {"huber_loss", [](const Tensor& a, const Tensor& b) { return F::huber_loss(a, b); }},
      {"binary_cross_entropy",
       [](const Tensor& a, const Tensor& b) { return F::binary_cross_entropy(a * 0.5, b * 0.5); }},
      {"binary_cross_entropy_with_logits",
       [](const Tensor& a, const Tensor& b) { return F::binary_cross_entropy_with_logits(a, b); }},
      {"kl_div", [](const Tensor& a, const Tensor& b) { return F::kl_div(a, b); }},
  };
  for (const auto& [name, fn] : pointwise)
    for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{{{2, 3}, {3, 2}}, {{4}, {5}}, {{2, 3}, {2, 4}}})
      out.push_back(
          {name + " " + str(a) + " " + str(b), [fn = fn, a = a, b = b] { fn(ones(a), ones(b)); }, name, str(b)});
  out.push_back({"binary_cross_entropy input above 1", [] { F::binary_cross_entropy(full({3}, 1.5), zeros({3})); },
                 "binary_cross_entropy", "1.5"});
  for (const std::string name : {"cross_entropy", "nll_loss"}) {
    const bool ce = name == "cross_entropy";
    auto loss = [ce](const Tensor& x, const Tensor& t) { return ce ? F::cross_entropy(x, t) : F::nll_loss(x, t); };
    out.push_back({name + " target 3 of 3 classes", [loss] { loss(ones({2, 3}), tensor({0, 3})); }, name, "3"});
    out.push_back({name + " target -2", [loss] { loss(ones({2, 3}), tensor({0, -2})); }, name, "-2"});
    out.push_back({name + " target batch", [loss] { loss(ones({2, 3}), tensor({0, 1, 2})); }, name, "[3]"});
    out.push_back({name + " target rank", [loss] { loss(ones({2, 3}), zeros({2, 1}, kInt64)); }, name, "[2, 1]"});
    out.push_back({name + " bool target", [loss] { loss(ones({2, 3}), zeros({2}, kBool)); }, name, "bool"});
    out.push_back({name + " 0-d input", [loss] { loss(ones({}), zeros({}, kInt64)); }, name, "0-d input"});
    out.push_back({name + " weight size",
                   [ce] {
                     if (ce) F::cross_entropy(ones({2, 3}), tensor({0, 1}), {.weight = ones({4})});
                     else F::nll_loss(ones({2, 3}), tensor({0, 1}), {.weight = ones({4})});
                   },
                   name, "[4]"});
  }
  out.push_back({"cross_entropy label_smoothing 2",
                 [] {
                   F::cross_entropy(ones({2, 3}), tensor({0, 1}), {.label_smoothing = 2.0});
                 },
                 "cross_entropy", "2"});
  out.push_back({"margin_ranking_loss shapes", [] { F::margin_ranking_loss(ones({3}), ones({4}), ones({3})); },
                 "margin_ranking_loss", "[4]"});
  out.push_back({"hinge_embedding_loss shapes", [] { F::hinge_embedding_loss(ones({3}), ones({4})); },
                 "hinge_embedding_loss", "[4]"});
  out.push_back({"cosine_embedding_loss shapes",
                 [] {
                   F::cosine_embedding_loss(ones({2, 3}), ones({2, 4}), ones({2}));
                 },
                 "cosine_embedding_loss", "[2, 4]"});
  out.push_back({"triplet_margin_loss shapes",
                 [] {
                   F::triplet_margin_loss(ones({2, 3}), ones({2, 3}), ones({2, 4}));
                 },
                 "triplet_margin_loss", "[2, 4]"});

  // optimizers: bad hyper-parameters
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const double lr : {-1.0, nan}) {
    add_optimizer<optim::SGD>(out, "SGD", optim::SGDOptions{.lr = lr}, lr < 0 ? "-1" : "learning rate is required");
    add_optimizer<optim::Adam>(out, "Adam", optim::AdamOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::AdamW>(out, "AdamW", optim::AdamWOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::Adagrad>(out, "Adagrad", optim::AdagradOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::RMSprop>(out, "RMSprop", optim::RMSpropOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::Adamax>(out, "Adamax", optim::AdamaxOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::NAdam>(out, "NAdam", optim::NAdamOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::RAdam>(out, "RAdam", optim::RAdamOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::Adadelta>(out, "Adadelta", optim::AdadeltaOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::Rprop>(out, "Rprop", optim::RpropOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
    add_optimizer<optim::ASGD>(out, "ASGD", optim::ASGDOptions{.lr = lr}, lr < 0 ? "-1" : "nan");
  }
  for (const auto& betas :
       std::vector<std::pair<double, double>>{{1.0, 0.999}, {-0.1, 0.999}, {0.9, 1.0}, {0.9, -0.5}}) {
    const std::string v = betas.first == 0.9 ? (betas.second < 0 ? "-0.5" : "1") : (betas.first < 0 ? "-0.1" : "1");
    add_optimizer<optim::Adam>(out, "Adam", optim::AdamOptions{.betas = betas}, v);
    add_optimizer<optim::AdamW>(out, "AdamW", optim::AdamWOptions{.betas = betas}, v);
    add_optimizer<optim::Adamax>(out, "Adamax", optim::AdamaxOptions{.betas = betas}, v);
    add_optimizer<optim::NAdam>(out, "NAdam", optim::NAdamOptions{.betas = betas}, v);
    add_optimizer<optim::RAdam>(out, "RAdam", optim::RAdamOptions{.betas = betas}, v);
  }
  add_optimizer<optim::SGD>(out, "SGD", optim::SGDOptions{.lr = 0.1, .momentum = -1}, "-1");
  add_optimizer<optim::SGD>(out, "SGD", optim::SGDOptions{.lr = 0.1, .weight_decay = -1}, "-1");
  add_optimizer<optim::SGD>(out, "SGD", optim::SGDOptions{.lr = 0.1, .nesterov = true}, "Nesterov");
  add_optimizer<optim::Adam>(out, "Adam", optim::AdamOptions{.eps = -1}, "-1");
  add_optimizer<optim::Adam>(out, "Adam", optim::AdamOptions{.weight_decay = -1}, "-1");
  add_optimizer<optim::AdamW>(out, "AdamW", optim::AdamWOptions{.eps = -1}, "-1");
  add_optimizer<optim::RMSprop>(out, "RMSprop", optim::RMSpropOptions{.alpha = -1}, "-1");
  add_optimizer<optim::RMSprop>(out, "RMSprop", optim::RMSpropOptions{.momentum = -1}, "-1");
  add_optimizer<optim::RMSprop>(out, "RMSprop", optim::RMSpropOptions{.eps = -1}, "-1");
  add_optimizer<optim::Adagrad>(out, "Adagrad", optim::AdagradOptions{.lr_decay = -1}, "-1");
  add_optimizer<optim::Adagrad>(out, "Adagrad", optim::AdagradOptions{.initial_accumulator_value = -1}, "-1");
  add_optimizer<optim::Adadelta>(out, "Adadelta", optim::AdadeltaOptions{.rho = 1.5}, "1.5");
  add_optimizer<optim::Adadelta>(out, "Adadelta", optim::AdadeltaOptions{.eps = -1}, "-1");
  add_optimizer<optim::Rprop>(out, "Rprop", optim::RpropOptions{.etas = {1.5, 1.2}}, "1.5");
  add_optimizer<optim::Rprop>(out, "Rprop", optim::RpropOptions{.etas = {0.5, 0.9}}, "0.9");
  add_optimizer<optim::NAdam>(out, "NAdam", optim::NAdamOptions{.momentum_decay = -1}, "-1");

  // schedulers: bad hyper-parameters
  using Sched = std::function<void(optim::Optimizer&)>;
  const std::vector<std::tuple<std::string, Sched, std::string>> scheds = {
      {"LinearLR", [](optim::Optimizer& o) { optim::LinearLR(o, {.start_factor = 0.0}); }, "0"},
      {"LinearLR", [](optim::Optimizer& o) { optim::LinearLR(o, {.start_factor = 1.5}); }, "1.5"},
      {"LinearLR", [](optim::Optimizer& o) { optim::LinearLR(o, {.end_factor = 2.0}); }, "2"},
      {"LinearLR", [](optim::Optimizer& o) { optim::LinearLR(o, {.total_iters = 0}); }, "0"},
      {"ConstantLR", [](optim::Optimizer& o) { optim::ConstantLR(o, {.factor = 1.5}); }, "1.5"},
      {"ConstantLR", [](optim::Optimizer& o) { optim::ConstantLR(o, {.factor = -1}); }, "-1"},
      {"CosineAnnealingWarmRestarts", [](optim::Optimizer& o) { optim::CosineAnnealingWarmRestarts(o, 0); }, "0"},
      {"CosineAnnealingWarmRestarts",
       [](optim::Optimizer& o) { optim::CosineAnnealingWarmRestarts(o, 2, {.T_mult = 0}); }, "0"},
      {"OneCycleLR", [](optim::Optimizer& o) { optim::OneCycleLR(o, 0.1, {.total_steps = 0}); }, "0"},
      {"OneCycleLR", [](optim::Optimizer& o) { optim::OneCycleLR(o, 0.1, {}); }, "total_steps"},
      {"ReduceLROnPlateau", [](optim::Optimizer& o) { optim::ReduceLROnPlateau(o, {.factor = 1.0}); }, "1"},
      {"ReduceLROnPlateau", [](optim::Optimizer& o) { optim::ReduceLROnPlateau(o, {.mode = "up"}); }, "up"},
      {"ReduceLROnPlateau", [](optim::Optimizer& o) { optim::ReduceLROnPlateau(o, {.threshold_mode = "x"}); }, "x"},
      {"StepLR", [](optim::Optimizer& o) { optim::StepLR(o, 0); }, "0"},
      {"CosineAnnealingLR", [](optim::Optimizer& o) { optim::CosineAnnealingLR(o, 0); }, "0"},
      {"LambdaLR",
       [](optim::Optimizer& o) {
         optim::LambdaLR(o, std::vector<optim::LRLambda>(3, [](std::int64_t) { return 1.0; }));
       },
       "3"},
  };
  for (const auto& [name, fn, v] : scheds)
    out.push_back({name + " " + v,
                   [fn = fn] {
                     Tensor w = ones({2}).requires_grad_();
                     optim::SGD opt({w}, {.lr = 0.1});
                     fn(opt);
                   },
                   name, v});

  // data readers and loaders
  out.push_back({"DataLoader batch_size 0",
                 [] {
                   data::DataLoader l(data::TensorDataset(ones({4, 2})), {.batch_size = 0});
                 },
                 "DataLoader", "0"});
  out.push_back({"DataLoader num_workers -1",
                 [] {
                   data::DataLoader l(data::TensorDataset(ones({4, 2})), {.num_workers = -1});
                 },
                 "DataLoader", "-1"});
  out.push_back({"DataLoader prefetch_factor 0",
                 [] {
                   data::DataLoader l(data::TensorDataset(ones({4, 2})), {.prefetch_factor = 0});
                 },
                 "DataLoader", "0"});
  out.push_back({"TensorDataset size mismatch",
                 [] {
                   data::TensorDataset(ones({4, 2}), zeros({3}));
                 },
                 "TensorDataset", "[3]"});
  out.push_back({"TensorDataset get out of range",
                 [] {
                   data::TensorDataset(ones({4, 2})).get(4);
                 },
                 "Dataset::get", "index 4"});
  out.push_back({"read_csv missing", [] { data::read_csv("/nonexistent/x.csv"); }, "x.csv"});
  out.push_back({"read_idx missing", [] { data::read_idx("/nonexistent/x.idx"); }, "x.idx"});

  // save/load of corrupt or truncated files
  const std::string dir = scratch_dir();
  struct Corrupt {
    std::string what;
    std::string bytes;
  };
  std::string good_st;
  {
    std::filesystem::create_directories(dir);
    io::save_safetensors({{"w", ones({2, 3})}}, dir + "/good.safetensors");
    std::ifstream in(dir + "/good.safetensors", std::ios::binary);
    good_st.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<Corrupt> corrupt = {{"empty", ""},
                                  {"garbage", "not a tensor file at all"},
                                  {"one byte", "x"},
                                  {"huge header length", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}"}};
  for (std::size_t cut : {std::size_t{4}, std::size_t{8}, std::size_t{12}, good_st.size() - 1, good_st.size() - 8})
    corrupt.push_back({"truncated to " + std::to_string(cut), good_st.substr(0, cut)});
  {
    std::string flipped = good_st;
    flipped[8] = '[';
    corrupt.push_back({"bad JSON", flipped});
  }
  int k = 0;
  for (const auto& c : corrupt) {
    const std::string path = dir + "/c" + std::to_string(k++) + ".bin";
    {
      std::ofstream f(path, std::ios::binary);
      f << c.bytes;
    }
    out.push_back({"load_safetensors " + c.what, [path] { io::load_safetensors(path); }, path});
    out.push_back({"load_hdf5 " + c.what, [path] { io::load_hdf5(path); }, path});
    out.push_back({"io::load module " + c.what,
                   [path] {
                     nn::Linear l(3, 2);
                     io::load(*l, path);
                   },
                   path});
    out.push_back({"read_idx " + c.what, [path] { data::read_idx(path); }, path});
  }

  // autograd misuse
  out.push_back({"backward of a non-scalar without a gradient", [] { (ones({3}).requires_grad_() * 2).backward(); },
                 "backward", "[3]"});
  out.push_back({"backward of a tensor that does not require grad", [] { ones({1}).sum().backward(); }, "backward",
                 "does not require grad"});
  out.push_back({"backward with a gradient of another shape",
                 [] { (ones({3}).requires_grad_() * 2).backward(ones({4})); }, "backward", "[4]"});
  out.push_back({"grad of an unused input",
                 [] {
                   Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
                   autograd::grad({(a * a).sum()}, {b});
                 },
                 "grad", "allow_unused"});
  out.push_back({"grad with a grad_output of another shape",
                 [] {
                   Tensor a = ones({2}).requires_grad_();
                   autograd::grad({a * a}, {a}, {ones({3})});
                 },
                 "grad", "[3]"});
  out.push_back(
      {"requires_grad_ on an int tensor", [] { zeros({2}, kInt64).requires_grad_(); }, "requires_grad", "int64"});
  out.push_back(
      {"in-place on a leaf that requires grad", [] { ones({2}).requires_grad_().fill_(3); }, "fill_", "leaf"});

  // initializers with bad arguments
  out.push_back({"xavier_uniform_ of a vector", [] { nn::init::xavier_uniform_(ones({3})); }, "fan", "[3]"});
  out.push_back({"kaiming_normal_ bad mode",
                 [] {
                   nn::init::kaiming_normal_(ones({3, 3}), 0.0, "fan_up");
                 },
                 "kaiming", "fan_up"});
  out.push_back({"calculate_gain unknown", [] { nn::init::calculate_gain("swish2"); }, "calculate_gain", "swish2"});
  out.push_back({"eye_ of a 3-d tensor", [] { nn::init::eye_(ones({2, 2, 2})); }, "eye_", "[2, 2, 2]"});
  out.push_back({"dirac_ of a 2-d tensor", [] { nn::init::dirac_(ones({2, 2})); }, "dirac_", "[2, 2]"});
  out.push_back({"uniform_ a > b", [] { nn::init::uniform_(ones({2}), 1.0, 0.0); }, "uniform_", "1"});
  out.push_back({"normal_ std < 0", [] { nn::init::normal_(ones({2}), 0.0, -1.0); }, "normal_", "-1"});

  // gradient clipping
  out.push_back({"clip_grad_norm_ negative max_norm",
                 [] {
                   Tensor w = ones({2}).requires_grad_();
                   optim::clip_grad_norm_(w, -1.0);
                 },
                 "clip_grad_norm_", "-1"});
  out.push_back({"clip_grad_norm_ norm_type 0",
                 [] {
                   Tensor w = ones({2}).requires_grad_();
                   optim::clip_grad_norm_(w, 1.0, 0.0);
                 },
                 "clip_grad_norm_", "0"});
  out.push_back({"clip_grad_value_ negative",
                 [] {
                   Tensor w = ones({2}).requires_grad_();
                   optim::clip_grad_value_(w, -1.0);
                 },
                 "clip_grad_value_", "-1"});

  // CSV files with bad contents
  const std::vector<std::pair<std::string, std::string>> csvs = {
      {"ragged row", "a,b\n1,2\n3\n"},
      {"non-numeric", "a,b\n1,x\n"},
      {"empty", ""},
      {"label column missing", "a,b\n1,2\n"},
  };
  for (const auto& [what, text] : csvs) {
    const std::string path = dir + "/c" + std::to_string(k++) + ".csv";
    {
      std::ofstream f(path);
      f << text;
    }
    const bool lab = what == "label column missing";
    out.push_back({"read_csv " + what,
                   [path, lab] {
                     if (lab) data::read_csv(path, {.label = std::string("y")});
                     else data::read_csv(path);
                   },
                   path});
  }

  // dtype mismatches
  out.push_back({"mm float32 by float64", [] { mm(ones({2, 2}), ones({2, 2}, kFloat64)); }, "mm", "float64"});
  out.push_back({"matmul int64", [] { matmul(ones({2, 2}, kInt64), ones({2, 2}, kInt64)); }, "matmul", "int64"});
  out.push_back({"conv2d int64 input",
                 [] {
                   conv2d(ones({1, 1, 4, 4}, kInt64), ones({1, 1, 3, 3}, kInt64));
                 },
                 "conv2d", "int64"});
  out.push_back({"softmax of int64", [] { softmax(ones({3}, kInt64), 0); }, "softmax", "int64"});
  out.push_back({"mse_loss of int64", [] { F::mse_loss(ones({3}, kInt64), ones({3}, kInt64)); }, "mse_loss", "int64"});
  out.push_back({"cross_entropy float target of another shape",
                 [] {
                   F::cross_entropy(ones({2, 3}), ones({2, 4}));
                 },
                 "cross_entropy", "[2, 4]"});
  out.push_back({"Linear on float64 input",
                 [] {
                   nn::Linear l(2, 2);
                   l(ones({1, 2}, kFloat64));
                 },
                 "linear|Linear", "float64"});
  out.push_back({"load_safetensors into mismatched module",
                 [dir] {
                   nn::Linear a(3, 2), b(4, 2);
                   io::save(*a, dir + "/lin.bin");
                   io::load(*b, dir + "/lin.bin");
                 },
                 "weight", "[2, 3]"});
  return out;
}
}  // namespace

TEST_CASE("reliability: every hostile input raises a typed error naming the op, and none crashes", "[reliability]") {
  auto table = cases();
  for (auto& c : generated_cases()) table.push_back(std::move(c));
  int failures = 0;
  for (const auto& c : table) {
    const Outcome o = run_forked(c);
    if (!o.ok) {
      ++failures;
      std::fprintf(stderr, "hostile input '%s': %s\n", c.name.c_str(), o.detail.c_str());  // unwrapped, for logs
    }
    INFO(c.name << ": " << o.detail);
    CHECK(o.ok);
  }
  std::filesystem::remove_all(scratch_dir());
  CHECK(failures == 0);
  CHECK(table.size() >= 400);
}
