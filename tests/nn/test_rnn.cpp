// RNN, LSTM, GRU and their cells: PyTorch's parameter names and shapes, forward values against
// PyTorch 1.13, gradients against finite differences, dropout between layers, state dicts, errors.
//
// Reference numbers: tests/reference/nn_sequence.py (/usr/bin/python3 with torch 1.13). The weights
// and inputs are formulas repeated in sequence_helpers.hpp; every computation is in float64.
#include <catch2/catch.hpp>

#include <sstream>
#include <xgrad/nn/rnn.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/sequence_helpers.hpp"
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;
using testing::check_values;
using testing::set_params;
using testing::wave;
using NameShapes = std::vector<std::pair<std::string, Shape>>;

namespace {
// x = wave((3,2,3), 0.9, 0.2) is [seq 3, batch 2, feature 3]; the batch-first input has the same values
// read as [batch 2, seq 3, feature 3] (as in the script).
Tensor x_seq() { return wave({3, 2, 3}, 0.9, 0.2); }
Tensor x_batch_first() { return wave({2, 3, 3}, 0.9, 0.2); }
Tensor h0_2x2() { return wave({4, 2, 2}, 0.37, 1.0, 0.5); }
Tensor c0_2x2() { return wave({4, 2, 2}, 0.23, -0.5, 0.5); }
}  // namespace

// ---- structure ------------------------------------------------------------------------------------

TEST_CASE("rnn: parameter names and shapes of stacked bidirectional layers are PyTorch's") {
  CHECK(testing::names_and_shapes(*nn::RNN(3, 2, {.num_layers = 2, .bidirectional = true})) ==
        NameShapes{{"weight_ih_l0", {2, 3}},
                   {"weight_hh_l0", {2, 2}},
                   {"bias_ih_l0", {2}},
                   {"bias_hh_l0", {2}},
                   {"weight_ih_l0_reverse", {2, 3}},
                   {"weight_hh_l0_reverse", {2, 2}},
                   {"bias_ih_l0_reverse", {2}},
                   {"bias_hh_l0_reverse", {2}},
                   {"weight_ih_l1", {2, 4}},
                   {"weight_hh_l1", {2, 2}},
                   {"bias_ih_l1", {2}},
                   {"bias_hh_l1", {2}},
                   {"weight_ih_l1_reverse", {2, 4}},
                   {"weight_hh_l1_reverse", {2, 2}},
                   {"bias_ih_l1_reverse", {2}},
                   {"bias_hh_l1_reverse", {2}}});
  CHECK(testing::names_and_shapes(*nn::LSTM(3, 2, {.num_layers = 2, .bidirectional = true})) ==
        NameShapes{{"weight_ih_l0", {8, 3}},
                   {"weight_hh_l0", {8, 2}},
                   {"bias_ih_l0", {8}},
                   {"bias_hh_l0", {8}},
                   {"weight_ih_l0_reverse", {8, 3}},
                   {"weight_hh_l0_reverse", {8, 2}},
                   {"bias_ih_l0_reverse", {8}},
                   {"bias_hh_l0_reverse", {8}},
                   {"weight_ih_l1", {8, 4}},
                   {"weight_hh_l1", {8, 2}},
                   {"bias_ih_l1", {8}},
                   {"bias_hh_l1", {8}},
                   {"weight_ih_l1_reverse", {8, 4}},
                   {"weight_hh_l1_reverse", {8, 2}},
                   {"bias_ih_l1_reverse", {8}},
                   {"bias_hh_l1_reverse", {8}}});
  CHECK(testing::names_and_shapes(*nn::LSTM(3, 3, {.num_layers = 2, .bidirectional = true, .proj_size = 2})) ==
        NameShapes{{"weight_ih_l0", {12, 3}},
                   {"weight_hh_l0", {12, 2}},
                   {"bias_ih_l0", {12}},
                   {"bias_hh_l0", {12}},
                   {"weight_hr_l0", {2, 3}},
                   {"weight_ih_l0_reverse", {12, 3}},
                   {"weight_hh_l0_reverse", {12, 2}},
                   {"bias_ih_l0_reverse", {12}},
                   {"bias_hh_l0_reverse", {12}},
                   {"weight_hr_l0_reverse", {2, 3}},
                   {"weight_ih_l1", {12, 4}},
                   {"weight_hh_l1", {12, 2}},
                   {"bias_ih_l1", {12}},
                   {"bias_hh_l1", {12}},
                   {"weight_hr_l1", {2, 3}},
                   {"weight_ih_l1_reverse", {12, 4}},
                   {"weight_hh_l1_reverse", {12, 2}},
                   {"bias_ih_l1_reverse", {12}},
                   {"bias_hh_l1_reverse", {12}},
                   {"weight_hr_l1_reverse", {2, 3}}});
  CHECK(testing::names_and_shapes(*nn::GRU(3, 2, {.num_layers = 2, .bias = false, .bidirectional = true})) ==
        NameShapes{{"weight_ih_l0", {6, 3}},
                   {"weight_hh_l0", {6, 2}},
                   {"weight_ih_l0_reverse", {6, 3}},
                   {"weight_hh_l0_reverse", {6, 2}},
                   {"weight_ih_l1", {6, 4}},
                   {"weight_hh_l1", {6, 2}},
                   {"weight_ih_l1_reverse", {6, 4}},
                   {"weight_hh_l1_reverse", {6, 2}}});
  CHECK(testing::names_and_shapes(*nn::RNNCell(3, 2)) ==
        NameShapes{{"weight_ih", {2, 3}}, {"weight_hh", {2, 2}}, {"bias_ih", {2}}, {"bias_hh", {2}}});
  CHECK(testing::names_and_shapes(*nn::LSTMCell(3, 2)) ==
        NameShapes{{"weight_ih", {8, 3}}, {"weight_hh", {8, 2}}, {"bias_ih", {8}}, {"bias_hh", {8}}});
  CHECK(testing::names_and_shapes(*nn::GRUCell(3, 2, {.bias = false})) ==
        NameShapes{{"weight_ih", {6, 3}}, {"weight_hh", {6, 2}}});
}

