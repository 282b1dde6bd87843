#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <cstddef>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ember/core/chunk_sink.hpp"
#include "ember/core/hash.hpp"

namespace ember::detail {

/// The hash of in-process hash maps. Strings use abseil's hash, the fastest for short keys;
/// its seed differs between processes, which is fine here (only partitioning, by KeyHash,
/// must agree across processes).
template <class K>
struct MapHash : KeyHash<K> {};
template <>
struct MapHash<std::string> {
  using is_transparent = void;
  // abseil's map compares probes as absl::string_view, which this abseil does not alias to
  // std::string_view; every form hashes as that one.
  std::size_t operator()(absl::string_view s) const { return absl::Hash<absl::string_view>{}(s); }
  std::size_t operator()(std::string_view s) const { return (*this)(toAbsl(s)); }
  std::size_t operator()(const std::string& s) const { return (*this)(absl::string_view(s)); }
  static absl::string_view toAbsl(std::string_view s) { return {s.data(), s.size()}; }
  /// A key with its hash already computed: a prefetch, lookup or insert by it does not hash
  /// again. The map compares it as the view it converts to.
  struct HashedView {
    absl::string_view key;
    std::size_t hash;
    operator absl::string_view() const { return key; }  // NOLINT: the map's equality takes it
  };
  std::size_t operator()(const HashedView& k) const { return k.hash; }
};

template <class K, class V>
using KeyMap = absl::flat_hash_map<K, V, MapHash<K>>;

/// Spark's Aggregator: how values become combiners and how combiners merge.
template <class Create, class MergeValue, class MergeCombiners>
struct Aggregator {
  Create createCombiner;
  MergeValue mergeValue;
  MergeCombiners mergeCombiners;
};

/// reduceByKey's createCombiner: a key's first value is its combiner.
template <class V>
struct ValueAsCombiner {
  V operator()(V&& v) const noexcept(std::is_nothrow_move_constructible_v<V>) {
    return std::move(v);
  }
};

/// The map-side combine, as a writer (see core/pipeline.hpp): each record goes into a flat hash
/// map, its value becoming a combiner or merging into one. `emplace(key, value)` with a string
/// key given as a string view (or any key of the map's own type) probes the map without
/// building a key, which is only built for a key not seen before.
///
/// A record the step before makes as a value (`produce`, what a map's function returns) is built
/// in a slot of a short queue and combined kDepth records later. Two costs go away with it:
/// - The function has just written the record's key (a short string is copied into the pair,
///   byte by byte in effect); reading it at once to hash it stalls until those writes land, about
///   as long as the rest of the record's work. kDepth records later they have landed.
/// - Half-way through the queue the key is hashed and its table group prefetched, so that the
///   probe finds it in cache: a table of 100,000 keys does not fit in this machine's.
/// Records are still combined in the order they come, so a merge function sees the values of a
/// key in the same order as without the queue.
///
/// Throws what the aggregator's functions throw; the records still queued are then destroyed
/// uncombined (the task fails).
template <class K, class V, class C, class Agg>
class CombineWriter {
  using Pair = std::pair<K, V>;

 public:
  static constexpr bool kBuildsInPlace = true;
  /// A queued string key whose combiner is made without a chance of throwing goes into the table
  /// with one hash and one probe. Otherwise a new key is looked up, then inserted: the table takes
  /// a slot before what fills it is made, and a throw there would leave the table half-built.
  /// (Records written directly are looked up, then inserted, too: passing the lookup's hash on
  /// made every record's lookup cost more than it saved a new key.)
  static constexpr bool kInsertsOnce =
      noexcept(C(std::declval<Agg&>().createCombiner(std::declval<V&&>()))) &&
      std::is_same_v<K, std::string> &&
      std::is_nothrow_constructible_v<std::pair<const K, C>, K&&, C&&>;

  explicit CombineWriter(const Agg& agg) : agg_(agg) {}
  CombineWriter(const CombineWriter&) = delete;
  CombineWriter& operator=(const CombineWriter&) = delete;
  ~CombineWriter() {
    for (; consumed_ != produced_; ++consumed_) slot(consumed_).~Pair();
  }

  EMBER_INLINE void operator()(Pair&& x) {
    drain();
    add(x.first, std::move(x.first), std::move(x.second));
  }
  // Records the producer keeps are read in place; their key is copied only when it is new.
  EMBER_INLINE void operator()(const Pair& x) {
    drain();
    add(x.first, x.first, x.second);
  }
  template <class A, class B>
  EMBER_INLINE void emplace(A&& key, B&& value) {
    drain();
    if constexpr (kProbesWithView<A>) {
      add(MapHash<K>::toAbsl(std::string_view(key)), std::forward<A>(key), std::forward<B>(value));
    } else if constexpr (std::is_same_v<std::decay_t<A>, K>) {
      add(key, std::forward<A>(key), std::forward<B>(value));
    } else {
      (*this)(Pair(std::forward<A>(key), std::forward<B>(value)));
    }
  }
  template <class... Args>
  void emplace(Args&&... args) {
    (*this)(Pair(std::forward<Args>(args)...));
  }

