#pragma once

// kafkaParams: Kafka's own configuration names, passed to librdkafka, and the errors of the
// Kafka layer.

#include <map>
#include <string>

#include "ember/core/error.hpp"

namespace ember {

/// Kafka configuration by Kafka's own names ("bootstrap.servers", "group.id",
/// "auto.offset.reset", ...), handed to librdkafka, whose names are Kafka's for every setting
/// both know. Java class names (key.deserializer, value.deserializer, key.serializer,
/// value.serializer) are accepted and ignored: in C++ the types choose the (de)serializers.
using KafkaParams = std::map<std::string, std::string>;

/// Kafka could not do what was asked: a broker unreachable past the deadline, a topic that does
/// not exist, a failed commit or produce. The message names the topic or partition and the
/// cause librdkafka gave.
class KafkaError : public Error {
 public:
  using Error::Error;
};

/// A partition's position is outside the offsets the broker holds and auto.offset.reset is
/// "none" (Kafka's OffsetOutOfRangeException / NoOffsetForPartitionException).
class OffsetOutOfRangeError : public KafkaError {
 public:
  using KafkaError::KafkaError;
};

/// Checks `params` as a consumer's configuration: every name must be one librdkafka knows (or one
/// of the ignored Java names) with a value it accepts, bootstrap.servers must be given, and
/// auto.offset.reset must be earliest, latest or none. Throws IllegalArgumentError naming the
/// parameter, its value and what is allowed.
void checkKafkaParams(const KafkaParams& params, const char* operation);

/// Spark's KafkaUtils.fixKafkaParams: what the consumers that read ranges run with: no automatic
/// commit, no automatic reset (a range out of the broker's offsets is an error), group.id prefixed
/// with "spark-executor-".
KafkaParams executorKafkaParams(const KafkaParams& params);

}  // namespace ember
