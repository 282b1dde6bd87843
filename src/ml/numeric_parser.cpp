#include "numeric_parser.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "ember/core/error.hpp"

namespace ember::ml::detail {
namespace {

/// Java's StringTokenizer over "()[]," returning the delimiters as tokens.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view s) : s_(s) {}
  bool hasMore() const { return pos_ < s_.size(); }
  std::string_view next() {
    std::size_t start = pos_;
    if (isDelimiter(s_[pos_])) return s_.substr(pos_++, 1);
    while (pos_ < s_.size() && !isDelimiter(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

 private:
  static bool isDelimiter(char c) {
    return c == '(' || c == ')' || c == '[' || c == ']' || c == ',';
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

bool isBlank(std::string_view t) {
  for (char c : t) {
    if (static_cast<unsigned char>(c) > ' ') return false;
  }
  return true;
}

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  throw IllegalArgumentError(what + " (parsing \"" + std::string(input) + "\")");
}

std::vector<double> parseArray(Tokenizer& tokens, std::string_view input) {
  std::vector<double> values;
  bool allow_comma = false;
  while (tokens.hasMore()) {
    std::string_view token = tokens.next();
    if (token == "]") return values;
    if (token == ",") {
      if (!allow_comma) fail("Found a ',' at a wrong position.", input);
      allow_comma = false;
    } else {
      try {
        values.push_back(parseJavaDouble(token));
      } catch (const IllegalArgumentError& e) {
        fail(e.what(), input);
      }
      allow_comma = true;
    }
  }
  fail("An array must end with ']'.", input);
}

NumericTuple parseTuple(Tokenizer& tokens, std::string_view input) {
  NumericTuple items;
  bool allow_comma = false;
  while (tokens.hasMore()) {
    std::string_view token = tokens.next();
    if (token == "(") {
      items.push_back(Numeric{parseTuple(tokens, input)});
      allow_comma = true;
    } else if (token == "[") {
      items.push_back(Numeric{parseArray(tokens, input)});
      allow_comma = true;
    } else if (token == ",") {
      if (!allow_comma) fail("Found a ',' at a wrong position.", input);
      allow_comma = false;
    } else if (token == ")") {
      return items;
    } else if (!isBlank(token)) {
      try {
        items.push_back(Numeric{parseJavaDouble(token)});
      } catch (const IllegalArgumentError& e) {
        fail(e.what(), input);
      }
      allow_comma = true;
    }
  }
  fail("A tuple must end with ')'.", input);
}

}  // namespace

double parseJavaDouble(std::string_view token) {
  std::string_view t = token;
  while (!t.empty() && static_cast<unsigned char>(t.front()) <= ' ') t.remove_prefix(1);
  while (!t.empty() && static_cast<unsigned char>(t.back()) <= ' ') t.remove_suffix(1);
  auto bad = [&]() -> double {
    throw IllegalArgumentError("Cannot parse a double from: " + std::string(token));
  };
  if (t.empty()) return bad();
  bool negative = false;
  std::string_view body = t;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (body == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  char last = body.empty() ? '\0' : body.back();
  if (last == 'd' || last == 'D' || last == 'f' || last == 'F') body.remove_suffix(1);
  // from_chars reads "inf" and "nan", which Java refuses; a number starts with a digit or '.'.
  if (body.empty() ||
      !(std::isdigit(static_cast<unsigned char>(body.front())) || body.front() == '.')) {
    return bad();
  }
  double value = 0.0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Java rounds to infinity or zero rather than refusing.
    bool tiny = body.find_first_of("eE") != std::string_view::npos &&
                body[body.find_first_of("eE") + 1] == '-';
    value = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    end = body.data() + body.size();
    ec = std::errc();
  }
  if (ec != std::errc() || end != body.data() + body.size()) return bad();
  return negative ? -value : value;
}

Numeric parseNumeric(std::string_view s) {
  Tokenizer tokens(s);
  if (!tokens.hasMore()) fail("Cannot find any token from the input string.", s);
  std::string_view token = tokens.next();
  // Spark refuses blanks before the value; ember skips them, as it does after it.
  while (isBlank(token) && tokens.hasMore()) token = tokens.next();
  Numeric result;
  if (token == "(") {
    result.value = parseTuple(tokens, s);
  } else if (token == "[") {
    result.value = parseArray(tokens, s);
  } else {
    try {
      result.value = parseJavaDouble(token);
    } catch (const IllegalArgumentError& e) {
      fail(e.what(), s);
    }
  }
  // Spark ignores what follows a complete value; ember refuses it (blanks aside) rather than
  // drop part of a record silently.
  std::string rest;
  while (tokens.hasMore()) rest += tokens.next();
  if (!isBlank(rest)) fail("Unexpected text after a complete value: \"" + rest + "\"", s);
  return result;
}

std::string describeNumeric(const Numeric& n) {
  if (std::holds_alternative<double>(n.value)) return "a number";
  if (const auto* a = std::get_if<std::vector<double>>(&n.value)) {
    return "an array of " + std::to_string(a->size()) + " numbers";
  }
  const auto& t = std::get<NumericTuple>(n.value);
  std::string out = "a tuple of (";
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i) out += ", ";
    out += describeNumeric(t[i]);
  }
  return out + ")";
}

}  // namespace ember::ml::detail
