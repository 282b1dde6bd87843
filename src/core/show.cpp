#include "ember/core/show.hpp"

#include <charconv>
#include <cmath>

namespace ember::detail {

namespace {
template <class F>
void appendJava(std::string& out, F value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[64];
  double magnitude = std::fabs(static_cast<double>(value));
  if (magnitude == 0.0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    if (text.find('.') == std::string_view::npos) out += ".0";
    return;
  }
  // Scientific: shortest mantissa digits, then Java's spelling "d.dddE[-]n".
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  auto e = text.find('e');
  std::string_view mantissa = text.substr(0, e);
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(),
                  exponent);
  out += mantissa;
  if (mantissa.find('.') == std::string_view::npos) out += ".0";
  out += 'E';
  out += std::to_string(exponent);
}

}  // namespace

void appendJavaDouble(std::string& out, double value) {
  appendJava(out, value);
}
void appendJavaDouble(std::string& out, float value) {
  appendJava(out, value);
}

}  // namespace ember::detail
