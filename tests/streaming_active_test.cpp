#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

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
/// Says when the context stops it. A graceful stop stops receivers on the thread that stops the
/// context, before that thread lets the signal end the process, so the line always gets out
/// (the main thread, woken by the same stop, would race with the signal).
class StopReporter final : public ember::Receiver<int> {
 public:
  StopReporter() : ember::Receiver<int>(ember::StorageLevel::MEMORY_ONLY) {}
  void onStart() override {}
  void onStop() override {
    std::fprintf(stderr, "receiver stopped\n");
    std::fflush(stderr);
  }
};

TEST(StreamingActiveDeathTest, SigtermStopsGracefullyWhenAsked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto conf = manualConf();
        conf.set("spark.streaming.stopGracefullyOnShutdown", "true");
        ember::StreamingContext ssc(conf, ember::Seconds(1));
        ssc.receiverStream(std::make_shared<StopReporter>()).foreachRDD([](const ember::Rdd<int>&) {
        });
        ssc.start();
        ::kill(::getpid(), SIGTERM);
        for (;;) ::pause();
      },
      ::testing::KilledBySignal(SIGTERM), "receiver stopped");
}

}  // namespace
