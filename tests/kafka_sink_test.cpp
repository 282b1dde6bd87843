// KafkaSink against the mock cluster: the idempotent producer writes each record of a batch once,
// and a transactional sink commits a batch's records together with the offsets it consumed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kafka_test_support.hpp"

namespace {

using ember::OffsetRange;
using kafka_test::MockCluster;
namespace KU = ember::KafkaUtils;

/// Every value in `topic` as a read_committed consumer sees it, sorted, read with createRDD over
/// [earliest, latest) of each partition.
std::vector<std::string> readAll(MockCluster& cluster, const std::string& topic,
                                 const ember::KafkaParams& extra = {}) {
  ember::KafkaParams params = cluster.params();
  params.insert(extra.begin(), extra.end());
  ember::detail::KafkaDriverClient client(params, 10'000);
  auto partitions = client.partitionsOf(topic);
  EXPECT_TRUE(partitions.has_value());
  std::vector<OffsetRange> ranges;
  for (const auto& [tp, w] : client.watermarks(*partitions).offsets) {
    ranges.push_back(OffsetRange::create(tp.topic, tp.partition, w.low, w.high));
  }
  ember::Engine engine(ember::Conf().setMaster("local[2]").setAppName("kafka_sink_test"));
  auto values =
      KU::createRDD<std::string, std::string>(engine, params, ranges)
          .map([](const ember::ConsumerRecord<std::string, std::string>& r) { return r.value(); })
          .collect();
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<std::string> numbered(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("r" + std::to_string(100 + i));
  return out;
}

TEST(KafkaSink, AnIdempotentSinkWritesEveryRecordOfTheBatchOnce) {
  MockCluster cluster(3);
  cluster.createTopic("out", 3);
  ember::Engine engine(ember::Conf().setMaster("local[2]").setAppName("kafka_sink_test"));
  auto rdd = engine.parallelize(numbered(200), 4);
  ember::KafkaSink sink(ember::KafkaParams{{"bootstrap.servers", cluster.bootstraps()}});
  EXPECT_FALSE(sink.transactional());
  sink.writeBatch(rdd, [](const std::string& v) {
    return ember::ProducerRecord{"out", v.substr(0, 3), v};
  });
  EXPECT_EQ(readAll(cluster, "out"), numbered(200));
}

TEST(KafkaSink, ATransactionalSinkCommitsTheRecordsAndTheConsumedOffsetsTogether) {
  MockCluster cluster(3);
  cluster.createTopic("in", 2);
  cluster.createTopic("out", 2);
  cluster.produce("in", 0, kafka_test::values("a", 0, 4));
  cluster.produce("in", 1, kafka_test::values("b", 0, 2));
  ember::Engine engine(ember::Conf().setMaster("local[2]").setAppName("kafka_sink_test"));
  std::vector<OffsetRange> consumed = {OffsetRange::create("in", 0, 0, 4),
                                       OffsetRange::create("in", 1, 0, 2)};
  auto input = KU::createRDD<std::string, std::string>(engine, cluster.params(), consumed);
  ember::KafkaSink sink(ember::KafkaParams{{"bootstrap.servers", cluster.bootstraps()},
                                           {"transactional.id", "ember-test-tx"}});
  EXPECT_TRUE(sink.transactional());
  sink.writeBatch(
      input,
      [](const ember::ConsumerRecord<std::string, std::string>& r) {
        return ember::ProducerRecord{"out", std::nullopt, "seen-" + r.value()};
      },
      consumed, "copier");
  EXPECT_EQ(readAll(cluster, "out"), (std::vector<std::string>{"seen-a0", "seen-a1", "seen-a2",
                                                               "seen-a3", "seen-b0", "seen-b1"}));
  // The consumed offsets went to the transaction (AddOffsetsToTxn, TxnOffsetCommit) and the
  // commit succeeded. librdkafka 2.0.2's mock cluster acknowledges transactional offset commits
  // without storing them, so the group's offsets cannot be read back here (docs/kafka.md).
}

TEST(KafkaSink, AFailedBatchAbortsItsTransactionAndCommitsNoOffsets) {
  MockCluster cluster(1);
  cluster.createTopic("out", 1);
  ember::Engine engine(ember::Conf().setMaster("local[1]").setAppName("kafka_sink_test"));
  auto rdd = engine.parallelize(numbered(5), 1);
  ember::KafkaSink sink(ember::KafkaParams{{"bootstrap.servers", cluster.bootstraps()},
                                           {"transactional.id", "ember-test-abort"}});
  EXPECT_THROW(sink.writeBatch(
                   rdd,
                   [](const std::string& v) {
                     if (v == "r103") throw ember::IllegalArgumentError("bad record " + v);
                     return ember::ProducerRecord{"out", std::nullopt, v};
                   },
                   {OffsetRange::create("out", 0, 0, 1)}, "aborter"),
               ember::TaskFailedError);
  ember::detail::KafkaDriverClient client(cluster.params("earliest", "aborter"), 10'000);
  EXPECT_TRUE(client.committed({{"out", 0}}).empty());
  // The sink goes on: the next batch's transaction commits.
  sink.writeBatch(engine.parallelize(std::vector<std::string>{"next"}, 1),
                  [](const std::string& v) {
                    return ember::ProducerRecord{"out", std::nullopt, v};
                  });
  auto seen = readAll(cluster, "out");
  EXPECT_THAT(seen, testing::Contains("next"));
  // What a read_committed consumer (librdkafka's default isolation.level) sees of the aborted
  // records.
  EXPECT_THAT(seen, testing::Not(testing::Contains("r100")));
}

TEST(KafkaSink, BadParamsAndTransactionsWithoutATransactionalIdAreRefused) {
  EXPECT_THAT(
      [] {
        ember::KafkaSink sink(ember::KafkaParams{{"acks", "all"}});
      },
      testing::ThrowsMessage<ember::IllegalArgumentError>(testing::HasSubstr("bootstrap.servers")));
  MockCluster cluster(1);
  auto bad_linger = [&] {
    ember::KafkaSink sink(
        ember::KafkaParams{{"bootstrap.servers", cluster.bootstraps()}, {"linger.ms", "soon"}});
  };
  EXPECT_THAT(bad_linger, testing::ThrowsMessage<ember::IllegalArgumentError>(
                              testing::HasSubstr("\"linger.ms\"")));
  ember::KafkaSink sink(ember::KafkaParams{{"bootstrap.servers", cluster.bootstraps()}});
  EXPECT_THROW(sink.beginTransaction(), ember::IllegalStateError);
}

}  // namespace
