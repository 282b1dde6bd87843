// Fused chains of narrow streams (PipelineDStream): reduceByKey at the end of map / flatMap /
// filter streams gives what the streams give one by one, calls each function once per record,
// reads a persisted stream of the chain through its RDDs, and leaves the chain's streams usable
// on their own.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Seconds;
using ember::StorageLevel;
using ember::StreamingContext;
using ember::testing::runOperation;
using Pair = std::pair<std::string, int>;
using streaming_test::runTo;
using streaming_test::sortedBatches;
using streaming_test::watch;

const std::vector<std::vector<std::string>> kBatches = {
    {"a b a", "c"}, {}, {"b b", "", "a c a d"}, {"d"}};

const std::vector<std::vector<Pair>> kCounts = {{{"a", 2}, {"b", 1}, {"c", 1}},
                                                {},
                                                {{"", 1}, {"a", 2}, {"b", 2}, {"c", 1}, {"d", 1}},
                                                {{"d", 1}}};

/// kBatches as the input of a hand-built context.
DStream<std::string> lineInput(StreamingContext& ssc) {
  ember::testing::detail::Batches<std::string> batches(kBatches.begin(), kBatches.end());
  return ember::testing::detail::testInput<std::string>(ssc, std::move(batches), 2);
}

auto split = [](const std::string& l) { return ember::split(l, ' '); };
auto one = [](std::string w) { return Pair(std::move(w), 1); };

class StreamingPipeline : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(StreamingPipeline);

TEST_P(StreamingPipeline, GuideWordCountMatchesTheUnfusedStreams) {
  auto opts = options();
  auto fused = runOperation(
      kBatches,
      [](DStream<std::string> lines) {
        return lines.flatMap(split).map(one).reduceByKey(std::plus<>{});
      },
      4, opts);
  auto unfused = runOperation(
      kBatches,
      [](DStream<std::string> lines) {
        DStream<std::string> words = lines.flatMap(split);
        DStream<Pair> pairs = words.map(one);
        return pairs.reduceByKey(std::plus<>{});
      },
      4, opts);
  EXPECT_EQ(sortedBatches(fused), kCounts);
  EXPECT_EQ(sortedBatches(unfused), kCounts);
}

TEST_P(StreamingPipeline, FilterAndEmitterStepsInTheChain) {
  auto opts = options();
  auto out = runOperation(
      kBatches,
      [](DStream<std::string> lines) {
        return lines.filter([](const std::string& l) { return l != "c"; })
            .flatMap<Pair>([](const std::string& l, auto emit) {
              ember::forEachSplit(l, ' ', [&](std::string_view w) { emit.emplace(w, 1); });
            })
            .filter([](const Pair& p) { return !p.first.empty(); })
            .reduceByKey(std::plus<>{}, 3);
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out),
            (std::vector<std::vector<Pair>>{
                {{"a", 2}, {"b", 1}}, {}, {{"a", 2}, {"b", 2}, {"c", 1}, {"d", 1}}, {{"d", 1}}}));
}

/// Lines in, the chain's functions counted.
struct Counted {
  std::shared_ptr<std::atomic<int>> splits = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> maps = std::make_shared<std::atomic<int>>(0);

  /// split, counting its calls.
  auto countedSplit() const {
    return [s = splits](const std::string& l) {
      ++*s;
      return ember::split(l, ' ');
    };
  }
};

TEST(StreamingPipeline, EachFunctionRunsOncePerRecordAndBatch) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto lines = lineInput(ssc);
  Counted c;
  auto counts = lines.flatMap(c.countedSplit())
                    .map([m = c.maps](std::string w) {
                      ++*m;
                      return Pair(std::move(w), 1);
                    })
                    .reduceByKey(std::plus<>{});
  auto seen = watch(DStream<Pair>(counts));
  ssc.start();
  runTo(ssc, 1, 4);
  // The chain ran from the input's RDDs: its own streams generated none.
  EXPECT_EQ(lines.node()->numGenerated(), 1u);  // the last batch remembered
  EXPECT_EQ(counts.node()->numGenerated(), 1u);
  EXPECT_EQ(counts.node()->parents().size(), 1u);
  auto* pairs = dynamic_cast<ember::detail::DStreamNode<Pair>*>(counts.node()->parents()[0].get());
  ASSERT_NE(pairs, nullptr);
  EXPECT_EQ(pairs->numGenerated(), 0u);
  ssc.stop();
  EXPECT_EQ(seen->data, kCounts);
  EXPECT_EQ(c.splits->load(), 6);
  EXPECT_EQ(c.maps->load(), 12);
}

