// The save and load hooks of the streams' runtime state: what one run saves, a second run of the
// same program loads by node id and holds again (state of updateStateByKey and mapWithState, an
// incremental window, a file stream's files, any stream's remembered RDDs).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming/dstream_graph.hpp"
#include "streaming_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using ember::DStream;
using ember::Seconds;
using ember::StreamingContext;
using ember::Time;
using P = std::pair<std::string, int>;
using Program = std::function<std::unique_ptr<StreamingContext>()>;

std::string saveState(StreamingContext& ssc, int id) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(os);
    ssc.core().nodeState(id)->save(ar);
  }
  return std::move(os).str();
}

void loadState(StreamingContext& ssc, int id, const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  cereal::BinaryInputArchive ar(is);
  ssc.core().nodeState(id)->load(ar, ssc.sparkContext());
}

/// The id of the one node of this kind.
int nodeOfKind(StreamingContext& ssc, const std::string& kind) {
  int found = -1;
  for (const auto& node : ssc.core().graph().nodes()) {
    if (node->name() == kind) {
      EXPECT_EQ(found, -1) << "two nodes of kind " << kind;
      found = node->id();
    }
  }
  EXPECT_NE(found, -1) << "no node of kind " << kind;
  return found;
}

/// The RDDs a stream of T remembers, each collected and sorted, by batch time.
template <class T>
std::vector<std::pair<Time, std::vector<T>>> remembered(StreamingContext& ssc, int id) {
  auto node = std::dynamic_pointer_cast<ember::detail::DStreamNode<T>>(ssc.core().graph().node(id));
  EXPECT_NE(node, nullptr);
  std::vector<std::pair<Time, std::vector<T>>> out;
  for (Time t : ssc.core().nodeState(id)->generatedTimes()) {
    auto rdds = node->generatedBetween(t, t);
    EXPECT_EQ(rdds.size(), 1u);
    auto data = rdds.front().collect();
    std::sort(data.begin(), data.end());
    out.emplace_back(t, std::move(data));
  }
  return out;
}

/// Runs `program` for `batches` batches and saves the state of its node of kind `kind`; then
/// starts the same program again, loads that state into the node with the same id before any
/// batch, and returns both runs' contexts' views through `check(first, second, id)`.
template <class Check>
void roundTrip(const Program& program, int batches, const std::string& kind, Check check) {
  auto first = program();
  first->start();
  streaming_test::runTo(*first, 1, batches);
  const int id = nodeOfKind(*first, kind);
  const std::string bytes = saveState(*first, id);
  auto second = program();
  EXPECT_EQ(second->core().graph().fingerprint(), first->core().graph().fingerprint());
  check(*first, *second, id, bytes);
}

ember::Conf conf() {
  return ember::testing::detail::testConf();
}

std::optional<int> addCounts(const std::vector<int>& values, const std::optional<int>& state) {
  int sum = state.value_or(0);
  for (int v : values) sum += v;
  return sum;
}

DStream<P> pairs(StreamingContext& ssc) {
  return streaming_test::counting(ssc, 4).map([](int x) { return P(std::to_string(x % 3), x); });
}

/// roundTrip for a stream of pairs: after loading, the second run remembers the same RDDs at the
/// same times, and saves the same bytes. Returns the newest RDD the first run remembered.
std::vector<P> expectRemembersTheSameRdds(const Program& program, const std::string& kind) {
  std::vector<P> last;
  roundTrip(program, 3, kind,
            [&](StreamingContext& first, StreamingContext& second, int id, const std::string& b) {
              auto before = remembered<P>(first, id);
              ASSERT_FALSE(before.empty());
              last = before.back().second;
              first.stop();
              second.start();
              loadState(second, id, b);
              EXPECT_EQ(remembered<P>(second, id), before);
              EXPECT_EQ(saveState(second, id), b);
              second.stop();
            });
  return last;
}

TEST(StateSave, UpdateStateByKeyStateComesBackWithItsRdds) {
  Program program = [] {
    auto ssc = std::make_unique<StreamingContext>(conf(), Seconds(1));
    pairs(*ssc).updateStateByKey(addCounts, 2).foreachRDD([](const ember::Rdd<P>&) {});
    return ssc;
  };
  auto last = expectRemembersTheSameRdds(program, "StateDStream");
  EXPECT_EQ(last, (std::vector<P>{{"0", 33}, {"1", 11}, {"2", 22}}));
}

TEST(StateSave, IncrementalWindowComesBack) {
  Program program = [] {
    auto ssc = std::make_unique<StreamingContext>(conf(), Seconds(1));
    pairs(*ssc)
        .reduceByKeyAndWindow(std::plus<>{}, std::minus<>{}, Seconds(2), Seconds(1), 2)
        .foreachRDD([](const ember::Rdd<P>&) {});
    return ssc;
  };
  auto last = expectRemembersTheSameRdds(program, "ReducedWindowedDStream");
  // Batches 2 and 3; "1" left with batch 1 and stays at zero, as no filterFunc drops it.
  EXPECT_EQ(last, (std::vector<P>{{"0", 33}, {"1", 0}, {"2", 22}}));
}

