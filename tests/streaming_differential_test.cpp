// Randomized differential test of the streaming operators: from a seed, a random input (3 to 8
// batches of small (key, value) pairs, empty batches included, and in half of the cases batches
// without an RDD) and a random chain of operators,
// run through runOperation on a manual clock in every cell of the grid and compared, batch by
// batch, with a naive single-threaded evaluator of Spark Streaming's semantics on std::vector and
// std::map.
//
// The reference's rules (Spark's): batch k (from 1) is at time k seconds; a stream of slide s (in
// batches) produces at the multiples of s; a window at t covers its parent's batches in
// (t - window, t]; count() of an empty batch is one 0; reduceByKeyAndWindow with an inverse
// function is computed step by step as ReducedWindowedDStream does, so it keeps every key it has
// seen (with a zero value once its values left the window) unless its filter drops it, and fails
// when a key leaves the window with no previous value and no new one; countByWindow and
// countByValueAndWindow are built on it as in Spark (nothing before the first record, then a count
// that may be 0; zero counts dropped); updateStateByKey calls its function for every key with
// state or new values in every batch. Where the parent has no RDD: narrow and keyed operators
// give none (count too, and transform, as transform.hpp documents; Spark 2+'s TransformedDStream
// would fail instead), windows take what the window has, a union fails, updateStateByKey gives
// none until its first state and a state ever after, mapWithState takes an empty batch. Streams
// compute only the batches their output needs, so a failure at a batch no output reads is no
// failure.
//
// EMBER_DIFF_SEEDS=n runs seeds 1..n (the default is kDefaultSeeds); EMBER_DIFF_SEED=s runs seed s
// alone. A failure prints the seed and the chain.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

using ember::DStream;
using ember::Rdd;
using ember::Seconds;
using ember::State;
using ember::StateSpec;
using ember::Time;
using ember::testing::runOperation;
using V = std::int64_t;
using P = std::pair<int, V>;
using Batch = std::vector<P>;

constexpr V kMod = 1000003;
constexpr int kKeys = 5;
constexpr std::uint32_t kDefaultSeeds = 300;

V plus(V a, V b) {
  return (a + b) % kMod;
}
V minus(V a, V b) {
  return ((a - b) % kMod + kMod) % kMod;
}

// ---- The chain --------------------------------------------------------------------------------

enum class Op {
  kMap,
  kFilter,
  kFlatMap,
  kFusedMapFilterReduceByKey,
  kReduceByKey,
  kGroupByKey,
  kCountByValue,
  kCount,
  kUnionWithItself,
  kUnionWithSibling,
  kWindow,
  kReduceByKeyAndWindow,
  kReduceByKeyAndWindowInverse,
  kCountByWindow,
  kCountByValueAndWindow,
  kUpdateStateByKey,
  kMapWithState,
  kTransform,
};
constexpr int kNumOps = static_cast<int>(Op::kTransform) + 1;

/// One operator of a chain and its parameters: a, b, c pick functions and partition counts;
/// window and slide are in batches (multiples of the stream's slide at that point).
struct Step {
  Op op;
  int a = 0, b = 0, c = 0;
  int window = 0, slide = 0;
  int timeout = 0;  ///< mapWithState's timeout in batches (a == 3), 0 for none
};

std::string describeStep(const Step& s) {
  static const char* const kNames[] = {"map",
                                       "filter",
                                       "flatMap",
                                       "map.filter.reduceByKey",
                                       "reduceByKey",
                                       "groupByKey",
                                       "countByValue",
                                       "count",
                                       "union(itself)",
                                       "union(sibling)",
                                       "window",
                                       "reduceByKeyAndWindow",
                                       "reduceByKeyAndWindow(inverse)",
                                       "countByWindow",
                                       "countByValueAndWindow",
                                       "updateStateByKey",
                                       "mapWithState",
                                       "transform"};
  std::string out = kNames[static_cast<int>(s.op)];
  out += "(a=" + std::to_string(s.a) + " b=" + std::to_string(s.b) + " c=" + std::to_string(s.c);
  if (s.window) out += " w=" + std::to_string(s.window) + " s=" + std::to_string(s.slide);
  if (s.timeout) out += " timeout=" + std::to_string(s.timeout);
  return out + ")";
}

struct Case {
  std::vector<std::optional<Batch>> input;  ///< std::nullopt: a batch without an RDD
  std::size_t numBatches = 0;
  std::vector<Step> chain;

  std::string describe() const {
    std::string out = std::to_string(input.size()) + " input batches (sizes";
    for (const auto& b : input) out += b ? " " + std::to_string(b->size()) : std::string(" none");
    out += "), " + std::to_string(numBatches) + " batches run; chain:";
    for (const auto& s : chain) out += " ." + describeStep(s);
    return out;
  }
};

