#pragma once

#include "ember/ml/streaming_linear_algorithm.hpp"

namespace ember::ml {

/// Spark's StreamingLogisticRegressionWithSGD (ML-03): binary logistic regression (labels 0 and
/// 1) by SGD on every non-empty batch, with L2 regularization regParam. Defaults: stepSize 0.1,
/// numIterations 50, miniBatchFraction 1.0, regParam 0.0, convergenceTol 0.001. Predictions are
/// 0.0 or 1.0 by the model's 0.5 threshold. A batch with another label fails.
class StreamingLogisticRegressionWithSGD
    : public StreamingLinearAlgorithm<StreamingLogisticRegressionWithSGD, LogisticRegressionModel> {
 public:
  StreamingLogisticRegressionWithSGD() : StreamingLinearAlgorithm(detail::SgdSettings{}) {}
  /// Spark's (stepSize, numIterations, miniBatchFraction, regParam) form. Throws
  /// IllegalArgumentError as the setters do.
  StreamingLogisticRegressionWithSGD(double stepSize, int numIterations, double miniBatchFraction,
                                     double regParam)
      : StreamingLinearAlgorithm(detail::SgdSettings{}) {
    setStepSize(stepSize);
    setNumIterations(numIterations);
    setMiniBatchFraction(miniBatchFraction);
    setRegParam(regParam);
  }

  /// The L2 regularization parameter. Throws IllegalArgumentError unless regParam >= 0.
  StreamingLogisticRegressionWithSGD& setRegParam(double regParam) {
    detail::checkRegParam(regParam);
    return set([&](detail::SgdSettings& s) { s.reg_param = regParam; });
  }
  double regParam() const { return settings().reg_param; }
};

}  // namespace ember::ml
