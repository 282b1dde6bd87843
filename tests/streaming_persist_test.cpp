// persist()/cache() of streams, remember(), slice(), and the dropping of old RDDs.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::StorageLevel;
using ember::StreamingContext;
using ember::Time;
using streaming_test::counting;
using streaming_test::runTo;

ember::Conf manualConf() {
  ember::Conf conf;
  conf.setMaster("local[2]").setAppName("persist").set("spark.streaming.clock", "ManualClock");
  return conf;
}

/// The storage level of every RDD the stream gave its output, in batch order.
std::shared_ptr<std::vector<Rdd<int>>> keepRdds(const DStream<int>& s) {
  auto rdds = std::make_shared<std::vector<Rdd<int>>>();
  auto mutex = std::make_shared<std::mutex>();
  s.foreachRDD([rdds, mutex](const Rdd<int>& rdd) {
    rdd.count();
    std::lock_guard lock(*mutex);
    rdds->push_back(rdd);
  });
  return rdds;
}

TEST(StreamingPersist, PersistDefaultsToMemoryOnlySer) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto input = counting(ssc, 2);
  auto persisted = input.map([](int x) { return x + 1; });
  persisted.persist();
  auto cached = input.map([](int x) { return x + 2; });
  cached.cache();
  auto explicitLevel = input.map([](int x) { return x + 3; });
  explicitLevel.persist(StorageLevel::MEMORY_ONLY);
  auto plain = input.map([](int x) { return x + 4; });
  auto a = keepRdds(persisted);
  auto b = keepRdds(cached);
  auto c = keepRdds(explicitLevel);
  auto d = keepRdds(plain);
  ssc.start();
  runTo(ssc, 1, 1);
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(a->front().getStorageLevel(), StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(b->front().getStorageLevel(), StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(c->front().getStorageLevel(), StorageLevel::MEMORY_ONLY);
  EXPECT_EQ(d->front().getStorageLevel(), StorageLevel::NONE);
  EXPECT_EQ(persisted.node()->storageLevel(), StorageLevel::MEMORY_ONLY_SER);
  ssc.stop();
}

TEST(StreamingPersist, PersistedResultsAreCorrect) {
  auto out = ember::testing::runOperation(
      std::vector<std::vector<int>>{{1, 2}, {3}},
      [](DStream<int> s) {
        auto m = s.map([](int x) { return x * 3; });
        m.persist();
        return m.union_(m);
      },
      2);
  for (auto& batch : out) std::sort(batch.begin(), batch.end());
  EXPECT_EQ(out, (std::vector<std::vector<int>>{{3, 3, 6, 6}, {9, 9}}));
}

TEST(StreamingPersist, PersistAfterStartIsUnsupported) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = counting(ssc, 1);
  keepRdds(s);
  ssc.start();
  EXPECT_THROW(s.persist(), ember::UnsupportedOperationError);
  EXPECT_THROW(s.cache(), ember::UnsupportedOperationError);
  EXPECT_THROW(s.persist(StorageLevel::MEMORY_ONLY), ember::UnsupportedOperationError);
  ssc.stop();
  EXPECT_THROW(s.persist(), ember::UnsupportedOperationError);
}

TEST(StreamingPersist, OldRddsAreDroppedAndUnpersisted) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto mapped = counting(ssc, 50).map([](int x) { return x; });
  mapped.persist();
  auto rdds = keepRdds(mapped);
  ssc.start();
  for (int k = 1; k <= 50; ++k) {
    runTo(ssc, k, k);
    // Without remember(), a stream keeps only its latest batch once that batch is done.
    ASSERT_EQ(mapped.node()->numGenerated(), 1u) << "after batch " << k;
  }
  ASSERT_EQ(rdds->size(), 50u);
  EXPECT_EQ(rdds->front().getStorageLevel(), StorageLevel::NONE);
  EXPECT_EQ((*rdds)[48].getStorageLevel(), StorageLevel::NONE);
  EXPECT_EQ(rdds->back().getStorageLevel(), StorageLevel::MEMORY_ONLY_SER);
  ssc.stop();
}

TEST(StreamingPersist, UnpersistFalseKeepsDroppedRddsPersisted) {
  auto conf = manualConf().set("spark.streaming.unpersist", "false");
  StreamingContext ssc(conf, ember::Seconds(1));
  auto mapped = counting(ssc, 3).map([](int x) { return x; });
  mapped.persist();
  auto rdds = keepRdds(mapped);
  ssc.start();
  runTo(ssc, 1, 3);
  EXPECT_EQ(mapped.node()->numGenerated(), 1u);  // forgotten all the same
  ASSERT_EQ(rdds->size(), 3u);
  EXPECT_EQ(rdds->front().getStorageLevel(), StorageLevel::MEMORY_ONLY_SER);
  ssc.stop();
}

TEST(StreamingPersist, RememberKeepsRddsThatLong) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  ssc.remember(ember::Seconds(5));
  auto input = counting(ssc, 12);
  auto mapped = input.map([](int x) { return x * 2; });
  keepRdds(mapped);
  ssc.start();
  runTo(ssc, 1, 10);
  // After batch 10 s, everything at or before 10 s - 5 s is gone.
  EXPECT_EQ(mapped.node()->numGenerated(), 5u);
  EXPECT_EQ(input.node()->numGenerated(), 5u);
  auto all = mapped.slice(Time(0), Time(100'000));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().collect(), (std::vector<int>{12, 120}));
  EXPECT_EQ(all.back().collect(), (std::vector<int>{20, 200}));
  runTo(ssc, 11, 12);
  EXPECT_EQ(mapped.node()->numGenerated(), 5u);
  ssc.stop();
}

TEST(StreamingPersist, SliceIsInclusiveAndFloorsBoundsToTheGrid) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  ssc.remember(ember::Seconds(20));
  auto s = counting(ssc, 10);
  keepRdds(s);
  ssc.start();
  runTo(ssc, 1, 10);
  auto firsts = [](const std::vector<Rdd<int>>& rdds) {
    std::vector<int> out;
    for (const auto& rdd : rdds) out.push_back(rdd.collect().front());
    return out;
  };
  EXPECT_EQ(firsts(s.slice(Time(3000), Time(5000))), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(firsts(s.slice(Time(7000), Time(7000))), (std::vector<int>{7}));
  // Spark floors both bounds to the slide grid: [6.5 s, 8.5 s] is [6 s, 8 s].
  EXPECT_EQ(firsts(s.slice(Time(6500), Time(8500))), (std::vector<int>{6, 7, 8}));
  EXPECT_TRUE(s.slice(Time(5000), Time(4000)).empty());
  EXPECT_TRUE(s.slice(Time(-5000), Time(0)).empty());
  EXPECT_EQ(firsts(s.slice(Time(9000), Time(50'000))), (std::vector<int>{9, 10}));
  ssc.stop();
}

TEST(StreamingPersist, SliceBeforeStartIsRefused) {
  StreamingContext ssc(manualConf(), ember::Seconds(1));
  auto s = counting(ssc, 1);
  keepRdds(s);
  EXPECT_THROW(s.slice(Time(0), Time(1000)), ember::IllegalStateError);
  ssc.stop();
}

}  // namespace