TEST(StateSave, MapWithStateMapsComeBackAtTheirVersion) {
  using Record = ember::detail::MapWithStateRecord<std::string, int, int>;
  auto spec = ember::StateSpec<>::function(
      [](const std::string&, const std::optional<int>& value, ember::State<int>& state) {
        int sum = value.value_or(0) + state.getOption().value_or(0);
        state.update(sum);
        return sum;
      });
  Program program = [spec] {
    auto ssc = std::make_unique<StreamingContext>(conf(), Seconds(1));
    pairs(*ssc).mapWithState(spec).foreachRDD([](const ember::Rdd<int>&) {});
    return ssc;
  };
  // Each remembered RDD's records as (version, sorted state, sorted outputs).
  using Seen = std::vector<std::tuple<std::int64_t, std::vector<P>, std::vector<int>>>;
  auto seen = [](StreamingContext& ssc, int id) {
    auto node =
        std::dynamic_pointer_cast<ember::detail::DStreamNode<Record>>(ssc.core().graph().node(id));
    std::vector<Seen> out;
    for (Time t : ssc.core().nodeState(id)->generatedTimes()) {
      Seen records;
      for (const Record& r : node->generatedBetween(t, t).front().collect()) {
        std::vector<P> state;
        r.stateMap->forEach(r.version, [&](const std::string& k, const auto& e) {
          state.emplace_back(k, e.state);
        });
        std::sort(state.begin(), state.end());
        auto mapped = r.mappedData;
        std::sort(mapped.begin(), mapped.end());
        records.emplace_back(r.version, std::move(state), std::move(mapped));
      }
      std::sort(records.begin(), records.end());
      out.push_back(std::move(records));
    }
    return out;
  };
  roundTrip(program, 3, "InternalMapWithStateDStream",
            [&](StreamingContext& first, StreamingContext& second, int id, const std::string& b) {
              auto before = seen(first, id);
              ASSERT_FALSE(before.empty());
              std::vector<P> all;
              for (const auto& r : before.back()) {
                all.insert(all.end(), std::get<1>(r).begin(), std::get<1>(r).end());
              }
              std::sort(all.begin(), all.end());
              EXPECT_EQ(all, (std::vector<P>{{"0", 33}, {"1", 11}, {"2", 22}}));
              first.stop();
              second.start();
              loadState(second, id, b);
              EXPECT_EQ(seen(second, id), before);
              second.stop();
            });
}

TEST(StateSave, FileStreamKeepsTheFilesEachBatchTook) {
  // mkdtemp replaces the template's last six characters, which must be X.
  std::string pattern =
      (fs::temp_directory_path() / ("ember_state_save_" + std::string(6, 'X'))).string();
  fs::path dir = ::mkdtemp(pattern.data());
  Program program = [dir] {
    auto ssc = std::make_unique<StreamingContext>(conf(), Seconds(1));
    ssc->textFileStream(dir.string()).foreachRDD([](const ember::Rdd<std::string>&) {});
    return ssc;
  };
  auto write = [&](const std::string& name, std::int64_t mtime_ms) {
    fs::path staged = dir.parent_path() / (dir.filename().string() + "_" + name);
    std::ofstream(staged) << "a line\n";
    timespec times[2];
    times[0] = times[1] =
        timespec{static_cast<time_t>(mtime_ms / 1000), (mtime_ms % 1000) * 1'000'000};
    ASSERT_EQ(::utimensat(AT_FDCWD, staged.c_str(), times, 0), 0);
    fs::rename(staged, dir / name);
  };
  auto first = program();
  first->start();
  write("one.txt", 500);
  streaming_test::runTo(*first, 1, 1);
  write("two.txt", 1500);
  streaming_test::runTo(*first, 2, 2);
  const int id = nodeOfKind(*first, "FileInputDStream");
  const std::string bytes = saveState(*first, id);
  first->stop();

  auto second = program();
  second->start();
  loadState(*second, id, bytes);
  EXPECT_EQ(saveState(*second, id), bytes);
  std::istringstream is(bytes, std::ios::binary);
  cereal::BinaryInputArchive ar(is);
  std::int64_t start_ms = -1;
  std::map<std::int64_t, std::set<std::string>> selected;
  ar(start_ms, selected);
  EXPECT_EQ(start_ms, 0);
  EXPECT_EQ(selected,
            (std::map<std::int64_t, std::set<std::string>>{{1000, {(dir / "one.txt").string()}},
                                                           {2000, {(dir / "two.txt").string()}}}));
  second->stop();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

struct Opaque {
  int x = 0;
  bool operator<(const Opaque& o) const { return x < o.x; }
};

TEST(StateSave, RefusesElementsItCannotSerializeAndBytesItDidNotWrite) {
  StreamingContext ssc(conf(), Seconds(1));
  auto opaque = streaming_test::counting(ssc, 2).map([](int x) { return Opaque{x}; });
  opaque.persist(ember::StorageLevel::MEMORY_ONLY);
  opaque.foreachRDD([](const ember::Rdd<Opaque>&) {});
  auto ints = streaming_test::counting(ssc, 2).map([](int x) { return x; });
  ints.foreachRDD([](const ember::Rdd<int>&) {});
  ssc.start();
  streaming_test::runTo(ssc, 1, 1);
  EXPECT_THROW(saveState(ssc, opaque.node()->id()), ember::UnsupportedOperationError);
  EXPECT_THROW(loadState(ssc, ints.node()->id(), std::string("\x05\x00", 2)),
               ember::SerializationError);
  ssc.stop();
}

}  // namespace
