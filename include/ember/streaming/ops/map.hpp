#pragma once

#include <utility>
#include <vector>

#include "ember/core/ops/coalesce.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/streaming/ops/transform.hpp"

namespace ember {

template <class T>
template <class F>
auto DStream<T>::map(F f) const {
  using U = detail::MoveResult<F, T>;
  return detail::makeTransformed<U>(
      node_, [f](const Rdd<T>& rdd, Time) { return rdd.map(f); }, "map");
}

template <class T>
template <class U, class F>
auto DStream<T>::flatMap(F f) const {
  using R = decltype(std::declval<Rdd<T>>().template flatMap<U>(f));
  using V = typename detail::RddElement<R>::type;
  return detail::makeTransformed<V>(
      node_, [f](const Rdd<T>& rdd, Time) { return rdd.template flatMap<U>(f); }, "flatMap");
}

template <class T>
template <class F>
DStream<T> DStream<T>::filter(F f) const {
  return detail::makeTransformed<T>(
      node_, [f](const Rdd<T>& rdd, Time) { return rdd.filter(f); }, "filter");
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
