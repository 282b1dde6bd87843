// mapWithState with a large state and small batches: the state is loaded through initialState
// (key k holds k), then every batch updates `updates` random existing keys (value 1, state +=
// value, output the new state). The time of a batch should not depend on how many keys are in
// state, only on how many it touches: the run times the same batches over 1M and 10M keys and
// prints the ratio. It also measures what the 10M-key state costs in memory against a plain
// absl::flat_hash_map<int64, int64> holding the same keys and values.
//
// Each batch's outputs are summed and checked against a single-threaded reference; any
// difference aborts the run.
//
//   map_with_state_bench [--keys=1000000,10000000] [--updates=10000] [--batches=20]
//                        [--warmup=3] [--reps=3] [--partitions=2] [--master=local[2]] [--timeout]
//
// The sizes run interleaved, `reps` rounds (a new context and state each time); the ratio is
// taken between the best medians.
// --timeout sets a one-hour timeout on the spec (nothing expires, but update times are indexed).
// Memory is read from glibc's mallinfo2 (bytes in use, mmapped chunks included) and from
// /proc/self/status (VmRSS), before and after; peaks from VmHWM after resetting it through
// /proc/self/clear_refs.

#include <absl/container/flat_hash_map.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
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
  std::vector<std::int64_t> keys = {1'000'000, 10'000'000};
  std::int64_t updates = 10'000;
  int batches = 20;
  int warmup = 3;
  int reps = 3;
  int partitions = 2;
  std::string master = "local[2]";
  bool timeout = false;
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "map_with_state_bench: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("keys")) {
      o.keys.clear();
      std::stringstream list(*v);
      for (std::string item; std::getline(list, item, ',');) o.keys.push_back(std::stoll(item));
    } else if (auto v = value("updates")) {
      o.updates = std::stoll(*v);
    } else if (auto v = value("batches")) {
      o.batches = std::stoi(*v);
    } else if (auto v = value("warmup")) {
      o.warmup = std::stoi(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("partitions")) {
      o.partitions = std::stoi(*v);
    } else if (auto v = value("master")) {
      o.master = *v;
    } else if (arg == "--timeout") {
      o.timeout = true;
    } else {
      fail("unknown argument " + std::string(arg) +
           " (allowed: --keys --updates --batches --warmup --reps --partitions --master "
           "--timeout)");
    }
  }
  bool keys_ok = !o.keys.empty() &&
                 std::all_of(o.keys.begin(), o.keys.end(), [](std::int64_t k) { return k > 0; });
  if (!keys_ok || o.updates <= 0 || o.batches <= 0 || o.warmup < 0 || o.reps <= 0 ||
      o.partitions <= 0) {
    fail("keys, updates, batches, reps and partitions must be positive, warmup not negative");
  }
  return o;
}

// ---- Memory ------------------------------------------------------------------------------------

/// Bytes the allocator has handed out and not got back (heap and mmapped chunks).
std::int64_t heapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
}

/// A "VmRSS" / "VmHWM" line of /proc/self/status, in bytes.
std::int64_t statusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}

/// Starts a new peak: VmHWM falls back to the current RSS.
void resetPeak() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

struct Memory {
  std::int64_t heap = 0;
  std::int64_t rss = 0;
  static Memory now() {
    malloc_trim(0);
    return {heapInUse(), statusBytes("VmRSS")};
  }
};

// ---- Input -------------------------------------------------------------------------------------

std::vector<std::vector<Pair>> makeBatches(std::int64_t keys, std::int64_t updates, int batches,
                                           std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Pair>> out(static_cast<std::size_t>(batches));
  for (auto& batch : out) {
    batch.reserve(static_cast<std::size_t>(updates));
    for (std::int64_t i = 0; i < updates; ++i) {
      batch.emplace_back(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(keys)), 1);
    }
  }
  return out;
}

