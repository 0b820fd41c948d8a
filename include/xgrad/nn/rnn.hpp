// xgrad — recurrent layers: RNN (tanh or ReLU), LSTM and GRU, stacked and bidirectional, their
// single-step cells, and the functional forms both are built on. Parameter names, shapes, gate
// order and initialization are PyTorch's, so a PyTorch state_dict loads unchanged.
//
//   xg::nn::LSTM lstm(28, 64, {.num_layers = 2, .batch_first = true});
//   auto [out, state] = lstm->forward(x, {});      // x: [batch, steps, 28] → out: [batch, steps, 64]
//   auto [h_n, c_n] = state;                       // [2, batch, 64] each
//   auto y = lstm(x);                              // output only, e.g. inside a Sequential
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

// ---- options (fields in PyTorch's argument order, with its defaults) ----------------------------

/// Options of xg::nn::RNN (torch.nn.RNN after input_size and hidden_size).
struct RNNOptions {
  std::int64_t num_layers = 1;        ///< stacked layers; layer l > 0 reads layer l-1's output
  std::string nonlinearity = "tanh";  ///< "tanh" or "relu"
  bool bias = true;                   ///< bias_ih and bias_hh per layer
  bool batch_first = false;           ///< input and output are [batch, seq, feature]
  double dropout = 0.0;               ///< dropout on each layer's output but the last, in training
  bool bidirectional = false;         ///< a second pass right to left, concatenated
};

/// Options of xg::nn::LSTM (torch.nn.LSTM after input_size and hidden_size).
struct LSTMOptions {
  /// stacked layers; layer l > 0 reads layer l-1's output
  std::int64_t num_layers = 1;
  /// learn an additive bias
  bool bias = true;
  /// input and output are [batch, seq, feature]
  bool batch_first = false;
  /// dropout on each layer's output but the last, in training
  double dropout = 0.0;
  /// a second pass right to left, concatenated
  bool bidirectional = false;
  /// If > 0, h is projected to this size by weight_hr (an LSTM with projections).
  std::int64_t proj_size = 0;
};

/// Options of xg::nn::GRU (torch.nn.GRU after input_size and hidden_size).
struct GRUOptions {
  /// stacked layers; layer l > 0 reads layer l-1's output
  std::int64_t num_layers = 1;
  /// learn an additive bias
  bool bias = true;
  /// input and output are [batch, seq, feature]
  bool batch_first = false;
  /// dropout on each layer's output but the last, in training
  double dropout = 0.0;
  /// a second pass right to left, concatenated
  bool bidirectional = false;
};

/// Options of RNNCell (PyTorch's arguments of the same names and defaults).
struct RNNCellOptions {
  /// learn an additive bias
  bool bias = true;
  std::string nonlinearity = "tanh";  ///< "tanh" or "relu"
};
/// Options of LSTMCell (PyTorch's arguments of the same names and defaults).
struct LSTMCellOptions {
  /// learn an additive bias
  bool bias = true;
};
/// Options of GRUCell (PyTorch's arguments of the same names and defaults).
struct GRUCellOptions {
  /// learn an additive bias
  bool bias = true;
};

/// An LSTM's state (h, c). Undefined tensors stand for zeros.
using LSTMState = std::tuple<Tensor, Tensor>;

// ---- layers -----------------------------------------------------------------------------------

/// An Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or ReLU), as torch.nn.RNN.
///
/// Input [seq, batch, input_size] ([batch, seq, input_size] with batch_first, or [seq, input_size]
/// unbatched); h_0 [num_layers · directions, batch, hidden_size]. Returns the last layer's h_t for
/// every t, [seq, batch, directions · hidden_size], and h_n, shaped like h_0.
///
///   xg::nn::RNN rnn(10, 20, {.num_layers = 2});
///   auto [output, h_n] = rnn->forward(xg::randn({5, 3, 10}), xg::zeros({2, 3, 20}));
struct RNNImpl : Cloneable<RNNImpl> {
  /// An RNN reading `input_size` features per step with a hidden state of `hidden_size`.
  RNNImpl(std::int64_t input_size, std::int64_t hidden_size, const RNNOptions& options = {});
  /// Parameters weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and `_reverse`), all
  /// U(-1/√hidden_size, 1/√hidden_size).
  void reset() override;
  /// (output, h_n). An undefined h_0 means zeros.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0);
  /// The output alone, so that the layer can sit in a Sequential.
  Tensor forward(const Tensor& input) override;
  /// "RNN(10, 20, num_layers=2)", as PyTorch prints it.
  void pretty_print(std::ostream& os) const override;
  /// The parameters in PyTorch's order (its `_flat_weights`), as the functional form takes them.
  const std::vector<Tensor>& all_weights() const { return flat_weights_; }

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  RNNOptions options;

