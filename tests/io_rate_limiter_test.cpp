// The receivers' rate limiter on a manual clock: how many records pass for how much clock time,
// rate updates capped by spark.streaming.receiver.maxRate, and waits that end when stopped.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stop_token>

#include "ember/core/conf.hpp"
#include "ember/core/error.hpp"
#include "ember/streaming/clock.hpp"
#include "streaming/rate_limiter.hpp"

namespace {

using ember::detail::RateLimiter;

constexpr auto kTimeout = std::chrono::seconds(20);

/// How many of `attempts` records pass without the clock moving. The stop token is stopped
/// from the start, so an attempt takes a token that is there and otherwise returns at once.
int passWithoutTime(RateLimiter& limiter, int attempts) {
  std::stop_source stopped;
  stopped.request_stop();
  int passed = 0;
  for (int i = 0; i < attempts; ++i) passed += limiter.waitToPush(stopped.get_token()) ? 1 : 0;
  return passed;
}

TEST(RateLimiter, UnsetZeroOrNegativeMaxRateIsUnlimited) {
  ember::ManualClock clock(0);
  for (const char* value : {"", "0", "-5"}) {
    ember::Conf conf;
    if (*value != '\0') conf.set("spark.streaming.receiver.maxRate", value);
    auto limiter = RateLimiter::fromConf(conf, clock);
    EXPECT_EQ(limiter.getCurrentLimit(), RateLimiter::kUnlimited) << value;
    std::stop_source never;
    for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.waitToPush(never.get_token()));
  }
}

TEST(RateLimiter, LetsThroughTheRateTimesTheClockTime) {
  ember::ManualClock clock(0);
  RateLimiter limiter(clock, 10, std::nullopt);
  EXPECT_EQ(limiter.getCurrentLimit(), 10);
  EXPECT_EQ(passWithoutTime(limiter, 5), 1);  // the first token only
  clock.advance(500);                         // 5 more tokens
  EXPECT_EQ(passWithoutTime(limiter, 20), 5);
  clock.advance(10'000);  // the bucket holds one second's worth, no more
  EXPECT_EQ(passWithoutTime(limiter, 30), 10);
}

TEST(RateLimiter, AWaitingRecordPassesWhenTheClockMoves) {
  ember::ManualClock clock(0);
  RateLimiter limiter(clock, 2, std::nullopt);
  std::stop_source never;
  ASSERT_TRUE(limiter.waitToPush(never.get_token()));
  auto waiting =
      std::async(std::launch::async, [&] { return limiter.waitToPush(never.get_token()); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  clock.advance(500);  // one token at 2 records/s
  ASSERT_EQ(waiting.wait_for(kTimeout), std::future_status::ready);
  EXPECT_TRUE(waiting.get());
}

TEST(RateLimiter, UpdateRateIsCappedByMaxRateAndIgnoresNonPositiveRates) {
  ember::ManualClock clock(0);
  RateLimiter capped(clock, 100, std::nullopt);
  capped.updateRate(1000);
  EXPECT_EQ(capped.getCurrentLimit(), 100);
  capped.updateRate(40);
  EXPECT_EQ(capped.getCurrentLimit(), 40);
  capped.updateRate(0);
  capped.updateRate(-3);
  EXPECT_EQ(capped.getCurrentLimit(), 40);
  RateLimiter uncapped(clock, 0, std::nullopt);
  uncapped.updateRate(1000);
  EXPECT_EQ(uncapped.getCurrentLimit(), 1000);
}

TEST(RateLimiter, InitialRateIsTheSmallerOfInitialRateAndMaxRate) {
  ember::ManualClock clock(0);
  EXPECT_EQ(RateLimiter(clock, 100, 30).getCurrentLimit(), 30);
  EXPECT_EQ(RateLimiter(clock, 100, 300).getCurrentLimit(), 100);
  EXPECT_EQ(RateLimiter(clock, 0, 300).getCurrentLimit(), 300);
  EXPECT_EQ(RateLimiter(clock, 0, 0).getCurrentLimit(), RateLimiter::kUnlimited);
  ember::Conf conf;
  conf.set("spark.streaming.receiver.maxRate", "100");
  conf.set("spark.streaming.backpressure.initialRate", "30");
  // initialRate counts only with backpressure, as Spark's documentation says.
  EXPECT_EQ(RateLimiter::fromConf(conf, clock).getCurrentLimit(), 100);
  conf.set("spark.streaming.backpressure.enabled", "true");
  EXPECT_EQ(RateLimiter::fromConf(conf, clock).getCurrentLimit(), 30);
}

TEST(RateLimiter, AStopEndsAWaitWithoutATokenAndWithoutTheClock) {
  ember::ManualClock clock(0);
  RateLimiter limiter(clock, 1, std::nullopt);
  std::stop_source source;
  ASSERT_TRUE(limiter.waitToPush(source.get_token()));
  auto waiting =
      std::async(std::launch::async, [&] { return limiter.waitToPush(source.get_token()); });
  source.request_stop();
  ASSERT_EQ(waiting.wait_for(kTimeout), std::future_status::ready);
  EXPECT_FALSE(waiting.get());
  std::stop_source fresh;  // the stopped wait took no token: one second later there is one
  clock.advance(1000);
  EXPECT_TRUE(limiter.waitToPush(fresh.get_token()));
}

TEST(RateLimiter, AMalformedMaxRateIsRefused) {
  ember::ManualClock clock(0);
  ember::Conf conf;
  conf.set("spark.streaming.receiver.maxRate", "fast");
  EXPECT_THROW(RateLimiter::fromConf(conf, clock), ember::IllegalArgumentError);
}

}  // namespace
