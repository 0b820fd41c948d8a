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
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "xgrad/io.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k32 = std::int64_t{1} << 32, k40 = std::int64_t{1} << 40, k62 = std::int64_t{1} << 62;

struct Case {
  const char* name;
  std::function<void()> run;
  const char* expect;  // text the error message must contain
};

struct Outcome {
  bool ok;
  std::string detail;
};

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
      code = msg.find(c.expect) == std::string::npos ? 2 : 0;
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
  if (code == 2) return {false, "message lacks '" + std::string(c.expect) + "': " + msg};
  return {false, msg};
}

std::vector<Case> cases() {
  const Tensor f = ones({2, 3}), m = ones({3, 4}), idx = tensor({0, 5}), mask = tensor({true, false});
  return {
      // shapes whose products overflow (factories, views, expand)
      {"zeros 2^32 x 2^32", [] { zeros({k32, k32}); }, "zeros: shape [4294967296, 4294967296]"},
      {"ones 2^62 x 4", [] { ones({k62, 4}); }, "ones: shape [4611686018427387904, 4]"},
      {"zeros INT64_MAX x 2", [] { zeros({kMax, 2}); }, "zeros: shape [9223372036854775807, 2]"},
      {"empty with overflowing strides", [] { empty({0, k62, 4}); }, "empty: shape [0, 4611686018427387904, 4]"},
      {"full overflow", [] { full({kMax, kMax}, 1.0); }, "full: shape"},
      {"rand overflow", [] { rand({k40, k40}); }, "rand: shape"},
      {"randn overflow", [] { randn({k40, k40}); }, "randn: shape"},
      {"randint overflow", [] { randint(0, 2, {k40, k40}); }, "randint: shape"},
      {"eye overflow", [] { eye(k40, k40); }, "eye: shape"},
      {"reshape of empty to a wrapping shape", [] { zeros({0}).reshape({k62, 4}); }, "reshape: shape"},
      {"view of empty to a wrapping shape", [] { zeros({0}).view({k32, k32}); }, "view: shape"},
      {"expand to a wrapping shape", [] { ones({1, 1}).expand({k32, k32}); }, "expand: shape"},
      {"expand to a negative size", [] { ones({1, 1}).expand({-5, 3}); }, "expand: invalid size -5"},
      {"repeat to a wrapping shape", [] { ones({2}).repeat({k62, 4}); }, "repeat"},
      {"broadcast to 2^64 elements",
       [] { ones({1, 1}).expand({k32, 1}) + ones({1, 1}).expand({1, k32}); },
       "shape [4294967296, 4294967296] has too many elements"},
      {"from_blob overflowing extent", [] { float v = 0; from_blob(&v, {3, 3}, {kMax, 1}, kFloat32); }, "from_blob"},
      // allocations that cannot succeed
      {"zeros 2^40", [] { zeros({k40}); }, "zeros: out of memory: cannot allocate 4.00 TiB"},
      {"linspace 2^40", [] { linspace(0, 1, k40); }, "linspace: out of memory"},
      {"empty float64 2^62", [] { empty({k62}, kFloat64); }, "empty: out of memory"},
      {"randperm 2^60", [] { randperm(std::int64_t{1} << 60); }, "randperm: out of memory"},
      {"arange to 1e30", [] { arange(0, 1e30); }, "arange: 1e+30 elements is too many"},
      {"arange to inf", [] { arange(0.0, INFINITY); }, "arange: start, end and step must be finite"},
      {"arange with step 0", [] { arange(0, 1, 0); }, "arange: step must be non-zero"},
      {"linspace negative steps", [] { linspace(0, 1, -1); }, "linspace"},
      {"negative dimension", [] { zeros({2, -1}); }, "zeros: negative dimension in shape [2, -1]"},
      // conv and pool sizes
      {"conv2d padding 2^62", [] { conv2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, 1, k62); },
       "conv2d: the output size overflows"},
      {"conv2d dilation 2^62", [] { conv2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, 1, 0, k62); }, "conv2d"},
      {"conv_transpose2d stride INT64_MAX/2",
       [] { conv_transpose2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, kMax / 2); }, "conv_transpose2d"},
      {"max_pool2d dilation 2^62", [] { max_pool2d(ones({1, 1, 4, 4}), 2, 1, 0, k62); }, "max_pool2d"},
      {"max_pool2d kernel INT64_MAX", [] { max_pool2d(ones({1, 1, 4, 4}), kMax, 1); }, "max_pool2d"},
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
      {"cat mismatched", [f, m] { cat({f, m}, 0); }, "cat"},
      {"stack mismatched", [f, m] { stack({f, m}); }, "stack"},
      {"index_select out of range", [f, idx] { index_select(f, 1, idx); }, "index_select"},
      {"softmax bad dim", [f] { softmax(f, 5); }, "softmax"},
      {"select out of range", [f] { f.select(0, 7); }, "select"},
      {"item of many", [f] { f.item<float>(); }, "item"},
      {"cross_entropy bad target", [] { nn::functional::cross_entropy(ones({2, 3}), tensor({0, 7})); }, "cross_entropy"},
      {"mse_loss shapes", [f, m] { nn::functional::mse_loss(f, m); }, "mse_loss"},
      {"Linear wrong features", [] { nn::Linear lin(4, 2); lin(ones({3, 5})); }, "Linear"},
      {"backward twice", [] {
         Tensor x = ones({2}).requires_grad_();
         Tensor y = (x * x).sum();
         y.backward();
         y.backward();
       },
       "retain_graph"},
      {"Adam negative lr", [] {
         Tensor w = ones({2}).requires_grad_();
         optim::Adam opt({w}, {.lr = -1.0});
       },
       "Adam: invalid learning rate: -1"},
      {"load_safetensors missing file", [] { io::load_safetensors("/nonexistent/x.safetensors"); }, "x.safetensors"},
      {"save to a missing directory", [] { io::save_safetensors({{"w", ones({1})}}, "/nonexistent/d/x.safetensors"); },
       "does not exist"},
      {"save to /dev/full", [] { io::save_safetensors({{"w", ones({1})}}, "/dev/full"); }, "No space left on device"},
  };
}
}  // namespace

TEST_CASE("reliability: every hostile input raises a typed error naming the op, and none crashes",
          "[reliability]") {
  const auto table = cases();
  int failures = 0;
  for (const auto& c : table) {
    const Outcome o = run_forked(c);
    if (!o.ok) ++failures;
    INFO(c.name << ": " << o.detail);
    CHECK(o.ok);
  }
  CHECK(failures == 0);
  CHECK(table.size() >= 45);
}
