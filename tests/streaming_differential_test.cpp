// Randomized differential test of the streaming operators: from a seed, a random input (3 to 8
// batches of small (key, value) pairs, empty batches included, and in half of the cases batches
// without an RDD) and a random chain of operators, run through runOperation on a manual clock in
// every cell of the grid and compared, batch by batch, with the naive single-threaded evaluator of
// Spark Streaming's semantics of streaming_reference.hpp.
//
// EMBER_DIFF_SEEDS=n runs seeds 1..n (the default is kDefaultSeeds); EMBER_DIFF_SEED=s runs seed s
// alone. A failure prints the seed and the chain.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_reference.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::Seconds;
using ember::StateSpec;
using ember::Time;
using ember::testing::runOperation;
using namespace streaming_reference;

constexpr std::uint32_t kDefaultSeeds = 300;

int uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

Case randomCase(std::uint32_t seed) {
  std::mt19937 rng(seed);
  Case c;
  c.input.resize(static_cast<std::size_t>(uniform(rng, 3, 8)));
  for (auto& batch : c.input) {
    batch.emplace();
    int size = uniform(rng, 0, 3) == 0 ? 0 : uniform(rng, 1, 9);
    for (int i = 0; i < size; ++i) {
      batch->emplace_back(uniform(rng, 0, kKeys - 1), uniform(rng, 0, 19));
    }
  }
  // In half of the cases, batches without an RDD (from a second generator, so that the rest of
  // a seed's case does not depend on them).
  std::mt19937 missing(seed ^ 0x9e3779b9u);
  if (uniform(missing, 0, 1) == 0) {
    for (auto& batch : c.input) {
      if (uniform(missing, 0, 5) == 0) batch.reset();
    }
  }
  c.numBatches = c.input.size() + static_cast<std::size_t>(uniform(rng, 0, 3));
  int slide = 1;
  bool joined = false;
  int length = uniform(rng, 1, 5);
  for (int i = 0; i < length; ++i) {
    Step s{static_cast<Op>(uniform(rng, 0, kNumOps - 1)), uniform(rng, 1, 3), uniform(rng, 1, 3),
           uniform(rng, 0, 3)};
    switch (s.op) {
      case Op::kWindow:
      case Op::kReduceByKeyAndWindow:
      case Op::kReduceByKeyAndWindowInverse:
      case Op::kCountByWindow:
      case Op::kCountByValueAndWindow: {
        // Slides of at most 4 batches, so that a run still has outputs. With an inverse
        // function the window is at least the slide (Spark's incremental window assumes it).
        int factor = slide * 2 <= 4 ? uniform(rng, 1, 2) : 1;
        s.slide = slide * factor;
        bool inverse = s.op != Op::kWindow && s.op != Op::kReduceByKeyAndWindow;
        s.window = slide * uniform(rng, inverse ? factor : 1, 3);
        slide = s.slide;
        break;
      }
      case Op::kMapWithState:
        if (s.a == 3) s.timeout = s.b * slide;
        break;
      case Op::kJoinWithSibling:
        // One join a chain: each multiplies a key's records by their number.
        if (joined) s.op = Op::kFilter;
        joined = true;
        break;
      default:
        break;
    }
    c.chain.push_back(s);
  }
  return c;
}

// ---- The engine -------------------------------------------------------------------------------

