#pragma once

#include <optional>
#include <utility>

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
}  // namespace detail

template <class T>
template <class F>
auto DStream<T>::reduceByKey(F f, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "reduceByKey");
  int n = detail::streamingPartitions("reduceByKey", numPartitions, context());
  return detail::makeTransformed<T>(
      node_, [f, n](const Rdd<T>& rdd, Time) { return rdd.reduceByKey(f, n); }, "reduceByKey",
      detail::partitionsParam(n));
}

template <class T, class Src, class Build>
template <class F>
auto PipelineDStream<T, Src, Build>::reduceByKey(F f, std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "reduceByKey");
  auto chain = this->fusion();
  if (!chain) return DStream<T>::reduceByKey(std::move(f), numPartitions);
  int n = detail::streamingPartitions("reduceByKey", numPartitions, this->context());
  auto aggregate = [f, n](const auto& rdd) -> Rdd<T> { return rdd.reduceByKey(f, n); };
  return DStream<T>(
      std::make_shared<detail::FusedAggregateNode<T, T, Src, Build, decltype(aggregate)>>(
          this->node(), std::move(chain), std::move(aggregate), "reduceByKey",
          detail::partitionsParam(n)));
}

template <class T>
auto DStream<T>::groupByKey(std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "groupByKey");
  using U = std::pair<detail::KeyOf<T>, std::vector<detail::ValueOf<T>>>;
  int n = detail::streamingPartitions("groupByKey", numPartitions, context());
  return detail::makeTransformed<U>(
      node_, [n](const Rdd<T>& rdd, Time) { return rdd.groupByKey(n); }, "groupByKey",
      detail::partitionsParam(n));
}

template <class T>
template <class Create, class MergeValue, class MergeCombiners>
auto DStream<T>::combineByKey(Create createCombiner, MergeValue mergeValue,
                              MergeCombiners mergeCombiners,
                              std::optional<int> numPartitions) const {
  EMBER_REQUIRE_PAIR(T, "combineByKey");
  int n = detail::streamingPartitions("combineByKey", numPartitions, context());
  auto g = [=](const Rdd<T>& rdd, Time) {
    return rdd.combineByKey(createCombiner, mergeValue, mergeCombiners, n);
  };
  using R = std::invoke_result_t<decltype(g)&, const Rdd<T>&, Time>;
  return detail::makeTransformed<typename detail::RddElement<R>::type>(node_, g, "combineByKey",
                                                                       detail::partitionsParam(n));
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
