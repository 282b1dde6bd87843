#pragma once

#include <utility>
#include <vector>

#include "ember/core/ops/coalesce.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/streaming/ops/transform.hpp"
#include "ember/streaming/pipeline_dstream.hpp"

namespace ember {

// map, flatMap and filter are the dataset operators' (detail::mapOf, ..., core/ops/map.hpp): each
// stream applies the operator's step to its parent's RDD, and the chain composes the same steps
// as a dataset chain does (detail::chainStep, streaming/pipeline_dstream.hpp).

template <class T>
template <class F>
auto DStream<T>::map(F f) const {
  return detail::mapOf(*this, std::move(f));
}

template <class T>
template <class U, class F>
auto DStream<T>::flatMap(F f) const {
  return detail::flatMapOf<U>(*this, std::move(f));
}

template <class T>
template <class F>
auto DStream<T>::filter(F f) const {
  return detail::filterOf(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class F>
auto PipelineDStream<T, Src, Step>::map(F f) const {
  return detail::mapOf(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class U, class F>
auto PipelineDStream<T, Src, Step>::flatMap(F f) const {
  return detail::flatMapOf<U>(*this, std::move(f));
}

template <class T, class Src, class Step>
template <class F>
auto PipelineDStream<T, Src, Step>::filter(F f) const {
  return detail::filterOf(*this, std::move(f));
}

template <class T>
template <class F>
auto DStream<T>::mapPartitions(F f, bool preservePartitioning) const {
  using R = decltype(std::declval<Rdd<T>>().mapPartitions(f));
  using U = typename detail::RddElement<R>::type;
  return detail::makeTransformed<U>(
      node_,
      [f, preservePartitioning](const Rdd<T>& rdd, Time) {
        return rdd.mapPartitions(f, preservePartitioning);
      },
      "mapPartitions");
}

template <class T>
DStream<std::vector<T>> DStream<T>::glom() const {
  return detail::makeTransformed<std::vector<T>>(
      node_, [](const Rdd<T>& rdd, Time) { return rdd.glom(); }, "glom");
}

template <class T>
DStream<T> DStream<T>::repartition(int numPartitions) const {
  detail::checkPartitions("repartition", numPartitions);
  return detail::makeTransformed<T>(
      node_, [numPartitions](const Rdd<T>& rdd, Time) { return rdd.repartition(numPartitions); },
      "repartition");
}

}  // namespace ember
