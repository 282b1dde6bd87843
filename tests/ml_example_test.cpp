// The streaming MLlib examples, run as processes on files moved into their directories: what
// they print is checked against the data they were given. Synchronisation is by blocking reads of
// their output (each run ends by itself after --seconds).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ember/ember.hpp"
#include "ember/ml.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

#ifdef STREAMING_KMEANS_BIN
constexpr bool kHaveExamples = true;
#else
constexpr bool kHaveExamples = false;
#define STREAMING_KMEANS_BIN ""
#define STREAMING_LINEAR_REGRESSION_BIN ""
#endif

#define SKIP_WITHOUT_EXAMPLES() \
  if (!kHaveExamples) GTEST_SKIP() << "examples not built (EMBER_BUILD_EXAMPLES=OFF)"

/// A running program whose standard output is read line by line.
class Process {
 public:
  explicit Process(const std::string& command) : pipe_(::popen(command.c_str(), "r")) {
    EXPECT_NE(pipe_, nullptr) << command;
  }
  ~Process() {
    if (pipe_ != nullptr) ::pclose(pipe_);
  }
  bool readLine(std::string& line) {
    line.clear();
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe_) != nullptr) {
      line += buffer;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        return true;
      }
    }
    return !line.empty();
  }
  /// Reads (and keeps) lines until `count` more batch headers went by; false at the end.
  bool skipBatches(int count, std::vector<std::string>& kept) {
    std::string line;
    while (count > 0 && readLine(line)) {
      kept.push_back(line);
      if (line.rfind("Time: ", 0) == 0) --count;
    }
    return count == 0;
  }
  int finish(std::vector<std::string>& lines) {
    std::string line;
    while (readLine(line)) lines.push_back(line);
    int status = ::pclose(pipe_);
    pipe_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  FILE* pipe_;
};

/// Writes `text` beside `dir` and renames it in, so that the stream sees the whole file at once.
void moveIn(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path staged = dir.parent_path() / (name + ".staged");
  { std::ofstream(staged) << text; }
  fs::rename(staged, dir / name);
}

/// The printed records "(a,b)" as pairs of numbers.
std::vector<std::pair<double, double>> records(const std::vector<std::string>& lines) {
  std::vector<std::pair<double, double>> out;
  for (const std::string& line : lines) {
    double a = 0.0;
    double b = 0.0;
    if (line.size() > 2 && line.front() == '(' &&
        std::sscanf(line.c_str(), "(%lf,%lf)", &a, &b) == 2) {
      out.emplace_back(a, b);
    }
  }
  return out;
}

/// Run a process on the training text, then, once it trained, on the test text; all it printed.
std::vector<std::string> runOnFiles(const std::string& command, const ember_test::TempDir& root,
                                    const std::string& training, const std::string& test) {
  Process p(command);
  std::vector<std::string> lines;
  EXPECT_TRUE(p.skipBatches(1, lines)) << "no batch printed";
  moveIn(root / "train", "train.txt", training);
  // The batch that takes the file trains before it prints; two headers later it has.
  EXPECT_TRUE(p.skipBatches(2, lines));
  moveIn(root / "test", "test.txt", test);
  std::vector<std::string> rest;
  EXPECT_EQ(p.finish(rest), 0);
  lines.insert(lines.end(), rest.begin(), rest.end());
  return lines;
}

TEST(StreamingKMeansExample, TrainsOnOneDirectoryAndPredictsTheOther) {
  SKIP_WITHOUT_EXAMPLES();
  ember_test::TempDir root("ember_streaming_kmeans");
  fs::create_directory(root / "train");
  fs::create_directory(root / "test");
  // Two clusters, around (-10, -10) and (10, 10).
  std::string training;
  for (int i = 0; i < 40; ++i) {
    double c = i % 2 ? 10.0 : -10.0;
    double jitter = (i % 7 - 3) * 0.1;
    training += ember::ml::Vectors::dense({c + jitter, c - jitter}).toString() + "\n";
  }
  std::string test =
      "(0.0,[-9.5,-10.2])\n(1.0,[10.3,9.9])\n(0.0,[-10.0,-10.0])\n(1.0,[9.0,11.0])\n";
  auto lines =
      runOnFiles(std::string(STREAMING_KMEANS_BIN) + " " + (root / "train").string() + " " +
                     (root / "test").string() + " 1 2 2 --seed 5 --seconds 7 2>/dev/null",
                 root, training, test);
  auto predictions = records(lines);
  ASSERT_EQ(predictions.size(), 4u) << ::testing::PrintToString(lines);
  std::map<double, std::set<double>> clusters_of_label;
  for (auto [label, cluster] : predictions) {
    EXPECT_TRUE(cluster == 0.0 || cluster == 1.0) << cluster;
    clusters_of_label[label].insert(cluster);
  }
  ASSERT_EQ(clusters_of_label[0.0].size(), 1u);
  ASSERT_EQ(clusters_of_label[1.0].size(), 1u);
  EXPECT_NE(*clusters_of_label[0.0].begin(), *clusters_of_label[1.0].begin());
}

