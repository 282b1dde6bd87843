#pragma once

#include "ember/ml/streaming_linear_algorithm.hpp"

namespace ember::ml {

/// Spark's StreamingLinearRegressionWithSGD (ML-02): least squares by SGD on every non-empty
/// batch. Defaults: stepSize 0.1, numIterations 50, miniBatchFraction 1.0, convergenceTol 0.001;
/// no regularization, no intercept. setInitialWeights is required before trainOn / predictOn.
///
///   StreamingLinearRegressionWithSGD model;
///   model.setInitialWeights(Vectors::zeros(3)).setStepSize(0.2);
///   model.trainOn(training);                         // DStream<LabeledPoint>
///   model.predictOnValues(test.map(...)).print();    // DStream<std::pair<double, Vector>>
class StreamingLinearRegressionWithSGD
    : public StreamingLinearAlgorithm<StreamingLinearRegressionWithSGD, LinearRegressionModel> {
 public:
  StreamingLinearRegressionWithSGD() : StreamingLinearAlgorithm(detail::SgdSettings{}) {}
  /// Spark's (stepSize, numIterations, miniBatchFraction, convergenceTol) form. Throws
  /// IllegalArgumentError as the setters do.
  StreamingLinearRegressionWithSGD(double stepSize, int numIterations, double miniBatchFraction,
                                   double convergenceTol = 0.001)
      : StreamingLinearAlgorithm(detail::SgdSettings{}) {
    setStepSize(stepSize);
    setNumIterations(numIterations);
    setMiniBatchFraction(miniBatchFraction);
    setConvergenceTol(convergenceTol);
  }
};

}  // namespace ember::ml
