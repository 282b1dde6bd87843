#pragma once

// Command-line parsing shared by the examples.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ember::examples {

/// Positional arguments, an optional "--seconds N" anywhere on the line, the positive
/// whole-number options an example allows ("--window 30" gives numbers["window"] = 30), and
/// whether "--help" (or "-h") was asked for.
struct Args {
  bool help = false;
  std::vector<std::string> positional;
  std::optional<std::int64_t> seconds;
  std::map<std::string, std::int64_t> numbers;

  std::int64_t number(const std::string& name, std::int64_t fallback) const {
    auto it = numbers.find(name);
    return it == numbers.end() ? fallback : it->second;
  }
};

/// A whole decimal integer, or nothing.
inline std::optional<std::int64_t> parseInteger(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

/// The arguments, or an error message (an unknown option, a missing or bad value). `options`
/// names the example's own numeric options, without their dashes. "--help" or "-h" anywhere
/// wins over everything else on the line, so that asking for help never fails.
inline std::optional<Args> parseArgs(int argc, char** argv, std::string& error,
                                     const std::vector<std::string>& options = {}) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      Args help;
      help.help = true;
      return help;
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string name = arg.substr(0, 2) == "--" ? std::string(arg.substr(2)) : std::string();
    if (!name.empty() && std::find(options.begin(), options.end(), name) != options.end()) {
      std::optional<std::int64_t> value;
      if (i + 1 < argc) value = parseInteger(argv[++i]);
      if (!value || *value <= 0) {
        error = "--" + name + " needs a positive whole number";
        return std::nullopt;
      }
      args.numbers[name] = *value;
    } else if (arg == "--seconds") {
      if (i + 1 >= argc) {
        error = "--seconds needs a value";
        return std::nullopt;
      }
      args.seconds = parseInteger(argv[++i]);
      if (!args.seconds || *args.seconds <= 0) {
        error = std::string("--seconds must be a positive whole number, got '") + argv[i] + "'";
        return std::nullopt;
      }
    } else if (arg.size() > 1 && arg[0] == '-' && !parseInteger(arg)) {
      error = "unknown option " + std::string(arg);
      return std::nullopt;
    } else {
      args.positional.emplace_back(arg);
    }
  }
  return args;
}

/// Prints "program: error" (when there is an error) and the usage text to standard error, and
/// returns 2, the exit status of bad arguments.
inline int printUsage(std::string_view program, std::string_view text, const std::string& error) {
  if (!error.empty()) std::cerr << program << ": " << error << "\n";
  std::cerr << text;
  return 2;
}

/// Prints the usage text to standard output, as asked by --help, and returns 0.
inline int printHelp(std::string_view text) {
  std::cout << text;
  return 0;
}

/// Prints where the context's web UI is, on standard error (standard output is the program's
/// results), once it started; nothing when spark.ui.enabled is false.
template <class Context>
void printUiUrl(const Context& ssc) {
  if (auto url = ssc.uiWebUrl()) std::cerr << "Streaming UI at " << *url << "/streaming/\n";
}

/// Starts the context and runs it until it is stopped or, with --seconds N, for N seconds and
/// then stops it gracefully. Returns the process's exit status.
template <class Context>
int runContext(Context& ssc, const Args& args) {
  ssc.start();
  printUiUrl(ssc);
  if (args.seconds) {
    ssc.awaitTerminationOrTimeout(*args.seconds * 1000);
    ssc.stop(true, true);
    return 0;
  }
  ssc.awaitTermination();
  return 0;
}

}  // namespace ember::examples
