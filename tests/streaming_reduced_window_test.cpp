// Incremental windows (inverse functions), worked out from Spark's ReducedWindowedDStream: the
// window at t is the window at t - slide, "un-reduced" with the batches that left it and reduced
// with those that entered. Keys stay with a zero value unless a filter drops them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
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
using ember::StorageLevel;
using ember::testing::runOperation;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using P = std::pair<std::string, int>;
using Batches = std::vector<std::vector<P>>;

template <class T>
std::vector<std::vector<T>> sorted(std::vector<std::vector<T>> batches) {
  for (auto& b : batches) std::sort(b.begin(), b.end());
  return batches;
}

auto sum = [](int a, int b) { return a + b; };
auto difference = [](int a, int b) { return a - b; };

// Keys come and go across a two-batch window; the batch of six is empty.
const Batches kComeAndGo{
    {{"a", 1}},           {{"a", 1}, {"b", 1}}, {{"a", 1}, {"b", 1}, {"c", 1}},
    {{"a", 1}, {"b", 1}}, {{"a", 1}},           {},
    {{"a", 1}},           {{"a", 1}, {"b", 1}}, {{"a", 1}, {"b", 1}, {"c", 1}},
    {{"a", 1}, {"b", 1}}, {{"a", 1}},           {},
};

class ReducedWindow : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(ReducedWindow);

TEST_P(ReducedWindow, KeysThatLeaveStayWithAZeroValue) {
  auto out = runOperation(
      kComeAndGo,
      [](DStream<P> s) { return s.reduceByKeyAndWindow(sum, difference, Seconds(2), Seconds(1)); },
      12, options());
  Batches expected{
      {{"a", 1}},
      {{"a", 2}, {"b", 1}},
      {{"a", 2}, {"b", 2}, {"c", 1}},
      {{"a", 2}, {"b", 2}, {"c", 1}},
      {{"a", 2}, {"b", 1}, {"c", 0}},
      {{"a", 1}, {"b", 0}, {"c", 0}},
      {{"a", 1}, {"b", 0}, {"c", 0}},
      {{"a", 2}, {"b", 1}, {"c", 0}},
      {{"a", 2}, {"b", 2}, {"c", 1}},
      {{"a", 2}, {"b", 2}, {"c", 1}},
      {{"a", 2}, {"b", 1}, {"c", 0}},
      {{"a", 1}, {"b", 0}, {"c", 0}},
  };
  EXPECT_EQ(sorted(out), expected);
}

TEST_P(ReducedWindow, FilterDroppingZerosMatchesThePlainWindow) {
  auto incremental = runOperation(
      kComeAndGo,
      [](DStream<P> s) {
        return s.reduceByKeyAndWindow(sum, difference, Seconds(2), Seconds(1),
                                      [](const P& kv) { return kv.second != 0; });
      },
      14, options());
  auto plain = runOperation(
      kComeAndGo, [](DStream<P> s) { return s.reduceByKeyAndWindow(sum, Seconds(2), Seconds(1)); },
      14, options());
  EXPECT_EQ(sorted(incremental), sorted(plain));
  EXPECT_EQ(sorted(incremental)[5], (std::vector<P>{{"a", 1}}));
  EXPECT_TRUE(incremental[13].empty()) << "every key left the window and was filtered out";
}

TEST_P(ReducedWindow, SlideLongerThanTheBatch) {
  Batches input{{{"a", 1}}, {{"a", 2}}, {{"a", 3}}, {{"a", 4}}, {{"a", 5}}, {{"a", 6}}, {}, {}};
  auto out = runOperation(
      input,
      [](DStream<P> s) { return s.reduceByKeyAndWindow(sum, difference, Seconds(4), Seconds(2)); },
      8, options());
  EXPECT_EQ(out, (Batches{{{"a", 3}}, {{"a", 10}}, {{"a", 18}}, {{"a", 11}}}));
}

