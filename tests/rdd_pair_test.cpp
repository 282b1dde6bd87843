// Operations on datasets of pairs, over every cell of the partitions x threads matrix. Keyed
// shuffles give no order, so results are sorted before comparing (groups too, where Spark's
// order within a group is not defined).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

using ember_test::sorted;
using SI = std::pair<std::string, int>;
using SS = std::pair<std::string, std::string>;
using std::nullopt;
using std::optional;

class PairOps : public ember_test::RddGridTest {
 protected:
  ember::Rdd<SI> letters() const {
    return make(std::vector<SI>{{"a", 1}, {"b", 2}, {"a", 3}, {"c", 4}, {"b", 5}});
  }
  ember::Rdd<SI> left() const {
    return make(std::vector<SI>{{"a", 1}, {"b", 2}, {"a", 3}, {"d", 9}});
  }
  ember::Rdd<SS> right() const {
    return engine.parallelize(std::vector<SS>{{"a", "x"}, {"b", "y"}, {"b", "z"}, {"c", "w"}}, 3);
  }
};

TEST_P(PairOps, ReduceByKey) {
  auto out = letters().reduceByKey([](int a, int b) { return a + b; });
  EXPECT_EQ(out.getNumPartitions(), parts());
  EXPECT_EQ(sorted(out.collect()), (std::vector<SI>{{"a", 4}, {"b", 7}, {"c", 4}}));
  auto four = letters().reduceByKey([](int a, int b) { return std::max(a, b); }, 4);
  EXPECT_EQ(four.getNumPartitions(), 4);
  EXPECT_EQ(sorted(four.collect()), (std::vector<SI>{{"a", 3}, {"b", 5}, {"c", 4}}));
}

TEST_P(PairOps, ReduceByKeyManyKeys) {
  std::vector<std::pair<int, long>> data;
  for (int i = 0; i < 3000; ++i) data.emplace_back(i % 101, i);
  auto out = make(data).reduceByKey(std::plus<>{}, 3).collectAsMap();
  ASSERT_EQ(out.size(), 101u);
  for (int k = 0; k < 101; ++k) {
    long expected = 0;
    for (int i = k; i < 3000; i += 101) expected += i;
    EXPECT_EQ(out[k], expected) << k;
  }
}

TEST_P(PairOps, GroupByKey) {
  auto groups = letters().groupByKey().collect();
  for (auto& g : groups) std::sort(g.second.begin(), g.second.end());
  std::vector<std::pair<std::string, std::vector<int>>> expected{
      {"a", {1, 3}}, {"b", {2, 5}}, {"c", {4}}};
  EXPECT_EQ(sorted(groups), expected);
  EXPECT_EQ(letters().groupByKey(5).getNumPartitions(), 5);
}

TEST_P(PairOps, CombineByKey) {
  using SumCount = std::pair<int, int>;
  auto out = letters().combineByKey(
      [](int v) {
        return SumCount{v, 1};
      },
      [](SumCount c, int v) {
        return SumCount{c.first + v, c.second + 1};
      },
      [](SumCount a, SumCount b) {
        return SumCount{a.first + b.first, a.second + b.second};
      });
  std::vector<std::pair<std::string, SumCount>> expected{
      {"a", {4, 2}}, {"b", {7, 2}}, {"c", {4, 1}}};
  EXPECT_EQ(sorted(out.collect()), expected);
  // Combiners of another type than the values, into lists.
  auto lists = letters().combineByKey([](int v) { return std::vector<int>{v}; },
                                      [](std::vector<int> c, int v) {
                                        c.push_back(v);
                                        return c;
                                      },
                                      [](std::vector<int> a, std::vector<int> b) {
                                        a.insert(a.end(), b.begin(), b.end());
                                        return a;
                                      },
                                      2);
  EXPECT_EQ(lists.getNumPartitions(), 2);
  auto got = lists.collect();
  for (auto& g : got) std::sort(g.second.begin(), g.second.end());
  std::vector<std::pair<std::string, std::vector<int>>> expected_lists{
      {"a", {1, 3}}, {"b", {2, 5}}, {"c", {4}}};
  EXPECT_EQ(sorted(got), expected_lists);
}

