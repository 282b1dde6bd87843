// Not a test itself: streaming_crash_test starts it, kills it, and asserts on what it writes.
// The program streaming_crash_test kills: the guide's stateful word count over a directory of
// files, recoverable with getOrCreate, on the system clock. After each batch it writes the running
// counts to an output file (atomically: a temporary file renamed), which the test reads.
//
//   crash_wordcount <input-dir> <checkpoint-dir> <output-file> <batch-ms>
//
// Built twice: crash_wordcount_v2 (CRASH_WORDCOUNT_V2) is a new version of the program, with
// other function bodies and the same graph, which must go on from the first one's checkpoint.
// Its output's first line says "v2".
//
// EMBER_CRASH_IN_CHECKPOINT_WRITE=n makes the process kill itself (SIGKILL) inside its n-th
// checked-file write, after the data is synced and before the rename, as a power cut would.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/streaming/detail/checked_file.hpp"

namespace {

void writeAtomically(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
  }
  std::rename(temp.c_str(), path.c_str());
}

/// The running count of a word: the same in both versions, written differently.
std::optional<long> addCounts(const std::vector<long>& values, const std::optional<long>& state) {
#ifdef CRASH_WORDCOUNT_V2
  return std::accumulate(values.begin(), values.end(), state.value_or(0L));
#else
  long sum = state.value_or(0);
  for (long v : values) sum += v;
  return sum;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: crash_wordcount <input-dir> <checkpoint-dir> <output-file> <batch-ms>\n";
    return 2;
  }
  const std::string input = argv[1];
  const std::string checkpoint = argv[2];
  const std::string output = argv[3];
  const std::int64_t batch_ms = std::stoll(argv[4]);

  if (const char* n = std::getenv("EMBER_CRASH_IN_CHECKPOINT_WRITE")) {
    static std::atomic<int> left{std::atoi(n)};
    ember::detail::setCheckedFileWriteHook([](const std::string&) {
      if (left.fetch_sub(1) == 1) ::kill(::getpid(), SIGKILL);
    });
  }

  auto create = [&] {
    ember::Conf conf;
    conf.setMaster("local[2]").setAppName("crash_wordcount");
    auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Milliseconds(batch_ms));
    ssc->checkpoint(checkpoint);
    auto words = ssc->textFileStream(input).flatMap(
        [](const std::string& line) { return ember::split(line, ' '); });
    auto pairs = words.map([](std::string w) { return std::pair{std::move(w), 1L}; });
    auto counts = pairs.updateStateByKey(addCounts);
    counts.checkpoint(ember::Milliseconds(batch_ms * 3));
    counts.foreachRDD(
        [output](const ember::Rdd<std::pair<std::string, long>>& rdd, ember::Time time) {
          auto rows = rdd.collect();
          std::map<std::string, long> sorted(rows.begin(), rows.end());
#ifdef CRASH_WORDCOUNT_V2
          std::string text = std::to_string(time.milliseconds()) + " v2\n";
#else
          std::string text = std::to_string(time.milliseconds()) + "\n";
#endif
          for (const auto& [word, count] : sorted)
            text += word + " " + std::to_string(count) + "\n";
          writeAtomically(output, text);
        });
    return ssc;
  };
  auto ssc = ember::StreamingContext::getOrCreate(checkpoint, create);
  ssc->start();
  ssc->awaitTermination();
  return 0;
}