TEST_P(ReducedWindow, TumblingWindowReplacesItsWholeContent) {
  Batches input{{{"a", 1}}, {{"a", 2}, {"b", 7}}, {{"a", 3}}, {{"a", 4}}, {{"b", 1}}};
  auto out = runOperation(
      input,
      [](DStream<P> s) { return s.reduceByKeyAndWindow(sum, difference, Seconds(2), Seconds(2)); },
      6, options());
  EXPECT_EQ(sorted(out),
            (Batches{{{"a", 3}, {"b", 7}}, {{"a", 7}, {"b", 0}}, {{"a", 0}, {"b", 1}}}));
}

TEST_P(ReducedWindow, MissingBatchesAndEmptyBatchesInsideTheWindow) {
  std::vector<std::optional<std::vector<P>>> input{std::vector<P>{{"a", 5}}, std::nullopt,
                                                   std::vector<P>{}, std::vector<P>{{"a", 1}},
                                                   std::nullopt};
  auto out = runOperation(
      input,
      [](DStream<P> s) { return s.reduceByKeyAndWindow(sum, difference, Seconds(3), Seconds(1)); },
      7, options());
  EXPECT_EQ(
      out,
      (Batches{
          {{"a", 5}}, {{"a", 5}}, {{"a", 5}}, {{"a", 1}}, {{"a", 1}}, {{"a", 1}}, {{"a", 0}}}));
}

TEST_P(ReducedWindow, NumPartitionsAndDefaultStorageLevel) {
  auto seen = std::make_shared<std::vector<std::pair<int, StorageLevel>>>();
  auto mutex = std::make_shared<std::mutex>();
  runOperation(
      kComeAndGo,
      [seen, mutex](DStream<P> s) {
        auto w = s.reduceByKeyAndWindow(sum, difference, Seconds(2), Seconds(1), 3);
        w.foreachRDD([seen, mutex](const Rdd<P>& rdd) {
          std::lock_guard lock(*mutex);
          seen->emplace_back(rdd.getNumPartitions(), rdd.getStorageLevel());
        });
        return w;
      },
      4, options());
  ASSERT_EQ(seen->size(), 4u);
  for (const auto& [partitions, level] : *seen) {
    EXPECT_EQ(partitions, 3);
    EXPECT_EQ(level, StorageLevel::MEMORY_ONLY_SER);
  }
}

TEST_P(ReducedWindow, LineageStaysShortAndOnlyMovedBatchesAreReduced) {
  auto lines = std::make_shared<std::vector<std::size_t>>();
  auto inverse_calls = std::make_shared<std::atomic<int>>(0);
  auto mutex = std::make_shared<std::mutex>();
  Batches input(40, Batches::value_type{{"k", 1}});
  auto out = runOperation(
      input,
      [=](DStream<P> s) {
        auto w = s.reduceByKeyAndWindow(
            sum,
            [inverse_calls](int a, int b) {
              ++*inverse_calls;
              return a - b;
            },
            Seconds(10), Seconds(1));
        w.foreachRDD([lines, mutex](const Rdd<P>& rdd) {
          std::string debug = rdd.toDebugString();
          std::lock_guard lock(*mutex);
          lines->push_back(static_cast<std::size_t>(std::count(debug.begin(), debug.end(), '\n')));
        });
        return w;
      },
      40, options());
  ASSERT_EQ(out.size(), 40u);
  EXPECT_EQ(out[39], (std::vector<P>{{"k", 10}}));
  // One inverse call per slide once the window is full (batches 11..40), never one per batch of
  // the window.
  EXPECT_EQ(inverse_calls->load(), 30);
  ASSERT_EQ(lines->size(), 40u);
  EXPECT_LE(lines->back(), (*lines)[12]) << "lineage grows with every batch";
  EXPECT_LT(lines->back(), 20u);
}

