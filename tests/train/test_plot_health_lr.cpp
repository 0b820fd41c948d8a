// Plots (well-formed SVG with the expected polylines, points and legends, no NaN text), the HTML
// report, TrainingHealth's measurements against values computed by hand from the final step, and
// the LR finder (exact restoration of model, optimizer and loader; a sane suggestion).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "data/temp_dir.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using namespace xg::train;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}
// The number of points of each polyline, in order.
std::vector<std::size_t> polyline_points(const std::string& svg) {
  std::vector<std::size_t> out;
  const std::regex re("<polyline[^>]* points='([^']*)'");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    std::istringstream pts((*it)[1].str());
    std::size_t n = 0;
    for (std::string p; pts >> p;) n += p.find(',') != std::string::npos;
    out.push_back(n);
  }
  return out;
}
void check_well_formed(const std::string& svg) {
  CHECK(svg.rfind("<svg xmlns='http://www.w3.org/2000/svg'", 0) == 0);
  CHECK(count(svg, "<svg") == count(svg, "</svg>"));
  CHECK(count(svg, "<g") == count(svg, "</g>"));
  CHECK(count(svg, "<text") == count(svg, "</text>"));
  std::string lower = svg;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  CHECK(lower.find("nan") == std::string::npos);
  CHECK(lower.find("inf") == std::string::npos);
}
bool bitwise_equal(const OrderedDict<std::string, Tensor>& a, const OrderedDict<std::string, Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& item : a) {
    const Tensor& x = item.value();
    const Tensor y = b[item.key()];
    if (x.dtype() != y.dtype() || x.shape() != y.shape()) return false;
    auto u = x.to_vector<double>(), v = y.to_vector<double>();
    if (std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) != 0) return false;
  }
  return true;
}
OrderedDict<std::string, Tensor> copy_of(const OrderedDict<std::string, Tensor>& d) {
  OrderedDict<std::string, Tensor> c;
  for (const auto& item : d) c.insert(item.key(), item.value().clone());
  return c;
}
}  // namespace

TEST_CASE("line_chart_svg: one polyline per series with its finite points, a legend and no NaN text", "[train][plot]") {
  const double nan = std::nan("");
  std::vector<Series> s = {{.name = "a<&b", .x = {1, 2, 3, 4, 5}, .y = {1, 4, 9, 16, 25}},
                           {.name = "gappy", .x = {1, 2, 3, 4, 5}, .y = {2, nan, 3, INFINITY, 1}}};
  const std::string svg = line_chart_svg(s, {.title = "squares", .xlabel = "x", .ylabel = "y"});
  check_well_formed(svg);
  CHECK(polyline_points(svg) == std::vector<std::size_t>{5, 3});
  CHECK(svg.find(">a&lt;&amp;b</text>") != std::string::npos);
  CHECK(svg.find(">gappy</text>") != std::string::npos);
  CHECK(svg.find(">squares</text>") != std::string::npos);
  // log axes: decade ticks, and points <= 0 are left out
  const std::string log =
      line_chart_svg({{.name = "lr", .x = {1e-4, 1e-3, 1e-2, 0}, .y = {1, 2, 3, 4}}}, {.log_x = true});
  check_well_formed(log);
  CHECK(polyline_points(log) == std::vector<std::size_t>{3});
  CHECK(log.find(">1e-3</text>") != std::string::npos);
  // whole-number x ticks (epochs), a fixed y range, and a legend that says what it leaves out
  const std::string ints = line_chart_svg({{.name = "e", .x = {1, 2, 3}, .y = {0.2, 0.4, 0.3}}},
                                          {.integer_x = true, .y_range = std::pair{0.0, 1.0}});
  CHECK(ints.find(">2</text>") != std::string::npos);
  CHECK(ints.find(">1.5</text>") == std::string::npos);
  CHECK(ints.find(">0.8</text>") != std::string::npos);  // a tick beyond the data, inside the fixed range
  std::vector<Series> many;
  for (int k = 0; k < 40; ++k) {
    std::string name = "s";
    name += std::to_string(k);
    many.push_back({.name = name, .x = {0, 1}, .y = {double(k), double(k)}});
  }
  const std::string crowded = line_chart_svg(many);
  check_well_formed(crowded);
  CHECK(polyline_points(crowded).size() == 40);
  const std::size_t entries = count(crowded, "class='legend'");
  CHECK(entries < 40);
  std::string more = ">+";
  more += std::to_string(40 - entries);
  more += " more</text>";
  CHECK(crowded.find(more) != std::string::npos);
  // nothing to draw is still a valid chart
  check_well_formed(line_chart_svg({}, {.title = "empty"}));
  CHECK_THROWS_AS(line_chart_svg({{.name = "bad", .x = {1, 2}, .y = {1}}}), ShapeError);
}

