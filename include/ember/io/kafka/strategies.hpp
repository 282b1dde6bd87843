#pragma once

// Spark's ConsumerStrategies (which partitions a direct stream reads and from where) and
// LocationStrategies (where its tasks run).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/io/kafka/consumer_record.hpp"
#include "ember/io/kafka/kafka_params.hpp"

namespace ember {

namespace detail {

/// What a consumer strategy is, whatever the record type.
struct ConsumerStrategySpec {
  enum class Kind { kSubscribe, kSubscribePattern, kAssign };
  Kind kind = Kind::kSubscribe;
  std::vector<std::string> topics;         // kSubscribe
  std::string pattern;                     // kSubscribePattern (ECMAScript, whole name)
  std::vector<TopicPartition> partitions;  // kAssign
  KafkaParams params;
  std::map<TopicPartition, std::int64_t> offsets;  // starting offsets given by the program

  /// "Subscribe(a, b)", "SubscribePattern(t.*)", "Assign(a-0, a-1)".
  std::string describe() const;
};

}  // namespace detail

/// How a direct stream chooses its partitions (Spark's ConsumerStrategy[K, V]).
template <class K, class V>
class ConsumerStrategy {
 public:
  explicit ConsumerStrategy(detail::ConsumerStrategySpec spec) : spec_(std::move(spec)) {}
  const detail::ConsumerStrategySpec& spec() const { return spec_; }

 private:
  detail::ConsumerStrategySpec spec_;
};

namespace ConsumerStrategies {

/// Every partition of `topics`, as the cluster has them at each batch (partitions added later
/// and topics created later are picked up). Starting offsets: `offsets` where given, else the
/// group's committed offset (with a group.id), else auto.offset.reset (default latest).
template <class K, class V>
ConsumerStrategy<K, V> Subscribe(std::vector<std::string> topics, KafkaParams kafkaParams,
                                 std::map<TopicPartition, std::int64_t> offsets = {}) {
  detail::ConsumerStrategySpec spec;
  spec.kind = detail::ConsumerStrategySpec::Kind::kSubscribe;
  spec.topics = std::move(topics);
  spec.params = std::move(kafkaParams);
  spec.offsets = std::move(offsets);
  return ConsumerStrategy<K, V>(std::move(spec));
}

/// Every partition of every topic whose whole name matches `pattern` (std::regex, ECMAScript),
/// checked at each batch. Starting offsets as Subscribe.
template <class K, class V>
ConsumerStrategy<K, V> SubscribePattern(std::string pattern, KafkaParams kafkaParams,
                                        std::map<TopicPartition, std::int64_t> offsets = {}) {
  detail::ConsumerStrategySpec spec;
  spec.kind = detail::ConsumerStrategySpec::Kind::kSubscribePattern;
  spec.pattern = std::move(pattern);
  spec.params = std::move(kafkaParams);
  spec.offsets = std::move(offsets);
  return ConsumerStrategy<K, V>(std::move(spec));
}

/// Exactly `partitions`; each must exist when the stream starts. Starting offsets as Subscribe.
template <class K, class V>
ConsumerStrategy<K, V> Assign(std::vector<TopicPartition> partitions, KafkaParams kafkaParams,
                              std::map<TopicPartition, std::int64_t> offsets = {}) {
  detail::ConsumerStrategySpec spec;
  spec.kind = detail::ConsumerStrategySpec::Kind::kAssign;
  spec.partitions = std::move(partitions);
  spec.params = std::move(kafkaParams);
  spec.offsets = std::move(offsets);
  return ConsumerStrategy<K, V>(std::move(spec));
}

}  // namespace ConsumerStrategies

/// Where the tasks of a Kafka RDD run (Spark's LocationStrategy). ember runs every task in its
/// one process, so the three are accepted for the same programs and place tasks alike.
struct LocationStrategy {
  enum class Kind { kPreferConsistent, kPreferBrokers, kPreferFixed };
  Kind kind = Kind::kPreferConsistent;
  std::map<TopicPartition, std::string> hosts;  // kPreferFixed
};

namespace LocationStrategies {
inline LocationStrategy PreferConsistent() {
  return {};
}
inline LocationStrategy PreferBrokers() {
  return {LocationStrategy::Kind::kPreferBrokers, {}};
}
inline LocationStrategy PreferFixed(std::map<TopicPartition, std::string> hostMap) {
  return {LocationStrategy::Kind::kPreferFixed, std::move(hostMap)};
}
}  // namespace LocationStrategies

}  // namespace ember
