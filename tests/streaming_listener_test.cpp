// StreamingListener events: order, batch infos and their delays, output operation failures,
// records of a receiver stream.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.hpp"

namespace {

using ember::BatchInfo;
using ember::DStream;
using ember::Rdd;
using ember::StreamingContext;
using ember::Time;

ember::Conf manualConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("listener").set("spark.streaming.clock", "ManualClock");
  return conf;
}

ember::ManualClock& manual(StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

/// Writes every event as a line, and keeps the batch infos of completed batches.
class Recorder : public ember::StreamingListener {
 public:
  void onStreamingStarted(const ember::StreamingListenerStreamingStarted& e) override {
    add("started " + std::to_string(e.time));
  }
  void onBatchSubmitted(const ember::StreamingListenerBatchSubmitted& e) override {
    add("submitted " + std::to_string(e.batchInfo.batchTime.milliseconds()));
    std::lock_guard lock(mutex_);
    submitted_.push_back(e.batchInfo.batchTime.milliseconds());
    cv_.notify_all();
  }
  void onBatchStarted(const ember::StreamingListenerBatchStarted& e) override {
    add("batchStarted " + std::to_string(e.batchInfo.batchTime.milliseconds()));
  }
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    add("batchCompleted " + std::to_string(e.batchInfo.batchTime.milliseconds()));
    std::lock_guard lock(mutex_);
    completed_.push_back(e.batchInfo);
  }
  void onOutputOperationStarted(const ember::StreamingListenerOutputOperationStarted& e) override {
    add("opStarted " + std::to_string(e.outputOperationInfo.batchTime.milliseconds()) + " #" +
        std::to_string(e.outputOperationInfo.id));
  }
  void onOutputOperationCompleted(
      const ember::StreamingListenerOutputOperationCompleted& e) override {
    const auto& op = e.outputOperationInfo;
    std::string line =
        "opCompleted " + std::to_string(op.batchTime.milliseconds()) + " #" + std::to_string(op.id);
    if (op.failureReason) line += " failed";
    add(line);
    std::lock_guard lock(mutex_);
    ops_.push_back(op);
  }

  void waitSubmitted(std::int64_t time) {
    std::unique_lock lock(mutex_);
    bool submitted = cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      for (auto t : submitted_) {
        if (t == time) return true;
      }
      return false;
    });
    EXPECT_TRUE(submitted) << "batch " << time << " not submitted within 30 s";
  }

  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::vector<BatchInfo> completed() {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  std::vector<ember::OutputOperationInfo> ops() {
    std::lock_guard lock(mutex_);
    return ops_;
  }

 private:
  void add(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::vector<std::int64_t> submitted_;
  std::vector<BatchInfo> completed_;
  std::vector<ember::OutputOperationInfo> ops_;
};

DStream<int> queueOf(StreamingContext& ssc, std::vector<std::vector<int>> batches) {
  std::vector<Rdd<int>> rdds;
  for (auto& b : batches) rdds.push_back(ssc.sparkContext().parallelize(std::move(b), 2));
  return ssc.queueStream(std::move(rdds));
}

void step(StreamingContext& ssc, std::int64_t time) {
  manual(ssc).advance(ssc.batchDuration().milliseconds());
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(time), 60'000));
}

TEST(StreamingListener, EventsArriveInOrder) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto recorder = std::make_shared<Recorder>();
  ssc.addStreamingListener(recorder);
  auto s = queueOf(ssc, {{1, 2}, {3}});
  s.foreachRDD([](const Rdd<int>& rdd) { rdd.count(); });
  s.map([](int x) { return x; }).foreachRDD([](const Rdd<int>& rdd) { rdd.count(); });
  ssc.start();
  step(ssc, 1000);
  step(ssc, 2000);
  ssc.stop();
  std::vector<std::string> expected{"started 0"};
  for (const char* t : {"1000", "2000"}) {
    std::string s(t);
    for (const auto& line : {"submitted " + s, "batchStarted " + s, "opStarted " + s + " #0",
                             "opCompleted " + s + " #0", "opStarted " + s + " #1",
                             "opCompleted " + s + " #1", "batchCompleted " + s}) {
      expected.push_back(line);
    }
  }
  EXPECT_EQ(recorder->lines(), expected);
}

