// Every keyed operation on a chain of narrow streams (PipelineDStream) runs the chain fused into
// its per-batch shuffle: the same results as the streams one by one in every cell of the
// partitions x masters matrix, each function called once per record, the chain's streams making
// no RDD of their own, and a persisted stream of the chain read through.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Seconds;
using ember::State;
using ember::StateSpec;
using ember::StorageLevel;
using ember::StreamingContext;
using ember::testing::runOperation;
using Pair = std::pair<std::string, int>;
using streaming_test::runTo;
using streaming_test::sortedBatches;

const std::vector<std::vector<std::string>> kBatches = {
    {"a b a", "c"}, {}, {"b b", "", "a c a d"}, {"d"}, {"a"}};
constexpr std::size_t kNumBatches = 6;
constexpr int kNumWords = 13;  // split("") is one empty word

auto split = [](const std::string& l) { return ember::split(l, ' '); };
auto one = [](std::string w) { return Pair(std::move(w), 1); };
auto named = [](const Pair& p) { return !p.first.empty(); };

std::optional<int> sumUpdate(const std::vector<int>& values, const std::optional<int>& state) {
  int sum = state.value_or(0);
  for (int v : values) sum += v;
  return sum;
}

int runningCount(const std::string&, const std::optional<int>& value, State<int>& state) {
  int sum = value.value_or(0) + state.getOption().value_or(0);
  state.update(sum);
  return sum;
}

// The operations under test, each on a stream of (word, 1) pairs, fused or not.

auto combined = [](const auto& pairs) {
  return pairs.combineByKey([](int v) { return std::int64_t{v}; },
                            [](std::int64_t c, int v) { return c + v; },
                            [](std::int64_t a, std::int64_t b) { return a + b; }, 3);
};
auto grouped = [](const auto& pairs) { return pairs.groupByKey(2); };
auto valueCounts = [](const auto& pairs) {
  return pairs.map([](const Pair& p) { return p.first; }).countByValue();
};
auto windowed = [](const auto& pairs) {
  return pairs.reduceByKeyAndWindow(std::plus<>{}, Seconds(2), Seconds(1), 2);
};
auto windowedShort = [](const auto& pairs) {
  return pairs.reduceByKeyAndWindow(std::plus<>{}, Seconds(3));
};
auto incremental = [](const auto& pairs) {
  return pairs.reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(2), Seconds(1),
                                    [](const Pair& kv) { return kv.second != 0; });
};
auto incrementalKeepingZeros = [](const auto& pairs) {
  return pairs.reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(3), Seconds(1), 3);
};
auto incrementalWithBoth = [](const auto& pairs) {
  return pairs.reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(2), Seconds(1), 2,
                                    [](const Pair& kv) { return kv.second > 0; });
};
auto windowedValueCounts = [](const auto& pairs) {
  return pairs.map([](const Pair& p) { return p.first; })
      .countByValueAndWindow(Seconds(2), Seconds(1));
};
auto stateful = [](const auto& pairs) { return pairs.updateStateByKey(sumUpdate, 3); };
auto statefulFromInitial = [](const auto& pairs) {
  auto initial =
      pairs.context().sparkContext().parallelize(std::vector<Pair>{{"a", 10}, {"z", 1}}, 2);
  return pairs.updateStateByKey(sumUpdate, 2, initial);
};
auto statefulByDefault = [](const auto& pairs) { return pairs.updateStateByKey(sumUpdate); };
auto statefulRemembering = [](const auto& pairs) {
  auto initial = pairs.context().sparkContext().parallelize(std::vector<Pair>{{"b", 5}}, 1);
  return pairs.updateStateByKey(sumUpdate, 2, true, std::optional(initial));
};
auto mapped = [](const auto& pairs) {
  return pairs.mapWithState(StateSpec<>::function(runningCount).numPartitions(2));
};
auto snapshots = [](const auto& pairs) {
  return pairs.mapWithState(StateSpec<>::function(runningCount)).stateSnapshots();
};

