// Every DStream transformation through runOperation, with the cases of Spark's
// BasicOperationsSuite (in our words), run over numInputPartitions {1, 2, 7} x local[1]/local[4].
// Over 500 lines because it mirrors one Spark suite case by case, each a literal batch table.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::Time;
using ember::testing::runOperation;
using ember::testing::TestOptions;
using ember_test::rangeInclusive;
using streaming_test::sortedBatches;

template <class T>
using Batches = std::vector<std::vector<T>>;
template <class T>
using OptBatches = std::vector<std::optional<std::vector<T>>>;
using SI = std::pair<std::string, int>;

const Batches<int> kTwelve{rangeInclusive(1, 4), rangeInclusive(5, 8), rangeInclusive(9, 12)};
const Batches<std::string> kWords{{"a", "a", "b"}, {"", ""}, {}};

auto toPairs(DStream<std::string> s) {
  return s.map([](const std::string& w) { return SI(w, 1); });
}

/// Spark's parallelize slicing: slice i of n elements in p slices is [i*n/p, (i+1)*n/p).
template <class T>
std::vector<std::vector<T>> slices(const std::vector<T>& data, int p) {
  std::vector<std::vector<T>> out;
  auto n = static_cast<std::int64_t>(data.size());
  for (std::int64_t i = 0; i < p; ++i) {
    out.emplace_back(data.begin() + i * n / p, data.begin() + (i + 1) * n / p);
  }
  return out;
}

// ---- Element-wise ------------------------------------------------------------------------------

class StreamingOperations : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(StreamingOperations);

TEST_P(StreamingOperations, Map) {
  auto opts = options();
  auto out = runOperation(
      kTwelve, [](DStream<int> s) { return s.map([](int x) { return std::to_string(x); }); }, 3,
      opts);
  Batches<std::string> expected{
      {"1", "2", "3", "4"}, {"5", "6", "7", "8"}, {"9", "10", "11", "12"}};
  EXPECT_EQ(out, expected);
}

TEST_P(StreamingOperations, FlatMapIterableForm) {
  auto opts = options();
  auto out = runOperation(
      kTwelve,
      [](DStream<int> s) { return s.flatMap([](int x) {
                             return std::vector<int>{x, x * 2};
                           }); }, 3,
      opts);
  Batches<int> expected{
      {1, 2, 2, 4, 3, 6, 4, 8}, {5, 10, 6, 12, 7, 14, 8, 16}, {9, 18, 10, 20, 11, 22, 12, 24}};
  EXPECT_EQ(out, expected);
}

TEST_P(StreamingOperations, FlatMapEmitterForm) {
  auto opts = options();
  auto out = runOperation(
      kTwelve,
      [](DStream<int> s) {
        // x copies of x for even x, nothing for odd.
        return s.flatMap<std::int64_t>([](const int& x, auto emit) {
          if (x % 2 != 0) return;
          for (int i = 0; i < x; ++i) emit(static_cast<std::int64_t>(x));
        });
      },
      3, opts);
  Batches<std::int64_t> expected{
      {2, 2, 4, 4, 4, 4},
      {6, 6, 6, 6, 6, 6, 8, 8, 8, 8, 8, 8, 8, 8},
      {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12}};
  EXPECT_EQ(out, expected);
}

TEST_P(StreamingOperations, Filter) {
  auto opts = options();
  auto out = runOperation(
      kTwelve, [](DStream<int> s) { return s.filter([](int x) { return x % 2 == 0; }); }, 3, opts);
  EXPECT_EQ(out, (Batches<int>{{2, 4}, {6, 8}, {10, 12}}));
}

TEST_P(StreamingOperations, GlomKeepsInputPartitions) {
  auto opts = options();
  auto out = runOperation(
      kTwelve, [](DStream<int> s) { return s.glom(); }, 3, opts);
  Batches<std::vector<int>> expected;
  for (const auto& batch : kTwelve) expected.push_back(slices(batch, opts.numInputPartitions));
  EXPECT_EQ(out, expected);
}

TEST(StreamingOperations, GlomWithTwoPartitionsAsSpark) {
  TestOptions opts;
  opts.numInputPartitions = 2;
  auto out = runOperation(
      kTwelve, [](DStream<int> s) { return s.glom(); }, 3, opts);
  EXPECT_EQ(out,
            (Batches<std::vector<int>>{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}}));
}

