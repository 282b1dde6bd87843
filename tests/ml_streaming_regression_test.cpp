// StreamingLinearRegressionWithSGD and StreamingLogisticRegressionWithSGD: the cases of Spark's
// StreamingLinearRegressionSuite and StreamingLogisticRegressionSuite on the data of MLlib's own
// generators, SGD steps worked out by hand, the convergence tolerance, regularization, mini-batch
// sampling, and refused arguments.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "ember/testing.hpp"
#include "ml_test_support.hpp"

namespace {

using ember::IllegalArgumentError;
using ember::ml::GradientDescent;
using ember::ml::LabeledPoint;
using ember::ml::StreamingLinearRegressionWithSGD;
using ember::ml::StreamingLogisticRegressionWithSGD;
using ember::ml::Vector;
using ember::ml::Vectors;
using ember_test::generateLinearInput;
using ember_test::generateLogisticInput;
using ::testing::HasSubstr;

using Batches = std::vector<std::vector<LabeledPoint>>;

template <class Model>
void train(Model& model, const Batches& input) {
  ember::testing::runOperation(
      input,
      [&](const ember::DStream<LabeledPoint>& s) {
        model.trainOn(s);
        return s.count();
      },
      input.size());
}

/// Trains on the batches and records |weight 0 - target| after each.
template <class Model>
std::vector<double> trainRecordingError(Model& model, const Batches& input, double target) {
  std::vector<double> history;
  std::mutex mutex;
  ember::testing::runOperation(
      input,
      [&](const ember::DStream<LabeledPoint>& s) {
        model.trainOn(s);
        s.foreachRDD([&](const ember::Rdd<LabeledPoint>&) {
          std::lock_guard lock(mutex);
          history.push_back(std::abs(model.latestModel().weights()(0) - target));
        });
        return s.count();
      },
      input.size());
  return history;
}

/// Per batch, the mean |label - prediction| of trainOn + predictOnValues (or predictions alone).
template <class Model>
std::vector<double> meanErrors(Model& model, const Batches& input, bool alsoTrain) {
  auto out = ember::testing::runOperation(
      input,
      [&](const ember::DStream<LabeledPoint>& s) {
        if (alsoTrain) model.trainOn(s);
        ember::DStream<std::pair<double, Vector>> keyed = s.map([](const LabeledPoint& p) {
          return std::pair{p.label, p.features};
        });
        return model.predictOnValues(keyed);
      },
      input.size());
  std::vector<double> errors;
  for (const auto& batch : out) {
    double sum = 0.0;
    for (const auto& [label, prediction] : batch) sum += std::abs(label - prediction);
    errors.push_back(batch.empty() ? 0.0 : sum / static_cast<double>(batch.size()));
  }
  return errors;
}

void expectStable(const std::vector<double>& history) {
  int shrank = 0;
  for (std::size_t i = 1; i < history.size(); ++i) {
    EXPECT_LE(history[i] - history[i - 1], 0.1) << "batch " << i;
    if (history[i] < history[i - 1]) ++shrank;
  }
  EXPECT_GT(shrank, 1);
}

Batches linearBatches(const std::vector<double>& weights, int n = 10) {
  Batches input;
  for (int i = 0; i < n; ++i) input.push_back(generateLinearInput(0.0, weights, 100, 42 * (i + 1)));
  return input;
}

Batches logisticBatches(double scale, int n) {
  Batches input;
  for (int i = 0; i < n; ++i) input.push_back(generateLogisticInput(0.0, scale, 100, 42 * (i + 1)));
  return input;
}

// --- StreamingLinearRegressionSuite ---

TEST(MlStreamingLinearRegression, ParameterAccuracy) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0, 0.0}))
      .setStepSize(0.2)
      .setNumIterations(25)
      .setConvergenceTol(0.0001);  // as the suite does since convergenceTol exists
  train(model, linearBatches({10.0, 10.0}));
  auto latest = model.latestModel();
  EXPECT_NEAR(latest.intercept(), 0.0, 0.1);
  EXPECT_NEAR(latest.weights()(0), 10.0, 0.1);
  EXPECT_NEAR(latest.weights()(1), 10.0, 0.1);
  auto validation = generateLinearInput(0.0, {10.0, 10.0}, 100, 17);
  int off = 0;
  for (const auto& p : validation) off += std::abs(latest.predict(p.features) - p.label) > 0.5;
  EXPECT_LT(off, 100 / 5);
}

TEST(MlStreamingLinearRegression, ParameterConvergence) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0}))
      .setStepSize(0.2)
      .setNumIterations(25)
      .setConvergenceTol(0.0001);
  auto history = trainRecordingError(model, linearBatches({10.0}), 10.0);
  ASSERT_EQ(history.size(), 10u);
  expectStable(history);
}

