// Narrow and shuffling transformations of Rdd, checked against values worked out from Spark's
// semantics, over every cell of the partitions x threads matrix.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

using ember_test::rangeInclusive;
using ember_test::sorted;
using Vec = std::vector<int>;

class Transformations : public ember_test::RddGridTest {};

TEST_P(Transformations, ParallelizeSlicesAsSpark) {
  const Vec data = rangeInclusive(0, 9);
  auto glommed = make(data).glom().collect();
  ASSERT_EQ(glommed.size(), static_cast<std::size_t>(parts()));
  std::size_t n = data.size();
  std::size_t p = static_cast<std::size_t>(parts());
  for (std::size_t i = 0; i < p; ++i) {
    Vec expected(data.begin() + static_cast<long>(i * n / p),
                 data.begin() + static_cast<long>((i + 1) * n / p));
    EXPECT_EQ(glommed[i], expected) << "slice " << i;
  }
  EXPECT_EQ(make(data).collect(), data);
  EXPECT_EQ(make(data).getNumPartitions(), parts());
}

TEST_P(Transformations, Map) {
  auto out = make(rangeInclusive(1, 5)).map([](int x) { return x * 10; }).collect();
  EXPECT_EQ(out, (Vec{10, 20, 30, 40, 50}));
  auto strings =
      make(rangeInclusive(1, 3)).map([](int x) { return std::to_string(x) + "!"; }).collect();
  EXPECT_EQ(strings, (std::vector<std::string>{"1!", "2!", "3!"}));
}

TEST_P(Transformations, FlatMapIterable) {
  auto out =
      make(rangeInclusive(0, 3)).flatMap([](int x) { return Vec(static_cast<std::size_t>(x), x); });
  EXPECT_EQ(out.collect(), (Vec{1, 2, 2, 3, 3, 3}));
  auto words = make(std::vector<std::string>{"a b", "", "c  d"})
                   .flatMap([](const std::string& s) { return ember::split(s, ' '); })
                   .collect();
  EXPECT_EQ(words, (std::vector<std::string>{"a", "b", "", "c", "", "d"}));
}

TEST_P(Transformations, FlatMapEmitter) {
  auto out = make(rangeInclusive(0, 3))
                 .flatMap<std::string>([](const int& x, auto emit) {
                   for (int i = 0; i < x; ++i) emit(std::to_string(x) + ":" + std::to_string(i));
                 })
                 .collect();
  EXPECT_EQ(out, (std::vector<std::string>{"1:0", "2:0", "2:1", "3:0", "3:1", "3:2"}));
}

TEST_P(Transformations, FlatMapEmitterManyOutputsCrossChunks) {
  // More outputs than one chunk, to cross the pipeline's chunk boundary.
  auto out = make(rangeInclusive(0, 4)).flatMap<int>([](const int& x, auto emit) {
    for (int i = 0; i < 1000; ++i) emit(x * 1000 + i);
  });
  EXPECT_EQ(out.collect(), rangeInclusive(0, 4999));
  EXPECT_EQ(out.count(), 5000);
}

TEST_P(Transformations, Filter) {
  auto out = make(rangeInclusive(0, 9)).filter([](const int& x) { return x % 3 == 0; }).collect();
  EXPECT_EQ(out, (Vec{0, 3, 6, 9}));
  EXPECT_TRUE(
      make(rangeInclusive(0, 9)).filter([](const int&) { return false; }).collect().empty());
}

TEST_P(Transformations, ChainedNarrowOperators) {
  auto out = make(rangeInclusive(0, 9))
                 .map([](int x) { return x + 1; })
                 .filter([](const int& x) { return x % 2 == 0; })
                 .flatMap([](int x) {
                   return Vec{x, -x};
                 })
                 .map([](int x) { return std::to_string(x); })
                 .collect();
  EXPECT_EQ(out,
            (std::vector<std::string>{"2", "-2", "4", "-4", "6", "-6", "8", "-8", "10", "-10"}));
}

