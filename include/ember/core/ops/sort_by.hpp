#pragma once

#include "ember/core/ops/map.hpp"
#include "ember/core/ops/pair_functions.hpp"
#include "ember/core/ops/sort_by_key.hpp"
#include "ember/core/rdd.hpp"

namespace ember {

template <class T>
template <class F>
Rdd<T> Rdd<T>::sortBy(F f, bool ascending, std::optional<int> numPartitions) const {
  // Checked here too, so that the error names sortBy rather than the sortByKey inside.
  if (numPartitions) detail::checkPartitions("sortBy", *numPartitions);
  return keyBy(std::move(f)).sortByKey(ascending, numPartitions).values();
}

}  // namespace ember