/// op on the chain lines -> words -> (word, 1) -> named pairs, fused (one PipelineDStream) and
/// step by step (each stream held as a plain DStream, so that nothing fuses), in this cell.
class FusionGrid : public streaming_test::StreamingGridTest {
 protected:
  template <class Op>
  void expectFusedEqualsUnfused(Op op) {
    auto fused = runOperation(
        kBatches,
        [&op](DStream<std::string> lines) {
          return op(lines.flatMap(split).map(one).filter(named));
        },
        kNumBatches, options());
    auto unfused = runOperation(
        kBatches,
        [&op](DStream<std::string> lines) {
          DStream<std::string> words = lines.flatMap(split);
          DStream<Pair> pairs = words.map(one);
          DStream<Pair> kept = pairs.filter(named);
          return op(kept);
        },
        kNumBatches, options());
    ASSERT_EQ(fused.size(), unfused.size());
    EXPECT_EQ(sortedBatches(fused), sortedBatches(unfused));
    std::size_t records = 0;
    for (const auto& batch : fused) records += batch.size();
    EXPECT_GT(records, 0u);
  }
};

TEST_P(FusionGrid, CombineByKeyOnAChain) {
  expectFusedEqualsUnfused(combined);
}
TEST_P(FusionGrid, GroupByKeyOnAChain) {
  expectFusedEqualsUnfused(grouped);
}
TEST_P(FusionGrid, CountByValueOnAChain) {
  expectFusedEqualsUnfused(valueCounts);
}
TEST_P(FusionGrid, ReduceByKeyAndWindowOnAChain) {
  expectFusedEqualsUnfused(windowed);
  expectFusedEqualsUnfused(windowedShort);
}
TEST_P(FusionGrid, IncrementalReduceByKeyAndWindowOnAChain) {
  expectFusedEqualsUnfused(incremental);
  expectFusedEqualsUnfused(incrementalKeepingZeros);
  expectFusedEqualsUnfused(incrementalWithBoth);
}
TEST_P(FusionGrid, CountByValueAndWindowOnAChain) {
  expectFusedEqualsUnfused(windowedValueCounts);
}
TEST_P(FusionGrid, UpdateStateByKeyOnAChain) {
  expectFusedEqualsUnfused(stateful);
  expectFusedEqualsUnfused(statefulFromInitial);
  expectFusedEqualsUnfused(statefulByDefault);
  expectFusedEqualsUnfused(statefulRemembering);
}
TEST_P(FusionGrid, MapWithStateOnAChain) {
  expectFusedEqualsUnfused(mapped);
  expectFusedEqualsUnfused(snapshots);
}

EMBER_TEST_ON_GRID(FusionGrid);

TEST(StreamingFusion, ResultsAreSparksOnes) {
  auto windows = runOperation(
      kBatches, [](DStream<std::string> lines) { return windowed(lines.flatMap(split).map(one)); },
      kNumBatches);
  EXPECT_EQ(sortedBatches(windows),
            (std::vector<std::vector<Pair>>{{{"a", 2}, {"b", 1}, {"c", 1}},
                                            {{"a", 2}, {"b", 1}, {"c", 1}},
                                            {{"", 1}, {"a", 2}, {"b", 2}, {"c", 1}, {"d", 1}},
                                            {{"", 1}, {"a", 2}, {"b", 2}, {"c", 1}, {"d", 2}},
                                            {{"a", 1}, {"d", 1}},
                                            {{"a", 1}}}));
  auto state = runOperation(
      kBatches, [](DStream<std::string> lines) { return stateful(lines.flatMap(split).map(one)); },
      4);
  EXPECT_EQ(sortedBatches(state),
            (std::vector<std::vector<Pair>>{{{"a", 2}, {"b", 1}, {"c", 1}},
                                            {{"a", 2}, {"b", 1}, {"c", 1}},
                                            {{"", 1}, {"a", 4}, {"b", 3}, {"c", 2}, {"d", 1}},
                                            {{"", 1}, {"a", 4}, {"b", 3}, {"c", 2}, {"d", 2}}}));
}

/// kBatches as the input of a hand-built context.
DStream<std::string> lineInput(StreamingContext& ssc) {
  ember::testing::detail::Batches<std::string> batches(kBatches.begin(), kBatches.end());
  return ember::testing::detail::testInput<std::string>(ssc, std::move(batches), 2);
}

