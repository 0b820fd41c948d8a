// Recurrent layers written with differentiable ops: per layer and direction, the input projection
// of every time step is one matmul, then each step adds h_{t-1} W_hhᵀ and applies the cell's gates.
// Backward (and double backward) come from the ops themselves.
#include "xgrad/nn/rnn.hpp"

#include <any>
#include <cmath>
#include <ostream>

#include "nn/sequence_common.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

enum class Cell { Tanh, Relu, Lstm, Gru };

/// The time steps of [L, N, F] as L tensors [N, F] (or the layers of a state [layers, N, H]), and
/// the gates of [N, G·H] as G tensors [N, H]: views made by one node each, whose backward joins the
/// pieces' gradients with one stack / cat (Note [Multi-output views] in lib/ops/shape.cpp), so the L
/// steps of a sequence cost O(L) in backward, not O(L²).
TensorList unbind_steps(const Tensor& x) { return unbind(x, 0); }
TensorList split_gates(const Tensor& x, std::int64_t gates) { return x.chunk(gates, 1); }

/// Gates stacked in the rows of W_ih / W_hh: LSTM i, f, g, o; GRU r, z, n; plain RNN one.
std::int64_t gate_count(Cell c) { return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1; }

Cell rnn_cell_kind(const char* who, const std::string& nonlinearity) {
  XG_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", ValueError, who, ": unknown nonlinearity '", nonlinearity,
           "'; select from 'tanh' or 'relu'");
  return nonlinearity == "tanh" ? Cell::Tanh : Cell::Relu;
}

/// One layer-direction's weights. w_hr is defined for an LSTM with projections; b_hn is the
/// slice of a GRU's b_hh that the reset gate multiplies.
struct Group {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr, b_hn;
};

/// GRU: the n part of b_hh (the slice the reset gate multiplies), set once before the steps.
void prepare_gru_bias(Group& g) {
  if (g.b_hh.defined()) g.b_hn = g.b_hh.narrow(0, 2 * (g.b_hh.size(0) / 3), g.b_hh.size(0) / 3);
}

/// The bias added to the input projection. Both biases of RNN and LSTM enter the pre-activation
/// as a sum, so they are folded into one; GRU's b_hn is multiplied by r and must stay separate:
/// only its r and z parts are folded.
Tensor folded_bias(Cell c, const Group& g) {
  if (!g.b_ih.defined()) return {};
  if (c != Cell::Gru) return g.b_ih + g.b_hh;
  const std::int64_t h = g.b_hh.size(0) / 3;
  return g.b_ih + cat({g.b_hh.narrow(0, 0, 2 * h), zeros({h}, g.b_hh.dtype())}, 0);
}

/// One time step. `xp` is x_t W_ihᵀ + folded bias [N, G·H], `w_hh_t` is W_hhᵀ; h (and c) [N, ·].
struct Step {
  Tensor h, c;
};
Step step(Cell kind, const Tensor& xp, const Step& s, const Tensor& w_hh_t, const Group& g) {
  switch (kind) {
    case Cell::Tanh:
      return {tanh(xp + s.h.mm(w_hh_t)), {}};
    case Cell::Relu:
      return {relu(xp + s.h.mm(w_hh_t)), {}};
    case Cell::Lstm: {
      // gates = [i f g o];  c' = σ(f) c + σ(i) tanh(g);  h' = σ(o) tanh(c')  (then W_hr h')
      const TensorList gates = split_gates(xp + s.h.mm(w_hh_t), 4);
      Tensor c = sigmoid(gates[1]) * s.c + sigmoid(gates[0]) * tanh(gates[2]);
      Tensor h = sigmoid(gates[3]) * tanh(c);
      if (g.w_hr.defined()) h = h.mm(g.w_hr.t());
      return {h, c};
    }
    case Cell::Gru: {
      // r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r (h_n + b_hn)), h' = (1 − z) n + z h
      const TensorList x = split_gates(xp, 3);
      const TensorList hh = split_gates(s.h.mm(w_hh_t), 3);
      const Tensor r = sigmoid(x[0] + hh[0]);
      const Tensor z = sigmoid(x[1] + hh[1]);
      const Tensor hn = g.b_hn.defined() ? hh[2] + g.b_hn : hh[2];
      const Tensor n = tanh(x[2] + r * hn);
      return {n + z * (s.h - n), {}};
    }
  }
  return {};
}