TEST_P(Transformations, MapPartitions) {
  // One sum per partition: the sums over partitions equal the total, and there are as many.
  auto sums = make(rangeInclusive(1, 10))
                  .mapPartitions([](std::vector<int> v) {
                    int s = 0;
                    for (int x : v) s += x;
                    return Vec{s};
                  })
                  .collect();
  ASSERT_EQ(sums.size(), static_cast<std::size_t>(parts()));
  int total = 0;
  for (int s : sums) total += s;
  EXPECT_EQ(total, 55);
  auto doubled = make(rangeInclusive(0, 4)).mapPartitions([](std::vector<int> v) {
    std::vector<std::string> out;
    for (int x : v) out.push_back(std::to_string(2 * x));
    return out;
  });
  EXPECT_EQ(doubled.collect(), (std::vector<std::string>{"0", "2", "4", "6", "8"}));
}

TEST_P(Transformations, MapPartitionsWithIndex) {
  auto out = make(rangeInclusive(0, 9))
                 .mapPartitionsWithIndex([](int index, std::vector<int> v) {
                   std::vector<std::pair<int, int>> tagged;
                   for (int x : v) tagged.emplace_back(index, x);
                   return tagged;
                 })
                 .collect();
  ASSERT_EQ(out.size(), 10u);
  for (const auto& [index, x] : out) {
    // Element x sits in the slice i with i*n/p <= x < (i+1)*n/p.
    EXPECT_LE(index * 10 / parts(), x);
    EXPECT_LT(x, (index + 1) * 10 / parts());
  }
}

TEST_P(Transformations, Glom) {
  auto glommed = make(rangeInclusive(0, 2)).glom().collect();
  ASSERT_EQ(glommed.size(), static_cast<std::size_t>(parts()));
  Vec flat;
  for (const auto& g : glommed) flat.insert(flat.end(), g.begin(), g.end());
  EXPECT_EQ(flat, rangeInclusive(0, 2));
}

TEST_P(Transformations, Union) {
  auto a = make(Vec{1, 2, 3});
  auto b = engine.parallelize(Vec{3, 4}, 3);
  auto u = a.union_(b);
  EXPECT_EQ(u.getNumPartitions(), parts() + 3);
  EXPECT_EQ(u.collect(), (Vec{1, 2, 3, 3, 4}));
  EXPECT_EQ(a.union_(a).collect(), (Vec{1, 2, 3, 1, 2, 3}));
  auto all = ember::unionAll(std::vector<ember::Rdd<int>>{a, b, a});
  EXPECT_EQ(all.collect(), (Vec{1, 2, 3, 3, 4, 1, 2, 3}));
  EXPECT_EQ(all.getNumPartitions(), 2 * parts() + 3);
  EXPECT_THROW(ember::unionAll(std::vector<ember::Rdd<int>>{}), ember::IllegalArgumentError);
}

TEST_P(Transformations, RepartitionKeepsElements) {
  for (int n : {1, 3, 10}) {
    auto r = make(rangeInclusive(0, 49)).repartition(n);
    EXPECT_EQ(r.getNumPartitions(), n);
    EXPECT_EQ(sorted(r.collect()), rangeInclusive(0, 49));
  }
}

TEST_P(Transformations, CoalesceWithShuffle) {
  auto r = make(rangeInclusive(0, 19)).coalesce(9, true);
  EXPECT_EQ(r.getNumPartitions(), 9);
  EXPECT_EQ(sorted(r.collect()), rangeInclusive(0, 19));
}

TEST_P(Transformations, CoalesceWithoutShuffle) {
  auto data = rangeInclusive(0, 20);
  auto c = make(data).coalesce(2);
  EXPECT_EQ(c.getNumPartitions(), std::min(2, parts()));
  // Without a shuffle partitions are concatenated in order.
  EXPECT_EQ(c.collect(), data);
  // Growing without a shuffle keeps the partition count.
  EXPECT_EQ(make(data).coalesce(50).getNumPartitions(), parts());
}

TEST_P(Transformations, Distinct) {
  auto d = make(Vec{3, 1, 3, 2, 1, 3, 5}).distinct();
  EXPECT_EQ(sorted(d.collect()), (Vec{1, 2, 3, 5}));
  EXPECT_EQ(d.getNumPartitions(), parts());
  auto s = make(std::vector<std::string>{"b", "a", "b", ""}).distinct(3);
  EXPECT_EQ(s.getNumPartitions(), 3);
  EXPECT_EQ(sorted(s.collect()), (std::vector<std::string>{"", "a", "b"}));
}

TEST_P(Transformations, KeyBy) {
  auto out = make(std::vector<std::string>{"apple", "fig", "kiwi"})
                 .keyBy([](const std::string& s) { return s.size(); })
                 .collect();
  std::vector<std::pair<std::size_t, std::string>> expected{{5, "apple"}, {3, "fig"}, {4, "kiwi"}};
  EXPECT_EQ(out, expected);
}

