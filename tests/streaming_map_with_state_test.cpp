// mapWithState through runOperation, with outputs worked out by hand from Spark's
// MapWithStateRDDRecord.updateRecordWithData: per batch and partition, every record calls the
// function with its key's state (in arrival order, so a key seen twice sees its first update);
// then, with a timeout, every key updated before (batch time - timeout) is called once more with
// no value and isTimingOut() true, and dropped. Batches are at 1000, 2000, ... ms.
// Over 500 lines because it is the one file of a Spark method family, its cases written out as
// literal batch tables.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
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
using ember::Rdd;
using ember::Seconds;
using ember::State;
using ember::StateSpec;
using ember::Time;
using ember::testing::runOperation;
using ember::testing::TestOptions;
using streaming_test::sortedBatches;

using SI = std::pair<std::string, int>;
template <class T>
using Batches = std::vector<std::vector<T>>;

/// What a stream produced in each batch, gathered by foreachRDD inside the operation.
template <class T>
struct Collected {
  std::mutex mutex;
  Batches<T> batches;
  std::vector<int> partitions;

  void attach(const DStream<T>& stream, const std::shared_ptr<Collected>& self) {
    stream.foreachRDD([self](const Rdd<T>& rdd) {
      auto data = rdd.collect();
      std::lock_guard lock(self->mutex);
      self->batches.push_back(std::move(data));
      self->partitions.push_back(rdd.getNumPartitions());
    });
  }
};

/// Spark's running count: adds the value to the state and returns the new count.
int runningCount(const std::string&, const std::optional<int>& value, State<int>& state) {
  int sum = value.value_or(0) + state.getOption().value_or(0);
  state.update(sum);
  return sum;
}

std::vector<std::vector<SI>> words(const std::vector<std::vector<std::string>>& batches) {
  std::vector<std::vector<SI>> out;
  for (const auto& b : batches) {
    out.emplace_back();
    for (const auto& w : b) out.back().emplace_back(w, 1);
  }
  return out;
}

// ---- Running counts ----------------------------------------------------------------------------

// Spark's MapWithStateSuite "basic operations with simple API", plus a key twice in one batch.
class MapWithState : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(MapWithState);

TEST_P(MapWithState, RunningCountsEmitTheNewCountOfEveryRecord) {
  auto opts = options();
  auto input = words({{}, {"a"}, {"a", "b"}, {"a", "b", "c"}, {"a", "b"}, {"a"}, {}, {"c", "c"}});
  auto snapshots = std::make_shared<Collected<SI>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto spec = StateSpec<>::function(
            [calls](const std::string& k, const std::optional<int>& v, State<int>& state) {
              ++*calls;
              return runningCount(k, v, state);
            });
        auto mapped = s.mapWithState(spec);
        snapshots->attach(mapped.stateSnapshots(), snapshots);
        return mapped;
      },
      8, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<int>{{}, {1}, {1, 2}, {1, 2, 3}, {3, 4}, {5}, {}, {2, 3}}));
  EXPECT_EQ(sortedBatches(snapshots->batches), (Batches<SI>{{},
                                                            {{"a", 1}},
                                                            {{"a", 2}, {"b", 1}},
                                                            {{"a", 3}, {"b", 2}, {"c", 1}},
                                                            {{"a", 4}, {"b", 3}, {"c", 1}},
                                                            {{"a", 5}, {"b", 3}, {"c", 1}},
                                                            {{"a", 5}, {"b", 3}, {"c", 1}},
                                                            {{"a", 5}, {"b", 3}, {"c", 3}}}));
  // Both outputs read one cached dataset per batch: the function ran once per record.
  EXPECT_EQ(calls->load(), 11);
}

TEST_P(MapWithState, StateSnapshotsAloneAsTheOutput) {
  auto opts = options();
  auto input = words({{"x", "y", "x"}, {}, {"y"}});
  auto out = runOperation(
      input,
      [](DStream<SI> s) {
        return s.mapWithState(StateSpec<>::function(runningCount)).stateSnapshots();
      },
      3, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<SI>{{{"x", 2}, {"y", 1}}, {{"x", 2}, {"y", 1}}, {{"x", 2}, {"y", 2}}}));
}

