#include "ember/ml/labeled_point.hpp"

#include <variant>

#include "ember/core/error.hpp"
#include "ember/core/show.hpp"
#include "numeric_parser.hpp"

namespace ember::ml {

std::string LabeledPoint::toString() const {
  std::string out = "(";
  ember::detail::appendJavaDouble(out, label);
  out += ',';
  out += features.toString();
  out += ')';
  return out;
}

std::ostream& operator<<(std::ostream& os, const LabeledPoint& p) {
  return os << p.toString();
}

namespace {

/// The form MLlib wrote before 1.0: `label,f1 f2 f3`.
LabeledPoint parseLegacy(std::string_view s) {
  auto comma = s.find(',');
  if (comma == std::string_view::npos) {
    throw IllegalArgumentError(
        "Cannot parse a labeled point: expected (label,vector) or label,f1 f2 ... (parsing \"" +
        std::string(s) + "\")");
  }
  try {
    double label = ml::detail::parseJavaDouble(s.substr(0, comma));
    std::string_view rest = s.substr(comma + 1);
    // Java's split(',') then trim().split(' '): the features end at the next comma.
    rest = rest.substr(0, rest.find(','));
    while (!rest.empty() && static_cast<unsigned char>(rest.front()) <= ' ') rest.remove_prefix(1);
    while (!rest.empty() && static_cast<unsigned char>(rest.back()) <= ' ') rest.remove_suffix(1);
    std::vector<double> features;
    std::size_t start = 0;
    while (start <= rest.size()) {
      std::size_t space = rest.find(' ', start);
      if (space == std::string_view::npos) space = rest.size();
      features.push_back(ml::detail::parseJavaDouble(rest.substr(start, space - start)));
      start = space + 1;
    }
    return LabeledPoint(label, Vectors::dense(std::move(features)));
  } catch (const IllegalArgumentError& e) {
    throw IllegalArgumentError(std::string(e.what()) + " (parsing \"" + std::string(s) + "\")");
  }
}

}  // namespace

LabeledPoint LabeledPoint::parse(std::string_view s) {
  std::string_view trimmed = s;
  while (!trimmed.empty() && static_cast<unsigned char>(trimmed.front()) <= ' ') {
    trimmed.remove_prefix(1);
  }
  if (trimmed.empty() || trimmed.front() != '(') return parseLegacy(s);
  ml::detail::Numeric parsed = ml::detail::parseNumeric(s);
  if (const auto* tuple = std::get_if<ml::detail::NumericTuple>(&parsed.value)) {
    if (tuple->size() == 2 && std::holds_alternative<double>((*tuple)[0].value)) {
      double label = std::get<double>((*tuple)[0].value);
      const ml::detail::Numeric& features = (*tuple)[1];
      if (const auto* array = std::get_if<std::vector<double>>(&features.value)) {
        return LabeledPoint(label, Vectors::dense(*array));
      }
      const auto* sparse = std::get_if<ml::detail::NumericTuple>(&features.value);
      if (sparse != nullptr && sparse->size() == 3 &&
          std::holds_alternative<double>((*sparse)[0].value) &&
          std::holds_alternative<std::vector<double>>((*sparse)[1].value) &&
          std::holds_alternative<std::vector<double>>((*sparse)[2].value)) {
        std::vector<int> indices;
        for (double x : std::get<std::vector<double>>((*sparse)[1].value)) {
          indices.push_back(static_cast<int>(x));
        }
        try {
          return LabeledPoint(
              label, Vectors::sparse(static_cast<int>(std::get<double>((*sparse)[0].value)),
                                     std::move(indices),
                                     std::get<std::vector<double>>((*sparse)[2].value)));
        } catch (const IllegalArgumentError& e) {
          throw IllegalArgumentError(std::string(e.what()) + " (parsing \"" + std::string(s) +
                                     "\")");
        }
      }
    }
  }
  throw IllegalArgumentError("Cannot parse a labeled point from " +
                             ml::detail::describeNumeric(parsed) +
                             ": expected (label,[v1,...]) or (label,(size,[i1,...],[v1,...])) "
                             "(parsing \"" +
                             std::string(s) + "\")");
}

}  // namespace ember::ml
