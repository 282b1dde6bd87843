#include "ember/ml/linear_models.hpp"

#include <cmath>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/ops/actions.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/ops/persist.hpp"
#include "ember/core/show.hpp"
#include "ember/ml/gradient_descent.hpp"
#include "ember/ml/streaming_linear_algorithm.hpp"
#include "ember/streaming/ops/output.hpp"

namespace ember::ml {
namespace {

double margin(const Vector& weights, double intercept, const Vector& x) {
  if (x.size() != weights.size()) {
    throw IllegalArgumentError("A point has " + std::to_string(x.size()) +
                               " features but the model has " + std::to_string(weights.size()) +
                               " weights; they must be equal");
  }
  return Vectors::dot(weights, x) + intercept;
}

template <class Model>
Rdd<double> predictAll(const Model& model, const Rdd<Vector>& points) {
  return points.mapPartitions([model](std::vector<Vector>&& data) {
    std::vector<double> out;
    out.reserve(data.size());
    for (const Vector& x : data) out.push_back(model.predict(x));
    return out;
  });
}

std::string describe(const char* name, double intercept, int features) {
  std::string out = std::string(name) + ": intercept = ";
  ember::detail::appendJavaDouble(out, intercept);
  out += ", numFeatures = " + std::to_string(features);
  return out;
}

/// SGD on one batch, with the batch cached for the iterations when its stream did not persist it
/// (each iteration is a pass over the batch).
Vector runSgd(const Rdd<LabeledPoint>& data, const Vector& weights,
              const ml::detail::SgdSettings& s, Gradient gradient, Updater updater) {
  bool cache = data.getStorageLevel() == StorageLevel::NONE;
  if (cache) data.persist(StorageLevel::MEMORY_ONLY);
  struct Unpersist {
    const Rdd<LabeledPoint>& rdd;
    bool on;
    ~Unpersist() {
      if (on) rdd.unpersist();
    }
  } unpersist{data, cache};
  return GradientDescent::runMiniBatchSGD(data, gradient, updater, s.step_size, s.num_iterations,
                                          s.reg_param, s.mini_batch_fraction, weights,
                                          s.convergence_tol)
      .weights;
}

template <class Model>
void registerTrainingOf(const DStream<LabeledPoint>& data,
                        std::shared_ptr<ml::detail::LinearState<Model>> state) {
  data.foreachRDD([state](const Rdd<LabeledPoint>& rdd, Time time) {
    if (rdd.isEmpty()) return;
    std::optional<Model> model;
    ml::detail::SgdSettings settings;
    {
      std::lock_guard lock(state->mutex);
      model = state->model;
      settings = state->settings;
    }
    Model next = ml::detail::trainBatch(rdd, *model, settings);
    ember::logger()->info("Model updated at time {}: weights {}", time.milliseconds(),
                          next.weights().toString());
    std::lock_guard lock(state->mutex);
    state->model = std::move(next);
  });
}

}  // namespace

double LinearRegressionModel::predict(const Vector& x) const {
  return margin(weights_, intercept_, x);
}
Rdd<double> LinearRegressionModel::predict(const Rdd<Vector>& points) const {
  return predictAll(*this, points);
}
std::string LinearRegressionModel::toString() const {
  return describe("LinearRegressionModel", intercept_, numFeatures());
}

double LogisticRegressionModel::predict(const Vector& x) const {
  double score = 1.0 / (1.0 + std::exp(-margin(weights_, intercept_, x)));
  if (!threshold_) return score;
  return score > *threshold_ ? 1.0 : 0.0;
}
Rdd<double> LogisticRegressionModel::predict(const Rdd<Vector>& points) const {
  return predictAll(*this, points);
}
std::string LogisticRegressionModel::toString() const {
  std::string out = describe("LogisticRegressionModel", intercept_, numFeatures());
  out += ", numClasses = 2, threshold = ";
  if (threshold_) {
    ember::detail::appendJavaDouble(out, *threshold_);
  } else {
    out += "None";
  }
  return out;
}

namespace detail {

LinearRegressionModel trainBatch(const Rdd<LabeledPoint>& data, const LinearRegressionModel& model,
                                 const SgdSettings& settings) {
  return LinearRegressionModel(
      runSgd(data, model.weights(), settings, Gradient::LeastSquares, Updater::Simple), 0.0);
}

LogisticRegressionModel trainBatch(const Rdd<LabeledPoint>& data,
                                   const LogisticRegressionModel& model,
                                   const SgdSettings& settings) {
  return LogisticRegressionModel(
      runSgd(data, model.weights(), settings, Gradient::Logistic, Updater::SquaredL2), 0.0);
}

void registerTraining(const DStream<LabeledPoint>& data,
                      std::shared_ptr<LinearState<LinearRegressionModel>> state) {
  registerTrainingOf(data, std::move(state));
}
void registerTraining(const DStream<LabeledPoint>& data,
                      std::shared_ptr<LinearState<LogisticRegressionModel>> state) {
  registerTrainingOf(data, std::move(state));
}

}  // namespace detail
}  // namespace ember::ml
