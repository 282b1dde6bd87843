#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/rdd.hpp"
#include "ember/core/storage_level.hpp"
#include "ember/streaming/dstream_node.hpp"
#include "ember/streaming/duration.hpp"

namespace ember {

class StreamingContext;
template <class T, class Src, class Build>
class PipelineDStream;
template <class K, class V, class S, class U>
class StateSpec;
template <class K, class V, class S, class U>
class MapWithStateDStream;

namespace detail {
template <class G, class T>
struct IsInverseReduce : std::false_type {};
template <class G, class K, class V>
struct IsInverseReduce<G, std::pair<K, V>> : std::is_invocable<G&, V, const V&> {};
/// An inverse reduce function for a stream of pairs: (V, const V&) -> V.
template <class G, class T>
concept InverseReduceFor = IsInverseReduce<G, T>::value;
/// A predicate on a stream's elements.
template <class P, class T>
concept FilterFor = std::is_invocable_r_v<bool, P&, const T&>;
}  // namespace detail

/// A discretized stream (Spark's DStream): for every batch time, at most one Rdd<T>. A cheap,
/// copyable handle; operations build the graph and compute nothing until the context starts.
///
/// Every operation throws IllegalStateError when its context was already started or stopped.
/// Keyed operations (T = std::pair<K, V>) take numPartitions; left out, they use the engine's
/// default parallelism, as Spark Streaming does. A count that is not positive is refused with
/// IllegalArgumentError.
template <class T>
class DStream {
 public:
  using value_type = T;

  /// The stream of `node`, which its context's graph owns from now on.
  explicit DStream(std::shared_ptr<detail::DStreamNode<T>> node) : node_(std::move(node)) {
    detail::adoptNode(node_);
  }

  StreamingContext& context() const { return node_->context(); }
  Duration slideDuration() const { return node_->slideDuration(); }
  const std::shared_ptr<detail::DStreamNode<T>>& node() const { return node_; }

  // streaming/ops/map.hpp
  template <class F>
  auto map(F f) const;
  template <class U = void, class F>
  auto flatMap(F f) const;
  template <class F>
  auto filter(F f) const;
  template <class F>
  auto mapPartitions(F f, bool preservePartitioning = false) const;
  DStream<std::vector<T>> glom() const;
  DStream<T> repartition(int numPartitions) const;

  // streaming/ops/union.hpp
  /// Throws IllegalArgumentError when the slides differ.
  DStream<T> union_(const DStream<T>& other) const;

