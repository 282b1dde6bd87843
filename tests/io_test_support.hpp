#pragma once

// What the io tests share: a listener that records receiver events and lets a test wait for them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ember/ember.hpp"

namespace ember_test {

/// Receiver events as strings ("started", "stopped", "error: <message> / <error>").
class ReceiverEventLog : public ember::StreamingListener {
 public:
  explicit ReceiverEventLog(std::int64_t timeout_ms) : timeout_ms_(timeout_ms) {}

  void onReceiverError(const ember::StreamingListenerReceiverError& e) override {
    add("error: " + e.receiverInfo.lastErrorMessage + " / " + e.receiverInfo.lastError);
  }
  void onReceiverStarted(const ember::StreamingListenerReceiverStarted&) override {
    add("started");
  }
  void onReceiverStopped(const ember::StreamingListenerReceiverStopped&) override {
    add("stopped");
  }
  /// Blocks until at least n events contain `part`, or the timeout passes.
  bool awaitEvents(const std::string& part, int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms_),
                        [&] { return countLocked(part) >= n; });
  }
  int count(const std::string& part) {
    std::lock_guard lock(mutex_);
    return countLocked(part);
  }

 private:
  void add(std::string event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  int countLocked(const std::string& part) const {
    int n = 0;
    for (const auto& e : events_) n += e.find(part) != std::string::npos;
    return n;
  }

  std::int64_t timeout_ms_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

/// Moves the manual clock to the next batch and waits for that batch; returns its time.
inline std::int64_t runBatch(ember::StreamingContext& ssc, std::int64_t timeout_ms) {
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  clock.advance(ssc.batchDuration().milliseconds());
  std::int64_t t = clock.getTimeMillis();
  EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), timeout_ms)) << "batch " << t;
  return t;
}

}  // namespace ember_test
