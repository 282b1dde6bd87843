#include "ember/core/split.hpp"

namespace ember {

std::vector<std::string> split(std::string_view s, char separator) {
  std::vector<std::string> out;
  forEachSplit(s, separator, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}

}  // namespace ember
