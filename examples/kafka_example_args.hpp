#pragma once

// The Kafka examples' own options: --brokers and --topics, taken out of the command line before
// the shared parsing (example_args.hpp) reads the rest.

#include <string>
#include <string_view>
#include <vector>

namespace ember::examples {

struct KafkaArgs {
  std::string brokers;              // empty: start a mock cluster in-process
  std::vector<std::string> topics;  // from --topics a,b,c
};

/// Removes "--brokers B" and "--topics T1,T2" from argv (argc shrinks). Returns false with
/// `error` set when one of them has no value.
inline bool takeKafkaArgs(int& argc, char** argv, KafkaArgs& out, std::string& error) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--brokers" || arg == "--topics") {
      if (i + 1 >= argc) {
        error = std::string(arg) + " needs a value";
        return false;
      }
      std::string value = argv[++i];
      if (arg == "--brokers") {
        out.brokers = value;
      } else {
        out.topics.clear();
        std::size_t start = 0;
        while (start <= value.size()) {
          std::size_t comma = value.find(',', start);
          if (comma == std::string::npos) comma = value.size();
          if (comma > start) out.topics.push_back(value.substr(start, comma - start));
          start = comma + 1;
        }
      }
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  return true;
}

}  // namespace ember::examples