TEST_CASE("rnn: layers print as PyTorch prints them") {
  CHECK(repr(*nn::RNN(3, 2, {.num_layers = 2, .bidirectional = true})) ==
        "RNN(3, 2, num_layers=2, bidirectional=true)");
  CHECK(repr(*nn::LSTM(3, 3, {.num_layers = 2, .bidirectional = true, .proj_size = 2})) ==
        "LSTM(3, 3, proj_size=2, num_layers=2, bidirectional=true)");
  CHECK(repr(*nn::GRU(3, 2, {.num_layers = 2, .bias = false, .batch_first = true, .dropout = 0.5})) ==
        "GRU(3, 2, num_layers=2, bias=false, batch_first=true, dropout=0.5)");
  CHECK(repr(*nn::RNNCell(3, 2, {.nonlinearity = "relu"})) == "RNNCell(3, 2, nonlinearity=relu)");
  CHECK(repr(*nn::GRUCell(3, 2, {.bias = false})) == "GRUCell(3, 2, bias=false)");
  CHECK(repr(*nn::LSTMCell(3, 2)) == "LSTMCell(3, 2)");
}

TEST_CASE("rnn: weights are initialized uniformly within one over the square root of hidden_size") {
  manual_seed(3);
  nn::LSTM lstm(5, 16, {.num_layers = 2});
  const double bound = 1.0 / std::sqrt(16.0);
  double lo = 1, hi = -1;
  for (const auto& p : lstm->parameters()) {
    lo = std::min(lo, p.min().item<double>());
    hi = std::max(hi, p.max().item<double>());
  }
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  // About 2 · 1600 draws: the extremes come within 1% of the bounds with overwhelming probability.
  CHECK(lo < -0.99 * bound);
  CHECK(hi > 0.99 * bound);
  CHECK(lstm->all_weights().size() == 8);
  CHECK(lstm->all_weights()[0].is_same(lstm->named_parameters()["weight_ih_l0"]));
}

// ---- forward values against PyTorch 1.13 ------------------------------------------------------------

TEST_CASE("rnn: two bidirectional tanh layers with an initial state match PyTorch") {
  const std::vector<double> rnn_out{-0.0223144944960653, 0.129396803830209,   0.278931669331584,  -0.636392693585221,
                                    0.774541518748737,   -0.212183830394541,  -0.44571297131727,  0.13699440138109,
                                    0.136705437241889,   -0.0503293454322677, 0.179247352728078,  -0.434929473977948,
                                    0.625341325539798,   0.204878316956451,   -0.286349586536225, -0.0612564340179931,
                                    0.179746471279613,   -0.201836895176364,  -0.022182640779925, -0.112944395464927,
                                    0.661616992831438,   0.145628740990913,   -0.464960175971141, -0.360346941638016};
  const std::vector<double> rnn_hn{0.928579735668378,  -0.0950497490062977, 0.619028164398442,  -0.232700923412112,
                                   -0.691316302208211, 0.326357167942219,   -0.290435083995515, -0.865409008467901,
                                   0.179746471279613,  -0.201836895176364,  0.661616992831438,  0.145628740990913,
                                   0.278931669331584,  -0.636392693585221,  -0.44571297131727,  0.13699440138109};
  nn::RNN rnn(3, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*rnn);
  auto [out, h_n] = rnn->forward(x_seq(), h0_2x2());
  check_values(out, rnn_out, {3, 2, 4});
  check_values(h_n, rnn_hn, {4, 2, 2});
}

