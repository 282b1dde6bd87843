// Joins over time: windowed streams joined with each other (inner, the three outer joins,
// cogroup), and a stream joined with a dataset through transform.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::Seconds;
using ember::StreamingContext;
using ember::Time;
using ember::testing::runOperation;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using KV = std::pair<std::string, int>;
using KW = std::pair<std::string, std::string>;
using std::nullopt;
using std::optional;

template <class T>
std::vector<std::vector<T>> sorted(std::vector<std::vector<T>> batches) {
  for (auto& b : batches) std::sort(b.begin(), b.end());
  return batches;
}

// Left: a two-batch window. Right: a three-batch window.
const std::vector<std::vector<KV>> kLeft{{{"a", 1}}, {{"b", 2}}, {{"a", 3}}, {}};
const std::vector<std::vector<KW>> kRight{{{"a", "x"}}, {}, {{"b", "y"}}, {}};

TEST(WindowJoin, InnerJoinOfTwoWindows) {
  using R = std::pair<std::string, std::pair<int, std::string>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) { return l.window(Seconds(2)).join(r.window(Seconds(3))); },
      4);
  EXPECT_EQ(sorted(out),
            (std::vector<std::vector<R>>{
                {{"a", {1, "x"}}}, {{"a", {1, "x"}}}, {{"a", {3, "x"}}, {"b", {2, "y"}}}, {}}));
}

TEST(WindowJoin, LeftOuterJoinOfTwoWindows) {
  using R = std::pair<std::string, std::pair<int, optional<std::string>>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) {
        return l.window(Seconds(2)).leftOuterJoin(r.window(Seconds(3)));
      },
      4);
  EXPECT_EQ(sorted(out), (std::vector<std::vector<R>>{{{"a", {1, "x"}}},
                                                      {{"a", {1, "x"}}, {"b", {2, nullopt}}},
                                                      {{"a", {3, "x"}}, {"b", {2, "y"}}},
                                                      {{"a", {3, nullopt}}}}));
}

TEST(WindowJoin, RightOuterJoinOfTwoWindows) {
  using R = std::pair<std::string, std::pair<optional<int>, std::string>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) {
        return l.window(Seconds(2)).rightOuterJoin(r.window(Seconds(3)));
      },
      4);
  EXPECT_EQ(sorted(out), (std::vector<std::vector<R>>{{{"a", {1, "x"}}},
                                                      {{"a", {1, "x"}}},
                                                      {{"a", {3, "x"}}, {"b", {2, "y"}}},
                                                      {{"b", {nullopt, "y"}}}}));
}

TEST(WindowJoin, FullOuterJoinOfTwoWindows) {
  using R = std::pair<std::string, std::pair<optional<int>, optional<std::string>>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) {
        return l.window(Seconds(2)).fullOuterJoin(r.window(Seconds(3)));
      },
      4);
  EXPECT_EQ(sorted(out),
            (std::vector<std::vector<R>>{{{"a", {1, "x"}}},
                                         {{"a", {1, "x"}}, {"b", {2, nullopt}}},
                                         {{"a", {3, "x"}}, {"b", {2, "y"}}},
                                         {{"a", {3, nullopt}}, {"b", {nullopt, "y"}}}}));
}

TEST(WindowJoin, CogroupOfTwoWindows) {
  using R = std::pair<std::string, std::pair<std::vector<int>, std::vector<std::string>>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) {
        return l.window(Seconds(2)).cogroup(r.window(Seconds(3)));
      },
      4);
  EXPECT_EQ(sorted(out), (std::vector<std::vector<R>>{{{"a", {{1}, {"x"}}}},
                                                      {{"a", {{1}, {"x"}}}, {"b", {{2}, {}}}},
                                                      {{"a", {{3}, {"x"}}}, {"b", {{2}, {"y"}}}},
                                                      {{"a", {{3}, {}}}, {"b", {{}, {"y"}}}}}));
}

