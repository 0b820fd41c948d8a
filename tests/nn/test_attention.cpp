// MultiheadAttention and scaled_dot_product_attention: PyTorch's parameters, forward values and
// attention weights against PyTorch 1.13 (with every kind of mask), gradients against finite
// differences, dropout on the weights, errors.
//
// Reference numbers: tests/reference/nn_sequence.py (/usr/bin/python3 with torch 1.13). The weights
// and inputs are formulas repeated in sequence_helpers.hpp; every computation is in float64.
#include <catch2/catch.hpp>

#include <limits>
#include <sstream>
#include <xgrad/nn/attention.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/sequence_helpers.hpp"

using namespace xg;
using Catch::Matchers::Contains;
using testing::check_values;
using testing::set_params;
using testing::wave;
using NameShapes = std::vector<std::pair<std::string, Shape>>;
namespace F = xg::nn::functional;

namespace {
// The inputs of the script: q [3, 2, 4], k and v [4, 2, 4] (sequence first).
Tensor q_in() { return wave({3, 2, 4}, 0.9, 0.2); }
Tensor k_in() { return wave({4, 2, 4}, 0.61, -0.3); }
Tensor v_in() { return wave({4, 2, 4}, 0.47, 0.8); }
// [[F,F,F,T],[F,T,F,F]]: the last key of sequence 0 and the second key of sequence 1 are padding.
Tensor padding_mask() { return tensor({{false, false, false, true}, {false, true, false, false}}); }

TensorList with_grad(TensorList ts) {
  for (auto& t : ts) t = t.detach().clone().requires_grad_();
  return ts;
}
}  // namespace

// ---- structure ------------------------------------------------------------------------------------

TEST_CASE("attention: parameter names and shapes are PyTorch's") {
  CHECK(testing::names_and_shapes(*nn::MultiheadAttention(4, 2)) ==
        NameShapes{
            {"in_proj_weight", {12, 4}}, {"in_proj_bias", {12}}, {"out_proj.weight", {4, 4}}, {"out_proj.bias", {4}}});
  CHECK(testing::names_and_shapes(*nn::MultiheadAttention(4, 2, {.kdim = 3, .vdim = 5})) ==
        NameShapes{{"q_proj_weight", {4, 4}},
                   {"k_proj_weight", {4, 3}},
                   {"v_proj_weight", {4, 5}},
                   {"in_proj_bias", {12}},
                   {"out_proj.weight", {4, 4}},
                   {"out_proj.bias", {4}}});
  CHECK(testing::names_and_shapes(*nn::MultiheadAttention(4, 2, {.bias = false, .add_bias_kv = true})) ==
        NameShapes{
            {"in_proj_weight", {12, 4}}, {"bias_k", {1, 1, 4}}, {"bias_v", {1, 1, 4}}, {"out_proj.weight", {4, 4}}});
  nn::MultiheadAttention mha(4, 2);
  std::ostringstream os;
  os << mha;
  CHECK(os.str() ==
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, "
        "bias=true)\n)");
  CHECK(mha->head_dim == 2);
  CHECK_FALSE(mha->q_proj_weight.defined());
}

TEST_CASE("attention: initialization is Xavier uniform with zero biases as in PyTorch") {
  manual_seed(5);
  nn::MultiheadAttention mha(16, 4, {.add_bias_kv = true});
  const double bound = std::sqrt(6.0 / (16 + 48));  // in_proj_weight [48, 16]
  const Tensor w = mha->in_proj_weight;
  CHECK(w.abs().max().item<double>() <= bound);
  CHECK(w.abs().max().item<double>() > 0.97 * bound);
  // U(-a, a) has variance a²/3; 768 draws give the sample variance to within a few percent.
  CHECK(w.var().item<double>() == Approx(bound * bound / 3).epsilon(0.1));
  CHECK(mha->in_proj_bias.abs().sum().item<double>() == 0.0);
  CHECK(mha->out_proj->bias.abs().sum().item<double>() == 0.0);
  CHECK(mha->out_proj->weight.abs().max().item<double>() <= 1.0 / std::sqrt(16.0));
  CHECK(mha->bias_k.sizes() == Shape{1, 1, 16});
  CHECK(mha->bias_k.abs().sum().item<double>() > 0.0);
}

