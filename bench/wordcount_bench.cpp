// Word count over >= 100 MB of generated Zipf-distributed text: a hand-written single-threaded
// loop (the baseline; two more loops show what a string per word costs) against the Rdd pipeline on
// local[1] and local[2], in its three flatMap forms, and against the streaming pipeline
// (queueStream on a ManualClock, 10 batches) on local[1] and local[2], on the Rdd variants' engines
// (and once on an engine of its own, `stream-own-l2`).
//
// Every variant's counts are compared with the baseline's; any difference aborts the run.
// Variants run interleaved (round robin), several rounds; the best and the median are reported.
//
// Usage: wordcount_bench [--mb=100] [--reps=3] [--batches=10] [--seed=N] [--distinct=100000]
//                        [--only=name,name,...] [--list]
// Over 500 lines because every variant runs in one process, so that its ratios to the baseline
// are measured in one run on this shared machine.

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/string_view.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ember/ember.hpp>

#include "bench_args.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using Counts = absl::flat_hash_map<std::string, std::int64_t>;
using Pair = std::pair<std::string, std::int64_t>;

struct Options {
  std::size_t megabytes = 100;  // MiB of text (the line characters, without newlines)
  int reps = 3;
  int batches = 10;
  std::uint64_t seed = 20240917;
  int distinct = 100'000;
  double zipfS = 1.0;
  std::vector<std::string> only;  // variant names; empty = all
  bool list = false;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "\nFAILED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    auto value = [&](std::string_view name) { return ember::bench::optionValue(arg, name); };
    if (auto v = value("mb")) {
      o.megabytes = std::stoul(*v);
    } else if (auto v = value("reps")) {
      o.reps = std::stoi(*v);
    } else if (auto v = value("batches")) {
      o.batches = std::stoi(*v);
    } else if (auto v = value("seed")) {
      o.seed = std::stoull(*v);
    } else if (auto v = value("distinct")) {
      o.distinct = std::stoi(*v);
    } else if (auto v = value("only")) {
      ember::forEachSplit(*v, ',', [&](std::string_view n) { o.only.emplace_back(n); });
    } else if (arg == "--list") {
      o.list = true;
    } else {
      fail("unknown argument " + std::string(arg));
    }
  }
  if (o.reps < 1 || o.batches < 1 || o.distinct < 1 || o.megabytes < 1) fail("bad arguments");
  return o;
}

// ---- Input ------------------------------------------------------------------------------------

struct Input {
  std::vector<std::string> lines;
  std::size_t bytes = 0;  // characters in lines, spaces included, newlines excluded
  std::size_t words = 0;
};

// std::mt19937_64 is fully specified by the standard; the distributions are not, so the draws
// below are made by hand to keep the input identical with every standard library.
double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}
std::size_t uniformBelow(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>(rng() % n);
}

/// n distinct words of 3-10 lowercase letters; the rank of a word is its index.
std::vector<std::string> makeVocabulary(int n, std::mt19937_64& rng) {
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> words;
  words.reserve(static_cast<std::size_t>(n));
  while (words.size() < static_cast<std::size_t>(n)) {
    std::string w(3 + uniformBelow(rng, 8), 'a');
    for (auto& c : w) c = static_cast<char>('a' + uniformBelow(rng, 26));
    if (seen.insert(w).second) words.push_back(std::move(w));
  }
  return words;
}

Input generateInput(const Options& o) {
  std::mt19937_64 rng(o.seed);
  auto vocabulary = makeVocabulary(o.distinct, rng);
  // Zipf: P(rank r) proportional to 1 / r^s, r = 1..n; sampled by inverting the CDF.
  std::vector<double> cdf(vocabulary.size());
  double sum = 0;
  for (std::size_t r = 0; r < cdf.size(); ++r) {
    sum += 1.0 / std::pow(static_cast<double>(r + 1), o.zipfS);
    cdf[r] = sum;
  }
  for (auto& c : cdf) c /= sum;
  cdf.back() = 1.0;

  Input in;
  const std::size_t target = o.megabytes << 20;
  while (in.bytes < target) {
    std::size_t n = 10 + uniformBelow(rng, 11);  // 10-20 words a line
    std::string line;
    for (std::size_t i = 0; i < n; ++i) {
      auto rank = static_cast<std::size_t>(
          std::lower_bound(cdf.begin(), cdf.end(), uniform01(rng)) - cdf.begin());
      if (i > 0) line += ' ';
      line += vocabulary[std::min(rank, vocabulary.size() - 1)];
    }
    in.bytes += line.size();
    in.words += n;
    in.lines.push_back(std::move(line));
  }
  return in;
}