TEST_P(StreamingOperations, MapPartitionsSumsEachPartition) {
  auto opts = options();
  auto out = runOperation(
      kTwelve,
      [](DStream<int> s) {
        return s.mapPartitions([](std::vector<int> part) {
          int sum = 0;
          for (int x : part) sum += x;
          return std::vector<int>{sum};
        });
      },
      3, opts);
  Batches<int> expected;
  for (const auto& batch : kTwelve) {
    std::vector<int> sums;
    for (const auto& part : slices(batch, opts.numInputPartitions)) {
      int sum = 0;
      for (int x : part) sum += x;
      sums.push_back(sum);
    }
    expected.push_back(sums);
  }
  EXPECT_EQ(out, expected);
  if (opts.numInputPartitions == 2) {
    EXPECT_EQ(out, (Batches<int>{{3, 7}, {11, 15}, {19, 23}}));
  }
}

TEST_P(StreamingOperations, RepartitionGivesExactlyThatManyPartitions) {
  Batches<int> input{rangeInclusive(1, 10), rangeInclusive(11, 20)};
  for (int target : {1, 5, 9}) {
    SCOPED_TRACE("repartition(" + std::to_string(target) + ")");
    auto opts = options();
    auto out = runOperation(
        input, [target](DStream<int> s) { return s.repartition(target).glom(); }, 2, opts);
    ASSERT_EQ(out.size(), 2u);
    for (std::size_t b = 0; b < out.size(); ++b) {
      EXPECT_EQ(out[b].size(), static_cast<std::size_t>(target));
      std::vector<int> all;
      for (const auto& part : out[b]) all.insert(all.end(), part.begin(), part.end());
      std::sort(all.begin(), all.end());
      EXPECT_EQ(all, input[b]);
    }
  }
}

TEST(StreamingOperations, RepartitionRefusesNonPositiveCount) {
  EXPECT_THROW(runOperation(
                   kTwelve, [](DStream<int> s) { return s.repartition(0); }, 1),
               ember::IllegalArgumentError);
}

// ---- Union -------------------------------------------------------------------------------------

TEST_P(StreamingOperations, UnionWithItself) {
  Batches<int> input{rangeInclusive(1, 4), rangeInclusive(101, 104), rangeInclusive(201, 204)};
  auto opts = options();
  auto out = runOperation(
      input, [](DStream<int> s) { return s.union_(s.map([](int x) { return x + 4; })); }, 3, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{rangeInclusive(1, 8), rangeInclusive(101, 108),
                                              rangeInclusive(201, 208)}));
}

TEST_P(StreamingOperations, UnionOfTwoInputs) {
  Batches<int> a{{1, 2}, {3}, {}};
  Batches<int> b{{10}, {}, {20, 30}};
  auto opts = options();
  auto out = runOperation(
      a, b, [](DStream<int> x, DStream<int> y) { return x.union_(y); }, 3, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{{1, 2, 10}, {3}, {20, 30}}));
}

TEST_P(StreamingOperations, ContextUnionOfThreeStreams) {
  Batches<int> input{rangeInclusive(1, 4), rangeInclusive(101, 104), rangeInclusive(201, 204)};
  auto opts = options();
  auto out = runOperation(
      input,
      [](DStream<int> s) {
        return s.context().union_(std::vector<DStream<int>>{s, s.map([](int x) { return x + 4; }),
                                                            s.map([](int x) { return x + 8; })});
      },
      3, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{rangeInclusive(1, 12), rangeInclusive(101, 112),
                                              rangeInclusive(201, 212)}));
}

TEST(StreamingOperations, UnionRefusesEmptyListAndStreamsOfAnotherContext) {
  ember::StreamingContext ssc(ember::testing::detail::testConf(), ember::Seconds(1));
  auto a = ember::testing::detail::testInput<int>(ssc, {}, 1);
  EXPECT_THROW(ssc.union_(std::vector<DStream<int>>{}), ember::IllegalArgumentError);
  ember::StreamingContext other(ember::Engine(ember::testing::detail::testConf()),
                                ember::Seconds(2));
  auto b = ember::testing::detail::testInput<int>(other, {}, 1);
  EXPECT_THROW(a.union_(b), ember::IllegalArgumentError);
  // Core bug: an engine dropped while it is the active one deadlocks the next Engine(conf).
  other.stop(true);
}