TEST_CASE("plot_history: a loss panel and a metric panel, training against validation", "[train][plot]") {
  testing::TempDir dir;
  data::TensorDataset train_set = testing::blobs(120, 1), val_set = testing::blobs(60, 2);
  data::DataLoader train(train_set, {.batch_size = 40}), val(val_set, {.batch_size = 60});
  auto net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  History h = fit(net, ce, opt, train, {.epochs = 4, .validation = &val, .metrics = {"accuracy"}, .verbose = 0});
  plot_history(h, dir / "curves.svg");
  const std::string svg = slurp(dir / "curves.svg");
  check_well_formed(svg);
  CHECK(count(svg, "class='chart'") == 2);  // the lr was constant: no lr panel
  CHECK(polyline_points(svg) == std::vector<std::size_t>{4, 4, 4, 4});
  for (const char* label : {"train loss", "validation loss", "train accuracy", "validation accuracy"})
    CHECK(svg.find(std::string(">") + label + "</text>") != std::string::npos);
  CHECK_THROWS_AS(plot_history(h, dir / "x.svg", {.metrics = {"f1"}}), ValueError);

  write_report_html(h, nullptr, dir / "report.html");
  const std::string html = slurp(dir / "report.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html, "<svg") == 1);
  CHECK(count(html, "<tr>") == 5);  // header + 4 epochs
  CHECK(html.find("</html>") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "report.html.tmp"));
}

TEST_CASE("TrainingHealth: gradient norms, update ratios and dead ReLUs match hand computations", "[train][health]") {
  testing::TempDir dir;
  data::TensorDataset set = testing::blobs(200, 1);
  data::DataLoader full(set, {.batch_size = 200});  // one step per epoch: the epoch mean is that step
  auto net = testing::small_mlp();
  {
    // Units 0-7 of the hidden layer can never fire (zero weights, bias -100); units 8-15 always
    // do (bias +100). No gradient reaches the dead ones, so they stay dead.
    NoGradGuard g;
    Tensor w = net->named_parameters()["0.weight"];
    Tensor b = net->named_parameters()["0.bias"];
    w.slice(0, 0, 8).zero_();
    b.slice(0, 0, 8).fill_(-100.0);
    b.slice(0, 8, 16).fill_(100.0);
  }
  nn::CrossEntropyLoss ce;
  const double lr = 1e-3;
  optim::SGD opt(net->parameters(), {.lr = lr});
  auto health = std::make_shared<TrainingHealth>(TrainingHealthOptions{.svg_path = dir / "health.svg"});
  fit(net, ce, opt, full, {.epochs = 2, .callbacks = {health}, .verbose = 0});
  const HealthReport& r = health->report();
  REQUIRE(r.epochs == std::vector<std::int64_t>{0, 1});
  REQUIRE(r.grad_norm.size() == 2);
  CHECK(r.grad_norm[0].name == "0");
  CHECK(r.grad_norm[1].name == "2");
  REQUIRE(r.dead_relu.size() == 1);
  CHECK(r.dead_relu[0].name == "1");
  CHECK(r.dead_relu[0].values == std::vector<double>{0.5, 0.5});
  // The gradients of the last step are still in .grad(): recompute the layer-0 norm and ratios.
  auto params = net->named_parameters();
  auto sq = [](const Tensor& t) {
    double s = 0;
    for (double v : t.to_vector<double>()) s += v * v;
    return s;
  };
  const Tensor gw = params["0.weight"].grad(), gb = params["0.bias"].grad();
  CHECK(r.grad_norm[0].values[1] == Approx(std::sqrt(sq(gw) + sq(gb))).epsilon(1e-6));
  REQUIRE(r.update_ratio.size() == 4);
  CHECK(r.update_ratio[0].name == "0.weight");
  // SGD: Δw = −lr·g, so ‖Δw‖/‖w_before‖ = lr‖g‖ / ‖w_after + lr·g‖
  const Tensor w_before = params["0.weight"].detach() + lr * gw;
  CHECK(r.update_ratio[0].values[1] == Approx(lr * std::sqrt(sq(gw)) / std::sqrt(sq(w_before))).epsilon(1e-4));
  const std::string svg = slurp(dir / "health.svg");
  check_well_formed(svg);
  CHECK(count(svg, "class='chart'") == 3);
  CHECK(svg.find(">0.weight</text>") != std::string::npos);
  CHECK(svg.find(">1e-3 guide</text>") != std::string::npos);

  write_report_html(History(), r, dir / "report.html");
  CHECK(count(slurp(dir / "report.html"), "<svg") == 2);
}

