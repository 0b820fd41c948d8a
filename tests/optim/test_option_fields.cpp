// Every member of every optimizer's options and state struct is visited (so state dicts save it and
// schedulers can set it: Note [Optimizer field lists]), and every option survives a state-dict
// round trip with a value of its own.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <variant>

using namespace xg;
using namespace xg::optim;

namespace {

// The number of members of an aggregate (Boost.PFR's idea): the largest N for which
// T{f₁, …, f_N} compiles, where each f converts to any member type. A member declared outside
// the struct's field list makes this one larger than the number of fields visit() hands out.
struct AnyMember {
  template <class M>
  operator M() const;  // only named in unevaluated contexts
};
template <class T, class... Fs>
constexpr std::size_t member_count() {
  if constexpr (requires { T{Fs{}..., AnyMember{}}; }) return member_count<T, Fs..., AnyMember>();
  else return sizeof...(Fs);
}

// The members visit() hands to its visitor, whatever their type (a pair counts once).
struct VisitCounter {
  std::size_t* n;
  std::set<std::string>* names;
  template <class F>
  void operator()(const char* name, F&) const {
    ++*n;
    names->insert(name);
  }
};
template <class T>
std::size_t visited_count() {
  T value{};
  std::size_t n = 0;
  std::set<std::string> names;
  value.visit(VisitCounter{&n, &names});
  REQUIRE(names.size() == n);  // no name twice
  return n;
}

// A hand-written struct whose visit() forgets `momentum`: the mistake the field lists prevent.
struct Forgetful {
  double lr = 1;
  double momentum = 0;
  bool nesterov = false;
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
    v("nesterov", nesterov);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("optimizer fields: every member of an options or state struct is visited", "[optim][fields]",
                   SGDOptions, SGDState, AdagradOptions, AdagradState, AdadeltaOptions, AdadeltaState, RMSpropOptions,
                   RMSpropState, RpropOptions, RpropState, ASGDOptions, ASGDState, AdamOptions, AdamWOptions, AdamState,
                   AdamaxOptions, AdamaxState, NAdamOptions, NAdamState, RAdamOptions, RAdamState, LBFGSOptions,
                   LBFGSState, CGOptions, CGState, NewtonCGOptions, NewtonCGState) {
  constexpr std::size_t members = member_count<TestType>();
  STATIC_REQUIRE(members > 0);
  CHECK(visited_count<TestType>() == members);
}

TEST_CASE("optimizer fields: the member count sees a member left out of visit()", "[optim][fields]") {
  STATIC_REQUIRE(member_count<Forgetful>() == 3);
  CHECK(visited_count<Forgetful>() == 2);
  STATIC_REQUIRE(member_count<SGDOptions>() == 6);
  STATIC_REQUIRE(member_count<LBFGSState>() == 10);
}

TEST_CASE("optimizer fields: AdamW shares Adam's fields but decays 1e-2 by default", "[optim][fields]") {
  Tensor p = zeros({2}).requires_grad_();
  Adam adam({p});
  AdamW adamw({p.detach().clone().requires_grad_()});
  CHECK(adam.option_names() == adamw.option_names());
  CHECK(adam.defaults().weight_decay == 0.0);
  CHECK(adamw.defaults().weight_decay == 1e-2);
}

// Gives every number option of group 0 a value of its own (k-th option: 0.25 + k, 3 + k, or the
// flipped bool), bypassing validation (the values are only stored and read back), saves the state
// dict, loads it into a fresh optimizer and compares option by option.
TEMPLATE_TEST_CASE("optimizer fields: every option survives a state-dict round trip", "[optim][fields]", SGD, Adagrad,
                   Adadelta, RMSprop, Rprop, ASGD, Adam, AdamW, Adamax, NAdam, RAdam, LBFGS, CG, NewtonCG) {
  typename TestType::OptionsType defaults{};
  if constexpr (std::is_same_v<TestType, SGD>) defaults.lr = 0.1;  // SGD's lr has no default
  Tensor p = zeros({3}).requires_grad_();
  TestType saved({p}, defaults);
  auto fields = xg::optim::detail::fields_of(saved.options());
  REQUIRE(!fields.empty());
  std::size_t k = 0;
  for (auto& f : fields) {
    std::visit(
        [&](auto* ptr) {
          using T = std::remove_pointer_t<decltype(ptr)>;
          if constexpr (std::is_same_v<T, double>) *ptr = 0.25 + static_cast<double>(k);
          else if constexpr (std::is_same_v<T, std::int64_t>) *ptr = 3 + static_cast<std::int64_t>(k);
          else if constexpr (std::is_same_v<T, bool>) *ptr = !*ptr;
          else FAIL("options hold numbers only: " << f.name);
        },
        f.ptr);
    ++k;
  }
  const auto state = saved.state_dict();
  TestType loaded({p.detach().clone().requires_grad_()}, defaults);
  loaded.load_state_dict(state);
  auto after = xg::optim::detail::fields_of(loaded.options());
  REQUIRE(after.size() == fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    INFO(fields[i].name);
    CHECK(after[i].name == fields[i].name);
    CHECK(saved.get_option(0, fields[i].name) == loaded.get_option(0, fields[i].name));
    const double before_value = TestType({p.detach().clone().requires_grad_()}, defaults).get_option(0, fields[i].name);
    CHECK(loaded.get_option(0, fields[i].name) != before_value);  // the value really moved
  }
}
