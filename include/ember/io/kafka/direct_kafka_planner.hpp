#pragma once

// The part of a direct Kafka stream that does not depend on the record type: which offsets each
// batch reads, where the stream is (saved in checkpoints), rate limits, commits.

#include <cereal/archives/binary.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/io/kafka/kafka_client.hpp"
#include "ember/io/kafka/offset_range.hpp"
#include "ember/io/kafka/strategies.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"

namespace ember::detail {

class RateEstimator;

/// One batch of a direct stream: a range per known partition (empty ones included), in
/// partition order, the input description ("topic: T partition: P offsets: A to B count: N" per
/// non-empty range, and the partitions whose offsets could not be asked) and the record count.
struct PlannedBatch {
  std::vector<OffsetRange> ranges;
  std::string description;
  std::int64_t records = 0;
  std::string problems;    // what could not be reached (also in the description); empty: none
  bool replanned = false;  // ranges planned before (a restart's): nothing was asked of Kafka
};

/// Spark's maxMessagesPerPartition: the most records each partition may give one batch. `lags`
/// are each partition's latest offset minus its position; `rate` the estimated rate of the stream
/// (records/s, backpressure) or <= 0 for none; `max_rate` spark.streaming.kafka.
/// maxRatePerPartition (0: none); `min_rate` minRatePerPartition. With an estimate, the rate is
/// split by lag and capped by max_rate; every limit is at least min_rate per second of batch.
/// Nothing when no limit applies.
std::optional<std::map<TopicPartition, std::int64_t>> maxMessagesPerPartition(
    const std::map<TopicPartition, std::int64_t>& lags, double rate, std::int64_t max_rate,
    std::int64_t min_rate, std::int64_t batch_ms);

/// Plans the batches of one direct stream. Thread-safe: the job generator plans, the job threads
/// queue commits and forget old batches, the checkpoint threads save, the listener bus reports
/// completed batches.
class DirectKafkaPlanner {
 public:
  /// Throws IllegalArgumentError for bad kafkaParams or configuration (naming them).
  DirectKafkaPlanner(ConsumerStrategySpec spec, const Conf& conf, Duration batch);
  ~DirectKafkaPlanner();
  DirectKafkaPlanner(const DirectKafkaPlanner&) = delete;
  DirectKafkaPlanner& operator=(const DirectKafkaPlanner&) = delete;

  const ConsumerStrategySpec& spec() const { return spec_; }
  const KafkaParams& executorParams() const { return executor_params_; }
  std::int64_t pollTimeoutMs() const { return poll_timeout_ms_; }

  /// Connects and finds the starting offsets of the partitions it can (Spark's
  /// ConsumerStrategy.onStart); the others are found at the first batch that reaches them.
  /// Throws KafkaError when an assigned partition does not exist, OffsetOutOfRangeError for a
  /// partition without a committed offset when auto.offset.reset is none.
  void start(int input_stream_id);
  /// Sends the queued commits, waits for them (up to the timeout) and disconnects.
  void stop();

  /// The ranges of batch `time`: the same again for a batch planned before (kept for
  /// spark.streaming.minRememberDuration past forgetBefore, and restored by a checkpoint), else
  /// from the positions to the latest offsets (rate-limited), after which the positions move
  /// there. Throws IllegalStateError for a time before the newest planned whose ranges were
  /// forgotten, OffsetOutOfRangeError (auto.offset.reset none and a position the brokers do not
  /// hold).
  PlannedBatch plan(Time time);
  /// Forgets the ranges of batches at or before `threshold` minus
  /// spark.streaming.minRememberDuration (60 s); the newest is always kept.
  void forgetBefore(Time threshold);

  /// Queues `ranges`' untilOffsets for a commit to group.id at the next batch (Spark's
  /// CanCommitOffsets.commitAsync). Throws IllegalStateError without a group.id.
  void commitAsync(const std::vector<OffsetRange>& ranges, OffsetCommitCallback callback);

  /// Feeds backpressure's estimator with a completed batch of this stream.
  void onBatchCompleted(const BatchInfo& info);
  /// Backpressure's last estimate (records/s), -1 before one or without backpressure.
  std::int64_t latestRate() const;
  /// The positions: where the next new batch starts, by partition.
  std::map<TopicPartition, std::int64_t> positions() const;

  /// Writes the positions and the ranges of the batches not forgotten.
  void save(cereal::BinaryOutputArchive& ar) const;
  /// Replaces them by what save() wrote; the batches it names get their ranges back. Throws
  /// SerializationError for other bytes.
  void load(cereal::BinaryInputArchive& ar);

 private:
  struct Commit {
    std::map<TopicPartition, std::int64_t> offsets;
    OffsetCommitCallback callback;
  };
  /// The strategy's partitions now, sorted; `notes` gets what the description should say.
  std::vector<TopicPartition> currentPartitions(std::string& notes);
  std::vector<TopicPartition> listPartitions(std::string& notes);
  std::optional<std::int64_t> startingOffset(
      const TopicPartition& tp, const Watermarks& w,
      const std::map<TopicPartition, std::int64_t>& committed);
  PlannedBatch describe(std::vector<OffsetRange> ranges, std::string notes) const;
  void sendCommits();

  const ConsumerStrategySpec spec_;
  const KafkaParams executor_params_;
  const std::int64_t batch_ms_;
  const std::int64_t query_timeout_ms_;
  const std::int64_t poll_timeout_ms_;
  const std::int64_t max_rate_;
  const std::int64_t min_rate_;
  const bool backpressure_;
  const std::int64_t initial_rate_;
  const std::int64_t remember_window_ms_;  // how much longer than forgetBefore ranges are kept
  std::string reset_;                      // earliest, latest or none
  std::unique_ptr<RateEstimator> estimator_;
  int input_stream_id_ = -1;

  std::mutex plan_mutex_;  // start(), plan() and stop() one at a time: stop() ends the client
  bool stopped_ = false;   // guarded by plan_mutex_
  std::unique_ptr<KafkaDriverClient> client_;  // guarded by plan_mutex_
  mutable std::mutex mutex_;
  std::map<TopicPartition, std::int64_t> positions_;  // guarded by mutex_
  std::map<Time, std::vector<OffsetRange>> ranges_;   // guarded by mutex_
  std::vector<Commit> commits_;                       // guarded by mutex_
  std::int64_t latest_rate_ = -1;                     // guarded by mutex_
  std::set<TopicPartition> reported_unavailable_;     // the planning thread's
};

}  // namespace ember::detail
