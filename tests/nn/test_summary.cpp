// summary(): rows (names, types, output shapes, parameter counts), totals, trainable and
// non-trainable counts, memory estimate, shared and uncalled modules, and that the model is left
// exactly as it was (hooks, modes, values, random state).
#include <catch2/catch.hpp>

#include <sstream>

#include <xgrad/nn.hpp>

using namespace xg;
using Catch::Matchers::Contains;

namespace {
nn::Sequential mlp() {
  return nn::Sequential({nn::Linear(784, 256), nn::Functional(xg::relu, "relu"), nn::Linear(256, 128),
                         nn::Functional(xg::relu, "relu"), nn::Linear(128, 10)});
}
std::int64_t row_sum(const nn::ModelSummary& s) {
  std::int64_t n = 0;
  for (const auto& r : s.rows) n += r.num_params;
  return n;
}
}  // namespace

TEST_CASE("summary: an MLP 784-256-128-10 has one row per layer and 235146 parameters") {
  auto model = mlp();
  auto s = nn::summary(model, {1, 784});
  REQUIRE(s.rows.size() == 5);
  const std::vector<std::string> names = {"0", "1", "2", "3", "4"};
  const std::vector<std::string> types = {"Linear", "Functional", "Linear", "Functional", "Linear"};
  const std::vector<Shape> shapes = {{1, 256}, {1, 256}, {1, 128}, {1, 128}, {1, 10}};
  const std::vector<std::int64_t> params = {200960, 0, 32896, 0, 1290};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("row " << i);
    CHECK(s.rows[i].name == names[i]);
    CHECK(s.rows[i].type == types[i]);
    CHECK(s.rows[i].output_shape == shapes[i]);
    CHECK(s.rows[i].num_params == params[i]);
    CHECK(s.rows[i].trainable_params == params[i]);
    CHECK(s.rows[i].depth == 0);
    CHECK(s.rows[i].called);
    CHECK_FALSE(s.rows[i].repeated);
  }
  CHECK(s.total_params == 235146);
  CHECK(s.trainable_params == 235146);
  CHECK(s.non_trainable_params == 0);
  CHECK(row_sum(s) == s.total_params);
  CHECK(s.model_name == "Sequential");
  CHECK(s.output_shape == Shape{1, 10});
  CHECK(s.input_dtype == kFloat32);
  // Memory: float32 input, outputs of the five rows, parameters.
  const double mb = 1024.0 * 1024.0;
  CHECK(s.input_mb == Approx(784 * 4 / mb));
  CHECK(s.activations_mb == Approx((256 + 256 + 128 + 128 + 10) * 4 / mb));
  CHECK(s.params_mb == Approx(235146 * 4 / mb));
  CHECK(s.total_mb == Approx(s.input_mb + s.activations_mb + s.params_mb));
  // The batch scales the input and activations, not the parameters.
  auto s64 = nn::summary(model, {64, 784});
  CHECK(s64.activations_mb == Approx(64 * s.activations_mb));
  CHECK(s64.params_mb == Approx(s.params_mb));
  CHECK(s64.rows[4].output_shape == Shape{64, 10});

  const std::string text = s.str();
  CHECK_THAT(text, Contains("Model: \"Sequential\""));
  CHECK_THAT(text, Contains(" Layer (type)"));
  CHECK_THAT(text, Contains("Output Shape"));
  CHECK_THAT(text, Contains(" 0 (Linear)"));
  CHECK_THAT(text, Contains("[1, 256]"));
  CHECK_THAT(text, Contains("200,960"));
  CHECK_THAT(text, Contains(" 1 (Functional)"));
  CHECK_THAT(text, Contains("Total params: 235,146\n"));
  CHECK_THAT(text, Contains("Trainable params: 235,146\n"));
  CHECK_THAT(text, Contains("Non-trainable params: 0\n"));
  CHECK_THAT(text, Contains("Params size (MB): 0.90\n"));
  std::ostringstream os;
  os << s;
  CHECK(os.str() == text);
}

TEST_CASE("summary: a frozen layer counts as non-trainable") {
  auto model = mlp();
  model[0]->freeze();
  auto s = nn::summary(model, {1, 784});
  CHECK(s.total_params == 235146);
  CHECK(s.trainable_params == 235146 - 200960);
  CHECK(s.non_trainable_params == 200960);
  CHECK(s.rows[0].num_params == 200960);
  CHECK(s.rows[0].trainable_params == 0);
  CHECK(s.rows[2].trainable_params == 32896);
  CHECK_THAT(s.str(), Contains("Non-trainable params: 200,960"));
}

