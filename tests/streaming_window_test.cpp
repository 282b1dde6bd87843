// Windows without inverse functions, worked out from Spark's WindowedDStream: a window at time t
// covers the batches in (t - window, t], and a stream with slide s produces at t = k * s.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Seconds;
using ember::testing::runOperation;

template <class T>
std::vector<std::vector<T>> sorted(std::vector<std::vector<T>> batches) {
  for (auto& b : batches) std::sort(b.begin(), b.end());
  return batches;
}

const std::vector<std::vector<int>> kSix{{1}, {2}, {3}, {4}, {5}, {6}};

class Window : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(Window);

TEST_P(Window, SlidingWindowOfTwoBatches) {
  auto out = runOperation(
      kSix, [](DStream<int> s) { return s.window(Seconds(2)); }, 6, options());
  EXPECT_EQ(sorted(out),
            (std::vector<std::vector<int>>{{1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}));
}

TEST_P(Window, TumblingWindow) {
  auto out = runOperation(
      kSix, [](DStream<int> s) { return s.window(Seconds(2), Seconds(2)); }, 6, options());
  EXPECT_EQ(sorted(out), (std::vector<std::vector<int>>{{1, 2}, {3, 4}, {5, 6}}));
}

TEST_P(Window, WindowLongerThanItsSlide) {
  auto out = runOperation(
      kSix, [](DStream<int> s) { return s.window(Seconds(4), Seconds(2)); }, 6, options());
  EXPECT_EQ(sorted(out), (std::vector<std::vector<int>>{{1, 2}, {1, 2, 3, 4}, {3, 4, 5, 6}}));
}

TEST_P(Window, EmptyBatchesInsideAndAfterTheInput) {
  std::vector<std::vector<int>> input{{1}, {}, {3}};
  auto out = runOperation(
      input, [](DStream<int> s) { return s.window(Seconds(3)); }, 5, options());
  EXPECT_EQ(sorted(out), (std::vector<std::vector<int>>{{1}, {1}, {1, 3}, {3}, {3}}));
}

TEST_P(Window, ReduceByKeyAndWindowSumsTheWindow) {
  using P = std::pair<std::string, int>;
  std::vector<std::vector<P>> input{{{"a", 1}, {"b", 1}}, {{"a", 2}}, {{"b", 5}}, {}};
  auto out = runOperation(
      input,
      [](DStream<P> s) { return s.reduceByKeyAndWindow(std::plus<>{}, Seconds(2), Seconds(1)); }, 5,
      options());
  EXPECT_EQ(sorted(out),
            (std::vector<std::vector<P>>{
                {{"a", 1}, {"b", 1}}, {{"a", 3}, {"b", 1}}, {{"a", 2}, {"b", 5}}, {{"b", 5}}, {}}));
}

TEST_P(Window, GroupByKeyAndWindowGathersTheWindow) {
  using P = std::pair<std::string, int>;
  std::vector<std::vector<P>> input{{{"a", 1}}, {{"a", 2}, {"b", 3}}, {{"a", 4}}};
  auto out = runOperation(
      input, [](DStream<P> s) { return s.groupByKeyAndWindow(Seconds(2), Seconds(2)); }, 4,
      options());
  ASSERT_EQ(out.size(), 2u);
  for (auto& batch : out) {
    std::sort(batch.begin(), batch.end());
    for (auto& [k, vs] : batch) std::sort(vs.begin(), vs.end());
  }
  using G = std::pair<std::string, std::vector<int>>;
  EXPECT_EQ(out[0], (std::vector<G>{{"a", {1, 2}}, {"b", {3}}}));
  EXPECT_EQ(out[1], (std::vector<G>{{"a", {4}}}));
}

TEST_P(Window, ReduceByWindowEmitsNothingForAnEmptyWindow) {
  std::vector<std::vector<int>> input{{1, 2}, {3}, {}, {}};
  auto out = runOperation(
      input, [](DStream<int> s) { return s.reduceByWindow(std::plus<>{}, Seconds(2), Seconds(1)); },
      4, options());
  EXPECT_EQ(out, (std::vector<std::vector<int>>{{3}, {6}, {3}, {}}));
}

TEST(Window, DurationsThatAreNotMultiplesOfTheParentSlideAreRefused) {
  std::vector<std::vector<int>> input{{1}};
  try {
    runOperation(
        input, [](DStream<int> s) { return s.window(ember::Milliseconds(1500)); }, 1);
    FAIL() << "a 1500 ms window over 1 s batches was accepted";
  } catch (const ember::IllegalArgumentError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("1500 ms"), std::string::npos) << what;
    EXPECT_NE(what.find("1000 ms"), std::string::npos) << what;
  }
  EXPECT_THROW(
      runOperation(
          input, [](DStream<int> s) { return s.window(Seconds(2), ember::Milliseconds(500)); }, 1),
      ember::IllegalArgumentError);
}

TEST_P(Window, ParentRemembersAWindowOfBatches) {
  // Over many batches the windowed stream's parent keeps only what windows still need.
  std::vector<std::vector<int>> input(30, std::vector<int>{1});
  std::size_t kept = 0;
  auto out = runOperation(
      input,
      [&](DStream<int> s) {
        auto w = s.window(Seconds(3));
        w.foreachRDD([&kept, node = s.node()](const ember::Rdd<int>&) {
          kept = std::max(kept, node->numGenerated());
        });
        return w.count();
      },
      30, options());
  ASSERT_EQ(out.size(), 30u);
  EXPECT_EQ(out.back(), (std::vector<std::int64_t>{3}));
  EXPECT_LE(kept, 5u);
}

}  // namespace
