#include "ember/core/split.hpp"

#include <algorithm>

namespace ember {

std::vector<std::string>& SplitPieces::build() const {
  if (!pieces_) {
    auto s = text();
    std::vector<std::string> out;
    // Sized once: growing the vector would move every string already in it, which for short
    // strings is a copy each time.
    out.reserve(static_cast<std::size_t>(std::count(s.begin(), s.end(), separator_)) + 1);
    forEachSplit(s, separator_, [&](std::string_view piece) { out.emplace_back(piece); });
    pieces_ = std::move(out);
  }
  return *pieces_;
}

}  // namespace ember
