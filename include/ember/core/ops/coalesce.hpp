#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "ember/core/ops/map.hpp"
#include "ember/core/ops/pair_functions.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

/// Groups parent partitions into fewer partitions without a shuffle: partition i reads parents
/// [i*P/n, (i+1)*P/n), as Spark's coalescer does when partitions have no preferred locations.
template <class T>
class CoalescedNode final : public RddNode<T> {
 public:
  CoalescedNode(std::shared_ptr<RddNode<T>> parent, int partitions)
      : RddNode<T>(parent->engineState(), partitions, {parent}), parent_(std::move(parent)) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<T>& out) const override {
    auto parents = static_cast<std::int64_t>(parent_->numPartitions());
    auto n = static_cast<std::int64_t>(this->numPartitions());
    auto begin = static_cast<int>(partition * parents / n);
    auto end = static_cast<int>((partition + 1) * parents / n);
    for (int p = begin; p < end; ++p) parent_->iterate(ctx, p, out);
  }
  std::string name() const override { return "CoalescedRDD"; }

 private:
  std::shared_ptr<RddNode<T>> parent_;
};

/// The first value java.util.Random(seed).nextInt(bound) returns; repartition uses it, as Spark
/// does, to pick where each partition starts dealing its elements out.
int javaRandomNextInt(std::int64_t seed, int bound);
/// scala.util.hashing.byteswap32.
int byteswap32(int v);

/// Keys by a stable position integer's partition directly, so the identity partitioner below
/// reproduces Spark's HashPartitioner on Int keys (nonNegativeMod of the key).
struct PositionPartitioner {
  int numPartitions = 1;
  int operator()(int key) const {
    int m = key % numPartitions;
    return m < 0 ? m + numPartitions : m;
  }
};

}  // namespace detail

template <class T>
Rdd<T> Rdd<T>::coalesce(int numPartitions, bool shuffle) const {
  detail::checkPartitions("coalesce", numPartitions);
  if (shuffle) {
    int n = numPartitions;
    auto keyed = mapPartitionsWithIndex([n](int index, std::vector<T>&& data) {
      int position = detail::javaRandomNextInt(detail::byteswap32(index), n);
      std::vector<std::pair<int, T>> out;
      out.reserve(data.size());
      for (auto& x : data) out.emplace_back(++position, std::move(x));
      return out;
    });
    using Part = detail::PositionPartitioner;
    auto dep = std::make_shared<detail::PlainShuffle<int, T, Part>>(keyed.node(), Part{n}, n,
                                                                    node_->engine().newShuffleId());
    return Rdd<std::pair<int, T>>(
               std::make_shared<detail::ShuffledNode<int, T>>(std::move(dep), "repartition"))
        .values();
  }
  if (numPartitions >= getNumPartitions()) return *this;
  return Rdd<T>(std::make_shared<detail::CoalescedNode<T>>(node_, numPartitions));
}

template <class T>
Rdd<T> Rdd<T>::repartition(int numPartitions) const {
  // Checked here too, so that the error names the operation the caller used.
  detail::checkPartitions("repartition", numPartitions);
  return coalesce(numPartitions, true);
}

}  // namespace ember