DStream<P> applyOnEngine(const Step& s, const DStream<P>& in) {
  const int a = s.a, b = s.b, c = s.c;
  auto window = Seconds(s.window), slide = Seconds(s.slide);
  switch (s.op) {
    case Op::kMap:
      return in.map([a, b](const P& x) { return mapFn(a, b, x); });
    case Op::kFilter:
      return in.filter([a](const P& x) { return filterFn(a, x); });
    case Op::kFlatMap:
      if (c % 2 == 0) return in.flatMap([a](const P& x) { return flatMapFn(a, x); });
      return in.flatMap<P>([a](const P& x, auto emit) {
        for (const P& y : flatMapFn(a, x)) emit(y);
      });
    case Op::kFusedMapFilterReduceByKey:
      return in.map([a, b](const P& x) { return mapFn(a, b, x); })
          .filter([c](const P& x) { return filterFn(c, x); })
          .reduceByKey(plus);
    case Op::kReduceByKey:
      return in.reduceByKey(plus, partitionsOf(c));
    case Op::kGroupByKey:
      return in.groupByKey(partitionsOf(c)).map([](const std::pair<int, std::vector<V>>& g) {
        return P(g.first, groupDigest(g.second));
      });
    case Op::kCountByValue:
      return in.countByValue(partitionsOf(c)).map(countByValueFn);
    case Op::kCount:
      return in.count().map([](std::int64_t n) { return P(0, n); });
    case Op::kUnionWithItself:
      return in.union_(in);
    case Op::kUnionWithSibling:
      if (c % 2 == 0) return in.union_(in.map([a, b](const P& x) { return mapFn(a, b, x); }));
      return in.union_(in.filter([a](const P& x) { return filterFn(a, x); }));
    case Op::kWindow:
      return in.window(window, slide);
    case Op::kReduceByKeyAndWindow:
      return in.reduceByKeyAndWindow(plus, window, slide, partitionsOf(c));
    case Op::kReduceByKeyAndWindowInverse:
      if (a == 3) return in.reduceByKeyAndWindow(plus, minus, window, slide, partitionsOf(c));
      return in.reduceByKeyAndWindow(plus, minus, window, slide, partitionsOf(c),
                                     [a](const P& x) { return keepWindowed(a, x); });
    case Op::kCountByWindow:
      return in.countByWindow(window, slide).map([](std::int64_t n) { return P(0, n); });
    case Op::kCountByValueAndWindow:
      return in.countByValueAndWindow(window, slide, partitionsOf(c)).map(countByValueFn);
    case Op::kUpdateStateByKey:
      if (c == 0) return in.updateStateByKey(updateFn);
      return in.updateStateByKey(updateFn, *partitionsOf(c));
    case Op::kMapWithState: {
      auto spec = StateSpec<>::function(mapWithStateFn);
      if (s.timeout) spec.timeout(Seconds(s.timeout));
      auto mapped = in.mapWithState(spec);
      if (c % 2 == 0) return mapped;
      return mapped.stateSnapshots();
    }
    case Op::kRepartition:
      return in.repartition(c + 1);
    case Op::kPersist: {
      static const ember::StorageLevel kLevels[] = {
          ember::StorageLevel::MEMORY_ONLY, ember::StorageLevel::MEMORY_ONLY_SER,
          ember::StorageLevel::MEMORY_AND_DISK, ember::StorageLevel::DISK_ONLY};
      in.persist(kLevels[c]);
      return in;
    }
    case Op::kSideOutput:
      // Run before the test's output (outputs run in definition order): the chain's streams
      // then already made their RDDs for the batch when the output reads them.
      if (c % 2 == 0) {
        in.foreachRDD([](const Rdd<P>& rdd) { (void)rdd.count(); });
      } else {
        in.foreachRDD([](const Rdd<P>& rdd) { (void)rdd.take(1); });
      }
      return in;
    case Op::kJoinWithSibling: {
      DStream<P> right = in.filter([a](const P& x) { return filterFn(a, x); });
      if (c % 2 == 0) {
        return in.join(right, partitionsOf(c)).map([](const std::pair<int, std::pair<V, V>>& x) {
          return joinedFn(x.first, x.second.first, x.second.second);
        });
      }
      return in.leftOuterJoin(right, partitionsOf(c))
          .map([](const std::pair<int, std::pair<V, std::optional<V>>>& x) {
            return leftJoinedFn(x.first, x.second.first, x.second.second);
          });
    }
    case Op::kTransform:
      return in.transform([a](const Rdd<P>& rdd, Time t) {
        V seconds = t.milliseconds() / 1000;
        return Rdd<P>(rdd.map([seconds](const P& x) { return P(x.first, plus(x.second, seconds)); })
                          .filter([a](const P& x) { return filterFn(a, x); }));
      });
  }
  throw std::logic_error("unknown operator");
}

// ---- The test ---------------------------------------------------------------------------------

std::vector<std::uint32_t> seeds() {
  if (const char* one = std::getenv("EMBER_DIFF_SEED")) {
    return {static_cast<std::uint32_t>(std::stoul(one))};
  }
  std::uint32_t n = kDefaultSeeds;
  if (const char* many = std::getenv("EMBER_DIFF_SEEDS")) {
    n = static_cast<std::uint32_t>(std::stoul(many));
  }
  std::vector<std::uint32_t> out;
  for (std::uint32_t s = 1; s <= n; ++s) out.push_back(s);
  return out;
}

