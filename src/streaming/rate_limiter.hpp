#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <stop_token>

#include "ember/core/conf.hpp"
#include "ember/streaming/clock.hpp"

namespace ember::detail {

/// The rate limit of one receiver's single-record stores (Spark's receiver RateLimiter): a token
/// bucket on the context's clock, so that on a ManualClock the records let through depend only
/// on how far the test moved the clock. The bucket holds at most one second's worth of tokens
/// (as Guava's SmoothBursty, which Spark uses) and starts with one, so the first record passes
/// at once.
///
/// Thread-safe: receiver threads call waitToPush(), the rate controller calls updateRate().
class RateLimiter {
 public:
  static constexpr std::int64_t kUnlimited = std::numeric_limits<std::int64_t>::max();

  /// `max_rate` is spark.streaming.receiver.maxRate (records per second; <= 0 means no upper
  /// bound); `initial_rate`, when given and positive, is the first rate (capped by max_rate).
  RateLimiter(Clock& clock, std::int64_t max_rate, std::optional<std::int64_t> initial_rate);
  /// From spark.streaming.receiver.maxRate and, when backpressure is enabled,
  /// spark.streaming.backpressure.initialRate. Throws IllegalArgumentError for values that are
  /// not whole numbers.
  static RateLimiter fromConf(const Conf& conf, Clock& clock);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  /// Blocks until one record may pass; returns false, without taking a token, when `stop` was
  /// requested first. Does not throw.
  bool waitToPush(const std::stop_token& stop);
  /// Sets the rate to new_rate (capped by the max rate when that is positive); a rate <= 0 is
  /// ignored, as in Spark. Does not throw.
  void updateRate(std::int64_t new_rate);
  /// Records per second now; kUnlimited when there is no limit. Lock-free.
  std::int64_t getCurrentLimit() const { return rate_.load(); }

 private:
  /// Adds the tokens earned since the last refill. Needs mutex_.
  void refillLocked(std::int64_t now_ms);

  Clock& clock_;
  const std::int64_t max_rate_;
  mutable std::mutex mutex_;
  std::atomic<std::int64_t> rate_;  // written under mutex_; kUnlimited: no limit
  double tokens_ = 1;               // guarded by mutex_
  std::int64_t last_refill_ms_;     // guarded by mutex_
};

}  // namespace ember::detail
