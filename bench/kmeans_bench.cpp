// StreamingKMeans throughput at k = 10, dimension 10: points per second of the per-batch update
// (assign every point to its nearest center, sum per cluster, move the centers with decay)
// through ember's paths, against a hand-written single-threaded Eigen loop doing the same update
// on the same points (the baseline), all measured in one run.
//
// Variants:
//   eigen-loop          the baseline: points in one contiguous row-major matrix
//   eigen-loop-vectors  the same loop over the points as ember::ml::Vector objects (one heap
//                       array each), to show what the element layout costs by itself
//   eigen-loop-copies   the same with a copy of each Vector first, as the engine's actions take
//                       the elements of a dataset that keeps them (parallelized or cached)
//   update-local1/2     StreamingKMeansModel::update on each batch's Rdd (1 or 2 partitions)
//   trainOn-local2      StreamingKMeans::trainOn over a queueStream on a manual clock, local[2]
//
// Every variant's final centers and weights are compared with the baseline's; a difference
// larger than rounding fails the run. Variants run round robin for --reps rounds; the best is
// reported.
//
// Usage: kmeans_bench [--points=1000000] [--batches=10] [--reps=3] [--k=10] [--dim=10]
//                     [--seed=N]

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ember/ember.hpp>
#include <ember/ml.hpp>

#include "bench_args.hpp"

namespace {

using ember::ml::StreamingKMeansModel;
using ember::ml::Vector;
using ember::ml::Vectors;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kDecay = 0.9;

struct Options {
  long points = 1'000'000;
  int batches = 10;
  int reps = 3;
  int k = 10;
  int dim = 10;
  std::int64_t seed = 20261202;
};

struct Input {
  RowMatrix matrix;                          // every point, one row each
  std::vector<std::vector<Vector>> batches;  // the same points as Vectors, cut into batches
  std::vector<long> batch_begin;             // row of each batch's first point, then the end
  std::vector<Vector> initial_centers;
};

Input generate(const Options& o) {
  ember::ml::XORShiftRandom rng(o.seed);
  std::vector<std::vector<double>> centers(static_cast<std::size_t>(o.k));
  for (auto& c : centers) {
    for (int i = 0; i < o.dim; ++i) c.push_back(5.0 * rng.nextGaussian());
  }
  Input in;
  in.matrix.resize(o.points, o.dim);
  for (long p = 0; p < o.points; ++p) {
    const auto& c = centers[static_cast<std::size_t>(p % o.k)];
    for (int i = 0; i < o.dim; ++i)
      in.matrix(p, i) = c[static_cast<std::size_t>(i)] + rng.nextGaussian();
  }
  for (int b = 0; b <= o.batches; ++b) in.batch_begin.push_back(o.points * b / o.batches);
  for (int b = 0; b < o.batches; ++b) {
    std::vector<Vector> batch;
    for (long p = in.batch_begin[static_cast<std::size_t>(b)];
         p < in.batch_begin[static_cast<std::size_t>(b) + 1]; ++p) {
      batch.push_back(Vectors::dense(
          std::vector<double>(in.matrix.row(p).data(), in.matrix.row(p).data() + o.dim)));
    }
    in.batches.push_back(std::move(batch));
  }
  // The first k points start the centers (one from each cluster), each of weight 1: every
  // variant then makes the same assignments, whatever order it sums in.
  for (int j = 0; j < o.k; ++j)
    in.initial_centers.push_back(in.batches[0][static_cast<std::size_t>(j)]);
  return in;
}

/// Centers (k rows) and weights after all batches.
struct Result {
  RowMatrix centers;
  std::vector<double> weights;
};

// ---- The baseline: Spark's update rule written out over an Eigen matrix --------------------

/// `point(r)` is the r-th point of the batch as something Eigen can subtract from a row.
template <class PointAt>
void updateBatch(RowMatrix& centers, std::vector<double>& weights, long n, PointAt point) {
  const auto k = centers.rows();
  RowMatrix sums = RowMatrix::Zero(k, centers.cols());
  std::vector<long> counts(static_cast<std::size_t>(k), 0);
  for (long r = 0; r < n; ++r) {
    auto p = point(r);
    Eigen::Index best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < k; ++j) {
      double d = (centers.row(j) - p).squaredNorm();
      if (d < best_distance) {
        best_distance = d;
        best = j;
      }
    }
    sums.row(best) += p;
    ++counts[static_cast<std::size_t>(best)];
  }
  for (double& w : weights) w *= kDecay;
  for (Eigen::Index j = 0; j < k; ++j) {
    long m = counts[static_cast<std::size_t>(j)];
    if (m == 0) continue;
    double updated = weights[static_cast<std::size_t>(j)] + static_cast<double>(m);
    double lambda = static_cast<double>(m) / std::max(updated, 1e-16);
    weights[static_cast<std::size_t>(j)] = updated;
    centers.row(j) =
        centers.row(j) * (1.0 - lambda) + sums.row(j) * (lambda / static_cast<double>(m));
  }
  // A dying cluster takes half of the largest one.
  auto max_it = std::max_element(weights.begin(), weights.end());
  auto min_it = std::min_element(weights.begin(), weights.end());
  if (*min_it < 1e-8 * *max_it) {
    auto largest = max_it - weights.begin();
    auto smallest = min_it - weights.begin();
    double weight = (*max_it + *min_it) / 2.0;
    *max_it = weight;
    *min_it = weight;
    for (Eigen::Index i = 0; i < centers.cols(); ++i) {
      double x = centers(largest, i);
      double p = 1e-14 * std::max(std::abs(x), 1.0);
      centers(largest, i) = x + p;
      centers(smallest, i) = x - p;
    }
  }
}

