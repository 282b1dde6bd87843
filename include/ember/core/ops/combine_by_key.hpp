#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "ember/core/partitioner.hpp"
#include "ember/core/pipeline.hpp"
#include "ember/core/rdd.hpp"
#include "ember/core/shuffle.hpp"

namespace ember {

namespace detail {

template <class K, class V, class C, class Agg, class Feed>
Rdd<std::pair<K, C>> combineShuffleWith(const std::shared_ptr<RddNode<std::pair<K, V>>>& parent,
                                        Feed feed, Agg agg, int partitions, const char* op,
                                        std::shared_ptr<CombineSizeHint> hint = nullptr) {
  auto& engine = parent->engine();
  using Part = HashPartitioner<K>;
  auto dep = std::make_shared<CombiningShuffle<K, V, C, Agg, Part, Feed>>(
      parent, std::move(feed), std::move(agg), Part{std::max(1, partitions)}, partitions,
      engine.newShuffleId(), std::move(hint));
  return Rdd<std::pair<K, C>>(std::make_shared<ShuffledNode<K, C>>(std::move(dep), op));
}

/// The combining shuffle of a keyed aggregation whose aggregator updates combiners in place:
/// create(V&&) -> C, mergeValue(C&, V&&), mergeCombiners(C&, C&&). On a fused chain (R a
/// PipelineRdd) the map side runs the chain's steps straight into the combine. A stream's operator
/// passes its `hint` (see CombineSizeHint).
template <class K, class V, class C, class Agg, class R>
Rdd<std::pair<K, C>> combineShuffle(const R& rdd, Agg agg, int partitions, const char* op,
                                    std::shared_ptr<CombineSizeHint> hint = nullptr) {
  return combineShuffleWith<K, V, C>(rdd.node(), feedOf(rdd), std::move(agg), partitions, op,
                                     std::move(hint));
}

template <class Create, class MergeValue, class MergeCombiners>
auto makeAggregator(Create create, MergeValue merge_value, MergeCombiners merge_combiners) {
  return Aggregator<Create, MergeValue, MergeCombiners>{std::move(create), std::move(merge_value),
                                                        std::move(merge_combiners)};
}

// The keyed aggregations, for Rdd and PipelineRdd alike (R is either).

template <class R, class Create, class MergeValue, class MergeCombiners>
auto combineByKeyOf(const R& rdd, Create createCombiner, MergeValue mergeValue,
                    MergeCombiners mergeCombiners, std::optional<int> numPartitions,
                    std::shared_ptr<CombineSizeHint> hint = nullptr) {
  using T = typename R::value_type;
  EMBER_REQUIRE_PAIR(T, "combineByKey");
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  static_assert(std::is_invocable_v<Create&, V>, "combineByKey: createCombiner must be f(V) -> C");
  using C = std::decay_t<std::invoke_result_t<Create&, V>>;
  static_assert(std::is_invocable_r_v<C, MergeValue&, C, V>,
                "combineByKey: mergeValue must be f(C, V) -> C");
  static_assert(std::is_invocable_r_v<C, MergeCombiners&, C, C>,
                "combineByKey: mergeCombiners must be f(C, C) -> C");
  int partitions = resolvePartitions("combineByKey", numPartitions, rdd.node()->engine(),
                                     {rdd.getNumPartitions()});
  auto agg = makeAggregator(
      [createCombiner](V&& v) mutable { return C(createCombiner(std::move(v))); },
      [mergeValue](C& c, V&& v) mutable { c = mergeValue(std::move(c), std::move(v)); },
      [mergeCombiners](C& c, C&& other) mutable {
        c = mergeCombiners(std::move(c), std::move(other));
      });
  return combineShuffle<K, V, C>(rdd, std::move(agg), partitions, "combineByKey", std::move(hint));
}

template <class R, class F>
auto reduceByKeyOf(const R& rdd, F f, std::optional<int> numPartitions,
                   std::shared_ptr<CombineSizeHint> hint = nullptr) {
  using T = typename R::value_type;
  EMBER_REQUIRE_PAIR(T, "reduceByKey");
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  static_assert(std::is_invocable_r_v<V, F&, V, V>, "reduceByKey expects f(V, V) -> V");
  int partitions = resolvePartitions("reduceByKey", numPartitions, rdd.node()->engine(),
                                     {rdd.getNumPartitions()});
  auto agg = makeAggregator(
      ValueAsCombiner<V>{}, [f](V& c, V&& v) mutable { c = f(std::move(c), std::move(v)); },
      [f](V& c, V&& v) mutable { c = f(std::move(c), std::move(v)); });
  return combineShuffle<K, V, V>(rdd, std::move(agg), partitions, "reduceByKey", std::move(hint));
}

template <class R, class U, class Seq, class Comb>
auto aggregateByKeyOf(const R& rdd, U zeroValue, Seq seqOp, Comb combOp,
                      std::optional<int> numPartitions) {
  using T = typename R::value_type;
  EMBER_REQUIRE_PAIR(T, "aggregateByKey");
  using K = KeyOf<T>;
  using V = ValueOf<T>;
  static_assert(std::is_invocable_r_v<U, Seq&, U, V>, "aggregateByKey: seqOp must be f(U, V) -> U");
  static_assert(std::is_invocable_r_v<U, Comb&, U, U>,
                "aggregateByKey: combOp must be f(U, U) -> U");
  int partitions = resolvePartitions("aggregateByKey", numPartitions, rdd.node()->engine(),
                                     {rdd.getNumPartitions()});
  auto agg = makeAggregator(
      [zeroValue, seqOp](V&& v) mutable { return U(seqOp(U(zeroValue), std::move(v))); },
      [seqOp](U& c, V&& v) mutable { c = seqOp(std::move(c), std::move(v)); },
      [combOp](U& c, U&& other) mutable { c = combOp(std::move(c), std::move(other)); });
  return combineShuffle<K, V, U>(rdd, std::move(agg), partitions, "aggregateByKey");
}

template <class R, class V0, class F>
auto foldByKeyOf(const R& rdd, V0 zeroValue, F f, std::optional<int> numPartitions) {
  using V = ValueOf<typename R::value_type>;
  EMBER_REQUIRE_PAIR(typename R::value_type, "foldByKey");
  // Checked here too, so that the error names foldByKey rather than aggregateByKey.
  if (numPartitions) checkPartitions("foldByKey", *numPartitions);
  return aggregateByKeyOf(rdd, V(std::move(zeroValue)), f, f, numPartitions);
}

}  // namespace detail

template <class T>
template <class Create, class MergeValue, class MergeCombiners>
auto Rdd<T>::combineByKey(Create createCombiner, MergeValue mergeValue,
                          MergeCombiners mergeCombiners, std::optional<int> numPartitions) const {
  return detail::combineByKeyOf(*this, std::move(createCombiner), std::move(mergeValue),
                                std::move(mergeCombiners), numPartitions);
}

template <class T>
template <class F>
auto Rdd<T>::reduceByKey(F f, std::optional<int> numPartitions) const {
  return detail::reduceByKeyOf(*this, std::move(f), numPartitions);
}

template <class T>
template <class U, class Seq, class Comb>
auto Rdd<T>::aggregateByKey(U zeroValue, Seq seqOp, Comb combOp,
                            std::optional<int> numPartitions) const {
  return detail::aggregateByKeyOf(*this, std::move(zeroValue), std::move(seqOp), std::move(combOp),
                                  numPartitions);
}

template <class T>
template <class V0, class F>
auto Rdd<T>::foldByKey(V0 zeroValue, F f, std::optional<int> numPartitions) const {
  return detail::foldByKeyOf(*this, std::move(zeroValue), std::move(f), numPartitions);
}

template <class T, class Src, class Step>
template <class Create, class MergeValue, class MergeCombiners>
auto PipelineRdd<T, Src, Step>::combineByKey(Create createCombiner, MergeValue mergeValue,
                                             MergeCombiners mergeCombiners,
                                             std::optional<int> numPartitions) const {
  return detail::combineByKeyOf(*this, std::move(createCombiner), std::move(mergeValue),
                                std::move(mergeCombiners), numPartitions);
}

template <class T, class Src, class Step>
template <class F>
auto PipelineRdd<T, Src, Step>::reduceByKey(F f, std::optional<int> numPartitions) const {
  return detail::reduceByKeyOf(*this, std::move(f), numPartitions);
}

template <class T, class Src, class Step>
template <class U, class Seq, class Comb>
auto PipelineRdd<T, Src, Step>::aggregateByKey(U zeroValue, Seq seqOp, Comb combOp,
                                               std::optional<int> numPartitions) const {
  return detail::aggregateByKeyOf(*this, std::move(zeroValue), std::move(seqOp), std::move(combOp),
                                  numPartitions);
}

template <class T, class Src, class Step>
template <class V0, class F>
auto PipelineRdd<T, Src, Step>::foldByKey(V0 zeroValue, F f,
                                          std::optional<int> numPartitions) const {
  return detail::foldByKeyOf(*this, std::move(zeroValue), std::move(f), numPartitions);
}

}  // namespace ember
