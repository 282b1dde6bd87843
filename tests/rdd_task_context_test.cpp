// TaskContext::get(): the running task's own context inside a task, an error outside one.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "rdd_test_support.hpp"

namespace {

using ::testing::HasSubstr;

void expectOutsideATask() {
  try {
    (void)ember::TaskContext::get();
    ADD_FAILURE() << "TaskContext::get() outside a task did not throw";
  } catch (const ember::IllegalStateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("outside a task"));
    EXPECT_THAT(e.what(), HasSubstr("foreachPartition"));
  }
}

TEST(TaskContext, GetOutsideATaskThrows) {
  expectOutsideATask();
}

class TaskContextOnGrid : public ember_test::RddGridTest {};
EMBER_TEST_ON_GRID(TaskContextOnGrid);

TEST_P(TaskContextOnGrid, ForeachPartitionSeesItsOwnPartitionId) {
  auto rdd = make(ember_test::rangeInclusive(1, 20));
  std::mutex mutex;
  std::map<int, std::vector<int>> by_partition;
  std::set<int> stages;
  rdd.foreachPartition([&](const std::vector<int>& data) {
    const auto& ctx = ember::TaskContext::get();
    std::lock_guard lock(mutex);
    EXPECT_TRUE(by_partition.emplace(ctx.partitionId(), data).second) << ctx.partitionId();
    stages.insert(ctx.stageId());
    EXPECT_EQ(ctx.attemptNumber(), 0);
  });
  auto partitions = rdd.glom().collect();
  ASSERT_EQ(by_partition.size(), partitions.size());
  for (std::size_t p = 0; p < partitions.size(); ++p) {
    EXPECT_EQ(by_partition[static_cast<int>(p)], partitions[p]) << "partition " << p;
  }
  EXPECT_EQ(stages.size(), 1u) << "the tasks of one job's last stage share its id";
  expectOutsideATask();  // the driver's thread (which may run tasks itself) has none afterwards
}

TEST_P(TaskContextOnGrid, MapFunctionsSeeTheirPartitionAfterAShuffle) {
  auto pairs = make(ember_test::rangeInclusive(1, 30)).map([](int x) {
    return std::pair{x % 5, 1};
  });
  auto tagged = pairs.reduceByKey(std::plus<>{}, 3).map([](const std::pair<int, int>& kv) {
    return std::pair{kv.first, ember::TaskContext::get().partitionId()};
  });
  auto partitions = tagged.glom().collect();
  ASSERT_EQ(partitions.size(), 3u);
  for (std::size_t p = 0; p < partitions.size(); ++p) {
    for (const auto& [key, seen] : partitions[p]) EXPECT_EQ(seen, static_cast<int>(p)) << key;
  }
  expectOutsideATask();
}

}  // namespace