// ---- Counting and reducing ---------------------------------------------------------------------

TEST_P(StreamingOperations, CountGivesOneElementPerBatchAndZeroForEmpty) {
  Batches<int> input{
      {}, rangeInclusive(1, 1), rangeInclusive(1, 2), rangeInclusive(1, 3), rangeInclusive(1, 4)};
  auto opts = options();
  auto out = runOperation(
      input, [](DStream<int> s) { return s.count(); }, 5, opts);
  EXPECT_EQ(out, (Batches<std::int64_t>{{0}, {1}, {2}, {3}, {4}}));
}

TEST_P(StreamingOperations, ReduceSumsEachBatchAndEmptyBatchGivesEmptyRdd) {
  Batches<int> input{rangeInclusive(1, 4), rangeInclusive(5, 8), {}, rangeInclusive(9, 12)};
  auto opts = options();
  auto out = runOperation(
      input, [](DStream<int> s) { return s.reduce(std::plus<>{}); }, 4, opts);
  EXPECT_EQ(out, (Batches<int>{{10}, {26}, {}, {42}}));
}

TEST_P(StreamingOperations, CountByValue) {
  Batches<std::string> input{{"1"}, {"1", "1", "1"}, {"1", "2"}, {"a", "a", "b", "b"}, {}};
  auto opts = options();
  auto out = runOperation(
      input, [](DStream<std::string> s) { return s.countByValue(); }, 5, opts);
  using P = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(sortedBatches(out),
            (Batches<P>{{{"1", 1}}, {{"1", 3}}, {{"1", 1}, {"2", 1}}, {{"a", 2}, {"b", 2}}, {}}));
}

TEST_P(StreamingOperations, CountByValueWithPartitionCount) {
  Batches<int> input{{1, 2, 2, 3, 3, 3}};
  auto opts = options();
  auto out = runOperation(
      input, [](DStream<int> s) { return s.countByValue(3).glom(); }, 1, opts);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 3u);
}

// ---- transform ---------------------------------------------------------------------------------

TEST_P(StreamingOperations, TransformOfRdd) {
  auto opts = options();
  auto out = runOperation(
      kTwelve,
      [](DStream<int> s) {
        return s.transform(
            [](const Rdd<int>& rdd) { return rdd.map([](int x) { return std::to_string(x); }); });
      },
      3, opts);
  EXPECT_EQ(out, (Batches<std::string>{
                     {"1", "2", "3", "4"}, {"5", "6", "7", "8"}, {"9", "10", "11", "12"}}));
}

TEST_P(StreamingOperations, TransformWithTimeSeesBatchTime) {
  Batches<int> input{{1}, {2}, {3}};
  auto opts = options();
  auto out = runOperation(
      input,
      [](DStream<int> s) {
        return s.transform([](const Rdd<int>& rdd, Time t) {
          std::int64_t ms = t.milliseconds();
          return rdd.map([ms](int x) { return ms + x; });
        });
      },
      3, opts);
  EXPECT_EQ(out, (Batches<std::int64_t>{{1001}, {2002}, {3003}}));
}

TEST_P(StreamingOperations, TransformMayChangePartitioningPerBatch) {
  Batches<int> input{rangeInclusive(1, 6), rangeInclusive(1, 6), rangeInclusive(1, 6)};
  auto opts = options();
  auto out = runOperation(
      input,
      [](DStream<int> s) {
        return s.transform([](const Rdd<int>& rdd, Time t) {
          return rdd.repartition(static_cast<int>(t.milliseconds() / 1000)).glom();
        });
      },
      3, opts);
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t b = 0; b < 3; ++b) EXPECT_EQ(out[b].size(), b + 1);
}