TEST(MlStreamingLinearRegression, Predictions) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({10.0, 10.0})).setStepSize(0.2).setNumIterations(25);
  auto errors = meanErrors(model, linearBatches({10.0, 10.0}), false);
  ASSERT_EQ(errors.size(), 10u);
  for (double e : errors) EXPECT_LE(e, 0.1);
}

TEST(MlStreamingLinearRegression, TrainingAndPrediction) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0, 0.0})).setStepSize(0.2).setNumIterations(25);
  auto errors = meanErrors(model, linearBatches({10.0, 10.0}), true);
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_GT(errors.front() - errors.back(), 2.0);
}

TEST(MlStreamingLinearRegression, EmptyBatchesLeaveTheModel) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({1.0, 2.0})).setStepSize(0.2).setNumIterations(25);
  auto errors = meanErrors(model, Batches{}, true);
  EXPECT_EQ(errors, std::vector<double>(0));
  EXPECT_EQ(model.latestModel().weights(), Vectors::dense({1.0, 2.0}));
}

// --- StreamingLogisticRegressionSuite ---

TEST(MlStreamingLogisticRegression, ParameterAccuracy) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0})).setStepSize(0.2).setNumIterations(25);
  train(model, logisticBatches(1.5, 20));
  EXPECT_NEAR(model.latestModel().weights()(0), 1.5, 0.15);  // relTol 0.1
}

TEST(MlStreamingLogisticRegression, ParameterConvergence) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0})).setStepSize(0.2).setNumIterations(25);
  auto history = trainRecordingError(model, logisticBatches(1.5, 20), 1.5);
  ASSERT_EQ(history.size(), 20u);
  expectStable(history);
}

TEST(MlStreamingLogisticRegression, Predictions) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({1.5})).setStepSize(0.2).setNumIterations(25);
  auto errors = meanErrors(model, logisticBatches(1.5, 10), false);
  ASSERT_EQ(errors.size(), 10u);
  for (double e : errors) EXPECT_LE(e, 0.4);
}

TEST(MlStreamingLogisticRegression, TrainingAndPrediction) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({-0.1})).setStepSize(0.01).setNumIterations(10);
  auto errors = meanErrors(model, logisticBatches(5.0, 10), true);
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_GT(errors.front(), 0.8);
  EXPECT_LT(errors.back(), 0.2);
}

TEST(MlStreamingLogisticRegression, EmptyBatchesLeaveTheModel) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({-0.1})).setStepSize(0.01).setNumIterations(10);
  EXPECT_TRUE(meanErrors(model, Batches{}, true).empty());
  EXPECT_EQ(model.latestModel().weights(), Vectors::dense({-0.1}));
}

// --- SGD worked out by hand ---

TEST(MlGradientDescent, LeastSquaresStepsByHand) {
  ember::Engine engine("local[2]", "sgd");
  // Points (x = 1, y = 2) and (x = 3, y = 0), w0 = 0, step 1.
  // i = 1: gradients (0-2)*1 = -2 and (0-0)*3 = 0, mean -1; w = 0 - 1/1 * -1 = 1.
  // i = 2: (1-2)*1 = -1 and (3-0)*3 = 9, mean 4; w = 1 - 1/sqrt(2) * 4.
  auto data = engine.parallelize(
      std::vector<LabeledPoint>{{2.0, Vectors::dense({1.0})}, {0.0, Vectors::dense({3.0})}}, 2);
  auto r = GradientDescent::runMiniBatchSGD(data, ember::ml::Gradient::LeastSquares,
                                            ember::ml::Updater::Simple, 1.0, 2, 0.0, 1.0,
                                            Vectors::dense({0.0}), 0.0);
  EXPECT_NEAR(r.weights(0), 1.0 - 4.0 / std::sqrt(2.0), 1e-12);
  // Losses: mean of diff^2 / 2 at w = 0: (4 + 0) / 2 / 2 = 1; at w = 1: (1 + 9) / 2 / 2 = 2.5.
  EXPECT_EQ(r.lossHistory, (std::vector<double>{1.0, 2.5}));
  // No data: the initial weights, no losses.
  auto none = GradientDescent::runMiniBatchSGD(
      engine.parallelize(std::vector<LabeledPoint>{}, 2), ember::ml::Gradient::LeastSquares,
      ember::ml::Updater::Simple, 1.0, 5, 0.0, 1.0, Vectors::dense({3.0}));
  EXPECT_EQ(none.weights, Vectors::dense({3.0}));
  EXPECT_TRUE(none.lossHistory.empty());
  engine.stop();
}

