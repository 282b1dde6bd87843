#include "ember/io/line_splitter.hpp"

#include <cstdint>

namespace ember::detail {

namespace {

/// Length of the well-formed sequence at `i` (Unicode table 3-7), or, when it is ill-formed, the
/// negated length of its maximal subpart (at least 1).
int sequenceAt(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b = byte(i);
  if (b < 0x80) return 1;
  int length = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    length = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    length = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    length = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int k = 1; k < length; ++k) {
    if (i + k >= s.size()) return -k;
    const std::uint8_t c = byte(i + k);
    const bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    if (!ok) return -k;
  }
  return length;
}

}  // namespace

void replaceMalformedUtf8(std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    int n = sequenceAt(text, i);
    if (n < 0) break;
    i += static_cast<std::size_t>(n);
  }
  if (i == text.size()) return;  // well-formed: the common case, no copy
  std::string out(text, 0, i);
  while (i < text.size()) {
    int n = sequenceAt(text, i);
    if (n > 0) {
      out.append(text, i, static_cast<std::size_t>(n));
      i += static_cast<std::size_t>(n);
    } else {
      out += "\xEF\xBF\xBD";
      i += static_cast<std::size_t>(-n);
    }
  }
  text = std::move(out);
}

}  // namespace ember::detail