// ---- forward values against PyTorch 1.13 ------------------------------------------------------------

TEST_CASE("attention: self-attention output and averaged weights match PyTorch") {
  const std::vector<double> mha_self_out{-0.65268842068053,  -0.408687900123816, 0.340247919224045,  0.927758405805427,
                                         -0.433377233052541, -0.868229496902303, -0.309669066897378, 0.778306116665549,
                                         -0.582191626355408, -0.361249875885034, 0.314202135317764,  0.855914613612286,
                                         -0.506843749660227, -0.905607363180807, -0.271226857267923, 0.8517056151301,
                                         -0.697985197031681, -0.453679184249956, 0.343386362222578,  0.975690515665045,
                                         -0.388642951165123, -0.834147886017497, -0.322467743016188, 0.73223171951627};
  const std::vector<double> mha_self_w{
      0.274982604846102, 0.388526686479684, 0.336490708674214, 0.266039021391324, 0.344128149248502, 0.389832829360175,
      0.345302232587374, 0.319838597350763, 0.334859170061864, 0.165815001270977, 0.294771724793758, 0.539413273935266,
      0.155986363616632, 0.24884899614174,  0.595164640241628, 0.212738242245712, 0.250521081770438, 0.53674067598385};
  nn::MultiheadAttention mha(4, 2);
  set_params(*mha);
  const Tensor x = q_in();
  auto [out, w] = mha->forward(x, x, x);
  check_values(out, mha_self_out, {3, 2, 4});
  check_values(w, mha_self_w, {2, 3, 3});
  // The single-tensor call is self-attention without weights.
  check_values(mha(x), mha_self_out, {3, 2, 4});
  // Separate (equal-valued) inputs go through separate projections and give the same result.
  auto [out2, w2] = mha->forward(x.clone(), x.clone(), x.clone());
  check_values(out2, mha_self_out, {3, 2, 4});
}

TEST_CASE("attention: a bool key padding mask with a float attention mask matches PyTorch per head") {
  const std::vector<double> mha_masks_out{
      -0.385915312556734,  -0.449828015517174,  0.0349251512582299,  0.682800907359662,   0.231108596554218,
      -0.0318494008874098, -0.190438859450562,  0.0536487004735272,  -0.319652217692447,  -0.439374517041449,
      -0.0215426669874759, 0.619435180403792,   0.207394250639188,   0.00163292858093794, -0.135350454435745,
      0.071786043294757,   -0.279290340437625,  -0.437961299338915,  -0.0605803121346712, 0.58144238758172,
      0.123448421952942,   -0.0332448674169486, -0.0840862835159468, 0.154700076725279};
  const std::vector<double> mha_masks_w{0.379181871681136, 0.273254783753197,
                                        0.347563344565667, 0,
                                        0.327685002838601, 0.336816220540935,
                                        0.335498776620464, 0,
                                        0.331759757592254, 0.35114179061217,
                                        0.317098451795576, 0,
                                        0.285763158614949, 0.221502948249317,
                                        0.492733893135734, 0,
                                        0.325257972082594, 0.284229513556825,
                                        0.390512514360581, 0,
                                        0.347192016378798, 0.349646004876479,
                                        0.303161978744723, 0,
                                        0.396480556304177, 0,
                                        0.458238514814512, 0.145280928881311,
                                        0.54189303859706,  0,
                                        0.355261632473424, 0.102845328929516,
                                        0.512171363120426, 0,
                                        0.317685232591324, 0.17014340428825,
                                        0.311154857820245, 0,
                                        0.450836532117031, 0.238008610062724,
                                        0.562398964571766, 0,
                                        0.277350281937657, 0.160250753490577,
                                        0.640595759869241, 0,
                                        0.184617148753777, 0.174787091376983};
  nn::MultiheadAttention mha(4, 2);
  set_params(*mha);
  auto [out, w] = mha->forward(
      q_in(), k_in(), v_in(),
      {.key_padding_mask = padding_mask(), .attn_mask = wave({3, 4}, 0.33, 0.1, 0.5), .average_attn_weights = false});
  check_values(out, mha_masks_out, {3, 2, 4});
  check_values(w, mha_masks_w, {2, 2, 3, 4});
  // A float key padding mask adds its values: -inf there is the same as true.
  const Tensor float_pad =
      zeros({2, 4}, kFloat64).masked_fill(padding_mask(), -std::numeric_limits<double>::infinity());
  auto [out_f, w_f] = mha->forward(
      q_in(), k_in(), v_in(),
      {.key_padding_mask = float_pad, .attn_mask = wave({3, 4}, 0.33, 0.1, 0.5), .average_attn_weights = false});
  check_values(out_f, mha_masks_out, {3, 2, 4});
  // need_weights = false: the same output and no weights.
  auto [out_n, w_n] = mha->forward(
      q_in(), k_in(), v_in(),
      {.key_padding_mask = padding_mask(), .need_weights = false, .attn_mask = wave({3, 4}, 0.33, 0.1, 0.5)});
  check_values(out_n, mha_masks_out, {3, 2, 4});
  CHECK_FALSE(w_n.defined());
}