TEST(MlGradientDescent, LogisticWithL2StepByHand) {
  ember::Engine engine("local[1]", "sgd");
  // One point x = 2, y = 1, w0 = 1, step 0.5, regParam 0.1, one iteration.
  // margin = -2; multiplier = 1 / (1 + e^-2) - 1; gradient = 2 * multiplier.
  // w = 1 * (1 - 0.5 * 0.1) - 0.5 * gradient.
  auto data = engine.parallelize(std::vector<LabeledPoint>{{1.0, Vectors::dense({2.0})}}, 1);
  auto r = GradientDescent::runMiniBatchSGD(data, ember::ml::Gradient::Logistic,
                                            ember::ml::Updater::SquaredL2, 0.5, 1, 0.1, 1.0,
                                            Vectors::dense({1.0}));
  double multiplier = 1.0 / (1.0 + std::exp(-2.0)) - 1.0;
  EXPECT_NEAR(r.weights(0), 0.95 - 0.5 * 2.0 * multiplier, 1e-12);
  // Loss: log(1 + e^-2) plus the initial regularization 0.1 / 2 * 1^2.
  ASSERT_EQ(r.lossHistory.size(), 1u);
  EXPECT_NEAR(r.lossHistory[0], std::log1p(std::exp(-2.0)) + 0.05, 1e-12);
  engine.stop();
}

TEST(MlGradientDescent, ConvergenceToleranceStopsEarly) {
  ember::Engine engine("local[2]", "sgd");
  auto points = generateLinearInput(0.0, {2.0}, 200, 5);
  auto data = engine.parallelize(points, 2);
  auto run = [&](double tol) {
    return GradientDescent::runMiniBatchSGD(data, ember::ml::Gradient::LeastSquares,
                                            ember::ml::Updater::Simple, 1.0, 500, 0.0, 1.0,
                                            Vectors::dense({0.0}), tol);
  };
  auto loose = run(0.01);
  auto none = run(0.0);
  EXPECT_LT(loose.lossHistory.size(), 100u);
  EXPECT_EQ(none.lossHistory.size(), 500u);
  // Stopping early leaves the weights short of where the full run gets.
  EXPECT_NEAR(none.weights(0), 2.0, 0.05);
  EXPECT_NEAR(loose.weights(0), 2.0, 0.3);
  EXPECT_GT(std::abs(loose.weights(0) - 2.0), std::abs(none.weights(0) - 2.0));
  engine.stop();
}

TEST(MlGradientDescent, MiniBatchSamplingIsSeededAndSized) {
  // Spark's Bernoulli sampler: gap sampling at fractions up to 0.4, a draw per element above.
  for (double fraction : {0.1, 0.4, 0.5, 0.9}) {
    auto a = ember::ml::detail::bernoulliSamplePositions(20000, fraction, 43, 1);
    auto b = ember::ml::detail::bernoulliSamplePositions(20000, fraction, 43, 1);
    auto c = ember::ml::detail::bernoulliSamplePositions(20000, fraction, 44, 1);
    auto d = ember::ml::detail::bernoulliSamplePositions(20000, fraction, 43, 0);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_NE(a, d);
    EXPECT_NEAR(static_cast<double>(a.size()) / 20000.0, fraction, 0.02) << fraction;
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  }
  EXPECT_EQ(ember::ml::detail::bernoulliSamplePositions(5, 1.0, 1, 0).size(), 5u);
  // Training with a fraction still learns, and the same seeds give the same weights.
  auto run = [] {
    StreamingLinearRegressionWithSGD model(0.2, 25, 0.5);
    model.setInitialWeights(Vectors::dense({0.0, 0.0}));
    train(model, linearBatches({10.0, 10.0}));
    return model.latestModel().weights();
  };
  Vector first = run();
  EXPECT_EQ(first, run());
  EXPECT_NEAR(first(0), 10.0, 0.5);
}

// --- the API ---

TEST(MlStreamingRegression, DefaultsAndSetters) {
  StreamingLinearRegressionWithSGD linear;
  EXPECT_EQ(linear.stepSize(), 0.1);
  EXPECT_EQ(linear.numIterations(), 50);
  EXPECT_EQ(linear.miniBatchFraction(), 1.0);
  EXPECT_EQ(linear.convergenceTol(), 0.001);
  StreamingLogisticRegressionWithSGD logistic;
  EXPECT_EQ(logistic.regParam(), 0.0);
  logistic.setRegParam(0.3).setConvergenceTol(0.5).setMiniBatchFraction(0.25);
  EXPECT_EQ(logistic.regParam(), 0.3);
  EXPECT_EQ(logistic.convergenceTol(), 0.5);
  EXPECT_EQ(logistic.miniBatchFraction(), 0.25);
  StreamingLogisticRegressionWithSGD four(0.5, 7, 0.5, 0.2);
  EXPECT_EQ(four.numIterations(), 7);
  EXPECT_EQ(four.regParam(), 0.2);
  logistic.setInitialWeights(Vectors::sparse(2, {1}, {1.0}));
  EXPECT_EQ(logistic.latestModel().weights().toString(), "[0.0,1.0]");
  EXPECT_EQ(logistic.latestModel().toString(),
            "LogisticRegressionModel: intercept = 0.0, numFeatures = 2, numClasses = 2, "
            "threshold = 0.5");
  EXPECT_EQ(linear.setInitialWeights(Vectors::dense({1.0})).latestModel().toString(),
            "LinearRegressionModel: intercept = 0.0, numFeatures = 1");
}

