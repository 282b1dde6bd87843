#pragma once

#include <utility>
#include <vector>

#include "ember/core/ops/coalesce.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/streaming/ops/transform.hpp"
#include "ember/streaming/pipeline_dstream.hpp"

namespace ember {

template <class T>
template <class F>
auto DStream<T>::map(F f) const {
  using U = detail::MoveResult<F, T>;
  auto op = [f](const auto& rdd) { return rdd.map(f); };
  auto stream = detail::makeTransformed<U>(
      node_, [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "map");
  return detail::startStreamPipeline(stream, node_, op);
}

template <class T>
template <class U, class F>
auto DStream<T>::flatMap(F f) const {
  using R = decltype(std::declval<Rdd<T>>().template flatMap<U>(f));
  using V = typename detail::RddElement<R>::type;
  auto op = [f](const auto& rdd) { return rdd.template flatMap<U>(f); };
  auto stream = detail::makeTransformed<V>(
      node_, [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "flatMap");
  return detail::startStreamPipeline(stream, node_, op);
}

template <class T>
template <class F>
auto DStream<T>::filter(F f) const {
  auto op = [f](const auto& rdd) { return rdd.filter(f); };
  auto stream = detail::makeTransformed<T>(
      node_, [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "filter");
  return detail::startStreamPipeline(stream, node_, op);
}

template <class T, class Src, class Build>
template <class F>
auto PipelineDStream<T, Src, Build>::map(F f) const {
  using U = detail::MoveResult<F, T>;
  auto op = [f](const auto& rdd) { return rdd.map(f); };
  auto stream = detail::makeTransformed<U>(
      this->node(), [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "map");
  return detail::extendStreamPipeline(stream, *this, op);
}

template <class T, class Src, class Build>
template <class U, class F>
auto PipelineDStream<T, Src, Build>::flatMap(F f) const {
  using R = decltype(std::declval<Rdd<T>>().template flatMap<U>(f));
  using V = typename detail::RddElement<R>::type;
  auto op = [f](const auto& rdd) { return rdd.template flatMap<U>(f); };
  auto stream = detail::makeTransformed<V>(
      this->node(), [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "flatMap");
  return detail::extendStreamPipeline(stream, *this, op);
}

template <class T, class Src, class Build>
template <class F>
auto PipelineDStream<T, Src, Build>::filter(F f) const {
  auto op = [f](const auto& rdd) { return rdd.filter(f); };
  auto stream = detail::makeTransformed<T>(
      this->node(), [op](const Rdd<T>& rdd, Time) { return op(rdd); }, "filter");
  return detail::extendStreamPipeline(stream, *this, op);
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
