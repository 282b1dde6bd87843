#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ember/core/conf.hpp"
#include "ember/core/engine_state.hpp"

namespace ember {

template <class T>
class Rdd;

/// The batch engine (Spark's SparkContext): executor threads, the block store of persisted data,
/// and the entry points that make datasets. A cheap, copyable handle. Creating one makes it the
/// active engine, which `ember::parallelize` uses.
class Engine {
 public:
  /// Throws IllegalArgumentError when `spark.master` is malformed or
  /// `spark.default.parallelism` is not positive.
  explicit Engine(Conf conf);
  Engine(const std::string& master, const std::string& app_name);
  explicit Engine(std::shared_ptr<detail::EngineState> state) : state_(std::move(state)) {}

  /// The active engine, or a new one made from conf (master `local[*]` when conf names none).
  static Engine getOrCreate(Conf conf = {});

  /// A dataset holding data, cut into numSlices partitions as Spark's ParallelCollectionRDD:
  /// slice i holds [i*n/numSlices, (i+1)*n/numSlices). numSlices <= 0 means
  /// defaultParallelism(). Throws IllegalStateError on a stopped engine.
  template <class T>
  Rdd<T> parallelize(std::vector<T> data, int numSlices = 0) const;
  /// A dataset with no partitions.
  template <class T>
  Rdd<T> emptyRDD() const;

  int defaultParallelism() const { return state_->defaultParallelism(); }
  const std::string& master() const { return state_->master(); }
  const std::string& appName() const { return state_->appName(); }
  const Conf& getConf() const { return state_->conf(); }
  void stop() { state_->stop(); }
  bool isStopped() const { return state_->isStopped(); }
  const std::shared_ptr<detail::EngineState>& state() const { return state_; }

 private:
  std::shared_ptr<detail::EngineState> state_;
};

}  // namespace ember