TEST_P(PairOps, AggregateByKey) {
  // Neutral zero: the same answer whatever the partitioning.
  auto sets = letters().aggregateByKey(
      std::set<int>{},
      [](std::set<int> s, int v) {
        s.insert(v);
        return s;
      },
      [](std::set<int> a, std::set<int> b) {
        a.insert(b.begin(), b.end());
        return a;
      });
  std::vector<std::pair<std::string, std::set<int>>> expected{
      {"a", {1, 3}}, {"b", {2, 5}}, {"c", {4}}};
  EXPECT_EQ(sorted(sets.collect()), expected);
  auto counts = letters().aggregateByKey(
      0L, [](long acc, int) { return acc + 1; }, [](long a, long b) { return a + b; }, 3);
  EXPECT_EQ(counts.getNumPartitions(), 3);
  EXPECT_EQ(sorted(counts.collect()),
            (std::vector<std::pair<std::string, long>>{{"a", 2}, {"b", 2}, {"c", 1}}));
}

TEST_P(PairOps, FoldByKey) {
  auto out = letters().foldByKey(0, [](int a, int b) { return a + b; });
  EXPECT_EQ(sorted(out.collect()), (std::vector<SI>{{"a", 4}, {"b", 7}, {"c", 4}}));
  auto products = letters().foldByKey(
      1, [](int a, int b) { return a * b; }, 2);
  EXPECT_EQ(products.getNumPartitions(), 2);
  EXPECT_EQ(sorted(products.collect()), (std::vector<SI>{{"a", 3}, {"b", 10}, {"c", 4}}));
}

