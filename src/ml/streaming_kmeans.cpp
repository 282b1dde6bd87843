#include "ember/ml/streaming_kmeans.hpp"

#include <cmath>
#include <random>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"
#include "ember/core/show.hpp"
#include "ember/ml/random.hpp"
#include "ember/streaming/ops/output.hpp"

namespace ember::ml {
namespace {

void checkK(int k) {
  if (k <= 0) {
    throw IllegalArgumentError("Number of clusters must be positive but got " + std::to_string(k));
  }
}
void checkDecay(double a) {
  if (!(a >= 0.0)) {
    throw IllegalArgumentError("Decay factor must be nonnegative but got " + ember::toString(a));
  }
}
void checkTimeUnit(const std::string& unit) {
  if (unit != StreamingKMeans::BATCHES && unit != StreamingKMeans::POINTS) {
    throw IllegalArgumentError("Invalid time unit for decay: " + unit +
                               " (allowed: batches, points)");
  }
}

}  // namespace

StreamingKMeans::StreamingKMeans() : state_(std::make_shared<detail::KMeansState>()) {}

StreamingKMeans::StreamingKMeans(int k, double decayFactor, const std::string& timeUnit)
    : StreamingKMeans() {
  checkK(k);
  checkDecay(decayFactor);
  checkTimeUnit(timeUnit);
  state_->k = k;
  state_->decay_factor = decayFactor;
  state_->time_unit = timeUnit;
}

int StreamingKMeans::k() const {
  std::lock_guard lock(state_->mutex);
  return state_->k;
}
double StreamingKMeans::decayFactor() const {
  std::lock_guard lock(state_->mutex);
  return state_->decay_factor;
}
std::string StreamingKMeans::timeUnit() const {
  std::lock_guard lock(state_->mutex);
  return state_->time_unit;
}

StreamingKMeans& StreamingKMeans::setK(int k) {
  checkK(k);
  std::lock_guard lock(state_->mutex);
  state_->k = k;
  return *this;
}

StreamingKMeans& StreamingKMeans::setDecayFactor(double a) {
  checkDecay(a);
  std::lock_guard lock(state_->mutex);
  state_->decay_factor = a;
  return *this;
}

StreamingKMeans& StreamingKMeans::setHalfLife(double halfLife, const std::string& timeUnit) {
  if (!(halfLife > 0.0)) {
    throw IllegalArgumentError("Half life must be positive but got " + ember::toString(halfLife));
  }
  checkTimeUnit(timeUnit);
  double a = std::exp(std::log(0.5) / halfLife);
  ember::logger()->info("StreamingKMeans: setting decay factor to {}", a);
  std::lock_guard lock(state_->mutex);
  state_->decay_factor = a;
  state_->time_unit = timeUnit;
  return *this;
}

StreamingKMeans& StreamingKMeans::setInitialCenters(const std::vector<Vector>& centers,
                                                    const std::vector<double>& weights) {
  int k = this->k();
  if (centers.size() != weights.size()) {
    throw IllegalArgumentError(
        "Number of initial centers must be equal to number of weights, got " +
        std::to_string(centers.size()) + " centers and " + std::to_string(weights.size()) +
        " weights");
  }
  if (centers.size() != static_cast<std::size_t>(k)) {
    throw IllegalArgumentError("Number of initial centers must be " + std::to_string(k) +
                               " but got " + std::to_string(centers.size()));
  }
  auto model = std::make_shared<const StreamingKMeansModel>(centers, weights);
  std::lock_guard lock(state_->mutex);
  state_->model = std::move(model);
  return *this;
}

StreamingKMeans& StreamingKMeans::setRandomCenters(int dim, double weight, std::int64_t seed) {
  if (dim <= 0) {
    throw IllegalArgumentError("Number of dimensions must be positive but got " +
                               std::to_string(dim));
  }
  if (!(weight >= 0.0)) {
    throw IllegalArgumentError("Weight for each center must be nonnegative but got " +
                               ember::toString(weight));
  }
  int k = this->k();
  XORShiftRandom random(seed);
  std::vector<Vector> centers;
  centers.reserve(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) {
    std::vector<double> values(static_cast<std::size_t>(dim));
    for (double& x : values) x = random.nextGaussian();
    centers.push_back(Vectors::dense(std::move(values)));
  }
  auto model = std::make_shared<const StreamingKMeansModel>(
      centers, std::vector<double>(static_cast<std::size_t>(k), weight));
  std::lock_guard lock(state_->mutex);
  state_->model = std::move(model);
  return *this;
}

StreamingKMeans& StreamingKMeans::setRandomCenters(int dim, double weight) {
  std::random_device device;
  auto seed = (static_cast<std::int64_t>(device()) << 32) ^ static_cast<std::int64_t>(device());
  return setRandomCenters(dim, weight, seed);
}

void StreamingKMeans::assertInitialized() const {
  if (!state_->current()) {
    throw IllegalStateError(
        "Initial cluster centers must be set before starting predictions (setInitialCenters or "
        "setRandomCenters)");
  }
}

StreamingKMeansModel StreamingKMeans::latestModel() const {
  assertInitialized();
  return *state_->current();
}

void StreamingKMeans::trainOn(const DStream<Vector>& data) {
  assertInitialized();
  auto state = state_;
  data.foreachRDD([state](const Rdd<Vector>& rdd) {
    std::shared_ptr<const StreamingKMeansModel> model;
    double decay = 0.0;
    std::string unit;
    {
      std::lock_guard lock(state->mutex);
      model = state->model;
      decay = state->decay_factor;
      unit = state->time_unit;
    }
    auto next = std::make_shared<const StreamingKMeansModel>(model->update(rdd, decay, unit));
    std::lock_guard lock(state->mutex);
    state->model = std::move(next);
  });
}

DStream<int> StreamingKMeans::predictOn(const DStream<Vector>& data) const {
  assertInitialized();
  auto state = state_;
  return data.mapPartitions([state](std::vector<Vector>&& points) {
    auto model = state->current();
    std::vector<int> out;
    out.reserve(points.size());
    for (const Vector& p : points) out.push_back(model->predict(p));
    return out;
  });
}

}  // namespace ember::ml