void check_same_dtype(const char* who, const char* what, const Tensor& t, Dtype expected) {
  XG_CHECK(t.dtype() == expected, DtypeError, who, ": ", what, " has dtype ", t.dtype(), " but the parameters have ",
           expected, " (convert one of them, e.g. with module->to(", t.dtype(), "))");
}

/// Everything the stacked forward needs to know besides the tensors.
struct StackConfig {
  Cell cell;
  bool has_biases;
  std::int64_t num_layers;
  double dropout;
  bool train;
  bool bidirectional;
  bool batch_first;
};

struct StackResult {
  Tensor output, h_n, c_n;
};

/// The initial state `name` (h_0 or c_0): checked against [num_layers · D, (N,) size], or zeros.
Tensor initial_state(const char* who, const char* name, const Tensor& given, bool batched, std::int64_t layers_dirs,
                     std::int64_t batch, std::int64_t size, Dtype dtype) {
  const Shape expected = batched ? Shape{layers_dirs, batch, size} : Shape{layers_dirs, size};
  if (!given.defined()) return zeros({layers_dirs, batch, size}, dtype);
  XG_CHECK(given.dim() == static_cast<std::int64_t>(expected.size()), ShapeError, who, ": for ",
           batched ? "batched 3-D" : "unbatched 2-D", " input, ", name, " should also be ", expected.size(),
           "-D but got a ", given.dim(), "-D tensor of shape ", given.sizes());
  XG_CHECK(given.sizes() == expected, ShapeError, who, ": expected ", name, " of shape ", expected, " (num_layers * ",
           "num_directions, ", batched ? "batch, " : "", "hidden size), got ", given.sizes());
  check_same_dtype(who, name, given, dtype);
  return batched ? given : given.unsqueeze(1);
}

/// The parameter tensors in groups of 2 or 4 (+ w_hr) per layer and direction, checked for
/// count and definedness.
std::vector<Group> unpack_params(const char* who, const StackConfig& cfg, const std::vector<Tensor>& params,
                                 std::int64_t groups, bool has_proj) {
  const std::int64_t per_group = cfg.has_biases ? 4 : 2;
  const auto n_params = static_cast<std::int64_t>(params.size());
  XG_CHECK(n_params == groups * per_group || has_proj, ValueError, who, ": expected ", groups * per_group,
           " parameter tensors (", cfg.num_layers, " layers x ", groups / cfg.num_layers, " directions x ", per_group,
           cfg.has_biases ? " (w_ih, w_hh, b_ih, b_hh)" : " (w_ih, w_hh)", "), got ", n_params);
  std::vector<Group> group(static_cast<std::size_t>(groups));
  for (std::int64_t k = 0; k < groups; ++k) {
    const std::size_t at = static_cast<std::size_t>(k * (per_group + (has_proj ? 1 : 0)));
    Group& g = group[static_cast<std::size_t>(k)];
    g.w_ih = params[at];
    g.w_hh = params[at + 1];
    if (cfg.has_biases) {
      g.b_ih = params[at + 2];
      g.b_hh = params[at + 3];
    }
    if (has_proj) g.w_hr = params[at + static_cast<std::size_t>(per_group)];
  }
  for (const Group& g : group)
    XG_CHECK(g.w_ih.defined() && g.w_hh.defined() && (!cfg.has_biases || (g.b_ih.defined() && g.b_hh.defined())) &&
                 (!has_proj || g.w_hr.defined()),
             ValueError, who, ": a parameter tensor is undefined");
  return group;
}

