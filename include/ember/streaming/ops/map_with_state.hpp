#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/ops/group_by_key.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/ops/parallelize.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/transform.hpp"
#include "ember/streaming/pipeline_dstream.hpp"
#include "ember/streaming/state.hpp"
#include "ember/streaming/state_map.hpp"
#include "ember/streaming/state_spec.hpp"
#include "ember/streaming/streaming_context.hpp"

namespace ember {

namespace detail {

/// The one element of every partition of a mapWithState state dataset (Spark's
/// MapWithStateRDDRecord): the partition's state map with the version the batch left it at, and
/// the batch's outputs. Cheap to copy: the map is shared.
template <class K, class S, class U>
struct MapWithStateRecord {
  std::shared_ptr<StateMap<K, S>> stateMap;
  std::int64_t version = 0;
  std::vector<U> mappedData;
};

/// Saved state of a mapWithState stream: each record's version, whether its map tracks update
/// times, its outputs, then its map's contents at that version (StateMap::save).
template <class K, class S, class U>
struct PartitionCodec<MapWithStateRecord<K, S, U>> {
  using Record = MapWithStateRecord<K, S, U>;
  static constexpr bool kAvailable = kSerializable<K> && kSerializable<S> && kSerializable<U>;

  template <class Archive>
  static void save(Archive& ar, const std::vector<Record>& records) {
    ar(static_cast<std::uint64_t>(records.size()));
    for (const auto& r : records) {
      ar(r.version, r.stateMap->tracksTimes(), r.mappedData);
      r.stateMap->save(ar, r.version);
    }
  }

  template <class Archive>
  static void load(Archive& ar, std::vector<Record>& records) {
    std::uint64_t n = 0;
    ar(n);
    records.resize(static_cast<std::size_t>(n));
    for (auto& r : records) {
      bool track_times = false;
      ar(r.version, track_times, r.mappedData);
      r.stateMap = StateMap<K, S>::load(ar, r.version, track_times);
    }
  }
};

/// The record of one partition. Throws IllegalStateError when the partition does not hold
/// exactly one.
template <class K, class S, class U>
MapWithStateRecord<K, S, U> readStateRecord(const RddNode<MapWithStateRecord<K, S, U>>& node,
                                            const TaskContext& ctx, int partition) {
  std::vector<MapWithStateRecord<K, S, U>> records;
  VectorSink<MapWithStateRecord<K, S, U>> sink(records);
  node.iterate(ctx, partition, sink);
  if (records.size() != 1) {
    throw IllegalStateError("mapWithState: partition " + std::to_string(partition) +
                            " of state dataset " + std::to_string(node.id()) + " holds " +
                            std::to_string(records.size()) + " records instead of one");
  }
  return std::move(records.front());
}

/// The state before the first batch (Spark's MapWithStateRDD.createFromPairRDD): per partition,
/// a new map at version `version` holding the initial pairs of that partition, each with update
/// time `update_ms`. Without pairs, empty maps.
template <class K, class S, class U>
class InitialStateNode final : public RddNode<MapWithStateRecord<K, S, U>> {
 public:
  using Record = MapWithStateRecord<K, S, U>;
  using Pairs = RddNode<std::pair<K, S>>;

  InitialStateNode(std::shared_ptr<EngineState> engine, int partitions,
                   std::shared_ptr<Pairs> pairs, std::int64_t version, std::int64_t update_ms,
                   bool track_times)
      : RddNode<Record>(std::move(engine), partitions,
                        pairs ? std::vector<std::shared_ptr<RddNodeBase>>{pairs}
                              : std::vector<std::shared_ptr<RddNodeBase>>{}),
        pairs_(std::move(pairs)),
        version_(version),
        update_ms_(update_ms),
        track_times_(track_times) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<Record>& out) const override {
    auto map = std::make_shared<StateMap<K, S>>(version_, track_times_);
    if (pairs_) {
      auto put = [&](std::pair<K, S>& kv) {
        map->put(std::move(kv.first), std::move(kv.second), update_ms_);
      };
      auto sink = makeEachSink<std::pair<K, S>>(put);
      pairs_->iterate(ctx, partition, sink);
    }
    std::vector<Record> one;
    one.push_back(Record{std::move(map), version_, {}});
    pushOwned(std::move(one), out);
  }
  std::string name() const override { return "MapWithStateRDD"; }
  std::string paramsToString() const override { return "initial state"; }

 private:
  std::shared_ptr<Pairs> pairs_;
  std::int64_t version_;
  std::int64_t update_ms_;
  bool track_times_;
};

/// One batch of mapWithState (Spark's MapWithStateRDD): partition i is the previous batch's
/// partition i with this batch's records of its keys applied. `prev` and `data` have the same
/// partitions (data is hash-partitioned into them).
template <class K, class V, class S, class U>
class MapWithStateRddNode final : public RddNode<MapWithStateRecord<K, S, U>> {
 public:
  using Record = MapWithStateRecord<K, S, U>;

