#include "ember/streaming/clock.hpp"

#include <chrono>

namespace ember {

std::int64_t SystemClock::getTimeMillis() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t SystemClock::waitTillTime(std::int64_t target_ms, std::stop_token stop) {
  using namespace std::chrono;
  std::unique_lock lock(mutex_);
  auto deadline = system_clock::time_point(milliseconds(target_ms));
  while (!stop.stop_requested()) {
    std::int64_t now = getTimeMillis();
    if (now >= target_ms) return now;
    cv_.wait_until(lock, stop, deadline, [] { return false; });
  }
  return getTimeMillis();
}

std::int64_t ManualClock::getTimeMillis() const {
  std::lock_guard lock(mutex_);
  return now_;
}

std::int64_t ManualClock::waitTillTime(std::int64_t target_ms, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, stop, [&] { return now_ >= target_ms; });
  return now_;
}

void ManualClock::setTime(std::int64_t ms) {
  {
    std::lock_guard lock(mutex_);
    now_ = ms;
  }
  cv_.notify_all();
}

void ManualClock::advance(std::int64_t ms) {
  {
    std::lock_guard lock(mutex_);
    now_ += ms;
  }
  cv_.notify_all();
}

}  // namespace ember
