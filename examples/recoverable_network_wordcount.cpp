// The guide's RecoverableNetworkWordCount: a word count over the lines of a TCP server that
// checkpoints, so that when the process is killed and started again with the same checkpoint
// directory it goes on where it stopped. StreamingContext::getOrCreate builds the program with
// createContext in both cases: on a restart the running counts, the batches left unfinished and
// those the process was down for come back from the checkpoint.
//
//   recoverable_network_wordcount HOST PORT CHECKPOINT_DIR OUTPUT_FILE [--seconds N]
//   recoverable_network_wordcount CHECKPOINT_DIR OUTPUT_FILE [--seconds N]
//                                    (an embedded server on 127.0.0.1 sends sample lines)
//
// Each batch appends its running counts to OUTPUT_FILE and prints them. As in the guide, words
// on an exclude list are dropped and counted by a lazily made singleton: such objects are not
// in a checkpoint (they are made again by the new process), which is how the guide has programs
// use broadcast variables and accumulators with checkpoints.

#include <atomic>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: recoverable_network_wordcount [HOST PORT] CHECKPOINT_DIR OUTPUT_FILE [--seconds N]\n"
    "  HOST PORT       the server to read lines of text from (e.g. `nc -lk 9999`)\n"
    "                  without them, an embedded server sends sample lines\n"
    "  CHECKPOINT_DIR  where checkpoints go; start again with the same one to recover\n"
    "  OUTPUT_FILE     each batch appends its running counts here\n"
    "  --seconds N     stop after N seconds (default: run until killed)\n";

const std::vector<std::string> kSentences = {"a quick brown fox", "jumps over the lazy dog",
                                             "the dog sleeps", "b c quick quick"};

int usage(const std::string& error) {
  return ember::examples::printUsage("recoverable_network_wordcount", kUsage, error);
}

/// The guide's WordExcludeList and DroppedWordsCounter: made on first use in each process.
const std::set<std::string>& wordExcludeList() {
  static const std::set<std::string> words = {"a", "b", "c"};
  return words;
}
std::atomic<long>& droppedWordsCounter() {
  static std::atomic<long> counter{0};
  return counter;
}

std::unique_ptr<ember::StreamingContext> createContext(const std::string& host, int port,
                                                       const std::string& checkpoint,
                                                       const std::string& output) {
  auto ssc = std::make_unique<ember::StreamingContext>("local[2]", "RecoverableNetworkWordCount",
                                                       ember::Seconds(1));
  ssc->checkpoint(checkpoint);
  auto lines = ssc->socketTextStream(host, port);
  auto words = lines.flatMap([](const std::string& line) { return ember::split(line, ' '); });
  auto counts =
      words
          .filter([](const std::string& w) {
            if (!wordExcludeList().contains(w)) return true;
            droppedWordsCounter().fetch_add(1);
            return false;
          })
          .map([](std::string w) {
            return std::pair{std::move(w), 1L};
          })
          .updateStateByKey([](const std::vector<long>& values, const std::optional<long>& state) {
            long sum = state.value_or(0);
            for (long v : values) sum += v;
            return std::optional<long>(sum);
          });
  // Every batch's counts are checkpointed, so that even a short run leaves them to recover
  // (the default for a state stream is every 10 s).
  counts.checkpoint(ember::Seconds(1));
  counts.foreachRDD(
      [output](const ember::Rdd<std::pair<std::string, long>>& rdd, ember::Time time) {
        auto rows = rdd.collect();
        std::string text = "Counts at time " + time.toString() + ":";
        for (const auto& [word, count] : rows)
          text += " (" + word + "," + std::to_string(count) + ")";
        text += " dropped " + std::to_string(droppedWordsCounter().load()) + " words";
        std::cout << text << std::endl;
        std::ofstream(output, std::ios::app) << text << "\n";
      });
  return ssc;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 2 && args->positional.size() != 4) {
    return usage("expected [HOST PORT] CHECKPOINT_DIR OUTPUT_FILE");
  }
  std::vector<std::string> server(args->positional.begin(), args->positional.end() - 2);
  const std::string checkpoint = args->positional[args->positional.size() - 2];
  const std::string output = args->positional.back();
  auto source =
      ember::examples::openLineSource(server, kSentences, "recoverable_network_wordcount", error);
  if (!source) return usage(error);
  try {
    auto ssc = ember::StreamingContext::getOrCreate(
        checkpoint, [&] { return createContext(source->host, source->port, checkpoint, output); });
    // The factory runs in both cases (it is code, not data); the context knows which it was.
    std::cout << (ssc->restoredFromCheckpoint() ? "Recovering from checkpoint"
                                                : "Creating new context")
              << std::endl;
    return ember::examples::runContext(*ssc, *args);
  } catch (const ember::Error& e) {
    std::cerr << "recoverable_network_wordcount: " << e.what() << "\n";
    return 1;
  }
}