TEST_CASE("rnn: a batch-first relu layer without initial state matches PyTorch") {
  const std::vector<double> rnn_relu_out{1.08648908782517, 0, 0.8518516502901,   0.547911479608749,
                                         2.05863319475026, 0, 0.234333523639574, 0.439411663673688,
                                         1.7721199469285,  0, 1.13066980800555,  0};
  const std::vector<double> rnn_relu_hn{2.05863319475026, 0, 1.13066980800555, 0};
  nn::RNN rnn(3, 2, {.nonlinearity = "relu", .batch_first = true});
  set_params(*rnn);
  auto [out, h_n] = rnn->forward(x_batch_first(), {});
  check_values(out, rnn_relu_out, {2, 3, 2});
  check_values(h_n, rnn_relu_hn, {1, 2, 2});
  // The single-tensor call (through Module::operator()) returns the same output.
  check_values(rnn(x_batch_first()), rnn_relu_out, {2, 3, 2});
}

TEST_CASE("rnn: two bidirectional LSTM layers with h0 and c0 match PyTorch") {
  const std::vector<double> lstm_out{0.234373969094662,  0.114212339670888, -0.0527137226369396, -0.424869342577962,
                                     0.078489565075172,  0.104609351294044, -0.0519342973728566, -0.364083548695739,
                                     0.118488997003377,  0.16464919021042,  -0.0297090649460051, -0.380576170120533,
                                     0.114156018231426,  0.151525783476429, -0.0494317964701975, -0.356511387726264,
                                     0.0407938490777306, 0.199313755270557, -0.0259978806625983, -0.311510135267194,
                                     0.0940167512554153, 0.176371094748999, -0.0588185080500003, -0.34556886036427};
  const std::vector<double> lstm_hn{0.015632197911016,   0.0998254356011094, 0.189266419397572,   0.187885653791139,
                                    -0.0289800249277762, -0.428099023518441, -0.163548723301282,  -0.0698487004196067,
                                    0.0407938490777306,  0.199313755270557,  0.0940167512554153,  0.176371094748999,
                                    -0.0527137226369396, -0.424869342577962, -0.0519342973728566, -0.364083548695739};
  const std::vector<double> lstm_cn{0.0315415862607506,  0.622676195462954,  0.772398287726108,  0.423313210828149,
                                    -0.0477665479366353, -0.892629556408505, -0.608182842826747, -0.0895876885534196,
                                    0.0679230369350734,  0.705450458717223,  0.167846003549653,  0.66938582925609,
                                    -0.159268149942152,  -0.703097624588533, -0.14560907829249,  -0.607331816166179};
  nn::LSTM lstm(3, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*lstm);
  auto [out, state] = lstm->forward(x_seq(), {h0_2x2(), c0_2x2()});
  check_values(out, lstm_out, {3, 2, 4});
  check_values(std::get<0>(state), lstm_hn, {4, 2, 2});
  check_values(std::get<1>(state), lstm_cn, {4, 2, 2});
}

TEST_CASE("rnn: a batch-first LSTM starting from zeros matches PyTorch") {
  const std::vector<double> lstm_bf_out{0.0996651315911027, 0.116071085204157,  0.288446197324911, 0.0675215631448946,
                                        0.0434367574383105, 0.108276012581397,  0.207263343018189, 0.0709886226088752,
                                        0.0189305603311276, 0.0784881052302571, 0.14984107115056,  0.188582037727335};
  const std::vector<double> lstm_bf_hn{0.0434367574383105, 0.108276012581397, 0.14984107115056, 0.188582037727335};
  const std::vector<double> lstm_bf_cn{0.131540518285598, 0.428182132431496, 0.524186416249149, 0.435493160507236};
  nn::LSTM lstm(3, 2, {.batch_first = true});
  set_params(*lstm);
  auto [out, state] = lstm->forward(x_batch_first(), {});
  check_values(out, lstm_bf_out, {2, 3, 2});
  check_values(std::get<0>(state), lstm_bf_hn, {1, 2, 2});
  check_values(std::get<1>(state), lstm_bf_cn, {1, 2, 2});
  check_values(lstm(x_batch_first()), lstm_bf_out, {2, 3, 2});
}

