#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "ember/core/partitioner.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

/// Groups the records of a plain shuffle's reduce partition by key, values in arrival order
/// (Spark's groupByKey does not combine on the map side: it would not shrink the data).
template <class K, class V>
class GroupedNode final : public RddNode<std::pair<K, std::vector<V>>> {
 public:
  GroupedNode(std::shared_ptr<ShuffleDependency<K, V>> dep)
      : RddNode<std::pair<K, std::vector<V>>>(dep->parent()->engineState(),
                                              dep->numReducePartitions(), {}, {dep}),
        dep_(std::move(dep)) {}

  void compute(const TaskContext&, int partition,
               ChunkSink<std::pair<K, std::vector<V>>>& out) const override {
    KeyMap<K, std::vector<V>> groups;
    auto each = [&](std::pair<K, V>& x) {
      groups[std::move(x.first)].push_back(std::move(x.second));
    };
    auto sink = makeEachSink<std::pair<K, V>>(each);
    dep_->read(partition, sink);
    ChunkWriter<std::pair<K, std::vector<V>>> writer(out);
    for (auto& kv : groups) writer.emplace(std::move(kv.first), std::move(kv.second));
    writer.flush();
  }
  std::string name() const override { return "ShuffledRDD"; }
  std::string paramsToString() const override { return "groupByKey"; }

 private:
  std::shared_ptr<ShuffleDependency<K, V>> dep_;
};

template <class K, class V>
std::shared_ptr<ShuffleDependency<K, V>> plainHashShuffle(
    const std::shared_ptr<RddNode<std::pair<K, V>>>& parent, int partitions) {
  using Part = HashPartitioner<K>;
  return std::make_shared<PlainShuffle<K, V, Part>>(parent, Part{std::max(1, partitions)},
                                                    partitions, parent->engine().newShuffleId());
}

}  // namespace detail

template <class T>
auto Rdd<T>::groupByKey(std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "groupByKey");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  int partitions =
      detail::resolvePartitions("groupByKey", numPartitions, node_->engine(), {getNumPartitions()});
  return Rdd<std::pair<K, std::vector<V>>>(std::make_shared<detail::GroupedNode<K, V>>(
      detail::plainHashShuffle<K, V>(node_, partitions)));
}

template <class T>
auto Rdd<T>::partitionBy(int numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "partitionBy");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  detail::checkPartitions("partitionBy", numPartitions);
  return Rdd<T>(std::make_shared<detail::ShuffledNode<K, V>>(
      detail::plainHashShuffle<K, V>(node_, numPartitions), "partitionBy"));
}

}  // namespace ember
