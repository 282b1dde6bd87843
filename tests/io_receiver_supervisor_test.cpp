// The receiver life cycle under the supervisor: restart with backoff, stop from the receiver's
// own thread, an exception from onStart(), and that a failing receiver leaves the rest of the
// context running. Waits are on condition variables and listener events, never sleeps.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ember/ember.hpp"
#include "io_test_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ::testing::ElementsAre;

constexpr std::int64_t kTimeoutMs = 20'000;

/// A receiver whose onStart() runs `body` on a thread of its own (or throws, if asked to).
class ScriptedReceiver final : public ember::Receiver<int> {
 public:
  using Body = std::function<void(ScriptedReceiver&, int start)>;
  explicit ScriptedReceiver(Body body, bool throw_on_start = false)
      : Receiver<int>(ember::StorageLevel::MEMORY_AND_DISK_2),
        body_(std::move(body)),
        throw_on_start_(throw_on_start) {}
  ~ScriptedReceiver() override { onStop(); }

  void onStart() override {
    int start = 0;
    {
      std::lock_guard lock(mutex_);
      start_times_.push_back(Clock::now());
      start = static_cast<int>(start_times_.size());
    }
    cv_.notify_all();
    if (throw_on_start_) throw std::runtime_error("boom in onStart");
    if (thread_.joinable()) thread_.join();
    thread_ = std::thread([this, start] { body_(*this, start); });
  }
  void onStop() override {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override { return "ScriptedReceiver"; }

  bool awaitStarts(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs),
                        [&] { return static_cast<int>(start_times_.size()) >= n; });
  }
  std::vector<Clock::time_point> startTimes() {
    std::lock_guard lock(mutex_);
    return start_times_;
  }

 private:
  Body body_;
  bool throw_on_start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> start_times_;
  std::thread thread_;
};

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

ember::Conf testConf(const std::string& restart_delay) {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_receiver_supervisor_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiverRestartDelay", restart_delay);
  return conf;
}

struct Batches {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<int>> byTime;
  std::vector<int> at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return byTime[t];
  }
};

std::shared_ptr<Batches> collect(const ember::DStream<int>& stream) {
  auto out = std::make_shared<Batches>();
  stream.foreachRDD([out](const ember::Rdd<int>& rdd, ember::Time t) {
    auto rows = rdd.collect();
    std::lock_guard lock(out->mutex);
    out->byTime[t.milliseconds()] = rows;
  });
  return out;
}

std::int64_t runBatch(ember::StreamingContext& ssc) {
  return ember_test::runBatch(ssc, kTimeoutMs);
}

TEST(ReceiverSupervisor, BackoffDoublesFromATwentiethOfTheDelayUpToTheDelay) {
  // 400 ms: waits of 20, 40, 80, 160, 320, 400 ms between the starts of a receiver that asks for
  // a restart at once and never stores anything.
  ember::StreamingContext ssc(testConf("400ms"), ember::Seconds(1));
  auto receiver =
      std::make_shared<ScriptedReceiver>([](ScriptedReceiver& r, int) { r.restart("again"); });
  collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitStarts(7));
  ssc.stop();
  auto times = receiver->startTimes();
  const std::int64_t expected[] = {20, 40, 80, 160, 320, 400};
  for (std::size_t i = 0; i < 6; ++i) {
    auto gap =
        std::chrono::duration_cast<std::chrono::milliseconds>(times[i + 1] - times[i]).count();
    EXPECT_GE(gap, expected[i]) << "wait before start " << i + 2;
  }
}

TEST(ReceiverSupervisor, BackoffStartsOverWhenTheReceiverStoredData) {
  // 2 s: a receiver that stores a record before each restart always waits 100 ms; without the
  // reset five restarts would take 100 + 200 + 400 + 800 + 1600 ms.
  ember::StreamingContext ssc(testConf("2s"), ember::Seconds(1));
  auto receiver = std::make_shared<ScriptedReceiver>([](ScriptedReceiver& r, int start) {
    r.store(start);
    r.restart("again");
  });
  auto out = collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitStarts(6));
  // Without the reset the last wait alone would be 1600 ms, and the five 3100 ms.
  auto times = receiver->startTimes();
  EXPECT_LT(times[5] - times[4], std::chrono::milliseconds(1000));
  EXPECT_LT(times[5] - times[0], std::chrono::milliseconds(3000));
  ASSERT_TRUE(receiver->awaitRecordsStored(6, kTimeoutMs));
  std::int64_t t = runBatch(ssc);
  auto got = out->at(t);
  ASSERT_GE(got.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(got[i], i + 1);
  ssc.stop();
}