/// Every weight of every layer and direction has G·H rows, the layer's input width (the input's
/// features in the first layer, D·out_size after) or out_size columns, and the parameters' dtype.
void check_weight_shapes(const char* who, const std::vector<Group>& group, std::int64_t dirs, std::int64_t gate_rows,
                         std::int64_t input_size, std::int64_t out_size, std::int64_t hidden, Dtype dtype) {
  for (std::size_t k = 0; k < group.size(); ++k) {
    const Group& g = group[k];
    const auto layer = static_cast<std::int64_t>(k) / dirs;
    const bool reverse = static_cast<std::int64_t>(k) % dirs != 0;
    const std::int64_t in = layer == 0 ? input_size : dirs * out_size;
    auto expect = [&](const Tensor& t, const Shape& shape, const char* what) {
      if (!t.defined()) return;
      XG_CHECK(t.sizes() == shape, ShapeError, who, ": ", what, " of layer ", layer, (reverse ? " (reverse)" : ""),
               " has shape ", t.sizes(), ", expected ", shape);
      check_same_dtype(who, what, t, dtype);
    };
    expect(g.w_ih, {gate_rows, in}, "w_ih");
    expect(g.w_hh, {gate_rows, out_size}, "w_hh");
    expect(g.b_ih, {gate_rows}, "b_ih");
    expect(g.b_hh, {gate_rows}, "b_hh");
    expect(g.w_hr, {out_size, hidden}, "w_hr");
  }
}

/// One direction of one layer over the whole sequence [L, N, in]: every step's x_t W_ihᵀ + bias at
/// once ([L·N, in] @ [in, G·H]), then the recurrence from state s (left to right, or right to left
/// when reverse). Returns each step's h, in sequence order; s ends as the final state.
TensorList run_direction(Cell cell, const Tensor& layer_input, const Group& g, std::int64_t gate_rows, bool reverse,
                         Step& s) {
  const std::int64_t seq = layer_input.size(0), batch = layer_input.size(1), in = layer_input.size(2);
  const TensorList xp = unbind_steps(
      linear(layer_input.reshape({seq * batch, in}), g.w_ih, folded_bias(cell, g)).reshape({seq, batch, gate_rows}));
  const Tensor w_hh_t = g.w_hh.t();
  TensorList ys(static_cast<std::size_t>(seq));
  for (std::int64_t i = 0; i < seq; ++i) {
    const std::int64_t t = reverse ? seq - 1 - i : i;
    s = step(cell, xp[static_cast<std::size_t>(t)], s, w_hh_t, g);
    ys[static_cast<std::size_t>(t)] = s.h;
  }
  return ys;
}

