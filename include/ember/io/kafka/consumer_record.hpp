#pragma once

// The records a Kafka stream carries: Kafka's ConsumerRecord, with the key and value already
// deserialized, and TopicPartition.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ember {

/// A partition of a topic (Kafka's TopicPartition).
struct TopicPartition {
  std::string topic;
  int partition = 0;

  auto operator<=>(const TopicPartition&) const = default;
  /// "topic-partition", as Kafka prints it.
  std::string toString() const { return topic + "-" + std::to_string(partition); }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(topic, partition);
  }
};

/// Kafka's TimestampType.
enum class TimestampType { NO_TIMESTAMP_TYPE, CREATE_TIME, LOG_APPEND_TIME };

/// One record header; a header without a value (Kafka's null) has no `value`.
struct KafkaHeader {
  std::string key;
  std::optional<std::string> value;

  bool operator==(const KafkaHeader&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(key, value);
  }
};

/// A record read from Kafka (Kafka's ConsumerRecord<K, V>): where it was (topic, partition,
/// offset), its timestamp, headers, and key and value deserialized by the stream's deserializers.
/// A record without a key (Kafka's null key) has hasKey() false and a default-constructed key();
/// likewise a tombstone's value.
template <class K, class V>
class ConsumerRecord {
 public:
  ConsumerRecord() = default;
  ConsumerRecord(std::string topic, int partition, std::int64_t offset, std::int64_t timestamp,
                 TimestampType timestamp_type, std::optional<K> key, std::optional<V> value,
                 std::vector<KafkaHeader> headers = {})
      : topic_(std::move(topic)),
        partition_(partition),
        offset_(offset),
        timestamp_(timestamp),
        timestamp_type_(timestamp_type),
        has_key_(key.has_value()),
        has_value_(value.has_value()),
        key_(key ? std::move(*key) : K{}),
        value_(value ? std::move(*value) : V{}),
        headers_(std::move(headers)) {}

  const std::string& topic() const { return topic_; }
  int partition() const { return partition_; }
  std::int64_t offset() const { return offset_; }
  /// Milliseconds since the epoch; -1 when the record has none.
  std::int64_t timestamp() const { return timestamp_; }
  TimestampType timestampType() const { return timestamp_type_; }
  bool hasKey() const { return has_key_; }
  const K& key() const { return key_; }
  bool hasValue() const { return has_value_; }
  const V& value() const { return value_; }
  const std::vector<KafkaHeader>& headers() const { return headers_; }
  TopicPartition topicPartition() const { return {topic_, partition_}; }

  bool operator==(const ConsumerRecord&) const = default;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(topic_, partition_, offset_, timestamp_, timestamp_type_, has_key_, has_value_, key_, value_,
       headers_);
  }

 private:
  std::string topic_;
  int partition_ = 0;
  std::int64_t offset_ = -1;
  std::int64_t timestamp_ = -1;
  TimestampType timestamp_type_ = TimestampType::NO_TIMESTAMP_TYPE;
  bool has_key_ = false;
  bool has_value_ = false;
  K key_{};
  V value_{};
  std::vector<KafkaHeader> headers_;
};

}  // namespace ember
