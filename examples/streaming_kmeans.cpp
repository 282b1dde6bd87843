// Spark's StreamingKMeansExample: k-means trained on vectors arriving as text files in one
// directory, predicting the cluster of labeled points arriving in another. Training files hold
// one vector a line, `[x1,x2,...]`; test files one labeled point a line, `(label,[x1,x2,...])`.
// For each test point it prints (label, cluster index). Files must appear atomically (write
// elsewhere, then rename into the directory); files present at start are ignored.
//
//   streaming_kmeans TRAINING_DIR TEST_DIR BATCH_SECONDS NUM_CLUSTERS NUM_DIMENSIONS
//                    [--seed S] [--seconds N]
//   streaming_kmeans --help

#include <iostream>
#include <string>
#include <utility>

#include "ember/ember.hpp"
#include "ember/ml.hpp"
#include "example_args.hpp"

namespace {
constexpr const char* kUsage =
    "usage: streaming_kmeans TRAINING_DIR TEST_DIR BATCH_SECONDS NUM_CLUSTERS NUM_DIMENSIONS\n"
    "                        [--seed S] [--seconds N]\n"
    "  TRAINING_DIR    move files of vectors, one [x1,x2,...] a line, into it to train\n"
    "  TEST_DIR        move files of labeled points, one (label,[x1,x2,...]) a line, into it\n"
    "  BATCH_SECONDS   the batch interval\n"
    "  NUM_CLUSTERS    k\n"
    "  NUM_DIMENSIONS  the vectors' dimension (the random initial centers have it)\n"
    "  --seed S        the seed of the random initial centers (default: random)\n"
    "  --seconds N     stop after N seconds (default: run until killed)\n";

int usage(const std::string& error) {
  return ember::examples::printUsage("streaming_kmeans", kUsage, error);
}
}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error, {"seed"});
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  if (args->positional.size() != 5) return usage("expected five arguments");
  auto batch = ember::examples::parseInteger(args->positional[2]);
  auto k = ember::examples::parseInteger(args->positional[3]);
  auto dim = ember::examples::parseInteger(args->positional[4]);
  if (!batch || *batch <= 0) return usage("BATCH_SECONDS must be a positive whole number");
  if (!k || !dim) return usage("NUM_CLUSTERS and NUM_DIMENSIONS must be whole numbers");

  ember::StreamingContext ssc("local[2]", "StreamingKMeansExample", ember::Seconds(*batch));
  try {
    auto trainingData = ssc.textFileStream(args->positional[0]).map([](const std::string& line) {
      return ember::ml::Vectors::parse(line);
    });
    auto testData = ssc.textFileStream(args->positional[1]).map([](const std::string& line) {
      return ember::ml::LabeledPoint::parse(line);
    });

    ember::ml::StreamingKMeans model;
    model.setK(static_cast<int>(*k)).setDecayFactor(1.0);
    if (args->numbers.count("seed")) {
      model.setRandomCenters(static_cast<int>(*dim), 0.0, args->number("seed", 0));
    } else {
      model.setRandomCenters(static_cast<int>(*dim), 0.0);
    }

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
