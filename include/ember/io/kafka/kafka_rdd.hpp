#pragma once

// Spark's KafkaRDD: one partition per offset range, read from the brokers when a task computes
// it; and KafkaUtils::createRDD, offsetRanges(rdd).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/rdd_node.hpp"
#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/deserializer.hpp"
#include "ember/io/kafka/kafka_client.hpp"
#include "ember/io/kafka/kafka_params.hpp"
#include "ember/io/kafka/offset_range.hpp"
#include "ember/io/kafka/strategies.hpp"

namespace ember {

namespace detail {

/// spark.streaming.kafka.consumer.poll.ms, else spark.network.timeout (120 s): how long a task
/// may take to read its range.
std::int64_t kafkaPollTimeoutMs(const Conf& conf);

/// Throws IllegalArgumentError naming the range when two ranges are of the same partition and
/// overlap, or a range is not a range.
void checkOffsetRanges(const std::vector<OffsetRange>& ranges, const char* operation);

template <class K, class V>
ConsumerRecord<K, V> toConsumerRecord(RawKafkaRecord&& raw) {
  std::optional<K> key;
  std::optional<V> value;
  if (raw.key) key = KafkaDeserializer<K>::deserialize(raw.topic, *raw.key);
  if (raw.value) value = KafkaDeserializer<V>::deserialize(raw.topic, *raw.value);
  return ConsumerRecord<K, V>(std::move(raw.topic), raw.partition, raw.offset, raw.timestamp,
                              raw.timestampType, std::move(key), std::move(value),
                              std::move(raw.headers));
}

/// The records of offset ranges, partition i reading ranges[i] when computed.
template <class K, class V>
class KafkaRddNode final : public RddNode<ConsumerRecord<K, V>>, public HasOffsetRanges {
 public:
  KafkaRddNode(std::shared_ptr<EngineState> engine, KafkaParams executor_params,
               std::vector<OffsetRange> ranges, std::int64_t poll_timeout_ms)
      : RddNode<ConsumerRecord<K, V>>(std::move(engine), static_cast<int>(ranges.size()), {}),
        params_(std::move(executor_params)),
        ranges_(std::move(ranges)),
        poll_timeout_ms_(poll_timeout_ms) {}

  void compute(const TaskContext&, int partition,
               ChunkSink<ConsumerRecord<K, V>>& out) const override {
    const OffsetRange& range = ranges_[static_cast<std::size_t>(partition)];
    std::vector<RawKafkaRecord> raw = fetchRange(params_, range, poll_timeout_ms_);
    std::vector<ConsumerRecord<K, V>> records;
    records.reserve(raw.size());
    for (auto& r : raw) records.push_back(toConsumerRecord<K, V>(std::move(r)));
    pushOwned(std::move(records), out);
  }
  std::string name() const override { return "KafkaRDD"; }
  const std::vector<OffsetRange>& offsetRanges() const override { return ranges_; }

 private:
  KafkaParams params_;
  std::vector<OffsetRange> ranges_;
  std::int64_t poll_timeout_ms_;
};

}  // namespace detail

/// The offset ranges a Kafka RDD reads (Spark's rdd.asInstanceOf[HasOffsetRanges].offsetRanges):
/// one per partition, in partition order. Only the stream's own RDDs (or createRDD's) have them,
/// not those of a map or a shuffle made from them. Throws IllegalArgumentError for another RDD.
template <class T>
const std::vector<OffsetRange>& offsetRanges(const Rdd<T>& rdd) {
  const auto* ranges = dynamic_cast<const HasOffsetRanges*>(rdd.node().get());
  if (ranges == nullptr) {
    throw IllegalArgumentError("offsetRanges: " + rdd.node()->name() +
                               " is not a Kafka RDD; use the RDD the Kafka stream (or createRDD) "
                               "gave, before any transformation");
  }
  return ranges->offsetRanges();
}

namespace KafkaUtils {

/// A batch read of `offsetRanges` (Spark's KafkaUtils.createRDD): one partition per range, read
/// when a job computes it, by consumers configured with executorKafkaParams(kafkaParams). Throws
/// IllegalArgumentError for bad kafkaParams or ranges; reading a range the brokers do not hold
/// fails its task with OffsetOutOfRangeError.
template <class K, class V>
Rdd<ConsumerRecord<K, V>> createRDD(const Engine& engine, const KafkaParams& kafkaParams,
                                    const std::vector<OffsetRange>& offsetRanges,
                                    const LocationStrategy& = {}) {
  checkKafkaParams(kafkaParams, "createRDD");
  detail::checkOffsetRanges(offsetRanges, "createRDD");
  return Rdd<ConsumerRecord<K, V>>(std::make_shared<detail::KafkaRddNode<K, V>>(
      engine.state(), executorKafkaParams(kafkaParams), offsetRanges,
      detail::kafkaPollTimeoutMs(engine.getConf())));
}

}  // namespace KafkaUtils

}  // namespace ember
