#pragma once

// Shared helpers of the streaming tests: the partitions x masters matrix, and putting outputs in
// a canonical order so that results of keyed (unordered) operations can be compared.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"

namespace streaming_test {

/// Runs body(opts) once per cell of numInputPartitions {1, 2, 7} x masters {local[1], local[4]}.
template <class Body>
void forEachCell(Body body) {
  for (const char* master : {"local[1]", "local[4]"}) {
    ember::testing::ScopedMaster scoped(master);
    for (int partitions : {1, 2, 7}) {
      SCOPED_TRACE(std::string(master) + ", numInputPartitions=" + std::to_string(partitions));
      ember::testing::TestOptions opts;
      opts.numInputPartitions = partitions;
      body(opts);
    }
  }
}

template <class T>
struct Canon {
  static void apply(T&) {}
};
template <class T>
void canon(T& x) {
  Canon<T>::apply(x);
}
template <class T>
struct Canon<std::vector<T>> {
  static void apply(std::vector<T>& v) {
    for (auto& x : v) canon(x);
    std::sort(v.begin(), v.end());
  }
};
template <class A, class B>
struct Canon<std::pair<A, B>> {
  static void apply(std::pair<A, B>& p) {
    canon(p.first);
    canon(p.second);
  }
};
template <class T>
struct Canon<std::optional<T>> {
  static void apply(std::optional<T>& o) {
    if (o) canon(*o);
  }
};

/// Every batch sorted, and every nested vector sorted, batches kept in order.
template <class T>
std::vector<std::vector<T>> sortedBatches(std::vector<std::vector<T>> batches) {
  for (auto& batch : batches) canon(batch);
  return batches;
}

template <class T>
std::vector<T> range(T from, T to) {
  std::vector<T> out;
  for (T x = from; x <= to; ++x) out.push_back(x);
  return out;
}

}  // namespace streaming_test
