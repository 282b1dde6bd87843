#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace ember::detail {

namespace {

// A waiter recomputes its wait at least this often, so that a rate raised by the rate
// controller takes effect without waiting out a wait computed at the old rate.
constexpr std::int64_t kMaxWaitSliceMs = 100;

}  // namespace

RateLimiter::RateLimiter(Clock& clock, std::int64_t max_rate,
                         std::optional<std::int64_t> initial_rate)
    : clock_(clock), max_rate_(max_rate), last_refill_ms_(clock.getTimeMillis()) {
  std::int64_t rate = max_rate_ > 0 ? max_rate_ : kUnlimited;
  if (initial_rate && *initial_rate > 0) rate = std::min(rate, *initial_rate);
  rate_.store(rate);
}

RateLimiter RateLimiter::fromConf(const Conf& conf, Clock& clock) {
  const std::int64_t max_rate = conf.getLong("spark.streaming.receiver.maxRate", kUnlimited);
  std::optional<std::int64_t> initial;
  if (conf.getBoolean("spark.streaming.backpressure.enabled", false) &&
      conf.getOption("spark.streaming.backpressure.initialRate")) {
    initial = conf.getLong("spark.streaming.backpressure.initialRate", 0);
  }
  return RateLimiter(clock, max_rate, initial);
}

void RateLimiter::refillLocked(std::int64_t now_ms) {
  if (now_ms <= last_refill_ms_) return;
  const auto rate = static_cast<double>(rate_.load());
  tokens_ = std::min(std::max(1.0, rate),
                     tokens_ + static_cast<double>(now_ms - last_refill_ms_) * rate / 1000.0);
  last_refill_ms_ = now_ms;
}

bool RateLimiter::waitToPush(const std::stop_token& stop) {
  for (;;) {
    std::int64_t target = 0;
    {
      std::lock_guard lock(mutex_);
      if (rate_ == kUnlimited) return true;
      const std::int64_t now = clock_.getTimeMillis();
      refillLocked(now);
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return true;
      }
      const auto missing_ms = static_cast<std::int64_t>(
          std::ceil((1.0 - tokens_) * 1000.0 / static_cast<double>(rate_.load())));
      target = now + std::clamp<std::int64_t>(missing_ms, 1, kMaxWaitSliceMs);
    }
    if (stop.stop_requested()) return false;
    clock_.waitTillTime(target, stop);
    if (stop.stop_requested()) return false;
  }
}

void RateLimiter::updateRate(std::int64_t new_rate) {
  if (new_rate <= 0) return;
  std::lock_guard lock(mutex_);
  refillLocked(clock_.getTimeMillis());
  const std::int64_t rate = max_rate_ > 0 ? std::min(new_rate, max_rate_) : new_rate;
  rate_.store(rate);
  tokens_ = std::min(tokens_, std::max(1.0, static_cast<double>(rate)));
}

}  // namespace ember::detail
