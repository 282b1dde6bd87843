// The guide's windowed word count: word counts over the last 30 seconds of lines, every 10
// seconds, kept up to date incrementally with an inverse function (reduceByKeyAndWindow with
// `+` and `-`): each slide adds the batches that entered the window and subtracts those that
// left it, instead of adding up the whole window again.
//
//   windowed_wordcount [HOST PORT] [--window W] [--slide S] [--seconds N]
//
// With HOST PORT it reads that server (e.g. `nc -lk 9999`); without, an embedded server on
// 127.0.0.1 sends sample lines. W and S are in seconds (30 and 10 by default, whole multiples of
// the one-second batch). Without --seconds it runs until killed; with it, it stops gracefully
// after N seconds and exits 0. Bad arguments print the usage and exit 2; --help prints it and exits
// 0.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: windowed_wordcount [HOST PORT] [--window W] [--slide S] [--seconds N]\n"
    "  HOST PORT    the server to read lines of text from (e.g. `nc -lk 9999` on localhost)\n"
    "               without them, an embedded server sends sample lines\n"
    "  --window W   the window's length in seconds (default 30)\n"
    "  --slide S    how often a window is printed, in seconds (default 10)\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"to be or not to be", "hello world", "hello ember"};

int usage(const std::string& error) {
  return ember::examples::printUsage("windowed_wordcount", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error, {"window", "slide"});
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  auto source =
      ember::examples::openLineSource(args->positional, kSentences, "windowed_wordcount", error);
  if (!source) return usage(error);

  ember::StreamingContext ssc("local[2]", "WindowedNetworkWordCount", ember::Seconds(1));
  try {
    auto lines = ssc.socketTextStream(source->host, source->port);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto pairs = words.map([](std::string word) { return std::pair{std::move(word), 1}; });
    // Words whose count fell back to zero have left the window: the filter drops them, where the
    // guide's form without it would keep printing them with 0.
    auto windowedWordCounts = pairs.reduceByKeyAndWindow(
        std::plus<>{}, std::minus<>{}, ember::Seconds(args->number("window", 30)),
        ember::Seconds(args->number("slide", 10)),
        [](const std::pair<std::string, int>& kv) { return kv.second > 0; });
    windowedWordCounts.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
