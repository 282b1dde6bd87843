#pragma once

#include <string>
#include <vector>

#include "ember/core/rdd.hpp"
#include "ember/ml/vector.hpp"

namespace ember::ml {

/// Spark's StreamingKMeansModel: k cluster centers of one dimension and a weight for each (the
/// decayed number of points it has seen). Immutable: update() returns the next model, so a model
/// handed out (StreamingKMeans::latestModel) never changes under its reader.
class StreamingKMeansModel {
 public:
  /// Throws IllegalArgumentError when there are no centers, the two lists differ in length, the
  /// centers differ in dimension or have none, or a weight is negative or not a number.
  StreamingKMeansModel(const std::vector<Vector>& clusterCenters,
                       std::vector<double> clusterWeights);

  int k() const noexcept { return static_cast<int>(weights_.size()); }
  int dimension() const noexcept { return dim_; }
  /// The centers, as dense vectors.
  std::vector<Vector> clusterCenters() const;
  const std::vector<double>& clusterWeights() const noexcept { return weights_; }

  /// The index of the nearest center (squared Euclidean distance; the lowest index on a tie).
  /// Throws IllegalArgumentError when the point's dimension is not the model's.
  int predict(const Vector& point) const;
  /// predict for every point (one pass per partition).
  Rdd<int> predict(const Rdd<Vector>& points) const;
  /// The sum of squared distances from each point to its nearest center (KMeansModel's cost).
  double computeCost(const Rdd<Vector>& points) const;

  /// One mini-batch k-means step with forgetting (Spark's update, ML-05): points are assigned to
  /// their nearest center; every weight is multiplied by the discount (decayFactor for "batches",
  /// decayFactor^(points in the batch) for "points"); a center that got m points with sum s moves
  /// to (1 - λ)c + λ s/m, λ = m / max(w + m, 1e-16), and its weight becomes w + m. Then, if the
  /// smallest weight is below 1e-8 times the largest, the largest cluster is split in two
  /// (ML-06). An empty batch only discounts. Throws IllegalArgumentError for another time unit,
  /// and what computing the batch throws (a point of another dimension fails its task).
  StreamingKMeansModel update(const Rdd<Vector>& data, double decayFactor,
                              const std::string& timeUnit) const;

  /// Per-cluster sums and counts of a batch (the statistics update() reduces; also what the
  /// benchmark compares with its own loop). sums holds k rows of dimension() values.
  struct BatchStats {
    std::vector<double> sums;
    std::vector<long long> counts;
  };
  BatchStats batchStats(const Rdd<Vector>& data) const;
  /// update() given a batch's statistics.
  StreamingKMeansModel applyUpdate(const BatchStats& stats, double decayFactor,
                                   const std::string& timeUnit) const;

  /// Adds `point`'s contribution to `stats` (sized for this model). Throws IllegalArgumentError
  /// when the point's dimension is not the model's.
  void accumulate(BatchStats& stats, const Vector& point) const;

 private:
  StreamingKMeansModel() = default;
  void splitDyingCluster();
  int dim_ = 0;
  std::vector<double> centers_;  // k rows of dim_ values, one center after another
  std::vector<double> weights_;
  std::vector<double> center_norms_;  // squared norms, for sparse points
};

}  // namespace ember::ml
