#pragma once

// librdkafka's own mock cluster (rdkafka_mock.h), reached over loopback TCP like any cluster, and
// a producer that writes to it: what every Kafka test runs against.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/kafka.hpp"
#include "ember/streaming.hpp"

namespace kafka_test {

constexpr std::int64_t kTimeoutMs = 30'000;

/// A mock cluster of `brokers` brokers (ids 1..n) on loopback ports the OS chose, and a
/// producer connected to it. Topics are made explicitly (createTopic), as the brokers do not
/// create them for consumers.
class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (owner_ == nullptr) throw std::runtime_error(err);
    cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
    if (cluster_ == nullptr) throw std::runtime_error("cannot start the mock cluster");
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  }
  ~MockCluster() {
    if (producer_ != nullptr) {
      rd_kafka_flush(producer_, 5000);
      rd_kafka_destroy(producer_);
    }
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  rd_kafka_mock_cluster_t* get() const { return cluster_; }

  void createTopic(const std::string& topic, int partitions, int replication = 1) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void setLeader(const std::string& topic, int partition, int broker) {
    ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void setDown(int broker) {
    ASSERT_EQ(rd_kafka_mock_broker_set_down(cluster_, broker), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void setUp(int broker) {
    ASSERT_EQ(rd_kafka_mock_broker_set_up(cluster_, broker), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  /// Writes `values` to one partition (key "k<i>" when `keyed`) and waits until every one is
  /// acknowledged.
  void produce(const std::string& topic, int partition, const std::vector<std::string>& values,
               bool keyed = false) {
    rd_kafka_t* p = producer();
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::string key = "k" + std::to_string(i);
      rd_kafka_resp_err_t err =
          rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_VALUE(const_cast<char*>(values[i].data()), values[i].size()),
                            RD_KAFKA_V_KEY(keyed ? key.data() : nullptr, keyed ? key.size() : 0),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    }
    ASSERT_EQ(rd_kafka_flush(p, static_cast<int>(kTimeoutMs)), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::lock_guard lock(mutex_);
    ASSERT_EQ(failed_, 0) << "records were not acknowledged: " << last_error_;
  }

  /// kafkaParams of a consumer of this cluster.
  ember::KafkaParams params(const std::string& reset = "earliest",
                            const std::string& group = "test-group") const {
    return {{"bootstrap.servers", bootstraps_},
            {"group.id", group},
            {"auto.offset.reset", reset},
            {"key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"},
            {"value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"}};
  }

 private:
  rd_kafka_t* producer() {
    if (producer_ != nullptr) return producer_;
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      auto* self = static_cast<MockCluster*>(opaque);
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard lock(self->mutex_);
        ++self->failed_;
        self->last_error_ = rd_kafka_err2str(m->err);
      }
    });
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (producer_ == nullptr) throw std::runtime_error(err);
    return producer_;
  }

  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  std::string bootstraps_;
  std::mutex mutex_;
  int failed_ = 0;
  std::string last_error_;
};

inline std::vector<std::string> values(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

/// The input description and record count of each completed batch, by batch time.
class BatchInfos : public ember::StreamingListener {
 public:
  void onBatchCompleted(const ember::StreamingListenerBatchCompleted& e) override {
    std::lock_guard lock(mutex_);
    infos_[e.batchInfo.batchTime.milliseconds()] = e.batchInfo;
    cv_.notify_all();
  }
  ember::BatchInfo await(std::int64_t t) {
    std::unique_lock lock(mutex_);
    bool ok = cv_.wait_for(lock, std::chrono::milliseconds(kTimeoutMs),
                           [&] { return infos_.count(t) > 0; });
    EXPECT_TRUE(ok) << "no BatchCompleted for " << t;
    return infos_[t];
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, ember::BatchInfo> infos_;
};

/// What the stream's output saw of each batch: the ranges of its RDD and the values read.
struct Seen {
  std::mutex mutex;
  std::map<std::int64_t, std::vector<ember::OffsetRange>> ranges;
  std::map<std::int64_t, std::vector<std::string>> values;  // "topic/partition/offset:value"
};

template <class K>
std::shared_ptr<Seen> watch(const ember::DStream<ember::ConsumerRecord<K, std::string>>& stream) {
  auto seen = std::make_shared<Seen>();
  stream.foreachRDD(
      [seen](const ember::Rdd<ember::ConsumerRecord<K, std::string>>& rdd, ember::Time time) {
        auto ranges = ember::offsetRanges(rdd);
        std::vector<std::string> got;
        for (const auto& r : rdd.collect()) {
          got.push_back(r.topic() + "/" + std::to_string(r.partition()) + "/" +
                        std::to_string(r.offset()) + ":" + r.value());
        }
        std::lock_guard lock(seen->mutex);
        seen->ranges[time.milliseconds()] = ranges;
        seen->values[time.milliseconds()] = got;
      });
  return seen;
}

/// A context on a manual clock with 1 s batches.
inline ember::Conf testConf() {
  ember::Conf c;
  c.setMaster("local[2]").setAppName("kafka_test");
  c.set("spark.streaming.clock", "ManualClock");
  c.set("spark.streaming.kafka.metadata.timeout", "2s");
  c.set("spark.streaming.kafka.consumer.poll.ms", "20000");
  return c;
}

/// Runs the next batch of a started context on a manual clock; returns its time.
inline std::int64_t runBatch(ember::StreamingContext& ssc) {
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  clock.advance(ssc.batchDuration().milliseconds());
  std::int64_t t = clock.getTimeMillis();
  EXPECT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(t), kTimeoutMs)) << "batch " << t;
  return t;
}

}  // namespace kafka_test

namespace ember {
inline void PrintTo(const OffsetRange& r, std::ostream* os) {
  *os << r.toString();
}
}  // namespace ember
