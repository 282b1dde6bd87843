#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/ops/combine_by_key.hpp"
#include "ember/core/ops/group_by_key.hpp"
#include "ember/core/ops/pair_functions.hpp"
#include "ember/streaming/ops/transform.hpp"
#include "ember/streaming/pipeline_dstream.hpp"

namespace ember {

namespace detail {
/// Spark Streaming's default for keyed operations: the engine's default parallelism.
int streamingPartitions(const char* operation, std::optional<int> numPartitions,
                        StreamingContext& ssc);

// The keyed aggregations of a stream (H, a DStream or a PipelineDStream): the dataset operation on
// each batch, which on a chain's batch runs the chain into its map-side combine or buckets.

template <class H, class F>
auto streamReduceByKey(const H& stream, F f, std::optional<int> numPartitions) {
  using T = typename H::value_type;
  EMBER_REQUIRE_PAIR(T, "reduceByKey");
  int n = streamingPartitions("reduceByKey", numPartitions, stream.context());
  auto hint = std::make_shared<CombineSizeHint>();
  return transformBatches<T>(
      stream, [f, n, hint](const auto& rdd, Time) { return reduceByKeyOf(rdd, f, n, hint); },
      "reduceByKey", partitionsParam(n));
}

template <class H>
auto streamGroupByKey(const H& stream, std::optional<int> numPartitions) {
  using T = typename H::value_type;
  EMBER_REQUIRE_PAIR(T, "groupByKey");
  using U = std::pair<KeyOf<T>, std::vector<ValueOf<T>>>;
  int n = streamingPartitions("groupByKey", numPartitions, stream.context());
  return transformBatches<U>(
      stream, [n](const auto& rdd, Time) { return rdd.groupByKey(n); }, "groupByKey",
      partitionsParam(n));
}

template <class H, class Create, class MergeValue, class MergeCombiners>
auto streamCombineByKey(const H& stream, Create createCombiner, MergeValue mergeValue,
                        MergeCombiners mergeCombiners, std::optional<int> numPartitions) {
  using T = typename H::value_type;
  EMBER_REQUIRE_PAIR(T, "combineByKey");
  int n = streamingPartitions("combineByKey", numPartitions, stream.context());
  auto hint = std::make_shared<CombineSizeHint>();
  auto g = [=](const auto& rdd, Time) {
    return combineByKeyOf(rdd, createCombiner, mergeValue, mergeCombiners, n, hint);
  };
  using R = std::invoke_result_t<decltype(g)&, const Rdd<T>&, Time>;
  return transformBatches<typename RddElement<R>::type>(stream, g, "combineByKey",
                                                        partitionsParam(n));
}

}  // namespace detail

template <class T>
template <class F>
auto DStream<T>::reduceByKey(F f, std::optional<int> numPartitions) const {
  return detail::streamReduceByKey(*this, std::move(f), numPartitions);
}

template <class T, class Src, class Step>
template <class F>
auto PipelineDStream<T, Src, Step>::reduceByKey(F f, std::optional<int> numPartitions) const {
  return detail::streamReduceByKey(*this, std::move(f), numPartitions);
}

template <class T>
auto DStream<T>::groupByKey(std::optional<int> numPartitions) const {
  return detail::streamGroupByKey(*this, numPartitions);
}

template <class T, class Src, class Step>
auto PipelineDStream<T, Src, Step>::groupByKey(std::optional<int> numPartitions) const {
  return detail::streamGroupByKey(*this, numPartitions);
}

template <class T>
template <class Create, class MergeValue, class MergeCombiners>
auto DStream<T>::combineByKey(Create createCombiner, MergeValue mergeValue,
                              MergeCombiners mergeCombiners,
                              std::optional<int> numPartitions) const {
  return detail::streamCombineByKey(*this, std::move(createCombiner), std::move(mergeValue),
                                    std::move(mergeCombiners), numPartitions);
}

template <class T, class Src, class Step>
template <class Create, class MergeValue, class MergeCombiners>
auto PipelineDStream<T, Src, Step>::combineByKey(Create createCombiner, MergeValue mergeValue,
                                                 MergeCombiners mergeCombiners,
                                                 std::optional<int> numPartitions) const {
  return detail::streamCombineByKey(*this, std::move(createCombiner), std::move(mergeValue),
                                    std::move(mergeCombiners), numPartitions);
}

template <class T>
template <class F>
auto DStream<T>::mapValues(F f) const {
  EMBER_REQUIRE_PAIR(T, "mapValues");
  auto g = [f](const Rdd<T>& rdd, Time) { return rdd.mapValues(f); };
  using R = std::invoke_result_t<decltype(g)&, const Rdd<T>&, Time>;
  return detail::makeTransformed<typename detail::RddElement<R>::type>(node_, g, "mapValues");
}

template <class T>
template <class F>
auto DStream<T>::flatMapValues(F f) const {
  EMBER_REQUIRE_PAIR(T, "flatMapValues");
  auto g = [f](const Rdd<T>& rdd, Time) { return rdd.flatMapValues(f); };
  using R = std::invoke_result_t<decltype(g)&, const Rdd<T>&, Time>;
  return detail::makeTransformed<typename detail::RddElement<R>::type>(node_, g, "flatMapValues");
}

}  // namespace ember