TEST(MlStreamingRegression, RefusesBadArguments) {
  StreamingLinearRegressionWithSGD m;
  auto message = [](auto f) {
    try {
      f();
    } catch (const IllegalArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message([&] { m.setStepSize(0.0); }),
              HasSubstr("Initial step size must be positive but got 0.0"));
  EXPECT_THAT(message([&] { m.setNumIterations(-1); }),
              HasSubstr("Number of iterations must be nonnegative but got -1"));
  EXPECT_THAT(message([&] { m.setMiniBatchFraction(1.5); }),
              HasSubstr("Fraction for mini-batch SGD must be in range (0, 1] but got 1.5"));
  EXPECT_THAT(message([&] { m.setConvergenceTol(2.0); }),
              HasSubstr("Convergence tolerance must be in range [0, 1] but got 2.0"));
  EXPECT_THAT(message([] { StreamingLogisticRegressionWithSGD().setRegParam(-1.0); }),
              HasSubstr("Regularization parameter must be nonnegative but got -1.0"));
}

TEST(MlStreamingRegression, InitialWeightsAreRequired) {
  StreamingLinearRegressionWithSGD model;
  EXPECT_THROW(model.latestModel(), ember::IllegalStateError);
  ember::StreamingContext ssc(ember::testing::detail::testConf(), ember::Seconds(1));
  auto stream = ember::testing::detail::testInput<LabeledPoint>(ssc, {}, 1);
  try {
    model.trainOn(stream);
    FAIL();
  } catch (const IllegalArgumentError& e) {
    EXPECT_STREQ(e.what(), "Model must be initialized before starting training.");
  }
  auto vectors = ember::testing::detail::testInput<Vector>(ssc, {}, 1);
  EXPECT_THROW(model.predictOn(vectors), IllegalArgumentError);
}

TEST(MlStreamingRegression, FeatureCountMismatchFailsTheBatch) {
  StreamingLinearRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0, 0.0}));
  try {
    train(model, {{LabeledPoint(1.0, Vectors::dense({1.0, 2.0, 3.0}))}});
    FAIL() << "3 features against 2 weights were accepted";
  } catch (const ember::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("3 features but the model has 2 weights"));
  }
  EXPECT_THROW(model.latestModel().predict(Vectors::dense({1.0})), IllegalArgumentError);
}

TEST(MlStreamingRegression, LogisticRefusesLabelsOtherThanZeroAndOne) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({0.0}));
  try {
    train(model,
          {{LabeledPoint(2.0, Vectors::dense({1.0})), LabeledPoint(1.0, Vectors::dense({1.0}))}});
    FAIL();
  } catch (const ember::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("labels should be 0 or 1. Found 1 invalid labels"));
  }
}

TEST(MlStreamingRegression, PredictOnAndThresholds) {
  StreamingLogisticRegressionWithSGD model;
  model.setInitialWeights(Vectors::dense({1.0, -1.0}));
  auto out = ember::testing::runOperation(
      std::vector<std::vector<Vector>>{{Vectors::dense({2.0, 1.0}), Vectors::dense({0.0, 3.0})}},
      [&](const ember::DStream<Vector>& s) { return model.predictOn(s); }, 1);
  EXPECT_EQ(out[0], (std::vector<double>{1.0, 0.0}));
  auto m = model.latestModel();
  m.clearThreshold();
  EXPECT_NEAR(m.predict(Vectors::dense({2.0, 1.0})), 1.0 / (1.0 + std::exp(-1.0)), 1e-15);
  m.setThreshold(0.8);
  EXPECT_EQ(m.predict(Vectors::dense({2.0, 1.0})), 0.0);
  StreamingLinearRegressionWithSGD linear;
  linear.setInitialWeights(Vectors::dense({2.0, 0.5}));
  EXPECT_EQ(linear.latestModel().predict(Vectors::sparse(2, {1}, {4.0})), 2.0);
}

}  // namespace
