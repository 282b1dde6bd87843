#pragma once

// OffsetRange (Spark's kafka010 OffsetRange): the records of one topic-partition that one
// partition of a Kafka RDD reads.

#include <cstdint>
#include <string>
#include <vector>

#include "ember/io/kafka/consumer_record.hpp"

namespace ember {

/// The offsets [fromOffset, untilOffset) of one topic-partition.
struct OffsetRange {
  std::string topic;
  int partition = 0;
  std::int64_t fromOffset = 0;   // inclusive
  std::int64_t untilOffset = 0;  // exclusive

  /// Spark's OffsetRange.create. Throws IllegalArgumentError when fromOffset > untilOffset,
  /// fromOffset < 0 or partition < 0.
  static OffsetRange create(std::string topic, int partition, std::int64_t fromOffset,
                            std::int64_t untilOffset);

  TopicPartition topicPartition() const { return {topic, partition}; }
  /// The number of offsets in the range (records, unless a compaction or transaction markers
  /// left gaps).
  std::int64_t count() const { return untilOffset - fromOffset; }
  /// "OffsetRange(topic: 't', partition: 0, range: [1 -> 5])", as Spark prints it.
  std::string toString() const;

  bool operator==(const OffsetRange&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(topic, partition, fromOffset, untilOffset);
  }
};

/// Spark's HasOffsetRanges: what a Kafka RDD reads, one range per partition in partition order.
class HasOffsetRanges {
 public:
  virtual ~HasOffsetRanges() = default;
  virtual const std::vector<OffsetRange>& offsetRanges() const = 0;
};

}  // namespace ember
