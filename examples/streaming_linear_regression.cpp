// Spark's StreamingLinearRegressionExample: linear regression on three features, trained by SGD
// on labeled points arriving as text files in one directory and predicting those arriving in
// another, one `(label,[x1,x2,x3])` a line. For each test point it prints (label, prediction).
// Files must appear atomically (write elsewhere, then rename into the directory); files present
// at start are ignored.
//
//   streaming_linear_regression TRAINING_DIR TEST_DIR [--seconds N]
//   streaming_linear_regression --help

#include <iostream>
#include <string>
#include <utility>

#include "ember/ember.hpp"
#include "ember/ml.hpp"
#include "example_args.hpp"

namespace {
constexpr const char* kUsage =
    "usage: streaming_linear_regression TRAINING_DIR TEST_DIR [--seconds N]\n"
    "  TRAINING_DIR  move files of labeled points, one (label,[x1,x2,x3]) a line, into it\n"
    "  TEST_DIR      move files of labeled points to predict into it\n"
    "  --seconds N   stop after N seconds (default: run until killed)\n";

int usage(const std::string& error) {
  return ember::examples::printUsage("streaming_linear_regression", kUsage, error);
}
}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error);
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 2) return usage("expected two directories");

  ember::StreamingContext ssc("local[2]", "StreamingLinearRegressionExample", ember::Seconds(1));
  try {
    auto parse = [](const std::string& line) { return ember::ml::LabeledPoint::parse(line); };
    auto trainingData = ssc.textFileStream(args->positional[0]).map(parse);
    trainingData.cache();
    auto testData = ssc.textFileStream(args->positional[1]).map(parse);

    const int numFeatures = 3;
    ember::ml::StreamingLinearRegressionWithSGD model;
    model.setInitialWeights(ember::ml::Vectors::zeros(numFeatures));

    model.trainOn(trainingData);
    ember::DStream<std::pair<double, ember::ml::Vector>> keyed =
        testData.map([](ember::ml::LabeledPoint lp) {
          return std::pair{lp.label, std::move(lp.features)};
        });
    model.predictOnValues(keyed).print();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
