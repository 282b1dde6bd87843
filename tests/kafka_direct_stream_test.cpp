// The direct stream against librdkafka's mock cluster over TCP: ranges per batch, empty batches,
// topics and partitions that appear later, starting offsets, out-of-range positions under each
// auto.offset.reset, brokers down and leaders moving, bad kafkaParams.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "kafka_test_support.hpp"
#include "streaming/listener_bus.hpp"

namespace {

using ember::OffsetRange;
using kafka_test::BatchInfos;
using kafka_test::MockCluster;
using kafka_test::runBatch;
using kafka_test::Seen;
using kafka_test::testConf;
using kafka_test::values;
namespace CS = ember::ConsumerStrategies;
namespace LS = ember::LocationStrategies;
namespace KU = ember::KafkaUtils;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(DirectKafkaStream,
     EachBatchReadsFromTheLastEndToTheLatestOffsetsOnePartitionPerTopicPartition) {
  MockCluster cluster(3);
  cluster.createTopic("words", 3);
  cluster.produce("words", 0, values("a", 0, 4));
  cluster.produce("words", 1, values("b", 0, 2));
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto stream = KU::createDirectStream<std::string, std::string>(
      ssc, LS::PreferConsistent(),
      CS::Subscribe<std::string, std::string>({"words"}, cluster.params()));
  auto seen = kafka_test::watch(stream);
  ssc.start();

  std::int64_t t1 = runBatch(ssc);
  cluster.produce("words", 1, values("b", 2, 5));
  cluster.produce("words", 2, values("c", 0, 1));
  std::int64_t t2 = runBatch(ssc);
  ssc.stop(false, false);

  std::lock_guard lock(seen->mutex);
  EXPECT_EQ(seen->ranges[t1],
            (std::vector<OffsetRange>{{"words", 0, 0, 4}, {"words", 1, 0, 2}, {"words", 2, 0, 0}}));
  EXPECT_EQ(seen->ranges[t2],
            (std::vector<OffsetRange>{{"words", 0, 4, 4}, {"words", 1, 2, 5}, {"words", 2, 0, 1}}));
  EXPECT_EQ(sorted(seen->values[t1]),
            (std::vector<std::string>{"words/0/0:a0", "words/0/1:a1", "words/0/2:a2",
                                      "words/0/3:a3", "words/1/0:b0", "words/1/1:b1"}));
  EXPECT_EQ(sorted(seen->values[t2]), (std::vector<std::string>{"words/1/2:b2", "words/1/3:b3",
                                                                "words/1/4:b4", "words/2/0:c0"}));
}

TEST(DirectKafkaStream, BatchesWithoutNewRecordsAreEmptyAndTheBatchInfoDescribesEachRange) {
  MockCluster cluster(1);
  cluster.createTopic("t", 2);
  cluster.produce("t", 1, values("v", 0, 3));
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto infos = std::make_shared<BatchInfos>();
  ssc.addStreamingListener(infos);
  auto stream = KU::createDirectStream<std::string, std::string>(
      ssc, LS::PreferConsistent(),
      CS::Subscribe<std::string, std::string>({"t"}, cluster.params()));
  auto seen = kafka_test::watch(stream);
  ssc.start();
  std::int64_t t1 = runBatch(ssc);
  std::int64_t t2 = runBatch(ssc);

  ember::BatchInfo first = infos->await(t1);
  ember::BatchInfo second = infos->await(t2);
  ssc.stop(false, false);
  ASSERT_EQ(first.streamIdToInputInfo.size(), 1u);
  const auto& info = first.streamIdToInputInfo.begin()->second;
  EXPECT_EQ(info.numRecords, 3);
  EXPECT_EQ(info.description, "topic: t partition: 1 offsets: 0 to 3 count: 3\n");
  const auto& empty = second.streamIdToInputInfo.begin()->second;
  EXPECT_EQ(empty.numRecords, 0);
  EXPECT_EQ(empty.description, "");
  std::lock_guard lock(seen->mutex);
  EXPECT_EQ(seen->ranges[t2], (std::vector<OffsetRange>{{"t", 0, 0, 0}, {"t", 1, 3, 3}}));
  EXPECT_TRUE(seen->values[t2].empty());
}

TEST(DirectKafkaStream, KeysValuesHeadersAndTimestampsAreTheRecordsOwn) {
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  cluster.produce("t", 0, {"x", "y"}, /*keyed=*/true);
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto stream = KU::createDirectStream<std::string, std::vector<std::uint8_t>>(
      ssc, LS::PreferConsistent(),
      CS::Subscribe<std::string, std::vector<std::uint8_t>>({"t"}, cluster.params()));
  std::mutex mutex;
  std::vector<ember::ConsumerRecord<std::string, std::vector<std::uint8_t>>> got;
  stream.foreachRDD([&](const auto& rdd) {
    auto rows = rdd.collect();
    std::lock_guard lock(mutex);
    got.insert(got.end(), rows.begin(), rows.end());
  });
  ssc.start();
  runBatch(ssc);
  ssc.stop(false, false);
  std::lock_guard lock(mutex);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].hasKey());
  EXPECT_EQ(got[0].key(), "k0");
  EXPECT_EQ(got[1].key(), "k1");
  EXPECT_EQ(got[1].value(), (std::vector<std::uint8_t>{'y'}));
  EXPECT_EQ(got[1].offset(), 1);
  EXPECT_EQ(got[1].timestampType(), ember::TimestampType::CREATE_TIME);
  EXPECT_GT(got[1].timestamp(), 0);
}

