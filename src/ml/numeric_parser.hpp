#pragma once

// MLlib's NumericParser: the grammar of Vector.toString and LabeledPoint.toString. A value is a
// number, an array of numbers `[a,b]`, or a tuple `(x,y,...)` of values. Internal to ember::ml.

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ember::ml::detail {

struct Numeric;
using NumericTuple = std::vector<Numeric>;

struct Numeric {
  std::variant<double, std::vector<double>, NumericTuple> value;
};

/// Parses `s` as one value. Throws IllegalArgumentError naming what is wrong and `s`.
Numeric parseNumeric(std::string_view s);

/// Java's Double.parseDouble: surrounding whitespace allowed, NaN, [+-]Infinity, an optional
/// d/D/f/F suffix. Throws IllegalArgumentError ("Cannot parse a double from: ...").
double parseJavaDouble(std::string_view token);

/// What a parsed value looks like, for messages: "a number", "an array of 2 numbers", ...
std::string describeNumeric(const Numeric& n);

}  // namespace ember::ml::detail