Result initialResult(const Input& in) {
  Result r;
  r.centers.resize(static_cast<Eigen::Index>(in.initial_centers.size()), in.matrix.cols());
  for (std::size_t j = 0; j < in.initial_centers.size(); ++j) {
    for (int i = 0; i < in.initial_centers[j].size(); ++i) {
      r.centers(static_cast<Eigen::Index>(j), i) = in.initial_centers[j](i);
    }
  }
  r.weights.assign(in.initial_centers.size(), 1.0);
  return r;
}

Result eigenLoop(const Input& in) {
  Result r = initialResult(in);
  for (std::size_t b = 0; b + 1 < in.batch_begin.size(); ++b) {
    long first = in.batch_begin[b];
    updateBatch(r.centers, r.weights, in.batch_begin[b + 1] - first,
                [&](long row) { return in.matrix.row(first + row); });
  }
  return r;
}

Result eigenLoopVectors(const Input& in) {
  Result r = initialResult(in);
  const auto dim = in.matrix.cols();
  for (const auto& batch : in.batches) {
    updateBatch(r.centers, r.weights, static_cast<long>(batch.size()), [&](long row) {
      return Eigen::Map<const Eigen::RowVectorXd>(
          batch[static_cast<std::size_t>(row)].values().data(), dim);
    });
  }
  return r;
}

/// The loop over Vectors with a copy of each first, as the engine's actions make of elements a
/// dataset keeps (a parallelized or cached partition): what that copy costs.
Result eigenLoopCopies(const Input& in) {
  Result r = initialResult(in);
  const auto dim = in.matrix.cols();
  Vector copy;
  for (const auto& batch : in.batches) {
    updateBatch(r.centers, r.weights, static_cast<long>(batch.size()), [&](long row) {
      copy = batch[static_cast<std::size_t>(row)];
      Vector fresh = copy;  // a new heap array per point, as a copied element has
      copy = std::move(fresh);
      return Eigen::Map<const Eigen::RowVectorXd>(copy.values().data(), dim);
    });
  }
  return r;
}

// ---- ember's paths ------------------------------------------------------------------------

Result fromModel(const StreamingKMeansModel& model) {
  Result r;
  auto centers = model.clusterCenters();
  r.centers.resize(model.k(), model.dimension());
  for (int j = 0; j < model.k(); ++j) {
    for (int i = 0; i < model.dimension(); ++i) {
      r.centers(j, i) = centers[static_cast<std::size_t>(j)](i);
    }
  }
  r.weights = model.clusterWeights();
  return r;
}

/// The batches' RDDs are built before the clock starts; only the updates are timed.
Result modelUpdate(const Input& in, int threads, double& seconds) {
  ember::Engine engine("local[" + std::to_string(threads) + "]", "kmeans-bench");
  std::vector<ember::Rdd<Vector>> rdds;
  for (const auto& batch : in.batches) rdds.push_back(engine.parallelize(batch, threads));
  StreamingKMeansModel model(in.initial_centers,
                             std::vector<double>(in.initial_centers.size(), 1.0));
  auto start = std::chrono::steady_clock::now();
  for (const auto& rdd : rdds) model = model.update(rdd, kDecay, "batches");
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  engine.stop();
  return fromModel(model);
}

