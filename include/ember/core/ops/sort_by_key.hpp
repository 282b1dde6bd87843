#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "ember/core/partitioner.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

/// A range-partitioned shuffle's reduce partition, sorted by key (Spark's ShuffledRDD with a key
/// ordering).
template <class K, class V>
class SortedNode final : public RddNode<std::pair<K, V>> {
 public:
  SortedNode(std::shared_ptr<ShuffleDependency<K, V>> dep, bool ascending)
      : RddNode<std::pair<K, V>>(dep->parent()->engineState(), dep->numReducePartitions(), {},
                                 {dep}),
        dep_(std::move(dep)),
        ascending_(ascending) {}

  void compute(const TaskContext&, int partition, ChunkSink<std::pair<K, V>>& out) const override {
    std::vector<std::pair<K, V>> data;
    VectorSink<std::pair<K, V>> sink(data);
    dep_->read(partition, sink);
    if (ascending_) {
      std::stable_sort(data.begin(), data.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    } else {
      std::stable_sort(data.begin(), data.end(),
                       [](const auto& a, const auto& b) { return b.first < a.first; });
    }
    pushOwned(std::move(data), out);
  }
  std::string name() const override { return "ShuffledRDD"; }
  std::string paramsToString() const override { return "sortByKey"; }

 private:
  std::shared_ptr<ShuffleDependency<K, V>> dep_;
  bool ascending_;
};

/// Bounds for `partitions` ranges from a sample of the keys: up to 20 keys per output partition
/// drawn from every input partition by reservoir sampling with a fixed seed (so runs agree),
/// sorted, and cut evenly (Spark's RangePartitioner, without its re-sampling of skewed inputs).
template <class K, class V>
std::vector<K> sampleBounds(const std::shared_ptr<RddNode<std::pair<K, V>>>& parent, int partitions,
                            bool ascending) {
  if (partitions <= 1 || parent->numPartitions() == 0) return {};
  std::size_t per_partition = static_cast<std::size_t>(
      (20.0 * partitions * 3 + parent->numPartitions() - 1) / parent->numPartitions());
  std::vector<std::vector<K>> samples(parent->numPartitions());
  std::vector<int> all(parent->numPartitions());
  for (int i = 0; i < parent->numPartitions(); ++i) all[i] = i;
  runJob(parent, all, [&](const TaskContext& ctx, int p) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(p) * 0x9e3779b97f4a7c15ULL + 1);
    std::vector<K>& reservoir = samples[p];
    std::uint64_t seen = 0;
    auto each = [&](std::pair<K, V>& x) {
      if (reservoir.size() < per_partition) {
        reservoir.push_back(x.first);
      } else {
        std::uint64_t j = rng() % (seen + 1);
        if (j < per_partition) reservoir[j] = x.first;
      }
      ++seen;
    };
    auto sink = makeEachSink<std::pair<K, V>>(each);
    parent->iterate(ctx, p, sink);
  });
  std::vector<K> keys;
  for (auto& s : samples) keys.insert(keys.end(), s.begin(), s.end());
  if (keys.empty()) return {};
  if (ascending) {
    std::sort(keys.begin(), keys.end());
  } else {
    std::sort(keys.begin(), keys.end(), std::greater<>{});
  }
  std::vector<K> bounds;
  for (int i = 1; i < partitions; ++i) {
    const K& candidate = keys[keys.size() * static_cast<std::size_t>(i) / partitions];
    if (bounds.empty() || bounds.back() < candidate || candidate < bounds.back()) {
      bounds.push_back(candidate);
    }
  }
  return bounds;
}

}  // namespace detail

template <class T>
auto Rdd<T>::sortByKey(bool ascending, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "sortByKey");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  int partitions =
      numPartitions ? detail::checkPartitions("sortByKey", *numPartitions) : getNumPartitions();
  using Part = RangePartitioner<K>;
  Part part{detail::sampleBounds<K, V>(node_, partitions, ascending), ascending};
  int reducers = part.numPartitions();
  auto dep = std::make_shared<detail::PlainShuffle<K, V, Part>>(node_, std::move(part), reducers,
                                                                node_->engine().newShuffleId());
  return Rdd<T>(std::make_shared<detail::SortedNode<K, V>>(std::move(dep), ascending));
}

}  // namespace ember