  MapWithStateRddNode(std::shared_ptr<RddNode<Record>> prev,
                      std::shared_ptr<RddNode<std::pair<K, V>>> data,
                      std::shared_ptr<const MappingFunction<K, V, S, U>> f, Time batch_time,
                      std::optional<std::int64_t> timeout_threshold, std::size_t keep_logs)
      : RddNode<Record>(prev->engineState(), prev->numPartitions(), {prev, data}),
        prev_(std::move(prev)),
        data_(std::move(data)),
        f_(std::move(f)),
        time_(batch_time),
        threshold_(timeout_threshold),
        keep_logs_(keep_logs) {}

  void compute(const TaskContext& ctx, int partition, ChunkSink<Record>& out) const override {
    Record prev = readStateRecord(*prev_, ctx, partition);
    typename StateMap<K, S>::Batch batch(std::move(prev.stateMap), prev.version,
                                         time_.milliseconds(), keep_logs_);
    std::vector<U> mapped;
    f_->run(
        batch, time_, threshold_,
        [&](ChunkSink<std::pair<K, V>>& sink) { data_->iterate(ctx, partition, sink); }, mapped);
    batch.commit();
    std::vector<Record> one;
    one.push_back(Record{batch.map(), time_.milliseconds(), std::move(mapped)});
    pushOwned(std::move(one), out);
  }
  std::string name() const override { return "MapWithStateRDD"; }
  std::string paramsToString() const override { return "batch " + time_.toString(); }

 private:
  std::shared_ptr<RddNode<Record>> prev_;
  std::shared_ptr<RddNode<std::pair<K, V>>> data_;
  std::shared_ptr<const MappingFunction<K, V, S, U>> f_;
  Time time_;
  std::optional<std::int64_t> threshold_;
  std::size_t keep_logs_;
};

/// The stream of state datasets behind mapWithState (Spark's InternalMapWithStateDStream). Each
/// RDD is built on the previous batch's, which is cut from its lineage once cached; RDDs are
/// persisted MEMORY_ONLY so the function runs once per batch whatever reads the outputs.
/// `Batches` reads the parent's batch (StreamBatches), or a chain's (ChainBatches): the batch's
/// partitioning shuffle then runs the chain on its map side.
template <class K, class V, class S, class U, class Batches>
class MapWithStateNode final : public DStreamNode<MapWithStateRecord<K, S, U>> {
 public:
  using Record = MapWithStateRecord<K, S, U>;

  MapWithStateNode(Batches batches, const StateSpec<K, V, S, U>& spec, int partitions)
      : DStreamNode<Record>(batches.stream->context(), {batches.stream},
                            "InternalMapWithStateDStream"),
        batches_(std::move(batches)),
        f_(spec.getFunction()),
        timeout_(spec.getTimeoutInterval()),
        partitions_(partitions),
        initial_state_(spec.getInitialStateRDD()) {
    this->setStorageLevel(StorageLevel::MEMORY_ONLY);
  }

  bool mustCheckpoint() const override { return true; }
  /// Spark's: ten batches (DEFAULT_CHECKPOINT_DURATION_MULTIPLIER).
  Duration defaultCheckpointInterval() const override { return this->slideDuration() * 10; }

  std::string paramsToString() const override {
    return "numPartitions " + std::to_string(partitions_) +
           (timeout_ ? ", timeout " + timeout_->toString() : std::string());
  }

 protected:
  void forgetBefore(Time threshold) override { this->completeThenForget(threshold); }

  std::optional<Rdd<Record>> compute(Time time) override {
    Duration slide = this->slideDuration();
    Time prev_time = time - slide;
    std::optional<Rdd<Record>> prev;
    if (prev_time > this->zeroTime()) prev = this->getOrComputeDetached(prev_time);
    std::shared_ptr<RddNode<Record>> prev_node = prev ? prev->node() : initialState(time);
    auto partitioned = batches_.read(time, [&](const auto& data) {
      if (data) return data->partitionBy(partitions_);
      return this->context().sparkContext().template emptyRDD<std::pair<K, V>>().partitionBy(
          partitions_);
    });
    std::optional<std::int64_t> threshold;
    if (timeout_) threshold = (time - *timeout_).milliseconds();
    // The versions this stream's remembered RDDs were made at, and the one before the oldest
    // (to recompute it), with one to spare for a batch being generated.
    auto keep =
        static_cast<std::size_t>(this->rememberDuration().milliseconds() / slide.milliseconds()) +
        2;
    return Rdd<Record>(std::make_shared<MapWithStateRddNode<K, V, S, U>>(
        std::move(prev_node), partitioned.node(), f_, time, threshold, keep));
  }

