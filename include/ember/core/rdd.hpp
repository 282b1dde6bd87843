#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/engine.hpp"
#include "ember/core/rdd_node.hpp"
#include "ember/core/storage_level.hpp"

namespace ember {

namespace detail {
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};
template <class T>
inline constexpr bool kIsPair = IsPair<T>::value;

// The key type of a pair element, or void for other elements (so that Rdd<int> still declares
// the pair operations without instantiating anything invalid).
template <class T>
struct KeyTraits {
  using key = void;
  using value = void;
};
template <class A, class B>
struct KeyTraits<std::pair<A, B>> {
  using key = A;
  using value = B;
};
template <class T>
using KeyOf = typename KeyTraits<T>::key;
template <class T>
using ValueOf = typename KeyTraits<T>::value;

#define EMBER_REQUIRE_PAIR(T, op)                    \
  static_assert(::ember::detail::kIsPair<T>, op      \
                " is defined on datasets of pairs: " \
                "Rdd<std::pair<K, V>>")
}  // namespace detail

template <class T, class Src, class Step>
class PipelineRdd;

/// A lazy, immutable, partitioned dataset that remembers its lineage (Spark's RDD). A cheap,
/// copyable handle: copies share the same dataset. Transformations return new datasets and
/// compute nothing; actions run a job on the engine and return to the caller.
///
/// Arguments named numPartitions accept a positive count; left out, a keyed operation uses
/// `spark.default.parallelism` when it is set and otherwise the largest partition count of its
/// inputs. A count of zero or less is refused with IllegalArgumentError.
///
/// Every action throws TaskFailedError when a task throws (with the original message, stage and
/// partition), and IllegalStateError when the engine was stopped.
template <class T>
class Rdd {
 public:
  using value_type = T;

  explicit Rdd(std::shared_ptr<detail::RddNode<T>> node) : node_(std::move(node)) {}

  int id() const { return node_->id(); }
  int getNumPartitions() const { return node_->numPartitions(); }
  Engine context() const { return Engine(node_->engineState()); }
  const std::shared_ptr<detail::RddNode<T>>& node() const { return node_; }
  /// The lineage, one dataset per line, shuffles indented, as Spark's toDebugString.
  std::string toDebugString() const;

  // Element-wise transformations: core/ops/map.hpp
  template <class F>
  auto map(F f) const;
  /// `f(x)` returns any iterable; or, with the element type given, `flatMap<U>(f)` where
  /// `f(x, emit)` calls `emit(u)` for each output (no container is built).
  template <class U = void, class F>
  auto flatMap(F f) const;
  template <class F>
  auto filter(F f) const;
  /// `f(std::vector<T>)` returns any iterable of the outputs of one partition.
  template <class F>
  auto mapPartitions(F f, bool preservesPartitioning = false) const;
  /// `f(int partitionIndex, std::vector<T>)` returns any iterable.
  template <class F>
  auto mapPartitionsWithIndex(F f, bool preservesPartitioning = false) const;
  Rdd<std::vector<T>> glom() const;
  template <class F>
  auto keyBy(F f) const;

  // core/ops/union.hpp
  Rdd<T> union_(const Rdd<T>& other) const;

  // core/ops/coalesce.hpp
  Rdd<T> repartition(int numPartitions) const;
  Rdd<T> coalesce(int numPartitions, bool shuffle = false) const;

  // core/ops/distinct.hpp
  Rdd<T> distinct(std::optional<int> numPartitions = std::nullopt) const;

  // core/ops/sort_by.hpp
  template <class F>
  Rdd<T> sortBy(F f, bool ascending = true, std::optional<int> numPartitions = std::nullopt) const;

