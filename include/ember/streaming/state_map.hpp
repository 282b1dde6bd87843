#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/core/serialization.hpp"
#include "ember/core/shuffle.hpp"
#include "ember/streaming/state.hpp"

namespace ember::detail {

/// One key's state and the batch time (ms) of its last update.
template <class S>
struct StateEntry {
  S state;
  std::int64_t updateMs = 0;
};

/// The keyed state of one partition of a mapWithState stream, readable at several versions (batch
/// times), so that a batch costs time in proportion to the keys it touches and not to the keys
/// in state.
///
/// The newest version is one flat hash map. Each newer version kept has an undo log: the keys it
/// changed, with their entries in the version before it. Version v < latest is read as the map
/// overlaid with the undo logs of the versions after v, oldest first. A batch normally applies
/// in place (Batch); see Batch for recomputations and branches. Keys are indexed by update time
/// when the map tracks times (a timeout is set), so expiring idle keys visits only the keys
/// updated in the batches that expire.
///
/// Thread-safe: every member locks the map; a Batch holds the lock while it lives.
template <class K, class S>
class StateMap {
 public:
  using Entry = StateEntry<S>;
  class Batch;

  /// An empty map at `version`.
  StateMap(std::int64_t version, bool trackTimes) : latest_(version), track_times_(trackTimes) {}
  StateMap(const StateMap&) = delete;
  StateMap& operator=(const StateMap&) = delete;

  bool tracksTimes() const { return track_times_; }

  std::int64_t latestVersion() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

  /// Whether version v can still be read.
  bool hasVersion(std::int64_t version) const {
    std::lock_guard lock(mutex_);
    return hasVersionLocked(version);
  }

  /// The versions that can be read, oldest first.
  std::vector<std::int64_t> versions() const {
    std::lock_guard lock(mutex_);
    std::vector<std::int64_t> out;
    for (const auto& [v, log] : logs_) out.push_back(log.from);
    out.push_back(latest_);
    return out;
  }

  std::size_t numUndoLogs() const {
    std::lock_guard lock(mutex_);
    return logs_.size();
  }

  /// Adds or replaces a key at the latest version, without an undo log: for filling a new map
  /// (initial state, loading) before any batch.
  void put(K key, S state, std::int64_t updateMs) {
    std::lock_guard lock(mutex_);
    if (track_times_) by_time_[updateMs].push_back(key);
    map_.insert_or_assign(std::move(key), Entry{std::move(state), updateMs});
  }

  void reserve(std::size_t keys) {
    std::lock_guard lock(mutex_);
    map_.reserve(keys);
  }

  /// Calls fn(const K&, const Entry&) for every key in state at `version`, in no particular
  /// order, under the map's lock (fn must not use this map). Throws IllegalStateError when the
  /// version is no longer kept.
  template <class Fn>
  void forEach(std::int64_t version, Fn&& fn) const {
    std::lock_guard lock(mutex_);
    checkVersionLocked(version);
    forEachLocked(version, fn);
  }

  /// The key's entry at `version`, or nothing. Throws IllegalStateError when the version is no
  /// longer kept.
  std::optional<Entry> get(std::int64_t version, const K& key) const {
    std::lock_guard lock(mutex_);
    checkVersionLocked(version);
    const Entry* e = findLocked(version, key);
    return e ? std::optional<Entry>(*e) : std::nullopt;
  }

  /// The number of keys at `version`. Throws IllegalStateError when it is no longer kept.
  std::size_t size(std::int64_t version) const {
    std::lock_guard lock(mutex_);
    checkVersionLocked(version);
    if (version == latest_) return map_.size();
    std::size_t n = 0;
    forEachLocked(version, [&n](const K&, const Entry&) { ++n; });
    return n;
  }

  /// A new map holding `version` as its only version. O(keys). Throws IllegalStateError when the
  /// version is no longer kept.
  std::shared_ptr<StateMap> materialize(std::int64_t version) const {
    std::lock_guard lock(mutex_);
    checkVersionLocked(version);
    return materializeLocked(version);
  }

  /// Writes the (key, state, update time) triples of `version`: a count, then the triples.
  /// Throws IllegalStateError when the version is no longer kept.
  template <class Archive>
  void save(Archive& ar, std::int64_t version) const {
    std::lock_guard lock(mutex_);
    checkVersionLocked(version);
    std::uint64_t n = 0;
    forEachLocked(version, [&n](const K&, const Entry&) { ++n; });
    ar(n);
    forEachLocked(version, [&ar](const K& k, const Entry& e) { ar(k, e.state, e.updateMs); });
  }

