// The examples' command-line flags: `--name VALUE` options and `--name` switches bound to
// variables, a --help generated from them (with each default), and an xg::ValueError naming the
// flag for an unknown flag, a missing value or a value that is not a number (each example's main
// prints it after its own name).
//
//   Options o;
//   example::Flags flags("fashion_mnist_mlp", "An MLP on Fashion-MNIST.");
//   flags.add("--epochs", o.epochs, "epochs to train");
//   flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
//   flags.add_switch("--no-batch-norm", o.batch_norm, false, "leave the BatchNorm layers out");
//   flags.parse(argc, argv);   // --help / -h prints the usage and exits
#pragma once
#include <xgrad/error.hpp>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace example {

class Flags {
 public:
  explicit Flags(std::string program, std::string about = "")
      : program_(std::move(program)), about_(std::move(about)) {}

  /// `name VALUE` sets `value` (an integer, a floating-point number or a string). The usage shows
  /// `metavar` (by default N for integers, X for numbers, TEXT for strings) and the current value
  /// as the default.
  template <class T>
  Flags& add(std::string name, T& value, std::string help, std::string metavar = "") {
    if (metavar.empty()) metavar = std::is_integral_v<T> ? "N" : std::is_floating_point_v<T> ? "X" : "TEXT";
    std::ostringstream shown;
    shown << value;
    flags_.push_back(
        {std::move(name), std::move(metavar), std::move(help), shown.str(),
         [this, &value](const std::string& flag, const std::string& text) { value = convert<T>(flag, text); }});
    return *this;
  }

  /// `name` alone sets `value` to `set_to`.
  Flags& add_switch(std::string name, bool& value, bool set_to, std::string help) {
    flags_.push_back({std::move(name), "", std::move(help), "",
                      [&value, set_to](const std::string&, const std::string&) { value = set_to; }});
    return *this;
  }

  /// Applies argv[1..argc) to the bound variables; --help or -h prints the usage and exits.
  void parse(int argc, char** argv) const {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        usage(std::cout);
        std::exit(0);
      }
      const Flag* flag = find(a);
      if (!flag) throw xg::ValueError("unknown option " + a + " (see --help)");
      if (flag->metavar.empty()) {
        flag->set(a, "");
        continue;
      }
      if (i + 1 >= argc) throw xg::ValueError("missing value after " + a);
      flag->set(a, argv[++i]);
    }
  }

  void usage(std::ostream& out) const {
    out << "usage: " << program_ << " [options]\n";
    if (!about_.empty()) out << about_ << "\n";
    for (const auto& f : flags_) {
      const std::string left = f.name + (f.metavar.empty() ? "" : " " + f.metavar);
      out << "  " << std::left << std::setw(22) << left << " " << f.help;
      if (!f.metavar.empty() && !f.default_text.empty()) out << " (default " << f.default_text << ")";
      out << "\n";
    }
    out << "  " << std::left << std::setw(22) << "--help"
        << " this text\n";
  }

 private:
  struct Flag {
    std::string name, metavar, help, default_text;
    std::function<void(const std::string& flag, const std::string& text)> set;
  };

  const Flag* find(const std::string& name) const {
    for (const auto& f : flags_)
      if (f.name == name) return &f;
    return nullptr;
  }

  template <class T>
  T convert(const std::string& flag, const std::string& text) const {
    if constexpr (std::is_same_v<T, std::string>) {
      return text;
    } else {
      T out{};
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, out);
      if (ec != std::errc() || ptr != end || text.empty())
        throw xg::ValueError(flag + " expects " + (std::is_integral_v<T> ? "an integer" : "a number") + ", got '" +
                             text + "'");
      return out;
    }
  }

  std::string program_, about_;
  std::vector<Flag> flags_;
};

}  // namespace example