/// A direct stream of string records on `cluster`, with its output watched.
struct StreamRun {
  StreamRun(ember::ConsumerStrategy<std::string, std::string> strategy,
            ember::Conf conf = testConf())
      : ssc(conf, ember::Seconds(1)),
        stream(KU::createDirectStream<std::string, std::string>(ssc, LS::PreferConsistent(),
                                                                std::move(strategy))),
        seen(kafka_test::watch(stream)) {
    ssc.addStreamingListener(infos);
  }
  std::vector<OffsetRange> ranges(std::int64_t t) {
    std::lock_guard lock(seen->mutex);
    return seen->ranges[t];
  }
  std::vector<std::string> read(std::int64_t t) {
    std::lock_guard lock(seen->mutex);
    return sorted(seen->values[t]);
  }
  ember::StreamingContext ssc;
  ember::DirectKafkaStream<std::string, std::string> stream;
  std::shared_ptr<kafka_test::Seen> seen;
  std::shared_ptr<BatchInfos> infos = std::make_shared<BatchInfos>();
};

TEST(DirectKafkaStream, SubscribePicksUpATopicCreatedAfterTheStart) {
  MockCluster cluster(2);
  cluster.createTopic("old", 1);
  StreamRun run(CS::Subscribe<std::string, std::string>({"old", "later"}, cluster.params()));
  run.ssc.start();
  std::int64_t t1 = runBatch(run.ssc);
  EXPECT_EQ(run.ranges(t1), (std::vector<OffsetRange>{{"old", 0, 0, 0}}));
  EXPECT_THAT(run.infos->await(t1).streamIdToInputInfo.begin()->second.description,
              testing::HasSubstr("topic: later does not exist (yet)"));
  cluster.createTopic("later", 2);
  cluster.produce("later", 1, values("n", 0, 2));
  std::int64_t t2 = runBatch(run.ssc);
  run.ssc.stop(false, false);
  EXPECT_EQ(run.ranges(t2),
            (std::vector<OffsetRange>{{"later", 0, 0, 0}, {"later", 1, 0, 2}, {"old", 0, 0, 0}}));
  EXPECT_EQ(run.read(t2), (std::vector<std::string>{"later/1/0:n0", "later/1/1:n1"}));
}

TEST(DirectKafkaStream, SubscribePatternPicksUpTheMatchingTopicsAndTheirPartitionsAsTheyAppear) {
  MockCluster cluster(3);
  cluster.createTopic("metrics.cpu", 2);
  cluster.createTopic("logs", 1);
  cluster.produce("metrics.cpu", 0, values("c", 0, 1));
  cluster.produce("logs", 0, values("l", 0, 1));
  StreamRun run(CS::SubscribePattern<std::string, std::string>("metrics\\..*", cluster.params()));
  run.ssc.start();
  std::int64_t t1 = runBatch(run.ssc);
  cluster.createTopic("metrics.disk", 3);
  cluster.produce("metrics.disk", 2, values("d", 0, 2));
  std::int64_t t2 = runBatch(run.ssc);
  run.ssc.stop(false, false);
  EXPECT_EQ(run.ranges(t1),
            (std::vector<OffsetRange>{{"metrics.cpu", 0, 0, 1}, {"metrics.cpu", 1, 0, 0}}));
  EXPECT_EQ(run.read(t1), (std::vector<std::string>{"metrics.cpu/0/0:c0"}));
  EXPECT_EQ(run.ranges(t2).size(), 5u);
  EXPECT_EQ(run.read(t2), (std::vector<std::string>{"metrics.disk/2/0:d0", "metrics.disk/2/1:d1"}));
}

