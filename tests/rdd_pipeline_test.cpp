// Fused chains of narrow operators (PipelineRdd): the same results as the operators one by one,
// every user function called once per element, persistence anywhere in a chain honoured, and
// keyed aggregations fed straight from the chain.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

using ember::Rdd;
using ember::StorageLevel;
using ember_test::rangeInclusive;
using ember_test::sorted;
using Pair = std::pair<std::string, long>;
using Lines = std::vector<std::string>;

const Lines kLines = {"a b a", "c", "", "b b", "a c a d"};

std::vector<Pair> expectedWordCounts() {
  return {{"", 1}, {"a", 4}, {"b", 3}, {"c", 2}, {"d", 1}};
}

class PipelineMatrix : public ember_test::RddGridTest {};

TEST_P(PipelineMatrix, ChainGivesWhatTheOperatorsGiveOneByOne) {
  auto f1 = [](int x) { return std::vector<int>{x, x + 100}; };
  auto f2 = [](int x) { return x * 3; };
  auto f3 = [](int x) { return x % 2 == 0; };
  auto f4 = [](int x, auto emit) {
    for (int i = 0; i < x % 5; ++i) emit(x + i);
  };
  auto source = make(rangeInclusive(0, 49));

  auto fused = source.flatMap(f1).map(f2).filter(f3).flatMap<int>(f4);
  // Each step on a plain Rdd, so that nothing composes.
  Rdd<int> a = source.flatMap(f1);
  Rdd<int> b = a.map(f2);
  Rdd<int> c = b.filter(f3);
  Rdd<int> d = c.flatMap<int>(f4);

  EXPECT_EQ(fused.collect(), d.collect());
  EXPECT_FALSE(fused.collect().empty());
  EXPECT_EQ(fused.getNumPartitions(), parts());
}

