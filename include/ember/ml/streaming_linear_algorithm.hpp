#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/error.hpp"
#include "ember/ml/gradient_descent.hpp"
#include "ember/ml/labeled_point.hpp"
#include "ember/ml/linear_models.hpp"
#include "ember/ml/vector.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/map.hpp"

namespace ember::ml {

namespace detail {

/// The SGD settings of a streaming linear algorithm (Spark's defaults).
struct SgdSettings {
  double step_size = 0.1;
  int num_iterations = 50;
  double mini_batch_fraction = 1.0;
  double convergence_tol = 0.001;
  double reg_param = 0.0;
};

/// Shared by an algorithm, its copies and the closures it registers; guarded by `mutex`. The
/// settings are read at each batch, so a setter applies from the next batch, as in Spark.
template <class Model>
struct LinearState {
  mutable std::mutex mutex;
  SgdSettings settings;
  std::optional<Model> model;
};

/// One batch's training: SGD on `data` from `model`'s weights (Spark's
/// GeneralizedLinearAlgorithm.run without intercept). Defined in src/ml.
LinearRegressionModel trainBatch(const Rdd<LabeledPoint>& data, const LinearRegressionModel& model,
                                 const SgdSettings& settings);
LogisticRegressionModel trainBatch(const Rdd<LabeledPoint>& data,
                                   const LogisticRegressionModel& model,
                                   const SgdSettings& settings);

/// Registers the training output on `data` (see StreamingLinearAlgorithm::trainOn).
void registerTraining(const DStream<LabeledPoint>& data,
                      std::shared_ptr<LinearState<LinearRegressionModel>> state);
void registerTraining(const DStream<LabeledPoint>& data,
                      std::shared_ptr<LinearState<LogisticRegressionModel>> state);

}  // namespace detail

/// Spark's StreamingLinearAlgorithm: a generalized linear model trained by SGD on every
/// non-empty batch of a stream, starting from the weights the previous batch left, and applied to
/// other streams with the model of the moment. Derived names the setters' return type.
///
/// Copies share one model and one set of settings; the closures given to streams hold them, so
/// the object may go out of scope while they run. latestModel() may be called from any thread.
template <class Derived, class Model>
class StreamingLinearAlgorithm {
 public:
  /// Throws IllegalArgumentError unless stepSize > 0.
  Derived& setStepSize(double stepSize) {
    detail::checkStepSize(stepSize);
    return set([&](detail::SgdSettings& s) { s.step_size = stepSize; });
  }
  /// Throws IllegalArgumentError unless numIterations >= 0.
  Derived& setNumIterations(int numIterations) {
    detail::checkNumIterations(numIterations);
    return set([&](detail::SgdSettings& s) { s.num_iterations = numIterations; });
  }
  /// Throws IllegalArgumentError unless 0 < fraction <= 1.
  Derived& setMiniBatchFraction(double fraction) {
    detail::checkMiniBatchFraction(fraction);
    return set([&](detail::SgdSettings& s) { s.mini_batch_fraction = fraction; });
  }
  /// Throws IllegalArgumentError unless 0 <= tolerance <= 1.
  Derived& setConvergenceTol(double tolerance) {
    detail::checkConvergenceTol(tolerance);
    return set([&](detail::SgdSettings& s) { s.convergence_tol = tolerance; });
  }
  /// The model's starting weights (its intercept is 0); training and prediction need them.
  Derived& setInitialWeights(const Vector& initialWeights) {
    std::lock_guard lock(state_->mutex);
    state_->model.emplace(initialWeights.toDense(), 0.0);
    return static_cast<Derived&>(*this);
  }

  double stepSize() const { return settings().step_size; }
  int numIterations() const { return settings().num_iterations; }
  double miniBatchFraction() const { return settings().mini_batch_fraction; }
  double convergenceTol() const { return settings().convergence_tol; }

  /// The current model (a copy). Throws IllegalStateError before setInitialWeights.
  Model latestModel() const {
    std::lock_guard lock(state_->mutex);
    if (!state_->model) {
      throw IllegalStateError("Model must be initialized (setInitialWeights) before use");
    }
    return *state_->model;
  }

  /// Runs SGD on every non-empty batch of `data`, from the current weights (an output
  /// operation). A batch whose points do not have the model's number of features fails.
  /// Throws IllegalArgumentError before setInitialWeights, with Spark's message.
  void trainOn(const DStream<LabeledPoint>& data) {
    requireModel("Model must be initialized before starting training.");
    detail::registerTraining(data, state_);
  }

  /// The model's prediction for each vector, with the model as it is when the batch's task runs
  /// (after the training of the same batch when trainOn was called first, as in Spark). Throws
  /// IllegalArgumentError before setInitialWeights.
  DStream<double> predictOn(const DStream<Vector>& data) const {
    requireModel("Model must be initialized before starting prediction.");
    auto state = state_;
    return data.mapPartitions([state](std::vector<Vector>&& points) {
      Model model = current(*state);
      std::vector<double> out;
      out.reserve(points.size());
      for (const Vector& p : points) out.push_back(model.predict(p));
      return out;
    });
  }

  /// predictOn for the values, keys kept.
  template <class K>
  DStream<std::pair<K, double>> predictOnValues(const DStream<std::pair<K, Vector>>& data) const {
    requireModel("Model must be initialized before starting prediction");
    auto state = state_;
    return data.mapPartitions([state](std::vector<std::pair<K, Vector>>&& points) {
      Model model = current(*state);
      std::vector<std::pair<K, double>> out;
      out.reserve(points.size());
      for (auto& [key, p] : points) out.emplace_back(std::move(key), model.predict(p));
      return out;
    });
  }

 protected:
  explicit StreamingLinearAlgorithm(detail::SgdSettings settings)
      : state_(std::make_shared<detail::LinearState<Model>>()) {
    state_->settings = settings;
  }

  template <class F>
  Derived& set(F&& f) {
    std::lock_guard lock(state_->mutex);
    f(state_->settings);
    return static_cast<Derived&>(*this);
  }
  detail::SgdSettings settings() const {
    std::lock_guard lock(state_->mutex);
    return state_->settings;
  }

 private:
  static Model current(const detail::LinearState<Model>& state) {
    std::lock_guard lock(state.mutex);
    return *state.model;
  }
  void requireModel(const char* message) const {
    std::lock_guard lock(state_->mutex);
    if (!state_->model) throw IllegalArgumentError(message);
  }

  std::shared_ptr<detail::LinearState<Model>> state_;
};

}  // namespace ember::ml