TEST(WindowJoin, WindowsWithALongerSlideJoinAtTheirSlide) {
  using R = std::pair<std::string, std::pair<int, std::string>>;
  auto out = runOperation(
      kLeft, kRight,
      [](DStream<KV> l, DStream<KW> r) {
        return l.window(Seconds(2), Seconds(2)).join(r.window(Seconds(4), Seconds(2)));
      },
      4);
  EXPECT_EQ(sorted(out), (std::vector<std::vector<R>>{{{"a", {1, "x"}}}, {{"a", {3, "x"}}}}));
}

TEST(WindowJoin, DifferentSlidesAreRefused) {
  EXPECT_THAT(
      [] {
        runOperation(
            kLeft, kRight,
            [](DStream<KV> l, DStream<KW> r) {
              return l.window(Seconds(2), Seconds(2)).join(r.window(Seconds(2)));
            },
            1);
      },
      ThrowsMessage<ember::IllegalArgumentError>(
          AllOf(HasSubstr("2000 ms"), HasSubstr("1000 ms"))));
}

TEST(WindowJoin, PartitionsDefaultToTheDefaultParallelism) {
  ember::Conf conf = ember::testing::detail::testConf();
  conf.set("spark.default.parallelism", "5");
  StreamingContext ssc(conf, Seconds(1));
  auto l = ember::testing::detail::testInput<KV>(ssc, {{kLeft[0]}}, 2);
  auto r = ember::testing::detail::testInput<KW>(ssc, {{kRight[0]}}, 2);
  auto partitions = std::make_shared<std::vector<int>>();
  auto mutex = std::make_shared<std::mutex>();
  auto record = [partitions, mutex](int n) {
    std::lock_guard lock(*mutex);
    partitions->push_back(n);
  };
  l.window(Seconds(2)).join(r.window(Seconds(2))).foreachRDD([record](const auto& rdd) {
    record(rdd.getNumPartitions());
  });
  l.window(Seconds(2)).join(r.window(Seconds(2)), 3).foreachRDD([record](const auto& rdd) {
    record(rdd.getNumPartitions());
  });
  ember::testing::detail::runBatches(ssc, 1);
  std::sort(partitions->begin(), partitions->end());
  EXPECT_EQ(*partitions, (std::vector<int>{3, 5}));
}

// The dataset is read through a shared reference on every batch, so the program can swap it
// while the stream runs (the guide's stream-dataset join).
TEST(StreamDatasetJoin, TransformReadsTheCurrentDatasetEveryBatch) {
  using R = std::pair<std::string, std::pair<int, std::string>>;
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto engine = ssc.sparkContext();
  auto dataset = std::make_shared<Rdd<KW>>(engine.parallelize(std::vector<KW>{{"a", "v1"}}, 2));
  auto mutex = std::make_shared<std::mutex>();
  auto results = std::make_shared<std::vector<std::vector<R>>>();
  auto stream = ember::testing::detail::testInput<KV>(
      ssc, {{{{"a", 1}}}, {{{"a", 2}, {"b", 3}}}, {{{"a", 4}}}}, 2);
  stream.window(Seconds(2))
      .transform([dataset, mutex](const Rdd<KV>& rdd) {
        std::lock_guard lock(*mutex);
        return rdd.join(*dataset);
      })
      .foreachRDD([results, mutex](const Rdd<R>& rdd) {
        auto data = rdd.collect();
        std::sort(data.begin(), data.end());
        std::lock_guard lock(*mutex);
        results->push_back(std::move(data));
      });
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  ssc.start();
  clock.advance(1000);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(1000), 60'000));
  {
    std::lock_guard lock(*mutex);
    *dataset = engine.parallelize(std::vector<KW>{{"a", "v2"}, {"b", "w2"}}, 2);
  }
  for (int k = 2; k <= 3; ++k) {
    clock.advance(1000);
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(k * 1000), 60'000));
  }
  ssc.stop();
  std::lock_guard lock(*mutex);
  EXPECT_EQ(*results,
            (std::vector<std::vector<R>>{{{"a", {1, "v1"}}},
                                         {{"a", {1, "v2"}}, {"a", {2, "v2"}}, {"b", {3, "w2"}}},
                                         {{"a", {2, "v2"}}, {"a", {4, "v2"}}, {"b", {3, "w2"}}}}));
}

}  // namespace