TEST_P(PipelineMatrix, KeyedAggregationsReadTheChain) {
  auto lines = make(kLines);
  auto words = lines.flatMap([](const std::string& l) { return ember::split(l, ' '); });
  auto pairs = words.map([](std::string w) { return Pair(std::move(w), 1); });

  EXPECT_EQ(sorted(pairs.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(pairs.reduceByKey(std::plus<>{}, 3).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(pairs.foldByKey(0L, std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(pairs.aggregateByKey(0L, std::plus<>{}, std::plus<>{}).collect()),
            expectedWordCounts());
  auto combined = pairs.combineByKey([](long v) { return v; }, [](long c, long v) { return c + v; },
                                     [](long a, long b) { return a + b; });
  EXPECT_EQ(sorted(combined.collect()), expectedWordCounts());
}

TEST_P(PipelineMatrix, EveryWayOfEmittingAPairReachesTheCombine) {
  auto lines = make(kLines);
  auto views = lines.flatMap<Pair>([](const std::string& l, auto emit) {
    ember::forEachSplit(l, ' ', [&](std::string_view w) { emit.emplace(w, 1); });
  });
  auto strings = lines.flatMap<Pair>([](const std::string& l, auto emit) {
    for (auto& w : ember::split(l, ' ')) emit.emplace(std::move(w), 1);
  });
  auto whole = lines.flatMap<Pair>([](const std::string& l, auto emit) {
    for (auto& w : ember::split(l, ' ')) emit(Pair(w, 1));
  });
  auto literals = lines.flatMap<Pair>([](const std::string& l, auto emit) {
    ember::forEachSplit(l, ' ', [&](std::string_view w) {
      if (w == "a") {
        emit.emplace("a", 1);
      } else {
        Pair p(std::string(w), 1);
        emit(p);  // an lvalue: copied
      }
    });
  });
  EXPECT_EQ(sorted(views.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(strings.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(whole.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(sorted(literals.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
}

TEST_P(PipelineMatrix, SourceIsReadAgainUnchanged) {
  auto lines = make(kLines);
  auto counts = lines.flatMap([](const std::string& l) { return ember::split(l, ' '); })
                    .map([](std::string w) { return Pair(std::move(w), 1); })
                    .reduceByKey(std::plus<>{});
  auto moved =
      lines.map([](std::string&& l) { return std::move(l) + "!"; }).map([](std::string&& l) {
        return std::move(l) + "?";
      });
  EXPECT_EQ(sorted(counts.collect()), expectedWordCounts());
  EXPECT_EQ(moved.collect()[0], "a b a!?");
  EXPECT_EQ(sorted(counts.collect()), expectedWordCounts());
  EXPECT_EQ(moved.collect()[0], "a b a!?");
  EXPECT_EQ(lines.collect(), kLines);
}

/// Each key's values sorted, then the keys.
std::vector<std::pair<std::string, std::vector<long>>> canonGroups(
    std::vector<std::pair<std::string, std::vector<long>>> groups) {
  for (auto& g : groups) std::sort(g.second.begin(), g.second.end());
  return sorted(std::move(groups));
}

TEST_P(PipelineMatrix, ShufflesWithoutCombineReadTheChain) {
  auto split = [](const std::string& l) { return ember::split(l, ' '); };
  auto one = [](std::string w) { return Pair(std::move(w), 1); };
  auto lines = make(kLines);
  auto pairs = lines.flatMap(split).map(one);
  Rdd<std::string> words = lines.flatMap(split);
  Rdd<Pair> unfused = words.map(one);

  auto groups = canonGroups(pairs.groupByKey().collect());
  EXPECT_EQ(groups, canonGroups(unfused.groupByKey().collect()));
  EXPECT_EQ(groups.size(), 5u);
  EXPECT_EQ(canonGroups(pairs.groupByKey(3).collect()), groups);
  EXPECT_EQ(pairs.groupByKey(3).getNumPartitions(), 3);

  auto parts = pairs.partitionBy(3).glom().collect();
  auto expected = unfused.partitionBy(3).glom().collect();
  ASSERT_EQ(parts.size(), 3u);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    EXPECT_EQ(sorted(parts[p]), sorted(expected[p])) << "partition " << p;
  }
}

EMBER_TEST_ON_GRID(PipelineMatrix);

class Pipeline : public ember_test::EngineTest {};

TEST_F(Pipeline, EachFunctionRunsOncePerElement) {
  std::atomic<int> splits{0}, maps{0}, filters{0};
  auto out = engine.parallelize(kLines, 3)
                 .flatMap([&](const std::string& l) {
                   ++splits;
                   return ember::split(l, ' ');
                 })
                 .filter([&](const std::string& w) {
                   ++filters;
                   return !w.empty();
                 })
                 .map([&](std::string w) {
                   ++maps;
                   return Pair(std::move(w), 1);
                 })
                 .reduceByKey(std::plus<>{})
                 .collect();
  EXPECT_EQ(out.size(), 4u);
  EXPECT_EQ(splits.load(), 5);
  EXPECT_EQ(filters.load(), 11);
  EXPECT_EQ(maps.load(), 10);
}

TEST_F(Pipeline, SplitOfALineTakenByValueOutlivesIt) {
  // The function's own copy of the line is gone when flatMap reads the pieces.
  Lines lines;
  for (int i = 0; i < 50; ++i) {
    lines.push_back(std::string(static_cast<std::size_t>(i) * 7, 'x') + " tail " +
                    std::to_string(i % 5));
  }
  auto counts = engine.parallelize(lines, 3)
                    .flatMap([](std::string l) { return ember::split(l, ' '); })
                    .map([](std::string w) { return Pair(std::move(w), 1); })
                    .reduceByKey(std::plus<>{})
                    .collectAsMap();
  EXPECT_EQ(counts.at("tail"), 50);
  EXPECT_EQ(counts.at("3"), 10);
  EXPECT_EQ(counts.at(""), 1);  // the line that starts with its space
  EXPECT_EQ(counts.at(std::string(49 * 7, 'x')), 1);
}

TEST_F(Pipeline, SplitPiecesChangedAsAVectorAreReadAsChanged) {
  auto words = engine.parallelize(kLines, 2)
                   .flatMap([](const std::string& l) {
                     auto pieces = ember::split(l, ' ');
                     for (auto& w : pieces) w += "!";
                     return pieces;
                   })
                   .collect();
  EXPECT_EQ(sorted(words),
            sorted(Lines{"a!", "b!", "a!", "c!", "!", "b!", "b!", "a!", "c!", "a!", "d!"}));
}

/// Counts its copies and moves.
struct Tracked {
  static inline std::atomic<int> copies{0}, moves{0};
  std::string word;
  explicit Tracked(std::string_view w) : word(w) {}
  Tracked(const Tracked& o) : word(o.word) { ++copies; }
  Tracked(Tracked&& o) noexcept : word(std::move(o.word)) { ++moves; }
  Tracked& operator=(const Tracked& o) {
    word = o.word;
    ++copies;
    return *this;
  }
  Tracked& operator=(Tracked&& o) noexcept {
    word = std::move(o.word);
    ++moves;
    return *this;
  }
  ~Tracked() = default;
};

TEST_F(Pipeline, AnEmplacedElementIsMadeInTheMapFunctionsParameter) {
  Tracked::copies = 0;
  Tracked::moves = 0;
  auto counts = engine.parallelize(kLines, 2)
                    .flatMap<Tracked>([](const std::string& l, auto emit) {
                      ember::forEachSplit(l, ' ', [&](std::string_view w) { emit.emplace(w); });
                    })
                    .map([](Tracked t) { return Pair(std::move(t.word), 1); })
                    .reduceByKey(std::plus<>{})
                    .collect();
  EXPECT_EQ(sorted(counts), expectedWordCounts());
  EXPECT_EQ(Tracked::copies.load(), 0);
  EXPECT_EQ(Tracked::moves.load(), 0);
}

TEST_F(Pipeline, ACombinedShuffleIsReadAgainUnchanged) {
  // One map task's keys reach the reduce side as they are; several are merged there.
  for (int maps : {1, 3}) {
    auto counts = engine.parallelize(kLines, maps)
                      .flatMap([](const std::string& l) { return ember::split(l, ' '); })
                      .map([](std::string w) { return Pair(std::move(w), 1); })
                      .reduceByKey(std::plus<>{}, 4);
    auto first = counts.collect();
    auto second = counts.collect();
    EXPECT_EQ(sorted(first), expectedWordCounts()) << maps << " map tasks";
    EXPECT_EQ(sorted(second), expectedWordCounts()) << maps << " map tasks";
    EXPECT_EQ(counts.getNumPartitions(), 4);
  }
}

TEST_F(Pipeline, ASizeHintFollowsTheMapSideAndNeverChangesTheCounts) {
  // A stream's reduceByKey sizes each batch's map-side table from the last batch: a hint far too
  // large or far too small must still give the right counts.
  auto hint = std::make_shared<ember::detail::CombineSizeHint>();
  auto countWith = [&](int distinct, int copies) {
    std::vector<Pair> pairs;
    for (int c = 0; c < copies; ++c) {
      for (int k = 0; k < distinct; ++k) pairs.emplace_back("k" + std::to_string(k), 1);
    }
    auto rdd = engine.parallelize(pairs, 1);
    return sorted(ember::detail::reduceByKeyOf(rdd, std::plus<>{}, 2, hint).collect());
  };
  auto expected = [](int distinct, long copies) {
    std::vector<Pair> out;
    for (int k = 0; k < distinct; ++k) out.emplace_back("k" + std::to_string(k), copies);
    return sorted(out);
  };
  EXPECT_EQ(countWith(5000, 3), expected(5000, 3));
  EXPECT_EQ(hint->mapKeys.load(), 5000u);
  EXPECT_EQ(countWith(7, 2), expected(7, 2)) << "after a hint of 5000 keys";
  EXPECT_EQ(hint->mapKeys.load(), 7u);
  EXPECT_EQ(countWith(20000, 1), expected(20000, 1)) << "after a hint of 7 keys";
  EXPECT_EQ(hint->mapKeys.load(), 20000u);
}

TEST_F(Pipeline, PersistedStepInTheMiddleIsStoredAndServed) {
  std::atomic<int> splits{0}, maps{0};
  auto words = engine.parallelize(kLines, 2).flatMap([&](const std::string& l) {
    ++splits;
    return ember::split(l, ' ');
  });
  auto pairs = words.map([&](std::string w) {
    ++maps;
    return Pair(std::move(w), 1);
  });
  auto counts = pairs.reduceByKey(std::plus<>{});
  // Persisted after the chain was built, as Spark allows.
  words.cache();

  EXPECT_EQ(sorted(counts.collect()), expectedWordCounts());
  EXPECT_EQ(splits.load(), 5);
  EXPECT_EQ(maps.load(), 11);
  EXPECT_EQ(words.count(), 11);
  EXPECT_EQ(pairs.count(), 11);
  EXPECT_EQ(splits.load(), 5) << "the cached words are read, not recomputed";
  EXPECT_EQ(maps.load(), 22) << "the pairs are not cached: recomputed from the cached words";

  words.unpersist();
  EXPECT_EQ(pairs.count(), 11);
  EXPECT_EQ(splits.load(), 10) << "unpersisted: the chain runs whole again";
}

TEST_F(Pipeline, GroupByKeyReadsAPersistedStepOfTheChain) {
  std::atomic<int> splits{0}, maps{0};
  auto words = engine.parallelize(kLines, 2).flatMap([&](const std::string& l) {
    ++splits;
    return ember::split(l, ' ');
  });
  auto pairs = words.map([&](std::string w) {
    ++maps;
    return Pair(std::move(w), 1);
  });
  EXPECT_EQ(pairs.groupByKey().count(), 5);
  EXPECT_EQ(splits.load(), 5);
  EXPECT_EQ(maps.load(), 11);
  words.cache();
  EXPECT_EQ(pairs.partitionBy(2).count(), 11);
  EXPECT_EQ(pairs.groupByKey().count(), 5);
  EXPECT_EQ(splits.load(), 10) << "the words are computed once more, then read from the cache";
  EXPECT_EQ(maps.load(), 33);
}

TEST_F(Pipeline, PersistedEarlierStepIsReachedThroughLaterOnes) {
  std::atomic<int> firsts{0}, seconds{0}, thirds{0};
  auto a = engine.parallelize(rangeInclusive(0, 19), 2).map([&](int x) {
    ++firsts;
    return x + 1;
  });
  auto b = a.map([&](int x) {
    ++seconds;
    return x * 2;
  });
  auto c = b.filter([&](int x) {
    ++thirds;
    return x % 4 == 0;
  });
  a.persist(StorageLevel::MEMORY_ONLY_SER);
  EXPECT_EQ(c.count(), 10);
  EXPECT_EQ(c.count(), 10);
  EXPECT_EQ(firsts.load(), 20);
  EXPECT_EQ(seconds.load(), 40);
  EXPECT_EQ(thirds.load(), 40);
}

TEST_F(Pipeline, PersistedLastStepFeedsTheShuffleFromItsBlocks) {
  std::atomic<int> maps{0};
  auto pairs = engine.parallelize(rangeInclusive(0, 29), 3).map([&](int x) {
    ++maps;
    return std::pair<int, int>(x % 3, x);
  });
  pairs.cache();
  auto sums = sorted(pairs.reduceByKey(std::plus<>{}).collect());
  auto again = sorted(pairs.reduceByKey(std::plus<>{}, 2).collect());
  EXPECT_EQ(sums, (std::vector<std::pair<int, int>>{{0, 135}, {1, 145}, {2, 155}}));
  EXPECT_EQ(again, sums);
  EXPECT_EQ(maps.load(), 30);
}

TEST_F(Pipeline, AssigningAnotherDatasetDropsTheChainAndStaysCorrect) {
  auto source = engine.parallelize(rangeInclusive(0, 9), 2);
  auto r = source.map([](int x) { return x + 1; });
  r = source.filter([](int x) { return x >= 5; });  // another chain type: assigned as an Rdd<int>
  EXPECT_EQ(r.collect(), rangeInclusive(5, 9));
  EXPECT_EQ(r.fusion(), nullptr);
  auto doubled = r.map([](int x) { return x * 2; });
  EXPECT_EQ(doubled.fusion(), nullptr);
  EXPECT_EQ(doubled.collect(), (std::vector<int>{10, 12, 14, 16, 18}));
  auto keyed = doubled.map([](int x) { return std::pair<int, int>(x % 4, 1); });
  EXPECT_EQ(sorted(keyed.reduceByKey(std::plus<>{}).collect()),
            (std::vector<std::pair<int, int>>{{0, 2}, {2, 3}}));

  // Reassigned in a loop, as one writes with a var in Scala.
  Rdd<int> cur = source;
  for (int i = 0; i < 3; ++i) cur = cur.map([](int x) { return x + 10; });
  EXPECT_EQ(cur.collect()[0], 30);
}

TEST_F(Pipeline, AssigningThroughAnRddReferenceDropsTheChain) {
  auto source = engine.parallelize(rangeInclusive(0, 5), 2);
  auto other = engine.parallelize(rangeInclusive(100, 102), 2);
  auto keyed = source.map([](int x) { return std::pair<int, int>(x % 2, x); });
  Rdd<std::pair<int, int>>& base = keyed;
  base = other.map([](int x) { return std::pair<int, int>(x % 2, 1); });
  EXPECT_EQ(keyed.fusion(), nullptr);
  EXPECT_EQ(sorted(keyed.reduceByKey(std::plus<>{}).collect()),
            (std::vector<std::pair<int, int>>{{0, 2}, {1, 1}}));
  EXPECT_EQ(sorted(keyed.map([](std::pair<int, int> p) { return p.second; }).collect()),
            (std::vector<int>{1, 1, 1}));
}

TEST_F(Pipeline, EmitterNamedInTheSignature) {
  std::atomic<int> calls{0};
  auto pairs = engine.parallelize(kLines, 2).flatMap<Pair>(
      [&calls](const std::string& l, const ember::Emitter<Pair>& emit) {
        ++calls;
        ember::forEachSplit(l, ' ', [&](std::string_view w) { emit.emplace(w, 1); });
      });
  auto counts = pairs.filter([](const Pair& p) { return !p.first.empty(); })
                    .reduceByKey(std::plus<>{})
                    .collect();
  EXPECT_EQ(sorted(counts), (std::vector<Pair>{{"a", 4}, {"b", 3}, {"c", 2}, {"d", 1}}));
  EXPECT_EQ(sorted(pairs.reduceByKey(std::plus<>{}).collect()), expectedWordCounts());
  EXPECT_EQ(calls.load(), 10);
}

TEST_F(Pipeline, LineageShowsEveryOperator) {
  auto r = engine.parallelize(kLines, 2)
               .flatMap([](const std::string& l) { return ember::split(l, ' '); })
               .filter([](const std::string& w) { return !w.empty(); })
               .map([](std::string w) { return Pair(std::move(w), 1); });
  std::string s = r.toDebugString();
  std::size_t count = 0;
  for (std::size_t at = s.find("MapPartitionsRDD"); at != std::string::npos;
       at = s.find("MapPartitionsRDD", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << s;
  EXPECT_NE(s.find("ParallelCollectionRDD"), std::string::npos) << s;
  auto counts = r.reduceByKey(std::plus<>{});
  EXPECT_NE(counts.toDebugString().find("ShuffledRDD"), std::string::npos);
}

TEST_F(Pipeline, FailingStepInAChainFailsTheJobWithItsMessage) {
  auto r =
      engine.parallelize(rangeInclusive(0, 9), 2).map([](int x) { return x + 1; }).map([](int x) {
        if (x == 7) throw std::runtime_error("seven is refused");
        return std::pair<int, int>(x, x);
      });
  EXPECT_THROW(
      {
        try {
          r.reduceByKey(std::plus<>{}).collect();
        } catch (const ember::TaskFailedError& e) {
          EXPECT_NE(std::string(e.what()).find("seven is refused"), std::string::npos);
          throw;
        }
      },
      ember::TaskFailedError);
}

// The map-side combine builds a map function's records in a short queue and combines them a few
// records later: a key's values must still merge in the order they came, and records still queued
// when a function throws must be released.

std::string joined(std::string a, const std::string& b) {
  return a + "," + b;
}

TEST_F(Pipeline, QueuedRecordsMergeInTheOrderTheyCame) {
  auto merged =
      engine.parallelize(rangeInclusive(0, 99), 1)
          .map([](int i) { return std::pair<int, std::string>(i % 3, std::to_string(i)); })
          .reduceByKey(joined)
          .collectAsMap();
  for (int k = 0; k < 3; ++k) {
    std::string expected;
    for (int i = k; i < 100; i += 3) expected += (expected.empty() ? "" : ",") + std::to_string(i);
    EXPECT_EQ(merged.at(k), expected) << "key " << k;
  }
}

TEST_F(Pipeline, RecordsWrittenDirectlyComeAfterTheQueuedOnes) {
  // The aggregator merges in place, as the one reduceByKey and combineByKey build does.
  auto concat = [](std::string& c, std::string v) { c = joined(std::move(c), v); };
  using Agg = ember::detail::Aggregator<std::function<std::string(std::string)>, decltype(concat),
                                        decltype(concat)>;
  ember::detail::CombineWriter<std::string, std::string, std::string, Agg> writer(
      Agg{[](std::string v) { return v; }, concat, concat});
  using Record = std::pair<std::string, std::string>;
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    std::string v = std::to_string(i);
    expected += (i == 0 ? "" : ",") + v;
    if (i == 5) {
      writer(Record("k", v));
    } else if (i == 6) {
      writer.emplace(std::string_view("k"), v);
    } else {
      writer.produce([&] { return Record("k", v); });
    }
  }
  EXPECT_EQ(writer.map().at(std::string("k")), expected);
}

// A new key goes into the table with one probe only when making its combiner cannot throw; a
// combiner that throws must leave the table whole either way.
template <bool kNothrow>
struct Create {
  int operator()(int v) const noexcept(kNothrow) {
    if constexpr (!kNothrow) {
      if (v < 0) throw std::runtime_error("negative");
    }
    return v;
  }
};
struct MergeDigits {
  void operator()(int& c, int v) const { c = c * 10 + v; }
};
template <bool kNothrow>
using CountingAgg = ember::detail::Aggregator<Create<kNothrow>, MergeDigits, MergeDigits>;

template <class Writer>
void produceManyKeys(Writer& writer, int keys, int rounds) {
  using Record = std::pair<std::string, int>;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < keys; ++k) {
      writer.produce([&] { return Record("key-" + std::to_string(k), r + 1); });
    }
  }
}

TEST_F(Pipeline, NewStringKeysGoInWithOneProbeWhenTheirCombinerCannotThrow) {
  using Once = ember::detail::CombineWriter<std::string, int, int, CountingAgg<true>>;
  using Twice = ember::detail::CombineWriter<std::string, int, int, CountingAgg<false>>;
  static_assert(Once::kInsertsOnce);
  static_assert(!Twice::kInsertsOnce);
  static_assert(!ember::detail::CombineWriter<int, int, int, CountingAgg<true>>::kInsertsOnce);
  using ReduceAgg =
      ember::detail::Aggregator<ember::detail::ValueAsCombiner<int>, MergeDigits, MergeDigits>;
  static_assert(ember::detail::CombineWriter<std::string, int, int, ReduceAgg>::kInsertsOnce);
  // Enough keys that the table grows while records are queued: 1, 12, 123 for each key.
  Once once{CountingAgg<true>{}};
  Twice twice{CountingAgg<false>{}};
  produceManyKeys(once, 5000, 3);
  produceManyKeys(twice, 5000, 3);
  ASSERT_EQ(once.map().size(), 5000u);
  ASSERT_EQ(twice.map().size(), 5000u);
  for (int k = 0; k < 5000; k += 499) {
    std::string key = "key-" + std::to_string(k);
    EXPECT_EQ(once.map().at(key), 123) << key;
    EXPECT_EQ(twice.map().at(key), 123) << key;
  }
}

TEST_F(Pipeline, ACombinerThatThrowsLeavesTheMapSideTableWhole) {
  ember::detail::CombineWriter<std::string, int, int, CountingAgg<false>> writer{
      CountingAgg<false>{}};
  using Record = std::pair<std::string, int>;
  produceManyKeys(writer, 100, 1);
  writer.produce([] { return Record("a key that fails", -1); });
  EXPECT_THROW(writer.map(), std::runtime_error);
  // The failed record's key is not in the table, and every other key is.
  auto& map = writer.map();
  EXPECT_EQ(map.size(), 100u);
  EXPECT_FALSE(map.contains(std::string("a key that fails")));
  long sum = 0;
  for (const auto& kv : map) sum += kv.second;
  EXPECT_EQ(sum, 100);
}

TEST_F(Pipeline, AMapFunctionThrowingWithRecordsQueuedFailsTheTaskAndLeaksNothing) {
  // Keys longer than a short string's inline buffer are on the heap: the sanitizer build sees a
  // queued one that is not destroyed.
  auto r = engine.parallelize(rangeInclusive(0, 99), 2).map([](int x) {
    if (x == 30) throw std::runtime_error("thirty is refused");
    return std::pair<std::string, int>(std::string(40, 'k') + std::to_string(x % 7), x);
  });
  try {
    r.reduceByKey(std::plus<>{}).collect();
    ADD_FAILURE() << "the job did not fail";
  } catch (const ember::TaskFailedError& e) {
    EXPECT_NE(std::string(e.what()).find("thirty is refused"), std::string::npos) << e.what();
  }
}

TEST_F(Pipeline, RecordsTooLargeToQueueAreCombinedAtOnce) {
  using Big = std::array<long, 24>;
  auto sums = engine.parallelize(rangeInclusive(0, 59), 2)
                  .map([](int i) {
                    Big b{};
                    b.fill(i);
                    return std::pair<std::string, Big>("k" + std::to_string(i % 2), b);
                  })
                  .reduceByKey([](Big a, const Big& b) {
                    for (std::size_t j = 0; j < a.size(); ++j) a[j] += b[j];
                    return a;
                  })
                  .collectAsMap();
  EXPECT_EQ(sums.at("k0")[23], 870);  // 0 + 2 + ... + 58
  EXPECT_EQ(sums.at("k1")[0], 900);   // 1 + 3 + ... + 59
}

}  // namespace
