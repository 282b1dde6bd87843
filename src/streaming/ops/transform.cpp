#include "ember/streaming/ops/transform.hpp"

#include "ember/core/error.hpp"

namespace ember::detail {

void throwNoParentRdd(const std::string& stream, Time time) {
  throw Error(stream + ": could not generate an RDD from a parent at time " + time.toString() +
              " (a parent has no RDD for that batch; " + stream + " needs one from every parent)");
}

void checkSameSlide(const char* operation,
                    const std::vector<std::shared_ptr<DStreamNodeBase>>& streams) {
  for (const auto& s : streams) {
    if (s->slideDuration() != streams.front()->slideDuration()) {
      throw IllegalArgumentError(std::string(operation) +
                                 ": the streams have different slide durations (" +
                                 streams.front()->slideDuration().toString() + " and " +
                                 s->slideDuration().toString() + "); they must be equal");
    }
  }
}

}  // namespace ember::detail
