// updateStateByKey, worked out from Spark's StateDStream: every batch yields the state of every
// live key; a key is called when it has new values or state; std::nullopt removes it; batches
// without a parent RDD still update the state; the initial RDD stands in for the state before the
// first batch. Batch k (from 1) is at k * 1000 ms on the manual clock.
// Over 500 lines because it is the one file of a Spark method family, its cases written out as
// literal batch tables.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::StorageLevel;
using ember::Time;
using ember::testing::runOperation;
using streaming_test::sortedBatches;

using P = std::pair<std::string, int>;
using Batches = std::vector<std::vector<P>>;
using MaybeBatches = std::vector<std::optional<std::vector<P>>>;

/// Spark's guide: the new values added to the running count.
std::optional<int> addCounts(const std::vector<int>& newValues, const std::optional<int>& state) {
  int sum = state.value_or(0);
  for (int v : newValues) sum += v;
  return sum;
}

std::vector<P> ones(const std::vector<std::string>& words) {
  std::vector<P> out;
  for (const auto& w : words) out.emplace_back(w, 1);
  return out;
}

/// Spark's BasicOperationsSuite input for updateStateByKey.
const Batches kWords{ones({"a"}),      ones({"a", "b"}), ones({"a", "b", "c"}),
                     ones({"a", "b"}), ones({"a"}),      {}};

std::size_t lineCount(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class UpdateStateByKey : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(UpdateStateByKey);

TEST_P(UpdateStateByKey, RunningWordCount) {
  auto opts = options();
  auto out = runOperation(
      kWords, [](DStream<P> s) { return s.updateStateByKey(addCounts); }, 7, opts);
  EXPECT_EQ(sortedBatches(out), (Batches{{{"a", 1}},
                                         {{"a", 2}, {"b", 1}},
                                         {{"a", 3}, {"b", 2}, {"c", 1}},
                                         {{"a", 4}, {"b", 3}, {"c", 1}},
                                         {{"a", 5}, {"b", 3}, {"c", 1}},
                                         {{"a", 5}, {"b", 3}, {"c", 1}},
                                         {{"a", 5}, {"b", 3}, {"c", 1}}}));
}

TEST_P(UpdateStateByKey, ReturningNulloptRemovesTheKey) {
  // A value of 0 ends the key; it starts again from nothing when it comes back.
  Batches input{{{"a", 1}, {"b", 2}}, {{"a", 0}}, {}, {{"a", 5}, {"b", 1}}};
  auto f = [](const std::vector<int>& values, const std::optional<int>& state) {
    std::optional<int> next = state.value_or(0);
    for (int v : values) {
      if (v == 0) return std::optional<int>();
      *next += v;
    }
    return next;
  };
  auto opts = options();
  auto out = runOperation(
      input, [&](DStream<P> s) { return s.updateStateByKey(f); }, 4, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches{{{"a", 1}, {"b", 2}}, {{"b", 2}}, {{"b", 2}}, {{"a", 5}, {"b", 3}}}));
}

TEST_P(UpdateStateByKey, KeysWithoutNewValuesAreCalledWithNone) {
  // State: (sum, calls that brought no values).
  using S = std::pair<int, int>;
  auto f = [](const std::vector<int>& values, const std::optional<S>& state) {
    S next = state.value_or(S{0, 0});
    if (values.empty()) ++next.second;
    for (int v : values) next.first += v;
    return std::optional<S>(next);
  };
  MaybeBatches input{std::vector<P>{{"a", 1}}, std::vector<P>{{"b", 2}}, std::nullopt,
                     std::vector<P>{}, std::vector<P>{{"a", 3}}};
  auto opts = options();
  auto out = runOperation(
      input, [&](DStream<P> s) { return s.updateStateByKey(f); }, 5, opts);
  using Q = std::pair<std::string, S>;
  EXPECT_EQ(sortedBatches(out), (std::vector<std::vector<Q>>{
                                    {{"a", {1, 0}}},
                                    {{"a", {1, 1}}, {"b", {2, 0}}},
                                    {{"a", {1, 2}}, {"b", {2, 1}}},
                                    {{"a", {1, 3}}, {"b", {2, 2}}},
                                    {{"a", {4, 3}}, {"b", {2, 3}}},
                                }));
}

