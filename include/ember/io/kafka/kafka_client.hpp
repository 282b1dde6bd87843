#pragma once

// What the Kafka templates need of librdkafka, behind ember's own types (the header never
// includes rdkafka.h): the driver's consumer (metadata, offsets, commits) and the reading of one
// offset range by a task.

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/kafka_params.hpp"
#include "ember/io/kafka/offset_range.hpp"

namespace ember {

/// Called once a commitAsync() is done: the offsets committed and nothing, or the offsets and
/// what failed (a KafkaError). Kafka's OffsetCommitCallback.
using OffsetCommitCallback =
    std::function<void(const std::map<TopicPartition, std::int64_t>&, std::exception_ptr)>;

namespace detail {

/// A record as the broker gave it: key and value still bytes (absent for Kafka's null).
struct RawKafkaRecord {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp = -1;
  TimestampType timestampType = TimestampType::NO_TIMESTAMP_TYPE;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<KafkaHeader> headers;
};

/// The offsets a partition's leader holds: [low, high).
struct Watermarks {
  std::int64_t low = 0;
  std::int64_t high = 0;
};

/// What one query of the brokers found: the watermarks of the partitions that answered, and why
/// the others did not.
struct WatermarkQuery {
  std::map<TopicPartition, Watermarks> offsets;
  std::map<TopicPartition, std::string> unavailable;
};

/// The driver's consumer: one librdkafka consumer handle, never subscribed (partitions are
/// listed from metadata every batch, so that partitions added to a topic are seen), used for
/// metadata, offsets and commits. Thread-safe.
class KafkaDriverClient {
 public:
  /// Throws IllegalArgumentError for params librdkafka refuses (naming the parameter).
  KafkaDriverClient(const KafkaParams& params, std::int64_t timeout_ms);
  ~KafkaDriverClient();
  KafkaDriverClient(const KafkaDriverClient&) = delete;
  KafkaDriverClient& operator=(const KafkaDriverClient&) = delete;

  /// Every topic the cluster knows (internal ones, "__...", left out) and its partitions, in
  /// order. Throws KafkaError when no broker answered before the timeout.
  std::map<std::string, std::vector<int>> listTopics();
  /// The partitions of `topic`; nothing when the cluster does not know the topic. Throws
  /// KafkaError when no broker answered before the timeout.
  std::optional<std::vector<TopicPartition>> partitionsOf(const std::string& topic);
  /// The partitions of every topic whose whole name matches `pattern`, internal ones ("__...")
  /// left out. Throws as partitionsOf().
  std::vector<TopicPartition> partitionsMatching(const std::regex& pattern);
  /// Low and high watermarks of `partitions`, asked of their leaders in one round.
  WatermarkQuery watermarks(const std::vector<TopicPartition>& partitions);
  /// The offsets group.id committed for `partitions`; partitions without one are left out.
  /// Throws KafkaError when the group coordinator did not answer, IllegalStateError without a
  /// group.id.
  std::map<TopicPartition, std::int64_t> committed(const std::vector<TopicPartition>& partitions);
  /// Sends a commit of `offsets` for group.id without waiting; `callback` (may be empty) runs in
  /// a later serveCallbacks() or in the destructor. Throws IllegalStateError without a group.id.
  void commitAsync(const std::map<TopicPartition, std::int64_t>& offsets,
                   OffsetCommitCallback callback);
  /// Runs the callbacks of commits that completed.
  void serveCallbacks();
  /// Blocks until every commit sent was answered and its callback ran, or `timeout_ms` passed.
  /// Returns whether none is left.
  bool awaitCommits(std::int64_t timeout_ms);

 private:
  /// listTopics() with the lock held; fills `leaders` (broker id by partition) when given.
  std::map<std::string, std::vector<int>> listTopicsLocked(std::map<TopicPartition, int>* leaders);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads the records of `range` with a consumer configured by `params` (executorKafkaParams()),
/// taken from a process-wide pool of idle consumers and given back after. Stops at the first
/// record at or past untilOffset. Throws OffsetOutOfRangeError when the broker no longer (or
/// not yet) holds fromOffset, KafkaError when the range was not read within `timeout_ms`
/// (spark.streaming.kafka.consumer.poll.ms), IllegalArgumentError for params librdkafka refuses.
std::vector<RawKafkaRecord> fetchRange(const KafkaParams& params, const OffsetRange& range,
                                       std::int64_t timeout_ms);

/// Closes the idle pooled consumers of `params` (a stream that stops, so that none stays
/// connected to its brokers).
void releaseIdleConsumers(const KafkaParams& params);

/// Throws IllegalArgumentError when librdkafka refuses a consumer configuration of `params`
/// (the message names the parameter and librdkafka's reason).
void checkConsumerConfig(const KafkaParams& params, const char* operation);

}  // namespace detail
}  // namespace ember