 private:
  std::vector<Tensor> flat_weights_;
};
/// The handle to a RNNImpl (LibTorch's torch::nn::RNN); takes the options as a braced list.
class RNN : public ModuleHolder<RNNImpl> {
 public:
  using ModuleHolder<RNNImpl>::ModuleHolder;
  /// Makes an RNNImpl from these arguments.
  RNN(std::int64_t input_size, std::int64_t hidden_size, const RNNOptions& options = {})
      : ModuleHolder(std::make_shared<RNNImpl>(input_size, hidden_size, options)) {}
};

/// A long short-term memory layer, as torch.nn.LSTM. Gates are stacked i, f, g, o in the rows of
/// weight_ih / weight_hh ([4·hidden_size, ·]):
///   i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(…f…)   g = tanh(…g…)   o = σ(…o…)
///   c' = f ⊙ c + i ⊙ g                      h' = o ⊙ tanh(c')   (then h' = W_hr h' with proj_size)
///
///   xg::nn::LSTM lstm(10, 20, {.batch_first = true});
///   auto [output, state] = lstm->forward(xg::randn({3, 5, 10}), {h0, c0});   // or {} for zeros
struct LSTMImpl : Cloneable<LSTMImpl> {
  /// An LSTM reading `input_size` features per step with a hidden state of `hidden_size`.
  LSTMImpl(std::int64_t input_size, std::int64_t hidden_size, const LSTMOptions& options = {});
  void reset() override;
  /// (output, (h_n, c_n)). h_0: [num_layers · directions, batch, proj_size or hidden_size],
  /// c_0: [num_layers · directions, batch, hidden_size]; `{}` means zeros.
  std::tuple<Tensor, LSTMState> forward(const Tensor& input, const LSTMState& state);
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The weights and biases of every layer and direction, in PyTorch's order.
  const std::vector<Tensor>& all_weights() const { return flat_weights_; }

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  LSTMOptions options;

 private:
  std::vector<Tensor> flat_weights_;
};
/// The handle to a LSTMImpl (LibTorch's torch::nn::LSTM); takes the options as a braced list.
class LSTM : public ModuleHolder<LSTMImpl> {
 public:
  using ModuleHolder<LSTMImpl>::ModuleHolder;
  /// Makes a LSTMImpl from these arguments.
  LSTM(std::int64_t input_size, std::int64_t hidden_size, const LSTMOptions& options = {})
      : ModuleHolder(std::make_shared<LSTMImpl>(input_size, hidden_size, options)) {}
};

/// A gated recurrent unit layer, as torch.nn.GRU. Gates are stacked r, z, n:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr)   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   h' = (1 − z) ⊙ n + z ⊙ h
///
///   xg::nn::GRU gru(10, 20, {.bidirectional = true});
///   auto [output, h_n] = gru->forward(x, {});
struct GRUImpl : Cloneable<GRUImpl> {
  /// A GRU reading `input_size` features per step with a hidden state of `hidden_size`.
  GRUImpl(std::int64_t input_size, std::int64_t hidden_size, const GRUOptions& options = {});
  void reset() override;
  /// (output, h_n) from the initial hidden state `h0` (undefined: zeros).
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0);
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The weights and biases of every layer and direction, in PyTorch's order.
  const std::vector<Tensor>& all_weights() const { return flat_weights_; }

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  GRUOptions options;

 private:
  std::vector<Tensor> flat_weights_;
};
/// The handle to a GRUImpl (LibTorch's torch::nn::GRU); takes the options as a braced list.
class GRU : public ModuleHolder<GRUImpl> {
 public:
  using ModuleHolder<GRUImpl>::ModuleHolder;
  /// Makes a GRUImpl from these arguments.
  GRU(std::int64_t input_size, std::int64_t hidden_size, const GRUOptions& options = {})
      : ModuleHolder(std::make_shared<GRUImpl>(input_size, hidden_size, options)) {}
};

// ---- cells: one time step ---------------------------------------------------------------------

/// One step of an Elman RNN, as torch.nn.RNNCell: input [batch, input_size] (or [input_size]),
/// h [batch, hidden_size] → h'. Parameters weight_ih, weight_hh, bias_ih, bias_hh.
///
///   xg::nn::RNNCell cell(10, 20);
///   auto h = xg::zeros({3, 20});
///   for (auto& x_t : steps) h = cell->forward(x_t, h);
struct RNNCellImpl : Cloneable<RNNCellImpl> {
  /// One RNN step from `input_size` features to a hidden state of `hidden_size`.
  RNNCellImpl(std::int64_t input_size, std::int64_t hidden_size, const RNNCellOptions& options = {});
  void reset() override;
  /// h'; an undefined h means zeros.
  Tensor forward(const Tensor& input, const Tensor& h);
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  RNNCellOptions options;
  ///@{
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;  ///< the biases are undefined without bias
  ///@}
};
/// The handle to a RNNCellImpl (LibTorch's torch::nn::RNNCell); takes the options as a braced list.
class RNNCell : public ModuleHolder<RNNCellImpl> {
 public:
  using ModuleHolder<RNNCellImpl>::ModuleHolder;
  /// Makes an RNNCellImpl from these arguments.
  RNNCell(std::int64_t input_size, std::int64_t hidden_size, const RNNCellOptions& options = {})
      : ModuleHolder(std::make_shared<RNNCellImpl>(input_size, hidden_size, options)) {}
};