TEST_P(ReducedWindow, LineageStaysShortWhenOutputsReadPartOfEachWindow) {
  // take(1) reads the first partition only, as print() does: the rest of each window is
  // completed after its batch, so that the next window can cut its lineage.
  auto lines = std::make_shared<std::vector<std::size_t>>();
  auto mutex = std::make_shared<std::mutex>();
  Batches input;
  for (int k = 0; k < 40; ++k) input.push_back({{"k" + std::to_string(k % 7), 1}, {"x", 1}});
  runOperation(
      input,
      [=](DStream<P> s) {
        auto w = s.reduceByKeyAndWindow(sum, difference, Seconds(5), Seconds(1), 3);
        w.foreachRDD([lines, mutex](const Rdd<P>& rdd) {
          rdd.take(1);
          std::string debug = rdd.toDebugString();
          std::lock_guard lock(*mutex);
          lines->push_back(static_cast<std::size_t>(std::count(debug.begin(), debug.end(), '\n')));
        });
        // The test's own output would read every partition; this one reads nothing.
        return s.filter([](const P&) { return false; });
      },
      40, options());
  ASSERT_EQ(lines->size(), 40u);
  EXPECT_LE(lines->back(), (*lines)[10]) << "lineage grows with every batch";
  EXPECT_LT(lines->back(), 20u);
}

TEST_P(ReducedWindow, ReduceByWindowWithInverse) {
  std::vector<std::vector<int>> input{{1, 2}, {3}, {}, {4}, {}, {}};
  auto out = runOperation(
      input,
      [](DStream<int> s) { return s.reduceByWindow(sum, difference, Seconds(2), Seconds(1)); }, 6,
      options());
  EXPECT_EQ(out, (std::vector<std::vector<int>>{{3}, {6}, {3}, {4}, {4}, {0}}));
}

TEST_P(ReducedWindow, CountByWindow) {
  // Nothing before the first record: the window has no key yet, so no count (as Spark).
  std::vector<std::vector<char>> input{{}, {'a'}, {'b', 'c'}, {}, {}, {'d'}};
  auto out = runOperation(
      input, [](DStream<char> s) { return s.countByWindow(Seconds(2), Seconds(1)); }, 7, options());
  EXPECT_EQ(out, (std::vector<std::vector<std::int64_t>>{{}, {1}, {3}, {2}, {0}, {1}, {1}}));
}

TEST_P(ReducedWindow, CountByWindowWithALongerSlide) {
  std::vector<std::vector<int>> input{{1}, {2, 3}, {4}, {5, 6, 7}, {}, {}};
  auto out = runOperation(
      input, [](DStream<int> s) { return s.countByWindow(Seconds(4), Seconds(2)); }, 6, options());
  EXPECT_EQ(out, (std::vector<std::vector<std::int64_t>>{{3}, {7}, {4}}));
}

TEST_P(ReducedWindow, CountByValueAndWindowDropsZeroCounts) {
  using C = std::pair<std::string, std::int64_t>;
  std::vector<std::vector<std::string>> input{{"x", "y", "x"}, {"y"}, {}, {"z"}};
  auto out = runOperation(
      input,
      [](DStream<std::string> s) { return s.countByValueAndWindow(Seconds(2), Seconds(1), 2); }, 6,
      options());
  EXPECT_EQ(
      sorted(out),
      (std::vector<std::vector<C>>{
          {{"x", 2}, {"y", 1}}, {{"x", 2}, {"y", 2}}, {{"y", 1}}, {{"z", 1}}, {{"z", 1}}, {}}));
}

TEST(ReducedWindow, DurationsNotMultiplesOfTheParentSlideAreRefused) {
  Batches input{{{"a", 1}}};
  EXPECT_THAT(
      [&] {
        runOperation(
            input,
            [](DStream<P> s) {
              return s.reduceByKeyAndWindow(sum, difference, ember::Milliseconds(1500), Seconds(1));
            },
            1);
      },
      ThrowsMessage<ember::IllegalArgumentError>(
          AllOf(HasSubstr("1500 ms"), HasSubstr("1000 ms"))));
}

TEST(ReducedWindow, FilterDroppingALiveKeyFailsAsInSpark) {
  // "a" is dropped while its value 1 is still in the window; when that batch leaves, the
  // previous window has no value to un-reduce it from.
  Batches input{{{"a", 1}}, {}, {}};
  EXPECT_THROW(runOperation(
                   input,
                   [](DStream<P> s) {
                     return s.reduceByKeyAndWindow(sum, difference, Seconds(2), Seconds(1),
                                                   [](const P& kv) { return kv.second > 1; });
                   },
                   3),
               ember::Error);
}

}  // namespace