  /// A map at `version` holding what save() wrote. Throws what the archive throws on bad input.
  template <class Archive>
  static std::shared_ptr<StateMap> load(Archive& ar, std::int64_t version, bool trackTimes) {
    auto map = std::make_shared<StateMap>(version, trackTimes);
    std::uint64_t n = 0;
    ar(n);
    map->map_.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      K key{};
      S state{};
      std::int64_t ms = 0;
      ar(key, state, ms);
      map->put(std::move(key), std::move(state), ms);
    }
    return map;
  }

  /// save() into a string (cereal's binary form). Throws IllegalStateError as save().
  std::string saveToString(std::int64_t version) const {
    std::ostringstream os(std::ios::binary);
    {
      cereal::BinaryOutputArchive ar(os);
      save(ar, version);
    }
    return std::move(os).str();
  }

  /// load() from a string saveToString() made. Throws SerializationError when the bytes do not
  /// hold a state map of these types.
  static std::shared_ptr<StateMap> loadFromString(std::string_view bytes, std::int64_t version,
                                                  bool trackTimes) {
    std::istringstream is(std::string(bytes), std::ios::binary);
    try {
      cereal::BinaryInputArchive ar(is);
      return load(ar, version, trackTimes);
    } catch (const cereal::Exception& e) {
      throw SerializationError(std::string("cannot load a mapWithState state map: ") + e.what());
    }
  }

 private:
  struct UndoLog {
    std::int64_t from = 0;                    // the version this log leads back to
    KeyMap<K, std::optional<Entry>> entries;  // changed keys, as they were at `from`
    std::vector<K> timedOut;                  // keys dropped by timeout, in call order
  };

  bool hasVersionLocked(std::int64_t version) const {
    if (version == latest_) return true;
    auto it = logs_.upper_bound(version);
    return it != logs_.end() && it->second.from == version;
  }

  void checkVersionLocked(std::int64_t version) const {
    if (hasVersionLocked(version)) return;
    std::string kept;
    for (const auto& [v, log] : logs_) kept += std::to_string(log.from) + " ms, ";
    kept += std::to_string(latest_) + " ms";
    throw IllegalStateError("mapWithState: the state of batch " + std::to_string(version) +
                            " ms is no longer kept (kept: " + kept +
                            "); a stream keeps the versions of the batches it remembers");
  }

  /// The entry of `key` at a readable version, or null. Valid while the lock is held and the
  /// map is not changed.
  const Entry* findLocked(std::int64_t version, const K& key) const {
    for (auto it = logs_.upper_bound(version); it != logs_.end(); ++it) {
      if (auto e = it->second.entries.find(key); e != it->second.entries.end()) {
        return e->second ? &*e->second : nullptr;
      }
    }
    auto m = map_.find(key);
    return m != map_.end() ? &m->second : nullptr;
  }

  template <class Fn>
  void forEachLocked(std::int64_t version, Fn&& fn) const {
    if (version == latest_) {
      for (const auto& [k, e] : map_) fn(k, e);
      return;
    }
    // A key changed after `version` takes its entry from the oldest such log; the others are as
    // in the newest map.
    KeyMap<K, const std::optional<Entry>*> changed;
    for (auto it = logs_.upper_bound(version); it != logs_.end(); ++it) {
      for (const auto& [k, e] : it->second.entries) changed.try_emplace(k, &e);
    }
    for (const auto& [k, e] : map_) {
      if (!changed.contains(k)) fn(k, e);
    }
    for (const auto& [k, e] : changed) {
      if (*e) fn(k, **e);
    }
  }

  std::shared_ptr<StateMap> materializeLocked(std::int64_t version) const {
    auto fresh = std::make_shared<StateMap>(version, track_times_);
    fresh->map_.reserve(map_.size());
    auto copy = [&fresh, this](const K& k, const Entry& e) {
      if (track_times_) fresh->by_time_[e.updateMs].push_back(k);
      fresh->map_.emplace(k, e);
    };
    forEachLocked(version, copy);
    return fresh;
  }

