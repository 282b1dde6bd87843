// The guide's first example (NetworkWordCount): counts the words of the lines a TCP server
// sends, in one-second batches.
//
//   network_wordcount HOST PORT [--seconds N] [--ui-port N]
//                                                read lines from HOST:PORT (e.g. `nc -lk 9999`)
//   network_wordcount [--seconds N]             read from an embedded server on 127.0.0.1 that
//                                                sends the lines of kSentences, ten a second
//
// Without --seconds it runs until killed, as the guide's; with it, it stops gracefully after N
// seconds and exits 0. The web UI's address is printed on standard error at start (--ui-port
// chooses its port; default 4040, or the next free one). Bad arguments print the usage and exit
// 2; --help prints it and exits 0.

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
    "usage: network_wordcount [HOST PORT] [--seconds N] [--ui-port N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n"
    "  --ui-port N  serve the web UI on port N (default: 4040, or the next free port)\n";

/// What the embedded server sends, in this order, over and over. Every batch therefore has
/// to = be = 2 x or = 2 x not, and hello = world + ember (a line never spans two batches).
const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

int usage(const std::string& error) {
  return ember::examples::printUsage("network_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error, {"ui-port"});
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  auto source =
      ember::examples::openLineSource(args->positional, kSentences, "network_wordcount", error);
  if (!source) return usage(error);

  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("NetworkWordCount");
  if (args->numbers.count("ui-port")) {
    conf.set("spark.ui.port", std::to_string(args->number("ui-port", 4040)));
  }
  ember::StreamingContext ssc(conf, ember::Seconds(1));
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