/// One LSTM step, as torch.nn.LSTMCell: (h, c) → (h', c'), gates i, f, g, o.
///
///   xg::nn::LSTMCell cell(10, 20);
///   auto [h, c] = cell->forward(x_t, {});
struct LSTMCellImpl : Cloneable<LSTMCellImpl> {
  /// One LSTM step from `input_size` features to a hidden state of `hidden_size`.
  LSTMCellImpl(std::int64_t input_size, std::int64_t hidden_size, const LSTMCellOptions& options = {});
  void reset() override;
  /// The next (h, c) from `input` and the state (h, c) (undefined tensors: zeros).
  LSTMState forward(const Tensor& input, const LSTMState& state);
  /// h' from a zero state.
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  LSTMCellOptions options;
  /// the parameters, as PyTorch's (the biases are undefined without bias)
  ///@{
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  ///@}
};
/// The handle to a LSTMCellImpl (LibTorch's torch::nn::LSTMCell); takes the options as a braced list.
class LSTMCell : public ModuleHolder<LSTMCellImpl> {
 public:
  using ModuleHolder<LSTMCellImpl>::ModuleHolder;
  /// Makes a LSTMCellImpl from these arguments.
  LSTMCell(std::int64_t input_size, std::int64_t hidden_size, const LSTMCellOptions& options = {})
      : ModuleHolder(std::make_shared<LSTMCellImpl>(input_size, hidden_size, options)) {}
};

/// One GRU step, as torch.nn.GRUCell: h → h', gates r, z, n.
struct GRUCellImpl : Cloneable<GRUCellImpl> {
  /// One GRU step from `input_size` features to a hidden state of `hidden_size`.
  GRUCellImpl(std::int64_t input_size, std::int64_t hidden_size, const GRUCellOptions& options = {});
  void reset() override;
  /// The next hidden state from `input` and `h` (undefined: zeros).
  Tensor forward(const Tensor& input, const Tensor& h);
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t input_size, hidden_size;
  ///@}

  /// The options this module was made with.
  GRUCellOptions options;
  /// the parameters, as PyTorch's (the biases are undefined without bias)
  ///@{
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  ///@}
};
/// The handle to a GRUCellImpl (LibTorch's torch::nn::GRUCell); takes the options as a braced list.
class GRUCell : public ModuleHolder<GRUCellImpl> {
 public:
  using ModuleHolder<GRUCellImpl>::ModuleHolder;
  /// Makes a GRUCellImpl from these arguments.
  GRUCell(std::int64_t input_size, std::int64_t hidden_size, const GRUCellOptions& options = {})
      : ModuleHolder(std::make_shared<GRUCellImpl>(input_size, hidden_size, options)) {}
};

// ---- functional forms (LibTorch's torch::rnn_tanh, torch::lstm, torch::gru, torch::*_cell) -----

namespace functional {

/// A whole stacked (bi)directional Elman RNN with explicit weights, as LibTorch's torch::rnn_tanh.
/// `params` are in PyTorch's order: per layer, per direction, w_ih, w_hh (, b_ih, b_hh) — what
/// RNNImpl::all_weights() returns. An undefined hx means zeros. Returns (output, h_n).
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, std::int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
/// The same with ReLU, as torch::rnn_relu.
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, std::int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first);
/// A stacked LSTM, as torch::lstm: hx = {h_0, c_0} (or empty for zeros); params per layer and
/// direction w_ih, w_hh (, b_ih, b_hh) (, w_hr) — with w_hr when there is one more tensor per group.
/// Returns (output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const std::vector<Tensor>& hx,
                                        const std::vector<Tensor>& params, bool has_biases, std::int64_t num_layers,
                                        double dropout, bool train, bool bidirectional, bool batch_first);
/// A stacked GRU, as torch::gru. Returns (output, h_n).
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                               bool has_biases, std::int64_t num_layers, double dropout, bool train, bool bidirectional,
                               bool batch_first);

/// One Elman step: tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh). An undefined hx means zeros.
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// One Elman step with ReLU: relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh). An undefined hx means zeros.
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// One LSTM step: hx = {h, c} (or empty for zeros) → (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// One GRU step.
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih = {},
                const Tensor& b_hh = {});

}  // namespace functional

}  // namespace xg::nn

XGRAD_API_END
