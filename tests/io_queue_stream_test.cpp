// queueStream (Spark's QueueInputDStream) on a manual clock: one RDD per batch or all of them,
// the default RDD, and RDDs pushed while the context runs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ember/ember.hpp"

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr std::int64_t kTimeoutMs = 20'000;

struct Fixture {
  Fixture() : ssc(conf(), ember::Seconds(1)) {}
  static ember::Conf conf() {
    ember::Conf c;
    c.setMaster("local[2]").setAppName("io_queue_stream_test");
    c.set("spark.streaming.clock", "ManualClock");
    return c;
  }
  ember::Rdd<int> rdd(std::vector<int> values) {
    return ssc.sparkContext().parallelize(std::move(values), 2);
  }
  void collect(const ember::DStream<int>& stream) {
    stream.foreachRDD([this](const ember::Rdd<int>& rdd, ember::Time t) {
      auto rows = rdd.collect();
      std::lock_guard lock(mutex);
      batches[t.milliseconds()] = rows;
    });
  }
  std::vector<int> runBatch() {
    auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
    clock.advance(1000);
    std::int64_t t = clock.getTimeMillis();
    EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) << "batch " << t;
    std::lock_guard lock(mutex);
    return batches[t];
  }

  ember::StreamingContext ssc;
  std::mutex mutex;
  std::map<std::int64_t, std::vector<int>> batches;
};

TEST(QueueStream, OneRddPerBatchThenEmpty) {
  Fixture f;
  f.collect(f.ssc.queueStream(std::vector{f.rdd({1, 2}), f.rdd({3}), f.rdd({})}));
  f.ssc.start();
  EXPECT_THAT(f.runBatch(), ElementsAre(1, 2));
  EXPECT_THAT(f.runBatch(), ElementsAre(3));
  EXPECT_THAT(f.runBatch(), IsEmpty());
  EXPECT_THAT(f.runBatch(), IsEmpty());
  f.ssc.stop();
}

TEST(QueueStream, AllQueuedRddsInOneBatchWhenNotOneAtATime) {
  Fixture f;
  auto queue = std::make_shared<ember::RddQueue<int>>();
  queue->push(f.rdd({1, 2}));
  queue->push(f.rdd({3}));
  f.collect(f.ssc.queueStream(queue, /*oneAtATime=*/false));
  f.ssc.start();
  EXPECT_THAT(f.runBatch(), UnorderedElementsAre(1, 2, 3));
  EXPECT_THAT(f.runBatch(), IsEmpty());
  queue->push(f.rdd({4}));
  queue->push(f.rdd({5}));
  EXPECT_THAT(f.runBatch(), UnorderedElementsAre(4, 5));
  EXPECT_EQ(queue->size(), 0u);
  f.ssc.stop();
}

TEST(QueueStream, TheDefaultRddWhenTheQueueIsEmpty) {
  Fixture f;
  auto queue = std::make_shared<ember::RddQueue<int>>();
  queue->push(f.rdd({1}));
  f.collect(f.ssc.queueStream(queue, true, std::optional{f.rdd({-1, -2})}));
  f.ssc.start();
  EXPECT_THAT(f.runBatch(), ElementsAre(1));
  EXPECT_THAT(f.runBatch(), ElementsAre(-1, -2));
  queue->push(f.rdd({2}));
  EXPECT_THAT(f.runBatch(), ElementsAre(2));
  EXPECT_THAT(f.runBatch(), ElementsAre(-1, -2));
  f.ssc.stop();
}

TEST(QueueStream, RddsPushedWhileRunningArriveInOrder) {
  Fixture f;
  auto queue = std::make_shared<ember::RddQueue<int>>();
  f.collect(f.ssc.queueStream(queue).map([](int x) { return x * 10; }));
  f.ssc.start();
  EXPECT_THAT(f.runBatch(), IsEmpty());
  for (int i = 1; i <= 3; ++i) queue->push(f.rdd({i}));
  EXPECT_THAT(f.runBatch(), ElementsAre(10));
  EXPECT_THAT(f.runBatch(), ElementsAre(20));
  queue->push(f.rdd({4}));
  EXPECT_THAT(f.runBatch(), ElementsAre(30));
  EXPECT_THAT(f.runBatch(), ElementsAre(40));
  f.ssc.stop();
}

TEST(QueueStream, RefusesANullQueue) {
  Fixture f;
  EXPECT_THROW(f.ssc.queueStream(std::shared_ptr<ember::RddQueue<int>>()),
               ember::IllegalArgumentError);
}

}  // namespace