  // Actions: core/ops/actions.hpp
  std::vector<T> collect() const;
  std::int64_t count() const;
  std::vector<T> take(int num) const;
  /// Throws UnsupportedOperationError on an empty dataset.
  T first() const;
  /// Throws UnsupportedOperationError ("empty collection") on an empty dataset.
  template <class F>
  T reduce(F f) const;
  template <class F>
  T fold(T zeroValue, F f) const;
  template <class U, class Seq, class Comb>
  U aggregate(U zeroValue, Seq seqOp, Comb combOp) const;
  template <class F>
  void foreach (F f) const;
  /// `f(std::vector<T>&)` once per partition.
  template <class F>
  void foreachPartition(F f) const;
  std::map<T, std::int64_t> countByValue() const;
  bool isEmpty() const;
  /// Writes a directory with one `part-NNNNN` file per partition (one line per element, in
  /// toString form) and `_SUCCESS`. Throws IoError when the path exists or cannot be written.
  void saveAsTextFile(const std::string& path) const;

  // Persistence: core/ops/persist.hpp
  /// Throws UnsupportedOperationError when a level is already set and differs, or when the level
  /// serializes and T is not serializable.
  const Rdd<T>& persist(const StorageLevel& level) const;
  const Rdd<T>& persist() const { return persist(StorageLevel::MEMORY_ONLY); }
  const Rdd<T>& cache() const { return persist(StorageLevel::MEMORY_ONLY); }
  const Rdd<T>& unpersist() const;
  StorageLevel getStorageLevel() const { return node_->storageLevel(); }

  // Operations on datasets of pairs (T = std::pair<K, V>).
  // core/ops/combine_by_key.hpp
  template <class Create, class MergeValue, class MergeCombiners>
  auto combineByKey(Create createCombiner, MergeValue mergeValue, MergeCombiners mergeCombiners,
                    std::optional<int> numPartitions = std::nullopt) const;
  template <class F>
  auto reduceByKey(F f, std::optional<int> numPartitions = std::nullopt) const;
  template <class U, class Seq, class Comb>
  auto aggregateByKey(U zeroValue, Seq seqOp, Comb combOp,
                      std::optional<int> numPartitions = std::nullopt) const;
  template <class V, class F>
  auto foldByKey(V zeroValue, F f, std::optional<int> numPartitions = std::nullopt) const;
  // core/ops/group_by_key.hpp
  auto groupByKey(std::optional<int> numPartitions = std::nullopt) const;
  auto partitionBy(int numPartitions) const;
  // core/ops/pair_functions.hpp
  template <class F>
  auto mapValues(F f) const;
  template <class F>
  auto flatMapValues(F f) const;
  auto keys() const;
  auto values() const;
  auto countByKey() const;
  auto collectAsMap() const;
  // core/ops/join.hpp
  template <class W>
  auto cogroup(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
               std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto join(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
            std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto leftOuterJoin(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
                     std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto rightOuterJoin(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
                      std::optional<int> numPartitions = std::nullopt) const;
  template <class W>
  auto fullOuterJoin(const Rdd<std::pair<detail::KeyOf<T>, W>>& other,
                     std::optional<int> numPartitions = std::nullopt) const;
  // core/ops/sort_by_key.hpp
  auto sortByKey(bool ascending = true, std::optional<int> numPartitions = std::nullopt) const;

 private:
  std::shared_ptr<detail::RddNode<T>> node_;
};

namespace detail {

/// Throws IllegalArgumentError naming the operation when a given partition count is not
/// positive.
int checkPartitions(const char* operation, int numPartitions);

/// The partition count of a keyed operation: the given one, else spark.default.parallelism when
/// set, else the largest among the inputs.
int resolvePartitions(const char* operation, std::optional<int> numPartitions,
                      const EngineState& engine, std::initializer_list<int> input_partitions);

/// Calls f with x as an rvalue when f accepts one, else as an lvalue.
template <class F, class X>
decltype(auto) invokeMove(F& f, X& x) {
  if constexpr (std::is_invocable_v<F&, X&&>) {
    return f(std::move(x));
  } else {
    return f(x);
  }
}

template <class F, class X>
using MoveResult = std::decay_t<decltype(invokeMove(std::declval<F&>(), std::declval<X&>()))>;

}  // namespace detail

}  // namespace ember
