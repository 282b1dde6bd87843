#pragma once

// KafkaSink: writes a batch's records to Kafka with librdkafka's idempotent producer, flushed
// before the batch's output returns; with transactional.id, the records and the consumed offsets
// in one Kafka transaction per batch.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/rdd.hpp"
#include "ember/io/kafka/kafka_params.hpp"
#include "ember/io/kafka/offset_range.hpp"

namespace ember {

/// One record for the sink: key (absent: Kafka's null key) and value bytes, and the partition
/// (-1: the producer's partitioner, by key).
struct ProducerRecord {
  std::string topic;
  std::optional<std::string> key;
  std::string value;
  int partition = -1;
};

/// A Kafka producer for outputs. Thread-safe: the tasks of a batch send through one sink.
/// enable.idempotence is on unless kafkaParams say otherwise, so a retried send is written once.
/// With transactional.id in kafkaParams the sink is transactional: writeBatch() puts a batch's
/// records and the offsets it consumed in one transaction (Kafka's read-process-write
/// exactly-once).
class KafkaSink {
 public:
  /// Connects and, when transactional, initializes the transactions (fencing an older producer
  /// of the same transactional.id). Throws IllegalArgumentError for kafkaParams librdkafka
  /// refuses (naming the parameter) or without bootstrap.servers, KafkaError when the
  /// transaction coordinator does not answer within `timeout_ms`.
  explicit KafkaSink(const KafkaParams& kafkaParams, std::int64_t timeout_ms = 30'000);
  ~KafkaSink();
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  bool transactional() const;
  /// Queues one record. Throws KafkaError when librdkafka refuses it (unknown topic, too large).
  void send(const ProducerRecord& record);
  /// Waits until every record sent was acknowledged. Throws KafkaError naming the first failed
  /// delivery since the last flush, or when `timeout_ms` passed.
  void flush();

  /// Transactions (transactional sinks only; IllegalStateError otherwise).
  void beginTransaction();
  /// Adds the consumed offsets (each range's untilOffset) of `groupId` to the transaction.
  void sendOffsetsToTransaction(const std::vector<OffsetRange>& offsetRanges,
                                const std::string& groupId);
  /// Throws KafkaError when the commit failed (the transaction is aborted then).
  void commitTransaction();
  void abortTransaction();

  /// Writes every element of `rdd` as the record `toRecord(element)` gives, one task per
  /// partition, and returns once all are acknowledged. Transactional: in one transaction with
  /// `consumed` (the batch's offset ranges) committed for `groupId`, aborted if anything throws.
  /// Throws what the tasks throw (TaskFailedError) and what flush() and the transaction throw.
  template <class T, class F>
  void writeBatch(const Rdd<T>& rdd, F toRecord, const std::vector<OffsetRange>& consumed = {},
                  const std::string& groupId = {}) {
    auto write = [&] {
      rdd.foreachPartition([this, &toRecord](std::vector<T>& partition) {
        for (auto& element : partition) send(toRecord(element));
      });
      flush();
    };
    if (!transactional()) {
      write();
      return;
    }
    beginTransaction();
    try {
      write();
      if (!consumed.empty()) sendOffsetsToTransaction(consumed, groupId);
      commitTransaction();
    } catch (...) {
      abortTransaction();
      throw;
    }
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember
