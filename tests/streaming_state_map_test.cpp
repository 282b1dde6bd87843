// The versioned state store behind mapWithState: versions stay readable after newer ones,
// recomputing a version replays it without changing anything, a batch from an older version
// branches into a new map, undo logs are pruned, a failed batch rolls back, timeouts visit only
// the keys idle since before the threshold, and a version round-trips through cereal.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ember/streaming/state_map.hpp"

namespace {

using ember::State;
using Map = ember::detail::StateMap<std::string, int>;
using Batch = Map::Batch;
using Contents = std::map<std::string, std::pair<int, std::int64_t>>;  // key -> (state, ms)

Contents contents(const Map& map, std::int64_t version) {
  Contents out;
  map.forEach(version, [&](const std::string& k, const ember::detail::StateEntry<int>& e) {
    EXPECT_TRUE(out.emplace(k, std::pair(e.state, e.updateMs)).second) << "key twice: " << k;
  });
  EXPECT_EQ(out.size(), map.size(version));
  return out;
}

auto setTo(int value) {
  return [value](State<int>& s) { s.update(value); };
}
auto removeIt() {
  return [](State<int>& s) { s.remove(); };
}
auto leave() {
  return [](State<int>&) {};
}

/// A map at version 0 with a=1, b=2 (updated at 0), then version 1000 (a=10, b removed, c=3) and
/// version 2000 (a=20, c=30, d=4).
std::shared_ptr<Map> threeVersions(bool track_times = false) {
  auto map = std::make_shared<Map>(0, track_times);
  map->put("a", 1, 0);
  map->put("b", 2, 0);
  {
    Batch batch(map, 0, 1000, 10);
    batch.apply("a", setTo(10));
    batch.apply("b", removeIt());
    batch.apply("c", setTo(3));
    batch.commit();
  }
  {
    Batch batch(map, 1000, 2000, 10);
    batch.apply("a", setTo(20));
    batch.apply("c", setTo(30));
    batch.apply("d", setTo(4));
    batch.commit();
  }
  return map;
}

TEST(State, ToStringShowsTheStateOrThatItIsNotSet) {
  State<std::pair<std::string, int>> state;
  ember::detail::StateAccess::wrap<std::pair<std::string, int>>(state, nullptr);
  EXPECT_EQ(state.toString(), "<state not set>");
  state.update({"a", 1});
  EXPECT_EQ(state.toString(), "(a,1)");
  state.remove();
  EXPECT_EQ(state.toString(), "<state not set>");
}

TEST(StateMap, OlderVersionsStayReadableAfterNewerOnes) {
  auto map = threeVersions();
  EXPECT_EQ(map->latestVersion(), 2000);
  EXPECT_EQ(map->versions(), (std::vector<std::int64_t>{0, 1000, 2000}));
  EXPECT_EQ(contents(*map, 0), (Contents{{"a", {1, 0}}, {"b", {2, 0}}}));
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {10, 1000}}, {"c", {3, 1000}}}));
  EXPECT_EQ(contents(*map, 2000),
            (Contents{{"a", {20, 2000}}, {"c", {30, 2000}}, {"d", {4, 2000}}}));
  EXPECT_EQ(map->get(0, "b")->state, 2);
  EXPECT_EQ(map->get(1000, "b"), std::nullopt);
  EXPECT_EQ(map->get(1000, "d"), std::nullopt);
  EXPECT_EQ(map->get(2000, "d")->state, 4);
}

TEST(StateMap, AKeyChangedTwiceInABatchKeepsItsOldValueForOlderVersions) {
  auto map = std::make_shared<Map>(0, false);
  map->put("a", 1, 0);
  {
    Batch batch(map, 0, 1000, 10);
    batch.apply("a", setTo(2));
    batch.apply("a", [](State<int>& s) {
      EXPECT_EQ(s.get(), 2);  // the batch's own update is visible to the next record
      s.remove();
    });
    batch.apply("a", setTo(3));
    batch.apply("n", setTo(1));
    batch.apply("n", removeIt());
    batch.commit();
  }
  EXPECT_EQ(contents(*map, 0), (Contents{{"a", {1, 0}}}));
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {3, 1000}}}));
}

TEST(StateMap, RecomputingAVersionReplaysItWithoutChangingTheMap) {
  auto map = threeVersions();
  // Version 1000 again, from 0: the function sees version 0's state, its writes are dropped.
  std::vector<std::string> seen;
  {
    Batch batch(map, 0, 1000, 10);
    EXPECT_TRUE(batch.replaying());
    batch.apply("a", [&](State<int>& s) {
      seen.push_back("a=" + std::to_string(s.get()));
      s.update(999);
    });
    batch.apply("a", [&](State<int>& s) { seen.push_back("a=" + std::to_string(s.get())); });
    batch.apply("b", [&](State<int>& s) {
      seen.push_back("b=" + std::to_string(s.get()));
      s.remove();
    });
    batch.apply("b", [&](State<int>& s) { seen.push_back(s.exists() ? "b exists" : "no b"); });
    batch.apply("c", [&](State<int>& s) { seen.push_back(s.exists() ? "c exists" : "no c"); });
    batch.commit();
    EXPECT_EQ(batch.map(), map);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "a=999", "b=2", "no b", "no c"}));
  EXPECT_EQ(map->latestVersion(), 2000);
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {10, 1000}}, {"c", {3, 1000}}}));
  EXPECT_EQ(contents(*map, 2000),
            (Contents{{"a", {20, 2000}}, {"c", {30, 2000}}, {"d", {4, 2000}}}));
}

TEST(StateMap, ABatchFromAnOlderVersionBranchesIntoANewMap) {
  auto map = threeVersions();
  std::shared_ptr<Map> branch;
  {
    Batch batch(map, 1000, 1500, 10);
    EXPECT_FALSE(batch.replaying());
    batch.apply("a", [](State<int>& s) { s.update(s.get() + 1); });
    batch.commit();
    branch = batch.map();
  }
  EXPECT_NE(branch, map);
  EXPECT_EQ(branch->versions(), (std::vector<std::int64_t>{1000, 1500}));
  EXPECT_EQ(contents(*branch, 1500), (Contents{{"a", {11, 1500}}, {"c", {3, 1000}}}));
  EXPECT_EQ(contents(*branch, 1000), (Contents{{"a", {10, 1000}}, {"c", {3, 1000}}}));
  // The original is untouched.
  EXPECT_EQ(contents(*map, 2000),
            (Contents{{"a", {20, 2000}}, {"c", {30, 2000}}, {"d", {4, 2000}}}));
  EXPECT_EQ(map->versions(), (std::vector<std::int64_t>{0, 1000, 2000}));
}

TEST(StateMap, UndoLogsBeyondTheNumberToKeepAreDropped) {
  auto map = std::make_shared<Map>(0, false);
  for (int i = 0; i < 100; ++i) map->put("k" + std::to_string(i), i, 0);
  for (std::int64_t v = 1000; v <= 6000; v += 1000) {
    Batch batch(map, v - 1000, v, 2);
    batch.apply("k1", [](State<int>& s) { s.update(s.get() + 1); });
    batch.commit();
  }
  EXPECT_EQ(map->numUndoLogs(), 2u);
  EXPECT_EQ(map->versions(), (std::vector<std::int64_t>{4000, 5000, 6000}));
  EXPECT_EQ(map->get(4000, "k1")->state, 5);
  EXPECT_EQ(map->get(6000, "k1")->state, 7);
  EXPECT_FALSE(map->hasVersion(3000));
  try {
    map->get(3000, "k1");
    ADD_FAILURE() << "a dropped version was read";
  } catch (const ember::IllegalStateError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("state of batch 3000 ms is no longer kept"), std::string::npos) << what;
    EXPECT_NE(what.find("4000 ms, 5000 ms, 6000 ms"), std::string::npos) << what;
  }
  // A batch from a dropped version cannot run.
  EXPECT_THROW(Batch(map, 3000, 3500, 2), ember::IllegalStateError);
}

