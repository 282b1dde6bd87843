#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "ember/core/partitioner.hpp"
#include "ember/core/pipeline.hpp"
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

/// The plain hash shuffle of a dataset of pairs, or of a chain of them (its steps then run
/// straight into the map side's buckets).
template <class R>
auto plainHashShuffle(const R& rdd, int partitions) {
  using K = KeyOf<typename R::value_type>;
  using V = ValueOf<typename R::value_type>;
  using Part = HashPartitioner<K>;
  using Feed = decltype(feedOf(rdd));
  return std::shared_ptr<ShuffleDependency<K, V>>(std::make_shared<PlainShuffle<K, V, Part, Feed>>(
      rdd.node(), feedOf(rdd), Part{std::max(1, partitions)}, partitions,
      rdd.node()->engine().newShuffleId()));
}

// groupByKey and partitionBy, for Rdd and PipelineRdd alike (R is either).

template <class R>
auto groupByKeyOf(const R& rdd, std::optional<int> numPartitions) {
  using T = typename R::value_type;
  EMBER_REQUIRE_PAIR(T, "groupByKey");
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  int partitions = resolvePartitions("groupByKey", numPartitions, rdd.node()->engine(),
                                     {rdd.getNumPartitions()});
  return Rdd<std::pair<K, std::vector<V>>>(
      std::make_shared<GroupedNode<K, V>>(plainHashShuffle(rdd, partitions)));
}

template <class R>
auto partitionByOf(const R& rdd, int numPartitions) {
  using T = typename R::value_type;
  EMBER_REQUIRE_PAIR(T, "partitionBy");
  checkPartitions("partitionBy", numPartitions);
  return Rdd<T>(std::make_shared<ShuffledNode<KeyOf<T>, ValueOf<T>>>(
      plainHashShuffle(rdd, numPartitions), "partitionBy"));
}

}  // namespace detail

template <class T>
auto Rdd<T>::groupByKey(std::optional<int> numPartitions) const {
  return detail::groupByKeyOf(*this, numPartitions);
}

template <class T>
auto Rdd<T>::partitionBy(int numPartitions) const {
  return detail::partitionByOf(*this, numPartitions);
}

template <class T, class Src, class Step>
auto PipelineRdd<T, Src, Step>::groupByKey(std::optional<int> numPartitions) const {
  return detail::groupByKeyOf(*this, numPartitions);
}

template <class T, class Src, class Step>
auto PipelineRdd<T, Src, Step>::partitionBy(int numPartitions) const {
  return detail::partitionByOf(*this, numPartitions);
}

}  // namespace ember
