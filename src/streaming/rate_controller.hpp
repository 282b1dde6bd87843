#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ember/streaming/listener.hpp"
#include "rate_estimator.hpp"
#include "rate_limiter.hpp"

namespace ember::detail {

/// Backpressure for one receiver input stream (Spark's ReceiverRateController): after each
/// completed batch, feeds the estimator with (processing end time, the stream's records,
/// processing delay, scheduling delay) and publishes a new estimate to the receiver's limiter.
///
/// Called directly by the job thread that finished the batch (not through the listener bus), so
/// the new bound is in force by the time awaitBatchProcessed() returns; the estimate is cheap.
class RateController {
 public:
  RateController(int stream_id, std::unique_ptr<RateEstimator> estimator, RateLimiter& limiter);

  /// Ignores batches without processing times or without an input record of this stream.
  /// Thread-safe; does not throw.
  void onBatchCompleted(const BatchInfo& info);
  /// The last estimate published (records per second), or -1 before the first.
  std::int64_t getLatestRate() const { return latest_rate_.load(); }

 private:
  int stream_id_;
  std::unique_ptr<RateEstimator> estimator_;
  RateLimiter& limiter_;
  std::atomic<std::int64_t> latest_rate_{-1};
};

}  // namespace ember::detail
