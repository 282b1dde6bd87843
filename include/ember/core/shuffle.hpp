#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <atomic>
#include <bit>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core/chunk_sink.hpp"
#include "ember/core/combine_writer.hpp"
#include "ember/core/hash.hpp"
#include "ember/core/rdd_node.hpp"

namespace ember::detail {

/// A shuffle whose reduce side yields pairs (K, C).
template <class K, class C>
class ShuffleDependency : public ShuffleDependencyBase {
 public:
  using ShuffleDependencyBase::ShuffleDependencyBase;
  /// Pushes reduce partition `partition`, after the map stage ran. Leaves the map outputs intact
  /// so the partition can be read again.
  virtual void read(int partition, ChunkSink<std::pair<K, C>>& out) const = 0;
};

/// Feeds a dataset's records to a writer.
template <class T>
struct NodeFeed {
  std::shared_ptr<RddNode<T>> node;

  template <class W>
  void operator()(const TaskContext& ctx, int partition, W& out) const {
    ElementSink<T, W> sink(out);
    node->iterate(ctx, partition, sink);
  }
};

/// The map side of a plain shuffle, as a writer (see core/pipeline.hpp): each record goes to the
/// bucket of the reduce partition its key selects.
template <class K, class V, class Part>
class BucketWriter {
 public:
  using Pair = std::pair<K, V>;
  BucketWriter(const Part& partitioner, std::vector<std::vector<Pair>>& buckets)
      : partitioner_(partitioner), buckets_(buckets) {}

  EMBER_INLINE void operator()(Pair&& x) {
    buckets_[partitioner_(x.first)].push_back(std::move(x));
  }
  EMBER_INLINE void operator()(const Pair& x) { buckets_[partitioner_(x.first)].push_back(x); }
  template <class... Args>
  void emplace(Args&&... args) {
    (*this)(Pair(std::forward<Args>(args)...));
  }

 private:
  const Part& partitioner_;
  std::vector<std::vector<Pair>>& buckets_;
};

/// Records moved unchanged to the partition their key selects (partitionBy, sorts, joins,
/// groupByKey). `Feed` writes the map side's records of a partition (NodeFeed, or a fused chain's
/// PipelineFeed).
template <class K, class V, class Part, class Feed = NodeFeed<std::pair<K, V>>>
class PlainShuffle final : public ShuffleDependency<K, V> {
 public:
  using Pair = std::pair<K, V>;
  PlainShuffle(std::shared_ptr<RddNode<Pair>> parent, Part partitioner, int num_reduce, int id)
      : PlainShuffle(parent, Feed{parent}, std::move(partitioner), num_reduce, id) {}
  PlainShuffle(std::shared_ptr<RddNode<Pair>> parent, Feed feed, Part partitioner, int num_reduce,
               int id)
      : ShuffleDependency<K, V>(std::move(parent), num_reduce, id),
        feed_(std::move(feed)),
        partitioner_(std::move(partitioner)) {}

  void prepareMapOutputs(int num_maps) override { outputs_.assign(num_maps, {}); }

  void runMapTask(const TaskContext& ctx, int map_partition) override {
    std::vector<std::vector<Pair>> buckets(this->numReducePartitions());
    BucketWriter<K, V, Part> writer(partitioner_, buckets);
    feed_(ctx, map_partition, writer);
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
  Feed feed_;
  Part partitioner_;
  std::vector<std::vector<std::vector<Pair>>> outputs_;  // [map][reduce]
};

/// What a keyed aggregation of a stream learned from its last batch: how many distinct keys a map
/// task held. The next batch's map tasks size their tables to it at once instead of growing them
/// (each growth rehashes and moves every key already in). Batches may run concurrently: relaxed
/// atomics, as a stale figure only costs a resize.
struct CombineSizeHint {
  std::atomic<std::size_t> mapKeys{0};
};

/// One map task's keys for one reduce partition, each with its KeyHash: the reduce side merges by
/// it without hashing a key again. (No hashes when a single map task feeds a single partition.)
template <class K, class C>
struct HashedBucket {
  std::vector<std::pair<K, C>> pairs;
  std::vector<std::size_t> hashes;
};

/// A key of the reduce-side merge: one of the map outputs' keys (which stay, so that the partition
/// can be read again) and its hash.
template <class K>
struct HashedKeyRef {
  const K* key;
  std::size_t hash;
};
template <class K>
struct HashedKeyRefHash {
  // The partition was chosen from the hash's low bits, so they hardly vary within one reduce
  // partition; abseil takes its 7-bit tag from the low bits, so they are moved up.
  std::size_t operator()(const HashedKeyRef<K>& r) const { return std::rotr(r.hash, 32); }
};
template <class K>
struct HashedKeyRefEq {
  bool operator()(const HashedKeyRef<K>& a, const HashedKeyRef<K>& b) const {
    return a.hash == b.hash && *a.key == *b.key;
  }
};

/// Records combined by key on the map side in a flat hash map, then merged on the reduce side
/// (reduceByKey, combineByKey, aggregateByKey, foldByKey, distinct). `Feed` writes the map
/// side's records of a partition (NodeFeed, or a fused chain's PipelineFeed). `Part` chooses a
/// partition from a key's KeyHash (partitionOfHash). `hint`, when given (a stream's operator),
/// sizes the map side's table from the last batch.
template <class K, class V, class C, class Agg, class Part, class Feed>
class CombiningShuffle final : public ShuffleDependency<K, C> {
  using Bucket = HashedBucket<K, C>;