TEST_P(Transformations, SortByAscendingAndDescending) {
  Vec data{5, 3, 9, 1, 7, 2, 8, 0, 6, 4, 11, 10};
  EXPECT_EQ(make(data).sortBy([](int x) { return x; }).collect(), rangeInclusive(0, 11));
  Vec desc = rangeInclusive(0, 11);
  std::reverse(desc.begin(), desc.end());
  EXPECT_EQ(make(data).sortBy([](int x) { return x; }, false).collect(), desc);
  // By a derived key: by the last digit, then (for a unique order) the keys are distinct.
  auto byNegation = make(data).sortBy([](int x) { return -x; }, true, 3).collect();
  EXPECT_EQ(byNegation, desc);
  auto words = make(std::vector<std::string>{"ccc", "a", "bb", "dddd"})
                   .sortBy([](const std::string& s) { return s.size(); }, false, 2)
                   .collect();
  EXPECT_EQ(words, (std::vector<std::string>{"dddd", "ccc", "bb", "a"}));
}

TEST_P(Transformations, SortByManyElementsAcrossPartitions) {
  Vec data;
  for (int i = 0; i < 2000; ++i) data.push_back((i * 7919) % 2000);
  auto s = make(data).sortBy([](int x) { return x; }, true, 5);
  EXPECT_LE(s.getNumPartitions(), 5);
  EXPECT_EQ(s.collect(), rangeInclusive(0, 1999));
  // Range partitioning: every partition holds keys below those of the next one.
  auto glommed = s.glom().collect();
  int last = -1;
  for (const auto& g : glommed) {
    for (int x : g) {
      EXPECT_GT(x, last);
      last = x;
    }
  }
}

TEST_P(Transformations, EmptyInputs) {
  auto empty = make(Vec{});
  EXPECT_TRUE(empty.map([](int x) { return x; }).collect().empty());
  EXPECT_TRUE(empty.distinct().collect().empty());
  EXPECT_TRUE(empty.sortBy([](int x) { return x; }).collect().empty());
  EXPECT_TRUE(empty.repartition(3).collect().empty());
  auto none = engine.emptyRDD<int>();
  EXPECT_EQ(none.getNumPartitions(), 0);
  EXPECT_TRUE(none.collect().empty());
  EXPECT_TRUE(none.union_(empty).collect().empty());
}

TEST_P(Transformations, LazyUntilAction) {
  std::atomic<int> calls{0};
  auto mapped = make(rangeInclusive(0, 9)).map([&calls](int x) {
    ++calls;
    return x;
  });
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(mapped.count(), 10);
  EXPECT_EQ(calls.load(), 10);
}

EMBER_TEST_ON_GRID(Transformations);

// Literal layouts worked out from Spark's ParallelCollectionRDD and coalescer; independent of the
// matrix.
class TransformationLayouts : public ember_test::EngineTest {};

TEST_F(TransformationLayouts, ParallelizeSlices) {
  auto seven = engine.parallelize(rangeInclusive(0, 9), 7).glom().collect();
  std::vector<Vec> expected{{0}, {1}, {2, 3}, {4}, {5, 6}, {7}, {8, 9}};
  EXPECT_EQ(seven, expected);
  auto three = engine.parallelize(rangeInclusive(0, 9), 3).glom().collect();
  EXPECT_EQ(three, (std::vector<Vec>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}}));
  auto sparse = engine.parallelize(Vec{1, 2}, 4).glom().collect();
  EXPECT_EQ(sparse, (std::vector<Vec>{{}, {1}, {}, {2}}));
}

TEST_F(TransformationLayouts, DefaultSlicesIsDefaultParallelism) {
  EXPECT_EQ(engine.parallelize(rangeInclusive(0, 9)).getNumPartitions(), 4);
  ember::Engine conf_engine(
      ember::Conf().setMaster("local[2]").setAppName("t").set("spark.default.parallelism", "5"));
  EXPECT_EQ(conf_engine.parallelize(rangeInclusive(0, 9)).getNumPartitions(), 5);
  // Keyed operations then default to it too.
  auto pairs = conf_engine.parallelize(std::vector<std::pair<int, int>>{{1, 1}}, 2);
  EXPECT_EQ(pairs.reduceByKey(std::plus<>{}).getNumPartitions(), 5);
  conf_engine.stop();
}