int uniform(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

Case randomCase(std::uint32_t seed) {
  std::mt19937 rng(seed);
  Case c;
  c.input.resize(static_cast<std::size_t>(uniform(rng, 3, 8)));
  for (auto& batch : c.input) {
    batch.emplace();
    int size = uniform(rng, 0, 3) == 0 ? 0 : uniform(rng, 1, 9);
    for (int i = 0; i < size; ++i) {
      batch->emplace_back(uniform(rng, 0, kKeys - 1), uniform(rng, 0, 19));
    }
  }
  // In half of the cases, batches without an RDD (from a second generator, so that the rest of
  // a seed's case does not depend on them).
  std::mt19937 missing(seed ^ 0x9e3779b9u);
  if (uniform(missing, 0, 1) == 0) {
    for (auto& batch : c.input) {
      if (uniform(missing, 0, 5) == 0) batch.reset();
    }
  }
  c.numBatches = c.input.size() + static_cast<std::size_t>(uniform(rng, 0, 3));
  int slide = 1;
  int length = uniform(rng, 1, 5);
  for (int i = 0; i < length; ++i) {
    Step s{static_cast<Op>(uniform(rng, 0, kNumOps - 1)), uniform(rng, 1, 3), uniform(rng, 1, 3),
           uniform(rng, 0, 3)};
    switch (s.op) {
      case Op::kWindow:
      case Op::kReduceByKeyAndWindow:
      case Op::kReduceByKeyAndWindowInverse:
      case Op::kCountByWindow:
      case Op::kCountByValueAndWindow: {
        // Slides of at most 4 batches, so that a run still has outputs. With an inverse
        // function the window is at least the slide (Spark's incremental window assumes it).
        int factor = slide * 2 <= 4 ? uniform(rng, 1, 2) : 1;
        s.slide = slide * factor;
        bool inverse = s.op != Op::kWindow && s.op != Op::kReduceByKeyAndWindow;
        s.window = slide * uniform(rng, inverse ? factor : 1, 3);
        slide = s.slide;
        break;
      }
      case Op::kMapWithState:
        if (s.a == 3) s.timeout = s.b * slide;
        break;
      default:
        break;
    }
    c.chain.push_back(s);
  }
  return c;
}

// ---- The functions of the operators, shared by the engine and the reference -------------------

P mapFn(int a, int b, const P& x) {
  return {static_cast<int>((x.first * a + x.second) % kKeys), (x.second * b + 1) % kMod};
}
bool filterFn(int a, const P& x) {
  return (x.first + x.second) % (a + 1) != 0;
}
/// 0 to a copies of x, with values x.second, x.second + 1, ...
Batch flatMapFn(int a, const P& x) {
  Batch out;
  for (V i = 0; i < x.second % (a + 1); ++i) out.emplace_back(x.first, (x.second + i) % kMod);
  return out;
}
/// An order-independent digest of a group of values.
V groupDigest(std::vector<V> vs) {
  std::sort(vs.begin(), vs.end());
  V h = static_cast<V>(vs.size());
  for (V v : vs) h = (h * 31 + v) % kMod;
  return h;
}
P countByValueFn(const std::pair<P, std::int64_t>& x) {
  return {x.first.first, (x.first.second * 10 + x.second) % kMod};
}
/// updateStateByKey: a running sum of the values, dropped when a key without new values has a
/// sum divisible by 3.
std::optional<V> updateFn(const std::vector<V>& vs, const std::optional<V>& state) {
  if (vs.empty() && state && *state % 3 == 0) return std::nullopt;
  V sum = state.value_or(0);
  for (V v : vs) sum = plus(sum, v);
  return sum;
}
/// What a key that times out emits: a function of its last state.
V timedOutFn(V state) {
  return (state * 3 + 2) % kMod;
}
/// mapWithState: the state is the running sum; the output depends on the record only, so that
/// it does not depend on the order of a key's records in a batch.
P mapWithStateFn(const int& key, const std::optional<V>& v, State<V>& state) {
  if (state.isTimingOut()) return {key, timedOutFn(state.get())};
  state.update(plus(state.getOption().value_or(0), v.value_or(0)));
  return {key, (v.value_or(0) * 7 + 1) % kMod};
}
/// The filters of reduceByKeyAndWindow with an inverse function: a == 1 drops zeros (as
/// countByValueAndWindow does), a == 2 also keys whose values are still in the window (which
/// fails, as in Spark, when those values leave before new ones come), a == 3 keeps every key.
bool keepWindowed(int a, const P& x) {
  if (a == 1) return x.second != 0;
  if (a == 2) return x.second % 5 != 1;
  return true;
}
std::optional<int> partitionsOf(int c) {
  if (c == 0) return std::nullopt;
  return c * 2 - 1;  // 1, 3, 5
}

// ---- The engine -------------------------------------------------------------------------------

DStream<P> applyOnEngine(const Step& s, const DStream<P>& in) {
  const int a = s.a, b = s.b, c = s.c;
  auto window = Seconds(s.window), slide = Seconds(s.slide);
  switch (s.op) {
    case Op::kMap:
      return in.map([a, b](const P& x) { return mapFn(a, b, x); });
    case Op::kFilter:
      return in.filter([a](const P& x) { return filterFn(a, x); });
    case Op::kFlatMap:
      if (c % 2 == 0) return in.flatMap([a](const P& x) { return flatMapFn(a, x); });
      return in.flatMap<P>([a](const P& x, auto emit) {
        for (const P& y : flatMapFn(a, x)) emit(y);
      });
    case Op::kFusedMapFilterReduceByKey:
      return in.map([a, b](const P& x) { return mapFn(a, b, x); })
          .filter([c](const P& x) { return filterFn(c, x); })
          .reduceByKey(plus);
    case Op::kReduceByKey:
      return in.reduceByKey(plus, partitionsOf(c));
    case Op::kGroupByKey:
      return in.groupByKey(partitionsOf(c)).map([](const std::pair<int, std::vector<V>>& g) {
        return P(g.first, groupDigest(g.second));
      });
    case Op::kCountByValue:
      return in.countByValue(partitionsOf(c)).map(countByValueFn);
    case Op::kCount:
      return in.count().map([](std::int64_t n) { return P(0, n); });
    case Op::kUnionWithItself:
      return in.union_(in);
    case Op::kUnionWithSibling:
      if (c % 2 == 0) return in.union_(in.map([a, b](const P& x) { return mapFn(a, b, x); }));
      return in.union_(in.filter([a](const P& x) { return filterFn(a, x); }));
    case Op::kWindow:
      return in.window(window, slide);
    case Op::kReduceByKeyAndWindow:
      return in.reduceByKeyAndWindow(plus, window, slide, partitionsOf(c));
    case Op::kReduceByKeyAndWindowInverse:
      if (a == 3) return in.reduceByKeyAndWindow(plus, minus, window, slide, partitionsOf(c));
      return in.reduceByKeyAndWindow(plus, minus, window, slide, partitionsOf(c),
                                     [a](const P& x) { return keepWindowed(a, x); });
    case Op::kCountByWindow:
      return in.countByWindow(window, slide).map([](std::int64_t n) { return P(0, n); });
    case Op::kCountByValueAndWindow:
      return in.countByValueAndWindow(window, slide, partitionsOf(c)).map(countByValueFn);
    case Op::kUpdateStateByKey:
      if (c == 0) return in.updateStateByKey(updateFn);
      return in.updateStateByKey(updateFn, *partitionsOf(c));
    case Op::kMapWithState: {
      auto spec = StateSpec<>::function(mapWithStateFn);
      if (s.timeout) spec.timeout(Seconds(s.timeout));
      auto mapped = in.mapWithState(spec);
      if (c % 2 == 0) return mapped;
      return mapped.stateSnapshots();
    }
    case Op::kTransform:
      return in.transform([a](const Rdd<P>& rdd, Time t) {
        V seconds = t.milliseconds() / 1000;
        return Rdd<P>(rdd.map([seconds](const P& x) { return P(x.first, plus(x.second, seconds)); })
                          .filter([a](const P& x) { return filterFn(a, x); }));
      });
  }
  throw std::logic_error("unknown operator");
}

// ---- The reference ----------------------------------------------------------------------------

/// A stream as the reference sees it: its slide (in batches) and its batch at every multiple of
/// the slide up to the number of batches run.
struct RefStream {
  int slide = 1;
  std::map<int, Batch> batches;
  /// The batch times at which computing this stream fails, as Spark's would (no batch there).
  std::set<int> failures;
  /// A failure at t fails every later batch too (the stream reads its own previous batch) and is
  /// a failed task (TaskFailedError), rather than a failure of that batch's job generation.
  bool failuresCarry = false;
};

template <class F>
RefStream perBatch(const RefStream& in, F f) {
  RefStream out{in.slide, {}, {}, false};
  for (const auto& [k, batch] : in.batches) out.batches[k] = f(batch);
  return out;
}

std::map<int, std::vector<V>> groups(const Batch& batch) {
  std::map<int, std::vector<V>> g;
  for (const auto& [k, v] : batch) g[k].push_back(v);
  return g;
}

Batch reduceByKeyRef(const Batch& batch) {
  Batch out;
  for (const auto& [k, vs] : groups(batch)) {
    V sum = 0;
    for (V v : vs) sum = plus(sum, v);
    out.emplace_back(k, sum);
  }
  return out;
}

/// The parent's records in (t - window, t], for every t a multiple of slide.
RefStream windowRef(const RefStream& in, int window, int slide, int numBatches) {
  RefStream out{slide, {}, {}, false};
  for (int t = slide; t <= numBatches; t += slide) {
    Batch& batch = out.batches[t];
    for (const auto& [k, parent] : in.batches) {
      if (k > t - window && k <= t) batch.insert(batch.end(), parent.begin(), parent.end());
    }
  }
  return out;
}

/// What the reference throws where the engine must fail.
struct ExpectedFailure {
  int time;
  bool taskFailed;  ///< a TaskFailedError, rather than any ember::Error
};

/// Spark's ReducedWindowedDStream, step by step: the window at t is the (filtered) window at
/// t - slide, with the values of the parent's batches in (t - slide - window, t - window] taken
/// out by minus and those in (t - slide, t] added by plus. A key without a previous value takes
/// the sum of its new values; without new values either, computing the window fails: `failure`
/// is set to its time and the windows stop there.
template <class K, class Keep>
std::map<int, std::vector<std::pair<K, V>>> reducedWindowRef(
    const std::map<int, std::vector<std::pair<K, V>>>& in, int window, int slide, int numBatches,
    Keep keep, std::optional<int>& failure) {
  auto sumsIn = [&in](int from, int to) {  // per key, the sum of the batches in (from, to]
    std::map<K, V> sums;
    for (const auto& [k, batch] : in) {
      if (k <= from || k > to) continue;
      for (const auto& [key, v] : batch) {
        auto [it, fresh] = sums.emplace(key, v);
        if (!fresh) it->second = plus(it->second, v);
      }
    }
    return sums;
  };
  std::map<int, std::vector<std::pair<K, V>>> out;
  std::map<K, V> previous;
  for (int t = slide; t <= numBatches; t += slide) {
    auto old_sums = sumsIn(t - slide - window, t - window);
    auto new_sums = sumsIn(t - slide, t);
    std::map<K, V> current;
    for (const auto& [key, v] : previous) {
      V value = v;
      if (auto it = old_sums.find(key); it != old_sums.end()) value = minus(value, it->second);
      if (auto it = new_sums.find(key); it != new_sums.end()) value = plus(value, it->second);
      current[key] = value;
    }
    for (const auto& [key, v] : new_sums) current.emplace(key, v);
    for (const auto& [key, v] : old_sums) {
      if (!current.count(key)) failure = t;
    }
    if (failure) break;
    std::vector<std::pair<K, V>> kept;
    previous.clear();
    for (const auto& kv : current) {
      if (!keep(kv)) continue;
      kept.push_back(kv);
      previous.insert(kv);
    }
    out[t] = kept;
  }
  return out;
}

RefStream reduceByKeyAndWindowInverseRef(const RefStream& in, int window, int slide, int numBatches,
                                         int a) {
  auto keep = [a](const P& x) { return keepWindowed(a, x); };
  RefStream out{slide, {}, {}, false};
  std::optional<int> failure;
  out.batches = reducedWindowRef<int>(in.batches, window, slide, numBatches, keep, failure);
  if (failure) out.failures.insert(*failure);
  out.failuresCarry = true;
  return out;
}

/// Spark's countByValueAndWindow: (x, 1) reduced by key and window with + and -, zeros dropped.
RefStream countByValueAndWindowRef(const RefStream& in, int window, int slide, int numBatches) {
  std::map<int, std::vector<std::pair<P, V>>> ones;
  for (const auto& [k, batch] : in.batches) {
    auto& b = ones[k];
    for (const P& x : batch) b.emplace_back(x, 1);
  }
  RefStream out{slide, {}, {}, false};
  std::optional<int> failure;
  auto counts = reducedWindowRef<P>(
      ones, window, slide, numBatches, [](const std::pair<P, V>& x) { return x.second != 0; },
      failure);
  if (failure) out.failures.insert(*failure);
  out.failuresCarry = true;
  for (const auto& [t, batch] : counts) {
    for (const auto& x : batch) out.batches[t].push_back(countByValueFn(x));
    out.batches[t];  // an empty window is an empty batch
  }
  return out;
}

/// Nothing before the first record; then the number of records in (t - window, t].
RefStream countByWindowRef(const RefStream& in, int window, int slide, int numBatches) {
  RefStream out{slide, {}, {}, false};
  for (int t = slide; t <= numBatches; t += slide) {
    bool seen = false;
    V count = 0;
    for (const auto& [k, parent] : in.batches) {
      if (k > t) continue;
      seen = seen || !parent.empty();
      if (k > t - window) count += static_cast<V>(parent.size());
    }
    out.batches[t] = seen ? Batch{P(0, count)} : Batch{};
  }
  return out;
}

/// No state before the first batch with an RDD; from then on a state at every batch, the keys
/// without new values called with none (Spark's StateDStream).
RefStream updateStateByKeyRef(const RefStream& in, int numBatches) {
  RefStream out{in.slide, {}, {}, false};
  std::map<int, V> state;
  bool started = false;
  for (int k = in.slide; k <= numBatches; k += in.slide) {
    auto parent = in.batches.find(k);
    if (parent == in.batches.end() && !started) continue;
    started = true;
    auto g = parent == in.batches.end() ? std::map<int, std::vector<V>>{} : groups(parent->second);
    std::set<int> keys;
    for (const auto& [key, v] : state) keys.insert(key);
    for (const auto& [key, vs] : g) keys.insert(key);
    for (int key : keys) {
      auto it = state.find(key);
      std::optional<V> previous = it == state.end() ? std::nullopt : std::optional<V>(it->second);
      auto next = updateFn(g[key], previous);
      if (next) {
        state[key] = *next;
      } else {
        state.erase(key);
      }
    }
    out.batches[k] = Batch(state.begin(), state.end());
  }
  return out;
}

/// A batch at every time, a batch without an RDD taken as empty (Spark's MapWithStateDStream).
/// With a timeout, a key last called at u times out at the first batch t with u < t - timeout:
/// called once more (timing out) and removed.
RefStream mapWithStateRef(const RefStream& in, bool snapshots, int timeout, int numBatches) {
  RefStream out{in.slide, {}, {}, false};
  std::map<int, V> state;
  std::map<int, int> called;
  for (int k = in.slide; k <= numBatches; k += in.slide) {
    auto parent = in.batches.find(k);
    const Batch batch = parent == in.batches.end() ? Batch{} : parent->second;
    Batch mapped;
    for (const auto& [key, v] : batch) {
      auto it = state.find(key);
      state[key] = plus(it == state.end() ? 0 : it->second, v);
      called[key] = k;
      mapped.emplace_back(key, (v * 7 + 1) % kMod);
    }
    for (auto it = state.begin(); timeout && it != state.end();) {
      if (called[it->first] < k - timeout) {
        mapped.emplace_back(it->first, timedOutFn(it->second));
        it = state.erase(it);
      } else {
        ++it;
      }
    }
    out.batches[k] = snapshots ? Batch(state.begin(), state.end()) : mapped;
  }
  return out;
}

template <class F>
Batch flatten(const Batch& batch, F f) {
  Batch out;
  for (const P& x : batch) {
    for (const P& y : f(x)) out.push_back(y);
  }
  return out;
}

Batch filtered(const Batch& batch, int a) {
  Batch out;
  for (const P& x : batch) {
    if (filterFn(a, x)) out.push_back(x);
  }
  return out;
}

Batch mapped(const Batch& batch, int a, int b) {
  Batch out;
  for (const P& x : batch) out.push_back(mapFn(a, b, x));
  return out;
}

/// The parent's batch and sibling(batch); fails where the parent has no RDD (Spark's
/// UnionDStream).
template <class F>
RefStream unionRef(const RefStream& in, int numBatches, F sibling) {
  RefStream out{in.slide, {}, {}, false};
  for (int k = in.slide; k <= numBatches; k += in.slide) {
    auto parent = in.batches.find(k);
    if (parent == in.batches.end()) {
      out.failures.insert(k);
      continue;
    }
    Batch batch = parent->second;
    Batch other = sibling(parent->second);
    batch.insert(batch.end(), other.begin(), other.end());
    out.batches[k] = batch;
  }
  return out;
}

RefStream applyOnReference(const Step& s, const RefStream& in, int numBatches) {
  const int a = s.a, b = s.b, c = s.c;
  switch (s.op) {
    case Op::kMap:
      return perBatch(in, [&](const Batch& x) { return mapped(x, a, b); });
    case Op::kFilter:
      return perBatch(in, [&](const Batch& x) { return filtered(x, a); });
    case Op::kFlatMap:
      return perBatch(in, [&](const Batch& x) {
        return flatten(x, [&](const P& y) { return flatMapFn(a, y); });
      });
    case Op::kFusedMapFilterReduceByKey:
      return perBatch(in,
                      [&](const Batch& x) { return reduceByKeyRef(filtered(mapped(x, a, b), c)); });
    case Op::kReduceByKey:
      return perBatch(in, reduceByKeyRef);
    case Op::kGroupByKey:
      return perBatch(in, [](const Batch& x) {
        Batch out;
        for (const auto& [k, vs] : groups(x)) out.emplace_back(k, groupDigest(vs));
        return out;
      });
    case Op::kCountByValue:
      return perBatch(in, [](const Batch& x) {
        std::map<P, std::int64_t> counts;
        for (const P& y : x) ++counts[y];
        Batch out;
        for (const auto& kv : counts) out.push_back(countByValueFn(kv));
        return out;
      });
    case Op::kCount:
      return perBatch(in, [](const Batch& x) { return Batch{P(0, static_cast<V>(x.size()))}; });
    case Op::kUnionWithItself:
      return unionRef(in, numBatches, [](const Batch& x) { return x; });
    case Op::kUnionWithSibling:
      return unionRef(in, numBatches, [&](const Batch& x) {
        return c % 2 == 0 ? mapped(x, a, b) : filtered(x, a);
      });
    case Op::kWindow:
      return windowRef(in, s.window, s.slide, numBatches);
    case Op::kReduceByKeyAndWindow:
      return perBatch(windowRef(in, s.window, s.slide, numBatches), reduceByKeyRef);
    case Op::kReduceByKeyAndWindowInverse:
      return reduceByKeyAndWindowInverseRef(in, s.window, s.slide, numBatches, a);
    case Op::kCountByWindow:
      return countByWindowRef(in, s.window, s.slide, numBatches);
    case Op::kCountByValueAndWindow:
      return countByValueAndWindowRef(in, s.window, s.slide, numBatches);
    case Op::kUpdateStateByKey:
      return updateStateByKeyRef(in, numBatches);
    case Op::kMapWithState:
      return mapWithStateRef(in, c % 2 != 0, s.timeout, numBatches);
    case Op::kTransform: {
      RefStream out{in.slide, {}, {}, false};
      for (const auto& [k, batch] : in.batches) {
        Batch shifted;
        for (const auto& [key, v] : batch) shifted.emplace_back(key, plus(v, k));
        out.batches[k] = filtered(shifted, a);
      }
      return out;
    }
  }
  throw std::logic_error("unknown operator");
}

/// The batch times of its parent that computing a stream at the times `demand` reads (Spark's
/// streams compute only what their outputs ask for, so a failure at a time no output needs is
/// no failure).
std::set<int> parentDemand(const Step& s, const std::set<int>& demand, int parentSlide) {
  std::set<int> out;
  if (demand.empty()) return out;
  switch (s.op) {
    case Op::kWindow:
    case Op::kReduceByKeyAndWindow:
      for (int t : demand) {
        for (int k = t - s.window + 1; k <= t; ++k) {
          if (k >= 1 && k % parentSlide == 0) out.insert(k);
        }
      }
      return out;
    case Op::kReduceByKeyAndWindowInverse:
    case Op::kCountByWindow:
    case Op::kCountByValueAndWindow:
    case Op::kUpdateStateByKey:
    case Op::kMapWithState:
      // Each time reads the stream's previous time, down to the first.
      for (int k = parentSlide; k <= *demand.rbegin(); k += parentSlide) out.insert(k);
      return out;
    default:
      return demand;
  }
}

/// The reference's output: one batch per RDD of the chain's last stream, each sorted. Throws
/// ExpectedFailure where the engine must fail.
std::vector<Batch> reference(const Case& c) {
  const int n = static_cast<int>(c.numBatches);
  std::vector<RefStream> streams(1);
  for (int k = 1; k <= n; ++k) {
    if (static_cast<std::size_t>(k) > c.input.size()) {
      streams[0].batches[k] = {};
    } else if (c.input[k - 1]) {
      streams[0].batches[k] = *c.input[k - 1];
    }
  }
  for (const Step& s : c.chain) streams.push_back(applyOnReference(s, streams.back(), n));
  std::set<int> demand;
  for (int t = streams.back().slide; t <= n; t += streams.back().slide) demand.insert(t);
  std::optional<ExpectedFailure> first;  // the earliest failure an output reads
  for (std::size_t i = c.chain.size(); i > 0; --i) {
    const RefStream& stream = streams[i];
    for (int t : stream.failures) {
      bool read =
          !demand.empty() && (stream.failuresCarry ? t <= *demand.rbegin() : demand.count(t));
      if (read && (!first || t < first->time)) first = ExpectedFailure{t, stream.failuresCarry};
    }
    demand = parentDemand(c.chain[i - 1], demand, streams[i - 1].slide);
  }
  if (first) throw *first;
  std::vector<Batch> out;
  for (auto& [k, batch] : streams.back().batches) {
    std::sort(batch.begin(), batch.end());
    out.push_back(batch);
  }
  return out;
}

// ---- The test ---------------------------------------------------------------------------------

std::vector<std::uint32_t> seeds() {
  if (const char* one = std::getenv("EMBER_DIFF_SEED")) {
    return {static_cast<std::uint32_t>(std::stoul(one))};
  }
  std::uint32_t n = kDefaultSeeds;
  if (const char* many = std::getenv("EMBER_DIFF_SEEDS")) {
    n = static_cast<std::uint32_t>(std::stoul(many));
  }
  std::vector<std::uint32_t> out;
  for (std::uint32_t s = 1; s <= n; ++s) out.push_back(s);
  return out;
}

/// Runs the case of `seed` on the engine and compares with the reference; true when they agree.
bool runCase(std::uint32_t seed, const ember::testing::TestOptions& opts) {
  Case c = randomCase(seed);
  std::string what = "seed " + std::to_string(seed) + " (EMBER_DIFF_SEED=" + std::to_string(seed) +
                     "): " + c.describe();
  SCOPED_TRACE(what);
  std::vector<Batch> expected;
  std::optional<ExpectedFailure> failure;
  try {
    expected = reference(c);
  } catch (const ExpectedFailure& f) {
    failure = f;
  }
  std::vector<Batch> out;
  try {
    out = runOperation(
        c.input,
        [&c](DStream<P> s) {
          for (const Step& step : c.chain) s = applyOnEngine(step, s);
          return s;
        },
        c.numBatches, opts);
  } catch (const ember::Error& e) {
    // The failure the incremental window documents (dstream.hpp) is a TaskFailedError.
    if (failure && (!failure->taskFailed || dynamic_cast<const ember::TaskFailedError*>(&e))) {
      return true;
    }
    ADD_FAILURE() << "the engine failed: " << e.what();
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the engine threw something other than an ember::Error: " << e.what();
    return false;
  }
  if (failure) {
    ADD_FAILURE() << "the engine did not fail; Spark fails at batch " << failure->time
                  << (failure->taskFailed
                          ? " (a key leaves an incremental window that has no value for it)"
                          : " (a union of a batch without an RDD)");
    return false;
  }
  out = streaming_test::sortedBatches(std::move(out));
  EXPECT_EQ(out.size(), expected.size()) << "number of batches";
  bool same = out.size() == expected.size();
  for (std::size_t i = 0; i < std::min(out.size(), expected.size()); ++i) {
    EXPECT_EQ(out[i], expected[i]) << "output batch " << i;
    same = same && out[i] == expected[i];
  }
  return same;
}

// The reference itself, on cases worked out by hand from Spark's semantics (the same as in
// streaming_window_test and streaming_reduced_window_test), so that it is not trusted blindly.

Case literalCase(const std::vector<Batch>& input, std::size_t numBatches, Step step) {
  Case c;
  c.input.assign(input.begin(), input.end());
  c.numBatches = numBatches;
  c.chain = {step};
  return c;
}

Step windowStep(Op op, int window, int slide, int a = 3) {
  Step s{op, a, 1, 0};
  s.window = window;
  s.slide = slide;
  return s;
}

TEST(StreamingDifferentialReference, WindowsAsWorkedOutFromSpark) {
  // Keys 0, 1, 2 come and go across a two-batch window; batch 6 is empty.
  std::vector<Batch> comeAndGo{{{0, 1}},         {{0, 1}, {1, 1}}, {{0, 1}, {1, 1}, {2, 1}},
                               {{0, 1}, {1, 1}}, {{0, 1}},         {}};
  EXPECT_EQ(
      reference(literalCase(comeAndGo, 7, windowStep(Op::kReduceByKeyAndWindowInverse, 2, 1))),
      (std::vector<Batch>{{{0, 1}},
                          {{0, 2}, {1, 1}},
                          {{0, 2}, {1, 2}, {2, 1}},
                          {{0, 2}, {1, 2}, {2, 1}},
                          {{0, 2}, {1, 1}, {2, 0}},
                          {{0, 1}, {1, 0}, {2, 0}},
                          {{0, 0}, {1, 0}, {2, 0}}}));
  EXPECT_EQ(reference(literalCase(comeAndGo, 7, windowStep(Op::kReduceByKeyAndWindow, 2, 1))),
            (std::vector<Batch>{{{0, 1}},
                                {{0, 2}, {1, 1}},
                                {{0, 2}, {1, 2}, {2, 1}},
                                {{0, 2}, {1, 2}, {2, 1}},
                                {{0, 2}, {1, 1}},
                                {{0, 1}},
                                {}}));
  EXPECT_EQ(reference(literalCase({{{0, 1}}, {}, {{0, 3}}}, 5, windowStep(Op::kWindow, 3, 1))),
            (std::vector<Batch>{{{0, 1}}, {{0, 1}}, {{0, 1}, {0, 3}}, {{0, 3}}, {{0, 3}}}));
  EXPECT_EQ(reference(literalCase({{{0, 1}}, {{0, 2}}, {{0, 3}}, {{0, 4}}, {{0, 5}}}, 6,
                                  windowStep(Op::kWindow, 4, 2))),
            (std::vector<Batch>{
                {{0, 1}, {0, 2}}, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}, {{0, 3}, {0, 4}, {0, 5}}}));
  // countByWindow: nothing before the first record, then a count, 0 included.
  std::vector<Batch> records{{}, {{0, 1}}, {{0, 2}, {0, 3}}, {}, {}, {{0, 4}}};
  EXPECT_EQ(reference(literalCase(records, 7, windowStep(Op::kCountByWindow, 2, 1))),
            (std::vector<Batch>{{}, {{0, 1}}, {{0, 3}}, {{0, 2}}, {{0, 0}}, {{0, 1}}, {{0, 1}}}));
}

