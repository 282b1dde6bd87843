#include "pid_rate_estimator.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember::detail {

namespace {

std::string show(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

void require(bool ok, const std::string& message) {
  if (!ok) throw IllegalArgumentError(message);
}

}  // namespace

PIDRateEstimator::PIDRateEstimator(std::int64_t batch_interval_ms, double proportional,
                                   double integral, double derivative, double min_rate)
    : batch_interval_ms_(batch_interval_ms),
      proportional_(proportional),
      integral_(integral),
      derivative_(derivative),
      min_rate_(min_rate) {
  require(batch_interval_ms > 0, "PIDRateEstimator: batch interval " +
                                     std::to_string(batch_interval_ms) +
                                     " ms is invalid (must be > 0)");
  require(proportional >= 0, "PIDRateEstimator: proportional term " + show(proportional) +
                                 " must be >= 0 (spark.streaming.backpressure.pid.proportional)");
  require(integral >= 0, "PIDRateEstimator: integral term " + show(integral) +
                             " must be >= 0 (spark.streaming.backpressure.pid.integral)");
  require(derivative >= 0, "PIDRateEstimator: derivative term " + show(derivative) +
                               " must be >= 0 (spark.streaming.backpressure.pid.derived)");
  require(min_rate > 0, "PIDRateEstimator: minimum rate " + show(min_rate) +
                            " must be > 0 (spark.streaming.backpressure.pid.minRate)");
  logger()->info(
      "Created PIDRateEstimator with proportional = {}, integral = {}, derivative = {}, "
      "min rate = {}",
      proportional, integral, derivative, min_rate);
}

std::optional<double> PIDRateEstimator::compute(std::int64_t time, std::int64_t num_elements,
                                                std::int64_t processing_delay,
                                                std::int64_t scheduling_delay) {
  std::lock_guard lock(mutex_);
  if (time <= latest_time_ || num_elements <= 0 || processing_delay <= 0) return std::nullopt;
  const double delay_since_update = static_cast<double>(time - latest_time_) / 1000;
  const double processing_rate =
      static_cast<double>(num_elements) / static_cast<double>(processing_delay) * 1000;
  const double error = latest_rate_ - processing_rate;
  // A scheduling delay s means s * processingRate records waited; spread over one batch
  // interval, that is the rate by which the last one overshot.
  const double historical_error = static_cast<double>(scheduling_delay) * processing_rate /
                                  static_cast<double>(batch_interval_ms_);
  const double d_error = (error - latest_error_) / delay_since_update;
  const double new_rate =
      std::max(min_rate_, latest_rate_ - proportional_ * error - integral_ * historical_error -
                              derivative_ * d_error);
  latest_time_ = time;
  if (first_run_) {
    latest_rate_ = processing_rate;
    latest_error_ = 0;
    first_run_ = false;
    return std::nullopt;
  }
  latest_rate_ = new_rate;
  latest_error_ = error;
  return new_rate;
}

}  // namespace ember::detail