StackResult run_stack(const char* who, const StackConfig& cfg, const Tensor& input, const Tensor& h0, const Tensor& c0,
                      const std::vector<Tensor>& params) {
  const std::int64_t gates = gate_count(cfg.cell), dirs = cfg.bidirectional ? 2 : 1;
  XG_CHECK(cfg.num_layers >= 1, ValueError, who, ": num_layers must be at least 1, got ", cfg.num_layers);
  detail::check_dropout(who, cfg.dropout);

  const std::int64_t groups = cfg.num_layers * dirs;
  const bool has_proj =
      cfg.cell == Cell::Lstm && static_cast<std::int64_t>(params.size()) == groups * ((cfg.has_biases ? 4 : 2) + 1);
  std::vector<Group> group = unpack_params(who, cfg, params, groups, has_proj);

  // ---- the input: [L, N, F] after moving the batch to dim 1 ----
  XG_CHECK(input.defined(), ValueError, who, ": the input is an undefined tensor");
  XG_CHECK(input.dim() == 2 || input.dim() == 3, ShapeError, who,
           ": expected input to be 2-D (unbatched: seq, feature) or 3-D (batched), got a ", input.dim(),
           "-D tensor of shape ", input.sizes());
  XG_CHECK(input.is_floating_point(), DtypeError, who, ": expected a floating-point input, got ", input.dtype());
  const Dtype dtype = group[0].w_ih.dtype();
  check_same_dtype(who, "the input", input, dtype);
  const bool batched = input.dim() == 3;
  const Tensor x = !batched ? input.unsqueeze(1) : cfg.batch_first ? input.transpose(0, 1) : input;
  const std::int64_t seq = x.size(0), batch = x.size(1);
  XG_CHECK(seq > 0, ValueError, who, ": expected a sequence length greater than 0, got input of shape ", input.sizes());

  // ---- shapes of the weights: G·H rows, the expected input width, H or proj columns ----
  const std::int64_t hidden = group[0].w_hh.size(0) / gates;
  const std::int64_t out_size = has_proj ? group[0].w_hr.size(0) : hidden;  // PyTorch's real_hidden_size
  XG_CHECK(x.size(2) == group[0].w_ih.size(1), ShapeError, who, ": input.size(-1) must be equal to input_size. ",
           "Expected ", group[0].w_ih.size(1), ", got ", x.size(2), " (input shape ", input.sizes(), ")");
  check_weight_shapes(who, group, dirs, gates * hidden, x.size(2), out_size, hidden, dtype);

  // One [N, ·] state per layer and direction.
  const TensorList h_init = unbind_steps(initial_state(who, "h_0", h0, batched, groups, batch, out_size, dtype));
  const TensorList c_init = cfg.cell == Cell::Lstm
                                ? unbind_steps(initial_state(who, "c_0", c0, batched, groups, batch, hidden, dtype))
                                : TensorList();

  // An empty batch has empty results (nothing to compute, but the shapes are defined).
  if (batch == 0) {
    StackResult r;
    r.output = zeros(batched ? (cfg.batch_first ? Shape{0, seq, dirs * out_size} : Shape{seq, 0, dirs * out_size})
                             : Shape{seq, dirs * out_size},
                     dtype);
    r.h_n = zeros({groups, 0, out_size}, dtype);
    if (cfg.cell == Cell::Lstm) r.c_n = zeros({groups, 0, hidden}, dtype);
    return r;
  }

  // ---- the layers ----
  Tensor layer_input = x;
  TensorList h_n, c_n;
  for (std::int64_t layer = 0; layer < cfg.num_layers; ++layer) {
    TensorList dir_outputs;
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::int64_t k = layer * dirs + d;
      Group& g = group[static_cast<std::size_t>(k)];
      if (cfg.cell == Cell::Gru) prepare_gru_bias(g);
      Step s{h_init[static_cast<std::size_t>(k)], c_init.empty() ? Tensor() : c_init[static_cast<std::size_t>(k)]};
      TensorList ys = run_direction(cfg.cell, layer_input, g, gates * hidden, /*reverse=*/d == 1, s);
      dir_outputs.push_back(stack(ys, 0));
      h_n.push_back(s.h);
      if (s.c.defined()) c_n.push_back(s.c);
    }
    Tensor out = dirs == 1 ? dir_outputs[0] : cat(dir_outputs, 2);
    // Dropout between layers (not after the last), in training only — as PyTorch.
    if (cfg.train && cfg.dropout > 0.0 && layer + 1 < cfg.num_layers)
      out = functional::dropout(out, {.p = cfg.dropout});
    layer_input = out;
  }

  StackResult r;
  r.output = !batched ? layer_input.squeeze(1) : cfg.batch_first ? layer_input.transpose(0, 1) : layer_input;
  r.h_n = stack(h_n, 0);
  if (!c_n.empty()) r.c_n = stack(c_n, 0);
  if (!batched) {
    r.h_n = r.h_n.squeeze(1);
    if (r.c_n.defined()) r.c_n = r.c_n.squeeze(1);
  }
  return r;
}

// ---- cells ------------------------------------------------------------------------------------

