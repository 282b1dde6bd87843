#pragma once

// Shared helpers of the streaming tests: the grid fixture (test_grid.hpp), and putting outputs in
// a canonical order so that results of keyed (unordered) operations can be compared.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "test_grid.hpp"
#include "test_range.hpp"

namespace streaming_test {

/// A test run once per cell of the grid (EMBER_TEST_ON_GRID): runOperation runs on the cell's
/// master for the life of the test, and options() gives the cell's input partition count.
class StreamingGridTest : public ember_test::GridTest {
 protected:
  ember::testing::TestOptions options() const {
    ember::testing::TestOptions opts;
    opts.numInputPartitions = GetParam().partitions;
    return opts;
  }

 private:
  ember::testing::ScopedMaster master_{GetParam().master};
};

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

/// The manual clock of a context built with ember::testing::detail::testConf().
inline ember::ManualClock& manual(ember::StreamingContext& ssc) {
  return dynamic_cast<ember::ManualClock&>(ssc.clock());
}

/// An input stream whose batch k (from 1) holds {k, 10k}, in two partitions.
inline ember::DStream<int> counting(ember::StreamingContext& ssc, int numBatches) {
  ember::testing::detail::Batches<int> batches;
  for (int k = 1; k <= numBatches; ++k) batches.emplace_back(std::vector<int>{k, 10 * k});
  return ember::testing::detail::testInput<int>(ssc, std::move(batches), 2);
}

/// Advances a started context's manual clock through batches fromBatch..toBatch (1 s each),
/// waiting for each, and checks that none failed.
inline void runTo(ember::StreamingContext& ssc, int fromBatch, int toBatch) {
  for (int k = fromBatch; k <= toBatch; ++k) {
    manual(ssc).advance(ssc.batchDuration().milliseconds());
    ASSERT_TRUE(ssc.core().awaitBatchProcessed(ember::Time(k * 1000), 60'000));
  }
  ASSERT_EQ(ssc.core().firstError(), nullptr);
}

/// What an output saw of each RDD: its elements (sorted) and its storage level.
template <class T>
struct Seen {
  std::mutex mutex;
  std::vector<std::vector<T>> data;
  std::vector<ember::StorageLevel> levels;
};

template <class T>
std::shared_ptr<Seen<T>> watch(const ember::DStream<T>& s) {
  auto seen = std::make_shared<Seen<T>>();
  s.foreachRDD([seen](const ember::Rdd<T>& rdd) {
    auto data = rdd.collect();
    std::sort(data.begin(), data.end());
    std::lock_guard lock(seen->mutex);
    seen->data.push_back(std::move(data));
    seen->levels.push_back(rdd.getStorageLevel());
  });
  return seen;
}

}  // namespace streaming_test
