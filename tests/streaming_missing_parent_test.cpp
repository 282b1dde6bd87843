// Streams that need an RDD from every parent (transform, transformWith, union_, ssc.transform)
// fail the batch at which a parent has none, as Spark's TransformedDStream and UnionDStream do
// ("Couldn't generate RDD from parent at time ..."). The failure reaches runOperation and
// awaitTermination alike; streams that map a batch (map, count) have nothing there instead.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::StreamingContext;
using ember::Time;
using ::testing::HasSubstr;
using OptBatches = std::vector<std::optional<std::vector<int>>>;
using Op = std::function<DStream<int>(StreamingContext&, DStream<int>, DStream<int>)>;

struct Case {
  std::string name;  // the failing stream's kind, named in the message
  Op op;
};

std::vector<Case> cases() {
  return {
      {"transform",
       [](StreamingContext&, DStream<int> a, DStream<int>) {
         return a.transform([](const Rdd<int>& r) { return r.map([](int x) { return x + 1; }); });
       }},
      {"transformWith",
       [](StreamingContext&, DStream<int> a, DStream<int> b) {
         return a.transformWith(b,
                                [](const Rdd<int>& x, const Rdd<int>& y) { return x.union_(y); });
       }},
      {"union", [](StreamingContext&, DStream<int> a, DStream<int> b) { return a.union_(b); }},
      {"transform",
       [](StreamingContext& ssc, DStream<int> a, DStream<int> b) {
         return ssc.transform(std::vector<DStream<int>>{b, a},
                              [](const std::vector<Rdd<int>>& rdds, Time) { return rdds[1]; });
       }},
  };
}

// The first stream has no RDD at its second batch (2000 ms); the second has one at every batch.
const OptBatches kWithHole{std::vector<int>{1}, std::nullopt, std::vector<int>{3}};
const OptBatches kFull{std::vector<int>{2}, std::vector<int>{4}, std::vector<int>{6}};

void expectNoParentRdd(const ember::Error& e, const std::string& name) {
  EXPECT_THAT(e.what(),
              HasSubstr(name + ": could not generate an RDD from a parent at time 2000 ms"));
}

TEST(MissingParentRdd, FailsTheBatchInRunOperation) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    try {
      ember::testing::runOperation(
          kWithHole, kFull,
          [&c](DStream<int> a, DStream<int> b) { return c.op(a.context(), a, b); }, 3);
      ADD_FAILURE() << "runOperation did not throw";
    } catch (const ember::Error& e) {
      expectNoParentRdd(e, c.name);
    }
  }
}

TEST(MissingParentRdd, FailsTheBatchInAwaitTermination) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    StreamingContext ssc(ember::testing::detail::testConf(), ember::Seconds(1));
    auto a = ember::testing::detail::testInput<int>(ssc, kWithHole, 2);
    auto b = ember::testing::detail::testInput<int>(ssc, kFull, 2);
    auto seen = streaming_test::watch(c.op(ssc, a, b));
    ssc.start();
    streaming_test::manual(ssc).advance(1000);
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(1000), 60'000));
    streaming_test::manual(ssc).advance(1000);
    try {
      bool stopped = ssc.awaitTerminationOrTimeout(60'000);
      ADD_FAILURE() << "awaitTermination returned " << stopped << " instead of throwing";
    } catch (const ember::Error& e) {
      expectNoParentRdd(e, c.name);
    }
    ssc.stop();
    std::lock_guard lock(seen->mutex);
    EXPECT_EQ(seen->data.size(), 1u) << "only the first batch has an output";
  }
}

TEST(MissingParentRdd, StreamsThatMapABatchHaveNothingThere) {
  auto out = ember::testing::runOperation(
      kWithHole, kFull,
      [](DStream<int> a, DStream<int>) { return a.map([](int x) { return x * 10; }); }, 3);
  EXPECT_EQ(out, (std::vector<std::vector<int>>{{10}, {30}}));
}

}  // namespace
