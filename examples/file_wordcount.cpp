// Spark's HdfsWordCount: counts the words of the text files moved into a directory, in
// two-second batches. Files must appear atomically (write elsewhere, then rename into DIR);
// files present at start are ignored.
//
//   file_wordcount DIR [--seconds N]   without --seconds it runs until killed
//   file_wordcount --help              prints the usage and exits 0

#include <functional>
#include <iostream>
#include <string>
#include <utility>

#include "ember/ember.hpp"
#include "example_args.hpp"

namespace {
constexpr const char* kUsage =
    "usage: file_wordcount DIR [--seconds N]\n"
    "  DIR          the directory to watch: move (rename) text files into it while it runs\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

int usage(const std::string& error) {
  return ember::examples::printUsage("file_wordcount", kUsage, error);
}
}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 1) return usage("expected one directory");

  ember::StreamingContext ssc("local[2]", "HdfsWordCount", ember::Seconds(2));
  try {
    auto lines = ssc.textFileStream(args->positional[0]);
    auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
    auto wordCounts = words.map([](std::string word) {
                             return std::pair{std::move(word), 1};
                           })
                          .reduceByKey(std::plus<>{});
    wordCounts.print();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
