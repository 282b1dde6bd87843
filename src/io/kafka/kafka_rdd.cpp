#include "ember/io/kafka/kafka_rdd.hpp"

#include <algorithm>

namespace ember::detail {

std::int64_t kafkaPollTimeoutMs(const Conf& conf) {
  std::int64_t network = conf.getTimeAsMs("spark.network.timeout", 120'000);
  std::int64_t ms = conf.getLong("spark.streaming.kafka.consumer.poll.ms", network);
  if (ms <= 0) {
    throw IllegalArgumentError("spark.streaming.kafka.consumer.poll.ms must be positive, got " +
                               std::to_string(ms));
  }
  return ms;
}

void checkOffsetRanges(const std::vector<OffsetRange>& ranges, const char* operation) {
  std::vector<OffsetRange> sorted = ranges;
  for (const auto& r : sorted) {
    if (r.partition < 0 || r.fromOffset < 0 || r.fromOffset > r.untilOffset || r.topic.empty()) {
      throw IllegalArgumentError(std::string(operation) + ": " + r.toString() +
                                 " is not a range: a topic, a partition >= 0 and 0 <= fromOffset "
                                 "<= untilOffset are required");
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const OffsetRange& a, const OffsetRange& b) {
    return std::tie(a.topic, a.partition, a.fromOffset) <
           std::tie(b.topic, b.partition, b.fromOffset);
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const auto& a = sorted[i - 1];
    const auto& b = sorted[i];
    if (a.topic == b.topic && a.partition == b.partition && b.fromOffset < a.untilOffset) {
      throw IllegalArgumentError(std::string(operation) + ": " + a.toString() + " and " +
                                 b.toString() + " overlap");
    }
  }
}

}  // namespace ember::detail