TEST(UpdateStateByKey, BatchesWithoutAnRddKeepProducingState) {
  // Nothing at the first batch (no parent RDD, no state), then state every batch.
  MaybeBatches input{std::nullopt, std::vector<P>{{"a", 1}}, std::nullopt,
                     std::nullopt, std::vector<P>{},         std::vector<P>{{"a", 2}}};
  auto out = runOperation(
      input, [](DStream<P> s) { return s.updateStateByKey(addCounts); }, 7);
  EXPECT_EQ(sortedBatches(out),
            (Batches{{{"a", 1}}, {{"a", 1}}, {{"a", 1}}, {{"a", 1}}, {{"a", 3}}, {{"a", 3}}}));
}

TEST(UpdateStateByKey, EmptyStateStaysEmpty) {
  Batches input{{}, {}, {{"x", 4}}};
  auto out = runOperation(
      input, [](DStream<P> s) { return s.updateStateByKey(addCounts); }, 4);
  EXPECT_EQ(sortedBatches(out), (Batches{{}, {}, {{"x", 4}}, {{"x", 4}}}));
}

TEST_P(UpdateStateByKey, InitialRddIsTheStateBeforeTheFirstBatch) {
  auto opts = options();
  auto out = runOperation(
      kWords,
      [](DStream<P> s) {
        auto initial =
            s.context().sparkContext().parallelize(std::vector<P>{{"a", 1}, {"c", 2}}, 3);
        return s.updateStateByKey(addCounts, 2, initial);
      },
      6, opts);
  EXPECT_EQ(sortedBatches(out), (Batches{{{"a", 2}, {"c", 2}},
                                         {{"a", 3}, {"b", 1}, {"c", 2}},
                                         {{"a", 4}, {"b", 2}, {"c", 3}},
                                         {{"a", 5}, {"b", 3}, {"c", 3}},
                                         {{"a", 6}, {"b", 3}, {"c", 3}},
                                         {{"a", 6}, {"b", 3}, {"c", 3}}}));
}

TEST(UpdateStateByKey, InitialRddWaitsForTheFirstParentRdd) {
  // As Spark: without a parent RDD and without previous state there is no state RDD, even with
  // an initial RDD; the initial state joins the first batch that has one.
  MaybeBatches input{std::nullopt, std::vector<P>{{"a", 1}}, std::nullopt};
  auto out = runOperation(
      input,
      [](DStream<P> s) {
        auto initial =
            s.context().sparkContext().parallelize(std::vector<P>{{"a", 10}, {"z", 5}}, 2);
        return s.updateStateByKey(addCounts, 3, false, initial);
      },
      3);
  EXPECT_EQ(sortedBatches(out), (Batches{{{"a", 11}, {"z", 5}}, {{"a", 11}, {"z", 5}}}));
}

TEST(UpdateStateByKey, InitialRddAsOptionalOrLeftOut) {
  auto run = [](bool given) {
    return runOperation(
        Batches{{{"a", 1}}},
        [given](DStream<P> s) {
          std::optional<Rdd<P>> initial;
          if (given) initial = s.context().sparkContext().parallelize(std::vector<P>{{"a", 4}});
          return s.updateStateByKey(addCounts, 2, true, initial);
        },
        2);
  };
  EXPECT_EQ(sortedBatches(run(true)), (Batches{{{"a", 5}}, {{"a", 5}}}));
  EXPECT_EQ(sortedBatches(run(false)), (Batches{{{"a", 1}}, {{"a", 1}}}));
}

/// The partition count of every state RDD (a batch of one element each).
template <class Make>
std::vector<std::vector<int>> partitionCounts(const MaybeBatches& input, Make make, int batches,
                                              ember::testing::TestOptions opts = {}) {
  return runOperation(
      input,
      [make](DStream<P> s) {
        return make(s).transform([](const Rdd<P>& rdd) {
          return rdd.context().parallelize(std::vector<int>{rdd.getNumPartitions()}, 1);
        });
      },
      batches, opts);
}

TEST(UpdateStateByKey, StateHasNumPartitions) {
  MaybeBatches input{std::vector<P>{{"a", 1}, {"b", 1}}, std::nullopt, std::vector<P>{{"c", 1}}};
  using Counts = std::vector<std::vector<int>>;
  EXPECT_EQ(partitionCounts(
                input, [](DStream<P> s) { return s.updateStateByKey(addCounts, 5); }, 4),
            (Counts{{5}, {5}, {5}, {5}}));
  EXPECT_EQ(
      partitionCounts(
          input,
          [](DStream<P> s) {
            auto initial = s.context().sparkContext().parallelize(std::vector<P>{{"z", 1}}, 3);
            return s.updateStateByKey(addCounts, 4, initial);
          },
          3),
      (Counts{{4}, {4}, {4}}));
}

