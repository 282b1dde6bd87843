#include "ember/ml/streaming_kmeans_model.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/ops/actions.hpp"
#include "ember/core/ops/map.hpp"
#include "ember/core/show.hpp"

namespace ember::ml {
namespace {

using ConstRowMap = Eigen::Map<const Eigen::RowVectorXd>;
using RowMap = Eigen::Map<Eigen::RowVectorXd>;

[[noreturn]] void throwPointDimension(int point, int model) {
  throw IllegalArgumentError("StreamingKMeans: a point of dimension " + std::to_string(point) +
                             " cannot be compared with cluster centers of dimension " +
                             std::to_string(model));
}

/// The index of the nearest of k centers (rows of `centers`) to a dense point; the first on a
/// tie, as Spark's findClosest.
int nearestDense(const double* centers, int k, int dim, const double* point, double* distance) {
  ConstRowMap p(point, dim);
  int best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (int j = 0; j < k; ++j) {
    double d = (ConstRowMap(centers + static_cast<std::ptrdiff_t>(j) * dim, dim) - p).squaredNorm();
    if (d < best_distance) {
      best_distance = d;
      best = j;
    }
  }
  if (distance != nullptr) *distance = best_distance;
  return best;
}

/// A sparse point: |c|^2 - 2 c.p + |p|^2, clamped at 0 against rounding.
int nearestSparse(const std::vector<double>& centers, const std::vector<double>& norms, int k,
                  int dim, const Vector& point, double* distance) {
  double point_norm = 0.0;
  for (double x : point.values()) point_norm += x * x;
  int best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (int j = 0; j < k; ++j) {
    const double* c = centers.data() + static_cast<std::ptrdiff_t>(j) * dim;
    double dot = 0.0;
    point.foreachActive([&](int i, double x) { dot += x * c[i]; });
    double d = std::max(0.0, norms[static_cast<std::size_t>(j)] - 2.0 * dot + point_norm);
    if (d < best_distance) {
      best_distance = d;
      best = j;
    }
  }
  if (distance != nullptr) *distance = best_distance;
  return best;
}

}  // namespace

StreamingKMeansModel::StreamingKMeansModel(const std::vector<Vector>& clusterCenters,
                                           std::vector<double> clusterWeights) {
  if (clusterCenters.empty()) {
    throw IllegalArgumentError("StreamingKMeansModel needs at least one cluster center");
  }
  if (clusterCenters.size() != clusterWeights.size()) {
    throw IllegalArgumentError(
        "Number of initial centers must be equal to number of weights, got " +
        std::to_string(clusterCenters.size()) + " centers and " +
        std::to_string(clusterWeights.size()) + " weights");
  }
  dim_ = clusterCenters.front().size();
  if (dim_ <= 0) throw IllegalArgumentError("Cluster centers must have a positive dimension");
  for (const Vector& c : clusterCenters) {
    if (c.size() != dim_) {
      throw IllegalArgumentError("Cluster centers must all have one dimension, got " +
                                 std::to_string(dim_) + " and " + std::to_string(c.size()));
    }
    std::vector<double> values = c.toArray();
    centers_.insert(centers_.end(), values.begin(), values.end());
  }
  for (double w : clusterWeights) {
    if (!(w >= 0.0)) {
      std::string all;
      for (double x : clusterWeights) {
        if (!all.empty()) all += ' ';
        ember::detail::appendJavaDouble(all, x);
      }
      throw IllegalArgumentError("Weight for each initial center must be nonnegative but got [" +
                                 all + "]");
    }
  }
  weights_ = std::move(clusterWeights);
  center_norms_.resize(weights_.size());
  for (int j = 0; j < k(); ++j) {
    center_norms_[static_cast<std::size_t>(j)] =
        ConstRowMap(centers_.data() + static_cast<std::ptrdiff_t>(j) * dim_, dim_).squaredNorm();
  }
}

std::vector<Vector> StreamingKMeansModel::clusterCenters() const {
  std::vector<Vector> out;
  out.reserve(weights_.size());
  for (int j = 0; j < k(); ++j) {
    auto first = centers_.begin() + static_cast<std::ptrdiff_t>(j) * dim_;
    out.push_back(Vectors::dense(std::vector<double>(first, first + dim_)));
  }
  return out;
}

int StreamingKMeansModel::predict(const Vector& point) const {
  if (point.size() != dim_) throwPointDimension(point.size(), dim_);
  if (point.isSparse()) return nearestSparse(centers_, center_norms_, k(), dim_, point, nullptr);
  return nearestDense(centers_.data(), k(), dim_, point.values().data(), nullptr);
}

Rdd<int> StreamingKMeansModel::predict(const Rdd<Vector>& points) const {
  StreamingKMeansModel model = *this;
  return points.mapPartitions([model](std::vector<Vector>&& data) {
    std::vector<int> out;
    out.reserve(data.size());
    for (const Vector& p : data) out.push_back(model.predict(p));
    return out;
  });
}

double StreamingKMeansModel::computeCost(const Rdd<Vector>& points) const {
  const StreamingKMeansModel* model = this;  // aggregate runs to completion before returning
  return points.aggregate(
      0.0,
      [model](double acc, const Vector& p) {
        if (p.size() != model->dim_) throwPointDimension(p.size(), model->dim_);
        double d = 0.0;
        if (p.isSparse()) {
          nearestSparse(model->centers_, model->center_norms_, model->k(), model->dim_, p, &d);
        } else {
          nearestDense(model->centers_.data(), model->k(), model->dim_, p.values().data(), &d);
        }
        return acc + d;
      },
      [](double a, double b) { return a + b; });
}

void StreamingKMeansModel::accumulate(BatchStats& stats, const Vector& point) const {
  if (point.size() != dim_) throwPointDimension(point.size(), dim_);
  double* sums = stats.sums.data();
  if (point.isSparse()) {
    int j = nearestSparse(centers_, center_norms_, k(), dim_, point, nullptr);
    double* row = sums + static_cast<std::ptrdiff_t>(j) * dim_;
    point.foreachActive([&](int i, double x) { row[i] += x; });
    ++stats.counts[static_cast<std::size_t>(j)];
    return;
  }
  const double* p = point.values().data();
  int j = nearestDense(centers_.data(), k(), dim_, p, nullptr);
  RowMap(sums + static_cast<std::ptrdiff_t>(j) * dim_, dim_) += ConstRowMap(p, dim_);
  ++stats.counts[static_cast<std::size_t>(j)];
}

StreamingKMeansModel::BatchStats StreamingKMeansModel::batchStats(const Rdd<Vector>& data) const {
  BatchStats zero;
  zero.sums.assign(static_cast<std::size_t>(k()) * static_cast<std::size_t>(dim_), 0.0);
  zero.counts.assign(static_cast<std::size_t>(k()), 0);
  const StreamingKMeansModel* model = this;  // aggregate runs to completion before returning
  return data.aggregate(
      std::move(zero),
      [model](BatchStats acc, const Vector& p) {
        model->accumulate(acc, p);
        return acc;
      },
      [](BatchStats a, const BatchStats& b) {
        Eigen::Map<Eigen::VectorXd>(a.sums.data(), static_cast<Eigen::Index>(a.sums.size())) +=
            Eigen::Map<const Eigen::VectorXd>(b.sums.data(),
                                              static_cast<Eigen::Index>(b.sums.size()));
        for (std::size_t j = 0; j < a.counts.size(); ++j) a.counts[j] += b.counts[j];
        return a;
      });
}

StreamingKMeansModel StreamingKMeansModel::update(const Rdd<Vector>& data, double decayFactor,
                                                  const std::string& timeUnit) const {
  if (timeUnit != "batches" && timeUnit != "points") {
    throw IllegalArgumentError("Invalid time unit for decay: " + timeUnit +
                               " (allowed: batches, points)");
  }
  return applyUpdate(batchStats(data), decayFactor, timeUnit);
}

/// A cluster whose weight faded to nothing takes half of the largest one (ML-06): both get the
/// mean of the two weights, and the centers move 1e-14 (relative) apart on either side of the
/// largest one's.
void StreamingKMeansModel::splitDyingCluster() {
  auto max_it = std::max_element(weights_.begin(), weights_.end());
  auto min_it = std::min_element(weights_.begin(), weights_.end());
  if (!(*min_it < 1e-8 * *max_it)) return;
  auto largest = static_cast<std::ptrdiff_t>(max_it - weights_.begin());
  auto smallest = static_cast<std::ptrdiff_t>(min_it - weights_.begin());
  ember::logger()->info(
      "StreamingKMeans: cluster {} is dying; splitting the largest cluster {} in two", smallest,
      largest);
  double weight = (*max_it + *min_it) / 2.0;
  *max_it = weight;
  *min_it = weight;
  double* big = centers_.data() + largest * dim_;
  double* small = centers_.data() + smallest * dim_;
  for (int i = 0; i < dim_; ++i) {
    double x = big[i];
    double p = 1e-14 * std::max(std::abs(x), 1.0);
    big[i] = x + p;
    small[i] = x - p;
  }
}

StreamingKMeansModel StreamingKMeansModel::applyUpdate(const BatchStats& stats, double decayFactor,
                                                       const std::string& timeUnit) const {
  if (timeUnit != "batches" && timeUnit != "points") {
    throw IllegalArgumentError("Invalid time unit for decay: " + timeUnit +
                               " (allowed: batches, points)");
  }
  if (stats.counts.size() != weights_.size() ||
      stats.sums.size() != static_cast<std::size_t>(k()) * static_cast<std::size_t>(dim_)) {
    throw IllegalArgumentError("StreamingKMeansModel::applyUpdate: statistics for another model");
  }
  StreamingKMeansModel next = *this;
  long long total = 0;
  for (long long c : stats.counts) total += c;
  double discount =
      timeUnit == "batches" ? decayFactor : std::pow(decayFactor, static_cast<double>(total));
  for (double& w : next.weights_) w *= discount;

  for (int j = 0; j < k(); ++j) {
    auto count = stats.counts[static_cast<std::size_t>(j)];
    if (count == 0) continue;  // Spark updates only the clusters the batch's points went to
    double& weight = next.weights_[static_cast<std::size_t>(j)];
    double updated = weight + static_cast<double>(count);
    double lambda = static_cast<double>(count) / std::max(updated, 1e-16);
    weight = updated;
    RowMap center(next.centers_.data() + static_cast<std::ptrdiff_t>(j) * dim_, dim_);
    ConstRowMap sum(stats.sums.data() + static_cast<std::ptrdiff_t>(j) * dim_, dim_);
    center = center * (1.0 - lambda) + sum * (lambda / static_cast<double>(count));
  }

  next.splitDyingCluster();
  for (int j = 0; j < k(); ++j) {
    next.center_norms_[static_cast<std::size_t>(j)] =
        ConstRowMap(next.centers_.data() + static_cast<std::ptrdiff_t>(j) * dim_, dim_)
            .squaredNorm();
  }
  return next;
}

}  // namespace ember::ml