// ---- Timing ----------------------------------------------------------------------------------

/// CPU time of the whole process (all threads), in seconds.
double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Wall-clock and process CPU seconds of one run.
struct Timing {
  double wall = 0;
  double cpu = 0;
};

/// Times a run in wall-clock and process CPU seconds.
///
/// Under `valgrind --tool=callgrind --instr-atstart=no` only what a stopwatch times is counted:
/// the count is the timed work alone, without the input's generation, a stream's queued slices
/// or the checks. (Outside valgrind the two requests are a few instructions that do nothing.)
class Stopwatch {
 public:
  Stopwatch() : wall0_(SteadyClock::now()), cpu0_(processCpuSeconds()) {
    CALLGRIND_START_INSTRUMENTATION;
  }
  Timing elapsed() const {
    CALLGRIND_STOP_INSTRUMENTATION;
    return {std::chrono::duration<double>(SteadyClock::now() - wall0_).count(),
            processCpuSeconds() - cpu0_};
  }

 private:
  SteadyClock::time_point wall0_;
  double cpu0_;
};

/// Runs fn, returns (its timing, its result).
template <class F>
auto timed(F&& fn) {
  Stopwatch watch;
  auto result = fn();
  return std::pair(watch.elapsed(), std::move(result));
}

// ---- The variants -----------------------------------------------------------------------------

/// How the hand-written loops hold a word while counting it.
enum class WordForm {
  kView,    // the baseline: a string_view into the line; a string only for a new word
  kString,  // a std::string built for every word, then probed with
  kPair,    // that string moved into a (word, 1) pair first, as `map(w -> (w, 1))` does
};

/// One thread, the words of each line counted in a flat hash map (absl's string hash is
/// transparent, so the map takes a view as well as a string).
template <WordForm form>
Counts countLoop(const std::vector<std::string>& lines) {
  Counts counts;
  for (const auto& line : lines) {
    std::string_view s(line);
    std::size_t start = 0;
    for (;;) {
      std::size_t pos = s.find(' ', start);
      std::string_view word = s.substr(start, pos == std::string_view::npos ? pos : pos - start);
      if (!word.empty()) {
        if constexpr (form == WordForm::kView) {
          // This absl build has its own string_view type, which its string hash takes.
          auto it = counts.find(absl::string_view(word.data(), word.size()));
          if (it == counts.end()) {
            counts.emplace(std::string(word), 1);
          } else {
            ++it->second;
          }
        } else if constexpr (form == WordForm::kString) {
          std::string w(word);
          auto it = counts.find(w);
          if (it == counts.end()) {
            counts.emplace(std::move(w), 1);
          } else {
            ++it->second;
          }
        } else {
          std::string w(word);
          Pair p(std::move(w), 1);
          auto it = counts.find(p.first);
          if (it == counts.end()) {
            counts.emplace(std::move(p.first), p.second);
          } else {
            it->second += p.second;
          }
        }
      }
      if (pos == std::string_view::npos) break;
      start = pos + 1;
    }
  }
  return counts;
}

Counts countBaseline(const std::vector<std::string>& lines) {
  return countLoop<WordForm::kView>(lines);
}

/// flatMap returning a container (ember::split builds a std::vector<std::string> per line), as
/// the textbook Spark word count.
std::vector<Pair> rddVector(const ember::Rdd<std::string>& lines) {
  return lines.flatMap([](const std::string& line) { return ember::split(line, ' '); })
      .map([](std::string w) { return Pair(std::move(w), 1); })
      .reduceByKey(std::plus<>{})
      .collect();
}

/// groupByKey instead of reduceByKey: every (word, 1) goes through a plain shuffle, whose map side
/// buckets the pairs the guide's map returns, and each word's ones are added up after.
std::vector<Pair> rddGroup(const ember::Rdd<std::string>& lines) {
  return lines.flatMap([](const std::string& line) { return ember::split(line, ' '); })
      .map([](std::string w) { return Pair(std::move(w), 1); })
      .groupByKey()
      .mapValues([](const auto& ones) {
        return std::accumulate(ones.begin(), ones.end(), Pair::second_type{0});
      })
      .collect();
}

