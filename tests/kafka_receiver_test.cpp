// The receiver-based Kafka stream (createStream) with the write-ahead log, against the mock
// cluster: every record produced arrives once, and the group's offsets are committed after the
// blocks are stored.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kafka_test_support.hpp"
#include "temp_dir.hpp"

namespace {

TEST(KafkaReceiverStream, EveryRecordArrivesOnceThroughTheWriteAheadLogAndItsOffsetsAreCommitted) {
  kafka_test::MockCluster cluster(1);
  cluster.createTopic("t", 2);
  cluster.produce("t", 0, kafka_test::values("a", 0, 3));
  cluster.produce("t", 1, kafka_test::values("b", 0, 2));
  ember_test::TempDir dir;
  ember::Conf conf = kafka_test::testConf();
  conf.set("spark.streaming.receiver.writeAheadLog.enable", "true");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.checkpoint((dir / "ckpt").string());
  auto stream = ember::KafkaUtils::createStream<std::string, std::string>(
      ssc, cluster.params("earliest", "receiver-group"), {"t"});
  std::mutex mutex;
  std::vector<std::string> got;
  stream.foreachRDD([&](const ember::Rdd<ember::ConsumerRecord<std::string, std::string>>& rdd) {
    auto rows = rdd.collect();
    std::lock_guard lock(mutex);
    for (const auto& r : rows) got.push_back(r.value());
  });
  ssc.start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t n = 0;
  while (n < 5 && std::chrono::steady_clock::now() < deadline) {
    kafka_test::runBatch(ssc);
    std::lock_guard lock(mutex);
    n = got.size();
  }
  // The receiver commits a block's offsets after its store returns, which may be after the
  // batch holding the block ran: wait for the commit (a stop before it would skip it).
  const std::map<ember::TopicPartition, std::int64_t> expected = {{{"t", 0}, 3}, {{"t", 1}, 2}};
  ember::detail::KafkaDriverClient client(cluster.params("earliest", "receiver-group"), 10'000);
  auto committed = client.committed({{"t", 0}, {"t", 1}});
  while (committed != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, with a deadline
    committed = client.committed({{"t", 0}, {"t", 1}});
  }
  ssc.stop(false, false);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a0", "a1", "a2", "b0", "b1"}));
  EXPECT_EQ(committed, expected);
}

TEST(KafkaReceiverStream, AGroupIdAndTopicsAreRequired) {
  kafka_test::MockCluster cluster(1);
  ember::StreamingContext ssc(kafka_test::testConf(), ember::Seconds(1));
  auto params = cluster.params();
  EXPECT_THROW((ember::KafkaUtils::createStream<std::string, std::string>(ssc, params, {})),
               ember::IllegalArgumentError);
  params.erase("group.id");
  EXPECT_THROW((ember::KafkaUtils::createStream<std::string, std::string>(ssc, params, {"t"})),
               ember::IllegalArgumentError);
}

}  // namespace
