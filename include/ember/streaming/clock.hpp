#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace ember {

/// Where the streaming layer reads time. The system clock runs the real thing; the manual clock
/// lets tests move time by hand, so every streaming test is deterministic and fast.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t getTimeMillis() const = 0;
  /// Blocks until the clock reads at least target_ms or stop is requested. Returns the time read
  /// when it woke; callers check stop themselves. Called from the job generator's thread.
  virtual std::int64_t waitTillTime(std::int64_t target_ms, std::stop_token stop) = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t getTimeMillis() const override;
  std::int64_t waitTillTime(std::int64_t target_ms, std::stop_token stop) override;

 private:
  std::mutex mutex_;
  std::condition_variable_any cv_;
};

/// A clock that moves only when told to. Thread-safe; waiters wake when time reaches their target.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}
  std::int64_t getTimeMillis() const override;
  std::int64_t waitTillTime(std::int64_t target_ms, std::stop_token stop) override;
  void setTime(std::int64_t ms);
  void advance(std::int64_t ms);

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::int64_t now_;
};

}  // namespace ember
