#include <gtest/gtest.h>

#include <algorithm>

#include "ember/core.hpp"

namespace {

TEST(RddSmoke, WordCount) {
  ember::Engine engine("local[2]", "smoke");
  auto lines = engine.parallelize(std::vector<std::string>{"a b a", "c a", "b"}, 2);
  auto counts = lines.flatMap([](const std::string& l) { return ember::split(l, ' '); })
                    .map([](std::string w) {
                      return std::pair{std::move(w), 1};
                    })
                    .reduceByKey(std::plus<>{})
                    .collect();
  std::sort(counts.begin(), counts.end());
  std::vector<std::pair<std::string, int>> expected{{"a", 3}, {"b", 2}, {"c", 1}};
  EXPECT_EQ(counts, expected);
  engine.stop();
}

}  // namespace