/// Runs the case of `seed` on the engine and compares with the reference; true when they agree.
bool runCase(std::uint32_t seed, const ember::testing::TestOptions& opts) {
  Case c = randomCase(seed);
  std::string what = "seed " + std::to_string(seed) + " (EMBER_DIFF_SEED=" + std::to_string(seed) +
                     "): " + c.describe();
  SCOPED_TRACE(what);
  std::vector<Batch> expected;
  std::optional<ExpectedFailure> failure;
  try {
    expected = reference(c);
  } catch (const ExpectedFailure& f) {
    failure = f;
  }
  std::vector<Batch> out;
  try {
    out = runOperation(
        c.input,
        [&c](DStream<P> s) {
          for (const Step& step : c.chain) s = applyOnEngine(step, s);
          return s;
        },
        c.numBatches, opts);
  } catch (const ember::Error& e) {
    // The failure the incremental window documents (dstream.hpp) is a TaskFailedError.
    if (failure && (!failure->taskFailed || dynamic_cast<const ember::TaskFailedError*>(&e))) {
      return true;
    }
    ADD_FAILURE() << "the engine failed: " << e.what();
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the engine threw something other than an ember::Error: " << e.what();
    return false;
  }
  if (failure) {
    ADD_FAILURE() << "the engine did not fail; Spark fails at batch " << failure->time
                  << (failure->taskFailed
                          ? " (a key leaves an incremental window that has no value for it)"
                          : " (a union of a batch without an RDD)");
    return false;
  }
  out = streaming_test::sortedBatches(std::move(out));
  EXPECT_EQ(out.size(), expected.size()) << "number of batches";
  bool same = out.size() == expected.size();
  for (std::size_t i = 0; i < std::min(out.size(), expected.size()); ++i) {
    EXPECT_EQ(out[i], expected[i]) << "output batch " << i;
    same = same && out[i] == expected[i];
  }
  return same;
}

// The reference itself, on cases worked out by hand from Spark's semantics (the same as in
// streaming_window_test and streaming_reduced_window_test), so that it is not trusted blindly.

Case literalCase(const std::vector<Batch>& input, std::size_t numBatches, Step step) {
  Case c;
  c.input.assign(input.begin(), input.end());
  c.numBatches = numBatches;
  c.chain = {step};
  return c;
}

Step windowStep(Op op, int window, int slide, int a = 3) {
  Step s{op, a, 1, 0};
  s.window = window;
  s.slide = slide;
  return s;
}

TEST(StreamingDifferentialReference, WindowsAsWorkedOutFromSpark) {
  // Keys 0, 1, 2 come and go across a two-batch window; batch 6 is empty.
  std::vector<Batch> comeAndGo{{{0, 1}},         {{0, 1}, {1, 1}}, {{0, 1}, {1, 1}, {2, 1}},
                               {{0, 1}, {1, 1}}, {{0, 1}},         {}};
  EXPECT_EQ(
      reference(literalCase(comeAndGo, 7, windowStep(Op::kReduceByKeyAndWindowInverse, 2, 1))),
      (std::vector<Batch>{{{0, 1}},
                          {{0, 2}, {1, 1}},
                          {{0, 2}, {1, 2}, {2, 1}},
                          {{0, 2}, {1, 2}, {2, 1}},
                          {{0, 2}, {1, 1}, {2, 0}},
                          {{0, 1}, {1, 0}, {2, 0}},
                          {{0, 0}, {1, 0}, {2, 0}}}));
  EXPECT_EQ(reference(literalCase(comeAndGo, 7, windowStep(Op::kReduceByKeyAndWindow, 2, 1))),
            (std::vector<Batch>{{{0, 1}},
                                {{0, 2}, {1, 1}},
                                {{0, 2}, {1, 2}, {2, 1}},
                                {{0, 2}, {1, 2}, {2, 1}},
                                {{0, 2}, {1, 1}},
                                {{0, 1}},
                                {}}));
  EXPECT_EQ(reference(literalCase({{{0, 1}}, {}, {{0, 3}}}, 5, windowStep(Op::kWindow, 3, 1))),
            (std::vector<Batch>{{{0, 1}}, {{0, 1}}, {{0, 1}, {0, 3}}, {{0, 3}}, {{0, 3}}}));
  EXPECT_EQ(reference(literalCase({{{0, 1}}, {{0, 2}}, {{0, 3}}, {{0, 4}}, {{0, 5}}}, 6,
                                  windowStep(Op::kWindow, 4, 2))),
            (std::vector<Batch>{
                {{0, 1}, {0, 2}}, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}, {{0, 3}, {0, 4}, {0, 5}}}));
  // countByWindow: nothing before the first record, then a count, 0 included.
  std::vector<Batch> records{{}, {{0, 1}}, {{0, 2}, {0, 3}}, {}, {}, {{0, 4}}};
  EXPECT_EQ(reference(literalCase(records, 7, windowStep(Op::kCountByWindow, 2, 1))),
            (std::vector<Batch>{{}, {{0, 1}}, {{0, 3}}, {{0, 2}}, {{0, 0}}, {{0, 1}}, {{0, 1}}}));
}