  // streaming/ops/count.hpp
  /// One element per batch: the number of records (0 for an empty batch).
  DStream<std::int64_t> count() const;
  /// At most one element per batch: the reduction of its records (nothing for an empty batch).
  template <class F>
  DStream<T> reduce(F f) const;
  auto countByValue(std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/transform.hpp
  /// f(Rdd<T>) or f(Rdd<T>, Time) returning an Rdd<U>. A batch at which this stream has no RDD
  /// fails (its generation throws Error, rethrown by awaitTermination), as in Spark.
  template <class F>
  auto transform(F f) const;
  /// f(Rdd<T>, Rdd<U>) or f(Rdd<T>, Rdd<U>, Time) returning an Rdd<V>. Throws
  /// IllegalArgumentError when the slides differ. A batch at which either stream has no RDD
  /// fails, as with transform.
  template <class U, class F>
  auto transformWith(const DStream<U>& other, F f) const;

  // streaming/ops/pair.hpp
  template <class F>
  auto reduceByKey(F f, std::optional<int> numPartitions = std::nullopt) const;
  auto groupByKey(std::optional<int> numPartitions = std::nullopt) const;
  template <class Create, class MergeValue, class MergeCombiners>
  auto combineByKey(Create createCombiner, MergeValue mergeValue, MergeCombiners mergeCombiners,
                    std::optional<int> numPartitions = std::nullopt) const;
  template <class F>
  auto mapValues(F f) const;
  template <class F>
  auto flatMapValues(F f) const;

  // streaming/ops/join.hpp
  template <class W>
  auto cogroup(const DStream<std::pair<detail::KeyOf<T>, W>>& other,
               std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto join(const DStream<std::pair<detail::KeyOf<T>, W>>& other,
            std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto leftOuterJoin(const DStream<std::pair<detail::KeyOf<T>, W>>& other,
                     std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto rightOuterJoin(const DStream<std::pair<detail::KeyOf<T>, W>>& other,
                      std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto fullOuterJoin(const DStream<std::pair<detail::KeyOf<T>, W>>& other,
                     std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/window.hpp
  /// The union of this stream's RDDs in (t - windowDuration, t], every slideDuration (the
  /// parent's slide when left out). Throws IllegalArgumentError when a duration is not a
  /// multiple of this stream's slide.
  DStream<T> window(Duration windowDuration) const {
    return window(windowDuration, slideDuration());
  }
  DStream<T> window(Duration windowDuration, Duration slideDuration) const;
  /// At most one element per window: the reduction of the window's records.
  template <class F>
  DStream<T> reduceByWindow(F f, Duration windowDuration, Duration slideDuration) const;
  /// Per key, the reduction of the window's values (without an inverse function).
  template <class F>
  auto reduceByKeyAndWindow(F f, Duration windowDuration) const;
  template <class F>
  auto reduceByKeyAndWindow(F f, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions = std::nullopt) const;
  /// At most one element per window, computed incrementally: the previous window's value,
  /// "un-reduced" by invF with the batches that left, reduced with those that entered. Once a
  /// window saw a record, later windows yield a value even when empty (invF of everything).
  template <class F, class G>
  DStream<T> reduceByWindow(F f, G invF, Duration windowDuration, Duration slideDuration) const;
  /// The number of records in each window, incrementally (reduceByWindow with + and -).
  DStream<std::int64_t> countByWindow(Duration windowDuration, Duration slideDuration) const;
  /// (value, count) for each distinct value in the window, incrementally; values whose count
  /// fell to zero are dropped.
  auto countByValueAndWindow(Duration windowDuration, Duration slideDuration,
                             std::optional<int> numPartitions = std::nullopt) const;
  /// Per key, incrementally (streaming/ops/reduced_window.hpp): each slide applies invF to the
  /// batches that left the window and f to those that entered. Keys stay with their "zero"
  /// value unless filterFunc(pair) returns false. Throws TaskFailedError when a key leaves the
  /// window and the previous window had no value for it (filterFunc dropped a key whose values
  /// were still in the window), as Spark does.
  template <class F, detail::InverseReduceFor<T> G>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions = std::nullopt) const;
  template <class F, class G, detail::FilterFor<T> P>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            std::optional<int> numPartitions, P filterFunc) const;
  template <class F, class G, detail::FilterFor<T> P>
  auto reduceByKeyAndWindow(F f, G invF, Duration windowDuration, Duration slideDuration,
                            P filterFunc) const;
  auto groupByKeyAndWindow(Duration windowDuration) const;
  auto groupByKeyAndWindow(Duration windowDuration, Duration slideDuration,
                           std::optional<int> numPartitions = std::nullopt) const;

  // streaming/ops/update_state.hpp (updateStateByKey)
  /// The state of every key, kept across batches (T = std::pair<K, V>): at each batch f gives
  /// each key its next state from the key's new values and previous state (std::nullopt for a
  /// new key); returning std::nullopt removes the key. Keys with state but no new values are
  /// called too (with no values), in every batch, even when the parent has no RDD. f is one of
  ///   f(const std::vector<V>& newValues, const std::optional<S>& state) -> std::optional<S>
  ///   f(Time, const K&, const std::vector<V>&, const std::optional<S>&) -> std::optional<S>
  ///   f(std::vector<std::tuple<K, std::vector<V>, std::optional<S>>>&&)
  ///       -> std::vector<std::pair<K, S>>       (one partition's keys; returns the state to keep)
  /// S is read from f's return type or the initial RDD; give it first for a generic lambda:
  /// updateStateByKey<S>(f). The state is hash-partitioned into numPartitions (the default
  /// parallelism when left out) and persisted MEMORY_ONLY_SER (MEMORY_ONLY when K or S is not
  /// serializable) unless persist() says otherwise. A wrong f is a compile error listing the
  /// forms above.
  template <class S = void, class F>
  auto updateStateByKey(F f) const;
  /// Throws IllegalArgumentError when numPartitions is not positive.
  template <class S = void, class F>
  auto updateStateByKey(F f, int numPartitions) const;
  /// initialRDD is the state before the first batch. Throws IllegalArgumentError when
  /// numPartitions is not positive.
  template <class S = void, class F, class S0>
  auto updateStateByKey(F f, int numPartitions,
                        const Rdd<std::pair<detail::KeyOf<T>, S0>>& initialRDD) const;
  /// initialRDD: an Rdd<std::pair<K, S>>, a std::optional of one, or left out. Spark's
  /// rememberPartitioner keeps the state's partitioner between batches; ember's datasets carry
  /// none, so it changes nothing here. Throws IllegalArgumentError when numPartitions is not
  /// positive.
  template <class S = void, class F, class Initial = std::nullopt_t>
  auto updateStateByKey(F f, int numPartitions, bool rememberPartitioner,
                        const Initial& initialRDD = std::nullopt) const;

  // streaming/ops/map_with_state.hpp (mapWithState)
  /// Per key, a state kept across batches and updated by the spec's function, called for every
  /// record of the key (and once more when the key times out); emits the function's outputs.
  /// Throws IllegalArgumentError when the spec's initial state is on another engine.
  template <class K, class V, class S, class U>
  MapWithStateDStream<K, V, S, U> mapWithState(const StateSpec<K, V, S, U>& spec) const;

  // streaming/ops/output.hpp
  /// f(Rdd<T>) or f(Rdd<T>, Time), run on the job thread once per batch that has an RDD.
  template <class F>
  void foreachRDD(F f) const;
  /// Prints the first num records of every batch under a header with the batch time.
  void print(int num = 10) const;
  void pprint(int num = 10) const { print(num); }
  /// Writes every batch to the directory `prefix-<time in ms>[.suffix]`.
  void saveAsTextFiles(const std::string& prefix, const std::string& suffix = "") const;

  // persistence (defined in streaming/ops/output.hpp)
  /// Persists every RDD this stream generates. Throws UnsupportedOperationError after start, or
  /// when the level serializes and T is not serializable.
  const DStream<T>& persist(const StorageLevel& level) const;
  /// MEMORY_ONLY_SER, the default of streams.
  const DStream<T>& persist() const { return persist(StorageLevel::MEMORY_ONLY_SER); }
  const DStream<T>& cache() const { return persist(); }
  /// Writes this stream's RDD to the context's checkpoint directory every `interval` (at batch
  /// times t with t - zeroTime a multiple of it), and persists the stream (MEMORY_ONLY_SER) unless
  /// it has a level. start() refuses an interval without a checkpoint directory, shorter than the
  /// slide or not a multiple of it. Throws UnsupportedOperationError after start, or when T is
  /// not serializable.
  const DStream<T>& checkpoint(Duration interval) const;
  /// The RDDs this stream generated between the two times (both included, a time off the slide
  /// grid floored to it) that it still remembers. Throws IllegalStateError before start.
  std::vector<Rdd<T>> slice(Time fromTime, Time toTime) const;

 private:
  std::shared_ptr<detail::DStreamNode<T>> node_;
};

}  // namespace ember
