// Persistence of stateful streams at every storage level: the state of updateStateByKey, and the
// outputs of mapWithState, give the same results whatever level the user picks (serialized and
// disk levels go through the one serialization layer), and their disk blocks are gone at stop.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "ember/testing.hpp"
#include "streaming_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using ember::DStream;
using ember::Rdd;
using ember::Seconds;
using ember::State;
using ember::StateSpec;
using ember::StorageLevel;
using ember::StreamingContext;
using SI = std::pair<std::string, int>;
using streaming_test::watch;

const std::vector<std::vector<SI>> kWords{
    {{"a", 1}}, {{"a", 1}, {"b", 1}}, {}, {{"b", 1}, {"c", 1}}, {{"a", 1}}};

const std::vector<std::vector<SI>> kRunningCounts{{{"a", 1}},
                                                  {{"a", 2}, {"b", 1}},
                                                  {{"a", 2}, {"b", 1}},
                                                  {{"a", 2}, {"b", 2}, {"c", 1}},
                                                  {{"a", 3}, {"b", 2}, {"c", 1}}};

class StatePersistLevels : public testing::TestWithParam<const char*> {
 protected:
  StorageLevel level() const { return StorageLevel::fromString(GetParam()); }

  /// Runs the batches (runBatches stops the context at the end). Checks that disk blocks were
  /// written when the level keeps blocks on disk only, and that their directory is gone after.
  void run(StreamingContext& ssc, const DStream<SI>& any) {
    auto& blocks = ssc.sparkContext().state()->blocks();
    fs::path directory = blocks.directory();
    auto most_on_disk = std::make_shared<std::size_t>(0);
    // Defined last, so it runs after the outputs that store the batch's blocks.
    any.foreachRDD([&blocks, most_on_disk](const Rdd<SI>&) {
      *most_on_disk = std::max(*most_on_disk, blocks.diskBlocks());
    });
    ember::testing::detail::runBatches(ssc, kWords.size());
    if (level().useDisk && !level().useMemory) {
      EXPECT_GT(*most_on_disk, 0u);
    }
    EXPECT_FALSE(fs::exists(directory)) << "the block directory outlived the context";
  }
};

TEST_P(StatePersistLevels, UpdateStateByKey) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input =
      ember::testing::detail::testInput<SI>(ssc, ember::testing::detail::toBatches(kWords), 2);
  auto state = input.updateStateByKey(
      [](const std::vector<int>& values, const std::optional<int>& count) -> std::optional<int> {
        int sum = count.value_or(0);
        for (int v : values) sum += v;
        return sum;
      });
  state.persist(level());
  auto seen = watch(state);
  run(ssc, state);
  std::lock_guard lock(seen->mutex);
  EXPECT_EQ(seen->data, kRunningCounts);
  EXPECT_EQ(seen->levels, std::vector<StorageLevel>(kWords.size(), level()));
}

TEST_P(StatePersistLevels, MapWithStateOutputs) {
  StreamingContext ssc(ember::testing::detail::testConf(), Seconds(1));
  auto input =
      ember::testing::detail::testInput<SI>(ssc, ember::testing::detail::toBatches(kWords), 2);
  auto spec = StateSpec<>::function(
      [](const std::string& word, const std::optional<int>& one, State<int>& count) {
        int sum = (count.exists() ? count.get() : 0) + one.value_or(0);
        count.update(sum);
        return SI(word, sum);
      });
  auto mapped = input.mapWithState(spec);
  mapped.persist(level());
  auto snapshots = mapped.stateSnapshots();
  snapshots.persist(level());
  auto seen_mapped = watch<SI>(mapped);
  auto seen_snapshots = watch(snapshots);
  run(ssc, snapshots);
  std::lock_guard lock_m(seen_mapped->mutex);
  std::lock_guard lock_s(seen_snapshots->mutex);
  EXPECT_EQ(seen_mapped->data,
            (std::vector<std::vector<SI>>{
                {{"a", 1}}, {{"a", 2}, {"b", 1}}, {}, {{"b", 2}, {"c", 1}}, {{"a", 3}}}));
  EXPECT_EQ(seen_snapshots->data, kRunningCounts);
  EXPECT_EQ(seen_mapped->levels, std::vector<StorageLevel>(kWords.size(), level()));
  EXPECT_EQ(seen_snapshots->levels, std::vector<StorageLevel>(kWords.size(), level()));
}

INSTANTIATE_TEST_SUITE_P(Levels, StatePersistLevels,
                         testing::Values("MEMORY_ONLY", "MEMORY_ONLY_2", "MEMORY_ONLY_SER",
                                         "MEMORY_ONLY_SER_2", "MEMORY_AND_DISK",
                                         "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_SER",
                                         "MEMORY_AND_DISK_SER_2", "DISK_ONLY", "DISK_ONLY_2"));

}  // namespace
