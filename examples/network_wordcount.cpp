// The guide's first example (NetworkWordCount): counts the words of the lines a TCP server
// sends, in one-second batches.
//
//   network_wordcount HOST PORT [--seconds N]   read lines from HOST:PORT (e.g. `nc -lk 9999`)
//   network_wordcount [--seconds N]             read from an embedded server on 127.0.0.1 that
//                                                sends the lines of kSentences, ten a second
//
// Without --seconds it runs until killed, as the guide's; with it, it stops gracefully after N
// seconds and exits 0. Bad arguments print the usage and exit 2; --help prints it and exits 0.

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: network_wordcount [HOST PORT] [--seconds N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

/// What the embedded server sends, in this order, over and over. Every batch therefore has
/// to = be = 2 x or = 2 x not, and hello = world + ember (a line never spans two batches).
const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

int usage(const std::string& error) {
  return ember::examples::printUsage("network_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  auto source =
      ember::examples::openLineSource(args->positional, kSentences, "network_wordcount", error);
  if (!source) return usage(error);

  ember::StreamingContext ssc("local[2]", "NetworkWordCount", ember::Seconds(1));
  try {
    auto lines = ssc.socketTextStream(source->host, source->port);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto pairs = words.map([](std::string word) { return std::pair{std::move(word), 1}; });
    auto wordCounts = pairs.reduceByKey(std::plus<>{});
    wordCounts.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
