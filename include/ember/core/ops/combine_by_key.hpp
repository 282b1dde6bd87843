#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "ember/core/partitioner.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

/// Builds the combining shuffle for a keyed aggregation whose aggregator updates combiners in
/// place: create(V&&) -> C, mergeValue(C&, V&&), mergeCombiners(C&, C&&).
template <class K, class V, class C, class Agg>
Rdd<std::pair<K, C>> combineShuffle(const std::shared_ptr<RddNode<std::pair<K, V>>>& parent,
                                    Agg agg, int partitions, const char* op) {
  auto& engine = parent->engine();
  using Part = HashPartitioner<K>;
  auto dep = std::make_shared<CombiningShuffle<K, V, C, Agg, Part>>(
      parent, std::move(agg), Part{std::max(1, partitions)}, partitions, engine.newShuffleId());
  return Rdd<std::pair<K, C>>(std::make_shared<ShuffledNode<K, C>>(std::move(dep), op));
}

template <class Create, class MergeValue, class MergeCombiners>
auto makeAggregator(Create create, MergeValue merge_value, MergeCombiners merge_combiners) {
  return Aggregator<Create, MergeValue, MergeCombiners>{std::move(create), std::move(merge_value),
                                                        std::move(merge_combiners)};
}

}  // namespace detail

template <class T>
template <class Create, class MergeValue, class MergeCombiners>
auto Rdd<T>::combineByKey(Create createCombiner, MergeValue mergeValue,
                          MergeCombiners mergeCombiners, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "combineByKey");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  static_assert(std::is_invocable_v<Create&, V>, "combineByKey: createCombiner must be f(V) -> C");
  using C = std::decay_t<std::invoke_result_t<Create&, V>>;
  static_assert(std::is_invocable_r_v<C, MergeValue&, C, V>,
                "combineByKey: mergeValue must be f(C, V) -> C");
  static_assert(std::is_invocable_r_v<C, MergeCombiners&, C, C>,
                "combineByKey: mergeCombiners must be f(C, C) -> C");
  int partitions = detail::resolvePartitions("combineByKey", numPartitions, node_->engine(),
                                             {getNumPartitions()});
  auto agg = detail::makeAggregator(
      [createCombiner](V&& v) mutable { return C(createCombiner(std::move(v))); },
      [mergeValue](C& c, V&& v) mutable { c = mergeValue(std::move(c), std::move(v)); },
      [mergeCombiners](C& c, C&& other) mutable {
        c = mergeCombiners(std::move(c), std::move(other));
      });
  return detail::combineShuffle<K, V, C>(node_, std::move(agg), partitions, "combineByKey");
}

template <class T>
template <class F>
auto Rdd<T>::reduceByKey(F f, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "reduceByKey");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  static_assert(std::is_invocable_r_v<V, F&, V, V>, "reduceByKey expects f(V, V) -> V");
  int partitions = detail::resolvePartitions("reduceByKey", numPartitions, node_->engine(),
                                             {getNumPartitions()});
  auto agg =
      detail::makeAggregator([](V&& v) { return std::move(v); },
                             [f](V& c, V&& v) mutable { c = f(std::move(c), std::move(v)); },
                             [f](V& c, V&& v) mutable { c = f(std::move(c), std::move(v)); });
  return detail::combineShuffle<K, V, V>(node_, std::move(agg), partitions, "reduceByKey");
}

template <class T>
template <class U, class Seq, class Comb>
auto Rdd<T>::aggregateByKey(U zeroValue, Seq seqOp, Comb combOp,
                            std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "aggregateByKey");
  using K = detail::KeyOf<T>;
  using V = detail::ValueOf<T>;
  static_assert(std::is_invocable_r_v<U, Seq&, U, V>, "aggregateByKey: seqOp must be f(U, V) -> U");
  static_assert(std::is_invocable_r_v<U, Comb&, U, U>,
                "aggregateByKey: combOp must be f(U, U) -> U");
  int partitions = detail::resolvePartitions("aggregateByKey", numPartitions, node_->engine(),
                                             {getNumPartitions()});
  auto agg = detail::makeAggregator(
      [zeroValue, seqOp](V&& v) mutable { return U(seqOp(U(zeroValue), std::move(v))); },
      [seqOp](U& c, V&& v) mutable { c = seqOp(std::move(c), std::move(v)); },
      [combOp](U& c, U&& other) mutable { c = combOp(std::move(c), std::move(other)); });
  return detail::combineShuffle<K, V, U>(node_, std::move(agg), partitions, "aggregateByKey");
}

template <class T>
template <class V0, class F>
auto Rdd<T>::foldByKey(V0 zeroValue, F f, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "foldByKey");
  using V = detail::ValueOf<T>;
  // Checked here too, so that the error names foldByKey rather than aggregateByKey.
  if (numPartitions) detail::checkPartitions("foldByKey", *numPartitions);
  return aggregateByKey(V(std::move(zeroValue)), f, f, numPartitions);
}

}  // namespace ember
