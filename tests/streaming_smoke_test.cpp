#include <gtest/gtest.h>

#include <algorithm>

#include "ember/testing.hpp"

namespace {

using ember::DStream;

TEST(StreamingSmoke, WordCountPerBatch) {
  std::vector<std::vector<std::string>> input{{"a b", "a"}, {"c"}, {}};
  auto out = ember::testing::runOperation(
      input,
      [](DStream<std::string> lines) {
        return lines.flatMap([](const std::string& l) { return ember::split(l, ' '); })
            .map([](std::string w) {
              return std::pair{std::move(w), 1};
            })
            .reduceByKey(std::plus<>{});
      },
      4);
  ASSERT_EQ(out.size(), 4u);
  std::sort(out[0].begin(), out[0].end());
  EXPECT_EQ(out[0], (std::vector<std::pair<std::string, int>>{{"a", 2}, {"b", 1}}));
  EXPECT_EQ(out[1], (std::vector<std::pair<std::string, int>>{{"c", 1}}));
  EXPECT_TRUE(out[2].empty());
}

TEST(StreamingSmoke, CountOfEmptyBatchIsZero) {
  std::vector<std::vector<int>> input{{1, 2, 3}, {}};
  auto out = ember::testing::runOperation(
      input, [](DStream<int> s) { return s.count(); }, 2);
  EXPECT_EQ(out, (std::vector<std::vector<std::int64_t>>{{3}, {0}}));
}

}  // namespace