Step run_cell(const char* who, Cell cell, const Tensor& input, const Tensor& h, const Tensor& c, Group g) {
  const std::int64_t gates = gate_count(cell);
  XG_CHECK(input.defined(), ValueError, who, ": the input is an undefined tensor");
  XG_CHECK(g.w_ih.defined() && g.w_hh.defined(), ValueError, who, ": a weight is an undefined tensor");
  XG_CHECK(input.dim() == 1 || input.dim() == 2, ShapeError, who,
           ": expected input to be 1-D (unbatched) or 2-D (batch, feature), got a ", input.dim(), "-D tensor of shape ",
           input.sizes());
  XG_CHECK(input.is_floating_point(), DtypeError, who, ": expected a floating-point input, got ", input.dtype());
  const Dtype dtype = g.w_ih.dtype();
  check_same_dtype(who, "the input", input, dtype);
  XG_CHECK(g.w_ih.dim() == 2 && g.w_hh.dim() == 2 && g.w_hh.size(0) % gates == 0 && g.w_hh.size(0) == g.w_ih.size(0),
           ShapeError, who, ": weights of shapes ", g.w_ih.sizes(), " and ", g.w_hh.sizes(),
           " do not form a cell with ", gates, " gate(s)");
  const std::int64_t hidden = g.w_hh.size(0) / gates;
  XG_CHECK(g.w_hh.size(1) == hidden, ShapeError, who, ": w_hh has shape ", g.w_hh.sizes(), ", expected [",
           gates * hidden, ", ", hidden, "]");
  XG_CHECK(input.size(-1) == g.w_ih.size(1), ShapeError, who, ": input.size(-1) must be equal to input_size. Expected ",
           g.w_ih.size(1), ", got ", input.size(-1), " (input shape ", input.sizes(), ")");
  for (const Tensor* b : {&g.b_ih, &g.b_hh}) {
    if (!b->defined()) continue;
    XG_CHECK(b->sizes() == Shape{gates * hidden}, ShapeError, who, ": a bias has shape ", b->sizes(), ", expected [",
             gates * hidden, "]");
    check_same_dtype(who, "a bias", *b, dtype);
  }
  const bool batched = input.dim() == 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const std::int64_t batch = x.size(0);
  auto state = [&](const Tensor& t, const char* name) {
    if (!t.defined()) return zeros({batch, hidden}, dtype);
    const Shape expected = batched ? Shape{batch, hidden} : Shape{hidden};
    XG_CHECK(t.sizes() == expected, ShapeError, who, ": expected ", name, " of shape ", expected,
             " for input of shape ", input.sizes(), ", got ", t.sizes());
    check_same_dtype(who, name, t, dtype);
    return batched ? t : t.unsqueeze(0);
  };
  Step s{state(h, "hx"), cell == Cell::Lstm ? state(c, "cx") : Tensor()};
  if (batch == 0) return {zeros({0, hidden}, dtype), cell == Cell::Lstm ? zeros({0, hidden}, dtype) : Tensor()};
  if (cell == Cell::Gru) prepare_gru_bias(g);
  s = step(cell, linear(x, g.w_ih, folded_bias(cell, g)), s, g.w_hh.t(), g);
  if (!batched) {
    s.h = s.h.squeeze(0);
    if (s.c.defined()) s.c = s.c.squeeze(0);
  }
  return s;
}

// ---- parameters of the modules ----------------------------------------------------------------

/// U(-1/√hidden, 1/√hidden), PyTorch's initialization of every recurrent weight and bias.
Tensor uniform_parameter(const Shape& shape, std::int64_t hidden) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  return empty(shape).uniform_(-bound, bound);
}

/// Registers weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and weight_hr_l{k}), with
/// the suffix `_reverse` for the second direction, in PyTorch's order; returns them in that order.
std::vector<Tensor> register_stack(Module& m, Cell cell, std::int64_t input_size, std::int64_t hidden,
                                   std::int64_t num_layers, bool bias, bool bidirectional, std::int64_t proj_size) {
  const std::int64_t gates = gate_count(cell), dirs = bidirectional ? 2 : 1;
  const std::int64_t out_size = proj_size > 0 ? proj_size : hidden;
  std::vector<Tensor> flat;
  for (std::int64_t layer = 0; layer < num_layers; ++layer) {
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      const std::int64_t in = layer == 0 ? input_size : out_size * dirs;
      flat.push_back(m.register_parameter("weight_ih" + suffix, uniform_parameter({gates * hidden, in}, hidden)));
      flat.push_back(m.register_parameter("weight_hh" + suffix, uniform_parameter({gates * hidden, out_size}, hidden)));
      if (bias) {
        flat.push_back(m.register_parameter("bias_ih" + suffix, uniform_parameter({gates * hidden}, hidden)));
        flat.push_back(m.register_parameter("bias_hh" + suffix, uniform_parameter({gates * hidden}, hidden)));
      }
      if (proj_size > 0)
        flat.push_back(m.register_parameter("weight_hr" + suffix, uniform_parameter({proj_size, hidden}, hidden)));
    }
  }
  return flat;
}

void check_stack_options(const char* who, std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers,
                         double dropout) {
  detail::check_positive(who, "input_size", input_size);
  detail::check_positive(who, "hidden_size", hidden_size);
  XG_CHECK(num_layers >= 1, ValueError, who, ": num_layers must be at least 1, got ", num_layers);
  detail::check_dropout(who, dropout);
}

