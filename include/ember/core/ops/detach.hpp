#pragma once

#include <optional>
#include <string>

#include "ember/core/error.hpp"
#include "ember/core/rdd.hpp"

namespace ember::detail {

/// A dataset with no lineage whose partitions are blocks it took over from a fully cached
/// dataset (Spark's LocalCheckpointRDD). Streams whose every RDD is built from the previous one
/// (state, incremental windows) cut their lineage with it, so that it does not grow with every
/// batch and keep every earlier batch's shuffle outputs alive.
template <class T>
class DetachedNode final : public RddNode<T> {
 public:
  DetachedNode(std::shared_ptr<EngineState> engine, int num_partitions, int original_id)
      : RddNode<T>(std::move(engine), num_partitions, {}), original_id_(original_id) {}

  std::string name() const override { return "LocalCheckpointRDD"; }

  /// Only reached when a block is gone, which the block store never does on its own: blocks
  /// are dropped by unpersist, and a dropped detached dataset cannot be rebuilt.
  void compute(const TaskContext&, int partition, ChunkSink<T>&) const override {
    throw IllegalStateError("partition " + std::to_string(partition) + " of dataset " +
                            std::to_string(this->id()) + " (cut from the lineage of dataset " +
                            std::to_string(original_id_) +
                            ") is no longer stored and has no lineage to recompute it from; it "
                            "was unpersisted while still in use");
  }

 private:
  int original_id_;
};

/// When every partition of `rdd` is in the block store, a dataset with the same partitions and
/// storage level that owns those blocks and has no parents; otherwise nothing (and `rdd` is left
/// as it was). `rdd` stays valid: if it is read again it recomputes from its own lineage.
template <class T>
std::optional<Rdd<T>> detachCached(const Rdd<T>& rdd) {
  const auto& node = rdd.node();
  StorageLevel level = node->storageLevel();
  if (!level.isValid()) return std::nullopt;
  auto detached =
      std::make_shared<DetachedNode<T>>(node->engineState(), node->numPartitions(), node->id());
  if (!node->engine().blocks().moveRdd(node->id(), detached->id(), node->numPartitions())) {
    return std::nullopt;
  }
  detached->setStorageLevel(level);
  return Rdd<T>(std::move(detached));
}

}  // namespace ember::detail
