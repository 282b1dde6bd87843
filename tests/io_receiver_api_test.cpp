// Every call of the receiver API (Spark's Receiver: store in its three forms, restart in its
// three, stop, reportError, isStarted/isStopped, preferredLocation, streamId) through a test
// receiver in a context on the manual clock. Blocks are cut on the context's clock, so block
// boundaries are deterministic; restart waits are real time and checked as lower bounds.
// Synchronisation: listener events, stored-record and stored-block counts, batch completion, all
// with deadlines.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ember/ember.hpp"
#include "io_test_support.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Partitions = std::vector<std::vector<int>>;

constexpr std::int64_t kTimeoutMs = 20'000;

/// A receiver whose onStart() runs `body` on a thread of its own; onStop() joins it.
class TestReceiver : public ember::Receiver<int> {
 public:
  using Body = std::function<void(TestReceiver&, int start)>;
  explicit TestReceiver(Body body = {})
      : Receiver<int>(ember::StorageLevel::MEMORY_AND_DISK_2), body_(std::move(body)) {}
  ~TestReceiver() override { onStop(); }

  void onStart() override {
    int start = 0;
    {
      std::lock_guard lock(mutex_);
      start_times_.push_back(SteadyClock::now());
      start = static_cast<int>(start_times_.size());
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (body_) thread_ = std::thread([this, start] { body_(*this, start); });
  }
  void onStop() override {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override { return "TestReceiver"; }

  bool awaitStarts(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs),
                        [&] { return static_cast<int>(start_times_.size()) >= n; });
  }
  /// Milliseconds between start i and start i + 1 (from 0).
  std::int64_t gapMs(std::size_t i) {
    std::lock_guard lock(mutex_);
    return std::chrono::duration_cast<std::chrono::milliseconds>(start_times_.at(i + 1) -
                                                                 start_times_.at(i))
        .count();
  }
  int starts() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(start_times_.size());
  }

 private:
  Body body_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SteadyClock::time_point> start_times_;
  std::thread thread_;
};

/// A receiver that wants to run on a given host.
class PlacedReceiver final : public TestReceiver {
 public:
  std::optional<std::string> preferredLocation() const override { return "host-a"; }
};

ember::Conf testConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_receiver_api_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.blockInterval", "200ms");
  return conf;
}

/// Each batch's partitions, by batch time.
struct Batches {
  std::mutex mutex;
  std::map<std::int64_t, Partitions> byTime;
  Partitions at(std::int64_t t) {
    std::lock_guard lock(mutex);
    return byTime[t];
  }
};

std::shared_ptr<Batches> collectPartitions(const ember::DStream<int>& stream) {
  auto out = std::make_shared<Batches>();
  stream.foreachRDD([out](const ember::Rdd<int>& rdd, ember::Time t) {
    auto parts = rdd.glom().collect();
    std::lock_guard lock(out->mutex);
    out->byTime[t.milliseconds()] = parts;
  });
  return out;
}

ember::ManualClock& manual(ember::StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

bool awaitBatch(ember::StreamingContext& ssc, std::int64_t t) {
  return ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs);
}

class EventLog : public ember_test::ReceiverEventLog {
 public:
  EventLog() : ember_test::ReceiverEventLog(kTimeoutMs) {}
};

std::exception_ptr cause(const std::string& what) {
  return std::make_exception_ptr(std::runtime_error(what));
}

TEST(ReceiverApi, SingleRecordStoresMakeOneBlockPerIntervalAndOnePartitionPerBlock) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver = std::make_shared<TestReceiver>();
  auto out = collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  auto& clock = manual(ssc);
  receiver->store(1);
  receiver->store(2);
  clock.advance(200);
  ASSERT_TRUE(receiver->awaitBlocksStored(1, kTimeoutMs));
  clock.advance(200);  // an empty interval: no block
  receiver->store(3);
  clock.advance(200);
  ASSERT_TRUE(receiver->awaitBlocksStored(2, kTimeoutMs));
  receiver->store(4);  // still being filled at batch time: the batch takes it too
  clock.advance(400);
  ASSERT_TRUE(awaitBatch(ssc, 1000));
  EXPECT_EQ(out->at(1000), (Partitions{{1, 2}, {3}, {4}}));
  clock.advance(1000);
  ASSERT_TRUE(awaitBatch(ssc, 2000));
  EXPECT_EQ(out->at(2000), Partitions{});  // nothing received: no partition
  ssc.stop();
}