TEST_CASE("attention: kdim and vdim with batch first and a 3-D bool mask match PyTorch") {
  const std::vector<double> mha_kdim_out{-0.648106220668752, -0.379629010937185, 0.489871684322999, 0.855357565247421,
                                         -0.62471399106467,  -0.579979095647768, 0.278744745152215, 0.857874668433737,
                                         -0.66929808890667,  -0.572076897805233, 0.330733465852499, 0.898687635326526,
                                         -0.500247711885076, -0.620324124904712, 0.116473828350662, 0.746166438113233,
                                         -0.528915812224354, -0.618531556929597, 0.146821624651501, 0.77281076714646,
                                         -0.528569519328442, -0.664630685415733, 0.103278911299243, 0.778108921394223};
  const std::vector<double> mha_kdim_w{0.439677617398943, 0.26420189571005,   0.296120486891008,  0,
                                       0.313494135329199, 0.345958316412455,  0.20133749106619,   0.139210057192156,
                                       0.398364645638473, 0.273532709699977,  0.0906834506768691, 0.237419193984681,
                                       0.340654408376036, 0.120369554840038,  0.179215007116763,  0.359761029667163,
                                       0.301801558049982, 0.0884682032073743, 0.291199144643775,  0.31853109409887,
                                       0.2674263190261,   0.140562482888595,  0.274483604219673,  0.317527593865633};
  const std::vector<double> mha_kdim_mask{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0,
                                          0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  nn::MultiheadAttention mha(4, 2, {.kdim = 3, .vdim = 5, .batch_first = true});
  set_params(*mha);
  const Tensor mask = from_vector(mha_kdim_mask, {4, 3, 4}) > 0.5;  // [batch · heads, L, S]
  auto [out, w] = mha->forward(wave({2, 3, 4}, 0.9, 0.2), wave({2, 4, 3}, 0.61, -0.3), wave({2, 4, 5}, 0.47, 0.8),
                               {.attn_mask = mask});
  check_values(out, mha_kdim_out, {2, 3, 4});
  check_values(w, mha_kdim_w, {2, 3, 4});
}

TEST_CASE("attention: bias_k and bias_v with zero attention match PyTorch") {
  const std::vector<double> mha_biaskv_out{
      -0.235206430424543, -0.676915788803892,   -0.201595729096658, 0.504716321418007,  -0.357982650236993,
      -0.595885647113055, -0.00289156476423021, 0.609878607020275,  -0.26604226800741,  -0.734611017808068,
      -0.22482224479969,  0.540647530776002,    -0.339252683495525, -0.55434881774423,  0.0172998625588086,
      0.587261818287838,  -0.286942590426483,   -0.832063530236408, -0.295238175846186, 0.5721179679635,
      -0.317893939545572, -0.533538769048783,   0.0154408280976356, 0.564709792317228};
  const std::vector<double> mha_biaskv_w{0.14072773814356,  0.108961916050075,
                                         0.197863349728928, 0,
                                         0.339944207428258, 0.21250278864918,
                                         0.145554059831294, 0.16405923635933,
                                         0.221410392254447, 0,
                                         0.256363224859706, 0.212613086695223,
                                         0.211417218512717, 0.226805211434984,
                                         0.19770787150717,  0,
                                         0.172251705610171, 0.191817992934957,
                                         0.208844358625869, 0,
                                         0.307632367400593, 0.148455973242433,
                                         0.169525103809644, 0.165542196921462,
                                         0.272354578664117, 0,
                                         0.214455776262575, 0.101584584362455,
                                         0.239678855460723, 0.17192620525013,
                                         0.298225035598724, 0,
                                         0.133418186588339, 0.0854381032652821,
                                         0.30365731016989,  0.179261364377764};
  nn::MultiheadAttention mha(4, 2, {.add_bias_kv = true, .add_zero_attn = true});
  set_params(*mha);
  auto [out, w] = mha->forward(q_in(), k_in(), v_in(), {.key_padding_mask = padding_mask()});
  check_values(out, mha_biaskv_out, {3, 2, 4});
  check_values(w, mha_biaskv_w, {2, 3, 6});  // 4 keys + bias_k + the zero key
}

TEST_CASE("attention: an unbatched query without biases and a 2-D bool mask matches PyTorch") {
  const std::vector<double> mha_unbatched_out{-0.733929076880571, 0.0911803147358494, 0.819368071976893,
                                              0.676594888568994,  0.496773304331362,  0.303255693777522,
                                              -0.2126126079283,   -0.50248079646364,  0.00183686012388468,
                                              0.217530759706516,  0.201996714762393,  -0.0282531028783391};
  const std::vector<double> mha_unbatched_w{1, 0, 0, 1, 0.401456624716275, 0.598543375283725};
  nn::MultiheadAttention mha(4, 2, {.bias = false});
  set_params(*mha);
  const Tensor mask = tensor({{false, true}, {true, false}, {false, false}});
  auto [out, w] =
      mha->forward(wave({3, 4}, 0.9, 0.2), wave({2, 4}, 0.61, -0.3), wave({2, 4}, 0.47, 0.8), {.attn_mask = mask});
  check_values(out, mha_unbatched_out, {3, 4});
  check_values(w, mha_unbatched_w, {3, 2});
}

TEST_CASE("attention: a query whose keys are all masked gets zero weights instead of NaN") {
  nn::MultiheadAttention mha(4, 2);
  set_params(*mha);
  const Tensor mask = tensor({{true, true, true, true}, {false, true, false, false}, {false, false, false, false}});
  auto [out, w] = mha->forward(q_in(), k_in(), v_in(), {.attn_mask = mask});
  CHECK(isfinite(out).all().item<bool>());
  CHECK(w.select(1, 0).abs().sum().item<double>() == 0.0);         // query 0 attends to nothing
  CHECK(allclose(w.select(1, 1).sum({-1}), ones({2}, kFloat64)));  // the others still sum to one
  // Its attention output is zero, so the result is the output projection's bias.
  CHECK(allclose(out.select(0, 0), mha->out_proj->bias.expand({2, 4})));
  // And gradients stay finite.
  auto q = q_in().requires_grad_();
  std::get<0>(mha->forward(q, k_in(), v_in(), {.attn_mask = mask})).sum().backward();
  CHECK(isfinite(q.grad()).all().item<bool>());
  CHECK(q.grad().select(0, 0).abs().sum().item<double>() == 0.0);
}

TEST_CASE("attention: an empty batch gives empty results and no keys at all is a ValueError") {
  nn::MultiheadAttention mha(4, 2);
  auto [out, w] = mha->forward(zeros({3, 0, 4}), zeros({5, 0, 4}), zeros({5, 0, 4}), {.average_attn_weights = false});
  CHECK(out.sizes() == Shape{3, 0, 4});
  CHECK(w.sizes() == Shape{0, 2, 3, 5});
  CHECK_THROWS_WITH(mha->forward(zeros({3, 2, 4}), zeros({0, 2, 4}), zeros({0, 2, 4})), Contains("no keys"));
  // With a zero key appended there is something to attend to.
  nn::MultiheadAttention zero_attn(4, 2, {.add_zero_attn = true});
  CHECK(std::get<1>(zero_attn->forward(zeros({3, 2, 4}), zeros({0, 2, 4}), zeros({0, 2, 4}))).sizes() ==
        Shape{2, 3, 1});
}

// ---- gradients ------------------------------------------------------------------------------------

TEST_CASE("attention: gradients w.r.t. the inputs and every parameter match finite differences") {
  nn::MultiheadAttention mha(4, 2, {.add_bias_kv = true, .add_zero_attn = true});
  set_params(*mha);
  // q [2, 2, 4]; k, v [3, 2, 4]; a float attention mask and a bool padding mask.
  TensorList in = with_grad({wave({2, 2, 4}, 0.9, 0.2), wave({3, 2, 4}, 0.61, -0.3), wave({3, 2, 4}, 0.47, 0.8),
                             mha->in_proj_weight, mha->in_proj_bias, mha->bias_k, mha->bias_v, mha->out_proj->weight,
                             mha->out_proj->bias, wave({2, 3}, 0.33, 0.1, 0.5)});
  const Tensor pad = tensor({{false, false, true}, {false, false, false}});
  auto f = [&](const TensorList& t) {
    F::MultiheadAttentionForwardFuncOptions o;
    o.embed_dim_to_check = 4;
    o.num_heads = 2;
    o.in_proj_weight = t[3];
    o.in_proj_bias = t[4];
    o.bias_k = t[5];
    o.bias_v = t[6];
    o.add_zero_attn = true;
    o.out_proj_weight = t[7];
    o.out_proj_bias = t[8];
    o.key_padding_mask = pad;
    o.attn_mask = t[9];
    o.average_attn_weights = false;
    auto [out, w] = F::multi_head_attention_forward(t[0], t[1], t[2], o);
    return cat({out.reshape({-1}), w.reshape({-1})});
  };
  CHECK(autograd::gradcheck(f, in));
}

TEST_CASE("attention: gradients with separate projection weights match finite differences") {
  nn::MultiheadAttention mha(4, 2, {.kdim = 3, .vdim = 2, .batch_first = true});
  set_params(*mha);
  TensorList in = with_grad({wave({2, 2, 4}, 0.9, 0.2), wave({3, 2, 3}, 0.61, -0.3), wave({3, 2, 2}, 0.47, 0.8),
                             mha->q_proj_weight, mha->k_proj_weight, mha->v_proj_weight, mha->in_proj_bias,
                             mha->out_proj->weight, mha->out_proj->bias});
  auto f = [](const TensorList& t) {
    F::MultiheadAttentionForwardFuncOptions o;
    o.embed_dim_to_check = 4;
    o.num_heads = 2;
    o.in_proj_bias = t[6];
    o.out_proj_weight = t[7];
    o.out_proj_bias = t[8];
    o.use_separate_proj_weight = true;
    o.q_proj_weight = t[3];
    o.k_proj_weight = t[4];
    o.v_proj_weight = t[5];
    return std::get<0>(F::multi_head_attention_forward(t[0], t[1], t[2], o));
  };
  CHECK(autograd::gradcheck(f, in));
  // Second derivatives w.r.t. query, key and value (the weights held fixed).
  auto of_inputs = [&](const TensorList& t) {
    TensorList all = t;
    for (std::size_t i = 3; i < in.size(); ++i) all.push_back(in[i].detach());
    return f(all);
  };
  CHECK(autograd::gradgradcheck(of_inputs, {in[0], in[1], in[2]}));
}

// ---- dropout on the attention weights -------------------------------------------------------------

TEST_CASE("attention: dropout zeroes or rescales the weights in training and is off in eval") {
  nn::MultiheadAttention mha(4, 2, {.dropout = 0.5});
  set_params(*mha);
  mha->eval();
  auto [out_eval, w_eval] = mha->forward(q_in(), k_in(), v_in(), {.average_attn_weights = false});
  auto [out_eval2, w_eval2] = mha->forward(q_in(), k_in(), v_in(), {.average_attn_weights = false});
  CHECK(equal(out_eval, out_eval2));
  CHECK(allclose(w_eval.sum({-1}), ones({2, 2, 3}, kFloat64)));
  mha->train();
  manual_seed(11);
  auto [out_train, w_train] = mha->forward(q_in(), k_in(), v_in(), {.average_attn_weights = false});
  // Each weight is dropped (0) or kept and scaled by 1 / (1 - p) = 2.
  const Tensor kept = w_train > 0.0;
  CHECK(allclose(where(kept, w_eval * 2.0, Scalar(0.0)), w_train, 1e-12, 1e-14));
  const double frac = kept.to(kFloat64).mean().item<double>();
  CHECK(frac > 0.2);
  CHECK(frac < 0.8);
  CHECK_FALSE(allclose(out_train, out_eval));
}

// ---- scaled_dot_product_attention -----------------------------------------------------------------

TEST_CASE("attention: scaled_dot_product_attention matches its PyTorch definition") {
  const std::vector<double> sdpa_plain{
      0.211976537544458,    0.220036075774009,   0.180377837293645,   -0.0424264998634146, -0.026033782378511,
      -0.00399528971750293, 0.0599796009162341,  0.0135288910415345,  -0.0358557404620699, 0.0531558961393363,
      -0.00493865338064874, -0.0619621896204863, -0.0509257315717181, -0.161377798598701,  -0.23683292372703,
      0.196238200558708,    0.100454171071619,   -0.0171146938698993};
  const std::vector<double> sdpa_bool{0.315911162906765,   0.411768144420781,  0.418327676402441,   -0.484406088966748,
                                      -0.433704202028877,  -0.288947737005267, -0.0248499681658126, -0.0241414522856145,
                                      -0.0181975384118565, 0.0771189434766374, 0.0469340461509569,  0.00657087089314115,
                                      -0.712905435782445,  -0.628196811839166, -0.407255276579973,  0.311962492320315,
                                      0.431385416868444,   0.457256623019338};
  const std::vector<double> sdpa_float{
      0.198265581425503,   0.169377385560824,  0.103757429981425,  -0.0480273026124318, -0.052421031108793,
      -0.0454465553297697, 0.1342692706329,    0.116283694936721,  0.0730804390466208,  0.0158576016276288,
      -0.0602688335924148, -0.123325163222665, -0.129387367347619, -0.227119582044018,  -0.275597866609628,
      0.265896947097374,   0.194808363590827,  0.0814729714082403};
  const std::vector<double> sdpa_causal{0.696706709347165,  0.296280872925319,  -0.168397447949077, 0.165518427299658,
                                        -0.193161118728142, -0.509951083240346, -0.349707415253143, -0.601561244190135,
                                        -0.72295844220136,  0.312297960327915,  0.708669774291259,  0.951357034793342,
                                        0.788939161206037,  0.780106302967797,  0.602096921088735,  0.207164605317539,
                                        0.0965579726444958, -0.0349885525530094};
  const Tensor q = wave({2, 3, 4}, 0.9, 0.2), k = wave({2, 5, 4}, 0.61, -0.3), v = wave({2, 5, 3}, 0.47, 0.8);
  check_values(F::scaled_dot_product_attention(q, k, v), sdpa_plain, {2, 3, 3});
  // A bool mask marks the keys that take part (PyTorch's convention for this function).
  const Tensor keep =
      tensor({{true, false, true, true, false}, {true, true, true, false, false}, {false, true, true, true, true}});
  check_values(F::scaled_dot_product_attention(q, k, v, keep), sdpa_bool, {2, 3, 3});
  check_values(F::scaled_dot_product_attention(q, k, v, wave({3, 5}, 0.33, 0.1, 0.5)), sdpa_float, {2, 3, 3});
  const Tensor kc = wave({2, 3, 4}, 0.61, -0.3), vc = wave({2, 3, 3}, 0.47, 0.8);
  check_values(F::scaled_dot_product_attention(q, kc, vc, {}, 0.0, /*is_causal=*/true), sdpa_causal, {2, 3, 3});
  // The causal result equals an explicit lower-triangular keep mask.
  const Tensor tril = arange(3).unsqueeze(1) >= arange(3).unsqueeze(0);
  CHECK(allclose(F::scaled_dot_product_attention(q, kc, vc, tril),
                 F::scaled_dot_product_attention(q, kc, vc, {}, 0.0, true)));
}

TEST_CASE("attention: scaled_dot_product_attention broadcasts batch dims and takes a custom scale") {
  const Tensor q = wave({2, 1, 3, 4}, 0.9, 0.2), k = wave({1, 2, 5, 4}, 0.61, -0.3), v = wave({1, 2, 5, 3}, 0.47, 0.8);
  const Tensor y = F::scaled_dot_product_attention(q, k, v);
  REQUIRE(y.sizes() == Shape{2, 2, 3, 3});
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t b = 0; b < 2; ++b)
      CHECK(allclose(y[a][b], F::scaled_dot_product_attention(q[a][0], k[0][b], v[0][b]), 1e-12, 1e-14));
  // scale 0: uniform weights, so every query gets the mean of the values.
  const Tensor u = F::scaled_dot_product_attention(q, k, v, {}, 0.0, false, 0.0);
  CHECK(allclose(u[1][1][2], v[0][1].mean({0}), 1e-12, 1e-14));
}

