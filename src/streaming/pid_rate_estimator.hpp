#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "rate_estimator.hpp"

namespace ember::detail {

/// A proportional-integral-derivative controller of the ingestion rate (Spark's
/// PIDRateEstimator, same formula): the error is the last rate minus the measured processing
/// rate, the integral term is the backlog the scheduling delay shows, the derivative term the
/// change of the error per second. Batches with no records, no processing delay or a time not
/// after the last one are ignored; the first valid batch only records its processing rate.
class PIDRateEstimator final : public RateEstimator {
 public:
  /// Throws IllegalArgumentError when batch_interval_ms <= 0, a gain is negative, or
  /// min_rate <= 0; the message names the value and the rule.
  PIDRateEstimator(std::int64_t batch_interval_ms, double proportional, double integral,
                   double derivative, double min_rate);

  std::optional<double> compute(std::int64_t time, std::int64_t num_elements,
                                std::int64_t processing_delay,
                                std::int64_t scheduling_delay) override;

 private:
  const std::int64_t batch_interval_ms_;
  const double proportional_;
  const double integral_;
  const double derivative_;
  const double min_rate_;
  std::mutex mutex_;
  bool first_run_ = true;          // guarded by mutex_
  std::int64_t latest_time_ = -1;  // guarded by mutex_
  double latest_rate_ = -1;        // guarded by mutex_
  double latest_error_ = -1;       // guarded by mutex_
};

}  // namespace ember::detail
