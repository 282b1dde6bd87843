#pragma once

#include "ember/core/ops/combine_by_key.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/ops/pair_functions.hpp"
#include "ember/core/rdd.hpp"

namespace ember {

namespace detail {
struct Unit {
  template <class Archive>
  void serialize(Archive&) {}
};
}  // namespace detail

template <class T>
Rdd<T> Rdd<T>::distinct(std::optional<int> numPartitions) const {
  // Checked here too, so that the error names distinct rather than the reduceByKey inside.
  if (numPartitions) detail::checkPartitions("distinct", *numPartitions);
  return map([](T x) { return std::pair<T, detail::Unit>(std::move(x), detail::Unit{}); })
      .reduceByKey([](detail::Unit a, detail::Unit) { return a; }, numPartitions)
      .keys();
}

}  // namespace ember