/// The sum of each batch's outputs, single-threaded: the state of a key is k plus the values it
/// received, each record outputs its key's new state.
std::vector<std::int64_t> referenceSums(const std::vector<std::vector<Pair>>& batches) {
  absl::flat_hash_map<std::int64_t, std::int64_t> added;
  std::vector<std::int64_t> sums;
  for (const auto& batch : batches) {
    std::int64_t sum = 0;
    for (const auto& [k, v] : batch) sum += k + (added[k] += v);
    sums.push_back(sum);
  }
  return sums;
}

// ---- Runs --------------------------------------------------------------------------------------

struct Result {
  std::int64_t keys = 0;
  double load_ms = 0;            // the first batch: loading the initial state, then one batch
  std::vector<double> batch_ms;  // the timed batches
  Memory before;                 // before the initial state was made
  Memory after;                  // after the last batch, the state still held
  std::int64_t peak_rss = 0;     // VmHWM during the run
};

Result runState(const Options& o, std::int64_t keys) {
  constexpr std::int64_t kBatchMs = 1000;
  const int total = 1 + o.warmup + o.batches;
  auto batches = makeBatches(keys, o.updates, total, 20261124 + static_cast<std::uint64_t>(keys));
  auto expected = referenceSums(batches);

  Result r;
  r.keys = keys;
  r.before = Memory::now();
  resetPeak();

  ember::Conf conf;
  conf.setMaster(o.master).setAppName("map-with-state-bench");
  conf.set("spark.streaming.clock", "ManualClock");
  auto ssc = std::make_unique<ember::StreamingContext>(conf, ember::Milliseconds(kBatchMs));
  auto engine = ssc->sparkContext();
  auto queue = std::make_shared<ember::RddQueue<Pair>>();
  for (const auto& batch : batches) queue->push(engine.parallelize(batch, o.partitions));

  std::mutex mutex;
  std::vector<std::int64_t> sums;
  {
    // Only the stream keeps the initial state (until the first batches are forgotten).
    std::vector<Pair> initial(static_cast<std::size_t>(keys));
    for (std::int64_t k = 0; k < keys; ++k) initial[static_cast<std::size_t>(k)] = {k, k};
    auto spec =
        ember::StateSpec<>::function([](const std::int64_t&, const std::optional<std::int64_t>& v,
                                        ember::State<std::int64_t>& state) {
          state.update(state.get() + *v);
          return state.get();
        })
            .numPartitions(o.partitions)
            .initialState(engine.parallelize(std::move(initial), o.partitions));
    if (o.timeout) spec.timeout(ember::Minutes(60));
    ssc->queueStream(queue).mapWithState(spec).foreachRDD([&](const ember::Rdd<std::int64_t>& rdd) {
      std::int64_t sum = rdd.fold(0, std::plus<std::int64_t>{});
      std::lock_guard lock(mutex);
      sums.push_back(sum);
    });
  }
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc->clock());
  ssc->start();
  for (int k = 1; k <= total; ++k) {
    auto t0 = SteadyClock::now();
    clock.advance(kBatchMs);
    if (!ssc->core().awaitBatchProcessed(ember::Time(k * kBatchMs), 600'000)) {
      fail("batch " + std::to_string(k) + " not processed within 10 minutes");
    }
    double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
    if (k == 1) {
      r.load_ms = ms;
    } else if (k > 1 + o.warmup) {
      r.batch_ms.push_back(ms);
    }
  }
  if (auto error = ssc->core().firstError()) std::rethrow_exception(error);
  r.after = Memory::now();
  r.peak_rss = statusBytes("VmHWM");
  ssc->stop();
  ssc.reset();
  {
    std::lock_guard lock(mutex);
    if (sums != expected)
      fail("the outputs differ from the reference at " + std::to_string(keys) + " keys");
  }
  return r;
}

struct PlainResult {
  Memory before;
  Memory after;
  std::int64_t peak_rss = 0;
};

