#include <gtest/gtest.h>

#include "ember/core.hpp"

namespace {

// The active engine holds the last reference to an engine nobody stopped; making a new engine
// releases it, and its destructor's stop() must not deadlock on the registry it is leaving.
TEST(EngineRegistry, ReplacingAnUnstoppedEngineReleasesIt) {
  { ember::Engine first("local[1]", "first"); }
  ember::Engine second("local[1]", "second");
  EXPECT_EQ(second.parallelize(std::vector<int>{1, 2, 3}, 1).count(), 3);
  EXPECT_EQ(ember::Engine::getOrCreate().appName(), "second");
  second.stop();
}

TEST(EngineRegistry, ParallelizeWithoutAnEngineMakesADefaultOne) {
  ember::Engine made("local[2]", "made");
  made.stop();
  auto rdd = ember::parallelize(std::vector<int>{1, 2, 3, 4});
  EXPECT_EQ(rdd.context().master(), "local[*]");
  EXPECT_EQ(rdd.count(), 4);
}

}  // namespace