TEST_CASE("rnn: an LSTM with projections in two bidirectional batch-first layers matches PyTorch") {
  const std::vector<double> lstm_proj_out{0.118769536830412, -0.171692892540152, 0.205042137787614, -0.280105849352511,
                                          0.189437025974617, -0.259586184620844, 0.188297437034387, -0.245596009679653,
                                          0.238033040807888, -0.313721596812718, 0.144406886011283, -0.168005294937506,
                                          0.118725505247367, -0.172040546106601, 0.204850887390189, -0.27993793443353,
                                          0.188298255170135, -0.255944492906034, 0.188238092755658, -0.244041157404134,
                                          0.240711719958051, -0.318616749031017, 0.148860082913045, -0.173287484995243};
  const std::vector<double> lstm_proj_hn{
      0.164605172899102,  -0.255214798781629, 0.165264803989014,  -0.250311452902101,
      0.0383030181503785, -0.112610251543171, 0.0816504523947749, -0.0488012669703165,
      0.238033040807888,  -0.313721596812718, 0.240711719958051,  -0.318616749031017,
      0.205042137787614,  -0.280105849352511, 0.204850887390189,  -0.27993793443353};
  const std::vector<double> lstm_proj_cn{
      -0.407750017918418, -0.624826599076286, -0.0156535175837017, -0.381757011046438, -0.549259584522553,
      -0.30344354116718,  0.239758485511445,  0.57992829899151,    -0.182820586279324, 0.356983885949664,
      0.29185145606792,   0.177193797745532,  -0.79502274796978,   -0.50687673167843,  0.200296690771007,
      -0.804893679868438, -0.507252246050869, 0.20435701242598,    0.4726736733489,    0.449027463646857,
      -0.641388935654228, 0.472897361345264,  0.448321300342859,   -0.640545367383528};
  nn::LSTM lstm(3, 3, {.num_layers = 2, .batch_first = true, .bidirectional = true, .proj_size = 2});
  set_params(*lstm);
  auto [out, state] = lstm->forward(x_batch_first(), {});
  check_values(out, lstm_proj_out, {2, 3, 4});
  check_values(std::get<0>(state), lstm_proj_hn, {4, 2, 2});
  check_values(std::get<1>(state), lstm_proj_cn, {4, 2, 3});
}

TEST_CASE("rnn: an LSTM on an unbatched sequence matches PyTorch") {
  const std::vector<double> lstm_unbatched_out{0.117625922915502,  0.170286787653063,  0.29673582259781,
                                               0.0856305520713308, 0.0453352109955133, 0.115753173945479};
  const std::vector<double> lstm_unbatched_hn{0.0453352109955133, 0.115753173945479};
  const std::vector<double> lstm_unbatched_cn{0.138379701995714, 0.458259274124018};
  nn::LSTM lstm(3, 2);
  set_params(*lstm);
  auto [out, state] =
      lstm->forward(wave({3, 3}, 0.9, 0.2), {wave({1, 2}, 0.37, 1.0, 0.5), wave({1, 2}, 0.23, -0.5, 0.5)});
  check_values(out, lstm_unbatched_out, {3, 2});
  check_values(std::get<0>(state), lstm_unbatched_hn, {1, 2});
  check_values(std::get<1>(state), lstm_unbatched_cn, {1, 2});
}

TEST_CASE("rnn: two bidirectional GRU layers with an initial state match PyTorch") {
  const std::vector<double> gru_out{0.414821779245744, 0.584024972562553, -0.109069686325028,  -0.39844779697679,
                                    0.301601694718515, 0.436285866797503, -0.109422408210374,  -0.268475735432973,
                                    0.246195456920075, 0.815610892344821, 0.0451004798546978,  -0.238532511418067,
                                    0.45720034967099,  0.616159026214966, -0.0119529855617403, -0.273292023520828,
                                    0.193535012288946, 0.877564643837633, 0.182912570205528,   0.00539962834495034,
                                    0.505133372155359, 0.750379789338504, 0.223512148651764,   -0.121151970818126};
  const std::vector<double> gru_hn{-0.0461152231875741, 0.750973341831037,  0.661064955772161,  0.549479633714371,
                                   -0.142385375376767,  -0.688845695767097, -0.615288461992191, -0.173083038376979,
                                   0.193535012288946,   0.877564643837633,  0.505133372155359,  0.750379789338504,
                                   -0.109069686325028,  -0.39844779697679,  -0.109422408210374, -0.268475735432973};
  nn::GRU gru(3, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*gru);
  auto [out, h_n] = gru->forward(x_seq(), h0_2x2());
  check_values(out, gru_out, {3, 2, 4});
  check_values(h_n, gru_hn, {4, 2, 2});
}

TEST_CASE("rnn: a batch-first GRU without biases matches PyTorch") {
  const std::vector<double> gru_bf_out{-0.0343283378821557, 0.315450740825064,    0.207293184588239,
                                       -0.112848809734932,  -0.136755431880757,   0.186804564625675,
                                       0.289917824071259,   -0.284267401811728,   -0.273177498879869,
                                       -0.117289704562974,  -0.00317742389604619, -0.0583897647175975};
  const std::vector<double> gru_bf_hn{-0.136755431880757, 0.186804564625675, -0.00317742389604619, -0.0583897647175975};
  nn::GRU gru(3, 2, {.bias = false, .batch_first = true});
  set_params(*gru);
  auto [out, h_n] = gru->forward(x_batch_first(), {});
  check_values(out, gru_bf_out, {2, 3, 2});
  check_values(h_n, gru_bf_hn, {1, 2, 2});
}