TEST_P(PairOps, MapValuesFlatMapValuesKeysValues) {
  auto mv = letters().mapValues([](int v) { return std::to_string(v * 2); }).collect();
  EXPECT_EQ(mv, (std::vector<SS>{{"a", "2"}, {"b", "4"}, {"a", "6"}, {"c", "8"}, {"b", "10"}}));
  auto fmv =
      make(std::vector<SI>{{"x", 2}, {"y", 0}, {"z", 1}})
          .flatMapValues([](int v) { return std::vector<int>(static_cast<std::size_t>(v), v); })
          .collect();
  EXPECT_EQ(fmv, (std::vector<SI>{{"x", 2}, {"x", 2}, {"z", 1}}));
  EXPECT_EQ(letters().keys().collect(), (std::vector<std::string>{"a", "b", "a", "c", "b"}));
  EXPECT_EQ(letters().values().collect(), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST_P(PairOps, Join) {
  auto out = left().join(right());
  EXPECT_EQ(out.getNumPartitions(), std::max(parts(), 3));
  std::vector<std::pair<std::string, std::pair<int, std::string>>> expected{
      {"a", {1, "x"}}, {"a", {3, "x"}}, {"b", {2, "y"}}, {"b", {2, "z"}}};
  EXPECT_EQ(sorted(out.collect()), expected);
  EXPECT_EQ(left().join(right(), 2).getNumPartitions(), 2);
}

TEST_P(PairOps, LeftOuterJoin) {
  auto out = left().leftOuterJoin(right()).collect();
  std::vector<std::pair<std::string, std::pair<int, optional<std::string>>>> expected{
      {"a", {1, "x"}}, {"a", {3, "x"}}, {"b", {2, "y"}}, {"b", {2, "z"}}, {"d", {9, nullopt}}};
  EXPECT_EQ(sorted(out), expected);
}

TEST_P(PairOps, RightOuterJoin) {
  auto out = left().rightOuterJoin(right()).collect();
  std::vector<std::pair<std::string, std::pair<optional<int>, std::string>>> expected{
      {"a", {1, "x"}}, {"a", {3, "x"}}, {"b", {2, "y"}}, {"b", {2, "z"}}, {"c", {nullopt, "w"}}};
  EXPECT_EQ(sorted(out), expected);
}

TEST_P(PairOps, FullOuterJoin) {
  auto out = left().fullOuterJoin(right(), 4);
  EXPECT_EQ(out.getNumPartitions(), 4);
  std::vector<std::pair<std::string, std::pair<optional<int>, optional<std::string>>>> expected{
      {"a", {1, "x"}}, {"a", {3, "x"}},       {"b", {2, "y"}},
      {"b", {2, "z"}}, {"c", {nullopt, "w"}}, {"d", {9, nullopt}}};
  EXPECT_EQ(sorted(out.collect()), expected);
}

TEST_P(PairOps, JoinWithNoCommonKeys) {
  auto a = make(std::vector<SI>{{"p", 1}});
  auto b = make(std::vector<SI>{{"q", 2}});
  EXPECT_TRUE(a.join(b).collect().empty());
  EXPECT_EQ(a.fullOuterJoin(b).count(), 2);
}

TEST_P(PairOps, Cogroup) {
  auto out = left().cogroup(right()).collect();
  for (auto& [k, vw] : out) {
    std::sort(vw.first.begin(), vw.first.end());
    std::sort(vw.second.begin(), vw.second.end());
  }
  using Group = std::pair<std::vector<int>, std::vector<std::string>>;
  std::vector<std::pair<std::string, Group>> expected{
      {"a", {{1, 3}, {"x"}}}, {"b", {{2}, {"y", "z"}}}, {"c", {{}, {"w"}}}, {"d", {{9}, {}}}};
  EXPECT_EQ(sorted(out), expected);
}

TEST_P(PairOps, PartitionBy) {
  std::vector<std::pair<int, int>> data;
  for (int i = 0; i < 100; ++i) data.emplace_back(i % 13, i);
  auto p = make(data).partitionBy(3);
  EXPECT_EQ(p.getNumPartitions(), 3);
  EXPECT_EQ(sorted(p.collect()), sorted(data));
  // Each key lives in exactly one partition.
  std::map<int, int> home;
  auto glommed = p.glom().collect();
  for (int i = 0; i < 3; ++i) {
    for (const auto& [k, v] : glommed[static_cast<std::size_t>(i)]) {
      auto [it, inserted] = home.emplace(k, i);
      EXPECT_EQ(it->second, i) << "key " << k;
    }
  }
  EXPECT_EQ(home.size(), 13u);
}

TEST_P(PairOps, SortByKey) {
  std::vector<std::pair<int, std::string>> data{{3, "c"}, {1, "a"}, {4, "d"}, {2, "b"}, {0, "z"}};
  auto asc = make(data).sortByKey().collect();
  EXPECT_EQ(asc, (std::vector<std::pair<int, std::string>>{
                     {0, "z"}, {1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}}));
  auto desc = make(data).sortByKey(false, 2).collect();
  EXPECT_EQ(desc, (std::vector<std::pair<int, std::string>>{
                      {4, "d"}, {3, "c"}, {2, "b"}, {1, "a"}, {0, "z"}}));
  auto words = make(std::vector<SI>{{"pear", 1}, {"apple", 2}, {"fig", 3}}).sortByKey(true, 3);
  EXPECT_EQ(words.keys().collect(), (std::vector<std::string>{"apple", "fig", "pear"}));
}

TEST_P(PairOps, CountByKeyAndCollectAsMap) {
  auto counts = letters().countByKey();
  EXPECT_EQ(counts, (std::map<std::string, std::int64_t>{{"a", 2}, {"b", 2}, {"c", 1}}));
  auto map = make(std::vector<SI>{{"a", 1}, {"b", 2}, {"c", 3}}).collectAsMap();
  EXPECT_EQ(map, (std::map<std::string, int>{{"a", 1}, {"b", 2}, {"c", 3}}));
  // A repeated key keeps one of its values (the last in partition order, as Spark's HashMap).
  auto dup = make(std::vector<SI>{{"a", 1}, {"a", 2}}).collectAsMap();
  EXPECT_EQ(dup, (std::map<std::string, int>{{"a", 2}}));
}

TEST_P(PairOps, TupleAndPairKeys) {
  using Key = std::pair<int, std::string>;
  auto out = make(std::vector<std::pair<Key, int>>{{{1, "x"}, 1}, {{1, "y"}, 2}, {{1, "x"}, 3}})
                 .reduceByKey(std::plus<>{})
                 .collect();
  EXPECT_EQ(sorted(out), (std::vector<std::pair<Key, int>>{{{1, "x"}, 4}, {{1, "y"}, 2}}));
}

TEST_P(PairOps, ShuffleReadTwiceByTwoActions) {
  auto reduced = letters().reduceByKey(std::plus<>{});
  EXPECT_EQ(reduced.count(), 3);
  EXPECT_EQ(sorted(reduced.collect()), (std::vector<SI>{{"a", 4}, {"b", 7}, {"c", 4}}));
  // And a second shuffle on top of the first.
  auto swapped = reduced.map([](SI p) { return std::pair<int, std::string>(p.second, p.first); })
                     .groupByKey(2)
                     .mapValues([](std::vector<std::string> v) {
                       std::sort(v.begin(), v.end());
                       return v;
                     });
  EXPECT_EQ(sorted(swapped.collect()),
            (std::vector<std::pair<int, std::vector<std::string>>>{{4, {"a", "c"}}, {7, {"b"}}}));
}

EMBER_TEST_ON_GRID(PairOps);

class PairLayouts : public ember_test::EngineTest {};

// A zero that is not neutral shows where Spark applies it: once per key and map partition.
TEST_F(PairLayouts, FoldByKeyAppliesZeroPerMapPartition) {
  std::vector<SI> data{{"a", 1}, {"a", 2}, {"b", 3}};
  // Two slices: [a1] and [a2, b3].
  auto two = engine.parallelize(data, 2).foldByKey(10, std::plus<>{}).collect();
  EXPECT_EQ(sorted(two), (std::vector<SI>{{"a", 23}, {"b", 13}}));
  auto one = engine.parallelize(data, 1).foldByKey(10, std::plus<>{}).collect();
  EXPECT_EQ(sorted(one), (std::vector<SI>{{"a", 13}, {"b", 13}}));
}

TEST_F(PairLayouts, AggregateByKeyAppliesZeroPerMapPartition) {
  std::vector<SI> data{{"a", 1}, {"a", 2}, {"a", 3}};
  // Slices [a1], [a2], [a3]: each partition starts its combiner from the zero "z".
  auto out =
      engine.parallelize(data, 3)
          .aggregateByKey(
              std::string("z"), [](std::string acc, int v) { return acc + std::to_string(v); },
              [](std::string a, std::string b) { return a + b; }, 1)
          .collect();
  ASSERT_EQ(out.size(), 1u);
  std::string s = out[0].second;
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, "123zzz");
}

TEST_F(PairLayouts, JoinOfEmptyAndEmptyRdd) {
  auto none = engine.emptyRDD<SI>();
  auto some = engine.parallelize(std::vector<SI>{{"a", 1}}, 2);
  EXPECT_TRUE(none.join(some).collect().empty());
  EXPECT_EQ(none.fullOuterJoin(some).collect().size(), 1u);
  EXPECT_TRUE(none.reduceByKey(std::plus<>{}).collect().empty());
  EXPECT_TRUE(none.sortByKey().collect().empty());
  EXPECT_TRUE(none.groupByKey().collect().empty());
}

}  // namespace