Result trainOn(const Input& in, double& seconds) {
  constexpr std::int64_t kBatchMs = 1000;
  ember::Conf conf;
  conf.setMaster("local[2]")
      .setAppName("kmeans-stream")
      .set("spark.streaming.clock", "ManualClock");
  ember::StreamingContext ssc(conf, ember::Milliseconds(kBatchMs));
  auto engine = ssc.sparkContext();
  auto queue = std::make_shared<ember::RddQueue<Vector>>();
  for (const auto& batch : in.batches) queue->push(engine.parallelize(batch, 2));
  ember::ml::StreamingKMeans km(static_cast<int>(in.initial_centers.size()), kDecay, "batches");
  km.setInitialCenters(in.initial_centers, std::vector<double>(in.initial_centers.size(), 1.0));
  km.trainOn(ssc.queueStream(queue));
  auto& clock = dynamic_cast<ember::ManualClock&>(ssc.clock());
  auto start = std::chrono::steady_clock::now();
  ssc.start();
  for (std::size_t b = 1; b <= in.batches.size(); ++b) {
    clock.advance(kBatchMs);
    if (!ssc.core().awaitBatchProcessed(ember::Time(static_cast<std::int64_t>(b) * kBatchMs),
                                        600'000)) {
      ember::bench::failRun("kmeans_bench", "trainOn: a batch was not processed in 10 minutes");
    }
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (auto error = ssc.core().firstError()) std::rethrow_exception(error);
  ssc.stop();
  return fromModel(km.latestModel());
}

void check(const std::string& name, const Result& got, const Result& want) {
  double scale = std::max(1.0, want.centers.cwiseAbs().maxCoeff());
  double diff = (got.centers - want.centers).cwiseAbs().maxCoeff();
  double weight_diff = 0.0;
  for (std::size_t j = 0; j < want.weights.size(); ++j) {
    weight_diff = std::max(weight_diff, std::abs(got.weights[j] - want.weights[j]));
  }
  if (!(diff <= 1e-9 * scale) || !(weight_diff <= 1e-9 * std::max(1.0, want.weights[0]))) {
    ember::bench::failRun("kmeans_bench", name + ": centers differ from the baseline's by " +
                                              std::to_string(diff) + ", weights by " +
                                              std::to_string(weight_diff));
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto number = [&](const char* name) -> std::optional<long> {
      auto v = ember::bench::optionValue(arg, name);
      if (!v) return std::nullopt;
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (end == v->c_str() || *end != '\0' || n <= 0) {
        ember::bench::failRun("kmeans_bench",
                              std::string("--") + name + " needs a positive whole number");
      }
      return n;
    };
    if (auto v = number("points")) {
      o.points = *v;
    } else if (auto v = number("batches")) {
      o.batches = static_cast<int>(*v);
    } else if (auto v = number("reps")) {
      o.reps = static_cast<int>(*v);
    } else if (auto v = number("k")) {
      o.k = static_cast<int>(*v);
    } else if (auto v = number("dim")) {
      o.dim = static_cast<int>(*v);
    } else if (auto v = number("seed")) {
      o.seed = *v;
    } else {
      ember::bench::failRun("kmeans_bench", "unknown argument " + std::string(arg));
    }
  }
  if (o.points < o.batches) ember::bench::failRun("kmeans_bench", "--points must be >= --batches");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::printf(
      "StreamingKMeans update: %ld points, dimension %d, k = %d, %d batches, decay %.1f\n\n",
      o.points, o.dim, o.k, o.batches, kDecay);
  Input in = generate(o);

  struct Variant {
    std::string name;
    std::function<Result(double&)> run;
    double best = std::numeric_limits<double>::infinity();
  };
  auto timed = [](auto f) {
    return [f](double& seconds) {
      auto start = std::chrono::steady_clock::now();
      Result r = f();
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return r;
    };
  };
  std::vector<Variant> variants = {
      {"eigen-loop", timed([&] { return eigenLoop(in); })},
      {"eigen-loop-vectors", timed([&] { return eigenLoopVectors(in); })},
      {"eigen-loop-copies", timed([&] { return eigenLoopCopies(in); })},
      {"update-local1", [&](double& s) { return modelUpdate(in, 1, s); }},
      {"update-local2", [&](double& s) { return modelUpdate(in, 2, s); }},
      {"trainOn-local2", [&](double& s) { return trainOn(in, s); }},
  };
  Result baseline = eigenLoop(in);
  for (int rep = 0; rep < o.reps; ++rep) {
    for (auto& v : variants) {
      double seconds = 0.0;
      Result r = v.run(seconds);
      check(v.name, r, baseline);
      v.best = std::min(v.best, seconds);
    }
  }
  std::printf("%-20s %12s %14s %10s\n", "variant", "best s", "points/s", "vs loop");
  for (const auto& v : variants) {
    std::printf("%-20s %12.4f %14.0f %9.2fx\n", v.name.c_str(), v.best,
                static_cast<double>(o.points) / v.best, variants.front().best / v.best);
  }
  return 0;
}
