#include "ember/streaming/ops/reduced_window.hpp"

#include "ember/core/error.hpp"

namespace ember::detail {

void throwKeyWithoutWindowValue() {
  throw IllegalStateError(
      "reduceByKeyAndWindow: a key left the window, but the previous window had no value for it "
      "and no new value arrived. Either filterFunc dropped a key whose values were still in the "
      "window (drop only keys whose value is back to zero), or the key's hash is not consistent");
}

}  // namespace ember::detail