TEST(DirectKafkaStream, AssignReadsOnlyItsPartitionsFromTheGivenOffsets) {
  MockCluster cluster(2);
  cluster.createTopic("t", 3);
  for (int p = 0; p < 3; ++p) cluster.produce("t", p, values("v" + std::to_string(p) + "_", 0, 5));
  StreamRun run(CS::Assign<std::string, std::string>({{"t", 0}, {"t", 2}}, cluster.params("latest"),
                                                     {{{"t", 2}, 3}}));
  run.ssc.start();
  std::int64_t t1 = runBatch(run.ssc);
  run.ssc.stop(false, false);
  // t-0 has no given offset: auto.offset.reset latest puts it at the end.
  EXPECT_EQ(run.ranges(t1), (std::vector<OffsetRange>{{"t", 0, 5, 5}, {"t", 2, 3, 5}}));
  EXPECT_EQ(run.read(t1), (std::vector<std::string>{"t/2/3:v2_3", "t/2/4:v2_4"}));
}

TEST(DirectKafkaStream, AssigningAPartitionThatDoesNotExistRefusesTheStart) {
  MockCluster cluster(1);
  cluster.createTopic("t", 2);
  {
    StreamRun run(CS::Assign<std::string, std::string>({{"t", 5}}, cluster.params()));
    EXPECT_THAT([&] { run.ssc.start(); }, testing::ThrowsMessage<ember::KafkaError>(
                                              testing::HasSubstr("t-5 does not exist")));
  }
  StreamRun run(CS::Assign<std::string, std::string>({{"missing", 0}}, cluster.params()));
  EXPECT_THAT([&] { run.ssc.start(); },
              testing::ThrowsMessage<ember::KafkaError>(testing::HasSubstr("missing-0")));
}

TEST(DirectKafkaStream, APositionTheBrokersDoNotHoldFollowsAutoOffsetReset) {
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  cluster.produce("t", 0, values("old", 0, 3));
  {
    StreamRun run(CS::Subscribe<std::string, std::string>({"t"}, cluster.params("earliest"),
                                                          {{{"t", 0}, 100}}));
    run.ssc.start();
    std::int64_t t = runBatch(run.ssc);
    run.ssc.stop(false, false);
    EXPECT_EQ(run.ranges(t), (std::vector<OffsetRange>{{"t", 0, 0, 3}}));
  }
  {
    StreamRun run(CS::Subscribe<std::string, std::string>({"t"}, cluster.params("latest"),
                                                          {{{"t", 0}, 100}}));
    run.ssc.start();
    cluster.produce("t", 0, values("new", 0, 1));
    std::int64_t t = runBatch(run.ssc);
    run.ssc.stop(false, false);
    EXPECT_EQ(run.ranges(t), (std::vector<OffsetRange>{{"t", 0, 4, 4}}));
  }
  {
    StreamRun run(
        CS::Subscribe<std::string, std::string>({"t"}, cluster.params("none"), {{{"t", 0}, 100}}));
    run.ssc.start();
    runBatch(run.ssc);
    EXPECT_THAT([&] { run.ssc.awaitTerminationOrTimeout(kafka_test::kTimeoutMs); },
                testing::ThrowsMessage<ember::OffsetOutOfRangeError>(
                    testing::HasSubstr("no configured reset policy for partitions: {t-0=100}")));
    run.ssc.stop(false, false);
  }
}

TEST(DirectKafkaStream, ResetNoneWithoutACommittedOffsetRefusesTheStart) {
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  StreamRun run(
      CS::Subscribe<std::string, std::string>({"t"}, cluster.params("none", "fresh-group")));
  EXPECT_THAT([&] { run.ssc.start(); },
              testing::ThrowsMessage<ember::OffsetOutOfRangeError>(
                  testing::HasSubstr("Undefined offset with no reset policy for partitions: t-0")));
}

