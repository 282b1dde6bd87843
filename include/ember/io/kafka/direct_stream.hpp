#pragma once

// Spark's DirectKafkaInputDStream and KafkaUtils.createDirectStream: each batch is a fixed set of
// offset ranges, chosen when the batch is generated, read when its jobs run, and saved in the
// checkpoint so that a restart reads the same ranges again.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/direct_kafka_planner.hpp"
#include "ember/io/kafka/kafka_rdd.hpp"
#include "ember/io/kafka/strategies.hpp"
#include "ember/io/queue_stream.hpp"
#include "ember/streaming/detail/node_state.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// A direct stream's runtime state: its RDDs (as every stream's) and, as its position in the
/// metadata checkpoint, the planner's positions and ranges by batch.
template <class T>
class KafkaInputState final : public NodeState<T> {
 public:
  KafkaInputState(Time zero_time, Duration remember, StorageLevel level,
                  std::shared_ptr<DirectKafkaPlanner> planner)
      : NodeState<T>(zero_time, remember, level), planner_(std::move(planner)) {}

  void save(cereal::BinaryOutputArchive& ar) const override { planner_->save(ar); }
  void load(cereal::BinaryInputArchive& ar, const Engine&) override { planner_->load(ar); }
  void savePosition(cereal::BinaryOutputArchive& ar) const override { planner_->save(ar); }
  void loadPosition(cereal::BinaryInputArchive& ar) override { planner_->load(ar); }

 private:
  std::shared_ptr<DirectKafkaPlanner> planner_;
};

/// Feeds the planner's backpressure with the completed batches (Spark's
/// DirectKafkaRateController, a listener as there).
class DirectKafkaRateListener final : public StreamingListener {
 public:
  explicit DirectKafkaRateListener(std::weak_ptr<DirectKafkaPlanner> planner)
      : planner_(std::move(planner)) {}
  void onBatchCompleted(const StreamingListenerBatchCompleted& event) override {
    if (auto planner = planner_.lock()) planner->onBatchCompleted(event.batchInfo);
  }

 private:
  std::weak_ptr<DirectKafkaPlanner> planner_;
};

/// Spark's DirectKafkaInputDStream.
template <class K, class V>
class DirectKafkaInputNode final : public DStreamNode<ConsumerRecord<K, V>>, public InputNodeBase {
 public:
  using Record = ConsumerRecord<K, V>;

  DirectKafkaInputNode(StreamingContext& ssc, std::shared_ptr<DirectKafkaPlanner> planner)
      : DStreamNode<Record>(ssc, {}, "DirectKafkaInputDStream"), planner_(std::move(planner)) {}

  const std::shared_ptr<DirectKafkaPlanner>& planner() const { return planner_; }

  void startInput() override { planner_->start(inputStreamId()); }
  void stopInput() override { planner_->stop(); }
  std::string paramsToString() const override { return planner_->spec().describe(); }
  /// What it reads is not the graph's shape: a restarted program may name other brokers.
  std::string shapeParams() const override { return {}; }
  std::unique_ptr<NodeStateBase> makeState(Time zero_time, Duration remember,
                                           StorageLevel level) const override {
    return std::make_unique<KafkaInputState<Record>>(zero_time, remember, level, planner_);
  }

 protected:
  std::optional<Rdd<Record>> compute(Time time) override {
    PlannedBatch batch = planner_->plan(time);
    if (!batch.replanned) {
      this->core().reportInputProblems(
          time, inputStreamId(),
          "DirectKafka stream [" + std::to_string(inputStreamId()) + "] " + paramsToString(),
          batch.problems);
    }
    this->core().reportInputInfo(
        time, StreamInputInfo{inputStreamId(), batch.records, std::move(batch.description)});
    return Rdd<Record>(std::make_shared<KafkaRddNode<K, V>>(
        this->context().sparkContext().state(), planner_->executorParams(), std::move(batch.ranges),
        planner_->pollTimeoutMs()));
  }

  void forgetBefore(Time threshold) override {
    DStreamNode<Record>::forgetBefore(threshold);
    planner_->forgetBefore(threshold);
  }

 private:
  std::shared_ptr<DirectKafkaPlanner> planner_;
};

}  // namespace detail

/// The stream createDirectStream returns: a DStream of ConsumerRecord<K, V> that can also commit
/// offsets to Kafka (Spark's CanCommitOffsets).
template <class K, class V>
class DirectKafkaStream : public DStream<ConsumerRecord<K, V>> {
 public:
  explicit DirectKafkaStream(std::shared_ptr<detail::DirectKafkaInputNode<K, V>> node)
      : DStream<ConsumerRecord<K, V>>(node), planner_(node->planner()) {}

  /// Queues a commit of each range's untilOffset for the stream's group.id; it is sent when the
  /// next batch is generated (as Spark does), and `callback` runs once Kafka answered. Call it
  /// after the batch's outputs are done: Kafka then holds an at-least-once position. Throws
  /// IllegalStateError when kafkaParams have no group.id.
  void commitAsync(const std::vector<OffsetRange>& offsetRanges,
                   OffsetCommitCallback callback = {}) const {
    planner_->commitAsync(offsetRanges, std::move(callback));
  }
  /// Backpressure's latest rate estimate for the stream (records/s), -1 before one.
  std::int64_t latestRate() const { return planner_->latestRate(); }
  /// Where the next new batch starts, by partition.
  std::map<TopicPartition, std::int64_t> positions() const { return planner_->positions(); }

 private:
  std::shared_ptr<detail::DirectKafkaPlanner> planner_;
};

namespace KafkaUtils {

/// Spark's KafkaUtils.createDirectStream: an input stream with one RDD partition per
/// topic-partition per batch; each batch's ranges run from the previous batch's end to the
/// latest offsets when the batch is generated (limited by spark.streaming.kafka.
/// maxRatePerPartition and backpressure), and are read when its jobs run. Keys and values are
/// read by KafkaDeserializer<K> and KafkaDeserializer<V>. Throws IllegalArgumentError for bad
/// kafkaParams (naming the parameter), an empty topic list or a pattern that is not a regex,
/// IllegalStateError once the context started.
template <class K, class V>
DirectKafkaStream<K, V> createDirectStream(StreamingContext& ssc,
                                           const LocationStrategy& locationStrategy,
                                           const ConsumerStrategy<K, V>& consumerStrategy) {
  (void)locationStrategy;  // one process: every task is local to every broker alike
  auto planner = std::make_shared<detail::DirectKafkaPlanner>(consumerStrategy.spec(), ssc.conf(),
                                                              ssc.batchDuration());
  auto node = std::make_shared<detail::DirectKafkaInputNode<K, V>>(ssc, planner);
  ssc.core().addInputStream(node, node.get());
  ssc.addStreamingListener(std::make_shared<detail::DirectKafkaRateListener>(planner));
  return DirectKafkaStream<K, V>(std::move(node));
}

}  // namespace KafkaUtils

}  // namespace ember