TEST_P(StreamingOperations, TransformWithJoinsTwoStreams) {
  Batches<std::string> a{{"a", "b"}, {"a", ""}, {""}, {}};
  Batches<std::string> b{{"a", "b"}, {"b", ""}, {}, {""}};
  using Out = std::pair<std::string, std::pair<int, std::string>>;
  Batches<Out> expected{{{"a", {1, "x"}}, {"b", {1, "x"}}}, {{"", {1, "x"}}}, {}, {}};
  auto opts = options();
  auto out = runOperation(
      a, b,
      [](DStream<std::string> x, DStream<std::string> y) {
        auto left = x.map([](const std::string& w) { return SI(w, 1); });
        auto right =
            y.map([](const std::string& w) { return std::pair<std::string, std::string>(w, "x"); });
        return left.transformWith(
            right, [](const Rdd<SI>& l, const Rdd<std::pair<std::string, std::string>>& r) {
              return l.join(r);
            });
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out), expected);
}

TEST_P(StreamingOperations, TransformWithTimeForm) {
  Batches<int> a{{1}, {2}};
  Batches<std::string> b{{"x"}, {"y", "z"}};
  auto opts = options();
  auto out = runOperation(
      a, b,
      [](DStream<int> x, DStream<std::string> y) {
        return x.transformWith(y, [](const Rdd<int>& l, const Rdd<std::string>& r, Time t) {
          std::int64_t n = r.count();
          std::int64_t ms = t.milliseconds();
          return l.map([n, ms](int v) { return ms + 10 * n + v; });
        });
      },
      2, opts);
  EXPECT_EQ(out, (Batches<std::int64_t>{{1011}, {2022}}));
}

TEST_P(StreamingOperations, ContextTransformOverSeveralStreams) {
  Batches<int> input{rangeInclusive(1, 4), rangeInclusive(101, 104), rangeInclusive(201, 204)};
  auto opts = options();
  auto out = runOperation(
      input,
      [](DStream<int> s) {
        std::vector<DStream<int>> streams{s, s.map([](int x) { return x + 4; }),
                                          s.map([](int x) { return x + 8; })};
        return s.context().transform(
            streams, [](const std::vector<Rdd<int>>& rdds, Time) { return ember::unionAll(rdds); });
      },
      3, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<int>{rangeInclusive(1, 12), rangeInclusive(101, 112),
                                              rangeInclusive(201, 212)}));
}

// ---- Keyed -------------------------------------------------------------------------------------

TEST_P(StreamingOperations, ReduceByKey) {
  auto opts = options();
  auto out = runOperation(
      kWords, [](DStream<std::string> s) { return toPairs(s).reduceByKey(std::plus<>{}); }, 3,
      opts);
  EXPECT_EQ(sortedBatches(out), (Batches<SI>{{{"a", 2}, {"b", 1}}, {{"", 2}}, {}}));
}

TEST_P(StreamingOperations, ReduceByKeyWithPartitionCount) {
  auto opts = options();
  auto out = runOperation(
      kWords,
      [](DStream<std::string> s) { return toPairs(s).reduceByKey(std::plus<>{}, 5).glom(); }, 3,
      opts);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& batch : out) EXPECT_EQ(batch.size(), 5u);
}

TEST(StreamingOperations, ReduceByKeyDefaultsToDefaultParallelism) {
  for (auto [master, n] : {std::pair{"local[1]", 1u}, std::pair{"local[4]", 4u}}) {
    ember::testing::ScopedMaster scoped(master);
    auto out = runOperation(
        kWords, [](DStream<std::string> s) { return toPairs(s).reduceByKey(std::plus<>{}).glom(); },
        1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].size(), n) << master;
  }
}

TEST_P(StreamingOperations, GroupByKey) {
  auto opts = options();
  auto out = runOperation(
      kWords, [](DStream<std::string> s) { return toPairs(s).groupByKey(); }, 3, opts);
  using G = std::pair<std::string, std::vector<int>>;
  EXPECT_EQ(sortedBatches(out), (Batches<G>{{{"a", {1, 1}}, {"b", {1}}}, {{"", {1, 1}}}, {}}));
}

TEST_P(StreamingOperations, CombineByKey) {
  auto opts = options();
  auto out = runOperation(
      kWords,
      [](DStream<std::string> s) {
        // Combiners are strings of the values, so that each function is seen to be used.
        return toPairs(s).combineByKey(
            [](int v) { return std::to_string(v); },
            [](std::string c, int v) { return c + "+" + std::to_string(v); },
            [](std::string c, std::string d) { return c + "+" + d; });
      },
      3, opts);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(sortedBatches(out), (Batches<P>{{{"a", "1+1"}, {"b", "1"}}, {{"", "1+1"}}, {}}));
}

