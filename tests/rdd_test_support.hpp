#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "ember/core.hpp"

namespace ember_test {

/// One cell of the matrix every operation runs over: input partition count x engine threads.
struct Cell {
  int partitions;
  const char* master;
};

inline void PrintTo(const Cell& cell, std::ostream* os) {
  *os << cell.partitions << " partitions on " << cell.master;
}

inline std::string cellName(const testing::TestParamInfo<Cell>& info) {
  std::string master = info.param.master;
  std::string threads = master.substr(6, master.size() - 7);
  return "p" + std::to_string(info.param.partitions) + "_t" + threads;
}

inline auto allCells() {
  return testing::Values(Cell{1, "local[1]"}, Cell{2, "local[1]"}, Cell{7, "local[1]"},
                         Cell{1, "local[4]"}, Cell{2, "local[4]"}, Cell{7, "local[4]"});
}

/// A fresh engine per test, stopped at the end.
class EngineTest : public testing::Test {
 protected:
  EngineTest() : engine("local[4]", "test") {}
  ~EngineTest() override { engine.stop(); }
  ember::Engine engine;
};

class MatrixTest : public testing::TestWithParam<Cell> {
 protected:
  MatrixTest() : engine(GetParam().master, "test") {}
  ~MatrixTest() override { engine.stop(); }

  int parts() const { return GetParam().partitions; }
  template <class T>
  ember::Rdd<T> make(std::vector<T> data) const {
    return engine.parallelize(std::move(data), parts());
  }

  ember::Engine engine;
};

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

inline std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

}  // namespace ember_test
