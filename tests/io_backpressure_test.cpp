// Backpressure end to end on the manual clock: a receiver offers records ten times faster than
// the job processes them. The job's slowness is deterministic: it moves the manual clock by 10 ms
// per record (100 records/s), so processing and scheduling delays are exact; only how many of
// the offered records a batch catches depends on thread timing. With backpressure the published
// rate comes down to about what the job manages and the scheduling delay stays bounded; without
// it the delay grows batch after batch.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ember/ember.hpp"
#include "streaming/listener_bus.hpp"

namespace {

constexpr std::int64_t kTimeoutMs = 60'000;
constexpr std::int64_t kMsPerRecord = 10;  // the job's speed: 100 records/s
constexpr std::int64_t kOfferedRate = 1000;

/// Offers records as fast as store() lets it until stopped.
class FloodReceiver final : public ember::Receiver<int> {
 public:
  FloodReceiver() : Receiver<int>(ember::StorageLevel::MEMORY_ONLY) {}
  ~FloodReceiver() override { onStop(); }
  void onStart() override {
    thread_ = std::thread([this] {
      for (int i = 0; !isStopped(); ++i) store(i);
    });
  }
  void onStop() override {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  std::thread thread_;
};

struct Batch {
  std::int64_t records = 0;
  std::int64_t schedulingDelay = 0;
  std::int64_t processingDelay = 0;
};

class BatchLog : public ember::StreamingListener {
 public:
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    std::lock_guard lock(mutex_);
    batches_[e.batchInfo.batchTime.milliseconds()] =
        Batch{e.batchInfo.numRecords(), e.batchInfo.schedulingDelay().value_or(-1),
              e.batchInfo.processingDelay().value_or(-1)};
  }
  std::map<std::int64_t, Batch> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  std::mutex mutex_;
  std::map<std::int64_t, Batch> batches_;
};

/// Moves the manual clock by `ms` in slices of at most 100 ms and, after each, waits until the
/// receiver took the whole tokens the slice gave it (at least floor(limit * slice / 1000)), so
/// that the flood keeps pace with the clock as it would in real time.
void advanceWithFlood(ember::StreamingContext& ssc, ember::ManualClock& clock,
                      const FloodReceiver& receiver, std::int64_t ms) {
  for (std::int64_t left = ms; left > 0;) {
    const std::int64_t slice = std::min<std::int64_t>(100, left);
    const std::int64_t limit = ssc.core().currentRateLimit(receiver.streamId()).value_or(0);
    const std::int64_t before = receiver.numRecordsStored();
    clock.advance(slice);
    left -= slice;
    // Short waits, so that a context stopping meanwhile (the receiver stores no more) ends this.
    const std::int64_t target = before + limit * slice / 1000;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!receiver.awaitRecordsStored(target, 50)) {
      if (receiver.isStopped()) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the flood fell behind the clock";
    }
  }
}

struct FloodRun {
  std::map<std::int64_t, Batch> batches;
  std::vector<std::int64_t> limits;  // the receiver's rate limit after each batch
  std::int64_t latestRate = -1;
};

/// Runs `batches` one-second batches; the test moves the clock only while no job runs, so the
/// delays the estimator sees are the ones the job made.
FloodRun runFlood(bool backpressure, int batches) {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("io_backpressure_test");
  conf.set("spark.streaming.clock", "ManualClock");
  conf.set("spark.streaming.receiver.maxRate", std::to_string(kOfferedRate));
  conf.set("spark.streaming.backpressure.enabled", backpressure ? "true" : "false");
  conf.set("spark.streaming.backpressure.pid.minRate", "10");
  // Before the first estimate (which needs two batches) the receiver takes this rate: twice
  // what the job manages rather than the whole flood.
  conf.set("spark.streaming.backpressure.initialRate", "200");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  auto log = std::make_shared<BatchLog>();
  ssc.addStreamingListener(log);
  auto receiver = std::make_shared<FloodReceiver>();
  ssc.receiverStream<int>(receiver).foreachRDD([&](const ember::Rdd<int>& rdd) {
    // Processing takes 10 ms of clock per record; the receiver keeps receiving meanwhile.
    advanceWithFlood(ssc, clock, *receiver, rdd.count() * kMsPerRecord);
  });
  ssc.start();
  FloodRun run;
  const int id = receiver->streamId();
  for (std::int64_t t = 1000; t <= batches * 1000; t += 1000) {
    // No job runs when the clock is before t (every batch before t is done), so the test may
    // move it; the flood takes its tokens up to just before the batch time.
    if (clock.getTimeMillis() < t - 1) {
      advanceWithFlood(ssc, clock, *receiver, t - 1 - clock.getTimeMillis());
    }
    if (clock.getTimeMillis() < t) clock.setTime(t);
    EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) << t;
    run.limits.push_back(ssc.core().currentRateLimit(id).value_or(-2));
  }
  run.latestRate = ssc.core().latestRate(id).value_or(-2);
  ssc.core().listenerBus().waitUntilEmpty();
  run.batches = log->batches();
  ssc.stop();
  return run;
}

TEST(Backpressure, TheRateFollowsWhatTheJobManagesAndTheDelayStaysBounded) {
  const int n = 40;
  FloodRun run = runFlood(true, n);
  ASSERT_EQ(run.limits.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(run.limits.front(), 200);  // no estimate after one batch: still the initial rate
  for (auto limit : run.limits) EXPECT_LE(limit, kOfferedRate);  // never above maxRate
  // The job manages 100 records/s: the estimate settles there, far below what is offered.
  EXPECT_GE(run.latestRate, 70);
  EXPECT_LE(run.latestRate, 130);
  EXPECT_EQ(run.limits.back(), run.latestRate);
  std::int64_t worst_late = 0;
  std::int64_t late_records = 0;
  for (std::int64_t t = (n - 10) * 1000; t <= n * 1000; t += 1000) {
    auto it = run.batches.find(t);
    if (it == run.batches.end()) continue;  // an empty batch has no jobs to report
    worst_late = std::max(worst_late, it->second.schedulingDelay);
    late_records += it->second.records;
  }
  EXPECT_LE(worst_late, 1000) << "scheduling delay of the last ten batches";
  EXPECT_GT(late_records, 0) << "data still flows";
}

TEST(Backpressure, WithoutItTheSchedulingDelayGrows) {
  // The same flood without backpressure: the check the test above makes would fail.
  FloodRun run = runFlood(false, 12);
  EXPECT_EQ(run.latestRate, -2);  // no rate controller
  for (auto limit : run.limits) EXPECT_EQ(limit, kOfferedRate);
  ASSERT_TRUE(run.batches.count(12'000));
  EXPECT_GT(run.batches[12'000].schedulingDelay, 10 * 1000);
}

}  // namespace
