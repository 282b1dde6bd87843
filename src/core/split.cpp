#include "ember/core/split.hpp"

#include <algorithm>

namespace ember {

std::vector<std::string> split(std::string_view s, char separator) {
  std::vector<std::string> out;
  // Sized once: growing the vector would move every string already in it, which for short
  // strings is a copy each time.
  out.reserve(static_cast<std::size_t>(std::count(s.begin(), s.end(), separator)) + 1);
  forEachSplit(s, separator, [&](std::string_view piece) { out.emplace_back(piece); });
  return out;
}

}  // namespace ember
