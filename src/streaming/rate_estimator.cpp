#include "rate_estimator.hpp"

#include <charconv>
#include <string>

#include "ember/core/error.hpp"
#include "pid_rate_estimator.hpp"

namespace ember::detail {

namespace {

/// A double-valued configuration key, or its default.
double confDouble(const Conf& conf, const std::string& key, double default_value) {
  auto text = conf.getOption(key);
  if (!text) return default_value;
  double value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty()) {
    throw IllegalArgumentError("configuration " + key + " = '" + *text + "' is not a number");
  }
  return value;
}

}  // namespace

std::unique_ptr<RateEstimator> makeRateEstimator(const Conf& conf, Duration batch_interval) {
  const std::string name = conf.get("spark.streaming.backpressure.rateEstimator", "pid");
  if (name != "pid") {
    throw IllegalArgumentError("spark.streaming.backpressure.rateEstimator = '" + name +
                               "' is not a known rate estimator (allowed: pid)");
  }
  return std::make_unique<PIDRateEstimator>(
      batch_interval.milliseconds(),
      confDouble(conf, "spark.streaming.backpressure.pid.proportional", 1.0),
      confDouble(conf, "spark.streaming.backpressure.pid.integral", 0.2),
      confDouble(conf, "spark.streaming.backpressure.pid.derived", 0.0),
      confDouble(conf, "spark.streaming.backpressure.pid.minRate", 100));
}

}  // namespace ember::detail