TEST(StateMap, ABatchThatThrowsLeavesTheMapAsItWas) {
  auto map = threeVersions();
  try {
    Batch batch(map, 2000, 3000, 10);
    batch.apply("a", setTo(-1));
    batch.apply("c", removeIt());
    batch.apply("e", setTo(5));
    batch.apply("d", [](State<int>&) { throw std::runtime_error("user function failed"); });
    batch.commit();
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(map->latestVersion(), 2000);
  EXPECT_EQ(contents(*map, 2000),
            (Contents{{"a", {20, 2000}}, {"c", {30, 2000}}, {"d", {4, 2000}}}));
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {10, 1000}}, {"c", {3, 1000}}}));
  // The retry applies as if the failed attempt never ran.
  {
    Batch batch(map, 2000, 3000, 10);
    EXPECT_FALSE(batch.replaying());
    batch.apply("a", [](State<int>& s) { s.update(s.get() + 1); });
    batch.commit();
  }
  EXPECT_EQ(contents(*map, 3000),
            (Contents{{"a", {21, 3000}}, {"c", {30, 2000}}, {"d", {4, 2000}}}));
}

TEST(StateMap, ABatchMustMakeANewerVersion) {
  auto map = threeVersions();
  EXPECT_THROW(Batch(map, 2000, 2000, 10), ember::IllegalArgumentError);
  EXPECT_THROW(Batch(map, 2000, 1000, 10), ember::IllegalArgumentError);
}

// ---- Timeouts ----------------------------------------------------------------------------------

/// Runs a batch from..version over `touched` (keys looked at without an update) with a timeout
/// threshold; returns "key:state" for every key that timed out.
std::vector<std::string> batchWithTimeout(const std::shared_ptr<Map>& map, std::int64_t from,
                                          std::int64_t version,
                                          const std::vector<std::string>& touched,
                                          std::int64_t threshold) {
  std::vector<std::string> timed_out;
  Batch batch(map, from, version, 10);
  for (const auto& k : touched) batch.apply(k, leave());
  batch.expire(threshold, [&](const std::string& k, State<int>& s) {
    EXPECT_TRUE(s.isTimingOut());
    timed_out.push_back(k + ":" + std::to_string(s.get()));
  });
  batch.commit();
  return timed_out;
}

TEST(StateMap, KeysTimeOutOnceWhenIdleSinceBeforeTheThreshold) {
  auto map = std::make_shared<Map>(0, true);
  map->put("a", 1, 1000);
  map->put("b", 2, 1000);
  map->put("c", 3, 1000);
  // 1000: a looked at (its update time is already 1000). 2000: a refreshed to 2000, keys
  // updated before 1500 time out: b and c.
  EXPECT_EQ(batchWithTimeout(map, 0, 1000, {"a"}, 500), (std::vector<std::string>{}));
  auto out = batchWithTimeout(map, 1000, 2000, {"a", "a", "zz"}, 1500);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, (std::vector<std::string>{"b:2", "c:3"}));
  EXPECT_EQ(contents(*map, 2000), (Contents{{"a", {1, 2000}}}));
  // a is listed under 1000 and 2000; it times out once, from its current time.
  EXPECT_EQ(batchWithTimeout(map, 2000, 3000, {}, 2500), (std::vector<std::string>{"a:1"}));
  EXPECT_EQ(batchWithTimeout(map, 3000, 4000, {}, 3500), (std::vector<std::string>{}));
  EXPECT_EQ(map->size(4000), 0u);
  // Older versions still hold what timed out since.
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {1, 1000}}, {"b", {2, 1000}}, {"c", {3, 1000}}}));
}