/// The same keys and values in one absl::flat_hash_map, filled without reserving (as the state
/// maps are).
PlainResult runPlainMap(std::int64_t keys) {
  PlainResult r;
  r.before = Memory::now();
  resetPeak();
  auto map = std::make_unique<absl::flat_hash_map<std::int64_t, std::int64_t>>();
  for (std::int64_t k = 0; k < keys; ++k) map->emplace(k, k);
  r.after = Memory::now();
  r.peak_rss = statusBytes("VmHWM");
  if (static_cast<std::int64_t>(map->size()) != keys) fail("plain map lost keys");
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double perKey(std::int64_t bytes, std::int64_t keys) {
  return static_cast<double>(bytes) / static_cast<double>(keys);
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string line;
  std::getline(in, line);
  return line;
}

void printRow(int rep, const Result& r) {
  std::printf("%4d %12lld %10.1f %10.3f %10.3f %10.3f %12.1f %12.1f %14.1f\n", rep,
              static_cast<long long>(r.keys), r.load_ms, median(r.batch_ms),
              *std::min_element(r.batch_ms.begin(), r.batch_ms.end()),
              *std::max_element(r.batch_ms.begin(), r.batch_ms.end()),
              perKey(r.after.heap - r.before.heap, r.keys),
              perKey(r.after.rss - r.before.rss, r.keys),
              perKey(r.peak_rss - r.before.rss, r.keys));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::printf(
      "map_with_state_bench: %lld updates per batch, %d timed batches after %d warm-up, %d "
      "rounds, %s, %d state partitions%s\n",
      static_cast<long long>(o.updates), o.batches, o.warmup, o.reps, o.master.c_str(),
      o.partitions, o.timeout ? ", timeout set" : "");
  std::printf("load average at start: %s\n", loadAverage().c_str());
  std::printf("%4s %12s %10s %10s %10s %10s %12s %12s %14s\n", "rep", "keys", "load ms",
              "median ms", "min ms", "max ms", "heap B/key", "RSS B/key", "peak RSS B/key");
  std::vector<std::int64_t> sizes = o.keys;
  std::vector<double> best(sizes.size(), 0);
  std::vector<Result> last(sizes.size());
  for (int rep = 1; rep <= o.reps; ++rep) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      Result r = runState(o, sizes[i]);
      printRow(rep, r);
      double m = median(r.batch_ms);
      best[i] = rep == 1 ? m : std::min(best[i], m);
      last[i] = std::move(r);
    }
  }
  std::printf("load average at end: %s\n", loadAverage().c_str());
  std::size_t lo =
      static_cast<std::size_t>(std::min_element(sizes.begin(), sizes.end()) - sizes.begin());
  std::size_t hi =
      static_cast<std::size_t>(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::printf("best median batch time, %lld keys: %.3f ms\n", static_cast<long long>(sizes[i]),
                best[i]);
  }
  if (lo != hi) {
    std::printf("ratio %lld keys / %lld keys: %.2f\n", static_cast<long long>(sizes[hi]),
                static_cast<long long>(sizes[lo]), best[hi] / best[lo]);
  }
  const Result& largest = last[hi];
  PlainResult plain = runPlainMap(largest.keys);
  double state_heap = perKey(largest.after.heap - largest.before.heap, largest.keys);
  double plain_heap = perKey(plain.after.heap - plain.before.heap, largest.keys);
  std::printf(
      "plain absl::flat_hash_map<int64, int64>, %lld keys: heap %.1f B/key, RSS %.1f B/key, "
      "peak RSS %.1f B/key\n",
      static_cast<long long>(largest.keys), plain_heap,
      perKey(plain.after.rss - plain.before.rss, largest.keys),
      perKey(plain.peak_rss - plain.before.rss, largest.keys));
  std::printf("state heap / plain map heap, %lld keys: %.2f\n",
              static_cast<long long>(largest.keys), state_heap / plain_heap);
  std::printf("all batches' outputs match the reference\n");
  return 0;
}
