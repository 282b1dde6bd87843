#pragma once

#include <cstdint>
#include <utility>

#include "ember/core/ops/combine_by_key.hpp"
#include "ember/core/ops/pair_functions.hpp"
#include "ember/core/ops/parallelize.hpp"
#include "ember/core/ops/union.hpp"
#include "ember/streaming/ops/map.hpp"

namespace ember {

// As Spark: count and reduce go through a one-partition reduceByKey on a constant key, so they
// stay lazy (no job runs while the batch is generated), count always yields one element (a
// zero is unioned in), and reduce of an empty batch yields an empty RDD.

template <class T>
DStream<std::int64_t> DStream<T>::count() const {
  return detail::makeTransformed<std::int64_t>(
      node_,
      [](const Rdd<T>& rdd, Time) {
        using P = std::pair<int, std::int64_t>;
        auto ones = rdd.map([](const T&) { return P(0, 1); });
        auto zero = rdd.context().parallelize(std::vector<P>{P(0, 0)}, 1);
        return ones.union_(zero).reduceByKey(std::plus<>{}, 1).values();
      },
      "count");
}

template <class T>
template <class F>
DStream<T> DStream<T>::reduce(F f) const {
  return detail::makeTransformed<T>(
      node_,
      [f](const Rdd<T>& rdd, Time) {
        return rdd.map([](T x) { return std::pair<int, T>(0, std::move(x)); })
            .reduceByKey(f, 1)
            .values();
      },
      "reduce");
}

namespace detail {

/// countByValue of a stream or a chain: a (value, 1) step and reduceByKey, fused.
template <class H>
auto streamCountByValue(const H& stream, std::optional<int> numPartitions) {
  using T = typename H::value_type;
  using P = std::pair<T, std::int64_t>;
  return stream.map([](T x) { return P(std::move(x), 1); })
      .reduceByKey(std::plus<>{}, numPartitions);
}

}  // namespace detail

template <class T>
auto DStream<T>::countByValue(std::optional<int> numPartitions) const {
  return detail::streamCountByValue(*this, numPartitions);
}

template <class T, class Src, class Step>
auto PipelineDStream<T, Src, Step>::countByValue(std::optional<int> numPartitions) const {
  return detail::streamCountByValue(*this, numPartitions);
}

}  // namespace ember
