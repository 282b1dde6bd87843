#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "ember/ember.hpp"

namespace {

ember::Conf manualConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("active").set("spark.streaming.clock", "ManualClock");
  return conf;
}

TEST(StreamingActive, GetActiveFollowsStartAndStop) {
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  EXPECT_EQ(ember::StreamingContext::getActive(), nullptr);
  ssc.start();
  EXPECT_EQ(ember::StreamingContext::getActive(), &ssc);
  ssc.stop();
  EXPECT_EQ(ember::StreamingContext::getActive(), nullptr);
}

TEST(StreamingActive, GetActiveOrCreateReturnsTheActiveContext) {
  ember::StreamingContext ssc(manualConf(), ember::Seconds(1));
  ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  ssc.start();
  int calls = 0;
  auto& got = ember::StreamingContext::getActiveOrCreate([&] {
    ++calls;
    return std::make_unique<ember::StreamingContext>(manualConf(), ember::Seconds(1));
  });
  EXPECT_EQ(&got, &ssc);
  EXPECT_EQ(calls, 0);
  ssc.stop();
}

TEST(StreamingActive, GetActiveOrCreateCallsTheFactoryWhenNoneIsActive) {
  int calls = 0;
  auto& made = ember::StreamingContext::getActiveOrCreate([&] {
    ++calls;
    return std::make_unique<ember::StreamingContext>(manualConf(), ember::Seconds(2));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(made.batchDuration(), ember::Seconds(2));
  EXPECT_EQ(made.getState(), ember::StreamingContextState::INITIALIZED);
  made.stop();
}

// spark.streaming.stopGracefullyOnShutdown: SIGTERM stops the context gracefully, then the
// process ends by that signal as it would have.
TEST(StreamingActiveDeathTest, SigtermStopsGracefullyWhenAsked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto conf = manualConf();
        conf.set("spark.streaming.stopGracefullyOnShutdown", "true");
        ember::StreamingContext ssc(conf, ember::Seconds(1));
        ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
        ssc.start();
        ::kill(::getpid(), SIGTERM);
        ssc.awaitTermination();
        std::fprintf(stderr, "state after signal: %s\n",
                     ssc.getState() == ember::StreamingContextState::STOPPED ? "STOPPED" : "other");
        std::fflush(stderr);
        for (;;) ::pause();
      },
      ::testing::KilledBySignal(SIGTERM), "state after signal: STOPPED");
}

}  // namespace
