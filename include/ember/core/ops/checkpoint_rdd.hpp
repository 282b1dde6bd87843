#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ember/core/rdd.hpp"

namespace ember::detail {

/// A dataset read back from saved partitions (Spark's ReliableCheckpointRDD): partition i holds
/// `partitions[i]`, and it has no lineage. Streams restore the RDDs they remembered with it.
template <class T>
class CheckpointRddNode final : public RddNode<T> {
 public:
  CheckpointRddNode(std::shared_ptr<EngineState> engine, std::vector<std::vector<T>> partitions)
      : RddNode<T>(std::move(engine), static_cast<int>(partitions.size()), {}),
        partitions_(std::move(partitions)) {}

  void compute(const TaskContext&, int partition, ChunkSink<T>& out) const override {
    const auto& data = partitions_[static_cast<std::size_t>(partition)];
    pushCopies(data, 0, data.size(), out);
  }
  std::string name() const override { return "CheckpointRDD"; }

 private:
  std::vector<std::vector<T>> partitions_;
};

}  // namespace ember::detail
