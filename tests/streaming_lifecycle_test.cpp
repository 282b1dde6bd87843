// The life cycle of a StreamingContext on a manual clock: start/stop rules, states, errors of
// failed batches, batch times, construction errors.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::StreamingContext;
using ember::StreamingContextState;
using ember::Time;

ember::Conf manualConf(const std::string& master = "local[2]") {
  ember::Conf conf;
  conf.setMaster(master).setAppName("lifecycle").set("spark.streaming.clock", "ManualClock");
  return conf;
}

ember::ManualClock& manual(StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

DStream<int> queueOf(StreamingContext& ssc, std::vector<std::vector<int>> batches) {
  std::vector<Rdd<int>> rdds;
  for (auto& b : batches) rdds.push_back(ssc.sparkContext().parallelize(std::move(b), 2));
  return ssc.queueStream(std::move(rdds));
}

/// Advances one batch and waits for it.
void step(StreamingContext& ssc, Time expected) {
  manual(ssc).advance(ssc.batchDuration().milliseconds());
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(expected, 60'000)) << expected.toString();
}

template <class E>
std::string messageOf(auto&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

TEST(StreamingLifecycle, StartWithoutOutputOperationIsRefused) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).map([](int x) { return x; });
  auto msg = messageOf<ember::IllegalArgumentError>([&] { ssc.start(); });
  EXPECT_EQ(msg, "No output operations registered, so nothing to execute");
  EXPECT_EQ(ssc.getState(), StreamingContextState::INITIALIZED);
  ssc.stop();
}

TEST(StreamingLifecycle, StatesGoInitializedActiveStopped) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  EXPECT_EQ(ssc.getState(), StreamingContextState::INITIALIZED);
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  EXPECT_EQ(ssc.getState(), StreamingContextState::ACTIVE);
  ssc.stop();
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
}

TEST(StreamingLifecycle, AddingAfterStartIsRefused) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = queueOf(ssc, {{1}});
  s.foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  auto msg = messageOf<ember::IllegalStateError>([&] { s.map([](int x) { return x + 1; }); });
  EXPECT_NE(msg.find("after starting a context is not supported"), std::string::npos) << msg;
  EXPECT_THROW(s.foreachRDD([](const Rdd<int>&) {}), ember::IllegalStateError);
  EXPECT_THROW(s.print(), ember::IllegalStateError);
  EXPECT_THROW(s.count(), ember::IllegalStateError);
  EXPECT_THROW(s.union_(s), ember::IllegalStateError);
  EXPECT_THROW(queueOf(ssc, {{2}}), ember::IllegalStateError);
  EXPECT_THROW(ssc.remember(ember::Seconds(5)), ember::IllegalStateError);
  ssc.stop();
}

TEST(StreamingLifecycle, AddingAfterStopIsRefused) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = queueOf(ssc, {{1}});
  s.foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  ssc.stop(false);
  auto msg = messageOf<ember::IllegalStateError>([&] { s.filter([](int) { return true; }); });
  EXPECT_NE(msg.find("after stopping a context is not supported"), std::string::npos) << msg;
  EXPECT_THROW(s.foreachRDD([](const Rdd<int>&) {}), ember::IllegalStateError);
  EXPECT_THROW(queueOf(ssc, {{2}}), ember::IllegalStateError);
  ssc.stop();
}

TEST(StreamingLifecycle, AddingAfterStopBeforeStartIsRefused) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = queueOf(ssc, {{1}});
  ssc.stop(false);
  EXPECT_THROW(s.map([](int x) { return x; }), ember::IllegalStateError);
  EXPECT_THROW(s.foreachRDD([](const Rdd<int>&) {}), ember::IllegalStateError);
  ssc.stop();
}

TEST(StreamingLifecycle, StoppedContextCannotStartAgain) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  ssc.stop(false);
  EXPECT_THROW(ssc.start(), ember::IllegalStateError);
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
  ssc.stop();
}

TEST(StreamingLifecycle, ContextStoppedBeforeStartCannotStart) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.stop(false);
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
  EXPECT_THROW(ssc.start(), ember::IllegalStateError);
  ssc.stop();
}

TEST(StreamingLifecycle, StopIsIdempotentAndAllowedBeforeStart) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  EXPECT_NO_THROW(ssc.stop(false));
  EXPECT_NO_THROW(ssc.stop(false));
  EXPECT_NO_THROW(ssc.stop(true));
  EXPECT_NO_THROW(ssc.stop(true));
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
  EXPECT_TRUE(ssc.sparkContext().isStopped());
}

TEST(StreamingLifecycle, StopTrueAfterStopFalseStillStopsTheEngine) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  ssc.stop(false);
  EXPECT_FALSE(ssc.sparkContext().isStopped());
  ssc.stop(true);
  EXPECT_TRUE(ssc.sparkContext().isStopped());
}

