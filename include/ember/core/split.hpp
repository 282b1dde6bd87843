#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ember {

/// Splits as Scala's/Java's `s.split(" ")` with a one-character separator: "a  b" gives
/// {"a", "", "b"}, trailing empty strings are dropped ("a b " gives {"a", "b"}), and an empty
/// string gives {""}.
std::vector<std::string> split(std::string_view s, char separator);

/// Calls f(std::string_view) for each piece split() would return, without building strings.
template <class F>
void forEachSplit(std::string_view s, char separator, F&& f) {
  if (s.empty()) {
    f(std::string_view());
    return;
  }
  std::size_t end = s.size();
  while (end > 0 && s[end - 1] == separator) --end;
  std::size_t start = 0;
  while (start < end) {
    std::size_t pos = s.find(separator, start);
    if (pos == std::string_view::npos || pos > end) pos = end;
    f(s.substr(start, pos - start));
    start = pos + 1;
  }
}

}  // namespace ember