TEST(UpdateStateByKey, DefaultNumPartitionsIsTheDefaultParallelism) {
  MaybeBatches input{std::vector<P>{{"a", 1}}};
  for (const char* master : {"local[1]", "local[3]"}) {
    ember::testing::ScopedMaster scoped(master);
    int expected = 0;
    auto counts = partitionCounts(input,
                                  [&expected](DStream<P> s) {
                                    expected = s.context().sparkContext().defaultParallelism();
                                    return s.updateStateByKey(addCounts);
                                  },
                                  2, {ember::Seconds(1), 7});
    EXPECT_EQ(counts, (std::vector<std::vector<int>>{{expected}, {expected}})) << master;
  }
}

TEST_P(UpdateStateByKey, TimeAwareFunctionGetsTheBatchTimeAndKey) {
  // Spark's "testing time stamps as input": the state is the time of the key's last values.
  using Q = std::pair<std::string, std::int64_t>;
  auto f = [](Time time, const std::string& key, const std::vector<int>& values,
              const std::optional<std::int64_t>& state) -> std::optional<std::int64_t> {
    if (key.empty()) throw ember::Error("no key");
    if (values.empty()) return state;
    return time.milliseconds();
  };
  auto opts = options();
  auto out = runOperation(
      kWords,
      [&](DStream<P> s) {
        auto initial =
            s.context().sparkContext().parallelize(std::vector<Q>{{"a", 0}, {"c", 0}}, 2);
        return s.updateStateByKey(f, 2, false, initial);
      },
      6, opts);
  EXPECT_EQ(sortedBatches(out), (std::vector<std::vector<Q>>{
                                    {{"a", 1000}, {"c", 0}},
                                    {{"a", 2000}, {"b", 2000}, {"c", 0}},
                                    {{"a", 3000}, {"b", 3000}, {"c", 3000}},
                                    {{"a", 4000}, {"b", 4000}, {"c", 3000}},
                                    {{"a", 5000}, {"b", 4000}, {"c", 3000}},
                                    {{"a", 5000}, {"b", 4000}, {"c", 3000}},
                                }));
}

TEST(UpdateStateByKey, TimeAwareFunctionSeesEveryKeyOnce) {
  // The state records, per key, the key and the times it was called at.
  auto f = [](Time time, const std::string& key, const std::vector<int>&,
              const std::optional<std::string>& state) {
    return std::optional<std::string>(state.value_or(key + ":") + " " +
                                      std::to_string(time.milliseconds()));
  };
  MaybeBatches input{std::vector<P>{{"a", 1}, {"a", 1}}, std::nullopt, std::vector<P>{{"b", 1}}};
  auto out = runOperation(
      input, [&](DStream<P> s) { return s.updateStateByKey(f, 3, true); }, 3);
  using Q = std::pair<std::string, std::string>;
  EXPECT_EQ(sortedBatches(out), (std::vector<std::vector<Q>>{
                                    {{"a", "a: 1000"}},
                                    {{"a", "a: 1000 2000"}},
                                    {{"a", "a: 1000 2000 3000"}, {"b", "b: 3000"}},
                                }));
}

TEST_P(UpdateStateByKey, PerPartitionFunctionMayDropAndRekey) {
  // Spark's iterator form: the function returns the state to keep, under any key ("old" becomes
  // "new", "drop" goes), and the next batch finds it under its new key.
  using Row = std::tuple<std::string, std::vector<int>, std::optional<int>>;
  auto f = [](std::vector<Row>&& rows) {
    std::vector<P> keep;
    for (auto& [key, values, state] : rows) {
      if (key == "drop") continue;
      int sum = state.value_or(0);
      for (int v : values) sum += v;
      keep.emplace_back(key == "old" ? "new" : key, sum);
    }
    return keep;
  };
  Batches input{{{"a", 1}, {"old", 2}, {"drop", 1}}, {{"a", 1}, {"new", 1}}, {}};
  auto opts = options();
  auto out = runOperation(
      input, [&](DStream<P> s) { return s.updateStateByKey(f, 3, true); }, 3, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches{{{"a", 1}, {"new", 2}}, {{"a", 2}, {"new", 3}}, {{"a", 2}, {"new", 3}}}));
}