TEST(MapWithState, GenericLambdaWithTheTypesNamed) {
  auto input = words({{"a", "a"}, {"a"}});
  auto out = runOperation(
      input,
      [](DStream<SI> s) {
        auto spec = StateSpec<std::string, int, long, std::string>::function(
            [](const auto& key, const auto& value, auto& state) {
              long n = state.exists() ? state.get() + *value : *value;
              state.update(n);
              return key + ":" + std::to_string(n);
            });
        return s.mapWithState(spec);
      },
      2);
  EXPECT_EQ(sortedBatches(out), (Batches<std::string>{{"a:1", "a:2"}, {"a:3"}}));
}

// ---- Removal -----------------------------------------------------------------------------------

TEST_P(MapWithState, RemovedKeysLeaveTheStateAndStartAgain) {
  auto opts = options();
  // A value of 0 removes the key; others add to it. The output is the state after the call,
  // or -1 for no state.
  std::vector<std::vector<SI>> input{
      {{"a", 1}, {"b", 5}}, {{"a", 0}, {"b", 1}}, {{"a", 2}, {"b", 0}, {"b", 0}}, {{"c", 0}}, {}};
  auto snapshots = std::make_shared<Collected<SI>>();
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto spec = StateSpec<>::function(
            [](const std::string&, const std::optional<int>& v, State<int>& state) {
              if (*v == 0) {
                state.remove();
                return -1;
              }
              state.update(state.getOption().value_or(0) + *v);
              return state.get();
            });
        auto mapped = s.mapWithState(spec);
        snapshots->attach(mapped.stateSnapshots(), snapshots);
        return mapped;
      },
      5, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{{1, 5}, {-1, 6}, {-1, -1, 2}, {-1}, {}}));
  EXPECT_EQ(sortedBatches(snapshots->batches),
            (Batches<SI>{{{"a", 1}, {"b", 5}}, {{"b", 6}}, {{"a", 2}}, {{"a", 2}}, {{"a", 2}}}));
}

// ---- The State API -----------------------------------------------------------------------------

/// Runs `body(state)` and returns "<ErrorType>: <message>" for what it threw, or "ok".
template <class Body>
std::string outcome(Body body) {
  try {
    body();
    return "ok";
  } catch (const ember::IllegalArgumentError& e) {
    return std::string("IllegalArgumentError: ") + e.what();
  } catch (const ember::NoSuchElementError& e) {
    return std::string("NoSuchElementError: ") + e.what();
  }
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(MapWithState, StateApiRefusesWhatSparkRefuses) {
  // Each key exercises one rule; the function reports what the State call did.
  std::vector<std::vector<SI>> input{{{"get-absent", 1},
                                      {"update-after-remove", 1},
                                      {"remove-twice", 1},
                                      {"remove-absent", 1},
                                      {"timing-out", 1}},
                                     {},
                                     {},
                                     {}};
  auto out = runOperation(
      input,
      [](DStream<SI> s) {
        auto spec = StateSpec<>::function([](const std::string& key, const std::optional<int>& v,
                                             State<int>& state) -> std::string {
          if (state.isTimingOut()) {
            EXPECT_FALSE(v.has_value());
            EXPECT_TRUE(state.exists());
            EXPECT_EQ(state.get(), 7);
            EXPECT_EQ(state.getOption(), std::optional<int>(7));
            return key + " timing out: update -> " + outcome([&] { state.update(1); }) +
                   " | remove -> " + outcome([&] { state.remove(); });
          }
          if (key == "get-absent") {
            EXPECT_FALSE(state.exists());
            EXPECT_EQ(state.getOption(), std::nullopt);
            return key + " -> " + outcome([&] { (void)state.get(); });
          }
          if (key == "update-after-remove") {
            state.update(3);
            state.remove();
            EXPECT_FALSE(state.exists());
            return key + " -> " + outcome([&] { state.update(4); }) + " | get -> " +
                   outcome([&] { (void)state.get(); });
          }
          if (key == "remove-twice") {
            state.remove();
            return key + " -> " + outcome([&] { state.remove(); });
          }
          if (key == "remove-absent") return key + " -> " + outcome([&] { state.remove(); });
          state.update(7);
          EXPECT_EQ(state.get(), 7);
          return key + " updated";
        });
        return s.mapWithState(spec.timeout(Seconds(1)));
      },
      4);
  ASSERT_EQ(out.size(), 4u);
  auto first = sortedBatches(out)[0];
  ASSERT_EQ(first.size(), 5u);
  EXPECT_TRUE(startsWith(first[0], "get-absent -> NoSuchElementError: State is not set"))
      << first[0];
  EXPECT_EQ(first[1], "remove-absent -> ok");
  EXPECT_TRUE(startsWith(first[2],
                         "remove-twice -> IllegalArgumentError: Cannot remove the "
                         "state that has already been removed"))
      << first[2];
  EXPECT_EQ(first[3], "timing-out updated");
  EXPECT_TRUE(startsWith(first[4],
                         "update-after-remove -> IllegalArgumentError: Cannot update "
                         "the state after it has been removed"))
      << first[4];
  EXPECT_NE(first[4].find("| get -> NoSuchElementError"), std::string::npos) << first[4];
  // Updated at 1000 ms, a 1 s timeout: idle since before 3000 - 1000 ms at the third batch.
  EXPECT_TRUE(out[1].empty());
  ASSERT_EQ(out[2].size(), 1u);
  EXPECT_TRUE(startsWith(out[2][0],
                         "timing-out timing out: update -> IllegalArgumentError: Cannot update "
                         "the state that is timing out"))
      << out[2][0];
  EXPECT_NE(out[2][0].find("| remove -> IllegalArgumentError: Cannot remove the state that is "
                           "timing out"),
            std::string::npos)
      << out[2][0];
  EXPECT_TRUE(out[3].empty());
}

TEST(MapWithState, AnUncaughtStateErrorFailsTheBatch) {
  auto input = words({{"a"}});
  try {
    runOperation(
        input,
        [](DStream<SI> s) {
          return s.mapWithState(
              StateSpec<>::function([](const std::string&, const std::optional<int>&,
                                       State<int>& state) { return state.get(); }));
        },
        1);
    ADD_FAILURE() << "a get() of a missing state did not fail the batch";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("State is not set"), std::string::npos) << e.what();
    EXPECT_THROW(std::rethrow_exception(e.cause()), ember::NoSuchElementError);
  }
}