TEST_CASE("attention: scaled_dot_product_attention gradients match finite differences") {
  TensorList in = with_grad({wave({2, 3, 2}, 0.9, 0.2), wave({2, 4, 2}, 0.61, -0.3), wave({2, 4, 3}, 0.47, 0.8),
                             wave({3, 4}, 0.33, 0.1, 0.5)});
  auto f = [](const TensorList& t) { return F::scaled_dot_product_attention(t[0], t[1], t[2], t[3]); };
  CHECK(autograd::gradcheck(f, in));
  CHECK(autograd::gradgradcheck(f, in));
  auto causal = [](const TensorList& t) { return F::scaled_dot_product_attention(t[0], t[1], t[1], {}, 0.0, true); };
  CHECK(autograd::gradcheck(causal, {in[0], in[0].detach().clone().requires_grad_()}));
}

TEST_CASE("attention: scaled_dot_product_attention rejects bad arguments") {
  const Tensor q = zeros({2, 3, 4}), k = zeros({2, 5, 4}), v = zeros({2, 5, 3});
  CHECK_THROWS_AS(F::scaled_dot_product_attention(q, k, v, ones({3, 5}, kBool), 0.0, true), ValueError);
  CHECK_THROWS_WITH(F::scaled_dot_product_attention(q, zeros({2, 5, 3}), v),
                    Contains("scaled_dot_product_attention") && Contains("[2, 3, 4]") && Contains("[2, 5, 3]"));
  CHECK_THROWS_AS(F::scaled_dot_product_attention(q, k, zeros({2, 4, 3})), ShapeError);
  CHECK_THROWS_WITH(F::scaled_dot_product_attention(q, k, v, zeros({4, 5})),
                    Contains("[4, 5]") && Contains("[2, 3, 5]"));
  CHECK_THROWS_AS(F::scaled_dot_product_attention(q, k, v, zeros({3, 5}, kInt64)), DtypeError);
  CHECK_THROWS_AS(F::scaled_dot_product_attention(q, k, v, {}, 1.5), ValueError);
  CHECK_THROWS_AS(F::scaled_dot_product_attention(q, k.to(kFloat64), v), DtypeError);
  CHECK_THROWS_AS(F::scaled_dot_product_attention(zeros({4}), k, v), ShapeError);
}

