// Persistence of windowed streams: their default levels, every storage level by name on a
// window and on an incremental window (serialized and disk levels go through the one
// serialization layer; disk blocks live in the engine's temporary directory, removed at stop),
// and the release of old windows' blocks.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using ember::DStream;
using ember::Rdd;
using ember::Seconds;
using ember::StorageLevel;
using ember::StreamingContext;
using ember::Time;
using P = std::pair<std::string, std::int64_t>;
using streaming_test::counting;
using streaming_test::runTo;
using streaming_test::watch;

TEST(WindowPersist, DefaultLevels) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = counting(ssc, 2);
  auto parent = input.map([](int x) { return x; });
  auto windowed = parent.window(Seconds(2));
  auto pairs = input.map([](int x) { return P(std::to_string(x % 2), 1); });
  auto incremental =
      pairs.reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(2), Seconds(1));
  auto w = watch(windowed);
  auto i = watch(incremental);
  ssc.start();
  runTo(ssc, 1, 2);
  // As Spark: a window's parent and an incremental window persist serialized; the window itself
  // (a union of cached RDDs) does not persist.
  EXPECT_EQ(parent.node()->storageLevel(), StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(windowed.node()->storageLevel(), StorageLevel::NONE);
  EXPECT_EQ(incremental.node()->storageLevel(), StorageLevel::MEMORY_ONLY_SER);
  std::lock_guard lock(i->mutex);
  EXPECT_EQ(i->levels, (std::vector<StorageLevel>(2, StorageLevel::MEMORY_ONLY_SER)));
  ssc.stop();
}

class WindowPersistLevels : public testing::TestWithParam<const char*> {};

TEST_P(WindowPersistLevels, WindowsComputeTheSameAtEveryLevel) {
  StorageLevel level = StorageLevel::fromString(GetParam());
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = counting(ssc, 6);
  auto windowed = input.window(Seconds(3));
  windowed.persist(level);
  auto incremental =
      input.map([](int x) { return P(x % 2 ? "odd" : "even", x); })
          .reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(3), Seconds(1), 2);
  incremental.persist(level);
  auto w = watch(windowed);
  auto i = watch(incremental);
  fs::path directory = ssc.sparkContext().state()->blocks().directory();
  ssc.start();
  runTo(ssc, 1, 6);
  if (level.useDisk && !level.useMemory) {
    EXPECT_GT(ssc.sparkContext().state()->blocks().diskBlocks(), 0u);
    EXPECT_TRUE(fs::exists(directory));
  }
  ssc.stop();
  EXPECT_FALSE(fs::exists(directory)) << "the block directory outlived the context";

  std::vector<std::vector<int>> windows;
  std::vector<std::vector<P>> sums;
  for (int t = 1; t <= 6; ++t) {
    std::vector<int> window;
    std::int64_t odd = 0;
    std::int64_t even = 0;
    for (int k = std::max(1, t - 2); k <= t; ++k) {
      window.push_back(k);
      window.push_back(10 * k);
      (k % 2 ? odd : even) += k;
      even += 10 * k;
    }
    std::sort(window.begin(), window.end());
    windows.push_back(window);
    sums.push_back({{"even", even}, {"odd", odd}});
  }
  std::lock_guard lock_w(w->mutex);
  std::lock_guard lock_i(i->mutex);
  EXPECT_EQ(w->data, windows);
  EXPECT_EQ(i->data, sums);
  EXPECT_EQ(w->levels, std::vector<StorageLevel>(6, level));
  EXPECT_EQ(i->levels, std::vector<StorageLevel>(6, level));
}

INSTANTIATE_TEST_SUITE_P(Levels, WindowPersistLevels,
                         testing::Values("MEMORY_ONLY", "MEMORY_ONLY_2", "MEMORY_ONLY_SER",
                                         "MEMORY_ONLY_SER_2", "MEMORY_AND_DISK",
                                         "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_SER",
                                         "MEMORY_AND_DISK_SER_2", "DISK_ONLY", "DISK_ONLY_2"));

// No serialize(): a window over it must fall back to a level that keeps objects.
struct Opaque {
  int v = 0;
  friend bool operator<(const Opaque& a, const Opaque& b) { return a.v < b.v; }
  friend bool operator==(const Opaque&, const Opaque&) = default;
};

TEST(WindowPersist, UnserializableElementsAreKeptAsObjects) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto opaque = counting(ssc, 3).map([](int x) { return Opaque{x}; });
  auto w = watch(opaque.window(Seconds(2)));
  ssc.start();
  runTo(ssc, 1, 3);
  ssc.stop();
  EXPECT_EQ(opaque.node()->storageLevel(), StorageLevel::MEMORY_ONLY);
  std::lock_guard lock(w->mutex);
  EXPECT_EQ(w->data.back(), (std::vector<Opaque>{{2}, {3}, {20}, {30}}));
  EXPECT_THROW(opaque.persist(StorageLevel::MEMORY_ONLY_SER), ember::UnsupportedOperationError);
}

TEST(WindowPersist, OldWindowsReleaseTheirBlocks) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input = counting(ssc, 60);
  auto incremental =
      input.map([](int x) { return P(std::to_string(x), 1); })
          .reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(5), Seconds(1), 2,
                                [](const P& kv) { return kv.second != 0; });
  auto windowed = input.window(Seconds(5));
  watch(incremental);
  watch(windowed);
  auto& blocks = ssc.sparkContext().state()->blocks();
  ssc.start();
  runTo(ssc, 1, 20);
  std::size_t at20 = blocks.memoryUsed();
  runTo(ssc, 21, 60);
  std::size_t at60 = blocks.memoryUsed();
  ssc.stop();
  EXPECT_GT(at20, 0u);
  // A window's worth of batches is all that stays: keeping everything would triple the figure.
  EXPECT_LT(at60, 2 * at20) << "blocks of forgotten batches are kept";
}

}  // namespace
