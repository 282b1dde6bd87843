#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core/hash.hpp"
#include "ember/core/rdd_node.hpp"

namespace ember::detail {

/// The hash of in-process hash maps. Strings use abseil's hash, the fastest for short keys;
/// its seed differs between processes, which is fine here (only partitioning, by KeyHash,
/// must agree across processes).
template <class K>
struct MapHash : KeyHash<K> {};
template <>
struct MapHash<std::string> {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return absl::Hash<std::string_view>{}(s); }
};

template <class K, class V>
using KeyMap = absl::flat_hash_map<K, V, MapHash<K>>;

/// A shuffle whose reduce side yields pairs (K, C).
template <class K, class C>
class ShuffleDependency : public ShuffleDependencyBase {
 public:
  using ShuffleDependencyBase::ShuffleDependencyBase;
  /// Pushes reduce partition `partition`, after the map stage ran. Leaves the map outputs intact
  /// so the partition can be read again.
  virtual void read(int partition, ChunkSink<std::pair<K, C>>& out) const = 0;
};

/// Records moved unchanged to the partition their key selects (partitionBy, sorts, joins).
template <class K, class V, class Part>
class PlainShuffle final : public ShuffleDependency<K, V> {
 public:
  using Pair = std::pair<K, V>;
  PlainShuffle(std::shared_ptr<RddNode<Pair>> parent, Part partitioner, int num_reduce, int id)
      : ShuffleDependency<K, V>(parent, num_reduce, id),
        parent_(std::move(parent)),
        partitioner_(std::move(partitioner)) {}

  void prepareMapOutputs(int num_maps) override { outputs_.assign(num_maps, {}); }

  void runMapTask(const TaskContext& ctx, int map_partition) override {
    std::vector<std::vector<Pair>> buckets(this->numReducePartitions());
    auto each = [&](Pair& x) { buckets[partitioner_(x.first)].push_back(std::move(x)); };
    auto sink = makeEachSink<Pair>(each);
    parent_->iterate(ctx, map_partition, sink);
    outputs_[map_partition] = std::move(buckets);
  }

  void read(int partition, ChunkSink<Pair>& out) const override {
    for (const auto& map_output : outputs_) {
      if (map_output.empty()) continue;
      const auto& bucket = map_output[partition];
      pushCopies(bucket, 0, bucket.size(), out);
    }
  }

 private:
  std::shared_ptr<RddNode<Pair>> parent_;
  Part partitioner_;
  std::vector<std::vector<std::vector<Pair>>> outputs_;  // [map][reduce]
};

/// Spark's Aggregator: how values become combiners and how combiners merge.
template <class Create, class MergeValue, class MergeCombiners>
struct Aggregator {
  Create createCombiner;
  MergeValue mergeValue;
  MergeCombiners mergeCombiners;
};

/// Records combined by key on the map side in a flat hash map, then merged on the reduce side
/// (reduceByKey, combineByKey, aggregateByKey, foldByKey, distinct).
template <class K, class V, class C, class Agg, class Part>
class CombiningShuffle final : public ShuffleDependency<K, C> {
 public:
  CombiningShuffle(std::shared_ptr<RddNode<std::pair<K, V>>> parent, Agg agg, Part partitioner,
                   int num_reduce, int id)
      : ShuffleDependency<K, C>(parent, num_reduce, id),
        parent_(std::move(parent)),
        agg_(std::move(agg)),
        partitioner_(std::move(partitioner)) {}

  void prepareMapOutputs(int num_maps) override { outputs_.assign(num_maps, {}); }

  void runMapTask(const TaskContext& ctx, int map_partition) override {
    int reducers = this->numReducePartitions();
    CombineSink sink(agg_);
    parent_->iterate(ctx, map_partition, sink);
    // One map for the whole task, split by partition at the end: each record is hashed once,
    // and only distinct keys pay for choosing their partition.
    std::vector<std::vector<std::pair<K, C>>> buckets(reducers);
    if (reducers == 1) buckets[0].reserve(sink.map.size());
    for (auto& kv : sink.map) {
      int r = reducers == 1 ? 0 : partitioner_(kv.first);
      buckets[r].emplace_back(std::move(kv.first), std::move(kv.second));
    }
    outputs_[map_partition] = std::move(buckets);
  }

  void read(int partition, ChunkSink<std::pair<K, C>>& out) const override {
    Agg agg = agg_;
    KeyMap<K, C> merged;
    std::size_t incoming = 0;
    for (const auto& map_output : outputs_) {
      if (!map_output.empty()) incoming += map_output[partition].size();
    }
    merged.reserve(incoming);
    for (const auto& map_output : outputs_) {
      if (map_output.empty()) continue;
      for (const auto& [k, c] : map_output[partition]) {
        auto it = merged.find(k);
        if (it == merged.end()) {
          merged.emplace(k, c);
        } else {
          agg.mergeCombiners(it->second, C(c));
        }
      }
    }
    ChunkWriter<std::pair<K, C>> writer(out);
    for (auto& kv : merged) writer.emplace(std::move(kv.first), std::move(kv.second));
    writer.flush();
  }

 private:
  // Combines records into a map as they arrive; records the producer keeps are read in place
  // and their key copied only when it is new.
  struct CombineSink final : ChunkSink<std::pair<K, V>> {
    explicit CombineSink(const Agg& a) : agg(a) {}
    void push(std::vector<std::pair<K, V>>& chunk) override {
      for (auto& x : chunk) {
        auto it = map.find(x.first);
        if (it == map.end()) {
          map.emplace(std::move(x.first), agg.createCombiner(std::move(x.second)));
        } else {
          agg.mergeValue(it->second, std::move(x.second));
        }
      }
    }
    void pushConst(const std::vector<std::pair<K, V>>& data, std::size_t begin,
                   std::size_t end) override {
      for (std::size_t i = begin; i < end; ++i) {
        const auto& x = data[i];
        auto it = map.find(x.first);
        if (it == map.end()) {
          map.emplace(x.first, agg.createCombiner(V(x.second)));
        } else {
          agg.mergeValue(it->second, V(x.second));
        }
      }
    }
    Agg agg;
    KeyMap<K, C> map;
  };

  std::shared_ptr<RddNode<std::pair<K, V>>> parent_;
  Agg agg_;
  Part partitioner_;
  std::vector<std::vector<std::vector<std::pair<K, C>>>> outputs_;  // [map][reduce]
};

/// The reduce side of a shuffle as a dataset (Spark's ShuffledRDD).
template <class K, class C>
class ShuffledNode final : public RddNode<std::pair<K, C>> {
 public:
  ShuffledNode(std::shared_ptr<ShuffleDependency<K, C>> dep, const char* op)
      : RddNode<std::pair<K, C>>(dep->parent()->engineState(), dep->numReducePartitions(), {},
                                 {dep}),
        dep_(std::move(dep)),
        op_(op) {}

  void compute(const TaskContext&, int partition, ChunkSink<std::pair<K, C>>& out) const override {
    dep_->read(partition, out);
  }
  std::string name() const override { return "ShuffledRDD"; }
  std::string paramsToString() const override { return op_; }

 private:
  std::shared_ptr<ShuffleDependency<K, C>> dep_;
  const char* op_;
};

}  // namespace ember::detail
