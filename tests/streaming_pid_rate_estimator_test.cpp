// The PID rate estimator, case by case as Spark's PIDRateEstimatorSuite, and the estimator
// factory's configuration checks.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/error.hpp"
#include "ember/streaming/duration.hpp"
#include "streaming/pid_rate_estimator.hpp"

namespace {

using ember::detail::PIDRateEstimator;
using ::testing::HasSubstr;
using Estimates = std::vector<std::optional<double>>;

PIDRateEstimator defaultEstimator() {
  return PIDRateEstimator(20, 1.0, 0.0, 0.0, 10);
}

/// The estimates for batches every 20 ms with the given records, processing and scheduling
/// delays.
Estimates run(PIDRateEstimator& p, const std::vector<std::int64_t>& elements,
              const std::vector<std::int64_t>& proc, const std::vector<std::int64_t>& sched) {
  Estimates out;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    out.push_back(p.compute(static_cast<std::int64_t>(i) * 20, elements[i], proc[i], sched[i]));
  }
  return out;
}

TEST(PIDRateEstimator, TheConfiguredEstimatorIsPid) {
  ember::Conf conf;
  conf.set("spark.streaming.backpressure.rateEstimator", "pid");
  auto estimator = ember::detail::makeRateEstimator(conf, ember::Seconds(1));
  EXPECT_NE(dynamic_cast<PIDRateEstimator*>(estimator.get()), nullptr);
  EXPECT_NE(dynamic_cast<PIDRateEstimator*>(
                ember::detail::makeRateEstimator(ember::Conf(), ember::Seconds(1)).get()),
            nullptr);
}

TEST(PIDRateEstimator, AnotherEstimatorNameIsRefused) {
  ember::Conf conf;
  conf.set("spark.streaming.backpressure.rateEstimator", "fixed");
  try {
    ember::detail::makeRateEstimator(conf, ember::Seconds(1));
    FAIL() << "expected IllegalArgumentError";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'fixed'"));
    EXPECT_THAT(e.what(), HasSubstr("allowed: pid"));
  }
}

TEST(PIDRateEstimator, ConfiguredGainsAreChecked) {
  ember::Conf conf;
  conf.set("spark.streaming.backpressure.pid.integral", "-0.5");
  EXPECT_THROW(ember::detail::makeRateEstimator(conf, ember::Seconds(1)),
               ember::IllegalArgumentError);
  ember::Conf bad_number;
  bad_number.set("spark.streaming.backpressure.pid.minRate", "lots");
  try {
    ember::detail::makeRateEstimator(bad_number, ember::Seconds(1));
    FAIL() << "expected IllegalArgumentError";
  } catch (const ember::IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("spark.streaming.backpressure.pid.minRate = 'lots'"));
  }
}

