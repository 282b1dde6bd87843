#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "ember/core/rdd.hpp"
#include "ember/ml/labeled_point.hpp"
#include "ember/ml/vector.hpp"

namespace ember::ml {

/// The loss whose gradient SGD follows.
enum class Gradient {
  LeastSquares,  ///< (w . x - y)^2 / 2 (linear regression)
  Logistic,      ///< binary logistic loss, labels 0 and 1
};

/// How a step changes the weights (and which regularization it applies).
enum class Updater {
  Simple,     ///< w - (stepSize / sqrt(i)) g; no regularization
  SquaredL2,  ///< w (1 - step regParam) - step g; regularization regParam |w|^2 / 2
};

/// MLlib's GradientDescent.runMiniBatchSGD.
struct GradientDescent {
  struct Result {
    Vector weights;
    /// Per iteration that had a sample: the mean loss on it plus the regularization value.
    std::vector<double> lossHistory;
  };

  /// Runs up to numIterations steps from initialWeights. Step i (from 1) averages the gradient
  /// over a Bernoulli sample of the data (miniBatchFraction of it, seeded with 42 + i as Spark
  /// seeds its sample; the whole data at 1.0), then moves the weights by the updater with step
  /// stepSize / sqrt(i). Stops early once |w_i - w_(i-1)| < convergenceTol * max(|w_i|, 1). With
  /// no data, returns initialWeights.
  ///
  /// Throws IllegalArgumentError for a parameter out of range (the messages of the streaming
  /// algorithms' setters), for a point whose size is not the weights' (from the task: wrapped in
  /// TaskFailedError), and for a Logistic label other than 0 or 1.
  static Result runMiniBatchSGD(const Rdd<LabeledPoint>& data, Gradient gradient, Updater updater,
                                double stepSize, int numIterations, double regParam,
                                double miniBatchFraction, const Vector& initialWeights,
                                double convergenceTol = 0.001);
};

namespace detail {
/// The parameter checks of GradientDescent and the streaming algorithms' setters, with Spark's
/// messages. Each throws IllegalArgumentError.
void checkStepSize(double step);
void checkNumIterations(int iterations);
void checkMiniBatchFraction(double fraction);
void checkConvergenceTol(double tolerance);
void checkRegParam(double regParam);

/// Spark's RDD.sample(false, fraction, seed) for one partition: java.util.Random(seed) gives
/// each partition, in order, a seed (nextLong) for a BernoulliSampler (XORShiftRandom): gap
/// sampling up to a fraction of 0.4, one draw per element above. Returns the kept elements.
template <class T>
std::vector<T> bernoulliSample(std::vector<T>&& data, double fraction, std::int64_t seed,
                               int partition);
/// Which positions of a partition of n elements that sample keeps.
std::vector<std::size_t> bernoulliSamplePositions(std::size_t n, double fraction, std::int64_t seed,
                                                  int partition);

template <class T>
std::vector<T> bernoulliSample(std::vector<T>&& data, double fraction, std::int64_t seed,
                               int partition) {
  if (fraction >= 1.0) return std::move(data);
  std::vector<T> out;
  for (std::size_t i : bernoulliSamplePositions(data.size(), fraction, seed, partition)) {
    out.push_back(std::move(data[i]));
  }
  return out;
}
}  // namespace detail

}  // namespace ember::ml