TEST(ReceiverApi, MultiRecordStoresAreOneBlockEachStoredBeforeTheyReturnAndNotRateLimited) {
  auto conf = testConf();
  conf.set("spark.streaming.receiver.maxRate", "1");  // the clock never moves before the batch
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto receiver = std::make_shared<TestReceiver>();
  auto out = collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  receiver->store(1);  // the bucket's first token
  receiver->store(std::vector<int>{2, 3, 4});
  EXPECT_EQ(receiver->numBlocksStored(), 2);  // the buffer before it, then the block itself
  std::list<int> more{5, 6};
  receiver->store(more.begin(), more.end());
  EXPECT_EQ(receiver->numBlocksStored(), 3);
  receiver->store(std::vector<int>{});
  EXPECT_EQ(receiver->numBlocksStored(), 3);
  EXPECT_EQ(receiver->numRecordsStored(), 6);
  manual(ssc).advance(1000);
  ASSERT_TRUE(awaitBatch(ssc, 1000));
  EXPECT_EQ(out->at(1000), (Partitions{{1}, {2, 3, 4}, {5, 6}}));
  ssc.stop();
}

TEST(ReceiverApi, SingleRecordStoresFollowMaxRateOnTheContextsClock) {
  auto conf = testConf();
  conf.set("spark.streaming.receiver.maxRate", "5");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto receiver = std::make_shared<TestReceiver>([](TestReceiver& r, int) {
    for (int i = 0; !r.isStopped(); ++i) r.store(i);
  });
  collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitRecordsStored(1, kTimeoutMs));
  EXPECT_FALSE(receiver->awaitRecordsStored(2, 200));  // bounded check: no token without time
  manual(ssc).advance(1000);                           // five tokens
  ASSERT_TRUE(receiver->awaitRecordsStored(6, kTimeoutMs));
  EXPECT_FALSE(receiver->awaitRecordsStored(7, 200));
  ASSERT_TRUE(awaitBatch(ssc, 1000));
  // The receiver's thread waits for a token that will never come: stopping must end the wait.
  auto begin = SteadyClock::now();
  ssc.stop();
  EXPECT_LT(SteadyClock::now() - begin, std::chrono::seconds(5));
  EXPECT_TRUE(receiver->isStopped());
}

TEST(ReceiverApi, RestartWithAnExplicitDelayWaitsThatLong) {
  auto conf = testConf();
  conf.set("spark.streaming.receiverRestartDelay", "600s");  // backoff would start at 30 s
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<TestReceiver>([](TestReceiver& r, int start) {
    if (start == 1) r.restart("with delay", cause("cause"), 50);
  });
  collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitStarts(2));
  EXPECT_GE(receiver->gapMs(0), 50);
  EXPECT_TRUE(events->awaitEvents("error: with delay / cause", 1));
  ssc.stop();
}

TEST(ReceiverApi, RestartWithoutADelayBacksOffAndAnExplicitDelayLeavesTheBackoffAlone) {
  auto conf = testConf();
  conf.set("spark.streaming.receiverRestartDelay", "400ms");  // backoff 20, 40, 80, ... ms
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<TestReceiver>([](TestReceiver& r, int start) {
    if (start == 1) r.restart("plain");
    if (start == 2) r.restart("with error", cause("cause"));
    if (start == 3) r.restart("explicit", nullptr, 0);
    if (start == 4) r.restart("after explicit");
  });
  collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(receiver->awaitStarts(5));
  EXPECT_GE(receiver->gapMs(0), 20);
  EXPECT_GE(receiver->gapMs(1), 40);
  EXPECT_GE(receiver->gapMs(3), 80);  // the backoff went on from 40 ms, past the explicit 0
  ASSERT_TRUE(events->awaitEvents("started", 5));  // events arrive on the listener thread
  EXPECT_EQ(events->count("error: plain / "), 1);
  EXPECT_EQ(events->count("error: with error / cause"), 1);
  EXPECT_EQ(events->count("error: explicit / "), 1);
  ssc.stop();
}