TEST_CASE("TrainingHealth: ReLUs given as Functional or as a layer's activation are watched too", "[train][health]") {
  data::TensorDataset set = testing::blobs(64, 1);
  data::DataLoader full(set, {.batch_size = 64});
  // Linear(…, relu) with 3 of its 4 units dead (zero weights, bias −100), then Functional("relu")
  // after a Linear whose 6 units all fire (bias +100), then a conv-free head.
  nn::Linear fc1(2, 4, {.activation = "relu"});
  nn::Linear fc2(4, 6);
  nn::Sequential net({fc1, fc2, nn::Functional("relu"), nn::Linear(6, 3)});
  {
    NoGradGuard g;
    fc1->weight.slice(0, 0, 3).zero_();
    fc1->bias.slice(0, 0, 3).fill_(-100.0);
    fc2->weight.zero_();
    fc2->bias.fill_(100.0);
  }
  nn::CrossEntropyLoss ce;
  optim::SGD opt(net->parameters(), {.lr = 1e-6});
  auto health = std::make_shared<TrainingHealth>();
  fit(net, ce, opt, full, {.epochs = 1, .callbacks = {health}, .verbose = 0});
  const HealthReport& r = health->report();
  REQUIRE(r.dead_relu.size() == 2);
  CHECK(r.dead_relu[0].name == "0");
  CHECK(r.dead_relu[1].name == "2");
  CHECK(r.dead_relu[0].values == std::vector<double>{0.75});
  CHECK(r.dead_relu[1].values == std::vector<double>{0.0});
}

TEST_CASE("lr_find: restores model, optimizer and loader exactly and suggests a sane learning rate",
          "[train][lr_find]") {
  testing::TempDir dir;
  data::TensorDataset set = testing::blobs(200, 1);
  data::DataLoader loader(set, {.batch_size = 20, .shuffle = true, .seed = 3});
  auto net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  fit(net, ce, opt, loader, {.epochs = 1, .verbose = 0});  // so that Adam has state to restore
  const auto weights = copy_of(net->state_dict());
  const auto opt_state = copy_of(opt.state_dict());
  const std::int64_t epoch = loader.epoch();
  net->eval();
  LRFindResult r = lr_find(net, ce, opt, loader, {.start_lr = 1e-5, .end_lr = 10, .num_iter = 100});
  CHECK(bitwise_equal(net->state_dict(), weights));
  CHECK(bitwise_equal(opt.state_dict(), opt_state));
  CHECK(opt.lr() == 1e-3);
  CHECK(loader.epoch() == epoch);
  CHECK(!net->is_training());
  REQUIRE(r.lrs.size() >= 20);
  CHECK(r.lrs[0] == 1e-5);
  CHECK(r.lrs[1] / r.lrs[0] == Approx(std::pow(1e6, 1.0 / 99)));
  CHECK(r.losses.size() == r.lrs.size());
  CHECK(r.raw_losses[0] == r.losses[0]);
  CHECK(r.losses[2] == Approx(0.05 * r.raw_losses[2] + 0.95 * r.losses[1]));
  CHECK(r.suggested_lr >= 1e-4);
  CHECK(r.suggested_lr <= 1.0);
  CHECK(r.suggested_lr == r.lrs[r.suggested_index]);
  plot_lr_find(r, dir / "lr.svg");
  const std::string svg = slurp(dir / "lr.svg");
  check_well_formed(svg);
  CHECK(polyline_points(svg) == std::vector<std::size_t>{r.lrs.size(), r.lrs.size()});
  CHECK(count(svg, "class='marker'") == 1);
  CHECK_THROWS_AS(lr_find(net, ce, opt, loader, {.start_lr = 1, .end_lr = 0.1}), ValueError);
}