  /// The record make() returns, built straight into a queue slot (a prvalue of type Pair is not
  /// moved) and combined later. Throws what make throws, the queue unchanged.
  template <class Make>
  EMBER_INLINE void produce(Make&& make) {
    if constexpr (kQueues) {
      if (produced_ - consumed_ == kDepth) consumeOne();
      ::new (static_cast<void*>(&slot(produced_))) Pair(make());
      ++produced_;
      if (produced_ - hashed_ > kLead) hashOne();
    } else {
      (*this)(make());
    }
  }

  void reserve(std::size_t keys) { map_.reserve(keys); }

  /// The table, once every queued record is in it. Throws what the aggregator's functions throw.
  KeyMap<K, C>& map() {
    drain();
    return map_;
  }

 private:
  static constexpr std::size_t kDepth = 16;  // a power of two
  static constexpr std::size_t kLead = kDepth / 2;
  // A large record would make the queue a large object on the task's stack.
  static constexpr bool kQueues = sizeof(Pair) <= 128;

  template <class A>
  static constexpr bool kProbesWithView =
      std::is_same_v<K, std::string> && !std::is_same_v<std::decay_t<A>, std::string> &&
      std::is_convertible_v<A, std::string_view>;

  Pair& slot(std::size_t i) { return *std::launder(reinterpret_cast<Pair*>(&slots_[i % kDepth])); }

  // The queue's records so far, so that records written otherwise come after them. Out of line:
  // a writer that writes records directly never has any queued, and the queue's code inlined
  // into its loop made every record cost more.
  EMBER_INLINE void drain() {
    if constexpr (kQueues) {
      if (consumed_ != produced_) drainQueued();
    }
  }
  [[gnu::noinline]] void drainQueued() {
    while (consumed_ != produced_) consumeOne();
  }

  EMBER_INLINE void hashOne() {
    const K& key = slot(hashed_).first;
    std::size_t hash = map_.hash_function()(key);
    hashes_[hashed_ % kDepth] = hash;
    if constexpr (std::is_same_v<K, std::string>) {
      map_.prefetch(typename MapHash<K>::HashedView{{}, hash});
    } else {
      map_.prefetch(key);
    }
    ++hashed_;
  }

  // The oldest queued record, into the table.
  [[gnu::flatten]] void consumeOne() {
    if (hashed_ == consumed_) hashOne();
    std::size_t i = consumed_++;
    Pair& x = slot(i);
    struct Destroy {
      Pair& x;
      ~Destroy() { x.~Pair(); }
    } destroy{x};
    std::size_t hash = hashes_[i % kDepth];
    if constexpr (kInsertsOnce) {
      // One probe finds the key or the slot a new one goes to; find-then-emplace would hash a
      // new key again and probe twice. The slot is taken before the lambda runs, so nothing in
      // it may throw (kInsertsOnce).
      bool inserted = false;
      auto it = map_.lazy_emplace(
          typename MapHash<K>::HashedView{MapHash<K>::toAbsl(x.first), hash},
          [&](const auto& construct) {
            construct(std::move(x.first), agg_.createCombiner(std::move(x.second)));
            inserted = true;
          });
      if (!inserted) agg_.mergeValue(it->second, std::move(x.second));
    } else {
      auto it = map_.find(x.first, hash);
      if (it == map_.end()) {
        map_.emplace(std::move(x.first), agg_.createCombiner(std::move(x.second)));
      } else {
        agg_.mergeValue(it->second, std::move(x.second));
      }
    }
  }

  // Looks `probe` up; the key is built only when new. The key is built before the value, as
  // std::pair builds them, and both by direct initialization, so that what converts here is what
  // converts into the pair.
  template <class Probe, class A, class B>
  EMBER_INLINE void add(const Probe& probe, A&& key, B&& value) {
    static_assert(std::is_constructible_v<V, B&&>, "emplace: the value does not make a V");
    auto it = find(probe);
    if (it == map_.end()) {
      K k(std::forward<A>(key));
      V v(std::forward<B>(value));
      map_.emplace(std::move(k), agg_.createCombiner(std::move(v)));
    } else {
      V v(std::forward<B>(value));
      agg_.mergeValue(it->second, std::move(v));
    }
  }

  // The lookup of every record, with all it calls inlined (the hash, the probe, the key
  // comparison): the compiler would otherwise call it, as a chain around it is already large.
  template <class Probe>
  [[gnu::flatten]] typename KeyMap<K, C>::iterator find(const Probe& probe) {
    return map_.find(probe);
  }

  struct alignas(Pair) Slot {
    unsigned char bytes[sizeof(Pair)];
  };

  Agg agg_;
  KeyMap<K, C> map_;
  // Records [consumed_, produced_) are queued, in slots_[i % kDepth]; those before hashed_ have
  // their hash in hashes_.
  std::size_t produced_ = 0;
  std::size_t hashed_ = 0;
  std::size_t consumed_ = 0;
  Slot slots_[kQueues ? kDepth : 1];
  std::size_t hashes_[kQueues ? kDepth : 1];
};

}  // namespace ember::detail
