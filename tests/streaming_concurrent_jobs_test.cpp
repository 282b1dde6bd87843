#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "ember/ember.hpp"

namespace {

// spark.streaming.concurrentJobs = 2: the job of the second batch runs while the first batch's
// job is still running (it waits for the second to begin).
TEST(ConcurrentJobs, TwoBatchesRunAtOnce) {
  ember::Conf conf;
  conf.setMaster("local[2]")
      .setAppName("concurrent")
      .set("spark.streaming.clock", "ManualClock")
      .set("spark.streaming.concurrentJobs", "2");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  std::mutex mutex;
  std::condition_variable cv;
  bool second_started = false;
  bool first_saw_second = false;
  ssc.queueStream(std::vector<ember::Rdd<int>>{})
      .foreachRDD([&](const ember::Rdd<int>&, ember::Time t) {
        std::unique_lock lock(mutex);
        if (t == ember::Time(1000)) {
          first_saw_second =
              cv.wait_for(lock, std::chrono::seconds(30), [&] { return second_started; });
        } else if (t == ember::Time(2000)) {
          second_started = true;
          cv.notify_all();
        }
      });
  ssc.start();
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  clock.advance(1000);
  clock.advance(1000);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(2000), 60'000));
  ssc.stop();
  EXPECT_TRUE(first_saw_second);
}

TEST(ConcurrentJobs, NonPositiveCountIsRefusedAtStart) {
  ember::Conf conf;
  conf.setMaster("local[2]")
      .setAppName("concurrent")
      .set("spark.streaming.clock", "ManualClock")
      .set("spark.streaming.concurrentJobs", "0");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  try {
    ssc.start();
    FAIL() << "start() accepted spark.streaming.concurrentJobs = 0";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("spark.streaming.concurrentJobs"), std::string::npos);
  }
  EXPECT_EQ(ssc.getState(), ember::StreamingContextState::INITIALIZED);
}

}  // namespace

namespace {

// A program may stop its context from inside an output operation (e.g. after a condition is
// met); that must not deadlock or throw.
TEST(StopFromJob, StopInsideForeachRddEndsTheContext) {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("stop").set("spark.streaming.clock", "ManualClock");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([&](const ember::Rdd<int>&) {
    ssc.stop(false, false);
  });
  ssc.start();
  dynamic_cast<ember::ManualClock&>(ssc.clock()).advance(1000);
  EXPECT_TRUE(ssc.awaitTerminationOrTimeout(60'000));
  EXPECT_EQ(ssc.getState(), ember::StreamingContextState::STOPPED);
}

}  // namespace
