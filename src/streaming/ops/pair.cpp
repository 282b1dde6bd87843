#include "ember/streaming/ops/pair.hpp"

namespace ember::detail {

int streamingPartitions(const char* operation, std::optional<int> numPartitions,
                        StreamingContext& ssc) {
  if (numPartitions) return checkPartitions(operation, *numPartitions);
  return ssc.sparkContext().defaultParallelism();
}

}  // namespace ember::detail
