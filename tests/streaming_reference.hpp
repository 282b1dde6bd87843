#pragma once

// Over 500 lines because the reference is one self-contained model of the semantics, one
// function per operator; split up, it would be harder to check against Spark as a whole.

// A naive, single-threaded evaluator of Spark Streaming's semantics on std::vector and std::map,
// for chains of operators over a stream of (key, value) pairs (streaming_differential_test runs
// the same chains on the engine and compares).
//
// Its rules (Spark's): batch k (from 1) is at time k seconds; a stream of slide s (in
// batches) produces at the multiples of s; a window at t covers its parent's batches in
// (t - window, t]; count() of an empty batch is one 0; reduceByKeyAndWindow with an inverse
// function is computed step by step as ReducedWindowedDStream does, so it keeps every key it has
// seen (with a zero value once its values left the window) unless its filter drops it, and fails
// when a key leaves the window with no previous value and no new one; countByWindow and
// countByValueAndWindow are built on it as in Spark (nothing before the first record, then a count
// that may be 0; zero counts dropped); updateStateByKey calls its function for every key with
// state or new values in every batch. Where the parent has no RDD: narrow and keyed operators
// give none (count too), windows take what the window has, a union and a transform fail (Spark's
// UnionDStream and TransformedDStream), updateStateByKey gives
// none until its first state and a state ever after, mapWithState takes an empty batch. With a
// timeout, mapWithState times a key last called at u out at the first batch t with
// u < t - timeout (ember's reading; Spark's MapWithStateRDD removes timed-out keys only on the
// batches where it scans the whole state, those it checkpoints). Streams
// compute only the batches their output needs, so a failure at a batch no output reads is no
// failure.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"