TEST(UpdateStateByKey, PerPartitionFunctionGetsOnePartitionsKeys) {
  // Four partitions of state: the function sees each key once per batch, and never all of them
  // at once when they hash apart.
  using Row = std::tuple<std::string, std::vector<int>, std::optional<int>>;
  auto largest = std::make_shared<std::size_t>(0);
  auto mutex = std::make_shared<std::mutex>();
  auto f = [largest, mutex](std::vector<Row>&& rows) {
    {
      std::lock_guard lock(*mutex);
      *largest = std::max(*largest, rows.size());
    }
    std::vector<P> keep;
    for (auto& [key, values, state] : rows) {
      keep.emplace_back(key, state.value_or(0) + static_cast<int>(values.size()));
    }
    return keep;
  };
  std::vector<P> many;
  for (int i = 0; i < 40; ++i) many.emplace_back("k" + std::to_string(i), i);
  auto out = runOperation(
      Batches{many, many}, [&](DStream<P> s) { return s.updateStateByKey(f, 4, false); }, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].size(), 40u);
  for (const auto& [key, n] : out[1]) EXPECT_EQ(n, 2) << key;
  EXPECT_LT(*largest, 40u);
  EXPECT_GT(*largest, 0u);
}

TEST(UpdateStateByKey, ExplicitStateTypeForGenericLambdas) {
  auto generic = [](const auto& values, const auto& state) {
    auto sum = state.value_or(0);
    for (const auto& v : values) sum += v;
    return std::make_optional(sum);
  };
  auto out = runOperation(
      kWords, [&](DStream<P> s) { return s.updateStateByKey<int>(generic); }, 3);
  EXPECT_EQ(sortedBatches(out),
            (Batches{{{"a", 1}}, {{"a", 2}, {"b", 1}}, {{"a", 3}, {"b", 2}, {"c", 1}}}));
  // The initial RDD tells S as well.
  auto seeded = runOperation(
      kWords,
      [&](DStream<P> s) {
        auto initial = s.context().sparkContext().parallelize(std::vector<P>{{"b", 10}});
        return s.updateStateByKey(generic, 2, initial);
      },
      2);
  EXPECT_EQ(sortedBatches(seeded), (Batches{{{"a", 1}, {"b", 10}}, {{"a", 2}, {"b", 11}}}));
  // A state type other than the values'.
  auto asText = runOperation(
      kWords,
      [&](DStream<P> s) {
        return s.updateStateByKey<std::string>([](const auto& values, const auto& state) {
          return std::optional<std::string>(state.value_or("") + std::string(values.size(), '*'));
        });
      },
      2);
  using Q = std::pair<std::string, std::string>;
  EXPECT_EQ(sortedBatches(asText),
            (std::vector<std::vector<Q>>{{{"a", "*"}}, {{"a", "**"}, {"b", "*"}}}));
}

TEST(UpdateStateByKey, NonPositiveNumPartitionsAreRefused) {
  Batches input{{{"a", 1}}};
  for (int n : {0, -2}) {
    try {
      runOperation(
          input, [n](DStream<P> s) { return s.updateStateByKey(addCounts, n); }, 1);
      FAIL() << "numPartitions " << n << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_EQ(std::string(e.what()),
                "updateStateByKey: numPartitions must be positive, got " + std::to_string(n));
    }
    EXPECT_THROW(
        runOperation(
            input,
            [n](DStream<P> s) {
              auto initial = s.context().sparkContext().parallelize(std::vector<P>{{"a", 1}});
              return s.updateStateByKey(addCounts, n, initial);
            },
            1),
        ember::IllegalArgumentError);
    EXPECT_THROW(
        runOperation(
            input, [n](DStream<P> s) { return s.updateStateByKey(addCounts, n, true); }, 1),
        ember::IllegalArgumentError);
  }
}

TEST(UpdateStateByKey, AFailingFunctionFailsTheRun) {
  auto f = [](const std::vector<int>& values, const std::optional<int>&) -> std::optional<int> {
    for (int v : values) {
      if (v < 0) throw ember::Error("negative count " + std::to_string(v));
    }
    return 1;
  };
  try {
    runOperation(
        Batches{{{"a", 1}}, {{"a", -4}}}, [&](DStream<P> s) { return s.updateStateByKey(f); }, 2);
    FAIL() << "the failing batch was not reported";
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("negative count -4"), std::string::npos) << e.what();
  }
}

// The storage level and the lineage are inspected on the RDDs the stream hands its outputs.

ember::Conf manualConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("updateState").set("spark.streaming.clock", "ManualClock");
  return conf;
}

void runTo(ember::StreamingContext& ssc, int toBatch) {
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  for (int k = 1; k <= toBatch; ++k) {
    clock.advance(ssc.batchDuration().milliseconds());
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(k * 1000), 60'000));
    ASSERT_EQ(ssc.core().firstError(), nullptr) << "batch " << k;
  }
}

template <class U>
struct Kept {
  std::mutex mutex;
  std::vector<Rdd<U>> rdds;
  std::vector<std::string> lineages;
};

