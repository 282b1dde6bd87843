#pragma once

// The receiver-based Kafka stream (Spark's old KafkaUtils.createStream, KF-01): a consumer that
// joins the group, stores what it polls through a receiver, and commits the offsets of each block
// once the block is stored (in the write-ahead log when it is on), so no record stored is lost
// and none is committed before it is stored (at least once).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/kafka_params.hpp"
#include "ember/io/kafka/kafka_rdd.hpp"
#include "ember/io/receiver_stream.hpp"
#include "ember/streaming/receiver.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// A group member subscribed to topics, for the receiver's thread only.
class KafkaGroupConsumer {
 public:
  /// Throws IllegalArgumentError for params librdkafka refuses, KafkaError when the
  /// subscription fails.
  KafkaGroupConsumer(const KafkaParams& params, const std::vector<std::string>& topics);
  ~KafkaGroupConsumer();
  KafkaGroupConsumer(const KafkaGroupConsumer&) = delete;
  KafkaGroupConsumer& operator=(const KafkaGroupConsumer&) = delete;

  /// Up to `max` records polled within `timeout_ms`. Throws KafkaError for a fatal error.
  std::vector<RawKafkaRecord> poll(std::size_t max, std::int64_t timeout_ms);
  /// Commits, synchronously, the offsets after `records` (each partition's last + 1). Throws
  /// KafkaError when the commit failed.
  void commit(const std::vector<RawKafkaRecord>& records);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace detail

/// Receives a group's records of `topics` (kafkaParams must give bootstrap.servers and
/// group.id); each block of polled records is stored whole, then its offsets are committed.
template <class K, class V>
class KafkaReceiver final : public Receiver<ConsumerRecord<K, V>> {
 public:
  KafkaReceiver(KafkaParams params, std::vector<std::string> topics, StorageLevel level)
      : Receiver<ConsumerRecord<K, V>>(level),
        params_(std::move(params)),
        topics_(std::move(topics)) {}
  ~KafkaReceiver() override { join(); }

  void onStart() override {
    running_.store(true);
    thread_ = std::thread([this] { receive(); });
  }
  void onStop() override {
    running_.store(false);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }
  std::string name() const override { return "KafkaReceiver"; }

 private:
  void join() {
    running_.store(false);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  void receive() {
    try {
      detail::KafkaGroupConsumer consumer(params_, topics_);
      while (running_.load() && !this->isStopped()) {
        std::vector<detail::RawKafkaRecord> raw = consumer.poll(10'000, 100);
        if (raw.empty()) continue;
        std::vector<ConsumerRecord<K, V>> block;
        block.reserve(raw.size());
        for (auto copy : raw) block.push_back(detail::toConsumerRecord<K, V>(std::move(copy)));
        this->store(std::move(block));  // returns once stored (and logged, with the WAL)
        if (!running_.load() || this->isStopped()) return;  // a stop cut the store short
        consumer.commit(raw);
      }
    } catch (...) {
      this->restart("Kafka receiver failed", std::current_exception());
    }
  }

  KafkaParams params_;
  std::vector<std::string> topics_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

namespace KafkaUtils {

/// Spark's receiver-based KafkaUtils.createStream: a receiver stream of the group's records of
/// `topics`. With spark.streaming.receiver.writeAheadLog.enable each block is in the log before
/// its offsets are committed. Throws IllegalArgumentError for bad kafkaParams, no group.id or no
/// topics.
template <class K, class V>
DStream<ConsumerRecord<K, V>> createStream(
    StreamingContext& ssc, const KafkaParams& kafkaParams, const std::vector<std::string>& topics,
    StorageLevel level = StorageLevel::MEMORY_AND_DISK_SER_2) {
  checkKafkaParams(kafkaParams, "createStream");
  if (!kafkaParams.contains("group.id")) {
    throw IllegalArgumentError("createStream: kafkaParams must give \"group.id\"");
  }
  if (topics.empty()) throw IllegalArgumentError("createStream: at least one topic is needed");
  return ssc.receiverStream<ConsumerRecord<K, V>>(
      std::make_shared<KafkaReceiver<K, V>>(kafkaParams, topics, level));
}

}  // namespace KafkaUtils

}  // namespace ember