TEST(DirectKafkaStream, BadKafkaParamsAreRefusedNamingTheParameter) {
  MockCluster cluster(1);
  ember::StreamingContext ssc(testConf(), ember::Seconds(1));
  auto make = [&](ember::KafkaParams params) {
    return [&ssc, params] {
      KU::createDirectStream<std::string, std::string>(
          ssc, LS::PreferConsistent(), CS::Subscribe<std::string, std::string>({"t"}, params));
    };
  };
  auto params = cluster.params();
  auto unknown = params;
  unknown["no.such.setting"] = "1";
  EXPECT_THAT(make(unknown), testing::ThrowsMessage<ember::IllegalArgumentError>(
                                 testing::HasSubstr("\"no.such.setting\"")));
  auto bad_value = params;
  bad_value["fetch.max.bytes"] = "lots";
  EXPECT_THAT(make(bad_value), testing::ThrowsMessage<ember::IllegalArgumentError>(
                                   testing::HasSubstr("\"fetch.max.bytes\" = \"lots\"")));
  auto reset = params;
  reset["auto.offset.reset"] = "smallest";
  EXPECT_THAT(make(reset), testing::ThrowsMessage<ember::IllegalArgumentError>(
                               testing::HasSubstr("use earliest, latest or none")));
  auto no_servers = params;
  no_servers.erase("bootstrap.servers");
  EXPECT_THAT(make(no_servers), testing::ThrowsMessage<ember::IllegalArgumentError>(
                                    testing::HasSubstr("bootstrap.servers")));
  auto bad_pattern = [&] {
    KU::createDirectStream<std::string, std::string>(
        ssc, LS::PreferConsistent(), CS::SubscribePattern<std::string, std::string>("([", params));
  };
  EXPECT_THAT(bad_pattern, testing::ThrowsMessage<ember::IllegalArgumentError>(
                               testing::HasSubstr("not a regular expression")));
  auto no_topics = [&] {
    KU::createDirectStream<std::string, std::string>(
        ssc, LS::PreferConsistent(), CS::Subscribe<std::string, std::string>({}, params));
  };
  EXPECT_THAT(no_topics, testing::ThrowsMessage<ember::IllegalArgumentError>(
                             testing::HasSubstr("at least one topic")));
}

TEST(DirectKafkaStream, ABrokerDownLeavesItsPartitionsEmptyAndTheOthersGoOnUntilItIsBack) {
  MockCluster cluster(3);
  cluster.createTopic("t", 3);
  for (int p = 0; p < 3; ++p) cluster.setLeader("t", p, p + 1);
  for (int p = 0; p < 3; ++p) cluster.produce("t", p, values("a" + std::to_string(p) + "_", 0, 2));
  ember::Conf conf = testConf();
  conf.set("spark.streaming.kafka.metadata.timeout", "500ms");
  StreamRun run(CS::Subscribe<std::string, std::string>({"t"}, cluster.params()), conf);
  run.ssc.start();
  std::int64_t t1 = runBatch(run.ssc);
  EXPECT_EQ(run.read(t1).size(), 6u);
  cluster.produce("t", 1, values("b1_", 0, 2));
  cluster.produce("t", 0, values("b0_", 0, 1));
  cluster.setDown(2);  // the leader of t-1
  std::int64_t t2 = runBatch(run.ssc);
  EXPECT_EQ(run.ranges(t2),
            (std::vector<OffsetRange>{{"t", 0, 2, 3}, {"t", 1, 2, 2}, {"t", 2, 2, 2}}));
  EXPECT_EQ(run.read(t2), (std::vector<std::string>{"t/0/2:b0_0"}));
  EXPECT_THAT(run.infos->await(t2).streamIdToInputInfo.begin()->second.description,
              testing::HasSubstr("topic: t partition: 1 unavailable"));
  cluster.setUp(2);
  std::vector<std::string> later;
  for (int i = 0; i < 20 && later.size() < 2; ++i) {
    auto got = run.read(runBatch(run.ssc));
    later.insert(later.end(), got.begin(), got.end());
  }
  run.ssc.stop(false, false);
  EXPECT_EQ(sorted(later), (std::vector<std::string>{"t/1/2:b1_0", "t/1/3:b1_1"}));
}