TEST(StreamingKMeansExample, RefusesBadArguments) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(STREAMING_KMEANS_BIN) + " a b 1 2 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("expected five arguments"));
  EXPECT_THAT(lines[1], HasSubstr("usage: streaming_kmeans TRAINING_DIR TEST_DIR"));
  Process zero(std::string(STREAMING_KMEANS_BIN) + " a b 1 0 2 2>&1");
  std::vector<std::string> zero_lines;
  EXPECT_EQ(zero.finish(zero_lines), 2);
  ASSERT_FALSE(zero_lines.empty());
  EXPECT_THAT(zero_lines[0], HasSubstr("Number of clusters must be positive but got 0"));
}

TEST(StreamingLinearRegressionExample, PredictsWithWhatItLearned) {
  SKIP_WITHOUT_EXAMPLES();
  ember_test::TempDir root("ember_streaming_lr");
  fs::create_directory(root / "train");
  fs::create_directory(root / "test");
  // y = x1 + 2 x2 + 3 x3 on a grid of [-1, 1]^3.
  auto point = [](double a, double b, double c) {
    return ember::ml::LabeledPoint(a + 2 * b + 3 * c, ember::ml::Vectors::dense({a, b, c}))
               .toString() +
           "\n";
  };
  std::string training;
  std::vector<ember::ml::LabeledPoint> points;
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 5; ++j) {
      for (int k = 0; k < 5; ++k) {
        training += point(i * 0.5 - 1, j * 0.5 - 1, k * 0.5 - 1);
        points.push_back(ember::ml::LabeledPoint::parse(training.substr(training.rfind('('))));
      }
    }
  }
  std::string test = point(1, 1, 1) + point(-1, 0.5, 0) + point(0.2, -0.4, 0.9);
  auto lines =
      runOnFiles(std::string(STREAMING_LINEAR_REGRESSION_BIN) + " " + (root / "train").string() +
                     " " + (root / "test").string() + " --seconds 6 2>/dev/null",
                 root, training, test);
  auto predictions = records(lines);
  ASSERT_EQ(predictions.size(), 3u) << ::testing::PrintToString(lines);
  EXPECT_EQ(predictions[0].first, 6.0);
  EXPECT_EQ(predictions[1].first, 0.0);
  // The model is what one batch of SGD with the defaults (stepSize 0.1, 50 iterations,
  // convergenceTol 0.001) makes of the training file from zero weights.
  ember::Engine engine("local[1]", "expected");
  auto expected = ember::ml::GradientDescent::runMiniBatchSGD(
      engine.parallelize(points, 1), ember::ml::Gradient::LeastSquares, ember::ml::Updater::Simple,
      0.1, 50, 0.0, 1.0, ember::ml::Vectors::zeros(3), 0.001);
  engine.stop();
  std::vector<ember::ml::Vector> features = {ember::ml::Vectors::dense({1, 1, 1}),
                                             ember::ml::Vectors::dense({-1, 0.5, 0}),
                                             ember::ml::Vectors::dense({0.2, -0.4, 0.9})};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(predictions[i].second, ember::ml::Vectors::dot(expected.weights, features[i]), 1e-9)
        << i;
  }
  // And it learned: nearer the labels than the zero weights' predictions.
  EXPECT_GT(predictions[0].second, 2.0);
}

TEST(StreamingLinearRegressionExample, NeedsTwoDirectories) {
  SKIP_WITHOUT_EXAMPLES();
  Process p(std::string(STREAMING_LINEAR_REGRESSION_BIN) + " only_one 2>&1");
  std::vector<std::string> lines;
  EXPECT_EQ(p.finish(lines), 2);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("expected two directories"));
  EXPECT_THAT(lines[1], HasSubstr("usage: streaming_linear_regression TRAINING_DIR TEST_DIR"));
}

}  // namespace
