// Tensor::str() and operator<<: the exact text PyTorch's repr prints for the same tensor (with
// `dtype=float64` for `dtype=torch.float64` and `grad_fn=<op name>` for `grad_fn=<OpBackward0>`).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("print: float32 matrices print four decimals in aligned columns") {
  CHECK(tensor({{1.0, 2.5}, {3.0, 4.0}}).str() ==
        "tensor([[1.0000, 2.5000],\n"
        "        [3.0000, 4.0000]])");
  CHECK(tensor({{1.5, -20.25}, {300.125, 4.0}}).str() ==
        "tensor([[  1.5000, -20.2500],\n"
        "        [300.1250,   4.0000]])");
  CHECK(tensor({-1.25, 10.5}).str() == "tensor([-1.2500, 10.5000])");
}

TEST_CASE("print: integer-valued floats print as `1.` and zeros as `0.`") {
  CHECK(tensor({1.0, 2.0, 3.0}).str() == "tensor([1., 2., 3.])");
  CHECK(tensor({-1.0, 20.0}).str() == "tensor([-1., 20.])");
  CHECK(zeros({2, 3}).str() ==
        "tensor([[0., 0., 0.],\n"
        "        [0., 0., 0.]])");
}

TEST_CASE("print: int64 and bool print their values without a dtype") {
  CHECK(tensor({1, 2, 3}).str() == "tensor([1, 2, 3])");
  CHECK(tensor({-5, 10, 200}).str() == "tensor([ -5,  10, 200])");
  // PyTorch right-aligns `True` to the width of `False`
  CHECK(tensor({true, false}).str() == "tensor([ True, False])");
  CHECK(tensor({true, true}).str() == "tensor([True, True])");
}

TEST_CASE("print: float64 is marked with its dtype") {
  CHECK(tensor({1.5, 2.0}, kFloat64).str() == "tensor([1.5000, 2.0000], dtype=float64)");
  CHECK(tensor({1.0, 2.0}, kFloat64).str() == "tensor([1., 2.], dtype=float64)");
}

TEST_CASE("print: scientific notation when the magnitudes are far apart, huge or tiny") {
  // all integers, ratio 1e10 > 1000
  CHECK(tensor({1e10, 1.0}).str() == "tensor([1.0000e+10, 1.0000e+00])");
  // all integers, max > 1e8 with a ratio below 1000
  CHECK(tensor({1.5e8, 1e9}).str() == "tensor([1.5000e+08, 1.0000e+09])");
  // not integers and the smallest magnitude below 1e-4 (ratio 2)
  CHECK(tensor({5e-5, 1e-4}).str() == "tensor([5.0000e-05, 1.0000e-04])");
  CHECK(tensor({1e-5, 1.0}).str() == "tensor([1.0000e-05, 1.0000e+00])");
  // ratio exactly 1000 stays fixed
  CHECK(tensor({0.5, 500.0}).str() == "tensor([  0.5000, 500.0000])");
}

TEST_CASE("print: nan and inf print as in Python and take no part in choosing the style") {
  CHECK(tensor({1.5, kNan, kInf}).str() == "tensor([1.5000,    nan,    inf])");
  CHECK(tensor({1.0, kNan, -kInf}).str() == "tensor([1., nan, -inf])");
  CHECK(tensor({kNan, kNan}).str() == "tensor([nan, nan])");
  CHECK(tensor({-kNan}, kFloat64).str() == "tensor([nan], dtype=float64)");
}

TEST_CASE("print: 0-d tensors print the bare value") {
  CHECK(tensor(3.5).str() == "tensor(3.5000)");
  CHECK(tensor(7).str() == "tensor(7)");
  CHECK(tensor(2.0, kFloat64).str() == "tensor(2., dtype=float64)");
  CHECK(tensor(false).str() == "tensor(False)");
}

TEST_CASE("print: empty tensors show their size unless it is (0,), and any non-float32 dtype") {
  CHECK(zeros({0}).str() == "tensor([])");
  CHECK(zeros({0, 3}).str() == "tensor([], size=(0, 3))");
  CHECK(zeros({0}, kInt64).str() == "tensor([], dtype=int64)");
  CHECK(zeros({2, 0}, kInt64).str() == "tensor([], size=(2, 0), dtype=int64)");
  CHECK(zeros({0}, kBool).str() == "tensor([], dtype=bool)");
}

TEST_CASE("print: requires_grad on leaves and the node name on results") {
  auto x = tensor({1.0, 2.0}, requires_grad());
  CHECK(x.str() == "tensor([1., 2.], requires_grad=True)");
  auto z = zeros({2}, requires_grad());
  CHECK(z.tanh().str() == "tensor([0., 0.], grad_fn=<tanh>)");
  CHECK(x.detach().str() == "tensor([1., 2.])");
  auto d = ones({2}, dtype(kFloat64).requires_grad(true));
  CHECK(d.str() == "tensor([1., 1.], dtype=float64, requires_grad=True)");
}

