// The fixed cost of one empty batch: a StreamingContext on a ManualClock, one queueStream whose
// queue stays empty (so every batch is an empty RDD), one output (foreachRDD doing rdd.count()).
// Each batch is timed from advancing the clock to awaitBatchProcessed returning: job generation,
// scheduling, the count job, listener events, metadata cleanup, and the wake-ups in between.
//
// With --records=N, the fixed cost of a batch with data: every batch is an RDD of N lines (10
// words each) through the guide's word count (flatMap(split) -> map -> reduceByKey), collected
// by foreachRDD; after each batch the same job runs on the same RDD as a plain dataset job on the
// driver, timed alike. The batch's fixed cost is the difference of the two (medians reported).
//
// Usage: empty_batch_bench [--batches=10000] [--warmup=200] [--master=local[2]] [--records=0]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
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

void printStats(const char* what, std::vector<double> sorted) {
  std::sort(sorted.begin(), sorted.end());
  double mean =
      std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  std::printf("%-28s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", what, sorted.front(),
              percentile(sorted, 50), mean, percentile(sorted, 90), percentile(sorted, 99),
              sorted.back());
}

using Pair = std::pair<std::string, std::int64_t>;

template <class R>
auto guideWordCount(const R& lines) {
  return lines.flatMap([](const std::string& line) { return ember::split(line, ' '); })
      .map([](std::string w) { return Pair(std::move(w), 1); })
      .reduceByKey(std::plus<>{});
}

/// Batches of `records` lines: each timed as a stream batch, then the same job on the same RDD
/// as a plain dataset job.
int runWithRecords(int batches, int warmup, const std::string& master, int records) {
  constexpr std::int64_t kBatchMs = 1000;
  ember::Conf conf;
  conf.setMaster(master).setAppName("data-batch").set("spark.streaming.clock", "ManualClock");
  ember::StreamingContext ssc(conf, ember::Milliseconds(kBatchMs));
  auto engine = ssc.sparkContext();
  const int total = warmup + batches;
  // Lines of 10 words from a vocabulary of 1,000; every batch its own RDD of the same lines.
  std::vector<std::string> lines;
  std::uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < records; ++i) {
    std::string line;
    for (int w = 0; w < 10; ++w) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if (w > 0) line += ' ';
      line += "word" + std::to_string(x % 1000);
    }
    lines.push_back(std::move(line));
  }
  auto queue = std::make_shared<ember::RddQueue<std::string>>();
  std::vector<ember::Rdd<std::string>> rdds;
  for (int k = 0; k < total; ++k) {
    rdds.push_back(engine.parallelize(lines, engine.defaultParallelism()));
    queue->push(rdds.back());
  }
  std::int64_t streamWords = 0;
  guideWordCount(ssc.queueStream(queue)).foreachRDD([&](const ember::Rdd<Pair>& rdd) {
    for (const auto& [w, c] : rdd.collect()) streamWords += c;
  });
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  ssc.start();
  std::vector<double> stream_us, rdd_us;
  std::int64_t rddWords = 0;
  for (int k = 1; k <= total; ++k) {
    auto t0 = SteadyClock::now();
    clock.advance(kBatchMs);
    if (!ssc.core().awaitBatchProcessed(ember::Time(k * kBatchMs), 60'000)) {
      fail("batch " + std::to_string(k) + " not processed within 60 s");
    }
    auto t1 = SteadyClock::now();
    for (const auto& [w, c] : guideWordCount(rdds[static_cast<std::size_t>(k - 1)]).collect()) {
      rddWords += c;
    }
    auto t2 = SteadyClock::now();
    if (k > warmup) {
      stream_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      rdd_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    }
  }
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop();
  const std::int64_t expected = std::int64_t{10} * records * total;
  if (streamWords != expected || rddWords != expected) {
    fail("words counted: stream " + std::to_string(streamWords) + ", dataset " +
         std::to_string(rddWords) + ", expected " + std::to_string(expected));
  }
  std::vector<double> diff(stream_us.size());
  for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = stream_us[i] - rdd_us[i];
  std::printf(
      "master %s, %d batches of %d lines (10 words each) timed (after %d warm-up),\n"
      "guide word count collected; the same job on the same RDD as a dataset job\n",
      master.c_str(), batches, records, warmup);
  std::printf("%-28s %9s %9s %9s %9s %9s %9s\n", "us", "min", "median", "mean", "p90", "p99",
              "max");
  printStats("stream batch", stream_us);
  printStats("dataset job", rdd_us);
  printStats("batch - job (fixed cost)", diff);
  std::sort(stream_us.begin(), stream_us.end());
  std::sort(rdd_us.begin(), rdd_us.end());
  double fixed = percentile(stream_us, 50) - percentile(rdd_us, 50);
  std::printf("fixed cost (median batch - median job): %.1f us; target < 1000 us: %s\n", fixed,
              fixed < 1000 ? "met" : "NOT met");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 10'000;
  int warmup = 200;
  std::string master = "local[2]";
  int records = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.starts_with("--batches=")) {
      batches = std::stoi(std::string(arg.substr(10)));
    } else if (arg.starts_with("--warmup=")) {
      warmup = std::stoi(std::string(arg.substr(9)));
    } else if (arg.starts_with("--master=")) {
      master = std::string(arg.substr(9));
    } else if (arg.starts_with("--records=")) {
      records = std::stoi(std::string(arg.substr(10)));
    } else {
      fail("unknown argument " + std::string(arg));
    }
  }
  if (batches < 1 || warmup < 0 || records < 0) fail("bad arguments");
  if (records > 0) return runWithRecords(batches, warmup, master, records);

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