 private:
  /// The state before the batch at `first`. The initial pairs are then held only by that batch's
  /// lineage, which is dropped once the stream forgets it: the node does not keep a copy of the
  /// whole initial state for its lifetime.
  std::shared_ptr<RddNode<Record>> initialState(Time first) {
    std::optional<Rdd<std::pair<K, S>>> initial;
    {
      std::lock_guard lock(mutex_);
      if (initial_taken_ && had_initial_state_) {
        throw IllegalStateError(
            "mapWithState: the state before the first batch was asked for again after the "
            "first batch was forgotten; the initial state is read once");
      }
      if (!initial_taken_) {
        initial_taken_ = true;
        had_initial_state_ = initial_state_.has_value();
        initial = std::move(initial_state_);
        initial_state_.reset();
      }
    }
    std::shared_ptr<RddNode<std::pair<K, S>>> pairs;
    if (initial) pairs = initial->partitionBy(partitions_).node();
    return std::make_shared<InitialStateNode<K, S, U>>(
        this->context().sparkContext().state(), partitions_, std::move(pairs),
        (first - this->slideDuration()).milliseconds(), first.milliseconds(), timeout_.has_value());
  }

  Batches batches_;
  std::shared_ptr<const MappingFunction<K, V, S, U>> f_;
  std::optional<Duration> timeout_;
  int partitions_;
  std::mutex mutex_;
  std::optional<Rdd<std::pair<K, S>>> initial_state_;
  bool initial_taken_ = false;
  bool had_initial_state_ = false;
};

}  // namespace detail

/// The stream mapWithState returns (Spark's MapWithStateDStream): the mapping function's outputs
/// of every batch; stateSnapshots() gives the state itself. Both read one persisted dataset per
/// batch, so the function runs once per batch however many outputs use them.
template <class K, class V, class S, class U>
class MapWithStateDStream : public DStream<U> {
 public:
  using Record = detail::MapWithStateRecord<K, S, U>;

  MapWithStateDStream(DStream<U> mapped, std::shared_ptr<detail::DStreamNode<Record>> internal)
      : DStream<U>(std::move(mapped)), internal_(std::move(internal)) {}

  /// Checkpoints the state itself (Spark's MapWithStateDStream.checkpoint): the state stream's
  /// RDDs are written every `interval`. Throws what DStream::checkpoint throws.
  const MapWithStateDStream& checkpoint(Duration interval) const {
    internal_->setCheckpointInterval(interval);
    return *this;
  }

  /// Every (key, state) pair in state after each batch. Throws IllegalStateError once the
  /// context started.
  DStream<std::pair<K, S>> stateSnapshots() const {
    using P = std::pair<K, S>;
    return detail::makeTransformed<P>(
        internal_,
        [](const Rdd<Record>& rdd, Time) {
          return rdd.template flatMap<P>([](const Record& record, auto emit) {
            record.stateMap->forEach(
                record.version,
                [&](const K& k, const detail::StateEntry<S>& e) { emit.emplace(k, e.state); });
          });
        },
        "stateSnapshots");
  }

 private:
  std::shared_ptr<detail::DStreamNode<Record>> internal_;
};

namespace detail {

/// mapWithState of a stream or a chain.
template <class K, class V, class S, class U, class H>
MapWithStateDStream<K, V, S, U> streamMapWithState(const H& stream,
                                                   const StateSpec<K, V, S, U>& spec) {
  static_assert(std::is_same_v<typename H::value_type, std::pair<K, V>>,
                "mapWithState: a DStream<std::pair<K, V>> takes a StateSpec<K, V, S, U> with the "
                "same K and V");
  int partitions = streamingPartitions("mapWithState", spec.getNumPartitions(), stream.context());
  if (const auto& initial = spec.getInitialStateRDD();
      initial && initial->node()->engineState() != stream.context().sparkContext().state()) {
    throw IllegalArgumentError(
        "mapWithState: the initial state dataset belongs to another engine than the streaming "
        "context's (make it with ssc.sparkContext())");
  }
  using Record = MapWithStateRecord<K, S, U>;
  using Batches = decltype(batchesOf(stream));
  auto internal =
      std::make_shared<MapWithStateNode<K, V, S, U, Batches>>(batchesOf(stream), spec, partitions);
  auto mapped = makeTransformed<U>(
      std::shared_ptr<DStreamNode<Record>>(internal),
      [](const Rdd<Record>& rdd, Time) {
        return rdd.template flatMap<U>([](const Record& record, auto emit) {
          for (const U& u : record.mappedData) emit(u);
        });
      },
      "MapWithStateDStream");
  return MapWithStateDStream<K, V, S, U>(std::move(mapped), std::move(internal));
}

}  // namespace detail

template <class T>
template <class K, class V, class S, class U>
MapWithStateDStream<K, V, S, U> DStream<T>::mapWithState(const StateSpec<K, V, S, U>& spec) const {
  return detail::streamMapWithState(*this, spec);
}

template <class T, class Src, class Step>
template <class K, class V, class S, class U>
MapWithStateDStream<K, V, S, U> PipelineDStream<T, Src, Step>::mapWithState(
    const StateSpec<K, V, S, U>& spec) const {
  return detail::streamMapWithState(*this, spec);
}

}  // namespace ember
