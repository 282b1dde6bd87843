#pragma once

// Data generators of MLlib's own test suites, drawn from the same generators with the same seeds,
// so that the ported cases train on the numbers Spark's do.

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "ember/ml.hpp"

namespace ember_test {

using ember::ml::LabeledPoint;
using ember::ml::Vector;
using ember::ml::Vectors;

/// MLlib's LinearDataGenerator.generateLinearInput(intercept, weights, nPoints, seed): features
/// uniform in [-1, 1], label = w . x + intercept + 0.1 N(0, 1), from java.util.Random(seed).
inline std::vector<LabeledPoint> generateLinearInput(double intercept,
                                                     const std::vector<double>& weights,
                                                     int nPoints, std::int64_t seed) {
  ember::ml::JavaRandom rnd(seed);
  std::vector<LabeledPoint> out;
  for (int n = 0; n < nPoints; ++n) {
    std::vector<double> x(weights.size());
    double label = intercept;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      x[i] = (rnd.nextDouble() - 0.5) * std::sqrt(12.0 * (1.0 / 3.0));
    }
    double dot = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) dot += weights[i] * x[i];
    label = dot + intercept + 0.1 * rnd.nextGaussian();
    out.emplace_back(label, Vectors::dense(std::move(x)));
  }
  return out;
}

/// MLlib's LogisticRegressionSuite.generateLogisticInput(offset, scale, nPoints, seed): x ~ N(0,1),
/// y = 1 with probability 1 / (1 + exp(-(offset + scale x))).
inline std::vector<LabeledPoint> generateLogisticInput(double offset, double scale, int nPoints,
                                                       std::int64_t seed) {
  ember::ml::JavaRandom rnd(seed);
  std::vector<double> x(static_cast<std::size_t>(nPoints));
  for (double& v : x) v = rnd.nextGaussian();
  std::vector<LabeledPoint> out;
  for (double v : x) {
    double p = 1.0 / (1.0 + std::exp(-(offset + scale * v)));
    out.emplace_back(rnd.nextDouble() < p ? 1.0 : 0.0, Vectors::dense({v}));
  }
  return out;
}

/// StreamingKMeansSuite's StreamingKMeansDataGenerator: k centers of d standard-normal
/// coordinates (unless given), then numBatches batches of numPoints points, point i around center
/// i % k with noise r N(0, 1), all from XORShiftRandom(seed).
inline std::pair<std::vector<std::vector<Vector>>, std::vector<Vector>> kMeansData(
    int numPoints, int numBatches, int k, int d, double r, std::int64_t seed,
    std::vector<Vector> centers = {}) {
  ember::ml::XORShiftRandom rand(seed);
  if (centers.empty()) {
    for (int j = 0; j < k; ++j) {
      std::vector<double> c(static_cast<std::size_t>(d));
      for (double& x : c) x = rand.nextGaussian();
      centers.push_back(Vectors::dense(std::move(c)));
    }
  }
  std::vector<std::vector<Vector>> batches;
  for (int b = 0; b < numBatches; ++b) {
    std::vector<Vector> batch;
    for (int i = 0; i < numPoints; ++i) {
      const Vector& center = centers[static_cast<std::size_t>(i % k)];
      std::vector<double> p(static_cast<std::size_t>(d));
      for (int x = 0; x < d; ++x)
        p[static_cast<std::size_t>(x)] = center(x) + rand.nextGaussian() * r;
      batch.push_back(Vectors::dense(std::move(p)));
    }
    batches.push_back(std::move(batch));
  }
  return {batches, centers};
}

/// Every element of a and b within tol of each other (Spark's ~== absTol).
inline bool near(const Vector& a, const Vector& b, double tol) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (std::abs(a(i) - b(i)) > tol) return false;
  }
  return true;
}

}  // namespace ember_test
