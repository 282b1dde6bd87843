// persist / cache / unpersist at every storage level: caching is proved by counting how often a
// user function runs across two actions.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "ember/core/ops/detach.hpp"
#include "rdd_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using ember::StorageLevel;
using ember_test::rangeInclusive;
using Vec = std::vector<int>;

struct Point {
  int x = 0;
  std::string label;
  std::vector<double> weights;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(x, label, weights);
  }
  friend bool operator==(const Point&, const Point&) = default;
};

// No serialize(): usable at MEMORY_ONLY only.
struct Opaque {
  int v = 0;
  friend bool operator==(const Opaque&, const Opaque&) = default;
};

std::size_t filesIn(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

const char* const kLevelNames[] = {
    "MEMORY_ONLY",     "MEMORY_ONLY_2",     "MEMORY_ONLY_SER",     "MEMORY_ONLY_SER_2",
    "MEMORY_AND_DISK", "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_SER", "MEMORY_AND_DISK_SER_2",
    "DISK_ONLY",       "DISK_ONLY_2"};

struct LevelCell {
  const char* level;
  const char* master;
};

class PersistLevels : public testing::TestWithParam<LevelCell> {
 protected:
  PersistLevels() : engine(GetParam().master, "persist") {}
  ~PersistLevels() override { engine.stop(); }

  StorageLevel level() const { return StorageLevel::fromString(GetParam().level); }
  ember::detail::BlockStore& blocks() { return engine.state()->blocks(); }

  /// Persists a mapped dataset of `data` at the level, runs two actions and checks the mapping
  /// function ran once per element, and the values survived storage.
  template <class T>
  void roundTrip(std::vector<T> data, int partitions) {
    std::atomic<int> calls{0};
    auto rdd = engine.parallelize(data, partitions).map([&calls](T x) {
      ++calls;
      return x;
    });
    rdd.persist(level());
    EXPECT_EQ(rdd.getStorageLevel(), level());
    EXPECT_EQ(rdd.collect(), data);
    EXPECT_EQ(calls.load(), static_cast<int>(data.size()));
    EXPECT_EQ(blocks().numBlocks(rdd.id()), partitions);
    EXPECT_EQ(rdd.collect(), data);
    EXPECT_EQ(rdd.count(), static_cast<std::int64_t>(data.size()));
    EXPECT_EQ(calls.load(), static_cast<int>(data.size())) << "recomputed although persisted";
    rdd.unpersist();
    EXPECT_EQ(blocks().numBlocks(rdd.id()), 0);
    EXPECT_EQ(rdd.getStorageLevel(), StorageLevel::NONE);
    EXPECT_EQ(rdd.collect(), data);
    EXPECT_EQ(calls.load(), 2 * static_cast<int>(data.size())) << "not recomputed after unpersist";
  }

  ember::Engine engine;
};

TEST_P(PersistLevels, Ints) {
  roundTrip(rangeInclusive(0, 2999), 3);
}

TEST_P(PersistLevels, Strings) {
  roundTrip(std::vector<std::string>{"alpha", "", "gamma with spaces", std::string(5000, 'x')}, 2);
}

TEST_P(PersistLevels, Pairs) {
  roundTrip(std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", -2}, {"", 0}}, 2);
}

TEST_P(PersistLevels, Tuples) {
  roundTrip(std::vector<std::tuple<int, std::string, double>>{{1, "x", 0.5}, {2, "", -1.25}}, 2);
}

TEST_P(PersistLevels, Vectors) {
  roundTrip(std::vector<std::vector<int>>{{}, {1}, {2, 3, 4}}, 3);
}

TEST_P(PersistLevels, Maps) {
  roundTrip(std::vector<std::map<std::string, int>>{{}, {{"a", 1}, {"b", 2}}}, 2);
}

TEST_P(PersistLevels, Optionals) {
  roundTrip(std::vector<std::optional<int>>{std::nullopt, 3, std::nullopt, -7}, 2);
}

TEST_P(PersistLevels, UserStruct) {
  roundTrip(std::vector<Point>{{1, "one", {1.5}}, {2, "", {}}, {3, "three", {0.25, 0.5}}}, 2);
}

TEST_P(PersistLevels, EmptyPartitions) {
  roundTrip(Vec{1, 2}, 5);
}

TEST_P(PersistLevels, ShuffledDataset) {
  std::atomic<int> calls{0};
  auto reduced = engine.parallelize(std::vector<std::pair<int, int>>{{1, 1}, {2, 2}, {1, 3}}, 2)
                     .reduceByKey(std::plus<>{}, 2)
                     .mapValues([&calls](int v) {
                       ++calls;
                       return v * 10;
                     });
  reduced.persist(level());
  auto first = ember_test::sorted(reduced.collect());
  auto second = ember_test::sorted(reduced.collect());
  EXPECT_EQ(first, (std::vector<std::pair<int, int>>{{1, 40}, {2, 20}}));
  EXPECT_EQ(second, first);
  EXPECT_EQ(calls.load(), 2);
}

TEST_P(PersistLevels, PartialThenFull) {
  // take(1) stores the first partition only; the next action computes just the others.
  std::atomic<int> calls{0};
  auto rdd = engine.parallelize(rangeInclusive(0, 39), 4).map([&calls](int x) {
    ++calls;
    return x;
  });
  rdd.persist(level());
  EXPECT_EQ(rdd.take(1), Vec{0});
  EXPECT_EQ(calls.load(), 10);
  EXPECT_EQ(blocks().numBlocks(rdd.id()), 1);
  EXPECT_EQ(rdd.collect(), rangeInclusive(0, 39));
  EXPECT_EQ(calls.load(), 40);
}

TEST_P(PersistLevels, DiskFilesRemovedOnUnpersist) {
  auto rdd = engine.parallelize(rangeInclusive(0, 99), 4);
  rdd.persist(level());
  rdd.count();
  std::size_t files = filesIn(blocks().directory());
  EXPECT_EQ(files, level().useMemory ? 0u : 4u);
  EXPECT_EQ(blocks().diskBlocks(), files);
  rdd.unpersist();
  EXPECT_EQ(filesIn(blocks().directory()), 0u);
  EXPECT_EQ(blocks().diskBlocks(), 0u);
  EXPECT_EQ(blocks().memoryUsed(), 0u);
}

TEST_P(PersistLevels, DroppedWithTheLastHandle) {
  int id = 0;
  {
    auto rdd = engine.parallelize(rangeInclusive(0, 9), 2).map([](int x) { return x + 1; });
    rdd.persist(level());
    rdd.count();
    id = rdd.id();
    EXPECT_EQ(blocks().numBlocks(id), 2);
  }
  EXPECT_EQ(blocks().numBlocks(id), 0);
  EXPECT_EQ(filesIn(blocks().directory()), 0u);
}

TEST_P(PersistLevels, DetachedDatasetOwnsTheBlocksWithoutLineage) {
  std::atomic<int> calls{0};
  auto shuffled = engine.parallelize(rangeInclusive(0, 99), 3)
                      .map([&calls](int x) {
                        ++calls;
                        return std::pair(x % 7, x);
                      })
                      .reduceByKey(std::plus<>{}, 2);
  shuffled.persist(level());
  EXPECT_FALSE(ember::detail::detachCached(shuffled)) << "nothing is cached yet";
  auto expected = shuffled.collect();
  auto detached = ember::detail::detachCached(shuffled);
  ASSERT_TRUE(detached);
  EXPECT_EQ(blocks().numBlocks(shuffled.id()), 0);
  EXPECT_EQ(blocks().numBlocks(detached->id()), 2);
  EXPECT_EQ(detached->getStorageLevel(), level());
  EXPECT_EQ(detached->getNumPartitions(), 2);
  EXPECT_EQ(detached->collect(), expected);
  EXPECT_EQ(calls.load(), 100) << "the detached dataset recomputed";
  EXPECT_EQ(detached->toDebugString().find('\n'), detached->toDebugString().size() - 1)
      << "lineage is one line:\n"
      << detached->toDebugString();
  // The original is still usable: it recomputes from its own lineage (from the outputs its
  // shuffle kept, so the map side does not run again).
  auto again = shuffled.collect();
  std::sort(again.begin(), again.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(again, expected);
  EXPECT_EQ(calls.load(), 100);
}

TEST_P(PersistLevels, DetachedDatasetUnpersistedIsAnError) {
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2).map([](int x) { return x * 2; });
  rdd.persist(level());
  rdd.count();
  auto detached = ember::detail::detachCached(rdd);
  ASSERT_TRUE(detached);
  EXPECT_FALSE(ember::detail::detachCached(rdd)) << "its blocks were already taken";
  detached->unpersist();
  EXPECT_EQ(filesIn(blocks().directory()), 0u);
  try {
    detached->collect();
    FAIL() << "expected TaskFailedError";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("no longer stored"), std::string::npos) << e.what();
  }
}

std::vector<LevelCell> levelCells() {
  std::vector<LevelCell> cells;
  for (const char* master : ember_test::kGridMasters) {
    for (const char* level : kLevelNames) cells.push_back({level, master});
  }
  return cells;
}

INSTANTIATE_TEST_SUITE_P(Levels, PersistLevels, testing::ValuesIn(levelCells()),
                         [](const testing::TestParamInfo<LevelCell>& info) {
                           std::string m = info.param.master;
                           return std::string(info.param.level) + "_t" + m.substr(6, 1);
                         });

class Persist : public ember_test::EngineTest {};

TEST_F(Persist, CacheIsMemoryOnly) {
  std::atomic<int> calls{0};
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2).map([&calls](int x) {
    ++calls;
    return x;
  });
  rdd.cache();
  EXPECT_EQ(rdd.getStorageLevel(), StorageLevel::MEMORY_ONLY);
  rdd.count();
  rdd.count();
  EXPECT_EQ(calls.load(), 10);
  auto other = engine.parallelize(rangeInclusive(0, 9), 2);
  other.persist();
  EXPECT_EQ(other.getStorageLevel(), StorageLevel::MEMORY_ONLY);
}