  mutable std::mutex mutex_;
  std::int64_t latest_;
  bool track_times_;
  KeyMap<K, Entry> map_;                  // the latest version
  std::map<std::int64_t, UndoLog> logs_;  // by the version each leads from
  // Keys by update time, when tracking times. A key is listed under its current update time,
  // and possibly under older ones (stale, skipped when read): updating a key only appends.
  std::map<std::int64_t, std::vector<K>> by_time_;
  std::size_t last_batch_keys_ = 0;  // keys the last batch changed: the next one's undo log size
};

/// The application of one batch to a StateMap: computes version `version` from version `from`,
/// holding the map's lock while it lives. Three cases:
///   - `from` is the latest version: the batch applies in place and records the undo log of
///     `version` (the usual case; time in proportion to the keys touched);
///   - the map already has `version`, made from `from` (a recomputation): the function runs
///     against a read-only view of `from`, its writes go to a scratch overlay and are dropped,
///     and the result is the version already there (the same, for a deterministic function);
///     the keys that timed out are taken from the version's undo log;
///   - otherwise (a branch from an older version): `from` is copied into a new map (O(keys)),
///     which the batch then changes in place; map() returns it.
/// A batch that is destroyed without commit() (the function threw) leaves the map as it was.
template <class K, class S>
class StateMap<K, S>::Batch {
 public:
  /// Throws IllegalArgumentError when version <= from, and IllegalStateError when `from` is no
  /// longer kept. Keeps at most keepLogs undo logs after commit.
  Batch(std::shared_ptr<StateMap> map, std::int64_t from, std::int64_t version,
        std::size_t keepLogs)
      : map_(std::move(map)), lock_(map_->mutex_), from_(from), version_(version), keep_(keepLogs) {
    if (version <= from) {
      throw IllegalArgumentError("mapWithState: a batch must make a newer version, got version " +
                                 std::to_string(version) + " ms from " + std::to_string(from) +
                                 " ms");
    }
    if (map_->latest_ == from) {
      undo_.reserve(map_->last_batch_keys_);
      return;
    }
    if (auto it = map_->logs_.find(version); it != map_->logs_.end() && it->second.from == from) {
      replay_ = &it->second;
      return;
    }
    map_->checkVersionLocked(from);
    auto fresh = map_->materializeLocked(from);
    lock_ = std::unique_lock(fresh->mutex_);
    map_ = std::move(fresh);
  }

  ~Batch() {
    if (committed_ || replay_ != nullptr) return;
    for (auto& [k, old] : undo_) {
      if (old) {
        map_->map_.insert_or_assign(k, std::move(*old));
      } else {
        map_->map_.erase(k);
      }
    }
  }

  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  /// The map that holds `version` once committed.
  const std::shared_ptr<StateMap>& map() const { return map_; }
  bool replaying() const { return replay_ != nullptr; }

  /// Starts loading what apply(key) will read. Records arrive in large partitions and keys are
  /// spread over a state much larger than the caches, so the loop that applies them asks for
  /// the next keys' slots while it works on the current one.
  [[gnu::flatten]] void prefetch(const K& key) const {
    if (replay_ != nullptr) return;
    map_->map_.prefetch(key);
    // g++ 12 removes calls to functions it proves free of side effects, and a prefetch is one:
    // the map's prefetch is inlined here (flatten) and this asm makes the result a side effect.
    asm volatile("");
  }

  /// Calls fn(State<S>&) with the key's state, then keeps what fn did: removed, updated (with
  /// this version as update time), or, when the map tracks times and the state exists, kept
  /// with its update time refreshed. What fn throws leaves the key unchanged and propagates.
  template <class Fn>
  void apply(const K& key, Fn&& fn) {
    if (replay_ != nullptr) {
      applyReplay(key, fn);
    } else {
      applyInPlace(key, fn);
    }
  }

