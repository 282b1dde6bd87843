#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "ember/core.hpp"
#include "test_grid.hpp"
#include "test_range.hpp"

namespace ember_test {

/// A fresh engine per test, stopped at the end.
class EngineTest : public testing::Test {
 protected:
  EngineTest() : engine("local[4]", "test") {}
  ~EngineTest() override { engine.stop(); }
  ember::Engine engine;
};

/// A test run once per cell of the grid (EMBER_TEST_ON_GRID), with an engine on the cell's master
/// and make() parallelizing into the cell's partition count.
class RddGridTest : public GridTest {
 protected:
  RddGridTest() : engine(GetParam().master, "test") {}
  ~RddGridTest() override { engine.stop(); }

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

}  // namespace ember_test