/// flatMap's emitter form with zero-copy splitting, then map to a pair.
std::vector<Pair> rddEmit(const ember::Rdd<std::string>& lines) {
  return lines
      .flatMap<std::string>([](const std::string& line, auto emit) {
        ember::forEachSplit(line, ' ', [&](std::string_view w) { emit.emplace(w); });
      })
      .map([](std::string w) { return Pair(std::move(w), 1); })
      .reduceByKey(std::plus<>{})
      .collect();
}

/// flatMap's emitter form emitting the (word, 1) pairs directly.
std::vector<Pair> rddEmitPair(const ember::Rdd<std::string>& lines) {
  return lines
      .flatMap<Pair>([](const std::string& line, auto emit) {
        ember::forEachSplit(line, ' ', [&](std::string_view w) { emit.emplace(w, 1); });
      })
      .reduceByKey(std::plus<>{})
      .collect();
}

/// The word count a stream runs on each batch, in the three flatMap forms of the Rdd variants.
enum class StreamForm { kVector, kEmit, kPair };

template <class H>
auto streamWordCount(const H& lines, StreamForm form) {
  switch (form) {
    case StreamForm::kVector:
      return ember::DStream<Pair>(
          lines.flatMap([](const std::string& line) { return ember::split(line, ' '); })
              .map([](std::string w) { return Pair(std::move(w), 1); })
              .reduceByKey(std::plus<>{}));
    case StreamForm::kEmit:
      return ember::DStream<Pair>(
          lines
              .template flatMap<std::string>([](const std::string& line, auto emit) {
                ember::forEachSplit(line, ' ', [&](std::string_view w) { emit.emplace(w); });
              })
              .map([](std::string w) { return Pair(std::move(w), 1); })
              .reduceByKey(std::plus<>{}));
    case StreamForm::kPair:
      break;
  }
  return ember::DStream<Pair>(lines
                                  .template flatMap<Pair>([](const std::string& line, auto emit) {
                                    ember::forEachSplit(
                                        line, ' ', [&](std::string_view w) { emit.emplace(w, 1); });
                                  })
                                  .reduceByKey(std::plus<>{}));
}

/// Slice `b` of the input's lines cut into `batches` nearly equal slices.
std::vector<std::string> sliceOf(const Input& in, int b, int batches) {
  const std::size_t n = in.lines.size();
  auto begin = in.lines.begin() + static_cast<std::ptrdiff_t>(n * b / batches);
  auto end = in.lines.begin() + static_cast<std::ptrdiff_t>(n * (b + 1) / batches);
  return {begin, end};
}

// The (word, count) pairs a stream variant's batches output, summed over its batches.
std::size_t g_stream_batch_keys = 0;