// ---- errors ---------------------------------------------------------------------------------------

TEST_CASE("attention: bad hyper-parameters are ValueErrors") {
  CHECK_THROWS_WITH(nn::MultiheadAttention(6, 4), Contains("divisible") && Contains("6") && Contains("4"));
  CHECK_THROWS_AS(nn::MultiheadAttention(4, 0), ValueError);
  CHECK_THROWS_AS(nn::MultiheadAttention(4, 2, {.dropout = 2.0}), ValueError);
  CHECK_THROWS_AS(nn::MultiheadAttention(4, 2, {.kdim = 0}), ValueError);
}

TEST_CASE("attention: inputs and masks of the wrong shape or dtype are typed errors naming the layer") {
  nn::MultiheadAttention mha(4, 2);
  const Tensor q = zeros({3, 2, 4}), kv = zeros({5, 2, 4});
  CHECK_THROWS_WITH(mha->forward(zeros({1, 3, 2, 4}), kv, kv), Contains("MultiheadAttention") && Contains("4-D"));
  CHECK_THROWS_AS(mha->forward(q, zeros({5, 4}), zeros({5, 4})), ShapeError);
  CHECK_THROWS_WITH(mha->forward(zeros({3, 2, 5}), kv, kv), Contains("embedding dimension of 4") && Contains("5"));
  CHECK_THROWS_AS(mha->forward(q, zeros({5, 2, 3}), zeros({5, 2, 3})), ShapeError);
  CHECK_THROWS_AS(mha->forward(q, kv, zeros({6, 2, 4})), ShapeError);
  CHECK_THROWS_AS(mha->forward(q, zeros({5, 3, 4}), zeros({5, 3, 4})), ShapeError);
  CHECK_THROWS_WITH(mha->forward(q, kv, kv, {.key_padding_mask = zeros({2, 4}, kBool)}),
                    Contains("key_padding_mask") && Contains("[2, 5]") && Contains("[2, 4]"));
  CHECK_THROWS_WITH(mha->forward(q, kv, kv, {.attn_mask = zeros({3, 4}, kBool)}),
                    Contains("attn_mask") && Contains("[3, 4]") && Contains("[3, 5]"));
  CHECK_THROWS_AS(mha->forward(q, kv, kv, {.attn_mask = zeros({2, 3, 5}, kBool)}), ShapeError);  // needs [4, 3, 5]
  CHECK_THROWS_AS(mha->forward(q, kv, kv, {.attn_mask = zeros({3, 5}, kInt64)}), DtypeError);
  CHECK_THROWS_AS(mha->forward(q, kv, kv, {.key_padding_mask = zeros({2, 5}, kInt64)}), DtypeError);
  CHECK_THROWS_AS(mha->forward(q.to(kFloat64), kv.to(kFloat64), kv.to(kFloat64)), DtypeError);
  CHECK_THROWS_AS(mha->forward(q, kv.to(kFloat64), kv), DtypeError);
  CHECK_THROWS_AS(mha->forward(q, kv, Tensor()), ValueError);
}
