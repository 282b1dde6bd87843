// Randomized differential test: random chains of operations over random keyed data (fixed seeds),
// each run on the engine and on a naive single-threaded reference built on std::vector and
// std::map, compared as multisets.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ember/core.hpp"
#include "rdd_test_support.hpp"

namespace {

using ember_test::sorted;
using V = std::int64_t;

constexpr V kMod = 1000003;

std::string makeKey(const std::string&, V v) {
  return "k" + std::to_string(v % 13);
}
int makeKey(int, V v) {
  return static_cast<int>(v % 17) - 5;
}

template <class K>
K randomKey(std::mt19937& rng);
template <>
int randomKey<int>(std::mt19937& rng) {
  return std::uniform_int_distribution<int>(-5, 20)(rng);
}
template <>
std::string randomKey<std::string>(std::mt19937& rng) {
  static const char* const kWords[] = {"", "a", "b", "apple", "banana", "c", "zz", "a b"};
  return kWords[std::uniform_int_distribution<int>(0, 7)(rng)];
}

template <class K>
std::vector<std::pair<K, V>> randomData(std::mt19937& rng) {
  std::vector<std::pair<K, V>> data(std::uniform_int_distribution<std::size_t>(0, 200)(rng));
  for (auto& [k, v] : data) {
    k = randomKey<K>(rng);
    v = std::uniform_int_distribution<V>(-50, 50)(rng);
  }
  return data;
}

// The reference: everything on one thread, keyed results through std::map.
template <class K>
struct Reference {
  using Data = std::vector<std::pair<K, V>>;

  static std::map<K, std::vector<V>> groups(const Data& d) {
    std::map<K, std::vector<V>> g;
    for (const auto& [k, v] : d) g[k].push_back(v);
    return g;
  }
  template <class F>
  static Data perKey(const Data& d, F f) {
    Data out;
    for (auto& [k, vs] : groups(d)) out.emplace_back(k, f(vs));
    return out;
  }
  template <class F>
  static Data joinLike(const Data& a, const Data& b, bool left_outer, bool right_outer, F f) {
    auto ga = groups(a);
    auto gb = groups(b);
    Data out;
    for (auto& [k, vs] : ga) {
      auto it = gb.find(k);
      if (it == gb.end()) {
        if (left_outer) {
          for (V v : vs) out.emplace_back(k, f(v, std::nullopt));
        }
        continue;
      }
      for (V v : vs) {
        for (V w : it->second) out.emplace_back(k, f(v, w));
      }
    }
    if (right_outer) {
      for (auto& [k, ws] : gb) {
        if (ga.count(k)) continue;
        for (V w : ws) out.emplace_back(k, f(std::nullopt, w));
      }
    }
    return out;
  }
};

V orMinus(std::optional<V> o) {
  return o.value_or(-1);
}

/// One step of a chain: applied to the dataset and to the reference alike.
template <class K>
struct Chain {
  using Data = std::vector<std::pair<K, V>>;
  using R = ember::Rdd<std::pair<K, V>>;
  using Ref = Reference<K>;

  ember::Engine engine;
  std::mt19937& rng;
  std::string trace;

  int parts() { return std::uniform_int_distribution<int>(1, 8)(rng); }

  /// A second operand for binary operations.
  std::pair<R, Data> other() {
    Data d = randomData<K>(rng);
    int p = parts();
    trace += " [other n=" + std::to_string(d.size()) + " p=" + std::to_string(p) + "]";
    return {engine.parallelize(d, p), d};
  }

