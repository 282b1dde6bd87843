#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "ember/ml/vector.hpp"

namespace ember::ml {

/// MLlib's LabeledPoint: a label (the regression target, or the class 0.0 / 1.0) and features.
struct LabeledPoint {
  double label = 0.0;
  Vector features;

  LabeledPoint() = default;
  LabeledPoint(double label_, Vector features_) : label(label_), features(std::move(features_)) {}

  /// Spark's form: `(1.0,[2.0,3.0])`, `(1.0,(3,[0],[2.0]))`.
  std::string toString() const;

  /// Parses Spark's forms: `(label,vector)` with the vector dense or sparse, and the form MLlib
  /// wrote before 1.0, `label,f1 f2 f3`. Throws IllegalArgumentError naming what is wrong and
  /// the input.
  static LabeledPoint parse(std::string_view s);

  friend bool operator==(const LabeledPoint& a, const LabeledPoint& b) {
    return a.label == b.label && a.features == b.features;
  }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(label, features);
  }
};

std::ostream& operator<<(std::ostream& os, const LabeledPoint& p);

}  // namespace ember::ml