TEST(StreamingDifferentialReference, FailuresOnlyWhereAnOutputReads) {
  // The filter drops "0" (value 1) while its value is in the window; at 3 it leaves with no
  // previous value and no new one.
  auto dropped = literalCase({{{0, 1}}, {}, {}}, 3,
                             windowStep(Op::kReduceByKeyAndWindowInverse, 2, 1, /*a=*/2));
  try {
    reference(dropped);
    ADD_FAILURE() << "no failure";
  } catch (const ExpectedFailure& f) {
    EXPECT_EQ(f.time, 3);
  }
  // A window of slide 2 after it reads batches 1 and 2 only.
  dropped.chain.push_back(windowStep(Op::kWindow, 2, 2));
  EXPECT_EQ(reference(dropped), (std::vector<Batch>{{}}));
}

TEST(StreamingDifferentialReference, BatchesWithoutAnRdd) {
  auto leading = literalCase({}, 7, Step{Op::kUpdateStateByKey});
  leading.input = {std::nullopt, Batch{{0, 1}}, std::nullopt, std::nullopt, Batch{}, Batch{{0, 1}}};
  EXPECT_EQ(reference(leading),
            (std::vector<Batch>{{{0, 1}}, {{0, 1}}, {{0, 1}}, {{0, 1}}, {{0, 2}}, {{0, 2}}}));
  leading.chain = {Step{Op::kCount}};
  EXPECT_EQ(reference(leading), (std::vector<Batch>{{{0, 1}}, {{0, 0}}, {{0, 1}}, {{0, 0}}}));
  leading.chain = {windowStep(Op::kWindow, 2, 1)};
  EXPECT_EQ(reference(leading),
            (std::vector<Batch>{{}, {{0, 1}}, {{0, 1}}, {}, {}, {{0, 1}}, {{0, 1}}}));
  leading.chain = {Step{Op::kUnionWithItself}};
  try {
    reference(leading);
    ADD_FAILURE() << "no failure";
  } catch (const ExpectedFailure& f) {
    EXPECT_EQ(f.time, 1);
    EXPECT_FALSE(f.taskFailed);
  }
}