TEST_CASE("rnn: the cells match PyTorch for one step") {
  const std::vector<double> rnn_cell_h{0.841540134642237, -0.614868531966386, 0.310543960900611, 0.678238255537268};
  const std::vector<double> rnn_relu_cell_h{1.08648908782517, 0, 0.462151867866473, 0.686732789030234};
  const std::vector<double> lstm_cell_h{0.117625922915502, 0.170286787653063, 0.31459728715571, 0.0491753136492435};
  const std::vector<double> lstm_cell_c{0.500617228275627, 0.447079503773981, 0.545854316742477, 0.229109015139967};
  const std::vector<double> gru_cell_h{0.301174064626235, 0.617097284906027, 0.566882240524252, -0.127714554496103};
  const Tensor x = wave({2, 3}, 0.9, 0.2), h = wave({2, 2}, 0.37, 1.0, 0.5), c = wave({2, 2}, 0.23, -0.5, 0.5);
  nn::RNNCell rnn(3, 2);
  set_params(*rnn);
  check_values(rnn->forward(x, h), rnn_cell_h, {2, 2});
  nn::RNNCell relu(3, 2, {.nonlinearity = "relu"});
  set_params(*relu);
  check_values(relu(x), rnn_relu_cell_h, {2, 2});
  nn::LSTMCell lstm(3, 2);
  set_params(*lstm);
  auto [h1, c1] = lstm->forward(x, {h, c});
  check_values(h1, lstm_cell_h, {2, 2});
  check_values(c1, lstm_cell_c, {2, 2});
  nn::GRUCell gru(3, 2);
  set_params(*gru);
  check_values(gru->forward(x, h), gru_cell_h, {2, 2});
  // Unbatched: one step of a single sequence gives the first row.
  check_values(gru->forward(x[0], h[0]), {gru_cell_h[0], gru_cell_h[1]}, {2});
}

TEST_CASE("rnn: a cell run over the steps reproduces the one-layer module") {
  nn::LSTM lstm(3, 2);
  nn::LSTMCell cell(3, 2);
  set_params(*lstm);
  set_params(*cell);  // the same four tensors in the same order
  const Tensor x = x_seq();
  auto [out, state] = lstm->forward(x, {});
  Tensor h, c;
  for (std::int64_t t = 0; t < 3; ++t) std::tie(h, c) = cell->forward(x[t], {h, c});
  CHECK(allclose(h, std::get<0>(state)[0], 1e-12, 1e-14));
  CHECK(allclose(c, std::get<1>(state)[0], 1e-12, 1e-14));
  CHECK(allclose(h, out[2], 1e-12, 1e-14));
}

TEST_CASE("rnn: an empty batch gives empty results of the right shapes") {
  nn::LSTM lstm(3, 2, {.num_layers = 2, .bidirectional = true});
  auto [out, state] = lstm->forward(zeros({4, 0, 3}), {});
  CHECK(out.sizes() == Shape{4, 0, 4});
  CHECK(std::get<0>(state).sizes() == Shape{4, 0, 2});
  CHECK(std::get<1>(state).sizes() == Shape{4, 0, 2});
  nn::GRU gru(3, 2, {.batch_first = true});
  CHECK(gru(zeros({0, 5, 3})).sizes() == Shape{0, 5, 2});
  nn::RNNCell cell(3, 2);
  CHECK(cell(zeros({0, 3})).sizes() == Shape{0, 2});
}

// ---- gradients ------------------------------------------------------------------------------------

namespace {
/// All results of a stacked layer flattened into one tensor, so one gradcheck covers them all.
Tensor flat(const TensorList& parts) {
  TensorList f;
  for (const auto& p : parts) f.push_back(p.reshape({-1}));
  return cat(f, 0);
}

TensorList with_grad(TensorList ts) {
  for (auto& t : ts) t = t.detach().clone().requires_grad_();
  return ts;
}
}  // namespace

TEST_CASE("rnn: gradients of two bidirectional tanh layers match finite differences") {
  nn::RNN rnn(2, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*rnn);
  TensorList in = with_grad({wave({3, 2, 2}, 0.9, 0.2), wave({4, 2, 2}, 0.37, 1.0, 0.5)});
  for (const auto& p : rnn->all_weights()) in.push_back(p.detach().clone().requires_grad_());
  auto f = [](const TensorList& t) {
    const std::vector<Tensor> params(t.begin() + 2, t.end());
    auto [out, h_n] = nn::functional::rnn_tanh(t[0], t[1], params, true, 2, 0.0, false, true, false);
    return flat({out, h_n});
  };
  CHECK(autograd::gradcheck(f, in));
}

