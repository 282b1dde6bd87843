// Actions of Rdd, over every cell of the partitions x threads matrix, with expected values
// worked out from Spark's semantics.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using ember_test::rangeInclusive;
using ember_test::sorted;
using Vec = std::vector<int>;

class Actions : public ember_test::RddGridTest {
 protected:
  /// A path that does not exist yet, removed at the end of the test.
  fs::path scratch(const std::string& name) {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    std::string test = std::string(info->test_suite_name()) + "_" + info->name();
    std::replace(test.begin(), test.end(), '/', '_');
    fs::path dir = fs::temp_directory_path() /
                   ("ember-actions-" + std::to_string(::getpid()) + "-" + test + "-" + name);
    fs::remove_all(dir);
    cleanup_.push_back(dir);
    return dir;
  }
  ~Actions() override {
    for (const auto& dir : cleanup_) fs::remove_all(dir);
  }

 private:
  std::vector<fs::path> cleanup_;
};

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST_P(Actions, CollectAndCount) {
  EXPECT_EQ(make(rangeInclusive(0, 99)).collect(), rangeInclusive(0, 99));
  EXPECT_EQ(make(rangeInclusive(0, 99)).count(), 100);
  EXPECT_EQ(make(Vec{}).count(), 0);
  EXPECT_EQ(make(rangeInclusive(0, 2999)).map([](int x) { return x * 2; }).count(), 3000);
}

TEST_P(Actions, TakeInPartitionOrder) {
  Vec data{9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  EXPECT_EQ(make(data).take(3), (Vec{9, 8, 7}));
  EXPECT_EQ(make(data).take(0), Vec{});
  EXPECT_EQ(make(data).take(-1), Vec{});
  EXPECT_EQ(make(data).take(10), data);
  EXPECT_EQ(make(data).take(100), data);
  // Elements only in the last partitions: take must scan past the empty ones.
  EXPECT_EQ(make(data).filter([](const int& x) { return x < 2; }).take(5), (Vec{1, 0}));
  EXPECT_EQ(make(Vec{}).take(2), Vec{});
}

TEST_P(Actions, TakeComputesOnlyWhatItNeedsFromTheFirstPartition) {
  // The first partition alone satisfies take(1): later partitions are not computed.
  std::atomic<int> calls{0};
  auto r = make(rangeInclusive(0, 69)).map([&calls](int x) {
    ++calls;
    return x;
  });
  EXPECT_EQ(r.take(1), Vec{0});
  EXPECT_EQ(calls.load(), 70 / parts());
}

TEST_P(Actions, First) {
  EXPECT_EQ(make(Vec{4, 5, 6}).first(), 4);
  EXPECT_EQ(make(Vec{4, 5, 6}).filter([](const int& x) { return x > 5; }).first(), 6);
  EXPECT_EQ(make(std::vector<std::string>{"x", "y"}).first(), "x");
}

TEST_P(Actions, Reduce) {
  EXPECT_EQ(make(rangeInclusive(1, 100)).reduce([](int a, int b) { return a + b; }), 5050);
  EXPECT_EQ(make(Vec{3, 9, 2}).reduce([](int a, int b) { return std::max(a, b); }), 9);
  EXPECT_EQ(make(Vec{42}).reduce([](int a, int b) { return a * b; }), 42);
}

TEST_P(Actions, FoldAppliesZeroPerPartitionAndOnceMore) {
  // Spark: each partition folds from zero, and the driver folds the results from zero again.
  EXPECT_EQ(make(Vec{1, 2, 3}).fold(0, std::plus<>{}), 6);
  EXPECT_EQ(make(Vec{1, 2, 3}).fold(1, std::plus<>{}), 6 + parts() + 1);
  EXPECT_EQ(make(Vec{}).fold(5, std::plus<>{}), 5 * (parts() + 1));
  EXPECT_EQ(make(Vec{2, 3, 4}).fold(1, [](int a, int b) { return a * b; }), 24);
}

TEST_P(Actions, Aggregate) {
  using SumCount = std::pair<long, int>;
  auto sc = make(rangeInclusive(1, 10))
                .aggregate(
                    SumCount{0, 0},
                    [](SumCount acc, int x) {
                      return SumCount{acc.first + x, acc.second + 1};
                    },
                    [](SumCount a, SumCount b) {
                      return SumCount{a.first + b.first, a.second + b.second};
                    });
  EXPECT_EQ(sc, (SumCount{55, 10}));
  // A zero that is not neutral is counted once per partition plus once.
  auto n = make(rangeInclusive(1, 3))
               .aggregate(
                   10, [](int acc, int x) { return acc + x; }, [](int a, int b) { return a + b; });
  EXPECT_EQ(n, 6 + 10 * (parts() + 1));
  auto lengths =
      make(std::vector<std::string>{"ab", "cde", ""})
          .aggregate(
              std::size_t{0}, [](std::size_t acc, std::string s) { return acc + s.size(); },
              std::plus<>{});
  EXPECT_EQ(lengths, 5u);
}

TEST_P(Actions, Foreach) {
  std::atomic<long> sum{0};
  std::atomic<int> calls{0};
  make(rangeInclusive(1, 100)).foreach ([&](const int& x) {
    sum += x;
    ++calls;
  });
  EXPECT_EQ(sum.load(), 5050);
  EXPECT_EQ(calls.load(), 100);
}

TEST_P(Actions, ForeachPartition) {
  std::mutex mutex;
  std::vector<Vec> seen;
  make(rangeInclusive(0, 9)).foreachPartition([&](std::vector<int>& part) {
    std::lock_guard lock(mutex);
    seen.push_back(part);
  });
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(parts()));
  Vec flat;
  for (const auto& p : seen) flat.insert(flat.end(), p.begin(), p.end());
  EXPECT_EQ(sorted(flat), rangeInclusive(0, 9));
  EXPECT_EQ(sorted(seen), sorted(make(rangeInclusive(0, 9)).glom().collect()));
}