/// PyTorch's RNNBase.extra_repr.
void print_stack(std::ostream& os, const std::string& name, std::int64_t input_size, std::int64_t hidden_size,
                 std::int64_t proj_size, std::int64_t num_layers, bool bias, bool batch_first, double dropout,
                 bool bidirectional) {
  os << name << "(" << input_size << ", " << hidden_size;
  if (proj_size != 0) os << ", proj_size=" << proj_size;
  if (num_layers != 1) os << ", num_layers=" << num_layers;
  if (!bias) os << ", bias=false";
  if (batch_first) os << ", batch_first=true";
  if (dropout != 0.0) os << ", dropout=" << detail::python_float(dropout);
  if (bidirectional) os << ", bidirectional=true";
  os << ")";
}

/// PyTorch's RNNCellBase.extra_repr.
void print_cell(std::ostream& os, const std::string& name, std::int64_t input_size, std::int64_t hidden_size, bool bias,
                const std::string& nonlinearity) {
  os << name << "(" << input_size << ", " << hidden_size;
  if (!bias) os << ", bias=false";
  if (nonlinearity != "tanh") os << ", nonlinearity=" << nonlinearity;
  os << ")";
}

Group cell_group(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  return {w_ih, w_hh, b_ih, b_hh, {}, {}};
}

}  // namespace

// ---- functional -------------------------------------------------------------------------------

namespace functional {

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, std::int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  auto r = run_stack("rnn_tanh", {Cell::Tanh, has_biases, num_layers, dropout, train, bidirectional, batch_first},
                     input, hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, std::int64_t num_layers, double dropout, bool train,
                                    bool bidirectional, bool batch_first) {
  auto r = run_stack("rnn_relu", {Cell::Relu, has_biases, num_layers, dropout, train, bidirectional, batch_first},
                     input, hx, {}, params);
  return {r.output, r.h_n};
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const std::vector<Tensor>& hx,
                                        const std::vector<Tensor>& params, bool has_biases, std::int64_t num_layers,
                                        double dropout, bool train, bool bidirectional, bool batch_first) {
  XG_CHECK(hx.empty() || hx.size() == 2, ValueError, "lstm: hx must be empty or {h_0, c_0}, got ", hx.size(),
           " tensors");
  auto r = run_stack("lstm", {Cell::Lstm, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input,
                     hx.empty() ? Tensor() : hx[0], hx.empty() ? Tensor() : hx[1], params);
  return {r.output, r.h_n, r.c_n};
}

std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                               bool has_biases, std::int64_t num_layers, double dropout, bool train, bool bidirectional,
                               bool batch_first) {
  auto r = run_stack("gru", {Cell::Gru, has_biases, num_layers, dropout, train, bidirectional, batch_first}, input, hx,
                     {}, params);
  return {r.output, r.h_n};
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  XG_CHECK(b_ih.defined() == b_hh.defined(), ValueError, "rnn_tanh_cell: give both biases or neither");
  return run_cell("rnn_tanh_cell", Cell::Tanh, input, hx, {}, cell_group(w_ih, w_hh, b_ih, b_hh)).h;
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  XG_CHECK(b_ih.defined() == b_hh.defined(), ValueError, "rnn_relu_cell: give both biases or neither");
  return run_cell("rnn_relu_cell", Cell::Relu, input, hx, {}, cell_group(w_ih, w_hh, b_ih, b_hh)).h;
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  XG_CHECK(hx.empty() || hx.size() == 2, ValueError, "lstm_cell: hx must be empty or {h, c}, got ", hx.size(),
           " tensors");
  XG_CHECK(b_ih.defined() == b_hh.defined(), ValueError, "lstm_cell: give both biases or neither");
  auto s = run_cell("lstm_cell", Cell::Lstm, input, hx.empty() ? Tensor() : hx[0], hx.empty() ? Tensor() : hx[1],
                    cell_group(w_ih, w_hh, b_ih, b_hh));
  return {s.h, s.c};
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  XG_CHECK(b_ih.defined() == b_hh.defined(), ValueError, "gru_cell: give both biases or neither");
  return run_cell("gru_cell", Cell::Gru, input, hx, {}, cell_group(w_ih, w_hh, b_ih, b_hh)).h;
}

}  // namespace functional