TEST(ReceiverSupervisor, StopFromTheReceiversOwnThreadKeepsWhatItStored) {
  ember::StreamingContext ssc(testConf("50ms"), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<ScriptedReceiver>([](ScriptedReceiver& r, int) {
    r.store(1);
    r.store(std::vector<int>{2, 3});
    r.stop("finished");
  });
  auto out = collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("stopped", 1));
  EXPECT_TRUE(receiver->isStopped());
  std::int64_t t = runBatch(ssc);
  EXPECT_THAT(out->at(t), ElementsAre(1, 2, 3));
  EXPECT_EQ(receiver->startTimes().size(), 1u);
  ssc.stop();
  EXPECT_EQ(events->count("stopped"), 1);  // not reported twice
}

TEST(ReceiverSupervisor, AStopWinsOverAPendingRestart) {
  ember::StreamingContext ssc(testConf("60s"), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<ScriptedReceiver>([](ScriptedReceiver& r, int) {
    r.restart("first a restart");
    r.stop("then a stop");
    r.restart("ignored: stopped for good");
  });
  collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("stopped", 1));
  auto begin = Clock::now();
  ssc.stop();
  EXPECT_LT(Clock::now() - begin, std::chrono::seconds(5));  // no 3 s backoff, no 60 s wait
  EXPECT_EQ(receiver->startTimes().size(), 1u);
  EXPECT_EQ(events->count("ignored"), 0);
}

/// A receiver whose onStop() asks to stop for good while a restart is being carried out.
class StopsInOnStop final : public ember::Receiver<int> {
 public:
  StopsInOnStop() : Receiver<int>(ember::StorageLevel::MEMORY_ONLY) {}
  void onStart() override {
    int n = 0;
    {
      std::lock_guard lock(mutex_);
      n = ++starts_;
    }
    cv_.notify_all();
    if (n == 1) restart("restart once");
  }
  void onStop() override { stop("stop while stopping"); }
  /// Whether onStart() ran n times within timeout_ms.
  bool awaitStarts(int n, std::int64_t timeout_ms) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return starts_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int starts_ = 0;
};

TEST(ReceiverSupervisor, AStopAskedForWhileRestartingIsNotLost) {
  // A 2 ms backoff: a lost stop request would show as a second start right after it.
  ember::StreamingContext ssc(testConf("50ms"), ember::Seconds(1));
  auto receiver = std::make_shared<StopsInOnStop>();
  collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitStarts(1, kTimeoutMs));
  // The restarter's thread marks the receiver stopped after its onStop returned.
  EXPECT_TRUE(ember_test::pollUntil([&] { return receiver->isStopped(); }, kTimeoutMs));
  EXPECT_FALSE(receiver->awaitStarts(2, 500));  // bounded check that nothing more happens
  ssc.stop();
}

TEST(ReceiverSupervisor, AnExceptionFromOnStartStopsTheReceiverOnly) {
  ember::StreamingContext ssc(testConf("50ms"), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver =
      std::make_shared<ScriptedReceiver>([](ScriptedReceiver&, int) {}, /*throw_on_start=*/true);
  auto received = collect(ssc.receiverStream<int>(receiver));
  auto queued =
      collect(ssc.queueStream(std::vector{ssc.sparkContext().parallelize(std::vector{7})}));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("stopped", 1));
  EXPECT_EQ(events->count("error: Error starting receiver 0 / boom in onStart"), 1);
  EXPECT_TRUE(receiver->isStopped());
  EXPECT_FALSE(receiver->isStarted());
  std::int64_t t = runBatch(ssc);
  EXPECT_THAT(queued->at(t), ElementsAre(7));
  EXPECT_TRUE(received->at(t).empty());
  EXPECT_EQ(receiver->startTimes().size(), 1u);
  EXPECT_EQ(ssc.getState(), ember::StreamingContextState::ACTIVE);
  ssc.stop();
}

TEST(ReceiverSupervisor, ManyRestartRequestsFromManyThreadsMakeOneRestart) {
  ember::StreamingContext ssc(testConf("60s"), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<ScriptedReceiver>([](ScriptedReceiver& r, int start) {
    if (start > 1) return;
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) threads.emplace_back([&r] { r.restart("from a worker"); });
    for (auto& t : threads) t.join();
  });
  collect(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("stopped", 1));  // stopped for the (single) restart
  ssc.stop();
  EXPECT_EQ(events->count("from a worker"), 1);
  EXPECT_EQ(receiver->startTimes().size(), 1u);  // the 3 s wait was cut short by stop()
}

}  // namespace