TEST_P(StreamingOperations, MapValues) {
  auto opts = options();
  auto out = runOperation(
      kWords,
      [](DStream<std::string> s) {
        return toPairs(s).reduceByKey(std::plus<>{}).mapValues([](int v) { return v + 10; });
      },
      3, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<SI>{{{"a", 12}, {"b", 11}}, {{"", 12}}, {}}));
}

TEST_P(StreamingOperations, FlatMapValues) {
  auto opts = options();
  auto out = runOperation(
      kWords,
      [](DStream<std::string> s) {
        return toPairs(s).reduceByKey(std::plus<>{}).flatMapValues([](int v) {
          return std::vector<int>{v, v + 10};
        });
      },
      3, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<SI>{{{"a", 2}, {"a", 12}, {"b", 1}, {"b", 11}}, {{"", 2}, {"", 12}}, {}}));
}

// ---- Joins -------------------------------------------------------------------------------------

using SS = std::pair<std::string, std::string>;
const Batches<std::string> kJoinLeft{{"a", "b"}, {"a", ""}, {""}, {}};
const Batches<std::string> kJoinRight{{"a", "b"}, {"b", ""}, {}, {""}};

auto rightPairs(DStream<std::string> s) {
  return s.map([](const std::string& w) { return SS(w, "x"); });
}

TEST_P(StreamingOperations, Join) {
  using Out = std::pair<std::string, std::pair<int, std::string>>;
  auto opts = options();
  auto out = runOperation(
      kJoinLeft, kJoinRight,
      [](DStream<std::string> a, DStream<std::string> b) { return toPairs(a).join(rightPairs(b)); },
      4, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<Out>{{{"a", {1, "x"}}, {"b", {1, "x"}}}, {{"", {1, "x"}}}, {}, {}}));
}

TEST_P(StreamingOperations, LeftOuterJoin) {
  using Out = std::pair<std::string, std::pair<int, std::optional<std::string>>>;
  auto opts = options();
  auto out = runOperation(
      kJoinLeft, kJoinRight,
      [](DStream<std::string> a, DStream<std::string> b) {
        return toPairs(a).leftOuterJoin(rightPairs(b));
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<Out>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                                              {{"", {1, "x"}}, {"a", {1, std::nullopt}}},
                                              {{"", {1, std::nullopt}}},
                                              {}}));
}

TEST_P(StreamingOperations, RightOuterJoin) {
  using Out = std::pair<std::string, std::pair<std::optional<int>, std::string>>;
  auto opts = options();
  auto out = runOperation(
      kJoinLeft, kJoinRight,
      [](DStream<std::string> a, DStream<std::string> b) {
        return toPairs(a).rightOuterJoin(rightPairs(b));
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out), (Batches<Out>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                                              {{"", {1, "x"}}, {"b", {std::nullopt, "x"}}},
                                              {},
                                              {{"", {std::nullopt, "x"}}}}));
}

TEST_P(StreamingOperations, FullOuterJoin) {
  using Out = std::pair<std::string, std::pair<std::optional<int>, std::optional<std::string>>>;
  auto opts = options();
  auto out = runOperation(
      kJoinLeft, kJoinRight,
      [](DStream<std::string> a, DStream<std::string> b) {
        return toPairs(a).fullOuterJoin(rightPairs(b));
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<Out>{{{"a", {1, "x"}}, {"b", {1, "x"}}},
                          {{"", {1, "x"}}, {"a", {1, std::nullopt}}, {"b", {std::nullopt, "x"}}},
                          {{"", {1, std::nullopt}}},
                          {{"", {std::nullopt, "x"}}}}));
}