/// Keeps every RDD the stream yields and its lineage; `read` is what the output does with it.
template <class U, class Read>
std::shared_ptr<Kept<U>> keep(const DStream<U>& s, Read read) {
  auto kept = std::make_shared<Kept<U>>();
  s.foreachRDD([kept, read](const Rdd<U>& rdd) {
    read(rdd);
    std::lock_guard lock(kept->mutex);
    kept->rdds.push_back(rdd);
    kept->lineages.push_back(rdd.toDebugString());
  });
  return kept;
}

/// Batch k holds (key i, 1) for i in [0, 40).
DStream<P> fortyKeys(ember::StreamingContext& ssc, int batches) {
  ember::testing::detail::Batches<P> input;
  std::vector<P> batch;
  for (int i = 0; i < 40; ++i) batch.emplace_back("k" + std::to_string(i), 1);
  for (int k = 0; k < batches; ++k) input.emplace_back(batch);
  return ember::testing::detail::testInput<P>(ssc, std::move(input), 3);
}

TEST(UpdateStateByKey, StateIsPersistedSerializedByDefault) {
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto input = fortyKeys(ssc, 2);
  auto state = input.updateStateByKey(addCounts);
  auto chosen = input.updateStateByKey(addCounts);
  chosen.persist(StorageLevel::MEMORY_ONLY);
  auto count = [](const auto& rdd) { rdd.count(); };
  auto a = keep(state, count);
  auto b = keep(chosen, count);
  ssc.start();
  runTo(ssc, 2);
  EXPECT_EQ(state.node()->storageLevel(), StorageLevel::MEMORY_ONLY_SER);
  ASSERT_EQ(a->rdds.size(), 2u);
  EXPECT_EQ(a->rdds.back().getStorageLevel(), StorageLevel::MEMORY_ONLY_SER);
  ASSERT_EQ(b->rdds.size(), 2u);
  EXPECT_EQ(b->rdds.back().getStorageLevel(), StorageLevel::MEMORY_ONLY);
  ssc.stop();
}

void expectBoundedLineage(const std::vector<std::string>& lineages) {
  ASSERT_EQ(lineages.size(), 50u);
  std::size_t settled = lineCount(lineages[4]);
  for (std::size_t i = 4; i < lineages.size(); ++i) {
    EXPECT_EQ(lineCount(lineages[i]), settled) << "batch " << i + 1 << ":\n" << lineages[i];
  }
  EXPECT_LE(settled, 6u) << lineages.back();
}

TEST(UpdateStateByKey, LineageStaysOneBatchDeep) {
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto state = fortyKeys(ssc, 50).updateStateByKey(addCounts, 4);
  std::vector<P> last;
  auto kept = keep(state, [&last](const Rdd<P>& rdd) { last = rdd.collect(); });
  ssc.start();
  runTo(ssc, 50);
  ssc.stop();
  expectBoundedLineage(kept->lineages);
  EXPECT_NE(kept->lineages.back().find("LocalCheckpointRDD"), std::string::npos)
      << kept->lineages.back();
  ASSERT_EQ(last.size(), 40u);
  for (const auto& [key, n] : last) EXPECT_EQ(n, 50) << key;
}

TEST(UpdateStateByKey, LineageStaysBoundedWhenOutputsReadPartOfTheState) {
  // print() reads the first partitions only; the rest of each state is computed after the batch.
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto state = fortyKeys(ssc, 50).updateStateByKey(addCounts, 4);
  auto kept = keep(state, [](const Rdd<P>& rdd) { rdd.take(1); });
  std::vector<P> last;
  state.filter([](const P&) { return true; }).foreachRDD([&last](const Rdd<P>& rdd, Time t) {
    if (t == Time(50'000)) last = rdd.collect();
  });
  ssc.start();
  runTo(ssc, 50);
  ssc.stop();
  expectBoundedLineage(kept->lineages);
  ASSERT_EQ(last.size(), 40u);
  for (const auto& [key, n] : last) EXPECT_EQ(n, 50) << key;
}

TEST(UpdateStateByKey, OnlyTheLatestStatesAreKept) {
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto state = fortyKeys(ssc, 20).updateStateByKey(addCounts, 2);
  std::size_t most = 0;
  keep(state, [&most, node = state.node()](const Rdd<P>& rdd) {
    rdd.take(1);
    most = std::max(most, node->numGenerated());
  });
  ssc.start();
  runTo(ssc, 20);
  ssc.stop();
  EXPECT_LE(most, 2u);
  EXPECT_GE(most, 1u);
}

}  // namespace