TEST(StreamingLifecycle, SecondStartOnActiveContextOnlyWarns) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  std::atomic<int> runs{0};
  queueOf(ssc, {{1}}).foreachRDD([&](const Rdd<int>&) { ++runs; });
  ssc.start();
  EXPECT_NO_THROW(ssc.start());
  EXPECT_EQ(ssc.getState(), StreamingContextState::ACTIVE);
  step(ssc, Time(1000));
  EXPECT_EQ(runs.load(), 1);  // one timer, not two
  ssc.stop();
}

TEST(StreamingLifecycle, TwoActiveContextsAreRefused) {
  StreamingContext first(manualConf(), ember::Seconds(1));
  queueOf(first, {{1}}).foreachRDD([](const Rdd<int>&) {});
  StreamingContext second(first.sparkContext(), ember::Seconds(1));
  queueOf(second, {{1}}).foreachRDD([](const Rdd<int>&) {});
  first.start();
  EXPECT_THROW(second.start(), ember::IllegalStateError);
  EXPECT_EQ(second.getState(), StreamingContextState::INITIALIZED);
  first.stop(false);
  // Once the first one stopped, the second may start.
  EXPECT_NO_THROW(second.start());
  EXPECT_EQ(second.getState(), StreamingContextState::ACTIVE);
  second.stop(true);
}

TEST(StreamingLifecycle, BatchTimesAreZeroPlusMultiplesOfTheBatchDuration) {
  for (std::int64_t d : {1000, 500, 300}) {
    SCOPED_TRACE("batch " + std::to_string(d) + " ms");
    StreamingContext ssc(manualConf(), ember::Milliseconds(d));
    auto times = std::make_shared<std::vector<std::int64_t>>();
    auto mutex = std::make_shared<std::mutex>();
    queueOf(ssc, {}).foreachRDD([times, mutex](const Rdd<int>&, Time t) {
      std::lock_guard lock(*mutex);
      times->push_back(t.milliseconds());
    });
    ssc.start();
    for (std::int64_t k = 1; k <= 4; ++k) step(ssc, Time(k * d));
    ssc.stop();
    EXPECT_EQ(*times, (std::vector<std::int64_t>{d, 2 * d, 3 * d, 4 * d}));
  }
}

TEST(StreamingLifecycle, FirstBatchIsTheNextMultipleAfterNow) {
  StreamingContext ssc(manualConf(), ember::Milliseconds(500));
  manual(ssc).setTime(1234);
  auto times = std::make_shared<std::vector<std::int64_t>>();
  auto mutex = std::make_shared<std::mutex>();
  queueOf(ssc, {}).foreachRDD([times, mutex](const Rdd<int>&, Time t) {
    std::lock_guard lock(*mutex);
    times->push_back(t.milliseconds());
  });
  ssc.start();
  manual(ssc).setTime(1500);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(1500), 60'000));
  manual(ssc).setTime(2000);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(2000), 60'000));
  ssc.stop();
  EXPECT_EQ(*times, (std::vector<std::int64_t>{1500, 2000}));
}

TEST(StreamingLifecycle, QueueStreamDeliversOneRddPerBatch) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto seen = std::make_shared<std::vector<std::vector<int>>>();
  queueOf(ssc, {{1, 2}, {3}, {4, 5, 6}}).foreachRDD([seen](const Rdd<int>& rdd) {
    seen->push_back(rdd.collect());
  });
  ssc.start();
  for (int k = 1; k <= 4; ++k) step(ssc, Time(k * 1000));
  ssc.stop();
  EXPECT_EQ(*seen, (std::vector<std::vector<int>>{{1, 2}, {3}, {4, 5, 6}, {}}));
}

TEST(StreamingLifecycle, AwaitTerminationRethrowsTheErrorOfAFailedBatch) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1, 2, 3}}).foreachRDD([](const Rdd<int>& rdd) {
    rdd.foreach ([](int x) {
      if (x == 2) throw std::runtime_error("element two is bad");
    });
  });
  ssc.start();
  manual(ssc).advance(1000);
  try {
    ssc.awaitTermination();
    ADD_FAILURE() << "awaitTermination returned";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("element two is bad"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ssc.awaitTerminationOrTimeout(10), ember::TaskFailedError);
  ssc.stop();
}

TEST(StreamingLifecycle, AwaitTerminationRethrowsAFailedDriverSideFunction) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {
    throw ember::IllegalStateError("output op refused");
  });
  ssc.start();
  manual(ssc).advance(1000);
  auto msg = messageOf<ember::IllegalStateError>([&] { ssc.awaitTermination(); });
  EXPECT_EQ(msg, "output op refused");
  ssc.stop();
}