TEST_CASE("summary: layers with activations, nested containers and dotted names") {
  nn::Sequential model({nn::Sequential({nn::Flatten(), nn::Linear(784, 64, {.activation = "relu"})}),
                        nn::Sequential({nn::Linear(64, 10)})});
  auto s = nn::summary(model, {2, 1, 28, 28});
  REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[0].name == "0.0");
  CHECK(s.rows[0].type == "Flatten");
  CHECK(s.rows[0].output_shape == Shape{2, 784});
  CHECK(s.rows[0].depth == 1);
  CHECK(s.rows[1].name == "0.1");
  CHECK(s.rows[1].output_shape == Shape{2, 64});
  CHECK(s.rows[1].num_params == 784 * 64 + 64);
  CHECK(s.rows[2].name == "1.0");
  CHECK(s.total_params == 784 * 64 + 64 + 650);
  CHECK(row_sum(s) == s.total_params);
  CHECK_THAT(s.str(), Contains(" 0.1 (Linear)"));
  // A single layer is its own row.
  auto one = nn::summary(nn::Linear(3, 2), {4, 3});
  REQUIRE(one.rows.size() == 1);
  CHECK(one.rows[0].name.empty());
  CHECK(one.rows[0].num_params == 8);
  CHECK_THAT(one.str(), Contains(" Linear "));
}

TEST_CASE("summary: a module used twice gets a row per call and its parameters once") {
  nn::Linear shared(8, 8);
  nn::Sequential model({shared, nn::Functional("tanh"), shared});
  auto s = nn::summary(model, {1, 8});
  REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[0].name == "0");
  CHECK(s.rows[2].name == "0");  // the module's first name
  CHECK(s.rows[2].repeated);
  CHECK(s.rows[2].num_params == 0);
  CHECK(s.total_params == 72);
  CHECK(row_sum(s) == 72);
  CHECK_THAT(s.str(), Contains("(shared)"));
}

TEST_CASE("summary: parameters of modules the forward never calls directly still get a row") {
  // A model whose forward calls a Bilinear with two inputs (no single-tensor hook sees it) and
  // has parameters of its own.
  struct PairImpl : nn::Module {
    PairImpl() {
      fc = register_module("fc", nn::Linear(4, 3));
      bil = register_module("bil", nn::Bilinear(3, 3, 2));
      scale = register_parameter("scale", ones({2}));
    }
    Tensor forward(const Tensor& x) override {
      auto h = fc(x);
      return bil(h, h) * scale;
    }
    nn::Linear fc{nullptr};
    nn::Bilinear bil{nullptr};
    Tensor scale;
  };
  auto model = std::make_shared<PairImpl>();
  auto s = nn::summary(model, {5, 4});
  REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[0].name == "fc");
  CHECK(s.rows[1].name.empty());  // the model's own parameter "scale"
  CHECK(s.rows[1].type == "Pair");
  CHECK(s.rows[1].num_params == 2);
  CHECK(s.rows[1].output_shape == Shape{5, 2});
  CHECK(s.rows[2].name == "bil");
  CHECK_FALSE(s.rows[2].called);
  CHECK(s.rows[2].num_params == 3 * 3 * 2 + 2);
  CHECK(s.total_params == 15 + 20 + 2);
  CHECK(row_sum(s) == s.total_params);
  CHECK_THAT(s.str(), Contains("not called"));
}

TEST_CASE("summary: the model is left as it was") {
  auto model = mlp();
  model[2]->eval();
  int calls = 0;
  model[0]->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) {
    ++calls;
    return Tensor();
  });
  auto before = model->state_dict();
  std::vector<Tensor> values;
  for (const auto& item : before) values.push_back(item.value().clone());

  manual_seed(31);
  auto expected_next = randn({3});
  manual_seed(31);
  auto s = nn::summary(model, {2, 784}, {.random_input = true});
  CHECK(randn({3}).equal(expected_next));  // the random input did not consume the global stream
  CHECK(calls == 1);                       // the user's hook ran during the summary's forward
  CHECK(model->is_training());
  CHECK(model[0]->is_training());
  CHECK_FALSE(model[2]->is_training());
  std::size_t i = 0;
  for (const auto& item : model->state_dict()) CHECK(item.value().equal(values[i++]));
  // The summary's hooks are gone: another forward adds no rows anywhere and runs the user's hook once.
  model(zeros({1, 784}));
  CHECK(calls == 2);
  CHECK(s.rows.size() == 5);
  CHECK_FALSE(model->parameters()[0].grad().defined());
}

TEST_CASE("summary: errors leave the model usable") {
  auto model = mlp();
  CHECK_THROWS_AS(nn::summary(model, {1, 100}), ShapeError);  // the first Linear rejects it
  CHECK(model->is_training());
  auto s = nn::summary(model, {1, 784});
  CHECK(s.rows.size() == 5);
  CHECK_THROWS_WITH(nn::summary(model, {-1, 784}), Contains("non-negative"));
  CHECK_THROWS_AS(nn::summary(nn::ModulePtr(), {1}), ValueError);
  CHECK_THROWS_AS(nn::summary(model, {1, 784}, {.dtype = kInt64, .random_input = true}), DtypeError);
  // Input dtype follows the parameters.
  model->to(kFloat64);
  CHECK(nn::summary(model, {1, 784}).input_dtype == kFloat64);
}
