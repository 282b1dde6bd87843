#include "ember/streaming/ops/window.hpp"

#include "ember/core/error.hpp"

namespace ember::detail {

void checkWindowDuration(const char* what, Duration duration, Duration parent_slide) {
  if (duration.milliseconds() <= 0 || !duration.isMultipleOf(parent_slide)) {
    throw IllegalArgumentError(std::string("The ") + what + " of a windowed stream (" +
                               duration.toString() +
                               ") must be a positive multiple of the slide duration of its parent "
                               "stream (" +
                               parent_slide.toString() + ")");
  }
}

}  // namespace ember::detail