TEST(StreamingDifferentialReference, FailuresOnlyWhereAnOutputReads) {
  // The filter drops "0" (value 1) while its value is in the window; at 3 it leaves with no
  // previous value and no new one.
  auto dropped = literalCase({{{0, 1}}, {}, {}}, 3,
                             windowStep(Op::kReduceByKeyAndWindowInverse, 2, 1, /*a=*/2));
  try {
    reference(dropped);
    ADD_FAILURE() << "no failure";
  } catch (const ExpectedFailure& f) {
    EXPECT_EQ(f.time, 3);
  }
  // A window of slide 2 after it reads batches 1 and 2 only.
  dropped.chain.push_back(windowStep(Op::kWindow, 2, 2));
  EXPECT_EQ(reference(dropped), (std::vector<Batch>{{}}));
  // An output of its own on the incremental window reads batch 3 too.
  dropped.chain.insert(dropped.chain.begin() + 1, Step{Op::kSideOutput});
  try {
    reference(dropped);
    ADD_FAILURE() << "no failure";
  } catch (const ExpectedFailure& f) {
    EXPECT_EQ(f.time, 3);
    EXPECT_TRUE(f.taskFailed);
  }
}

TEST(StreamingDifferentialReference, BatchesWithoutAnRdd) {
  auto leading = literalCase({}, 7, Step{Op::kUpdateStateByKey});
  leading.input = {std::nullopt, Batch{{0, 1}}, std::nullopt, std::nullopt, Batch{}, Batch{{0, 1}}};
  EXPECT_EQ(reference(leading),
            (std::vector<Batch>{{{0, 1}}, {{0, 1}}, {{0, 1}}, {{0, 1}}, {{0, 2}}, {{0, 2}}}));
  leading.chain = {Step{Op::kCount}};
  EXPECT_EQ(reference(leading), (std::vector<Batch>{{{0, 1}}, {{0, 0}}, {{0, 1}}, {{0, 0}}}));
  leading.chain = {windowStep(Op::kWindow, 2, 1)};
  EXPECT_EQ(reference(leading),
            (std::vector<Batch>{{}, {{0, 1}}, {{0, 1}}, {}, {}, {{0, 1}}, {{0, 1}}}));
  leading.chain = {Step{Op::kUnionWithItself}};
  try {
    reference(leading);
    ADD_FAILURE() << "no failure";
  } catch (const ExpectedFailure& f) {
    EXPECT_EQ(f.time, 1);
    EXPECT_FALSE(f.taskFailed);
  }
}

TEST(StreamingDifferentialReference, PerBatchAndStatefulOperators) {
  std::vector<Batch> input{{{0, 3}}, {}, {{1, 2}}};
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kCount})),
            (std::vector<Batch>{{{0, 1}}, {{0, 0}}, {{0, 1}}, {{0, 0}}}));
  // A running sum; a key without new values whose sum is divisible by 3 is removed.
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kUpdateStateByKey})),
            (std::vector<Batch>{{{0, 3}}, {}, {{1, 2}}, {{1, 2}}}));
  // mapWithState's snapshots (c odd) keep every key.
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kMapWithState, 1, 1, 1})),
            (std::vector<Batch>{{{0, 3}}, {{0, 3}}, {{0, 3}, {1, 2}}, {{0, 3}, {1, 2}}}));
  // The timeouts of streaming_map_with_state_test's IdleKeysTimeOutOnceAndActiveKeysStay: a
  // timeout of 2 batches, a key last called at u times out at the first t with u < t - 2.
  Step withTimeout{Op::kMapWithState, 3, 2, 1};
  withTimeout.timeout = 2;
  auto idle = literalCase({{{0, 1}, {1, 1}, {2, 1}, {3, 1}},
                           {{0, 1}, {3, 1}},
                           {{1, 0}, {3, 1}},
                           {{3, 1}},
                           {{3, 1}},
                           {{3, 1}}},
                          10, withTimeout);
  EXPECT_EQ(reference(idle), (std::vector<Batch>{{{0, 1}, {1, 1}, {2, 1}, {3, 1}},
                                                 {{0, 2}, {1, 1}, {2, 1}, {3, 2}},
                                                 {{0, 2}, {1, 1}, {2, 1}, {3, 3}},
                                                 {{0, 2}, {1, 1}, {3, 4}},
                                                 {{1, 1}, {3, 5}},
                                                 {{3, 6}},
                                                 {{3, 6}},
                                                 {{3, 6}},
                                                 {},
                                                 {}}));
  idle.chain[0].c = 0;  // the outputs: each record's (v -> 7 v + 1), then the timed-out keys'
                        // (state s -> 3 s + 2)
  auto outputs = reference(idle);
  ASSERT_EQ(outputs.size(), 10u);
  EXPECT_EQ(outputs[3], (Batch{{2, 5}, {3, 8}}));
  EXPECT_EQ(outputs[8], (Batch{{3, 20}}));
}

class StreamingDifferential : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(StreamingDifferential);

TEST_P(StreamingDifferential, RandomChainsMatchTheReference) {
  int failures = 0;
  for (std::uint32_t seed : seeds()) {
    if (!runCase(seed, options()) && ++failures >= 3) {
      FAIL() << "stopping after three failing seeds";
    }
  }
}

}  // namespace