TEST_CASE("print: 3-d tensors separate their matrices by a blank line") {
  CHECK(arange(8).reshape({2, 2, 2}).str() ==
        "tensor([[[0, 1],\n"
        "         [2, 3]],\n"
        "\n"
        "        [[4, 5],\n"
        "         [6, 7]]])");
}

TEST_CASE("print: long rows wrap at 80 columns") {
  // width 2 + ", " = 4 characters per element: (80 - 7) / 4 = 18 per line
  CHECK(arange(40).str() ==
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n"
        "        36, 37, 38, 39])");
  // width 6 + 2: (80 - 7) / 8 = 9 per line
  CHECK(arange(0, 2, 0.1).str() ==
        "tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,\n"
        "        0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,\n"
        "        1.8000, 1.9000])");
}

TEST_CASE("print: suffixes move to a new line when they would pass 80 columns") {
  // the 76-character body leaves no room for `, dtype=float64`
  CHECK(ones({17}, dtype(kFloat64).requires_grad(true)).str() ==
        "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
        "       dtype=float64, requires_grad=True)");
}

TEST_CASE("print: more than 1000 elements are summarized with three edge items per dimension") {
  CHECK(arange(10000).str() == "tensor([   0,    1,    2,  ..., 9997, 9998, 9999])");
  CHECK(arange(2000).reshape({2, 1000}).str() ==
        "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n"
        "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])");
  CHECK(arange(10000).reshape({100, 100}).str() ==
        "tensor([[   0,    1,    2,  ...,   97,   98,   99],\n"
        "        [ 100,  101,  102,  ...,  197,  198,  199],\n"
        "        [ 200,  201,  202,  ...,  297,  298,  299],\n"
        "        ...,\n"
        "        [9700, 9701, 9702,  ..., 9797, 9798, 9799],\n"
        "        [9800, 9801, 9802,  ..., 9897, 9898, 9899],\n"
        "        [9900, 9901, 9902,  ..., 9997, 9998, 9999]])");
  CHECK(zeros({2, 3, 200}).str() ==
        "tensor([[[0., 0., 0.,  ..., 0., 0., 0.],\n"
        "         [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "         [0., 0., 0.,  ..., 0., 0., 0.]],\n"
        "\n"
        "        [[0., 0., 0.,  ..., 0., 0., 0.],\n"
        "         [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "         [0., 0., 0.,  ..., 0., 0., 0.]]])");
  // only the shown values choose the style: the hidden 1.5 does not turn on 4 decimals
  auto x = zeros({2000});
  x.narrow(0, 1000, 1).fill_(1.5);
  CHECK(x.str() == "tensor([0., 0., 0.,  ..., 0., 0., 0.])");
  // exactly 1000 elements are printed in full
  CHECK(zeros({1000}).str().find("...") == std::string::npos);
}

TEST_CASE("print: non-contiguous and expanded tensors print their logical values") {
  auto m = tensor({{1, 2}, {3, 4}});
  CHECK(m.t().str() ==
        "tensor([[1, 3],\n"
        "        [2, 4]])");
  CHECK(tensor({1, 2}).expand({2, 2}).str() ==
        "tensor([[1, 2],\n"
        "        [1, 2]])");
  CHECK(arange(12).reshape({3, 4}).slice(1, 1, 4, 2).str() ==
        "tensor([[ 1,  3],\n"
        "        [ 5,  7],\n"
        "        [ 9, 11]])");
  CHECK(arange(6).select(0, 4).str() == "tensor(4)");
}

TEST_CASE("print: undefined tensors and operator<<") {
  CHECK(Tensor().str() == "tensor(undefined)");
  std::ostringstream os;
  os << tensor({1, 2});
  CHECK(os.str() == "tensor([1, 2])");
}

TEST_CASE("print: printing never throws for any defined tensor") {
  NoGradGuard guard;
  TensorList all = {zeros({}),
                    empty({0, 0, 2}),
                    randn({7, 1, 5}).transpose(0, 2),
                    rand({3}).expand({1000, 3}),
                    randint(0, 2, {40, 40}, kBool),
                    full({3, 3}, kNan, kFloat64),
                    tensor({std::numeric_limits<double>::max(), -std::numeric_limits<double>::denorm_min()}, kFloat64),
                    tensor({std::numeric_limits<std::int64_t>::min()}),
                    zeros({1, 1, 1, 1, 1, 1, 1, 2})};
  for (const auto& t : all) {
    std::string s;
    CHECK_NOTHROW(s = t.str());
    CHECK(s.rfind("tensor(", 0) == 0);
    CHECK(s.back() == ')');
  }
  CHECK(tensor({std::numeric_limits<double>::max()}, kFloat64).str() == "tensor([1.7977e+308], dtype=float64)");
  CHECK(zeros({1, 1, 1, 1, 1, 1, 1, 2}).str() == "tensor([[[[[[[[0., 0.]]]]]]]])");
  // wrapped bool memory holding a byte other than 0 or 1 still prints True
  unsigned char bytes[2] = {2, 0};
  CHECK(from_blob(bytes, {2}, kBool).str() == "tensor([ True, False])");
}