TEST(PIDRateEstimator, RangesAreChecked) {
  auto message = [](auto make) {
    try {
      make();
    } catch (const ember::IllegalArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no IllegalArgumentError");
  };
  EXPECT_THAT(message([] { PIDRateEstimator(0, 1, 2, 3, 10); }),
              HasSubstr("batch interval 0 ms is invalid (must be > 0)"));
  EXPECT_THAT(message([] { PIDRateEstimator(100, -1, 2, 3, 10); }),
              HasSubstr("proportional term -1 must be >= 0"));
  EXPECT_THAT(message([] { PIDRateEstimator(100, 0, -1, 3, 10); }),
              HasSubstr("integral term -1 must be >= 0"));
  EXPECT_THAT(message([] { PIDRateEstimator(100, 0, 0, -1, 10); }),
              HasSubstr("derivative term -1 must be >= 0"));
  EXPECT_THAT(message([] { PIDRateEstimator(100, 0, 0, 0, 0); }),
              HasSubstr("minimum rate 0 must be > 0"));
  EXPECT_THAT(message([] { PIDRateEstimator(100, 0, 0, 0, -10); }),
              HasSubstr("minimum rate -10 must be > 0"));
}

TEST(PIDRateEstimator, FirstEstimateIsNone) {
  auto p = defaultEstimator();
  EXPECT_EQ(p.compute(0, 10, 10, 0), std::nullopt);
}

TEST(PIDRateEstimator, SecondEstimateIsNotNone) {
  auto p = defaultEstimator();
  p.compute(0, 10, 10, 0);
  EXPECT_EQ(p.compute(10, 10, 10, 0), std::optional<double>(1000));  // 1000 records/s
}

TEST(PIDRateEstimator, NoEstimateWithoutTimeDifference) {
  auto p = defaultEstimator();
  p.compute(0, 10, 10, 0);
  EXPECT_NE(p.compute(10, 10, 10, 0), std::nullopt);
  EXPECT_EQ(p.compute(10, 10, 10, 0), std::nullopt);
}

TEST(PIDRateEstimator, NoEstimateWithoutRecords) {
  auto p = defaultEstimator();
  p.compute(0, 10, 10, 0);
  EXPECT_EQ(p.compute(10, 0, 10, 0), std::nullopt);
  EXPECT_EQ(p.compute(20, -10, 10, 0), std::nullopt);
}

TEST(PIDRateEstimator, NoEstimateWithoutProcessingDelay) {
  auto p = defaultEstimator();
  p.compute(0, 10, 10, 0);
  EXPECT_EQ(p.compute(10, 10, 0, 0), std::nullopt);
  EXPECT_EQ(p.compute(20, 10, -10, 0), std::nullopt);
}

TEST(PIDRateEstimator, EstimateIsNeverBelowMinRate) {
  const double min_rate = 5;
  PIDRateEstimator p(20, 1, 1, 0, min_rate);
  // One record in 20 ms and a growing backlog push the estimate down; it stops at the floor.
  auto res = run(p, std::vector<std::int64_t>(50, 1), std::vector<std::int64_t>(50, 20),
                 std::vector<std::int64_t>(50, 100));
  EXPECT_EQ(res[0], std::nullopt);
  EXPECT_EQ(Estimates(res.begin() + 1, res.end()), Estimates(49, min_rate));
}

TEST(PIDRateEstimator, WithoutErrorOrBacklogItFollowsARisingProcessingSpeed) {
  PIDRateEstimator p(20, 1, 1, 0, 10);
  std::vector<std::int64_t> elements;
  for (int x = 0; x < 50; ++x) elements.push_back((x + 1) * 20);
  auto res = run(p, elements, std::vector<std::int64_t>(50, 20), std::vector<std::int64_t>(50, 0));
  EXPECT_EQ(res[0], std::nullopt);
  for (int x = 1; x < 50; ++x) EXPECT_EQ(res[x], std::optional<double>((x + 1) * 1000.0)) << x;
}

TEST(PIDRateEstimator, WithoutBacklogItFollowsAFallingProcessingSpeed) {
  PIDRateEstimator p(20, 1, 1, 0, 10);
  std::vector<std::int64_t> elements;
  for (int x = 0; x < 50; ++x) elements.push_back((50 - x) * 20);
  auto res = run(p, elements, std::vector<std::int64_t>(50, 20), std::vector<std::int64_t>(50, 0));
  EXPECT_EQ(res[0], std::nullopt);
  for (int x = 1; x < 50; ++x) EXPECT_EQ(res[x], std::optional<double>((50 - x) * 1000.0)) << x;
}

TEST(PIDRateEstimator, WithBacklogItStaysBelowTheProcessingSpeed) {
  PIDRateEstimator p(20, 1, 0.01, 0, 10);
  std::mt19937 rng(20260);  // fixed: the same batches every run
  std::vector<std::int64_t> elements;
  std::vector<std::int64_t> sched;
  for (int x = 0; x < 50; ++x) {
    elements.push_back(std::uniform_int_distribution<std::int64_t>(0, 999)(rng));
    sched.push_back(std::uniform_int_distribution<std::int64_t>(0, 18)(rng));
  }
  const std::int64_t proc_ms = 20;
  auto res = run(p, elements, std::vector<std::int64_t>(50, proc_ms), sched);
  EXPECT_EQ(res[0], std::nullopt);
  for (int n = 1; n < 50; ++n) {
    if (elements[n] == 0) continue;  // no records: no estimate, as Spark's estimator says
    ASSERT_NE(res[n], std::nullopt) << n;
    const double speed = static_cast<double>(elements[n]) / proc_ms * 1000;
    if (*res[n] > 0 && sched[n] > 0) {
      EXPECT_LT(*res[n], speed) << n;
    }
  }
}

TEST(PIDRateEstimator, TheFormulaWithAllThreeTerms) {
  // Spark's formula by hand: batch interval 1000 ms, kp 1, ki 0.2, kd 0.5.
  PIDRateEstimator p(1000, 1.0, 0.2, 0.5, 1);
  EXPECT_EQ(p.compute(1000, 1000, 500, 0), std::nullopt);  // latestRate = 2000/s, error 0
  // processingRate = 1500/s; error = 2000 - 1500 = 500; historical = 200 * 1500 / 1000 = 300;
  // dError = (500 - 0) / 1 s = 500; newRate = 2000 - 500 - 0.2 * 300 - 0.5 * 500 = 1190.
  auto estimate = p.compute(2000, 1500, 1000, 200);
  ASSERT_NE(estimate, std::nullopt);
  EXPECT_DOUBLE_EQ(*estimate, 1190.0);
}

}  // namespace
