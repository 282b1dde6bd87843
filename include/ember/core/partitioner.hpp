#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "ember/core/hash.hpp"

namespace ember {

/// Hash partitioning (Spark's HashPartitioner): a key goes to KeyHash(key) mod n. Concrete, so
/// the shuffle's per-record loop inlines it.
template <class K>
struct HashPartitioner {
  int numPartitions = 1;
  int operator()(const K& key) const { return partitionOfHash(KeyHash<K>{}(key)); }
  /// The partition of a key whose KeyHash is `hash`.
  int partitionOfHash(std::size_t hash) const {
    return static_cast<int>(hash % static_cast<std::size_t>(numPartitions));
  }
};

/// Range partitioning (Spark's RangePartitioner): partition i takes the keys between bounds i-1
/// and i; `bounds` is sorted by the dataset's order (descending when !ascending).
template <class K>
struct RangePartitioner {
  std::vector<K> bounds;
  bool ascending = true;

  int numPartitions() const { return static_cast<int>(bounds.size()) + 1; }
  int operator()(const K& key) const {
    auto it = ascending ? std::lower_bound(bounds.begin(), bounds.end(), key)
                        : std::lower_bound(bounds.begin(), bounds.end(), key, std::greater<>{});
    return static_cast<int>(it - bounds.begin());
  }
};

}  // namespace ember