  void step(R& r, Data& ref) {
    int op = std::uniform_int_distribution<int>(0, 22)(rng);
    trace += " " + std::to_string(op);
    switch (op) {
      case 0:
        r = r.mapValues([](V v) { return (v * 3 + 1) % kMod; });
        for (auto& [k, v] : ref) v = (v * 3 + 1) % kMod;
        break;
      case 1: {
        auto keep = [](const std::pair<K, V>& x) { return (x.second % 3 + 3) % 3 != 0; };
        r = r.filter(keep);
        Data out;
        for (auto& x : ref) {
          if (keep(x)) out.push_back(x);
        }
        ref = out;
        break;
      }
      case 2: {
        auto f = [](const std::pair<K, V>& x) {
          Data out{x};
          if (x.second % 2 == 0) out.emplace_back(makeKey(x.first, x.second + 1), x.second / 2);
          return out;
        };
        r = r.flatMap(f);
        Data out;
        for (auto& x : ref) {
          for (auto& y : f(x)) out.push_back(y);
        }
        ref = out;
        break;
      }
      case 3: {
        int p = parts();
        trace += "p" + std::to_string(p);
        r = r.reduceByKey([](V a, V b) { return (a + b) % kMod; }, p);
        ref = Ref::perKey(ref, [](const std::vector<V>& vs) {
          V s = 0;
          for (V v : vs) s = (s + v) % kMod;
          return s;
        });
        break;
      }
      case 4:
        r = r.groupByKey().mapValues([](std::vector<V> vs) {
          V s = 0;
          for (V v : vs) s += v * v;
          return s % kMod + static_cast<V>(vs.size()) * 1000;
        });
        ref = Ref::perKey(ref, [](const std::vector<V>& vs) {
          V s = 0;
          for (V v : vs) s += v * v;
          return s % kMod + static_cast<V>(vs.size()) * 1000;
        });
        break;
      case 5:
        r = r.foldByKey(
            std::numeric_limits<V>::min(), [](V a, V b) { return std::max(a, b); }, parts());
        ref = Ref::perKey(
            ref, [](const std::vector<V>& vs) { return *std::max_element(vs.begin(), vs.end()); });
        break;
      case 6:
        r = r.aggregateByKey(
            V{0}, [](V acc, V v) { return acc + (v < 0 ? 1 : 0); }, std::plus<>{});
        ref = Ref::perKey(ref, [](const std::vector<V>& vs) {
          return static_cast<V>(std::count_if(vs.begin(), vs.end(), [](V v) { return v < 0; }));
        });
        break;
      case 7: {
        using MinMax = std::pair<V, V>;
        r = r.combineByKey(
                 [](V v) {
                   return MinMax{v, v};
                 },
                 [](MinMax c, V v) {
                   return MinMax{std::min(c.first, v), std::max(c.second, v)};
                 },
                 [](MinMax a, MinMax b) {
                   return MinMax{std::min(a.first, b.first), std::max(a.second, b.second)};
                 },
                 parts())
                .mapValues([](MinMax m) { return m.second - m.first; });
        ref = Ref::perKey(ref, [](const std::vector<V>& vs) {
          return *std::max_element(vs.begin(), vs.end()) - *std::min_element(vs.begin(), vs.end());
        });
        break;
      }
      case 8: {
        r = r.distinct(parts());
        std::map<std::pair<K, V>, int> seen;
        for (auto& x : ref) seen[x];
        ref.clear();
        for (auto& [x, unused] : seen) ref.push_back(x);
        break;
      }
      case 9: {
        auto [o, od] = other();
        r = r.union_(o);
        ref.insert(ref.end(), od.begin(), od.end());
        break;
      }
      case 10:
        r = r.union_(r);
        {
          Data twice = ref;
          twice.insert(twice.end(), ref.begin(), ref.end());
          ref = twice;
        }
        break;
      case 11:
        r = r.repartition(parts());
        break;
      case 12:
        r = r.coalesce(parts(), std::uniform_int_distribution<int>(0, 1)(rng) == 1);
        break;
      case 13: {
        auto [o, od] = other();
        r = r.join(o).mapValues([](std::pair<V, V> vw) { return vw.first * 7 + vw.second; });
        ref = Ref::joinLike(ref, od, false, false,
                            [](std::optional<V> v, std::optional<V> w) { return *v * 7 + *w; });
        break;
      }
      case 14: {
        auto [o, od] = other();
        r = r.leftOuterJoin(o, parts()).mapValues([](std::pair<V, std::optional<V>> vw) {
          return vw.first * 7 + orMinus(vw.second);
        });
        ref = Ref::joinLike(ref, od, true, false, [](std::optional<V> v, std::optional<V> w) {
          return *v * 7 + orMinus(w);
        });
        break;
      }
      case 15: {
        auto [o, od] = other();
        r = r.rightOuterJoin(o).mapValues(
            [](std::pair<std::optional<V>, V> vw) { return orMinus(vw.first) * 7 + vw.second; });
        ref = Ref::joinLike(ref, od, false, true, [](std::optional<V> v, std::optional<V> w) {
          return orMinus(v) * 7 + *w;
        });
        break;
      }
      case 16: {
        auto [o, od] = other();
        r = r.fullOuterJoin(o).mapValues([](std::pair<std::optional<V>, std::optional<V>> vw) {
          return orMinus(vw.first) * 7 + orMinus(vw.second);
        });
        ref = Ref::joinLike(ref, od, true, true, [](std::optional<V> v, std::optional<V> w) {
          return orMinus(v) * 7 + orMinus(w);
        });
        break;
      }
      case 17: {
        auto [o, od] = other();
        auto summary = [](const std::vector<V>& vs, const std::vector<V>& ws) {
          V s = 0;
          for (V v : vs) s += v;
          for (V w : ws) s -= 2 * w;
          return s * 100 + static_cast<V>(vs.size() * 10 + ws.size());
        };
        r = r.cogroup(o).mapValues([summary](std::pair<std::vector<V>, std::vector<V>> g) {
          return summary(g.first, g.second);
        });
        auto ga = Ref::groups(ref);
        auto gb = Ref::groups(od);
        Data out;
        for (auto& [k, vs] : ga)
          out.emplace_back(k, summary(vs, gb.count(k) ? gb[k] : std::vector<V>{}));
        for (auto& [k, ws] : gb) {
          if (!ga.count(k)) out.emplace_back(k, summary({}, ws));
        }
        ref = out;
        break;
      }
      case 18:
        r = r.partitionBy(parts());
        break;
      case 19:
        r = r.sortByKey(std::uniform_int_distribution<int>(0, 1)(rng) == 1, parts());
        break;
      case 20:
        r = r.mapPartitions([](std::vector<std::pair<K, V>> part) {
          std::reverse(part.begin(), part.end());
          return part;
        });
        break;
      case 21:
        r = r.map([](std::pair<K, V> x) {
          return std::pair<K, V>(makeKey(x.first, x.second), x.second + 1);
        });
        for (auto& x : ref) x = {makeKey(x.first, x.second), x.second + 1};
        break;
      case 22: {
        static const ember::StorageLevel kLevels[] = {
            ember::StorageLevel::MEMORY_ONLY, ember::StorageLevel::MEMORY_ONLY_SER,
            ember::StorageLevel::MEMORY_AND_DISK, ember::StorageLevel::DISK_ONLY};
        // A new dataset, so the level can be chosen afresh; the first action fills the cache.
        r = r.map([](std::pair<K, V> x) { return x; });
        r.persist(kLevels[std::uniform_int_distribution<int>(0, 3)(rng)]);
        break;
      }
    }
  }
};

template <class K>
void runChains(const char* master, std::uint32_t seed, int chains) {
  ember::Engine engine(master, "differential");
  std::mt19937 rng(seed);
  for (int c = 0; c < chains; ++c) {
    auto data = randomData<K>(rng);
    Chain<K> chain{engine, rng, {}};
    int p = chain.parts();
    chain.trace = "chain " + std::to_string(c) + ": n=" + std::to_string(data.size()) +
                  " p=" + std::to_string(p) + " ops:";
    auto r = engine.parallelize(data, p);
    auto ref = data;
    int length = std::uniform_int_distribution<int>(1, 6)(rng);
    for (int i = 0; i < length; ++i) {
      chain.step(r, ref);
      // Joins over few keys multiply sizes; a longer chain would test nothing new, only slowly.
      if (ref.size() > 3000) break;
    }
    SCOPED_TRACE(chain.trace);
    ASSERT_EQ(sorted(r.collect()), sorted(ref));
    ASSERT_EQ(r.count(), static_cast<std::int64_t>(ref.size()));
    std::map<K, std::int64_t> counts;
    for (const auto& x : ref) ++counts[x.first];
    ASSERT_EQ(r.countByKey(), counts);
    V sum = 0;
    for (const auto& x : ref) sum += x.second;
    ASSERT_EQ(r.values().fold(V{0}, std::plus<>{}), sum);
    auto sortedKeys = r.sortByKey().keys().collect();
    std::vector<K> refKeys;
    for (const auto& x : ref) refKeys.push_back(x.first);
    ASSERT_EQ(sortedKeys, sorted(refKeys));
  }
  engine.stop();
}

TEST(Differential, IntKeysOneThread) {
  runChains<int>("local[1]", 20240601, 120);
}

TEST(Differential, IntKeysFourThreads) {
  runChains<int>("local[4]", 20240601, 120);
}

TEST(Differential, StringKeysOneThread) {
  runChains<std::string>("local[1]", 777, 120);
}

TEST(Differential, StringKeysFourThreads) {
  runChains<std::string>("local[4]", 777, 120);
}

// Word counts of random text, split with Java's rules, against a std::map count.
TEST(Differential, WordCount) {
  ember::Engine engine("local[4]", "wordcount");
  std::mt19937 rng(4242);
  static const char* const kWords[] = {"to", "be", "or", "not", "", "that", "is"};
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<std::string> lines(std::uniform_int_distribution<std::size_t>(0, 60)(rng));
    std::map<std::string, int> expected;
    for (auto& line : lines) {
      int words = std::uniform_int_distribution<int>(0, 8)(rng);
      for (int w = 0; w < words; ++w) {
        if (w) line += ' ';
        line += kWords[std::uniform_int_distribution<int>(0, 6)(rng)];
      }
      for (const auto& w : ember::split(line, ' ')) ++expected[w];
    }
    int p = std::uniform_int_distribution<int>(1, 9)(rng);
    auto counts =
        engine.parallelize(lines, p)
            .flatMap<std::string>([](const std::string& line, auto emit) {
              ember::forEachSplit(line, ' ', [&](std::string_view w) { emit(std::string(w)); });
            })
            .map([](std::string w) { return std::pair<std::string, int>(std::move(w), 1); })
            .reduceByKey(std::plus<>{}, std::uniform_int_distribution<int>(1, 5)(rng))
            .collectAsMap();
    EXPECT_EQ(counts, expected) << "trial " << trial;
  }
  engine.stop();
}

}  // namespace
