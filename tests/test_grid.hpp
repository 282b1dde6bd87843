#pragma once

// The grid every operator test runs over, for the Rdd and the streaming tests alike: input
// partition counts {1, 2, 7} x masters {local[1], local[4]}, and one way of running a test over
// it, a value-parameterized GoogleTest:
//
//   class Actions : public ember_test::GridTest {};   // or a fixture derived from it
//   TEST_P(Actions, Count) { ... GetParam().partitions ... GetParam().master ... }
//   EMBER_TEST_ON_GRID(Actions);
//
// Each cell is then its own test, named after the cell (Grid/Actions.Count/p7_t4), so that a
// failure names its cell, ctest lists and times every cell, and one cell can be run alone with
// --gtest_filter. rdd_test_support.hpp adds an Engine per cell (RddGridTest),
// streaming_test_support.hpp the master and TestOptions of runOperation (StreamingGridTest).

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace ember_test {

/// One cell of the grid: input partition count x master.
struct Cell {
  int partitions;      ///< parallelize's numSlices; TestOptions::numInputPartitions
  const char* master;  ///< "local[N]"
};

inline constexpr int kGridPartitions[] = {1, 2, 7};
inline constexpr const char* kGridMasters[] = {"local[1]", "local[4]"};

/// Every cell, master by master, partition counts in increasing order within each master.
inline std::vector<Cell> gridCells() {
  std::vector<Cell> cells;
  for (const char* master : kGridMasters) {
    for (int partitions : kGridPartitions) cells.push_back({partitions, master});
  }
  return cells;
}

inline void PrintTo(const Cell& cell, std::ostream* os) {
  *os << cell.partitions << " partitions on " << cell.master;
}

/// "p<partitions>_t<threads>", e.g. p7_t4 for 7 partitions on local[4].
inline std::string cellName(const testing::TestParamInfo<Cell>& info) {
  std::string master = info.param.master;
  auto open = master.find('[');
  std::string threads = master.substr(open + 1, master.size() - open - 2);
  return "p" + std::to_string(info.param.partitions) + "_t" + threads;
}

/// Base of a test run once per cell (instantiate with EMBER_TEST_ON_GRID).
class GridTest : public testing::TestWithParam<Cell> {
 protected:
  const Cell& cell() const { return GetParam(); }
};

}  // namespace ember_test

/// Runs every TEST_P of Fixture (derived from ember_test::GridTest) once per cell of the grid.
#define EMBER_TEST_ON_GRID(Fixture)                                                   \
  INSTANTIATE_TEST_SUITE_P(Grid, Fixture, testing::ValuesIn(ember_test::gridCells()), \
                           ember_test::cellName)