TEST_F(TransformationLayouts, CoalesceGroupsParentRanges) {
  // Partition i of coalesce(n) over P parents reads parents [i*P/n, (i+1)*P/n).
  auto c = engine.parallelize(rangeInclusive(0, 6), 7).coalesce(3).glom().collect();
  EXPECT_EQ(c, (std::vector<Vec>{{0, 1}, {2, 3}, {4, 5, 6}}));
  auto c2 = engine.parallelize(rangeInclusive(0, 9), 5).coalesce(2).glom().collect();
  EXPECT_EQ(c2, (std::vector<Vec>{{0, 1, 2, 3}, {4, 5, 6, 7, 8, 9}}));
}

// Expected layouts computed with java.util.Random(byteswap32(index)).nextInt(n) as the start
// position of input partition `index`, as Spark's coalesce(shuffle = true) does.
TEST_F(TransformationLayouts, RepartitionDealsAsSpark) {
  auto layout = [&](int total, int slices, int n) {
    auto glommed =
        engine.parallelize(rangeInclusive(0, total - 1), slices).repartition(n).glom().collect();
    for (auto& g : glommed) std::sort(g.begin(), g.end());
    return glommed;
  };
  EXPECT_EQ(layout(10, 1, 3), (std::vector<Vec>{{2, 5, 8}, {0, 3, 6, 9}, {1, 4, 7}}));
  EXPECT_EQ(layout(10, 2, 3), (std::vector<Vec>{{2, 6, 9}, {0, 3, 7}, {1, 4, 5, 8}}));
  EXPECT_EQ(layout(20, 7, 3),
            (std::vector<Vec>{
                {3, 7, 9, 12, 16, 19}, {0, 4, 5, 10, 13, 14, 17}, {1, 2, 6, 8, 11, 15, 18}}));
  EXPECT_EQ(layout(12, 3, 4), (std::vector<Vec>{{1, 7, 8}, {2, 4, 9}, {3, 5, 10}, {0, 6, 11}}));
  EXPECT_EQ(layout(10, 2, 5), (std::vector<Vec>{{4, 7}, {0, 8}, {1, 9}, {2, 5}, {3, 6}}));
}

TEST_F(TransformationLayouts, JavaRandomAndByteswapMatchJava) {
  // Values printed by the JVM: byteswap32(i) for i in 0..7 and Random(byteswap32(i)).nextInt.
  std::vector<int> swapped{0,           -1875198074, 1590473228,  -817217902,
                           -1646513896, -11639189,   -1886837263, -930028169};
  std::vector<int> bound3{0, 1, 0, 1, 1, 0, 0, 0};
  std::vector<int> bound4{2, 0, 3, 3, 1, 0, 3, 0};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(ember::detail::byteswap32(i), swapped[static_cast<std::size_t>(i)]);
    EXPECT_EQ(ember::detail::javaRandomNextInt(ember::detail::byteswap32(i), 3),
              bound3[static_cast<std::size_t>(i)]);
    EXPECT_EQ(ember::detail::javaRandomNextInt(ember::detail::byteswap32(i), 4),
              bound4[static_cast<std::size_t>(i)]);
  }
}

TEST_F(TransformationLayouts, SortByKeepsElementsWithEqualKeys) {
  auto out =
      engine.parallelize(Vec{5, 15, 3, 25, 13}, 3).sortBy([](int x) { return x % 10; }).collect();
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(sorted(Vec(out.begin(), out.begin() + 2)), (Vec{3, 13}));
  EXPECT_EQ(sorted(Vec(out.begin() + 2, out.end())), (Vec{5, 15, 25}));
}

TEST_F(TransformationLayouts, ToDebugStringShowsLineage) {
  auto r = engine.parallelize(std::vector<std::pair<int, int>>{{1, 1}}, 2)
               .map([](std::pair<int, int> p) { return p; })
               .reduceByKey(std::plus<>{});
  std::string s = r.toDebugString();
  EXPECT_NE(s.find("ShuffledRDD"), std::string::npos) << s;
  EXPECT_NE(s.find("  (2) MapPartitionsRDD"), std::string::npos) << s;
  EXPECT_NE(s.find("ParallelCollectionRDD"), std::string::npos) << s;
}

}  // namespace