TEST_F(Persist, WithoutPersistEveryActionRecomputes) {
  std::atomic<int> calls{0};
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2).map([&calls](int x) {
    ++calls;
    return x;
  });
  rdd.count();
  rdd.count();
  EXPECT_EQ(calls.load(), 20);
}

TEST_F(Persist, FromStringNamesAndRefusals) {
  EXPECT_EQ(StorageLevel::fromString("MEMORY_ONLY"), StorageLevel::MEMORY_ONLY);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_ONLY_2"), StorageLevel::MEMORY_ONLY_2);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_ONLY_SER"), StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_ONLY_SER_2"), StorageLevel::MEMORY_ONLY_SER_2);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_AND_DISK"), StorageLevel::MEMORY_AND_DISK);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_AND_DISK_2"), StorageLevel::MEMORY_AND_DISK_2);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_AND_DISK_SER"), StorageLevel::MEMORY_AND_DISK_SER);
  EXPECT_EQ(StorageLevel::fromString("MEMORY_AND_DISK_SER_2"), StorageLevel::MEMORY_AND_DISK_SER_2);
  EXPECT_EQ(StorageLevel::fromString("DISK_ONLY"), StorageLevel::DISK_ONLY);
  EXPECT_EQ(StorageLevel::fromString("DISK_ONLY_2"), StorageLevel::DISK_ONLY_2);
  EXPECT_EQ(StorageLevel::fromString("NONE"), StorageLevel::NONE);
  EXPECT_EQ(StorageLevel::MEMORY_AND_DISK_SER_2.replication, 2);
  EXPECT_TRUE(StorageLevel::MEMORY_AND_DISK_SER_2.useDisk);
  EXPECT_FALSE(StorageLevel::MEMORY_AND_DISK_SER_2.deserialized);
  EXPECT_FALSE(StorageLevel::NONE.isValid());
  for (const char* bad : {"memory_only", "", "MEMORY", "DISK_ONLY_3", " MEMORY_ONLY"}) {
    try {
      StorageLevel::fromString(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ember::IllegalArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(Persist, Descriptions) {
  EXPECT_EQ(StorageLevel::MEMORY_ONLY.description(), "Memory Deserialized 1x Replicated");
  EXPECT_EQ(StorageLevel::MEMORY_AND_DISK_SER_2.description(),
            "Disk Memory Serialized 2x Replicated");
  EXPECT_EQ(StorageLevel::DISK_ONLY.description(), "Disk Serialized 1x Replicated");
}

TEST_F(Persist, ChangingALevelIsRefusedUntilUnpersist) {
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2);
  rdd.persist(StorageLevel::MEMORY_ONLY);
  EXPECT_NO_THROW(rdd.persist(StorageLevel::MEMORY_ONLY));
  EXPECT_THROW(rdd.persist(StorageLevel::DISK_ONLY), ember::UnsupportedOperationError);
  rdd.unpersist();
  EXPECT_NO_THROW(rdd.persist(StorageLevel::DISK_ONLY));
  EXPECT_EQ(rdd.getStorageLevel(), StorageLevel::DISK_ONLY);
  EXPECT_EQ(rdd.collect(), rangeInclusive(0, 9));
}

TEST_F(Persist, NonSerializableTypeAtSerializedLevelsIsRefused) {
  auto rdd = engine.parallelize(std::vector<Opaque>{{1}, {2}}, 2);
  for (const auto& level : {StorageLevel::MEMORY_ONLY_SER, StorageLevel::MEMORY_ONLY_SER_2,
                            StorageLevel::DISK_ONLY, StorageLevel::DISK_ONLY_2,
                            StorageLevel::MEMORY_AND_DISK, StorageLevel::MEMORY_AND_DISK_SER}) {
    EXPECT_THROW(rdd.persist(level), ember::UnsupportedOperationError) << level.description();
    EXPECT_EQ(rdd.getStorageLevel(), StorageLevel::NONE);
  }
  std::atomic<int> calls{0};
  auto mapped = rdd.map([&calls](Opaque o) {
    ++calls;
    return o;
  });
  mapped.persist(StorageLevel::MEMORY_ONLY);
  EXPECT_EQ(mapped.collect(), (std::vector<Opaque>{{1}, {2}}));
  EXPECT_EQ(mapped.collect(), (std::vector<Opaque>{{1}, {2}}));
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(Persist, ContainersOfUnserializableTypesAreNotSerializable) {
  static_assert(ember::detail::kSerializable<std::pair<int, std::vector<std::string>>>);
  static_assert(!ember::detail::kSerializable<std::pair<int, Opaque>>);
  static_assert(!ember::detail::kSerializable<std::tuple<int, std::optional<Opaque>>>);
  static_assert(!ember::detail::kSerializable<std::vector<std::map<int, Opaque>>>);
  auto rdd = engine.parallelize(std::vector<std::pair<int, Opaque>>{{1, {2}}, {3, {4}}}, 2);
  EXPECT_THROW(rdd.persist(StorageLevel::MEMORY_ONLY_SER), ember::UnsupportedOperationError);
  rdd.persist(StorageLevel::MEMORY_ONLY);
  EXPECT_EQ(rdd.count(), 2);
  EXPECT_EQ(rdd.collect().back().second, Opaque{4});
}

TEST_F(Persist, DownstreamDatasetsAndShufflesReadTheCache) {
  std::atomic<int> calls{0};
  auto base = engine.parallelize(rangeInclusive(0, 19), 4).map([&calls](int x) {
    ++calls;
    return x;
  });
  base.cache();
  EXPECT_EQ(base.count(), 20);
  auto doubled = base.map([](int x) { return 2 * x; });
  EXPECT_EQ(doubled.collect().back(), 38);
  auto byParity = base.map([](int x) { return std::pair<int, int>(x % 2, x); })
                      .reduceByKey(std::plus<>{})
                      .collectAsMap();
  EXPECT_EQ(byParity, (std::map<int, int>{{0, 90}, {1, 100}}));
  EXPECT_EQ(base.union_(base).count(), 40);
  EXPECT_EQ(calls.load(), 20);
}

TEST_F(Persist, FailedComputationStoresNothing) {
  auto fail = std::make_shared<std::atomic<bool>>(true);
  auto rdd = engine.parallelize(rangeInclusive(0, 9), 2).map([fail](int x) {
    if (*fail && x == 7) throw std::runtime_error("not yet");
    return x;
  });
  rdd.persist(StorageLevel::MEMORY_AND_DISK_SER);
  EXPECT_THROW(rdd.collect(), ember::TaskFailedError);
  EXPECT_LE(engine.state()->blocks().numBlocks(rdd.id()), 1);
  *fail = false;
  EXPECT_EQ(rdd.collect(), rangeInclusive(0, 9));
  EXPECT_EQ(engine.state()->blocks().numBlocks(rdd.id()), 2);
}

class PersistMemoryLimit : public testing::Test {
 protected:
  static ember::Engine makeEngine(const std::string& bytes) {
    return ember::Engine(ember::Conf()
                             .setMaster("local[2]")
                             .setAppName("limit")
                             .set("ember.storage.memoryBytes", bytes));
  }
};

TEST_F(PersistMemoryLimit, MemoryAndDiskSpillsToDisk) {
  auto engine = makeEngine("1");
  auto& blocks = engine.state()->blocks();
  for (const auto& level : {StorageLevel::MEMORY_AND_DISK, StorageLevel::MEMORY_AND_DISK_SER}) {
    std::atomic<int> calls{0};
    auto rdd = engine.parallelize(rangeInclusive(0, 99), 4).map([&calls](int x) {
      ++calls;
      return x;
    });
    rdd.persist(level);
    EXPECT_EQ(rdd.collect(), rangeInclusive(0, 99));
    EXPECT_EQ(blocks.diskBlocks(), 4u) << level.description();
    EXPECT_EQ(filesIn(blocks.directory()), 4u);
    EXPECT_EQ(blocks.memoryUsed(), 0u);
    EXPECT_EQ(rdd.collect(), rangeInclusive(0, 99));
    EXPECT_EQ(calls.load(), 100) << level.description();
    rdd.unpersist();
    EXPECT_EQ(blocks.diskBlocks(), 0u);
    EXPECT_EQ(filesIn(blocks.directory()), 0u);
  }
  engine.stop();
}

TEST_F(PersistMemoryLimit, MemoryOnlyThatDoesNotFitIsRecomputed) {
  auto engine = makeEngine("1");
  for (const auto& level : {StorageLevel::MEMORY_ONLY, StorageLevel::MEMORY_ONLY_SER}) {
    std::atomic<int> calls{0};
    auto rdd = engine.parallelize(rangeInclusive(0, 99), 4).map([&calls](int x) {
      ++calls;
      return x;
    });
    rdd.persist(level);
    EXPECT_EQ(rdd.collect(), rangeInclusive(0, 99));
    EXPECT_EQ(rdd.collect(), rangeInclusive(0, 99));
    EXPECT_EQ(calls.load(), 200) << level.description();
    EXPECT_EQ(engine.state()->blocks().numBlocks(rdd.id()), 0);
    EXPECT_EQ(engine.state()->blocks().diskBlocks(), 0u);
  }
  engine.stop();
}

TEST_F(PersistMemoryLimit, DeserializedBlockThatDoesNotFitGoesToDiskNotMemory) {
  // Ten one-letter strings: their objects take more than 100 bytes, their serialized bytes less.
  // A MEMORY_AND_DISK block refused by memory belongs on disk, not back in memory as bytes.
  auto engine = makeEngine("100");
  auto& blocks = engine.state()->blocks();
  auto rdd = engine.parallelize(std::vector<std::string>(10, "x"), 1);
  rdd.persist(StorageLevel::MEMORY_AND_DISK);
  EXPECT_EQ(rdd.count(), 10);
  EXPECT_EQ(blocks.diskBlocks(), 1u);
  EXPECT_EQ(blocks.memoryUsed(), 0u);
  EXPECT_EQ(rdd.collect(), std::vector<std::string>(10, "x"));
  engine.stop();
}

TEST_F(PersistMemoryLimit, MalformedLimitIsRefused) {
  EXPECT_THROW(makeEngine("lots"), ember::IllegalArgumentError);
}

TEST_F(PersistMemoryLimit, SmallBlocksStayInMemoryUnderTheLimit) {
  auto engine = makeEngine("1000000");
  auto& blocks = engine.state()->blocks();
  auto rdd = engine.parallelize(rangeInclusive(0, 99), 4);
  rdd.persist(StorageLevel::MEMORY_AND_DISK);
  rdd.count();
  EXPECT_EQ(blocks.diskBlocks(), 0u);
  EXPECT_EQ(blocks.memoryUsed(), 100 * sizeof(int));
  rdd.unpersist();
  EXPECT_EQ(blocks.memoryUsed(), 0u);
  engine.stop();
}

}  // namespace