/// The input-stream problems a context's listeners were told of, in order.
class InputProblems : public ember::StreamingListener {
 public:
  void onInputStreamError(const ember::StreamingListenerInputStreamError& e) override {
    std::lock_guard lock(mutex_);
    events_.push_back("error at " + std::to_string(e.batchTime) + ": " + e.message);
  }
  void onInputStreamRecovered(const ember::StreamingListenerInputStreamRecovered& e) override {
    std::lock_guard lock(mutex_);
    events_.push_back("recovered at " + std::to_string(e.batchTime));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

TEST(DirectKafkaStream, AClusterThatIsDownFailsItsStreamAloneAndIsReadAgainOnceBack) {
  // Every broker down: the Kafka stream's batches are empty and say why in their input
  // description (on the listener bus, and on the UI's batch page), the context does not fail,
  // and another stream of the same batches goes on. Back up, the stream reads from where it was.
  MockCluster cluster(1);
  cluster.createTopic("t", 1);
  cluster.produce("t", 0, values("a", 0, 2));
  ember::Conf conf = testConf();
  conf.set("spark.streaming.kafka.metadata.timeout", "300ms");
  StreamRun run(CS::Subscribe<std::string, std::string>({"t"}, cluster.params()), conf);
  auto problems = std::make_shared<InputProblems>();
  run.ssc.addStreamingListener(problems);
  auto queue = std::make_shared<ember::RddQueue<int>>();
  auto others = std::make_shared<Seen>();
  run.ssc.queueStream(queue).foreachRDD([others](const ember::Rdd<int>& rdd, ember::Time time) {
    std::vector<std::string> got;
    for (int v : rdd.collect()) got.push_back(std::to_string(v));
    std::lock_guard lock(others->mutex);
    others->values[time.milliseconds()] = got;
  });
  run.ssc.start();
  std::int64_t t1 = runBatch(run.ssc);
  EXPECT_EQ(run.read(t1), (std::vector<std::string>{"t/0/0:a0", "t/0/1:a1"}));

  cluster.setDown(1);
  queue->push(run.ssc.sparkContext().parallelize(std::vector<int>{7, 8}, 1));
  std::int64_t t2 = runBatch(run.ssc);
  EXPECT_EQ(run.ranges(t2), (std::vector<OffsetRange>{{"t", 0, 2, 2}}));
  std::string descriptions;
  for (const auto& [id, info] : run.infos->await(t2).streamIdToInputInfo) {
    descriptions += info.description;
  }
  EXPECT_THAT(descriptions, testing::HasSubstr("topic: t partition: 0 unavailable"));
  {
    std::lock_guard lock(others->mutex);
    EXPECT_EQ(others->values[t2], (std::vector<std::string>{"7", "8"}));
  }
  EXPECT_FALSE(run.ssc.awaitTerminationOrTimeout(0));  // no error ends the context
  std::int64_t t3 = runBatch(run.ssc);                 // still down
  run.infos->await(t3);

  cluster.setUp(1);
  cluster.produce("t", 0, values("b", 0, 1));
  // Until the record is read and the stream reached everything again (librdkafka reconnects in
  // its own time).
  auto recovered = [&] {
    auto events = problems->events();
    return !events.empty() && events.back().starts_with("recovered at ");
  };
  std::vector<std::string> later;
  for (int i = 0; i < 30 && (later.empty() || !recovered()); ++i) {
    auto got = run.read(runBatch(run.ssc));
    later.insert(later.end(), got.begin(), got.end());
    run.ssc.core().listenerBus().waitUntilEmpty();
  }
  run.ssc.stop(false, false);
  EXPECT_EQ(later, (std::vector<std::string>{"t/0/2:b0"}));
  // On the listener bus: the problem when it started (again only if librdkafka's reason
  // changed), and its end.
  auto events = problems->events();
  ASSERT_GE(events.size(), 2u) << testing::PrintToString(events);
  EXPECT_THAT(events.front(), testing::StartsWith("error at " + std::to_string(t2) + ": "));
  EXPECT_THAT(events.front(), testing::HasSubstr("topic: t partition: 0 unavailable"));
  for (std::size_t i = 1; i + 1 < events.size(); ++i) {
    EXPECT_THAT(events[i], testing::StartsWith("error at ")) << testing::PrintToString(events);
  }
  EXPECT_THAT(events.back(), testing::StartsWith("recovered at "));
}

TEST(DirectKafkaStream, ALeaderThatMovesLosesAndRepeatsNothing) {
  MockCluster cluster(3);
  cluster.createTopic("t", 2, 3);
  cluster.setLeader("t", 0, 1);
  cluster.setLeader("t", 1, 2);
  StreamRun run(CS::Subscribe<std::string, std::string>({"t"}, cluster.params()));
  run.ssc.start();
  std::vector<std::string> all;
  std::vector<std::string> expected;
  for (int round = 0; round < 4; ++round) {
    for (int p = 0; p < 2; ++p) {
      auto v = values("r" + std::to_string(round) + "p" + std::to_string(p) + "_", 0, 3);
      cluster.produce("t", p, v);
      for (std::size_t i = 0; i < v.size(); ++i) {
        expected.push_back("t/" + std::to_string(p) + "/" +
                           std::to_string(round * 3 + static_cast<int>(i)) + ":" + v[i]);
      }
    }
    cluster.setLeader("t", round % 2, 1 + (round + 1) % 3);
    auto got = run.read(runBatch(run.ssc));
    all.insert(all.end(), got.begin(), got.end());
  }
  for (int i = 0; i < 10 && all.size() < expected.size(); ++i) {
    auto got = run.read(runBatch(run.ssc));
    all.insert(all.end(), got.begin(), got.end());
  }
  run.ssc.stop(false, false);
  EXPECT_EQ(sorted(all), sorted(expected));
}

}  // namespace
