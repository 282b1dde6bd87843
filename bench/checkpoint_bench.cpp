// What checkpoints cost, and how fast a program comes back from one.
//
// 1. Throughput: the guide's stateful word count over a directory of files (one file per batch,
//    `--words` words from a vocabulary of `--vocabulary`), on the manual clock, with a checkpoint
//    directory (metadata after every batch, the state every 10 s of batches) and without one.
//    The two run interleaved, `--reps` rounds, each a new context over the same files; the
//    table gives the best time per batch and words/s of each, and their ratio.
// 2. Recovery: a state of `--keys` keys (updateStateByKey, then mapWithState) is built and
//    checkpointed, the context stopped, and the time taken from getOrCreate() to the first new
//    batch completed is measured (in this process: reading the checkpoint, loading the state,
//    re-running what is due, and one batch).
//
//   checkpoint_bench [--batches=20] [--words=500000] [--vocabulary=10000] [--keys=1000000]
//                    [--reps=3] [--master=local[2]]

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
constexpr std::int64_t kBatchMs = 1000;
constexpr std::int64_t kStart = 100'000;

struct Options {
  int batches = 20;
  std::int64_t words = 500'000;
  std::int64_t vocabulary = 10'000;
  std::int64_t keys = 1'000'000;
  int reps = 3;
  std::string master = "local[2]";
};

[[noreturn]] void fail(const std::string& message) {
  ember::bench::failRun("checkpoint_bench", message);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("batches")) {
      o.batches = std::stoi(*v);
    } else if (auto v = value("words")) {
      o.words = std::stoll(*v);
    } else if (auto v = value("vocabulary")) {
      o.vocabulary = std::stoll(*v);
    } else if (auto v = value("keys")) {
      o.keys = std::stoll(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("master")) {
      o.master = *v;
    } else {
      fail("unknown argument " + std::string(arg) +
           " (allowed: --batches --words --vocabulary --keys --reps --master)");
    }
  }
  if (o.batches <= 0 || o.words <= 0 || o.vocabulary <= 0 || o.keys <= 0 || o.reps <= 0) {
    fail("every number must be positive");
  }
  return o;
}

