// KafkaUtils::createRDD (batch reads of given ranges), offsetRanges(rdd), and commitAsync to the
// group's offsets, against the mock cluster.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "kafka_test_support.hpp"

namespace {

using ember::OffsetRange;
using kafka_test::MockCluster;
namespace CS = ember::ConsumerStrategies;
namespace LS = ember::LocationStrategies;
namespace KU = ember::KafkaUtils;

TEST(KafkaRdd, CreateRddReadsEachRangeAsOnePartition) {
  MockCluster cluster(2);
  cluster.createTopic("t", 2);
  cluster.produce("t", 0, kafka_test::values("a", 0, 10));
  cluster.produce("t", 1, kafka_test::values("b", 0, 4));
  ember::Engine engine(ember::Conf().setMaster("local[2]").setAppName("kafka_rdd_test"));
  std::vector<OffsetRange> ranges = {OffsetRange::create("t", 0, 2, 5),
                                     OffsetRange::create("t", 1, 0, 4),
                                     OffsetRange::create("t", 0, 7, 7)};
  auto rdd = KU::createRDD<std::string, std::string>(engine, cluster.params(), ranges);
  EXPECT_EQ(rdd.getNumPartitions(), 3);
  EXPECT_EQ(ember::offsetRanges(rdd), ranges);
  auto parts =
      rdd.map([](const ember::ConsumerRecord<std::string, std::string>& r) { return r.value(); })
          .glom()
          .collect();
  EXPECT_EQ(parts, (std::vector<std::vector<std::string>>{
                       {"a2", "a3", "a4"}, {"b0", "b1", "b2", "b3"}, {}}));
  EXPECT_EQ(ranges[1].count(), 4);
  EXPECT_EQ(ranges[0].toString(), "OffsetRange(topic: 't', partition: 0, range: [2 -> 5])");
}

TEST(KafkaRdd, ARangeTheBrokerDoesNotHoldFailsItsTask) {
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  cluster.produce("t", 0, kafka_test::values("a", 0, 3));
  ember::Engine engine(ember::Conf().setMaster("local[2]").setAppName("kafka_rdd_test"));
  auto rdd = KU::createRDD<std::string, std::string>(engine, cluster.params(),
                                                     {OffsetRange::create("t", 0, 50, 60)});
  try {
    rdd.count();
    ADD_FAILURE() << "a range past the end was read";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_THAT(e.causeMessage(), testing::HasSubstr("t-0"));
    EXPECT_THROW(std::rethrow_exception(e.cause()), ember::OffsetOutOfRangeError);
  }
}

TEST(KafkaRdd, OverlappingOrBackwardRangesAreRefused) {
  MockCluster cluster(1);
  ember::Engine engine(ember::Conf().setMaster("local[1]").setAppName("kafka_rdd_test"));
  auto overlapping = [&] {
    KU::createRDD<std::string, std::string>(engine, cluster.params(),
                                            {{"t", 0, 0, 10}, {"t", 0, 5, 12}});
  };
  EXPECT_THAT(overlapping,
              testing::ThrowsMessage<ember::IllegalArgumentError>(testing::HasSubstr("overlap")));
  EXPECT_THROW(OffsetRange::create("t", 0, 5, 4), ember::IllegalArgumentError);
}

TEST(KafkaRdd, OffsetRangesOfAnRddThatIsNotTheStreamsOwnIsAnError) {
  ember::Engine engine(ember::Conf().setMaster("local[1]").setAppName("kafka_rdd_test"));
  auto rdd = engine.parallelize(std::vector<int>{1, 2});
  EXPECT_THAT(
      [&] { ember::offsetRanges(rdd); },
      testing::ThrowsMessage<ember::IllegalArgumentError>(testing::HasSubstr("not a Kafka RDD")));
}

TEST(KafkaCommit, CommitAsyncStoresTheGroupsOffsetsWhereTheNextStreamStarts) {
  MockCluster cluster(3);
  cluster.createTopic("t", 2);
  cluster.produce("t", 0, kafka_test::values("a", 0, 3));
  cluster.produce("t", 1, kafka_test::values("b", 0, 2));
  std::mutex mutex;
  std::condition_variable cv;
  std::map<ember::TopicPartition, std::int64_t> committed;
  bool called = false;
  {
    ember::StreamingContext ssc(kafka_test::testConf(), ember::Seconds(1));
    auto stream = KU::createDirectStream<std::string, std::string>(
        ssc, LS::PreferConsistent(),
        CS::Subscribe<std::string, std::string>({"t"}, cluster.params("earliest", "g1")));
    stream.foreachRDD([&, stream](
                          const ember::Rdd<ember::ConsumerRecord<std::string, std::string>>& rdd) {
      auto ranges = ember::offsetRanges(rdd);
      if (rdd.count() == 0) return;
      stream.commitAsync(ranges, [&](const std::map<ember::TopicPartition, std::int64_t>& offsets,
                                     std::exception_ptr error) {
        std::lock_guard lock(mutex);
        EXPECT_EQ(error, nullptr);
        committed = offsets;
        called = true;
        cv.notify_all();
      });
    });
    ssc.start();
    kafka_test::runBatch(ssc);
    kafka_test::runBatch(ssc);  // sends the commit
    ssc.stop(false, false);     // waits for the answers
  }
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::milliseconds(kafka_test::kTimeoutMs),
                            [&] { return called; }));
    EXPECT_EQ(committed,
              (std::map<ember::TopicPartition, std::int64_t>{{{"t", 0}, 3}, {{"t", 1}, 2}}));
  }
  cluster.produce("t", 1, kafka_test::values("c", 0, 1));
  // A new stream of the group starts at the committed offsets, whatever auto.offset.reset says.
  ember::StreamingContext ssc(kafka_test::testConf(), ember::Seconds(1));
  auto stream = KU::createDirectStream<std::string, std::string>(
      ssc, LS::PreferConsistent(),
      CS::Subscribe<std::string, std::string>({"t"}, cluster.params("earliest", "g1")));
  auto seen = kafka_test::watch(stream);
  ssc.start();
  std::int64_t t = kafka_test::runBatch(ssc);
  ssc.stop(false, false);
  std::lock_guard lock(seen->mutex);
  EXPECT_EQ(seen->ranges[t], (std::vector<OffsetRange>{{"t", 0, 3, 3}, {"t", 1, 2, 3}}));
}

TEST(KafkaCommit, CommitAsyncWithoutAGroupIdIsRefused) {
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  ember::StreamingContext ssc(kafka_test::testConf(), ember::Seconds(1));
  auto params = cluster.params();
  params.erase("group.id");
  auto stream = KU::createDirectStream<std::string, std::string>(
      ssc, LS::PreferConsistent(), CS::Subscribe<std::string, std::string>({"t"}, params));
  EXPECT_THAT(
      [&] {
        stream.commitAsync({{"t", 0, 0, 1}});
      },
      testing::ThrowsMessage<ember::IllegalStateError>(testing::HasSubstr("group.id")));
}

}  // namespace