// ---- The time-aware form -----------------------------------------------------------------------

TEST_P(MapWithState, TimeAwareFormGetsTheBatchTimeAndDropsEmptyOutputs) {
  auto opts = options();
  // Emits (key, batch time) when the key's count becomes even; nothing otherwise.
  auto input = words({{"a", "b"}, {"a"}, {}, {"a", "b", "b"}});
  auto out = runOperation(
      input,
      [](DStream<SI> s) {
        auto spec = StateSpec<>::function(
            [](Time t, const std::string& key, const std::optional<int>& v,
               State<int>& state) -> std::optional<std::pair<std::string, std::int64_t>> {
              int n = state.getOption().value_or(0) + v.value_or(0);
              state.update(n);
              if (n % 2 != 0) return std::nullopt;
              return std::pair(key, t.milliseconds());
            });
        return s.mapWithState(spec);
      },
      4, opts);
  using P = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(sortedBatches(out), (Batches<P>{{}, {{"a", 2000}}, {}, {{"b", 4000}}}));
}

// ---- Partitions --------------------------------------------------------------------------------

TEST(MapWithState, NumPartitionsSetsTheStatePartitions) {
  for (const char* master : {"local[1]", "local[4]"}) {
    ember::testing::ScopedMaster scoped(master);
    for (std::optional<int> n : {std::optional<int>(), std::optional<int>(1), std::optional<int>(3),
                                 std::optional<int>(8)}) {
      auto snapshots = std::make_shared<Collected<SI>>();
      auto out = runOperation(
          words({{"a", "b", "c", "d", "e"}, {"a", "e"}}),
          [&](DStream<SI> s) {
            auto spec = StateSpec<>::function(runningCount);
            if (n) spec.numPartitions(*n);
            auto mapped = s.mapWithState(spec);
            snapshots->attach(mapped.stateSnapshots(), snapshots);
            return mapped;
          },
          2);
      int expected = n.value_or(std::string(master) == "local[1]" ? 1 : 4);
      EXPECT_EQ(snapshots->partitions, (std::vector<int>{expected, expected})) << master;
      EXPECT_EQ(sortedBatches(out), (Batches<int>{{1, 1, 1, 1, 1}, {2, 2}})) << master;
      EXPECT_EQ(sortedBatches(snapshots->batches),
                (Batches<SI>{{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}},
                             {{"a", 2}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 2}}}))
          << master;
    }
  }
}