/// Runs op on a chain whose split and map are counted, its words stream persisted when
/// `persistWords`, and checks that every line was split and every word mapped once; returns
/// whether the chain's last stream made RDDs of its own (it does only when read through).
template <class Op>
bool chainMadeRdds(Op op, bool persistWords) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto maps = std::make_shared<std::atomic<int>>(0);
  auto splits = std::make_shared<std::atomic<int>>(0);
  auto words = lineInput(ssc).flatMap([splits](const std::string& l) {
    ++*splits;
    return ember::split(l, ' ');
  });
  if (persistWords) words.persist(StorageLevel::MEMORY_ONLY);
  auto pairs = words
                   .map([maps](std::string w) {
                     ++*maps;
                     return Pair(std::move(w), 1);
                   })
                   .filter(named);
  auto records = std::make_shared<std::atomic<std::int64_t>>(0);
  op(pairs).foreachRDD([records](const auto& rdd) { *records += rdd.count(); });
  ssc.start();
  runTo(ssc, 1, static_cast<int>(kNumBatches));
  ssc.stop();
  EXPECT_GT(records->load(), 0);
  EXPECT_EQ(splits->load(), 7) << "each line split once";
  EXPECT_EQ(maps->load(), kNumWords) << "each word mapped once";
  if (persistWords) {
    EXPECT_GT(words.node()->numGenerated(), 0u);
  }
  return pairs.node()->numGenerated() > 0;
}

template <class Op>
void expectFusedPath(const char* what, Op op) {
  SCOPED_TRACE(what);
  EXPECT_FALSE(chainMadeRdds(op, false)) << "the chain ran inside the operation's shuffle";
  EXPECT_TRUE(chainMadeRdds(op, true)) << "a persisted stream of the chain is read through";
}

TEST(StreamingFusion, EveryKeyedOperationRunsTheChainInItsShuffle) {
  expectFusedPath("reduceByKey", [](const auto& p) { return p.reduceByKey(std::plus<>{}); });
  expectFusedPath("combineByKey", combined);
  expectFusedPath("groupByKey", grouped);
  expectFusedPath("countByValue", valueCounts);
  expectFusedPath("reduceByKeyAndWindow", windowed);
  expectFusedPath("reduceByKeyAndWindow, short form", windowedShort);
  expectFusedPath("reduceByKeyAndWindow with invF", incremental);
  expectFusedPath("reduceByKeyAndWindow with invF and numPartitions", incrementalKeepingZeros);
  expectFusedPath("reduceByKeyAndWindow with invF, numPartitions and filterFunc",
                  incrementalWithBoth);
  expectFusedPath("countByValueAndWindow", windowedValueCounts);
  expectFusedPath("updateStateByKey", stateful);
  expectFusedPath("updateStateByKey from an initial RDD", statefulFromInitial);
  expectFusedPath("updateStateByKey with the default partitions", statefulByDefault);
  expectFusedPath("updateStateByKey remembering its partitioner", statefulRemembering);
  expectFusedPath("mapWithState", mapped);
  expectFusedPath("mapWithState snapshots", snapshots);
}

TEST(StreamingFusion, AStreamOfTheChainWithAnOutputOfItsOwnIsReadThrough) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto maps = std::make_shared<std::atomic<int>>(0);
  auto pairs = lineInput(ssc).flatMap(split).map([maps](std::string w) {
    ++*maps;
    return Pair(std::move(w), 1);
  });
  // Registered first: the pairs of a batch exist (cached by this output) before the state reads
  // them, and the state reads that RDD rather than running the chain again.
  pairs.foreachRDD([](const ember::Rdd<Pair>& rdd) { rdd.cache().count(); });
  auto state = streaming_test::watch(DStream<Pair>(stateful(pairs)));
  ssc.start();
  runTo(ssc, 1, 4);
  ssc.stop();
  EXPECT_EQ(maps->load(), 12);
  ASSERT_EQ(state->data.size(), 4u);
  EXPECT_EQ(state->data[3], (std::vector<Pair>{{"", 1}, {"a", 4}, {"b", 3}, {"c", 2}, {"d", 2}}));
}

}  // namespace