/// Streaming: the input cut into `batches` RDDs (of as many partitions as the master has
/// threads) in a queueStream, word count per batch, each batch's counts collected by foreachRDD.
/// Timed from start() to the last batch processed; the queued RDDs are built (their lines copied
/// in) before the clock starts, and the batches' counts are added up after it stops, as the Rdd
/// variants' results are checked after theirs.
///
/// With `shared`, the stream runs on that engine (Spark's `new StreamingContext(sc, ...)`), whose
/// threads the Rdd variants use too; without, on an engine of its own made for this run, whose
/// threads start cold (`master`).
Counts runStreaming(const Input& in, int batches, const std::optional<ember::Engine>& shared,
                    const std::string& master, StreamForm form, Timing& timing) {
  constexpr std::int64_t kBatchMs = 1000;
  ember::Conf conf;
  conf.setMaster(master).setAppName("wordcount-stream").set("spark.streaming.clock", "ManualClock");
  std::optional<ember::StreamingContext> made;
  if (shared) {
    made.emplace(*shared, ember::Milliseconds(kBatchMs));
  } else {
    made.emplace(conf, ember::Milliseconds(kBatchMs));
  }
  ember::StreamingContext& ssc = *made;
  auto engine = ssc.sparkContext();
  auto queue = std::make_shared<ember::RddQueue<std::string>>();
  // The bench keeps the queued datasets until the clock has stopped, as the Rdd variants keep
  // theirs: otherwise the stream, which lets go of a batch's input once it is processed, would pay
  // for freeing a million lines inside its timing and the Rdd variants outside theirs.
  std::vector<ember::Rdd<std::string>> inputs;
  for (int b = 0; b < batches; ++b) {
    inputs.push_back(engine.parallelize(sliceOf(in, b, batches), engine.defaultParallelism()));
    queue->push(inputs.back());
  }
  std::vector<std::vector<Pair>> outputs;
  streamWordCount(ssc.queueStream(queue), form).foreachRDD([&outputs](const ember::Rdd<Pair>& rdd) {
    outputs.push_back(rdd.collect());
  });
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  Stopwatch watch;
  ssc.start();
  for (int k = 1; k <= batches; ++k) {
    clock.advance(kBatchMs);
    if (!ssc.core().awaitBatchProcessed(ember::Time(k * kBatchMs), 600'000)) {
      fail("streaming: batch " + std::to_string(k) + " not processed within 10 minutes");
    }
  }
  timing = watch.elapsed();
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop(/*stopSparkContext=*/!shared);
  if (outputs.size() != static_cast<std::size_t>(batches)) {
    fail("streaming: " + std::to_string(outputs.size()) + " batches output");
  }
  Counts totals;
  std::size_t batch_keys = 0;
  for (const auto& batch : outputs) {
    batch_keys += batch.size();
    for (const auto& [w, c] : batch) totals[w] += c;
  }
  // How many keys the stream counts, against the one job's: each batch counts its own.
  g_stream_batch_keys = batch_keys;
  return totals;
}

// ---- Harness ----------------------------------------------------------------------------------

void checkCounts(const std::string& name, const Counts& expected, const Counts& got) {
  if (got.size() != expected.size()) {
    fail(name + ": " + std::to_string(got.size()) + " distinct words, baseline has " +
         std::to_string(expected.size()));
  }
  for (const auto& [w, c] : expected) {
    auto it = got.find(w);
    if (it == got.end()) fail(name + ": word '" + w + "' missing");
    if (it->second != c) {
      fail(name + ": word '" + w + "' counted " + std::to_string(it->second) + ", baseline " +
           std::to_string(c));
    }
  }
}

void checkPairs(const std::string& name, const Counts& expected, const std::vector<Pair>& got) {
  Counts map;
  map.reserve(got.size());
  for (const auto& [w, c] : got) {
    if (!map.emplace(w, c).second) fail(name + ": word '" + w + "' appears twice in the result");
  }
  checkCounts(name, expected, map);
}

struct Variant {
  std::string name;
  std::string description;
  std::function<Timing(const Counts& expected)> run;  // checks the result
  std::vector<Timing> times;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts = parseOptions(argc, argv);

  auto g0 = SteadyClock::now();
  const Input input = generateInput(opts);
  double gen_s = std::chrono::duration<double>(SteadyClock::now() - g0).count();
  std::printf(
      "input: %zu lines, %zu words, %.1f MiB of text (%d distinct candidates, Zipf s=%.2f,"
      " seed %llu), generated in %.2f s\n",
      input.lines.size(), input.words, static_cast<double>(input.bytes) / (1 << 20), opts.distinct,
      opts.zipfS, static_cast<unsigned long long>(opts.seed), gen_s);

  // The reference counts, from one untimed run of the baseline.
  const Counts expected = countBaseline(input.lines);
  std::int64_t total = 0;
  for (const auto& [w, c] : expected) total += c;
  if (static_cast<std::size_t>(total) != input.words) fail("baseline total differs from input");
  std::printf("distinct words in the input: %zu\n", expected.size());

  // The engines and their source datasets are made once, outside the timings: parallelize
  // copies the input vector into the dataset (the baseline reads the input in place too).
  // The streams on them need the manual clock, which the Rdd variants do not read.
  auto engineConf = [](const std::string& master, const std::string& name) {
    ember::Conf conf;
    conf.setMaster(master).setAppName(name).set("spark.streaming.clock", "ManualClock");
    return conf;
  };
  ember::Engine local1(engineConf("local[1]", "wordcount-local1"));
  ember::Engine local2(engineConf("local[2]", "wordcount-local2"));
  auto lines1 = local1.parallelize(input.lines, local1.defaultParallelism());
  auto lines2 = local2.parallelize(input.lines, local2.defaultParallelism());

  auto rddVariant = [&](std::string name, std::string description,
                        const ember::Rdd<std::string>& lines,
                        std::vector<Pair> (*pipeline)(const ember::Rdd<std::string>&)) {
    return Variant{name,
                   std::move(description),
                   [name, lines, pipeline](const Counts& exp) {
                     auto [s, result] = timed([&] { return pipeline(lines); });
                     checkPairs(name, exp, result);
                     return s;
                   },
                   {}};
  };

  std::vector<Variant> variants;
  variants.push_back({"baseline",
                      "hand-written loop, 1 thread, absl::flat_hash_map",
                      [&input](const Counts& exp) {
                        auto [s, result] = timed([&] { return countBaseline(input.lines); });
                        checkCounts("baseline", exp, result);
                        return s;
                      },
                      {}});
  // What building a string per word costs, outside the engine.
  auto loopVariant = [&](std::string name, std::string description,
                         Counts (*loop)(const std::vector<std::string>&)) {
    return Variant{name,
                   std::move(description),
                   [name, &input, loop](const Counts& exp) {
                     auto [s, result] = timed([&] { return loop(input.lines); });
                     checkCounts(name, exp, result);
                     return s;
                   },
                   {}};
  };
  variants.push_back(loopVariant("loop-string", "the baseline, a std::string built per word",
                                 countLoop<WordForm::kString>));
  variants.push_back(loopVariant("loop-pair", "the baseline, a (string, 1) pair built per word",
                                 countLoop<WordForm::kPair>));
  variants.push_back(rddVariant("rdd-vector-l1", "local[1] flatMap(split) -> map -> reduceByKey",
                                lines1, rddVector));
  variants.push_back(
      rddVariant("rdd-emit-l1", "local[1] flatMap<string>(emit) -> map -> rBK", lines1, rddEmit));
  variants.push_back(rddVariant("rdd-pair-l1", "local[1] flatMap<pair>(emit) -> reduceByKey",
                                lines1, rddEmitPair));
  variants.push_back(rddVariant("rdd-vector-l2", "local[2] flatMap(split) -> map -> reduceByKey",
                                lines2, rddVector));
  variants.push_back(
      rddVariant("rdd-emit-l2", "local[2] flatMap<string>(emit) -> map -> rBK", lines2, rddEmit));
  variants.push_back(rddVariant("rdd-group-l2",
                                "local[2] flatMap(split) -> map -> groupByKey -> mapValues(sum)",
                                lines2, rddGroup));
  variants.push_back(rddVariant("rdd-pair-l2", "local[2] flatMap<pair>(emit) -> reduceByKey",
                                lines2, rddEmitPair));
  // The stream's work without the streaming runtime: the same slices as separate datasets, one
  // job each (the datasets made before the clock starts, as the queued ones are), each job's
  // counts collected and added up after the clock stops. Against stream-l2 it measures what the
  // runtime adds; against rdd-vector-l2, what counting per batch costs.
  std::vector<ember::Rdd<std::string>> slices2;
  for (int b = 0; b < opts.batches; ++b) {
    slices2.push_back(
        local2.parallelize(sliceOf(input, b, opts.batches), local2.defaultParallelism()));
  }
  variants.push_back(Variant{"rdd-batches-l2",
                             "local[2] the stream's " + std::to_string(opts.batches) +
                                 " slices as one job each, flatMap(split) -> map -> rBK, collect",
                             [&slices2](const Counts& exp) {
                               std::vector<std::vector<Pair>> outputs;
                               Timing s = timed([&] {
                                            for (const auto& slice : slices2)
                                              outputs.push_back(rddVector(slice));
                                            return 0;
                                          }).first;
                               Counts totals;
                               for (const auto& batch : outputs) {
                                 for (const auto& [w, c] : batch) totals[w] += c;
                               }
                               checkCounts("rdd-batches-l2", exp, totals);
                               return s;
                             },
                             {}});
  auto streamVariant = [&](std::string name, std::string master, StreamForm form, std::string what,
                           bool own_engine = false) {
    std::optional<ember::Engine> shared;
    if (!own_engine) shared = master == "local[1]" ? local1 : local2;
    return Variant{name,
                   master + (own_engine ? " (an engine of its own)" : "") + " queueStream, " +
                       std::to_string(opts.batches) + " batches, " + what + ", foreachRDD(collect)",
                   [name, master, form, shared, &input, &opts](const Counts& exp) {
                     Timing s;
                     Counts result = runStreaming(input, opts.batches, shared, master, form, s);
                     checkCounts(name, exp, result);
                     return s;
                   },
                   {}};
  };
  variants.push_back(
      streamVariant("stream-l1", "local[1]", StreamForm::kVector, "flatMap(split) -> map -> rBK"));
  variants.push_back(
      streamVariant("stream-l2", "local[2]", StreamForm::kVector, "flatMap(split) -> map -> rBK"));
  variants.push_back(streamVariant("stream-own-l2", "local[2]", StreamForm::kVector,
                                   "flatMap(split) -> map -> rBK", /*own_engine=*/true));
  variants.push_back(
      streamVariant("stream-emit-l2", "local[2]", StreamForm::kEmit, "emit -> map -> rBK"));
  variants.push_back(
      streamVariant("stream-pair-l2", "local[2]", StreamForm::kPair, "emit pairs -> rBK"));

  if (opts.list) {
    for (const auto& v : variants) std::printf("%-14s %s\n", v.name.c_str(), v.description.c_str());
    return 0;
  }
  if (!opts.only.empty()) {
    for (const auto& n : opts.only) {
      if (std::none_of(variants.begin(), variants.end(), [&](auto& v) { return v.name == n; })) {
        fail("no variant named " + n + " (see --list)");
      }
    }
    std::erase_if(variants, [&](const Variant& v) {
      return std::find(opts.only.begin(), opts.only.end(), v.name) == opts.only.end();
    });
  }

  // Interleaved rounds: every variant once per round, so drifts in machine speed hit all alike.
  for (int rep = 0; rep < opts.reps; ++rep) {
    std::printf("round %d:", rep + 1);
    for (auto& v : variants) {
      Timing t = v.run(expected);
      v.times.push_back(t);
      std::printf(" %s %.3fs(cpu %.3fs)", v.name.c_str(), t.wall, t.cpu);
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  auto bestOf = [](const Variant& v) {
    Timing best = v.times.front();
    for (const auto& t : v.times) {
      best.wall = std::min(best.wall, t.wall);
      best.cpu = std::min(best.cpu, t.cpu);
    }
    return best;
  };
  Timing base{};
  for (const auto& v : variants) {
    if (v.name == "baseline") base = bestOf(v);
  }
  auto ratio = [](double base_s, double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3fx", base_s / s);
    return base_s > 0 ? std::string(buf) : std::string("-");
  };
  const double words = static_cast<double>(input.words);
  std::printf(
      "\nbest of %d interleaved rounds; ratios are the baseline's time over the variant's "
      "(throughput ratio, > 1 is faster than the baseline), of the best rounds and of the "
      "medians\n",
      opts.reps);
  std::printf("%-14s %8s %8s %12s %9s %9s %8s %9s  %s\n", "variant", "wall s", "median", "Mwords/s",
              "vs base", "med vs b", "cpu s", "cpu vs b", "what");
  auto medianWall = [](const Variant& v) {
    std::vector<double> walls;
    for (const auto& t : v.times) walls.push_back(t.wall);
    return median(walls);
  };
  double base_median = 0;
  for (const auto& v : variants) {
    if (v.name == "baseline") base_median = medianWall(v);
  }
  for (const auto& v : variants) {
    Timing best = bestOf(v);
    double med = medianWall(v);
    std::printf("%-14s %8.3f %8.3f %12.2f %9s %9s %8.3f %9s  %s\n", v.name.c_str(), best.wall, med,
                words / best.wall / 1e6, ratio(base.wall, best.wall).c_str(),
                ratio(base_median, med).c_str(), best.cpu, ratio(base.cpu, best.cpu).c_str(),
                v.description.c_str());
  }
  std::printf("\nall results match the baseline's counts\n");
  if (g_stream_batch_keys > 0) {
    std::printf(
        "a stream's %d batches output %zu (word, count) pairs in all, %.2fx the %zu of one "
        "job\n",
        opts.batches, g_stream_batch_keys,
        static_cast<double>(g_stream_batch_keys) / static_cast<double>(expected.size()),
        expected.size());
  }
  return 0;
}
