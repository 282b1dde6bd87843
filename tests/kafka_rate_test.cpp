// Rate limits of the direct stream: Spark's maxMessagesPerPartition (max and min rate per
// partition, backpressure's estimate split by each partition's lag), alone and on a stream
// reading the mock cluster.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kafka_test_support.hpp"

namespace {

using ember::OffsetRange;
using ember::TopicPartition;
using ember::detail::maxMessagesPerPartition;
using Limits = std::map<TopicPartition, std::int64_t>;
namespace CS = ember::ConsumerStrategies;
namespace LS = ember::LocationStrategies;
namespace KU = ember::KafkaUtils;

const TopicPartition kA{"t", 0};
const TopicPartition kB{"t", 1};

TEST(MaxMessagesPerPartition, WithoutARateOrAMaximumThereIsNoLimit) {
  EXPECT_EQ(maxMessagesPerPartition({{kA, 100}, {kB, 5}}, 0, 0, 1, 1000), std::nullopt);
}

TEST(MaxMessagesPerPartition, MaxRatePerPartitionTimesTheBatchInSeconds) {
  EXPECT_EQ(maxMessagesPerPartition({{kA, 100}, {kB, 5}}, 0, 20, 1, 500),
            (Limits{{kA, 10}, {kB, 10}}));
}

TEST(MaxMessagesPerPartition, BackpressureSplitsTheRateByLagAndIsCappedByTheMaximum) {
  // 300 records/s over lags 30 and 10: 225 and 75 per second, 2 s batches.
  EXPECT_EQ(maxMessagesPerPartition({{kA, 30}, {kB, 10}}, 300, 0, 1, 2000),
            (Limits{{kA, 450}, {kB, 150}}));
  // The maximum caps the larger share only.
  EXPECT_EQ(maxMessagesPerPartition({{kA, 30}, {kB, 10}}, 300, 100, 1, 2000),
            (Limits{{kA, 200}, {kB, 150}}));
}

TEST(MaxMessagesPerPartition, EveryPartitionGetsAtLeastTheMinimumRate) {
  EXPECT_EQ(maxMessagesPerPartition({{kA, 1000}, {kB, 0}}, 10, 0, 3, 1000),
            (Limits{{kA, 10}, {kB, 3}}));
}

TEST(MaxMessagesPerPartition, NoLagLeavesNothingToSplit) {
  EXPECT_EQ(maxMessagesPerPartition({{kA, 0}, {kB, 0}}, 100, 0, 1, 1000), std::nullopt);
}

/// Runs a Subscribe stream over `t` (2 partitions, 25 and 5 records) with `settings`; returns
/// the ranges of the first two batches.
std::vector<std::vector<OffsetRange>> firstBatches(
    const std::map<std::string, std::string>& settings) {
  kafka_test::MockCluster cluster(1);
  cluster.createTopic("t", 2);
  cluster.produce("t", 0, kafka_test::values("a", 0, 25));
  cluster.produce("t", 1, kafka_test::values("b", 0, 5));
  ember::Conf conf = kafka_test::testConf();
  for (const auto& [k, v] : settings) conf.set(k, v);
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  auto stream = KU::createDirectStream<std::string, std::string>(
      ssc, LS::PreferConsistent(),
      CS::Subscribe<std::string, std::string>({"t"}, cluster.params()));
  auto seen = kafka_test::watch(stream);
  ssc.start();
  std::int64_t t1 = kafka_test::runBatch(ssc);
  std::int64_t t2 = kafka_test::runBatch(ssc);
  ssc.stop(false, false);
  std::lock_guard lock(seen->mutex);
  return {seen->ranges[t1], seen->ranges[t2]};
}

TEST(DirectKafkaRate, MaxRatePerPartitionBoundsEachRangeAndTheRestFollows) {
  auto batches = firstBatches({{"spark.streaming.kafka.maxRatePerPartition", "10"}});
  EXPECT_EQ(batches[0], (std::vector<OffsetRange>{{"t", 0, 0, 10}, {"t", 1, 0, 5}}));
  EXPECT_EQ(batches[1], (std::vector<OffsetRange>{{"t", 0, 10, 20}, {"t", 1, 5, 5}}));
}

TEST(DirectKafkaRate, BackpressureStartsAtTheInitialRateSplitByLag) {
  auto batches = firstBatches({{"spark.streaming.backpressure.enabled", "true"},
                               {"spark.streaming.backpressure.initialRate", "12"}});
  // Lags 25 and 5 share 12 records/s: 10 and 2.
  EXPECT_EQ(batches[0], (std::vector<OffsetRange>{{"t", 0, 0, 10}, {"t", 1, 0, 2}}));
  EXPECT_EQ(batches[1].size(), 2u);
  EXPECT_EQ(batches[1][0].fromOffset, 10);
  EXPECT_EQ(batches[1][1].fromOffset, 2);
}

TEST(DirectKafkaRate, BadRateSettingsAreRefusedNamingTheSetting) {
  kafka_test::MockCluster cluster(1);
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"spark.streaming.kafka.maxRatePerPartition", "-1"},
           {"spark.streaming.kafka.minRatePerPartition", "0"}}) {
    ember::Conf conf = kafka_test::testConf();
    conf.set(key, value);
    ember::StreamingContext ssc(conf, ember::Seconds(1));
    try {
      KU::createDirectStream<std::string, std::string>(
          ssc, LS::PreferConsistent(),
          CS::Subscribe<std::string, std::string>({"t"}, cluster.params()));
      ADD_FAILURE() << key << " = " << value << " was accepted";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

}  // namespace