// ---- RNN --------------------------------------------------------------------------------------

RNNImpl::RNNImpl(std::int64_t input_size_, std::int64_t hidden_size_, const RNNOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  check_stack_options("RNN", input_size, hidden_size, options.num_layers, options.dropout);
  rnn_cell_kind("RNN", options.nonlinearity);
  reset();
}

void RNNImpl::reset() {
  flat_weights_ = register_stack(*this, rnn_cell_kind("RNN", options.nonlinearity), input_size, hidden_size,
                                 options.num_layers, options.bias, options.bidirectional, 0);
}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, const Tensor& h0) {
  auto r = run_stack(name().c_str(),
                     {rnn_cell_kind("RNN", options.nonlinearity), options.bias, options.num_layers, options.dropout,
                      is_training(), options.bidirectional, options.batch_first},
                     input, h0, {}, flat_weights_);
  return {r.output, r.h_n};
}

Tensor RNNImpl::forward(const Tensor& input) { return std::get<0>(forward(input, Tensor())); }

void RNNImpl::pretty_print(std::ostream& os) const {
  print_stack(os, name(), input_size, hidden_size, 0, options.num_layers, options.bias, options.batch_first,
              options.dropout, options.bidirectional);
}

// ---- LSTM -------------------------------------------------------------------------------------

LSTMImpl::LSTMImpl(std::int64_t input_size_, std::int64_t hidden_size_, const LSTMOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  check_stack_options("LSTM", input_size, hidden_size, options.num_layers, options.dropout);
  XG_CHECK(options.proj_size >= 0 && options.proj_size < hidden_size, ValueError,
           "LSTM: proj_size has to be a non-negative integer smaller than hidden_size (", hidden_size, "), got ",
           options.proj_size);
  reset();
}

void LSTMImpl::reset() {
  flat_weights_ = register_stack(*this, Cell::Lstm, input_size, hidden_size, options.num_layers, options.bias,
                                 options.bidirectional, options.proj_size);
}

std::tuple<Tensor, LSTMState> LSTMImpl::forward(const Tensor& input, const LSTMState& state) {
  const auto& [h0, c0] = state;
  XG_CHECK(h0.defined() == c0.defined(), ValueError, name(),
           ": give both h_0 and c_0 or neither (an undefined pair means zeros)");
  auto r = run_stack(name().c_str(),
                     {Cell::Lstm, options.bias, options.num_layers, options.dropout, is_training(),
                      options.bidirectional, options.batch_first},
                     input, h0, c0, flat_weights_);
  return {r.output, LSTMState{r.h_n, r.c_n}};
}

Tensor LSTMImpl::forward(const Tensor& input) { return std::get<0>(forward(input, LSTMState{})); }

void LSTMImpl::pretty_print(std::ostream& os) const {
  print_stack(os, name(), input_size, hidden_size, options.proj_size, options.num_layers, options.bias,
              options.batch_first, options.dropout, options.bidirectional);
}

// ---- GRU --------------------------------------------------------------------------------------

GRUImpl::GRUImpl(std::int64_t input_size_, std::int64_t hidden_size_, const GRUOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  check_stack_options("GRU", input_size, hidden_size, options.num_layers, options.dropout);
  reset();
}

void GRUImpl::reset() {
  flat_weights_ = register_stack(*this, Cell::Gru, input_size, hidden_size, options.num_layers, options.bias,
                                 options.bidirectional, 0);
}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, const Tensor& h0) {
  auto r = run_stack(name().c_str(),
                     {Cell::Gru, options.bias, options.num_layers, options.dropout, is_training(),
                      options.bidirectional, options.batch_first},
                     input, h0, {}, flat_weights_);
  return {r.output, r.h_n};
}

Tensor GRUImpl::forward(const Tensor& input) { return std::get<0>(forward(input, Tensor())); }

void GRUImpl::pretty_print(std::ostream& os) const {
  print_stack(os, name(), input_size, hidden_size, 0, options.num_layers, options.bias, options.batch_first,
              options.dropout, options.bidirectional);
}

