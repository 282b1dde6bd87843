#pragma once

// Command-line options of the benchmarks: "--name=value".

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace ember::bench {

/// The value of `arg` when it is "--name=value", else nothing.
inline std::optional<std::string> optionValue(std::string_view arg, std::string_view name) {
  if (arg.size() < name.size() + 3 || arg.substr(0, 2) != "--" ||
      arg.substr(2, name.size()) != name || arg[name.size() + 2] != '=') {
    return std::nullopt;
  }
  return std::string(arg.substr(name.size() + 3));
}

/// Prints "program: message" and ends the run with status 2 (bad arguments, a wrong result).
[[noreturn]] inline void failRun(std::string_view program, const std::string& message) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
               message.c_str());
  std::exit(2);
}

}  // namespace ember::bench
