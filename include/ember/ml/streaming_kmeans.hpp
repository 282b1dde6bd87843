#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ember/ml/streaming_kmeans_model.hpp"
#include "ember/ml/vector.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/ops/map.hpp"

namespace ember::ml {

namespace detail {
/// What a StreamingKMeans and the closures it registers share: the settings, read at every batch
/// (a setter called while the context runs applies from the next batch, as in Spark), and the
/// current model. Guarded by `mutex`; the model itself is immutable and replaced whole.
struct KMeansState {
  mutable std::mutex mutex;
  int k = 2;
  double decay_factor = 1.0;
  std::string time_unit = "batches";
  std::shared_ptr<const StreamingKMeansModel> model;

  std::shared_ptr<const StreamingKMeansModel> current() const {
    std::lock_guard lock(mutex);
    return model;
  }
};
}  // namespace detail

/// Spark's StreamingKMeans (ML-04..06): k-means trained on a stream, one mini-batch step per
/// batch with forgetting, predicting on other streams with the model of the moment.
///
///   StreamingKMeans km;
///   km.setK(3).setDecayFactor(0.5).setRandomCenters(5, 0.0, 42);
///   km.trainOn(training);                          // DStream<Vector>
///   km.predictOnValues(test).print();              // DStream<std::pair<K, Vector>>
///
/// Copies share one model and one set of settings (a Scala reference, in effect); the closures
/// given to the streams hold that state, so the object may go out of scope while they run.
/// latestModel() may be called from any thread.
class StreamingKMeans {
 public:
  static constexpr const char* BATCHES = "batches";
  static constexpr const char* POINTS = "points";

  /// k = 2, decayFactor = 1.0, timeUnit = "batches".
  StreamingKMeans();
  /// Throws IllegalArgumentError as the setters do.
  StreamingKMeans(int k, double decayFactor, const std::string& timeUnit);

  int k() const;
  double decayFactor() const;
  std::string timeUnit() const;

  /// Throws IllegalArgumentError unless k > 0.
  StreamingKMeans& setK(int k);
  /// a = 1: every batch weighs the same; a = 0: only the newest batch counts. Throws
  /// IllegalArgumentError unless a >= 0.
  StreamingKMeans& setDecayFactor(double a);
  /// The decay that halves the weight of data after halfLife batches or points:
  /// a = exp(ln(0.5) / halfLife). Throws IllegalArgumentError unless halfLife > 0 and timeUnit is
  /// "batches" or "points".
  StreamingKMeans& setHalfLife(double halfLife, const std::string& timeUnit);
  /// Throws IllegalArgumentError unless there are k centers of one positive dimension and k
  /// weights, each >= 0.
  StreamingKMeans& setInitialCenters(const std::vector<Vector>& centers,
                                     const std::vector<double>& weights);
  /// k centers of `dim` standard-normal coordinates drawn from Spark's XORShiftRandom(seed) (the
  /// centers Spark draws from that seed), each of weight `weight`. Throws IllegalArgumentError
  /// unless dim > 0 and weight >= 0.
  StreamingKMeans& setRandomCenters(int dim, double weight, std::int64_t seed);
  /// As above with a seed from std::random_device.
  StreamingKMeans& setRandomCenters(int dim, double weight);

  /// The current model (a snapshot). Throws IllegalStateError before the centers are set.
  StreamingKMeansModel latestModel() const;

  /// Updates the model with every batch of `data` (an output operation: one job per batch,
  /// including empty batches, which only discount the weights). Throws IllegalStateError before
  /// the centers are set; a point of another dimension fails its batch.
  void trainOn(const DStream<Vector>& data);
  /// The index of each point's nearest center, with the model as it is when the batch's task
  /// runs (after the training of the same batch when trainOn was called first, as in Spark).
  /// Throws IllegalStateError before the centers are set.
  DStream<int> predictOn(const DStream<Vector>& data) const;
  /// predictOn for the values, keys kept.
  template <class K>
  DStream<std::pair<K, int>> predictOnValues(const DStream<std::pair<K, Vector>>& data) const {
    assertInitialized();
    auto state = state_;
    return data.mapPartitions([state](std::vector<std::pair<K, Vector>>&& points) {
      auto model = state->current();
      std::vector<std::pair<K, int>> out;
      out.reserve(points.size());
      for (auto& [key, point] : points) out.emplace_back(std::move(key), model->predict(point));
      return out;
    });
  }

 private:
  void assertInitialized() const;
  std::shared_ptr<detail::KMeansState> state_;
};

}  // namespace ember::ml
