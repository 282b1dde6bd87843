// The graph as data (nodes by stable id, their kinds, parameters and parents, the fingerprint a
// checkpoint compares) and the runtime state kept apart from the nodes (zero time, remember
// durations and storage levels resolved at start).

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming/dstream_graph.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::Duration;
using ember::Seconds;
using ember::StorageLevel;
using ember::StreamingContext;
using ember::Time;
using P = std::pair<std::string, int>;

/// What a program's builder may vary, so that fingerprints of changed shapes can be compared.
struct Shape {
  Duration window = Seconds(4);
  int partitions = 3;
  bool extra_filter = false;
};

std::unique_ptr<StreamingContext> build(const Shape& shape) {
  auto ssc = std::make_unique<StreamingContext>(ember::testing::detail::testConf(), Seconds(1));
  auto lines = streaming_test::counting(*ssc, 3);
  auto words = lines.map([](int x) { return P(std::to_string(x % 3), 1); });
  auto counts =
      words.reduceByKeyAndWindow(std::plus<>{}, shape.window, Seconds(2), shape.partitions);
  if (shape.extra_filter) counts = counts.filter([](const P&) { return true; });
  counts.print();
  return ssc;
}

TEST(StreamingGraph, NodesAreOwnedByIdInBuildOrderWithKindParentsAndParams) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = streaming_test::counting(ssc, 3);
  auto pairs = input.map([](int x) { return P(std::to_string(x), x); });
  auto reduced = pairs.reduceByKey(std::plus<>{}, 5);
  auto windowed = reduced.window(Seconds(3), Seconds(1));
  windowed.print();

  auto& graph = ssc.core().graph();
  auto nodes = graph.nodes();
  ASSERT_EQ(nodes.size(), 5u);
  for (std::size_t i = 0; i < nodes.size(); ++i) EXPECT_EQ(nodes[i]->id(), int(i));
  EXPECT_EQ(graph.node(input.node()->id()), input.node());
  EXPECT_EQ(graph.node(windowed.node()->id()), windowed.node());
  EXPECT_EQ(graph.node(99), nullptr);

  EXPECT_EQ(graph.describe(), (std::vector<std::string>{
                                  "0 TestInputStream parents=[] slide=1000 ms",
                                  "1 map parents=[0] slide=1000 ms",
                                  "2 reduceByKey parents=[1] slide=1000 ms numPartitions 5",
                                  "3 WindowedDStream parents=[2] slide=1000 ms window 3000 ms, "
                                  "slide 1000 ms",
                                  "4 print parents=[3] slide=1000 ms",
                                  "input 0 = 0",
                                  "output 0 = 4",
                              }));
}

TEST(StreamingGraph, NodesNobodyHoldsStayInTheGraph) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = streaming_test::counting(ssc, 1);
  input.map([](int x) { return x + 1; });  // the handle is dropped at once
  input.print();
  auto nodes = ssc.core().graph().nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1]->name(), "map");
}

TEST(StreamingGraph, FingerprintIsTheSameForTheSameProgramAndDiffersForAnotherShape) {
  auto fingerprint = [](const Shape& shape) { return build(shape)->core().graph().fingerprint(); };
  const std::string base = fingerprint(Shape{});
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(fingerprint(Shape{}), base);
  EXPECT_NE(fingerprint(Shape{.window = Seconds(6)}), base);
  EXPECT_NE(fingerprint(Shape{.partitions = 4}), base);
  EXPECT_NE(fingerprint(Shape{.extra_filter = true}), base);
}

TEST(StreamingGraph, RuntimeStateIsMadeAtStartAndResolvesRememberAndStorage) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = streaming_test::counting(ssc, 4);
  auto mapped = input.map([](int x) { return x; });
  mapped.persist(StorageLevel::MEMORY_AND_DISK);  // the user's level wins over the window's
  auto windowed = mapped.window(Seconds(3), Seconds(2));
  auto doubled = input.map([](int x) { return 2 * x; });
  auto other_window = doubled.window(Seconds(2));
  windowed.print();
  other_window.print();

  EXPECT_FALSE(mapped.node()->isInitialized());
  EXPECT_THROW(mapped.node()->zeroTime(), ember::IllegalStateError);
  EXPECT_EQ(mapped.node()->storageLevel(), StorageLevel::MEMORY_AND_DISK);
  EXPECT_EQ(doubled.node()->storageLevel(), StorageLevel::NONE);  // asked for at start only

  ssc.start();
  EXPECT_TRUE(mapped.node()->isInitialized());
  EXPECT_EQ(mapped.node()->zeroTime(), Time(0));
  EXPECT_EQ(windowed.node()->rememberDuration(), Seconds(2));  // its slide
  // A window's parent remembers the window more than the window does.
  EXPECT_EQ(mapped.node()->rememberDuration(), Seconds(5));
  EXPECT_EQ(doubled.node()->rememberDuration(), Seconds(3));
  EXPECT_EQ(input.node()->rememberDuration(), Seconds(5));
  EXPECT_EQ(mapped.node()->storageLevel(), StorageLevel::MEMORY_AND_DISK);
  EXPECT_EQ(doubled.node()->storageLevel(), StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(windowed.node()->storageLevel(), StorageLevel::NONE);
  EXPECT_THROW(doubled.persist(StorageLevel::MEMORY_ONLY), ember::UnsupportedOperationError);
  streaming_test::runTo(ssc, 1, 4);
  EXPECT_EQ(mapped.node()->numGenerated(), 4u);  // 4 batches within 5 s
  ssc.stop();
}

TEST(StreamingGraph, RememberOfTheContextReachesEveryStreamOfAnOutput) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = streaming_test::counting(ssc, 1);
  auto mapped = input.map([](int x) { return x; });
  mapped.print();
  ssc.remember(Seconds(7));
  auto lines = ssc.core().graph().describe();
  EXPECT_EQ(lines.back(), "remember 7000 ms");
  ssc.start();
  EXPECT_EQ(mapped.node()->rememberDuration(), Seconds(7));
  EXPECT_EQ(input.node()->rememberDuration(), Seconds(7));
  ssc.stop();
}

}  // namespace