// ---- cells ------------------------------------------------------------------------------------

namespace {
/// weight_ih, weight_hh, bias_ih, bias_hh of a cell with `gates` gates.
void register_cell(Module& m, std::int64_t gates, std::int64_t input_size, std::int64_t hidden, bool bias, Tensor& w_ih,
                   Tensor& w_hh, Tensor& b_ih, Tensor& b_hh) {
  w_ih = m.register_parameter("weight_ih", uniform_parameter({gates * hidden, input_size}, hidden));
  w_hh = m.register_parameter("weight_hh", uniform_parameter({gates * hidden, hidden}, hidden));
  if (bias) {
    b_ih = m.register_parameter("bias_ih", uniform_parameter({gates * hidden}, hidden));
    b_hh = m.register_parameter("bias_hh", uniform_parameter({gates * hidden}, hidden));
  } else {
    b_ih = b_hh = Tensor();
  }
}
}  // namespace

RNNCellImpl::RNNCellImpl(std::int64_t input_size_, std::int64_t hidden_size_, const RNNCellOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  detail::check_positive("RNNCell", "input_size", input_size);
  detail::check_positive("RNNCell", "hidden_size", hidden_size);
  rnn_cell_kind("RNNCell", options.nonlinearity);
  reset();
}

void RNNCellImpl::reset() {
  register_cell(*this, 1, input_size, hidden_size, options.bias, weight_ih, weight_hh, bias_ih, bias_hh);
}

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& h) {
  return run_cell(name().c_str(), rnn_cell_kind("RNNCell", options.nonlinearity), input, h, {},
                  cell_group(weight_ih, weight_hh, bias_ih, bias_hh))
      .h;
}

Tensor RNNCellImpl::forward(const Tensor& input) { return forward(input, Tensor()); }

void RNNCellImpl::pretty_print(std::ostream& os) const {
  print_cell(os, name(), input_size, hidden_size, options.bias, options.nonlinearity);
}

LSTMCellImpl::LSTMCellImpl(std::int64_t input_size_, std::int64_t hidden_size_, const LSTMCellOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  detail::check_positive("LSTMCell", "input_size", input_size);
  detail::check_positive("LSTMCell", "hidden_size", hidden_size);
  reset();
}

void LSTMCellImpl::reset() {
  register_cell(*this, 4, input_size, hidden_size, options.bias, weight_ih, weight_hh, bias_ih, bias_hh);
}

LSTMState LSTMCellImpl::forward(const Tensor& input, const LSTMState& state) {
  const auto& [h, c] = state;
  XG_CHECK(h.defined() == c.defined(), ValueError, name(),
           ": give both h and c or neither (an undefined pair means zeros)");
  auto s = run_cell(name().c_str(), Cell::Lstm, input, h, c, cell_group(weight_ih, weight_hh, bias_ih, bias_hh));
  return {s.h, s.c};
}

Tensor LSTMCellImpl::forward(const Tensor& input) { return std::get<0>(forward(input, LSTMState{})); }

void LSTMCellImpl::pretty_print(std::ostream& os) const {
  print_cell(os, name(), input_size, hidden_size, options.bias, "tanh");
}

GRUCellImpl::GRUCellImpl(std::int64_t input_size_, std::int64_t hidden_size_, const GRUCellOptions& options_)
    : input_size(input_size_), hidden_size(hidden_size_), options(options_) {
  detail::check_positive("GRUCell", "input_size", input_size);
  detail::check_positive("GRUCell", "hidden_size", hidden_size);
  reset();
}

void GRUCellImpl::reset() {
  register_cell(*this, 3, input_size, hidden_size, options.bias, weight_ih, weight_hh, bias_ih, bias_hh);
}

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& h) {
  return run_cell(name().c_str(), Cell::Gru, input, h, {}, cell_group(weight_ih, weight_hh, bias_ih, bias_hh)).h;
}

Tensor GRUCellImpl::forward(const Tensor& input) { return forward(input, Tensor()); }

void GRUCellImpl::pretty_print(std::ostream& os) const {
  print_cell(os, name(), input_size, hidden_size, options.bias, "tanh");
}

}  // namespace xg::nn