TEST(StreamingLifecycle, AwaitTerminationOrTimeoutFalseOnTimeoutTrueAfterStop) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  EXPECT_FALSE(ssc.awaitTerminationOrTimeout(20));
  ssc.stop(false);
  EXPECT_TRUE(ssc.awaitTerminationOrTimeout(20));
  EXPECT_NO_THROW(ssc.awaitTermination());
  ssc.stop();
}

TEST(StreamingLifecycle, AwaitTerminationReturnsWhenStoppedFromAnotherThread) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  std::thread stopper([&] { ssc.stop(false); });
  EXPECT_NO_THROW(ssc.awaitTermination());
  stopper.join();
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
  ssc.stop();
}

TEST(StreamingLifecycle, NonPositiveBatchDurationIsRefused) {
  for (std::int64_t d : {0, -1000}) {
    auto msg = messageOf<ember::IllegalArgumentError>(
        [&] { StreamingContext ssc(manualConf(), ember::Milliseconds(d)); });
    EXPECT_NE(msg.find("batchDuration"), std::string::npos) << msg;
  }
  ember::Engine engine(manualConf());
  EXPECT_THROW(StreamingContext(engine, ember::Milliseconds(0)), ember::IllegalArgumentError);
  EXPECT_THROW(StreamingContext("local[2]", "app", ember::Milliseconds(-5)),
               ember::IllegalArgumentError);
  engine.stop();
}

TEST(StreamingLifecycle, MalformedMasterIsRefused) {
  for (const char* master : {"local[zero]", "local[0]", "spark//x", ""}) {
    SCOPED_TRACE(master);
    auto msg = messageOf<ember::IllegalArgumentError>(
        [&] { StreamingContext ssc(manualConf(master), ember::Seconds(1)); });
    EXPECT_NE(msg.find("master"), std::string::npos) << msg;
  }
}

TEST(StreamingLifecycle, UnknownClockIsRefused) {
  auto conf = manualConf().set("spark.streaming.clock", "WallClock");
  auto msg = messageOf<ember::IllegalArgumentError>(
      [&] { StreamingContext ssc(conf, ember::Seconds(1)); });
  EXPECT_NE(msg.find("spark.streaming.clock"), std::string::npos) << msg;
}

TEST(StreamingLifecycle, StopFalseLeavesTheEngineUsable) {
  ember::Engine engine(manualConf());
  {
    StreamingContext ssc(manualConf(), ember::Seconds(1));
    queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
    ssc.start();
    step(ssc, Time(1000));
    ssc.stop(false);
    EXPECT_FALSE(ssc.sparkContext().isStopped());
    EXPECT_EQ(ssc.sparkContext().parallelize(std::vector<int>{1, 2, 3}, 2).count(), 3);
    engine = ssc.sparkContext();
  }
  // Stopped with stopSparkContext = false, the context leaves the engine alone when destroyed,
  // so a new context can be built on it.
  EXPECT_FALSE(engine.isStopped());
  EXPECT_EQ(engine.parallelize(std::vector<int>{1, 2}, 1).count(), 2);
  StreamingContext again(engine, ember::Seconds(1));
  auto seen = std::make_shared<std::vector<int>>();
  again.queueStream(std::vector<Rdd<int>>{engine.parallelize(std::vector<int>{7}, 1)})
      .foreachRDD([seen](const Rdd<int>& rdd) {
        for (int x : rdd.collect()) seen->push_back(x);
      });
  again.start();
  step(again, Time(1000));
  again.stop(true);
  EXPECT_EQ(*seen, std::vector<int>{7});
  EXPECT_TRUE(engine.isStopped());
}

TEST(StreamingLifecycle, ContextOnAnEngineDoesNotStopItWhenDestroyed) {
  ember::Engine engine(manualConf());
  {
    StreamingContext ssc(engine, ember::Seconds(1));
    queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
    ssc.start();
  }
  EXPECT_FALSE(engine.isStopped());
  engine.stop();
}

TEST(StreamingLifecycle, DestroyingARunningContextStopsIt) {
  ember::Engine engine(manualConf());
  {
    StreamingContext ssc(manualConf(), ember::Seconds(1));
    queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
    ssc.start();
    engine = ssc.sparkContext();
  }
  EXPECT_TRUE(engine.isStopped());
  // And a new context may start: the destroyed one is no longer active.
  StreamingContext next(manualConf(), ember::Seconds(1));
  queueOf(next, {{1}}).foreachRDD([](const Rdd<int>&) {});
  EXPECT_NO_THROW(next.start());
  next.stop();
}

TEST(StreamingLifecycle, GracefulStopProcessesGeneratedBatches) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  std::atomic<int> runs{0};
  queueOf(ssc, {{1}, {2}, {3}}).foreachRDD([&](const Rdd<int>& rdd) {
    rdd.count();
    ++runs;
  });
  ssc.start();
  step(ssc, Time(1000));
  step(ssc, Time(2000));
  ssc.stop(true, true);
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(ssc.getState(), StreamingContextState::STOPPED);
}

}  // namespace