TEST_P(Actions, CountByValue) {
  auto counts = make(Vec{1, 2, 1, 3, 1, 2}).countByValue();
  EXPECT_EQ(counts, (std::map<int, std::int64_t>{{1, 3}, {2, 2}, {3, 1}}));
  auto words = make(std::vector<std::string>{"a", "b", "a"}).countByValue();
  EXPECT_EQ(words, (std::map<std::string, std::int64_t>{{"a", 2}, {"b", 1}}));
  EXPECT_TRUE(make(Vec{}).countByValue().empty());
}

TEST_P(Actions, IsEmpty) {
  EXPECT_FALSE(make(Vec{1}).isEmpty());
  EXPECT_TRUE(make(Vec{}).isEmpty());
  EXPECT_TRUE(make(rangeInclusive(0, 9)).filter([](const int&) { return false; }).isEmpty());
  EXPECT_FALSE(make(rangeInclusive(0, 9)).filter([](const int& x) { return x == 9; }).isEmpty());
  EXPECT_TRUE(engine.emptyRDD<int>().isEmpty());
}

TEST_P(Actions, SaveAsTextFile) {
  auto dir = scratch("out");
  make(std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 2}, {"c", 3}})
      .saveAsTextFile(dir.string());
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::exists(dir / "_SUCCESS"));
  std::string all;
  for (int p = 0; p < parts(); ++p) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%05d", p);
    ASSERT_TRUE(fs::exists(dir / name)) << name;
    all += readAll(dir / name);
  }
  int part_files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("part-", 0) == 0) ++part_files;
  }
  EXPECT_EQ(part_files, parts());
  EXPECT_EQ(all, "(a,1)\n(b,2)\n(c,3)\n");
  // Writing again to an existing path is refused.
  EXPECT_THROW(make(Vec{1}).saveAsTextFile(dir.string()), ember::IoError);
}

TEST_P(Actions, SaveAsTextFileRendersValues) {
  auto dir = scratch("values");
  make(std::vector<double>{1.0, 2.5}).saveAsTextFile(dir.string());
  std::string all;
  for (int p = 0; p < parts(); ++p) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%05d", p);
    all += readAll(dir / name);
  }
  EXPECT_EQ(all, "1.0\n2.5\n");
}

EMBER_TEST_ON_GRID(Actions);

class ActionLiterals : public ember_test::EngineTest {};

TEST_F(ActionLiterals, FoldOverThreePartitions) {
  // 1 + (1+1) + (1+2) + (1+3)
  EXPECT_EQ(engine.parallelize(Vec{1, 2, 3}, 3).fold(1, std::plus<>{}), 10);
  EXPECT_EQ(engine.parallelize(Vec{1, 2, 3}, 1).fold(1, std::plus<>{}), 8);
}

TEST_F(ActionLiterals, TakeScansFewPartitionsFirst) {
  std::atomic<int> calls{0};
  auto r = engine.parallelize(rangeInclusive(0, 99), 10).map([&calls](int x) {
    ++calls;
    return x;
  });
  EXPECT_EQ(r.take(15), rangeInclusive(0, 14));
  // Partition 0 first (10 elements), then up to 4 more: never all ten.
  EXPECT_LT(calls.load(), 100);
  EXPECT_GE(calls.load(), 20);
}

TEST_F(ActionLiterals, ConcurrentJobsFromSeveralDriverThreads) {
  // Several threads run jobs over the same shuffles and cached data at once; every one must see
  // the complete result, and each shuffle's map stage must run once.
  std::atomic<int> map_calls{0};
  auto pairs = engine.parallelize(rangeInclusive(0, 399), 8).map([&map_calls](int x) {
    ++map_calls;
    return std::pair<int, int>(x % 10, x);
  });
  auto reduced = pairs.reduceByKey(std::plus<>{}, 4);
  auto sortedKeys = reduced.sortByKey(false, 3);
  auto cached = reduced.mapValues([](int v) { return v + 1; });
  cached.persist(ember::StorageLevel::MEMORY_AND_DISK_SER);
  std::vector<std::thread> threads;
  std::vector<std::string> failures(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        auto got = sorted(reduced.collect());
        if (got.size() != 10 || got[3] != std::pair<int, int>(3, 7920)) failures[t] = "reduce";
        auto keys = sortedKeys.keys().collect();
        if (keys != (Vec{9, 8, 7, 6, 5, 4, 3, 2, 1, 0})) failures[t] = "sort";
        if (cached.count() != 10) failures[t] = "cache";
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  EXPECT_EQ(map_calls.load(), 400) << "the map stage ran more than once";
}

TEST_F(ActionLiterals, EmptyRddActions) {
  auto none = engine.emptyRDD<int>();
  EXPECT_EQ(none.count(), 0);
  EXPECT_EQ(none.fold(7, std::plus<>{}), 7);
  EXPECT_EQ(none.take(3), Vec{});
  EXPECT_TRUE(none.countByValue().empty());
}

}  // namespace