 public:
  CombiningShuffle(std::shared_ptr<RddNode<std::pair<K, V>>> parent, Feed feed, Agg agg,
                   Part partitioner, int num_reduce, int id,
                   std::shared_ptr<CombineSizeHint> hint = nullptr)
      : ShuffleDependency<K, C>(std::move(parent), num_reduce, id),
        feed_(std::move(feed)),
        agg_(std::move(agg)),
        partitioner_(std::move(partitioner)),
        hint_(std::move(hint)) {}

  void prepareMapOutputs(int num_maps) override { outputs_.assign(num_maps, {}); }

  void runMapTask(const TaskContext& ctx, int map_partition) override {
    int reducers = this->numReducePartitions();
    CombineWriter<K, V, C, Agg> combine(agg_);
    if (hint_) combine.reserve(hint_->mapKeys.load(std::memory_order_relaxed));
    feed_(ctx, map_partition, combine);
    auto& map = combine.map();
    if (hint_) hint_->mapKeys.store(map.size(), std::memory_order_relaxed);
    std::vector<Bucket> buckets(reducers);
    if (reducers == 1 && outputs_.size() == 1) {
      // The only map task feeds the only partition: no partition to choose, nothing to merge.
      buckets[0].pairs.reserve(map.size());
      for (auto& kv : map) buckets[0].pairs.emplace_back(std::move(kv.first), std::move(kv.second));
      outputs_[map_partition] = std::move(buckets);
      return;
    }
    // One map for the whole task, split by partition at the end: each record is hashed once,
    // and only distinct keys pay for choosing their partition. Each bucket is sized once: growing
    // it would move every pair already in it, which for a short string key is a copy each time.
    std::vector<std::size_t> hashes;
    hashes.reserve(map.size());
    std::vector<std::size_t> sizes(reducers);
    for (const auto& kv : map) {
      hashes.push_back(KeyHash<K>{}(kv.first));
      ++sizes[partitioner_.partitionOfHash(hashes.back())];
    }
    for (int r = 0; r < reducers; ++r) {
      buckets[r].pairs.reserve(sizes[r]);
      buckets[r].hashes.reserve(sizes[r]);
    }
    std::size_t i = 0;
    for (auto& kv : map) {
      std::size_t h = hashes[i++];
      auto& bucket = buckets[partitioner_.partitionOfHash(h)];
      bucket.pairs.emplace_back(std::move(kv.first), std::move(kv.second));
      bucket.hashes.push_back(h);
    }
    outputs_[map_partition] = std::move(buckets);
  }

  void read(int partition, ChunkSink<std::pair<K, C>>& out) const override {
    std::vector<const Bucket*> inputs;
    std::size_t incoming = 0;
    for (const auto& map_output : outputs_) {
      if (map_output.empty() || map_output[partition].pairs.empty()) continue;
      inputs.push_back(&map_output[partition]);
      incoming += inputs.back()->pairs.size();
    }
    if (inputs.empty()) return;
    // One map task's keys are distinct already.
    if (inputs.size() == 1) {
      pushCopies(inputs[0]->pairs, 0, incoming, out);
      return;
    }
    Agg agg = agg_;
    absl::flat_hash_map<HashedKeyRef<K>, C, HashedKeyRefHash<K>, HashedKeyRefEq<K>> merged;
    merged.reserve(incoming);
    for (const Bucket* bucket : inputs) {
      for (std::size_t i = 0; i < bucket->pairs.size(); ++i) {
        const auto& [k, c] = bucket->pairs[i];
        auto [it, inserted] = merged.try_emplace(HashedKeyRef<K>{&k, bucket->hashes[i]}, c);
        if (!inserted) agg.mergeCombiners(it->second, C(c));
      }
    }
    // One chunk of the whole partition: a collect takes it without moving its elements again.
    std::vector<std::pair<K, C>> result;
    result.reserve(merged.size());
    for (auto& kv : merged) result.emplace_back(*kv.first.key, std::move(kv.second));
    pushOwned(std::move(result), out);
  }

 private:
  Feed feed_;
  Agg agg_;
  Part partitioner_;
  std::shared_ptr<CombineSizeHint> hint_;
  std::vector<std::vector<Bucket>> outputs_;  // [map][reduce]
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
