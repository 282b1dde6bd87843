// The fixed cost of one empty batch: a StreamingContext on a ManualClock, one queueStream whose
// queue stays empty (so every batch is an empty RDD), one output (foreachRDD doing rdd.count()).
// Each batch is timed from advancing the clock to awaitBatchProcessed returning: job generation,
// scheduling, the count job, listener events, metadata cleanup, and the wake-ups in between.
//
// Usage: empty_batch_bench [--batches=10000] [--warmup=200] [--master=local[2]]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <ember/ember.hpp>

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "\nFAILED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

double percentile(const std::vector<double>& sorted, double p) {
  auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 10'000;
  int warmup = 200;
  std::string master = "local[2]";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.starts_with("--batches=")) {
      batches = std::stoi(std::string(arg.substr(10)));
    } else if (arg.starts_with("--warmup=")) {
      warmup = std::stoi(std::string(arg.substr(9)));
    } else if (arg.starts_with("--master=")) {
      master = std::string(arg.substr(9));
    } else {
      fail("unknown argument " + std::string(arg));
    }
  }
  if (batches < 1 || warmup < 0) fail("bad arguments");

  constexpr std::int64_t kBatchMs = 1000;
  ember::Conf conf;
  conf.setMaster(master).setAppName("empty-batch").set("spark.streaming.clock", "ManualClock");
  ember::StreamingContext ssc(conf, ember::Milliseconds(kBatchMs));
  auto queue = std::make_shared<ember::RddQueue<int>>();
  std::int64_t counted = 0;
  std::int64_t outputs = 0;
  ssc.queueStream(queue).foreachRDD([&](const ember::Rdd<int>& rdd) {
    counted += rdd.count();
    ++outputs;
  });
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  ssc.start();

  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(batches));
  const int total = warmup + batches;
  auto all0 = SteadyClock::now();
  for (int k = 1; k <= total; ++k) {
    if (k == warmup + 1) all0 = SteadyClock::now();
    auto t0 = SteadyClock::now();
    clock.advance(kBatchMs);
    if (!ssc.core().awaitBatchProcessed(ember::Time(k * kBatchMs), 60'000)) {
      fail("batch " + std::to_string(k) + " not processed within 60 s");
    }
    auto t1 = SteadyClock::now();
    if (k > warmup) micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  double wall = std::chrono::duration<double>(SteadyClock::now() - all0).count();
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop();
  if (outputs != total) {
    fail("foreachRDD ran " + std::to_string(outputs) + " times for " + std::to_string(total) +
         " batches");
  }
  if (counted != 0) fail("empty batches counted " + std::to_string(counted) + " records");

  std::vector<double> sorted = micros;
  std::sort(sorted.begin(), sorted.end());
  double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(batches);
  std::printf("master %s, %d empty batches timed (after %d warm-up), one foreachRDD(count)\n",
              master.c_str(), batches, warmup);
  std::printf("%-10s %10s\n", "statistic", "us/batch");
  std::printf("%-10s %10.1f\n", "min", sorted.front());
  std::printf("%-10s %10.1f\n", "median", percentile(sorted, 50));
  std::printf("%-10s %10.1f\n", "mean", mean);
  std::printf("%-10s %10.1f\n", "p90", percentile(sorted, 90));
  std::printf("%-10s %10.1f\n", "p99", percentile(sorted, 99));
  std::printf("%-10s %10.1f\n", "max", sorted.back());
  std::printf("wall: %.3f s for %d batches = %.0f batches/s\n", wall, batches,
              static_cast<double>(batches) / wall);
  std::printf("target: median < 100 us: %s\n", percentile(sorted, 50) < 100 ? "met" : "NOT met");
  return 0;
}