TEST(MapWithState, BadSpecArgumentsAreRefused) {
  auto spec = StateSpec<>::function(runningCount);
  try {
    spec.numPartitions(0);
    ADD_FAILURE() << "numPartitions(0) accepted";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("numPartitions must be positive, got 0"),
              std::string::npos)
        << e.what();
  }
  try {
    spec.timeout(ember::Milliseconds(-5));
    ADD_FAILURE() << "a negative timeout accepted";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("must not be negative, got -5 ms"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(spec.getNumPartitions(), std::nullopt);
  EXPECT_EQ(spec.getTimeoutInterval(), std::nullopt);
}

// ---- Initial state -----------------------------------------------------------------------------

TEST_P(MapWithState, InitialStateIsInStateBeforeTheFirstBatch) {
  auto opts = options();
  auto snapshots = std::make_shared<Collected<SI>>();
  auto out = runOperation(
      words({{"a"}, {"b", "z"}}),
      [&](DStream<SI> s) {
        auto initial = s.context().sparkContext().parallelize(
            std::vector<SI>{{"a", 10}, {"z", 5}, {"q", 1}, {"q", 2}}, 3);
        auto mapped = s.mapWithState(StateSpec<>::function(runningCount).initialState(initial));
        snapshots->attach(mapped.stateSnapshots(), snapshots);
        return mapped;
      },
      2, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{{11}, {1, 6}}));
  // A key given twice keeps its last pair.
  EXPECT_EQ(
      sortedBatches(snapshots->batches),
      (Batches<SI>{{{"a", 11}, {"q", 2}, {"z", 5}}, {{"a", 11}, {"b", 1}, {"q", 2}, {"z", 6}}}));
}

TEST(MapWithState, InitialStateTimesOutFromTheFirstBatchTime) {
  // The initial keys are updated at the first batch (1000 ms); with a 2 s timeout an idle one
  // times out at the first batch t with 1000 < t - 2000, that is 4000 ms.
  auto out = runOperation(
      words({{}, {}, {}, {}, {}}),
      [](DStream<SI> s) {
        auto initial = s.context().sparkContext().parallelize(std::vector<SI>{{"old", 3}});
        auto spec = StateSpec<>::function(
            [](const std::string& key, const std::optional<int>&, State<int>& state) {
              return key + (state.isTimingOut() ? " timed out with " : " at ") +
                     std::to_string(state.get());
            });
        return s.mapWithState(spec.timeout(Seconds(2)).initialState(initial));
      },
      5);
  EXPECT_EQ(out, (Batches<std::string>{{}, {}, {}, {"old timed out with 3"}, {}}));
}

TEST(MapWithState, InitialStateFromAnotherEngineIsRefused) {
  ember::Engine other("local[1]", "other-engine");
  auto initial = other.parallelize(std::vector<SI>{{"a", 1}});
  try {
    runOperation(
        words({{"a"}}),
        [&](DStream<SI> s) {
          return s.mapWithState(StateSpec<>::function(runningCount).initialState(initial));
        },
        1);
    ADD_FAILURE() << "an initial state on another engine was accepted";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("another engine"), std::string::npos) << e.what();
  }
}

// ---- Timeouts ----------------------------------------------------------------------------------

/// A value of 1 adds to the count; 0 only looks at the state (no update), which with a timeout
/// still counts as activity for the key. Outputs say what happened.
std::string countOrPeek(const std::string& key, const std::optional<int>& v, State<int>& state) {
  if (state.isTimingOut()) {
    EXPECT_FALSE(v.has_value());
    return key + " timed out with " + std::to_string(state.get());
  }
  if (*v == 0) return key + " peeked " + std::to_string(state.getOption().value_or(0));
  state.update(state.getOption().value_or(0) + *v);
  return key + "=" + std::to_string(state.get());
}

