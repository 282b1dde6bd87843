#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "ember/core/conf.hpp"
#include "ember/streaming/duration.hpp"

namespace ember::detail {

/// Computes the rate (records per second) at which a stream should ingest, from how its last
/// batches went (Spark's RateEstimator).
class RateEstimator {
 public:
  virtual ~RateEstimator() = default;
  /// `time` is when the batch finished processing (ms); delays are in ms. Returns the new rate,
  /// or nothing when this batch gives no estimate. Thread-safe.
  virtual std::optional<double> compute(std::int64_t time, std::int64_t num_elements,
                                        std::int64_t processing_delay,
                                        std::int64_t scheduling_delay) = 0;
};

/// The estimator spark.streaming.backpressure.rateEstimator names (only "pid", the default),
/// built from spark.streaming.backpressure.pid.{proportional, integral, derived, minRate}.
/// Throws IllegalArgumentError for another estimator name, a value that is not a number, or
/// what PIDRateEstimator refuses.
std::unique_ptr<RateEstimator> makeRateEstimator(const Conf& conf, Duration batch_interval);

}  // namespace ember::detail
