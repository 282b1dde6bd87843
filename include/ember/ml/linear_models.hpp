#pragma once

#include <optional>
#include <string>
#include <utility>

#include "ember/core/rdd.hpp"
#include "ember/ml/vector.hpp"

namespace ember::ml {

/// MLlib's LinearRegressionModel: predicts weights . x + intercept.
class LinearRegressionModel {
 public:
  LinearRegressionModel(Vector weights, double intercept)
      : weights_(std::move(weights)), intercept_(intercept) {}

  const Vector& weights() const noexcept { return weights_; }
  double intercept() const noexcept { return intercept_; }
  int numFeatures() const noexcept { return weights_.size(); }

  /// Throws IllegalArgumentError when x's size is not numFeatures().
  double predict(const Vector& x) const;
  Rdd<double> predict(const Rdd<Vector>& points) const;
  /// Spark's form: "LinearRegressionModel: intercept = 0.0, numFeatures = 2".
  std::string toString() const;

 private:
  Vector weights_;
  double intercept_;
};

/// MLlib's binary LogisticRegressionModel: with a threshold (0.5 unless changed) predict gives
/// 1.0 when the score 1 / (1 + exp(-(w . x + b))) is above it and 0.0 otherwise; without one
/// (clearThreshold), the score itself.
class LogisticRegressionModel {
 public:
  LogisticRegressionModel(Vector weights, double intercept)
      : weights_(std::move(weights)), intercept_(intercept) {}

  const Vector& weights() const noexcept { return weights_; }
  double intercept() const noexcept { return intercept_; }
  int numFeatures() const noexcept { return weights_.size(); }
  int numClasses() const noexcept { return 2; }

  LogisticRegressionModel& setThreshold(double threshold) {
    threshold_ = threshold;
    return *this;
  }
  LogisticRegressionModel& clearThreshold() {
    threshold_.reset();
    return *this;
  }
  std::optional<double> getThreshold() const noexcept { return threshold_; }

  /// Throws IllegalArgumentError when x's size is not numFeatures().
  double predict(const Vector& x) const;
  Rdd<double> predict(const Rdd<Vector>& points) const;
  /// "LogisticRegressionModel: intercept = 0.0, numFeatures = 1, numClasses = 2, threshold = 0.5"
  std::string toString() const;

 private:
  Vector weights_;
  double intercept_;
  std::optional<double> threshold_ = 0.5;
};

}  // namespace ember::ml