class TempDir {
 public:
  TempDir() {
    // mkdtemp fills in the last six characters of the template, which must be X.
    std::string pattern =
        (fs::temp_directory_path() / ("ember_checkpoint_bench_" + std::string(6, 'X'))).string();
    root_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path operator/(const std::string& name) const { return root_ / name; }

 private:
  fs::path root_;
};

/// A file that the batch at `batch_ms` takes.
void writeBatchFile(const fs::path& dir, std::int64_t batch_ms, const std::string& text) {
  fs::path path = dir / ("batch-" + std::to_string(batch_ms));
  { std::ofstream(path, std::ios::binary) << text; }
  std::int64_t mtime = batch_ms - 500;
  timespec times[2];
  times[0] = times[1] = timespec{static_cast<time_t>(mtime / 1000), (mtime % 1000) * 1'000'000};
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
}

ember::Conf manualConf(const Options& o) {
  ember::Conf conf;
  conf.setMaster(o.master).setAppName("checkpoint-bench");
  conf.set("spark.streaming.clock", "ManualClock");
  return conf;
}

ember::ManualClock& manual(ember::StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

void runTo(ember::StreamingContext& ssc, std::int64_t time_ms) {
  manual(ssc).setTime(time_ms);
  if (!ssc.core().awaitBatchProcessed(ember::Time(time_ms), 600'000)) fail("a batch timed out");
}

std::optional<long> addCounts(const std::vector<long>& values, const std::optional<long>& state) {
  long sum = state.value_or(0);
  for (long v : values) sum += v;
  return sum;
}

/// The stateful word count over `input`, checkpointing to `checkpoint` when not empty.
std::unique_ptr<ember::StreamingContext> wordCount(const Options& o, const std::string& input,
                                                   const std::string& checkpoint,
                                                   std::shared_ptr<std::int64_t> total) {
  auto ssc =
      std::make_unique<ember::StreamingContext>(manualConf(o), ember::Milliseconds(kBatchMs));
  if (!checkpoint.empty()) ssc->checkpoint(checkpoint);
  auto counts = ssc->textFileStream(input)
                    .flatMap([](const std::string& line) { return ember::split(line, ' '); })
                    .map([](std::string w) {
                      return std::pair{std::move(w), 1L};
                    })
                    .updateStateByKey(addCounts);
  counts.foreachRDD([total](const ember::Rdd<std::pair<std::string, long>>& rdd) {
    *total = rdd.map([](const std::pair<std::string, long>& p) { return p.second; })
                 .reduce([](long a, long b) { return a + b; });
  });
  return ssc;
}

double secondsSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

void throughput(const Options& o) {
  TempDir dir;
  fs::create_directories(dir / "in");
  std::mt19937_64 rng(20261202);
  for (int b = 1; b <= o.batches; ++b) {
    std::string text;
    for (std::int64_t i = 0; i < o.words; ++i) {
      text += "w" + std::to_string(rng() % static_cast<std::uint64_t>(o.vocabulary));
      text += (i % 10 == 9) ? '\n' : ' ';
    }
    writeBatchFile(dir / "in", kStart + b * kBatchMs, text);
  }
  double best[2] = {1e100, 1e100};
  for (int rep = 0; rep < o.reps; ++rep) {
    for (int with = 0; with < 2; ++with) {
      std::string checkpoint = with ? (dir / ("ckpt" + std::to_string(rep))).string() : "";
      auto total = std::make_shared<std::int64_t>(0);
      auto ssc = wordCount(o, (dir / "in").string(), checkpoint, total);
      manual(*ssc).setTime(kStart);
      ssc->start();
      auto t0 = SteadyClock::now();
      for (int b = 1; b <= o.batches; ++b) runTo(*ssc, kStart + b * kBatchMs);
      if (with) ssc->core().awaitCheckpointsWritten(600'000);
      double s = secondsSince(t0);
      ssc->stop();
      if (*total != o.words * o.batches) fail("the counts do not add up to the words read");
      best[with] = std::min(best[with], s);
    }
  }
  double words = static_cast<double>(o.words) * o.batches;
  std::printf("## Stateful word count, %d batches of %lld words (vocabulary %lld), best of %d\n\n",
              o.batches, static_cast<long long>(o.words), static_cast<long long>(o.vocabulary),
              o.reps);
  std::printf("| run | ms per batch | words/s |\n| --- | ---: | ---: |\n");
  const char* names[2] = {"no checkpoint", "checkpoint every batch, state every 10 s"};
  for (int with = 0; with < 2; ++with) {
    std::printf("| %s | %.1f | %.0f |\n", names[with], best[with] * 1000 / o.batches,
                words / best[with]);
  }
  std::printf("\nthroughput with checkpoints / without: %.3f\n\n", best[0] / best[1]);
}

/// Builds a state of o.keys keys, checkpoints it, stops; then times getOrCreate to the first new
/// batch. `map_with_state` picks the operation.
double recovery(const Options& o, bool map_with_state) {
  TempDir dir;
  fs::create_directories(dir / "in");
  std::string text;
  text.reserve(static_cast<std::size_t>(o.keys) * 9);
  for (std::int64_t k = 0; k < o.keys; ++k) text += "k" + std::to_string(k) + "\n";
  writeBatchFile(dir / "in", kStart + kBatchMs, text);
  writeBatchFile(dir / "in", kStart + 12 * kBatchMs, "k1 k2 k3\n");
  const std::string checkpoint = (dir / "ckpt").string();
  auto total = std::make_shared<std::int64_t>(0);
  auto build = [&] {
    auto ssc =
        std::make_unique<ember::StreamingContext>(manualConf(o), ember::Milliseconds(kBatchMs));
    ssc->checkpoint(checkpoint);
    auto pairs = ssc->textFileStream((dir / "in").string())
                     .flatMap([](const std::string& line) { return ember::split(line, ' '); })
                     .map([](std::string w) {
                       return std::pair{std::move(w), 1L};
                     });
    if (map_with_state) {
      auto spec = ember::StateSpec<>::function(
          [](const std::string&, const std::optional<long>& v, ember::State<long>& state) {
            long next = (state.exists() ? state.get() : 0) + v.value_or(0);
            state.update(next);
            return next;
          });
      auto mapped = pairs.mapWithState(spec);
      mapped.stateSnapshots().foreachRDD(
          [total](const ember::Rdd<std::pair<std::string, long>>& rdd) { *total = rdd.count(); });
    } else {
      pairs.updateStateByKey(addCounts).foreachRDD(
          [total](const ember::Rdd<std::pair<std::string, long>>& rdd) { *total = rdd.count(); });
    }
    return ssc;
  };
  {
    auto ssc = build();
    manual(*ssc).setTime(kStart);
    ssc->start();
    for (int b = 1; b <= 11; ++b) runTo(*ssc, kStart + b * kBatchMs);  // checkpointed at 10 s
    ssc->core().awaitCheckpointsWritten(600'000);
    ssc->stop();
  }
  if (*total != o.keys) fail("the state does not hold every key before the restart");
  *total = 0;
  auto t0 = SteadyClock::now();
  auto ssc = ember::StreamingContext::getOrCreate(checkpoint, build);
  ssc->start();
  double started = secondsSince(t0);
  runTo(*ssc, kStart + 12 * kBatchMs);
  double s = secondsSince(t0);
  std::fprintf(stderr, "  %s: started (state loaded) %.3f s, new batch done %.3f s\n",
               map_with_state ? "mapWithState" : "updateStateByKey", started, s);
  ssc->stop();
  if (*total != o.keys)
    fail("the recovered state holds " + std::to_string(*total) + " keys, not every key");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  throughput(o);
  std::printf("## Recovery of a %lld-key state: getOrCreate to the first new batch completed\n\n",
              static_cast<long long>(o.keys));
  std::printf("| state | seconds (best of %d) |\n| --- | ---: |\n", o.reps);
  for (bool mws : {false, true}) {
    double best = 1e100;
    for (int rep = 0; rep < o.reps; ++rep) best = std::min(best, recovery(o, mws));
    std::printf("| %s | %.3f |\n", mws ? "mapWithState" : "updateStateByKey", best);
  }
  return 0;
}