TEST(StateMap, RecomputingAVersionTimesOutTheSameKeys) {
  auto map = std::make_shared<Map>(0, true);
  map->put("a", 1, 1000);
  map->put("b", 2, 1000);
  batchWithTimeout(map, 0, 1000, {}, 500);
  EXPECT_EQ(batchWithTimeout(map, 1000, 2000, {"a"}, 1500), (std::vector<std::string>{"b:2"}));
  batchWithTimeout(map, 2000, 3000, {"a"}, 1500);
  // The recomputation of 2000 calls b again with its state at 1000, whatever threshold it gets.
  EXPECT_EQ(batchWithTimeout(map, 1000, 2000, {"a"}, 0), (std::vector<std::string>{"b:2"}));
  EXPECT_EQ(contents(*map, 3000), (Contents{{"a", {1, 3000}}}));
}

TEST(StateMap, WithoutTrackedTimesNothingExpires) {
  auto map = std::make_shared<Map>(0, false);
  map->put("a", 1, 0);
  EXPECT_EQ(batchWithTimeout(map, 0, 1000, {"a"}, 1'000'000), (std::vector<std::string>{}));
  // Looking at a key without updating it keeps its update time when times are not tracked.
  EXPECT_EQ(contents(*map, 1000), (Contents{{"a", {1, 0}}}));
}

// ---- Serialization -----------------------------------------------------------------------------

TEST(StateMap, AVersionRoundTripsThroughCereal) {
  auto map = threeVersions(true);
  for (std::int64_t v : {0, 1000, 2000}) {
    std::string bytes = map->saveToString(v);
    auto loaded = Map::loadFromString(bytes, v, true);
    EXPECT_EQ(loaded->versions(), (std::vector<std::int64_t>{v}));
    EXPECT_EQ(contents(*loaded, v), contents(*map, v)) << v;
    EXPECT_TRUE(loaded->tracksTimes());
  }
  // A loaded map goes on like the original, timeouts included.
  auto loaded = Map::loadFromString(map->saveToString(1000), 1000, true);
  EXPECT_EQ(batchWithTimeout(loaded, 1000, 2000, {"a"}, 1500), (std::vector<std::string>{"c:3"}));
}

TEST(StateMap, BadBytesAreASerializationError) {
  auto map = threeVersions();
  std::string bytes = map->saveToString(2000);
  bytes.resize(bytes.size() / 2);
  EXPECT_THROW(Map::loadFromString(bytes, 2000, false), ember::SerializationError);
  EXPECT_THROW(Map::loadFromString("", 2000, false), ember::SerializationError);
}

TEST(StateMap, LargeStateWithSmallBatches) {
  // Many keys, many small batches: every version in the window stays exact.
  using IntMap = ember::detail::StateMap<std::int64_t, std::int64_t>;
  auto map = std::make_shared<IntMap>(0, false);
  constexpr std::int64_t kKeys = 20'000;
  for (std::int64_t k = 0; k < kKeys; ++k) map->put(k, k, 0);
  std::vector<std::int64_t> expected(kKeys);
  for (std::int64_t k = 0; k < kKeys; ++k) expected[static_cast<std::size_t>(k)] = k;
  std::map<std::int64_t, std::vector<std::int64_t>> history;
  history[0] = expected;
  std::uint64_t x = 12345;
  for (std::int64_t v = 1; v <= 30; ++v) {
    IntMap::Batch batch(map, v - 1, v, 3);
    for (int i = 0; i < 50; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      auto k = static_cast<std::int64_t>((x >> 33) % kKeys);
      batch.apply(k, [&](State<std::int64_t>& s) { s.update(s.get() + 1); });
      ++expected[static_cast<std::size_t>(k)];
    }
    batch.commit();
    history[v] = expected;
  }
  for (std::int64_t v = 27; v <= 30; ++v) {
    std::vector<std::int64_t> got(kKeys, -1);
    map->forEach(v, [&](const std::int64_t& k, const ember::detail::StateEntry<std::int64_t>& e) {
      got[static_cast<std::size_t>(k)] = e.state;
    });
    EXPECT_EQ(got, history[v]) << v;
  }
  EXPECT_FALSE(map->hasVersion(26));
}

}  // namespace