  /// When the map tracks times, calls fn(const K&, State<S>&) once for every key whose update
  /// time is before `threshold` (its state timing out), then drops the key. When recomputing,
  /// the keys are those the version dropped, and `threshold` is not used.
  template <class Fn>
  void expire(std::int64_t threshold, Fn&& fn) {
    if (!map_->track_times_) return;
    if (replay_ != nullptr) {
      for (const K& k : replay_->timedOut) {
        if (const Entry* e = lookupReplay(k)) {
          StateAccess::wrapTimingOut(state_, e->state);
          fn(k, state_);
        }
      }
      return;
    }
    auto& m = map_->map_;
    auto end = map_->by_time_.lower_bound(threshold);
    for (auto bucket = map_->by_time_.begin(); bucket != end; ++bucket) {
      for (const K& k : bucket->second) {
        auto it = m.find(k);
        if (it == m.end() || it->second.updateMs != bucket->first) continue;
        StateAccess::wrapTimingOut(state_, it->second.state);
        fn(k, state_);
        timed_out_.push_back(k);
        remember(k, it);
        m.erase(it);
      }
    }
    expired_before_ = threshold;
  }

  /// Makes `version` the map's latest (when applying in place) and drops the oldest undo logs
  /// beyond the number to keep.
  void commit() {
    committed_ = true;
    if (replay_ != nullptr) return;
    StateMap& m = *map_;
    UndoLog log;
    log.from = from_;
    m.last_batch_keys_ = undo_.size();
    log.entries = std::move(undo_);
    log.timedOut = std::move(timed_out_);
    m.logs_.insert_or_assign(version_, std::move(log));
    m.latest_ = version_;
    if (expired_before_) {
      m.by_time_.erase(m.by_time_.begin(), m.by_time_.lower_bound(*expired_before_));
    }
    while (m.logs_.size() > keep_) m.logs_.erase(m.logs_.begin());
  }

 private:
  using MapIterator = typename KeyMap<K, Entry>::iterator;

  template <class Fn>
  void applyInPlace(const K& key, Fn& fn) {
    auto& m = map_->map_;
    auto it = m.find(key);
    StateAccess::wrap(state_, it == m.end() ? nullptr : &it->second.state);
    fn(state_);
    if (StateAccess::isRemoved(state_)) {
      if (it != m.end()) {
        remember(key, it);
        m.erase(it);
      }
    } else if (StateAccess::isUpdated(state_)) {
      if (it != m.end()) {
        remember(key, it);
        it->second.state = StateAccess::takeUpdated(state_);
        touch(key, it->second);
      } else {
        undo_.try_emplace(key);
        m.try_emplace(key, Entry{StateAccess::takeUpdated(state_), version_});
        if (map_->track_times_) map_->by_time_[version_].push_back(key);
      }
    } else if (it != m.end() && map_->track_times_ && it->second.updateMs != version_) {
      if (auto [u, inserted] = undo_.try_emplace(key); inserted) u->second.emplace(it->second);
      touch(key, it->second);
    }
  }

  /// Records the key's entry as it was at `from`, the first time the batch changes it. Moves
  /// the entry out: the caller overwrites or erases it.
  void remember(const K& key, MapIterator it) {
    if (auto [u, inserted] = undo_.try_emplace(key); inserted) {
      u->second.emplace(std::move(it->second));
    }
  }

  void touch(const K& key, Entry& e) {
    if (map_->track_times_ && e.updateMs != version_) map_->by_time_[version_].push_back(key);
    e.updateMs = version_;
  }

  template <class Fn>
  void applyReplay(const K& key, Fn& fn) {
    const Entry* e = lookupReplay(key);
    StateAccess::wrap(state_, e ? &e->state : nullptr);
    fn(state_);
    if (StateAccess::isRemoved(state_)) {
      scratch_.insert_or_assign(key, std::nullopt);
    } else if (StateAccess::isUpdated(state_)) {
      scratch_.insert_or_assign(key, Entry{StateAccess::takeUpdated(state_), version_});
    }
  }

  const Entry* lookupReplay(const K& key) const {
    if (auto s = scratch_.find(key); s != scratch_.end()) return s->second ? &*s->second : nullptr;
    return map_->findLocked(from_, key);
  }

  std::shared_ptr<StateMap> map_;
  std::unique_lock<std::mutex> lock_;
  std::int64_t from_;
  std::int64_t version_;
  std::size_t keep_;
  State<S> state_;
  bool committed_ = false;
  const UndoLog* replay_ = nullptr;
  KeyMap<K, std::optional<Entry>> undo_;  // in place: this version's undo log
  std::vector<K> timed_out_;              // in place: keys dropped by timeout
  std::optional<std::int64_t> expired_before_;
  KeyMap<K, std::optional<Entry>> scratch_;  // recomputing: the writes, dropped at the end
};

}  // namespace ember::detail