namespace streaming_reference {

using V = std::int64_t;
using P = std::pair<int, V>;
using Batch = std::vector<P>;

inline constexpr V kMod = 1000003;
inline constexpr int kKeys = 5;

inline V plus(V a, V b) {
  return (a + b) % kMod;
}
inline V minus(V a, V b) {
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
  kRepartition,
  kPersist,          ///< persist() at a storage level
  kSideOutput,       ///< one more output on the stream, reading all or part of each RDD
  kJoinWithSibling,  ///< join (c even) or leftOuterJoin (c odd) with filter(a) of the stream
};
inline constexpr int kNumOps = static_cast<int>(Op::kJoinWithSibling) + 1;

/// One operator of a chain and its parameters: a, b, c pick functions and partition counts;
/// window and slide are in batches (multiples of the stream's slide at that point).
struct Step {
  Op op;
  int a = 0, b = 0, c = 0;
  int window = 0, slide = 0;
  int timeout = 0;  ///< mapWithState's timeout in batches (a == 3), 0 for none
};

inline std::string describeStep(const Step& s) {
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
                                       "transform",
                                       "repartition",
                                       "persist",
                                       "sideOutput",
                                       "join(sibling)"};
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

// ---- The functions of the operators, shared by the engine and the reference -------------------

inline P mapFn(int a, int b, const P& x) {
  return {static_cast<int>((x.first * a + x.second) % kKeys), (x.second * b + 1) % kMod};
}
inline bool filterFn(int a, const P& x) {
  return (x.first + x.second) % (a + 1) != 0;
}
/// 0 to a copies of x, with values x.second, x.second + 1, ...
inline Batch flatMapFn(int a, const P& x) {
  Batch out;
  for (V i = 0; i < x.second % (a + 1); ++i) out.emplace_back(x.first, (x.second + i) % kMod);
  return out;
}
/// An order-independent digest of a group of values.
inline V groupDigest(std::vector<V> vs) {
  std::sort(vs.begin(), vs.end());
  V h = static_cast<V>(vs.size());
  for (V v : vs) h = (h * 31 + v) % kMod;
  return h;
}
inline P countByValueFn(const std::pair<P, std::int64_t>& x) {
  return {x.first.first, (x.first.second * 10 + x.second) % kMod};
}
/// updateStateByKey: a running sum of the values, dropped when a key without new values has a
/// sum divisible by 3.
inline std::optional<V> updateFn(const std::vector<V>& vs, const std::optional<V>& state) {
  if (vs.empty() && state && *state % 3 == 0) return std::nullopt;
  V sum = state.value_or(0);
  for (V v : vs) sum = plus(sum, v);
  return sum;
}
/// What a key that times out emits: a function of its last state.
inline V timedOutFn(V state) {
  return (state * 3 + 2) % kMod;
}
/// mapWithState: the state is the running sum; the output depends on the record only, so that
/// it does not depend on the order of a key's records in a batch.
inline P mapWithStateFn(const int& key, const std::optional<V>& v, ember::State<V>& state) {
  if (state.isTimingOut()) return {key, timedOutFn(state.get())};
  state.update(plus(state.getOption().value_or(0), v.value_or(0)));
  return {key, (v.value_or(0) * 7 + 1) % kMod};
}
/// The filters of reduceByKeyAndWindow with an inverse function: a == 1 drops zeros (as
/// countByValueAndWindow does), a == 2 also keys whose values are still in the window (which
/// fails, as in Spark, when those values leave before new ones come), a == 3 keeps every key.
inline bool keepWindowed(int a, const P& x) {
  if (a == 1) return x.second != 0;
  if (a == 2) return x.second % 5 != 1;
  return true;
}
inline std::optional<int> partitionsOf(int c) {
  if (c == 0) return std::nullopt;
  return c * 2 - 1;  // 1, 3, 5
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
inline RefStream perBatch(const RefStream& in, F f) {
  RefStream out{in.slide, {}, {}, false};
  for (const auto& [k, batch] : in.batches) out.batches[k] = f(batch);
  return out;
}

inline std::map<int, std::vector<V>> groups(const Batch& batch) {
  std::map<int, std::vector<V>> g;
  for (const auto& [k, v] : batch) g[k].push_back(v);
  return g;
}

inline Batch reduceByKeyRef(const Batch& batch) {
  Batch out;
  for (const auto& [k, vs] : groups(batch)) {
    V sum = 0;
    for (V v : vs) sum = plus(sum, v);
    out.emplace_back(k, sum);
  }
  return out;
}

/// The parent's records in (t - window, t], for every t a multiple of slide.
inline RefStream windowRef(const RefStream& in, int window, int slide, int numBatches) {
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

inline RefStream reduceByKeyAndWindowInverseRef(const RefStream& in, int window, int slide,
                                                int numBatches, int a) {
  auto keep = [a](const P& x) { return keepWindowed(a, x); };
  RefStream out{slide, {}, {}, false};
  std::optional<int> failure;
  out.batches = reducedWindowRef<int>(in.batches, window, slide, numBatches, keep, failure);
  if (failure) out.failures.insert(*failure);
  out.failuresCarry = true;
  return out;
}

/// Spark's countByValueAndWindow: (x, 1) reduced by key and window with + and -, zeros dropped.
inline RefStream countByValueAndWindowRef(const RefStream& in, int window, int slide,
                                          int numBatches) {
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
inline RefStream countByWindowRef(const RefStream& in, int window, int slide, int numBatches) {
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
inline RefStream updateStateByKeyRef(const RefStream& in, int numBatches) {
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
inline RefStream mapWithStateRef(const RefStream& in, bool snapshots, int timeout, int numBatches) {
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
inline Batch flatten(const Batch& batch, F f) {
  Batch out;
  for (const P& x : batch) {
    for (const P& y : f(x)) out.push_back(y);
  }
  return out;
}

inline Batch filtered(const Batch& batch, int a) {
  Batch out;
  for (const P& x : batch) {
    if (filterFn(a, x)) out.push_back(x);
  }
  return out;
}

inline Batch mapped(const Batch& batch, int a, int b) {
  Batch out;
  for (const P& x : batch) out.push_back(mapFn(a, b, x));
  return out;
}

/// f(batch) for a stream of two parents (the stream and one derived from it): fails where the
/// parent has no RDD (Spark's UnionDStream, and the TransformedDStream of joins).
template <class F>
inline RefStream twoParentRef(const RefStream& in, int numBatches, F f) {
  RefStream out{in.slide, {}, {}, false};
  for (int k = in.slide; k <= numBatches; k += in.slide) {
    auto parent = in.batches.find(k);
    if (parent == in.batches.end()) {
      out.failures.insert(k);
      continue;
    }
    out.batches[k] = f(parent->second);
  }
  return out;
}

/// The parent's batch and sibling(batch).
template <class F>
inline RefStream unionRef(const RefStream& in, int numBatches, F sibling) {
  return twoParentRef(in, numBatches, [&](const Batch& x) {
    Batch out = x;
    Batch other = sibling(x);
    out.insert(out.end(), other.begin(), other.end());
    return out;
  });
}

/// What the joins emit for a pair of values.
inline P joinedFn(int key, V v, V w) {
  return {key, (v * 31 + w) % kMod};
}
inline P leftJoinedFn(int key, V v, const std::optional<V>& w) {
  return {key, (v * 31 + (w ? *w + 1 : 0)) % kMod};
}

/// Per key, every value of the batch with every value of right(batch); with leftOuter, a key
/// without right values keeps its values (with none).
template <class F>
inline RefStream joinRef(const RefStream& in, int numBatches, bool leftOuter, F right) {
  return twoParentRef(in, numBatches, [&](const Batch& x) {
    auto r = groups(right(x));
    Batch out;
    for (const auto& [key, v] : x) {
      auto it = r.find(key);
      if (it == r.end()) {
        if (leftOuter) out.push_back(leftJoinedFn(key, v, std::nullopt));
        continue;
      }
      for (V w : it->second)
        out.push_back(leftOuter ? leftJoinedFn(key, v, w) : joinedFn(key, v, w));
    }
    return out;
  });
}

inline RefStream applyOnReference(const Step& s, const RefStream& in, int numBatches) {
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
    case Op::kRepartition:
    case Op::kPersist:
    case Op::kSideOutput:
      return in;
    case Op::kJoinWithSibling:
      return joinRef(in, numBatches, c % 2 != 0, [&](const Batch& x) { return filtered(x, a); });
    case Op::kTransform: {
      // Spark's TransformedDStream: fails where its parent has no RDD.
      RefStream out{in.slide, {}, {}, false};
      for (int k = in.slide; k <= numBatches; k += in.slide) {
        auto parent = in.batches.find(k);
        if (parent == in.batches.end()) {
          out.failures.insert(k);
          continue;
        }
        Batch shifted;
        for (const auto& [key, v] : parent->second) shifted.emplace_back(key, plus(v, k));
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
inline std::set<int> parentDemand(const Step& s, const std::set<int>& demand, int parentSlide) {
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
inline std::vector<Batch> reference(const Case& c) {
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
    if (c.chain[i - 1].op == Op::kSideOutput) {  // an output of its own reads every batch
      for (int t = stream.slide; t <= n; t += stream.slide) demand.insert(t);
    }
    for (int t : stream.failures) {
      bool read =
          !demand.empty() && (stream.failuresCarry ? t <= *demand.rbegin() : demand.count(t));
      // At the same time, a batch whose job cannot be generated never runs its tasks.
      bool earlier = !first || t < first->time || (t == first->time && !stream.failuresCarry);
      if (read && earlier) first = ExpectedFailure{t, stream.failuresCarry};
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

}  // namespace streaming_reference