TEST(StreamingPipeline, PersistedStreamOfTheChainIsComputedOncePerBatch) {
  for (bool persisted : {false, true}) {
    SCOPED_TRACE(persisted ? "words persisted" : "words not persisted");
    StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
    auto lines = lineInput(ssc);
    Counted c;
    auto words = lines.flatMap(c.countedSplit());
    auto counts = words.map(one).reduceByKey(std::plus<>{});
    if (persisted) words.persist(StorageLevel::MEMORY_ONLY_SER);
    auto seenWords = watch(DStream<std::string>(words));
    auto seenCounts = watch(DStream<Pair>(counts));
    ssc.start();
    runTo(ssc, 1, 4);
    ssc.stop();
    EXPECT_EQ(seenCounts->data, kCounts);
    ASSERT_EQ(seenWords->data.size(), 4u);
    EXPECT_EQ(seenWords->data[2], (std::vector<std::string>{"", "a", "a", "b", "b", "c", "d"}));
    // Without persist each of the two outputs computes the words, as in Spark; persisted, the
    // words of a batch are computed once and the fused chain reads them.
    EXPECT_EQ(c.splits->load(), persisted ? 6 : 12);
    EXPECT_EQ(words.node()->numGenerated(), 1u);
    if (persisted) {
      for (const auto& level : seenWords->levels) EXPECT_EQ(level, StorageLevel::MEMORY_ONLY_SER);
    }
  }
}

TEST(StreamingPipeline, RddAnEarlierOutputCachedIsReadByTheFusedChain) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto lines = lineInput(ssc);
  Counted c;
  auto words = lines.flatMap(c.countedSplit());
  // Registered first, so the words of a batch exist (and are cached by this output's job)
  // before the counts are made, as in Spark, where both outputs read the same RDD.
  std::atomic<std::int64_t> wordsSeen{0};
  words.foreachRDD([&wordsSeen](const ember::Rdd<std::string>& rdd) {
    rdd.cache();
    wordsSeen += rdd.count();
  });
  auto seen = watch(DStream<Pair>(words.map(one).reduceByKey(std::plus<>{})));
  ssc.start();
  runTo(ssc, 1, 4);
  ssc.stop();
  EXPECT_EQ(seen->data, kCounts);
  EXPECT_EQ(wordsSeen.load(), 12);
  EXPECT_EQ(c.splits->load(), 6) << "the counts read the cached words";
}

TEST(StreamingPipeline, UpdateStateByKeyTakesAChainAsItsInitialRdd) {
  auto out = runOperation(
      kBatches,
      [](DStream<std::string> lines) {
        auto initial =
            lines.context().sparkContext().parallelize(std::vector<std::string>{"a", "z"}, 1);
        auto update = [](const std::vector<int>& values, std::optional<int> state) {
          int sum = state.value_or(0);
          for (int v : values) sum += v;
          return std::optional<int>(sum);
        };
        auto pairs = lines.flatMap(split).map(one);
        return pairs.updateStateByKey(update, 2, false, std::optional(initial.map(one)));
      },
      1);
  EXPECT_EQ(sortedBatches(out),
            (std::vector<std::vector<Pair>>{{{"a", 3}, {"b", 1}, {"c", 1}, {"z", 1}}}));
}

TEST(StreamingPipeline, FusedResultKeepsPartitionsAndLineage) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto lines = lineInput(ssc);
  auto counts = lines.flatMap(split).map(one).reduceByKey(std::plus<>{}, 5);
  std::mutex mutex;
  std::vector<int> partitions;
  std::string lineage;
  counts.foreachRDD([&](const ember::Rdd<Pair>& rdd) {
    std::lock_guard lock(mutex);
    partitions.push_back(rdd.getNumPartitions());
    lineage = rdd.toDebugString();
  });
  ssc.start();
  runTo(ssc, 1, 4);
  ssc.stop();
  EXPECT_EQ(partitions, (std::vector<int>{5, 5, 5, 5}));
  EXPECT_NE(lineage.find("ShuffledRDD"), std::string::npos) << lineage;
  std::size_t steps = 0;
  for (auto at = lineage.find("MapPartitionsRDD"); at != std::string::npos;
       at = lineage.find("MapPartitionsRDD", at + 1)) {
    ++steps;
  }
  EXPECT_EQ(steps, 2u) << "flatMap and map each show in the lineage\n" << lineage;
}

TEST(StreamingPipeline, AssigningAnotherStreamDropsTheChain) {
  auto out = runOperation(
      kBatches,
      [](DStream<std::string> lines) {
        auto pairs = lines.map([](const std::string& l) { return Pair(l, 1); });
        pairs = lines.flatMap(split).map(one);  // another chain: kept as a DStream<Pair>
        EXPECT_EQ(pairs.fusion(), nullptr);
        auto other = lines.map([](const std::string& l) { return Pair(l, 1); });
        DStream<Pair>& base = other;
        base = pairs;  // through a DStream<Pair>&
        EXPECT_EQ(other.fusion(), nullptr);
        return other.reduceByKey(std::plus<>{});
      },
      4);
  EXPECT_EQ(sortedBatches(out), kCounts);
}

}  // namespace