TEST_P(MapWithState, IdleKeysTimeOutOnceAndActiveKeysStay) {
  auto opts = options();
  // Timeout 2 s, batches every second: a key last updated at u times out at the first batch
  // t with u < t - 2000. c: u=1000 -> t=4000. a: u=2000 -> t=5000. b is only peeked at 3000,
  // which refreshes it: u=3000 -> t=6000. d is updated up to 6000 -> t=9000.
  std::vector<std::vector<SI>> input{{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}},
                                     {{"a", 1}, {"d", 1}},
                                     {{"b", 0}, {"d", 1}},
                                     {{"d", 1}},
                                     {{"d", 1}},
                                     {{"d", 1}},
                                     {},
                                     {},
                                     {},
                                     {}};
  auto snapshots = std::make_shared<Collected<SI>>();
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto mapped = s.mapWithState(StateSpec<>::function(countOrPeek).timeout(Seconds(2)));
        snapshots->attach(mapped.stateSnapshots(), snapshots);
        return mapped;
      },
      10, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<std::string>{{"a=1", "b=1", "c=1", "d=1"},
                                                      {"a=2", "d=2"},
                                                      {"b peeked 1", "d=3"},
                                                      {"c timed out with 1", "d=4"},
                                                      {"a timed out with 2", "d=5"},
                                                      {"b timed out with 1", "d=6"},
                                                      {},
                                                      {},
                                                      {"d timed out with 6"},
                                                      {}}));
  EXPECT_EQ(sortedBatches(snapshots->batches),
            (Batches<SI>{{{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}},
                         {{"a", 2}, {"b", 1}, {"c", 1}, {"d", 2}},
                         {{"a", 2}, {"b", 1}, {"c", 1}, {"d", 3}},
                         {{"a", 2}, {"b", 1}, {"d", 4}},
                         {{"b", 1}, {"d", 5}},
                         {{"d", 6}},
                         {{"d", 6}},
                         {{"d", 6}},
                         {},
                         {}}));
}

TEST(MapWithState, WithoutATimeoutIdleKeysAreNeverCalled) {
  auto out = runOperation(
      words({{"a"}, {}, {}, {}, {}, {}}),
      [](DStream<SI> s) { return s.mapWithState(StateSpec<>::function(countOrPeek)); }, 6);
  EXPECT_EQ(out, (Batches<std::string>{{"a=1"}, {}, {}, {}, {}, {}}));
}

TEST(MapWithState, ZeroTimeoutDropsKeysIdleForOneBatch) {
  auto out = runOperation(
      words({{"a", "b"}, {"a"}, {}}),
      [](DStream<SI> s) {
        return s.mapWithState(StateSpec<>::function(countOrPeek).timeout(ember::Milliseconds(0)));
      },
      3);
  EXPECT_EQ(sortedBatches(out),
            (Batches<std::string>{
                {"a=1", "b=1"}, {"a=2", "b timed out with 1"}, {"a timed out with 2"}}));
}

TEST_P(MapWithState, ABatchRecomputedAfterItsStateWasDroppedGivesTheSameOutputs) {
  // The first output drops the cached state dataset of every batch, so the second computes it
  // again from the previous batch's: the function runs twice per record (and per timeout), and
  // the state goes on as if each batch ran once.
  auto opts = options();
  std::vector<std::vector<SI>> input{
      {{"a", 1}, {"b", 1}, {"c", 1}}, {{"a", 1}, {"b", 0}}, {{"a", 1}}, {{"a", 1}}, {}};
  auto snapshots = std::make_shared<Collected<SI>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto spec = StateSpec<>::function(
            [calls](const std::string& k, const std::optional<int>& v, State<int>& state) {
              ++*calls;
              return countOrPeek(k, v, state);
            });
        auto mapped = s.mapWithState(spec.timeout(Seconds(1)));
        auto snaps = mapped.stateSnapshots();
        snaps.foreachRDD([snapshots](const Rdd<SI>& rdd) {
          auto data = rdd.collect();
          {
            std::lock_guard lock(snapshots->mutex);
            snapshots->batches.push_back(std::move(data));
          }
          for (const auto& parent : rdd.node()->narrowParents()) parent->dropBlocks();
        });
        return mapped;
      },
      5, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<std::string>{{"a=1", "b=1", "c=1"},
                                                      {"a=2", "b peeked 1"},
                                                      {"a=3", "c timed out with 1"},
                                                      {"a=4", "b timed out with 1"},
                                                      {}}));
  EXPECT_EQ(sortedBatches(snapshots->batches), (Batches<SI>{{{"a", 1}, {"b", 1}, {"c", 1}},
                                                            {{"a", 2}, {"b", 1}, {"c", 1}},
                                                            {{"a", 3}, {"b", 1}},
                                                            {{"a", 4}},
                                                            {{"a", 4}}}));
  // 7 records and 2 timeouts, each called twice.
  EXPECT_EQ(calls->load(), 2 * (7 + 2));
}