TEST_P(StreamingOperations, Cogroup) {
  Batches<std::string> left{{"a", "a", "b"}, {"a", ""}, {""}, {}};
  Batches<std::string> right{{"a", "a", "b"}, {"b", ""}, {}, {}};
  using Out = std::pair<std::string, std::pair<std::vector<int>, std::vector<std::string>>>;
  auto opts = options();
  auto out = runOperation(
      left, right,
      [](DStream<std::string> a, DStream<std::string> b) {
        return toPairs(a).cogroup(rightPairs(b));
      },
      4, opts);
  EXPECT_EQ(sortedBatches(out),
            (Batches<Out>{{{"a", {{1, 1}, {"x", "x"}}}, {"b", {{1}, {"x"}}}},
                          {{"", {{1}, {"x"}}}, {"a", {{1}, {}}}, {"b", {{}, {"x"}}}},
                          {{"", {{1}, {}}}},
                          {}}));
}

TEST_P(StreamingOperations, JoinWithPartitionCount) {
  auto opts = options();
  auto out = runOperation(
      kJoinLeft, kJoinRight,
      [](DStream<std::string> a, DStream<std::string> b) {
        return toPairs(a).join(rightPairs(b), 3).glom();
      },
      2, opts);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& batch : out) EXPECT_EQ(batch.size(), 3u);
}

TEST(StreamingOperations, KeyedOperationsRefuseNonPositivePartitionCounts) {
  auto bad = [](auto op) {
    EXPECT_THROW(runOperation(kWords, op, 1), ember::IllegalArgumentError);
  };
  bad([](DStream<std::string> s) { return toPairs(s).reduceByKey(std::plus<>{}, 0); });
  bad([](DStream<std::string> s) { return toPairs(s).groupByKey(-1); });
  bad([](DStream<std::string> s) { return s.countByValue(0); });
  bad([](DStream<std::string> s) { return toPairs(s).join(toPairs(s), 0); });
}

// ---- Batches without an RDD --------------------------------------------------------------------

TEST_P(StreamingOperations, BatchesWithoutRddYieldNothing) {
  OptBatches<int> input{std::vector<int>{1, 2}, std::nullopt, std::vector<int>{}, std::nullopt,
                        std::vector<int>{5}};
  auto opts = options();
  auto mapped = runOperation(
      input, [](DStream<int> s) { return s.map([](int x) { return x * 10; }); }, 5, opts);
  EXPECT_EQ(mapped, (Batches<int>{{10, 20}, {}, {50}}));
  auto counted = runOperation(
      input, [](DStream<int> s) { return s.count(); }, 5, opts);
  EXPECT_EQ(counted, (Batches<std::int64_t>{{2}, {0}, {1}}));
  auto reduced = runOperation(
      input, [](DStream<int> s) { return s.reduce(std::plus<>{}); }, 5, opts);
  EXPECT_EQ(reduced, (Batches<int>{{3}, {}, {5}}));
}

TEST(StreamingOperations, BatchesPastTheInputAreEmpty) {
  auto out = runOperation(
      Batches<int>{{1}}, [](DStream<int> s) { return s.count(); }, 3);
  EXPECT_EQ(out, (Batches<std::int64_t>{{1}, {0}, {0}}));
}

TEST(StreamingOperations, UnionWithMissingParentRddFails) {
  OptBatches<int> a{std::vector<int>{1}, std::nullopt};
  OptBatches<int> b{std::vector<int>{2}, std::vector<int>{3}};
  EXPECT_THROW(runOperation(
                   a, b, [](DStream<int> x, DStream<int> y) { return x.union_(y); }, 2),
               ember::Error);
}

// ---- Failures ----------------------------------------------------------------------------------

TEST_P(StreamingOperations, FailingUserFunctionThrowsTaskFailedWithMessage) {
  auto opts = options();
  try {
    runOperation(
        kTwelve,
        [](DStream<int> s) {
          return s.map([](int x) {
            if (x == 6) throw std::runtime_error("bad element 6");
            return x;
          });
        },
        3, opts);
    ADD_FAILURE() << "runOperation did not throw";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("bad element 6"), std::string::npos) << e.what();
  }
}

TEST(StreamingOperations, FailingReduceFunctionThrowsTaskFailed) {
  EXPECT_THROW(runOperation(
                   kWords,
                   [](DStream<std::string> s) {
                     return toPairs(s).reduceByKey(
                         [](int, int) -> int { throw std::runtime_error("no reduce"); });
                   },
                   3),
               ember::TaskFailedError);
}

}  // namespace
