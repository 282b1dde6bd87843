// Built against an installed ember by tests/install_test.sh, which checks that it prints 10; the
// exit status is 1 when the sum is wrong.
#include <ember/ember.hpp>

#include <cstdio>

int main() {
  ember::Engine engine("local[2]", "consumer");
  auto total = engine.parallelize(std::vector<int>{1, 2, 3, 4}, 2).reduce(std::plus<>{});
  std::printf("%d\n", total);
  return total == 10 ? 0 : 1;
}