TEST(ReceiverApi, StopWithAndWithoutAnError) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto quiet = std::make_shared<TestReceiver>([](TestReceiver& r, int) { r.stop("done"); });
  auto failing = std::make_shared<TestReceiver>(
      [](TestReceiver& r, int) { r.stop("gave up", cause("source gone")); });
  collectPartitions(ssc.receiverStream<int>(quiet));
  collectPartitions(ssc.receiverStream<int>(failing));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("stopped", 2));
  EXPECT_EQ(events->count("error: gave up / source gone"), 1);
  EXPECT_EQ(events->count("error"), 1);  // a stop without an error is no error
  EXPECT_TRUE(quiet->isStopped());
  EXPECT_FALSE(quiet->isStarted());
  EXPECT_TRUE(failing->isStopped());
  EXPECT_EQ(quiet->starts(), 1);
  ssc.stop();
}

TEST(ReceiverApi, ReportErrorKeepsTheReceiverRunning) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto events = std::make_shared<EventLog>();
  ssc.addStreamingListener(events);
  auto receiver = std::make_shared<TestReceiver>([](TestReceiver& r, int) {
    r.reportError("hiccup", cause("timeout"));
    r.store(std::vector<int>{7});
  });
  auto out = collectPartitions(ssc.receiverStream<int>(receiver));
  ssc.start();
  ASSERT_TRUE(events->awaitEvents("error: hiccup / timeout", 1));
  ASSERT_TRUE(receiver->awaitRecordsStored(1, kTimeoutMs));
  EXPECT_TRUE(receiver->isStarted());
  manual(ssc).advance(1000);
  ASSERT_TRUE(awaitBatch(ssc, 1000));
  EXPECT_EQ(out->at(1000), Partitions{{7}});
  EXPECT_EQ(events->count("stopped"), 0);
  EXPECT_EQ(receiver->starts(), 1);
  ssc.stop();
}

TEST(ReceiverApi, StatesBeforeDuringAndAfterTheContext) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto receiver = std::make_shared<TestReceiver>();
  collectPartitions(ssc.receiverStream<int>(receiver));
  EXPECT_FALSE(receiver->isStarted());  // Spark's Initialized: neither started nor stopped
  EXPECT_FALSE(receiver->isStopped());
  ssc.start();
  EXPECT_TRUE(receiver->isStarted());
  EXPECT_FALSE(receiver->isStopped());
  ssc.stop();
  EXPECT_FALSE(receiver->isStarted());
  EXPECT_TRUE(receiver->isStopped());
}

TEST(ReceiverApi, PreferredLocationAndStreamId) {
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto plain = std::make_shared<TestReceiver>();
  auto placed = std::make_shared<PlacedReceiver>();
  EXPECT_EQ(plain->preferredLocation(), std::nullopt);
  EXPECT_EQ(placed->preferredLocation(), std::optional<std::string>("host-a"));
  ssc.queueStream(std::vector{ssc.sparkContext().parallelize(std::vector{1})})
      .foreachRDD([](const ember::Rdd<int>&) {});
  collectPartitions(ssc.receiverStream<int>(plain));
  collectPartitions(ssc.receiverStream<TestReceiver>(placed));
  EXPECT_EQ(plain->streamId(), 1);  // the input stream ids, in definition order
  EXPECT_EQ(placed->streamId(), 2);
}

TEST(ReceiverApi, AStoreOutsideAContextIsRefused) {
  TestReceiver loose;
  try {
    loose.store(std::vector<int>{1});
    FAIL() << "expected IllegalStateError";
  } catch (const ember::IllegalStateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not part of a streaming context"));
  }
}

TEST(ReceiverApi, ReceiverSettingsThatAreNotAllowedAreRefusedByReceiverStream) {
  for (auto [key, value, message] :
       {std::tuple{"spark.streaming.blockInterval", "0", "must be positive"},
        std::tuple{"spark.streaming.blockQueueSize", "0", "must be positive"},
        std::tuple{"spark.streaming.receiver.maxRate", "ten", "is not an integer"},
        std::tuple{"spark.streaming.backpressure.rateEstimator", "fixed", "allowed: pid"}}) {
    auto conf = testConf();
    conf.set("spark.streaming.backpressure.enabled", "true");
    conf.set(key, value);
    ember::StreamingContext ssc(conf, ember::Seconds(1));
    try {
      ssc.receiverStream<int>(std::make_shared<TestReceiver>());
      ADD_FAILURE() << key << " = " << value << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_THAT(e.what(), HasSubstr(key));
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  }
}

}  // namespace
