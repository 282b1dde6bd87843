#pragma once

// The one range helper of the tests.

#include <vector>

namespace ember_test {

/// first, first + 1, ..., last: both ends included (as Scala's `first to last`, which Spark's own
/// suites write their inputs with); empty when last < first.
inline std::vector<int> rangeInclusive(int first, int last) {
  std::vector<int> out;
  for (int x = first; x <= last; ++x) out.push_back(x);
  return out;
}

}  // namespace ember_test