// ---- Empty and missing batches -----------------------------------------------------------------

TEST_P(MapWithState, EmptyAndMissingBatchesKeepTheState) {
  auto opts = options();
  std::vector<std::optional<std::vector<SI>>> input{std::vector<SI>{{"a", 1}}, std::nullopt,
                                                    std::vector<SI>{}, std::vector<SI>{{"a", 1}}};
  auto snapshots = std::make_shared<Collected<SI>>();
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto mapped = s.mapWithState(StateSpec<>::function(runningCount));
        snapshots->attach(mapped.stateSnapshots(), snapshots);
        return mapped;
      },
      5, opts);
  EXPECT_EQ(out, (Batches<int>{{1}, {}, {}, {2}, {}}));
  EXPECT_EQ(snapshots->batches,
            (Batches<SI>{{{"a", 1}}, {{"a", 1}}, {{"a", 1}}, {{"a", 2}}, {{"a", 2}}}));
}

// ---- Many batches ------------------------------------------------------------------------------

TEST(MapWithState, LineageStaysShortOverManyBatches) {
  std::vector<std::vector<SI>> input;
  for (int i = 0; i < 40; ++i) input.push_back({{"k" + std::to_string(i % 7), 1}});
  std::size_t longest = 0;
  auto mutex = std::make_shared<std::mutex>();
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto mapped = s.mapWithState(StateSpec<>::function(runningCount).numPartitions(2));
        mapped.stateSnapshots().foreachRDD([&longest, mutex](const Rdd<SI>& rdd) {
          std::string lineage = rdd.toDebugString();
          std::size_t n = 0;
          for (auto p = lineage.find("MapWithStateRDD"); p != std::string::npos;
               p = lineage.find("MapWithStateRDD", p + 1)) {
            ++n;
          }
          std::lock_guard lock(*mutex);
          longest = std::max(longest, n);
        });
        return mapped.stateSnapshots();
      },
      40);
  ASSERT_EQ(out.size(), 40u);
  std::vector<SI> expected;
  for (int k = 0; k < 7; ++k) expected.emplace_back("k" + std::to_string(k), k < 5 ? 6 : 5);
  EXPECT_EQ(sortedBatches(out).back(), expected);
  // This batch's state dataset and the one it was built on (cut from its own lineage).
  EXPECT_LE(longest, 2u);
}

TEST(MapWithState, LineageStaysShortWhenOutputsReadOnlyPartOfEachBatch) {
  // take(1) reads only the first partitions of a batch; the rest is completed after the batch,
  // so the next one still finds it stored and cuts it from the lineage.
  std::vector<std::vector<SI>> input;
  for (int i = 0; i < 30; ++i) input.push_back({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}});
  std::size_t longest = 0;
  auto mutex = std::make_shared<std::mutex>();
  auto out = runOperation(
      input,
      [&](DStream<SI> s) {
        auto mapped = s.mapWithState(StateSpec<>::function(runningCount).numPartitions(4));
        mapped.foreachRDD([&longest, mutex](const Rdd<int>& rdd) {
          (void)rdd.take(1);
          std::string lineage = rdd.toDebugString();
          std::size_t n = 0;
          for (auto p = lineage.find("MapWithStateRDD"); p != std::string::npos;
               p = lineage.find("MapWithStateRDD", p + 1)) {
            ++n;
          }
          std::lock_guard lock(*mutex);
          longest = std::max(longest, n);
        });
        return s.count();  // the only output reading the state is the take(1) above
      },
      30);
  ASSERT_EQ(out.size(), 30u);
  EXPECT_LE(longest, 2u);
}

}  // namespace