TEST_CASE("rnn: gradients of two bidirectional LSTM layers match finite differences") {
  nn::LSTM lstm(2, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*lstm);
  // Batch first: x is [batch 2, seq 3, feature 2].
  TensorList in = with_grad({wave({2, 3, 2}, 0.9, 0.2), wave({4, 2, 2}, 0.37, 1.0, 0.5), wave({4, 2, 2}, 0.23, -0.5)});
  for (const auto& p : lstm->all_weights()) in.push_back(p.detach().clone().requires_grad_());
  auto f = [](const TensorList& t) {
    const std::vector<Tensor> params(t.begin() + 3, t.end());
    auto [out, h_n, c_n] = nn::functional::lstm(t[0], {t[1], t[2]}, params, true, 2, 0.0, false, true, true);
    return flat({out, h_n, c_n});
  };
  CHECK(autograd::gradcheck(f, in));
}

TEST_CASE("rnn: gradients of an LSTM with projections match finite differences") {
  nn::LSTM lstm(2, 3, {.proj_size = 2});
  set_params(*lstm);
  TensorList in = with_grad({wave({3, 2, 2}, 0.9, 0.2)});
  for (const auto& p : lstm->all_weights()) in.push_back(p.detach().clone().requires_grad_());
  auto f = [](const TensorList& t) {
    const std::vector<Tensor> params(t.begin() + 1, t.end());
    auto [out, h_n, c_n] = nn::functional::lstm(t[0], {}, params, true, 1, 0.0, false, false, false);
    return flat({out, h_n, c_n});
  };
  CHECK(autograd::gradcheck(f, in));
}

TEST_CASE("rnn: gradients of two bidirectional GRU layers match finite differences") {
  nn::GRU gru(2, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*gru);
  TensorList in = with_grad({wave({3, 2, 2}, 0.9, 0.2), wave({4, 2, 2}, 0.37, 1.0, 0.5)});
  for (const auto& p : gru->all_weights()) in.push_back(p.detach().clone().requires_grad_());
  auto f = [](const TensorList& t) {
    const std::vector<Tensor> params(t.begin() + 2, t.end());
    auto [out, h_n] = nn::functional::gru(t[0], t[1], params, true, 2, 0.0, false, true, false);
    return flat({out, h_n});
  };
  CHECK(autograd::gradcheck(f, in));
}

TEST_CASE("rnn: gradients and second derivatives of the cells match finite differences") {
  const TensorList base = {wave({2, 3}, 0.9, 0.2), wave({2, 2}, 0.37, 1.0, 0.5), wave({2, 2}, 0.23, -0.5, 0.5)};
  SECTION("RNNCell") {
    nn::RNNCell cell(3, 2);
    set_params(*cell);
    TensorList in = with_grad({base[0], base[1], cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh});
    auto f = [](const TensorList& t) { return nn::functional::rnn_tanh_cell(t[0], t[1], t[2], t[3], t[4], t[5]); };
    CHECK(autograd::gradcheck(f, in));
    CHECK(autograd::gradgradcheck(f, in));
  }
  SECTION("LSTMCell") {
    nn::LSTMCell cell(3, 2);
    set_params(*cell);
    TensorList in =
        with_grad({base[0], base[1], base[2], cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh});
    auto f = [](const TensorList& t) {
      auto [h, c] = nn::functional::lstm_cell(t[0], {t[1], t[2]}, t[3], t[4], t[5], t[6]);
      return flat({h, c});
    };
    CHECK(autograd::gradcheck(f, in));
    CHECK(autograd::gradgradcheck(f, in));
  }
  SECTION("GRUCell") {
    nn::GRUCell cell(3, 2);
    set_params(*cell);
    TensorList in = with_grad({base[0], base[1], cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh});
    auto f = [](const TensorList& t) { return nn::functional::gru_cell(t[0], t[1], t[2], t[3], t[4], t[5]); };
    CHECK(autograd::gradcheck(f, in));
    CHECK(autograd::gradgradcheck(f, in));
  }
}

