#pragma once

// Command-line parsing shared by the examples.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ember::examples {

/// Positional arguments and an optional "--seconds N" anywhere on the line.
struct Args {
  std::vector<std::string> positional;
  std::optional<std::int64_t> seconds;
};

/// A whole decimal integer, or nothing.
inline std::optional<std::int64_t> parseInteger(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

/// The arguments, or an error message (an unknown option, a missing or bad --seconds value).
inline std::optional<Args> parseArgs(int argc, char** argv, std::string& error) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--seconds") {
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

/// Starts the context and runs it until it is stopped or, with --seconds N, for N seconds and
/// then stops it gracefully. Returns the process's exit status.
template <class Context>
int runContext(Context& ssc, const Args& args) {
  ssc.start();
  if (args.seconds) {
    ssc.awaitTerminationOrTimeout(*args.seconds * 1000);
    ssc.stop(true, true);
    return 0;
  }
  ssc.awaitTermination();
  return 0;
}

}  // namespace ember::examples