TEST(StreamingDifferentialReference, PerBatchAndStatefulOperators) {
  std::vector<Batch> input{{{0, 3}}, {}, {{1, 2}}};
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kCount})),
            (std::vector<Batch>{{{0, 1}}, {{0, 0}}, {{0, 1}}, {{0, 0}}}));
  // A running sum; a key without new values whose sum is divisible by 3 is removed.
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kUpdateStateByKey})),
            (std::vector<Batch>{{{0, 3}}, {}, {{1, 2}}, {{1, 2}}}));
  // mapWithState's snapshots (c odd) keep every key.
  EXPECT_EQ(reference(literalCase(input, 4, Step{Op::kMapWithState, 1, 1, 1})),
            (std::vector<Batch>{{{0, 3}}, {{0, 3}}, {{0, 3}, {1, 2}}, {{0, 3}, {1, 2}}}));
  // The timeouts of streaming_map_with_state_test's IdleKeysTimeOutOnceAndActiveKeysStay: a
  // timeout of 2 batches, a key last called at u times out at the first t with u < t - 2.
  Step withTimeout{Op::kMapWithState, 3, 2, 1};
  withTimeout.timeout = 2;
  auto idle = literalCase({{{0, 1}, {1, 1}, {2, 1}, {3, 1}},
                           {{0, 1}, {3, 1}},
                           {{1, 0}, {3, 1}},
                           {{3, 1}},
                           {{3, 1}},
                           {{3, 1}}},
                          10, withTimeout);
  EXPECT_EQ(reference(idle), (std::vector<Batch>{{{0, 1}, {1, 1}, {2, 1}, {3, 1}},
                                                 {{0, 2}, {1, 1}, {2, 1}, {3, 2}},
                                                 {{0, 2}, {1, 1}, {2, 1}, {3, 3}},
                                                 {{0, 2}, {1, 1}, {3, 4}},
                                                 {{1, 1}, {3, 5}},
                                                 {{3, 6}},
                                                 {{3, 6}},
                                                 {{3, 6}},
                                                 {},
                                                 {}}));
  idle.chain[0].c = 0;  // the outputs: each record's (v -> 7 v + 1), then the timed-out keys'
                        // (state s -> 3 s + 2)
  auto outputs = reference(idle);
  ASSERT_EQ(outputs.size(), 10u);
  EXPECT_EQ(outputs[3], (Batch{{2, 5}, {3, 8}}));
  EXPECT_EQ(outputs[8], (Batch{{3, 20}}));
}

class StreamingDifferential : public streaming_test::StreamingGridTest {};
EMBER_TEST_ON_GRID(StreamingDifferential);

TEST_P(StreamingDifferential, RandomChainsMatchTheReference) {
  int failures = 0;
  for (std::uint32_t seed : seeds()) {
    if (!runCase(seed, options()) && ++failures >= 3) {
      FAIL() << "stopping after three failing seeds";
    }
  }
}

}  // namespace
