// reduceByKeyAndWindow with and without an inverse function, per batch, in one run: a window of
// `window` batches sliding by one batch over a queueStream of random (key, 1) pairs drawn from
// `keys` distinct keys, on a ManualClock. Each window's values are summed by the output, and the
// two variants must agree on every sum.
//
//   window_bench [--keys=100000] [--records=100000] [--window=30] [--batches=60] [--reps=3]
//                [--master=local[2]]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_args.hpp"
#include "ember/ember.hpp"

namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::int64_t keys = 100'000;
  std::int64_t records = 100'000;
  int window = 30;
  int batches = 60;
  int reps = 3;
  std::string master = "local[2]";
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "window_bench: %s\n", message.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("keys")) {
      o.keys = std::stoll(*v);
    } else if (auto v = value("records")) {
      o.records = std::stoll(*v);
    } else if (auto v = value("window")) {
      o.window = std::stoi(*v);
    } else if (auto v = value("batches")) {
      o.batches = std::stoi(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("master")) {
      o.master = *v;
    } else {
      fail("unknown argument " + arg +
           " (allowed: --keys --records --window --batches --reps --master)");
    }
  }
  if (o.keys <= 0 || o.records <= 0 || o.window <= 0 || o.batches <= o.window || o.reps <= 0) {
    fail("keys, records, window and reps must be positive, and batches larger than window");
  }
  return o;
}

std::vector<std::vector<Pair>> makeInput(const Options& o) {
  std::mt19937_64 rng(20261124);
  std::uniform_int_distribution<std::int64_t> key(0, o.keys - 1);
  std::vector<std::vector<Pair>> batches(static_cast<std::size_t>(o.batches));
  for (auto& batch : batches) {
    batch.reserve(static_cast<std::size_t>(o.records));
    for (std::int64_t i = 0; i < o.records; ++i) batch.emplace_back(key(rng), 1);
  }
  return batches;
}

struct Run {
  std::vector<double> batch_ms;    // wall time of each batch, generation to output done
  std::vector<std::int64_t> sums;  // sum of the window's values, per batch
};

Run runVariant(const Options& o, const std::vector<std::vector<Pair>>& input, bool inverse) {
  constexpr std::int64_t kBatchMs = 1000;
  ember::Conf conf;
  conf.setMaster(o.master).setAppName("window-bench").set("spark.streaming.clock", "ManualClock");
  ember::StreamingContext ssc(conf, ember::Milliseconds(kBatchMs));
  auto engine = ssc.sparkContext();
  auto queue = std::make_shared<ember::RddQueue<Pair>>();
  for (const auto& batch : input) queue->push(engine.parallelize(batch, 2));
  auto pairs = ssc.queueStream(queue);
  auto window = ember::Milliseconds(kBatchMs * o.window);
  auto slide = ember::Milliseconds(kBatchMs);
  auto windowed = inverse
                      ? pairs.reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, window, slide, 2)
                      : pairs.reduceByKeyAndWindow(std::plus<>{}, window, slide, 2);
  Run run;
  windowed.foreachRDD([&run](const ember::Rdd<Pair>& rdd) {
    run.sums.push_back(
        rdd.map([](const Pair& kv) { return kv.second; }).fold(0, std::plus<std::int64_t>{}));
  });
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  ssc.start();
  for (int k = 1; k <= o.batches; ++k) {
    auto t0 = SteadyClock::now();
    clock.advance(kBatchMs);
    if (!ssc.core().awaitBatchProcessed(ember::Time(k * kBatchMs), 600'000)) {
      fail("batch " + std::to_string(k) + " not processed within 10 minutes");
    }
    run.batch_ms.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  }
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop();
  return run;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  auto input = makeInput(o);
  std::printf(
      "window_bench: %lld keys, %lld records per batch, window %d batches, slide 1, %d "
      "batches, %s\n",
      static_cast<long long>(o.keys), static_cast<long long>(o.records), o.window, o.batches,
      o.master.c_str());
  std::printf("%-4s %-10s %16s %16s\n", "rep", "variant", "median ms/batch", "max ms/batch");
  double best_plain = 0;
  double best_inverse = 0;
  for (int rep = 1; rep <= o.reps; ++rep) {
    Run plain = runVariant(o, input, false);
    Run inverse = runVariant(o, input, true);
    if (plain.sums != inverse.sums) fail("the two variants disagree on a window's sum");
    // Steady state only: batches once the window is full.
    auto steady = [&](const Run& r) {
      return std::vector<double>(r.batch_ms.begin() + o.window, r.batch_ms.end());
    };
    double p = median(steady(plain));
    double i = median(steady(inverse));
    auto maxOf = [&](const Run& r) {
      auto s = steady(r);
      return *std::max_element(s.begin(), s.end());
    };
    std::printf("%-4d %-10s %16.2f %16.2f\n", rep, "plain", p, maxOf(plain));
    std::printf("%-4d %-10s %16.2f %16.2f\n", rep, "inverse", i, maxOf(inverse));
    best_plain = rep == 1 ? p : std::min(best_plain, p);
    best_inverse = rep == 1 ? i : std::min(best_inverse, i);
  }
  std::printf("best medians: plain %.2f ms, inverse %.2f ms, inverse is %.1fx faster\n", best_plain,
              best_inverse, best_plain / best_inverse);
  return 0;
}
