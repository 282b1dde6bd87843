#include "ember/ml/gradient_descent.hpp"

#include <Eigen/Core>
#include <cmath>
#include <optional>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/ops/actions.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/ops/persist.hpp"
#include "ember/core/show.hpp"
#include "ember/ml/random.hpp"

namespace ember::ml {

namespace detail {

void checkStepSize(double step) {
  if (!(step > 0.0)) {
    throw IllegalArgumentError("Initial step size must be positive but got " +
                               ember::toString(step));
  }
}
void checkNumIterations(int iterations) {
  if (iterations < 0) {
    throw IllegalArgumentError("Number of iterations must be nonnegative but got " +
                               std::to_string(iterations));
  }
}
void checkMiniBatchFraction(double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {
    throw IllegalArgumentError("Fraction for mini-batch SGD must be in range (0, 1] but got " +
                               ember::toString(fraction));
  }
}
void checkConvergenceTol(double tolerance) {
  if (!(tolerance >= 0.0 && tolerance <= 1.0)) {
    throw IllegalArgumentError("Convergence tolerance must be in range [0, 1] but got " +
                               ember::toString(tolerance));
  }
}
void checkRegParam(double regParam) {
  if (!(regParam >= 0.0)) {
    throw IllegalArgumentError("Regularization parameter must be nonnegative but got " +
                               ember::toString(regParam));
  }
}

std::vector<std::size_t> bernoulliSamplePositions(std::size_t n, double fraction, std::int64_t seed,
                                                  int partition) {
  std::vector<std::size_t> kept;
  if (fraction <= 0.0 || n == 0) return kept;
  if (fraction >= 1.0) {
    for (std::size_t i = 0; i < n; ++i) kept.push_back(i);
    return kept;
  }
  JavaRandom seeds(seed);
  std::int64_t partition_seed = 0;
  for (int p = 0; p <= partition; ++p) partition_seed = seeds.nextLong();
  XORShiftRandom rng(partition_seed);
  if (fraction > 0.4) {
    for (std::size_t i = 0; i < n; ++i) {
      if (rng.nextDouble() <= fraction) kept.push_back(i);
    }
    return kept;
  }
  // Gap sampling: the number of elements skipped before the next kept one is geometric.
  const double lnq = std::log1p(-fraction);
  auto gap = [&] {
    return static_cast<long long>(std::log(std::max(rng.nextDouble(), 5e-11)) / lnq);
  };
  long long skip = gap();
  for (std::size_t i = 0; i < n; ++i) {
    if (skip > 0) {
      --skip;
    } else {
      kept.push_back(i);
      skip = gap();
    }
  }
  return kept;
}

}  // namespace detail

namespace {

/// A sample's summed gradient, summed loss and size.
struct GradientSum {
  std::vector<double> gradient;
  double loss = 0.0;
  long long count = 0;
};

/// Spark's MLUtils.log1pExp: log(1 + exp(x)) without overflow.
double log1pExp(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

[[noreturn]] void throwFeatures(int features, std::size_t weights) {
  throw IllegalArgumentError("SGD: a point has " + std::to_string(features) +
                             " features but the model has " + std::to_string(weights) +
                             " weights; every point must have as many features as the weights");
}

/// Adds one point's gradient and loss at `w` to `acc`.
template <Gradient G>
void addGradient(GradientSum& acc, const LabeledPoint& point, const std::vector<double>& w) {
  const Vector& x = point.features;
  if (static_cast<std::size_t>(x.size()) != w.size()) throwFeatures(x.size(), w.size());
  double dot = 0.0;
  x.foreachActive([&](int i, double v) { dot += v * w[static_cast<std::size_t>(i)]; });
  double multiplier = 0.0;
  if constexpr (G == Gradient::LeastSquares) {
    multiplier = dot - point.label;
    acc.loss += multiplier * multiplier / 2.0;
  } else {
    double margin = -dot;
    multiplier = 1.0 / (1.0 + std::exp(margin)) - point.label;
    acc.loss += point.label > 0 ? log1pExp(margin) : log1pExp(margin) - margin;
  }
  double* g = acc.gradient.data();
  x.foreachActive([&](int i, double v) { g[i] += multiplier * v; });
  ++acc.count;
}

template <Gradient G>
GradientSum sumGradients(const Rdd<LabeledPoint>& sample, const std::vector<double>& weights) {
  GradientSum zero;
  zero.gradient.assign(weights.size(), 0.0);
  const std::vector<double>* w = &weights;  // aggregate runs to completion before returning
  return sample.aggregate(
      std::move(zero),
      [w](GradientSum acc, const LabeledPoint& p) {
        addGradient<G>(acc, p, *w);
        return acc;
      },
      [](GradientSum a, const GradientSum& b) {
        Eigen::Map<Eigen::VectorXd>(a.gradient.data(),
                                    static_cast<Eigen::Index>(a.gradient.size())) +=
            Eigen::Map<const Eigen::VectorXd>(b.gradient.data(),
                                              static_cast<Eigen::Index>(b.gradient.size()));
        a.loss += b.loss;
        a.count += b.count;
        return a;
      });
}

/// One step of the updater; returns the regularization value at the new weights.
double step(Updater updater, std::vector<double>& weights, const std::vector<double>& gradient,
            double stepSize, int iteration, double regParam) {
  Eigen::Map<Eigen::VectorXd> w(weights.data(), static_cast<Eigen::Index>(weights.size()));
  Eigen::Map<const Eigen::VectorXd> g(gradient.data(), static_cast<Eigen::Index>(gradient.size()));
  double this_step = stepSize / std::sqrt(static_cast<double>(iteration));
  if (updater == Updater::Simple) {
    w -= this_step * g;
    return 0.0;
  }
  w *= 1.0 - this_step * regParam;
  w -= this_step * g;
  double norm = w.norm();
  return 0.5 * regParam * norm * norm;
}

bool converged(const std::vector<double>& previous, const std::vector<double>& current,
               double tolerance) {
  Eigen::Map<const Eigen::VectorXd> a(previous.data(), static_cast<Eigen::Index>(previous.size()));
  Eigen::Map<const Eigen::VectorXd> b(current.data(), static_cast<Eigen::Index>(current.size()));
  return (a - b).norm() < tolerance * std::max(b.norm(), 1.0);
}

/// One pass: the number of points; for the logistic loss, labels other than 0 and 1 are refused
/// (Spark's binaryLabelValidator) with IllegalArgumentError.
long long countAndCheckLabels(const Rdd<LabeledPoint>& data, Gradient gradient) {
  using Counts = std::pair<long long, long long>;  // points, invalid labels
  auto [count, invalid] = data.aggregate(
      Counts{0, 0},
      [gradient](Counts acc, const LabeledPoint& p) {
        ++acc.first;
        if (gradient == Gradient::Logistic && p.label != 0.0 && p.label != 1.0) ++acc.second;
        return acc;
      },
      [](Counts a, Counts b) {
        return Counts{a.first + b.first, a.second + b.second};
      });
  if (invalid > 0) {
    throw IllegalArgumentError("Classification labels should be 0 or 1. Found " +
                               std::to_string(invalid) + " invalid labels");
  }
  return count;
}

}  // namespace

GradientDescent::Result GradientDescent::runMiniBatchSGD(const Rdd<LabeledPoint>& data,
                                                         Gradient gradient, Updater updater,
                                                         double stepSize, int numIterations,
                                                         double regParam, double miniBatchFraction,
                                                         const Vector& initialWeights,
                                                         double convergenceTol) {
  ml::detail::checkStepSize(stepSize);
  ml::detail::checkNumIterations(numIterations);
  ml::detail::checkRegParam(regParam);
  ml::detail::checkMiniBatchFraction(miniBatchFraction);
  ml::detail::checkConvergenceTol(convergenceTol);
  Result result;
  result.weights = initialWeights;

  long long count = countAndCheckLabels(data, gradient);
  if (count == 0) {
    ember::logger()->warn("GradientDescent: no data; returning the initial weights");
    return result;
  }
  if (static_cast<double>(count) * miniBatchFraction < 1.0) {
    ember::logger()->warn("GradientDescent: the miniBatchFraction is too small");
  }

  std::vector<double> weights = initialWeights.toArray();
  // The regularization value of the initial weights: a step of size 0 with a zero gradient.
  double reg_value = updater == Updater::Simple
                         ? 0.0
                         : 0.5 * regParam *
                               Eigen::Map<const Eigen::VectorXd>(
                                   weights.data(), static_cast<Eigen::Index>(weights.size()))
                                   .squaredNorm();
  std::optional<std::vector<double>> previous;
  bool done = false;
  for (int i = 1; i <= numIterations && !done; ++i) {
    std::optional<Rdd<LabeledPoint>> sampled;
    if (miniBatchFraction < 1.0) {
      std::int64_t seed = 42 + i;
      sampled = data.mapPartitionsWithIndex(
          [miniBatchFraction, seed](int index, std::vector<LabeledPoint>&& part) {
            return ml::detail::bernoulliSample(std::move(part), miniBatchFraction, seed, index);
          });
    }
    const Rdd<LabeledPoint>& sample = sampled ? *sampled : data;
    GradientSum sum = gradient == Gradient::LeastSquares
                          ? sumGradients<Gradient::LeastSquares>(sample, weights)
                          : sumGradients<Gradient::Logistic>(sample, weights);
    if (sum.count == 0) {
      ember::logger()->warn("GradientDescent: iteration ({}/{}): the sampled batch is empty", i,
                            numIterations);
      continue;
    }
    result.lossHistory.push_back(sum.loss / static_cast<double>(sum.count) + reg_value);
    for (double& g : sum.gradient) g /= static_cast<double>(sum.count);
    reg_value = step(updater, weights, sum.gradient, stepSize, i, regParam);
    if (previous) done = converged(*previous, weights, convergenceTol);
    previous = weights;
  }
  result.weights = Vectors::dense(std::move(weights));
  return result;
}

}  // namespace ember::ml
