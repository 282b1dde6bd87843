#pragma once

#include <cstdint>
#include <string>

namespace ember {

/// A span of time in milliseconds (Spark's Duration).
class Duration {
 public:
  constexpr Duration() = default;
  constexpr explicit Duration(std::int64_t millis) : millis_(millis) {}

  constexpr std::int64_t milliseconds() const { return millis_; }
  constexpr bool isZero() const { return millis_ == 0; }
  /// True when this is a whole multiple of `that`. Throws nothing; a zero `that` gives false.
  constexpr bool isMultipleOf(Duration that) const {
    return that.millis_ != 0 && millis_ % that.millis_ == 0;
  }
  std::string toString() const { return std::to_string(millis_) + " ms"; }

  friend constexpr Duration operator+(Duration a, Duration b) {
    return Duration(a.millis_ + b.millis_);
  }
  friend constexpr Duration operator-(Duration a, Duration b) {
    return Duration(a.millis_ - b.millis_);
  }
  friend constexpr Duration operator*(Duration a, std::int64_t k) {
    return Duration(a.millis_ * k);
  }
  friend constexpr Duration operator*(std::int64_t k, Duration a) {
    return Duration(a.millis_ * k);
  }
  friend constexpr double operator/(Duration a, Duration b) {
    return static_cast<double>(a.millis_) / static_cast<double>(b.millis_);
  }
  friend constexpr auto operator<=>(Duration, Duration) = default;

 private:
  std::int64_t millis_ = 0;
};

constexpr Duration Milliseconds(std::int64_t n) {
  return Duration(n);
}
constexpr Duration Seconds(std::int64_t n) {
  return Duration(n * 1000);
}
constexpr Duration Minutes(std::int64_t n) {
  return Duration(n * 60'000);
}

/// A point in time, in milliseconds since the epoch (or since the manual clock's zero); printed
/// as Spark prints it, "1000 ms".
class Time {
 public:
  constexpr Time() = default;
  constexpr explicit Time(std::int64_t millis) : millis_(millis) {}

  constexpr std::int64_t milliseconds() const { return millis_; }
  /// True when this time is a whole multiple of d after the epoch.
  constexpr bool isMultipleOf(Duration d) const {
    return d.milliseconds() != 0 && millis_ % d.milliseconds() == 0;
  }
  /// The latest multiple of d at or before this time, counted from zero.
  constexpr Time floor(Duration d, Time zero = Time(0)) const {
    std::int64_t t = millis_ - zero.millis_;
    std::int64_t k = t / d.milliseconds();
    if (t < 0 && k * d.milliseconds() != t) --k;
    return Time(zero.millis_ + k * d.milliseconds());
  }
  std::string toString() const { return std::to_string(millis_) + " ms"; }

  friend constexpr Time operator+(Time t, Duration d) { return Time(t.millis_ + d.milliseconds()); }
  friend constexpr Time operator-(Time t, Duration d) { return Time(t.millis_ - d.milliseconds()); }
  friend constexpr Duration operator-(Time a, Time b) { return Duration(a.millis_ - b.millis_); }
  friend constexpr auto operator<=>(Time, Time) = default;

 private:
  std::int64_t millis_ = 0;
};

/// A half-open span [beginTime, endTime) of batch times (Spark's Interval).
struct Interval {
  Time beginTime;
  Time endTime;
  Duration duration() const { return endTime - beginTime; }
};

}  // namespace ember