TEST_CASE("rnn: backward through the module reaches every parameter and the input") {
  nn::GRU gru(3, 2, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  auto x = randn({2, 4, 3}).requires_grad_();
  auto [out, h_n] = gru->forward(x, {});
  (out.sum() + h_n.sum()).backward();
  CHECK(x.grad().sizes() == x.sizes());
  for (const auto& item : gru->named_parameters()) {
    INFO(item.first);
    REQUIRE(item.second.grad().defined());
    CHECK(item.second.grad().abs().sum().item<double>() > 0.0);
  }
}

// ---- dropout between layers ----------------------------------------------------------------------

TEST_CASE("rnn: dropout between layers is inactive in eval mode") {
  nn::LSTM with(3, 2, {.num_layers = 2, .dropout = 0.5});
  nn::LSTM without(3, 2, {.num_layers = 2});
  set_params(*with);
  set_params(*without);
  with->eval();
  CHECK(equal(with(x_seq()), without(x_seq())));
  // In training the first layer's output is masked, so the result changes.
  with->train();
  manual_seed(1);
  CHECK_FALSE(allclose(with(x_seq()), without(x_seq())));
  // A single layer has no layer after it to drop into: training changes nothing.
  nn::GRU one(3, 2, {.dropout = 0.5});
  set_params(*one);
  auto train_out = one(x_seq());
  one->eval();
  CHECK(equal(train_out, one(x_seq())));
}

TEST_CASE("rnn: dropout of one in training feeds zeros to the second layer") {
  // With p = 1 every first-layer output is dropped, so layer 2 runs on a zero input:
  // h_t = tanh(b_ih + b_hh + W_hh h_{t-1}), which a one-layer RNN with layer 2's weights reproduces.
  nn::RNN two(3, 2, {.num_layers = 2, .dropout = 1.0});
  set_params(*two);
  auto [out, h_n] = two->forward(x_seq(), {});
  nn::RNN second(3, 2);
  second->to(kFloat64);
  {
    NoGradGuard ng;
    second->named_parameters()["weight_ih_l0"].zero_();  // any values: the input is zero
    second->named_parameters()["weight_hh_l0"].copy_(two->named_parameters()["weight_hh_l1"]);
    second->named_parameters()["bias_ih_l0"].copy_(two->named_parameters()["bias_ih_l1"]);
    second->named_parameters()["bias_hh_l0"].copy_(two->named_parameters()["bias_hh_l1"]);
  }
  CHECK(allclose(out, second(zeros({3, 2, 3}, kFloat64)), 1e-12, 1e-14));
}

TEST_CASE("rnn: dropout keeps the expected activation in training") {
  // Through the functional form: layer 2 has identity-like weights so its output mean follows
  // the mean of the dropped-out first layer (inverted dropout keeps it unbiased).
  manual_seed(7);
  const std::int64_t n = 4000;
  nn::RNN rnn(1, 1, {.num_layers = 2, .nonlinearity = "relu", .dropout = 0.3});
  rnn->to(kFloat64);
  {
    NoGradGuard ng;
    for (auto& p : rnn->parameters()) p.zero_();
    rnn->named_parameters()["weight_ih_l0"].fill_(1.0);
    rnn->named_parameters()["weight_ih_l1"].fill_(1.0);
  }
  auto out = rnn(ones({1, n, 1}, kFloat64));  // relu(1) = 1, dropped to 0 or 1 / 0.7
  const double mean = out.mean().item<double>();
  const double kept = (out > 0.0).to(kFloat64).mean().item<double>();
  // Bernoulli(0.7) over 4000 draws: standard deviation √(0.21 / 4000) ≈ 0.0072; allow 5 sigma.
  CHECK(kept == Approx(0.7).margin(0.037));
  CHECK(mean == Approx(1.0).margin(0.052));
  CHECK(out.max().item<double>() == Approx(1.0 / 0.7));
}

// ---- state dicts and copies -----------------------------------------------------------------------

TEST_CASE("rnn: a state dict with PyTorch's names loads and reproduces the outputs") {
  nn::GRU a(3, 2, {.num_layers = 2, .bidirectional = true});
  set_params(*a);
  nn::StateDict sd;
  int k = 0;
  for (const auto& item : a->named_parameters()) sd.insert(item.first, testing::param_values(item.second.sizes(), k++));
  nn::GRU b(3, 2, {.num_layers = 2, .bidirectional = true});
  b->to(kFloat64);
  b->load_state_dict(sd);
  CHECK(equal(a(x_seq()), b(x_seq())));
}

TEST_CASE("rnn: clone gives an independent copy that computes the same outputs") {
  nn::LSTM lstm(3, 2, {.num_layers = 2});
  set_params(*lstm);
  auto copy = std::dynamic_pointer_cast<nn::LSTMImpl>(lstm->clone());
  REQUIRE(copy);
  CHECK(equal(lstm(x_seq()), copy->forward(x_seq())));
  {
    NoGradGuard ng;
    copy->named_parameters()["weight_hh_l1"].mul_(2.0);
  }
  CHECK_FALSE(allclose(lstm(x_seq()), copy->forward(x_seq())));
  CHECK(copy->all_weights()[5].is_same(copy->named_parameters()["weight_hh_l1"]));
}

// ---- errors ---------------------------------------------------------------------------------------

TEST_CASE("rnn: bad hyper-parameters are ValueErrors naming the layer") {
  CHECK_THROWS_AS(nn::RNN(3, 2, {.num_layers = 0}), ValueError);
  CHECK_THROWS_WITH(nn::LSTM(3, 2, {.dropout = 1.5}), Contains("LSTM") && Contains("dropout") && Contains("1.5"));
  CHECK_THROWS_AS(nn::GRU(3, 2, {.dropout = -0.1}), ValueError);
  CHECK_THROWS_WITH(nn::RNN(3, 2, {.nonlinearity = "sigmoid"}), Contains("RNN") && Contains("sigmoid"));
  CHECK_THROWS_AS(nn::RNN(0, 2), ValueError);
  CHECK_THROWS_AS(nn::GRU(3, 0), ValueError);
  CHECK_THROWS_WITH(nn::LSTM(3, 2, {.proj_size = 2}), Contains("proj_size"));
  CHECK_THROWS_AS(nn::RNNCell(3, 2, {.nonlinearity = "gelu"}), ValueError);
  CHECK_THROWS_AS(nn::LSTMCell(3, 0), ValueError);
}

TEST_CASE("rnn: inputs of the wrong rank or feature size are ShapeErrors naming the layer and the shapes") {
  nn::LSTM lstm(3, 2);
  CHECK_THROWS_WITH(lstm(zeros({2, 3, 4, 3})), Contains("LSTM") && Contains("[2, 3, 4, 3]"));
  CHECK_THROWS_AS(lstm(zeros({3})), ShapeError);
  CHECK_THROWS_WITH(lstm(zeros({5, 2, 4})), Contains("LSTM") && Contains("input_size") && Contains("Expected 3") &&
                                                Contains("got 4") && Contains("[5, 2, 4]"));
  nn::GRUCell cell(3, 2);
  CHECK_THROWS_WITH(cell(zeros({2, 5})), Contains("GRUCell") && Contains("[2, 5]"));
  CHECK_THROWS_AS(cell(zeros({1, 2, 3})), ShapeError);
  CHECK_THROWS_AS(lstm(zeros({0, 2, 3})), ValueError);
}

TEST_CASE("rnn: initial states of the wrong shape are ShapeErrors") {
  nn::GRU gru(3, 2, {.num_layers = 2});
  CHECK_THROWS_WITH(gru->forward(zeros({5, 4, 3}), zeros({1, 4, 2})),
                    Contains("GRU") && Contains("h_0") && Contains("[2, 4, 2]") && Contains("[1, 4, 2]"));
  CHECK_THROWS_AS(gru->forward(zeros({5, 4, 3}), zeros({2, 2})), ShapeError);
  CHECK_THROWS_AS(gru->forward(zeros({5, 3}), zeros({2, 1, 2})), ShapeError);  // unbatched input, 3-D state
  nn::LSTM lstm(3, 2, {.bidirectional = true});
  CHECK_THROWS_WITH(lstm->forward(zeros({5, 4, 3}), {zeros({2, 4, 2}), zeros({1, 4, 2})}),
                    Contains("c_0") && Contains("[1, 4, 2]"));
  CHECK_THROWS_AS(lstm->forward(zeros({5, 4, 3}), {zeros({2, 4, 2}), Tensor()}), ValueError);
  nn::RNNCell cell(3, 2);
  CHECK_THROWS_WITH(cell->forward(zeros({4, 3}), zeros({3, 2})), Contains("RNNCell") && Contains("[4, 2]"));
}

TEST_CASE("rnn: inputs of another dtype are DtypeErrors") {
  nn::RNN rnn(3, 2);
  CHECK_THROWS_WITH(rnn(zeros({5, 2, 3}, kFloat64)), Contains("RNN") && Contains("float64") && Contains("float32"));
  CHECK_THROWS_AS(rnn(zeros({5, 2, 3}, kInt64)), DtypeError);
  rnn->to(kFloat64);
  CHECK(rnn(zeros({5, 2, 3}, kFloat64)).dtype() == kFloat64);
  CHECK_THROWS_AS(rnn->forward(zeros({5, 2, 3}, kFloat64), zeros({1, 2, 2})), DtypeError);
}

TEST_CASE("rnn: the functional forms check the number and shapes of their weights") {
  nn::LSTM lstm(3, 2, {.num_layers = 2});
  auto params = lstm->all_weights();
  CHECK_THROWS_WITH(
      nn::functional::lstm(zeros({4, 1, 3}), {}, {params.begin(), params.end() - 1}, true, 2, 0.0, false, false, false),
      Contains("lstm") && Contains("parameter tensors"));
  params[4] = zeros({8, 3});  // layer 1's w_ih must read layer 0's 2 outputs
  CHECK_THROWS_WITH(nn::functional::lstm(zeros({4, 1, 3}), {}, params, true, 2, 0.0, false, false, false),
                    Contains("w_ih") && Contains("layer 1") && Contains("[8, 2]"));
  CHECK_THROWS_AS(nn::functional::gru_cell(zeros({1, 3}), {}, zeros({6, 3}), zeros({6, 2}), zeros({6})), ValueError);
}