TEST(StreamingListener, BatchInfoDelaysAfterCompletion) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto recorder = std::make_shared<Recorder>();
  ssc.addStreamingListener(recorder);
  auto* clock = &manual(ssc);
  // Batch 1000 takes 1500 ms of manual time and holds batch 2000 back for 500 ms of them.
  queueOf(ssc, {{1}, {2}}).foreachRDD([clock, recorder](const Rdd<int>& rdd, Time t) {
    rdd.count();
    if (t == Time(1000)) {
      clock->advance(1000);
      recorder->waitSubmitted(2000);
      clock->advance(500);
    }
  });
  ssc.start();
  manual(ssc).advance(1000);
  ASSERT_TRUE(ssc.core().awaitBatchProcessed(Time(2000), 60'000));
  ssc.stop();
  auto batches = recorder->completed();
  ASSERT_EQ(batches.size(), 2u);
  const BatchInfo& first = batches[0];
  EXPECT_EQ(first.batchTime, Time(1000));
  EXPECT_EQ(first.submissionTime, 1000);
  EXPECT_EQ(first.schedulingDelay(), std::optional<std::int64_t>(0));
  EXPECT_EQ(first.processingDelay(), std::optional<std::int64_t>(1500));
  EXPECT_EQ(first.totalDelay(), std::optional<std::int64_t>(1500));
  const BatchInfo& second = batches[1];
  EXPECT_EQ(second.batchTime, Time(2000));
  EXPECT_EQ(second.submissionTime, 2000);
  EXPECT_EQ(second.schedulingDelay(), std::optional<std::int64_t>(500));
  EXPECT_EQ(second.processingDelay(), std::optional<std::int64_t>(0));
  EXPECT_EQ(second.totalDelay(), std::optional<std::int64_t>(500));
  ASSERT_EQ(first.outputOperationInfos.size(), 1u);
  const auto& op = first.outputOperationInfos.at(0);
  EXPECT_EQ(op.duration(), std::optional<std::int64_t>(1500));
  EXPECT_FALSE(op.failureReason.has_value());
}

TEST(StreamingListener, FailedOutputOperationHasFailureReasonAndOthersStillRun) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto recorder = std::make_shared<Recorder>();
  ssc.addStreamingListener(recorder);
  auto s = queueOf(ssc, {{1, 2, 3}});
  s.foreachRDD([](const Rdd<int>& rdd) {
    rdd.foreach ([](int x) {
      if (x == 3) throw std::runtime_error("three is not welcome");
    });
  });
  s.foreachRDD([](const Rdd<int>& rdd) { rdd.count(); });
  ssc.start();
  step(ssc, 1000);
  ssc.stop();
  auto ops = recorder->ops();
  ASSERT_EQ(ops.size(), 2u);
  ASSERT_TRUE(ops[0].failureReason.has_value());
  EXPECT_NE(ops[0].failureReason->find("three is not welcome"), std::string::npos)
      << *ops[0].failureReason;
  EXPECT_FALSE(ops[1].failureReason.has_value());
  auto batches = recorder->completed();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_TRUE(batches[0].outputOperationInfos.at(0).failureReason.has_value());
  EXPECT_FALSE(batches[0].outputOperationInfos.at(1).failureReason.has_value());
}

TEST(StreamingListener, RemovedListenerHearsNothingMore) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto kept = std::make_shared<Recorder>();
  auto removed = std::make_shared<Recorder>();
  ssc.addStreamingListener(kept);
  ssc.addStreamingListener(removed);
  queueOf(ssc, {{1}}).foreachRDD([](const Rdd<int>&) {});
  ssc.removeStreamingListener(removed);
  ssc.start();
  step(ssc, 1000);
  ssc.stop();
  EXPECT_TRUE(removed->lines().empty());
  EXPECT_FALSE(kept->lines().empty());
}

TEST(StreamingListener, ThrowingListenerDoesNotStopOthers) {
  struct Thrower : ember::StreamingListener {
    void onBatchCompleted(const ember::StreamingListenerBatchCompleted&) override {
      throw std::runtime_error("listener failure");
    }
  };
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto recorder = std::make_shared<Recorder>();
  ssc.addStreamingListener(std::make_shared<Thrower>());
  ssc.addStreamingListener(recorder);
  queueOf(ssc, {{1}, {2}}).foreachRDD([](const Rdd<int>&) {});
  ssc.start();
  step(ssc, 1000);
  step(ssc, 2000);
  ssc.stop();
  EXPECT_EQ(recorder->completed().size(), 2u);
  EXPECT_EQ(ssc.core().firstError(), nullptr);
}

/// Stores the records given to it when started.
class ListReceiver : public ember::Receiver<std::string> {
 public:
  explicit ListReceiver(std::vector<std::string> records)
      : ember::Receiver<std::string>(ember::StorageLevel::MEMORY_ONLY),
        records_(std::move(records)) {}
  void onStart() override {
    for (const auto& r : records_) store(r);
  }
  void onStop() override {}

 private:
  std::vector<std::string> records_;
};

TEST(StreamingListener, NumRecordsOfAReceiverStream) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto recorder = std::make_shared<Recorder>();
  ssc.addStreamingListener(recorder);
  auto receiver = std::make_shared<ListReceiver>(std::vector<std::string>{"a", "b", "c", "d"});
  auto seen = std::make_shared<std::vector<std::int64_t>>();
  ssc.receiverStream<std::string>(receiver).foreachRDD(
      [seen](const Rdd<std::string>& rdd) { seen->push_back(rdd.count()); });
  ssc.start();
  ASSERT_TRUE(receiver->awaitRecordsStored(4, 60'000));
  step(ssc, 1000);
  step(ssc, 2000);
  ssc.stop();
  EXPECT_EQ(*seen, (std::vector<std::int64_t>{4, 0}));
  auto batches = recorder->completed();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].numRecords(), 4);
  EXPECT_EQ(batches[1].numRecords(), 0);
  ASSERT_EQ(batches[0].streamIdToInputInfo.size(), 1u);
  EXPECT_EQ(batches[0].streamIdToInputInfo.begin()->second.numRecords, 4);
}

}  // namespace
